/**
 * Engine benchmarks: propagation latency under `watch` (4 clients × 100 servers) and a full
 * first sync (4 clients, 500 servers, 20 projects).
 *
 * @module
 */
import { runWatch } from "../core/cli.ts";
import { sandbox } from "../core/testing.ts";

/** The four clients the benchmark names. */
const CORE = ["claude_code", "codex", "qwen_code", "rovo_dev"];

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function servers(n: number, prefix: string, from = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = from; i < from + n; i++) {
    out[`${prefix}${i}`] = i % 3 === 0
      ? { type: "http", url: `http://127.0.0.1:59999/${i}`, headers: { "X-N": String(i) } }
      : {
        type: "stdio",
        command: "/bin/true",
        args: ["--n", String(i)],
        env: { LEVEL: String(i % 7) },
      };
  }
  return out;
}

/** Saved change → last target written, under watch, 4 clients × 100 servers. */
export async function benchPropagation(rounds = 200): Promise<Record<string, number>> {
  const s = await sandbox({
    "~/.claude.json": JSON.stringify({ mcpServers: servers(100, "s") }, null, 2) + "\n",
  }, { only: CORE });
  const ac = new AbortController();
  const watching = runWatch(
    s.app,
    (m) => Deno.env.get("BENCH_DEBUG") && console.error(m),
    ac.signal,
  );
  const samples: number[] = [], engine: number[] = [];
  try {
    // Wait for the first sync to land everywhere.
    await waitFor(s.app, 30_000);
    // Let the watcher start after the first sync.
    await new Promise((res) => setTimeout(res, 500));
    for (let r = 0; r < rounds; r++) {
      const claude = JSON.parse((await s.read("~/.claude.json"))!);
      // A stdio server (every third one is http, where args mean nothing).
      claude.mcpServers[`s${(r % 33) * 3 + 1}`].args = ["--n", String(r), "--round"];
      const done = waitFor(s.app, 10_000);
      const t0 = performance.now();
      await s.write("~/.claude.json", JSON.stringify(claude, null, 2) + "\n");
      const t1 = await done;
      samples.push(t1.at - t0);
      engine.push(t1.ms);
      await new Promise((res) => setTimeout(res, 30));
    }
  } finally {
    ac.abort();
    await watching;
    await s.close();
  }
  return {
    // Saved change → last target written.
    "propagation p50 (ms)": round(percentile(samples, 50)),
    "propagation p99 (ms)": round(percentile(samples, 99)),
    // The sync alone (read, merge, plan, check, write, record); the rest is the watcher's.
    "propagation sync p50 (ms)": round(percentile(engine, 50)),
  };
}

/**
 * Resolves, once the next sync that wrote files has finished, with the time its last target
 * file was written (the "last target written": the sync's own records come after it)
 * and how long the whole sync ran.
 */
function waitFor(
  app: Awaited<ReturnType<typeof sandbox>>["app"],
  ms: number,
): Promise<{ at: number; ms: number }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no sync with writes within ${ms} ms`));
    }, ms);
    const off = app.bus.subscribe((e) => {
      if (e.type === "file.written") written = performance.now();
      if (e.type === "sync.finished" && e.writes > 0) {
        clearTimeout(timer);
        off();
        resolve({ at: written || performance.now(), ms: e.ms });
      }
    });
  });
}

/** A full first sync: 500 servers spread over the 4 clients, 20 projects with instructions. */
export async function benchFirstSync(): Promise<Record<string, number>> {
  const files: Record<string, string> = {
    "~/.claude.json": JSON.stringify({ mcpServers: servers(125, "claude") }, null, 2) + "\n",
    "~/.qwen/settings.json": JSON.stringify({ mcpServers: {}, "$version": 4 }, null, 2) + "\n",
  };
  let codex = "";
  for (let i = 0; i < 125; i++) {
    codex += `[mcp_servers.codex${i}]\ncommand = "/bin/true"\nargs = ["--n", "${i}"]\n\n`;
  }
  files["~/.codex/config.toml"] = codex;
  const qwen: Record<string, unknown> = {};
  for (let i = 0; i < 125; i++) qwen[`qwen${i}`] = { httpUrl: `http://127.0.0.1:59999/q${i}` };
  files["~/.qwen/settings.json"] = JSON.stringify({ mcpServers: qwen, "$version": 4 }, null, 2) +
    "\n";
  const rovo: Record<string, unknown> = {};
  for (let i = 0; i < 125; i++) {
    rovo[`rovo${i}`] = { command: "/bin/true", args: [String(i)], transport: "stdio" };
  }
  files["~/.rovodev/mcp.json"] = JSON.stringify({ mcpServers: rovo }, null, 2) + "\n";
  const s = await sandbox(files, { only: CORE });
  try {
    for (let p = 0; p < 20; p++) {
      const dir = `${s.root}/projects/p${p}`;
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(`${dir}/CLAUDE.md`, `# Project ${p}\nUse the house style.\n`);
      await Deno.writeTextFile(
        `${dir}/.mcp.json`,
        JSON.stringify({ mcpServers: servers(2, `p${p}-`) }, null, 2) + "\n",
      );
      await s.app.state.addProject(dir, "registered");
    }
    const t0 = performance.now();
    const r = await s.app.engine.sync();
    const took = performance.now() - t0;
    if (r.errors.length || r.conflicts.length) {
      throw new Error(`first sync failed: ${r.errors.join("; ")}`);
    }
    // Not timed: the engine reading again, in the background, the clients it just wrote.
    await s.app.engine.idle();
    const t1 = performance.now();
    await s.app.engine.sync();
    const idle = performance.now() - t1;
    return {
      "first sync (ms)": round(took),
      "first sync writes": r.writes.length,
      "first sync items": (await s.app.state.base()).size,
      "no-op sync after it (ms)": round(idle),
    };
  } finally {
    await s.close();
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Peak resident memory of this process (workers are threads, so they count), in MB. */
export function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch { /* not Linux */ }
  return Math.round(Deno.memoryUsage().rss / 1048576);
}
