import assert from "node:assert/strict";
import { Bus } from "./bus.ts";

Deno.test("Bus gives monotonic ids and replays since an id", () => {
  const bus = new Bus(3);
  const got: number[] = [];
  const off = bus.subscribe((e) => got.push(e.id));
  for (let i = 0; i < 5; i++) bus.publish({ type: "sync.started", trigger: "t" });
  off();
  bus.publish({ type: "sync.started", trigger: "t" });
  assert.deepEqual(got, [1, 2, 3, 4, 5]);
  assert.deepEqual(bus.since(4).events.map((e) => e.id), [5, 6]);
  assert.equal(bus.since(4).gap, false);
  // Event 2 and 3 fell out of the buffer: the reader is told.
  assert.equal(bus.since(1).gap, true);
  assert.equal(bus.since(6).events.length, 0);
});

Deno.test("Bus.delivered waits for every deliverer, and no longer for one that stopped", async () => {
  const bus = new Bus();
  const seen: string[] = [];
  const stop = bus.onDeliver(async () => {
    await new Promise((r) => setTimeout(r, 5));
    seen.push("sse");
  });
  await bus.delivered();
  assert.deepEqual(seen, ["sse"]);
  stop();
  await bus.delivered();
  assert.deepEqual(seen, ["sse"]);
});
