import assert from "node:assert/strict";
import fc from "fast-check";
// @ts-types="jsonc-parser"
import { parseTree } from "./vendor/jsonc_parser.js";
import {
  checkToml,
  ConfigParseError,
  editJson,
  editToml,
  initToml,
  parseJsonc,
  parseToml,
} from "./editors.ts";

await initToml();

Deno.test("editJson() changes one member and keeps comments and the rest byte for byte", () => {
  const text =
    '{\n  // mine\n  "keep": [1,2],\n  "mcpServers": {\n    "a": {"command": "x"}\n  }\n}\n';
  const out = editJson(text, ["mcpServers", "a", "command"], "y");
  assert.equal(out, text.replace('"command": "x"', '"command": "y"'));
  assert.equal(editJson(text, ["mcpServers", "a"], { command: "x" }), text);
});

Deno.test("parseJsonc() names the line and column of an error", () => {
  const err = assert.throws(
    () => parseJsonc('{\n  "a": 1,\n  "b"\n}', "/h/.claude.json"),
    ConfigParseError,
  );
  void err;
  try {
    parseJsonc('{\n  "a": 1,\n  "b"\n}', "/h/.claude.json");
  } catch (e) {
    assert.ok(e instanceof ConfigParseError);
    assert.equal(e.file, "/h/.claude.json");
    assert.equal(e.line, 4);
    assert.match(e.message, /^Cannot parse "\/h\/.claude.json" at line 4, column \d+: /);
  }
});

Deno.test("parseJsonc() reads plain JSON as jsonc-parser does, and refuses what it refuses", () => {
  fc.assert(fc.property(fc.jsonValue(), (v) => {
    const text = JSON.stringify(v, null, 2);
    // The same text with a comment in front takes jsonc-parser's way.
    const slow = parseJsonc("// c\n" + text, "f.json", { comments: true });
    assert.deepEqual(parseJsonc(text, "f.json"), slow);
  }));
  // A "__proto__" key is data, as in the clients' own JSON.parse.
  const own = parseJsonc('{"__proto__": {"x": 1}}', "f.json") as Record<string, unknown>;
  assert.ok(Object.hasOwn(own, "__proto__"));
  // Nested deeper than the editors go, or with a comment where comments are not allowed: errors.
  const deep = '{"a":'.repeat(5000) + "1" + "}".repeat(5000);
  assert.throws(() => parseJsonc(deep, "f.json"), ConfigParseError);
  assert.throws(() => parseJsonc('{"a": 1 // no\n}', "f.json"), ConfigParseError);
  assert.throws(() => parseJsonc('{"a": 1,}', "f.json"), ConfigParseError);
});

Deno.test("editToml() adds tables like Codex and keeps inline comments", () => {
  const text = '# top\nmodel = "o3" # mine\n\n[projects."/p"]\ntrust_level = "trusted"\n';
  const out = editToml(text, ["mcp_servers", "fs"], { command: "npx", env: { FOO: "bar" } });
  assert.match(
    out,
    /\[mcp_servers\.fs\]\ncommand = "npx"\n\n\[mcp_servers\.fs\.env\]\nFOO = "bar"\n/,
  );
  assert.ok(out.startsWith('# top\nmodel = "o3" # mine\n'));
  assert.ok(out.includes('[projects."/p"]\ntrust_level = "trusted"\n'));
  assert.equal(editToml(out, ["mcp_servers", "fs"], undefined).trim(), text.trim());
});

Deno.test("editToml(): appends one after another land where each alone would", () => {
  // Successive appends skip the scan of the file (see appendTable); a parse of another text in
  // between makes each append start afresh. Both must write the same file.
  const start = '# mine\n[mcp_servers.a]\ncommand = "a"\n\n[mcp_servers.a.env]\nX = "1" # x\n\n\n' +
    '[projects."/p"]\ntrust_level = "trusted"\n';
  const values = [
    { command: "b", args: ["--n", "1"] },
    { url: "http://127.0.0.1:1/m", http_headers: { "X-N": "2" } },
    { command: "c", env: { A: "1" }, env_http_headers: { B: "C" } },
    { command: "d" },
  ];
  let chained = start, fresh = start;
  for (const [i, v] of values.entries()) chained = editToml(chained, ["mcp_servers", `s${i}`], v);
  for (const [i, v] of values.entries()) {
    parseToml("other = 1", "other.toml");
    fresh = editToml(fresh, ["mcp_servers", `s${i}`], v);
  }
  assert.equal(chained, fresh);
  assert.ok(chained.endsWith('[projects."/p"]\ntrust_level = "trusted"\n'));
  assert.deepEqual(Object.keys(parseToml(chained, "c.toml").mcp_servers as object), [
    "a",
    "s0",
    "s1",
    "s2",
    "s3",
  ]);
  checkToml(chained, "c.toml");
});

