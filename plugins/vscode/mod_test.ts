import assert from "node:assert/strict";
import fc from "fast-check";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import { generatedServers } from "../_generated_servers.ts";
import { type Context, type Item, itemKey, type McpServer, type PlanResult } from "../_contract.ts";
import { resolvePaths } from "../../core/paths.ts";

runConformance("vscode");

const { manifest, plugin } = await loadPlugin("vscode");
const CORPUS = new URL("../../../shared/corpus/vscode/", import.meta.url).pathname;
const USER = "home/.config/Code/User/mcp.json";
const PROJECT = "project/.vscode/mcp.json";

interface Case {
  ctx: Context;
  home: string;
  project: string;
  pscope: string;
  text(rel: string): Promise<string | undefined>;
  apply(plan: PlanResult): Promise<void>;
}

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function withCase(files: Record<string, string>, fn: (c: Case) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "aisync-vscode-" });
  const home = `${root}/home`, project = `${root}/project`;
  try {
    await Deno.mkdir(home, { recursive: true });
    await Deno.mkdir(project, { recursive: true });
    for (const [rel, text] of Object.entries(files)) {
      const path = `${root}/${rel}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, text);
    }
    await fn({
      ctx: contextFor(manifest, home, [project]),
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

async function write(c: Case, items: Item[]): Promise<PlanResult> {
  const plan = await plugin.plan({ items }, c.ctx);
  await c.apply(plan);
  return plan;
}

/** plan(read) changes nothing; returns what was read. */
async function assertNoop(c: Case) {
  const read = await plugin.read(c.ctx);
  const plan = await plugin.plan({ items: read.items }, c.ctx);
  for (const w of plan.writes) {
    assert.equal(w.content, await c.ctx.files.read(w.path), `plan(read) rewrote ${w.path}`);
  }
  return read;
}

Deno.test("vscode reads servers and keeps ${input:...} values in extras", async () => {
  const dir = new URL("testdata/typical/", import.meta.url).pathname;
  await withCase({
    [USER]: await Deno.readTextFile(dir + USER),
    [PROJECT]: await Deno.readTextFile(dir + PROJECT),
  }, async (c) => {
    const read = await assertNoop(c);
    assert.equal(read.errors, undefined);
    assert.deepEqual(servers(read.items), {
      "user/github": {
        transport: "http",
        url: "https://api.githubcopilot.com/mcp/",
        headers: { Authorization: "Bearer ${GITHUB_TOKEN}" },
      },
      "user/memory": {
        transport: "stdio",
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-memory"],
      },
      "project/perplexity": {
        transport: "stdio",
        command: "npx",
        args: ["-y", "server-perplexity-ask"],
        env: { LOG_LEVEL: "info" },
        extras: { vscode: { env: { PERPLEXITY_API_KEY: "${input:perplexity-key}" } } },
      },
      "project/context7": { transport: "http", url: "https://mcp.context7.com/mcp" },
      "project/events": { transport: "sse", url: "http://localhost:3001/sse" },
    });
    // Another client changes the plain variable: the input reference stays where it was.
    const items = read.items.map((i) =>
      i.kind === "mcp" && i.name === "perplexity"
        ? { ...i, value: { ...i.value, env: { LOG_LEVEL: "debug" } } }
        : i
    );
    const plan = await write(c, items);
    assert.deepEqual(plan.notes, []);
    const after = (await c.text(PROJECT))!;
    assert.equal(
      after,
      (await Deno.readTextFile(dir + PROJECT)).replace('"info"', '"debug"'),
    );
  });
});

Deno.test("vscode translates ${env:VAR} both ways and notes what it cannot say", async () => {
  await withCase({}, async (c) => {
    const plan = await write(c, [
      mcp("user", "s", {
        transport: "stdio",
        command: "${TOOLS}/bin/s",
        args: ["--token=${TOKEN}", "$PLAIN", "${A:-dflt}", "${input:x}"],
        env: { K: "${K}", L: "literal" },
      }),
    ]);
    assert.deepEqual(plan.notes.map((n) => n.field), ["args.2", "args.3"]);
    assert.match(plan.notes[0].message, /no default value/);
    assert.match(plan.notes[1].message, /as a variable/);
    const file = JSON.parse((await c.text(USER))!);
    assert.deepEqual(file, {
      servers: {
        s: {
          type: "stdio",
          command: "${env:TOOLS}/bin/s",
          args: ["--token=${env:TOKEN}", "$PLAIN", "${env:A}", "${input:x}"],
          env: { K: "${env:K}", L: "literal" },
        },
      },
    });
    assert.match(
      (await c.text(USER))!,
      /^\{\n\t"servers": \{\n\t\t"s": \{\n\t\t\t"type": "stdio",/,
    );
  });
  // Text VS Code leaves alone but that reads as a reference elsewhere stays in VS Code only.
  await withCase({
    [USER]: `{"servers": {"s": {"command": "x", "env": {"A": "\${HOME}", "B": "\${env:B}"}}}}`,
  }, async (c) => {
    const read = await assertNoop(c);
    assert.deepEqual(servers(read.items)["user/s"], {
      transport: "stdio",
      command: "x",
      env: { B: "${B}" },
      extras: { vscode: { env: { A: "${HOME}" } } },
    });
  });
});

Deno.test("vscode reads ${workspaceFolder} and ${userHome} as paths and keeps them as written", async () => {
  await withCase({
    [PROJECT]: `{
  "servers": {
    "p": {"type": "stdio", "command": "node", "args": ["\${workspaceFolder}/s.js"],
      "cwd": "\${userHome}"}
  }
}
`,
    [USER]: `{
  "servers": {
    "u": {"command": "node", "args": ["\${workspaceFolder}/s.js"]},
    "i": {"type": "http", "url": "https://\${input:host}/mcp"}
  }
}
`,
  }, async (c) => {
    const read = await assertNoop(c);
    assert.deepEqual(servers(read.items), {
      "project/p": {
        transport: "stdio",
        command: "node",
        args: [`${c.project}/s.js`],
        cwd: c.home,
      },
    });
    // The user servers that need VS Code's variables are left alone, with a note when asked.
    const before = (await c.text(USER))!;
    const plan = await write(c, [
      ...read.items,
      mcp("user", "i", { transport: "http", url: "https://elsewhere/mcp" }),
    ]);
    assert.equal(await c.text(USER), before);
    assert.deepEqual(plan.notes.map((n) => n.item), ["mcp:user:i"]);
    // A change elsewhere in the entry keeps ${workspaceFolder} as written.
    await write(
      c,
      read.items.map((i) =>
        i.kind === "mcp" ? { ...i, value: { ...i.value, args: [...i.value.args!, "-v"] } } : i
      ),
    );
    const p = JSON.parse((await c.text(PROJECT))!).servers.p;
    assert.deepEqual(p.args, ["${workspaceFolder}/s.js", "-v"]);
    assert.equal(p.cwd, "${userHome}");
  });
});

Deno.test("vscode keeps inputs, sandbox and comments byte for byte", async () => {
  const text = `{
	// mine
	"inputs": [
		{ "type": "promptString", "id": "tok", "description": "Token", "password": true }
	],
	"servers": {
		"boxed": {
			"type": "stdio",
			"command": "npx",
			"args": ["-y", "@example/mcp-server"],
			"sandboxEnabled": true,
			"sandbox": {
				"filesystem": { "allowWrite": ["\${workspaceFolder}"] }, // narrow
				"network": { "allowedDomains": ["api.example.com"] }
			}
		},
		"gone": { "type": "http", "url": "http://x" },
	},
}
`;
  await withCase({ [PROJECT]: text }, async (c) => {
    const read = await assertNoop(c);
    const boxed = read.items.filter((i) => i.name === "boxed").map((i) =>
      i.kind === "mcp" ? { ...i, value: { ...i.value, args: ["-y", "@example/other"] } } : i
    );
    await write(c, [...boxed, mcp(c.pscope, "new", { transport: "sse", url: "http://s/sse" })]);
    assert.equal(
      await c.text(PROJECT),
      text.replace("@example/mcp-server", "@example/other").replace(
        `\t\t"gone": { "type": "http", "url": "http://x" },\n`,
        `\t\t"new": {\n\t\t\t"type": "sse",\n\t\t\t"url": "http://s/sse"\n\t\t},\n`,
      ),
    );
  });
});

Deno.test("vscode notes what mcp.json cannot hold and still writes the server", async () => {
  await withCase({}, async (c) => {
    const plan = await write(c, [
      mcp("user", "s", {
        transport: "stdio",
        command: "x",
        enabled: false,
        tools: { allow: ["a"] },
        startupTimeoutMs: 1,
        toolTimeoutMs: 2,
        headers: { A: "b" },
      }),
      mcp("user", "h", { transport: "http", url: "http://h", oauth: { clientId: "c" }, cwd: "/" }),
      { kind: "instructions", scope: "user", name: "main", value: { text: "x" } },
    ]);
    assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field ?? ""}`), [
      "instructions:user:main ",
      "mcp:user:s enabled",
      "mcp:user:s tools",
      "mcp:user:s startupTimeoutMs",
      "mcp:user:s toolTimeoutMs",
      "mcp:user:s headers",
      "mcp:user:h oauth",
      "mcp:user:h cwd",
    ]);
    assert.deepEqual(JSON.parse((await c.text(USER))!).servers, {
      s: { type: "stdio", command: "x" },
      h: { type: "http", url: "http://h" },
    });
    assert.deepEqual(plan.writes.map((w) => w.path), [`${c.home}/.config/Code/User/mcp.json`]);
  });
});

