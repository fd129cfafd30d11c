import assert, {
  deepStrictEqual as assertEquals,
  strictEqual as assertStrictEquals,
} from "node:assert/strict";
import fc from "fast-check";
// @ts-types="yaml"
import YAML from "./vendor/yaml.js";
import { ConfigParseError } from "./editors.ts";
import { spliceYaml } from "./yaml_edit.ts";

/** Edits, checks the data of the result, and returns the text. */
function edit(text: string, path: string[], value: unknown): string {
  const out = spliceYaml(text, path, value, "test.yml");
  const doc = YAML.parseDocument(out);
  assertEquals(doc.errors, []);
  return out;
}

Deno.test("spliceYaml replaces a scalar and keeps the comment spacing", () => {
  const text = "a: 1   # c\nb: {x: 1,   y: 2}\n";
  assertStrictEquals(edit(text, ["a"], 2), "a: 2   # c\nb: {x: 1,   y: 2}\n");
});

Deno.test("spliceYaml returns the same text for an unchanged value", () => {
  const text = "a:   1   # c\nb: {x: 1,   y: [1,2]}\n";
  assertStrictEquals(spliceYaml(text, ["a"], 1), text);
  assertStrictEquals(spliceYaml(text, ["b"], { y: [1, 2], x: 1 }), text);
  assertStrictEquals(spliceYaml(text, ["nope"], undefined), text);
  assertStrictEquals(spliceYaml(text, ["nope", "deeper"], undefined), text);
});

Deno.test("spliceYaml edits inside a flow map without re-spacing it", () => {
  const text = "a: 1\nb: {x: 1,   y: 2}  # keep\n";
  assertStrictEquals(edit(text, ["b", "y"], 3), "a: 1\nb: {x: 1,   y: 3}  # keep\n");
  assertStrictEquals(edit(text, ["b", "z"], "w"), "a: 1\nb: {x: 1,   y: 2, z: w}  # keep\n");
  assertStrictEquals(edit(text, ["b", "x"], undefined), "a: 1\nb: {y: 2}  # keep\n");
  assertStrictEquals(edit(text, ["b", "y"], undefined), "a: 1\nb: {x: 1}  # keep\n");
  assertStrictEquals(
    edit("b: {x: 1}\n", ["b", "x"], undefined),
    "b: {}\n",
  );
});

Deno.test("spliceYaml adds to a multi-line JSON-style flow map in its own style", () => {
  const text = '{\n  "a": 1,\n  "b": "x"\n}\n';
  assertStrictEquals(edit(text, ["c"], "y"), '{\n  "a": 1,\n  "b": "x",\n  "c": "y"\n}\n');
});

Deno.test("spliceYaml refuses to cut a flow map that holds comments", () => {
  const text = "b: {\n  x: 1, # one\n  y: 2\n}\n";
  assert.throws(() => spliceYaml(text, ["b", "x"], undefined), ConfigParseError);
});

Deno.test("spliceYaml inserts a missing key at the map's indentation", () => {
  const text = "agent:\n    modelId: auto   # default\n    streaming: true\nsessions:\n" +
    "    persistenceDir: ~/.rovodev/sessions\n";
  assertStrictEquals(
    edit(text, ["agent", "temperature"], 0.3),
    "agent:\n    modelId: auto   # default\n    streaming: true\n    temperature: 0.3\n" +
      "sessions:\n    persistenceDir: ~/.rovodev/sessions\n",
  );
});

Deno.test("spliceYaml creates missing parents as block maps", () => {
  const text = "a: 1   # c\n";
  assertStrictEquals(
    edit(text, ["mcp", "disabledMcpServers"], ["x", "y y"]),
    "a: 1   # c\nmcp:\n  disabledMcpServers:\n    - x\n    - y y\n",
  );
  assertStrictEquals(
    edit("top:\n  keep: 1\n", ["top", "a", "b"], { c: true }),
    "top:\n  keep: 1\n  a:\n    b:\n      c: true\n",
  );
});

Deno.test("spliceYaml fills an empty parent with a block map", () => {
  assertStrictEquals(
    edit("mcp:\nagent:\n  x: 1\n", ["mcp", "disabledMcpServers"], ["a"]),
    "mcp:\n  disabledMcpServers:\n    - a\nagent:\n  x: 1\n",
  );
  assertStrictEquals(
    edit("mcp: # note\nagent: 1\n", ["mcp", "list"], ["a"]),
    "mcp: # note\n  list:\n    - a\nagent: 1\n",
  );
  assertStrictEquals(edit("mcp: ~\n", ["mcp", "k"], 1), "mcp:\n  k: 1\n");
  assertStrictEquals(edit("mcp: {}\n", ["mcp", "k"], 1), "mcp:\n  k: 1\n");
  assertStrictEquals(edit("list: []\n", ["list"], ["a", "b"]), "list:\n  - a\n  - b\n");
});

Deno.test("spliceYaml follows the document's indentless list style", () => {
  const text = "toolPermissions:\n  allowed:\n  - a\nmcp:\n  x: 1\n";
  assertStrictEquals(
    edit(text, ["mcp", "disabledMcpServers"], ["s"]),
    "toolPermissions:\n  allowed:\n  - a\nmcp:\n  x: 1\n  disabledMcpServers:\n  - s\n",
  );
});

