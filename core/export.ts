/**
 * Exports of the log (any filter) and of the sync settings (policies, projects, canonical items,
 * history) as CSV, JSON, NDJSON and Parquet, streamed: rows are read from the store a page at a
 * time (by id) and encoded as they come, so memory stays flat however many there are. And the
 * way back: {@linkcode planImport} / {@linkcode applyImport} read a settings export (any format),
 * validate it and bring it into this machine's store.
 *
 * Secrets never leave: log records are stored masked and scrubbed once more here; item values go
 * out with env and header values masked, and an import never writes a masked value back.
 *
 * @module
 */
// @ts-types="@types/d3-dsv"
import { csvFormatRows } from "d3-dsv";
import { parse as parseCsv } from "csv-parse/sync";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import { snappyCompressor } from "hysnappy";
import { parquetReadObjects } from "hyparquet";
import type { SchemaElement } from "hyparquet";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { schema } from "../db/mod.ts";
import type { App } from "./app.ts";
import type { LogFilter, LogTuple } from "./log.ts";
import { MASK, maskValue } from "./mask.ts";
import { Item, itemKey, parseItemKey, stableStringify } from "./schema.ts";
import { BackupRetention, Policy } from "./state.ts";
import { chunks } from "./guards.ts";

import { CONTENT_TYPES, type Format, FORMATS } from "./formats.ts";
export { CONTENT_TYPES, type Format, FORMATS };

/** A column of an exported table: its name and type (Parquet types it; text formats follow). */
export interface Column {
  name: string;
  /** `time` is epoch milliseconds (ISO text in CSV and JSON, a timestamp in Parquet). */
  type: "int" | "time" | "string" | "json" | "bool";
  nullable: boolean;
  /**
   * Long free text, mostly distinct (messages, JSON documents): Parquet writes it plain, with no
   * dictionary, which would not pay for itself there.
   */
  long?: boolean;
}

/**
 * A table to export: its columns and its rows, a page at a time. A row is an array of values in
 * column order (no object per row: a million rows are a million fewer objects), and each page is
 * the encoder's to change.
 */
export interface Table {
  columns: Column[];
  pages: AsyncIterable<unknown[][]>;
}

/** Columns of a log export (the order of a {@linkcode LogTuple}). */
export const LOG_COLUMNS: Column[] = [
  { name: "id", type: "int", nullable: false },
  { name: "time", type: "time", nullable: false },
  { name: "level", type: "string", nullable: false },
  { name: "source", type: "string", nullable: false },
  { name: "client", type: "string", nullable: true },
  { name: "item", type: "string", nullable: true },
  { name: "action", type: "string", nullable: true },
  { name: "message", type: "string", nullable: false, long: true },
  { name: "fields", type: "json", nullable: false, long: true },
  { name: "event_id", type: "int", nullable: true },
];

/** Columns of a settings export: one row per policy, project, item and history entry. */
export const SETTINGS_COLUMNS: Column[] = [
  { name: "section", type: "string", nullable: false },
  { name: "key", type: "string", nullable: true },
  { name: "client", type: "string", nullable: true },
  { name: "value", type: "json", nullable: true, long: true },
  { name: "meta", type: "json", nullable: true, long: true },
  { name: "source", type: "string", nullable: true },
  { name: "time", type: "time", nullable: true },
];

const enc = new TextEncoder();

function parquetSchema(columns: Column[]): SchemaElement[] {
  const el = (c: Column): SchemaElement => {
    const repetition_type = c.nullable ? "OPTIONAL" : "REQUIRED";
    switch (c.type) {
      case "int":
        return { name: c.name, type: "INT64", repetition_type };
      case "time":
        return { name: c.name, type: "INT64", converted_type: "TIMESTAMP_MILLIS", repetition_type };
      case "bool":
        return { name: c.name, type: "BOOLEAN", repetition_type };
      case "json":
        // The logical type alone: the writer then stores the JSON text as it is (with the
        // converted type it would encode it once more, as a JSON string holding the document).
        return {
          name: c.name,
          type: "BYTE_ARRAY",
          logical_type: { type: "JSON" },
          repetition_type,
        };
      default:
        return { name: c.name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type };
    }
  };
  return [{ name: "root", num_children: columns.length }, ...columns.map(el)];
}

let isoSecond = NaN, isoPrefix = "";

