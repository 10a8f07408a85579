// Browser cases for the clinic's money at the desk (issue 11), run by
// tests/e2e/run.mjs (which passes its runner and helpers in).
//
// Starts its own `knead demo` + `knead serve --now 2026-11-24T09:00:00-09:00`
// (Tuesday 09:00 in Anchorage).  At tablet width (1024 px) the front desk
// books a walk-in with Maren Holt at 09:30 and checks her in, opens the
// checkout, adds an add-on and a tip, previews and issues the invoice, takes
// a split payment (card on the terminal, then cash with change) and opens
// the receipt (also at phone width, 390 px); records a doctor's referral and
// (through `knead debug sql`, as the client's health form would) a date of
// birth, then checks the superbill field by field at desktop width
// (1280 px); and closes out the day with a drawer two dollars short.  axe
// runs on every page; each is screenshotted as money-*.png.

import { spawnSync } from 'node:child_process';
import { checkPage, clickThrough, withPinnedServer } from './lib.mjs';

const NOW = '2026-11-24T09:00:00-09:00';
const WALK_IN = '2026-11-24T09:30:00-09:00';
const TABLET = { width: 1024, height: 768 };
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

export async function moneyCases(h) {
  await withPinnedServer(h, 'money', NOW, async (server, contexts) => {
    const ctx = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport: TABLET });
    contexts.push(ctx);
    await cases(h, ctx, server);
  });
}

