/**
 * JSON files that hold a table of MCP servers among other settings (`mcpServers` in a
 * `mcp.json`, `context_servers` in Zed's settings, `amp.mcpServers` …): loading one with its byte
 * order mark and a located parse error, reading its entries, and planning the table entry by entry
 * so that everything else in the file keeps its bytes. What an entry means (its keys, the
 * client's reference syntax, its lossy notes) stays in each plugin, which passes it in as a
 * {@linkcode ServerTable}.
 *
 * Shared by the plugins through the contract.
 *
 * @module
 */
import type { Context, PlannedWrite, ReadError } from "../plugins/_contract.ts";
import { ConfigParseError, editJson, parseJsonc } from "./editors.ts";
import { isPlain, isStrings, type Json, lineCol, put, validName } from "./guards.ts";
import type { Item, McpServer, Note } from "./schema.ts";
import { itemKey, sameValue } from "./canonical.ts";

const BOM = "\uFEFF";

/** A canonical MCP server item. */
export type McpItem = Extract<Item, { kind: "mcp" }>;

/** A settings file as read: its text, and either its server table or why it cannot be used. */
export interface ServerFile {
  path: string;
  /** The whole file; `undefined` when it does not exist. */
  text?: string;
  /** The byte order mark the file starts with (kept when it is written), or "". */
  bom: string;
  /** The text after the byte order mark: what is parsed and edited. */
  body: string;
  /** The parsed file, when it parses. */
  data?: Json;
  /** The server table: name → entry as written (empty when the file has none). */
  servers: Json;
  error?: ReadError;
}

/** How a client's file keeps its servers, and what it means by each entry. */
export interface ServerTable {
  /** The plugin's id: its own extras are the ones an entry holds. */
  id: string;
  /** The top-level key of the server table. */
  key: string;
  /**
   * Parses a file's body as strictly as the client does and checks the table's shape; throws a
   * {@linkcode ConfigParseError}. Returns the whole file's data.
   */
  parse(body: string, file: string): Json;
  /** False when the client refuses a byte order mark: the whole text is given to `parse`. */
  bom?: boolean;
  /** An entry as a canonical server; `undefined` for one the client could not start either. */
  read(raw: unknown): McpServer | undefined;
  /** The entry for a desired server; `old` is the entry the file has now, if it is an object. */
  build(item: McpItem, old: Json | undefined, notes: Note[]): Json;
  /**
   * The part of a desired value that an entry holds, compared with `read` of the entry to leave
   * unchanged entries alone (default: {@linkcode ownPart}).
   */
  own?(value: McpServer): McpServer;
  /** Entries are compared as built (`build` runs for every desired server) instead. */
  compareBuilt?: boolean;
  /** `build` still runs for an unchanged entry, for the notes it gives. */
  noteUnchanged?: boolean;
  /** True (with a note) when a desired server's entry must stay as it is. */
  skip?(item: McpItem, raw: unknown, file: ServerFile, notes: Note[]): boolean;
  /** The text of a new file that holds `servers` (default: two-space JSON and a newline). */
  fresh?(servers: Json): string;
}

/** A note for each desired item of a scope the client has no files for (nothing is written). */
export function unknownScopeNotes(items: Item[], scopes: string[], client: string): Note[] {
  const known = new Set(scopes);
  return items.filter((i) => !known.has(i.scope)).map((i) => ({
    item: itemKey(i),
    message: `no ${client} files for the scope ${i.scope}`,
  }));
}

/** Reads a settings file: a missing one has no servers, a broken one an error. */
export async function loadServerFile(
  ctx: Context,
  path: string,
  table: Pick<ServerTable, "key" | "parse" | "bom">,
): Promise<ServerFile> {
  const text = await ctx.files.read(path);
  if (text === undefined) return { path, bom: "", body: "", servers: {} };
  // Clients strip a UTF-8 byte order mark before parsing; it is kept on write.
  const bom = table.bom !== false && text.startsWith(BOM) ? BOM : "";
  const body = text.slice(bom.length);
  try {
    const data = table.parse(body, path);
    const servers = isPlain(data[table.key]) ? data[table.key] as Json : {};
    return { path, text, bom, body, data, servers };
  } catch (e) {
    return { path, text, bom, body, servers: {}, error: parseError(e, path) };
  }
}

/** A JSON settings file parsed once per call (its servers may sit anywhere in it). */
export interface JsonFile {
  path: string;
  /** The file's text; `undefined` when it does not exist. */
  text?: string;
  data?: Json;
  error?: ReadError;
  /** The text as planned so far. */
  next?: string;
}

/**
 * Reads a JSON (with `comments`, JSONC) file that must hold an object; when it cannot be used,
 * the error holds `scopes`. With `bom`, a byte order mark is skipped; with `emptyOk`, an empty
 * file reads as `{}`.
 */
