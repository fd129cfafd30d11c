/**
 * The log viewer: filters, the records table (live tail over SSE, paused while the user scrolls
 * away), one record's detail (with the before/after diff of a write), exports (file download or
 * S3) and retention. Props in, HTML out; every text here was masked before it arrived.
 *
 * @module
 */
import type { Level, LogFilter, LogRow, Retention } from "../core/log.ts";
import { LEVELS } from "../core/log.ts";
import { FORMATS } from "../core/export.ts";
import { Csrf, PostForm, Time } from "./layout.tsx";
import { FileDiff } from "./diff.tsx";

/** The filter as the form shows it (text values, as typed). */
export type FilterForm = Partial<Record<keyof LogFilter, string>>;

/** The query string of a filter (empty values left out), with `extra` pairs. */
export function filterQuery(f: FilterForm, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...extra })) if (v) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

function Level({ level }: { level: Level }) {
  return <span class={`lvl lvl-${level}`}>{level}</span>;
}

/** Table rows for records (also sent one batch at a time by the live tail). */
export function LogRows({ rows }: { rows: LogRow[] }) {
  return (
    <>
      {rows.map((r) => (
        <tr key={r.id} id={`log-${r.id}`} class={`log-row log-${r.level}`}>
          <td class="nowrap">
            <a href={`/logs/${r.id}`} hx-get={`/logs/${r.id}`} hx-target="#log-detail">
              <Time at={r.at} />
            </a>
          </td>
          <td>
            <Level level={r.level} />
          </td>
          <td class="mono">{r.source}</td>
          <td>{r.client ?? ""}</td>
          <td class="mono wrap">{r.item ?? ""}</td>
          <td class="mono">{r.action ?? ""}</td>
          <td class="wrap">{r.message}</td>
        </tr>
      ))}
    </>
  );
}

/** The "older records" button (or nothing on the last page). */
export function MoreRows({ filter, next }: { filter: FilterForm; next?: string }) {
  if (!next) return <p id="log-more" class="muted">No older records.</p>;
  return (
    <p id="log-more">
      <button
        type="button"
        hx-get={`/logs/rows${filterQuery(filter, { cursor: next })}`}
        hx-target="#log-more"
        hx-swap="outerHTML"
      >
        Older records
      </button>
    </p>
  );
}

/** The results: the live table for one filter (replaced whole when the filter changes). */
export function LogResults(
  { filter, rows, next, error }: {
    filter: FilterForm;
    rows: LogRow[];
    next?: string;
    error?: string;
  },
) {
  const q = filterQuery(filter);
  return (
    <div
      id="log-results"
      hx-ext="sse"
      sse-connect={error ? undefined : `/logs/tail${q}`}
      data-export-query={q}
    >
      {error ? <p class="notice err" role="alert">{error}</p> : null}
      <div class="spread log-tail-bar">
        <p id="log-tail-status" class="muted" aria-live="polite">
          Live: new records appear at the top.
        </p>
        <p class="row">
          <button type="button" id="log-tail-toggle" aria-pressed="false">Pause</button>
        </p>
      </div>
      <div class="table-wrap">
        <table class="log-table">
          <caption class="sr-only">Log records, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Level</th>
              <th scope="col">Source</th>
              <th scope="col">Client</th>
              <th scope="col">Item</th>
              <th scope="col">Action</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody id="log-rows" sse-swap="log" hx-swap="afterbegin">
            <LogRows rows={rows} />
          </tbody>
        </table>
      </div>
      {rows.length || error ? null : <p class="muted" id="log-empty">No records match.</p>}
      <MoreRows filter={filter} next={next} />
    </div>
  );
}

/** Links that download the current filter's records, and the settings, in every format. */
function Exports({ filter }: { filter: FilterForm }) {
  return (
    <div class="log-exports">
      <p>
        Download these records: {FORMATS.map((f) => (
          <>
            <a
              class="button"
              href={`/api/v1/logs/export${filterQuery(filter, { format: f })}`}
              download
            >
              {f.toUpperCase()}
            </a>
            {" "}
          </>
        ))}
      </p>
      <p>
        Download the sync settings (policies, projects, items, history): {FORMATS.map((f) => (
          <>
            <a class="button" href={`/api/v1/settings/export?format=${f}`} download>
              {f.toUpperCase()}
            </a>
            {" "}
          </>
        ))}
      </p>
    </div>
  );
}

