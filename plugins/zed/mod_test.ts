import assert from "node:assert/strict";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import {
  applyPlan as apply,
  assertNoop,
  caseFiles,
  copiedCase,
  failingList as failing,
  PNG,
  skillItem as skill,
  skillMd,
  tempCase,
  toBase64 as b64,
} from "../_test_helpers.ts";
import {
  type Context,
  type Item,
  itemKey,
  type McpServer,
  parseJsonc,
  type PlanResult,
} from "../_contract.ts";

runConformance("zed");

const { manifest, plugin } = await loadPlugin("zed");
const TESTDATA = new URL("testdata/", import.meta.url).pathname;
const USER = "home/.config/zed/settings.json";
const PROJ = "project/.zed/settings.json";

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
const setup = (files: Record<string, string> = {}) => tempCase(manifest, files);
const testdata = (name: string) => caseFiles(`${TESTDATA}${name}`);
const useCase = (name: string) => copiedCase(manifest, `${TESTDATA}${name}`);
const noop = (ctx: Context) => assertNoop(plugin, ctx);

type SkillItem = Extract<Item, { kind: "skill" }>;

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
  return data.context_servers as Record<string, unknown>;
}

Deno.test("zed resolves its settings file per OS", () => {
  assert.equal(contextFor(manifest, "/h", []).paths.settings, "/h/.config/zed/settings.json");
  const xdg = contextFor(manifest, "/h", [], { XDG_CONFIG_HOME: "/x" });
  assert.equal(xdg.paths.settings, "/x/zed/settings.json");
});

Deno.test("zed reads context_servers and leaves extension entries alone", async () => {
  await using env = await setup(await testdata("typical"));
  const read = await noop(env.ctx);
  assert.deepEqual(byName(read.items), {
    filesystem: {
      transport: "stdio",
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/code"],
    },
    github: {
      transport: "http",
      url: "https://api.githubcopilot.com/mcp/",
      headers: { Authorization: "Bearer ghp_example" },
    },
  });
  assert.deepEqual(byName(read.items, env.pscope), {
    docs: {
      transport: "stdio",
      command: "uvx",
      args: ["docs-mcp", "--root", "."],
      toolTimeoutMs: 90000,
      enabled: false,
    },
  });
  // Removing every server keeps the extension's entry and every other setting.
  const before = (await env.read(USER))!;
  await apply(await plugin.plan({ items: [] }, env.ctx));
  const after = (await env.read(USER))!;
  assert.deepEqual(Object.keys(servers(after)), ["postgres-context-server"]);
  assert.ok(after.startsWith(before.slice(0, before.indexOf('"context_servers"'))));
});

Deno.test("zed writes new entries in Zed's shape, with args always there", async () => {
  await using env = await setup();
  const plan = await plugin.plan({
    items: [
      mcp("bare", { transport: "stdio", command: "/bin/srv" }),
      mcp("full", {
        transport: "stdio",
        command: "npx",
        args: ["-y", "pkg"],
        env: { A: "1" },
        toolTimeoutMs: 30000,
        enabled: false,
      }),
      mcp("web", {
        transport: "http",
        url: "https://x.example/mcp",
        headers: { X: "1" },
        oauth: { clientId: "cid" },
      }),
    ],
  }, env.ctx);
  assert.deepEqual(plan.notes, []);
  await apply(plan);
  const text = (await env.read(USER))!;
  assert.deepEqual(servers(text), {
    bare: { source: "custom", command: "/bin/srv", args: [] },
    full: {
      source: "custom",
      command: "npx",
      args: ["-y", "pkg"],
      env: { A: "1" },
      timeout: 30,
      enabled: false,
    },
    web: {
      source: "custom",
      url: "https://x.example/mcp",
      headers: { X: "1" },
      oauth: { client_id: "cid" },
    },
  });
  const back = byName((await plugin.read(env.ctx)).items);
  assert.deepEqual(back.bare, { transport: "stdio", command: "/bin/srv" });
  assert.equal(back.full.toolTimeoutMs, 30000);
});

