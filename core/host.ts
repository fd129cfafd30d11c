/**
 * The plugin host: discovers plugin folders, checks each plugin's module graph, runs every
 * plugin in a Deno Worker that may read only the plugin's declared paths, calls it over RPC with
 * timeouts, validates everything it returns and isolates a plugin that throws, hangs or lies.
 *
 * @module
 */
import type { Context } from "../plugins/_contract.ts";
import { DetectResult, Manifest, PlanResult, ReadResult } from "./plugin_schema.ts";
import type { Item } from "./schema.ts";
import { allowedPaths, homePaths, isInside, type PathEnv, resolvePaths } from "./paths.ts";

/** An error of one plugin, with the operation that failed (the others carry on). */
export class PluginError extends Error {
  plugin: string;
  op: string;
  constructor(plugin: string, op: string, message: string, options?: { cause?: unknown }) {
    super(`Plugin "${plugin}" ${op}: ${message}`, options);
    this.name = "PluginError";
    this.plugin = plugin;
    this.op = op;
  }
}

/** A discovered plugin folder. */
export interface PluginInfo {
  id: string;
  dir: string;
  manifest: Manifest;
  builtin: boolean;
}

/** A plugin folder that could not be loaded, and why. */
export interface PluginProblem {
  dir: string;
  message: string;
}

/** Reads every `<dir>/<id>/manifest.json` (folders starting with `_` are not plugins). */
export async function discoverPlugins(
  roots: { dir: string; builtin: boolean }[],
): Promise<{ plugins: PluginInfo[]; problems: PluginProblem[] }> {
  const plugins: PluginInfo[] = [], problems: PluginProblem[] = [];
  for (const root of roots) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(root.dir)];
    } catch {
      continue;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.isDirectory || e.name.startsWith("_") || e.name.startsWith(".")) continue;
      const dir = `${root.dir}/${e.name}`;
      try {
        const raw = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
        const parsed = Manifest.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new TypeError(`field "${issue.path.join(".")}": ${issue.message}`);
        }
        if (parsed.data.id !== e.name) {
          throw new TypeError(`id "${parsed.data.id}" must equal the folder name "${e.name}"`);
        }
        if (plugins.some((p) => p.id === parsed.data.id)) {
          throw new TypeError(`id "${parsed.data.id}" is already taken by another plugin`);
        }
        plugins.push({ id: e.name, dir, manifest: parsed.data, builtin: root.builtin });
      } catch (err) {
        problems.push({
          dir,
          message: `Cannot load plugin "${e.name}": ${(err as Error).message}`,
        });
      }
    }
  }
  return { plugins, problems };
}

const contractFile = new URL("../plugins/_contract.ts", import.meta.url).href;

/** What `deno info --json` says of a module graph (the parts the check reads). */
interface Graph {
  modules: {
    specifier: string;
    kind: string;
    error?: string;
    dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
  }[];
  redirects?: Record<string, string>;
}

