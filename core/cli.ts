/**
 * The command line: `clients`, `status`, `diff`, `sync`, `watch`, `history`, `restore`,
 * `conflicts`, `resolve`, `projects`. Exit codes: 0 in sync, 1 error, 2 conflicts pending.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { resolve as resolvePath } from "node:path";
import { type App, type AppOptions, openApp } from "./app.ts";
import { droppedBy, type SyncReport } from "./engine.ts";
import { maskConflict } from "./mask.ts";
import { hashContent } from "./files.ts";
import { restoreBackup } from "./items.ts";
import { watchPaths } from "./watcher.ts";
import { parseItemKey } from "./schema.ts";
import { EXPORT_USAGE, runExportCli } from "./export_cli.ts";
import { startExportSchedule } from "./s3.ts";

/** Usage text. */
export const USAGE = `aisync — keeps AI coding clients' MCP servers and instructions in step

Usage: aisync <command> [options]

  serve [--host H] [--port N]     watcher + engine + web UI (default 127.0.0.1:7777)
  clients                         the client plugins, installed or not, and the paths they read
  status [--json]                 what a sync would do now, and open conflicts
  status --watch [--url URL]      follow the running service's events (live)
  diff                            the planned writes as unified diffs
  sync [--dry-run] [--json] [--prefer <client>]
  watch                           watcher and engine in the foreground, no web
  history <item>                  the values an item had (item: kind:scope:name)
  backups [file] [--json]         the newest backups (of one file), with the ids restore takes
  restore <backup-id>             put a file back as it was before a write
  conflicts [--json]              open conflicts
  resolve <conflict-id> --take <client>
  resolve --dropped <client> --keep|--delete   all a client dropped at once (its file emptied)
  projects add|list|remove [path]
  settings [--json]               the preferred client, deletions, backup retention
  settings set <name> <value>     e.g. settings set deletes off (aisync settings lists names)
  policy [<client>] [--json]      each client's sync policy
  policy <client> set <field> <value>   enabled on|off, direction both|send|receive,
                                  kinds mcp,instructions,…, scopes all|user|project, mode auto|ask
  plugins list|check <folder>|enable <id>|disable <id>   user plugins in <data dir>/plugins
  user add <name> --password-stdin | user list   users of the web service
${EXPORT_USAGE}

Exit codes: 0 in sync, 1 error, 2 conflicts pending.`;

type Out = { log(s: string): void; error(s: string): void };

