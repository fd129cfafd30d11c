/**
 * Folders that hold one file per item (slash commands, subagents): `commands/git/commit.md` is the
 * command `git:commit`. This module does what every client's folder has in common — walking it,
 * reading each file once, reporting a broken file as a read error that freezes only its kind and
 * scope, planning new files without overwriting a stranger, and removing the files of deleted
 * items. What a file means (its format, keys and placeholders) comes from the client's
 * {@linkcode FolderRules}.
 *
 * Shared by the plugins through the contract, with the Markdown helpers at the end.
 *
 * @module
 */
import type { Context, PlannedWrite, ReadError } from "../plugins/_contract.ts";
import { ConfigParseError } from "./editors.ts";
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
} from "./frontmatter.ts";
import type { Item, Note } from "./schema.ts";
import { itemKey, sameValue } from "./canonical.ts";
import { isFileName } from "./skill_files.ts";
import { validName } from "./guards.ts";

/** How deep a commands or agents folder is walked. */
const MAX_DEPTH = 16;

/** A command or subagent item. */
export type FolderItem = Extract<Item, { kind: "command" | "subagent" }>;

/** One item file as read: its path, text, and what the rules parsed it into. */
export interface FolderFile<D> {
  path: string;
  /** The path below the folder, with `/` between folders. */
  rel: string;
  text: string;
  doc: D;
}

/** What one client's commands or agents folder means. */
export interface FolderRules<D> {
  /** The client's name, for notes. */
  client: string;
  kind: FolderItem["kind"];
  /** How an item file's name ends (`.md`, `.toml`, `.agent.md`). */
  ext: string;
  /** True when sub-folders are namespaces joined with `:`; false reads the top level only. */
  namespaces: boolean;
  /** Parses a file; throws a `ConfigParseError` (or any error) when it is broken. */
  parse(text: string, path: string): D;
  /**
   * The item value a parsed file holds, and its name when that is not the file's path
   * (`undefined`: the file is not an item, and is left alone).
   */
  item(file: FolderFile<D>): { name?: string; value: FolderItem["value"] } | undefined;
  /** The file's whole text for `item`, edited from `cur` (the file as it is) when there is one. */
  render(item: FolderItem, cur: FolderFile<D> | undefined, note: NoteFn): string;
  /** Files below the folder that are not items at all (e.g. a `SKILL.md`). */
  skip?(rel: string): boolean;
  /** Why the client cannot keep an item of this name in a file, or `undefined`. */
  refuse?(name: string): string | undefined;
}

/** Records a lossy note for the item being planned (`field` defaults to `body`). */
export type NoteFn = (message: string, field?: string) => void;

/** The commands or subagents of one scope's folder. */
export interface FolderScope<D> {
  kind: FolderItem["kind"];
  scope: string;
  root: string;
  /** Item name → its files; the first is the one the client uses, the others are shadowed. */
  entries: Map<string, { file: FolderFile<D>; item: FolderItem }[]>;
  /** A file of the folder could not be read: nothing of this kind and scope is planned. */
  broken: boolean;
  /** Every file found below the folder, items or not: a new item never overwrites one. */
  paths: Set<string>;
  errors: ReadError[];
}

