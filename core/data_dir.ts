/**
 * Where aisync keeps its own state: `AISYNC_HOME`, else the platform's data folder.
 *
 * @module
 */

/** The data folder (created on first use by the caller). */
export function dataDir(): string {
  const env = (n: string) => Deno.env.get(n);
  const explicit = env("AISYNC_HOME");
  if (explicit) return explicit;
  const home = env("HOME") ?? env("USERPROFILE") ?? ".";
  if (Deno.build.os === "darwin") return `${home}/Library/Application Support/aisync`;
  if (Deno.build.os === "windows") return `${env("APPDATA") ?? home}/aisync`;
  return `${env("XDG_DATA_HOME") || `${home}/.local/share`}/aisync`;
}

/** The libSQL URL: `AISYNC_DB_URL`, else `aisync.db` in the data folder. */
export function dbUrl(dir = dataDir()): string {
  return Deno.env.get("AISYNC_DB_URL") ?? `file:${dir}/aisync.db`;
}

/** A stable id for this machine, kept in the data folder (rows that describe local files carry it). */
export async function machineId(dir = dataDir()): Promise<string> {
  const file = `${dir}/machine-id`;
  try {
    return (await Deno.readTextFile(file)).trim();
  } catch {
    const id = crypto.randomUUID();
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(file, id + "\n");
    return id;
  }
}
