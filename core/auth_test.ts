import assert from "node:assert/strict";
import { Auth, RateLimiter, SetupTokenError } from "./auth.ts";
import { openDb } from "../db/mod.ts";

Deno.test("Auth hashes with argon2id, verifies, issues and expires tokens", async () => {
  const dir = await Deno.makeTempDir();
  const store = await openDb(`file:${dir}/t.db`);
  try {
    const auth = new Auth(store, { tokenTtlMs: 50 });
    const setup = (await auth.setupToken())!;
    assert.equal(await auth.setupToken(), setup, "one token until it is used");
    await assert.rejects(auth.setup("wrong", "admin", "password1"), SetupTokenError);
    const id = await auth.setup(setup, "admin", "password1");
    assert.equal(await auth.setupToken(), undefined);
    await assert.rejects(auth.setup(setup, "other", "password1"), SetupTokenError);
    await assert.rejects(auth.addUser("admin", "password2"), /name is taken/);
    await assert.rejects(auth.addUser("bad name", "password2"), /Cannot add user "bad name"/);
    await assert.rejects(auth.addUser("bob", "short"), /at least 8/);
    const [row] = await store.client.execute("select hash from users").then((r) => r.rows);
    assert.match(String(row.hash), /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await auth.verify("admin", "password1"), id);
    assert.equal(await auth.verify("admin", "password2"), undefined);
    assert.equal(await auth.verify("nobody", "password1"), undefined);
    const s = await auth.issue(id, "cookie");
    assert.equal((await auth.lookup(s.token, "cookie"))!.csrf, s.csrf);
    assert.equal(await auth.lookup(s.token, "bearer"), undefined, "a cookie is not a bearer token");
    const [stored] = (await store.client.execute("select id from sessions")).rows;
    assert.notEqual(stored.id, s.token, "only a digest is stored");
    const t = await auth.issue(id, "bearer");
    assert.equal((await auth.lookup(t.token, "bearer"))!.name, "admin");
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(await auth.lookup(t.token, "bearer"), undefined, "expired");
    await auth.revoke(s.token);
    assert.equal(await auth.lookup(s.token, "cookie"), undefined);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RateLimiter blocks after max failures in the window and forgets after it", () => {
  const l = new RateLimiter(3, 1000);
  for (let i = 0; i < 3; i++) {
    assert.equal(l.blocked("k", 100 + i), 0);
    l.fail("k", 100 + i);
  }
  assert.ok(l.blocked("k", 200) > 0);
  assert.equal(l.blocked("k", 1200), 0);
  l.fail("j", 0);
  l.reset("j");
  assert.equal(l.blocked("j", 1), 0);
});
