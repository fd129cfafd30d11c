/**
 * Test helpers for the web service: a sandboxed aisync with the web app over it, and a small
 * browser-like client (cookie jar, CSRF token from the page) for `app.request()`.
 *
 * @module
 */
import { type Sandbox, sandbox } from "../core/testing.ts";
import { createApp, type WebApp, type WebOptions } from "./mod.ts";

/** A sandbox with the web app on it. */
export interface WebSandbox extends Sandbox {
  web: WebApp;
}

/** Opens a sandbox (files as in `sandbox`) and builds the web app over it. */
export async function webSandbox(
  files: Record<string, string> = {},
  options: WebOptions = {},
): Promise<WebSandbox> {
  const s = await sandbox(files);
  const web = createApp(s.app, {
    notifierOptions: { onFailure: () => {}, retries: 0 },
    ...options,
  });
  const close = s.close;
  return Object.assign(s, {
    web,
    async close() {
      await web.close();
      await close();
    },
  });
}

/** A client that keeps cookies like a browser and knows its session's CSRF token. */
export class TestClient {
  readonly web: WebApp;
  cookies = new Map<string, string>();
  csrf = "";
  host = "localhost";

  constructor(web: WebApp) {
    this.web = web;
  }

  /** Sends a request with the jar's cookies and a Host header; stores Set-Cookie. */
  async request(path: string, init: RequestInit & { hx?: boolean } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has("Host")) headers.set("Host", this.host);
    if (this.cookies.size && !headers.has("Cookie")) {
      headers.set("Cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    if (init.hx) headers.set("HX-Request", "true");
    const res = await this.web.hono.request(path, { ...init, headers, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i), value = pair.slice(i + 1);
      if (/max-age=0/i.test(c) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Posts a form (the CSRF field added unless `csrf: false`). */
  async post(
    path: string,
    fields: Record<string, string | string[]> = {},
    opts: { csrf?: boolean | string; hx?: boolean; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) {
      for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    }
    if (opts.csrf !== false) {
      body.set("_csrf", typeof opts.csrf === "string" ? opts.csrf : this.csrf);
    }
    return await this.request(path, {
      method: "POST",
      body,
      hx: opts.hx,
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...opts.headers },
    });
  }

  /** Reads the CSRF token from a page's forms. */
  async csrfFrom(path: string): Promise<string> {
    const html = await (await this.request(path)).text();
    const m = html.match(/name="_csrf" value="([^"]+)"/);
    if (!m) throw new Error(`Cannot find a CSRF field on "${path}"`);
    this.csrf = m[1];
    return this.csrf;
  }

  /** Creates the first user through the setup page and stays signed in. */
  async setup(name = "admin", password = "correct horse battery"): Promise<void> {
    const token = await this.web.web.auth.setupToken();
    if (!token) throw new Error("Cannot set up: a user exists");
    await this.csrfFrom("/setup");
    const res = await this.post("/setup", { token, username: name, password, confirm: password });
    if (res.status !== 303) throw new Error(`Cannot set up: HTTP ${res.status}`);
    await this.csrfFrom("/");
  }

  /** Signs in through the login form. */
  async login(name = "admin", password = "correct horse battery"): Promise<Response> {
    await this.csrfFrom("/login");
    const res = await this.post("/login", { username: name, password });
    if (res.status === 303) await this.csrfFrom("/");
    return res;
  }
}
