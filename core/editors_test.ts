import assert from "node:assert/strict";
import {
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
