/**
 * Cursor: MCP servers in `mcp.json` (user and project), the project's `AGENTS.md`, and commands,
 * subagents and skills in the `.cursor/` folders (see `folders.ts`).
 *
 * Cursor is a closed-source editor with no CLI here to check against. What this plugin relies on
 * (`../shared/docs/clients.md` §6–16, from cursor.com/docs/mcp and rulesync's adapter, and the
 * real files in the corpus):
 *
 * - `~/.cursor/mcp.json` and `{project}/.cursor/mcp.json`, key `mcpServers`.
 * - Local servers: `command`, `args`, `env`, `envFile`. Remote servers: `url` and `headers`;
 *   Cursor picks the transport itself (Streamable HTTP, then SSE), so there is no `type` to
 *   write. Files written by other tools often carry Claude's `type`; it is read, and kept.
 * - References are `${env:NAME}`; `${userHome}`, `${workspaceFolder}`,
 *   `${workspaceFolderBasename}` and `${pathSeparator}` are Cursor's own variables.
 * - On/off state, OAuth and user rules live in Cursor's settings, not in files. Cursor reads
 *   `AGENTS.md` at the project root.
 *
 * @module
 */
import {
  ConfigParseError,
  type Context,
  definePlugin,
  editJson,
  ENV_REF,
  type Item,
  itemKey,
  type McpServer,
  type Note,
  parseJsonc,
  type PlannedWrite,
  type ReadError,
  sameValue,
} from "../_contract.ts";
import { folderRead, loadFolders, planFolders } from "./folders.ts";

const ID = "cursor";
const BOM = "\uFEFF";
/** Cursor's own variables: not environment references, kept as they are both ways. */
const CURSOR_VARS = new Set([
  "userHome",
  "workspaceFolder",
  "workspaceFolderBasename",
  "pathSeparator",
]);
const CURSOR_ENV = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;
const KEY_ORDER = ["type", "command", "args", "env", "envFile", "url", "headers"];

type Json = Record<string, unknown>;
type McpItem = Extract<Item, { kind: "mcp" }>;

interface Loaded {
  path: string;
  text?: string;
  bom: string;
  body: string;
  data?: Json;
  error?: ReadError;
}

export default definePlugin({
  async detect(ctx) {
    if ((await ctx.files.read(ctx.paths.mcp)) !== undefined) return { installed: true };
    for (const path of [ctx.paths.commands, ctx.paths.agents, ctx.paths.skills]) {
      if ((await ctx.files.stat(path))?.isDirectory) return { installed: true };
    }
    return { installed: false };
  },

  async read(ctx) {
    const items: Item[] = [];
    const errors: ReadError[] = [];
    for (const { scope, mcp, instructions } of scopes(ctx)) {
      const file = await load(ctx, mcp);
      // mcp.json holds servers only: a broken one leaves the other kinds alone.
      if (file.error) errors.push({ ...file.error, scopes: [scope], kinds: ["mcp"] });
      else if (file.data) items.push(...readServers(file.data, scope));
      if (instructions) {
        const text = await ctx.files.read(instructions);
        if (text !== undefined) {
          items.push({ kind: "instructions", scope, name: "main", value: { text } });
        }
      }
    }
    const folders = folderRead(await loadFolders(ctx));
    items.push(...folders.items);
    errors.push(...folders.errors);
    return errors.length ? { items, errors } : { items };
  },

  async plan(desired, ctx) {
    const writes: PlannedWrite[] = [];
    const notes: Note[] = [];
    for (const { scope, mcp, instructions } of scopes(ctx)) {
      const mine = desired.items.filter((i) => i.scope === scope);
      const servers = mine.filter((i): i is McpItem => i.kind === "mcp");
      const write = planFile(await load(ctx, mcp), servers, notes);
      if (write) writes.push(write);
      const memory = mine.find((i) => i.kind === "instructions");
      if (!instructions) {
        if (memory) {
          notes.push({
            item: itemKey(memory),
            message: "Cursor keeps user rules in its settings, not in a file; they are not written",
          });
        }
        continue;
      }
      const current = await ctx.files.read(instructions);
      if (memory && memory.kind === "instructions") {
        if (memory.value.text !== current) {
          writes.push({ path: instructions, content: memory.value.text });
        }
      } else if (current !== undefined) {
        writes.push({ path: instructions, content: null });
      }
    }
    writes.push(...await planFolders(ctx, await loadFolders(ctx), desired.items, notes));
    return { writes, notes };
  },
});

