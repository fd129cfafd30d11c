/**
 * Generated malformed input (≥ 10 000 cases per format): truncations, flipped bytes, wrong
 * types, bad escapes, deep nesting and huge files. Every plugin must answer with a clear error
 * naming the file (and a line where there is one), never crash, and never plan a write to it.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Context, Plugin } from "./_contract.ts";
import { contextFor, loadPlugin } from "./_conformance.ts";

interface Format {
  plugin: string;
  /** The path key (in ctx.paths) of the file the cases go into. */
  path: string;
  valid: string;
  wrongTypes: string[];
}

const FORMATS: Format[] = [
  {
    plugin: "claude_code",
    path: "state",
    valid:
      '{\n  "numStartups": 1,\n  "mcpServers": {\n    "fs": {"type": "stdio", "command": "npx", "args": ["-y", "x"], "env": {"A": "b"}},\n    "web": {"type": "http", "url": "http://127.0.0.1:1/mcp", "headers": {"X": "1"}}\n  }\n}\n',
    wrongTypes: [
      '{"mcpServers": []}',
      '{"mcpServers": {"x": 5}}',
      '{"mcpServers": {"x": {"command": 7}}}',
      '{"mcpServers": {"x": {"type": "http", "url": []}}}',
      "[]",
      '"str"',
      "null",
      '{"mcpServers": {"x": {"args": "notalist", "command": "a"}}}',
    ],
  },
  {
    plugin: "codex",
    path: "config",
    valid:
      '# c\nmodel = "o3"\n\n[mcp_servers.fs]\ncommand = "npx"\nargs = ["-y", "x"]\n\n[mcp_servers.fs.env]\nA = "b"\n\n[mcp_servers.web]\nurl = "http://127.0.0.1:1/mcp"\nbearer_token_env_var = "T"\n',
    wrongTypes: [
      "mcp_servers = 5\n",
      "[mcp_servers]\nfs = 3\n",
      "[mcp_servers.fs]\ncommand = 7\n",
      '[mcp_servers.fs]\nargs = "x"\ncommand = "a"\n',
      '[mcp_servers.fs]\ncommand = "a"\nurl = "http://x"\n',
      "[mcp_servers.fs]\n",
    ],
  },
  {
    plugin: "qwen_code",
    path: "settings",
    valid:
      '{\n  // comment\n  "mcpServers": {\n    "fs": {"command": "npx", "args": ["-y", "x"], "env": {"A": "$B"}},\n    "web": {"httpUrl": "http://127.0.0.1:1/mcp", "headers": {"X": "1"}}\n  },\n  "$version": 4\n}\n',
    wrongTypes: [
      '{"mcpServers": []}',
      '{"mcpServers": {"x": 5}}',
      '{"mcpServers": {"x": {"command": {}}}}',
      '{"mcp": {"excluded": 3}, "mcpServers": {}}',
      "[]",
      "1",
    ],
  },
  {
    plugin: "rovo_dev",
    path: "mcp",
    valid:
      '{\n  "mcpServers": {\n    "fs": {"command": "npx", "args": ["-y", "x"], "transport": "stdio"},\n    "web": {"url": "http://127.0.0.1:1/mcp", "transport": "http"}\n  }\n}\n',
    wrongTypes: [
      '{"mcpServers": []}',
      '{"mcpServers": {"x": 5}}',
      '{"mcpServers": {"x": {"transport": "pigeon", "url": "u"}}}',
      "[]",
    ],
  },
  {
    plugin: "rovo_dev",
    path: "config",
    valid: "agent:\n  modelId: auto\nmcp:\n  disabledMcpServers:\n    - fs\n",
    wrongTypes: [
      "mcp: 5\n",
      "mcp:\n  disabledMcpServers: 3\n",
      "- a\n- b\n",
      "mcp:\n  disabledMcpServers:\n    - {a: 1}\n",
    ],
  },
  {
    plugin: "gemini_cli",
    path: "settings",
    valid:
      '{\n  // mine\n  "mcpServers": {\n    "fs": {"command": "npx", "args": ["-y", "x"], "env": {"A": "$B"}},\n    "web": {"url": "http://127.0.0.1:1/mcp", "type": "http", "headers": {"X": "1"}}\n  }\n}\n',
    wrongTypes: ['{"mcpServers": {"x": 5}}', '{"mcpServers": {"x": {"command": {}}}}', "[]", "1"],
  },
  {
    plugin: "gemini_cli",
    path: "enablement",
    valid: '{\n  "fs": {"enabled": false}\n}\n',
    wrongTypes: ['{"fs": 5}', '{"fs": {"enabled": "no"}}', "[]"],
  },
  {
    plugin: "antigravity_cli",
    path: "mcp_config",
    valid:
      '{\n  "mcpServers": {\n    "fs": {"command": "npx", "args": ["-y", "x"]},\n    "web": {"serverUrl": "http://127.0.0.1:1/mcp"}\n  }\n}\n',
    wrongTypes: ['{"mcpServers": []}', '{"mcpServers": {"x": 5}}', "[]"],
  },
  {
    plugin: "cursor",
    path: "mcp",
    valid:
      '{\n  "mcpServers": {\n    "fs": {"command": "npx", "args": ["-y", "x"], "env": {"A": "${env:B}"}},\n    "web": {"url": "http://127.0.0.1:1/mcp"}\n  }\n}\n',
    wrongTypes: ['{"mcpServers": []}', '{"mcpServers": {"x": 5}}', "[]"],
  },
  {
    plugin: "copilot_cli",
    path: "mcp",
    valid:
      '{\n  "mcpServers": {\n    "fs": {"tools": ["*"], "type": "local", "command": "npx", "args": ["-y", "x"]}\n  }\n}\n',
    wrongTypes: ["{}", '{"mcpServers": []}', '{"mcpServers": {"x": 5}}', "[]"],
  },
  {
    plugin: "copilot_cli",
    path: "settings",
    valid: '{\n  "disabledMcpServers": ["fs"]\n}\n',
    wrongTypes: ['{"disabledMcpServers": {}}'],
  },
  {
    plugin: "vscode",
    path: "mcp",
    valid:
      '{\n  "inputs": [],\n  "servers": {\n    "fs": {"type": "stdio", "command": "npx", "args": ["-y", "x"]}\n  }\n}\n',
    wrongTypes: ['{"servers": []}', '{"servers": {"x": 5}}'],
  },
  {
    plugin: "opencode",
    path: "opencode_jsonc",
    valid:
      '{\n  "$schema": "https://opencode.ai/config.json",\n  "mcp": {\n    "fs": {"type": "local", "command": ["npx", "-y", "x"], "environment": {"A": "{env:B}"}}\n  }\n}\n',
    wrongTypes: [
      '{"mcp": []}',
      '{"mcp": {"servers": {"x": {"type": "local", "command": "notalist"}}}}',
    ],
  },
  {
    plugin: "claude_desktop",
    path: "config",
    valid:
      '{\n  "mcpServers": {\n    "fs": {"command": "npx", "args": ["-y", "x"], "env": {"A": "b"}}\n  },\n  "preferences": {"a": true}\n}\n',
    wrongTypes: ['{"mcpServers": []}', '{"mcpServers": {"x": 5}}', "[]", "1", "null"],
  },
  {
    plugin: "kiro",
    path: "mcp",
    valid:
      '{\n  "mcpServers": {\n    "fs": {"command": "npx", "args": ["-y", "x"], "env": {}, "disabled": false, "autoApprove": ["a"]},\n    "web": {"url": "http://127.0.0.1:1/mcp", "headers": {"X": "1"}, "oauth": {"clientId": "c"}, "oauthScopes": ["s"]}\n  }\n}\n',
    wrongTypes: [
      '{"mcpServers": []}',
      '{"mcpServers": {"x": 5}}',
      '{"mcpServers": {"x": {"url": "u", "oauth": 5}}}',
      "[]",
    ],
  },
  {
    plugin: "zed",
    path: "settings",
    valid:
      '// c\n{\n  "theme": "x",\n  "context_servers": {\n    "fs": {"source": "custom", "command": "npx", "args": ["-y"], "env": {}},\n    "old": {"command": {"path": "p", "args": []}, "settings": {}},\n    "web": {"url": "http://127.0.0.1:1/mcp", "headers": {"X": "1"}, "timeout": 5},\n  },\n}\n',
    wrongTypes: [
      '{"context_servers": []}',
      '{"context_servers": {"x": 5}}',
      '{"context_servers": {"x": {"command": {"path": 5}}}}',
      "[]",
    ],
  },
  {
    plugin: "amp",
    path: "settings",
    valid:
      '{\n  "amp.mcpServers": {\n    "fs": {\n      "command": "npx",\n      "args": ["-y"]\n    },\n    "web": {"url": "http://127.0.0.1:1/mcp", "headers": {"X": "1"}}\n  }\n}',
    wrongTypes: ['{"amp.mcpServers": []}', '{"amp.mcpServers": {"x": 5}}', "[]", "1"],
  },
];

