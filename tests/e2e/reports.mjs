// Browser cases for the reports (/admin/reports/...) and the desk's day
// figures (/staff/figures), run by tests/e2e/run.mjs.
//
// Starts its own `knead demo` + `knead serve` with the clock pinned, puts a
// week of appointments in (completed, no-show, cancelled late) the way the
// desk leaves them, then on a phone (390 px) and a desktop (1280 px): the
// admin opens Admin → Reports → Utilisation, reads the SVG charts (named by
// their title and description) and the table beside them, moves to the
// previous period and opens the no-show and revenue reports; the desk reads the day's
// figures on a phone.  No page is wider than the screen and axe-core finds
// no violation at all; each page is screenshotted as reports-*.png.

import { spawnSync } from 'node:child_process';
import { checkPage, clickThrough, withPinnedServer } from './lib.mjs';

const NOW = '2026-03-10T09:00:00-08:00';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

function seed(db) {
  const py = `
import sqlite3, sys
from datetime import datetime
from zoneinfo import ZoneInfo
tz = ZoneInfo('America/Anchorage')
con = sqlite3.connect(sys.argv[1])
cid = con.execute("INSERT INTO clients (name, email, phone, created_at) VALUES ('Ana Alder', 'ana@example.com', '', 0)").lastrowid
def at(d, h):
    return int(datetime(2026, 3, d, h, 0, tzinfo=tz).timestamp())
for d, h, th, st, late in ((2, 10, 'maren-holt', 'completed', 0), (3, 11, 'maren-holt', 'no_show', 0),
                           (3, 14, 'dev-okafor', 'completed', 0), (4, 9, 'maren-holt', 'cancelled', 1),
                           (5, 12, 'lena-kusugak', 'completed', 0), (9, 10, 'maren-holt', 'completed', 0)):
    t = at(d, h)
    con.execute("INSERT INTO appointments (service_id, therapist_id, room_id, client_id, start_at, end_at,"
                " busy_until, status, token_hash, source, created_at, cancelled_at, cancel_late)"
                " VALUES ('deep-tissue-60', ?, 1, ?, ?, ?, ?, ?, randomblob(32), 'staff', 0, ?, ?)",
                (th, cid, t, t + 3600, t + 3600, st, t - 3600 if st == 'cancelled' else None, late))
con.commit()`;
  const r = spawnSync('python3', ['-c', py, db], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`cannot add appointments: ${r.stderr}`);
}

export async function reportsCases(h) {
  await withPinnedServer(h, 'reports', NOW, async (server, contexts) => {
    seed(server.db);
    for (const [label, viewport] of [['390 px', PHONE], ['1280 px', DESKTOP]]) {
      const ctx = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport });
      contexts.push(ctx);
      await adminCases(h, ctx, label);
    }
    const ctx = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport: PHONE });
    contexts.push(ctx);
    await deskCase(h, ctx);
  });
}

async function signIn(h, page, email, password) {
  const res = await page.goto('/login', { waitUntil: 'load' });
  h.check(res.status() === 200, `GET /login: ${res.status()}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await clickThrough(h, page, page.locator('form[action="/login"] button[type="submit"]'), 'sign-in button');
}

function stepper(h, page, w, width) {
  return async (name) => {
    await checkPage(h, page, w, `${name}-${width.replace(' ', '')}`, 'reports', `${width} viewport`);
    const all = await h.runAxe(page);
    h.check(all.length === 0, `${name} (${width}): axe-core violations:\n` +
      all.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target).join(', ')}`).join('\n'));
  };
}

async function adminCases(h, ctx, width) {
  const { test, check, watch } = h;
  const page = await ctx.newPage();
  const w = watch(page);
  const step = stepper(h, page, w, width);
  const click = (locator, what) => clickThrough(h, page, locator, what);

  await test(`reports (${width}): Admin → Reports → Utilisation: charts by title and description, the table beside them, the period before`, async () => {
    await signIn(h, page, 'admin@chugachbodywork.example', 'demo-admin-pass');
    await page.goto('/admin', { waitUntil: 'load' });
    await click(page.getByRole('link', { name: 'Reports', exact: true }), '"Reports" link');
    check(new URL(page.url()).pathname === '/admin/reports', `"Reports" led to ${page.url()}`);
    await step('index');
    await click(page.getByRole('link', { name: 'Utilisation', exact: true }), '"Utilisation" link');
    const share = page.getByRole('img', { name: 'Booked share of the hours, by therapist' });
    check(await share.isVisible(), 'no chart named "Booked share of the hours, by therapist"');
    const box = await share.boundingBox();
    check(box && box.width <= (width === '390 px' ? 390 : 1280) && box.height > 50,
      `the chart is ${JSON.stringify(box)} at ${width}`);
    check(await page.getByRole('img', { name: 'Hours booked each day' }).isVisible(), 'no daily chart');
    const row = page.getByRole('table', { name: 'By therapist (hours)' }).getByRole('row', { name: /Maren Holt/ });
    check(await row.isVisible(), 'no row for Maren Holt in the table by therapist');
    check((await row.textContent()).includes('3.0'), `Maren's row: ${await row.textContent()}`);
    await step('utilisation');

    // an earlier range, typed into the form
    await page.getByLabel('From', { exact: true }).fill('2026-02-01');
    await page.getByLabel('To', { exact: true }).fill('2026-02-28');
    await click(page.getByRole('button', { name: 'Show' }), '"Show" button');
    const url = new URL(page.url());
    check(url.searchParams.get('from') === '2026-02-01' && url.searchParams.get('to') === '2026-02-28',
      `"Show" led to ${page.url()}`);
    check((await page.locator('.report-period').textContent()).includes('compared with Sunday, January 4 to Saturday, January 31'),
      `period: ${await page.locator('.report-period').textContent()}`);
    const csv = page.getByRole('link', { name: /Download as CSV/ });
    check((await csv.getAttribute('href')).endsWith('from=2026-02-01&to=2026-02-28&format=csv'),
      `CSV link: ${await csv.getAttribute('href')}`);

    await page.goto('/admin/reports', { waitUntil: 'load' });
    await click(page.getByRole('link', { name: 'No-shows and late cancellations', exact: true }), 'attendance link');
    check(await page.getByRole('img', { name: 'No-show and late-cancellation rates' }).isVisible(), 'no attendance chart');
    await step('attendance');
    await page.goto('/admin/reports', { waitUntil: 'load' });
    await click(page.getByRole('link', { name: 'Revenue', exact: true }), '"Revenue" link');
    check(await page.getByRole('table', { name: /By payment method/ }).isVisible(), 'no table by payment method');
    await step('revenue');
  });
  await page.close();
}

async function deskCase(h, ctx) {
  const { test, check, watch } = h;
  const page = await ctx.newPage();
  const w = watch(page);
  const step = stepper(h, page, w, '390 px');
  await test('reports (390 px): the desk reads the day\'s figures from the menu', async () => {
    await signIn(h, page, 'desk@chugachbodywork.example', 'demo-desk-pass');
    await page.goto('/staff/figures?date=2026-03-03', { waitUntil: 'load' });
    check((await page.locator('#fig-appointments').textContent()).trim() === '2', 'appointments on 3 March');
    check((await page.locator('#fig-no-shows').textContent()).trim() === '1', 'no-shows on 3 March');
    await step('desk-day');
    const res = await page.goto('/admin/reports', { waitUntil: 'load' });
    check(res.status() === 403, `the desk opened /admin/reports: ${res.status()}`);
  });
  await page.close();
}
