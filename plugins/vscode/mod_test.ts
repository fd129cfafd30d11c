import assert from "node:assert/strict";
import fc from "fast-check";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import { generatedServers } from "../_generated_servers.ts";
import { type Item, itemKey, type McpServer, type PlanResult } from "../_contract.ts";
import { resolvePaths } from "../../core/paths.ts";
import {
  assertNoop,
  corpusFiles,
  memoryContext,
  planAndApply,
  type TempCase,
  withTempCase,
} from "../_test_helpers.ts";

runConformance("vscode");

const { manifest, plugin } = await loadPlugin("vscode");
const CORPUS = new URL("../../../shared/corpus/vscode/", import.meta.url).pathname;
const USER = "home/.config/Code/User/mcp.json";
const PROJECT = "project/.vscode/mcp.json";

type Case = TempCase;

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
const withCase = (files: Record<string, string>, fn: (c: Case) => Promise<void>) =>
  withTempCase(manifest, files, fn);

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

Deno.test("vscode reads servers and keeps ${input:...} values in extras", async () => {
  const dir = new URL("testdata/typical/", import.meta.url).pathname;
  await withCase({
    [USER]: await Deno.readTextFile(dir + USER),
    [PROJECT]: await Deno.readTextFile(dir + PROJECT),
  }, async (c) => {
    const read = await noop(c);
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
    const after = (await c.read(PROJECT))!;
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
    const file = JSON.parse((await c.read(USER))!);
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
      (await c.read(USER))!,
      /^\{\n\t"servers": \{\n\t\t"s": \{\n\t\t\t"type": "stdio",/,
    );
  });
  // Text VS Code leaves alone but that reads as a reference elsewhere stays in VS Code only.
  await withCase({
    [USER]: `{"servers": {"s": {"command": "x", "env": {"A": "\${HOME}", "B": "\${env:B}"}}}}`,
  }, async (c) => {
    const read = await noop(c);
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
    const read = await noop(c);
    assert.deepEqual(servers(read.items), {
      "project/p": {
        transport: "stdio",
        command: "node",
        args: [`${c.project}/s.js`],
        cwd: c.home,
      },
    });
    // The user servers that need VS Code's variables are left alone, with a note when asked.
    const before = (await c.read(USER))!;
    const plan = await write(c, [
      ...read.items,
      mcp("user", "i", { transport: "http", url: "https://elsewhere/mcp" }),
    ]);
    assert.equal(await c.read(USER), before);
    assert.deepEqual(plan.notes.map((n) => n.item), ["mcp:user:i"]);
    // A change elsewhere in the entry keeps ${workspaceFolder} as written.
    await write(
      c,
      read.items.map((i) =>
        i.kind === "mcp" ? { ...i, value: { ...i.value, args: [...i.value.args!, "-v"] } } : i
      ),
    );
    const p = JSON.parse((await c.read(PROJECT))!).servers.p;
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
    const read = await noop(c);
    const boxed = read.items.filter((i) => i.name === "boxed").map((i) =>
      i.kind === "mcp" ? { ...i, value: { ...i.value, args: ["-y", "@example/other"] } } : i
    );
    await write(c, [...boxed, mcp(c.pscope, "new", { transport: "sse", url: "http://s/sse" })]);
    assert.equal(
      await c.read(PROJECT),
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
    assert.deepEqual(JSON.parse((await c.read(USER))!).servers, {
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
    assert.deepEqual(JSON.parse((await c.read(PROJECT))!).servers.s, {
      type: "stdio",
      command: "x",
      env: { A: "1", B: "${input:b}" },
      envFile: "${workspaceFolder}/.env",
      dev: { watch: "*" },
    });
    const read = await noop(c);
    assert.deepEqual(servers(read.items)["project/s"], {
      ...value,
      extras: { vscode: value.extras!.vscode },
    });
    // Another client sets B itself: it wins, with a note.
    const plan = await write(c, [mcp(c.pscope, "s", { ...value, env: { A: "1", B: "2" } })]);
    assert.deepEqual(plan.notes.map((n) => n.field), ["env.B"]);
    assert.deepEqual(JSON.parse((await c.read(PROJECT))!).servers.s.env, { A: "1", B: "2" });
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
    assert.deepEqual(JSON.parse((await c.read(USER))!), {
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

Deno.test("vscode has user mcp.json and prompts paths for each OS", () => {
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
  const darwin = resolvePaths(manifest, { home: "/h", os: "darwin", env: {} }, ["/p"]);
  assert.equal(darwin.paths.prompts, "/h/Library/Application Support/Code/User/prompts");
  assert.equal(darwin.paths.agents, "/h/.copilot/agents");
  assert.equal(darwin.paths.skills, "/h/.copilot/skills");
  assert.deepEqual(darwin.projects[0].paths, {
    mcp: "/p/.vscode/mcp.json",
    instructions: "/p/.github/copilot-instructions.md",
    prompts: "/p/.github/prompts",
    agents: "/p/.github/agents",
    skills: "/p/.github/skills",
  });
});

const corpus = corpusFiles(CORPUS);

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
const { desiredSet, roundTrip } = generatedServers(
  "vscode",
  text,
  plugin,
  (files) => memoryContext(manifest, files),
);

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

// ---------------------------------------------------------------------------------------------
// Prompt files, custom agents and skills

type CommandItem = Extract<Item, { kind: "command" }>;
type AgentItem = Extract<Item, { kind: "subagent" }>;
type SkillItem = Extract<Item, { kind: "skill" }>;

function command(scope: string, name: string, value: CommandItem["value"]): CommandItem {
  return { kind: "command", scope, name, value };
}

function of(kind: Item["kind"], items: Item[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const i of items) {
    if (i.kind === kind) out[`${i.scope === "user" ? "user" : "project"}/${i.name}`] = i.value;
  }
  return out;
}

const b64 = (s: string | Uint8Array) => btoa(typeof s === "string" ? s : String.fromCharCode(...s));
const PROMPTS = "home/.config/Code/User/prompts";

Deno.test("vscode reads prompt files: names, keys and input variables", async () => {
  await withCase({
    [`${PROMPTS}/explain.prompt.md`]:
      "---\ndescription: Explain the selection\nagent: ask\n---\nExplain ${selection}.\n",
    [`${PROMPTS}/style.instructions.md`]: "---\napplyTo: '**'\n---\nNot a prompt.\n",
    [`${PROMPTS}/legacy.agent.md`]: "---\ndescription: not read here\n---\nx\n",
    "project/.github/prompts/pr.prompt.md": "---\r\nname: review-pr\r\nmode: agent # legacy\r\n" +
      "argument-hint: PR number\r\nmodel: GPT-4o\r\ntools: ['search/codebase']\r\n---\r\n" +
      "Review ${input:arg1:PR number} against ${input:arg2}, for ${input:audience}.\r\n",
    "project/.github/prompts/all.prompt.md":
      "Do ${input:args:what to do}. Literal \\${input:args}.\n",
    "project/.github/prompts/sub/later.prompt.md": "Not listed by VS Code.\n",
  }, async (c) => {
    const read = await noop(c);
    assert.equal(read.errors, undefined);
    assert.deepEqual(of("command", read.items), {
      "user/explain": {
        description: "Explain the selection",
        body: "Explain ${selection}.\n",
        extras: { vscode: { agent: "ask" } },
      },
      "project/review-pr": {
        argumentHint: "PR number",
        body: "Review $ARGUMENTS[0] against $ARGUMENTS[1], for ${input:audience}.\r\n",
        extras: { vscode: { mode: "agent", model: "GPT-4o", tools: ["search/codebase"] } },
      },
      "project/all": { body: "Do $ARGUMENTS. Literal \\${input:args}.\n" },
    });
  });
});

Deno.test("vscode writes $ARGUMENTS as ${input:args}, with notes, and reads it back", async () => {
  await withCase({}, async (c) => {
    const body = "Fix $ARGUMENTS: first $ARGUMENTS[0], third $ARGUMENTS[2]; not \\$ARGUMENTS.\n" +
      "Run !{git status} and read @{README.md}.\n";
    const value = { description: "Fix it", argumentHint: "[issue] [file]", body };
    const plan = await write(c, [command(c.pscope, "fix", value), command("user", "fix", value)]);
    assert.equal(
      await c.read("project/.github/prompts/fix.prompt.md"),
      '---\ndescription: Fix it\nargument-hint: "[issue] [file]"\n---\n\n' +
        "Fix ${input:args}: first ${input:arg1}, third ${input:arg3}; not \\$ARGUMENTS.\n" +
        "Run !{git status} and read @{README.md}.\n",
    );
    assert.equal(
      await c.read(`${PROMPTS}/fix.prompt.md`),
      await c.read("project/.github/prompts/fix.prompt.md"),
    );
    assert.deepEqual(
      plan.notes.filter((n) => n.item.startsWith("command:user")).map((n) => n.message),
      [
        'VS Code has no "$ARGUMENTS": it is written as "${input:args}", an input the model fills ' +
        "from what is typed after the command",
        "VS Code has no positional arguments, only named inputs the model fills from what is typed " +
        'after the command: "$ARGUMENTS[0]" is written as "${input:arg1}", "$ARGUMENTS[2]" is ' +
        'written as "${input:arg3}"',
        'VS Code does not run "!{…}" (Qwen Code\'s shell injection); it stays as text',
        'VS Code does not read "@{…}" (Qwen Code\'s file injection); it stays as text',
      ],
    );
    const read = await noop(c);
    assert.deepEqual(of("command", read.items), { "project/fix": value, "user/fix": value });
    // Text VS Code would read as a placeholder is noted.
    const odd = await plugin.plan(
      { items: [command("user", "odd", { body: "${input:args}\n" })] },
      c.ctx,
    );
    assert.match(odd.notes[0].message, /reads back changed/);
  });
});

Deno.test("vscode keeps a prompt's own spellings, name key and extras when it changes", async () => {
  const file = "---\nname: comp   # the slash command\ndescription: 'Make a component'\n" +
    "agent: agent\ntools: ['edit']\n---\nCreate ${input:args:Component name} now.\n";
  await withCase({ "project/.github/prompts/new-component.prompt.md": file }, async (c) => {
    const read = await noop(c);
    const item = read.items.find((i) => i.kind === "command") as CommandItem;
    assert.equal(item.name, "comp");
    await write(c, [
      command(c.pscope, "comp", {
        ...item.value,
        description: "Make one",
        body: "Create $ARGUMENTS later.\n",
        extras: { ...item.value.extras, claude_code: { "allowed-tools": "Bash" } },
      }),
      command(c.pscope, "git:commit", { body: "x\n" }),
    ]);
    assert.equal(
      await c.read("project/.github/prompts/new-component.prompt.md"),
      file.replace("'Make a component'", "'Make one'").replace(" now.", " later."),
    );
    // A new prompt gets no name key; a namespaced name has no place.
    const plan = await plugin.plan(
      { items: [command(c.pscope, "git:commit", { body: "x\n" })] },
      c.ctx,
    );
    assert.ok(plan.notes.some((n) => /cannot keep a command named "git:commit"/.test(n.message)));
    assert.equal(await c.read("project/.github/prompts/git:commit.prompt.md"), undefined);
  });
});

Deno.test("vscode reports a prompt file that is not YAML and plans nothing for its folder", async () => {
  await withCase({
    "project/.github/prompts/bad.prompt.md":
      '---\ndescription: "unterminated\nagent: ask\n---\nx\n',
    "project/.github/prompts/good.prompt.md": "---\ndescription: fine\n---\nx\n",
  }, async (c) => {
    const read = await plugin.read(c.ctx);
    assert.equal(read.errors?.length, 1);
    const e = read.errors![0];
    assert.equal(e.file, `${c.project}/.github/prompts/bad.prompt.md`);
    assert.ok(e.line && e.line >= 2, JSON.stringify(e));
    assert.deepEqual([e.scopes, e.kinds], [[c.pscope], ["command"]]);
    assert.deepEqual(Object.keys(of("command", read.items)), ["project/good"]);
    const plan = await plugin.plan({
      items: [
        command(c.pscope, "new", { body: "x\n" }),
        command("user", "mine", { body: "x\n" }),
        { kind: "subagent", scope: c.pscope, name: "a", value: { description: "d", body: "x\n" } },
      ],
    }, c.ctx);
    assert.deepEqual(plan.writes.map((w) => w.path.split("/").slice(-2).join("/")).sort(), [
      "agents/a.agent.md",
      "prompts/mine.prompt.md",
    ]);
  });
});

Deno.test("vscode reads custom agents and skills where Copilot CLI does", async () => {
  await withCase({
    "home/.copilot/agents/reviewer.agent.md":
      "---\nname: reviewer\ndescription: Review\ntools: ['read', 'search']\n---\nReview.\n",
    "project/.github/agents/Planner.md": "---\ndescription: Plan\nargument-hint: a feature\n" +
      "handoffs:\n  - label: Go\n    agent: implementer\n---\nPlan.\n",
    "project/.github/agents/README.md": "# docs\n",
    "project/.github/skills/release/SKILL.md": "---\nname: release\ndescription: d\n---\nGo.\n",
  }, async (c) => {
    const read = await noop(c);
    assert.deepEqual(of("subagent", read.items), {
      "user/reviewer": {
        description: "Review",
        tools: ["Read", "Grep", "Glob"],
        body: "Review.\n",
      },
      "project/Planner": {
        description: "Plan",
        body: "Plan.\n",
        extras: {
          vscode: {
            "argument-hint": "a feature",
            handoffs: [{ label: "Go", agent: "implementer" }],
          },
        },
      },
    });
    assert.deepEqual(Object.keys(of("skill", read.items)), ["project/release"]);
  });
});

Deno.test("vscode and copilot_cli plan the same bytes for agents and skills", async () => {
  const copilot = await loadPlugin("copilot_cli");
  const agentFile = "---\n# ours\nname: reviewer\ndescription: 'Review'\ntools: ['read']\n" +
    "target: vscode\nhandoffs:\n  - label: Fix\n    agent: fixer\n---\nReview.\n";
  await withCase({
    "project/.github/agents/reviewer.agent.md": agentFile,
    "project/.github/agents/gone.md": "---\ndescription: to delete\n---\nx\n",
    "home/.copilot/agents/mine.agent.md": "---\ndescription: Mine\ntools: Read, Bash\n---\nx\n",
    "project/.github/skills/old/SKILL.md": "---\nname: old\n---\nold\n",
    "project/.github/skills/old/extra.txt": "goes\n",
  }, async (c) => {
    const theirCtx = contextFor(copilot.manifest, c.home, [c.project]);
    const ours = await plugin.read(c.ctx);
    const theirs = await copilot.plugin.read(theirCtx);
    // The engine's base: one item per key, holding both plugins' extras.
    const base = new Map<string, Item>();
    for (const i of [...ours.items, ...theirs.items]) {
      if (i.kind !== "subagent" && i.kind !== "skill") continue;
      const k = itemKey(i);
      const had = base.get(k);
      const extras = {
        ...(had?.value as AgentItem["value"])?.extras,
        ...(i.value as AgentItem["value"]).extras,
      };
      base.set(
        k,
        { ...i, value: { ...i.value, ...(Object.keys(extras).length ? { extras } : {}) } } as Item,
      );
    }
    assert.deepEqual([...base.keys()].sort(), [
      `skill:${c.pscope}:old`,
      `subagent:${c.pscope}:gone`,
      `subagent:${c.pscope}:reviewer`,
      "subagent:user:mine",
    ]);
    const reviewer = base.get(`subagent:${c.pscope}:reviewer`) as AgentItem;
    const mine = base.get("subagent:user:mine") as AgentItem;
    const old = base.get(`skill:${c.pscope}:old`) as SkillItem;
    const desired: Item[] = [
      {
        ...reviewer,
        value: { ...reviewer.value, description: "Review it", tools: ["Read", "Edit"] },
      },
      {
        ...mine,
        value: { ...mine.value, model: "sonnet", extras: { claude_code: { color: "red" } } },
      },
      {
        kind: "subagent",
        scope: c.pscope,
        name: "new",
        value: { description: "New", tools: ["Bash(git:*)", "mcp__gh__search"], body: "New.\n" },
      },
      {
        ...old,
        value: {
          files: {
            "SKILL.md": {
              base64: b64("---\nname: old\ndescription: now\n---\nold\n"),
              mode: 0o644,
            },
            "bin/tool": { base64: b64(new Uint8Array([0, 255, 1])), mode: 0o755 },
          },
        },
      },
      {
        kind: "skill",
        scope: "user",
        name: "fresh",
        value: { files: { "SKILL.md": { base64: b64("---\nname: fresh\n---\nhi\n") } } },
      },
    ];
    const a = await plugin.plan({ items: desired }, c.ctx);
    const b = await copilot.plugin.plan({ items: desired }, theirCtx);
    const shared = (w: PlanResult["writes"][number]) => /\/(agents|skills)\//.test(w.path);
    const key = (w: PlanResult["writes"][number]) => JSON.stringify(w);
    const ws = a.writes.filter(shared).map(key).sort();
    assert.deepEqual(ws, b.writes.filter(shared).map(key).sort());
    assert.equal(ws.length, 8);
    // Same notes too, but for the client's name (and Copilot CLI's own about descriptions).
    const msgs = (p: PlanResult) =>
      p.notes.filter((n) => !/^(command|mcp|instructions)/.test(n.item))
        .map((n) => `${n.item} ${n.message.replace(/^(VS Code|Copilot CLI)/, "X")}`);
    assert.deepEqual(msgs(a), msgs(b));
    await c.apply(a);
    assert.equal(
      await c.read("project/.github/agents/reviewer.agent.md"),
      agentFile.replace("'Review'", "'Review it'").replace("['read']", "[read, edit]"),
    );
    // Both read back the same items from what was written.
    const back = (r: { items: Item[] }) =>
      r.items.filter((i) => i.kind === "subagent" || i.kind === "skill").map((i) => {
        const { extras: _, ...value } = i.value as AgentItem["value"];
        return [itemKey(i), value];
      });
    assert.deepEqual(
      back(await plugin.read(c.ctx)),
      back(await copilot.plugin.read(theirCtx)),
    );
  });
});