Deno.test("vscode round-trips extras and notes a kept value that another client replaced", async () => {
  await withCase({}, async (c) => {
    const value: McpServer = {
      transport: "stdio",
      command: "x",
      env: { A: "1" },
      extras: {
        vscode: {
          env: { B: "${input:b}" },
          envFile: "${workspaceFolder}/.env",
          dev: { watch: "*" },
        },
        claude_code: { alwaysLoad: true },
      },
    };
    await write(c, [mcp(c.pscope, "s", value)]);
    assert.deepEqual(JSON.parse((await c.text(PROJECT))!).servers.s, {
      type: "stdio",
      command: "x",
      env: { A: "1", B: "${input:b}" },
      envFile: "${workspaceFolder}/.env",
      dev: { watch: "*" },
    });
    const read = await assertNoop(c);
    assert.deepEqual(servers(read.items)["project/s"], {
      ...value,
      extras: { vscode: value.extras!.vscode },
    });
    // Another client sets B itself: it wins, with a note.
    const plan = await write(c, [mcp(c.pscope, "s", { ...value, env: { A: "1", B: "2" } })]);
    assert.deepEqual(plan.notes.map((n) => n.field), ["env.B"]);
    assert.deepEqual(JSON.parse((await c.text(PROJECT))!).servers.s.env, { A: "1", B: "2" });
  });
});

