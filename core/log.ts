/**
 * The structured log: records (time, level, source, client, item, action, message, fields, bus
 * event id) in libSQL, written in batches off the sync path, searchable with FTS5, pruned by age
 * and size in the background. Every bus event becomes one record per client it names; other
 * sources (web sign-ins, setting changes) call {@linkcode Log.log}.
 *
 * Secrets never reach a record: fields pass through {@linkcode maskValue}, and every text is
 * scrubbed of the secret values the store knows (env and header values of items, client views and
 * open conflicts) and of token-like patterns.
 *
 * @example Record a setting change from the web service
 * ```ts
 * app.log.log({
 *   level: "info",
 *   source: "web",
 *   action: "setting.changed",
 *   message: `alice changed the policy of codex`,
 *   fields: { user: "alice", client: "codex" },
 * });
 * ```
 *
 * @module
 */
import { z } from "zod";
import type { Store } from "../db/mod.ts";
import type { Bus, BusEvent } from "./bus.ts";
import { chunks, escapeRegExp } from "./guards.ts";
import { MASK, maskValue, Redactor, secretsOf } from "./mask.ts";

/** Log levels, least severe first. */
export const LEVELS = ["debug", "info", "warn", "error"] as const;
/** A log level. */
export type Level = typeof LEVELS[number];

/** A record as a caller hands it in; the log adds the id and (if missing) the time. */
export interface LogInput {
  level: Level;
  /** `engine`, `watcher`, `host`, `plugin:<id>`, `web`, `notify`, `log`, `export` … */
  source: string;
  client?: string | null;
  /** The item key (`kind:scope:name`) the record is about. */
  item?: string | null;
  /** What happened, dotted: `sync.finished`, `file.written`, `login.failed` … */
  action?: string | null;
  message: string;
  /** Structured details; secret-looking values are masked before they are stored. */
  fields?: Record<string, unknown>;
  /** The bus event the record came from. */
  eventId?: number | null;
  /** Milliseconds since the epoch (default: now). */
  at?: number;
}

/** A stored record. */
export interface LogRow {
  id: number;
  at: number;
  level: Level;
  source: string;
  client: string | null;
  item: string | null;
  action: string | null;
  message: string;
  fields: Record<string, unknown>;
  eventId: number | null;
}

/** A stored record with `fields` still as JSON text. */
export type RawLogRow = Omit<LogRow, "fields"> & { fields: string };

/** A stored record as an array (what exports stream: no object per record). */
export type LogTuple = [
  id: number,
  at: number,
  level: Level,
  source: string,
  client: string | null,
  item: string | null,
  action: string | null,
  message: string,
  fields: string,
  eventId: number | null,
];

// Empty form fields mean "no filter".
const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optText = z.preprocess(blank, z.string().trim().min(1).max(500).optional());
const time = z.union([z.number().int(), z.string().trim()]).transform((v, ctx) => {
  if (typeof v === "number") return v;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(n)) {
    ctx.addIssue({ code: "custom", message: `Cannot parse "${v}" as a time` });
    return z.NEVER;
  }
  return n;
});
const optTime = z.preprocess(blank, time.optional());

/**
 * Which records to show or export. Times are epoch milliseconds or ISO 8601 text; `level` is the
 * least severe level shown; `action` and `item` ending in `*` match a prefix; `text` is full-text
 * search over message and fields (every word must occur; `word*` matches a prefix).
 */
export const LogFilter = z.object({
  from: optTime,
  to: optTime,
  level: z.preprocess(blank, z.enum(LEVELS).optional()),
  source: optText,
  client: optText,
  item: optText,
  action: optText,
  text: optText,
});
/** A parsed {@linkcode LogFilter}. */
export type LogFilter = z.infer<typeof LogFilter>;

