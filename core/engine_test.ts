import assert from "node:assert/strict";
import { itemKey, stableStringify } from "./schema.ts";
import { Policy } from "./state.ts";
import { sandbox } from "./testing.ts";

/** The four clients of the sync engine (the other plugins' policies are off: quicker). */
const open = (files: Record<string, string>) =>
  sandbox(files, { only: ["claude_code", "codex", "qwen_code", "rovo_dev"] });
import type { Sandbox } from "./testing.ts";

/** Sets Codex's policy: the default one with `change` applied. */
const codexPolicy = (s: Sandbox, change: Partial<Policy>) =>
  s.app.state.setPolicy("codex", Policy.parse(change));

const CLAUDE = `{
  "numStartups": 3,
  "mcpServers": {
    "fs": {
      "type": "stdio",
      "command": "npx",
      "args": ["-y", "srv"],
      "env": {
        "FOO": "bar"
      }
    }
  },
  "projects": {
    "{project}": {
      "allowedTools": [],
      "hasTrustDialogAccepted": true
    }
  }
}
`;

const CODEX = `# my codex config
model = "o3" # keep me

[mcp_servers.remote]
url = "http://127.0.0.1:59999/mcp"
bearer_token_env_var = "MY_TOKEN"
`;

async function servers(s: Sandbox, client: string): Promise<Record<string, unknown>> {
  const r = await s.app.host.read(client);
  const out: Record<string, unknown> = {};
  for (const i of r.items) if (i.kind === "mcp" && i.scope === "user") out[i.name] = i.value;
  return out;
}

function plain(v: unknown) {
  const { extras: _, ...rest } = v as Record<string, unknown>;
  return rest;
}

Deno.test("Engine: first sync unions every client; a second sync is a no-op", async () => {
  await using s = await open({
    "~/.claude.json": CLAUDE,
    "~/.codex/config.toml": CODEX,
    "~/.claude/CLAUDE.md": "# Be kind\n",
  });
  const r = await s.app.engine.sync();
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.conflicts, []);
  for (const c of ["claude_code", "codex", "qwen_code", "rovo_dev"]) {
    assert.deepEqual(r.clients[c].errors, [], c);
    const got = await servers(s, c);
    assert.deepEqual(Object.keys(got).sort(), ["fs", "remote"], c);
    assert.equal((got.fs as { command: string }).command, "npx");
  }
  // The bearer token reference became Claude's ${VAR} and Qwen's, never a literal.
  const claude = JSON.parse((await s.read("~/.claude.json"))!);
  assert.deepEqual(claude.mcpServers.remote, {
    type: "http",
    url: "http://127.0.0.1:59999/mcp",
    headers: { Authorization: "Bearer ${MY_TOKEN}" },
  });
  assert.equal(claude.numStartups, 3);
  assert.deepEqual(claude.projects[s.project], {
    allowedTools: [],
    hasTrustDialogAccepted: true,
  });
  const codex = (await s.read("~/.codex/config.toml"))!;
  assert.ok(codex.startsWith('# my codex config\nmodel = "o3" # keep me\n'), codex);
  assert.match(codex, /\[mcp_servers\.fs\]\ncommand = "npx"/);
  // Instructions reach every client's own file.
  assert.equal(await s.read("~/.codex/AGENTS.md"), "# Be kind\n");
  assert.equal(await s.read("~/.qwen/QWEN.md"), "# Be kind\n");
  assert.equal(await s.read("~/.rovodev/AGENTS.md"), "# Be kind\n");
  // Every write has a backup.
  assert.ok(r.writes.length > 0 && r.writes.every((w) => typeof w.backupId === "number"));

  const again = await s.app.engine.sync();
  assert.deepEqual(again.writes, [], "second sync must write nothing");
  assert.deepEqual(again.changes, []);
});

Deno.test("Engine: a one-sided change propagates, a deletion propagates", async () => {
  await using s = await open({ "~/.claude.json": CLAUDE, "~/.codex/config.toml": CODEX });
  await s.app.engine.sync();
  const codex = (await s.read("~/.codex/config.toml"))!;
  await s.write(
    "~/.codex/config.toml",
    codex.replace('args = ["-y", "srv"]', 'args = ["-y", "srv", "--ro"]'),
  );
  const r = await s.app.engine.sync();
  assert.deepEqual(r.changes.map((c) => c.key), ["mcp:user:fs"]);
  assert.deepEqual((await servers(s, "claude_code")).fs, (await servers(s, "qwen_code")).fs);
  assert.deepEqual(plain((await servers(s, "claude_code")).fs).args, ["-y", "srv", "--ro"]);

  const claude = JSON.parse((await s.read("~/.claude.json"))!);
  delete claude.mcpServers.remote;
  await s.write("~/.claude.json", JSON.stringify(claude, null, 2));
  const d = await s.app.engine.sync();
  assert.deepEqual(d.changes, [{
    key: "mcp:user:remote",
    clients: ["claude_code"],
    action: "delete",
  }]);
  for (const c of ["codex", "qwen_code", "rovo_dev"]) {
    assert.deepEqual(Object.keys(await servers(s, c)), ["fs"], c);
  }
  assert.ok(!(await s.read("~/.codex/config.toml"))!.includes("mcp_servers.remote"));
});

