/**
 * The OpenAI Codex CLI plugin: MCP servers kept as `[mcp_servers.<name>]` tables in
 * `config.toml` and instructions in `AGENTS.md`, for the user (`$CODEX_HOME`, by default
 * `~/.codex`) and for every project (`{project}/.codex/config.toml`, `{project}/AGENTS.md`).
 *
 * Codex infers the transport (`command` is stdio, `url` is streamable HTTP; there is no SSE)
 * and has no placeholder syntax: it names environment variables instead (`env_vars`,
 * `bearer_token_env_var`, `env_http_headers`). This module translates those names to and from
 * the canonical `${VAR}` form, keeps every key it cannot map in `extras.codex`, and edits the
 * TOML surgically so comments, `[projects.*]` trust tables and other settings stay as they are.
 *
 * It also keeps custom prompts (`$CODEX_HOME/prompts/*.md`, user only, no sub-folders) as
 * commands, with `$1`…`$9` translated to and from the canonical `$ARGUMENTS[0]`…; agent role
 * files (`$CODEX_HOME/agents/**.toml`, `{project}/.codex/agents/`) as subagents, named by their
 * `name` key with `developer_instructions` as the body; and skill folders (`~/.agents/skills/`,
 * `{project}/.agents/skills/`, shared with Rovo Dev) byte for byte.
 *
 * @module
 */
import {
  ConfigParseError,
  type Context,
  definePlugin,
  editToml,
  editYaml,
  envRefs,
  isFileName,
  isPlain,
  isStrings,
  type Item,
  itemKey,
  type Kind,
  type McpServer,
  type Note,
  parseToml,
  parseYaml,
  planInstructions,
  type PlannedWrite,
  planSkills,
  type ReadError,
  readInstructions,
  readSkills,
  sameValue,
  skillItems,
  type SkillRules,
  soleEnvRef,
} from "../_contract.ts";

const ID = "codex";
/** Server names Codex accepts. */
const SERVER_NAME = /^[A-Za-z0-9_-]+$/;
const BEARER = /^Bearer \$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
/** Keys that only a streamable HTTP server may have; Codex refuses them on a stdio server. */
const HTTP_ONLY = [
  "url",
  "bearer_token_env_var",
  "http_headers",
  "env_http_headers",
  "oauth",
  "oauth_resource",
];
/** Keys that only a stdio server may have; Codex refuses them on an HTTP server. */
const STDIO_ONLY = ["args", "env", "env_vars", "cwd"];

type Table = Record<string, unknown>;

interface Scoped {
  scope: string;
  paths: Record<string, string>;
}

function scopesOf(ctx: Context): Scoped[] {
  return [
    { scope: "user", paths: ctx.paths },
    ...ctx.projects.map((p) => ({ scope: `project:${p.root}`, paths: p.paths })),
  ];
}

function isEmpty(v: unknown): boolean {
  return Array.isArray(v) ? v.length === 0 : isPlain(v) && Object.keys(v).length === 0;
}

/** Seconds (Codex) to milliseconds (canonical), without float noise such as 1100.0000000000002. */
function secToMs(sec: number): number {
  return Number((sec * 1000).toFixed(3));
}

function msToSec(ms: number): number {
  return Number((ms / 1000).toFixed(6));
}

// ---------------------------------------------------------------------------------------------
// Reading

interface ConfigFile {
  path: string;
  scope: string;
  text?: string;
  data?: Table;
  error?: ReadError;
}

async function loadConfig(ctx: Context, path: string, scope: string): Promise<ConfigFile> {
  try {
    const text = await ctx.files.read(path);
    if (text === undefined) return { path, scope };
    return { path, scope, text, data: parseToml(text, path) };
  } catch (e) {
    const error: ReadError = { file: path, message: String((e as Error)?.message ?? e) };
    if (e instanceof ConfigParseError) {
      error.message = e.reason;
      if (e.line !== undefined) error.line = e.line;
      if (e.column !== undefined) error.column = e.column;
    }
    error.scopes = [scope];
    return { path, scope, error };
  }
}

/**
 * One `[mcp_servers.<name>]` table as a canonical server, or `undefined` when it has neither
 * `command` nor `url` (Codex itself refuses such a table: "invalid transport").
 */
function toCanonical(raw: Table): McpServer | undefined {
  let transport: "stdio" | "http";
  if (typeof raw.command === "string") transport = "stdio";
  else if (typeof raw.url === "string") transport = "http";
  else return undefined;

  const extras: Table = {};
  const env: Record<string, string> = {};
  const literal: Record<string, string> = {}, named: Record<string, string> = {};
  let bearer: string | undefined;
  const tools: { allow?: string[]; deny?: string[] } = {};
  const oauth: NonNullable<McpServer["oauth"]> = {};
  const out: McpServer = { transport };
  let startupMs: number | undefined, toolMs: number | undefined;
  let enabled: boolean | undefined;

  for (const [key, val] of Object.entries(raw)) {
    // A key that belongs to the other transport makes Codex refuse the table; keep it as it is.
    if ((transport === "stdio" ? HTTP_ONLY : STDIO_ONLY).includes(key)) {
      extras[key] = val;
      continue;
    }
    switch (key) {
      case "command":
        out.command = val as string;
        continue;
      case "url":
        out.url = val as string;
        continue;
      case "args":
        if (isStrings(val)) {
          // Canonical values are minimal: `args = []` says nothing (it is kept when written).
          if (val.length) out.args = val;
          continue;
        }
        break;
      case "cwd":
        if (typeof val === "string") {
          out.cwd = val;
          continue;
        }
        break;
      case "env_vars":
        if (Array.isArray(val)) {
          // Plain names become `${NAME}`; `{ name, source }` forms also stay in extras so the
          // source is written back.
          const forms = val.filter((e) => typeof e !== "string");
          for (const e of val) {
            const name = envVarName(e);
            if (name !== undefined && !(name in env)) env[name] = `\${${name}}`;
          }
          if (forms.length) extras.env_vars = forms;
          continue;
        }
        break;
      case "env":
        if (isPlain(val)) {
          // Codex passes env values literally: one that looks like a reference would turn into
          // one elsewhere, so it stays in extras (as do values that are not strings).
          const [plain, odd] = split(val, isLiteral);
          Object.assign(env, plain);
          if (Object.keys(odd).length) extras.env = odd;
          continue;
        }
        break;
      case "bearer_token_env_var":
        if (typeof val === "string") {
          bearer = val;
          continue;
        }
        break;
      case "env_http_headers":
        if (isPlain(val)) {
          const [plain, odd] = split(val, (v) => typeof v === "string");
          for (const [k, v] of Object.entries(plain)) named[k] = `\${${v}}`;
          if (Object.keys(odd).length) extras[key] = odd;
          continue;
        }
        break;
      case "http_headers":
        if (isPlain(val)) {
          const [plain, odd] = split(val, isLiteral);
          Object.assign(literal, plain);
          if (Object.keys(odd).length) extras[key] = odd;
          continue;
        }
        break;
      case "enabled":
        if (typeof val === "boolean") {
          enabled = val;
          continue;
        }
        break;
      case "startup_timeout_sec":
        if (typeof val === "number" && val >= 0) {
          startupMs = secToMs(val);
          continue;
        }
        break;
      case "startup_timeout_ms":
        // Codex ignores the millisecond alias when the seconds are set.
        if (typeof val === "number" && val >= 0 && typeof raw.startup_timeout_sec !== "number") {
          startupMs ??= val;
          continue;
        }
        break;
      case "tool_timeout_sec":
        if (typeof val === "number" && val >= 0) {
          toolMs = secToMs(val);
          continue;
        }
        break;
      case "enabled_tools":
        if (isStrings(val)) {
          tools.allow = val;
          continue;
        }
        break;
      case "disabled_tools":
        if (isStrings(val)) {
          tools.deny = val;
          continue;
        }
        break;
      case "scopes":
        if (isStrings(val)) {
          oauth.scopes = val;
          continue;
        }
        break;
      case "oauth_resource":
        if (typeof val === "string") {
          oauth.resource = val;
          continue;
        }
        break;
      case "oauth":
        if (isPlain(val)) {
          const odd: Table = {};
          for (const [k, v] of Object.entries(val)) {
            if (k === "client_id" && typeof v === "string") oauth.clientId = v;
            else if (k === "callback_port" && Number.isInteger(v)) oauth.callbackPort = v as number;
            else odd[k] = v;
          }
          if (Object.keys(odd).length) extras.oauth = odd;
          continue;
        }
        break;
    }
    extras[key] = val;
  }

  if (Object.keys(env).length) out.env = env;
  // A literal header wins over a named variable, which wins over the bearer token.
  const headers = {
    ...(bearer === undefined ? {} : { Authorization: `Bearer \${${bearer}}` }),
    ...named,
    ...literal,
  };
  if (Object.keys(headers).length) out.headers = headers;
  if (enabled === false) out.enabled = false;
  if (startupMs !== undefined) out.startupTimeoutMs = startupMs;
  if (toolMs !== undefined) out.toolTimeoutMs = toolMs;
  if (tools.allow || tools.deny) out.tools = tools;
  if (Object.keys(oauth).length) out.oauth = oauth;
  if (Object.keys(extras).length) out.extras = { [ID]: extras };
  return out;
}

