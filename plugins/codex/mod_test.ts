import assert from "node:assert/strict";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import { type Item, type McpServer, type Note, parseToml, type PlanResult } from "../_contract.ts";
import { promptBodyFromCodex, promptBodyToCodex } from "./mod.ts";
import { applyPlan as apply, copiedCase, corpusNames, tempCase } from "../_test_helpers.ts";

runConformance("codex");

const { manifest, plugin } = await loadPlugin("codex");
const FIXTURES = new URL("../../../shared/fixtures/codex/", import.meta.url).pathname;
const CORPUS = new URL("../../../shared/corpus/codex/", import.meta.url).pathname;
const CODEX = "/root/.cache/aisync-ci/clients/node_modules/.bin/codex";

/** A temp home and project with the given files (paths relative to the temp root). */
async function setup(files: Record<string, string> = {}) {
  const t = await tempCase(manifest, files);
  await Deno.mkdir(`${t.home}/.codex`, { recursive: true });
  await Deno.mkdir(`${t.project}/.codex`, { recursive: true });
  return Object.assign(t, {
    user: `${t.home}/.codex/config.toml`,
    proj: `${t.project}/.codex/config.toml`,
  });
}

function mcp(name: string, value: Item["value"], scope = "user"): Item {
  return { kind: "mcp", scope, name, value } as Item;
}

function written(plan: PlanResult, path: string): string {
  const w = plan.writes.find((w) => w.path === path);
  assert.ok(w?.content, `expected a write to ${path}`);
  return w.content;
}

function servers(text: string): Record<string, unknown> {
  return parseToml(text, "test").mcp_servers as Record<string, unknown>;
}

Deno.test("codex read() maps the fixture written by `codex mcp add`", async () => {
  await using s = await setup({
    "home/.codex/config.toml": await Deno.readTextFile(`${FIXTURES}home/.codex/config.toml`),
  });
  const { items, errors } = await plugin.read(s.ctx);
  assert.equal(errors, undefined);
  assert.deepEqual(items, [
    mcp("fs", {
      transport: "stdio",
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
      env: { FOO: "bar" },
    }),
    mcp("remote", {
      transport: "http",
      url: "http://127.0.0.1:9/mcp",
      headers: { Authorization: "Bearer ${MY_TOKEN}" },
    }),
  ]);
});

Deno.test("codex plan() writes new servers exactly like `codex mcp add`", async () => {
  const fixture = await Deno.readTextFile(`${FIXTURES}home/.codex/config.toml`);
  await using s = await setup();
  const plan = await plugin.plan({
    items: [
      mcp("fs", {
        transport: "stdio",
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
        env: { FOO: "bar" },
      }),
      mcp("remote", {
        transport: "http",
        url: "http://127.0.0.1:9/mcp",
        headers: { Authorization: "Bearer ${MY_TOKEN}" },
      }),
    ],
  }, s.ctx);
  assert.deepEqual(plan.notes, []);
  const text = written(plan, s.user);
  assert.deepEqual(parseToml(text, "planned"), parseToml(fixture, "fixture"));
  assert.equal(text, fixture);
  // Only the user file: no project file is created for a scope without items.
  assert.equal(plan.writes.length, 1);
});

Deno.test("codex plan() adds a server after the others and keeps every other byte", async () => {
  const before = [
    "# top comment",
    'model = "o3"',
    "",
    "[mcp_servers.a] # inline comment",
    'command = "x" # why x',
    "",
    '[projects."/home/me/repo"]',
    'trust_level = "trusted"',
    "",
    "[notice]",
    "hide_full_access_warning = true",
    "",
  ].join("\n");
  await using s = await setup({ "home/.codex/config.toml": before });
  const { items } = await plugin.read(s.ctx);
  const plan = await plugin.plan({
    items: [...items, mcp("b", { transport: "stdio", command: "y", env: { K: "v" } })],
  }, s.ctx);
  assert.equal(
    written(plan, s.user),
    [
      "# top comment",
      'model = "o3"',
      "",
      "[mcp_servers.a] # inline comment",
      'command = "x" # why x',
      "",
      "[mcp_servers.b]",
      'command = "y"',
      "",
      "[mcp_servers.b.env]",
      'K = "v"',
      "",
      '[projects."/home/me/repo"]',
      'trust_level = "trusted"',
      "",
      "[notice]",
      "hide_full_access_warning = true",
      "",
    ].join("\n"),
  );
});

Deno.test("codex plan() removes a server with its sub-tables and keeps section comments", async () => {
  const before = [
    'model = "o3"',
    "",
    "# ── MCP servers ──",
    "",
    "[mcp_servers.gone]",
    'command = "x"',
    "",
    "[mcp_servers.gone.env]",
    'A = "1"',
    "",
    "[mcp_servers.gone.tools.t]",
    'approval_mode = "approve"',
    "",
    "# the one that stays",
    "[mcp_servers.kept]",
    'command = "y"',
    "",
  ].join("\n");
  await using s = await setup({ "home/.codex/config.toml": before });
  const { items } = await plugin.read(s.ctx);
  const plan = await plugin.plan({ items: items.filter((i) => i.name === "kept") }, s.ctx);
  assert.equal(
    written(plan, s.user),
    [
      'model = "o3"',
      "",
      "# ── MCP servers ──",
      "",
      "# the one that stays",
      "[mcp_servers.kept]",
      'command = "y"',
      "",
    ].join("\n"),
  );
});

Deno.test("codex env references: ${K} goes to env_vars, literals to env, the rest is noted", async () => {
  await using s = await setup();
  const item = mcp("envs", {
    transport: "stdio",
    command: "srv",
    env: {
      TOKEN: "${TOKEN}",
      LEVEL: "3",
      PRICE: "$5 or $HOME",
      OTHER: "${X}",
      DEFAULTED: "${Y:-d}",
      MIXED: "pre ${Z}",
    },
  });
  const plan = await plugin.plan({ items: [item] }, s.ctx);
  const table = servers(written(plan, s.user)).envs;
  assert.deepEqual(table, {
    command: "srv",
    env_vars: ["TOKEN"],
    env: { LEVEL: "3", PRICE: "$5 or $HOME" },
  });
  assert.deepEqual(plan.notes.map((n) => n.field), ["env.OTHER", "env.DEFAULTED", "env.MIXED"]);
  assert.ok(plan.notes.every((n) => n.item === "mcp:user:envs"));
  await apply(plan);
  const back = (await plugin.read(s.ctx)).items[0];
  assert.deepEqual(back.value, {
    transport: "stdio",
    command: "srv",
    env: { TOKEN: "${TOKEN}", LEVEL: "3", PRICE: "$5 or $HOME" },
  });
});

