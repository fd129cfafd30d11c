/**
 * Format-preserving editors for the files clients keep: JSON/JSONC (jsonc-parser), TOML
 * (toml_edit compiled to WASM) and YAML (the `yaml` Document API). Every editor changes only
 * the path it is given and leaves every other byte alone; every parser reports the file, line,
 * column and reason of a failure.
 *
 * @module
 */
// The ES builds of jsonc-parser and yaml, bundled (core/vendor/build.ts): the npm packages load
// as CommonJS, which starts Deno's Node layer in every plugin Worker.
// @ts-types="jsonc-parser"
import {
  applyEdits,
  createScanner,
  findNodeAtLocation,
  type FormattingOptions,
  modify,
  type Node as JsonNode,
  parse as parseJsoncRaw,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from "./vendor/jsonc_parser.js";
// The package's plain wasm-bindgen module, not its default entry: that entry's platform sniffing
// touches `process` and imports `node:fs` at load, which starts Deno's Node layer in every
// plugin Worker (about 2 MB each) only to read a file the host already compiled.
import {
  default as tomlInitAsync,
  edit as tomlEditRaw,
  initSync,
  parse as tomlParseRaw,
} from "@rainbowatcher/toml-edit-js/index";
// @ts-types="yaml"
import YAML from "./vendor/yaml.js";
import { spliceYaml } from "./yaml_edit.ts";
import { escapeRegExp, isPlain, lineCol, put } from "./guards.ts";

/** A config file that cannot be parsed; it is never written. */
export class ConfigParseError extends SyntaxError {
  /** The file's path. */
  file: string;
  line?: number;
  column?: number;
  reason: string;
  constructor(file: string, reason: string, line?: number, column?: number) {
    super(
      `Cannot parse "${file}"${line ? ` at line ${line}, column ${column ?? 1}` : ""}: ${reason}`,
    );
    this.name = "ConfigParseError";
    this.file = file;
    this.reason = reason;
    this.line = line;
    this.column = column;
  }
}

/** Parses JSON, or JSONC when `comments` is true; throws {@linkcode ConfigParseError}. */
export function parseJsonc(
  text: string,
  file: string,
  options: { comments?: boolean } = {},
): unknown {
  // Most files are plain JSON, which the native parser reads many times faster (a plan parses
  // a file two or three times). What it accepts, jsonc-parser reads to the same values (an own
  // `__proto__` key aside, which it keeps as data, as the clients' own JSON.parse does); what it
  // refuses goes to jsonc-parser, for comments, trailing commas and an error with its place. So
  // does a document nested deeper than the editors can go (jsonc-parser calls it an error).
  if (nestsWithin(text, 256)) {
    try {
      return JSON.parse(text);
    } catch {
      // not plain JSON
    }
  }
  const errors: ParseError[] = [];
  let value: unknown;
  try {
    value = parseJsoncRaw(text, errors, {
      allowTrailingComma: options.comments ?? false,
      disallowComments: !(options.comments ?? false),
    });
  } catch (e) {
    if (e instanceof RangeError) throw new ConfigParseError(file, "it is nested too deeply");
    throw e;
  }
  if (errors.length) {
    const [line, col] = lineCol(text, errors[0].offset);
    throw new ConfigParseError(
      file,
      describeJsonError(printParseErrorCode(errors[0].error)),
      line,
      col,
    );
  }
  if (text.trim() === "") throw new ConfigParseError(file, "the file is empty", 1, 1);
  return value;
}

/** True when no value in `text` nests deeper than `limit` (brackets in strings not counted). */
function nestsWithin(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) { // a string: skip to its closing quote, over escapes
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 || c === 91) {
      if (++depth > limit) return false;
    } else if (c === 125 || c === 93) depth--;
  }
  return true;
}

function describeJsonError(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase().replace(/^invalid/, "invalid");
}

/** Formatting options that match the file's own indentation and line ends. */
export function jsonFormat(text: string): FormattingOptions {
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? "  ";
  return {
    insertSpaces: !indent.startsWith("\t"),
    tabSize: indent.startsWith("\t") ? 1 : indent.length,
    eol: text.includes("\r\n") ? "\r\n" : "\n",
  };
}

type JsonPath = (string | number)[];

/** How {@linkcode editJson} lays out the values it writes. */
export interface JsonEditOptions {
  /**
   * Lists of scalars in written values: `"expanded"` (the default) puts one element a line, as
   * `JSON.stringify(value, null, 2)` and the clients' own `mcp add` commands do; `"inline"` keeps
   * them on one line (`"args": ["-y", "pkg"]`), as Atlassian's Rovo Dev examples do.
   */
  lists?: "expanded" | "inline";
}

