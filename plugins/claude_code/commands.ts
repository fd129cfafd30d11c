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
  escapeRegExp,
  type FolderFile,
  type FolderItem,
  type FolderRules,
  frontText,
  joinMd,
  type Json,
  keepText,
  type MdDoc,
  nativeKeys,
  type NoteFn,
  parseMdDoc,
  put,
  sameValue,
  scalarText,
  type Subagent,
  toolList,
} from "../_contract.ts";

const ID = "claude_code";

/** Claude Code's `commands/` folders: `git/commit.md` is `/git:commit`. */
export const COMMAND_RULES: FolderRules<MdDoc> = {
  client: "Claude Code",
  kind: "command",
  ext: ".md",
  namespaces: true,
  parse: parseMdDoc,
  // Claude loads a SKILL.md below commands/ as a skill.
  skip: (rel) => /^skill\.md$/i.test(rel.slice(rel.lastIndexOf("/") + 1)),
  refuse: (name) => /(^|:)skill$/i.test(name) ? "SKILL.md is a skill" : undefined,
  item: ({ doc }) => ({ value: commandValue(doc) }),
  render: (item, cur, note) => commandText(item.value as Command, cur, note),
};

/** Claude Code's `agents/` folders: a subagent's name is its frontmatter `name`. */
export const AGENT_RULES: FolderRules<MdDoc> = {
  client: "Claude Code",
  kind: "subagent",
  ext: ".md",
  namespaces: true,
  parse: parseMdDoc,
  refuse: (name) => name.includes(":") ? "not a file name" : undefined,
  item: ({ doc }) => {
    const name = doc.front.data.name;
    // Claude skips a file without a name: it is not a subagent, and aisync leaves it alone.
    return typeof name === "string" ? { name, value: agentValue(doc) } : undefined;
  },
  render: (item, cur, note) => agentText(item, cur, note),
};

function commandValue({ md, front }: MdDoc): Command {
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
  return value;
}

function agentValue({ md, front }: MdDoc): Subagent {
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
  return value;
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

/** Longest names first, as Claude Code matches them. */
function namePattern(names: Map<number, string>): string | undefined {
  if (!names.size) return undefined;
  return [...names.values()].sort((a, b) => b.length - a.length).map(escapeRegExp).join("|");
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

function commandText(v: Command, cur: FolderFile<MdDoc> | undefined, note: NoteFn): string {
  const mapped: Json = {};
  const now = cur?.doc.front.data ?? {};
  if (v.description !== undefined) mapped.description = keepText(now.description, v.description);
  if (v.argumentHint !== undefined) {
    mapped["argument-hint"] = keepText(now["argument-hint"], v.argumentHint);
  }
  const want = nativeKeys(mapped, v.extras?.[ID]);
  const names = argNames(want.arguments);
  let body: string;
  if (cur && fromClaude(cur.doc.md.body, names) === v.body) body = cur.doc.md.body;
  else {
    const spelling = cur
      ? spellingOf(cur.doc.md.body, argNames(cur.doc.front.data.arguments))
      : new Map();
    body = toClaude(v.body, names, spelling, (m) => note(m));
  }
  bodyNotes(v.body, (m) => note(m));
  return joinMd(cur?.doc.md, frontText(cur, want), body);
}

function agentText(item: FolderItem, cur: FolderFile<MdDoc> | undefined, note: NoteFn): string {
  const v = item.value as Subagent;
  const mapped: Json = { name: item.name };
  if (v.description !== undefined) mapped.description = v.description;
  else note("Claude Code skips a subagent without a description", "description");
  if (v.tools !== undefined) {
    const raw = cur?.doc.front.data.tools;
    const same = sameValue(toolList(raw), v.tools);
    mapped.tools = same ? raw : Array.isArray(raw) ? v.tools : v.tools.join(", ");
  }
  if (v.model !== undefined) mapped.model = v.model;
  const want = nativeKeys(mapped, v.extras?.[ID]);
  // The file's own `name` spelling stays (it equals the item name).
  return joinMd(cur?.doc.md, frontText(cur, want), v.body);
}
