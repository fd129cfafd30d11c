/**
 * A surgical YAML editor. The `yaml` package's `Document.toString()` re-prints the whole
 * document (flow-map spacing, the gap before a comment, quoting), so it cannot keep a file the
 * user formatted by hand. {@linkcode spliceYaml} instead parses the text, finds the node ranges
 * the parser reports (`node.range`) and replaces, inserts or removes only the text of the edited
 * node; every other byte stays as it was. It re-parses its own output and throws rather than
 * return a text whose data is not exactly the requested change.
 *
 * @module
 */
// @ts-types="yaml"
import YAML, { isAlias, isMap, isScalar, isSeq, type Node, type Pair } from "./vendor/yaml.js";
import { ConfigParseError, parseYaml } from "./editors.ts";
import { stableStringify } from "./canonical.ts";

type AnyPair = Pair<unknown, unknown>;
type YMap = YAML.YAMLMap<unknown, unknown>;
type YSeq = YAML.YAMLSeq<unknown>;

/** The layout conventions of one document, so new text looks like the old. */
interface Style {
  eol: string;
  /** Spaces per nesting level of block maps. */
  unit: number;
  /** True when block lists sit at their key's column (`key:\n- a`), PyYAML's default. */
  indentless: boolean;
}

/** One step of the path: the pair found and the map that holds it. */
interface Step {
  pair: AnyPair;
  map: YMap;
}

/**
 * Sets the value at `path` in a YAML text (or removes it, with `undefined`), changing only the
 * text of the edited node and leaving every other byte as it was.
 *
 * - An existing key keeps its place: a block map or list is re-written in block style at its own
 *   column, a scalar or flow collection as a scalar or flow text (`[a, b]`, `{k: v}`). When both
 *   the old and the new value are maps (or non-empty block lists), only the members that differ
 *   are edited, so unchanged members keep their comments.
 * - A missing key is appended to the nearest existing map at that map's indentation, creating
 *   the missing parents as nested block maps; a parent that is empty (`key:`, `key: ~`,
 *   `key: {}`, `key: []`) or an empty document gets a block map.
 * - Removing a key removes its lines. Removing the last key of a map leaves the map as `{}`
 *   (`parent: {}`), so the parent keeps its place and the document keeps its meaning.
 * - An unchanged value returns `text` itself.
 *
 * @param text The YAML text (one document; LF or CRLF line ends are kept).
 * @param path Keys from the root; every step must be a map key.
 * @param value A JSON value, or `undefined` to remove the key.
 * @param file The file's name for error messages.
 * @returns The edited text.
 * @throws {ConfigParseError} When `text` cannot be parsed, when the path goes through a list,
 * an alias or a non-empty scalar, when a flow collection holding comments would have to be cut,
 * or when the re-parsed result is not exactly the requested change.
 */
export function spliceYaml(
  text: string,
  path: string[],
  value: unknown,
  file = "YAML file",
): string {
  const before = parseYaml(text, file).toJS() as unknown;
  if (value === undefined ? getJs(before, path) === undefined : same(getJs(before, path), value)) {
    return text;
  }
  if (value === undefined && path.length === 0) {
    throw new ConfigParseError(file, "cannot remove the whole document");
  }
  const out = patch(text, path, value, file);
  verify(out, before, path, value, file);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Recursion: edit member by member so untouched members keep their text.

function patch(text: string, path: string[], value: unknown, file: string): string {
  const doc = parseYaml(text, file);
  const current = getJs(doc.toJS(), path);
  if (value === undefined ? current === undefined : same(current, value)) return text;
  if (value === undefined) return removeAt(text, doc, path, file);
  const loc = locate(doc, path, file);
  const node = loc.found ? loc.node : undefined;
  if (isPlain(current) && isPlain(value) && isMap(node) && node.items.length > 0) {
    // Add and change first, remove last: the map is never empty in between, so it is never
    // turned into `{}` on the way.
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) text = patch(text, [...path, k], v, file);
    }
    for (const k of Object.keys(current)) {
      if (value[k] === undefined) text = patch(text, [...path, k], undefined, file);
    }
    return text;
  }
  if (
    Array.isArray(current) && Array.isArray(value) && isSeq(node) && !node.flow &&
    current.length > 0 && value.length > 0
  ) {
    const edited = patchList(text, path, current, value, file);
    if (edited !== undefined) return edited;
  }
  return setAt(text, doc, path, value, file);
}

