/**
 * Generated MCP servers for a JSON plugin's round-trip property test: every canonical field,
 * user and project scope, strings built from the plugin's own placeholder syntax (`text`), and a
 * `roundTrip` that plans, writes, reads back and replans in memory. Shared by the copilot_cli,
 * opencode and vscode tests (which had identical copies).
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Context, type Item, itemKey, type McpServer, type Plugin } from "./_contract.ts";

/** The arbitraries and the round trip for plugin `id`. */
export function generatedServers(
  id: string,
  text: fc.Arbitrary<string>,
  plugin: Plugin,
  contextOf: (files: Map<string, string>) => Context,
) {
  const filled = text.filter((t) => t !== "");
  const serverName = fc.string({ minLength: 1, maxLength: 6 }).filter((n) =>
    ![...n].some((c) => c.charCodeAt(0) < 0x20) && n !== "__proto__"
  );
  const common = {
    toolTimeoutMs: fc.nat(),
    startupTimeoutMs: fc.nat(),
    tools: fc.record({
      allow: fc.array(text, { maxLength: 2 }),
      deny: fc.array(text, { maxLength: 2 }),
    }, {
      requiredKeys: [],
    }).filter((t) => Object.keys(t).length > 0),
    enabled: fc.constant(false),
    oauth: fc.record({
      clientId: text,
      scopes: fc.array(filled, { maxLength: 2 }),
      callbackPort: fc.integer({ min: 1, max: 65535 }),
    }, { requiredKeys: [] }).filter((o) => Object.keys(o).length > 0),
    extras: fc.constantFrom<Record<string, Record<string, unknown>>>(
      { [id]: { description: "d" } },
      { other_client: { x: 1 } },
    ),
  };
  // Canonical values are minimal (no empty args, env or headers), as every plugin reads them.
  const serverValue: fc.Arbitrary<McpServer> = fc.oneof(
    fc.record({
      transport: fc.constant("stdio" as const),
      command: filled,
      args: fc.array(text, { minLength: 1, maxLength: 3 }),
      env: fc.dictionary(fc.string({ maxLength: 4 }), text, { minKeys: 1, maxKeys: 2 }),
      cwd: text,
      ...common,
    }, { requiredKeys: ["transport", "command"] }),
    fc.record({
      transport: fc.constantFrom("http" as const, "sse" as const),
      url: filled,
      headers: fc.dictionary(fc.string({ maxLength: 4 }), text, { minKeys: 1, maxKeys: 2 }),
      ...common,
    }, { requiredKeys: ["transport", "url"] }),
  );
  const desiredSet = fc.uniqueArray(
    fc.tuple(fc.constantFrom("user", "project:/p"), serverName, serverValue),
    { selector: ([scope, name]) => `${scope}\u0000${name}`, maxLength: 5 },
  ).map((rows) => rows.map(([scope, name, value]): Item => ({ kind: "mcp", scope, name, value })));

  /** Plans `desired` over `files`, writes it, and checks that it reads back as planned. */
  async function roundTrip(files: Map<string, string>, desired: Item[]) {
    const ctx = contextOf(files);
    const plan = await plugin.plan({ items: desired }, ctx);
    for (const w of plan.writes) {
      if (w.content === null) files.delete(w.path);
      else files.set(w.path, w.content);
    }
    const back = await plugin.read(ctx);
    assert.equal(back.errors, undefined);
    const noted = new Set(plan.notes.map((n) => n.item));
    const got = new Map(back.items.map((i) => [itemKey(i), i]));
    // The engine compares values with other clients' extras left out.
    const own = (v: McpServer) => {
      const { extras, ...rest } = v;
      return JSON.parse(
        JSON.stringify(
          extras?.[id] ? { ...rest, extras: { [id]: extras[id] } } : rest,
        ),
      );
    };
    for (const d of desired) {
      if (noted.has(itemKey(d))) continue;
      const g = got.get(itemKey(d));
      assert.ok(g?.kind === "mcp", `${itemKey(d)} is missing`);
      assert.deepEqual(own(g.value), own((d as Extract<Item, { kind: "mcp" }>).value));
    }
    const want = new Set(desired.map(itemKey));
    for (const k of got.keys()) assert.ok(want.has(k) || noted.has(k), `${k} should be gone`);
    const again = await plugin.plan({ items: back.items }, ctx);
    assert.deepEqual(
      again.writes.filter((w) => files.get(w.path) !== (w.content ?? undefined)),
      [],
    );
  }
  return { desiredSet, roundTrip };
}