Deno.test("editToml() edits a table in its own section, or the whole file when it is spread out", () => {
  const text = '# top\n[mcp_servers.a]\ncommand = "x" # mine\n\n[mcp_servers.a.env]\nK = "1"\n\n' +
    '[mcp_servers.b]\ncommand = "y"\n\n[other]\nv = 1\n';
  const out = editToml(text, ["mcp_servers", "a"], { command: "z", env: { K: "2" } });
  assert.equal(out, text.replace('command = "x"', 'command = "z"').replace('K = "1"', 'K = "2"'));
  // The sub-table sits after another table: the same result, from an edit of the whole file.
  const spread = '[mcp_servers.a]\ncommand = "x"\n\n[mcp_servers.b]\ncommand = "y"\n\n' +
    '[mcp_servers.a.env]\nK = "1"\n';
  const out2 = editToml(spread, ["mcp_servers", "a"], { command: "z", env: { K: "2" } });
  assert.equal(
    out2,
    spread.replace('command = "x"', 'command = "z"').replace('K = "1"', 'K = "2"'),
  );
  // A new sub-table: where a whole-file edit puts it.
  const added = editToml(text, ["mcp_servers", "b"], { command: "y", env: { N: "1" } });
  assert.deepEqual(parseToml(added, "t").mcp_servers, {
    a: { command: "x", env: { K: "1" } },
    b: { command: "y", env: { N: "1" } },
  });
  assert.ok(added.startsWith(text.slice(0, text.indexOf("[mcp_servers.b]"))));
});

Deno.test("editToml() in a section gives data equal to a parse of the whole result", () => {
  const text = '# top\nmodel = "o3"\n\n[mcp_servers.a]\ncommand = "x"\nenv = { A = "1" }\n\n' +
    '[mcp_servers.a.tools.t]\napproval = "never" # mine\n\n[mcp_servers.b]\nurl = "http://h"\n' +
    '\n[mcp_servers.b.http_headers]\nX = "1"\n[projects."/p"]\ntrust_level = "trusted"\n';
  const edits: [string, Record<string, unknown>][] = [
    ["a", { command: "y", env: { A: "2", B: "3" }, tools: { t: { approval: "always" } } }],
    ["b", { url: "http://h2", http_headers: { X: "2" }, enabled: false }],
    ["a", { command: "y", args: ["--v", "1"], env: { B: "3" }, tools: { t: {} } }],
    ["b", { url: "http://h2" }],
  ];
  let out = text;
  for (const [name, value] of edits) {
    out = editToml(out, ["mcp_servers", name], value);
    const kept = parseToml(out, "t"); // from the edit's own data
    const fresh = parseToml(out + "\n# parsed again\n", "t"); // a new text: a real parse
    assert.deepEqual(kept, fresh, `after editing ${name}`);
    assert.deepEqual((fresh.mcp_servers as Record<string, unknown>)[name], value);
  }
  assert.ok(out.startsWith('# top\nmodel = "o3"\n'));
  assert.ok(out.endsWith('[projects."/p"]\ntrust_level = "trusted"\n'));
});

