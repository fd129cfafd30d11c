/**
 * GitHub Copilot's custom agents and skills as both Copilot CLI and VS Code read them: one
 * Markdown file per agent in `.github/agents/` and `~/.copilot/agents/`, and Agent Skills folders
 * in `.github/skills/` and `~/.copilot/skills/`.
 *
 * Copilot CLI and VS Code read the same folders, so their plugins must plan the same bytes for
 * the same item: both take this one module through the contract.
 *
 * What this relies on (see the plugins' README.md for how each was confirmed):
 *
 * - An agent file is `<name>.agent.md` or `<name>.md` (not `README.md`) at the top of the
 *   folder, with a YAML frontmatter. Its name is the frontmatter `name`, else the file name
 *   without `.agent.md` / `.md`. Copilot CLI also walks sub-folders (`a/b.agent.md` is `a--b`);
 *   VS Code does not, so sub-folders are left alone.
 * - Frontmatter `description`, `model` and `tools` map to the canonical fields; every other key
 *   (`target`, `argument-hint`, `handoffs`, `mcp-servers`, `user-invocable`, …) is kept verbatim
 *   in the plugin's extras. New agents are written `<name>.agent.md` with a `name` key.
 * - `tools` holds Copilot's tool aliases (case-insensitive): `execute` (`shell`, `Bash`,
 *   `powershell`), `read` (`Read`, `NotebookRead`), `edit` (`Edit`, `MultiEdit`, `Write`,
 *   `NotebookEdit`), `search` (`Grep`, `Glob`), `agent` (`custom-agent`, `Task`), `web`
 *   (`WebSearch`, `WebFetch`), `todo` (`TodoWrite`); `<server>/<tool>` and `<server>/*` name MCP
 *   tools; unknown names are ignored by both clients.
 *
 * @module
 */
import type { Context, PlannedWrite } from "../plugins/_contract.ts";
import {
  type FolderItem,
  folderItems,
  type FolderRules,
  type FolderScope,
  type MdDoc,
  mdRules,
  type NoteFn,
  planFolder,
  readFolder,
} from "./item_folder.ts";
import type { Item, Note } from "./schema.ts";
import { sameValue } from "./canonical.ts";
import type { SkillRules } from "./skill_files.ts";

/** How new agent files end. */
export const AGENT_EXT = ".agent.md";

// ---------------------------------------------------------------------------------------------
// Tool names

/** Copilot's primary tool aliases and the Claude Code tools each one stands for. */
const ALIAS_TOOLS: Record<string, string[]> = {
  execute: ["Bash"],
  read: ["Read"],
  edit: ["Edit", "Write"],
  search: ["Grep", "Glob"],
  agent: ["Task"],
  web: ["WebFetch", "WebSearch"],
  todo: ["TodoWrite"],
};

/** Claude Code's tools that are Copilot's compatible aliases, and their primary alias. */
const CLAUDE_ALIAS: Record<string, string> = {
  Bash: "execute",
  Read: "read",
  NotebookRead: "read",
  Edit: "edit",
  MultiEdit: "edit",
  Write: "edit",
  NotebookEdit: "edit",
  Grep: "search",
  Glob: "search",
  Task: "agent",
  Agent: "agent",
  WebFetch: "web",
  WebSearch: "web",
  TodoWrite: "todo",
};

/** Other compatible aliases (lower case) and the Claude Code tool they read as. */
const OTHER_ALIAS: Record<string, string> = {
  shell: "Bash",
  powershell: "Bash",
  "custom-agent": "Task",
};

/** Tool-set names whose `<set>/<tool>` entries are built-in tools, not MCP servers. */
const TOOL_SETS = new Set([...Object.keys(ALIAS_TOOLS), "vscode"]);

const BY_LOWER = new Map(Object.keys(CLAUDE_ALIAS).map((c) => [c.toLowerCase(), c]));

