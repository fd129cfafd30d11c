/**
 * `aisync export logs|settings` and `aisync import settings`: the CLI side of core/export.ts and
 * core/s3.ts.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { App } from "./app.ts";
import type { ImportPlan } from "./export.ts";
import { type Format, FORMATS } from "./formats.ts";
import { LogFilter } from "./log.ts";

// The export and S3 modules (Parquet, CSV, the AWS SDK) load only when a command needs them, so
// the rest of the CLI starts fast.

/** Where the CLI prints; `write` takes raw bytes for an export sent to standard output. */
export interface ExportOut {
  log(s: string): void;
  error(s: string): void;
  write?(bytes: Uint8Array): Promise<void>;
}

/** Usage lines of the two commands (also in core/cli.ts's USAGE). */
export const EXPORT_USAGE =
  `  export logs|settings --format csv|json|ndjson|parquet [--out FILE] [--to s3://bucket/key]
         [--since T] [--until T] [--level L] [--client C] [--item K] [--action A] [--source S]
         [--text WORDS]           logs: any filter; T is ISO 8601 or epoch ms
  import settings FILE [--apply]  an export of settings; shows what would change, --apply writes`;

async function stdoutWrite(bytes: Uint8Array) {
  let off = 0;
  while (off < bytes.length) off += await Deno.stdout.write(bytes.subarray(off));
}

/** Runs `export` or `import` with the arguments after the command; returns the exit code. */
export async function runExportCli(
  app: App,
  cmd: string,
  args: string[],
  out: ExportOut,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: "string", short: "f" },
        out: { type: "string", short: "o" },
        to: { type: "string" },
        since: { type: "string" },
        until: { type: "string" },
        level: { type: "string" },
        client: { type: "string" },
        item: { type: "string" },
        action: { type: "string" },
        source: { type: "string" },
        text: { type: "string" },
        apply: { type: "boolean" },
      },
    });
  } catch (e) {
    out.error(`aisync ${cmd}: ${(e as Error).message}`);
    return 1;
  }
  const { values: o, positionals: pos } = parsed;
  try {
    if (cmd === "export") return await runExport(app, pos[0], o, out);
    if (cmd === "import") return await runImport(app, pos[0], pos[1], !!o.apply, out);
    out.error(`aisync: unknown command "${cmd}"`);
    return 1;
  } catch (e) {
    out.error(`aisync ${cmd}: ${(e as Error).message}`);
    return 1;
  }
}

async function runExport(
  app: App,
  what: string | undefined,
  o: Record<string, string | boolean | undefined>,
  out: ExportOut,
): Promise<number> {
  if (what !== "logs" && what !== "settings") {
    out.error(`aisync export: say what to export: logs or settings\n${EXPORT_USAGE}`);
    return 1;
  }
  const format = (o.format ?? guessFormat(o.out as string | undefined)) as Format;
  if (!format) {
    out.error(`aisync export: name a --format: ${FORMATS.join(", ")}`);
    return 1;
  }
  if (!(FORMATS as readonly string[]).includes(format)) {
    out.error(`aisync export: --format must be one of ${FORMATS.join(", ")}`);
    return 1;
  }
  const { CONTENT_TYPES, exportLogs, exportSettings } = await import("./export.ts");
  let body: ReadableStream<Uint8Array>;
  if (what === "logs") {
    const f = LogFilter.safeParse({
      from: o.since,
      to: o.until,
      level: o.level,
      client: o.client,
      item: o.item,
      action: o.action,
      source: o.source,
      text: o.text,
    });
    if (!f.success) {
      const i = f.error.issues[0];
      out.error(`aisync export: --${flagOf(String(i.path[0]))}: ${i.message}`);
      return 1;
    }
    body = exportLogs(app, f.data, format);
  } else body = exportSettings(app, format);

  const started = performance.now();
  let bytes = 0, where: string;
  if (typeof o.to === "string") {
    const { s3Settings, uploadToS3 } = await import("./s3.ts");
    const r = await uploadToS3(body, o.to, {
      settings: await s3Settings(app),
      contentType: CONTENT_TYPES[format],
    });
    bytes = r.bytes;
    where = `${r.url} (${r.parts} part${r.parts === 1 ? "" : "s"})`;
    out.error(`Uploaded ${bytes} bytes to ${where}`);
  } else if (typeof o.out === "string") {
    const file = await Deno.open(o.out, { write: true, create: true, truncate: true });
    // pipeTo closes the file when the export ends.
    await body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, c) {
          bytes += chunk.byteLength;
          c.enqueue(chunk);
        },
      }),
    ).pipeTo(file.writable);
    where = o.out;
    out.error(`Wrote ${bytes} bytes to ${where}`);
  } else {
    const write = out.write ?? stdoutWrite;
    for await (const chunk of body) {
      bytes += chunk.byteLength;
      await write(chunk);
    }
    where = "standard output";
  }
  app.log.log({
    level: "info",
    source: "cli",
    action: `export.${what}`,
    message: `Exported ${what} as ${format} to ${where} (${bytes} bytes)`,
    fields: { format, bytes, to: where, ms: Math.round(performance.now() - started) },
  });
  return 0;
}

function flagOf(field: string): string {
  return field === "from" ? "since" : field === "to" ? "until" : field;
}

function guessFormat(file?: string): string | undefined {
  const ext = file?.match(/\.([a-z]+)$/i)?.[1]?.toLowerCase();
  return ext && (FORMATS as readonly string[]).includes(ext) ? ext : undefined;
}

async function runImport(
  app: App,
  what: string | undefined,
  file: string | undefined,
  apply: boolean,
  out: ExportOut,
): Promise<number> {
  if (what !== "settings" || !file) {
    out.error("aisync import: usage: aisync import settings FILE [--apply]");
    return 1;
  }
  const { applyImport, planImport, readSettingsFile } = await import("./export.ts");
  const rows = await readSettingsFile(await Deno.readFile(file));
  const plan = await planImport(app, rows);
  printPlan(plan, out, apply);
  if (!apply) {
    if (plan.changes.some((c) => c.action !== "same")) {
      out.log("Dry run: nothing written. Run again with --apply to make these changes.");
    }
    return 0;
  }
  await applyImport(app, plan, "cli");
  out.log("Imported.");
  return 0;
}

function printPlan(plan: ImportPlan, out: ExportOut, apply: boolean) {
  const verb = (a: string) =>
    apply
      ? { add: "added", change: "changed", same: "unchanged" }[a]
      : { add: "would add", change: "would change", same: "unchanged" }[a];
  let changed = 0;
  for (const c of plan.changes) {
    if (c.action === "same") continue;
    changed++;
    out.log(`${verb(c.action)!.padEnd(13)} ${c.section.padEnd(8)} ${c.key}`);
    if (c.masked) {
      out.log(
        `              masked in the export, kept as this machine has it (or left out): ${
          c.masked.join(", ")
        }`,
      );
    }
  }
  const same = plan.changes.filter((c) => c.action === "same").length;
  if (!changed) out.log("Nothing to import: this machine already has these settings.");
  else if (same) out.log(`${same} entries already as in the export.`);
}
