/**
 * Interop matrix: one stdio server and one HTTP server with every field (plus a command and a
 * skill where the client keeps them) are written by each client in its own format, synced to all
 * the others, and the lossy notes every target reports are compared with the reviewed list in
 * `testdata/interop_notes.json` (`UPDATE_GOLDEN=1 deno test -A core/interop_test.ts` rewrites
 * it; review the diff). Every target that keeps MCP servers must end up with both servers unless
 * a note says why not.
 */
import assert from "node:assert/strict";
import { type Item, itemKey } from "./schema.ts";
import { sandbox, writePlanned } from "./testing.ts";

const GOLDEN = new URL("./testdata/interop_notes.json", import.meta.url);

const SERVERS: Item[] = [
  {
    kind: "mcp",
    scope: "user",
    name: "everything-stdio",
    value: {
      transport: "stdio",
      command: "/bin/true",
      args: ["--root", "/tmp", "--flag"],
      env: { API_KEY: "${API_KEY}", LEVEL: "debug", HOME_DIR: "${HOME_DIR:-/tmp}" },
      cwd: "/tmp",
      enabled: false,
      startupTimeoutMs: 20000,
      toolTimeoutMs: 60000,
      tools: { allow: ["read", "search"], deny: ["delete"] },
    },
  },
  {
    kind: "mcp",
    scope: "user",
    name: "everything-http",
    value: {
      transport: "http",
      url: "http://127.0.0.1:59999/mcp",
      headers: { Authorization: "Bearer ${API_TOKEN}", "X-Team": "core" },
      oauth: { clientId: "aisync", scopes: ["read", "write"] },
    },
  },
  {
    kind: "mcp",
    scope: "user",
    name: "everything-sse",
    value: { transport: "sse", url: "http://127.0.0.1:59998/sse", headers: { "X-Team": "core" } },
  },
];

const COMMAND: Item = {
  kind: "command",
  scope: "user",
  name: "review",
  value: {
    description: "Review a file",
    argumentHint: "<file>",
    body: "Review $ARGUMENTS[0] carefully.\n",
  },
};

const SKILL: Item = {
  kind: "skill",
  scope: "user",
  name: "tidy",
  value: {
    files: {
      "SKILL.md": {
        base64: btoa("---\nname: tidy\ndescription: Tidies code\n---\n\nTidy it.\n"),
        mode: 0o644,
      },
      "logo.bin": {
        base64: btoa(String.fromCharCode(0x89, 0x50, 0x4e, 0x47, 0, 255)),
        mode: 0o644,
      },
    },
  },
};

type Matrix = Record<string, Record<string, string[]>>;

Deno.test("Interop matrix: each client's servers, command and skill reach every other client with exactly the expected lossy notes", async () => {
  const probe = await sandbox();
  const plugins = probe.app.host.plugins.map((p) => ({ id: p.id, kinds: p.manifest.kinds }));
  await probe.close();
  const got: Matrix = {};
  for (const source of plugins.filter((p) => p.kinds.includes("mcp"))) {
    await using s = await sandbox();
    const items = [
      ...SERVERS,
      ...(source.kinds.includes("command") ? [COMMAND] : []),
      ...(source.kinds.includes("skill") ? [SKILL] : []),
    ];
    // Written by the source client's own plugin, in its own format.
    const plan = await s.app.host.plan(source.id, items);
    await writePlanned(plan.writes.filter((w) => w.content !== null));
    const r = await s.app.engine.sync();
    assert.deepEqual(r.errors, [], `from ${source.id}`);
    assert.deepEqual(r.conflicts, [], `from ${source.id}`);
    got[source.id] = {};
    for (const target of plugins) {
      const c = r.clients[target.id];
      assert.deepEqual(c.errors, [], `${source.id} → ${target.id}`);
      got[source.id][target.id] = c.notes.map((n) => `${n.item}${n.field ? ` ${n.field}` : ""}`)
        .sort();
      if (!target.kinds.includes("mcp") || target.id === source.id) continue;
      const seen = new Set((await s.app.host.read(target.id)).items.map(itemKey));
      const noted = new Set(c.notes.map((n) => n.item));
      for (const server of SERVERS) {
        const k = itemKey(server);
        // What the source itself could not say never reached the base.
        const inBase = (await s.app.state.base()).has(k);
        if (inBase) {
          assert.ok(seen.has(k) || noted.has(k), `${source.id} → ${target.id}: ${k} missing`);
        }
      }
    }
  }
  if (Deno.env.get("UPDATE_GOLDEN")) {
    await Deno.writeTextFile(GOLDEN, JSON.stringify(got, null, 2) + "\n");
    return;
  }
  const want = JSON.parse(await Deno.readTextFile(GOLDEN)) as Matrix;
  assert.deepEqual(got, want);
});