function scopes(ctx: Context): { scope: string; mcp: string; instructions?: string }[] {
  return [
    { scope: "user", mcp: ctx.paths.mcp },
    ...ctx.projects.map((p) => ({
      scope: `project:${p.root}`,
      mcp: p.paths.mcp,
      instructions: p.paths.instructions,
    })),
  ];
}

// ---------------------------------------------------------------------------------------------
// Files

async function load(ctx: Context, path: string): Promise<Loaded> {
  const text = await ctx.files.read(path);
  if (text === undefined) return { path, bom: "", body: "" };
  const bom = text.startsWith(BOM) ? BOM : "";
  const body = text.slice(bom.length);
  try {
    return { path, text, bom, body, data: parseMcp(body, path) };
  } catch (e) {
    if (e instanceof ConfigParseError) {
      const error: ReadError = { file: path, message: e.message };
      if (e.line !== undefined) error.line = e.line;
      if (e.column !== undefined) error.column = e.column;
      return { path, text, bom, body, error };
    }
    if (e instanceof RangeError) {
      const message = `Cannot parse "${path}": it is nested too deeply`;
      return { path, text, bom, body, error: { file: path, message } };
    }
    throw e;
  }
}

/** Parses `mcp.json`; comments and trailing commas are accepted as VS Code's editors do. */
function parseMcp(body: string, file: string): Json {
  const data = parseJsonc(body, file, { comments: true });
  if (!isObject(data)) throw new ConfigParseError(file, "mcp.json must be a JSON object", 1, 1);
  if (data.mcpServers !== undefined && !isObject(data.mcpServers)) {
    throw new ConfigParseError(file, '"mcpServers" must be an object');
  }
  return data;
}

// ---------------------------------------------------------------------------------------------
// Reading servers

function readServers(data: Json, scope: string): Item[] {
  const servers = isObject(data.mcpServers) ? data.mcpServers : {};
  const items: Item[] = [];
  for (const [name, raw] of Object.entries(servers)) {
    if (!validName(name)) continue;
    const value = readServer(raw);
    if (value) items.push({ kind: "mcp", scope, name, value });
  }
  return items;
}

function validName(name: string): boolean {
  return name.length > 0 && name.length <= 200 && ![...name].some((c) => c.charCodeAt(0) < 0x20);
}

/** The transport of an entry; `undefined` when it has neither a url nor a command. */
function transportOf(raw: Json): McpServer["transport"] | undefined {
  const url = filled(raw.url), command = filled(raw.command);
  if (command && (!url || raw.type === "stdio")) return "stdio";
  if (url) return raw.type === "sse" ? "sse" : "http";
  return undefined;
}

function readServer(raw: unknown): McpServer | undefined {
  if (!isObject(raw)) return undefined;
  const transport = transportOf(raw);
  if (!transport) return undefined;
  const value: McpServer = { transport };
  const extras: Json = {};
  const stdio = transport === "stdio";
  for (const [key, field] of Object.entries(raw)) {
    let mapped = false;
    switch (key) {
      case "command":
        mapped = stdio;
        if (mapped) value.command = fromCursor(field as string);
        break;
      case "url":
        mapped = !stdio;
        if (mapped) value.url = fromCursor(field as string);
        break;
      case "type":
        // Claude's `type`, when it says what Cursor does anyway.
        mapped = field === transport;
        break;
      case "args":
        mapped = stdio && isStrings(field);
        if (mapped) value.args = (field as string[]).map(fromCursor);
        break;
      case "env":
        mapped = stdio && isStringRecord(field);
        if (mapped) value.env = mapValues(field as Record<string, string>, fromCursor);
        break;
      case "headers":
        mapped = !stdio && isStringRecord(field);
        if (mapped) value.headers = mapValues(field as Record<string, string>, fromCursor);
        break;
    }
    if (!mapped) put(extras, key, field);
  }
  if (Object.keys(extras).length) value.extras = { [ID]: extras };
  return value;
}

