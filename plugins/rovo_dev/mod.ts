/**
 * Atlassian Rovo Dev CLI (`acli rovodev`).
 *
 * - MCP servers: `~/.rovodev/mcp.json`, top-level `mcpServers`. Entries use `transport`
 *   (`stdio` | `http` | `sse`), never `type`. There is no `disabled` key: the `/mcp` toggle lists
 *   switched-off servers in `~/.rovodev/config.yml` under `mcp.disabledMcpServers`, so the
 *   canonical `enabled: false` lives in a second file.
 * - Memory: `~/.rovodev/AGENTS.md` (user) and `AGENTS.md` at the project root (the same file
 *   Codex and others read).
 * - A project `.rovodev/mcp.json` is only documented as a target of `mcp.mcpConfigPath` (Bitbucket
 *   Pipelines), not as a file the CLI finds on its own, so project MCP servers are not written.
 *
 * @module
 */
import {
  ConfigParseError,
  type Context,
  definePlugin,
  editJson,
  editYaml,
  envRefs,
  type Item,
  itemKey,
  type McpServer,
  type Note,
  parseJsonc,
  parseYaml,
  type PlannedWrite,
  type ReadError,
  sameValue,
} from "../_contract.ts";

const ID = "rovo_dev";
/** Entry keys this plugin maps; every other key is kept verbatim in `extras.rovo_dev`. */
const MAPPED = new Set(["command", "args", "env", "url", "headers", "transport"]);
const TRANSPORTS = new Set(["stdio", "http", "sse"]);
const INTERPOLATION = "Rovo Dev does not document env interpolation; written verbatim";
/** The layout of Atlassian's examples: one member a line, lists of scalars inline. */
const LAYOUT = { lists: "inline" } as const;

type Json = Record<string, unknown>;

/** `~/.rovodev/mcp.json` as read. */
interface McpFile {
  path: string;
  text?: string;
  servers: Json;
  error?: ReadError;
}

/** `~/.rovodev/config.yml` as read: only its `mcp` block matters here. */
interface ConfigFile {
  path: string;
  text?: string;
  disabled: string[];
  mcpConfigPath?: string;
  error?: ReadError;
}

export default definePlugin({
  async detect(ctx) {
    for (const name of ["mcp", "config", "instructions"]) {
      if ((await ctx.files.read(ctx.paths[name])) !== undefined) return { installed: true };
    }
    return { installed: false };
  },

  async read(ctx) {
    const items: Item[] = [];
    const errors: ReadError[] = [];
    const mcp = await readMcp(ctx);
    const config = await readConfig(ctx);
    if (mcp.error) errors.push(mcp.error);
    if (config.error) errors.push(config.error);
    const disabled = new Set(config.disabled);
    for (const [name, raw] of Object.entries(mcp.servers)) {
      const value = toCanonical(raw, disabled.has(name));
      if (value && validName(name)) items.push({ kind: "mcp", scope: "user", name, value });
    }
    for (const { scope, path } of instructionFiles(ctx)) {
      const text = await ctx.files.read(path);
      if (text !== undefined) {
        items.push({ kind: "instructions", scope, name: "main", value: { text } });
      }
    }
    return errors.length ? { items, errors } : { items };
  },

  async plan(desired, ctx) {
    const writes: PlannedWrite[] = [];
    const notes: Note[] = [];
    const userMcp: Extract<Item, { kind: "mcp" }>[] = [];
    for (const item of desired.items) {
      if (item.kind !== "mcp") continue;
      if (item.scope === "user") userMcp.push(item);
      else {
        notes.push({
          item: itemKey(item),
          message: "Rovo Dev CLI reads MCP servers from ~/.rovodev/mcp.json only (a project " +
            ".rovodev/mcp.json is used only when mcp.mcpConfigPath points at it); not written",
        });
      }
    }
    await planMcp(userMcp, ctx, writes, notes);
    await planInstructions(desired.items, ctx, writes);
    return { writes, notes };
  },
});

// ---------------------------------------------------------------------------------------------
// Reading files.

