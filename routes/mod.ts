/**
 * The web service: Hono routes that validate input, call core and render views.
 *
 * @module
 */
import { Hono } from "hono";
import type { App } from "../core/app.ts";
import { Dashboard } from "../views/dashboard.tsx";

/** Builds the Hono app over a running aisync. */
export function createApp(app: App): Hono {
  const web = new Hono();
  web.get("/healthz", (c) => c.json({ ok: true }));
  web.get("/", async (c) => {
    const statuses = await app.state.statuses();
    const clients = app.host.plugins.map((p) => ({
      id: p.id,
      name: p.manifest.name,
      status: statuses.find((s) => s.client === p.id),
    }));
    return c.html(Dashboard({ clients }));
  });
  return web;
}
