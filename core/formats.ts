/**
 * Export formats and their media types: a module of its own so that the CLI and the scheduler
 * can name them without loading the encoders (Parquet, CSV).
 *
 * @module
 */

/** Export formats. */
export const FORMATS = ["csv", "json", "ndjson", "parquet"] as const;
/** An export format. */
export type Format = typeof FORMATS[number];

/** The media type of each format. */
export const CONTENT_TYPES: Record<Format, string> = {
  csv: "text/csv; charset=utf-8",
  json: "application/json",
  ndjson: "application/x-ndjson",
  parquet: "application/vnd.apache.parquet",
};
