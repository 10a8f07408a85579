// Browser case for /admin/webhooks, run by tests/e2e/run.mjs (which passes its
// runner and helpers in, so that these cases count in its RESULT line).
//
// Starts its own `knead demo` + `knead serve` (default [webhooks]: loopback
// addresses are refused when sending), then on a phone (390 px): the admin
// signs in, opens Admin → Webhooks, adds an endpoint on 127.0.0.1 for two
// events, reads its signing secret once, sends a test event and finds in the
// delivery log the refusal of the loopback address with "Send again"; the
// list shows the endpoint.  On a tablet (768 px) and a desktop (1280 px) the
// admin reads the same list and log.  axe-core finds no violation at all on
// any page, no page is wider than the viewport; each is screenshotted as
// webhooks-*.png.

import { checkPage, clickThrough, withPinnedServer } from './lib.mjs';

const NOW = '2026-11-24T09:00:00-09:00';
const WIDTHS = [
  ['phone', { width: 390, height: 844 }],
  ['tablet', { width: 768, height: 1024 }],
  ['desktop', { width: 1280, height: 900 }],
];

export async function webhooksCases(h) {
  await withPinnedServer(h, 'webhooks', NOW, async (server, contexts) => {
    let id = null;
    for (const [name, viewport] of WIDTHS) {
      const ctx = await h.newContext(h.browser, server.base, { bypassCSP: true, viewport });
      contexts.push(ctx);
      if (id === null) id = await cases(h, ctx, name, viewport.width);
      else if (id) await reads(h, ctx, name, viewport.width, id);
    }
  });
}

async function signIn(h, page) {
  const res = await page.goto('/login', { waitUntil: 'load' });
  h.check(res.status() === 200, `GET /login: ${res.status()}`);
  await page.getByLabel('Email').fill('admin@chugachbodywork.example');
  await page.getByLabel('Password', { exact: true }).fill('demo-admin-pass');
  await clickThrough(h, page, page.locator('form[action="/login"] button[type="submit"]'), 'sign-in button');
}

function stepper(h, page, w, name, width) {
  return async (what) => {
    await checkPage(h, page, w, `${name}-${what}`, 'webhooks', `${width} px viewport`);
    const all = await h.runAxe(page);
    h.check(all.length === 0, `${what}: axe-core violations:\n` +
      all.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target).join(', ')}`).join('\n'));
  };
}

// The list and the endpoint's log at another width.
async function reads(h, ctx, name, width, id) {
  const { test, check, watch } = h;
  const page = await ctx.newPage();
  const w = watch(page);
  const step = stepper(h, page, w, name, width);
  await test(`webhooks (${width} px): the list and the endpoint's delivery log`, async () => {
    await signIn(h, page);
    await page.goto('/admin/webhooks', { waitUntil: 'load' });
    check(await page.locator(`#endpoint-${id}`).isVisible(), `endpoint ${id} is not listed`);
    await step('list');
    await page.goto(`/admin/webhooks/${id}`, { waitUntil: 'load' });
    check((await page.locator('.webhook-log').textContent()).includes('refused to connect to 127.0.0.1'),
      'the refusal is not in the log');
    await step('log');
  });
}

// The whole way through; returns the endpoint's id (0 when it failed).
async function cases(h, ctx, name, width) {
  const { test, check, watch } = h;
  const page = await ctx.newPage();
  const w = watch(page);
  let made = 0;
  const step = stepper(h, page, w, name, width);
  const click = (locator, what) => clickThrough(h, page, locator, what);
  const url = `http://127.0.0.1:9/knead-${name}`;

  await test(`webhooks (${width} px): admin → Webhooks → add an endpoint → its secret once → test event → the refusal in the log`, async () => {
    await signIn(h, page);
    await page.goto('/admin', { waitUntil: 'load' });
    await click(page.getByRole('link', { name: 'Webhooks', exact: true }), '"Webhooks" link');
    check(new URL(page.url()).pathname === '/admin/webhooks', `"Webhooks" led to ${page.url()}`);
    await step('list');

    await page.getByLabel('Address (URL)').fill(url);
    await page.getByLabel(/^Description/).fill(`The ${name} CRM`);
    // all events are checked for a new endpoint: keep two
    const boxes = page.locator('input[type="checkbox"][name^="event_"]');
    for (let i = 0; i < await boxes.count(); i++) {
      const n = await boxes.nth(i).getAttribute('name');
      if (n !== 'event_appointment.booked' && n !== 'event_client.created') await boxes.nth(i).uncheck();
    }
    await click(page.getByRole('button', { name: 'Add endpoint' }), '"Add endpoint" button');
    const secret = await page.getByLabel('Secret').inputValue();
    check(/^whsec_[A-Za-z0-9+/]{43}=$/.test(secret), `the secret shown is "${secret}"`);
    const id = (await page.locator('h1').textContent()).match(/Endpoint (\d+)/)[1];
    await step('added');

    await click(page.getByRole('button', { name: 'Send a test event' }), '"Send a test event" button');
    check(await page.getByRole('status').filter({ hasText: 'test event' }).isVisible(),
      'no notice that the test event is queued');
    check(!(await page.content()).includes(secret), 'the secret is shown again');
    // the worker refuses the loopback address ([webhooks] allow_private = 0): poll the log
    const deadline = Date.now() + 20_000;
    let reply = '';
    while (Date.now() < deadline) {
      await page.goto(`/admin/webhooks/${id}`, { waitUntil: 'load' });
      reply = (await page.locator('.webhook-log').textContent().catch(() => '')) || '';
      if (reply.includes('refused to connect to 127.0.0.1')) break;
      await page.waitForTimeout(250);
    }
    check(reply.includes('refused to connect to 127.0.0.1'), `the log says: ${reply.slice(0, 400)}`);
    check(await page.getByRole('button', { name: /^Send again delivery \d+$/ }).first().isVisible(),
      'no "Send again" button');
    await step('log');

    await page.goto('/admin/webhooks', { waitUntil: 'load' });
    const row = page.locator(`#endpoint-${id}`);
    check((await row.textContent()).includes(url), 'the endpoint is not listed');
    check((await row.textContent()).includes('appointment.booked, client.created'), 'its events are not listed');
    await step('listed');
    made = Number(id);
  });
  return made;
}
