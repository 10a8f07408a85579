// Browser case for /admin/outbox, run by tests/e2e/run.mjs (which passes its
// runner and helpers in, so that these cases count in its RESULT line).
//
// Starts its own `knead demo` + `knead serve`, puts one failed message (with
// the mail server's reply) into the outbox the way the delivery worker leaves
// it, then at 1280 px: the admin signs in, opens Admin → Outbox, reads the
// reply, sends the message again and finds it no longer failed.  axe-core finds no
// violation at all on either page; each is screenshotted as outbox-*.png.  Then
// Admin → Export data: both CSV downloads arrive as files with their names, and
// the page holds at 390 px too (export-*.png).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { checkPage, clickThrough, withPinnedServer } from './lib.mjs';

const NOW = '2026-11-24T09:00:00-09:00';
const DESKTOP = { width: 1280, height: 900 };
const REPLY = '550 5.1.1 <ana@example.com>: Recipient address rejected: User unknown';

function addFailed(db) {
  const py = `
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
cur = con.execute("INSERT INTO outbox (kind, dedupe_key, recipient, subject, body_text, status,"
    " attempts, next_attempt_at, last_error, created_at) VALUES ('confirmation', 'e2e-failed',"
    " 'ana@example.com', 'Your massage on Friday', 'hi', 'failed', 8, 1790000000, ?, 1790000000)",
    (sys.argv[2],))
con.commit()
print(cur.lastrowid)`;
  const r = spawnSync('python3', ['-c', py, db, REPLY], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`cannot add a failed message: ${r.stderr}`);
  return r.stdout.trim();
}

export async function outboxCases(h) {
  await withPinnedServer(h, 'outbox', NOW, async (server, contexts) => {
    const ctx = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport: DESKTOP });
    contexts.push(ctx);
    await cases(h, ctx, server);
  });
}

async function cases(h, ctx, server) {
  const { test, check, watch, runAxe } = h;
  const page = await ctx.newPage();
  const w = watch(page);
  const step = async (name) => {
    await checkPage(h, page, w, name, 'outbox', '1280 px viewport');
    const all = await runAxe(page);
    check(all.length === 0, `${name}: axe-core violations:\n` +
      all.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target).join(', ')}`).join('\n'));
  };
  const click = (locator, what) => clickThrough(h, page, locator, what);

  await test('outbox (1280 px): admin → Outbox → the failed message with its reply → send again → no longer failed', async () => {
    const id = addFailed(server.db);
    const res = await page.goto('/login', { waitUntil: 'load' });
    check(res.status() === 200, `GET /login: ${res.status()}`);
    await page.getByLabel('Email').fill('admin@chugachbodywork.example');
    await page.getByLabel('Password', { exact: true }).fill('demo-admin-pass');
    await click(page.locator('form[action="/login"] button[type="submit"]'), 'sign-in button');
    await page.goto('/admin', { waitUntil: 'load' });
    await click(page.getByRole('link', { name: 'Outbox', exact: true }), '"Outbox" link');
    check(new URL(page.url()).pathname === '/admin/outbox', `"Outbox" led to ${page.url()}`);
    const row = page.locator(`#message-${id}`);
    check(await row.isVisible(), `message ${id} is not listed`);
    check((await row.textContent()).includes(REPLY), 'the mail server\'s reply is not shown');
    await step('failed');

    await click(row.getByRole('button', { name: `Send again message ${id}` }), '"Send again" button');
    const url = new URL(page.url());
    check(url.pathname === '/admin/outbox' && url.searchParams.get('status') === 'pending',
      `"Send again" led to ${page.url()}`);
    check(await page.getByRole('status').filter({ hasText: `Message ${id} is queued again` }).isVisible(),
      'no notice that the message is queued again');
    // the delivery worker, woken, may already be trying it (the demo's SMTP port): it is
    // waiting, sending or sent by now, but no longer failed
    const failedTab = page.getByRole('navigation', { name: 'Messages by status' }).getByRole('link', { name: /^Failed/ });
    check((await failedTab.textContent()).trim() === 'Failed (0)', `the Failed tab says "${await failedTab.textContent()}"`);
    await step('retried');
  });

  await test('export (1280 px, 390 px): admin → Export data → clients and appointments download as CSV files', async () => {
    const booked = await fetch(`${server.base}/api/v1/appointments`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ service: 'deep-tissue-60', therapist: 'maren-holt', start: '2026-11-25T10:00:00-09:00',
        client: { name: 'Eve Export', email: 'eve.export@example.com', phone: '907 555 0190' } }),
    });
    check(booked.status === 201, `booking for the export: ${booked.status}`);
    await page.goto('/admin', { waitUntil: 'load' });
    await click(page.getByRole('link', { name: 'Export data', exact: true }), '"Export data" link');
    check(new URL(page.url()).pathname === '/admin/export', `"Export data" led to ${page.url()}`);
    await checkPage(h, page, w, 'desktop', 'export', '1280 px viewport');
    const all = await runAxe(page);
    check(all.length === 0, `export: axe-core violations: ${all.map((v) => v.id).join(', ')}`);
    const [clients] = await Promise.all([page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download clients (CSV)' }).click()]);
    check(clients.suggestedFilename() === 'clients-2026-11-24.csv', `clients file named ${clients.suggestedFilename()}`);
    const text = fs.readFileSync(await clients.path(), 'utf8');
    check(text.startsWith('id,name,email,phone,created_at,appointments\r\n'), `clients file begins ${text.slice(0, 60)}`);
    await page.locator('#from').fill('2026-11-01');
    await page.locator('#to').fill('2026-11-30');
    const [appts] = await Promise.all([page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download appointments (CSV)' }).click()]);
    check(appts.suggestedFilename() === 'appointments-2026-11-01-to-2026-11-30.csv', `appointments file named ${appts.suggestedFilename()}`);
    const rows = fs.readFileSync(await appts.path(), 'utf8').trim().split('\r\n');
    check(rows[0].startsWith('id,date,time,start,end,service_id'), `appointments header ${rows[0]}`);
    check(rows.length === 2 && rows[1].includes(',Eve Export,eve.export@example.com,'), `the file holds ${rows.slice(1).join(' / ')}`);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/admin/export', { waitUntil: 'load' });
    await checkPage(h, page, w, 'phone', 'export', '390 px phone');
  });
}
