/**
 * Runs inside each plugin's sandboxed Worker: loads the plugin's `mod.ts` and answers
 * `{ id, method, args }` messages. The Worker's permissions, not this code, confine it.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { checkToml, initToml } from "./editors.ts";
import { toBase64 } from "./guards.ts";
import { idleCollector } from "./idle_gc.ts";
import type { Context, Desired, Files, PlannedWrite, Plugin } from "../plugins/_contract.ts";
// Loaded statically so the plugin's own import of the contract is served from the module cache:
// the plugin's dynamic import is checked against the Worker's read permission.
import "../plugins/_contract.ts";

/**
 * The disk as one call sees it. Reads are synchronous: from a Worker each of Deno's async file
 * ops costs about ten times a synchronous one (a round trip through the runtime's thread pool),
 * and the Worker has nothing else to do meanwhile. Each path is read at most once per call, so
 * a plan and the read-back over it see the same bytes. Same answers as `diskFiles()`.
 */
function callFiles(): { files: Files; bytes(path: string): Promise<Uint8Array | undefined> } {
  const memo = new Map<string, { value: unknown } | { error: unknown }>();
  // Runs `fn` once per key. An error `diskFiles()` takes as "not there" gives `none`; any other
  // (a refused read above all) is kept and thrown again on every ask.
  const once = <T>(key: string, fn: () => T, absent: (e: unknown) => boolean, none: T) => {
    let hit = memo.get(key);
    if (!hit) {
      try {
        hit = { value: fn() };
      } catch (e) {
        hit = absent(e) ? { value: none } : { error: e };
      }
      memo.set(key, hit);
    }
    return "error" in hit ? Promise.reject(hit.error) : Promise.resolve(hit.value as T);
  };
  const { NotFound, IsADirectory, NotADirectory } = Deno.errors;
  const missing = (e: unknown) => e instanceof NotFound || e instanceof IsADirectory;
  const bytes = (path: string) =>
    once<Uint8Array | undefined>(`b:${path}`, () => Deno.readFileSync(path), missing, undefined);
  const files: Files = {
    read: (path) => once(`t:${path}`, () => Deno.readTextFileSync(path), missing, undefined),
    readBase64: async (path) => {
      const b = await bytes(path);
      return b === undefined ? undefined : toBase64(b);
    },
    stat: async (path) => {
      const i = await once(
        `s:${path}`,
        () => {
          const i = Deno.statSync(path);
          return { isFile: i.isFile, isDirectory: i.isDirectory, mode: i.mode ?? undefined };
        },
        (e) => e instanceof NotFound,
        undefined,
      );
      return i && { ...i };
    },
    list: async (path) => {
      const names = await once(
        `l:${path}`,
        () => [...Deno.readDirSync(path)].map((e) => e.name).sort(),
        (e) => e instanceof NotFound || e instanceof NotADirectory,
        [] as string[],
      );
      return [...names];
    },
  };
  return { files, bytes };
}

/**
 * The bytes a planned write's content stands for. `contentBytes` in `files.ts` does the same,
 * but that module loads `node:crypto`, which would start Deno's Node layer in this Worker.
 */
function plannedBytes(w: PlannedWrite): Uint8Array {
  return w.encoding === "base64"
    ? Uint8Array.from(atob(w.content!), (c) => c.charCodeAt(0))
    : new TextEncoder().encode(w.content!);
}

/** True when every planned write leaves its file byte for byte as it is. */
async function unchanged(
  bytes: (path: string) => Promise<Uint8Array | undefined>,
  writes: PlannedWrite[],
): Promise<boolean> {
  for (const w of writes) {
    const now = await bytes(w.path);
    if (w.content === null || now === undefined) {
      if ((w.content === null) !== (now === undefined)) return false;
      continue;
    }
    const want = plannedBytes(w);
    if (want.length !== now.length || want.some((b, i) => b !== now[i])) return false;
  }
  return true;
}

