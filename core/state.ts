/**
 * The engine's persistent state in libSQL: the base, each client's last view, conflicts,
 * backups, projects and policies. Every row is scoped to this machine.
 *
 * @module
 */
import { and, desc, eq, getTableColumns, gt, inArray, lt, sql } from "drizzle-orm";
import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import type { InArgs, InStatement } from "@libsql/client";
import type { Store } from "../db/mod.ts";
import { schema } from "../db/mod.ts";
import { type Item, itemKey, Kind, stableStringify } from "./schema.ts";
import { KINDS } from "./canonical.ts";
import { chunks, toBase64 } from "./guards.ts";
import { gunzipSync, gzip } from "node:zlib";
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
  settings,
} = schema;

/** A client's sync policy. */
export const Policy = z.object({
  enabled: z.boolean().default(true),
  /** `send`: its changes go out, nothing is written to it; `receive`: the other way round. */
  direction: z.enum(["both", "send", "receive"]).default("both"),
  kinds: z.array(Kind).default([...KINDS]),
  scopes: z.enum(["all", "user", "project"]).default("all"),
  /** `ask`: writes wait as a pending plan for the user to apply. */
  mode: z.enum(["auto", "ask"]).default("auto"),
});
export type Policy = z.infer<typeof Policy>;

/**
 * Backups kept of each file: the newest `kept`, and all from the last `days` days. A file
 * aisync writes often (a large `~/.claude.json`) would otherwise grow the database without end;
 * older ones go as each new backup of that file is stored.
 */
export const BackupRetention = z.object({
  kept: z.number().int().min(1).max(100_000),
  days: z.number().int().min(0).max(36_500),
});
export type BackupRetention = z.infer<typeof BackupRetention>;

/** The retention until the user sets one. */
export const DEFAULT_RETENTION: BackupRetention = { kept: 50, days: 30 };
const RETENTION = "backupRetention";
const DELETES = "propagateDeletes";
const PREFERRED = "preferredClient";

/** A stored base item. */
export interface BaseItem {
  item: Item;
  omit: string[];
  /** When the base last changed it (as loaded; a new entry has none until stored). */
  at?: number;
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

/** What {@linkcode State.commit} writes; every part is optional. */
export interface Commit {
  upsert?: BaseItem[];
  remove?: string[];
  history?: { key: string; value: unknown; source: string }[];
  views?: { client: string; set: Map<string, string>; remove: string[] }[];
  /** The bytes files had before a write. */
  backups?: BackupInput[];
  /** What aisync wrote to each path (its own echo, for the watcher). */
  hashes?: { path: string; hash: string }[];
  /** Every client's state after a sync. */
  statuses?: StatusInput[];
}

/** The previous bytes of a file about to be written. */
export interface BackupInput {
  path: string;
  content?: string;
  encoding?: "base64";
  mode?: number;
  client: string;
  reason: string;
}

/** A client's state after a sync. */
export interface StatusInput {
  client: string;
  state: string;
  notes: unknown[];
  errors: string[];
  /** Whether the sync changed something for it (its `lastChange` becomes now). */
  changed: boolean;
  /** Whether it now shows the whole base (its `inStepAt` becomes now). */
  inStep?: boolean;
}

const CHUNK = 200;

/**
 * Bumped by triggers on every change to the base, the views, projects, policies and settings
 * (migration 0004).
 */
const GENERATION = "SELECT n FROM generation WHERE id = 1";

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

  /**
   * What every sync loads (base, views, projects, policies, settings) as last loaded, with the
   * generation it was loaded at: most syncs change little (db/migrations/0004_generation.sql
   * says who bumps the generation).
   */
  #kept = new Map<string, { gen: number; value: unknown }>();

