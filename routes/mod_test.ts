import assert from "node:assert/strict";
import { createParser } from "eventsource-parser";
import { TestClient, type WebSandbox, webSandbox } from "./_testing.ts";

const SECRET = "sk-PLANTED-9f8e7d6c5b4a";
const HEADER_SECRET = "Bearer hdr-PLANTED-0a1b2c3d";
const CLAUDE = JSON.stringify(
  {
    mcpServers: {
      github: { command: "npx", args: ["-y", "gh-mcp"], env: { GITHUB_TOKEN: SECRET } },
      remote: {
        type: "http",
        url: "https://mcp.example.com/mcp",
        headers: { Authorization: HEADER_SECRET },
      },
    },
  },
  null,
  2,
);

async function ready(files: Record<string, string> = { "~/.claude.json": CLAUDE }) {
  const s = await webSandbox(files);
  await s.app.engine.sync({ trigger: "test" });
  return s;
}

async function signedIn(s: WebSandbox): Promise<TestClient> {
  const c = new TestClient(s.web);
  await c.setup();
  return c;
}

/** Reads SSE messages from a response until `until` says stop (or 5 s pass). */
async function readEvents(
  res: Response,
  until: (m: { event?: string; id?: string; data: string }[]) => boolean,
) {
  const got: { event?: string; id?: string; data: string }[] = [];
  const parser = createParser({ onEvent: (m) => got.push(m) });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const timer = setTimeout(() => reader.cancel(), 5000);
  try {
    while (!until(got)) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  return got;
}

Deno.test("createApp() answers /healthz without login and refuses foreign Host names with 421", async () => {
  await using s = await webSandbox();
  const c = new TestClient(s.web);
  assert.equal((await c.request("/healthz")).status, 200);
  c.host = "evil.example:7777";
  const res = await c.request("/healthz");
  assert.equal(res.status, 421);
  await res.body?.cancel();
  assert.equal((await c.request("/login")).status, 421);
  c.host = "127.0.0.1:7777";
  assert.equal((await c.request("/healthz")).status, 200);
  c.host = "[::1]:7777";
  assert.equal((await c.request("/healthz")).status, 200);
});

Deno.test("createApp() accepts extra host names when configured", async () => {
  await using s = await webSandbox({}, { hosts: ["aisync.lan"] });
  const c = new TestClient(s.web);
  c.host = "aisync.lan:7777";
  assert.equal((await c.request("/healthz")).status, 200);
});

Deno.test("pages redirect to setup, then to login, and htmx gets 401 with HX-Redirect", async () => {
  await using s = await webSandbox();
  const c = new TestClient(s.web);
  let res = await c.request("/");
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("Location"), "/setup");
  res = await c.request("/conflicts", { hx: true });
  assert.equal(res.status, 401);
  assert.equal(res.headers.get("HX-Redirect"), "/setup");
  await c.setup();
  const other = new TestClient(s.web);
  res = await other.request("/items");
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("Location"), "/login?next=%2Fitems");
  res = await other.request("/setup");
  assert.equal(res.status, 303, "setup is closed once a user exists");
});

Deno.test("setup needs the printed token and the form's CSRF cookie", async () => {
  await using s = await webSandbox();
  const c = new TestClient(s.web);
  const token = (await s.web.web.auth.setupToken())!;
  assert.match(token, /^[0-9a-f]{32}$/);
  // No pre-session cookie: CSRF refuses it.
  let res = await c.post("/setup", {
    token,
    username: "a",
    password: "p4ssword!",
    confirm: "p4ssword!",
  }, {
    csrf: "forged",
  });
  assert.equal(res.status, 403);
  await c.csrfFrom("/setup");
  res = await c.post("/setup", {
    token: "0".repeat(32),
    username: "admin",
    password: "p4ssword!",
    confirm: "p4ssword!",
  });
  assert.equal(res.status, 403);
  assert.match(await res.text(), /not the setup token/);
  res = await c.post("/setup", { token, username: "admin", password: "short", confirm: "short" });
  assert.equal(res.status, 422);
  await res.body?.cancel();
  res = await c.post("/setup", {
    token,
    username: "admin",
    password: "p4ssword!",
    confirm: "p4ssword!",
  });
  assert.equal(res.status, 303);
  const cookie = res.headers.getSetCookie().find((x) => x.startsWith("aisync_session="))!;
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.equal(await s.web.web.auth.setupToken(), undefined, "the token is spent");
  assert.equal((await c.request("/")).status, 200);
});

