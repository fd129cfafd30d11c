/**
 * `GET /events`: Server-Sent Events from the bus. Every bus event goes out as a `bus` message
 * (JSON) with the bus id as the SSE id; after it, the HTML fragments it changed (client cards,
 * activity chart, progress banner, conflict badge) and notification toasts, rendered once and
 * shared by every open connection. `Last-Event-ID` (or `?lastEventId=`) replays what a reader
 * missed; when the bounded buffer no longer holds it, a `reload` message says so.
 *
 * @module
 */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { BusEvent } from "../core/bus.ts";
import type { Notice } from "../core/notify.ts";
import { ActivityChart, ClientCard, SyncProgress } from "../views/dashboard.tsx";
import { ConflictBadge } from "../views/layout.tsx";
import { Toast } from "../views/toast.tsx";
import type { Env, Web } from "./_web.ts";

/** One SSE message, already rendered. */
export interface SseMessage {
  event: string;
  data: string;
  id?: number;
}

/** Formats one message as SSE text (every data line prefixed, blank line after). */
export function formatSse(m: SseMessage): string {
  let out = `event: ${m.event}\n`;
  if (m.id !== undefined) out += `id: ${m.id}\n`;
  for (const line of m.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return out + "\n";
}

interface Reader {
  fragments: boolean;
  send(text: string): void;
  close(): void;
}

const KEEPALIVE_MS = 20_000;

/** Renders bus events and notices once and fans them out to every open connection. */
export class EventHub {
  readonly web: Web;
  #readers = new Set<Reader>();
  #chain: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void)[] = [];

  constructor(web: Web) {
    this.web = web;
    this.#unsubscribe.push(
      web.app.bus.subscribe((e) => this.#onBus(e)),
      web.notifier.subscribe((n) => this.#enqueue(() => this.#onNotice(n))),
      // A turn of the event loop with its I/O writes what was sent to open streams.
      web.app.bus.onDeliver(() =>
        this.#readers.size ? new Promise((r) => setTimeout(r, 0)) : Promise.resolve()
      ),
    );
  }

  /** How many connections are open. */
  get size(): number {
    return this.#readers.size;
  }

  /** Stops listening and ends every open stream (so the server can shut down). */
  close(): void {
    for (const u of this.#unsubscribe) u();
    for (const r of this.#readers) r.close();
    this.#readers.clear();
  }

  /** Resolves when every event published so far has been sent. */
  async flushed(): Promise<void> {
    let last;
    do {
      last = this.#chain;
      await last;
    } while (last !== this.#chain);
  }

  #enqueue(job: () => Promise<void>) {
    // One at a time, in bus order: a slow render must not let a later card overtake an earlier one.
    this.#chain = this.#chain.then(job).catch((e) => console.error(`events: ${e.message}`));
  }

  #broadcast(messages: SseMessage[], fragmentsOnly = false) {
    if (!messages.length) return;
    const text = messages.map(formatSse).join("");
    for (const r of this.#readers) if (r.fragments || !fragmentsOnly) r.send(text);
  }

  /** The fragments that show the current state of everything a page shows live. */
  async fragments(which: { cards?: boolean; activity?: boolean; badge?: boolean }) {
    const { overview, app } = this.web;
    const out: SseMessage[] = [];
    if (which.cards) {
      for (const card of await overview.cards()) {
        out.push({ event: `client-${card.id}`, data: String(await ClientCard({ card })) });
      }
      out.push({
        event: "progress",
        data: String(await SyncProgress({ running: overview.running })),
      });
    }
    if (which.activity) {
      out.push({
        event: "activity",
        data: String(await ActivityChart({ activity: await overview.activity() })),
      });
    }
    if (which.badge) {
      const count = (await app.state.openConflicts()).size;
      out.push({ event: "nav-conflicts", data: String(await ConflictBadge({ count })) });
    }
    return out;
  }

  #busMessage(e: BusEvent): SseMessage {
    return { event: "bus", data: JSON.stringify(e), id: e.id };
  }

  #onBus(e: BusEvent) {
    // The event itself goes out at once; the fragments it changed follow once rendered.
    this.#broadcast([this.#busMessage(e)]);
    if (![...this.#readers].some((r) => r.fragments)) return;
    let which: Parameters<EventHub["fragments"]>[0] | undefined;
    switch (e.type) {
      case "sync.started":
        if (e.trigger !== "plan") which = { cards: true };
        break;
      case "sync.finished":
        which = { cards: true, activity: true, badge: true };
        break;
      case "conflict.opened":
      case "conflict.resolved":
        which = { badge: true };
        break;
      case "error":
        which = { activity: true };
        break;
    }
    if (which) {
      const w = which;
      this.#enqueue(async () => this.#broadcast(await this.fragments(w), true));
    }
  }

  async #onNotice(n: Notice) {
    this.#broadcast([{ event: "toast", data: String(await Toast({ notice: n })) }], true);
  }

  /**
   * Opens a reader; `replayFrom` is the last id it saw. The replay and joining the live stream
   * happen in one step, so no event is lost or sent twice in between.
   */
  open(reader: Reader, replayFrom: number | undefined): void {
    const bus = this.web.app.bus;
    const out: SseMessage[] = [];
    let refresh = false;
    if (replayFrom === undefined) {
      out.push({ event: "ready", data: String(bus.lastId), id: bus.lastId });
    } else {
      const { events, gap } = bus.since(replayFrom);
      if (gap) out.push({ event: "reload", data: String(bus.lastId), id: bus.lastId });
      else {
        out.push(...events.map((e) => this.#busMessage(e)));
        out.push({ event: "ready", data: String(bus.lastId) });
        refresh = events.length > 0 && reader.fragments;
      }
    }
    reader.send(out.map(formatSse).join(""));
    this.#readers.add(reader);
    if (refresh) {
      this.#enqueue(async () => {
        const msgs = await this.fragments({ cards: true, activity: true, badge: true });
        reader.send(msgs.map(formatSse).join(""));
      });
    }
  }

  /** Forgets a reader. */
  remove(reader: Reader): void {
    this.#readers.delete(reader);
  }
}

/** The `/events` route. */
export function eventRoutes(hub: EventHub): Hono<Env> {
  const r = new Hono<Env>();
  r.get("/events", (c) => {
    const raw = c.req.header("Last-Event-ID") ?? c.req.query("lastEventId");
    const n = raw === undefined ? undefined : Number(raw);
    const replayFrom = n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
    const fragments = c.req.query("only") !== "bus";
    c.header("Cache-Control", "no-store");
    c.header("X-Accel-Buffering", "no");
    return streamSSE(c, async (stream) => {
      let closed = false;
      let done!: () => void;
      const ended = new Promise<void>((r) => (done = r));
      let writing = Promise.resolve();
      const reader: Reader = {
        fragments,
        send(text) {
          if (closed || !text) return;
          writing = writing.then(() => stream.write(text)).then(() => {}, () => reader.close());
        },
        close() {
          if (closed) return;
          closed = true;
          hub.remove(reader);
          done();
        },
      };
      stream.onAbort(() => reader.close());
      hub.open(reader, replayFrom);
      const ping = setInterval(() => reader.send(": keep-alive\n\n"), KEEPALIVE_MS);
      await ended;
      clearInterval(ping);
      await writing;
    });
  });
  return r;
}
