/**
 * Qwen Code's custom commands (`commands/**\/*.md`, and the older `*.toml`) and subagents
 * (`agents/*.md`).
 *
 * What this relies on, checked in the bundled source of Qwen Code 0.24.4
 * (`FileCommandLoader`, `markdown-command-parser`, `subagent-manager`) and with its CLI (`qwen -o
 * stream-json` lists the slash commands and agents it loaded in its `init` message):
 *
 * - A command's name is its path below `commands/` without the extension, folders joined with
 *   `:` (a `:` inside a file name becomes `_`). `.toml` files are loaded before `.md` files and
 *   the last one of a name wins, so `x.md` hides `x.toml`.
 * - A Markdown command: optional frontmatter (`description`, `argument-hint`, `when_to_use`,
 *   `disable-model-invocation`), the prompt is the rest, trimmed. A TOML command: `prompt`
 *   (required) and `description`; other keys are ignored. A file that breaks these rules is
 *   skipped by Qwen, and reported here as a read error.
 * - Placeholders: `{{args}}` is every argument as typed (shell-escaped inside `!{…}`); inside
 *   `!{…}` Qwen also replaces `$ARGUMENTS`; `$1` or `$ARGUMENTS` elsewhere are plain text. Without
 *   `{{args}}` the invocation is appended after a blank line. `!{…}` runs a shell command and
 *   `@{…}` inlines a file: both are Qwen's own and stay as text in the canonical body.
 * - A subagent is `agents/<file>.md` (not in sub-folders) with a frontmatter `name` and
 *   `description`; `tools` is a list or a comma-separated string of tool names or display names.
 *
 * @module
 */
import {
  type ArgsDialect,
  type Command,
  ConfigParseError,
  type Context,
  folderReadError,
  fromArgs,
  type Item,
  itemKey,
  type Note,
  parseTomlCommand,
  type PlannedWrite,
  type ReadError,
  renderTomlCommand,
  sameValue,
  type Subagent,
  toArgs,
  tomlCommandValue,
  validName,
} from "../_contract.ts";
import {
  editFront,
  type Front,
  joinMd,
  type Json,
  type MdFile,
  parseFront,
  put,
  renderFront,
  splitMd,
} from "../_contract.ts";
import { isFileName } from "../_contract.ts";

const ID = "qwen_code";

/** Qwen Code's `{{args}}` dialect: it also replaces `$ARGUMENTS` inside `!{…}`. */
const DIALECT: ArgsDialect = {
  id: ID,
  client: "Qwen Code",
  short: "Qwen",
  shellArguments: true,
  hintElsewhere: "a Markdown command has",
};
const MAX_DEPTH = 16;

type CommandItem = Extract<Item, { kind: "command" }>;
type SubagentItem = Extract<Item, { kind: "subagent" }>;
type Kind = "command" | "subagent";
type NoteFn = (message: string, field?: string) => void;

/** One file of a commands or agents folder, as read. */
interface Entry {
  path: string;
  text: string;
  format: "md" | "toml";
  /** Markdown files: the split file and its frontmatter. */
  md?: MdFile;
  front?: Front;
  /** TOML files: the parsed data. */
  toml?: Json;
  name: string;
  item: CommandItem | SubagentItem;
}

