// Browser cases for a therapist's back office, run by tests/e2e/run.mjs (which
// passes its runner and browser helpers in, so that these cases count in its
// RESULT line).
//
// Starts its own `knead demo` + `knead serve --now 2026-11-24T09:00:00-09:00`
// (Tuesday morning in Anchorage), then at tablet width (1024 px): Maren Holt
// signs in, opens her hours and her time off, adds time off for tomorrow
// afternoon (Wednesday 25th, 12:30-16:00), sees it in her week, and the public
// booking page for Maren on the 25th no longer offers those afternoon times.
// axe-core runs on every page (no serious or critical violations); each page
// is screenshotted as therapist-*.png.  Nothing but 127.0.0.1 is contacted.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const NOW = '2026-11-24T09:00:00-09:00';
const TABLET = { width: 1024, height: 768 };
const START_TIMEOUT_MS = 20_000;
const BOOK_MAREN = '/book?service=deep-tissue-60&therapist=maren-holt&date=2026-11-25';

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function startServer(knead, tmp) {
  const db = path.join(tmp, 'knead.db');
  const demo = spawnSync(knead, ['demo', '--db', db], { encoding: 'utf8', timeout: 60_000 });
  if (demo.error || demo.status !== 0) {
    throw new Error(`${knead} demo failed: ${demo.error ? demo.error.message : demo.stderr}`);
  }
  const logPath = path.join(tmp, 'server.log');
  const fd = fs.openSync(logPath, 'w');
  const child = spawn(knead, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--now', NOW],
    { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  const server = { child, logPath, exited: null };
  const onExit = () => { if (!server.exited) child.kill('SIGKILL'); };
  process.on('exit', onExit);
  server.done = new Promise((resolve) => {
    child.on('exit', (code, signal) => { server.exited = { code, signal }; resolve(server.exited); });
    child.on('error', (err) => { server.exited = { error: err.message }; resolve(server.exited); });
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const m = fs.readFileSync(logPath, 'utf8').match(/on http:\/\/127\.0\.0\.1:(\d+)\//);
    if (m) {
      server.base = `http://127.0.0.1:${m[1]}`;
      return server;
    }
    if (server.exited) break;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`therapist server did not start:\n${fs.readFileSync(logPath, 'utf8')}`);
}

async function stopServer(server) {
  if (server.exited) return server.exited;
  server.child.kill('SIGTERM');
  const res = await Promise.race([server.done, sleep(10_000).then(() => null)]);
  if (res) return res;
  server.child.kill('SIGKILL');
  await server.done;
  return { ...server.exited, timedOut: true };
}

// Runs the therapist cases.  h: { browser, knead, shots, test, check,
// newContext, watch, runAxe } from run.mjs.
export async function therapistCases(h) {
  const { test, check } = h;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'knead-e2e-therapist-'));
  let server = null;
  const contexts = [];

  await test('therapist: server starts with the clock pinned to Tuesday 09:00 in Anchorage', async () => {
    server = await startServer(h.knead, tmp);
  });
  if (!server) return;
  try {
    await cases(h, server, contexts);
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
    server.result = await stopServer(server);
  }
  const res = server.result;
  const log = fs.readFileSync(server.logPath, 'utf8');
  await test('therapist server stops on SIGTERM with exit status 0 and no sanitizer report', async () => {
    check(!res.timedOut && res.code === 0, `server exited with ${JSON.stringify(res)}\n${log.split('\n').slice(-30).join('\n')}`);
    check(!/ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:/.test(log),
      'sanitizer report in the server log:\n' + log.split('\n').slice(-40).join('\n'));
  });
  fs.rmSync(tmp, { recursive: true, force: true });
}

async function cases(h, server, contexts) {
  const { browser, test, check, newContext, watch, runAxe } = h;
  const base = server.base;
  const pathOf = (page) => { const u = new URL(page.url()); return u.pathname + u.search; };

  // Every page: one h1, nothing wider than the tablet, axe-core without
  // serious or critical violations, no console errors, a screenshot.
  async function step(page, w, name) {
    const h1 = await page.locator('h1').count();
    check(h1 === 1, `${name}: ${h1} h1 elements on ${page.url()}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `${name}: page is ${overflow}px wider than the 1024 px tablet`);
    const violations = await runAxe(page);
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    for (const v of violations.filter((x) => !bad.includes(x))) {
      console.log(`    note: ${name}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target).join(', ')}`);
    }
    check(bad.length === 0, `${name}: axe-core:\n` + bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n` +
      v.nodes.map((n) => `  - ${n.target}  ${n.html}${n.summary ? `\n    ${n.summary}` : ''}`).join('\n')).join('\n'));
    await page.screenshot({ path: path.join(h.shots, `therapist-${name}.png`), fullPage: true });
    check(w.problems.length === 0, `${name}: ` + w.problems.join('\n'));
  }

  async function click(page, locator, what) {
    const el = locator.first();
    check(await el.count() > 0, `no ${what} on ${page.url()}`);
    check(await el.isVisible(), `${what} is not visible on ${page.url()}`);
    const [res] = await Promise.all([page.waitForNavigation(), el.click()]);
    return res;
  }

  async function afternoonSlots(page) {
    const labels = (await page.locator('a.slot').allTextContents()).map((s) => s.trim());
    return { all: labels, pm: labels.filter((l) => /PM$/.test(l)) };
  }

  // axe is injected, so the contexts bypass the CSP (run.mjs checks the CSP).
  const pub = await newContext(browser, base, { viewport: TABLET, bypassCSP: true });
  contexts.push(pub);
  const visitor = await pub.newPage();
  const vw = watch(visitor);
  let before = null;
  await test('therapist: before — the public booking page offers Maren on Wednesday afternoon', async () => {
    const res = await visitor.goto(BOOK_MAREN, { waitUntil: 'load' });
    check(res.status() === 200, `GET ${BOOK_MAREN}: ${res.status()}`);
    before = await afternoonSlots(visitor);
    check(before.pm.includes('12:30 PM') && before.pm.includes('2:00 PM'),
      `expected 12:30 PM and 2:00 PM among ${before.all.join(', ')}`);
    await step(visitor, vw, '0-book-before');
  });

  const ctx = await newContext(browser, base, { viewport: TABLET, bypassCSP: true });
  contexts.push(ctx);
  const page = await ctx.newPage();
  const w = watch(page);
  let added = false;

  await test('therapist: Maren signs in, opens "Hours & time off" and "Time off" (1024 px, axe on every page)', async () => {
    const res = await page.goto('/login', { waitUntil: 'load' });
    check(res.status() === 200, `GET /login: ${res.status()}`);
    await step(page, w, '1-login');
    await page.getByLabel('Email').fill('maren@chugachbodywork.example');
    await page.getByLabel('Password').fill('demo-therapist-pass');
    await click(page, page.getByRole('button', { name: 'Sign in' }), 'the sign-in button');
    check(pathOf(page) === '/staff', `after signing in: ${page.url()}`);
    await click(page, page.getByRole('navigation', { name: 'Back office' }).getByRole('link', { name: 'Hours & time off' }),
      '"Hours & time off" in the back-office menu');
    check(pathOf(page) === '/staff/hours', `"Hours & time off" led to ${page.url()}`);
    check(await page.getByLabel('Starts').first().inputValue() === '08:00', 'Monday does not start at 08:00');
    await step(page, w, '2-hours');
    await click(page, page.getByRole('link', { name: 'Time off', exact: true }), '"Time off" link');
    check(pathOf(page).startsWith('/staff/time-off'), `"Time off" led to ${page.url()}`);
    await step(page, w, '3-time-off');
  });

  await test('therapist: time off ending before it starts is refused (422), the message sits by the field (axe)', async () => {
    check(await page.locator('#start-date').inputValue() === '2026-11-25', 'the form does not default to tomorrow');
    await page.locator('#start-time').fill('16:00');
    await page.locator('#end-date').fill('2026-11-25');
    await page.locator('#end-time').fill('12:30');
    await page.getByLabel('Reason').fill('Afternoon off');
    const res = await click(page, page.getByRole('button', { name: 'Add time off' }), 'the add button');
    check(res && res.status() === 422, `status ${res && res.status()}, expected 422`);
    // Chromium logs the document's own 422 as a console error: expected here.
    w.problems = w.problems.filter((p) => !/status of 422/.test(p));
    const msg = ((await page.locator('#err-end').textContent()) || '').trim();
    check(msg === 'The end must be after the start.', `message by the end field: "${msg}"`);
    check(await page.locator('#end-time').getAttribute('aria-describedby') === 'err-end', 'the end field does not point at its message');
    check(await page.locator('#end-time').inputValue() === '12:30', 'the form lost what was typed');
    await step(page, w, '3b-time-off-invalid');
  });

  await test('therapist: adds time off for tomorrow 12:30-16:00 and sees it listed and in her week', async () => {
    await page.locator('#start-date').fill('2026-11-25');
    await page.locator('#start-time').fill('12:30');
    await page.locator('#end-date').fill('2026-11-25');
    await page.locator('#end-time').fill('16:00');
    await page.getByLabel('Reason').fill('Afternoon off');
    await click(page, page.getByRole('button', { name: 'Add time off' }), 'the add button');
    check(/^\/staff\/time-off\?therapist=maren-holt&added=1$/.test(pathOf(page)), `after adding: ${page.url()}`);
    const text = await page.locator('main').textContent();
    check(text.includes('The time off was added'), 'no confirmation');
    check(text.includes('Afternoon off'), 'the new time off is not listed');
    await step(page, w, '4-time-off-added');
    added = true;
    await click(page, page.getByRole('navigation', { name: 'Back office' }).getByRole('link', { name: 'Week' }), '"Week"');
    check(pathOf(page) === '/staff/week', `"Week" led to ${page.url()}`);
    const week = (await page.locator('main').textContent()).replace(/\s+/g, ' ');
    check(week.includes('Time off: 12:30 PM – 4:00 PM'), 'the week does not show the time off');
    await step(page, w, '5-week');
  });

  await test('therapist: the public booking page no longer offers Maren on Wednesday from 12:30 PM', async () => {
    check(added, 'no time off was added');
    const res = await visitor.goto(BOOK_MAREN, { waitUntil: 'load' });
    check(res.status() === 200, `GET ${BOOK_MAREN}: ${res.status()}`);
    const after = await afternoonSlots(visitor);
    check(after.pm.length === 0, `afternoon times still offered: ${after.pm.join(', ')}`);
    check(after.all.includes('8:00 AM'), `the morning is gone too: ${after.all.join(', ')}`);
    check(after.all.length < before.all.length, 'no slot vanished');
    await step(visitor, vw, '6-book-after');
  });

  const offsite = [...new Set(contexts.flatMap((c) => c.offsite))];
  await test('therapist pages request nothing but 127.0.0.1', async () => {
    check(offsite.length === 0, 'blocked requests to other hosts:\n' + offsite.join('\n'));
  });
}
