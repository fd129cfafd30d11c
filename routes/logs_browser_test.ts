/**
 * The log viewer in real Chromium (playwright-core): filters, live tail that pauses while the
 * reader scrolls, a write's detail with its masked diff, and a CSV download. Set
 * `AISYNC_SCREENSHOTS=1` to keep screenshots in docs/screenshots/.
 */
import assert from "node:assert/strict";
import { parse as parseCsv } from "csv-parse/sync";
import { chromium, type Page } from "playwright-core";
import { sandbox } from "../core/testing.ts";
import { logApiRoutes, logRoutes, metricsRoute } from "./logs.tsx";
import { createApp } from "./mod.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = await Deno.stat(CHROMIUM).then(() => true, () => false);
const SHOTS = Deno.env.get("AISYNC_SCREENSHOTS")
  ? new URL("../docs/screenshots/", import.meta.url).pathname
  : undefined;
const SECRET = "ghp_browserSECRET0099";
// Page-side expressions (the test's own types have no DOM).
const FIRST_ROW = `(document.querySelector("#log-rows tr")?.textContent ?? "")`;
const STATUS = `(document.getElementById("log-tail-status")?.textContent ?? "")`;

async function shot(page: Page, name: string) {
  if (!SHOTS) return;
  await Deno.mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: false });
}

Deno.test({
  name: "log viewer in Chromium: filter, live tail with pause on scroll, detail diff, download",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const s = await sandbox({
      "~/.claude.json": JSON.stringify({
        mcpServers: {
          github: { type: "stdio", command: "gh-mcp", env: { GITHUB_TOKEN: SECRET } },
          docs: { type: "http", url: "http://127.0.0.1:9/docs" },
        },
      }),
    });
    const web = createApp(s.app, {
      notifierOptions: { onFailure: () => {}, retries: 0 },
      mounts: [
        { path: "/logs", app: logRoutes(s.app) },
        { path: "/", app: logApiRoutes(s.app) },
        { path: "/", app: metricsRoute(s.app) },
      ],
    });
    const ac = new AbortController();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
      web.hono.fetch,
    );
    const url = `http://localhost:${server.addr.port}`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      await web.web.auth.addUser("admin", "correct horse battery");
      await s.app.engine.sync({ trigger: "test" });
      const now = Date.now();
      for (let i = 0; i < 150; i++) {
        s.app.log.log({
          at: now - 60_000 + i,
          level: i % 7 ? "info" : "warn",
          source: "watcher",
          client: "qwen_code",
          action: "watch.change",
          message: `change number ${i} in settings.json`,
          fields: { n: i },
        });
      }
      await s.app.log.flush();

      const ctx = await browser.newContext({
        acceptDownloads: true,
        viewport: { width: 1400, height: 900 },
        // The checks below evaluate page-side expressions; the page itself keeps its CSP.
        bypassCSP: true,
      });
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${url}/login?next=/logs`);
      await page.fill("input[name=username]", "admin");
      await page.fill("input[name=password]", "correct horse battery");
      await page.click("button[type=submit]");
      await page.waitForURL(`${url}/logs`);
      await page.waitForSelector("#log-rows tr");
      assert.equal(await page.locator("#log-rows tr").count(), 100);
      // The live stream is open before anything else is checked.
      await page.waitForFunction(`!!document.querySelector("#log-results[sse-connect]")`);
      await shot(page, "logs-viewer");

      // Full-text search narrows the table without a page load.
      await page.fill("#log-text", "number 42");
      await page.waitForFunction(`document.querySelectorAll("#log-rows tr").length === 1`);
      assert.match(await page.locator("#log-rows").innerText(), /change number 42 in/);
      assert.match(page.url(), /\/logs\?text=number(\+|%20)42$/);

      // Back to everything from the watcher; a new record arrives live at the top.
      await page.goto(`${url}/logs?source=watcher`);
      await page.waitForSelector("#log-rows tr");
      await page.waitForTimeout(300);
      s.app.log.log({ level: "warn", source: "watcher", message: "fresh live record" });
      await s.app.log.flush();
      await page.waitForFunction(`${FIRST_ROW}.includes("fresh live record")`);

      // Scrolled down, the tail pauses: new records are counted, the rows stay put.
      await page.evaluate(`scrollTo(0, 2500)`);
      await page.waitForFunction(`${STATUS}.startsWith("Paused")`);
      s.app.log.log({ level: "warn", source: "watcher", message: "arrived while paused" });
      await s.app.log.flush();
      await page.waitForFunction(`/1 new record waiting/.test(${STATUS})`);
      assert.ok(!(await page.locator("#log-rows").innerText()).includes("arrived while paused"));
      await shot(page, "logs-paused");
      // Back at the top it resumes and shows what came meanwhile.
      await page.evaluate(`scrollTo(0, 0)`);
      await page.waitForFunction(`${FIRST_ROW}.includes("arrived while paused")`);

      // A write's detail: the file's before/after diff, its secret masked.
      await page.goto(`${url}/logs?action=file.written&client=codex`);
      await page.click("#log-rows tr:first-child a");
      await page.waitForSelector("#log-detail .diff");
      const detail = await page.locator("#log-detail").innerText();
      assert.match(detail, /Change to .*config\.toml/);
      assert.match(detail, /\+\[mcp_servers\.github\]/);
      assert.ok(!detail.includes(SECRET));
      assert.ok(!(await page.content()).includes(SECRET));
      await shot(page, "logs-detail");

      // Download the filtered records as CSV.
      await page.click("details.log-more-tools summary");
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click("a.button:text-is('CSV')"),
      ]);
      const path = await download.path();
      const rows: Record<string, string>[] = parseCsv(await Deno.readTextFile(path!), {
        columns: true,
      });
      assert.ok(rows.length >= 1);
      assert.ok(rows.every((r) => r.action === "file.written" && r.client === "codex"));
      await shot(page, "logs-export");
      assert.deepEqual(errors, []);
      await ctx.close();
    } finally {
      await browser.close();
      ac.abort();
      await server.finished;
      await web.close();
      await s.close();
    }
  },
});
