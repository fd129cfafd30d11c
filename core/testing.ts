/**
 * Test helpers: a temporary home folder with clients' files, and an aisync opened on it.
 *
 * @module
 */
import { type App, openApp } from "./app.ts";
import { contentBytes } from "./files.ts";
import type { PlannedWrite } from "./plugin_schema.ts";
import { Policy } from "./state.ts";

/** A temp home + data dir with an opened app; `await using` closes it at the end of the block. */
export interface Sandbox extends AsyncDisposable {
  root: string;
  home: string;
  project: string;
  app: App;
  /** Writes a file relative to the home folder (`~/…`) or absolute. */
  write(path: string, text: string): Promise<void>;
  /** Reads a file relative to the home folder or absolute (`undefined` when absent). */
  read(path: string): Promise<string | undefined>;
  /** Closes the app and removes the folders. */
  close(): Promise<void>;
}

/** Opens aisync over a fresh temporary home with one registered project. */
export async function sandbox(
  files: Record<string, string> = {},
  options: {
    /** Sync only these clients (the others' policies are switched off: faster tests). */
    only?: string[];
    /**
     * Clients not installed in this home. Every other client's own folder is made (its
     * manifest's first `home` path), so it counts as installed.
     */
    absent?: string[];
  } = {},
): Promise<Sandbox> {
  const root = await Deno.makeTempDir({ prefix: "aisync-test-" });
  const home = `${root}/home`, project = `${root}/project`;
  await Deno.mkdir(home, { recursive: true });
  await Deno.mkdir(project, { recursive: true });
  const abs = (p: string) =>
    p.startsWith("~/") ? `${home}/${p.slice(2)}` : p.replaceAll("{project}", project);
  const write = async (p: string, text: string) => {
    const f = abs(p);
    await Deno.mkdir(f.slice(0, f.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(f, text.replaceAll("{project}", project));
  };
  for (const [p, t] of Object.entries(files)) await write(p, t);
  const app = await openApp({ home, dataDir: `${root}/data`, env: {}, timeoutMs: 30_000 });
  for (const p of app.host.plugins) {
    if (options.absent?.includes(p.id)) continue;
    const [folder] = app.host.homes(p.id);
    if (folder) await Deno.mkdir(folder, { recursive: true });
  }
  await app.state.addProject(project, "registered");
  if (options.only) {
    for (const p of app.host.plugins) {
      if (!options.only.includes(p.id)) {
        await app.state.setPolicy(p.id, Policy.parse({ enabled: false }));
      }
    }
  }
  const box: Sandbox = {
    root,
    home,
    project,
    app,
    write,
    async read(p) {
      try {
        return await Deno.readTextFile(abs(p));
      } catch {
        return undefined;
      }
    },
    async close() {
      await app.close();
      await Deno.remove(root, { recursive: true });
    },
    // Through `close` as it is then: a wrapper that replaces it (the web sandbox) is disposed of
    // by its own.
    [Symbol.asyncDispose]: () => box.close(),
  };
  return box;
}

/**
 * Writes a plugin's planned files straight to disk, as the client itself would save them (not
 * through aisync's guarded writes): its folders made, `content: null` removing the file.
 */
export async function writePlanned(writes: PlannedWrite[]): Promise<void> {
  for (const w of writes) {
    if (w.content === null) await Deno.remove(w.path).catch(() => {});
    else {
      await Deno.mkdir(w.path.slice(0, w.path.lastIndexOf("/")), { recursive: true });
      await Deno.writeFile(w.path, contentBytes(w.content, w.encoding));
    }
  }
}
