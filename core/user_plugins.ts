/**
 * User plugins: folders in `<data dir>/plugins/` that run in the same sandbox as the built-in
 * ones. A new one (or one whose declared paths changed) stays disabled until the user approves
 * it with the paths it asks to read in front of them.
 *
 * @module
 */
import { eq } from "drizzle-orm";
import { schema } from "../db/mod.ts";
import { hashText } from "./files.ts";
import type { PluginInfo } from "./host.ts";
import type { State } from "./state.ts";

/** Where user plugins live. */
export function userPluginDir(dataDir: string): string {
  return `${dataDir}/plugins`;
}

/**
 * Writes `<data dir>/plugins/_contract.ts`, which re-exports this aisync's contract, so a user
 * plugin imports `../_contract.ts` exactly as a built-in one does (copy the closest plugin and
 * it works).
 */
export async function writeContractShim(dataDir: string): Promise<string> {
  const dir = userPluginDir(dataDir);
  await Deno.mkdir(dir, { recursive: true });
  const target = new URL("../plugins/_contract.ts", import.meta.url).href;
  const file = `${dir}/_contract.ts`;
  const text =
    `// Written by aisync: the plugin contract of the aisync that runs these plugins.\n` +
    `export * from ${JSON.stringify(target)};\n`;
  const current = await Deno.readTextFile(file).catch(() => undefined);
  if (current !== text) await Deno.writeTextFile(file, text);
  return file;
}

/** The fingerprint of what a user approved: the manifest (its paths and kinds). */
export async function manifestHash(plugin: PluginInfo): Promise<string> {
  return await hashText(await Deno.readTextFile(`${plugin.dir}/manifest.json`));
}

function key(state: State, id: string) {
  return `plugin-approval:${state.machine}:${id}`;
}

/** True when the user approved this plugin as its manifest is now. */
export async function isApproved(state: State, plugin: PluginInfo): Promise<boolean> {
  const rows = await state.store.db.select().from(schema.settings).where(
    eq(schema.settings.key, key(state, plugin.id)),
  );
  if (!rows[0]) return false;
  return JSON.parse(rows[0].value).hash === await manifestHash(plugin);
}

/** Approves (enables) a user plugin as its manifest is now. */
export async function approve(state: State, plugin: PluginInfo): Promise<void> {
  await state.setSetting(key(state, plugin.id), {
    hash: await manifestHash(plugin),
    at: Date.now(),
  });
}

/** Withdraws the approval of a user plugin (it stops syncing; its files are left alone). */
export async function revoke(state: State, id: string): Promise<boolean> {
  const r = await state.store.db.delete(schema.settings).where(
    eq(schema.settings.key, key(state, id)),
  )
    .returning({ key: schema.settings.key });
  return r.length > 0;
}
