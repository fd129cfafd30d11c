/**
 * Antigravity CLI (`agy`): MCP servers in `mcp_config.json`, the `GEMINI.md` memory files, and
 * Agent Skills.
 *
 * Antigravity is closed source and has no npm package, so nothing here was run. What the plugin
 * relies on, and where it comes from:
 *
 * - Google's guide "Migrating to Antigravity CLI" (gemini-cli repository, branch
 *   `migration-guide`, commit a69d422a, 2026-05-19): MCP servers live in `mcp_config.json`
 *   (`mcpServers`), per workspace in `.agents/mcp_config.json`; local servers use Gemini's fields;
 *   remote servers use `serverUrl` instead of `url`/`httpUrl`; the global context file is
 *   `~/.gemini/GEMINI.md`, and `GEMINI.md` and `AGENTS.md` are read in workspaces.
 * - skillsaw's `antigravity-mcp-valid` rule, measured against agy 1.1.25: `.agents/` is a
 *   customization root; the file is strict JSON (a comment, a trailing comma or a root that is
 *   not an object stops agy); `serverUrl` wins over `command`; `url` with an optional `type` is
 *   also accepted; `disabled: true` turns a server off (`enabled` is not read); `disabledTools`;
 *   a server whose `env`, `args`, `serverUrl`, `disabledTools` or `authProviderType` has the wrong
 *   type is dropped silently.
 * - Not confirmed: the global file. The guide says `~/.gemini/antigravity-cli/mcp_config.json`;
 *   rulesync 17 and later third-party setups say `~/.gemini/config/mcp_config.json`. Both are
 *   read; user servers are written only into the ones that exist.
 * - Not confirmed: how references are expanded. `$VAR` and `${VAR}` appear in both sources;
 *   `${VAR:-default}` in none.
 * - Skills: the guide ("Global: ~/.gemini/antigravity-cli/skills/ or ~/.gemini/skills,
 *   Workspace: .agents/skills/") and rulesync's `antigravity-cli` skill adapter (global
 *   `~/.gemini/antigravity-cli/skills/`, project `.agents/skills/`) agree. `~/.gemini/skills` is
 *   named by the guide only, and is Gemini CLI's own folder: not kept here. `.agents/skills/` is
 *   shared with Codex and other clients; skills are byte copies, so every plugin plans the same
 *   bytes.
 * - Left out: workflows (slash commands) and subagents. rulesync writes workflows to
 *   `.agents/workflows/` and `~/.gemini/antigravity-cli/global_workflows/` but its newer adapter
 *   calls them legacy and emits commands as skills; the guide has no workflows (extensions'
 *   commands are "converted to skills"). Subagents: the guide describes folders with
 *   `agent.json` + `config.yaml` (`~/.gemini/antigravity-cli/agents/`), rulesync and skillsaw
 *   Markdown files (`.agents/agents/*.md`, `~/.gemini/config/agents`).
 *
 * @module
 */
import {
  ConfigParseError,
  type Context,
  definePlugin,
  EntryWriter,
  ENV_REF,
  filled,
  isPlain,
  isStringRecord,
  isStrings,
  type Item,
  itemKey,
  type Json,
  loadServerFile,
  mapValues,
  type McpItem,
  type McpServer,
  type Note,
  ordered,
  parseJsonc,
  planInstructions,
  type PlannedWrite,
  planServers,
  planSkills,
  put,
  type ReadError,
  readInstructions,
  readOAuth,
  readSkills,
  type RefSyntax,
  type ServerFile,
  serverItems,
  type ServerTable,
  skillItems,
  type SkillRules,
  type SkillScope,
} from "../_contract.ts";

const ID = "antigravity_cli";
const BOM = "\uFEFF";
/** `$VAR` and `${VAR}`: the spellings both sources show. */
const AGY_REF = /\$(?:(\w+)|\{([^}]+)\})/g;
const KEY_ORDER = [
  "command",
  "args",
  "env",
  "cwd",
  "serverUrl",
  "url",
  "type",
  "headers",
  "disabled",
  "disabledTools",
  "authProviderType",
  "oauth",
];

type SkillItem = Extract<Item, { kind: "skill" }>;

const SKILL_RULES: SkillRules = { client: "Antigravity CLI" };