  /** `load()`'s value, loaded again only when the generation moved (a copy for the caller). */
  async #load<T>(slot: string, load: () => Promise<T>): Promise<T> {
    // A write between reading the generation and loading tags newer rows with an older
    // generation: the next call sees the generation moved and loads again.
    const gen = await this.#generation();
    let hit = this.#kept.get(slot);
    if (hit?.gen !== gen) this.#kept.set(slot, hit = { gen, value: await load() });
    return structuredClone(hit.value) as T;
  }

  /** A setting's value (JSON), or `undefined` when it was never set. */
  async setting(key: string): Promise<unknown> {
    const all = await this.#load("settings", async () => {
      const rows = await this.#db.select().from(settings);
      return new Map(rows.map((r) => [r.key, r.value]));
    });
    const v = all.get(key);
    return v === undefined ? undefined : JSON.parse(v);
  }

  /** Stores a setting's value (as JSON). */
  async setSetting(key: string, value: unknown): Promise<void> {
    const json = JSON.stringify(value);
    await this.#db.insert(settings).values({ key, value: json })
      .onConflictDoUpdate({ target: settings.key, set: { value: json } });
  }

  /** The backup retention in force: the user's setting, else {@linkcode DEFAULT_RETENTION}. */
  async backupRetention(): Promise<BackupRetention> {
    const r = BackupRetention.safeParse(await this.setting(RETENTION));
    return r.success ? r.data : DEFAULT_RETENTION;
  }

  /** Sets the backup retention; each file's older backups go when its next one is stored. */
  async setBackupRetention(retention: BackupRetention): Promise<void> {
    await this.setSetting(RETENTION, BackupRetention.parse(retention));
  }

  /** The client whose side settles conflicts, if the user chose one. */
  async preferredClient(): Promise<string | undefined> {
    const v = await this.setting(PREFERRED);
    return typeof v === "string" && v ? v : undefined;
  }

  /** Sets (or clears, with `undefined`) the preferred client. */
  async setPreferredClient(client: string | undefined): Promise<void> {
    await this.setSetting(PREFERRED, client ?? "");
  }

  /**
   * Whether a deletion in one client deletes the item from the others (the default). Off, the
   * item stays everywhere else and is not given back to the client that deleted it.
   */
  async propagatesDeletes(): Promise<boolean> {
    return (await this.setting(DELETES)) !== false;
  }

  /** Turns propagation of deletions on or off. */
  async setPropagateDeletes(on: boolean): Promise<void> {
    await this.setSetting(DELETES, on);
  }

  /** The generation of what is kept, now. */
  async #generation(): Promise<number> {
    const r = await this.store.client.execute(GENERATION);
    return Number(r.rows[0]?.[0] ?? -1);
  }

  /** The base, by item key (the caller's own copy). */
  base(): Promise<Map<string, BaseItem>> {
    return this.#load("base", () => this.#loadBase());
  }

  async #loadBase(): Promise<Map<string, BaseItem>> {
    // Plain value rows (`values()`): the engine loads the whole base on every sync.
    const rows = await this.#db.select({
      key: items.key,
      kind: items.kind,
      scope: items.scope,
      name: items.name,
      value: items.value,
      omit: items.omit,
      at: items.updatedAt,
    }).from(items).where(eq(items.machine, this.machine)).values();
    // libSQL's rows are indexed, not iterable.
    return new Map(rows.map((r) => [r[0] as string, {
      item: { kind: r[1], scope: r[2], name: r[3], value: JSON.parse(r[4] as string) } as Item,
      omit: JSON.parse(r[5] as string),
      at: Number(r[6]),
    }]));
  }

  /** Each client's last view, by client then item key (stable JSON values; the caller's copy). */
  views(): Promise<Map<string, Map<string, string>>> {
    return this.#load("views", () => this.#loadViews());
  }

  async #loadViews(): Promise<Map<string, Map<string, string>>> {
    const rows = await this.#db.select({
      client: clientViews.client,
      key: clientViews.key,
      value: clientViews.value,
    }).from(clientViews).where(eq(clientViews.machine, this.machine)).values();
    const out = new Map<string, Map<string, string>>();
    for (const r of rows) {
      let view = out.get(r[0] as string);
      if (!view) out.set(r[0] as string, view = new Map());
      view.set(r[1] as string, r[2] as string);
    }
    return out;
  }

  /**
   * Writes what one step of a sync decided in one transaction: base changes, their history,
   * client views, backups (their ids come back in order), aisync's own file hashes and every
   * client's state.
   */
  async commit(change: Commit): Promise<{ backupIds: number[] }> {
    const now = Date.now();
    const m = this.machine;
    const stmts: InStatement[] = [];
    stmts.push(...rows(
      items,
      (change.upsert ?? []).map((b) => ({
        machine: m,
        key: `${b.item.kind}:${b.item.scope}:${b.item.name}`,
        kind: b.item.kind,
        scope: b.item.scope,
        name: b.item.name,
        value: stableStringify(b.item.value),
        omit: JSON.stringify(b.omit),
        updatedAt: now,
      })),
      { target: ["machine", "key"], set: ["value", "omit", "updatedAt"] },
    ));
    for (const part of chunks(change.remove ?? [], CHUNK)) {
      stmts.push(
        statement(
          this.#db.delete(items).where(and(eq(items.machine, m), inArray(items.key, part))),
        ),
      );
    }
    stmts.push(...rows(
      itemHistory,
      (change.history ?? []).map((h) => ({
        machine: m,
        key: h.key,
        value: h.value === undefined ? null : stableStringify(h.value),
        source: h.source,
        at: now,
      })),
    ));
    for (const v of change.views ?? []) {
      stmts.push(...rows(
        clientViews,
        [...v.set].map(([key, value]) => ({ machine: m, client: v.client, key, value })),
        { target: ["machine", "client", "key"], set: ["value"] },
      ));
      for (const part of chunks(v.remove, CHUNK)) {
        stmts.push(statement(
          this.#db.delete(clientViews).where(
            and(
              eq(clientViews.machine, m),
              eq(clientViews.client, v.client),
              inArray(clientViews.key, part),
            ),
          ),
        ));
      }
    }
    const backupsFrom = stmts.length;
    const packed = await Promise.all((change.backups ?? []).map(pack));
    stmts.push(...rows(
      backups,
      (change.backups ?? []).map((b, i) => ({
        machine: m,
        path: b.path,
        content: packed[i].content,
        encoding: packed[i].encoding,
        mode: b.mode ?? null,
        client: b.client,
        reason: b.reason,
        at: now,
      })),
      undefined,
      "id",
    ));
    const backupsTo = stmts.length;
    // Read only for commits that store backups: every sync's last commit has none.
    const { kept, days } = change.backups?.length
      ? await this.backupRetention()
      : DEFAULT_RETENTION;
    for (const path of new Set((change.backups ?? []).map((b) => b.path))) {
      // The id of the `kept`-th newest (this commit's included): older ones may go. With fewer
      // than `kept`, there is none and nothing goes.
      const oldestKept = sql`(SELECT ${backups.id} FROM ${backups} WHERE ${backups.machine} = ${m}
        AND ${backups.path} = ${path} ORDER BY ${backups.id} DESC LIMIT 1 OFFSET ${kept - 1})`;
      stmts.push(statement(
        this.#db.delete(backups).where(and(
          eq(backups.machine, m),
          eq(backups.path, path),
          lt(backups.at, now - days * 86_400_000),
          lt(backups.id, oldestKept),
        )),
      ));
    }
    stmts.push(...rows(
      fileHashes,
      (change.hashes ?? []).map((h) => ({ machine: m, path: h.path, hash: h.hash, at: now })),
      { target: ["machine", "path"], set: ["hash", "at"] },
    ));
    stmts.push(...rows(
      clientStatus,
      (change.statuses ?? []).map((st) => ({
        machine: m,
        client: st.client,
        state: st.state,
        notes: JSON.stringify(st.notes),
        errors: JSON.stringify(st.errors),
        lastChange: st.changed ? now : null,
        inStepAt: st.inStep ? now : null,
        at: now,
      })),
      {
        target: ["machine", "client"],
        // An unchanged client keeps the time of its last change, one out of step its last time
        // in step.
        set: ["state", "notes", "errors", "at"],
        keep: ["lastChange", "inStepAt"],
      },
    ));
    if (!stmts.length) return { backupIds: [] };
    // The generation before and after, inside the transaction: when nobody else wrote since the
    // kept base and views were loaded, this commit's own changes bring them up to date.
    const results = await this.store.client.batch([GENERATION, ...stmts, GENERATION], "write");
    this.store.wrote();
    this.#advance(
      change,
      Number(results[0].rows[0]?.[0]),
      Number(results.at(-1)!.rows[0]?.[0]),
      now,
    );
    return {
      backupIds: results.slice(backupsFrom + 1, backupsTo + 1).flatMap((r) =>
        r.rows.map((row) => Number(row[0]))
      ),
    };
  }

  /** Applies a commit that moved the generation from `before` to `after` to what is kept. */
  #advance(change: Commit, before: number, after: number, now: number) {
    if (before === after) return;
    for (const [slot, hit] of this.#kept) {
      // Kept from just before this commit: its own changes (to the base and views only) bring it
      // up to date. Anything older missed another writer's changes.
      if (hit.gen === before) hit.gen = after;
      else this.#kept.delete(slot);
    }
    const base = this.#kept.get("base")?.value as Map<string, BaseItem> | undefined;
    for (const b of base ? change.upsert ?? [] : []) {
      // As a load would give it back: stored as stable JSON, parsed again.
      const { kind, scope, name } = b.item;
      const item = { kind, scope, name, value: JSON.parse(stableStringify(b.item.value)) } as Item;
      base!.set(itemKey(item), { item, omit: [...b.omit], at: now });
    }
    for (const key of change.remove ?? []) base?.delete(key);
    const views = this.#kept.get("views")?.value as Map<string, Map<string, string>> | undefined;
    for (const v of views ? change.views ?? [] : []) {
      let view = views!.get(v.client);
      if (!view) views!.set(v.client, view = new Map());
      for (const [key, value] of v.set) view.set(key, value);
      for (const key of v.remove) view.delete(key);
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

  /** Stores many backups in one batch; returns their ids in order. */
  async backupMany(list: BackupInput[]): Promise<number[]> {
    return (await this.commit({ backups: list })).backupIds;
  }

  /** Remembers what aisync wrote to many paths at once. */
  async setHashes(list: { path: string; hash: string }[]): Promise<void> {
    await this.commit({ hashes: list });
  }

  /** Records every client's state after a sync in one batch. */
  async setStatuses(list: StatusInput[]): Promise<void> {
    await this.commit({ statuses: list });
  }

  /** One backup by id, its content as it was stored (text, or base64 with `encoding`). */
  async getBackup(id: number) {
    const [row] = await this.#db.select().from(backups).where(
      and(eq(backups.id, id), eq(backups.machine, this.machine)),
    );
    return row && { ...row, ...unpack(row) };
  }

  /** The backup of `path` stored next after backup `id` (what that write put there), if any. */
  async backupAfter(path: string, id: number) {
    const [row] = await this.#db.select().from(backups).where(
      and(eq(backups.machine, this.machine), eq(backups.path, path), gt(backups.id, id)),
    ).orderBy(backups.id).limit(1);
    return row && { ...row, ...unpack(row) };
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
    return await this.#load("projects", async () => {
      const rows = await this.#db.select().from(projects).where(
        eq(projects.machine, this.machine),
      );
      return rows.map((r) => ({ path: r.path, source: r.source, active: r.active === 1 }));
    });
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
    const byClient = await this.#load("policies", async () => {
      const rows = await this.#db.select().from(policies).where(
        eq(policies.machine, this.machine),
      );
      return new Map(rows.map((r) => [r.client, JSON.parse(r.value)]));
    });
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

  /** Backups of one path (of every path without one), newest first. */
  async backupsOf(path?: string, limit = 20) {
    return await this.#db.select({
      id: backups.id,
      at: backups.at,
      path: backups.path,
      client: backups.client,
      reason: backups.reason,
    })
      .from(backups).where(
        and(
          eq(backups.machine, this.machine),
          path === undefined ? undefined : eq(backups.path, path),
        ),
      )
      .orderBy(desc(backups.id)).limit(limit);
  }
}