Deno.test("codex read() turns env_vars into ${NAME} and keeps table forms in extras", async () => {
  await using s = await setup({
    "home/.codex/config.toml": [
      "[mcp_servers.gh]",
      'command = "gh-mcp"',
      'env_vars = ["GH_TOKEN", { name = "GH_HOST", source = "remote" }]',
      "",
      "[mcp_servers.gh.env]",
      'LITERAL = "${NOT_EXPANDED}"',
      "",
    ].join("\n"),
  });
  const { items } = await plugin.read(s.ctx);
  assert.deepEqual(items[0].value, {
    transport: "stdio",
    command: "gh-mcp",
    env: { GH_TOKEN: "${GH_TOKEN}", GH_HOST: "${GH_HOST}" },
    // Codex passes "${NOT_EXPANDED}" literally: it must not become a reference elsewhere.
    extras: {
      codex: {
        env: { LITERAL: "${NOT_EXPANDED}" },
        env_vars: [{ name: "GH_HOST", source: "remote" }],
      },
    },
  });
  // A changed neighbour field keeps the literal where it is and the env_vars order.
  const changed = {
    ...items[0],
    value: { ...items[0].value, args: ["--verbose"] },
  } as Item;
  const plan = await plugin.plan({ items: [changed] }, s.ctx);
  assert.deepEqual(servers(written(plan, s.user)).gh, {
    command: "gh-mcp",
    env_vars: ["GH_TOKEN", { name: "GH_HOST", source: "remote" }],
    args: ["--verbose"],
    env: { LITERAL: "${NOT_EXPANDED}" },
  });
  // A canonical value for the same key replaces the kept literal.
  const replaced = {
    ...items[0],
    value: { ...items[0].value, env: { ...items[0].value.env, LITERAL: "plain" } },
  } as Item;
  const plan2 = await plugin.plan({ items: [replaced] }, s.ctx);
  assert.deepEqual((servers(written(plan2, s.user)).gh as { env: unknown }).env, {
    LITERAL: "plain",
  });
});

Deno.test("codex headers: bearer, named and literal headers both ways; mixed ones noted", async () => {
  await using s = await setup();
  const item = mcp("api", {
    transport: "http",
    url: "https://api.example.com/mcp",
    headers: {
      Authorization: "Bearer ${API_TOKEN}",
      "X-Key": "${API_KEY}",
      "X-Team": "core",
      "X-Mixed": "token ${SECRET}",
    },
  });
  const plan = await plugin.plan({ items: [item] }, s.ctx);
  assert.deepEqual(servers(written(plan, s.user)).api, {
    url: "https://api.example.com/mcp",
    bearer_token_env_var: "API_TOKEN",
    http_headers: { "X-Team": "core" },
    env_http_headers: { "X-Key": "API_KEY" },
  });
  assert.deepEqual(plan.notes.map((n) => n.field), ["headers.X-Mixed"]);
  await apply(plan);
  const back = (await plugin.read(s.ctx)).items[0];
  assert.deepEqual(back.value, {
    transport: "http",
    url: "https://api.example.com/mcp",
    headers: {
      Authorization: "Bearer ${API_TOKEN}",
      "X-Key": "${API_KEY}",
      "X-Team": "core",
    },
  });
});

