// Browser cases for the waitlist, run by tests/e2e/run.mjs (which passes its
// runner and helpers in, so that these cases count in its RESULT line).
//
// Starts its own `knead demo` + `knead serve --now 2026-11-24T09:00:00-09:00`
// (Tuesday 09:00 in Anchorage).  Another client holds Wednesday 16:00 with Dev
// Okafor (booked through the JSON API).  At phone width (390 px) the first
// client goes from /book's times to "Join the waitlist", sends the form once
// without a name (the field is marked), then joins for Wednesday 15:00–18:00;
// the other client cancels on their private link; the first client reads the
// offer e-mail (from the outbox table: this server has no SMTP host, so mail
// waits there) and books the time through its claim link.  axe-core runs on
// every page (no serious or critical violations); each is screenshotted as
// waitlist-*.png.  Nothing but 127.0.0.1 is contacted.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkPage, clickThrough, startPinnedServer, stopServer, testCleanStop } from './lib.mjs';

const NOW = '2026-11-24T09:00:00-09:00';
const SLOT = '2026-11-25T16:00:00-09:00';
const PHONE = { width: 390, height: 844 };
const WAITER = { name: 'Wren Waiting', email: 'wren@example.com' };
const HOLDER = { name: 'Cass Cancel', email: 'cass@example.com' };

// Runs the waitlist cases.  h: { browser, knead, shots, test, check,
// newContext, watch, runAxe } from run.mjs.
export async function waitlistCases(h) {
  const { test } = h;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'knead-e2e-waitlist-'));
  let server = null;
  const contexts = [];

  await test('waitlist: server starts with the clock pinned to Tuesday 09:00 in Anchorage', async () => {
    server = await startPinnedServer(h.knead, tmp, NOW, 'waitlist');
  });
  if (!server) return;
  try {
    await cases(h, server, path.join(tmp, 'knead.db'), contexts);
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
    server.result = await stopServer(server);
  }
  await testCleanStop(h, 'waitlist', server);
  fs.rmSync(tmp, { recursive: true, force: true });
}

// The text part of the newest queued message of `kind` to `to`, or "".
function mailText(db, kind, to) {
  const py = 'import sqlite3, sys\n' +
    'c = sqlite3.connect(sys.argv[1])\n' +
    'r = c.execute("SELECT body_text FROM outbox WHERE kind = ? AND recipient = ?' +
    ' ORDER BY id DESC LIMIT 1", (sys.argv[2], sys.argv[3])).fetchone()\n' +
    'sys.stdout.write(r[0] if r else "")\n';
  const r = spawnSync('python3', ['-c', py, db, kind, to], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) throw new Error(`reading the outbox: ${r.error ? r.error.message : r.stderr}`);
  return r.stdout;
}

