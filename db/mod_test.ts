import assert from "node:assert/strict";
import { openDb } from "./mod.ts";

Deno.test("openDb(): the write-ahead log is folded back once the store is quiet, not mid-write", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aisync-db-" });
  const store = await openDb(`file:${dir}/aisync.db`);
  try {
    const auto = await store.client.execute("PRAGMA wal_autocheckpoint");
    assert.equal(Number(auto.rows[0][0]), 16384);
    await store.client.execute("CREATE TABLE t (x TEXT)");
    await store.client.execute({ sql: "INSERT INTO t VALUES (?)", args: ["x".repeat(1 << 20)] });
    const before = (await Deno.stat(`${dir}/aisync.db`)).size;
    store.wrote();
    // The megabyte is in the log until the quiet second is over.
    assert.equal((await Deno.stat(`${dir}/aisync.db`)).size, before);
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok((await Deno.stat(`${dir}/aisync.db`)).size > before + (1 << 20) / 2);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
