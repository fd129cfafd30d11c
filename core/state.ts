/**
 * The engine's persistent state in libSQL: the base, each client's last view, conflicts,
 * backups, projects and policies. Every row is scoped to this machine.
 *
 * @module
 */
import { and, desc, eq, inArray } from "drizzle-orm";
import type { Store } from "../db/mod.ts";
import { schema } from "../db/mod.ts";
import { type Item, Kind, stableStringify } from "./schema.ts";
import { z } from "zod";

const {
  items,
  clientViews,
  conflicts,
  backups,
  fileHashes,
  projects,
  policies,
  itemHistory,
  clientStatus,
} = schema;

/** A client's sync policy. */
export const Policy = z.object({
  enabled: z.boolean().default(true),
  /** `send`: its changes go out, nothing is written to it; `receive`: the other way round. */
  direction: z.enum(["both", "send", "receive"]).default("both"),
  kinds: z.array(Kind).default([...Kind.options]),
  scopes: z.enum(["all", "user", "project"]).default("all"),
  /** `ask`: writes wait as a pending plan for the user to apply. */
  mode: z.enum(["auto", "ask"]).default("auto"),
});
export type Policy = z.infer<typeof Policy>;

/** A stored base item. */
export interface BaseItem {
  item: Item;
  omit: string[];
}

/** An open or resolved conflict. */
export interface Conflict {
  id: number;
  key: string;
  base: unknown;
  sides: Record<string, unknown>;
  status: "open" | "resolved";
  createdAt: number;
}

const CHUNK = 200;

function chunks<T>(list: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}

/** Typed access to the engine's tables for one machine. */
export class State {
  readonly store: Store;
  readonly machine: string;

  constructor(store: Store, machine: string) {
    this.store = store;
    this.machine = machine;
  }

