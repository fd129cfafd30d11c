/**
 * Notifications: turns bus events into notices (conflict, error, change applied, lossy
 * translation) and sends each where the user's rules say: in-app toasts, browser notifications,
 * the desktop (`notify-send`, `osascript`, run by the host, never by a plugin) and webhooks
 * (generic JSON, Slack-compatible, ntfy) with retries and backoff.
 *
 * @module
 */
import pRetry, { AbortError } from "p-retry";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Bus, BusEvent } from "./bus.ts";
import type { Store } from "../db/mod.ts";
import { schema } from "../db/mod.ts";

/** What a notice is about. */
export const NoticeKind = z.enum(["conflict", "error", "change", "lossy"]);
export type NoticeKind = z.infer<typeof NoticeKind>;

/** Where a notice can go. */
export const Channel = z.enum(["toast", "browser", "desktop", "webhook"]);
export type Channel = z.infer<typeof Channel>;

/** One webhook target. */
export const Webhook = z.object({
  name: z.string().min(1).max(80),
  url: z.url({ protocol: /^https?$/ }),
  format: z.enum(["json", "slack", "ntfy"]).default("json"),
  enabled: z.boolean().default(true),
});
export type Webhook = z.infer<typeof Webhook>;

const ALL: Channel[] = ["toast", "browser", "desktop", "webhook"];

/** The user's notification settings. */
export const NotifySettings = z.object({
  /** Opt-in for browser notifications (the browser asks the user too). */
  browser: z.boolean().default(false),
  /** Opt-in for desktop notifications through the platform tool. */
  desktop: z.boolean().default(false),
  webhooks: z.array(Webhook).max(20).default([]),
  /** Which channels hear about which kind of notice. */
  rules: z.record(NoticeKind, z.array(Channel)).default({
    conflict: ALL,
    error: ALL,
    change: ["toast"],
    lossy: ["toast"],
  }),
});
export type NotifySettings = z.infer<typeof NotifySettings>;

/** One notice. */
export interface Notice {
  kind: NoticeKind;
  title: string;
  body: string;
  at: number;
  /** The bus event that caused it. */
  eventId: number;
  /** The in-app channels it goes to. */
  toast: boolean;
  browser: boolean;
  /** A page that shows more. */
  link?: string;
}

/** Options of {@linkcode Notifier}. */
export interface NotifierOptions {
  /** Runs the desktop tool (default: `notify-send` on Linux, `osascript` on macOS). */
  desktop?: (title: string, body: string) => Promise<void>;
  /** Webhook retries after the first try, and the first backoff in ms (doubles each time). */
  retries?: number;
  minTimeoutMs?: number;
  /** Called when a delivery finally fails (default: console.error). */
  onFailure?: (channel: string, message: string) => void;
}

const KEY = "notify";

