// Browser cases for the clinical record, run by tests/e2e/run.mjs (which passes
// its runner and helpers in, so that these cases count in its RESULT line).
//
// Starts its own `knead demo` + `knead serve --now 2026-11-24T09:00:00-09:00`
// (Tuesday 09:00 in Anchorage).  A client books Maren Holt online for
// Wednesday 10:00; the clock moves to Wednesday 10:30 (a restart with
// another --now: status and signing follow the clock); the front desk (1024 px) records the client's doctor's
// referral — first with a wrong ICD-10 code (422, the message by the field) —
// and checks the client in.  Maren (1024 px, and once at phone width) opens
// the appointment's treatment note, writes the SOAP note with areas,
// techniques, pressure, stretches, a physical-therapy referral and a next
// visit in 3 weeks, saves the draft, signs it and adds an addendum.  The
// client (phone width, no account) opens the manage link, sees the
// recommendations and follows "Book your next visit" into the booking flow,
// pre-filled with Maren, the service and the day.  axe-core runs on every
// page (no serious or critical violations); screenshots are notes-*.png.
// Nothing but 127.0.0.1 is contacted.

import { checkPage, clickThrough, repinServer, withPinnedServer } from './lib.mjs';

const NOW = '2026-11-24T09:00:00-09:00';
const START = '2026-11-25T10:00:00-09:00';
// The session has begun: check-in is open from its day, a note is signed
// only after its start, so the server is restarted with the clock here.
const DURING = '2026-11-25T10:30:00-09:00';
const NEXT_DAY = '2026-12-16'; // three weeks after the session
const TABLET = { width: 1024, height: 768 };
const PHONE = { width: 390, height: 844 };

// Runs the clinical-record cases.  h: { browser, knead, shots, test, check,
// newContext, watch, runAxe } from run.mjs.
export async function notesCases(h) {
  await withPinnedServer(h, 'notes', NOW, (server, contexts) => cases(h, server, contexts));
}

