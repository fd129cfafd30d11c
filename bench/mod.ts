/**
 * `deno task bench`: prints the performance figures (goals in brackets). Each group runs in a
 * fresh subprocess so its peak memory is its own.
 *
 * @module
 */
import { benchFirstSync, benchPropagation, peakRssMb } from "./engine.ts";

const V8_FLAGS = "--v8-flags=--optimize-for-size,--max-semi-space-size=1,--expose-gc";

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
  const only = Deno.args[0];
  if (only) {
    // Child mode: run one group, print JSON.
    const figures = await GROUPS[only]();
    figures["peak RSS (MB)"] = peakRssMb();
    console.log(JSON.stringify(figures));
  } else {
    for (const name of Object.keys(GROUPS)) {
      const out = await new Deno.Command(Deno.execPath(), {
        // The V8 flags `deno task start` runs with (smaller heaps: about 100 MB less RSS).
        args: ["run", "-A", V8_FLAGS, new URL(import.meta.url).pathname, name],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
      console.log(`\n${name}`);
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
