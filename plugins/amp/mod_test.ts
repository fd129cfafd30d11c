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
import {
  applyPlan,
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

runConformance("amp");

const { manifest, plugin } = await loadPlugin("amp");
const TESTDATA = new URL("testdata/", import.meta.url).pathname;
const USER = "home/.config/amp/settings.json";
const PROJ = "project/.amp/settings.json";

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
const setup = (files: Record<string, string> = {}) => tempCase(manifest, files);
const testdata = (name: string) => caseFiles(`${TESTDATA}${name}`);
const useCase = (name: string) => copiedCase(manifest, `${TESTDATA}${name}`);
const noop = (ctx: Context) => assertNoop(plugin, ctx);

type SkillItem = Extract<Item, { kind: "skill" }>;

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

// ---------------------------------------------------------------------------------------------
// Skills

/** Each skill of a scope as `name → SKILL.md text`. */
function skillTexts(items: Item[], scope: string): Record<string, string> {
  return Object.fromEntries(
    items.flatMap((i) =>
      i.kind === "skill" && i.scope === scope
        ? [[i.name, atob(i.value.files["SKILL.md"].base64)]]
        : []
    ),
  );
}

Deno.test("amp declares its skills folders; ~/.config there ignores XDG_CONFIG_HOME", () => {
  assert.deepEqual(manifest.kinds, ["mcp", "instructions", "skill"]);
  const ctx = contextFor(manifest, "/h", ["/p"], { XDG_CONFIG_HOME: "/x" });
  assert.equal(ctx.paths.skills, "/h/.agents/skills");
  assert.equal(ctx.paths.skills_config, "/h/.config/agents/skills");
  assert.equal(ctx.paths.skills_amp, "/h/.config/amp/skills");
  assert.equal(ctx.projects[0].paths.skills, "/p/.agents/skills");
});

Deno.test("amp reads the skills of its three user folders and the project's", async () => {
  await using t = await useCase("typical");
  const read = await plugin.read(t.ctx);
  assert.equal(read.errors, undefined);
  assert.deepEqual(Object.keys(skillTexts(read.items, "user")), [
    "commit-style",
    "review-pr",
    "amp-threads",
  ]);
  const proj = read.items.find((i) => i.kind === "skill" && i.scope === t.pscope) as SkillItem;
  assert.equal(proj.name, "release-notes");
  assert.equal(
    proj.value.files["assets/logo.png"].base64,
    b64(await Deno.readFile(`${t.project}/.agents/skills/release-notes/assets/logo.png`)),
  );
  const plan = await plugin.plan({ items: read.items }, t.ctx);
  assert.deepEqual(plan.writes, []);
  assert.deepEqual(plan.notes, []);
});

Deno.test("amp: the first folder holding a skill wins, and is where it is updated", async () => {
  await using t = await useCase("odd");
  const read = await plugin.read(t.ctx);
  assert.equal(read.errors, undefined);
  const user = skillTexts(read.items, "user");
  assert.deepEqual(Object.keys(user), ["lint"]);
  assert.match(user.lint, /the copy Amp loads/);
  // The nested group/inner is Amp's but not managed; no-description is read as it is.
  assert.deepEqual(Object.keys(skillTexts(read.items, t.pscope)), ["no-description"]);
  const noop = await plugin.plan({ items: read.items }, t.ctx);
  assert.deepEqual(noop.writes, []);
  // Amp reports an error for a SKILL.md without a description: a note, nothing rewritten.
  assert.deepEqual(noop.notes.filter((n) => n.item.startsWith("skill:")).map((n) => n.message), [
    "Amp does not load this skill: its SKILL.md needs a name and a description",
  ]);

  // Updating lint writes the copy Amp loads; the shadowed copy (maybe Codex's) stays.
  const lint = skill("user", "lint", { "SKILL.md": skillMd("lint", "New rules") });
  const rest = read.items.filter((i) => !(i.kind === "skill" && i.name === "lint"));
  const update = await plugin.plan({ items: [...rest, lint] }, t.ctx);
  assert.deepEqual(update.writes.map((w) => w.path), [
    `${t.home}/.config/agents/skills/lint/SKILL.md`,
  ]);
  // Removing lint removes both copies, or Amp would load the other one.
  const remove = await plugin.plan({ items: rest }, t.ctx);
  assert.deepEqual(remove.writes.map((w) => [w.path, w.content]).sort(), [
    [`${t.home}/.agents/skills/lint/SKILL.md`, null],
    [`${t.home}/.agents/skills/lint/extra.md`, null],
    [`${t.home}/.config/agents/skills/lint/SKILL.md`, null],
  ]);
  await apply(remove);
  assert.deepEqual(skillTexts((await plugin.read(t.ctx)).items, "user"), {});
});

Deno.test("amp writes new user skills to ~/.agents/skills, and binary files byte for byte", async () => {
  await using t = await useCase("empty");
  const files = {
    "SKILL.md": skillMd("pdf-tools"),
    "assets/logo.png": PNG,
    "scripts/run.sh": { bytes: "#!/bin/sh\necho ok\n", mode: 0o755 },
  };
  const items = [skill("user", "pdf-tools", files), skill(t.pscope, "pdf-tools", files)];
  const plan = await plugin.plan({ items }, t.ctx);
  assert.deepEqual(plan.notes, []);
  assert.deepEqual(plan.writes.map((w) => [w.path, w.encoding, w.mode]).sort(), [
    [`${t.home}/.agents/skills/pdf-tools/SKILL.md`, "base64", 0o644],
    [`${t.home}/.agents/skills/pdf-tools/assets/logo.png`, "base64", 0o644],
    [`${t.home}/.agents/skills/pdf-tools/scripts/run.sh`, "base64", 0o755],
    [`${t.project}/.agents/skills/pdf-tools/SKILL.md`, "base64", 0o644],
    [`${t.project}/.agents/skills/pdf-tools/assets/logo.png`, "base64", 0o644],
    [`${t.project}/.agents/skills/pdf-tools/scripts/run.sh`, "base64", 0o755],
  ]);
  await apply(plan);
  assert.deepEqual(await Deno.readFile(`${t.home}/.agents/skills/pdf-tools/assets/logo.png`), PNG);
  assert.equal(
    (await Deno.stat(`${t.home}/.agents/skills/pdf-tools/scripts/run.sh`)).mode! & 0o777,
    0o755,
  );
  const back = await plugin.read(t.ctx);
  assert.deepEqual(back.items, items);
  assert.deepEqual((await plugin.plan({ items: back.items }, t.ctx)).writes, []);
});

Deno.test("amp: with disableGlobalAgentsSkills only ~/.config/amp/skills is the user's", async () => {
  await using t = await useCase("typical");
  await Deno.writeTextFile(
    `${t.home}/.config/amp/settings.json`,
    "{\n  // Amp skips ~/.config/agents/skills and ~/.agents/skills\n" +
      '  "amp.skills.disableGlobalAgentsSkills": true\n}',
  );
  const read = await plugin.read(t.ctx);
  assert.deepEqual(Object.keys(skillTexts(read.items, "user")), ["amp-threads"]);
  const fresh = skill("user", "new-one", { "SKILL.md": skillMd("new-one") });
  const plan = await plugin.plan({ items: [...read.items, fresh] }, t.ctx);
  assert.deepEqual(plan.writes.map((w) => w.path), [
    `${t.home}/.config/amp/skills/new-one/SKILL.md`,
  ]);
});

Deno.test("amp notes skills whose SKILL.md Amp rejects, and still writes them", async () => {
  await using t = await useCase("empty");
  const caps = skill("user", "caps", { "SKILL.md": skillMd("Caps_Name") });
  const plain = skill("user", "plain", { "SKILL.md": "No frontmatter.\n" });
  const other = skill("user", "other", { "SKILL.md": skillMd("different-name") });
  const plan = await plugin.plan({ items: [caps, plain, other] }, t.ctx);
  assert.deepEqual(plan.notes.map((n) => [n.item, n.field, n.message]), [
    [
      itemKey(caps),
      "files.SKILL.md",
      'Amp does not load this skill: the name "Caps_Name" is not lowercase letters, digits ' +
      "and single hyphens (at most 64)",
    ],
    [
      itemKey(plain),
      "files.SKILL.md",
      "Amp does not load this skill: its SKILL.md has no " +
      "frontmatter",
    ],
  ]);
  // A name that is not the folder's only makes Amp warn: no note.
  assert.equal(plan.writes.length, 3);
});

Deno.test("amp: an unreadable skills folder freezes only that scope's skills", async () => {
  await using t = await useCase("typical");
  const bad = `${t.home}/.config/amp/skills`;
  const ctx = failing(t.ctx, bad);
  const read = await plugin.read(ctx);
  assert.deepEqual(read.errors, [{
    file: bad,
    message: `Cannot read "${bad}": Permission denied`,
    scopes: ["user"],
    kinds: ["skill"],
  }]);
  // The user's skills stay as they are (which copy Amp loads is unknown); the project's are kept.
  const items = [
    ...read.items.filter((i) => !(i.kind === "skill" && i.name === "review-pr")),
    skill("user", "n", { "SKILL.md": skillMd("n") }),
    skill(t.pscope, "n", { "SKILL.md": skillMd("n") }),
  ];
  const plan = await plugin.plan({ items }, ctx);
  assert.deepEqual(plan.writes.map((w) => w.path), [`${t.project}/.agents/skills/n/SKILL.md`]);
});

Deno.test("amp: a project in the home folder has the user's .agents/skills", async () => {
  await using t = await useCase("typical");
  const ctx = contextFor(manifest, t.home, [t.home]);
  const read = await plugin.read(ctx);
  assert.deepEqual(
    read.items.filter((i) => i.kind === "skill").map((i) => `${i.scope} ${i.name}`),
    ["user commit-style", "user review-pr", "user amp-threads"],
  );
  const item = skill(`project:${t.home}`, "x", { "SKILL.md": skillMd("x") });
  const plan = await plugin.plan({ items: [...read.items, item] }, ctx);
  assert.deepEqual(plan.writes, []);
  assert.deepEqual(plan.notes.map((n) => n.item), [itemKey(item)]);
});

Deno.test("amp and codex plan the same bytes for the shared .agents/skills folders", async () => {
  const codex = await loadPlugin("codex");
  await using t = await useCase("typical");
  const read = await plugin.read(t.ctx);
  const fresh = [t.pscope, "user"].map((scope) =>
    skill(scope, "pdf-tools", {
      "SKILL.md": skillMd("pdf-tools"),
      "assets/logo.png": PNG,
      "scripts/run.sh": { bytes: "#!/bin/sh\n", mode: 0o755 },
    })
  );
  const desired = {
    items: [
      // review-pr (~/.agents/skills) changed, release-notes (project) changed, the rest as read.
      ...read.items.filter((i) =>
        i.kind !== "skill" || !["review-pr", "release-notes"].includes(i.name)
      ),
      skill("user", "review-pr", { "SKILL.md": skillMd("review-pr", "Changed.") }),
      skill(t.pscope, "release-notes", { "SKILL.md": skillMd("release-notes", "Changed.") }),
      ...fresh,
    ],
  };
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
  // Every path both plan gets the same bytes. Codex also copies the user skills Amp keeps in its
  // other folders into ~/.agents/skills (Amp loads its own first copy; aisync leaves the other).
  const ours = shared(mine), codexs = shared(theirs);
  // review-pr: SKILL.md + a script gone; release-notes: SKILL.md + the logo gone; pdf-tools: 3 × 2.
  assert.equal(ours.length, 10);
  assert.deepEqual(ours.filter((w) => !codexs.includes(w)), []);
  assert.deepEqual(
    codexs.filter((w) => !ours.includes(w)).map((w) => JSON.parse(w)[0]),
    [
      `${t.home}/.agents/skills/amp-threads/SKILL.md`,
      `${t.home}/.agents/skills/commit-style/SKILL.md`,
    ],
  );
  // After Codex wrote them, Amp still reads (and plans) the copies it loads first.
  // Both plans remove the same files.
  await applyPlan(theirs, { missingOk: true });
  await applyPlan(mine, { missingOk: true });
  const back = await plugin.read(t.ctx);
  assert.deepEqual(await plugin.plan({ items: back.items }, t.ctx), { writes: [], notes: [] });
  assert.equal(
    skillTexts(back.items, "user")["commit-style"],
    await Deno.readTextFile(`${t.home}/.config/agents/skills/commit-style/SKILL.md`),
  );
});

/** Runs `amp skill list --json` offline: a made-up key, and the Amp server on a dead port. */
async function ampSkills(home: string, cwd: string) {
  const out = await new Deno.Command(AMP!, {
    args: ["skill", "list", "--json"],
    cwd,
    clearEnv: true,
    env: {
      HOME: home,
      PATH: "/usr/bin:/bin",
      NO_COLOR: "1",
      AMP_API_KEY: "sgamp_offline_test",
      AMP_URL: "http://127.0.0.1:9",
    },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  assert.ok(out.success, `amp skill list: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(new TextDecoder().decode(out.stdout)) as {
    skills: { name: string; source: string; baseDir: string }[];
    errors?: { path: string; error: string }[];
  };
}

Deno.test({
  name: "amp: `amp skill list --json` loads the skills aisync wrote, from the folders it reads",
  ignore: !HAVE_AMP,
  fn: async () => {
    await using t = await useCase("odd");
    const read = await plugin.read(t.ctx);
    const items = [
      // lint stays as read: Amp must load the ~/.config/agents/skills copy aisync reports.
      ...read.items.filter((i) => i.kind === "skill" && i.name === "lint"),
      skill("user", "team-style", {
        "SKILL.md": skillMd("team-style"),
        "scripts/run.sh": { bytes: "#!/bin/sh\n", mode: 0o755 },
      }),
      skill(t.pscope, "release-notes", {
        "SKILL.md": skillMd("release-notes"),
        "assets/logo.png": PNG,
      }),
    ];
    const plan = await plugin.plan({ items }, t.ctx);
    assert.deepEqual(plan.notes.filter((n) => n.item.startsWith("skill:")), []);
    await apply(plan);
    const listed = await ampSkills(t.home, t.project);
    // Amp also looks in every folder above the project (/tmp…): only this test's folders count.
    const root = `file://${t.home.slice(0, t.home.lastIndexOf("/"))}/`;
    const ours = listed.skills.filter((s) => s.baseDir.startsWith(root));
    const where = Object.fromEntries(ours.map((s) => [s.name, [s.source, s.baseDir]]));
    assert.deepEqual(where, {
      lint: ["user-agents", `file://${t.home}/.config/agents/skills/lint`],
      "team-style": ["user-agents", `file://${t.home}/.agents/skills/team-style`],
      "release-notes": ["workspace-agents", `file://${t.project}/.agents/skills/release-notes`],
      // Amp loads nested skills; aisync does not manage this one and left it.
      inner: ["workspace-agents", `file://${t.project}/.agents/skills/group/inner`],
    });
    // The SKILL.md without a description was removed (not desired): no errors remain.
    assert.deepEqual((listed.errors ?? []).filter((e) => e.path.startsWith(root)), []);
    const back = await plugin.read(t.ctx);
    assert.deepEqual(
      back.items.filter((i) => i.kind === "skill").map((i) => `${i.scope} ${i.name}`).sort(),
      [`${t.pscope} release-notes`, "user lint", "user team-style"],
    );
  },
});