/** Reads one scope's folder of commands or subagents. */
export async function readFolder<D>(
  ctx: Context,
  root: string,
  scope: string,
  rules: FolderRules<D>,
): Promise<FolderScope<D>> {
  const out: FolderScope<D> = {
    kind: rules.kind,
    scope,
    root,
    entries: new Map(),
    broken: false,
    paths: new Set(),
    errors: [],
  };
  const fail = (file: string, e: unknown) => {
    out.broken = true;
    out.errors.push(folderReadError(file, e, scope, rules.kind));
  };
  let rels: string[];
  try {
    rels = await listFiles(ctx, root, rules.namespaces ? MAX_DEPTH : 0);
  } catch (e) {
    fail(root, e);
    return out;
  }
  for (const rel of rels) {
    const path = `${root}/${rel}`;
    out.paths.add(path);
    if (!rel.endsWith(rules.ext) || rel.length === rules.ext.length || rules.skip?.(rel)) continue;
    let text: string | undefined;
    try {
      text = await ctx.files.read(path);
    } catch (e) {
      fail(path, e);
      continue;
    }
    if (text === undefined) continue;
    let file: FolderFile<D>;
    try {
      file = { path, rel, text, doc: rules.parse(text, path) };
    } catch (e) {
      fail(path, e);
      continue;
    }
    const got = rules.item(file);
    if (!got) continue;
    const name = got.name ?? rel.slice(0, -rules.ext.length).split("/").join(":");
    if (!validName(name)) continue;
    const item = { kind: rules.kind, scope, name, value: got.value } as FolderItem;
    const list = out.entries.get(name) ?? [];
    list.push({ file, item });
    out.entries.set(name, list);
  }
  return out;
}

/**
 * A file of a commands or agents folder that could not be read or parsed, as a read error that
 * freezes only its kind in its scope (with the line, for a parse error).
 */
export function folderReadError(
  file: string,
  e: unknown,
  scope: string,
  kind: FolderItem["kind"],
): ReadError {
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
  return error;
}

/** The items a scope shows (the first file of each name). */
export function folderItems<D>(s: FolderScope<D>): Item[] {
  return [...s.entries.values()].map((list) => list[0].item);
}

/** The writes that make one scope's folder hold exactly `desired` (items of the scope's kind). */
export function planFolder<D>(
  s: FolderScope<D>,
  desired: FolderItem[],
  rules: FolderRules<D>,
  notes: Note[],
): PlannedWrite[] {
  if (s.broken) return [];
  const writes = new Map<string, string | null>();
  const wanted = new Set(desired.map((i) => i.name));
  for (const [name, list] of s.entries) {
    if (wanted.has(name)) continue;
    for (const e of list) writes.set(e.file.path, null);
  }
  for (const item of desired) {
    const key = itemKey(item);
    const note: NoteFn = (message, field = "body") => {
      if (!notes.some((n) => n.item === key && n.message === message)) {
        notes.push({ item: key, field, message });
      }
    };
    const cur = s.entries.get(item.name)?.[0].file;
    let path = cur?.path;
    if (!path) {
      const rel = newPath(item, rules, note);
      if (rel === undefined) continue;
      path = `${s.root}/${rel}`;
      if (s.paths.has(path)) {
        note(`"${path}" already exists and is not this ${s.kind}; it was not written`, "name");
        continue;
      }
    }
    const text = rules.render(item, cur, note);
    if (text !== cur?.text) writes.set(path, text);
  }
  return [...writes].map(([path, content]) => ({ path, content }));
}

/** Where a new item's file goes, below the scope's folder. */
function newPath<D>(item: FolderItem, rules: FolderRules<D>, note: NoteFn): string | undefined {
  const what = rules.kind === "command" ? "command" : "subagent";
  const parts = rules.namespaces ? item.name.split(":") : [item.name];
  const why = rules.refuse?.(item.name) ??
    (parts.every(isFileName) && !parts.some((p) => p.includes(":"))
      ? undefined
      : rules.namespaces
      ? "it is not a file name"
      : "it has no sub-folders for a name with a colon");
  if (why) {
    note(
      `${rules.client} cannot keep a ${what} named "${item.name}" (${why}); it was not written`,
      "name",
    );
    return undefined;
  }
  return parts.join("/") + rules.ext;
}

/** Every file below `root` (relative paths, sorted), down to `depth` folders. */
async function listFiles(ctx: Context, root: string, depth: number): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string, level: number) => {
    for (const name of await ctx.files.list(rel ? `${root}/${rel}` : root)) {
      const sub = rel ? `${rel}/${name}` : name;
      const st = await ctx.files.stat(`${root}/${sub}`);
      if (st?.isDirectory) {
        if (level < depth) await walk(sub, level + 1);
      } else if (st?.isFile) out.push(sub);
    }
  };
  await walk("", 0);
  return out.sort();
}