async function readMcp(ctx: Context): Promise<McpFile> {
  const path = ctx.paths.mcp;
  const text = await ctx.files.read(path);
  if (text === undefined) return { path, servers: {} };
  try {
    const root = parseJsonc(text, path, { comments: false });
    if (!isPlain(root)) {
      throw new ConfigParseError(path, "the top level must be a JSON object", 1, 1);
    }
    const servers = root.mcpServers ?? {};
    if (!isPlain(servers)) {
      const [line, column] = lineCol(text, Math.max(0, text.indexOf('"mcpServers"')));
      throw new ConfigParseError(path, '"mcpServers" must be an object', line, column);
    }
    return { path, text, servers };
  } catch (e) {
    return { path, text, servers: {}, error: readError(e, path) };
  }
}

async function readConfig(ctx: Context): Promise<ConfigFile> {
  const path = ctx.paths.config;
  const text = await ctx.files.read(path);
  if (text === undefined) return { path, disabled: [] };
  try {
    const doc = parseYaml(text, path);
    const root = doc.toJS() as unknown;
    const where = (keys: string[]) => {
      const node = doc.getIn(keys, true) as { range?: [number, number, number] } | undefined;
      return lineCol(text, node?.range?.[0] ?? 0);
    };
    if (root === null || root === undefined) return { path, text, disabled: [] };
    if (!isPlain(root)) throw new ConfigParseError(path, "the top level must be a map", 1, 1);
    const mcp = root.mcp ?? {};
    if (!isPlain(mcp)) throw new ConfigParseError(path, '"mcp" must be a map', ...where(["mcp"]));
    const list = mcp.disabledMcpServers ?? [];
    if (!Array.isArray(list) || !list.every((n) => typeof n === "string")) {
      throw new ConfigParseError(
        path,
        '"mcp.disabledMcpServers" must be a list of server names',
        ...where(["mcp", "disabledMcpServers"]),
      );
    }
    const pointer = typeof mcp.mcpConfigPath === "string" ? mcp.mcpConfigPath : undefined;
    return { path, text, disabled: list, ...(pointer ? { mcpConfigPath: pointer } : {}) };
  } catch (e) {
    return { path, text, disabled: [], error: readError(e, path) };
  }
}

function readError(e: unknown, file: string): ReadError {
  if (!(e instanceof ConfigParseError)) throw e;
  const err: ReadError = { file, message: e.message, scopes: ["user"] };
  if (e.line !== undefined) err.line = e.line;
  if (e.column !== undefined) err.column = e.column;
  return err;
}

function instructionFiles(ctx: Context): { scope: string; path: string }[] {
  return [
    { scope: "user", path: ctx.paths.instructions },
    ...ctx.projects.map((p) => ({ scope: `project:${p.root}`, path: p.paths.instructions })),
  ];
}

// ---------------------------------------------------------------------------------------------
// Rovo entry <-> canonical server.

/**
 * One `mcpServers` entry as a canonical server, or `undefined` when it is not a server this
 * plugin can describe (not an object, or no command and no url); such entries are left alone.
 */
function toCanonical(raw: unknown, disabled: boolean): McpServer | undefined {
  if (!isPlain(raw)) return undefined;
  const extras: Json = {};
  const t = raw.transport;
  const known = typeof t === "string" && TRANSPORTS.has(t);
  const transport = known
    ? t as McpServer["transport"]
    // No (or an unknown) transport: a command runs locally; a bare url is streamable HTTP, the
    // transport Rovo's docs and the GitHub MCP server's Rovo guide use for hosted servers.
    : typeof raw.command === "string"
    ? "stdio"
    : typeof raw.url === "string"
    ? "http"
    : undefined;
  if (!transport) return undefined;
  if (transport === "stdio" ? typeof raw.command !== "string" : typeof raw.url !== "string") {
    return undefined;
  }
  const value: McpServer = { transport };
  for (const [k, v] of Object.entries(raw)) {
    switch (k) {
      case "transport":
        if (!known) extras[k] = v;
        break;
      case "command":
      case "url":
        if (typeof v === "string") value[k] = v;
        else extras[k] = v;
        break;
      case "args":
        if (isStringList(v)) {
          if (v.length) value.args = v;
        } else extras[k] = v;
        break;
      case "env":
      case "headers":
        if (isStringMap(v)) {
          if (Object.keys(v).length) value[k] = v;
        } else extras[k] = v;
        break;
      default:
        extras[k] = v;
    }
  }
  if (disabled) value.enabled = false;
  if (Object.keys(extras).length) value.extras = { [ID]: extras };
  return value;
}