/** `new Date(ms).toISOString()`, the date and time to the second made once per second. */
function isoTime(ms: number): string {
  // Years 0 to 9999 and whole milliseconds; elsewhere toISOString writes another shape.
  if (!Number.isInteger(ms) || ms < -62167219200000 || ms >= 253402300800000) {
    return new Date(ms).toISOString();
  }
  // Records come in bursts that share a second: a Date per record was a tenth of a CSV export.
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    isoSecond = second;
  }
  const milli = ms - second * 1000;
  return isoPrefix + (milli < 10 ? "00" : milli < 100 ? "0" : "") + milli + "Z";
}

/** A value as text formats show it (times as ISO 8601, JSON columns parsed in JSON formats). */
function textValue(c: Column, v: unknown, json: boolean): unknown {
  if (v === null || v === undefined) return null;
  if (c.type === "time") return isoTime(Number(v));
  if (c.type === "json") {
    if (!json) return typeof v === "string" ? v : JSON.stringify(v);
    return typeof v === "string" ? JSON.parse(v) : v;
  }
  return v;
}

// RFC 4180 with "\n" line ends: d3-dsv quotes a field only when it must (a comma, a quote or a
// line break in it), with one test per field (papaparse made six, at 2.5 times the cost).
const csvRows = (rows: unknown[][]) => csvFormatRows(rows as string[][]) + "\n";

async function* csvChunks(t: Table): AsyncGenerator<Uint8Array> {
  yield enc.encode(csvRows([t.columns.map((c) => c.name)]));
  // Only times and non-text JSON need rewriting; null is written as an empty field.
  const rewrite = t.columns.flatMap((c, i) => c.type === "time" || c.type === "json" ? [i] : []);
  for await (const rows of t.pages) {
    if (!rows.length) continue;
    for (const r of rows) for (const i of rewrite) r[i] = textValue(t.columns[i], r[i], false);
    yield enc.encode(csvRows(rows));
  }
}

