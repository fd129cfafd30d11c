/**
 * Skills: a folder with a `SKILL.md`, kept byte for byte. Every file of the folder (binary ones
 * too) is read as base64 with its permission bits; a plan writes the files whose bytes differ and
 * removes the files that are no longer in the skill.
 *
 * Shared by the plugins through the contract.
 *
 * @module
 */
import type { Context, PlannedWrite, ReadError } from "../plugins/_contract.ts";
import type { Item, Note, Skill } from "./schema.ts";
import { itemKey } from "./canonical.ts";
import { type Json, validName } from "./guards.ts";
import { parseFront, splitMd } from "./frontmatter.ts";

type SkillFiles = Skill["files"];
type SkillItem = Extract<Item, { kind: "skill" }>;

/** How deep a skill's folders may go, and how many files it may hold. */
const MAX_DEPTH = 16;
const MAX_FILES = 2000;
/** The host refuses planned contents over 16 MiB; base64 grows bytes by a third. */
const MAX_BASE64 = 16 * 1024 * 1024;

/** The skills of one scope's skills folder. */
export interface SkillScope {
  scope: string;
  /** The skills folder. */
  root: string;
  /** Folder name → files (relative path → bytes and mode), for folders with a `SKILL.md`. */
  skills: Map<string, SkillFiles>;
  /** Skill folders that could not be read whole: never written or removed. */
  broken: Set<string>;
  /** The skills folder itself could not be listed: nothing of the scope is planned. */
  unreadable?: boolean;
  errors: ReadError[];
}

/** What a client allows as a skill folder name. */
export interface SkillRules {
  /** The client's name, for notes. */
  client: string;
  /** Why the client does not load a folder of this name as a skill, or `undefined`. */
  refuse?(name: string): string | undefined;
}

/** Reads every skill folder below `root`. */
export async function readSkills(
  ctx: Context,
  root: string,
  scope: string,
  rules: SkillRules,
): Promise<SkillScope> {
  const out: SkillScope = { scope, root, skills: new Map(), broken: new Set(), errors: [] };
  let names: string[];
  try {
    names = await ctx.files.list(root);
  } catch (e) {
    // Nothing below it is known: no skill of this scope is written or removed.
    out.errors.push({
      file: root,
      message: `Cannot read "${root}": ${(e as Error)?.message ?? e}`,
      scopes: [scope],
      kinds: ["skill"],
    });
    out.unreadable = true;
    return out;
  }
  for (const name of names) {
    if (rules.refuse?.(name) !== undefined || !validName(name)) continue;
    const dir = `${root}/${name}`;
    try {
      if (!(await ctx.files.stat(dir))?.isDirectory) continue;
      if (!(await ctx.files.stat(`${dir}/SKILL.md`))?.isFile) continue;
      out.skills.set(name, await readFolder(ctx, dir));
    } catch (e) {
      out.broken.add(name);
      out.errors.push({
        file: dir,
        message: `Cannot read "${dir}": ${(e as Error)?.message ?? e}`,
        scopes: [scope],
        kinds: ["skill"],
      });
    }
  }
  return out;
}

/** The items of a scope's skills. */
export function skillItems(s: SkillScope): Item[] {
  return [...s.skills].map(([name, files]) => ({
    kind: "skill",
    scope: s.scope,
    name,
    value: { files },
  }));
}

/** Every file below `dir` as base64 with its permission bits (relative paths with `/`). */
async function readFolder(ctx: Context, dir: string): Promise<SkillFiles> {
  const files: SkillFiles = {};
  let count = 0;
  const walk = async (rel: string, depth: number) => {
    if (depth > MAX_DEPTH) throw new Error(`its folders are nested deeper than ${MAX_DEPTH}`);
    for (const name of await ctx.files.list(rel ? `${dir}/${rel}` : dir)) {
      const sub = rel ? `${rel}/${name}` : name;
      const st = await ctx.files.stat(`${dir}/${sub}`);
      if (!st) continue;
      if (st.isDirectory) {
        await walk(sub, depth + 1);
        continue;
      }
      if (!st.isFile) continue;
      if (++count > MAX_FILES) throw new Error(`it holds more than ${MAX_FILES} files`);
      const base64 = await ctx.files.readBase64(`${dir}/${sub}`);
      if (base64 === undefined) continue;
      if (base64.length > MAX_BASE64) throw new Error(`"${sub}" is larger than 12 MiB`);
      // Only the permission bits: the file type bits are not the skill's.
      files[sub] = st.mode === undefined ? { base64 } : { base64, mode: st.mode & 0o777 };
    }
  };
  await walk("", 0);
  return files;
}