Deno.test("login: wrong passwords answer 401, then 429 with Retry-After; sign-out ends the session", async () => {
  await using s = await webSandbox();
  await s.web.web.auth.addUser("admin", "correct horse battery");
  const c = new TestClient(s.web);
  for (let i = 0; i < 5; i++) {
    const res = await c.login("admin", "wrong password");
    assert.equal(res.status, 401);
    await res.body?.cancel();
  }
  const res = await c.login("admin", "correct horse battery");
  assert.equal(res.status, 429);
  assert.ok(Number(res.headers.get("Retry-After")) > 0);
  await res.body?.cancel();
  // A different name from the same address is limited too (per-address budget)… after more.
  const d = new TestClient(s.web);
  s.web.web.limiter.reset("ip:local");
  s.web.web.limiter.reset("user:local:admin");
  assert.equal((await d.login()).status, 303);
  assert.equal((await d.request("/")).status, 200);
  assert.equal((await d.post("/logout")).status, 303);
  assert.equal((await d.request("/")).status, 303);
});

Deno.test("CSRF: state-changing requests need the session's token; Origin and Sec-Fetch-Site are checked", async () => {
  await using s = await ready();
  const c = await signedIn(s);
  let res = await c.post("/sync", {}, { csrf: false });
  assert.equal(res.status, 403);
  res = await c.post("/sync", {}, { csrf: "0".repeat(48) });
  assert.equal(res.status, 403);
  res = await c.request("/sync", {
    method: "POST",
    hx: true,
    headers: { "X-CSRF-Token": c.csrf },
  });
  assert.equal(res.status, 202);
  res = await c.post("/sync", {}, { headers: { Origin: "http://evil.example" } });
  assert.equal(res.status, 403);
  res = await c.post("/sync", {}, { headers: { Origin: "http://localhost:9999" } });
  assert.equal(res.status, 403, "same name, other port is another origin");
  res = await c.post("/sync", {}, { headers: { "Sec-Fetch-Site": "cross-site" } });
  assert.equal(res.status, 403);
  res = await c.post("/sync", {}, { headers: { Origin: "http://localhost" } });
  assert.equal(res.status, 303);
  await s.app.engine.sync({ trigger: "test" }); // let the background syncs finish
});

