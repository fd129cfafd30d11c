/**
 * The plugin contract: the only host file a plugin imports.
 *
 * A plugin is a folder `plugins/<id>/` with `manifest.json` (parsed before any plugin code runs)
 * and `mod.ts`, whose default export is `definePlugin({ detect, read, plan })`. Plugins never
 * write: `plan` returns whole-file contents and the host backs up, guards and writes them. The
 * same module runs in-process in tests and in a sandboxed Worker in production; the only door to
 * the disk is `ctx.files`.
 *
 * @example A plugin that keeps one instructions file
 * ```ts
 * import { definePlugin } from "../_contract.ts";
 * export default definePlugin({
 *   async detect(ctx) {
 *     return { installed: (await ctx.files.read(ctx.paths.instructions)) !== undefined };
 *   },
 *   async read(ctx) {
 *     const text = await ctx.files.read(ctx.paths.instructions);
 *     return { items: text === undefined ? [] : [{ kind: "instructions", scope: "user", name: "main", value: { text } }] };
 *   },
 *   async plan(desired, ctx) {
 *     const item = desired.items.find((i) => i.kind === "instructions" && i.scope === "user");
 *     return { writes: item ? [{ path: ctx.paths.instructions, content: (item.value as { text: string }).text }] : [], notes: [] };
 *   },
 * });
 * ```
 *
 * @module
 */
import type { Item } from "../core/schema.ts";
import type { DetectResult, PlanResult, ReadResult } from "../core/plugin_schema.ts";
export type {
  Command,
  Instructions,
  Item,
  Kind,
  McpServer,
  Note,
  Skill,
  Subagent,
} from "../core/schema.ts";
export {
  CONTRACT_VERSION,
  itemKey,
  itemProblem,
  KINDS,
  sameValue,
  stableStringify,
  validItem,
} from "../core/canonical.ts";
export {
  ConfigParseError,
  editJson,
  editToml,
  editYaml,
  jsonFormat,
  parseJsonc,
  parseToml,
  parseYaml,
} from "../core/editors.ts";
// jsonc-parser's syntax tree and its own parse, for plugins that need where a value sits or a
// parse with options of their own. From the bundled ES build (core/vendor/build.ts): the npm
// package loads as CommonJS, which would start Deno's Node layer in the plugin's Worker.
// @ts-types="jsonc-parser"
export {
  findNodeAtLocation,
  parse as parseJsoncWith,
  type ParseError as JsoncParseError,
  parseTree,
} from "../core/vendor/jsonc_parser.js";

// Helpers several plugins share: Markdown frontmatter, skill folders kept byte for byte, and
// folders of one file per command or subagent.
export { editFront, joinMd, parseFront, renderFront, splitMd } from "../core/frontmatter.ts";
export type { Front, MdFile } from "../core/frontmatter.ts";
export {
  escapeRegExp,
  filled,
  isPlain,
  isStringRecord,
  isStrings,
  lineCol,
  ordered,
  put,
  validName,
} from "../core/guards.ts";
export type { Json } from "../core/guards.ts";
export { isFileName, planSkills, readSkills, skillFront, skillItems } from "../core/skill_files.ts";
export type { SkillRules, SkillScope } from "../core/skill_files.ts";
export {
  folderItems,
  folderReadError,
  frontText,
  keepText,
  mdRules,
  nativeKeys,
  parseMdDoc,
  planFolder,
  readFolder,
  scalarText,
  toolList,
} from "../core/item_folder.ts";
export type {
  FolderFile,
  FolderItem,
  FolderRules,
  FolderScope,
  MdDoc,
  MdMapping,
  NoteFn,
} from "../core/item_folder.ts";