export default definePlugin({
  async detect(ctx) {
    for (const path of [ctx.paths.mcp_config, ctx.paths.mcp_cli, ctx.paths.settings]) {
      if ((await ctx.files.read(path)) !== undefined) return { installed: true };
    }
    return { installed: false };
  },

  async read(ctx) {
    const items: Item[] = [];
    const errors: ReadError[] = [];
    const seen = new Set<string>();
    // The global file's place is unconfirmed: servers of both candidates are the user's, the
    // first file winning a name both hold.
    for (const file of await globalFiles(ctx)) {
      if (file.error) errors.push({ ...file.error, scopes: ["user"], kinds: ["mcp"] });
      else {
        for (const item of serverItems(file.servers, "user", readServer)) {
          if (seen.has(item.name)) continue;
          seen.add(item.name);
          items.push(item);
        }
      }
    }
    items.push(...await readInstructions(ctx, ctx.paths.instructions, "user"));
    for (const p of ctx.projects) {
      const scope = `project:${p.root}`;
      const file = await loadServerFile(ctx, p.paths.mcp, TABLE);
      if (file.error) errors.push({ ...file.error, scopes: [scope], kinds: ["mcp"] });
      else items.push(...serverItems(file.servers, scope, readServer));
      items.push(...await readInstructions(ctx, p.paths.instructions, scope));
    }
    for (const s of await loadSkills(ctx)) {
      items.push(...skillItems(s));
      errors.push(...s.errors);
    }
    return errors.length ? { items, errors } : { items };
  },

  async plan(desired, ctx) {
    const writes: PlannedWrite[] = [];
    const notes: Note[] = [];
    const servers = (scope: string) =>
      desired.items.filter((i): i is McpItem => i.kind === "mcp" && i.scope === scope);

    const globals = (await globalFiles(ctx)).filter((f) => f.text !== undefined);
    const user = servers("user");
    if (!globals.length) {
      for (const item of user) {
        notes.push({
          item: itemKey(item),
          message: "Antigravity CLI's global MCP file is not confirmed; aisync writes user " +
            `servers only into ${ctx.paths.mcp_config} or ${ctx.paths.mcp_cli} when one exists`,
        });
      }
    } else if (!globals.some((f) => f.error)) {
      for (const file of globals) {
        const write = planServers(file, user, TABLE, notes);
        if (write) writes.push(write);
      }
    }
    const memory = [{ scope: "user", path: ctx.paths.instructions }];
    for (const p of ctx.projects) {
      const scope = `project:${p.root}`;
      const file = await loadServerFile(ctx, p.paths.mcp, TABLE);
      const write = planServers(file, servers(scope), TABLE, notes);
      if (write) writes.push(write);
      memory.push({ scope, path: p.paths.instructions });
    }
    for (const { scope, path } of memory) {
      const item = desired.items.find((i) => i.kind === "instructions" && i.scope === scope);
      const write = await planInstructions(ctx, path, item);
      if (write) writes.push(write);
    }
    for (const s of await loadSkills(ctx)) {
      const mine = desired.items.filter((i): i is SkillItem =>
        i.kind === "skill" && i.scope === s.scope
      );
      writes.push(...await planSkills(ctx, s, mine, notes, SKILL_RULES));
    }
    return { writes, notes: dedupe(notes) };
  },
});

/** The skills folder of every scope: agy's own global one, and each project's `.agents/skills`. */
async function loadSkills(ctx: Context): Promise<SkillScope[]> {
  const out = [await readSkills(ctx, ctx.paths.skills, "user", SKILL_RULES)];
  for (const p of ctx.projects) {
    out.push(await readSkills(ctx, p.paths.skills, `project:${p.root}`, SKILL_RULES));
  }
  return out;
}

async function globalFiles(ctx: Context): Promise<ServerFile[]> {
  return [
    await loadServerFile(ctx, ctx.paths.mcp_config, TABLE),
    await loadServerFile(ctx, ctx.paths.mcp_cli, TABLE),
  ];
}

