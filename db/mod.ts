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
  /**
   * Tells the store a write was committed. An embedded store folds its write-ahead log back
   * into the database once it has been quiet for a second, not in the write that happens to
   * fill it: that fold (pages copied, fsync) took a sync from 30 to 400 ms.
   */
  wrote(): void;
  close(): void;
}

/** Quiet time before the write-ahead log is checkpointed (see `Store.wrote`). */
const CHECKPOINT_QUIET_MS = 1000;

/** Opens the store at `url` (`file:/abs/path.db`, `libsql://…`, `http://…`) and migrates it. */
export async function openDb(url: string, authToken?: string): Promise<Store> {
  const client = createClient({ url, authToken });
  const file = url.startsWith("file:");
  if (file) {
    // WAL lets the web service read while the engine writes; a busy timeout rides out the rest.
    await client.execute("PRAGMA journal_mode=WAL");
    await client.execute("PRAGMA busy_timeout=5000");
    await client.execute("PRAGMA synchronous=NORMAL");
    // Checkpoints come when the store is quiet (`wrote`); this one, at 64 MB, only bounds the
    // log under writes that never pause.
    await client.execute("PRAGMA wal_autocheckpoint=16384");
  }
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder: new URL("./migrations", import.meta.url).pathname });
  let timer: ReturnType<typeof setTimeout> | undefined, closed = false;
  return {
    db,
    client,
    wrote() {
      if (!file || closed) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        if (!closed) client.execute("PRAGMA wal_checkpoint(PASSIVE)").catch(() => {});
      }, CHECKPOINT_QUIET_MS);
      // A pending checkpoint does not keep a finished command running: closing folds the log.
      Deno.unrefTimer(timer);
    },
    close() {
      closed = true;
      clearTimeout(timer);
      client.close();
    },
  };
}

export { schema };
