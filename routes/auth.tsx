/**
 * Sign-in, sign-out and first-run setup for the browser: a form, an HttpOnly SameSite=Strict
 * session cookie, and a rate limit on failed attempts.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { SetupTokenError } from "../core/auth.ts";
import { LoginForm, SetupForm } from "../views/auth.tsx";
import { type Env, page } from "./_web.ts";

/** The browser session cookie. */
export const SESSION_COOKIE = "aisync_session";
/** The pre-session CSRF cookie of the sign-in and setup forms (double submit). */
export const PRE_COOKIE = "aisync_pre";

/** The caller's address, for rate limits ("local" in tests without a socket). */
export function clientIp(c: Context<Env>): string {
  const info = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return info?.remoteAddr?.hostname ?? "local";
}

/** The outcome of one password check, rate limit included. */
export type LoginResult =
  | { ok: true; userId: number }
  | { ok: false; retryAfterMs: number }
  | { ok: false; retryAfterMs?: undefined };

/**
 * Checks a name and password under the failed-login limit (per address and name, and per
 * address). A blocked caller is refused before the hash is even computed.
 */
export async function attemptLogin(
  c: Context<Env>,
  name: string,
  password: string,
): Promise<LoginResult> {
  const { auth, limiter, app } = c.get("web");
  const ip = clientIp(c);
  const keys = [`ip:${ip}`, `user:${ip}:${name.toLowerCase()}`];
  const wait = Math.max(...keys.map((k) => limiter.blocked(k)));
  // Every sign-in, good or bad, goes into the log (never the password).
  const record = (level: "info" | "warn", action: string, message: string) =>
    app.log.log({ level, source: "web", action, message, fields: { user: name, ip } });
  if (wait > 0) {
    record("warn", "login.limited", `Sign-in of "${name}" refused: too many failures`);
    return { ok: false, retryAfterMs: wait };
  }
  const userId = await auth.verify(name, password);
  if (userId === undefined) {
    for (const k of keys) limiter.fail(k);
    record("warn", "login.failed", `Sign-in of "${name}" failed`);
    return { ok: false };
  }
  limiter.reset(keys[1]);
  record("info", "login", `"${name}" signed in`);
  return { ok: true, userId };
}

function preToken(c: Context<Env>): string {
  let t = getCookie(c, PRE_COOKIE);
  if (!t || !/^[0-9a-f]{32}$/.test(t)) {
    t = Array.from(
      crypto.getRandomValues(new Uint8Array(16)),
      (b) => b.toString(16).padStart(2, "0"),
    )
      .join("");
    setCookie(c, PRE_COOKIE, t, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: c.get("web").secureCookies,
      maxAge: 3600,
    });
  }
  return t;
}

async function startSession(c: Context<Env>, userId: number) {
  const { auth, secureCookies } = c.get("web");
  const s = await auth.issue(userId, "cookie");
  setCookie(c, SESSION_COOKIE, s.token, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure: secureCookies,
    maxAge: Math.floor(auth.sessionTtlMs / 1000),
  });
  deleteCookie(c, PRE_COOKIE, { path: "/" });
}

/** Only same-site paths may be the target after sign-in. */
function safeNext(next: unknown): string {
  return typeof next === "string" && /^\/(?!\/)[^\\\s]*$/.test(next) ? next : "/";
}

/** The sign-in, sign-out and setup routes. */
export function authRoutes(): Hono<Env> {
  const r = new Hono<Env>();

  r.get("/setup", async (c) => {
    if (!(await c.get("web").auth.setupToken())) return c.redirect("/login", 303);
    return page(c, { title: "Set up" }, <SetupForm csrf={preToken(c)} />);
  });

  r.post("/setup", async (c) => {
    const { auth, limiter } = c.get("web");
    const f = await c.req.parseBody();
    const name = String(f.username ?? "").trim();
    const again = (error: string, status = 400) =>
      page(
        c,
        { title: "Set up", status },
        <SetupForm csrf={preToken(c)} error={error} name={name} />,
      );
    if (!(await auth.setupToken())) return c.redirect("/login", 303);
    const key = `setup:${clientIp(c)}`;
    const wait = limiter.blocked(key);
    if (wait > 0) {
      c.header("Retry-After", String(Math.ceil(wait / 1000)));
      return again("Too many wrong setup tokens; wait a minute and try again.", 429);
    }
    if (String(f.password ?? "") !== String(f.confirm ?? "")) {
      return again("The two passwords differ.", 422);
    }
    try {
      const id = await auth.setup(String(f.token ?? ""), name, String(f.password ?? ""));
      await startSession(c, id);
      return c.redirect("/", 303);
    } catch (e) {
      if (e instanceof SetupTokenError) {
        limiter.fail(key);
        return again("That is not the setup token printed by aisync serve.", 403);
      }
      return again((e as Error).message.replace(/^Cannot add user "[^"]*": /, ""), 422);
    }
  });

  r.get("/login", async (c) => {
    if (await c.get("web").auth.setupToken()) return c.redirect("/setup", 303);
    if (c.get("user")) return c.redirect("/", 303);
    const next = safeNext(c.req.query("next"));
    return page(c, { title: "Sign in" }, <LoginForm csrf={preToken(c)} next={next} />);
  });

  r.post("/login", async (c) => {
    const f = await c.req.parseBody();
    const name = String(f.username ?? "").trim();
    const next = safeNext(f.next);
    const res = await attemptLogin(c, name, String(f.password ?? ""));
    if (res.ok) {
      await startSession(c, res.userId);
      return c.redirect(next, 303);
    }
    if (res.retryAfterMs) {
      c.header("Retry-After", String(Math.ceil(res.retryAfterMs / 1000)));
      return page(
        c,
        { title: "Sign in", status: 429 },
        <LoginForm
          csrf={preToken(c)}
          name={name}
          next={next}
          error="Too many failed sign-ins; wait a minute and try again."
        />,
      );
    }
    return page(
      c,
      { title: "Sign in", status: 401 },
      <LoginForm
        csrf={preToken(c)}
        name={name}
        next={next}
        error="Wrong user name or password."
      />,
    );
  });

  r.post("/logout", async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await c.get("web").auth.revoke(token);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect("/login", 303);
  });

  return r;
}
