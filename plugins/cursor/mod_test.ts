import assert from "node:assert/strict";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import { type Context, type Item, itemKey, type McpServer, parseJsonc } from "../_contract.ts";
import {
  applyPlan as apply,
  caseFiles,
  changedPaths,
  corpusNames,
  corpusTree,
  tempCase,
} from "../_test_helpers.ts";

runConformance("cursor");

const { manifest, plugin } = await loadPlugin("cursor");
const CORPUS = new URL("../../../shared/corpus/", import.meta.url).pathname;
const TESTDATA = new URL("testdata/", import.meta.url).pathname;
/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function setup(files: Record<string, string> = {}) {
  const t = await tempCase(manifest, files);
  return Object.assign(t, {
    user: `${t.home}/.cursor/mcp.json`,
    proj: `${t.project}/.cursor/mcp.json`,
    agents: `${t.project}/AGENTS.md`,
  });
}

const testdata = (name: string) => caseFiles(`${TESTDATA}${name}`);
const changes = (ctx: Context, items: Item[]) => changedPaths(plugin, ctx, items);

function mcp(scope: string, name: string, value: McpServer): Item {
  return { kind: "mcp", scope, name, value };
}

function server(items: Item[], name: string): McpServer | undefined {
  const item = items.find((i) => i.kind === "mcp" && i.name === name);
  return item?.kind === "mcp" ? item.value : undefined;
}

function entries(text: string): Record<string, Record<string, unknown>> {
  const data = parseJsonc(text.replace(/^\uFEFF/, ""), "t", { comments: true });
  return (data as { mcpServers: Record<string, Record<string, unknown>> }).mcpServers;
}

Deno.test("cursor reads ${env:VAR} as ${VAR} and writes it back in Cursor's syntax", async () => {
  const text = JSON.stringify(
    {
      mcpServers: {
        s: {
          command: "${userHome}/bin/srv",
          args: ["--token=${env:TOKEN}", "${workspaceFolder}", "$HOME", "${PLAIN}"],
          env: { A: "${env:A_KEY}", B: "literal" },
        },
        r: { url: "https://${env:HOST}/mcp", headers: { Authorization: "Bearer ${env:TOKEN}" } },
      },
    },
    null,
    2,
  );
  await using t = await setup({ "home/.cursor/mcp.json": text });
  const { items } = await plugin.read(t.ctx);
  assert.deepEqual(server(items, "s"), {
    transport: "stdio",
    command: "${userHome}/bin/srv",
    args: ["--token=${TOKEN}", "${workspaceFolder}", "$HOME", "${PLAIN}"],
    env: { A: "${A_KEY}", B: "literal" },
  });
  assert.deepEqual(server(items, "r"), {
    transport: "http",
    url: "https://${HOST}/mcp",
    headers: { Authorization: "Bearer ${TOKEN}" },
  });
  assert.deepEqual(await changes(t.ctx, items), []);

  // New values: references become ${env:…}; Cursor's own variables stay; defaults are noted.
  await using u = await setup();
  const plan = await plugin.plan({
    items: [mcp("user", "n", {
      transport: "stdio",
      command: "${workspaceFolder}/run",
      args: ["${TOKEN}", "${MODE:-fast}", "$HOME", "${env:LITERAL}"],
      env: { K: "x${KEY}y" },
    })],
  }, u.ctx);
  assert.deepEqual(entries(plan.writes[0].content!).n, {
    command: "${workspaceFolder}/run",
    args: ["${env:TOKEN}", "${env:MODE}", "$HOME", "${env:LITERAL}"],
    env: { K: "x${env:KEY}y" },
  });
  assert.deepEqual(plan.notes.map((n) => `${n.field}: ${n.message}`), [
    'args: Cursor has no default values for environment variables; "${MODE:-fast}" is written ' +
    "without its default",
    'args: "${env:LITERAL}" is literal text, but Cursor replaces it with an environment variable',
  ]);
});