/**
 * Turns `current` into `wanted` by removing items and appending new ones, which keeps the lines
 * (and comments) of the items that stay. Returns `undefined` when no item stays.
 */
function patchList(
  text: string,
  path: string[],
  current: unknown[],
  wanted: unknown[],
  file: string,
): string | undefined {
  const drop: number[] = [];
  let j = 0;
  for (let i = 0; i < current.length; i++) {
    if (j < wanted.length && same(current[i], wanted[j])) j++;
    else drop.push(i);
  }
  if (drop.length === current.length) return undefined;
  const append = wanted.slice(j);
  if (append.length) {
    const seq = seqAt(text, path, file);
    const style = detectStyle(seq.doc, text);
    const last = seq.node.items[seq.node.items.length - 1] as Node | null;
    const lastStart = last?.range?.[0];
    if (lastStart === undefined) return undefined;
    const dash = dashBefore(text, lastStart);
    if (dash === undefined) return undefined;
    const lines = renderBlock(append, column(text, dash), style);
    text = insertLines(text, lineEndAfter(text, last!.range![1]), lines, style.eol);
  }
  for (const i of drop.reverse()) {
    const seq = seqAt(text, path, file);
    const item = seq.node.items[i] as Node | null;
    const start = item?.range?.[0];
    const dash = start === undefined ? undefined : dashBefore(text, start);
    if (dash === undefined || !onlySpaces(text, lineStart(text, dash), dash)) return undefined;
    text = removeLines(text, lineStart(text, dash), lineEndAfter(text, item!.range![1]));
  }
  return text;
}

function seqAt(text: string, path: string[], file: string) {
  const doc = parseYaml(text, file);
  const loc = locate(doc, path, file);
  if (!loc.found || !isSeq(loc.node)) {
    throw new ConfigParseError(file, `the list at ${showPath(path)} moved while editing it`);
  }
  return { doc, node: loc.node as YSeq };
}

// ---------------------------------------------------------------------------------------------
// Locating nodes.

type Located =
  | { found: true; node: Node | null; steps: Step[] }
  | { found: false; depth: number; container: Node | null; steps: Step[] };

function locate(doc: YAML.Document, path: string[], file: string): Located {
  let node = doc.contents as Node | null;
  const steps: Step[] = [];
  for (let i = 0; i < path.length; i++) {
    if (node === null || isNullScalar(node)) {
      return { found: false, depth: i, container: node, steps };
    }
    if (isAlias(node)) {
      throw new ConfigParseError(
        file,
        `cannot edit ${showPath(path)}: ${showPath(path.slice(0, i))} is an alias`,
      );
    }
    if (!isMap(node)) {
      const what = isSeq(node) ? "a list" : "a scalar";
      throw new ConfigParseError(
        file,
        `cannot edit ${showPath(path)}: ${showPath(path.slice(0, i))} is ${what}, not a map`,
      );
    }
    const map = node as YMap;
    const pair = map.items.find((p) => keyOf(p) === path[i]);
    if (!pair) return { found: false, depth: i, container: map, steps };
    steps.push({ pair, map });
    node = (pair.value ?? null) as Node | null;
  }
  return { found: true, node, steps };
}

