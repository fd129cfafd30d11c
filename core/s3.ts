/**
 * The S3 connector: uploads an export stream to `s3://bucket/key` on AWS or any S3-compatible
 * store (path-style addressing, multipart for large exports, through `@aws-sdk/lib-storage`), and
 * the optional daily scheduled export, which records what it did in the log.
 *
 * Credentials and endpoint come from the `export.s3` setting, else the standard variables
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL`). The secret key
 * is never logged, exported or shown.
 *
 * @module
 */
import { z } from "zod";
import type { App } from "./app.ts";
import { CONTENT_TYPES, type Format, FORMATS } from "./formats.ts";

/** Where and how to reach the store. */
export const S3Settings = z.object({
  endpoint: z.string().url().optional(),
  region: z.string().min(1).optional(),
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
  /** `bucket.host` addressing instead of `host/bucket` (AWS only; S3-compatible stores want off). */
  virtualHosted: z.boolean().optional(),
});
/** Parsed {@linkcode S3Settings}. */
export type S3Settings = z.infer<typeof S3Settings>;

/** The daily scheduled export (setting `export.schedule`). */
export const ExportSchedule = z.object({
  enabled: z.boolean().default(false),
  what: z.enum(["logs", "settings", "both"]).default("logs"),
  format: z.enum(FORMATS).default("parquet"),
  /** `s3://bucket/prefix/`; each run writes `<prefix>aisync-<what>-<date>.<ext>`. */
  target: z.string().regex(/^s3:\/\/[^/]+\/?.*$/, "must look like s3://bucket/prefix/"),
  /** Hour of the day (UTC) the export runs. */
  hour: z.number().int().min(0).max(23).default(3),
  /** When the last run finished (set by aisync). */
  lastRun: z.number().optional(),
});
/** Parsed {@linkcode ExportSchedule}. */
export type ExportSchedule = z.infer<typeof ExportSchedule>;

const S3_KEY = "export.s3";
const SCHEDULE_KEY = "export.schedule";
/** Parts of a multipart upload (S3's minimum is 5 MiB). */
export const PART_SIZE = 8 * 1024 * 1024;

/** Splits `s3://bucket/key`. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const m = url.match(/^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/);
  if (!m) throw new TypeError(`Cannot parse "${url}": expected s3://bucket/key`);
  return { bucket: m[1], key: m[2] };
}

async function getSetting(app: App, key: string): Promise<unknown> {
  const res = await app.state.store.client.execute({
    sql: "SELECT value FROM settings WHERE key = ?",
    args: [key],
  });
  const v = res.rows[0]?.value;
  return v === undefined || v === null ? undefined : JSON.parse(String(v));
}

async function putSetting(app: App, key: string, value: unknown): Promise<void> {
  await app.state.store.client.execute({
    sql:
      "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    args: [key, JSON.stringify(value)],
  });
}

/** The S3 settings: the stored ones, each missing field from the environment. */
export async function s3Settings(
  app: App,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<S3Settings> {
  const stored = S3Settings.parse((await getSetting(app, S3_KEY)) ?? {});
  return {
    endpoint: stored.endpoint ?? (env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined),
    region: stored.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined),
    accessKeyId: stored.accessKeyId ?? (env.AWS_ACCESS_KEY_ID || undefined),
    secretAccessKey: stored.secretAccessKey ?? (env.AWS_SECRET_ACCESS_KEY || undefined),
    virtualHosted: stored.virtualHosted,
  };
}

/** Stores S3 settings (validated) and records the change, without the secret. */
export async function setS3Settings(app: App, s: S3Settings, by = "cli"): Promise<void> {
  const value = S3Settings.parse(s);
  await putSetting(app, S3_KEY, value);
  app.log.log({
    level: "info",
    source: by === "web" ? "web" : "cli",
    action: "setting.changed",
    message: `S3 export settings changed (endpoint ${value.endpoint ?? "AWS"})`,
    fields: {
      setting: S3_KEY,
      endpoint: value.endpoint,
      region: value.region,
      accessKeyId: value.accessKeyId ? "set" : "unset",
      secretAccessKey: value.secretAccessKey ? "set" : "unset",
      by,
    },
  });
}

/** What an upload did. */
export interface UploadResult {
  url: string;
  bytes: number;
  /** Parts uploaded (1 when the export fit in one request). */
  parts: number;
}

