// Browser cases for packages and gift cards (issue 11 items 7-8), run by
// tests/e2e/run.mjs (which passes its runner and helpers in).
//
// Starts its own `knead demo` + `knead serve --now 2026-11-24T09:00:00-09:00`
// (Tuesday 09:00 in Anchorage).  At desktop width (1280 px) the admin adds a
// package (5 x deep tissue 60, 10 % off, valid 12 months).  At tablet width
// (1024 px) the front desk books Pat Prepaid at 09:30, sells her the package
// from her page (cash, with change), books her again at 11:00 -- which uses a
// credit -- checks her in and pays that visit with the package credit.  At
// phone width (390 px) the desk sells a gift card (the code shown once), then
// at tablet width spends $50 of it on the 09:30 visit and the rest in cash.
// axe runs on every page; each is screenshotted as prepaid-*.png.

import { checkPage, clickThrough, withPinnedServer } from './lib.mjs';

const NOW = '2026-11-24T09:00:00-09:00';
const FIRST = '2026-11-24T09:30:00-09:00';
const SECOND = '2026-11-24T11:00:00-09:00';
const TABLET = { width: 1024, height: 768 };
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

export async function prepaidCases(h) {
  await withPinnedServer(h, 'prepaid', NOW, async (server, contexts) => {
    const admin = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport: DESKTOP });
    const desk = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport: TABLET });
    contexts.push(admin, desk);
    await cases(h, admin, desk);
  });
}

