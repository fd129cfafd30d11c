/**
 * Watches every plugin's declared paths with `Deno.watchFs`, folds bursts of events (a quiet
 * period plus a maximum wait, as Syncthing's aggregator does) and drops aisync's own writes.
 *
 * @module
 */
import { sha256 } from "./files.ts";

/** Options of {@linkcode watchPaths}. */
export interface WatchOptions {
  /** Milliseconds without events before the batch fires. */
  quietMs?: number;
  /** Milliseconds a batch may wait while events keep coming. */
  maxWaitMs?: number;
  /** The hash aisync last wrote to a path, if any (its own echo is ignored). */
  ownHash?: (path: string) => string | undefined;
  signal?: AbortSignal;
  /** Called once the watch is in place (changes from then on are seen). */
  onReady?: () => void;
  /**
   * Paths seen only coming and going, not changing inside (a client's own folder, whose
   * appearing means the client was installed; the client writes logs and history inside).
   */
  appear?: string[];
  /**
   * Where symlinked paths really are (target → the path as declared): the target's folder is
   * watched too, and a change there is reported as the declared path.
   */
  links?: Map<string, string>;
}

/**
 * The hash of a file's bytes now (`"absent"` when it cannot be read). Synchronous: one small
 * file, read while a change waits to be synced, costs less than a thread-pool round trip.
 */
function fileHashNow(path: string): string {
  try {
    return sha256(Deno.readFileSync(path));
  } catch {
    return "absent";
  }
}

function parent(p: string): string {
  return p.slice(0, p.lastIndexOf("/")) || "/";
}

/** Whether `p` is a folder now (asked once per path: many paths share their parents). */
function isFolder(p: string, known: Map<string, boolean>): boolean {
  let yes = known.get(p);
  if (yes === undefined) {
    try {
      yes = Deno.statSync(p).isDirectory;
    } catch {
      yes = false;
    }
    known.set(p, yes);
  }
  return yes;
}

/**
 * The default quiet period. On Linux a write ends with a close-write, which fires its batch at
 * once, so the quiet period only ends writes that never close (and removals): it can be long
 * enough to span a writer's pause between two steps (truncate and write, one chunk and the
 * next), which would otherwise be read half written. Elsewhere it is the only sign a write has
 * ended, and every change waits it out.
 */
const QUIET_MS = Deno.build.os === "linux" ? 100 : 5;

function nearestExisting(p: string, known: Map<string, boolean>): string {
  let dir = p;
  while (dir !== "/" && !isFolder(dir, known)) dir = parent(dir);
  return dir;
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
  const quiet = options.quietMs ?? QUIET_MS, maxWait = options.maxWaitMs ?? 300;
  // Synchronous calls: over a hundred paths the watch starts within milliseconds of being
  // asked, so little can change unseen between a sync and the watch that follows it.
  const dirs = new Set<string>(), known = new Map<string, boolean>();
  const links = options.links ?? new Map<string, string>();
  const declared = (p: string) => {
    for (const [real, as] of links) {
      if (p === real || p.startsWith(real + "/")) return as + p.slice(real.length);
    }
    return p;
  };
  for (const p of [...paths, ...links.keys()]) {
    dirs.add(nearestExisting(parent(p), known));
    if (isFolder(p, known)) dirs.add(p);
  }
  const appear = options.appear ?? [];
  for (const p of appear) dirs.add(nearestExisting(parent(p), known));
  // A folder on the way to a watched path coming into being is a change too: the caller then
  // watches again from there.
  const watched = (p: string) =>
    appear.includes(p) ||
    paths.some((w) => p === w || p.startsWith(w + "/") || w.startsWith(p + "/")) ||
    appear.some((w) => w.startsWith(p + "/"));
  const watcher = Deno.watchFs([...dirs], { recursive: false });
  options.signal?.addEventListener("abort", () => watcher.close());
  // Aborted before the watch began: no abort event comes now.
  if (options.signal?.aborted) watcher.close();
  options.onReady?.();
  let batch = new Set<string>(),
    first = 0,
    timer: ReturnType<typeof setTimeout> | undefined,
    // Paths whose batch fired while `onChange` was still busy: they go in one call after it.
    queued = new Set<string>(),
    busy = false,
    running = Promise.resolve();
  const drain = async () => {
    while (queued.size) {
      const changed = [...queued];
      queued = new Set();
      try {
        // Checked only now, after the previous call: aisync's own writes are known by then.
        const real: string[] = [];
        for (const p of changed) {
          const own = options.ownHash?.(p);
          if (own && own === fileHashNow(p)) continue;
          real.push(p);
        }
        if (real.length) await onChange(real);
      } catch {
        // The caller reports its own failures; watching goes on.
      }
    }
    busy = false;
  };
  const fire = () => {
    timer = undefined;
    for (const p of batch) queued.add(p);
    batch = new Set();
    first = 0;
    if (!busy) {
      busy = true;
      running = drain();
    }
  };
  for await (const ev of watcher) {
    let ours = false;
    for (const raw of ev.paths) {
      const p = declared(raw);
      if (!watched(p) || /\.aisync-[0-9a-f]{8}\.tmp$/.test(p)) continue;
      batch.add(p);
      ours = true;
    }
    if (!ours) continue;
    const now = Date.now();
    if (!first) first = now;
    clearTimeout(timer);
    // A file closed after writing ("access": inotify's close-write) or renamed into place (an
    // atomic save) is whole: no need to wait out the quiet period, which is for writers still
    // writing (and for systems that report neither, as macOS's FSEvents). A close-write ends a
    // write, so the batch goes at once (a timer, even of 0 ms, waits for the runtime's next
    // timer tick); a rename comes as a pair of events, which the next tick has both of.
    if (ev.kind === "access" || now - first >= maxWait) fire();
    else timer = setTimeout(fire, ev.kind === "rename" ? 0 : quiet);
  }
  clearTimeout(timer);
  await running;
}
