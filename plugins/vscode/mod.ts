/**
 * Visual Studio Code (GitHub Copilot Chat): MCP servers in the user profile's `mcp.json` and in
 * `.vscode/mcp.json`, and the project's `.github/copilot-instructions.md`.
 *
 * What this plugin relies on (VS Code's MCP configuration reference, its JSON schema and the
 * files people commit; there is no VS Code to run here):
 *
 * - Both files are JSONC (comments and trailing commas) with a top-level `servers` object (not
 *   `mcpServers`) and an optional `inputs` list, which this plugin never touches.
 * - A server is `type: "stdio"` with `command`, `args`, `env`, `envFile`, `cwd`, `sandboxEnabled`,
 *   `sandbox` and `dev`, or `type: "http" | "sse"` with `url` and `headers`; without `type`, a
 *   `command` means stdio and a `url` http. Keys this plugin does not map (`sandbox`, `envFile`,
 *   `dev`, `gallery`, …) are kept verbatim in `extras.vscode`.
 * - Strings may hold `${env:VAR}` (canonical `${VAR}`, no default value), `${input:id}` (asked
 *   for once, then kept by VS Code), and predefined variables such as `${workspaceFolder}` or
 *   `${userHome}`. Any other `${...}` text is left as it is by VS Code.
 * - There is no per-server on/off switch, tool list, timeout or OAuth client setting in the
 *   file: those are lossy notes.
 *
 * The choice for `${input:id}` and the other VS Code-only variables (`README.md`): a value that
 * holds one never enters the canonical model, where it would become a literal for other clients
 * (or, for `${name}`, an environment reference). An `env` or `headers` value, or `cwd`, that
 * holds one is kept byte for byte in `extras.vscode` and written back from there; a server whose
 * `command`, `args` or `url` holds one is not read at all and stays as it is, VS Code-only.
 * `${workspaceFolder}` (in a project's file) and `${userHome}` are the exception: they are
 * constants, read as the absolute path they stand for, and kept as written while that path does
 * not change.
 *
 * Prompt files (`.github/prompts/`, the profile's `prompts/`) are the commands (`prompts.ts`);
 * custom agents (`.github/agents/`, `~/.copilot/agents/`) and skills (`.github/skills/`,
 * `~/.copilot/skills/`) are the folders Copilot CLI reads too, kept with the mapping both plugins
 * share (`github_folders.ts`).
 *
 * @module
 */
import {
  type Context,
  definePlugin,
  editJson,
  EntryWriter,
  ENV_REF,
  findNodeAtLocation,
  type FolderItem,
  folderItems,
  type FolderScope,
  isPlain,
  isStrings,
  type Item,
  itemKey,
  type Json,
  type JsonFile,
  lineCol,
  loadJsonFile,
  type McpServer,
  type MdDoc,
  type Note,
  parseTree,
  planFolder,
  planInstructions,
  type PlannedWrite,
  planSkills,
  put,
  type ReadError,
  readFolder,
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
import { promptRules } from "./prompts.ts";

const ID = "vscode";
const CLIENT = "VS Code";
const SKILLS = skillRules(CLIENT);
const PROMPTS = promptRules();
/** `${...}` as VS Code's variable resolver sees it. */
const VS_VAR = /\$\{([^}]*)\}/g;

type Transport = McpServer["transport"];
type McpItem = Extract<Item, { kind: "mcp" }>;

/** One scope's `mcp.json`, with what its variables stand for. */
interface ScopeFile {
  scope: string;
  file: JsonFile;
  servers: Json;
  vars: Vars;
}

/** The values of the VS Code variables that are constants for a scope. */
interface Vars {
  home: string;
  /** The project's root; `undefined` in the user profile (it depends on the open folder). */
  workspaceFolder?: string;
}

