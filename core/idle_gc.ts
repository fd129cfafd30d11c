/**
 * Garbage collection once an isolate goes quiet.
 *
 * V8 lets a small heap fill with several MB of garbage before it collects. aisync runs five or
 * more isolates (its own and one Worker per plugin), so that slack was about 25 MB of the
 * process's peak memory under `watch` (199–206 MB before, 176–178 MB after). Collecting when work stops, and only once enough has
 * piled up, keeps each heap near what it really holds without slowing the work itself.
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
  /** Work stopped: collect after `quietMs` more of quiet, if the heap grew by `growth`. */
  idle(): void;
}

/** V8's `gc` (with `--expose-gc`); "last-resort" also compacts the heap and unmaps free pages. */
export type Collect = (
  options: { type: "major"; execution: "sync"; flavor: "regular" | "last-resort" },
) => void;

const v8Collect = (globalThis as { gc?: Collect }).gc;

function heapBytes(): number {
  const m = Deno.memoryUsage();
  // Buffers read from files live outside the heap but are freed by the same collection.
  return m.heapUsed + m.external;
}

/**
 * An {@linkcode IdleCollector} that collects after `quietMs` of quiet once the heap has grown
 * by `growth` bytes since the last collection (the first quiet spell always collects: loading
 * leaves the most garbage).
 *
 * After much work (twice `growth` or more, and after loading) the collection also compacts the
 * heap and gives its free pages back to the system. A regular one frees the objects but keeps
 * their pages, so the process stayed at the size of its biggest sync: after a first sync of 500
 * servers, 155 MB with regular collections and 133 MB with this. It takes about twice as long
 * (13 ms against 7 at the median, under `watch`), so the small syncs of everyday edits get the
 * regular one: a change saved right after another would wait for it.
 */
export function idleCollector(
  growth: number,
  quietMs = 25,
  collect: Collect | undefined = v8Collect,
): IdleCollector {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let after: number | undefined;
  const busy = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  return {
    busy,
    idle() {
      busy();
      if (!collect || (after !== undefined && heapBytes() - after < growth)) return;
      const t = timer = setTimeout(() => {
        timer = undefined;
        const much = after === undefined || heapBytes() - after >= 2 * growth;
        collect({ type: "major", execution: "sync", flavor: much ? "last-resort" : "regular" });
        after = heapBytes();
      }, quietMs);
      // Never what keeps the process running.
      Deno.unrefTimer(t);
    },
  };
}