Deno.test("API: 401 with WWW-Authenticate: Bearer; password flow issues a working token", async () => {
  await using s = await ready();
  await s.web.web.auth.addUser("admin", "correct horse battery");
  const c = new TestClient(s.web);
  let res = await c.request("/api/v1/clients");
  assert.equal(res.status, 401);
  assert.match(res.headers.get("WWW-Authenticate")!, /^Bearer/);
  await res.body?.cancel();
  res = await c.request("/api/v1/clients", { headers: { Authorization: "Bearer nope" } });
  assert.equal(res.status, 401);
  assert.match(res.headers.get("WWW-Authenticate")!, /invalid_token/);
  await res.body?.cancel();
  res = await c.request("/events");
  assert.equal(res.status, 401);
  await res.body?.cancel();

  const form = (password: string, grant = "password") =>
    c.request("/api/v1/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: grant, username: "admin", password }),
    });
  res = await form("nope");
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error, "invalid_grant");
  res = await form("correct horse battery", "client_credentials");
  assert.equal((await res.json()).error, "unsupported_grant_type");
  res = await form("correct horse battery");
  assert.equal(res.status, 200);
  const t = await res.json();
  assert.equal(t.token_type, "bearer");
  assert.ok(t.expires_in > 3000 && t.expires_in <= 3600);
  const auth = { Authorization: `Bearer ${t.access_token}` };
  res = await c.request("/api/v1/clients", { headers: auth });
  assert.equal(res.status, 200);
  const { clients } = await res.json();
  const ids = clients.map((x: { id: string }) => x.id);
  for (const id of ["claude_code", "codex", "qwen_code", "rovo_dev"]) {
    assert.ok(ids.includes(id), id);
  }
  // A bearer needs no CSRF token, but a foreign Origin is still refused.
  res = await c.request("/api/v1/sync", {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ dryRun: true }),
  });
  assert.equal(res.status, 200);
  assert.ok("clients" in await res.json());
  res = await c.request("/api/v1/sync", {
    method: "POST",
    headers: { ...auth, Origin: "http://evil.example" },
  });
  assert.equal(res.status, 403);
  await res.body?.cancel();
  // Too many wrong passwords: 429.
  for (let i = 0; i < 4; i++) await (await form("nope")).body?.cancel();
  res = await form("correct horse battery");
  assert.equal(res.status, 429);
  await res.body?.cancel();
  // The OpenAPI document is public and lists the operations.
  res = await new TestClient(s.web).request("/api/v1/openapi.json");
  const doc = await res.json();
  assert.ok(doc.paths["/api/v1/conflicts/{id}/resolve"].post);
  assert.ok(doc.paths["/api/v1/token"].post);
});

Deno.test("every page renders the full page, or the fragment for htmx", async () => {
  await using s = await ready();
  const c = await signedIn(s);
  const pages = [
    "/",
    "/items",
    `/items/${encodeURIComponent("mcp:user:github")}`,
    "/conflicts",
    "/policies",
    "/plans",
    "/notifications",
    "/activity",
    "/clients/codex/card",
    "/api/docs",
  ];
  for (const p of pages) {
    const full = await c.request(p);
    assert.equal(full.status, 200, p);
    const html = await full.text();
    assert.match(html, /^<!DOCTYPE html>|^<html/i, p);
    assert.match(html, /sse-connect="\/events\?lastEventId=\d+"/, p);
    const frag = await c.request(p, { hx: true });
    assert.equal(frag.status, 200, p);
    const body = await frag.text();
    assert.doesNotMatch(body, /<html/, p);
    assert.ok(body.length > 20, p);
  }
  const res = await c.request("/items/mcp%3Auser%3Anope");
  assert.equal(res.status, 404);
  await res.body?.cancel();
});