Deno.test("Engine: only clients whose files changed are read again (bytes, mode or folders)", async () => {
  await using s = await open({ "~/.claude.json": CLAUDE, "~/.codex/config.toml": CODEX });
  const reads: string[] = [];
  const read = s.app.host.read.bind(s.app.host);
  s.app.host.read = (id) => {
    reads.push(id);
    return read(id);
  };
  // What a sync reads comes before "|"; clients it wrote whose reads are not known from the
  // plan's own check are read again after it.
  s.app.bus.subscribe((e) => void (e.type === "sync.finished" && reads.push("|")));
  // What the engine now takes each client to show is what the client really reads.
  const views = async () => {
    const stored = await s.app.state.views();
    for (const id of ["claude_code", "codex", "qwen_code", "rovo_dev"]) {
      const real = (await read(id)).items.map((i) =>
        [itemKey(i), stableStringify(i.value)] as const
      );
      assert.deepEqual(new Map(real), stored.get(id) ?? new Map(), id);
    }
  };
  const sync = async () => {
    reads.length = 0;
    const r = await s.app.engine.sync();
    await s.app.engine.idle();
    const at = reads.indexOf("|");
    return { r, during: reads.slice(0, at).sort(), after: reads.slice(at + 1).sort() };
  };
  const first = await sync();
  assert.deepEqual(first.during, ["claude_code", "codex", "qwen_code", "rovo_dev"]);
  // Every write was to a whole config or instruction file: the plans' reads stand.
  assert.deepEqual(first.after, []);
  await views();

  const idle = await sync();
  assert.deepEqual([idle.during, idle.after, idle.r.writes], [[], [], []]);

  const codex = (await s.read("~/.codex/config.toml"))!;
  await s.write("~/.codex/config.toml", codex.replace('"srv"]', '"srv", "--ro"]'));
  const change = await sync();
  assert.deepEqual(change.during, ["codex"]);
  assert.deepEqual(change.r.changes.map((c) => c.key), ["mcp:user:fs"]);
  assert.deepEqual(change.after, []);
  assert.deepEqual(plain((await servers(s, "rovo_dev")).fs).args, ["-y", "srv", "--ro"]);
  await views();
  assert.deepEqual((await sync()).during, []);

  // The same bytes with another mode, a new folder where a plugin looks: read again.
  await Deno.chmod(`${s.home}/.codex/config.toml`, 0o600);
  assert.deepEqual((await sync()).during, ["codex"]);
  await Deno.mkdir(`${s.home}/.claude/commands/team`, { recursive: true });
  assert.deepEqual((await sync()).during, ["claude_code"]);
  assert.deepEqual((await sync()).during, []);
});

Deno.test("Engine: two clients changing one field differently make a conflict; nothing is overwritten", async () => {
  await using s = await open({ "~/.claude.json": CLAUDE });
  await s.app.engine.sync();
  const claude = JSON.parse((await s.read("~/.claude.json"))!);
  claude.mcpServers.fs.command = "bunx";
  await s.write("~/.claude.json", JSON.stringify(claude, null, 2) + "\n");
  const qwen = JSON.parse((await s.read("~/.qwen/settings.json"))!);
  qwen.mcpServers.fs.command = "pnpx";
  await s.write("~/.qwen/settings.json", JSON.stringify(qwen, null, 2) + "\n");
  const claudeBytes = await s.read("~/.claude.json");
  const qwenBytes = await s.read("~/.qwen/settings.json");
  const codexBytes = await s.read("~/.codex/config.toml");

  const r = await s.app.engine.sync();
  assert.equal(r.conflicts.length, 1);
  assert.equal(r.conflicts[0].key, "mcp:user:fs");
  assert.deepEqual(r.conflicts[0].fields, ["command"]);
  assert.deepEqual(r.conflicts[0].clients.sort(), ["claude_code", "qwen_code"]);
  assert.equal(await s.read("~/.claude.json"), claudeBytes);
  assert.equal(await s.read("~/.qwen/settings.json"), qwenBytes);
  assert.equal(await s.read("~/.codex/config.toml"), codexBytes, "the base stays where it was");
  assert.equal(r.clients.claude_code.state, "conflict");

  // Still held on the next sync.
  const r2 = await s.app.engine.sync();
  assert.equal(r2.conflicts.length, 1);
  assert.equal(await s.read("~/.codex/config.toml"), codexBytes);

  await s.app.engine.resolve(r.conflicts[0].id!, { take: "qwen_code" });
  const r3 = await s.app.engine.sync();
  assert.deepEqual(r3.conflicts, []);
  for (const c of ["claude_code", "codex", "qwen_code", "rovo_dev"]) {
    assert.equal((plain((await servers(s, c)).fs) as { command: string }).command, "pnpx", c);
  }
});

Deno.test("Engine: first-run same name with different values is a conflict unless --prefer", async () => {
  const files = {
    "~/.claude.json": CLAUDE,
    "~/.qwen/settings.json":
      `{"mcpServers": {"fs": {"command": "uvx", "args": ["srv"]}}, "$version": 4}\n`,
  };
  const s = await open(files);
  try {
    const r = await s.app.engine.sync();
    assert.deepEqual(r.conflicts.map((c) => c.key), ["mcp:user:fs"]);
  } finally {
    await s.close();
  }
  const p = await open(files);
  try {
    const r = await p.app.engine.sync({ prefer: "qwen_code" });
    assert.deepEqual(r.conflicts, []);
    assert.equal(
      (plain((await servers(p, "claude_code")).fs) as { command: string }).command,
      "uvx",
    );
  } finally {
    await p.close();
  }
});