Deno.test("spliceYaml edits a block list item by item and keeps comments", () => {
  const text = "mcp:\n  disabledMcpServers:\n  - a   # first\n  - b\n  - c\nx: 1\n";
  assertStrictEquals(
    edit(text, ["mcp", "disabledMcpServers"], ["a", "c", "d"]),
    "mcp:\n  disabledMcpServers:\n  - a   # first\n  - c\n  - d\nx: 1\n",
  );
  assertStrictEquals(
    edit(text, ["mcp", "disabledMcpServers"], []),
    "mcp:\n  disabledMcpServers: []\nx: 1\n",
  );
  assertStrictEquals(
    edit(text, ["mcp", "disabledMcpServers"], ["z"]),
    "mcp:\n  disabledMcpServers:\n  - z\nx: 1\n",
  );
});

Deno.test("spliceYaml writes lists of maps in block style", () => {
  const text = "cmds:\n  - command: ls\n    permission: allow\n";
  assertStrictEquals(
    edit(text, ["cmds"], [{ command: "ls", permission: "allow" }, {
      command: "rm .*",
      permission: "deny",
    }]),
    "cmds:\n  - command: ls\n    permission: allow\n  - command: rm .*\n    permission: deny\n",
  );
});

Deno.test("spliceYaml removes a key's lines", () => {
  const text = "# head\na: 1  # one\nb:\n  c: 2\n  d:\n    - x\nz: 3\n";
  assertStrictEquals(edit(text, ["a"], undefined), "# head\nb:\n  c: 2\n  d:\n    - x\nz: 3\n");
  assertStrictEquals(edit(text, ["b"], undefined), "# head\na: 1  # one\nz: 3\n");
  assertStrictEquals(edit(text, ["b", "d"], undefined), "# head\na: 1  # one\nb:\n  c: 2\nz: 3\n");
});

Deno.test("spliceYaml leaves {} when the last key of a map is removed", () => {
  assertStrictEquals(
    edit("mcp:\n  only: 1\nz: 2\n", ["mcp", "only"], undefined),
    "mcp: {}\nz: 2\n",
  );
  assertStrictEquals(edit("only: 1\n", ["only"], undefined), "{}\n");
  assertStrictEquals(edit("{}\n", ["a"], { b: 1 }), "a:\n  b: 1\n");
});

Deno.test("spliceYaml removes the last line of a file without a final line end", () => {
  assertStrictEquals(edit("a: 1\nb: 2", ["b"], undefined), "a: 1");
  assertStrictEquals(edit("a: 1\nb: 2", ["c"], 3), "a: 1\nb: 2\nc: 3");
});

Deno.test("spliceYaml keeps CRLF line ends", () => {
  const text = "a: 1\r\nb:\r\n  c: 2\r\n";
  assertStrictEquals(
    edit(text, ["b", "d"], { e: [1, "two"] }),
    "a: 1\r\nb:\r\n  c: 2\r\n  d:\r\n    e:\r\n      - 1\r\n      - two\r\n",
  );
  assertStrictEquals(edit(text, ["b", "c"], undefined), "a: 1\r\nb: {}\r\n");
  assertStrictEquals(edit(text, ["a"], undefined), "b:\r\n  c: 2\r\n");
});

Deno.test("spliceYaml writes into an empty file or a comment-only file", () => {
  assertStrictEquals(edit("", ["mcp", "x"], ["a"]), "mcp:\n  x:\n    - a\n");
  assertStrictEquals(edit("# only a comment", ["a"], 1), "# only a comment\na: 1");
  assertStrictEquals(edit("# c\n", ["a"], { b: 1 }), "# c\na:\n  b: 1\n");
});

Deno.test("spliceYaml quotes strings that would not read back as strings", () => {
  const out = edit("a: x\n", ["a"], "yes");
  assertStrictEquals(out, 'a: "yes"\n');
  for (
    const s of ["true", "1.5", "null", "~", "- x", "a: b", "x #y", "[x]", "", " pad", "on", "1:20"]
  ) {
    assertEquals(YAML.parse(edit("a: x\n", ["a"], s)), { a: s });
  }
  assertStrictEquals(edit("k: 'x'\n", ["k"], "it's"), "k: 'it''s'\n");
  assertStrictEquals(edit('k: "x"\n', ["k"], "y"), 'k: "y"\n');
  assertStrictEquals(edit("k: x\n", ["k"], "two\nlines"), 'k: "two\\nlines"\n');
});

Deno.test("spliceYaml replaces block scalars and block collections", () => {
  assertStrictEquals(edit("t: |\n  line\nu: 1\n", ["t"], "one"), "t: one\nu: 1\n");
  assertStrictEquals(edit("m:\n  a: 1\nz: 0\n", ["m"], "s"), "m: s\nz: 0\n");
  assertStrictEquals(edit("l:\n- a\n- b\n", ["l"], { m: 1 }), "l:\n  m: 1\n");
  assertStrictEquals(edit("l:\n  - a\n", ["l"], { m: 1 }), "l:\n  m: 1\n");
  assertStrictEquals(edit("m:\n    a: 1\n", ["m"], ["x"]), "m:\n    - x\n");
  assertStrictEquals(edit("m: 3\n", ["m"], { a: 1 }), "m: {a: 1}\n");
});

