/**
 * Zed: MCP servers ("context servers") in `settings.json` (user and project), the project's
 * `AGENTS.md`, and Agent Skills.
 *
 * Zed has no CLI for this (servers are added in its UI). What this plugin relies on, checked in
 * Zed's source (`crates/settings/src/settings_content/project.rs`, the `ContextServerSettings`
 * enum, and the agent's `RULES_FILE_NAMES`) and `../shared/docs/clients.md` §6–16, §19:
 *
 * - `context_servers.<name>` in `settings.json`, a JSONC file shared with every other editor
 *   setting: only that subtree is touched. User file: `$XDG_CONFIG_HOME/zed` (Linux),
 *   `~/.config/zed` (macOS), `%APPDATA%\Zed` (Windows); project file `.zed/settings.json`.
 * - A local server is `{command, args, env, timeout}` with `command` a path string and `args`
 *   required (it has no default); older Zed wrote `command: {path, args, env}`, which is read and
 *   kept in that shape. A remote server is `{url, headers, timeout, oauth: {client_id}}` (Zed
 *   speaks Streamable HTTP; there is no transport key). Both take `enabled` (default true);
 *   `timeout` is in seconds. `"source": "custom"` (the tag of Zed's 2025 format, still shown in
 *   its docs) is ignored by current Zed and written on new entries so older Zed reads them too.
 *   An entry with only `settings` belongs to an extension and is left alone.
 * - Zed expands no environment references in these settings: strings are written as they are,
 *   with a note where they hold one.
 * - Zed reads the first of `.rules`, `.cursorrules`, `.windsurfrules`, `.clinerules`,
 *   `.github/copilot-instructions.md`, `CLAUDE.md`, `AGENT.md`, `AGENTS.md`, `GEMINI.md` at the
 *   project root. Project instructions go to `AGENTS.md`; a note says so when a file before it
 *   holds other text. User rules live in Zed's Rules Library (a database), not in a file.
 * - Skills (Zed's `crates/agent_skills` and `docs/src/ai/skills.md`): `~/.agents/skills/<name>/`
 *   and `<worktree>/.agents/skills/<name>/`, only direct children holding a `SKILL.md` (no
 *   nesting), the project's copy winning a name both have. The folders are the cross-tool ones
 *   Codex (and others) also keep: a skill is copied byte for byte, so every plugin plans the same
 *   bytes. Zed loads a skill only when its SKILL.md frontmatter has a `name` equal to the folder
 *   name (lowercase letters, digits, single hyphens, at most 64) and a `description` (at most
 *   1024); a skill that breaks this is still written (the folder is shared) with a note.
 * - Zed has no files for slash commands or subagents: skills are its slash commands, and agent
 *   profiles live in `settings.json`.
 *
 * @module
 */
import {
  checkTable,
  ConfigParseError,
  type Context,
  definePlugin,
  envRefs,
  filled,
  isPlain,
  isStringRecord,
  isStrings,
  type Item,
  itemKey,
  type Json,
  loadServerFile,
  type McpItem,
  type McpServer,
  type Note,
  ordered,
  ownPart,
  parseJsonc,
  planInstructions,
  type PlannedWrite,
  planServers,
  planSkills,
  put,
  type ReadError,
  readInstructions,
  readSkills,
  serverItems,
  type ServerTable,
  skillFront,
  skillItems,
  type SkillRules,
  type SkillScope,
  unknownScopeNotes,
} from "../_contract.ts";

const ID = "zed";
/** Key order for entries this plugin creates (as in Zed's docs). */
const KEY_ORDER = ["source", "command", "args", "env", "url", "headers", "timeout", "enabled"];
/** Project files Zed reads before `AGENTS.md` (manifest path names, in Zed's order). */
const BEFORE_AGENTS = [
  "rules",
  "cursorrules",
  "windsurfrules",
  "clinerules",
  "copilot_instructions",
  "claude_md",
  "agent_md",
];
const NO_INTERPOLATION = "Zed does not expand environment references in its settings; the " +
  "server gets the text as written";

type SkillItem = Extract<Item, { kind: "skill" }>;

/** One scope and its files (instructions only in projects). */
interface Where {
  scope: string;
  settings: string;
  project?: Record<string, string>;
}