function dedupe(notes: Note[]): Note[] {
  const seen = new Set<string>();
  return notes.filter((n) => {
    const k = `${n.item}\u0000${n.field}\u0000${n.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Files

/** Parses `mcp_config.json` as strictly as agy (Go's `encoding/json`) does. */
function parseConfig(text: string, file: string): Json {
  if (text.startsWith(BOM)) {
    throw new ConfigParseError(
      file,
      "Antigravity CLI reads strict JSON, without a byte order mark",
      1,
      1,
    );
  }
  const data = parseJsonc(text, file);
  if (!isPlain(data)) {
    throw new ConfigParseError(file, "the MCP configuration must be a JSON object", 1, 1);
  }
  if (data.mcpServers != null && !isPlain(data.mcpServers)) {
    throw new ConfigParseError(file, '"mcpServers" must be an object');
  }
  return data;
}

// ---------------------------------------------------------------------------------------------
// Reading servers

/** Which transport an entry runs with; `undefined` when agy drops it or has nothing to run. */
function transportOf(raw: Json): { transport: McpServer["transport"]; via: string } | undefined {
  // The shapes skillsaw measured agy 1.1.25 dropping silently.
  if (raw.env !== undefined && !isStringRecord(raw.env)) return undefined;
  if (raw.args !== undefined && !isStrings(raw.args)) return undefined;
  if (raw.serverUrl !== undefined && typeof raw.serverUrl !== "string") return undefined;
  if (raw.disabledTools !== undefined && !isStrings(raw.disabledTools)) return undefined;
  if (raw.authProviderType !== undefined && raw.authProviderType !== "google_credentials") {
    return undefined;
  }
  if (filled(raw.serverUrl)) return { transport: "http", via: "serverUrl" };
  if (filled(raw.url)) return { transport: raw.type === "sse" ? "sse" : "http", via: "url" };
  if (filled(raw.command)) return { transport: "stdio", via: "command" };
  return undefined;
}

function readServer(raw: unknown): McpServer | undefined {
  if (!isPlain(raw)) return undefined;
  const how = transportOf(raw);
  if (!how) return undefined;
  const value: McpServer = { transport: how.transport };
  const extras: Json = {};
  const stdio = how.transport === "stdio";
  for (const [key, field] of Object.entries(raw)) {
    let mapped = false;
    switch (key) {
      case "command":
      case "cwd":
        mapped = stdio && typeof field === "string";
        if (mapped) value[key] = fromAgy(field as string);
        break;
      case "args":
        mapped = stdio;
        if (mapped) value.args = (field as string[]).map(fromAgy);
        break;
      case "env":
        mapped = stdio;
        if (mapped) value.env = mapValues(field as Record<string, string>, fromAgy);
        break;
      case "serverUrl":
      case "url":
        mapped = how.via === key;
        if (mapped) value.url = fromAgy(field as string);
        break;
      case "type":
        mapped = how.via === "url" && (field === "http" || field === "sse");
        break;
      case "headers":
        mapped = !stdio && isStringRecord(field);
        if (mapped) value.headers = mapValues(field as Record<string, string>, fromAgy);
        break;
      case "disabled":
        // `disabled: false` is the default spelled out: it stays in the file as an extra.
        mapped = field === true;
        if (mapped) value.enabled = false;
        break;
      case "disabledTools":
        mapped = true;
        value.tools = { deny: field as string[] };
        break;
      case "oauth":
        mapped = readOAuth(value, field, extras, fromAgy);
        break;
    }
    if (!mapped) put(extras, key, field);
  }
  if (Object.keys(extras).length) value.extras = { [ID]: extras };
  return value;
}

// ---------------------------------------------------------------------------------------------
// Environment references

/** `$VAR` becomes `${VAR}`; everything else is kept as written. */
function fromAgy(text: string): string {
  return text.replace(
    AGY_REF,
    (match, bare?: string) => bare !== undefined && /^[A-Za-z_]/.test(bare) ? `\${${bare}}` : match,
  );
}

/** Canonical text for agy: defaults are dropped; returns what could not be kept. */
function toAgy(canon: string): { text: string; problems: string[] } {
  const problems: string[] = [];
  let text = "";
  let last = 0;
  const refs = new Map<number, number>();
  for (const m of canon.matchAll(ENV_REF)) {
    text += canon.slice(last, m.index);
    const ref = `\${${m[1]}}`;
    refs.set(text.length, ref.length);
    text += ref;
    if (m[2] !== undefined) {
      problems.push(
        `default values in references are not confirmed for Antigravity CLI; "${m[0]}" is ` +
          "written without its default",
      );
    }
    last = m.index + m[0].length;
  }
  text += canon.slice(last);
  for (const m of text.matchAll(AGY_REF)) {
    if (refs.get(m.index) === m[0].length) refs.delete(m.index);
    else if (m[1] !== undefined && /^[A-Za-z_]/.test(m[1])) {
      problems.push(
        `"${m[0]}" is literal text, but Antigravity CLI may replace it with the environment ` +
          `variable ${m[1]}`,
      );
    }
  }
  for (const [at, length] of refs) {
    problems.push(`"${text.slice(at, at + length)}" may not be expanded in "${text}"`);
  }
  return { text, problems };
}

/** Antigravity CLI's spelling of references. */
const SYNTAX: RefSyntax = { read: fromAgy, write: toAgy };

// ---------------------------------------------------------------------------------------------
// Planning

function buildEntry(item: McpItem, old: Json | undefined, notes: Note[]): Json {
  const v = item.value;
  const w = new EntryWriter(item, notes, SYNTAX);
  const extras = { ...(v.extras?.[ID] ?? {}) } as Json;
  const out: Json = {};
  if (v.transport === "stdio") {
    out.command = w.text("command", v.command ?? "", old?.command);
    if (v.args) out.args = w.list("args", v.args, old?.args);
    if (v.env) out.env = w.record("env", v.env, old?.env);
    if (v.cwd !== undefined) out.cwd = w.text("cwd", v.cwd, old?.cwd);
    // A URL would win over the command.
    for (const k of ["serverUrl", "url"]) delete extras[k];
    if (v.url !== undefined) {
      w.note(
        "url",
        "a url would make Antigravity CLI connect instead of running the command; it is not written",
      );
    }
    if (v.headers) {
      w.note(
        "headers",
        "Antigravity CLI sends headers to remote servers only; they are not written",
      );
    }
  } else {
    // `url` + `type: "sse"` is kept where the file has it; new remote servers get `serverUrl`.
    const sse = v.transport === "sse" && old?.type === "sse" && filled(old.url) &&
      !filled(old.serverUrl);
    if (sse) {
      out.url = w.text("url", v.url ?? "", old?.url);
      out.type = "sse";
    } else {
      out.serverUrl = w.text("url", v.url ?? "", old?.serverUrl ?? old?.url);
      for (const k of ["url", "type"]) delete extras[k];
      if (v.transport === "sse") {
        w.note(
          "transport",
          "Antigravity CLI's confirmed remote key is serverUrl; whether it speaks SSE there is not confirmed",
        );
      }
    }
    if (v.headers) out.headers = w.record("headers", v.headers, old?.headers);
    for (const k of ["command", "args", "env", "cwd"] as const) {
      if (v[k] !== undefined) {
        w.note(
          k,
          `Antigravity CLI does not run a command for a remote server; "${k}" is not written`,
        );
      }
    }
  }
  if (v.enabled === false) out.disabled = true;
  else if (extras.disabled === true) delete extras.disabled;
  if (v.tools?.deny) out.disabledTools = v.tools.deny;
  if (v.tools?.allow) {
    w.note(
      "tools.allow",
      "Antigravity CLI has no confirmed list of allowed tools (only disabledTools)",
    );
  }
  for (const k of ["toolTimeoutMs", "startupTimeoutMs"] as const) {
    if (v[k] !== undefined) w.note(k, "Antigravity CLI has no confirmed timeout setting");
  }
  if (v.oauth) {
    const rest = isPlain(extras.oauth) ? extras.oauth : {};
    const prev = isPlain(old?.oauth) ? old.oauth : {};
    const oauth: Json = { ...rest };
    if (v.oauth.clientId !== undefined) {
      oauth.clientId = w.text("oauth.clientId", v.oauth.clientId, prev.clientId);
    }
    if (v.oauth.scopes) oauth.scopes = w.list("oauth.scopes", v.oauth.scopes, prev.scopes);
    for (const k of ["callbackPort", "authServerMetadataUrl", "resource"] as const) {
      if (v.oauth[k] !== undefined) {
        w.note(
          `oauth.${k}`,
          `Antigravity CLI's oauth settings have no confirmed equivalent of ${k}`,
        );
      }
    }
    out.oauth = oauth;
    delete extras.oauth;
  }
  for (const [k, x] of Object.entries(extras)) if (!Object.hasOwn(out, k)) put(out, k, x);
  return ordered(out, KEY_ORDER);
}

/**
 * `mcpServers` in an `mcp_config.json`, read whole: agy (Go's `encoding/json`) refuses a byte
 * order mark.
 */
const TABLE: ServerTable = {
  id: ID,
  key: "mcpServers",
  parse: parseConfig,
  bom: false,
  read: readServer,
  build: buildEntry,
};
