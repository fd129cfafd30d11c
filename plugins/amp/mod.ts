/**
 * Amp (ampcode.com): MCP servers under the flat key `amp.mcpServers` of `settings.json` (user and
 * workspace), the `AGENTS.md` instructions, and Agent Skills.
 *
 * What this plugin relies on was checked with the Amp CLI itself (npm `@ampcode/cli` with
 * `@ampcode/cli-linux-x64`, 0.0.1790142911-g7618fb): what `amp mcp add` writes, what
 * `amp mcp list --json` and `amp mcp doctor` read, and the bundled source:
 *
 * - `$XDG_CONFIG_HOME/amp/settings.json` (default `~/.config/amp`), and `.amp/settings.json` in
 *   the workspace; each falls back to `settings.jsonc` when there is no `settings.json`. Both
 *   are read with jsonc-parser (comments and trailing commas are fine) and share the file with
 *   every other Amp setting: only `amp.mcpServers` is touched. `amp mcp add` writes two-space
 *   JSON with no newline at the end.
 * - A local server is `{command, args, env}`, a remote one `{url, headers}`; Amp tries
 *   Streamable HTTP, then falls back to SSE, so there is no transport to write. Other keys
 *   (`includeTools`, which Amp applies only to servers that skills bring, `cwd`, which it
 *   ignores, `disabled`, which it does not read, `oauth`, `transport`) stay as extras.
 * - References: `${VAR}` is replaced from the environment in `command`, `args`, `env`, `url` and
 *   `headers`, and left as written when the variable is unset; `$VAR` and `${VAR:-default}` are
 *   not expanded (the default form gets a note).
 * - There is no switch to turn a local-settings server off: a server that should be off is left
 *   out of the file (its entry taken out), with a note, so that it does not start.
 * - Instructions: the first of `AGENTS.md`, `AGENT.md`, `CLAUDE.md` (and case variants) in each
 *   folder; the user's in `$XDG_CONFIG_HOME/amp/AGENTS.md`.
 * - Skills (the bundle's skill loader, and `amp skill list --json`): user skills come from
 *   `~/.config/agents/skills`, `~/.agents/skills` and `~/.config/amp/skills`, in that order, the
 *   first folder holding a name winning (`~/.config` here is literal: `XDG_CONFIG_HOME` does not
 *   move it); `amp.skills.disableGlobalAgentsSkills` turns the first two off. Project skills come
 *   from `.agents/skills`. A skill is updated in the folder Amp loads it from; a new user skill
 *   goes to `~/.agents/skills`, the folder Codex, Gemini CLI and Zed read too, so one copy serves
 *   them all (Amp's own `amp skill add --global` uses `~/.config/agents/skills`). Amp also reads
 *   Claude Code's `.claude/skills` folders (Claude Code's plugin keeps them) and `amp.skills.path`.
 *   Amp loads a skill only when its SKILL.md frontmatter has a valid `name` and a `description`;
 *   one that does not is still written, with a note.
 * - Amp has no files for slash commands (the `.agents/commands` of 2025 Amp is gone from the
 *   current loader) or subagents (its agents come from TypeScript plugins).
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
  ownPart,
  parseJsonc,
  planInstructions,
  type PlannedWrite,
  planServers,
  planSkills,
  put,
  type ReadError,
  readInstructions,
  readSkills,
  type ServerFile,
  serverItems,
  type ServerTable,
  skillFront,
  type SkillRules,
  type SkillScope,
  unknownScopeNotes,
} from "../_contract.ts";

const ID = "amp";
const KEY = "amp.mcpServers";

type SkillItem = Extract<Item, { kind: "skill" }>;

/** One scope and its files. */
interface Where {
  scope: string;
  settings: string;
  jsonc: string;
  instructions: string;
}

