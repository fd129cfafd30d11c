import assert from "node:assert/strict";
import fc from "fast-check";
import { contextFor, keepsLines, loadPlugin, runConformance } from "../_conformance.ts";
import type { Context, Item, Manifest, PlanResult, Plugin } from "../_contract.ts";
import { promptBodyToRovo, toolsFromRovo, toolsToRovo } from "./mod.ts";
import { corpusNames, type TempCase, toBase64, withTempCase } from "../_test_helpers.ts";

runConformance("rovo_dev");

const { manifest, plugin } = await loadPlugin("rovo_dev");
const corpusExists = await Deno.stat(new URL("../../../shared/corpus/", import.meta.url))
  .then(() => true, () => false);

type Env = TempCase;

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
const withFiles = (
  files: Record<string, string | Uint8Array>,
  fn: (env: Env) => Promise<void>,
  m: Manifest = manifest,
) => withTempCase(m, files, fn);

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
  // Absent when the shared corpus is not checked out here.
  const list = (dir: string) => corpusExists ? corpusNames(corpus + dir) : undefined;
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

// ---------------------------------------------------------------------------------------------
// Saved prompts, subagents and skills.

const PROMPTS = "home/.rovodev/prompts.yml";
const testdata = new URL("testdata/", import.meta.url).pathname;

/** Every file of a testdata case, as `withFiles` takes them. */
async function caseFiles(name: string, only?: RegExp): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, rel: string) => {
    for await (const e of Deno.readDir(dir)) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(`${dir}/${e.name}`, r);
      else if (!only || only.test(r)) out[r] = await Deno.readTextFile(`${dir}/${e.name}`);
    }
  };
  await walk(testdata + name, "");
  return out;
}

function command(name: string, value: Extract<Item, { kind: "command" }>["value"]): Item {
  return { kind: "command", scope: "user", name, value };
}

function subagent(name: string, value: Extract<Item, { kind: "subagent" }>["value"]): Item {
  return { kind: "subagent", scope: "user", name, value };
}

function byKind(items: Item[], kind: Item["kind"]) {
  return Object.fromEntries(
    items.filter((i) => i.kind === kind).map((i) => [`${i.scope}|${i.name}`, i.value]),
  );
}

Deno.test("rovo_dev reads saved prompts, subagents and skills", async () => {
  const files = await caseFiles("typical", /\.(md|yml)$/);
  const icon = await Deno.readFile(
    `${testdata}typical/home/.rovodev/skills/pdf-tools/assets/icon.png`,
  );
  const script = '#!/bin/sh\nset -eu\npdftotext -layout "$1" -\n';
  await withFiles({
    ...files,
    "home/.rovodev/skills/pdf-tools/assets/icon.png": icon,
    "home/.rovodev/skills/pdf-tools/scripts/extract.sh": script,
  }, async ({ ctx, project, home }) => {
    await Deno.chmod(`${home}/.rovodev/skills/pdf-tools/scripts/extract.sh`, 0o755);
    const { read } = await noop(plugin, ctx);
    const p = `project:${project}`;
    assert.deepEqual(byKind(read.items, "command"), {
      "user|local-code-review": {
        description: "Review staged changes",
        body: files["home/.rovodev/prompts/local-code-review.md"],
      },
      // A namespaced name is free text in prompts.yml; its file sits in a sub-folder.
      "user|git:commit": {
        description: "Write a commit message for the staged changes",
        body: files["home/.rovodev/prompts/git/commit.md"],
      },
      [`${p}|release-notes`]: {
        description: "Draft release notes since the last tag",
        body: files["project/.rovodev/prompts/release-notes.md"],
      },
    });
    assert.deepEqual(byKind(read.items, "subagent"), {
      "user|code-reviewer": {
        description: "Reviews code and suggests improvements",
        // open_files and expand_code_chunks are both Claude's Read.
        tools: ["Read", "Grep", "Bash"],
        body: "You are an expert code reviewer focused on identifying potential issues and " +
          "suggesting\nimprovements. Read the changed files, then report bugs first and style " +
          "last.\n",
      },
      [`${p}|test-writer`]: {
        description: "Writes unit tests for changed code",
        tools: ["Read", "Write", "Edit", "Bash"],
        body: "You write focused unit tests. Run them with `deno task ok` before you finish.\n",
      },
    });
    const skills = byKind(read.items, "skill") as Record<
      string,
      { files: Record<string, { base64: string }> }
    >;
    assert.deepEqual(Object.keys(skills).sort(), [`${p}|deploy`, "user|pdf-tools"]);
    const pdf = skills["user|pdf-tools"].files as Record<string, { base64: string; mode: number }>;
    assert.deepEqual(Object.keys(pdf), ["SKILL.md", "assets/icon.png", "scripts/extract.sh"]);
    assert.equal(pdf["assets/icon.png"].base64, toBase64(icon));
    assert.equal(pdf["scripts/extract.sh"].mode, 0o755);
    assert.equal(atob(pdf["scripts/extract.sh"].base64), script);
  });
});

