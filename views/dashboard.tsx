/**
 * The dashboard: a card per client and the activity chart (server-rendered SVG). Each part is
 * also a fragment the event stream swaps in place. Props in, HTML out.
 *
 * @module
 */
import type { Activity, ClientCard as Card, Running } from "../core/overview.ts";
import type { Kind } from "../core/schema.ts";
import { PostForm, Time } from "./layout.tsx";

/** The kinds a card counts, in the order it lists them. */
const KIND_LABELS: [Kind, string][] = [
  ["mcp", "MCP servers"],
  ["instructions", "Instructions"],
  ["command", "Commands"],
  ["subagent", "Subagents"],
  ["skill", "Skills"],
];

const STATE_LABEL: Record<string, string> = {
  ok: "up to date",
  syncing: "syncing",
  pending: "pending approval",
  conflict: "conflict",
  error: "error",
  lossy: "lossy",
  kept: "keeps its changes",
  disabled: "disabled",
  absent: "not installed",
  new: "never synced",
};

/** Props of {@linkcode Dashboard}. */
export interface DashboardProps {
  cards: Card[];
  activity: Activity;
  csrf: string;
  running?: Running;
}

/** One client's card; sent live as SSE event `client-<id>` into its slot on the dashboard. */
export function ClientCard({ card }: { card: Card }) {
  const c = card;
  // A client not installed here has nothing to count or report: a short card says so, and the
  // installed ones above it stay easy to scan. It becomes a full card once it is installed.
  const absent = c.state === "absent";
  return (
    <article
      class={absent ? "card compact" : "card"}
      id={`client-${c.id}`}
      aria-labelledby={`client-${c.id}-name`}
      data-state={c.state}
    >
      <div class="spread">
        <h3 id={`client-${c.id}-name`}>{c.name}</h3>
        <span class={`state state-${c.state}`} data-testid="state">
          {STATE_LABEL[c.state] ?? c.state}
        </span>
      </div>
      {absent
        ? <p class="muted">Not found on this machine: nothing is read or written until it is.</p>
        : <CardDetails card={c} />}
      <div class="actions row">
        {c.state === "pending"
          ? <a class="button primary" href="/policies#plans">Review plan</a>
          : null}
        {c.state === "conflict" ? <a class="button" href="/conflicts">Resolve</a> : null}
        <a class="button" href={`/policies#policy-${c.id}`}>Policy</a>
      </div>
    </article>
  );
}

/**
 * What an installed client's card lists: detection, counts, policy, errors and notes (what it
 * cannot express, and what it keeps without sending when it only receives).
 */
function CardDetails({ card: c }: { card: Card }) {
  return (
    <>
      <dl>
        <dt>Installed</dt>
        <dd>
          {c.detectError
            ? <span class="error">cannot tell</span>
            : c.installed
            ? `yes${c.version ? `, ${c.version}` : ""}`
            : "not found"}
        </dd>
        {KIND_LABELS.filter(([kind]) => c.counts[kind] !== undefined).map(([kind, label]) => (
          <>
            <dt>{label}</dt>
            <dd data-testid={`count-${kind}`}>{String(c.counts[kind])}</dd>
          </>
        ))}
        <dt>Last change</dt>
        <dd>
          <Time at={c.lastChange} />
        </dd>
        <dt>Policy</dt>
        <dd>
          {c.policy.enabled
            ? `${c.policy.direction === "both" ? "send and receive" : c.policy.direction}, ${
              c.policy.mode === "ask" ? "ask first" : "automatic"
            }`
            : "off"}
        </dd>
      </dl>
      {c.errors.length
        ? (
          <details open>
            <summary class="error">
              {c.errors.length} error{c.errors.length === 1 ? "" : "s"}
            </summary>
            <ul>{c.errors.slice(0, 5).map((e, i) => <li key={i}>{e}</li>)}</ul>
          </details>
        )
        : null}
      {c.notes.length
        ? (
          <details>
            <summary>
              {c.notes.length} note{c.notes.length === 1 ? "" : "s"}
            </summary>
            <ul>
              {c.notes.slice(0, 8).map((n, i) => (
                <li key={i}>
                  <code>{n.item.slice(n.item.lastIndexOf(":") + 1)}</code>
                  {n.field ? ` ${n.field}` : ""}: {n.message}
                </li>
              ))}
            </ul>
          </details>
        )
        : null}
    </>
  );
}

