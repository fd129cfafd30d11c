/**
 * Wires the store, plugin host, bus and engine together for the CLI and the web service.
 *
 * @module
 */
import { openDb } from "../db/mod.ts";
import { Bus } from "./bus.ts";
import { dataDir, dbUrl, machineId } from "./data_dir.ts";
import { Engine } from "./engine.ts";
import { discoverPlugins, Host, type PluginInfo, type PluginProblem } from "./host.ts";
import { isApproved, userPluginDir, writeContractShim } from "./user_plugins.ts";
import { Log } from "./log.ts";
import { currentPathEnv } from "./paths.ts";
import { State } from "./state.ts";

/** A running aisync: close it when done. */
export interface App {
  dir: string;
  state: State;
  host: Host;
  engine: Engine;
  bus: Bus;
  /** The structured log; it records every bus event (see core/log.ts). */
  log: Log;
  problems: PluginProblem[];
  /** User plugins found in the data folder that wait for the user's approval. */
  awaiting: PluginInfo[];
  /** Stops the plugins, writes the log's last batch and closes the store. */
  close(): Promise<void>;
}

/** Options of {@linkcode openApp}; each defaults to the environment. */
export interface AppOptions {
  /** Milliseconds one plugin call may take. */
  timeoutMs?: number;
  /** The home folder clients' files are found under (default `HOME`). */
  home?: string;
  /** aisync's data folder (default `AISYNC_HOME` or the platform data folder). */
  dataDir?: string;
  /** libSQL URL (default `AISYNC_DB_URL` or the data folder's `aisync.db`). */
  dbUrl?: string;
  /** Environment variables plugins' paths name (default: the process's). */
  env?: Record<string, string | undefined>;
}

/** Opens aisync's state and plugins (`HOME`, `AISYNC_HOME`, `AISYNC_DB_URL` by default). */
export async function openApp(options: AppOptions = {}): Promise<App> {
  const dir = options.dataDir ?? dataDir();
  await Deno.mkdir(dir, { recursive: true });
  const store = await openDb(options.dbUrl ?? dbUrl(dir), Deno.env.get("AISYNC_DB_TOKEN"));
  const state = new State(store, await machineId(dir));
  await writeContractShim(dir);
  const found = await discoverPlugins([
    { dir: new URL("../plugins", import.meta.url).pathname, builtin: true },
    { dir: userPluginDir(dir), builtin: false },
  ]);
  const { problems } = found;
  // A user plugin runs only once the user approved the paths it asks to read.
  const plugins: PluginInfo[] = [], awaiting: PluginInfo[] = [];
  for (const p of found.plugins) {
    if (p.builtin || await isApproved(state, p)) plugins.push(p);
    else awaiting.push(p);
  }
  const env = [...new Set(plugins.flatMap((p) => p.manifest.env ?? []))];
  const penv = currentPathEnv(env);
  if (options.home) penv.home = options.home;
  if (options.env) penv.env = { ...options.env };
  const host = new Host(plugins, { penv, timeoutMs: options.timeoutMs });
  const bus = new Bus();
  const engine = new Engine(host, state, bus);
  const log = new Log(store, { bus });
  return {
    dir,
    state,
    host,
    engine,
    bus,
    log,
    problems,
    awaiting,
    async close() {
      host.close();
      try {
        await engine.idle();
        await log.close();
      } finally {
        store.close();
      }
    },
  };
}
