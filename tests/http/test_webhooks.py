"""Webhooks (issue 12 item 6): the real server with the clock pinned to
Tuesday 2026-11-24 09:00 in Anchorage (-09:00), [webhooks] allow_private = 1
and short timeouts and back-offs, and a receiver on 127.0.0.1 (one path per
test, so the tests' events do not mix) that checks nothing itself: the tests
verify each request's Standard Webhooks signature with the secret the admin
page showed once.  Covered: who may use /admin/webhooks, bad addresses, the
secret shown once and its rotation, every event type and its payload, the
money events of a desk checkout (an invoice, a card payment, a refund, a
credit note: amounts in cents, no reason, no card reference) and none for a
refused refund or credit note, no health data in any payload, a retry after a 500, a hanging receiver that
holds neither the others nor the shutdown, "Send again", a test ping, a
disabled endpoint, a private address refused without allow_private, and
deliveries queued when the server is killed delivered after its restart.
Waits poll with a deadline; nothing sleeps a fixed time.

usage: test_webhooks.py PATH/TO/knead"""
import base64
import hashlib
import hmac
import json
import os
import re
import signal
import sys
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Browser, Server, clear_failures, finish, run_suite,  # noqa: E402
                     signed_in, text)

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
ADMIN = ('admin@chugachbodywork.example', 'demo-admin-pass')
DESK = ('desk@chugachbodywork.example', 'demo-desk-pass')
THERAPIST = ('maren@chugachbodywork.example', 'demo-therapist-pass')
DEADLINE = 30.0
SECRET = re.compile(r'value="(whsec_[A-Za-z0-9+/=]+)"')
EVENTS = ('appointment.booked', 'appointment.moved', 'appointment.cancelled',
          'appointment.status_changed', 'client.created', 'client.merged', 'waitlist.offered')
