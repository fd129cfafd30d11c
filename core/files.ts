/**
 * The only code that writes clients' files: compare-and-swap against the bytes the plan was
 * made from, a backup of the previous bytes, then temp file + fsync + rename keeping the mode.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { toBase64 } from "./guards.ts";
export { toBase64 };

/**
 * SHA-256 of bytes (hex). Synchronous underneath: `crypto.subtle` costs a round trip through
 * the runtime's thread pool per call (about ten times the hash of a config file), and a sync
 * hashes every file of every client.
 */
export function hashBytes(bytes: Uint8Array): Promise<string> {
  return Promise.resolve(sha256(bytes));
}

/** SHA-256 of bytes (hex), for callers that must not yield (see {@linkcode hashBytes}). */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** SHA-256 of a text's UTF-8 bytes (hex); `"absent"` for a missing file. */
export async function hashText(text: string | undefined): Promise<string> {
  if (text === undefined) return "absent";
  return await hashBytes(new TextEncoder().encode(text));
}

/** The bytes a planned content stands for (`base64` content is decoded). */
export function contentBytes(content: string, encoding?: "base64"): Uint8Array {
  if (encoding === "base64") return Uint8Array.from(atob(content), (c) => c.charCodeAt(0));
  return new TextEncoder().encode(content);
}

/** The hash of a planned content (`"absent"` for a removal). */
export async function hashContent(content: string | null, encoding?: "base64"): Promise<string> {
  return content === null ? "absent" : await hashBytes(contentBytes(content, encoding));
}

/** A file as it is now: its text (or base64 when it is not UTF-8), bytes and mode. */
export interface Current {
  text?: string;
  /** Set instead of `text` when the bytes are not UTF-8. */
  base64?: string;
  bytes?: Uint8Array;
  mode?: number;
  /** The owner, where the platform has one. */
  uid?: number;
  gid?: number;
}

/** The file's content and mode; all `undefined` when it does not exist. */
export async function readCurrent(path: string): Promise<Current> {
  try {
    const [bytes, info] = await Promise.all([Deno.readFile(path), Deno.stat(path)]);
    const meta = {
      bytes,
      mode: info.mode ?? undefined,
      uid: info.uid ?? undefined,
      gid: info.gid ?? undefined,
    };
    try {
      return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), ...meta };
    } catch {
      return { base64: toBase64(bytes), ...meta };
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw e;
  }
}

/**
 * Why aisync must leave this existing file as it is, or `undefined` when it may write it. A
 * rename over a file ignores both its mode and its owner, so the check is made here, as the
 * user's own write in place would be:
 * - a file the user made read-only stays as it is;
 * - a file of another user (a `sudo claude` leaves `~/.claude.json` root's) stays theirs: the
 *   rename would put a copy owned by the user in its place. Root may write it: `atomicWrite`
 *   then gives the new file the old one's owner.
 */
export function writeRefusal(
  path: string,
  cur: Current,
  me: number | null = Deno.uid(),
): string | undefined {
  if (cur.bytes === undefined || cur.mode === undefined) return undefined;
  if (me !== null && me !== 0 && cur.uid !== undefined && cur.uid !== me) {
    return `"${path}" belongs to another user (uid ${cur.uid}): aisync leaves it as it is ` +
      `(a write would replace it with a copy of your own; \`chown\` it back to sync it)`;
  }
  if ((cur.mode & 0o222) === 0) {
    return `"${path}" is read-only: aisync leaves it as it is (make it writable to sync it)`;
  }
  return undefined;
}

async function currentHash(c: Current): Promise<string> {
  return c.bytes ? await hashBytes(c.bytes) : "absent";
}

/** The file changed between the plan and the write: re-read and re-plan. */
export class StaleFileError extends Error {
  path: string;
  constructor(path: string) {
    super(`Cannot write "${path}": it changed since it was read`);
    this.name = "StaleFileError";
    this.path = path;
  }
}

/**
 * Writes `content` (or removes the file, for `null`) atomically if the file still hashes to
 * `expectHash`. `backup` runs with the old bytes before anything is changed.
 */