Deno.test("a planted secret appears on no page, fragment, event or API response", async () => {
  await using s = await ready();
  // Ask-first for Codex and a new server with a secret: the pending plan holds it.
  await s.app.state.setPolicy("codex", {
    enabled: true,
    direction: "both",
    kinds: ["mcp", "instructions"],
    scopes: "all",
    mode: "ask",
  });
  const claude = JSON.parse(CLAUDE);
  claude.mcpServers.third = { command: "x", env: { API_KEY: `${SECRET}-third` } };
  await s.write("~/.claude.json", JSON.stringify(claude, null, 2));
  // A conflict whose sides carry the secret.
  await s.app.engine.sync({ trigger: "test" });
  const c = await signedIn(s);
  const sse = await c.request("/events?lastEventId=0");
  const events = await readEvents(
    sse,
    (m) => m.some((x) => x.event === "ready" || x.event === "reload") || m.length > 50,
  );
  const tokenRes = await new TestClient(s.web).request("/api/v1/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "password",
      username: "admin",
      password: "correct horse battery",
    }),
  });
  const auth = { Authorization: `Bearer ${(await tokenRes.json()).access_token}` };
  const texts: string[] = [JSON.stringify(events)];
  for (
    const p of ["/", "/items", "/conflicts", "/policies", "/plans", "/notifications", "/activity"]
  ) {
    texts.push(await (await c.request(p)).text());
    texts.push(await (await c.request(p, { hx: true })).text());
  }
  for (const key of ["mcp:user:github", "mcp:user:remote", "mcp:user:third"]) {
    texts.push(await (await c.request(`/items/${encodeURIComponent(key)}`)).text());
    texts.push(
      await (await c.request(`/api/v1/items/${encodeURIComponent(key)}`, { headers: auth }))
        .text(),
    );
  }
  for (
    const p of [
      "/api/v1/clients",
      "/api/v1/items",
      "/api/v1/conflicts",
      "/api/v1/policies",
      "/api/v1/plans",
    ]
  ) {
    const res = await c.request(p, { headers: auth });
    assert.equal(res.status, 200, p);
    texts.push(await res.text());
  }
  const sync = await c.request("/api/v1/sync", {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ dryRun: true }),
  });
  texts.push(await sync.text());
  const plans = texts.find((t) => t.startsWith('{"plans"'))!;
  assert.match(plans, /codex/, "the plan is there");
  assert.match(plans, /\*\*\*\*/, "with the secret masked");
  for (const t of texts) {
    assert.ok(!t.includes(SECRET), "env secret leaked");
    assert.ok(!t.includes("hdr-PLANTED"), "header secret leaked");
  }
});

Deno.test("conflicts: the page shows both sides and taking one writes it to both files", async () => {
  await using s = await ready({ "~/.claude.json": CLAUDE });
  const codexBefore = (await s.read("~/.codex/config.toml"))!;
  assert.match(codexBefore, /gh-mcp/);
  const claude = JSON.parse(CLAUDE);
  claude.mcpServers.github.args = ["-y", "gh-mcp@2"];
  await s.write("~/.claude.json", JSON.stringify(claude, null, 2));
  await s.write("~/.codex/config.toml", codexBefore.replace('"gh-mcp"', '"gh-mcp@3"'));
  const r = await s.app.engine.sync({ trigger: "test" });
  assert.equal(r.conflicts.length, 1);
  const id = r.conflicts[0].id!;
  const c = await signedIn(s);
  const page = await (await c.request("/conflicts")).text();
  assert.match(page, /gh-mcp@2/);
  assert.match(page, /gh-mcp@3/);
  assert.match(page, /Take Claude Code/);
  // A take naming no side is refused.
  let res = await c.post(`/conflicts/${id}/resolve`, { take: "nobody" }, { hx: true });
  assert.equal(res.status, 422);
  await res.body?.cancel();
  res = await c.post(`/conflicts/${id}/resolve`, { take: "codex" }, { hx: true });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /No open conflicts/);
  assert.match((await s.read("~/.claude.json"))!, /gh-mcp@3/);
  assert.match((await s.read("~/.codex/config.toml"))!, /gh-mcp@3/);
  assert.ok(!(await s.read("~/.claude.json"))!.includes("****"), "the secret stays intact");
  assert.ok((await s.read("~/.claude.json"))!.includes(SECRET));
});

Deno.test("conflicts: what an emptied client dropped is kept (or deleted) in one step", async () => {
  await using s = await ready({ "~/.claude.json": CLAUDE });
  // Claude Code's file reset: both servers gone from it at once.
  await s.write("~/.claude.json", '{\n  "numStartups": 1\n}\n');
  const r = await s.app.engine.sync({ trigger: "test" });
  assert.equal(r.conflicts.length, 2);
  assert.match((await s.read("~/.codex/config.toml"))!, /gh-mcp/, "nothing deleted elsewhere");
  const c = await signedIn(s);
  const page = await (await c.request("/conflicts")).text();
  assert.match(page, /Claude Code dropped 2\s+items at once/);
  assert.match(page, /Delete everywhere/);
  assert.ok(!page.includes(SECRET), "secrets stay masked");
  let res = await c.post("/conflicts/dropped", { client: "claude_code", action: "x" }, {
    hx: true,
  });
  assert.equal(res.status, 422);
  await res.body?.cancel();
  res = await c.post("/conflicts/dropped", { client: "claude_code", action: "keep" }, {
    hx: true,
  });
  assert.equal(res.status, 200);
  const after = await res.text();
  assert.match(after, /Kept 2 items/);
  assert.match(after, /No open conflicts/);
  const claude = (await s.read("~/.claude.json"))!;
  assert.match(claude, /"numStartups": 1/);
  assert.match(claude, /gh-mcp/);
  assert.ok(claude.includes(SECRET), "Claude Code got the real secret back");
  assert.match(claude, /mcp\.example\.com/);
});