Deno.test("codex transports: sse is written as url, fields of the other transport are noted", async () => {
  await using s = await setup();
  const plan = await plugin.plan({
    items: [
      mcp("events", { transport: "sse", url: "http://127.0.0.1:9/sse" }),
      mcp("web", {
        transport: "http",
        url: "http://127.0.0.1:9/mcp",
        command: "x",
        args: ["a"],
        env: { A: "1" },
        cwd: "/tmp",
      }),
      mcp("local", {
        transport: "stdio",
        command: "srv",
        headers: { "X-A": "1" },
        oauth: { clientId: "c", scopes: ["s"] },
      }),
    ],
  }, s.ctx);
  assert.deepEqual(servers(written(plan, s.user)), {
    events: { url: "http://127.0.0.1:9/sse" },
    web: { url: "http://127.0.0.1:9/mcp" },
    local: { command: "srv", scopes: ["s"] },
  });
  assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field}`), [
    "mcp:user:events transport",
    "mcp:user:web command",
    "mcp:user:web args",
    "mcp:user:web env",
    "mcp:user:web cwd",
    "mcp:user:local headers",
    "mcp:user:local oauth",
  ]);
  await apply(plan);
  const back = (await plugin.read(s.ctx)).items;
  assert.deepEqual(back[0].value, { transport: "http", url: "http://127.0.0.1:9/sse" });
});

Deno.test("codex fields: timeouts, enabled, tools and OAuth map both ways", async () => {
  await using s = await setup();
  const value = {
    transport: "http",
    url: "https://mcp.example.com/mcp",
    enabled: false,
    startupTimeoutMs: 30000,
    toolTimeoutMs: 1500,
    tools: { allow: ["read"], deny: [] },
    oauth: { clientId: "cli", callbackPort: 4711, scopes: ["a", "b"], resource: "https://r" },
  } satisfies McpServer;
  const plan = await plugin.plan({ items: [mcp("full", value)] }, s.ctx);
  assert.deepEqual(plan.notes, []);
  assert.deepEqual(servers(written(plan, s.user)).full, {
    url: "https://mcp.example.com/mcp",
    enabled: false,
    startup_timeout_sec: 30,
    tool_timeout_sec: 1.5,
    enabled_tools: ["read"],
    disabled_tools: [],
    scopes: ["a", "b"],
    oauth_resource: "https://r",
    oauth: { client_id: "cli", callback_port: 4711 },
  });
  await apply(plan);
  assert.deepEqual((await plugin.read(s.ctx)).items[0].value, value);
});

Deno.test("codex keeps how an unchanged file says things (enabled = true, ms, floats)", async () => {
  const text = [
    "[mcp_servers.a]",
    'command = "x"',
    "enabled = true",
    "startup_timeout_ms = 2500",
    "tool_timeout_sec = 60.0",
    "",
    "[mcp_servers.a.env]",
    "",
  ].join("\n");
  await using s = await setup({ "home/.codex/config.toml": text });
  const { items } = await plugin.read(s.ctx);
  assert.deepEqual(items[0].value, {
    transport: "stdio",
    command: "x",
    startupTimeoutMs: 2500,
    toolTimeoutMs: 60000,
  });
  assert.deepEqual((await plugin.plan({ items }, s.ctx)).writes, []);
  // A change elsewhere in the entry leaves those keys as they are.
  const plan = await plugin.plan({
    items: [
      { ...items[0], value: { ...items[0].value, args: ["-v"], startupTimeoutMs: 3000 } } as Item,
    ],
  }, s.ctx);
  assert.equal(
    written(plan, s.user),
    [
      "[mcp_servers.a]",
      'command = "x"',
      "enabled = true",
      "startup_timeout_ms = 3000",
      "tool_timeout_sec = 60.0",
      'args = ["-v"]',
      "",
      "[mcp_servers.a.env]",
      "",
    ].join("\n"),
  );
});

Deno.test("codex extras round trip through a fresh file", async () => {
  await using s = await setup({
    "home/.codex/config.toml": await Deno.readTextFile(
      new URL("testdata/odd/home/.codex/config.toml", import.meta.url),
    ),
  });
  await using t = await setup();
  const { items } = await plugin.read(s.ctx);
  const figma = items.find((i) => i.name === "figma")!;
  assert.deepEqual(figma.value.extras, {
    codex: {
      default_tools_approval_mode: "prompt",
      oauth: { callback_url: "http://127.0.0.1:4711/cb" },
      tools: { get_file: { approval_mode: "approve" } },
    },
  });
  // Another client's extras are ignored.
  const foreign = items.map((i) =>
    i.kind === "mcp"
      ? { ...i, value: { ...i.value, extras: { ...i.value.extras, claude_code: { x: 1 } } } }
      : i
  ) as Item[];
  // Foreign extras change nothing in a file that already has the servers.
  assert.deepEqual(await plugin.plan({ items: foreign }, s.ctx), { writes: [], notes: [] });
  const plan = await plugin.plan({ items: foreign }, t.ctx);
  await apply(plan);
  const back = await plugin.read(t.ctx);
  const names = (list: Item[]) => list.filter((i) => i.kind === "mcp").map((i) => i.name);
  // "dotted.name" cannot be written: Codex names are [A-Za-z0-9_-]+.
  assert.deepEqual(names(back.items), names(items).filter((n) => n !== "dotted.name"));
  for (const item of back.items) {
    assert.deepEqual(item.value, items.find((i) => i.name === item.name)!.value, item.name);
  }
  assert.ok(!written(plan, t.user).includes("claude_code"));
  assert.ok(!written(plan, t.user).includes("[mcp_servers]\n"));
  assert.deepEqual(plan.notes.map((n) => n.item), ["mcp:user:dotted.name"]);
});

Deno.test("codex read() lists the projects of the trust tables", async () => {
  await using s = await setup({
    "home/.codex/config.toml": [
      '[projects."/home/me/a"]',
      'trust_level = "trusted"',
      "[projects.'\\\\?\\C:\\Users\\me\\b']",
      'trust_level = "untrusted"',
      '[projects."relative"]',
      'trust_level = "trusted"',
      "",
    ].join("\n"),
  });
  const r = await plugin.read(s.ctx);
  assert.deepEqual(r.projects, ["/home/me/a", "C:\\Users\\me\\b"]);
  assert.deepEqual(r.items, []);
});

Deno.test("codex read() reports a broken file with its line and still reads the rest", async () => {
  await using s = await setup({
    "home/.codex/config.toml": 'model = "o3"\n[mcp_servers.a\ncommand = "x"\n',
    "home/.codex/AGENTS.md": "# hi\n",
    "project/.codex/config.toml": '[mcp_servers.p]\ncommand = "p"\n',
  });
  const r = await plugin.read(s.ctx);
  assert.equal(r.errors?.length, 1);
  const [e] = r.errors!;
  assert.equal(e.file, s.user);
  assert.equal(e.line, 2);
  assert.equal(typeof e.column, "number");
  assert.deepEqual(e.scopes, ["user"]);
  assert.deepEqual(r.items.map((i) => `${i.kind}:${i.scope}:${i.name}`), [
    "instructions:user:main",
    `mcp:project:${s.project}:p`,
  ]);
  // Planning never writes the broken file, even when asked to add a server there.
  const plan = await plugin.plan({
    items: [...r.items, mcp("new", { transport: "stdio", command: "n" })],
  }, s.ctx);
  assert.deepEqual(plan.writes, []);
});

Deno.test("codex instructions: AGENTS.md written whole, removed when not desired", async () => {
  await using s = await setup({ "project/AGENTS.md": "# old\n" });
  const text = "# Rules\r\n\r\nNo tabs.\r\n";
  const plan = await plugin.plan({
    items: [{ kind: "instructions", scope: "user", name: "main", value: { text } }],
  }, s.ctx);
  assert.deepEqual(plan.writes, [
    { path: `${s.home}/.codex/AGENTS.md`, content: text },
    { path: `${s.project}/AGENTS.md`, content: null },
  ]);
  await apply(plan);
  const { items } = await plugin.read(s.ctx);
  assert.deepEqual(items, [{
    kind: "instructions",
    scope: "user",
    name: "main",
    value: { text },
  }]);
});

Deno.test("codex paths follow CODEX_HOME (skills stay in ~/.agents)", () => {
  const ctx = contextFor(manifest, "/home/me", [], { CODEX_HOME: "/opt/codex" });
  assert.equal(ctx.paths.config, "/opt/codex/config.toml");
  assert.equal(ctx.paths.instructions, "/opt/codex/AGENTS.md");
  assert.equal(ctx.paths.prompts, "/opt/codex/prompts");
  assert.equal(ctx.paths.agents, "/opt/codex/agents");
  assert.equal(ctx.paths.skills, "/home/me/.agents/skills");
  const dflt = contextFor(manifest, "/home/me", ["/src/p"]);
  assert.equal(dflt.paths.config, "/home/me/.codex/config.toml");
  assert.equal(dflt.paths.prompts, "/home/me/.codex/prompts");
  assert.equal(dflt.paths.agents, "/home/me/.codex/agents");
  assert.equal(dflt.projects[0].paths.config, "/src/p/.codex/config.toml");
  assert.equal(dflt.projects[0].paths.instructions, "/src/p/AGENTS.md");
  assert.equal(dflt.projects[0].paths.agents, "/src/p/.codex/agents");
  assert.equal(dflt.projects[0].paths.skills, "/src/p/.agents/skills");
  // Codex has no project prompts.
  assert.equal(dflt.projects[0].paths.prompts, undefined);
});

Deno.test("codex keeps CRLF line ends of a file it edits", async () => {
  await using s = await setup({
    "project/.codex/config.toml": '# crlf\r\n\r\n[mcp_servers.a]\r\ncommand = "x"\r\n',
  });
  const { items } = await plugin.read(s.ctx);
  const plan = await plugin.plan({
    items: [...items, mcp("b", { transport: "stdio", command: "y" }, `project:${s.project}`)],
  }, s.ctx);
  assert.equal(
    written(plan, s.proj),
    '# crlf\r\n\r\n[mcp_servers.a]\r\ncommand = "x"\r\n\r\n[mcp_servers.b]\r\ncommand = "y"\r\n',
  );
  await apply(plan);
  const removed = await plugin.plan({ items: [] }, s.ctx);
  assert.equal(written(removed, s.proj), "# crlf\r\n");
});

Deno.test("codex reads every corpus file without throwing, and plan(read) writes nothing", async () => {
  // The corpus is not shipped everywhere: then there is nothing to read.
  for (const name of corpusNames(CORPUS)) {
    await using s = await setup({
      "home/.codex/config.toml": await Deno.readTextFile(CORPUS + name),
    });
    const r = await plugin.read(s.ctx);
    for (const e of r.errors ?? []) {
      assert.equal(e.file, s.user, name);
      assert.equal(typeof e.line, "number", name);
    }
    const plan = await plugin.plan({ items: r.items }, s.ctx);
    assert.deepEqual(plan.writes, [], name);
  }
});

Deno.test({
  name: "codex CLI 0.171.0 loads what plan() writes",
  ignore: !(() => {
    try {
      return Deno.statSync(CODEX).isFile;
    } catch {
      return false;
    }
  })(),
  async fn() {
    await using s = await setup();
    const plan = await plugin.plan({
      items: [
        mcp("fs", {
          transport: "stdio",
          command: "npx",
          args: ["-y", "server"],
          cwd: "/tmp",
          env: { TOKEN: "${TOKEN}", LEVEL: "3" },
          enabled: false,
          startupTimeoutMs: 30000,
          toolTimeoutMs: 1500,
          tools: { allow: ["a"], deny: ["b"] },
        }),
        mcp("web", {
          transport: "sse",
          url: "http://127.0.0.1:9/mcp",
          headers: { Authorization: "Bearer ${TOK}", "X-Key": "${KEY}", "X-Team": "core" },
          oauth: { clientId: "cid", callbackPort: 4711, scopes: ["s"], resource: "r" },
          extras: { codex: { tools: { t: { approval_mode: "approve" } } } },
        }),
      ],
    }, s.ctx);
    await apply(plan);
    const out = await new Deno.Command(CODEX, {
      args: ["mcp", "get", "fs", "--json"],
      env: { HOME: s.home, PATH: Deno.env.get("PATH") ?? "" },
      clearEnv: true,
      cwd: s.home,
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const fs = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(fs.enabled, false);
    assert.deepEqual(fs.transport, {
      type: "stdio",
      command: "npx",
      args: ["-y", "server"],
      env: { LEVEL: "3" },
      env_vars: ["TOKEN"],
      cwd: "/tmp",
    });
    assert.deepEqual([fs.enabled_tools, fs.disabled_tools], [["a"], ["b"]]);
    assert.deepEqual([fs.startup_timeout_sec, fs.tool_timeout_sec], [30, 1.5]);
    const web = JSON.parse(
      new TextDecoder().decode(
        (await new Deno.Command(CODEX, {
          args: ["mcp", "get", "web", "--json"],
          env: { HOME: s.home, PATH: Deno.env.get("PATH") ?? "" },
          clearEnv: true,
          cwd: s.home,
        }).output()).stdout,
      ),
    );
    assert.equal(web.transport.type, "streamable_http");
    assert.equal(web.transport.bearer_token_env_var, "TOK");
    assert.deepEqual(web.transport.http_headers, { "X-Team": "core" });
    assert.deepEqual(web.transport.env_http_headers, { "X-Key": "KEY" });
  },
});

Deno.test("codex notes references it would pass on literally and keeps literal look-alikes", async () => {
  await using s = await setup({
    "home/.codex/config.toml": [
      "[mcp_servers.remote]",
      'url = "https://x.example.com/mcp"',
      'http_headers = { "X-Raw" = "${NOT_A_REF}", "X-Team" = "core" }',
      "",
    ].join("\n"),
  });
  const { items } = await plugin.read(s.ctx);
  assert.deepEqual(items[0].value, {
    transport: "http",
    url: "https://x.example.com/mcp",
    headers: { "X-Team": "core" },
    extras: { codex: { http_headers: { "X-Raw": "${NOT_A_REF}" } } },
  });
  const plan = await plugin.plan({
    items: [
      items[0],
      mcp("cli", { transport: "stdio", command: "npx", args: ["--key", "${API_KEY}"] }),
    ],
  }, s.ctx);
  assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field}`), ["mcp:user:cli args"]);
  assert.deepEqual(servers(written(plan, s.user)).cli, {
    command: "npx",
    args: ["--key", "${API_KEY}"],
  });
});

