/**
 * `aisync serve`: the watcher, the engine, notifications and the web service in one process.
 *
 * @module
 */
import { openApp } from "../core/app.ts";
import { runWatch } from "../core/cli.ts";
import { logApiRoutes, logRoutes, metricsRoute } from "./logs.tsx";
import { createApp } from "./mod.ts";

/** Options of {@linkcode serve}. */
export interface ServeOptions {
  host?: string;
  port?: number;
}

/** Starts everything; resolves with the exit code after Ctrl-C. */
export async function serve(options: ServeOptions): Promise<number> {
  const app = await openApp();
  const hostname = options.host ?? Deno.env.get("AISYNC_HOST") ?? "127.0.0.1";
  const port = options.port ?? Number(Deno.env.get("AISYNC_PORT") ?? 7777);
  const wildcard = hostname === "0.0.0.0" || hostname === "::";
  const hosts = [
    ...(wildcard ? [] : [hostname]),
    ...(Deno.env.get("AISYNC_HOSTS") ?? "").split(",").map((h) => h.trim()).filter(Boolean),
  ];
  const web = createApp(app, {
    hosts,
    // Logs, exports and metrics: their own area, behind the same sign-in.
    mounts: [
      { path: "/logs", app: logRoutes(app) },
      { path: "/", app: logApiRoutes(app) },
      { path: "/", app: metricsRoute(app) },
    ],
  });

  const ac = new AbortController();
  const stop = () => ac.abort();
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  // Open event streams would keep a graceful shutdown waiting: end them first.
  ac.signal.addEventListener("abort", () => web.hub.close());

  const server = Deno.serve({
    hostname,
    port,
    signal: ac.signal,
    onListen: ({ hostname: h, port: p }) => {
      const shown = h.includes(":") ? `[${h}]` : h;
      console.log(`aisync is listening on http://${shown}:${p}/`);
    },
  }, web.hono.fetch);

  const setup = await web.web.auth.setupToken();
  if (setup) {
    console.log(
      `No user yet. Open http://${
        wildcard ? "127.0.0.1" : hostname.includes(":") ? `[${hostname}]` : hostname
      }:${server.addr.port}/setup and enter this one-time setup token:\n\n    ${setup}\n\n` +
        `(or create a user with: aisync user add <name> --password-stdin)`,
    );
  }

  const watching = runWatch(app, (s) => console.log(s), ac.signal).catch((e) =>
    console.error(`watch: ${e.message}`)
  );
  await server.finished;
  await watching;
  await web.close();
  await app.close();
  Deno.removeSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.removeSignalListener("SIGTERM", stop);
  console.log("aisync stopped.");
  return 0;
}
