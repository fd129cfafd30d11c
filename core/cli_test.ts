import assert from "node:assert/strict";
import { runCli } from "./cli.ts";

function capture() {
  const lines: string[] = [];
  return { lines, out: { log: (s: string) => lines.push(s), error: (s: string) => lines.push(s) } };
}

Deno.test("CLI: status --json names the kind of every item; sync, history and restore cover commands", async () => {
  const root = await Deno.makeTempDir({ prefix: "aisync-cli-" });
  const home = `${root}/home`;
  // Test files share one process: pass the folders instead of changing HOME for everyone.
  const at = { home, dataDir: `${root}/data`, env: {} };
  try {
    await Deno.mkdir(`${home}/.codex/prompts`, { recursive: true });
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
    ) ??
      report.writes[0];
    if (w) {
      const before = await Deno.readTextFile(w.path).catch(() => undefined);
      const r = capture();
      assert.equal(await runCli(["restore", String(w.backupId)], r.out, at), 0, r.lines.join("\n"));
      assert.notEqual(await Deno.readTextFile(w.path).catch(() => undefined), before);
    }
  } finally {
    // The database's last writes may still be landing: retry, then leave the temp folder.
    for (let i = 0; i < 10; i++) {
      try {
        await Deno.remove(root, { recursive: true });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
});
