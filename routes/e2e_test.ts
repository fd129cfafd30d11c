/**
 * End to end in real Chromium: `aisync serve` as a subprocess over a temporary home, driven with
 * playwright-core. Set `AISYNC_SCREENSHOTS=1` to refresh docs/screenshots/.
 */
import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = await Deno.stat(CHROMIUM).then(() => true, () => false);
const SHOTS = Deno.env.get("AISYNC_SCREENSHOTS")
  ? new URL("../docs/screenshots/", import.meta.url).pathname
  : undefined;

const CLAUDE = {
  numStartups: 4,
  mcpServers: {
    github: {
      type: "stdio",
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-github"],
      env: { GITHUB_TOKEN: "ghp_e2eSECRETe2eSECRET" },
    },
    docs: { type: "http", url: "https://mcp.example.com/docs" },
  },
};

interface Server {
  url: string;
  setupToken: string;
  output: string[];
  stop(): Promise<number>;
}

async function startServer(home: string, data: string): Promise<Server> {
  const denoDir = Deno.env.get("DENO_DIR") ??
    `${Deno.env.get("HOME")}/.cache/deno`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../main.ts", import.meta.url).pathname, "serve", "--port", "0"],
    env: { HOME: home, AISYNC_HOME: data, DENO_DIR: denoDir, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output: string[] = [];
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  child.stderr.pipeTo(
    new WritableStream({ write: (c) => void output.push(new TextDecoder().decode(c)) }),
  );
  let url = "", setupToken = "", buf = "";
  const deadline = Date.now() + 60_000;
  while ((!url || !setupToken) && Date.now() < deadline) {
    const { value, done } = await lines.read();
    if (done) break;
    buf += value;
    output.push(value);
    url ||= buf.match(/listening on (http:\/\/\S+?)\/?\n/)?.[1] ?? "";
    setupToken ||= buf.match(/setup token:\s+([0-9a-f]{32})/)?.[1] ?? "";
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  (async () => {
    while (true) {
      const { value, done } = await lines.read();
      if (done) break;
      output.push(value);
    }
  })();
  assert.ok(url && setupToken, `serve did not start: ${output.join("")}`);
  return {
    url,
    setupToken,
    output,
    async stop() {
      child.kill("SIGINT");
      const status = await child.status;
      return status.code;
    },
  };
}

async function shot(page: Page, name: string) {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
}

async function until(fn: () => Promise<boolean>, ms: number, what: string) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
}

Deno.test({
  name: "web UI in Chromium: setup, live cards, conflict resolution and ask-first plans",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "aisync-e2e-" });
    const home = `${root}/home`;
    await Deno.mkdir(`${home}/.codex`, { recursive: true });
    await Deno.mkdir(`${home}/.qwen`, { recursive: true });
    await Deno.writeTextFile(`${home}/.claude.json`, JSON.stringify(CLAUDE, null, 2));
    await Deno.writeTextFile(`${home}/.codex/config.toml`, '# my codex config\nmodel = "o3"\n');
    if (SHOTS) await Deno.mkdir(SHOTS, { recursive: true });
    const server = await startServer(home, `${root}/data`);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    const errors: string[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));

      // 1. First run: the setup page takes the printed token.
      await page.goto(`${server.url}/`);
      assert.match(page.url(), /\/setup$/);
      await shot(page, "setup");
      await page.fill("input[name=token]", server.setupToken);
      await page.fill("input[name=username]", "admin");
      await page.fill("input[name=password]", "correct horse battery");
      await page.fill("input[name=confirm]", "correct horse battery");
      await page.click("button[type=submit]");
      await page.waitForURL(`${server.url}/`);
      // Sign out and in again through the login form.
      await page.click("text=Sign out");
      await page.waitForURL(/\/login$/);
      await page.fill("input[name=username]", "admin");
      await page.fill("input[name=password]", "correct horse battery");
      await page.click("button[type=submit]");
      await page.waitForURL(`${server.url}/`);

      // 2. A card per client plugin (the four of the sync engine among them).
      assert.equal(await page.locator("article.card").count(), builtinPlugins());
      for (
        const name of ["Claude Code", "OpenAI Codex CLI", "Qwen Code", "Atlassian Rovo Dev CLI"]
      ) {
        assert.equal(await page.locator("article.card", { hasText: name }).count(), 1, name);
      }
      for (const id of ["claude_code", "codex", "qwen_code", "rovo_dev"]) {
        assert.equal(await page.locator(`#client-${id}`).count(), 1, id);
      }
      await until(
        async () => (await page.textContent("#client-codex [data-testid=count-mcp]")) === "2",
        20_000,
        "the first sync to reach Codex's card",
      );
      // Let the event stream connect before changing files.
      await page.waitForTimeout(300);
      await shot(page, "dashboard");

      // 3. A new server in ~/.claude.json shows on the cards and in the activity, no reload.
      const totalBefore = Number(await page.getAttribute("#activity-chart", "data-total"));
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
      const claude = structuredClone(CLAUDE) as typeof CLAUDE & {
        mcpServers: Record<string, unknown>;
      };
      claude.mcpServers.added = { type: "stdio", command: "added-server" };
      const t0 = performance.now();
      await Deno.writeTextFile(`${home}/.claude.json`, JSON.stringify(claude, null, 2));
      await until(
        async () =>
          (await page.textContent("#client-codex [data-testid=count-mcp]")) === "3" &&
          Number(await page.getAttribute("#activity-chart", "data-total")) > totalBefore,
        2000,
        "the Codex card and the activity chart to update",
      );
      const liveMs = performance.now() - t0;
      assert.equal(
        await page.evaluate(() => (window as unknown as { marker: number }).marker),
        42,
        "no reload",
      );
      assert.match(await Deno.readTextFile(`${home}/.codex/config.toml`), /added-server/);
      console.log(`card + activity updated ${liveMs.toFixed(0)} ms after the file changed`);
      await page.waitForSelector("#toasts .toast");
      await shot(page, "dashboard-live");

      // 4. A conflict on disk, resolved in the UI.
      const codexNow = await Deno.readTextFile(`${home}/.codex/config.toml`);
      claude.mcpServers.github = { ...CLAUDE.mcpServers.github, args: ["-y", "github-mcp@2"] };
      // Both files in one go, as two editors saving at once.
      Deno.writeTextFileSync(`${home}/.claude.json`, JSON.stringify(claude, null, 2));
      Deno.writeTextFileSync(
        `${home}/.codex/config.toml`,
        codexNow.replace('"@modelcontextprotocol/server-github"', '"github-mcp@3"'),
      );
      await until(
        async () => (await page.getAttribute("#nav-conflicts", "data-count")) === "1",
        10_000,
        "the conflict badge",
      ).catch((e) => {
        throw new Error(`${e.message}\n${server.output.join("")}`);
      });
      // The link itself: its badge's hidden "open conflicts" text matches "Conflicts" too.
      await page.click('nav a[href="/conflicts"]');
      await page.waitForSelector("article[id^=conflict-]").catch(async (e) => {
        throw new Error(
          `${e.message}\n${page.url()}: ${await page.textContent("main")}\n${
            server.output.join("")
          }`,
        );
      });
      const text = await page.textContent("#conflicts");
      assert.match(text!, /github-mcp@2/);
      assert.match(text!, /github-mcp@3/);
      await shot(page, "conflicts");
      await page.click("[data-side=codex] button[type=submit]");
      await page.waitForSelector("#no-conflicts");
      await until(
        async () =>
          (await Deno.readTextFile(`${home}/.claude.json`)).includes("github-mcp@3") &&
          (await Deno.readTextFile(`${home}/.codex/config.toml`)).includes("github-mcp@3"),
        3000,
        "both files to hold the value taken",
      );
      const claudeAfter = await Deno.readTextFile(`${home}/.claude.json`);
      assert.ok(!claudeAfter.includes("github-mcp@2"));
      assert.ok(claudeAfter.includes("ghp_e2eSECRETe2eSECRET"), "the secret in the file is intact");
      assert.ok(!(await page.content()).includes("ghp_e2eSECRET"), "and never on the page");

      // 5. Codex to ask-first; an edit waits in a plan until Apply.
      await page.click("nav >> text=Sync policies");
      await page.check("#policy-codex input[name=mode][value=ask]");
      await page.click("#policy-codex button[type=submit]");
      await page.waitForSelector("#policy-codex .state-ok");
      const current = JSON.parse(await Deno.readTextFile(`${home}/.claude.json`));
      current.mcpServers.later = { type: "stdio", command: "later-server" };
      await Deno.writeTextFile(`${home}/.claude.json`, JSON.stringify(current, null, 2));
      await until(
        async () =>
          (await Deno.readTextFile(`${home}/.qwen/settings.json`)).includes("later-server"),
        3000,
        "Qwen (automatic) to get the new server",
      );
      assert.doesNotMatch(await Deno.readTextFile(`${home}/.codex/config.toml`), /later-server/);
      await page.goto(`${server.url}/`);
      await page.waitForSelector("#client-codex[data-state=pending]", { timeout: 10_000 }).catch(
        async (e) => {
          throw new Error(
            `${e.message}\n${await page.innerHTML("#client-codex")}\n${server.output.join("")}`,
          );
        },
      );
      await page.click("#client-codex >> text=Review plan");
      await page.waitForSelector("#plan-codex");
      const plan = (await page.textContent("#plan-codex"))!;
      assert.match(plan, /later-server/);
      assert.doesNotMatch(plan, /github-mcp@2/, "only the new server is pending");
      assert.ok(!plan.includes("ghp_e2eSECRET"), "the plan's diff is redacted");
      await shot(page, "plans");
      await page.click("#plan-codex button[type=submit]");
      await page.waitForSelector("#no-plans");
      assert.match(await Deno.readTextFile(`${home}/.codex/config.toml`), /later-server/);

      // 6. The item page, a narrow screen and dark mode.
      await page.goto(`${server.url}/items/${encodeURIComponent("mcp:user:github")}`);
      await shot(page, "item");
      await page.goto(`${server.url}/notifications`);
      await shot(page, "notifications");
      await page.setViewportSize({ width: 360, height: 780 });
      await page.goto(`${server.url}/`);
      const overflow = await page.evaluate<number>(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth",
      );
      assert.ok(overflow <= 0, `the dashboard is ${overflow}px wider than a 360px screen`);
      await shot(page, "dashboard-360");
      await page.emulateMedia({ colorScheme: "dark" });
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${server.url}/`);
      await shot(page, "dashboard-dark");
      // Keyboard: the skip link is the first stop, then the nav.
      await page.keyboard.press("Tab");
      assert.equal(
        await page.evaluate<string>("document.activeElement.textContent"),
        "Skip to content",
      );
      assert.deepEqual(errors, []);
    } finally {
      // Ctrl-C with a page's event stream still open shuts down cleanly.
      const code = await server.stop();
      await browser.close();
      await Deno.remove(root, { recursive: true });
      assert.equal(code, 0, server.output.join(""));
      assert.match(server.output.join(""), /aisync stopped\./);
    }
  },
});

/** The number of built-in plugin folders (one card each). */
function builtinPlugins(): number {
  const dir = new URL("../plugins", import.meta.url).pathname;
  return [...Deno.readDirSync(dir)].filter((e) => e.isDirectory && !/^[_.]/.test(e.name)).length;
}