export default definePlugin({
  async detect(ctx) {
    for (const path of [ctx.paths.settings, ctx.paths.settings_jsonc, ctx.paths.instructions]) {
      if ((await ctx.files.read(path)) !== undefined) return { installed: true };
    }
    return { installed: false };
  },

  async read(ctx) {
    const items: Item[] = [];
    const errors: ReadError[] = [];
    for (const w of where(ctx)) {
      const file = await load(ctx, w);
      if (file.error) errors.push({ ...file.error, scopes: [w.scope], kinds: ["mcp"] });
      items.push(...serverItems(file.servers, w.scope, readServer));
      items.push(...await readInstructions(ctx, w.instructions, w.scope));
    }
    for (const set of await loadSkills(ctx)) {
      items.push(...skillSetItems(set));
      for (const f of set.folders) errors.push(...f.errors);
    }
    return errors.length ? { items, errors } : { items };
  },

  async plan(desired, ctx) {
    const writes: PlannedWrite[] = [];
    const notes: Note[] = unknownScopeNotes(
      desired.items,
      where(ctx).map((w) => w.scope),
      "Amp",
    );
    for (const w of where(ctx)) {
      const mine = desired.items.filter((i) => i.scope === w.scope);
      const servers = mine.filter((i): i is McpItem => i.kind === "mcp");
      const write = planFile(await load(ctx, w), servers, notes);
      if (write) writes.push(write);
      const memory = mine.find((i) => i.kind === "instructions");
      const memoryWrite = await planInstructions(ctx, w.instructions, memory);
      if (memoryWrite) writes.push(memoryWrite);
    }
    writes.push(...await planAllSkills(ctx, desired.items, notes));
    return { writes, notes };
  },
});

function where(ctx: Context): Where[] {
  const of = (scope: string, p: Record<string, string>): Where => ({
    scope,
    settings: p.settings,
    jsonc: p.settings_jsonc,
    instructions: p.instructions,
  });
  return [of("user", ctx.paths), ...ctx.projects.map((p) => of(`project:${p.root}`, p.paths))];
}

// ---------------------------------------------------------------------------------------------
// Skills

const SKILL_RULES: SkillRules = { client: "Amp" };
/** Amp's skill names (its `WE`): lowercase letters and digits in hyphen-separated runs. */
const SKILL_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A scope's skills folders in the order Amp loads them; a name belongs to the first. */
interface SkillSet {
  scope: string;
  folders: SkillScope[];
  /** Where a new skill of the scope goes. */
  target: SkillScope;
}

async function loadSkills(ctx: Context): Promise<SkillSet[]> {
  const p = ctx.paths;
  const off = await globalAgentsSkillsOff(ctx);
  const folders: SkillScope[] = [];
  for (const path of off ? [p.skills_amp] : [p.skills_config, p.skills, p.skills_amp]) {
    folders.push(await readSkills(ctx, path, "user", SKILL_RULES));
  }
  const sets: SkillSet[] = [{ scope: "user", folders, target: folders[off ? 0 : 1] }];
  const userPaths = new Set([p.skills_config, p.skills, p.skills_amp]);
  for (const project of ctx.projects) {
    // A project that is the home folder: its .agents/skills is the user's, read once as that.
    if (userPaths.has(project.paths.skills)) continue;
    const scope = `project:${project.root}`;
    const f = await readSkills(ctx, project.paths.skills, scope, SKILL_RULES);
    sets.push({ scope, folders: [f], target: f });
  }
  return sets;
}

/** Whether the user's settings say `"amp.skills.disableGlobalAgentsSkills": true`. */
async function globalAgentsSkillsOff(ctx: Context): Promise<boolean> {
  const file = await load(ctx, where(ctx)[0]);
  if (file.text === undefined) return false;
  try {
    // Read even when the servers are malformed: the setting is not theirs.
    const data = file.data ?? parseJsonc(file.body, file.path, { comments: true });
    return isPlain(data) && data["amp.skills.disableGlobalAgentsSkills"] === true;
  } catch {
    // The settings file's own read error is reported with its servers.
    return false;
  }
}

function skillSetItems(set: SkillSet): Item[] {
  const items: Item[] = [];
  const seen = new Set<string>();
  for (const f of set.folders) {
    for (const [name, files] of f.skills) {
      if (!seen.has(name)) items.push({ kind: "skill", scope: set.scope, name, value: { files } });
    }
    for (const name of [...f.skills.keys(), ...f.broken]) seen.add(name);
  }
  return items;
}

async function planAllSkills(ctx: Context, items: Item[], notes: Note[]): Promise<PlannedWrite[]> {
  const wanted = items.filter((i): i is SkillItem => i.kind === "skill");
  const sets = await loadSkills(ctx);
  const known = new Set(sets.map((s) => s.scope));
  for (const item of wanted) {
    if (!known.has(item.scope) && item.scope.startsWith("project:")) {
      notes.push({
        item: itemKey(item),
        message: "this project is the home folder: its .agents/skills is one of the user's " +
          "skills folders, so the skill was not written",
      });
    }
  }
  const writes: PlannedWrite[] = [];
  for (const set of sets) {
    const mine = wanted.filter((i) => i.scope === set.scope);
    for (const item of mine) skillNotes(item, notes);
    writes.push(...await planSkillSet(ctx, set, mine, notes));
  }
  return writes;
}

