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

const collect = (globalThis as { gc?: () => void }).gc;

function heapBytes(): number {
  const m = Deno.memoryUsage();
  // Buffers read from files live outside the heap but are freed by the same collection.
  return m.heapUsed + m.external;
}

/**
 * An {@linkcode IdleCollector} that collects after `quietMs` of quiet once the heap has grown
 * by `growth` bytes since the last collection (the first quiet spell always collects: loading
 * leaves the most garbage).
 */
export function idleCollector(growth: number, quietMs = 25): IdleCollector {
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
        collect();
        after = heapBytes();
      }, quietMs);
      // Never what keeps the process running.
      Deno.unrefTimer(t);
    },
  };
}
