// Knead browser tests: headless Debian Chromium (through playwright-core) against
// a real `knead serve` on loopback, with axe-core for accessibility.
//
//   node tests/e2e/run.mjs PATH/TO/knead SCREENSHOT_DIR
//
// Prints one line per case ("ok"/"not ok" and the reason), then exactly one
// line "RESULT <passed> <failed>"; exits non-zero if anything failed.
// Nothing but 127.0.0.1 is ever contacted: every browser context aborts
// requests to any other host.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { bookingCases } from './book.mjs';
import { calendarCases } from './calendar.mjs';
import { deskCases } from './desk.mjs';
import { moneyCases } from './money.mjs';
import { prepaidCases } from './prepaid.mjs';
import { notesCases } from './notes.mjs';
import { therapistCases } from './therapist.mjs';
import { intakeCases } from './intake.mjs';
import { journeyCases } from './journey.mjs';
import { portalCases } from './portal.mjs';
import { waitlistCases } from './waitlist.mjs';
import { outboxCases } from './outbox.mjs';
import { payCases } from './pay.mjs';
import { reportsCases } from './reports.mjs';
import { webhooksCases } from './webhooks.mjs';
import { rulesCases } from './rules.mjs';
import { locationsCases } from './locations.mjs';
import { seedDemo, sleep, stopServer } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const CHROMIUM = process.env.KNEAD_E2E_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const PHONE = { width: 390, height: 844 };
let BASE = 'http://127.0.0.1/'; // set once the server reports its port
const START_TIMEOUT_MS = 20_000;
const STEP_TIMEOUT_MS = 15_000;
// the whole suite: ~4-5 min alone, far more on a shared machine (load 20 on 2 cores: 8+ min;
// at load 37 it took 908 s and was cut off at the old 900; a hang of one step is caught
// sooner, by STEP_TIMEOUT_MS); KNEAD_E2E_WATCHDOG_S overrides it
const WATCHDOG_MS = (Number(process.env.KNEAD_E2E_WATCHDOG_S) || 1800) * 1000;

const BACK_PAIN = '/articles/deep-tissue-massage-for-lower-back-pain';
const ARTHRITIS = '/articles/massage-for-rheumatoid-arthritis';
const NOT_FOUND = '/no-such-page';
// Every page the suite visits: path and the HTTP status its document must have.
const PAGES = [
  ['/', 200],
  ['/services', 200],
  ['/therapists', 200],
  ['/therapists/maren-holt', 200],
  ['/articles', 200],
  [BACK_PAIN, 200],
  [ARTHRITIS, 200],
  [NOT_FOUND, 404],
];

// ---- tiny runner ----------------------------------------------------------

let passed = 0;
let failed = 0;

function indent(text) {
  return String(text).split('\n').map((l) => '    ' + l).join('\n');
}

