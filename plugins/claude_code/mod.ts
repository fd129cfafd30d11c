/**
 * The Claude Code plugin: MCP servers, `CLAUDE.md`, slash commands, subagents and skills.
 *
 * Where Claude Code keeps them (checked against Claude Code 2.1.332):
 *
 * - user MCP servers: `~/.claude.json` (`$CLAUDE_CONFIG_DIR/.claude.json`), top-level `mcpServers`;
 * - project MCP servers, two places that are both the project scope here:
 *   `<project>/.mcp.json` `mcpServers` (shared, committed) and `~/.claude.json`
 *   `projects["<abs project path>"].mcpServers` (Claude's private "local" scope). When a name is
 *   in both, Claude uses the local entry, so `read` reports that one and `plan` updates the entry
 *   where it lives; new project servers go to `.mcp.json`;
 * - instructions: `~/.claude/CLAUDE.md` and `<project>/CLAUDE.md`, whole files;
 * - commands, subagents and skills: `~/.claude/{commands,agents,skills}/` and
 *   `<project>/.claude/{commands,agents,skills}/` (see `commands.ts`, and the contract's skill helpers).
 *   `$CLAUDE_CONFIG_DIR` replaces `~/.claude`. Claude Code folded commands into skills, but
 *   `commands/` is still read (2.1.332 lists those commands), so commands stay commands.
 *
 * `~/.claude.json` is Claude's runtime state (sign-in, per-project history and trust), rewritten
 * by Claude itself: only `mcpServers` objects are edited, through {@linkcode editJson}, so every
 * other byte stays as it was. Claude's env-reference syntax (`${VAR}`, `${VAR:-default}`) is the
 * canonical one, so strings are copied both ways unchanged; a bare `$VAR` is literal text in both.
 *
 * @module
 */
import {
  type Context,
  definePlugin,
  editJson,
  findNodeAtLocation,
  folderSetResult,
  type FolderSetRules,
  isPlain,
  isStringRecord,
  isStrings,
  type Item,
  itemKey,
  type Json,
  type JsonFile,
  lineCol,
  loadJsonFile,
  type McpServer,
  type MdDoc,
  type Note,
  parseTree,
  planFolderSet,
  planInstructions,
  type PlannedWrite,
  type ReadError,
  readFolderSet,
  readInstructions,
  type ReadResult,
  sameValue,
  validItem,
} from "../_contract.ts";
import { AGENT_RULES, COMMAND_RULES } from "./commands.ts";

const ID = "claude_code";

type Transport = McpServer["transport"];
type OAuth = NonNullable<McpServer["oauth"]>;

/** One `mcpServers` object inside a file. */
interface Table {
  file: JsonFile;
  path: string[];
  servers: Json;
}

/** The MCP servers of one scope: their tables in Claude's precedence order (first wins). */
interface ScopeLayout {
  scope: string;
  tables: Table[];
  /** Where new servers of this scope are written. */
  target: JsonFile;
  /** A file holding this scope failed to parse or has the wrong shape: never edit the scope. */
  broken: boolean;
}

interface Layout {
  files: JsonFile[];
  scopes: ScopeLayout[];
  /** Every project Claude itself knows (`projects` keys of `~/.claude.json`). */
  projects: string[];
  errors: ReadError[];
}

/** A named server of a scope, as Claude resolves it. */
interface Entry {
  name: string;
  table: Table;
  raw: unknown;
  /** `undefined` when the entry cannot be mapped (`"type": "ws"`, no command, not an object). */
  value?: McpServer;
  /** Same-named entries of lower-precedence tables, which Claude ignores. */
  shadowed: Table[];
}