async function signIn(h, page, email, password) {
  const res = await page.goto('/login', { waitUntil: 'load' });
  h.check(res.status() === 200, `GET /login: ${res.status()}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await clickThrough(h, page, page.locator('form[action="/login"] button[type="submit"]'), 'sign-in button');
}

async function cases(h, adminCtx, deskCtx) {
  const { test, check, watch } = h;
  const admin = await adminCtx.newPage();
  const page = await deskCtx.newPage();
  const wa = watch(admin);
  const w = watch(page);
  let width = '1024 px viewport';
  const step = (name) => checkPage(h, page, w, name, 'prepaid', width);
  const click = (locator, what) => clickThrough(h, page, locator, what);
  const main = async (p = page) => ((await p.locator('main').textContent()) || '').replace(/\s+/g, ' ');

  await test('prepaid (1280 px): the admin adds a package of 5 deep tissue sessions, 10 % off', async () => {
    await signIn(h, admin, 'admin@chugachbodywork.example', 'demo-admin-pass');
    await admin.goto('/admin', { waitUntil: 'load' });
    await clickThrough(h, admin, admin.getByRole('link', { name: 'Packages' }), '"Packages" link');
    await admin.getByLabel('Name').fill('Five deep tissue');
    await admin.getByLabel('Service covered').selectOption('deep-tissue-60');
    await admin.getByLabel('Sessions', { exact: true }).fill('5');
    await admin.getByLabel(/^Discount in percent/).fill('10');
    await admin.getByLabel(/^Valid for/).fill('12');
    await clickThrough(h, admin, admin.getByRole('button', { name: 'Add package' }), '"Add package" button');
    const t = await main(admin);
    check(/Five deep tissue\s*: 5 × Deep Tissue Massage \(60 minutes\), \$540\.00 \(10 % off\), 12 months/.test(t),
      `the package is not listed: ${t.slice(0, 400)}`);
    await checkPage(h, admin, wa, 'packages', 'prepaid', '1280 px viewport');
  });

  let client = null;
  const book = async (start) => {
    await page.goto('/staff/book?service=deep-tissue-60&therapist=maren-holt&date=2026-11-24', { waitUntil: 'load' });
    const radio = page.locator(`input[name="start"][value="${start}"]`);
    check(await radio.count() === 1, `${start} is not offered`);
    await page.locator(`label[for="${await radio.getAttribute('id')}"]`).click();
    await page.locator('#name').fill('Pat Prepaid');
    await page.locator('#email').fill('pat@example.com');
    await click(page.getByRole('button', { name: 'Book', exact: true }), '"Book" button');
    const appt = new URL(page.url()).pathname;
    check(/^\/staff\/appointments\/\d+$/.test(appt), `booking led to ${page.url()}`);
    return appt;
  };
  let first = null;
  let second = null;

  await test('prepaid (1024 px): the desk sells Pat the package; her next booking uses a credit and pays with it', async () => {
    await signIn(h, page, 'desk@chugachbodywork.example', 'demo-desk-pass');
    first = await book(FIRST);
    await click(page.getByRole('link', { name: 'Pat Prepaid' }), 'client link');
    client = new URL(page.url()).pathname;
    check(/^\/staff\/clients\/\d+$/.test(client), `client link led to ${page.url()}`);
    check(/No packages\./.test(await main()), 'the client page does not say she has no package');
    await page.getByLabel('Package to sell').selectOption({ label: 'Five deep tissue ($540.00)' });
    await page.getByLabel('Cash', { exact: true }).check();
    await page.getByLabel(/^Cash handed over/).fill('600');
    await click(page.getByRole('button', { name: 'Sell package' }), '"Sell package" button');
    let t = await main();
    check(/Package: Five deep tissue/.test(t), 'the receipt does not show the package line');
    check(/\$540\.00/.test(t), 'the receipt does not show $540.00');
    await step('package-receipt');
    await page.goto(client, { waitUntil: 'load' });
    check(/Five deep tissue\s*: 5 of 5 credits left, valid until Wednesday, November 24, 2027/.test(await main()),
      'the client page does not show 5 of 5 credits');
    await step('client-packages');

    second = await book(SECOND);
    await page.goto(client, { waitUntil: 'load' });
    check(/Five deep tissue\s*: 4 of 5 credits left/.test(await main()), 'the booking did not use a credit');
    await page.goto(second, { waitUntil: 'load' });
    await click(page.getByRole('button', { name: 'Check in' }), '"Check in" button');
    await click(page.getByRole('link', { name: 'Check out Pat Prepaid' }), '"Check out" link');
    t = await main();
    check(/This visit uses 1 credit of the client's package Five deep tissue \(4 of 5 left\)/.test(t),
      'the checkout does not say the visit uses a credit');
    await click(page.getByRole('button', { name: 'Issue invoice' }), '"Issue invoice" button');
    await page.getByLabel('Package credit (Five deep tissue)').check();
    await click(page.getByRole('button', { name: 'Take payment' }), '"Take payment" button');
    t = await main();
    check(/Package credit: \$120\.00 taken/.test(t), `the credit payment is not confirmed: ${t.slice(0, 300)}`);
    check(/Paid in full/.test(t), 'the visit is not paid in full');
    await step('checkout-package');
  });

  let code = null;
  await test('prepaid (390 px): the desk sells a $75 gift card; its code is shown once', async () => {
    await page.setViewportSize(PHONE);
    width = '390 px viewport';
    await page.goto('/staff', { waitUntil: 'load' });
    await page.goto('/admin/gift-cards', { waitUntil: 'load' });
    await page.getByLabel('Amount').fill('75');
    await page.getByLabel("Buyer's name").fill('Gus Giver');
    await page.getByLabel("Buyer's e-mail").fill('gus@example.com');
    await page.getByLabel(/^Recipient's name/).fill('Pat Prepaid');
    await page.getByLabel('Card (terminal)').check();
    await page.getByLabel(/^Terminal reference/).fill('AUTH 7501');
    await click(page.getByRole('button', { name: 'Sell gift card' }), '"Sell gift card" button');
    code = ((await page.locator('#gift-code').textContent()) || '').trim();
    check(/^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/.test(code), `the code is not shown as 4-4-4-4: "${code}"`);
    await step('gift-card-sold');
    await page.reload({ waitUntil: 'load' });
    check(!(await page.content()).includes(code), 'the code is shown again');
    check(new RegExp(`Card ending ${code.slice(-4)}\\s*: \\$75\\.00 left of \\$75\\.00`).test(await main()),
      'the card is not listed with its balance');
  });

  await test('prepaid (1024 px): $50 of the gift card pays part of a visit, cash the rest', async () => {
    await page.setViewportSize(TABLET);
    width = '1024 px viewport';
    check(code && first, 'no card or no visit');
    await page.goto(first, { waitUntil: 'load' });
    await click(page.getByRole('button', { name: 'Check in' }), '"Check in" button');
    await click(page.getByRole('link', { name: 'Check out Pat Prepaid' }), '"Check out" link');
    await click(page.getByRole('button', { name: 'Issue invoice' }), '"Issue invoice" button');
    await page.getByLabel('Gift card', { exact: true }).check();
    await page.getByLabel(/^Amount/).fill('50');
    await page.getByLabel(/^Gift card code/).fill(code.toLowerCase());
    await click(page.getByRole('button', { name: 'Take payment' }), '"Take payment" button');
    let t = await main();
    check(/Gift card: \$50\.00 taken/.test(t), `the gift card payment is not confirmed: ${t.slice(0, 300)}`);
    check(/Take a payment: \$70\.00 due/.test(t), '$70.00 is not left to pay');
    await page.getByLabel('Cash', { exact: true }).check();
    await page.getByLabel(/^Cash handed over/).fill('70');
    await click(page.getByRole('button', { name: 'Take payment' }), '"Take payment" button');
    check(/Paid in full/.test(await main()), 'the visit is not paid in full');
    await step('checkout-gift-card');
    await page.goto('/admin/gift-cards', { waitUntil: 'load' });
    t = await main();
    check(new RegExp(`Card ending ${code.slice(-4)}\\s*: \\$25\\.00 left of \\$75\\.00`).test(t),
      'the card does not show $25.00 left');
    await step('gift-cards');
  });
}
