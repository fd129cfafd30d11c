/**
 * Notification settings: show, save (webhook URLs kept when left masked), and send a test.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { Channel, NoticeKind, type NotifySettings, Webhook } from "../core/notify.ts";
import { maskUrl, NotificationSettings } from "../views/notifications.tsx";
import { back, type Env, isFragment, page } from "./_web.ts";

function desktopTool(): string | undefined {
  if (Deno.build.os === "darwin") return "osascript";
  if (Deno.build.os === "linux") return "notify-send";
  return undefined;
}

/** Reads the settings form; masked webhook URLs keep their stored value. */
export function settingsFromForm(
  f: Record<string, string | File | (string | File)[]>,
  current: NotifySettings,
): NotifySettings {
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);
  const rules: Record<string, Channel[]> = {};
  for (const k of NoticeKind.options) {
    rules[k] = list(f[`rule.${k}`]).filter((c) => Channel.safeParse(c).success) as Channel[];
  }
  const webhooks: Webhook[] = [];
  for (let i = 0; i <= current.webhooks.length; i++) {
    const name = String(f[`hook.${i}.name`] ?? "").trim();
    let url = String(f[`hook.${i}.url`] ?? "").trim();
    if (!name) continue;
    const old = current.webhooks[i];
    if (old && url === maskUrl(old.url)) url = old.url;
    webhooks.push(Webhook.parse({
      name,
      url,
      format: String(f[`hook.${i}.format`] ?? "json"),
      enabled: f[`hook.${i}.enabled`] === "on",
    }));
  }
  return {
    browser: f.browser === "on",
    desktop: f.desktop === "on",
    webhooks,
    rules: rules as NotifySettings["rules"],
  };
}

async function show(
  c: Context<Env>,
  extra: { message?: string; error?: string } = {},
  status = 200,
) {
  const settings = await c.get("web").notifier.settings();
  return page(
    c,
    { title: "Notifications", active: "notifications", status },
    <NotificationSettings
      settings={settings}
      csrf={c.get("user")!.csrf}
      desktopTool={desktopTool()}
      {...extra}
    />,
  );
}

/** The notification routes. */
export function notificationRoutes(): Hono<Env> {
  const r = new Hono<Env>();

  r.get("/notifications", (c) => show(c));

  r.post("/notifications", async (c) => {
    const { notifier } = c.get("web");
    const f = await c.req.parseBody({ all: true });
    try {
      await notifier.save(settingsFromForm(f as never, await notifier.settings()));
    } catch (e) {
      const issues = (e as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
      const text = issues
        ? issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")
        : (e as Error).message;
      return await show(c, { error: `Cannot save the settings: ${text}` }, 422);
    }
    if (!isFragment(c)) return back(c, "/notifications");
    return await show(c, { message: "Saved." });
  });

  r.post("/notifications/test", async (c) => {
    const failed = await c.get("web").notifier.test();
    if (!isFragment(c)) return back(c, "/notifications");
    return await show(
      c,
      failed.length
        ? { error: `Sent; these failed: ${failed.join("; ")}` }
        : { message: "Sent a test notification to every channel that is on." },
    );
  });

  return r;
}