export default definePlugin({
  async detect(ctx) {
    return { installed: (await ctx.files.read(ctx.paths.settings)) !== undefined };
  },

  async read(ctx) {
    const items: Item[] = [];
    const errors: ReadError[] = [];
    for (const w of where(ctx)) {
      const file = await loadServerFile(ctx, w.settings, TABLE);
      if (file.error) errors.push({ ...file.error, scopes: [w.scope], kinds: ["mcp"] });
      items.push(...serverItems(file.servers, w.scope, readServer));
      if (w.project) {
        items.push(...await readInstructions(ctx, w.project.instructions, w.scope));
      }
    }
    for (const s of await loadSkills(ctx)) {
      items.push(...skillItems(s));
      errors.push(...s.errors);
    }
    return errors.length ? { items, errors } : { items };
  },

  async plan(desired, ctx) {
    const writes: PlannedWrite[] = [];
    const notes: Note[] = unknownScopeNotes(
      desired.items,
      where(ctx).map((w) => w.scope),
      "Zed",
    );
    for (const w of where(ctx)) {
      const mine = desired.items.filter((i) => i.scope === w.scope);
      const servers = mine.filter((i): i is McpItem => i.kind === "mcp");
      for (const item of servers) lossyNotes(item, notes);
      const file = await loadServerFile(ctx, w.settings, TABLE);
      const write = planServers(file, servers, TABLE, notes);
      if (write) writes.push(write);
      const memory = mine.find((i) => i.kind === "instructions");
      if (!w.project) {
        if (memory) {
          notes.push({
            item: itemKey(memory),
            message: "Zed keeps user rules in its Rules Library (a database), not in a file; " +
              "not written",
          });
        }
        continue;
      }
      const path = w.project.instructions;
      const memoryWrite = await planInstructions(ctx, path, memory);
      if (memoryWrite) writes.push(memoryWrite);
      if (memory?.kind === "instructions") {
        for (const name of BEFORE_AGENTS) {
          const other = await ctx.files.read(w.project[name]);
          if (other === undefined) continue;
          if (other !== memory.value.text) {
            notes.push({
              item: itemKey(memory),
              message: `Zed reads ${w.project[name]} instead of AGENTS.md, and it holds other text`,
            });
          }
          break;
        }
      }
    }
    writes.push(...await planAllSkills(ctx, desired.items, notes));
    return { writes, notes };
  },
});

function where(ctx: Context): Where[] {
  return [
    { scope: "user", settings: ctx.paths.settings },
    ...ctx.projects.map((p) => ({
      scope: `project:${p.root}`,
      settings: p.paths.settings,
      project: p.paths,
    })),
  ];
}

// ---------------------------------------------------------------------------------------------
// Skills

/** The names Zed accepts: lowercase letters and digits in hyphen-separated runs. */
const SKILL_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const SKILL_RULES: SkillRules = {
  client: "Zed",
  // Zed reports a load error for such a folder (its SKILL.md name must equal the folder name),
  // so it is not one of Zed's skills.
  refuse: (name) =>
    name.length <= 64 && SKILL_NAME.test(name)
      ? undefined
      : "Zed loads skills named with lowercase letters, digits and single hyphens, at most 64",
};

/**
 * The skills folder of each scope. A project that is the home folder has the user's folder as
 * its own: it is read once, as the user scope.
 */
async function loadSkills(ctx: Context): Promise<SkillScope[]> {
  const out = [await readSkills(ctx, ctx.paths.skills, "user", SKILL_RULES)];
  for (const p of ctx.projects) {
    if (p.paths.skills === ctx.paths.skills) continue;
    out.push(await readSkills(ctx, p.paths.skills, `project:${p.root}`, SKILL_RULES));
  }
  return out;
}

async function planAllSkills(ctx: Context, items: Item[], notes: Note[]): Promise<PlannedWrite[]> {
  const wanted = items.filter((i): i is SkillItem => i.kind === "skill");
  const writes: PlannedWrite[] = [];
  const scopes = await loadSkills(ctx);
  const known = new Set(scopes.map((s) => s.scope));
  for (const item of wanted) {
    if (!known.has(item.scope) && item.scope.startsWith("project:")) {
      notes.push({
        item: itemKey(item),
        message: "this project is the home folder: its .agents/skills is the user's skills " +
          "folder, so the skill was not written",
      });
    }
  }
  for (const s of scopes) {
    const mine = wanted.filter((i) => i.scope === s.scope);
    for (const item of mine) skillNotes(item, notes);
    writes.push(...await planSkills(ctx, s, mine, notes, SKILL_RULES));
  }
  return writes;
}

/** Notes when Zed would not load a skill because of its SKILL.md frontmatter. */
function skillNotes(item: SkillItem, notes: Note[]): void {
  if (SKILL_RULES.refuse?.(item.name) !== undefined) return;
  const why = skillProblem(item);
  if (why === undefined) return;
  notes.push({
    item: itemKey(item),
    field: "files.SKILL.md",
    message: `Zed does not load this skill: ${why}`,
  });
}

