/**
 * Kiro's prompts (`prompts/*.md`, aisync's commands), custom agents (`agents/**\/*.md`) and
 * skills (`skills/<name>/`), in `~/.kiro/` (user) and `{project}/.kiro/` (workspace).
 *
 * What this relies on (see README.md for the sources):
 *
 * - A prompt is a Markdown file whose name is the file name without `.md`; the folder is read at
 *   the top level only. Kiro sends the file as it is: it has no description and expands no
 *   placeholder (arguments given after `@name` are dropped), so a placeholder stays as text,
 *   with a note. A frontmatter a prompt file has is kept in the extras.
 * - A custom agent (Kiro IDE 1.x, CLI 3.x, Web: one agent harness) is a Markdown file: YAML
 *   frontmatter (`description`, `model`, `tools` tags, `mcpServers`, `permissions`,
 *   `resources`, …) and the system prompt as the body. Sub-folders are part of the name:
 *   `team/planner.md` is `team/planner`, here `team:planner`. JSON agents (`*.json`, Kiro CLI
 *   2.x) are left alone: they are not read, and no Markdown agent of the same name is written.
 * - `tools` holds category tags: `read`, `write`, `shell`, `web` are Claude Code's Read/Grep/Glob,
 *   Write/Edit, Bash and WebFetch/WebSearch; other tags (`@mcp`, `*`, …) are kept as they are.
 * - Skills are Agent Skills folders, copied byte for byte.
 *
 * @module
 */
import {
  type FolderItem,
  type FolderRules,
  type FolderScope,
  type FolderSetRules,
  itemKey,
  type MdDoc,
  mdRules,
  type Note,
  type NoteFn,
  sameValue,
  splitMd,
  type Subagent,
  toolList,
} from "../_contract.ts";

const ID = "kiro";
const CLIENT = "Kiro";

/** Placeholders of other clients; Kiro's file prompts expand none of them. */
const PLACEHOLDERS = [
  /(?<![\\$])\$ARGUMENTS(?:\[\d+\])?/g, // canonical (Claude Code's) placeholders
  /\$\{(?:\d+|@)\}/g, // the `${1}`/`${@}` Kiro's docs show, which it does not expand
  /[!@]\{[^}\n]*\}/g, // Qwen Code's shell and file injection
];

/** The placeholders in a body, each once, in the order they appear. */
export function placeholdersIn(body: string): string[] {
  const found: [number, string][] = [];
  for (const re of PLACEHOLDERS) for (const m of body.matchAll(re)) found.push([m.index, m[0]]);
  const out: string[] = [];
  for (const [, p] of found.sort((a, b) => a[0] - b[0])) if (!out.includes(p)) out.push(p);
  return out;
}

const PROMPT_MD = mdRules({
  id: ID,
  client: CLIENT,
  kind: "command",
  ext: ".md",
  namespaces: false,
  keys: {},
});

/** `.kiro/prompts/*.md`: the body as it is, placeholders noted. */
export const PROMPT_RULES: FolderRules<MdDoc> = {
  ...PROMPT_MD,
  render(item, cur, note) {
    const text = PROMPT_MD.render(item, cur, note);
    const rest = placeholdersIn(splitMd(text).body);
    if (rest.length) {
      note(
        "Kiro does not fill in arguments in prompt files (arguments after @name are dropped): " +
          `${rest.map((p) => `"${p}"`).join(", ")} ${rest.length === 1 ? "stays" : "stay"} ` +
          "as text",
      );
    }
    return text;
  },
};

/** Kiro's tool tags and the Claude Code tools each one grants. */
const TAGS: [string, string[]][] = [
  ["read", ["Read", "Grep", "Glob"]],
  ["write", ["Write", "Edit"]],
  ["shell", ["Bash"]],
  ["web", ["WebFetch", "WebSearch"]],
];
const TAG_OF = new Map(TAGS.flatMap(([tag, tools]) => tools.map((t) => [t, tag] as const)));
const TOOLS_OF = new Map(TAGS);
/** Claude Code's tool names (`Read`, `NotebookEdit`, `Bash(git *)`, `mcp__srv__tool`). */
const CLAUDE_TOOL = /^(?:[A-Z]|mcp__)/;

/** Kiro's tags as Claude Code tool names; tags without an equivalent are kept. */
export function toolsFromKiro(native: string[]): string[] {
  const out: string[] = [];
  for (const t of native) {
    for (const c of TOOLS_OF.get(t) ?? [t]) if (!out.includes(c)) out.push(c);
  }
  return out;
}