Deno.test("cursor writes stdio and remote servers the way Cursor documents them", async () => {
  await using t = await setup();
  const items = [
    mcp("user", "fs", {
      transport: "stdio",
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
      env: { FOO: "bar" },
    }),
    mcp("user", "remote", {
      transport: "http",
      url: "http://127.0.0.1:9/mcp",
      headers: { Authorization: "Bearer abc" },
    }),
    mcp(t.pscope, "p", { transport: "stdio", command: "p" }),
  ];
  const plan = await plugin.plan({ items }, t.ctx);
  assert.deepEqual(plan.notes, []);
  const user = plan.writes.find((w) => w.path === t.user)!.content!;
  assert.equal(
    user,
    JSON.stringify(
      {
        mcpServers: {
          fs: {
            command: "npx",
            args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
            env: { FOO: "bar" },
          },
          remote: { url: "http://127.0.0.1:9/mcp", headers: { Authorization: "Bearer abc" } },
        },
      },
      null,
      2,
    ) + "\n",
  );
  await apply(plan);
  assert.deepEqual((await plugin.read(t.ctx)).items, items);
});

Deno.test("cursor reads Claude-style type and keeps it", async () => {
  await using t = await setup({
    "project/.cursor/mcp.json": JSON.stringify({
      mcpServers: {
        s: { type: "stdio", command: "s" },
        h: { type: "http", url: "http://h" },
        e: { type: "sse", url: "http://e" },
        both: { type: "stdio", command: "c", url: "http://c" },
        urlWins: { command: "c", url: "http://u" },
        odd: { type: "streamable-http", url: "http://o" },
        none: { name: "no url, no command" },
      },
    }),
  });
  const { items } = await plugin.read(t.ctx);
  const ex = (extras: Record<string, unknown>) => ({ cursor: extras });
  assert.deepEqual(items.map((i) => [i.name, (i.value as McpServer).transport]), [
    ["s", "stdio"],
    ["h", "http"],
    ["e", "sse"],
    ["both", "stdio"],
    ["urlWins", "http"],
    ["odd", "http"],
  ]);
  assert.deepEqual(server(items, "both")?.extras, ex({ url: "http://c" }));
  assert.deepEqual(server(items, "urlWins")?.extras, ex({ command: "c" }));
  assert.deepEqual(server(items, "odd")?.extras, ex({ type: "streamable-http" }));
  assert.deepEqual(await changes(t.ctx, items), []);
  // Changing them keeps their type; the entry with neither url nor command stays.
  const moved = items.map((i) =>
    i.kind === "mcp"
      ? {
        ...i,
        value: i.value.url
          ? { ...i.value, url: i.value.url + "/2" }
          : { ...i.value, command: i.value.command + "2" },
      }
      : i
  );
  const plan = await plugin.plan({ items: moved }, t.ctx);
  assert.deepEqual(plan.notes, []);
  const out = entries(plan.writes[0].content!);
  assert.deepEqual(out.s, { type: "stdio", command: "s2" });
  assert.deepEqual(out.e, { type: "sse", url: "http://e/2" });
  assert.deepEqual(out.both, { type: "stdio", command: "c2", url: "http://c" });
  assert.deepEqual(out.none, { name: "no url, no command" });
  await apply(plan);
  assert.deepEqual((await plugin.read(t.ctx)).items, moved);
});

