/**
 * Custom commands in the TOML dialect that Gemini CLI introduced and Qwen Code kept: a file
 * `commands/git/commit.toml` is the command `git:commit`, with a `prompt` (required) and a
 * `description`. In the prompt `{{args}}` is every argument as typed (shell-escaped inside
 * `!{…}`), `!{…}` runs a shell command and `@{…}` inlines a file; without `{{args}}` the
 * invocation is appended to the prompt.
 *
 * This module holds what the two clients share: the `{{args}}` translation to and from the
 * canonical placeholders (Claude Code's `$ARGUMENTS`, `$ARGUMENTS[N]`), reading a command file,
 * and editing its root keys so every other byte stays (the contract's `editToml` cannot set a
 * root key). Shared by the plugins through the contract.
 *
 * @module
 */
import { ConfigParseError, parseToml } from "./editors.ts";
import { escapeRegExp } from "./guards.ts";
import { isPlain, type Json, put } from "./frontmatter.ts";
import type { FolderFile, FolderRules, NoteFn } from "./item_folder.ts";
import type { Command } from "./schema.ts";
import { sameValue } from "./canonical.ts";

/** How one client reads `{{args}}` commands. */
export interface ArgsDialect {
  /** The plugin's id: keys of a command file it does not map are kept in `extras[id]`. */
  id: string;
  /** The client's name in notes and errors ("Gemini CLI"). */
  client: string;
  /** The short name in notes ("Gemini"). */
  short: string;
  /**
   * True when the client also replaces `$ARGUMENTS` inside `!{…}` (Qwen Code does, Gemini CLI
   * does not): there it is the placeholder, not text.
   */
  shellArguments: boolean;
  /** Where else the client keeps an argument hint, for the note (Qwen: "a Markdown command has"). */
  hintElsewhere?: string;
}

// ---------------------------------------------------------------------------------------------
// Placeholders

/** The `[start, end)` ranges of `!{…}` shell injections, with the clients' brace counting. */
export function shellRanges(text: string): [number, number][] {
  const out: [number, number][] = [];
  let at = text.indexOf("!{");
  while (at !== -1) {
    let depth = 1, i = at + 2;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}") depth--;
    }
    if (depth > 0) break; // unclosed: the client refuses to run it; the rest is plain text here
    out.push([at, i]);
    at = text.indexOf("!{", i);
  }
  return out;
}

const inside = (ranges: [number, number][], at: number) =>
  ranges.some(([a, b]) => at >= a && at < b);

/**
 * A `{{args}}` prompt to canonical text: `{{args}}` becomes `$ARGUMENTS`. `$ARGUMENTS`,
 * `$ARGUMENTS[N]` and `$N` are plain text to these clients (except `$ARGUMENTS` inside `!{…}`
 * for a client with `shellArguments`), so they get Claude Code's escape `\$`.
 */
export function fromArgs(raw: string, d: ArgsDialect): string {
  const ranges = shellRanges(raw);
  return raw.replace(
    /\{\{args\}\}|\$ARGUMENTS\[\d+\]|\$\d+(?!\w)|\$ARGUMENTS/g,
    (m, at: number) => {
      if (m === "{{args}}") return "$ARGUMENTS";
      if (raw[at - 1] === "\\") return m;
      if (d.shellArguments && m.startsWith("$ARGUMENTS") && inside(ranges, at)) return m;
      return `\\${m}`;
    },
  );
}

/**
 * Canonical text to a `{{args}}` prompt: `$ARGUMENTS` becomes `{{args}}`; positions have no
 * equivalent and become `{{args}}` too, with a note; Claude's escape `\$` is dropped (these
 * clients do not expand `$`). What the client would read otherwise gets a note.
 */
