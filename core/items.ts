/**
 * Items as the web service shows them (the base, what each client shows, history, backups of the
 * files that hold them) and the two ways back: restore an earlier value of an item, or restore a
 * file from a backup. Values come back masked; callers never see a secret.
 *
 * @module
 */
import { and, eq, inArray } from "drizzle-orm";
import type { App } from "./app.ts";
import { atomicWrite, contentBytes, hashContent, readCurrent } from "./files.ts";
import { maskValue } from "./mask.ts";
import { type Item, parseItemKey } from "./schema.ts";
import { schema } from "../db/mod.ts";

/** One row of the item list. */
export interface ItemSummary {
  key: string;
  kind: string;
  scope: string;
  name: string;
  /** Clients whose last view has it. */
  clients: string[];
  updatedAt: number;
}

/** Everything about one item, masked. */
export interface ItemDetail {
  key: string;
  kind: string;
  scope: string;
  name: string;
  base: unknown;
  /** Client id → its last seen value (undefined when it does not have the item). */
  sides: Record<string, unknown>;
  history: { id: number; at: number; source: string; value: unknown }[];
  backups: { id: number; at: number; client: string; reason: string; path: string }[];
}

/** The base items, sorted by kind, scope and name. */
export async function listItems(app: App): Promise<ItemSummary[]> {
  const { items } = schema;
  const rows = await app.state.store.db.select({
    key: items.key,
    kind: items.kind,
    scope: items.scope,
    name: items.name,
    updatedAt: items.updatedAt,
  }).from(items).where(eq(items.machine, app.state.machine));
  const views = await app.state.views();
  return rows.map((r) => ({
    ...r,
    clients: [...views].filter(([, v]) => v.has(r.key)).map(([c]) => c),
  })).sort((a, b) =>
    a.kind.localeCompare(b.kind) || a.scope.localeCompare(b.scope) || a.name.localeCompare(b.name)
  );
}

/** One item with every client's value, its history and its files' backups; undefined if unknown. */
export async function itemDetail(app: App, key: string): Promise<ItemDetail | undefined> {
  const base = (await app.state.base()).get(key);
  const views = await app.state.views();
  const history = await app.state.history(key);
  if (!base && !history.length && ![...views.values()].some((v) => v.has(key))) return undefined;
  const parts = parseItemKey(key);
  const sides: Record<string, unknown> = {};
  for (const p of app.host.plugins) {
    const v = views.get(p.id)?.get(key);
    sides[p.id] = v === undefined ? undefined : maskValue(JSON.parse(v));
  }
  // The files that can hold this item: the declared paths of its scope.
  const project = parts.scope.startsWith("project:") ? parts.scope.slice(8) : undefined;
  const paths = new Set<string>();
  for (const p of app.host.plugins) {
    for (const path of app.host.allowed(p.id)) {
      if (project ? path.startsWith(project + "/") : !isUnderAnyProject(path, app.host.projects)) {
        paths.add(path);
      }
    }
  }
  const { backups } = schema;
  const rows = paths.size
    ? await app.state.store.db.select({
      id: backups.id,
      at: backups.at,
      client: backups.client,
      reason: backups.reason,
      path: backups.path,
    }).from(backups).where(
      and(eq(backups.machine, app.state.machine), inArray(backups.path, [...paths])),
    )
    : [];
  return {
    key,
    ...parts,
    base: base ? maskValue(base.item.value) : undefined,
    sides,
    history: history.map((h) => ({
      id: h.id,
      at: h.at,
      source: h.source,
      value: h.value === null ? null : maskValue(JSON.parse(h.value)),
    })),
    backups: rows.sort((a, b) => b.id - a.id).slice(0, 30),
  };
}

function isUnderAnyProject(path: string, projects: string[]): boolean {
  return projects.some((p) => path.startsWith(p + "/"));
}

/**
 * Makes an earlier value of an item the base again. Clients' views stay as they are, so the next
 * sync sees nobody changed it and writes the restored value to every client.
 */
export async function restoreValue(app: App, key: string, historyId: number): Promise<void> {
  const { itemHistory } = schema;
  const [row] = await app.state.store.db.select().from(itemHistory).where(
    and(
      eq(itemHistory.machine, app.state.machine),
      eq(itemHistory.key, key),
      eq(itemHistory.id, historyId),
    ),
  );
  if (!row) throw new RangeError(`Cannot restore "${key}": no history entry ${historyId}`);
  const base = await app.state.base();
  const source = `restore:${historyId}`;
  if (row.value === null) {
    await app.state.commit({
      upsert: [],
      remove: [key],
      history: [{ key, value: undefined, source }],
      views: [],
    });
    return;
  }
  const value = JSON.parse(row.value);
  const item = { ...parseItemKey(key), value } as Item;
  await app.state.commit({
    upsert: [{ item, omit: base.get(key)?.omit ?? [] }],
    remove: [],
    history: [{ key, value, source }],
    views: [],
  });
}

/**
 * Puts a file back as it was before a write (the replaced bytes are backed up too, so this can be
 * undone). Returns the id of that new backup.
 */
export async function restoreBackup(app: App, id: number): Promise<{ path: string; undo: number }> {
  const b = await app.state.getBackup(id);
  if (!b) throw new RangeError(`Cannot restore backup ${id}: it does not exist`);
  const cur = await readCurrent(b.path);
  const [undo] = await app.state.backupMany([{
    path: b.path,
    content: cur.text ?? cur.base64,
    encoding: cur.base64 !== undefined ? "base64" : undefined,
    mode: cur.mode,
    client: b.client,
    reason: `restore ${id}`,
  }]);
  const encoding = b.encoding === "base64" ? "base64" : undefined;
  if (b.content === null) await Deno.remove(b.path).catch(() => {});
  else {
    const bytes = encoding ? contentBytes(b.content, encoding) : b.content;
    await atomicWrite(b.path, bytes, b.mode ?? cur.mode, cur);
  }
  // aisync's own write: the watcher must not take it for a change made in the client.
  await app.state.setHash(b.path, await hashContent(b.content, encoding));
  return { path: b.path, undo };
}