Deno.test("rovo_dev writes a new saved prompt as Atlassian documents it", async () => {
  await withFiles({}, async ({ ctx, read, apply }) => {
    const items = [
      command("local-code-review", { description: "Review staged changes", body: "Review.\n" }),
      command("git:commit", { body: "Write a commit message.\n" }),
    ];
    const plan = await plugin.plan({ items }, ctx);
    assert.deepEqual(plan.notes, []);
    await apply(plan);
    // support.atlassian.com/rovo/docs/save-and-reuse-a-prompt-in-rovo-dev-cli
    assert.equal(
      await read(PROMPTS),
      "prompts:\n" +
        "  - name: local-code-review\n" +
        "    description: Review staged changes\n" +
        "    content_file: prompts/local-code-review.md\n" +
        "  - name: git:commit\n" +
        '    description: ""\n' +
        "    content_file: prompts/git/commit.md\n",
    );
    assert.equal(await read("home/.rovodev/prompts/local-code-review.md"), "Review.\n");
    assert.equal(await read("home/.rovodev/prompts/git/commit.md"), "Write a commit message.\n");
    const back = await plugin.read(ctx);
    assert.deepEqual(back.items, items);
    const again = await plugin.plan({ items }, ctx);
    assert.deepEqual(again.writes, []);
  });
});

Deno.test("rovo_dev edits prompts.yml entry by entry and leaves the rest alone", async () => {
  const files = await caseFiles("odd", /^home\/\.rovodev\/(prompts|my_custom)/);
  const original = files[PROMPTS];
  await withFiles(files, async ({ ctx, read, apply }) => {
    const { read: got } = await noop(plugin, ctx);
    // The entry whose file is outside prompts/ is not read (the sandbox would refuse it).
    assert.deepEqual(byKind(got.items, "command"), {
      "user|quick fix": {
        body: "Fix the failing test with the smallest change.",
        extras: { rovo_dev: { pinned: true } },
      },
      "user|explain": {
        description: "Explain: the selected code",
        body: "Explain this code to a new team member:\r\n\r\n",
      },
      "user|placeholders": { body: files["home/.rovodev/prompts/placeholders.md"] },
    });
    const items = got.items.map((i) =>
      i.kind === "command" && i.name === "quick fix"
        ? { ...i, value: { ...i.value, body: "Fix it.\n" } }
        : i
    );
    // A new body only rewrites the Markdown file.
    let plan = await plugin.plan({ items }, ctx);
    assert.deepEqual(plan.writes.map((w) => w.path), [
      `${ctx.paths.promptFiles}/quick-fix.md`,
    ]);
    await apply(plan);
    // Remove one, change one's description, add one: every other line stays.
    const next = items.filter((i) => i.name !== "placeholders").map((i) =>
      i.kind === "command" && i.name === "explain"
        ? { ...i, value: { ...i.value, description: "Explain the code" } }
        : i
    );
    next.push(command("new", { description: "New one", body: "New.\n" }));
    plan = await plugin.plan({ items: next }, ctx);
    await apply(plan);
    const text = (await read(PROMPTS))!;
    assert.equal(
      text,
      original
        .replace(
          '  - name: placeholders\n    description: ""\n    content_file: prompts/placeholders.md\n',
          "",
        )
        .replace(
          "  - {name: explain, description: 'Explain: the selected code', content_file: " +
            "prompts/explain.md}\n",
          "",
        ) +
        "  - name: explain\n    description: Explain the code\n    content_file: prompts/explain.md\n" +
        "  - name: new\n    description: New one\n    content_file: prompts/new.md\n",
    );
    assert.equal(await read("home/.rovodev/prompts/placeholders.md"), undefined);
    assert.equal(await read("home/.rovodev/prompts/new.md"), "New.\n");
    assert.ok(await read("home/.rovodev/prompts/orphan.md"), "a file no entry names stays");
    assert.ok(await read("home/.rovodev/my_custom_prompt.md"));
    const back = await plugin.read(ctx);
    assert.deepEqual(
      byKind(back.items, "command"),
      byKind(next.filter((i) => i.kind === "command"), "command"),
    );
    // Nothing desired: aisync's entries go, the one it does not read stays.
    await apply(await plugin.plan({ items: [] }, ctx));
    assert.equal(
      await read(PROMPTS),
      "# Saved prompts, edited by hand.\nversion: 2 # not read by aisync\nprompts:\n" +
        "  # Atlassian's own example keeps the file next to prompts.yml: outside prompts/, " +
        "left alone.\n  - name: my-custom-prompt\n    description: My custom prompt description\n" +
        "    content_file: my_custom_prompt.md\n\n",
    );
    assert.equal((await plugin.read(ctx)).items.length, 0);
    for (const f of ["quick-fix", "explain", "new"]) {
      assert.equal(await read(`home/.rovodev/prompts/${f}.md`), undefined, f);
    }
  });
});