export function toArgs(canon: string, note: NoteFn, d: ArgsDialect): string {
  const ranges = shellRanges(canon);
  const positions = new Set<string>();
  const out = canon.replace(
    /(?<!\\)\\\$(?=\d|ARGUMENTS)|\$ARGUMENTS\[\d+\]|\$\d+(?!\w)|\$ARGUMENTS|\{\{args\}\}/g,
    (m, at: number) => {
      if (m.startsWith("\\")) {
        if (
          d.shellArguments && inside(ranges, at) && canon.startsWith("ARGUMENTS", at + 2)
        ) {
          note(`${d.client} replaces "$ARGUMENTS" inside "!{…}" even where it is meant as text`);
        }
        return "$";
      }
      if (m === "{{args}}") {
        note(
          `the text "{{args}}" is ${d.client}'s placeholder: ${d.short} replaces it with the ` +
            "arguments",
        );
        return m;
      }
      if (m !== "$ARGUMENTS") positions.add(m);
      return "{{args}}";
    },
  );
  if (positions.size) {
    note(
      `${d.client} has only {{args}} (every argument as typed): ${
        [...positions].map((p) => `"${p}"`).join(", ")
      } became {{args}}`,
    );
  }
  if (/(?:^|\s)!`[^`\n]+`|```!/.test(canon)) {
    note(`${d.client} does not run Claude Code's "!\`…\`" shell commands (its own form is "!{…}")`);
  }
  const vars = [...new Set(canon.match(/\$\{CLAUDE_[A-Z_]+\}/g) ?? [])];
  if (vars.length) note(`${d.client} does not expand ${vars.join(", ")}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Command files

/** Parses a TOML command and checks `prompt` and `description`; throws `ConfigParseError`. */
export function parseTomlCommand(text: string, path: string, d: ArgsDialect): Json {
  const data = parseToml(text, path);
  if (typeof data.prompt !== "string") {
    throw new ConfigParseError(
      path,
      data.prompt === undefined
        ? `a TOML command needs a "prompt" (${d.client} skips this command)`
        : `"prompt" must be a string (${d.client} skips this command)`,
      ...keyLine(text, "prompt"),
    );
  }
  if (data.description !== undefined && typeof data.description !== "string") {
    throw new ConfigParseError(
      path,
      `"description" must be a string (${d.client} skips this command)`,
      ...keyLine(text, "description"),
    );
  }
  return data;
}

/** The canonical value of a parsed TOML command; other keys go to `extras[id]`. */
export function tomlCommandValue(data: Json, d: ArgsDialect): Command {
  const value: Command = { body: fromArgs(data.prompt as string, d) };
  const extras: Json = {};
  for (const [k, v] of Object.entries(data)) {
    if (k === "prompt") continue;
    if (k === "description") value.description = v as string;
    else put(extras, k, v);
  }
  if (Object.keys(extras).length) value.extras = { [d.id]: extras };
  return value;
}

/**
 * The text of a TOML command holding `v`: the current file (`cur`) edited key by key, or a new
 * file (`description`, then `prompt`, then this client's extras). `undefined` when the current
 * file cannot be edited safely (noted).
 */
export function renderTomlCommand(
  v: Command,
  cur: { text: string; data: Json; path: string } | undefined,
  note: NoteFn,
  d: ArgsDialect,
): string | undefined {
  const want: Json = {};
  if (v.description !== undefined) want.description = v.description;
  const prompt = cur?.data.prompt;
  want.prompt = typeof prompt === "string" && fromArgs(prompt, d) === v.body
    ? prompt
    : toArgs(v.body, note, d);
  if (v.argumentHint !== undefined) {
    note(
      `${d.client}'s TOML commands have no argument hint` +
        (d.hintElsewhere ? ` (${d.hintElsewhere})` : "") + "; it was not written",
      "argumentHint",
    );
  }
  for (const [k, x] of Object.entries(v.extras?.[d.id] ?? {})) {
    if (!Object.hasOwn(want, k)) put(want, k, x);
  }
  const path = cur?.path ?? "new command";
  try {
    return editTomlRoot(cur?.text ?? "", cur?.data ?? {}, want, path);
  } catch (e) {
    note(`Cannot edit "${path}": ${(e as Error).message}; it was left as it is`, "body");
    return undefined;
  }
}

/** How a client's folder of TOML commands is named (see `tomlCommandRules`). */
export interface TomlFolder extends ArgsDialect {
  /** The command name of a file's path below the folder (default: folders joined with `:`). */
  name?(rel: string): string;
  /** Why the client cannot keep a command of this name in a file, or `undefined`. */
  refuse?(name: string): string | undefined;
}

/** Folder rules (see `readFolder`) for a client whose commands are all TOML files. */
export function tomlCommandRules(f: TomlFolder): FolderRules<Json> {
  return {
    client: f.client,
    kind: "command",
    ext: ".toml",
    namespaces: true,
    parse: (text, path) => parseTomlCommand(text, path, f),
    refuse: f.refuse,
    item: ({ rel, doc }) => ({ name: f.name?.(rel), value: tomlCommandValue(doc, f) }),
    render(item, cur: FolderFile<Json> | undefined, note) {
      const v = item.value as Command;
      const text = renderTomlCommand(
        v,
        cur && { text: cur.text, data: cur.doc, path: cur.path },
        note,
        f,
      );
      if (text !== undefined) return text;
      if (cur) return cur.text;
      // A new file whose extras TOML cannot hold: description and prompt only.
      note(`${f.client} cannot keep this command's other keys; they were not written`, "extras");
      return renderTomlCommand({ ...v, extras: undefined }, undefined, () => {}, f) ?? "";
    },
  };
}

