// careleaf browser tests: builds the example site for a sub-path, serves it
// like GitHub Pages (only under /careleaf/, 404.html for misses) and drives
// Debian's Chromium with playwright-core. Checks: every page loads with no
// console error and no failed or third-party request; search finds an
// article by a word in its body (from the search page and the header box);
// the FAQ opens with the keyboard without JavaScript; menus work without
// JavaScript; axe-core finds no WCAG 2.2 A/AA violation in light and dark
// schemes; the Nu Html Checker finds no error in any generated page.
// Screenshots go to tests/browser/screenshots/.
//
// Environment: CARELEAF_BIN (default target/debug/careleaf), CHROMIUM
// (default /usr/bin/chromium), CI=true (a missing browser or Java fails),
// CARELEAF_BROWSER_ONLY (a regular expression: only the checks whose names
// match run, e.g. "search" for the search checks; the rest are counted as
// skipped).
// Prints "N passed, N failed" and exits 1 when anything failed.

import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..", "..");
const BASE = "/careleaf/";
const CI = process.env.CI === "true";
const BIN = process.env.CARELEAF_BIN || path.join(ROOT, "target", "debug", "careleaf");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SHOTS = path.join(HERE, "screenshots");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

const ONLY = process.env.CARELEAF_BROWSER_ONLY ? new RegExp(process.env.CARELEAF_BROWSER_ONLY) : null;

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

function pass(name) {
  passed += 1;
  console.log(`ok   ${name}`);
}
function fail(name, detail) {
  failed += 1;
  failures.push(name);
  console.log(`FAIL ${name}\n     ${String(detail).split("\n").join("\n     ")}`);
}
async function test(name, fn) {
  if (ONLY && !ONLY.test(name)) {
    skipped += 1;
    return;
  }
  try {
    await fn();
    pass(name);
  } catch (e) {
    fail(name, e && e.stack ? e.stack : e);
  }
}
function assert(cond, msg) {
  if (!cond) { throw new Error(msg); }
}
function loud(lines) {
  const bar = "!".repeat(72);
  console.log(`\n${bar}\n${lines.map((l) => `!! ${l}`).join("\n")}\n${bar}\n`);
}

// ---- the site ------------------------------------------------------------

const MIME = {
  ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json", ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
  ".webp": "image/webp", ".avif": "image/avif", ".gif": "image/gif", ".ico": "image/x-icon",
  ".wasm": "application/wasm", ".pdf": "application/pdf",
};

// A GitHub-Pages-like server: files only under BASE, `dir` -> 301 `dir/`,
// `dir/` -> `dir/index.html`, misses -> 404 with the site's 404.html.
function serve(dir) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const notFound = () => {
      const page = path.join(dir, "404.html");
      res.writeHead(404, { "content-type": MIME[".html"] });
      res.end(url.pathname.startsWith(BASE) && existsSync(page) ? readFileSync(page) : "Not found");
    };
    if (!url.pathname.startsWith(BASE)) { return notFound(); }
    let rel;
    try { rel = decodeURIComponent(url.pathname.slice(BASE.length)); } catch { return notFound(); }
    if (rel.split("/").includes("..")) { return notFound(); }
    let file = path.join(dir, rel);
    let st = existsSync(file) ? statSync(file) : null;
    if (st && st.isDirectory()) {
      if (!url.pathname.endsWith("/")) {
        res.writeHead(301, { location: `${url.pathname}/${url.search}` });
        return res.end();
      }
      file = path.join(file, "index.html");
      st = existsSync(file) ? statSync(file) : null;
    }
    if (!st || !st.isFile()) { return notFound(); }
    res.writeHead(200, { "content-type": MIME[path.extname(file).toLowerCase()] || "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function htmlFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) { walk(p); } else if (e.name.endsWith(".html")) { out.push(p); }
    }
  };
  walk(dir);
  return out;
}

function urlOf(outDir, file) {
  const rel = path.relative(outDir, file).split(path.sep).join("/");
  return rel.endsWith("index.html") ? rel.slice(0, -"index.html".length) : rel;
}

