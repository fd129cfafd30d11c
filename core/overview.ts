/**
 * What the dashboard and the API show about each client and about recent activity, computed from
 * the state store and the bus, and cached until the next event says it changed.
 *
 * @module
 */
import { and, eq, gt } from "drizzle-orm";
import type { App } from "./app.ts";
import type { BusEvent } from "./bus.ts";
import type { Kind, Note } from "./schema.ts";
import type { Policy } from "./state.ts";
import { schema } from "../db/mod.ts";

/** One client's card. */
export interface ClientCard {
  id: string;
  name: string;
  installed: boolean;
  version?: string;
  detectError?: string;
  /**
   * `ok`, `syncing`, `pending`, `conflict`, `error`, `lossy`, `kept`, `disabled`, `absent` (not
   * installed here, so not synced) or `new` (never synced).
   */
  state: string;
  /** When a sync last changed something for this client. */
  lastChange: number | null;
  /** When this client was last synced. */
  syncedAt: number | null;
  /** Items this client holds, by kind: only the kinds its plugin declares. */
  counts: Partial<Record<Kind, number>>;
  notes: Note[];
  errors: string[];
  policy: Policy;
}

/** One time bucket of the activity chart. */
export interface ActivityBucket {
  at: number;
  changes: number;
  writes: number;
  conflicts: number;
  errors: number;
}

/** Sync activity over a recent window. */
export interface Activity {
  from: number;
  to: number;
  bucketMs: number;
  buckets: ActivityBucket[];
  totals: Omit<ActivityBucket, "at">;
}

/** The sync that is running now, if any. */
export interface Running {
  trigger: string;
  since: number;
}

const DETECT_TTL_MS = 30_000;

/** Cards and activity for the web service, kept fresh by the bus. */
export class Overview {
  readonly app: App;
  /** Activity window and bucket size. */
  readonly windowMs: number;
  readonly bucketMs: number;
  #cards: Promise<ClientCard[]> | undefined;
  #activity: Promise<Activity> | undefined;
  #detect = new Map<string, { at: number; installed: boolean; version?: string; error?: string }>();
  #errors: number[] = [];
  #running: Running | undefined;
  #unsubscribe: () => void;

  constructor(app: App, options: { windowMs?: number; bucketMs?: number } = {}) {
    this.app = app;
    this.windowMs = options.windowMs ?? 60 * 60_000;
    this.bucketMs = options.bucketMs ?? 2 * 60_000;
    this.#unsubscribe = app.bus.subscribe((e) => this.#onEvent(e));
  }

  /** Stops listening to the bus. */
  close(): void {
    this.#unsubscribe();
  }

  /** The sync running now (dry runs for previews excluded). */
  get running(): Running | undefined {
    return this.#running;
  }

  #onEvent(e: BusEvent) {
    switch (e.type) {
      case "sync.started":
        // Previews are dry runs: they change nothing a card shows.
        if (e.trigger !== "plan") this.#running = { trigger: e.trigger, since: e.at };
        this.#cards = undefined;
        break;
      case "sync.finished":
        if (this.#running) {
          this.#running = undefined;
          if (e.errors) this.#errors.push(e.at);
        }
        this.#cards = this.#activity = undefined;
        break;
      case "error":
        this.#errors.push(e.at);
        // A sync that threw publishes no "finished": its failure ends it.
        if (e.source === "engine") this.#running = undefined;
        this.#cards = this.#activity = undefined;
        break;
      case "watch.change":
        for (const id of e.client.split(",")) this.#detect.delete(id);
        this.#cards = undefined;
        break;
      default:
        this.#cards = this.#activity = undefined;
    }
    const cut = Date.now() - this.windowMs;
    while (this.#errors.length && this.#errors[0] < cut) this.#errors.shift();
  }

  /** Forgets every cached value. */
  invalidate(): void {
    this.#cards = this.#activity = undefined;
    this.#detect.clear();
  }