Deno.test("rovo_dev leaves a saved prompt outside prompts/ to the user", async () => {
  const yml = "prompts:\n  - name: mine\n    description: Mine\n    content_file: mine.md\n";
  await withFiles({ [PROMPTS]: yml, "home/.rovodev/mine.md": "Mine.\n" }, async ({ ctx }) => {
    const plan = await plugin.plan({ items: [command("mine", { body: "Other.\n" })] }, ctx);
    assert.deepEqual(plan.writes, []);
    assert.equal(plan.notes.length, 1);
    assert.match(plan.notes[0].message, /points "mine" at .*mine\.md, outside .*prompts/);
  });
});

Deno.test("rovo_dev translates placeholders into saved prompts and notes the lossy ones", () => {
  const cases: [string, string, RegExp[]][] = [
    // Rovo Dev appends the arguments: a trailing $ARGUMENTS goes, with what led up to it.
    ["Review: $ARGUMENTS", "Review:", [/trailing "\$ARGUMENTS" was left out/]],
    ["Review:\n\n$ARGUMENTS\n", "Review:\n", [/trailing/]],
    ["$ARGUMENTS", "", [/trailing/]],
    // Anywhere else it stays as text, with a note.
    ["Say hello to $ARGUMENTS.\n", "Say hello to $ARGUMENTS.\n", [/"\$ARGUMENTS" stay as text/]],
    [
      "Fix $ARGUMENTS[0] then $1\n$ARGUMENTS\n",
      "Fix $ARGUMENTS[0] then $1\n",
      [/trailing/, /"\$ARGUMENTS\[0\]", "\$1" stay as text/],
    ],
    ["Use $FILE and ${CLAUDE_SESSION_ID}", "Use $FILE and ${CLAUDE_SESSION_ID}", [/"\$FILE"/]],
    [
      "Diff !{git diff} with @{README.md} and !`ls`",
      "Diff !{git diff} with @{README.md} and !`ls`",
      [/"!\{git diff\}", "@\{README\.md\}", "!`ls`"/],
    ],
    // Escaped, `$$` and plain text are not placeholders.
    ["Costs \\$ARGUMENTS and $$ARGUMENTS", "Costs \\$ARGUMENTS and $$ARGUMENTS", []],
    ["No placeholders.\n", "No placeholders.\n", []],
  ];
  for (const [canonical, rovo, notes] of cases) {
    const got: string[] = [];
    assert.equal(promptBodyToRovo(canonical, (m) => got.push(m)), rovo, canonical);
    assert.equal(got.length, notes.length, `${canonical}: ${got}`);
    notes.forEach((re, i) => assert.match(got[i], re));
  }
});

