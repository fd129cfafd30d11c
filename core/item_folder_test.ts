import assert from "node:assert/strict";
import { folderItems, mdRules, planFolder, readFolder } from "./item_folder.ts";
import { diskFiles } from "./paths.ts";
import type { Context } from "../plugins/_contract.ts";
import type { Item, Note } from "./schema.ts";

const ctx = { os: "linux", home: "/", paths: {}, projects: [], files: diskFiles() } as Context;

async function folder(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir();
  for (const [rel, text] of Object.entries(files)) {
    await Deno.mkdir(`${root}/${rel}`.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeTextFile(`${root}/${rel}`, text);
  }
  return root;
}

const commands = mdRules({
  id: "demo",
  client: "Demo",
  kind: "command",
  ext: ".md",
  namespaces: true,
  keys: { description: "description" },
  body: {
    read: (b) => b.replaceAll("{{args}}", "$ARGUMENTS"),
    write: (b, note) => {
      if (b.includes("$ARGUMENTS[")) note("Demo has no positional arguments");
      return b.replaceAll("$ARGUMENTS", "{{args}}");
    },
  },
});

const agents = mdRules({
  id: "demo",
  client: "Demo",
  kind: "subagent",
  ext: ".agent.md",
  namespaces: false,
  keys: { name: "name", description: "description", tools: "tools" },
  fixed: { mode: "subagent" },
  tools: {
    read: (l) => l.map((t) => t === "read" ? "Read" : t),
    write: (l, note) =>
      l.flatMap((t) => {
        if (t === "Read") return ["read"];
        note(`Demo has no tool "${t}"`, "tools");
        return [];
      }),
  },
});

Deno.test("readFolder names commands by path, keeps unknown keys, and skips other files", async () => {
  const root = await folder({
    "git/commit.md": "---\ndescription: Commit\nagent: build # why\n---\n\nCommit {{args}}\n",
    "notes.txt": "not a command\n",
  });
  const s = await readFolder(ctx, root, "user", commands);
  assert.deepEqual(folderItems(s), [{
    kind: "command",
    scope: "user",
    name: "git:commit",
    value: {
      description: "Commit",
      body: "Commit $ARGUMENTS\n",
      extras: { demo: { agent: "build" } },
    },
  }]);
  assert.ok(s.paths.has(`${root}/notes.txt`));
  // Planning what was read writes nothing.
  assert.deepEqual(planFolder(s, folderItems(s) as never, commands, []), []);
});

Deno.test("planFolder edits in place, keeps comments, adds, removes, and notes", async () => {
  const root = await folder({
    "a.md": "---\ndescription: A # keep me\n---\n\nDo {{args}}\n",
    "gone.md": "Old\n",
  });
  const s = await readFolder(ctx, root, "user", commands);
  const notes: Note[] = [];
  const desired: Item[] = [
    {
      kind: "command",
      scope: "user",
      name: "a",
      value: { description: "A", body: "Do $ARGUMENTS now\n" },
    },
    { kind: "command", scope: "user", name: "b:c", value: { body: "Use $ARGUMENTS[0]\n" } },
    { kind: "command", scope: "user", name: "../x", value: { body: "x\n" } },
  ];
  const writes = planFolder(s, desired as never, commands, notes);
  assert.deepEqual(writes, [
    { path: `${root}/gone.md`, content: null },
    { path: `${root}/a.md`, content: "---\ndescription: A # keep me\n---\n\nDo {{args}} now\n" },
    { path: `${root}/b/c.md`, content: "Use {{args}}[0]\n" },
  ]);
  assert.deepEqual(notes.map((n) => [n.item, n.field]), [
    ["command:user:b:c", "body"],
    ["command:user:../x", "name"],
  ]);
});

Deno.test("a broken file freezes the scope of its kind with a located error", async () => {
  const root = await folder({ "bad.md": "---\n- a\nb: c\n---\nx\n", "ok.md": "ok\n" });
  const s = await readFolder(ctx, root, "project:/p", commands);
  assert.equal(s.broken, true);
  assert.equal(s.errors.length, 1);
  assert.equal(s.errors[0].file, `${root}/bad.md`);
  assert.deepEqual(s.errors[0].kinds, ["command"]);
  assert.ok(s.errors[0].line);
  assert.deepEqual(planFolder(s, [], commands, []), []);
});

Deno.test("mdRules names by a frontmatter key, maps tools, and keeps fixed keys out of extras", async () => {
  const root = await folder({
    "r.agent.md":
      "---\nname: reviewer\ndescription: Reviews\nmode: subagent\ntools: [read]\n---\nBe strict.\n",
  });
  const s = await readFolder(ctx, root, "user", agents);
  const [item] = folderItems(s);
  assert.deepEqual(item, {
    kind: "subagent",
    scope: "user",
    name: "reviewer",
    value: { description: "Reviews", tools: ["Read"], body: "Be strict.\n" },
  });
  const notes: Note[] = [];
  const writes = planFolder(
    s,
    [
      { ...item, value: { ...item.value, tools: ["Read", "Bash"], model: "opus" } },
      { kind: "subagent", scope: "user", name: "new", value: { body: "Hi\n" } },
    ] as never,
    agents,
    notes,
  );
  assert.deepEqual(writes, [
    { path: `${root}/new.agent.md`, content: "---\nname: new\nmode: subagent\n---\n\nHi\n" },
  ]);
  assert.deepEqual(notes.map((n) => n.message), [
    "Demo has no place for a model; it is not kept",
    'Demo has no tool "Bash"',
  ]);
});