  /** Every client's card, in plugin order. */
  cards(): Promise<ClientCard[]> {
    this.#cards ??= this.#buildCards().catch((e) => {
      this.#cards = undefined;
      throw e;
    });
    return this.#cards;
  }

  /** One client's card. */
  async card(id: string): Promise<ClientCard | undefined> {
    return (await this.cards()).find((c) => c.id === id);
  }

  async #detectOne(id: string) {
    const hit = this.#detect.get(id);
    if (hit && Date.now() - hit.at < DETECT_TTL_MS) return hit;
    let entry: { at: number; installed: boolean; version?: string; error?: string };
    try {
      const d = await this.app.host.detect(id);
      entry = { at: Date.now(), installed: d.installed, version: d.version };
    } catch (e) {
      entry = { at: Date.now(), installed: false, error: (e as Error).message };
    }
    this.#detect.set(id, entry);
    return entry;
  }

  async #buildCards(): Promise<ClientCard[]> {
    const { state, host } = this.app;
    const ids = host.plugins.map((p) => p.id);
    const [statuses, views, policies, detects] = await Promise.all([
      state.statuses(),
      state.views(),
      state.policies(ids),
      Promise.all(ids.map((id) => this.#detectOne(id))),
    ]);
    return host.plugins.map((p, i) => {
      const s = statuses.find((x) => x.client === p.id);
      const counts: Partial<Record<Kind, number>> = {};
      for (const kind of p.manifest.kinds) counts[kind] = 0;
      for (const key of views.get(p.id)?.keys() ?? []) {
        const kind = key.slice(0, key.indexOf(":")) as Kind;
        if (counts[kind] !== undefined) counts[kind]++;
      }
      const policy = policies.get(p.id)!;
      let st = s?.state ?? "new";
      if (!policy.enabled) st = "disabled";
      else if (!host.present(p.id)) st = "absent";
      else if (this.#running) st = "syncing";
      const d = detects[i];
      return {
        id: p.id,
        name: p.manifest.name,
        installed: d.installed,
        version: d.version,
        detectError: d.error,
        state: st,
        lastChange: s?.lastChange ?? null,
        syncedAt: s?.at ?? null,
        counts,
        notes: (s?.notes ?? []) as Note[],
        errors: s?.errors ?? [],
        policy,
      };
    });
  }

  /** Changes, writes, conflicts and errors per bucket over the window ending now. */
  activity(): Promise<Activity> {
    this.#activity ??= this.#buildActivity(Date.now()).catch((e) => {
      this.#activity = undefined;
      throw e;
    });
    return this.#activity;
  }

  async #buildActivity(now: number): Promise<Activity> {
    const { itemHistory, backups, conflicts } = schema;
    const db = this.app.state.store.db;
    const m = this.app.state.machine;
    const to = Math.ceil(now / this.bucketMs) * this.bucketMs;
    const from = to - this.windowMs;
    const [changes, writes, opened] = await Promise.all([
      db.select({ at: itemHistory.at }).from(itemHistory).where(
        and(eq(itemHistory.machine, m), gt(itemHistory.at, from)),
      ),
      db.select({ at: backups.at }).from(backups).where(
        and(eq(backups.machine, m), gt(backups.at, from)),
      ),
      db.select({ at: conflicts.createdAt }).from(conflicts).where(
        and(eq(conflicts.machine, m), gt(conflicts.createdAt, from)),
      ),
    ]);
    const n = Math.round(this.windowMs / this.bucketMs);
    const buckets: ActivityBucket[] = Array.from({ length: n }, (_, i) => ({
      at: from + i * this.bucketMs,
      changes: 0,
      writes: 0,
      conflicts: 0,
      errors: 0,
    }));
    const put = (at: number, k: keyof Omit<ActivityBucket, "at">) => {
      const i = Math.floor((at - from) / this.bucketMs);
      if (i >= 0 && i < n) buckets[i][k]++;
    };
    for (const r of changes) put(r.at, "changes");
    for (const r of writes) put(r.at, "writes");
    for (const r of opened) put(r.at, "conflicts");
    for (const at of this.#errors) put(at, "errors");
    const totals = { changes: 0, writes: 0, conflicts: 0, errors: 0 };
    for (const b of buckets) {
      totals.changes += b.changes;
      totals.writes += b.writes;
      totals.conflicts += b.conflicts;
      totals.errors += b.errors;
    }
    return { from, to, bucketMs: this.bucketMs, buckets, totals };
  }
}
