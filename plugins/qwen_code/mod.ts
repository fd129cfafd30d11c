/**
 * Qwen Code: MCP servers in `settings.json` (user and project), the `QWEN.md` memory files, and
 * custom commands, subagents and skills in `commands/`, `agents/` and `skills/` of `~/.qwen`
 * (`$QWEN_HOME`) and of each project's `.qwen` (see `commands.ts`, and the contract's skill helpers).
 *
 * What this plugin relies on, checked in the bundled source of Qwen Code 0.24.4 and with its CLI:
 *
 * - `createTransport` tries `httpUrl` (streamable HTTP), then `url` (SSE, whatever `type` says),
 *   then `command` (stdio). `type` only matters when it is `"sdk"`, so it is kept as an extra.
 * - A server is off when its name matches an entry of `mcp.excluded` (an exact name, or a glob
 *   with `*` and `?`); the lists of every scope are concatenated. There is no per-server switch.
 * - Every string of a settings file is expanded on load with `/\$(?:(\w+)|{([^}]+)})/`: `$VAR`
 *   and `${VAR}`, with no default values and no escape for `$`; unset variables stay as written.
 * - Settings are read with strip-json-comments and `JSON.parse`: comments yes, trailing commas no.
 * - A settings file without `"$version": 4` is rewritten by Qwen the next time it loads it.
 *
 * @module
 */
import {
  bodyWrite,
  ConfigParseError,
  type Context,
  definePlugin,
  editJson,
  ENV_REF,
  filled,
  findNodeAtLocation,
  isPlain,
  isStringRecord,
  isStrings,
  type Item,
  itemKey,
  type Json,
  type JsoncParseError,
  lineCol,
  loadServerFile,
  mapValues,
  type McpItem,
  type McpServer,
  type Note,
  ordered,
  parseJsonc,
  parseJsoncWith,
  parses,
  parseTree,
  planInstructions,
  type PlannedWrite,
  planSkills,
  put,
  type ReadError,
  readInstructions,
  readOAuth,
  readSkills,
  serversBody,
  type ServerTable,
  skillItems,
  type SkillRules,
  type SkillScope,
  validName,
} from "../_contract.ts";
import { mdItems, type MdScope, planMdScope, readMdScope } from "./commands.ts";

const ID = "qwen_code";
/** The settings version Qwen Code 0.24.4 writes; a file without it gets rewritten by Qwen. */
const SETTINGS_VERSION = 4;
/** Qwen's own reference pattern (`packages/core/src/utils/envVarResolver.ts`). */
const QWEN_REF = /\$(?:(\w+)|\{([^}]+)\})/g;
/** Key order of `qwen mcp add`, used for entries this plugin creates. */
const KEY_ORDER = [
  "command",
  "args",
  "env",
  "cwd",
  "httpUrl",
  "url",
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
  "redirectUri",
  "authorizationUrl",
  "tokenUrl",
  "scopes",
];

/** One scope and the files that hold it. */
interface ScopeFiles {
  scope: string;
  /** Absent when Qwen does not read this scope's settings (a project that is the home folder). */
  settings?: string;
  instructions: string;
}

