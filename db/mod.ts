/**
 * Opens aisync's libSQL store (an embedded file by default, any libSQL URL by setting) and
 * applies the committed migrations.
 *
 * @module
 */
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import * as schema from "./schema.ts";

/** The drizzle database with aisync's schema. */
export type Db = ReturnType<typeof drizzle<typeof schema>>;

/** An open store: the drizzle handle and the raw client (for batches and FTS). */
export interface Store {
  db: Db;
  client: ReturnType<typeof createClient>;
  close(): void;
}

/** Opens the store at `url` (`file:/abs/path.db`, `libsql://…`, `http://…`) and migrates it. */
export async function openDb(url: string, authToken?: string): Promise<Store> {
  const client = createClient({ url, authToken });
  if (url.startsWith("file:")) {
    // WAL lets the web service read while the engine writes; a busy timeout rides out the rest.
    await client.execute("PRAGMA journal_mode=WAL");
    await client.execute("PRAGMA busy_timeout=5000");
    await client.execute("PRAGMA synchronous=NORMAL");
  }
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder: new URL("./migrations", import.meta.url).pathname });
  return { db, client, close: () => client.close() };
}

export { schema };
