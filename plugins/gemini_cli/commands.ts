/**
 * Gemini CLI's custom commands (`commands/**\/*.toml`), subagents (`agents/*.md`) and skills
 * (`skills/` and the `.agents/skills/` alias).
 *
 * What this relies on, checked in the source of Gemini CLI (`FileCommandLoader`,
 * `prompt-processors/*`, `agentLoader`, `tool-names`, `skillLoader`, `skillManager`) and in the
 * bundle of 0.61.0, and by running it (`gemini skills list`; `gemini -p "/cmd args"` against a
 * fake model API on loopback, which receives the expanded prompt, the skills and the subagents):
 *
 * - A command is any `*.toml` below `commands/` (dot files too). Its name is the path without
 *   `.toml`, folders joined with `:`, and in every part each character outside
 *   `[a-zA-Z0-9_.-]` replaced by `_` (a part longer than 50 characters is cut to 47 and `...`).
 *   `prompt` (a string) is required and `description` optional; other keys are ignored. A file
 *   that fails is skipped with an error.
 * - `{{args}}` is every argument as typed (shell-escaped inside `!{…}`); `$ARGUMENTS` and `$1`
 *   are plain text everywhere. Without `{{args}}` the invocation is appended after a blank
 *   line. An unclosed `!{` or `@{` makes the command fail when it runs.
 * - A subagent is an `agents/*.md` file not starting with `_` (no sub-folders), with a YAML
 *   frontmatter checked strictly: `name` (`[a-z0-9_-]+`), `description` (required), `kind`,
 *   `display_name`, `tools` (a list of Gemini tool names; one unknown name refuses the whole
 *   agent), `mcp_servers`, `model`, `temperature`, `max_turns`, `timeout_mins`; any other key
 *   refuses it. The body, trimmed, is the system prompt. `kind: remote` agents have no body.
 * - A skill is a folder with a `SKILL.md` whose frontmatter has `name` and `description`. The
 *   `.agents/skills/` folder of a tier is read after `skills/`, so it wins.
 *
 * @module
 */
import {
  type ArgsDialect,
  type Command,
  ConfigParseError,
  type Context,
  escapeRegExp,
  type FolderFile,
  type FolderItem,
  type FolderRules,
  type FolderScope,
  fromArgs,
  type Item,
  itemKey,
  type Json,
  type MdDoc,
  mdRules,
  type Note,
  type NoteFn,
  parseFront,
  parseYaml,
  planFolder,
  type PlannedWrite,
  planSkills,
  type ReadError,
  readFolder,
  readSkills,
  type SkillRules,
  type SkillScope,
  splitMd,
  type Subagent,
  tomlCommandRules,
} from "../_contract.ts";

const ID = "gemini_cli";
const CLIENT = "Gemini CLI";

// ---------------------------------------------------------------------------------------------
// Commands

/** Gemini's `{{args}}` dialect: `$ARGUMENTS` is text even inside `!{…}`. */
export const DIALECT: ArgsDialect = {
  id: ID,
  client: CLIENT,
  short: "Gemini",
  shellArguments: false,
};

/** One part of a command name as Gemini makes it from a file or folder name. */
function namePart(part: string): string {
  const clean = part.replace(/[^a-zA-Z0-9_\-.]/g, "_");
  return clean.length > 50 ? clean.slice(0, 47) + "..." : clean;
}

/** The name Gemini gives the command at `rel` (below `commands/`). */
export function commandName(rel: string): string {
  return rel.slice(0, -".toml".length).split("/").map(namePart).join(":");
}

const TOML_RULES = tomlCommandRules({
  ...DIALECT,
  name: commandName,
  refuse: (name) =>
    name.split(":").every((p) => p !== "" && namePart(p) === p)
      ? undefined
      : "Gemini renames files with characters outside a-z, A-Z, 0-9, _, - and . or with more " +
        "than 50 of them",
});

/** Gemini CLI's `commands/` folders. */
export const COMMAND_RULES: FolderRules<Json> = {
  ...TOML_RULES,
  render(item, cur, note) {
    const body = (item.value as Command).body;
    const now = cur?.doc.prompt;
    if (typeof now !== "string" || fromArgs(now, DIALECT) !== body) {
      for (const t of ["!{", "@{"]) {
        if (unclosed(body, t)) {
          note(`${CLIENT} refuses to run a command with an unclosed "${t}…}"`);
        }
      }
    }
    return TOML_RULES.render(item, cur, note);
  },
};