/** The Claude Code plugin: `detect`, `read` and `plan` over the files above. */
export default definePlugin({
  async detect(ctx) {
    for (const path of [ctx.paths.state, ctx.paths.instructions]) {
      if ((await ctx.files.read(path)) !== undefined) return { installed: true };
    }
    for (const path of [ctx.paths.commands, ctx.paths.agents, ctx.paths.skills]) {
      if ((await ctx.files.stat(path))?.isDirectory) return { installed: true };
    }
    return { installed: false };
  },

  async read(ctx) {
    const layout = await load(ctx);
    const items: Item[] = [];
    for (const s of layout.scopes) {
      for (const e of entries(s).values()) {
        if (e.value) items.push({ kind: "mcp", scope: s.scope, name: e.name, value: e.value });
      }
    }
    for (const [scope, path] of instructionPaths(ctx)) {
      items.push(...await readInstructions(ctx, path, scope));
    }
    const folders = folderSetResult(await readFolderSet(ctx, FOLDERS));
    items.push(...folders.items);
    const errors = [...layout.errors, ...folders.errors];
    const result: ReadResult = { items, projects: layout.projects };
    if (errors.length) result.errors = errors;
    return result;
  },

  async plan(desired, ctx) {
    const layout = await load(ctx);
    const notes: Note[] = [];
    const wanted = new Map(layout.scopes.map((s) => [s.scope, new Map<string, McpServer>()]));
    for (const item of desired.items) {
      if (item.kind !== "mcp" || !wanted.has(item.scope)) continue;
      wanted.get(item.scope)!.set(item.name, item.value);
      notes.push(...lossyNotes(item.value, itemKey(item)));
    }
    for (const s of layout.scopes) {
      if (!s.broken) planScope(s, wanted.get(s.scope)!, notes);
    }
    const writes: PlannedWrite[] = [];
    for (const f of layout.files) {
      if (f.next === undefined || f.next === f.text) continue;
      // A new ~/.claude.json gets the mode Claude Code gives it (it holds tokens); a project's
      // .mcp.json, meant to be shared, the usual one.
      const own = f.text === undefined && f.path === ctx.paths.state;
      writes.push({ path: f.path, content: f.next, ...(own ? { mode: 0o600 } : {}) });
    }
    for (const [scope, path] of instructionPaths(ctx)) {
      const item = desired.items.find((i) =>
        i.kind === "instructions" && i.scope === scope && i.name === "main"
      );
      const memoryWrite = await planInstructions(ctx, path, item);
      if (memoryWrite) writes.push(memoryWrite);
    }
    const folders = await readFolderSet(ctx, FOLDERS);
    writes.push(...await planFolderSet(ctx, folders, desired.items, FOLDERS, notes));
    return { writes, notes };
  },
});

// ---------------------------------------------------------------------------------------------
// Commands, subagents and skills

/** The commands, agents and skills folders of `~/.claude/` and `{project}/.claude/`. */
const FOLDERS: FolderSetRules<MdDoc> = {
  client: "Claude Code",
  folder: ".claude",
  commands: COMMAND_RULES,
  agents: AGENT_RULES,
  skills: {
    client: "Claude Code",
    refuse: (name) =>
      name === "synced"
        ? "the folder name synced is reserved"
        : name.includes(":")
        ? "Claude Code skips skill folders with a colon in their name"
        : undefined,
  },
};

// ---------------------------------------------------------------------------------------------
// Files and layout

async function load(ctx: Context): Promise<Layout> {
  const errors: ReadError[] = [];
  const projectScopes = ctx.projects.map((p) => `project:${p.root}`);
  // ~/.claude.json holds the user scope and every project's local scope.
  const state = await loadJsonFile(ctx, ctx.paths.state, ["user", ...projectScopes], {
    comments: false,
  });
  const files = [state];
  if (state.error) errors.push(state.error);
  const user: ScopeLayout = { scope: "user", tables: [], target: state, broken: !!state.error };
  addTable(user, state, ["mcpServers"], errors);
  const scopes = [user];
  const known = isPlain(state.data?.projects) ? state.data.projects : {};
  for (const p of ctx.projects) {
    const scope = `project:${p.root}`;
    const mcp = await loadJsonFile(ctx, p.paths.mcp, [scope], { comments: false });
    files.push(mcp);
    if (mcp.error) errors.push(mcp.error);
    const s: ScopeLayout = { scope, tables: [], target: mcp, broken: !!state.error || !!mcp.error };
    const key = projectKey(known, p.root, ctx.os);
    if (key !== undefined && isPlain(known[key])) {
      addTable(s, state, ["projects", key, "mcpServers"], errors);
    }
    addTable(s, mcp, ["mcpServers"], errors);
    scopes.push(s);
  }
  return { files, scopes, projects: projectRoots(Object.keys(known), ctx.os), errors };
}

