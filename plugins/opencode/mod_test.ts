import assert from "node:assert/strict";
import fc from "fast-check";
import { contextFor, loadPlugin, materialize, runConformance } from "../_conformance.ts";
import { generatedServers } from "../_generated_servers.ts";
import { type Item, itemKey, type McpServer } from "../_contract.ts";
// @ts-types="jsonc-parser"
import { parse as parseJsonc } from "../../core/vendor/jsonc_parser.js";
import {
  assertNoop,
  corpusFiles,
  memoryContext,
  planAndApply,
  type TempCase,
  withTempCase,
} from "../_test_helpers.ts";

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

type Case = TempCase & { json(rel: string): Promise<Record<string, unknown>> };

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function withCase(
  files: Record<string, string>,
  fn: (c: Case) => Promise<void>,
  env: Record<string, string> = {},
) {
  await withTempCase(manifest, files, (c) =>
    fn({
      ...c,
      json: async (rel) => parseJsonc((await c.read(rel))!, [], { allowTrailingComma: true }),
    }), { env });
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

const write = (c: Case, items: Item[]) => planAndApply(plugin, c.ctx, items);

/** plan(read) changes nothing, and the files read without errors; returns what was read. */
async function noop(c: Case) {
  const read = await assertNoop(plugin, c.ctx);
  assert.equal(read.errors, undefined, JSON.stringify(read.errors));
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
    assert.equal(await c.read(UJSONC), await Deno.readTextFile(FIXTURE));
    // A project without a config gets opencode.json, the file `opencode mcp add` picks.
    await write(c, [mcp(c.pscope, "p", { transport: "stdio", command: "x", enabled: false })]);
    assert.equal(
      await c.read(PJSON),
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
    const read = await noop(c);
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
    assert.equal(await c.read(UJSONC), text.replace("{env:HOST}/mcp", "{env:HOST}/v2"));
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
    const read = await noop(c);
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
    await noop(c);
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
    const read = await noop(c);
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
    assert.equal(await c.read(UJSONC), undefined);
  });
});

Deno.test("opencode reads the deep merge of a scope's files and writes one copy", async () => {
  await withCase({
    [PJSON]: `{"mcp": {"s": {"type": "local", "command": ["low"], "environment": {"A": "1"}}}}`,
    [PDOT]:
      `{\n  // higher precedence\n  "mcp": {"s": {"type": "local", "command": ["high"]}}\n}\n`,
    "home/.config/opencode/config.json": `{"mcp": {"u": {"type": "local", "command": ["u"]}}}`,
  }, async (c) => {
    const read = await noop(c);
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
    assert.equal(servers((await noop(c)).items)["user/e"].transport, "http");
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
    assert.equal(await c.read("home/.config/opencode/AGENTS.md"), "u");
    assert.equal(await c.read("project/AGENTS.md"), undefined);
  });
});

Deno.test("opencode follows XDG_CONFIG_HOME", () => {
  const ctx = contextFor(manifest, "/h", ["/p"], { XDG_CONFIG_HOME: "/x" });
  assert.deepEqual(ctx.paths, {
    config_json: "/x/opencode/config.json",
    opencode_json: "/x/opencode/opencode.json",
    opencode_jsonc: "/x/opencode/opencode.jsonc",
    instructions: "/x/opencode/AGENTS.md",
    commands: "/x/opencode/commands",
    commands_singular: "/x/opencode/command",
    agents: "/x/opencode/agents",
    agents_singular: "/x/opencode/agent",
    skills: "/x/opencode/skills",
    skills_singular: "/x/opencode/skill",
  });
  assert.equal(
    contextFor(manifest, "/h", []).paths.opencode_jsonc,
    "/h/.config/opencode/opencode.jsonc",
  );
});

const corpus = corpusFiles(CORPUS);

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

// Markdown commands and agents of the corpus (opencode's own, and ones copied from others).
const corpusCommands = corpusFiles(`${SHARED}corpus/commands`, ".md");
const corpusAgents = corpusFiles(`${SHARED}corpus/subagents`, ".md");

