import assert from "node:assert/strict";
import { contextFor, loadPlugin, runConformance } from "../_conformance.ts";
import { type Context, type Item, itemKey, type McpServer, type PlanResult } from "../_contract.ts";
import {
  applyPlan as apply,
  changedPaths,
  copiedCase,
  corpusTree,
  failingList as failing,
  PNG,
  skillItem as skill,
  skillMd,
  tempCase,
  toBase64 as b64,
} from "../_test_helpers.ts";

runConformance("antigravity_cli");

const { manifest, plugin } = await loadPlugin("antigravity_cli");
const CORPUS = new URL("../../../shared/corpus/", import.meta.url).pathname;
const TESTDATA = new URL("testdata/", import.meta.url).pathname;

/** A temp home and project holding `files` (keys start with `home/` or `project/`). */
async function setup(files: Record<string, string> = {}) {
  const t = await tempCase(manifest, files);
  return Object.assign(t, {
    config: `${t.home}/.gemini/config/mcp_config.json`,
    cli: `${t.home}/.gemini/antigravity-cli/mcp_config.json`,
    proj: `${t.project}/.agents/mcp_config.json`,
  });
}

const changes = (ctx: Context, items: Item[]) => changedPaths(plugin, ctx, items);
const useCase = (name: string) => copiedCase(manifest, `${TESTDATA}${name}`);

type SkillItem = Extract<Item, { kind: "skill" }>;

function mcp(scope: string, name: string, value: McpServer): Item {
  return { kind: "mcp", scope, name, value };
}

function server(items: Item[], name: string): McpServer | undefined {
  const item = items.find((i) => i.kind === "mcp" && i.name === name);
  return item?.kind === "mcp" ? item.value : undefined;
}

function entries(text: string): Record<string, Record<string, unknown>> {
  return JSON.parse(text).mcpServers;
}

Deno.test("antigravity_cli reads the shapes of Google's migration guide", async () => {
  // The two examples of "Migrating to Antigravity CLI" (gemini-cli, branch migration-guide).
  await using t = await setup({
    "project/.agents/mcp_config.json": JSON.stringify({
      mcpServers: {
        firebase: { command: "npx", args: ["-y", "firebase-tools@latest", "mcp"] },
        "google-developer-knowledge": {
          serverUrl: "https://developerknowledge.googleapis.com/mcp",
          authProviderType: "google_credentials",
          oauth: { scopes: ["https://www.googleapis.com/auth/cloud-platform"] },
          headers: { "X-goog-user-project": "$GOOGLE_CLOUD_PROJECT" },
        },
      },
    }),
  });
  const { items, errors } = await plugin.read(t.ctx);
  assert.equal(errors, undefined);
  assert.deepEqual(items, [
    mcp(t.pscope, "firebase", {
      transport: "stdio",
      command: "npx",
      args: ["-y", "firebase-tools@latest", "mcp"],
    }),
    mcp(t.pscope, "google-developer-knowledge", {
      transport: "http",
      url: "https://developerknowledge.googleapis.com/mcp",
      oauth: { scopes: ["https://www.googleapis.com/auth/cloud-platform"] },
      headers: { "X-goog-user-project": "${GOOGLE_CLOUD_PROJECT}" },
      extras: { antigravity_cli: { authProviderType: "google_credentials" } },
    }),
  ]);
  assert.deepEqual(await changes(t.ctx, items), []);
});

Deno.test("antigravity_cli writes serverUrl, disabled and disabledTools", async () => {
  await using t = await setup();
  const plan = await plugin.plan({
    items: [
      mcp(t.pscope, "r", {
        transport: "http",
        url: "https://r/mcp",
        headers: { Authorization: "Bearer ${TOKEN}" },
        tools: { deny: ["drop"] },
        enabled: false,
      }),
      mcp(t.pscope, "s", { transport: "stdio", command: "srv", args: ["a"], env: { A: "1" } }),
    ],
  }, t.ctx);
  assert.deepEqual(plan.notes, []);
  assert.deepEqual(plan.writes.map((w) => w.path), [t.proj]);
  assert.deepEqual(entries(plan.writes[0].content!), {
    r: {
      serverUrl: "https://r/mcp",
      headers: { Authorization: "Bearer ${TOKEN}" },
      disabled: true,
      disabledTools: ["drop"],
    },
    s: { command: "srv", args: ["a"], env: { A: "1" } },
  });
  await apply(plan);
  const back = await plugin.read(t.ctx);
  assert.equal(server(back.items, "r")?.enabled, false);
  // On again: `disabled` goes.
  const on = back.items.map((i) =>
    i.kind === "mcp" ? { ...i, value: { ...i.value, enabled: undefined } } : i
  );
  const plan2 = await plugin.plan({ items: on }, t.ctx);
  assert.equal(entries(plan2.writes[0].content!).r.disabled, undefined);
});