Deno.test("conflicts: an edited value keeps masked secrets and reaches every client", async () => {
  await using s = await ready({ "~/.claude.json": CLAUDE });
  const codexBefore = (await s.read("~/.codex/config.toml"))!;
  const claude = JSON.parse(CLAUDE);
  claude.mcpServers.github.args = ["a"];
  await s.write("~/.claude.json", JSON.stringify(claude, null, 2));
  await s.write("~/.codex/config.toml", codexBefore.replace('"gh-mcp"', '"b"'));
  const id = (await s.app.engine.sync({ trigger: "test" })).conflicts[0].id!;
  const c = await signedIn(s);
  let res = await c.post(`/conflicts/${id}/resolve`, { value: "{not json" }, { hx: true });
  assert.equal(res.status, 422);
  assert.match(await res.text(), /Cannot parse the value/);
  const value = {
    transport: "stdio",
    command: "npx",
    args: ["edited"],
    env: { GITHUB_TOKEN: "****" },
  };
  res = await c.post(`/conflicts/${id}/resolve`, { value: JSON.stringify(value) }, { hx: true });
  assert.equal(res.status, 200);
  await res.body?.cancel();
  const codex = (await s.read("~/.codex/config.toml"))!;
  assert.match(codex, /"edited"/);
  assert.ok(codex.includes(SECRET), "the masked secret was put back");
  assert.match((await s.read("~/.claude.json"))!, /"edited"/);
});