/**
 * Sets (or, with `undefined`, removes) the value at `path` of a JSON or JSONC text by splicing
 * text, so every byte outside the edited value stays as it was (jsonc-parser's formatter would
 * reflow the lines around an insertion or removal):
 *
 * - objects present on both sides are edited member by member, and a list that only grew gets
 *   the new elements appended, so untouched members keep their bytes and comments;
 * - a new member goes after the last one at its indentation (a comment that ends the last
 *   member's line stays on that line), or on the same line when the object is written on one
 *   line; missing parent objects are created on the way; an array index of `-1` (or the length)
 *   appends an element;
 * - a removed member takes its own line(s), with a comment that ends them, and one comma; the
 *   comment of the member before it stays; an object or array left empty becomes `{}` or `[]`;
 * - a replaced value keeps the layout it had (one line or several);
 * - indentation, line ends (CRLF) and a byte order mark are the file's own; an empty text
 *   becomes a new document.
 *
 * Insertions and replacements are valid by construction. The bytes a removal leaves between
 * the neighbouring members are scanned; if anything there is not a comma, a comment or
 * whitespace (or the text does not parse), jsonc-parser's `modify` makes the edit instead.
 *
 * @example Add a server after the last one
 * ```ts
 * const text = '{\n  "mcpServers": {\n    "a": {"command": "x"} // mine\n  }\n}\n';
 * editJson(text, ["mcpServers", "b"], { command: "y" });
 * // '{\n  "mcpServers": {\n    "a": {"command": "x"}, // mine\n    "b": {\n' +
 * // '      "command": "y"\n    }\n  }\n}\n'
 * ```
 */
export function editJson(
  text: string,
  path: JsonPath,
  value: unknown,
  options: JsonEditOptions = {},
): string {
  if (text.startsWith(BOM)) return BOM + editJson(text.slice(1), path, value, options);
  if (path.length === 0 && value === undefined) return "";
  if (!/\S/.test(text)) {
    if (value === undefined) return text;
    return render(nest(path, value), { unit: "  ", eol: "\n", options }, "");
  }
  const cached = treeOf(text);
  if (cached === undefined) return modifyJson(text, path, value);
  const node = find(cached.root, path);
  if (node === undefined ? value === undefined : sameNode(node, value)) return text;
  // The splices below move the cached tree along with the text; it describes `text` no more.
  forget(cached);
  const doc: Doc = { ...cached, options, ok: true };
  if (value === undefined) removeNode(doc, node!);
  else if (node) updateNode(doc, node, value);
  else addAt(doc, path, value);
  if (!doc.ok) return modifyJson(text, path, value);
  remember({ text: doc.text, root: doc.root, unit: doc.unit, eol: doc.eol });
  return doc.text;
}

const BOM = "\uFEFF";

/**
 * jsonc-parser's tree node, made writable so that splices move offsets instead of re-parsing.
 * A splice does not touch the nodes after it: it adds to their `shift`, which moves the node
 * and everything under it. So a node starts at `offset` plus the shifts of it and its
 * ancestors ({@linkcode offsetOf}); `colonOffset` is not kept.
 */
interface TreeNode {
  type: JsonNode["type"];
  // deno-lint-ignore no-explicit-any
  value?: any;
  offset: number;
  length: number;
  shift?: number;
  parent?: TreeNode;
  children?: TreeNode[];
}

function find(root: TreeNode, path: JsonPath): TreeNode | undefined {
  return findNodeAtLocation(root as JsonNode, path) as TreeNode | undefined;
}

/** A parsed JSON text: the tree's offsets always describe `text`. */
interface Parsed {
  text: string;
  root: TreeNode;
  /** One level of the file's indentation, and its line end. */
  unit: string;
  eol: string;
}

/** One edit in progress: each splice updates `text` and moves the tree's offsets with it. */
interface Doc extends Parsed {
  options: JsonEditOptions;
  /** False once a splice could not be shown to be right: the edit falls back to `modify`. */
  ok: boolean;
}

// Plans call editJson once per entry on the text the last call returned. Each result is kept
// with its (spliced, not re-parsed) tree, so a sync that adds hundreds of servers to one file
// parses it once, not once per server. A few entries, for plans that alternate between files.
const trees: Parsed[] = [];

function treeOf(text: string): Parsed | undefined {
  const at = trees.findIndex((t) => t.text === text);
  if (at >= 0) {
    // Most recently used first: the file a plan starts from stays while it is edited.
    const [hit] = trees.splice(at, 1);
    trees.unshift(hit);
    return hit;
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true }) as TreeNode | undefined;
  if (!root || errors.length) return undefined;
  const fmt = jsonFormat(text);
  const parsed = {
    text,
    root,
    unit: fmt.insertSpaces ? " ".repeat(fmt.tabSize ?? 2) : "\t",
    eol: fmt.eol ?? "\n",
  };
  remember(parsed);
  return parsed;
}

function remember(parsed: Parsed) {
  trees.unshift(parsed);
  if (trees.length > 4) trees.pop();
}

function forget(parsed: Parsed) {
  const i = trees.indexOf(parsed);
  if (i >= 0) trees.splice(i, 1);
}

/** The reference edit, for what the splices cannot show to be right. */
function modifyJson(text: string, path: JsonPath, value: unknown): string {
  return applyEdits(text, modify(text, path, value, { formattingOptions: jsonFormat(text) }));
}