Deno.test("zed keeps comments, trailing commas, the older command shape and extras", async () => {
  await using env = await setup(await testdata("odd"));
  const read = await noop(env.ctx);
  assert.deepEqual(byName(read.items), {
    legacy: {
      transport: "stdio",
      command: "/usr/local/bin/legacy-mcp",
      args: ["serve"],
      env: { LOG: "1" },
      extras: { zed: { settings: {} } },
    },
    "remote-dev": {
      transport: "stdio",
      command: "srv",
      extras: { zed: { remote: true } },
    },
    oauthy: {
      transport: "http",
      url: "https://mcp.example.com/mcp",
      toolTimeoutMs: 30000,
      oauth: { clientId: "zed-client" },
      extras: { zed: { oauth: { client_secret: "s3cret" } } },
    },
  });
  const items = read.items.map((i) => {
    if (i.kind !== "mcp" || i.scope !== "user") return i;
    if (i.name === "legacy") return { ...i, value: { ...i.value, args: ["serve", "--fast"] } };
    if (i.name === "oauthy") return { ...i, value: { ...i.value, oauth: { clientId: "new" } } };
    return i;
  });
  const before = (await env.read(USER))!;
  await apply(await plugin.plan({ items }, env.ctx));
  const after = (await env.read(USER))!;
  assert.equal(
    after,
    before.replace('"args": ["serve"]', '"args": ["serve", "--fast"]')
      .replace('"client_id": "zed-client"', '"client_id": "new"'),
  );
});

Deno.test("zed notes what it cannot express", async () => {
  await using env = await setup();
  const items = [
    mcp("events", { transport: "sse", url: "http://127.0.0.1:1/sse?k=${KEY}" }),
    mcp("local", {
      transport: "stdio",
      command: "srv",
      env: { TOKEN: "${TOKEN}" },
      cwd: "/srv",
      toolTimeoutMs: 1500,
      tools: { deny: ["x"] },
    }),
    { kind: "instructions", scope: "user", name: "main", value: { text: "# mine\n" } } as Item,
  ];
  const plan = await plugin.plan({ items }, env.ctx);
  assert.deepEqual(plan.notes.map((n) => [n.item, n.field]), [
    [itemKey(items[0]), "transport"],
    [itemKey(items[0]), "url"],
    [itemKey(items[1]), "cwd"],
    [itemKey(items[1]), "toolTimeoutMs"],
    [itemKey(items[1]), "tools"],
    [itemKey(items[1]), "env.TOKEN"],
    [itemKey(items[2]), undefined],
  ]);
  await apply(plan);
  assert.deepEqual(servers((await env.read(USER))!), {
    events: { source: "custom", url: "http://127.0.0.1:1/sse?k=${KEY}" },
    local: { source: "custom", command: "srv", args: [], env: { TOKEN: "${TOKEN}" }, timeout: 2 },
  });
});

Deno.test("zed: a desired server never replaces an extension's entry of that name", async () => {
  await using env = await setup(await testdata("typical"));
  const read = await noop(env.ctx);
  const item = mcp("postgres-context-server", { transport: "stdio", command: "pg-mcp" });
  const plan = await plugin.plan({ items: [...read.items, item] }, env.ctx);
  assert.deepEqual(plan.writes, []);
  assert.deepEqual(plan.notes.map((n) => n.item), [itemKey(item)]);
});

Deno.test("zed writes AGENTS.md and says when Zed reads an earlier rules file", async () => {
  await using env = await setup(await testdata("odd"));
  const read = await noop(env.ctx);
  const memory = read.items.find((i) => i.kind === "instructions")!;
  assert.equal(memory.scope, env.pscope);
  const plan = await plugin.plan({ items: read.items }, env.ctx);
  assert.deepEqual(plan.notes.map((n) => n.item), [itemKey(memory)]);
  assert.match(plan.notes[0].message, /\.rules instead of AGENTS\.md/);
  // Same text in the earlier file: Zed sees it, no note.
  await Deno.writeTextFile(env.path("project/.rules"), "# Agents\n");
  assert.deepEqual((await plugin.plan({ items: read.items }, env.ctx)).notes, []);
});

Deno.test("zed reports broken settings with a line and never plans them", async () => {
  for (const [name, rel] of [["broken_jsonc", USER], ["broken_shape", PROJ]]) {
    await using env = await setup(await testdata(name));
    const read = await plugin.read(env.ctx);
    assert.equal(read.errors?.length, 1, name);
    assert.equal(read.errors![0].file, env.path(rel));
    assert.ok(read.errors![0].line, `${name}: a line`);
    assert.deepEqual(read.errors![0].kinds, ["mcp"]);
    const scope = rel === USER ? "user" : env.pscope;
    const plan = await plugin.plan({
      items: [mcp("n", { transport: "stdio", command: "x" }, scope)],
    }, env.ctx);
    assert.ok(!plan.writes.some((w) => w.path === env.path(rel)), name);
  }
});

// ---------------------------------------------------------------------------------------------
// Skills

function skills(items: Item[], scope: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const i of items) {
    if (i.kind !== "skill" || i.scope !== scope) continue;
    out[i.name] = Object.fromEntries(
      Object.entries(i.value.files).map(([rel, f]) => [rel, atob(f.base64)]),
    );
  }
  return out;
}