async function test(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok      ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok  ${name}`);
    console.log(indent(e && e.message ? e.message : e));
  }
}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

function shotName(p) {
  if (p === '/') return 'home.png';
  const parts = p.replace(/^\/+|\/+$/g, '').split('/');
  if (parts.length === 2 && parts[0] === 'articles') return `article-${parts[1]}.png`;
  if (parts.length === 2 && parts[0] === 'therapists') return `therapist-${parts[1]}.png`;
  return parts.join('-').replace(/[^A-Za-z0-9._-]/g, '_') + '.png';
}

// ---- server ---------------------------------------------------------------

// The TCP port that process `pid` listens on, read from /proc (Linux): the
// fallback for when the server does not log its address.
function listeningPort(pid) {
  let inodes;
  try {
    inodes = new Set(fs.readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try { return (fs.readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/) || [])[1]; } catch { return undefined; }
    }).filter(Boolean));
  } catch {
    return null;
  }
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let rows = [];
    try { rows = fs.readFileSync(table, 'utf8').trim().split('\n').slice(1); } catch { continue; }
    for (const row of rows) {
      const f = row.trim().split(/\s+/); // sl local rem st ... inode at [9]
      if (f[3] === '0A' && inodes.has(f[9])) return parseInt(f[1].split(':')[1], 16);
    }
  }
  return null;
}

// Starts `knead serve` on a free loopback port; `holder.server` is set as soon
// as the process exists, so that the caller can always stop it.
async function startServer(knead, tmp, holder) {
  const db = path.join(tmp, 'knead.db');
  seedDemo(knead, db);
  const logPath = path.join(tmp, 'server.log');
  const fd = fs.openSync(logPath, 'w');
  const child = spawn(knead, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--quiet'], {
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  const server = { child, logPath, exited: null };
  holder.server = server;
  server.done = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      server.exited = { code, signal };
      resolve(server.exited);
    });
    child.on('error', (err) => {
      server.exited = { code: null, signal: null, error: err.message };
      resolve(server.exited);
    });
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  let since = null; // when /proc first showed a listening socket
  while (Date.now() < deadline) {
    const log = fs.readFileSync(logPath, 'utf8');
    const m = log.match(/on http:\/\/127\.0\.0\.1:(\d+)\//);
    let port = m ? Number(m[1]) : null;
    if (!port && !server.exited && child.pid) {
      // `serve --quiet` may not log its address: after a second of listening
      // without the line, take the port from /proc instead (and say so).
      const p = listeningPort(child.pid);
      if (p && since === null) since = Date.now();
      if (p && Date.now() - since > 1000) {
        port = p;
        console.log(`    note: the server's log has no "on http://127.0.0.1:PORT/" line; port ${p} read from /proc`);
      }
    }
    if (port) {
      server.port = port;
      server.base = `http://127.0.0.1:${port}`;
      return server;
    }
    if (server.exited) {
      throw new Error(`knead serve exited early (${JSON.stringify(server.exited)}):\n${log}`);
    }
    await sleep(100);
  }
  throw new Error(`knead serve did not report its port within ${START_TIMEOUT_MS / 1000} s:\n` +
    fs.readFileSync(logPath, 'utf8'));
}

// ---- browser helpers --------------------------------------------------------

// A context that reaches only 127.0.0.1; anything else is aborted and noted.
async function newContext(browser, base, options = {}) {
  const ctx = await browser.newContext({ viewport: PHONE, baseURL: base, ...options });
  ctx.setDefaultTimeout(STEP_TIMEOUT_MS);
  ctx.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  ctx.offsite = [];
  await ctx.route('**/*', (route) => {
    const url = route.request().url();
    let host = '';
    try { host = new URL(url).hostname; } catch { /* keep empty */ }
    if (host === '127.0.0.1') return route.continue();
    ctx.offsite.push(url);
    return route.abort('blockedbyclient');
  });
  return ctx;
}