/**
 * A canonical server as a Rovo entry. `existing` is the entry in the file, if any: an empty
 * `args`/`env`/`headers` it has is kept, and so is a missing `transport` when the shape implies
 * the same one; new entries always get `transport`, as Atlassian's examples do.
 */
function toRovo(value: McpServer, existing: Json | undefined): Json {
  const extras = value.extras?.[ID] ?? {};
  const out: Json = {};
  for (const k of ["command", "args", "env", "url", "headers"] as const) {
    if (value[k] !== undefined) out[k] = value[k];
    else if (k in extras) out[k] = extras[k];
    else if (existing && isEmpty(existing[k])) out[k] = existing[k];
  }
  const implied = out.command !== undefined ? "stdio" : "http";
  const kept = extras.transport;
  if (typeof kept === "string" && !TRANSPORTS.has(kept) && value.transport === implied) {
    out.transport = kept;
  } else if (!(existing && existing.transport === undefined && value.transport === implied)) {
    out.transport = value.transport;
  }
  for (const [k, v] of Object.entries(extras)) {
    if (!MAPPED.has(k)) out[k] = v;
  }
  return out;
}

/** What Rovo Dev cannot express about a server; the item itself is still written. */
function lossyNotes(item: Extract<Item, { kind: "mcp" }>): Note[] {
  const key = itemKey(item);
  const v = item.value;
  const notes: Note[] = [];
  const note = (field: string, message: string) => notes.push({ item: key, field, message });
  if (v.cwd !== undefined) {
    note("cwd", "Rovo Dev CLI has no working-directory setting for MCP servers; not written");
  }
  if (v.tools !== undefined) {
    note("tools", "Rovo Dev CLI cannot allow or deny single tools in mcp.json; not written");
  }
  for (const f of ["startupTimeoutMs", "toolTimeoutMs"] as const) {
    if (v[f] !== undefined) note(f, "Rovo Dev CLI documents no MCP timeout setting; not written");
  }
  if (v.oauth !== undefined) {
    note("oauth", "Rovo Dev CLI documents only static headers for remote servers; not written");
  }
  if (v.command !== undefined && envRefs(v.command).length) note("command", INTERPOLATION);
  if (v.url !== undefined && envRefs(v.url).length) note("url", INTERPOLATION);
  v.args?.forEach((a, i) => {
    if (envRefs(a).length) note(`args[${i}]`, INTERPOLATION);
  });
  for (const f of ["env", "headers"] as const) {
    for (const [k, s] of Object.entries(v[f] ?? {})) {
      if (envRefs(s).length) note(`${f}.${k}`, INTERPOLATION);
    }
  }
  return notes;
}

// ---------------------------------------------------------------------------------------------
// Planning.