Deno.test("zed declares skills only: no command or subagent files", () => {
  assert.deepEqual(manifest.kinds, ["mcp", "instructions", "skill"]);
  const ctx = contextFor(manifest, "/h", ["/p"]);
  assert.equal(ctx.paths.skills, "/h/.agents/skills");
  assert.equal(ctx.projects[0].paths.skills, "/p/.agents/skills");
});

Deno.test("zed reads the skills of both scopes byte for byte, and plan(read) writes nothing", async () => {
  await using t = await useCase("typical");
  const read = await plugin.read(t.ctx);
  assert.equal(read.errors, undefined);
  const user = skills(read.items, "user");
  assert.deepEqual(Object.keys(user), ["review-pr"]);
  assert.deepEqual(Object.keys(user["review-pr"]).sort(), ["SKILL.md", "scripts/check.sh"]);
  const proj = read.items.find((i) => i.kind === "skill" && i.scope === t.pscope) as SkillItem;
  assert.equal(proj.name, "release-notes");
  assert.equal(
    proj.value.files["assets/logo.png"].base64,
    b64(
      await Deno.readFile(
        `${t.project}/.agents/skills/release-notes/assets/logo.png`,
      ),
    ),
  );
  const plan = await plugin.plan({ items: read.items }, t.ctx);
  assert.deepEqual(plan.writes, []);
  assert.deepEqual(plan.notes, []);
});

Deno.test("zed skips what it would not load, and keeps odd bytes as they are", async () => {
  await using t = await useCase("odd");
  const read = await plugin.read(t.ctx);
  assert.equal(read.errors, undefined);
  // Bad_Name (an invalid name), a loose README, a folder without SKILL.md, a nested skill.
  assert.deepEqual(Object.keys(skills(read.items, "user")), []);
  const proj = skills(read.items, t.pscope);
  assert.deepEqual(Object.keys(proj), ["db-migrate"]);
  // BOM, CRLF, a comment and unknown frontmatter keys: a byte copy keeps them all.
  assert.equal(
    proj["db-migrate"]["SKILL.md"],
    atob(b64(await Deno.readFile(`${t.project}/.agents/skills/db-migrate/SKILL.md`))),
  );
  assert.ok(proj["db-migrate"]["SKILL.md"].includes("x-custom: [a, b]\r\n"));
  assert.deepEqual((await plugin.plan({ items: read.items }, t.ctx)).writes, []);
  // A desired skill of a name Zed refuses is not written, with a note.
  const bad = skill("user", "Bad_Name", { "SKILL.md": skillMd("Bad_Name") });
  const plan = await plugin.plan({ items: [...read.items, bad] }, t.ctx);
  assert.deepEqual(plan.writes, []);
  const notes = plan.notes.filter((n) => n.item.startsWith("skill:"));
  assert.deepEqual(notes.map((n) => n.item), [itemKey(bad)]);
  assert.match(notes[0].message, /Zed cannot keep a skill named "Bad_Name"/);
});

Deno.test("zed writes a binary skill byte for byte with its modes, and reads it back", async () => {
  await using t = await useCase("empty");
  const item = skill(t.pscope, "pdf-tools", {
    "SKILL.md": skillMd("pdf-tools"),
    "assets/logo.png": PNG,
    "scripts/run.sh": { bytes: "#!/bin/sh\necho ok\n", mode: 0o755 },
  });
  const plan = await plugin.plan({ items: [item] }, t.ctx);
  assert.deepEqual(plan.notes, []);
  assert.deepEqual(
    plan.writes.map((w) => [w.path.slice(t.project.length), w.encoding, w.mode]).sort(),
    [
      ["/.agents/skills/pdf-tools/SKILL.md", "base64", 0o644],
      ["/.agents/skills/pdf-tools/assets/logo.png", "base64", 0o644],
      ["/.agents/skills/pdf-tools/scripts/run.sh", "base64", 0o755],
    ],
  );
  await apply(plan);
  assert.deepEqual(
    await Deno.readFile(`${t.project}/.agents/skills/pdf-tools/assets/logo.png`),
    PNG,
  );
  const back = await plugin.read(t.ctx);
  assert.deepEqual(back.items, [item]);
  assert.deepEqual((await plugin.plan({ items: back.items }, t.ctx)).writes, []);
  // Removing it removes its files.
  const gone = await plugin.plan({ items: [] }, t.ctx);
  assert.equal(gone.writes.length, 3);
  assert.ok(gone.writes.every((w) => w.content === null));
});

