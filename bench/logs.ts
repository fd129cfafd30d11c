/**
 * Log benchmarks: ingest rate, a filtered query over 1 M records (p95), and exporting 1 M records
 * to Parquet and to CSV (time and peak RSS, each export in a fresh process so its peak is its
 * own). The exports run over a tenth as many records too: memory must stay flat, so the peak of
 * 1 M is compared with that of 100 k. `deno run -A bench/logs.ts [records]` prints the figures;
 * bench/mod.ts calls {@linkcode benchLogs}.
 *
 * @module
 */
import { type App, openApp } from "../core/app.ts";
import { exportLogs, type Format } from "../core/export.ts";
import type { LogFilter } from "../core/log.ts";

const CLIENTS = ["claude_code", "codex", "qwen_code", "rovo_dev", "gemini_cli", "cursor"];
/** Secret values the store knows (env values of MCP servers). */
const SECRETS = 20;

/** Feeds `n` records shaped like a busy machine's through the real log writer; returns records/s. */
async function ingest(app: App, n: number): Promise<number> {
  const started = performance.now();
  const t0 = Date.now() - n * 10;
  for (let i = 0; i < n; i++) {
    const client = CLIENTS[i % CLIENTS.length];
    const kind = i % 10;
    app.log.log({
      at: t0 + i * 10,
      level: kind === 9 ? "error" : kind === 8 ? "warn" : kind < 2 ? "debug" : "info",
      source: kind < 2 ? "watcher" : "engine",
      client,
      item: kind < 5 ? `mcp:user:server${i % 500}` : null,
      action: ["watch.change", "sync.started", "item.change", "file.written", "client.state"][
        kind % 5
      ],
      message: kind === 9
        ? `Cannot parse "/home/u/.${client}/settings.json": unexpected token at line ${i % 300}`
        : `Wrote /home/u/.${client}/config.toml (backup ${i})`,
      fields: { path: `/home/u/.${client}/config.toml`, backupId: i, ms: i % 97 },
      eventId: i,
    });
    // A producer faster than the disk waits for the writer (the bus would not, but it never
    // produces a million records at once).
    if (app.log.pending >= 20_000) await app.log.flush();
  }
  await app.log.flush();
  return n / ((performance.now() - started) / 1000);
}

function percentile(list: number[], p: number): number {
  const s = [...list].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** p95 (ms) of the viewer's first page for a mix of filters. */
async function queries(app: App, rounds: number): Promise<Record<string, number>> {
  const now = Date.now();
  const filters: [string, LogFilter][] = [
    ["client_level", { client: "codex", level: "warn" }],
    ["item", { item: "mcp:user:server42" }],
    ["errors_last_hour", { level: "error", from: now - 3_600_000 }],
    ["text", { text: "server42" }],
    ["text_and_client", { text: "unexpected", client: "cursor" }],
    ["action_prefix", { action: "sync.*", client: "rovo_dev" }],
  ];
  const out: Record<string, number> = {};
  const all: number[] = [];
  for (const [name, f] of filters) {
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      const page = await app.log.query(f, { limit: 100 });
      // The second page too: the cursor path must be as fast.
      if (page.next) await app.log.query(f, { limit: 100, cursor: page.next });
      times.push((performance.now() - t) / (page.next ? 2 : 1));
    }
    out[`logs_query_${name}_p95_ms`] = round(percentile(times, 95));
    all.push(...times);
  }
  out.logs_query_p95_ms = round(percentile(all, 95));
  return out;
}

function round(n: number, d = 2): number {
  return Math.round(n * 10 ** d) / 10 ** d;
}

/** CPU seconds this process used so far (user + system), where /proc tells. */
function cpuSeconds(): number {
  try {
    const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

function peakRssMb(): number {
  // VmHWM is the process's peak resident set; elsewhere, the current RSS is the best we have.
  try {
    const m = Deno.readTextFileSync("/proc/self/status").match(/VmHWM:\s+(\d+) kB/);
    if (m) return Number(m[1]) / 1024;
  } catch { /* not Linux */ }
  return Deno.memoryUsage().rss / 1024 / 1024;
}

/** Child mode: export every record of the data dir to `out`; print time, bytes and peak RSS. */
async function exportChild(dir: string, format: Format, out: string) {
  const app = await openApp({ home: `${dir}/home`, dataDir: `${dir}/data`, env: {} });
  const before = peakRssMb();
  const cpu0 = cpuSeconds();
  const t = performance.now();
  let bytes = 0;
  // The peak so far after each chunk: where it stops growing shows memory is flat.
  const peaks: number[] = [];
  const file = await Deno.open(out, { write: true, create: true, truncate: true });
  await exportLogs(app, {}, format).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(c, ctl) {
        bytes += c.byteLength;
        peaks.push(peakRssMb());
        ctl.enqueue(c);
      },
    }),
  ).pipeTo(file.writable);
  const ms = performance.now() - t;
  const cpu = cpuSeconds() - cpu0;
  await app.close();
  const at = (share: number) => peaks[Math.max(0, Math.ceil(peaks.length * share) - 1)];
  console.log(JSON.stringify({
    ms,
    cpu,
    bytes,
    peakRssMb: peakRssMb(),
    openRssMb: before,
    peakRss20Mb: at(0.2),
    peakRss50Mb: at(0.5),
  }));
}