/** One native tool name in Claude Code's vocabulary (some aliases stand for several tools). */
function toolFromCopilot(name: string): string[] {
  const lower = name.toLowerCase();
  if (Object.hasOwn(ALIAS_TOOLS, lower)) return ALIAS_TOOLS[lower];
  if (BY_LOWER.has(lower)) return [BY_LOWER.get(lower)!];
  if (Object.hasOwn(OTHER_ALIAS, lower)) return [OTHER_ALIAS[lower]];
  const m = /^([^/*]+)\/(.+)$/.exec(name);
  // `read/terminalLastCommand` is a built-in tool; `azure.ext/tool` an extension's.
  if (m && !TOOL_SETS.has(m[1].toLowerCase()) && !m[1].includes(".")) {
    return [`mcp__${m[1]}__${m[2]}`];
  }
  return [name];
}

/** One canonical tool name as Copilot writes it, with a note when Copilot cannot say it. */
function toolToCopilot(name: string, client: string, note: NoteFn): string {
  if (Object.hasOwn(CLAUDE_ALIAS, name)) return CLAUDE_ALIAS[name];
  const mcp = /^mcp__(.+?)(?:__(.+))?$/.exec(name);
  if (mcp) return `${mcp[1]}/${mcp[2] ?? "*"}`;
  const rule = /^([A-Za-z]\w*)\(.*\)$/s.exec(name);
  if (rule && Object.hasOwn(CLAUDE_ALIAS, rule[1])) {
    note(
      `${client} has no per-command tool rules: "${name}" is written as ` +
        `"${CLAUDE_ALIAS[rule[1]]}", which allows the whole tool`,
      "tools",
    );
    return CLAUDE_ALIAS[rule[1]];
  }
  if (/^[A-Z]/.test(name) || name.includes("(")) {
    note(`${client} has no tool "${name}": it is written as it is, and ignored`, "tools");
  }
  return name;
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

/** Copilot's `tools` both ways (for `mdRules`). */
export function toolRules(client: string): {
  read(native: string[]): string[];
  write(canon: string[], note: NoteFn): string[];
} {
  const read = (native: string[]) => dedupe(native.flatMap(toolFromCopilot));
  return {
    read,
    write(canon, note) {
      let told = false;
      const tell: NoteFn = (message, field) => {
        told = true;
        note(message, field);
      };
      const native = dedupe(canon.map((t) => toolToCopilot(t, client, tell)));
      const back = read(native);
      // A name already noted reads back differently anyway; say the rest once.
      if (!told && !sameValue(back, canon)) {
        note(
          `${client}'s tool aliases each stand for a group of tools: the tools are written as ` +
            `"${native.join(", ")}" and read back as "${back.join(", ")}"`,
          "tools",
        );
      }
      return native;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Agent files

/** Files of an agents folder that are something else, or documentation. */
function notAgent(rel: string): boolean {
  return rel === "README.md" || /\.(agent|chatmode|prompt|instructions)\.md$/.test(rel);
}

/**
 * The rules of a plain `*.md` or `*.agent.md` agent file: with a string `name` key the item is
 * named by it (and the key is kept), otherwise by the file; new files get a `name`.
 */
function agentRules(id: string, client: string, ext: string): FolderRules<MdDoc> {
  const base = {
    id,
    client,
    kind: "subagent" as const,
    ext,
    namespaces: false,
    tools: toolRules(client),
    skip: ext === ".md" ? notAgent : undefined,
    // Copilot CLI refuses a frontmatter that is not YAML ("failed to parse YAML frontmatter")
    // where Claude Code would repair it first.
    lenient: false,
  };
  const keys = { description: "description", model: "model", tools: "tools" };
  const named = mdRules({ ...base, keys: { ...keys, name: "name" } });
  const plain = mdRules({ ...base, keys });
  const hasName = (doc: MdDoc) => typeof doc.front.data.name === "string";
  return {
    ...plain,
    item: (file) => (hasName(file.doc) ? named : plain).item(file),
    render(item, cur, note) {
      const model = item.kind === "subagent" ? item.value.model : undefined;
      if (model !== undefined && CLAUDE_MODELS.has(model)) {
        note(
          `${client} does not know Claude Code's model alias "${model}"; it is written as it is`,
          "model",
        );
      }
      return (!cur || hasName(cur.doc) ? named : plain).render(item, cur, note);
    },
  };
}

/** Claude Code's model aliases, which name no model in Copilot. */
const CLAUDE_MODELS = new Set(["sonnet", "opus", "haiku", "inherit", "opusplan"]);

/** One scope's agents folder: `*.agent.md` files first (they win a name), then `*.md`. */
export interface AgentScope {
  folder: FolderScope<MdDoc>;
  rules: FolderRules<MdDoc>;
}

/** Reads the agents folder `root` of one scope. */
export async function readAgents(
  ctx: Context,
  root: string,
  scope: string,
  id: string,
  client: string,
): Promise<AgentScope> {
  const rules = agentRules(id, client, AGENT_EXT);
  const a = await readFolder(ctx, root, scope, rules);
  const b = await readFolder(ctx, root, scope, agentRules(id, client, ".md"));
  const entries = new Map(a.entries);
  for (const [name, list] of b.entries) entries.set(name, [...(entries.get(name) ?? []), ...list]);
  const folder: FolderScope<MdDoc> = {
    ...a,
    entries,
    broken: a.broken || b.broken,
    paths: new Set([...a.paths, ...b.paths]),
    // One listing error is enough; file errors are each in one of the two.
    errors: [...a.errors, ...b.errors.filter((e) => !a.errors.some((x) => x.file === e.file))],
  };
  return { folder, rules };
}

/** The items of one scope's agents folder. */
export function agentItems(s: AgentScope): Item[] {
  return folderItems(s.folder);
}

/** The writes that make one scope's agents folder hold exactly `desired`. */
export function planAgents(s: AgentScope, desired: FolderItem[], notes: Note[]): PlannedWrite[] {
  return planFolder(s.folder, desired, s.rules, notes);
}

// ---------------------------------------------------------------------------------------------
// Skills

/** Skill folders: Copilot CLI skips folders whose name starts with a dot. */
export function skillRules(client: string): SkillRules {
  return {
    client,
    refuse: (name) =>
      name.startsWith(".") ? "Copilot skips folders whose name starts with a dot" : undefined,
  };
}
