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
 * @module
 */
import {
  ConfigParseError,
  type Context,
  definePlugin,
  editToml,
  envRefs,
  type Item,
  itemKey,
  type McpServer,
  type Note,
  parseToml,
  type PlannedWrite,
  type ReadError,
  sameValue,
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

function isPlain(v: unknown): v is Table {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === "string");
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
          out.args = val;
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

/** The value with only this plugin's extras (other clients' extras are not ours to write). */
function ownExtras(v: McpServer): McpServer {
  if (!v.extras) return v;
  const { extras, ...rest } = v;
  return extras[ID] && Object.keys(extras[ID]).length
    ? { ...rest, extras: { [ID]: extras[ID] } }
    : rest;
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
    if (was && sameValue(was, ownExtras(item.value))) continue;
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
        const text = await ctx.files.read(paths.instructions);
        if (text !== undefined) {
          items.push({ kind: "instructions", scope, name: "main", value: { text } });
        }
      } catch (e) {
        errors.push({
          file: paths.instructions,
          message: String((e as Error)?.message ?? e),
          scopes: [scope],
        });
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
      const write = planConfig(await loadConfig(ctx, paths.config, scope), servers, notes);
      if (write) writes.push(write);

      const docs = mine.filter((i) => i.kind === "instructions");
      for (const extra of docs.filter((i) => i.name !== "main")) {
        notes.push({
          item: itemKey(extra),
          message: 'Codex keeps one AGENTS.md per scope; only the item "main" is written',
        });
      }
      const doc = docs.find((i) => i.name === "main");
      let current: string | undefined;
      try {
        current = await ctx.files.read(paths.instructions);
      } catch {
        continue; // read reports it; never write over a file that could not be read
      }
      if (doc?.kind === "instructions") {
        if (current !== doc.value.text) {
          writes.push({ path: paths.instructions, content: doc.value.text });
        }
      } else if (current !== undefined) writes.push({ path: paths.instructions, content: null });
    }
    return { writes, notes };
  },
});
