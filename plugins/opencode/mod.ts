/**
 * opencode: MCP servers in `opencode.json` / `opencode.jsonc` (global, project root and
 * `.opencode/`), V1 and V2 shapes, the `AGENTS.md` instruction files, and the commands, agents
 * and skills folders (see `folders.ts`).
 *
 * What this plugin relies on, checked in the bundle of opencode 1.18.33 and with
 * `opencode mcp add` / `opencode debug config` (`HOME` and the XDG folders in a temp folder):
 *
 * - Global files, later ones winning: `config.json`, `opencode.json`, `opencode.jsonc` in
 *   `$XDG_CONFIG_HOME/opencode`. Project files: `opencode.json`, `opencode.jsonc`, then
 *   `.opencode/opencode.json` and `.opencode/opencode.jsonc`. They are deep-merged; a file is
 *   JSONC (comments and trailing commas; an empty file is `{}`).
 * - `opencode mcp add` writes to the first existing of `opencode.json`, `opencode.jsonc` (and,
 *   in a project, the `.opencode/` ones), else to `opencode.json`; opencode itself creates the
 *   global `opencode.jsonc` with only `$schema` on first start, and inserts `$schema` into any
 *   config file it loads without one.
 * - V1: `mcp.<name>` = `{type: "local", command: [cmd, ...args], cwd, environment, enabled,
 *   timeout}` or `{type: "remote", url, headers, oauth: {clientId, clientSecret, scope,
 *   callbackPort, redirectUri} | false, enabled, timeout}`; `timeout` is the per-request
 *   timeout in ms. V2: `mcp.servers.<name>` with `disabled` instead of `enabled`, `timeout:
 *   {startup, request}` and snake_case OAuth keys (opencode's own V1-to-V2 migration, and its
 *   compatibility reader, say so). Both can be in one file; a V1 entry wins over a V2 one of the
 *   same name. Each file is written in the shape it already uses; a new file is V1.
 * - `{env:VAR}` and `{file:path}` are replaced in the file's text before it is parsed; there is
 *   no escape and no default value. `${VAR}` means nothing to opencode.
 * - There is one remote type: opencode tries streamable HTTP, then SSE.
 *
 * Text that opencode keeps literally but that would read as a reference in the canonical form
 * (`${VAR}`), and `{file:...}` references, never enter the canonical model: `environment`,
 * `headers`, `cwd` and OAuth values holding them stay in `extras.opencode`, and a server whose
 * command or url holds one is not read and stays as it is.
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
  isPlain,
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
  put,
  type ReadError,
  readInstructions,
  type ReadResult,
  sameValue,
  validItem,
} from "../_contract.ts";
import { folderRead, loadFolders, planFolders } from "./folders.ts";

const ID = "opencode";
const BOM = "\uFEFF";
const SCHEMA = "https://opencode.ai/config.json";
/** opencode's substitution (`ConfigVariable.substitute`). */
const OC_ENV = /\{env:([^}]+)\}/g;

type Style = "v1" | "v2";
type McpItem = Extract<Item, { kind: "mcp" }>;

/** One object of servers inside a file: V1 `mcp` or V2 `mcp.servers`. */
interface Table {
  file: JsonFile;
  path: string[];
  style: Style;
  servers: Json;
}

/** The MCP servers of one scope. */
interface ScopeLayout {
  scope: string;
  files: JsonFile[];
  /** Lowest precedence first. */
  tables: Table[];
  /** Where new servers go: the file `opencode mcp add` would pick. */
  target: JsonFile;
  broken: boolean;
}

/** A server name of a scope as opencode resolves it: the highest-precedence entry wins. */
interface Entry {
  name: string;
  table: Table;
  raw: unknown;
  value?: McpServer;
  /** Lower-precedence copies (opencode deep-merges them under the winner). */
  shadowed: Table[];
}

