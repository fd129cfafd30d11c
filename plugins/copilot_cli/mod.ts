/**
 * GitHub Copilot CLI: MCP servers in `mcp-config.json` (user) and `.github/mcp.json` (project),
 * their on/off state in `settings.json`, and the `copilot-instructions.md` files.
 *
 * What this plugin relies on, checked with Copilot CLI 1.0.102 (`copilot mcp add|list|get|
 * disable --json` with `HOME` in a temp folder) and its bundled sources:
 *
 * - The user file is `$COPILOT_HOME/mcp-config.json` (default `~/.copilot`), JSONC (comments and
 *   trailing commas are fine) with a required `mcpServers` object: without it Copilot stops with
 *   `mcpServers: Required`. `$XDG_CONFIG_HOME/.copilot` is only migrated from, once.
 * - The workspace file `.github/mcp.json` is strict JSON (a comment makes Copilot skip it), with
 *   `mcpServers` or, Claude style, the servers at the top level. Copilot reads it only in trusted
 *   folders (`trusted_folders` of `config.json`), and not at all when `.mcp.json` exists (the
 *   first of the two wins).
 * - `copilot mcp add` writes `tools: ["*"]`, `type: local|http|sse`, `command` + `args` (always,
 *   `[]` when empty) + `env`, or `url` + `headers`. No `type` means `local` with a `command`,
 *   `http` with a `url`; `stdio` and `streamable-http` are accepted spellings.
 * - `copilot mcp disable <name>` adds the name to `disabledMcpServers` of `settings.json`, which
 *   turns off every server of that name, user or workspace; `enabled`/`disabled` keys inside an
 *   entry are ignored.
 * - `tools` is the allow-list (`["*"]` all, `[]` none), `excludeTools` the deny-list, `timeout`
 *   one timeout in milliseconds, `oauthClientId` + `oauthScopes` and `auth.redirectPort` the OAuth
 *   client (a nested `oauth` object is deprecated and kept as it is).
 * - Server names with `}` or control characters, blank names and names that start or end with
 *   `/` or hold `//` are skipped by Copilot.
 * - Strings are copied unchanged both ways: Copilot reads Claude's `.mcp.json` with its
 *   `${VAR}` / `${VAR:-default}` references (the expansion itself happens only when a signed-in
 *   session starts a server, so it could not be observed offline).
 * - Custom agents are `*.agent.md` / `*.md` files in `$COPILOT_HOME/agents` and
 *   `.github/agents`, skills are folders in `$COPILOT_HOME/skills` and `.github/skills`
 *   (`copilot --agent <unknown>` lists the agents it loaded, `copilot skill list --json` the
 *   skills). VS Code reads the same folders: `core/github_agents.ts` (through the contract) holds the mapping both plugins
 *   use. Copilot CLI has no commands folder of its own (it reads Claude Code's
 *   `.claude/commands`), so there is no command kind here.
 *
 * @module
 */
import {
  type Context,
  definePlugin,
  editJson,
  findNodeAtLocation,
  type FolderItem,
  isPlain,
  isStringRecord,
  isStrings,
  type Item,
  itemKey,
  type Json,
  type JsonFile,
  lineCol,
  loadJsonFile,
  type McpServer,
  type Note,
  parseTree,
  planInstructions,
  type PlannedWrite,
  planSkills,
  put,
  type ReadError,
  readInstructions,
  type ReadResult,
  readSkills,
  sameValue,
  skillItems,
  type SkillScope,
  validItem,
} from "../_contract.ts";
import {
  githubAgentItems as agentItems,
  type GithubAgentScope as AgentScope,
  githubSkillRules as skillRules,
  planGithubAgents as planAgents,
  readGithubAgents as readAgents,
} from "../_contract.ts";

const ID = "copilot_cli";
const CLIENT = "Copilot CLI";
const SKILLS = skillRules(CLIENT);

type Transport = McpServer["transport"];
type OAuth = NonNullable<McpServer["oauth"]>;
type McpItem = Extract<Item, { kind: "mcp" }>;

