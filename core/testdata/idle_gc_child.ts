// Run by idle_gc_test.ts in its own process (with or without --expose-gc). Prints what the heap
// held at each step, in MB, as JSON.
import { idleCollector } from "../idle_gc.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const heap = () => {
  const m = Deno.memoryUsage();
  return Math.round((m.heapUsed + m.external) / 1048576);
};
// What the heap holds from the system, garbage or not.
const committed = () => Math.round(Deno.memoryUsage().heapTotal / 1048576);
let held: unknown[] | undefined;
const litter = async () => {
  // About 20 MB, kept long enough to reach the old generation, then dropped: garbage only a
  // full collection frees.
  held = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `item ${i}` }));
  await sleep(10);
  held = undefined;
};
// The litter (20–25 MB) is less than three times this growth: collected after the quiet, not at
// once.
const c = idleCollector(10 * 1048576, { quietMs: 20 });
const out: Record<string, number> = {};

await litter();
out.littered = heap();
out.committedLittered = committed();
c.idle();
await sleep(5);
c.busy(); // work came back before the quiet ended: nothing may be collected
await sleep(60);
out.afterBusy = heap();
c.idle();
await sleep(60);
out.afterIdle = heap();
out.committedAfterIdle = committed();
c.idle(); // no growth since: no collection is even planned
console.log(JSON.stringify(out));
