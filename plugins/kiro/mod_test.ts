import assert from "node:assert/strict";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import { type Context, type Item, itemKey, type McpServer, parseJsonc } from "../_contract.ts";
import {
  applyPlan as apply,
  assertNoop,
  caseFiles,
  corpusNames,
  tempCase,
} from "../_test_helpers.ts";

runConformance("kiro");

const { manifest, plugin } = await loadPlugin("kiro");
const CORPUS = new URL("../../../shared/corpus/kiro/", import.meta.url).pathname;
const TESTDATA = new URL("testdata/", import.meta.url).pathname;

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function setup(files: Record<string, string> = {}) {
  const t = await tempCase(manifest, files);
  return Object.assign(t, {
    user: `${t.home}/.kiro/settings/mcp.json`,
    proj: `${t.project}/.kiro/settings/mcp.json`,
  });
}

const testdata = (name: string) => caseFiles(`${TESTDATA}${name}`);
const noop = (ctx: Context) => assertNoop(plugin, ctx);

function mcp(name: string, value: McpServer, scope = "user"): Item {
  return { kind: "mcp", scope, name, value };
}

function byName(items: Item[], scope = "user"): Record<string, McpServer> {
  return Object.fromEntries(
    items.flatMap((i) => i.kind === "mcp" && i.scope === scope ? [[i.name, i.value]] : []),
  );
}

function servers(text: string): Record<string, unknown> {
  return (parseJsonc(text, "t") as { mcpServers: Record<string, unknown> }).mcpServers;
}

Deno.test("kiro reads disabled, disabledTools, oauth and keeps autoApprove as an extra", async () => {
  await using env = await setup(await testdata("typical"));
  const read = await noop(env.ctx);
  assert.deepEqual(byName(read.items), {
    fetch: {
      transport: "stdio",
      command: "uvx",
      args: ["mcp-server-fetch"],
      extras: { kiro: { autoApprove: ["fetch"] } },
    },
    "web-search": {
      transport: "stdio",
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-brave-search"],
      env: { BRAVE_API_KEY: "${BRAVE_API_KEY}" },
      enabled: false,
      tools: { deny: ["brave_local_search"] },
      extras: { kiro: { autoApprove: [] } },
    },
    "api-server": {
      transport: "http",
      url: "https://api.example.com/mcp",
      headers: { Authorization: "Bearer ${API_TOKEN}", "X-Custom-Header": "value" },
    },
  });
  assert.deepEqual(byName(read.items, env.pscope).linear, {
    transport: "http",
    url: "https://mcp.linear.app/mcp",
    oauth: { clientId: "kiro-linear-client", scopes: ["read", "write"] },
  });
  const memory = read.items.filter((i) => i.kind === "instructions").map((i) => i.scope);
  assert.deepEqual(memory, ["user", env.pscope]);
});

Deno.test("kiro turns a server on and off with disabled, keeping its other keys", async () => {
  await using env = await setup(await testdata("typical"));
  const read = await noop(env.ctx);
  const flip = (i: Item): Item => {
    if (i.kind !== "mcp" || i.scope !== "user") return i;
    if (i.name === "fetch") return { ...i, value: { ...i.value, enabled: false } };
    if (i.name === "web-search") {
      const { enabled: _, ...rest } = i.value;
      return { ...i, value: rest };
    }
    return i;
  };
  const before = (await env.read("home/.kiro/settings/mcp.json"))!;
  await apply(await plugin.plan({ items: read.items.map(flip) }, env.ctx));
  const after = (await env.read("home/.kiro/settings/mcp.json"))!;
  assert.equal(
    after,
    before.replace('"disabled": true', '"disabled": false').replace(
      '"disabled": false,\n      "autoApprove": [\n        "fetch"',
      (m) => m.replace("false", "true"),
    ),
  );
});

