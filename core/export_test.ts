import assert from "node:assert/strict";
import { parse as parseCsv } from "csv-parse/sync";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { type App, openApp } from "./app.ts";
import {
  applyImport,
  exportLogs,
  exportSettings,
  FORMATS,
  planImport,
  readSettingsFile,
} from "./export.ts";
import { runExportCli } from "./export_cli.ts";
import type { LogRow } from "./log.ts";
import { sandbox } from "./testing.ts";

const SECRET = "planted-SECRET-7d1e55aa";

async function bytesOf(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

/** Reads an export back with a reader that is not ours, into plain objects. */
async function readBack(format: string, bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const text = () => new TextDecoder().decode(bytes);
  switch (format) {
    case "csv":
      return parseCsv(text(), { columns: true });
    case "json":
      return JSON.parse(text());
    case "ndjson":
      return text().split("\n").filter(Boolean).map((l) => JSON.parse(l));
    default:
      return await parquetReadObjects({ file: bytes.slice().buffer });
  }
}

/** A read-back log row in the shape of a stored record (each format's types undone). */
function normalise(format: string, r: Record<string, unknown>) {
  const nul = (v: unknown) => (v === "" && format === "csv" ? null : v ?? null);
  const time = r.time instanceof Date ? r.time.getTime() : Date.parse(String(r.time));
  return {
    id: Number(r.id),
    at: time,
    level: r.level,
    source: r.source,
    client: nul(r.client),
    item: nul(r.item),
    action: nul(r.action),
    message: r.message,
    fields: typeof r.fields === "string" ? JSON.parse(r.fields) : r.fields,
    eventId: nul(r.event_id) === null ? null : Number(r.event_id),
  };
}

async function appWithRecords(): Promise<{ app: App; root: string; rows: LogRow[] }> {
  const root = await Deno.makeTempDir({ prefix: "aisync-export-" });
  const app = await openApp({ home: `${root}/home`, dataDir: `${root}/data`, env: {} });
  const now = Date.now();
  for (let i = 0; i < 2500; i++) {
    app.log.log({
      at: now - 10_000 + i,
      level: (["debug", "info", "warn", "error"] as const)[i % 4],
      source: "engine",
      client: i % 3 ? "codex" : null,
      item: i % 5 ? `mcp:user:s${i % 7}` : null,
      action: "file.written",
      // Quotes, commas, new lines and non-ASCII: what CSV must get right.
      message: `line "${i}", with comma\nand a second line — ünïcödé 🙂`,
      fields: { n: i, path: `/home/u/x${i}.json`, nested: { a: [1, 2] } },
      eventId: i % 2 ? i : null,
    });
  }
  await app.log.flush();
  const rows = (await app.log.query({}, { limit: 1000 })).rows;
  return { app, root, rows };
}

Deno.test("export logs: every format read back by an independent reader equals the records", async () => {
  const { app, root } = await appWithRecords();
  try {
    const all: LogRow[] = [];
    for await (const page of app.log.pages({ level: "warn" })) {
      all.push(...page.map((r) => ({ ...r, fields: JSON.parse(r.fields) })));
    }
    assert.equal(all.length, 1250);
    for (const format of FORMATS) {
      // Small pages and row groups that do not line up with them: rows carried over between
      // pages, many row groups (1250 rows: 4 of 300 and one of 50).
      const bytes = await bytesOf(
        exportLogs(app, { level: "warn" }, format, { pageSize: 700, rowGroupSize: 300 }),
      );
      const back = (await readBack(format, bytes)).map((r) => normalise(format, r));
      assert.deepEqual(back, all, format);
      if (format === "parquet") {
        const meta = parquetMetadata(bytes.slice().buffer);
        assert.deepEqual(meta.row_groups.map((g) => Number(g.num_rows)), [300, 300, 300, 300, 50]);
        const types = Object.fromEntries(
          meta.schema.slice(1).map((s) => [s.name, `${s.type}/${s.converted_type ?? ""}`]),
        );
        assert.equal(types.id, "INT64/");
        assert.equal(types.time, "INT64/TIMESTAMP_MILLIS");
        assert.equal(types.message, "BYTE_ARRAY/UTF8");
        // JSON as the logical type: the document itself, not a JSON string holding it.
        assert.equal(types.fields, "BYTE_ARRAY/");
        assert.deepEqual(meta.schema.find((s) => s.name === "fields")?.logical_type, {
          type: "JSON",
        });
      }
    }
    // No match: still a valid, empty file in every format.
    for (const format of FORMATS) {
      const bytes = await bytesOf(exportLogs(app, { client: "nobody" }, format));
      assert.deepEqual(await readBack(format, bytes), [], format);
    }
  } finally {
    await app.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("export settings, then import on an empty data dir: settings, policies and items come back", async () => {
  const s = await sandbox({
    "~/.claude.json": JSON.stringify({
      mcpServers: {
        gh: { type: "stdio", command: "gh-mcp", env: { GH_TOKEN: SECRET, REF: "${HOME}" } },
        web: { type: "http", url: "http://127.0.0.1:9/mcp" },
      },
    }),
    "~/.claude/CLAUDE.md": "# Be brief\n",
  });
  const roots: string[] = [];
  try {
    await s.app.state.setPolicy("codex", {
      enabled: true,
      direction: "receive",
      kinds: ["mcp"],
      scopes: "user",
      mode: "ask",
    });
    await s.app.state.setPreferredClient("claude_code");
    await s.app.state.setPropagateDeletes(false);
    await s.app.state.setBackupRetention({ kept: 9, days: 2 });
    const r = await s.app.engine.sync({ trigger: "test" });
    assert.deepEqual(r.errors, []);
    const base = await s.app.state.base();
    assert.ok(base.size >= 3);
    const policies = await s.app.state.policies(["codex", "claude_code"]);
    for (const format of FORMATS) {
      const bytes = await bytesOf(exportSettings(s.app, format));
      assert.ok(!new TextDecoder().decode(bytes).includes(SECRET), `secret in ${format}`);
      const rows = await readSettingsFile(bytes);
      assert.ok(rows.some((x) => x.section === "history"));

      const root = await Deno.makeTempDir({ prefix: "aisync-import-" });
      roots.push(root);
      const other = await openApp({ home: `${root}/home`, dataDir: `${root}/data`, env: {} });
      try {
        const plan = await planImport(other, rows);
        // Dry run: nothing changed yet.
        assert.equal((await other.state.base()).size, 0);
        assert.ok(plan.changes.some((c) => c.section === "item" && c.action === "add"));
        const gh = plan.changes.find((c) => c.key === "mcp:user:gh")!;
        assert.deepEqual(gh.masked, ["env.GH_TOKEN"]);
        await applyImport(other, plan);
        const got = await other.state.base();
        assert.deepEqual([...got.keys()].sort(), [...base.keys()].sort(), format);
        for (const [k, v] of base) {
          const want = structuredClone(v.item.value) as Record<string, unknown>;
          // The masked secret is not imported; everything else is.
          if (k === "mcp:user:gh") delete (want.env as Record<string, string>).GH_TOKEN;
          assert.deepEqual(got.get(k)!.item.value, want, `${format} ${k}`);
        }
        assert.deepEqual(await other.state.policies(["codex", "claude_code"]), policies);
        assert.equal(await other.state.preferredClient(), "claude_code", format);
        assert.equal(await other.state.propagatesDeletes(), false, format);
        assert.deepEqual(await other.state.backupRetention(), { kept: 9, days: 2 }, format);
        assert.deepEqual(
          (await other.state.projects()).map((p) => p.path),
          (await s.app.state.projects()).map((p) => p.path),
        );
        const hist = await other.state.history("mcp:user:web");
        assert.equal(hist.length, (await s.app.state.history("mcp:user:web")).length);
        // Importing again changes nothing.
        const again = await planImport(other, rows);
        assert.ok(again.changes.every((c) => c.action === "same"), format);
        assert.equal(again.history.length, 0);
      } finally {
        await other.close();
      }
    }
  } finally {
    await s.close();
    for (const r of roots) await Deno.remove(r, { recursive: true });
  }
});

Deno.test("import refuses an unknown or malformed setting, naming it, and changes nothing", async () => {
  const root = await Deno.makeTempDir({ prefix: "aisync-import-" });
  const app = await openApp({ home: `${root}/home`, dataDir: `${root}/data`, env: {} });
  try {
    const csv = (key: string, value: string) =>
      new TextEncoder().encode(
        `section,key,client,value,meta,source,time\nsetting,${key},,"${value}",,,\n`,
      );
    const cases: [Uint8Array, RegExp][] = [
      [csv("userPluginApproval", '{""value"":true}'), /setting "userPluginApproval": no such/],
      [csv("propagateDeletes", '{""value"":""no""}'), /setting "propagateDeletes": .*boolean/],
      [csv("backupRetention", '{""value"":{""kept"":0,""days"":1}}'), /"backupRetention": .*>=1/],
    ];
    for (const [bytes, why] of cases) {
      await assert.rejects(async () => planImport(app, await readSettingsFile(bytes)), why);
    }
    assert.equal(await app.state.propagatesDeletes(), true);
    assert.deepEqual(await app.state.backupRetention(), { kept: 50, days: 30 });
  } finally {
    await app.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a planted secret appears in no log export, in any format", async () => {
  await using s = await sandbox({
    "~/.claude.json": JSON.stringify({
      mcpServers: {
        gh: { type: "http", url: "http://127.0.0.1:9/x", headers: { Authorization: SECRET } },
      },
    }),
  });
  await s.app.engine.sync({ trigger: "test" });
  // A record written before the log knew the secret (a client's parse error quoting it).
  s.app.log.log({ level: "error", source: "plugin:codex", message: `bad line: ${SECRET}` });
  s.app.bus.publish({ type: "error", source: "plugin:qwen_code", message: `x ${SECRET} y` });
  await s.app.log.flush();
  assert.ok((await s.app.log.count()) > 5);
  for (const format of FORMATS) {
    const bytes = await bytesOf(exportLogs(s.app, {}, format));
    const text = new TextDecoder().decode(bytes);
    assert.ok(!text.includes(SECRET), format);
    const back = await readBack(format, bytes);
    assert.ok(!JSON.stringify(back, (_, v) => typeof v === "bigint" ? 0 : v).includes(SECRET));
  }
});

Deno.test("aisync export / import from the CLI", async () => {
  const { app, root } = await appWithRecords();
  const lines: string[] = [];
  const out = { log: (s: string) => lines.push(s), error: (s: string) => lines.push(s) };
  try {
    const file = `${root}/logs.csv`;
    assert.equal(
      await runExportCli(app, "export", ["logs", "--out", file, "--level", "error"], out),
      0,
    );
    const rows: Record<string, string>[] = parseCsv(await Deno.readTextFile(file), {
      columns: true,
    });
    assert.equal(rows.length, 625);
    assert.ok(rows.every((r) => r.level === "error"));
    // Standard output, with a time filter.
    const chunks: Uint8Array[] = [];
    const since = new Date(Date.now() - 60_000).toISOString();
    const code = await runExportCli(
      app,
      "export",
      ["logs", "--format", "ndjson", "--since", since, "--client", "codex", "--text", "x25*"],
      { ...out, write: (b) => Promise.resolve(void chunks.push(b)) },
    );
    assert.equal(code, 0);
    const nd = new TextDecoder().decode(await bytesOf(new Blob(chunks as BlobPart[]).stream()));
    assert.ok(nd.split("\n").filter(Boolean).every((l) => JSON.parse(l).client === "codex"));
    // x25 and x250…x259, less those without a client (i % 3 === 0).
    assert.equal(nd.split("\n").filter(Boolean).length, 8);
    // Errors are said plainly.
    assert.equal(await runExportCli(app, "export", ["logs", "--format", "xml"], out), 1);
    assert.match(lines.at(-1)!, /--format must be one of/);
    assert.equal(
      await runExportCli(app, "export", ["logs", "-f", "csv", "--since", "yesterday"], out),
      1,
    );
    assert.match(lines.at(-1)!, /--since: Cannot parse "yesterday" as a time/);
    // Settings round trip: dry run first, then --apply.
    await app.state.setPolicy("codex", {
      enabled: false,
      direction: "both",
      kinds: ["mcp"],
      scopes: "all",
      mode: "auto",
    });
    const sfile = `${root}/settings.parquet`;
    assert.equal(await runExportCli(app, "export", ["settings", "--out", sfile], out), 0);
    await app.state.store.client.execute("DELETE FROM policies");
    lines.length = 0;
    assert.equal(await runExportCli(app, "import", ["settings", sfile], out), 0);
    assert.ok(lines.some((l) => /would add\s+policy\s+codex/.test(l)), lines.join("\n"));
    assert.equal((await app.state.policies(["codex"])).get("codex")!.enabled, true);
    assert.equal(await runExportCli(app, "import", ["settings", sfile, "--apply"], out), 0);
    assert.equal((await app.state.policies(["codex"])).get("codex")!.enabled, false);
    // A broken file is refused with the row and the reason.
    await Deno.writeTextFile(
      `${root}/bad.json`,
      '[{"section":"policy","client":"codex","value":3}]',
    );
    assert.equal(await runExportCli(app, "import", ["settings", `${root}/bad.json`], out), 1);
    assert.match(lines.at(-1)!, /Cannot read row 1 of the settings file: value/);
  } finally {
    await app.close();
    await Deno.remove(root, { recursive: true });
  }
});
