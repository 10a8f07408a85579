// Browser cases for the client's way through (issue 13, items 7-14), run by
// tests/e2e/run.mjs.  Its own `knead demo` + `knead serve --now` (Tuesday
// 2026-11-24 09:00 in Anchorage).  Every page state is checked at a phone
// (390x844), a tablet (1024x768) and a desktop (1440x900): one h1, nothing
// wider than the viewport, axe-core with no violations at all, and a
// screenshot journey-<state>-<size>.png.  Nothing but 127.0.0.1 is contacted.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { withPinnedServer } from './lib.mjs';

const NOW = '2026-11-24T09:00:00-09:00';
const SIZES = [
  ['phone', { width: 390, height: 844 }],
  ['tablet', { width: 1024, height: 768 }],
  ['desktop', { width: 1440, height: 900 }],
];

export async function journeyCases(h) {
  await withPinnedServer(h, 'journey', NOW, (server, contexts) => cases(h, server, contexts));
}

async function cases(h, server, contexts) {
  const { browser, test, check, newContext, watch, runAxe } = h;
  const base = server.base;

  // One context per size, kept for the whole run (cookies carry over).
  const ctxs = {};
  for (const [size, viewport] of SIZES) {
    ctxs[size] = await newContext(browser, base, { viewport, bypassCSP: true });
    contexts.push(ctxs[size]);
  }

  // Opens p at every size, runs look(page, size) on it, then the checks.
  async function everySize(state, p, look, status = 200) {
    for (const [size] of SIZES) {
      const page = await ctxs[size].newPage();
      const w = watch(page);
      try {
        const res = await page.goto(p, { waitUntil: 'load' });
        check(res.status() === status, `${state} (${size}): GET ${p} answered ${res.status()}`);
        if (look) await look(page, size);
        const h1 = await page.locator('h1').count();
        check(h1 === 1, `${state} (${size}): ${h1} h1 elements`);
        const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        check(over <= 0, `${state} (${size}): ${over}px wider than the viewport`);
        const v = await runAxe(page);
        check(v.length === 0, `${state} (${size}): axe-core:\n` + v.map((x) => `${x.id} (${x.impact}): ${x.help} ` +
          x.nodes.map((n) => n.target).join(', ')).join('\n'));
        await page.screenshot({ path: path.join(h.shots, `journey-${state}-${size}.png`), fullPage: true });
        const probs = w.problems.filter((m) => !(status >= 400 && /status of \d+/.test(m)));
        check(probs.length === 0, `${state} (${size}): ${probs.join('\n')}`);
      } finally {
        await page.close();
      }
    }
  }

  async function api(method, p, body) {
    const res = await fetch(base + p, { method, headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined });
    const data = await res.json().catch(() => ({}));
    return { status: res.status, data };
  }

  async function freeStart(therapist, service = 'deep-tissue-60') {
    for (const day of ['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-30', '2026-12-01']) {
      const r = await api('GET', `/api/v1/availability?service=${service}&date=${day}&therapist=${therapist}`);
      const s = JSON.stringify(r.data).match(/"start":"([^"]+)"/);
      if (s) return s[1];
    }
    throw new Error(`no free time for ${therapist}`);
  }

  let n = 0;
  async function book(therapist = 'maren-holt', service = 'deep-tissue-60') {
    n++;
    const r = await api('POST', '/api/v1/appointments', { service, therapist, start: await freeStart(therapist, service),
      client: { name: `Jo Journey${'abcdefghij'[n]}`, email: `jo${n}@example.com`, phone: `907-555-07${String(n).padStart(2, '0')}` } });
    check(r.status === 201, `booking through the API: ${r.status} ${JSON.stringify(r.data)}`);
    return r.data.manage_url;
  }

  // ---- item 11: the private link follows the appointment's state ----
  await test('journey: a cancelled appointment\'s link no longer asks for the health form nor offers to move (3 sizes)', async () => {
    const manage = await book();
    const page = await ctxs.phone.newPage();
    try {
      await page.goto(manage + '/cancel');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Yes, cancel my appointment' }).click()]);
    } finally {
      await page.close();
    }
    await everySize('cancelled', manage, async (page, size) => {
      const t = await page.locator('main').textContent();
      check(!/Fill in your health form/.test(t), `${size}: a cancelled appointment still asks for the health form`);
      check(await page.getByRole('link', { name: 'Move appointment' }).count() === 0, `${size}: still offers to move`);
      check(/no longer asks for a health form/.test(t), `${size}: no word on why`);
    });
    await everySize('cancelled-intake', manage + '/intake', async (page, size) => {
      const t = await page.locator('main').textContent();
      check(/This appointment is cancelled/.test(t), `${size}: the form's link says "${t.slice(0, 200)}"`);
      check(await page.locator('form').count() === 0, `${size}: a form is still shown`);
    }, 410);
  });

  // ---- item 7: step 1 on a phone, one readable card per service ----
  await test('journey: step 1 shows each service as one card, name then length and price then description (3 sizes)', async () => {
    await everySize('book-1-service', '/book', async (page, size) => {
      const cards = page.locator('.choice-service');
      const count = await cards.count();
      check(count >= 2, `${size}: ${count} service cards`);
      for (let i = 0; i < count; i++) {
        const card = cards.nth(i);
        const box = await card.boundingBox();
        const t = await card.locator('.choice-title').boundingBox();
        const m = await card.locator('.choice-meta').boundingBox();
        const d = await card.locator('.choice-text').boundingBox();
        check(m.y >= t.y + t.height - 1 && d.y >= m.y + m.height - 1,
          `${size}: card ${i}: title, meta and description are not stacked (${JSON.stringify([t, m, d])})`);
        check(d.width >= box.width * 0.7, `${size}: card ${i}: the description is squeezed to ${d.width}px of ${box.width}px`);
        const meta = await card.locator('.choice-meta').textContent();
        check(/\d+ minutes/.test(meta) && /\$\d/.test(meta), `${size}: card ${i}: meta "${meta}"`);
      }
    });
  });

  // ---- item 8: choosing a therapist ----
  await test('journey: step 2 shows each therapist with photo, specialties, bio and next opening; "Book with Maren" preselects her (3 sizes)', async () => {
    await everySize('book-2-therapist', '/book?service=deep-tissue-60', async (page, size) => {
      const people = page.locator('.choice-person');
      check(await people.count() === 5, `${size}: ${await people.count()} choices`);
      for (let i = 1; i < 5; i++) {
        const p = people.nth(i);
        check(await p.locator('.choice-photo').count() === 1, `${size}: therapist ${i} has no photo or monogram`);
        check(await p.locator('.tags li').count() >= 1, `${size}: therapist ${i} shows no specialties`);
        check(((await p.locator('.choice-text').textContent()) || '').length > 40, `${size}: therapist ${i} has no bio`);
        const next = (await p.locator('.choice-next').textContent()) || '';
        check(/Next opening: (Today|Tomorrow|\w+day)/.test(next), `${size}: therapist ${i}: "${next}"`);
      }
    });
    await everySize('therapist-maren', '/therapists/maren-holt', async (page, size) => {
      check(await page.locator('.tags li').count() >= 1, `${size}: no specialties on her page`);
    });
    const page = await ctxs.phone.newPage();
    try {
      await page.goto('/therapists/maren-holt');
      await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Book with Maren' }).first().click()]);
      check(new URL(page.url()).search === '?therapist=maren-holt', `"Book with Maren" led to ${page.url()}`);
      await Promise.all([page.waitForNavigation(), page.locator('.choice-title a').first().click()]);
      const so = (await page.locator('.book-so-far').first().textContent()) || '';
      check(/Maren Holt/.test(so), `step 3 is for "${so.trim()}", not Maren`);
    } finally {
      await page.close();
    }
  });

  // ---- item 9: moving keeps the booked therapist ----
  await test('journey: moving preselects the booked therapist; another is an explicit choice shown on the confirmation (3 sizes)', async () => {
    const manage = await book('lena-kusugak');
    await everySize('move-own-therapist', manage + '/move', async (page, size) => {
      const cur = (await page.locator('.book-choices a[aria-current="page"]').textContent()) || '';
      check(cur.trim() === 'Lena Kusugak (your therapist)', `${size}: preselected "${cur.trim()}"`);
    });
    const page = await ctxs.phone.newPage();
    let confirm = null;
    try {
      await page.goto(manage + '/move');
      await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Dev Okafor', exact: true }).click()]);
      await Promise.all([page.waitForNavigation(), page.locator('a.slot').first().click()]);
      confirm = new URL(page.url()).pathname + new URL(page.url()).search;
    } finally {
      await page.close();
    }
    await everySize('move-other-therapist-confirm', confirm, async (page, size) => {
      const t = (await page.locator('.summary').textContent()) || '';
      check(/Dev Okafor\s*\(instead of Lena Kusugak, as you chose\)/.test(t), `${size}: confirmation says "${t.replace(/\s+/g, ' ')}"`);
    });
  });

  // ---- item 12: "My appointments" in the header, with the signed-in state ----
  await test('journey: the header links "My appointments" and shows who is signed in (3 sizes)', async () => {
    await everySize('header-signed-out', '/', async (page, size) => {
      const a = page.locator('header').getByRole('link', { name: 'My appointments', exact: true });
      check(await a.isVisible(), `${size}: no visible "My appointments" in the header`);
      check(await a.getAttribute('href') === '/account', `${size}: it goes to ${await a.getAttribute('href')}`);
    });
    const pw = path.join(path.dirname(server.db), 'client-pw');
    fs.writeFileSync(pw, 'client-pass-123\n');
    const add = spawnSync(server.knead, ['user', 'add', '--db', server.db, '--email', 'hana@example.com', '--name',
      'Hana Header', '--role', 'client', '--password-file', pw], { encoding: 'utf8', timeout: 60_000 });
    check(add.status === 0, `knead user add: ${add.stderr}`);
    for (const [size] of SIZES) {
      const page = await ctxs[size].newPage();
      try {
        await page.goto('/login');
        await page.getByLabel('Email').fill('hana@example.com');
        await page.getByLabel('Password').fill('client-pass-123');
        await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /Sign in/ }).click()]);
        const cookies = await ctxs[size].cookies();
        check(cookies.some((c) => /session/.test(c.name)), `${size}: not signed in at ${page.url()}: ` +
          ((await page.locator('main').textContent()) || '').replace(/\s+/g, ' ').slice(0, 300) + JSON.stringify(cookies.map((c) => c.name)));
      } finally {
        await page.close();
      }
    }
    await everySize('header-signed-in', '/services', async (page, size) => {
      const a = page.locator('header').getByRole('link', { name: /^My appointments\s*, signed in as Hana$/ });
      const snap = await page.locator('header nav').ariaSnapshot();
      check(await a.isVisible(), `${size}: the header does not show who is signed in: ${await a.count()} ${snap}`);
      check(await a.getAttribute('href') === '/portal', `${size}: it goes to ${await a.getAttribute('href')}`);
    });
    await everySize('portal', '/portal', async (page, size) => {
      const cur = page.locator('header a[aria-current="page"]');
      check(/My appointments/.test((await cur.textContent()) || ''), `${size}: the header does not mark the portal as current`);
    });
  });

  // ---- item 14: opening hours from the settings; every service's next opening ----
  await test('journey: the footer\'s opening hours come from the settings and every service shows its next opening (3 sizes)', async () => {
    for (const [state, p, sel] of [['services', '/services', '.card.service'], ['book-1-openings', '/book', '.choice-service']]) {
      await everySize(state, p, async (page, size) => {
        const hours = ((await page.locator('.footer-hours').textContent()) || '').replace(/\s+/g, ' ');
        check(/Monday – Friday\s*8 AM – 8 PM/.test(hours) && /Sunday\s*Closed/.test(hours), `${size}: footer hours "${hours}"`);
        const cards = page.locator(sel);
        const n = await cards.count();
        check(n >= 4, `${size}: ${n} services`);
        for (let i = 0; i < n; i++) {
          const t = ((await cards.nth(i).textContent()) || '').replace(/\s+/g, ' ');
          check(/Next opening: /.test(t), `${size}: service ${i} shows no next opening: "${t.slice(0, 120)}"`);
        }
      });
    }
  });

  // ---- item 10: the policy before booking; the confirmation page ----
  await test('journey: the details step states the cancellation policy; the confirmation shows price, map and calendar links and the health form (3 sizes)', async () => {
    const start = await freeStart('maren-holt');
    await everySize('book-4-policy', `/book?service=deep-tissue-60&therapist=maren-holt&start=${encodeURIComponent(start)}`, async (page, size) => {
      const t = ((await page.locator('.book-policy').textContent()) || '').replace(/\s+/g, ' ');
      check(/Cancelling less than 24 hours before it starts counts as a late cancellation/.test(t), `${size}: policy "${t}"`);
    });
    const manage = await book('maren-holt');
    await everySize('confirmation', manage + '?booked=1', async (page, size) => {
      const main = ((await page.locator('main').textContent()) || '').replace(/\s+/g, ' ');
      check(/Price\s*\$\d+/.test(main), `${size}: no price in "${main.slice(0, 600)}"`);
      for (const name of ['Add to calendar', 'Google Calendar', 'Outlook', 'Fill in your health form']) {
        check(await page.getByRole('link', { name, exact: true }).first().isVisible(), `${size}: no visible "${name}" link`);
      }
      const map = await page.getByRole('link', { name: /Open in a map/ }).getAttribute('href');
      check(map.startsWith('https://www.google.com/maps/search/?api=1&query='), `${size}: map link ${map}`);
      const google = await page.getByRole('link', { name: 'Google Calendar', exact: true }).getAttribute('href');
      check(!google.includes(manage.split('/').pop()), `${size}: the private link goes to Google`);
    });
  });
}