Deno.test("kiro writes new entries as its docs show them, references as ${VAR}", async () => {
  await using env = await setup();
  const plan = await plugin.plan({
    items: [
      mcp("search", {
        transport: "stdio",
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-brave-search"],
        env: { BRAVE_API_KEY: "${BRAVE_API_KEY}" },
        tools: { deny: ["x"] },
      }),
      mcp("api", {
        transport: "http",
        url: "https://api.example.com/mcp",
        headers: { Authorization: "Bearer ${API_TOKEN}" },
        enabled: false,
        oauth: { clientId: "c", scopes: ["s"] },
      }),
    ],
  }, env.ctx);
  assert.deepEqual(plan.notes, []);
  await apply(plan);
  const text = (await env.read("home/.kiro/settings/mcp.json"))!;
  assert.deepEqual(servers(text), {
    search: {
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-brave-search"],
      env: { BRAVE_API_KEY: "${BRAVE_API_KEY}" },
      disabledTools: ["x"],
    },
    api: {
      url: "https://api.example.com/mcp",
      headers: { Authorization: "Bearer ${API_TOKEN}" },
      oauth: { clientId: "c" },
      oauthScopes: ["s"],
      disabled: true,
    },
  });
  assert.ok(text.startsWith('{\n  "mcpServers": {\n    "search": {\n      "command": "npx",'));
});

Deno.test("kiro: odd entries keep their unknown keys byte for byte", async () => {
  await using env = await setup(await testdata("odd"));
  const read = await noop(env.ctx);
  assert.deepEqual(byName(read.items), {
    "aws-docs": {
      transport: "stdio",
      command: "uvx",
      args: ["awslabs.aws-documentation-mcp-server@latest"],
      env: { FASTMCP_LOG_LEVEL: "ERROR" },
      extras: { kiro: { autoApprove: ["*"], timeout: 120000 } },
    },
    "typed-remote": {
      transport: "http",
      url: "https://mcp.context7.com/mcp",
      headers: { CONTEXT7_API_KEY: "${env:CONTEXT7_API_KEY}" },
      oauth: { clientId: "abc" },
      extras: { kiro: { type: "http", oauth: { redirectUri: "http://localhost:3118" } } },
    },
    "weird-disabled": {
      transport: "stdio",
      command: "srv",
      extras: { kiro: { disabled: "yes", args: [1, 2] } },
    },
    "empty-oauth": {
      transport: "http",
      url: "http://127.0.0.1:7777/mcp",
      extras: { kiro: { oauth: {} } },
    },
  });
  // A changed client id keeps the other oauth keys; everything else stays.
  const items = read.items.map((i) =>
    i.kind === "mcp" && i.name === "typed-remote"
      ? { ...i, value: { ...i.value, oauth: { clientId: "xyz" } } }
      : i
  );
  const before = (await env.read("home/.kiro/settings/mcp.json"))!;
  await apply(await plugin.plan({ items }, env.ctx));
  const after = (await env.read("home/.kiro/settings/mcp.json"))!;
  assert.equal(after, before.replace('"clientId": "abc"', '"clientId": "xyz"'));
});

Deno.test("kiro notes what it cannot express", async () => {
  await using env = await setup();
  const items = [
    mcp("events", { transport: "sse", url: "http://127.0.0.1:1/sse" }),
    mcp("local", {
      transport: "stdio",
      command: "srv",
      args: ["--key=${KEY:-dev}"],
      cwd: "/srv",
      toolTimeoutMs: 1000,
      tools: { allow: ["a"] },
    }),
  ];
  const plan = await plugin.plan({ items }, env.ctx);
  assert.deepEqual(plan.notes.map((n) => [n.item, n.field]), [
    [itemKey(items[0]), "transport"],
    [itemKey(items[1]), "cwd"],
    [itemKey(items[1]), "toolTimeoutMs"],
    [itemKey(items[1]), "tools.allow"],
    [itemKey(items[1]), "args[0]"],
  ]);
  await apply(plan);
  assert.deepEqual(servers((await env.read("home/.kiro/settings/mcp.json"))!), {
    events: { url: "http://127.0.0.1:1/sse" },
    local: { command: "srv", args: ["--key=${KEY:-dev}"] },
  });
});

