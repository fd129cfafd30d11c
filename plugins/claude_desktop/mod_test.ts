import assert from "node:assert/strict";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import { type Context, type Item, itemKey, type McpServer, parseJsonc } from "../_contract.ts";
import { applyPlan as apply, assertNoop, tempCase } from "../_test_helpers.ts";

runConformance("claude_desktop");

const { manifest, plugin } = await loadPlugin("claude_desktop");
const CORPUS = new URL("../../../shared/corpus/claude_desktop/", import.meta.url).pathname;
const TESTDATA = new URL("testdata/", import.meta.url).pathname;
const REL = ".config/Claude/claude_desktop_config.json";

/** A temp home (and project) with the config file holding `text`, if given. */
async function setup(text?: string) {
  const t = await tempCase(manifest, text === undefined ? {} : { [`home/${REL}`]: text });
  return { ...t, file: `${t.home}/${REL}`, read: () => t.read(`home/${REL}`) };
}

const noop = (ctx: Context) => assertNoop(plugin, ctx);

function mcp(name: string, value: McpServer, scope = "user"): Item {
  return { kind: "mcp", scope, name, value };
}

function byName(items: Item[]): Record<string, McpServer> {
  return Object.fromEntries(
    items.flatMap((i) => i.kind === "mcp" ? [[i.name, i.value]] : []),
  );
}

function servers(text: string): Record<string, unknown> {
  return (parseJsonc(text, "t") as { mcpServers: Record<string, unknown> }).mcpServers;
}

Deno.test("claude_desktop resolves its file per OS", () => {
  const home = "/h";
  const linux = contextFor(manifest, home, []);
  assert.equal(linux.paths.config, "/h/.config/Claude/claude_desktop_config.json");
  const xdg = contextFor(manifest, home, [], { XDG_CONFIG_HOME: "/x" });
  assert.equal(xdg.paths.config, "/x/Claude/claude_desktop_config.json");
});

Deno.test("claude_desktop reads local servers and keeps every other key", async () => {
  const text = await Deno.readTextFile(`${TESTDATA}odd/home/${REL}`);
  await using env = await setup(text);
  const read = await noop(env.ctx);
  assert.deepEqual(byName(read.items), {
    _disabled_docker_gateway: {
      transport: "stdio",
      command: "docker",
      args: ["mcp", "gateway", "run"],
      extras: { claude_desktop: { _comment: "a pseudo-comment inside an entry" } },
    },
    uart: {
      transport: "stdio",
      command: "uv",
      args: ["run", "python", "mcp_only.py"],
      env: { PYTHONPATH: "D:\\tools\\uart" },
      extras: { claude_desktop: { cwd: "D:\\tools\\uart" } },
    },
    bare: { transport: "stdio", command: "/usr/local/bin/bare-mcp" },
    "odd-args": {
      transport: "stdio",
      command: "node",
      extras: { claude_desktop: { args: ["server.js", 8080] } },
    },
    typed: {
      transport: "stdio",
      command: "python3",
      args: ["-m", "srv"],
      extras: { claude_desktop: { type: "stdio" } },
    },
  });
  // Every server removed: only the entries it read go; the rest of the file stays.
  const plan = await plugin.plan({ items: [] }, env.ctx);
  await apply(plan);
  const after = (await env.read())!;
  assert.deepEqual(Object.keys(servers(after)), ["remote-by-hand", "no-command"]);
  for (const line of ['"$schema"', '"_comment": "hand-edited', '"globalShortcut"', "sidebarMode"]) {
    assert.ok(after.includes(line), `lost ${line}`);
  }
});

Deno.test("claude_desktop writes new servers as Anthropic's examples do", async () => {
  await using env = await setup();
  const plan = await plugin.plan({
    items: [
      mcp("fs", { transport: "stdio", command: "npx", args: ["-y", "pkg"], env: { A: "1" } }),
    ],
  }, env.ctx);
  assert.deepEqual(plan.notes, []);
  await apply(plan);
  assert.equal(
    await env.read(),
    '{\n  "mcpServers": {\n    "fs": {\n      "command": "npx",\n      "args": [\n' +
      '        "-y",\n        "pkg"\n      ],\n      "env": {\n        "A": "1"\n      }\n' +
      "    }\n  }\n}\n",
  );
});

Deno.test("claude_desktop: remote servers are a note, never written, and never drop an entry", async () => {
  const text = '{\n  "mcpServers": {\n    "docs": {"url": "https://x.example/mcp"},\n' +
    '    "web": {"command": "old-local"}\n  },\n  "preferences": {"a": 1}\n}\n';
  await using env = await setup(text);
  const items = [
    mcp("docs", { transport: "http", url: "https://docs.example/mcp" }),
    mcp("web", { transport: "sse", url: "https://web.example/sse" }),
    mcp("api", { transport: "http", url: "https://api.example/mcp", headers: { X: "1" } }),
  ];
  const plan = await plugin.plan({ items }, env.ctx);
  assert.deepEqual(plan.writes, []);
  assert.deepEqual(
    plan.notes.map((n) => [n.item, n.field]),
    items.map((i) => [itemKey(i), "transport"]),
  );
  assert.match(plan.notes[0].message, /Connectors/);
  assert.match(plan.notes[0].message, /stays as it is/);
});

