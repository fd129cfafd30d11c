import assert from "node:assert/strict";
import type { Context } from "../plugins/_contract.ts";
import { planInstructions, readInstructions } from "./instructions.ts";

/** A context over in-memory files: instructions are only ever read. */
const memory = (files: Record<string, string>) =>
  ({ files: { read: (p: string) => Promise.resolve(files[p]) } }) as unknown as Context;

Deno.test("instructions: read as the item main, written whole, removed when not desired", async () => {
  const ctx = memory({ "/m.md": "# hi\n" });
  const [item] = await readInstructions(ctx, "/m.md", "user");
  assert.deepEqual(item, {
    kind: "instructions",
    scope: "user",
    name: "main",
    value: { text: "# hi\n" },
  });
  assert.equal(await planInstructions(ctx, "/m.md", item), undefined);
  assert.deepEqual(await planInstructions(ctx, "/m.md", undefined), {
    path: "/m.md",
    content: null,
  });
  assert.equal(await planInstructions(ctx, "/none.md", undefined), undefined);
  assert.deepEqual(
    await planInstructions(ctx, "/none.md", { ...item, value: { text: "x" } }),
    { path: "/none.md", content: "x" },
  );
});
