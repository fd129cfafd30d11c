/**
 * What every route file shares: the Hono environment (the signed-in principal and the service's
 * parts) and the helper that renders a full page or just the fragment, by `HX-Request`.
 *
 * @module
 */
import type { Context } from "hono";
import type { App } from "../core/app.ts";
import type { Auth, Principal, RateLimiter } from "../core/auth.ts";
import type { Notifier } from "../core/notify.ts";
import type { Overview } from "../core/overview.ts";
import { Layout } from "../views/layout.tsx";

/** The parts of the running service the routes use. */
export interface Web {
  app: App;
  auth: Auth;
  overview: Overview;
  notifier: Notifier;
  limiter: RateLimiter;
  /** Host names the service answers to (DNS-rebinding guard). */
  hosts: Set<string>;
  /** Whether cookies get the `Secure` flag (when served over HTTPS by a proxy). */
  secureCookies: boolean;
  /** Whether a logs sub-app is mounted. */
  logs: boolean;
}

/** Hono's environment for aisync's routes. */
export type Env = {
  Variables: {
    user?: Principal;
    web: Web;
    /** The bus's last event id when the request began: the page's live updates replay from it. */
    since: number;
  };
};

/** True when htmx asked for a fragment (a boosted request wants the whole page). */
export function isFragment(c: Context<Env>): boolean {
  return c.req.header("HX-Request") === "true" && c.req.header("HX-Boosted") !== "true";
}

/** Renders `body` alone for htmx, or inside the page frame otherwise. */
export async function page(
  c: Context<Env>,
  opts: { title: string; active?: string; status?: number },
  body: string | Promise<string>,
) {
  if (isFragment(c)) return c.html(body, (opts.status ?? 200) as 200);
  const web = c.get("web");
  const user = c.get("user");
  const conflicts = user ? (await web.app.state.openConflicts()).size : 0;
  return c.html(
    Layout({
      title: opts.title,
      user: user?.name,
      csrf: user?.csrf,
      active: opts.active,
      conflicts,
      logs: web.logs,
      // Events published while this page was being rendered (a sync finishing) still reach it.
      eventsFrom: c.get("since"),
      children: body,
    }),
    (opts.status ?? 200) as 200,
  );
}

/** After a plain (non-htmx) form post: back to `to` with 303 See Other. */
export function back(c: Context<Env>, to: string) {
  return c.redirect(to, 303);
}
