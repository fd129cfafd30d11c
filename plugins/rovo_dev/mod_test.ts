import assert from "node:assert/strict";
import { contextFor, keepsLines, loadPlugin, runConformance } from "../_conformance.ts";
import type { Context, Item, Manifest, PlanResult, Plugin } from "../_contract.ts";

runConformance("rovo_dev");

const { manifest, plugin } = await loadPlugin("rovo_dev");

interface Env {
  ctx: Context;
  home: string;
  project: string;
  read(rel: string): Promise<string | undefined>;
  apply(plan: PlanResult): Promise<void>;
}

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function withFiles(
  files: Record<string, string>,
  fn: (env: Env) => Promise<void>,
  m: Manifest = manifest,
) {
  const root = await Deno.makeTempDir({ prefix: "aisync-rovo-" });
  const home = `${root}/home`, project = `${root}/project`;
  try {
    await Deno.mkdir(home, { recursive: true });
    await Deno.mkdir(project, { recursive: true });
    for (const [rel, text] of Object.entries(files)) {
      const path = `${root}/${rel}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, text);
    }
    const ctx = contextFor(m, home, [project]);
    await fn({
      ctx,
      home,
      project,
      read: (rel) => Deno.readTextFile(`${root}/${rel}`).catch(() => undefined),
      async apply(plan) {
        for (const w of plan.writes) {
          if (w.content === null) await Deno.remove(w.path);
          else {
            await Deno.mkdir(w.path.slice(0, w.path.lastIndexOf("/")), { recursive: true });
            await Deno.writeTextFile(w.path, w.content);
          }
        }
      },
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const MCP = "home/.rovodev/mcp.json";
const CONFIG = "home/.rovodev/config.yml";

function mcpItems(items: Item[]) {
  return Object.fromEntries(items.filter((i) => i.kind === "mcp").map((i) => [i.name, i.value]));
}

function server(name: string, value: Extract<Item, { kind: "mcp" }>["value"]): Item {
  return { kind: "mcp", scope: "user", name, value };
}

async function noop(p: Plugin, ctx: Context) {
  const read = await p.read(ctx);
  const plan = await p.plan({ items: read.items }, ctx);
  for (const w of plan.writes) {
    assert.equal(w.content, await ctx.files.read(w.path), `plan of read rewrote ${w.path}`);
  }
  return { read, plan };
}

Deno.test("rovo_dev reads each transport and the disabled list", async () => {
  const dir = new URL("testdata/typical/home/.rovodev/", import.meta.url).pathname;
  await withFiles({
    [MCP]: await Deno.readTextFile(dir + "mcp.json"),
    [CONFIG]: await Deno.readTextFile(dir + "config.yml"),
  }, async ({ ctx }) => {
    const { read } = await noop(plugin, ctx);
    assert.deepEqual(mcpItems(read.items), {
      filesystem: {
        transport: "stdio",
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/code"],
        env: { LOG_LEVEL: "info" },
      },
      github: {
        transport: "http",
        url: "https://api.githubcopilot.com/mcp/",
        headers: { Authorization: "Bearer ghp_example" },
      },
      events: { transport: "sse", url: "http://127.0.0.1:8931/sse" },
      jira: {
        transport: "stdio",
        command: "uvx",
        args: ["mcp-atlassian"],
        env: { JIRA_URL: "https://example.atlassian.net" },
        enabled: false,
      },
    });
  });
});

Deno.test("rovo_dev infers a missing transport and keeps an unknown one", async () => {
  const text = JSON.stringify(
    {
      mcpServers: {
        local: { command: "node", args: ["s.js"] },
        hosted: { url: "https://api.githubcopilot.com/mcp/", headers: { A: "b" } },
        odd: { transport: "streamable-http", url: "http://x/mcp" },
      },
    },
    null,
    2,
  );
  await withFiles({ [MCP]: text }, async ({ ctx }) => {
    const { read } = await noop(plugin, ctx);
    const got = mcpItems(read.items);
    assert.deepEqual(got.local, { transport: "stdio", command: "node", args: ["s.js"] });
    assert.deepEqual(got.hosted, {
      transport: "http",
      url: "https://api.githubcopilot.com/mcp/",
      headers: { A: "b" },
    });
    assert.deepEqual(got.odd, {
      transport: "http",
      url: "http://x/mcp",
      extras: { rovo_dev: { transport: "streamable-http" } },
    });
    // Switching the kept-transport server to sse writes the canonical value.
    const items = read.items.map((i) =>
      i.name === "odd" && i.kind === "mcp" ? { ...i, value: { ...i.value, transport: "sse" } } : i
    ) as Item[];
    const plan = await plugin.plan({ items }, ctx);
    const out = JSON.parse(plan.writes[0].content!);
    assert.equal(out.mcpServers.odd.transport, "sse");
    assert.deepEqual(out.mcpServers.local, { command: "node", args: ["s.js"] });
  });
});

Deno.test("rovo_dev writes new entries in Atlassian's documented shape", async () => {
  await withFiles({}, async ({ ctx, read, apply }) => {
    const plan = await plugin.plan({
      items: [
        server("local", {
          transport: "stdio",
          command: "npx",
          args: ["-y", "srv"],
          env: { K: "v" },
        }),
        server("gh", {
          transport: "http",
          url: "https://api.githubcopilot.com/mcp/",
          headers: { Authorization: "Bearer <PAT>" },
        }),
        server("events", { transport: "sse", url: "http://127.0.0.1:9/sse" }),
      ],
    }, ctx);
    assert.deepEqual(plan.writes.map((w) => w.path), [ctx.paths.mcp]);
    await apply(plan);
    const text = (await read(MCP))!;
    // support.atlassian.com/rovo/docs/connect-to-an-mcp-server-in-rovo-dev-cli
    assert.deepEqual(JSON.parse(text), {
      mcpServers: {
        local: { command: "npx", args: ["-y", "srv"], env: { K: "v" }, transport: "stdio" },
        gh: {
          url: "https://api.githubcopilot.com/mcp/",
          headers: { Authorization: "Bearer <PAT>" },
          transport: "http",
        },
        events: { url: "http://127.0.0.1:9/sse", transport: "sse" },
      },
    });
    assert.match(text, /^\{\n {2}"mcpServers": \{\n {4}"local": \{\n/);
    assert.match(text, /"args": \["-y", "srv"\],\n/);
    assert.ok(text.endsWith("}\n"));
    assert.equal(await read(CONFIG), undefined, "no config.yml when nothing is disabled");
  });
});

Deno.test("rovo_dev keeps ${VAR} verbatim and notes it", async () => {
  const text = JSON.stringify({
    mcpServers: {
      linear: { command: "npx", env: { LINEAR_API_KEY: "${LINEAR_API_KEY}" }, transport: "stdio" },
    },
  });
  await withFiles({ [MCP]: text }, async ({ ctx }) => {
    const { read, plan } = await noop(plugin, ctx);
    const linear = mcpItems(read.items).linear;
    assert.deepEqual(linear.env, { LINEAR_API_KEY: "${LINEAR_API_KEY}" });
    assert.deepEqual(plan.notes, [{
      item: "mcp:user:linear",
      field: "env.LINEAR_API_KEY",
      message: "Rovo Dev does not document env interpolation; written verbatim",
    }]);
  });
  await withFiles({}, async ({ ctx, read, apply }) => {
    const plan = await plugin.plan({
      items: [
        server("api", {
          transport: "http",
          url: "https://${HOST:-example.com}/mcp",
          headers: { Authorization: "Bearer ${TOKEN}", "X-Plain": "$NOT_A_REF" },
        }),
        server("cli", {
          transport: "stdio",
          command: "run",
          args: ["--token", "${TOKEN}"],
        }),
      ],
    }, ctx);
    assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field}`).sort(), [
      "mcp:user:api headers.Authorization",
      "mcp:user:api url",
      "mcp:user:cli args[1]",
    ]);
    await apply(plan);
    const out = JSON.parse((await read(MCP))!);
    assert.equal(out.mcpServers.api.headers.Authorization, "Bearer ${TOKEN}");
    assert.equal(out.mcpServers.api.url, "https://${HOST:-example.com}/mcp");
    assert.equal(out.mcpServers.api.headers["X-Plain"], "$NOT_A_REF");
  });
});

