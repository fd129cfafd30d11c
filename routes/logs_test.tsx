import assert from "node:assert/strict";
import { parse as parseCsv } from "csv-parse/sync";
import { parquetReadObjects } from "hyparquet";
import { createParser } from "eventsource-parser";
import S3rver from "s3rver";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { setS3Settings } from "../core/s3.ts";
import { sandbox } from "../core/testing.ts";
import { TestClient, type WebSandbox } from "./_testing.ts";
import { logApiRoutes, logRoutes, metricsRoute } from "./logs.tsx";
import { createApp } from "./mod.ts";

const SECRET = "ghp_PLANTEDsecret0042";

const CLAUDE = JSON.stringify({
  mcpServers: {
    github: { type: "stdio", command: "gh-mcp", env: { GITHUB_TOKEN: SECRET } },
    docs: { type: "http", url: "http://127.0.0.1:9/docs", headers: { "X-Api-Key": SECRET } },
  },
});

async function signedIn(): Promise<{ s: WebSandbox; client: TestClient }> {
  const box = await sandbox({ "~/.claude.json": CLAUDE });
  const web = createApp(box.app, {
    notifierOptions: { onFailure: () => {}, retries: 0 },
    mounts: [
      { path: "/logs", app: logRoutes(box.app) },
      { path: "/", app: logApiRoutes(box.app) },
      { path: "/", app: metricsRoute(box.app) },
    ],
  });
  const close = box.close;
  const s: WebSandbox = Object.assign(box, {
    web,
    async close() {
      await web.close();
      await close();
    },
  });
  const client = new TestClient(s.web);
  await client.setup();
  return { s, client };
}

Deno.test("logs page: records of a real sync, filters, detail with a masked before/after diff", async () => {
  const { s, client } = await signedIn();
  try {
    const r = await s.app.engine.sync({ trigger: "test" });
    assert.ok(r.writes.length > 0);
    await s.app.log.flush();

    const res = await client.request("/logs");
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<h1>Logs<\/h1>/);
    assert.match(html, /Sync finished in \d+ ms/);
    assert.match(html, /sse-connect="\/logs\/tail"/);
    assert.ok(!html.includes(SECRET));

    const writes = await client.request("/logs?action=file.written&client=codex");
    const wh = await writes.text();
    assert.match(wh, /Wrote [^<]*config\.toml/);
    assert.ok(!/Sync finished/.test(wh));
    assert.match(wh, /sse-connect="\/logs\/tail\?client=codex&amp;action=file.written"/);

    const bad = await client.request("/logs?from=someday");
    assert.equal(bad.status, 400);
    assert.match(
      await bad.text(),
      /Cannot use the filter &quot;from&quot;: Cannot parse &quot;someday&quot;/,
    );

    // One write's detail: the diff of the file, secrets masked, a restore form for the backup.
    const rec = (await s.app.log.query({ action: "file.written", client: "codex" })).rows[0];
    const detail = await client.request(`/logs/${rec.id}`, { hx: true });
    const dh = await detail.text();
    assert.equal(detail.status, 200);
    assert.ok(!dh.includes("<html"), "a fragment for htmx");
    assert.match(dh, /Change to [^<]*config\.toml/);
    assert.match(dh, /class="add">\+\[mcp_servers.github\]/);
    assert.match(dh, /GITHUB_TOKEN = &quot;\*\*\*\*&quot;|GITHUB_TOKEN = "\*\*\*\*"/);
    assert.ok(!dh.includes(SECRET));
    assert.match(dh, new RegExp(`action="/backups/${rec.fields.backupId}/restore"`));
    assert.equal((await client.request("/logs/999999")).status, 404);
  } finally {
    await s.close();
  }
});