/** Adds the value at a path that does not exist, creating the missing parents. */
function addAt(doc: Doc, path: JsonPath, value: unknown) {
  let depth = path.length - 1;
  let parent = find(doc.root, path.slice(0, depth));
  while (parent === undefined) parent = find(doc.root, path.slice(0, --depth));
  const key = path[depth];
  const member = nest(path.slice(depth + 1), value);
  if (parent.type === "object" && typeof key === "string") insertMember(doc, parent, key, member);
  else if (parent.type === "array" && typeof key === "number") {
    insertMember(doc, parent, undefined, member);
  } else if (parent.type !== "object" && parent.type !== "array") {
    // A scalar or null where a container should be: the container replaces it.
    replaceNode(doc, parent, nest(path.slice(depth), value));
  } else doc.ok = false;
}

/** `value` inside the objects (or, for number keys, lists) that `path` names. */
function nest(path: JsonPath, value: unknown): unknown {
  for (let i = path.length - 1; i >= 0; i--) {
    const key = path[i];
    if (typeof key === "number") value = [value];
    else {
      const obj: Record<string, unknown> = {};
      put(obj, key, value);
      value = obj;
    }
  }
  return value;
}

/** Makes an existing node hold `value`, keeping as much of its text as it can. */
function updateNode(doc: Doc, node: TreeNode, value: unknown) {
  if (sameNode(node, value)) return;
  if (node.type === "object" && isPlain(value)) {
    for (const prop of [...node.children ?? []]) {
      const key = prop.children?.[0]?.value as string;
      if (!Object.hasOwn(value, key) || value[key] === undefined) removeNode(doc, prop);
    }
    for (const [key, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const prop = node.children?.find((p) => p.children?.[0]?.value === key);
      if (prop?.children?.[1]) updateNode(doc, prop.children[1], v);
      else insertMember(doc, node, key, v);
    }
    return;
  }
  if (node.type === "array" && Array.isArray(value)) {
    const items = [...node.children ?? []];
    if (items.length && items.length <= value.length) {
      const grown = items.length < value.length;
      // A list that only grew gets the new elements appended; one of the same length is
      // edited element by element. Either way comments between elements stay.
      if (!grown || items.every((n, i) => sameNode(n, value[i]))) {
        items.forEach((n, i) => updateNode(doc, n, value[i]));
        for (const v of value.slice(items.length)) insertMember(doc, node, undefined, v);
        return;
      }
    }
  }
  replaceNode(doc, node, value);
}

/** Replaces a value's text with `value`, one line or several as it was written. */
function replaceNode(doc: Doc, node: TreeNode, value: unknown) {
  const text = doc.text;
  const start = offsetOf(node), end = start + node.length;
  const member = node.parent?.type === "property" ? node.parent : node;
  const container = member.parent;
  let multiline: boolean;
  if (text.slice(start, end).includes("\n")) multiline = true;
  else if (node.children?.length) multiline = false;
  else multiline = !container || (ownLine(text, offsetOf(member)) && isMultiline(text, container));
  const rendered = multiline
    ? render(value, doc, lineIndent(text, start))
    : oneLine(value, padOf(text, node.type === "object" ? node : container));
  splice(doc, start, end, rendered, node);
  const fresh = graft(rendered, "", start, node.parent);
  if (!node.parent) doc.root = fresh;
  else node.parent.children![node.parent.children!.indexOf(node)] = fresh;
}

/**
 * Adds `key: value` (or, without a key, an element) as the last member of an object (array):
 * one text insertion after the last member, in the container's own layout.
 */
function insertMember(doc: Doc, container: TreeNode, key: string | undefined, value: unknown) {
  const text = doc.text;
  const prefix = key === undefined ? "" : JSON.stringify(key) + ": ";
  const open = offsetOf(container);
  const close = open + container.length - 1;
  const members = container.children ?? [];
  let from: number, to: number, before: string, after = "";
  let body: string;
  if (!members.length) {
    const base = lineIndent(text, open);
    const indent = base + doc.unit;
    body = prefix + render(value, doc, indent);
    from = to = open + 1;
    before = doc.eol + indent;
    // Only blank space inside: it becomes the new member's lines. A comment stays after it.
    if (text.slice(open + 1, close).trim() === "") {
      to = close;
      after = doc.eol + base;
    }
  } else {
    const first = offsetOf(members[0]);
    const end = endOf(members[members.length - 1]);
    from = to = end;
    if (!text.slice(open, first).includes("\n")) {
      // Members written on one line: the new one joins that line.
      body = prefix + oneLine(value, padOf(text, container));
      before = ", ";
    } else {
      const indent = lineIndent(text, first);
      body = prefix + render(value, doc, indent);
      const lineEnd = eolAt(text, end);
      const rest = text.slice(end, lineEnd);
      if (/^[ \t]*,[ \t]*(\/\/.*|\/\*.*?\*\/[ \t]*)?$/.test(rest)) {
        // A trailing comma: the new member goes on the next line and keeps the comma style.
        from = to = lineEnd;
        before = doc.eol + indent;
        after = ",";
      } else if (/^[ \t]*(\/\/.*|\/\*.*?\*\/[ \t]*)$/.test(rest)) {
        // A comment ending the last member's line stays with it, after the new comma.
        to = lineEnd;
        before = "," + rest + doc.eol + indent;
      } else before = "," + doc.eol + indent;
    }
  }
  splice(doc, from, to, before + body + after);
  const fresh = graft(
    body,
    container.type === "object" ? "{}" : "[]",
    from + before.length,
    container,
  );
  (container.children ??= []).push(fresh);
}

/**
 * Parses the text of one new value (`brackets` empty) or member (`"{}"`, `"[]"`) that starts at
 * `at`, and returns its node, placed under `parent`.
 */
function graft(body: string, brackets: string, at: number, parent?: TreeNode): TreeNode {
  const wrapped = brackets ? brackets[0] + body + brackets[1] : body;
  const root = parseTree(wrapped, [], { allowTrailingComma: true }) as TreeNode;
  const node = brackets ? root.children![0] : root;
  // Under `parent`, the shifts of the parent and its ancestors still apply.
  node.shift = at - node.offset - (parent ? offsetOf(parent) - parent.offset : 0);
  node.parent = parent;
  return node;
}

/**
 * Removes an object member (or array element, or the property holding `node`) with its own
 * line(s) when it has them, and one comma; then scans what is left between its neighbours.
 */
function removeNode(doc: Doc, node: TreeNode) {
  const target = node.parent?.type === "property" ? node.parent : node;
  const container = target.parent;
  if (!container) {
    doc.ok = false;
    return;
  }
  const siblings = container.children!;
  const i = siblings.indexOf(target);
  const prev = siblings[i - 1], next = siblings[i + 1];
  const close = endOf(container) - 1;
  const text = doc.text;
  const start = offsetOf(target), end = start + target.length;
  const own = ownLine(text, start);
  const lineOf = lineStart(text, start);
  const comma = commaAfter(text, end, next ? offsetOf(next) : close);
  siblings.splice(i, 1);
  if (comma >= 0) {
    const lineEnd = eolAt(text, comma + 1);
    if (
      own && lineEnd < (next ? offsetOf(next) : close) &&
      onlyComment(text.slice(comma + 1, lineEnd))
    ) {
      splice(doc, lineOf, afterEol(text, lineEnd), "");
    } else {
      let k = comma + 1;
      while (text[k] === " " || text[k] === "\t") k++;
      splice(doc, start, k, "");
    }
  } else {
    const lineEnd = eolAt(text, end);
    if (own && lineEnd < close && onlyComment(text.slice(end, lineEnd))) {
      splice(doc, lineOf, afterEol(text, lineEnd), "");
    } else {
      let b = start;
      while (b > 0 && (text[b - 1] === " " || text[b - 1] === "\t")) b--;
      splice(doc, b, end, "");
    }
    if (prev) {
      // The member before is the last one now: its comma goes, a comment after it stays.
      const c = commaAfter(doc.text, endOf(prev), endOf(container) - 1);
      if (c >= 0) {
        let b = c;
        while (doc.text[b - 1] === " " || doc.text[b - 1] === "\t") b--;
        splice(doc, Math.max(b, endOf(prev)), c + 1, "");
      }
    }
  }
  const gapFrom = prev ? endOf(prev) : offsetOf(container) + 1;
  const gapTo = next ? offsetOf(next) : endOf(container) - 1;
  if (!siblings.length && doc.text.slice(gapFrom, gapTo).trim() === "") {
    // Nothing but blank space left inside: `{}` or `[]`.
    splice(doc, gapFrom, gapTo, "");
    return;
  }
  const commas = prev && (next || comma >= 0) ? 1 : 0;
  if (!onlySeparators(doc.text, gapFrom, gapTo, commas)) doc.ok = false;
}

/**
 * Replaces `[from, to)` of the text with `insert` and moves the tree with it: nodes around the
 * range grow or shrink, nodes after it shift (lazily: a big object after the edited one costs
 * one addition, not one per node). `skip` (a node being replaced) is left alone.
 */
function splice(doc: Doc, from: number, to: number, insert: string, skip?: TreeNode) {
  doc.text = doc.text.slice(0, from) + insert + doc.text.slice(to);
  const delta = insert.length - (to - from);
  if (delta === 0) return;
  const walk = (n: TreeNode, above: number) => {
    if (n === skip) return;
    const shift = above + (n.shift ?? 0);
    const start = n.offset + shift;
    if (start + n.length <= from) return;
    if (start >= to) {
      n.shift = (n.shift ?? 0) + delta;
      return;
    }
    n.length += delta;
    if (n.children) { for (const c of n.children) walk(c, shift); }
  };
  walk(doc.root, 0);
}

/** Where a node starts in the text: its offset plus the shifts of it and its ancestors. */
function offsetOf(node: TreeNode): number {
  let offset = node.offset;
  for (let n: TreeNode | undefined = node; n; n = n.parent) offset += n.shift ?? 0;
  return offset;
}

function endOf(node: TreeNode): number {
  return offsetOf(node) + node.length;
}

/** True when the node's data equals `value` (key order aside); reads no text. */
function sameNode(node: TreeNode, value: unknown): boolean {
  switch (node.type) {
    case "object": {
      if (!isPlain(value)) return false;
      let count = 0;
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (!v || !Object.hasOwn(value, k.value) || !sameNode(v, value[k.value])) return false;
        count++;
      }
      let want = 0;
      for (const key in value) if (Object.hasOwn(value, key) && value[key] !== undefined) want++;
      return count === want;
    }
    case "array": {
      const items = node.children ?? [];
      return Array.isArray(value) && value.length === items.length &&
        items.every((n, i) => sameNode(n, value[i]));
    }
    case "null":
      return value === null;
    default:
      return node.value === value;
  }
}

