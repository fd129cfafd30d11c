/**
 * Property: random sequences of edits made in random clients (add, change, rename and delete
 * servers; edit instructions) converge to the same canonical set in every client, and no byte
 * outside the entries aisync manages changes.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Item, itemKey, stableStringify } from "./schema.ts";
import { type Sandbox, sandbox, writePlanned } from "./testing.ts";

const CLIENTS = ["claude_code", "codex", "qwen_code", "rovo_dev"] as const;
type Client = typeof CLIENTS[number];

/** Lines the user wrote that aisync must never touch, per file. */
const MARKERS: Record<string, { text: string; keep: string[] }> = {
  "~/.claude.json": {
    text: '{\n  "numStartups": 7,\n  "userID": "abc",\n  "mcpServers": {}\n}\n',
    keep: ['  "numStartups": 7,', '  "userID": "abc",'],
  },
  "~/.codex/config.toml": {
    text:
      '# keep this comment\nmodel = "o3" # and this one\n\n[notice]\nhide_full_access_warning = true\n',
    keep: [
      "# keep this comment",
      'model = "o3" # and this one',
      "[notice]",
      "hide_full_access_warning = true",
    ],
  },
  "~/.qwen/settings.json": {
    text: '{\n  // keep\n  "general": {"vimMode": true},\n  "$version": 4\n}\n',
    keep: ["  // keep", '  "general": {"vimMode": true},', '  "$version": 4'],
  },
  "~/.rovodev/config.yml": {
    text: "agent:\n  modelId: auto   # model\n",
    keep: ["agent:", "  modelId: auto   # model"],
  },
};

const name = fc.constantFrom("alpha", "beta", "gamma", "delta");
const word = fc.stringMatching(/^[a-z0-9][a-z0-9._\/-]{0,9}$/);
const envKey = fc.constantFrom("API_URL", "LEVEL", "MODE");
const stdio = fc.record({
  transport: fc.constant("stdio" as const),
  command: word,
  args: fc.array(word, { maxLength: 3 }),
  env: fc.dictionary(envKey, word, { maxKeys: 2 }),
}).map((v) => prune(v));
const http = fc.record({
  transport: fc.constant("http" as const),
  url: word.map((w) => `http://127.0.0.1:59999/${w}`),
  headers: fc.dictionary(fc.constantFrom("X-Team", "X-Mode"), word, { maxKeys: 2 }),
}).map((v) => prune(v));

type Edit =
  | { op: "command"; client: Client; name: string; body?: string; description?: string }
  | { op: "subagent"; client: Client; name: string; body?: string; description: string }
  | { op: "skill"; client: Client; name: string; text?: string; blob?: number[] }
  | { op: "put"; client: Client; name: string; value: Record<string, unknown> }
  | { op: "delete"; client: Client; name: string }
  | { op: "rename"; client: Client; name: string; to: string }
  | { op: "instructions"; client: Client; text: string };

const client = fc.constantFrom(...CLIENTS);
const edit: fc.Arbitrary<Edit> = fc.oneof(
  // A command (body without placeholders every client expands alike), or its deletion.
  fc.record({
    op: fc.constant("command" as const),
    client,
    name: fc.constantFrom("review", "explain"),
    body: fc.option(fc.array(word, { minLength: 1, maxLength: 3 }).map((l) => `${l.join(" ")}\n`), {
      nil: undefined,
    }),
    description: fc.option(word, { nil: undefined }),
  }),
  // A subagent (no tools or model: not every client has them), or its deletion.
  fc.record({
    op: fc.constant("subagent" as const),
    client,
    name: fc.constantFrom("reviewer", "planner"),
    body: fc.option(
      fc.array(word, { minLength: 2, maxLength: 4 }).map((l) => `You ${l.join(" ")}.\n`),
      {
        nil: undefined,
      },
    ),
    description: word.map((w) => `Agent ${w}`),
  }),
  // A skill with a binary file, or its deletion.
  fc.record({
    op: fc.constant("skill" as const),
    client,
    name: fc.constantFrom("tidy", "lint"),
    text: fc.option(word, { nil: undefined }),
    blob: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }),
  }),
  fc.record({ op: fc.constant("put" as const), client, name, value: fc.oneof(stdio, http) }),
  fc.record({ op: fc.constant("delete" as const), client, name }),
  fc.record({ op: fc.constant("rename" as const), client, name, to: name }),
  fc.record({
    op: fc.constant("instructions" as const),
    client,
    text: fc.array(word, { minLength: 1, maxLength: 4 }).map((l) => `# Rules\n${l.join("\n")}\n`),
  }),
);

function prune(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (Array.isArray(x) && !x.length) continue;
    if (x && typeof x === "object" && !Array.isArray(x) && !Object.keys(x).length) continue;
    out[k] = x;
  }
  return out;
}

