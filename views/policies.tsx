/**
 * Sync policies: per client on/off, direction, kinds, scopes and automatic or ask-first; the
 * preferred client; the projects list; and pending plans waiting for Apply. Props in, HTML out.
 *
 * @module
 */
import type { BackupRetention, Policy } from "../core/state.ts";
import { FileDiff } from "./diff.tsx";
import { PostForm, Time } from "./layout.tsx";

/** One client's policy form. */
export function PolicyForm(
  { id, name, policy, csrf, saved }: {
    id: string;
    name: string;
    policy: Policy;
    csrf: string;
    saved?: boolean;
  },
) {
  const p = policy;
  return (
    <PostForm
      to={`/policies/${id}`}
      csrf={csrf}
      class="panel policy"
      id={`policy-${id}`}
      aria-labelledby={`policy-${id}-h`}
    >
      <div class="spread">
        <h3 id={`policy-${id}-h`}>{name}</h3>
        {saved ? <span class="state state-ok" role="status">saved</span> : null}
      </div>
      <div class="row">
        <label>
          <input type="checkbox" name="enabled" value="on" checked={p.enabled} /> Sync this client
        </label>
      </div>
      <fieldset>
        <legend>Direction</legend>
        <label>
          <select name="direction">
            <option value="both" selected={p.direction === "both"}>send and receive</option>
            <option value="send" selected={p.direction === "send"}>
              send only (its changes go out)
            </option>
            <option value="receive" selected={p.direction === "receive"}>
              receive only (others' changes come in)
            </option>
          </select>
        </label>
      </fieldset>
      <fieldset>
        <legend>Kinds</legend>
        <div class="row">
          <label>
            <input type="checkbox" name="kinds" value="mcp" checked={p.kinds.includes("mcp")} />
            {" "}
            MCP servers
          </label>
          <label>
            <input
              type="checkbox"
              name="kinds"
              value="instructions"
              checked={p.kinds.includes("instructions")}
            />{" "}
            Instructions
          </label>
        </div>
      </fieldset>
      <fieldset>
        <legend>Scopes</legend>
        <select name="scopes" aria-label={`Scopes for ${name}`}>
          <option value="all" selected={p.scopes === "all"}>user and projects</option>
          <option value="user" selected={p.scopes === "user"}>user only</option>
          <option value="project" selected={p.scopes === "project"}>projects only</option>
        </select>
      </fieldset>
      <fieldset>
        <legend>Writes</legend>
        <div class="row">
          <label>
            <input type="radio" name="mode" value="auto" checked={p.mode === "auto"} /> automatic
          </label>
          <label>
            <input type="radio" name="mode" value="ask" checked={p.mode === "ask"} />{" "}
            ask first (a plan waits for Apply)
          </label>
        </div>
      </fieldset>
      <button type="submit" class="primary">Save {name}</button>
    </PostForm>
  );
}

/** A pending write, redacted. */
export interface PendingWrite {
  path: string;
  clients: string[];
  before: string;
  after: string | null;
}

/** Pending plans of ask-first clients. */
export function Plans(
  { plans, names, csrf, message, at }: {
    plans: Record<string, PendingWrite[]>;
    names: Record<string, string>;
    csrf: string;
    message?: string;
    at: number;
  },
) {
  const clients = Object.keys(plans);
  return (
    <section id="plans" aria-labelledby="plans-h" class="panel">
      <div class="spread">
        <h2 id="plans-h">Pending plans</h2>
        <span class="muted">
          as of <Time at={at} />{" "}
          <button type="button" class="link" hx-get="/plans" hx-target="#plans" hx-swap="outerHTML">
            Refresh
          </button>
        </span>
      </div>
      {message ? <p class="notice" role="status">{message}</p> : null}
      {clients.length ? null : (
        <p class="muted" id="no-plans">
          Nothing waits for approval. Clients set to “ask first” collect their writes here.
        </p>
      )}
      {clients.map((client) => (
        <div key={client} id={`plan-${client}`}>
          <div class="spread">
            <h3>{names[client] ?? client}</h3>
            <PostForm to={`/plans/${client}/apply`} csrf={csrf} target="#plans">
              <button type="submit" class="primary">
                Apply {plans[client].length} write{plans[client].length === 1 ? "" : "s"}
                <span class="sr-only">for {names[client] ?? client}</span>
              </button>
            </PostForm>
          </div>
          {plans[client].map((w) => (
            <div key={w.path}>
              <p class="mono">
                {w.after === null ? "remove " : ""}
                {w.path}
              </p>
              <FileDiff path={w.path} before={w.before} after={w.after ?? ""} />
            </div>
          ))}
        </div>
      ))}
    </section>
  );
}

/** Props of {@linkcode Policies}. */
export interface PoliciesProps {
  clients: { id: string; name: string; policy: Policy }[];
  projects: { path: string; source: string; active: boolean }[];
  preferred?: string;
  retention: BackupRetention;
  /** Whether deletions propagate. */
  deletes: boolean;
  csrf: string;
  message?: string;
}

/** The projects list with add and remove. */
export function Projects(
  { projects, csrf, message }: Pick<PoliciesProps, "projects" | "csrf" | "message">,
) {
  const active = projects.filter((p) => p.active);
  return (
    <section id="projects" aria-labelledby="projects-h" class="panel">
      <h2 id="projects-h">Projects</h2>
      {message ? <p class="notice" role="status">{message}</p> : null}
      {active.length ? null : <p class="muted">No projects yet.</p>}
      <ul>
        {active.map((p) => (
          <li key={p.path} class="row">
            <code>{p.path}</code>
            <span class="muted">
              ({p.source === "registered" ? "added by you" : `from ${p.source}`})
            </span>
            <PostForm to="/projects/remove" csrf={csrf} target="#projects">
              <input type="hidden" name="path" value={p.path} />
              <button type="submit" class="danger">
                Remove<span class="sr-only">{p.path}</span>
              </button>
            </PostForm>
          </li>
        ))}
      </ul>
      <PostForm to="/projects" csrf={csrf} target="#projects" class="row">
        <label>
          Folder <input name="path" required placeholder="/home/me/code/app" class="mono" />
        </label>
        <button type="submit">Add project</button>
      </PostForm>
    </section>
  );
}

/**
 * One setting's form on the policies page: posted, and swapped for the answer (the saved form
 * with its message), or the page reloads without script.
 */
function SettingForm(
  p: { to: string; id: string; csrf: string; message?: string; children?: unknown },
) {
  return (
    <PostForm to={p.to} csrf={p.csrf} class="panel row" id={p.id}>
      {p.children}
      <button type="submit">Save</button>
      {p.message ? <span role="status">{p.message}</span> : null}
    </PostForm>
  );
}

/** The preferred-client form. */
export function PreferredForm(
  { clients, preferred, csrf, message }: {
    clients: { id: string; name: string }[];
    preferred?: string;
    csrf: string;
    message?: string;
  },
) {
  return (
    <SettingForm to="/settings/preferred" id="preferred" csrf={csrf} message={message}>
      <label>
        Preferred client (settles conflicts in its favour)
        <select name="client">
          <option value="" selected={!preferred}>none: ask me</option>
          {clients.map((c) => (
            <option key={c.id} value={c.id} selected={preferred === c.id}>{c.name}</option>
          ))}
        </select>
      </label>
    </SettingForm>
  );
}

/** The backup retention form. */
export function RetentionForm(
  { retention, csrf, message }: {
    retention: BackupRetention;
    csrf: string;
    message?: string;
  },
) {
  return (
    <SettingForm to="/settings/backups" id="retention" csrf={csrf} message={message}>
      <label>
        Backups: keep the newest
        <input type="number" name="kept" min="1" max="100000" required value={retention.kept} />
      </label>
      <label>
        of each file, and all from the last
        <input type="number" name="days" min="0" max="36500" required value={retention.days} />
        days
      </label>
    </SettingForm>
  );
}

/** The deletion switch: does a deletion in one client delete in the others? */
export function DeletesForm(
  { on, csrf, message }: { on: boolean; csrf: string; message?: string },
) {
  return (
    <SettingForm to="/settings/deletes" id="deletes" csrf={csrf} message={message}>
      <label>
        <input type="checkbox" name="on" checked={on} />
        Deletions propagate: what you delete in one client goes from the others too (off: the others
        keep it)
      </label>
    </SettingForm>
  );
}

/** The sync policies page body (plans load in after the page). */
export function Policies(p: PoliciesProps) {
  return (
    <>
      <h1>Sync policies</h1>
      <section
        id="plans"
        class="panel"
        hx-get="/plans"
        hx-trigger="load"
        hx-swap="outerHTML"
        aria-busy="true"
      >
        <h2>Pending plans</h2>
        <p class="muted">Working out what would be written…</p>
      </section>
      <PreferredForm clients={p.clients} preferred={p.preferred} csrf={p.csrf} />
      <DeletesForm on={p.deletes} csrf={p.csrf} />
      <RetentionForm retention={p.retention} csrf={p.csrf} />
      <h2>Clients</h2>
      <div class="cards">
        {p.clients.map((c) => (
          <PolicyForm key={c.id} id={c.id} name={c.name} policy={c.policy} csrf={p.csrf} />
        ))}
      </div>
      <Projects projects={p.projects} csrf={p.csrf} />
    </>
  );
}
