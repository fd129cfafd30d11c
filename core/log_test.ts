import assert from "node:assert/strict";
import { type App, openApp } from "./app.ts";
import { ftsQuery, scrubText } from "./log.ts";
import { sandbox } from "./testing.ts";

async function tempApp(): Promise<{ app: App; done: () => Promise<void> }> {
  const root = await Deno.makeTempDir({ prefix: "aisync-log-" });
  const app = await openApp({ home: `${root}/home`, dataDir: `${root}/data`, env: {} });
  return {
    app,
    async done() {
      await app.close();
      await Deno.remove(root, { recursive: true });
    },
  };
}

Deno.test("Log: bus events become records, one per client named, with the event id", async () => {
  const { app, done } = await tempApp();
  try {
    const started = app.bus.publish({ type: "sync.started", trigger: "test" });
    app.bus.publish({
      type: "conflict.opened",
      key: "mcp:user:fs",
      clients: ["claude_code", "codex"],
      conflictId: 7,
    });
    app.bus.publish({
      type: "file.written",
      client: "codex,rovo_dev",
      path: "/p/AGENTS.md",
      backupId: 12,
    });
    app.bus.publish({
      type: "sync.finished",
      changes: 1,
      writes: 1,
      conflicts: 1,
      errors: 0,
      ms: 5,
    });
    // Batched: nothing is stored until the batch is written.
    assert.equal(await app.log.count(), 0);
    await app.log.flush();
    const { rows } = await app.log.query();
    assert.equal(rows.length, 6);
    const first = rows.at(-1)!;
    assert.equal(first.action, "sync.started");
    assert.equal(first.eventId, started.id);
    assert.equal(first.at, started.at);
    const conflicts = rows.filter((r) => r.action === "conflict.opened");
    assert.deepEqual(conflicts.map((r) => r.client).sort(), ["claude_code", "codex"]);
    assert.ok(conflicts.every((r) => r.level === "warn" && r.item === "mcp:user:fs"));
    const writes = rows.filter((r) => r.action === "file.written");
    assert.deepEqual(writes.map((r) => r.client).sort(), ["codex", "rovo_dev"]);
    assert.equal(writes[0].fields.backupId, 12);
    assert.equal((await app.log.query({ client: "rovo_dev" })).rows.length, 1);
  } finally {
    await done();
  }
});

Deno.test("Log: filters, full-text search and pagination", async () => {
  const { app, done } = await tempApp();
  try {
    const t0 = Date.now() - 3_600_000;
    for (let i = 0; i < 250; i++) {
      app.log.log({
        at: t0 + i * 1000,
        level: i % 10 === 0 ? "error" : i % 3 === 0 ? "warn" : "info",
        source: i % 2 ? "engine" : "web",
        client: ["codex", "claude_code"][i % 2],
        item: `mcp:user:srv${i % 5}`,
        action: i % 4 ? "file.written" : "sync.finished",
        message: `record number ${i}`,
        fields: { path: `/home/u/file${i}.toml`, n: i },
      });
    }
    await app.log.flush();
    assert.equal(await app.log.count(), 250);
    assert.equal(await app.log.count({ level: "error" }), 25);
    assert.equal(await app.log.count({ level: "warn" }), 25 + 75);
    assert.equal(await app.log.count({ client: "codex" }), 125);
    assert.equal(await app.log.count({ item: "mcp:user:srv1" }), 50);
    assert.equal(await app.log.count({ item: "mcp:user:*" }), 250);
    assert.equal(await app.log.count({ action: "sync.*" }), 63);
    assert.equal(await app.log.count({ from: t0 + 10_000, to: t0 + 19_000 }), 10);
    // Full text over message and fields; every word must occur.
    assert.equal(await app.log.count({ text: "file17" }), 1);
    assert.equal(await app.log.count({ text: "record 17" }), 1);
    assert.equal(await app.log.count({ text: "file1*" }), 111);
    assert.equal(await app.log.count({ text: 'quote" OR 1' }), 0);
    // Pages: newest first, no record twice, every record once.
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await app.log.query({ client: "codex" }, { limit: 40, cursor });
      seen.push(...page.rows.map((r) => r.id));
      cursor = page.next;
    } while (cursor);
    assert.equal(seen.length, 125);
    assert.equal(new Set(seen).size, 125);
    assert.deepEqual(seen, [...seen].sort((a, b) => b - a));
    // The export reader pages by id, oldest first.
    const ids: number[] = [];
    for await (const page of app.log.pages({ level: "error" }, 7)) {
      ids.push(...page.map((r) => r.id));
    }
    assert.equal(ids.length, 25);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    // Filters that match many pages' worth (read in id order, not through their index), full
    // text (walked in id order), both: every match once, oldest first.
    for (
      const f of [
        { client: "codex" },
        { level: "warn" as const, item: "mcp:user:srv*" },
        { text: "record" },
        { text: "file1*", client: "codex" },
      ]
    ) {
      const got: number[] = [];
      for await (const page of app.log.tuples(f, 7)) got.push(...page.map((r) => r[0]));
      assert.equal(got.length, await app.log.count(f), JSON.stringify(f));
      assert.equal(new Set(got).size, got.length);
      assert.deepEqual(got, [...got].sort((a, b) => a - b));
    }
    // An export holds the records there were when it began.
    const reading = app.log.tuples({}, 100);
    const first = await reading.next();
    app.log.log({ level: "info", source: "web", message: "written while exporting" });
    await app.log.flush();
    let exported = first.value!.length;
    for await (const page of reading) exported += page.length;
    assert.equal(exported, 250);
  } finally {
    await done();
  }
});