/** Retention settings (stored under the `logs.retention` setting). */
export const Retention = z.object({
  /** Records older than this many days are deleted (0 keeps them forever). */
  maxAgeDays: z.number().min(0).default(30),
  /** At most this many records are kept (0: no limit). */
  maxRecords: z.number().int().min(0).default(1_000_000),
  /** The log may take about this many megabytes, full-text index included (0: no limit). */
  maxMb: z.number().min(0).default(512),
  /** Minutes between background prunes. */
  everyMinutes: z.number().min(1).default(60),
});
/** Parsed {@linkcode Retention} settings. */
export type Retention = z.infer<typeof Retention>;

/** Options of {@linkcode Log}. */
export interface LogOptions {
  /** Every event on this bus is recorded. */
  bus?: Bus;
  /** Milliseconds a record may wait before its batch is written (default 100). */
  flushMs?: number;
  /** A batch this large is written at once (default 2000). */
  maxBatch?: number;
  /** Prune in the background after writes (default true). */
  prune?: boolean;
}

const RETENTION_KEY = "logs.retention";
const CHUNK = 5000;
const COLUMNS = "id, at, level, source, client, item, action, message, fields, event_id";
// Token-like text that may turn up in error messages (an `Authorization` header a client quoted,
// `api_key = "…"` in a line a parser complained about).
const AUTH_SCHEME = /\b(Bearer|Basic|Token)\s+([A-Za-z0-9._~+/=-]{6,})/gi;
const SECRET_ASSIGN =
  /\b([A-Za-z0-9_-]*(?:token|secret|password|passwd|api[_-]?key)[A-Za-z0-9_-]*)(["']?\s*[:=]\s*["']?)([^\s"',;}]{4,})/gi;
const NAMES_A_VARIABLE = /(env_var|_var|_vars)$/i;

function isReference(v: string): boolean {
  // A reference (`${VAR}`) names where a secret is, not what it is.
  return v.startsWith("${") || v.startsWith("$") && /^\$[A-Za-z_]\w*$/.test(v) || v === MASK;
}

/** Masks the secrets a text may hold: known secret values and token-like patterns. */
export function scrubText(text: string, redactor?: Redactor): string {
  let out = redactor ? redactor.redact(text) : text;
  out = out.replace(
    AUTH_SCHEME,
    (m, scheme: string, value: string) => isReference(value) ? m : `${scheme} ${MASK}`,
  );
  out = out.replace(
    SECRET_ASSIGN,
    (m, key: string, sep: string, value: string) =>
      isReference(value) || NAMES_A_VARIABLE.test(key) ? m : `${key}${sep}${MASK}`,
  );
  return out;
}

