/**
 * Prometheus metrics (prom-client), fed from the bus, the log and the plugin host: syncs, writes,
 * conflicts, errors, propagation latency, plugin call durations, log records. Labels carry only
 * ids (clients, plugins, triggers, sources, levels), never values, so no secret can reach them.
 *
 * @module
 */
import { Counter, Histogram, Registry } from "prom-client";
import type { App } from "./app.ts";
import type { BusEvent } from "./bus.ts";

/** aisync's metrics over one app. */
export interface Metrics {
  registry: Registry;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
  /** The content type of {@linkcode Metrics.render}'s text. */
  contentType: string;
  /** Stops listening. */
  close(): void;
}

const cache = new WeakMap<App, Metrics>();

// Label values are ids; anything else (a path, a message) must never become one.
function label(v: string | undefined): string {
  return v && /^[\w:.,-]{1,64}$/.test(v) ? v : "other";
}

type HostCall = (id: string, ...rest: unknown[]) => Promise<unknown>;

/** The metrics of `app`, created (and subscribed) on first use. */
export function metricsFor(app: App): Metrics {
  const known = cache.get(app);
  if (known) return known;
  const registry = new Registry();
  const syncs = new Counter({
    name: "aisync_syncs_total",
    help: "Syncs started, by trigger",
    labelNames: ["trigger"],
    registers: [registry],
  });
  const syncSeconds = new Histogram({
    name: "aisync_sync_duration_seconds",
    help: "How long a sync took",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const changes = new Counter({
    name: "aisync_item_changes_total",
    help: "Item changes found, by action",
    labelNames: ["action"],
    registers: [registry],
  });
  const writes = new Counter({
    name: "aisync_writes_total",
    help: "Files written, by client",
    labelNames: ["client"],
    registers: [registry],
  });
  const conflicts = new Counter({
    name: "aisync_conflicts_total",
    help: "Conflicts opened",
    registers: [registry],
  });
  const resolved = new Counter({
    name: "aisync_conflicts_resolved_total",
    help: "Conflicts resolved",
    registers: [registry],
  });
  const errors = new Counter({
    name: "aisync_errors_total",
    help: "Errors, by source",
    labelNames: ["source"],
    registers: [registry],
  });
  const propagation = new Histogram({
    name: "aisync_propagation_seconds",
    help: "From a change being seen (file event, or the sync start) to each file written",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const pluginSeconds = new Histogram({
    name: "aisync_plugin_call_seconds",
    help: "Plugin calls, by plugin and operation",
    labelNames: ["plugin", "op", "outcome"],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30],
    registers: [registry],
  });
  const records = new Counter({
    name: "aisync_log_records_total",
    help: "Log records stored, by level",
    labelNames: ["level"],
    registers: [registry],
  });

  let changeSeenAt: number | undefined;
  const onEvent = (e: BusEvent) => {
    switch (e.type) {
      case "watch.change":
        changeSeenAt ??= e.at;
        break;
      case "sync.started":
        syncs.inc({ trigger: label(e.trigger) });
        changeSeenAt ??= e.at;
        break;
      case "sync.finished":
        syncSeconds.observe(e.ms / 1000);
        changeSeenAt = undefined;
        break;
      case "item.changed":
        changes.inc({ action: label(e.action) });
        break;
      case "file.written":
        for (const c of e.client.split(",")) writes.inc({ client: label(c) });
        if (changeSeenAt !== undefined) propagation.observe((e.at - changeSeenAt) / 1000);
        break;
      case "conflict.opened":
        conflicts.inc();
        break;
      case "conflict.resolved":
        resolved.inc();
        break;
      case "client.state":
        if (e.errors.length) errors.inc({ source: label(`plugin:${e.client}`) }, e.errors.length);
        break;
      case "error":
        errors.inc({ source: label(e.source) });
        break;
    }
  };
  const unsubscribe = [
    app.bus.subscribe(onEvent),
    app.log.subscribe((rows) => {
      for (const r of rows) records.inc({ level: label(r.level) });
    }),
  ];

  // Plugin durations: time the host's calls on this app's host instance.
  const host = app.host as unknown as Record<string, HostCall>;
  const originals: [string, HostCall][] = [];
  for (const op of ["detect", "read", "plan", "project"]) {
    const fn = host[op];
    if (typeof fn !== "function" || Object.hasOwn(host, op)) continue;
    originals.push([op, fn]);
    host[op] = async function (this: unknown, id: string, ...rest: unknown[]) {
      const end = pluginSeconds.startTimer({ plugin: label(id), op });
      try {
        const r = await fn.call(app.host, id, ...rest);
        end({ outcome: "ok" });
        return r;
      } catch (e) {
        end({ outcome: "error" });
        throw e;
      }
    };
  }

  const m: Metrics = {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close() {
      for (const u of unsubscribe) u();
      for (const [op] of originals) delete host[op];
      cache.delete(app);
    },
  };
  cache.set(app, m);
  return m;
}