/** Props of the S3 form. */
export interface S3FormProps {
  csrf: string;
  filter: FilterForm;
  /** Where credentials come from, for the hint (never the secret itself). */
  configured: boolean;
  message?: { ok: boolean; text: string };
}

/** Upload an export to S3 (the current filter for logs). */
export function S3Form({ csrf, filter, configured, message }: S3FormProps) {
  return (
    <PostForm to="/logs/s3" csrf={csrf} id="log-s3" class="form-grid" hx-disabled-elt="find button">
      {Object.entries(filter).map(([k, v]) =>
        v ? <input key={k} type="hidden" name={`f_${k}`} value={v} /> : null
      )}
      <label>
        Target
        <input
          name="target"
          required
          placeholder="s3://bucket/path/aisync-logs.parquet"
          pattern="s3://[a-z0-9][a-z0-9.\-]+/.+"
        />
      </label>
      <div class="row">
        <label>
          What
          <select name="what">
            <option value="logs">these log records</option>
            <option value="settings">the sync settings</option>
          </select>
        </label>
        <label>
          Format
          <select name="format">
            {FORMATS.map((f) => <option key={f} value={f} selected={f === "parquet"}>{f}</option>)}
          </select>
        </label>
        <button type="submit" class="primary">Upload</button>
      </div>
      <p class="muted">
        {configured
          ? "Credentials and endpoint come from the S3 settings or AWS_* variables."
          : "No credentials yet: set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL, AWS_REGION for an S3-compatible store) before starting aisync."}
      </p>
      {message
        ? <p class={message.ok ? "notice" : "notice err"} role="status">{message.text}</p>
        : null}
    </PostForm>
  );
}

/** Retention settings form. */
export function RetentionForm(
  { csrf, retention, message }: { csrf: string; retention: Retention; message?: string },
) {
  return (
    <PostForm to="/logs/retention" csrf={csrf} id="log-retention" class="row">
      <label>
        Keep days
        <input type="number" name="maxAgeDays" min="0" step="1" value={retention.maxAgeDays} />
      </label>
      <label>
        Max records
        <input type="number" name="maxRecords" min="0" step="1" value={retention.maxRecords} />
      </label>
      <label>
        Max MB
        <input type="number" name="maxMb" min="0" step="1" value={retention.maxMb} />
      </label>
      <button type="submit">Save</button>
      <span class="muted">0 means no limit. Older records are pruned in the background.</span>
      {message ? <p class="notice" role="status">{message}</p> : null}
    </PostForm>
  );
}

/** Props of {@linkcode LogsPage}. */
export interface LogsPageProps {
  filter: FilterForm;
  rows: LogRow[];
  next?: string;
  error?: string;
  clients: { id: string; name: string }[];
  csrf: string;
  retention: Retention;
  s3Configured: boolean;
  total: number;
}