Deno.test("rovo_dev notes what Rovo Dev cannot express and still writes the server", async () => {
  await withFiles({}, async ({ ctx, read, apply }) => {
    const plan = await plugin.plan({
      items: [
        server("full", {
          transport: "stdio",
          command: "srv",
          cwd: "/work",
          tools: { allow: ["read"], deny: ["write"] },
          startupTimeoutMs: 10000,
          toolTimeoutMs: 60000,
          extras: { rovo_dev: { cwd: "/from-rovo" }, codex: { enabled_tools: ["x"] } },
        }),
        server("remote", {
          transport: "http",
          url: "https://x/mcp",
          oauth: { clientId: "abc", scopes: ["read"] },
        }),
      ],
    }, ctx);
    assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field}`).sort(), [
      "mcp:user:full cwd",
      "mcp:user:full startupTimeoutMs",
      "mcp:user:full toolTimeoutMs",
      "mcp:user:full tools",
      "mcp:user:remote oauth",
    ]);
    await apply(plan);
    assert.deepEqual(JSON.parse((await read(MCP))!).mcpServers, {
      // Rovo's own `cwd` (from extras) is written back; the canonical one is not.
      full: { command: "srv", transport: "stdio", cwd: "/from-rovo" },
      remote: { url: "https://x/mcp", transport: "http" },
    });
  });
});

Deno.test("rovo_dev does not write project MCP servers", async () => {
  await withFiles({}, async ({ ctx, project }) => {
    const plan = await plugin.plan({
      items: [{
        kind: "mcp",
        scope: `project:${project}`,
        name: "p",
        value: { transport: "stdio", command: "x" },
      }],
    }, ctx);
    assert.deepEqual(plan.writes, []);
    assert.equal(plan.notes.length, 1);
    assert.equal(plan.notes[0].item, `mcp:project:${project}:p`);
    assert.match(plan.notes[0].message, /mcpConfigPath/);
  });
});

Deno.test("rovo_dev keeps unknown keys in extras and writes them back", async () => {
  const dir = new URL("testdata/odd/home/.rovodev/", import.meta.url).pathname;
  const original = await Deno.readTextFile(dir + "mcp.json");
  await withFiles({ [MCP]: original }, async ({ ctx, read, apply }) => {
    const { read: got } = await noop(plugin, ctx);
    const byName = mcpItems(got.items);
    assert.deepEqual(Object.keys(byName), [
      "linear",
      "memory",
      "firecrawl",
      "hand-made",
      "numbers",
    ]);
    assert.deepEqual(byName.linear.extras, {
      rovo_dev: { description: "Read issues and roadmap state" },
    });
    assert.deepEqual(byName.memory.extras, { rovo_dev: { disabled: false, timeout: 30 } });
    assert.equal(byName.memory.env, undefined, "an empty env is not canonical");
    assert.deepEqual(byName.firecrawl.extras, { rovo_dev: { enable_instructions: false } });
    assert.deepEqual(byName.numbers, {
      transport: "stdio",
      command: "node",
      extras: { rovo_dev: { args: ["srv.js", 8080], env: { PORT: 8080 } } },
    });
    // Change one field of each server: everything Rovo-specific stays, `notes` is untouched.
    const items = got.items.map((i) =>
      i.kind === "mcp" ? { ...i, value: { ...i.value, command: i.value.command && "bunx" } } : i
    ) as Item[];
    await apply(await plugin.plan({ items }, ctx));
    const after = JSON.parse((await read(MCP))!);
    assert.equal(after.mcpServers.notes, "not a server, just a reminder");
    assert.deepEqual(after["x-editor"], { lastOpened: "2026-08-01" });
    assert.deepEqual(after.mcpServers.memory, {
      command: "bunx",
      args: ["@modelcontextprotocol/server-memory"],
      env: {},
      disabled: false,
      timeout: 30,
    });
    assert.deepEqual(after.mcpServers.numbers, {
      command: "bunx",
      args: ["srv.js", 8080],
      env: { PORT: 8080 },
    });
    assert.equal(after.mcpServers["hand-made"].transport, "streamable-http");
  });
});

Deno.test("rovo_dev edits mcp.json without touching other lines", async () => {
  const text = '{\n    "mcpServers": {\n        "a": {"command": "x", "args": ["1", "2"]},\n' +
    '        "b": {\n            "command": "y",\n            "args": ["-y", "pkg"]\n        }\n' +
    "    }\n}";
  await withFiles({ [MCP]: text }, async ({ ctx }) => {
    const { read } = await noop(plugin, ctx);
    const items = read.items.map((i) =>
      i.name === "b" && i.kind === "mcp" ? { ...i, value: { ...i.value, env: { K: "v" } } } : i
    );
    items.push(server("c", { transport: "stdio", command: "z" }));
    const plan = await plugin.plan({ items }, ctx);
    assert.equal(
      plan.writes[0].content,
      '{\n    "mcpServers": {\n        "a": {"command": "x", "args": ["1", "2"]},\n' +
        '        "b": {\n            "command": "y",\n            "args": ["-y", "pkg"],\n' +
        '            "env": {\n                "K": "v"\n            }\n        },\n' +
        '        "c": {\n            "command": "z",\n            "transport": "stdio"\n' +
        "        }\n    }\n}",
    );
    const removed = await plugin.plan({ items: read.items.filter((i) => i.name !== "b") }, ctx);
    assert.equal(
      removed.writes[0].content,
      '{\n    "mcpServers": {\n        "a": {"command": "x", "args": ["1", "2"]}\n    }\n}',
    );
  });
});

Deno.test("rovo_dev keeps enabled:false in config.yml mcp.disabledMcpServers", async () => {
  const config = "agent:\n  modelId: auto\nmcp:\n  disabledMcpServers:\n    - builtin\n    - b\n";
  const text = JSON.stringify(
    {
      mcpServers: {
        a: { command: "a", transport: "stdio" },
        b: { command: "b", transport: "stdio" },
      },
    },
    null,
    2,
  );
  await withFiles({ [MCP]: text, [CONFIG]: config }, async ({ ctx, read, apply }) => {
    const { read: got } = await noop(plugin, ctx);
    assert.equal(mcpItems(got.items).b.enabled, false);
    assert.equal(mcpItems(got.items).a.enabled, undefined);
    // Turn a off and b on: the list changes, `builtin` (not in mcp.json) stays.
    const items = [
      server("a", { transport: "stdio", command: "a", enabled: false }),
      server("b", { transport: "stdio", command: "b" }),
    ];
    const plan = await plugin.plan({ items }, ctx);
    assert.deepEqual(plan.writes.map((w) => w.path), [ctx.paths.config]);
    assert.equal(
      plan.writes[0].content,
      "agent:\n  modelId: auto\nmcp:\n  disabledMcpServers:\n    - builtin\n    - a\n",
    );
    await apply(plan);
    // Removing a server also drops its name from the list.
    await apply(await plugin.plan({ items: [items[1]] }, ctx));
    assert.equal(
      await read(CONFIG),
      "agent:\n  modelId: auto\nmcp:\n  disabledMcpServers:\n    - builtin\n",
    );
    assert.deepEqual(Object.keys(JSON.parse((await read(MCP))!).mcpServers), ["b"]);
  });
});

Deno.test("rovo_dev creates config.yml for the first disabled server", async () => {
  await withFiles({}, async ({ ctx, read, apply }) => {
    await apply(
      await plugin.plan({
        items: [server("s", { transport: "stdio", command: "s", enabled: false })],
      }, ctx),
    );
    assert.equal(await read(CONFIG), "mcp:\n  disabledMcpServers:\n    - s\n");
    const back = await plugin.read(ctx);
    assert.equal(mcpItems(back.items).s.enabled, false);
  });
});

Deno.test("rovo_dev reports a config.yml the YAML editor cannot keep, or keeps its bytes", async () => {
  // Today's editYaml refuses layouts its printer would change (the gap before `# c`, PyYAML's
  // indentless lists); once it splices (core/yaml_edit.ts) the same plan writes surgically.
  const config = "agent:\n  modelId: auto   # c\nmcp:\n  disabledMcpServers:\n  - old\n";
  await withFiles({ [CONFIG]: config }, async ({ ctx }) => {
    const plan = await plugin.plan({
      items: [server("new", { transport: "stdio", command: "n", enabled: false })],
    }, ctx);
    const write = plan.writes.find((w) => w.path === ctx.paths.config);
    if (write) {
      assert.equal(keepsLines(config, write.content!), undefined);
      assert.ok(write.content!.startsWith("agent:\n  modelId: auto   # c\n"));
    } else {
      const note = plan.notes.find((n) => n.field === "enabled");
      assert.ok(note, "a note says the server could not be switched off");
      assert.equal(note.item, "mcp:user:new");
      // Fail closed: a server that must be off is not added while it would run.
      assert.equal(plan.writes.find((w) => w.path === ctx.paths.mcp), undefined);
    }
  });
});

Deno.test("rovo_dev writes no MCP file while config.yml or mcp.json is broken", async () => {
  const mcp = '{"mcpServers": {"a": {"command": "a", "transport": "stdio"}}}\n';
  await withFiles({
    [MCP]: mcp,
    [CONFIG]: "mcp:\n  x: 1\nmcp:\n  y: 2\n",
    "home/.rovodev/AGENTS.md": "old\n",
  }, async ({ ctx }) => {
    const read = await plugin.read(ctx);
    assert.equal(read.errors?.length, 1);
    assert.equal(read.errors![0].file, ctx.paths.config);
    assert.equal(read.errors![0].line, 3);
    assert.deepEqual(read.errors![0].scopes, ["user"]);
    const plan = await plugin.plan({
      items: [
        server("a", { transport: "stdio", command: "a", enabled: false }),
        server("b", { transport: "stdio", command: "b" }),
        { kind: "instructions", scope: "user", name: "main", value: { text: "new\n" } },
      ],
    }, ctx);
    assert.deepEqual(plan.writes, [{ path: ctx.paths.instructions, content: "new\n" }]);
  });
  await withFiles({ [MCP]: '{\n  "mcpServers": {\n    "a": 1,\n  }\n}\n' }, async ({ ctx }) => {
    const read = await plugin.read(ctx);
    assert.equal(read.errors?.[0].file, ctx.paths.mcp);
    assert.equal(read.errors?.[0].line, 4);
    assert.match(read.errors![0].message, /Cannot parse ".*mcp\.json" at line 4/);
    const plan = await plugin.plan(
      { items: [server("b", { transport: "stdio", command: "b" })] },
      ctx,
    );
    assert.deepEqual(plan.writes, []);
  });
  await withFiles({ [MCP]: '{"mcpServers": ["a"]}' }, async ({ ctx }) => {
    const read = await plugin.read(ctx);
    assert.match(read.errors![0].message, /"mcpServers" must be an object/);
  });
});

Deno.test("rovo_dev notes a mcpConfigPath that points elsewhere", async () => {
  await withFiles({ [CONFIG]: "mcp:\n  mcpConfigPath: /srv/team/mcp.json\n" }, async ({ ctx }) => {
    const plan = await plugin.plan(
      { items: [server("a", { transport: "stdio", command: "a" })] },
      ctx,
    );
    assert.match(plan.notes[0].message, /mcpConfigPath to "\/srv\/team\/mcp\.json"/);
  });
  await withFiles({ [CONFIG]: "mcp:\n  mcpConfigPath: ~/.rovodev/mcp.json\n" }, async ({ ctx }) => {
    const plan = await plugin.plan(
      { items: [server("a", { transport: "stdio", command: "a" })] },
      ctx,
    );
    assert.deepEqual(plan.notes, []);
  });
});

Deno.test("rovo_dev keeps AGENTS.md byte for byte and deletes it when not desired", async () => {
  const crlf = "# Memory\r\n\r\n* one\r\n* no final newline";
  await withFiles({
    "home/.rovodev/AGENTS.md": crlf,
    "project/AGENTS.md": "# Shared with Codex\n",
  }, async ({ ctx, project, read, apply }) => {
    const { read: got } = await noop(plugin, ctx);
    assert.deepEqual(got.items, [
      { kind: "instructions", scope: "user", name: "main", value: { text: crlf } },
      {
        kind: "instructions",
        scope: `project:${project}`,
        name: "main",
        value: { text: "# Shared with Codex\n" },
      },
    ]);
    const plan = await plugin.plan({
      items: [{
        kind: "instructions",
        scope: "user",
        name: "main",
        value: { text: crlf + "\r\n" },
      }],
    }, ctx);
    assert.deepEqual(plan.writes, [
      { path: ctx.paths.instructions, content: crlf + "\r\n" },
      { path: `${project}/AGENTS.md`, content: null },
    ]);
    await apply(plan);
    assert.equal(await read("project/AGENTS.md"), undefined);
    // Nothing desired and no file: nothing to do.
    const again = await plugin.plan({ items: [] }, ctx);
    assert.deepEqual(again.writes, [{ path: ctx.paths.instructions, content: null }]);
  });
});

Deno.test("rovo_dev detects the client from its files", async () => {
  await withFiles({}, async ({ ctx }) => {
    assert.deepEqual(await plugin.detect(ctx), { installed: false });
  });
  await withFiles({ [CONFIG]: "agent: {}\n" }, async ({ ctx }) => {
    assert.deepEqual(await plugin.detect(ctx), { installed: true });
  });
});

Deno.test("rovo_dev reads every corpus file and plans it back unchanged", async () => {
  const corpus = new URL("../../../shared/corpus/", import.meta.url).pathname;
  const list = (dir: string) => {
    try {
      return [...Deno.readDirSync(corpus + dir)].filter((e) => e.isFile).map((e) => e.name).sort();
    } catch {
      return undefined;
    }
  };
  const mcpFiles = list("rovodev");
  if (!mcpFiles) return; // the shared corpus is not checked out here
  assert.ok(mcpFiles.length > 0);
  for (const name of mcpFiles) {
    const text = await Deno.readTextFile(`${corpus}rovodev/${name}`);
    await withFiles({ [MCP]: text }, async ({ ctx }) => {
      const { read } = await noop(plugin, ctx);
      for (const e of read.errors ?? []) {
        assert.equal(e.file, ctx.paths.mcp);
        assert.ok(e.line, `${name}: the error names a line`);
      }
      if (!read.errors) assert.ok(read.items.length > 0, `${name}: servers read`);
    });
  }
  for (const name of (list("instructions") ?? []).filter((n) => n.endsWith("AGENTS.md"))) {
    const text = await Deno.readTextFile(`${corpus}instructions/${name}`);
    await withFiles({ "project/AGENTS.md": text }, async ({ ctx }) => {
      const { read } = await noop(plugin, ctx);
      assert.equal(read.items.length, 1);
      assert.equal((read.items[0].value as { text: string }).text, text);
    });
  }
});
