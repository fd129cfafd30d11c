import assert from "node:assert/strict";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import {
  type Context,
  type Item,
  type McpServer,
  parseToml,
  type PlanResult,
} from "../_contract.ts";

runConformance("codex");

const { manifest, plugin } = await loadPlugin("codex");
const FIXTURES = new URL("../../../shared/fixtures/codex/", import.meta.url).pathname;
const CORPUS = new URL("../../../shared/corpus/codex/", import.meta.url).pathname;
const CODEX = "/root/.cache/aisync-ci/clients/node_modules/.bin/codex";

interface Setup {
  root: string;
  home: string;
  project: string;
  ctx: Context;
  user: string;
  proj: string;
}

/** A temp home and project with the given files (paths relative to the temp root). */
async function setup(files: Record<string, string> = {}): Promise<Setup> {
  const root = await Deno.makeTempDir({ prefix: "aisync-codex-" });
  const home = `${root}/home`, project = `${root}/project`;
  await Deno.mkdir(`${home}/.codex`, { recursive: true });
  await Deno.mkdir(`${project}/.codex`, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(`${root}/${path}`.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeTextFile(`${root}/${path}`, text);
  }
  const ctx = contextFor(manifest, home, [project]);
  return {
    root,
    home,
    project,
    ctx,
    user: `${home}/.codex/config.toml`,
    proj: `${project}/.codex/config.toml`,
  };
}

async function apply(plan: PlanResult) {
  for (const w of plan.writes) {
    if (w.content === null) await Deno.remove(w.path);
    else {
      await Deno.mkdir(w.path.replace(/\/[^/]*$/, ""), { recursive: true });
      await Deno.writeTextFile(w.path, w.content);
    }
  }
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
  const s = await setup({
    "home/.codex/config.toml": await Deno.readTextFile(`${FIXTURES}home/.codex/config.toml`),
  });
  try {
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
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});

Deno.test("codex plan() writes new servers exactly like `codex mcp add`", async () => {
  const fixture = await Deno.readTextFile(`${FIXTURES}home/.codex/config.toml`);
  const s = await setup();
  try {
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
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
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
  const s = await setup({ "home/.codex/config.toml": before });
  try {
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
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
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
  const s = await setup({ "home/.codex/config.toml": before });
  try {
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
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});

Deno.test("codex env references: ${K} goes to env_vars, literals to env, the rest is noted", async () => {
  const s = await setup();
  try {
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
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});

Deno.test("codex read() turns env_vars into ${NAME} and keeps table forms in extras", async () => {
  const s = await setup({
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
  try {
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
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});

Deno.test("codex headers: bearer, named and literal headers both ways; mixed ones noted", async () => {
  const s = await setup();
  try {
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
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});

Deno.test("codex transports: sse is written as url, fields of the other transport are noted", async () => {
  const s = await setup();
  try {
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
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});

Deno.test("codex fields: timeouts, enabled, tools and OAuth map both ways", async () => {
  const s = await setup();
  try {
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
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
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
  const s = await setup({ "home/.codex/config.toml": text });
  try {
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
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});

Deno.test("codex extras round trip through a fresh file", async () => {
  const s = await setup({
    "home/.codex/config.toml": await Deno.readTextFile(
      new URL("testdata/odd/home/.codex/config.toml", import.meta.url),
    ),
  });
  const t = await setup();
  try {
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
  } finally {
    await Deno.remove(s.root, { recursive: true });
    await Deno.remove(t.root, { recursive: true });
  }
});

Deno.test("codex read() lists the projects of the trust tables", async () => {
  const s = await setup({
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
  try {
    const r = await plugin.read(s.ctx);
    assert.deepEqual(r.projects, ["/home/me/a", "C:\\Users\\me\\b"]);
    assert.deepEqual(r.items, []);
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});

Deno.test("codex read() reports a broken file with its line and still reads the rest", async () => {
  const s = await setup({
    "home/.codex/config.toml": 'model = "o3"\n[mcp_servers.a\ncommand = "x"\n',
    "home/.codex/AGENTS.md": "# hi\n",
    "project/.codex/config.toml": '[mcp_servers.p]\ncommand = "p"\n',
  });
  try {
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
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});

Deno.test("codex instructions: AGENTS.md written whole, removed when not desired", async () => {
  const s = await setup({ "project/AGENTS.md": "# old\n" });
  try {
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
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});

Deno.test("codex paths follow CODEX_HOME", () => {
  const ctx = contextFor(manifest, "/home/me", [], { CODEX_HOME: "/opt/codex" });
  assert.equal(ctx.paths.config, "/opt/codex/config.toml");
  assert.equal(ctx.paths.instructions, "/opt/codex/AGENTS.md");
  const dflt = contextFor(manifest, "/home/me", ["/src/p"]);
  assert.equal(dflt.paths.config, "/home/me/.codex/config.toml");
  assert.equal(dflt.projects[0].paths.config, "/src/p/.codex/config.toml");
  assert.equal(dflt.projects[0].paths.instructions, "/src/p/AGENTS.md");
});

Deno.test("codex keeps CRLF line ends of a file it edits", async () => {
  const s = await setup({
    "project/.codex/config.toml": '# crlf\r\n\r\n[mcp_servers.a]\r\ncommand = "x"\r\n',
  });
  try {
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
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});

Deno.test("codex reads every corpus file without throwing, and plan(read) writes nothing", async () => {
  let names: string[];
  try {
    names = [...Deno.readDirSync(CORPUS)].filter((e) => e.isFile).map((e) => e.name).sort();
  } catch {
    return; // the corpus is not shipped everywhere
  }
  for (const name of names) {
    const s = await setup({ "home/.codex/config.toml": await Deno.readTextFile(CORPUS + name) });
    try {
      const r = await plugin.read(s.ctx);
      for (const e of r.errors ?? []) {
        assert.equal(e.file, s.user, name);
        assert.equal(typeof e.line, "number", name);
      }
      const plan = await plugin.plan({ items: r.items }, s.ctx);
      assert.deepEqual(plan.writes, [], name);
    } finally {
      await Deno.remove(s.root, { recursive: true });
    }
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
    const s = await setup();
    try {
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
    } finally {
      await Deno.remove(s.root, { recursive: true });
    }
  },
});

Deno.test("codex notes references it would pass on literally and keeps literal look-alikes", async () => {
  const s = await setup({
    "home/.codex/config.toml": [
      "[mcp_servers.remote]",
      'url = "https://x.example.com/mcp"',
      'http_headers = { "X-Raw" = "${NOT_A_REF}", "X-Team" = "core" }',
      "",
    ].join("\n"),
  });
  try {
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
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});