function objectOf(t: Table, r: unknown[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  t.columns.forEach((c, i) => o[c.name] = textValue(c, r[i], true));
  return o;
}

async function* ndjsonChunks(t: Table): AsyncGenerator<Uint8Array> {
  for await (const page of t.pages) {
    if (!page.length) continue;
    yield enc.encode(page.map((r) => JSON.stringify(objectOf(t, r)) + "\n").join(""));
  }
}

async function* jsonChunks(t: Table): AsyncGenerator<Uint8Array> {
  let first = true;
  yield enc.encode("[");
  for await (const page of t.pages) {
    if (!page.length) continue;
    const body = page.map((r) => JSON.stringify(objectOf(t, r))).join(",\n");
    yield enc.encode((first ? "\n" : ",\n") + body);
    first = false;
  }
  yield enc.encode(first ? "]\n" : "\n]\n");
}

/** A ByteWriter that hands each finished row group out instead of keeping the whole file. */
class ChunkWriter extends ByteWriter {
  chunks: Uint8Array[] = [];
  flush() {
    if (!this.index) return;
    this.chunks.push(new Uint8Array(this.buffer.slice(0, this.index)));
    this.index = 0;
  }
  override finish() {
    this.flush();
  }
}

/** How many UTF-8 bytes TextEncoder makes of `s` (lone surrogates become U+FFFD, 3 bytes). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c < 0xdc00 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2, i++; // a pair: 2 UTF-16 units, 4 bytes
    } else n += 2;
  }
  return n;
}

/**
 * The UTF-8 bytes of each string, as views into one buffer: one TextEncoder call per page
 * instead of one per value, which is what a column of a million messages costs most.
 */
function utf8All(texts: unknown[]): (Uint8Array | null)[] {
  const joined = texts.join("");
  const bytes = enc.encode(joined);
  // All ASCII (the usual case): a string's bytes are as many as its UTF-16 units.
  const ascii = bytes.length === joined.length;
  const out: (Uint8Array | null)[] = new Array(texts.length);
  let at = 0;
  for (let i = 0; i < texts.length; i++) {
    const t = texts[i];
    if (typeof t !== "string") {
      out[i] = null;
      continue;
    }
    const n = ascii ? t.length : utf8Length(t);
    out[i] = bytes.subarray(at, at += n);
  }
  if (at !== bytes.length) {
    throw new Error(`Cannot encode a column: ${at} of ${bytes.length} UTF-8 bytes accounted for`);
  }
  return out;
}

// One WebAssembly instance for every export (its memory grows to the largest page, about 2 MB).
let snappy: ((input: Uint8Array) => Uint8Array) | undefined;

/**
 * Rows per Parquet row group (a hundred groups for a million rows). Small enough that the
 * writer's arrays of a group's values stay in V8's young generation, where they die cheaply:
 * groups of 50 k rows doubled an export's peak memory.
 */
export const ROW_GROUP_SIZE = 10_000;

async function* parquetChunks(t: Table, rowGroupSize: number): AsyncGenerator<Uint8Array> {
  const writer = new ChunkWriter(1 << 20);
  // Snappy in WebAssembly: several times faster than the writer's own JavaScript one.
  snappy ??= snappyCompressor();
  const pw = new ParquetWriter({
    writer,
    schema: parquetSchema(t.columns),
    compressors: { SNAPPY: snappy },
    createdBy: "aisync",
  });
  const drain = function* () {
    for (const c of writer.chunks) yield c;
    writer.chunks = [];
  };
  // The rows of the row group being gathered, column by column, kept compact (numbers, strings)
  // and converted to what the writer takes only when the group is written.
  let cols: unknown[][] = t.columns.map(() => []);
  const writeGroup = async (n: number) => {
    const columnData = t.columns.map((c, j) => {
      const col = cols[j].length === n ? cols[j] : cols[j].slice(0, n);
      return {
        name: c.name,
        data: c.long
          ? utf8All(col)
          : c.type === "int" || c.type === "time"
          ? col.map((v) => v === null ? null : BigInt(v as number))
          : col,
        // Min and max let a reader skip row groups by id or time; those of text columns would
        // not (every group holds most levels and clients) and cost a good part of the writing.
        statistics: c.type === "int" || c.type === "time",
        encoding: c.long ? "PLAIN" as const : undefined,
      };
    });
    cols = cols.map((col) => col.length === n ? [] : col.slice(n));
    await pw.write({ columnData, rowGroupSize: n });
  };
  for await (const rows of t.pages) {
    t.columns.forEach((c, j) => {
      const col = cols[j];
      const text = c.type === "json" || c.long;
      for (const r of rows) {
        const v = r[j] ?? null;
        col.push(
          !text || v === null || typeof v === "string"
            ? v
            : c.type === "json"
            ? JSON.stringify(v)
            : String(v),
        );
      }
    });
    // Whole row groups only; the rest waits for the next page.
    while (cols[0].length >= rowGroupSize) {
      await writeGroup(rowGroupSize);
      yield* drain();
    }
  }
  if (cols[0].length) await writeGroup(cols[0].length);
  await pw.finish();
  yield* drain();
}

/** Options of {@linkcode encodeTable}. */
export interface EncodeOptions {
  /** Rows per Parquet row group (default {@linkcode ROW_GROUP_SIZE}). */
  rowGroupSize?: number;
}

/** Encodes a table as a byte stream in `format`; rows are pulled only as the reader reads. */
export function encodeTable(
  t: Table,
  format: Format,
  options: EncodeOptions = {},
): ReadableStream<Uint8Array> {
  const gen = format === "csv"
    ? csvChunks(t)
    : format === "json"
    ? jsonChunks(t)
    : format === "ndjson"
    ? ndjsonChunks(t)
    : parquetChunks(t, options.rowGroupSize ?? ROW_GROUP_SIZE);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await gen.next();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (e) {
        controller.error(e);
      }
    },
    async cancel() {
      await gen.return(undefined);
    },
  }, { highWaterMark: 1 });
}

/**
 * Rows per page read from the store. A page's JSON text and rows are garbage once encoded; small
 * pages keep that garbage young, so memory stays flat (pages of 20 k rows doubled the peak).
 */
export const PAGE_SIZE = 2_000;

/** Options of {@linkcode exportLogs}. */
export interface ExportOptions extends EncodeOptions {
  /** Rows per page read from the store (default {@linkcode PAGE_SIZE}). */
  pageSize?: number;
}

/** The log records matching `filter` as a table (secrets scrubbed once more on the way out). */
export function logTable(app: App, filter: LogFilter = {}, pageSize = PAGE_SIZE): Table {
  async function* pages(): AsyncGenerator<LogTuple[]> {
    // Stored records were scrubbed when written; secrets learnt since are masked here.
    const scrub = await app.log.scrubber();
    for await (const page of app.log.tuples(filter, pageSize)) {
      if (scrub) {
        for (const r of page) {
          r[7] = scrub(r[7]);
          if (r[8] !== "{}") r[8] = scrub(r[8]);
        }
      }
      yield page;
    }
  }
  return { columns: LOG_COLUMNS, pages: pages() };
}

