/**
 * The dashboard: `GET /` (page or fragment), one client's card, the activity chart, and
 * `POST /sync` (sync now).
 *
 * @module
 */
import { Hono } from "hono";
import { ActivityChart, ClientCard, Dashboard } from "../views/dashboard.tsx";
import { back, type Env, isFragment, page } from "./_web.ts";

/** Runs a sync in the background and reports failures on the bus. */
export function syncSoon(web: Env["Variables"]["web"], options: { approve?: string[] } = {}) {
  const { app } = web;
  // A failure is published on the bus by the engine itself.
  return app.engine.sync({ trigger: "web", ...options });
}

/** The dashboard routes. */
export function dashboardRoutes(): Hono<Env> {
  const r = new Hono<Env>();

  r.get("/", async (c) => {
    const { overview } = c.get("web");
    const [cards, activity] = await Promise.all([overview.cards(), overview.activity()]);
    return page(
      c,
      { title: "Dashboard", active: "dashboard" },
      <Dashboard
        cards={cards}
        activity={activity}
        csrf={c.get("user")!.csrf}
        running={overview.running}
      />,
    );
  });

  r.get("/clients/:id/card", async (c) => {
    const card = await c.get("web").overview.card(c.req.param("id"));
    if (!card) return c.notFound();
    const body = <ClientCard card={card} />;
    return isFragment(c) ? c.html(body) : page(c, { title: card.name, active: "dashboard" }, body);
  });

  r.get("/activity", async (c) => {
    const activity = await c.get("web").overview.activity();
    return page(
      c,
      { title: "Activity", active: "dashboard" },
      <ActivityChart activity={activity} />,
    );
  });

  r.post("/sync", (c) => {
    // The result arrives over the event stream; the request does not wait for a long sync.
    syncSoon(c.get("web")).catch(() => {});
    if (isFragment(c)) return c.body(null, 202);
    return back(c, "/");
  });

  return r;
}