Deno.test("claude_desktop leaves out a server that should be off, with a note", async () => {
  const text = await Deno.readTextFile(`${TESTDATA}typical/home/${REL}`);
  await using env = await setup(text);
  const read = await noop(env.ctx);
  const items = read.items.map((i) =>
    i.kind === "mcp" && i.name === "github" ? { ...i, value: { ...i.value, enabled: false } } : i
  );
  const plan = await plugin.plan({ items }, env.ctx);
  assert.deepEqual(plan.notes.map((n) => [n.item, n.field]), [["mcp:user:github", "enabled"]]);
  await apply(plan);
  const after = (await env.read())!;
  assert.deepEqual(Object.keys(servers(after)), ["filesystem"]);
  assert.ok(after.includes('"quickEntryShortcut": "off"'));
});

Deno.test("claude_desktop: project servers, cwd, timeouts and references get notes", async () => {
  await using env = await setup();
  const plan = await plugin.plan({
    items: [
      mcp("p", { transport: "stdio", command: "x" }, `project:${env.project}`),
      mcp("u", {
        transport: "stdio",
        command: "${HOME}/bin/u",
        args: ["--token", "${TOKEN:-none}"],
        env: { KEY: "${KEY}", PLAIN: "1" },
        cwd: "/srv",
        toolTimeoutMs: 5000,
        tools: { deny: ["rm"] },
      }),
    ],
  }, env.ctx);
  assert.deepEqual(plan.notes.map((n) => [n.item.split(":").pop(), n.field]), [
    ["p", undefined],
    ["u", "cwd"],
    ["u", "toolTimeoutMs"],
    ["u", "tools"],
    ["u", "command"],
    ["u", "args[1]"],
    ["u", "env.KEY"],
  ]);
  await apply(plan);
  // References are written as they are (Claude Desktop has no syntax of its own to translate to).
  assert.deepEqual(servers((await env.read())!), {
    u: {
      command: "${HOME}/bin/u",
      args: ["--token", "${TOKEN:-none}"],
      env: { KEY: "${KEY}", PLAIN: "1" },
    },
  });
});

Deno.test("claude_desktop writes extras back and edits one member at a time", async () => {
  const text = await Deno.readTextFile(`${TESTDATA}odd/home/${REL}`);
  await using env = await setup(text);
  const read = await noop(env.ctx);
  const items = read.items.map((i) =>
    i.kind === "mcp" && i.name === "uart"
      ? { ...i, value: { ...i.value, args: ["run", "python", "main.py"] } }
      : i
  );
  await apply(await plugin.plan({ items }, env.ctx));
  const after = (await env.read())!;
  assert.equal(
    after,
    text.replace('"mcp_only.py"]', '"main.py"]'),
    "only the changed argument differs",
  );
  const back = byName((await plugin.read(env.ctx)).items);
  assert.deepEqual(back.uart.extras, { claude_desktop: { cwd: "D:\\tools\\uart" } });
});

Deno.test("claude_desktop keeps CRLF line ends", async () => {
  const text = await Deno.readTextFile(`${TESTDATA}odd_crlf/home/${REL}`);
  await using env = await setup(text);
  const read = await noop(env.ctx);
  await apply(
    await plugin.plan({
      items: [...read.items, mcp("two", { transport: "stdio", command: "two" })],
    }, env.ctx),
  );
  const after = (await env.read())!;
  assert.ok(!/[^\r]\n/.test(after), "a bare LF crept in");
  assert.deepEqual(Object.keys(servers(after)), ["memory", "two"]);
});

Deno.test("claude_desktop reports broken files with a line and never plans them", async () => {
  for (const name of ["broken_json", "broken_shape"]) {
    const text = await Deno.readTextFile(`${TESTDATA}${name}/home/${REL}`);
    await using env = await setup(text);
    const read = await plugin.read(env.ctx);
    assert.equal(read.errors?.length, 1);
    assert.equal(read.errors![0].file, env.file);
    assert.ok(read.errors![0].line, "a line number");
    assert.deepEqual(read.errors![0].scopes, ["user"]);
    const plan = await plugin.plan({
      items: [mcp("new", { transport: "stdio", command: "x" })],
    }, env.ctx);
    assert.deepEqual(plan.writes, []);
  }
});

Deno.test({
  name: "claude_desktop reads every corpus file without a throw, and plan(read) writes nothing",
  ignore: !(await Deno.stat(CORPUS).then(() => true, () => false)),
  fn: async () => {
    let files = 0, broken = 0;
    for (const entry of Deno.readDirSync(CORPUS)) {
      const text = await Deno.readTextFile(CORPUS + entry.name);
      await using env = await setup(text);
      files++;
      const read = await plugin.read(env.ctx);
      if (read.errors?.length) {
        broken++;
        assert.equal(read.errors[0].file, env.file);
        assert.ok(read.errors[0].line, `${entry.name}: the error names a line`);
        const plan = await plugin.plan({ items: read.items }, env.ctx);
        assert.deepEqual(plan.writes, [], entry.name);
      } else {
        assert.ok(read.items.length > 0, `${entry.name}: servers read`);
        await noop(env.ctx);
      }
    }
    assert.ok(files >= 4);
    assert.equal(broken, 1, "the file with # comments is the broken one");
  },
});