/**
 * The writes for one scope's folders. A skill is written in the first folder that holds it (the
 * copy Amp loads), a new one in the scope's target folder. A copy a folder earlier in Amp's order
 * shadows is left as it is while the skill is wanted (it may be another client's, such as Codex's
 * in `~/.agents/skills`), and removed with the skill otherwise, so that Amp does not load it.
 */
async function planSkillSet(
  ctx: Context,
  set: SkillSet,
  desired: SkillItem[],
  notes: Note[],
): Promise<PlannedWrite[]> {
  // One folder that cannot be listed hides which copy Amp loads: the scope's skills stay as they
  // are (its read error freezes them).
  if (set.folders.some((f) => f.unreadable)) return [];
  const owner = new Map<string, SkillScope>();
  for (const f of set.folders) {
    for (const name of [...f.skills.keys(), ...f.broken]) {
      if (!owner.has(name)) owner.set(name, f);
    }
  }
  const wanted = new Set(desired.map((i) => i.name));
  const writes: PlannedWrite[] = [];
  for (const f of set.folders) {
    const shadowed = (name: string) => {
      const first = owner.get(name);
      return first !== undefined && first !== f && (wanted.has(name) || first.broken.has(name));
    };
    const view: SkillScope = {
      ...f,
      skills: new Map([...f.skills].filter(([name]) => !shadowed(name))),
      broken: new Set([...f.broken].filter((name) => !shadowed(name))),
    };
    const mine = desired.filter((i) => (owner.get(i.name) ?? set.target) === f);
    writes.push(...await planSkills(ctx, view, mine, notes, SKILL_RULES));
  }
  return writes;
}

/** A note when Amp would not load the skill (it reports an error for its SKILL.md instead). */
function skillNotes(item: SkillItem, notes: Note[]): void {
  const why = skillProblem(item);
  if (why === undefined) return;
  notes.push({
    item: itemKey(item),
    field: "files.SKILL.md",
    message: `Amp does not load this skill: ${why}`,
  });
}

