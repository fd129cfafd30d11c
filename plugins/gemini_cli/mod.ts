/**
 * Gemini CLI: MCP servers in `settings.json` (user and project), their on/off state, the
 * `GEMINI.md` memory files, and custom commands, subagents and skills (see `commands.ts`).
 *
 * What this plugin relies on, checked in the bundle of Gemini CLI 0.61.0 and with its CLI:
 *
 * - `createUrlTransport` takes `httpUrl` first (streamable HTTP, deprecated), then `url` with
 *   `type: "sse"` (SSE) or any other `type` or none (streamable HTTP); `command` (stdio) only
 *   when there is no URL. `gemini mcp add` writes `url` + `type`.
 * - Every string of a settings file is expanded on load with
 *   `/\$(?:(\w+)|{([^}]+?)(?::-([^}]*))?})/`: `$VAR`, `${VAR}` and `${VAR:-default}`; an unset
 *   variable without a default stays as written. There is no escape for `$`.
 * - Settings are read with strip-json-comments and `JSON.parse`: comments yes, trailing commas
 *   and a byte order mark no (exit 52).
 * - `gemini mcp disable <name>` writes `{"<name, lower case>": {"enabled": false}}` into
 *   `~/.gemini/mcp-server-enablement.json` (one file for every scope, read with `JSON.parse`);
 *   `enable` deletes the key. Servers are also blocked by `mcp.excluded` and by an `mcp.allowed`
 *   list that does not name them (names compared in lower case, lists of all scopes combined).
 * - `GEMINI_CLI_HOME` replaces the home folder that holds `.gemini/`.
 * - Project settings are ignored when the project folder is that home folder.
 * - `context.fileName` adds file names to `GEMINI.md` (which stays on the list); the memory tool
 *   writes to the first of them.
 *
 * @module
 */
import {
  bodyWrite,
  ConfigParseError,
  type Context,
  definePlugin,
  editJson,
  EntryWriter,
  ENV_REF,
  isPlain,
  isStringRecord,
  isStrings,
  type Item,
  itemKey,
  type Json,
  lineCol,
  loadServerFile,
  mapValues,
  type McpItem,
  type McpServer,
  type Note,
  ordered,
  ownPart,
  parseError,
  parseJsonc,
  parses,
  planInstructions,
  type PlannedWrite,
  put,
  type ReadError,
  readInstructions,
  readOAuth,
  type RefSyntax,
  type ServerFile,
  serversBody,
  type ServerTable,
  validName,
} from "../_contract.ts";
import { folderResult, loadFolders, planFolders } from "./commands.ts";

const ID = "gemini_cli";
const BOM = "\uFEFF";
/** Gemini's own reference pattern (`packages/cli/src/utils/envVarResolver.ts`). */
const GEMINI_REF = /\$(?:(\w+)|\{([^}]+?)(?::-([^}]*))?\})/g;
/** Key order of `gemini mcp add`, used for entries this plugin creates. */
const KEY_ORDER = [
  "command",
  "args",
  "env",
  "cwd",
  "url",
  "httpUrl",
  "type",
  "headers",
  "timeout",
  "trust",
  "description",
  "includeTools",
  "excludeTools",
  "oauth",
];
const OAUTH_ORDER = [
  "enabled",
  "clientId",
  "clientSecret",
  "authorizationUrl",
  "tokenUrl",
  "scopes",
];

/** One scope and the files that hold it. */
interface ScopeFiles {
  scope: string;
  /** Absent when Gemini does not read this scope's settings (a project that is the home). */
  settings?: string;
  instructions: string;
}

/** The enablement file as read: its text, and either its data or why it cannot be used. */
interface Loaded {
  path: string;
  text?: string;
  data?: Json;
  error?: ReadError;
}

