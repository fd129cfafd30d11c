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
  type FormattingOptions,
  modify,
  parse as parseJsoncRaw,
  type ParseError,
  printParseErrorCode,
} from "jsonc-parser";
import { edit as tomlEditRaw, initSync, parse as tomlParseRaw } from "@rainbowatcher/toml-edit-js";
import YAML from "yaml";

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
  const value = parseJsoncRaw(text, errors, {
    allowTrailingComma: options.comments ?? false,
    disallowComments: !(options.comments ?? false),
  });
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
 * Sets (or, with `undefined`, removes) the value at `path`, recursing into objects that exist on
 * both sides so that unchanged members keep their formatting and comments.
 */
export function editJson(text: string, path: JsonPath, value: unknown): string {
  const current = getAt(parseJsoncRaw(text, [], { allowTrailingComma: true }), path);
  return patchJson(text, path, current, value, jsonFormat(text));
}

function patchJson(
  text: string,
  path: JsonPath,
  current: unknown,
  value: unknown,
  fmt: FormattingOptions,
): string {
  if (isPlain(current) && isPlain(value)) {
    for (const k of Object.keys(current)) {
      if (!(k in value) || value[k] === undefined) {
        text = applyEdits(text, modify(text, [...path, k], undefined, { formattingOptions: fmt }));
      }
    }
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      text = patchJson(text, [...path, k], current[k], v, fmt);
    }
    return text;
  }
  if (JSON.stringify(current) === JSON.stringify(value)) return text;
  return applyEdits(text, modify(text, path, value, { formattingOptions: fmt }));
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
  ensureToml();
  const current = getAt(tomlParseRaw(text), path);
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
  return doc;
}

/** Sets (or removes, with `undefined`) the value at `path` in a YAML text, keeping comments. */
export function editYaml(text: string, path: string[], value: unknown, file = "YAML file"): string {
  const doc = parseYaml(text, file);
  const indent = /\n( +)\S/.exec(text)?.[1].length ?? 2;
  const opts = { lineWidth: 0, flowCollectionPadding: false, indent };
  // The yaml library re-prints the whole document; refuse to edit a file it would reformat
  // outside the edited key rather than change bytes the user wrote.
  if (text.trim() !== "" && doc.toString(opts) !== text) {
    throw new ConfigParseError(
      file,
      "its layout cannot be kept by the YAML editor; edit it by hand",
    );
  }
  if (value === undefined) {
    if (!doc.hasIn(path)) return text;
    doc.deleteIn(path);
  } else {
    const cur = doc.getIn(path, true);
    const plain = YAML.isNode(cur) ? cur.toJSON() : cur;
    if (JSON.stringify(plain) === JSON.stringify(value)) return text;
    doc.setIn(path, value);
  }
  return doc.toString(opts);
}