/** A string with no `${VAR}` in it: the same text in every client. */
function isLiteral(v: unknown): v is string {
  return typeof v === "string" && envRefs(v).length === 0;
}

/** The members of a table that pass `test`, and the others. */
function split(table: Table, test: (v: unknown) => boolean): [Record<string, string>, Table] {
  const yes: Record<string, string> = {}, no: Table = {};
  for (const [k, v] of Object.entries(table)) {
    if (test(v)) yes[k] = v as string;
    else no[k] = v;
  }
  return [yes, no];
}

function envVarName(e: unknown): string | undefined {
  if (typeof e === "string") return e;
  return isPlain(e) && typeof e.name === "string" ? e.name : undefined;
}

function serverTables(data: Table | undefined): Table {
  return isPlain(data?.mcp_servers) ? data.mcp_servers : {};
}

function readServers(data: Table, scope: string): Item[] {
  const items: Item[] = [];
  for (const [name, raw] of Object.entries(serverTables(data))) {
    const value = isPlain(raw) ? toCanonical(raw) : undefined;
    if (value) items.push({ kind: "mcp", scope, name, value });
  }
  return items;
}

/** The folders of the `[projects."<abs path>"]` trust tables. */
function trustedProjects(data: Table): string[] {
  if (!isPlain(data.projects)) return [];
  return Object.keys(data.projects)
    // Codex on Windows records verbatim paths (`\\?\C:\...`).
    .map((p) => p.startsWith("\\\\?\\") ? p.slice(4) : p)
    .filter((p) => p.startsWith("/") || /^[A-Za-z]:\\/.test(p));
}

// ---------------------------------------------------------------------------------------------
// Planning

/**
 * The Codex table for a canonical server. `old` is the table the file has now: where it already
 * says what is desired (a literal `env` value, `enabled = true`, `startup_timeout_ms`), its form
 * is kept so that an unchanged server is not rewritten.
 */
function toNative(item: Item & { kind: "mcp" }, old: Table | undefined, notes: Note[]): Table {
  const v = item.value;
  const note = (field: string, message: string) =>
    notes.push({ item: itemKey(item), field, message });
  const was = old ? toCanonical(old) : undefined;
  const extras: Table = { ...(v.extras?.[ID] ?? {}) };
  const forms = Array.isArray(extras.env_vars) ? extras.env_vars : [];
  if (Array.isArray(extras.env_vars)) delete extras.env_vars;
  // A key the canonical value sets replaces the literal kept for it.
  drop(extras, "env", Object.keys(v.env ?? {}));
  drop(extras, "http_headers", Object.keys(v.headers ?? {}));
  drop(extras, "env_http_headers", Object.keys(v.headers ?? {}));
  const out: Table = {};
  const stdio = v.transport === "stdio";
  const literally = (field: "command" | "args" | "cwd" | "url") => {
    if ([v[field] ?? []].flat().some((text) => envRefs(text).length)) {
      note(field, `Codex does not expand "\${...}" in ${field}; it is passed on literally`);
    }
  };

  if (stdio) {
    for (const field of ["command", "args", "cwd"] as const) literally(field);
    out.command = v.command;
    if (v.args) out.args = v.args;
    else if (Array.isArray(old?.args) && old.args.length === 0) out.args = [];
    const { env, vars } = placeEnv(v.env ?? {}, old, was, forms, note);
    // An empty table or list the file already has stays (it reads as nothing).
    if (vars.length || isEmpty(old?.env_vars)) out.env_vars = vars;
    if (v.cwd !== undefined) out.cwd = v.cwd;
    if (Object.keys(env).length || isEmpty(old?.env)) out.env = env;
    if (v.url !== undefined) note("url", "Codex refuses a url on a stdio server; it was left out");
    if (v.headers && Object.keys(v.headers).length) {
      note("headers", "Codex cannot send headers to a stdio server; they were left out");
    }
  } else {
    literally("url");
    out.url = v.url;
    if (v.transport === "sse") {
      note("transport", "Codex has no SSE transport; the server is written as streamable HTTP");
    }
    placeHeaders(v.headers ?? {}, old, was, out, note);
    for (const field of ["command", "args", "env", "cwd"] as const) {
      if (v[field] !== undefined) {
        note(field, `Codex refuses "${field}" on an HTTP server; it was left out`);
      }
    }
  }

  if (v.enabled === false) out.enabled = false;
  else if (old?.enabled === true) out.enabled = true;

  if (v.startupTimeoutMs !== undefined) {
    if (was?.startupTimeoutMs === v.startupTimeoutMs) {
      for (const k of ["startup_timeout_sec", "startup_timeout_ms"]) {
        if (old?.[k] !== undefined) out[k] = old[k];
      }
    } else if (
      typeof old?.startup_timeout_ms === "number" && old.startup_timeout_sec === undefined &&
      Number.isInteger(v.startupTimeoutMs)
    ) {
      out.startup_timeout_ms = v.startupTimeoutMs;
    } else out.startup_timeout_sec = msToSec(v.startupTimeoutMs);
  }
  if (v.toolTimeoutMs !== undefined) {
    out.tool_timeout_sec =
      was?.toolTimeoutMs === v.toolTimeoutMs && old?.tool_timeout_sec !== undefined
        ? old.tool_timeout_sec
        : msToSec(v.toolTimeoutMs);
  }
  if (v.tools?.allow) out.enabled_tools = v.tools.allow;
  if (v.tools?.deny) out.disabled_tools = v.tools.deny;

  const o = v.oauth ?? {};
  if (o.scopes) out.scopes = o.scopes;
  if (o.authServerMetadataUrl !== undefined) {
    note(
      "oauth.authServerMetadataUrl",
      "Codex has no setting for the OAuth metadata URL; it was left out",
    );
  }
  if (stdio) {
    if (o.clientId !== undefined || o.callbackPort !== undefined || o.resource !== undefined) {
      note("oauth", "Codex refuses OAuth client settings on a stdio server; they were left out");
    }
  } else {
    if (o.resource !== undefined) out.oauth_resource = o.resource;
    const client: Table = {};
    if (o.clientId !== undefined) client.client_id = o.clientId;
    if (o.callbackPort !== undefined) client.callback_port = o.callbackPort;
    if (Object.keys(client).length) out.oauth = client;
  }
  return merge(out, extras);
}