export default definePlugin({
  async detect(ctx) {
    for (const path of [ctx.paths.settings, ctx.paths.instructions, ctx.paths.enablement]) {
      if ((await ctx.files.read(path)) !== undefined) return { installed: true };
    }
    // Not `.agents/skills`: other clients share it.
    for (const path of [ctx.paths.commands, ctx.paths.agents, ctx.paths.skills]) {
      if ((await ctx.files.stat(path))?.isDirectory) return { installed: true };
    }
    return { installed: false };
  },

  async read(ctx) {
    const items: Item[] = [];
    const errors: ReadError[] = [];
    const enablement = await loadEnablement(ctx);
    if (enablement.error) errors.push(enablement.error);
    const user = await loadSettings(ctx, ctx.paths.settings);
    for (const s of scopeFiles(ctx)) {
      if (s.settings) {
        const file = s.scope === "user" ? user : await loadSettings(ctx, s.settings);
        if (file.error) errors.push({ ...file.error, scopes: [s.scope] });
        else if (file.data) {
          const lists = s.scope === "user" ? [file.data] : [file.data, user.data ?? {}];
          items.push(...readServers(file.data, s.scope, lists, enablement.data ?? {}));
        }
      }
      items.push(...await readInstructions(ctx, s.instructions, s.scope));
    }
    const folders = folderResult(await loadFolders(ctx));
    items.push(...folders.items);
    errors.push(...folders.errors);
    return errors.length ? { items, errors } : { items };
  },

  async plan(desired, ctx) {
    const writes: PlannedWrite[] = [];
    const notes: Note[] = [];
    const user = await loadSettings(ctx, ctx.paths.settings);
    /** Wanted on/off state per lower-case name, for the enablement file. */
    const wanted = new Map<string, { on: McpItem[]; off: McpItem[] }>();
    for (const s of scopeFiles(ctx)) {
      const mine = desired.items.filter((i) => i.scope === s.scope);
      const servers = mine.filter((i): i is McpItem => i.kind === "mcp");
      if (s.settings) {
        const file = s.scope === "user" ? user : await loadSettings(ctx, s.settings);
        const others = s.scope === "user" ? [] : [user.data ?? {}];
        const write = planSettings(file, servers, others, notes, wanted);
        if (write) writes.push(write);
      } else {
        for (const item of servers) {
          notes.push({
            item: itemKey(item),
            message: "Gemini CLI does not read project settings when the project is the home " +
              "folder; the server is not written",
          });
        }
      }
      const memory = mine.find((i) => i.kind === "instructions");
      const memoryWrite = await planInstructions(ctx, s.instructions, memory);
      if (memoryWrite) writes.push(memoryWrite);
      if (memory?.kind === "instructions") {
        const names = await contextFileNames(ctx, s, user);
        if (names && !names.names.includes("GEMINI.md")) {
          notes.push({
            item: itemKey(memory),
            field: "text",
            message: `context.fileName in ${names.file} is ${JSON.stringify(names.names)}: ` +
              "Gemini CLI reads those files as well as GEMINI.md, and its memory tool writes " +
              `to ${names.names[0]}; aisync keeps GEMINI.md only`,
          });
        }
      }
    }
    const write = await planEnablement(ctx, wanted, notes);
    if (write) writes.push(write);
    writes.push(...await planFolders(ctx, await loadFolders(ctx), desired.items, notes));
    return { writes, notes };
  },
});

function scopeFiles(ctx: Context): ScopeFiles[] {
  const out: ScopeFiles[] = [{
    scope: "user",
    settings: ctx.paths.settings,
    instructions: ctx.paths.instructions,
  }];
  for (const p of ctx.projects) {
    // Gemini skips workspace settings when the workspace is its home folder
    // (`Storage.isWorkspaceHomeDir`): the two paths are then the same file.
    const skip = p.paths.settings === ctx.paths.settings;
    out.push({
      scope: `project:${p.root}`,
      settings: skip ? undefined : p.paths.settings,
      instructions: p.paths.instructions,
    });
  }
  return out;
}