/** The opencode plugin: `detect`, `read` and `plan` over the files above. */
export default definePlugin({
  async detect(ctx) {
    const paths = [ctx.paths.opencode_jsonc, ctx.paths.opencode_json, ctx.paths.config_json];
    for (const path of [...paths, ctx.paths.instructions]) {
      if ((await ctx.files.read(path)) !== undefined) return { installed: true };
    }
    for (const path of [ctx.paths.commands, ctx.paths.agents, ctx.paths.skills]) {
      if ((await ctx.files.stat(path))?.isDirectory) return { installed: true };
    }
    return { installed: false };
  },

  async read(ctx) {
    const { scopes, errors } = await load(ctx);
    const items: Item[] = [];
    for (const s of scopes) {
      for (const e of entries(s).values()) {
        if (e.value) items.push({ kind: "mcp", scope: s.scope, name: e.name, value: e.value });
      }
    }
    for (const [scope, path] of instructionPaths(ctx)) {
      items.push(...await readInstructions(ctx, path, scope));
    }
    const folders = folderRead(await loadFolders(ctx));
    items.push(...folders.items);
    errors.push(...folders.errors);
    const result: ReadResult = { items };
    if (errors.length) result.errors = errors;
    return result;
  },

  async plan(desired, ctx) {
    const { scopes } = await load(ctx);
    const notes: Note[] = [];
    const writes: PlannedWrite[] = [];
    for (const s of scopes) {
      const wanted = desired.items.filter((i): i is McpItem =>
        i.kind === "mcp" && i.scope === s.scope
      );
      for (const item of wanted) notes.push(...lossyNotes(item));
      if (s.broken) continue;
      planScope(s, wanted, notes);
      for (const f of s.files) {
        if (f.next !== undefined && f.next !== f.text) {
          writes.push({ path: f.path, content: f.next });
        }
      }
    }
    for (const [scope, path] of instructionPaths(ctx)) {
      const item = desired.items.find((i) =>
        i.kind === "instructions" && i.scope === scope && i.name === "main"
      );
      const memoryWrite = await planInstructions(ctx, path, item);
      if (memoryWrite) writes.push(memoryWrite);
    }
    writes.push(...await planFolders(ctx, await loadFolders(ctx), desired.items, notes));
    return { writes, notes };
  },
});

// ---------------------------------------------------------------------------------------------
// Files and layout

async function load(ctx: Context): Promise<{ scopes: ScopeLayout[]; errors: ReadError[] }> {
  const errors: ReadError[] = [];
  const scopes: ScopeLayout[] = [];
  const add = async (scope: string, paths: string[], targets: string[], fresh: string) => {
    const files: JsonFile[] = [];
    for (const path of paths) {
      files.push(
        await loadJsonFile(ctx, path, [scope], { comments: true, bom: true, emptyOk: true }),
      );
    }
    const s: ScopeLayout = {
      scope,
      files,
      tables: [],
      target: files.find((f) => targets.includes(f.path) && f.text !== undefined) ??
        files.find((f) => f.path === fresh)!,
      broken: false,
    };
    for (const f of files) {
      if (!f.error) addTables(s, f);
      if (f.error) {
        // Commands, agents and skills are files of their own: a broken config file freezes
        // only the servers.
        errors.push({ ...f.error, kinds: ["mcp"] });
        s.broken = true;
      }
    }
    scopes.push(s);
  };
  const u = ctx.paths;
  await add(
    "user",
    [u.config_json, u.opencode_json, u.opencode_jsonc],
    [u.opencode_json, u.opencode_jsonc],
    u.opencode_jsonc,
  );
  for (const p of ctx.projects) {
    const q = p.paths;
    const order = [q.opencode_json, q.opencode_jsonc, q.dot_opencode_json, q.dot_opencode_jsonc];
    await add(`project:${p.root}`, order, order, q.opencode_json);
  }
  return { scopes, errors };
}

/** The server tables of a file: V2 `mcp.servers` (lower) and V1 `mcp` (higher). */
function addTables(s: ScopeLayout, f: JsonFile) {
  const mcp = f.data?.mcp;
  if (mcp === undefined) return;
  if (!isPlain(mcp)) {
    f.error = shapeError(f, ["mcp"], "must be an object of servers", [s.scope]);
    return;
  }
  const servers = mcp.servers;
  const v2 = isV2Container(servers);
  if (v2) s.tables.push({ file: f, path: ["mcp", "servers"], style: "v2", servers });
  const v1: Json = {};
  for (const [name, raw] of Object.entries(mcp)) {
    if (!(v2 && name === "servers")) put(v1, name, raw);
  }
  s.tables.push({ file: f, path: ["mcp"], style: "v1", servers: v1 });
}

/** opencode's test: `mcp.servers` is the V2 map unless it looks like a server itself. */
function isV2Container(x: unknown): x is Json {
  if (!isPlain(x)) return false;
  return !["type", "enabled"].some((k) =>
    Object.hasOwn(x, k) && (x[k] === null || typeof x[k] !== "object" || Array.isArray(x[k]))
  );
}

