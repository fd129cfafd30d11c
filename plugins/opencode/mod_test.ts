import assert from "node:assert/strict";
import fc from "fast-check";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import { generatedServers } from "../_generated_servers.ts";
import { type Context, type Item, itemKey, type McpServer, type PlanResult } from "../_contract.ts";
import { parse as parseJsonc } from "jsonc-parser";

runConformance("opencode");

const { manifest, plugin } = await loadPlugin("opencode");
const SHARED = new URL("../../../shared/", import.meta.url).pathname;
const FIXTURE = `${SHARED}fixtures/opencode/home/.config/opencode/opencode.jsonc`;
const CORPUS = `${SHARED}corpus/opencode/`;
const UJSONC = "home/.config/opencode/opencode.jsonc";
const UJSON = "home/.config/opencode/opencode.json";
const PJSON = "project/opencode.json";
const PDOT = "project/.opencode/opencode.jsonc";

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

interface Case {
  ctx: Context;
  home: string;
  project: string;
  pscope: string;
  text(rel: string): Promise<string | undefined>;
  json(rel: string): Promise<Record<string, unknown>>;
  apply(plan: PlanResult): Promise<void>;
}

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function withCase(
  files: Record<string, string>,
  fn: (c: Case) => Promise<void>,
  env: Record<string, string> = {},
) {
  const root = await Deno.makeTempDir({ prefix: "aisync-opencode-" });
  const home = `${root}/home`, project = `${root}/project`;
  try {
    await Deno.mkdir(home, { recursive: true });
    await Deno.mkdir(project, { recursive: true });
    for (const [rel, text] of Object.entries(files)) {
      const path = `${root}/${rel}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, text);
    }
    const text = (rel: string) => Deno.readTextFile(`${root}/${rel}`).catch(() => undefined);
    await fn({
      ctx: contextFor(manifest, home, [project], env),
      home,
      project,
      pscope: `project:${project}`,
      text,
      json: async (rel) => parseJsonc((await text(rel))!, [], { allowTrailingComma: true }),
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

async function write(c: Case, items: Item[]): Promise<PlanResult> {
  const plan = await plugin.plan({ items }, c.ctx);
  await c.apply(plan);
  return plan;
}

/** plan(read) changes nothing; returns what was read. */
async function assertNoop(c: Case) {
  const read = await plugin.read(c.ctx);
  assert.equal(read.errors, undefined, JSON.stringify(read.errors));
  const plan = await plugin.plan({ items: read.items }, c.ctx);
  for (const w of plan.writes) {
    assert.equal(w.content, await c.ctx.files.read(w.path), `plan(read) rewrote ${w.path}`);
  }
  return read;
}

Deno.test("opencode reads the file `opencode mcp add` wrote and plans no change", async () => {
  await withCase({ [UJSONC]: await Deno.readTextFile(FIXTURE) }, async (c) => {
    const read = await plugin.read(c.ctx);
    assert.equal(read.errors, undefined);
    assert.deepEqual(servers(read.items), { "user/fs": FS, "user/remote": REMOTE, "user/pfs": FS });
    assert.deepEqual(await plugin.plan({ items: read.items }, c.ctx), { writes: [], notes: [] });
  });
});

Deno.test("opencode writes a new file byte for byte like opencode 1.18.33", async () => {
  await withCase({}, async (c) => {
    const plan = await write(c, [
      mcp("user", "fs", FS),
      mcp("user", "remote", REMOTE),
      mcp("user", "pfs", FS),
    ]);
    assert.deepEqual(plan.notes, []);
    // opencode creates the global opencode.jsonc (with `$schema`) and `mcp add` fills it.
    assert.equal(await c.text(UJSONC), await Deno.readTextFile(FIXTURE));
    // A project without a config gets opencode.json, the file `opencode mcp add` picks.
    await write(c, [mcp(c.pscope, "p", { transport: "stdio", command: "x", enabled: false })]);
    assert.equal(
      await c.text(PJSON),
      `{\n  "$schema": "https://opencode.ai/config.json",\n  "mcp": {\n    "p": {\n` +
        `      "type": "local",\n      "command": [\n        "x"\n      ],\n` +
        `      "enabled": false\n    }\n  }\n}`,
    );
  });
});

Deno.test("opencode translates {env:VAR} and keeps what only opencode can say", async () => {
  await withCase({}, async (c) => {
    const plan = await write(c, [
      mcp("user", "s", {
        transport: "stdio",
        command: "${TOOLS}/bin/s",
        args: ["--token=${TOKEN}", "$PLAIN", "${A:-dflt}", "{env:LIT}"],
        env: { K: "${K}", L: "literal" },
      }),
    ]);
    assert.deepEqual(plan.notes.map((n) => n.field), ["command", "command"]);
    assert.match(plan.notes[0].message, /no default value/);
    assert.match(plan.notes[1].message, /would not stay literal/);
    const mcpOf = async () => (await c.json(UJSONC)).mcp as Record<string, Record<string, unknown>>;
    assert.deepEqual((await mcpOf()).s, {
      type: "local",
      command: ["{env:TOOLS}/bin/s", "--token={env:TOKEN}", "$PLAIN", "{env:A}", "{env:LIT}"],
      environment: { K: "{env:K}", L: "literal" },
    });
  });
  const text = `{
  "mcp": {
    "h": {"type": "remote", "url": "https://{env:HOST}/mcp",
      "headers": {"A": "Bearer {env:TOKEN}", "B": "Bearer {file:~/.secret}", "C": "\${LITERAL}"},
      "oauth": {"clientId": "{file:./id}", "scope": "a b"}},
    "f": {"type": "local", "command": ["run", "{file:./args}"]},
    "odd": {"type": "local", "command": ["x"], "environment": {"K": "{env:NOT A NAME}"}, "cwd": "\${PWD}"}
  }
}
`;
  await withCase({ [UJSONC]: text }, async (c) => {
    const read = await assertNoop(c);
    assert.deepEqual(servers(read.items), {
      "user/h": {
        transport: "http",
        url: "https://${HOST}/mcp",
        headers: { A: "Bearer ${TOKEN}" },
        oauth: { scopes: ["a", "b"] },
        extras: {
          opencode: {
            headers: { B: "Bearer {file:~/.secret}", C: "${LITERAL}" },
            oauth: { clientId: "{file:./id}" },
          },
        },
      },
      // "f" has a {file:...} in its command: opencode-only, not read, left alone.
      "user/odd": {
        transport: "stdio",
        command: "x",
        extras: { opencode: { environment: { K: "{env:NOT A NAME}" }, cwd: "${PWD}" } },
      },
    });
    // Another client changes the url: the kept values and spellings stay.
    const changed = read.items.map((i) =>
      i.kind === "mcp" && i.name === "h"
        ? { ...i, value: { ...i.value, url: "https://${HOST}/v2" } }
        : i
    );
    const plan = await write(c, [
      ...changed,
      mcp("user", "f", { transport: "stdio", command: "y" }),
    ]);
    assert.equal(plan.notes.length, 1);
    assert.match(plan.notes[0].message, /left unchanged/);
    assert.equal(await c.text(UJSONC), text.replace("{env:HOST}/mcp", "{env:HOST}/v2"));
  });
});

Deno.test("opencode writes V2 files in the V2 shape and keeps V1 entries in them", async () => {
  const text = `{
  "$schema": "https://opencode.ai/config.json",
  "mcp": {
    "legacy": {"type": "local", "command": ["old"], "enabled": false},
    "servers": {
      "v2": {"type": "local", "command": ["new"], "disabled": true},
      "legacy": {"type": "local", "command": ["loses"]}
    }
  }
}
`;
  await withCase({ [PJSON]: text }, async (c) => {
    const read = await assertNoop(c);
    assert.deepEqual(servers(read.items), {
      "project/legacy": { transport: "stdio", command: "old", enabled: false },
      "project/v2": { transport: "stdio", command: "new", enabled: false },
    });
    await write(c, [
      mcp(c.pscope, "legacy", { transport: "stdio", command: "old", toolTimeoutMs: 5 }),
      mcp(c.pscope, "v2", { transport: "stdio", command: "new", startupTimeoutMs: 7 }),
      mcp(c.pscope, "added", {
        transport: "http",
        url: "http://h",
        enabled: false,
        startupTimeoutMs: 1,
        toolTimeoutMs: 2,
        oauth: { clientId: "cid", scopes: ["a", "b"], callbackPort: 9999 },
        extras: { opencode: { oauth: { client_secret: "{env:S}" } } },
      }),
    ]);
    const m = (await c.json(PJSON)).mcp as Record<string, unknown>;
    // The V1 entry stays V1 (enabled, number timeout); the copy V1 hid in servers is gone. A
    // server turned on keeps its switch, flipped.
    assert.deepEqual(m.legacy, { type: "local", command: ["old"], enabled: true, timeout: 5 });
    assert.deepEqual(m.servers, {
      v2: { type: "local", command: ["new"], disabled: false, timeout: { startup: 7 } },
      added: {
        type: "remote",
        url: "http://h",
        oauth: { client_id: "cid", scope: "a b", callback_port: 9999, client_secret: "{env:S}" },
        disabled: true,
        timeout: { startup: 1, request: 2 },
      },
    });
    await assertNoop(c);
  });
});

Deno.test("opencode keeps V1 spellings: enabled, number timeout, camelCase OAuth", async () => {
  const text = `{
  "mcp": {
    "a": {"type": "remote", "url": "http://a", "enabled": true, "oauth": false},
    "b": {"type": "remote", "url": "http://b",
      "oauth": {"clientId": "c", "clientSecret": "{env:S}", "scope": "x  y", "redirectUri": "http://r"}},
    "c": {"type": "local", "command": ["c"], "disabled": true, "codemode": true}
  }
}
`;
  await withCase({ [UJSON]: text }, async (c) => {
    const read = await assertNoop(c);
    assert.deepEqual(servers(read.items), {
      "user/a": { transport: "http", url: "http://a", extras: { opencode: { oauth: false } } },
      "user/b": {
        transport: "http",
        url: "http://b",
        oauth: { clientId: "c", scopes: ["x", "y"] },
        extras: { opencode: { oauth: { clientSecret: "{env:S}", redirectUri: "http://r" } } },
      },
      "user/c": {
        transport: "stdio",
        command: "c",
        enabled: false,
        extras: { opencode: { codemode: true } },
      },
    });
    const plan = await write(
      c,
      read.items.map((i) =>
        i.kind === "mcp"
          ? {
            ...i,
            value: { ...i.value, enabled: i.name === "a" ? false : undefined, startupTimeoutMs: 3 },
          }
          : i
      ),
    );
    assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field}`), [
      "mcp:user:a startupTimeoutMs",
      "mcp:user:b startupTimeoutMs",
      "mcp:user:c startupTimeoutMs",
    ]);
    const m = (await c.json(UJSON)).mcp as Record<string, Record<string, unknown>>;
    assert.equal(m.a.enabled, false);
    assert.equal(m.a.oauth, false);
    assert.equal((m.b.oauth as Record<string, unknown>).scope, "x  y");
    assert.equal(m.c.disabled, false);
    // No new file: the existing opencode.json is where opencode would add servers too.
    assert.equal(await c.text(UJSONC), undefined);
  });
});