function skillProblem(item: SkillItem): string | undefined {
  const front = skillFront(item.value.files);
  if (typeof front === "string") return front;
  if (front.name !== item.name) return "the name in its SKILL.md is not its folder name";
  const d = front.description;
  if (typeof d !== "string" || !d.length || d.length > 1024) {
    return "its SKILL.md needs a description of 1 to 1024 characters";
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Parses a settings file (JSONC, as Zed reads it); `context_servers` may be `null`. */
function parseSettings(body: string, file: string): Json {
  const data = parseJsonc(body, file, { comments: true });
  if (!isPlain(data)) {
    throw new ConfigParseError(file, "the settings must be a JSON object", 1, 1);
  }
  checkTable(data, "context_servers", body, file, true);
  return data;
}

/**
 * One entry as a canonical server: a `command` (a string, or Zed's older `{path, …}` object)
 * makes it local, else a `url` remote. Extension entries (`settings` only) and anything Zed
 * could not start are left alone.
 */
function readServer(raw: unknown): McpServer | undefined {
  if (!isPlain(raw)) return undefined;
  const legacy = isPlain(raw.command) && filled(raw.command.path);
  const stdio = legacy || filled(raw.command);
  if (!stdio && !filled(raw.url)) return undefined;
  const value: McpServer = { transport: stdio ? "stdio" : "http" };
  const extras: Json = {};
  for (const [key, field] of Object.entries(raw)) {
    let mapped = false;
    switch (key) {
      case "command":
        mapped = stdio;
        if (legacy) readLegacy(value, field as Json, extras);
        else if (stdio) value.command = field as string;
        break;
      case "args":
        if (stdio && !legacy && isStrings(field)) {
          mapped = true;
          // Canonical values are minimal: empty lists and maps say nothing (they are kept).
          if (field.length) value.args = field;
        }
        break;
      case "env":
        if (stdio && !legacy && isStringRecord(field)) {
          mapped = true;
          if (Object.keys(field).length) value.env = field;
        }
        break;
      case "url":
        mapped = !stdio;
        if (mapped) value.url = field as string;
        break;
      case "headers":
        if (!stdio && isStringRecord(field)) {
          mapped = true;
          if (Object.keys(field).length) value.headers = field;
        }
        break;
      case "timeout":
        if (typeof field === "number" && Number.isInteger(field) && field >= 0) {
          mapped = true;
          value.toolTimeoutMs = field * 1000;
        }
        break;
      case "enabled":
        mapped = typeof field === "boolean";
        if (field === false) value.enabled = false;
        break;
      case "source":
        // The tag of Zed's 2025 format; any other value stays an extra.
        mapped = field === "custom";
        break;
      case "oauth":
        if (!stdio && isPlain(field)) {
          mapped = true;
          readOAuth(value, field, extras);
        }
        break;
    }
    if (!mapped) put(extras, key, field);
  }
  if (Object.keys(extras).length) value.extras = { [ID]: extras };
  return value;
}

/** Zed's older `command: {path, args, env}`; other members stay in `extras.command`. */
function readLegacy(value: McpServer, command: Json, extras: Json): void {
  const rest: Json = {};
  for (const [k, v] of Object.entries(command)) {
    if (k === "path") value.command = v as string;
    else if (k === "args" && isStrings(v)) {
      if (v.length) value.args = v;
    } else if (k === "env" && isStringRecord(v)) {
      if (Object.keys(v).length) value.env = v;
    } else put(rest, k, v);
  }
  if (Object.keys(rest).length) extras.command = rest;
}

/** `oauth.client_id` is canonical; the rest (`client_secret`) stays in `extras.oauth`. */
function readOAuth(value: McpServer, field: Json, extras: Json): void {
  const rest: Json = {};
  for (const [k, v] of Object.entries(field)) {
    if (k === "client_id" && typeof v === "string") value.oauth = { clientId: v };
    else put(rest, k, v);
  }
  if (Object.keys(rest).length || !value.oauth) extras.oauth = rest;
}

// ---------------------------------------------------------------------------------------------
// Planning

/** What Zed cannot express of a server, as lossy notes. */
function lossyNotes(item: McpItem, notes: Note[]): void {
  const v = item.value;
  const note = (field: string, message: string) =>
    notes.push({ item: itemKey(item), field, message });
  const stdio = v.transport === "stdio";
  if (v.transport === "sse") {
    note(
      "transport",
      "Zed connects to remote servers with Streamable HTTP and has no transport setting; the " +
        "server is written as a plain url and reads back as http",
    );
  }
  if (v.cwd !== undefined) note("cwd", "Zed has no working folder setting for a server");
  if (v.startupTimeoutMs !== undefined) {
    note("startupTimeoutMs", "Zed has one timeout per server, for tool calls; not written");
  }
  if (v.toolTimeoutMs !== undefined && v.toolTimeoutMs % 1000 !== 0) {
    note("toolTimeoutMs", "Zed's timeout is in whole seconds; it was rounded up");
  }
  if (v.tools) note("tools", "Zed turns tools on and off in agent profiles, not per server");
  if (stdio) {
    if (v.url !== undefined) note("url", "a local server's url is not written");
    if (v.headers) note("headers", "Zed sends headers to remote servers only");
    if (v.oauth) note("oauth", "Zed uses OAuth for remote servers only; not written");
  } else {
    for (const f of ["command", "args", "env"] as const) {
      if (v[f] !== undefined) {
        note(f, `Zed runs no command for a remote server; "${f}" is not written`);
      }
    }
    for (const f of ["scopes", "callbackPort", "authServerMetadataUrl", "resource"] as const) {
      if (v.oauth?.[f] !== undefined) {
        note(`oauth.${f}`, "Zed's oauth setting has a client id (and secret) only; not written");
      }
    }
  }
  const strings: [string, string][] = stdio
    ? [
      ["command", v.command ?? ""],
      ...(v.args ?? []).map((a, i) => [`args[${i}]`, a] as [string, string]),
      ...Object.entries(v.env ?? {}).map(([k, s]) => [`env.${k}`, s] as [string, string]),
    ]
    : [
      ["url", v.url ?? ""],
      ...Object.entries(v.headers ?? {}).map(([k, s]) => [`headers.${k}`, s] as [string, string]),
    ];
  for (const [field, text] of strings) if (envRefs(text).length) note(field, NO_INTERPOLATION);
  for (const f of ["args", "env", "headers"] as const) {
    const x = v[f];
    if (x && (Array.isArray(x) ? !x.length : !Object.keys(x).length)) {
      note(f, `an empty ${f} reads back as none`);
    }
  }
}

/**
 * A canonical server as a Zed entry. `old` is the entry in the file: its shape (the older
 * `command` object), its `source`, an `"enabled": true` and empty `env`/`headers` stay.
 */
function buildEntry(v: McpServer, old: Json | undefined): Json {
  const extras = { ...(v.extras?.[ID] ?? {}) } as Json;
  const out: Json = {};
  if (!old || old.source === "custom") out.source = "custom";
  const keepEmpty = (key: string) => {
    const x = old?.[key];
    if (isPlain(x) && !Object.keys(x).length) out[key] = x;
  };
  if (v.transport === "stdio") {
    if (isPlain(old?.command)) {
      // Zed's older shape stays the entry's shape.
      const rest = isPlain(extras.command) ? extras.command : {};
      const cmd: Json = { path: v.command, args: v.args ?? [] };
      if (v.env) cmd.env = v.env;
      else if (isPlain(old.command.env) && !Object.keys(old.command.env).length) cmd.env = {};
      for (const [k, x] of Object.entries(rest)) if (!Object.hasOwn(cmd, k)) put(cmd, k, x);
      out.command = cmd;
    } else {
      out.command = v.command;
      // Zed requires `args` (it has no default).
      out.args = v.args ?? [];
      if (v.env) out.env = v.env;
      else keepEmpty("env");
    }
    delete extras.command;
  } else {
    out.url = v.url;
    if (v.headers) out.headers = v.headers;
    else keepEmpty("headers");
    if (v.oauth?.clientId !== undefined) {
      const rest = isPlain(extras.oauth) ? extras.oauth : {};
      out.oauth = { client_id: v.oauth.clientId, ...rest };
      delete extras.oauth;
    }
  }
  if (v.toolTimeoutMs !== undefined) out.timeout = Math.ceil(v.toolTimeoutMs / 1000);
  if (v.enabled === false) out.enabled = false;
  else if (old?.enabled === true) out.enabled = true;
  for (const [k, x] of Object.entries(extras)) if (!Object.hasOwn(out, k)) put(out, k, x);
  return old ? out : ordered(out, KEY_ORDER);
}

/** `context_servers` in a settings file. */
const TABLE: ServerTable = {
  id: ID,
  key: "context_servers",
  parse: parseSettings,
  read: readServer,
  build: (item, old) => buildEntry(item.value, old),
  own: (v) => ownPart(v, ID, { empties: true, enabled: "on" }),
  skip(item, raw, file, notes) {
    if (raw === undefined || readServer(raw)) return false;
    // Most likely an extension's settings: they are the user's, and stay.
    notes.push({
      item: itemKey(item),
      message: `${file.path} has an entry "${item.name}" that is not a server aisync can ` +
        "read (an extension's settings?); it stays as it is and the server is not written",
    });
    return true;
  },
};