Deno.test("rovo_dev reads a saved prompt back as written and notes the placeholders", async () => {
  await withFiles({}, async ({ ctx, read, apply }) => {
    const items = [
      command("tail", { body: "Summarise the diff.\n\n$ARGUMENTS\n" }),
      command("middle", { body: "Compare $ARGUMENTS[0] with $ARGUMENTS[1].\n" }),
      command("plain", { body: "Explain the build.\n" }),
    ];
    const plan = await plugin.plan({ items }, ctx);
    assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field}`), [
      "command:user:tail body",
      "command:user:middle body",
    ]);
    await apply(plan);
    assert.equal(await read("home/.rovodev/prompts/tail.md"), "Summarise the diff.\n");
    const back = byKind((await plugin.read(ctx)).items, "command");
    // Rovo Dev to canonical is the file as it is: its arguments are appended, as Claude Code
    // does for a command without $ARGUMENTS.
    assert.deepEqual(back["user|tail"], { body: "Summarise the diff.\n" });
    assert.deepEqual(back["user|middle"], items[1].value);
    // The lossy ones stay noted and the files stay as they are.
    const again = await plugin.plan({ items }, ctx);
    assert.deepEqual(again.writes, []);
    assert.equal(again.notes.length, 2);
  });
  // A prompt file that spells out a trailing $ARGUMENTS keeps it (and is noted).
  const yml = "prompts:\n  - name: own\n    description: Own\n    content_file: prompts/own.md\n";
  await withFiles({
    [PROMPTS]: yml,
    "home/.rovodev/prompts/own.md": "Do $ARGUMENTS",
  }, async ({ ctx }) => {
    const { plan } = await noop(plugin, ctx);
    assert.deepEqual(plan.notes.map((n) => n.item), ["command:user:own"]);
  });
});

Deno.test("rovo_dev notes what a saved prompt cannot hold", async () => {
  await withFiles({}, async ({ ctx }) => {
    const plan = await plugin.plan({
      items: [
        command("hint", { argumentHint: "[file]", body: "x\n" }),
        command("empty", { description: "", body: "x\n" }),
        command("two words", { body: "x\n" }),
        command("../up", { body: "x\n" }),
      ],
    }, ctx);
    assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field ?? ""}`), [
      "command:user:hint argumentHint",
      "command:user:empty description",
      "command:user:two words name",
      "command:user:../up ",
    ]);
    assert.ok(!plan.writes.some((w) => w.path.includes("up.md")));
  });
});

Deno.test("rovo_dev maps subagent tools both ways", () => {
  assert.deepEqual(
    toolsFromRovo(["open_files", "expand_code_chunks", "grep", "delete_file", "bash", "grep"]),
    { tools: ["Read", "Grep", "Bash"], rovoOnly: ["delete_file"] },
  );
  assert.deepEqual(
    toolsFromRovo(["create_file", "find_and_replace_code", "expand_folder", "invoke_subagents"]),
    { tools: ["Write", "Edit", "Glob"], rovoOnly: ["invoke_subagents"] },
  );
  assert.deepEqual(
    toolsToRovo(["Read", "Bash", "WebFetch", "mcp__github__get_issue", "Edit"], []),
    {
      list: ["open_files", "expand_code_chunks", "bash", "find_and_replace_code"],
      missing: ["WebFetch", "mcp__github__get_issue"],
    },
  );
  // A file's own spelling and order stay; new tools follow; Rovo-only ones keep their place.
  assert.deepEqual(
    toolsToRovo(["Read", "Grep", "Write"], ["delete_file"], ["open_files", "delete_file", "grep"])
      .list,
    ["open_files", "delete_file", "grep", "create_file"],
  );
  // A new order is followed, so that the file reads back in that order.
  assert.deepEqual(
    toolsToRovo(["Grep", "Read"], [], ["open_files", "grep"]).list,
    ["grep", "open_files"],
  );
  for (const claude of [["Read"], ["Edit", "Write"], ["Glob", "Grep", "Bash"]]) {
    assert.deepEqual(toolsFromRovo(toolsToRovo(claude, []).list).tools, claude);
  }
});