Deno.test("opencode reads the deep merge of a scope's files and writes one copy", async () => {
  await withCase({
    [PJSON]: `{"mcp": {"s": {"type": "local", "command": ["low"], "environment": {"A": "1"}}}}`,
    [PDOT]:
      `{\n  // higher precedence\n  "mcp": {"s": {"type": "local", "command": ["high"]}}\n}\n`,
    "home/.config/opencode/config.json": `{"mcp": {"u": {"type": "local", "command": ["u"]}}}`,
  }, async (c) => {
    const read = await assertNoop(c);
    assert.deepEqual(servers(read.items), {
      "user/u": { transport: "stdio", command: "u" },
      "project/s": { transport: "stdio", command: "high", env: { A: "1" } },
    });
    await write(c, [
      ...read.items.filter((i) => i.scope === "user"),
      mcp(c.pscope, "s", { transport: "stdio", command: "high", env: { A: "2" } }),
      mcp("user", "n", { transport: "stdio", command: "n" }),
    ]);
    assert.deepEqual(await c.json(PJSON), { mcp: {} });
    assert.deepEqual((await c.json(PDOT)).mcp, {
      s: { type: "local", command: ["high"], environment: { A: "2" } },
    });
    // config.json is read, but new servers go where `opencode mcp add` puts them.
    assert.deepEqual(Object.keys((await c.json(UJSONC)).mcp as object), ["n"]);
    await write(c, []);
    assert.deepEqual((await c.json(PDOT)).mcp, {});
    assert.deepEqual(await c.json("home/.config/opencode/config.json"), { mcp: {} });
  });
});