Deno.test("kiro writes and deletes AGENTS.md per scope, and leaves steering files alone", async () => {
  await using env = await setup(await testdata("typical"));
  const read = await noop(env.ctx);
  const items = read.items.filter((i) => !(i.kind === "instructions" && i.scope === "user"))
    .map((i) => i.kind === "instructions" ? { ...i, value: { text: "# Changed\n" } } : i);
  const plan = await plugin.plan({ items }, env.ctx);
  await apply(plan);
  assert.equal(await env.read("home/.kiro/steering/AGENTS.md"), undefined);
  assert.equal(await env.read("project/AGENTS.md"), "# Changed\n");
  assert.ok((await env.read("project/.kiro/steering/tech.md"))?.includes("inclusion: always"));
});

Deno.test("kiro reports broken files and keeps the other scope", async () => {
  for (const name of ["broken_json", "broken_comma", "broken_shape"]) {
    await using env = await setup(await testdata(name));
    const read = await plugin.read(env.ctx);
    assert.equal(read.errors?.length, 1, name);
    const e = read.errors![0];
    assert.ok(e.line, `${name}: a line`);
    assert.deepEqual(e.kinds, ["mcp"]);
    const scope = e.file === env.user ? "user" : env.pscope;
    assert.deepEqual(e.scopes, [scope]);
    const plan = await plugin.plan({
      items: [...read.items, mcp("n", { transport: "stdio", command: "x" }, scope)],
    }, env.ctx);
    assert.ok(!plan.writes.some((w) => w.path === e.file), `${name}: planned the broken file`);
  }
});

Deno.test({
  name: "kiro reads every corpus file without a throw, and plan(read) writes nothing",
  ignore: !(await Deno.stat(CORPUS).then(() => true, () => false)),
  fn: async () => {
    for (const entry of Deno.readDirSync(CORPUS)) {
      const text = await Deno.readTextFile(CORPUS + entry.name);
      for (const rel of ["home/.kiro/settings/mcp.json", "project/.kiro/settings/mcp.json"]) {
        await using env = await setup({ [rel]: text });
        const read = await noop(env.ctx);
        assert.deepEqual(read.errors ?? [], [], entry.name);
        assert.ok(read.items.length > 0, entry.name);
        // Removing every server leaves the file's frame; adding them back restores the data.
        await apply(await plugin.plan({ items: [] }, env.ctx));
        await apply(await plugin.plan({ items: read.items }, env.ctx));
        const back = await plugin.read(env.ctx);
        assert.deepEqual(back.items, read.items, entry.name);
      }
    }
  },
});

Deno.test("kiro: a project that is the home folder does not write the user's file twice", async () => {
  await using env = await setup(await testdata("typical"));
  const home = env.user.slice(0, env.user.indexOf("/.kiro/"));
  const ctx = contextFor(manifest, home, [home]);
  const read = await plugin.read(ctx);
  assert.ok(read.items.every((i) => i.kind !== "mcp" || i.scope === "user"));
  const item = mcp("p", { transport: "stdio", command: "x" }, `project:${home}`);
  const plan = await plugin.plan({ items: [...read.items, item] }, ctx);
  assert.deepEqual(plan.writes.filter((w) => w.path === env.user), []);
  assert.deepEqual(plan.notes.map((n) => n.item), [itemKey(item)]);
});

// ---------------------------------------------------------------------------------------------
// Prompts, custom agents and skills

const CORPUS_ALL = new URL("../../../shared/corpus/", import.meta.url).pathname;

function folderItem(
  kind: "command" | "subagent",
  scope: string,
  name: string,
  value: Record<string, unknown>,
): Item {
  return { kind, scope, name, value: { body: "", ...value } } as Item;
}

function find(items: Item[], kind: string, name: string, scope?: string) {
  return items.find((i) => i.kind === kind && i.name === name && (!scope || i.scope === scope));
}

