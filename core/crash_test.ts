/**
 * Crash safety: `aisync sync` killed with SIGKILL at random points (≥ 100 runs). After every
 * kill each client file still parses and is either its old or its new version, and the next
 * sync converges to exactly what an uninterrupted sync writes.
 */
import assert from "node:assert/strict";
import { contextFor, loadPlugin } from "../plugins/_conformance.ts";
import { openApp } from "./app.ts";
import { Policy } from "./state.ts";

const RUNS = 100;
const denoDir = Deno.env.get("DENO_DIR") ??
  `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`}/deno`;
const main = new URL("../main.ts", import.meta.url).pathname;
const CLIENTS = ["claude_code", "codex", "qwen_code", "rovo_dev"];

function initialFiles(): Record<string, string> {
  const servers: Record<string, unknown> = {};
  for (let i = 0; i < 40; i++) {
    servers[`srv${i}`] = i % 2
      ? { type: "stdio", command: "/bin/true", args: [`--n=${i}`], env: { LEVEL: String(i) } }
      : { type: "http", url: `http://127.0.0.1:59999/${i}`, headers: { "X-N": String(i) } };
  }
  return {
    "home/.claude.json":
      JSON.stringify({ numStartups: 2, mcpServers: servers, projects: {} }, null, 2) + "\n",
    "home/.claude/CLAUDE.md": "# Rules\nBe careful.\n",
    "home/.codex/config.toml":
      '# mine\nmodel = "o3"\n\n[mcp_servers.codexonly]\ncommand = "/bin/true"\n',
    "home/.qwen/settings.json":
      '{\n  // mine\n  "mcpServers": {"qwenonly": {"httpUrl": "http://127.0.0.1:59999/q"}},\n  "$version": 4\n}\n',
    "home/.rovodev/config.yml": "agent:\n  modelId: auto\n",
  };
}

const WATCHED = [
  "home/.claude.json",
  "home/.claude/CLAUDE.md",
  "home/.codex/config.toml",
  "home/.codex/AGENTS.md",
  "home/.qwen/settings.json",
  "home/.qwen/QWEN.md",
  "home/.rovodev/mcp.json",
  "home/.rovodev/config.yml",
  "home/.rovodev/AGENTS.md",
];

async function lay(root: string) {
  for (const [p, t] of Object.entries(initialFiles())) {
    const f = `${root}/${p}`;
    await Deno.mkdir(f.slice(0, f.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(f, t);
  }
  await Deno.mkdir(`${root}/data`, { recursive: true });
  // The four clients under test only: the others' policies are off (so no Worker starts for
  // them), laid once and copied, to keep 100 runs quick.
  template ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "aisync-crash-data-" });
    const app = await openApp({ home: `${dir}/nohome`, dataDir: dir, env: {} });
    for (const p of app.host.plugins) {
      if (!CLIENTS.includes(p.id)) {
        await app.state.setPolicy(p.id, Policy.parse({ enabled: false }));
      }
    }
    await app.close();
    return dir;
  })();
  const from = await template;
  for (const e of Deno.readDirSync(from)) {
    if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${root}/data/${e.name}`);
  }
}

let template: Promise<string> | undefined;

async function snapshot(root: string): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const p of WATCHED) out[p] = await Deno.readTextFile(`${root}/${p}`).catch(() => null);
  return out;
}

async function anyChanged(root: string, old: Record<string, string | null>): Promise<boolean> {
  for (const p of WATCHED) {
    const now = await Deno.readTextFile(`${root}/${p}`).catch(() => null);
    if (now !== old[p]) return true;
  }
  return false;
}

function syncProcess(root: string) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, "sync"],
    // Deno's cache follows HOME unless DENO_DIR says otherwise: keep the real one.
    env: { HOME: `${root}/home`, AISYNC_HOME: `${root}/data`, NO_COLOR: "1", DENO_DIR: denoDir },
    stdout: "null",
    stderr: "null",
  }).spawn();
}

async function parsesEverywhere(root: string) {
  for (const id of CLIENTS) {
    const { manifest, plugin } = await loadPlugin(id);
    const r = await plugin.read(contextFor(manifest, `${root}/home`, []));
    assert.deepEqual(r.errors ?? [], [], `${id} cannot read its files after a kill`);
  }
}

function leftovers(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      if (e.isDirectory) walk(`${d}/${e.name}`);
      else if (e.name.includes(".aisync-") && e.name.endsWith(".tmp")) out.push(`${d}/${e.name}`);
    }
  };
  walk(`${root}/home`);
  return out;
}

Deno.test({
  name:
    `sync killed with SIGKILL at ${RUNS} random points never leaves a broken or half-written file`,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const top = await Deno.makeTempDir({ prefix: "aisync-crash-" });
    try {
      // What an uninterrupted sync produces, and how long it takes.
      const ref = `${top}/ref`;
      await lay(ref);
      const old = await snapshot(ref);
      const t0 = performance.now();
      const status = await syncProcess(ref).status;
      const took = performance.now() - t0;
      assert.equal(status.code, 0);
      const done = await snapshot(ref);
      assert.notDeepEqual(done, old);

      let killedMidway = 0;
      const one = async (i: number) => {
        const root = `${top}/run${i}`;
        await lay(root);
        const child = syncProcess(root);
        if (i % 2) {
          // Half the kills at a random moment of the whole run…
          await new Promise((r) => setTimeout(r, Math.random() * took * 1.1));
        } else {
          // …and half inside the write phase: right after the first file changes.
          const deadline = performance.now() + took * 2;
          while (performance.now() < deadline && !(await anyChanged(root, old))) {
            await new Promise((r) => setTimeout(r, 1));
          }
          await new Promise((r) => setTimeout(r, Math.random() * 15));
        }
        try {
          child.kill("SIGKILL");
        } catch { /* already finished */ }
        await child.status;
        const now = await snapshot(root);
        let changed = 0;
        for (const p of WATCHED) {
          assert.ok(
            now[p] === old[p] || now[p] === done[p],
            `run ${i}: ${p} is neither the old nor the new version`,
          );
          if (now[p] !== old[p]) changed++;
        }
        if (changed > 0 && changed < Object.keys(done).filter((p) => done[p] !== old[p]).length) {
          killedMidway++;
        }
        await parsesEverywhere(root);
        // The next sync converges to what an uninterrupted one writes, and cleans up.
        const app = await openApp({ home: `${root}/home`, dataDir: `${root}/data`, env: {} });
        try {
          const r = await app.engine.sync();
          assert.deepEqual(r.errors, [], `run ${i}`);
          assert.deepEqual(r.conflicts, [], `run ${i}`);
        } finally {
          app.close();
        }
        assert.deepEqual(await snapshot(root), done, `run ${i}: the next sync did not converge`);
        assert.deepEqual(leftovers(root), [], `run ${i}: temp files left behind`);
        await Deno.remove(root, { recursive: true });
      };
      for (let i = 0; i < RUNS; i += 2) await Promise.all([one(i), one(i + 1)]);
      // The kills must really land inside the write phase some of the time.
      assert.ok(killedMidway > 0, "no kill landed between two writes; the test proves little");
      console.log(`${RUNS} kills, ${killedMidway} between two writes`);
    } finally {
      await Deno.remove(top, { recursive: true });
    }
  },
});
