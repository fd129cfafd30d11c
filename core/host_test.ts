import assert from "node:assert/strict";
import { discoverPlugins, Host, PluginError } from "./host.ts";

const dir = new URL("./testdata/plugins", import.meta.url).pathname;

async function setup(options: { trustGraph?: boolean; timeoutMs?: number } = {}) {
  const home = await Deno.makeTempDir({ prefix: "aisync-host-" });
  await Deno.mkdir(`${home}/.ssh`);
  await Deno.writeTextFile(`${home}/.ssh/id_rsa`, "PRIVATE KEY");
  await Deno.mkdir(`${home}/.good`);
  await Deno.writeTextFile(`${home}/.good/NOTES.md`, "good notes\n");
  const { plugins, problems } = await discoverPlugins([{ dir, builtin: false }]);
  assert.deepEqual(problems, []);
  const host = new Host(plugins, {
    penv: { home, os: "linux", env: {} },
    timeoutMs: options.timeoutMs ?? 20_000,
    trustGraph: options.trustGraph ?? true,
  });
  return { home, host };
}

async function refusal(host: Host, id: string): Promise<PluginError> {
  try {
    await host.read(id);
  } catch (e) {
    assert.ok(e instanceof PluginError, `expected a PluginError, got ${e}`);
    assert.equal(e.plugin, id);
    return e;
  }
  throw new Error(`plugin "${id}" was not stopped`);
}

Deno.test("Host runs a well-behaved plugin in its sandbox", async () => {
  const { home, host } = await setup();
  try {
    const r = await host.read("good");
    assert.deepEqual(r.items.map((i) => i.value), [{ text: "good notes\n" }]);
    assert.deepEqual(await host.detect("good"), { installed: true });
  } finally {
    host.close();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("Host sandbox refuses reads outside the plugin's paths, writes, net, env and run", async () => {
  const { home, host } = await setup();
  try {
    const cases: [string, RegExp][] = [
      ["evil_ssh", /refused read access to ".*\/\.ssh\/id_rsa"/],
      ["evil_other", /refused read access to ".*\/\.good\/NOTES\.md"/],
      ["evil_write", /refused write access/],
      ["evil_net", /refused net access/],
      ["evil_env", /refused env access/],
      ["evil_run", /refused run access/],
    ];
    for (const [id, re] of cases) {
      const e = await refusal(host, id);
      assert.match(e.message, re, `${id}: ${e.message}`);
      assert.match(e.message, new RegExp(`^Plugin "${id}"`));
    }
    assert.equal(await Deno.readTextFile(`${home}/.good/NOTES.md`), "good notes\n");
    // The others carry on.
    assert.equal((await host.read("good")).items.length, 1);
  } finally {
    host.close();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("Host stops a plugin that hangs, throws or lies", async () => {
  const { home, host } = await setup({ timeoutMs: 1500 });
  try {
    assert.match((await refusal(host, "evil_hang")).message, /did not answer within 1500 ms/);
    assert.match((await refusal(host, "evil_throw")).message, /TypeError: plugin bug/);
    assert.match((await refusal(host, "evil_lie")).message, /returned invalid data/);
    await assert.rejects(() => host.plan("evil_lie", []), /outside its declared paths/);
    assert.equal((await host.read("good")).items.length, 1);
  } finally {
    host.close();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("Host refuses a plugin whose module graph reaches files outside its folder", async () => {
  const { home, host } = await setup({ trustGraph: false });
  try {
    const e = await refusal(host, "evil_import");
    assert.match(
      e.message,
      /imports "file:\/\/.*secret\.json", outside its folder and the contract/,
    );
    const d = await refusal(host, "evil_dynamic");
    assert.match(d.message, /computed specifier/);
    assert.equal((await host.read("good")).items.length, 1);
  } finally {
    host.close();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("Host.close() ends calls still waiting and refuses new ones", async () => {
  const { home, host } = await setup({ timeoutMs: 60_000 });
  try {
    assert.equal((await host.read("good")).items.length, 1);
    const waiting = host.read("evil_hang");
    // Let the hanging plugin start its call.
    await new Promise((r) => setTimeout(r, 300));
    host.close();
    await assert.rejects(waiting, /Plugin "evil_hang" call: was stopped before it answered/);
    await assert.rejects(() => host.read("good"), /Plugin "good" read: the host is closed/);
  } finally {
    host.close();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("Host.checkedPlan() reads back only a plan that changes a byte", async () => {
  const { home, host } = await setup();
  try {
    const notes = (text: string) => [{
      kind: "instructions" as const,
      scope: "user",
      name: "main",
      value: { text },
    }];
    const same = await host.checkedPlan("always", notes("good notes\n"));
    assert.equal(same.plan.writes.length, 1);
    assert.equal(same.back, undefined);
    const changed = await host.checkedPlan("always", notes("new notes\n"));
    assert.deepEqual(changed.back?.items.map((i) => i.value), [{ text: "new notes\n" }]);
    const removed = await host.checkedPlan("always", []);
    assert.deepEqual(removed.back?.items, []);
    // Nothing was written.
    assert.equal(await Deno.readTextFile(`${home}/.good/NOTES.md`), "good notes\n");
  } finally {
    host.close();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("Host stops a Worker left unused and starts it again when it is needed", async () => {
  const { home, host } = await setup();
  const idle = new Host(host.plugins, { penv: host.penv, trustGraph: true, idleMs: 150 });
  host.close();
  try {
    assert.equal((await idle.read("good")).items.length, 1);
    assert.deepEqual(idle.running, ["good"]);
    const until = Date.now() + 5_000;
    while (idle.running.length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(idle.running, []);
    assert.equal((await idle.read("good")).items.length, 1);
    assert.deepEqual(idle.running, ["good"]);
    // Stopped again, it is not started only to be detected: what it said stands.
    assert.deepEqual(await idle.detect("good"), { installed: true });
    while (idle.running.length && Date.now() < until + 5_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(idle.running, []);
    assert.deepEqual(await idle.detect("good"), { installed: true });
    assert.deepEqual(idle.running, []);
  } finally {
    idle.close();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("Every built-in plugin says where its client lives, so an absent client is left alone", async () => {
  const builtin = new URL("../plugins", import.meta.url).pathname;
  const { plugins, problems } = await discoverPlugins([{ dir: builtin, builtin: true }]);
  assert.deepEqual(problems, []);
  assert.ok(plugins.length >= 4);
  for (const p of plugins) assert.ok(p.manifest.home?.length, `${p.id} declares no home`);
});

Deno.test("Host refuses a plan whose TOML file would not parse, naming the file and line", async () => {
  const { home, host } = await setup();
  try {
    await assert.rejects(
      () => host.checkedPlan("broken_toml", []),
      (e: Error) =>
        e instanceof PluginError && e.message.includes(`${home}/.good/config.toml`) &&
        e.message.includes("line 3"),
    );
  } finally {
    host.close();
    await Deno.remove(home, { recursive: true });
  }
});