async function signIn(h, page, email, password) {
  const res = await page.goto('/login', { waitUntil: 'load' });
  h.check(res.status() === 200, `GET /login: ${res.status()}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await clickThrough(h, page, page.locator('form[action="/login"] button[type="submit"]'), 'sign-in button');
  h.check(new URL(page.url()).pathname === '/staff', `signed in to ${page.url()}`);
}

async function cases(h, server, contexts) {
  const { browser, test, check, newContext, watch } = h;
  let base = server.base;
  const pathOf = (page) => { const u = new URL(page.url()); return u.pathname + u.search; };

  // The client books online (the booking pages have their own cases).
  let appt = null;
  await test('notes: a client books Maren Holt online for Wednesday 10:00', async () => {
    const res = await fetch(`${base}/api/v1/appointments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ service: 'deep-tissue-60', therapist: 'maren-holt', start: START,
        client: { name: 'Rosa Recommend', email: 'rosa@example.com', phone: '(907) 555-0188' } }),
    });
    const body = await res.text();
    check(res.status === 201, `POST /api/v1/appointments: ${res.status} ${body}`);
    appt = JSON.parse(body);
  });
  if (!appt) return;
  let moved = false;
  await test(`notes: the clock moves to the session (${DURING})`, async () => {
    await repinServer(h, server, DURING, 'notes');
    base = server.base;
    moved = true;
  });
  if (!moved) return;
  const apptPath = `/staff/appointments/${appt.id}`;

  // The front desk: a referral on the client's page, then check-in.
  const deskCtx = await newContext(browser, base, { viewport: TABLET, bypassCSP: true });
  contexts.push(deskCtx);
  const desk = await deskCtx.newPage();
  const dw = watch(desk);
  const deskStep = (name) => checkPage(h, desk, dw, name, 'notes', '1024 px viewport');

  await test('notes: the desk records the client\'s referral (a wrong ICD-10 code first: 422 by the field)', async () => {
    await signIn(h, desk, 'desk@chugachbodywork.example', 'demo-desk-pass');
    let res = await desk.goto(apptPath, { waitUntil: 'load' });
    check(res.status() === 200, `GET ${apptPath}: ${res.status()}`);
    check(/No referral on file/.test(await desk.locator('#referrals').textContent()), 'the appointment page does not say there is no referral');
    await clickThrough(h, desk, desk.getByRole('link', { name: 'Record a referral' }), '"Record a referral" link');
    check(/^\/staff\/clients\/\d+\/referrals\/new$/.test(new URL(desk.url()).pathname), `"Record a referral" led to ${desk.url()}`);
    await deskStep('1-referral-new');
    await desk.getByLabel('Physician').fill('Dr. Ana Ruiz');
    await desk.getByLabel('Practice').fill('Midtown Family Medicine');
    await desk.getByLabel('Date of referral').fill('2026-11-20');
    await desk.getByLabel('Diagnosis').fill('Low back pain');
    await desk.getByLabel('ICD-10 code').fill('M54-50');
    await desk.getByLabel('Visits authorised').fill('6');
    await desk.getByLabel('Valid until').fill('2027-02-28');
    res = await clickThrough(h, desk, desk.getByRole('button', { name: 'Record referral' }), '"Record referral" button');
    check(res && res.status() === 422, `status ${res && res.status()}, expected 422`);
    dw.problems = dw.problems.filter((p) => !/status of 422/.test(p));
    check(await desk.locator('#icd10').getAttribute('aria-describedby') === 'icd10-error', 'the ICD-10 field does not point at its message');
    check(/like M54\.50/.test(await desk.locator('#icd10-error').textContent()), 'no message by the ICD-10 field');
    check(await desk.locator('#physician').inputValue() === 'Dr. Ana Ruiz', 'the form lost what was typed');
    await deskStep('2-referral-invalid');
    await desk.getByLabel('ICD-10 code').fill('M54.50');
    await clickThrough(h, desk, desk.getByRole('button', { name: 'Record referral' }), '"Record referral" button');
    check(/^\/staff\/clients\/\d+$/.test(new URL(desk.url()).pathname), `recording led to ${desk.url()}`);
    const status = await desk.locator('#referrals').textContent();
    check(/0 of 6 visits used, valid until Feb 28, 2027/.test(status), `client page referral status: ${status.replace(/\s+/g, ' ')}`);
    await deskStep('3-client-referral');
  });

  await test('notes: the desk checks the client in; the appointment page shows the referral, and no note link', async () => {
    await desk.goto(apptPath, { waitUntil: 'load' });
    await clickThrough(h, desk, desk.getByRole('button', { name: 'Check in' }), '"Check in" button');
    check(/1 more booked/.test(await desk.locator('#referrals').textContent()), 'the appointment page does not count the booked visit');
    check(await desk.getByRole('link', { name: 'Open the treatment note' }).count() === 0, 'the desk is offered the treatment note');
    await deskStep('4-appointment-desk');
  });

  // The therapist writes and signs the note.
  const thCtx = await newContext(browser, base, { viewport: TABLET, bypassCSP: true });
  contexts.push(thCtx);
  const th = await thCtx.newPage();
  const tw = watch(th);
  const thStep = (name) => checkPage(h, th, tw, name, 'notes', '1024 px viewport');
  let notePath = null;

  await test('notes: Maren opens the note from the appointment, writes a draft and saves it', async () => {
    await signIn(h, th, 'maren@chugachbodywork.example', 'demo-therapist-pass');
    await th.goto(apptPath, { waitUntil: 'load' });
    check(/0 of 6 visits used/.test(await th.locator('#referrals').textContent()), 'Maren does not see the referral status');
    await clickThrough(h, th, th.getByRole('link', { name: 'Open the treatment note' }), '"Open the treatment note" link');
    notePath = new URL(th.url()).pathname;
    check(notePath === `${apptPath}/note`, `the note link led to ${th.url()}`);
    await thStep('5-note-empty');
    await th.getByLabel('Subjective').fill('Low back ache after long drives, 6/10.');
    await th.getByRole('group', { name: 'Areas treated' }).getByLabel('Lower back').check();
    await th.getByRole('group', { name: 'Areas treated' }).getByLabel('Hips and glutes').check();
    await clickThrough(h, th, th.getByRole('button', { name: 'Save draft' }), '"Save draft" button');
    check(pathOf(th) === `${notePath}?saved=1`, `saving led to ${th.url()}`);
    check(await th.getByLabel('Subjective').inputValue() === 'Low back ache after long drives, 6/10.', 'the draft lost the subjective part');
    check(await th.getByRole('group', { name: 'Areas treated' }).getByLabel('Lower back').isChecked(), 'the draft lost the area');
    await thStep('6-note-draft');
  });

  await test('notes: the draft form works at phone width too (axe, no sideways scrolling)', async () => {
    const phoneCtx = await newContext(browser, base, { viewport: PHONE, bypassCSP: true });
    contexts.push(phoneCtx);
    const ph = await phoneCtx.newPage();
    const pw = watch(ph);
    await signIn(h, ph, 'maren@chugachbodywork.example', 'demo-therapist-pass');
    const res = await ph.goto(notePath, { waitUntil: 'load' });
    check(res.status() === 200, `GET ${notePath}: ${res.status()}`);
    await checkPage(h, ph, pw, '7-note-phone', 'notes', '390 px phone');
  });

  await test('notes: Maren completes the note with recommendations and signs it; then adds an addendum', async () => {
    await th.getByLabel('Objective').fill('Hypertonic right quadratus lumborum; trigger point in right gluteus medius.');
    await th.getByLabel('Assessment').fill('Muscular low back pain, improving.');
    await th.getByLabel('Plan', { exact: true }).fill('Weekly for three weeks; home stretches.');
    const tech = th.getByRole('group', { name: 'Techniques' });
    await tech.getByLabel('Myofascial release').check();
    await tech.getByLabel('Trigger point therapy').check();
    await th.getByRole('group', { name: 'Pressure' }).getByLabel('Firm').check();
    await th.getByRole('group', { name: 'Home care' }).getByLabel('Alternate heat and cold').check();
    const str = th.getByRole('group', { name: 'Stretches' });
    await str.getByLabel('Knee-to-chest').check();
    await str.getByLabel('Seated piriformis stretch').check();
    await th.getByRole('group', { name: 'Other providers' }).getByLabel('Physical therapy').check();
    await th.getByLabel('Why').fill('Core strengthening for the lumbar spine.');
    await th.getByLabel('Next visit, same service and therapist').selectOption('3');
    await clickThrough(h, th, th.getByRole('button', { name: 'Sign note' }), '"Sign note" button');
    check(pathOf(th) === `${notePath}?signed=1`, `signing led to ${th.url()}`);
    const body = (await th.locator('main').textContent()).replace(/\s+/g, ' ');
    check(/Signed by Maren Holt on Wednesday, November 25, 2026, 10:30 AM\./.test(body), 'no "Signed by" line');
    check(await th.getByRole('button', { name: 'Save draft' }).count() === 0, 'a signed note still offers "Save draft"');
    await thStep('8-note-signed');
    await th.getByLabel('Add an addendum').fill('Client called the next day: pain down to 3/10.');
    await clickThrough(h, th, th.getByRole('button', { name: 'Add addendum' }), '"Add addendum" button');
    const addenda = (await th.locator('#addenda').textContent()).replace(/\s+/g, ' ');
    check(/pain down to 3\/10\.\s*Maren Holt, Wednesday, November 25, 2026, 10:30 AM/.test(addenda), `addenda: ${addenda}`);
    await thStep('9-note-addendum');
  });

  // The client, on a phone, without an account.
  const clCtx = await newContext(browser, base, { viewport: PHONE, bypassCSP: true });
  contexts.push(clCtx);
  const cl = await clCtx.newPage();
  const cw = watch(cl);
  const clStep = (name) => checkPage(h, cl, cw, name, 'notes', '390 px phone');

  await test('notes: the client sees the recommendations (not the note) and books the next visit from them', async () => {
    const res = await cl.goto(appt.manage_url, { waitUntil: 'load' });
    check(res.status() === 200, `GET manage page: ${res.status()}`);
    const recs = (await cl.locator('section.recommendations').textContent()).replace(/\s+/g, ' ');
    for (const want of ['Maren Holt recommends', 'Alternate heat and cold', 'Knee-to-chest.', 'Lie on your back',
      'Seated piriformis stretch.', 'Physical therapy', 'Core strengthening for the lumbar spine.', 'in 3 weeks']) {
      check(recs.includes(want), `the recommendations lack "${want}": ${recs}`);
    }
    const all = await cl.locator('body').textContent();
    check(!/Hypertonic|improving|Low back ache/.test(all), 'the manage page shows the SOAP note');
    await clStep('10-manage-recommendations');
    await clickThrough(h, cl, cl.getByRole('link', { name: 'Book your next visit' }), '"Book your next visit" link');
    check(new URL(cl.url()).pathname === new URL(appt.manage_url, cl.url()).pathname + '/rebook', `the link led to ${cl.url()}`);
    check(await cl.locator('h1').textContent() === 'Book your next visit', 'not the rebook page');
    const week = (await cl.locator('main').textContent()).replace(/\s+/g, ' ');
    check(week.includes('Maren Holt suggested coming back in 3 weeks'), `the page does not say when: ${week}`);
    check(/Deep Tissue Massage \(60 minutes\) with Maren Holt/.test(week), 'the week is not of Maren Holt and the service');
    // every time offered lies within three days of the suggested day
    const starts = await cl.locator('a.slot').evaluateAll((as) => as.map((a) => new URL(a.href).searchParams.get('start')));
    check(starts.length > 0, 'no times offered');
    const want = Date.parse(NEXT_DAY + 'T12:00:00-09:00');
    for (const s of starts) {
      check(Math.abs(Date.parse(s) - want) <= 3.6 * 86400e3, `${s} is not in the suggested week`);
    }
    await clStep('11-rebook-week');
    await clickThrough(h, cl, cl.locator('a.slot'), 'a time');
    const confirm = (await cl.locator('main').textContent()).replace(/\s+/g, ' ');
    for (const want2 of ['Book this time?', 'Rosa Recommend', 'rosa@example.com']) {
      check(confirm.includes(want2), `the confirmation lacks "${want2}": ${confirm}`);
    }
    check(await cl.locator('input[name="email"], input[name="name"], input[name="phone"]').count() === 0,
      'the confirmation asks for details again');
    await clStep('12-rebook-confirm');
    await clickThrough(h, cl, cl.getByRole('button', { name: 'Book this time' }), '"Book this time" button');
    const done = new URL(cl.url());
    check(/^\/a\/[A-Za-z0-9_-]{22}$/.test(done.pathname) && done.searchParams.get('booked') === '1',
      `booking led to ${cl.url()}`);
    check(((await cl.locator('main').textContent()) || '').includes('booked'), 'the new appointment page does not say booked');
    await clStep('13-rebooked');
  });
}
