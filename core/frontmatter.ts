/**
 * Markdown files with a YAML frontmatter (slash commands, subagents): split them at the
 * frontmatter, parse it, and edit it key by key so every byte outside the edited keys and the
 * body stays as it was.
 *
 * Shared by the plugins through the contract.
 *
 * @module
 */
import { ConfigParseError, editYaml, parseYaml } from "./editors.ts";
import { sameValue } from "./canonical.ts";
// @ts-types="yaml"
import YAML from "./vendor/yaml.js";

import { isPlain, type Json, put } from "./guards.ts";
export { isPlain, put };
export type { Json };

/** A Markdown file split at its frontmatter; joining the parts gives the file back. */
export interface MdFile {
  /** A UTF-8 byte order mark, or "". */
  bom: string;
  /** The opening `---` line with its line end; "" when the file has no frontmatter. */
  open: string;
  /** The lines between the delimiters, each with its line end. */
  inner: string;
  /** The closing `---` line with its line end (none at the end of the file). */
  close: string;
  /** One blank line after the frontmatter: the separator, not part of the body. */
  gap: string;
  /** Everything after the frontmatter and the separator (the whole file when there is none). */
  body: string;
  /** The file's line end, for lines this module writes. */
  eol: string;
}

/** The frontmatter's data, and the YAML text it was read from (see `lenient`). */
export interface Front {
  data: Json;
  /** The text edits start from: `inner`, or its repaired form when only that parses. */
  text: string;
}

const FRONT = /^(---[ \t]*\r?\n)([\s\S]*?\r?\n)??(---[ \t]*(?:\r?\n|$))/;

/** Splits a file at its frontmatter: a first line `---`, YAML lines, and a line `---`. */
export function splitMd(text: string): MdFile {
  const bom = text.startsWith("\uFEFF") ? "\uFEFF" : "";
  const rest = text.slice(bom.length);
  const eol = rest.includes("\r\n") ? "\r\n" : "\n";
  const m = FRONT.exec(rest);
  if (!m) return { bom, open: "", inner: "", close: "", gap: "", body: rest, eol };
  const after = rest.slice(m[0].length);
  const gap = /^\r?\n/.exec(after)?.[0] ?? "";
  return {
    bom,
    open: m[1],
    inner: m[2] ?? "",
    close: m[3],
    gap,
    body: after.slice(gap.length),
    eol,
  };
}

/**
 * Parses the frontmatter of `md` (an empty one is `{}`); throws {@linkcode ConfigParseError}
 * with the line in the file. With `lenient`, a frontmatter that is not YAML is read again after
 * Claude Code's own repair (values with `: `, `[`, `#` … on a `key: value` line are quoted, tabs
 * that indent become spaces), as Claude Code 2.1.332 does before it gives up.
 */
export function parseFront(md: MdFile, file: string, lenient = false): Front {
  if (md.inner.trim() === "") return { data: {}, text: md.inner };
  try {
    return { data: toData(md.inner, file), text: md.inner };
  } catch (e) {
    if (!(e instanceof ConfigParseError)) throw e;
    if (lenient) {
      const repaired = repairFront(md.inner);
      if (repaired !== md.inner) {
        try {
          return { data: toData(repaired, file), text: repaired };
        } catch {
          // Report the error of the text as written.
        }
      }
    }
    // The frontmatter starts on the file's second line.
    throw new ConfigParseError(
      file,
      e.reason,
      (e.line ?? 1) + 1,
      e.line === undefined ? 1 : e.column,
    );
  }
}

function toData(text: string, file: string): Json {
  const data = parseYaml(text, file).toJS({ maxAliasCount: 100 }) as unknown;
  if (data === null || data === undefined) return {};
  if (!isPlain(data)) {
    throw new ConfigParseError(file, "the frontmatter is not a YAML mapping of keys", 1, 1);
  }
  return data;
}

/** Claude Code 2.1.332's frontmatter repair (its `_u`), kept line by line with its line ends. */
function repairFront(text: string): string {
  const special = /[{}[\]*&#!|>%@`]|: /;
  return text.split("\n").map((raw) => {
    const cr = raw.endsWith("\r") ? "\r" : "";
    const line = raw.slice(0, raw.length - cr.length).replace(/^\t+/, (t) => "  ".repeat(t.length));
    const m = /^([a-zA-Z_-]+):\s+(\S.*)$/.exec(line);
    if (!m) return line + cr;
    const [, key, value] = m;
    const quoted = (value.startsWith('"') && value.endsWith('"')) ||
      (value.startsWith("'") && value.endsWith("'"));
    if (quoted) return line + cr;
    if (value.startsWith("[") && value.endsWith("]")) {
      try {
        if (Array.isArray(YAML.parse(value))) return line + cr;
      } catch {
        // Not a list: quoted below.
      }
    }
    if (!special.test(value)) return line + cr;
    return `${key}: "${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"${cr}`;
  }).join("\n");
}

/**
 * The frontmatter text that holds `want`, edited from `front` key by key: removed keys lose their
 * lines, changed keys get new values in place, new keys go at the end. Unchanged keys keep their
 * bytes (comments, quoting). Falls back to a fresh rendering when the YAML cannot be spliced.
 */
export function editFront(md: MdFile, front: Front, want: Json, file: string): string {
  if (sameValue(front.data, want)) return md.inner;
  let text = front.text;
  try {
    for (const k of Object.keys(front.data)) {
      if (!Object.hasOwn(want, k)) text = editYaml(text, [k], undefined, file);
    }
    for (const [k, v] of Object.entries(want)) {
      if (!Object.hasOwn(front.data, k) || !sameValue(front.data[k], v)) {
        text = editYaml(text, [k], v, file);
      }
    }
  } catch {
    text = renderFront(want, md.eol);
  }
  if (text !== "" && !text.endsWith("\n")) text += md.eol;
  return text;
}

/** A new frontmatter text for `data`, one key a line, in the order given. */
export function renderFront(data: Json, eol = "\n"): string {
  const text = YAML.stringify(data, { lineWidth: 0, minContentWidth: 0 });
  return eol === "\n" ? text : text.replaceAll("\n", eol);
}

/**
 * The whole file for frontmatter `inner` (`undefined`: no frontmatter) and `body`, keeping what
 * `md` (the file as it is, if any) has around them: its BOM, delimiters and separator.
 */
export function joinMd(md: MdFile | undefined, inner: string | undefined, body: string): string {
  const eol = md?.eol ?? "\n";
  const bom = md?.bom ?? "";
  if (inner === undefined) {
    // A body that looks like a frontmatter needs an empty one in front of it.
    return bom + (splitMd(body).open ? `---${eol}---${eol}` : "") + body;
  }
  if (inner !== "" && !inner.endsWith("\n")) inner += eol;
  const had = md !== undefined && md.open !== "";
  const open = had ? md.open : `---${eol}`;
  let close = had ? md.close : `---${eol}`;
  // New frontmatter gets a blank line after it; a body that starts with a blank line needs one.
  let gap = had ? md.gap : eol;
  if (gap === "" && /^\r?\n/.test(body)) gap = eol;
  if (!close.endsWith("\n") && gap + body !== "") close += eol;
  return bom + open + inner + close + gap + body;
}
