import assert from "node:assert/strict";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import {
  type Context,
  type Item,
  type McpServer,
  parseJsonc,
  type PlanResult,
} from "../_contract.ts";

runConformance("cursor");

const { manifest, plugin } = await loadPlugin("cursor");
const CORPUS = new URL("../../../shared/corpus/", import.meta.url).pathname;

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function setup(files: Record<string, string> = {}) {
  const root = await Deno.makeTempDir({ prefix: "aisync-cursor-" });
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
    home,
    project,
    ctx,
    user: `${home}/.cursor/mcp.json`,
    proj: `${project}/.cursor/mcp.json`,
    agents: `${project}/AGENTS.md`,
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

function entries(text: string): Record<string, Record<string, unknown>> {
  const data = parseJsonc(text.replace(/^\uFEFF/, ""), "t", { comments: true });
  return (data as { mcpServers: Record<string, Record<string, unknown>> }).mcpServers;
}

async function changes(ctx: Context, items: Item[]) {
  const plan = await plugin.plan({ items }, ctx);
  const changed = [];
  for (const w of plan.writes) {
    const now = await Deno.readTextFile(w.path).catch(() => undefined);
    if (now !== (w.content ?? undefined)) changed.push(w.path);
  }
  return changed;
}

Deno.test("cursor reads ${env:VAR} as ${VAR} and writes it back in Cursor's syntax", async () => {
  const text = JSON.stringify(
    {
      mcpServers: {
        s: {
          command: "${userHome}/bin/srv",
          args: ["--token=${env:TOKEN}", "${workspaceFolder}", "$HOME", "${PLAIN}"],
          env: { A: "${env:A_KEY}", B: "literal" },
        },
        r: { url: "https://${env:HOST}/mcp", headers: { Authorization: "Bearer ${env:TOKEN}" } },
      },
    },
    null,
    2,
  );
  await using t = await setup({ "home/.cursor/mcp.json": text });
  const { items } = await plugin.read(t.ctx);
  assert.deepEqual(server(items, "s"), {
    transport: "stdio",
    command: "${userHome}/bin/srv",
    args: ["--token=${TOKEN}", "${workspaceFolder}", "$HOME", "${PLAIN}"],
    env: { A: "${A_KEY}", B: "literal" },
  });
  assert.deepEqual(server(items, "r"), {
    transport: "http",
    url: "https://${HOST}/mcp",
    headers: { Authorization: "Bearer ${TOKEN}" },
  });
  assert.deepEqual(await changes(t.ctx, items), []);

  // New values: references become ${env:…}; Cursor's own variables stay; defaults are noted.
  await using u = await setup();
  const plan = await plugin.plan({
    items: [mcp("user", "n", {
      transport: "stdio",
      command: "${workspaceFolder}/run",
      args: ["${TOKEN}", "${MODE:-fast}", "$HOME", "${env:LITERAL}"],
      env: { K: "x${KEY}y" },
    })],
  }, u.ctx);
  assert.deepEqual(entries(plan.writes[0].content!).n, {
    command: "${workspaceFolder}/run",
    args: ["${env:TOKEN}", "${env:MODE}", "$HOME", "${env:LITERAL}"],
    env: { K: "x${env:KEY}y" },
  });
  assert.deepEqual(plan.notes.map((n) => `${n.field}: ${n.message}`), [
    'args: Cursor has no default values for environment variables; "${MODE:-fast}" is written ' +
    "without its default",
    'args: "${env:LITERAL}" is literal text, but Cursor replaces it with an environment variable',
  ]);
});

Deno.test("cursor writes stdio and remote servers the way Cursor documents them", async () => {
  await using t = await setup();
  const items = [
    mcp("user", "fs", {
      transport: "stdio",
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
      env: { FOO: "bar" },
    }),
    mcp("user", "remote", {
      transport: "http",
      url: "http://127.0.0.1:9/mcp",
      headers: { Authorization: "Bearer abc" },
    }),
    mcp(t.pscope, "p", { transport: "stdio", command: "p" }),
  ];
  const plan = await plugin.plan({ items }, t.ctx);
  assert.deepEqual(plan.notes, []);
  const user = plan.writes.find((w) => w.path === t.user)!.content!;
  assert.equal(
    user,
    JSON.stringify(
      {
        mcpServers: {
          fs: {
            command: "npx",
            args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
            env: { FOO: "bar" },
          },
          remote: { url: "http://127.0.0.1:9/mcp", headers: { Authorization: "Bearer abc" } },
        },
      },
      null,
      2,
    ) + "\n",
  );
  await apply(plan);
  assert.deepEqual((await plugin.read(t.ctx)).items, items);
});

Deno.test("cursor reads Claude-style type and keeps it", async () => {
  await using t = await setup({
    "project/.cursor/mcp.json": JSON.stringify({
      mcpServers: {
        s: { type: "stdio", command: "s" },
        h: { type: "http", url: "http://h" },
        e: { type: "sse", url: "http://e" },
        both: { type: "stdio", command: "c", url: "http://c" },
        urlWins: { command: "c", url: "http://u" },
        odd: { type: "streamable-http", url: "http://o" },
        none: { name: "no url, no command" },
      },
    }),
  });
  const { items } = await plugin.read(t.ctx);
  const ex = (extras: Record<string, unknown>) => ({ cursor: extras });
  assert.deepEqual(items.map((i) => [i.name, (i.value as McpServer).transport]), [
    ["s", "stdio"],
    ["h", "http"],
    ["e", "sse"],
    ["both", "stdio"],
    ["urlWins", "http"],
    ["odd", "http"],
  ]);
  assert.deepEqual(server(items, "both")?.extras, ex({ url: "http://c" }));
  assert.deepEqual(server(items, "urlWins")?.extras, ex({ command: "c" }));
  assert.deepEqual(server(items, "odd")?.extras, ex({ type: "streamable-http" }));
  assert.deepEqual(await changes(t.ctx, items), []);
  // Changing them keeps their type; the entry with neither url nor command stays.
  const moved = items.map((i) =>
    i.kind === "mcp"
      ? {
        ...i,
        value: i.value.url
          ? { ...i.value, url: i.value.url + "/2" }
          : { ...i.value, command: i.value.command + "2" },
      }
      : i
  );
  const plan = await plugin.plan({ items: moved }, t.ctx);
  assert.deepEqual(plan.notes, []);
  const out = entries(plan.writes[0].content!);
  assert.deepEqual(out.s, { type: "stdio", command: "s2" });
  assert.deepEqual(out.e, { type: "sse", url: "http://e/2" });
  assert.deepEqual(out.both, { type: "stdio", command: "c2", url: "http://c" });
  assert.deepEqual(out.none, { name: "no url, no command" });
  await apply(plan);
  assert.deepEqual((await plugin.read(t.ctx)).items, moved);
});

Deno.test("cursor notes what mcp.json cannot hold", async () => {
  await using t = await setup();
  const plan = await plugin.plan({
    items: [
      mcp("user", "r", {
        transport: "sse",
        url: "http://r/sse",
        enabled: false,
        toolTimeoutMs: 5,
        tools: { deny: ["x"] },
        oauth: { clientId: "c" },
      }),
      mcp("user", "s", { transport: "stdio", command: "s", cwd: "/w", headers: { A: "1" } }),
      { kind: "instructions", scope: "user", name: "main", value: { text: "x" } },
    ],
  }, t.ctx);
  assert.deepEqual(entries(plan.writes[0].content!), {
    r: { url: "http://r/sse" },
    s: { command: "s" },
  });
  assert.deepEqual(plan.notes.map((n) => `${n.item} ${n.field ?? ""}`), [
    "mcp:user:r transport",
    "mcp:user:r enabled",
    "mcp:user:r toolTimeoutMs",
    "mcp:user:r tools",
    "mcp:user:r oauth",
    "mcp:user:s cwd",
    "mcp:user:s headers",
    "instructions:user:main ",
  ]);
  // An unchanged entry that should be off still gets its note.
  await apply(plan);
  const again = await plugin.plan({
    items: [mcp("user", "s", { transport: "stdio", command: "s", enabled: false })],
  }, t.ctx);
  assert.deepEqual(again.notes.map((n) => n.field), ["enabled"]);
});

Deno.test("cursor keeps the project's AGENTS.md byte for byte", async () => {
  await using t = await setup({ "project/AGENTS.md": "# old\r\n" });
  const { items } = await plugin.read(t.ctx);
  assert.deepEqual(items, [{
    kind: "instructions",
    scope: t.pscope,
    name: "main",
    value: { text: "# old\r\n" },
  }]);
  assert.deepEqual(await changes(t.ctx, items), []);
  const plan = await plugin.plan({ items: [] }, t.ctx);
  assert.deepEqual(plan.writes, [{ path: t.agents, content: null }]);
});

Deno.test("cursor keeps a byte order mark, comments and tabs", async () => {
  const text =
    '\uFEFF{\n\t// mine\n\t"mcpServers": {\n\t\t"a": {"command": "a"} // tail\n\t},\n\t"x": 1,\n}\n';
  await using t = await setup({ "home/.cursor/mcp.json": text });
  const { items, errors } = await plugin.read(t.ctx);
  assert.equal(errors, undefined);
  const plan = await plugin.plan({
    items: [...items, mcp("user", "b", { transport: "http", url: "http://b" })],
  }, t.ctx);
  const out = plan.writes[0].content!;
  assert.ok(
    out.startsWith('\uFEFF{\n\t// mine\n\t"mcpServers": {\n\t\t"a": {"command": "a"}, // tail'),
  );
  assert.ok(out.endsWith('\t},\n\t"x": 1,\n}\n'));
  assert.deepEqual(entries(out).b, { url: "http://b" });
});

Deno.test("cursor reports files it cannot read, and never plans them", async () => {
  for (const text of ['{"mcpServers": {"a": {"command": "a"}', "[]", '{"mcpServers": 5}']) {
    await using t = await setup({ "project/.cursor/mcp.json": text });
    const { errors } = await plugin.read(t.ctx);
    assert.equal(errors?.length, 1, text);
    assert.equal(errors![0].file, t.proj);
    assert.deepEqual(errors![0].scopes, [t.pscope]);
    const plan = await plugin.plan({
      items: [mcp(t.pscope, "n", { transport: "stdio", command: "n" })],
    }, t.ctx);
    assert.deepEqual(plan.writes, []);
  }
});

Deno.test("cursor reads every corpus file, and plan(read) writes nothing", async (t) => {
  const files: string[] = [];
  try {
    for (const dir of Deno.readDirSync(CORPUS)) {
      if (!dir.isDirectory) continue;
      for (const f of Deno.readDirSync(`${CORPUS}${dir.name}`)) {
        if (/\.(json|jsonc|md)$/.test(f.name)) files.push(`${dir.name}/${f.name}`);
      }
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  for (const file of files.sort()) {
    await t.step(file, async () => {
      const text = await Deno.readTextFile(`${CORPUS}${file}`);
      const md = file.endsWith(".md");
      await using s = await setup(
        md
          ? { "project/AGENTS.md": text }
          : { "home/.cursor/mcp.json": text, "project/.cursor/mcp.json": text },
      );
      const read = await plugin.read(s.ctx);
      for (const e of read.errors ?? []) {
        assert.ok(e.file === s.user || e.file === s.proj, e.file);
        assert.ok(e.message.includes(e.file));
      }
      if (file.startsWith("cursor/")) {
        assert.equal(read.errors, undefined);
        assert.ok(read.items.length > 0);
      }
      assert.deepEqual(await changes(s.ctx, read.items), []);
    });
  }
});

Deno.test("cursor reads the corpus file with ${env:VAR} and registry keys", async () => {
  const file = `${CORPUS}cursor/AlbanAndrieu__fastapi-sample__.cursor__mcp.json`;
  const text = await Deno.readTextFile(file).catch(() => undefined);
  if (text === undefined) return; // the corpus is not part of every checkout
  await using t = await setup({ "project/.cursor/mcp.json": text });
  const { items } = await plugin.read(t.ctx);
  const gh = server(items, "io.github.github/github-mcp-server");
  assert.equal(gh?.env?.GITHUB_PERSONAL_ACCESS_TOKEN, "${GITHUB_TOKEN}");
  assert.deepEqual(gh?.extras, {
    cursor: { gallery: "https://api.mcp.github.com", version: "0.29.0" },
  });
  assert.equal(server(items, "grafana-readonly")?.env?.GRAFANA_PASSWORD, "${GRAFANA_PASSWORD}");
});