Deno.test("vscode reports broken files with file and line and never writes them", async () => {
  const cases: [string, string, RegExp][] = [
    [PROJECT, `{\n  "servers": {\n    "a": { "type": "stdio" "command": "x" }\n  }\n}\n`, /line 3/],
    [USER, `{\n  // array\n  "servers": [\n    {"name": "x", "command": "y"}\n  ]\n}\n`, /servers/],
    [USER, `[]`, /not a JSON object/],
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
      assert.ok(!plan.writes.some((w) => w.path === e.file), `${e.file} must not be written`);
      assert.equal(plan.writes.length, 1);
    });
  }
  // An empty file is no servers, as in VS Code.
  await withCase({ [USER]: "" }, async (c) => {
    assert.deepEqual(await plugin.read(c.ctx), { items: [] });
    await write(c, [mcp("user", "n", { transport: "stdio", command: "n" })]);
    assert.deepEqual(JSON.parse((await c.text(USER))!), {
      servers: { n: { type: "stdio", command: "n" } },
    });
  });
});

Deno.test("vscode and copilot_cli plan the same bytes for .github/copilot-instructions.md", async () => {
  const copilot = await loadPlugin("copilot_cli");
  await withCase({ "project/.github/copilot-instructions.md": "old\n" }, async (c) => {
    const item: Item = {
      kind: "instructions",
      scope: c.pscope,
      name: "main",
      value: { text: "new" },
    };
    const ours = await plugin.plan({ items: [item] }, c.ctx);
    const theirs = await copilot.plugin.plan(
      { items: [item] },
      contextFor(copilot.manifest, c.home, [c.project]),
    );
    const path = `${c.project}/.github/copilot-instructions.md`;
    assert.deepEqual(ours.writes, [{ path, content: "new" }]);
    assert.deepEqual(theirs.writes.filter((w) => w.path === path), ours.writes);
    // Both read the same item from it.
    const read = await plugin.read(c.ctx);
    assert.deepEqual(read.items, [{ ...item, value: { text: "old\n" } }]);
  });
});