/** The MCP servers of one scope: one file, and where its servers live inside it. */
interface ScopeFile {
  scope: string;
  file: JsonFile;
  /** `["mcpServers"]`, or `[]` for a workspace file that lists the servers at the top level. */
  container: string[];
  servers: Json;
  /** Notes every server of this scope gets (the file has no effect in Copilot). */
  caveat?: string;
}

interface Layout {
  scopes: ScopeFile[];
  settings: JsonFile;
  /** The names in `disabledMcpServers`. */
  disabled: string[];
  /** `disabledMcpServers` as the file has it. */
  disabledRaw: unknown[];
  projects: string[];
  errors: ReadError[];
}

/** The Copilot CLI plugin: `detect`, `read` and `plan` over the files above. */
export default definePlugin({
  async detect(ctx) {
    for (const path of [ctx.paths.mcp, ctx.paths.config, ctx.paths.instructions]) {
      if ((await ctx.files.read(path)) !== undefined) return { installed: true };
    }
    return { installed: false };
  },

  async read(ctx) {
    const layout = await load(ctx);
    const off = new Set(layout.disabled);
    const items: Item[] = [];
    for (const s of layout.scopes) {
      for (const [name, raw] of Object.entries(s.servers)) {
        const value = toCanonical(raw, s.scope, name);
        if (!value) continue;
        if (off.has(name)) value.enabled = false;
        items.push({ kind: "mcp", scope: s.scope, name, value });
      }
    }
    for (const [scope, path] of instructionPaths(ctx)) {
      items.push(...await readInstructions(ctx, path, scope));
    }
    const errors = [...layout.errors];
    for (const f of await loadFolders(ctx)) {
      items.push(...agentItems(f.agents), ...skillItems(f.skills));
      errors.push(...f.agents.folder.errors, ...f.skills.errors);
    }
    const result: ReadResult = { items, projects: layout.projects };
    if (errors.length) result.errors = errors;
    return result;
  },

  async plan(desired, ctx) {
    const layout = await load(ctx);
    const notes: Note[] = [];
    const writes: PlannedWrite[] = [];
    const mine = desired.items.filter((i): i is McpItem => i.kind === "mcp");
    for (const s of layout.scopes) {
      const wanted = mine.filter((i) => i.scope === s.scope);
      for (const item of wanted) {
        notes.push(...lossyNotes(item));
        if (s.caveat) notes.push({ item: itemKey(item), message: s.caveat });
      }
      if (s.file.error) continue;
      planScope(s, wanted, notes);
      const f = s.file;
      if (f.next !== undefined && f.next !== f.text) writes.push({ path: f.path, content: f.next });
    }
    const settings = planDisabled(layout, mine, notes);
    if (settings !== undefined) writes.push({ path: layout.settings.path, content: settings });
    for (const [scope, path] of instructionPaths(ctx)) {
      const item = desired.items.find((i) =>
        i.kind === "instructions" && i.scope === scope && i.name === "main"
      );
      const memoryWrite = await planInstructions(ctx, path, item);
      if (memoryWrite) writes.push(memoryWrite);
    }
    for (const f of await loadFolders(ctx)) {
      const agents = desired.items.filter((i): i is FolderItem =>
        i.kind === "subagent" && i.scope === f.scope
      );
      for (const item of agents) {
        if (item.value.description === undefined) {
          notes.push({
            item: itemKey(item),
            field: "description",
            message: "Copilot CLI skips a custom agent without a description; it is written, " +
              "but Copilot CLI does not load it",
          });
        }
      }
      writes.push(...planAgents(f.agents, agents, notes));
      const skills = desired.items.filter((i): i is Extract<Item, { kind: "skill" }> =>
        i.kind === "skill" && i.scope === f.scope
      );
      writes.push(...await planSkills(ctx, f.skills, skills, notes, SKILLS));
    }
    return { writes, notes };
  },
});

/** The agents and skills folders of one scope. */
interface Folders {
  scope: string;
  agents: AgentScope;
  skills: SkillScope;
}