Deno.test("cursor notes what mcp.json cannot hold", async () => {
  await using t = await setup();
  const plan = await plugin.plan({
    items: [
      mcp("user", "r", {
        transport: "sse",
        url: "http://r/sse",
        enabled: false,
        toolTimeoutMs: 5,
        tools: { deny: ["x"] },
        oauth: { clientId: "c" },
      }),
      mcp("user", "s", { transport: "stdio", command: "s", cwd: "/w", headers: { A: "1" } }),
      { kind: "instructions", scope: "user", name: "main", value: { text: "x" } },
    ],
  }, t.ctx);
  assert.deepEqual(entries(plan.writes[0].content!), {
    r: { url: "http://r/sse" },
    s: { command: "s" },
  });
  assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field ?? ""}`), [
    "mcp:user:r transport",
    "mcp:user:r enabled",
    "mcp:user:r toolTimeoutMs",
    "mcp:user:r tools",
    "mcp:user:r oauth",
    "mcp:user:s cwd",
    "mcp:user:s headers",
    "instructions:user:main ",
  ]);
  // An unchanged entry that should be off still gets its note.
  await apply(plan);
  const again = await plugin.plan({
    items: [mcp("user", "s", { transport: "stdio", command: "s", enabled: false })],
  }, t.ctx);
  assert.deepEqual(again.notes.map((n) => n.field), ["enabled"]);
});

Deno.test("cursor keeps the project's AGENTS.md byte for byte", async () => {
  await using t = await setup({ "project/AGENTS.md": "# old\r\n" });
  const { items } = await plugin.read(t.ctx);
  assert.deepEqual(items, [{
    kind: "instructions",
    scope: t.pscope,
    name: "main",
    value: { text: "# old\r\n" },
  }]);
  assert.deepEqual(await changes(t.ctx, items), []);
  const plan = await plugin.plan({ items: [] }, t.ctx);
  assert.deepEqual(plan.writes, [{ path: t.agents, content: null }]);
});

Deno.test("cursor keeps a byte order mark, comments and tabs", async () => {
  const text =
    '\uFEFF{\n\t// mine\n\t"mcpServers": {\n\t\t"a": {"command": "a"} // tail\n\t},\n\t"x": 1,\n}\n';
  await using t = await setup({ "home/.cursor/mcp.json": text });
  const { items, errors } = await plugin.read(t.ctx);
  assert.equal(errors, undefined);
  const plan = await plugin.plan({
    items: [...items, mcp("user", "b", { transport: "http", url: "http://b" })],
  }, t.ctx);
  const out = plan.writes[0].content!;
  assert.ok(
    out.startsWith('\uFEFF{\n\t// mine\n\t"mcpServers": {\n\t\t"a": {"command": "a"}, // tail'),
  );
  assert.ok(out.endsWith('\t},\n\t"x": 1,\n}\n'));
  assert.deepEqual(entries(out).b, { url: "http://b" });
});

Deno.test("cursor reports files it cannot read, and never plans them", async () => {
  for (const text of ['{"mcpServers": {"a": {"command": "a"}', "[]", '{"mcpServers": 5}']) {
    await using t = await setup({ "project/.cursor/mcp.json": text });
    const { errors } = await plugin.read(t.ctx);
    assert.equal(errors?.length, 1, text);
    assert.equal(errors![0].file, t.proj);
    assert.deepEqual(errors![0].scopes, [t.pscope]);
    const plan = await plugin.plan({
      items: [mcp(t.pscope, "n", { transport: "stdio", command: "n" })],
    }, t.ctx);
    assert.deepEqual(plan.writes, []);
  }
});

Deno.test("cursor reads every corpus file, and plan(read) writes nothing", async (t) => {
  for (const file of corpusTree(CORPUS, ".json", ".jsonc", ".md")) {
    await t.step(file, async () => {
      const text = await Deno.readTextFile(`${CORPUS}${file}`);
      const md = file.endsWith(".md");
      await using s = await setup(
        md
          ? { "project/AGENTS.md": text }
          : { "home/.cursor/mcp.json": text, "project/.cursor/mcp.json": text },
      );
      const read = await plugin.read(s.ctx);
      for (const e of read.errors ?? []) {
        assert.ok(e.file === s.user || e.file === s.proj, e.file);
        assert.ok(e.message.includes(e.file));
      }
      if (file.startsWith("cursor/")) {
        assert.equal(read.errors, undefined);
        assert.ok(read.items.length > 0);
      }
      assert.deepEqual(await changes(s.ctx, read.items), []);
    });
  }
});

Deno.test("cursor reads the corpus file with ${env:VAR} and registry keys", async () => {
  const file = `${CORPUS}cursor/AlbanAndrieu__fastapi-sample__.cursor__mcp.json`;
  const text = await Deno.readTextFile(file).catch(() => undefined);
  if (text === undefined) return; // the corpus is not part of every checkout
  await using t = await setup({ "project/.cursor/mcp.json": text });
  const { items } = await plugin.read(t.ctx);
  const gh = server(items, "io.github.github/github-mcp-server");
  assert.equal(gh?.env?.GITHUB_PERSONAL_ACCESS_TOKEN, "${GITHUB_TOKEN}");
  assert.deepEqual(gh?.extras, {
    cursor: { gallery: "https://api.mcp.github.com", version: "0.29.0" },
  });
  assert.equal(server(items, "grafana-readonly")?.env?.GRAFANA_PASSWORD, "${GRAFANA_PASSWORD}");
});

// ---------------------------------------------------------------------------------------------
// Commands, subagents and skills

function command(scope: string, name: string, value: Record<string, unknown>): Item {
  return { kind: "command", scope, name, value: { body: "", ...value } } as Item;
}

function agent(scope: string, name: string, value: Record<string, unknown>): Item {
  return { kind: "subagent", scope, name, value: { body: "", ...value } } as Item;
}

function find(items: Item[], kind: string, name: string, scope?: string) {
  return items.find((i) => i.kind === kind && i.name === name && (!scope || i.scope === scope));
}

Deno.test("cursor reads commands, subagents and skills of both scopes", async () => {
  await using s = await setup(await testdata("typical"));
  const { items, errors } = await plugin.read(s.ctx);
  assert.equal(errors, undefined);
  assert.deepEqual(find(items, "command", "review", "user")?.value, {
    description: "Review the current diff",
    body: "Review the staged changes for bugs, missing tests and unclear names.\n" +
      "Report findings as a list, most important first.\n",
  });
  assert.deepEqual(find(items, "command", "run-tests", s.pscope)?.value, {
    body: "Run the full test suite and fix every failure you can.\n\n" +
      "Reply with the list of tests that still fail.\n",
  });
  assert.deepEqual(find(items, "subagent", "verifier", "user")?.value, {
    description: "Validates completed work. Use after tasks are marked done.",
    model: "fast",
    body: "You are a skeptical validator. Check that the implementation works: run the tests,\n" +
      "look for edge cases, and report what is missing.\n",
    extras: { cursor: { readonly: true } },
  });
  // No `name` key: the file name is the name.
  assert.equal(find(items, "subagent", "researcher", s.pscope)?.kind, "subagent");
  const skill = find(items, "skill", "pdf-report", s.pscope);
  assert.ok(skill?.kind === "skill");
  assert.deepEqual(Object.keys(skill.value.files).sort(), ["SKILL.md", "scripts/build.sh"]);
  assert.ok(find(items, "skill", "commit-style", "user"));
  assert.deepEqual(await changes(s.ctx, items), []);
});

Deno.test("cursor reads the top level of commands/ only, and keeps odd frontmatter", async () => {
  await using s = await setup(await testdata("odd"));
  const { items, errors } = await plugin.read(s.ctx);
  assert.equal(errors, undefined);
  const names = items.filter((i) => i.kind === "command").map((i) => i.name).sort();
  assert.deepEqual(names, ["empty-front", "open-pr"]);
  const pr = find(items, "command", "open-pr");
  assert.deepEqual(pr?.value, {
    description: "Open a PR: title, body, reviewers",
    body: "Commit, push and open a pull request.\r\nReply with only the link.\r\n",
    extras: {
      cursor: { handoffs: [{ label: "Review it", agent: "reviewer", send: false }] },
    },
  });
  // The `name` key names the subagent, not the file.
  const sec = find(items, "subagent", "security-reviewer");
  assert.ok(sec?.kind === "subagent");
  // Changing the description edits that key only: comments, CRLF and unknown keys stay.
  const edited = items.map((i) =>
    i === pr && i.kind === "command" ? { ...i, value: { ...i.value, description: "Open a PR" } } : i
  );
  const plan = await plugin.plan({ items: edited }, s.ctx);
  assert.deepEqual(plan.writes.map((w) => w.path), [`${s.home}/.cursor/commands/open-pr.md`]);
  assert.equal(
    plan.writes[0].content,
    '---\r\n# shown in the slash menu\r\ndescription: "Open a PR"\r\nhandoffs:\r\n' +
      "  - label: Review it\r\n    agent: reviewer\r\n    send: false\r\n---\r\n\r\n" +
      "Commit, push and open a pull request.\r\nReply with only the link.\r\n",
  );
});

Deno.test("cursor: placeholders in command bodies, both ways, with notes", async () => {
  const cases: [string, string, RegExp[]][] = [
    // Cursor sends the arguments after the command: a trailing $ARGUMENTS goes.
    ["Summarise the diff.\n\n$ARGUMENTS\n", "Summarise the diff.\n", [/trailing "\$ARGUMENTS"/]],
    ["Review: $ARGUMENTS", "Review:", [/trailing/]],
    ["$ARGUMENTS", "", [/trailing/]],
    // Anywhere else it stays as text, noted.
    ["Say hello to $ARGUMENTS.\n", "Say hello to $ARGUMENTS.\n", [/"\$ARGUMENTS" stays as text/]],
    [
      "Compare $ARGUMENTS[0] with $ARGUMENTS[1] and !{git diff}\n$ARGUMENTS\n",
      "Compare $ARGUMENTS[0] with $ARGUMENTS[1] and !{git diff}\n",
      [/trailing/, /"\$ARGUMENTS\[0\]", "\$ARGUMENTS\[1\]", "!\{git diff\}" stay as text/],
    ],
    // No placeholder, or an escaped one: nothing to say.
    ["Plain text, costs $5 (\\$ARGUMENTS).\n", "Plain text, costs $5 (\\$ARGUMENTS).\n", []],
  ];
  for (const [canon, file, notes] of cases) {
    await using s = await setup();
    const item = command("user", "c", { body: canon });
    const plan = await plugin.plan({ items: [item] }, s.ctx);
    assert.deepEqual(plan.writes, [{ path: `${s.home}/.cursor/commands/c.md`, content: file }]);
    assert.equal(plan.notes.length, notes.length, canon);
    notes.forEach((re, i) => assert.match(plan.notes[i].message, re, canon));
    assert.ok(plan.notes.every((n) => n.item === itemKey(item)));
    await apply(plan);
    const back = find((await plugin.read(s.ctx)).items, "command", "c");
    // Read is verbatim: what Cursor's file holds is the canonical body.
    assert.deepEqual(back?.value, { body: file });
    assert.deepEqual(await changes(s.ctx, [item]), [], "stable after the write");
  }
});

Deno.test("cursor notes what a command or subagent file cannot hold", async () => {
  await using s = await setup();
  const cmd = command("user", "fix", {
    description: "Fix it",
    argumentHint: "[issue]",
    body: "Fix.\n",
  });
  const nested = command("user", "git:commit", { body: "Commit.\n" });
  const sub = agent(s.pscope, "reviewer", {
    description: "Reviews code",
    model: "inherit",
    tools: ["Read", "Grep"],
    body: "You review code.\n",
    extras: { cursor: { readonly: true }, claude_code: { color: "red" } },
  });
  const plan = await plugin.plan({ items: [cmd, nested, sub] }, s.ctx);
  assert.deepEqual(plan.writes, [
    {
      path: `${s.home}/.cursor/commands/fix.md`,
      content: "---\ndescription: Fix it\n---\n\nFix.\n",
    },
    {
      path: `${s.project}/.cursor/agents/reviewer.md`,
      content: "---\nname: reviewer\ndescription: Reviews code\nmodel: inherit\nreadonly: true\n" +
        "---\n\nYou review code.\n",
    },
  ]);
  const notes = plan.notes.map((n) => `${n.item} ${n.field}: ${n.message}`);
  assert.equal(notes.length, 3, notes.join("\n"));
  assert.match(notes[0], /command:user:fix argumentHint: Cursor has no place for an argument hint/);
  assert.match(notes[1], /git:commit name: Cursor cannot keep a command named "git:commit"/);
  assert.match(notes[2], /reviewer tools: Cursor has no tool list/);
});

Deno.test("cursor: a subagent file without `name` keeps having none", async () => {
  await using s = await setup(await testdata("typical"));
  const { items } = await plugin.read(s.ctx);
  const edited = items.map((i) =>
    i.kind === "subagent" && i.name === "researcher"
      ? { ...i, value: { ...i.value, description: "Researches a topic" } }
      : i
  );
  const plan = await plugin.plan({ items: edited }, s.ctx);
  assert.deepEqual(plan.writes, [{
    path: `${s.project}/.cursor/agents/researcher.md`,
    content: "---\ndescription: Researches a topic\nmodel: inherit\nis_background: true\n---\n\n" +
      "Find five to seven sources, summarise them and flag contradictions.\n",
  }]);
  assert.deepEqual(plan.notes, []);
});

Deno.test("cursor keeps a skill byte for byte, binary files and modes included", async () => {
  await using s = await setup();
  const bin = [0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 254, 255];
  const b64 = (x: string | number[]) => btoa(typeof x === "string" ? x : String.fromCharCode(...x));
  const skill: Item = {
    kind: "skill",
    scope: s.pscope,
    name: "charts",
    value: {
      files: {
        "SKILL.md": {
          base64: b64("---\nname: charts\ndescription: Draw charts\n---\nDraw.\n"),
          mode: 0o644,
        },
        "assets/logo.png": { base64: b64(bin), mode: 0o644 },
        "scripts/draw.sh": { base64: b64("#!/bin/sh\necho chart\n"), mode: 0o755 },
      },
    },
  };
  const plan = await plugin.plan({ items: [skill] }, s.ctx);
  assert.deepEqual(plan.notes, []);
  await apply(plan);
  const dir = `${s.project}/.cursor/skills/charts`;
  assert.deepEqual([...await Deno.readFile(`${dir}/assets/logo.png`)], bin);
  assert.equal((await Deno.stat(`${dir}/scripts/draw.sh`)).mode! & 0o777, 0o755);
  const back = find((await plugin.read(s.ctx)).items, "skill", "charts");
  assert.deepEqual(back?.value, skill.value);
  // Removing the skill removes its files.
  const gone = await plugin.plan({ items: [] }, s.ctx);
  assert.deepEqual(gone.writes.map((w) => [w.path.slice(dir.length), w.content]).sort(), [
    ["/SKILL.md", null],
    ["/assets/logo.png", null],
    ["/scripts/draw.sh", null],
  ]);
});

Deno.test("cursor: a broken command file freezes that folder only", async () => {
  await using s = await setup(await testdata("broken_front"));
  const read = await plugin.read(s.ctx);
  assert.equal(read.errors?.length, 1);
  const e = read.errors![0];
  assert.equal(e.file, `${s.project}/.cursor/commands/bad.md`);
  assert.equal(e.line, 2);
  assert.ok(e.message.includes(e.file));
  assert.deepEqual(e.kinds, ["command"]);
  assert.deepEqual(e.scopes, [s.pscope]);
  const plan = await plugin.plan({
    items: [
      ...read.items,
      command(s.pscope, "new", { body: "New.\n" }),
      command("user", "fine", { body: "Fine.\n" }),
      agent(s.pscope, "helper", { description: "Helps", body: "Help.\n" }),
    ],
  }, s.ctx);
  assert.deepEqual(plan.writes.map((w) => w.path).sort(), [
    `${s.home}/.cursor/commands/fine.md`,
    `${s.project}/.cursor/agents/helper.md`,
  ]);
});

Deno.test("cursor: a broken mcp.json does not freeze commands", async () => {
  await using s = await setup({ "project/.cursor/mcp.json": "{ nope" });
  const read = await plugin.read(s.ctx);
  assert.deepEqual(read.errors?.map((e) => e.kinds), [["mcp"]]);
  const plan = await plugin.plan({ items: [command(s.pscope, "c", { body: "C.\n" })] }, s.ctx);
  assert.deepEqual(plan.writes.map((w) => w.path), [`${s.project}/.cursor/commands/c.md`]);
});

Deno.test("cursor: a project that is the home folder is the user's .cursor", async () => {
  await using s = await setup(await testdata("typical"));
  const ctx = contextFor(manifest, s.home, [s.home]);
  const read = await plugin.read(ctx);
  assert.ok(
    read.items.every((i) => i.kind === "mcp" || i.kind === "instructions" || i.scope === "user"),
  );
  const item = command(`project:${s.home}`, "x", { body: "X.\n" });
  const plan = await plugin.plan({ items: [...read.items, item] }, ctx);
  assert.ok(!plan.writes.some((w) => w.path.endsWith("/x.md")));
  assert.deepEqual(plan.notes.map((n) => n.item), [itemKey(item)]);
});

Deno.test("cursor reads every corpus command and subagent, and plan(read) writes nothing", async (t) => {
  for (const [dir, folder] of [["commands", "commands"], ["subagents", "agents"]]) {
    for (const name of corpusNames(`${CORPUS}${dir}`, ".md")) {
      await t.step(`${dir}/${name}`, async () => {
        const text = await Deno.readTextFile(`${CORPUS}${dir}/${name}`);
        const file = `project/.cursor/${folder}/corpus.md`;
        await using s = await setup({ [file]: text });
        const read = await plugin.read(s.ctx);
        for (const e of read.errors ?? []) {
          assert.equal(e.file, `${s.project}/.cursor/${folder}/corpus.md`);
          assert.ok(e.line, "a line");
        }
        if (!read.errors) assert.equal(read.items.length, 1);
        assert.deepEqual(await changes(s.ctx, read.items), []);
      });
    }
  }
});