export async function loadJsonFile(
  ctx: Context,
  path: string,
  scopes: string[],
  opts: { comments: boolean; bom?: boolean; emptyOk?: boolean },
): Promise<JsonFile> {
  const text = await ctx.files.read(path);
  if (text === undefined) return { path };
  const body = opts.bom && text.startsWith(BOM) ? text.slice(1) : text;
  if (opts.emptyOk && body.trim() === "") return { path, text, data: {}, next: text };
  try {
    const data = parseJsonc(body, path, { comments: opts.comments });
    if (isPlain(data)) return { path, text, data, next: text };
    const message = `Cannot read "${path}": it is not a JSON object`;
    return { path, text, error: { file: path, message, scopes } };
  } catch (e) {
    return { path, text, error: { ...parseError(e, path), scopes } };
  }
}

/** A parse failure as a read error naming the file (and the line, when there is one). */
export function parseError(e: unknown, path: string): ReadError {
  if (e instanceof ConfigParseError) {
    const error: ReadError = { file: path, message: e.message };
    if (e.line !== undefined) error.line = e.line;
    if (e.column !== undefined) error.column = e.column;
    return error;
  }
  // jsonc-parser recurses: thousands of nested brackets overflow the stack.
  if (e instanceof RangeError) {
    return { file: path, message: `Cannot parse "${path}": it is nested too deeply` };
  }
  throw e;
}

/**
 * Checks that `data[key]`, when the file has it, is an object; throws a
 * {@linkcode ConfigParseError} located at the key. With `nullOk`, `null` counts as no table.
 */
export function checkTable(data: Json, key: string, body: string, file: string, nullOk = false) {
  const table = data[key];
  if (table === undefined || (nullOk && table === null) || isPlain(table)) return;
  const [line, column] = lineCol(body, Math.max(0, body.indexOf(JSON.stringify(key))));
  throw new ConfigParseError(file, `"${key}" must be an object`, line, column);
}

/** The servers of a table as items of `scope` (entries that are not servers are left out). */
export function serverItems(
  servers: Json,
  scope: string,
  read: (raw: unknown) => McpServer | undefined,
): Item[] {
  const items: Item[] = [];
  for (const [name, raw] of Object.entries(servers)) {
    if (!validName(name)) continue;
    const value = read(raw);
    if (value) items.push({ kind: "mcp", scope, name, value });
  }
  return items;
}

/**
 * The part of a desired value one plugin's entry holds: only its own extras; with `empties`,
 * without empty `args`, `env` and `headers` (they read back as none); with `enabled`, without
 * `enabled` at all (`"any"`: the file keeps no on/off state) or without `enabled: true` (`"on"`).
 */
export function ownPart(
  value: McpServer,
  id: string,
  opts: { empties?: boolean; enabled?: "any" | "on" } = {},
): McpServer {
  const own = value.extras?.[id];
  const { extras: _x, ...rest } = value;
  const out: McpServer = own ? { ...rest, extras: { [id]: own } } : rest;
  if (opts.enabled === "any" || (opts.enabled === "on" && out.enabled === true)) {
    delete out.enabled;
  }
  if (opts.empties) {
    if (out.args?.length === 0) delete out.args;
    if (out.env && !Object.keys(out.env).length) delete out.env;
    if (out.headers && !Object.keys(out.headers).length) delete out.headers;
  }
  return out;
}

/**
 * The file's body with its server table holding exactly `items` (a new file's text when there
 * is none; `undefined` when there is none and nothing to write). Entries the client could not
 * start are not servers: they stay, as do the entries named in `keep`.
 */
export function serversBody(
  file: ServerFile,
  items: McpItem[],
  table: ServerTable,
  notes: Note[],
  keep: Iterable<string> = [],
): string | undefined {
  if (file.text === undefined) {
    if (!items.length) return undefined;
    const fresh: Json = {};
    for (const item of items) put(fresh, item.name, table.build(item, undefined, notes));
    return table.fresh
      ? table.fresh(fresh)
      : JSON.stringify({ [table.key]: fresh }, null, 2) + "\n";
  }
  const { key, read } = table;
  let body = file.body;
  const stays = new Set([...keep, ...items.map((i) => i.name)]);
  for (const [name, raw] of Object.entries(file.servers)) {
    if (!stays.has(name) && validName(name) && read(raw)) {
      body = editJson(body, [key, name], undefined);
    }
  }
  for (const item of items) {
    const raw = Object.hasOwn(file.servers, item.name) ? file.servers[item.name] : undefined;
    if (table.skip?.(item, raw, file, notes)) continue;
    const old = isPlain(raw) ? raw : undefined;
    let entry: Json | undefined;
    if (table.compareBuilt) {
      entry = table.build(item, old, notes);
      if (sameValue(raw, entry)) continue;
    } else {
      const current = read(raw);
      const want = table.own ? table.own(item.value) : ownPart(item.value, table.id);
      if (current && sameValue(current, want)) {
        if (table.noteUnchanged) table.build(item, old, notes);
        continue;
      }
    }
    body = editJson(body, [key, item.name], entry ?? table.build(item, old, notes));
  }
  return body;
}

