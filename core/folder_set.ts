/**
 * The folders a client keeps in each scope for its commands, subagents and skills (Claude Code's
 * `.claude/`, Cursor's `.cursor/`, Kiro's `.kiro/`): one folder of command files, one of agent
 * files and one of skill folders. A project that is the home folder has the user's folders as its
 * own: they are read once, as the user scope, and nothing is planned for the project.
 *
 * Shared by the plugins through the contract.
 *
 * @module
 */
import type { Context, PlannedWrite, ReadError } from "../plugins/_contract.ts";
import {
  type FolderItem,
  folderItems,
  type FolderRules,
  type FolderScope,
  planFolder,
  readFolder,
} from "./item_folder.ts";
import type { Item, Note } from "./schema.ts";
import { itemKey } from "./canonical.ts";
import {
  planSkills,
  readSkills,
  skillItems,
  type SkillRules,
  type SkillScope,
} from "./skill_files.ts";

/** What one client keeps in its folders, and how. */
export interface FolderSetRules<D> {
  /** The client's name and its folder, for notes: "Cursor", ".cursor". */
  client: string;
  folder: string;
  /** The manifest's path names of the three folders (default: commands, agents, skills). */
  paths?: { commands: string; agents: string; skills: string };
  commands: FolderRules<D>;
  agents: FolderRules<D>;
  skills: SkillRules;
  /** True (with a note) when a desired item of a folder must not be planned there. */
  refuse?(s: FolderScope<D>, item: FolderItem, notes: Note[]): boolean;
}

/** Every scope's folders, read. */
export interface FolderSet<D> {
  md: FolderScope<D>[];
  skills: SkillScope[];
  /** Projects in the home folder: their folders are the user's, read once as the user scope. */
  skipped: Set<string>;
}

const KINDS = new Set<string>(["command", "subagent", "skill"]);

/** Reads the commands, agents and skills folders of every scope. */
export async function readFolderSet<D>(
  ctx: Context,
  rules: FolderSetRules<D>,
): Promise<FolderSet<D>> {
  const names = rules.paths ?? { commands: "commands", agents: "agents", skills: "skills" };
  const out: FolderSet<D> = { md: [], skills: [], skipped: new Set() };
  const scopes: [string, Record<string, string>][] = [
    ["user", ctx.paths],
    ...ctx.projects.map((p): [string, Record<string, string>] => [`project:${p.root}`, p.paths]),
  ];
  for (const [scope, paths] of scopes) {
    if (scope !== "user" && paths[names.commands] === ctx.paths[names.commands]) {
      out.skipped.add(scope);
      continue;
    }
    out.md.push(await readFolder(ctx, paths[names.commands], scope, rules.commands));
    out.md.push(await readFolder(ctx, paths[names.agents], scope, rules.agents));
    out.skills.push(await readSkills(ctx, paths[names.skills], scope, rules.skills));
  }
  return out;
}

/** The items and read errors of the folders. */
export function folderSetResult<D>(f: FolderSet<D>): { items: Item[]; errors: ReadError[] } {
  return {
    items: [...f.md.flatMap(folderItems), ...f.skills.flatMap(skillItems)],
    errors: [...f.md.flatMap((s) => s.errors), ...f.skills.flatMap((s) => s.errors)],
  };
}

/** The writes that make every scope's folders hold the desired commands, agents and skills. */
export async function planFolderSet<D>(
  ctx: Context,
  f: FolderSet<D>,
  desired: Item[],
  rules: FolderSetRules<D>,
  notes: Note[],
): Promise<PlannedWrite[]> {
  const writes: PlannedWrite[] = [];
  for (const s of f.md) {
    const mine = desired.filter((i): i is FolderItem =>
      i.kind === s.kind && i.scope === s.scope && !rules.refuse?.(s, i as FolderItem, notes)
    );
    writes.push(
      ...planFolder(s, mine, s.kind === "command" ? rules.commands : rules.agents, notes),
    );
  }
  for (const s of f.skills) {
    const mine = desired.filter((i): i is Extract<Item, { kind: "skill" }> =>
      i.kind === "skill" && i.scope === s.scope
    );
    writes.push(...await planSkills(ctx, s, mine, notes, rules.skills));
  }
  for (const item of desired) {
    if (KINDS.has(item.kind) && f.skipped.has(item.scope)) {
      notes.push({
        item: itemKey(item),
        message: `this project is the home folder: ${rules.client} reads its ${rules.folder} ` +
          "folder as the user scope, so the item was not written",
      });
    }
  }
  return writes;
}
