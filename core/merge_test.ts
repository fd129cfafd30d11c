import assert from "node:assert/strict";
import { apply, clashes, diff, flatten, isEmpty, leafName, unflatten } from "./merge.ts";

Deno.test("flatten() and unflatten() round-trip nested objects, arrays stay leaves", () => {
  const v = { transport: "stdio", command: "npx", args: ["-y", "x"], env: { A: "1", B: "2" } };
  assert.deepEqual(unflatten(flatten(v)), v);
  assert.equal(flatten(v).size, 5);
});

Deno.test("diff() sees sets and removals", () => {
  const d = diff({ a: 1, env: { X: "1", Y: "2" } }, { a: 2, env: { X: "1" } });
  assert.deepEqual([...d.set.keys()].map(leafName), ["a"]);
  assert.deepEqual([...d.unset].map(leafName), ["env.Y"]);
  assert.ok(isEmpty(diff({ a: [1, 2] }, { a: [1, 2] })));
});

Deno.test("apply() merges disjoint changes from two clients", () => {
  const base = { transport: "stdio", command: "x", env: { A: "1" } };
  const d1 = diff(base, { ...base, env: { A: "1", B: "2" } });
  const d2 = diff(base, { ...base, command: "y" });
  assert.deepEqual(clashes(d1, d2), []);
  assert.deepEqual(apply(base, [d1, d2]), {
    transport: "stdio",
    command: "y",
    env: { A: "1", B: "2" },
  });
});

Deno.test("clashes() finds the same field changed differently, and set-versus-removed", () => {
  const base = { url: "http://a", headers: { X: "1" } };
  const d1 = diff(base, { url: "http://b", headers: { X: "1" } });
  const d2 = diff(base, { url: "http://c" });
  assert.deepEqual(clashes(d1, d2).map(leafName), ["url"]);
  const d3 = diff(base, { url: "http://a", headers: { X: "2" } });
  assert.deepEqual(clashes(d3, d2).map(leafName), ["headers.X"]);
  // Same change on both sides is no clash.
  assert.deepEqual(clashes(d1, diff(base, { url: "http://b", headers: { X: "1" } })), []);
});

Deno.test("apply() replaces a leaf with an object and back", () => {
  assert.deepEqual(apply({ a: "x" }, [diff({ a: "x" }, { a: { b: 1 } })]), { a: { b: 1 } });
  assert.deepEqual(apply({ a: { b: 1 } }, [diff({ a: { b: 1 } }, { a: "x" })]), { a: "x" });
});