export async function guardedWrite(
  path: string,
  content: string | Uint8Array | null,
  options: {
    expectHash: string;
    backup: (old: Current) => Promise<void>;
    /** The mode a new file gets (an existing file keeps its own). */
    mode?: number;
  },
): Promise<void> {
  const current = await readCurrent(path);
  if ((await currentHash(current)) !== options.expectHash) throw new StaleFileError(path);
  await options.backup(current);
  if (content === null) {
    if (current.bytes !== undefined) await Deno.remove(path);
    return;
  }
  await atomicWrite(path, content, options.mode ?? current.mode, current);
}

/** Paths whose folder was searched for temp files left by a killed run (see `atomicWrite`). */
const swept = new Set<string>();

/**
 * The file a path stands for: itself, or the file a symlink points to (followed to the end, even
 * when that file does not exist yet).
 */
export async function linkTarget(path: string): Promise<string> {
  for (let hops = 0; hops < 40; hops++) {
    try {
      if (!(await Deno.lstat(path)).isSymlink) return path;
    } catch {
      return path; // absent: written where it is
    }
    const to = await Deno.readLink(path);
    const dir = path.slice(0, path.lastIndexOf("/")) || "/";
    path = to.startsWith("/") ? to : `${dir}/${to}`;
  }
  throw new Error(`Cannot write "${path}": too many levels of symbolic links`);
}

/** Makes `dir` and any missing parents, owned as the nearest existing one; returns that owner. */
async function makeDirs(dir: string): Promise<{ uid?: number; gid?: number }> {
  const missing: string[] = [];
  let info: Deno.FileInfo | undefined;
  for (let d = dir; !info; d = d.slice(0, d.lastIndexOf("/")) || "/") {
    info = await Deno.stat(d).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound) || d === "/") throw e;
      missing.push(d);
      return undefined;
    });
  }
  const owner = { uid: info.uid ?? undefined, gid: info.gid ?? undefined };
  for (const m of missing.reverse()) {
    await Deno.mkdir(m).catch((e) => {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    });
    if (owner.uid !== undefined) await Deno.chown(m, owner.uid, owner.gid ?? null);
  }
  return owner;
}

/**
 * Temp file in the same folder, fsync, chmod, rename, fsync the folder. A symlink stays a
 * symlink: the file it points to is written (config files are often links into a dotfiles
 * repository, and a rename over the link would cut it off from there).
 */
export async function atomicWrite(
  link: string,
  content: string | Uint8Array,
  mode?: number,
  owner?: { uid?: number; gid?: number },
): Promise<void> {
  const path = await linkTarget(link);
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  const root = Deno.uid() === 0;
  // Root writing into a user's home: new folders and files are the user's, as that user's own
  // client would have made them (root's would lock the client out of its own config).
  if (root && owner?.uid === undefined) owner = await makeDirs(dir);
  else await Deno.mkdir(dir, { recursive: true });
  const base = path.slice(dir.length + 1);
  // A write killed between creating its temp file and the rename leaves the temp file behind;
  // the first write of the same path in the next run clears it away (a failed write in this
  // run removes its own, below, so one look per path and run is enough).
  if (!swept.has(path)) {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.startsWith(`.${base}.aisync-`) && e.name.endsWith(".tmp")) {
        await Deno.remove(`${dir}/${e.name}`).catch(() => {});
      }
    }
    swept.add(path);
  }
  const tmp = `${dir}/.${base}.aisync-${crypto.randomUUID().slice(0, 8)}.tmp`;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode: mode ?? 0o644 });
  try {
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    let off = 0;
    while (off < bytes.length) off += await file.write(bytes.subarray(off));
    // The data and what reading it back needs (its size), not the times: fdatasync.
    await file.syncData();
  } finally {
    file.close();
  }
  try {
    if (mode !== undefined) await Deno.chmod(tmp, mode & 0o7777);
    // Root writing a user's file: the new file is the user's too, as an edit in place keeps it.
    // (Anyone else cannot give a file away; `writeRefusal` keeps them from other users' files.)
    if (root && owner?.uid !== undefined && owner.uid !== 0) {
      await Deno.chown(tmp, owner.uid, owner.gid ?? null);
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  try {
    const d = await Deno.open(dir, { read: true });
    await d.sync().catch(() => {});
    d.close();
  } catch {
    // Some platforms cannot open a folder; the rename is still atomic.
  }
}
