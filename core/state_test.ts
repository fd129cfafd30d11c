import assert from "node:assert/strict";
import { openDb } from "../db/mod.ts";
import { Policy, State } from "./state.ts";
import type { Item } from "./schema.ts";

async function open() {
  const dir = await Deno.makeTempDir({ prefix: "aisync-state-" });
  const store = await openDb(`file:${dir}/aisync.db`);
  return {
    state: new State(store, "m1"),
    async close() {
      store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const item = (name: string, value: unknown) =>
  ({ kind: "mcp", scope: "user", name, value }) as Item;

Deno.test("State.commit writes base, history, views, backups, hashes and statuses in one batch", async () => {
  const { state, close } = await open();
  try {
    // More rows than one statement takes, so the chunks are exercised too.
    const many = Array.from({ length: 450 }, (_, i) => item(`s${i}`, { command: `/bin/${i}` }));
    const { backupIds } = await state.commit({
      upsert: many.map((it) => ({ item: it, omit: [] })),
      history: [{ key: "mcp:user:s1", value: { command: "/bin/1" }, source: "codex" }],
      views: [{
        client: "codex",
        set: new Map(many.map((it) => [`mcp:user:${it.name}`, JSON.stringify(it.value)])),
        remove: [],
      }],
      backups: Array.from({ length: 230 }, (_, i) => ({
        path: `/f/${i}`,
        content: `old ${i}`,
        mode: 0o600,
        client: "codex",
        reason: "sync (test)",
      })),
      hashes: [{ path: "/f/1", hash: "h1" }],
      statuses: [
        { client: "codex", state: "ok", notes: [], errors: [], changed: true, inStep: true },
        { client: "qwen_code", state: "ok", notes: [], errors: [], changed: false },
      ],
    });
    assert.equal(backupIds.length, 230);
    for (const [i, id] of backupIds.entries()) {
      const b = await state.getBackup(id);
      assert.equal(b.path, `/f/${i}`);
      assert.equal(b.content, `old ${i}`);
      assert.equal(b.mode, 0o600);
    }
    const base = await state.base();
    assert.equal(base.size, 450);
    const { at, ...s7 } = base.get("mcp:user:s7")!;
    assert.deepEqual(s7, { item: many[7], omit: [] });
    assert.equal(typeof at, "number");
    assert.equal((await state.views()).get("codex")!.size, 450);
    assert.equal((await state.history("mcp:user:s1")).length, 1);
    assert.equal((await state.hashes()).get("/f/1"), "h1");
    const first = new Map((await state.statuses()).map((s) => [s.client, s.lastChange]));
    assert.equal(typeof first.get("codex"), "number");
    assert.equal(first.get("qwen_code"), null);
    const inStep = new Map((await state.statuses()).map((s) => [s.client, s.inStepAt]));
    assert.equal(typeof inStep.get("codex"), "number");
    assert.equal(inStep.get("qwen_code"), null);

    // Upserts replace, removals remove, an unchanged client keeps the time of its last change.
    await new Promise((r) => setTimeout(r, 5));
    await state.commit({
      upsert: [{ item: item("s1", { command: "/bin/new" }), omit: ["qwen_code"] }],
      remove: ["mcp:user:s2"],
      views: [{
        client: "codex",
        set: new Map([["mcp:user:s1", '{"command":"/bin/new"}']]),
        remove: ["mcp:user:s2"],
      }],
      hashes: [{ path: "/f/1", hash: "h2" }],
      statuses: [
        { client: "codex", state: "error", notes: [], errors: ["x"], changed: false },
        { client: "qwen_code", state: "ok", notes: [], errors: [], changed: true },
      ],
    });
    const after = await state.base();
    assert.equal(after.size, 449);
    assert.deepEqual({ ...after.get("mcp:user:s1"), at: 0 }, {
      item: item("s1", { command: "/bin/new" }),
      omit: ["qwen_code"],
      at: 0,
    });
    assert.ok(after.get("mcp:user:s1")!.at! > at!, "the change's time");
    const view = (await state.views()).get("codex")!;
    assert.equal(view.get("mcp:user:s1"), '{"command":"/bin/new"}');
    assert.equal(view.has("mcp:user:s2"), false);
    assert.equal((await state.hashes()).get("/f/1"), "h2");
    const second = new Map((await state.statuses()).map((s) => [s.client, s]));
    assert.equal(second.get("codex")!.lastChange, first.get("codex"));
    // Out of step now: it keeps the time it last was in step.
    assert.equal(second.get("codex")!.inStepAt, inStep.get("codex"));
    assert.equal(second.get("codex")!.state, "error");
    assert.deepEqual(second.get("codex")!.errors, ["x"]);
    assert.equal(typeof second.get("qwen_code")!.lastChange, "number");
  } finally {
    await close();
  }
});

Deno.test("State.base and views are kept between calls and reloaded when any writer changes them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aisync-state-" });
  // Two stores on one file: the web service and a CLI run, each with its own connection.
  const a = await openDb(`file:${dir}/aisync.db`), b = await openDb(`file:${dir}/aisync.db`);
  try {
    const mine = new State(a, "m1"), other = new State(b, "m1");
    await mine.commit({
      upsert: [{ item: item("fs", { command: "/bin/a" }), omit: [] }],
      views: [{
        client: "codex",
        set: new Map([["mcp:user:fs", '{"command":"/bin/a"}']]),
        remove: [],
      }],
    });
    const base = await mine.base(), views = await mine.views();
    assert.equal(base.size, 1);
    // What a caller does to its copy is not what the next caller gets.
    base.delete("mcp:user:fs");
    views.get("codex")!.clear();
    assert.equal((await mine.base()).size, 1);
    assert.equal((await mine.views()).get("codex")!.size, 1);
    // Another process writes: the next load sees it.
    await other.commit({
      upsert: [{ item: item("web", { url: "http://x" }), omit: ["codex"] }],
      views: [{ client: "codex", set: new Map(), remove: ["mcp:user:fs"] }],
    });
    assert.deepEqual([...(await mine.base()).keys()].sort(), ["mcp:user:fs", "mcp:user:web"]);
    assert.deepEqual((await mine.base()).get("mcp:user:web")!.omit, ["codex"]);
    assert.equal((await mine.views()).get("codex")?.size ?? 0, 0);
    // Its own commits bring what it keeps up to date, exactly as a fresh load would give it.
    await mine.commit({
      upsert: [{ item: item("fs", { z: 1, command: "/bin/b", a: [2, 1] }), omit: [] }],
      remove: ["mcp:user:web"],
      views: [{ client: "qwen_code", set: new Map([["mcp:user:fs", "{}"]]), remove: [] }],
    });
    const fresh = new State(b, "m1");
    const show = async (st: State) =>
      JSON.stringify([[...await st.base()], [...await st.views()].map(([c, v]) => [c, [...v]])]);
    assert.equal(await show(mine), await show(fresh));
    // Projects, policies and settings too.
    assert.equal((await mine.policies(["codex"])).get("codex")!.enabled, true);
    assert.deepEqual(await mine.projects(), []);
    assert.equal(await mine.setting("propagateDeletes"), undefined);
    await other.setPolicy("codex", Policy.parse({ enabled: false }));
    await other.addProject("/p", "registered");
    await b.client.execute(
      "INSERT INTO settings (key, value) VALUES ('propagateDeletes', 'false')",
    );
    assert.equal((await mine.policies(["codex"])).get("codex")!.enabled, false);
    assert.deepEqual((await mine.projects()).map((p) => p.path), ["/p"]);
    assert.equal(await mine.setting("propagateDeletes"), false);
    // A raw statement, as an older aisync or a hand edit would run, counts too.
    await b.client.execute("DELETE FROM items");
    assert.equal((await mine.base()).size, 0);
  } finally {
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("State keeps the newest backups of each file and those of the last days; older ones go", async () => {
  const { state, close } = await open();
  try {
    const store = (path: string, n: number) =>
      state.backupMany([{ path, content: `v${n}`, client: "codex", reason: "sync (test)" }]);
    assert.deepEqual(await state.backupRetention(), { kept: 50, days: 30 });
    await assert.rejects(() => state.setBackupRetention({ kept: 0, days: 30 }));
    await state.setBackupRetention({ kept: 3, days: 30 });
    for (let i = 0; i < 5; i++) await store("/h/a.toml", i);
    // All within 30 days: every one is kept.
    assert.equal((await state.backupsOf("/h/a.toml")).length, 5);
    // Once they are old, only the newest three of that file stay; another file keeps its own.
    await store("/h/b.json", 0);
    await state.setBackupRetention({ kept: 3, days: 0 });
    await new Promise((r) => setTimeout(r, 5));
    await store("/h/a.toml", 5);
    const left = await state.backupsOf("/h/a.toml");
    const contents = await Promise.all(
      left.map(async (b) => (await state.getBackup(b.id))?.content),
    );
    assert.deepEqual(contents, ["v5", "v4", "v3"]);
    assert.equal((await state.backupsOf("/h/b.json")).length, 1);
  } finally {
    await close();
  }
});

Deno.test("State stores large backups gzipped and gives them back byte for byte", async () => {
  const { state, close } = await open();
  try {
    const text = JSON.stringify({ projects: { "/p": { history: "é ".repeat(40_000) } } });
    const bytes = new Uint8Array(50_000).map((_, i) => (i * 7) % 256);
    const ids = await state.backupMany([
      { path: "/h/.claude.json", content: text, client: "claude_code", reason: "sync (test)" },
      {
        path: "/h/logo.png",
        content: bytes.toBase64(),
        encoding: "base64",
        client: "x",
        reason: "r",
      },
      { path: "/h/small.toml", content: "a = 1\n", client: "codex", reason: "r" },
    ]);
    const stored = await state.store.client.execute(
      "SELECT encoding, length(content) AS n FROM backups ORDER BY id",
    );
    assert.deepEqual(stored.rows.map((r) => r.encoding), ["gzip", "gzip+base64", null]);
    assert.ok(Number(stored.rows[0].n) < text.length / 10);
    const [a, b, c] = await Promise.all(ids.map((id) => state.getBackup(id)));
    assert.equal(a?.content, text);
    assert.equal(a?.encoding, null);
    assert.deepEqual([b?.encoding, b?.content], ["base64", bytes.toBase64()]);
    assert.deepEqual([c?.encoding, c?.content], [null, "a = 1\n"]);
    assert.equal((await state.backupAfter("/h/.claude.json", 0))?.content, text);
  } finally {
    await close();
  }
});
