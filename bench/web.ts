/**
 * Web benchmarks: dashboard time to first byte at a fixed 200 requests/s, and the delivery time
 * of one event to 100 open SSE connections. Runs `aisync serve` as a subprocess over a temporary
 * home, as a user would, and measures from another process's point of view (this one).
 *
 * @module
 */
import { createParser } from "eventsource-parser";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function startServer(root: string) {
  const env = {
    HOME: `${root}/home`,
    AISYNC_HOME: `${root}/data`,
    DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`,
    NO_COLOR: "1",
  };
  const add = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "user", "add", "bench", "--password-stdin"],
    env,
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const w = add.stdin.getWriter();
  await w.write(new TextEncoder().encode("bench-password\n"));
  await w.close();
  const added = await add.output();
  if (!added.success) {
    throw new Error(`Cannot add the bench user: ${new TextDecoder().decode(added.stderr)}`);
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "serve", "--port", "0"],
    env,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "", url = "", synced = false;
  while (!url || !synced) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve exited: ${buf}`);
    buf += value;
    url ||= buf.match(/listening on (http:\/\/\S+?)\/?\n/)?.[1] ?? "";
    synced ||= /sync: /.test(buf);
  }
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return {
    url,
    async stop() {
      child.kill("SIGINT");
      await child.status;
    },
  };
}

/** Dashboard TTFB (p50, p99) at 200 req/s and SSE fan-out delivery (p50, max) to 100 readers. */
export async function benchWeb(): Promise<Record<string, number>> {
  const root = await Deno.makeTempDir({ prefix: "aisync-bench-web-" });
  await Deno.mkdir(`${root}/home/.codex`, { recursive: true });
  const servers: Record<string, unknown> = {};
  for (let i = 0; i < 20; i++) servers[`srv${i}`] = { command: "npx", args: ["-y", `pkg-${i}`] };
  await Deno.writeTextFile(`${root}/home/.claude.json`, JSON.stringify({ mcpServers: servers }));
  const server = await startServer(root);
  try {
    const tok = await fetch(`${server.url}/api/v1/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "password",
        username: "bench",
        password: "bench-password",
      }),
    });
    const { access_token } = await tok.json();
    const headers = { Authorization: `Bearer ${access_token}` };

    // 1. Dashboard TTFB at a fixed arrival rate (open model: requests start on schedule).
    const rate = 200, seconds = 5;
    for (let i = 0; i < 20; i++) await (await fetch(`${server.url}/`, { headers })).arrayBuffer();
    const ttfb: number[] = [];
    const start = performance.now();
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < rate * seconds; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      jobs.push((async () => {
        const t = performance.now();
        const res = await fetch(`${server.url}/`, { headers });
        ttfb.push(performance.now() - t);
        if (res.status !== 200) throw new Error(`Dashboard answered ${res.status}`);
        await res.arrayBuffer();
      })());
    }
    await Promise.all(jobs);
    const achieved = ttfb.length / ((performance.now() - start) / 1000);

    // 2. One event to 100 open SSE connections (the dashboard's stream, fragments included).
    const n = 100;
    const controllers: AbortController[] = [];
    const arrivals: Promise<number>[] = [];
    let opened = 0;
    let published = 0;
    const allOpen = Promise.withResolvers<void>();
    for (let i = 0; i < n; i++) {
      const ac = new AbortController();
      controllers.push(ac);
      arrivals.push((async () => {
        const res = await fetch(`${server.url}/events`, { headers, signal: ac.signal });
        const got = Promise.withResolvers<number>();
        const parser = createParser({
          onEvent(m) {
            if (m.event === "ready" && ++opened === n) allOpen.resolve();
            if (m.event === "bus" && published && JSON.parse(m.data).type === "sync.started") {
              got.resolve(performance.now() - published);
            }
          },
        });
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        (async () => {
          try {
            while (true) {
              const { value, done } = await reader.read();
              if (done) break;
              parser.feed(value);
            }
          } catch { /* aborted */ }
        })();
        return await got.promise;
      })());
    }
    await allOpen.promise;
    await new Promise((r) => setTimeout(r, 200));
    published = performance.now();
    // A real sync (a dry run publishes no events); the files are in step, so it writes nothing.
    const sync = fetch(`${server.url}/api/v1/sync`, {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({}),
    });
    // A bench that waits for an event that never comes fails, not hangs.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no sync.started event within 30 s")), 30_000);
    });
    const delivery = await Promise.race([Promise.all(arrivals), timeout]).finally(() =>
      clearTimeout(timer)
    );
    await (await sync).arrayBuffer();
    for (const ac of controllers) ac.abort();
    return {
      "web.dashboard_ttfb_p50_ms": +pct(ttfb, 50).toFixed(2),
      "web.dashboard_ttfb_p99_ms": +pct(ttfb, 99).toFixed(2),
      "web.dashboard_rate_rps": +achieved.toFixed(1),
      "web.sse_fanout_100_p50_ms": +pct(delivery, 50).toFixed(2),
      "web.sse_fanout_100_max_ms": +Math.max(...delivery).toFixed(2),
    };
  } finally {
    await server.stop();
    await Deno.remove(root, { recursive: true });
  }
}

if (import.meta.main) console.log(await benchWeb());