/** Runs one CLI command; returns the exit code. */
export async function runCli(
  args: string[],
  out: Out = console,
  /** Where clients' files and aisync's state are (tests); the environment by default. */
  appOptions: AppOptions = {},
): Promise<number> {
  const [cmd, ...rest] = args;
  if (!cmd || cmd === "help" || cmd === "--help" || cmd === "-h") {
    out.log(USAGE);
    return 0;
  }
  if (cmd === "export" || cmd === "import") {
    // These take their own flags (--format, --out, --to, filters): parsed in export_cli.ts.
    const app = await openApp(appOptions);
    try {
      return await runExportCli(app, cmd, rest, out);
    } finally {
      await app.close();
    }
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        "dry-run": { type: "boolean" },
        prefer: { type: "string" },
        take: { type: "string" },
        dropped: { type: "string" },
        keep: { type: "boolean" },
        delete: { type: "boolean" },
        host: { type: "string" },
        port: { type: "string" },
        watch: { type: "boolean" },
        url: { type: "string" },
        "password-stdin": { type: "boolean" },
      },
    });
  } catch (e) {
    out.error(`aisync ${cmd}: ${(e as Error).message}`);
    return 1;
  }
  const { values: o, positionals: pos } = parsed;
  if (cmd === "serve") {
    const { serve } = await import("../routes/serve.ts");
    return await serve({ host: o.host, port: o.port ? Number(o.port) : undefined });
  }
  const app = await openApp(appOptions);
  try {
    switch (cmd) {
      case "clients":
        return await clients(app, out, !!o.json);
      case "user": {
        // Loaded by the commands that need them: `watch` and `serve` stay lighter.
        const { userCommand } = await import("./cli_web.ts");
        return await userCommand(app, out, {
          sub: pos[0],
          name: pos[1],
          passwordStdin: !!o["password-stdin"],
        });
      }
      case "status":
      case "sync":
      case "diff": {
        if (cmd === "status" && o.watch) return await statusWatch(app, out, o.url);
        if (o.prefer && !app.host.plugins.some((p) => p.id === o.prefer)) {
          out.error(`aisync ${cmd}: unknown client "${o.prefer}"`);
          return 1;
        }
        const dry = cmd !== "sync" || !!o["dry-run"];
        const report = await app.engine.sync({ dryRun: dry, prefer: o.prefer, trigger: "cli" });
        if (cmd === "diff") await printDiff(report, out);
        else if (o.json) {
          const json: Record<string, unknown> = redactReport(report);
          // Every item aisync keeps, with its kind (secrets stay out: keys, not values).
          if (cmd === "status") {
            json.items = [...(await app.state.base()).entries()].map(([key, b]) => ({
              key,
              kind: b.item.kind,
              scope: b.item.scope,
              name: b.item.name,
            }));
          }
          out.log(JSON.stringify(json, null, 2));
        } else printReport(report, out, dry);
        return exitCode(report);
      }
      case "watch":
        return await watch(app, out);
      case "history":
        return await history(app, out, pos[0]);
      case "restore":
        return await restore(app, out, pos[0]);
      case "backups":
        return await listBackups(app, out, pos[0], !!o.json);
      case "conflicts": {
        const open = [...(await app.state.openConflicts()).values()];
        // Values as the web shows them: secrets never reach the screen.
        const shown = open.map((c) => ({ ...maskConflict(c), droppedBy: droppedBy(c) }));
        if (o.json) out.log(JSON.stringify(shown, null, 2));
        else if (!open.length) out.log("No open conflicts.");
        else {
          for (const c of shown) {
            const why = c.droppedBy ? ` (${c.droppedBy} dropped it: its file was emptied)` : "";
            out.log(`#${c.id} ${c.key} — ${Object.keys(c.sides).join(" vs ")}${why}`);
          }
        }
        return open.length ? 2 : 0;
      }
      case "resolve":
        if (o.dropped !== undefined) return await resolveDropped(app, out, o.dropped, o);
        return await resolve(app, out, pos[0], o.take);
      case "projects":
        return await projects(app, out, pos[0], pos[1]);
      case "settings": {
        const { runSettingsCli } = await import("./settings_cli.ts");
        return await runSettingsCli(app, pos, !!o.json, out);
      }
      case "policy": {
        const { runPolicyCli } = await import("./settings_cli.ts");
        return await runPolicyCli(app, pos, !!o.json, out);
      }
      case "plugins": {
        const { runPluginsCli } = await import("./plugins_cli.ts");
        return await runPluginsCli(app, pos[0], pos[1], out);
      }
      default:
        out.error(`aisync: unknown command "${cmd}"\n\n${USAGE}`);
        return 1;
    }
  } catch (e) {
    out.error(`aisync ${cmd}: ${(e as Error).message}`);
    return 1;
  } finally {
    // Awaited: the log's last batch is written before the process exits.
    await app.close();
  }
}

function exitCode(r: SyncReport): number {
  if (r.errors.length || Object.values(r.clients).some((c) => c.state === "error")) return 1;
  return r.conflicts.length ? 2 : 0;
}

/** Masks values of env and headers in a report's before/after texts is not possible (files are
 * the user's own); JSON output carries paths and keys, not contents. */
function redactReport(r: SyncReport) {
  const strip = (w: SyncReport["writes"][number]) => ({
    path: w.path,
    clients: w.clients,
    backupId: w.backupId,
    remove: w.after === null,
  });
  const kind = (key: string) => parseItemKey(key).kind;
  return {
    ...r,
    changes: r.changes.map((c) => ({ ...c, kind: kind(c.key) })),
    conflicts: r.conflicts.map((c) => ({ ...c, kind: kind(c.key) })),
    writes: r.writes.map(strip),
    pending: r.pending.map(strip),
  };
}