Deno.test("parseToml() reports line and column", () => {
  try {
    parseToml("a = 1\nb = [\n", "/h/.codex/config.toml");
    assert.fail("should throw");
  } catch (e) {
    assert.ok(e instanceof ConfigParseError);
    assert.equal(e.line, 2);
    assert.match(e.message, /config.toml" at line 2/);
  }
});

// ---------------------------------------------------------------------------------------------
// editJson: what the plugins' own splicing helpers used to do, now in one place.

Deno.test("editJson() adds a member after the last one and keeps its comment on its line", () => {
  const text = '{\n  "mcpServers": {\n    "a": {"command": "x"} // mine\n  },\n  "z": 1\n}\n';
  assert.equal(
    editJson(text, ["mcpServers", "b"], { command: "y", args: ["-y", "pkg"] }),
    '{\n  "mcpServers": {\n    "a": {"command": "x"}, // mine\n    "b": {\n' +
      '      "command": "y",\n      "args": [\n        "-y",\n        "pkg"\n      ]\n    }\n' +
      '  },\n  "z": 1\n}\n',
  );
});

Deno.test("editJson() keeps one-line objects on one line, spaced as the file spaces them", () => {
  assert.equal(
    editJson('{"mcpServers": {"a": {"command": "x"}}}', ["mcpServers", "z"], {
      type: "sse",
      url: "http://s",
    }),
    '{"mcpServers": {"a": {"command": "x"}, "z": {"type": "sse", "url": "http://s"}}}',
  );
  assert.equal(
    editJson('{ "mcpServers": { "a": { "command": "pa" } } }', ["mcp"], { excluded: ["a"] }),
    '{ "mcpServers": { "a": { "command": "pa" } }, "mcp": { "excluded": ["a"] } }',
  );
  // A one-line entry in a multi-line file stays one line when a member is added to it.
  assert.equal(
    editJson('{\n  "a": {"command": "x"}\n}', ["a", "args"], ["1"]),
    '{\n  "a": {"command": "x", "args": ["1"]}\n}',
  );
});

Deno.test("editJson() removes first, middle and last members; an emptied object is {}", () => {
  const crlf = [
    "{",
    '    "$schema": "https://anthropic.com/schemas/mcp-config.json",',
    '    "mcpServers": {',
    '        "a": {"command": "x", "args": ["1"]},',
    '        "b" : { "command" : "y" } ,',
    '        "c": {"command": "z"}',
    "    }",
    "}",
  ].join("\r\n");
  let text = editJson(crlf, ["mcpServers", "a"], undefined);
  assert.equal(text, crlf.replace('        "a": {"command": "x", "args": ["1"]},\r\n', ""));
  text = editJson(text, ["mcpServers", "c"], undefined);
  assert.equal(
    text,
    crlf.replace('        "a": {"command": "x", "args": ["1"]},\r\n', "")
      .replace(' ,\r\n        "c": {"command": "z"}', ""),
  );
  assert.equal(
    editJson(text, ["mcpServers", "b"], undefined),
    '{\r\n    "$schema": "https://anthropic.com/schemas/mcp-config.json",\r\n' +
      '    "mcpServers": {}\r\n}',
  );
  const middle = '{\n  "a": 1,\n  "b": {\n    "x": [1, 2]\n  },\n  "c": 3\n}';
  assert.equal(editJson(middle, ["b"], undefined), '{\n  "a": 1,\n  "c": 3\n}');
  assert.equal(editJson('{"a": 1, "b": 2, "c": 3}', ["b"], undefined), '{"a": 1, "c": 3}');
  assert.equal(editJson('{"a": 1, "b": 2}', ["b"], undefined), '{"a": 1}');
  assert.equal(editJson('{"a": 1, "b": 2}', ["a"], undefined), '{"b": 2}');
  // Comments inside an emptied object stay.
  assert.equal(
    editJson('{\n  "s": {\n    // mine\n    "a": 1\n  }\n}', ["s", "a"], undefined),
    '{\n  "s": {\n    // mine\n  }\n}',
  );
});

Deno.test("editJson() removing the last member keeps the comment of the one before it", () => {
  const text = '{\r\n  "mcpServers": {\r\n    "a": { "command": "a", "args": ["1"] }, // a\r\n' +
    '    "b": { "command": "b" } // b\r\n  },\r\n  "$version": 4\r\n}\r\n';
  let out = editJson(text, ["mcpServers", "b"], undefined);
  assert.equal(
    out,
    '{\r\n  "mcpServers": {\r\n    "a": { "command": "a", "args": ["1"] } // a\r\n  },\r\n' +
      '  "$version": 4\r\n}\r\n',
  );
  out = editJson(out, ["mcpServers", "c"], { command: "c" });
  out = editJson(out, ["mcp"], { excluded: ["c"] });
  assert.equal(
    out,
    '{\r\n  "mcpServers": {\r\n    "a": { "command": "a", "args": ["1"] }, // a\r\n' +
      '    "c": {\r\n      "command": "c"\r\n    }\r\n  },\r\n  "$version": 4,\r\n' +
      '  "mcp": {\r\n    "excluded": [\r\n      "c"\r\n    ]\r\n  }\r\n}\r\n',
  );
});

Deno.test("editJson() edits array elements: index removes, -1 appends", () => {
  const text = '{\n  "mcp": {\n    "allowed": ["*"],\n    "excluded": [\n' +
    '      "b", // off for now\n      "exp-*"\n    ]\n  }\n}\n';
  let out = editJson(text, ["mcp", "excluded", 0], undefined);
  out = editJson(out, ["mcp", "excluded", -1], "a");
  assert.equal(
    out,
    text.replace('      "b", // off for now\n      "exp-*"', '      "exp-*",\n      "a"'),
  );
  assert.equal(
    editJson(out, ["mcp", "allowed", -1], "x"),
    out.replace('"allowed": ["*"]', '"allowed": ["*", "x"]'),
  );
  assert.equal(editJson('{"l": ["a"]}', ["l", 0], undefined), '{"l": []}');
  assert.equal(editJson('{"l": []}', ["l", -1], "a"), '{"l": [\n  "a"\n]}');
  // A list that only grew keeps its elements' comments.
  assert.equal(
    editJson('{\n  "l": [\n    "a" // first\n  ]\n}', ["l"], ["a", "b"]),
    '{\n  "l": [\n    "a", // first\n    "b"\n  ]\n}',
  );
});

Deno.test("editJson() replaces values in the layout they had", () => {
  const text = '{\n  "a": {\n    "args": ["1", "2"],\n    "env": [\n      "x"\n    ],\n' +
    '    "none": [],\n    "n": null\n  }\n}';
  assert.equal(
    editJson(text, ["a", "args"], ["3"]),
    text.replace('"args": ["1", "2"]', '"args": ["3"]'),
  );
  assert.equal(
    editJson(text, ["a", "env"], ["y", "z"]),
    text.replace('"env": [\n      "x"\n    ]', '"env": [\n      "y",\n      "z"\n    ]'),
  );
  // An empty list or a scalar in a multi-line object is written one element a line.
  assert.equal(
    editJson(text, ["a", "none"], ["q"]),
    text.replace('"none": []', '"none": [\n      "q"\n    ]'),
  );
  // A null (or scalar) parent becomes the object the path needs.
  assert.equal(
    editJson(text, ["a", "n", "k"], "v"),
    text.replace('"n": null', '"n": {\n      "k": "v"\n    }'),
  );
  assert.equal(editJson('{"a": {"b": 1}}', ["a"], 5), '{"a": 5}');
});

Deno.test("editJson() keeps tabs, CRLF and a byte order mark, and creates missing parents", () => {
  assert.equal(
    editJson('{\n\t"numStartups": 1,\n\t"tips": {"a": 1}\n}', ["mcpServers", "x"], {
      args: ["a"],
      env: {},
    }),
    '{\n\t"numStartups": 1,\n\t"tips": {"a": 1},\n\t"mcpServers": {\n\t\t"x": {\n' +
      '\t\t\t"args": [\n\t\t\t\t"a"\n\t\t\t],\n\t\t\t"env": {}\n\t\t}\n\t}\n}',
  );
  const bom = '\uFEFF// top\n{\n    /* keep */ "general": { "vimMode": true },\n' +
    '    "mcpServers": {\n        "a": { "command": "a" } // note\n    }\n}';
  assert.equal(
    editJson(bom, ["mcpServers", "n"], { httpUrl: "http://n" }),
    bom.replace(
      '"a": { "command": "a" } // note\n',
      '"a": { "command": "a" }, // note\n        "n": {\n            "httpUrl": "http://n"\n' +
        "        }\n",
    ),
  );
  assert.equal(
    editJson('{\r\n  "mcpServers": {}\r\n}\r\n', ["mcpServers", "h"], { type: "http" }),
    '{\r\n  "mcpServers": {\r\n    "h": {\r\n      "type": "http"\r\n    }\r\n  }\r\n}\r\n',
  );
});

Deno.test("editJson() writes lists inline on request, and starts a new document from ''", () => {
  const value = { local: { command: "npx", args: ["-y", "srv"], env: { K: "v" } } };
  assert.equal(
    editJson("", ["mcpServers"], value, { lists: "inline" }),
    '{\n  "mcpServers": {\n    "local": {\n      "command": "npx",\n' +
      '      "args": ["-y", "srv"],\n      "env": {\n        "K": "v"\n      }\n    }\n  }\n}',
  );
  assert.equal(editJson("", ["a"], undefined), "");
  // Adding env after a one-line list leaves that list alone (the formatter would explode it).
  const text = '{\n    "mcpServers": {\n        "b": {\n            "command": "y",\n' +
    '            "args": ["-y", "pkg"]\n        }\n    }\n}';
  assert.equal(
    editJson(text, ["mcpServers", "b"], { command: "y", args: ["-y", "pkg"], env: { K: "v" } }, {
      lists: "inline",
    }),
    text.replace(
      '"args": ["-y", "pkg"]\n',
      '"args": ["-y", "pkg"],\n            "env": {\n                "K": "v"\n            }\n',
    ),
  );
});

Deno.test("editJson() returns the same text when nothing changes and keeps trailing commas", () => {
  const text = '{\n  "a": {"y": [1, {"z": null}], "x": true}, // c\n}';
  assert.equal(editJson(text, ["a"], { x: true, y: [1, { z: null }] }), text);
  assert.equal(editJson(text, ["nope"], undefined), text);
  assert.equal(
    editJson(text, ["b"], 2),
    '{\n  "a": {"y": [1, {"z": null}], "x": true}, // c\n  "b": 2,\n}',
  );
  // Server names are data, even "__proto__".
  assert.equal(editJson('{"s": {}}', ["s", "__proto__"], 1), '{"s": {\n  "__proto__": 1\n}}');
});

Deno.test("editJson() gives the wanted data for random edits of hand-written files", () => {
  const key = fc.constantFrom("a", "b", "mcpServers", "x y", "é", "__proto__");
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.boolean(), fc.constant(null)),
      tie("list"),
      tie("object"),
    ),
    list: fc.array(tie("value"), { maxLength: 3 }),
    object: fc.dictionary(key, tie("value"), { maxKeys: 4 }),
  }));
  const layout = fc.record({
    indent: fc.constantFrom(0, 2, 4, "\t"),
    crlf: fc.boolean(),
    comments: fc.nat(9),
    lists: fc.constantFrom("expanded" as const, "inline" as const),
  });
  const edit = fc.tuple(
    fc.array(fc.oneof(key, fc.constantFrom(0, 1, -1)), { minLength: 1, maxLength: 3 }),
    fc.option(value, { nil: undefined }),
  );
  fc.assert(
    fc.property(
      fc.dictionary(key, value, { maxKeys: 4 }),
      layout,
      fc.array(edit, { maxLength: 6 }),
      (
        doc,
        { indent, crlf, comments, lists },
        edits,
      ) => {
        let text = withComments(JSON.stringify(doc, null, indent), comments);
        if (crlf) text = text.replaceAll("\n", "\r\n");
        let want = plain(doc);
        for (const [path, v] of edits) {
          const next = setIn(want, path, v === undefined ? undefined : plain(v));
          if (next === SKIP) continue;
          const out = editJson(text, path, v, { lists });
          const why = `${JSON.stringify(path)} = ${JSON.stringify(v)}\n${text}\n---\n${out}`;
          assert.deepEqual(plain(parseJsonc(out, "t.json", { comments: true })), next, why);
          if (text.includes("\r\n")) assert.ok(!/[^\r]\n/.test(out), why);
          // Every other top-level member keeps its bytes.
          const before = members(text), after = members(out);
          for (const [k, raw] of before) {
            if (k !== path[0] && after.has(k)) assert.equal(after.get(k), raw, why);
          }
          text = out;
          want = next;
        }
      },
    ),
    { numRuns: 500 },
  );
});