async function cases(h, server, db, contexts) {
  const { browser, test, check, newContext, watch } = h;
  const base = server.base;
  const phone = await newContext(browser, base, { bypassCSP: true, viewport: PHONE });
  contexts.push(phone);
  const page = await phone.newPage();
  const w = watch(page);
  const step = (pg, ww, name) => checkPage(h, pg, ww, name, 'waitlist', '390 px phone');
  const click = (pg, locator, what) => clickThrough(h, pg, locator, what);

  let holder = null;
  await test('waitlist (390 px): from the booking times to the waitlist form; sent without a name, the field is marked', async () => {
    const booked = await fetch(`${base}/api/v1/appointments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ service: 'deep-tissue-60', therapist: 'dev-okafor', start: SLOT, client: HOLDER }),
    });
    const body = await booked.text();
    check(booked.status === 201, `booking ${SLOT}: HTTP ${booked.status} ${body}`);
    holder = JSON.parse(body);

    const res = await page.goto('/book?service=deep-tissue-60&therapist=dev-okafor&date=2026-11-25', { waitUntil: 'load' });
    check(res.status() === 200, `GET /book: HTTP ${res.status()}`);
    await click(page, page.getByRole('link', { name: 'Join the waitlist' }), '"Join the waitlist" link');
    check(new URL(page.url()).pathname === '/waitlist', `the link led to ${page.url()}`);
    check(await page.locator('#service').inputValue() === 'deep-tissue-60', 'the service is not pre-filled');
    check(await page.locator('#therapist').inputValue() === 'dev-okafor', 'the therapist is not pre-filled');
    check(await page.locator('#date_from').inputValue() === '2026-11-25', 'the day is not pre-filled');
    await step(page, w, 'form');

    await page.getByLabel('Until').fill('2026-11-25');
    await page.getByLabel('Not before').fill('15:00');
    await page.getByLabel('Finished by').fill('18:00');
    await page.getByLabel('Email').fill(WAITER.email);
    w.expectStatus = 422;
    w.docUrl = new URL('/waitlist', base).href;
    const sent = await click(page, page.getByRole('button', { name: 'Join the waitlist' }), '"Join the waitlist" button');
    check(sent && sent.status() === 422, `the form without a name answered HTTP ${sent && sent.status()}`);
    w.expectStatus = 200;
    check(await page.locator('#name').getAttribute('aria-invalid') === 'true', '#name is not marked aria-invalid');
    check(await page.locator('#name-error').isVisible(), '#name-error is not shown');
    check(await page.locator('#email').inputValue() === WAITER.email, 'the e-mail typed was not kept');
    await step(page, w, 'form-invalid');
  });

  let entry = null;
  await test('waitlist (390 px): the client joins; the entry page and the confirmation e-mail', async () => {
    await page.getByLabel('Your name').fill(WAITER.name);
    await click(page, page.getByRole('button', { name: 'Join the waitlist' }), '"Join the waitlist" button');
    entry = new URL(page.url()).pathname;
    check(/^\/waitlist\/[A-Za-z0-9_-]{22}$/.test(entry), `joining led to ${page.url()}`);
    const text = await page.locator('main, body').first().textContent();
    check(/You are on the waitlist/.test(text) && /Dev Okafor/.test(text) && /3:00 PM – 6:00 PM/.test(text),
      'the entry page does not confirm the entry');
    await step(page, w, 'entry');
    const mail = mailText(db, 'waitlist_joined', WAITER.email);
    check(mail.includes(entry), `the confirmation does not carry the entry link:\n${mail}`);
  });

  await test('waitlist (390 px): another client cancels; the first books the time from the offer e-mail', async () => {
    check(holder && entry, 'no appointment or no entry');
    const other = await newContext(browser, base, { bypassCSP: true, viewport: PHONE });
    contexts.push(other);
    const op = await other.newPage();
    const ow = watch(op);
    const manage = new URL(holder.manage_url, base).pathname;
    const res = await op.goto(`${manage}/cancel`, { waitUntil: 'load' });
    check(res.status() === 200, `GET ${manage}/cancel: HTTP ${res.status()}`);
    await click(op, op.getByRole('button', { name: 'Yes, cancel my appointment' }), 'the cancel button');
    check(/cancelled/i.test(await op.locator('main, body').first().textContent()), 'the cancellation is not confirmed');
    check(ow.problems.length === 0, ow.problems.join('\n'));

    const mail = mailText(db, 'waitlist_offer', WAITER.email);
    const m = mail.match(/\/waitlist\/offers\/[A-Za-z0-9_-]{22}/);
    check(m, `no offer e-mail with a claim link to ${WAITER.email}:\n${mail}`);
    check(/Dev Okafor/.test(mail), 'the offer does not name the therapist');
    const offer = await page.goto(m[0], { waitUntil: 'load' });
    check(offer.status() === 200, `GET ${m[0]}: HTTP ${offer.status()}`);
    await step(page, w, 'offer');
    await click(page, page.getByRole('button', { name: 'Book this time' }), '"Book this time" button');
    check(/^\/a\/[A-Za-z0-9_-]{22}$/.test(new URL(page.url()).pathname), `the claim led to ${page.url()}`);
    const text = await page.locator('main, body').first().textContent();
    check(/booked/i.test(text) && /Dev Okafor/.test(text), 'the manage page does not show the booking');
    await step(page, w, 'booked');
    const conf = mailText(db, 'confirmation', WAITER.email);
    check(conf.includes(new URL(page.url()).pathname), 'no booking confirmation with the manage link');

    const again = await page.goto(m[0], { waitUntil: 'load' });
    check(again.status() === 200 && /You booked this time/.test(await page.locator('h1').textContent()),
      'the claim link does not say it was booked');
  });
}
