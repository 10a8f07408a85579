// Browser cases for the health form and insurance-benefit checks, run by
// tests/e2e/run.mjs (which passes its runner and helpers in, so that these
// cases count in its RESULT line).
//
// Starts its own `knead demo` + `knead serve --now 2026-11-24T09:00:00-09:00`
// (Tuesday 09:00 in Anchorage) and books one appointment through the JSON API.
// Then, at phone width (390 px), the client opens the private link, sends the
// health form empty once (every field is marked), fills it in, and asks for an
// insurance-benefit check; at tablet width (1024 px) the front desk sees the
// contraindications on the appointment page, opens the insurance queue from
// the navigation and records the outcome; back on the phone the client reads
// the coverage (the details only after signing in).  axe-core runs on every page (no serious or critical violations), each
// is screenshotted as intake-*.png.  Nothing but 127.0.0.1 is contacted.

import { checkPage, clickThrough, withPinnedServer } from './lib.mjs';

const NOW = '2026-11-24T09:00:00-09:00';
const PHONE = { width: 390, height: 844 };
const TABLET = { width: 1024, height: 768 };
const CLIENT = { name: 'Hana Health', email: 'hana@example.com', phone: '(907) 555-0160' };

// Runs the intake cases.  h: { browser, knead, shots, test, check,
// newContext, watch, runAxe } from run.mjs.
export async function intakeCases(h) {
  await withPinnedServer(h, 'intake', NOW, (server, contexts) => cases(h, server, contexts));
}