/** The records one bus event becomes (one per client it names). */
export function eventRecords(e: BusEvent): LogInput[] {
  const base = { eventId: e.id, at: e.at, action: e.type };
  const each = (clients: string[], r: Omit<LogInput, "client">): LogInput[] =>
    clients.length ? clients.map((client) => ({ ...r, client })) : [{ ...r, client: null }];
  switch (e.type) {
    case "sync.started":
      return [{
        ...base,
        level: "info",
        source: "engine",
        message: `Sync started (${e.trigger})`,
        fields: { trigger: e.trigger },
      }];
    case "sync.finished":
      return [{
        ...base,
        level: e.errors ? "error" : e.conflicts ? "warn" : "info",
        source: "engine",
        message:
          `Sync finished in ${e.ms} ms: ${e.changes} changes, ${e.writes} writes, ${e.conflicts} conflicts, ${e.errors} errors`,
        fields: {
          changes: e.changes,
          writes: e.writes,
          conflicts: e.conflicts,
          errors: e.errors,
          ms: e.ms,
        },
      }];
    case "item.changed":
      return each(e.clients, {
        ...base,
        action: `item.${e.action}`,
        level: "info",
        source: "engine",
        item: e.key,
        message: `${e.key} ${e.action === "add" ? "added" : e.action + "d"} in ${
          e.clients.join(", ")
        }`,
        fields: { clients: e.clients },
      });
    case "file.written": {
      const clients = e.client.split(",").filter(Boolean);
      return each(clients, {
        ...base,
        level: "info",
        source: "engine",
        item: e.key ?? null,
        message: `Wrote ${e.path}${e.backupId ? ` (backup ${e.backupId})` : ""}`,
        fields: { path: e.path, backupId: e.backupId, clients },
      });
    }
    case "conflict.opened":
      return each(e.clients, {
        ...base,
        level: "warn",
        source: "engine",
        item: e.key,
        message: `Conflict #${e.conflictId} on ${e.key}: ${e.clients.join(" vs ")}`,
        fields: { conflictId: e.conflictId, clients: e.clients },
      });
    case "conflict.resolved":
      return [{
        ...base,
        level: "info",
        source: "engine",
        item: e.key,
        client: e.by === "edit" ? null : e.by,
        message: `Conflict #${e.conflictId} on ${e.key} resolved (${
          e.by === "edit" ? "edited" : `took ${e.by}`
        })`,
        fields: { conflictId: e.conflictId, by: e.by },
      }];
    case "client.state":
      return [
        {
          ...base,
          level: e.errors.length || e.state === "error" ? "error" : "info",
          source: "engine",
          client: e.client,
          message: `${e.client} is ${e.state}${e.notes ? ` (${e.notes} notes)` : ""}`,
          fields: { state: e.state, notes: e.notes },
        },
        ...e.errors.map((message): LogInput => ({
          ...base,
          action: "client.error",
          level: "error",
          source: `plugin:${e.client}`,
          client: e.client,
          message,
        })),
      ];
    case "lossy":
      return [{
        ...base,
        level: "warn",
        source: `plugin:${e.client}`,
        client: e.client,
        item: e.key,
        message: e.message,
      }];
    case "error":
      return [{
        ...base,
        level: "error",
        source: e.source,
        client: e.client ?? null,
        message: e.message,
      }];
    case "watch.change":
      return [{
        ...base,
        level: "debug",
        source: "watcher",
        client: e.client,
        message: `${e.paths.length} changed file${e.paths.length === 1 ? "" : "s"} of ${e.client}`,
        fields: { paths: e.paths },
      }];
    default: {
      // Events added later still reach the log, with their data as fields.
      const { id: _id, at: _at, type, ...rest } = e as BusEvent & Record<string, unknown>;
      return [{
        ...base,
        level: "info",
        source: "engine",
        client: typeof rest.client === "string" ? rest.client : null,
        item: typeof rest.key === "string" ? rest.key : null,
        message: String(type),
        fields: rest,
      }];
    }
  }
}

