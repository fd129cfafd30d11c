import assert from "node:assert/strict";
import { atomicWrite, guardedWrite, hashText, StaleFileError, writeRefusal } from "./files.ts";

Deno.test("atomicWrite() keeps the file's mode and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  const f = `${dir}/config.json`;
  await Deno.writeTextFile(f, "old");
  await Deno.chmod(f, 0o600);
  await atomicWrite(f, "new", 0o600);
  assert.equal(await Deno.readTextFile(f), "new");
  assert.equal((await Deno.stat(f)).mode! & 0o777, 0o600);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["config.json"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("guardedWrite() backs up first and refuses a file changed since it was read", async () => {
  const dir = await Deno.makeTempDir();
  const f = `${dir}/a.toml`;
  await Deno.writeTextFile(f, "a = 1\n");
  const seen = await hashText("a = 1\n");
  await Deno.writeTextFile(f, "a = 2\n"); // the client wrote meanwhile
  let backedUp = false;
  await assert.rejects(
    () =>
      guardedWrite(f, "a = 3\n", {
        expectHash: seen,
        backup: () => Promise.resolve(void (backedUp = true)),
      }),
    StaleFileError,
  );
  assert.equal(backedUp, false);
  assert.equal(await Deno.readTextFile(f), "a = 2\n");
  const backups: (string | undefined)[] = [];
  await guardedWrite(f, "a = 3\n", {
    expectHash: await hashText("a = 2\n"),
    backup: (old) => Promise.resolve(void backups.push(old.text)),
  });
  assert.deepEqual(backups, ["a = 2\n"]);
  assert.equal(await Deno.readTextFile(f), "a = 3\n");
  // A missing file is expected as "absent" and created; null removes.
  await guardedWrite(`${dir}/sub/new.md`, "hi", {
    expectHash: "absent",
    backup: () => Promise.resolve(),
  });
  assert.equal(await Deno.readTextFile(`${dir}/sub/new.md`), "hi");
  await guardedWrite(`${dir}/sub/new.md`, null, {
    expectHash: await hashText("hi"),
    backup: () => Promise.resolve(),
  });
  await assert.rejects(() => Deno.stat(`${dir}/sub/new.md`), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("atomicWrite keeps a symlink a symlink and writes the file it points to", async () => {
  const dir = await Deno.makeTempDir({ prefix: "aisync-link-" });
  try {
    await Deno.mkdir(`${dir}/dotfiles`);
    await Deno.writeTextFile(`${dir}/dotfiles/claude.json`, "{}\n");
    await Deno.chmod(`${dir}/dotfiles/claude.json`, 0o600);
    // A relative link, and a link to that link.
    await Deno.symlink("dotfiles/claude.json", `${dir}/.claude.json`);
    await Deno.symlink(`${dir}/.claude.json`, `${dir}/again.json`);
    await atomicWrite(`${dir}/again.json`, '{ "a": 1 }\n', 0o600);
    assert.ok((await Deno.lstat(`${dir}/.claude.json`)).isSymlink);
    assert.ok((await Deno.lstat(`${dir}/again.json`)).isSymlink);
    assert.equal(await Deno.readTextFile(`${dir}/dotfiles/claude.json`), '{ "a": 1 }\n');
    assert.equal((await Deno.stat(`${dir}/dotfiles/claude.json`)).mode! & 0o777, 0o600);
    // No temp file left beside the link or the target.
    for (const d of [dir, `${dir}/dotfiles`]) {
      for await (const e of Deno.readDir(d)) assert.ok(!e.name.endsWith(".tmp"), e.name);
    }
    // A link to a file not there yet: the file is made where the link points.
    await Deno.symlink("dotfiles/new.toml", `${dir}/new.toml`);
    await atomicWrite(`${dir}/new.toml`, "a = 1\n");
    assert.ok((await Deno.lstat(`${dir}/new.toml`)).isSymlink);
    assert.equal(await Deno.readTextFile(`${dir}/dotfiles/new.toml`), "a = 1\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeRefusal(): another user's file and a read-only one are left alone; root may write", () => {
  const file = { bytes: new Uint8Array(1), mode: 0o644, uid: 0, gid: 0 };
  assert.match(writeRefusal("/h/.claude.json", file, 1000)!, /belongs to another user \(uid 0\)/);
  assert.equal(writeRefusal("/h/.claude.json", { ...file, uid: 1000 }, 1000), undefined);
  assert.match(writeRefusal("/h/c.toml", { ...file, uid: 1000, mode: 0o444 }, 1000)!, /read-only/);
  assert.equal(writeRefusal("/h/.claude.json", { ...file, uid: 1000 }, 0), undefined);
  assert.match(writeRefusal("/h/c.toml", { ...file, uid: 1000, mode: 0o444 }, 0)!, /read-only/);
  // A file that does not exist yet, and a platform without owners or modes.
  assert.equal(writeRefusal("/h/new.json", {}, 1000), undefined);
  assert.equal(writeRefusal("/h/c.toml", { bytes: new Uint8Array(1) }, null), undefined);
});

/** A test that only root can run (it gives files away), in a temp folder of its own. */
function rootTest(name: string, fn: (dir: string) => Promise<void>) {
  Deno.test({
    name,
    ignore: Deno.uid() !== 0,
    fn: async () => {
      const dir = await Deno.makeTempDir();
      try {
        await fn(dir);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

rootTest("atomicWrite() as root keeps a user's file the user's", async (dir) => {
  const path = `${dir}/config.toml`;
  await Deno.writeTextFile(path, "a = 1\n");
  await Deno.chown(path, 4242, 4343);
  await guardedWrite(path, "a = 2\n", {
    expectHash: await hashText("a = 1\n"),
    backup: () => Promise.resolve(),
  });
  const info = await Deno.stat(path);
  assert.deepEqual([info.uid, info.gid], [4242, 4343]);
  assert.equal(await Deno.readTextFile(path), "a = 2\n");
});

rootTest(
  "atomicWrite() as root makes new files and folders in a user's home that user's",
  async (home) => {
    await Deno.chown(home, 4242, 4343);
    await atomicWrite(`${home}/.codex/sub/config.toml`, "a = 1\n", 0o600);
    for (const p of [".codex", ".codex/sub", ".codex/sub/config.toml"]) {
      const info = await Deno.stat(`${home}/${p}`);
      assert.deepEqual([p, info.uid, info.gid], [p, 4242, 4343]);
    }
    assert.equal((await Deno.stat(`${home}/.codex/sub/config.toml`)).mode! & 0o777, 0o600);
  },
);