/** The offset of the comma after `from` (past blank space and comments) before `limit`, or -1. */
function commaAfter(text: string, from: number, limit: number): number {
  const scanner = createScanner(text, false);
  scanner.setPosition(from);
  for (;;) {
    const token = scanner.scan();
    if (scanner.getTokenOffset() >= limit) return -1;
    if (token === COMMA) return scanner.getTokenOffset();
    if (!TRIVIA.has(token)) return -1;
  }
}

// jsonc-parser's SyntaxKind values (a `const enum`, which isolated modules cannot read).
const COMMA = 5;
/** Line comment, block comment, line break, blank space. */
const TRIVIA = new Set([12, 13, 14, 15]);

/** True when `[from, to)` holds only blank space, whole comments and `commas` commas. */
function onlySeparators(text: string, from: number, to: number, commas: number): boolean {
  const scanner = createScanner(text, false);
  scanner.setPosition(from);
  let seen = 0;
  for (;;) {
    const token = scanner.scan();
    const offset = scanner.getTokenOffset();
    if (offset >= to) return offset === to && seen === commas;
    if (scanner.getTokenError() !== 0) return false;
    if (offset + scanner.getTokenLength() > to) return false;
    if (token === COMMA) seen++;
    else if (!TRIVIA.has(token)) return false;
  }
}