/** The VS Code plugin: `detect`, `read` and `plan` over the files above. */
export default definePlugin({
  async detect(ctx) {
    const files = [ctx.paths.mcp, ...ctx.projects.map((p) => p.paths.mcp)];
    for (const path of files) {
      if (path && (await ctx.files.read(path)) !== undefined) return { installed: true };
    }
    return { installed: false };
  },

  async read(ctx) {
    const { scopes, errors } = await load(ctx);
    const items: Item[] = [];
    for (const s of scopes) {
      for (const [name, raw] of Object.entries(s.servers)) {
        const value = toCanonical(raw, s, name);
        if (value) items.push({ kind: "mcp", scope: s.scope, name, value });
      }
    }
    for (const p of ctx.projects) {
      items.push(...await readInstructions(ctx, p.paths.instructions, `project:${p.root}`));
    }
    for (const f of await loadFolders(ctx)) {
      if (f.prompts) items.push(...folderItems(f.prompts));
      items.push(...agentItems(f.agents), ...skillItems(f.skills));
      errors.push(...(f.prompts?.errors ?? []), ...f.agents.folder.errors, ...f.skills.errors);
    }
    const result: ReadResult = { items };
    if (errors.length) result.errors = errors;
    return result;
  },

  async plan(desired, ctx) {
    const { scopes } = await load(ctx);
    const notes: Note[] = [];
    const writes: PlannedWrite[] = [];
    const known = new Set(scopes.map((s) => s.scope));
    for (const item of desired.items) {
      if (item.kind === "instructions" && item.scope === "user") {
        notes.push({
          item: itemKey(item),
          message: "VS Code keeps user instructions as .instructions.md files in the profile, " +
            "not as one file; the user instructions are not written",
        });
      }
      if (item.kind === "mcp" && !known.has(item.scope)) {
        notes.push({
          item: itemKey(item),
          message: "VS Code has no user mcp.json on this system; the server is not written",
        });
      }
    }
    for (const s of scopes) {
      const wanted = desired.items.filter((i): i is McpItem =>
        i.kind === "mcp" && i.scope === s.scope
      );
      for (const item of wanted) notes.push(...lossyNotes(item));
      if (s.file.error) continue;
      planScope(s, wanted, notes);
      const f = s.file;
      if (f.next !== undefined && f.next !== f.text) writes.push({ path: f.path, content: f.next });
    }
    for (const p of ctx.projects) {
      const scope = `project:${p.root}`;
      const item = desired.items.find((i) =>
        i.kind === "instructions" && i.scope === scope && i.name === "main"
      );
      const memoryWrite = await planInstructions(ctx, p.paths.instructions, item);
      if (memoryWrite) writes.push(memoryWrite);
    }
    const folders = await loadFolders(ctx);
    for (const item of desired.items) {
      if (item.kind === "command" && !folders.some((f) => f.prompts && f.scope === item.scope)) {
        notes.push({
          item: itemKey(item),
          message: "VS Code has no user prompts folder on this system; the command is not written",
        });
      }
    }
    for (const f of folders) {
      const mine = (kind: string) =>
        desired.items.filter((i): i is FolderItem => i.kind === kind && i.scope === f.scope);
      if (f.prompts) writes.push(...planFolder(f.prompts, mine("command"), PROMPTS, notes));
      writes.push(...planAgents(f.agents, mine("subagent"), notes));
      const skills = desired.items.filter((i): i is Extract<Item, { kind: "skill" }> =>
        i.kind === "skill" && i.scope === f.scope
      );
      writes.push(...await planSkills(ctx, f.skills, skills, notes, SKILLS));
    }
    return { writes, notes };
  },
});

/** The prompts, agents and skills folders of one scope. */
interface Folders {
  scope: string;
  /** `undefined` when VS Code has no user profile folder on this system. */
  prompts?: FolderScope<MdDoc>;
  agents: AgentScope;
  skills: SkillScope;
}

