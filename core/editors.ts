/**
 * Format-preserving editors for the files clients keep: JSON/JSONC (jsonc-parser), TOML
 * (toml_edit compiled to WASM) and YAML (the `yaml` Document API). Every editor changes only
 * the path it is given and leaves every other byte alone; every parser reports the file, line,
 * column and reason of a failure.
 *
 * @module
 */
import {
  applyEdits,
  findNodeAtLocation,
  type FormattingOptions,
  getNodeValue,
  modify,
  type Node as JsonNode,
  parse as parseJsoncRaw,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from "jsonc-parser";
import { edit as tomlEditRaw, initSync, parse as tomlParseRaw } from "@rainbowatcher/toml-edit-js";
import YAML from "yaml";
import { spliceYaml } from "./yaml_edit.ts";
import { stableStringify } from "./schema.ts";

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

function lineCol(text: string, offset: number): [number, number] {
  let line = 1, last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return [line, offset - last];
}

/** Parses JSON, or JSONC when `comments` is true; throws {@linkcode ConfigParseError}. */
export function parseJsonc(
  text: string,
  file: string,
  options: { comments?: boolean } = {},
): unknown {
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

/**
 * Sets (or, with `undefined`, removes) the value at `path`. Objects present on both sides are
 * edited member by member; a new member goes after the last one at its indentation and a
 * removed one takes only its own text and comma, so neighbouring lines stay byte for byte
 * (jsonc-parser's formatter would reflow the lines around an insertion). The result is parsed
 * back and checked; if it is not exactly the wanted data the formatter's edit is used instead.
 */
export function editJson(text: string, path: JsonPath, value: unknown): string {
  // Plans call this once per entry, mostly for entries that did not change: answer those from
  // one cached parse instead of re-parsing and re-checking the whole file each time.
  const node = findNodeAtLocation(treeOf(text), path);
  if (node === undefined && value === undefined) return text;
  if (node !== undefined && value !== undefined) {
    if (stableStringify(getNodeValue(node)) === stableStringify(value)) return text;
  }
  if (node === undefined && path.length > 0) {
    // A new member of an object that exists: valid by construction, no re-check needed (this
    // is most of a first sync's work, hundreds of entries into one file).
    const parent = findNodeAtLocation(treeOf(text), path.slice(0, -1));
    if (parent?.type === "object" && typeof path[path.length - 1] === "string") {
      const fmt = jsonFormat(text);
      const unit = fmt.insertSpaces ? " ".repeat(fmt.tabSize ?? 2) : "\t";
      return insertMember(text, parent, String(path[path.length - 1]), value, unit, fmt.eol ?? "\n");
    }
  }
  const out = spliceJson(text, path, value);
  // Key order is the file's business: compare the data with sorted keys.
  const want = stableStringify(withMember(parseLoose(text), path, value));
  if (stableStringify(parseLoose(out)) === want) return out;
  return applyEdits(text, modify(text, path, value, { formattingOptions: jsonFormat(text) }));
}

let cachedText: string | undefined;
let cachedTree: JsonNode | undefined;

function treeOf(text: string): JsonNode {
  if (text !== cachedText) {
    cachedTree = parseTree(text, [], { allowTrailingComma: true }) ?? {
      type: "null",
      offset: 0,
      length: 0,
    } as JsonNode;
    cachedText = text;
  }
  return cachedTree!;
}

function parseLoose(text: string): unknown {
  return parseJsoncRaw(text, [], { allowTrailingComma: true });
}

function spliceJson(text: string, path: JsonPath, value: unknown): string {
  const fmt = jsonFormat(text);
  const unit = fmt.insertSpaces ? " ".repeat(fmt.tabSize ?? 2) : "\t";
  const eol = fmt.eol ?? "\n";
  const root = parseTree(text);
  if (!root) return text;
  const node = findNodeAtLocation(root, path);
  const prop = node?.parent;
  if (value === undefined) {
    if (!node || prop?.type !== "property" || !prop.parent) return text;
    const members = prop.parent.children!;
    const i = members.indexOf(prop);
    if (members.length === 1) {
      const obj = prop.parent;
      return text.slice(0, obj.offset + 1) + text.slice(obj.offset + obj.length - 1);
    }
    if (i > 0) return text.slice(0, nodeEnd(members[i - 1])) + text.slice(nodeEnd(prop));
    return text.slice(0, prop.offset) + text.slice(members[1].offset);
  }
  if (node) {
    const current = parseLoose(text.slice(node.offset, nodeEnd(node)));
    if (isPlain(current) && isPlain(value) && Object.keys(current).length) {
      for (const [k, v] of Object.entries(value)) {
        if (v !== undefined) text = spliceJson(text, [...path, k], v);
      }
      for (const k of Object.keys(current)) {
        if (value[k] === undefined) text = spliceJson(text, [...path, k], undefined);
      }
      return text;
    }
    if (JSON.stringify(current) === JSON.stringify(value)) return text;
    return text.slice(0, node.offset) +
      renderJson(value, lineIndent(text, node.offset), unit, eol) + text.slice(nodeEnd(node));
  }
  // Create missing parents one level at a time.
  let depth = path.length - 1;
  while (depth > 0 && findNodeAtLocation(root, path.slice(0, depth))?.type !== "object") depth--;
  const parent = depth === 0 ? root : findNodeAtLocation(root, path.slice(0, depth));
  if (parent?.type !== "object") return text;
  let member: unknown = value;
  for (let j = path.length - 1; j > depth; j--) member = { [path[j]]: member };
  return insertMember(text, parent, String(path[depth]), member, unit, eol);
}

/**
 * Adds `key: value` as the last member of an existing object: one text insertion after the last
 * member (and after a comment that ends its line), in the object's own layout.
 */
function insertMember(
  text: string,
  parent: JsonNode,
  name: string,
  member: unknown,
  unit: string,
  eol: string,
): string {
  const key = JSON.stringify(name);
  const members = parent.children ?? [];
  if (members.length === 0) {
    const indent = lineIndent(text, parent.offset);
    const inner = indent + unit;
    return text.slice(0, parent.offset) + "{" + eol + inner + key + ": " +
      renderJson(member, inner, unit, eol) + eol + indent + "}" + text.slice(nodeEnd(parent));
  }
  const last = members[members.length - 1];
  const first = members[0];
  const firstIndent = text.slice(text.lastIndexOf("\n", first.offset - 1) + 1, first.offset);
  const end = nodeEnd(last);
  if (!/^[ \t]*$/.test(firstIndent)) {
    // Members written on one line: stay on that line.
    return text.slice(0, end) + ", " + key + ": " + oneLine(member) + text.slice(end);
  }
  // A `// comment` after the last member stays on its line, after the new comma.
  const eolAt = text.indexOf("\n", end);
  const rest = text.slice(end, eolAt < 0 ? text.length : eolAt).replace(/\r$/, "");
  const at = /^[ \t]*\/\/.*$/.test(rest) ? end + rest.length : end;
  return text.slice(0, end) + "," + text.slice(end, at) + eol + firstIndent + key + ": " +
    renderJson(member, firstIndent, unit, eol) + text.slice(at);
}

/** JSON one member a line, lists of scalars inline (as `claude mcp add` and people write it). */
function renderJson(value: unknown, indent: string, unit: string, eol: string): string {
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== "object")) {
      return `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
    }
    if (!value.length) return "[]";
    const inner = indent + unit;
    return "[" + eol + value.map((v) => inner + renderJson(v, inner, unit, eol)).join("," + eol) +
      eol + indent + "]";
  }
  if (isPlain(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (!entries.length) return "{}";
    const inner = indent + unit;
    return "{" + eol + entries.map(([k, v]) =>
      `${inner}${JSON.stringify(k)}: ${renderJson(v, inner, unit, eol)}`
    ).join("," + eol) + eol + indent + "}";
  }
  return JSON.stringify(value);
}

function oneLine(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(oneLine).join(", ")}]`;
  if (isPlain(value)) {
    return `{${
      Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${oneLine(v)}`).join(", ")
    }}`;
  }
  return JSON.stringify(value);
}

function withMember(root: unknown, path: JsonPath, value: unknown): unknown {
  if (!path.length) return value;
  const copy: Record<string | number, unknown> = isPlain(root) ? { ...root } : {};
  const [head, ...rest] = path;
  const next = withMember(copy[head], rest, value);
  if (next === undefined) delete copy[head];
  else copy[head] = next;
  return copy;
}

function nodeEnd(node: JsonNode): number {
  return node.offset + node.length;
}

function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))![0];
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

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

let tomlReady = false;

/**
 * Loads the TOML editor's WASM. The host passes a compiled module to sandboxed Workers (which
 * may not read the package's files); in-process callers let it find the file itself.
 */
export async function initToml(module?: WebAssembly.Module): Promise<void> {
  if (tomlReady) return;
  if (module) initSync({ module });
  else {
    const mod = await import("@rainbowatcher/toml-edit-js");
    await mod.default();
  }
  tomlReady = true;
}

/** Parses TOML; throws {@linkcode ConfigParseError}. */
export function parseToml(text: string, file: string): Record<string, unknown> {
  ensureToml();
  try {
    return tomlParseRaw(text) as Record<string, unknown>;
  } catch (e) {
    const msg = String((e as Error)?.message ?? e);
    const m = /at line (\d+), column (\d+)/.exec(msg);
    const reason = msg.split("\n").map((l) =>
      l.trim()
    ).filter((l) =>
      l && !l.startsWith("|") && !/^\d+ \|/.test(l) && !l.startsWith("TOML parse error") &&
      !l.startsWith("Parse Error")
    ).join("; ") || msg;
    throw new ConfigParseError(file, reason, m ? +m[1] : undefined, m ? +m[2] : undefined);
  }
}

function ensureToml() {
  if (!tomlReady) throw new Error("Cannot edit TOML: initToml() was not called");
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

let tomlCacheText: string | undefined;
let tomlCacheData: Record<string, unknown> | undefined;

/** Parses with a one-entry cache: successive edits parse each intermediate text once. */
function tomlParseCached(text: string): Record<string, unknown> {
  if (text !== tomlCacheText) {
    tomlCacheData = tomlParseRaw(text) as Record<string, unknown>;
    tomlCacheText = text;
  }
  return tomlCacheData!;
}

function editTomlLf(text: string, path: string[], value: unknown): string {
  ensureToml();
  const data = tomlParseCached(text);
  const current = getAt(data, path);
  if (current === undefined && isPlain(value) && path.length > 1) {
    const appended = appendTable(text, data, path, value);
    if (appended !== undefined) return appended;
  }
  let out = patchToml(text, path, current, value);
  for (let i = path.length - 1; i > 0; i--) {
    const parent = path.slice(0, i);
    const dotted = parent.map(tomlKey).join(".").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    // A header the user wrote stays; one toml_edit added (`[mcp_servers]` above the first
    // `[mcp_servers.x]`, which Codex never writes) or left empty after a removal goes.
    if (new RegExp(`^[ \\t]*\\[[ \\t]*${dotted}[ \\t]*\\]`, "m").test(text)) continue;
    const parsed = tomlParseRaw(out);
    const v = getAt(parsed, parent);
    if (!isPlain(v)) continue;
    const line = new RegExp(`^[ \\t]*\\[[ \\t]*${dotted}[ \\t]*\\][ \\t]*\\r?\\n(\\r?\\n)?`, "m");
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
  const head = tomlKey(path[0]).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (new RegExp(`^[ \\t]*"?${head}"?[ \\t]*[.=]`, "m").test(text)) return undefined;
  const dotted = path.map(tomlKey).join(".");
  let block = tomlEditRaw("", dotted, value, { inline: false } as never);
  // toml_edit writes `[a]` above `[a.b]` in an empty document; Codex does not.
  for (let i = 1; i < path.length; i++) {
    const header = `[${path.slice(0, i).map(tomlKey).join(".")}]\n`;
    if (block.startsWith(header)) block = block.slice(header.length).replace(/^\n/, "");
  }
  // After the parent's last sub-table (where toml_edit and Codex put it), else at the end.
  const at = endOfLastSubTable(text, path.slice(0, -1).map(tomlKey).join("."));
  const before = text.slice(0, at), after = text.slice(at);
  const sep = before === "" ? "" : before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
  const out = before + sep + block + (after === "" ? "" : "\n" + after.replace(/^\n+/, ""));
  // The guards above make the appended header valid: the key is new, its parent is a plain
  // table not spelled inline or dotted. So the result's data is known without parsing it again
  // (the engine still reads every planned file back before it writes it).
  const want = structuredClone(data);
  let node = want as Record<string, unknown>;
  for (const k of parentPath) node = (node[k] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1]] = tomlParseRaw(block) && getAt(tomlParseRaw(block), path);
  tomlCacheText = out;
  tomlCacheData = want;
  return out;
}

const HEADER = /^[ \t]*\[{1,2}[ \t]*([A-Za-z0-9_"'. \/-]+?)[ \t]*\]{1,2}[ \t]*(#.*)?$/;

/** The offset just after the last `[parent.x]` section (its trailing blank lines excluded). */
function endOfLastSubTable(text: string, parent: string): number {
  const lines = text.split("\n");
  let offset = 0, inside = false, end = -1, lastContent = -1;
  for (const line of lines) {
    const h = HEADER.exec(line);
    if (h) {
      const key = h[1].replace(/[ \t]*\.[ \t]*/g, ".");
      if (inside) end = lastContent;
      inside = key.startsWith(parent + ".");
    }
    if (line.trim() !== "") lastContent = offset + line.length + 1;
    offset += line.length + 1;
  }
  if (inside) end = lastContent;
  return end < 0 ? text.length : Math.min(end, text.length);
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
