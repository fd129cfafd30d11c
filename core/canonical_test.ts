import assert from "node:assert/strict";
import fc from "fast-check";
import { Item } from "./schema.ts";
import { itemProblem, KINDS, validItem } from "./canonical.ts";

// Values of the right type most of the time, and now and then of a wrong one.
const wrong = fc.constantFrom<unknown>(null, 1, -1, "x", true, [], {}, ["a", 1], NaN, Infinity);
const often = <T>(right: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: right, weight: 20 }, { arbitrary: wrong, weight: 1 });
const str = often(fc.constantFrom("", "x", "/bin/true", "http://127.0.0.1:1/", "${HOME}"));
const strs = often(fc.array(fc.constantFrom("a", "--flag", ""), { maxLength: 3 }));
const strRecord = often(fc.dictionary(fc.constantFrom("A", "B", "x-y"), str, { maxKeys: 2 }));
const num = often(fc.constantFrom(0, 1, 2.5, -3, 60000, 2 ** 60, -0));
const extras = often(
  fc.dictionary(
    fc.constantFrom("codex", "claude_code"),
    often(fc.dictionary(fc.constantFrom("a", "b"), fc.jsonValue(), { maxKeys: 2 })),
    { maxKeys: 2 },
  ),
);

/** An object of some of these keys, and sometimes one the schema does not know. */
function shape(keys: Record<string, fc.Arbitrary<unknown>>) {
  return fc.tuple(fc.record(keys, { requiredKeys: [] }), fc.nat(19)).map(
    ([o, n]) => {
      const out: Record<string, unknown> = { ...o };
      if (n === 0) out.zzz = 1;
      if (n === 1) out.cwd = undefined;
      return out;
    },
  );
}

const values: Record<string, fc.Arbitrary<unknown>> = {
  mcp: shape({
    transport: often(fc.constantFrom("stdio", "http", "sse", "ws")),
    command: str,
    args: strs,
    env: strRecord,
    cwd: str,
    url: str,
    headers: strRecord,
    enabled: often(fc.boolean()),
    startupTimeoutMs: num,
    toolTimeoutMs: num,
    tools: often(shape({ allow: strs, deny: strs })),
    oauth: often(
      shape({ clientId: str, callbackPort: num, scopes: strs, authServerMetadataUrl: str }),
    ),
    extras,
  }),
  instructions: shape({ text: str, extras }),
  command: shape({ description: str, argumentHint: str, body: str, extras }),
  subagent: shape({ description: str, tools: strs, model: str, body: str, extras }),
  skill: shape({
    files: often(
      fc.dictionary(
        fc.constantFrom("SKILL.md", "a.png", "x/y.txt"),
        often(shape({ base64: str, mode: num })),
        { maxKeys: 3 },
      ),
    ),
    extras,
  }),
};

const item = fc.constantFrom(...KINDS, "hooks").chain((kind) =>
  fc.record({
    kind: often(fc.constant(kind)),
    scope: often(
      fc.constantFrom("user", "project:/home/a", "project:C:\\src", "project:rel", "user\n"),
    ),
    name: often(
      fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("a\u0007b", "n".repeat(201))),
    ),
    value: values[kind] ?? values.mcp,
  }, { requiredKeys: ["kind", "scope", "name"] })
);

Deno.test("validItem agrees with the zod schema on valid and broken items alike", () => {
  let valid = 0;
  fc.assert(
    fc.property(item, (x) => {
      const zod = Item.safeParse(x).success;
      if (zod) valid++;
      assert.deepEqual(validItem(x), zod, `${JSON.stringify(x)}: ${itemProblem(x)}`);
    }),
    { numRuns: 20_000 },
  );
  // Both sides of the comparison were exercised.
  assert.ok(valid > 1000, `only ${valid} valid items generated`);
});

Deno.test("itemProblem names the field and the reason", () => {
  const base = { kind: "mcp", scope: "user", name: "x" };
  assert.deepEqual(
    itemProblem({ ...base, value: { transport: "stdio" } }),
    "value.command: a stdio server needs a command",
  );
  assert.deepEqual(
    itemProblem({ ...base, value: { transport: "http", url: "u", args: ["a", 2] } }),
    "value.args.1: expected a string",
  );
  assert.deepEqual(itemProblem({ ...base, value: { transport: "sse", url: "u" } }), undefined);
});

Deno.test("a plugin's Worker loads no zod (the contract reaches it by types only) and, of npm, only the TOML editor's plain module", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL("./worker_main.ts", import.meta.url).pathname],
    stdout: "piped",
  }).output();
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string; dependencies?: { code?: { specifier: string } }[] }[];
    redirects: Record<string, string>;
  };
  const bySpec = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const walk = (spec: string) => {
    spec = graph.redirects[spec] ?? spec;
    if (seen.has(spec)) return;
    seen.add(spec);
    for (const d of bySpec.get(spec)?.dependencies ?? []) if (d.code) walk(d.code.specifier);
  };
  walk(new URL("./worker_main.ts", import.meta.url).href);
  const loaded = [...seen];
  assert.ok(loaded.some((s) => s.includes("toml-edit-js")), "the walk follows npm packages");
  assert.deepEqual(loaded.filter((s) => /zod|schema\.ts$/.test(s)), []);
  // The TOML editor's own module, not its default entry (which starts Deno's Node layer); JSONC
  // and YAML from the bundled ES builds, not the npm packages (CommonJS, the Node layer again).
  assert.deepEqual(loaded.filter((s) => s.startsWith("npm:")), [
    "npm:/@rainbowatcher/toml-edit-js@0.6.5/index",
  ]);
  assert.ok(loaded.some((s) => s.endsWith("/core/vendor/yaml.js")));
  assert.ok(loaded.some((s) => s.endsWith("/core/vendor/jsonc_parser.js")));
});
