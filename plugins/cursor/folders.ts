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
  type FolderRules,
  type FolderSetRules,
  type MdDoc,
  mdRules,
  type NoteFn,
} from "../_contract.ts";

const ID = "cursor";
const CLIENT = "Cursor";

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

/** The commands, agents and skills folders of `~/.cursor/` and `{project}/.cursor/`. */
export const FOLDERS: FolderSetRules<MdDoc> = {
  client: CLIENT,
  folder: ".cursor",
  commands: COMMAND_RULES,
  agents: AGENT_RULES,
  skills: {
    client: CLIENT,
    refuse: (name) => name.includes(":") ? "a skill folder name has no colon" : undefined,
  },
};