Deno.test("vscode has a user mcp.json path for each OS", () => {
  const at = (os: "linux" | "darwin" | "windows", env: Record<string, string> = {}) =>
    resolvePaths(manifest, { home: "/h", os, env }, ["/p"]).paths.mcp;
  assert.equal(at("linux"), "/h/.config/Code/User/mcp.json");
  assert.equal(at("linux", { XDG_CONFIG_HOME: "/x" }), "/x/Code/User/mcp.json");
  assert.equal(at("darwin"), "/h/Library/Application Support/Code/User/mcp.json");
  assert.equal(
    at("windows", { APPDATA: "/C/Users/me/AppData/Roaming" }).endsWith(
      "/AppData/Roaming/Code/User/mcp.json",
    ),
    true,
  );
  const p = resolvePaths(manifest, { home: "/h", os: "darwin", env: {} }, ["/p"]).projects[0];
  assert.deepEqual(p.paths, {
    mcp: "/p/.vscode/mcp.json",
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
  name: "vscode reads every corpus file without a throw and plans no change",
  ignore: corpus.length === 0,
  async fn(t) {
    for (const f of corpus) {
      for (const where of [PROJECT, USER]) {
        await t.step(`${f.name} as ${where}`, async () => {
          await withCase({ [where]: f.text }, async (c) => {
            const read = await plugin.read(c.ctx);
            for (const e of read.errors ?? []) {
              assert.ok(e.file.endsWith(where.slice(where.indexOf("/"))), e.file);
              assert.ok(e.line, `no line in ${e.message}`);
            }
            // Only the file whose `servers` is a list is refused.
            assert.equal(read.errors?.length ?? 0, f.name.startsWith("20m61") ? 1 : 0);
            assert.deepEqual((await plugin.plan({ items: read.items }, c.ctx)).writes, []);
          });
        });
      }
    }
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
        "${env:Z}",
        "${input:q}",
        "${workspaceFolder}",
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
const { desiredSet, roundTrip } = generatedServers("vscode", text, plugin, memoryContext);

Deno.test("vscode round-trips generated servers through new and edited files", async () => {
  await fc.assert(
    fc.asyncProperty(desiredSet, desiredSet, async (a, b) => {
      const files = new Map<string, string>(
        [[
          "/h/.config/Code/User/mcp.json",
          `// mine\n{"inputs": [{"id": "a"}], "servers": {"x": {"command": "\${input:a}"}},}\n`,
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
