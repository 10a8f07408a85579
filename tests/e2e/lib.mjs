// Helpers shared by the browser cases (book, desk, therapist, intake, notes .mjs) and
// run.mjs: a `knead demo` + `knead serve --now` server of their own, stopping
// it, and the checks on every page.  Nothing but 127.0.0.1 is contacted.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const START_TIMEOUT_MS = 20_000;

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Seeds the demo clinic in tmp and starts `knead serve` on a free loopback port
// with the clock pinned to `now`; `label` names the server in errors.
// demoArgs: more arguments for `knead demo` (e.g. ['--locations', '2']);
// extra: more arguments for `knead serve` (e.g. ['--config', ini]).
export async function startPinnedServer(knead, tmp, now, label, demoArgs = [], extra = []) {
  const db = path.join(tmp, 'knead.db');
  seedDemo(knead, db, demoArgs);
  return servePinned(knead, db, path.join(tmp, 'server.log'), now, label, extra);
}

// `knead demo --db db ...demoArgs`; the plain demo is a copy of
// KNEAD_TEST_SQLITE_TEMPLATE when tests/run-all.sh made one (seeded once per run by
// the same binary), as the HTTP suites' servers do (tests/http/harness.py).
export function seedDemo(knead, db, demoArgs = []) {
  const template = process.env.KNEAD_TEST_SQLITE_TEMPLATE;
  if (template && demoArgs.length === 0) {
    fs.copyFileSync(template, db);
    return;
  }
  const demo = spawnSync(knead, ['demo', '--db', db, ...demoArgs], { encoding: 'utf8', timeout: 60_000 });
  if (demo.error || demo.status !== 0) {
    throw new Error(`${knead} demo failed: ${demo.error ? demo.error.message : demo.stderr}`);
  }
}

// Starts `knead serve` on db with the clock pinned to `now`, logging to logPath.
async function servePinned(knead, db, logPath, now, label, extra = []) {
  const fd = fs.openSync(logPath, 'w');
  const child = spawn(knead, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--now', now,
    ...extra], { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  const server = { child, logPath, exited: null, knead, db };
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
  throw new Error(`${label} server did not start:\n${fs.readFileSync(logPath, 'utf8')}`);
}

// Moves the clock of a pinned server: stops it (it must exit 0 on SIGTERM
// with no sanitizer report) and serves the same database again with the
// clock pinned to `now`.  `server` is updated in place; its base URL changes,
// so contexts made before keep talking to the old address.
export async function repinServer(h, server, now, label) {
  const res = await stopServer(server);
  const log = fs.readFileSync(server.logPath, 'utf8');
  h.check(res && !res.timedOut && res.code === 0, `${label} server exited with ${JSON.stringify(res)}`);
  h.check(!/ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:/.test(log),
    `sanitizer report in the ${label} server log:\n` + log.split('\n').slice(-40).join('\n'));
  const next = await servePinned(server.knead, server.db, `${server.logPath}.${now.slice(0, 16)}`, now, label);
  Object.assign(server, next);
}

export async function stopServer(server) {
  if (!server || server.exited) return server && server.exited;
  server.child.kill('SIGTERM');
  const res = await Promise.race([server.done, sleep(10_000).then(() => null)]);
  if (res) return res;
  server.child.kill('SIGKILL');
  await server.done;
  return { ...server.exited, timedOut: true };
}

// Runs run(server, contexts) against a server of its own (the demo clinic,
// the clock pinned to `now`); afterwards closes every browser context run
// pushed onto `contexts`, stops the server and adds the clean-stop test case.
// `label` prefixes the test names and the temporary folder.
export async function withPinnedServer(h, label, now, run, demoArgs = []) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `knead-e2e-${label}-`));
  let server = null;
  const contexts = [];
  await h.test(`${label}: server starts with the clock pinned to ${now}`, async () => {
    server = await startPinnedServer(h.knead, tmp, now, label, demoArgs);
  });
  if (!server) return;
  try {
    await run(server, contexts);
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
    server.result = await stopServer(server);
  }
  await testCleanStop(h, label, server);
  fs.rmSync(tmp, { recursive: true, force: true });
}

// The test case that a stopped server (server.result from stopServer) exited
// with status 0 on SIGTERM and logged no sanitizer report.
export async function testCleanStop(h, label, server) {
  const { test, check } = h;
  const res = server.result;
  const log = fs.readFileSync(server.logPath, 'utf8');
  await test(`${label} server stops on SIGTERM with exit status 0 and no sanitizer report`, async () => {
    check(!res.timedOut && res.code === 0, `server exited with ${JSON.stringify(res)}\n${log.split('\n').slice(-30).join('\n')}`);
    check(!/ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:/.test(log),
      'sanitizer report in the server log:\n' + log.split('\n').slice(-40).join('\n'));
  });
}

// The checks on every page of a flow at a fixed width: one h1, nothing wider
// than the viewport (`width` names it in the message), axe-core without serious
// or critical violations (the others are noted), no problems seen by
// h.watch, and a full-page screenshot `${prefix}-${name}.png` in h.shots.
export async function checkPage(h, page, w, name, prefix, width) {
  const { check, runAxe } = h;
  const h1 = await page.locator('h1').count();
  check(h1 === 1, `${name}: ${h1} h1 elements on ${page.url()}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `${name}: page is ${overflow}px wider than the ${width}`);
  const violations = await runAxe(page);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of violations.filter((x) => !bad.includes(x))) {
    console.log(`    note: ${name}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target).join(', ')}`);
  }
  check(bad.length === 0, `${name}: axe-core:\n` + bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n` +
    v.nodes.map((n) => `  - ${n.target}  ${n.html}${n.summary ? `\n    ${n.summary}` : ''}`).join('\n')).join('\n'));
  await page.screenshot({ path: path.join(h.shots, `${prefix}-${name}.png`), fullPage: true });
  check(w.problems.length === 0, `${name}: ` + w.problems.join('\n'));
}

// Clicks the first visible match of `locator` (`what` names it in failures)
// and waits for the navigation it starts; answers the navigation's response.
export async function clickThrough(h, page, locator, what) {
  const { check } = h;
  const el = locator.first();
  check(await el.count() > 0, `no ${what} on ${page.url()}`);
  check(await el.isVisible(), `${what} is not visible on ${page.url()}`);
  const [res] = await Promise.all([page.waitForNavigation(), el.click()]);
  return res;
}
