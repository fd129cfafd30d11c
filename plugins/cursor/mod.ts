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
  EntryWriter,
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
  mapValues,
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
  type RefSyntax,
  serverItems,
  type ServerTable,
} from "../_contract.ts";
import { FOLDERS } from "./folders.ts";

const ID = "cursor";
/** Cursor's own variables: not environment references, kept as they are both ways. */
const CURSOR_VARS = new Set([
  "userHome",
  "workspaceFolder",
  "workspaceFolderBasename",
  "pathSeparator",
]);
const CURSOR_ENV = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;
const KEY_ORDER = ["type", "command", "args", "env", "envFile", "url", "headers"];

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
      const file = await loadServerFile(ctx, mcp, TABLE);
      // mcp.json holds servers only: a broken one leaves the other kinds alone.
      if (file.error) errors.push({ ...file.error, scopes: [scope], kinds: ["mcp"] });
      else items.push(...serverItems(file.servers, scope, readServer));
      if (instructions) {
        items.push(...await readInstructions(ctx, instructions, scope));
      }
    }
    const folders = folderSetResult(await readFolderSet(ctx, FOLDERS));
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
      const write = planServers(await loadServerFile(ctx, mcp, TABLE), servers, TABLE, notes);
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
      const memoryWrite = await planInstructions(ctx, instructions, memory);
      if (memoryWrite) writes.push(memoryWrite);
    }
    const folders = await readFolderSet(ctx, FOLDERS);
    writes.push(...await planFolderSet(ctx, folders, desired.items, FOLDERS, notes));
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

/** Parses `mcp.json`; comments and trailing commas are accepted as VS Code's editors do. */
function parseMcp(body: string, file: string): Json {
  const data = parseJsonc(body, file, { comments: true });
  if (!isPlain(data)) throw new ConfigParseError(file, "mcp.json must be a JSON object", 1, 1);
  if (data.mcpServers !== undefined && !isPlain(data.mcpServers)) {
    throw new ConfigParseError(file, '"mcpServers" must be an object');
  }
  return data;
}

// ---------------------------------------------------------------------------------------------
// Reading servers

/** The transport of an entry; `undefined` when it has neither a url nor a command. */
function transportOf(raw: Json): McpServer["transport"] | undefined {
  const url = filled(raw.url), command = filled(raw.command);
  if (command && (!url || raw.type === "stdio")) return "stdio";
  if (url) return raw.type === "sse" ? "sse" : "http";
  return undefined;
}

function readServer(raw: unknown): McpServer | undefined {
  if (!isPlain(raw)) return undefined;
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

/** Cursor's spelling of references. */
const SYNTAX: RefSyntax = { read: fromCursor, write: toCursor };

// ---------------------------------------------------------------------------------------------
// Planning

function buildEntry(item: McpItem, old: Json | undefined, notes: Note[]): Json {
  const v = item.value;
  const w = new EntryWriter(item, notes, SYNTAX);
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

/**
 * `mcpServers` in `mcp.json`. `enabled` is not in the file (kept in Cursor's UI); an unchanged
 * entry is still built for the notes of what the file cannot hold.
 */
const TABLE: ServerTable = {
  id: ID,
  key: "mcpServers",
  parse: parseMcp,
  read: readServer,
  build: buildEntry,
  own: (v) => ownPart(v, ID, { enabled: "any" }),
  noteUnchanged: true,
};