// ---------------------------------------------------------------------------------------------
// Commands (custom prompts), subagents (agent roles) and skills

/** A testdata case in a temp folder, with the plugin's context. */
const fromCase = (name: string) =>
  copiedCase(manifest, new URL(`testdata/${name}`, import.meta.url).pathname);

const b64 = (s: string | number[]) => btoa(typeof s === "string" ? s : String.fromCharCode(...s));

function cmd(name: string, value: Record<string, unknown>, scope = "user"): Item {
  return { kind: "command", scope, name, value } as Item;
}

function agent(name: string, value: Record<string, unknown>, scope = "user"): Item {
  return { kind: "subagent", scope, name, value } as Item;
}

function find(items: Item[], kind: string, name: string): Item {
  const item = items.find((i) => i.kind === kind && i.name === name);
  assert.ok(item, `no ${kind} "${name}"`);
  return item;
}

Deno.test("codex placeholders: Codex prompt bodies to canonical and back", () => {
  // [Codex prompt text, canonical text]: both directions, no notes.
  const table: [string, string][] = [
    ["Review $1 with a focus on $2.", "Review $ARGUMENTS[0] with a focus on $ARGUMENTS[1]."],
    ["$9 is the last one", "$ARGUMENTS[8] is the last one"],
    ["All of it: $ARGUMENTS", "All of it: $ARGUMENTS"],
    ["Named: $FILE and $TICKET_ID", "Named: $FILE and $TICKET_ID"],
    ["Escaped: $$1 and $$FILE cost $$", "Escaped: $$1 and $$FILE cost $$"],
    ["$10 is $1 then a zero", "$ARGUMENTS[0]0 is $ARGUMENTS[0] then a zero"],
    ["${HOME} and $x stay", "${HOME} and $x stay"],
  ];
  for (const [codex, canonical] of table) {
    assert.equal(promptBodyFromCodex(codex), canonical, codex);
    const notes: string[] = [];
    assert.equal(promptBodyToCodex(canonical, (_f, m) => notes.push(m)), codex, canonical);
    // "$$1" keeps its placeholder-looking text literal in both: noted, since Claude would expand it.
    if (!canonical.includes("$$1")) assert.deepEqual(notes, [], canonical);
  }
  // Canonical spellings Codex has no form for: written the way that works best, and noted.
  const lossy: [string, string, RegExp][] = [
    ["Tenth: $ARGUMENTS[9]", "Tenth: $ARGUMENTS", /positions \$1 to \$9 only/],
    ["Claude's shorthand $0 and $1", "Claude's shorthand $1 and $2", /counts arguments from \$1/],
    ["Money: $$ARGUMENTS", "Money: $$ARGUMENTS", /keeps "\$\$" as it is/],
    [
      "Both $FILE and $ARGUMENTS[0]",
      "Both $FILE and $1",
      /either named placeholders or positional ones/,
    ],
  ];
  for (const [canonical, codex, why] of lossy) {
    const notes: string[] = [];
    assert.equal(promptBodyToCodex(canonical, (f, m) => notes.push(`${f}: ${m}`)), codex);
    assert.equal(notes.length, 1, canonical);
    assert.match(notes[0], why);
    assert.match(notes[0], /^body: /);
  }
});