function addTable(s: ScopeLayout, file: JsonFile, path: string[], errors: ReadError[]) {
  if (!file.data) return;
  let v: unknown = file.data;
  for (const p of path) v = isPlain(v) && Object.hasOwn(v, p) ? v[p] : undefined;
  if (v === undefined) return;
  if (isPlain(v)) {
    s.tables.push({ file, path, servers: v });
    return;
  }
  const error: ReadError = {
    file: file.path,
    message: `Cannot read "${file.path}": ${jsonPath(path)} is not an object`,
    scopes: [s.scope],
  };
  const tree = parseTree(file.text!);
  const node = tree && findNodeAtLocation(tree, path);
  if (node) [error.line, error.column] = lineCol(file.text!, node.offset);
  errors.push(error);
  s.broken = true;
}

/** The key of `projects` that names `root` (Claude may spell it with a trailing slash). */
function projectKey(projects: Json, root: string, os: Context["os"]): string | undefined {
  if (Object.hasOwn(projects, root)) return root;
  const norm = (p: string) => {
    const q = p.replace(/[\\/]+$/, "");
    return os === "windows" ? q.replaceAll("\\", "/").toLowerCase() : q;
  };
  return Object.keys(projects).find((k) => norm(k) === norm(root));
}

/** Claude's project keys as project roots of this OS: absolute, no trailing separator. */
function projectRoots(keys: string[], os: Context["os"]): string[] {
  const roots = new Set<string>();
  for (const key of keys) {
    if (os === "windows") {
      // Claude writes `C:/x/y`; scopes spell Windows paths with backslashes.
      if (/^[A-Za-z]:[\\/]/.test(key)) {
        roots.add(key.replaceAll("/", "\\").replace(/([^:\\])\\+$/, "$1"));
      }
    } else if (key.startsWith("/")) roots.add(key.replace(/(.)\/+$/, "$1"));
  }
  return [...roots];
}

function instructionPaths(ctx: Context): [string, string][] {
  return [
    ["user", ctx.paths.instructions],
    ...ctx.projects.map((p): [string, string] => [`project:${p.root}`, p.paths.instructions]),
  ];
}

