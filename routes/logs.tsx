/**
 * The logs area. {@linkcode logRoutes} is mounted at `/logs` behind sign-in: the viewer page,
 * more rows, the live tail (SSE), one record's detail, S3 upload and retention.
 * {@linkcode logApiRoutes} (mounted at `/`) serves `GET /api/v1/logs`,
 * `GET /api/v1/logs/export?format=…` with any filter and `GET /api/v1/settings/export?format=…`,
 * streamed. {@linkcode metricsRoute} serves `GET /metrics` (Prometheus text).
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { App } from "../core/app.ts";
import { CONTENT_TYPES, exportLogs, exportSettings, type Format, FORMATS } from "../core/export.ts";
import { LogFilter, type LogRow, matches, Retention, scrubText } from "../core/log.ts";
import { metricsFor } from "../core/metrics.ts";
import { s3Settings, uploadToS3 } from "../core/s3.ts";
import {
  type FilterForm,
  LogDetail,
  LogResults,
  LogRows,
  LogsPage,
  MoreRows,
  RetentionForm,
  S3Form,
  type WriteDiff,
} from "../views/logs.tsx";
import { type Env, isFragment, page } from "./_web.ts";

const FILTER_KEYS = ["from", "to", "level", "source", "client", "item", "action", "text"] as const;
/** How many rows a page shows. */
const PAGE = 100;
/** Records a reconnecting live tail may replay. */
const REPLAY = 500;

function formOf(q: Record<string, string | undefined>, prefix = ""): FilterForm {
  const f: FilterForm = {};
  for (const k of FILTER_KEYS) {
    const v = q[prefix + k];
    if (typeof v === "string" && v.trim()) f[k] = v.trim();
  }
  return f;
}

function parseFilter(f: FilterForm): { filter?: LogFilter; error?: string } {
  const r = LogFilter.safeParse(f);
  if (r.success) return { filter: r.data };
  const i = r.error.issues[0];
  return { error: `Cannot use the filter "${String(i.path[0] ?? "")}": ${i.message}` };
}

function user(c: Context<Env>) {
  return c.get("user");
}

function csrfOf(c: Context<Env>): string {
  return user(c)?.csrf ?? "";
}

async function writeDiff(app: App, row: LogRow): Promise<WriteDiff | undefined> {
  const backupId = Number(row.fields.backupId);
  const path = row.fields.path;
  if (row.action !== "file.written" || !Number.isInteger(backupId) || typeof path !== "string") {
    return undefined;
  }
  const before = await app.state.getBackup(backupId);
  if (!before) return undefined;
  // What the write put there is what the next write to the same file backed up, or the file now.
  const next = await app.state.backupAfter(before.path, backupId);
  let after: string, afterFrom: string;
  if (next) {
    after = next.content ?? "";
    afterFrom = `backup ${next.id} (taken before the next write)`;
  } else {
    after = await Deno.readTextFile(before.path).catch(() => "");
    afterFrom = "the file as it is now";
  }
  const red = await app.log.redactor();
  return {
    path: before.path,
    backupId,
    before: scrubText(before.content ?? "", red),
    after: scrubText(after, red),
    afterFrom,
  };
}

/** Live-tail streams open now, ended on SIGINT/SIGTERM so a graceful shutdown is not held up. */
const tails = new Set<() => void>();
const endTails = () => {
  for (const end of [...tails]) end();
};
function trackTail(end: () => void): () => void {
  if (!tails.size) {
    Deno.addSignalListener("SIGINT", endTails);
    if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", endTails);
  }
  tails.add(end);
  return () => {
    tails.delete(end);
    if (!tails.size) {
      Deno.removeSignalListener("SIGINT", endTails);
      if (Deno.build.os !== "windows") Deno.removeSignalListener("SIGTERM", endTails);
    }
  };
}