async function exportIn(dir: string, format: Format) {
  const out = `${dir}/export.${format}`;
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--export", dir, format, out],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!child.success) throw new Error(`Cannot export ${format}: the child failed`);
  await Deno.remove(out);
  return JSON.parse(new TextDecoder().decode(child.stdout).trim().split("\n").at(-1)!) as {
    ms: number;
    cpu: number;
    bytes: number;
    peakRssMb: number;
    openRssMb: number;
    peakRss20Mb: number;
    peakRss50Mb: number;
  };
}

/** `1m`, `100k`, `2500`: a record count as a figure's name says it. */
function countName(n: number): string {
  return n % 1_000_000 === 0 ? `${n / 1_000_000}m` : n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

/**
 * Fills a fresh data dir with `records` log records (kept whatever the retention); with
 * `figures`, the ingest rate and the query times go there.
 */
async function fillLog(dir: string, records: number, figures?: Record<string, number>) {
  const app = await openApp({ home: `${dir}/home`, dataDir: `${dir}/data`, env: {} });
  try {
    // Keep every record: the benchmark is about a full log.
    await app.log.setRetention({ maxAgeDays: 0, maxRecords: 0, maxMb: 0 });
    // Secrets the log knows and masks, as on a real machine: every record written or exported is
    // checked for them.
    await app.state.commit({
      upsert: Array.from({ length: SECRETS }, (_, i) => ({
        item: {
          kind: "mcp" as const,
          scope: "user",
          name: `secret${i}`,
          value: {
            transport: "stdio" as const,
            command: "npx",
            env: { API_TOKEN: `tok-${i}-${crypto.randomUUID()}` },
          },
        },
        omit: [],
      })),
      remove: [],
      history: [],
      views: [],
    });
    const cpu0 = cpuSeconds();
    const rate = await ingest(app, records);
    const cpu = cpuSeconds() - cpu0;
    await app.state.store.client.execute("PRAGMA optimize");
    if (figures) {
      figures.logs_ingest_per_s = Math.round(rate);
      figures.logs_ingest_per_cpu_s = Math.round(records / cpu);
      Object.assign(figures, await queries(app, 20));
    }
  } finally {
    await app.close();
  }
}

/** Runs every log benchmark over `records` records (default 1 M); returns the figures. */
export async function benchLogs(records = 1_000_000): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const dirs: string[] = [];
  try {
    out.logs_records = records;
    // A tenth as many records too, to show the export's memory does not grow with their number.
    const small = Math.round(records / 10);
    for (const n of [records, small]) {
      dirs.push(await Deno.makeTempDir({ prefix: "aisync-bench-logs-" }));
      await fillLog(dirs.at(-1)!, n, n === records ? out : undefined);
    }
    for (const format of ["parquet", "csv"] as const) {
      const r = await exportIn(dirs[0], format);
      out[`logs_export_${format}_s`] = round(r.ms / 1000);
      // CPU time too: on a shared machine it shows the cost when wall time shows the queue.
      out[`logs_export_${format}_cpu_s`] = round(r.cpu);
      out[`logs_export_${format}_mb`] = round(r.bytes / 1024 / 1024, 1);
      out[`logs_export_${format}_peak_rss_mb`] = round(r.peakRssMb, 0);
      // The peak a fifth and half of the way through: flat once V8's heap has grown to its size.
      out[`logs_export_${format}_peak_rss_at_20pct_mb`] = round(r.peakRss20Mb, 0);
      out[`logs_export_${format}_peak_rss_at_50pct_mb`] = round(r.peakRss50Mb, 0);
      out[`logs_export_${format}_open_rss_mb`] = round(r.openRssMb, 0);
      const s = await exportIn(dirs[1], format);
      const name = `logs_export_${format}_${countName(small)}`;
      out[`${name}_s`] = round(s.ms / 1000);
      out[`${name}_peak_rss_mb`] = round(s.peakRssMb, 0);
      // Flat memory: the peak for ten times the records, less the peak for a tenth.
      out[`logs_export_${format}_rss_growth_mb`] = round(r.peakRssMb - s.peakRssMb, 0);
    }
  } finally {
    for (const dir of dirs) {
      if (!Deno.env.get("KEEP")) await Deno.remove(dir, { recursive: true });
      else console.error(dir);
    }
  }
  return out;
}

if (import.meta.main) {
  if (Deno.args[0] === "--export") {
    await exportChild(Deno.args[1], Deno.args[2] as Format, Deno.args[3]);
  } else {
    const n = Deno.args[0] ? Number(Deno.args[0]) : undefined;
    console.log(JSON.stringify(await benchLogs(n), null, 2));
  }
}