/**
 * Claude Code tool names as Kiro's tags, with notes for what a tag adds or cannot say. Anything
 * that is not a Claude Code name (Kiro's own `@mcp`, `*`, `subagent` …) is kept as it is.
 */
export function toolsToKiro(canon: string[], note: NoteFn): string[] {
  const out: string[] = [];
  const dropped: string[] = [];
  for (const t of canon) {
    const tag = TAG_OF.get(t) ?? (CLAUDE_TOOL.test(t) ? undefined : t);
    if (tag === undefined) dropped.push(t);
    else if (!out.includes(tag)) out.push(tag);
  }
  if (dropped.length) {
    note(
      `Kiro has no tool tag for ${dropped.map((t) => `"${t}"`).join(", ")}; not written`,
      "tools",
    );
  }
  const back = toolsFromKiro(out);
  if (!sameValue(back, canon.filter((t) => !dropped.includes(t)))) {
    note(
      `Kiro grants tools by category (${out.map((t) => `"${t}"`).join(", ")}): the tool list ` +
        `reads back as ${back.join(", ")}`,
      "tools",
    );
  }
  return out;
}

const AGENT_MD = mdRules({
  id: ID,
  client: CLIENT,
  kind: "subagent",
  ext: ".md",
  namespaces: true,
  keys: { description: "description", model: "model" },
});

/**
 * `.kiro/agents/**\/*.md`: the name is the path below the folder. `tools` is mapped here rather
 * than by `mdRules`, so that a file whose list already means the desired tools keeps it as it is
 * (a list of Claude Code names in a Kiro file reads as those names, and is not rewritten).
 */
export const AGENT_RULES: FolderRules<MdDoc> = {
  ...AGENT_MD,
  item(file) {
    const got = AGENT_MD.item(file);
    const own = got?.value.extras?.[ID];
    const list = own && Object.hasOwn(own, "tools") ? toolList(own.tools) : undefined;
    if (!got || !own || !list) return got;
    const { tools: _t, ...rest } = own;
    const value = { ...got.value, tools: toolsFromKiro(list) } as Subagent;
    if (Object.keys(rest).length) value.extras = { ...value.extras, [ID]: rest };
    else {
      const { [ID]: _k, ...others } = value.extras ?? {};
      if (Object.keys(others).length) value.extras = others;
      else delete value.extras;
    }
    return { ...got, value };
  },
  render(item, cur, note) {
    const { tools, ...value } = item.value as Subagent;
    if (tools === undefined) return AGENT_MD.render(item, cur, note);
    const raw = cur?.doc.front.data.tools;
    const list = toolList(raw);
    const native = list && sameValue(toolsFromKiro(list), tools) ? raw : toolsToKiro(tools, note);
    // `tools` goes first among the extras: after `description` and `model` in a new file.
    const own = { tools: native, ...value.extras?.[ID] };
    const next = { ...value, extras: { ...value.extras, [ID]: own } };
    return AGENT_MD.render({ ...item, value: next } as FolderItem, cur, note);
  },
};

/** The prompts, agents and skills folders of `~/.kiro/` and `{project}/.kiro/`. */
export const FOLDERS: FolderSetRules<MdDoc> = {
  client: CLIENT,
  folder: ".kiro",
  paths: { commands: "prompts", agents: "agents", skills: "skills" },
  commands: PROMPT_RULES,
  agents: AGENT_RULES,
  skills: {
    client: CLIENT,
    refuse: (name) => name.includes(":") ? "a skill folder name has no colon" : undefined,
  },
  refuse: (s, item, notes) => s.kind === "subagent" && shadowedByJson(s, item, notes),
};

/**
 * True (with a note) when a new Markdown agent would get the name of a JSON agent (Kiro CLI
 * 2.x's format, which aisync does not manage): Kiro would then have two agents of one name.
 */
function shadowedByJson(s: FolderScope<MdDoc>, item: FolderItem, notes: Note[]): boolean {
  if (s.entries.has(item.name)) return false;
  const json = `${s.root}/${item.name.split(":").join("/")}.json`;
  if (!s.paths.has(json)) return false;
  notes.push({
    item: itemKey(item),
    field: "name",
    message: `Kiro already has a JSON agent "${json}" of this name, which aisync leaves ` +
      "alone; the agent was not written",
  });
  return true;
}
