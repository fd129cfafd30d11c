import assert from "node:assert/strict";
import { atomicWrite, guardedWrite, hashText, StaleFileError } from "./files.ts";

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