Deno.test("rovo_dev writes a subagent and notes tools and model it cannot keep", async () => {
  await withFiles({}, async ({ ctx, read, apply }) => {
    const item = subagent("reviewer", {
      description: "Reviews code",
      tools: ["Read", "Grep", "WebFetch", "mcp__github__get_issue"],
      model: "sonnet",
      body: "You review code.\n",
    });
    const plan = await plugin.plan({ items: [item] }, ctx);
    assert.deepEqual(plan.notes.map((n) => `${n.field}: ${n.message}`), [
      'tools: Rovo Dev has no tool like "WebFetch", "mcp__github__get_issue"; left out of the ' +
      "subagent's tools",
      "model: Rovo Dev does not document a subagent's model key (its wizard picks a Rovo " +
      'model); "sonnet" was not written',
    ]);
    await apply(plan);
    // support.atlassian.com/rovo/docs/use-subagents-in-rovo-dev-cli
    assert.equal(
      await read("home/.rovodev/subagents/reviewer.md"),
      "---\nname: reviewer\ndescription: Reviews code\ntools:\n  - open_files\n" +
        "  - expand_code_chunks\n  - grep\n---\nYou review code.\n",
    );
    const back = byKind((await plugin.read(ctx)).items, "subagent");
    assert.deepEqual(back["user|reviewer"], {
      description: "Reviews code",
      tools: ["Read", "Grep"],
      body: "You review code.\n",
    });
    // Stable: planning the same again writes nothing and says the same.
    const again = await plugin.plan({ items: [item] }, ctx);
    assert.deepEqual(again.writes, []);
    assert.deepEqual(again.notes, plan.notes);
  });
});

