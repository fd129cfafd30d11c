/**
 * opencode's commands (`commands/**\/*.md`), agents (`agents/**\/*.md`) and skills
 * (`skills/<name>/SKILL.md`), in `$XDG_CONFIG_HOME/opencode/` (user) and `{project}/.opencode/`
 * (project).
 *
 * What this relies on, checked in the bundle of opencode 1.18.33 (its config loader and
 * `SessionPrompt.command`) and with `opencode debug config`, `opencode agent list`,
 * `opencode debug agent` and `opencode debug skill` (see README.md):
 *
 * - Each config folder is globbed for `{command,commands}/**\/*.md`, `{agent,agents}/**\/*.md`
 *   and `{skill,skills}/**\/SKILL.md`: the singular and the plural folder are both read, and
 *   sub-folders nest (`commands/git/commit.md` is the command `git/commit`, here `git:commit`).
 *   A frontmatter `name` replaces the name the path gives a command or an agent. When a name is
 *   in both folders, which file opencode takes depends on the order the folder is listed in:
 *   here the plural one is shown, and a write to it removes the other copy.
 * - Command placeholders: `$ARGUMENTS` (everything typed), `$1`, `$2`… (1-based; the highest one
 *   takes every remaining argument), `!`cmd`` (shell output) and `@file` (attached), as in Claude
 *   Code. No escape. Without a placeholder the arguments are appended after a blank line.
 * - Agents: `mode` is `primary`, `subagent` or `all` (the default). An agent the task tool can
 *   call (`subagent` or `all`) is a subagent here; `primary` agents are left alone. `tools` is a
 *   map of tool → boolean (a list makes opencode refuse the whole configuration); the canonical
 *   tool list (Claude Code's allowlist) is `{"*": false, read: true, …}`. `model` is
 *   `provider/model`.
 *
 * @module
 */
import {
  type Context,
  type FolderFile,
  type FolderItem,
  folderItems,
  type FolderRules,
  type FolderScope,
  frontText,
  isPlain,
  type Item,
  joinMd,
  type Json,
  keepText,
  type MdDoc,
  nativeKeys,
  type Note,
  type NoteFn,
  parseMdDoc,
  planFolder,
  type PlannedWrite,
  planSkills,
  put,
  type ReadError,
  readFolder,
  readSkills,
  sameValue,
  scalarText,
  skillItems,
  type SkillRules,
  type SkillScope,
  type Subagent,
} from "../_contract.ts";

const ID = "opencode";
const CLIENT = "opencode";

// ---------------------------------------------------------------------------------------------
// Placeholders

/** opencode's positional placeholder (`SessionPrompt.command`): `$` and digits, 1-based. */
const OC_POSITION = /\$(\d+)/g;

/** An opencode command body in canonical form: `$N` becomes `$ARGUMENTS[N-1]`. */
export function bodyFromOc(text: string): string {
  // `$0` is no position in opencode (alone it gives the last argument, next to other positions
  // "undefined"): it stays as it is.
  return text.replace(OC_POSITION, (m, digits: string) => {
    const n = Number(digits);
    return n >= 1 ? `$ARGUMENTS[${n - 1}]` : m;
  });
}

/**
 * A canonical body as an opencode command body, with notes for what opencode reads differently:
 * Claude Code's `$N` shorthand, a position followed by a digit, the highest position taking the
 * remaining arguments, and Qwen Code's `!{…}` / `@{…}`.
 */
