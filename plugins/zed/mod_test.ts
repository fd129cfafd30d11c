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

runConformance("zed");

const { manifest, plugin } = await loadPlugin("zed");
const TESTDATA = new URL("testdata/", import.meta.url).pathname;
const USER = "home/.config/zed/settings.json";
const PROJ = "project/.zed/settings.json";

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function setup(files: Record<string, string> = {}) {
  const root = await Deno.makeTempDir({ prefix: "aisync-zed-" });
  const home = `${root}/home`, project = `${root}/project`;
  await Deno.mkdir(home, { recursive: true });
  await Deno.mkdir(project, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text);
  }
  const ctx = contextFor(manifest, home, [project]);
  return {
    ctx,
    project,
    pscope: `project:${project}`,
    path: (rel: string) => `${root}/${rel}`,
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
  const data = parseJsonc(text, "t", { comments: true }) as Record<string, unknown>;
  return data.context_servers as Record<string, unknown>;
}

async function noop(ctx: Context) {
  const read = await plugin.read(ctx);
  const plan = await plugin.plan({ items: read.items }, ctx);
  for (const w of plan.writes) {
    assert.equal(w.content, await ctx.files.read(w.path), `plan of read rewrote ${w.path}`);
  }
  return read;
}

Deno.test("zed resolves its settings file per OS", () => {
  assert.equal(contextFor(manifest, "/h", []).paths.settings, "/h/.config/zed/settings.json");
  const xdg = contextFor(manifest, "/h", [], { XDG_CONFIG_HOME: "/x" });
  assert.equal(xdg.paths.settings, "/x/zed/settings.json");
});

Deno.test("zed reads context_servers and leaves extension entries alone", async () => {
  await using env = await setup(await testdata("typical"));
  const read = await noop(env.ctx);
  assert.deepEqual(byName(read.items), {
    filesystem: {
      transport: "stdio",
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/code"],
    },
    github: {
      transport: "http",
      url: "https://api.githubcopilot.com/mcp/",
      headers: { Authorization: "Bearer ghp_example" },
    },
  });
  assert.deepEqual(byName(read.items, env.pscope), {
    docs: {
      transport: "stdio",
      command: "uvx",
      args: ["docs-mcp", "--root", "."],
      toolTimeoutMs: 90000,
      enabled: false,
    },
  });
  // Removing every server keeps the extension's entry and every other setting.
  const before = (await env.read(USER))!;
  await apply(await plugin.plan({ items: [] }, env.ctx));
  const after = (await env.read(USER))!;
  assert.deepEqual(Object.keys(servers(after)), ["postgres-context-server"]);
  assert.ok(after.startsWith(before.slice(0, before.indexOf('"context_servers"'))));
});

Deno.test("zed writes new entries in Zed's shape, with args always there", async () => {
  await using env = await setup();
  const plan = await plugin.plan({
    items: [
      mcp("bare", { transport: "stdio", command: "/bin/srv" }),
      mcp("full", {
        transport: "stdio",
        command: "npx",
        args: ["-y", "pkg"],
        env: { A: "1" },
        toolTimeoutMs: 30000,
        enabled: false,
      }),
      mcp("web", {
        transport: "http",
        url: "https://x.example/mcp",
        headers: { X: "1" },
        oauth: { clientId: "cid" },
      }),
    ],
  }, env.ctx);
  assert.deepEqual(plan.notes, []);
  await apply(plan);
  const text = (await env.read(USER))!;
  assert.deepEqual(servers(text), {
    bare: { source: "custom", command: "/bin/srv", args: [] },
    full: {
      source: "custom",
      command: "npx",
      args: ["-y", "pkg"],
      env: { A: "1" },
      timeout: 30,
      enabled: false,
    },
    web: {
      source: "custom",
      url: "https://x.example/mcp",
      headers: { X: "1" },
      oauth: { client_id: "cid" },
    },
  });
  const back = byName((await plugin.read(env.ctx)).items);
  assert.deepEqual(back.bare, { transport: "stdio", command: "/bin/srv" });
  assert.equal(back.full.toolTimeoutMs, 30000);
});

