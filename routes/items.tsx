/**
 * Items: the list, one item (per-client values, base, history, backups), restoring an earlier
 * value everywhere, and restoring a file from a backup.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { itemDetail, listItems, restoreBackup, restoreValue } from "../core/items.ts";
import { ItemList, ItemView } from "../views/items.tsx";
import { syncSoon } from "./dashboard.tsx";
import { back, type Env, isFragment, page } from "./_web.ts";

/** Client id → display name. */
export function clientNames(c: Context<Env>): Record<string, string> {
  return Object.fromEntries(c.get("web").app.host.plugins.map((p) => [p.id, p.manifest.name]));
}

const KEY = /^(mcp|instructions):.+:.+$/;

async function showItem(c: Context<Env>, key: string, message?: string, status = 200) {
  const item = await itemDetail(c.get("web").app, key);
  if (!item) return c.notFound();
  return page(
    c,
    { title: item.name, active: "items", status },
    <ItemView item={item} names={clientNames(c)} csrf={c.get("user")!.csrf} message={message} />,
  );
}

/** The item routes. */
export function itemRoutes(): Hono<Env> {
  const r = new Hono<Env>();

  r.get("/items", async (c) => {
    const items = await listItems(c.get("web").app);
    return page(
      c,
      { title: "Items", active: "items" },
      <ItemList items={items} names={clientNames(c)} />,
    );
  });

  r.get("/items/:key", async (c) => {
    const key = c.req.param("key");
    if (!KEY.test(key)) return c.notFound();
    return await showItem(c, key);
  });

  r.post("/items/:key/restore", async (c) => {
    const key = c.req.param("key");
    const f = await c.req.parseBody();
    const id = Number(f.history);
    if (!KEY.test(key) || !Number.isInteger(id)) return c.text("Name a history entry\n", 400);
    const web = c.get("web");
    try {
      await restoreValue(web.app, key, id);
    } catch (e) {
      return await showItem(c, key, (e as Error).message, 404);
    }
    await syncSoon(web).catch(() => {});
    if (!isFragment(c)) return back(c, `/items/${encodeURIComponent(key)}`);
    return await showItem(c, key, `Restored the value of entry ${id}; every client now has it.`);
  });

  r.post("/backups/:id/restore", async (c) => {
    const id = Number(c.req.param("id"));
    const f = await c.req.parseBody();
    const item = String(c.req.query("item") ?? f.item ?? "");
    if (!Number.isInteger(id)) return c.text("Name a backup\n", 400);
    const web = c.get("web");
    let message: string;
    try {
      const { path, undo } = await restoreBackup(web.app, id);
      message = `Restored ${path} from backup ${id} (the replaced content is backup ${undo}).`;
      // The restored file is a change in its client: the next sync carries it to the others.
      await syncSoon(web).catch(() => {});
    } catch (e) {
      message = (e as Error).message;
    }
    if (KEY.test(item)) {
      if (!isFragment(c)) return back(c, `/items/${encodeURIComponent(item)}`);
      return await showItem(c, item, message);
    }
    return isFragment(c) ? c.html(<p class="notice">{message}</p>) : back(c, "/items");
  });

  return r;
}
