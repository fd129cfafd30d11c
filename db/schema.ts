/**
 * libSQL tables (drizzle). Every row that describes local files carries a `machine` id so that
 * several machines can share one libSQL server.
 *
 * @module
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** The base: the last agreed canonical value of every item. */
export const items = sqliteTable("items", {
  machine: text("machine").notNull(),
  key: text("key").notNull(),
  kind: text("kind").notNull(),
  scope: text("scope").notNull(),
  name: text("name").notNull(),
  value: text("value").notNull(),
  /** Clients that dropped this item while deletions do not propagate (JSON array). */
  omit: text("omit").notNull().default("[]"),
  updatedAt: integer("updated_at").notNull(),
}, (t) => [primaryKey({ columns: [t.machine, t.key] })]);

/** What each client showed for each item after the last sync (to tell who changed what). */
export const clientViews = sqliteTable("client_views", {
  machine: text("machine").notNull(),
  client: text("client").notNull(),
  key: text("key").notNull(),
  value: text("value").notNull(),
}, (t) => [primaryKey({ columns: [t.machine, t.client, t.key] })]);

/** Every value an item has had, for `history` and restore. */
export const itemHistory = sqliteTable("item_history", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  machine: text("machine").notNull(),
  key: text("key").notNull(),
  /** JSON, or null when the item was deleted. */
  value: text("value"),
  source: text("source").notNull(),
  at: integer("at").notNull(),
}, (t) => [index("item_history_key").on(t.machine, t.key, t.id)]);

/** Two clients changed one item differently; nothing is written until it is resolved. */
export const conflicts = sqliteTable("conflicts", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  machine: text("machine").notNull(),
  key: text("key").notNull(),
  base: text("base"),
  /** JSON object: client id → its value (null when that client deleted the item). */
  sides: text("sides").notNull(),
  status: text("status").notNull().default("open"),
  resolution: text("resolution"),
  createdAt: integer("created_at").notNull(),
  resolvedAt: integer("resolved_at"),
}, (t) => [index("conflicts_open").on(t.machine, t.status, t.key)]);

/** The bytes of a file right before aisync wrote it. */
export const backups = sqliteTable("backups", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  machine: text("machine").notNull(),
  path: text("path").notNull(),
  /** Null when the file did not exist before the write. */
  content: text("content"),
  /**
   * `base64` when the file was not UTF-8 text (a skill's image, say); null for text; `gzip` or
   * `gzip+base64` for those stored compressed (see `pack` in core/state.ts).
   */
  encoding: text("encoding"),
  mode: integer("mode"),
  client: text("client").notNull(),
  reason: text("reason").notNull(),
  at: integer("at").notNull(),
  // `at` in the index too: keeping a file's backups by age (State.commit) then reads no row,
  // where the table's `at` sits behind each row's content in overflow pages.
}, (t) => [index("backups_path_at").on(t.machine, t.path, t.id, t.at)]);

/** The hash of what aisync last wrote to a path (echo suppression). */
export const fileHashes = sqliteTable("file_hashes", {
  machine: text("machine").notNull(),
  path: text("path").notNull(),
  hash: text("hash").notNull(),
  at: integer("at").notNull(),
}, (t) => [primaryKey({ columns: [t.machine, t.path] })]);

/** Projects whose project-scope files are kept in step. */
export const projects = sqliteTable("projects", {
  machine: text("machine").notNull(),
  path: text("path").notNull(),
  /** `registered` by the user, or the id of the client that named it. */
  source: text("source").notNull(),
  /** 0 when the user removed a discovered project (it stays out). */
  active: integer("active").notNull().default(1),
  addedAt: integer("added_at").notNull(),
}, (t) => [primaryKey({ columns: [t.machine, t.path] })]);

/** Per-client sync policy (JSON). */
export const policies = sqliteTable("policies", {
  machine: text("machine").notNull(),
  client: text("client").notNull(),
  value: text("value").notNull(),
}, (t) => [primaryKey({ columns: [t.machine, t.client] })]);

/** Small key-value settings (JSON values). */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/** Lossy notes and errors of the last sync, per client. */
export const clientStatus = sqliteTable("client_status", {
  machine: text("machine").notNull(),
  client: text("client").notNull(),
  state: text("state").notNull(),
  notes: text("notes").notNull().default("[]"),
  errors: text("errors").notNull().default("[]"),
  lastChange: integer("last_change"),
  /**
   * When a sync last left this client showing the whole base (null: never). A base item changed
   * after that may not have reached it, so a change it makes to that item is checked against
   * the base for a conflict.
   */
  inStepAt: integer("in_step_at"),
  at: integer("at").notNull(),
}, (t) => [primaryKey({ columns: [t.machine, t.client] })]);

/** Structured log. */
export const logs = sqliteTable("logs", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  at: integer("at").notNull(),
  level: text("level").notNull(),
  source: text("source").notNull(),
  client: text("client"),
  item: text("item"),
  action: text("action"),
  message: text("message").notNull(),
  fields: text("fields").notNull().default("{}"),
  eventId: integer("event_id"),
}, (t) => [
  index("logs_at").on(t.at),
  index("logs_level").on(t.level, t.at),
  index("logs_client").on(t.client, t.at),
  index("logs_item").on(t.item, t.at),
]);

/** People who may use the web service and the API. */
export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  /** PHC-encoded argon2id hash. */
  hash: text("hash").notNull(),
  createdAt: integer("created_at").notNull(),
});

/** Browser sessions and API access tokens; only a SHA-256 of the token is stored. */
export const sessions = sqliteTable("sessions", {
  id: text("id").primaryKey(),
  userId: integer("user_id").notNull(),
  /** `cookie` (browser, needs the CSRF token) or `bearer` (API). */
  kind: text("kind").notNull(),
  csrf: text("csrf").notNull(),
  createdAt: integer("created_at").notNull(),
  expiresAt: integer("expires_at").notNull(),
}, (t) => [index("sessions_user").on(t.userId)]);