// Records console errors, page errors and failed requests on a page.
function watch(page) {
  const w = { problems: [], expectStatus: 200, docUrl: null };
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const loc = msg.location();
    // Chromium logs the document's own expected 404 as a console error.
    if (w.expectStatus >= 400 && /status of \d+/.test(msg.text()) && loc && loc.url === w.docUrl) return;
    w.problems.push(`console error: ${msg.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
  });
  page.on('pageerror', (err) => w.problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    // ERR_ABORTED is the browser cancelling a load because the page navigated
    // on (e.g. the favicon while a test clicks a link), not a server failure.
    if (req.failure() && req.failure().errorText === 'net::ERR_ABORTED') return;
    w.problems.push(`request failed: ${req.method()} ${req.url()} (${req.failure() && req.failure().errorText})`);
  });
  page.on('response', (res) => {
    const req = res.request();
    if (req.isNavigationRequest() && req.frame() === page.mainFrame()) return; // checked by the case
    if (res.status() >= 400) w.problems.push(`HTTP ${res.status()} for ${req.resourceType()} ${res.url()}`);
  });
  return w;
}

async function gotoExpect(page, w, p, status) {
  w.expectStatus = status;
  w.docUrl = new URL(p, BASE).href;
  const res = await page.goto(p, { waitUntil: 'load' });
  check(res, `no response for ${p}`);
  check(res.status() === status, `GET ${p}: status ${res.status()}, expected ${status}`);
  return res;
}

async function visibleCount(locator) {
  let n = 0;
  for (const el of await locator.all()) if (await el.isVisible()) n++;
  return n;
}

async function firstVisible(locator) {
  for (const el of await locator.all()) if (await el.isVisible()) return el;
  return null;
}

function pathOf(page) {
  return new URL(page.url()).pathname;
}

async function runAxe(page) {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), impact: n.impact, html: n.html.slice(0, 160),
        summary: (n.failureSummary || '').split('\n').slice(1, 3).map((s) => s.trim()).filter(Boolean).join('; ') })),
    }));
  });
}

// ---- the public pages ---------------------------------------------------------

// The public pages on the first server (the demo, the real clock): home, the
// article pager, every page clean and screenshotted, axe, and without
// JavaScript.  Its contexts go into `contexts` for the off-site check.
async function publicCases({ browser, shots }, base, contexts) {
  BASE = base;
  // a. Home at phone width: h1, a "book" action, and a way to the back-pain article.
  const ctx = await newContext(browser, base);
  contexts.push(ctx);
  const page = await ctx.newPage();
  const w = watch(page);
  let onBackPain = false;
  await test('home (390x844): h1, visible "book" link/button, clicks through to the back-pain article', async () => {
    await gotoExpect(page, w, '/', 200);
    const h1 = await visibleCount(page.locator('h1'));
    check(h1 >= 1, 'home has no visible h1');
    const book = page.getByRole('link', { name: /book/i }).or(page.getByRole('button', { name: /book/i }));
    check(await visibleCount(book) >= 1, 'home has no visible link or button whose text contains "book"');
    const articleLink = page.locator(`a[href$="${BACK_PAIN}"]`);
    let link = await firstVisible(articleLink);
    let via = 'home page';
    if (!link) {
      const nav = await firstVisible(page.getByRole('navigation').getByRole('link', { name: 'Articles', exact: true }));
      check(nav, 'home neither links the back-pain article visibly nor has a visible "Articles" nav link');
      await Promise.all([page.waitForURL('**/articles'), nav.click()]);
      link = await firstVisible(page.locator(`a[href$="${BACK_PAIN}"]`));
      check(link, '/articles has no visible link to the back-pain article');
      via = '/articles';
    }
    await Promise.all([page.waitForURL(`**${BACK_PAIN}`), link.click()]);
    check(pathOf(page) === BACK_PAIN, `clicking the article link (from ${via}) led to ${page.url()}`);
    const title = (await page.locator('h1').first().textContent()) || '';
    check(/back/i.test(title), `back-pain article h1 is "${title.trim()}"`);
    onBackPain = true;
  });

  // b. Article pager: Next, then Previous back.
  await test('article pager: "Next" leads to the rheumatoid-arthritis article, "Previous" leads back', async () => {
    if (!onBackPain) await gotoExpect(page, w, BACK_PAIN, 200);
    const next = await firstVisible(page.getByRole('link', { name: /Next/ }));
    check(next, `${BACK_PAIN} has no visible link whose text contains "Next"`);
    await Promise.all([page.waitForURL(`**${ARTHRITIS}`), next.click()]);
    check(pathOf(page) === ARTHRITIS, `"Next" led to ${page.url()}`);
    const h1 = ((await page.locator('h1').first().textContent()) || '').trim();
    check(/rheumatoid arthritis/i.test(h1), `h1 on ${ARTHRITIS} is "${h1}", expected it to mention rheumatoid arthritis`);
    const prev = await firstVisible(page.getByRole('link', { name: /Previous/ }));
    check(prev, `${ARTHRITIS} has no visible link whose text contains "Previous"`);
    const href = await prev.getAttribute('href');
    check(href && href.endsWith(BACK_PAIN), `"Previous" points to ${href}, expected ${BACK_PAIN}`);
    await Promise.all([page.waitForURL(`**${BACK_PAIN}`), prev.click()]);
    check(pathOf(page) === BACK_PAIN, `"Previous" led to ${page.url()}`);
  });
  const journeyProblems = [...w.problems];
  await test('home → article → Next → Previous: no console errors or failed requests', async () => {
    check(journeyProblems.length === 0, journeyProblems.join('\n'));
  });
  await ctx.close();

  // e. + screenshots: each page loads cleanly with the real CSP in force.
  const cleanCtx = await newContext(browser, base);
  contexts.push(cleanCtx);
  for (const [p, status] of PAGES) {
    await test(`${p}: loads (HTTP ${status}) no console errors, failed requests or sideways scroll; screenshot`, async () => {
      const pg = await cleanCtx.newPage();
      try {
        const pw = watch(pg);
        await gotoExpect(pg, pw, p, status);
        await pg.evaluate(() => document.fonts && document.fonts.ready.then(() => true));
        check(await visibleCount(pg.locator('h1')) >= 1, `${p} has no visible h1`);
        const overflow = await pg.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (overflow > 0) pw.problems.push(`page is ${overflow}px wider than the ${PHONE.width}px phone viewport`);
        await pg.screenshot({ path: path.join(shots, shotName(p)), fullPage: true });
        check(pw.problems.length === 0, pw.problems.join('\n'));
      } finally {
        await pg.close();
      }
    });
  }
  await cleanCtx.close();

  // c. axe-core on every page (CSP bypassed only so that axe can be injected).
  const axeCtx = await newContext(browser, base, { bypassCSP: true });
  contexts.push(axeCtx);
  for (const [p, status] of PAGES) {
    await test(`${p}: axe-core finds no serious or critical violations`, async () => {
      const pg = await axeCtx.newPage();
      try {
        const pw = watch(pg);
        await gotoExpect(pg, pw, p, status);
        const violations = await runAxe(pg);
        const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        for (const v of violations.filter((x) => !bad.includes(x))) {
          console.log(`    note: ${p}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target).join(', ')}`);
        }
        check(bad.length === 0, bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n` +
          v.nodes.map((n) => `  - ${n.target}  ${n.html}${n.summary ? `\n    ${n.summary}` : ''}`).join('\n')).join('\n'));
      } finally {
        await pg.close();
      }
    });
  }
  await axeCtx.close();

  // d. Without JavaScript: home loads and each primary nav link works.
  const noJs = await newContext(browser, base, { javaScriptEnabled: false });
  contexts.push(noJs);
  await test('without JavaScript: home loads and every primary nav link works', async () => {
    const pg = await noJs.newPage();
    const pw = watch(pg);
    await gotoExpect(pg, pw, '/', 200);
    check(await visibleCount(pg.locator('h1')) >= 1, 'home has no visible h1 without JavaScript');
    const navLinks = pg.getByRole('navigation').first().getByRole('link');
    const items = [];
    for (const a of await navLinks.all()) {
      if (!(await a.isVisible())) continue;
      items.push({ name: ((await a.textContent()) || '').trim(), href: await a.getAttribute('href') });
    }
    check(items.length >= 3, `expected at least 3 visible nav links without JavaScript, found ${items.length}: ` +
      JSON.stringify(items));
    for (const it of items) {
      const target = new URL(it.href, base).pathname;
      await gotoExpect(pg, pw, '/', 200);
      const link = await firstVisible(pg.getByRole('navigation').first().getByRole('link', { name: it.name, exact: true }));
      check(link, `nav link "${it.name}" not visible`);
      const [res] = await Promise.all([pg.waitForNavigation({ url: (u) => u.pathname === target }), link.click()]);
      check(!res || res.status() === 200, `nav link "${it.name}" → ${target}: HTTP ${res && res.status()}`);
      check(pathOf(pg) === target, `nav link "${it.name}" led to ${pg.url()}, expected ${target}`);
      check(await visibleCount(pg.locator('h1')) >= 1, `${target} has no visible h1 without JavaScript`);
    }
    check(pw.problems.length === 0, pw.problems.join('\n'));
  });
  await noJs.close();
}