Deno.test("Engine: an SSE server does not conflict with Codex, which can only say HTTP", async () => {
  await using s = await open({
    "~/.claude.json":
      `{"mcpServers": {"events": {"type": "sse", "url": "http://127.0.0.1:59999/sse"}}}\n`,
    "~/.codex/config.toml": `[mcp_servers.events]\nurl = "http://127.0.0.1:59999/sse"\n`,
  });
  const r = await s.app.engine.sync();
  assert.deepEqual(r.conflicts, []);
  assert.ok(
    r.clients.codex.notes.some((n) => n.item === "mcp:user:events"),
    "codex gets a lossy note",
  );
  assert.equal(r.clients.codex.state, "lossy");
  assert.equal(
    (await servers(s, "qwen_code")).events &&
      (plain((await servers(s, "qwen_code")).events) as { transport: string }).transport,
    "sse",
  );
});

Deno.test("Engine: a file that fails to parse is never written; the others still sync", async () => {
  await using s = await open({ "~/.codex/config.toml": CODEX });
  const broken = '{\n  "mcpServers": {\n    "x": {"command": "a"\n';
  await s.write("~/.claude.json", broken);
  const r = await s.app.engine.sync();
  assert.equal(r.clients.claude_code.state, "error");
  assert.match(r.clients.claude_code.errors.join("\n"), /\.claude\.json:\d+:\d+/);
  assert.equal(await s.read("~/.claude.json"), broken);
  assert.deepEqual(Object.keys(await servers(s, "qwen_code")), ["remote"]);
  // Nothing of Claude's was read, so nothing was deleted elsewhere.
  const again = await s.app.engine.sync();
  assert.deepEqual(again.changes, []);
  assert.equal(await s.read("~/.claude.json"), broken);
});

Deno.test("Engine: a project's AGENTS.md shared by Codex and Rovo Dev is one item and one write", async () => {
  await using s = await open({ "{project}/CLAUDE.md": "Use tabs.\n" });
  const r = await s.app.engine.sync();
  assert.deepEqual(r.errors, []);
  const agents = r.writes.filter((w) => w.path === `${s.project}/AGENTS.md`);
  assert.equal(agents.length, 1);
  // Every client that reads the project's AGENTS.md shares the one write.
  assert.ok(
    ["codex", "rovo_dev"].every((c) => agents[0].clients.includes(c)),
    agents[0].clients.join(),
  );
  assert.equal(await s.read("{project}/AGENTS.md"), "Use tabs.\n");
  assert.equal(await s.read("{project}/QWEN.md"), "Use tabs.\n");
  const keys = (await s.app.state.base()).keys();
  assert.deepEqual([...keys], [
    itemKey({ kind: "instructions", scope: `project:${s.project}`, name: "main" }),
  ]);
});

Deno.test("Engine: dry run writes nothing; backups restore the old bytes", async () => {
  await using s = await open({
    "~/.claude.json": CLAUDE,
    "~/.qwen/settings.json": '{\n  // mine\n  "$version": 4\n}\n',
  });
  const dry = await s.app.engine.sync({ dryRun: true });
  assert.ok(dry.writes.some((w) => w.path.endsWith("/.qwen/settings.json")));
  assert.equal(await s.read("~/.qwen/settings.json"), '{\n  // mine\n  "$version": 4\n}\n');
  const r = await s.app.engine.sync();
  const w = r.writes.find((w) => w.path.endsWith("/.qwen/settings.json"))!;
  const b = await s.app.state.getBackup(w.backupId!);
  assert.equal(b.content, '{\n  // mine\n  "$version": 4\n}\n');
  assert.ok((await s.read("~/.qwen/settings.json"))!.includes("// mine"));
});

Deno.test("Engine: a project folder that no longer exists is neither registered nor recreated", async () => {
  const s = await open({});
  const gone = `${s.root}/gone`;
  await s.write(
    "~/.claude.json",
    JSON.stringify({ mcpServers: { fs: { command: "npx" } }, projects: { [gone]: {} } }),
  );
  // Registered once, then deleted: the next sync skips it.
  const moved = `${s.root}/moved`;
  await Deno.mkdir(moved);
  await s.app.state.addProject(moved, "registered");
  await Deno.remove(moved);
  await s.write("{project}/.mcp.json", JSON.stringify({ mcpServers: { p: { command: "p" } } }));
  try {
    const r = await s.app.engine.sync();
    assert.deepEqual(r.errors, []);
    const paths = (await s.app.state.projects()).map((p) => p.path);
    assert.ok(!paths.includes(gone), "a missing folder named by a client is not registered");
    for (const dir of [gone, moved]) {
      await assert.rejects(Deno.stat(dir), Deno.errors.NotFound, `${dir} was recreated`);
    }
    // The project that exists still syncs.
    assert.match((await s.read("{project}/.codex/config.toml")) ?? "", /\[mcp_servers\.p\]/);
  } finally {
    await s.close();
  }
});

