import assert from "node:assert/strict";
import { type Collect, idleCollector } from "./idle_gc.ts";

const child = new URL("./testdata/idle_gc_child.ts", import.meta.url).pathname;

async function run(flags: string[]): Promise<Record<string, number>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...flags, child],
    stderr: "inherit",
  }).output();
  assert(out.success);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("idle collector: frees the garbage once quiet, not while busy", async () => {
  const mb = await run(["--v8-flags=--expose-gc"]);
  assert(mb.littered >= 15, `the child left ${mb.littered} MB`);
  assert(mb.afterBusy >= mb.littered - 2, "collected although work came back");
  assert(mb.afterIdle < mb.littered - 10, `still ${mb.afterIdle} MB after the quiet`);
  // After that much work the pages go back to the system too (a regular collection kept about
  // half of them: 22 of 39 MB).
  assert(
    mb.committedAfterIdle <= mb.afterIdle + 4,
    `the heap still holds ${mb.committedAfterIdle} MB for ${mb.afterIdle} MB of objects`,
  );
});

Deno.test("idle collector: gives pages back after loading, much work and a long quiet", async () => {
  const flavors: string[] = [];
  const collect: Collect = (o) => flavors.push(o.flavor);
  const mb = 1048576, c = idleCollector(4 * mb, { quietMs: 1, settleMs: 200, collect });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const quiet = async () => {
    c.idle();
    await sleep(20);
  };
  const kept: Uint8Array[] = [];
  // Nothing is collected by the fake, so what is allocated stays counted: an exact growth.
  const grow = (n: number) => kept.push(new Uint8Array(n).fill(1));
  await quiet(); // the first quiet, after loading
  grow(1 * mb);
  await quiet(); // under `growth`: nothing
  grow(5 * mb);
  await quiet(); // between `growth` and twice it: a regular one (its pages go back later)
  grow(9 * mb);
  await quiet(); // twice `growth` and more (work came back before the pages went back)
  assert.deepEqual(flavors, ["last-resort", "regular", "last-resort"]);
  grow(13 * mb);
  c.idle(); // three times `growth`: at once, not after the quiet
  assert.deepEqual(flavors.slice(3), ["last-resort"]);

  // A regular collection, then a long quiet: the pages go back.
  grow(5 * mb);
  await quiet();
  await sleep(400);
  assert.deepEqual(flavors.slice(4), ["regular", "last-resort"]);
  // Work came and went without growing the heap enough to collect: the pages still go back.
  grow(5 * mb);
  await quiet();
  c.busy();
  c.idle();
  await sleep(400);
  assert.deepEqual(flavors.slice(6), ["regular", "last-resort"]);
  // Nothing new: nothing more.
  c.idle();
  await sleep(400);
  assert.equal(flavors.length, 8);
  assert.equal(kept.length, 6);

  // Before its first collection, growth counts from when the collector was made.
  const first: string[] = [];
  const c2 = idleCollector(4 * mb, { quietMs: 1, collect: (o) => first.push(o.flavor) });
  grow(13 * mb);
  c2.idle();
  assert.deepEqual(first, ["last-resort"]);
  c2.busy();
});

Deno.test("idle collector: without --expose-gc it does nothing", async () => {
  const mb = await run([]);
  assert(mb.afterIdle >= mb.littered - 2, "collected without --expose-gc");
});