/** The activity chart: stacked bars of changes, writes, conflicts and errors per bucket. */
export function ActivityChart({ activity }: { activity: Activity }) {
  const a = activity;
  const W = 1000, H = 170, padL = 30, padB = 20, padT = 8;
  const n = a.buckets.length;
  const bw = (W - padL) / n;
  const max = Math.max(1, ...a.buckets.map((b) => b.changes + b.writes + b.conflicts + b.errors));
  const scale = (H - padB - padT) / max;
  const series = ["changes", "writes", "conflicts", "errors"] as const;
  const fmt = (t: number) => new Date(t).toISOString().slice(11, 16);
  const label = `Sync activity over the last ${Math.round((a.to - a.from) / 60_000)} minutes: ${
    series.map((s) => `${a.totals[s]} ${s}`).join(", ")
  }`;
  return (
    <div class="chart" id="activity-chart" data-total={String(a.totals.changes + a.totals.writes)}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        <line class="axis" x1={padL} y1={H - padB} x2={W} y2={H - padB} />
        <text x={padL - 4} y={padT + 8} text-anchor="end">{String(max)}</text>
        <text x={padL - 4} y={H - padB} text-anchor="end">0</text>
        {a.buckets.map((b, i) => {
          let y = H - padB;
          return (
            <g key={b.at}>
              {series.map((s) => {
                const h = b[s] * scale;
                if (!h) return null;
                y -= h;
                return (
                  <rect
                    key={s}
                    class={s}
                    x={(padL + i * bw + 1).toFixed(1)}
                    y={y.toFixed(1)}
                    width={Math.max(1, bw - 2).toFixed(1)}
                    height={h.toFixed(1)}
                  >
                    <title>{`${fmt(b.at)} UTC: ${b[s]} ${s}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
        <text x={padL} y={H - 4}>{fmt(a.from)} UTC</text>
        <text x={padL + (W - padL) / 2} y={H - 4} text-anchor="middle">
          {fmt(a.from + (a.to - a.from) / 2)}
        </text>
        <text x={W} y={H - 4} text-anchor="end">{fmt(a.to)}</text>
      </svg>
      <ul class="legend" id="activity-totals">
        {series.map((s) => (
          <li key={s}>
            <span class={`swatch ${s}`}></span>
            <span data-testid={`total-${s}`}>{String(a.totals[s])}</span> {s}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The banner shown while a sync runs (long first imports show it for a while). */
export function SyncProgress({ running }: { running?: Running }) {
  if (!running) return <div></div>;
  return (
    <div class="progress">
      <progress aria-label="Sync in progress"></progress>
      <span>
        Syncing ({running.trigger}), started <Time at={running.since} />
      </span>
    </div>
  );
}

/** The dashboard body (the page's content and its fragment). */
export function Dashboard(props: DashboardProps) {
  return (
    <>
      <div class="spread">
        <h1>Clients</h1>
        <PostForm to="/sync" csrf={props.csrf} swap="none">
          <button type="submit" class="primary">Sync now</button>
        </PostForm>
      </div>
      <section class="cards" aria-label="Clients" id="cards">
        {/* The clients installed here first; the others are only there to be found. */}
        {props.cards.toSorted((a, b) => +(a.state === "absent") - +(b.state === "absent")).map((
          c,
        ) => (
          // A slot that stays: a card swapped over itself (outerHTML) misses an update that
          // comes before htmx has settled the last one, as a quick sync's start and end do.
          <div class="card-slot" key={c.id} sse-swap={`client-${c.id}`} hx-swap="innerHTML">
            <ClientCard card={c} />
          </div>
        ))}
      </section>
      <section class="panel" aria-labelledby="activity-h">
        <h2 id="activity-h">Activity, last hour</h2>
        <div id="activity" sse-swap="activity" hx-swap="innerHTML">
          <ActivityChart activity={props.activity} />
        </div>
      </section>
    </>
  );
}
