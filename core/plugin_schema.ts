/**
 * The zod schemas of the plugin contract: a plugin's manifest and what its calls return. The
 * host validates every answer against them; plugins see only their types (through
 * `plugins/_contract.ts`), so no sandboxed Worker loads zod.
 *
 * @module
 */
import { z } from "zod";
import { Item, Kind, Note } from "./schema.ts";
import { CONTRACT_VERSION } from "./canonical.ts";

const PathSpec = z.union([
  z.string(),
  z.object({
    default: z.string().optional(),
    linux: z.string().optional(),
    darwin: z.string().optional(),
    windows: z.string().optional(),
  }).strict(),
]);

/** `plugins/<id>/manifest.json`. */
export const Manifest = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/, { message: "id must be snake_case" }),
  name: z.string().min(1),
  contract: z.literal(CONTRACT_VERSION),
  description: z.string().optional(),
  homepage: z.string().optional(),
  kinds: z.array(Kind).min(1),
  /**
   * Named paths the plugin may read, per scope. `~` is the home folder, `${VAR:-fallback}` an
   * environment variable the host resolves (plugins cannot read the environment), and in project
   * paths `{project}` is the project's root. A path may be a file or a folder.
   */
  paths: z.object({
    user: z.record(z.string(), PathSpec),
    project: z.record(z.string(), PathSpec).optional(),
  }).strict(),
  /**
   * The client's own folders (or files), as in `paths`: when one of them exists the client is
   * installed here. The host looks; the plugin gets no access to them. A client found nowhere
   * is neither read nor written, so aisync never creates files for a client the user does not
   * have, and a client removed from the machine deletes nothing elsewhere. Without `home`, the
   * client counts as installed everywhere.
   */
  home: z.array(PathSpec).min(1).optional(),
  /** Environment variables named in `paths` (shown to the user with the paths). */
  env: z.array(z.string()).optional(),
}).strict();
export type Manifest = z.infer<typeof Manifest>;

/** A file that could not be read; its scope is left alone until it is fixed. */
export const ReadError = z.object({
  file: z.string(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
  message: z.string(),
  /** The scopes this file holds; omitted means every scope of the plugin. */
  scopes: z.array(z.string()).optional(),
  /** The kinds this file holds; omitted means every kind (so a broken prompt need not freeze MCP). */
  kinds: z.array(Kind).optional(),
}).strict();
export type ReadError = z.infer<typeof ReadError>;

/** What `read` returns. */
export const ReadResult = z.object({
  items: z.array(Item),
  /** Project roots the client itself knows about (Claude's `projects`, Codex's trust tables). */
  projects: z.array(z.string()).optional(),
  errors: z.array(ReadError).optional(),
}).strict();
export type ReadResult = z.infer<typeof ReadResult>;

/**
 * One whole file the host should write (`content: null` removes the file). `encoding: "base64"`
 * marks bytes that are not text (a skill's image); `mode` is the mode a new file gets.
 */
export const PlannedWrite = z.object({
  path: z.string(),
  content: z.string().nullable(),
  encoding: z.literal("base64").optional(),
  mode: z.number().int().optional(),
}).strict();
export type PlannedWrite = z.infer<typeof PlannedWrite>;

/** What `plan` returns. */
export const PlanResult = z.object({
  writes: z.array(PlannedWrite),
  notes: z.array(Note),
}).strict();
export type PlanResult = z.infer<typeof PlanResult>;

/** What `detect` returns. */
export const DetectResult = z.object({
  installed: z.boolean(),
  version: z.string().optional(),
}).strict();
export type DetectResult = z.infer<typeof DetectResult>;
