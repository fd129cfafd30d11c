/**
 * Runs inside each plugin's sandboxed Worker: loads the plugin's `mod.ts` and answers
 * `{ id, method, args }` messages. The Worker's permissions, not this code, confine it.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { initToml } from "./editors.ts";
import { diskFiles } from "./paths.ts";
import { toBase64 } from "./files.ts";
import type { Context, Desired, Files, PlannedWrite, Plugin } from "../plugins/_contract.ts";
// Loaded statically so the plugin's own import of the contract is served from the module cache:
// the plugin's dynamic import is checked against the Worker's read permission.
import "../plugins/_contract.ts";

/** The files as they will be once `writes` are written (nothing touches the disk). */
function overlay(files: Files, writes: PlannedWrite[]): Files {
  const over = new Map(writes.map((w) => [w.path, w]));
  const bytes = (w: PlannedWrite) =>
    w.encoding === "base64"
      ? Uint8Array.from(atob(w.content!), (c) => c.charCodeAt(0))
      : new TextEncoder().encode(w.content!);
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
          ? new TextDecoder().decode(bytes(w))
          : w.content,
      );
    },
    readBase64(path) {
      const w = over.get(path);
      if (!w) return files.readBase64(path);
      return Promise.resolve(w.content === null ? undefined : toBase64(bytes(w)));
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

self.onmessage = async (e: MessageEvent) => {
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
    const files = diskFiles();
    const ctx = { ...msg.ctx, files } as Context;
    let result: unknown;
    if (msg.method === "project" || msg.method === "checkedPlan") {
      // What the client would read back if the desired items were planned: plan, then read
      // through an overlay of the planned contents. Nothing touches the disk.
      const plan = await plugin!.plan(msg.args![0] as Desired, ctx);
      // Nothing planned: the files stay as they are, so there is nothing new to read back.
      const back = msg.method === "checkedPlan" && !plan.writes.length
        ? undefined
        : await plugin!.read({ ...ctx, files: overlay(files, plan.writes) });
      result = msg.method === "project" ? back : { plan, back };
    } else {
      const fn = plugin![msg.method!] as (...a: unknown[]) => Promise<unknown>;
      result = await fn.call(plugin, ...(msg.args ?? []), ctx);
    }
    self.postMessage({ id: msg.id, ok: true, result });
  } catch (err) {
    const name = (err as Error)?.name ?? "Error";
    self.postMessage({
      id: msg.id,
      ok: false,
      error: { name, message: String((err as Error)?.message ?? err) },
    });
  }
};