// ---------------------------------------------------------------------------------------------
// Environment references

/** `${env:NAME}` becomes `${NAME}`; everything else is kept as written. */
function fromCursor(text: string): string {
  return text.replace(CURSOR_ENV, (_, name: string) => `\${${name}}`);
}

/** Canonical text in Cursor's syntax, with what Cursor cannot express. */
function toCursor(canon: string): { text: string; problems: string[] } {
  const problems: string[] = [];
  let text = "";
  let last = 0;
  const ours = new Set<number>();
  for (const m of canon.matchAll(ENV_REF)) {
    text += canon.slice(last, m.index);
    if (m[2] === undefined && CURSOR_VARS.has(m[1])) text += m[0];
    else {
      ours.add(text.length);
      text += `\${env:${m[1]}}`;
    }
    if (m[2] !== undefined) {
      problems.push(
        `Cursor has no default values for environment variables; "${m[0]}" is written ` +
          "without its default",
      );
    }
    last = m.index + m[0].length;
  }
  text += canon.slice(last);
  for (const m of text.matchAll(CURSOR_ENV)) {
    if (!ours.has(m.index)) {
      problems.push(
        `"${m[0]}" is literal text, but Cursor replaces it with an environment variable`,
      );
    }
  }
  return { text, problems };
}

class ItemWriter {
  #item: string;
  #notes: Note[];
  constructor(item: McpItem, notes: Note[]) {
    this.#item = itemKey(item);
    this.#notes = notes;
  }

  note(field: string, message: string): void {
    this.#notes.push({ item: this.#item, field, message });
  }

  /** The file's own spelling when it means `canon`, else `canon` in Cursor's syntax. */
  text(field: string, canon: string, old: unknown): string {
    if (typeof old === "string" && fromCursor(old) === canon) return old;
    const { text, problems } = toCursor(canon);
    for (const p of problems) this.note(field, p);
    return text;
  }

  list(field: string, canon: string[], old: unknown): string[] {
    const prev = Array.isArray(old) ? old : [];
    return canon.map((v, i) => this.text(field, v, prev[i]));
  }