MONEY = ('invoice.issued', 'payment.received', 'payment.refunded', 'credit_note.issued')
ONCE = re.compile(r'name="once" value="([^"]+)"')
S = None
R = None


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST by path and
    answers as told: a status per path (default 200), or holds the answer
    of a 'hang' path until released (at most 60 s)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.got = {}          # path -> [(headers, body bytes)]
        self.status = {}       # path -> list of statuses to answer in turn (last one repeats)
        self.hang = {}         # path -> threading.Event set to release
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get('Content-Length', '0'))
                body = self.rfile.read(n)
                with outer.lock:
                    outer.got.setdefault(self.path, []).append(
                        ({k.lower(): v for k, v in self.headers.items()}, body))
                    seq = outer.status.get(self.path, [200])
                    code = seq.pop(0) if len(seq) > 1 else seq[0]
                    ev = outer.hang.get(self.path)
                if ev is not None:
                    ev.wait(60)
                reply = b'receiver says %d' % code
                try:
                    self.send_response(code)
                    if 300 <= code < 400:   # where a sender following redirects would go
                        self.send_header('Location', outer.url(self.path + '-target'))
                    self.send_header('Content-Length', str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass   # the sender gave up (a timeout): nothing to answer

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    def requests(self, path):
        with self.lock:
            return list(self.got.get(path, []))

    def bodies(self, path):
        return [json.loads(b) for _, b in self.requests(path)]

    def stop(self):
        for ev in self.hang.values():
            ev.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def config(dirname, allow_private=1, timeout=2):
    path = os.path.join(dirname, 'hooks.ini')
    with open(path, 'w') as f:
        f.write('[smtp]\nhost =\n[limits]\nbookings_per_hour = 0\nwaitlist_per_hour = 0\n'
                '[webhooks]\nallow_private = %d\ntimeout_seconds = %d\nretry_min_seconds = 1\n'
                'retry_max_seconds = 2\nmax_attempts = 3\n' % (allow_private, timeout))
    return path


def setUpModule():
    global S, R
    R = Receiver()
    S = Server(KNEAD)
    S.extra = ['--now', NOW, '--config', config(S.dir)]
    S.start()


def tearDownModule():
    R.stop()
    finish(S)


def wait_for(what, fn, server=None, deadline=DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        got = fn()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError('timed out waiting for ' + what + '\n' + (server or S).log()[-3000:])


def verify(secret, headers, body):
    """Checks a request as a Standard Webhooks receiver does; returns the payload."""
    key = base64.b64decode(secret[len('whsec_'):])
    signed = ('%s.%s.' % (headers['webhook-id'], headers['webhook-timestamp'])).encode() + body
    want = 'v1,' + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert want in headers['webhook-signature'].split(' '), (headers, body[:200])
    # the timestamp is the attempt's real time, not the pinned clock
    assert abs(int(headers['webhook-timestamp']) - time.time()) < 300, headers
    assert headers['content-type'] == 'application/json'
    return json.loads(body)


def api(method, path, body=None, headers=None, server=None):
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h['Content-Type'] = 'application/json'
    st, _, out = (server or S).request(method, path, body=data, headers=h)
    return st, json.loads(out) if out else None


def book(start, name, email, therapist='any', notes='left shoulder injury, on blood thinners',
         server=None):
    st, appt = api('POST', '/api/v1/appointments', {
        'service': 'deep-tissue-60', 'therapist': therapist, 'start': start,
        'client': {'name': name, 'email': email, 'phone': '907 555 0100'}, 'notes': notes},
        server=server)
    assert st == 201, (st, appt)
    return appt


def manage(appt):
    return {'Authorization': 'Bearer ' + appt['manage_url'].rsplit('/', 1)[1]}


def admin(server=None):
    clear_failures(server or S)
    return signed_in(ADMIN, server=server)


def add_endpoint(b, path, events=EVENTS, receiver=None, enabled=True, description=''):
    """Adds an endpoint through the page; returns (id, secret)."""
    form = {'url': (receiver or R).url(path), 'description': description}
    if enabled:
        form['enabled'] = '1'
    for ev in events:
        form['event_' + ev] = '1'
    st, h, page = b.post('/admin/webhooks', form)
    assert st == 201, (st, text(page)[:800])
    m = SECRET.search(page)
    assert m, text(page)[:800]
    eid = int(re.search(r'<h1>Endpoint (\d+)</h1>', page).group(1))
    assert 'no-store' in h.get('cache-control', ''), h
    return eid, m.group(1)


def deliveries(eid, server=None):
    return (server or S).sql(
        'SELECT d.id, e.type, d.status, d.attempts, d.last_status, d.last_reply, e.msg_id '
        'FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id '
        'WHERE d.endpoint_id = ?1 ORDER BY d.id', eid)


def conforms(doc, schema, value, where='$'):
    """The parts of JSON Schema the OpenAPI document uses: $ref, oneOf, type
    object/integer/string/boolean/null (or a list of them), required,
    properties (no others allowed in a webhook payload), const, enum,
    pattern, minimum."""
    if '$ref' in schema:
        schema = doc['components']['schemas'][schema['$ref'].rsplit('/', 1)[1]]
    if 'oneOf' in schema:
        ok = 0
        for alt in schema['oneOf']:
            try:
                conforms(doc, alt, value, where)
                ok += 1
            except AssertionError:
                pass
        assert ok == 1, (where, 'matches %d of oneOf' % ok, value)
        return
    if 'const' in schema:
        assert value == schema['const'], (where, value)
    if 'enum' in schema:
        assert value in schema['enum'], (where, value)
    t = schema.get('type')
    if isinstance(t, list):
        if value is None and 'null' in t:
            return
        t = [x for x in t if x != 'null']
        assert len(t) == 1, (where, t)
        t = t[0]
    if t == 'null':
        assert value is None, (where, value)
    if t == 'object':
        assert isinstance(value, dict), (where, value)
        for k in schema.get('required', []):
            assert k in value, (where, 'missing', k)
        for k, v in value.items():
            assert k in schema.get('properties', {}), (where, 'undocumented member', k)
            conforms(doc, schema['properties'][k], v, where + '.' + k)
    elif t == 'integer':
        assert isinstance(value, int) and not isinstance(value, bool), (where, value)
        if 'minimum' in schema:
            assert value >= schema['minimum'], (where, value)
    elif t == 'string':
        assert isinstance(value, str), (where, value)
        if 'pattern' in schema:
            assert re.search(schema['pattern'], value), (where, value)
    elif t == 'boolean':
        assert isinstance(value, bool), (where, value)


class Webhooks(unittest.TestCase):
    def test_admin_only(self):
        for who in (DESK, THERAPIST):
            clear_failures(S)
            b = signed_in(who)
            for path in ('/admin/webhooks', '/admin/webhooks/1'):
                st, _, _ = b.get(path)
                self.assertEqual(st, 403, (who, path))
            st, _, _ = b.post('/admin/webhooks', {'url': R.url('/x'), 'event_client.created': '1'})
            self.assertEqual(st, 403)
        st, h, _ = Browser().get('/admin/webhooks')
        self.assertEqual(st, 303)
        self.assertIn('/login', h['location'])
        # an admin's form without the CSRF token is refused by the dispatcher
        b = admin()
        st, _, _ = b.request('POST', '/admin/webhooks',
                             {'url': R.url('/csrf'), 'event_client.created': '1', 'enabled': '1'})
        self.assertEqual(st, 403)
        self.assertEqual(S.sql('SELECT count(*) FROM webhook_endpoints WHERE url = ?1',
                               R.url('/csrf'))[0][0], 0)

    def test_bad_addresses_are_refused_and_nothing_stored(self):
        b = admin()
        before = S.sql('SELECT count(*) FROM webhook_endpoints')[0][0]
        for url, says in (('ftp://hooks.example.com/x', 'https://'),
                          ('https://user:pw@hooks.example.com/x', 'user name or password'),
                          ('https://hooks.example.com/x#frag', 'fragment'),
                          ('https://hooks.example.com/a b', 'spaces'),
                          ('https://hooks.example.com:99999/x', 'port'),
                          ('https://', 'full http'),
                          ('https://exa_mple.com/x', 'host name')):
            st, _, page = b.post('/admin/webhooks', {'url': url, 'event_client.created': '1',
                                                     'enabled': '1'})
            self.assertEqual(st, 422, url)
            self.assertIn(says, text(page), url)
            self.assertIn('The endpoint was not added', text(page))
        st, _, page = b.post('/admin/webhooks', {'url': R.url('/none'), 'enabled': '1'})
        self.assertEqual(st, 422)
        self.assertIn('Choose at least one event', text(page))
        self.assertEqual(S.sql('SELECT count(*) FROM webhook_endpoints')[0][0], before)
        for path in ('/admin/webhooks/999999', '/admin/webhooks/x'):
            self.assertEqual(b.get(path)[0], 404)
        self.assertEqual(b.post('/admin/webhooks/999999/ping', {})[0], 404)
        self.assertEqual(b.post('/admin/webhooks/deliveries/999999/retry', {})[0], 404)
        self.assertEqual(b.get('/admin/webhooks/1?status=bogus')[0], 400)

    def test_signed_booking_and_the_secret_shown_once(self):
        b = admin()
        eid, secret = add_endpoint(b, '/signed', events=('appointment.booked',))
        self.assertEqual(len(base64.b64decode(secret[6:])), 32)
        # the secret is stored sealed, and no page shows it again
        self.assertEqual(S.sql('SELECT count(*) FROM webhook_endpoints WHERE id = ?1 AND '
                               'instr(secret, ?2) > 0', eid, secret[6:])[0][0], 0)
        _, _, page = b.get('/admin/webhooks/%d' % eid)
        self.assertNotIn(secret, page)
        _, _, page = b.get('/admin/webhooks')
        self.assertNotIn(secret, page)
        self.assertIn(R.url('/signed'), page)
        appt = book('2026-12-01T10:00:00-09:00', 'Sig Nature', 'sig@example.com')
        reqs = wait_for('the signed booking', lambda: R.requests('/signed'))
        payload = verify(secret, *reqs[0])
        self.assertEqual(payload['type'], 'appointment.booked')
        a = payload['data']['appointment']
        self.assertEqual(a['id'], appt['id'])
        self.assertEqual(a['start'], '2026-12-01T10:00:00-09:00')
        self.assertEqual(a['status'], 'booked')
        self.assertEqual(a['service']['id'], 'deep-tissue-60')
        self.assertTrue(a['therapist']['name'])
        self.assertEqual(payload['timestamp'], NOW)
        self.assertTrue(reqs[0][0]['webhook-id'].startswith('msg_'))
        # a forged body does not verify
        with self.assertRaises(AssertionError):
            verify(secret, reqs[0][0], reqs[0][1].replace(b'booked', b'cancelled'))
        wait_for('delivered in the log', lambda: deliveries(eid)[-1][2] == 'delivered')
        _, _, page = b.get('/admin/webhooks/%d' % eid)
        self.assertIn('Delivered', page)
        self.assertIn('HTTP 200', page)
        self.assertIn('receiver says 200', page)

        # a new secret: what is sent next verifies with it, not with the old one
        st, h, page = b.post('/admin/webhooks/%d/secret' % eid, {})
        self.assertEqual(st, 200)
        self.assertIn('no-store', h['cache-control'])
        new = SECRET.search(page).group(1)
        self.assertNotEqual(new, secret)
        book('2026-12-01T11:30:00-09:00', 'Sig Two', 'sig2@example.com')
        reqs = wait_for('the second booking', lambda: R.requests('/signed')[1:])
        verify(new, *reqs[0])
        with self.assertRaises(AssertionError):
            verify(secret, *reqs[0])

    def test_every_event_type(self):
        b = admin()
        eid, secret = add_endpoint(b, '/all')
        # a booking by a new client: client.created and appointment.booked
        appt = book('2026-12-02T10:00:00-09:00', 'Eve Events', 'eve@example.com',
                    therapist='maren-holt')
        # moved
        st, moved = api('POST', '/api/v1/appointments/%d/reschedule' % appt['id'],
                        {'start': '2026-12-02T13:00:00-09:00', 'therapist': 'maren-holt'},
                        headers=manage(appt))
        self.assertEqual(st, 200, moved)
        # status changed by the desk (today's appointment, checked in), and undone
        clear_failures(S)
        desk = signed_in(DESK)
        today = book('2026-11-24T13:00:00-09:00', 'Eve Events', 'eve@example.com',
                     therapist='tomas-reyes')
        url = '/staff/appointments/%d' % today['id']
        self.assertEqual(desk.post(url + '/status', {'status': 'checked_in'})[0], 303)
        self.assertEqual(desk.post(url + '/undo', {'reason': 'wrong client'})[0], 303)
        # and the desk cancels it, with a reason that is never sent
        self.assertEqual(desk.post(url + '/status', {'status': 'cancelled',
                                                     'reason': 'REASONTEXT called in sick'})[0], 303)
        # a waitlist entry for Wednesday mornings with Maren, then the moved
        # appointment is cancelled: the freed time is offered
        wb = Browser()
        wb.get('/waitlist')
        st, h, page = wb.post('/waitlist', {
            'service': 'deep-tissue-60', 'therapist': 'maren-holt', 'date_from': '2026-12-02',
            'date_to': '2026-12-02', 'days': ['3'], 'time_from': '12:00', 'time_to': '16:00',
            'name': 'Wally Wait', 'email': 'wally@example.com', 'phone': ''})
        self.assertEqual(st, 303, text(page)[:500])
        st, c = api('DELETE', '/api/v1/appointments/%d' % appt['id'], headers=manage(appt))
        self.assertEqual(st, 200, c)
        # a duplicate client, merged
        book('2026-12-03T10:00:00-09:00', 'Eve E.', 'EVE@example.com')
        keep = S.sql("SELECT id FROM clients WHERE name = 'Eve Events'")[0][0]
        dup = S.sql("SELECT id FROM clients WHERE name = 'Eve E.'")[0][0]
        st, _, _ = desk.post('/staff/clients/%d/merge' % keep, {'other': str(dup), 'confirm': 'yes'})
        self.assertEqual(st, 303)

        def got():
            types = [p['type'] for p in map(lambda r: verify(secret, *r), R.requests('/all'))]
            return types if set(EVENTS) <= set(types) else None
        types = wait_for('every event type', got)
        self.assertEqual(types.count('client.created'), 2, types)   # Eve Events, Eve E.
        by = {}
        for p in R.bodies('/all'):
            by.setdefault(p['type'], []).append(p['data'])
        self.assertEqual(by['client.created'][0]['client']['email'], 'eve@example.com')
        self.assertEqual(by['appointment.moved'][0]['previous']['start'], '2026-12-02T10:00:00-09:00')
        self.assertEqual(by['appointment.moved'][0]['appointment']['start'], '2026-12-02T13:00:00-09:00')
        status = by['appointment.status_changed']
        self.assertEqual([(s['previous_status'], s['appointment']['status']) for s in status],
                         [('booked', 'checked_in'), ('checked_in', 'booked')])
        by_who = {c['cancelled_by']: c for c in by['appointment.cancelled']}
        self.assertEqual(set(by_who), {'client', 'clinic'})
        self.assertEqual((by_who['client']['appointment']['id'], by_who['client']['appointment']['late_cancel']),
                         (appt['id'], False))
        self.assertEqual((by_who['clinic']['appointment']['id'], by_who['clinic']['appointment']['status']),
                         (today['id'], 'cancelled'))
        self.assertFalse([b for _, b in R.requests('/all') if b'REASONTEXT' in b])
        offer = by['waitlist.offered'][0]['offer']
        self.assertEqual((offer['start'], offer['therapist']['id']),
                         ('2026-12-02T13:00:00-09:00', 'maren-holt'))
        merged = by['client.merged'][0]
        self.assertEqual((merged['client']['id'], merged['merged_client_id']), (keep, dup))
        # every payload is the one the OpenAPI document describes for its type
        st, _, raw = S.request('GET', '/api/v1/openapi.json')
        doc = json.loads(raw)
        self.assertEqual(set(doc['webhooks']), set(EVENTS) | set(MONEY) | {'webhook.ping'})
        for p in R.bodies('/all'):
            ref = doc['webhooks'][p['type']]['post']['requestBody']['content'][
                'application/json']['schema']
            conforms(doc, ref, p)
        # each event once per endpoint: ids are unique
        ids = [h['webhook-id'] for h, _ in R.requests('/all')]
        self.assertEqual(len(ids), len(set(ids)))

    def test_money_events_of_a_checkout(self):
        b = admin()
        eid, secret = add_endpoint(b, '/money', events=MONEY)
        # a visit today, checked in by the desk, billed at the checkout
        appt = book('2026-11-24T16:00:00-09:00', 'Mona Money', 'mona@example.com',
                     therapist='dev-okafor', notes='HEALTHSECRET knee surgery')
        clear_failures(S)
        desk = signed_in(DESK)
        aid = appt['id']
        url = '/staff/appointments/%d' % aid
        self.assertEqual(desk.post(url + '/status', {'status': 'checked_in'})[0], 303)
        once = ONCE.findall(desk.get(url + '/checkout')[2])[0]
        st, _, page = desk.post(url + '/checkout', {'once': once, 'action': 'issue',
                                                    'discount_kind': 'none', 'tip': '15'})
        self.assertEqual(st, 303, text(page)[:600])
        inv, number = S.sql('SELECT id, number FROM invoices WHERE appointment_id = ?1', aid)[0]
        # the card payment of the whole balance, its terminal reference never sent
        once = ONCE.findall(desk.get(url + '/checkout')[2])[0]
        st, _, page = desk.post('/staff/invoices/%d/payments' % inv, {
            'once': once, 'method': 'card', 'amount': '135', 'reference': 'CARDREF-4242'})
        self.assertEqual(st, 303, text(page)[:600])
        pid = S.sql('SELECT id FROM payments WHERE invoice_id = ?1', inv)[0][0]

        def refund_once():
            return re.search(r'name="once" value="([^"]+)">\s*<input type="hidden" name="payment"',
                             desk.get('/staff/invoices/%d' % inv)[2]).group(1)

        def credit_once():
            return re.search(r'name="once" value="([^"]+)">\s*<div class="field">\s*<label for="credit',
                             desk.get('/staff/invoices/%d' % inv)[2]).group(1)

        def queued(kind):
            return S.sql('SELECT count(*) FROM webhook_events WHERE type = ?1', kind)[0][0]

        # refused: a refund above what was paid, a credit note above the invoice: no event
        st, _, _ = desk.post('/staff/invoices/%d/refunds' % inv, {
            'once': refund_once(), 'payment': pid, 'amount': '135.01', 'reason': 'x'})
        self.assertEqual(st, 422)
        st, _, _ = desk.post('/staff/invoices/%d/credit-notes' % inv, {
            'once': credit_once(), 'amount': '135.01', 'reason': 'x'})
        self.assertEqual(st, 422)
        self.assertEqual((queued('payment.refunded'), queued('credit_note.issued')), (0, 0))
        # a part refund (sent twice: one refund, one event) and a credit note
        once = refund_once()
        for _ in range(2):
            st, _, _ = desk.post('/staff/invoices/%d/refunds' % inv, {
                'once': once, 'payment': pid, 'amount': '20', 'reason': 'REFUNDREASON cut short'})
            self.assertEqual(st, 303)
        st, _, _ = desk.post('/staff/invoices/%d/credit-notes' % inv, {
            'once': credit_once(), 'amount': '10', 'reason': 'CREDITREASON wrong price'})
        self.assertEqual(st, 303)
        rid = S.sql('SELECT id FROM refunds WHERE payment_id = ?1', pid)[0][0]
        cid = S.sql('SELECT id FROM credit_notes WHERE invoice_id = ?1', inv)[0][0]
        reqs = wait_for('the four money events', lambda: len(R.requests('/money')) >= 4 and
                        R.requests('/money'))
        got = [verify(secret, *r) for r in reqs]
        self.assertEqual([p['type'] for p in got], list(MONEY))
        st, _, raw = S.request('GET', '/api/v1/openapi.json')
        doc = json.loads(raw)
        for p in got:
            conforms(doc, doc['webhooks'][p['type']]['post']['requestBody']['content'][
                'application/json']['schema'], p)
        issued, paid, refunded, credited = (p['data'] for p in got)
        i = issued['invoice']
        self.assertEqual((i['id'], i['number'], i['appointment_id'], i['client_id'], i['currency']),
                         (inv, number, aid, S.sql('SELECT client_id FROM appointments WHERE id = ?1', aid)[0][0],
                          'USD'))
        self.assertEqual((i['subtotal_cents'], i['tip_cents'], i['total_cents'], i['paid_cents'],
                          i['balance_cents'], i['issued_at']),
                         (12000, 1500, 13500, 0, 13500, NOW))
        p = paid['payment']
        self.assertEqual((p['id'], p['invoice_id'], p['method'], p['amount_cents'], p['currency'],
                          p['received_at']), (pid, inv, 'card', 13500, 'USD', NOW))
        self.assertEqual((paid['invoice']['paid_cents'], paid['invoice']['balance_cents']), (13500, 0))
        r = refunded['refund']
        self.assertEqual((r['id'], r['payment_id'], r['amount_cents'], r['currency'], r['method']),
                         (rid, pid, 2000, 'USD', 'card'))
        self.assertEqual(refunded['payment']['refunded_cents'], 2000)
        self.assertEqual(refunded['invoice']['balance_cents'], 2000)
        c = credited['credit_note']
        self.assertEqual((c['id'], c['invoice_id'], c['amount_cents'], c['currency']),
                         (cid, inv, 1000, 'USD'))
        self.assertEqual((credited['invoice']['credited_cents'],
                          credited['invoice']['balance_cents']), (1000, 1000))
        # no reason, no card reference, no health data in any of them
        for _, body in reqs:
            for secret_text in (b'REFUNDREASON', b'CREDITREASON', b'CARDREF', b'HEALTHSECRET',
                                b'wrong price', b'cut short'):
                self.assertNotIn(secret_text, body)
        # each change once: the refund form sent twice queued one event
        self.assertEqual([queued(k) for k in MONEY], [1, 1, 1, 1])
        self.assertEqual([d[1] for d in deliveries(eid)], list(MONEY))

    def test_no_health_data_in_payloads(self):
        b = admin()
        eid, secret = add_endpoint(b, '/health')
        appt = book('2026-12-04T10:00:00-09:00', 'Hal Health', 'hal@example.com',
                    notes='HEALTHSECRET sciatica since June')
        # the client fills the health form of that appointment
        token = appt['manage_url'].rsplit('/', 1)[1]
        hb = Browser()
        hb.get('/a/%s/intake' % token)
        st, _, page = hb.post('/a/%s/intake' % token, {
            'email': 'hal@example.com', 'phone': '(907) 555-0142', 'birth_date': '1984-06-12',
            'emergency_name': 'Ian Intake', 'emergency_phone': '907-555-0143',
            'reason': 'HEALTHSECRET lower back', 'areas': ['lower_back'], 'pain': '6',
            'onset': 'sudden_lifting', 'onset_other': '', 'worse': 'Sitting', 'better': 'Walking',
            'treatments': ['rest'], 'conditions': ['blood_thinners'], 'conditions_other': '',
            'medications': 'HEALTHSECRET warfarin', 'pressure': 'firm',
            'consent_name': 'hal HEALTH'})
        self.assertEqual(st, 303, text(page)[:600])
        self.assertEqual(S.sql("SELECT count(*) FROM appointments WHERE id = ?1 AND notes LIKE "
                               "'%HEALTHSECRET%'", appt['id'])[0][0], 1)
        st, c = api('DELETE', '/api/v1/appointments/%d' % appt['id'], headers=manage(appt))
        self.assertEqual(st, 200)
        reqs = wait_for('three events', lambda: len(R.requests('/health')) >= 3 and R.requests('/health'))
        for h, body in reqs:
            verify(secret, h, body)
            self.assertNotIn(b'HEALTHSECRET', body)
            self.assertNotIn(b'sciatica', body)
            self.assertNotIn(b'"notes"', body)
            self.assertNotIn(b'intake', body)
        # nor in what the store keeps of them
        self.assertEqual(S.sql("SELECT count(*) FROM webhook_events WHERE payload LIKE '%HEALTHSECRET%'")[0][0], 0)

    def test_retry_after_500_with_the_same_id(self):
        b = admin()
        R.status['/flaky'] = [500, 200]
        eid, secret = add_endpoint(b, '/flaky', events=('client.created',))
        book('2026-12-07T10:00:00-09:00', 'Flo Flaky', 'flo@example.com')
        reqs = wait_for('the retry', lambda: len(R.requests('/flaky')) >= 2 and R.requests('/flaky'))
        self.assertEqual(reqs[0][0]['webhook-id'], reqs[1][0]['webhook-id'])
        for r in reqs:
            verify(secret, *r)
        row = wait_for('delivered', lambda: [d for d in deliveries(eid) if d[2] == 'delivered'])[0]
        self.assertEqual((row[3], row[4]), (2, 200))
        log = S.log()
        self.assertIn('not delivered (attempt 1 of 3)', log)
        self.assertIn('HTTP 500: receiver says 500', log)

    def test_gives_up_then_send_again(self):
        b = admin()
        R.status['/down'] = [503]
        eid, secret = add_endpoint(b, '/down', events=('client.created',))
        book('2026-12-08T10:00:00-09:00', 'Dana Down', 'dana@example.com')
        row = wait_for('given up', lambda: [d for d in deliveries(eid) if d[2] == 'failed'])[0]
        self.assertEqual((row[3], row[4]), (3, 503))
        self.assertEqual(len(R.requests('/down')), 3)
        _, _, page = b.get('/admin/webhooks')
        self.assertIn('href="/admin/webhooks/%d?status=failed"' % eid, page)
        _, _, page = b.get('/admin/webhooks/%d?status=failed' % eid)
        self.assertIn('HTTP 503', page)
        self.assertIn('receiver says 503', page)
        # /metrics counts it (from this machine, no token needed)
        st, _, body = S.request('GET', '/metrics')
        m = re.search(rb'^knead_webhook_deliveries\{status="failed"\} (\d+)$', body, re.M)
        self.assertTrue(m and int(m.group(1)) >= 1, body[-600:])
        _, _, page = b.get('/admin/outbox')
        self.assertIn('webhook deliver', text(page))
        self.assertIn('/admin/webhooks', page)
        # the receiver is back; Send again delivers the same event, same id
        R.status['/down'] = [200]
        st, h, _ = b.post('/admin/webhooks/deliveries/%d/retry' % row[0], {})
        self.assertEqual(st, 303)
        self.assertEqual(h['location'], '/admin/webhooks/%d?retried=%d' % (eid, row[0]))
        wait_for('delivered again', lambda: deliveries(eid)[0][2] == 'delivered')
        reqs = R.requests('/down')
        self.assertEqual(len(reqs), 4)
        self.assertEqual(reqs[-1][0]['webhook-id'], row[6])
        verify(secret, *reqs[-1])
        # a delivered one can be sent again too
        st, _, _ = b.post('/admin/webhooks/deliveries/%d/retry' % row[0], {})
        self.assertEqual(st, 303)
        wait_for('a fifth request', lambda: len(R.requests('/down')) == 5)
        wait_for('delivered again', lambda: deliveries(eid)[0][2] == 'delivered')
        # knead outbox purge forgets deliveries delivered longer ago than --sent-before days
        r = S.run_cli('outbox', 'purge', '--db', S.db, '--sent-before', '30')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('deleted 0 webhook deliveries delivered more than 30 days ago', r.stdout)
        S.sql('UPDATE webhook_deliveries SET delivered_at = delivered_at - 40 * 86400 WHERE id = ?1',
              row[0])
        r = S.run_cli('outbox', 'purge', '--db', S.db, '--sent-before', '30')
        self.assertIn('deleted 1 webhook delivery delivered more than 30 days ago', r.stdout)
        self.assertEqual(deliveries(eid), [])
        # the event stays while other endpoints' deliveries of it do; none is left without any
        self.assertEqual(S.sql('SELECT count(*) FROM webhook_events e WHERE NOT EXISTS (SELECT 1 '
                               'FROM webhook_deliveries d WHERE d.event_id = e.id)')[0][0], 0)

    def test_hanging_receiver_holds_no_one_else(self):
        b = admin()
        R.hang['/hang'] = threading.Event()
        hang_id, _ = add_endpoint(b, '/hang', events=('client.created',))
        ok_id, secret = add_endpoint(b, '/ok', events=('client.created',))
        started = time.monotonic()
        book('2026-12-09T10:00:00-09:00', 'Hank Hang', 'hank@example.com')
        wait_for('the hanging request', lambda: R.requests('/hang'))
        wait_for('the other endpoint', lambda: deliveries(ok_id)[0][2] == 'delivered')
        self.assertLess(time.monotonic() - started, 10)
        # the hanging one times out (timeout_seconds = 2) and is tried again later
        row = wait_for('the timeout', lambda: [d for d in deliveries(hang_id) if d[3] >= 1 and d[2] == 'pending'])[0]
        self.assertIn('timed out', row[5].lower())
        R.hang['/hang'].set()
        del R.hang['/hang']
        wait_for('delivered once released', lambda: deliveries(hang_id)[0][2] == 'delivered')

    def test_ping_and_disabled_endpoint(self):
        b = admin()
        eid, secret = add_endpoint(b, '/ping', events=('client.created',), enabled=False)
        book('2026-12-10T10:00:00-09:00', 'Dis Abled', 'dis@example.com')
        # disabled: nothing queued for it
        self.assertEqual(deliveries(eid), [])
        # a ping waits while it is disabled, and goes once it is enabled
        st, h, _ = b.post('/admin/webhooks/%d/ping' % eid, {})
        self.assertEqual((st, h['location']), (303, '/admin/webhooks/%d?pinged=1' % eid))
        self.assertEqual(deliveries(eid)[0][2], 'pending')
        st, _, _ = b.post('/admin/webhooks/%d' % eid, {'url': R.url('/ping'), 'enabled': '1',
                                                       'event_client.created': '1'})
        self.assertEqual(st, 303)
        reqs = wait_for('the ping', lambda: R.requests('/ping'))
        p = verify(secret, *reqs[0])
        self.assertEqual((p['type'], p['data']['endpoint_id']), ('webhook.ping', eid))
        _, _, page = b.get('/admin/webhooks')
        self.assertIn('client.created', page)
        # a bad save changes nothing
        st, _, page = b.post('/admin/webhooks/%d' % eid, {'url': 'gopher://x.example/', 'enabled': '1',
                                                          'event_client.created': '1'})
        self.assertEqual(st, 422)
        self.assertEqual(S.sql('SELECT url FROM webhook_endpoints WHERE id = ?1', eid)[0][0],
                         R.url('/ping'))


    def test_a_redirect_is_not_followed(self):
        b = admin()
        R.status['/moved'] = [308]
        eid, _ = add_endpoint(b, '/moved', events=('client.created',))
        self.assertEqual(b.post('/admin/webhooks/%d/ping' % eid, {})[0], 303)
        row = wait_for('the first attempt', lambda: [d for d in deliveries(eid) if d[3] >= 1 and d[2] != 'sending'])[0]
        self.assertEqual(row[4], 308)
        self.assertIn('a redirect, which is not followed', row[5])
        self.assertEqual(len(R.requests('/moved')), row[3])   # one request per attempt
        self.assertEqual(R.requests('/moved-target'), [])      # and the Location never asked


class Operators(unittest.TestCase):
    def test_private_address_refused_without_allow_private(self):
        s = Server(KNEAD)
        s.extra = ['--now', NOW, '--config', config(s.dir, allow_private=0)]
        s.start()
        try:
            b = admin(s)
            eid, _ = add_endpoint(b, '/private', events=('client.created',))
            st, _, _ = b.post('/admin/webhooks/%d/ping' % eid, {})
            self.assertEqual(st, 303)
            row = wait_for('the refusal', lambda: [d for d in deliveries(eid, s)
                                                     if d[3] >= 1 and d[2] != 'sending'], server=s)[0]
            self.assertIn('refused to connect to 127.0.0.1', row[5])
            self.assertEqual(R.requests('/private'), [])
        finally:
            finish(s)

    def test_no_endpoint_no_reads_for_bookings_then_one_added_is_served_at_once(self):
        """With no endpoint enabled, a booking's commit (and its render pass)
        no longer wakes the webhook worker to read its queue (two reads a
        booking before: ~2 round trips on PostgreSQL); the worker still looks
        once a second. An endpoint added later gets a booking's delivery at
        once: adding it wakes the worker, and the booking's commit does too."""
        s = Server(KNEAD)
        s.extra = ['--now', NOW, '--config', config(s.dir)]
        s.start()

        def reads(why):
            st, _, body = s.request('GET', '/metrics')
            self.assertEqual(st, 200)
            m = re.search(r'^knead_webhook_queue_reads_total\{why="%s"\} (\d+)$' % why, body.decode(),
                          re.M)
            self.assertIsNotNone(m, body.decode()[-2000:])
            return int(m.group(1))

        def went_round():
            """Polls until the worker has gone round its loop twice more (two
            timed looks): any wake-up set before is counted or dropped."""
            t = reads('timed')
            wait_for('two timed looks', lambda: reads('timed') >= t + 2, server=s)

        try:
            went_round()  # the first look has found no endpoint
            before = reads('woken')
            for hour in (10, 12, 14):
                book('2026-12-01T%d:00:00-09:00' % hour, 'Nora Hooks', 'nora@example.com', server=s)
            wait_for('three confirmations', lambda: s.sql(
                "SELECT count(*) FROM outbox WHERE kind = 'confirmation'")[0][0] == 3, server=s)
            went_round()
            self.assertEqual(reads('woken'), before)
            b = admin(s)
            eid, secret = add_endpoint(b, '/later', events=('appointment.booked',))
            appt = book('2026-12-02T10:00:00-09:00', 'Lee Later', 'lee@example.com', server=s)
            reqs = wait_for('the booking delivered', lambda: R.requests('/later'), server=s)
            self.assertEqual(verify(secret, *reqs[0])['data']['appointment']['id'], appt['id'])
            self.assertGreater(reads('woken'), before)
            self.assertEqual([d[2] for d in deliveries(eid, s)], ['delivered'])
        finally:
            finish(s)

    def test_killed_with_deliveries_queued_delivers_after_restart(self):
        s = Server(KNEAD)
        s.extra = ['--now', NOW, '--config', config(s.dir)]
        s.start()
        try:
            b = admin(s)
            R.status['/restart'] = [503]
            eid, secret = add_endpoint(b, '/restart', events=('appointment.booked',))
            ids = [book('2026-12-1%dT10:00:00-09:00' % d, 'Kay Kill', 'kay@example.com', server=s)['id']
                   for d in (4, 5, 6)]
            # each refused once and the refusal recorded, so all three wait in the
            # queue (one killed mid-transfer waits for its lease: the next test)
            wait_for('tried', lambda: len(R.requests('/restart')) >= 3 and len(
                [d for d in deliveries(eid, s) if d[3] >= 1 and d[2] == 'pending']) == 3,
                server=s)
            s.stop(signal.SIGKILL)
            R.status['/restart'] = [200]
            s.seed = False
            s.start()
            got = wait_for('all three delivered', lambda: len(
                [d for d in deliveries(eid, s) if d[2] == 'delivered']) == 3, server=s)
            self.assertTrue(got)
            seen = {verify(secret, *r)['data']['appointment']['id'] for r in R.requests('/restart')}
            self.assertEqual(seen, set(ids))
        finally:
            finish(s)

    def test_killed_mid_transfer_is_sent_again_when_its_lease_ends(self):
        s = Server(KNEAD)
        s.extra = ['--now', NOW, '--config', config(s.dir, timeout=60)]
        s.start()
        try:
            R.hang['/midway'] = threading.Event()
            b = admin(s)
            eid, secret = add_endpoint(b, '/midway', events=('client.created',))
            self.assertEqual(b.post('/admin/webhooks/%d/ping' % eid, {})[0], 303)
            wait_for('the transfer in flight', lambda: R.requests('/midway'), server=s)
            s.stop(signal.SIGKILL)
            R.hang.pop('/midway').set()
            row = deliveries(eid, s)[0]
            self.assertEqual((row[2], row[3]), ('sending', 1))   # claimed, leased, never marked
            lease = s.sql('SELECT next_attempt_at FROM webhook_deliveries WHERE id = ?1', row[0])[0][0]
            self.assertGreater(lease, time.time() + 60)           # the attempt's time and more
            s.seed = False
            s.start()
            # the lease runs out (set back here rather than waited for): claimed again
            s.sql('UPDATE webhook_deliveries SET next_attempt_at = 0 WHERE id = ?1', row[0])
            wait_for('delivered after the lease', lambda: deliveries(eid, s)[0][2] == 'delivered',
                     server=s)
            reqs = R.requests('/midway')
            self.assertEqual(len(reqs), 2)
            self.assertEqual(reqs[0][0]['webhook-id'], reqs[1][0]['webhook-id'])
            verify(secret, *reqs[1])
            self.assertEqual(deliveries(eid, s)[0][3], 2)
        finally:
            finish(s)

    def test_hanging_receiver_does_not_hold_the_shutdown(self):
        s = Server(KNEAD)
        # one attempt may take 60 s here: only the shutdown can end it sooner
        s.extra = ['--now', NOW, '--config', config(s.dir, timeout=60)]
        s.start()
        try:
            R.hang['/stuck'] = threading.Event()
            b = admin(s)
            eid, _ = add_endpoint(b, '/stuck', events=('client.created',))
            book('2026-12-17T10:00:00-09:00', 'Stu Stuck', 'stu@example.com', server=s)
            wait_for('the stuck request', lambda: R.requests('/stuck'), server=s)
            t0 = time.monotonic()
            code = s.stop()
            self.assertEqual(code, 0, s.log()[-2000:])
            self.assertLess(time.monotonic() - t0, 5)
            # what was in flight went back to the queue
            self.assertEqual(deliveries(eid, s)[0][2], 'pending')
            self.assertIn('interrupted by shutdown', deliveries(eid, s)[0][5])
        finally:
            R.hang['/stuck'].set()
            finish(s)


if __name__ == '__main__':
    run_suite(globals())