/** Reads the agents and skills folders of every scope. */
async function loadFolders(ctx: Context): Promise<Folders[]> {
  const out: Folders[] = [];
  const scopes: [string, Record<string, string>][] = [
    ["user", ctx.paths],
    ...ctx.projects.map((p): [string, Record<string, string>] => [`project:${p.root}`, p.paths]),
  ];
  for (const [scope, paths] of scopes) {
    out.push({
      scope,
      agents: await readAgents(ctx, paths.agents, scope, ID, CLIENT),
      skills: await readSkills(ctx, paths.skills, scope, SKILLS),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Files

async function load(ctx: Context): Promise<Layout> {
  const errors: ReadError[] = [];
  const all = ["user", ...ctx.projects.map((p) => `project:${p.root}`)];
  const scopes: ScopeFile[] = [];

  const user = await loadJsonFile(ctx, ctx.paths.mcp, ["user"], { comments: true, bom: true });
  scopes.push(scopeOf("user", user, true, errors));

  const config = await loadJsonFile(ctx, ctx.paths.config, [], { comments: true, bom: true });
  // config.json is Copilot's own state (trust, sign-in); a broken one only hides the trust list.
  const trusted = isStrings(config.data?.trusted_folders)
    ? config.data.trusted_folders.filter((p) => p.startsWith("/") || /^[A-Za-z]:[\\/]/.test(p))
    : [];

  for (const p of ctx.projects) {
    const scope = `project:${p.root}`;
    const file = await loadJsonFile(ctx, p.paths.mcp, [scope], { comments: false, bom: true });
    const s = scopeOf(scope, file, false, errors);
    if ((await ctx.files.read(p.paths.root_mcp)) !== undefined) {
      s.caveat = `Copilot CLI reads ${p.paths.root_mcp} instead of ${p.paths.mcp} when both ` +
        "exist: the server is written, but Copilot CLI ignores it while .mcp.json is there";
    } else if (!trusted.some((t) => inside(p.root, t))) {
      s.caveat = `Copilot CLI reads ${p.paths.mcp} only in trusted folders and ${p.root} is not ` +
        "one (trust it when Copilot CLI asks): the server is written, but not used until then";
    }
    scopes.push(s);
  }

  const settings = await loadJsonFile(ctx, ctx.paths.settings, all, { comments: true, bom: true });
  let disabledRaw: unknown[] = [];
  if (settings.error) errors.push(settings.error);
  else if (settings.data && settings.data.disabledMcpServers !== undefined) {
    const list = settings.data.disabledMcpServers;
    if (Array.isArray(list)) disabledRaw = list;
    else {
      settings.error = shapeError(settings, ["disabledMcpServers"], "must be a list", all);
      errors.push(settings.error);
    }
  }
  const projects = [...new Set(trusted.map((t) => t.replace(/([^/\\])[/\\]+$/, "$1")))];
  const disabled = disabledRaw.filter((n): n is string => typeof n === "string");
  return { scopes, settings, disabled, disabledRaw, projects, errors };
}

/** Where the servers of a file are; a file Copilot refuses is an error of its scope. */
function scopeOf(scope: string, file: JsonFile, user: boolean, errors: ReadError[]): ScopeFile {
  const s: ScopeFile = { scope, file, container: ["mcpServers"], servers: {} };
  if (file.error) {
    errors.push(file.error);
    return s;
  }
  const data = file.data;
  if (!data) return s;
  const servers = data.mcpServers;
  if (isPlain(servers)) s.servers = servers;
  else if (servers !== undefined) {
    file.error = shapeError(file, ["mcpServers"], "must be an object", [scope]);
  } else if (!user && Object.values(data).every(isPlain) && Object.keys(data).length) {
    // Claude style, without the wrapper (Copilot CLI 0.0.401 and later).
    s.container = [];
    s.servers = data;
  } else if (user || Object.keys(data).length) {
    file.error = shapeError(file, [], 'needs an "mcpServers" object', [scope]);
  }
  if (file.error) errors.push(file.error);
  return s;
}

function shapeError(file: JsonFile, path: string[], reason: string, scopes: string[]): ReadError {
  const where = path.length ? `"${path.join(".")}" ` : "it ";
  const error: ReadError = {
    file: file.path,
    message: `Cannot read "${file.path}": ${where}${reason}`,
    scopes,
  };
  const tree = parseTree(file.text!, [], { allowTrailingComma: true });
  const node = tree && findNodeAtLocation(tree, path);
  [error.line, error.column] = lineCol(file.text!, node?.offset ?? 0);
  return error;
}

function instructionPaths(ctx: Context): [string, string][] {
  return [
    ["user", ctx.paths.instructions],
    ...ctx.projects.map((p): [string, string] => [`project:${p.root}`, p.paths.instructions]),
  ];
}

function inside(path: string, folder: string): boolean {
  const f = folder.replace(/([^/\\])[/\\]+$/, "$1");
  return path === f || path.startsWith(f.endsWith("/") ? f : f + "/");
}

// ---------------------------------------------------------------------------------------------
// Planning

function planScope(s: ScopeFile, wanted: McpItem[], notes: Note[]) {
  const f = s.file;
  const want = new Map(wanted.map((i) => [i.name, i]));
  for (const [name, raw] of Object.entries(s.servers)) {
    const item = want.get(name);
    const have = toCanonical(raw, s.scope, name);
    if (!have) {
      // Never read, so never reported: leave it exactly as it is.
      if (item) {
        notes.push({
          item: itemKey(item),
          message: "Copilot CLI already has an entry of this name that aisync cannot map (or " +
            "Copilot skips); it was left unchanged",
        });
      }
      continue;
    }
    if (!item) f.next = editJson(f.next!, [...s.container, name], undefined);
    else if (!sameValue(own(have), own(item.value))) {
      f.next = editJson(f.next!, [...s.container, name], toNative(item.value, raw));
    }
  }
  const fresh: Json = {};
  for (const item of wanted) {
    if (Object.hasOwn(s.servers, item.name)) continue;
    if (!validName(item.name)) {
      notes.push({
        item: itemKey(item),
        field: "name",
        message: 'Copilot CLI skips server names that are blank, hold "}", control characters ' +
          'or "//", or start or end with "/"; the server is not written',
      });
      continue;
    }
    if (f.next === undefined) put(fresh, item.name, toNative(item.value));
    else f.next = editJson(f.next, [...s.container, item.name], toNative(item.value));
  }
  if (f.next === undefined && Object.keys(fresh).length) {
    f.next = JSON.stringify({ mcpServers: fresh }, null, 2) + "\n";
  }
}

/**
 * `disabledMcpServers` of settings.json: the names of the servers that should be off. Names
 * aisync does not know (built-in servers, plugins, `.mcp.json`) stay as they are.
 */
function planDisabled(layout: Layout, wanted: McpItem[], notes: Note[]): string | undefined {
  const settings = layout.settings;
  if (settings.error) return undefined;
  const ours = new Set<string>();
  for (const s of layout.scopes) {
    if (s.file.error) continue;
    for (const [name, raw] of Object.entries(s.servers)) {
      if (toCanonical(raw, s.scope, name)) ours.add(name);
    }
  }
  const frozen = new Set(layout.scopes.filter((s) => s.file.error).map((s) => s.scope));
  const live = wanted.filter((i) => !frozen.has(i.scope));
  const off = new Set(live.filter((i) => i.value.enabled === false).map((i) => i.name));
  for (const item of live) {
    ours.add(item.name);
    if (item.value.enabled !== false && off.has(item.name)) {
      notes.push({
        item: itemKey(item),
        field: "enabled",
        message: "Copilot CLI turns servers off by name for every scope (disabledMcpServers in " +
          "settings.json); another server of this name is off, so this one is off too",
      });
    }
  }
  // Entries that are not names (hand edits) stay where they are.
  const before = layout.disabledRaw;
  const after = before.filter((n) => typeof n !== "string" || !ours.has(n) || off.has(n));
  for (const n of off) if (!after.includes(n)) after.push(n);
  if (sameValue(before, after)) return undefined;
  if (settings.text === undefined) {
    return JSON.stringify({ disabledMcpServers: after }, null, 2) + "\n";
  }
  return editJson(settings.text, ["disabledMcpServers"], after);
}

/** What of a value decides the entry: other clients' extras and `enabled` do not. */
function own(v: McpServer): McpServer {
  const { extras, enabled: _enabled, ...rest } = v;
  return extras?.[ID] ? { ...rest, extras: { [ID]: extras[ID] } } : rest;
}

/** What Copilot CLI cannot express of a server, as lossy notes. */
function lossyNotes(item: McpItem): Note[] {
  const v = item.value;
  const key = itemKey(item);
  const notes: Note[] = [];
  const note = (field: string, message: string) => notes.push({ item: key, field, message });
  if (v.startupTimeoutMs !== undefined) {
    note(
      "startupTimeoutMs",
      "Copilot CLI has one timeout per server (written from toolTimeoutMs); startupTimeoutMs " +
        "is not written",
    );
  }
  if (v.tools?.allow?.length === 1 && v.tools.allow[0] === "*") {
    note("tools.allow", 'Copilot CLI reads the allow-list ["*"] as "every tool", not as a list');
  }
  const unused = v.transport === "stdio"
    ? (["url", "headers", "oauth"] as const)
    : (["command", "args", "env", "cwd"] as const);
  for (const field of unused) {
    if (v[field] !== undefined) {
      note(field, `Copilot CLI has no ${field} for ${v.transport} servers; it is not written`);
    }
  }
  if (v.transport !== "stdio" && v.oauth) {
    if (v.oauth.authServerMetadataUrl !== undefined) {
      note(
        "oauth.authServerMetadataUrl",
        "Copilot CLI discovers the authorization server itself; authServerMetadataUrl is not " +
          "written",
      );
    }
    if (v.oauth.resource !== undefined) {
      note("oauth.resource", "Copilot CLI has no OAuth resource setting; it is not written");
    }
    if (v.oauth.scopes !== undefined && v.oauth.clientId === undefined) {
      note(
        "oauth.scopes",
        "Copilot CLI accepts oauthScopes only with an oauthClientId; the scopes are not written",
      );
    }
    if (v.oauth.scopes?.length === 0 && v.oauth.clientId !== undefined) {
      note("oauth.scopes", "Copilot CLI refuses an empty oauthScopes list; it is not written");
    }
  }
  return notes;
}

// ---------------------------------------------------------------------------------------------
// Entry mapping

/** Copilot's transport of an entry: no `type` is local with a command, http with a url. */
function transportOf(raw: Json): Transport | undefined {
  const t = raw.type;
  if (t === undefined) {
    if (typeof raw.command === "string") return "stdio";
    return typeof raw.url === "string" ? "http" : undefined;
  }
  if (t === "local" || t === "stdio") return "stdio";
  if (t === "http" || t === "streamable-http") return "http";
  return t === "sse" ? "sse" : undefined;
}

/** A native entry to a canonical server, or `undefined` when it cannot be mapped. */
function toCanonical(raw: unknown, scope: string, name: string): McpServer | undefined {
  if (!isPlain(raw) || !validName(name)) return undefined;
  const transport = transportOf(raw);
  if (!transport) return undefined;
  const stdio = transport === "stdio";
  const v: McpServer = { transport };
  const extra: Json = {};
  const oauth: OAuth = {};
  for (const [k, x] of Object.entries(raw)) {
    if (k === "type") continue;
    if (stdio && k === "command" && typeof x === "string" && x !== "") v.command = x;
    else if (stdio && k === "args" && isStrings(x)) {
      if (x.length) v.args = x;
    } else if (stdio && k === "env" && isStringRecord(x)) {
      if (Object.keys(x).length) v.env = x;
    } else if (stdio && k === "cwd" && typeof x === "string") v.cwd = x;
    else if (!stdio && k === "url" && typeof x === "string" && x !== "") v.url = x;
    else if (!stdio && k === "headers" && isStringRecord(x)) {
      if (Object.keys(x).length) v.headers = x;
    } else if (k === "tools" && isStrings(x)) {
      if (!isAllTools(x)) v.tools = { ...v.tools, allow: x };
    } else if (k === "excludeTools" && isStrings(x)) v.tools = { ...v.tools, deny: x };
    else if (k === "timeout" && typeof x === "number" && Number.isFinite(x) && x >= 0) {
      v.toolTimeoutMs = x;
    } else if (!stdio && k === "oauthClientId" && typeof x === "string") oauth.clientId = x;
    else if (!stdio && k === "oauthScopes" && isStrings(x) && x.length) oauth.scopes = x;
    else if (!stdio && k === "auth" && isPlain(x) && isPort(x.redirectPort)) {
      oauth.callbackPort = x.redirectPort;
      const { redirectPort: _, ...rest } = x;
      if (Object.keys(rest).length) extra.auth = rest;
    } else {
      // deferTools, filterMapping, the legacy oauth object, description, anything newer.
      extra[k] = x;
    }
  }
  if (Object.keys(oauth).length) v.oauth = oauth;
  if (Object.keys(extra).length) v.extras = { [ID]: extra };
  const item = { kind: "mcp" as const, scope, name, value: v };
  return validItem(item) ? v : undefined;
}

/**
 * A canonical server to a native entry, the way `copilot mcp add` writes one. With `current`
 * (the entry it replaces) the file's own spellings of equal values are kept: no `type` or
 * `stdio`/`streamable-http`, no `tools`, empty `args`/`env`/`headers`.
 */
function toNative(v: McpServer, current?: unknown): Json {
  const cur = isPlain(current) && transportOf(current) === v.transport ? current : undefined;
  const extra = v.extras?.[ID] ?? {};
  const out: Json = {};
  const keep = (key: string, isShape: (x: unknown) => boolean, fresh: boolean) =>
    !Object.hasOwn(extra, key) && (cur ? isShape(cur[key]) : fresh);
  if (Object.hasOwn(extra, "tools")) {
    // A `tools` that is not a list of names is kept as it was (from the extras, below).
  } else if (v.tools?.allow !== undefined) out.tools = v.tools.allow;
  else if (!cur) out.tools = ["*"];
  else if (isStrings(cur.tools) && isAllTools(cur.tools)) out.tools = cur.tools;
  else if (cur.tools !== undefined) out.tools = ["*"];
  if (!cur) out.type = v.transport === "stdio" ? "local" : v.transport;
  else if (cur.type !== undefined) out.type = cur.type;
  if (v.transport === "stdio") {
    out.command = v.command;
    if (v.args?.length) out.args = v.args;
    else if (keep("args", isEmptyList, true)) out.args = [];
    if (v.env && Object.keys(v.env).length) out.env = v.env;
    else if (keep("env", isEmptyObject, false)) out.env = {};
    if (v.cwd !== undefined) out.cwd = v.cwd;
  } else {
    out.url = v.url;
    if (v.headers && Object.keys(v.headers).length) out.headers = v.headers;
    else if (keep("headers", isEmptyObject, false)) out.headers = {};
  }
  if (v.tools?.deny !== undefined) out.excludeTools = v.tools.deny;
  if (v.toolTimeoutMs !== undefined) out.timeout = v.toolTimeoutMs;
  const o = v.transport === "stdio" ? undefined : v.oauth;
  if (o?.clientId !== undefined) {
    out.oauthClientId = o.clientId;
    if (o.scopes?.length) out.oauthScopes = o.scopes;
  }
  if (o?.callbackPort !== undefined) {
    out.auth = { ...(isPlain(extra.auth) ? extra.auth : {}), redirectPort: o.callbackPort };
  }
  for (const [k, x] of Object.entries(extra)) if (!Object.hasOwn(out, k)) put(out, k, x);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Copilot's `mcpConfigValidateServerName`, as its messages describe it. */
function validName(name: string): boolean {
  const control = [...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  return name.trim() !== "" && !control && !name.includes("}") && !name.startsWith("/") &&
    !name.endsWith("/") && !name.includes("//");
}

function isAllTools(x: string[]): boolean {
  return x.length === 1 && x[0] === "*";
}

function isPort(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 65535;
}

function isEmptyList(x: unknown): boolean {
  return Array.isArray(x) && x.length === 0;
}

function isEmptyObject(x: unknown): boolean {
  return isPlain(x) && Object.keys(x).length === 0;
}