Deno.test("policies: ask-first holds writes in a plan until Apply", async () => {
  await using s = await ready();
  const c = await signedIn(s);
  let res = await c.post("/policies/codex", {
    enabled: "on",
    direction: "both",
    kinds: ["mcp", "instructions"],
    scopes: "all",
    mode: "ask",
  }, { hx: true });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /saved/);
  assert.equal((await s.app.state.policies(["codex"])).get("codex")!.mode, "ask");
  await s.app.engine.sync({ trigger: "test" });
  const claude = JSON.parse(CLAUDE);
  claude.mcpServers.newone = { command: "new-server" };
  await s.write("~/.claude.json", JSON.stringify(claude, null, 2));
  await s.app.engine.sync({ trigger: "test" });
  assert.doesNotMatch((await s.read("~/.codex/config.toml"))!, /new-server/);
  const plans = await (await c.request("/plans", { hx: true })).text();
  assert.match(plans, /new-server/);
  assert.match(plans, /Apply 1 write/);
  res = await c.post("/plans/codex/apply", {}, { hx: true });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /Applied 1 write/);
  assert.match((await s.read("~/.codex/config.toml"))!, /new-server/);
  // Projects: add and remove.
  res = await c.post("/projects", { path: "relative/path" }, { hx: true });
  assert.equal(res.status, 422);
  await res.body?.cancel();
  const dir = await Deno.makeTempDir({ dir: s.root });
  res = await c.post("/projects", { path: dir }, { hx: true });
  assert.match(await res.text(), /Added/);
  res = await c.post("/projects/remove", { path: await Deno.realPath(dir) }, { hx: true });
  assert.match(await res.text(), /Removed/);
  // Deletions: on by default; switched off and on again.
  assert.match(await (await c.request("/policies")).text(), /name="on" checked/);
  res = await c.post("/settings/deletes", { sent: "1" }, { hx: true });
  assert.match(await res.text(), /the other clients keep/);
  assert.equal(await s.app.state.propagatesDeletes(), false);
  assert.doesNotMatch(await (await c.request("/policies")).text(), /name="on" checked/);
  res = await c.post("/settings/deletes", { sent: "1", on: "on" }, { hx: true });
  assert.match(await res.text(), /deletions propagate/);
  assert.equal(await s.app.state.propagatesDeletes(), true);
  // Backup retention: shown, refused when out of range (nothing saved), saved.
  assert.match(await (await c.request("/policies")).text(), /name="kept"[^>]*value="50"/);
  res = await c.post("/settings/backups", { kept: "0", days: "30" }, { hx: true });
  assert.equal(res.status, 422);
  assert.match(await res.text(), /kept: /);
  res = await c.post("/settings/backups", { kept: "5", days: "" }, { hx: true });
  assert.equal(res.status, 422);
  await res.body?.cancel();
  assert.deepEqual(await s.app.state.backupRetention(), { kept: 50, days: 30 });
  res = await c.post("/settings/backups", { kept: "5", days: "7" }, { hx: true });
  assert.match(await res.text(), /Saved\./);
  assert.deepEqual(await s.app.state.backupRetention(), { kept: 5, days: 7 });
  res = await c.post("/settings/preferred", { client: "claude_code" }, { hx: true });
  assert.match(await res.text(), /selected[^>]*>Claude Code|value="claude_code" selected/);
  await s.app.engine.sync({ trigger: "test" });
  // The preferred client settles a conflict in its favour.
  await c.post("/policies/codex", {
    enabled: "on",
    direction: "both",
    kinds: ["mcp"],
    scopes: "all",
    mode: "auto",
  });
  await s.app.engine.sync({ trigger: "test" });
  const codexNow = (await s.read("~/.codex/config.toml"))!;
  const cl = JSON.parse((await s.read("~/.claude.json"))!);
  cl.mcpServers.github.args = ["from-claude"];
  await s.write("~/.claude.json", JSON.stringify(cl, null, 2));
  await s.write("~/.codex/config.toml", codexNow.replace('"gh-mcp"', '"from-codex"'));
  const r = await s.app.engine.sync({ trigger: "test" });
  assert.equal(r.conflicts.length, 0);
  assert.match((await s.read("~/.codex/config.toml"))!, /from-claude/);
});

Deno.test("items: restoring an earlier value writes it to every client", async () => {
  await using s = await ready();
  const claude = JSON.parse(CLAUDE);
  claude.mcpServers.github.args = ["-y", "gh-mcp@9"];
  await s.write("~/.claude.json", JSON.stringify(claude, null, 2));
  await s.app.engine.sync({ trigger: "test" });
  assert.match((await s.read("~/.codex/config.toml"))!, /gh-mcp@9/);
  const c = await signedIn(s);
  const key = encodeURIComponent("mcp:user:github");
  const html = await (await c.request(`/items/${key}`)).text();
  const first = [...html.matchAll(/name="history" value="(\d+)"/g)].map((m) => m[1]);
  assert.equal(first.length, 1, "one earlier value can be restored");
  const res = await c.post(`/items/${key}/restore`, { history: first[0] }, { hx: true });
  assert.match(await res.text(), /Restored the value/);
  assert.doesNotMatch((await s.read("~/.codex/config.toml"))!, /gh-mcp@9/);
  assert.doesNotMatch((await s.read("~/.claude.json"))!, /gh-mcp@9/);
  assert.match(html, /Restore file/, "backups of the files are listed");
});