export function bodyToOc(canon: string, note: NoteFn): string {
  const short: string[] = [], glued: string[] = [];
  let highest = 0;
  const out = canon.replace(
    /\$ARGUMENTS\[(\d+)\]|\$(\d+)/g,
    (m, index: string | undefined, digits: string | undefined, at: number) => {
      const n = Number(index ?? digits) + 1;
      if (digits !== undefined && !short.includes(m)) short.push(m);
      if (/^\d/.test(canon.slice(at + m.length)) && !glued.includes(m)) glued.push(m);
      highest = Math.max(highest, n);
      return `$${n}`;
    },
  );
  const list = (xs: string[]) => xs.map((x) => `"${x}"`).join(", ");
  if (short.length) {
    note(
      `opencode counts arguments from $1: ${list(short)} (Claude Code's shorthand) was written ` +
        `one higher and reads back as "$ARGUMENTS[N]"`,
    );
  }
  if (glued.length) {
    note(
      `opencode reads the digits after a position as part of it: ${list(glued)} is followed by ` +
        "a digit",
    );
  }
  if (highest) {
    note(`opencode gives its highest position ($${highest}) every remaining argument`);
  }
  if (canon.includes("!{")) {
    note('opencode does not run "!{…}" (Qwen Code\'s shell injection); it stays as text');
  }
  if (canon.includes("@{")) {
    note('opencode does not read "@{…}" (Qwen Code\'s file injection); it stays as text');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tools

/** Claude Code's tools and opencode's (1.18.33, `opencode debug agent`). */
const TOOLS: [string, string][] = [
  ["Read", "read"],
  ["Write", "write"],
  ["Edit", "edit"],
  ["Bash", "bash"],
  ["Grep", "grep"],
  ["Glob", "glob"],
  ["WebFetch", "webfetch"],
  ["WebSearch", "websearch"],
  ["Task", "task"],
  ["TodoWrite", "todowrite"],
  ["Skill", "skill"],
];
const TO_OC = new Map(TOOLS);
const FROM_OC = new Map(TOOLS.map(([c, o]) => [o, c]));
/** Claude Code tools that are another opencode tool. */
const ALIASES = new Map([["MultiEdit", "edit"]]);

/**
 * An opencode `tools` map as a canonical tool list, when it is one: `"*": false` first, then only
 * known tools set to `true`. Any other map (`{write: false}`) has no canonical form.
 */
export function toolsFromOc(v: unknown): string[] | undefined {
  if (!isPlain(v)) return undefined;
  const entries = Object.entries(v);
  if (entries[0]?.[0] !== "*" || entries[0][1] !== false) return undefined;
  const out: string[] = [];
  for (const [k, on] of entries.slice(1)) {
    const tool = FROM_OC.get(k);
    if (on !== true || !tool || out.includes(tool)) return undefined;
    out.push(tool);
  }
  return out;
}

/** A canonical tool list as an opencode `tools` map (every other tool off). */
export function toolsToOc(tools: string[], note: NoteFn): Json {
  const out: Json = { "*": false };
  const dropped: string[] = [];
  for (const t of tools) {
    const oc = TO_OC.get(t) ?? ALIASES.get(t);
    if (!oc) {
      if (!dropped.includes(t)) dropped.push(t);
      continue;
    }
    if (ALIASES.has(t)) {
      note(`"${t}" is opencode's "${oc}" and reads back as "${FROM_OC.get(oc)}"`, "tools");
    }
    if (out[oc] === true) {
      note(`"${t}" is opencode's "${oc}", already in the list; it is kept once`, "tools");
    }
    out[oc] = true;
  }
  if (dropped.length) {
    note(
      `opencode has no tool for ${dropped.map((t) => `"${t}"`).join(", ")} (MCP tools are ` +
        "<server>_<tool> there); the subagent does not get it",
      "tools",
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Commands

/** The item name a frontmatter `name` gives (`git/commit` is `git:commit`). */
function frontName(data: Json): string | undefined {
  return typeof data.name === "string" ? data.name.split("/").join(":") : undefined;
}

/** The file's own `name` key when it has one (it names the item, so it stays). */
function keptName(cur: FolderFile<MdDoc> | undefined): Json {
  const name = cur?.doc.front.data.name;
  return typeof name === "string" ? { name } : {};
}

/** `commands/**\/*.md`: `description`; `agent`, `model`, `subtask`, `variant` stay as extras. */
export const COMMAND_RULES: FolderRules<MdDoc> = {
  client: CLIENT,
  kind: "command",
  ext: ".md",
  namespaces: true,
  parse: parseMdDoc,
  item({ doc }) {
    const data = doc.front.data;
    const value: Record<string, unknown> = { body: bodyFromOc(doc.md.body) };
    const extras: Json = {};
    for (const [k, v] of Object.entries(data)) {
      if (k === "name" && typeof v === "string") continue;
      if (k === "description" && scalarText(v) !== undefined) value.description = scalarText(v);
      else put(extras, k, v);
    }
    if (Object.keys(extras).length) value.extras = { [ID]: extras };
    return { name: frontName(data), value: value as FolderItem["value"] };
  },
  render(item, cur, note) {
    const v = item.value as Extract<Item, { kind: "command" }>["value"];
    const mapped: Json = keptName(cur);
    if (v.description !== undefined) {
      mapped.description = keepText(cur?.doc.front.data.description, v.description);
    }
    if (v.argumentHint !== undefined) {
      note("opencode has no place for an argument hint; it is not kept", "argumentHint");
    }
    const want = nativeKeys(mapped, v.extras?.[ID] as Json | undefined);
    // A body that did not change keeps its own spelling (and needs no notes).
    const body = cur && bodyFromOc(cur.doc.md.body) === v.body
      ? cur.doc.md.body
      : bodyToOc(v.body, note);
    return joinMd(cur?.doc.md, frontText(cur, want), body);
  },
};

// ---------------------------------------------------------------------------------------------
// Agents

/** opencode's model reference (`provider/model`, optionally `#variant`). */
const MODEL = /^[^/#]+\/[^#]+(?:#[^#]+)?$/;

/** The modes in which the task tool can call an agent. */
const SUBAGENT_MODES = new Set(["subagent", "all"]);

/** `agents/**\/*.md` with `mode` `subagent`, `all` or none: the agents other agents can call. */
export const AGENT_RULES: FolderRules<MdDoc> = {
  client: CLIENT,
  kind: "subagent",
  ext: ".md",
  namespaces: true,
  parse: parseMdDoc,
  item({ doc }) {
    const data = doc.front.data;
    // Primary agents (and modes opencode does not know) are not subagents: left alone.
    if (data.mode !== undefined && !SUBAGENT_MODES.has(data.mode as string)) return undefined;
    const value: Subagent = { body: doc.md.body };
    const extras: Json = {};
    for (const [k, v] of Object.entries(data)) {
      if (k === "name" && typeof v === "string") continue;
      if (k === "mode" && v === "subagent") continue;
      if (k === "description" && scalarText(v) !== undefined) value.description = scalarText(v);
      else if (k === "model" && typeof v === "string") value.model = v;
      else if (k === "tools" && toolsFromOc(v)) value.tools = toolsFromOc(v);
      else put(extras, k, v);
    }
    if (Object.keys(extras).length) value.extras = { [ID]: extras };
    return { name: frontName(data), value };
  },
  render(item, cur, note) {
    const v = item.value as Subagent;
    const now = cur?.doc.front.data ?? {};
    const extras = { ...(v.extras?.[ID] as Json | undefined) };
    const mapped: Json = keptName(cur);
    if (v.description !== undefined) mapped.description = keepText(now.description, v.description);
    // `mode: subagent` unless the value keeps `all`; a file without `mode` (`all`) stays so.
    const mode = extras.mode;
    delete extras.mode;
    if (mode === "all") mapped.mode = "all";
    else {
      if (mode !== undefined && mode !== "subagent") {
        note(
          `opencode's mode ${JSON.stringify(mode)} is not a subagent's; it was written as subagent`,
          "extras.opencode.mode",
        );
      }
      if (!cur || now.mode !== undefined || mode !== undefined) mapped.mode = "subagent";
    }
    if (v.model !== undefined) {
      if (v.model === now.model || MODEL.test(v.model)) mapped.model = v.model;
      else {
        note(
          `opencode names a model "provider/model"; "${v.model}" is not written (a subagent ` +
            "without a model uses the model of the agent that calls it)",
          "model",
        );
      }
    }
    if (v.tools !== undefined) {
      const raw = now.tools;
      mapped.tools = sameValue(toolsFromOc(raw), v.tools) ? raw : toolsToOc(v.tools, note);
      if (Object.hasOwn(extras, "tools")) {
        note(
          `the tools map opencode kept (${JSON.stringify(extras.tools)}) is replaced`,
          "tools",
        );
        delete extras.tools;
      }
    }
    const want = nativeKeys(mapped, extras);
    return joinMd(cur?.doc.md, frontText(cur, want), v.body);
  },
};

// ---------------------------------------------------------------------------------------------
// Skills

const SKILL_RULES: SkillRules = { client: CLIENT };

// ---------------------------------------------------------------------------------------------
// Reading and planning both folders of a kind

/** Where one scope keeps its folders: the plural one first. */
interface FolderPaths {
  scope: string;
  commands: [string, string];
  agents: [string, string];
  skills: [string, string];
}

/** One scope's skills: the plural folder, and the singular one opencode also reads. */
interface SkillPair {
  scope: string;
  plural: SkillScope;
  singular: SkillScope;
}

/** Every scope's folders, read. */
export interface Folders {
  md: { scope: FolderScope<MdDoc>; rules: FolderRules<MdDoc> }[];
  skills: SkillPair[];
}

function folderPaths(ctx: Context): FolderPaths[] {
  const pick = (p: Record<string, string>) => ({
    commands: [p.commands, p.commands_singular] as [string, string],
    agents: [p.agents, p.agents_singular] as [string, string],
    skills: [p.skills, p.skills_singular] as [string, string],
  });
  return [
    { scope: "user", ...pick(ctx.paths) },
    ...ctx.projects.map((p) => ({ scope: `project:${p.root}`, ...pick(p.paths) })),
  ];
}

/**
 * Both folders of a kind as one scope: the plural folder's file of a name comes first, new files
 * go to the plural folder, and a broken file in either freezes the kind.
 */
async function readPair(
  ctx: Context,
  [plural, singular]: [string, string],
  scope: string,
  rules: FolderRules<MdDoc>,
): Promise<FolderScope<MdDoc>> {
  const a = await readFolder(ctx, plural, scope, rules);
  const b = await readFolder(ctx, singular, scope, rules);
  for (const [name, list] of b.entries) {
    a.entries.set(name, [...a.entries.get(name) ?? [], ...list]);
  }
  for (const p of b.paths) a.paths.add(p);
  a.broken ||= b.broken;
  a.errors.push(...b.errors);
  return a;
}

/** Reads the commands, agents and skills folders of every scope. */
export async function loadFolders(ctx: Context): Promise<Folders> {
  const out: Folders = { md: [], skills: [] };
  for (const f of folderPaths(ctx)) {
    out.md.push({
      scope: await readPair(ctx, f.commands, f.scope, COMMAND_RULES),
      rules: COMMAND_RULES,
    });
    out.md.push({ scope: await readPair(ctx, f.agents, f.scope, AGENT_RULES), rules: AGENT_RULES });
    out.skills.push({
      scope: f.scope,
      plural: await readSkills(ctx, f.skills[0], f.scope, SKILL_RULES),
      singular: await readSkills(ctx, f.skills[1], f.scope, SKILL_RULES),
    });
  }
  return out;
}

/** The items and read errors of the folders. */
export function folderRead(f: Folders): { items: Item[]; errors: ReadError[] } {
  const items: Item[] = f.md.flatMap((m) => folderItems(m.scope));
  const errors: ReadError[] = f.md.flatMap((m) => m.scope.errors);
  for (const s of f.skills) {
    items.push(...skillItems(s.plural));
    // A skill folder in both: the plural one is shown.
    items.push(...skillItems(s.singular).filter((i) => !s.plural.skills.has(i.name)));
    errors.push(...s.plural.errors, ...s.singular.errors);
  }
  return { items, errors };
}

/** The writes that make every scope's folders hold the desired commands, agents and skills. */
export async function planFolders(
  ctx: Context,
  f: Folders,
  desired: Item[],
  notes: Note[],
): Promise<PlannedWrite[]> {
  const writes: PlannedWrite[] = [];
  for (const { scope: s, rules } of f.md) {
    const mine = desired.filter((i): i is FolderItem => i.kind === s.kind && i.scope === s.scope);
    const planned = planFolder(s, mine, rules, notes);
    writes.push(...planned);
    // The other copy of a rewritten item goes: opencode could take either.
    const written = new Set(planned.filter((w) => w.content !== null).map((w) => w.path));
    for (const list of s.entries.values()) {
      if (list.length > 1 && written.has(list[0].file.path)) {
        for (const e of list.slice(1)) writes.push({ path: e.file.path, content: null });
      }
    }
  }
  for (const s of f.skills) {
    const mine = desired.filter((i): i is Extract<Item, { kind: "skill" }> =>
      i.kind === "skill" && i.scope === s.scope
    );
    // A skill only in the singular folder is kept there; the rest is the plural folder's.
    const there = (name: string) => s.singular.skills.has(name) && !s.plural.skills.has(name);
    const plural = await planSkills(
      ctx,
      s.plural,
      mine.filter((i) => !there(i.name)),
      notes,
      SKILL_RULES,
    );
    // The singular copy of a skill in both folders stays as it is, unless the plural one is
    // rewritten or removed: then it goes too (opencode could take either).
    const touched = (name: string) =>
      plural.some((w) => w.path.startsWith(`${s.plural.root}/${name}/`)) ||
      !mine.some((i) => i.name === name);
    const keep = [...s.singular.skills.keys()].filter((n) => !there(n) && !touched(n));
    const singular: SkillScope = {
      ...s.singular,
      broken: new Set([...s.singular.broken, ...keep]),
    };
    writes.push(
      ...plural,
      ...await planSkills(ctx, singular, mine.filter((i) => there(i.name)), notes, SKILL_RULES),
    );
  }
  return writes;
}