export default definePlugin({
  async detect(ctx) {
    for (const path of [ctx.paths.settings, ctx.paths.instructions]) {
      if ((await ctx.files.read(path)) !== undefined) return { installed: true };
    }
    for (const path of [ctx.paths.commands, ctx.paths.agents, ctx.paths.skills]) {
      if ((await ctx.files.stat(path))?.isDirectory) return { installed: true };
    }
    return { installed: false };
  },

  async read(ctx) {
    const items: Item[] = [];
    const errors: ReadError[] = [];
    for (const s of scopeFiles(ctx)) {
      if (s.settings) {
        // Qwen strips a UTF-8 byte order mark before parsing; it is kept on write.
        const file = await loadServerFile(ctx, s.settings, TABLE);
        if (file.error) errors.push({ ...file.error, scopes: [s.scope] });
        else if (file.data) items.push(...readServers(file.data, s.scope));
      }
      items.push(...await readInstructions(ctx, s.instructions, s.scope));
    }
    const folders = await loadFolders(ctx);
    for (const s of folders.md) {
      items.push(...mdItems(s));
      errors.push(...s.errors);
    }
    for (const s of folders.skills) {
      items.push(...skillItems(s));
      errors.push(...s.errors);
    }
    return errors.length ? { items, errors } : { items };
  },

  async plan(desired, ctx) {
    const writes: PlannedWrite[] = [];
    const notes: Note[] = [];
    for (const s of scopeFiles(ctx)) {
      const mine = desired.items.filter((i) => i.scope === s.scope);
      const servers = mine.filter((i): i is McpItem => i.kind === "mcp");
      if (s.settings) {
        const write = await planSettings(ctx, s.settings, servers, notes);
        if (write) writes.push(write);
      } else {
        for (const item of servers) {
          notes.push({
            item: itemKey(item),
            message:
              "Qwen Code does not read project settings when the project is the home folder; " +
              "the server is not written",
          });
        }
      }
      const memory = mine.find((i) => i.kind === "instructions");
      const memoryWrite = await planInstructions(ctx, s.instructions, memory);
      if (memoryWrite) writes.push(memoryWrite);
    }
    const folders = await loadFolders(ctx);
    for (const s of folders.md) {
      const mine = desired.items.filter((i): i is Extract<Item, { kind: "command" | "subagent" }> =>
        i.kind === s.kind && i.scope === s.scope
      );
      writes.push(...planMdScope(s, mine, notes));
    }
    for (const s of folders.skills) {
      const mine = desired.items.filter((i): i is Extract<Item, { kind: "skill" }> =>
        i.kind === "skill" && i.scope === s.scope
      );
      writes.push(...await planSkills(ctx, s, mine, notes, SKILL_RULES));
    }
    for (const item of desired.items) {
      const why = folders.skipped.get(`${item.kind}:${item.scope}`);
      if (why) notes.push({ item: itemKey(item), message: `${why}; the item was not written` });
    }
    return { writes, notes };
  },
});

// ---------------------------------------------------------------------------------------------
// Commands, subagents and skills

const SKILL_RULES: SkillRules = {
  client: "Qwen Code",
  // Qwen's own install leftovers (`SkillManager.loadSkillsFromDir`).
  refuse: (name) =>
    /\.(backup|installing)-\d+-\d+$/.test(name)
      ? "Qwen Code skips folders named like its install leftovers"
      : undefined,
};

/** Every scope's commands, agents and skills folders that Qwen reads, read. */
async function loadFolders(
  ctx: Context,
): Promise<{ md: MdScope[]; skills: SkillScope[]; skipped: Map<string, string> }> {
  const md: MdScope[] = [];
  const skills: SkillScope[] = [];
  const skipped = new Map<string, string>();
  md.push(await readMdScope(ctx, "command", ctx.paths.commands, "user"));
  md.push(await readMdScope(ctx, "subagent", ctx.paths.agents, "user"));
  skills.push(await readSkills(ctx, ctx.paths.skills, "user", SKILL_RULES));
  const home = trimSlash(ctx.home);
  for (const p of ctx.projects) {
    const scope = `project:${p.root}`;
    const atHome = trimSlash(p.root) === home;
    // The project's commands folder is the user's when the project is the home folder.
    if (p.paths.commands === ctx.paths.commands) {
      skipped.set(`command:${scope}`, "this project's commands folder is the user's");
    } else md.push(await readMdScope(ctx, "command", p.paths.commands, scope));
    // Qwen skips project subagents and skills when the project is the home folder.
    if (atHome || p.paths.agents === ctx.paths.agents) {
      skipped.set(`subagent:${scope}`, "Qwen Code reads no project subagents in the home folder");
    } else md.push(await readMdScope(ctx, "subagent", p.paths.agents, scope));
    if (atHome || p.paths.skills === ctx.paths.skills) {
      skipped.set(`skill:${scope}`, "Qwen Code reads no project skills in the home folder");
    } else skills.push(await readSkills(ctx, p.paths.skills, scope, SKILL_RULES));
  }
  return { md, skills, skipped };
}

