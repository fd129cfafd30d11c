/**
 * The only code that writes clients' files: compare-and-swap against the bytes the plan was
 * made from, a backup of the previous bytes, then temp file + fsync + rename keeping the mode.
 *
 * @module
 */

/** SHA-256 of a text (hex); `"absent"` for a missing file. */
export async function hashText(text: string | undefined): Promise<string> {
  if (text === undefined) return "absent";
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The hash of a file's current text (`"absent"` when missing or unreadable as text). */
export async function fileHash(path: string): Promise<string> {
  return await hashText((await readCurrent(path).catch(() => ({ text: undefined }))).text);
}

/** The file's text and mode, or `undefined` text when it does not exist. */
export async function readCurrent(path: string): Promise<{ text?: string; mode?: number }> {
  try {
    const [text, info] = await Promise.all([Deno.readTextFile(path), Deno.stat(path)]);
    return { text, mode: info.mode ?? undefined };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw e;
  }
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
  content: string | null,
  options: {
    expectHash: string;
    backup: (old: { text?: string; mode?: number }) => Promise<void>;
  },
): Promise<void> {
  const current = await readCurrent(path);
  if ((await hashText(current.text)) !== options.expectHash) throw new StaleFileError(path);
  await options.backup(current);
  if (content === null) {
    if (current.text !== undefined) await Deno.remove(path);
    return;
  }
  await atomicWrite(path, content, current.mode);
}

/** Temp file in the same folder, fsync, chmod, rename, fsync the folder. */
export async function atomicWrite(path: string, content: string, mode?: number): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  await Deno.mkdir(dir, { recursive: true });
  const base = path.slice(dir.length + 1);
  // A write killed between creating its temp file and the rename leaves the temp file behind;
  // the next write of the same path clears it away.
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.startsWith(`.${base}.aisync-`) && e.name.endsWith(".tmp")) {
      await Deno.remove(`${dir}/${e.name}`).catch(() => {});
    }
  }
  const tmp = `${dir}/.${base}.aisync-${crypto.randomUUID().slice(0, 8)}.tmp`;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode: mode ?? 0o644 });
  try {
    const bytes = new TextEncoder().encode(content);
    let off = 0;
    while (off < bytes.length) off += await file.write(bytes.subarray(off));
    await file.sync();
  } finally {
    file.close();
  }
  try {
    if (mode !== undefined) await Deno.chmod(tmp, mode & 0o7777);
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