/**
 * The writes that make the skills folder of `s` hold exactly `desired`: changed and new files
 * (base64, with their mode), and removals of files no longer in a skill. A file whose bytes are
 * equal but whose mode differs gets a note: the host does not rewrite a file with equal bytes.
 */
export async function planSkills(
  ctx: Context,
  s: SkillScope,
  desired: SkillItem[],
  notes: Note[],
  rules: SkillRules,
): Promise<PlannedWrite[]> {
  if (s.unreadable) return [];
  const removals: PlannedWrite[] = [];
  const writes: PlannedWrite[] = [];
  const wanted = new Set(desired.map((i) => i.name));
  for (const [name, files] of s.skills) {
    if (wanted.has(name) || s.broken.has(name)) continue;
    for (const rel of Object.keys(files)) {
      removals.push({ path: `${s.root}/${name}/${rel}`, content: null });
    }
  }
  for (const item of desired) {
    const key = itemKey(item);
    const refused = isFileName(item.name) ? rules.refuse?.(item.name) : "it is not a folder name";
    if (refused !== undefined) {
      notes.push({
        item: key,
        message: `${rules.client} cannot keep a skill named "${item.name}" (${refused}); ` +
          "it was not written",
      });
      continue;
    }
    if (s.broken.has(item.name)) continue;
    const dir = `${s.root}/${item.name}`;
    // A folder of that name without a SKILL.md becomes the skill: its other files go.
    let have = s.skills.get(item.name);
    if (!have) {
      try {
        have = (await ctx.files.stat(dir))?.isDirectory ? await readFolder(ctx, dir) : {};
      } catch (e) {
        notes.push({
          item: key,
          message: `Cannot read "${dir}": ${(e as Error)?.message ?? e}; the skill was not written`,
        });
        continue;
      }
    }
    const files = item.value.files;
    for (const [rel, f] of Object.entries(files)) {
      if (!rel.split("/").every(isFileName)) {
        notes.push({
          item: key,
          field: `files.${rel}`,
          message: `"${rel}" is not a path inside the skill's folder; it was not written`,
        });
        continue;
      }
      const old = have[rel];
      if (old && sameBytes(old.base64, f.base64)) {
        if (f.mode !== undefined && old.mode !== undefined && (f.mode & 0o777) !== old.mode) {
          notes.push({
            item: key,
            field: `files.${rel}.mode`,
            message: `"${dir}/${rel}" keeps its mode ${octal(old.mode)} (wanted ` +
              `${octal(f.mode & 0o777)}): a file whose bytes are unchanged is not rewritten`,
          });
        }
        continue;
      }
      writes.push({
        path: `${dir}/${rel}`,
        content: f.base64,
        encoding: "base64",
        ...(f.mode === undefined ? {} : { mode: f.mode & 0o777 }),
      });
    }
    for (const rel of Object.keys(have)) {
      if (!Object.hasOwn(files, rel)) removals.push({ path: `${dir}/${rel}`, content: null });
    }
  }
  // Removals first: a file may give way to a folder of the same name.
  return [...removals, ...writes];
}

/**
 * The frontmatter of a skill's `SKILL.md`, or (a string) why a client that needs one cannot read
 * it: for the lossy notes of clients that do not load such a skill.
 */
export function skillFront(files: SkillFiles): Json | string {
  const file = files["SKILL.md"];
  if (!file) return "it has no SKILL.md";
  try {
    const text = new TextDecoder().decode(
      Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0)),
    );
    const md = splitMd(text);
    if (!md.open) return "its SKILL.md has no frontmatter";
    return parseFront(md, "SKILL.md").data;
  } catch (e) {
    return `its SKILL.md frontmatter cannot be read (${(e as Error).message})`;
  }
}

/** True when `name` can be one file or folder name. */
export function isFileName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !/[/\\\0]/.test(name);
}

/** Item names: no control characters, at most 200 characters. */
function sameBytes(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return atob(a) === atob(b);
  } catch {
    return false;
  }
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, "0")}`;
}