/** Streams the log records matching `filter` in `format`. */
export function exportLogs(
  app: App,
  filter: LogFilter,
  format: Format,
  options: ExportOptions = {},
): ReadableStream<Uint8Array> {
  return encodeTable(logTable(app, filter, options.pageSize), format, options);
}

/**
 * The settings an export carries, and how each is checked as it reads back. Other settings
 * stay on their machine: user plugin approvals (a plugin is approved where it was reviewed),
 * notification targets and S3 credentials.
 */
const PORTABLE: Record<string, z.ZodType> = {
  preferredClient: z.string().regex(/^[a-z0-9_]+$/),
  propagateDeletes: z.boolean(),
  backupRetention: BackupRetention,
};

/** The sync settings as a table: settings, policies, projects, canonical items (masked), history. */
export function settingsTable(app: App, pageSize = PAGE_SIZE): Table {
  const { db } = app.state.store;
  const m = app.state.machine;
  const s = schema;
  const row = (o: Record<string, unknown>) => SETTINGS_COLUMNS.map((c) => o[c.name] ?? null);
  async function* pages() {
    const policies = await db.select().from(s.policies).where(eq(s.policies.machine, m));
    yield policies.map((p) =>
      row({ section: "policy", client: p.client, value: stableStringify(JSON.parse(p.value)) })
    );
    const set: unknown[][] = [];
    for (const key of Object.keys(PORTABLE)) {
      const v = await app.state.setting(key);
      // Wrapped: a bare string would read back as JSON text in the JSON formats.
      if (v !== undefined && v !== "") {
        set.push(row({ section: "setting", key, value: JSON.stringify({ value: v }) }));
      }
    }
    yield set;
    const projects = await db.select().from(s.projects).where(eq(s.projects.machine, m));
    yield projects.map((p) =>
      row({
        section: "project",
        key: p.path,
        meta: JSON.stringify({ active: p.active === 1 }),
        source: p.source,
        time: p.addedAt,
      })
    );
    const items = await db.select().from(s.items).where(eq(s.items.machine, m));
    yield items.map((i) =>
      row({
        section: "item",
        key: i.key,
        value: stableStringify(maskValue(JSON.parse(i.value))),
        meta: JSON.stringify({ omit: JSON.parse(i.omit) }),
        time: i.updatedAt,
      })
    );
    // History can be long: page by id.
    let after = 0;
    while (true) {
      const res = await app.state.store.client.execute({
        sql:
          "SELECT id, key, value, source, at FROM item_history WHERE machine = ? AND id > ? ORDER BY id LIMIT ?",
        args: [m, after, pageSize],
      });
      if (!res.rows.length) return;
      after = Number(res.rows.at(-1)!.id);
      yield res.rows.map((h) =>
        row({
          section: "history",
          key: h.key as string,
          value: h.value === null ? null : stableStringify(maskValue(JSON.parse(String(h.value)))),
          source: h.source as string,
          time: Number(h.at),
        })
      );
      if (res.rows.length < pageSize) return;
    }
  }
  return { columns: SETTINGS_COLUMNS, pages: pages() };
}

/** Streams the sync settings in `format`. */
export function exportSettings(app: App, format: Format): ReadableStream<Uint8Array> {
  return encodeTable(settingsTable(app), format);
}

// ---- import ---------------------------------------------------------------------------------

const jsonText = z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())])
  .nullable().optional().transform((v) =>
    v === null || v === undefined || v === "" ? null : typeof v === "string" ? JSON.parse(v) : v
  );
const timeValue = z.union([z.string(), z.number(), z.bigint(), z.date()]).nullable().optional()
  .transform((v, ctx) => {
    if (v === null || v === undefined || v === "") return null;
    const n = v instanceof Date ? v.getTime() : typeof v === "string" ? Date.parse(v) : Number(v);
    if (Number.isNaN(n)) {
      ctx.addIssue({ code: "custom", message: `Cannot parse "${v}" as a time` });
      return z.NEVER;
    }
    return n;
  });
const optString = z.string().nullable().optional().transform((v) => v || null);

/** One row of a settings export, validated. */
export const SettingsRow = z.object({
  section: z.enum(["setting", "policy", "project", "item", "history"]),
  key: optString,
  client: optString,
  value: jsonText,
  meta: jsonText,
  source: optString,
  time: timeValue,
});
/** A parsed {@linkcode SettingsRow}. */
export type SettingsRow = z.infer<typeof SettingsRow>;