function drop(extras: Table, key: string, names: string[]) {
  const table = extras[key];
  if (!isPlain(table) || !names.length) return;
  const rest = Object.fromEntries(Object.entries(table).filter(([k]) => !names.includes(k)));
  if (Object.keys(rest).length) extras[key] = rest;
  else delete extras[key];
}

/** Known fields win over extras; tables present on both sides are merged. */
function merge(known: Table, extras: Table): Table {
  const out: Table = {};
  for (const [k, v] of Object.entries(known)) {
    out[k] = isPlain(v) && isPlain(extras[k]) ? merge(v, extras[k] as Table) : v;
  }
  for (const [k, v] of Object.entries(extras)) if (!(k in out)) out[k] = v;
  return out;
}

function placeEnv(
  env: Record<string, string>,
  old: Table | undefined,
  was: McpServer | undefined,
  forms: unknown[],
  note: (field: string, message: string) => void,
): { env: Record<string, string>; vars: unknown[] } {
  const oldEnv = isPlain(old?.env) ? old.env : {};
  const oldVars = Array.isArray(old?.env_vars) ? old.env_vars : [];
  const out: Record<string, string> = {};
  const names = new Set<string>();
  for (const [k, val] of Object.entries(env)) {
    if (was?.transport === "stdio" && was.env?.[k] === val) {
      // Unchanged: keep it where the file has it (env, env_vars or both).
      if (typeof oldEnv[k] === "string") out[k] = oldEnv[k] as string;
      if (oldVars.some((e) => envVarName(e) === k)) names.add(k);
      continue;
    }
    if (val === `\${${k}}`) names.add(k);
    else if (envRefs(val).length) {
      // Values are not quoted in notes: they may hold secrets.
      note(
        `env.${k}`,
        `Codex only forwards a variable under its own name and cannot expand ` +
          `${refList(val)} into "${k}"; the variable was left out`,
      );
    } else out[k] = val;
  }
  const formOf = (name: string) => forms.find((f) => envVarName(f) === name) ?? name;
  const vars: unknown[] = [];
  const seen = new Set<string>();
  for (const e of oldVars) {
    const name = envVarName(e);
    if (name === undefined) {
      if (forms.some((f) => sameValue(f, e)) && !vars.some((x) => sameValue(x, e))) vars.push(e);
    } else if (names.has(name) && !seen.has(name)) {
      vars.push(formOf(name));
      seen.add(name);
    }
  }
  for (const name of names) if (!seen.has(name)) vars.push(formOf(name));
  for (const f of forms) {
    if (envVarName(f) === undefined && !vars.some((x) => sameValue(x, f))) vars.push(f);
  }
  return { env: out, vars };
}

/** The references of a value, by name only (`${A}`, `${B}`). */
function refList(value: string): string {
  return [...new Set(envRefs(value))].map((n) => `"\${${n}}"`).join(", ");
}

function placeHeaders(
  headers: Record<string, string>,
  old: Table | undefined,
  was: McpServer | undefined,
  out: Table,
  note: (field: string, message: string) => void,
) {
  const oldHttp = isPlain(old?.http_headers) ? old.http_headers : {};
  const oldEnvHttp = isPlain(old?.env_http_headers) ? old.env_http_headers : {};
  const literal: Record<string, string> = {}, named: Record<string, string> = {};
  let bearer: string | undefined;
  for (const [h, val] of Object.entries(headers)) {
    if (was && was.transport !== "stdio" && was.headers?.[h] === val) {
      if (typeof oldHttp[h] === "string") literal[h] = oldHttp[h] as string;
      if (typeof oldEnvHttp[h] === "string") named[h] = oldEnvHttp[h] as string;
      if (h === "Authorization" && typeof old?.bearer_token_env_var === "string") {
        bearer = old.bearer_token_env_var;
      }
      continue;
    }
    const m = BEARER.exec(val);
    if (m && h.toLowerCase() === "authorization" && bearer === undefined) {
      bearer = m[1];
      if (h !== "Authorization") {
        note(`headers.${h}`, 'Codex sends the bearer token as "Authorization"');
      }
      continue;
    }
    const ref = soleEnvRef(val);
    if (ref) named[h] = ref;
    else if (envRefs(val).length) {
      note(
        `headers.${h}`,
        `Codex takes a header either literally or from one variable and cannot build it ` +
          `from ${refList(val)}; the header was left out`,
      );
    } else literal[h] = val;
  }
  if (bearer !== undefined) out.bearer_token_env_var = bearer;
  if (Object.keys(literal).length || isEmpty(old?.http_headers)) out.http_headers = literal;
  if (Object.keys(named).length || isEmpty(old?.env_http_headers)) out.env_http_headers = named;
}

/**
 * Removes a server table. Comments above it that are set off by a blank line describe the
 * section, not this server, so they are kept (toml_edit drops a table's whole prefix).
 */
