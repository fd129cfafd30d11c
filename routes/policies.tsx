/**
 * Sync policies, the preferred client, projects, and pending plans of ask-first clients (shown
 * as redacted diffs; Apply runs a sync that approves that client's writes).
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { z } from "zod";
import { Redactor } from "../core/mask.ts";
import { BackupRetention, Policy } from "../core/state.ts";
import {
  DeletesForm,
  type PendingWrite,
  Plans,
  Policies,
  PolicyForm,
  PreferredForm,
  Projects,
  RetentionForm,
} from "../views/policies.tsx";
import { clientNames } from "./items.tsx";
import { back, type Env, isFragment, page, type Web } from "./_web.ts";

/** Builds a redactor that knows every secret aisync has seen (base, views, conflicts). */
export async function redactor(web: Web): Promise<Redactor> {
  const { state } = web.app;
  const values: unknown[] = [];
  for (const b of (await state.base()).values()) values.push(b.item.value);
  for (const v of (await state.views()).values()) {
    for (const s of v.values()) values.push(JSON.parse(s));
  }
  for (const c of (await state.openConflicts()).values()) values.push(...Object.values(c.sides));
  return new Redactor(values);
}

/** The writes waiting for approval, per ask-first client, redacted. */
export async function pendingPlans(web: Web): Promise<Record<string, PendingWrite[]>> {
  const report = await web.app.engine.sync({ dryRun: true, trigger: "plan" });
  const r = await redactor(web);
  const out: Record<string, PendingWrite[]> = {};
  const policies = await web.app.state.policies(web.app.host.plugins.map((p) => p.id));
  for (const w of report.pending) {
    const owner = w.clients.find((c) => policies.get(c)?.mode === "ask") ?? w.clients[0];
    (out[owner] ??= []).push({
      path: w.path,
      clients: w.clients,
      before: r.redact(w.before ?? ""),
      after: w.after === null ? null : r.redact(w.after),
    });
  }
  return out;
}

/** Parses a policy form (unchecked boxes are absent from a form). */
export function policyFromForm(f: Record<string, string | File | (string | File)[]>): Policy {
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);
  return Policy.parse({
    enabled: f.enabled === "on",
    direction: f.direction,
    kinds: list(f["kinds"] ?? f["kinds[]"]),
    scopes: f.scopes,
    mode: f.mode,
  });
}

async function showPlans(c: Context<Env>, message?: string) {
  const web = c.get("web");
  const plans = await pendingPlans(web);
  return page(
    c,
    { title: "Pending plans", active: "policies" },
    <Plans
      plans={plans}
      names={clientNames(c)}
      csrf={c.get("user")!.csrf}
      message={message}
      at={Date.now()}
    />,
  );
}

async function showProjects(c: Context<Env>, message?: string, status = 200) {
  const projects = await c.get("web").app.state.projects();
  return page(
    c,
    { title: "Projects", active: "policies", status },
    <Projects projects={projects} csrf={c.get("user")!.csrf} message={message} />,
  );
}