/** The files as they will be once `writes` are written (nothing touches the disk). */
function overlay(files: Files, writes: PlannedWrite[]): Files {
  const over = new Map(writes.map((w) => [w.path, w]));
  const within = (dir: string) =>
    [...over.values()].some((w) => w.path.startsWith(dir + "/") && w.content !== null);
  return {
    read(path) {
      const w = over.get(path);
      if (!w) return files.read(path);
      return Promise.resolve(
        w.content === null
          ? undefined
          : w.encoding
          ? new TextDecoder().decode(plannedBytes(w))
          : w.content,
      );
    },
    readBase64(path) {
      const w = over.get(path);
      if (!w) return files.readBase64(path);
      return Promise.resolve(w.content === null ? undefined : toBase64(plannedBytes(w)));
    },
    async stat(path) {
      const w = over.get(path);
      if (w) {
        return w.content === null ? undefined : { isFile: true, isDirectory: false, mode: w.mode };
      }
      const real = await files.stat(path);
      if (real) return real;
      return within(path) ? { isFile: false, isDirectory: true } : undefined;
    },
    async list(dir) {
      const names = new Set(await files.list(dir));
      for (const w of over.values()) {
        if (!w.path.startsWith(dir + "/")) continue;
        // A planned file deeper down makes its first folder below `dir` appear too.
        const rest = w.path.slice(dir.length + 1);
        const name = rest.split("/")[0];
        if (w.content !== null) names.add(name);
        else if (!rest.includes("/")) names.delete(name);
      }
      return [...names].sort();
    },
  };
}

let plugin: Plugin | undefined;

/** Every TOML file a plan would write parses as a whole, or the plan fails (see `checkToml`). */
function checkPlanned(plan: { writes?: PlannedWrite[] } | undefined) {
  if (!Array.isArray(plan?.writes)) return; // the host refuses it, with a better message
  for (const w of plan.writes) {
    if (typeof w?.content === "string" && !w.encoding && w.path?.endsWith(".toml")) {
      checkToml(w.content, w.path);
    }
  }
}

// A plugin's heap holds 7–9 MB; V8 alone lets as much garbage again pile up before it collects.
const collector = idleCollector(1024 * 1024);

self.onmessage = async (e: MessageEvent) => {
  collector.busy();
  const msg = e.data as {
    id: number;
    type: "init" | "call";
    module?: string;
    wasm?: WebAssembly.Module;
    method?: "detect" | "read" | "plan" | "project" | "checkedPlan";
    args?: unknown[];
    ctx?: Record<string, unknown>;
  };
  try {
    if (msg.type === "init") {
      await initToml(msg.wasm);
      plugin = (await import(msg.module!)).default as Plugin;
      if (!plugin || typeof plugin.read !== "function") {
        throw new TypeError("mod.ts has no default export made with definePlugin()");
      }
      self.postMessage({ id: msg.id, ok: true });
      return;
    }
    const { files, bytes } = callFiles();
    const ctx = { ...msg.ctx, files } as Context;
    let result: unknown;
    if (msg.method === "project" || msg.method === "checkedPlan") {
      // What the client would read back if the desired items were planned: plan, then read
      // through an overlay of the planned contents. Nothing touches the disk.
      const plan = await plugin!.plan(msg.args![0] as Desired, ctx);
      checkPlanned(plan);
      // Nothing planned, or every planned file already as planned: the files stay as they are,
      // so there is nothing new to read back (the engine checks the plan against its own read).
      const same = msg.method === "checkedPlan" && await unchanged(bytes, plan.writes);
      const back = same
        ? undefined
        : await plugin!.read({ ...ctx, files: overlay(files, plan.writes) });
      result = msg.method === "project" ? back : { plan, back };
    } else {
      const fn = plugin![msg.method!] as (...a: unknown[]) => Promise<unknown>;
      result = await fn.call(plugin, ...(msg.args ?? []), ctx);
      if (msg.method === "plan") checkPlanned(result as { writes?: PlannedWrite[] });
    }
    self.postMessage({ id: msg.id, ok: true, result });
  } catch (err) {
    const name = (err as Error)?.name ?? "Error";
    self.postMessage({
      id: msg.id,
      ok: false,
      error: { name, message: String((err as Error)?.message ?? err) },
    });
  } finally {
    collector.idle();
  }
};

// Hello: aisync's side of this Worker has loaded; the host now sends the plugin's module.
self.postMessage({ id: 0, ok: true });
