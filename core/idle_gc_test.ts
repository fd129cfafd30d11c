import assert from "node:assert/strict";

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
});

Deno.test("idle collector: without --expose-gc it does nothing", async () => {
  const mb = await run([]);
  assert(mb.afterIdle >= mb.littered - 2, "collected without --expose-gc");
});