// Books the first free 60-minute deep-tissue time with Maren Holt from
// Wednesday on; answers the manage path ("/a/TOKEN"), the appointment id and
// its local day ("2026-11-25").
async function bookOne(base) {
  for (const day of ['2026-11-25', '2026-11-26', '2026-11-27']) {
    const res = await fetch(`${base}/api/v1/availability?service=deep-tissue-60&therapist=maren-holt&date=${day}`);
    const m = (await res.text()).match(/"start":"([^"]+)"/);
    if (!m) continue;
    const booked = await fetch(`${base}/api/v1/appointments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ service: 'deep-tissue-60', therapist: 'maren-holt', start: m[1], client: CLIENT }),
    });
    if (booked.status !== 201) throw new Error(`booking ${m[1]}: HTTP ${booked.status} ${await booked.text()}`);
    const appt = await booked.json();
    return { manage: appt.manage_url, id: appt.id, day };
  }
  throw new Error('no free time with Maren Holt from Wednesday to Friday');
}

async function cases(h, server, contexts) {
  const { browser, test, check, newContext, watch } = h;
  const base = server.base;

  const phone = await newContext(browser, base, { bypassCSP: true, viewport: PHONE });
  contexts.push(phone);
  const page = await phone.newPage();
  const w = watch(page);
  const step = (pg, ww, name, width) => checkPage(h, pg, ww, name, 'intake', width);
  const click = (pg, locator, what) => clickThrough(h, pg, locator, what);

  let appt = null;
  await test('intake (390 px): the private link offers the health form; sent empty, every field is marked', async () => {
    appt = await bookOne(base);
    const res = await page.goto(`${appt.manage}?booked=1`, { waitUntil: 'load' });
    check(res.status() === 200, `GET ${appt.manage}: HTTP ${res.status()}`);
    await step(page, w, 'manage-new', '390 px phone');
    await click(page, page.getByRole('link', { name: 'Fill in your health form' }), '"Fill in your health form" link');
    check(new URL(page.url()).pathname === `${appt.manage}/intake`, `the link led to ${page.url()}`);
    await step(page, w, 'form', '390 px phone');

    // Send it with the required fields emptied: a 422 with a message per field.
    await page.locator('#email').fill('');
    await page.locator('#phone').fill('');
    w.expectStatus = 422;
    w.docUrl = new URL(`${appt.manage}/intake`, base).href;
    const sent = await click(page, page.getByRole('button', { name: 'Save health form' }), '"Save health form" button');
    check(sent && sent.status() === 422, `the empty form answered HTTP ${sent && sent.status()}`);
    w.expectStatus = 200;
    for (const id of ['email', 'phone', 'birth_date', 'emergency_name', 'emergency_phone', 'reason', 'pain', 'consent_name']) {
      const input = page.locator(`#${id}`);
      check(await input.getAttribute('aria-invalid') === 'true', `#${id} is not marked aria-invalid`);
      check(await page.locator(`#${id}-error`).isVisible(), `#${id}-error is not shown`);
    }
    check(await page.locator('#onset-error').isVisible(), 'no message for "How did it start?"');
    check(await page.locator('#pressure-error').isVisible(), 'no message for the pressure');
    await step(page, w, 'form-invalid', '390 px phone');
  });

  await test('intake (390 px): the client fills in the form and the manage page says it is on file', async () => {
    check(appt, 'no appointment was booked');
    await page.getByLabel('Email').fill(CLIENT.email);
    await page.getByLabel('Phone', { exact: true }).fill(CLIENT.phone);
    await page.getByLabel('Date of birth').fill('1986-03-14');
    await page.getByLabel('Emergency contact: name').fill('Hiro Health');
    await page.getByLabel('Emergency contact: phone').fill('907-555-0161');
    await page.getByLabel('What brings you in?').fill('Lower back pain');
    await page.getByLabel('Lower back').check();
    await page.getByLabel('How much does it hurt today?').fill('7');
    await page.getByLabel('Suddenly, lifting something').check();
    await page.getByLabel('What makes it worse?').fill('Sitting at my desk');
    await page.getByLabel('Heat and cold').check();
    await page.getByLabel('Pregnancy').check();
    await page.getByLabel('Firm').check();
    await page.getByLabel('Type your full name to sign').fill('hana health');
    await click(page, page.getByRole('button', { name: 'Save health form' }), '"Save health form" button');
    const u = new URL(page.url());
    check(u.pathname === appt.manage, `saving led to ${page.url()}`);
    const body = await page.locator('main, body').first().textContent();
    check(/Your health form is on file/.test(body), 'the manage page does not say the form is on file');
    check(/Confirm it is still right or update it/.test(body), 'the manage page does not offer to confirm it');
    await step(page, w, 'manage-on-file', '390 px phone');
  });

  await test('intake (390 px): the client asks for an insurance-benefit check', async () => {
    check(appt, 'no appointment was booked');
    await click(page, page.getByRole('link', { name: 'Ask us to check your insurance benefits' }), 'the insurance link');
    check(new URL(page.url()).pathname === `${appt.manage}/insurance`, `the link led to ${page.url()}`);
    await step(page, w, 'insurance-form', '390 px phone');
    await page.getByLabel('Insurance company').fill('Premera Blue Cross');
    await page.getByLabel('Member ID').fill('PBC-778812');
    await page.getByLabel('Group number').fill('G-2040');
    await click(page, page.getByRole('button', { name: 'Ask us to check' }), '"Ask us to check" button');
    const body = await page.locator('main, body').first().textContent();
    // a page reached by the manage link alone never shows the insurance details
    check(/We are checking your insurance benefits \(asked/.test(body.replace(/\s+/g, ' ')),
      'the manage page does not say the check is under way');
    check(!/Premera|PBC-778812/.test(body), 'the manage page shows the insurance details');
    await step(page, w, 'manage-pending', '390 px phone');
  });

  const tablet = await newContext(browser, base, { bypassCSP: true, viewport: TABLET });
  contexts.push(tablet);
  const desk = await tablet.newPage();
  const dw = watch(desk);
  await test('intake (1024 px): the desk sees the contraindications on the appointment, works the queue and records the outcome', async () => {
    check(appt, 'no appointment was booked');
    const res = await desk.goto('/login', { waitUntil: 'load' });
    check(res.status() === 200, `GET /login: ${res.status()}`);
    await desk.getByLabel('Email').fill('desk@chugachbodywork.example');
    await desk.getByLabel('Password', { exact: true }).fill('demo-desk-pass');
    await click(desk, desk.locator('form[action="/login"] button[type="submit"]'), 'sign-in button');

    await desk.goto(`/staff/appointments/${appt.id}`, { waitUntil: 'load' });
    const warn = desk.locator('.contraindications');
    check(await warn.isVisible(), 'no contraindications box on the appointment page');
    check(/Pregnancy/.test(await warn.textContent()), 'the contraindications box does not list pregnancy');
    await step(desk, dw, 'desk-appointment', '1024 px tablet');
    await click(desk, desk.getByRole('link', { name: 'Update the health form' }), '"Update the health form" link');
    check(new URL(desk.url()).pathname === `/staff/appointments/${appt.id}/intake`, `the link led to ${desk.url()}`);
    check(await desk.locator('#reason').inputValue() === 'Lower back pain', 'the desk form does not show the form on file');
    await step(desk, dw, 'desk-intake-form', '1024 px tablet');
    await desk.goto(`/staff?date=${appt.day}`, { waitUntil: 'load' });
    const block = desk.locator('.staff-block', { has: desk.locator(`a[href="/staff/appointments/${appt.id}"]`) });
    // the day view (the desk's shared screen) lists the client but no health information
    check(await block.count() === 1, 'the day view does not list the appointment');
    check(!/Contraindication|Pregnancy/.test(await block.textContent()), 'the day view shows health information');
    await step(desk, dw, 'desk-day', '1024 px tablet');

    const nav = desk.getByRole('navigation', { name: 'Back office' }).getByRole('link', { name: /Insurance checks/ });
    check(/\(1 pending\)/.test((await nav.textContent()).replace(/\s+/g, ' ')), `the navigation says "${await nav.textContent()}"`);
    await click(desk, nav, '"Insurance checks" link');
    check(new URL(desk.url()).pathname === '/staff/insurance', `the link led to ${desk.url()}`);
    await step(desk, dw, 'desk-queue', '1024 px tablet');
    await click(desk, desk.getByRole('link', { name: /Record the outcome/ }), '"Record the outcome" link');
    await step(desk, dw, 'desk-check', '1024 px tablet');
    await desk.getByLabel('Partly covered').check();
    await desk.getByLabel('Visits per year').fill('12');
    await desk.getByLabel('Copay per visit, in dollars').fill('30');
    await desk.getByLabel('Deductible left, in dollars').fill('250.00');
    await desk.getByLabel('No', { exact: true }).check();
    await desk.getByLabel('Notes').fill('Covered when medically necessary.');
    await click(desk, desk.getByRole('button', { name: 'Save the outcome' }), '"Save the outcome" button');
    check(new URL(desk.url()).pathname === '/staff/insurance', `saving led to ${desk.url()}`);
    check(/No checks are waiting/.test(await desk.locator('main, body').first().textContent()), 'the queue is not empty');
    await step(desk, dw, 'desk-queue-done', '1024 px tablet');
  });

  await test('intake (390 px): the client reads the coverage on the private link, the details after signing in', async () => {
    check(appt, 'no appointment was booked');
    const res = await page.goto(appt.manage, { waitUntil: 'load' });
    check(res.status() === 200, `GET ${appt.manage}: HTTP ${res.status()}`);
    const body = (await page.locator('main, body').first().textContent()).replace(/\s+/g, ' ');
    check(body.includes('Coverage: Partly covered'), 'the manage page does not show the coverage');
    for (const detail of ['$30', '$250', 'Covered when medically necessary.', 'Premera', 'PBC-778812']) {
      check(!body.includes(detail), `the manage page shows "${detail}" without proof`);
    }
    check(body.includes('sign in with your e-mail address'), 'the manage page does not say how to see the details');
    await step(page, w, 'manage-outcome', '390 px phone');
  });
}
