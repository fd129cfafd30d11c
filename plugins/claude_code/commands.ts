/**
 * Claude Code's slash commands (`commands/**\/*.md`) and subagents (`agents/**\/*.md`).
 *
 * What this relies on, checked in Claude Code 2.1.332 (its bundled code, and `claude -p
 * --output-format stream-json`, whose `init` message lists the slash commands and agents):
 *
 * - A command's name is its path below `commands/` without `.md`, folders joined with `:`
 *   (`git/commit.md` is `/git:commit`). A `SKILL.md` there is a skill, not a command.
 * - Placeholders: `$ARGUMENTS`; `$ARGUMENTS[N]` and the shorthand `$N` (0-based); `$name` for the
 *   names listed in the `arguments` frontmatter key (by position); `\$` before any of these is a
 *   literal `$`. Without a placeholder, the arguments are appended as `ARGUMENTS: …`.
 * - A subagent's name is its frontmatter `name`, not its file name; folders are read recursively.
 * - Frontmatter that is not YAML is read again after quoting `key: value` lines holding YAML's
 *   special characters (see `parseFront`).
 *
 * @module
 */
import {
  type Command,
  ConfigParseError,
  type Context,
  type Item,
  itemKey,
  type Note,
  type PlannedWrite,
  type ReadError,
  sameValue,
  type Subagent,
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

const ID = "claude_code";
const MAX_DEPTH = 16;

type CommandItem = Extract<Item, { kind: "command" }>;
type SubagentItem = Extract<Item, { kind: "subagent" }>;
type Kind = "command" | "subagent";

/** One Markdown file of a commands or agents folder, as read. */
interface Entry {
  path: string;
  text: string;
  md: MdFile;
  front: Front;
  name: string;
  item: CommandItem | SubagentItem;
}

/** The commands or subagents of one scope. */
export interface MdScope {
  kind: Kind;
  scope: string;
  root: string;
  /** Item name → its files; the first is the one Claude uses, the others are shadowed. */
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
    const error: ReadError = {
      file,
      message: e instanceof ConfigParseError
        ? e.message
        : `Cannot read "${file}": ${(e as Error)?.message ?? e}`,
      scopes: [scope],
      kinds: [kind],
    };
    if (e instanceof ConfigParseError && e.line !== undefined) {
      error.line = e.line;
      error.column = e.column ?? 1;
    }
    out.errors.push(error);
  };
  let rels: string[];
  try {
    rels = await listMd(ctx, root);
  } catch (e) {
    fail(root, e);
    return out;
  }
  for (const rel of rels) {
    out.paths.add(`${root}/${rel}`);
    const path = `${root}/${rel}`;
    // Claude loads a SKILL.md below commands/ as a skill.
    if (kind === "command" && /^skill\.md$/i.test(rel.slice(rel.lastIndexOf("/") + 1))) continue;
    let text: string | undefined;
    try {
      text = await ctx.files.read(path);
    } catch (e) {
      fail(path, e);
      continue;
    }
    if (text === undefined) continue;
    const md = splitMd(text);
    let front: Front;
    try {
      front = parseFront(md, path, true);
    } catch (e) {
      fail(path, e);
      continue;
    }
    const entry = kind === "command"
      ? commandEntry(path, rel, md, front, scope)
      : agentEntry(path, md, front, scope);
    if (!entry) continue;
    entry.text = text;
    const list = out.entries.get(entry.name) ?? [];
    list.push(entry);
    out.entries.set(entry.name, list);
  }
  return out;
}

/** The items a scope shows (the first file of each name). */
export function mdItems(s: MdScope): Item[] {
  return [...s.entries.values()].map((list) => list[0].item);
}

/** Every `.md` file below `root` (relative paths, sorted). */
async function listMd(ctx: Context, root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string, depth: number) => {
    for (const name of await ctx.files.list(rel ? `${root}/${rel}` : root)) {
      const sub = rel ? `${rel}/${name}` : name;
      const st = await ctx.files.stat(`${root}/${sub}`);
      if (st?.isDirectory && depth < MAX_DEPTH) await walk(sub, depth + 1);
      else if (st?.isFile && name.endsWith(".md")) out.push(sub);
    }
  };
  await walk("", 0);
  return out.sort();
}

