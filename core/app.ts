/**
 * Wires the store, plugin host, bus and engine together for the CLI and the web service.
 *
 * @module
 */
import { openDb } from "../db/mod.ts";
import { Bus } from "./bus.ts";
import { dataDir, dbUrl, machineId } from "./data_dir.ts";
import { Engine } from "./engine.ts";
import { discoverPlugins, Host, type PluginProblem } from "./host.ts";
import { currentPathEnv } from "./paths.ts";
import { State } from "./state.ts";

/** A running aisync: close it when done. */
export interface App {
  dir: string;
  state: State;
  host: Host;
  engine: Engine;
  bus: Bus;
  problems: PluginProblem[];
  close(): void;
}

/** Opens aisync's state and plugins from the environment (`HOME`, `AISYNC_HOME`, `AISYNC_DB_URL`). */
export async function openApp(options: { timeoutMs?: number } = {}): Promise<App> {
  const dir = dataDir();
  await Deno.mkdir(dir, { recursive: true });
  const store = await openDb(dbUrl(dir), Deno.env.get("AISYNC_DB_TOKEN"));
  const state = new State(store, await machineId(dir));
  const { plugins, problems } = await discoverPlugins([
    { dir: new URL("../plugins", import.meta.url).pathname, builtin: true },
  ]);
  const env = [...new Set(plugins.flatMap((p) => p.manifest.env ?? []))];
  const host = new Host(plugins, { penv: currentPathEnv(env), timeoutMs: options.timeoutMs });
  const bus = new Bus();
  const engine = new Engine(host, state, bus);
  return {
    dir,
    state,
    host,
    engine,
    bus,
    problems,
    close() {
      host.close();
      store.close();
    },
  };
}