Deno.test("antigravity_cli reads and writes the global file only where one exists", async () => {
  const user = mcp("user", "u", { transport: "stdio", command: "u" });
  await using none = await setup();
  const plan = await plugin.plan({ items: [user] }, none.ctx);
  assert.deepEqual(plan.writes, []);
  assert.equal(plan.notes.length, 1);
  assert.match(plan.notes[0].message, /global MCP file is not confirmed/);

  await using one = await setup({ "home/.gemini/antigravity-cli/mcp_config.json": "{}" });
  const plan1 = await plugin.plan({ items: [user] }, one.ctx);
  assert.deepEqual(plan1.notes, []);
  assert.deepEqual(plan1.writes.map((w) => w.path), [one.cli]);
  assert.ok((await plugin.detect(one.ctx)).installed);

  // Both exist: both get the user's servers; a name both hold is read from config/ first.
  await using both = await setup({
    "home/.gemini/config/mcp_config.json": JSON.stringify({
      mcpServers: { same: { command: "from-config" } },
    }),
    "home/.gemini/antigravity-cli/mcp_config.json": JSON.stringify({
      mcpServers: { same: { command: "from-cli" }, only: { command: "o" } },
    }),
  });
  const { items } = await plugin.read(both.ctx);
  assert.deepEqual(items.map((i) => [i.name, (i.value as McpServer).command]), [
    ["same", "from-config"],
    ["only", "o"],
  ]);
  const plan2 = await plugin.plan({ items: [...items, user] }, both.ctx);
  await apply(plan2);
  for (const path of [both.config, both.cli]) {
    assert.deepEqual(entries(await Deno.readTextFile(path)), {
      same: { command: "from-config" },
      ...(path === both.cli ? { only: { command: "o" } } : {}),
      u: { command: "u" },
      ...(path === both.config ? { only: { command: "o" } } : {}),
    });
  }
  assert.deepEqual(await changes(both.ctx, (await plugin.read(both.ctx)).items), []);
});

Deno.test("antigravity_cli maps serverUrl, url and type, and skips what agy drops", async () => {
  await using t = await setup({
    "project/.agents/mcp_config.json": JSON.stringify({
      mcpServers: {
        both: { serverUrl: "http://h/a", command: "c" },
        sse: { url: "http://h/s", type: "sse" },
        plain: { url: "http://h/p" },
        none: { description: "nothing to run" },
        envNumber: { command: "x", env: { PORT: 5432 } },
        argsNumber: { command: "x", args: [1] },
        auth: { serverUrl: "http://h", authProviderType: "dynamic_discovery" },
        off: { command: "x", disabled: false },
      },
    }),
  });
  const { items, errors } = await plugin.read(t.ctx);
  assert.equal(errors, undefined);
  assert.deepEqual(items.map((i) => i.name), ["both", "sse", "plain", "off"]);
  assert.deepEqual(server(items, "both"), {
    transport: "http",
    url: "http://h/a",
    extras: { antigravity_cli: { command: "c" } },
  });
  assert.deepEqual(server(items, "sse"), { transport: "sse", url: "http://h/s" });
  assert.deepEqual(server(items, "plain"), { transport: "http", url: "http://h/p" });
  assert.deepEqual(server(items, "off"), {
    transport: "stdio",
    command: "x",
    extras: { antigravity_cli: { disabled: false } },
  });
  assert.deepEqual(await changes(t.ctx, items), []);
  // A changed url moves to serverUrl; an sse entry keeps url + type; dropped entries stay.
  const moved = items.map((i) =>
    i.kind === "mcp" && i.value.url ? { ...i, value: { ...i.value, url: i.value.url + "/2" } } : i
  );
  const plan = await plugin.plan({ items: moved }, t.ctx);
  assert.deepEqual(plan.notes, []);
  const out = entries(plan.writes[0].content!);
  assert.deepEqual(out.plain, { serverUrl: "http://h/p/2" });
  assert.deepEqual(out.sse, { url: "http://h/s/2", type: "sse" });
  assert.deepEqual(out.both, { serverUrl: "http://h/a/2", command: "c" });
  assert.deepEqual(out.envNumber, { command: "x", env: { PORT: 5432 } });
  assert.deepEqual(out.none, { description: "nothing to run" });
});