/** The style of the file new servers go to: V2 when it already has `mcp.servers`. */
function styleOf(f: JsonFile): Style {
  const mcp = f.data?.mcp;
  return isPlain(mcp) && isV2Container(mcp.servers) ? "v2" : "v1";
}

function shapeError(file: JsonFile, path: string[], reason: string, scopes: string[]): ReadError {
  const error: ReadError = {
    file: file.path,
    message: `Cannot read "${file.path}": "${path.join(".")}" ${reason}`,
    scopes,
  };
  const tree = parseTree(file.text!.replace(/^\uFEFF/, ""), [], { allowTrailingComma: true });
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

/**
 * The servers of a scope by name. The last table that has a name wins, and opencode deep-merges
 * the earlier copies under it, so the value is read from the merge.
 */
function entries(s: ScopeLayout): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const table of s.tables) {
    for (const [name, raw] of Object.entries(table.servers)) {
      const before = out.get(name);
      const shadowed = before ? [...before.shadowed, before.table] : [];
      out.set(name, { name, table, raw, shadowed });
    }
  }
  for (const e of out.values()) {
    const merged = e.shadowed.length
      ? [...e.shadowed.map((t) => t.servers[e.name]), e.raw].map(lowerFlag).reduce(mergeDeep)
      : e.raw;
    e.value = toCanonical(merged, s.scope, e.name);
  }
  return out;
}

/** A V2 `disabled` as the V1 `enabled` opencode turns it into before it merges files. */
function lowerFlag(raw: unknown): unknown {
  if (!isPlain(raw) || typeof raw.disabled !== "boolean" || typeof raw.enabled === "boolean") {
    return raw;
  }
  const { disabled, ...rest } = raw;
  return { ...rest, enabled: !disabled };
}