/** The line and column of a root key of a TOML text, when it has one. */
function keyLine(text: string, key: string): [number, number] | [] {
  const masked = maskToml(text);
  const end = headers(masked)[0] ?? text.length;
  const m = new RegExp(`^([ \\t]*)${keyPattern(key)}[ \\t]*=`, "m").exec(masked.slice(0, end));
  if (!m) return [];
  return [text.slice(0, m.index).split("\n").length, m[1].length + 1];
}

// ---------------------------------------------------------------------------------------------
// TOML root keys (the contract's editToml edits tables, not the root keys of a command file)

/**
 * Sets the root keys of a TOML text to `want`, splicing only the edited values: removed keys
 * lose their lines, changed ones get a new value in place (a comment after it stays), new ones go
 * before the first table (a new `description` goes first, as the clients' examples have it).
 * Multi-line strings are written as `"""` strings starting on a new line, as the clients' docs
 * show them. Throws when the result does not parse to `want`.
 */
export function editTomlRoot(text: string, data: Json, want: Json, file: string): string {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  let out = text;
  for (const k of Object.keys(data)) {
    if (!Object.hasOwn(want, k)) out = spliceKey(out, k, undefined, eol);
  }
  for (const [k, v] of Object.entries(want)) {
    if (!Object.hasOwn(data, k) || !sameValue(data[k], v)) out = spliceKey(out, k, v, eol);
  }
  if (out === text) return text;
  const back = parseToml(out, file);
  if (!sameValue(back, want)) throw new Error("the edited file would not read back as planned");
  return out;
}

/**
 * `text` with every string value and comment blanked (newlines kept, same length), so a line of
 * a multi-line prompt that looks like `[table]` or `key = x` is not taken for one. Quoted keys
 * (a string that starts a line outside an array) stay.
 */
function maskToml(text: string): string {
  let out = "", depth = 0, lineStart = true;
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const end = valueEnd(text, i);
      const key = lineStart && depth === 0;
      out += key ? text.slice(i, end) : text.slice(i, end).replace(/[^\r\n]/g, " ");
      i = end;
      lineStart = false;
      continue;
    }
    if (c === "#") {
      const nl = text.indexOf("\n", i);
      const end = nl === -1 ? text.length : nl;
      out += " ".repeat(end - i);
      i = end;
      continue;
    }
    if (c === "[" || c === "{") depth++;
    else if ((c === "]" || c === "}") && depth > 0) depth--;
    if (c === "\n") lineStart = true;
    else if (c !== " " && c !== "\t" && c !== "\r") lineStart = false;
    out += c;
    i++;
  }
  return out;
}