function scopeFiles(ctx: Context): ScopeFiles[] {
  const out: ScopeFiles[] = [{
    scope: "user",
    settings: ctx.paths.settings,
    instructions: ctx.paths.instructions,
  }];
  const home = trimSlash(ctx.home);
  for (const p of ctx.projects) {
    // Qwen skips workspace settings when the workspace is the home folder (`loadSettings`).
    const skip = trimSlash(p.root) === home || p.paths.settings === ctx.paths.settings;
    out.push({
      scope: `project:${p.root}`,
      settings: skip ? undefined : p.paths.settings,
      instructions: p.paths.instructions,
    });
  }
  return out;
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

// ---------------------------------------------------------------------------------------------
// Settings files

/** Parses a settings file the way Qwen accepts it; throws {@linkcode ConfigParseError}. */
function parseSettings(body: string, file: string): Json {
  const data = parseJsonc(body, file, { comments: true });
  // parseJsonc allows trailing commas along with comments; Qwen's JSON.parse does not, and it
  // refuses (user) or resets (project) such a file, so aisync must not treat it as valid. Plain
  // JSON (most files, which JSON.parse takes) has none: only the others need a second pass.
  if (!isJson(body)) {
    const strict: JsoncParseError[] = [];
    parseJsoncWith(body, strict, { allowTrailingComma: false, disallowComments: false });
    if (strict.length) {
      const [line, column] = lineCol(body, strict[0].offset);
      throw new ConfigParseError(
        file,
        "trailing commas are not allowed by Qwen Code",
        line,
        column,
      );
    }
  }
  if (!isPlain(data)) {
    throw new ConfigParseError(file, "the settings must be a JSON object", 1, 1);
  }
  if (data.mcpServers !== undefined && !isPlain(data.mcpServers)) {
    throw shapeError(body, file, ["mcpServers"], '"mcpServers" must be an object');
  }
  const mcp = data.mcp;
  if (isPlain(mcp) && mcp.excluded != null && !Array.isArray(mcp.excluded)) {
    throw shapeError(body, file, ["mcp", "excluded"], '"mcp.excluded" must be a list of names');
  }
  return data;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function shapeError(body: string, file: string, path: string[], reason: string) {
  const node = findNodeAtLocation(parseTree(body, [], { allowTrailingComma: true })!, path);
  const [line, column] = lineCol(body, node?.offset ?? 0);
  return new ConfigParseError(file, reason, line, column);
}

function readServers(data: Json, scope: string): Item[] {
  const servers = isPlain(data.mcpServers) ? data.mcpServers : {};
  const excluded = excludedOf(data);
  const items: Item[] = [];
  for (const [name, raw] of Object.entries(servers)) {
    if (!validName(name)) continue;
    const off = excluded.some((p) => typeof p === "string" && matchesPattern(name, p));
    const value = readServer(raw, off);
    if (value) items.push({ kind: "mcp", scope, name, value });
  }
  return items;
}

function excludedOf(data: Json): unknown[] {
  const mcp = data.mcp;
  return isPlain(mcp) && Array.isArray(mcp.excluded) ? mcp.excluded : [];
}

/** Qwen's `matchesServerPattern`: an exact name, or `*` and `?` globs. */
function matchesPattern(name: string, pattern: string): boolean {
  if (!pattern.includes("*") && !pattern.includes("?")) return name === pattern;
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll(
    "?",
    ".",
  );
  return new RegExp(`^${re}$`, "s").test(name);
}

// ---------------------------------------------------------------------------------------------
// One server: Qwen entry -> canonical

/**
 * Maps one `mcpServers` entry; `undefined` when Qwen could not start it either (no `httpUrl`,
 * `url` or `command`). Such entries are left alone by `plan`.
 */
function readServer(raw: unknown, disabled: boolean): McpServer | undefined {
  if (!isPlain(raw)) return undefined;
  const transport = filled(raw.httpUrl)
    ? "http"
    : filled(raw.url)
    ? "sse"
    : filled(raw.command)
    ? "stdio"
    : undefined;
  if (!transport) return undefined;
  const value: McpServer = { transport };
  const extras: Json = {};
  for (const [key, field] of Object.entries(raw)) {
    if (!readField(value, key, field, extras)) put(extras, key, field);
  }
  if (disabled) value.enabled = false;
  if (Object.keys(extras).length) value.extras = { [ID]: extras };
  return value;
}

/** Maps one key into `value`; false when the key stays an extra, verbatim. */
function readField(value: McpServer, key: string, field: unknown, extras: Json): boolean {
  const stdio = value.transport === "stdio";
  switch (key) {
    case "command":
      if (!stdio || typeof field !== "string") return false;
      value.command = fromQwen(field);
      return true;
    case "cwd":
      if (!stdio || typeof field !== "string") return false;
      value.cwd = fromQwen(field);
      return true;
    case "args":
      if (!stdio || !isStrings(field)) return false;
      value.args = field.map(fromQwen);
      return true;
    case "env":
      if (!stdio || !isStringRecord(field)) return false;
      value.env = mapValues(field, fromQwen);
      return true;
    case "httpUrl":
    case "url":
      if (value.transport !== (key === "httpUrl" ? "http" : "sse")) return false;
      value.url = fromQwen(field as string);
      return true;
    case "headers":
      if (stdio || !isStringRecord(field)) return false;
      value.headers = mapValues(field, fromQwen);
      return true;
    case "timeout":
      if (typeof field !== "number" || !Number.isFinite(field) || field < 0) return false;
      value.toolTimeoutMs = field;
      return true;
    case "includeTools":
    case "excludeTools":
      if (!isStrings(field)) return false;
      value.tools = {
        ...value.tools,
        [key === "includeTools" ? "allow" : "deny"]: field.map(fromQwen),
      };
      return true;
    case "oauth":
      return readOAuth(value, field, extras, fromQwen);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Environment references

/** Qwen text to canonical: `$VAR` becomes `${VAR}`; everything else is kept as written. */
function fromQwen(text: string): string {
  return text.replace(
    QWEN_REF,
    (match, bare?: string) => bare !== undefined && /^[A-Za-z_]/.test(bare) ? `\${${bare}}` : match,
  );
}

/** Canonical text to Qwen, with what Qwen cannot express. */
function toQwen(canon: string): { text: string; defaults: string[]; problems: string[] } {
  let text = "";
  let last = 0;
  const refs = new Map<number, number>();
  const defaults: string[] = [];
  const problems: string[] = [];
  for (const m of canon.matchAll(ENV_REF)) {
    text += canon.slice(last, m.index);
    const ref = `\${${m[1]}}`;
    refs.set(text.length, ref.length);
    text += ref;
    if (m[2] !== undefined) defaults.push(m[0]);
    last = m.index + m[0].length;
  }
  text += canon.slice(last);
  for (const m of text.matchAll(QWEN_REF)) {
    if (refs.get(m.index) === m[0].length) {
      refs.delete(m.index);
    } else if (m[1] !== undefined && /^[A-Za-z_]/.test(m[1])) {
      problems.push(
        `"${m[0]}" is literal text, but Qwen Code replaces it with the environment variable ` +
          `${m[1]} when it is set, and has no escape for "$"`,
      );
    }
  }
  for (const at of refs.keys()) {
    problems.push(
      `Qwen Code would not expand "${text.slice(at, at + refs.get(at)!)}" in "${text}"`,
    );
  }
  return { text, defaults, problems };
}

/** Collects lossy notes for one item and writes its strings in Qwen's syntax. */
class ItemWriter {
  #item: string;
  #notes: Note[];
  constructor(item: McpItem, notes: Note[]) {
    this.#item = itemKey(item);
    this.#notes = notes;
  }

  note(field: string, message: string): void {
    const dup = this.#notes.some((n) =>
      n.item === this.#item && n.field === field && n.message === message
    );
    if (!dup) this.#notes.push({ item: this.#item, field, message });
  }

  /**
   * The Qwen spelling of canonical `canon`. When the file already holds a value that reads as
   * `canon` it is kept as written (`$VAR` stays `$VAR`), so an unchanged field is not rewritten.
   */
  str(canon: string, current: unknown, field: string): string {
    const keep = typeof current === "string" && fromQwen(current) === canon;
    const { text, defaults, problems } = toQwen(canon);
    for (const d of defaults) {
      this.note(
        field,
        keep
          ? `Qwen Code has no default values for environment variables; it leaves "${d}" unexpanded`
          : `Qwen Code has no default values for environment variables; "${d}" is written ` +
            "without its default",
      );
    }
    for (const p of problems) this.note(field, p);
    return keep ? current as string : text;
  }

  strs(canon: string[], current: unknown, field: string): string[] {
    const now = Array.isArray(current) ? current : [];
    return canon.map((c, i) => this.str(c, now[i], field));
  }

  record(canon: Record<string, string>, current: unknown, field: string): Record<string, string> {
    const now = isPlain(current) ? current : {};
    return mapValues(canon, (v, k) => this.str(v, now[k], `${field}.${k}`));
  }
}

// ---------------------------------------------------------------------------------------------
// One server: canonical -> Qwen entry

/** The whole Qwen entry for a desired server; `current` is the entry in the file, if any. */
function buildEntry(item: McpItem, current: unknown, notes: Note[]): Json {
  const v = item.value;
  const w = new ItemWriter(item, notes);
  const now = isPlain(current) ? current : {};
  const extras = v.extras?.[ID] ?? {};
  const out: Json = {};
  if (v.transport === "stdio") {
    out.command = w.str(v.command ?? "", now.command, "command");
    if (v.args) out.args = w.strs(v.args, now.args, "args");
    if (v.env) out.env = w.record(v.env, now.env, "env");
    if (v.cwd !== undefined) out.cwd = w.str(v.cwd, now.cwd, "cwd");
    for (const f of ["url", "headers"] as const) {
      if (v[f] !== undefined) w.note(f, `Qwen Code ignores ${f} for a stdio server; not written`);
    }
  } else {
    const key = v.transport === "http" ? "httpUrl" : "url";
    out[key] = w.str(v.url ?? "", now[key], "url");
    if (v.headers) out.headers = w.record(v.headers, now.headers, "headers");
    for (const f of ["command", "args", "env", "cwd"] as const) {
      if (v[f] !== undefined) w.note(f, `Qwen Code ignores ${f} for a remote server; not written`);
    }
  }
  if (v.toolTimeoutMs !== undefined) out.timeout = v.toolTimeoutMs;
  if (v.tools?.allow) out.includeTools = w.strs(v.tools.allow, now.includeTools, "tools.allow");
  if (v.tools?.deny) out.excludeTools = w.strs(v.tools.deny, now.excludeTools, "tools.deny");
  if (v.startupTimeoutMs !== undefined) {
    w.note(
      "startupTimeoutMs",
      "Qwen Code has no startup timeout that aisync maps (its discoveryTimeoutMs is kept as a " +
        "Qwen extra); not written",
    );
  }
  const oauth = buildOAuth(v, now.oauth, extras.oauth, w);
  if (oauth !== undefined) out.oauth = oauth;
  // Keys that would pick another transport than the canonical one are dropped (Qwen prefers
  // httpUrl, then url, then command).
  const forcing = v.transport === "stdio"
    ? ["httpUrl", "url"]
    : v.transport === "sse"
    ? ["httpUrl"]
    : [];
  for (const [k, x] of Object.entries(extras)) {
    if (k === "oauth" || Object.hasOwn(out, k) || (forcing.includes(k) && filled(x))) continue;
    put(out, k, x);
  }
  return ordered(out, KEY_ORDER);
}

function buildOAuth(v: McpServer, current: unknown, rest: unknown, w: ItemWriter): unknown {
  if (!v.oauth) return rest;
  const now = isPlain(current) ? current : {};
  const out: Json = isPlain(rest) ? { ...rest } : {};
  if (v.oauth.clientId !== undefined) {
    out.clientId = w.str(v.oauth.clientId, now.clientId, "oauth.clientId");
  }
  if (v.oauth.scopes) out.scopes = w.strs(v.oauth.scopes, now.scopes, "oauth.scopes");
  for (const f of ["callbackPort", "authServerMetadataUrl", "resource"] as const) {
    if (v.oauth[f] !== undefined) {
      w.note(`oauth.${f}`, `Qwen Code has no OAuth ${f} setting; not written`);
    }
  }
  if (!Object.keys(out).length && !isPlain(rest)) return undefined;
  return ordered(out, OAUTH_ORDER);
}

// ---------------------------------------------------------------------------------------------
// Planning one settings file

async function planSettings(
  ctx: Context,
  path: string,
  items: McpItem[],
  notes: Note[],
): Promise<PlannedWrite | undefined> {
  const file = await loadServerFile(ctx, path, TABLE);
  if (file.error) return undefined; // never write a file that does not parse
  const want = [...new Map(items.map((i) => [i.name, i])).values()];
  if (file.text === undefined) {
    if (!want.length) return undefined;
    return { path, content: newSettings(path, want, notes) };
  }
  const entryNotes: Note[] = [];
  // Entries aisync cannot read (Qwen cannot start them either) are left for the user; most
  // entries are unchanged and are skipped without re-parsing the file.
  let text = serversBody(file, want, TABLE, entryNotes)!;
  text = planExcluded(text, file.data!, file.servers, want, path, entryNotes);
  // A result Qwen could not load is never planned.
  if (!parses(TABLE, text, path)) return undefined;
  notes.push(...entryNotes);
  return bodyWrite(file, text);
}

/** `mcpServers` in a settings file; an entry is compared as built, in Qwen's own spelling. */
const TABLE: ServerTable = {
  id: ID,
  key: "mcpServers",
  parse: parseSettings,
  read: (raw) => readServer(raw, false),
  build: buildEntry,
  compareBuilt: true,
};

/** A new settings file, shaped like the ones `qwen mcp add` writes. */
function newSettings(path: string, items: McpItem[], notes: Note[]): string {
  const servers: Json = {};
  for (const item of items) put(servers, item.name, buildEntry(item, undefined, notes));
  let text = JSON.stringify({ mcpServers: servers }, null, 2);
  text = planExcluded(text, { mcpServers: servers }, servers, items, path, notes);
  // Without it, the next `qwen` run rewrites the whole file to add it.
  return editJson(text, ["$version"], SETTINGS_VERSION) + "\n";
}

/**
 * Turns servers off and on through `mcp.excluded` of the same file: adds the name of a server
 * that should be off, removes the exact name of one that should be on, and leaves globs alone.
 */
function planExcluded(
  text: string,
  data: Json,
  servers: Json,
  items: McpItem[],
  file: string,
  notes: Note[],
): string {
  const mcp = data.mcp;
  const list = isPlain(mcp) && Array.isArray(mcp.excluded) ? mcp.excluded as unknown[] : undefined;
  const drop = new Set<number>();
  const add = new Set<string>();
  const names = new Set([...items.map((i) => i.name), ...Object.keys(servers)]);
  for (const item of items) {
    const off = item.value.enabled === false;
    const hits: [string, number][] = [];
    (list ?? []).forEach((p, i) => {
      if (typeof p === "string" && matchesPattern(item.name, p)) hits.push([p, i]);
    });
    if (off && !hits.length) {
      // Qwen reads every entry as a pattern: a name with `*` or `?` would turn others off too.
      const others = [...names].filter((n) => n !== item.name && matchesPattern(n, item.name));
      if (others.length) {
        new ItemWriter(item, notes).note(
          "enabled",
          `Qwen Code reads "${item.name}" in "mcp.excluded" as a pattern that would also ` +
            "turn off " +
            `${others.map((n) => JSON.stringify(n)).join(", ")}; the server stays on`,
        );
      } else add.add(item.name);
    }
    if (off || !hits.length) continue;
    for (const [p, i] of hits) if (p === item.name) drop.add(i);
    const globs = hits.filter(([p]) => p !== item.name).map(([p]) => JSON.stringify(p));
    if (globs.length) {
      new ItemWriter(item, notes).note(
        "enabled",
        `the pattern ${globs.join(", ")} in "mcp.excluded" of ${file} keeps the server off; ` +
          "aisync does not edit patterns",
      );
    }
  }
  for (const i of [...drop].sort((a, b) => b - a)) {
    text = editJson(text, ["mcp", "excluded", i], undefined);
  }
  if (!add.size) return text;
  if (list) {
    for (const name of add) text = editJson(text, ["mcp", "excluded", -1], name);
  } else if (isPlain(mcp)) {
    text = editJson(text, ["mcp", "excluded"], [...add]);
  } else {
    text = editJson(text, ["mcp"], { excluded: [...add] });
  }
  return text;
}