/** opencode's merge of config files: objects member by member, anything else replaced. */
function mergeDeep(a: unknown, b: unknown): unknown {
  if (!isPlain(a) || !isPlain(b)) return b;
  const out: Json = {};
  for (const [k, v] of Object.entries(a)) put(out, k, v);
  for (const [k, v] of Object.entries(b)) put(out, k, Object.hasOwn(a, k) ? mergeDeep(a[k], v) : v);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Planning

function planScope(s: ScopeLayout, wanted: McpItem[], notes: Note[]) {
  const want = new Map(wanted.map((i) => [i.name, i]));
  const have = entries(s);
  for (const e of have.values()) {
    const item = want.get(e.name);
    if (!e.value) {
      // Never read, so never reported: leave it exactly as it is.
      if (item) {
        notes.push({
          item: itemKey(item),
          message: "opencode already has an entry of this name that aisync cannot map (no " +
            "valid type, or {file:...} or literal ${...} text in its command or url); it was " +
            "left unchanged",
        });
      }
      continue;
    }
    if (item && sameValue(own(e.value), own(item.value))) continue;
    if (item) {
      const file = e.table.file;
      file.next = editJson(
        file.next!,
        [...e.table.path, e.name],
        toNative(item, e.table.style, notes, e.raw),
      );
    } else {
      remove(e.table, e.name);
    }
    // opencode merges same-named entries of every file: a copy left below would leak fields
    // into the server (or bring it back).
    for (const t of e.shadowed) remove(t, e.name);
  }
  const target = s.target;
  const style = styleOf(target);
  const fresh: Json = {};
  for (const item of wanted) {
    if (have.has(item.name)) continue;
    const native = toNative(item, style, notes);
    if (target.next === undefined || target.next.replace(BOM, "").trim() === "") {
      put(fresh, item.name, native);
    } else {
      const path = style === "v2" ? ["mcp", "servers", item.name] : ["mcp", item.name];
      target.next = editJson(target.next, path, native);
    }
  }
  if (Object.keys(fresh).length) {
    // As opencode writes a config file: `$schema` first, two spaces, no final line break.
    target.next = JSON.stringify({ $schema: SCHEMA, mcp: fresh }, null, 2);
  }
}

function remove(t: Table, name: string) {
  t.file.next = editJson(t.file.next!, [...t.path, name], undefined);
}

/** What of a value decides the entry: other clients' extras and `enabled: true` do not. */
function own(v: McpServer): McpServer {
  const { extras, ...rest } = v;
  const out: McpServer = extras?.[ID] ? { ...rest, extras: { [ID]: extras[ID] } } : rest;
  if (out.enabled === true) delete out.enabled;
  return out;
}

/** What opencode cannot express of a server, whatever the file's shape, as lossy notes. */
function lossyNotes(item: McpItem): Note[] {
  const v = item.value;
  const key = itemKey(item);
  const notes: Note[] = [];
  const note = (field: string, message: string) => notes.push({ item: key, field, message });
  if (v.transport === "sse") {
    note(
      "transport",
      'opencode has one "remote" type for HTTP and SSE (it tries streamable HTTP, then SSE); ' +
        "the server is written as remote and reads back as http",
    );
  }
  if (v.tools !== undefined) {
    note(
      "tools",
      "opencode turns MCP tools on and off in its top-level tools map (<server>_<tool>), not " +
        "per server; tools is not written",
    );
  }
  const unused = v.transport === "stdio"
    ? (["url", "headers", "oauth"] as const)
    : (["command", "args", "env", "cwd"] as const);
  for (const field of unused) {
    if (v[field] !== undefined) {
      note(field, `opencode has no ${field} for ${v.transport} servers; it is not written`);
    }
  }
  if (v.transport !== "stdio" && v.oauth) {
    if (v.oauth.authServerMetadataUrl !== undefined) {
      note(
        "oauth.authServerMetadataUrl",
        "opencode discovers the authorization server itself; authServerMetadataUrl is not written",
      );
    }
    if (v.oauth.resource !== undefined) {
      note("oauth.resource", "opencode has no OAuth resource setting; it is not written");
    }
    if (v.oauth.scopes?.some((x) => x === "" || /\s/.test(x))) {
      note(
        "oauth.scopes",
        "opencode keeps OAuth scopes as one space-separated string; a scope that is empty or " +
          "holds spaces does not survive it",
      );
    }
    if (v.oauth.scopes?.length === 0) {
      note(
        "oauth.scopes",
        "opencode keeps OAuth scopes as one string; an empty list is not written",
      );
    }
  }
  return notes;
}

// ---------------------------------------------------------------------------------------------
// References

/**
 * opencode text as canonical text, or `undefined` when it cannot be carried: `{env:VAR}`
 * becomes `${VAR}`; `{file:...}`, `{env:...}` with a name the canonical form cannot hold, and
 * literal text that would read as a canonical reference cannot.
 */
function fromOc(text: string): string | undefined {
  if (text.includes("{file:")) return undefined;
  if ([...text.matchAll(ENV_REF)].length) return undefined;
  let bad = false;
  const out = text.replace(OC_ENV, (_, name: string) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) bad = true;
    return `\${${name}}`;
  });
  return bad ? undefined : out;
}