/** True when an injection `trigger…}` is not closed (Gemini's `extractInjections` throws). */
function unclosed(text: string, trigger: string): boolean {
  let at = text.indexOf(trigger);
  while (at !== -1) {
    let depth = 1, i = at + trigger.length;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}") depth--;
    }
    if (depth > 0) return true;
    at = text.indexOf(trigger, i);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Subagent tools

/** Gemini's built-in tool names (`ALL_BUILTIN_TOOL_NAMES`, 0.61.0). */
const BUILTIN = new Set([
  "glob",
  "write_todos",
  "write_file",
  "google_web_search",
  "web_fetch",
  "replace",
  "run_shell_command",
  "grep_search",
  "read_many_files",
  "read_file",
  "list_directory",
  "activate_skill",
  "ask_user",
  "tracker_create_task",
  "tracker_update_task",
  "tracker_get_task",
  "tracker_list_tasks",
  "tracker_add_dependency",
  "tracker_visualize",
  "get_internal_docs",
  "enter_plan_mode",
  "exit_plan_mode",
  "update_topic",
  "complete_task",
  "invoke_agent",
  "read_mcp_resource",
  "list_mcp_resources",
]);

/** Claude Code's tool names (the canonical vocabulary) and Gemini's for the same tool. */
const TO_GEMINI: Record<string, string> = {
  Read: "read_file",
  Write: "write_file",
  Edit: "replace",
  Bash: "run_shell_command",
  Grep: "grep_search",
  Glob: "glob",
  LS: "list_directory",
  WebFetch: "web_fetch",
  WebSearch: "google_web_search",
  TodoWrite: "write_todos",
  Task: "invoke_agent",
  Skill: "activate_skill",
  AskUserQuestion: "ask_user",
  EnterPlanMode: "enter_plan_mode",
  ExitPlanMode: "exit_plan_mode",
};

const FROM_GEMINI: Record<string, string> = {
  ...Object.fromEntries(Object.entries(TO_GEMINI).map(([c, g]) => [g, c])),
  // Gemini's legacy name for grep_search (`TOOL_LEGACY_ALIASES`).
  search_file_content: "Grep",
};

/** Claude tools Gemini has only a near equivalent of. */
const NEAR: Record<string, string> = { MultiEdit: "replace" };

const SLUG = /^[a-z0-9_.:-]+$/i;

/** Gemini's `isValidToolName(name, {allowWildcards: true})`. */
export function isGeminiTool(name: string): boolean {
  if (BUILTIN.has(name) || name === "search_file_content" || name === "*") return true;
  if (name.startsWith("discovered_tool_")) return true;
  if (!name.startsWith("mcp_")) return false;
  if (name === "mcp_*") return true;
  if (name.startsWith("mcp__")) return false;
  const m = /^([^_]+)_(.+)$/.exec(name.slice(4));
  if (!m) return false;
  const [, server, tool] = m;
  if (!SLUG.test(server)) return false;
  if (tool === "*") return true;
  return !/^_*$/.test(tool) && SLUG.test(tool);
}

/** A Gemini tool name in Claude Code's vocabulary (MCP tools: `mcp__server__tool`). */
function toolFromGemini(name: string): string {
  if (Object.hasOwn(FROM_GEMINI, name)) return FROM_GEMINI[name];
  const m = /^mcp_([^_*][^_]*)_(.+)$/.exec(name);
  return m ? `mcp__${m[1]}__${m[2]}` : name;
}