  get #db() {
    return this.store.db;
  }

  /** The base, by item key. */
  async base(): Promise<Map<string, BaseItem>> {
    const rows = await this.#db.select().from(items).where(eq(items.machine, this.machine));
    return new Map(rows.map((r) => [r.key, {
      item: { kind: r.kind, scope: r.scope, name: r.name, value: JSON.parse(r.value) } as Item,
      omit: JSON.parse(r.omit),
    }]));
  }

  /** Each client's last view, by client then item key (stable JSON values). */
  async views(): Promise<Map<string, Map<string, string>>> {
    const rows = await this.#db.select().from(clientViews).where(
      eq(clientViews.machine, this.machine),
    );
    const out = new Map<string, Map<string, string>>();
    for (const r of rows) {
      if (!out.has(r.client)) out.set(r.client, new Map());
      out.get(r.client)!.set(r.key, r.value);
    }
    return out;
  }

  /** Writes the base changes, their history and the new client views in one batch. */
  async commit(change: {
    upsert: BaseItem[];
    remove: string[];
    history: { key: string; value: unknown; source: string }[];
    views: { client: string; set: Map<string, string>; remove: string[] }[];
  }): Promise<void> {
    const now = Date.now();
    const m = this.machine;
    const stmts = [];
    for (const part of chunks(change.upsert)) {
      stmts.push(
        this.#db.insert(items).values(part.map((b) => ({
          machine: m,
          key: `${b.item.kind}:${b.item.scope}:${b.item.name}`,
          kind: b.item.kind,
          scope: b.item.scope,
          name: b.item.name,
          value: stableStringify(b.item.value),
          omit: JSON.stringify(b.omit),
          updatedAt: now,
        }))).onConflictDoUpdate({
          target: [items.machine, items.key],
          set: { value: sqlExcluded("value"), omit: sqlExcluded("omit"), updatedAt: now },
        }),
      );
    }
    for (const part of chunks(change.remove)) {
      stmts.push(this.#db.delete(items).where(and(eq(items.machine, m), inArray(items.key, part))));
    }
    for (const part of chunks(change.history)) {
      stmts.push(
        this.#db.insert(itemHistory).values(part.map((h) => ({
          machine: m,
          key: h.key,
          value: h.value === undefined ? null : stableStringify(h.value),
          source: h.source,
          at: now,
        }))),
      );
    }
    for (const v of change.views) {
      for (const part of chunks([...v.set])) {
        stmts.push(
          this.#db.insert(clientViews).values(
            part.map(([key, value]) => ({ machine: m, client: v.client, key, value })),
          ).onConflictDoUpdate({
            target: [clientViews.machine, clientViews.client, clientViews.key],
            set: { value: sqlExcluded("value") },
          }),
        );
      }
      for (const part of chunks(v.remove)) {
        stmts.push(
          this.#db.delete(clientViews).where(
            and(
              eq(clientViews.machine, m),
              eq(clientViews.client, v.client),
              inArray(clientViews.key, part),
            ),
          ),
        );
      }
    }
    if (stmts.length) {
      await this.#db.batch(stmts as unknown as Parameters<typeof this.store.db.batch>[0]);
    }
  }

  /** Open conflicts by item key. */
  async openConflicts(): Promise<Map<string, Conflict>> {
    const rows = await this.#db.select().from(conflicts).where(
      and(eq(conflicts.machine, this.machine), eq(conflicts.status, "open")),
    );
    return new Map(rows.map((r) => [r.key, toConflict(r)]));
  }

  /** All conflicts, newest first. */
  async conflicts(limit = 100): Promise<Conflict[]> {
    const rows = await this.#db.select().from(conflicts).where(eq(conflicts.machine, this.machine))
      .orderBy(desc(conflicts.id)).limit(limit);
    return rows.map(toConflict);
  }

  /** Opens (or refreshes the sides of) the conflict on `key`; returns its id. */
  async openConflict(key: string, base: unknown, sides: Record<string, unknown>): Promise<number> {
    const open = (await this.openConflicts()).get(key);
    if (open) {
      await this.#db.update(conflicts).set({ sides: JSON.stringify(sides) }).where(
        eq(conflicts.id, open.id),
      );
      return open.id;
    }
    const [row] = await this.#db.insert(conflicts).values({
      machine: this.machine,
      key,
      base: base === undefined ? null : JSON.stringify(base),
      sides: JSON.stringify(sides),
      createdAt: Date.now(),
    }).returning({ id: conflicts.id });
    return row.id;
  }

  /** Marks a conflict resolved. */
  async closeConflict(id: number, resolution: string): Promise<void> {
    await this.#db.update(conflicts).set({ status: "resolved", resolution, resolvedAt: Date.now() })
      .where(eq(conflicts.id, id));
  }

  /** Stores the bytes a file had before a write; returns the backup id. */
  async backup(
    b: { path: string; content?: string; mode?: number; client: string; reason: string },
  ) {
    const [row] = await this.#db.insert(backups).values({
      machine: this.machine,
      path: b.path,
      content: b.content ?? null,
      mode: b.mode ?? null,
      client: b.client,
      reason: b.reason,
      at: Date.now(),
    }).returning({ id: backups.id });
    return row.id;
  }

  /** Stores many backups in one batch; returns their ids in order. */
  async backupMany(
    list: {
      path: string;
      content?: string;
      encoding?: "base64";
      mode?: number;
      client: string;
      reason: string;
    }[],
  ): Promise<number[]> {
    if (!list.length) return [];
    const at = Date.now();
    const rows = await this.#db.insert(backups).values(list.map((b) => ({
      machine: this.machine,
      path: b.path,
      content: b.content ?? null,
      encoding: b.encoding ?? null,
      mode: b.mode ?? null,
      client: b.client,
      reason: b.reason,
      at,
    }))).returning({ id: backups.id });
    return rows.map((r) => r.id);
  }

  /** Remembers what aisync wrote to many paths at once. */
  async setHashes(list: { path: string; hash: string }[]): Promise<void> {
    if (!list.length) return;
    const at = Date.now();
    await this.#db.insert(fileHashes).values(list.map((h) => ({ machine: this.machine, ...h, at })))
      .onConflictDoUpdate({
        target: [fileHashes.machine, fileHashes.path],
        set: { hash: sqlExcluded("hash"), at },
      });
  }

  /** Records every client's state after a sync in one batch. */
  async setStatuses(
    list: { client: string; state: string; notes: unknown[]; errors: string[]; changed: boolean }[],
  ): Promise<void> {
    if (!list.length) return;
    const now = Date.now();
    const prev = new Map((await this.statuses()).map((r) => [r.client, r.lastChange]));
    await this.#db.insert(clientStatus).values(list.map((s) => ({
      machine: this.machine,
      client: s.client,
      state: s.state,
      notes: JSON.stringify(s.notes),
      errors: JSON.stringify(s.errors),
      lastChange: s.changed ? now : prev.get(s.client) ?? null,
      at: now,
    }))).onConflictDoUpdate({
      target: [clientStatus.machine, clientStatus.client],
      set: {
        state: sqlExcluded("state"),
        notes: sqlExcluded("notes"),
        errors: sqlExcluded("errors"),
        lastChange: sqlExcluded("last_change"),
        at: now,
      },
    });
  }

  /** One backup by id. */
  async getBackup(id: number) {
    const [row] = await this.#db.select().from(backups).where(
      and(eq(backups.id, id), eq(backups.machine, this.machine)),
    );
    return row;
  }

  /** Remembers what aisync wrote to `path` (its own echo, to be ignored by the watcher). */
  async setHash(path: string, hash: string): Promise<void> {
    await this.#db.insert(fileHashes).values({ machine: this.machine, path, hash, at: Date.now() })
      .onConflictDoUpdate({
        target: [fileHashes.machine, fileHashes.path],
        set: { hash, at: Date.now() },
      });
  }

  /** What aisync last wrote to each path. */
  async hashes(): Promise<Map<string, string>> {
    const rows = await this.#db.select().from(fileHashes).where(
      eq(fileHashes.machine, this.machine),
    );
    return new Map(rows.map((r) => [r.path, r.hash]));
  }

  /** Active project roots. */
  async projects(): Promise<{ path: string; source: string; active: boolean }[]> {
    const rows = await this.#db.select().from(projects).where(eq(projects.machine, this.machine));
    return rows.map((r) => ({ path: r.path, source: r.source, active: r.active === 1 }));
  }

  /** Adds a project (reactivating a removed one only when the user registers it). */
  async addProject(path: string, source: string): Promise<boolean> {
    const existing = (await this.projects()).find((p) => p.path === path);
    if (existing) {
      if (existing.active || source !== "registered") return false;
      await this.#db.update(projects).set({ active: 1, source }).where(
        and(eq(projects.machine, this.machine), eq(projects.path, path)),
      );
      return true;
    }
    await this.#db.insert(projects).values({
      machine: this.machine,
      path,
      source,
      addedAt: Date.now(),
    });
    return true;
  }

  /** Stops syncing a project (it is not rediscovered). */
  async removeProject(path: string): Promise<boolean> {
    const r = await this.#db.update(projects).set({ active: 0 }).where(
      and(eq(projects.machine, this.machine), eq(projects.path, path)),
    ).returning({ path: projects.path });
    return r.length > 0;
  }

  /** The policy of every client (defaults for those never set). */
  async policies(clients: string[]): Promise<Map<string, Policy>> {
    const rows = await this.#db.select().from(policies).where(eq(policies.machine, this.machine));
    const byClient = new Map(rows.map((r) => [r.client, JSON.parse(r.value)]));
    return new Map(clients.map((c) => [c, Policy.parse(byClient.get(c) ?? {})]));
  }

  /** Sets one client's policy. */
  async setPolicy(client: string, policy: Policy): Promise<void> {
    const value = JSON.stringify(Policy.parse(policy));
    await this.#db.insert(policies).values({ machine: this.machine, client, value })
      .onConflictDoUpdate({ target: [policies.machine, policies.client], set: { value } });
  }

  /** Records a client's state after a sync. */
  async setStatus(
    client: string,
    s: { state: string; notes: unknown[]; errors: string[]; changed: boolean },
  ) {
    const now = Date.now();
    const prev = await this.#db.select().from(clientStatus).where(
      and(eq(clientStatus.machine, this.machine), eq(clientStatus.client, client)),
    );
    const lastChange = s.changed ? now : prev[0]?.lastChange ?? null;
    const row = {
      machine: this.machine,
      client,
      state: s.state,
      notes: JSON.stringify(s.notes),
      errors: JSON.stringify(s.errors),
      lastChange,
      at: now,
    };
    await this.#db.insert(clientStatus).values(row).onConflictDoUpdate({
      target: [clientStatus.machine, clientStatus.client],
      set: { state: row.state, notes: row.notes, errors: row.errors, lastChange, at: now },
    });
  }

  /** Every client's last recorded state. */
  async statuses() {
    const rows = await this.#db.select().from(clientStatus).where(
      eq(clientStatus.machine, this.machine),
    );
    return rows.map((r) => ({
      ...r,
      notes: JSON.parse(r.notes),
      errors: JSON.parse(r.errors) as string[],
    }));
  }

  /** The history of one item, newest first. */
  async history(key: string, limit = 50) {
    return await this.#db.select().from(itemHistory).where(
      and(eq(itemHistory.machine, this.machine), eq(itemHistory.key, key)),
    ).orderBy(desc(itemHistory.id)).limit(limit);
  }

  /** Backups of one path, newest first. */
  async backupsOf(path: string, limit = 20) {
    return await this.#db.select({
      id: backups.id,
      at: backups.at,
      client: backups.client,
      reason: backups.reason,
    })
      .from(backups).where(and(eq(backups.machine, this.machine), eq(backups.path, path)))
      .orderBy(desc(backups.id)).limit(limit);
  }
}

function toConflict(r: typeof conflicts.$inferSelect): Conflict {
  return {
    id: r.id,
    key: r.key,
    base: r.base === null ? undefined : JSON.parse(r.base),
    sides: JSON.parse(r.sides),
    status: r.status as Conflict["status"],
    createdAt: r.createdAt,
  };
}

import { sql } from "drizzle-orm";
function sqlExcluded(col: string) {
  return sql.raw(`excluded.${col}`);
}