const SKIP = Symbol("not a plain JSON edit");

/** The text of each top-level member's value. */
function members(text: string): Map<unknown, string> {
  const root = parseTree(text.replace(/^\uFEFF/, ""), [], { allowTrailingComma: true });
  const out = new Map<unknown, string>();
  for (const p of root?.type === "object" ? root.children ?? [] : []) {
    const v = p.children![1];
    out.set(p.children![0].value, text.replace(/^\uFEFF/, "").slice(v.offset, v.offset + v.length));
  }
  return out;
}

function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v) ?? "null");
}

/** The data editJson should produce; SKIP for paths that mix up objects and lists. */
function setIn(root: unknown, path: (string | number)[], v: unknown): unknown {
  if (!path.length) return v;
  const [head, ...rest] = path;
  if (typeof head === "number") {
    if (!Array.isArray(root)) {
      return root !== null && typeof root === "object" ? SKIP : v === undefined ? root : SKIP;
    }
    const list = [...root];
    if (head === -1 || head >= list.length) {
      if (v === undefined) return list;
      if (rest.length) return SKIP;
      return [...list, v];
    }
    const next = setIn(list[head], rest, v);
    if (next === SKIP) return SKIP;
    if (next === undefined) list.splice(head, 1);
    else list[head] = next;
    return list;
  }
  if (Array.isArray(root)) return SKIP;
  const isObject = root !== null && typeof root === "object";
  if (!isObject && root !== undefined && v === undefined) return root;
  const obj: Record<string, unknown> = isObject ? { ...root } : {};
  const current = Object.hasOwn(obj, head) ? obj[head] : undefined;
  if (current === undefined && v === undefined) return root;
  const next = setIn(current, rest, v);
  if (next === SKIP) return SKIP;
  if (next === undefined) delete obj[head];
  else {
    Object.defineProperty(obj, head, {
      value: next,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return obj;
}

/** Hand-written touches: line comments, block comments before and after members, own lines. */
function withComments(text: string, mode: number): string {
  return text.split("\n").map((line, i) => {
    const k = (i + mode) % 5;
    if (k === 1 && /[,{[]$/.test(line)) return line + " // c" + i;
    if (k === 2 && /^\s*"/.test(line)) return line.replace(/^(\s*)/, "$1/* b */ ");
    if (k === 3 && /^\s*"/.test(line)) return line.replace(/^(\s*)/, "$1// own line\n$1");
    if (k === 4 && /[^,{[]$/.test(line) && mode % 2) return line + " /* e */";
    return line;
  }).join("\n");
}

Deno.test("editToml() never appends a table below a root key spelled inline, in any quoting", () => {
  for (const key of ["mcp_servers", '"mcp_servers"', "'mcp_servers'"]) {
    const text = `model = "o3"\n${key} = { a = { command = "x" } }\n`;
    const out = editToml(text, ["mcp_servers", "b"], { command: "y" });
    checkToml(out, "config.toml");
    assert.deepEqual(parseToml(out, "config.toml").mcp_servers, {
      a: { command: "x" },
      b: { command: "y" },
    });
  }
});

Deno.test("checkToml() parses a planned file whole, and names the file and line when it fails", () => {
  const text = '[mcp_servers.a]\ncommand = "x"\n';
  const out = editToml(text, ["mcp_servers", "b"], { command: "y" });
  // Appended without a whole parse; the check parses it, and the read-back finds that parse.
  checkToml(out, "config.toml");
  assert.deepEqual(Object.keys(parseToml(out, "config.toml").mcp_servers as object), ["a", "b"]);
  const broken = 'model = "o3"\nmcp_servers = { a = {} }\n\n[mcp_servers.b]\ncommand = "y"\n';
  assert.throws(
    () => checkToml(broken, "/home/u/.codex/config.toml"),
    (e: Error) =>
      e instanceof ConfigParseError && e.file === "/home/u/.codex/config.toml" && e.line === 4,
  );
});
