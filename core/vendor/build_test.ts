import assert from "node:assert/strict";
import { bundle, BUNDLES } from "./build.ts";

Deno.test("the committed bundles are exactly what deno task vendor builds from the pinned packages", async () => {
  const pins = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  ).imports as Record<string, string>;
  for (const file of Object.keys(BUNDLES)) {
    const built = await bundle(file);
    const committed = await Deno.readTextFile(new URL(file, import.meta.url));
    // A version bump in deno.json must be followed by `deno task vendor`.
    assert.equal(committed, built, `core/vendor/${file} is stale: run deno task vendor`);
    const from = /from (\S+);/.exec(built.split("\n")[0])![1];
    assert.equal(`npm:${from}`, pins[from.slice(0, from.lastIndexOf("@"))]);
  }
});
