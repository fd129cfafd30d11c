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
  checkTable,
  ConfigParseError,
  definePlugin,
  envRefs,
  filled,
  isPlain,
  isStringRecord,
  isStrings,
  itemKey,
  type Json,
  loadServerFile,
  type McpItem,
  type McpServer,
  type Note,
  ownPart,
  parseJsonc,
  type PlannedWrite,
  planServers,
  put,
  type ServerFile,
  serverItems,
  type ServerTable,
} from "../_contract.ts";

const ID = "claude_desktop";
const NO_INTERPOLATION = "Claude Desktop does not expand environment references; the server " +
  "gets the text as written";

export default definePlugin({
  async detect(ctx) {
    return { installed: (await ctx.files.read(ctx.paths.config)) !== undefined };
  },

  async read(ctx) {
    const file = await loadServerFile(ctx, ctx.paths.config, TABLE);
    if (file.error) return { items: [], errors: [{ ...file.error, scopes: ["user"] }] };
    return { items: serverItems(file.servers, "user", readServer) };
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
    const write = planFile(await loadServerFile(ctx, ctx.paths.config, TABLE), mine, notes);
    return { writes: write ? [write] : [], notes };
  },
});

// ---------------------------------------------------------------------------------------------
// Reading

/** Parses the file as the app does (`JSON.parse`); throws {@linkcode ConfigParseError}. */
function parseConfig(body: string, file: string): Json {
  const data = parseJsonc(body, file, { comments: false });
  if (!isPlain(data)) {
    throw new ConfigParseError(file, "the configuration must be a JSON object", 1, 1);
  }
  checkTable(data, "mcpServers", body, file);
  return data;
}

/**
 * One entry as a canonical server; `undefined` for anything that is not a local server the app
 * could start (no `command`, a remote `url` entry, not an object). Such entries are left alone.
 */
function readServer(raw: unknown): McpServer | undefined {
  if (!isPlain(raw) || !filled(raw.command)) return undefined;
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

/** `mcpServers` in the config file. */
const TABLE: ServerTable = {
  id: ID,
  key: "mcpServers",
  parse: parseConfig,
  read: readServer,
  build: (item, old) => buildEntry(item.value, old),
  own: (v) => ownPart(v, ID, { empties: true }),
};

function planFile(file: ServerFile, items: McpItem[], notes: Note[]): PlannedWrite | undefined {
  const entries: McpItem[] = [];
  /** Names whose entry, if the file has one, stays as it is. */
  const untouched = new Set<string>();
  for (const item of items) {
    const key = itemKey(item);
    if (item.value.transport !== "stdio") {
      notes.push({
        item: key,
        field: "transport",
        message: "Claude Desktop's configuration file holds local (stdio) servers only; add " +
          "remote servers as Connectors in the app (or bridge them with mcp-remote). Not written" +
          (Object.hasOwn(file.servers, item.name)
            ? "; the entry of that name in the file stays as it is"
            : ""),
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
    entries.push(item);
  }
  return planServers(file, entries, TABLE, notes, untouched);
}
