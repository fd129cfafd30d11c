/**
 * aisync's entry point: `deno run -A main.ts <command>` (and the compiled binary) run the CLI.
 *
 * @module
 */
import { runCli } from "./core/cli.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
