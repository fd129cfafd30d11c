import assert from "node:assert/strict";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import {
  type Context,
  type Item,
  itemKey,
  type McpServer,
  parseJsonc,
  type PlanResult,
} from "../_contract.ts";

runConformance("amp");

const { manifest, plugin } = await loadPlugin("amp");
const TESTDATA = new URL("testdata/", import.meta.url).pathname;
const USER = "home/.config/amp/settings.json";
const PROJ = "project/.amp/settings.json";

/**
 * The real Amp CLI (npm `@ampcode/cli` + `@ampcode/cli-linux-x64`), when it is named by
 * `AISYNC_AMP_BIN` or installed next to the other pinned clients (the platform package's binary
 * first: `@ampcode/cli`'s own `bin/amp.exe` is a stub until its postinstall script has run).
 */
const CLIENTS = Deno.env.get("AISYNC_CLIENTS_BIN") ??
  "/root/.cache/aisync-ci/clients/node_modules/.bin";
const AMP = await firstFile([
  Deno.env.get("AISYNC_AMP_BIN"),
  `${CLIENTS}/../@ampcode/cli-linux-x64/amp`,
  `${CLIENTS}/amp`,
]);
const HAVE_AMP = AMP !== undefined;

async function firstFile(paths: (string | undefined)[]): Promise<string | undefined> {
  for (const p of paths) {
    // The stub is a few hundred bytes; the real binary is a compiled Bun executable.
    if (p && await Deno.stat(p).then((s) => s.isFile && s.size > 1 << 20, () => false)) return p;
  }
  return undefined;
}

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function setup(files: Record<string, string> = {}) {
  const root = await Deno.makeTempDir({ prefix: "aisync-amp-" });
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
    ctx,
    home,
    project,
    pscope: `project:${project}`,
    path: (rel: string) => `${root}/${rel}`,
    read: (rel: string) => Deno.readTextFile(`${root}/${rel}`).catch(() => undefined),
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}

async function testdata(name: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, rel: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(`${dir}/${e.name}`, `${rel}${e.name}/`);
      else if (e.name !== ".gitkeep") {
        out[rel + e.name] = await Deno.readTextFile(`${dir}/${e.name}`);
      }
    }
  };
  await walk(`${TESTDATA}${name}`, "");
  return out;
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

function mcp(name: string, value: McpServer, scope = "user"): Item {
  return { kind: "mcp", scope, name, value };
}

function byName(items: Item[], scope = "user"): Record<string, McpServer> {
  return Object.fromEntries(
    items.flatMap((i) => i.kind === "mcp" && i.scope === scope ? [[i.name, i.value]] : []),
  );
}

function servers(text: string): Record<string, unknown> {
  const data = parseJsonc(text, "t", { comments: true }) as Record<string, unknown>;
  return data["amp.mcpServers"] as Record<string, unknown>;
}

async function noop(ctx: Context) {
  const read = await plugin.read(ctx);
  const plan = await plugin.plan({ items: read.items }, ctx);
  for (const w of plan.writes) {
    assert.equal(w.content, await ctx.files.read(w.path), `plan of read rewrote ${w.path}`);
  }
  return read;
}

