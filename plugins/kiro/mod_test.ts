import assert from "node:assert/strict";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import {
  type Context,
  type Item,
  itemKey,
  type McpServer,
  parseJsonc,
  type PlanResult,
} from "../_contract.ts";

runConformance("kiro");

const { manifest, plugin } = await loadPlugin("kiro");
const CORPUS = new URL("../../../shared/corpus/kiro/", import.meta.url).pathname;
const TESTDATA = new URL("testdata/", import.meta.url).pathname;

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function setup(files: Record<string, string> = {}) {
  const root = await Deno.makeTempDir({ prefix: "aisync-kiro-" });
  const home = `${root}/home`, project = `${root}/project`;
  await Deno.mkdir(home, { recursive: true });
  await Deno.mkdir(project, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text.replaceAll("__PROJECT__", project));
  }
  const ctx = contextFor(manifest, home, [project]);
  return {
    ctx,
    project,
    pscope: `project:${project}`,
    user: `${home}/.kiro/settings/mcp.json`,
    proj: `${project}/.kiro/settings/mcp.json`,
    read: (rel: string) => Deno.readTextFile(`${root}/${rel}`).catch(() => undefined),
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}

async function testdata(name: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, rel: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(`${dir}/${e.name}`, `${rel}${e.name}/`);
      else if (e.name !== ".gitkeep") {
        out[rel + e.name] = await Deno.readTextFile(`${dir}/${e.name}`);
      }
    }
  };
  await walk(`${TESTDATA}${name}`, "");
  return out;
}

async function apply(plan: PlanResult) {
  for (const w of plan.writes) {
    if (w.content === null) await Deno.remove(w.path);
    else {
      await Deno.mkdir(w.path.slice(0, w.path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(w.path, w.content);
    }
  }
}

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

async function noop(ctx: Context) {
  const read = await plugin.read(ctx);
  const plan = await plugin.plan({ items: read.items }, ctx);
  for (const w of plan.writes) {
    assert.equal(w.content, await ctx.files.read(w.path), `plan of read rewrote ${w.path}`);
  }
  return read;
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
