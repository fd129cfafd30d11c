import assert from "node:assert/strict";
import type { Context } from "../plugins/_contract.ts";
import { ConfigParseError, parseJsonc } from "./editors.ts";
import { isPlain, type Json } from "./guards.ts";
import {
  checkTable,
  EntryWriter,
  loadJsonFile,
  loadServerFile,
  type McpItem,
  ownPart,
  planServers,
  readOAuth,
  serverItems,
  type ServerTable,
} from "./json_servers.ts";
import type { McpServer, Note } from "./schema.ts";

/** A context over in-memory files. */
function memory(files: Record<string, string>): Context {
  return {
    os: "linux",
    home: "/h",
    paths: {},
    projects: [],
    files: {
      read: (p) => Promise.resolve(files[p]),
      list: () => Promise.resolve([]),
      readBase64: () => Promise.resolve(undefined),
      stat: () => Promise.resolve(undefined),
    },
  };
}

function parse(body: string, file: string): Json {
  const data = parseJsonc(body, file, { comments: true });
  if (!isPlain(data)) throw new ConfigParseError(file, "not an object", 1, 1);
  checkTable(data, "servers", body, file);
  return data;
}

/** A client whose entries are `{cmd}`; anything else is not a server. */
const TABLE: ServerTable = {
  id: "t",
  key: "servers",
  parse,
  read: (raw) =>
    isPlain(raw) && typeof raw.cmd === "string"
      ? { transport: "stdio", command: raw.cmd }
      : undefined,
  build: (item) => ({ cmd: item.value.command }),
};

const server = (name: string, command: string): McpItem => ({
  kind: "mcp",
  scope: "user",
  name,
  value: { transport: "stdio", command },
});

Deno.test("loadServerFile keeps the byte order mark and locates a table that is not an object", async () => {
  const ok = await loadServerFile(
    memory({ "/f": '\uFEFF{"servers": {"a": {"cmd": "x"}}}' }),
    "/f",
    TABLE,
  );
  assert.equal(ok.bom, "\uFEFF");
  assert.deepEqual(ok.servers, { a: { cmd: "x" } });
  assert.deepEqual(serverItems(ok.servers, "user", TABLE.read), [server("a", "x")]);
  const bad = await loadServerFile(memory({ "/f": '{\n  "servers": []\n}' }), "/f", TABLE);
  assert.deepEqual([bad.error?.line, bad.error?.column], [2, 3]);
  assert.match(bad.error!.message, /"servers" must be an object/);
  assert.deepEqual(await loadServerFile(memory({}), "/f", TABLE), {
    path: "/f",
    bom: "",
    body: "",
    servers: {},
  });
});

Deno.test("planServers removes, edits and adds entries, and leaves the rest byte for byte", async () => {
  const text = '\uFEFF{\n  // mine\n  "x": 1,\n  "servers": {\n    "a": {"cmd": "a"},\n' +
    '    "b": {"cmd": "b"},\n    "ext": {"settings": 1}\n  }\n}\n';
  const file = await loadServerFile(memory({ "/f": text }), "/f", TABLE);
  const notes: Note[] = [];
  const write = planServers(file, [server("a", "a"), server("c", "c")], TABLE, notes);
  assert.ok(write?.content?.startsWith('\uFEFF{\n  // mine\n  "x": 1,'));
  const servers = (parseJsonc(write!.content!.slice(1), "/f", { comments: true }) as Json).servers;
  // `ext` is not a server: it stays; `b` is no longer desired; `c` is new.
  assert.deepEqual(servers, { a: { cmd: "a" }, ext: { settings: 1 }, c: { cmd: "c" } });
  assert.equal(planServers(file, [server("a", "a"), server("b", "b")], TABLE, notes), undefined);
  // Names in `keep` stay even when they are not desired.
  assert.equal(planServers(file, [server("a", "a")], TABLE, notes, ["b"]), undefined);
  // A new file gets the table; none without servers.
  const none = await loadServerFile(memory({}), "/g", TABLE);
  assert.equal(planServers(none, [], TABLE, notes), undefined);
  assert.equal(
    planServers(none, [server("a", "a")], TABLE, notes)?.content,
    '{\n  "servers": {\n    "a": {\n      "cmd": "a"\n    }\n  }\n}\n',
  );
  assert.deepEqual(notes, []);
});