Deno.test("Log: subscribers get stored records with their ids", async () => {
  const { app, done } = await tempApp();
  try {
    const got: number[] = [];
    app.log.subscribe((rows) => got.push(...rows.map((r) => r.id)));
    for (let i = 0; i < 5; i++) app.log.log({ level: "info", source: "web", message: `m${i}` });
    await app.log.flush();
    const { rows } = await app.log.query();
    assert.deepEqual(got, rows.map((r) => r.id).reverse());
    assert.equal((await app.log.get(got[2]))!.message, "m2");
  } finally {
    await done();
  }
});

Deno.test("Log: retention prunes by age and by size, and says so", async () => {
  const { app, done } = await tempApp();
  try {
    const now = Date.now();
    // Nothing pruned while the records go in (the first batch triggers a background prune).
    await app.log.setRetention({ maxAgeDays: 0, maxRecords: 0, maxMb: 0 });
    for (let i = 0; i < 100; i++) {
      app.log.log({
        at: now - (100 - i) * 86_400_000,
        level: "info",
        source: "t",
        message: `${i}`,
      });
    }
    await app.log.flush();
    const r = await app.log.setRetention({ maxAgeDays: 50, maxRecords: 30, maxMb: 0 });
    // 50 by age; then the oldest 21 of the 51 left (the first setting record among them).
    assert.equal(await app.log.prune(r, now), 71);
    await app.log.flush();
    const left = await app.log.query({ source: "t" }, { limit: 1000 });
    assert.equal(left.rows.length, 30);
    assert.equal(left.rows.at(-1)!.message, "70");
    const pruned = await app.log.query({ action: "log.pruned" });
    assert.equal(pruned.rows.length, 1);
    assert.match(pruned.rows[0].message, /Pruned 71 log records \(50 by age, 21 by size\)/);
    assert.equal((await app.log.query({ action: "setting.changed" })).rows.length, 1);
    // Full-text rows go with their records.
    assert.equal(await app.log.count({ text: "10" }), 0);
  } finally {
    await done();
  }
});

Deno.test("Log: secrets never reach a record", async () => {
  const { app, done } = await tempApp();
  try {
    app.log.log({
      level: "error",
      source: "plugin:codex",
      message:
        'Cannot parse "config.toml": Authorization: Bearer sk-live-123456789 near api_key = "abcd1234efgh"',
      fields: {
        env: { GITHUB_TOKEN: "ghp_plantedsecret", REF: "${HOME}" },
        headers: { "X-Key": "hdr-secret-value" },
        token: "tok-secret-value",
        bearer_token_env_var: "MY_TOKEN",
      },
    });
    await app.log.flush();
    const [r] = (await app.log.query()).rows;
    const text = JSON.stringify(r);
    for (
      const s of ["sk-live-123456789", "abcd1234efgh", "ghp_plantedsecret", "hdr-secret-value"]
    ) {
      assert.ok(!text.includes(s), s);
    }
    assert.ok(!text.includes("tok-secret-value"));
    assert.equal((r.fields.env as Record<string, string>).REF, "${HOME}");
    assert.equal(r.fields.bearer_token_env_var, "MY_TOKEN");
  } finally {
    await done();
  }
});

Deno.test("Log: a real sync is recorded, and a planted secret appears in no record", async () => {
  const secret = "planted-SECRET-93f1c0de";
  await using s = await sandbox({
    "~/.claude.json": JSON.stringify({
      mcpServers: { gh: { type: "stdio", command: "gh-mcp", env: { GH_TOKEN: secret } } },
    }),
    "~/.codex/config.toml": "# mine\n",
  });
  const report = await s.app.engine.sync({ trigger: "test" });
  assert.ok(report.writes.length > 0);
  // A plugin error quoting the secret (as a parser might) is scrubbed too.
  s.app.bus.publish({ type: "error", source: "plugin:codex", message: `bad value ${secret}` });
  await s.app.log.flush();
  const { rows } = await s.app.log.query({}, { limit: 1000 });
  const actions = new Set(rows.map((r) => r.action));
  for (const a of ["sync.started", "item.add", "file.written", "client.state", "sync.finished"]) {
    assert.ok(actions.has(a), a);
  }
  const written = rows.find((r) => r.action === "file.written")!;
  assert.equal(typeof written.fields.backupId, "number");
  assert.ok(!JSON.stringify(rows).includes(secret));
  const raw = await s.app.state.store.client.execute("SELECT * FROM logs");
  assert.ok(!JSON.stringify(raw.rows).includes(secret));
  // A secret that arrives later, with a changed item, is learnt too.
  const later = "later-SECRET-5b7e21aa";
  await s.write(
    "~/.claude.json",
    JSON.stringify({
      mcpServers: {
        gh: { type: "stdio", command: "gh-mcp", env: { GH_TOKEN: secret } },
        web: { type: "http", url: "http://127.0.0.1:1/mcp", headers: { "X-Key": later } },
      },
    }),
  );
  assert.ok((await s.app.engine.sync({ trigger: "test" })).changes.length > 0);
  s.app.bus.publish({ type: "error", source: "plugin:qwen_code", message: `bad ${later}` });
  await s.app.log.flush();
  const again = await s.app.state.store.client.execute("SELECT * FROM logs");
  assert.ok(JSON.stringify(again.rows).includes("bad ****"));
  assert.ok(!JSON.stringify(again.rows).includes(later));
});

Deno.test("scrubText and ftsQuery", () => {
  assert.equal(scrubText("Bearer ${API_KEY}"), "Bearer ${API_KEY}");
  assert.equal(scrubText("token=abcdef123"), "token=****");
  assert.equal(scrubText('"password": "hunter22"'), '"password": "****"');
  assert.equal(ftsQuery('a "b c*'), '"a" AND "b" AND "c"*');
  assert.equal(ftsQuery("  "), undefined);
});
