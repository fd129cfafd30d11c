/**
 * The conformance suite every plugin's `mod_test.ts` runs (rclone's fstests): for each case in
 * `plugins/<id>/testdata/<case>/` (`home/` is the home folder, `project/` one registered
 * project; the text `__PROJECT__` in those files becomes the project's real path), it checks that
 *
 * - `detect` and `read` do not throw, and `read` returns valid items of the declared kinds;
 * - a case named `broken*` reports a read error naming the file;
 * - planning what was read writes nothing;
 * - adding items keeps every line the file already had, in order (comments, unknown keys);
 * - changing and deleting items writes only inside the declared paths, and reading the result
 *   back gives the desired items (except those a lossy note names);
 * - planning again after the write is a no-op.
 *
 * @module
 */
import { type Context, type Item, itemKey, type Plugin, sameValue } from "./_contract.ts";
import { Manifest, PlanResult, ReadResult } from "../core/plugin_schema.ts";
import { allowedPaths, diskFiles, isInside, resolvePaths } from "../core/paths.ts";
import { initToml } from "../core/editors.ts";
import { contentBytes } from "../core/files.ts";

const here = new URL(".", import.meta.url);

/** Loads a plugin in-process with its manifest. */
export async function loadPlugin(id: string): Promise<{ manifest: Manifest; plugin: Plugin }> {
  const manifest = Manifest.parse(
    JSON.parse(await Deno.readTextFile(new URL(`${id}/manifest.json`, here))),
  );
  await initToml();
  const plugin = (await import(new URL(`${id}/mod.ts`, here).href)).default as Plugin;
  return { manifest, plugin };
}

/** Copies a testdata case into a temp folder; returns the home and project roots. */
export async function materialize(
  caseDir: string,
): Promise<{ root: string; home: string; project: string }> {
  const root = await Deno.makeTempDir({ prefix: "aisync-conf-" });
  const home = `${root}/home`, project = `${root}/project`;
  await Deno.mkdir(home, { recursive: true });
  await Deno.mkdir(project, { recursive: true });
  for (const sub of ["home", "project"]) {
    await copyTree(`${caseDir}/${sub}`, `${root}/${sub}`, project);
  }
  return { root, home, project };
}

async function copyTree(from: string, to: string, project: string) {
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(from)];
  } catch {
    return;
  }
  await Deno.mkdir(to, { recursive: true });
  for (const e of entries) {
    if (e.isDirectory) await copyTree(`${from}/${e.name}`, `${to}/${e.name}`, project);
    else {
      const bytes = await Deno.readFile(`${from}/${e.name}`);
      const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
      await Deno.writeFile(
        `${to}/${e.name}`,
        text.includes("__PROJECT__")
          ? new TextEncoder().encode(text.replaceAll("__PROJECT__", project))
          : bytes,
      );
    }
  }
}

/** Builds the context a plugin gets for a home folder and projects. */
export function contextFor(
  manifest: Manifest,
  home: string,
  projects: string[],
  env: Record<string, string> = {},
): Context {
  const resolved = resolvePaths(manifest, { home, os: "linux", env }, projects);
  return { os: "linux", home, ...resolved, files: diskFiles() };
}

async function snapshot(paths: string[]): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  for (const p of paths) {
    try {
      out.set(p, await Deno.readTextFile(p));
    } catch {
      out.set(p, undefined);
    }
  }
  return out;
}

async function applyWrites(writes: PlanResult["writes"]) {
  for (const w of writes) {
    if (w.content === null) await Deno.remove(w.path).catch(() => {});
    else {
      await Deno.mkdir(w.path.slice(0, w.path.lastIndexOf("/")), { recursive: true });
      await Deno.writeFile(w.path, contentBytes(w.content, w.encoding));
      if (w.mode !== undefined) await Deno.chmod(w.path, w.mode & 0o777);
    }
  }
}

const b64 = (s: string | number[]) => btoa(typeof s === "string" ? s : String.fromCharCode(...s));

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

/** Lines of `before`, loosely (trailing commas and spaces ignored), appear in order in `after`. */
export function keepsLines(before: string, after: string): string | undefined {
  const norm = (l: string) => l.trimEnd().replace(/,$/, "");
  const a = after.split(/\r?\n/).map(norm);
  let j = 0;
  for (const line of before.split(/\r?\n/).map(norm)) {
    while (j < a.length && a[j] !== line) j++;
    if (j === a.length) return line;
    j++;
  }
  return undefined;
}

function sampleItems(project: string, kinds: string[]): Item[] {
  const items: Item[] = [];
  if (kinds.includes("mcp")) {
    items.push({
      kind: "mcp",
      scope: "user",
      name: "aisync-conf-stdio",
      value: {
        transport: "stdio",
        command: "/bin/true",
        args: ["--flag", "x y"],
        env: { LEVEL: "3" },
      },
    }, {
      kind: "mcp",
      scope: `project:${project}`,
      name: "aisync-conf-http",
      value: {
        transport: "http",
        url: "http://127.0.0.1:59999/mcp",
        headers: { "X-Team": "core" },
      },
    });
  }
  if (kinds.includes("command")) {
    items.push({
      kind: "command",
      scope: "user",
      name: "aisync-conf-cmd",
      value: { description: "Conformance command", body: "Say hello to $ARGUMENTS.\n" },
    });
  }
  if (kinds.includes("subagent")) {
    items.push({
      kind: "subagent",
      scope: "user",
      name: "aisync-conf-agent",
      value: { description: "Reviews code for the conformance suite", body: "You review code.\n" },
    });
  }
  if (kinds.includes("skill")) {
    items.push({
      kind: "skill",
      scope: "user",
      name: "aisync-conf-skill",
      value: {
        files: {
          "SKILL.md": {
            base64: b64(
              "---\nname: aisync-conf-skill\ndescription: A conformance skill\n---\n\nDo it.\n",
            ),
            mode: 0o644,
          },
          "assets/logo.bin": { base64: b64([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]), mode: 0o644 },
          "scripts/run.sh": { base64: b64("#!/bin/sh\necho ok\n"), mode: 0o755 },
        },
      },
    });
  }
  return items;
}

