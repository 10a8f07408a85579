// Browser cases for money online (issue 11 items 5-6), run by tests/e2e/run.mjs.
//
// Starts the fake payment provider (tests/http/fakepay.py) on a loopback port and its
// own `knead serve` configured for it ([payments]), the clock pinned; the demo's
// deep-tissue-60 asks a $25 deposit and states a $40 late-cancel and a 50 % no-show fee.
//   1. phone (390x844): a client books online, agrees to the fees, pays the deposit on the
//      provider's page, and comes back to "You're booked" and "Deposit of $25 paid".
//   2. phone (390x844): a gift card bought online (/gift-cards) for a recipient and a day,
//      paid on the provider's page; the webhook sells it, and no code is on any page.
//   3. desktop (1280): the desk marks a visit a no-show; its checkout shows the no-show fee
//      invoice (the card declined: the fee stays on the balance) and the receipt its line.
//   4. desktop (1280): the desk refunds the online deposit to the card; the provider
//      declines, the receipt says why, and the desk refunds it in cash instead.
// axe-core finds no violation on Knead's pages; each is screenshotted as pay-*.png.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPage, clickThrough, sleep, startPinnedServer, stopServer, testCleanStop } from './lib.mjs';

const NOW = '2026-11-24T09:00:00-09:00';
const NOW_EPOCH = 1795543200;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const HERE = path.dirname(fileURLToPath(import.meta.url));