/** The policy routes. */
export function policyRoutes(): Hono<Env> {
  const r = new Hono<Env>();

  r.get("/policies", async (c) => {
    const web = c.get("web");
    const ids = web.app.host.plugins.map((p) => p.id);
    const policies = await web.app.state.policies(ids);
    const names = clientNames(c);
    return page(
      c,
      { title: "Sync policies", active: "policies" },
      <Policies
        clients={ids.map((id) => ({ id, name: names[id], policy: policies.get(id)! }))}
        projects={await web.app.state.projects()}
        preferred={await web.app.state.preferredClient()}
        retention={await web.app.state.backupRetention()}
        deletes={await web.app.state.propagatesDeletes()}
        csrf={c.get("user")!.csrf}
      />,
    );
  });

  r.post("/policies/:client", async (c) => {
    const web = c.get("web");
    const id = c.req.param("client");
    if (!web.app.host.plugins.some((p) => p.id === id)) return c.notFound();
    const f = await c.req.parseBody({ all: true });
    const parsed = z.safeParse(Policy, policyFromForm(f as never));
    if (!parsed.success) return c.text(`Cannot save the policy: ${parsed.error.message}\n`, 422);
    await web.app.state.setPolicy(id, parsed.data);
    web.overview.invalidate();
    // A client switched on or to automatic catches up now.
    web.app.engine.sync({ trigger: "web" }).catch(() => {});
    if (!isFragment(c)) return back(c, "/policies");
    return c.html(
      <PolicyForm
        id={id}
        name={clientNames(c)[id]}
        policy={parsed.data}
        csrf={c.get("user")!.csrf}
        saved
      />,
    );
  });

  r.post("/settings/preferred", async (c) => {
    const web = c.get("web");
    const f = await c.req.parseBody();
    const client = String(f.client ?? "");
    if (client && !web.app.host.plugins.some((p) => p.id === client)) {
      return c.text(`Cannot prefer "${client}": no such client\n`, 422);
    }
    await web.app.state.setPreferredClient(client || undefined);
    if (!isFragment(c)) return back(c, "/policies");
    const names = clientNames(c);
    const clients = web.app.host.plugins.map((p) => ({ id: p.id, name: names[p.id] }));
    return c.html(
      <PreferredForm
        clients={clients}
        preferred={client || undefined}
        csrf={c.get("user")!.csrf}
        message="Saved."
      />,
    );
  });

  r.post("/settings/deletes", async (c) => {
    const web = c.get("web");
    const f = await c.req.parseBody();
    // An unchecked box is absent from the form.
    const on = f.on === "on";
    await web.app.state.setPropagateDeletes(on);
    if (!isFragment(c)) return back(c, "/policies");
    return c.html(
      <DeletesForm
        on={on}
        csrf={c.get("user")!.csrf}
        message={on
          ? "Saved: deletions propagate."
          : "Saved: the other clients keep what one deletes."}
      />,
    );
  });

  r.post("/settings/backups", async (c) => {
    const web = c.get("web");
    const f = await c.req.parseBody();
    // An empty box is no number (Number("") would be 0).
    const num = (v: unknown) => typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
    const parsed = BackupRetention.safeParse({ kept: num(f.kept), days: num(f.days) });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return c.text(
        `Cannot save the backup retention: ${issue.path.join(".")}: ${issue.message}\n`,
        422,
      );
    }
    await web.app.state.setBackupRetention(parsed.data);
    if (!isFragment(c)) return back(c, "/policies");
    return c.html(
      <RetentionForm
        retention={parsed.data}
        csrf={c.get("user")!.csrf}
        message="Saved. Older backups go as each file is next backed up."
      />,
    );
  });

  r.get("/plans", (c) => showPlans(c));

  r.post("/plans/:client/apply", async (c) => {
    const web = c.get("web");
    const id = c.req.param("client");
    if (!web.app.host.plugins.some((p) => p.id === id)) return c.notFound();
    const report = await web.app.engine.sync({ trigger: "web", approve: [id] });
    const n = report.writes.filter((w) => w.clients.includes(id)).length;
    if (!isFragment(c)) return back(c, "/policies#plans");
    return await showPlans(c, `Applied ${n} write${n === 1 ? "" : "s"} for ${clientNames(c)[id]}.`);
  });

  r.post("/projects", async (c) => {
    const web = c.get("web");
    const f = await c.req.parseBody();
    const path = String(f.path ?? "").trim();
    let real: string;
    try {
      if (!path.startsWith("/")) throw new Error("not absolute");
      if (!(await Deno.stat(path)).isDirectory) throw new Error("not a folder");
      real = await Deno.realPath(path);
    } catch {
      return await showProjects(
        c,
        `Cannot add "${path}": it is not an absolute path to a folder`,
        422,
      );
    }
    await web.app.state.addProject(real, "registered");
    web.app.engine.sync({ trigger: "web" }).catch(() => {});
    if (!isFragment(c)) return back(c, "/policies#projects");
    return await showProjects(c, `Added ${real}.`);
  });

  r.post("/projects/remove", async (c) => {
    const web = c.get("web");
    const f = await c.req.parseBody();
    const path = String(f.path ?? "");
    const ok = await web.app.state.removeProject(path);
    if (!isFragment(c)) return back(c, "/policies#projects");
    return await showProjects(
      c,
      ok ? `Removed ${path}; its files are left as they are.` : `"${path}" is not a project`,
      ok ? 200 : 404,
    );
  });

  return r;
}