function skillProblem(item: SkillItem): string | undefined {
  const front = skillFront(item.value.files);
  if (typeof front === "string") return front;
  if (!front.name || !front.description) return "its SKILL.md needs a name and a description";
  const name = String(front.name);
  if (name.length > 64 || !SKILL_NAME.test(name)) {
    return `the name "${name}" is not lowercase letters, digits and single hyphens (at most 64)`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Reading

/** The settings file Amp reads for a scope: `settings.json`, else `settings.jsonc`. */
async function load(ctx: Context, w: Where): Promise<ServerFile> {
  const json = await loadServerFile(ctx, w.settings, TABLE);
  if (json.text !== undefined) return json;
  const jsonc = await loadServerFile(ctx, w.jsonc, TABLE);
  return jsonc.text !== undefined ? jsonc : json;
}

/** Parses a settings file (JSONC, as Amp reads it); throws {@linkcode ConfigParseError}. */
function parseSettings(body: string, file: string): Json {
  const data = parseJsonc(body, file, { comments: true });
  if (!isPlain(data)) {
    throw new ConfigParseError(file, "the settings must be a JSON object", 1, 1);
  }
  checkTable(data, KEY, body, file);
  return data;
}

/**
 * One entry as a canonical server: a `command` makes it local, else a `url` remote (as Amp
 * decides). Anything else is not a server Amp could start, and is left alone.
 */
function readServer(raw: unknown): McpServer | undefined {
  if (!isPlain(raw)) return undefined;
  const stdio = filled(raw.command);
  if (!stdio && !filled(raw.url)) return undefined;
  const value: McpServer = { transport: stdio ? "stdio" : "http" };
  const extras: Json = {};
  for (const [key, field] of Object.entries(raw)) {
    let mapped = false;
    if (key === "command" && stdio) {
      mapped = true;
      value.command = field as string;
    } else if (key === "url" && !stdio) {
      mapped = true;
      value.url = field as string;
    } else if (key === "args" && stdio && isStrings(field)) {
      mapped = true;
      // Canonical values are minimal: empty lists and maps say nothing (they are kept).
      if (field.length) value.args = field;
    } else if (key === (stdio ? "env" : "headers") && isStringRecord(field)) {
      mapped = true;
      if (Object.keys(field).length) value[stdio ? "env" : "headers"] = field;
    }
    if (!mapped) put(extras, key, field);
  }
  if (Object.keys(extras).length) value.extras = { [ID]: extras };
  return value;
}

// ---------------------------------------------------------------------------------------------
// Planning

/** What Amp cannot express of a server, as lossy notes. */
function lossyNotes(item: McpItem, notes: Note[]): void {
  const v = item.value;
  const note = (field: string, message: string) =>
    notes.push({ item: itemKey(item), field, message });
  const stdio = v.transport === "stdio";
  if (v.transport === "sse") {
    note(
      "transport",
      "Amp has no transport setting: it tries Streamable HTTP and falls back to SSE; the " +
        "server is written as a plain url and reads back as http",
    );
  }
  if (v.cwd !== undefined) {
    note(
      "cwd",
      "Amp starts local servers in the workspace folder; a working folder is not written",
    );
  }
  for (const f of ["startupTimeoutMs", "toolTimeoutMs"] as const) {
    if (v[f] !== undefined) note(f, "Amp has no timeout setting for a server");
  }
  if (v.tools) {
    note(
      "tools",
      "Amp has no per-server tool list in its settings (includeTools applies to skills' " +
        "servers only); not written",
    );
  }
  if (v.oauth) {
    note(
      "oauth",
      "Amp registers OAuth clients with `amp mcp oauth login`, not from these fields; not written",
    );
  }
  if (stdio) {
    if (v.url !== undefined) note("url", "a local server's url is not written");
    if (v.headers) note("headers", "Amp sends headers to remote servers only");
  } else {
    for (const f of ["command", "args", "env"] as const) {
      if (v[f] !== undefined) {
        note(f, `Amp runs no command for a remote server; "${f}" is not written`);
      }
    }
  }
  const strings: [string, string][] = stdio
    ? [
      ["command", v.command ?? ""],
      ...(v.args ?? []).map((a, i) => [`args[${i}]`, a] as [string, string]),
      ...Object.entries(v.env ?? {}).map(([k, s]) => [`env.${k}`, s] as [string, string]),
    ]
    : [
      ["url", v.url ?? ""],
      ...Object.entries(v.headers ?? {}).map(([k, s]) => [`headers.${k}`, s] as [string, string]),
    ];
  for (const [field, text] of strings) {
    for (const m of text.matchAll(ENV_REF)) {
      if (m[2] !== undefined) {
        note(field, `Amp expands \${VAR} only; "${m[0]}" reaches the server as written`);
      }
    }
  }
  for (const f of ["args", "env", "headers"] as const) {
    const x = v[f];
    if (x && (Array.isArray(x) ? !x.length : !Object.keys(x).length)) {
      note(f, `an empty ${f} reads back as none`);
    }
  }
}

/**
 * A canonical server as an Amp entry, keys in the order `amp mcp add` writes them. `old` is the
 * entry in the file: empty `args`/`env`/`headers` that it has stay.
 */
function buildEntry(v: McpServer, old: Json | undefined): Json {
  const extras = v.extras?.[ID] ?? {};
  const out: Json = {};
  const keepEmpty = (key: string) => {
    const x = old?.[key];
    if (Array.isArray(x) ? !x.length : isPlain(x) && !Object.keys(x).length) out[key] = x;
  };
  if (v.transport === "stdio") {
    out.command = v.command;
    if (v.args) out.args = v.args;
    else keepEmpty("args");
    if (v.env) out.env = v.env;
    else keepEmpty("env");
  } else {
    out.url = v.url;
    if (v.headers) out.headers = v.headers;
    else keepEmpty("headers");
  }
  for (const [k, x] of Object.entries(extras)) if (!Object.hasOwn(out, k)) put(out, k, x);
  return out;
}

/** `amp.mcpServers` in a settings file. */
const TABLE: ServerTable = {
  id: ID,
  key: KEY,
  parse: parseSettings,
  read: readServer,
  build: (item, old) => buildEntry(item.value, old),
  own: (v) => ownPart(v, ID, { empties: true }),
  // As `amp mcp add` writes a new file: two spaces, no newline at the end.
  fresh: (servers) => JSON.stringify({ [KEY]: servers }, null, 2),
};

function planFile(file: ServerFile, items: McpItem[], notes: Note[]): PlannedWrite | undefined {
  const wanted: McpItem[] = [];
  for (const item of items) {
    if (item.value.enabled === false) {
      notes.push({
        item: itemKey(item),
        field: "enabled",
        message: "Amp has no switch to turn a server off in its settings; it is left out of " +
          "the file so that it does not start",
      });
      continue;
    }
    lossyNotes(item, notes);
    wanted.push(item);
  }
  return planServers(file, wanted, TABLE, notes);
}