/** Turns a free-text query into an FTS5 expression: every word must occur, `word*` is a prefix. */
export function ftsQuery(text: string): string | undefined {
  const words = text.match(/[^\s"]+/g) ?? [];
  const terms = words.map((w) => {
    const prefix = w.endsWith("*");
    const bare = w.replace(/\*+$/, "");
    return bare ? `"${bare}"${prefix ? "*" : ""}` : "";
  }).filter(Boolean);
  return terms.length ? terms.join(" AND ") : undefined;
}

function levelsFrom(level: Level): Level[] {
  return LEVELS.slice(LEVELS.indexOf(level));
}

/**
 * SQL conditions and arguments for a filter (shared by queries and exports). With `byId`, no
 * index on time, level, client or item is used (`+col`): SQLite reads the table in id order.
 */
export function filterSql(
  f: LogFilter,
  byId = false,
): { where: string[]; args: (string | number)[] } {
  const where: string[] = [], args: (string | number)[] = [];
  const c = (col: string) => byId ? `+${col}` : col;
  if (f.from !== undefined) where.push(`${c("at")} >= ?`), args.push(f.from);
  if (f.to !== undefined) where.push(`${c("at")} <= ?`), args.push(f.to);
  if (f.level && f.level !== "debug") {
    const ls = levelsFrom(f.level);
    where.push(`${c("level")} IN (${ls.map(() => "?").join(",")})`), args.push(...ls);
  }
  for (const col of ["source", "client", "item", "action"] as const) {
    const v = f[col];
    if (v === undefined) continue;
    if (v.endsWith("*")) {
      // A prefix as a range keeps the index usable (LIKE would not).
      const p = v.slice(0, -1);
      where.push(`${c(col)} >= ? AND ${c(col)} < ?`), args.push(p, p + "\uffff");
    } else where.push(`${c(col)} = ?`), args.push(v);
  }
  const fts = f.text ? ftsQuery(f.text) : undefined;
  if (fts) {
    where.push("id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH ?)"), args.push(fts);
  }
  return { where, args };
}

/** Whether a record passes a filter (for the live tail, which filters in memory). */
export function matches(r: LogRow | RawLogRow, f: LogFilter): boolean {
  if (f.from !== undefined && r.at < f.from) return false;
  if (f.to !== undefined && r.at > f.to) return false;
  if (f.level && LEVELS.indexOf(r.level) < LEVELS.indexOf(f.level)) return false;
  for (const col of ["source", "client", "item", "action"] as const) {
    const v = f[col];
    if (v === undefined) continue;
    const got = r[col] ?? "";
    if (v.endsWith("*") ? !got.startsWith(v.slice(0, -1)) : got !== v) return false;
  }
  if (f.text) {
    const hay = `${r.message} ${typeof r.fields === "string" ? r.fields : JSON.stringify(r.fields)}`
      .toLowerCase();
    for (const w of f.text.toLowerCase().match(/[^\s"]+/g) ?? []) {
      if (!hay.includes(w.replace(/\*+$/, ""))) return false;
    }
  }
  return true;
}

function toRaw(r: Record<string, unknown>): RawLogRow {
  return {
    id: Number(r.id),
    at: Number(r.at),
    level: r.level as Level,
    source: r.source as string,
    client: (r.client as string | null) ?? null,
    item: (r.item as string | null) ?? null,
    action: (r.action as string | null) ?? null,
    message: r.message as string,
    fields: r.fields as string,
    eventId: r.event_id === null || r.event_id === undefined ? null : Number(r.event_id),
  };
}

function parseRow(r: RawLogRow): LogRow {
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(r.fields);
  } catch {
    fields = {};
  }
  return { ...r, fields };
}

type Pending = Omit<RawLogRow, "id">;

/** The structured log over a store. */
export class Log {
  readonly store: Store;
  #queue: Pending[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #flushMs: number;
  #maxBatch: number;
  #pruneOn: boolean;
  #lastPrune = 0;
  #pruning: Promise<unknown> | undefined;
  #redactor: Redactor | undefined;
  #mayHoldSecret: RegExp | undefined;
  /** Every secret learnt: a changed item adds its new ones (a replaced one stays masked). */
  #secrets = new Set<string>();
  #secretsStale = true;
  /** Items changed since the secrets were learnt: only their values are read again. */
  #staleKeys = new Set<string>();
  #listeners = new Set<(rows: LogRow[]) => void>();
  #unsubscribe: (() => void) | undefined;
  #closed = false;
  #closing = false;
  #written = 0;
  #dropped = 0;

  constructor(store: Store, options: LogOptions = {}) {
    this.store = store;
    this.#flushMs = options.flushMs ?? 100;
    this.#maxBatch = options.maxBatch ?? 2000;
    this.#pruneOn = options.prune ?? true;
    if (options.bus) {
      this.#unsubscribe = options.bus.subscribe((e) => {
        // New values may carry new secrets: learn them before the next batch is written.
        if (e.type === "item.changed") this.#staleKeys.add(e.key);
        if (e.type === "conflict.opened") this.#secretsStale = true;
        for (const r of eventRecords(e)) this.log(r);
      });
    }
  }

  /** Records written since this log was opened. */
  get written(): number {
    return this.#written;
  }

  /** Records waiting to be written. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Queues a record; it is written with the next batch (within `flushMs`). Never throws. */
  log(record: LogInput): void {
    if (this.#closed) return;
    let fields = "{}";
    try {
      fields = JSON.stringify(maskValue(record.fields ?? {}));
    } catch {
      fields = JSON.stringify({ error: "fields could not be serialised" });
    }
    this.#queue.push({
      at: record.at ?? Date.now(),
      level: LEVELS.includes(record.level) ? record.level : "info",
      source: record.source,
      client: record.client ?? null,
      item: record.item ?? null,
      action: record.action ?? null,
      message: record.message,
      fields,
      eventId: record.eventId ?? null,
    });
    if (this.#queue.length >= this.#maxBatch) this.#schedule(0);
    else this.#schedule(this.#flushMs);
  }

  #schedule(ms: number) {
    if (this.#timer !== undefined) {
      if (ms > 0) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch(() => {});
    }, ms);
  }

  /** Writes every queued record; resolves when they are stored. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const run = this.#flushing.then(() => this.#write());
    this.#flushing = run.catch(() => {});
    return run;
  }

  async #learnSecrets() {
    if (!this.#secretsStale && !this.#staleKeys.size) return;
    const full = this.#secretsStale, keys = [...this.#staleKeys];
    this.#secretsStale = false;
    this.#staleKeys.clear();
    const c = this.store.client;
    const learnValue = (v: unknown) => {
      for (const secret of secretsOf(v)) this.#secrets.add(secret);
    };
    const learn = (s: unknown) => {
      try {
        learnValue(JSON.parse(String(s)));
      } catch { /* not JSON: nothing to learn */ }
    };
    if (full) {
      this.#secrets.clear();
      for (const r of (await c.execute("SELECT value FROM items")).rows) learn(r.value);
      for (const r of (await c.execute("SELECT value FROM client_views")).rows) learn(r.value);
      const open = await c.execute("SELECT sides FROM conflicts WHERE status = 'open'");
      for (const r of open.rows) {
        try {
          Object.values(JSON.parse(String(r.sides))).forEach(learnValue);
        } catch { /* skip */ }
      }
    } else {
      // A sync changes a few items: read just theirs (a full scan costs a few ms per sync).
      for (const part of chunks(keys, 200)) {
        const marks = part.map(() => "?").join(",");
        for (const table of ["items", "client_views"]) {
          const sql = `SELECT value FROM ${table} WHERE key IN (${marks})`;
          for (const r of (await c.execute({ sql, args: part })).rows) learn(r.value);
        }
      }
    }
    this.#redactor = new Redactor([], this.#secrets);
    // Every secret and its JSON-escaped form, whatever its length: a text none of them occurs in
    // is one the redactor would leave as it is, and one scan tells (not two per secret).
    const needles = new Set<string>();
    for (const s of this.#secrets) needles.add(s).add(JSON.stringify(s).slice(1, -1));
    this.#mayHoldSecret = needles.size
      ? new RegExp([...needles].map(escapeRegExp).join("|"))
      : undefined;
  }

  /** The redactor that masks the secrets the store knows (refreshed when items change). */
  async redactor(): Promise<Redactor> {
    await this.#learnSecrets();
    return this.#redactor!;
  }

  /**
   * A function that masks the secrets the store knows in a text, or `undefined` when it knows
   * none (there is nothing to mask then). Cheaper than {@linkcode redactor} per text: most texts
   * hold no secret and are told apart with one scan.
   */
  async scrubber(): Promise<((text: string) => string) | undefined> {
    await this.#learnSecrets();
    const red = this.#redactor!, may = this.#mayHoldSecret;
    return may && ((text: string) => may.test(text) ? red.redact(text) : text);
  }

  async #write(): Promise<void> {
    if (!this.#queue.length) return;
    try {
      await this.#learnSecrets();
    } catch {
      // The tables may not exist yet in an odd store; the patterns still apply.
    }
    const batch = this.#queue;
    this.#queue = [];
    const red = this.#redactor, may = this.#mayHoldSecret;
    // The known secrets only where one may be (two replaceAll per secret per text otherwise).
    const scrub = (text: string) => scrubText(text, may?.test(text) ? red : undefined);
    for (const r of batch) {
      r.message = scrub(r.message);
      if (r.fields !== "{}") r.fields = scrub(r.fields);
    }
    const written: LogRow[] = [];
    try {
      const parts = chunks(batch, CHUNK);
      // One statement per chunk, rows as one JSON argument (far cheaper than binding thousands of
      // parameters), and one transaction for the whole batch.
      const results = await this.store.client.batch(
        parts.map((part) => ({
          sql:
            `INSERT INTO logs (at, level, source, client, item, action, message, fields, event_id)
            SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6,
                   value->>7, value->>8 FROM json_each(?)`,
          args: [
            JSON.stringify(part.map((r) => [
              r.at,
              r.level,
              r.source,
              r.client,
              r.item,
              r.action,
              r.message,
              r.fields,
              r.eventId,
            ])),
          ],
        })),
        "write",
      );
      this.store.wrote();
      parts.forEach((part, k) => {
        const last = Number(results[k].lastInsertRowid ?? 0);
        if (this.#listeners.size) {
          part.forEach((r, j) => written.push(parseRow({ ...r, id: last - part.length + 1 + j })));
        }
        this.#written += part.length;
      });
    } catch (e) {
      this.#dropped += batch.length;
      // The log must never take the sync down with it; say so once on the console.
      if (this.#dropped === batch.length) {
        console.error(`Cannot write ${batch.length} log records: ${(e as Error).message}`);
      }
      return;
    }
    for (const fn of this.#listeners) {
      try {
        fn(written);
      } catch { /* a broken listener must not stop the others */ }
    }
    if (
      this.#pruneOn && !this.#pruning && !this.#closing && Date.now() - this.#lastPrune >= 60_000
    ) {
      const r = await this.retention().catch(() => Retention.parse({}));
      if (Date.now() - this.#lastPrune >= r.everyMinutes * 60_000) {
        this.#lastPrune = Date.now();
        // Not awaited: the next batch need not wait for the prune.
        this.#pruning = this.prune(r).catch((e) =>
          this.log({
            level: "error",
            source: "log",
            action: "log.prune_failed",
            message: `Cannot prune the log: ${(e as Error).message}`,
          })
        ).finally(() => this.#pruning = undefined);
      }
    }
  }

  /** Calls `fn` with every batch of records once it is stored. */
  subscribe(fn: (rows: LogRow[]) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Stops listening to the bus and writes what is queued. */
  async close(): Promise<void> {
    this.#unsubscribe?.();
    this.#closing = true;
    await this.flush();
    await this.#pruning;
    // The prune's own record.
    await this.flush();
    this.#closed = true;
    this.#listeners.clear();
  }

  /**
   * One page of records, newest first. `cursor` is the `next` of the previous page.
   */
  async query(
    filter: LogFilter = {},
    page: { limit?: number; cursor?: string } = {},
  ): Promise<{ rows: LogRow[]; next?: string }> {
    const limit = Math.min(Math.max(page.limit ?? 100, 1), 1000);
    const { where, args } = filterSql(filter);
    if (page.cursor) {
      const m = page.cursor.match(/^(\d+)\.(\d+)$/);
      if (!m) throw new RangeError(`Cannot parse "${page.cursor}" as a page cursor`);
      where.push("(at, id) < (?, ?)"), args.push(Number(m[1]), Number(m[2]));
    }
    const sql = `SELECT ${COLUMNS} FROM logs${where.length ? ` WHERE ${where.join(" AND ")}` : ""}
      ORDER BY at DESC, id DESC LIMIT ?`;
    const res = await this.store.client.execute({ sql, args: [...args, limit + 1] });
    const rows = res.rows.slice(0, limit).map((r) => parseRow(toRaw(r)));
    const more = res.rows.length > limit;
    const last = rows.at(-1);
    return { rows, next: more && last ? `${last.at}.${last.id}` : undefined };
  }

  /** One record by id. */
  async get(id: number): Promise<LogRow | undefined> {
    const res = await this.store.client.execute({
      sql: `SELECT ${COLUMNS} FROM logs WHERE id = ?`,
      args: [id],
    });
    return res.rows[0] ? parseRow(toRaw(res.rows[0])) : undefined;
  }

  /**
   * Every matching record (after the id `afterId`, up to the last one there is now), oldest first,
   * a page at a time, each record as a {@linkcode LogTuple}: what exports stream, with no object
   * per record. Pages are read by id (keyset on the primary key, never OFFSET), so memory stays
   * flat however many there are.
   */
  async *tuples(
    filter: LogFilter = {},
    pageSize = CHUNK,
    afterId = 0,
  ): AsyncGenerator<LogTuple[]> {
    // An index on time, level, client or item orders by that value, not by id: each page would
    // read and sort every match after the last id, quadratic in the matches (800 k of 1 M records
    // took 15 s). A filter that matches more than a few pages' worth reads the table in id order
    // instead, once; one that matches a few keeps its index.
    const indexed = filter.from !== undefined || filter.to !== undefined ||
      (filter.level !== undefined && filter.level !== "debug") || filter.client !== undefined ||
      filter.item !== undefined;
    const byId = indexed && await this.count(filter) > pageSize * 4;
    const fts = filter.text ? ftsQuery(filter.text) : undefined;
    const { where, args } = filterSql({ ...filter, text: undefined }, byId);
    // Full text: walk the matches in id order from the last page on (FTS5 seeks by rowid); an
    // `IN (matches)` list would be built anew, whole, for every page.
    const from = fts ? "logs_fts JOIN logs ON logs.id = logs_fts.rowid" : "logs";
    const id = fts ? "logs_fts.rowid" : "id";
    if (fts) where.unshift("logs_fts MATCH ?"), args.unshift(fts);
    // The records there are when the export begins: one written meanwhile does not join it, and
    // a busy log cannot keep it going.
    const last = await this.store.client.execute("SELECT max(id) AS id FROM logs");
    const upTo = Number(last.rows[0]?.id ?? 0);
    const cond = [...where, `${id} > ?`, `${id} <= ?`].join(" AND ");
    const columns = COLUMNS.split(", ").map((c) => `logs.${c}`).join(", ");
    // SQLite builds each page as one JSON text: several times faster than the client building a
    // row object per record, which is what bounds an export of a million records.
    const sql = `SELECT json_group_array(json_array(${COLUMNS})) AS page
      FROM (SELECT ${columns} FROM ${from} WHERE ${cond} ORDER BY ${id} LIMIT ?)`;
    let after = afterId;
    while (true) {
      const res = await this.store.client.execute({
        sql,
        args: [...args, after, upTo, pageSize],
      });
      const rows = JSON.parse(String(res.rows[0]?.page ?? "[]")) as LogTuple[];
      if (!rows.length) return;
      // The aggregate keeps the subquery's order; check rather than trust it.
      for (let i = 1; i < rows.length; i++) {
        if (rows[i][0] <= rows[i - 1][0]) {
          rows.sort((a, b) => a[0] - b[0]);
          break;
        }
      }
      after = rows[rows.length - 1][0];
      yield rows;
      if (rows.length < pageSize) return;
    }
  }

  /**
   * Every matching record (after the id `afterId`), oldest first, a page at a time: paging by
   * id keeps memory flat however many records there are.
   */
  async *pages(
    filter: LogFilter = {},
    pageSize = CHUNK,
    afterId = 0,
  ): AsyncGenerator<RawLogRow[]> {
    for await (const page of this.tuples(filter, pageSize, afterId)) {
      yield page.map((r) => ({
        id: r[0],
        at: r[1],
        level: r[2],
        source: r[3],
        client: r[4],
        item: r[5],
        action: r[6],
        message: r[7],
        fields: r[8],
        eventId: r[9],
      }));
    }
  }

  /** How many records there are. */
  async count(filter: LogFilter = {}): Promise<number> {
    const { where, args } = filterSql(filter);
    const res = await this.store.client.execute({
      sql: `SELECT count(*) AS n FROM logs${where.length ? ` WHERE ${where.join(" AND ")}` : ""}`,
      args,
    });
    return Number(res.rows[0].n);
  }

  /** The retention settings (defaults when none are stored). */
  async retention(): Promise<Retention> {
    const res = await this.store.client.execute({
      sql: "SELECT value FROM settings WHERE key = ?",
      args: [RETENTION_KEY],
    });
    const raw = res.rows[0]?.value;
    return Retention.parse(raw ? JSON.parse(String(raw)) : {});
  }

  /** Stores retention settings (validated) and records the change. */
  async setRetention(r: Partial<Retention>, by = "cli"): Promise<Retention> {
    const value = Retention.parse({ ...(await this.retention()), ...r });
    await this.store.client.execute({
      sql:
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      args: [RETENTION_KEY, JSON.stringify(value)],
    });
    this.log({
      level: "info",
      source: by === "web" ? "web" : "log",
      action: "setting.changed",
      message:
        `Log retention set to ${value.maxAgeDays} days, ${value.maxRecords} records, ${value.maxMb} MB`,
      fields: { setting: RETENTION_KEY, ...value, by },
    });
    return value;
  }

  /**
   * Deletes records older than the retention age, then the oldest beyond the record and size
   * limits; records what it did. Returns how many records went.
   */
  async prune(r?: Retention, now = Date.now()): Promise<number> {
    const ret = r ?? await this.retention();
    const c = this.store.client;
    let byAge = 0, bySize = 0;
    const deleteWhile = async (cond: string, args: (string | number)[]) => {
      let n = 0;
      while (true) {
        const res = await c.execute({
          sql:
            `DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE ${cond} ORDER BY id LIMIT ?)`,
          args: [...args, CHUNK],
        });
        n += res.rowsAffected;
        if (res.rowsAffected < CHUNK) return n;
        // Let other work (a sync's batch) in between chunks.
        await new Promise((ok) => setTimeout(ok, 0));
      }
    };
    if (ret.maxAgeDays > 0) {
      byAge = await deleteWhile("at < ?", [now - ret.maxAgeDays * 86_400_000]);
    }
    let keep = ret.maxRecords > 0 ? ret.maxRecords : Infinity;
    if (ret.maxMb > 0) {
      // Average stored size of recent records; the full-text index about doubles it.
      const avg = await c.execute(
        `SELECT avg(length(message) + length(fields) + coalesce(length(item), 0) +
           coalesce(length(client), 0) + coalesce(length(action), 0) + length(source) + 48) AS b
         FROM (SELECT * FROM logs ORDER BY id DESC LIMIT 1000)`,
      );
      const bytes = Number(avg.rows[0]?.b ?? 0) * 2;
      if (bytes > 0) keep = Math.min(keep, Math.floor((ret.maxMb * 1024 * 1024) / bytes));
    }
    const span = await c.execute("SELECT max(id) - min(id) + 1 AS n FROM logs");
    // Ids only grow, so the id span bounds the count: most prunes stop here, cheaply.
    if (Number.isFinite(keep) && Number(span.rows[0]?.n ?? 0) > keep) {
      const res = await c.execute({
        sql: "SELECT id FROM logs ORDER BY id DESC LIMIT 1 OFFSET ?",
        args: [keep],
      });
      const cut = res.rows[0]?.id;
      if (cut !== undefined && cut !== null) bySize = await deleteWhile("id <= ?", [Number(cut)]);
    }
    const total = byAge + bySize;
    if (total) {
      this.log({
        level: "info",
        source: "log",
        action: "log.pruned",
        message: `Pruned ${total} log records (${byAge} by age, ${bySize} by size)`,
        fields: { byAge, bySize, ...ret },
      });
    }
    return total;
  }
}