/** The servers of a scope by name, resolved the way Claude does (local over `.mcp.json`). */
function entries(s: ScopeLayout): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const table of s.tables) {
    for (const [name, raw] of Object.entries(table.servers)) {
      const seen = out.get(name);
      if (seen) {
        seen.shadowed.push(table);
        continue;
      }
      const value = toCanonical(raw, s.scope, name);
      out.set(name, { name, table, raw, value, shadowed: [] });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Planning

function planScope(s: ScopeLayout, wanted: Map<string, McpServer>, notes: Note[]) {
  const have = entries(s);
  for (const e of have.values()) {
    const want = wanted.get(e.name);
    if (!e.value) {
      // Never read, so never reported: leave it exactly as it is.
      if (want) {
        notes.push({
          item: itemKey({ kind: "mcp", scope: s.scope, name: e.name }),
          message: "Claude Code already has an entry of this name that aisync cannot map " +
            '(for example "type": "ws"); it was left unchanged',
        });
      }
      continue;
    }
    if (want === undefined) {
      remove(e.table.file, [...e.table.path, e.name]);
      // A shadowed copy would come back once the winner is gone; unmappable ones stay.
      for (const t of e.shadowed) {
        if (toCanonical(t.servers[e.name], s.scope, e.name)) remove(t.file, [...t.path, e.name]);
      }
    } else if (!sameValue(own(e.value), own(want))) {
      // Field by field inside the entry: untouched members keep their bytes.
      const file = e.table.file;
      file.next = editJson(file.next!, [...e.table.path, e.name], toNative(want, e.raw));
    }
  }
  for (const [name, want] of wanted) {
    if (have.has(name)) continue;
    const file = s.target;
    if (file.next === undefined) {
      file.next = JSON.stringify({ mcpServers: { [name]: toNative(want) } }, null, 2) + "\n";
    } else {
      // After the last server, in the file's layout; `mcpServers` is created when missing.
      file.next = editJson(file.next, ["mcpServers", name], toNative(want));
    }
  }
}

/** Removes a server with its line(s); the comment of the one before it stays. */
function remove(file: JsonFile, path: string[]) {
  file.next = editJson(file.next!, path, undefined);
}

/**
 * What of a value decides Claude's entry: other clients' extras, `enabled: true` and empty
 * `args`/`env`/`headers` do not, so a difference there alone rewrites nothing.
 */
function own(v: McpServer): McpServer {
  const { extras, ...rest } = v;
  const out: McpServer = extras?.[ID] ? { ...rest, extras: { [ID]: extras[ID] } } : rest;
  if (out.enabled === true) delete out.enabled;
  if (out.args?.length === 0) delete out.args;
  if (out.env && !Object.keys(out.env).length) delete out.env;
  if (out.headers && !Object.keys(out.headers).length) delete out.headers;
  return out;
}

/** What Claude Code cannot express of a server, as lossy notes. */
function lossyNotes(v: McpServer, item: string): Note[] {
  const notes: Note[] = [];
  const note = (field: string, message: string) => notes.push({ item, field, message });
  if (v.enabled === false) {
    note(
      "enabled",
      "Claude Code keeps no disabled flag in a server entry (it disables servers per project " +
        "with /mcp); the server is written enabled",
    );
  }
  if (v.cwd !== undefined) {
    note("cwd", "Claude Code has no working folder setting for MCP servers; cwd is not written");
  }
  if (v.startupTimeoutMs !== undefined) {
    note(
      "startupTimeoutMs",
      "Claude Code has only a global startup timeout (the MCP_TIMEOUT environment variable); " +
        "startupTimeoutMs is not written",
    );
  }
  if (v.tools?.allow !== undefined || v.tools?.deny !== undefined) {
    note(
      "tools",
      "Claude Code keeps tool rules in settings permissions (mcp__<server>__<tool>), not in the " +
        "server entry; tools is not written",
    );
  }
  const unused = v.transport === "stdio"
    ? (["url", "headers", "oauth"] as const)
    : (["command", "args", "env"] as const);
  for (const field of unused) {
    if (v[field] !== undefined) {
      note(field, `Claude Code has no ${field} for ${v.transport} servers; it is not written`);
    }
  }
  if (v.transport !== "stdio" && v.oauth?.resource !== undefined) {
    note("oauth.resource", "Claude Code has no OAuth resource setting; it is not written");
  }
  if (v.transport !== "stdio" && v.oauth?.scopes?.length === 0) {
    note("oauth.scopes", "Claude Code cannot write an empty OAuth scope list; it is not written");
  }
  return notes;
}

// ---------------------------------------------------------------------------------------------
// Entry mapping

/** Claude's transport of an entry: no `type` is stdio, or http when there is only a url. */
function transportOf(raw: Json): Transport | undefined {
  const t = raw.type;
  if (t === undefined) {
    if (typeof raw.command === "string") return "stdio";
    // Claude skips a url without type; it is read as http and kept as it is until it changes.
    return typeof raw.url === "string" ? "http" : undefined;
  }
  if (t === "stdio") return "stdio";
  if (t === "http" || t === "streamable-http") return "http";
  return t === "sse" ? "sse" : undefined;
}

/** A native entry to a canonical server, or `undefined` when it cannot be mapped. */
function toCanonical(raw: unknown, scope: string, name: string): McpServer | undefined {
  if (!isPlain(raw)) return undefined;
  const transport = transportOf(raw);
  if (!transport) return undefined;
  const stdio = transport === "stdio";
  const v: McpServer = { transport };
  const extra: Json = {};
  for (const [k, x] of Object.entries(raw)) {
    if (k === "type") continue;
    if (stdio && k === "command" && typeof x === "string" && x !== "") v.command = x;
    else if (stdio && k === "args" && isStrings(x)) {
      if (x.length) v.args = x;
    } else if (stdio && k === "env" && isStringRecord(x)) {
      if (Object.keys(x).length) v.env = x;
    } else if (!stdio && k === "url" && typeof x === "string" && x !== "") v.url = x;
    else if (!stdio && k === "headers" && isStringRecord(x)) {
      if (Object.keys(x).length) v.headers = x;
    } else if (k === "timeout" && typeof x === "number" && Number.isFinite(x) && x >= 0) {
      v.toolTimeoutMs = x;
    } else if (!stdio && k === "oauth" && isPlain(x)) {
      const [oauth, rest] = oauthToCanonical(x);
      if (oauth) v.oauth = oauth;
      if (rest) extra.oauth = rest;
    } else {
      // headersHelper, alwaysLoad, cwd, tools, anything Claude adds later: kept verbatim.
      extra[k] = x;
    }
  }
  if (Object.keys(extra).length) v.extras = { [ID]: extra };
  const item = { kind: "mcp" as const, scope, name, value: v };
  return validItem(item) ? v : undefined;
}

function oauthToCanonical(x: Json): [OAuth | undefined, Json | undefined] {
  const oauth: OAuth = {};
  const rest: Json = {};
  for (const [k, y] of Object.entries(x)) {
    if (k === "clientId" && typeof y === "string") oauth.clientId = y;
    else if (k === "callbackPort" && Number.isInteger(y)) oauth.callbackPort = y as number;
    else if (k === "authServerMetadataUrl" && typeof y === "string") {
      oauth.authServerMetadataUrl = y;
    } else if (k === "scopes" && typeof y === "string" && splitScopes(y).length) {
      oauth.scopes = splitScopes(y);
    } else rest[k] = y;
  }
  // An oauth object with nothing canonical in it (even `{}`) is kept whole in the extras.
  if (!Object.keys(oauth).length) return [undefined, x];
  return [oauth, Object.keys(rest).length ? rest : undefined];
}

/**
 * A canonical server to a native entry, the way `claude mcp add` writes one. With `current`
 * (the entry it replaces) the file's own spellings of equal values are kept: no `type` on a
 * stdio entry, `"streamable-http"`, empty `args`/`env`, the scope string's spacing.
 */
function toNative(v: McpServer, current?: unknown): Json {
  const cur = isPlain(current) && transportOf(current) === v.transport ? current : undefined;
  const extra = v.extras?.[ID] ?? {};
  const out: Json = {};
  if (!cur) out.type = v.transport;
  else if (cur.type !== undefined) out.type = cur.type;
  // A url without type is skipped by Claude: fix it now that the entry is rewritten anyway.
  else if (v.transport !== "stdio") out.type = v.transport;
  // `claude mcp add` writes `"args": []` and `"env": {}` for a bare command, no `headers: {}`.
  const keepEmpty = (key: string, isShape: (x: unknown) => boolean, fresh: boolean) =>
    !Object.hasOwn(extra, key) && (cur ? isShape(cur[key]) : fresh);
  if (v.transport === "stdio") {
    out.command = v.command;
    if (v.args?.length) out.args = v.args;
    else if (keepEmpty("args", Array.isArray, true)) out.args = [];
    if (v.env && Object.keys(v.env).length) out.env = v.env;
    else if (keepEmpty("env", isPlain, true)) out.env = {};
  } else {
    out.url = v.url;
    if (v.headers && Object.keys(v.headers).length) out.headers = v.headers;
    else if (keepEmpty("headers", isPlain, false)) out.headers = {};
  }
  if (v.toolTimeoutMs !== undefined) out.timeout = v.toolTimeoutMs;
  if (v.transport !== "stdio" && v.oauth) {
    const oauth = oauthToNative(v.oauth, cur?.oauth);
    if (Object.keys(oauth).length) out.oauth = oauth;
  }
  for (const [k, x] of Object.entries(extra)) {
    if (!Object.hasOwn(out, k)) out[k] = x;
    else if (k === "oauth" && isPlain(out.oauth) && isPlain(x)) {
      for (const [ok, ox] of Object.entries(x)) {
        if (!Object.hasOwn(out.oauth, ok)) out.oauth[ok] = ox;
      }
    }
  }
  return out;
}

function oauthToNative(o: OAuth, current: unknown): Json {
  const out: Json = {};
  if (o.clientId !== undefined) out.clientId = o.clientId;
  if (o.callbackPort !== undefined) out.callbackPort = o.callbackPort;
  if (o.authServerMetadataUrl !== undefined) out.authServerMetadataUrl = o.authServerMetadataUrl;
  if (o.scopes?.length) {
    // Claude keeps scopes as one space-separated string.
    const was = isPlain(current) ? current.scopes : undefined;
    out.scopes = typeof was === "string" && sameValue(splitScopes(was), o.scopes)
      ? was
      : o.scopes.join(" ");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function splitScopes(s: string): string[] {
  return s.split(/\s+/).filter((x) => x !== "");
}

function jsonPath(path: string[]): string {
  return path.map((p, i) =>
    /^[A-Za-z_$][\w$]*$/.test(p) ? (i ? "." : "") + p : `[${JSON.stringify(p)}]`
  ).join("");
}
