// Browser cases for online booking, run by tests/e2e/run.mjs (which passes its
// runner and browser helpers in, so that these cases count in its RESULT line).
//
// Starts its own `knead demo` + `knead serve --now 2026-11-24T09:00:00-09:00`
// (a Tuesday morning in Anchorage) so that "today" and its times are fixed,
// then at phone width: books a same-day 90-minute deep-tissue session with
// "Any therapist" through the pages, opens the manage link, adds it to a
// calendar, cancels it (late), and books again with JavaScript off.  axe-core
// runs on every step (no serious or critical violations); each step is
// screenshotted as book-*.png.  Nothing but 127.0.0.1 is contacted.

import path from 'node:path';
import { checkPage, clickThrough, withPinnedServer } from './lib.mjs';

const NOW = '2026-11-24T09:00:00-09:00';

// Runs the booking cases.  h: { browser, knead, shots, test, check, newContext,
// watch, runAxe } from run.mjs.
export async function bookingCases(h) {
  const visited = new Set(); // every GET page of the flow, for the CSP pass
  await withPinnedServer(h, 'booking', NOW, (server, contexts) => cases(h, server, visited, contexts));
}

async function cases(h, server, visited, contexts) {
  const { browser, test, check, newContext, watch } = h;
  const base = server.base;

  const pathOf = (page) => { const u = new URL(page.url()); return u.pathname + u.search; };
  const shot = (page, name) => page.screenshot({ path: path.join(h.shots, `book-${name}.png`), fullPage: true });

  // One page checked the same way at every step: one h1, nothing wider than
  // the phone, axe-core without serious or critical violations, a screenshot.
  async function step(page, w, name, status = 200) {
    visited.add(pathOf(page));
    await checkPage(h, page, w, name, 'book', 'phone viewport');
  }

  const click = (page, locator, what) => clickThrough(h, page, locator, what);

  // axe is injected, so this context bypasses the CSP; the CSP pass at the end
  // loads the same pages with it in force.
  const ctx = await newContext(browser, base, { bypassCSP: true });
  contexts.push(ctx);
  const page = await ctx.newPage();
  const w = watch(page);
  let manage = null;
  let booked = false;

  await test('booking: home → "Book online" → Deep Tissue 90 min → Any therapist → a time today → details → booked (390 px, axe on every step)', async () => {
    const res = await page.goto('/', { waitUntil: 'load' });
    check(res.status() === 200, `GET /: ${res.status()}`);
    await click(page, page.locator('header').getByRole('link', { name: 'Book online' }), '"Book online" link in the header');
    check(pathOf(page) === '/book', `"Book online" led to ${page.url()}`);
    await step(page, w, '1-service');

    await click(page, page.getByRole('link', { name: 'Deep Tissue Massage (90 minutes)', exact: true }), 'the 90-minute service');
    await step(page, w, '2-therapist');
    const first = (await page.locator('.choice-title a').first().textContent() || '').trim();
    check(first === 'Any therapist', `the first therapist choice is "${first}"`);

    await click(page, page.getByRole('link', { name: 'Any therapist', exact: true }), '"Any therapist"');
    await step(page, w, '3-times');
    const selected = await page.locator('.day-selected').first().textContent();
    check(/Today/.test(selected || ''), `the selected day is "${selected}", expected today`);
    const heading = await page.locator('#times-title').textContent();
    check(/Tuesday, November 24/.test(heading || ''), `times heading "${heading}"`);
    const slot = page.locator('a.slot').first();
    const label = ((await slot.textContent()) || '').trim();
    check(/^\d{1,2}:\d\d PM$/.test(label), `first time today is "${label}"`);

    await click(page, slot, 'a time');
    check(/start=2026-11-24T/.test(decodeURIComponent(page.url())), `details page ${page.url()} is not for today`);
    await step(page, w, '4-details');
    await page.getByLabel('Your name').fill('Ann Example');
    await page.getByLabel('Email', { exact: true }).fill('ann@example.com');
    await page.getByLabel(/^Phone/).fill('907 555 0199');
    await page.getByLabel(/Anything we should know/).fill('Lower back, left side; go gently');
    // reminders by text: optional, never ticked for the client (issue 13 item 21)
    const texts = page.getByLabel('Text me a reminder at this phone number');
    check(await texts.count() === 1, 'no "Text me a reminder" box on the details form');
    check(!(await texts.isChecked()), 'the text-reminder box is ticked before the client ticks it');
    await texts.check();
    check(await texts.isChecked(), 'the text-reminder box did not tick');

    await click(page, page.getByRole('button', { name: 'Book this appointment' }), 'the book button');
    check(/^\/a\/[A-Za-z0-9_-]{22}\?booked=1$/.test(pathOf(page)), `after booking: ${page.url()}`);
    await step(page, w, '5-booked');
    const text = await page.locator('main').textContent();
    for (const want of ['booked', 'Deep Tissue Massage (90 minutes)', 'Tuesday, November 24, 2026', label]) {
      check(text.includes(want), `manage page lacks "${want}"`);
    }
    manage = new URL(page.url()).pathname;
    booked = true;
  });

  await test('booking: the manage link opens the appointment; "Add to calendar" gives a text/calendar file for today', async () => {
    check(booked, 'nothing was booked');
    const p = await ctx.newPage();
    const pw = watch(p);
    try {
      const res = await p.goto(manage, { waitUntil: 'load' });
      check(res.status() === 200, `GET ${manage}: ${res.status()}`);
      check((res.headers()['cache-control'] || '').includes('no-store'), 'manage page may be cached');
      const shown = await p.locator('.manage-link a').textContent();
      check(shown === base + manage, `manage link shown as "${shown}"`);
      await step(p, pw, '6-manage');
      const href = await p.getByRole('link', { name: 'Add to calendar' }).getAttribute('href');
      const ics = await ctx.request.get(href);
      check(ics.status() === 200, `GET ${href}: ${ics.status()}`);
      check(ics.headers()['content-type'].startsWith('text/calendar'), `calendar type ${ics.headers()['content-type']}`);
      const body = (await ics.text()).replace(/\r\n[ \t]/g, '');
      check(/\r\nDTSTART;TZID=America\/Anchorage:20261124T\d{6}\r\n/.test(body), 'no DTSTART for today in the calendar file');
      check(body.includes('STATUS:CONFIRMED'), 'calendar file is not CONFIRMED');
    } finally {
      await p.close();
    }
  });

  await test('booking: cancel from the manage page — the confirmation says "late cancellation", then the page shows it cancelled', async () => {
    check(booked, 'nothing was booked');
    await click(page, page.getByRole('link', { name: 'Cancel appointment' }), '"Cancel appointment"');
    check(pathOf(page) === `${manage}/cancel`, `cancel link led to ${page.url()}`);
    await step(page, w, '7-cancel');
    const text = await page.locator('main').textContent();
    check(/late cancellation/.test(text), 'the cancel page does not mention the late cancellation');
    await click(page, page.getByRole('button', { name: 'Yes, cancel my appointment' }), 'the confirm button');
    check(pathOf(page) === `${manage}?cancelled=1`, `after cancelling: ${page.url()}`);
    await step(page, w, '8-cancelled');
    const after = await page.locator('main').textContent();
    check(after.includes('Cancelled (late cancellation)'), 'status is not "Cancelled (late cancellation)"');
    check(await page.getByRole('link', { name: 'Cancel appointment' }).count() === 0, 'still offers to cancel');
  });

  await test('booking: without JavaScript, a 60-minute session books through the same pages, and the move page offers times', async () => {
    const noJs = await newContext(browser, base, { javaScriptEnabled: false });
    contexts.push(noJs);
    const p = await noJs.newPage();
    const pw = watch(p);
    await p.goto('/book', { waitUntil: 'load' });
    await click(p, p.getByRole('link', { name: 'Deep Tissue Massage (60 minutes)', exact: true }), 'the 60-minute service');
    await click(p, p.getByRole('link', { name: 'Any therapist', exact: true }), '"Any therapist"');
    await click(p, p.locator('a.day:not(.day-selected)').first(), 'another day');
    await click(p, p.locator('a.slot').first(), 'a time');
    await p.getByLabel('Your name').fill('Ben Example');
    await p.getByLabel('Email', { exact: true }).fill('ben@example.com');
    await click(p, p.getByRole('button', { name: 'Book this appointment' }), 'the book button');
    check(/^\/a\/[A-Za-z0-9_-]{22}\?booked=1$/.test(pathOf(p)), `after booking without JavaScript: ${p.url()}`);
    visited.add(pathOf(p));
    await click(p, p.getByRole('link', { name: 'Move appointment' }), '"Move appointment"');
    visited.add(pathOf(p));
    check(await p.locator('a.slot').count() > 0, 'the move page offers no times');
    await shot(p, '9-move');
    check(pw.problems.length === 0, pw.problems.join('\n'));
  });

  const strict = await newContext(browser, base);
  contexts.push(strict);
  await test('booking pages with the CSP in force: no console errors, failed requests or sideways scroll', async () => {
    check(visited.size >= 6, `only ${visited.size} booking pages were visited`);
    const problems = [];
    for (const p of visited) {
      const pg = await strict.newPage();
      try {
        const pw = watch(pg);
        const res = await pg.goto(p, { waitUntil: 'load' });
        if (res.status() !== 200) problems.push(`GET ${p}: ${res.status()}`);
        const overflow = await pg.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (overflow > 0) problems.push(`${p}: ${overflow}px wider than the phone`);
        problems.push(...pw.problems.map((x) => `${p}: ${x}`));
      } finally {
        await pg.close();
      }
    }
    check(problems.length === 0, problems.join('\n'));
  });

  const offsite = [...new Set(contexts.flatMap((c) => c.offsite))];
  await test('booking pages request nothing but 127.0.0.1', async () => {
    check(offsite.length === 0, 'blocked requests to other hosts:\n' + offsite.join('\n'));
  });
}