Deno.test("logs: older rows page by cursor; exports from the API in every format", async () => {
  const { s, client } = await signedIn();
  try {
    const now = Date.now();
    for (let i = 0; i < 250; i++) {
      s.app.log.log({
        at: now - 1000 + i,
        level: i % 2 ? "info" : "warn",
        source: "test",
        client: "codex",
        message: `row ${i}, "quoted"`,
        fields: { i },
      });
    }
    await s.app.log.flush();
    const first = await (await client.request("/logs?source=test")).text();
    assert.equal((first.match(/class="log-row /g) ?? []).length, 100);
    const cursor = first.match(/hx-get="\/logs\/rows\?source=test&amp;cursor=([0-9.]+)"/)![1];
    const more =
      await (await client.request(`/logs/rows?source=test&cursor=${cursor}`, { hx: true }))
        .text();
    assert.equal((more.match(/class="log-row /g) ?? []).length, 100);
    assert.match(more, /hx-swap-oob="beforeend:#log-rows"/);

    const api = await (await client.request("/api/v1/logs?source=test&level=warn&limit=10")).json();
    assert.equal(api.records.length, 10);
    assert.ok(api.next);

    const want = (await s.app.log.query({ source: "test", level: "warn" }, { limit: 1000 })).rows
      .map((r) => r.id).sort((a, b) => a - b);
    for (const format of ["csv", "json", "ndjson", "parquet"]) {
      const res = await client.request(
        `/api/v1/logs/export?format=${format}&source=test&level=warn`,
      );
      assert.equal(res.status, 200, format);
      assert.match(
        res.headers.get("Content-Disposition")!,
        new RegExp(`aisync-logs-.*\\.${format}"`),
      );
      const bytes = new Uint8Array(await res.arrayBuffer());
      const text = new TextDecoder().decode(bytes);
      const rows: Record<string, unknown>[] = format === "csv"
        ? parseCsv(text, { columns: true })
        : format === "json"
        ? JSON.parse(text)
        : format === "ndjson"
        ? text.split("\n").filter(Boolean).map((l) => JSON.parse(l))
        : await parquetReadObjects({ file: bytes.buffer });
      assert.deepEqual(rows.map((r) => Number(r.id)), want, format);
    }
    const bad = await client.request("/api/v1/logs/export?format=xlsx");
    assert.equal(bad.status, 400);
    const settings = await client.request("/api/v1/settings/export?format=ndjson");
    assert.equal(settings.status, 200);
    assert.match(await settings.text(), /^\{"section":"project","key":"\//);
  } finally {
    await s.close();
  }
});

Deno.test("logs: live tail streams new records that match, and replays after Last-Event-ID", async () => {
  const { s, client } = await signedIn();
  try {
    const ac = new AbortController();
    const res = await client.request("/logs/tail?level=warn", { signal: ac.signal });
    assert.equal(res.headers.get("Content-Type"), "text/event-stream");
    const events: { event?: string; data: string; id?: string }[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e) });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const until = async (n: number) => {
      while (events.length < n) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
    };
    s.app.log.log({ level: "info", source: "test", message: "quiet one" });
    s.app.log.log({ level: "error", source: "test", message: "loud one" });
    await s.app.log.flush();
    await until(1);
    assert.equal(events[0].event, "log");
    assert.match(events[0].data, /loud one/);
    assert.ok(!events[0].data.includes("quiet one"));
    const lastId = Number(events[0].id);
    ac.abort();
    await reader.cancel().catch(() => {});

    // Missed while away: replayed on reconnect.
    s.app.log.log({ level: "warn", source: "test", message: "while away" });
    await s.app.log.flush();
    const ac2 = new AbortController();
    const again = await client.request("/logs/tail?level=warn", {
      signal: ac2.signal,
      headers: { "Last-Event-ID": String(lastId) },
    });
    const r2 = again.body!.pipeThrough(new TextDecoderStream()).getReader();
    const got: string[] = [];
    const p2 = createParser({ onEvent: (e) => got.push(e.data) });
    while (!got.length) {
      const { value, done } = await r2.read();
      if (done) break;
      p2.feed(value);
    }
    assert.match(got[0], /while away/);
    assert.ok(!got[0].includes("loud one"));
    ac2.abort();
    await r2.cancel().catch(() => {});
  } finally {
    await s.close();
  }
});

Deno.test("/metrics: Prometheus text fed from the bus, no secret anywhere", async () => {
  const { s, client } = await signedIn();
  try {
    await s.app.engine.sync({ trigger: "test" });
    s.app.bus.publish({ type: "error", source: "plugin:codex", message: `oops ${SECRET}` });
    await s.app.log.flush();
    const res = await client.request("/metrics");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("Content-Type")!, /text\/plain/);
    const text = await res.text();
    // The value of the sample `name` whose labels include `labels`.
    const sample = (name: string, labels: Record<string, string> = {}) => {
      const line = text.split("\n").find((l) =>
        l.startsWith(name) && (l[name.length] === "{" || l[name.length] === " ") &&
        Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`))
      );
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
    };
    assert.equal(sample("aisync_syncs_total", { trigger: "test" }), 1);
    assert.ok(sample("aisync_writes_total", { client: "codex" })! >= 1);
    assert.equal(sample("aisync_errors_total", { source: "plugin:codex" }), 1);
    assert.ok(sample("aisync_propagation_seconds_count")! >= 1);
    assert.ok(
      sample("aisync_plugin_call_seconds_count", { plugin: "claude_code", op: "read" })! >= 1,
    );
    assert.ok(sample("aisync_log_records_total", { level: "info" })! >= 1);
    assert.equal(sample("aisync_sync_duration_seconds_count"), 1);
    assert.ok(!text.includes(SECRET));
    // Behind sign-in like everything else.
    const anon = new TestClient(s.web);
    assert.equal((await anon.request("/metrics")).status, 303);
    assert.equal((await anon.request("/api/v1/logs/export?format=csv")).status, 401);
  } finally {
    await s.close();
  }
});

Deno.test("logs: retention form saves, validates and is recorded", async () => {
  const { s, client } = await signedIn();
  try {
    const ok = await client.post("/logs/retention", {
      maxAgeDays: "7",
      maxRecords: "5000",
      maxMb: "10",
    }, { hx: true });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /Saved\./);
    assert.deepEqual(await s.app.log.retention(), {
      maxAgeDays: 7,
      maxRecords: 5000,
      maxMb: 10,
      everyMinutes: 60,
    });
    const bad = await client.post("/logs/retention", { maxAgeDays: "-3" }, { hx: true });
    assert.equal(bad.status, 422);
    assert.match(await bad.text(), /Cannot save &quot;maxAgeDays&quot;/);
    await s.app.log.flush();
    const rec = (await s.app.log.query({ action: "setting.changed", source: "web" })).rows;
    assert.ok(rec.some((r) => /admin changed the log retention/.test(r.message)));
    // Without the CSRF token: refused.
    const forged = await client.post("/logs/retention", { maxAgeDays: "1" }, { csrf: false });
    assert.equal(forged.status, 403);
  } finally {
    await s.close();
  }
});

Deno.test("logs: the S3 form uploads an export to a real S3-compatible server", async () => {
  const { s, client } = await signedIn();
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: `${s.root}/s3`,
    configureBuckets: [{ name: "exports", configs: [] }],
  });
  const { port } = await server.run();
  try {
    await setS3Settings(s.app, {
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
    });
    s.app.log.log({ level: "warn", source: "test", message: "to the bucket" });
    await s.app.log.flush();
    const res = await client.post("/logs/s3", {
      target: "s3://exports/from-ui.ndjson",
      what: "logs",
      format: "ndjson",
      f_level: "warn",
    }, { hx: true });
    const html = await res.text();
    assert.equal(res.status, 200, html);
    assert.match(html, /Uploaded \d+ bytes to s3:\/\/exports\/from-ui.ndjson \(1 parts\)/);
    const s3 = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    const obj = await s3.send(new GetObjectCommand({ Bucket: "exports", Key: "from-ui.ndjson" }));
    const lines = (await obj.Body!.transformToString()).split("\n").filter(Boolean);
    s3.destroy();
    assert.ok(lines.length >= 1);
    assert.ok(lines.every((l) => ["warn", "error"].includes(JSON.parse(l).level)));
    const bad = await client.post("/logs/s3", { target: "s3://nope/x.csv", format: "csv" }, {
      hx: true,
    });
    assert.equal(bad.status, 502);
    assert.match(await bad.text(), /Cannot upload to &quot;s3:\/\/nope\/x.csv&quot;/);
  } finally {
    await server.close();
    await s.close();
  }
});