function sql(db, query, ...args) {
  const py = `
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
rows = con.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall()
con.commit()
print(json.dumps(rows))`;
  const r = spawnSync('python3', ['-c', py, db, query, JSON.stringify(args)], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`sql ${query}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function startFake() {
  const child = spawn('python3', [path.join(HERE, '..', 'http', 'fakepay.py'), String(NOW_EPOCH)],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const m = out.match(/fakepay (\d+)/);
    if (m) return { child, port: Number(m[1]), base: `http://127.0.0.1:${m[1]}` };
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error('the fake payment provider did not start');
}

async function control(fake, form) {
  const res = await fetch(`${fake.base}/_control`, {
    method: 'POST', body: new URLSearchParams(form),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  if (res.status !== 200) throw new Error(`fakepay control: ${res.status}`);
}

export async function payCases(h) {
  const { test } = h;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'knead-e2e-pay-'));
  let fake = null;
  let server = null;
  const contexts = [];
  await test('pay: the fake payment provider and a server configured for it start', async () => {
    fake = await startFake();
    const ini = path.join(tmp, 'pay.ini');
    fs.writeFileSync(ini, `[payments]\nbase_url = ${fake.base}\nkey = sk_test_knead\n` +
      'webhook_secret = whsec_knead_test\ntimeout_seconds = 5\n');
    server = await startPinnedServer(h.knead, tmp, NOW, 'pay', [], ['--config', ini]);
    await control(fake, { port: new URL(server.base).port });
    sql(server.db, "UPDATE services SET deposit_kind = 'amount', deposit_value = 2500, " +
      "late_fee_kind = 'amount', late_fee_value = 4000, noshow_fee_kind = 'percent', " +
      "noshow_fee_value = 5000 WHERE id = 'deep-tissue-60'");
  });
  try {
    if (server) await cases(h, server, fake, contexts);
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
    if (server) server.result = await stopServer(server);
    if (fake) { fake.child.stdin.end(); fake.child.kill('SIGTERM'); }
  }
  if (server) await testCleanStop(h, 'pay', server);
  fs.rmSync(tmp, { recursive: true, force: true });
}

async function cases(h, server, fake, contexts) {
  const { test, check, watch } = h;
  const phone = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport: PHONE });
  contexts.push(phone);
  const page = await phone.newPage();
  const w = watch(page);

  await test('pay (390x844): book online, agree to the fees, pay the deposit on the provider\'s page, back to "booked"', async () => {
    const res = await page.goto(`/book?service=deep-tissue-60&therapist=maren-holt&start=${encodeURIComponent('2026-11-25T10:00:00-09:00')}`, { waitUntil: 'load' });
    check(res.status() === 200, `details page: ${res.status()}`);
    const words = await page.locator('#fees-words').innerText();
    check(/late-cancellation fee of \$40/.test(words) && /no-show fee of \$60/.test(words), `fees in words: ${words}`);
    await checkPage(h, page, w, 'details-with-fees', 'pay', '390 px phone viewport');
    await page.locator('#name').fill('Petra Payer');
    await page.locator('#email').fill('petra@example.com');
    await page.locator('#phone').fill('907 555 0123');
    await page.getByLabel('I agree to these fees').check();
    const [nav] = await Promise.all([page.waitForURL(`${fake.base}/pay/**`),
      page.locator('form[action="/book"] button[type="submit"]').click()]);
    void nav;
    check(/Pay 25\.00/.test(await page.locator('#what').innerText()), 'the provider page does not ask $25.00');
    w.problems.length = 0; // the fake provider's own page is not Knead's
    await Promise.all([page.waitForURL(`${server.base}/a/**`), page.getByRole('button', { name: 'Pay' }).click()]);
    const t = await page.locator('main').innerText();
    check(/You’re booked/.test(t), `not booked after paying:\n${t.slice(0, 400)}`);
    check(/Deposit of \$25 paid/.test(t), 'the deposit is not shown as paid');
    await checkPage(h, page, w, 'booked-deposit-paid', 'pay', '390 px phone viewport');
    const all = await h.runAxe(page);
    check(all.length === 0, `axe-core: ${all.map((v) => v.id).join(', ')}`);
  });

  await test('pay (390x844): buy a gift card online on the provider\'s page; the webhook sells it', async () => {
    const res = await page.goto('/gift-cards', { waitUntil: 'load' });
    check(res.status() === 200, `gift card page: ${res.status()}`);
    await checkPage(h, page, w, 'gift-card-form', 'pay', '390 px phone viewport');
    await page.getByLabel(/^Amount/).fill('60');
    await page.getByLabel('Your name', { exact: true }).fill('Gina Giver');
    await page.getByLabel('Your e-mail', { exact: true }).fill('gina@example.com');
    await page.getByLabel(/^Their name/).fill('Rita Recipient');
    await page.getByLabel(/^Their e-mail/).fill('rita@example.com');
    await page.getByLabel('Send it on').fill('2026-12-24');
    await page.getByLabel(/^Your message/).fill('Enjoy!');
    await Promise.all([page.waitForURL(`${fake.base}/pay/**`),
      page.getByRole('button', { name: 'Continue to payment' }).click()]);
    check(/Pay 60\.00/.test(await page.locator('#what').innerText()), 'the provider page does not ask $60.00');
    check(sql(server.db, "SELECT count(*) FROM gift_cards WHERE recipient_email = 'rita@example.com'")[0][0] === 0,
      'a card was sold before it was paid');
    w.problems.length = 0; // the fake provider's own page is not Knead's
    await Promise.all([page.waitForURL(`${server.base}/gift-cards?paid=1`),
      page.getByRole('button', { name: 'Pay' }).click()]);
    const t = await page.locator('main').innerText();
    check(/Thank you for your order/.test(t), `no thanks after paying:\n${t.slice(0, 400)}`);
    check(!/[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}/.test(t), 'a code is on the page');
    const rows = sql(server.db, "SELECT amount_cents, send_at FROM gift_cards WHERE recipient_email = 'rita@example.com'");
    check(rows.length === 1 && rows[0][0] === 6000 && rows[0][1] === 1798135200,
      `the card sold: ${JSON.stringify(rows)}`);
    await checkPage(h, page, w, 'gift-card-paid', 'pay', '390 px phone viewport');
    const all = await h.runAxe(page);
    check(all.length === 0, `axe-core: ${all.map((v) => v.id).join(', ')}`);
  });

  const desk = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport: DESKTOP });
  contexts.push(desk);
  const dp = await desk.newPage();
  const dw = watch(dp);
  await test('pay (1280): the desk marks a no-show; the card is declined, the fee is on the balance and its receipt', async () => {
    const [[id]] = sql(server.db, 'SELECT max(id) FROM appointments');
    // the visit started an hour ago, and the card on file will be declined
    sql(server.db, 'UPDATE appointments SET start_at = ?, end_at = ? + 3600, busy_until = ? + 4500 WHERE id = ?',
      NOW_EPOCH - 3600, NOW_EPOCH - 3600, NOW_EPOCH - 3600, id);
    await control(fake, { port: new URL(server.base).port, fault: 'decline' });
    await dp.goto('/login', { waitUntil: 'load' });
    await dp.getByLabel('Email').fill('desk@chugachbodywork.example');
    await dp.getByLabel('Password', { exact: true }).fill('demo-desk-pass');
    await clickThrough(h, dp, dp.locator('form[action="/login"] button[type="submit"]'), 'sign-in button');
    await dp.goto(`/staff/appointments/${id}`, { waitUntil: 'load' });
    await clickThrough(h, dp, dp.getByRole('button', { name: 'Mark no-show', exact: true }), '"Mark no-show" button');
    await clickThrough(h, dp, dp.getByRole('button', { name: 'Yes, mark no-show' }), 'the no-show confirmation');
    await dp.goto(`/staff/appointments/${id}/checkout`, { waitUntil: 'load' });
    const t = await dp.locator('main').innerText();
    check(/owes \$35/.test(t), `the balance does not owe the fee less the deposit:\n${t.slice(0, 600)}`);
    await checkPage(h, dp, dw, 'checkout-no-show-fee', 'pay', '1280 px viewport');
    await clickThrough(h, dp, dp.getByRole('link', { name: 'Receipt' }), '"Receipt" link');
    const r = await dp.locator('main').innerText();
    check(/No-show fee: Deep Tissue Massage \(60 minutes\)/.test(r), `no fee line on the receipt:\n${r.slice(0, 600)}`);
    await checkPage(h, dp, dw, 'receipt-no-show-fee', 'pay', '1280 px viewport');
    const all = await h.runAxe(dp);
    check(all.length === 0, `axe-core: ${all.map((v) => v.id).join(', ')}`);
  });
  await test('pay (1280): a refund of the online deposit goes to the provider; declined, the desk refunds it in cash', async () => {
    // the provider still declines (the fault above): the refund to the card fails
    const section = dp.locator('section', { has: dp.getByRole('heading', { name: /Refund the Card \(online\) payment of \$25\.00/ }) });
    check(await section.getByRole('radio', { name: /the card it was paid with/ }).isChecked(), 'the card is not the default');
    await section.getByLabel('Reason').fill('Wrong client marked');
    await clickThrough(h, dp, section.getByRole('button', { name: 'Refund' }), 'the refund button');
    let r = await dp.locator('main').innerText();
    check(/did not refund the card/.test(r), `no decline notice:\n${r.slice(0, 600)}`);
    check(/Refund to Card \(online\) failed/.test(r) && /refund cannot reach it/.test(r), `the failed refund is not shown:\n${r.slice(0, 900)}`);
    await checkPage(h, dp, dw, 'receipt-refund-declined', 'pay', '1280 px viewport');
    let all = await h.runAxe(dp);
    check(all.length === 0, `axe-core: ${all.map((v) => v.id).join(', ')}`);
    await control(fake, { port: new URL(server.base).port, fault: '' });
    const again = dp.locator('section', { has: dp.getByRole('heading', { name: /Refund the Card \(online\) payment of \$25\.00/ }) });
    await again.getByLabel('Reason').fill('Card closed: cash back');
    await again.getByRole('radio', { name: /Cash from the drawer/ }).check();
    await clickThrough(h, dp, again.getByRole('button', { name: 'Refund' }), 'the cash refund button');
    r = await dp.locator('main').innerText();
    check(/The refund was recorded/.test(r) && /Refunded to Cash/.test(r), `the cash refund is not shown:\n${r.slice(0, 900)}`);
    const rows = sql(server.db, "SELECT status, method FROM refunds ORDER BY id");
    check(JSON.stringify(rows) === '[["failed",""],["completed","cash"]]', `refunds: ${JSON.stringify(rows)}`);
    await checkPage(h, dp, dw, 'receipt-refund-cash', 'pay', '1280 px viewport');
    all = await h.runAxe(dp);
    check(all.length === 0, `axe-core: ${all.map((v) => v.id).join(', ')}`);
  });

  await test('pay (390x844): declined on the provider\'s page, back to the clinic: "Waiting for your deposit" with the way to pay', async () => {
    await page.goto(`/book?service=deep-tissue-60&therapist=maren-holt&start=${encodeURIComponent('2026-11-25T13:00:00-09:00')}`, { waitUntil: 'load' });
    await page.locator('#name').fill('Hana Held');
    await page.locator('#email').fill('hana.held@example.com');
    await page.locator('#phone').fill('907 555 0124');
    await page.getByLabel('I agree to these fees').check();
    await Promise.all([page.waitForURL(`${fake.base}/pay/**`),
      page.locator('form[action="/book"] button[type="submit"]').click()]);
    await page.getByRole('button', { name: 'Decline' }).click();
    w.problems.length = 0; // the fake provider's own page (402) is not Knead's
    await Promise.all([page.waitForURL(`${server.base}/a/**`),
      page.getByRole('link', { name: 'Back to the clinic' }).click()]);
    const t = await page.locator('main').innerText();
    check(/Waiting for your deposit/.test(t), `the held page does not say it waits:\n${t.slice(0, 400)}`);
    check(!/You’re booked/.test(t), 'a held booking is shown as booked');
    check(await page.getByRole('button', { name: 'Pay the deposit' }).isVisible(), 'no way to pay the deposit');
    // the provider page's 402 can be reported after the clear above (a loaded machine)
    for (let i = w.problems.length - 1; i >= 0; i--) if (w.problems[i].includes(fake.base)) w.problems.splice(i, 1);
    await checkPage(h, page, w, 'held-waiting-for-deposit', 'pay', '390 px phone viewport');
    const all = await h.runAxe(page);
    check(all.length === 0, `axe-core: ${all.map((v) => v.id).join(', ')}`);
  });
}