Deno.test("GET /events sends bus events with ids, fragments, and replays after Last-Event-ID", async () => {
  await using s = await ready();
  const c = await signedIn(s);
  const first = await c.request("/events");
  assert.equal(first.headers.get("Content-Type"), "text/event-stream");
  const open = readEvents(first, (m) => m.some((x) => x.event === "activity"));
  await new Promise((r) => setTimeout(r, 50));
  const from = s.app.bus.lastId;
  await s.app.engine.sync({ trigger: "test" });
  const got = await open;
  assert.equal(got[0].event, "ready");
  assert.ok(got.some((m) => m.event === "bus" && JSON.parse(m.data).type === "sync.finished"));
  assert.ok(
    got.some((m) => m.event === "client-claude_code" && m.data.includes('id="client-claude_code"')),
  );
  // Replay what came after `from`.
  const again = await c.request("/events", { headers: { "Last-Event-ID": String(from) } });
  const replay = await readEvents(again, (m) => m.some((x) => x.event === "activity"));
  const ids = replay.filter((m) => m.event === "bus").map((m) => Number(m.id));
  assert.equal(ids[0], from + 1);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  // An id older than the buffer holds: the reader is told to reload.
  for (let i = 0; i < 1100; i++) s.app.bus.publish({ type: "sync.started", trigger: "plan" });
  const gap = await c.request("/events", { headers: { "Last-Event-ID": "1" } });
  const g = await readEvents(gap, (m) => m.length > 0);
  assert.equal(g[0].event, "reload");
  // Only bus events when asked.
  const only = await c.request("/events?only=bus&lastEventId=" + (s.app.bus.lastId - 1));
  const o = await readEvents(only, (m) => m.length > 0);
  assert.equal(o[0].event, "bus");
  await s.web.hub.flushed();
});

Deno.test("notification settings save, keep masked webhook URLs, and toasts reach the event stream", async () => {
  await using s = await ready();
  const c = await signedIn(s);
  let res = await c.post("/notifications", {
    browser: "on",
    "rule.conflict": ["toast", "browser"],
    "rule.change": ["toast"],
    "hook.0.name": "team",
    "hook.0.url": "https://hooks.slack.com/services/T0/B0/SECRETPATH",
    "hook.0.format": "slack",
  }, { hx: true });
  assert.equal(res.status, 200);
  let html = await res.text();
  assert.match(html, /Saved/);
  assert.doesNotMatch(html, /SECRETPATH/);
  assert.match(html, /https:\/\/hooks.slack.com\/\*\*\*\*/);
  // Saving again with the masked URL keeps the real one.
  res = await c.post("/notifications", {
    "hook.0.name": "team",
    "hook.0.url": "https://hooks.slack.com/****",
    "hook.0.format": "slack",
    "hook.0.enabled": "on",
  }, { hx: true });
  await res.body?.cancel();
  const saved = await s.web.web.notifier.settings();
  assert.equal(saved.webhooks[0].url, "https://hooks.slack.com/services/T0/B0/SECRETPATH");
  assert.equal(saved.browser, false);
  res = await c.post("/notifications", { "hook.0.name": "x", "hook.0.url": "ftp://nope" }, {
    hx: true,
  });
  assert.equal(res.status, 422);
  html = await res.text();
  assert.match(html, /Cannot save/);
  // A change applied: a toast goes out on the stream.
  await s.web.web.notifier.save({
    ...saved,
    webhooks: [],
    rules: { change: ["toast"], conflict: [], error: [], lossy: [] },
  });
  const stream = await c.request("/events");
  const reading = readEvents(stream, (m) => m.some((x) => x.event === "toast"));
  await new Promise((r) => setTimeout(r, 50));
  const claude = JSON.parse(CLAUDE);
  claude.mcpServers.added = { command: "added-server" };
  await s.write("~/.claude.json", JSON.stringify(claude, null, 2));
  await s.app.engine.sync({ trigger: "test" });
  const got = await reading;
  const toast = got.find((m) => m.event === "toast")!;
  assert.match(toast.data, /Synced \d+ files?/);
  await s.web.hub.flushed();
});