// Settings files that hold a JSON table of MCP servers, a client's usual folders of commands,
// agents and skills, and instructions files.
export {
  bodyWrite,
  checkTable,
  EntryWriter,
  loadJsonFile,
  loadServerFile,
  mapValues,
  ownPart,
  parseError,
  parses,
  planServers,
  readOAuth,
  serverItems,
  serversBody,
  unknownScopeNotes,
} from "../core/json_servers.ts";
export type {
  JsonFile,
  McpItem,
  RefSyntax,
  ServerFile,
  ServerTable,
} from "../core/json_servers.ts";
export { folderSetResult, planFolderSet, readFolderSet } from "../core/folder_set.ts";
export type { FolderSet, FolderSetRules } from "../core/folder_set.ts";
export { planInstructions, readInstructions } from "../core/instructions.ts";

export {
  editTomlRoot,
  fromArgs,
  parseTomlCommand,
  renderTomlCommand,
  shellRanges,
  toArgs,
  tomlCommandRules,
  tomlCommandValue,
} from "../core/toml_commands.ts";
export type { ArgsDialect, TomlFolder } from "../core/toml_commands.ts";

export {
  agentItems as githubAgentItems,
  planAgents as planGithubAgents,
  readAgents as readGithubAgents,
  skillRules as githubSkillRules,
} from "../core/github_agents.ts";
export type { AgentScope as GithubAgentScope } from "../core/github_agents.ts";

// The shapes of what a plugin is given and returns. Their zod schemas live with the host, which
// validates every answer: the sandbox never loads zod.
export type {
  DetectResult,
  Manifest,
  PlannedWrite,
  PlanResult,
  ReadError,
  ReadResult,
} from "../core/plugin_schema.ts";

/** Read-only access to the declared paths; anything else is refused by the sandbox. */
export interface Files {
  /** The file's text, or `undefined` when it does not exist. */
  read(path: string): Promise<string | undefined>;
  /** Names of the entries of a folder (empty when it does not exist). */
  list(path: string): Promise<string[]>;
  /** The file's bytes as base64 (for files that may not be text), or `undefined`. */
  readBase64(path: string): Promise<string | undefined>;
  /** Whether the path is a file or a folder, and its mode; `undefined` when absent. */
  stat(path: string): Promise<{ isFile: boolean; isDirectory: boolean; mode?: number } | undefined>;
}

/** One project the plugin is asked to read, with its paths resolved. */
export interface ProjectPaths {
  /** Absolute path of the project's root; the scope is `project:<root>`. */
  root: string;
  /** The manifest's project paths with `{project}` filled in. */
  paths: Record<string, string>;
}

/** What the host hands a plugin on every call. */
export interface Context {
  os: "linux" | "darwin" | "windows";
  home: string;
  /** The manifest's user paths, resolved to absolute paths. */
  paths: Record<string, string>;
  projects: ProjectPaths[];
  files: Files;
}

/** The desired set for one client: every item of every kind and scope it keeps. */
export interface Desired {
  items: Item[];
}

/** A client plugin. */
export interface Plugin {
  /** Cheap presence check; must not throw when the client is absent. */
  detect(ctx: Context): Promise<DetectResult>;
  /** Native files to canonical items. Keys it does not map go to `value.extras[<id>]`. */
  read(ctx: Context): Promise<ReadResult>;
  /**
   * Canonical items to whole-file contents. Reads the current files to keep everything it does
   * not manage byte for byte; writes only files whose content changes.
   */
  plan(desired: Desired, ctx: Context): Promise<PlanResult>;
}

/** Identity helper so a plugin's default export is type-checked against the contract. */
export function definePlugin(plugin: Plugin): Plugin {
  return plugin;
}

/**
 * Canonical env references: `${VAR}` and `${VAR:-default}`. Anything else in a string is
 * literal text.
 */
export const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** True when the string is exactly one reference `${VAR}` with no default. */
export function soleEnvRef(value: string): string | undefined {
  const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
  return m?.[1];
}

/** The names of every reference in a string. */
export function envRefs(value: string): string[] {
  return [...value.matchAll(ENV_REF)].map((m) => m[1]);
}