/** The viewer routes, for mounting at `/logs`. */
export function logRoutes(app: App): Hono<Env> {
  const r = new Hono<Env>();

  r.get("/", async (c) => {
    const form = formOf(c.req.query());
    const { filter, error } = parseFilter(form);
    const result = filter ? await app.log.query(filter, { limit: PAGE }) : { rows: [] };
    const clients = app.host.plugins.map((p) => ({ id: p.id, name: p.manifest.name }));
    const s3 = await s3Settings(app);
    return page(
      c,
      { title: "Logs", active: "logs", status: error ? 400 : 200 },
      <LogsPage
        filter={form}
        rows={result.rows}
        next={"next" in result ? result.next : undefined}
        error={error}
        clients={clients}
        csrf={csrfOf(c)}
        retention={await app.log.retention()}
        s3Configured={!!(s3.accessKeyId && s3.secretAccessKey)}
        total={await app.log.count()}
      />,
    );
  });

  r.get("/rows", async (c) => {
    const form = formOf(c.req.query());
    const { filter, error } = parseFilter(form);
    if (!filter) return c.html(<p id="log-more" class="notice err">{error}</p>, 400);
    const cursor = c.req.query("cursor");
    let res;
    try {
      res = await app.log.query(filter, { limit: PAGE, cursor });
    } catch (e) {
      return c.html(<p id="log-more" class="notice err">{(e as Error).message}</p>, 400);
    }
    // New rows go into the table (out of band); the button is replaced by the next one.
    return c.html(
      <>
        <MoreRows filter={form} next={res.next} />
        <template>
          <tbody hx-swap-oob="beforeend:#log-rows">
            <LogRows rows={res.rows} />
          </tbody>
        </template>
      </>,
    );
  });

  r.get("/tail", (c) => {
    const form = formOf(c.req.query());
    const { filter } = parseFilter(form);
    const f = filter ?? {};
    const lastId = Number(c.req.header("Last-Event-ID") ?? c.req.query("lastEventId") ?? NaN);
    return streamSSE(c, async (stream) => {
      let queue: Promise<unknown> = Promise.resolve();
      let done!: () => void;
      const finished = new Promise<void>((ok) => done = ok);
      const send = (rows: LogRow[]) => {
        const shown = rows.filter((row) => matches(row, f));
        if (!shown.length) return;
        // Newest first, as in the table; the id lets a reconnect resume where it stopped.
        const html = String(LogRows({ rows: [...shown].reverse() }));
        queue = queue.then(() =>
          stream.writeSSE({ event: "log", data: html, id: String(shown.at(-1)!.id) })
        ).catch(done);
      };
      if (Number.isInteger(lastId) && lastId > 0) {
        const missed: LogRow[] = [];
        for await (const p of app.log.pages(f, REPLAY, lastId)) {
          missed.push(...p.map((x) => ({ ...x, fields: JSON.parse(x.fields) })));
          if (missed.length >= REPLAY) break;
        }
        send(missed.slice(-REPLAY));
      }
      const unsubscribe = app.log.subscribe(send);
      const untrack = trackTail(done);
      stream.onAbort(done);
      const keepalive = setInterval(() => {
        queue = queue.then(() => stream.write(": keepalive\n\n")).catch(done);
      }, 20_000);
      await finished;
      clearInterval(keepalive);
      unsubscribe();
      untrack();
      await queue.catch(() => {});
    });
  });

  r.get("/:id{[0-9]+}", async (c) => {
    const row = await app.log.get(Number(c.req.param("id")));
    if (!row) return c.notFound();
    const body = <LogDetail row={row} diff={await writeDiff(app, row)} csrf={csrfOf(c)} />;
    if (isFragment(c)) return c.html(body);
    return page(c, { title: `Log record ${row.id}`, active: "logs" }, body);
  });

  r.post("/retention", async (c) => {
    const body = await c.req.parseBody();
    const num = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? Number(v) : undefined);
    const parsed = Retention.partial().safeParse({
      maxAgeDays: num(body.maxAgeDays),
      maxRecords: num(body.maxRecords),
      maxMb: num(body.maxMb),
    });
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      return c.html(
        <RetentionForm
          csrf={csrfOf(c)}
          retention={await app.log.retention()}
          message={`Cannot save "${String(i.path[0])}": ${i.message}`}
        />,
        422,
      );
    }
    const saved = await app.log.setRetention(parsed.data, "web");
    app.log.log({
      level: "info",
      source: "web",
      action: "setting.changed",
      message: `${user(c)?.name ?? "someone"} changed the log retention`,
      fields: { user: user(c)?.name, setting: "logs.retention" },
    });
    // Prune now rather than at the next hourly round.
    void app.log.prune(saved).catch(() => {});
    const form = <RetentionForm csrf={csrfOf(c)} retention={saved} message="Saved." />;
    return isFragment(c) ? c.html(form) : c.redirect("/logs", 303);
  });

  r.post("/s3", async (c) => {
    const body = await c.req.parseBody() as Record<string, string>;
    const form = formOf(body, "f_");
    const target = String(body.target ?? "");
    const what = body.what === "settings" ? "settings" : "logs";
    const format = (FORMATS as readonly string[]).includes(body.format)
      ? body.format as Format
      : "parquet";
    const settings = await s3Settings(app);
    const show = (ok: boolean, text: string, status = 200) =>
      c.html(
        <S3Form
          csrf={csrfOf(c)}
          filter={form}
          configured={!!(settings.accessKeyId && settings.secretAccessKey)}
          message={{ ok, text }}
        />,
        status as 200,
      );
    const { filter, error } = parseFilter(form);
    if (!filter) return show(false, error!, 422);
    try {
      const stream = what === "logs"
        ? exportLogs(app, filter, format)
        : exportSettings(app, format);
      const res = await uploadToS3(stream, target, {
        settings,
        contentType: CONTENT_TYPES[format],
      });
      app.log.log({
        level: "info",
        source: "web",
        action: `export.${what}`,
        message: `${user(c)?.name ?? "someone"} uploaded ${what} as ${format} to ${res.url}`,
        fields: { user: user(c)?.name, url: res.url, bytes: res.bytes, parts: res.parts },
      });
      return show(true, `Uploaded ${res.bytes} bytes to ${res.url} (${res.parts} parts).`);
    } catch (e) {
      app.log.log({
        level: "error",
        source: "web",
        action: "export.failed",
        message: (e as Error).message,
        fields: { user: user(c)?.name, target },
      });
      return show(false, (e as Error).message, 502);
    }
  });

  // The results alone (for clients that ask for the fragment by name).
  r.get("/results", async (c) => {
    const form = formOf(c.req.query());
    const { filter, error } = parseFilter(form);
    const res = filter ? await app.log.query(filter, { limit: PAGE }) : { rows: [] };
    return c.html(
      <LogResults
        filter={form}
        rows={res.rows}
        next={"next" in res ? res.next : undefined}
        error={error}
      />,
      error ? 400 : 200,
    );
  });

  return r;
}