/** Runs the real `amp` with only a temp home in its environment. */
async function amp(home: string, cwd: string, ...args: string[]) {
  const out = await new Deno.Command(AMP!, {
    args,
    cwd,
    clearEnv: true,
    env: { HOME: home, PATH: "/usr/bin:/bin", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, `amp ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return text;
}

Deno.test("amp resolves its files under XDG_CONFIG_HOME", () => {
  const ctx = contextFor(manifest, "/h", [], { XDG_CONFIG_HOME: "/x" });
  assert.equal(ctx.paths.settings, "/x/amp/settings.json");
  assert.equal(ctx.paths.instructions, "/x/amp/AGENTS.md");
});

Deno.test("amp reads amp.mcpServers and AGENTS.md of both scopes", async () => {
  await using env = await setup(await testdata("typical"));
  const read = await noop(env.ctx);
  assert.deepEqual(byName(read.items), {
    context7: {
      transport: "stdio",
      command: "npx",
      args: ["-y", "@upstash/context7-mcp"],
      env: { CONTEXT7_API_KEY: "${CONTEXT7_API_KEY}" },
    },
    sourcegraph: {
      transport: "http",
      url: "https://sourcegraph.example.com/.api/mcp/v1",
      headers: { Authorization: "token ${SRC_ACCESS_TOKEN}" },
    },
  });
  assert.deepEqual(Object.keys(byName(read.items, env.pscope)), ["playwright"]);
  assert.deepEqual(
    read.items.filter((i) => i.kind === "instructions").map((i) => i.scope),
    ["user", env.pscope],
  );
});

Deno.test("amp keeps settings.jsonc, comments and unmapped keys", async () => {
  await using env = await setup(await testdata("odd"));
  const read = await noop(env.ctx);
  assert.deepEqual(byName(read.items), {
    "chrome-devtools": {
      transport: "stdio",
      command: "npx",
      args: ["-y", "chrome-devtools-mcp@latest"],
      extras: { amp: { includeTools: ["navigate_page", "take_screenshot"], cwd: "/tmp" } },
    },
    "off-by-hand": {
      transport: "stdio",
      command: "srv",
      extras: { amp: { disabled: true } },
    },
    linear: {
      transport: "http",
      url: "https://mcp.linear.app/sse",
      extras: {
        amp: {
          transport: "sse",
          oauth: { clientId: "x", authUrl: "https://a", tokenUrl: "https://t" },
        },
      },
    },
  });
  assert.deepEqual(byName(read.items, env.pscope), {
    tabbed: { transport: "stdio", command: "t" },
  });
  // A new server goes into settings.jsonc (the file Amp reads), in its tab indentation.
  await apply(
    await plugin.plan({
      items: [
        ...read.items,
        mcp("new", { transport: "stdio", command: "n" }, env.pscope),
        mcp("two", { transport: "stdio", command: "m", args: ["a"] }),
      ],
    }, env.ctx),
  );
  assert.equal(await env.read(USER), undefined);
  const jsonc = (await env.read("home/.config/amp/settings.jsonc"))!;
  assert.ok(jsonc.includes("// settings.jsonc is read when there is no settings.json"));
  assert.ok(jsonc.includes('"includeTools": ["navigate_page", "take_screenshot"], // only'));
  assert.deepEqual(servers(jsonc).two, { command: "m", args: ["a"] });
  assert.ok((await env.read(PROJ))!.includes('\t\t"new": {\n\t\t\t"command": "n"\n\t\t}'));
});

Deno.test("amp leaves out a server that should be off, and notes what it cannot say", async () => {
  await using env = await setup(await testdata("typical"));
  const read = await noop(env.ctx);
  const items = read.items.map((i) =>
    i.kind === "mcp" && i.name === "context7" ? { ...i, value: { ...i.value, enabled: false } } : i
  );
  const extra = [
    mcp("events", { transport: "sse", url: "http://127.0.0.1:1/sse" }),
    mcp("local", {
      transport: "stdio",
      command: "srv",
      args: ["--key=${KEY:-dev}"],
      cwd: "/srv",
      tools: { allow: ["a"] },
    }),
  ];
  const plan = await plugin.plan({ items: [...items, ...extra] }, env.ctx);
  assert.deepEqual(plan.notes.map((n) => [n.item, n.field]), [
    ["mcp:user:context7", "enabled"],
    [itemKey(extra[0]), "transport"],
    [itemKey(extra[1]), "cwd"],
    [itemKey(extra[1]), "tools"],
    [itemKey(extra[1]), "args[0]"],
  ]);
  await apply(plan);
  const after = (await env.read(USER))!;
  assert.deepEqual(servers(after), {
    sourcegraph: {
      url: "https://sourcegraph.example.com/.api/mcp/v1",
      headers: { Authorization: "token ${SRC_ACCESS_TOKEN}" },
    },
    events: { url: "http://127.0.0.1:1/sse" },
    local: { command: "srv", args: ["--key=${KEY:-dev}"] },
  });
  assert.ok(after.includes('"amp.permissions": [\n    {\n      "tool": "Bash",'));
});

Deno.test("amp reports broken settings with a line and never plans them", async () => {
  for (const [name, rel] of [["broken_jsonc", USER], ["broken_shape", PROJ]]) {
    await using env = await setup(await testdata(name));
    const read = await plugin.read(env.ctx);
    assert.equal(read.errors?.length, 1, name);
    assert.equal(read.errors![0].file, env.path(rel));
    assert.ok(read.errors![0].line, `${name}: a line`);
    const scope = rel === USER ? "user" : env.pscope;
    const plan = await plugin.plan({
      items: [mcp("n", { transport: "stdio", command: "x" }, scope)],
    }, env.ctx);
    assert.ok(!plan.writes.some((w) => w.path === env.path(rel)), name);
  }
});

Deno.test({
  name: "amp: a new file is byte for byte what `amp mcp add` writes, and aisync reads it",
  ignore: !HAVE_AMP,
  fn: async () => {
    await using real = await setup();
    await amp(
      real.home,
      real.project,
      ...["mcp", "add", "ctx7", "--env", "API_KEY=${MY_KEY}", "--env", "LEVEL=3", "--"],
      ...["npx", "-y", "@upstash/context7-mcp", "x y"],
    );
    await amp(
      real.home,
      real.project,
      ...["mcp", "add", "sg", "--header", "Authorization=token ${TOKEN}"],
      "https://sourcegraph.example.com/.api/mcp/v1",
    );
    await amp(real.home, real.project, "mcp", "add", "ws", "--workspace", "--", "/bin/true", "-v");
    const read = await noop(real.ctx);
    assert.deepEqual(byName(read.items), {
      ctx7: {
        transport: "stdio",
        command: "npx",
        args: ["-y", "@upstash/context7-mcp", "x y"],
        env: { API_KEY: "${MY_KEY}", LEVEL: "3" },
      },
      sg: {
        transport: "http",
        url: "https://sourcegraph.example.com/.api/mcp/v1",
        headers: { Authorization: "token ${TOKEN}" },
      },
    });
    assert.deepEqual(byName(read.items, real.pscope), {
      ws: { transport: "stdio", command: "/bin/true", args: ["-v"] },
    });
    // The same servers planned into an empty home: the same bytes.
    await using ours = await setup();
    const moved = read.items.map((i) => i.scope === "user" ? i : { ...i, scope: ours.pscope });
    await apply(await plugin.plan({ items: moved }, ours.ctx));
    assert.equal(await ours.read(USER), await real.read(USER));
    assert.equal(await ours.read(PROJ), await real.read(PROJ));
  },
});

Deno.test({
  name: "amp: `amp mcp list --json` lists exactly what aisync wrote",
  ignore: !HAVE_AMP,
  fn: async () => {
    await using env = await setup(await testdata("odd"));
    const read = await plugin.read(env.ctx);
    const items = [
      ...read.items.filter((i) => i.kind === "mcp" && i.name !== "off-by-hand"),
      mcp("added", { transport: "stdio", command: "/bin/true", env: { A: "${B}" } }),
      mcp("remote", { transport: "http", url: "http://127.0.0.1:9/mcp", headers: { X: "1" } }),
      mcp("proj", { transport: "stdio", command: "/bin/echo", args: ["hi"] }, env.pscope),
    ];
    await apply(await plugin.plan({ items }, env.ctx));
    const listed = JSON.parse(await amp(env.home, env.project, "mcp", "list", "--json")) as {
      name: string;
      source: string;
      spec: Record<string, unknown>;
    }[];
    const got = Object.fromEntries(listed.map((s) => [`${s.source}:${s.name}`, s.spec]));
    const want: Record<string, unknown> = {};
    const back = await plugin.read(env.ctx);
    for (const f of [["global", "home/.config/amp/settings.jsonc"], ["workspace", PROJ]]) {
      for (const [name, spec] of Object.entries(servers((await env.read(f[1]))!))) {
        want[`${f[0]}:${name}`] = spec;
      }
    }
    assert.deepEqual(got, want);
    // Entries with neither a command nor a url ("nothing") are listed by Amp but start nothing;
    // aisync leaves them alone and does not read them.
    const servable = Object.keys(got).filter((k) => {
      const spec = got[k] as Record<string, unknown>;
      return typeof spec.command === "string" || typeof spec.url === "string";
    });
    assert.deepEqual(
      servable.sort(),
      back.items.filter((i) => i.kind === "mcp").map((i) =>
        `${i.scope === "user" ? "global" : "workspace"}:${i.name}`
      ).sort(),
    );
  },
});