Deno.test("kiro reads prompts, Markdown agents and skills, and leaves JSON agents alone", async () => {
  await using env = await setup(await testdata("typical"));
  const { items, errors } = await noop(env.ctx);
  assert.equal(errors, undefined);
  assert.deepEqual(find(items, "command", "code-review", "user")?.value, {
    body: "Review the changes in this workspace for bugs, security problems and missing tests.\n" +
      "List each finding with its file and line.\n",
  });
  assert.ok(find(items, "command", "release-notes", env.pscope));
  assert.deepEqual(find(items, "subagent", "backend", "user")?.value, {
    description: "Backend development agent",
    model: "claude-sonnet-4",
    tools: ["Read", "Grep", "Glob", "Write", "Edit", "Bash", "WebFetch", "WebSearch"],
    body:
      "You are a backend developer focused on Node.js and TypeScript. Always use async/await.\n" +
      "All database queries must be parameterized.\n",
    extras: {
      kiro: {
        mcpServers: {
          postgres: {
            command: "npx",
            args: ["-y", "@modelcontextprotocol/server-postgres"],
            env: { DATABASE_URL: "${DATABASE_URL}" },
          },
        },
        permissions: [{ capability: "shell", effect: "allow", match: ["npm *", "node *"] }],
      },
    },
  });
  // A sub-folder is part of the name; the JSON agent is not an item.
  assert.deepEqual(
    items.filter((i) => i.kind === "subagent" && i.scope === env.pscope).map((i) => i.name),
    ["team:planner"],
  );
  const skill = find(items, "skill", "aws-deploy", "user");
  assert.ok(skill?.kind === "skill");
  assert.deepEqual(Object.keys(skill.value.files).sort(), ["SKILL.md", "references/stacks.md"]);
  // Deleting everything removes the Markdown agents but never the JSON one.
  const plan = await plugin.plan({ items: [] }, env.ctx);
  assert.ok(!plan.writes.some((w) => w.path.endsWith(".json") && w.path.includes("/agents/")));
  assert.ok(plan.writes.some((w) => w.path === `${env.project}/.kiro/agents/team/planner.md`));
});

Deno.test("kiro: prompts keep their body and frontmatter; placeholders are noted", async () => {
  await using env = await setup(await testdata("odd"));
  const { items, errors } = await noop(env.ctx);
  assert.equal(errors, undefined);
  // The top level only: drafts/later.md is not a prompt.
  assert.deepEqual(
    items.filter((i) => i.kind === "command").map((i) => i.name).sort(),
    ["explain", "fix-build"],
  );
  assert.deepEqual(find(items, "command", "fix-build")?.value, {
    body: "Fix the failing build, then run the tests again.\r\n",
    extras: { kiro: { title: "Fix the build", tags: ["ci", "build"] } },
  });
  assert.deepEqual(find(items, "command", "explain")?.value, {
    body: "Explain ${1} to a new team member, then $ARGUMENTS.\n",
  });
  const plan = await plugin.plan({ items }, env.ctx);
  assert.deepEqual(plan.notes.map((n) => n.message), [
    'Kiro does not fill in arguments in prompt files (arguments after @name are dropped): "${1}", ' +
    '"$ARGUMENTS" stay as text',
  ]);

  // New prompts: the body as it is, a description and an argument hint are noted.
  const cmd = folderItem("command", "user", "hello", {
    description: "Say hello",
    argumentHint: "[name]",
    body: "Say hello to $ARGUMENTS.\n",
  });
  const nested = folderItem("command", "user", "git:commit", { body: "Commit.\n" });
  const next = await plugin.plan({ items: [...items, cmd, nested] }, env.ctx);
  const path = `${env.ctx.home}/.kiro/prompts/hello.md`;
  assert.deepEqual(next.writes, [{ path, content: "Say hello to $ARGUMENTS.\n" }]);
  const mine = next.notes.filter((n) => n.item !== itemKey(find(items, "command", "explain")!));
  assert.deepEqual(mine.map((n) => [n.item, n.field]), [
    [itemKey(cmd), "description"],
    [itemKey(cmd), "argumentHint"],
    [itemKey(cmd), "body"],
    [itemKey(nested), "name"],
  ]);
  assert.match(mine[3].message, /Kiro cannot keep a command named "git:commit"/);
});