const ExportQuery = z.object({ format: z.enum(FORMATS) });

function stamp(): string {
  return new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
}

function download(c: Context, body: ReadableStream<Uint8Array>, format: Format, name: string) {
  return c.body(body, 200, {
    "Content-Type": CONTENT_TYPES[format],
    "Content-Disposition": `attachment; filename="${name}.${format}"`,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
}

/** The JSON API and export routes, for mounting at `/`. */
export function logApiRoutes(app: App): Hono<Env> {
  const r = new Hono<Env>();

  r.get("/api/v1/logs", async (c) => {
    const { filter, error } = parseFilter(formOf(c.req.query()));
    if (!filter) return c.json({ error: "invalid_filter", message: error }, 400);
    const limit = Number(c.req.query("limit") ?? PAGE);
    try {
      const res = await app.log.query(filter, { limit, cursor: c.req.query("cursor") });
      return c.json({ records: res.rows, next: res.next ?? null });
    } catch (e) {
      return c.json({ error: "invalid_cursor", message: (e as Error).message }, 400);
    }
  });

  r.get("/api/v1/logs/export", (c) => {
    const fmt = ExportQuery.safeParse({ format: c.req.query("format") });
    if (!fmt.success) {
      return c.json({ error: "invalid_format", message: `format must be one of ${FORMATS}` }, 400);
    }
    const { filter, error } = parseFilter(formOf(c.req.query()));
    if (!filter) return c.json({ error: "invalid_filter", message: error }, 400);
    app.log.log({
      level: "info",
      source: "web",
      action: "export.logs",
      message: `${c.get("user")?.name ?? "someone"} exported logs as ${fmt.data.format}`,
      fields: { user: c.get("user")?.name, format: fmt.data.format, filter },
    });
    return download(
      c,
      exportLogs(app, filter, fmt.data.format),
      fmt.data.format,
      `aisync-logs-${stamp()}`,
    );
  });

  r.get("/api/v1/settings/export", (c) => {
    const fmt = ExportQuery.safeParse({ format: c.req.query("format") });
    if (!fmt.success) {
      return c.json({ error: "invalid_format", message: `format must be one of ${FORMATS}` }, 400);
    }
    app.log.log({
      level: "info",
      source: "web",
      action: "export.settings",
      message: `${c.get("user")?.name ?? "someone"} exported the settings as ${fmt.data.format}`,
      fields: { user: c.get("user")?.name, format: fmt.data.format },
    });
    return download(
      c,
      exportSettings(app, fmt.data.format),
      fmt.data.format,
      `aisync-settings-${stamp()}`,
    );
  });

  return r;
}

/** `GET /metrics`: Prometheus text, for mounting at `/`. */
export function metricsRoute(app: App): Hono<Env> {
  const metrics = metricsFor(app);
  const r = new Hono<Env>();
  r.get(
    "/metrics",
    async (c) => c.body(await metrics.render(), 200, { "Content-Type": metrics.contentType }),
  );
  return r;
}