/** The whole viewer. */
export function LogsPage(p: LogsPageProps) {
  const f = p.filter;
  return (
    <section class="panel logs">
      <link rel="stylesheet" href="/static/logs.css" />
      <script src="/static/logs.js" defer></script>
      <div class="spread">
        <h1>Logs</h1>
        <p class="muted">{p.total} records stored</p>
      </div>
      <form
        id="log-filters"
        class="log-filters"
        method="get"
        action="/logs"
        hx-get="/logs"
        hx-select="#log-results"
        hx-target="#log-results"
        hx-swap="outerHTML"
        hx-push-url="true"
        hx-trigger="submit, change, input changed delay:400ms from:#log-text"
      >
        <label>
          From
          <input type="datetime-local" name="from" value={f.from} step="1" />
        </label>
        <label>
          To
          <input type="datetime-local" name="to" value={f.to} step="1" />
        </label>
        <label>
          Level
          <select name="level">
            <option value="">any</option>
            {LEVELS.map((l) => (
              <option key={l} value={l} selected={f.level === l}>{l} and above</option>
            ))}
          </select>
        </label>
        <label>
          Client
          <select name="client">
            <option value="">any</option>
            {p.clients.map((c) => (
              <option key={c.id} value={c.id} selected={f.client === c.id}>{c.name}</option>
            ))}
          </select>
        </label>
        <label>
          Item
          <input name="item" value={f.item} placeholder="mcp:user:github or mcp:*" />
        </label>
        <label>
          Action
          <input
            name="action"
            value={f.action}
            placeholder="file.written or sync.*"
            list="log-actions"
          />
        </label>
        <datalist id="log-actions">
          {[
            "sync.started",
            "sync.finished",
            "item.*",
            "file.written",
            "conflict.*",
            "client.state",
            "client.error",
            "setting.changed",
            "login.*",
            "export.*",
            "log.pruned",
          ].map((a) => <option key={a} value={a} />)}
        </datalist>
        <label class="grow">
          Search
          <input
            id="log-text"
            type="search"
            name="text"
            value={f.text}
            placeholder="words in the message or fields"
          />
        </label>
        <button type="submit" class="primary">Filter</button>
        <a class="button" href="/logs">Clear</a>
      </form>
      <div class="log-layout">
        <LogResults filter={f} rows={p.rows} next={p.next} error={p.error} />
        <aside id="log-detail" class="log-detail" aria-live="polite">
          <p class="muted">Choose a record's time to see its details.</p>
        </aside>
      </div>
      <details class="log-more-tools">
        <summary>Export and retention</summary>
        <Exports filter={f} />
        <h2>Upload to S3</h2>
        <S3Form csrf={p.csrf} filter={f} configured={p.s3Configured} />
        <h2>Retention</h2>
        <RetentionForm csrf={p.csrf} retention={p.retention} />
      </details>
    </section>
  );
}

/** A write's file before and after (masked), when the record was a write. */
export interface WriteDiff {
  path: string;
  backupId: number;
  before: string;
  after: string;
  /** Where `after` comes from: the next backup of the same file, or the file as it is now. */
  afterFrom: string;
}

/** One record in full. */
export function LogDetail(
  { row, diff, csrf }: { row: LogRow; diff?: WriteDiff; csrf: string },
) {
  const fields = Object.entries(row.fields);
  return (
    <article class="log-record" aria-labelledby={`log-title-${row.id}`}>
      <h2 id={`log-title-${row.id}`}>
        <Level level={row.level} /> Record {row.id}
      </h2>
      <p class="wrap">{row.message}</p>
      <dl class="log-dl">
        <dt>Time</dt>
        <dd>
          <Time at={row.at} />
        </dd>
        <dt>Source</dt>
        <dd class="mono">{row.source}</dd>
        {row.client
          ? (
            <>
              <dt>Client</dt>
              <dd>
                <a href={`/logs?client=${encodeURIComponent(row.client)}`}>{row.client}</a>
              </dd>
            </>
          )
          : null}
        {row.item
          ? (
            <>
              <dt>Item</dt>
              <dd class="mono">
                <a href={`/items/${encodeURIComponent(row.item)}`}>{row.item}</a>
              </dd>
            </>
          )
          : null}
        {row.action
          ? (
            <>
              <dt>Action</dt>
              <dd class="mono">{row.action}</dd>
            </>
          )
          : null}
        {row.eventId !== null
          ? (
            <>
              <dt>Bus event</dt>
              <dd class="mono">{row.eventId}</dd>
            </>
          )
          : null}
      </dl>
      {fields.length
        ? (
          <>
            <h3>Fields</h3>
            <pre class="log-fields">{JSON.stringify(row.fields, null, 2)}</pre>
          </>
        )
        : null}
      {diff
        ? (
          <>
            <h3>Change to {diff.path}</h3>
            <p class="muted">
              Before: backup {diff.backupId}. After: {diff.afterFrom}. Secrets are masked.
            </p>
            <FileDiff path={diff.path} before={diff.before} after={diff.after} />
            <form method="post" action={`/backups/${diff.backupId}/restore`} class="row">
              <Csrf token={csrf} />
              <button type="submit" class="danger">
                Restore {diff.path} from backup {diff.backupId}
              </button>
            </form>
          </>
        )
        : null}
    </article>
  );
}