function memoryFiles(files: Map<string, string>): Context["files"] {
  return {
    read: (p) => Promise.resolve(files.get(p)),
    readBase64: (p) =>
      Promise.resolve(files.has(p) ? btoa(unescape(encodeURIComponent(files.get(p)!))) : undefined),
    stat: (p) => Promise.resolve(files.has(p) ? { isFile: true, isDirectory: false } : undefined),
    list: () => Promise.resolve([]),
  };
}

function cases(f: Format): fc.Arbitrary<string> {
  const v = f.valid;
  // Weighted so the expensive shapes (deep nesting, 1 MiB files) stay a few percent of the runs.
  return fc.oneof(
    { weight: 30, arbitrary: fc.nat({ max: v.length - 1 }).map((n) => v.slice(0, n)) },
    {
      weight: 30,
      arbitrary: fc.tuple(
        fc.nat({ max: v.length - 1 }),
        fc.constantFrom(..."{}[]\",:=#\n\\'\0\u00ff-"),
      )
        .map(([i, ch]) => v.slice(0, i) + ch + v.slice(i + 1)),
    },
    {
      weight: 15,
      arbitrary: fc.tuple(fc.nat({ max: v.length - 1 }), fc.string({ maxLength: 8 }))
        .map(([i, s]) => v.slice(0, i) + s + v.slice(i)),
    },
    { weight: 8, arbitrary: fc.constantFrom(...f.wrongTypes) },
    {
      weight: 5,
      arbitrary: fc.constantFrom(
        '"\\q"',
        '{"a": "\\u12"}',
        'a = "\\q"\n',
        '"bad \\x escape"',
        'a: "\\q"\n',
      ),
    },
    { weight: 1, arbitrary: fc.nat({ max: 5000 }).map((n) => "[".repeat(n) + "]".repeat(n)) },
    {
      weight: 1,
      arbitrary: fc.nat({ max: 5000 }).map((n) => '{"a":'.repeat(n) + "1" + "}".repeat(n)),
    },
    { weight: 1, arbitrary: fc.constant("x".repeat(1 << 20)) },
    { weight: 5, arbitrary: fc.string({ maxLength: 64 }) },
    {
      weight: 4,
      arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => new TextDecoder().decode(b)),
    },
  );
}

for (const f of FORMATS) {
  Deno.test(`${f.plugin} survives 10 000 malformed ${f.path} files with a clear error and no write`, async () => {
    const { manifest, plugin } = await loadPlugin(f.plugin) as { manifest: never; plugin: Plugin };
    const base = contextFor(manifest, "/nonexistent-home", []);
    const file = base.paths[f.path];
    let errors = 0;
    await fc.assert(
      fc.asyncProperty(cases(f), async (text) => {
        const ctx = { ...base, files: memoryFiles(new Map([[file, text]])) };
        const r = await plugin.read(ctx);
        for (const e of r.errors ?? []) {
          assert.equal(e.file, file);
          assert.ok(e.message.length > 0);
        }
        if (r.errors?.length) {
          errors++;
          const plan = await plugin.plan({ items: r.items }, ctx);
          assert.ok(
            !plan.writes.some((w) => w.path === file),
            "a broken file must never be planned",
          );
        }
      }),
      { numRuns: 10_000 },
    );
    assert.ok(errors > 1000, `only ${errors} of the cases were reported as errors`);
  });
}
