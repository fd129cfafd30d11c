import assert from "node:assert/strict";
import { runWatch } from "./cli.ts";
import { sandbox } from "./testing.ts";
import { watchPaths } from "./watcher.ts";

async function until(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

Deno.test("watchPaths() reports a change to a watched file and ignores its own echo", async () => {
  const dir = await Deno.makeTempDir();
  const f = `${dir}/settings.json`;
  await Deno.writeTextFile(f, "{}");
  const ac = new AbortController();
  const seen: string[][] = [];
  const own: { hash?: string } = {};
  const done = watchPaths([f, `${dir}/missing/deep.md`], (paths) => void seen.push(paths), {
    signal: ac.signal,
    ownHash: () => own.hash,
  });
  await new Promise((r) => setTimeout(r, 50));
  await Deno.writeTextFile(`${dir}/unrelated.txt`, "x");
  await Deno.writeTextFile(f, '{"a": 1}');
  assert.ok(await until(() => Promise.resolve(seen.length > 0), 2000));
  assert.deepEqual(seen[0], [f]);
  // aisync's own write (same hash) is not reported.
  const { hashText } = await import("./files.ts");
  own.hash = await hashText('{"b": 2}');
  seen.length = 0;
  await Deno.writeTextFile(f, '{"b": 2}');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(seen, []);
  ac.abort();
  await done;
  await Deno.remove(dir, { recursive: true });
});

Deno.test("watch: a change saved in one client's file reaches the others without a command", async () => {
  const s = await sandbox({ "~/.claude.json": '{\n  "mcpServers": {}\n}\n' });
  const ac = new AbortController();
  const log: string[] = [];
  const watching = runWatch(s.app, (m) => log.push(m), ac.signal);
  try {
    assert.ok(
      await until(
        async () => (await s.read("~/.codex/config.toml")) !== undefined || log.length > 0,
        10_000,
      ),
    );
    await new Promise((r) => setTimeout(r, 100));
    await s.write(
      "~/.claude.json",
      '{\n  "mcpServers": {\n    "late": {"type": "stdio", "command": "/bin/true", "args": ["x"]}\n  }\n}\n',
    );
    const reached = await until(async () => {
      const codex = (await s.read("~/.codex/config.toml")) ?? "";
      const qwen = (await s.read("~/.qwen/settings.json")) ?? "";
      const rovo = (await s.read("~/.rovodev/mcp.json")) ?? "";
      return codex.includes("[mcp_servers.late]") && qwen.includes('"late"') &&
        rovo.includes('"late"');
    }, 10_000);
    assert.ok(reached, `the change did not reach every client:\n${log.join("\n")}`);
  } finally {
    ac.abort();
    await watching;
    await s.close();
  }
});