async function denoInfo(file: string): Promise<Graph> {
  // In a compiled binary Deno.execPath() is aisync itself: use a `deno` on PATH, if any.
  const exe = Deno.execPath().endsWith("deno") ? Deno.execPath() : "deno";
  const out = await new Deno.Command(exe, {
    args: ["info", "--json", file],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(new TextDecoder().decode(out.stderr).trim().split("\n")[0]);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

let contractGraph: Promise<Set<string>> | undefined;

/** The modules of a graph reached from `root` (through code and type imports alike). */
function reached(graph: Graph, root: string): Graph["modules"] | undefined {
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Map<string, Graph["modules"][number]>();
  const todo = [root];
  while (todo.length) {
    const s = todo.pop()!;
    const spec = graph.redirects?.[s] ?? s;
    if (seen.has(spec)) continue;
    const m = bySpecifier.get(spec);
    // A module deno could not load: let the plugin's own `deno info` say what is wrong.
    if (!m || m.error) return undefined;
    seen.set(spec, m);
    for (const d of m.dependencies ?? []) {
      if (d.code) todo.push(d.code.specifier);
      if (d.type) todo.push(d.type.specifier);
    }
  }
  return [...seen.values()];
}

/**
 * The module graph of each plugin and of the contract, from one `deno info` over a file that
 * imports them all: one subprocess instead of one per plugin. A plugin missing from the answer
 * (the run failed, or one of its modules could not be loaded) is checked on its own.
 */
export async function pluginGraphs(
  plugins: PluginInfo[],
): Promise<{ contract?: Set<string>; plugins: Map<string, Graph["modules"]> }> {
  const out = { contract: undefined as Set<string> | undefined, plugins: new Map() };
  if (!plugins.length) return out;
  const dir = await Deno.makeTempDir({ prefix: "aisync-graph-" });
  try {
    const roots = [contractFile, ...plugins.map((p) => new URL(`file://${p.dir}/mod.ts`).href)];
    await Deno.writeTextFile(
      `${dir}/plugins.ts`,
      roots.map((r) => `import ${JSON.stringify(r)};\n`).join(""),
    );
    const graph = await denoInfo(`${dir}/plugins.ts`);
    const contract = reached(graph, contractFile);
    if (!contract) return out;
    out.contract = new Set(contract.map((m) => m.specifier));
    for (const [i, p] of plugins.entries()) {
      const modules = reached(graph, roots[i + 1]);
      if (modules) out.plugins.set(p.id, modules);
    }
  } catch {
    // Each plugin is then checked on its own, which reports what went wrong.
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return out;
}

/**
 * Refuses a plugin whose module graph reaches local files outside its folder and the contract,
 * or that imports with a computed specifier: local imports are not gated by the Worker's read
 * permission, so a plugin could otherwise load `~/.ssh/…` as a module. `known` holds graphs
 * already worked out by {@linkcode pluginGraphs}.
 */
export async function checkGraph(
  plugin: PluginInfo,
  known?: Awaited<ReturnType<typeof pluginGraphs>>,
): Promise<void> {
  let allowed: Set<string>, modules: Graph["modules"];
  try {
    allowed = known?.contract ?? await (contractGraph ??= denoInfo(
      new URL(contractFile).pathname,
    ).then((g) => new Set(g.modules.map((m) => m.specifier))));
    modules = known?.plugins.get(plugin.id) ??
      (await denoInfo(`${plugin.dir}/mod.ts`)).modules;
  } catch (e) {
    // A compiled aisync without a `deno` on PATH cannot inspect graphs: its built-in plugins
    // were checked when it was built; a user plugin is refused rather than trusted.
    if (plugin.builtin && e instanceof Deno.errors.NotFound) return;
    throw new PluginError(
      plugin.id,
      "load",
      `cannot check its module graph: ${(e as Error).message}`,
    );
  }
  const own = new URL(`file://${plugin.dir}/`).href;
  // A user plugin reaches the contract through the data folder's one-line re-export.
  const shim = new URL("../_contract.ts", own).href;
  for (const m of modules) {
    if (m.kind === "npm" || m.specifier.startsWith(own) || allowed.has(m.specifier)) continue;
    if (!plugin.builtin && m.specifier === shim) continue;
    if (m.specifier.startsWith("node:")) continue;
    throw new PluginError(
      plugin.id,
      "load",
      `imports "${m.specifier}", outside its folder and the contract`,
    );
  }
  for await (const e of Deno.readDir(plugin.dir)) {
    if (!/\.(ts|js|mts|mjs|tsx|jsx)$/.test(e.name) || /_test\.ts$/.test(e.name)) continue;
    const src = await Deno.readTextFile(`${plugin.dir}/${e.name}`);
    const dyn = /\bimport\s*\(\s*(?!["'][^"'`$]*["']\s*[,)])/.exec(src);
    if (dyn) {
      throw new PluginError(
        plugin.id,
        "load",
        `${e.name} imports a computed specifier (import(…)); only literal imports are allowed`,
      );
    }
  }
}

let wasmModule: Promise<WebAssembly.Module> | undefined;

function tomlWasm(): Promise<WebAssembly.Module> {
  wasmModule ??= (async () => {
    const url = new URL("index_bg.wasm", import.meta.resolve("@rainbowatcher/toml-edit-js/index"));
    return await WebAssembly.compile(await Deno.readFile(url));
  })();
  return wasmModule;
}

/** Options of a {@linkcode Host}. */
export interface HostOptions {
  penv: PathEnv;
  /** Milliseconds one call may take before the Worker is stopped. */
  timeoutMs?: number;
  /** Skip the module-graph check (tests of the host itself). */
  trustGraph?: boolean;
  /**
   * Milliseconds a Worker may sit unused before it is stopped; it starts again when next
   * needed. Default five minutes: aisync left running all day keeps no idle Worker's memory.
   */
  idleMs?: number;
}

interface Running {
  worker: Worker;
  /** Resolves when aisync's own side of the Worker (the contract, the editors) has loaded. */
  booted: Promise<void>;
  /** Resolves when the plugin's module has loaded too. */
  ready: Promise<void>;
  /** Set once `ready` has resolved. */
  isReady?: boolean;
  pending: Map<number, { resolve(v: unknown): void; reject(e: Error): void }>;
  /** When it last was asked or answered (`performance.now()`). */
  usedAt: number;
}

const MAX_CONTENT = 16 * 1024 * 1024;

/** Runs plugins in sandboxed Workers. */
export class Host {
  #plugins = new Map<string, PluginInfo>();
  #running = new Map<string, Running>();
  #checked = new Map<string, Promise<void>>();
  #graphs: ReturnType<typeof pluginGraphs> | undefined;
  #passed = new Set<string>();
  #projects: string[] = [];
  #opts: HostOptions;
  #seq = 0;
  #closed = false;
  #sweeper: ReturnType<typeof setInterval> | undefined;
  /** What each plugin's `detect` last said. */
  #detected = new Map<string, DetectResult>();

  constructor(plugins: PluginInfo[], opts: HostOptions) {
    for (const p of plugins) this.#plugins.set(p.id, p);
    this.#opts = opts;
  }

  /** The plugins this host runs. */
  get plugins(): PluginInfo[] {
    return [...this.#plugins.values()];
  }

  /** The home folder, OS and environment paths are resolved in. */
  get penv(): PathEnv {
    return this.#opts.penv;
  }

  /** The project roots every plugin is asked about. */
  get projects(): string[] {
    return this.#projects;
  }

  /** Changes the projects; Workers restart with read access to the new paths. */
  setProjects(projects: string[]): void {
    const next = [...new Set(projects)].sort();
    if (next.join("\n") === this.#projects.join("\n")) return;
    this.#projects = next;
    for (const id of [...this.#running.keys()]) this.#stop(id);
  }

  /** The resolved context (without files) a plugin gets. */
  context(id: string): Omit<Context, "files"> {
    const p = this.#get(id);
    return {
      os: this.#opts.penv.os,
      home: this.#opts.penv.home,
      ...resolvePaths(p.manifest, this.#opts.penv, this.#projects),
    };
  }

  /** Every absolute path the plugin may read and plan writes to. */
  allowed(id: string): string[] {
    return allowedPaths(this.context(id));
  }

  /** Where the client shows it is on this machine (its manifest's `home`, resolved). */
  homes(id: string): string[] {
    return homePaths(this.#get(id).manifest, this.#opts.penv);
  }

  /**
   * Whether the client is on this machine: one of its `home` paths exists (see the manifest).
   * The host looks itself, so a client that is not here costs no Worker.
   */
  present(id: string): boolean {
    if (!this.#get(id).manifest.home) return true;
    return this.homes(id).some((p) => {
      try {
        Deno.lstatSync(p);
        return true;
      } catch (e) {
        // Something is there that we may not look at: the client is.
        return !(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory);
      }
    });
  }

  /**
   * Whether the client is installed: it is when {@linkcode present} (aisync syncs it then), and
   * its plugin may add its version.
   */
  async detect(id: string): Promise<DetectResult> {
    if (!this.present(id)) return { installed: false };
    // A Worker stopped for being idle is not started again only to say a version it said.
    if (!this.#running.has(id) && this.#detected.has(id)) return this.#detected.get(id)!;
    const d = this.#validate(id, "detect", DetectResult, await this.#call(id, "detect", []));
    const out = { ...d, installed: true };
    this.#detected.set(id, out);
    return out;
  }

  /** Runs `read`; every item and error is validated. */
  async read(id: string): Promise<ReadResult> {
    const result = this.#validate(id, "read", ReadResult, await this.#call(id, "read", []));
    const scopes = new Set(["user", ...this.#projects.map((p) => `project:${p}`)]);
    const kinds = new Set(this.#get(id).manifest.kinds);
    for (const item of result.items) {
      if (!kinds.has(item.kind)) {
        throw new PluginError(id, "read", `returned an item of undeclared kind "${item.kind}"`);
      }
      if (!scopes.has(item.scope)) {
        throw new PluginError(id, "read", `returned an item of unknown scope "${item.scope}"`);
      }
    }
    return result;
  }

  /** Runs `plan`; refuses writes outside the plugin's declared paths. */
  async plan(id: string, items: Item[]): Promise<PlanResult> {
    const raw = await this.#call(id, "plan", [{ items }]);
    return this.#checkPlan(id, this.#validate(id, "plan", PlanResult, raw));
  }

  /**
   * Runs `plan`, then `read` over the planned contents (nothing is written): what the client
   * will read once the plan is written, so the engine can refuse a plan that would not parse or
   * would not say what was asked. Without `back`, the Worker found every planned file already
   * as planned: the caller checks that against its own read (a Worker may lie).
   */
  async checkedPlan(
    id: string,
    items: Item[],
  ): Promise<{ plan: PlanResult; back?: ReadResult }> {
    const r = await this.#call(id, "checkedPlan", [{ items }]) as { plan: unknown; back: unknown };
    const plan = this.#checkPlan(id, this.#validate(id, "plan", PlanResult, r?.plan));
    // No writes, or none that changes a byte: the client keeps reading what it read.
    if (!plan.writes.length || r?.back === undefined) return { plan };
    return { plan, back: this.#validate(id, "plan", ReadResult, r.back) };
  }

  #checkPlan(id: string, result: PlanResult): PlanResult {
    const allowed = this.allowed(id);
    for (const w of result.writes) {
      if (
        !w.path.startsWith("/") || w.path.split("/").includes("..") || !isInside(w.path, allowed)
      ) {
        throw new PluginError(
          id,
          "plan",
          `planned a write to "${w.path}", outside its declared paths`,
        );
      }
      if (w.content !== null && w.content.length > MAX_CONTENT) {
        throw new PluginError(
          id,
          "plan",
          `planned ${w.content.length} bytes for "${w.path}", over the limit`,
        );
      }
    }
    return result;
  }

  /** What the client would read back if `items` were planned (nothing is written). */
  async project(id: string, items: Item[]): Promise<ReadResult> {
    return this.#validate(id, "project", ReadResult, await this.#call(id, "project", [{ items }]));
  }

  /** The plugins whose Worker is running now. */
  get running(): string[] {
    return [...this.#running.keys()];
  }

  /** Stops every Worker; calls still waiting and any later call fail. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const id of [...this.#running.keys()]) this.#stop(id);
  }

  #get(id: string): PluginInfo {
    const p = this.#plugins.get(id);
    if (!p) throw new Error(`Cannot find plugin "${id}"`);
    return p;
  }

  #validate<T>(
    id: string,
    op: string,
    schema: {
      safeParse(
        v: unknown,
      ): {
        success: boolean;
        data?: T;
        error?: { issues: { path: PropertyKey[]; message: string }[] };
      };
    },
    value: unknown,
  ): T {
    const r = schema.safeParse(value);
    if (!r.success) {
      const issue = r.error!.issues[0];
      throw new PluginError(
        id,
        op,
        `returned invalid data at "${issue.path.join(".")}": ${issue.message}`,
      );
    }
    return r.data!;
  }

  async #call(
    id: string,
    method: "detect" | "read" | "plan" | "project" | "checkedPlan",
    args: unknown[],
  ): Promise<unknown> {
    const p = this.#get(id);
    if (this.#closed) throw new PluginError(id, method, "the host is closed");
    const running = this.#running.get(id);
    if (running?.isReady && (this.#opts.trustGraph || this.#passed.has(id))) {
      // A loaded, checked plugin is asked at once, before the caller's next await: a sync asks
      // the clients first and loads its own state while they answer.
      const sent = this.#send(running, { type: "call", method, args, ctx: this.context(id) });
      return await this.#withTimeout(id, method, sent);
    }
    if (!this.#opts.trustGraph && !this.#passed.has(id)) {
      if (!this.#checked.has(id)) {
        // The first plugin to start has every plugin's graph worked out at once.
        this.#graphs ??= pluginGraphs(this.plugins.filter((x) => !this.#passed.has(x.id)));
        this.#checked.set(
          id,
          this.#graphs.then((known) => checkGraph(p, known)).then(() => void this.#passed.add(id)),
        );
      }
      await this.#checked.get(id);
    }
    const run = this.#start(p);
    // Loading is slow on a busy machine. aisync's own side of a Worker comes first (every Worker
    // loads its own copy, all at once): that is not the plugin's doing, so only the plugin's
    // module has the load limit, and the rest a far wider one.
    const limit = Math.max(this.#opts.timeoutMs ?? 0, 60_000);
    await this.#withTimeout(id, "load", run.booted, 5 * limit);
    await this.#withTimeout(id, "load", run.ready, limit);
    const ctx = this.context(id);
    return await this.#withTimeout(
      id,
      method,
      this.#send(run, { type: "call", method, args, ctx }),
    );
  }

  #start(p: PluginInfo): Running {
    const existing = this.#running.get(p.id);
    if (existing) return existing;
    const run = { pending: new Map(), usedAt: performance.now() } as Running;
    this.#sweepLater();
    // The Worker says hello (message 0) once worker_main.ts has loaded.
    run.booted = new Promise((resolve, reject) => run.pending.set(0, { resolve, reject }));
    run.worker = this.#spawn(p, run);
    this.#running.set(p.id, run);
    run.ready = run.booted.then(() => tomlWasm()).then((wasm) =>
      this.#send(run, { type: "init", module: new URL(`file://${p.dir}/mod.ts`).href, wasm })
    ).then(() => void (run.isReady = true));
    // Callers wait on these; a Worker stopped before anyone did must not leave them unhandled.
    run.booted.catch(() => {});
    run.ready.catch(() => {});
    return run;
  }

  #spawn(p: PluginInfo, run: Running): Worker {
    // The plugin's own folder too: loading its mod.ts is a dynamic import, checked like a read.
    const read = [...this.allowed(p.id), p.dir];
    if (!p.builtin) read.push(`${p.dir.slice(0, p.dir.lastIndexOf("/"))}/_contract.ts`);
    const worker = new Worker(new URL("./worker_main.ts", import.meta.url), {
      type: "module",
      name: `plugin:${p.id}`,
      deno: {
        permissions: {
          read: read.length ? read : false,
          write: false,
          net: false,
          // The yaml package's parser checks these debug switches; nothing else is readable.
          env: ["LOG_TOKENS", "LOG_STREAM"],
          run: false,
          ffi: false,
          sys: false,
          import: false,
        },
      },
    } as WorkerOptions);
    worker.onmessage = (e: MessageEvent) => {
      const msg = e.data as {
        id: number;
        ok: boolean;
        result?: unknown;
        error?: { name: string; message: string };
      };
      const waiter = run.pending.get(msg.id);
      if (!waiter) return;
      run.usedAt = performance.now();
      run.pending.delete(msg.id);
      if (msg.ok) waiter.resolve(msg.result);
      else waiter.reject(describeError(p.id, msg.error!));
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#fail(p.id, new PluginError(p.id, "crash", e.message));
    };
    return worker;
  }

  #send(run: Running, msg: Record<string, unknown>): Promise<unknown> {
    const id = ++this.#seq;
    run.usedAt = performance.now();
    return new Promise((resolve, reject) => {
      run.pending.set(id, { resolve, reject });
      run.worker.postMessage({ ...msg, id });
    });
  }

  async #withTimeout<T>(id: string, op: string, p: Promise<T>, limit?: number): Promise<T> {
    const ms = limit ?? this.#opts.timeoutMs ?? 20_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new PluginError(id, op, `did not answer within ${ms} ms and was stopped`);
        this.#fail(id, err);
        reject(err);
      }, ms);
    });
    try {
      return await Promise.race([p, timeout]);
    } catch (e) {
      if (e instanceof PluginError) throw e;
      throw new PluginError(id, op, (e as Error).message, { cause: e });
    } finally {
      clearTimeout(timer);
    }
  }

  #fail(id: string, err: Error) {
    const run = this.#running.get(id);
    if (!run) return;
    for (const w of run.pending.values()) w.reject(err);
    this.#stop(id);
  }

  #sweepLater() {
    if (this.#sweeper !== undefined) return;
    const idle = this.#opts.idleMs ?? 5 * 60_000;
    const sweeper = this.#sweeper = setInterval(() => {
      const now = performance.now();
      for (const [id, run] of this.#running) {
        if (run.isReady && !run.pending.size && now - run.usedAt >= idle) this.#stop(id);
      }
    }, Math.max(10, Math.min(idle / 2, 60_000)));
    // The sweep alone never keeps aisync running.
    Deno.unrefTimer(sweeper);
  }

  #stop(id: string) {
    const run = this.#running.get(id);
    if (!run) return;
    run.worker.terminate();
    this.#running.delete(id);
    // A terminated Worker never answers: nobody waits on it until a timeout.
    const stopped = new PluginError(id, "call", "was stopped before it answered");
    for (const w of run.pending.values()) w.reject(stopped);
    run.pending.clear();
  }
}

function describeError(id: string, e: { name: string; message: string }): PluginError {
  if (e.name === "NotCapable" || /Requires \w+ access/.test(e.message)) {
    const what = /Requires (\w+) access(?: to "([^"]*)")?/.exec(e.message);
    const msg = what
      ? `was refused ${what[1]} access${what[2] ? ` to "${what[2]}"` : ""} by its sandbox`
      : `was refused by its sandbox: ${e.message}`;
    return new PluginError(id, "sandbox", msg);
  }
  return new PluginError(id, "call", `${e.name}: ${e.message}`);
}