// ---------------------------------------------------------------------------------------------
// Markdown item files (YAML frontmatter + body)

/** A Markdown item file: split at its frontmatter, which is parsed. */
export interface MdDoc {
  md: MdFile;
  front: Front;
}

/**
 * Parses a Markdown item file. `lenient` repairs unquoted values holding YAML's special
 * characters the way Claude Code does (see `parseFront`); other clients' YAML readers refuse them.
 */
export function parseMdDoc(text: string, path: string, lenient = true): MdDoc {
  const md = splitMd(text);
  return { md, front: parseFront(md, path, lenient) };
}

/** The native frontmatter of a value: the mapped keys, then this client's extras in their order. */
export function nativeKeys(mapped: Json, extras: Json | undefined): Json {
  const out: Json = { ...mapped };
  for (const [k, v] of Object.entries(extras ?? {})) {
    if (!Object.hasOwn(out, k)) put(out, k, v);
  }
  return out;
}

/**
 * The frontmatter text for `want`, edited key by key from the current file when there is one;
 * `undefined` when the file needs no frontmatter.
 */
export function frontText(cur: FolderFile<MdDoc> | undefined, want: Json): string | undefined {
  if (!Object.keys(want).length) {
    // An empty frontmatter the file already has stays.
    return cur?.doc.md.open && !Object.keys(cur.doc.front.data).length
      ? cur.doc.md.inner
      : undefined;
  }
  if (cur?.doc.md.open) return editFront(cur.doc.md, cur.doc.front, want, cur.path);
  return renderFront(want, cur?.doc.md.eol);
}

/**
 * A frontmatter value as text the way clients show it (`String(value)`): `argument-hint: [issue]`
 * is a YAML list shown as `issue`. Maps and nested lists are not text.
 */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v) && v.every((x) => ["string", "number", "boolean"].includes(typeof x))) {
    return String(v);
  }
  return undefined;
}

/** The file's own value when it shows as `text`, else `text` (keeps `[issue]` a list). */
export function keepText(raw: unknown, text: string): unknown {
  return typeof raw !== "string" && scalarText(raw) === text ? raw : text;
}