/** Runs the platform's notification tool with the title and body as arguments (no shell). */
export async function desktopNotify(title: string, body: string): Promise<void> {
  const os = Deno.build.os;
  const cmd = os === "darwin"
    ? new Deno.Command("osascript", {
      // Arguments reach AppleScript as argv, so no quoting of user text is needed.
      args: [
        "-e",
        "on run argv",
        "-e",
        "display notification (item 2 of argv) with title (item 1 of argv)",
        "-e",
        "end run",
        title,
        body,
      ],
      stdout: "null",
      stderr: "piped",
    })
    : new Deno.Command("notify-send", {
      args: ["--app-name=aisync", "--", title, body],
      stdout: "null",
      stderr: "piped",
    });
  const out = await cmd.output();
  if (!out.success) {
    throw new Error(
      `Cannot show a desktop notification: ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
}

/** The request a webhook of `format` gets for a notice. */
export function webhookRequest(hook: Webhook, n: Notice): RequestInit {
  if (hook.format === "slack") {
    return {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: `*${n.title}*\n${n.body}` }),
    };
  }
  if (hook.format === "ntfy") {
    return {
      method: "POST",
      headers: {
        "content-type": "text/plain; charset=utf-8",
        // ntfy reads the title and tags from headers; header values must be ASCII.
        "Title": n.title.replace(/[^\x20-\x7e]/g, "?"),
        "Tags": n.kind === "error" || n.kind === "conflict" ? "warning" : "information_source",
        "Priority": n.kind === "error" || n.kind === "conflict" ? "high" : "default",
      },
      body: n.body,
    };
  }
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      source: "aisync",
      kind: n.kind,
      title: n.title,
      body: n.body,
      at: new Date(n.at).toISOString(),
      eventId: n.eventId,
    }),
  };
}

/** Listens to the bus and delivers notices by the stored rules. */
export class Notifier {
  readonly store: Store;
  #opts: NotifierOptions;
  #listeners = new Set<(n: Notice) => void>();
  #unsubscribe: () => void;
  #lastState = new Map<string, { state: string; notes: number }>();
  #changed: string[] = [];
  #settings: Promise<NotifySettings> | undefined;
  #pending = new Set<Promise<unknown>>();

  constructor(bus: Bus, store: Store, options: NotifierOptions = {}) {
    this.store = store;
    this.#opts = options;
    this.#unsubscribe = bus.subscribe((e) => {
      const notices = this.#classify(e);
      for (const n of notices) this.#track(this.#deliver(n));
    });
  }

  /** Stops listening; resolves when deliveries under way have ended. */
  async close(): Promise<void> {
    this.#unsubscribe();
    await Promise.allSettled([...this.#pending]);
  }

  /** Waits for deliveries under way (tests). */
  async idle(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }

  #track(p: Promise<unknown>) {
    this.#pending.add(p);
    p.finally(() => this.#pending.delete(p));
  }

  /** Subscribes to in-app notices (toasts and browser notifications). */
  subscribe(fn: (n: Notice) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** The stored settings (defaults when none). */
  settings(): Promise<NotifySettings> {
    this.#settings ??= (async () => {
      const { settings } = schema;
      const rows = await this.store.db.select().from(settings).where(eq(settings.key, KEY));
      const parsed = NotifySettings.safeParse(rows[0] ? JSON.parse(rows[0].value) : {});
      return parsed.success ? parsed.data : NotifySettings.parse({});
    })();
    return this.#settings;
  }

  /** Validates and stores new settings. */
  async save(next: NotifySettings): Promise<NotifySettings> {
    const value = NotifySettings.parse(next);
    const { settings } = schema;
    await this.store.db.insert(settings).values({ key: KEY, value: JSON.stringify(value) })
      .onConflictDoUpdate({ target: settings.key, set: { value: JSON.stringify(value) } });
    this.#settings = Promise.resolve(value);
    return value;
  }

  /** Sends a test notice through every enabled channel; resolves with what failed. */
  async test(): Promise<string[]> {
    const n: Notice = {
      kind: "change",
      title: "aisync test notification",
      body: "If you can read this, notifications work.",
      at: Date.now(),
      eventId: 0,
      toast: true,
      browser: true,
    };
    return await this.#deliver(n, ALL);
  }

  #classify(e: BusEvent): Omit<Notice, "toast" | "browser">[] {
    const out: Omit<Notice, "toast" | "browser">[] = [];
    const base = { at: e.at, eventId: e.id };
    switch (e.type) {
      case "sync.started":
        this.#changed = [];
        break;
      case "item.changed":
        this.#changed.push(e.key);
        break;
      case "sync.finished":
        if (e.writes > 0) {
          const names = [...new Set(this.#changed.map(shortKey))];
          out.push({
            ...base,
            kind: "change",
            title: `Synced ${e.writes} file${e.writes === 1 ? "" : "s"}`,
            body: names.length ? `Changed: ${names.slice(0, 5).join(", ")}` : "Clients updated",
            link: "/",
          });
        }
        this.#changed = [];
        break;
      case "conflict.opened":
        out.push({
          ...base,
          kind: "conflict",
          title: `Conflict on ${shortKey(e.key)}`,
          body: `${e.clients.join(" and ")} changed it differently; nothing was overwritten.`,
          link: `/conflicts#conflict-${e.conflictId}`,
        });
        break;
      case "error":
        out.push({
          ...base,
          kind: "error",
          title: `Error in ${e.client ?? e.source}`,
          body: e.message,
          link: "/",
        });
        break;
      case "client.state": {
        const prev = this.#lastState.get(e.client);
        this.#lastState.set(e.client, { state: e.state, notes: e.notes });
        // Tell once when a client enters a state, not after every sync it stays in.
        if (e.state === "error" && prev?.state !== "error") {
          out.push({
            ...base,
            kind: "error",
            title: `${e.client} has an error`,
            body: e.errors[0] ?? "See its card",
            link: "/",
          });
        }
        if (e.notes > (prev?.notes ?? 0)) {
          out.push({
            ...base,
            kind: "lossy",
            title: `${e.client} does not take everything`,
            body: `${e.notes} note${
              e.notes === 1 ? "" : "s"
            } on what it cannot express or does not send; the other clients keep it all.`,
            link: "/",
          });
        }
        break;
      }
      case "lossy":
        out.push({
          ...base,
          kind: "lossy",
          title: `${e.client} cannot express ${shortKey(e.key)}`,
          body: e.message,
          link: "/",
        });
        break;
    }
    return out;
  }

  async #deliver(
    partial: Omit<Notice, "toast" | "browser">,
    force?: Channel[],
  ): Promise<string[]> {
    const s = await this.settings();
    const channels = new Set(force ?? s.rules[partial.kind] ?? []);
    const n: Notice = {
      ...partial,
      toast: channels.has("toast"),
      browser: channels.has("browser") && s.browser,
    };
    if (n.toast || n.browser) {
      for (const fn of this.#listeners) {
        try {
          fn(n);
        } catch {
          // One broken listener must not stop the others.
        }
      }
    }
    const failed: string[] = [];
    const fail = (channel: string, message: string) => {
      failed.push(`${channel}: ${message}`);
      (this.#opts.onFailure ?? ((c, m) => console.error(`notify ${c}: ${m}`)))(channel, message);
    };
    const jobs: Promise<void>[] = [];
    if (channels.has("desktop") && s.desktop) {
      jobs.push(
        (this.#opts.desktop ?? desktopNotify)(n.title, n.body).catch((e) =>
          fail("desktop", (e as Error).message)
        ),
      );
    }
    if (channels.has("webhook")) {
      for (const hook of s.webhooks.filter((h) => h.enabled)) {
        jobs.push(
          this.#post(hook, n).catch((e) =>
            // The URL itself can be the secret (Slack, ntfy topics): never echo it.
            fail(hook.name, (e as Error).message.replaceAll(hook.url, "<webhook url>"))
          ),
        );
      }
    }
    await Promise.all(jobs);
    return failed;
  }

  async #post(hook: Webhook, n: Notice): Promise<void> {
    await pRetry(async () => {
      const res = await fetch(hook.url, {
        ...webhookRequest(hook, n),
        signal: AbortSignal.timeout(10_000),
      });
      await res.body?.cancel();
      if (res.ok) return;
      const err = new Error(`Cannot post to webhook "${hook.name}": HTTP ${res.status}`);
      // A client error will not heal by itself; server errors and 429 may.
      if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new AbortError(err);
      throw err;
    }, {
      retries: this.#opts.retries ?? 4,
      minTimeout: this.#opts.minTimeoutMs ?? 1000,
      factor: 2,
      randomize: true,
    });
  }
}

/** `mcp:user:github` → `github`; `instructions:project:/a/b:AGENTS` → `AGENTS (b)`. */
function shortKey(key: string): string {
  const name = key.slice(key.lastIndexOf(":") + 1);
  const m = key.match(/:project:(.*):[^:]*$/);
  return m ? `${name} (${m[1].split("/").pop()})` : name;
}