// ---- checks ----------------------------------------------------------------

function vnu(outDir) {
  const java = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (java.error) {
    if (CI) { fail("vnu: Java is installed", "java not found"); } else {
      loud(["Java is missing: the Nu Html Checker (vnu) was NOT run.", "Install a JRE 17+ (apt-get install default-jre-headless)."]);
    }
    return;
  }
  const jar = path.join(path.dirname(require.resolve("vnu-jar/package.json")), "build", "dist", "vnu.jar");
  const files = htmlFiles(outDir);
  const r = spawnSync("java", ["-Xss4m", "-jar", jar, "--format", "json", "--exit-zero-always", ...files],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  let messages = [];
  try { messages = JSON.parse(r.stderr || r.stdout).messages; } catch (e) {
    fail("vnu: ran", `${e}\n${r.stderr}\n${r.stdout}`);
    return;
  }
  const errors = messages.filter((m) => m.type === "error" || m.type === "non-document-error");
  const byFile = new Map();
  for (const m of errors) {
    const f = urlOf(outDir, fileURLToPath(new URL(m.url)));
    byFile.set(f, [...(byFile.get(f) || []), `${m.lastLine}:${m.firstColumn || m.lastColumn}: ${m.message}`]);
  }
  for (const f of files) {
    const u = urlOf(outDir, f);
    const errs = byFile.get(u);
    if (errs) { fail(`vnu: ${BASE}${u}`, errs.join("\n")); } else { pass(`vnu: ${BASE}${u}`); }
  }
}

async function browserChecks(outDir, origin) {
  const { chromium } = require("playwright-core");
  const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Anything leaving the site is a failure, and is never actually sent.
    const offsite = [];
    await context.route("**/*", (route) => {
      const u = route.request().url();
      if (u.startsWith(`${origin}/`) || u.startsWith("data:") || u.startsWith("blob:")) { return route.continue(); }
      offsite.push(u);
      return route.abort();
    });

    // Opens `url` and collects every console error, page error and failed
    // request while `during` runs.
    async function visit(url, during) {
      const page = await context.newPage();
      const problems = [];
      page.on("console", (m) => { if (m.type() === "error") { problems.push(`console: ${m.text()}`); } });
      page.on("pageerror", (e) => problems.push(`exception: ${e.message}`));
      page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
      page.on("response", (r) => {
        if (r.status() >= 400 && !(r.request().isNavigationRequest() && url.endsWith("404.html"))) {
          problems.push(`HTTP ${r.status()}: ${r.url()}`);
        }
      });
      const before = offsite.length;
      try {
        const res = await page.goto(url, { waitUntil: "load" });
        assert(res && res.ok(), `status ${res && res.status()} for ${url}`);
        if (during) { await during(page); }
        await page.waitForLoadState("networkidle");
      } finally {
        problems.push(...offsite.slice(before).map((u) => `third-party request: ${u}`));
        await page.close();
      }
      assert(problems.length === 0, problems.join("\n"));
    }

    const pages = htmlFiles(outDir)
      .filter((f) => !/http-equiv="refresh"/i.test(readFileSync(f, "utf8")))
      .map((f) => urlOf(outDir, f));
    for (const u of pages) {
      await test(`loads cleanly: ${BASE}${u}`, () => visit(`${origin}${BASE}${u}`));
    }

    // A word from an article's body, not in its title, that the search must find.
    const article = pickArticle(outDir);
    await test(`search page finds "${article.word}" in ${article.url}`, () =>
      visit(`${origin}${BASE}search/?q=${encodeURIComponent(article.word)}`, async (page) => {
        await page.waitForSelector("#search-results li a", { timeout: 15000 });
        const hrefs = await page.$$eval("#search-results li a", (as) => as.map((a) => a.getAttribute("href")));
        assert(hrefs.includes(`${BASE}${article.url}`), `results ${JSON.stringify(hrefs)} lack ${BASE}${article.url}`);
        const status = await page.textContent("#search-status");
        assert(/\d+ results? for/.test(status), `status says "${status}"`);
      }));
    await test("header search box submits to the search page", () =>
      visit(`${origin}${BASE}`, async (page) => {
        await page.fill("#site-search-q", article.word);
        await Promise.all([page.waitForURL(/\/careleaf\/search\/\?q=/), page.press("#site-search-q", "Enter")]);
        await page.waitForSelector("#search-results li a", { timeout: 15000 });
        assert((await page.inputValue("#search-q")) === article.word, "query not carried over");
      }));

    // The FAQ and the menu without JavaScript, driven by the keyboard.
    const noJs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    await test("FAQ opens and closes with the keyboard, without JavaScript", async () => {
      const page = await noJs.newPage();
      await page.goto(`${origin}${BASE}faq/`);
      let reached = false;
      for (let i = 0; i < 80 && !reached; i++) {
        await page.keyboard.press("Tab");
        reached = await page.evaluate(() => document.activeElement?.matches("details.faq-item > summary") ?? false);
      }
      assert(reached, "Tab never reached a FAQ question");
      const isOpen = () => page.evaluate(() => document.activeElement.parentElement.open);
      assert(!(await isOpen()), "question open before Enter");
      await page.keyboard.press("Enter");
      assert(await isOpen(), "Enter did not open the question");
      await page.keyboard.press("Space");
      assert(!(await isOpen()), "Space did not close the question");
      await page.keyboard.press("Space");
      assert(await isOpen(), "Space did not open the question");
      const visible = await page.evaluate(() => {
        const a = document.activeElement.parentElement.querySelector(".answer");
        return a && a.getBoundingClientRect().height > 0;
      });
      assert(visible, "answer not visible after opening");
      await page.close();
    });
    await test("menu links work without JavaScript at 390 px", async () => {
      const page = await noJs.newPage();
      await page.goto(`${origin}${BASE}`);
      const link = page.locator(".site-nav a").first();
      assert(await link.isVisible(), "first menu link is not visible");
      const box = await link.boundingBox();
      assert(box && box.height >= 24 && box.width >= 24, `menu target ${JSON.stringify(box)} under 24 px`);
      const href = await link.getAttribute("href");
      await Promise.all([page.waitForURL(`${origin}${href}`), link.click()]);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 0, `page is ${overflow} px wider than the 390 px viewport`);
      await page.close();
    });
    await noJs.close();

    await test("print: chrome hidden, FAQ answers printed, article readable", async () => {
      const page = await context.newPage();
      await page.emulateMedia({ media: "print" });
      await page.goto(`${origin}${BASE}${article.url}`);
      for (const sel of [".site-header", ".cta-band", ".site-nav"]) {
        assert(!(await page.locator(sel).first().isVisible()), `${sel} is printed`);
      }
      assert(await page.locator(".article-meta").isVisible(), "author and review dates are not printed");
      await page.goto(`${origin}${BASE}faq/`);
      const answer = page.locator("details.faq-item .answer").first();
      assert(await answer.isVisible(), "closed FAQ answers are not printed");
      await page.close();
    });

    // axe-core on the key pages, in both colour schemes.
    const axePages = [["home", ""], ["article", article.url], ["benefits", "benefits/"], ["faq", "faq/"], ["search", `search/?q=${encodeURIComponent(article.word)}`]];
    for (const scheme of ["light", "dark"]) {
      const ctx = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 800 } });
      for (const [name, u] of axePages) {
        await test(`axe (${AXE_TAGS.join(" ")}), ${scheme}: ${BASE}${u}`, async () => {
          const page = await ctx.newPage();
          await page.goto(`${origin}${BASE}${u}`, { waitUntil: "networkidle" });
          if (name === "search") { await page.waitForSelector("#search-results li", { timeout: 15000 }); }
          if (name === "faq") { await page.$$eval("details", (ds) => ds.forEach((d) => { d.open = true; })); }
          await page.evaluate(axeSource);
          const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }), AXE_TAGS);
          await page.close();
          const v = result.violations.map((x) => `${x.id} (${x.impact}): ${x.help}\n  ${x.nodes.slice(0, 3).map((n) => n.target.join(" ") + " — " + (n.failureSummary || "").split("\n").slice(1, 2).join("")).join("\n  ")}`);
          assert(v.length === 0, v.join("\n"));
        });
      }
      await ctx.close();
    }

    // Screenshots at phone and desktop width.
    mkdirSync(SHOTS, { recursive: true });
    for (const [width, height] of [[390, 844], [1280, 900]]) {
      const ctx = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
      for (const [name, u] of axePages.slice(0, 4)) {
        await test(`screenshot ${name}-${width}.png`, async () => {
          const page = await ctx.newPage();
          await page.goto(`${origin}${BASE}${u}`, { waitUntil: "networkidle" });
          if (name === "faq") { await page.locator("details.faq-item summary").first().click(); }
          await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`) });
          await page.close();
        });
      }
      await ctx.close();
    }
    await test("screenshot article-390-dark.png", async () => {
      const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, colorScheme: "dark" });
      const page = await ctx.newPage();
      await page.goto(`${origin}${BASE}${article.url}`, { waitUntil: "networkidle" });
      await page.screenshot({ path: path.join(SHOTS, "article-390-dark.png") });
      await ctx.close();
    });
    await context.close();
  } finally {
    await browser.close();
  }
}

// The first article (a page with a medical reviewer) and a long word from its
// body that its title does not contain.
function pickArticle(outDir) {
  for (const f of htmlFiles(outDir)) {
    const html = readFileSync(f, "utf8");
    if (!html.includes('class="article"') || !html.includes('class="reviewer"')) { continue; }
    const title = (html.match(/<h1>([^<]*)<\/h1>/) || ["", ""])[1].toLowerCase();
    const prose = (html.match(/<div class="prose">([\s\S]*?)<\/div>/) || ["", ""])[1].replace(/<[^>]+>/g, " ");
    const words = prose.match(/\b[a-z]{9,}\b/g) || [];
    const word = words.find((w) => !title.includes(w));
    if (word) { return { url: urlOf(outDir, f), word }; }
  }
  throw new Error("no article with a long body word found");
}

// ---- main ------------------------------------------------------------------

async function main() {
  const haveBrowser = existsSync(CHROMIUM);
  if (!haveBrowser) {
    if (CI) {
      fail("Chromium is installed", `${CHROMIUM} not found; CI must install Debian's chromium`);
    } else {
      loud([`Chromium NOT FOUND at ${CHROMIUM}: the browser tests are SKIPPED.`,
        "Install it with: apt-get install chromium   (or set CHROMIUM=/path/to/chrome)",
        "Only the HTML validation (vnu) runs."]);
    }
  }
  if (!existsSync(BIN)) {
    fail("careleaf binary exists", `${BIN} not found: run \`cargo build\` or set CARELEAF_BIN`);
    return;
  }
  const outDir = mkdtempSync(path.join(tmpdir(), "careleaf-browser-"));
  const server = await serve(path.join(outDir, "site"));
  const origin = `http://127.0.0.1:${server.address().port}`;
  try {
    const build = spawnSync(BIN, ["build", "--root", ROOT, "--output", path.join(outDir, "site"), "--base-url", `${origin}${BASE}`],
      { encoding: "utf8" });
    if (build.status !== 0) {
      fail("example site builds", `${build.stderr}${build.stdout}`);
      return;
    }
    pass("example site builds");
    const site = path.join(outDir, "site");
    if (!ONLY || ONLY.test("vnu")) { vnu(site); }
    if (haveBrowser) { await browserChecks(site, origin); }
  } finally {
    server.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

main()
  .catch((e) => fail("test run", e && e.stack ? e.stack : e))
  .finally(() => {
    console.log(`\n${passed} passed, ${failed} failed${ONLY ? `, ${skipped} skipped (CARELEAF_BROWSER_ONLY=${ONLY.source})` : ""}`);
    if (failures.length) { console.log(`failed:\n  ${failures.join("\n  ")}`); }
    process.exitCode = failed > 0 ? 1 : 0;
  });
