/**
 * Claude Desktop: local MCP servers in `claude_desktop_config.json` (user scope only).
 *
 * Claude Desktop is a closed-source app with no CLI here to check against. What this plugin
 * relies on (`../shared/docs/clients.md` §6–16 and §19, the real files in the corpus, public
 * reports):
 *
 * - The file is `~/Library/Application Support/Claude/claude_desktop_config.json` (macOS),
 *   `%APPDATA%\Claude\claude_desktop_config.json` (Windows) and, for the unofficial Linux builds,
 *   `$XDG_CONFIG_HOME/Claude/claude_desktop_config.json` (Electron's user data folder). The app
 *   rewrites it for its own settings (`preferences` and others): only `mcpServers` is touched.
 * - `mcpServers.<name>` holds local (stdio) servers only: `command`, `args`, `env`. Remote
 *   servers are added as Connectors in the app, not in the file, so they get a lossy note and
 *   are never written; an entry the file already has under that name stays byte for byte.
 * - There is no switch to turn a server off: a server that should be off is left out (and an
 *   entry of it taken out), with a note, so that it does not start.
 * - No env interpolation is documented (and users report `${VAR}` reaching servers as text),
 *   so strings are written as they are, with a note where they hold a reference. `cwd` is
 *   reported to be ignored (servers start in `/`): it stays an unmapped key.
 * - The app parses the file with `JSON.parse`: comments and trailing commas break it.
 *
 * @module
 */
import {
  ConfigParseError,
  type Context,
  definePlugin,
  editJson,
  envRefs,
  type Item,
  itemKey,
  type McpServer,
  type Note,
  parseJsonc,
  type PlannedWrite,
  type ReadError,
  sameValue,
} from "../_contract.ts";

const ID = "claude_desktop";
const BOM = "\uFEFF";
const NO_INTERPOLATION = "Claude Desktop does not expand environment references; the server " +
  "gets the text as written";

type Json = Record<string, unknown>;
type McpItem = Extract<Item, { kind: "mcp" }>;

/** The config file as read: its text, and either its data or why it cannot be used. */
interface Loaded {
  path: string;
  text?: string;
  bom: string;
  body: string;
  servers: Json;
  error?: ReadError;
}

export default definePlugin({
  async detect(ctx) {
    return { installed: (await ctx.files.read(ctx.paths.config)) !== undefined };
  },

  async read(ctx) {
    const file = await load(ctx);
    if (file.error) return { items: [], errors: [file.error] };
    const items: Item[] = [];
    for (const [name, raw] of Object.entries(file.servers)) {
      const value = readServer(raw);
      if (value && validName(name)) items.push({ kind: "mcp", scope: "user", name, value });
    }
    return { items };
  },

  async plan(desired, ctx) {
    const notes: Note[] = [];
    const mine: McpItem[] = [];
    for (const item of desired.items) {
      if (item.kind !== "mcp") continue;
      if (item.scope === "user") mine.push(item);
      else {
        notes.push({
          item: itemKey(item),
          message: "Claude Desktop has one configuration for the whole app, with no project " +
            "servers; the server is not written",
        });
      }
    }
    const write = planFile(await load(ctx), mine, notes);
    return { writes: write ? [write] : [], notes };
  },
});

// ---------------------------------------------------------------------------------------------
// Reading

async function load(ctx: Context): Promise<Loaded> {
  const path = ctx.paths.config;
  const text = await ctx.files.read(path);
  if (text === undefined) return { path, bom: "", body: "", servers: {} };
  const bom = text.startsWith(BOM) ? BOM : "";
  const body = text.slice(bom.length);
  try {
    return { path, text, bom, body, servers: parseConfig(body, path) };
  } catch (e) {
    let error: ReadError;
    if (e instanceof ConfigParseError) {
      error = { file: path, message: e.message, scopes: ["user"] };
      if (e.line !== undefined) error.line = e.line;
      if (e.column !== undefined) error.column = e.column;
    } else if (e instanceof RangeError) {
      error = { file: path, message: `Cannot parse "${path}": it is nested too deeply` };
    } else throw e;
    return { path, text, bom, body, servers: {}, error };
  }
}

/** The `mcpServers` of the file; throws {@linkcode ConfigParseError} as the app would fail. */
function parseConfig(body: string, file: string): Json {
  const data = parseJsonc(body, file, { comments: false });
  if (!isObject(data)) {
    throw new ConfigParseError(file, "the configuration must be a JSON object", 1, 1);
  }
  if (data.mcpServers === undefined) return {};
  if (!isObject(data.mcpServers)) {
    const [line, column] = lineCol(body, Math.max(0, body.indexOf('"mcpServers"')));
    throw new ConfigParseError(file, '"mcpServers" must be an object', line, column);
  }
  return data.mcpServers;
}

/**
 * One entry as a canonical server; `undefined` for anything that is not a local server the app
 * could start (no `command`, a remote `url` entry, not an object). Such entries are left alone.
 */
function readServer(raw: unknown): McpServer | undefined {
  if (!isObject(raw) || !filled(raw.command)) return undefined;
  const value: McpServer = { transport: "stdio", command: raw.command };
  const extras: Json = {};
  for (const [key, field] of Object.entries(raw)) {
    if (key === "command") continue;
    if (key === "args" && isStrings(field)) {
      // Canonical values are minimal: an empty list says nothing (it is kept when written).
      if (field.length) value.args = field;
    } else if (key === "env" && isStringRecord(field)) {
      if (Object.keys(field).length) value.env = field;
    } else put(extras, key, field);
  }
  if (Object.keys(extras).length) value.extras = { [ID]: extras };
  return value;
}

