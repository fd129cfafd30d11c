/**
 * Conflicts: list them and resolve one by taking a side or saving an edited value; the result is
 * synced to every client at once.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { Web } from "./_web.ts";
import { droppedBy } from "../core/engine.ts";
import { maskConflict, unmaskValue } from "../core/mask.ts";
import { Conflicts, type ConflictsProps } from "../views/conflicts.tsx";
import { clientNames } from "./items.tsx";
import { back, type Env, isFragment, page } from "./_web.ts";

/** Open and recently resolved conflicts, masked. */
export async function conflictLists(web: Web) {
  const all = await web.app.state.conflicts(50);
  return {
    open: all.filter((c) => c.status === "open").map(maskConflict),
    resolved: all.filter((c) => c.status !== "open").slice(0, 10).map(maskConflict),
  };
}

/**
 * Resolves conflict `id` with `{take}` or an edited `{value}` (masked secrets put back from the
 * sides), then syncs. Throws a `RangeError` for an unknown conflict, `TypeError` for bad input.
 */
export async function resolveConflict(
  web: Web,
  id: number,
  choice: { take: string } | { value: unknown },
) {
  const c = [...(await web.app.state.openConflicts()).values()].find((x) => x.id === id);
  if (!c) throw new RangeError(`Cannot resolve conflict ${id}: it is not open`);
  if ("take" in choice && !(choice.take in c.sides)) {
    throw new TypeError(`Cannot resolve conflict ${id}: "${choice.take}" is not one of its sides`);
  }
  const resolved = "take" in choice
    ? choice
    : { value: unmaskValue(choice.value, [...Object.values(c.sides), c.base]) };
  try {
    await web.app.engine.resolve(id, resolved);
  } catch (e) {
    throw new TypeError((e as Error).message);
  }
  return await web.app.engine.sync({ trigger: "web" });
}

/** The open conflicts an emptied client made, by id: the client that dropped each item. */
async function droppedItems(web: Web): Promise<Record<number, string>> {
  const out: Record<number, string> = {};
  for (const c of (await web.app.state.openConflicts()).values()) {
    const client = droppedBy(c);
    if (client) out[c.id] = client;
  }
  return out;
}

async function show(c: Context<Env>, extra: Partial<ConflictsProps> = {}, status = 200) {
  const lists = await conflictLists(c.get("web"));
  const dropped = await droppedItems(c.get("web"));
  return page(
    c,
    { title: "Conflicts", active: "conflicts", status },
    <Conflicts
      {...lists}
      dropped={dropped}
      names={clientNames(c)}
      csrf={c.get("user")!.csrf}
      {...extra}
    />,
  );
}

/** The conflict routes. */
export function conflictRoutes(): Hono<Env> {
  const r = new Hono<Env>();

  r.get("/conflicts", (c) => show(c));

  // Every item one emptied client dropped, kept (it gets them back) or deleted everywhere.
  r.post("/conflicts/dropped", async (c) => {
    const f = await c.req.parseBody();
    const client = String(f.client ?? ""), action = String(f.action ?? "");
    if (action !== "keep" && action !== "delete") {
      return await show(c, { message: 'Choose "keep" or "delete".' }, 422);
    }
    const web = c.get("web");
    const mine = await web.app.engine.settleDropped(client, action === "keep");
    if (!mine.length) return await show(c, { message: "Nothing to settle for that client." }, 404);
    const report = await web.app.engine.sync({ trigger: "web" });
    if (!isFragment(c)) return back(c, "/conflicts");
    const n = `${mine.length} item${mine.length === 1 ? "" : "s"}`;
    return await show(c, {
      message: `${
        action === "keep" ? "Kept" : "Deleted everywhere"
      } ${n}; ${report.writes.length} file${report.writes.length === 1 ? "" : "s"} written.`,
    });
  });

  r.post("/conflicts/:id/resolve", async (c) => {
    const id = Number(c.req.param("id"));
    const f = await c.req.parseBody();
    let choice: { take: string } | { value: unknown };
    if (typeof f.take === "string" && f.take) choice = { take: f.take };
    else {
      const text = String(f.value ?? "");
      try {
        choice = { value: JSON.parse(text) };
      } catch (e) {
        return await show(c, {
          error: { id, text: `Cannot parse the value: ${(e as Error).message}`, value: text },
        }, 422);
      }
    }
    try {
      const report = await resolveConflict(c.get("web"), id, choice);
      if (!isFragment(c)) return back(c, "/conflicts");
      return await show(c, {
        message: `Resolved conflict ${id}; ${report.writes.length} file${
          report.writes.length === 1 ? "" : "s"
        } written.`,
      });
    } catch (e) {
      if (e instanceof RangeError) return await show(c, { message: e.message }, 404);
      return await show(c, {
        error: {
          id,
          text: (e as Error).message,
          value: "value" in choice ? JSON.stringify(choice.value, null, 2) : "",
        },
      }, 422);
    }
  });

  return r;
}
