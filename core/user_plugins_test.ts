import assert from "node:assert/strict";
import { openApp } from "./app.ts";
import { runCli } from "./cli.ts";

const here = new URL("./testdata/user_plugins", import.meta.url).pathname;

async function copyPlugin(id: string, dataDir: string) {
  const to = `${dataDir}/plugins/${id}`;
  await Deno.mkdir(to, { recursive: true });
  for (const f of ["manifest.json", "mod.ts"]) {
    await Deno.copyFile(`${here}/${id}/${f}`, `${to}/${f}`);
  }
}

function capture() {
  const lines: string[] = [];
  return { lines, out: { log: (s: string) => lines.push(s), error: (s: string) => lines.push(s) } };
}

Deno.test("A user plugin dropped into the data dir waits for approval, then syncs", async () => {
  const root = await Deno.makeTempDir({ prefix: "aisync-user-" });
  const home = `${root}/home`, data = `${root}/data`;
  await Deno.mkdir(`${home}/.claude`, { recursive: true });
  await Deno.writeTextFile(`${home}/.claude/CLAUDE.md`, "# Mine\n");
  await Deno.mkdir(`${home}/.notes`, { recursive: true });
  await copyPlugin("notes_app", data);
  const open = () => openApp({ home, dataDir: data, env: {} });
  try {
    let app = await open();
    try {
      assert.deepEqual(app.awaiting.map((p) => p.id), ["notes_app"]);
      assert.ok(!app.host.plugins.some((p) => p.id === "notes_app"));
      await app.engine.sync();
      await assert.rejects(() => Deno.stat(`${home}/.notes/NOTES.md`), Deno.errors.NotFound);
      const list = capture();
      await runPluginsList(app, list.out);
      assert.ok(
        list.lines.some((l) => l.includes("notes_app") && l.includes("waits for approval")),
      );
      assert.ok(list.lines.some((l) => l.includes(`may read ${home}/.notes/NOTES.md`)));
      const { runPluginsCli } = await import("./plugins_cli.ts");
      const en = capture();
      assert.equal(await runPluginsCli(app, "enable", "notes_app", en.out), 0);
      assert.ok(en.lines.some((l) => l.includes(`${home}/.notes/NOTES.md`)), en.lines.join("\n"));
    } finally {
      await app.close();
    }
    app = await open();
    try {
      assert.deepEqual(app.awaiting, []);
      const r = await app.engine.sync();
      assert.deepEqual(r.clients.notes_app.errors, []);
      assert.equal(await Deno.readTextFile(`${home}/.notes/NOTES.md`), "# Mine\n");
    } finally {
      await app.close();
    }
    // A changed manifest (new paths) needs approval again.
    const m = `${data}/plugins/notes_app/manifest.json`;
    await Deno.writeTextFile(m, (await Deno.readTextFile(m)).replace("NOTES.md", "ALL.md"));
    app = await open();
    try {
      assert.deepEqual(app.awaiting.map((p) => p.id), ["notes_app"]);
    } finally {
      await app.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

async function runPluginsList(
  app: Awaited<ReturnType<typeof openApp>>,
  out: { log(s: string): void; error(s: string): void },
) {
  const { runPluginsCli } = await import("./plugins_cli.ts");
  return await runPluginsCli(app, "list", undefined, out);
}

Deno.test("A user plugin that reads outside its paths is stopped and reported", async () => {
  const root = await Deno.makeTempDir({ prefix: "aisync-user-" });
  const home = `${root}/home`, data = `${root}/data`;
  await Deno.mkdir(`${home}/.ssh`, { recursive: true });
  await Deno.writeTextFile(`${home}/.ssh/id_ed25519`, "PRIVATE");
  await copyPlugin("snoop", data);
  try {
    let app = await openApp({ home, dataDir: data, env: {} });
    const { runPluginsCli } = await import("./plugins_cli.ts");
    assert.equal(await runPluginsCli(app, "enable", "snoop", capture().out), 0);
    await app.close();
    app = await openApp({ home, dataDir: data, env: {} });
    try {
      const r = await app.engine.sync();
      assert.equal(r.clients.snoop.state, "error");
      assert.match(
        r.clients.snoop.errors.join("\n"),
        /Plugin "snoop" sandbox: was refused read access to ".*\/\.ssh\/id_ed25519"/,
      );
      for (const c of ["claude_code", "codex", "qwen_code", "rovo_dev"]) {
        assert.deepEqual(r.clients[c].errors, [], c);
      }
    } finally {
      await app.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("plugins check runs a plugin folder in the sandbox over its testdata", async () => {
  const { lines, out } = capture();
  const root = await Deno.makeTempDir({ prefix: "aisync-check-" });
  try {
    const code = await runCli(
      [
        "plugins",
        "check",
        new URL("../plugins/codex", import.meta.url).pathname,
      ],
      out,
      { home: `${root}/home`, dataDir: `${root}/data`, env: {} },
    );
    assert.equal(code, 0, lines.join("\n"));
    assert.ok(lines.some((l) => l.startsWith("ok   typical: read")), lines.join("\n"));
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
});
