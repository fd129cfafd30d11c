/**
 * The canonical model every plugin reads into and plans from.
 *
 * Items are identified by `(kind, scope, name)`. Values are plain JSON so they can be stored in
 * libSQL, compared field by field and merged three ways. Environment references inside strings
 * are kept in one canonical form, `${VAR}` or `${VAR:-default}`; each plugin translates them
 * to and from its client's own syntax.
 *
 * @module
 */
import { z } from "zod";
import { KINDS } from "./canonical.ts";

/** `user`, or `project:<absolute path>`. */
export const Scope = z.string().regex(/^(user|project:\/.*|project:[A-Za-z]:\\.*)$/, {
  message: 'scope must be "user" or "project:<absolute path>"',
});
export type Scope = z.infer<typeof Scope>;

/** Per-client keys a plugin cannot map, kept so a round trip never drops them. */
export const Extras = z.record(z.string(), z.record(z.string(), z.unknown()));
export type Extras = z.infer<typeof Extras>;

/** OAuth client settings (never secrets a client keeps elsewhere). */
export const OAuth = z.object({
  clientId: z.string().optional(),
  callbackPort: z.number().int().optional(),
  scopes: z.array(z.string()).optional(),
  authServerMetadataUrl: z.string().optional(),
  resource: z.string().optional(),
}).strict();
export type OAuth = z.infer<typeof OAuth>;

/** One MCP server, as every client can understand it. */
export const McpServer = z.object({
  transport: z.enum(["stdio", "http", "sse"]),
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
  url: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  enabled: z.boolean().optional(),
  startupTimeoutMs: z.number().nonnegative().optional(),
  toolTimeoutMs: z.number().nonnegative().optional(),
  tools: z.object({
    allow: z.array(z.string()).optional(),
    deny: z.array(z.string()).optional(),
  }).strict().optional(),
  oauth: OAuth.optional(),
  extras: Extras.optional(),
}).strict().superRefine((s, ctx) => {
  if (s.transport === "stdio" && !s.command) {
    ctx.addIssue({ code: "custom", message: "a stdio server needs a command", path: ["command"] });
  }
  if (s.transport !== "stdio" && !s.url) {
    ctx.addIssue({
      code: "custom",
      message: `an ${s.transport} server needs a url`,
      path: ["url"],
    });
  }
});
export type McpServer = z.infer<typeof McpServer>;

/** The body of a memory file (CLAUDE.md, AGENTS.md, QWEN.md …) for one scope. */
export const Instructions = z.object({
  text: z.string(),
  extras: Extras.optional(),
}).strict();
export type Instructions = z.infer<typeof Instructions>;

/**
 * A custom slash command. The body's placeholders are canonical (Claude Code's syntax):
 * `$ARGUMENTS` is every argument as typed, `$ARGUMENTS[0]`, `$ARGUMENTS[1]` … the arguments by
 * position (0-based). Plugins translate them (Codex `$1`…`$9`, Qwen `{{args}}`, Rovo Dev appends
 * the arguments) and note what their client cannot say. The name may hold `:` for a namespace
 * (`git:commit` is `git/commit.md` on disk).
 */
export const Command = z.object({
  description: z.string().optional(),
  argumentHint: z.string().optional(),
  body: z.string(),
  extras: Extras.optional(),
}).strict();
export type Command = z.infer<typeof Command>;

/** A subagent: a system prompt with a name, a description, tools and a model. */
export const Subagent = z.object({
  description: z.string().optional(),
  /** Tool names in Claude Code's vocabulary (`Read`, `Edit`, `Bash`, `mcp__server__tool` …). */
  tools: z.array(z.string()).optional(),
  model: z.string().optional(),
  body: z.string(),
  extras: Extras.optional(),
}).strict();
export type Subagent = z.infer<typeof Subagent>;

/** One file of a skill folder: its bytes (base64) and its mode. */
export const SkillFile = z.object({
  base64: z.string(),
  mode: z.number().int().optional(),
}).strict();

/** A skill: a whole folder with `SKILL.md`, copied byte for byte (relative path → file). */
export const Skill = z.object({
  files: z.record(z.string(), SkillFile),
  extras: Extras.optional(),
}).strict().refine((s) => "SKILL.md" in s.files, { message: "a skill needs a SKILL.md" });
export type Skill = z.infer<typeof Skill>;

/** The kinds of item aisync keeps in step. */
export const Kind = z.enum(KINDS);
export type Kind = z.infer<typeof Kind>;

const NAME = z.string().min(1).max(200).refine((s) => ![...s].some((ch) => ch.charCodeAt(0) < 32), {
  message: "name must not contain control characters",
});

/** One item as a plugin reads it or is asked to plan it. */
export const Item = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("mcp"), scope: Scope, name: NAME, value: McpServer }).strict(),
  z.object({ kind: z.literal("instructions"), scope: Scope, name: NAME, value: Instructions })
    .strict(),
  z.object({ kind: z.literal("command"), scope: Scope, name: NAME, value: Command }).strict(),
  z.object({ kind: z.literal("subagent"), scope: Scope, name: NAME, value: Subagent }).strict(),
  z.object({ kind: z.literal("skill"), scope: Scope, name: NAME, value: Skill }).strict(),
]);
export type Item = z.infer<typeof Item>;

/** A note that a client cannot express part of an item; the item is never dropped elsewhere. */
export const Note = z.object({
  item: z.string(),
  field: z.string().optional(),
  message: z.string(),
}).strict();
export type Note = z.infer<typeof Note>;

export { itemKey, parseItemKey, sameValue, stableStringify } from "./canonical.ts";
