// Browser cases for the scheduling rules' guard rails (issue 13 items 13 and
// 18), run by tests/e2e/run.mjs (which passes its runner and helpers in, so
// that these cases count in its RESULT line).
//
// Starts its own `knead demo` + `knead serve --now 2026-11-24T09:00:00-09:00`
// (Tuesday 09:00 in Anchorage), books Dev Okafor on Wednesday 2026-12-09 at
// 18:00 through the JSON API, then at phone width (390 px) and at desktop
// width (1440 px):
//   - a client joins the waitlist for Dev Okafor with a morning window he does
//     not work: the form answers 422 and the time field says his hours;
//   - the admin saves the clinic's Wednesday closing at 17:00: the page lists
//     the 18:00 booking and asks; ticking "Save anyway" saves (then the week
//     is put back);
//   - the admin unticks every room of an active service: refused, with why.
// axe-core finds no serious or critical violation on any page; each is
// screenshotted as rules-*.png.  Nothing but 127.0.0.1 is contacted.

import { checkPage, clickThrough, withPinnedServer } from './lib.mjs';

const NOW = '2026-11-24T09:00:00-09:00';
const EVENING = '2026-12-09T18:00:00-09:00';
const SIZES = [
  { name: 'phone', label: '390 px phone', viewport: { width: 390, height: 844 } },
  { name: 'desktop', label: '1440 px desktop', viewport: { width: 1440, height: 900 } },
];

export async function rulesCases(h) {
  await withPinnedServer(h, 'rules', NOW, async (server, contexts) => {
    const { test, check } = h;
    await test('rules: an evening appointment with Dev Okafor is booked through the API', async () => {
      const res = await fetch(`${server.base}/api/v1/appointments`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ service: 'deep-tissue-60', therapist: 'dev-okafor', start: EVENING,
          client: { name: 'Eve Evening', email: 'eve@example.com' } }),
      });
      check(res.status === 201, `booking ${EVENING}: HTTP ${res.status} ${await res.text()}`);
    });
    for (const size of SIZES) {
      const ctx = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport: size.viewport });
      contexts.push(ctx);
      await cases(h, ctx, size);
    }
  });
}

async function cases(h, ctx, size) {
  const { test, check, watch } = h;
  const page = await ctx.newPage();
  const w = watch(page);
  const step = (name) => checkPage(h, page, w, `${size.name}-${name}`, 'rules', size.label);
  const click = (locator, what) => clickThrough(h, page, locator, what);

  await test(`rules (${size.label}): a waitlist window Dev Okafor does not work is refused with his hours`, async () => {
    const res = await page.goto('/waitlist?service=deep-tissue-60&therapist=dev-okafor&date=2026-12-01', { waitUntil: 'load' });
    check(res.status() === 200, `GET /waitlist: HTTP ${res.status()}`);
    await page.getByLabel('Until').fill('2026-12-04');
    await page.getByLabel('Saturday').setChecked(false);
    await page.getByLabel('Not before').fill('08:00');
    await page.getByLabel('Finished by').fill('10:30');
    await page.getByLabel('Your name').fill('Mo Morning');
    await page.getByLabel('Email').fill(`mo-${size.name}@example.com`);
    w.expectStatus = 422;
    w.docUrl = new URL('/waitlist', page.url()).href;
    const sent = await click(page.getByRole('button', { name: 'Join the waitlist' }), '"Join the waitlist" button');
    w.expectStatus = 200;
    check(sent && sent.status() === 422, `the form answered HTTP ${sent && sent.status()}`);
    const err = page.locator('#time_from-error');
    check(await err.isVisible(), '#time_from-error is not shown');
    const said = await err.textContent();
    check(/Dev Okafor works Tuesday 11:00 AM – 8:00 PM/.test(said), `the message does not give his hours: ${said}`);
    check(await page.locator('#time_from').getAttribute('aria-invalid') === 'true', '#time_from is not marked aria-invalid');
    await step('waitlist-hours');
  });

  await test(`rules (${size.label}): closing earlier on Wednesday lists the 18:00 booking and saves only when confirmed`, async () => {
    // each width has its own context: sign in there
    const login = await page.goto('/login', { waitUntil: 'load' });
    check(login.status() === 200, `GET /login: ${login.status()}`);
    await page.getByLabel('Email').fill('admin@chugachbodywork.example');
    await page.getByLabel('Password', { exact: true }).fill('demo-admin-pass');
    await click(page.locator('form[action="/login"] button[type="submit"]'), 'sign-in button');
    const res = await page.goto('/admin/hours', { waitUntil: 'load' });
    check(res.status() === 200, `GET /admin/hours: HTTP ${res.status()}`);
    await page.locator('#close_3').fill('17:00');
    w.expectStatus = 409;
    w.docUrl = new URL('/admin/hours', page.url()).href;
    const sent = await click(page.getByRole('button', { name: 'Save opening hours' }), '"Save opening hours" button');
    w.expectStatus = 200;
    check(sent && sent.status() === 409, `saving answered HTTP ${sent && sent.status()}`);
    const table = page.getByRole('table', { name: 'Booked appointments that would fall outside the hours' });
    check(await table.isVisible(), 'the appointments in the way are not listed');
    check(/Eve Evening/.test(await table.textContent()), 'the 18:00 booking is not in the list');
    check(await page.locator('#close_3').inputValue() === '17:00', 'the closing time typed was not kept');
    await step('hours-ask');
    await page.getByLabel(/Save anyway/).check();
    const saved = await click(page.getByRole('button', { name: 'Save opening hours' }), '"Save opening hours" button');
    check(saved && saved.status() === 200 && new URL(page.url()).searchParams.get('saved') === '1', `confirming led to ${page.url()}`);
    check(await page.locator('#close_3').inputValue() === '17:00', 'the new closing time was not saved');
    await step('hours-saved');
    // put the week back: nothing is in the way, so no question
    await page.locator('#close_3').fill('20:00');
    const back = await click(page.getByRole('button', { name: 'Save opening hours' }), '"Save opening hours" button');
    check(back && back.status() === 200, `restoring answered HTTP ${back && back.status()}`);
  });

  await test(`rules (${size.label}): an active service with no room is refused with why`, async () => {
    const res = await page.goto('/admin/services/deep-tissue-60', { waitUntil: 'load' });
    check(res.status() === 200, `GET /admin/services/deep-tissue-60: HTTP ${res.status()}`);
    for (const box of await page.locator('input[name="room"]').all()) await box.setChecked(false);
    w.expectStatus = 422;
    w.docUrl = page.url();
    const sent = await click(page.getByRole('button', { name: 'Save service' }), '"Save service" button');
    w.expectStatus = 200;
    check(sent && sent.status() === 422, `saving answered HTTP ${sent && sent.status()}`);
    const err = page.locator('#active-error');
    check(await err.isVisible(), '#active-error is not shown');
    check(/no room suits it/.test(await err.textContent()), `the message does not say why: ${await err.textContent()}`);
    await step('service-no-room');
  });
}
