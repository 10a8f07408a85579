// Browser cases for the front desk's calendar (issue 13 items 1-3 and 5), run by
// tests/e2e/run.mjs, which passes its runner and helpers in.
//
// Starts its own `knead demo` + `knead serve --now 2026-11-24T10:07:00-09:00`
// (Tuesday, 10:07 in Anchorage); a client books Maren Holt online for 2:00 PM.
// The desk then, at phone (390×844), tablet (1024×768) and desktop (1440×900):
// the back office's own layout; the day view as a grid (time down, four
// therapists across, fitting 1024 px; the booking a block four rows tall; a
// line at now); Enter on a free quarter hour opens the desk booking with
// therapist, date and time filled in; the week grid; the printed day sheet
// (print media: no navigation); a client found by a phone written another
// way; merging asks first with both records side by side.  The pages carry
// no script: the grid is server-rendered.  axe-core runs on every page with
// no violations of any impact; each page is screenshotted as calendar-*.png.

import { checkPage, clickThrough, repinServer, withPinnedServer } from './lib.mjs';

const NOW = '2026-11-24T10:07:00-09:00';
const DAY = '2026-11-24';
const SIZES = [
  ['phone', { width: 390, height: 844 }],
  ['tablet', { width: 1024, height: 768 }],
  ['desktop', { width: 1440, height: 900 }],
];

async function book(base, start, therapist, name, email, phone) {
  const res = await fetch(`${base}/api/v1/appointments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ service: 'deep-tissue-60', therapist, start, client: { name, email, phone } }),
  });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`booking ${start}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export async function calendarCases(h) {
  await withPinnedServer(h, 'calendar', NOW, async (server, contexts) => {
    const ctx = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport: SIZES[1][1] });
    contexts.push(ctx);
    await cases(h, server, ctx);
  });
}