Deno.test("opencode notes what it cannot express and still writes the server", async () => {
  await withCase({}, async (c) => {
    const plan = await write(c, [
      mcp("user", "e", {
        transport: "sse",
        url: "http://e/sse",
        tools: { deny: ["x"] },
        command: "y",
        oauth: { authServerMetadataUrl: "http://m", resource: "r", scopes: [] },
      }),
      mcp("user", "s", { transport: "stdio", command: "s", headers: { A: "b" } }),
    ]);
    assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field}`), [
      "mcp:user:e transport",
      "mcp:user:e tools",
      "mcp:user:e command",
      "mcp:user:e oauth.authServerMetadataUrl",
      "mcp:user:e oauth.resource",
      "mcp:user:e oauth.scopes",
      "mcp:user:s headers",
    ]);
    const m = (await c.json(UJSONC)).mcp as Record<string, unknown>;
    assert.deepEqual(m, {
      e: { type: "remote", url: "http://e/sse" },
      s: { type: "local", command: ["s"] },
    });
    assert.equal(servers((await assertNoop(c)).items)["user/e"].transport, "http");
  });
});

Deno.test("opencode reports broken files with file and line and never writes them", async () => {
  const cases: [string, string, RegExp][] = [
    [PJSON, `{\n  "mcp": {\n    "a": {"type": "local" "command": ["x"]}\n  }\n}\n`, /line 3/],
    [
      UJSONC,
      `{\n  // list\n  "mcp": [\n    {"type": "local"}\n  ]\n}\n`,
      /"mcp" must be an object/,
    ],
    [PDOT, `[1]`, /not a JSON object/],
  ];
  for (const [rel, text, message] of cases) {
    await withCase({ [rel]: text }, async (c) => {
      const read = await plugin.read(c.ctx);
      assert.equal(read.errors?.length, 1);
      const e = read.errors![0];
      assert.ok(e.file.endsWith(rel.slice(rel.indexOf("/"))), e.file);
      assert.match(e.message, message);
      if (!text.startsWith("[")) assert.ok(e.line, e.message);
      const plan = await plugin.plan({
        items: [
          mcp("user", "n", { transport: "stdio", command: "n" }),
          mcp(c.pscope, "m", { transport: "stdio", command: "m" }),
        ],
      }, c.ctx);
      // The broken file's scope is left alone: no write to any file of it.
      const scopeDir = rel.startsWith("home/") ? c.home : c.project;
      assert.ok(!plan.writes.some((w) => w.path.startsWith(scopeDir)), JSON.stringify(plan.writes));
      assert.equal(plan.writes.length, 1);
    });
  }
  // An empty file is an empty configuration, as in opencode; writing fills it in.
  await withCase({ [UJSON]: "\n" }, async (c) => {
    assert.deepEqual(await plugin.read(c.ctx), { items: [] });
    await write(c, [mcp("user", "n", { transport: "stdio", command: "n" })]);
    assert.deepEqual(await c.json(UJSON), {
      $schema: "https://opencode.ai/config.json",
      mcp: { n: { type: "local", command: ["n"] } },
    });
  });
});

