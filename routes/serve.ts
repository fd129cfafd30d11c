/**
 * `aisync serve`: the watcher, the engine and the web service in one process.
 *
 * @module
 */
import { openApp } from "../core/app.ts";
import { runWatch } from "../core/cli.ts";
import { createApp } from "./mod.ts";

/** Starts everything; resolves with the exit code after Ctrl-C. */
export async function serve(options: { host?: string; port?: number }): Promise<number> {
  const app = await openApp();
  const hostname = options.host ?? "127.0.0.1";
  const port = options.port ?? Number(Deno.env.get("AISYNC_PORT") ?? 7777);
  const ac = new AbortController();
  const stop = () => ac.abort();
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  const web = createApp(app);
  const server = Deno.serve({
    hostname,
    port,
    signal: ac.signal,
    onListen: ({ hostname, port }) =>
      console.log(`aisync is listening on http://${hostname}:${port}/`),
  }, web.fetch);
  const watching = runWatch(app, (s) => console.log(s), ac.signal).catch((e) =>
    console.error(`watch: ${e.message}`)
  );
  await server.finished;
  await watching;
  app.close();
  console.log("aisync stopped.");
  return 0;
}
