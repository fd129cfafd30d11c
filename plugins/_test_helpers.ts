/**
 * Scaffolding the plugins' own tests share: a temp home and project holding given files, a plan
 * written to the disk the way the host writes it, testdata cases and corpus folders read into
 * memory, and the checks most tests make (planning what was read changes nothing, which files a
 * plan changes). Tests only: plugins never import it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { contextFor, materialize } from "./_conformance.ts";
import type {
  Context,
  Item,
  Manifest,
  PlanResult,
  Plugin,
  ReadResult,
  Skill,
} from "./_contract.ts";

/** A temp root with `home/` (the home folder) and `project/` (one registered project). */
export interface TempCase {
  root: string;
  home: string;
  project: string;
  /** `project:<project>`. */
  pscope: string;
  ctx: Context;
  /** The absolute path of `rel` (`home/...`, `project/...`). */
  path(rel: string): string;
  /** The text of a file below the root, or `undefined` when there is none. */
  read(rel: string): Promise<string | undefined>;
  /** Writes a plan to the disk (see {@linkcode applyPlan}). */
  apply(plan: PlanResult): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of a temp case: the environment the paths see, and the temp folder's prefix. */
export interface CaseOptions {
  env?: Record<string, string>;
  prefix?: string;
}

/**
 * A temp home and project holding `files` (keys start with `home/` or `project/`; in text,
 * `__PROJECT__` becomes the project's path), with the plugin's context. `await using` removes it.
 */
export async function tempCase(
  manifest: Manifest,
  files: Record<string, string | Uint8Array> = {},
  opts: CaseOptions = {},
): Promise<TempCase> {
  const root = await Deno.makeTempDir({ prefix: opts.prefix ?? `aisync-${manifest.id}-` });
  const home = `${root}/home`, project = `${root}/project`;
  await Deno.mkdir(home, { recursive: true });
  await Deno.mkdir(project, { recursive: true });
  for (const [rel, data] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    if (typeof data === "string") {
      await Deno.writeTextFile(path, data.replaceAll("__PROJECT__", project));
    } else await Deno.writeFile(path, data);
  }
  return caseAt(root, contextFor(manifest, home, [project], opts.env ?? {}));
}

/** Runs `fn` over a {@linkcode tempCase} and removes it afterwards. */
export async function withTempCase(
  manifest: Manifest,
  files: Record<string, string | Uint8Array>,
  fn: (c: TempCase) => Promise<void>,
  opts: CaseOptions = {},
): Promise<void> {
  await using c = await tempCase(manifest, files, opts);
  await fn(c);
}

/** A testdata case copied byte for byte (binary files too) into a temp folder. */
export async function copiedCase(manifest: Manifest, dir: string): Promise<TempCase> {
  const { root, home, project } = await materialize(dir);
  return caseAt(root, contextFor(manifest, home, [project]));
}

/** The case of a temp root holding `home/` and `project/`, for `ctx`. */
function caseAt(root: string, ctx: Context): TempCase {
  const project = `${root}/project`;
  return {
    root,
    home: `${root}/home`,
    project,
    pscope: `project:${project}`,
    ctx,
    path: (rel) => `${root}/${rel}`,
    read: (rel) => Deno.readTextFile(`${root}/${rel}`).catch(() => undefined),
    apply: (plan) => applyPlan(plan),
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}

/**
 * Writes a plan as the host does: removals, text, base64 as bytes, the planned mode, and the
 * folders a new file needs. A removal of a file that is already gone is an error, unless
 * `missingOk` (two plans that remove the same file are applied one after the other).
 */
export async function applyPlan(
  plan: PlanResult,
  opts: { missingOk?: boolean } = {},
): Promise<void> {
  for (const w of plan.writes) {
    if (w.content === null) {
      await Deno.remove(w.path).catch((e) => {
        if (!opts.missingOk || !(e instanceof Deno.errors.NotFound)) throw e;
      });
      continue;
    }
    await Deno.mkdir(w.path.slice(0, w.path.lastIndexOf("/")), { recursive: true });
    if (w.encoding === "base64") await Deno.writeFile(w.path, fromBase64(w.content));
    else await Deno.writeTextFile(w.path, w.content);
    if (w.mode !== undefined) await Deno.chmod(w.path, w.mode & 0o777);
  }
}

/** Plans `items`, writes the plan (see {@linkcode applyPlan}) and returns it. */
export async function planAndApply(
  plugin: Plugin,
  ctx: Context,
  items: Item[],
): Promise<PlanResult> {
  const plan = await plugin.plan({ items }, ctx);
  await applyPlan(plan);
  return plan;
}

/** Every file below a testdata case folder as text, by relative path (`.gitkeep` left out). */
export async function caseFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (at: string, rel: string) => {
    for await (const e of Deno.readDir(at)) {
      if (e.isDirectory) await walk(`${at}/${e.name}`, `${rel}${e.name}/`);
      else if (e.name !== ".gitkeep") {
        out[rel + e.name] = await Deno.readTextFile(`${at}/${e.name}`);
      }
    }
  };
  await walk(dir, "");
  return out;
}

/**
 * The names of the files directly in a corpus folder that end with one of `exts` (all when none
 * is given), sorted; none when the folder is absent (the corpus is not in every checkout).
 */
export function corpusNames(dir: string, ...exts: string[]): string[] {
  try {
    return [...Deno.readDirSync(dir)]
      .filter((e) => e.isFile && (!exts.length || exts.some((x) => e.name.endsWith(x))))
      .map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** The files of {@linkcode corpusNames}, each with its text. */
export function corpusFiles(dir: string, ...exts: string[]): { name: string; text: string }[] {
  return corpusNames(dir, ...exts)
    .map((name) => ({ name, text: Deno.readTextFileSync(`${dir}/${name}`) }));
}

/**
 * The files one folder down in the corpus (`<client>/<file>`, every client's folder) whose names
 * end with one of `exts`, sorted; none when the corpus is absent.
 */
export function corpusTree(dir: string, ...exts: string[]): string[] {
  let subs: string[];
  try {
    subs = [...Deno.readDirSync(dir)].filter((e) => e.isDirectory).map((e) => e.name);
  } catch {
    return [];
  }
  return subs.flatMap((sub) => corpusNames(`${dir}/${sub}`, ...exts).map((n) => `${sub}/${n}`))
    .sort();
}

/**
 * A context for home `/h` and project `/p` whose files are the in-memory `files` (path → text),
 * for fast property runs: nothing is listed and there are no folders.
 */
export function memoryContext(manifest: Manifest, files: Map<string, string>): Context {
  return {
    ...contextFor(manifest, "/h", ["/p"]),
    files: {
      read: (p) => Promise.resolve(files.get(p)),
      list: () => Promise.resolve([]),
      readBase64: () => Promise.resolve(undefined),
      stat: () => Promise.resolve(undefined),
    },
  };
}

/** Planning what was read writes nothing (every write holds the file's own text); the read. */
export async function assertNoop(plugin: Plugin, ctx: Context): Promise<ReadResult> {
  const read = await plugin.read(ctx);
  const plan = await plugin.plan({ items: read.items }, ctx);
  for (const w of plan.writes) {
    assert.equal(w.content, await ctx.files.read(w.path), `plan(read) rewrote ${w.path}`);
  }
  return read;
}

/** The items `read` returns (of `kind`, when given), which must come without read errors. */
export async function readOk(plugin: Plugin, ctx: Context, kind?: string): Promise<Item[]> {
  const r = await plugin.read(ctx);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.items.filter((i) => kind === undefined || i.kind === kind);
}

/** The paths whose content a plan of `items` would change. */
export async function changedPaths(plugin: Plugin, ctx: Context, items: Item[]) {
  const plan = await plugin.plan({ items }, ctx);
  const changed = [];
  for (const w of plan.writes) {
    const now = await Deno.readTextFile(w.path).catch(() => undefined);
    if (now !== (w.content ?? undefined)) changed.push(w.path);
  }
  return changed;
}

/** `ctx` whose `files.list` fails for `bad`, as an unreadable folder does. */
export function failingList(ctx: Context, bad: string): Context {
  const f = ctx.files;
  return {
    ...ctx,
    files: {
      read: (p) => f.read(p),
      readBase64: (p) => f.readBase64(p),
      stat: (p) => f.stat(p),
      list: (p) => p === bad ? Promise.reject(new Error("Permission denied")) : f.list(p),
    },
  };
}

/** Bytes as base64 (text as UTF-8). */
export function toBase64(data: string | Uint8Array): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Base64 as bytes. */
export function fromBase64(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** A skill file: text or bytes (mode 0644), or bytes with a mode. */
export type SkillFileSpec = string | Uint8Array | { bytes: string | Uint8Array; mode: number };

/** A skill item of `files` (relative path → text, bytes, or bytes with a mode). */
export function skillItem(
  scope: string,
  name: string,
  files: Record<string, SkillFileSpec>,
): Extract<Item, { kind: "skill" }> {
  const out: Skill["files"] = {};
  for (const [rel, f] of Object.entries(files)) {
    out[rel] = typeof f === "string" || f instanceof Uint8Array
      ? { base64: toBase64(f), mode: 0o644 }
      : { base64: toBase64(f.bytes), mode: f.mode };
  }
  return { kind: "skill", scope, name, value: { files: out } };
}

/** A `SKILL.md` with the `name` and `description` every client needs. */
export function skillMd(name: string, description = "Does a thing. Use when asked."): string {
  return `---\nname: ${name}\ndescription: ${description}\n---\n\nSteps.\n`;
}

/** A small PNG header with bytes that are not UTF-8 (0xff, NUL). */
export const PNG = new Uint8Array([
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
  0,
  0,
  0,
  0x0d,
  0xff,
  0,
]);