Deno.test("opencode and codex plan the same bytes for the project's AGENTS.md", async () => {
  const codex = await loadPlugin("codex");
  await withCase({ "project/AGENTS.md": "old\n" }, async (c) => {
    const item: Item = {
      kind: "instructions",
      scope: c.pscope,
      name: "main",
      value: { text: "new" },
    };
    const ours = await plugin.plan({ items: [item] }, c.ctx);
    const theirs = await codex.plugin.plan(
      { items: [item] },
      contextFor(codex.manifest, c.home, [c.project]),
    );
    const path = `${c.project}/AGENTS.md`;
    assert.deepEqual(ours.writes, [{ path, content: "new" }]);
    assert.deepEqual(theirs.writes.filter((w) => w.path === path), ours.writes);
    const read = await plugin.read(c.ctx);
    assert.deepEqual(read.items, [{ ...item, value: { text: "old\n" } }]);
    // The user's file is ~/.config/opencode/AGENTS.md, created and deleted whole.
    await write(c, [{ kind: "instructions", scope: "user", name: "main", value: { text: "u" } }]);
    assert.equal(await c.text("home/.config/opencode/AGENTS.md"), "u");
    assert.equal(await c.text("project/AGENTS.md"), undefined);
  });
});

Deno.test("opencode follows XDG_CONFIG_HOME", () => {
  const ctx = contextFor(manifest, "/h", ["/p"], { XDG_CONFIG_HOME: "/x" });
  assert.deepEqual(ctx.paths, {
    config_json: "/x/opencode/config.json",
    opencode_json: "/x/opencode/opencode.json",
    opencode_jsonc: "/x/opencode/opencode.jsonc",
    instructions: "/x/opencode/AGENTS.md",
  });
  assert.equal(
    contextFor(manifest, "/h", []).paths.opencode_jsonc,
    "/h/.config/opencode/opencode.jsonc",
  );
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
  name: "opencode reads every corpus file without a throw and plans no change",
  ignore: corpus.length === 0,
  async fn(t) {
    for (const f of corpus) {
      for (const where of [UJSONC, PJSON, PDOT]) {
        await t.step(`${f.name} as ${where}`, async () => {
          await withCase({ [where]: f.text }, async (c) => {
            const read = await plugin.read(c.ctx);
            assert.equal(read.errors, undefined, JSON.stringify(read.errors));
            assert.deepEqual((await plugin.plan({ items: read.items }, c.ctx)).writes, []);
          });
        });
      }
    }
  },
});