Deno.test("Engine: a client not installed here gets no files; installed later, it gets everything", async () => {
  await using s = await sandbox({ "~/.claude.json": CLAUDE }, {
    only: ["claude_code", "codex", "qwen_code"],
    absent: ["codex", "qwen_code"],
  });
  const r = await s.app.engine.sync();
  assert.deepEqual(r.errors, []);
  assert.equal(r.clients.codex.state, "absent");
  assert.deepEqual(r.writes.map((w) => w.path), []);
  // Nothing made for them: not a file, not a folder.
  for (const p of ["~/.codex", "~/.qwen"]) assert.equal(await s.read(`${p}/x`), undefined);
  await assert.rejects(() => Deno.stat(`${s.home}/.codex`), Deno.errors.NotFound);
  await assert.rejects(() => Deno.stat(`${s.home}/.qwen`), Deno.errors.NotFound);
  assert.equal((await s.app.host.detect("codex")).installed, false);

  // The user installs Codex: its folder appears, and the next sync fills it.
  await Deno.mkdir(`${s.home}/.codex`);
  const r2 = await s.app.engine.sync();
  assert.equal(r2.clients.codex.state, "ok");
  assert.equal(r2.clients.qwen_code.state, "absent");
  assert.deepEqual(Object.keys(await servers(s, "codex")), ["fs"]);
  assert.equal((await s.app.host.detect("codex")).installed, true);
});

Deno.test("Engine: ~/.gemini alone (Antigravity CLI's folder too) does not make Gemini CLI installed", async () => {
  await using s = await sandbox({ "~/.claude.json": CLAUDE }, {
    only: ["claude_code", "gemini_cli", "antigravity_cli"],
    absent: ["gemini_cli"],
  });
  // Antigravity CLI's sandbox home is ~/.gemini/antigravity-cli: ~/.gemini is there.
  assert.ok((await Deno.stat(`${s.home}/.gemini`)).isDirectory);
  const r = await s.app.engine.sync();
  assert.deepEqual(r.errors, []);
  assert.equal(r.clients.gemini_cli.state, "absent");
  assert.equal(await s.read("~/.gemini/settings.json"), undefined);
  // Gemini CLI run once (it makes ~/.gemini/projects.json and tmp/): now it is synced.
  await s.write("~/.gemini/projects.json", "{}\n");
  const r2 = await s.app.engine.sync();
  assert.equal(r2.clients.gemini_cli.state, "ok");
  assert.match((await s.read("~/.gemini/settings.json")) ?? "", /"fs"/);
});

Deno.test("Engine: a client removed from the machine deletes nothing elsewhere, and gets all back on return", async () => {
  await using s = await open({ "~/.claude.json": CLAUDE, "~/.codex/config.toml": CODEX });
  await s.app.engine.sync();
  assert.deepEqual(Object.keys(await servers(s, "qwen_code")).sort(), ["fs", "remote"]);
  // Codex uninstalled: its whole folder goes.
  await Deno.remove(`${s.home}/.codex`, { recursive: true });
  const r = await s.app.engine.sync();
  assert.deepEqual(r.changes, []);
  assert.equal(r.clients.codex.state, "absent");
  assert.deepEqual(Object.keys(await servers(s, "claude_code")).sort(), ["fs", "remote"]);
  assert.deepEqual(Object.keys(await servers(s, "qwen_code")).sort(), ["fs", "remote"]);
  // Reinstalled with an empty folder: what it lacks is not a deletion; it is given everything.
  await Deno.mkdir(`${s.home}/.codex`);
  const back = await s.app.engine.sync();
  assert.deepEqual(back.changes, []);
  assert.deepEqual(Object.keys(await servers(s, "codex")).sort(), ["fs", "remote"]);
  assert.deepEqual(Object.keys(await servers(s, "claude_code")).sort(), ["fs", "remote"]);
});