Deno.test("zed notes a skill whose SKILL.md Zed would reject, and still writes it", async () => {
  await using t = await useCase("empty");
  const other = skill("user", "lint", { "SKILL.md": skillMd("linter") });
  const bare = skill("user", "fmt", { "SKILL.md": "---\nname: fmt\n---\nFormat.\n" });
  const plain = skill("user", "plain", { "SKILL.md": "No frontmatter.\n" });
  const plan = await plugin.plan({ items: [other, bare, plain] }, t.ctx);
  assert.deepEqual(plan.notes.map((n) => [n.item, n.field, n.message]), [
    [
      itemKey(other),
      "files.SKILL.md",
      "Zed does not load this skill: the name in its SKILL.md " +
      "is not its folder name",
    ],
    [
      itemKey(bare),
      "files.SKILL.md",
      "Zed does not load this skill: its SKILL.md needs a " +
      "description of 1 to 1024 characters",
    ],
    [
      itemKey(plain),
      "files.SKILL.md",
      "Zed does not load this skill: its SKILL.md has no " +
      "frontmatter",
    ],
  ]);
  assert.equal(plan.writes.length, 3);
});

Deno.test("zed: an unreadable skills folder is a read error that freezes only its scope's skills", async () => {
  await using t = await useCase("typical");
  const ctx = failing(t.ctx, `${t.project}/.agents/skills`);
  const read = await plugin.read(ctx);
  assert.deepEqual(read.errors, [{
    file: `${t.project}/.agents/skills`,
    message: `Cannot read "${t.project}/.agents/skills": Permission denied`,
    scopes: [t.pscope],
    kinds: ["skill"],
  }]);
  const extra = [
    skill(t.pscope, "new-one", { "SKILL.md": skillMd("new-one") }),
    skill("user", "new-one", { "SKILL.md": skillMd("new-one") }),
  ];
  const plan = await plugin.plan({ items: [...read.items, ...extra] }, ctx);
  assert.deepEqual(plan.writes.map((w) => w.path), [`${t.home}/.agents/skills/new-one/SKILL.md`]);
});

Deno.test("zed: a project in the home folder has the user's skills folder", async () => {
  await using t = await useCase("typical");
  const ctx = contextFor(manifest, t.home, [t.home]);
  const read = await plugin.read(ctx);
  assert.deepEqual(
    read.items.filter((i) => i.kind === "skill").map((i) => `${i.scope} ${i.name}`),
    ["user review-pr"],
  );
  const item = skill(`project:${t.home}`, "x", { "SKILL.md": skillMd("x") });
  const plan = await plugin.plan({ items: [...read.items, item] }, ctx);
  assert.deepEqual(plan.writes, []);
  assert.deepEqual(plan.notes.map((n) => n.item), [itemKey(item)]);
});

Deno.test("zed and codex plan the same bytes for the shared .agents/skills folders", async () => {
  const codex = await loadPlugin("codex");
  await using t = await useCase("typical");
  await Deno.mkdir(`${t.project}/.agents/skills/old`, { recursive: true });
  await Deno.writeTextFile(`${t.project}/.agents/skills/old/SKILL.md`, skillMd("old"));
  const read = await plugin.read(t.ctx);
  const changed = read.items.filter((i) => i.kind === "skill" && i.name !== "old").map((i) =>
    i.kind === "skill" && i.name === "release-notes"
      ? skill(i.scope, i.name, { "SKILL.md": skillMd("release-notes", "Changed.") })
      : i
  );
  const fresh = [t.pscope, "user"].map((scope) =>
    skill(scope, "pdf-tools", {
      "SKILL.md": skillMd("pdf-tools"),
      "assets/logo.png": PNG,
      "scripts/run.sh": { bytes: "#!/bin/sh\n", mode: 0o755 },
    })
  );
  const desired = { items: [...changed, ...fresh] };
  const mine = await plugin.plan(desired, t.ctx);
  const theirs = await codex.plugin.plan(desired, contextFor(codex.manifest, t.home, [t.project]));
  const shared = (plan: PlanResult) =>
    plan.writes
      .filter((w) =>
        w.path.startsWith(`${t.project}/.agents/skills/`) ||
        w.path.startsWith(`${t.home}/.agents/skills/`)
      )
      .map((w) => JSON.stringify([w.path, w.content, w.encoding, w.mode]))
      .sort();
  // release-notes: SKILL.md changed, two files gone; old: gone; pdf-tools: 3 files in 2 scopes.
  assert.equal(shared(mine).length, 10);
  assert.deepEqual(shared(mine), shared(theirs));
});
