/**
 * `deno task bench`: prints the performance figures (goals in brackets). Each group runs in a
 * fresh subprocess so its peak memory is its own, with the runtime flags and environment of the
 * `deno.json` task it stands for: the engine's groups as `deno task watch` runs, the web and the
 * logs as `deno task start` runs.
 *
 * @module
 */
import { benchFirstSync, benchPropagation, peakRssMb } from "./engine.ts";

/** Which task each group measures. */
const TASK: Record<string, string> = {
  propagation: "watch",
  "first-sync": "watch",
  web: "start",
  logs: "start",
};

/**
 * The environment and `deno run` flags of a `deno.json` task (`K=V … deno run <flags> main.ts
 * <command>`), so the figures are those of the command a user runs.
 */
export function taskRun(task: string): { env: Record<string, string>; flags: string[] } {
  const config = JSON.parse(
    Deno.readTextFileSync(new URL("../deno.json", import.meta.url)),
  ) as { tasks: Record<string, string> };
  const words = config.tasks[task].split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0])) {
    const [k, v] = words.shift()!.split("=");
    env[k] = v;
  }
  if (words[0] !== "deno" || words[1] !== "run") throw new Error(`task ${task}: not deno run`);
  return { env, flags: words.slice(2, words.indexOf("main.ts")) };
}

const GROUPS: Record<string, () => Promise<Record<string, number>>> = {
  propagation: benchPropagation,
  "first-sync": benchFirstSync,
  web: async () => (await import("./web.ts")).benchWeb(),
  logs: async () => (await import("./logs.ts")).benchLogs(),
};

const GOALS: Record<string, string> = {
  "propagation p50 (ms)": "≤ 25",
  "propagation p99 (ms)": "≤ 100",
  "first sync (ms)": "≤ 1000",
  "peak RSS (MB)": "≤ 150 (engine)",
};

if (import.meta.main) {
  const [only, child] = Deno.args;
  if (only && !(only in GROUPS)) {
    console.error(`no benchmark group ${only}; there are ${Object.keys(GROUPS).join(", ")}`);
    Deno.exit(1);
  }
  if (child === "--child") {
    // Child mode: run one group, print JSON.
    const figures = await GROUPS[only]();
    figures["peak RSS (MB)"] = peakRssMb();
    console.log(JSON.stringify(figures));
  } else {
    for (const name of only ? [only] : Object.keys(GROUPS)) {
      const { env, flags } = taskRun(TASK[name]);
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", ...flags, new URL(import.meta.url).pathname, name, "--child"],
        env,
        stdout: "piped",
        stderr: "inherit",
      }).output();
      const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
      console.log(`\n${name} (as deno task ${TASK[name]} runs)`);
      if (!out.success) {
        console.log("  failed");
        continue;
      }
      for (const [k, v] of Object.entries(JSON.parse(text) as Record<string, number>)) {
        console.log(
          `  ${k.padEnd(40)} ${String(v).padStart(10)}${GOALS[k] ? `   (goal ${GOALS[k]})` : ""}`,
        );
      }
    }
  }
}
