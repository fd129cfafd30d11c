import assert from "node:assert/strict";
import { Bus } from "./bus.ts";
import { type Notice, Notifier, webhookRequest } from "./notify.ts";
import { openDb } from "../db/mod.ts";

async function store() {
  const dir = await Deno.makeTempDir();
  const s = await openDb(`file:${dir}/t.db`);
  return { s, dir };
}

Deno.test("Notifier posts to webhooks with retries and backoff, in each format", async () => {
  const { s, dir } = await store();
  const got: { path: string; body: string; title: string | null }[] = [];
  let fails = 2;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.text();
    const path = new URL(req.url).pathname;
    if (path === "/flaky" && fails-- > 0) return new Response("busy", { status: 503 });
    if (path === "/gone") return new Response("no", { status: 404 });
    got.push({ path, body, title: req.headers.get("Title") });
    return new Response("ok");
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const bus = new Bus();
  const failures: string[] = [];
  const desktop: string[] = [];
  const n = new Notifier(bus, s, {
    retries: 3,
    minTimeoutMs: 10,
    onFailure: (c, m) => failures.push(`${c}: ${m}`),
    desktop: (t, b) => {
      desktop.push(`${t}|${b}`);
      return Promise.resolve();
    },
  });
  try {
    await n.save({
      browser: true,
      desktop: true,
      webhooks: [
        { name: "flaky", url: `${base}/flaky`, format: "json", enabled: true },
        { name: "slack", url: `${base}/slack`, format: "slack", enabled: true },
        { name: "ntfy", url: `${base}/ntfy`, format: "ntfy", enabled: true },
        { name: "gone", url: `${base}/gone`, format: "json", enabled: true },
        { name: "off", url: `${base}/off`, format: "json", enabled: false },
      ],
      rules: {
        conflict: ["toast", "browser", "desktop", "webhook"],
        error: [],
        change: ["toast"],
        lossy: [],
      },
    });
    const toasts: Notice[] = [];
    n.subscribe((x) => toasts.push(x));
    bus.publish({
      type: "conflict.opened",
      key: "mcp:user:github",
      clients: ["codex", "claude_code"],
      conflictId: 7,
    });
    await n.idle();
    assert.equal(toasts.length, 1);
    assert.equal(toasts[0].title, "Conflict on github");
    assert.ok(toasts[0].browser && toasts[0].toast);
    assert.deepEqual(desktop, [
      "Conflict on github|codex and claude_code changed it differently; nothing was overwritten.",
    ]);
    const byPath = Object.fromEntries(got.map((g) => [g.path, g]));
    assert.equal(JSON.parse(byPath["/flaky"].body).kind, "conflict", "delivered after two 503s");
    assert.match(JSON.parse(byPath["/slack"].body).text, /^\*Conflict on github\*/);
    assert.equal(byPath["/ntfy"].title, "Conflict on github");
    assert.ok(!byPath["/off"]);
    assert.equal(failures.length, 1, "a 404 is not retried and is reported");
    assert.match(failures[0], /^gone: Cannot post to webhook "gone": HTTP 404/);
    // Errors are not routed anywhere by these rules; a client entering error is told once.
    bus.publish({ type: "client.state", client: "codex", state: "ok", notes: 0, errors: [] });
    bus.publish({ type: "sync.started", trigger: "t" });
    bus.publish({ type: "item.changed", key: "mcp:user:a", clients: ["codex"], action: "add" });
    bus.publish({ type: "sync.finished", changes: 1, writes: 2, conflicts: 0, errors: 0, ms: 5 });
    await n.idle();
    assert.equal(toasts.at(-1)!.title, "Synced 2 files");
    assert.equal(toasts.at(-1)!.body, "Changed: a");
  } finally {
    await n.close();
    await server.shutdown();
    s.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("webhookRequest() builds generic JSON, Slack and ntfy bodies", async () => {
  const n: Notice = {
    kind: "error",
    title: "Error in codex",
    body: "Cannot parse",
    at: 0,
    eventId: 3,
    toast: true,
    browser: false,
  };
  const json = webhookRequest({ name: "j", url: "http://x", format: "json", enabled: true }, n);
  assert.equal(JSON.parse(json.body as string).eventId, 3);
  const ntfy = webhookRequest({ name: "n", url: "http://x", format: "ntfy", enabled: true }, n);
  assert.equal((ntfy.headers as Record<string, string>).Priority, "high");
  assert.equal(ntfy.body, "Cannot parse");
  await Promise.resolve();
});
