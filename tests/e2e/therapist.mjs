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

import { checkPage, clickThrough, withPinnedServer } from './lib.mjs';

const NOW = '2026-11-24T09:00:00-09:00';
const TABLET = { width: 1024, height: 768 };
const BOOK_MAREN = '/book?service=deep-tissue-60&therapist=maren-holt&date=2026-11-25';

// Runs the therapist cases.  h: { browser, knead, shots, test, check,
// newContext, watch, runAxe } from run.mjs.
export async function therapistCases(h) {
  await withPinnedServer(h, 'therapist', NOW, (server, contexts) => cases(h, server, contexts));
}

async function cases(h, server, contexts) {
  const { browser, test, check, newContext, watch } = h;
  const base = server.base;
  const pathOf = (page) => { const u = new URL(page.url()); return u.pathname + u.search; };

  // Every page: one h1, nothing wider than the tablet, axe-core without
  // serious or critical violations, no console errors, a screenshot.
  const step = (page, w, name) => checkPage(h, page, w, name, 'therapist', '1024 px tablet');

  const click = (page, locator, what) => clickThrough(h, page, locator, what);

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
