import assert from "node:assert/strict";
import { runCli } from "./cli.ts";

/** The database's last writes may still be landing: retry, then leave the temp folder. */
async function removeRoot(root: string) {
  for (let i = 0; i < 10; i++) {
    try {
      await Deno.remove(root, { recursive: true });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function capture() {
  const lines: string[] = [];
  return { lines, out: { log: (s: string) => lines.push(s), error: (s: string) => lines.push(s) } };
}

/**
 * A temp folder with the home and data folders a command is pointed at (test files share one
 * process: the folders are passed instead of changing HOME for everyone); `await using` removes
 * it.
 */
async function cliHome() {
  const root = await Deno.makeTempDir({ prefix: "aisync-cli-" });
  const at = { home: `${root}/home`, dataDir: `${root}/data`, env: {} };
  await Deno.mkdir(at.home);
  return { at, home: at.home, [Symbol.asyncDispose]: () => removeRoot(root) };
}

/** Runs one command; its exit code and everything it printed. */
async function cli(at: Parameters<typeof runCli>[2], ...args: string[]) {
  const c = capture();
  const code = await runCli(args, c.out, at);
  return { code, text: c.lines.join("\n") };
}

Deno.test("CLI: status --json names the kind of every item; sync, history, backups and restore cover commands", async () => {
  await using tmp = await cliHome();
  const { at, home } = tmp;
  await Deno.mkdir(`${home}/.codex/prompts`, { recursive: true });
  // Claude Code installed too (its folder), so the sync has a file of its to write.
  await Deno.mkdir(`${home}/.claude`, { recursive: true });
  await Deno.writeTextFile(
    `${home}/.codex/config.toml`,
    '[mcp_servers.fs]\ncommand = "/bin/true"\n',
  );
  await Deno.writeTextFile(
    `${home}/.codex/prompts/review.md`,
    "---\ndescription: Review a file\n---\nReview $1 carefully.\n",
  );
  const st = capture();
  assert.equal(await runCli(["status", "--json"], st.out, at), 0, st.lines.join("\n"));
  const status = JSON.parse(st.lines.join("\n"));
  const kinds = new Set(status.changes.map((c: { kind: string }) => c.kind));
  assert.ok(kinds.has("mcp") && kinds.has("command"), JSON.stringify(status.changes));

  assert.equal(await runCli(["sync"], capture().out, at), 0);
  const after = capture();
  await runCli(["status", "--json"], after.out, at);
  const items = JSON.parse(after.lines.join("\n")).items as { key: string; kind: string }[];
  assert.deepEqual(
    items.map((i) => `${i.kind} ${i.key}`).sort(),
    ["command command:user:review", "mcp mcp:user:fs"],
  );

  const h = capture();
  assert.equal(await runCli(["history", "command:user:review"], h.out, at), 0);
  assert.match(h.lines.join("\n"), /Review \$ARGUMENTS\[0\] carefully/);

  // Restore the first backup of a file aisync wrote: it goes back to how it was (absent).
  const sync = capture();
  await Deno.writeTextFile(`${home}/.codex/prompts/review.md`, "Review $1 and $2.\n");
  await runCli(["sync", "--json"], sync.out, at);
  const report = JSON.parse(sync.lines.join("\n"));
  const w = report.writes.find((x: { path: string }) =>
    x.path.endsWith("/.claude/commands/review.md")
  );
  assert.ok(w, JSON.stringify(report.writes));
  // `backups` names the file as `~/…` and gives the id `restore` takes.
  const listed = capture();
  assert.equal(await runCli(["backups", "~/.claude/commands/review.md"], listed.out, at), 0);
  assert.match(
    listed.lines[0],
    new RegExp(`^ *${w.backupId}  .*  ~/\\.claude/commands/review\\.md  \\(before sync`),
  );
  const all = capture();
  await runCli(["backups", "--json"], all.out, at);
  assert.ok(JSON.parse(all.lines.join("\n")).some((b: { id: number }) => b.id === w.backupId));
  const before = await Deno.readTextFile(w.path);
  const r = capture();
  assert.equal(await runCli(["restore", String(w.backupId)], r.out, at), 0, r.lines.join("\n"));
  assert.notEqual(await Deno.readTextFile(w.path).catch(() => undefined), before);
});

Deno.test("CLI: conflicts hides secrets and names an emptied client; resolve --dropped keeps all", async () => {
  await using tmp = await cliHome();
  const { at, home } = tmp;
  const secret = "sk-cli-test-0123456789abcdef";
  await Deno.mkdir(`${home}/.codex`, { recursive: true });
  const servers = {
    a: { type: "stdio", command: "/bin/true", env: { TOKEN: secret } },
    b: { type: "http", url: "http://127.0.0.1:59999/b" },
  };
  await Deno.writeTextFile(`${home}/.claude.json`, JSON.stringify({ mcpServers: servers }));
  assert.equal(await runCli(["sync"], capture().out, at), 0);
  await Deno.writeTextFile(`${home}/.claude.json`, '{ "numStartups": 2 }\n');
  assert.equal(await runCli(["sync"], capture().out, at), 2, "held as conflicts");
  assert.match(await Deno.readTextFile(`${home}/.codex/config.toml`), /mcp_servers\.a/);

  const list = capture();
  assert.equal(await runCli(["conflicts"], list.out, at), 2);
  assert.match(list.lines.join("\n"), /claude_code dropped it/);
  const json = capture();
  await runCli(["conflicts", "--json"], json.out, at);
  assert.ok(!json.lines.join("\n").includes(secret), "the secret is masked");
  assert.deepEqual(
    JSON.parse(json.lines.join("\n")).map((c: { droppedBy: string }) => c.droppedBy),
    ["claude_code", "claude_code"],
  );

  const bad = capture();
  assert.equal(await runCli(["resolve", "--dropped", "claude_code"], bad.out, at), 1);
  assert.match(bad.lines.join("\n"), /--keep or --delete/);
  const keep = capture();
  assert.equal(
    await runCli(["resolve", "--dropped", "claude_code", "--keep"], keep.out, at),
    0,
    keep.lines.join("\n"),
  );
  const claude = JSON.parse(await Deno.readTextFile(`${home}/.claude.json`));
  assert.equal(claude.numStartups, 2);
  assert.deepEqual(Object.keys(claude.mcpServers).sort(), ["a", "b"]);
  assert.equal(claude.mcpServers.a.env.TOKEN, secret);
});

Deno.test("CLI: settings lists and sets the preferred client, deletions and backup retention", async () => {
  await using tmp = await cliHome();
  const { at } = tmp;
  const read = async () => {
    const r = await cli(at, "settings", "--json");
    assert.equal(r.code, 0, r.text);
    return JSON.parse(r.text);
  };
  assert.deepEqual(await read(), {
    preferred: "none",
    deletes: "on",
    "backups.kept": 50,
    "backups.days": 30,
  });
  const set = (name: string, value: string) => cli(at, "settings", "set", name, value);
  assert.deepEqual(await set("deletes", "off"), { code: 0, text: "deletes = off" });
  assert.equal((await set("preferred", "codex")).code, 0);
  assert.equal((await set("backups.kept", "7")).code, 0);
  assert.equal((await set("backups.days", "0")).code, 0);
  // Refused, each with its reason; nothing changes.
  const bad = [
    await set("deletes", "maybe"),
    await set("preferred", "notepad"),
    await set("backups.kept", "0"),
    await set("backups.days", "1.5"),
    await set("colour", "blue"),
  ];
  assert.deepEqual(bad.map((b) => b.code), [1, 1, 1, 1, 1]);
  assert.match(bad[0].text, /deletes: "maybe" is neither on nor off/);
  assert.match(bad[1].text, /no client "notepad"/);
  assert.match(bad[2].text, /backups\.kept: "0" is not allowed/);
  assert.match(bad[3].text, /"1\.5" is not a whole number/);
  assert.match(bad[4].text, /no such setting/);
  assert.deepEqual(await read(), {
    preferred: "codex",
    deletes: "off",
    "backups.kept": 7,
    "backups.days": 0,
  });
  const text = await cli(at, "settings");
  assert.equal(text.code, 0);
  assert.match(text.text, /^deletes +off +on: a deletion/m);
  assert.equal((await set("preferred", "none")).code, 0);
  assert.equal((await read()).preferred, "none");
});

Deno.test("CLI: policy lists and sets a client's policy; a bad field or value is refused", async () => {
  await using tmp = await cliHome();
  const { at } = tmp;
  const run = (...args: string[]) => cli(at, "policy", ...args);
  const all = await run();
  assert.equal(all.code, 0);
  assert.match(all.text, /^codex +on · sends and receives · kinds mcp,instructions,/m);
  assert.equal((await run("codex", "set", "direction", "receive")).code, 0);
  assert.equal((await run("codex", "set", "kinds", "mcp, skill")).code, 0);
  assert.equal((await run("codex", "set", "mode", "ask")).code, 0);
  const bad = [
    await run("codex", "set", "kinds", "mcp,bogus"),
    await run("codex", "set", "enabled", "maybe"),
    await run("codex", "set", "colour", "x"),
    await run("notepad"),
  ];
  assert.deepEqual(bad.map((b) => b.code), [1, 1, 1, 1]);
  assert.match(bad[0].text, /kinds: "mcp,bogus" is not allowed/);
  assert.match(bad[2].text, /no field "colour"/);
  assert.match(bad[3].text, /no client "notepad"/);
  const json = await run("codex", "--json");
  assert.deepEqual(JSON.parse(json.text), {
    codex: {
      enabled: true,
      direction: "receive",
      kinds: ["mcp", "skill"],
      scopes: "all",
      mode: "ask",
    },
  });
});
