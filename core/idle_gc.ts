/**
 * Garbage collection once an isolate goes quiet.
 *
 * V8 lets a small heap fill with several MB of garbage before it collects. aisync runs five or
 * more isolates (its own and one Worker per plugin), so that slack was about 25 MB of the
 * process's peak memory under `watch` (199–206 MB before, 176–178 MB after). Collecting when
 * work stops, and only once enough has piled up, keeps each heap near what it really holds
 * without slowing the work itself.
 *
 * A regular collection frees the objects but keeps their pages, so the process stayed at the
 * size of its biggest sync. After much work, and after a long quiet, the collection is V8's
 * "last resort" one, which also compacts the heap and gives its free pages back to the system.
 * `deno task watch` with 4 clients × 100 servers: 123–125 MB after its first sync instead of
 * 137–138, and after 20 small changes 138 MB, then 125 once quiet for 5 s. It takes about twice
 * as long (13 ms against 7 at the median, under `watch`), so the small syncs of everyday edits
 * get the regular one at first: a change saved right after another would wait for it.
 *
 * Needs V8's `--expose-gc` (`deno task start`, `watch` and `compile` pass it); without it this
 * does nothing and V8 collects on its own schedule.
 *
 * @module
 */

/** Tells the collector when work starts and stops. */
export interface IdleCollector {
  /** Work started: a pending collection waits. */
  busy(): void;
  /** Work stopped: collect after some quiet, if the heap grew enough (see `idleCollector`). */
  idle(): void;
}

/** V8's `gc` (with `--expose-gc`); "last-resort" also compacts the heap and unmaps free pages. */
export type Collect = (
  options: { type: "major"; execution: "sync"; flavor: "regular" | "last-resort" },
) => void;

/** How an {@linkcode idleCollector} waits and collects. */
export interface IdleOptions {
  /** Quiet before a collection, in milliseconds (25). */
  quietMs?: number;
  /** Quiet after a regular collection before the pages go back too, in milliseconds (5000). */
  settleMs?: number;
  /** The collector (V8's `gc`; tests pass their own). */
  collect?: Collect;
}

const v8Collect = (globalThis as { gc?: Collect }).gc;

function heapBytes(): number {
  const m = Deno.memoryUsage();
  // Buffers read from files live outside the heap but are freed by the same collection.
  return m.heapUsed + m.external;
}

/**
 * An {@linkcode IdleCollector} that collects after `quietMs` of quiet once the heap has grown by
 * `growth` bytes since the last collection (the first quiet spell always collects: loading leaves
 * the most garbage).
 *
 * - After loading, or twice `growth` and more: a last-resort collection (pages given back).
 * - Three times `growth` and more (counted from when it was made, before the first collection):
 *   at once, without waiting for the quiet. A big sync is over, and the next one may come before
 *   the quiet does and grow on top of its garbage (aisync's own heap after its first sync).
 * - Less: a regular collection, and a last-resort one after `settleMs` more of quiet.
 */
export function idleCollector(growth: number, options: IdleOptions = {}): IdleCollector {
  const { quietMs = 25, settleMs = 5000, collect = v8Collect } = options;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let settle: ReturnType<typeof setTimeout> | undefined;
  let after: number | undefined;
  // Before the first collection, growth counts from here (for the rule of "at once" below).
  const made = heapBytes();
  // A regular collection kept pages that no last-resort one gave back since.
  let unsettled = false;
  const busy = () => {
    clearTimeout(timer);
    clearTimeout(settle);
    timer = settle = undefined;
  };
  const gc = (flavor: "regular" | "last-resort") => {
    collect!({ type: "major", execution: "sync", flavor });
    after = heapBytes();
    unsettled = flavor === "regular";
  };
  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(fn, ms);
    // Never what keeps the process running.
    Deno.unrefTimer(t);
    return t;
  };
  // Pages a regular collection kept go back after a long quiet.
  const settleLater = () => {
    if (unsettled) settle = later(() => gc("last-resort"), settleMs);
  };
  const run = () => {
    timer = undefined;
    gc(after === undefined || heapBytes() - after >= 2 * growth ? "last-resort" : "regular");
    settleLater();
  };
  return {
    busy,
    idle() {
      busy();
      if (!collect) return;
      const grown = heapBytes() - (after ?? made);
      if (after !== undefined && grown < growth) return settleLater();
      if (grown >= 3 * growth) return run();
      timer = later(run, quietMs);
    },
  };
}