/** A canonical tool name for Gemini, or `undefined` (noted) when Gemini would refuse it. */
function toolToGemini(name: string, note: NoteFn): string | undefined {
  if (Object.hasOwn(TO_GEMINI, name)) return TO_GEMINI[name];
  let out = name;
  if (Object.hasOwn(NEAR, name)) out = NEAR[name];
  else {
    const mcp = /^mcp__(.+?)(?:__(.+))?$/.exec(name);
    if (mcp) out = `mcp_${mcp[1]}_${mcp[2] ?? "*"}`;
  }
  if (!isGeminiTool(out)) {
    note(
      /^[A-Za-z_]\w*\(/.test(name)
        ? `${CLIENT}'s subagent tools are plain tool names: "${name}" was left out (Gemini ` +
          "refuses a subagent with a tool it does not know)"
        : `${CLIENT} has no tool "${name}"; it was left out (Gemini refuses a subagent with a ` +
          "tool it does not know)",
      "tools",
    );
    return undefined;
  }
  const back = toolFromGemini(out);
  if (back !== name) {
    note(`"${name}" is written as Gemini's "${out}" and reads back as "${back}"`, "tools");
  }
  return out;
}

const TOOLS = {
  read: (native: string[]) => native.map(toolFromGemini),
  // Duplicates stay: a list read with two names for one tool reads back the same.
  write: (canon: string[], note: NoteFn) => canon.flatMap((t) => toolToGemini(t, note) ?? []),
};

// ---------------------------------------------------------------------------------------------
// Subagents

const AGENT_NAME = /^[a-z0-9-_]+$/;

/** The frontmatter keys of a local agent and what Gemini checks (`localAgentSchema`). */
const AGENT_KEYS: Record<string, (v: unknown) => string | undefined> = {
  kind: (v) => v === "local" ? undefined : 'must be "local" or "remote"',
  name: (v) =>
    typeof v === "string" && AGENT_NAME.test(v)
      ? undefined
      : "must be lower-case letters, digits, - and _",
  description: (v) => typeof v === "string" && v !== "" ? undefined : "must be a text",
  display_name: (v) => typeof v === "string" ? undefined : "must be a text",
  tools: (v) => {
    if (!Array.isArray(v) || !v.every((t) => typeof t === "string")) {
      return "must be a list of tool names";
    }
    const bad = v.find((t) => !isGeminiTool(t));
    return bad === undefined ? undefined : `names a tool Gemini does not know: "${bad}"`;
  },
  mcp_servers: (v) =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? undefined : "must be a mapping",
  model: (v) => typeof v === "string" ? undefined : "must be a text",
  temperature: (v) => typeof v === "number" ? undefined : "must be a number",
  max_turns: (v) =>
    Number.isInteger(v) && (v as number) > 0 ? undefined : "must be a whole number above 0",
  timeout_mins: (v) =>
    Number.isInteger(v) && (v as number) > 0 ? undefined : "must be a whole number above 0",
};

/** A parsed agent file; `remote` ones (A2A agents, no prompt) are not subagents. */
interface AgentDoc extends MdDoc {
  remote?: boolean;
}

/** The line of a frontmatter key (the frontmatter starts on the file's second line). */
function keyAt(inner: string, key: string): [number, number] | [] {
  const esc = escapeRegExp(key);
  const m = new RegExp(`^["']?${esc}["']?[ \\t]*:`, "m").exec(inner);
  return m ? [inner.slice(0, m.index).split("\n").length + 1, 1] : [];
}

/** Reads an agent file as Gemini's `parseAgentMarkdown` does; throws `ConfigParseError`. */
export function parseAgent(text: string, path: string): AgentDoc {
  const refuse = (why: string, at: [number, number] | [] = []): never => {
    throw new ConfigParseError(path, `${CLIENT} does not load this agent: ${why}`, ...at);
  };
  const md = splitMd(text);
  if (md.bom) refuse("it starts with a byte order mark", [1, 1]);
  if (!md.open) refuse("it has no YAML frontmatter", [1, 1]);
  // A list of remote agents is valid; `parseFront` wants a mapping (and reports a YAML error
  // at its line in the file).
  let raw: unknown;
  try {
    raw = parseYaml(md.inner, path).toJS({ maxAliasCount: 100 });
  } catch {
    raw = undefined;
  }
  if (Array.isArray(raw)) return { md, front: { data: {}, text: md.inner }, remote: true };
  const front = parseFront(md, path);
  const data = front.data;
  const remote = data.kind === "remote" ||
    (data.kind === undefined && ("agent_card_url" in data || "agent_card_json" in data));
  if (remote) return { md, front, remote: true };
  for (const key of ["name", "description"]) {
    if (!Object.hasOwn(data, key)) refuse(`"${key}" is missing`);
  }
  for (const [k, v] of Object.entries(data)) {
    const check = Object.hasOwn(AGENT_KEYS, k) ? AGENT_KEYS[k] : undefined;
    if (!check) return refuse(`"${k}" is not one of its keys`, keyAt(md.inner, k));
    const why = check(v);
    if (why) refuse(`"${k}" ${why}`, keyAt(md.inner, k));
  }
  return { md, front };
}

const AGENT_BASE = mdRules({
  id: ID,
  client: CLIENT,
  kind: "subagent",
  ext: ".md",
  namespaces: false,
  keys: { name: "name", description: "description", model: "model", tools: "tools" },
  tools: TOOLS,
  toolsAs: "list",
  // Gemini skips files whose name starts with "_".
  skip: (rel) => rel.startsWith("_"),
  refuse: (name) =>
    !AGENT_NAME.test(name)
      ? "a name has only lower-case letters, digits, - and _"
      : name.startsWith("_")
      ? "Gemini skips agent files whose name starts with _"
      : undefined,
});

/** Gemini CLI's `agents/` folders: a subagent's name is its frontmatter `name`. */
export const AGENT_RULES: FolderRules<AgentDoc> = {
  ...AGENT_BASE,
  parse: parseAgent,
  item: (file) => file.doc.remote ? undefined : AGENT_BASE.item(file),
  render(item, cur, note) {
    const v = item.value as Subagent;
    const model = cur?.doc.front.data.model;
    if (
      v.model !== undefined && v.model !== model && /^(sonnet|opus|haiku|claude-.*)$/.test(v.model)
    ) {
      note(
        `"${v.model}" is a Claude model: ${CLIENT} asks Gemini for a model of that name`,
        "model",
      );
    }
    return AGENT_BASE.render(item, cur as FolderFile<MdDoc> | undefined, note);
  },
};

// ---------------------------------------------------------------------------------------------
// Skills

const SKILL_RULES: SkillRules = { client: CLIENT };

/** The skills of one scope: `.gemini/skills/` and the `.agents/skills/` alias, which wins. */
export interface SkillPair {
  scope: string;
  gemini: SkillScope;
  alias: SkillScope;
}

function skillWhere(s: SkillScope, name: string): boolean {
  return s.skills.has(name) || s.broken.has(name);
}

/** The items of a scope's skills: the alias's copy of a name, else `.gemini/skills/`'s. */
export function skillPairItems(p: SkillPair): Item[] {
  const out: Item[] = [];
  for (const [name, files] of p.alias.skills) {
    out.push({ kind: "skill", scope: p.scope, name, value: { files } });
  }
  for (const [name, files] of p.gemini.skills) {
    if (skillWhere(p.alias, name)) continue;
    out.push({ kind: "skill", scope: p.scope, name, value: { files } });
  }
  return out;
}

type SkillItem = Extract<Item, { kind: "skill" }>;

/**
 * The writes for one scope's skills. A skill is updated where Gemini loads it from (the alias's
 * copy when there are two; the other stays as it is); a new one goes to `.agents/skills/`, the
 * folder Codex and Rovo Dev share, so one skill is not kept twice; a removed one goes from both.
 */
export async function planSkillPair(
  ctx: Context,
  p: SkillPair,
  desired: SkillItem[],
  notes: Note[],
): Promise<PlannedWrite[]> {
  const toAlias: SkillItem[] = [];
  const toGemini: SkillItem[] = [];
  for (const item of desired) {
    skillNotes(item, notes);
    const inGemini = skillWhere(p.gemini, item.name);
    if (skillWhere(p.alias, item.name) || !inGemini) {
      toAlias.push(item);
      // The shadowed copy in `.gemini/skills/` is left as it is.
      const old = p.gemini.skills.get(item.name);
      if (old) toGemini.push({ ...item, value: { files: old } });
    } else toGemini.push(item);
  }
  return [
    ...await planSkills(ctx, p.alias, toAlias, notes, SKILL_RULES),
    ...await planSkills(ctx, p.gemini, toGemini, notes, SKILL_RULES),
  ];
}

/** A note when Gemini would not load the skill: its `SKILL.md` needs `name` and `description`. */
function skillNotes(item: SkillItem, notes: Note[]) {
  const file = item.value.files["SKILL.md"];
  if (!file) return;
  let text: string;
  try {
    text = new TextDecoder().decode(Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0)));
  } catch {
    return;
  }
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  let ok = false;
  if (m) {
    try {
      const data = parseYaml(m[1], "SKILL.md").toJS() as Record<string, unknown> | null;
      ok = typeof data?.name === "string" && typeof data.description === "string";
    } catch {
      // Gemini's fallback: `name:` and `description:` lines.
    }
    ok ||= /^\s*name:/m.test(m[1]) && /^\s*description:/m.test(m[1]);
  }
  if (!ok) {
    notes.push({
      item: itemKey(item),
      field: "files.SKILL.md",
      message: `${CLIENT} does not load a skill whose SKILL.md frontmatter lacks a name or a ` +
        "description",
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Reading and planning the three kinds

/** One scope's folders, read. */
export interface Folders {
  commands: FolderScope<Json>[];
  agents: FolderScope<AgentDoc>[];
  skills: SkillPair[];
  /** Project scopes that are the home folder: Gemini reads their folders as the user's. */
  skipped: Set<string>;
}

/** Reads the commands, agents and skills folders of every scope. */
export async function loadFolders(ctx: Context): Promise<Folders> {
  const out: Folders = { commands: [], agents: [], skills: [], skipped: new Set() };
  const scopes: [string, Record<string, string>][] = [
    ["user", ctx.paths],
    ...ctx.projects.map((p): [string, Record<string, string>] => [`project:${p.root}`, p.paths]),
  ];
  for (const [scope, paths] of scopes) {
    // `Storage.isWorkspaceHomeDir`: the project's `.gemini/` is the user's.
    if (scope !== "user" && paths.commands === ctx.paths.commands) {
      out.skipped.add(scope);
      continue;
    }
    out.commands.push(await readFolder(ctx, paths.commands, scope, COMMAND_RULES));
    out.agents.push(await readFolder(ctx, paths.agents, scope, AGENT_RULES));
    out.skills.push({
      scope,
      gemini: await readSkills(ctx, paths.skills, scope, SKILL_RULES),
      alias: await readSkills(ctx, paths.agent_skills, scope, SKILL_RULES),
    });
  }
  return out;
}

/** The items and read errors of the folders. */
export function folderResult(f: Folders): { items: Item[]; errors: ReadError[] } {
  const items: Item[] = [];
  const errors: ReadError[] = [];
  for (const s of [...f.commands, ...f.agents]) {
    for (const list of s.entries.values()) items.push(list[0].item);
    errors.push(...s.errors);
  }
  for (const p of f.skills) {
    items.push(...skillPairItems(p));
    errors.push(...p.gemini.errors, ...p.alias.errors);
  }
  return { items, errors };
}

const FOLDER_KINDS = new Set(["command", "subagent", "skill"]);

/** The writes that make the folders hold the desired commands, subagents and skills. */
export async function planFolders(
  ctx: Context,
  f: Folders,
  desired: Item[],
  notes: Note[],
): Promise<PlannedWrite[]> {
  const writes: PlannedWrite[] = [];
  for (const s of f.commands) {
    const mine = desired.filter((i): i is FolderItem =>
      i.kind === "command" && i.scope === s.scope
    );
    writes.push(...planFolder(s, mine, COMMAND_RULES, notes));
  }
  for (const s of f.agents) {
    const mine: FolderItem[] = [];
    for (const i of desired) {
      if (i.kind !== "subagent" || i.scope !== s.scope) continue;
      if (i.value.description) {
        mine.push(i);
        continue;
      }
      notes.push({
        item: itemKey(i),
        field: "description",
        message: `${CLIENT} does not load a subagent without a description; it was not written`,
      });
      // The file Gemini has now stays as it is.
      const cur = s.entries.get(i.name)?.[0];
      if (cur) mine.push(cur.item);
    }
    writes.push(...planFolder(s, mine, AGENT_RULES, notes));
  }
  for (const p of f.skills) {
    const mine = desired.filter((i): i is SkillItem => i.kind === "skill" && i.scope === p.scope);
    writes.push(...await planSkillPair(ctx, p, mine, notes));
  }
  for (const item of desired) {
    if (FOLDER_KINDS.has(item.kind) && f.skipped.has(item.scope)) {
      notes.push({
        item: itemKey(item),
        message: "this project is the home folder: Gemini CLI reads its .gemini folder as the " +
          "user scope, so the item was not written",
      });
    }
  }
  return writes;
}
