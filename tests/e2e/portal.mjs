// Browser cases for the client portal, run by tests/e2e/run.mjs (which passes
// its runner and helpers in, so that these cases count in its RESULT line).
//
// Starts its own `knead demo` + `knead serve --now 2026-11-24T09:00:00-09:00`
// (Tuesday 09:00 in Anchorage).  Fixtures: a client books Maren Holt online for
// Wednesday 10:00 and for a second time; the second is moved a week into the
// past, completed, with a signed note recommending rest, home care and a next
// visit (the note e2e covers writing one).  The client, on a phone, asks for a
// sign-in link on /account, follows it from the e-mail (read from the outbox
// table: no SMTP server listens, so the message waits there), signs in, sees
// their appointments and the recommendations, opens an appointment and its
// manage page; the used link then says so.  axe-core runs on every page (no
// serious or critical violations); screenshots are portal-*.png.  Nothing but
// 127.0.0.1 is contacted.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkPage, clickThrough, startPinnedServer, stopServer, testCleanStop } from './lib.mjs';

const NOW = '2026-11-24T09:00:00-09:00';
const NOW_TS = Date.parse(NOW) / 1000;
const EMAIL = 'pia.portal@example.com';

// Runs one SQL statement on the server's database through Python's sqlite3
// (a test dependency already); answers the rows as JSON.
function sql(db, statement, ...args) {
  const prog = 'import json, sqlite3, sys\n' +
    'con = sqlite3.connect(sys.argv[1])\n' +
    'rows = con.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall()\n' +
    'con.commit()\nprint(json.dumps(rows))\n';
  const r = spawnSync('python3', ['-c', prog, db, statement, JSON.stringify(args)],
    { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) throw new Error(`sql failed: ${r.error ? r.error.message : r.stderr}`);
  return JSON.parse(r.stdout);
}

// Runs the portal cases.  h: { browser, knead, shots, test, check, newContext,
// watch, runAxe } from run.mjs.
export async function portalCases(h) {
  const { test } = h;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'knead-e2e-portal-'));
  let server = null;
  const contexts = [];

  await test('portal: server starts with the clock pinned to Tuesday 09:00 in Anchorage', async () => {
    server = await startPinnedServer(h.knead, tmp, NOW, 'portal');
  });
  if (!server) return;
  try {
    await cases(h, server, path.join(tmp, 'knead.db'), contexts);
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
    server.result = await stopServer(server);
  }
  await testCleanStop(h, 'portal', server);
  fs.rmSync(tmp, { recursive: true, force: true });
}

