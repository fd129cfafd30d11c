/**
 * One event bus with monotonic ids and a bounded replay buffer (Syncthing's `Since(id)`), read by
 * SSE, notifications, the log and `status --watch`.
 *
 * @module
 */

/** Every event aisync publishes. */
export type EventData =
  | { type: "sync.started"; trigger: string }
  | {
    type: "sync.finished";
    changes: number;
    writes: number;
    conflicts: number;
    errors: number;
    ms: number;
  }
  | { type: "item.changed"; key: string; clients: string[]; action: "add" | "change" | "delete" }
  | { type: "file.written"; client: string; path: string; backupId: number; key?: string }
  | { type: "conflict.opened"; key: string; clients: string[]; conflictId: number }
  | { type: "conflict.resolved"; key: string; conflictId: number; by: string }
  | { type: "client.state"; client: string; state: string; notes: number; errors: string[] }
  | { type: "lossy"; client: string; key: string; message: string }
  | { type: "error"; source: string; client?: string; message: string }
  | { type: "watch.change"; client: string; paths: string[] };

/** An event as delivered: data plus id and time. */
export type BusEvent = EventData & { id: number; at: number };

/** A typed publish/subscribe bus with replay. */
export class Bus {
  #next = 1;
  #buffer: BusEvent[] = [];
  #size: number;
  #subs = new Set<(e: BusEvent) => void>();
  #deliverers = new Set<() => Promise<void>>();

  constructor(size = 1000) {
    this.#size = size;
  }

  /** Publishes an event; returns it with its id. */
  publish(data: EventData): BusEvent {
    const event = { ...data, id: this.#next++, at: Date.now() } as BusEvent;
    this.#buffer.push(event);
    if (this.#buffer.length > this.#size) this.#buffer.shift();
    for (const fn of this.#subs) {
      try {
        fn(event);
      } catch {
        // A broken subscriber must not stop the others.
      }
    }
    return event;
  }

  /** Subscribes; the returned function unsubscribes. */
  subscribe(fn: (e: BusEvent) => void): () => void {
    this.#subs.add(fn);
    return () => this.#subs.delete(fn);
  }

  /**
   * Events after `id`. `gap` is true when some were already dropped from the buffer, so the
   * reader knows to reload everything.
   */
  since(id: number): { events: BusEvent[]; gap: boolean } {
    const events = this.#buffer.filter((e) => e.id > id);
    const first = this.#buffer[0]?.id ?? this.#next;
    return { events, gap: id + 1 < first && id < this.#next - 1 };
  }

  /**
   * Lets a subscriber that sends events over the network (the dashboard's streams) have them
   * go out before the publisher carries on; the returned function stops it.
   */
  onDeliver(fn: () => Promise<void>): () => void {
    this.#deliverers.add(fn);
    return () => this.#deliverers.delete(fn);
  }

  /**
   * Resolves once the events published so far have gone out. A sync awaits this after
   * announcing itself: one that awaits nothing but the database (which answers at once) would
   * otherwise hold the event loop, and the dashboard's "syncing", until it is done.
   */
  async delivered(): Promise<void> {
    for (const fn of this.#deliverers) await fn();
  }

  /** The id of the last event published (0 when none). */
  get lastId(): number {
    return this.#next - 1;
  }
}
