// Browser cases for a clinic with two locations (issue 10 §4), run by
// tests/e2e/run.mjs (which passes its runner and helpers in, so that these
// cases count in its RESULT line).
//
// Starts its own `knead demo --locations 2` (Anchorage, and Seattle on
// Pacific time, where Dev works on Mondays and Lena on Tuesdays and
// Thursdays) + `knead serve --now 2026-11-24T09:00:00-09:00`.  On a phone
// (390 px) a client opens /book, is asked for the location first (a list of
// links, each with its address, zone and hours), chooses Seattle, then takes
// the same steps as with one location: service, any therapist, the first
// time (on Pacific time), the details form (which names the location), and
// books; the appointment page names Seattle's address and zone.  Every page
// has one h1, nothing wider than the phone, axe-core without serious or
// critical violations, and a screenshot locations-*.png.  Nothing but
// 127.0.0.1 is contacted.

import { checkPage, clickThrough, withPinnedServer } from './lib.mjs';

const NOW = '2026-11-24T09:00:00-09:00';
const PHONE = { width: 390, height: 844 };

export async function locationsCases(h) {
  await withPinnedServer(h, 'locations', NOW, async (server, contexts) => {
    const { test, check } = h;
    const ctx = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport: PHONE });
    contexts.push(ctx);
    const page = await ctx.newPage();
    const w = h.watch(page);
    const text = async () => ((await page.locator('main').textContent()) || '').replace(/\s+/g, ' ');

    await test('locations (phone): /book asks for the location first, each with its address and hours', async () => {
      const res = await page.goto('/book');
      check(res && res.status() === 200, `/book: HTTP ${res && res.status()}`);
      check((await page.locator('h1').textContent()).includes('Choose a location'), 'no location step');
      const names = await page.locator('.choice-location .choice-title a').allTextContents();
      check(JSON.stringify(names) === JSON.stringify(['Anchorage', 'Seattle']), `locations: ${JSON.stringify(names)}`);
      const t = await text();
      check(t.includes('1515 12th Avenue, Seattle'), 'no Seattle address');
      check(t.includes('Times are shown in Los Angeles time'), 'no zone for Seattle');
      check(await page.locator('.location-hours').count() === 2, 'not every location shows its hours');
      await checkPage(h, page, w, 'choose', 'locations', 'phone');
    });

    await test('locations (phone): Seattle, then service, therapist and a time on Pacific time', async () => {
      await clickThrough(h, page, page.getByRole('link', { name: 'Seattle', exact: true }), 'the Seattle link');
      check(page.url().includes('location=2'), `not at Seattle: ${page.url()}`);
      await checkPage(h, page, w, 'services', 'locations', 'phone');
      await clickThrough(h, page, page.locator('.choice-title a', { hasText: 'Deep Tissue Massage (60 minutes)' }), 'the service');
      const people = await page.locator('.choice-person .choice-title').allTextContents();
      check(people.some((p) => p.includes('Lena Kusugak')) && people.some((p) => p.includes('Dev Okafor')) &&
        !people.some((p) => p.includes('Maren Holt')), `Seattle's therapists: ${JSON.stringify(people)}`);
      await checkPage(h, page, w, 'therapists', 'locations', 'phone');
      await clickThrough(h, page, page.getByRole('link', { name: /^Any therapist/ }), 'any therapist');
      check((await text()).includes('Los Angeles time'), 'times do not say their zone');
      await checkPage(h, page, w, 'times', 'locations', 'phone');
      const slot = page.locator('a.slot').first();
      const href = await slot.getAttribute('href');
      check(href && href.includes('-08%3A00') && href.includes('location=2'), `slot link: ${href}`);
      await clickThrough(h, page, slot, 'the first time');
      const t = await text();
      check(t.includes('Seattle, 1515 12th Avenue') && t.includes('PST'), `details: ${t.slice(0, 400)}`);
      await checkPage(h, page, w, 'details', 'locations', 'phone');
    });

    await test('locations (phone): booking at Seattle; the appointment names its address and zone', async () => {
      await page.getByLabel('Your name').fill('Pia Pacific');
      await page.getByLabel('Email', { exact: true }).fill('pia@example.com');
      await page.getByLabel(/^Phone/).fill('206 555 0101');
      await clickThrough(h, page, page.getByRole('button', { name: 'Book this appointment' }), 'the book button');
      const t = await text();
      check(/booked/i.test(t), `not booked: ${t.slice(0, 300)}`);
      check(t.includes('1515 12th Avenue, Seattle, WA 98122'), 'no Seattle address on the appointment');
      check(t.includes('Los Angeles time'), 'no zone on the appointment');
      await checkPage(h, page, w, 'booked', 'locations', 'phone');
    });

    await test('locations (phone): the waitlist form asks where, any location first', async () => {
      const res = await page.goto('/waitlist');
      check(res && res.status() === 200, `/waitlist: HTTP ${res && res.status()}`);
      const sel = page.getByLabel('Location', { exact: true });
      check(await sel.count() === 1, 'no Location field');
      const opts = await sel.locator('option').allTextContents();
      check(JSON.stringify(opts) === JSON.stringify(['Any location', 'Anchorage', 'Seattle']), `options: ${JSON.stringify(opts)}`);
      await checkPage(h, page, w, 'waitlist', 'locations', 'phone');
    });

    // the admin's page of one location: its own booking rules and archiving
    for (const size of [{ label: 'phone', viewport: PHONE }, { label: 'desktop', viewport: { width: 1280, height: 900 } }]) {
      await test(`locations (${size.label}): the admin sets Seattle's notice and cannot archive it while booked`, async () => {
        const actx = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport: size.viewport });
        contexts.push(actx);
        const ap = await actx.newPage();
        const aw = h.watch(ap);
        await ap.goto('/login', { waitUntil: 'load' });
        await ap.getByLabel('Email').fill('admin@chugachbodywork.example');
        await ap.getByLabel('Password', { exact: true }).fill('demo-admin-pass');
        await clickThrough(h, ap, ap.locator('form[action="/login"] button[type="submit"]'), 'sign-in button');
        const res = await ap.goto('/admin/locations/2', { waitUntil: 'load' });
        check(res.status() === 200, `GET /admin/locations/2: HTTP ${res.status()}`);
        await ap.getByLabel('Minimum notice (minutes)').fill('120');
        await clickThrough(h, ap, ap.getByRole('button', { name: 'Save rules' }), 'the save rules button');
        check(ap.url().endsWith('/admin/locations/2?saved=1'), `after saving: ${ap.url()}`);
        check(await ap.getByLabel('Minimum notice (minutes)').inputValue() === '120', 'the notice was not kept');
        await checkPage(h, ap, aw, `admin-${size.label}`, 'locations', size.label);
        // Pia's booking at Seattle keeps it from being archived
        aw.expectStatus = 409;
        aw.docUrl = new URL('/admin/locations/2/archive', ap.url()).href;
        const sent = await clickThrough(h, ap, ap.getByRole('button', { name: 'Archive location' }), 'the archive button');
        aw.expectStatus = 200;
        check(sent && sent.status() === 409, `archiving answered HTTP ${sent && sent.status()}`);
        const said = await ap.locator('[role="alert"]').textContent();
        check(/still has \d+ upcoming appointment/.test(said), `the refusal does not say why: ${said}`);
        await checkPage(h, ap, aw, `archive-refused-${size.label}`, 'locations', size.label);
      });
    }
  }, ['--locations', '2']);
}