function removeServer(text: string, name: string): string {
  const after = editToml(text, ["mcp_servers", name], undefined);
  const b = text.split("\n"), a = after.split("\n");
  // Match the lines that are left from the end, so that a blank line shared by two tables is
  // counted as the removed table's own prefix.
  const kept: boolean[] = new Array(b.length).fill(false);
  let j = a.length - 1;
  for (let i = b.length - 1; i >= 0 && j >= 0; i--) {
    if (b[i] === a[j]) {
      kept[i] = true;
      j--;
    }
  }
  if (j !== -1) return after;
  const out: string[] = [];
  for (let i = 0; i < b.length;) {
    if (kept[i]) {
      out.push(b[i++]);
      continue;
    }
    let end = i;
    while (end < b.length && !kept[end]) end++;
    const run = b.slice(i, end);
    let lead = 0;
    while (lead < run.length && /^[ \t]*(#.*)?\r?$/.test(run[lead])) lead++;
    let blank = -1;
    for (let k = 0; k < lead; k++) if (run[k].trim() === "") blank = k;
    if (lead < run.length && run.slice(0, blank).some((l) => l.trim().startsWith("#"))) {
      out.push(...run.slice(0, blank + 1));
      // The blank line that ended the kept comments may already follow them.
      if (end < b.length && b[end].trim() === "") out.pop();
    }
    i = end;
  }
  return out.join("\n");
}

/**
 * toml_edit writes the parents of a new table as empty headers (`[mcp_servers]` before
 * `[mcp_servers.fs]`); Codex does not, so headers that are new, empty and followed by one of
 * their own sub-tables are dropped (the table stays, implicitly).
 */
function dropEmptyHeaders(before: string, after: string): string {
  const had = new Set(before.split("\n").map((l) => l.trim()));
  const lines = after.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\[([^[\]].*)\][ \t]*\r?$/.exec(lines[i]);
    if (m && !had.has(lines[i].trim())) {
      let j = i + 1;
      while (j < lines.length && lines[j].trim() === "") j++;
      if (j < lines.length && lines[j].startsWith(`[${m[1]}.`)) {
        i = j - 1;
        continue;
      }
    }
    out.push(lines[i]);
  }
  return out.join("\n");
}

/** True when every line of the text ends with "\r\n" (toml_edit writes "\n" only). */
function isCrlf(text: string): boolean {
  return text.includes("\r\n") && !/(^|[^\r])\n/.test(text);
}

function planConfig(
  file: ConfigFile,
  desired: (Item & { kind: "mcp" })[],
  notes: Note[],
): PlannedWrite | undefined {
  if (file.error) return undefined; // never write over a file that failed to parse
  const before = file.text ?? "";
  const current = serverTables(file.data);
  if (file.data?.mcp_servers !== undefined && !isPlain(file.data.mcp_servers)) {
    for (const item of desired) {
      notes.push({
        item: itemKey(item),
        message: `Cannot edit "${file.path}": mcp_servers is not a table`,
      });
    }
    return undefined;
  }
  // Edit with "\n" line ends, the ones toml_edit writes, and put "\r\n" back at the end.
  const crlf = isCrlf(before);
  const start = crlf ? before.replaceAll("\r\n", "\n") : before;
  let text = start;
  const wanted = new Set(desired.map((i) => i.name));
  for (const [name, raw] of Object.entries(current)) {
    // Only tables read as servers are managed; a table Codex cannot load is left to the user.
    if (!wanted.has(name) && isPlain(raw) && toCanonical(raw)) text = removeServer(text, name);
  }
  for (const item of desired) {
    const old = isPlain(current[item.name]) ? current[item.name] as Table : undefined;
    const was = old ? toCanonical(old) : undefined;
    if (was && sameValue(was, ownValue(item.value))) continue;
    if (!SERVER_NAME.test(item.name)) {
      notes.push({
        item: itemKey(item),
        message: `Codex accepts server names of letters, digits, "_" and "-" only; ` +
          `"${item.name}" was not written`,
      });
      continue;
    }
    try {
      text = editToml(text, ["mcp_servers", item.name], toNative(item, old, notes));
    } catch (e) {
      notes.push({
        item: itemKey(item),
        message: `Cannot edit "${file.path}": ${(e as Error)?.message ?? e}`,
      });
    }
  }
  if (text === start) return undefined;
  text = dropEmptyHeaders(start, text);
  if (crlf) text = text.replaceAll("\n", "\r\n");
  return text === before ? undefined : { path: file.path, content: text };
}

// ---------------------------------------------------------------------------------------------
// Files of their own: custom prompts, agent roles, skills

/** Adds a lossy note about one field of the item at hand. */
type NoteFn = (field: string, message: string) => void;

/** A scope's error: the file, and where the parser stopped when it knows. */
function readError(e: unknown, file: string, scope: string, lineOffset = 0): ReadError {
  const error: ReadError = { file, message: String((e as Error)?.message ?? e), scopes: [scope] };
  if (e instanceof ConfigParseError) {
    error.message = e.reason;
    if (e.line !== undefined) error.line = e.line + lineOffset;
    if (e.column !== undefined) error.column = e.column;
  }
  return error;
}

/** A read error that freezes only one kind of the scope (a broken prompt leaves MCP alone). */
function kindError(e: unknown, file: string, scope: string, ...rest: (number | Kind)[]): ReadError {
  const kind = rest.find((r): r is Kind => typeof r === "string");
  const offset = rest.find((r): r is number => typeof r === "number") ?? 0;
  return { ...readError(e, file, scope, offset), ...(kind ? { kinds: [kind] } : {}) };
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** `rel` resolved against `dir`, with `.` and `..` taken out. */
function resolvePath(dir: string, rel: string): string {
  const parts: string[] = [];
  for (const part of (rel.startsWith("/") ? rel : `${dir}/${rel}`).split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

/**
 * The files below a folder, as paths relative to it. Folders are followed to a fixed depth, so
 * a symlink that points back up cannot make the walk endless.
 */
async function walk(ctx: Context, dir: string, depth = 0): Promise<string[]> {
  const out: string[] = [];
  for (const name of await ctx.files.list(dir)) {
    const st = await ctx.files.stat(`${dir}/${name}`);
    if (st?.isFile) out.push(name);
    else if (st?.isDirectory && depth < 16) {
      out.push(...(await walk(ctx, `${dir}/${name}`, depth + 1)).map((p) => `${name}/${p}`));
    }
  }
  return out;
}

/** An item's value with only this plugin's extras (other clients' extras are not ours). */
function ownValue<T extends { extras?: Record<string, Record<string, unknown>> }>(v: T): T {
  if (!v.extras) return v;
  const { extras, ...rest } = v;
  return (extras[ID] && Object.keys(extras[ID]).length
    ? { ...rest, extras: { [ID]: extras[ID] } }
    : rest) as T;
}

/** Keys that are not mapped, or `undefined` when there are none. */
function extrasOf(table: Table): { [ID]: Table } | undefined {
  return Object.keys(table).length ? { [ID]: table } : undefined;
}

// Custom prompts --------------------------------------------------------------------------------

/**
 * A Codex prompt body in canonical form. Codex numbers arguments from `$1`; the canonical form
 * is Claude Code's `$ARGUMENTS[0]`. `$$` is Codex's escape (kept as it is, by Codex too), and
 * `$ARGUMENTS` and named `$UPPERCASE` placeholders mean the same in both, so they stay.
 */
export function promptBodyFromCodex(text: string): string {
  return text.replace(
    /\$\$|\$([1-9])/g,
    (m, digit?: string) => digit ? `$ARGUMENTS[${Number(digit) - 1}]` : m,
  );
}

/** The named placeholders Codex fills from `KEY=value` arguments (its own rule). */
function namedPlaceholders(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/\$[A-Z][A-Z0-9_]*/g)) {
    if (m.index > 0 && text[m.index - 1] === "$") continue;
    if (m[0] !== "$ARGUMENTS" && !names.includes(m[0])) names.push(m[0]);
  }
  return names;
}

/**
 * A canonical body as a Codex prompt body, noting what Codex will not expand: a position past
 * `$9` (written as `$ARGUMENTS`), a placeholder right after `$$` (Codex's escape), and
 * positional placeholders next to named ones (Codex then fills only the named ones).
 */
export function promptBodyToCodex(body: string, note: NoteFn): string {
  const far: string[] = [], short: string[] = [];
  const out = body.replace(
    /\$\$|\$ARGUMENTS\[(\d+)\]|\$(\d+)/g,
    (m, index?: string, shorthand?: string) => {
      if (m === "$$") return m;
      const n = Number(index ?? shorthand);
      if (n > 8) {
        if (!far.includes(m)) far.push(m);
        return "$ARGUMENTS";
      }
      if (shorthand !== undefined && !short.includes(m)) short.push(m);
      return `$${n + 1}`;
    },
  );
  const list = (xs: string[]) => xs.map((x) => `"${x}"`).join(", ");
  if (far.length) {
    note(
      "body",
      `Codex has positions $1 to $9 only: ${list(far)} became "$ARGUMENTS" (all arguments)`,
    );
  }
  if (short.length) {
    note(
      "body",
      `Codex counts arguments from $1: ${list(short)} was written one higher and reads back ` +
        `as "$ARGUMENTS[N]"`,
    );
  }
  if (/\$\$(ARGUMENTS|\d)/.test(body)) {
    note("body", 'Codex keeps "$$" as it is, so a placeholder right after it is not expanded');
  }
  const named = namedPlaceholders(out);
  if (named.length && /\$ARGUMENTS|\$[1-9]/.test(out)) {
    note(
      "body",
      `Codex fills either named placeholders or positional ones: with ${list(named)} in the ` +
        `prompt, "$ARGUMENTS" and "$1"…"$9" are not expanded`,
    );
  }
  return out;
}

interface Frontmatter {
  /** The opening `---` line, its line end included. */
  open: string;
  text: string;
  /** The closing `---` line, its line end (if any) included. */
  close: string;
}

/**
 * Splits off a leading `---` … `---` block the way Codex does: the first line and a later line
 * that are `---` once trimmed. Without a closing line the whole text is the body.
 */
function splitFrontmatter(text: string): { fm?: Frontmatter; body: string } {
  const nl = text.indexOf("\n");
  if (nl < 0 || text.slice(0, nl).trim() !== "---") return { body: text };
  for (let pos = nl + 1; pos < text.length;) {
    const end = text.indexOf("\n", pos);
    const stop = end < 0 ? text.length : end + 1;
    if (text.slice(pos, end < 0 ? text.length : end).trim() === "---") {
      return {
        fm: {
          open: text.slice(0, nl + 1),
          text: text.slice(nl + 1, pos),
          close: text.slice(pos, stop),
        },
        body: text.slice(stop),
      };
    }
    pos = stop;
  }
  return { body: text };
}

/**
 * The `key: value` lines of a frontmatter block as Codex reads them: it splits each line at the
 * first ":" and strips one pair of quotes around the value (it is not a YAML parser). With
 * `strict`, a line of another shape (indented, no ":") gives `undefined`.
 */
function codexLines(text: string, strict = false): [string, string][] | undefined {
  const out: [string, string][] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    const colon = t.indexOf(":");
    if (
      strict &&
      (colon < 1 || t !== line.trimEnd() || !/^[A-Za-z0-9_-]+\s*$/.test(t.slice(0, colon)))
    ) {
      return undefined;
    }
    if (colon < 0) continue;
    let val = t.slice(colon + 1).trim();
    if (val.length >= 2 && /^(".*"|'.*')$/s.test(val)) val = val.slice(1, -1);
    out.push([t.slice(0, colon).trim(), val]);
  }
  return out;
}

/**
 * YAML escapes in double quotes (`"a \\"b\\""`) are text to Codex's reader, which only strips
 * the quotes: such a line is written single-quoted instead when that reads the same in YAML
 * and in Codex (the value has no `'` and no line break).
 */
function codexQuoted(fm: string, key: string, value: string, path: string): string {
  const line = new RegExp(`^${key}:[ \\t][^\\r\\n]*`, "m");
  const m = line.exec(fm);
  if (!m || new Map(codexLines(m[0])).get(key) === value || /['\r\n]/.test(value)) return fm;
  const out = fm.replace(line, () => `${key}: '${value}'`);
  const data = parseYaml(out, path).toJS() as Table;
  return data[key] === value ? out : fm;
}

/** The description and argument hint Codex shows for a whole prompt file. */
function codexFrontmatter(text: string): { description?: string; argumentHint?: string } {
  const { fm } = splitFrontmatter(text);
  const out: { description?: string; argumentHint?: string } = {};
  for (const [k, v] of (fm && codexLines(fm.text)) ?? []) {
    const key = k.toLowerCase();
    if (key === "description") out.description = v;
    else if (key === "argument-hint" || key === "argument_hint") out.argumentHint = v;
  }
  return out;
}

interface PromptFile {
  path: string;
  name: string;
  text: string;
  fm?: Frontmatter;
  /** False when the frontmatter is not YAML but has the `key: value` lines Codex reads. */
  yaml: boolean;
  /** The body as the file has it (Codex placeholders). */
  body: string;
  /** The frontmatter's keys, the known ones as the text Codex shows. */
  data: Table;
  /** The spelling of the argument hint key the file uses. */
  hintKey: string;
  item: Item & { kind: "command" };
}

const KNOWN_KEYS = ["description", "argument-hint", "argument_hint"];

/**
 * Reads the frontmatter as YAML. Codex itself reads it line by line, and the examples in its
 * docs (`argument-hint: [FILES=<paths>] [PR_TITLE="<title>"]`) are not YAML, or not YAML text
 * (`argument-hint: [file]` is a list): for the keys Codex reads, a value that is not YAML text
 * is taken the way Codex takes it, and a block that is not YAML at all is taken that way when
 * every line has the `key: value` shape. Anything else is an error.
 */
function frontmatterData(fm: Frontmatter, path: string): { data: Table; yaml: boolean } {
  let js: unknown;
  try {
    js = parseYaml(fm.text, path).toJS({ maxAliasCount: 100 });
  } catch (e) {
    const lines = codexLines(fm.text, true);
    if (!lines) throw e;
    return { data: Object.fromEntries(lines), yaml: false };
  }
  if (js !== null && js !== undefined && !isPlain(js)) {
    throw new ConfigParseError(path, "the frontmatter is not a mapping of keys", 1, 1);
  }
  const data: Table = { ...(js as Table | null) };
  const seen = new Map(codexLines(fm.text));
  for (const k of KNOWN_KEYS) {
    if (k in data && typeof data[k] !== "string" && seen.has(k)) data[k] = seen.get(k);
  }
  return { data, yaml: true };
}

function parsePrompt(path: string, name: string, text: string): PromptFile {
  const { fm, body } = splitFrontmatter(text);
  const { data, yaml } = fm ? frontmatterData(fm, path) : { data: {}, yaml: true };
  const cmd: { description?: string; argumentHint?: string; body: string } = {
    body: promptBodyFromCodex(body),
  };
  const extras: Table = {};
  let hintKey = "argument-hint";
  for (const [k, v] of Object.entries(data)) {
    if (k === "description" && typeof v === "string") cmd.description = v;
    else if (k === "argument-hint" && typeof v === "string") {
      cmd.argumentHint = v;
      hintKey = k;
    } else if (
      k === "argument_hint" && typeof v === "string" && typeof data["argument-hint"] !== "string"
    ) {
      cmd.argumentHint = v;
      hintKey = k;
    } else extras[k] = v;
  }
  const ex = extrasOf(extras);
  return {
    path,
    name,
    text,
    fm,
    yaml,
    body,
    data,
    hintKey,
    item: {
      kind: "command",
      scope: "user",
      name,
      value: { ...cmd, ...(ex ? { extras: ex } : {}) },
    },
  };
}

interface Prompts {
  files: PromptFile[];
  errors: ReadError[];
  /** Files that could not be read; never written. */
  broken: Set<string>;
}

/** The `*.md` files at the top of the prompts folder (Codex reads no sub-folders). */
async function readPrompts(ctx: Context, dir: string): Promise<Prompts> {
  const out: Prompts = { files: [], errors: [], broken: new Set() };
  let entries: string[];
  try {
    entries = await ctx.files.list(dir);
  } catch (e) {
    out.errors.push(kindError(e, dir, "user", "command"));
    return out;
  }
  for (const entry of entries) {
    const m = /^(.+)\.md$/i.exec(entry);
    if (!m) continue;
    const path = `${dir}/${entry}`;
    try {
      if (!(await ctx.files.stat(path))?.isFile) continue;
      const text = await ctx.files.read(path);
      if (text === undefined) continue;
      if (out.files.some((f) => f.name === m[1])) {
        throw new Error(`another file already holds the prompt "${m[1]}"`);
      }
      out.files.push(parsePrompt(path, m[1], text));
    } catch (e) {
      // The frontmatter starts on the file's second line.
      out.errors.push(kindError(e, path, "user", 1, "command"));
      out.broken.add(path);
    }
  }
  return out;
}

/**
 * The whole prompt file for a desired command. What the file already says the same way stays
 * as it is (the body's own spelling, frontmatter comments and key order); frontmatter keys are
 * edited one by one.
 */
function renderPrompt(
  cur: PromptFile | undefined,
  item: Item & { kind: "command" },
  path: string,
  note: NoteFn,
): string {
  const v = item.value;
  const body = cur && cur.item.value.body === v.body ? cur.body : promptBodyToCodex(v.body, note);
  const want: Table = {};
  if (v.description !== undefined) want.description = v.description;
  const hintKey = cur?.hintKey ?? "argument-hint";
  if (v.argumentHint !== undefined) want[hintKey] = v.argumentHint;
  for (const [k, x] of Object.entries(v.extras?.[ID] ?? {})) if (!(k in want)) want[k] = x;
  let fm: string | undefined;
  if (cur?.fm && sameValue(cur.data, want)) fm = cur.fm.open + cur.fm.text + cur.fm.close;
  else if (Object.keys(want).length) {
    // Frontmatter that is not YAML is written anew (as YAML Codex reads the same way).
    const have = cur?.yaml ? cur.data : {};
    let text = cur?.yaml && cur.fm ? cur.fm.text : "";
    for (const k of Object.keys(have)) {
      if (!(k in want)) text = editYaml(text, [k], undefined, path);
    }
    for (const [k, x] of Object.entries(want)) {
      if (!sameValue(have[k], x)) {
        text = editYaml(text, [k], x, path);
        if (typeof x === "string" && KNOWN_KEYS.includes(k)) text = codexQuoted(text, k, x, path);
      }
    }
    if (text !== "" && !text.endsWith("\n")) text += "\n";
    fm = (cur?.fm?.open ?? "---\n") + text + (cur?.fm?.close ?? "---\n");
  }
  // A body that itself starts like frontmatter needs an empty block in front of it.
  if (fm === undefined && splitFrontmatter(body).fm) fm = "---\n---\n";
  if (fm !== undefined && !fm.endsWith("\n") && body !== "") fm += "\n";
  const text = (fm ?? "") + body;
  // Only about lines written now: a file's own lines are the user's to word.
  const touched = (k: string) => !cur?.yaml || !sameValue(cur.data[k], want[k]);
  const seen = codexFrontmatter(text);
  if (seen.description !== v.description && touched("description")) {
    note(
      "description",
      "Codex reads this description differently (its frontmatter reader is not YAML)",
    );
  }
  if (seen.argumentHint !== v.argumentHint && touched(hintKey)) {
    note(
      "argumentHint",
      "Codex reads this argument hint differently (its frontmatter reader is not YAML)",
    );
  }
  return text;
}

function planPrompts(
  prompts: Prompts,
  dir: string,
  desired: (Item & { kind: "command" })[],
  notes: Note[],
): PlannedWrite[] {
  const writes: PlannedWrite[] = [];
  const byName = new Map(prompts.files.map((f) => [f.name, f]));
  const wanted = new Set<string>();
  for (const item of desired) {
    const note: NoteFn = (field, message) => notes.push({ item: itemKey(item), field, message });
    const cur = byName.get(item.name);
    // A file already named "a:b.md" is a prompt Codex lists as "a:b"; a new one would not be
    // read as a namespace by Codex, so it is not created.
    if (!cur && item.name.includes(":")) {
      notes.push({
        item: itemKey(item),
        message: `Codex prompts have no namespaces (sub-folders are not read); "${item.name}" ` +
          "was not written",
      });
      continue;
    }
    if (!isFileName(item.name)) {
      notes.push({
        item: itemKey(item),
        message: `"${item.name}" cannot be a file name; the prompt was not written`,
      });
      continue;
    }
    wanted.add(item.name);
    const path = cur?.path ?? `${dir}/${item.name}.md`;
    if (prompts.broken.has(path)) continue; // read reports it; never write over it
    if (cur && sameValue(cur.item.value, ownValue(item.value))) continue;
    try {
      const text = renderPrompt(cur, item, path, note);
      if (text !== cur?.text) writes.push({ path, content: text });
    } catch (e) {
      notes.push({
        item: itemKey(item),
        message: `Cannot edit "${path}": ${(e as Error)?.message ?? e}`,
      });
    }
  }
  for (const f of prompts.files) {
    if (!wanted.has(f.name)) writes.push({ path: f.path, content: null });
  }
  return writes;
}

// Agent roles -----------------------------------------------------------------------------------

/** Model names only Claude Code runs; Codex would fail to start such an agent. */
const CLAUDE_MODEL = /^(inherit|default|sonnet|opus|haiku|fable|opusplan)(\[1m\])?$|^claude-/i;

interface AgentFile {
  path: string;
  text: string;
  data: Table;
  item: Item & { kind: "subagent" };
}

interface Agents {
  files: AgentFile[];
  errors: ReadError[];
  /** Files that could not be read or are not agent roles; never written. */
  taken: Set<string>;
}

/** Agent files that `[agents.<name>] config_file` declares: Codex loads them as that role. */
function declaredAgentFiles(config: ConfigFile): Set<string> {
  const out = new Set<string>();
  const agents = config.data?.agents;
  if (!isPlain(agents)) return out;
  for (const role of Object.values(agents)) {
    if (isPlain(role) && typeof role.config_file === "string") {
      out.add(resolvePath(dirname(config.path), role.config_file));
    }
  }
  return out;
}

/**
 * Every `*.toml` below the agents folder (Codex searches sub-folders too). A role is named by
 * its `name` key, not by its file; Codex needs `name` and `developer_instructions`.
 */
async function readAgents(
  ctx: Context,
  dir: string,
  scope: string,
  declared: Set<string>,
): Promise<Agents> {
  const out: Agents = { files: [], errors: [], taken: new Set() };
  let rels: string[];
  try {
    rels = await walk(ctx, dir);
  } catch (e) {
    out.errors.push(kindError(e, dir, scope, "subagent"));
    return out;
  }
  const paths = rels.filter((r) => r.endsWith(".toml")).map((r) => `${dir}/${r}`).sort();
  for (const path of paths) {
    if (declared.has(path)) {
      out.taken.add(path); // config.toml manages it; not ours to read or write
      continue;
    }
    try {
      const text = await ctx.files.read(path);
      if (text === undefined) continue;
      const data = parseToml(text, path);
      if (typeof data.name !== "string" || data.name.trim() === "") {
        throw new Error("an agent file must set a non-empty `name`");
      }
      if (typeof data.developer_instructions !== "string") {
        throw new Error("an agent file must set `developer_instructions`");
      }
      const name = data.name.trim();
      if (out.files.some((f) => f.item.name === name)) {
        throw new Error(`another file already defines the agent "${name}"`);
      }
      const value: { description?: string; model?: string; body: string } = {
        body: data.developer_instructions,
      };
      const extras: Table = {};
      for (const [k, v] of Object.entries(data)) {
        if (k === "name" || k === "developer_instructions") continue;
        if (k === "description" && typeof v === "string") value.description = v;
        else if (k === "model" && typeof v === "string") value.model = v;
        else extras[k] = v;
      }
      const ex = extrasOf(extras);
      out.files.push({
        path,
        text,
        data,
        item: { kind: "subagent", scope, name, value: { ...value, ...(ex ? { extras: ex } : {}) } },
      });
    } catch (e) {
      out.errors.push(kindError(e, path, scope, "subagent"));
      out.taken.add(path);
    }
  }
  return out;
}

const ROOT = "__aisync_root__";

/**
 * Sets (or removes) a top-level key of a TOML file. toml_edit cannot address a top-level key
 * by itself (`Key Error: path key is empty`), so the file's root table is given a temporary
 * header for the edit; tables are edited through their own keys.
 */
function editTop(text: string, key: string, value: unknown): string {
  const cur = parseToml(text, "agent")[key];
  if (isPlain(cur) && isPlain(value)) return editToml(text, [key], value);
  if (isPlain(cur) || isPlain(value)) {
    let out = text;
    if (isPlain(cur)) {
      for (const k of Object.keys(cur)) out = editToml(out, [key, k], undefined);
    } else if (cur !== undefined) out = editTop(out, key, undefined);
    if (isPlain(value)) {
      for (const [k, v] of Object.entries(value)) out = editToml(out, [key, k], v);
    }
    return out;
  }
  const head = `[${ROOT}]` + (isCrlf(text) ? "\r\n" : "\n");
  const out = editToml(head + text, [ROOT, key], value);
  if (!out.startsWith(head)) throw new Error(`toml_edit moved the root of the file`);
  return out.slice(head.length);
}

/** The top-level keys of a new agent file, in the order people write them. */
function agentFileFrom(data: Table): string {
  const order = ["name", "description", "model"];
  const keys = [
    ...order.filter((k) => k in data),
    ...Object.keys(data).filter((k) =>
      !order.includes(k) && k !== "developer_instructions" &&
      !isPlain(data[k])
    ),
    ...("developer_instructions" in data ? ["developer_instructions"] : []),
    ...Object.keys(data).filter((k) => !order.includes(k) && isPlain(data[k])),
  ];
  let text = "";
  for (const k of keys) text = editTop(text, k, data[k]);
  return text;
}

/**
 * The whole agent file for a desired subagent. An existing file is edited key by key, so its
 * comments and the keys it keeps stay; the result is checked by parsing it, and rebuilt from
 * the data when an edit cannot be made in place.
 */
function renderAgent(
  cur: AgentFile | undefined,
  item: Item & { kind: "subagent" },
  note: NoteFn,
): string {
  const v = item.value;
  if (v.tools?.length) {
    note("tools", "Codex agents have no tool list (only sandbox_mode); tools were left out");
  }
  let model = v.model;
  if (model !== undefined && CLAUDE_MODEL.test(model)) {
    note(
      "model",
      model === "inherit"
        ? 'Codex has no "inherit": an agent without a model uses the session\'s; model was left out'
        : `Codex cannot run the Claude model "${model}"; model was left out (the session's is used)`,
    );
    model = undefined;
  }
  if (v.description === undefined) {
    note("description", "Codex ignores an agent without a description until it has one");
  }
  if (v.body.trim() === "") {
    note("body", "Codex ignores an agent whose developer_instructions are blank");
  }
  const want: Table = {};
  if (v.description !== undefined) want.description = v.description;
  if (model !== undefined) want.model = model;
  want.developer_instructions = v.body;
  for (const [k, x] of Object.entries(v.extras?.[ID] ?? {})) {
    if (!(k in want) && k !== "name") want[k] = x;
  }
  if (!cur) return agentFileFrom({ name: item.name, ...want });

  const have = cur.data;
  const expected: Table = { name: have.name, ...want };
  let text = cur.text;
  try {
    for (const k of Object.keys(have)) {
      if (k !== "name" && !(k in want)) text = editTop(text, k, undefined);
    }
    for (const [k, x] of Object.entries(want)) {
      if (!sameValue(have[k], x)) text = editTop(text, k, x);
    }
    if (sameValue(parseToml(text, cur.path), expected)) return text;
  } catch {
    // rebuilt below
  }
  return agentFileFrom(expected);
}

async function planAgents(
  ctx: Context,
  agents: Agents,
  dir: string,
  desired: (Item & { kind: "subagent" })[],
  notes: Note[],
): Promise<PlannedWrite[]> {
  const writes = new Map<string, PlannedWrite>();
  const byName = new Map(agents.files.map((f) => [f.item.name, f]));
  const wanted = new Set(desired.map((i) => i.name));
  for (const f of agents.files) {
    if (!wanted.has(f.item.name)) writes.set(f.path, { path: f.path, content: null });
  }
  for (const item of desired) {
    const note: NoteFn = (field, message) => notes.push({ item: itemKey(item), field, message });
    const cur = byName.get(item.name);
    if (!cur && (!isFileName(item.name) || item.name.trim() !== item.name)) {
      notes.push({
        item: itemKey(item),
        message: `"${item.name}" cannot be an agent file name; the agent was not written`,
      });
      continue;
    }
    const path = cur?.path ?? `${dir}/${item.name}.toml`;
    // A file there that holds another agent is free only when that agent goes.
    const taken = agents.taken.has(path) ||
      (!writes.has(path) && (await ctx.files.stat(path)) !== undefined);
    if (!cur && taken) {
      notes.push({
        item: itemKey(item),
        message: `"${path}" already holds something else; the agent was not written`,
      });
      continue;
    }
    if (cur && sameValue(cur.item.value, ownValue(item.value))) continue;
    try {
      const text = renderAgent(cur, item, note);
      if (text !== cur?.text) writes.set(path, { path, content: text });
    } catch (e) {
      notes.push({
        item: itemKey(item),
        message: `Cannot edit "${path}": ${(e as Error)?.message ?? e}`,
      });
    }
  }
  return [...writes.values()];
}

// Skills ----------------------------------------------------------------------------------------

/**
 * `~/.agents/skills/` and `{project}/.agents/skills/`, byte for byte, shared with Rovo Dev, Gemini
 * CLI, Amp, Zed and Antigravity CLI: every plugin plans the same bytes and modes for them.
 */
const SKILL_RULES: SkillRules = { client: "Codex" };

export default definePlugin({
  async detect(ctx) {
    for (const path of [ctx.paths.config, ctx.paths.instructions]) {
      try {
        if ((await ctx.files.read(path)) !== undefined) return { installed: true };
      } catch {
        // Unreadable still means something is there.
        return { installed: true };
      }
    }
    return { installed: false };
  },

  async read(ctx) {
    const items: Item[] = [];
    const errors: ReadError[] = [];
    let projects: string[] = [];
    for (const { scope, paths } of scopesOf(ctx)) {
      const file = await loadConfig(ctx, paths.config, scope);
      if (file.error) errors.push(file.error);
      else if (file.data) {
        items.push(...readServers(file.data, scope));
        if (scope === "user") projects = trustedProjects(file.data);
      }
      try {
        items.push(...await readInstructions(ctx, paths.instructions, scope));
      } catch (e) {
        errors.push(kindError(e, paths.instructions, scope, "instructions"));
      }
      if (scope === "user" && paths.prompts) {
        const prompts = await readPrompts(ctx, paths.prompts);
        items.push(...prompts.files.map((f) => f.item));
        errors.push(...prompts.errors);
      }
      if (paths.agents) {
        const agents = await readAgents(ctx, paths.agents, scope, declaredAgentFiles(file));
        items.push(...agents.files.map((f) => f.item));
        errors.push(...agents.errors);
      }
      if (paths.skills) {
        const skills = await readSkills(ctx, paths.skills, scope, SKILL_RULES);
        items.push(...skillItems(skills));
        errors.push(...skills.errors);
      }
    }
    return {
      items,
      ...(projects.length ? { projects } : {}),
      ...(errors.length ? { errors } : {}),
    };
  },

  async plan(desired, ctx) {
    const writes: PlannedWrite[] = [];
    const notes: Note[] = [];
    for (const { scope, paths } of scopesOf(ctx)) {
      const mine = desired.items.filter((i) => i.scope === scope);
      const servers = mine.filter((i): i is Item & { kind: "mcp" } => i.kind === "mcp");
      const config = await loadConfig(ctx, paths.config, scope);
      const write = planConfig(config, servers, notes);
      // A new config.toml gets the mode Codex gives it: it holds tokens and headers.
      if (write) writes.push(config.text === undefined ? { ...write, mode: 0o600 } : write);

      const commands = mine.filter((i): i is Item & { kind: "command" } => i.kind === "command");
      if (scope === "user" && paths.prompts) {
        const prompts = await readPrompts(ctx, paths.prompts);
        writes.push(...planPrompts(prompts, paths.prompts, commands, notes));
      } else {
        for (const item of commands) {
          notes.push({
            item: itemKey(item),
            message: "Codex has custom prompts for the user only (~/.codex/prompts); " +
              "the project's command was not written",
          });
        }
      }
      if (paths.agents) {
        const agents = await readAgents(ctx, paths.agents, scope, declaredAgentFiles(config));
        const subagents = mine.filter((i): i is Item & { kind: "subagent" } =>
          i.kind === "subagent"
        );
        writes.push(...await planAgents(ctx, agents, paths.agents, subagents, notes));
      }
      if (paths.skills) {
        const skills = await readSkills(ctx, paths.skills, scope, SKILL_RULES);
        const wanted = mine.filter((i): i is Item & { kind: "skill" } => i.kind === "skill");
        writes.push(...await planSkills(ctx, skills, wanted, notes, SKILL_RULES));
      }

      const docs = mine.filter((i) => i.kind === "instructions");
      for (const extra of docs.filter((i) => i.name !== "main")) {
        notes.push({
          item: itemKey(extra),
          message: 'Codex keeps one AGENTS.md per scope; only the item "main" is written',
        });
      }
      const doc = docs.find((i) => i.name === "main");
      try {
        const write = await planInstructions(ctx, paths.instructions, doc);
        if (write) writes.push(write);
      } catch {
        // read reports it; never write over a file that could not be read
      }
    }
    return { writes, notes };
  },
});