async function planMcp(
  items: Extract<Item, { kind: "mcp" }>[],
  ctx: Context,
  writes: PlannedWrite[],
  notes: Note[],
) {
  for (const item of items) notes.push(...lossyNotes(item));
  const mcp = await readMcp(ctx);
  const config = await readConfig(ctx);
  // The servers and their on/off switch live in two files: when either cannot be read, writing
  // the other could switch a server on that the user turned off.
  if (mcp.error || config.error) return;

  if (config.mcpConfigPath !== undefined) {
    const pointer = config.mcpConfigPath.replace(/^~(?=\/|$)/, ctx.home);
    if (pointer !== ctx.paths.mcp) {
      for (const item of items) {
        notes.push({
          item: itemKey(item),
          message: `${config.path} sets mcp.mcpConfigPath to "${config.mcpConfigPath}", so Rovo ` +
            `Dev reads its servers from there, not from ${mcp.path}`,
        });
      }
    }
  }

  const wanted = new Set(items.map((i) => i.name));
  const readable = Object.keys(mcp.servers).filter((n) =>
    toCanonical(mcp.servers[n], false) !== undefined
  );

  // config.yml: this plugin owns the disabled state of the servers it manages (those in the file
  // and those desired); names of other servers keep their state.
  const off = items.filter((i) => i.value.enabled === false).map((i) => i.name);
  const offSet = new Set(off);
  const managed = new Set([...wanted, ...readable]);
  const nextOff = [
    ...config.disabled.filter((n) => !managed.has(n) || offSet.has(n)),
    ...off.filter((n) => !config.disabled.includes(n)),
  ];
  let toggles = true;
  if (!sameValue(nextOff, config.disabled)) {
    try {
      const content = editYaml(
        config.text ?? "",
        ["mcp", "disabledMcpServers"],
        nextOff,
        config.path,
      );
      writes.push({ path: config.path, content });
    } catch (e) {
      if (!(e instanceof ConfigParseError)) throw e;
      toggles = false;
      const was = new Set(config.disabled);
      for (const item of items) {
        const isOff = item.value.enabled === false;
        if (isOff === was.has(item.name)) continue;
        const fresh = !(item.name in mcp.servers);
        notes.push({
          item: itemKey(item),
          field: "enabled",
          message: `${e.message}; so mcp.disabledMcpServers was not changed: ` +
            (isOff
              ? fresh
                ? "the server was not added, so that it does not start"
                : "switch the server off with /mcp"
              : "switch the server on with /mcp"),
        });
      }
    }
  }

  const entries: [string, Json][] = [];
  for (const item of items) {
    const existing = mcp.servers[item.name];
    // Fail closed: a new server that should be off is not added while its switch can't be set.
    if (!toggles && item.value.enabled === false && existing === undefined) continue;
    entries.push([item.name, toRovo(item.value, isPlain(existing) ? existing : undefined)]);
  }
  if (mcp.text === undefined) {
    if (entries.length) {
      const content = editJson("", ["mcpServers"], Object.fromEntries(entries), LAYOUT);
      writes.push({ path: mcp.path, content: content + "\n" });
    }
    return;
  }
  let text = mcp.text;
  for (const name of readable) {
    if (!wanted.has(name)) text = editJson(text, ["mcpServers", name], undefined, LAYOUT);
  }
  for (const [name, entry] of entries) {
    // Most entries are unchanged: skip them without touching the text.
    if (sameValue(mcp.servers[name], entry)) continue;
    text = editJson(text, ["mcpServers", name], entry, LAYOUT);
  }
  if (text !== mcp.text) writes.push({ path: mcp.path, content: text });
}

async function planInstructions(items: Item[], ctx: Context, writes: PlannedWrite[]) {
  for (const { scope, path } of instructionFiles(ctx)) {
    const item = items.find((i) => i.kind === "instructions" && i.scope === scope);
    const current = await ctx.files.read(path);
    if (item?.kind === "instructions") {
      if (current !== item.value.text) writes.push({ path, content: item.value.text });
    } else if (current !== undefined) writes.push({ path, content: null });
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

function isPlain(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

function isStringMap(v: unknown): v is Record<string, string> {
  return isPlain(v) && Object.values(v).every((x) => typeof x === "string");
}

function isEmpty(v: unknown): boolean {
  return (Array.isArray(v) && v.length === 0) || (isPlain(v) && Object.keys(v).length === 0);
}

/** Item names may not be empty, longer than 200 or hold control characters. */
function validName(name: string): boolean {
  if (name.length === 0 || name.length > 200) return false;
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) < 0x20) return false;
  return true;
}

function lineCol(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return [line, offset - (before.lastIndexOf("\n") + 1) + 1];
}