Deno.test("zed keeps comments, trailing commas, the older command shape and extras", async () => {
  await using env = await setup(await testdata("odd"));
  const read = await noop(env.ctx);
  assert.deepEqual(byName(read.items), {
    legacy: {
      transport: "stdio",
      command: "/usr/local/bin/legacy-mcp",
      args: ["serve"],
      env: { LOG: "1" },
      extras: { zed: { settings: {} } },
    },
    "remote-dev": {
      transport: "stdio",
      command: "srv",
      extras: { zed: { remote: true } },
    },
    oauthy: {
      transport: "http",
      url: "https://mcp.example.com/mcp",
      toolTimeoutMs: 30000,
      oauth: { clientId: "zed-client" },
      extras: { zed: { oauth: { client_secret: "s3cret" } } },
    },
  });
  const items = read.items.map((i) => {
    if (i.kind !== "mcp" || i.scope !== "user") return i;
    if (i.name === "legacy") return { ...i, value: { ...i.value, args: ["serve", "--fast"] } };
    if (i.name === "oauthy") return { ...i, value: { ...i.value, oauth: { clientId: "new" } } };
    return i;
  });
  const before = (await env.read(USER))!;
  await apply(await plugin.plan({ items }, env.ctx));
  const after = (await env.read(USER))!;
  assert.equal(
    after,
    before.replace('"args": ["serve"]', '"args": ["serve", "--fast"]')
      .replace('"client_id": "zed-client"', '"client_id": "new"'),
  );
});

Deno.test("zed notes what it cannot express", async () => {
  await using env = await setup();
  const items = [
    mcp("events", { transport: "sse", url: "http://127.0.0.1:1/sse?k=${KEY}" }),
    mcp("local", {
      transport: "stdio",
      command: "srv",
      env: { TOKEN: "${TOKEN}" },
      cwd: "/srv",
      toolTimeoutMs: 1500,
      tools: { deny: ["x"] },
    }),
    { kind: "instructions", scope: "user", name: "main", value: { text: "# mine\n" } } as Item,
  ];
  const plan = await plugin.plan({ items }, env.ctx);
  assert.deepEqual(plan.notes.map((n) => [n.item, n.field]), [
    [itemKey(items[0]), "transport"],
    [itemKey(items[0]), "url"],
    [itemKey(items[1]), "cwd"],
    [itemKey(items[1]), "toolTimeoutMs"],
    [itemKey(items[1]), "tools"],
    [itemKey(items[1]), "env.TOKEN"],
    [itemKey(items[2]), undefined],
  ]);
  await apply(plan);
  assert.deepEqual(servers((await env.read(USER))!), {
    events: { source: "custom", url: "http://127.0.0.1:1/sse?k=${KEY}" },
    local: { source: "custom", command: "srv", args: [], env: { TOKEN: "${TOKEN}" }, timeout: 2 },
  });
});

Deno.test("zed: a desired server never replaces an extension's entry of that name", async () => {
  await using env = await setup(await testdata("typical"));
  const read = await noop(env.ctx);
  const item = mcp("postgres-context-server", { transport: "stdio", command: "pg-mcp" });
  const plan = await plugin.plan({ items: [...read.items, item] }, env.ctx);
  assert.deepEqual(plan.writes, []);
  assert.deepEqual(plan.notes.map((n) => n.item), [itemKey(item)]);
});

Deno.test("zed writes AGENTS.md and says when Zed reads an earlier rules file", async () => {
  await using env = await setup(await testdata("odd"));
  const read = await noop(env.ctx);
  const memory = read.items.find((i) => i.kind === "instructions")!;
  assert.equal(memory.scope, env.pscope);
  const plan = await plugin.plan({ items: read.items }, env.ctx);
  assert.deepEqual(plan.notes.map((n) => n.item), [itemKey(memory)]);
  assert.match(plan.notes[0].message, /\.rules instead of AGENTS\.md/);
  // Same text in the earlier file: Zed sees it, no note.
  await Deno.writeTextFile(env.path("project/.rules"), "# Agents\n");
  assert.deepEqual((await plugin.plan({ items: read.items }, env.ctx)).notes, []);
});

Deno.test("zed reports broken settings with a line and never plans them", async () => {
  for (const [name, rel] of [["broken_jsonc", USER], ["broken_shape", PROJ]]) {
    await using env = await setup(await testdata(name));
    const read = await plugin.read(env.ctx);
    assert.equal(read.errors?.length, 1, name);
    assert.equal(read.errors![0].file, env.path(rel));
    assert.ok(read.errors![0].line, `${name}: a line`);
    assert.deepEqual(read.errors![0].kinds, ["mcp"]);
    const scope = rel === USER ? "user" : env.pscope;
    const plan = await plugin.plan({
      items: [mcp("n", { transport: "stdio", command: "x" }, scope)],
    }, env.ctx);
    assert.ok(!plan.writes.some((w) => w.path === env.path(rel)), name);
  }
});