/** Reads a settings export in any format (told apart by its first bytes) into rows. */
export async function readSettingsFile(bytes: Uint8Array): Promise<SettingsRow[]> {
  let raw: unknown[];
  const head = new TextDecoder().decode(bytes.subarray(0, 4));
  if (head === "PAR1") {
    const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    raw = await parquetReadObjects({ file: buf as ArrayBuffer });
  } else {
    const text = new TextDecoder().decode(bytes).replace(/^\uFEFF/, "");
    const t = text.trimStart();
    if (t.startsWith("[")) raw = JSON.parse(t);
    else if (t.startsWith("{")) {
      raw = t.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
    } else raw = parseCsv(text, { columns: true, skip_empty_lines: true });
  }
  return raw.map((r, i) => {
    const res = SettingsRow.safeParse(r);
    if (!res.success) {
      const issue = res.error.issues[0];
      throw new SyntaxError(
        `Cannot read row ${i + 1} of the settings file: ${
          issue.path.join(".") || "row"
        }: ${issue.message}`,
      );
    }
    return res.data;
  });
}

/** One change an import would make. */
export interface ImportChange {
  section: "setting" | "policy" | "project" | "item" | "history";
  action: "add" | "change" | "same";
  key: string;
  /** Masked values that cannot be imported (the secret stays as this machine has it, if at all). */
  masked?: string[];
}

/** What an import would do, and the data to do it with. */
export interface ImportPlan {
  changes: ImportChange[];
  settings: { key: string; value: unknown }[];
  policies: { client: string; policy: Policy }[];
  projects: { path: string; source: string; active: boolean; at: number }[];
  items: { item: Item; omit: string[] }[];
  history: { key: string; value: string | null; source: string; at: number }[];
}

function maskedPaths(v: unknown, path: string[] = []): string[] {
  if (v === MASK) return [path.join(".")];
  if (Array.isArray(v)) return v.flatMap((x, i) => maskedPaths(x, [...path, String(i)]));
  if (v && typeof v === "object") {
    return Object.entries(v).flatMap(([k, x]) => maskedPaths(x, [...path, k]));
  }
  return [];
}

/** A copy without masked values: this machine's own value where it has one, else left out. */
function unmasked(v: unknown, local: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map((x, i) => unmasked(x, Array.isArray(local) ? local[i] : undefined));
  }
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const l = local && typeof local === "object"
        ? (local as Record<string, unknown>)[k]
        : undefined;
      if (x === MASK) {
        if (typeof l === "string") out[k] = l;
        continue;
      }
      out[k] = unmasked(x, l);
    }
    return out;
  }
  return v;
}