/** Canonical text in opencode's syntax, with what opencode would read differently. */
function toOc(canon: string): { text: string; problems: string[] } {
  let text = "";
  let last = 0;
  const problems: string[] = [];
  const literal = (part: string) => {
    if (/\{(env|file):/.test(part)) {
      problems.push(
        `opencode replaces {env:...} and {file:...} in its files; "${part}" would not stay ` +
          "literal text",
      );
    }
    text += part;
  };
  for (const m of canon.matchAll(ENV_REF)) {
    literal(canon.slice(last, m.index));
    text += `{env:${m[1]}}`;
    if (m[2] !== undefined) {
      problems.push(`opencode's {env:${m[1]}} has no default value; "${m[0]}" loses "${m[2]}"`);
    }
    last = m.index + m[0].length;
  }
  literal(canon.slice(last));
  return { text, problems };
}

/** Writes one item, keeping the file's spelling of values that did not change. */
class Writer extends EntryWriter {
  constructor(item: McpItem, notes: Note[]) {
    // opencode's spelling of references; a note is made once per item and field.
    super(item, notes, { read: fromOc, write: toOc }, true);
  }

  /** A string map (`environment`, `headers`): canonical values, then the extras kept. */
  map(field: string, canon: Record<string, string> | undefined, current: unknown, kept: unknown) {
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
            `the value opencode kept for ${k} (${JSON.stringify(v)}) is replaced`,
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

/** Splits OAuth scopes the way opencode passes its `scope` string on. */
function splitScopes(s: string): string[] {
  return s.split(/\s+/).filter((x) => x !== "");
}

/** A native entry (V1 or V2) to a canonical server, or `undefined` when it cannot be mapped. */
function toCanonical(raw: unknown, scope: string, name: string): McpServer | undefined {
  if (!isPlain(raw)) return undefined;
  const transport = raw.type === "local" ? "stdio" : raw.type === "remote" ? "http" : undefined;
  if (!transport) return undefined;
  const stdio = transport === "stdio";
  const v: McpServer = { transport };
  const extra: Json = {};
  let off = false;
  for (const [k, x] of Object.entries(raw)) {
    if (k === "type") continue;
    if (stdio && k === "command" && isStrings(x) && x.length && x[0] !== "") {
      const parts = x.map(fromOc);
      if (parts.some((p) => p === undefined)) return undefined;
      v.command = parts[0];
      if (parts.length > 1) v.args = parts.slice(1) as string[];
    } else if (!stdio && k === "url" && typeof x === "string" && x !== "") {
      const url = fromOc(x);
      if (url === undefined) return undefined;
      v.url = url;
    } else if ((stdio && k === "environment" || !stdio && k === "headers") && isPlain(x)) {
      const mapped: Record<string, string> = {};
      const kept: Json = {};
      for (const [n, y] of Object.entries(x)) {
        const c = typeof y === "string" ? fromOc(y) : undefined;
        if (c === undefined) put(kept, n, y);
        else put(mapped, n, c);
      }
      if (Object.keys(mapped).length) v[stdio ? "env" : "headers"] = mapped;
      if (Object.keys(kept).length) put(extra, k, kept);
    } else if (stdio && k === "cwd" && typeof x === "string" && fromOc(x) !== undefined) {
      v.cwd = fromOc(x);
    } else if (k === "enabled" && typeof x === "boolean") off = !x;
    else if (k === "disabled" && typeof x === "boolean" && typeof raw.enabled !== "boolean") {
      off = x;
    } else if (k === "timeout" && isMs(x)) v.toolTimeoutMs = x;
    else if (k === "timeout" && isPlain(x)) {
      const rest: Json = {};
      for (const [n, y] of Object.entries(x)) {
        if (n === "startup" && isMs(y)) v.startupTimeoutMs = y;
        else if (n === "request" && isMs(y)) v.toolTimeoutMs = y;
        else put(rest, n, y);
      }
      if (Object.keys(rest).length || !Object.keys(x).length) extra.timeout = rest;
    } else if (!stdio && k === "oauth" && isPlain(x)) {
      const oauth: NonNullable<McpServer["oauth"]> = {};
      const rest: Json = {};
      for (const [n, y] of Object.entries(x)) {
        const s = typeof y === "string" ? fromOc(y) : undefined;
        if ((n === "clientId" || n === "client_id") && s !== undefined) oauth.clientId = s;
        else if ((n === "callbackPort" || n === "callback_port") && isPort(y)) {
          oauth.callbackPort = y;
        } else if (n === "scope" && s !== undefined && splitScopes(s).length) {
          oauth.scopes = splitScopes(s);
        } else put(rest, n, y);
      }
      if (Object.keys(oauth).length) v.oauth = oauth;
      // An oauth with nothing canonical in it (even `{}`) stays whole in the extras.
      if (Object.keys(rest).length || !Object.keys(oauth).length) extra.oauth = rest;
    } else {
      // oauth: false, codemode, fields of the other type, anything newer: kept verbatim.
      put(extra, k, x);
    }
  }
  if (off) v.enabled = false;
  if (Object.keys(extra).length) v.extras = { [ID]: extra };
  const item = { kind: "mcp" as const, scope, name, value: v };
  return validItem(item) ? v : undefined;
}

/**
 * A canonical server to an opencode entry in `style`, the way `opencode mcp add` writes one.
 * With `current` (the entry it replaces) the entry's own spellings are kept: `enabled` or
 * `disabled`, a number or object `timeout`, camelCase or snake_case OAuth keys, `{env:...}`
 * forms, empty `environment`/`headers`.
 */
function toNative(item: McpItem, style: Style, notes: Note[], current?: unknown): Json {
  const v = item.value;
  const type = v.transport === "stdio" ? "local" : "remote";
  const same = isPlain(current) && current.type === type;
  const cur: Json = same ? current as Json : {};
  const extra = v.extras?.[ID] ?? {};
  const w = new Writer(item, notes);
  const out: Json = { type };
  if (v.transport === "stdio") {
    const curCmd = Array.isArray(cur.command) ? cur.command : [];
    out.command = [v.command!, ...(v.args ?? [])].map((c, i) => w.text("command", c, curCmd[i]));
    if (v.cwd !== undefined) out.cwd = w.text("cwd", v.cwd, cur.cwd);
    if (!Object.hasOwn(extra, "environment") || v.env) {
      const env = w.map("environment", v.env, cur.environment, extra.environment);
      if (env) out.environment = env;
    }
  } else {
    out.url = w.text("url", v.url!, cur.url);
    if (!Object.hasOwn(extra, "headers") || v.headers) {
      const headers = w.map("headers", v.headers, cur.headers, extra.headers);
      if (headers) out.headers = headers;
    }
    if (
      v.oauth && (v.oauth.clientId !== undefined || v.oauth.callbackPort !== undefined ||
        v.oauth.scopes?.length)
    ) {
      out.oauth = oauthOf(v.oauth, style, cur.oauth, extra.oauth, w);
    }
  }
  // On/off: the entry's own key, else the style's.
  const flag = typeof cur.enabled === "boolean"
    ? "enabled"
    : typeof cur.disabled === "boolean"
    ? "disabled"
    : style === "v2"
    ? "disabled"
    : "enabled";
  if (v.enabled === false) out[flag] = flag === "disabled";
  else if (typeof cur[flag] === "boolean") out[flag] = flag !== "disabled";
  timeoutOf(v, style, cur.timeout, extra.timeout, out, w);
  for (const [k, x] of Object.entries(extra)) {
    if (!Object.hasOwn(out, k)) put(out, k, x);
    else if (!["environment", "headers", "oauth", "timeout"].includes(k)) {
      w.note(k, `the value opencode kept for ${k} (${JSON.stringify(x)}) is replaced`);
    }
  }
  return out;
}

function oauthOf(
  o: NonNullable<McpServer["oauth"]>,
  style: Style,
  current: unknown,
  kept: unknown,
  w: Writer,
): Json {
  const cur = isPlain(current) ? current : {};
  const snake =
    ["client_id", "client_secret", "callback_port", "redirect_uri"].some((k) =>
      Object.hasOwn(cur, k)
    ) || (style === "v2" && !["clientId", "clientSecret", "callbackPort", "redirectUri"].some((k) =>
      Object.hasOwn(cur, k)
    ));
  const out: Json = {};
  if (o.clientId !== undefined) {
    const k = snake ? "client_id" : "clientId";
    out[k] = w.text("oauth.clientId", o.clientId, cur[k]);
  }
  if (o.scopes?.length) {
    const was = typeof cur.scope === "string" ? fromOc(cur.scope) : undefined;
    out.scope = was !== undefined && sameValue(splitScopes(was), o.scopes)
      ? cur.scope
      : w.text("oauth.scopes", o.scopes.join(" "));
  }
  if (o.callbackPort !== undefined) out[snake ? "callback_port" : "callbackPort"] = o.callbackPort;
  if (kept === false) w.note("oauth", "opencode's oauth: false (no OAuth) is replaced");
  else if (isPlain(kept)) {
    for (const [k, x] of Object.entries(kept)) if (!Object.hasOwn(out, k)) put(out, k, x);
  }
  return out;
}

function timeoutOf(
  v: McpServer,
  style: Style,
  current: unknown,
  kept: unknown,
  out: Json,
  w: Writer,
) {
  const object = isPlain(current) || (current === undefined && style === "v2") || isPlain(kept);
  if (!object) {
    if (v.toolTimeoutMs !== undefined) out.timeout = v.toolTimeoutMs;
    if (v.startupTimeoutMs !== undefined) {
      w.note(
        "startupTimeoutMs",
        "opencode's V1 timeout is the per-request timeout; startupTimeoutMs is not written",
      );
    }
    return;
  }
  const t: Json = {};
  if (v.startupTimeoutMs !== undefined) t.startup = v.startupTimeoutMs;
  if (v.toolTimeoutMs !== undefined) t.request = v.toolTimeoutMs;
  if (isPlain(kept)) {
    for (const [k, x] of Object.entries(kept)) if (!Object.hasOwn(t, k)) put(t, k, x);
  }
  if (Object.keys(t).length || isPlain(kept)) out.timeout = t;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isMs(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x) && x >= 0;
}

function isPort(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 65535;
}