Deno.test("codex read() maps custom prompts, YAML or the lines Codex reads", async () => {
  await using t = await fromCase("typical");
  await using o = await fromCase("odd");
  const typical = (await plugin.read(t.ctx)).items;
  assert.deepEqual(find(typical, "command", "review").value, {
    description: "Review a file for bugs",
    argumentHint: "[file] [focus]",
    body: "Review $ARGUMENTS[0] with a focus on $ARGUMENTS[1].\n" +
      "Everything you were told: $ARGUMENTS\n",
  });
  // The example of Codex's docs is not YAML; Codex reads it line by line, and so does read().
  assert.deepEqual(find(typical, "command", "draftpr").value, {
    description: "Prep a branch, commit, and open a draft PR",
    argumentHint: '[FILES=<paths>] [PR_TITLE="<title>"]',
    body: "\nCreate a branch named `dev/<feature_name>` for this work.\n" +
      "If files are specified, stage them first: $FILES.\n" +
      "Open a draft PR on the same branch. Use $PR_TITLE when supplied.\n",
  });
  assert.deepEqual(find(typical, "command", "summary").value, {
    body: "Summarise the staged changes in one paragraph.\n",
  });

  const { items, errors } = await plugin.read(o.ctx);
  assert.equal(errors, undefined);
  // YAML reads `[issue-number]` as a list; Codex (and so the item) as text.
  assert.deepEqual(find(items, "command", "fix-issue").value, {
    description: "Fix a GitHub issue",
    argumentHint: "[issue-number]",
    body: "Fix issue $ARGUMENTS[0]. Full args: $ARGUMENTS\n",
  });
  assert.deepEqual(find(items, "command", "fix-test").value, {
    description: "Fix: the failing test",
    argumentHint: "<test-name>",
    body: "\r\nRun the test $ARGUMENTS[0] again; it costs $$5 per run and $0 is the shell.\r\n",
    extras: { codex: { "allowed-tools": ["Bash", "Read"], metadata: { owner: "qa" } } },
  });
  assert.deepEqual(find(items, "command", "ruled").value, {
    body: "---\nA rule above, then text.\n",
  });
  // Only *.md at the top of the folder: no README.txt, no nested/ignored.md.
  assert.deepEqual(
    items.filter((i) => i.kind === "command").map((i) => i.name).sort(),
    ["fix-issue", "fix-test", "ruled"],
  );
});

Deno.test("codex plan() writes a new prompt Codex reads the same way and reads it back", async () => {
  await using s = await setup();
  const item = cmd("commit", {
    description: "Commit: staged changes only",
    argumentHint: "[message]",
    body: "Commit with the message $ARGUMENTS[0].\nContext: $ARGUMENTS\n",
    extras: { codex: { "x-team": "core" }, claude_code: { "allowed-tools": "Bash(git *)" } },
  });
  const plan = await plugin.plan({ items: [item] }, s.ctx);
  assert.deepEqual(plan.notes, []);
  assert.deepEqual(plan.writes, [{
    path: `${s.home}/.codex/prompts/commit.md`,
    content: [
      "---",
      'description: "Commit: staged changes only"',
      'argument-hint: "[message]"',
      "x-team: core",
      "---",
      "Commit with the message $1.",
      "Context: $ARGUMENTS",
      "",
    ].join("\n"),
  }]);
  await apply(plan);
  const back = find((await plugin.read(s.ctx)).items, "command", "commit");
  const { claude_code: _, ...own } = (item.value as { extras: Record<string, unknown> }).extras;
  assert.deepEqual(back.value, { ...item.value, extras: own });
  // Planning what was written again is a no-op.
  assert.deepEqual((await plugin.plan({ items: [back] }, s.ctx)).writes, []);
});