/** True when `body` parses the way the client reads it (a plan never writes a file it refuses). */
export function parses(table: Pick<ServerTable, "parse">, body: string, file: string): boolean {
  try {
    table.parse(body, file);
    return true;
  } catch {
    return false;
  }
}

/** The write that gives the file `body` (its byte order mark kept), or none when it is the same. */
export function bodyWrite(file: ServerFile, body: string): PlannedWrite | undefined {
  const content = file.bom + body;
  return content === file.text ? undefined : { path: file.path, content };
}

/**
 * Plans one file's server table: removes the servers that are not desired, edits the changed
 * ones, and checks that the result still parses. Never writes a file that does not parse.
 */
export function planServers(
  file: ServerFile,
  items: McpItem[],
  table: ServerTable,
  notes: Note[],
  keep?: Iterable<string>,
): PlannedWrite | undefined {
  if (file.error) return undefined;
  const body = serversBody(file, items, table, notes, keep);
  if (body === undefined || !parses(table, body, file.path)) return undefined;
  return bodyWrite(file, body);
}

/**
 * Reads an entry's `oauth` object whose `clientId` and `scopes` map to the canonical ones (in the
 * client's reference syntax, read with `read`); the rest stays in `extras.oauth` as it is, and an
 * `oauth` with nothing mappable (even `{}`) is kept whole so that it round-trips. False when the
 * field is not an object (it is then an extra as a whole).
 */
export function readOAuth(
  value: McpServer,
  field: unknown,
  extras: Json,
  read: (text: string) => string,
): boolean {
  if (!isPlain(field)) return false;
  const oauth: NonNullable<McpServer["oauth"]> = {};
  const rest: Json = {};
  for (const [k, v] of Object.entries(field)) {
    if (k === "clientId" && typeof v === "string") oauth.clientId = read(v);
    else if (k === "scopes" && isStrings(v)) oauth.scopes = v.map(read);
    else put(rest, k, v);
  }
  const mapped = Object.keys(oauth).length > 0;
  if (mapped) value.oauth = oauth;
  if (Object.keys(rest).length || !mapped) extras.oauth = rest;
  return true;
}

/** `rec` with every value mapped (keys that are data, `__proto__` too, kept as own keys). */
export function mapValues(
  rec: Record<string, string>,
  fn: (value: string, key: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec)) put(out, k, fn(v, k));
  return out;
}

/** A client's spelling of environment references in its strings. */
export interface RefSyntax {
  /** A string as the client writes it, in canonical form (`undefined`: it has none). */
  read(text: string): string | undefined;
  /** Canonical text as the client writes it, and what the client cannot say of it. */
  write(canon: string): { text: string; problems: string[] };
}

/**
 * Writes one server's strings in a client's syntax and collects its lossy notes. A string the
 * file already has that reads as the desired one keeps its spelling, so an unchanged field is not
 * rewritten.
 */
export class EntryWriter {
  #item: string;
  #notes: Note[];
  #syntax: RefSyntax;
  #dedupe: boolean;
  /** With `dedupe`, a note the item already has is not added again. */
  constructor(item: McpItem, notes: Note[], syntax: RefSyntax, dedupe = false) {
    this.#item = itemKey(item);
    this.#notes = notes;
    this.#syntax = syntax;
    this.#dedupe = dedupe;
  }

  /** Adds a lossy note about `field`. */
  note(field: string, message: string): void {
    const dup = this.#dedupe &&
      this.#notes.some((n) => n.item === this.#item && n.field === field && n.message === message);
    if (!dup) this.#notes.push({ item: this.#item, field, message });
  }

  /** The file's own spelling when it means `canon`, else `canon` in the client's syntax. */
  text(field: string, canon: string, old?: unknown): string {
    if (typeof old === "string" && this.#syntax.read(old) === canon) return old;
    const { text, problems } = this.#syntax.write(canon);
    for (const p of problems) this.note(field, p);
    return text;
  }

  /** A list of strings, element by element against the file's list. */
  list(field: string, canon: string[], old: unknown): string[] {
    const prev = Array.isArray(old) ? old : [];
    return canon.map((v, i) => this.text(field, v, prev[i]));
  }

  /** A map of strings (env, headers), member by member against the file's map. */
  record(field: string, canon: Record<string, string>, old: unknown): Record<string, string> {
    const prev = isPlain(old) ? old : {};
    return mapValues(
      canon,
      (v, k) => this.text(`${field}.${k}`, v, Object.hasOwn(prev, k) ? prev[k] : undefined),
    );
  }
}
