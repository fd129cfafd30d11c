/**
 * `aisync settings [--json]`, `aisync settings set <name> <value>` and `aisync policy [<client>]
 * [--json]`, `aisync policy <client> set <field> <value>`: what the Sync policies page shows, for
 * those who run `watch` without the web service.
 *
 * @module
 */
import type { App } from "./app.ts";
import { BackupRetention, Policy } from "./state.ts";

type Out = { log(s: string): void; error(s: string): void };

/** Every setting, as `settings` prints it. */
async function current(app: App) {
  const retention = await app.state.backupRetention();
  return {
    preferred: (await app.state.preferredClient()) ?? "none",
    deletes: (await app.state.propagatesDeletes()) ? "on" : "off",
    "backups.kept": retention.kept,
    "backups.days": retention.days,
  };
}

const HELP = {
  preferred: "the client whose side settles conflicts (a client id, or none: ask me)",
  deletes: "on: a deletion in one client deletes in the others; off: they keep it",
  "backups.kept": "backups kept of each file, newest first (at least 1)",
  "backups.days": "backups younger than this many days are all kept too",
};

/** Runs `settings` or `settings set`; returns the exit code. */
export async function runSettingsCli(
  app: App,
  args: string[],
  json: boolean,
  out: Out,
): Promise<number> {
  const [sub, name, value] = args;
  if (sub === undefined) {
    const now = await current(app);
    if (json) out.log(JSON.stringify(now, null, 2));
    else {
      for (const [k, v] of Object.entries(now)) {
        out.log(`${k.padEnd(13)} ${String(v).padEnd(12)} ${HELP[k as keyof typeof HELP]}`);
      }
    }
    return 0;
  }
  if (sub !== "set" || name === undefined || value === undefined) {
    out.error("Usage: aisync settings [--json] | aisync settings set <name> <value>");
    return 1;
  }
  const refuse = (why: string) => {
    out.error(`aisync settings set ${name}: ${why}`);
    return 1;
  };
  switch (name) {
    case "preferred": {
      if (value === "none") await app.state.setPreferredClient(undefined);
      else if (!app.host.plugins.some((p) => p.id === value)) {
        return refuse(`no client "${value}" (see aisync clients)`);
      } else await app.state.setPreferredClient(value);
      break;
    }
    case "deletes":
      if (value !== "on" && value !== "off") return refuse(`"${value}" is neither on nor off`);
      await app.state.setPropagateDeletes(value === "on");
      break;
    case "backups.kept":
    case "backups.days": {
      if (!/^\d+$/.test(value)) return refuse(`"${value}" is not a whole number`);
      const n = Number(value);
      const next = { ...await app.state.backupRetention(), [name.slice(8)]: n };
      const r = BackupRetention.safeParse(next);
      if (!r.success) {
        return refuse(`"${value}" is not allowed: ${r.error.issues[0].message}`);
      }
      await app.state.setBackupRetention(r.data);
      break;
    }
    default:
      return refuse(`no such setting (there are ${Object.keys(HELP).join(", ")})`);
  }
  out.log(`${name} = ${(await current(app))[name as keyof typeof HELP]}`);
  return 0;
}

const FIELDS: Record<string, (v: string) => unknown> = {
  enabled: (v) => v === "on" ? true : v === "off" ? false : v,
  direction: (v) => v,
  kinds: (v) => v.split(",").map((k) => k.trim()).filter(Boolean),
  scopes: (v) => v,
  mode: (v) => v,
};

const DIRECTION = { both: "sends and receives", send: "only sends", receive: "only receives" };

function describe(p: Policy): string {
  return [
    p.enabled ? "on" : "off",
    DIRECTION[p.direction],
    `kinds ${p.kinds.join(",")}`,
    `scopes ${p.scopes}`,
    p.mode === "ask" ? "asks first" : "writes automatically",
  ].join(" · ");
}

/** Runs `policy` or `policy <client> set`; returns the exit code. */
export async function runPolicyCli(
  app: App,
  args: string[],
  json: boolean,
  out: Out,
): Promise<number> {
  const [client, sub, field, value] = args;
  const ids = app.host.plugins.map((p) => p.id);
  if (client !== undefined && !ids.includes(client)) {
    out.error(`aisync policy: no client "${client}" (see aisync clients)`);
    return 1;
  }
  if (sub === undefined) {
    const all = await app.state.policies(client ? [client] : ids);
    if (json) out.log(JSON.stringify(Object.fromEntries(all), null, 2));
    else {
      const w = Math.max(...[...all.keys()].map((id) => id.length));
      for (const [id, p] of all) out.log(`${id.padEnd(w)}  ${describe(p)}`);
    }
    return 0;
  }
  if (sub !== "set" || field === undefined || value === undefined) {
    out.error(
      `Usage: aisync policy [<client>] [--json] | aisync policy <client> set <field> <value>`,
    );
    return 1;
  }
  const read = FIELDS[field];
  if (!read) {
    out.error(
      `aisync policy ${client} set: no field "${field}" (there are ${
        Object.keys(FIELDS).join(", ")
      })`,
    );
    return 1;
  }
  const now = (await app.state.policies([client])).get(client)!;
  const r = Policy.safeParse({ ...now, [field]: read(value) });
  if (!r.success) {
    const issue = r.error.issues[0];
    out.error(`aisync policy ${client} set ${field}: "${value}" is not allowed: ${issue.message}`);
    return 1;
  }
  await app.state.setPolicy(client, r.data);
  out.log(`${client}  ${describe(r.data)}`);
  out.log("It applies from the next sync (aisync sync, or a running watch's next change).");
  return 0;
}