Deno.test("codex plan() edits a prompt's frontmatter key by key and keeps its body's spelling", async () => {
  await using o = await fromCase("odd");
  const { items } = await plugin.read(o.ctx);
  const path = `${o.home}/.codex/prompts/fix-test.md`;
  const before = await Deno.readTextFile(path);
  const fix = find(items, "command", "fix-test");
  const changed = { ...fix, value: { ...fix.value, argumentHint: "<test> [--watch]" } } as Item;
  const plan = await plugin.plan({ items: items.map((i) => i === fix ? changed : i) }, o.ctx);
  assert.deepEqual(plan.notes, []);
  assert.deepEqual(plan.writes.map((w) => w.path), [path]);
  // One line changes: the underscore spelling, comments, other keys, the CRLF body and its
  // "$0" (which a rewrite would turn into "$1") all stay.
  assert.equal(
    written(plan, path),
    before.replace("argument_hint: <test-name>", "argument_hint: <test> [--watch]"),
  );
  await apply(plan);
  assert.deepEqual(find((await plugin.read(o.ctx)).items, "command", "fix-test"), changed);

  // A prompt whose frontmatter is not YAML is rewritten as YAML when it changes.
  await using t = await fromCase("typical");
  const typical = (await plugin.read(t.ctx)).items;
  const draft = find(typical, "command", "draftpr");
  const edited = {
    ...draft,
    value: { ...draft.value, description: "Open a draft PR" },
  } as Item;
  const p2 = await plugin.plan({
    items: typical.map((i) => i === draft ? edited : i),
  }, t.ctx);
  assert.deepEqual(p2.notes, []);
  const text = written(p2, `${t.home}/.codex/prompts/draftpr.md`);
  assert.ok(
    text.startsWith(
      "---\ndescription: Open a draft PR\n" +
        "argument-hint: '[FILES=<paths>] [PR_TITLE=\"<title>\"]'\n---\n\nCreate a branch",
    ),
    text,
  );
  await apply(p2);
  assert.deepEqual(find((await plugin.read(t.ctx)).items, "command", "draftpr"), edited);
});

Deno.test("codex commands: what Codex cannot hold is noted and not written", async () => {
  await using s = await setup({ "home/.codex/prompts/old.md": "Old prompt.\n" });
  const plan = await plugin.plan({
    items: [
      cmd("git:commit", { body: "Commit.\n" }),
      cmd("local", { body: "Project command.\n" }, `project:${s.project}`),
      cmd("far", { description: "Tenth", body: "Use $ARGUMENTS[9].\n" }),
      cmd("multi", { description: "line one\nline two", body: "Hi.\n" }),
    ],
  }, s.ctx);
  assert.deepEqual(
    plan.notes.map((n: Note) => `${n.item} ${n.field ?? "-"}`),
    [
      "command:user:git:commit -",
      "command:user:far body",
      "command:user:multi description",
      `command:project:${s.project}:local -`,
    ],
  );
  assert.deepEqual(plan.writes.map((w) => [w.path.slice(s.home.length), w.content]), [
    ["/.codex/prompts/far.md", "---\ndescription: Tenth\n---\nUse $ARGUMENTS.\n"],
    ["/.codex/prompts/multi.md", '---\ndescription: "line one\\nline two"\n---\nHi.\n'],
    // Not desired any more.
    ["/.codex/prompts/old.md", null],
  ]);
});

Deno.test("codex commands: bad frontmatter is a read error with its line and is never written", async () => {
  await using b = await fromCase("broken_prompt");
  const r = await plugin.read(b.ctx);
  const bad = `${b.home}/.codex/prompts/bad.md`;
  assert.deepEqual(r.errors, [{
    file: bad,
    line: 3,
    column: 1,
    message: "Implicit map keys need to be followed by map values",
    scopes: ["user"],
    kinds: ["command"],
  }]);
  // The other prompt is still read.
  assert.deepEqual(r.items.map(itemKeyOf), ["command:user:good"]);
  // Neither an empty desired set nor a desired "bad" touches it.
  for (const items of [[], [cmd("bad", { body: "New.\n" })]]) {
    const plan = await plugin.plan({ items }, b.ctx);
    assert.ok(!plan.writes.some((w) => w.path === bad));
  }
});

function itemKeyOf(i: Item): string {
  return `${i.kind}:${i.scope}:${i.name}`;
}

Deno.test("codex read() maps agent role files by their name key", async () => {
  await using t = await fromCase("typical");
  await using o = await fromCase("odd");
  const typical = (await plugin.read(t.ctx)).items;
  assert.deepEqual(find(typical, "subagent", "reviewer").value, {
    description: "PR reviewer focused on correctness and tests.",
    model: "gpt-5.5",
    body: "Review like an owner; report findings only.\n",
    extras: { codex: { sandbox_mode: "read-only" } },
  });
  const docs = find(typical, "subagent", "docs-writer");
  assert.equal(docs.scope, `project:${t.project}`);
  // team/sec.toml, in a sub-folder, is the role "security-auditor".
  const odd = (await plugin.read(o.ctx)).items;
  assert.deepEqual(find(odd, "subagent", "security-auditor").value, {
    description: "Audits changes for secrets, injection and unsafe defaults.",
    model: "gpt-5.5",
    body: "Look for secrets, injection and unsafe defaults.\n" +
      "Report findings with file:line; never edit files.\n",
    extras: {
      codex: {
        nickname_candidates: ["Sentinel", "Warden"],
        model_reasoning_effort: "high",
        sandbox_mode: "read-only",
        mcp_servers: { semgrep: { command: "semgrep", args: ["mcp"] } },
      },
    },
  });
});