// ---------------------------------------------------------------------------------------------
// The real opencode reads what was planned.

const BIN = Deno.env.get("AISYNC_CLIENTS_BIN") ??
  "/root/.cache/aisync-ci/clients/node_modules/.bin";
const OPENCODE = `${BIN}/opencode`;
const hasOpencode = (() => {
  try {
    return Deno.statSync(OPENCODE).isFile;
  } catch {
    return false;
  }
})();

/** `opencode debug config` (the merged configuration as JSON) in the case's home and project. */
async function debugConfig(c: Case, env: Record<string, string> = {}) {
  const out = await new Deno.Command(OPENCODE, {
    args: ["debug", "config"],
    cwd: c.project,
    clearEnv: true,
    env: {
      HOME: c.home,
      PATH: "/usr/bin:/bin",
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
    // opencode may try the npm registry and models.opencode.ai on its first start.
    signal: AbortSignal.timeout(60_000),
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test({
  name: "opencode files are read by the real `opencode debug config` as planned",
  ignore: !hasOpencode,
  async fn() {
    await withCase({
      // A project V2 file next to a V1 one: opencode 1.18.33 lowers V2 entries to V1.
      [PDOT]: `{\n  // V2\n  "mcp": {\n    "servers": {}\n  }\n}\n`,
    }, async (c) => {
      await new Deno.Command("git", { args: ["init", "-q", c.project] }).output();
      const planned = [
        mcp("user", "fs", FS),
        mcp("user", "remote", { ...REMOTE, headers: { Authorization: "Bearer ${TOKEN}" } }),
        mcp("user", "off", {
          transport: "stdio",
          command: "/bin/true",
          enabled: false,
          toolTimeoutMs: 5000,
        }),
        mcp("user", "o", {
          transport: "http",
          url: "http://127.0.0.1:59999/o",
          oauth: { clientId: "cid", scopes: ["a", "b"], callbackPort: 8765 },
        }),
        mcp(c.pscope, "v2", {
          transport: "stdio",
          command: "/bin/true",
          args: ["--x"],
          cwd: "/tmp",
          env: { K: "${HOME}" },
          enabled: false,
        }),
        mcp(c.pscope, "v2r", { transport: "http", url: "http://127.0.0.1:59999/mcp" }),
      ];
      const plan = await write(c, planned);
      assert.deepEqual(plan.notes, []);
      const beforeRun = await c.text(UJSONC);
      const config = await debugConfig(c, { TOKEN: "t0ken" });
      assert.deepEqual(config.mcp, {
        fs: {
          type: "local",
          command: ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
          environment: { FOO: "bar" },
        },
        // Header values are masked by `debug config`; {env:TOKEN} was read as a reference.
        remote: {
          type: "remote",
          url: "http://127.0.0.1:9/mcp",
          headers: { Authorization: "***" },
        },
        off: { type: "local", command: ["/bin/true"], enabled: false, timeout: 5000 },
        o: {
          type: "remote",
          url: "http://127.0.0.1:59999/o",
          oauth: { clientId: "cid", scope: "a b", callbackPort: 8765 },
        },
        v2: {
          type: "local",
          command: ["/bin/true", "--x"],
          cwd: "/tmp",
          environment: { K: c.home },
          enabled: false,
        },
        v2r: { type: "remote", url: "http://127.0.0.1:59999/mcp", enabled: true },
      });
      // opencode rewrote nothing it did not need to; aisync reads back what it planned.
      assert.equal(await c.text(UJSONC), beforeRun);
      const back = await assertNoop(c);
      assert.deepEqual(servers(back.items), servers(planned));
    });
  },
});

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
        "{file:y}",
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
const { desiredSet, roundTrip } = generatedServers("opencode", text, plugin, memoryContext);

Deno.test("opencode round-trips generated servers through new and edited files", async () => {
  await fc.assert(
    fc.asyncProperty(desiredSet, desiredSet, async (a, b) => {
      const files = new Map<string, string>(
        [[
          "/p/.opencode/opencode.jsonc",
          `{\n  // V2\n  "mcp": {"servers": {"keep": {"type": "local", "command": ["k"]}}},\n}\n`,
        ]] as [string, string][],
      );
      await roundTrip(files, a);
      await roundTrip(files, b);
      const kept = new Set(b.map(itemKey));
      await roundTrip(files, [...a.filter((i) => !kept.has(itemKey(i))), ...b]);
    }),
    { numRuns: 200 },
  );
});
