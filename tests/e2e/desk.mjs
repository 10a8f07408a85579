// Browser cases for the front desk, run by tests/e2e/run.mjs (which passes its
// runner and helpers in, so that these cases count in its RESULT line).
//
// Starts its own `knead demo` + `knead serve --now 2026-11-24T09:00:00-09:00`
// (Tuesday 09:00 in Anchorage), then at tablet width (1024 px): the front desk
// signs in, books a walk-in for a 60-minute deep-tissue session with Maren
// Holt at 09:30 (inside the three-hour online notice), checks the client in
// (completing waits for the start: status follows the clock) and undoes the
// check-in with a reason; then opens the client list and the client's
// page.  axe-core runs on every page (no serious or critical violations);
// each is screenshotted as desk-*.png.  Nothing but 127.0.0.1 is contacted.

import { checkPage, clickThrough, withPinnedServer } from './lib.mjs';

const NOW = '2026-11-24T09:00:00-09:00';
const WALK_IN = '2026-11-24T09:30:00-09:00';
const TABLET = { width: 1024, height: 768 };

// Runs the front-desk cases.  h: { browser, knead, shots, test, check,
// newContext, watch, runAxe } from run.mjs.
export async function deskCases(h) {
  await withPinnedServer(h, 'desk', NOW, async (server, contexts) => {
    const ctx = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport: TABLET });
    contexts.push(ctx);
    await cases(h, ctx);
  });
}