Deno.test("codex plan() writes a new agent file; tools and Claude models are noted", async () => {
  await using s = await setup();
  const plan = await plugin.plan({
    items: [
      agent("code-reviewer", {
        description: "Reviews code",
        tools: ["Read", "Grep", "Bash"],
        model: "sonnet",
        body: 'You review code.\nBe "strict" \\ kind.\n',
        extras: { codex: { sandbox_mode: "read-only" }, claude_code: { color: "red" } },
      }),
      agent("bare", { body: "Plain." }, `project:${s.project}`),
    ],
  }, s.ctx);
  assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field}`), [
    "subagent:user:code-reviewer tools",
    "subagent:user:code-reviewer model",
    `subagent:project:${s.project}:bare description`,
  ]);
  assert.deepEqual(plan.writes, [
    {
      path: `${s.home}/.codex/agents/code-reviewer.toml`,
      content: [
        'name = "code-reviewer"',
        'description = "Reviews code"',
        'sandbox_mode = "read-only"',
        "developer_instructions = '''",
        "You review code.",
        'Be "strict" \\ kind.',
        "'''",
        "",
      ].join("\n"),
    },
    {
      path: `${s.project}/.codex/agents/bare.toml`,
      content: 'name = "bare"\ndeveloper_instructions = "Plain."\n',
    },
  ]);
  await apply(plan);
  const back = (await plugin.read(s.ctx)).items;
  assert.deepEqual(find(back, "subagent", "code-reviewer").value, {
    description: "Reviews code",
    body: 'You review code.\nBe "strict" \\ kind.\n',
    extras: { codex: { sandbox_mode: "read-only" } },
  });
  assert.deepEqual(find(back, "subagent", "bare").value, { body: "Plain." });
});

Deno.test("codex plan() edits an agent file key by key, tables and comments kept", async () => {
  await using o = await fromCase("odd");
  const { items } = await plugin.read(o.ctx);
  const sec = find(items, "subagent", "security-auditor") as Item & { kind: "subagent" };
  const path = `${o.home}/.codex/agents/team/sec.toml`;
  const before = await Deno.readTextFile(path);
  const { model_reasoning_effort: _, ...extras } = sec.value.extras!.codex;
  const changed = {
    ...sec,
    value: {
      ...sec.value,
      model: "gpt-5.5-mini",
      body: "Look for secrets.\n",
      extras: { codex: extras },
    },
  } as Item;
  const plan = await plugin.plan({ items: items.map((i) => i === sec ? changed : i) }, o.ctx);
  assert.deepEqual(plan.notes, []);
  assert.equal(
    written(plan, path),
    before
      .replace('model = "gpt-5.5"', 'model = "gpt-5.5-mini"')
      .replace('model_reasoning_effort = "high"\n', "")
      // toml_edit writes the new string in quotes of its own choosing.
      .replace(
        "'''\nLook for secrets, injection and unsafe defaults.\n" +
          "Report findings with file:line; never edit files.\n'''",
        '"""\nLook for secrets.\n"""',
      ),
  );
  await apply(plan);
  assert.deepEqual(
    find((await plugin.read(o.ctx)).items, "subagent", "security-auditor"),
    changed,
  );
  // Removing it removes its file, wherever it is.
  const gone = await plugin.plan({ items: items.filter((i) => i !== sec) }, o.ctx);
  assert.deepEqual(gone.writes, [{ path, content: null }]);
});

Deno.test("codex agents: bad files are read errors; declared and occupied files are left alone", async () => {
  await using b = await fromCase("broken_agent");
  const r = await plugin.read(b.ctx);
  assert.deepEqual(r.errors?.map((e) => [e.file.slice(b.root.length), e.line, e.message]), [
    ["/home/.codex/agents/noname.toml", undefined, "an agent file must set a non-empty `name`"],
    ["/project/.codex/agents/bad.toml", 2, 'invalid basic string, expected `"`'],
  ]);
  assert.deepEqual(r.items.map(itemKeyOf), ["subagent:user:ok"]);
  // A new agent named after a broken file's name is not written over it.
  const plan = await plugin.plan({
    items: [...r.items, agent("noname", { description: "d", body: "b" })],
  }, b.ctx);
  assert.deepEqual(plan.writes, []);
  assert.match(plan.notes[0].message, /already holds something else/);
  {
    await using s = await setup({
      "home/.codex/config.toml": '[agents.legacy]\nconfig_file = "agents/legacy.toml"\n',
      "home/.codex/agents/legacy.toml": 'developer_instructions = "Declared in config.toml."\n',
      "home/.codex/agents/a.toml":
        'name = "dup"\ndescription = "A"\ndeveloper_instructions = "a"\n',
      "home/.codex/agents/b.toml":
        'name = "dup"\ndescription = "B"\ndeveloper_instructions = "b"\n',
      "home/.codex/agents/c.toml": 'name = "no-body"\ndescription = "C"\n',
    });
    const r = await plugin.read(s.ctx);
    // legacy.toml belongs to [agents.legacy] in config.toml: not read, not an error.
    assert.deepEqual(r.errors?.map((e) => [e.file.slice(s.home.length), e.message]), [
      ["/.codex/agents/b.toml", 'another file already defines the agent "dup"'],
      ["/.codex/agents/c.toml", "an agent file must set `developer_instructions`"],
    ]);
    assert.deepEqual(r.items.map(itemKeyOf), ["subagent:user:dup"]);
    const plan = await plugin.plan(
      { items: [agent("legacy", { description: "x", body: "y" })] },
      s.ctx,
    );
    assert.deepEqual(plan.writes, [{ path: `${s.home}/.codex/agents/a.toml`, content: null }]);
    assert.match(plan.notes[0].message, /already holds something else/);
  }
});

Deno.test("codex plan() moves an agent to a file of its new name only when the old one goes", async () => {
  await using s = await setup({
    "home/.codex/agents/helper.toml":
      'name = "old-helper"\ndescription = "d"\ndeveloper_instructions = "b"\n',
  });
  // "helper" is new, "old-helper" goes: helper.toml is free to take.
  const plan = await plugin.plan(
    { items: [agent("helper", { description: "d", body: "b" })] },
    s.ctx,
  );
  assert.deepEqual(plan.writes, [{
    path: `${s.home}/.codex/agents/helper.toml`,
    content: 'name = "helper"\ndescription = "d"\ndeveloper_instructions = "b"\n',
  }]);
  await apply(plan);
  assert.deepEqual((await plugin.read(s.ctx)).items.map(itemKeyOf), ["subagent:user:helper"]);
});