/** Compares an export with this machine's store: what an import would add or change. */
export async function planImport(app: App, rows: SettingsRow[]): Promise<ImportPlan> {
  const plan: ImportPlan = {
    changes: [],
    settings: [],
    policies: [],
    projects: [],
    items: [],
    history: [],
  };
  const { db } = app.state.store;
  const m = app.state.machine;
  const s = schema;
  const policyRows = await db.select().from(s.policies).where(eq(s.policies.machine, m));
  const localPolicies = new Map(policyRows.map((p) => [p.client, JSON.parse(p.value)]));
  const localProjects = new Map((await app.state.projects()).map((p) => [p.path, p]));
  const base = await app.state.base();
  const histRows = await db.select({
    key: s.itemHistory.key,
    source: s.itemHistory.source,
    at: s.itemHistory.at,
  }).from(s.itemHistory).where(eq(s.itemHistory.machine, m));
  const seenHistory = new Set(histRows.map((h) => `${h.key}\n${h.source}\n${h.at}`));

  for (const r of rows) {
    if (r.section === "setting") {
      const type = Object.hasOwn(PORTABLE, r.key ?? "") ? PORTABLE[r.key!] : undefined;
      if (!type) throw new SyntaxError(`Cannot import setting "${r.key}": no such setting`);
      const parsed = type.safeParse((r.value as { value?: unknown } | null)?.value);
      if (!parsed.success) {
        throw new SyntaxError(
          `Cannot import setting "${r.key}": ${parsed.error.issues[0].message}`,
        );
      }
      const local = await app.state.setting(r.key!);
      const same = local !== undefined && stableStringify(local) === stableStringify(parsed.data);
      plan.changes.push({
        section: "setting",
        action: same ? "same" : local === undefined ? "add" : "change",
        key: r.key!,
      });
      if (!same) plan.settings.push({ key: r.key!, value: parsed.data });
    } else if (r.section === "policy") {
      if (!r.client) throw new SyntaxError("Cannot import a policy without a client");
      const policy = Policy.parse(r.value ?? {});
      const local = localPolicies.get(r.client);
      const same = local !== undefined && stableStringify(Policy.parse(local)) ===
          stableStringify(policy);
      plan.changes.push({
        section: "policy",
        action: same ? "same" : local === undefined ? "add" : "change",
        key: r.client,
      });
      if (!same) plan.policies.push({ client: r.client, policy });
    } else if (r.section === "project") {
      if (!r.key?.startsWith("/") && !/^[A-Za-z]:\\/.test(r.key ?? "")) {
        throw new SyntaxError(`Cannot import project "${r.key}": not an absolute path`);
      }
      const active = (r.meta as { active?: boolean } | null)?.active !== false;
      const local = localProjects.get(r.key!);
      const same = local !== undefined && local.active === active;
      plan.changes.push({
        section: "project",
        action: same ? "same" : local ? "change" : "add",
        key: r.key!,
      });
      if (!same) {
        plan.projects.push({
          path: r.key!,
          source: r.source ?? "registered",
          active,
          at: r.time ?? Date.now(),
        });
      }
    } else if (r.section === "item") {
      if (!r.key) throw new SyntaxError("Cannot import an item without a key");
      const parts = parseItemKey(r.key);
      const local = base.get(r.key);
      const masked = maskedPaths(r.value);
      const value = unmasked(r.value, local?.item.value);
      const parsed = Item.safeParse({ ...parts, value });
      if (!parsed.success) {
        throw new SyntaxError(
          `Cannot import item "${r.key}": ${parsed.error.issues[0].path.join(".")}: ${
            parsed.error.issues[0].message
          }`,
        );
      }
      const omit = ((r.meta as { omit?: unknown } | null)?.omit ?? []) as string[];
      const same = local !== undefined &&
        stableStringify(local.item.value) === stableStringify(parsed.data.value) &&
        stableStringify(local.omit) === stableStringify(omit);
      plan.changes.push({
        section: "item",
        action: same ? "same" : local ? "change" : "add",
        key: itemKey(parsed.data),
        masked: masked.length ? masked : undefined,
      });
      if (!same) plan.items.push({ item: parsed.data, omit });
    } else {
      if (!r.key || !r.source || r.time === null) {
        throw new SyntaxError("Cannot import a history row without key, source and time");
      }
      parseItemKey(r.key);
      const id = `${r.key}\n${r.source}\n${r.time}`;
      if (seenHistory.has(id)) continue;
      seenHistory.add(id);
      plan.history.push({
        key: r.key,
        value: r.value === null ? null : stableStringify(r.value),
        source: r.source,
        at: r.time,
      });
    }
  }
  if (plan.history.length) {
    plan.changes.push({ section: "history", action: "add", key: `${plan.history.length} entries` });
  }
  return plan;
}

/** Writes what {@linkcode planImport} found into this machine's store, and records it. */
export async function applyImport(app: App, plan: ImportPlan, by = "cli"): Promise<void> {
  const { db } = app.state.store;
  const m = app.state.machine;
  for (const x of plan.settings) await app.state.setSetting(x.key, x.value);
  for (const p of plan.policies) await app.state.setPolicy(p.client, p.policy);
  for (const p of plan.projects) {
    await db.insert(schema.projects).values({
      machine: m,
      path: p.path,
      source: p.source,
      active: p.active ? 1 : 0,
      addedAt: p.at,
    }).onConflictDoUpdate({
      target: [schema.projects.machine, schema.projects.path],
      set: { active: p.active ? 1 : 0 },
    });
  }
  if (plan.items.length) {
    await app.state.commit({ upsert: plan.items, remove: [], history: [], views: [] });
  }
  for (const part of chunks(plan.history, 200)) {
    await db.insert(schema.itemHistory).values(part.map((h) => ({ machine: m, ...h })));
  }
  const count = (section: string) =>
    plan.changes.filter((c) => c.section === section && c.action !== "same").length;
  app.log.log({
    level: "info",
    source: by === "web" ? "web" : "cli",
    action: "settings.imported",
    message: `Imported settings: ${count("setting")} settings, ${count("policy")} policies, ${
      count("project")
    } projects, ${count("item")} items, ${plan.history.length} history entries`,
    fields: {
      by,
      settings: count("setting"),
      policies: count("policy"),
      projects: count("project"),
      items: count("item"),
      history: plan.history.length,
    },
  });
}
