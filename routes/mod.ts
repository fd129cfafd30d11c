/**
 * The web service: Hono routes that validate input, call core and render views. This file holds
 * the locks on the door — Host check (DNS rebinding, 421), Origin check and CSRF token on every
 * state-changing request (403), sign-in for everything but `/healthz` (401 with
 * `WWW-Authenticate: Bearer` for the API) — and mounts each area's sub-app.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { html } from "hono/html";
import { getCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import type { App } from "../core/app.ts";
import { Auth, type AuthOptions, RateLimiter, safeEqual } from "../core/auth.ts";
import { Notifier, type NotifierOptions } from "../core/notify.ts";
import { Overview } from "../core/overview.ts";
import { apiRoutes } from "./api.tsx";
import { authRoutes, PRE_COOKIE, SESSION_COOKIE } from "./auth.tsx";
import { conflictRoutes } from "./conflicts.tsx";
import { dashboardRoutes } from "./dashboard.tsx";
import { EventHub, eventRoutes } from "./events.ts";
import { itemRoutes } from "./items.tsx";
import { notificationRoutes } from "./notifications.tsx";
import { policyRoutes } from "./policies.tsx";
import { staticRoutes } from "./static.ts";
import { type Env, page, type Web } from "./_web.ts";

/** Options of {@linkcode createApp}. */
export interface WebOptions {
  /** Host names besides the loopback ones (`localhost`, `127.0.0.1`, `::1`) to answer to. */
  hosts?: string[];
  /** Give cookies the `Secure` flag (behind an HTTPS proxy). */
  secureCookies?: boolean;
  /** Users and sessions (default: over the app's store). */
  auth?: Auth;
  authOptions?: AuthOptions;
  /** Failed sign-ins allowed per minute per address and name (default 5). */
  loginAttempts?: number;
  notifier?: Notifier;
  notifierOptions?: NotifierOptions;
  /** Extra sub-apps mounted behind sign-in, e.g. `{ path: "/logs", app }`. */
  mounts?: { path: string; app: Hono<Env> | Hono }[];
}

/** The running web service: the Hono app and the parts it was built from. */
export interface WebApp {
  hono: Hono<Env>;
  web: Web;
  hub: EventHub;
  /** Stops listening to the bus; resolves when notifications under way have gone out. */
  close(): Promise<void>;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
/** Paths anyone may reach (after the Host check). */
const PUBLIC = [
  /^\/healthz$/,
  /^\/static\//,
  /^\/login$/,
  /^\/setup$/,
  /^\/api\/v1\/token$/,
  /^\/api\/v1\/openapi\.json$/,
];
/** State-changing paths without a session yet: the sign-in forms (double-submit cookie). */
const PRE_SESSION = new Set(["/login", "/setup"]);

function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  try {
    return new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  } catch {
    return undefined;
  }
}

/** The Host the request was sent to (the header; the URL's host when a test omits it). */
function requestHost(c: Context<Env>): string {
  return c.req.header("Host") ?? new URL(c.req.url).host;
}

function isApi(path: string): boolean {
  return path.startsWith("/api/");
}

/** 401 for API and event-stream callers, a redirect to sign-in for pages. */
async function unauthorized(c: Context<Env>, invalidToken: boolean) {
  const path = c.req.path;
  if (isApi(path) || path === "/events" || c.req.header("Authorization")) {
    c.header(
      "WWW-Authenticate",
      invalidToken ? 'Bearer realm="aisync", error="invalid_token"' : 'Bearer realm="aisync"',
    );
    return c.json({ error: "unauthorized", message: "Sign in or send a bearer token" }, 401);
  }
  const to = (await c.get("web").auth.setupToken())
    ? "/setup"
    : `/login${path === "/" ? "" : `?next=${encodeURIComponent(path)}`}`;
  if (c.req.header("HX-Request")) {
    c.header("HX-Redirect", to);
    return c.body(null, 401);
  }
  return c.redirect(to, 303);
}

