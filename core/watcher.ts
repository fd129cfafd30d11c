/**
 * Watches every plugin's declared paths with `Deno.watchFs`, folds bursts of events (a quiet
 * period plus a maximum wait, as Syncthing's aggregator does) and drops aisync's own writes.
 *
 * @module
 */
import { fileHash } from "./files.ts";

/** Options of {@linkcode watchPaths}. */
export interface WatchOptions {
  /** Milliseconds without events before the batch fires. */
  quietMs?: number;
  /** Milliseconds a batch may wait while events keep coming. */
  maxWaitMs?: number;
  /** The hash aisync last wrote to a path, if any (its own echo is ignored). */
  ownHash?: (path: string) => string | undefined;
  signal?: AbortSignal;
}

function parent(p: string): string {
  return p.slice(0, p.lastIndexOf("/")) || "/";
}

async function nearestExisting(p: string): Promise<string> {
  let dir = p;
  while (dir !== "/") {
    try {
      if ((await Deno.stat(dir)).isDirectory) return dir;
    } catch { /* keep climbing */ }
    dir = parent(dir);
  }
  return "/";
}

/**
 * Calls `onChange` with the changed paths among `paths` (files or folders) until the signal
 * aborts. Folders of paths that do not exist yet are watched from their nearest existing parent.
 */
export async function watchPaths(
  paths: string[],
  onChange: (changed: string[]) => void | Promise<void>,
  options: WatchOptions = {},
): Promise<void> {
  const quiet = options.quietMs ?? 15, maxWait = options.maxWaitMs ?? 300;
  const dirs = new Set<string>();
  for (const p of paths) dirs.add(await nearestExisting(parent(p)));
  for (const p of paths) {
    try {
      if ((await Deno.stat(p)).isDirectory) dirs.add(p);
    } catch { /* absent */ }
  }
  const watched = (p: string) => paths.some((w) => p === w || p.startsWith(w + "/"));
  const watcher = Deno.watchFs([...dirs], { recursive: false });
  options.signal?.addEventListener("abort", () => watcher.close());
  let batch = new Set<string>(),
    first = 0,
    timer: ReturnType<typeof setTimeout> | undefined,
    running = Promise.resolve();
  const fire = () => {
    timer = undefined;
    const changed = [...batch];
    batch = new Set();
    first = 0;
    running = running.then(async () => {
      const real: string[] = [];
      for (const p of changed) {
        const own = options.ownHash?.(p);
        if (own && own === await fileHash(p)) continue;
        real.push(p);
      }
      if (real.length) await onChange(real);
    }).catch(() => {});
  };
  for await (const ev of watcher) {
    for (const p of ev.paths) {
      if (!watched(p) || /\.aisync-[0-9a-f]{8}\.tmp$/.test(p)) continue;
      batch.add(p);
    }
    if (!batch.size) continue;
    const now = Date.now();
    if (!first) first = now;
    clearTimeout(timer);
    timer = setTimeout(fire, now - first >= maxWait ? 0 : quiet);
  }
  clearTimeout(timer);
  await running;
}