// ---------------------------------------------------------------------------------------------
// Planning

/** What the app cannot express of a local server, as lossy notes. */
function lossyNotes(item: McpItem, notes: Note[]): void {
  const v = item.value;
  const note = (field: string, message: string) =>
    notes.push({ item: itemKey(item), field, message });
  if (v.cwd !== undefined) {
    note("cwd", "Claude Desktop has no working folder for a server (it starts servers in /)");
  }
  if (v.url !== undefined) note("url", "a local server's url is not written");
  if (v.headers) note("headers", "Claude Desktop sends no headers to local servers");
  for (const f of ["startupTimeoutMs", "toolTimeoutMs"] as const) {
    if (v[f] !== undefined) note(f, "Claude Desktop has no timeout setting for a server");
  }
  if (v.tools) note("tools", "Claude Desktop turns tools on and off in the app, not in the file");
  if (v.oauth) note("oauth", "Claude Desktop has no OAuth settings for local servers");
  if (v.command !== undefined && envRefs(v.command).length) note("command", NO_INTERPOLATION);
  v.args?.forEach((a, i) => {
    if (envRefs(a).length) note(`args[${i}]`, NO_INTERPOLATION);
  });
  for (const [k, s] of Object.entries(v.env ?? {})) {
    if (envRefs(s).length) note(`env.${k}`, NO_INTERPOLATION);
  }
  if (v.args?.length === 0) note("args", "an empty args list reads back as none");
  if (v.env && !Object.keys(v.env).length) note("env", "an empty env reads back as none");
}

/**
 * The entry for a canonical server. `old` is the entry in the file: an empty `args`/`env` it
 * has stays; new entries look like the ones in Anthropic's examples (`command`, `args`, `env`).
 */
function buildEntry(v: McpServer, old: Json | undefined): Json {
  const extras = v.extras?.[ID] ?? {};
  const out: Json = { command: v.command };
  if (v.args) out.args = v.args;
  else if (isStrings(old?.args) && old.args.length === 0) out.args = [];
  if (v.env) out.env = v.env;
  else if (isStringRecord(old?.env) && !Object.keys(old.env).length) out.env = {};
  for (const [k, x] of Object.entries(extras)) {
    if (!Object.hasOwn(out, k)) put(out, k, x);
  }
  return out;
}

/** The parts of a value this file holds: its own extras only, minimal empties. */
function filePart(v: McpServer): McpServer {
  const own = v.extras?.[ID];
  const { extras: _x, ...rest } = v;
  const out: McpServer = own ? { ...rest, extras: { [ID]: own } } : rest;
  if (out.args?.length === 0) delete out.args;
  if (out.env && !Object.keys(out.env).length) delete out.env;
  return out;
}

function planFile(file: Loaded, items: McpItem[], notes: Note[]): PlannedWrite | undefined {
  const entries: [McpItem, Json | undefined][] = [];
  /** Names whose entry, if the file has one, stays as it is. */
  const untouched = new Set<string>();
  for (const item of items) {
    const key = itemKey(item);
    const old = Object.hasOwn(file.servers, item.name) ? file.servers[item.name] : undefined;
    if (item.value.transport !== "stdio") {
      notes.push({
        item: key,
        field: "transport",
        message: "Claude Desktop's configuration file holds local (stdio) servers only; add " +
          "remote servers as Connectors in the app (or bridge them with mcp-remote). Not written" +
          (old !== undefined ? "; the entry of that name in the file stays as it is" : ""),
      });
      untouched.add(item.name);
      continue;
    }
    if (item.value.enabled === false) {
      notes.push({
        item: key,
        field: "enabled",
        message: "Claude Desktop has no switch to turn a server off; it is left out of the " +
          "file so that it does not start",
      });
      continue;
    }
    lossyNotes(item, notes);
    entries.push([item, isObject(old) ? old : undefined]);
  }
  if (file.error) return undefined;
  let body = file.body;
  if (file.text === undefined) {
    if (!entries.length) return undefined;
    const fresh: Json = {};
    for (const [item] of entries) put(fresh, item.name, buildEntry(item.value, undefined));
    body = JSON.stringify({ mcpServers: fresh }, null, 2) + "\n";
  } else {
    const keep = new Set([...untouched, ...entries.map(([i]) => i.name)]);
    for (const [name, raw] of Object.entries(file.servers)) {
      if (!keep.has(name) && validName(name) && readServer(raw)) {
        body = editJson(body, ["mcpServers", name], undefined);
      }
    }
    for (const [item, old] of entries) {
      const current = readServer(old);
      if (current && sameValue(current, filePart(item.value))) continue;
      body = editJson(body, ["mcpServers", item.name], buildEntry(item.value, old));
    }
  }
  try {
    parseConfig(body, file.path);
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

/** Item names may not be empty, longer than 200 or hold control characters. */
function validName(name: string): boolean {
  return name.length > 0 && name.length <= 200 && ![...name].some((c) => c.charCodeAt(0) < 0x20);
}

function lineCol(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset);
  return [before.split("\n").length, offset - before.lastIndexOf("\n")];
}

/** Sets an own property, even one named `__proto__` (server and variable names are data). */
function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