Deno.test({
  name: "opencode reads corpus commands and agents as its own files and plans no change",
  ignore: corpusCommands.length + corpusAgents.length === 0,
  async fn() {
    const files: Record<string, string> = {};
    for (const f of corpusCommands) files[`${UCMD}/${f.name}`] = f.text;
    for (const f of corpusAgents) files[`${PAGENT}/${f.name}`] = f.text;
    await withCase(files, async (c) => {
      const read = await plugin.read(c.ctx);
      for (const e of read.errors ?? []) assert.ok(e.line && e.file.endsWith(".md"), e.message);
      assert.deepEqual((await plugin.plan({ items: read.items }, c.ctx)).writes, []);
      // opencode's own agent file is read whole.
      const own = ofKind(read.items, "subagent")[
        `project/yuk1ty__dotfiles__dot_config__opencode__agents__grill-me`
      ] as Kinded<"subagent">["value"] | undefined;
      if (corpusAgents.some((f) => f.name.includes("opencode__agents__grill-me"))) {
        assert.equal(own?.model, "opencode-go/glm-5.2");
        assert.equal(own?.extras, undefined);
      }
    });
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

/** Runs opencode with `args` in the case's home and project; returns its standard output. */
async function runOpencode(c: Case, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(OPENCODE, {
    args,
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
  return new TextDecoder().decode(out.stdout);
}

/** `opencode debug config` (the merged configuration as JSON) in the case's home and project. */
async function debugConfig(c: Case, env: Record<string, string> = {}) {
  return JSON.parse(await runOpencode(c, ["debug", "config"], env));
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
      const beforeRun = await c.read(UJSONC);
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
      assert.equal(await c.read(UJSONC), beforeRun);
      const back = await noop(c);
      assert.deepEqual(servers(back.items), servers(planned));
    });
  },
});

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
const { desiredSet, roundTrip } = generatedServers(
  "opencode",
  text,
  plugin,
  (files) => memoryContext(manifest, files),
);

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

// ---------------------------------------------------------------------------------------------
// Commands, subagents and skills

const UCMD = "home/.config/opencode/commands";
const UAGENT = "home/.config/opencode/agents";
const PCMD = "project/.opencode/commands";
const PAGENT = "project/.opencode/agents";
const PSKILL = "project/.opencode/skills";

type Kinded<K extends Item["kind"]> = Extract<Item, { kind: K }>;

function command(scope: string, name: string, value: Kinded<"command">["value"]): Item {
  return { kind: "command", scope, name, value };
}

function agent(scope: string, name: string, value: Kinded<"subagent">["value"]): Item {
  return { kind: "subagent", scope, name, value };
}

function ofKind(items: Item[], kind: Item["kind"]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const i of items) {
    if (i.kind === kind) out[`${i.scope === "user" ? "user" : "project"}/${i.name}`] = i.value;
  }
  return out;
}

const b64 = (bytes: number[] | string) =>
  btoa(typeof bytes === "string" ? bytes : String.fromCharCode(...bytes));

Deno.test("opencode reads commands from both folders, nested, named by frontmatter", async () => {
  await withCase({
    [`${UCMD}/review.md`]:
      "---\ndescription: Review a branch\nagent: plan\n---\nReview $1 against $2.\nAll: $ARGUMENTS\n",
    [`${UCMD}/git/commit.md`]: "Commit:\n\n!`git diff --cached`\n",
    ["home/.config/opencode/command/old.md"]: "---\nsubtask: true\n---\nOld folder.\n",
    [`${PCMD}/x.md`]:
      "---\nname: deploy\nmodel: anthropic/claude-sonnet-4-5\n---\nDeploy @README.md\n",
  }, async (c) => {
    const read = await noop(c);
    assert.deepEqual(ofKind(read.items, "command"), {
      "user/review": {
        description: "Review a branch",
        body: "Review $ARGUMENTS[0] against $ARGUMENTS[1].\nAll: $ARGUMENTS\n",
        extras: { opencode: { agent: "plan" } },
      },
      "user/git:commit": { body: "Commit:\n\n!`git diff --cached`\n" },
      "user/old": { body: "Old folder.\n", extras: { opencode: { subtask: true } } },
      "project/deploy": {
        body: "Deploy @README.md\n",
        extras: { opencode: { model: "anthropic/claude-sonnet-4-5" } },
      },
    });
  });
});

