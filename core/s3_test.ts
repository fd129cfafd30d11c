import assert from "node:assert/strict";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { type App, openApp } from "./app.ts";
import { exportLogs } from "./export.ts";
import { runExportCli } from "./export_cli.ts";
import {
  type ExportSchedule,
  nextRun,
  parseS3Url,
  PART_SIZE,
  runScheduledExport,
  s3Settings,
  setExportSchedule,
  setS3Settings,
} from "./s3.ts";

interface Fixture {
  app: App;
  root: string;
  endpoint: string;
  get(bucket: string, key: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A real S3-compatible server (s3rver) on loopback, and an aisync with some records. */
async function fixture(records: number, messageBytes = 40): Promise<Fixture> {
  const root = await Deno.makeTempDir({ prefix: "aisync-s3-" });
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: `${root}/s3`,
    configureBuckets: [{ name: "exports", configs: [] }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const app = await openApp({ home: `${root}/home`, dataDir: `${root}/data`, env: {} });
  const pad = "x".repeat(messageBytes);
  for (let i = 0; i < records; i++) {
    app.log.log({ level: "info", source: "engine", message: `record ${i} ${pad}`, fields: { i } });
    if (i % 20_000 === 19_999) await app.log.flush();
  }
  await app.log.flush();
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  return {
    app,
    root,
    endpoint,
    async get(bucket, key) {
      const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await r.Body!.transformToByteArray();
    },
    async close() {
      client.destroy();
      await app.close();
      await server.close();
      await Deno.remove(root, { recursive: true });
    },
  };
}

async function bytesOf(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

Deno.test("S3: aisync export --to uploads the export; a large one goes in parts", async () => {
  // About 20 MB of NDJSON: three 8 MiB parts.
  const f = await fixture(40_000, 300);
  const lines: string[] = [];
  const out = { log: (s: string) => lines.push(s), error: (s: string) => lines.push(s) };
  try {
    await setS3Settings(f.app, {
      endpoint: f.endpoint,
      region: "us-east-1",
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
    });
    const code = await runExportCli(
      f.app,
      "export",
      ["logs", "--format", "ndjson", "--to", "s3://exports/aisync/logs.ndjson"],
      out,
    );
    assert.equal(code, 0, lines.join("\n"));
    const m = lines.at(-1)!.match(
      /^Uploaded (\d+) bytes to s3:\/\/exports\/aisync\/logs.ndjson \((\d+) parts\)$/,
    );
    assert.ok(m, lines.join("\n"));
    assert.equal(Number(m[2]), Math.ceil(Number(m[1]) / PART_SIZE));
    const got = await f.get("exports", "aisync/logs.ndjson");
    const want = await bytesOf(exportLogs(f.app, { source: "engine" }, "ndjson"));
    assert.ok(got.byteLength > 16 * 1024 * 1024);
    assert.equal(got.byteLength, want.byteLength);
    assert.deepEqual(got, want);

    // A small one: one request; the parquet file arrives whole.
    assert.equal(
      await runExportCli(
        f.app,
        "export",
        ["settings", "-f", "parquet", "--to", "s3://exports/settings.parquet"],
        out,
      ),
      0,
    );
    assert.match(lines.at(-1)!, /\(1 part\)/);
    const pq = await f.get("exports", "settings.parquet");
    assert.equal(new TextDecoder().decode(pq.subarray(0, 4)), "PAR1");

    // The secret key is in no record, only that it is set.
    await f.app.log.flush();
    const text = JSON.stringify((await f.app.log.query({ action: "setting.changed" })).rows);
    assert.match(text, /S3 export settings changed/);
    assert.ok(!text.includes("S3RVER"));

    // A bucket that does not exist: a clear error, exit code 1.
    assert.equal(
      await runExportCli(f.app, "export", ["logs", "-f", "csv", "--to", "s3://nope/x.csv"], out),
      1,
    );
    assert.match(lines.at(-1)!, /Cannot upload to "s3:\/\/nope\/x.csv"/);
  } finally {
    await f.close();
  }
});

Deno.test("S3: credentials and endpoint from the standard variables", async () => {
  const f = await fixture(10);
  try {
    const env = {
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_REGION: "eu-west-1",
      AWS_ENDPOINT_URL: f.endpoint,
    };
    const s = await s3Settings(f.app, env);
    assert.deepEqual(s, {
      endpoint: f.endpoint,
      region: "eu-west-1",
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      virtualHosted: undefined,
    });
    const sched: ExportSchedule = {
      enabled: true,
      what: "both",
      format: "csv",
      target: "s3://exports/daily/",
      hour: 3,
    };
    const now = Date.UTC(2030, 4, 6, 4);
    const results = await runScheduledExport(f.app, sched, { now, env });
    assert.deepEqual(results.map((r) => r.url), [
      "s3://exports/daily/aisync-logs-2030-05-06.csv",
      "s3://exports/daily/aisync-settings-2030-05-06.csv",
    ]);
    assert.match(
      new TextDecoder().decode(await f.get("exports", "daily/aisync-settings-2030-05-06.csv")),
      /^section,key,client,value,meta,source,time\n/,
    );
    // The run is recorded in the log, and remembered.
    await f.app.log.flush();
    const runs = (await f.app.log.query({ action: "export.scheduled" })).rows;
    assert.equal(runs.length, 2);
    const stored = await setExportSchedule(f.app, { ...sched, hour: 5 });
    assert.equal(stored.hour, 5);
    // A failing run is recorded as an error, and does not throw.
    await runScheduledExport(f.app, { ...sched, target: "s3://missing-bucket/" }, { now, env });
    await f.app.log.flush();
    assert.equal((await f.app.log.query({ action: "export.failed" })).rows.length, 2);
  } finally {
    await f.close();
  }
});

Deno.test("S3: URLs and the daily schedule", () => {
  assert.deepEqual(parseS3Url("s3://my-bucket/a/b.csv"), { bucket: "my-bucket", key: "a/b.csv" });
  assert.throws(() => parseS3Url("http://x/y"), /Cannot parse "http:\/\/x\/y"/);
  assert.throws(() => parseS3Url("s3://bucket"), /expected s3:\/\/bucket\/key/);
  const s: ExportSchedule = {
    enabled: true,
    what: "logs",
    format: "parquet",
    target: "s3://b/",
    hour: 3,
  };
  const day = Date.UTC(2030, 0, 10);
  const h = 3_600_000;
  // Never ran: due at today's hour.
  assert.equal(nextRun(s, day + 1 * h), day + 3 * h);
  assert.equal(nextRun(s, day + 5 * h), day + 3 * h);
  // Ran today: tomorrow. Ran yesterday: today.
  assert.equal(nextRun({ ...s, lastRun: day + 3 * h + 10 }, day + 5 * h), day + 27 * h);
  assert.equal(nextRun({ ...s, lastRun: day - 20 * h }, day + 1 * h), day + 3 * h);
});