function keyOf(pair: AnyPair): string | undefined {
  const k = pair.key;
  if (isScalar(k)) return k.value === null ? "" : String(k.value);
  if (typeof k === "string" || typeof k === "number") return String(k);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Setting a value.

function setAt(
  text: string,
  doc: YAML.Document,
  path: string[],
  value: unknown,
  file: string,
): string {
  const style = detectStyle(doc, text);
  const loc = locate(doc, path, file);
  if (loc.found) {
    if (loc.steps.length === 0) return replaceRoot(text, doc, value, style);
    const { pair, map } = loc.steps[loc.steps.length - 1];
    return replaceValue(text, pair, map, value, style, file, path);
  }
  const rest = nest(path.slice(loc.depth + 1), value);
  const key = path[loc.depth];
  const container = loc.container;
  const emptyFlow = container !== null && isMap(container) && container.flow === true &&
    container.items.length === 0;
  if (container !== null && isMap(container) && !emptyFlow) {
    return (container as YMap).flow
      ? insertFlowPair(text, container as YMap, key, rest, style, file, path)
      : insertBlockPair(text, container as YMap, key, rest, style);
  }
  // An empty parent (`key:`, `key: ~`, `key: {}`) or an empty document: give it a block map.
  const whole = nest(path.slice(loc.depth), value);
  if (loc.steps.length === 0) return replaceRoot(text, doc, whole, style);
  const { pair, map } = loc.steps[loc.steps.length - 1];
  return replaceValue(text, pair, map, whole, style, file, path);
}

function replaceRoot(text: string, doc: YAML.Document, value: unknown, style: Style): string {
  const node = doc.contents as Node | null;
  if (node === null || !node.range) {
    // Nothing but comments: append after them.
    return insertLines(text, text.length, renderBlockOrLine(value, 0, style), style.eol);
  }
  const [start, end] = node.range;
  if (isCollectionValue(value) && (isEmptyish(node) || isBlock(node))) {
    const lines = renderBlock(value, 0, style);
    return text.slice(0, lineStart(text, start)) + joinKeepingEnd(lines, text, end, style.eol) +
      text.slice(end);
  }
  return replaceSpan(text, start, end, renderFlow(value, oldStyle(node)), style.eol);
}

/** Replaces the value of an existing `pair` of `map`. */
function replaceValue(
  text: string,
  pair: AnyPair,
  map: YMap,
  value: unknown,
  style: Style,
  file: string,
  path: string[],
): string {
  const node = (pair.value ?? null) as Node | null;
  const keyNode = pair.key as Node | null;
  if (!node?.range || !keyNode?.range) {
    throw new ConfigParseError(file, `cannot edit ${showPath(path)}: the key has no value node`);
  }
  const [start, end] = node.range;
  if (map.flow) return replaceSpan(text, start, end, renderFlow(value, oldStyle(node)), style.eol);

  const keyCol = column(text, keyNode.range[0]);
  const colon = colonAfter(text, keyNode.range[1]);
  const cleanAfterColon = colon !== undefined && onlySpaces(text, colon + 1, start, true);
  if (isCollectionValue(value)) {
    if (isBlock(node)) {
      // Re-write the block at its own column (a list at its own style), or one level deeper
      // when a map replaces an indentless list.
      // Keep the block's own column (and so an indentless list stays indentless), except that a
      // map replacing an indentless list must move one level in.
      const oldCol = column(text, start);
      const col = isPlain(value) && oldCol <= keyCol ? keyCol + style.unit : oldCol;
      const lines = renderBlock(value, col, style);
      if (onlySpaces(text, lineStart(text, start), start)) {
        return text.slice(0, lineStart(text, start)) + joinKeepingEnd(lines, text, end, style.eol) +
          text.slice(end);
      }
      return replaceSpan(text, start, end, joinFirstInline(lines, col), style.eol);
    }
    if (isNullScalar(node) && start === end) {
      // `key:` with nothing (maybe an anchor, a tag or a comment after it): the block goes on
      // the following lines and the key's line stays as it is.
      const lines = renderBlock(value, childColumn(keyCol, value, style), style);
      return insertLines(text, lineEndAfter(text, end), lines, style.eol);
    }
    if (cleanAfterColon && isEmptyish(node) && restOfLineBlank(text, end)) {
      const lines = renderBlock(value, childColumn(keyCol, value, style), style);
      return text.slice(0, colon + 1) + style.eol + joinKeepingEnd(lines, text, end, style.eol) +
        text.slice(end);
    }
    return replaceSpan(text, start, end, renderFlow(value, oldStyle(node)), style.eol);
  }
  const flow = renderScalarOrEmpty(value, oldStyle(node));
  if (isBlock(node)) {
    if (cleanAfterColon) {
      return text.slice(0, colon + 1) + " " + flow + keepEnd(text, end, style.eol) +
        text.slice(end);
    }
    const indent = " ".repeat(column(text, start));
    return text.slice(0, lineStart(text, start)) + indent + flow + keepEnd(text, end, style.eol) +
      text.slice(end);
  }
  return replaceSpan(text, start, end, flow, style.eol);
}

function insertBlockPair(
  text: string,
  map: YMap,
  key: string,
  value: unknown,
  style: Style,
): string {
  const first = map.items[0].key as Node;
  const col = column(text, first.range![0]);
  const last = map.items[map.items.length - 1];
  const lines = renderBlock({ [key]: value }, col, style);
  return insertLines(text, lineEndAfter(text, pairEnd(last)), lines, style.eol);
}

function insertFlowPair(
  text: string,
  map: YMap,
  key: string,
  value: unknown,
  style: Style,
  file: string,
  path: string[],
): string {
  const [start, end] = map.range!;
  if (map.items.length === 0) {
    if (text.slice(start, end).includes("#")) throw cannotCut(file, path);
    return replaceSpan(text, start, end, renderFlow({ [key]: value }, {}), style.eol);
  }
  const last = map.items[map.items.length - 1];
  const lastKey = last.key as Node;
  const json = (lastKey as YAML.Scalar).type === "QUOTE_DOUBLE";
  const entry = `${json ? JSON.stringify(key) : flowString(key, true)}: ${
    renderFlow(value, { json })
  }`;
  const at = pairEnd(last);
  const ownLine = onlySpaces(text, lineStart(text, lastKey.range![0]), lastKey.range![0]) &&
    lineStart(text, lastKey.range![0]) > start;
  const sep = ownLine ? `,${style.eol}${" ".repeat(column(text, lastKey.range![0]))}` : ", ";
  return text.slice(0, at) + sep + entry + text.slice(at);
}

// ---------------------------------------------------------------------------------------------
// Removing a key.

function removeAt(text: string, doc: YAML.Document, path: string[], file: string): string {
  const loc = locate(doc, path, file);
  if (!loc.found) return text;
  const style = detectStyle(doc, text);
  const { pair, map } = loc.steps[loc.steps.length - 1];
  const index = map.items.indexOf(pair);
  const keyNode = pair.key as Node | null;
  if (!keyNode?.range) throw cannotCut(file, path);
  const keyStart = keyNode.range[0];

  if (map.flow) {
    const [start, end] = map.range!;
    if (map.items.length === 1) {
      if (text.slice(start, end).includes("#")) throw cannotCut(file, path);
      return text.slice(0, start) + "{}" + text.slice(end);
    }
    const from = index < map.items.length - 1 ? keyStart : pairEnd(map.items[index - 1]);
    const to = index < map.items.length - 1
      ? (map.items[index + 1].key as Node).range![0]
      : pairEnd(pair);
    if (text.slice(from, to).includes("#")) throw cannotCut(file, path);
    return text.slice(0, from) + text.slice(to);
  }

  const end = lineEndAfter(text, pairEnd(pair));
  if (map.items.length === 1) {
    // The map would be empty: leave `{}` so the parent keeps its place and stays a map.
    const parent = loc.steps[loc.steps.length - 2];
    if (parent && !parent.map.flow) {
      const pk = parent.pair.key as Node;
      const colon = colonAfter(text, pk.range![1]);
      if (colon !== undefined && onlySpaces(text, colon + 1, keyStart, true)) {
        return text.slice(0, colon + 1) + " {}" + keepEnd(text, end, style.eol) + text.slice(end);
      }
    }
    return text.slice(0, keyStart) + "{}" + keepEnd(text, end, style.eol) + text.slice(end);
  }
  if (onlySpaces(text, lineStart(text, keyStart), keyStart)) {
    return removeLines(text, lineStart(text, keyStart), end);
  }
  if (index === 0) {
    // The first key sits after `- ` (or `? `): pull the next key up onto that line.
    const next = (map.items[1].key as Node).range![0];
    return text.slice(0, keyStart) + text.slice(next);
  }
  throw cannotCut(file, path);
}

function cannotCut(file: string, path: string[]): ConfigParseError {
  return new ConfigParseError(
    file,
    `cannot edit ${showPath(path)} without changing text around it (a flow collection with ` +
      "comments, or an unusual layout); edit it by hand",
  );
}

// ---------------------------------------------------------------------------------------------
// Verification.

function verify(out: string, before: unknown, path: string[], value: unknown, file: string) {
  let after: unknown;
  try {
    after = parseYaml(out, file).toJS();
  } catch (e) {
    throw new ConfigParseError(
      file,
      `the edit of ${showPath(path)} gave text that does not parse (${(e as Error).message})`,
    );
  }
  const expected = withValue(before, path, value);
  if (stableStringify(after) !== stableStringify(expected)) {
    throw new ConfigParseError(
      file,
      `the edit of ${showPath(path)} would change more than that key (aliases or an unusual ` +
        "layout); edit it by hand",
    );
  }
}

function withValue(root: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = isPlain(root) ? { ...root } : {};
  const [head, ...rest] = path;
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  if (value === undefined && !isPlain(copy[head])) return copy;
  copy[head] = withValue(copy[head], rest, value);
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Rendering new text.

interface OldStyle {
  /** Quote strings the way the replaced scalar was quoted. */
  quote?: "'" | '"';
  /** Quote every string and key as JSON (inside JSON-looking flow maps). */
  json?: boolean;
}

function oldStyle(node: Node | null): OldStyle {
  if (!node || !isScalar(node)) return {};
  if (node.type === "QUOTE_SINGLE") return { quote: "'" };
  if (node.type === "QUOTE_DOUBLE") return { quote: '"' };
  return {};
}

/** Block lines for a map or list at `col`; scalars give one line. */
function renderBlock(value: unknown, col: number, style: Style): string[] {
  const ind = " ".repeat(col);
  const out: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollectionValue(item)) {
        const inner = renderBlock(item, col + 2, style);
        out.push(ind + "- " + inner[0].slice(col + 2), ...inner.slice(1));
      } else out.push(ind + "- " + renderScalarOrEmpty(item ?? null, {}));
    }
    return out;
  }
  if (isPlain(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const key = flowString(k, false);
      if (isCollectionValue(v)) {
        out.push(`${ind}${key}:`, ...renderBlock(v, childColumn(col, v, style), style));
      } else out.push(`${ind}${key}: ${renderScalarOrEmpty(v, {})}`);
    }
    return out;
  }
  return [ind + renderScalarOrEmpty(value, {})];
}