/** Reads the prompts, agents and skills folders of every scope. */
async function loadFolders(ctx: Context): Promise<Folders[]> {
  const out: Folders[] = [];
  const scopes: [string, Record<string, string>][] = [
    ["user", ctx.paths],
    ...ctx.projects.map((p): [string, Record<string, string>] => [`project:${p.root}`, p.paths]),
  ];
  for (const [scope, paths] of scopes) {
    out.push({
      scope,
      prompts: paths.prompts ? await readFolder(ctx, paths.prompts, scope, PROMPTS) : undefined,
      agents: await readAgents(ctx, paths.agents, scope, ID, CLIENT),
      skills: await readSkills(ctx, paths.skills, scope, SKILLS),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Files

async function load(ctx: Context): Promise<{ scopes: ScopeFile[]; errors: ReadError[] }> {
  const errors: ReadError[] = [];
  const scopes: ScopeFile[] = [];
  const add = async (scope: string, path: string, vars: Vars) => {
    const file = await loadJsonFile(ctx, path, [scope], {
      comments: true,
      bom: true,
      emptyOk: true,
    });
    const s: ScopeFile = { scope, file, servers: {}, vars };
    const servers = file.data?.servers;
    if (isPlain(servers)) s.servers = servers;
    else if (servers !== undefined && !file.error) {
      file.error = shapeError(file, ["servers"], "must be an object of servers", [scope]);
    }
    if (file.error) errors.push(file.error);
    scopes.push(s);
  };
  // The user path has a variant for each OS; without one there is no user scope.
  if (ctx.paths.mcp) await add("user", ctx.paths.mcp, { home: ctx.home });
  for (const p of ctx.projects) {
    await add(`project:${p.root}`, p.paths.mcp, { home: ctx.home, workspaceFolder: p.root });
  }
  return { scopes, errors };
}

function shapeError(file: JsonFile, path: string[], reason: string, scopes: string[]): ReadError {
  const error: ReadError = {
    file: file.path,
    message: `Cannot read "${file.path}": "${path.join(".")}" ${reason}`,
    scopes,
  };
  const tree = parseTree(file.text!, [], { allowTrailingComma: true });
  const node = tree && findNodeAtLocation(tree, path);
  [error.line, error.column] = lineCol(file.text!, node?.offset ?? 0);
  return error;
}

// ---------------------------------------------------------------------------------------------
// Planning

function planScope(s: ScopeFile, wanted: McpItem[], notes: Note[]) {
  const f = s.file;
  const want = new Map(wanted.map((i) => [i.name, i]));
  for (const [name, raw] of Object.entries(s.servers)) {
    const item = want.get(name);
    const have = toCanonical(raw, s, name);
    if (!have) {
      // Never read, so never reported: leave it exactly as it is.
      if (item) {
        notes.push({
          item: itemKey(item),
          message: "VS Code already has a server of this name that aisync cannot map (it uses " +
            "${input:...} or another VS Code variable in its command, args or url); it was " +
            "left unchanged",
        });
      }
      continue;
    }
    if (!item) f.next = editJson(f.next!, ["servers", name], undefined);
    else if (!sameValue(own(have), own(item.value))) {
      f.next = editJson(f.next!, ["servers", name], toNative(item, s, notes, raw));
    }
  }
  const fresh: Json = {};
  for (const item of wanted) {
    if (Object.hasOwn(s.servers, item.name)) continue;
    if (f.next === undefined) put(fresh, item.name, toNative(item, s, notes));
    else f.next = editJson(f.next, ["servers", item.name], toNative(item, s, notes));
  }
  if (f.next === undefined && Object.keys(fresh).length) {
    f.next = JSON.stringify({ servers: fresh }, null, "\t") + "\n";
  }
}

/** What of a value decides the entry: other clients' extras and what VS Code cannot keep. */
function own(v: McpServer): McpServer {
  const { extras, enabled: _e, tools: _t, startupTimeoutMs: _s, toolTimeoutMs: _o, ...rest } = v;
  const { oauth: _a, ...out } = rest as McpServer;
  return extras?.[ID] ? { ...out, extras: { [ID]: extras[ID] } } : out;
}

/** What VS Code cannot express of a server, as lossy notes. */
function lossyNotes(item: McpItem): Note[] {
  const v = item.value;
  const key = itemKey(item);
  const notes: Note[] = [];
  const note = (field: string, message: string) => notes.push({ item: key, field, message });
  if (v.enabled === false) {
    note(
      "enabled",
      "VS Code keeps no on/off switch in mcp.json (servers are stopped from the MCP view); the " +
        "server is written on",
    );
  }
  if (v.tools !== undefined) {
    note("tools", "VS Code picks tools in the chat's tool picker, not in mcp.json; not written");
  }
  for (const field of ["startupTimeoutMs", "toolTimeoutMs"] as const) {
    if (v[field] !== undefined) note(field, `VS Code has no ${field} setting; it is not written`);
  }
  if (v.oauth !== undefined) {
    note(
      "oauth",
      "VS Code signs in to MCP servers itself and keeps no OAuth client settings in mcp.json; " +
        "not written",
    );
  }
  const unused = v.transport === "stdio"
    ? (["url", "headers"] as const)
    : (["command", "args", "env", "cwd"] as const);
  for (const field of unused) {
    if (v[field] !== undefined) {
      note(field, `VS Code has no ${field} for ${v.transport} servers; it is not written`);
    }
  }
  return notes;
}

// ---------------------------------------------------------------------------------------------
// Variables

/**
 * A VS Code string as canonical text, or `undefined` when it holds something only VS Code can
 * resolve: `${env:VAR}` becomes `${VAR}`, `${workspaceFolder}` and `${userHome}` the paths they
 * stand for; any other `${...}` (inputs, settings, commands, and text VS Code leaves alone but
 * the canonical form would read as a reference) cannot be carried.
 */
function fromVs(text: string, vars: Vars): string | undefined {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(VS_VAR)) {
    out += text.slice(last, m.index);
    last = m.index + m[0].length;
    const body = m[1];
    const env = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(body);
    if (env) out += `\${${env[1]}}`;
    else if (body === "userHome") out += vars.home;
    else if (body === "workspaceFolder" && vars.workspaceFolder !== undefined) {
      out += vars.workspaceFolder;
    } else return undefined;
  }
  return out + text.slice(last);
}

/** Canonical text in VS Code's syntax, with what VS Code would read differently. */
function toVs(canon: string): { text: string; problems: string[] } {
  let text = "";
  let last = 0;
  const problems: string[] = [];
  for (const m of canon.matchAll(ENV_REF)) {
    const literal = canon.slice(last, m.index);
    if (literal.includes("${")) problems.push(literalProblem(literal));
    text += literal + `\${env:${m[1]}}`;
    if (m[2] !== undefined) {
      problems.push(`VS Code's \${env:${m[1]}} has no default value; "${m[0]}" loses "${m[2]}"`);
    }
    last = m.index + m[0].length;
  }
  const rest = canon.slice(last);
  if (rest.includes("${")) problems.push(literalProblem(rest));
  return { text: text + rest, problems };
}

function literalProblem(literal: string): string {
  return `VS Code reads "\${...}" in "${literal}" as a variable; it may not stay literal text`;
}

/** Writes the strings of one item, keeping the file's spelling of values that did not change. */
class Writer extends EntryWriter {
  constructor(item: McpItem, notes: Note[], vars: Vars) {
    // VS Code's spelling of references; a note is made once per item and field.
    super(item, notes, { read: (text) => fromVs(text, vars), write: toVs }, true);
  }

  /** A string map (`env`, `headers`): canonical values, then the extras kept for the rest. */
  map(
    field: string,
    canon: Record<string, string> | undefined,
    current: unknown,
    kept: unknown,
  ): Json | undefined {
    const cur = isPlain(current) ? current : {};
    const out: Json = {};
    for (const [k, v] of Object.entries(canon ?? {})) {
      put(out, k, this.text(`${field}.${k}`, v, cur[k]));
    }
    if (isPlain(kept)) {
      for (const [k, v] of Object.entries(kept)) {
        if (!Object.hasOwn(out, k)) put(out, k, v);
        else {
          this.note(
            `${field}.${k}`,
            `the value VS Code kept for ${field}.${k} (${JSON.stringify(v)}) is replaced`,
          );
        }
      }
    }
    return Object.keys(out).length || isPlain(current) && !Object.keys(current).length
      ? out
      : undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Entry mapping

function transportOf(raw: Json): Transport | undefined {
  const t = raw.type;
  if (t === undefined) {
    if (typeof raw.command === "string") return "stdio";
    return typeof raw.url === "string" ? "http" : undefined;
  }
  return t === "stdio" || t === "http" || t === "sse" ? t : undefined;
}

/**
 * A VS Code server to a canonical one, or `undefined` when it cannot be mapped (another `type`,
 * no command or url, or a VS Code-only variable in its command, args or url).
 */
function toCanonical(raw: unknown, s: ScopeFile, name: string): McpServer | undefined {
  if (!isPlain(raw)) return undefined;
  const transport = transportOf(raw);
  if (!transport) return undefined;
  const stdio = transport === "stdio";
  const v: McpServer = { transport };
  const extra: Json = {};
  const conv = (x: string) => fromVs(x, s.vars);
  for (const [k, x] of Object.entries(raw)) {
    if (k === "type") continue;
    if (stdio && k === "command" && typeof x === "string" && x !== "") {
      const c = conv(x);
      if (c === undefined) return undefined;
      v.command = c;
    } else if (stdio && k === "args" && isStrings(x)) {
      const args = x.map(conv);
      if (args.some((a) => a === undefined)) return undefined;
      if (args.length) v.args = args as string[];
    } else if (!stdio && k === "url" && typeof x === "string" && x !== "") {
      const u = conv(x);
      if (u === undefined) return undefined;
      v.url = u;
    } else if (stdio && k === "cwd" && typeof x === "string" && conv(x) !== undefined) {
      v.cwd = conv(x);
    } else if ((stdio && k === "env" || !stdio && k === "headers") && isPlain(x)) {
      const mapped: Record<string, string> = {};
      const kept: Json = {};
      for (const [n, y] of Object.entries(x)) {
        const c = typeof y === "string" ? conv(y) : undefined;
        if (c === undefined) put(kept, n, y);
        else put(mapped, n, c);
      }
      if (Object.keys(mapped).length) v[k === "env" ? "env" : "headers"] = mapped;
      if (Object.keys(kept).length) put(extra, k, kept);
    } else {
      // sandbox, sandboxEnabled, envFile, dev, gallery, version, a cwd with an input, …
      put(extra, k, x);
    }
  }
  if (Object.keys(extra).length) v.extras = { [ID]: extra };
  const item = { kind: "mcp" as const, scope: s.scope, name, value: v };
  return validItem(item) ? v : undefined;
}

/**
 * A canonical server to a VS Code entry. With `current` (the entry it replaces) the file's own
 * spellings of equal values are kept: no `type`, empty `args`/`env`/`headers`, variables.
 */
function toNative(item: McpItem, s: ScopeFile, notes: Note[], current?: unknown): Json {
  const v = item.value;
  const cur = isPlain(current) && transportOf(current) === v.transport ? current : {};
  const had = isPlain(current) && transportOf(current) === v.transport;
  const extra = v.extras?.[ID] ?? {};
  const w = new Writer(item, notes, s.vars);
  const out: Json = {};
  if (!had || cur.type !== undefined) out.type = had ? cur.type : v.transport;
  if (v.transport === "stdio") {
    out.command = w.text("command", v.command!, cur.command);
    const curArgs = Array.isArray(cur.args) ? cur.args : [];
    if (v.args?.length) out.args = v.args.map((a, i) => w.text(`args.${i}`, a, curArgs[i]));
    else if (isEmptyList(cur.args) && !Object.hasOwn(extra, "args")) out.args = [];
    if (!Object.hasOwn(extra, "env") || v.env) {
      const env = w.map("env", v.env, cur.env, extra.env);
      if (env) out.env = env;
    }
    if (v.cwd !== undefined) out.cwd = w.text("cwd", v.cwd, cur.cwd);
  } else {
    out.url = w.text("url", v.url!, cur.url);
    if (!Object.hasOwn(extra, "headers") || v.headers) {
      const headers = w.map("headers", v.headers, cur.headers, extra.headers);
      if (headers) out.headers = headers;
    }
  }
  for (const [k, x] of Object.entries(extra)) {
    if (Object.hasOwn(out, k)) {
      if (k !== "env" && k !== "headers") {
        w.note(k, `the value VS Code kept for ${k} (${JSON.stringify(x)}) is replaced`);
      }
    } else put(out, k, x);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isEmptyList(x: unknown): boolean {
  return Array.isArray(x) && x.length === 0;
}