/** The commands or subagents of one scope. */
export interface MdScope {
  kind: Kind;
  scope: string;
  root: string;
  /** Item name → its files; the first is the one Qwen uses, the others are hidden by it. */
  entries: Map<string, Entry[]>;
  /** A file of the folder could not be read: nothing of this kind and scope is planned. */
  broken: boolean;
  /** Every file found below the folder, items or not: a new item never overwrites one. */
  paths: Set<string>;
  errors: ReadError[];
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Reads the commands (`kind: "command"`) or subagents of one scope's folder. */
export async function readMdScope(
  ctx: Context,
  kind: Kind,
  root: string,
  scope: string,
): Promise<MdScope> {
  const out: MdScope = {
    kind,
    scope,
    root,
    entries: new Map(),
    broken: false,
    paths: new Set(),
    errors: [],
  };
  const fail = (file: string, e: unknown) => {
    out.broken = true;
    out.errors.push(folderReadError(file, e, scope, kind));
  };
  let rels: string[];
  try {
    rels = await listFiles(ctx, root, kind === "command" ? MAX_DEPTH : 0);
  } catch (e) {
    fail(root, e);
    return out;
  }
  const found: Entry[] = [];
  for (const rel of rels) {
    out.paths.add(`${root}/${rel}`);
    const format = rel.endsWith(".md") ? "md" : rel.endsWith(".toml") ? "toml" : undefined;
    if (!format || (kind === "subagent" && format !== "md")) continue;
    const path = `${root}/${rel}`;
    try {
      const text = await ctx.files.read(path);
      if (text === undefined) continue;
      const entry = kind === "subagent"
        ? agentEntry(path, text, scope)
        : format === "md"
        ? mdCommandEntry(path, rel, text, scope)
        : tomlCommandEntry(path, rel, text, scope);
      if (entry) found.push(entry);
    } catch (e) {
      fail(path, e);
    }
  }
  // `x.md` wins over `x.toml` (Qwen loads TOML first; the last command of a name wins).
  found.sort((a, b) => (a.format === b.format ? 0 : a.format === "md" ? -1 : 1));
  for (const e of found) {
    const list = out.entries.get(e.name) ?? [];
    list.push(e);
    out.entries.set(e.name, list);
  }
  return out;
}

/** The items a scope shows (the winning file of each name). */
export function mdItems(s: MdScope): Item[] {
  return [...s.entries.values()].map((list) => list[0].item);
}

/** Every file below `root` to `depth` folders down (relative paths, sorted). */
async function listFiles(ctx: Context, root: string, depth: number): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string, level: number) => {
    for (const name of await ctx.files.list(rel ? `${root}/${rel}` : root)) {
      const sub = rel ? `${rel}/${name}` : name;
      const st = await ctx.files.stat(`${root}/${sub}`);
      if (st?.isDirectory && level < depth) await walk(sub, level + 1);
      else if (st?.isFile) out.push(sub);
    }
  };
  await walk("", 0);
  return out.sort();
}

/** Qwen's command name: the path without its extension, `:` between folders. */
function commandName(rel: string): string {
  return rel.slice(0, rel.lastIndexOf(".")).split("/").map((s) => s.replaceAll(":", "_")).join(
    ":",
  );
}

/** The keys of a Markdown command's frontmatter that Qwen checks, with the type it wants. */
const MD_KEYS: Record<string, "string" | "boolean"> = {
  description: "string",
  "argument-hint": "string",
  when_to_use: "string",
  "disable-model-invocation": "boolean",
};

function mdCommandEntry(path: string, rel: string, text: string, scope: string): Entry | undefined {
  const name = commandName(rel);
  if (!validName(name)) return undefined;
  const md = splitMd(text);
  const front = parseFront(md, path);
  for (const [k, type] of Object.entries(MD_KEYS)) {
    const v = front.data[k];
    if (v !== undefined && typeof v !== type) {
      throw new ConfigParseError(path, `"${k}" must be a ${type} (Qwen Code skips this command)`);
    }
  }
  const value: Command = { body: fromQwen(md.body) };
  const extras: Json = {};
  for (const [k, v] of Object.entries(front.data)) {
    if (k === "description") value.description = v as string;
    else if (k === "argument-hint") value.argumentHint = v as string;
    else put(extras, k, v);
  }
  if (Object.keys(extras).length) value.extras = { [ID]: extras };
  return {
    path,
    text,
    format: "md",
    md,
    front,
    name,
    item: { kind: "command", scope, name, value },
  };
}

function tomlCommandEntry(
  path: string,
  rel: string,
  text: string,
  scope: string,
): Entry | undefined {
  const name = commandName(rel);
  if (!validName(name)) return undefined;
  const data = parseTomlCommand(text, path, DIALECT);
  return {
    path,
    text,
    format: "toml",
    toml: data,
    name,
    item: { kind: "command", scope, name, value: tomlCommandValue(data, DIALECT) },
  };
}

function agentEntry(path: string, text: string, scope: string): Entry | undefined {
  const md = splitMd(text);
  // Without a frontmatter Qwen does not load the file: it is not a subagent.
  if (!md.open) return undefined;
  const front = parseFront(md, path);
  const raw = front.data.name;
  if (raw === undefined || raw === null || raw === "") return undefined;
  const name = String(raw);
  if (!validName(name)) return undefined;
  const value: Subagent = { body: md.body };
  const extras: Json = {};
  for (const [k, v] of Object.entries(front.data)) {
    if (k === "name" && typeof v === "string") continue;
    if (k === "description" && typeof v === "string") value.description = v;
    else if (k === "model" && typeof v === "string") value.model = v;
    else if (k === "tools" && qwenTools(v)) value.tools = qwenTools(v)!.map(toolFromQwen);
    else put(extras, k, v);
  }
  if (Object.keys(extras).length) value.extras = { [ID]: extras };
  return {
    path,
    text,
    format: "md",
    md,
    front,
    name,
    item: { kind: "subagent", scope, name, value },
  };
}