function printReport(r: SyncReport, out: Out, dry: boolean) {
  const idW = Math.max(0, ...Object.keys(r.clients).map((id) => id.length));
  for (const [id, c] of Object.entries(r.clients)) {
    const state = c.state === "absent" ? "not installed (not synced)" : c.state;
    out.log(`${id.padEnd(idW)}  ${state}${c.notes.length ? ` (${c.notes.length} notes)` : ""}`);
    for (const e of c.errors) out.log(`  error: ${e}`);
    for (const n of c.notes) {
      out.log(`  note: ${n.item}${n.field ? ` ${n.field}` : ""}: ${n.message}`);
    }
  }
  for (const c of r.changes) {
    out.log(`${c.action.padEnd(7)} ${c.key} (from ${c.clients.join(", ")})`);
  }
  for (const c of r.conflicts) {
    out.log(
      `conflict ${c.id ? `#${c.id} ` : ""}${c.key}: ${c.clients.join(" vs ")}${
        c.fields.length ? ` on ${c.fields.join(", ")}` : ""
      }`,
    );
  }
  for (const e of r.errors) out.log(`error: ${e}`);
  const verb = dry ? "would write" : "wrote";
  for (const w of r.writes) {
    out.log(`${verb} ${w.path}${w.backupId ? ` (backup ${w.backupId})` : ""}`);
  }
  for (const w of r.pending) out.log(`pending (ask-first) ${w.path}`);
  if (!r.writes.length && !r.changes.length && !r.conflicts.length && !r.errors.length) {
    out.log("Everything is in sync.");
  }
}

async function printDiff(r: SyncReport, out: Out) {
  const { createTwoFilesPatch } = await import("diff");
  for (const w of [...r.writes, ...r.pending]) {
    out.log(
      createTwoFilesPatch(w.path, w.path, w.before ?? "", w.after ?? "", "current", "planned"),
    );
  }
  if (!r.writes.length && !r.pending.length) out.log("No changes.");
}

async function clients(app: App, out: Out, json: boolean): Promise<number> {
  const rows = [];
  for (const p of app.host.plugins) {
    let installed = false, version: string | undefined, error: string | undefined;
    try {
      ({ installed, version } = await app.host.detect(p.id));
    } catch (e) {
      error = (e as Error).message;
    }
    rows.push({
      id: p.id,
      name: p.manifest.name,
      installed,
      version,
      error,
      kinds: p.manifest.kinds,
      paths: app.host.allowed(p.id),
      // What shows it is installed here (and so synced).
      home: app.host.homes(p.id),
    });
  }
  if (json) out.log(JSON.stringify({ clients: rows, problems: app.problems }, null, 2));
  else {
    // Paths in the home folder as the user writes them; columns as wide as the longest entry.
    const { tilde } = homeFolder(app);
    const idW = Math.max(...rows.map((r) => r.id.length)),
      nameW = Math.max(...rows.map((r) => r.name.length));
    for (const r of rows) {
      out.log(
        `${r.id.padEnd(idW)}  ${r.name.padEnd(nameW)}  ${
          r.error ? "error" : r.installed ? "installed" : "not found"
        }${r.version ? ` ${r.version}` : ""}`,
      );
      if (r.error) out.log(`  ${r.error}`);
      if (!r.installed && r.home.length) {
        out.log(`  synced once one of these exists: ${r.home.map(tilde).join(", ")}`);
      }
      for (const p of r.paths) out.log(`  reads ${tilde(p)}`);
    }
    for (const p of app.problems) out.log(`problem: ${p.message}`);
  }
  return rows.some((r) => r.error) || app.problems.length ? 1 : 0;
}

async function statusWatch(app: App, out: Out, url?: string): Promise<number> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  Deno.addSignalListener("SIGINT", stop);
  try {
    const { watchStatus } = await import("./cli_web.ts");
    return await watchStatus(app, out, { url, signal: ac.signal });
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
  }
}

async function watch(app: App, out: Out): Promise<number> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  try {
    await runWatch(app, (s) => out.log(s), ac.signal);
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    if (Deno.build.os !== "windows") Deno.removeSignalListener("SIGTERM", stop);
  }
  return 0;
}

/** Syncs once, then on every change to a client's files until the signal aborts. */
export async function runWatch(
  app: App,
  log: (s: string) => void,
  signal: AbortSignal,
): Promise<void> {
  // The daily export to S3, when the user set one up (it records its runs in the log).
  startExportSchedule(app, { signal });
  const summary = (r: SyncReport) =>
    `${r.changes.length} changes, ${r.writes.length} writes, ${r.conflicts.length} conflicts, ${r.errors.length} errors`;
  log(`sync: ${summary(await app.engine.sync({ trigger: "watch" }))}`);
  while (!signal.aborted) {
    const hashes = await app.state.hashes();
    const paths = [...new Set(app.host.plugins.flatMap((p) => app.host.allowed(p.id)))];
    // A client installed (or removed) meanwhile: its folder coming or going is a change.
    const homes = [...new Set(app.host.plugins.flatMap((p) => app.host.homes(p.id)))];
    const projectsBefore = app.host.projects.join("\n");
    const present = () => app.host.plugins.map((p) => app.host.present(p.id)).join();
    const presentBefore = present();
    const inner = new AbortController();
    const onAbort = () => inner.abort();
    signal.addEventListener("abort", onAbort);
    // Stopped while the watch restarted (new projects or clients): no abort event comes now.
    if (signal.aborted) inner.abort();
    const onChange = async (changed: string[]) => {
      try {
        const r = await app.engine.sync({ trigger: "watch" });
        if (changed.length || r.changes.length || r.writes.length || r.errors.length) {
          log(
            `change in ${changed.join(", ") || "a file saved before the watch began"}: ${
              summary(r)
            }`,
          );
        }
        for (const w of r.writes) hashes.set(w.path, await hashContent(w.after, w.encoding));
      } catch (e) {
        // The engine has published the error for the dashboard and the log.
        log(`sync failed: ${(e as Error).message}`);
      }
      // New projects, clients or folders mean new folders to watch: restart the watcher.
      const newFolder = changed.some((c) =>
        [...paths, ...homes].some((w) => w.startsWith(c + "/"))
      );
      if (
        newFolder || app.host.projects.join("\n") !== projectsBefore || present() !== presentBefore
      ) inner.abort();
    };
    // A file saved between the last sync and the watch starting is caught by one more sync
    // (cheap: unchanged clients are not read again).
    await watchPaths(paths, onChange, {
      ownHash: (p) => hashes.get(p),
      signal: inner.signal,
      appear: homes,
      links: symlinked(paths),
      onReady: () => void onChange([]),
    });
    signal.removeEventListener("abort", onAbort);
  }
}

/** Declared paths that are symlinks, by where they point (a dotfiles repository, often). */
function symlinked(paths: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of paths) {
    try {
      if (Deno.lstatSync(p).isSymlink) out.set(Deno.realPathSync(p), p);
    } catch {
      // absent, or a dangling link: nothing to watch there yet
    }
  }
  return out;
}

async function history(app: App, out: Out, key?: string): Promise<number> {
  if (!key) {
    out.error("aisync history: name an item, e.g. mcp:user:github");
    return 1;
  }
  parseItemKey(key);
  const rows = await app.state.history(key);
  if (!rows.length) {
    out.error(`aisync history: no history for "${key}"`);
    return 1;
  }
  for (const r of rows) {
    out.log(
      `${new Date(r.at).toISOString()} ${r.source.padEnd(20)} ${
        r.value === null ? "(deleted)" : maskJson(r.value)
      }`,
    );
  }
  return 0;
}

/** Masks env and header values (secrets) in a JSON item value. */
export function maskJson(json: string): string {
  const v = JSON.parse(json);
  for (const k of ["env", "headers"]) {
    if (v && typeof v[k] === "object") {
      for (const name of Object.keys(v[k])) v[k][name] = mask(v[k][name]);
    }
  }
  return JSON.stringify(v);
}

function mask(s: string): string {
  // References are not secrets; literal values are.
  return /^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$/.test(s) ? s : "****";
}

async function restore(app: App, out: Out, id?: string): Promise<number> {
  const n = Number(id);
  if (!id || !Number.isInteger(n)) {
    out.error("aisync restore: name a backup id (`aisync backups [file]` lists them)");
    return 1;
  }
  let path: string, undo: number;
  try {
    ({ path, undo } = await restoreBackup(app, n));
  } catch (e) {
    out.error(`aisync restore: ${(e as Error).message}`);
    return 1;
  }
  out.log(`Restored ${path} from backup ${n} (the replaced content is backup ${undo}).`);
  return 0;
}

/** The home folder clients' files are under, and a path in it as the user writes it (`~/…`). */
function homeFolder(app: App): { home: string; tilde(path: string): string } {
  const home = app.host.penv.home.replace(/\/+$/, "");
  return {
    home,
    tilde: (p) => p.startsWith(`${home}/`) ? `~${p.slice(home.length)}` : p,
  };
}

/** A path the user typed (`~/…`, relative or absolute), absolute and normalized. */
function userPath(app: App, p: string): string {
  const { home } = homeFolder(app);
  return resolvePath(p === "~" || p.startsWith("~/") ? home + p.slice(1) : p);
}

/** The newest backups, of one file (`~/…`, relative or absolute) or of all. */
async function listBackups(app: App, out: Out, file: string | undefined, json: boolean) {
  const { tilde } = homeFolder(app);
  const path = file === undefined ? undefined : userPath(app, file);
  const rows = await app.state.backupsOf(path, 50);
  if (json) out.log(JSON.stringify(rows, null, 2));
  else if (!rows.length) out.log(path ? `No backups of ${path}.` : "No backups yet.");
  else {
    for (const b of rows) {
      out.log(
        `${String(b.id).padStart(6)}  ${new Date(b.at).toISOString()}  ${tilde(b.path)}  ` +
          `(before ${b.reason}, ${b.client})`,
      );
    }
  }
  return 0;
}

/** Keeps (gives back) or deletes everywhere every item one emptied client dropped. */
async function resolveDropped(
  app: App,
  out: Out,
  client: string,
  o: { keep?: boolean; delete?: boolean },
): Promise<number> {
  if (!o.keep === !o.delete) {
    out.error("aisync resolve --dropped: say --keep or --delete");
    return 1;
  }
  const mine = await app.engine.settleDropped(client, !!o.keep);
  if (!mine.length) {
    out.error(`aisync resolve --dropped: "${client}" dropped nothing that waits for you`);
    return 1;
  }
  out.log(`${o.keep ? "kept" : "deleted everywhere"}: ${mine.map((c) => c.key).join(", ")}`);
  const r = await app.engine.sync({ trigger: "resolve" });
  printReport(r, out, false);
  return exitCode(r);
}

async function resolve(app: App, out: Out, id?: string, take?: string): Promise<number> {
  const open = [...(await app.state.openConflicts()).values()].find((c) => String(c.id) === id);
  if (!open) {
    out.error(`aisync resolve: no open conflict "${id ?? ""}"`);
    return 1;
  }
  if (!take || !(take in open.sides)) {
    out.error(`aisync resolve: --take one of ${Object.keys(open.sides).join(", ")}`);
    return 1;
  }
  await app.engine.resolve(open.id, { take });
  const r = await app.engine.sync({ trigger: "resolve" });
  printReport(r, out, false);
  return exitCode(r);
}

async function projects(app: App, out: Out, sub?: string, path?: string): Promise<number> {
  if (sub === "list" || !sub) {
    for (const p of await app.state.projects()) {
      out.log(`${p.active ? "   " : "(removed) "}${p.path}  [${p.source}]`);
    }
    return 0;
  }
  if (!path) {
    out.error(`aisync projects ${sub}: name a folder`);
    return 1;
  }
  const abs = userPath(app, path);
  if (sub === "add") {
    try {
      if (!(await Deno.stat(abs)).isDirectory) throw new Error();
    } catch {
      out.error(`aisync projects add: "${abs}" is not a folder`);
      return 1;
    }
    await app.state.addProject(await Deno.realPath(abs), "registered");
    out.log(`Added ${abs}`);
    return 0;
  }
  if (sub === "remove") {
    if (!(await app.state.removeProject(abs))) {
      out.error(`aisync projects remove: "${abs}" is not a project`);
      return 1;
    }
    out.log(`Removed ${abs} (its files are left as they are)`);
    return 0;
  }
  out.error(`aisync projects: unknown subcommand "${sub}"`);
  return 1;
}