function renderBlockOrLine(value: unknown, col: number, style: Style): string[] {
  return isCollectionValue(value) ? renderBlock(value, col, style) : [renderFlow(value, {})];
}

function childColumn(col: number, value: unknown, style: Style): number {
  return Array.isArray(value) && style.indentless ? col : col + style.unit;
}

/** A scalar, `{}` or `[]`, in block context. */
function renderScalarOrEmpty(value: unknown, old: OldStyle): string {
  if (Array.isArray(value) || isPlain(value)) return renderFlow(value, old);
  return renderScalar(value, old, false);
}

/** Flow text: `[a, b]`, `{k: v}` or a scalar. */
function renderFlow(value: unknown, old: OldStyle): string {
  if (Array.isArray(value)) {
    return `[${value.map((v) => renderFlow(v ?? null, { json: old.json })).join(", ")}]`;
  }
  if (isPlain(value)) {
    const parts = Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) =>
      `${old.json ? JSON.stringify(k) : flowString(k, true)}: ${renderFlow(v, { json: old.json })}`
    );
    return `{${parts.join(", ")}}`;
  }
  return renderScalar(value, old, true);
}

function renderScalar(value: unknown, old: OldStyle, inFlow: boolean): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`Cannot write ${value} as YAML`);
    return String(value);
  }
  if (typeof value !== "string") throw new TypeError(`Cannot write a ${typeof value} as YAML`);
  if (old.json || old.quote === '"') return JSON.stringify(value);
  if (old.quote === "'" && !/[\r\n]/.test(value)) return `'${value.replaceAll("'", "''")}'`;
  return flowString(value, inFlow);
}