Deno.test("spliceYaml edits nested maps member by member", () => {
  const text = "mcp:\n  # servers off\n  disabledMcpServers: [a]\n  mcpConfigPath: x  # p\n";
  assertStrictEquals(
    edit(text, ["mcp"], { disabledMcpServers: ["a"], mcpConfigPath: "z", extra: 1 }),
    "mcp:\n  # servers off\n  disabledMcpServers: [a]\n  mcpConfigPath: z  # p\n  extra: 1\n",
  );
  assertStrictEquals(
    edit(text, ["mcp"], { other: true }),
    "mcp:\n  # servers off\n  other: true\n",
  );
});

Deno.test("spliceYaml edits a map inside a list item", () => {
  const text = "root:\n  a: 1\n";
  assertStrictEquals(edit(text, ["root", "a"], undefined), "root: {}\n");
});

Deno.test("spliceYaml throws ConfigParseError on unparsable text", () => {
  const err = assert.throws(() => spliceYaml("a: [1\n", ["a"], 2, "bad.yml"), ConfigParseError);
  void err;
  assert.throws(() => spliceYaml("a: 1\na: 2\n", ["a"], 3, "dup.yml"), /dup\.yml/);
  assert.throws(() => spliceYaml("a: 1\n---\nb: 2\n", ["a"], 3), ConfigParseError);
});

Deno.test("spliceYaml refuses paths through lists and scalars", () => {
  assert.throws(() => spliceYaml("- a: 1\n", ["x"], 1), /is a list/);
  assert.throws(() => spliceYaml("a: 3\n", ["a", "b"], 1), /is a scalar/);
});

Deno.test("spliceYaml refuses an edit that would change aliased data", () => {
  const text = "base: &b\n  x: 1\nuse: *b\n";
  assert.throws(() => spliceYaml(text, ["base", "x"], 2), ConfigParseError);
  assertStrictEquals(edit(text, ["other"], 1), text + "other: 1\n");
});

Deno.test("spliceYaml keeps every other byte (property)", () => {
  const key = fc.constantFrom("a", "b", "name", "x y", "true", "k-1");
  const scalar = fc.oneof(
    fc.constantFrom("yes", "on", "x: y", "#c", "-", "line\nbreak", "", "it's", "1.0"),
    fc.string({ maxLength: 6 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: "small" },
      scalar,
      fc.array(tie("v"), { maxLength: 3 }),
      fc.dictionary(key, tie("v"), { maxKeys: 3 }),
    ),
  })).v;
  const doc = fc.dictionary(key, value, { minKeys: 1, maxKeys: 4 });
  fc.assert(
    fc.property(
      doc,
      fc.array(key, { minLength: 1, maxLength: 3 }),
      fc.option(value, { nil: undefined }),
      fc.constantFrom("flow", "block", "indentless", "wide"),
      (data, path, v, layout) => {
        const text = YAML.stringify(data, {
          collectionStyle: layout === "flow" ? "flow" : "any",
          indentSeq: layout !== "indentless",
          indent: layout === "wide" ? 4 : 2,
        });
        let out: string;
        try {
          out = spliceYaml(text, path, v);
        } catch (e) {
          // Refusing is allowed (a path through a list or a scalar); a wrong text is not.
          assert(e instanceof ConfigParseError, String(e));
          return;
        }
        const got = YAML.parse(out);
        let want: unknown = structuredClone(data);
        let ok = true;
        let cur = want as Record<string, unknown>;
        for (const [i, p] of path.entries()) {
          if (i === path.length - 1) {
            if (v === undefined) delete cur[p];
            else cur[p] = v;
          } else {
            if (cur[p] === undefined || cur[p] === null) {
              if (v === undefined) {
                ok = false;
                break;
              }
              cur[p] = {};
            }
            cur = cur[p] as Record<string, unknown>;
          }
        }
        if (!ok) want = data;
        assertEquals(JSON.parse(JSON.stringify(got)), JSON.parse(JSON.stringify(want)));
        if (layout !== "flow") {
          // The text of every other top-level key is still there, byte for byte.
          for (const [k, section] of topSections(text)) {
            if (k !== path[0]) assert(out.includes(section), `lost ${JSON.stringify(section)}`);
          }
        }
      },
    ),
    { numRuns: 1500 },
  );
});

/** The text of each top-level key of a block document, keyed by the key. */
function topSections(text: string): [string, string][] {
  const doc = YAML.parseDocument(text);
  const map = doc.contents;
  if (!YAML.isMap(map) || map.flow) return [];
  const items = map.items;
  return items.map((pair, i) => {
    const start = (pair.key as YAML.Node).range![0];
    const end = i + 1 < items.length ? (items[i + 1].key as YAML.Node).range![0] : text.length;
    return [String((pair.key as YAML.Scalar).value), text.slice(start, end)];
  });
}