async function cases(h, ctx) {
  const { test, check, watch } = h;
  const page = await ctx.newPage();
  const w = watch(page);

  // Every page: one h1, nothing wider than the tablet, axe clean, a screenshot.
  const step = (name) => checkPage(h, page, w, name, 'desk', '1024 px viewport');

  const click = (locator, what) => clickThrough(h, page, locator, what);

  async function status() {
    return ((await page.locator('#appt-status').textContent()) || '').trim();
  }

  let appt = null;
  await test('desk (1024 px): sign in → Book → walk-in at 09:30 with Maren Holt, 60 min → appointment page', async () => {
    let res = await page.goto('/login', { waitUntil: 'load' });
    check(res.status() === 200, `GET /login: ${res.status()}`);
    await page.getByLabel('Email').fill('desk@chugachbodywork.example');
    await page.getByLabel('Password', { exact: true }).fill('demo-desk-pass');
    await click(page.locator('form[action="/login"] button[type="submit"]'), 'sign-in button');
    check(new URL(page.url()).pathname === '/staff', `signed in to ${page.url()}`);
    await step('day');

    await click(page.getByRole('navigation', { name: 'Back office' }).getByRole('link', { name: 'Book', exact: true }), '"Book" link');
    check(new URL(page.url()).pathname === '/staff/book', `"Book" led to ${page.url()}`);
    await step('book');

    await page.locator('#service').selectOption('deep-tissue-60');
    await page.locator('#therapist').selectOption('maren-holt');
    await page.locator('#date').fill('2026-11-24');
    await click(page.getByRole('button', { name: 'Show times' }), '"Show times" button');
    const radio = page.locator(`input[name="start"][value="${WALK_IN}"]`);
    check(await radio.count() === 1, `09:30 (inside the notice) is not offered on ${page.url()}`);
    const id = await radio.getAttribute('id');
    await page.locator(`label[for="${id}"]`).click();
    check(await radio.isChecked(), '09:30 did not get checked');
    await page.locator('#name').fill('Walter Walkin');
    await page.locator('#email').fill('walter@example.com');
    await page.locator('#phone').fill('(907) 555-0177');
    await step('book-times');
    res = await click(page.getByRole('button', { name: 'Book', exact: true }), '"Book" button');
    appt = new URL(page.url()).pathname;
    check(/^\/staff\/appointments\/\d+$/.test(appt), `booking led to ${page.url()} (HTTP ${res && res.status()})`);
    const text = await page.locator('main, body').first().textContent();
    check(/Walter Walkin/.test(text) && /Maren Holt/.test(text) && /9:30 AM/.test(text),
      'the appointment page does not show the client, therapist and 9:30 AM');
    check(await status() === 'Booked', `status is "${await status()}"`);
    await step('appointment-booked');
  });

  await test('desk: check the client in; completing waits for the start; the check-in is undone the same day', async () => {
    check(appt, 'no appointment was booked');
    await click(page.getByRole('button', { name: 'Check in' }), '"Check in" button');
    check(new URL(page.url()).pathname === appt, `check-in led to ${page.url()}`);
    check(await status() === 'Checked in', `status after check-in is "${await status()}"`);
    check(await page.getByRole('button', { name: 'Complete' }).count() === 0, '"Complete" is offered before the 9:30 start');
    const said = (await page.locator('.status-later').allTextContents()).join(' ');
    check(/Complete: from/.test(said), `no line says from when the appointment can be completed: "${said}"`);
    await step('appointment-checked-in');
    await page.getByLabel(/Reason for undoing/).fill('Checked in the wrong Walter');
    await click(page.getByRole('button', { name: /^Undo/ }), '"Undo" button');
    check(new URL(page.url()).pathname === appt, `undo led to ${page.url()}`);
    check(await status() === 'Booked', `status after undoing is "${await status()}"`);
    const history = (await page.locator('#appt-events').textContent()) || '';
    check(/Undone: Checked in → Booked/.test(history) && /wrong Walter/.test(history),
      `the status history does not show the undo: "${history.replace(/\s+/g, ' ')}"`);
    check(await page.getByRole('button', { name: 'Check in' }).count() === 1, 'an undone check-in does not offer "Check in" again');
    await step('appointment-undone');
  });

  await test('desk: the day view links the walk-in; the client list and page', async () => {
    await page.goto('/staff?date=2026-11-24', { waitUntil: 'load' });
    check(await page.locator(`a[href="${appt}"]`).count() === 1, 'the day view does not link the appointment');
    await click(page.getByRole('navigation', { name: 'Back office' }).getByRole('link', { name: 'Clients', exact: true }), '"Clients" link');
    await page.getByLabel('Name, email or phone').fill('walter');
    await click(page.getByRole('button', { name: 'Search' }), '"Search" button');
    await step('clients');
    await click(page.getByRole('link', { name: 'Walter Walkin' }), 'the client link');
    check(/^\/staff\/clients\/\d+$/.test(new URL(page.url()).pathname), `client link led to ${page.url()}`);
    await step('client');
  });

  // issue 13 item 21: the desk stops text messages to a number, and lets them through again
  await test('desk: stop text messages to the client\'s number, then allow them again (1024 px and 390 px)', async () => {
    const client = new URL(page.url()).pathname;
    check(/^\/staff\/clients\/\d+$/.test(client), `not on a client page: ${page.url()}`);
    const section = () => page.locator('section[aria-labelledby="texts-title"]');
    check(/\+19075550177 gets reminders by text/.test(await section().textContent()),
      'the client page does not say the number gets texts');
    await click(page.getByRole('button', { name: 'Stop text messages to this number' }), '"Stop text messages" button');
    check(new URL(page.url()).pathname === client, `stopping led to ${page.url()}`);
    const said = ((await section().textContent()) || '').replace(/\s+/g, ' ');
    check(/has opted out of text messages since Tuesday, November 24, 2026/.test(said) &&
      /marked by the front desk/.test(said), `the page does not say the number opted out: "${said}"`);
    await step('client-texts-stopped');
    await page.setViewportSize({ width: 390, height: 844 });
    await checkPage(h, page, w, 'client-texts-stopped-phone', 'desk', '390 px viewport');
    await click(page.getByRole('button', { name: 'The client asked for texts again' }), '"asked for texts again" button');
    check(/gets reminders by text/.test(await section().textContent()), 'the number did not get texts again');
    await checkPage(h, page, w, 'client-texts-allowed-phone', 'desk', '390 px viewport');
    await page.setViewportSize(TABLET);
  });

  // issue 13 item 4: a client who has only a phone, booked on a phone-sized screen
  await test('desk (390 px): book a client with a phone and no e-mail; the page shows the confirmation to read out', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const phoneStep = (name) => checkPage(h, page, w, name, 'desk', '390 px viewport');
    await page.goto('/staff/book?service=deep-tissue-60&therapist=maren-holt&date=2026-11-25', { waitUntil: 'load' });
    const radio = page.locator('input[name="start"]').first();
    check(await radio.count() === 1, `no free time offered on ${page.url()}`);
    const id = await radio.getAttribute('id');
    await page.locator(`label[for="${id}"]`).click();
    await page.locator('#name').fill('Pia Phoneonly');
    await page.locator('#phone').fill('907.555.0178');
    check(await page.locator('#email').getAttribute('required') === null, 'the e-mail is still required at the desk');
    await phoneStep('book-phone-only');
    const res = await click(page.getByRole('button', { name: 'Book', exact: true }), '"Book" button');
    check(/^\/staff\/appointments\/\d+$/.test(new URL(page.url()).pathname),
      `booking led to ${page.url()} (HTTP ${res && res.status()})`);
    const said = ((await page.locator('#readout').textContent()) || '').replace(/\s+/g, ' ');
    check(/Read the confirmation to the client/.test(said) && /Wednesday, November 25, 2026/.test(said) &&
      /Maren Holt/.test(said) && /The price is \$/.test(said),
      `the page does not show the confirmation to read out: "${said}"`);
    await phoneStep('appointment-read-out');
    await page.setViewportSize(TABLET);
  });
}