/** A string as a plain scalar when that reads back as the same string, else JSON-quoted. */
function flowString(s: string, inFlow: boolean): string {
  return plainSafe(s, inFlow) ? s : JSON.stringify(s);
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function plainSafe(s: string, inFlow: boolean): boolean {
  if (s === "" || s !== s.trim() || hasControl(s)) return false;
  if (/: |:$| #/.test(s)) return false;
  if (inFlow && /[,[\]{}]/.test(s)) return false;
  const first = s[0], second = s[1] ?? "";
  if ("[]{},#&*!|>'\"%@`".includes(first)) return false;
  if (
    "-?:".includes(first) &&
    (second === "" || second === " " || (inFlow && ",[]{}".includes(second)))
  ) {
    return false;
  }
  // Both YAML 1.2 and 1.1 (PyYAML: yes/no/on/off, 1:20, 0777) must read it as this string.
  for (const version of ["1.2", "1.1"] as const) {
    try {
      if (YAML.parse(s, { version }) !== s) return false;
    } catch {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Text helpers.

function detectStyle(doc: YAML.Document, text: string): Style {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  let unit: number | undefined, seqUnit: number | undefined, indentless: boolean | undefined;
  const walk = (node: unknown) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const k = pair.key as Node | null, v = pair.value as Node | null;
        if (!node.flow && k?.range && v?.range && isBlock(v)) {
          const kc = column(text, k.range[0]), vc = column(text, v.range[0]);
          if (onlySpaces(text, lineStart(text, v.range[0]), v.range[0])) {
            if (isMap(v) && vc > kc) unit ??= vc - kc;
            if (isSeq(v)) {
              indentless ??= vc === kc;
              if (vc > kc) seqUnit ??= vc - kc;
            }
          }
        }
        walk(v);
      }
    } else if (isSeq(node)) node.items.forEach(walk);
  };
  walk(doc.contents);
  return { eol, unit: unit ?? seqUnit ?? 2, indentless: indentless ?? false };
}

function isBlock(node: unknown): boolean {
  return (isMap(node) || isSeq(node)) && !(node as YMap).flow;
}

function isNullScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null;
}

/** `key:`, `key: ~`, `key: null`, `key: {}` or `key: []`. */
function isEmptyish(node: Node): boolean {
  if (isNullScalar(node)) return true;
  return (isMap(node) || isSeq(node)) && (node as YMap).flow === true &&
    (node as YMap).items.length === 0;
}

function isCollectionValue(v: unknown): boolean {
  return (Array.isArray(v) && v.length > 0) ||
    (isPlain(v) && Object.values(v).some((x) => x !== undefined));
}

function pairEnd(pair: AnyPair): number {
  const v = pair.value as Node | null;
  return v?.range ? v.range[1] : (pair.key as Node).range![1];
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf("\n", pos - 1) + 1;
}

function column(text: string, pos: number): number {
  return pos - lineStart(text, pos);
}

/** The start of the line after the one holding the character before `pos`. */
function lineEndAfter(text: string, pos: number): number {
  if (pos > 0 && text[pos - 1] === "\n") return pos;
  const nl = text.indexOf("\n", pos);
  return nl === -1 ? text.length : nl + 1;
}

function onlySpaces(text: string, from: number, to: number, newlines = false): boolean {
  const s = text.slice(from, to);
  return newlines ? /^[ \t\r\n]*$/.test(s) : /^[ \t]*$/.test(s);
}

function restOfLineBlank(text: string, pos: number): boolean {
  const nl = text.indexOf("\n", pos);
  return onlySpaces(text, pos, nl === -1 ? text.length : nl, true);
}

/** The `:` after a key that ends at `pos`, if only spaces separate them. */
function colonAfter(text: string, pos: number): number | undefined {
  let i = pos;
  while (text[i] === " " || text[i] === "\t") i++;
  return text[i] === ":" ? i : undefined;
}

/** The `-` of the list item whose content starts at `pos`. */
function dashBefore(text: string, pos: number): number | undefined {
  let i = pos - 1;
  while (i >= 0 && (text[i] === " " || text[i] === "\t")) i--;
  if (text[i] === "-") return i;
  // An empty item (`-` alone on its line): the node starts where the dash is.
  if (text[pos] === "-") return pos;
  return undefined;
}

/** The line end the replaced span had, so the following line is not joined to ours. */
function keepEnd(text: string, end: number, eol: string): string {
  return end > 0 && text[end - 1] === "\n" ? eol : "";
}

function joinKeepingEnd(lines: string[], text: string, end: number, eol: string): string {
  return lines.join(eol) + keepEnd(text, end, eol);
}

/** Lines whose first one continues a line that already holds its indentation (`- `). */
function joinFirstInline(lines: string[], col: number): string {
  return [lines[0].slice(col), ...lines.slice(1)].join("\n");
}

function replaceSpan(text: string, start: number, end: number, with_: string, eol: string): string {
  const lead = start > 0 && text[start - 1] === ":" ? " " : "";
  const span = text.slice(start, end);
  // Rendered text holds bare "\n" only (strings are JSON-escaped), so this cannot double "\r".
  const body = eol === "\r\n" ? with_.replaceAll("\n", "\r\n") : with_;
  const tail = span.endsWith("\n") ? eol : text[end] === "#" ? " " : "";
  return text.slice(0, start) + lead + body + tail + text.slice(end);
}

function insertLines(text: string, at: number, lines: string[], eol: string): string {
  const body = lines.join(eol);
  if (at >= text.length && text !== "" && !text.endsWith("\n")) return text + eol + body;
  return text.slice(0, at) + body + eol + text.slice(at);
}

/** Removes whole lines `[from, to)`; at a last line without a line end, also the one before. */
function removeLines(text: string, from: number, to: number): string {
  if (to >= text.length && !text.endsWith("\n") && from > 0) {
    from = text[from - 2] === "\r" ? from - 2 : from - 1;
  }
  return text.slice(0, from) + text.slice(to);
}

// ---------------------------------------------------------------------------------------------
// Plain-value helpers.

function nest(keys: string[], value: unknown): unknown {
  return keys.reduceRight<unknown>((acc, k) => ({ [k]: acc }), value);
}

function getJs(root: unknown, path: string[]): unknown {
  let v = root;
  for (const p of path) {
    if (!isPlain(v) || !Object.hasOwn(v, p)) return undefined;
    v = v[p];
  }
  return v;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date) &&
    !(v instanceof Map);
}

function same(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

function showPath(path: string[]): string {
  return path.length ? JSON.stringify(path.join(".")) : "the document";
}