Deno.test("rovo_dev edits subagent frontmatter key by key", async () => {
  const files = await caseFiles("odd", /subagents\//);
  await withFiles(files, async ({ ctx, read, apply }) => {
    const { read: got } = await noop(plugin, ctx);
    const agents = byKind(got.items, "subagent");
    assert.deepEqual(agents["user|update-docs"], {
      description: "Use docs/standards.md to update whatever documentation is needed",
      tools: ["Read", "Grep", "Bash"],
      body: "You are a documentation update assistant.\n\nAlways follow docs/standards.md.",
      // `model` is Rovo's own (null as the /subagents wizard leaves it); delete_file has no
      // Claude equivalent.
      extras: { rovo_dev: { tools: ["delete_file"], model: null, color: "teal" } },
    });
    // The name comes from the frontmatter, not the file name.
    assert.ok(agents["user|windows-agent"]);
    assert.equal(Object.keys(agents).length, 2, "notes.md has no frontmatter: not a subagent");

    const original = files["home/.rovodev/subagents/update-docs.md"];
    const edit = (name: string, f: (v: Record<string, unknown>) => Record<string, unknown>) =>
      got.items.map((i) =>
        i.kind === "subagent" && i.name === name ? { ...i, value: f(i.value) } : i
      ) as Item[];
    // A new description changes one line; comments, model and color stay.
    await apply(
      await plugin.plan({
        items: edit("update-docs", (v) => ({ ...v, description: "Update the docs" })),
      }, ctx),
    );
    assert.equal(
      await read("home/.rovodev/subagents/update-docs.md"),
      // The value keeps the file's quoting.
      original.replace(/description: ".*"/, 'description: "Update the docs"'),
    );
    // Adding Write adds create_file at the end; delete_file keeps its place.
    await apply(
      await plugin.plan({
        items: edit("update-docs", (v) => ({
          ...v,
          description: "Update the docs",
          tools: ["Read", "Grep", "Bash", "Write"],
        })),
      }, ctx),
    );
    assert.match(
      (await read("home/.rovodev/subagents/update-docs.md"))!,
      /tools:\n {2}- open_files\n {2}- expand_code_chunks\n {2}- grep\n {2}- delete_file\n {2}- bash\n {2}- create_file\nmodel: null\ncolor: teal\n---\n/,
    );
    // The CRLF file stays CRLF.
    await apply(
      await plugin.plan({ items: edit("windows-agent", (v) => ({ ...v, body: "New.\r\n" })) }, ctx),
    );
    assert.equal(
      await read("home/.rovodev/subagents/crlf-agent.md"),
      "---\r\nname: windows-agent\r\ndescription: Written on Windows\r\n" +
        "tools: [grep, expand_folder]\r\n---\r\nNew.\r\n",
    );
    // Removing the subagent removes its file; the file that is no subagent stays.
    await apply(
      await plugin.plan({ items: got.items.filter((i) => i.kind !== "subagent") }, ctx),
    );
    assert.equal(await read("home/.rovodev/subagents/update-docs.md"), undefined);
    assert.equal(await read("home/.rovodev/subagents/crlf-agent.md"), undefined);
    assert.ok(await read("home/.rovodev/subagents/notes.md"));
  });
});

Deno.test("rovo_dev does not write a subagent over a file that holds something else", async () => {
  await withFiles({ "home/.rovodev/subagents/notes.md": "# just notes\n" }, async ({ ctx }) => {
    const plan = await plugin.plan({ items: [subagent("notes", { body: "x\n" })] }, ctx);
    assert.deepEqual(plan.writes, []);
    assert.match(plan.notes[0].message, /holds something else/);
  });
});

Deno.test("rovo_dev copies a binary skill byte for byte with its modes", async () => {
  const bytes = new Uint8Array(256).map((_, i) => i);
  const skill = (files: Record<string, { base64: string; mode?: number }>, scope = "user") => ({
    kind: "skill" as const,
    scope,
    name: "bin-skill",
    value: { files },
  });
  const files = {
    "SKILL.md": {
      base64: btoa("---\nname: bin-skill\ndescription: Binary\n---\nUse it.\n"),
      mode: 0o644,
    },
    "assets/all-bytes.bin": { base64: toBase64(bytes), mode: 0o600 },
    "scripts/run.sh": { base64: btoa("#!/bin/sh\necho ok\n"), mode: 0o755 },
  };
  await withFiles({}, async ({ ctx, home, project, apply }) => {
    const items = [skill(files), skill(files, `project:${project}`)];
    const plan = await plugin.plan({ items }, ctx);
    assert.ok(plan.writes.every((w) => w.encoding === "base64"));
    await apply(plan);
    for (const dir of [`${home}/.rovodev/skills`, `${project}/.agents/skills`]) {
      assert.deepEqual(await Deno.readFile(`${dir}/bin-skill/assets/all-bytes.bin`), bytes);
      assert.equal((await Deno.stat(`${dir}/bin-skill/scripts/run.sh`)).mode! & 0o777, 0o755);
      assert.equal((await Deno.stat(`${dir}/bin-skill/assets/all-bytes.bin`)).mode! & 0o777, 0o600);
    }
    const back = await plugin.read(ctx);
    assert.deepEqual(back.items, items);
    assert.deepEqual((await plugin.plan({ items }, ctx)).writes, []);
    // A mode change alone is a note (the host does not rewrite a file with equal bytes); a file
    // that leaves the skill is removed.
    const { ["assets/all-bytes.bin"]: _, ...rest } = files;
    const next = { ...rest, "scripts/run.sh": { ...files["scripts/run.sh"], mode: 0o700 } };
    const plan2 = await plugin.plan({ items: [skill(next), items[1]] }, ctx);
    assert.deepEqual(plan2.writes.map((w) => [w.path.slice(home.length), w.content && w.mode]), [
      ["/.rovodev/skills/bin-skill/assets/all-bytes.bin", null],
    ]);
    assert.deepEqual(plan2.notes.map((n) => `${n.item} ${n.field}`), [
      "skill:user:bin-skill files.scripts/run.sh.mode",
    ]);
    // A skill that is not desired goes, file by file.
    const plan3 = await plugin.plan({ items: [items[0]] }, ctx);
    assert.deepEqual(
      plan3.writes.map((w) => [w.path.slice(project.length), w.content]).sort(),
      [
        ["/.agents/skills/bin-skill/SKILL.md", null],
        ["/.agents/skills/bin-skill/assets/all-bytes.bin", null],
        ["/.agents/skills/bin-skill/scripts/run.sh", null],
      ],
    );
  });
});

Deno.test("rovo_dev plans the same bytes as codex for the shared .agents/skills", async () => {
  const codex = await loadPlugin("codex").catch(() => undefined);
  if (!codex?.manifest.kinds.includes("skill")) return; // codex keeps no skills in this tree
  await withFiles({}, async ({ ctx, project }) => {
    const item: Item = {
      kind: "skill",
      scope: `project:${project}`,
      name: "shared",
      value: {
        files: {
          "SKILL.md": { base64: btoa("---\nname: shared\ndescription: S\n---\nS.\n"), mode: 0o644 },
          "bin/tool": { base64: toBase64(new Uint8Array([0, 255, 10, 13])), mode: 0o755 },
        },
      },
    };
    const codexCtx = contextFor(codex.manifest, ctx.home, [project]);
    const shared = (w: PlanResult["writes"]) =>
      w.filter((x) => x.path.startsWith(`${project}/.agents/skills/`))
        .sort((a, b) => a.path.localeCompare(b.path));
    const mine = shared((await plugin.plan({ items: [item] }, ctx)).writes);
    const theirs = shared((await codex.plugin.plan({ items: [item] }, codexCtx)).writes);
    assert.equal(mine.length, 2);
    assert.deepEqual(mine, theirs);
  });
});

Deno.test("rovo_dev reports bad prompts.yml and subagent files and writes nothing there", async () => {
  const cases: [string, RegExp, number | undefined][] = [
    [
      "prompts:\n  - name: gone\n    description: Gone\n    content_file: prompts/gone.md\n",
      /prompt "gone": content_file "prompts\/gone\.md" does not exist/,
      2,
    ],
    ['prompts:\n  - name: a\n    description: "x\n', /Missing closing/, undefined],
    ["prompts: yes\n", /`prompts` must be a list/, 1],
    ["- a\n- b\n", /top level must be a map/, 1],
    ["prompts:\n  - just a string\n", /prompts\[0\] must be a map/, 2],
    ["prompts:\n  - name: a\n    description: A\n", /prompt "a": `content_file` must be/, 2],
    [
      "prompts:\n  - name: a\n    content_file: prompts/a.md\n  - name: a\n    content_file: prompts/a.md\n",
      /prompt "a" is listed twice/,
      4,
    ],
  ];
  for (const [yml, message, line] of cases) {
    await withFiles({
      [PROMPTS]: yml,
      "home/.rovodev/prompts/a.md": "A.\n",
    }, async ({ ctx }) => {
      const read = await plugin.read(ctx);
      assert.equal(read.errors?.length, 1, yml);
      const [e] = read.errors!;
      assert.equal(e.file, ctx.paths.prompts);
      assert.match(e.message, message);
      if (line !== undefined) assert.equal(e.line, line, yml);
      assert.deepEqual(e.scopes, ["user"]);
      assert.deepEqual(e.kinds, ["command"], "a broken prompts.yml holds up commands only");
      const plan = await plugin.plan({
        items: [command("a", { body: "Changed.\n" }), command("b", { body: "New.\n" })],
      }, ctx);
      assert.deepEqual(plan.writes, [], yml);
    });
  }
  // Frontmatter that is not YAML: an error with the file's line; that file is never written.
  const bad = "---\nname: bad\ndescription: [unclosed\n---\nBody.\n";
  await withFiles({ "home/.rovodev/subagents/bad.md": bad }, async ({ ctx, read }) => {
    const got = await plugin.read(ctx);
    assert.equal(got.errors?.[0].file, `${ctx.paths.subagents}/bad.md`);
    assert.equal(got.errors![0].line, 4, "the line is the file's, not the frontmatter's");
    assert.deepEqual(got.errors![0].kinds, ["subagent"]);
    const plan = await plugin.plan({ items: [subagent("bad", { body: "x\n" })] }, ctx);
    assert.deepEqual(plan.writes, []);
    assert.equal(await read("home/.rovodev/subagents/bad.md"), bad);
  });
  await withFiles({ "home/.rovodev/subagents/list.md": "---\n- a\n---\nx\n" }, async ({ ctx }) => {
    const got = await plugin.read(ctx);
    assert.match(got.errors![0].message, /frontmatter must be a map/);
  });
  // A broken prompts.yml in one scope does not stop the other.
  await withFiles({ [PROMPTS]: "prompts: 1\n" }, async ({ ctx, project }) => {
    const plan = await plugin.plan({
      items: [{ kind: "command", scope: `project:${project}`, name: "p", value: { body: "P.\n" } }],
    }, ctx);
    assert.deepEqual(plan.writes.map((w) => w.path).sort(), [
      `${project}/.rovodev/prompts.yml`,
      `${project}/.rovodev/prompts/p.md`,
    ]);
  });
});

Deno.test("rovo_dev detects the client from saved prompts and subagents", async () => {
  await withFiles({ [PROMPTS]: "prompts: []\n" }, async ({ ctx }) => {
    assert.deepEqual(await plugin.detect(ctx), { installed: true });
  });
  await withFiles({ "home/.rovodev/subagents/a.md": "---\nname: a\n---\n" }, async ({ ctx }) => {
    assert.deepEqual(await plugin.detect(ctx), { installed: true });
  });
});

Deno.test("rovo_dev reads every corpus command and subagent and plans it back unchanged", async () => {
  const corpus = new URL("../../../shared/corpus/", import.meta.url).pathname;
  // Absent when the shared corpus is not checked out here.
  const list = (dir: string) => corpusExists ? corpusNames(corpus + dir) : undefined;
  const agents = list("subagents")?.filter((n) => n.endsWith(".md"));
  if (!agents) return; // the shared corpus is not checked out here
  for (const name of agents) {
    const text = await Deno.readTextFile(`${corpus}subagents/${name}`);
    await withFiles({ "home/.rovodev/subagents/agent.md": text }, async ({ ctx }) => {
      const { read } = await noop(plugin, ctx);
      for (const e of read.errors ?? []) assert.ok(e.line, `${name}: the error names a line`);
      // A file without frontmatter is not a subagent (Rovo Dev needs name and description).
      const want = text.startsWith("---") ? 1 : 0;
      if (!read.errors) assert.equal(read.items.length, want, name);
    });
  }
  const rovo = agents.find((n) => n.includes("rovodev"));
  if (rovo) {
    const text = await Deno.readTextFile(`${corpus}subagents/${rovo}`);
    await withFiles({ "home/.rovodev/subagents/update-docs.md": text }, async ({ ctx }) => {
      const [item] = (await plugin.read(ctx)).items;
      assert.equal(item.name, "update-docs");
      assert.deepEqual((item.value as { tools: string[] }).tools, ["Read", "Grep", "Bash"]);
    });
  }
  // Command bodies of other clients as saved prompts' Markdown files.
  for (const name of (list("commands") ?? []).filter((n) => n.endsWith(".md"))) {
    const text = await Deno.readTextFile(`${corpus}commands/${name}`);
    await withFiles({
      [PROMPTS]: "prompts:\n  - name: c\n    description: C\n    content_file: prompts/c.md\n",
      "home/.rovodev/prompts/c.md": text,
    }, async ({ ctx }) => {
      const { read } = await noop(plugin, ctx);
      assert.equal((read.items[0].value as { body: string }).body, text);
    });
  }
});

Deno.test("rovo_dev survives malformed prompts.yml and subagent files", async () => {
  const prompts = await Deno.readTextFile(`${testdata}odd/home/.rovodev/prompts.yml`);
  const agent = await Deno.readTextFile(`${testdata}odd/home/.rovodev/subagents/update-docs.md`);
  const mangle = (text: string) =>
    fc.oneof(
      fc.nat(text.length).map((n) => text.slice(0, n)),
      fc.tuple(fc.nat(text.length - 1), fc.constantFrom(":", "[", "{", '"', "\t", "-", "\0", "&a"))
        .map(([i, c]) => text.slice(0, i) + c + text.slice(i + 1)),
      fc.tuple(fc.nat(text.length), fc.string()).map(([i, s]) => text.slice(0, i) + s),
    );
  await withFiles({}, async ({ ctx, home }) => {
    const promptsPath = `${home}/.rovodev/prompts.yml`;
    const agentPath = `${home}/.rovodev/subagents/a.md`;
    await Deno.mkdir(`${home}/.rovodev/prompts`, { recursive: true });
    await Deno.mkdir(`${home}/.rovodev/subagents`, { recursive: true });
    for (const f of ["quick-fix", "explain", "placeholders"]) {
      await Deno.writeTextFile(`${home}/.rovodev/prompts/${f}.md`, `${f}\n`);
    }
    await fc.assert(
      fc.asyncProperty(mangle(prompts), mangle(agent), async (p, a) => {
        await Deno.writeTextFile(promptsPath, p);
        await Deno.writeTextFile(agentPath, a);
        const read = await plugin.read(ctx);
        const broken = new Set((read.errors ?? []).map((e) => e.file));
        for (const e of read.errors ?? []) {
          assert.ok(e.file === promptsPath || e.file === agentPath, e.file);
          assert.ok(e.message.length > 0);
        }
        const plan = await plugin.plan({
          items: [
            ...read.items,
            command("fuzz", { body: "F.\n" }),
            subagent("fuzz", { body: "F.\n" }),
          ],
        }, ctx);
        for (const w of plan.writes) assert.ok(!broken.has(w.path), `wrote broken ${w.path}`);
      }),
      { numRuns: 300 },
    );
  });
});