  record(field: string, canon: Record<string, string>, old: unknown): Record<string, string> {
    const prev = isObject(old) ? old : {};
    return mapValues(
      canon,
      (v, k) => this.text(`${field}.${k}`, v, Object.hasOwn(prev, k) ? prev[k] : undefined),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Planning

/** The parts of a value that live in the file: own extras, no `enabled` (kept in Cursor's UI). */
function filePart(value: McpServer): McpServer {
  const own = value.extras?.[ID];
  const { extras: _x, enabled: _on, ...rest } = value;
  return own ? { ...rest, extras: { [ID]: own } } : rest;
}

function buildEntry(item: McpItem, old: Json | undefined, notes: Note[]): Json {
  const v = item.value;
  const w = new ItemWriter(item, notes);
  const extras = { ...(v.extras?.[ID] ?? {}) } as Json;
  const out: Json = {};
  if (v.transport === "stdio") {
    // A `type` the entry already has stays; a url would not be a stdio server.
    if (old?.type === "stdio" || filled(extras.url)) out.type = "stdio";
    out.command = w.text("command", v.command ?? "", old?.command);
    if (v.args) out.args = w.list("args", v.args, old?.args);
    if (v.env) out.env = w.record("env", v.env, old?.env);
    if (v.cwd !== undefined) w.note("cwd", "Cursor's mcp.json has no working folder for a server");
    if (v.url !== undefined) w.note("url", "a stdio server's url is not written");
    if (v.headers) {
      w.note("headers", "Cursor sends headers to remote servers only; they are not written");
    }
  } else {
    out.url = w.text("url", v.url ?? "", old?.url);
    if (v.transport === "sse" && old?.type === "sse") out.type = "sse";
    else if (v.transport === "sse") {
      w.note(
        "transport",
        "Cursor picks the transport itself (Streamable HTTP, then SSE); the server is written as a plain url",
      );
    }
    if (v.headers) out.headers = w.record("headers", v.headers, old?.headers);
    // With a command, that would make the entry a stdio server.
    if (extras.type === "stdio") delete extras.type;
    for (const k of ["command", "args", "env", "cwd"] as const) {
      if (v[k] !== undefined) {
        w.note(k, `Cursor does not run a command for a remote server; "${k}" is not written`);
      }
    }
  }
  if (v.enabled === false) {
    w.note(
      "enabled",
      "Cursor keeps servers on or off in its settings, not in mcp.json; the server is written on",
    );
  }
  for (const k of ["toolTimeoutMs", "startupTimeoutMs"] as const) {
    if (v[k] !== undefined) w.note(k, "Cursor's mcp.json has no timeout setting");
  }
  if (v.tools) w.note("tools", "Cursor turns tools on and off in its settings, not in mcp.json");
  if (v.oauth) w.note("oauth", "Cursor runs OAuth from its settings, not from mcp.json");
  for (const [k, x] of Object.entries(extras)) if (!Object.hasOwn(out, k)) put(out, k, x);
  return ordered(out, KEY_ORDER);
}

function planFile(file: Loaded, items: McpItem[], notes: Note[]): PlannedWrite | undefined {
  if (file.error) return undefined;
  const servers = isObject(file.data?.mcpServers) ? file.data.mcpServers : {};
  let body = file.body;
  if (file.text === undefined) {
    if (!items.length) return undefined;
    const fresh: Json = {};
    for (const item of items) put(fresh, item.name, buildEntry(item, undefined, notes));
    body = JSON.stringify({ mcpServers: fresh }, null, 2) + "\n";
  } else {
    const want = new Set(items.map((i) => i.name));
    for (const [name, raw] of Object.entries(servers)) {
      if (!want.has(name) && validName(name) && readServer(raw)) {
        body = editJson(body, ["mcpServers", name], undefined);
      }
    }
    for (const item of items) {
      const old = Object.hasOwn(servers, item.name) ? servers[item.name] : undefined;
      const current = readServer(old);
      if (current && sameValue(current, filePart(item.value))) {
        // Unchanged in the file; what the file cannot hold still gets its note.
        buildEntry(item, isObject(old) ? old : undefined, notes);
        continue;
      }
      body = editJson(
        body,
        ["mcpServers", item.name],
        buildEntry(item, isObject(old) ? old : undefined, notes),
      );
    }
  }
  try {
    parseMcp(body, file.path);
  } catch {
    return undefined;
  }
  const content = file.bom + body;
  return content === file.text ? undefined : { path: file.path, content };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function filled(v: unknown): v is string {
  return typeof v === "string" && v !== "";
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return isObject(v) && Object.values(v).every((x) => typeof x === "string");
}

function mapValues(
  rec: Record<string, string>,
  fn: (value: string, key: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec)) put(out, k, fn(v, k));
  return out;
}

function ordered(obj: Json, order: string[]): Json {
  const rank = (k: string) => {
    const i = order.indexOf(k);
    return i < 0 ? order.length : i;
  };
  const keys = Object.keys(obj).map((k, i) => [k, i] as const)
    .sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]);
  const out: Json = {};
  for (const [k] of keys) put(out, k, obj[k]);
  return out;
}

/** Sets an own property, even one named `__proto__` (server and variable names are data). */
function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