Deno.test("opencode writes commands the way its files look and notes what it loses", async () => {
  await withCase({
    [`${UCMD}/keep.md`]: "---\n# mine\ndescription: Old\nagent: plan\n---\n\nUse $1.\n",
  }, async (c) => {
    const plan = await write(c, [
      command("user", "keep", {
        description: "New",
        body: "Use $ARGUMENTS[0].\n",
        extras: { opencode: { agent: "plan" } },
      }),
      command("user", "git:commit", {
        description: "Commit",
        argumentHint: "[message]",
        body: "Commit $ARGUMENTS[0] then $ARGUMENTS[1] ($1 is shorthand).\n",
      }),
      command(c.pscope, "hello", { body: "Say hello to $ARGUMENTS.\n" }),
    ]);
    assert.equal(
      await c.read(`${UCMD}/keep.md`),
      "---\n# mine\ndescription: New\nagent: plan\n---\n\nUse $1.\n",
    );
    assert.equal(
      await c.read(`${UCMD}/git/commit.md`),
      "---\ndescription: Commit\n---\n\nCommit $1 then $2 ($2 is shorthand).\n",
    );
    assert.equal(await c.read(`${PCMD}/hello.md`), "Say hello to $ARGUMENTS.\n");
    const key = `command:user:git:commit`;
    const messages = plan.notes.filter((n) => n.item === key).map((n) => n.message);
    assert.ok(messages.some((m) => /no place for an argument hint/.test(m)), messages.join());
    assert.ok(messages.some((m) => /"\$1" \(Claude Code's shorthand\)/.test(m)), messages.join());
    assert.ok(messages.some((m) => /highest position \(\$2\)/.test(m)), messages.join());
    // The unchanged body of "keep" needs no note; "hello" has nothing to lose.
    assert.ok(!plan.notes.some((n) => n.item !== key), JSON.stringify(plan.notes));
    // The shorthand reads back as a position, the rest as written.
    const read = await noop(c);
    assert.deepEqual(ofKind(read.items, "command")["user/git:commit"], {
      description: "Commit",
      body: "Commit $ARGUMENTS[0] then $ARGUMENTS[1] ($ARGUMENTS[1] is shorthand).\n",
    });
  });
});

Deno.test("opencode translates placeholders both ways", async () => {
  const { bodyFromOc, bodyToOc } = await import("./folders.ts");
  const cases: [string, string][] = [
    ["Fix $1 in $2.", "Fix $ARGUMENTS[0] in $ARGUMENTS[1]."],
    ["All: $ARGUMENTS", "All: $ARGUMENTS"],
    ["Tenth: $10", "Tenth: $ARGUMENTS[9]"],
    ["Run !`git status` and read @src/main.ts", "Run !`git status` and read @src/main.ts"],
  ];
  for (const [native, canon] of cases) {
    assert.equal(bodyFromOc(native), canon);
    const notes: string[] = [];
    assert.equal(bodyToOc(canon, (m) => notes.push(m)), native);
  }
  // `$0` is no position in opencode: it stays text.
  assert.equal(bodyFromOc("cost $0"), "cost $0");
  const notes: string[] = [];
  const out = bodyToOc("A $ARGUMENTS[0]5 and !{ls} and @{a.txt}", (m) => notes.push(m));
  assert.equal(out, "A $15 and !{ls} and @{a.txt}");
  assert.equal(notes.length, 4, notes.join("\n"));
  assert.match(notes.join("\n"), /followed by a digit/);
  assert.match(notes.join("\n"), /"!\{…\}"/);
  assert.match(notes.join("\n"), /"@\{…\}"/);
});

Deno.test("opencode subagents: modes, tools map, model, unknown keys", async () => {
  await withCase({
    [`${UAGENT}/primary.md`]: "---\ndescription: Main\nmode: primary\n---\nPrimary.\n",
    [`${UAGENT}/all.md`]: "---\ndescription: Both\nmode: all\n---\nAll.\n",
    [`${UAGENT}/bare.md`]: "Bare.\n",
    [`${UAGENT}/deny.md`]:
      "---\ndescription: Read only\nmode: subagent\ntools:\n  write: false\n  edit: false\n---\nRO.\n",
    [`${UAGENT}/allow.md`]: "---\ndescription: Allowlist\nmode: subagent\ntools:\n" +
      '  "*": false\n  read: true\n  bash: true\ntemperature: 0.2\npermission:\n  bash:\n' +
      '    "git *": allow\n---\nAL.\n',
  }, async (c) => {
    const read = await noop(c);
    assert.deepEqual(ofKind(read.items, "subagent"), {
      "user/all": { description: "Both", body: "All.\n", extras: { opencode: { mode: "all" } } },
      "user/allow": {
        description: "Allowlist",
        tools: ["Read", "Bash"],
        body: "AL.\n",
        extras: { opencode: { temperature: 0.2, permission: { bash: { "git *": "allow" } } } },
      },
      "user/bare": { body: "Bare.\n" },
      "user/deny": {
        description: "Read only",
        body: "RO.\n",
        extras: { opencode: { tools: { write: false, edit: false } } },
      },
    });
    // The primary agent is not a subagent: never read, never removed.
    const plan = await write(c, [
      ...read.items.filter((i) => i.kind === "subagent" && i.name !== "all"),
      agent("user", "all", { description: "Both", body: "All.\n" }),
      agent(c.pscope, "from-claude", {
        description: "Reviews",
        tools: ["Read", "Grep", "Glob", "MultiEdit", "NotebookEdit", "mcp__github__get_issue"],
        model: "sonnet",
        body: "Review.\n",
      }),
    ]);
    assert.equal(
      await c.read(`${UAGENT}/primary.md`),
      "---\ndescription: Main\nmode: primary\n---\nPrimary.\n",
    );
    // `all` without the extras becomes a subagent only.
    assert.equal(
      await c.read(`${UAGENT}/all.md`),
      "---\ndescription: Both\nmode: subagent\n---\nAll.\n",
    );
    assert.equal(
      await c.read(`${PAGENT}/from-claude.md`),
      "---\ndescription: Reviews\nmode: subagent\ntools:\n" +
        '  "*": false\n  read: true\n  grep: true\n  glob: true\n  edit: true\n---\n\nReview.\n',
    );
    const messages = plan.notes.map((n) => `${n.field}: ${n.message}`).join("\n");
    assert.match(messages, /tools: "MultiEdit" is opencode's "edit" and reads back as "Edit"/);
    assert.match(
      messages,
      /tools: opencode has no tool for "NotebookEdit", "mcp__github__get_issue"/,
    );
    assert.match(
      messages,
      /model: opencode names a model "provider\/model"; "sonnet" is not written/,
    );
    const back = await noop(c);
    assert.deepEqual(ofKind(back.items, "subagent")[`project/from-claude`], {
      description: "Reviews",
      tools: ["Read", "Grep", "Glob", "Edit"],
      body: "Review.\n",
    });
  });
});

Deno.test("opencode keeps a subagent's unknown keys through a new file", async () => {
  const value: Kinded<"subagent">["value"] = {
    description: "Docs",
    model: "anthropic/claude-haiku-4-5",
    tools: [],
    body: "Write docs.\n",
    extras: {
      opencode: { mode: "all", temperature: 0.3, permission: { edit: "ask" }, color: "#00FF00" },
      claude_code: { color: "blue" },
    },
  };
  await withCase({}, async (c) => {
    const plan = await write(c, [agent(c.pscope, "docs", value)]);
    assert.deepEqual(plan.notes, []);
    assert.equal(
      await c.read(`${PAGENT}/docs.md`),
      "---\ndescription: Docs\nmode: all\nmodel: anthropic/claude-haiku-4-5\ntools:\n" +
        '  "*": false\ntemperature: 0.3\npermission:\n  edit: ask\ncolor: "#00FF00"\n---\n\n' +
        "Write docs.\n",
    );
    const back = await noop(c);
    const { claude_code: _, ...own } = value.extras!;
    assert.deepEqual(ofKind(back.items, "subagent")["project/docs"], { ...value, extras: own });
  });
});

Deno.test("opencode merges the singular and plural folders of a kind", async () => {
  const skill = (text: string) => ({
    "SKILL.md": { base64: b64(`---\nname: s\ndescription: ${text}\n---\n`), mode: 0o644 },
  });
  await withCase({
    ["home/.config/opencode/command/dup.md"]: "Singular.\n",
    [`${UCMD}/dup.md`]: "Plural.\n",
    ["home/.config/opencode/command/only.md"]: "Only singular.\n",
    ["home/.config/opencode/agent/gone.md"]: "---\nmode: subagent\n---\nGone.\n",
    [`${UAGENT}/gone.md`]: "---\nmode: subagent\n---\nGone too.\n",
    ["project/.opencode/skill/old/SKILL.md"]: "---\nname: old\ndescription: old\n---\n",
    ["project/.opencode/skill/s/SKILL.md"]: "---\nname: s\ndescription: singular\n---\n",
    [`${PSKILL}/s/SKILL.md`]: "---\nname: s\ndescription: plural\n---\n",
  }, async (c) => {
    const read = await noop(c);
    assert.deepEqual(ofKind(read.items, "command"), {
      "user/dup": { body: "Plural.\n" },
      "user/only": { body: "Only singular.\n" },
    });
    assert.deepEqual(Object.keys(ofKind(read.items, "skill")).sort(), ["project/old", "project/s"]);
    // Edit the command in both folders and the skill in both; change the one in the singular
    // folder in place; delete the agent in both.
    const plan = await write(c, [
      command("user", "dup", { body: "New.\n" }),
      command("user", "only", { body: "Still singular.\n" }),
      ...read.items.filter((i) => i.kind === "skill" && i.name === "old"),
      { kind: "skill", scope: c.pscope, name: "s", value: { files: skill("new") } },
    ]);
    assert.deepEqual(plan.notes, []);
    assert.equal(await c.read(`${UCMD}/dup.md`), "New.\n");
    assert.equal(await c.read("home/.config/opencode/command/dup.md"), undefined);
    assert.equal(await c.read("home/.config/opencode/command/only.md"), "Still singular.\n");
    assert.equal(await c.read(`${UCMD}/only.md`), undefined);
    assert.equal(await c.read("home/.config/opencode/agent/gone.md"), undefined);
    assert.equal(await c.read(`${UAGENT}/gone.md`), undefined);
    assert.equal(await c.read(`${PSKILL}/s/SKILL.md`), "---\nname: s\ndescription: new\n---\n");
    assert.equal(await c.read("project/.opencode/skill/s/SKILL.md"), undefined);
    assert.ok(await c.read("project/.opencode/skill/old/SKILL.md"));
    await noop(c);
  });
});

Deno.test("opencode copies a skill byte for byte, binary files and modes included", async () => {
  const bin = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255, 128];
  const files = {
    "SKILL.md": { base64: b64("---\nname: pdf\ndescription: PDFs\n---\n\nUse it.\n"), mode: 0o644 },
    "assets/logo.png": { base64: b64(bin), mode: 0o600 },
    "scripts/run.sh": { base64: b64("#!/bin/sh\necho ok\n"), mode: 0o755 },
  };
  await withCase({}, async (c) => {
    await write(c, [{ kind: "skill", scope: "user", name: "pdf", value: { files } }]);
    const dir = `${c.home}/.config/opencode/skills/pdf`;
    assert.deepEqual([...await Deno.readFile(`${dir}/assets/logo.png`)], bin);
    assert.equal((await Deno.stat(`${dir}/scripts/run.sh`)).mode! & 0o777, 0o755);
    const read = await noop(c);
    assert.deepEqual(ofKind(read.items, "skill"), { "user/pdf": { files } });
  });
});

Deno.test("opencode reports a broken command or agent and freezes only that kind", async () => {
  await withCase({
    [`${UCMD}/bad.md`]: "---\ndescription: [unclosed\n  - : :\n---\nBad.\n",
    [`${UCMD}/good.md`]: "Good.\n",
    [`${PAGENT}/bad.md`]: '---\nmode: subagent\ndescription: "open\n---\nBad.\n',
    [PJSON]: `{\n  "mcp": {\n    "a": {"type": "local" "command": ["x"]}\n  }\n}\n`,
  }, async (c) => {
    const read = await plugin.read(c.ctx);
    const root = c.home.slice(0, -"/home".length);
    assert.deepEqual(read.errors!.map((e) => [e.file.slice(root.length + 1), e.line, e.kinds]), [
      [PJSON, 3, ["mcp"]],
      [`${UCMD}/bad.md`, 2, ["command"]],
      [`${PAGENT}/bad.md`, 4, ["subagent"]],
    ]);
    const plan = await plugin.plan({
      items: [
        command("user", "new", { body: "x\n" }),
        agent(c.pscope, "new", { body: "x\n" }),
        command(c.pscope, "fine", { body: "Project commands are not frozen.\n" }),
        { kind: "skill", scope: c.pscope, name: "k", value: { files: {} } },
      ],
    }, c.ctx);
    assert.deepEqual(plan.writes.map((w) => w.path.slice(c.project.length - 7)), [
      "project/.opencode/commands/fine.md",
    ]);
  });
});

Deno.test("opencode reads the testdata commands, agents and skills as expected", async () => {
  const dir = new URL("./testdata/", import.meta.url).pathname;
  const { root, home, project } = await materialize(`${dir}odd`);
  try {
    const ctx = contextFor(manifest, home, [project]);
    const read = await plugin.read(ctx);
    assert.equal(read.errors, undefined);
    assert.deepEqual(Object.keys(ofKind(read.items, "command")).sort(), [
      "user/both",
      "user/legacy",
      "user/renamed",
    ]);
    assert.deepEqual(ofKind(read.items, "command")["user/renamed"], {
      description: "Quoted: with a colon",
      body: "CRLF body with $0 and $ARGUMENTS[9] and $ARGUMENTS.\r\n",
      extras: { opencode: { variant: "high" } },
    });
    assert.deepEqual(Object.keys(ofKind(read.items, "subagent")).sort(), [
      "user/all-mode",
      "user/no-mode",
      "user/team:security",
    ]);
    assert.deepEqual(Object.keys(ofKind(read.items, "skill")), ["project/old-style"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "opencode loads the commands, agents and skills aisync wrote (real CLI)",
  ignore: !hasOpencode,
  async fn() {
    await withCase({
      // A primary agent of the user's own, which aisync leaves alone.
      [`${UAGENT}/main.md`]: "---\ndescription: Main\nmode: primary\n---\nMain.\n",
    }, async (c) => {
      await new Deno.Command("git", { args: ["init", "-q", c.project] }).output();
      const bin = [0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255];
      const skillMd = (name: string) =>
        b64(`---\nname: ${name}\ndescription: Skill ${name}\n---\n`);
      const plan = await write(c, [
        command("user", "review", {
          description: "Review a branch",
          body: "Review $ARGUMENTS[0] against main.\nAll: $ARGUMENTS\n",
          extras: { opencode: { agent: "plan", subtask: true } },
        }),
        command("user", "git:commit", { body: "Commit:\n\n!`git diff --cached`\n" }),
        command(c.pscope, "hello", { description: "Greets", body: "Say hello to $ARGUMENTS.\n" }),
        agent("user", "reviewer", {
          description: "Reviews code",
          model: "anthropic/claude-sonnet-4-5",
          tools: ["Read", "Grep", "Glob"],
          body: "You review code.\n",
        }),
        agent(c.pscope, "docs", {
          description: "Writes docs",
          body: "You write docs.\n",
          extras: { opencode: { mode: "all", temperature: 0.3 } },
        }),
        agent(c.pscope, "team:security", { description: "Audits", body: "Audit.\n" }),
        {
          kind: "skill",
          scope: "user",
          name: "pdf",
          value: {
            files: {
              "SKILL.md": { base64: skillMd("pdf"), mode: 0o644 },
              "logo.png": { base64: b64(bin), mode: 0o644 },
            },
          },
        },
        {
          kind: "skill",
          scope: c.pscope,
          name: "release",
          value: { files: { "SKILL.md": { base64: skillMd("release"), mode: 0o644 } } },
        },
      ]);
      assert.deepEqual(plan.notes.map((n) => n.item), ["command:user:review"]);

      const config = await debugConfig(c);
      assert.deepEqual(config.command, {
        review: {
          description: "Review a branch",
          agent: "plan",
          subtask: true,
          template: "Review $1 against main.\nAll: $ARGUMENTS",
        },
        "git/commit": { template: "Commit:\n\n!`git diff --cached`" },
        hello: { description: "Greets", template: "Say hello to $ARGUMENTS." },
      });
      const agents = config.agent as Record<string, Record<string, unknown>>;
      assert.deepEqual(Object.keys(agents).sort(), ["docs", "main", "reviewer", "team/security"]);
      assert.deepEqual(
        [
          agents.reviewer.mode,
          agents.reviewer.model,
          agents.reviewer.tools,
          agents.reviewer.prompt,
        ],
        [
          "subagent",
          "anthropic/claude-sonnet-4-5",
          { "*": false, read: true, grep: true, glob: true },
          "You review code.",
        ],
      );
      assert.deepEqual([agents.docs.mode, agents.docs.temperature], ["all", 0.3]);
      assert.equal(agents["team/security"].mode, "subagent");

      // `agent list` shows each agent with its mode.
      const listed = (await runOpencode(c, ["agent", "list"])).split("\n")
        .filter((l) => /^\S+ \((primary|subagent|all)\)$/.test(l));
      for (const line of ["reviewer (subagent)", "docs (all)", "team/security (subagent)"]) {
        assert.ok(listed.includes(line), `${line} not in ${listed.join(", ")}`);
      }
      // The tools map is an allowlist: every other tool is off.
      const tools = JSON.parse(await runOpencode(c, ["debug", "agent", "reviewer"])).tools;
      const on = Object.entries(tools).filter(([, v]) => v).map(([k]) => k).sort();
      assert.deepEqual(on, ["glob", "grep", "read"]);

      const skills = JSON.parse(await runOpencode(c, ["debug", "skill"])) as {
        name: string;
        location: string;
      }[];
      const found = Object.fromEntries(skills.map((s) => [s.name, s.location]));
      assert.equal(found.pdf, `${c.home}/.config/opencode/skills/pdf/SKILL.md`);
      assert.equal(found.release, `${c.project}/.opencode/skills/release/SKILL.md`);

      // What opencode loaded reads back unchanged, and nothing was rewritten by it.
      await noop(c);
    });
  },
});

Deno.test({
  name: "opencode and aisync find the same commands, subagents and skills in testdata (real CLI)",
  ignore: !hasOpencode,
  async fn() {
    const dir = new URL("./testdata/", import.meta.url).pathname;
    for (const name of ["typical", "odd"]) {
      const { root, home, project } = await materialize(`${dir}${name}`);
      try {
        // Only the folders: the config files of the cases hold {file:…} references.
        for (const f of [PJSON, UJSONC, UJSON, PDOT, "project/.opencode/opencode.json"]) {
          await Deno.remove(`${root}/${f}`).catch(() => {});
        }
        await Deno.remove(`${home}/.config/opencode/config.json`).catch(() => {});
        await new Deno.Command("git", { args: ["init", "-q", project] }).output();
        const c = { home, project } as Case;
        const read = await plugin.read(contextFor(manifest, home, [project]));
        assert.equal(read.errors, undefined);
        const names = (kind: Item["kind"]) =>
          read.items.filter((i) => i.kind === kind).map((i) => i.name).sort();
        const config = await debugConfig(c);
        const colon = (n: string) => n.split("/").join(":");
        assert.deepEqual(names("command"), Object.keys(config.command ?? {}).map(colon).sort());
        const agents = Object.entries(config.agent ?? {}) as [string, { mode?: string }][];
        assert.deepEqual(
          names("subagent"),
          agents.filter(([, a]) => a.mode !== "primary").map(([n]) => colon(n)).sort(),
        );
        const skills = JSON.parse(await runOpencode(c, ["debug", "skill"])) as { name: string }[];
        assert.deepEqual(
          names("skill"),
          skills.map((s) => s.name).filter((n) => n !== "customize-opencode").sort(),
        );
      } finally {
        await Deno.remove(root, { recursive: true });
      }
    }
  },
});