async function cases(h, server, ctx) {
  const { test, check, watch, runAxe } = h;
  const page = await ctx.newPage();
  const w = watch(page);
  const click = (locator, what) => clickThrough(h, page, locator, what);
  // every page: the shared checks, and axe with no violations at all
  async function stepOn(pg, wt, name, label) {
    await checkPage(h, pg, wt, name, 'calendar', label);
    const all = await runAxe(pg);
    check(all.length === 0, `${name}: axe-core: ${all.map((v) => `${v.id} (${v.impact}) ${v.nodes.map((n) => n.target).join(', ')}`).join('; ')}`);
  }
  const step = (name, label) => stepOn(page, w, name, label);

  let appt = null;
  let walkIn = null;
  await test('calendar: a client books Maren Holt online for 2:00 PM; the desk signs in to its own layout', async () => {
    appt = await book(server.base, `${DAY}T14:00:00-09:00`, 'maren-holt', 'Cora Calendar', 'cora@example.com', '(907) 555-0123');
    await page.goto('/login', { waitUntil: 'load' });
    await page.getByLabel('Email').fill('desk@chugachbodywork.example');
    await page.getByLabel('Password', { exact: true }).fill('demo-desk-pass');
    await click(page.locator('form[action="/login"] button[type="submit"]'), 'sign-in button');
    check(new URL(page.url()).pathname === '/staff', `signed in to ${page.url()}`);
    check(await page.locator('.site-header, .site-footer').count() === 0, 'the public header or footer is on a back-office page');
    check(await page.getByRole('link', { name: 'Book online' }).count() === 0, '"Book online" is on a back-office page');
    const banner = (await page.getByRole('banner').textContent()).replace(/\s+/g, ' ');
    check(/Back office/.test(banner) && /Signed in as Rosa Delgado \(desk\)/.test(banner), `the header says "${banner}"`);
  });

  for (const [name, size] of SIZES) {
    await test(`calendar (${size.width} px): the day view is a grid — four therapists across, the booking an hour tall, now marked`, async () => {
      await page.setViewportSize(size);
      await page.goto(`/staff?date=${DAY}`, { waitUntil: 'load' });
      const grid = page.getByRole('table', { name: /Tuesday, November 24, 2026, by therapist/ });
      check(await grid.count() === 1, 'no grid table named for the day');
      const heads = (await grid.locator('thead th').allTextContents()).map((t) => t.trim());
      check(JSON.stringify(heads) === JSON.stringify(['Time', 'Maren Holt', 'Dev Okafor', 'Lena Kusugak', 'Tomas Reyes']), `columns: ${heads}`);
      const block = grid.locator('td.cal-appt', { has: page.locator(`a[href="/staff/appointments/${appt.id}"]`) });
      check(await block.count() === 1, 'the booking is not a block in the grid');
      const text = (await block.textContent()).replace(/\s+/g, ' ');
      check(/Cora Calendar/.test(text) && /Deep Tissue/.test(text) && /Booked/.test(text), `the block says "${text}"`);
      const row = await grid.locator('tbody tr').first().boundingBox();
      const box = await block.boundingBox();
      check(Math.abs(box.height - 4 * row.height) <= 4, `the 60-minute block is ${box.height}px tall, rows are ${row.height}px`);
      const now = grid.locator('tr.cal-now th');
      check(/10:00 AM, now 10:07 AM/.test(await now.textContent()), 'no row is marked now');
      if (size.width >= 1024) {
        const fits = await page.evaluate(() => { const el = document.querySelector('.cal-wrap'); return el.scrollWidth <= el.clientWidth; });
        check(fits, `four therapists do not fit ${size.width} px`);
      }
      await step(`day-${name}`, `${size.width} px viewport`);
    });
  }

  await test('calendar (1024 px): Enter on a free quarter hour opens the desk booking with therapist, date and time', async () => {
    await page.setViewportSize(SIZES[1][1]);
    await page.goto(`/staff?date=${DAY}`, { waitUntil: 'load' });
    const free = page.getByRole('link', { name: 'Book Maren Holt at 10:30 AM', exact: true });
    check(await free.count() === 1, 'no link "Book Maren Holt at 10:30 AM"');
    check(await page.getByRole('link', { name: 'Book Maren Holt at 2:15 PM', exact: true }).count() === 0, 'a booked time is offered');
    check(await page.getByRole('link', { name: 'Book Maren Holt at 9:45 AM', exact: true }).count() === 0, 'a past time is offered');
    await free.focus();
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const u = new URL(page.url());
    check(u.pathname === '/staff/book' && u.searchParams.get('therapist') === 'maren-holt' && u.searchParams.get('date') === DAY,
      `Enter led to ${page.url()}`);
    check(await page.locator('#therapist').inputValue() === 'maren-holt', 'Maren is not chosen');
    check(await page.locator('#date').inputValue() === DAY, 'the date is not filled in');
    const chosen = page.locator(`input[type="radio"][name="start"][value="${DAY}T10:30:00-09:00"]`);
    check(await chosen.count() === 1 && await chosen.isChecked(), '10:30 AM is not chosen');
    await step('book-from-grid', '1024 px viewport');
    await page.locator('#name').fill('Walt Grid');
    await page.locator('#email').fill('walt.grid@example.com');
    await click(page.getByRole('button', { name: 'Book', exact: true }), '"Book" button');
    walkIn = new URL(page.url()).pathname;
    check(/^\/staff\/appointments\/\d+$/.test(walkIn), `booking led to ${page.url()}`);
  });

  for (const [name, size] of SIZES) {
    await test(`calendar (${size.width} px): the week is the same grid for one therapist`, async () => {
      await page.setViewportSize(size);
      await page.goto(`/staff/week?therapist=maren-holt&date=${DAY}`, { waitUntil: 'load' });
      const grid = page.getByRole('table', { name: /Maren Holt, week of/ });
      check(await grid.locator('thead th').count() === 8, 'the week grid has not seven days');
      check(await grid.locator(`td.cal-appt a[href="/staff/appointments/${appt.id}"]`).count() === 1, 'the booking is not in the week grid');
      check(await page.getByRole('link', { name: 'Book Maren Holt on Wed, Nov 25 at 9:00 AM', exact: true }).count() === 1, 'no free link for Wednesday 9:00');
      await step(`week-${name}`, `${size.width} px viewport`);
    });
  }

  await test('calendar: the day sheet prints a page per therapist, without the navigation', async () => {
    await page.setViewportSize(SIZES[2][1]);
    await page.goto(`/staff?date=${DAY}&sheet=therapist`, { waitUntil: 'load' });
    check(await page.locator('section.cal-sheet').count() === 4, 'not one sheet per therapist');
    await step('sheet', '1440 px viewport');
    await page.emulateMedia({ media: 'print' });
    check(!(await page.locator('.staff-menu').isVisible()) && !(await page.locator('.office-header').isVisible()), 'the navigation prints');
    const brk = await page.locator('section.cal-sheet').first().evaluate((el) => getComputedStyle(el).breakAfter);
    check(brk === 'page', `a sheet breaks ${brk}`);
    await page.screenshot({ path: `${h.shots}/calendar-sheet-print.png`, fullPage: true });
    await page.emulateMedia({ media: 'screen' });
  });

  await test('calendar (1024 px, at 10:45): "Mark no-show" asks first, then offers the same-day undo', async () => {
    check(walkIn, 'no walk-in was booked');
    await repinServer(h, server, '2026-11-24T10:45:00-09:00', 'calendar');
    const c2 = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport: SIZES[1][1] });
    try {
      const p2 = await c2.newPage();
      const w2 = watch(p2);
      const click2 = (locator, what) => clickThrough(h, p2, locator, what);
      await p2.goto('/login', { waitUntil: 'load' });
      await p2.getByLabel('Email').fill('desk@chugachbodywork.example');
      await p2.getByLabel('Password', { exact: true }).fill('demo-desk-pass');
      await click2(p2.locator('form[action="/login"] button[type="submit"]'), 'sign-in button');
      await p2.goto(walkIn, { waitUntil: 'load' });
      await click2(p2.getByRole('button', { name: 'Mark no-show' }), '"Mark no-show"');
      const ask = p2.getByRole('region', { name: 'Mark Walt Grid as a no-show?' });
      check(await ask.count() === 1, 'no question before the no-show');
      check(((await p2.locator('#appt-status').textContent()) || '').trim() === 'Booked', 'the no-show was stored before it was confirmed');
      await stepOn(p2, w2, 'no-show-confirm', '1024 px viewport');
      await click2(p2.getByRole('button', { name: 'Yes, mark no-show' }), '"Yes, mark no-show"');
      check(((await p2.locator('#appt-status').textContent()) || '').trim() === 'No-show', 'the status is not No-show');
      const said = ((await p2.getByRole('status').first().textContent()) || '').replace(/\s+/g, ' ');
      check(/Marked “No-show”\. Clicked by mistake\? Undo it today/.test(said), `the page says "${said}"`);
      await stepOn(p2, w2, 'no-show-done', '1024 px viewport');
      await p2.getByLabel(/Reason for undoing/).fill('He was in the waiting room');
      await click2(p2.getByRole('button', { name: /^Undo/ }), '"Undo" button');
      check(((await p2.locator('#appt-status').textContent()) || '').trim() === 'Booked', 'the undo did not bring it back');
      await p2.goto(`/staff?date=${DAY}`, { waitUntil: 'load' });
      check(/10:45 AM, now 10:45 AM/.test(await p2.locator('tr.cal-now th').textContent()), 'the now line did not move with the clock');
    } finally {
      await c2.close();
    }
  });

  await test('calendar (390 px): the client is found by a phone written another way; merging asks first', async () => {
    await book(server.base, '2026-11-25T15:00:00-09:00', 'any', 'Cora C.', 'CORA@example.com', '907 555 0199');
    const c3 = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport: SIZES[0][1] });
    const page = await c3.newPage();
    const w = watch(page);
    const click = (locator, what) => clickThrough(h, page, locator, what);
    const step = (name, label) => stepOn(page, w, name, label);
    await page.goto('/login', { waitUntil: 'load' });
    await page.getByLabel('Email').fill('desk@chugachbodywork.example');
    await page.getByLabel('Password', { exact: true }).fill('demo-desk-pass');
    await click(page.locator('form[action="/login"] button[type="submit"]'), 'sign-in button');
    await page.goto('/staff/clients', { waitUntil: 'load' });
    await page.getByLabel('Name, email or phone').fill('907 555 0123');
    await click(page.getByRole('button', { name: 'Search' }), '"Search" button');
    await click(page.getByRole('link', { name: 'Cora Calendar' }), 'the client link');
    await step('client', '390 px viewport');
    await click(page.getByRole('button', { name: /Merge into this client/ }), '"Merge" button');
    const cmp = page.getByRole('table', { name: 'The two records side by side' });
    check(await cmp.count() === 1, 'no side-by-side comparison');
    const t = (await cmp.textContent()).replace(/\s+/g, ' ');
    check(/Cora Calendar/.test(t) && /Cora C\./.test(t) && /\(907\) 555-0123/.test(t) && /907 555 0199/.test(t), `the comparison says "${t}"`);
    await step('merge-confirm', '390 px viewport');
    await click(page.getByRole('button', { name: 'Yes, merge them' }), '"Yes, merge them"');
    check(/merged into this client/.test(await page.locator('main').textContent()), 'no word that the merge was done');
    await c3.close();
  });
}