/** Qwen's reading of `tools`: a list of names, or one string split at commas. */
function qwenTools(v: unknown): string[] | undefined {
  if (Array.isArray(v)) return v.every((x) => typeof x === "string") ? v : undefined;
  if (typeof v !== "string") return undefined;
  return v.split(",").map((s) => s.trim()).filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// Tool names

/** Claude Code's tool names that Qwen calls otherwise (Qwen's own `CLAUDE_TOOLS_MAPPING`). */
const TO_QWEN: Record<string, string> = {
  Bash: "Shell",
  Read: "ReadFile",
  Write: "WriteFile",
  TodoWrite: "TodoList",
  LS: "ListFiles",
};

/** Qwen's tool names and display names that are Claude Code's tools. */
const FROM_QWEN: Record<string, string> = {
  ...Object.fromEntries(Object.entries(TO_QWEN).map(([c, q]) => [q, c])),
  run_shell_command: "Bash",
  read_file: "Read",
  write_file: "Write",
  todo_write: "TodoWrite",
  list_directory: "LS",
  ReadFolder: "LS",
  edit: "Edit",
  replace: "Edit",
  grep_search: "Grep",
  search_file_content: "Grep",
  SearchFiles: "Grep",
  glob: "Glob",
  FindFiles: "Glob",
  web_fetch: "WebFetch",
  web_search: "WebSearch",
  agent: "Task",
  task: "Task",
  skill: "Skill",
  notebook_edit: "NotebookEdit",
  ask_user_question: "AskUserQuestion",
  exit_plan_mode: "ExitPlanMode",
  enter_plan_mode: "EnterPlanMode",
};

/** Claude Code tools Qwen Code has nothing like (Qwen maps BashOutput and KillShell to none). */
const CLAUDE_ONLY = new Set(["BashOutput", "KillShell", "KillBash", "MultiEdit", "NotebookRead"]);

function toolFromQwen(name: string): string {
  return Object.hasOwn(FROM_QWEN, name) ? FROM_QWEN[name] : name;
}

function toolToQwen(name: string, note: NoteFn): string {
  if (Object.hasOwn(TO_QWEN, name)) return TO_QWEN[name];
  if (Object.hasOwn(FROM_QWEN, name)) {
    note(`"${name}" is Qwen Code's name for "${FROM_QWEN[name]}" and reads back as that`, "tools");
  } else if (CLAUDE_ONLY.has(name)) {
    note(`Qwen Code has no tool like "${name}"; it stays in the list and Qwen ignores it`, "tools");
  } else if (/^[A-Za-z_]\w*\(/.test(name)) {
    note(
      `Qwen Code's subagent tools are plain tool names: "${name}" stays in the list and Qwen ` +
        "ignores it",
      "tools",
    );
  }
  return name;
}

// ---------------------------------------------------------------------------------------------
// Placeholders

/**
 * A Qwen prompt to canonical text: `{{args}}` becomes `$ARGUMENTS`; `$ARGUMENTS` inside `!{…}`
 * stays (Qwen replaces it there too); elsewhere `$ARGUMENTS`, `$ARGUMENTS[N]` and `$N` are plain
 * text to Qwen, so they get Claude Code's escape `\$`.
 */
export function fromQwen(raw: string): string {
  return fromArgs(raw, DIALECT);
}

/**
 * Canonical text to a Qwen prompt: `$ARGUMENTS` becomes `{{args}}`; positions have no Qwen
 * equivalent and become `{{args}}` too, with a note (see the contract's `toArgs`).
 */
export function toQwen(canon: string, note: NoteFn): string {
  return toArgs(canon, note, DIALECT);
}

// ---------------------------------------------------------------------------------------------
// Planning

/** The writes that make one scope's folder hold exactly `desired` (of the scope's kind). */
export function planMdScope(
  s: MdScope,
  desired: (CommandItem | SubagentItem)[],
  notes: Note[],
): PlannedWrite[] {
  if (s.broken) return [];
  const writes = new Map<string, string | null>();
  const wanted = new Map(desired.map((i) => [i.name, i]));
  for (const [name, list] of s.entries) {
    if (wanted.has(name)) continue;
    for (const e of list) writes.set(e.path, null);
  }
  for (const item of desired) {
    const key = itemKey(item);
    const note: NoteFn = (message, field = "body") => {
      if (!notes.some((n) => n.item === key && n.message === message)) {
        notes.push({ item: key, field, message });
      }
    };
    const cur = s.entries.get(item.name)?.[0];
    let path = cur?.path;
    if (!path) {
      const rel = newPath(item, note);
      if (rel === undefined) continue;
      path = `${s.root}/${rel}`;
      if (s.paths.has(path)) {
        note(`"${path}" already exists and is not this ${s.kind}; it was not written`, "name");
        continue;
      }
    }
    let text: string | undefined;
    if (item.kind === "subagent") text = agentText(item, cur, note);
    else if (cur?.format === "toml") text = tomlText(item.value, cur, note);
    else text = commandText(item.value, cur, note);
    if (text !== undefined && text !== cur?.text) writes.set(path, text);
  }
  return [...writes].map(([path, content]) => ({ path, content }));
}

function newPath(item: CommandItem | SubagentItem, note: NoteFn): string | undefined {
  if (item.kind === "subagent") {
    if (!isFileName(item.name)) {
      note(`Qwen Code cannot keep a subagent named "${item.name}"; it was not written`, "name");
      return undefined;
    }
    return `${item.name}.md`;
  }
  const parts = item.name.split(":");
  if (!parts.every(isFileName)) {
    note(`Qwen Code cannot keep a command named "${item.name}"; it was not written`, "name");
    return undefined;
  }
  return `${parts.join("/")}.md`;
}

function nativeKeys(mapped: Json, extras: Json | undefined): Json {
  const out: Json = { ...mapped };
  for (const [k, v] of Object.entries(extras ?? {})) {
    if (!Object.hasOwn(out, k)) put(out, k, v);
  }
  return out;
}

function frontText(cur: Entry | undefined, want: Json): string | undefined {
  if (!Object.keys(want).length) {
    return cur?.md?.open && !Object.keys(cur.front!.data).length ? cur.md.inner : undefined;
  }
  if (cur?.md?.open) return editFront(cur.md, cur.front!, want, cur.path);
  return renderFront(want, cur?.md?.eol);
}

function commandText(v: Command, cur: Entry | undefined, note: NoteFn): string {
  const mapped: Json = {};
  if (v.description !== undefined) mapped.description = v.description;
  if (v.argumentHint !== undefined) mapped["argument-hint"] = v.argumentHint;
  const want = nativeKeys(mapped, v.extras?.[ID]);
  const body = cur?.md && fromQwen(cur.md.body) === v.body ? cur.md.body : toQwen(v.body, note);
  return joinMd(cur?.md, frontText(cur, want), body);
}

/** An existing TOML command, edited key by key (Qwen still reads it; it is not converted). */
function tomlText(v: Command, cur: Entry, note: NoteFn): string | undefined {
  return renderTomlCommand(v, { text: cur.text, data: cur.toml!, path: cur.path }, note, DIALECT);
}

function agentText(item: SubagentItem, cur: Entry | undefined, note: NoteFn): string {
  const v = item.value;
  const mapped: Json = { name: cur?.front?.data.name ?? item.name };
  if (v.description !== undefined) mapped.description = v.description;
  else note("Qwen Code does not load a subagent without a description", "description");
  if (v.tools !== undefined) {
    const raw = cur?.front?.data.tools;
    const now = qwenTools(raw)?.map(toolFromQwen);
    if (sameValue(now, v.tools)) mapped.tools = raw;
    else {
      const tools = v.tools.map((t) => toolToQwen(t, note));
      mapped.tools = Array.isArray(raw) ? tools : tools.join(", ");
    }
  }
  if (v.model !== undefined) {
    mapped.model = v.model;
    if (/^(sonnet|opus|haiku|fable|claude-.*)$/.test(v.model)) {
      note(
        `"${v.model}" is a Claude model: Qwen Code asks its own provider for a model of that name`,
        "model",
      );
    }
  }
  const want = nativeKeys(mapped, v.extras?.[ID]);
  agentChecks(item, note);
  return joinMd(cur?.md, frontText(cur, want), v.body);
}

const RESERVED = ["self", "system", "user", "model", "tool", "config", "default", "main"];

/** What Qwen Code's subagent validator refuses (the file is written; Qwen skips it). */
function agentChecks(item: SubagentItem, note: NoteFn) {
  const n = item.name.trim();
  const why = n.length < 2 || n.length > 50
    ? "a name has 2 to 50 characters"
    : !/^[\p{L}\p{N}_-]+$/u.test(n)
    ? "a name has only letters, digits, - and _"
    : /^[-_]|[-_]$/.test(n)
    ? "a name does not start or end with - or _"
    : RESERVED.includes(n.toLowerCase())
    ? `"${n}" is a reserved name`
    : undefined;
  if (why) note(`Qwen Code does not load this subagent: ${why}`, "name");
  if (item.value.body.trim().length < 10) {
    note("Qwen Code does not load a subagent whose prompt is shorter than 10 characters");
  }
}