async function book(base, start) {
  const res = await fetch(`${base}/api/v1/appointments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ service: 'deep-tissue-60', therapist: 'maren-holt', start,
      client: { name: 'Pia Portal', email: EMAIL, phone: '(907) 555-0177' } }),
  });
  const body = await res.text();
  if (res.status !== 201) throw new Error(`POST /api/v1/appointments: ${res.status} ${body}`);
  return JSON.parse(body);
}

async function cases(h, server, db, contexts) {
  const { browser, test, check, newContext, watch } = h;
  const base = server.base;

  let next = null;
  let past = null;
  await test('portal: fixtures: an appointment on Wednesday, a session last week with a signed note', async () => {
    next = await book(base, '2026-11-25T10:00:00-09:00');
    past = await book(base, '2026-11-26T10:00:00-09:00');
    const start = NOW_TS - 7 * 86400;
    sql(db, "UPDATE appointments SET start_at = ?, end_at = ?, busy_until = ?, status = 'completed' WHERE id = ?",
      start, start + 3600, start + 3600, past.id);
    sql(db, 'INSERT INTO treatment_notes (appointment_id, rest, home_care, next_weeks, author_id, created_at,' +
      " updated_at, signed_by, signed_by_id, signed_at) VALUES (?, 1, 'Walk twenty minutes a day.', 3, 1, ?, ?," +
      " 'Maren Holt', 1, ?)", past.id, start, start, start + 7200);
  });
  if (!next || !past) return;

  const ctx = await newContext(browser, base, { bypassCSP: true });
  contexts.push(ctx);
  const page = await ctx.newPage();
  const w = watch(page);
  const step = (name) => checkPage(h, page, w, name, 'portal', '390 px phone');
  const text = async () => (await page.locator('main').textContent()).replace(/\s+/g, ' ');
  let link = null;

  await test('portal: the client asks for a sign-in link by e-mail', async () => {
    const res = await page.goto('/account', { waitUntil: 'load' });
    check(res.status() === 200, `GET /account: ${res.status()}`);
    await step('1-signin');
    await page.getByLabel('Your e-mail address').fill(EMAIL);
    await clickThrough(h, page, page.getByRole('button', { name: 'Send me a sign-in link' }), '"Send me a sign-in link" button');
    check(new URL(page.url()).pathname + new URL(page.url()).search === '/account?sent=1', `sending led to ${page.url()}`);
    check(/If we know this address, a sign-in link is on its way/.test(await text()), 'no "on its way" notice');
    await step('2-sent');
  });

  await test('portal: the e-mail holds a one-time link that signs the client in', async () => {
    const rows = sql(db, "SELECT body_text FROM outbox WHERE kind = 'signin' AND recipient = ? ORDER BY id DESC", EMAIL);
    check(rows.length === 1, `${rows.length} sign-in messages queued for ${EMAIL}`);
    const m = rows[0][0].match(/(http:\/\/127\.0\.0\.1:\d+)(\/account\/link\/[A-Za-z0-9_-]{22})/);
    check(m, `no link in the message:\n${rows[0][0]}`);
    check(m[1] === base, `the link points to ${m[1]}, not ${base}`);
    link = m[2];
    const res = await page.goto(link, { waitUntil: 'load' });
    check(res.status() === 200, `GET ${link}: ${res.status()}`);
    check(new RegExp(`Sign in as ${EMAIL.replace('.', '\\.')}`).test(await text()), 'the link page does not name the address');
    await step('3-link');
    await clickThrough(h, page, page.getByRole('button', { name: 'Sign in' }), '"Sign in" button');
    const u = new URL(page.url());
    check(u.pathname === '/portal' && u.search === '?welcome=1', `signing in led to ${page.url()}`);
  });
  if (!link) return;

  await test('portal: the client sees their appointments, the recommendations and "book again"', async () => {
    const t = await text();
    check(/You are signed in/.test(t), 'no welcome notice');
    check(/Upcoming.*Wednesday, November 25, 2026, 10:00 AM/.test(t), `no upcoming appointment: ${t}`);
    check(/Past and cancelled.*Tuesday, November 17, 2026.*Completed/.test(t), `no past session: ${t}`);
    const recs = (await page.locator('section.recommendations').textContent()).replace(/\s+/g, ' ');
    for (const want of ['Maren Holt recommends', 'Rest.', 'Walk twenty minutes a day.', 'in 3 weeks']) {
      check(recs.includes(want), `the recommendations lack "${want}": ${recs}`);
    }
    check(/No health form yet/.test(t), 'no health form status');
    const again = page.getByRole('link', { name: /Book again/ });
    const href = await again.first().getAttribute('href');
    check(href === '/book?service=deep-tissue-60&therapist=maren-holt', `"Book again" goes to ${href}`);
    await step('4-portal');
  });

  await test('portal: an appointment\'s page, and its manage page to move or cancel', async () => {
    await clickThrough(h, page, page.locator(`a[href="/portal/appointments/${next.id}"]`), 'link to the appointment');
    check(new URL(page.url()).pathname === `/portal/appointments/${next.id}`, `the link led to ${page.url()}`);
    check(/Maren Holt/.test(await text()), 'the appointment page does not name the therapist');
    await step('5-appointment');
    await clickThrough(h, page, page.getByRole('button', { name: /Move, cancel or update your health form/ }), 'manage button');
    check(/^\/a\/[A-Za-z0-9_-]{22}$/.test(new URL(page.url()).pathname), `the button led to ${page.url()}`);
    check(await page.getByRole('link', { name: 'Cancel appointment' }).count() === 1, 'the manage page offers no cancel');
    check(await page.getByRole('link', { name: 'Move appointment' }).count() === 1, 'the manage page offers no move');
    await step('6-manage');
  });

  await test('portal: the client\'s whole record, printable and as a JSON file', async () => {
    await page.goto('/portal', { waitUntil: 'load' });
    await clickThrough(h, page, page.getByRole('link', { name: 'Your whole record' }), '"Your whole record" link');
    check(new URL(page.url()).pathname === '/portal/record', `the link led to ${page.url()}`);
    const t = await text();
    for (const want of ['Everything', 'Pia Portal', 'No health form on file', 'Wednesday, November 25, 2026',
      'Treatment note', 'Maren Holt, Tuesday, November 17, 2026', 'Walk twenty minutes a day.']) {
      check(t.includes(want), `the record page lacks "${want}": ${t}`);
    }
    await step('8-record');
    const got = await page.evaluate(async () => {
      const res = await fetch('/portal/record?format=json');
      return { status: res.status, disposition: res.headers.get('content-disposition'), body: await res.json() };
    });
    check(got.status === 200, `GET /portal/record?format=json: ${got.status}`);
    check(/^attachment; filename="record-2026-11-24\.json"$/.test(got.disposition || ''), `Content-Disposition: ${got.disposition}`);
    check(got.body.appointments.length === 2, `${got.body.appointments.length} appointments in the file`);
    check(got.body.appointments.some((a) => a.treatment_note && a.treatment_note.recommendations.home_care === 'Walk twenty minutes a day.'),
      'the file lacks the signed note');
  });

  await test('portal: the used link says so and signs nobody in', async () => {
    const other = await newContext(browser, base, { bypassCSP: true });
    contexts.push(other);
    const pg = await other.newPage();
    const pw = watch(pg);
    pw.expectStatus = 410;
    pw.docUrl = new URL(link, base).href;
    const res = await pg.goto(link, { waitUntil: 'load' });
    check(res.status() === 410, `GET the used link: ${res.status()}`);
    check(/This sign-in link was used already/.test(await pg.locator('main').textContent()), 'no "used already" message');
    check(await pg.getByRole('link', { name: 'Ask for a new sign-in link' }).count() === 1, 'no way to ask for a new link');
    await checkPage(h, pg, pw, '7-link-used', 'portal', '390 px phone');
    const cookies = await other.cookies();
    check(!cookies.some((c) => c.name === 'knead_session'), 'a session cookie was set');
    const r2 = await pg.goto('/portal', { waitUntil: 'load' });
    check(new URL(pg.url()).pathname === '/login', `signed-out /portal led to ${pg.url()} (${r2.status()})`);
  });
}