// ---- the case modules and the two halves -------------------------------------

// Every module of cases, each on a server (or two) of its own: [name, cases, part].
// `node run.mjs KNEAD SHOTS 1/2` runs the cases of part 1 (and `2/2` those of part 2),
// each half its own node process, Chromium and servers, so that make test runs them
// side by side as two jobs; without a part, everything runs in one process.  The
// parts are split by each module's seconds in one run (the "took" lines it prints;
// 2026-12-06 01:14-01:20 UTC, one process, load 5-10: 324 s in all; part 1 163 s,
// part 2 161 s; journey alone 66 s) into two near-equal halves.
const MODULES = [
  ['public', null, 1],
  ['book', bookingCases, 2],
  ['journey', journeyCases, 1],
  ['desk', deskCases, 2],
  ['money', moneyCases, 2],
  ['prepaid', prepaidCases, 2],
  ['calendar', calendarCases, 1],
  ['therapist', therapistCases, 1],
  ['intake', intakeCases, 2],
  ['notes', notesCases, 1],
  ['portal', portalCases, 2],
  ['waitlist', waitlistCases, 2],
  ['outbox', outboxCases, 2],
  ['reports', reportsCases, 1],
  ['rules', rulesCases, 2],
  ['pay', payCases, 2],
  ['webhooks', webhooksCases, 2],
  ['locations', locationsCases, 2],
];
const PARTS = 2;