/** Makes an edit the way a user would in that client: its own files, its own idiom. */
async function applyEdit(s: Sandbox, e: Edit) {
  const r = await s.app.host.read(e.client);
  let items = r.items;
  const key = (n: string) => itemKey({ kind: "mcp", scope: "user", name: n });
  if (e.op === "put") {
    items = items.filter((i) => itemKey(i) !== key(e.name));
    items.push({ kind: "mcp", scope: "user", name: e.name, value: e.value } as Item);
  } else if (e.op === "delete") {
    items = items.filter((i) => itemKey(i) !== key(e.name));
  } else if (e.op === "rename") {
    const it = items.find((i) => itemKey(i) === key(e.name));
    if (!it || e.to === e.name) return;
    items = items.filter((i) => itemKey(i) !== key(e.name) && itemKey(i) !== key(e.to));
    items.push({ ...it, name: e.to });
  } else if (e.op === "command") {
    if (!kinds(s, e.client).includes("command")) return;
    items = items.filter((i) => !(i.kind === "command" && i.name === e.name));
    if (e.body !== undefined) {
      items.push({
        kind: "command",
        scope: "user",
        name: e.name,
        value: { body: e.body, ...(e.description ? { description: e.description } : {}) },
      });
    }
  } else if (e.op === "subagent") {
    if (!kinds(s, e.client).includes("subagent")) return;
    items = items.filter((i) => !(i.kind === "subagent" && i.name === e.name));
    if (e.body !== undefined) {
      items.push({
        kind: "subagent",
        scope: "user",
        name: e.name,
        value: { body: e.body, description: e.description },
      });
    }
  } else if (e.op === "skill") {
    if (!kinds(s, e.client).includes("skill")) return;
    items = items.filter((i) => !(i.kind === "skill" && i.name === e.name));
    if (e.text !== undefined) {
      const md = `---\nname: ${e.name}\ndescription: ${e.text}\n---\n\n${e.text}\n`;
      items.push({
        kind: "skill",
        scope: "user",
        name: e.name,
        value: {
          files: {
            "SKILL.md": { base64: btoa(md), mode: 0o644 },
            "data.bin": { base64: btoa(String.fromCharCode(...e.blob!)), mode: 0o644 },
          },
        },
      });
    }
  } else {
    items = items.filter((i) => !(i.kind === "instructions" && i.scope === "user"));
    items.push({ kind: "instructions", scope: "user", name: "main", value: { text: e.text } });
  }
  await writePlanned((await s.app.host.plan(e.client, items)).writes);
}

function kinds(s: Sandbox, id: string): string[] {
  return s.app.host.plugins.find((p) => p.id === id)?.manifest.kinds ?? [];
}

async function canonical(s: Sandbox, c: Client): Promise<string> {
  const r = await s.app.host.read(c);
  assert.deepEqual(r.errors ?? [], [], `${c} read errors`);
  const m: Record<string, unknown> = {};
  for (const i of r.items) {
    if (i.scope !== "user") continue;
    const { extras: _, ...v } = i.value as Record<string, unknown>;
    m[itemKey(i)] = v;
  }
  return stableStringify(m);
}

Deno.test("Engine property: random edits in random clients converge everywhere and keep user bytes", async () => {
  await fc.assert(
    fc.asyncProperty(
      // Each step is a batch of edits (one per client at most, on distinct items) then a sync.
      fc.array(fc.array(edit, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 }),
      async (steps) => {
        await using s = await sandbox(
          Object.fromEntries(Object.entries(MARKERS).map(([p, m]) => [p, m.text])),
          { only: [...CLIENTS] },
        );
        await s.app.engine.sync();
        for (const batch of steps) {
          const touched = new Set<string>(), clients = new Set<string>();
          for (const e of batch) {
            const items = e.op === "instructions"
              ? ["instructions"]
              : e.op === "rename"
              ? [e.name, e.to]
              : [e.name];
            if (clients.has(e.client) || items.some((i) => touched.has(i))) continue;
            clients.add(e.client);
            items.forEach((i) => touched.add(i));
            await applyEdit(s, e);
          }
          const r = await s.app.engine.sync();
          assert.deepEqual(r.errors, []);
          assert.deepEqual(r.conflicts, [], JSON.stringify(r.conflicts));
          for (const c of CLIENTS) assert.deepEqual(r.clients[c].errors, [], c);
        }
        const views = await Promise.all(CLIENTS.map((c) => canonical(s, c)));
        for (let i = 1; i < views.length; i++) {
          assert.equal(views[i], views[0], `${CLIENTS[i]} differs from ${CLIENTS[0]}`);
        }
        const base: Record<string, unknown> = {};
        for (const [k, b] of await s.app.state.base()) {
          if (b.item.scope === "user") base[k] = b.item.value;
        }
        assert.equal(views[0], stableStringify(base), "clients differ from the base");
        for (const [p, m] of Object.entries(MARKERS)) {
          const text = (await s.read(p)) ?? "";
          // A JSON member gains a comma when one is added after it; nothing else may change.
          const lines = text.split("\n").map((l) => l.replace(/,$/, ""));
          for (const k of m.keep) {
            assert.ok(
              lines.includes(k.replace(/,$/, "")),
              `${p} lost the line ${JSON.stringify(k)}:\n${text}`,
            );
          }
        }
        // And a further sync changes nothing.
        const again = await s.app.engine.sync();
        assert.deepEqual(again.writes, []);
      },
    ),
    { numRuns: 25, endOnFailure: true },
  );
});
