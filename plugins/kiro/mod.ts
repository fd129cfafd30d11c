/**
 * Kiro (IDE and CLI; the CLI was Amazon Q Developer CLI): MCP servers in `mcp.json` (user and
 * workspace), `AGENTS.md` instructions, and prompts, custom agents and skills in the `.kiro/`
 * folders (see `folders.ts`).
 *
 * Kiro is closed source and has no CLI on npm to check against. What this plugin relies on
 * (`../shared/docs/clients.md` §6–16, kiro.dev/docs/mcp/configuration and
 * kiro.dev/docs/cli/mcp/configuration, the real file in the corpus):
 *
 * - `~/.kiro/settings/mcp.json` and `{project}/.kiro/settings/mcp.json` (the workspace wins),
 *   key `mcpServers`. Local servers: `command`, `args`, `env`. Remote servers: `url`, `headers`
 *   (Kiro picks Streamable HTTP or SSE itself), `oauth: {clientId}` and `oauthScopes`. Both:
 *   `disabled`, `autoApprove` (tools run without asking: no canonical field, kept as an extra)
 *   and `disabledTools` (canonical `tools.deny`).
 * - References are `${VAR}`, the canonical form (Kiro expands only the variables the user
 *   approved in its settings); there are no defaults, so `${VAR:-x}` gets a note.
 * - `AGENTS.md` is read at the workspace root and in the global steering folder
 *   `~/.kiro/steering/`, with no inclusion modes (always included). Other steering files
 *   (`.kiro/steering/*.md`, with `inclusion` front matter) are Kiro's own and are left alone.
 * - Kiro's CLI parses the file with serde_json: comments and trailing commas are errors.
 *
 * @module
 */
import {
  checkTable,
  ConfigParseError,
  type Context,
  definePlugin,
  ENV_REF,
  filled,
  folderSetResult,
  isPlain,
  isStringRecord,
  isStrings,
  type Item,
  itemKey,
  type Json,
  loadServerFile,
  type McpItem,
  type McpServer,
  type Note,
  ordered,
  ownPart,
  parseJsonc,
  planFolderSet,
  planInstructions,
  type PlannedWrite,
  planServers,
  put,
  type ReadError,
  readFolderSet,
  readInstructions,
  serverItems,
  type ServerTable,
  unknownScopeNotes,
} from "../_contract.ts";
import { FOLDERS } from "./folders.ts";

const ID = "kiro";
/** Key order of Kiro's documentation examples, used for entries this plugin creates. */
const KEY_ORDER = [
  "command",
  "args",
  "env",
  "url",
  "headers",
  "oauth",
  "oauthScopes",
  "disabled",
  "autoApprove",
  "disabledTools",
];

/** One scope and its files. */
interface Where {
  scope: string;
  /** Absent for a project whose root is the home folder: its file is the user's. */
  mcp?: string;
  instructions: string;
}

export default definePlugin({
  async detect(ctx) {
    for (const path of [ctx.paths.mcp, ctx.paths.instructions]) {
      if ((await ctx.files.read(path)) !== undefined) return { installed: true };
    }
    for (const path of [ctx.paths.prompts, ctx.paths.agents, ctx.paths.skills]) {
      if ((await ctx.files.stat(path))?.isDirectory) return { installed: true };
    }
    return { installed: false };
  },

  async read(ctx) {
    const items: Item[] = [];
    const errors: ReadError[] = [];
    for (const w of where(ctx)) {
      if (w.mcp) {
        const file = await loadServerFile(ctx, w.mcp, TABLE);
        if (file.error) errors.push({ ...file.error, scopes: [w.scope], kinds: ["mcp"] });
        items.push(...serverItems(file.servers, w.scope, readServer));
      }
      items.push(...await readInstructions(ctx, w.instructions, w.scope));
    }
    const folders = folderSetResult(await readFolderSet(ctx, FOLDERS));
    items.push(...folders.items);
    errors.push(...folders.errors);
    return errors.length ? { items, errors } : { items };
  },

  async plan(desired, ctx) {
    const writes: PlannedWrite[] = [];
    const notes: Note[] = unknownScopeNotes(
      desired.items,
      where(ctx).map((w) => w.scope),
      "Kiro",
    );
    for (const w of where(ctx)) {
      const mine = desired.items.filter((i) => i.scope === w.scope);
      const servers = mine.filter((i): i is McpItem => i.kind === "mcp");
      if (w.mcp) {
        for (const item of servers) lossyNotes(item, notes);
        const write = planServers(await loadServerFile(ctx, w.mcp, TABLE), servers, TABLE, notes);
        if (write) writes.push(write);
      } else {
        for (const item of servers) {
          notes.push({
            item: itemKey(item),
            message: "this project is the home folder, whose .kiro/settings/mcp.json is the " +
              "user's file; the server is not written",
          });
        }
      }
      const memory = mine.find((i) => i.kind === "instructions");
      const memoryWrite = await planInstructions(ctx, w.instructions, memory);
      if (memoryWrite) writes.push(memoryWrite);
    }
    const folders = await readFolderSet(ctx, FOLDERS);
    writes.push(...await planFolderSet(ctx, folders, desired.items, FOLDERS, notes));
    return { writes, notes };
  },
});