/** A `tools` value as a list: a YAML list of names, or one comma-separated string. */
export function toolList(v: unknown): string[] | undefined {
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

/** How a typical client's Markdown command or agent files map to the canonical value. */
export interface MdMapping {
  /** The plugin's id: frontmatter keys it does not map are kept in `extras[id]`. */
  id: string;
  client: string;
  kind: FolderItem["kind"];
  ext: string;
  namespaces: boolean;
  /**
   * The frontmatter key of each canonical field. A field without a key is not in this client's
   * files: a value that has it gets a lossy note. With `name`, the item's name is that key's
   * value (the file name when it is missing) instead of the file's path.
   */
  keys: {
    name?: string;
    description?: string;
    argumentHint?: string;
    model?: string;
    tools?: string;
  };
  /** Keys every file of this kind has with this value (opencode's `mode: subagent`). */
  fixed?: Json;
  /**
   * Body placeholders: native to canonical, and canonical to native with notes. `write` is
   * called for every planned item (its notes count even when the file's body stays).
   */
  body?: {
    read(body: string, front: Json): string;
    write(canon: string, note: NoteFn, cur: MdDoc | undefined): string;
  };
  /** Repair unquoted frontmatter values the way Claude Code does (default true). */
  lenient?: boolean;
  /** Tool names: native to canonical (Claude Code's vocabulary), and back with notes. */
  tools?: {
    read(native: string[]): string[];
    write(canon: string[], note: NoteFn): string[];
  };
  /** How a new file writes `tools`: a YAML list (default) or one comma-separated string. */
  toolsAs?: "list" | "string";
  skip?(rel: string): boolean;
  refuse?(name: string): string | undefined;
}

const FIELDS = [
  ["description", "a description"],
  ["argumentHint", "an argument hint"],
  ["model", "a model"],
] as const;

/** Folder rules for a client whose files are Markdown with a flat frontmatter (see MdMapping). */
export function mdRules(m: MdMapping): FolderRules<MdDoc> {
  const toolsIn = (v: unknown) => {
    const list = toolList(v);
    return list && m.tools ? m.tools.read(list) : list;
  };
  return {
    client: m.client,
    kind: m.kind,
    ext: m.ext,
    namespaces: m.namespaces,
    parse: (text, path) => parseMdDoc(text, path, m.lenient ?? true),
    skip: m.skip,
    refuse: m.refuse,
    item({ doc }) {
      const data = doc.front.data;
      const value: Record<string, unknown> = { body: "" };
      const extras: Json = {};
      for (const [k, v] of Object.entries(data)) {
        if (k === m.keys.name && typeof v === "string") continue;
        const field = FIELDS.find(([f]) => m.keys[f] === k)?.[0];
        if (field && scalarText(v) !== undefined) value[field] = scalarText(v);
        else if (k === m.keys.tools && toolsIn(v)) value.tools = toolsIn(v);
        else if (m.fixed && Object.hasOwn(m.fixed, k) && sameValue(m.fixed[k], v)) continue;
        else put(extras, k, v);
      }
      value.body = m.body ? m.body.read(doc.md.body, data) : doc.md.body;
      if (Object.keys(extras).length) value.extras = { [m.id]: extras };
      const name = m.keys.name ? data[m.keys.name] : undefined;
      return {
        name: typeof name === "string" ? name : undefined,
        value: value as FolderItem["value"],
      };
    },
    render(item, cur, note) {
      const v = item.value as Record<string, unknown> & { body: string; extras?: Json };
      const now = cur?.doc.front.data ?? {};
      const mapped: Json = {};
      // A file named by its path keeps having no name key.
      const byPath = cur?.rel.slice(0, -m.ext.length).split("/").join(":");
      if (m.keys.name && (!cur || Object.hasOwn(now, m.keys.name) || byPath !== item.name)) {
        mapped[m.keys.name] = item.name;
      }
      for (const [field, what] of FIELDS) {
        const text = v[field];
        if (typeof text !== "string") continue;
        const key = m.keys[field];
        if (key) mapped[key] = keepText(now[key], text);
        else note(`${m.client} has no place for ${what}; it is not kept`, field);
      }
      const tools = v.tools as string[] | undefined;
      if (tools !== undefined) {
        if (!m.keys.tools) note(`${m.client} has no tool list; it is not kept`, "tools");
        else {
          const raw = now[m.keys.tools];
          const native = m.tools ? m.tools.write(tools, note) : tools;
          mapped[m.keys.tools] = sameValue(toolsIn(raw), tools) ||
              sameValue(toolsIn(raw), m.tools ? m.tools.read(native) : native)
            ? raw
            : Array.isArray(raw) || (raw === undefined && m.toolsAs !== "string")
            ? native
            : native.join(", ");
        }
      }
      const extras = (v.extras as Record<string, Json> | undefined)?.[m.id];
      for (const [k, fixed] of Object.entries(m.fixed ?? {})) {
        // A file's own other value is in extras; a file without the key keeps having none.
        if (Object.hasOwn(mapped, k) || (extras && Object.hasOwn(extras, k))) continue;
        if (!cur || Object.hasOwn(now, k)) put(mapped, k, fixed);
      }
      const want = nativeKeys(mapped, extras);
      const written = m.body ? m.body.write(v.body, note, cur?.doc) : v.body;
      const same = cur &&
        (m.body ? m.body.read(cur.doc.md.body, want) : cur.doc.md.body) === v.body;
      const body = same ? cur.doc.md.body : written;
      return joinMd(cur?.doc.md, frontText(cur, want), body);
    },
  };
}