// The names of the modules this process runs: all, or those of part N of 2.
function modulesOf(arg) {
  if (arg === undefined) return new Set(MODULES.map((m) => m[0]));
  const m = /^(\d+)\/(\d+)$/.exec(arg);
  if (!m || Number(m[2]) !== PARTS || Number(m[1]) < 1 || Number(m[1]) > PARTS) return null;
  return new Set(MODULES.filter((x) => x[2] === Number(m[1])).map((x) => x[0]));
}

// One line per module with its wall seconds, for dividing the parts.
function took(name, t0) {
  console.log(`took    ${name} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

// ---- main -------------------------------------------------------------------

async function main() {
  const [kneadArg, shotArg, partArg] = process.argv.slice(2);
  const mine = modulesOf(partArg);
  if (!kneadArg || !shotArg || !mine) {
    console.error(`usage: node tests/e2e/run.mjs PATH/TO/knead SCREENSHOT_DIR [PART/${PARTS}]`);
    failed++;
    return 2;
  }
  const knead = path.resolve(kneadArg);
  const shots = path.resolve(shotArg);
  fs.mkdirSync(shots, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'knead-e2e-'));

  const holder = { server: null };
  let browser = null;
  const stopAll = async () => {
    if (browser) { const b = browser; browser = null; await b.close().catch(() => {}); }
    const s = holder.server; holder.server = null;
    return stopServer(s);
  };
  const onExit = () => { if (holder.server && !holder.server.exited) holder.server.child.kill('SIGKILL'); };
  process.on('exit', onExit);
  const watchdog = setTimeout(async () => {
    console.log(`not ok  suite finished within ${WATCHDOG_MS / 1000} s`);
    failed++;
    await stopAll().catch(() => {});
    console.log(`RESULT ${passed} ${failed}`);
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();

  let serverLog = '';
  try {
    const t0 = Date.now();
    let started = true;
    if (mine.has('public')) {
      await test('server starts (demo database, port from its log)', async () => {
        try {
          await startServer(knead, tmp, holder);
        } catch (e) {
          started = false;
          throw e;
        }
      });
    }
    if (!started) return 1;

    await test('browser launches (Debian Chromium, headless)', async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    });
    if (!browser) return 1;
    const h = { browser, knead, shots, test, check, newContext, watch, runAxe };
    const contexts = [];
    if (mine.has('public')) {
      await publicCases(h, holder.server.base, contexts);
      took('public', t0);
    }
    // Each module of cases below starts its own server(s) with the clock pinned.
    for (const [name, cases] of MODULES) {
      if (!cases || !mine.has(name)) continue;
      const t = Date.now();
      await cases(h);
      took(name, t);
    }
    if (mine.has('public')) {
      const offsite = [...new Set(contexts.flatMap((c) => c.offsite))];
      await test('pages request nothing but 127.0.0.1', async () => {
        check(offsite.length === 0, 'blocked requests to other hosts:\n' + offsite.join('\n'));
      });
    }
  } finally {

    const res = await stopAll().catch((e) => ({ error: e }));
    try { serverLog = fs.readFileSync(path.join(tmp, 'server.log'), 'utf8'); } catch { /* none */ }
    if (res) {
      await test('server stops on SIGTERM with exit status 0 and no sanitizer report', async () => {
        check(!res.timedOut, 'server did not stop within 10 s of SIGTERM (killed)');
        check(res.code === 0, `server exited with ${JSON.stringify(res)}\n${serverLog.split('\n').slice(-40).join('\n')}`);
        check(!/ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:/.test(serverLog),
          'sanitizer report in the server log:\n' + serverLog.split('\n').slice(-40).join('\n'));
      });
    }
    fs.rmSync(tmp, { recursive: true, force: true });
    clearTimeout(watchdog);
    process.off('exit', onExit);
  }
  return failed ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (e) {
  failed++;
  console.log(`not ok  suite ran to the end`);
  console.log(indent(e && e.stack ? e.stack : e));
}
console.log(`RESULT ${passed} ${failed}`);
// Exit now even if something (a stuck child, a browser pipe) still holds the loop.
process.exit(failed || code ? 1 : 0);