function where(ctx: Context): Where[] {
  return [
    { scope: "user", mcp: ctx.paths.mcp, instructions: ctx.paths.instructions },
    ...ctx.projects.map((p) => ({
      scope: `project:${p.root}`,
      mcp: p.paths.mcp === ctx.paths.mcp ? undefined : p.paths.mcp,
      instructions: p.paths.instructions,
    })),
  ];
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Parses an `mcp.json` as Kiro's serde_json does; throws {@linkcode ConfigParseError}. */
function parseMcp(body: string, file: string): Json {
  const data = parseJsonc(body, file, { comments: false });
  if (!isPlain(data)) throw new ConfigParseError(file, "mcp.json must be a JSON object", 1, 1);
  checkTable(data, "mcpServers", body, file);
  return data;
}

/**
 * One entry as a canonical server: a `command` makes it local, else a `url` remote. Anything
 * else (not an object, neither key) is not a server Kiro could start, and is left alone.
 */
function readServer(raw: unknown): McpServer | undefined {
  if (!isPlain(raw)) return undefined;
  const transport = filled(raw.command) ? "stdio" : filled(raw.url) ? "http" : undefined;
  if (!transport) return undefined;
  const stdio = transport === "stdio";
  const value: McpServer = { transport };
  const extras: Json = {};
  for (const [key, field] of Object.entries(raw)) {
    let mapped = false;
    switch (key) {
      case "command":
        mapped = stdio;
        if (mapped) value.command = field as string;
        break;
      case "url":
        mapped = !stdio;
        if (mapped) value.url = field as string;
        break;
      case "args":
        if (stdio && isStrings(field)) {
          mapped = true;
          // Canonical values are minimal: empty lists and maps say nothing (they are kept).
          if (field.length) value.args = field;
        }
        break;
      case "env":
        if (isStringRecord(field)) {
          mapped = true;
          if (Object.keys(field).length) value.env = field;
        }
        break;
      case "headers":
        if (!stdio && isStringRecord(field)) {
          mapped = true;
          if (Object.keys(field).length) value.headers = field;
        }
        break;
      case "disabled":
        mapped = typeof field === "boolean";
        if (field === true) value.enabled = false;
        break;
      case "disabledTools":
        if (isStrings(field)) {
          mapped = true;
          if (field.length) value.tools = { ...value.tools, deny: field };
        }
        break;
      case "oauthScopes":
        if (!stdio && isStrings(field)) {
          mapped = true;
          value.oauth = { ...value.oauth, scopes: field };
        }
        break;
      case "oauth":
        mapped = !stdio && isPlain(field);
        if (mapped) readOAuth(value, field as Json, extras);
        break;
    }
    if (!mapped) put(extras, key, field);
  }
  if (Object.keys(extras).length) value.extras = { [ID]: extras };
  return value;
}

/** `oauth.clientId` is canonical; the rest of the object stays in `extras.oauth` as it is. */
function readOAuth(value: McpServer, field: Json, extras: Json): void {
  const rest: Json = {};
  for (const [k, v] of Object.entries(field)) {
    if (k === "clientId" && typeof v === "string") value.oauth = { ...value.oauth, clientId: v };
    else put(rest, k, v);
  }
  // An `oauth` with nothing mappable (even `{}`) is kept whole so it round-trips.
  if (Object.keys(rest).length || value.oauth?.clientId === undefined) extras.oauth = rest;
}

// ---------------------------------------------------------------------------------------------
// Planning

/** What Kiro cannot express of a server, as lossy notes. */
function lossyNotes(item: McpItem, notes: Note[]): void {
  const v = item.value;
  const note = (field: string, message: string) =>
    notes.push({ item: itemKey(item), field, message });
  const stdio = v.transport === "stdio";
  if (v.transport === "sse") {
    note(
      "transport",
      "Kiro picks the transport of a remote server itself (Streamable HTTP or SSE); the server " +
        "is written as a plain url and reads back as http",
    );
  }
  if (v.cwd !== undefined) note("cwd", "Kiro's mcp.json has no working folder for a server");
  for (const f of ["startupTimeoutMs", "toolTimeoutMs"] as const) {
    if (v[f] !== undefined) note(f, "Kiro documents no timeout setting in mcp.json");
  }
  if (v.tools?.allow) {
    note(
      "tools.allow",
      "Kiro has no list of allowed tools (autoApprove only skips the prompt); not written",
    );
  }
  if (stdio && v.url !== undefined) note("url", "a local server's url is not written");
  if (stdio && v.headers) note("headers", "Kiro sends headers to remote servers only");
  if (!stdio && v.command !== undefined) {
    note("command", "Kiro runs no command for a remote server; not written");
  }
  if (!stdio && v.args) note("args", "Kiro runs no command for a remote server; not written");
  if (v.oauth) {
    if (stdio) note("oauth", "Kiro uses OAuth for remote servers only; not written");
    for (const f of ["callbackPort", "authServerMetadataUrl", "resource"] as const) {
      if (!stdio && v.oauth[f] !== undefined) {
        note(`oauth.${f}`, "Kiro's oauth setting has a client id only; not written");
      }
    }
  }
  const strings: [string, string][] = [
    ["command", v.command ?? ""],
    ["url", v.url ?? ""],
    ...(v.args ?? []).map((a, i) => [`args[${i}]`, a] as [string, string]),
    ...Object.entries(v.env ?? {}).map(([k, s]) => [`env.${k}`, s] as [string, string]),
    ...Object.entries(v.headers ?? {}).map(([k, s]) => [`headers.${k}`, s] as [string, string]),
  ];
  for (const [field, text] of strings) {
    for (const m of text.matchAll(ENV_REF)) {
      if (m[2] !== undefined) {
        note(field, `Kiro has no default values for references; "${m[0]}" is written as it is`);
      }
    }
  }
  for (const f of ["args", "env", "headers"] as const) {
    const x = v[f];
    if (x && (Array.isArray(x) ? !x.length : !Object.keys(x).length)) {
      note(f, `an empty ${f} reads back as none`);
    }
  }
  if (v.tools?.deny?.length === 0) note("tools.deny", "an empty list reads back as none");
}

/**
 * A canonical server as a Kiro entry. `old` is the entry in the file: empty `args`/`env`/
 * `headers`/`disabledTools` and a `disabled` key that it has stay, as Kiro writes them.
 */
function buildEntry(v: McpServer, old: Json | undefined): Json {
  const extras = { ...(v.extras?.[ID] ?? {}) } as Json;
  const out: Json = {};
  const keepEmpty = (key: string) => {
    const x = old?.[key];
    if (Array.isArray(x) ? !x.length : isPlain(x) && !Object.keys(x).length) out[key] = x;
  };
  if (v.transport === "stdio") {
    out.command = v.command;
    if (v.args) out.args = v.args;
    else keepEmpty("args");
  } else {
    out.url = v.url;
    if (v.headers) out.headers = v.headers;
    else keepEmpty("headers");
  }
  if (v.env) out.env = v.env;
  else keepEmpty("env");
  if (v.transport !== "stdio" && v.oauth) {
    // The unmapped part of `oauth` (or all of it) is in the extras; the client id joins it.
    const kept = isPlain(extras.oauth) ? extras.oauth : undefined;
    delete extras.oauth;
    if (v.oauth.clientId !== undefined) out.oauth = { clientId: v.oauth.clientId, ...kept };
    else if (kept) out.oauth = kept;
    if (v.oauth.scopes) out.oauthScopes = v.oauth.scopes;
  }
  if (v.enabled === false) out.disabled = true;
  // Turning a server back on keeps the key, as Kiro's own toggle does.
  else if (typeof old?.disabled === "boolean") out.disabled = false;
  if (v.tools?.deny) out.disabledTools = v.tools.deny;
  else keepEmpty("disabledTools");
  for (const [k, x] of Object.entries(extras)) if (!Object.hasOwn(out, k)) put(out, k, x);
  return ordered(out, KEY_ORDER);
}

/** `mcpServers` in an `mcp.json`. */
const TABLE: ServerTable = {
  id: ID,
  key: "mcpServers",
  parse: parseMcp,
  read: readServer,
  build: (item, old) => buildEntry(item.value, old),
  own: (v) => ownPart(v, ID, { empties: true, enabled: "on" }),
};