/**
 * Backups from this size on are stored gzipped (base64): a large `~/.claude.json` (megabytes of
 * Claude Code's own project state) compresses several times over, and each write backs it up.
 */
const GZIP_FROM = 16 * 1024;

/** A backup's content as stored: `gzip` (text) and `gzip+base64` (bytes) are compressed. */
async function pack(b: BackupInput): Promise<{ content: string | null; encoding: string | null }> {
  const content = b.content ?? null, encoding = b.encoding ?? null;
  if (content === null || content.length < GZIP_FROM) return { content, encoding };
  const bytes = encoding === "base64"
    ? Uint8Array.fromBase64(content)
    : new TextEncoder().encode(content);
  // The fastest level: this runs before every write of the file, and gains most of the ratio.
  const z = await new Promise<Uint8Array>((res, rej) =>
    gzip(bytes, { level: 1 }, (e, out) => e ? rej(e) : res(out))
  );
  return { content: toBase64(z), encoding: encoding === "base64" ? "gzip+base64" : "gzip" };
}

/** The content as it was given to {@linkcode pack}. */
function unpack(
  row: { content: string | null; encoding: string | null },
): { content: string | null; encoding: "base64" | null } {
  if (row.content === null || !row.encoding?.startsWith("gzip")) {
    return { content: row.content, encoding: row.encoding === "base64" ? "base64" : null };
  }
  const bytes = gunzipSync(Uint8Array.fromBase64(row.content));
  return row.encoding === "gzip"
    ? { content: new TextDecoder().decode(bytes), encoding: null }
    : { content: toBase64(bytes), encoding: "base64" };
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

/** A drizzle query as a libSQL statement, to run in one batch with the others. */
function statement(q: { toSQL(): { sql: string; params: unknown[] } }): InStatement {
  const { sql, params } = q.toSQL();
  return { sql, args: params as InArgs };
}

/**
 * Multi-row `insert` statements (chunks of {@linkcode CHUNK} rows), written out here rather
 * than by drizzle's query builder: a first sync writes thousands of rows, and building them
 * through drizzle cost five times the database's own work. Column names come from the drizzle
 * table. `upsert.set` columns take the new row's value on a conflict; `upsert.keep` columns take
 * it only when it is not null. `returning` names one column to return.
 */
function rows(
  table: SQLiteTable,
  list: Record<string, unknown>[],
  upsert?: { target: string[]; set: string[]; keep?: string[] },
  returning?: string,
): InStatement[] {
  if (!list.length) return [];
  const columns = getTableColumns(table) as Record<string, { name: string }>;
  const props = Object.keys(list[0]);
  const col = (p: string) => `"${columns[p].name}"`;
  const name = `"${getTableConfig(table).name}"`;
  let tail = "";
  if (upsert) {
    const set = [
      ...upsert.set.map((p) => `${col(p)} = excluded.${col(p)}`),
      ...(upsert.keep ?? []).map((p) =>
        `${col(p)} = coalesce(excluded.${col(p)}, ${name}.${col(p)})`
      ),
    ];
    tail = ` on conflict (${upsert.target.map(col).join(", ")}) do update set ${set.join(", ")}`;
  }
  if (returning) tail += ` returning ${col(returning)}`;
  const row = `(${props.map(() => "?").join(", ")})`;
  return chunks(list, CHUNK).map((part) => ({
    sql: `insert into ${name} (${props.map(col).join(", ")}) values ${
      part.map(() => row).join(", ")
    }${tail}`,
    args: part.flatMap((r) => props.map((p) => r[p] ?? null)) as InArgs,
  }));
}