Deno.test("antigravity_cli translates references and notes what is not confirmed", async () => {
  await using t = await setup({
    "project/.agents/mcp_config.json": JSON.stringify({
      mcpServers: { s: { command: "$BIN/srv", env: { T: "$TOKEN", U: "${USER}" } } },
    }),
  });
  const { items } = await plugin.read(t.ctx);
  assert.deepEqual(server(items, "s"), {
    transport: "stdio",
    command: "${BIN}/srv",
    env: { T: "${TOKEN}", U: "${USER}" },
  });
  assert.deepEqual(await changes(t.ctx, items), []);
  const plan = await plugin.plan({
    items: [
      mcp(t.pscope, "n", {
        transport: "sse",
        url: "https://n/sse",
        args: ["x"],
        headers: { A: "${KEY:-none}", B: "cost $5 or $DOLLARS" },
        toolTimeoutMs: 1000,
        tools: { allow: ["a"] },
        oauth: { clientId: "c", callbackPort: 1 },
      }),
    ],
  }, t.ctx);
  assert.deepEqual(entries(plan.writes[0].content!).n, {
    serverUrl: "https://n/sse",
    headers: { A: "${KEY}", B: "cost $5 or $DOLLARS" },
    oauth: { clientId: "c" },
  });
  assert.deepEqual(plan.notes.map((n) => n.field), [
    "transport",
    "headers.A",
    "headers.B",
    "args",
    "tools.allow",
    "toolTimeoutMs",
    "oauth.callbackPort",
  ]);
});

Deno.test("antigravity_cli reports files agy refuses, and never plans them", async () => {
  for (
    const text of [
      '{\n  // a comment\n  "mcpServers": {}\n}',
      '{"mcpServers": {"a": {"command": "a"},}}',
      "\uFEFF{}",
      "[]",
      '{"mcpServers": []}',
    ]
  ) {
    await using t = await setup({ "project/.agents/mcp_config.json": text });
    const { errors } = await plugin.read(t.ctx);
    assert.equal(errors?.length, 1, text);
    assert.equal(errors![0].file, t.proj);
    assert.deepEqual(errors![0].scopes, [t.pscope]);
    const plan = await plugin.plan({
      items: [mcp(t.pscope, "n", { transport: "stdio", command: "n" })],
    }, t.ctx);
    assert.deepEqual(plan.writes, []);
  }
  // One broken global file freezes the user scope: neither global file is written.
  await using g = await setup({
    "home/.gemini/config/mcp_config.json": "{",
    "home/.gemini/antigravity-cli/mcp_config.json": "{}",
  });
  assert.deepEqual((await plugin.read(g.ctx)).errors?.map((e) => e.scopes), [["user"]]);
  const plan = await plugin.plan({
    items: [mcp("user", "n", { transport: "stdio", command: "n" })],
  }, g.ctx);
  assert.deepEqual(plan.writes, []);
});

Deno.test("antigravity_cli keeps GEMINI.md for the user and each project", async () => {
  await using t = await setup({ "home/.gemini/GEMINI.md": "old\n" });
  const plan = await plugin.plan({
    items: [{ kind: "instructions", scope: t.pscope, name: "main", value: { text: "p\n" } }],
  }, t.ctx);
  assert.deepEqual(plan.writes, [
    { path: `${t.home}/.gemini/GEMINI.md`, content: null },
    { path: `${t.project}/GEMINI.md`, content: "p\n" },
  ]);
});