Deno.test("kiro maps Claude Code tools to Kiro's tool tags, with notes", async () => {
  const cases: [string[], string[], RegExp[]][] = [
    [["Read", "Grep", "Glob", "Bash"], ["read", "shell"], []],
    [["Read"], ["read"], [/by category \("read"\): the tool list reads back as Read, Grep, Glob$/]],
    [["Grep", "Read", "Glob"], ["read"], [/reads back as Read, Grep, Glob$/]],
    [["Edit", "WebSearch"], ["write", "web"], [
      /\("write", "web"\): the tool list reads back as Write, Edit, WebFetch, WebSearch$/,
    ]],
    [["Read", "Grep", "Glob", "mcp__github__create_issue", "NotebookEdit"], ["read"], [
      /no tool tag for "mcp__github__create_issue", "NotebookEdit"; not written/,
    ]],
    // Kiro's own tags are kept as they are.
    [["@mcp", "Bash", "*", "subagent"], ["@mcp", "shell", "*", "subagent"], []],
  ];
  for (const [canon, tags, notes] of cases) {
    await using env = await setup();
    const item = folderItem("subagent", env.pscope, "helper", {
      description: "Helps",
      tools: canon,
      body: "Help.\n",
    });
    const plan = await plugin.plan({ items: [item] }, env.ctx);
    const path = `${env.project}/.kiro/agents/helper.md`;
    const tools = tags.map((t) => `  - ${/^[@*]/.test(t) ? `"${t}"` : t}\n`).join("");
    assert.deepEqual(plan.writes, [{
      path,
      content: `---\ndescription: Helps\ntools:\n${tools}---\n\nHelp.\n`,
    }], canon.join());
    assert.deepEqual(plan.notes.map((n) => n.field), notes.map(() => "tools"), canon.join());
    notes.forEach((re, i) => assert.match(plan.notes[i].message, re));
    await apply(plan);
    const back = find((await plugin.read(env.ctx)).items, "subagent", "helper");
    assert.ok(back?.kind === "subagent");
    if (!notes.length) assert.deepEqual(back.value.tools, canon);
    assert.equal((await plugin.plan({ items: [item] }, env.ctx)).writes.length, 0, "stable");
  }
});

Deno.test("kiro edits an agent key by key and writes namespaced agents in sub-folders", async () => {
  await using env = await setup(await testdata("typical"));
  const { items } = await plugin.read(env.ctx);
  const edited = items.map((i) =>
    i.kind === "subagent" && i.name === "backend"
      ? { ...i, value: { ...i.value, model: "claude-opus-4", tools: ["Read", "Grep", "Glob"] } }
      : i
  );
  const fresh = folderItem("subagent", env.pscope, "team:reviewer", {
    description: "Reviews the team's changes",
    model: "claude-sonnet-4",
    body: "Review.\n",
    extras: { kiro: { welcomeMessage: "Ready." }, cursor: { readonly: true } },
  });
  const plan = await plugin.plan({ items: [...edited, fresh] }, env.ctx);
  const backend = `${env.ctx.home}/.kiro/agents/backend.md`;
  const original = await Deno.readTextFile(backend);
  assert.deepEqual(plan.writes, [
    {
      path: backend,
      content: original.replace("model: claude-sonnet-4", "model: claude-opus-4")
        .replace("tools: [read, write, shell, web]", "tools: [read]"),
    },
    {
      path: `${env.project}/.kiro/agents/team/reviewer.md`,
      content: "---\ndescription: Reviews the team's changes\nmodel: claude-sonnet-4\n" +
        "welcomeMessage: Ready.\n---\n\nReview.\n",
    },
  ]);
  assert.deepEqual(plan.notes, []);
});