function sql(server, query, args = []) {
  const r = spawnSync(server.knead, ['debug', 'sql', '--db', server.db, query, JSON.stringify(args)],
    { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) throw new Error(`knead debug sql: ${r.error ? r.error.message : r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function cases(h, ctx, server) {
  const { test, check, watch } = h;
  const page = await ctx.newPage();
  const w = watch(page);
  let width = '1024 px viewport';
  const step = (name) => checkPage(h, page, w, name, 'money', width);
  const click = (locator, what) => clickThrough(h, page, locator, what);
  const main = async () => ((await page.locator('main').textContent()) || '').replace(/\s+/g, ' ');

  let appt = null;
  let receipt = null;
  await test('money (1024 px): the desk books a walk-in and checks her in; the checkout opens', async () => {
    let res = await page.goto('/login', { waitUntil: 'load' });
    check(res.status() === 200, `GET /login: ${res.status()}`);
    await page.getByLabel('Email').fill('desk@chugachbodywork.example');
    await page.getByLabel('Password', { exact: true }).fill('demo-desk-pass');
    await click(page.locator('form[action="/login"] button[type="submit"]'), 'sign-in button');
    await page.goto('/staff/book?service=deep-tissue-60&therapist=maren-holt&date=2026-11-24', { waitUntil: 'load' });
    const radio = page.locator(`input[name="start"][value="${WALK_IN}"]`);
    check(await radio.count() === 1, '09:30 is not offered');
    await page.locator(`label[for="${await radio.getAttribute('id')}"]`).click();
    await page.locator('#name').fill('Mina Money');
    await page.locator('#email').fill('mina@example.com');
    await click(page.getByRole('button', { name: 'Book', exact: true }), '"Book" button');
    appt = new URL(page.url()).pathname;
    check(/^\/staff\/appointments\/\d+$/.test(appt), `booking led to ${page.url()}`);
    check(/checkout opens once the client is checked in/.test(await main()), 'the appointment does not say when the checkout opens');
    await click(page.getByRole('button', { name: 'Check in' }), '"Check in" button');
    await click(page.getByRole('link', { name: 'Check out Mina Money' }), '"Check out" link');
    check(new URL(page.url()).pathname === `${appt}/checkout`, `checkout link led to ${page.url()}`);
    check(/Deep Tissue Massage \(60 minutes\): \$120\.00/.test(await main()), 'the visit line is not shown');
    await step('checkout');
  });

  await test('money: add-on, tip, preview, issue; card then cash with change; paid in full', async () => {
    check(appt, 'no appointment');
    await page.getByLabel('Add-on 1', { exact: true }).fill('Hot stones');
    await page.getByLabel('Price of add-on 1').fill('15');
    await page.getByLabel(/^Tip/).fill('20');
    await click(page.getByRole('button', { name: 'Preview' }), '"Preview" button');
    check(((await page.locator('#preview-total').textContent()) || '').trim() === '$155.00',
      `preview total: ${await page.locator('#preview-total').textContent()}`);
    await step('checkout-preview');
    await click(page.getByRole('button', { name: 'Issue invoice' }), '"Issue invoice" button');
    check(/The invoice was issued/.test(await main()), 'no word that the invoice was issued');
    check(/Take a payment: \$155\.00 due/.test(await main()), 'the payment form does not show $155.00 due');

    await page.getByLabel('Card (terminal)').check();
    await page.getByLabel(/^Amount/).fill('55');
    await page.getByLabel(/^Reference/).fill('AUTH 5512');
    await click(page.getByRole('button', { name: 'Take payment' }), '"Take payment" button');
    check(/Card \(terminal\): \$55\.00 taken/.test(await main()), 'the card payment is not confirmed');
    check(/Take a payment: \$100\.00 due/.test(await main()), '$100.00 is not left to pay');

    await page.getByLabel('Cash', { exact: true }).check();
    await page.getByLabel(/^Cash handed over/).fill('120');
    await click(page.getByRole('button', { name: 'Take payment' }), '"Take payment" button');
    const said = await main();
    check(/Change to give back: \$20\.00/.test(said), 'the change is not shown');
    check(/Paid in full/.test(said), 'the invoice is not paid in full');
    check(await page.getByRole('button', { name: 'Take payment' }).count() === 0, 'a paid invoice still takes payments');
    await step('checkout-paid');
    await click(page.getByRole('link', { name: 'Receipt' }), '"Receipt" link');
    receipt = new URL(page.url()).pathname;
    check(/^\/staff\/invoices\/\d+$/.test(receipt), `receipt link led to ${page.url()}`);
  });

  await test('money: the receipt names the clinic, the number, the lines, the payments and the balance (tablet and phone)', async () => {
    check(receipt, 'no receipt');
    const t = await main();
    for (const want of ['Chugach Bodywork', '1420 West Fireweed Lane', 'Invoice 1', 'Mina Money',
      'Deep Tissue Massage (60 minutes)', 'Hot stones', 'Subtotal', '$135.00', 'Tip', '$20.00',
      'Total', '$155.00', 'Card (terminal) (AUTH 5512)', 'Cash', 'change $20.00', 'Paid in full']) {
      check(t.includes(want), `the receipt does not show "${want}"`);
    }
    check(await page.getByRole('button', { name: /E-mail the receipt to mina@example\.com/ }).count() === 1,
      'no "E-mail the receipt" button');
    await step('receipt');
    await page.setViewportSize(PHONE);
    width = '390 px viewport';
    await page.reload({ waitUntil: 'load' });
    await step('receipt-phone');
    await page.setViewportSize(TABLET);
    width = '1024 px viewport';
  });

  await test('money (1280 px): the superbill, field by field', async () => {
    check(appt, 'no appointment');
    const cid = sql(server, 'SELECT client_id FROM appointments WHERE id = ?', [Number(appt.split('/').pop())])[0][0];
    await page.goto(`/staff/clients/${cid}/referrals/new`, { waitUntil: 'load' });
    await page.getByLabel('Physician').fill('Dr. Ana Ruiz');
    await page.getByLabel(/^Practice/).fill('Midtown Family Medicine');
    await page.getByLabel('Date of referral').fill('2026-11-01');
    await page.getByLabel('Diagnosis').fill('Low back pain');
    await page.getByLabel(/^ICD-10 code/).fill('M54.50');
    await page.getByLabel('Visits authorised').fill('8');
    await page.getByLabel(/^Valid until/).fill('2027-01-15');
    await click(page.getByRole('button', { name: 'Record referral' }), '"Record referral" button');
    sql(server, "INSERT INTO intakes (client_id, email, phone, birth_date, emergency_name, emergency_phone," +
      " reason, pain, onset, pressure, consent_name, consent_at, created_at, updated_at)" +
      " VALUES (?, 'mina@example.com', '', '1981-07-02', 'Mo Money', '907-555-0100', 'Back', 4," +
      " 'gradual_posture', 'firm', 'Mina Money', 0, 0, 0)", [cid]);

    await page.setViewportSize(DESKTOP);
    width = '1280 px viewport';
    await page.goto(`/staff/clients/${cid}`, { waitUntil: 'load' });
    check(/Nothing owed/.test(await main()), 'the client page does not show the balance');
    await click(page.getByRole('link', { name: 'Superbill for insurance' }), '"Superbill" link');
    await page.getByLabel('From').fill('2026-11-01');
    await page.getByLabel('To').fill('2026-11-30');
    await click(page.getByRole('button', { name: 'Show' }), '"Show" button');
    const field = async (label, scope = page.locator('#sb-provider-fields')) =>
      ((await scope.locator(`div:has(> dt:text-is("${label}")) dd`).first().textContent()) || '').trim();
    check(await field('Practice') === 'Chugach Bodywork', `practice: ${await field('Practice')}`);
    check(/1420 West Fireweed Lane/.test(await field('Address')), `address: ${await field('Address')}`);
    check(await field('Phone') === '(907) 555-0142', `phone: ${await field('Phone')}`);
    const th = page.locator('.sb-therapist').first();
    check(await field('Therapist', th) === 'Maren Holt', `therapist: ${await field('Therapist', th)}`);
    check(await field('NPI', th) === '1582047316', `therapist NPI: ${await field('NPI', th)}`);
    check(await field('Licence', th) === 'MAS-1207', `licence: ${await field('Licence', th)}`);
    check(((await page.locator('#sb-patient-name').textContent()) || '').trim() === 'Mina Money', 'patient name');
    check(((await page.locator('#sb-birth-date').textContent()) || '').trim() === '1981-07-02', 'date of birth');
    check(/M54\.50\s+Low back pain/.test((await page.locator('.sb-diagnosis').textContent()) || ''), 'diagnosis');
    check(/Dr\. Ana Ruiz, Midtown Family Medicine/.test((await page.locator('.sb-doctor').textContent()) || ''), 'referring doctor');
    const rows = page.locator('tr.sb-visit');
    check(await rows.count() === 1, `${await rows.count()} visits`);
    const cells = (await rows.first().locator('td').allTextContents()).map((c) => c.replace(/\s+/g, ' ').trim());
    check(cells[0] === '2026-11-24', `date of service: ${cells[0]}`);
    check(/^97124 Deep Tissue Massage \(60 minutes\)/.test(cells[1]), `procedure: ${cells[1]}`);
    check(cells[2] === '4', `units: ${cells[2]}`);
    check(cells[3] === 'M54.50', `diagnosis code: ${cells[3]}`);
    check(cells[4] === 'Maren Holt', `therapist: ${cells[4]}`);
    check(cells[5] === '$135.00' && cells[6] === '$135.00', `charge and paid: ${cells[5]} ${cells[6]} (the tip is not charged)`);
    check(((await page.locator('#sb-balance').textContent()) || '').trim() === '$0.00', 'balance');
    await step('superbill');
    await page.setViewportSize(TABLET);
    width = '1024 px viewport';
  });

  await test('money: the close-out by method, the drawer counted two dollars short', async () => {
    await page.goto('/staff', { waitUntil: 'load' });
    await click(page.getByRole('navigation', { name: 'Back office' }).getByRole('link', { name: 'Close-out' }), '"Close-out" link');
    check(new URL(page.url()).pathname === '/staff/closeout', `close-out link led to ${page.url()}`);
    const cash = (await page.locator('tr[data-method="cash"]').textContent()) || '';
    const card = (await page.locator('tr[data-method="card"]').textContent()) || '';
    check(/\$100\.00/.test(cash), `cash row: ${cash}`);
    check(/\$55\.00/.test(card), `card row: ${card}`);
    await page.getByLabel(/^Float/).fill('100');
    await page.getByLabel('Cash counted in the drawer').fill('198');
    await click(page.getByRole('button', { name: 'Record the count' }), '"Record the count" button');
    check(((await page.locator('#drawer-expected').textContent()) || '').trim() === '$200.00', 'expected cash');
    check(((await page.locator('#drawer-difference').textContent()) || '').trim() === '$2.00 short', 'difference');
    await step('closeout');
  });
}