/** Registers the conformance test of plugin `id` over every case in its `testdata/`. */
export function runConformance(id: string): void {
  Deno.test(`${id} passes the conformance suite`, async (t) => {
    const { manifest, plugin } = await loadPlugin(id);
    assert(manifest.id === id, `manifest id "${manifest.id}" must equal the folder name "${id}"`);
    const dir = new URL(`${id}/testdata/`, here).pathname;
    const cases = [...Deno.readDirSync(dir)].filter((e) => e.isDirectory).map((e) => e.name).sort();
    assert(cases.includes("empty"), `${id}: testdata needs an "empty" case`);
    assert(cases.includes("typical"), `${id}: testdata needs a "typical" case`);
    for (const name of cases) {
      await t.step(name, async () => {
        const { root, home, project } = await materialize(`${dir}${name}`);
        try {
          await checkCase(name, manifest, plugin, home, project);
        } finally {
          await Deno.remove(root, { recursive: true });
        }
      });
    }
  });
}

async function checkCase(
  name: string,
  manifest: Manifest,
  plugin: Plugin,
  home: string,
  project: string,
) {
  const ctx = contextFor(manifest, home, [project]);
  const allowed = allowedPaths(ctx);
  await plugin.detect(ctx);
  const read = ReadResult.parse(await plugin.read(ctx));
  for (const item of read.items) {
    assert(manifest.kinds.includes(item.kind), `read returned undeclared kind "${item.kind}"`);
    assert(
      item.scope === "user" || item.scope === `project:${project}`,
      `read returned unknown scope "${item.scope}"`,
    );
  }
  if (name.startsWith("broken")) {
    assert(read.errors?.length, `case "${name}" must report a read error`);
    for (const e of read.errors!) assert(isInside(e.file, allowed), `error names "${e.file}"`);
  } else {
    assert(!read.errors?.length, `unexpected read errors: ${JSON.stringify(read.errors)}`);
  }
  const before = await snapshot(allowed);

  const noop = PlanResult.parse(await plugin.plan({ items: read.items }, ctx));
  const changed = noop.writes.filter((w) => before.get(w.path) !== (w.content ?? undefined));
  assert(
    changed.length === 0,
    `plan of what was read must write nothing: ${changed.map((w) => w.path)}`,
  );
  if (name.startsWith("broken")) return;

  // Additions keep every existing line.
  const added = [...read.items, ...sampleItems(project, manifest.kinds)];
  const addPlan = PlanResult.parse(await plugin.plan({ items: added }, ctx));
  for (const w of addPlan.writes) {
    assert(isInside(w.path, allowed), `planned write outside declared paths: ${w.path}`);
    const old = before.get(w.path);
    if (old !== undefined && w.content !== null) {
      const lost = keepsLines(old, w.content);
      assert(lost === undefined, `adding items lost the line ${JSON.stringify(lost)} of ${w.path}`);
    }
  }
  await applyWrites(addPlan.writes);
  await expectItems(plugin, ctx, added, addPlan);

  // Change one item and delete another, then plan the result again: a no-op.
  const mcp = added.filter((i) => i.kind === "mcp");
  const edited = added.filter((i) => i !== mcp[0]).map((i) =>
    i === mcp[1] && i.kind === "mcp" ? { ...i, value: { ...i.value, enabled: false } } : i
  );
  const editPlan = PlanResult.parse(await plugin.plan({ items: edited }, ctx));
  for (const w of editPlan.writes) {
    assert(isInside(w.path, allowed), `planned write outside declared paths: ${w.path}`);
  }
  await applyWrites(editPlan.writes);
  const after = await expectItems(plugin, ctx, edited, editPlan);
  const again = PlanResult.parse(await plugin.plan({ items: after.items }, ctx));
  const now = await snapshot(allowed);
  const redo = again.writes.filter((w) => now.get(w.path) !== (w.content ?? undefined));
  assert(redo.length === 0, `plan after write must be a no-op: ${redo.map((w) => w.path)}`);
}

async function expectItems(plugin: Plugin, ctx: Context, desired: Item[], plan: PlanResult) {
  const back = ReadResult.parse(await plugin.read(ctx));
  assert(!back.errors?.length, `re-read failed: ${JSON.stringify(back.errors)}`);
  const noted = new Set(plan.notes.map((n) => n.item));
  const got = new Map(back.items.map((i) => [itemKey(i), i]));
  for (const d of desired) {
    const k = itemKey(d);
    if (noted.has(k)) continue;
    const g = got.get(k);
    assert(g, `item ${k} is missing after the write`);
    assert(
      sameValue(g.value, d.value),
      `item ${k} reads back as ${JSON.stringify(g.value)}, wanted ${JSON.stringify(d.value)}`,
    );
  }
  const want = new Set(desired.map(itemKey));
  for (const k of got.keys()) assert(want.has(k), `item ${k} should have been removed`);
  return back;
}