Deno.test("kiro does not write a Markdown agent over a JSON agent's name", async () => {
  await using env = await setup(await testdata("typical"));
  const { items } = await plugin.read(env.ctx);
  const item = folderItem("subagent", env.pscope, "legacy", { description: "x", body: "x\n" });
  const plan = await plugin.plan({ items: [...items, item] }, env.ctx);
  assert.deepEqual(plan.writes, []);
  assert.deepEqual(plan.notes.map((n) => [n.item, n.field]), [[itemKey(item), "name"]]);
  assert.match(plan.notes[0].message, /JSON agent ".*legacy\.json"/);
});

Deno.test("kiro keeps a skill byte for byte, binary files and modes included", async () => {
  await using env = await setup();
  const bin = [0, 1, 2, 0x89, 0x50, 0x4e, 0x47, 255];
  const b64 = (x: string | number[]) => btoa(typeof x === "string" ? x : String.fromCharCode(...x));
  const skill: Item = {
    kind: "skill",
    scope: "user",
    name: "diagrams",
    value: {
      files: {
        "SKILL.md": {
          base64: b64("---\nname: diagrams\ndescription: Draw diagrams\n---\nDraw.\n"),
          mode: 0o644,
        },
        "assets/icon.bin": { base64: b64(bin), mode: 0o644 },
        "scripts/run.sh": { base64: b64("#!/bin/sh\necho ok\n"), mode: 0o755 },
      },
    },
  };
  const plan = await plugin.plan({ items: [skill] }, env.ctx);
  assert.deepEqual(plan.notes, []);
  await apply(plan);
  const dir = `${env.ctx.home}/.kiro/skills/diagrams`;
  assert.deepEqual([...await Deno.readFile(`${dir}/assets/icon.bin`)], bin);
  assert.equal((await Deno.stat(`${dir}/scripts/run.sh`)).mode! & 0o777, 0o755);
  assert.deepEqual(
    find((await plugin.read(env.ctx)).items, "skill", "diagrams")?.value,
    skill.value,
  );
});

Deno.test("kiro: a broken agent file freezes the agents of its scope only", async () => {
  await using env = await setup(await testdata("broken_agent"));
  const read = await plugin.read(env.ctx);
  assert.equal(read.errors?.length, 1);
  const e = read.errors![0];
  assert.equal(e.file, `${env.project}/.kiro/agents/broken.md`);
  assert.equal(e.line, 4);
  assert.ok(e.message.includes(e.file));
  assert.deepEqual(e.kinds, ["subagent"]);
  assert.deepEqual(e.scopes, [env.pscope]);
  const plan = await plugin.plan({
    items: [
      ...read.items,
      folderItem("subagent", env.pscope, "new", { description: "New", body: "New.\n" }),
      folderItem("subagent", "user", "mine", { description: "Mine", body: "Mine.\n" }),
      folderItem("command", env.pscope, "p", { body: "P.\n" }),
    ],
  }, env.ctx);
  assert.deepEqual(plan.writes.map((w) => w.path).sort(), [
    `${env.ctx.home}/.kiro/agents/mine.md`,
    `${env.project}/.kiro/prompts/p.md`,
  ]);
});

Deno.test("kiro reads every corpus command and subagent, and plan(read) writes nothing", async (t) => {
  for (const [dir, folder] of [["commands", "prompts"], ["subagents", "agents"]]) {
    for (const name of corpusNames(`${CORPUS_ALL}${dir}`, ".md")) {
      await t.step(`${dir}/${name}`, async () => {
        const text = await Deno.readTextFile(`${CORPUS_ALL}${dir}/${name}`);
        await using env = await setup({ [`project/.kiro/${folder}/corpus.md`]: text });
        const read = await noop(env.ctx);
        for (const e of read.errors ?? []) {
          assert.equal(e.file, `${env.project}/.kiro/${folder}/corpus.md`);
          assert.ok(e.line, "a line");
        }
        if (!read.errors) assert.equal(read.items.length, 1);
      });
    }
  }
});
