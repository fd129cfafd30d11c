/**
 * `aisync plugins list|check <folder>|enable <id>|disable <id>`.
 *
 * @module
 */
import type { App } from "./app.ts";
import { checkGraph, discoverPlugins, Host, type PluginInfo } from "./host.ts";
import { allowedPaths, currentPathEnv, resolvePaths } from "./paths.ts";
import { approve, revoke } from "./user_plugins.ts";
import { materialize } from "../plugins/_conformance.ts";

type Out = { log(s: string): void; error(s: string): void };

function pathsOf(app: App, p: PluginInfo): string[] {
  // The host's home and OS, with the environment variables this manifest names.
  const penv = {
    ...app.host.penv,
    env: { ...currentPathEnv(p.manifest.env ?? []).env, ...app.host.penv.env },
  };
  return allowedPaths(resolvePaths(p.manifest, penv, app.host.projects));
}

/** Runs one `plugins` subcommand; returns the exit code. */
export async function runPluginsCli(
  app: App,
  sub: string | undefined,
  arg: string | undefined,
  out: Out,
) {
  const all = [...app.host.plugins, ...app.awaiting];
  switch (sub ?? "list") {
    case "list": {
      for (const p of all) {
        const state = app.awaiting.includes(p)
          ? "waits for approval (aisync plugins enable " + p.id + ")"
          : "enabled";
        out.log(
          `${p.id.padEnd(16)} ${p.manifest.name.padEnd(24)} ${
            p.builtin ? "built-in" : "user"
          }  ${state}`,
        );
        if (!p.builtin) { for (const path of pathsOf(app, p)) out.log(`  may read ${path}`); }
      }
      for (const problem of app.problems) out.log(`problem: ${problem.message}`);
      return app.problems.length ? 1 : 0;
    }
    case "enable": {
      const p = all.find((x) => x.id === arg);
      if (!p) {
        out.error(`aisync plugins enable: no plugin "${arg ?? ""}"`);
        return 1;
      }
      if (p.builtin) {
        out.log(`${p.id} is built in and always available (turn syncing off in its policy).`);
        return 0;
      }
      await checkGraph(p);
      out.log(`Enabling ${p.id} (${p.manifest.name}). It may read only:`);
      for (const path of pathsOf(app, p)) out.log(`  ${path}`);
      await approve(app.state, p);
      out.log("Approved. It syncs from the next start of aisync.");
      return 0;
    }
    case "disable": {
      const p = all.find((x) => x.id === arg);
      if (!p || p.builtin) {
        out.error(`aisync plugins disable: no user plugin "${arg ?? ""}"`);
        return 1;
      }
      await revoke(app.state, p.id);
      out.log(`Disabled ${p.id}; its files are left as they are.`);
      return 0;
    }
    case "check":
      return await check(arg, out);
    default:
      out.error(`aisync plugins: unknown subcommand "${sub}"`);
      return 1;
  }
}

/**
 * Checks a plugin folder before it is installed: manifest, module graph, and — in the sandbox —
 * `detect`, `read` and a no-op `plan` over each of its testdata cases.
 */
async function check(folder: string | undefined, out: Out): Promise<number> {
  if (!folder) {
    out.error("aisync plugins check: name a plugin folder");
    return 1;
  }
  const dir = await Deno.realPath(folder).catch(() => undefined);
  if (!dir) {
    out.error(`aisync plugins check: "${folder}" does not exist`);
    return 1;
  }
  const parent = dir.slice(0, dir.lastIndexOf("/"));
  const { plugins, problems } = await discoverPlugins([{ dir: parent, builtin: false }]);
  const problem = problems.find((p) => p.dir === dir);
  if (problem) {
    out.error(problem.message);
    return 1;
  }
  const plugin = plugins.find((p) => p.dir === dir);
  if (!plugin) {
    out.error(`aisync plugins check: "${dir}" has no manifest.json`);
    return 1;
  }
  let failed = 0;
  const say = (ok: boolean, what: string) => {
    if (!ok) failed++;
    out.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  };
  try {
    await checkGraph(plugin);
    say(true, "module graph stays in its folder and the contract");
  } catch (e) {
    say(false, (e as Error).message);
    return 1;
  }
  let cases: string[] = [];
  try {
    cases = [...Deno.readDirSync(`${dir}/testdata`)].filter((e) => e.isDirectory).map((e) => e.name)
      .sort();
  } catch {
    say(false, "no testdata/ folder (copy the closest plugin's and adapt it)");
  }
  for (const name of cases) {
    const { root, home, project } = await materialize(`${dir}/testdata/${name}`);
    const host = new Host([plugin], { penv: { home, os: "linux", env: {} }, trustGraph: true });
    host.setProjects([project]);
    try {
      await host.detect(plugin.id);
      const r = await host.read(plugin.id);
      const broken = name.startsWith("broken");
      say(
        broken ? !!r.errors?.length : !r.errors?.length,
        `${name}: read ${r.items.length} items${
          r.errors?.length ? `, ${r.errors.length} errors` : ""
        }`,
      );
      const plan = await host.plan(plugin.id, r.items);
      const changed = [];
      for (const w of plan.writes) {
        const cur = await Deno.readTextFile(w.path).catch(() => undefined);
        if (cur !== (w.content ?? undefined)) changed.push(w.path);
      }
      say(changed.length === 0, `${name}: planning what was read writes nothing`);
    } catch (e) {
      say(false, `${name}: ${(e as Error).message}`);
    } finally {
      host.close();
      await Deno.remove(root, { recursive: true });
    }
  }
  out.log(
    failed
      ? `${failed} checks failed`
      : "All checks passed. Approve it with: aisync plugins enable " + plugin.id,
  );
  return failed ? 1 : 0;
}