Deno.test("planServers never writes a broken file, and skips what `skip` keeps", async () => {
  const broken = await loadServerFile(memory({ "/f": "{" }), "/f", TABLE);
  assert.ok(broken.error);
  assert.equal(planServers(broken, [server("a", "a")], TABLE, []), undefined);
  const file = await loadServerFile(memory({ "/f": '{"servers": {"a": {"x": 1}}}' }), "/f", TABLE);
  const notes: Note[] = [];
  const skip: ServerTable = {
    ...TABLE,
    skip(item, raw, _file, n) {
      if (raw === undefined) return false;
      n.push({ item: item.name, message: "kept" });
      return true;
    },
  };
  assert.equal(planServers(file, [server("a", "a")], skip, notes), undefined);
  assert.deepEqual(notes, [{ item: "a", message: "kept" }]);
});

Deno.test("ownPart keeps the plugin's own extras and drops what the file does not hold", () => {
  const v: McpServer = {
    transport: "stdio",
    command: "x",
    args: [],
    env: {},
    enabled: true,
    extras: { t: { k: 1 }, other: { k: 2 } },
  };
  assert.deepEqual(ownPart(v, "t"), { ...v, extras: { t: { k: 1 } } });
  assert.deepEqual(ownPart(v, "t", { empties: true, enabled: "on" }), {
    transport: "stdio",
    command: "x",
    extras: { t: { k: 1 } },
  });
  assert.deepEqual(ownPart({ ...v, enabled: false }, "u", { enabled: "any" }), {
    transport: "stdio",
    command: "x",
    args: [],
    env: {},
  });
});

Deno.test("EntryWriter keeps the file's own spelling and notes what the client cannot say", () => {
  const notes: Note[] = [];
  const syntax = {
    read: (t: string) => t.replace(/\$(\w+)/g, "${$1}"),
    write: (c: string) => ({ text: c, problems: c.includes(":-") ? ["no defaults"] : [] }),
  };
  const w = new EntryWriter(server("a", "a"), notes, syntax, true);
  assert.equal(w.text("command", "${A}", "$A"), "$A");
  assert.deepEqual(w.list("args", ["${B:-x}", "${B:-x}"], []), ["${B:-x}", "${B:-x}"]);
  assert.deepEqual(w.record("env", { K: "${A}" }, { K: "$A" }), { K: "$A" });
  assert.deepEqual(notes, [{ item: "mcp:user:a", field: "args", message: "no defaults" }]);
});

Deno.test("readOAuth maps clientId and scopes, and keeps the rest (or all of it) in extras", () => {
  const value: McpServer = { transport: "http", url: "u" };
  const extras: Json = {};
  assert.equal(
    readOAuth(value, { clientId: "$C", scopes: ["s"], secret: "x" }, extras, (t) => t),
    true,
  );
  assert.deepEqual([value.oauth, extras.oauth], [{ clientId: "$C", scopes: ["s"] }, {
    secret: "x",
  }]);
  const bare: Json = {};
  assert.equal(readOAuth({ transport: "http" }, {}, bare, (t) => t), true);
  assert.deepEqual(bare, { oauth: {} });
  assert.equal(readOAuth({ transport: "http" }, "x", {}, (t) => t), false);
});

Deno.test("loadJsonFile reads an object, and reports anything else with the file's scopes", async () => {
  const ctx = memory({ "/a": "\uFEFF{}", "/b": "[]", "/c": "", "/d": "{,}" });
  assert.deepEqual(
    (await loadJsonFile(ctx, "/a", ["user"], { comments: true, bom: true })).data,
    {},
  );
  assert.deepEqual((await loadJsonFile(ctx, "/b", ["user"], { comments: true })).error, {
    file: "/b",
    message: 'Cannot read "/b": it is not a JSON object',
    scopes: ["user"],
  });
  const empty = await loadJsonFile(ctx, "/c", [], { comments: true, emptyOk: true });
  assert.deepEqual(empty.data, {});
  const broken = await loadJsonFile(ctx, "/d", ["p"], { comments: false });
  assert.deepEqual([broken.error?.line, broken.error?.scopes], [1, ["p"]]);
  assert.deepEqual(await loadJsonFile(ctx, "/none", [], { comments: true }), { path: "/none" });
});