function validName(name: string): boolean {
  return name.length > 0 && name.length <= 200 && ![...name].some((c) => c.charCodeAt(0) < 0x20);
}

function commandEntry(
  path: string,
  rel: string,
  md: MdFile,
  front: Front,
  scope: string,
): Entry | undefined {
  const name = rel.slice(0, -".md".length).split("/").join(":");
  if (!validName(name)) return undefined;
  const value: Command = { body: "" };
  const extras: Json = {};
  for (const [k, v] of Object.entries(front.data)) {
    if (k === "description" && scalarText(v) !== undefined) value.description = scalarText(v);
    else if (k === "argument-hint" && scalarText(v) !== undefined) {
      value.argumentHint = scalarText(v);
    } else put(extras, k, v);
  }
  value.body = fromClaude(md.body, argNames(front.data.arguments));
  if (Object.keys(extras).length) value.extras = { [ID]: extras };
  return { path, text: "", md, front, name, item: { kind: "command", scope, name, value } };
}

function agentEntry(path: string, md: MdFile, front: Front, scope: string): Entry | undefined {
  const name = front.data.name;
  // Claude skips a file without a name: it is not a subagent, and aisync leaves it alone.
  if (typeof name !== "string" || !validName(name)) return undefined;
  const value: Subagent = { body: md.body };
  const extras: Json = {};
  for (const [k, v] of Object.entries(front.data)) {
    if (k === "name") continue;
    if (k === "description" && typeof v === "string") value.description = v;
    else if (k === "model" && typeof v === "string") value.model = v;
    else if (k === "tools" && toolList(v)) value.tools = toolList(v);
    else put(extras, k, v);
  }
  if (Object.keys(extras).length) value.extras = { [ID]: extras };
  return { path, text: "", md, front, name, item: { kind: "subagent", scope, name, value } };
}

/**
 * A frontmatter value as the text Claude Code shows (`String(value)`): `argument-hint: [issue]`
 * is a YAML list that Claude shows as `issue`. Maps and nested lists are not text.
 */
function scalarText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v) && v.every((x) => ["string", "number", "boolean"].includes(typeof x))) {
    return String(v);
  }
  return undefined;
}

/** The file's own value when it shows as `text`, else `text`. */
function keepText(raw: unknown, text: string): unknown {
  return typeof raw !== "string" && scalarText(raw) === text ? raw : text;
}