Deno.test("Engine: a client that only receives keeps what the user changed there, and says so", async () => {
  await using s = await open({ "~/.claude.json": CLAUDE, "~/.codex/config.toml": CODEX });
  await s.app.engine.sync();
  await codexPolicy(s, { direction: "receive" });
  // In Codex: fs edited, remote deleted, mine added.
  const codex = (await s.read("~/.codex/config.toml"))!
    .replace('"-y", "srv"', '"-y", "edited-in-codex"')
    .replace(/\n\[mcp_servers\.remote\][^[]*/, "\n") +
    '\n[mcp_servers.mine]\ncommand = "/bin/true"\n';
  await s.write("~/.codex/config.toml", codex);
  const r = await s.app.engine.sync();
  assert.deepEqual([r.errors, r.changes, r.conflicts], [[], [], []]);
  // Nothing written over the user's edits, and nothing of them sent.
  assert.equal(await s.read("~/.codex/config.toml"), codex);
  assert.deepEqual(r.writes, []);
  const claude = await servers(s, "claude_code");
  assert.deepEqual(Object.keys(claude).sort(), ["fs", "remote"]);
  assert.deepEqual((claude.fs as { args: string[] }).args, ["-y", "srv"]);
  assert.deepEqual(
    r.clients.codex.notes.map((n) => n.item).sort(),
    ["mcp:user:fs", "mcp:user:mine", "mcp:user:remote"],
  );
  assert.match(r.clients.codex.notes[0].message, /changed here and not sent/);
  assert.equal(r.clients.codex.state, "kept");
  // The next syncs still keep them; a change elsewhere reaches Codex on what it did not touch,
  // and not on what it did.
  assert.deepEqual((await s.app.engine.sync()).writes, []);
  const cl = JSON.parse((await s.read("~/.claude.json"))!);
  cl.mcpServers.fs.env = { FOO: "from-claude" };
  cl.mcpServers.docs = { type: "http", url: "http://127.0.0.1:59997/mcp" };
  await s.write("~/.claude.json", JSON.stringify(cl, null, 2));
  const later = await s.app.engine.sync();
  assert.deepEqual(later.conflicts, []);
  const inCodex = await servers(s, "codex");
  assert.deepEqual(Object.keys(inCodex).sort(), ["docs", "fs", "mine"]);
  assert.deepEqual((inCodex.fs as { args: string[] }).args, ["-y", "edited-in-codex"]);
  assert.match((await s.read("~/.codex/config.toml"))!, /edited-in-codex/);
  // Sending again: what Codex added goes out.
  await codexPolicy(s, {});
  await s.app.engine.sync();
  assert.ok("mine" in await servers(s, "qwen_code"));
});

Deno.test("Engine: an ask-first client changing a field its pending plan would change is a conflict", async () => {
  await using s = await open({ "~/.claude.json": CLAUDE, "~/.codex/config.toml": CODEX });
  await s.app.engine.sync();
  await codexPolicy(s, { mode: "ask" });
  const cl = JSON.parse((await s.read("~/.claude.json"))!);
  cl.mcpServers.fs.args = ["-y", "from-claude"];
  await s.write("~/.claude.json", JSON.stringify(cl, null, 2));
  const first = await s.app.engine.sync();
  assert.equal(first.clients.codex.state, "pending");
  const codex = (await s.read("~/.codex/config.toml"))!.replace('"srv"', '"from-codex"');
  await s.write("~/.codex/config.toml", codex);
  const r = await s.app.engine.sync();
  assert.deepEqual(r.conflicts.map((c) => [c.key, c.fields]), [["mcp:user:fs", ["args"]]]);
  assert.equal(await s.read("~/.codex/config.toml"), codex);
  assert.match((await s.read("~/.claude.json"))!, /from-claude/);
});

Deno.test("Engine: a kind switched on for a client that has its own, different one is a conflict", async () => {
  const s = await open({
    "~/.claude.json": "{}",
    "~/.claude/CLAUDE.md": "# Claude rules\n",
    "~/.codex/config.toml": "# mine\n",
    "~/.codex/AGENTS.md": "# Codex rules\n",
  });
  const kinds = (k: ("mcp" | "instructions")[]) => codexPolicy(s, { kinds: k });
  try {
    await kinds(["mcp"]);
    await s.app.engine.sync();
    assert.equal(await s.read("~/.codex/AGENTS.md"), "# Codex rules\n");
    assert.equal(await s.read("~/.qwen/QWEN.md"), "# Claude rules\n");
    await kinds(["mcp", "instructions"]);
    const r = await s.app.engine.sync();
    assert.deepEqual(r.changes, []);
    assert.deepEqual(r.conflicts.map((c) => c.key), ["instructions:user:main"]);
    assert.equal(await s.read("~/.codex/AGENTS.md"), "# Codex rules\n");
    assert.equal(await s.read("~/.claude/CLAUDE.md"), "# Claude rules\n");
  } finally {
    await s.close();
  }
});

Deno.test("Engine: a client that was off changing an item deleted meanwhile is a conflict, not a resurrection", async () => {
  const s = await open({ "~/.claude.json": CLAUDE, "~/.codex/config.toml": CODEX });
  const codexOn = (enabled: boolean) => codexPolicy(s, { enabled });
  try {
    await s.app.engine.sync();
    await codexOn(false);
    const cl = JSON.parse((await s.read("~/.claude.json"))!);
    delete cl.mcpServers.remote;
    await s.write("~/.claude.json", JSON.stringify(cl, null, 2));
    await s.app.engine.sync();
    assert.ok(!("remote" in await servers(s, "qwen_code")));
    const codex = (await s.read("~/.codex/config.toml"))!.replace("59999", "59990");
    await s.write("~/.codex/config.toml", codex);
    await codexOn(true);
    const r = await s.app.engine.sync();
    assert.deepEqual(r.conflicts.map((c) => [c.key, c.fields]), [["mcp:user:remote", [
      "(deleted)",
    ]]]);
    const open = [...(await s.app.state.openConflicts()).values()][0];
    assert.deepEqual(Object.keys(open.sides).sort(), ["claude_code", "codex"]);
    assert.equal(open.sides.claude_code, null);
    assert.match(JSON.stringify(open.base), /59999/);
    assert.equal(await s.read("~/.codex/config.toml"), codex);
    assert.ok(!("remote" in await servers(s, "qwen_code")));
    // Taking Codex's side brings it back everywhere.
    await s.app.engine.resolve(open.id, { take: "codex" });
    await s.app.engine.sync();
    assert.match(JSON.stringify(await servers(s, "qwen_code")), /59990/);
  } finally {
    await s.close();
  }
});

Deno.test("Engine: a client installed again with its own value for an item is a conflict, as on a first sync", async () => {
  const s = await open({ "~/.claude.json": CLAUDE, "~/.codex/config.toml": CODEX });
  const reinstall = async (args: string[]) => {
    await Deno.remove(`${s.home}/.qwen`, { recursive: true });
    assert.equal((await s.app.engine.sync()).clients.qwen_code.state, "absent");
    await Deno.mkdir(`${s.home}/.qwen`);
    await s.write(
      "~/.qwen/settings.json",
      JSON.stringify({ mcpServers: { fs: { command: "npx", args, env: { FOO: "bar" } } } }),
    );
  };
  try {
    await s.app.engine.sync();
    // The same value: nothing to settle.
    await reinstall(["-y", "srv"]);
    const same = await s.app.engine.sync();
    assert.deepEqual([same.changes, same.conflicts], [[], []]);
    // Another value: a conflict; nobody's value is overwritten.
    await reinstall(["-y", "qwen-own"]);
    const r = await s.app.engine.sync();
    assert.deepEqual(r.changes, []);
    assert.deepEqual(r.conflicts.map((c) => [c.key, c.fields]), [["mcp:user:fs", ["args"]]]);
    assert.deepEqual(r.conflicts[0].clients.sort(), [
      "claude_code",
      "codex",
      "qwen_code",
      "rovo_dev",
    ]);
    assert.match((await s.read("~/.qwen/settings.json"))!, /qwen-own/);
    assert.doesNotMatch((await s.read("~/.claude.json"))!, /qwen-own/);
    await s.app.engine.resolve(r.conflicts[0].id!, { take: "claude_code" });
    await s.app.engine.sync();
    assert.doesNotMatch((await s.read("~/.qwen/settings.json"))!, /qwen-own/);
    // --prefer settles it either way, as on a first sync.
    await reinstall(["-y", "qwen-again"]);
    const kept = await s.app.engine.sync({ prefer: "codex" });
    assert.deepEqual(kept.conflicts, []);
    assert.doesNotMatch((await s.read("~/.qwen/settings.json"))!, /qwen-again/);
    await reinstall(["-y", "qwen-wins"]);
    const taken = await s.app.engine.sync({ prefer: "qwen_code" });
    assert.deepEqual(taken.conflicts, []);
    assert.match((await s.read("~/.claude.json"))!, /qwen-wins/);
  } finally {
    await s.close();
  }
});

Deno.test("Engine: a client that was off changing what another changed meanwhile is a conflict, not an overwrite", async () => {
  const s = await open({ "~/.claude.json": CLAUDE, "~/.codex/config.toml": CODEX });
  const policy = (enabled: boolean, direction: "both" | "send" = "both") =>
    codexPolicy(s, { enabled, direction });
  const editClaude = async (f: (servers: Record<string, Record<string, unknown>>) => void) => {
    const cl = JSON.parse((await s.read("~/.claude.json"))!);
    f(cl.mcpServers);
    await s.write("~/.claude.json", JSON.stringify(cl, null, 2));
  };
  try {
    await s.app.engine.sync();
    // Codex off; meanwhile fs's args change in Claude Code and, differently, in Codex.
    await policy(false);
    await editClaude((m) => m.fs.args = ["-y", "from-claude"]);
    assert.deepEqual((await s.app.engine.sync()).conflicts, []);
    const codex = (await s.read("~/.codex/config.toml"))!.replace('"srv"', '"from-codex"');
    await s.write("~/.codex/config.toml", codex);
    await policy(true);
    const r = await s.app.engine.sync();
    assert.deepEqual(r.conflicts.map((c) => [c.key, c.fields]), [["mcp:user:fs", ["args"]]]);
    assert.equal(await s.read("~/.codex/config.toml"), codex);
    assert.match((await s.read("~/.claude.json"))!, /from-claude/);
    assert.equal(r.clients.codex.state, "conflict");
    // Shown against what both changes started from, not against one of them.
    const held = [...(await s.app.state.openConflicts()).values()][0];
    assert.deepEqual((held.base as { args: string[] }).args, ["-y", "srv"]);
    // Taking Codex's side settles it everywhere.
    const id = r.conflicts[0].id!;
    await s.app.engine.resolve(id, { take: "codex" });
    const after = await s.app.engine.sync();
    assert.deepEqual(after.conflicts, []);
    assert.match((await s.read("~/.claude.json"))!, /from-codex/);

    // Different fields changed on the two sides merge, as they would have if Codex had been on.
    await policy(false);
    await editClaude((m) => m.fs.args = ["-y", "claude-again"]);
    await s.app.engine.sync();
    await s.write(
      "~/.codex/config.toml",
      (await s.read("~/.codex/config.toml"))!.replace('FOO = "bar"', 'FOO = "codex-env"'),
    );
    await policy(true);
    const merged = await s.app.engine.sync();
    assert.deepEqual(merged.conflicts, []);
    const fs = (await servers(s, "qwen_code")).fs as {
      args: string[];
      env: Record<string, string>;
    };
    assert.deepEqual([fs.args, fs.env.FOO], [["-y", "claude-again"], "codex-env"]);
    assert.match((await s.read("~/.codex/config.toml"))!, /claude-again/);

    // A client that only sends never gets the others' changes: its own change to the same field
    // is a conflict too.
    await policy(true, "send");
    await editClaude((m) => m.fs.args = ["-y", "claude-third"]);
    await s.app.engine.sync();
    await s.write(
      "~/.codex/config.toml",
      (await s.read("~/.codex/config.toml"))!.replace('"claude-again"', '"codex-third"'),
    );
    const sent = await s.app.engine.sync();
    assert.deepEqual(sent.conflicts.map((c) => c.key), ["mcp:user:fs"]);
    assert.match((await s.read("~/.claude.json"))!, /claude-third/);
  } finally {
    await s.close();
  }
});

Deno.test("Engine: with deletions off, a server deleted in one client stays in the others and stays gone there", async () => {
  await using s = await open({ "~/.claude.json": CLAUDE, "~/.codex/config.toml": CODEX });
  await s.app.engine.sync();
  await s.app.state.setPropagateDeletes(false);
  const codex = (await s.read("~/.codex/config.toml"))!;
  await s.write(
    "~/.codex/config.toml",
    codex.replace(/\n\[mcp_servers\.remote\][^[]*/, "\n"),
  );
  const r = await s.app.engine.sync();
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.changes.map((c) => [c.key, c.action]), [["mcp:user:remote", "delete"]]);
  // The others keep it; Codex is not given it back, now or on the next syncs.
  for (const c of ["claude_code", "qwen_code", "rovo_dev"]) {
    assert.ok("remote" in await servers(s, c), c);
  }
  assert.ok(!("remote" in await servers(s, "codex")));
  const again = await s.app.engine.sync();
  assert.deepEqual([again.changes, again.writes], [[], []]);
  assert.ok(!("remote" in await servers(s, "codex")));
  // A change made elsewhere still reaches the others, but not Codex.
  const claude = JSON.parse((await s.read("~/.claude.json"))!);
  claude.mcpServers.remote.url = "http://127.0.0.1:59998/mcp";
  await s.write("~/.claude.json", JSON.stringify(claude, null, 2));
  await s.app.engine.sync();
  assert.match(JSON.stringify(await servers(s, "qwen_code")), /59998/);
  assert.ok(!("remote" in await servers(s, "codex")));
  // Added back in Codex by the user: it syncs there again.
  await s.write(
    "~/.codex/config.toml",
    (await s.read("~/.codex/config.toml"))! +
      '\n[mcp_servers.remote]\nurl = "http://127.0.0.1:59998/mcp"\nbearer_token_env_var = "MY_TOKEN"\n',
  );
  const readded = (await s.read("~/.codex/config.toml"))!;
  const back = await s.app.engine.sync();
  assert.deepEqual(back.conflicts, []);
  assert.deepEqual(back.changes.map((c) => [c.key, c.clients]), [["mcp:user:remote", ["codex"]]]);
  // Left as the user wrote it (it was once planned away again: the user's server was lost).
  assert.equal(await s.read("~/.codex/config.toml"), readded);
  const settled = await s.app.engine.sync();
  assert.deepEqual([settled.changes, settled.writes], [[], []]);
});

Deno.test("Engine: a client emptied at once (its file deleted or reset) deletes nothing until the user says so", async () => {
  const claude = JSON.stringify({
    mcpServers: {
      a: { type: "stdio", command: "/bin/true" },
      b: { type: "stdio", command: "/bin/true", args: ["b"] },
      c: { type: "http", url: "http://127.0.0.1:59999/c" },
    },
  });
  await using s = await open({ "~/.claude.json": claude });
  await s.app.engine.sync();
  assert.deepEqual(Object.keys(await servers(s, "codex")).sort(), ["a", "b", "c"]);
  // One server removed by hand goes everywhere, as ever.
  const two = JSON.parse(claude);
  delete two.mcpServers.c;
  await s.write("~/.claude.json", JSON.stringify(two));
  const one = await s.app.engine.sync();
  assert.deepEqual(one.conflicts, []);
  assert.deepEqual(Object.keys(await servers(s, "codex")).sort(), ["a", "b"]);

  // "Delete ~/.claude.json to reset Claude Code": it comes back without servers.
  await s.write("~/.claude.json", '{\n  "numStartups": 1\n}\n');
  const r = await s.app.engine.sync();
  assert.deepEqual(r.changes, []);
  assert.deepEqual(r.conflicts.map((c) => c.key).sort(), ["mcp:user:a", "mcp:user:b"]);
  assert.deepEqual(r.conflicts[0].clients.sort(), [
    "claude_code",
    "codex",
    "qwen_code",
    "rovo_dev",
  ]);
  for (const c of ["codex", "qwen_code", "rovo_dev"]) {
    assert.deepEqual(Object.keys(await servers(s, c)).sort(), ["a", "b"], c);
  }
  // Still held, not settled, on the next sync.
  const again = await s.app.engine.sync();
  assert.equal(again.conflicts.length, 2);
  assert.deepEqual(again.writes, []);

  // The user keeps "a" (Claude Code gets it back) and lets "b" go (gone everywhere).
  const pending = await s.app.state.openConflicts();
  await s.app.engine.resolve(pending.get("mcp:user:a")!.id, { take: "codex" });
  await s.app.engine.resolve(pending.get("mcp:user:b")!.id, { take: "claude_code" });
  const after = await s.app.engine.sync();
  assert.deepEqual(after.conflicts, []);
  for (const c of ["claude_code", "codex", "qwen_code", "rovo_dev"]) {
    assert.deepEqual(Object.keys(await servers(s, c)), ["a"], c);
  }
  assert.match((await s.read("~/.claude.json"))!, /"numStartups": 1/);
});

Deno.test("Engine: an emptied client that gets its items back as they were ends the conflicts itself", async () => {
  const claude = JSON.stringify({
    mcpServers: {
      a: { type: "stdio", command: "/bin/true" },
      b: { type: "http", url: "http://127.0.0.1:59999/b" },
    },
  });
  await using s = await open({ "~/.claude.json": claude });
  await s.app.engine.sync();
  await s.write("~/.claude.json", "{}\n");
  assert.equal((await s.app.engine.sync()).conflicts.length, 2);
  // The user put the file back from a backup of their own.
  await s.write("~/.claude.json", claude);
  const r = await s.app.engine.sync();
  assert.deepEqual(r.conflicts, []);
  assert.equal((await s.app.state.openConflicts()).size, 0);
  assert.deepEqual(Object.keys(await servers(s, "codex")).sort(), ["a", "b"]);
});

Deno.test("Engine: config files linked from a dotfiles folder stay links, and their targets are written", async () => {
  await using s = await open({});
  const dot = `${s.root}/dotfiles`;
  await Deno.mkdir(dot);
  await Deno.writeTextFile(`${dot}/claude.json`, CLAUDE.replaceAll("{project}", s.project));
  await Deno.writeTextFile(`${dot}/codex.toml`, CODEX);
  await Deno.symlink(`${dot}/claude.json`, `${s.home}/.claude.json`);
  await Deno.symlink(`${dot}/codex.toml`, `${s.home}/.codex/config.toml`);
  const r = await s.app.engine.sync();
  assert.deepEqual(r.errors, []);
  assert.ok(r.writes.some((w) => w.path === `${s.home}/.codex/config.toml`));
  assert.ok((await Deno.lstat(`${s.home}/.claude.json`)).isSymlink);
  assert.ok((await Deno.lstat(`${s.home}/.codex/config.toml`)).isSymlink);
  assert.match(await Deno.readTextFile(`${dot}/codex.toml`), /\[mcp_servers\.fs\]/);
  assert.match(await Deno.readTextFile(`${dot}/claude.json`), /"remote"/);
  assert.deepEqual((await s.app.engine.sync()).writes, []);
});

Deno.test("Engine: a file caught half written deletes nothing; the deletion goes once the file is still", async () => {
  await using s = await open({ "~/.claude.json": CLAUDE, "~/.codex/config.toml": CODEX });
  await s.app.engine.sync();
  const path = `${s.home}/.codex/config.toml`;
  const full = await Deno.readTextFile(path);
  // Cut short before its last table (Codex's servers are remote, then fs): it still parses.
  const cut = full.slice(0, full.indexOf("[mcp_servers.fs]"));
  assert.ok(cut.includes("[mcp_servers.remote]") && !cut.includes("[mcp_servers.fs]"));
  s.app.engine.settleMs = 1500;

  // The writer finishes 400 ms after its first step: the deletion the sync saw is not taken.
  await Deno.writeTextFile(path, cut);
  const t0 = performance.now();
  const finishing = new Promise((res) => setTimeout(res, 400)).then(() =>
    Deno.writeTextFile(path, full)
  );
  const r = await s.app.engine.sync();
  await finishing;
  // It waited for the file to be still (so it did see the deletion), then read again.
  assert.ok(performance.now() - t0 >= 1000, `took ${performance.now() - t0} ms`);
  assert.deepEqual(r.changes, []);
  assert.deepEqual(Object.keys(await servers(s, "claude_code")).sort(), ["fs", "remote"]);

  // Cut short for good: once the file has been still that long, the deletion goes.
  await Deno.writeTextFile(path, cut);
  const gone = await s.app.engine.sync();
  assert.deepEqual(gone.changes.map((c) => [c.key, c.action]), [["mcp:user:fs", "delete"]]);
  assert.deepEqual(Object.keys(await servers(s, "claude_code")), ["remote"]);
});

Deno.test("Engine: a config file the user made read-only is left as it is, and its client says so", async () => {
  await using s = await open({ "~/.claude.json": CLAUDE, "~/.codex/config.toml": "# locked\n" });
  const path = `${s.home}/.codex/config.toml`;
  await Deno.chmod(path, 0o444);
  const r = await s.app.engine.sync();
  assert.equal(await Deno.readTextFile(path), "# locked\n");
  assert.equal(r.clients.codex.state, "error");
  assert.match(r.clients.codex.errors.join("\n"), /read-only: aisync leaves it as it is/);
  assert.ok(!r.writes.some((w) => w.path === path));
  // The others are synced all the same.
  assert.deepEqual(Object.keys(await servers(s, "qwen_code")), ["fs"]);
  await Deno.chmod(path, 0o644);
  const again = await s.app.engine.sync();
  assert.equal(again.clients.codex.state, "ok");
  assert.match(await Deno.readTextFile(path), /^# locked\n[\s\S]*\[mcp_servers\.fs\]/);
});

Deno.test("Engine: a new ~/.claude.json or Codex config.toml gets mode 600, as the clients make them", async () => {
  await using s = await open({
    "~/.qwen/settings.json":
      '{\n  "mcpServers": {\n    "q": { "command": "/bin/true", "env": { "TOKEN": "t0ken-value-123" } }\n  }\n}\n',
  });
  await Deno.mkdir(`${s.home}/.claude`, { recursive: true });
  await s.app.engine.sync();
  assert.equal((await Deno.stat(`${s.home}/.claude.json`)).mode! & 0o777, 0o600);
  assert.equal((await Deno.stat(`${s.home}/.codex/config.toml`)).mode! & 0o777, 0o600);
  // A file that was there keeps its own mode.
  await Deno.chmod(`${s.home}/.codex/config.toml`, 0o640);
  await s.write(
    "~/.qwen/settings.json",
    (await s.read("~/.qwen/settings.json"))!.replace("t0ken", "t1ken"),
  );
  await s.app.engine.sync();
  assert.equal((await Deno.stat(`${s.home}/.codex/config.toml`)).mode! & 0o777, 0o640);
  assert.match((await s.read("~/.codex/config.toml"))!, /t1ken/);
});
