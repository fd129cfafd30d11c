import assert from "node:assert/strict";
import { tableCells, withTable } from "./readme_table.ts";

Deno.test("README's clients table matches the manifests (run `deno task readme` to update it)", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const next = await withTable(readme);
  assert.ok(next !== undefined, "README.md has no clients table markers");
  assert.deepEqual(tableCells(readme), tableCells(next));
});
