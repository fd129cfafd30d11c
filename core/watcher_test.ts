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

Deno.test("watchPaths() waits out the quiet period while a file is open, not once it is closed", async () => {
  const dir = await Deno.makeTempDir();
  const f = `${dir}/settings.json`, g = `${dir}/config.toml`;
  await Deno.writeTextFile(f, "{}");
  await Deno.writeTextFile(g, "");
  const ac = new AbortController();
  const seen: string[][] = [];
  // A quiet period far longer than the test: only a whole write fires before it.
  const done = watchPaths([f, g], (paths) => void seen.push(paths), {
    signal: ac.signal,
    quietMs: 60_000,
    maxWaitMs: 120_000,
  });
  try {
    await new Promise((r) => setTimeout(r, 50));
    // Still being written: nothing yet.
    const file = await Deno.open(f, { write: true, truncate: true });
    await file.write(new TextEncoder().encode('{"a": '));
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(seen, []);
    await file.write(new TextEncoder().encode("1}"));
    file.close();
    assert.ok(await until(() => Promise.resolve(seen.length === 1), 5000));
    assert.deepEqual(seen[0], [f]);
    // Saved atomically (a temp file renamed into place), as Codex saves.
    await Deno.writeTextFile(`${dir}/.config.toml.tmp`, "a = 1\n");
    await Deno.rename(`${dir}/.config.toml.tmp`, g);
    assert.ok(await until(() => Promise.resolve(seen.length === 2), 5000));
    assert.deepEqual(seen[1], [g]);
  } finally {
    ac.abort();
    await done;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "watchPaths() on Linux reads a file written in two steps once, when it is closed",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const f = `${dir}/config.toml`;
    await Deno.writeTextFile(f, "");
    const ac = new AbortController();
    const seen: { paths: string[]; text: string }[] = [];
    const done = watchPaths([f], async (paths) => {
      seen.push({ paths, text: await Deno.readTextFile(f) });
    }, { signal: ac.signal });
    try {
      await new Promise((r) => setTimeout(r, 50));
      // A writer that pauses between its two writes, with the file open.
      const file = await Deno.open(f, { write: true, truncate: true });
      await file.write(new TextEncoder().encode('[mcp_servers.a]\ncommand = "a"\n'));
      await new Promise((r) => setTimeout(r, 40));
      await file.write(new TextEncoder().encode('\n[mcp_servers.b]\ncommand = "b"\n'));
      file.close();
      assert.ok(await until(() => Promise.resolve(seen.length === 1), 5000));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(seen.length, 1);
      assert.match(seen[0].text, /mcp_servers\.b/);
    } finally {
      ac.abort();
      await done;
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("watchPaths() folds what changes during a busy call into one next call", async () => {
  const dir = await Deno.makeTempDir();
  const a = `${dir}/a.json`, b = `${dir}/b.json`;
  await Deno.writeTextFile(a, "{}");
  await Deno.writeTextFile(b, "{}");
  const ac = new AbortController();
  const calls: string[][] = [];
  let release = () => {};
  const busy = new Promise<void>((r) => release = r);
  const done = watchPaths([a, b], async (paths) => {
    calls.push(paths);
    if (calls.length === 1) await busy;
  }, { signal: ac.signal });
  try {
    await new Promise((r) => setTimeout(r, 50));
    await Deno.writeTextFile(a, '{"n": 1}');
    assert.ok(await until(() => Promise.resolve(calls.length === 1), 2000));
    // Two bursts while the first call is still busy.
    await Deno.writeTextFile(b, '{"n": 2}');
    await new Promise((r) => setTimeout(r, 60));
    await Deno.writeTextFile(a, '{"n": 3}');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(calls.length, 1);
    release();
    assert.ok(await until(() => Promise.resolve(calls.length === 2), 2000));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(calls.length, 2);
    assert.deepEqual([...calls[1]].sort(), [a, b]);
  } finally {
    release();
    ac.abort();
    await done;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watch: a change saved in one client's file reaches the others without a command", async () => {
  // The four clients the assertion names (the others' policies are off: a lighter machine).
  const s = await sandbox({ "~/.claude.json": '{\n  "mcpServers": {}\n}\n' }, {
    only: ["claude_code", "codex", "qwen_code", "rovo_dev"],
  });
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
    const late =
      '{\n  "mcpServers": {\n    "late": {"type": "stdio", "command": "/bin/true", "args": ["x"]}\n  }\n}\n';
    const reachedAll = async () => {
      const codex = (await s.read("~/.codex/config.toml")) ?? "";
      const qwen = (await s.read("~/.qwen/settings.json")) ?? "";
      const rovo = (await s.read("~/.rovodev/mcp.json")) ?? "";
      return codex.includes("[mcp_servers.late]") && qwen.includes('"late"') &&
        rovo.includes('"late"');
    };
    // One save, whenever it lands: before the first sync's read, between that sync and the watch
    // starting (the catch-up sync after the watch is in place sees it), or while watching.
    await s.write("~/.claude.json", late);
    const reached = await until(reachedAll, 10_000);
    assert.ok(reached, `the change did not reach every client:\n${log.join("\n")}`);
  } finally {
    ac.abort();
    await watching;
    await s.close();
  }
});

Deno.test("watch: a client installed while watching is filled without a command", async () => {
  const s = await sandbox({
    "~/.claude.json":
      '{\n  "mcpServers": {\n    "a": {"type": "stdio", "command": "/bin/true"}\n  }\n}\n',
  }, { only: ["claude_code", "codex"], absent: ["codex"] });
  const ac = new AbortController();
  const log: string[] = [];
  const watching = runWatch(s.app, (m) => log.push(m), ac.signal);
  try {
    // The first sync is done (and wrote nothing) before Codex is installed.
    assert.ok(await until(() => Promise.resolve(log.length > 0), 10_000));
    await Deno.mkdir(`${s.home}/.codex`);
    const filled = await until(
      async () => ((await s.read("~/.codex/config.toml")) ?? "").includes("[mcp_servers.a]"),
      10_000,
    );
    assert.ok(filled, `Codex was not filled:\n${log.join("\n")}`);
  } finally {
    ac.abort();
    await watching;
    await s.close();
  }
});

Deno.test("watch: a change saved in a symlinked config's target reaches the others", async () => {
  const s = await sandbox({}, { only: ["claude_code", "codex"] });
  const dot = `${s.root}/dotfiles`;
  await Deno.mkdir(dot);
  await Deno.writeTextFile(`${dot}/claude.json`, '{\n  "mcpServers": {}\n}\n');
  await Deno.symlink(`${dot}/claude.json`, `${s.home}/.claude.json`);
  const ac = new AbortController();
  const log: string[] = [];
  const watching = runWatch(s.app, (m) => log.push(m), ac.signal);
  try {
    assert.ok(await until(() => Promise.resolve(log.length > 0), 10_000));
    // Saved where the file really is, as an editor open in the dotfiles repository would.
    await Deno.writeTextFile(
      `${dot}/claude.json`,
      '{\n  "mcpServers": {\n    "linked": {"type": "stdio", "command": "/bin/true"}\n  }\n}\n',
    );
    const reached = await until(
      async () => ((await s.read("~/.codex/config.toml")) ?? "").includes("[mcp_servers.linked]"),
      10_000,
    );
    assert.ok(reached, `the change did not reach Codex:\n${log.join("\n")}`);
    assert.ok((await Deno.lstat(`${s.home}/.claude.json`)).isSymlink);
  } finally {
    ac.abort();
    await watching;
    await s.close();
  }
});

Deno.test("watchPaths() given a signal aborted already returns at once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aisync-watch-" });
  try {
    const ac = new AbortController();
    ac.abort();
    const t0 = performance.now();
    await watchPaths([`${dir}/x.json`], () => {}, { signal: ac.signal });
    assert.ok(performance.now() - t0 < 5_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