Deno.test("codex skills: a binary skill round-trips byte for byte, modes kept, removals whole", async () => {
  await using s = await setup({
    // A folder of that name without SKILL.md becomes the skill; its stray file goes.
    "home/.agents/skills/imgs/stray.txt": "left over\n",
  });
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0xff, 0xfe, 0x80];
  const skill: Item = {
    kind: "skill",
    scope: "user",
    name: "imgs",
    value: {
      files: {
        "SKILL.md": {
          base64: b64("---\nname: imgs\ndescription: Images\n---\nUse it.\n"),
          mode: 0o644,
        },
        "assets/logo.png": { base64: b64(png), mode: 0o600 },
        "scripts/run.sh": { base64: b64("#!/bin/sh\necho ok\n"), mode: 0o755 },
      },
    },
  };
  const project: Item = { ...skill, scope: `project:${s.project}`, name: "proj" } as Item;
  const plan = await plugin.plan({ items: [skill, project] }, s.ctx);
  assert.deepEqual(plan.notes, []);
  const files = (skill.value as { files: Record<string, { base64: string; mode: number }> }).files;
  // Every file is the item's own base64, untouched: Rovo Dev plans the same bytes for the
  // shared .agents/skills/. Removals come first (a file may give way to a folder).
  assert.deepEqual(plan.writes, [
    { path: `${s.home}/.agents/skills/imgs/stray.txt`, content: null },
    ...Object.entries(files).map(([rel, f]) => ({
      path: `${s.home}/.agents/skills/imgs/${rel}`,
      content: f.base64,
      encoding: "base64",
      mode: f.mode,
    })),
    ...Object.entries(files).map(([rel, f]) => ({
      path: `${s.project}/.agents/skills/proj/${rel}`,
      content: f.base64,
      encoding: "base64",
      mode: f.mode,
    })),
  ]);
  await apply(plan);
  assert.deepEqual(
    await Deno.readFile(`${s.home}/.agents/skills/imgs/assets/logo.png`),
    new Uint8Array(png),
  );
  assert.equal(
    (await Deno.stat(`${s.home}/.agents/skills/imgs/scripts/run.sh`)).mode! & 0o777,
    0o755,
  );
  const back = (await plugin.read(s.ctx)).items;
  assert.deepEqual(find(back, "skill", "imgs"), skill);
  assert.deepEqual(find(back, "skill", "proj"), project);
  assert.deepEqual((await plugin.plan({ items: back }, s.ctx)).writes, []);

  // A changed mode alone is a note (the host does not rewrite a file with equal bytes); a
  // file gone from the skill is removed.
  const { "scripts/run.sh": _, ...rest } = files;
  const edited = {
    ...skill,
    value: { files: { ...rest, "assets/logo.png": { ...rest["assets/logo.png"], mode: 0o644 } } },
  } as Item;
  const p2 = await plugin.plan({ items: [edited, project] }, s.ctx);
  assert.deepEqual(p2.writes.map((w) => [w.path.slice(s.home.length), w.mode ?? w.content]), [
    ["/.agents/skills/imgs/scripts/run.sh", null],
  ]);
  assert.deepEqual(p2.notes.map((n) => `${n.item} ${n.field}`), [
    "skill:user:imgs files.assets/logo.png.mode",
  ]);
  // A skill no longer desired loses every file.
  const p3 = await plugin.plan({ items: [skill] }, s.ctx);
  assert.deepEqual(
    p3.writes.map((w) => [w.path.slice(s.project.length), w.content]),
    Object.keys(files).map((rel) => [`/.agents/skills/proj/${rel}`, null]),
  );
});

Deno.test("codex skills: only folders with SKILL.md; bad names and paths are noted", async () => {
  await using o = await fromCase("odd");
  const { items } = await plugin.read(o.ctx);
  const skills = items.filter((i) => i.kind === "skill");
  assert.deepEqual(skills.map(itemKeyOf), ["skill:user:odd-skill"]);
  assert.deepEqual(
    Object.keys((skills[0].value as { files: object }).files).sort(),
    [".hidden/notes.txt", "SKILL.md", "deep/a/b/c.txt"],
  );
  const file = { base64: b64("x"), mode: 0o644 };
  const plan = await plugin.plan({
    items: [
      ...items,
      { kind: "skill", scope: "user", name: "../up", value: { files: { "SKILL.md": file } } },
      {
        kind: "skill",
        scope: "user",
        name: "esc",
        value: { files: { "SKILL.md": file, "../../evil": file } },
      },
    ],
  }, o.ctx);
  assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field ?? "-"}`), [
    "skill:user:../up -",
    "skill:user:esc files.../../evil",
  ]);
  assert.deepEqual(plan.writes.map((w) => w.path.slice(o.home.length)), [
    "/.agents/skills/esc/SKILL.md",
  ]);
});

Deno.test({
  name: "codex CLI 0.171.0 lists the skills and agent roles plan() writes",
  ignore: !(() => {
    try {
      return Deno.statSync(CODEX).isFile;
    } catch {
      return false;
    }
  })(),
  async fn() {
    await using s = await setup({
      "home/.codex/config.toml": "",
    });
    const skill = (name: string, description: string, scope: string): Item => ({
      kind: "skill",
      scope,
      name,
      value: {
        files: {
          "SKILL.md": {
            base64: b64(`---\nname: ${name}\ndescription: ${description}\n---\n\nDo it.\n`),
            mode: 0o644,
          },
        },
      },
    });
    const proj = `project:${s.project}`;
    const plan = await plugin.plan({
      items: [
        skill("aisync-user-skill", "User skill written by aisync", "user"),
        skill("aisync-proj-skill", "Project skill written by aisync", proj),
        agent("aisync-reviewer", {
          description: "Reviewer role written by aisync",
          model: "gpt-5.5",
          body: "Review.\n",
          extras: { codex: { model_reasoning_effort: "high" } },
        }),
        agent("aisync-proj-agent", {
          description: "Project role written by aisync",
          body: "P.\n",
        }, proj),
      ],
    }, s.ctx);
    assert.deepEqual(plan.notes, []);
    await apply(plan);
    // Project agents load only for a trusted project.
    await Deno.writeTextFile(
      s.user,
      `[projects."${s.project}"]\ntrust_level = "trusted"\n`,
    );
    const out = await new Deno.Command(CODEX, {
      args: ["debug", "prompt-input"],
      env: { HOME: s.home, PATH: Deno.env.get("PATH") ?? "" },
      clearEnv: true,
      cwd: s.project,
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const text = JSON.stringify(JSON.parse(new TextDecoder().decode(out.stdout)));
    for (
      const want of [
        "aisync-user-skill: User skill written by aisync",
        "aisync-proj-skill: Project skill written by aisync",
        "aisync-reviewer: {\\nReviewer role written by aisync",
        "model is set to `gpt-5.5` and its reasoning effort is set to `high`",
        "aisync-proj-agent: {\\nProject role written by aisync",
      ]
    ) assert.ok(text.includes(want), want);
  },
});