/** The offsets of the `[table]` and `[[array]]` header lines. */
function headers(masked: string): number[] {
  const out: number[] = [];
  let depth = 0;
  for (let i = 0; i < masked.length; i++) {
    if (
      (i === 0 || masked[i - 1] === "\n") && depth === 0 &&
      /^[ \t]*\[/.test(masked.slice(i, i + 200))
    ) {
      out.push(i);
    }
    const c = masked[i];
    if (c === "[" || c === "{") depth++;
    else if ((c === "]" || c === "}") && depth > 0) depth--;
  }
  return out;
}

function keyPattern(key: string): string {
  const esc = escapeRegExp(key);
  return `(?:${esc}|"${esc}"|'${esc}')`;
}

/** The `[start, end)` of the `[key]` table and its sub-tables, when the text has one. */
function tableSection(text: string, masked: string, key: string): [number, number] | undefined {
  const name = keyPattern(key);
  const head = new RegExp(`^[ \\t]*\\[[ \\t]*${name}[ \\t]*\\]`);
  const sub = new RegExp(`^[ \\t]*\\[{1,2}[ \\t]*${name}[ \\t]*\\.`);
  const starts = headers(masked);
  const at = starts.findIndex((h) => head.test(masked.slice(h, h + 300)));
  if (at === -1) return undefined;
  const next = starts.slice(at + 1).find((h) => !sub.test(masked.slice(h, h + 300)));
  return [starts[at], next ?? text.length];
}

function spliceKey(text: string, key: string, value: unknown, eol: string): string {
  let masked = maskToml(text);
  const section = tableSection(text, masked, key);
  if (section) {
    // A `[key]` table (with its `[key.x]` sub-tables) goes; a new value is set inline below.
    const [from, to] = section;
    text = to === text.length
      ? text.slice(0, from).replace(/(\r?\n)+$/, eol)
      : text.slice(0, from) + text.slice(to);
    if (text.trim() === "") text = "";
    masked = maskToml(text);
  }
  const end = headers(masked)[0] ?? text.length;
  // Blanks after `=` are read in the text itself: the mask blanks the value's quotes too.
  const re = new RegExp(`^[ \\t]*${keyPattern(key)}[ \\t]*=`, "m");
  const m = re.exec(masked.slice(0, end));
  if (m) {
    const start = m.index + m[0].length +
      /^[ \t]*/.exec(text.slice(m.index + m[0].length))![0].length;
    const stop = valueEnd(text, start);
    if (value !== undefined) return text.slice(0, start) + tomlValue(value) + text.slice(stop);
    // The whole line goes, with a comment after the value and the line end.
    const nl = text.indexOf("\n", stop);
    return text.slice(0, m.index) + (nl === -1 ? "" : text.slice(nl + 1));
  }
  if (value === undefined) return text;
  const line = `${/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key)} = ${
    tomlValue(value)
  }${eol}`;
  if (key === "description") {
    const first = /^[ \t]*[^\s#[]/m.exec(masked.slice(0, end));
    if (first) return text.slice(0, first.index) + line + text.slice(first.index);
  }
  const before = text.slice(0, end);
  const sep = before === "" || before.endsWith("\n") ? "" : eol;
  const gap = end < text.length ? eol : "";
  return before.replace(/(\r?\n)+$/, (m) => m.slice(0, eol.length)) + sep + line + gap +
    text.slice(end);
}

/** The offset just after the TOML value that starts at `at`. */
function valueEnd(text: string, at: number): number {
  for (const q of ['"""', "'''"]) {
    if (text.startsWith(q, at)) {
      let i = at + 3;
      for (; i < text.length; i++) {
        if (q === '"""' && text[i] === "\\") i++;
        else if (text.startsWith(q, i)) break;
      }
      i += 3;
      // Up to two quotes may end the content right before the delimiter.
      for (let n = 0; n < 2 && text[i] === q[0]; n++) i++;
      return Math.min(i, text.length);
    }
  }
  const c = text[at];
  if (c === '"' || c === "'") {
    let i = at + 1;
    for (; i < text.length && text[i] !== c && text[i] !== "\n"; i++) {
      if (c === '"' && text[i] === "\\") i++;
    }
    return Math.min(i + 1, text.length);
  }
  if (c === "[" || c === "{") {
    let depth = 0, i = at;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (ch === '"' || ch === "'") i = valueEnd(text, i) - 1;
      else if (ch === "#") i = text.indexOf("\n", i) === -1 ? text.length : text.indexOf("\n", i);
      else if (ch === "[" || ch === "{") depth++;
      else if ((ch === "]" || ch === "}") && --depth === 0) return i + 1;
    }
    return text.length;
  }
  const m = /[^\r\n#]*/.exec(text.slice(at))!;
  return at + m[0].trimEnd().length;
}

/** A JSON value as TOML text; multi-line strings as `"""` strings. */
function tomlValue(v: unknown): string {
  if (typeof v === "string") {
    const esc = (s: string) =>
      s.replace(/\\/g, "\\\\").replace(
        // deno-lint-ignore no-control-regex
        /[\x00-\x08\x0b-\x1f\x7f]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
      );
    if (!v.includes("\n")) return `"${esc(v).replace(/"/g, '\\"').replace(/\t/g, "\\t")}"`;
    // A quote before another quote or at the end could close the string: escape those.
    const body = esc(v).replace(/\r/g, "\\r").replace(/"(?=")/g, '\\"').replace(/"$/, '\\"');
    return `"""\n${body}"""`;
  }
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(", ")}]`;
  if (isPlain(v)) {
    const items = Object.entries(v).map(([k, x]) =>
      `${/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k)} = ${tomlValue(x)}`
    );
    return items.length ? `{ ${items.join(", ")} }` : "{}";
  }
  throw new Error(`TOML cannot hold ${JSON.stringify(v)}`);
}
