/**
 * Cursor's commands (`commands/*.md`), subagents (`agents/*.md`) and skills (`skills/<name>/`),
 * in `~/.cursor/` (user) and `{project}/.cursor/` (project).
 *
 * What this relies on (see README.md for the sources):
 *
 * - A command is a plain Markdown file; its name is the file name without `.md`. Only the top
 *   level is read: Cursor's commands are flat (rulesync's adapter: no sub-folders). A
 *   `description` frontmatter key is kept as the description (rulesync's Cursor adapter).
 * - Cursor expands no placeholder in a command: the text typed after `/name` is sent after the
 *   command's text. A body that ends with `$ARGUMENTS` loses it (the arguments land there
 *   anyway); any other placeholder stays as text, with a note.
 * - A subagent is a Markdown file with `name` (defaults to the file name), `description`,
 *   `model`, `readonly` and `is_background`. There is no tool list.
 * - Skills are Agent Skills folders, copied byte for byte.
 *
 * @module
 */
import {
  type Context,
  type FolderItem,
  folderItems,
  type FolderRules,
  type FolderScope,
  type Item,
  itemKey,
  type MdDoc,
  mdRules,
  type Note,
  type NoteFn,
  planFolder,
  type PlannedWrite,
  planSkills,
  type ReadError,
  readFolder,
  readSkills,
  skillItems,
  type SkillRules,
  type SkillScope,
} from "../_contract.ts";

const ID = "cursor";
const CLIENT = "Cursor";

/** The kinds kept in folders. */
export const FOLDER_KINDS = new Set<string>(["command", "subagent", "skill"]);

/** Placeholders of other clients that Cursor does not expand (canonical ones first). */
const PLACEHOLDERS = [
  /(?<![\\$])\$ARGUMENTS(?:\[\d+\])?/g, // canonical (Claude Code's) placeholders
  /[!@]\{[^}\n]*\}/g, // Qwen Code's shell and file injection
];
const TRAILING_ARGUMENTS = /\s*(?<![\\$])\$ARGUMENTS(\s*)$/;

/** The placeholders in a body, each once, in the order they appear. */
export function placeholdersIn(body: string): string[] {
  const found: [number, string][] = [];
  for (const re of PLACEHOLDERS) for (const m of body.matchAll(re)) found.push([m.index, m[0]]);
  const out: string[] = [];
  for (const [, p] of found.sort((a, b) => a[0] - b[0])) if (!out.includes(p)) out.push(p);
  return out;
}

/**
 * A canonical body as a Cursor command. Cursor sends what is typed after the command after the
 * command's text, so a trailing `$ARGUMENTS` is left out (noted: the file reads back without it).
 */
export function commandBodyToCursor(body: string, note: NoteFn): string {
  const m = TRAILING_ARGUMENTS.exec(body);
  if (!m) return body;
  note(
    'Cursor sends the arguments after the command itself: the trailing "$ARGUMENTS" was left ' +
      "out (the command reads back without it)",
  );
  return body.slice(0, m.index) + m[1];
}

/** Notes for the placeholders a command's file still holds (Cursor expands none). */
/** Notes the placeholders a Cursor body keeps as text. */
function placeholderNotes(body: string, note: NoteFn) {
  const rest = placeholdersIn(body);
  if (!rest.length) return;
  note(
    "Cursor commands have no placeholders (the arguments are sent after the command): " +
      `${rest.map((p) => `"${p}"`).join(", ")} ${rest.length === 1 ? "stays" : "stay"} as text`,
  );
}

/** `.cursor/commands/*.md`. */
export const COMMAND_RULES: FolderRules<MdDoc> = mdRules({
  id: ID,
  client: CLIENT,
  kind: "command",
  ext: ".md",
  namespaces: false,
  keys: { description: "description" },
  body: {
    read: (body) => body,
    write: (canon, note) => {
      const body = commandBodyToCursor(canon, note);
      placeholderNotes(body, note);
      return body;
    },
  },
});

/**
 * `.cursor/agents/*.md`: the name is the `name` key, else the file name. New subagents spell out
 * `name`, as Cursor's examples do; a file without one keeps having none.
 */
export const AGENT_RULES: FolderRules<MdDoc> = mdRules({
  id: ID,
  client: CLIENT,
  kind: "subagent",
  ext: ".md",
  namespaces: false,
  keys: { name: "name", description: "description", model: "model" },
});

const SKILL_RULES: SkillRules = {
  client: CLIENT,
  refuse: (name) => name.includes(":") ? "a skill folder name has no colon" : undefined,
};

/** Where one scope keeps its folders. */
interface FolderPaths {
  scope: string;
  commands: string;
  agents: string;
  skills: string;
}

/** Every scope's folders, read. */
export interface Folders {
  md: FolderScope<MdDoc>[];
  skills: SkillScope[];
  /** Projects in the home folder: their `.cursor/` is the user's, read once as the user scope. */
  skipped: Set<string>;
}

function folderPaths(ctx: Context): FolderPaths[] {
  return [
    { scope: "user", ...pick(ctx.paths) },
    ...ctx.projects.map((p) => ({ scope: `project:${p.root}`, ...pick(p.paths) })),
  ];
}

function pick(paths: Record<string, string>) {
  return { commands: paths.commands, agents: paths.agents, skills: paths.skills };
}

/** Reads the commands, agents and skills folders of every scope. */
export async function loadFolders(ctx: Context): Promise<Folders> {
  const out: Folders = { md: [], skills: [], skipped: new Set() };
  for (const f of folderPaths(ctx)) {
    if (f.scope !== "user" && f.commands === ctx.paths.commands) {
      out.skipped.add(f.scope);
      continue;
    }
    out.md.push(await readFolder(ctx, f.commands, f.scope, COMMAND_RULES));
    out.md.push(await readFolder(ctx, f.agents, f.scope, AGENT_RULES));
    out.skills.push(await readSkills(ctx, f.skills, f.scope, SKILL_RULES));
  }
  return out;
}

/** The items and read errors of the folders. */
export function folderRead(f: Folders): { items: Item[]; errors: ReadError[] } {
  return {
    items: [...f.md.flatMap(folderItems), ...f.skills.flatMap(skillItems)],
    errors: [...f.md.flatMap((s) => s.errors), ...f.skills.flatMap((s) => s.errors)],
  };
}

/** The writes that make every scope's folders hold the desired commands, agents and skills. */
export async function planFolders(
  ctx: Context,
  f: Folders,
  desired: Item[],
  notes: Note[],
): Promise<PlannedWrite[]> {
  const writes: PlannedWrite[] = [];
  for (const s of f.md) {
    const mine = desired.filter((i): i is FolderItem => i.kind === s.kind && i.scope === s.scope);
    writes.push(
      ...planFolder(s, mine, s.kind === "command" ? COMMAND_RULES : AGENT_RULES, notes),
    );
  }
  for (const s of f.skills) {
    const mine = desired.filter((i): i is Extract<Item, { kind: "skill" }> =>
      i.kind === "skill" && i.scope === s.scope
    );
    writes.push(...await planSkills(ctx, s, mine, notes, SKILL_RULES));
  }
  for (const item of desired) {
    if (FOLDER_KINDS.has(item.kind) && f.skipped.has(item.scope)) {
      notes.push({
        item: itemKey(item),
        message: "this project is the home folder: Cursor reads its .cursor folder as the user " +
          "scope, so the item was not written",
      });
    }
  }
  return writes;
}