/** The `context.fileName` list in force for a scope, and the file that sets it. */
async function contextFileNames(
  ctx: Context,
  s: ScopeFiles,
  user: Loaded,
): Promise<{ file: string; names: string[] } | undefined> {
  const files = [user];
  if (s.scope !== "user" && s.settings) files.unshift(await loadSettings(ctx, s.settings));
  for (const f of files) {
    const context = f.data?.context;
    const raw = isPlain(context) ? context.fileName : undefined;
    const names = typeof raw === "string" ? [raw] : isStrings(raw) ? raw : undefined;
    const clean = names?.map((n) => n.trim()).filter((n) => n !== "");
    if (clean?.length) return { file: f.path, names: clean };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Files

async function loadSettings(ctx: Context, path: string): Promise<ServerFile> {
  return await loadServerFile(ctx, path, TABLE);
}

async function loadEnablement(ctx: Context): Promise<Loaded> {
  const path = ctx.paths.enablement;
  const text = await ctx.files.read(path);
  if (text === undefined) return { path };
  try {
    // Gemini reads it with plain `JSON.parse`: no comments, no trailing commas, no BOM.
    if (text.startsWith(BOM)) {
      throw new ConfigParseError(path, "Gemini CLI does not accept a byte order mark", 1, 1);
    }
    const data = parseJsonc(text, path);
    if (!isPlain(data)) {
      throw new ConfigParseError(path, "the enablement file must be a JSON object", 1, 1);
    }
    return { path, text, data };
  } catch (e) {
    return { path, text, error: parseError(e, path) };
  }
}

/** Parses a settings file the way Gemini accepts it; throws {@linkcode ConfigParseError}. */
function parseSettings(text: string, file: string): Json {
  if (text.startsWith(BOM)) {
    throw new ConfigParseError(file, "Gemini CLI does not accept a byte order mark", 1, 1);
  }
  const data = parseJsonc(text, file, { comments: true });
  // parseJsonc allows trailing commas along with comments; Gemini's JSON.parse does not.
  const trailing = trailingComma(text);
  if (trailing !== undefined) {
    const [line, column] = lineCol(text, trailing);
    throw new ConfigParseError(file, "Gemini CLI does not allow trailing commas", line, column);
  }
  if (!isPlain(data)) {
    throw new ConfigParseError(file, "the settings must be a JSON object", 1, 1);
  }
  if (data.mcpServers !== undefined && !isPlain(data.mcpServers)) {
    // Gemini only warns and then sees no servers; editing such a file would be guesswork.
    throw new ConfigParseError(file, '"mcpServers" must be an object');
  }
  return data;
}

/** The offset of the first comma followed (past blanks and comments) by `}` or `]`. */
function trailingComma(text: string): number | undefined {
  let i = 0;
  let comma = -1;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      comma = -1;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
    } else if (text.startsWith("//", i)) {
      const n = text.indexOf("\n", i);
      i = n < 0 ? text.length : n;
    } else if (text.startsWith("/*", i)) {
      const e = text.indexOf("*/", i + 2);
      i = e < 0 ? text.length : e + 2;
    } else {
      if (c === ",") comma = i;
      else if ((c === "}" || c === "]") && comma >= 0) return comma;
      else if (!/\s/.test(c)) comma = -1;
      i++;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Reading servers

function readServers(data: Json, scope: string, lists: Json[], enablement: Json): Item[] {
  const servers = isPlain(data.mcpServers) ? data.mcpServers : {};
  const items: Item[] = [];
  for (const [name, raw] of Object.entries(servers)) {
    if (!validName(name)) continue;
    const value = readServer(raw);
    if (!value) continue;
    if (blockedByLists(name, lists) || fileDisabled(name, enablement)) value.enabled = false;
    items.push({ kind: "mcp", scope, name, value });
  }
  return items;
}

/** Gemini's `normalizeServerId`. */
function norm(name: string): string {
  return name.toLowerCase().trim();
}

/** `mcp.excluded` names it, or an `mcp.allowed` list does not (`canLoadServer`). */
function blockedByLists(name: string, files: Json[]): boolean {
  const id = norm(name);
  for (const data of files) {
    const { allowed, excluded } = listsOf(data);
    if (excluded?.some((e) => typeof e === "string" && norm(e) === id)) return true;
    if (allowed && !allowed.some((e) => typeof e === "string" && norm(e) === id)) return true;
  }
  return false;
}

function listsOf(data: Json): { allowed?: unknown[]; excluded?: unknown[] } {
  const mcp = data.mcp;
  if (!isPlain(mcp)) return {};
  return {
    allowed: Array.isArray(mcp.allowed) ? mcp.allowed : undefined,
    excluded: Array.isArray(mcp.excluded) ? mcp.excluded : undefined,
  };
}

/** `McpServerEnablementManager.isFileEnabled`: `state?.enabled ?? true`. */
function fileDisabled(name: string, enablement: Json): boolean {
  const state = Object.hasOwn(enablement, norm(name)) ? enablement[norm(name)] : undefined;
  if (!isPlain(state)) return false;
  const on = state.enabled;
  return on !== undefined && on !== null && !on;
}

/** Which transport Gemini starts an entry with, or `undefined` when it cannot start it. */
function transportOf(raw: Json): { transport: McpServer["transport"]; via: string } | undefined {
  // Gemini tests truthiness, then needs a string: anything else fails to start.
  if (raw.httpUrl) {
    return typeof raw.httpUrl === "string" ? { transport: "http", via: "httpUrl" } : undefined;
  }
  if (raw.url) {
    if (typeof raw.url !== "string") return undefined;
    return { transport: raw.type === "sse" ? "sse" : "http", via: "url" };
  }
  if (raw.command) {
    return typeof raw.command === "string" ? { transport: "stdio", via: "command" } : undefined;
  }
  return undefined;
}

/**
 * Maps one `mcpServers` entry; `undefined` when Gemini could not start it either. Such entries
 * are left alone by `plan`. `enabled` is not set here: it lives outside the entry.
 */
function readServer(raw: unknown): McpServer | undefined {
  if (!isPlain(raw)) return undefined;
  const how = transportOf(raw);
  if (!how) return undefined;
  const value: McpServer = { transport: how.transport };
  const extras: Json = {};
  const stdio = how.transport === "stdio";
  for (const [key, field] of Object.entries(raw)) {
    let mapped = false;
    switch (key) {
      case "command":
        mapped = stdio;
        if (mapped) value.command = fromGemini(field as string);
        break;
      case "httpUrl":
      case "url":
        mapped = how.via === key;
        if (mapped) value.url = fromGemini(field as string);
        break;
      case "type":
        // The `type` that says what Gemini does anyway is implied by the transport.
        mapped = (stdio && field === "stdio") ||
          (how.via === "url" && (field === "http" || field === "sse"));
        break;
      case "args":
        mapped = stdio && isStrings(field);
        if (mapped) value.args = (field as string[]).map(fromGemini);
        break;
      case "env":
        mapped = stdio && isStringRecord(field);
        if (mapped) value.env = mapValues(field as Record<string, string>, fromGemini);
        break;
      case "cwd":
        mapped = stdio && typeof field === "string";
        if (mapped) value.cwd = fromGemini(field as string);
        break;
      case "headers":
        if (!stdio && isStringRecord(field)) {
          value.headers = mapValues(field, fromGemini);
          mapped = true;
        }
        break;
      case "timeout":
        if (typeof field === "number" && Number.isFinite(field) && field >= 0) {
          value.toolTimeoutMs = field;
          mapped = true;
        }
        break;
      case "includeTools":
      case "excludeTools":
        if (isStrings(field)) {
          const side = key === "includeTools" ? "allow" : "deny";
          value.tools = { ...value.tools, [side]: field.map(fromGemini) };
          mapped = true;
        }
        break;
      case "oauth":
        mapped = readOAuth(value, field, extras, fromGemini);
        break;
    }
    if (!mapped) put(extras, key, field);
  }
  if (Object.keys(extras).length) value.extras = { [ID]: extras };
  return value;
}

// ---------------------------------------------------------------------------------------------
// Environment references

/** Gemini text to canonical: `$VAR` becomes `${VAR}`; everything else is kept as written. */
function fromGemini(text: string): string {
  return text.replace(
    GEMINI_REF,
    (match, bare?: string) => bare !== undefined && /^[A-Za-z_]/.test(bare) ? `\${${bare}}` : match,
  );
}

/**
 * What Gemini would do to canonical text that it does not read the same way. Canonical
 * references are Gemini references as they are; only literal text can be misread.
 */
function geminiProblems(canon: string): string[] {
  /** Start and length of every canonical reference. */
  const refs = new Map<number, number>();
  for (const m of canon.matchAll(ENV_REF)) refs.set(m.index, m[0].length);
  const problems: string[] = [];
  for (const m of canon.matchAll(GEMINI_REF)) {
    if (refs.get(m.index) === m[0].length) {
      refs.delete(m.index);
      continue;
    }
    if (m[1] !== undefined && /^[A-Za-z_]/.test(m[1])) {
      problems.push(
        `"${m[0]}" is literal text, but Gemini CLI replaces it with the environment variable ` +
          `${m[1]} when it is set, and has no escape for "$"`,
      );
    } else if (m[3] !== undefined) {
      problems.push(`"${m[0]}" is literal text, but Gemini CLI replaces it with "${m[3]}"`);
    }
  }
  // A reference swallowed by a longer match (`${x ${A}`) is not expanded.
  for (const [at, length] of refs) {
    problems.push(
      `Gemini CLI would not expand "${canon.slice(at, at + length)}" in "${canon}"`,
    );
  }
  return problems;
}

/** Gemini's spelling of references: the canonical one, with what Gemini reads otherwise. */
const SYNTAX: RefSyntax = {
  read: fromGemini,
  write: (canon) => ({ text: canon, problems: geminiProblems(canon) }),
};

/** Collects lossy notes for one item (each once) and spells its strings for Gemini. */
function writer(item: McpItem, notes: Note[]): EntryWriter {
  return new EntryWriter(item, notes, SYNTAX, true);
}

// ---------------------------------------------------------------------------------------------
// Planning servers

/** The entry for `item`, reusing the layout choices of the entry it replaces (`old`). */
function buildEntry(item: McpItem, old: Json | undefined, notes: Note[]): Json {
  const v = item.value;
  const w = writer(item, notes);
  const extras = { ...(v.extras?.[ID] ?? {}) } as Json;
  const out: Json = {};
  const stdio = v.transport === "stdio";
  if (stdio) {
    out.command = w.text("command", v.command ?? "", old?.command);
    if (v.args) out.args = w.list("args", v.args, old?.args);
    if (v.env) out.env = w.record("env", v.env, old?.env);
    if (v.cwd !== undefined) out.cwd = w.text("cwd", v.cwd, old?.cwd);
    if (old?.type === "stdio") out.type = "stdio";
    for (const k of ["url", "httpUrl"]) if (extras[k]) delete extras[k];
    if (v.url !== undefined) {
      w.note(
        "url",
        "Gemini CLI starts a server with a url as a remote one; the url is not written",
      );
    }
    if (v.headers) {
      w.note("headers", "Gemini CLI sends headers to remote servers only; they are not written");
    }
  } else {
    // An entry that already uses the deprecated `httpUrl`, or `url` without `type`, keeps it.
    const legacy = v.transport === "http" && typeof old?.httpUrl === "string" && old.httpUrl !== "";
    const typeless = v.transport === "http" && !legacy && typeof old?.url === "string" &&
      old.url !== "" && old.type === undefined && !old.httpUrl;
    const key = legacy ? "httpUrl" : "url";
    out[key] = w.text("url", v.url ?? "", old?.[key]);
    if (!legacy) {
      if (!typeless) out.type = v.transport;
      delete extras.type;
      if (extras.httpUrl) delete extras.httpUrl;
    }
    if (v.headers) out.headers = w.record("headers", v.headers, old?.headers);
    for (const k of ["command", "args", "env", "cwd"] as const) {
      if (v[k] !== undefined) {
        w.note(k, `Gemini CLI does not run a command for a remote server; "${k}" is not written`);
      }
    }
  }
  if (v.toolTimeoutMs !== undefined) out.timeout = v.toolTimeoutMs;
  if (v.startupTimeoutMs !== undefined) {
    w.note(
      "startupTimeoutMs",
      "Gemini CLI has one timeout for connecting and for requests (written from toolTimeoutMs)",
    );
  }
  if (v.tools?.allow) out.includeTools = w.list("tools.allow", v.tools.allow, old?.includeTools);
  if (v.tools?.deny) out.excludeTools = w.list("tools.deny", v.tools.deny, old?.excludeTools);
  const oauth = buildOAuth(v, extras, old?.oauth, w);
  delete extras.oauth;
  if (oauth) out.oauth = oauth;
  for (const [k, x] of Object.entries(extras)) if (!Object.hasOwn(out, k)) put(out, k, x);
  return ordered(out, KEY_ORDER);
}

function buildOAuth(v: McpServer, extras: Json, old: unknown, w: EntryWriter): Json | undefined {
  const rest = isPlain(extras.oauth) ? extras.oauth : undefined;
  if (!v.oauth) return rest;
  const prev = isPlain(old) ? old : {};
  const out: Json = { ...rest };
  if (v.oauth.clientId !== undefined) {
    out.clientId = w.text("oauth.clientId", v.oauth.clientId, prev.clientId);
  }
  if (v.oauth.scopes) out.scopes = w.list("oauth.scopes", v.oauth.scopes, prev.scopes);
  for (const k of ["callbackPort", "authServerMetadataUrl", "resource"] as const) {
    if (v.oauth[k] !== undefined) {
      w.note(`oauth.${k}`, `Gemini CLI's oauth settings have no equivalent of ${k}`);
    }
  }
  return ordered(out, OAUTH_ORDER);
}

/**
 * Plans one settings file: entries, and the `mcp.excluded` / `mcp.allowed` lists that would keep
 * a server that should be on from loading. Servers that should be off are recorded in `wanted`
 * for the enablement file, unless the lists already block them.
 */
function planSettings(
  file: ServerFile,
  items: McpItem[],
  others: Json[],
  notes: Note[],
  wanted: Map<string, { on: McpItem[]; off: McpItem[] }>,
): PlannedWrite | undefined {
  // A file Gemini cannot load is never planned.
  if (file.error) return undefined;
  const entryNotes: Note[] = [];
  let text = serversBody(file, items, TABLE, entryNotes);
  if (text === undefined) return undefined;
  text = planLists(text, file.data ?? {}, items, others, entryNotes, wanted);
  if (!parses(TABLE, text, file.path)) return undefined;
  notes.push(...entryNotes);
  return bodyWrite(file, text);
}

/**
 * `mcpServers` in a settings file, read whole (Gemini refuses a byte order mark). `enabled` is
 * not in the entry: it lives in the lists and the enablement file.
 */
const TABLE: ServerTable = {
  id: ID,
  key: "mcpServers",
  parse: parseSettings,
  bom: false,
  read: readServer,
  build: buildEntry,
  own: (v) => ownPart(v, ID, { enabled: "any" }),
};

/** Unblocks servers that should be on in this file's lists; records the wanted states. */
function planLists(
  text: string,
  data: Json,
  items: McpItem[],
  others: Json[],
  notes: Note[],
  wanted: Map<string, { on: McpItem[]; off: McpItem[] }>,
): string {
  const { allowed, excluded } = listsOf(data);
  const drop = new Set<number>();
  const allow: string[] = [];
  for (const item of items) {
    const id = norm(item.name);
    const slot = wanted.get(id) ?? { on: [], off: [] };
    wanted.set(id, slot);
    if (item.value.enabled === false) {
      // Already blocked by a list: nothing to add to the enablement file.
      if (!blockedByLists(item.name, [data, ...others])) slot.off.push(item);
      continue;
    }
    slot.on.push(item);
    excluded?.forEach((e, i) => {
      if (typeof e === "string" && norm(e) === id) drop.add(i);
    });
    if (allowed && !allowed.some((e) => typeof e === "string" && norm(e) === id)) {
      allow.push(item.name);
    }
    if (blockedByLists(item.name, others)) {
      writer(item, notes).note(
        "enabled",
        `mcp.excluded or mcp.allowed in the user settings keeps "${item.name}" from loading ` +
          "in this project; aisync edits only the lists of the file that holds the server",
      );
    }
  }
  for (const i of [...drop].sort((a, b) => b - a)) {
    text = editJson(text, ["mcp", "excluded", i], undefined);
  }
  let at = allowed?.length ?? 0;
  for (const name of allow) text = editJson(text, ["mcp", "allowed", at++], name);
  return text;
}

/** Sets or clears `{"enabled": false}` in the enablement file for the wanted states. */
async function planEnablement(
  ctx: Context,
  wanted: Map<string, { on: McpItem[]; off: McpItem[] }>,
  notes: Note[],
): Promise<PlannedWrite | undefined> {
  const file = await loadEnablement(ctx);
  const data = file.data ?? {};
  let text = file.text;
  for (const [id, { on, off }] of [...wanted].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
    // Off by a list and wanted off: the enablement file does not matter.
    if (!off.length && !on.length) continue;
    const isOff = fileDisabled(id, data);
    if (file.error) {
      if (off.length || isOff) {
        for (const item of [...on, ...off]) {
          writer(item, notes).note(
            "enabled",
            `${file.path} cannot be parsed; the on/off state is not written`,
          );
        }
      }
      continue;
    }
    if (off.length && on.length) {
      // One name, one state for every scope: the server stays on where it should be on.
      for (const item of off) {
        writer(item, notes).note(
          "enabled",
          "Gemini CLI keeps the on/off state per server name for every scope " +
            `(mcp-server-enablement.json), and "${item.name}" is on elsewhere; it stays on`,
        );
      }
    }
    if (off.length && !on.length) {
      if (isOff) continue;
      text = text === undefined
        ? JSON.stringify({ [id]: { enabled: false } }, null, 2)
        : editJson(text, [id], { enabled: false });
    } else if (isOff && text !== undefined) {
      text = editJson(text, [id], undefined);
    }
  }
  if (text === undefined || text === file.text) return undefined;
  return { path: file.path, content: text };
}
