import assert from "node:assert/strict";
import { Auth } from "./auth.ts";
import { describeEvent, userCommand, watchStatus } from "./cli_web.ts";
import { sandbox } from "./testing.ts";
import { createApp } from "../routes/mod.ts";

function capture() {
  const lines: string[] = [], errors: string[] = [];
  return {
    lines,
    errors,
    out: { log: (s: string) => lines.push(s), error: (s: string) => errors.push(s) },
  };
}

Deno.test("userCommand() adds a user from stdin and refuses a password on the command line", async () => {
  await using s = await sandbox();
  const c = capture();
  assert.equal(await userCommand(s.app, c.out, { sub: "add", name: "ada" }), 1);
  assert.match(c.errors[0], /--password-stdin/);
  assert.equal(
    await userCommand(s.app, c.out, {
      sub: "add",
      name: "ada",
      passwordStdin: true,
      readPassword: () => Promise.resolve("analytical engine"),
    }),
    0,
  );
  assert.ok(await new Auth(s.app.state.store).verify("ada", "analytical engine"));
  assert.equal(await userCommand(s.app, c.out, { sub: "list" }), 0);
  assert.equal(c.lines.at(-1), "ada");
});

Deno.test("main.ts user add reads the password from stdin", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../main.ts", import.meta.url).pathname,
        "user",
        "add",
        "grace",
        "--password-stdin",
      ],
      env: { AISYNC_HOME: dir },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode("cobol forever\n"));
    await w.close();
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(new TextDecoder().decode(out.stdout), /Added user grace/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watchStatus() prints the clients, then events from the running service", async () => {
  const s = await sandbox();
  const web = createApp(s.app);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, web.hono.fetch);
  try {
    await new Auth(s.app.state.store).addUser("admin", "password1");
    const c = capture();
    const watching = watchStatus(s.app, c.out, {
      url: `http://127.0.0.1:${server.addr.port}`,
      maxEvents: 2,
    });
    while (web.hub.size === 0) await new Promise((r) => setTimeout(r, 20));
    s.app.bus.publish({
      type: "conflict.opened",
      key: "mcp:user:x",
      clients: ["a", "b"],
      conflictId: 4,
    });
    s.app.bus.publish({
      type: "sync.finished",
      changes: 1,
      writes: 2,
      conflicts: 1,
      errors: 0,
      ms: 9,
    });
    assert.equal(await watching, 0);
    assert.ok(c.lines.some((l) => /^claude_code\s+new/.test(l)), c.lines.join("\n"));
    assert.match(c.lines.at(-2)!, /#\d+ conflict #4 on mcp:user:x: a vs b$/);
    assert.match(c.lines.at(-1)!, /sync finished: 1 changes, 2 writes, 1 conflicts/);
    assert.equal(
      (await s.app.state.store.client.execute(
        "select count(*) n from sessions where kind='bearer'",
      )).rows[0].n,
      0,
      "its token is revoked",
    );
  } finally {
    await web.close();
    await server.shutdown();
    await s.close();
  }
});

Deno.test("describeEvent() gives one line per event", () => {
  assert.match(
    describeEvent({
      type: "file.written",
      client: "codex",
      path: "/h/.codex/config.toml",
      backupId: 3,
      id: 9,
      at: 0,
    }),
    /^00:00:00 #9 wrote \/h\/.codex\/config.toml for codex \(backup 3\)$/,
  );
});
