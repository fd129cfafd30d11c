/**
 * The commands that deal with the web service: `user add <name> --password-stdin` and
 * `status --watch` (reads the running service's event stream, replaying what it missed after a
 * reconnect with `Last-Event-ID`).
 *
 * @module
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { App } from "./app.ts";
import { Auth } from "./auth.ts";
import type { BusEvent } from "./bus.ts";

type Out = { log(s: string): void; error(s: string): void };

/** Reads all of stdin as text (the password, without its final newline). */
async function readStdin(): Promise<string> {
  const text = await new Response(Deno.stdin.readable).text();
  return text.replace(/\r?\n$/, "");
}

/** `aisync user add <name> --password-stdin` (and `user list`). */
export async function userCommand(
  app: App,
  out: Out,
  args: {
    sub?: string;
    name?: string;
    passwordStdin?: boolean;
    readPassword?: () => Promise<string>;
  },
): Promise<number> {
  const auth = new Auth(app.state.store);
  if (args.sub === "list" || !args.sub) {
    for (const n of await auth.userNames()) out.log(n);
    return 0;
  }
  if (args.sub !== "add") {
    out.error(`aisync user: unknown subcommand "${args.sub}" (use add or list)`);
    return 1;
  }
  if (!args.name) {
    out.error("aisync user add: name the user: aisync user add <name> --password-stdin");
    return 1;
  }
  if (!args.passwordStdin) {
    // Passwords on the command line end up in shell history and `ps`.
    out.error("aisync user add: pass the password on stdin with --password-stdin");
    return 1;
  }
  const password = await (args.readPassword ?? readStdin)();
  try {
    await auth.addUser(args.name, password);
  } catch (e) {
    out.error(`aisync user add: ${(e as Error).message}`);
    return 1;
  }
  out.log(`Added user ${args.name}.`);
  return 0;
}

/** One line for an event. */
export function describeEvent(e: BusEvent): string {
  const t = new Date(e.at).toISOString().slice(11, 19);
  let what: string;
  switch (e.type) {
    case "sync.started":
      what = `sync started (${e.trigger})`;
      break;
    case "sync.finished":
      what =
        `sync finished: ${e.changes} changes, ${e.writes} writes, ${e.conflicts} conflicts, ${e.errors} errors (${e.ms} ms)`;
      break;
    case "item.changed":
      what = `${e.action} ${e.key} (from ${e.clients.join(", ")})`;
      break;
    case "file.written":
      what = `wrote ${e.path} for ${e.client} (backup ${e.backupId})`;
      break;
    case "conflict.opened":
      what = `conflict #${e.conflictId} on ${e.key}: ${e.clients.join(" vs ")}`;
      break;
    case "conflict.resolved":
      what = `conflict #${e.conflictId} on ${e.key} resolved (${e.by})`;
      break;
    case "client.state":
      what = `${e.client}: ${e.state}${e.notes ? ` (${e.notes} notes)` : ""}${
        e.errors.length ? ` — ${e.errors[0]}` : ""
      }`;
      break;
    case "lossy":
      what = `${e.client} lossy on ${e.key}: ${e.message}`;
      break;
    case "error":
      what = `error in ${e.client ?? e.source}: ${e.message}`;
      break;
    case "watch.change":
      what = `${e.client} changed ${e.paths.join(", ")}`;
      break;
    default:
      what = (e as { type: string }).type;
  }
  return `${t} #${e.id} ${what}`;
}

/** Options of {@linkcode watchStatus}. */
export interface WatchStatusOptions {
  /** The service's base URL (default `http://127.0.0.1:$AISYNC_PORT` or 7777). */
  url?: string;
  signal?: AbortSignal;
  /** Stop after this many events (tests). */
  maxEvents?: number;
}

/**
 * `aisync status --watch`: prints each client's state, then every event from the running
 * service until the signal aborts. Uses a short-lived token minted from the local store (whoever
 * can read aisync's database is already its owner).
 */
export async function watchStatus(
  app: App,
  out: Out,
  opts: WatchStatusOptions = {},
): Promise<number> {
  const auth = new Auth(app.state.store);
  const [first] = await auth.userNames();
  if (!first) {
    out.error("aisync status --watch: no user yet; run aisync serve and set one up first");
    return 1;
  }
  const { userId } = (await auth.lookupUser(first))!;
  const { token } = await auth.issue(userId, "bearer");
  const base = (opts.url ?? `http://127.0.0.1:${Deno.env.get("AISYNC_PORT") ?? 7777}`).replace(
    /\/$/,
    "",
  );
  const headers = { Authorization: `Bearer ${token}` };
  const printClients = async () => {
    const res = await fetch(`${base}/api/v1/clients`, { headers, signal: opts.signal });
    if (!res.ok) throw new Error(`Cannot read the clients: HTTP ${res.status}`);
    const { clients } = await res.json() as {
      clients: { id: string; state: string; notes: unknown[]; errors: string[] }[];
    };
    for (const c of clients) {
      out.log(
        `${c.id.padEnd(14)} ${c.state}${c.notes.length ? ` (${c.notes.length} lossy)` : ""}${
          c.errors.length ? ` — ${c.errors[0]}` : ""
        }`,
      );
    }
  };
  let last: string | undefined;
  let seen = 0;
  let delay = 500;
  try {
    await printClients();
    while (!opts.signal?.aborted) {
      try {
        const res = await fetch(`${base}/events?only=bus`, {
          headers: { ...headers, ...(last ? { "Last-Event-ID": last } : {}) },
          signal: opts.signal,
        });
        if (res.status === 401) throw new Error("the service refused the token");
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        delay = 500;
        let stop = false;
        const parser = createParser({
          onEvent(m: EventSourceMessage) {
            if (m.id) last = m.id;
            if (m.event === "reload") {
              out.log("(some events were missed; current state:)");
              printClients().catch((e) => out.error(e.message));
            } else if (m.event === "bus") {
              out.log(describeEvent(JSON.parse(m.data)));
              if (opts.maxEvents && ++seen >= opts.maxEvents) stop = true;
            }
          },
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        while (!stop) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
        await reader.cancel().catch(() => {});
        if (stop) break;
      } catch (e) {
        if (opts.signal?.aborted) break;
        if ((e as Error).message === "the service refused the token") throw e;
        out.error(`(disconnected: ${(e as Error).message}; retrying in ${delay} ms)`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 10_000);
      }
    }
  } catch (e) {
    if (!opts.signal?.aborted) {
      out.error(
        `aisync status --watch: ${(e as Error).message} (is aisync serve running at ${base}?)`,
      );
      return 1;
    }
  } finally {
    await auth.revoke(token);
  }
  return 0;
}