/** Uploads a byte stream to `s3://bucket/key` (multipart when it is larger than one part). */
export async function uploadToS3(
  body: ReadableStream<Uint8Array>,
  url: string,
  options: { settings: S3Settings; contentType?: string; partSize?: number },
): Promise<UploadResult> {
  const { bucket, key } = parseS3Url(url);
  const s = options.settings;
  if (!s.accessKeyId || !s.secretAccessKey) {
    throw new Error(
      `Cannot upload to "${url}": no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the S3 settings)`,
    );
  }
  // Loaded on first use: the SDK is large, and most runs of aisync never upload.
  const { S3Client } = await import("@aws-sdk/client-s3");
  const { Upload } = await import("@aws-sdk/lib-storage");
  const client = new S3Client({
    endpoint: s.endpoint,
    region: s.region ?? "us-east-1",
    forcePathStyle: !s.virtualHosted,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
  });
  let bytes = 0;
  const counted = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        bytes += chunk.byteLength;
        c.enqueue(chunk);
      },
    }),
  );
  const parts = new Set<number>();
  try {
    const up = new Upload({
      client,
      params: {
        Bucket: bucket,
        Key: key,
        Body: counted,
        ContentType: options.contentType ?? "application/octet-stream",
      },
      partSize: options.partSize ?? PART_SIZE,
      queueSize: 2,
      leavePartsOnError: false,
    });
    up.on("httpUploadProgress", (p) => {
      if (p.part) parts.add(p.part);
    });
    await up.done();
  } catch (e) {
    // The SDK's messages can be terse ("UnknownError"): say where it went wrong.
    throw new Error(`Cannot upload to "${url}": ${(e as Error).message || (e as Error).name}`);
  } finally {
    client.destroy();
  }
  return { url, bytes, parts: Math.max(parts.size, 1) };
}

/** The scheduled-export setting, if any. */
export async function exportSchedule(app: App): Promise<ExportSchedule | undefined> {
  const v = await getSetting(app, SCHEDULE_KEY);
  return v === undefined ? undefined : ExportSchedule.parse(v);
}

/** Stores the scheduled-export setting (validated) and records the change. */
export async function setExportSchedule(
  app: App,
  s: z.input<typeof ExportSchedule>,
  by = "cli",
): Promise<ExportSchedule> {
  const value = ExportSchedule.parse(s);
  await putSetting(app, SCHEDULE_KEY, value);
  app.log.log({
    level: "info",
    source: by === "web" ? "web" : "cli",
    action: "setting.changed",
    message: value.enabled
      ? `Daily ${value.what} export to ${value.target} at ${value.hour}:00 UTC (${value.format})`
      : "Scheduled export turned off",
    fields: { setting: SCHEDULE_KEY, ...value, by },
  });
  return value;
}

/** When the schedule's next run is due (epoch ms). */
export function nextRun(s: ExportSchedule, now = Date.now()): number {
  const d = new Date(now);
  const today = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), s.hour);
  return s.lastRun !== undefined && s.lastRun >= today ? today + 86_400_000 : today;
}

/** Runs the scheduled export once (now), records the outcome, remembers the run. */
export async function runScheduledExport(
  app: App,
  s: ExportSchedule,
  options: { now?: number; env?: Record<string, string | undefined> } = {},
): Promise<UploadResult[]> {
  const now = options.now ?? Date.now();
  const settings = await s3Settings(app, options.env);
  const date = new Date(now).toISOString().slice(0, 10);
  const prefix = s.target.replace(/\/?$/, "/");
  const what = s.what === "both" ? ["logs", "settings"] as const : [s.what];
  const results: UploadResult[] = [];
  const { exportLogs, exportSettings } = await import("./export.ts");
  for (const w of what) {
    const url = `${prefix}aisync-${w}-${date}.${s.format}`;
    const started = performance.now();
    try {
      const body = w === "logs"
        ? exportLogs(app, { from: s.lastRun ?? now - 86_400_000, to: now }, s.format as Format)
        : exportSettings(app, s.format as Format);
      const r = await uploadToS3(body, url, {
        settings,
        contentType: CONTENT_TYPES[s.format as Format],
      });
      results.push(r);
      app.log.log({
        level: "info",
        source: "export",
        action: "export.scheduled",
        message: `Scheduled ${w} export uploaded to ${url} (${r.bytes} bytes, ${r.parts} parts)`,
        fields: {
          url,
          bytes: r.bytes,
          parts: r.parts,
          ms: Math.round(performance.now() - started),
        },
      });
    } catch (e) {
      app.log.log({
        level: "error",
        source: "export",
        action: "export.failed",
        message: `Scheduled ${w} export to ${url} failed: ${(e as Error).message}`,
        fields: { url },
      });
    }
  }
  await putSetting(app, SCHEDULE_KEY, { ...s, lastRun: now });
  return results;
}

/**
 * Checks every `everyMs` whether the daily export is due and runs it. Returns a function that
 * stops the schedule (the signal does too).
 */
export function startExportSchedule(
  app: App,
  options: { signal?: AbortSignal; everyMs?: number } = {},
): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const s = await exportSchedule(app).catch(() => undefined);
      if (s?.enabled && Date.now() >= nextRun(s)) await runScheduledExport(app, s);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), options.everyMs ?? 5 * 60_000);
  // The schedule alone must not keep the process alive.
  Deno.unrefTimer(timer);
  const stop = () => clearInterval(timer);
  options.signal?.addEventListener("abort", stop, { once: true });
  return stop;
}