Deno.test("antigravity_cli reads every corpus file, and plan(read) writes nothing", async (t) => {
  for (const file of corpusTree(CORPUS, ".json", ".jsonc", ".md")) {
    await t.step(file, async () => {
      const text = await Deno.readTextFile(`${CORPUS}${file}`);
      const md = file.endsWith(".md");
      await using s = await setup(
        // A Markdown file is also a skill's SKILL.md: skills are byte copies, never parsed.
        md
          ? {
            "home/.gemini/GEMINI.md": text,
            "project/GEMINI.md": text,
            "project/.agents/skills/corpus/SKILL.md": text,
          }
          : {
            "home/.gemini/config/mcp_config.json": text,
            "project/.agents/mcp_config.json": text,
          },
      );
      const read = await plugin.read(s.ctx);
      for (const e of read.errors ?? []) {
        assert.ok(e.file === s.config || e.file === s.proj, e.file);
        assert.ok(e.message.includes(e.file));
      }
      assert.deepEqual(await changes(s.ctx, read.items), []);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Skills

function skillNames(items: Item[]): string[] {
  return items.filter((i) => i.kind === "skill").map((i) => `${i.scope} ${i.name}`).sort();
}

Deno.test("antigravity_cli keeps skills only: workflows and subagents are not confirmed", () => {
  assert.deepEqual(manifest.kinds, ["mcp", "instructions", "skill"]);
  const ctx = contextFor(manifest, "/h", ["/p"]);
  assert.equal(ctx.paths.skills, "/h/.gemini/antigravity-cli/skills");
  assert.equal(ctx.projects[0].paths.skills, "/p/.agents/skills");
  const declared = JSON.stringify(manifest.paths);
  assert.ok(!declared.includes("workflows") && !declared.includes("/agents/"), declared);
});

Deno.test("antigravity_cli reads agy's global skills and the project's .agents/skills", async () => {
  await using t = await useCase("typical");
  const read = await plugin.read(t.ctx);
  assert.equal(read.errors, undefined);
  assert.deepEqual(skillNames(read.items), [`${t.pscope} firebase-rules`, "user gcloud-deploy"]);
  const proj = read.items.find((i) => i.kind === "skill" && i.scope === t.pscope) as SkillItem;
  assert.deepEqual(Object.keys(proj.value.files).sort(), [
    "SKILL.md",
    "assets/icon.png",
    "references/model.md",
  ]);
  assert.equal(
    proj.value.files["assets/icon.png"].base64,
    b64(await Deno.readFile(`${t.project}/.agents/skills/firebase-rules/assets/icon.png`)),
  );
  assert.deepEqual((await plugin.plan({ items: read.items }, t.ctx)).writes, []);
});

Deno.test("antigravity_cli: odd skill folders are read as they are", async () => {
  await using t = await useCase("odd");
  const read = await plugin.read(t.ctx);
  assert.equal(read.errors, undefined);
  // A loose file and a folder without SKILL.md are not skills; a folder name with a space is.
  assert.deepEqual(skillNames(read.items), [`${t.pscope} Odd Name`]);
  const item = read.items.find((i) => i.kind === "skill") as SkillItem;
  assert.ok(atob(item.value.files["SKILL.md"].base64).includes("---\r\nMixed line ends.\n"));
  assert.deepEqual((await plugin.plan({ items: read.items }, t.ctx)).writes, []);
});

Deno.test("antigravity_cli writes a binary skill byte for byte in each scope", async () => {
  await using t = await useCase("empty");
  const files = {
    "SKILL.md": skillMd("pdf-tools"),
    "assets/logo.png": PNG,
    "scripts/run.sh": { bytes: "#!/bin/sh\necho ok\n", mode: 0o755 },
  };
  const items = [skill("user", "pdf-tools", files), skill(t.pscope, "pdf-tools", files)];
  const plan = await plugin.plan({ items }, t.ctx);
  assert.deepEqual(plan.notes, []);
  assert.deepEqual(plan.writes.map((w) => [w.path, w.mode]).sort(), [
    [`${t.home}/.gemini/antigravity-cli/skills/pdf-tools/SKILL.md`, 0o644],
    [`${t.home}/.gemini/antigravity-cli/skills/pdf-tools/assets/logo.png`, 0o644],
    [`${t.home}/.gemini/antigravity-cli/skills/pdf-tools/scripts/run.sh`, 0o755],
    [`${t.project}/.agents/skills/pdf-tools/SKILL.md`, 0o644],
    [`${t.project}/.agents/skills/pdf-tools/assets/logo.png`, 0o644],
    [`${t.project}/.agents/skills/pdf-tools/scripts/run.sh`, 0o755],
  ]);
  await apply(plan);
  assert.deepEqual(
    await Deno.readFile(`${t.project}/.agents/skills/pdf-tools/assets/logo.png`),
    PNG,
  );
  const back = await plugin.read(t.ctx);
  assert.deepEqual(back.items, items);
  assert.deepEqual((await plugin.plan({ items: back.items }, t.ctx)).writes, []);
});

Deno.test("antigravity_cli: a broken mcp_config.json freezes MCP only, not skills", async () => {
  await using t = await useCase("broken_comment");
  const read = await plugin.read(t.ctx);
  assert.deepEqual(read.errors?.map((e) => [e.file, e.scopes, e.kinds]), [
    [`${t.project}/.agents/mcp_config.json`, [t.pscope], ["mcp"]],
  ]);
  const item = skill(t.pscope, "x", { "SKILL.md": skillMd("x") });
  const plan = await plugin.plan({ items: [...read.items, item] }, t.ctx);
  assert.deepEqual(plan.writes.map((w) => w.path), [`${t.project}/.agents/skills/x/SKILL.md`]);
});

Deno.test("antigravity_cli: an unreadable skills folder freezes only that scope's skills", async () => {
  await using t = await useCase("typical");
  const bad = `${t.home}/.gemini/antigravity-cli/skills`;
  const ctx = failing(t.ctx, bad);
  const read = await plugin.read(ctx);
  assert.deepEqual(read.errors, [{
    file: bad,
    message: `Cannot read "${bad}": Permission denied`,
    scopes: ["user"],
    kinds: ["skill"],
  }]);
  const items = [
    ...read.items,
    skill("user", "n", { "SKILL.md": skillMd("n") }),
    skill(t.pscope, "n", { "SKILL.md": skillMd("n") }),
  ];
  const plan = await plugin.plan({ items }, ctx);
  assert.deepEqual(plan.writes.map((w) => w.path), [`${t.project}/.agents/skills/n/SKILL.md`]);
  assert.ok(!plan.notes.some((n) => n.item === itemKey(items.at(-1)!)));
});

Deno.test("antigravity_cli and codex plan the same bytes for the project's .agents/skills", async () => {
  const codex = await loadPlugin("codex");
  await using t = await useCase("typical");
  const read = await plugin.read(t.ctx);
  const desired = {
    items: [
      ...read.items.filter((i) => i.kind !== "skill" || i.scope === "user"),
      skill(t.pscope, "firebase-rules", { "SKILL.md": skillMd("firebase-rules", "Changed.") }),
      skill(t.pscope, "pdf-tools", {
        "SKILL.md": skillMd("pdf-tools"),
        "assets/logo.png": PNG,
        "scripts/run.sh": { bytes: "#!/bin/sh\n", mode: 0o755 },
      }),
    ],
  };
  const mine = await plugin.plan(desired, t.ctx);
  const theirs = await codex.plugin.plan(desired, contextFor(codex.manifest, t.home, [t.project]));
  const shared = (plan: PlanResult) =>
    plan.writes
      .filter((w) => w.path.startsWith(`${t.project}/.agents/skills/`))
      .map((w) => JSON.stringify([w.path, w.content, w.encoding, w.mode]))
      .sort();
  // firebase-rules: SKILL.md changed, two files gone; pdf-tools: three new files.
  assert.equal(shared(mine).length, 6);
  assert.deepEqual(shared(mine), shared(theirs));
});