/** Builds the web service over a running aisync. */
export function createApp(app: App, options: WebOptions = {}): WebApp {
  const auth = options.auth ?? new Auth(app.state.store, options.authOptions);
  const notifier = options.notifier ??
    new Notifier(app.bus, app.state.store, options.notifierOptions);
  const overview = new Overview(app);
  const web: Web = {
    app,
    auth,
    overview,
    notifier,
    limiter: new RateLimiter(options.loginAttempts ?? 5, 60_000),
    hosts: new Set(
      ["localhost", "127.0.0.1", "::1", ...(options.hosts ?? [])].map((h) =>
        h.replace(/^\[|\]$/g, "").toLowerCase()
      ),
    ),
    secureCookies: options.secureCookies ?? false,
    logs: (options.mounts ?? []).some((m) => m.path === "/logs"),
  };
  const hub = new EventHub(web);
  const h = new Hono<Env>();

  h.use("*", async (c, next) => {
    c.set("web", web);
    c.set("since", web.app.bus.lastId);
    await next();
  });
  h.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
      },
      referrerPolicy: "same-origin",
      crossOriginResourcePolicy: "same-origin",
    }),
  );

  // 1. DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends its own Host.
  h.use("*", async (c, next) => {
    const name = hostName(requestHost(c));
    if (!name || !web.hosts.has(name)) {
      return c.text("Misdirected request: this aisync does not answer to that host name\n", 421);
    }
    await next();
  });

  h.get("/healthz", (c) => c.json({ ok: true }));
  h.route("/static", staticRoutes());

  // 2. Cross-site requests: a foreign Origin (or a browser saying cross-site) may not change
  // anything, whatever it carries.
  h.use("*", async (c, next) => {
    if (!SAFE.has(c.req.method)) {
      const origin = c.req.header("Origin");
      if (origin !== undefined) {
        let ok = false;
        try {
          const o = new URL(origin);
          ok = web.hosts.has(hostName(o.host) ?? "") && o.host === requestHost(c);
        } catch {
          ok = false;
        }
        if (!ok) {
          return c.json({ error: "forbidden", message: "Cross-origin request refused" }, 403);
        }
      }
      if (c.req.header("Sec-Fetch-Site") === "cross-site") {
        return c.json({ error: "forbidden", message: "Cross-site request refused" }, 403);
      }
    }
    await next();
  });

  // 3. Who is asking: a bearer token (API) or the session cookie (browser).
  h.use("*", async (c, next) => {
    const header = c.req.header("Authorization");
    if (header !== undefined) {
      const m = header.match(/^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i);
      const p = m ? await auth.lookup(m[1], "bearer") : undefined;
      if (!p) {
        if (PUBLIC.some((r) => r.test(c.req.path))) return await next();
        return await unauthorized(c, true);
      }
      c.set("user", p);
    } else {
      const token = getCookie(c, SESSION_COOKIE);
      const p = token ? await auth.lookup(token, "cookie") : undefined;
      if (p) c.set("user", p);
    }
    await next();
  });

  // 4. CSRF: a browser session must send its token with every state-changing request; the
  // sign-in forms, which come before a session, use a double-submit cookie.
  h.use("*", async (c, next) => {
    if (SAFE.has(c.req.method)) return await next();
    const user = c.get("user");
    if (user?.kind === "bearer") return await next();
    let expected: string | undefined;
    if (user) expected = user.csrf;
    else if (PRE_SESSION.has(c.req.path)) expected = getCookie(c, PRE_COOKIE);
    else return await next(); // the sign-in check below answers 401
    let sent = c.req.header("X-CSRF-Token");
    if (!sent) {
      const type = c.req.header("Content-Type") ?? "";
      if (type.includes("form")) {
        const body = await c.req.parseBody();
        sent = typeof body._csrf === "string" ? body._csrf : undefined;
      }
    }
    if (!expected || !sent || !safeEqual(sent, expected)) {
      return c.json({ error: "forbidden", message: "Missing or wrong CSRF token" }, 403);
    }
    await next();
  });

  // 5. Everything else needs a signed-in user.
  h.use("*", async (c, next) => {
    if (c.get("user") || PUBLIC.some((r) => r.test(c.req.path))) return await next();
    return await unauthorized(c, false);
  });

  h.route("/", authRoutes());
  h.route("/", dashboardRoutes());
  h.route("/", itemRoutes());
  h.route("/", conflictRoutes());
  h.route("/", policyRoutes());
  h.route("/", notificationRoutes());
  h.route("/", eventRoutes(hub));
  h.route("/", apiRoutes());
  for (const m of options.mounts ?? []) h.route(m.path, m.app as Hono<Env>);

  h.notFound((c) =>
    isApi(c.req.path)
      ? c.json({ error: "not_found", message: `No route for ${c.req.method} ${c.req.path}` }, 404)
      : page(c, { title: "Not found", status: 404 }, NotFound())
  );
  h.onError((e, c) => {
    const status = e instanceof HTTPException ? e.status : 500;
    if (status === 500) console.error(e);
    const message = e instanceof HTTPException ? e.message : "Internal error; see the server log";
    if (isApi(c.req.path)) return c.json({ error: "error", message }, status);
    return page(c, { title: "Error", status }, ErrorBox({ status, message }));
  });

  return {
    hono: h,
    web,
    hub,
    async close() {
      hub.close();
      overview.close();
      await notifier.close();
    },
  };
}

function NotFound() {
  return html`
    <section class="panel">
      <h1>Not found</h1>
      <p>There is nothing here. <a href="/">Back to the dashboard</a></p>
    </section>
  `;
}

function ErrorBox({ status, message }: { status: number; message: string }) {
  return html`
    <section class="panel" role="alert">
      <h1>Error ${status}</h1>
      <p>${message}</p>
    </section>
  `;
}