/** A `tools` value as a list: a YAML list of names, or one comma-separated string. */
function toolList(v: unknown): string[] | undefined {
  if (Array.isArray(v)) return v.every((x) => typeof x === "string") ? v : undefined;
  if (typeof v !== "string") return undefined;
  const out: string[] = [];
  let depth = 0, cur = "";
  // Commas inside `Bash(a, b)` or `mcp__x__{a,b}` do not separate tools.
  for (const ch of v) {
    if (ch === "(" || ch === "{") depth++;
    else if ((ch === ")" || ch === "}") && depth > 0) depth--;
    if (ch === "," && depth === 0) {
      if (cur.trim()) out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Placeholders

/** The names of the `arguments` key, by position, the way Claude Code reads them. */
export function argNames(v: unknown): Map<number, string> {
  const list = Array.isArray(v) ? v : typeof v === "string" ? v.split(/\s+/) : [];
  const names = list.filter((n): n is string =>
    typeof n === "string" && n.trim() !== "" && !/^\d+$/.test(n)
  );
  const out = new Map<number, string>();
  names.slice(0, 64).forEach((n, i) => {
    if (n.length <= 64 && n !== "ARGUMENTS") out.set(i, n);
  });
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Longest names first, as Claude Code matches them. */
function namePattern(names: Map<number, string>): string | undefined {
  if (!names.size) return undefined;
  return [...names.values()].sort((a, b) => b.length - a.length).map(escapeRe).join("|");
}

/** One placeholder or escape found in a body. */
interface Token {
  at: number;
  raw: string;
  /** Canonical text for it. */
  canon: string;
  /** For positions: the canonical key `$ARGUMENTS[N]`. */
  pos?: string;
}

/** The placeholders and escapes of a Claude body, in Claude Code's own order of precedence. */
function claudeTokens(raw: string, names: Map<number, string>): Token[] {
  const np = namePattern(names);
  const re = new RegExp(
    `(?<!\\\\)\\\\\\$(?=\\d|ARGUMENTS${np ? `|(?:${np})(?![\\[\\w])` : ""})` +
      (np ? `|\\$(${np})(?![\\[\\w])` : "|(?!)()") +
      `|\\$ARGUMENTS\\[(\\d+)\\]|\\$(\\d+)(?!\\w)|\\$ARGUMENTS`,
    "g",
  );
  const byName = new Map([...names].map(([i, n]) => [n, i]));
  const out: Token[] = [];
  for (const m of raw.matchAll(re)) {
    const [all, named, index, short] = m;
    let canon = all, pos: string | undefined;
    if (all.startsWith("\\")) {
      // `\$name` is a literal `$name`: in canonical text (no names) that needs no escape.
      const next = raw.slice(m.index + 2);
      if (!/^(\d|ARGUMENTS)/.test(next)) canon = "$";
    } else if (named !== undefined) pos = canon = `$ARGUMENTS[${byName.get(named)}]`;
    else if (index !== undefined) pos = canon = all;
    else if (short !== undefined) pos = canon = `$ARGUMENTS[${Number(short)}]`;
    out.push({ at: m.index, raw: all, canon, pos });
  }
  return out;
}

/** A Claude body to canonical text: `$N` and named arguments become `$ARGUMENTS[N]`. */
export function fromClaude(raw: string, names: Map<number, string>): string {
  let out = "", last = 0;
  for (const t of claudeTokens(raw, names)) {
    out += raw.slice(last, t.at) + t.canon;
    last = t.at + t.raw.length;
  }
  return out + raw.slice(last);
}

/**
 * Canonical text to a Claude body. Positions take the spelling the file already uses for them
 * (`$0`, `$name`), else the name `arguments` gives them, else `$ARGUMENTS[N]`; a literal `$name`
 * of a declared name gets Claude's escape.
 */
export function toClaude(
  canon: string,
  names: Map<number, string>,
  spelling: Map<string, string>,
  note: (message: string) => void,
): string {
  const np = namePattern(names);
  const re = new RegExp(
    `(?<!\\\\)\\\\\\$(?=\\d|ARGUMENTS)|\\$ARGUMENTS\\[(\\d+)\\]|\\$(\\d+)(?!\\w)|\\$ARGUMENTS` +
      (np ? `|(?<!\\\\)\\$(?:${np})(?![\\[\\w])` : ""),
    "g",
  );
  let out = "", last = 0;
  const shorthands = new Set<string>();
  for (const m of canon.matchAll(re)) {
    const [all, index, short] = m;
    let text = all;
    const next = canon[m.index + all.length] ?? "";
    if (index !== undefined) {
      const n = Number(index);
      const named = names.has(n) ? `$${names.get(n)}` : undefined;
      const candidates = [spelling.get(all), named];
      // A name must still be declared for this position; `$name` and `$N` must not run into a
      // following word character (or `[`).
      text = candidates.find((c) =>
        c !== undefined &&
        (c.startsWith("$ARGUMENTS") || (/^\$\d+$/.test(c) || c === named) && !/[\w[]/.test(next))
      ) ?? all;
    } else if (short !== undefined) {
      shorthands.add(all);
    } else if (all.startsWith("$") && all !== "$ARGUMENTS") {
      text = `\\${all}`; // a literal `$name` in a command that declares that name
    }
    out += canon.slice(last, m.index) + text;
    last = m.index + all.length;
  }
  for (const s of shorthands) {
    note(
      `"${s}" is Claude Code's shorthand for "$ARGUMENTS[${s.slice(1)}]" and reads back as that`,
    );
  }
  return out + canon.slice(last);
}

/** How a file spells each position it uses (`$ARGUMENTS[0]` → `$0`, `$name` …). */
function spellingOf(raw: string, names: Map<number, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of claudeTokens(raw, names)) {
    if (t.pos && !out.has(t.pos)) out.set(t.pos, t.raw);
  }
  return out;
}

/** Notes for what a canonical body holds that Claude Code does not expand. */
function bodyNotes(body: string, note: (message: string) => void) {
  if (body.includes("!{")) {
    note('Claude Code does not run "!{…}" (Qwen Code\'s shell injection); it stays as text');
  }
  if (body.includes("@{")) {
    note('Claude Code does not read "@{…}" (Qwen Code\'s file injection); it stays as text');
  }
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
    const note = (message: string, field = "body") => {
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
    const text = item.kind === "command"
      ? commandText(item.value, cur, note)
      : agentText(item, cur, note);
    if (text !== cur?.text) writes.set(path, text);
  }
  return [...writes].map(([path, content]) => ({ path, content }));
}

/** Where a new command or subagent goes, below the scope's folder. */
function newPath(
  item: CommandItem | SubagentItem,
  note: (message: string, field?: string) => void,
): string | undefined {
  if (item.kind === "subagent") {
    if (!isFileName(item.name) || item.name.includes(":")) {
      note(`Claude Code cannot keep a subagent named "${item.name}"; it was not written`, "name");
      return undefined;
    }
    return `${item.name}.md`;
  }
  const parts = item.name.split(":");
  if (!parts.every(isFileName) || /^skill$/i.test(parts[parts.length - 1])) {
    note(`Claude Code cannot keep a command named "${item.name}"; it was not written`, "name");
    return undefined;
  }
  return `${parts.join("/")}.md`;
}

/** The native frontmatter of a value: mapped keys, then this client's extras. */
function nativeKeys(mapped: Json, extras: Json | undefined): Json {
  const out: Json = { ...mapped };
  for (const [k, v] of Object.entries(extras ?? {})) {
    if (!Object.hasOwn(out, k)) put(out, k, v);
  }
  return out;
}

/** The frontmatter text for `want`, edited from the current file when there is one. */
function frontText(cur: Entry | undefined, want: Json): string | undefined {
  if (!Object.keys(want).length) {
    // An empty frontmatter the file already has stays.
    return cur?.md.open && !Object.keys(cur.front.data).length ? cur.md.inner : undefined;
  }
  if (cur?.md.open) return editFront(cur.md, cur.front, want, cur.path);
  return renderFront(want, cur?.md.eol);
}

function commandText(
  v: Command,
  cur: Entry | undefined,
  note: (message: string, field?: string) => void,
): string {
  const mapped: Json = {};
  const now = cur?.front.data ?? {};
  if (v.description !== undefined) mapped.description = keepText(now.description, v.description);
  if (v.argumentHint !== undefined) {
    mapped["argument-hint"] = keepText(now["argument-hint"], v.argumentHint);
  }
  const want = nativeKeys(mapped, v.extras?.[ID]);
  const names = argNames(want.arguments);
  let body: string;
  if (cur && fromClaude(cur.md.body, names) === v.body) body = cur.md.body;
  else {
    const spelling = cur ? spellingOf(cur.md.body, argNames(cur.front.data.arguments)) : new Map();
    body = toClaude(v.body, names, spelling, (m) => note(m));
  }
  bodyNotes(v.body, (m) => note(m));
  return joinMd(cur?.md, frontText(cur, want), body);
}

function agentText(
  item: SubagentItem,
  cur: Entry | undefined,
  note: (message: string, field?: string) => void,
): string {
  const v = item.value;
  const mapped: Json = { name: item.name };
  if (v.description !== undefined) mapped.description = v.description;
  else note("Claude Code skips a subagent without a description", "description");
  if (v.tools !== undefined) {
    const raw = cur?.front.data.tools;
    const same = sameValue(toolList(raw), v.tools);
    mapped.tools = same ? raw : Array.isArray(raw) ? v.tools : v.tools.join(", ");
  }
  if (v.model !== undefined) mapped.model = v.model;
  const want = nativeKeys(mapped, v.extras?.[ID]);
  // The file's own `name` spelling stays (it equals the item name).
  return joinMd(cur?.md, frontText(cur, want), v.body);
}