/** Multi-line JSON: one member a line at `indent` plus one unit; lists of scalars per option. */
function render(
  value: unknown,
  style: Pick<Doc, "unit" | "eol" | "options">,
  indent: string,
): string {
  const { unit, eol } = style;
  const inline = style.options.lists === "inline";
  const go = (v: unknown, at: string): string => {
    if (Array.isArray(v)) {
      if (!v.length) return "[]";
      if (inline && v.every((x) => x === null || typeof x !== "object")) return oneLine(v, "");
      const inner = at + unit;
      return "[" + eol + v.map((x) => inner + go(x ?? null, inner)).join("," + eol) + eol + at +
        "]";
    }
    if (isPlain(v)) {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      if (!entries.length) return "{}";
      const inner = at + unit;
      return "{" + eol +
        entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${go(x, inner)}`).join("," + eol) +
        eol + at + "}";
    }
    return JSON.stringify(v) ?? "null";
  };
  return go(value, indent);
}

/** JSON on one line, as people write it by hand: `{"a": 1, "b": [2, 3]}`, `pad` inside braces. */
function oneLine(value: unknown, pad: string): string {
  if (Array.isArray(value)) return `[${value.map((v) => oneLine(v ?? null, pad)).join(", ")}]`;
  if (isPlain(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (!entries.length) return "{}";
    const body = entries.map(([k, v]) => `${JSON.stringify(k)}: ${oneLine(v, pad)}`).join(", ");
    return `{${pad}${body}${pad}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** `" "` when an object is written `{ "a": 1 }`, `""` for `{"a": 1}`. */
function padOf(text: string, node: TreeNode | undefined): string {
  return node?.type === "object" && text[offsetOf(node) + 1] === " " ? " " : "";
}

/** True when the container puts its first member on a line of its own. */
function isMultiline(text: string, container: TreeNode): boolean {
  const first = container.children?.[0];
  return !!first && text.slice(offsetOf(container), offsetOf(first)).includes("\n");
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** The blank space that starts the line holding `offset`. */
function lineIndent(text: string, offset: number): string {
  const start = lineStart(text, offset);
  let end = start;
  while (text[end] === " " || text[end] === "\t") end++;
  return text.slice(start, end);
}

/** True when only blank space comes before `offset` on its line. */
function ownLine(text: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0 && text[i] !== "\n"; i--) {
    if (text[i] !== " " && text[i] !== "\t") return false;
  }
  return true;
}

/** The offset of the line break (`\r\n` or `\n`) at or after `offset`, or the text's end. */
function eolAt(text: string, offset: number): number {
  const n = text.indexOf("\n", offset);
  if (n < 0) return text.length;
  return n > offset && text[n - 1] === "\r" ? n - 1 : n;
}

function afterEol(text: string, at: number): number {
  if (text.startsWith("\r\n", at)) return at + 2;
  return text[at] === "\n" ? at + 1 : at;
}

/** True for blank space, optionally with one comment (what may end a member's line). */
function onlyComment(rest: string): boolean {
  return /^[ \t]*(\/\/.*|\/\*.*?\*\/[ \t]*)?$/.test(rest);
}

function getAt(root: unknown, path: JsonPath): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

function dropAt(root: unknown, path: string[]): unknown {
  const copy = structuredClone(root) as Record<string, unknown>;
  let node = copy;
  for (const p of path.slice(0, -1)) node = node[p] as Record<string, unknown>;
  delete node[path[path.length - 1]];
  return copy;
}

let tomlReady = false;
let tomlModule: WebAssembly.Module | undefined;

/**
 * Loads the TOML editor's WASM. The host passes a compiled module to sandboxed Workers (which
 * may not read the package's files); it is instantiated on first use, since most plugins never
 * read TOML and each instance holds its own memory. In-process callers let it find the file.
 */
export async function initToml(module?: WebAssembly.Module): Promise<void> {
  if (tomlReady) return;
  if (module) tomlModule = module;
  else {
    await tomlInitAsync();
    tomlReady = true;
  }
}

/** Parses TOML; throws {@linkcode ConfigParseError}. */
export function parseToml(text: string, file: string): Record<string, unknown> {
  ensureToml();
  try {
    // A copy: the cache's own data is edited in place by `appendTable`. A plan parses the text
    // it then edits, and a copy costs a tenth of a parse.
    return structuredClone(tomlParseCached(text));
  } catch (e) {
    throw tomlError(e, file);
  }
}

/**
 * Throws {@linkcode ConfigParseError} unless `text` parses as a whole. A plugin's Worker runs
 * this on every TOML file a plan would write: a new table appended at the end is known without
 * parsing the file again, which keeps a first sync of hundreds of servers linear, and this one
 * parse per file and plan is what shows the result parses. What the plan's read-back then finds
 * is that parse. A text already parsed whole is not parsed again.
 */
export function checkToml(text: string, file: string): void {
  ensureToml();
  // Data built by `appendTable` is no parse: forget it, so this text is parsed.
  if (tomlCache?.text === text && !tomlCache.exact) tomlCache = undefined;
  try {
    tomlParseCached(text);
  } catch (e) {
    throw tomlError(e, file);
  }
}

function tomlError(e: unknown, file: string): ConfigParseError {
  const msg = String((e as Error)?.message ?? e);
  const m = /at line (\d+), column (\d+)/.exec(msg);
  const reason =
    msg.split("\n").map((l) => l.trim()).filter((l) =>
      l && !l.startsWith("|") && !/^\d+ \|/.test(l) && !l.startsWith("TOML parse error") &&
      !l.startsWith("Parse Error")
    ).join("; ") || msg;
  return new ConfigParseError(file, reason, m ? +m[1] : undefined, m ? +m[2] : undefined);
}

function ensureToml() {
  if (tomlReady) return;
  if (!tomlModule) throw new Error("Cannot edit TOML: initToml() was not called");
  initSync({ module: tomlModule });
  tomlReady = true;
}

function tomlKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k);
}

/**
 * Sets (or removes, with `undefined`) the value at `path`, recursing into tables that exist on
 * both sides so untouched keys keep their comments. New tables are written as `[a.b]` sections,
 * the way Codex writes them.
 */
export function editToml(text: string, path: string[], value: unknown): string {
  // toml_edit re-renders with "\n"; keep a CRLF file CRLF.
  if (text.includes("\r\n") && !/(^|[^\r])\n/.test(text)) {
    return editTomlLf(text.replaceAll("\r\n", "\n"), path, value).replaceAll("\n", "\r\n");
  }
  return editTomlLf(text, path, value);
}

/**
 * The last TOML text parsed or edited and its data; `exact` when the data is a parse of the
 * whole text, not built by `appendTable`.
 */
let tomlCache: {
  text: string;
  data: Record<string, unknown>;
  exact: boolean;
  /** Where the last sub-table of `parent` ends in `text`, known after an append. */
  tail?: { parent: string; at: number };
} | undefined;

/** Parses with a one-entry cache: successive edits parse each intermediate text once. */
function tomlParseCached(text: string): Record<string, unknown> {
  if (text !== tomlCache?.text) {
    tomlCache = { text, data: tomlParseRaw(text) as Record<string, unknown>, exact: true };
  }
  return tomlCache.data;
}

function editTomlLf(text: string, path: string[], value: unknown): string {
  ensureToml();
  const data = tomlParseCached(text);
  const current = getAt(data, path);
  if (current === undefined && isPlain(value) && path.length > 1) {
    const appended = appendTable(text, data, path, value);
    if (appended !== undefined) return appended;
  }
  const section = patchSection(text, path, current, value);
  let out = section?.text ?? patchToml(text, path, current, value);
  if (section) {
    // Parsed whole already: the read-back of the plan finds it in the cache.
    tomlCache = { text: out, data: section.data, exact: true };
  }
  for (let i = path.length - 1; i > 0; i--) {
    const parent = path.slice(0, i);
    const dotted = escapeRegExp(parent.map(tomlKey).join("."));
    // A header the user wrote stays; one toml_edit added (`[mcp_servers]` above the first
    // `[mcp_servers.x]`, which Codex never writes) or left empty after a removal goes.
    if (new RegExp(`^[ \\t]*\\[[ \\t]*${dotted}[ \\t]*\\]`, "m").test(text)) continue;
    const line = new RegExp(`^[ \\t]*\\[[ \\t]*${dotted}[ \\t]*\\][ \\t]*\\r?\\n(\\r?\\n)?`, "m");
    // No such header in the result either (an edit inside an existing table): nothing to drop,
    // and no parse of the whole result.
    if (!line.test(out)) continue;
    const parsed = tomlParseRaw(out);
    const v = getAt(parsed, parent);
    if (!isPlain(v)) continue;
    const empty = Object.keys(v).length === 0;
    let next = out.replace(line, "");
    if (empty) next = next.replace(/\n\n$/, "\n");
    const want = empty ? dropAt(parsed, parent) : parsed;
    if (next !== out && JSON.stringify(tomlParseRaw(next)) === JSON.stringify(want)) out = next;
  }
  return out;
}

/**
 * A new `[a.b]` table goes at the end of the file, as Codex appends it. This costs one small
 * render and one parse instead of re-rendering the whole document, which matters when a first
 * sync adds hundreds of servers. Used only when the parent is a plain table not written as an
 * inline table or dotted keys, and checked by parsing the result.
 */
function appendTable(
  text: string,
  data: Record<string, unknown>,
  path: string[],
  value: Record<string, unknown>,
): string | undefined {
  const parentPath = path.slice(0, -1);
  const parent = getAt(data, parentPath);
  if (parent !== undefined && !isPlain(parent)) return undefined;
  // Right after an append to the same parent, the file is known to pass the check below and
  // where the parent's sub-tables end: a first sync appends hundreds of servers, and scanning
  // the whole file for each made it quadratic.
  const parentKey = parentPath.map(tomlKey).join(".");
  const tail = tomlCache?.text === text && tomlCache.tail?.parent === parentKey
    ? tomlCache.tail
    : undefined;
  const head = escapeRegExp(tomlKey(path[0]));
  // Spelled inline or with dotted keys, in any quoting: a header below it would not parse.
  if (!tail && new RegExp(`^[ \\t]*["']?${head}["']?[ \\t]*[.=]`, "m").test(text)) {
    return undefined;
  }
  const dotted = path.map(tomlKey).join(".");
  let block = tomlEditRaw("", dotted, value, { inline: false } as never);
  // toml_edit writes `[a]` above `[a.b]` in an empty document; Codex does not.
  for (let i = 1; i < path.length; i++) {
    const header = `[${path.slice(0, i).map(tomlKey).join(".")}]\n`;
    if (block.startsWith(header)) block = block.slice(header.length).replace(/^\n/, "");
  }
  // After the parent's last sub-table (where toml_edit and Codex put it), else at the end.
  const at = tail?.at ?? endOfLastSubTable(text, parentKey);
  const before = text.slice(0, at), after = text.slice(at);
  const sep = before === ""
    ? ""
    : before.endsWith("\n\n")
    ? ""
    : before.endsWith("\n")
    ? "\n"
    : "\n\n";
  const out = before + sep + block + (after === "" ? "" : "\n" + after.replace(/^\n+/, ""));
  // The guards above make the appended header valid: the key is new, its parent is a plain
  // table not spelled inline or dotted. So the result's data is known without parsing it again;
  // the host parses every planned file whole once (`checkToml`) before it is read back.
  // `data` is the cache's own parse of `text`, which nobody else holds: it becomes the parse of
  // `out` in place (copying it on every append made a first sync quadratic).
  let node = data as Record<string, unknown>;
  for (const k of parentPath) node = (node[k] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1]] = getAt(tomlParseRaw(block), path);
  const start = before.length + sep.length;
  tomlCache = {
    text: out,
    data,
    exact: false,
    tail: { parent: parentKey, at: start + contentEnd(block, block.length) },
  };
  return out;
}

const HEADER = /^[ \t]*\[{1,2}[ \t]*([A-Za-z0-9_"'. \/-]+?)[ \t]*\]{1,2}[ \t]*(#.*)?$/;

/** The end of the last line before `at` that is not blank (with its newline), or -1. */
function contentEnd(text: string, at: number): number {
  let i = at - 1;
  while (i >= 0 && /\s/.test(text[i])) i--;
  if (i < 0) return -1;
  const nl = text.indexOf("\n", i);
  return nl < 0 ? text.length + 1 : nl + 1;
}

/**
 * The offset just after the last `[parent.x]` section (its trailing blank lines excluded). Only
 * header lines are looked at: a first sync appends hundreds of tables, and this runs for each.
 */
function endOfLastSubTable(text: string, parent: string): number {
  // Lines split at "\n" only, as the file's lines are.
  const starts = /(?:^|\n)[ \t]*\[/g;
  let inside = false, end = -1;
  for (let m; (m = starts.exec(text));) {
    const at = text[m.index] === "\n" ? m.index + 1 : m.index;
    const nl = text.indexOf("\n", at);
    const h = HEADER.exec(text.slice(at, nl < 0 ? text.length : nl));
    if (!h) continue;
    const key = h[1].replace(/[ \t]*\.[ \t]*/g, ".");
    if (inside) end = contentEnd(text, at);
    inside = key.startsWith(parent + ".");
  }
  if (inside) end = contentEnd(text, text.length);
  return end < 0 ? text.length : Math.min(end, text.length);
}

/**
 * Edits an existing `[a.b]` table inside its own section only, when the section (its header and
 * its sub-tables' headers, one after another) holds all of it: toml_edit then parses and prints
 * a few lines, not the whole file, and every other byte is the file's own by construction. When
 * that cannot be shown (the table spread over the file, dotted or inline, array tables, or an
 * edit that adds or drops a sub-table, or a result that does not parse whole), `undefined`: the
 * whole document is edited instead.
 */
function patchSection(
  text: string,
  path: string[],
  current: unknown,
  value: unknown,
): { text: string; data: Record<string, unknown> } | undefined {
  if (path.length < 2 || !isPlain(current) || !isPlain(value)) return undefined;
  const dotted = path.map(tomlKey).join(".");
  const lines = text.split("\n");
  let start = -1, end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const h = HEADER.exec(lines[i]);
    if (!h) continue;
    const key = h[1].replace(/[ \t]*\.[ \t]*/g, ".");
    const ours = key === dotted || key.startsWith(dotted + ".");
    const array = lines[i].trimStart().startsWith("[[");
    if (start < 0) {
      if (key === dotted && !array) start = i;
      else if (ours) return undefined;
    } else if (end === lines.length) {
      if (!ours) end = i;
      else if (array) return undefined;
    } else if (ours) return undefined;
  }
  // Defined by a header only: a dotted key or an inline table names it on another line.
  if (
    start < 0 || new RegExp(`(^|[.\\s])${escapeRegExp(path.at(-1)!)}[ \\t]*[.=]`, "m").test(
      lines.slice(0, start).join("\n"),
    )
  ) return undefined;
  const tail = lines.slice(end);
  const section = lines.slice(start, end).join("\n") + (tail.length ? "\n" : "");
  const edited = patchToml(section, path, current, value);
  if (headersOf(edited) !== headersOf(section)) return undefined;
  if (tail.length && !edited.endsWith("\n")) return undefined;
  const head = lines.slice(0, start);
  const out = (head.length ? head.join("\n") + "\n" : "") + edited + tail.join("\n");
  // The whole result is parsed, not only its section: only that shows the file parses as a
  // whole (the same table named elsewhere with other quoting, `[mcp_servers."x".env]`, would
  // make a key the edit added a duplicate). About a millisecond for a hundred servers.
  let data: Record<string, unknown>;
  try {
    data = tomlParseRaw(out) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  return isPlain(getAt(data, path)) ? { text: out, data } : undefined;
}

function headersOf(text: string): string {
  return text.split("\n").filter((l) => HEADER.test(l)).join("\n");
}

function patchToml(text: string, path: string[], current: unknown, value: unknown): string {
  const dotted = path.map(tomlKey).join(".");
  if (value === undefined) {
    return current === undefined ? text : tomlEditRaw(text, dotted, undefined);
  }
  if (isPlain(current) && isPlain(value)) {
    for (const k of Object.keys(current)) {
      if (value[k] === undefined) text = tomlEditRaw(text, `${dotted}.${tomlKey(k)}`, undefined);
    }
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      text = patchToml(text, [...path, k], current[k], v);
    }
    return text;
  }
  if (JSON.stringify(current) === JSON.stringify(value)) return text;
  return tomlEditRaw(text, dotted, value, { inline: false } as never);
}

/** Parses YAML into a Document (comments kept); throws {@linkcode ConfigParseError}. */
export function parseYaml(text: string, file: string): YAML.Document {
  const doc = YAML.parseDocument(text, { prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const [line, col] = lineCol(text, err.pos[0]);
    throw new ConfigParseError(file, err.message.split("\n")[0], line, col);
  }
  try {
    // Aliases are resolved only when the data is built: an unresolved one throws here.
    doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigParseError(file, (e as Error).message.split("\n")[0]);
  }
  return doc;
}

/**
 * Sets (or removes, with `undefined`) the value at `path` in a YAML text by splicing the parser's
 * text ranges, so every byte outside the edited node stays; throws {@linkcode ConfigParseError}
 * where that cannot be done safely.
 */
export function editYaml(text: string, path: string[], value: unknown, file = "YAML file"): string {
  return spliceYaml(text, path, value, file);
}
