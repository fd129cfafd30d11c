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
 * - Commands are saved prompts: `prompts.yml` (`prompts: [{name, description, content_file}]`)
 *   in `~/.rovodev/` and `{project}/.rovodev/`, each pointing at a Markdown file resolved from
 *   the manifest's folder. Rovo Dev has no placeholders; it appends the arguments to the prompt.
 * - Subagents: `~/.rovodev/subagents/*.md`, `{project}/.rovodev/subagents/*.md` (frontmatter
 *   `name`, `description`, `tools` in Rovo's own tool names; the body is the system prompt).
 * - Skills: `~/.rovodev/skills/<name>/` and `{project}/.agents/skills/<name>/` (the folder Codex
 *   reads too), copied byte for byte.
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
  isFileName,
  isPlain,
  isStringRecord,
  isStrings,
  type Item,
  itemKey,
  type Json,
  lineCol,
  type McpServer,
  type Note,
  parseJsonc,
  parseYaml,
  planInstructions,
  type PlannedWrite,
  planSkills,
  type ReadError,
  readInstructions,
  readSkills,
  sameValue,
  skillItems,
  type SkillRules,
  validName,
} from "../_contract.ts";

const ID = "rovo_dev";
/** Entry keys this plugin maps; every other key is kept verbatim in `extras.rovo_dev`. */
const MAPPED = new Set(["command", "args", "env", "url", "headers", "transport"]);
const TRANSPORTS = new Set(["stdio", "http", "sse"]);
const INTERPOLATION = "Rovo Dev does not document env interpolation; written verbatim";
/** The layout of Atlassian's examples: one member a line, lists of scalars inline. */
const LAYOUT = { lists: "inline" } as const;

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
    for (const name of ["mcp", "config", "instructions", "prompts"]) {
      if ((await ctx.files.read(ctx.paths[name])) !== undefined) return { installed: true };
    }
    for (const name of ["subagents", "skills"]) {
      if ((await ctx.files.list(ctx.paths[name])).length) return { installed: true };
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
      items.push(...await readInstructions(ctx, path, scope));
    }
    for (const where of scopesOf(ctx)) {
      const prompts = await readPrompts(ctx, where);
      errors.push(...prompts.errors);
      for (const p of prompts.managed) items.push(p.item);
      const agents = await readSubagents(ctx, where);
      errors.push(...agents.errors);
      for (const a of agents.files) items.push(a.item);
      const skills = await readSkills(ctx, where.paths.skills, where.scope, SKILL_RULES);
      errors.push(...skills.errors);
      items.push(...skillItems(skills));
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
    await planMemory(desired.items, ctx, writes);
    for (const where of scopesOf(ctx)) {
      const mine = desired.items.filter((i) => i.scope === where.scope);
      const commands = mine.filter((i): i is CommandItem => i.kind === "command");
      writes.push(...await planPrompts(ctx, where, commands, notes));
      const agents = mine.filter((i): i is SubagentItem => i.kind === "subagent");
      writes.push(...await planSubagents(ctx, where, agents, notes));
      const skills = mine.filter((i): i is SkillItem => i.kind === "skill");
      const folder = await readSkills(ctx, where.paths.skills, where.scope, SKILL_RULES);
      writes.push(...await planSkills(ctx, folder, skills, notes, SKILL_RULES));
    }
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
        if (isStrings(v)) {
          if (v.length) value.args = v;
        } else extras[k] = v;
        break;
      case "env":
      case "headers":
        if (isStringRecord(v)) {
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

async function planMemory(items: Item[], ctx: Context, writes: PlannedWrite[]) {
  for (const { scope, path } of instructionFiles(ctx)) {
    const item = items.find((i) => i.kind === "instructions" && i.scope === scope);
    const write = await planInstructions(ctx, path, item);
    if (write) writes.push(write);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

function isEmpty(v: unknown): boolean {
  return (Array.isArray(v) && v.length === 0) || (isPlain(v) && Object.keys(v).length === 0);
}

// ---------------------------------------------------------------------------------------------
// Shared by commands, subagents and skills.

type CommandItem = Extract<Item, { kind: "command" }>;
type SubagentItem = Extract<Item, { kind: "subagent" }>;
type SkillItem = Extract<Item, { kind: "skill" }>;

/** One scope and its resolved paths. */
interface Where {
  scope: string;
  paths: Record<string, string>;
}

function scopesOf(ctx: Context): Where[] {
  return [
    { scope: "user", paths: ctx.paths },
    ...ctx.projects.map((p) => ({ scope: `project:${p.root}`, paths: p.paths })),
  ];
}

/**
 * A read error for one file of one scope and kind (so a broken prompt does not hold up MCP
 * servers); `lineOffset` is the line a fragment starts on.
 */
function scopedError(
  e: unknown,
  file: string,
  scope: string,
  kind: Item["kind"],
  lineOffset = 0,
): ReadError {
  const err: ReadError = {
    file,
    message: String((e as Error)?.message ?? e),
    scopes: [scope],
    kinds: [kind],
  };
  if (e instanceof ConfigParseError) {
    // The reason alone: the file (and line) are fields of the error already.
    err.message = e.reason;
    if (e.line !== undefined) err.line = e.line + lineOffset;
    if (e.column !== undefined) err.column = e.column;
  }
  return err;
}

/** An item's value with only this plugin's extras (other clients' extras are not ours). */
function ownValue<T extends { extras?: Record<string, Record<string, unknown>> }>(v: T): T {
  if (!v.extras) return v;
  const { extras, ...rest } = v;
  const own = extras[ID];
  return (own && Object.keys(own).length ? { ...rest, extras: { [ID]: own } } : rest) as T;
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** `rel` resolved against `dir`, with `.` and `..` taken out. */
function resolvePath(dir: string, rel: string): string {
  const parts: string[] = [];
  for (const part of (rel.startsWith("/") ? rel : `${dir}/${rel}`).split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

function isBelow(path: string, dir: string): boolean {
  return path.startsWith(dir.endsWith("/") ? dir : dir + "/");
}

/** The YAML node's first line, for errors about one entry of a list. */
function nodeLine(text: string, node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  return range ? lineCol(text, range[0])[0] : undefined;
}

/** Splits a leading `---` … `---` block off a Markdown file (LF or CRLF). */
function splitFrontmatter(
  text: string,
): { fm?: { open: string; text: string; close: string }; body: string } {
  const open = /^---[ \t]*\r?\n/.exec(text);
  if (!open) return { body: text };
  for (let pos = open[0].length; pos < text.length;) {
    const end = text.indexOf("\n", pos);
    const stop = end < 0 ? text.length : end + 1;
    if (/^---[ \t]*\r?$/.test(text.slice(pos, end < 0 ? text.length : end))) {
      return {
        fm: { open: open[0], text: text.slice(open[0].length, pos), close: text.slice(pos, stop) },
        body: text.slice(stop),
      };
    }
    pos = stop;
  }
  return { body: text };
}

/**
 * Rovo Dev shows a saved prompt or a subagent by its description; an empty one reads as none and
 * a new entry gets `""`, so the key is always there (Atlassian's examples never leave it out).
 */
function readDescription(v: unknown, extras: Json): string | undefined {
  if (typeof v === "string") return v === "" ? undefined : v;
  if (v !== undefined) extras.description = v;
  return undefined;
}

function describeNote(item: Item & { value: { description?: string } }): Note[] {
  return item.value.description === ""
    ? [{
      item: itemKey(item),
      field: "description",
      message: "Rovo Dev treats an empty description as none; it reads back as no description",
    }]
    : [];
}

// ---------------------------------------------------------------------------------------------
// Commands: saved prompts.

/** A `prompts.yml` entry aisync reads and writes: its Markdown file is in the prompts folder. */
interface PromptEntry {
  index: number;
  raw: Json;
  /** The resolved `content_file`. */
  path: string;
  /** The Markdown file as it is. */
  text: string;
  item: CommandItem;
}

interface PromptsFile {
  /** `prompts.yml`. */
  path: string;
  /** The folder new prompts go to (`prompts/` next to `prompts.yml`). */
  dir: string;
  text?: string;
  /** Every entry as written, in order (aisync's and the others). */
  entries: unknown[];
  managed: PromptEntry[];
  /** Names of entries whose file is outside the prompts folder: aisync leaves them alone. */
  foreign: Map<string, string>;
  errors: ReadError[];
}

const PROMPT_KEYS = new Set(["name", "description", "content_file"]);

/**
 * Reads `prompts.yml` and the Markdown file of each entry. An entry whose `content_file` lies
 * outside the prompts folder (Atlassian's own example keeps it next to `prompts.yml`) is outside
 * what aisync may read: it is left as it is. A file that is missing is an error about the entry.
 */
async function readPrompts(ctx: Context, where: Where): Promise<PromptsFile> {
  const path = where.paths.prompts;
  const dir = where.paths.promptFiles;
  const out: PromptsFile = { path, dir, entries: [], managed: [], foreign: new Map(), errors: [] };
  let text: string | undefined;
  try {
    text = await ctx.files.read(path);
  } catch (e) {
    out.errors.push(scopedError(e, path, where.scope, "command"));
    return out;
  }
  if (text === undefined) return out;
  out.text = text;
  const fail = (message: string, line?: number) => {
    const e: ReadError = { file: path, message, scopes: [where.scope], kinds: ["command"] };
    if (line !== undefined) e.line = line;
    out.errors.push(e);
  };
  let doc;
  try {
    doc = parseYaml(text, path);
  } catch (e) {
    if (!(e instanceof ConfigParseError)) throw e;
    out.errors.push(scopedError(e, path, where.scope, "command"));
    return out;
  }
  const root = doc.toJS() as unknown;
  if (root === null || root === undefined) return out;
  if (!isPlain(root)) {
    fail("the top level must be a map with a `prompts` list", 1);
    return out;
  }
  const list = root.prompts ?? [];
  if (!Array.isArray(list)) {
    fail("`prompts` must be a list", nodeLine(text, doc.getIn(["prompts"], true)));
    return out;
  }
  out.entries = list;
  const seen = new Set<string>();
  for (let index = 0; index < list.length; index++) {
    const raw = list[index];
    const line = nodeLine(text, doc.getIn(["prompts", index], true));
    const label = isPlain(raw) && typeof raw.name === "string"
      ? `prompt "${raw.name}"`
      : `prompts[${index}]`;
    if (!isPlain(raw)) {
      fail(`${label} must be a map with name, description and content_file`, line);
      continue;
    }
    if (typeof raw.name !== "string" || !validName(raw.name)) {
      fail(`${label}: \`name\` must be a non-empty line of text`, line);
      continue;
    }
    if (seen.has(raw.name)) {
      fail(`${label} is listed twice`, line);
      continue;
    }
    seen.add(raw.name);
    if (typeof raw.content_file !== "string" || raw.content_file === "") {
      fail(`${label}: \`content_file\` must be the path of its Markdown file`, line);
      continue;
    }
    const file = resolvePath(dirname(path), raw.content_file);
    if (!isBelow(file, dir)) {
      out.foreign.set(raw.name, file);
      continue;
    }
    let body: string | undefined;
    try {
      const st = await ctx.files.stat(file);
      if (!st?.isFile) {
        fail(
          `${label}: content_file "${raw.content_file}" ` +
            (st ? "is a folder, not a file" : `does not exist (${file})`),
          line,
        );
        continue;
      }
      body = await ctx.files.read(file);
    } catch (e) {
      fail(`${label}: content_file "${raw.content_file}": ${(e as Error)?.message ?? e}`, line);
      continue;
    }
    if (body === undefined) {
      fail(`${label}: content_file "${raw.content_file}" cannot be read (${file})`, line);
      continue;
    }
    const extras: Json = {};
    const value: CommandItem["value"] = { body };
    const description = readDescription(raw.description, extras);
    if (description !== undefined) value.description = description;
    for (const [k, v] of Object.entries(raw)) if (!PROMPT_KEYS.has(k)) extras[k] = v;
    if (Object.keys(extras).length) value.extras = { [ID]: extras };
    out.managed.push({
      index,
      raw,
      path: file,
      text: body,
      item: { kind: "command", scope: where.scope, name: raw.name, value },
    });
  }
  return out;
}

/** What Rovo Dev would not expand in a canonical body: every placeholder but a trailing one. */
const PLACEHOLDERS = [
  /(?<![\\$])\$ARGUMENTS(?:\[\d+\])?/g, // Claude Code's (canonical) placeholders
  /(?<![\\$\w])\$\d+/g, // Claude Code's `$0` shorthand
  /(?<![\\$\w])\$(?!ARGUMENTS(?![A-Z0-9_]))[A-Z][A-Z0-9_]*/g, // named arguments (Codex)
  /\$\{CLAUDE_[A-Z_]+\}/g, // Claude Code's session values
  /[!@]\{[^}\n]*\}/g, // Qwen Code's shell and file injection
  /!`[^`\n]+`/g, // Claude Code's inline shell
];
const TRAILING_ARGUMENTS = /\s*(?<![\\$])\$ARGUMENTS(\s*)$/;

/** The placeholders in a body, each once, in the order they appear. */
function placeholdersIn(body: string): string[] {
  const found: [number, string][] = [];
  for (const re of PLACEHOLDERS) {
    for (const m of body.matchAll(re)) found.push([m.index, m[0]]);
  }
  const out: string[] = [];
  for (const [, p] of found.sort((a, b) => a[0] - b[0])) if (!out.includes(p)) out.push(p);
  return out;
}

/**
 * A canonical body as a Rovo Dev prompt. Rovo Dev appends whatever follows `/prompts <name>` to
 * the prompt, so a body that ends with `$ARGUMENTS` loses it and still gets the arguments in the
 * same place; other placeholders have no equivalent and stay as text. Each case is noted: the
 * file reads back without the placeholder, or with a placeholder nobody expands.
 */
export function promptBodyToRovo(body: string, note: (message: string) => void): string {
  let text = body;
  const m = TRAILING_ARGUMENTS.exec(body);
  if (m) {
    text = body.slice(0, m.index) + m[1];
    note(
      'Rovo Dev appends the arguments to a saved prompt itself: the trailing "$ARGUMENTS" ' +
        "was left out (the prompt reads back without it)",
    );
  }
  const rest = placeholdersIn(text);
  if (rest.length) {
    note(
      "Rovo Dev saved prompts have no placeholders (the arguments are appended at the end): " +
        `${rest.map((p) => `"${p}"`).join(", ")} stay as text`,
    );
  }
  return text;
}

/** The `prompts.yml` entry for a desired command, built on the current one when there is one. */
function promptEntry(item: CommandItem, contentFile: string, cur?: Json): Json {
  const v = item.value;
  const extras = v.extras?.[ID] ?? {};
  const want: Json = { name: item.name };
  if (v.description !== undefined) want.description = v.description;
  else if ("description" in extras) want.description = extras.description;
  else if (!cur || "description" in cur) want.description = "";
  want.content_file = contentFile;
  for (const [k, x] of Object.entries(extras)) if (!PROMPT_KEYS.has(k)) want[k] = x;
  if (!cur) return want;
  // Keys keep their place; new ones follow.
  const out: Json = {};
  for (const k of Object.keys(cur)) if (k in want) out[k] = want[k];
  for (const [k, x] of Object.entries(want)) if (!(k in out)) out[k] = x;
  return out;
}

/** Where a new prompt's Markdown file goes: `prompts/<name>.md`, `a:b` in `prompts/a/b.md`. */
function newPromptPath(dir: string, name: string): string | undefined {
  const parts = name.split(":");
  if (!parts.every((p) => isFileName(p) && p.trim() === p)) return undefined;
  return `${dir}/${parts.join("/")}.md`;
}

function relativeTo(base: string, path: string): string {
  return isBelow(path, base) ? path.slice(base.length + 1) : path;
}

async function planPrompts(
  ctx: Context,
  where: Where,
  desired: CommandItem[],
  notes: Note[],
): Promise<PlannedWrite[]> {
  const cur = await readPrompts(ctx, where);
  // A manifest that cannot be read (or points at a missing file) is never written over.
  if (cur.errors.length) return [];
  const writes: PlannedWrite[] = [];
  const byName = new Map(cur.managed.map((e) => [e.item.name, e]));
  const wanted = new Set(desired.map((i) => i.name));
  const removed = cur.managed.filter((e) => !wanted.has(e.item.name));
  const kept = new Set(cur.managed.filter((e) => wanted.has(e.item.name)).map((e) => e.path));
  /** Content per file this plan writes; a file two prompts share gets one content. */
  const bodies = new Map<string, string>();
  const changed: Json[] = [];
  const added: Json[] = [];
  const fresh: { item: CommandItem; path: string; content: string }[] = [];
  const dropped = new Set<number>();
  for (const e of removed) dropped.add(e.index);

  for (const item of desired) {
    const key = itemKey(item);
    const note = (field: string, message: string) => notes.push({ item: key, field, message });
    const foreign = cur.foreign.get(item.name);
    if (foreign !== undefined) {
      notes.push({
        item: key,
        message: `${cur.path} points "${item.name}" at ${foreign}, outside ${cur.dir}, which ` +
          "aisync does not read; the saved prompt was left as it is",
      });
      continue;
    }
    const have = byName.get(item.name);
    const path = have?.path ?? newPromptPath(cur.dir, item.name);
    if (path === undefined) {
      notes.push({
        item: key,
        message: `"${item.name}" cannot be a file name; the saved prompt was not written`,
      });
      continue;
    }
    if (!have && (kept.has(path) || bodies.has(path))) {
      notes.push({
        item: key,
        message: `${path} holds another saved prompt; "${item.name}" was not written`,
      });
      continue;
    }
    if (item.value.argumentHint !== undefined) {
      note("argumentHint", "Rovo Dev saved prompts have no argument hint; not written");
    }
    notes.push(...describeNote(item));
    if (/\s/.test(item.name)) {
      note("name", `"/prompts ${item.name}" reads only the first word as the prompt's name`);
    }
    // Placeholders are noted even when the file keeps its own words.
    const bodyNotes: string[] = [];
    let content = promptBodyToRovo(item.value.body, (m) => bodyNotes.push(m));
    if (have && have.item.value.body === item.value.body) {
      content = have.text;
      bodyNotes.length = 0;
      const left = placeholdersIn(have.text);
      if (left.length) {
        bodyNotes.push(
          "Rovo Dev saved prompts have no placeholders (the arguments are appended at the " +
            `end): ${left.map((p) => `"${p}"`).join(", ")} stay as text`,
        );
      }
    }
    for (const m of bodyNotes) note("body", m);
    const other = bodies.get(path);
    if (other !== undefined && other !== content) {
      notes.push({
        item: key,
        message: `${path} is shared with another saved prompt that has another text; not written`,
      });
      continue;
    }
    bodies.set(path, content);
    const contentFile = have ? String(have.raw.content_file) : relativeTo(dirname(cur.path), path);
    const entry = promptEntry(item, contentFile, have?.raw);
    if (have) {
      if (!sameValue(entry, have.raw)) {
        dropped.add(have.index);
        changed.push(entry);
      }
      if (content !== have.text) writes.push({ path, content });
    } else {
      added.push(entry);
      fresh.push({ item, path, content });
    }
  }

  // prompts.yml: entries that go or change are taken out first, then the changed and the new
  // ones are appended, so every other entry keeps its lines and comments.
  const base = cur.entries.filter((_, i) => !dropped.has(i));
  const next = [...base, ...changed, ...added];
  let manifestOk = true;
  if (!sameValue(next, cur.entries)) {
    try {
      let text = cur.text ?? "";
      if (base.length !== cur.entries.length) text = editYaml(text, ["prompts"], base, cur.path);
      text = editYaml(text, ["prompts"], next, cur.path);
      if (text !== cur.text) writes.push({ path: cur.path, content: text });
    } catch (e) {
      if (!(e instanceof ConfigParseError)) throw e;
      manifestOk = false;
      const touched = [
        ...removed.map((r) => r.item),
        ...desired.filter((i) => changed.some((c) => c.name === i.name)),
        ...fresh.map((f) => f.item),
      ];
      for (const item of touched) {
        notes.push({
          item: itemKey(item),
          message: `${e.message}; the saved prompt's entry was not changed`,
        });
      }
    }
  }
  if (manifestOk) {
    for (const f of fresh) {
      if ((await ctx.files.read(f.path)) !== f.content) {
        writes.push({ path: f.path, content: f.content });
      }
    }
    const still = new Set([...kept, ...bodies.keys()]);
    const gone = new Set<string>();
    for (const e of removed) {
      if (still.has(e.path) || gone.has(e.path)) continue;
      gone.add(e.path);
      writes.push({ path: e.path, content: null });
    }
  }
  return writes;
}

// ---------------------------------------------------------------------------------------------
// Subagents.

/**
 * Claude Code's tools and the Rovo Dev tools that do the same (Atlassian's tool permission and
 * subagent pages). The list is what a new subagent gets; reading, any of them means the Claude
 * tool: `expand_code_chunks` reads code as `open_files` does.
 */
const TOOLS_TO_ROVO: Record<string, string[]> = {
  Read: ["open_files", "expand_code_chunks"],
  Edit: ["find_and_replace_code"],
  Write: ["create_file"],
  Grep: ["grep"],
  Glob: ["expand_folder"],
  Bash: ["bash"],
};
const TOOLS_FROM_ROVO: Record<string, string> = Object.fromEntries(
  Object.entries(TOOLS_TO_ROVO).flatMap(([claude, rovo]) => rovo.map((r) => [r, claude])),
);

/**
 * A Rovo `tools` list as Claude Code tool names, and the Rovo tools that have no Claude
 * equivalent (`delete_file`, `move_file`, `invoke_subagents` …), which stay in extras.
 */
export function toolsFromRovo(list: string[]): { tools: string[]; rovoOnly: string[] } {
  const tools: string[] = [], rovoOnly: string[] = [];
  for (const t of list) {
    const claude = Object.hasOwn(TOOLS_FROM_ROVO, t) ? TOOLS_FROM_ROVO[t] : undefined;
    if (claude === undefined) {
      if (!rovoOnly.includes(t)) rovoOnly.push(t);
    } else if (!tools.includes(claude)) tools.push(claude);
  }
  return { tools, rovoOnly };
}

/**
 * Claude Code tool names as a Rovo `tools` list; names with no Rovo equivalent are returned in
 * `missing`. Against the file's `current` list, the tools it keeps keep their Rovo names and
 * places and new ones follow, when that reads back in the same order; otherwise the list follows
 * `tools`' order. Rovo-only tools keep their places, or follow.
 */
export function toolsToRovo(
  tools: string[],
  rovoOnly: string[],
  current: string[] = [],
): { list: string[]; missing: string[] } {
  const missing = tools.filter((t, i) =>
    !Object.hasOwn(TOOLS_TO_ROVO, t) && tools.indexOf(t) === i
  );
  const mapped = tools.filter((t, i) => Object.hasOwn(TOOLS_TO_ROVO, t) && tools.indexOf(t) === i);
  const has = toolsFromRovo(current).tools.filter((t) => mapped.includes(t));
  const add = mapped.filter((t) => !has.includes(t));
  const list: string[] = [];
  const push = (r: string) => {
    if (!list.includes(r)) list.push(r);
  };
  if (sameValue([...has, ...add], mapped)) {
    for (const r of current) {
      const claude = Object.hasOwn(TOOLS_FROM_ROVO, r) ? TOOLS_FROM_ROVO[r] : undefined;
      if (claude === undefined ? rovoOnly.includes(r) : mapped.includes(claude)) push(r);
    }
    for (const t of add) TOOLS_TO_ROVO[t].forEach(push);
  } else {
    for (const t of mapped) {
      const own = current.filter((r) => TOOLS_FROM_ROVO[r] === t);
      (own.length ? own : TOOLS_TO_ROVO[t]).forEach(push);
    }
  }
  rovoOnly.forEach(push);
  return { list, missing };
}

interface AgentFile {
  path: string;
  text: string;
  /** The frontmatter's keys. */
  data: Json;
  /** The frontmatter text (between the `---` lines) and the body as written. */
  fm: string;
  open: string;
  close: string;
  body: string;
  item: SubagentItem;
}

interface Agents {
  files: AgentFile[];
  errors: ReadError[];
  /** Files that are not subagents, or could not be read: never written. */
  taken: Set<string>;
}

const AGENT_KEYS = new Set(["name", "description", "tools"]);

function parseAgent(path: string, text: string, scope: string): AgentFile | undefined {
  const { fm, body } = splitFrontmatter(text);
  if (!fm) return undefined; // not a subagent (Rovo Dev needs the frontmatter)
  const js = parseYaml(fm.text, path).toJS() as unknown;
  if (js !== null && js !== undefined && !isPlain(js)) {
    throw new ConfigParseError(path, "the frontmatter must be a map of keys", 2, 1);
  }
  const data: Json = { ...(js as Json | null) };
  const stem = path.slice(path.lastIndexOf("/") + 1).replace(/\.md$/i, "");
  const name = typeof data.name === "string" && validName(data.name) ? data.name : stem;
  const extras: Json = {};
  const value: SubagentItem["value"] = { body };
  const description = readDescription(data.description, extras);
  if (description !== undefined) value.description = description;
  if (isStrings(data.tools)) {
    const { tools, rovoOnly } = toolsFromRovo(data.tools);
    value.tools = tools;
    if (rovoOnly.length) extras.tools = rovoOnly;
  } else if (data.tools !== undefined) extras.tools = data.tools;
  for (const [k, v] of Object.entries(data)) {
    // `model` is kept as Rovo wrote it: its values are Rovo's model ids (the key itself is
    // not documented).
    if (!AGENT_KEYS.has(k)) extras[k] = v;
  }
  if (Object.keys(extras).length) value.extras = { [ID]: extras };
  return {
    path,
    text,
    data,
    fm: fm.text,
    open: fm.open,
    close: fm.close,
    body,
    item: { kind: "subagent", scope, name, value },
  };
}

/** The `*.md` files of the subagents folder (Rovo Dev reads no sub-folders). */
async function readSubagents(ctx: Context, where: Where): Promise<Agents> {
  const out: Agents = { files: [], errors: [], taken: new Set() };
  const dir = where.paths.subagents;
  let entries: string[];
  try {
    entries = await ctx.files.list(dir);
  } catch (e) {
    out.errors.push(scopedError(e, dir, where.scope, "subagent"));
    return out;
  }
  for (const entry of entries) {
    if (!/\.md$/i.test(entry)) continue;
    const path = `${dir}/${entry}`;
    try {
      if (!(await ctx.files.stat(path))?.isFile) continue;
      const text = await ctx.files.read(path);
      if (text === undefined) continue;
      const agent = parseAgent(path, text, where.scope);
      if (!agent) {
        out.taken.add(path);
        continue;
      }
      if (out.files.some((f) => f.item.name === agent.item.name)) {
        throw new Error(`another file already defines the subagent "${agent.item.name}"`);
      }
      out.files.push(agent);
    } catch (e) {
      // The frontmatter starts on the file's second line.
      out.errors.push(scopedError(e, path, where.scope, "subagent", 1));
      out.taken.add(path);
    }
  }
  return out;
}

/** The frontmatter keys a desired subagent needs, given the file it replaces (if any). */
function agentKeys(item: SubagentItem, cur: AgentFile | undefined, notes: Note[]): Json {
  const v = item.value;
  const key = itemKey(item);
  const extras = v.extras?.[ID] ?? {};
  const want: Json = { name: item.name };
  if (v.description !== undefined) want.description = v.description;
  else if ("description" in extras) want.description = extras.description;
  else if (!cur || "description" in cur.data) want.description = "";
  notes.push(...describeNote(item));
  const rovoOnly = isStrings(extras.tools) ? extras.tools : [];
  if (v.tools !== undefined) {
    const was = cur && isStrings(cur.data.tools) ? toolsFromRovo(cur.data.tools) : undefined;
    if (was && sameValue(was, { tools: v.tools, rovoOnly })) want.tools = cur!.data.tools;
    else {
      const current = cur && isStrings(cur.data.tools) ? cur.data.tools : [];
      const { list, missing } = toolsToRovo(v.tools, rovoOnly, current);
      want.tools = list;
      if (missing.length) {
        notes.push({
          item: key,
          field: "tools",
          message: `Rovo Dev has no tool like ${missing.map((t) => `"${t}"`).join(", ")}; ` +
            "left out of the subagent's tools",
        });
      }
    }
  } else if (extras.tools !== undefined) {
    if (isStrings(extras.tools)) {
      notes.push({
        item: key,
        field: "tools",
        message: "the subagent may use every tool now, so its Rovo-only tools " +
          `${extras.tools.map((t) => `"${t}"`).join(", ")} were left out`,
      });
    } else want.tools = extras.tools;
  }
  if (v.model !== undefined) {
    notes.push({
      item: key,
      field: "model",
      message: "Rovo Dev does not document a subagent's model key (its wizard picks a Rovo " +
        `model); "${v.model}" was not written`,
    });
  }
  for (const [k, x] of Object.entries(extras)) if (!AGENT_KEYS.has(k)) want[k] = x;
  return want;
}

/** The whole subagent file: an existing frontmatter is edited key by key. */
function renderAgent(item: SubagentItem, cur: AgentFile | undefined, want: Json, path: string) {
  const body = cur && cur.item.value.body === item.value.body ? cur.body : item.value.body;
  let fm = cur?.fm ?? "";
  const have = cur?.data ?? {};
  for (const k of Object.keys(have)) if (!(k in want)) fm = editYaml(fm, [k], undefined, path);
  for (const [k, x] of Object.entries(want)) {
    if (!(k in have) || !sameValue(have[k], x)) fm = editYaml(fm, [k], x, path);
  }
  const eol = cur?.open.endsWith("\r\n") ? "\r\n" : "\n";
  if (fm !== "" && !fm.endsWith("\n")) fm += eol;
  let close = cur?.close ?? "---\n";
  if (body !== "" && !close.endsWith("\n")) close += eol;
  return (cur?.open ?? "---\n") + fm + close + body;
}

async function planSubagents(
  ctx: Context,
  where: Where,
  desired: SubagentItem[],
  notes: Note[],
): Promise<PlannedWrite[]> {
  const agents = await readSubagents(ctx, where);
  const dir = where.paths.subagents;
  // The folder itself cannot be listed: nothing is known, nothing is written.
  if (agents.errors.some((e) => e.file === dir)) return [];
  const writes = new Map<string, PlannedWrite>();
  const byName = new Map(agents.files.map((f) => [f.item.name, f]));
  const wanted = new Set(desired.map((i) => i.name));
  for (const f of agents.files) {
    if (!wanted.has(f.item.name)) writes.set(f.path, { path: f.path, content: null });
  }
  for (const item of desired) {
    const cur = byName.get(item.name);
    if (!cur && !isFileName(item.name)) {
      notes.push({
        item: itemKey(item),
        message: `"${item.name}" cannot be a file name; the subagent was not written`,
      });
      continue;
    }
    const path = cur?.path ?? `${dir}/${item.name}.md`;
    const taken = agents.taken.has(path) ||
      (!cur && !writes.has(path) && (await ctx.files.stat(path)) !== undefined);
    if (taken) {
      notes.push({
        item: itemKey(item),
        message: `${path} holds something else; the subagent was not written`,
      });
      continue;
    }
    const local: Note[] = [];
    const want = agentKeys(item, cur, local);
    notes.push(...local);
    if (cur && sameValue(cur.item.value, ownValue(item.value))) continue;
    try {
      const text = renderAgent(item, cur, want, path);
      if (text !== cur?.text) writes.set(path, { path, content: text });
      else writes.delete(path);
    } catch (e) {
      if (!(e instanceof ConfigParseError)) throw e;
      notes.push({ item: itemKey(item), message: `${e.message}; the subagent was not changed` });
    }
  }
  return [...writes.values()];
}

// ---------------------------------------------------------------------------------------------
// Skills: whole folders, byte for byte.

/**
 * `~/.rovodev/skills/` and `{project}/.agents/skills/`. The project folder is the one Codex,
 * Gemini CLI and others read too: every plugin plans the same bytes and modes for it (the engine
 * refuses two different plans for one file).
 */
const SKILL_RULES: SkillRules = { client: "Rovo Dev" };
