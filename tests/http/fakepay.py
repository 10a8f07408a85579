"""A fake payment provider for the HTTP and browser tests: a small HTTP server on a
loopback port speaking the subset of a Stripe-style API that Knead uses, with its
faults switchable per test.  Nothing here talks to anything but 127.0.0.1.

API (form-encoded, `Authorization: Bearer KEY`, `Idempotency-Key`):
  POST /v1/checkout/sessions   -> {"id": "cs_...", "url": "http://127.0.0.1:PORT/pay/cs_..."}
                                  the same Idempotency-Key answers the same session
  POST /v1/payment_intents     an off-session charge of a customer's card on file
                                  -> {"id": "pi_...", "status": "succeeded"}, or 402 declined
  POST /v1/refunds             a refund of a payment intent (payment_intent, amount,
                                  metadata[knead_refund]) -> {"id": "re_...", "status":
                                  "succeeded", ...}; the same Idempotency-Key answers the same
                                  refund; more than is left of the payment -> 400
                                  amount_too_large, an unknown payment -> 404
  GET  /v1/refunds/{id}        the refund as it stands now (settle_refund() changes it)
The hosted page a browser fills in (no card data: a "Pay" and a "Decline" button):
  GET  /pay/{id}               the page
  POST /pay/{id}  action=pay   paid: the signed webhook to Knead, then 303 to success_url
                  action=decline  "declined": no webhook, a link back to cancel_url
Webhooks are signed as Stripe signs them: header `Stripe-Signature: t=T,v1=HEX`, HMAC-SHA256
with the webhook secret over "T.BODY"; T is `now` (set it to the server's --now).

Faults (set .fault before the call):
  'refuse'          the session is refused (HTTP 402)
  'decline'         an off-session charge or a refund is declined (HTTP 402)
  'hang'            the session, charge or refund call never answers until .release is set
                    (or 30 s pass)
  'answer_then_hold' the session or refund is made and answered only once .release is set;
                    .made is set when it was made (the test kills Knead in between)
  'refund_pending'  a refund is answered "pending" (its webhook settles it: refund_event())
  'no_webhook'      paying sends no webhook (it never arrives)
  'duplicate'       paying sends the webhook twice (same event id), then once more (new id)
  'after_redirect'  the webhook is sent only when the test calls send_pending()
  'bad_signature'   webhooks are signed with the wrong secret
  'short_paid'      paying sends a webhook whose amount_total is 1000 cents short of the
                    session's (a provider's or an attacker's mismatch: Knead must not take it
                    as paid)
  'other_currency'  paying sends a webhook in EUR, whatever the session asked
A test may also build such an event itself: event(sid, amount=..., currency=...).
"""
import hashlib
import hmac
import html
import http.client
import json
import os
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = 'sk_test_knead'
SECRET = 'whsec_knead_test'


class FakePay:
    def __init__(self, now=None):
        self.now = now  # epoch seconds the webhook's timestamp carries (None = real time)
        self.fault = None
        self.webhook = None  # (port, path) of Knead's webhook
        self.sessions = {}   # id -> dict
        self.by_key = {}     # Idempotency-Key -> session id
        self.charges = {}    # Idempotency-Key -> (status, answer) of an off-session charge
        self.intents = {}    # payment intent -> cents paid (sessions paid, charges made)
        self.refunds = {}    # Idempotency-Key -> (status, answer) of a refund
        self.refunded = {}   # payment intent -> cents refunded
        self.calls = []      # (path, headers dict, form dict)
        self.sent = []       # (event dict, status Knead answered)
        self.pending = []    # webhooks held back by 'after_redirect'
        self.release = threading.Event()
        self.made = threading.Event()
        self.lock = threading.Lock()
        self.n = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _form(self):
                n = int(self.headers.get('Content-Length') or 0)
                raw = self.rfile.read(n).decode()
                return dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))

            def _send(self, status, body, ctype='application/json', headers=()):
                data = body.encode() if isinstance(body, str) else body
                try:
                    self.send_response(status)
                    self.send_header('Content-Type', ctype)
                    self.send_header('Content-Length', str(len(data)))
                    for k, v in headers:
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the caller gave up (its timeout, or it was killed)

            def do_POST(self):
                path = self.path
                form = self._form()
                if path == '/v1/checkout/sessions':
                    fake.calls.append((path, dict(self.headers), form))
                    return fake._create(self, form)
                if path == '/v1/payment_intents':
                    fake.calls.append((path, dict(self.headers), form))
                    return fake._charge(self, form)
                if path == '/v1/refunds':
                    fake.calls.append((path, dict(self.headers), form))
                    return fake._refund(self, form)
                if path.startswith('/pay/'):
                    return fake._pay(self, path[5:], form)
                if path == '/_control':  # the browser tests' runner: where Knead listens
                    fake.webhook = (int(form['port']), '/payments/webhook')
                    fake.fault = form.get('fault') or None
                    return self._send(200, '{}')
                self._send(404, '{"error": "no such route"}')

            def do_GET(self):
                if self.path.startswith('/v1/refunds/'):
                    fake.calls.append((self.path, dict(self.headers), {}))
                    return fake._refund_get(self, self.path[len('/v1/refunds/'):])
                if self.path.startswith('/pay/'):
                    return fake._page(self, self.path[5:])
                self._send(404, '{"error": "no such route"}')

        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = 'http://127.0.0.1:%d' % self.port
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self):
        self.fault = None
        self.release = threading.Event()
        self.made = threading.Event()
        self.pending = []

    # ---- the API ----

    def _create(self, h, form):
        if h.headers.get('Authorization') != 'Bearer ' + KEY:
            return h._send(401, '{"error": {"message": "Invalid API key"}}')
        key = h.headers.get('Idempotency-Key')
        if not key:
            return h._send(400, '{"error": {"message": "Idempotency-Key required"}}')
        fault = self.fault
        if fault == 'refuse':
            return h._send(402, '{"error": {"message": "account cannot take payments"}}')
        if fault == 'hang':
            self.release.wait(30)
            return h._send(500, '{"error": {"message": "late"}}')
        with self.lock:
            sid = self.by_key.get(key)
            if sid is None:
                self.n += 1
                sid = 'cs_test_%d' % self.n
                self.by_key[key] = sid
                self.sessions[sid] = {
                    'id': sid, 'form': form, 'status': 'open',
                    'amount': int(form.get('line_items[0][price_data][unit_amount]') or 0),
                    'mode': form.get('mode'), 'ref': form.get('client_reference_id'),
                    'success_url': form.get('success_url'), 'cancel_url': form.get('cancel_url'),
                    'email': form.get('customer_email', '')}
        if fault == 'answer_then_hold':
            self.made.set()
            self.release.wait(30)
        h._send(200, json.dumps({'id': sid, 'url': '%s/pay/%s' % (self.base, sid),
                                 'object': 'checkout.session'}))

    def _charge(self, h, form):
        """An off-session charge of a customer's card; the same key answers the same."""
        if h.headers.get('Authorization') != 'Bearer ' + KEY:
            return h._send(401, '{"error": {"message": "Invalid API key"}}')
        key = h.headers.get('Idempotency-Key')
        if not key:
            return h._send(400, '{"error": {"message": "Idempotency-Key required"}}')
        if self.fault == 'hang':
            self.release.wait(30)
            return h._send(500, '{"error": {"message": "late"}}')
        with self.lock:
            got = self.charges.get(key)
            if got is None:
                if self.fault == 'decline':
                    got = (402, {'error': {'code': 'card_declined',
                                           'message': 'Your card was declined.'}})
                else:
                    self.n += 1
                    got = (200, {'id': 'pi_charge_%d' % self.n, 'object': 'payment_intent',
                                 'status': 'succeeded', 'amount': int(form['amount']),
                                 'customer': form.get('customer')})
                    self.intents[got[1]['id']] = int(form['amount'])
                self.charges[key] = got
        h._send(got[0], json.dumps(got[1]))

    def _refund(self, h, form):
        """A refund of a payment intent; the same key answers the same refund, and nothing
        is refunded twice or above what was paid."""
        if h.headers.get('Authorization') != 'Bearer ' + KEY:
            return h._send(401, '{"error": {"message": "Invalid API key"}}')
        key = h.headers.get('Idempotency-Key')
        if not key:
            return h._send(400, '{"error": {"message": "Idempotency-Key required"}}')
        fault = self.fault
        if fault == 'hang':
            self.release.wait(30)
            return h._send(500, '{"error": {"message": "late"}}')
        with self.lock:
            got = self.refunds.get(key)
            if got is None:
                pi = form.get('payment_intent', '')
                amount = int(form.get('amount') or 0)
                paid = self.intents.get(pi)
                left = (paid or 0) - self.refunded.get(pi, 0)
                if fault == 'decline':
                    got = (402, {'error': {'code': 'card_declined', 'type': 'card_error',
                                           'message': 'The card was closed; the refund '
                                                      'cannot reach it.'}})
                elif paid is None:
                    got = (404, {'error': {'code': 'resource_missing',
                                           'message': 'No such payment_intent: %s' % pi}})
                elif amount <= 0 or amount > left:
                    got = (400, {'error': {'code': 'amount_too_large',
                                           'message': 'Refund amount (%d) is greater than '
                                                      'unrefunded amount (%d).' % (amount, left)}})
                else:
                    self.n += 1
                    self.refunded[pi] = self.refunded.get(pi, 0) + amount
                    got = (200, {'id': 're_test_%d' % self.n, 'object': 'refund',
                                 'status': 'pending' if fault == 'refund_pending' else 'succeeded',
                                 'amount': amount, 'payment_intent': pi,
                                 'metadata': {'knead_refund': form.get('metadata[knead_refund]',
                                                                      '')},
                                 'payment_method_details': {'card': {'last4': '4242'}}})
                self.refunds[key] = got
        if fault == 'answer_then_hold':
            self.made.set()
            self.release.wait(30)
        h._send(got[0], json.dumps(got[1]))

    def _refund_get(self, h, rid):
        if h.headers.get('Authorization') != 'Bearer ' + KEY:
            return h._send(401, '{"error": {"message": "Invalid API key"}}')
        with self.lock:
            got = next((a for (c, a) in self.refunds.values() if c == 200 and a['id'] == rid),
                       None)
        if got is None:
            return h._send(404, json.dumps({'error': {'code': 'resource_missing',
                                                      'message': 'No such refund: %s' % rid}}))
        h._send(200, json.dumps(got))

    def settle_refund(self, key, status='succeeded'):
        """The provider finishes refund `key` on its side (no webhook sent)."""
        with self.lock:
            code, r = self.refunds[key]
            self.refunds[key] = (code, dict(r, status=status))

    def refund_polls(self):
        """The paths of every GET of a refund, in order."""
        return [p for (p, _, _) in self.calls if p.startswith('/v1/refunds/')]

    def refund_calls(self):
        """(Idempotency-Key, form) of every refund asked, in order."""
        return [(hd.get('Idempotency-Key'), f) for (p, hd, f) in self.calls if p == '/v1/refunds']

    def refund_event(self, key, status='succeeded', type_='refund.updated', eid=None):
        """The provider's event that refund `key` (our Idempotency-Key) is settled (its own
        state is settle_refund()'s: a forged event, say, changes nothing there)."""
        code, r = self.refunds[key]
        obj = dict(r, status=status)
        if status == 'failed':
            obj['failure_reason'] = 'expired_or_canceled_card'
        with self.lock:
            self.n += 1
            n = self.n
        if type_ == 'charge.refunded':
            obj = {'id': 'ch_test_%d' % n, 'object': 'charge', 'payment_intent': r['payment_intent'],
                   'refunds': {'data': [obj]},
                   'payment_method_details': {'card': {'last4': '4242'}}}
        return {'id': eid or 'evt_test_%d' % n, 'type': type_, 'data': {'object': obj}}

    def _page(self, h, sid):
        s = self.sessions.get(sid)
        if not s:
            return h._send(404, 'no such session', 'text/plain')
        what = ('Add a card for later charges' if s['mode'] == 'setup'
                else 'Pay %s.%02d' % divmod(s['amount'], 100))
        page = ('<!doctype html><html lang="en"><head><title>Fake provider checkout</title>'
                '</head><body><main><h1>Fake provider</h1><p id="what">%s</p>'
                '<form method="post"><button name="action" value="pay">Pay</button>'
                '<button name="action" value="decline">Decline</button></form>'
                '</main></body></html>' % html.escape(what))
        h._send(200, page, 'text/html; charset=utf-8')

    def _pay(self, h, sid, form):
        s = self.sessions.get(sid)
        if not s:
            return h._send(404, 'no such session', 'text/plain')
        if form.get('action') == 'decline':
            page = ('<!doctype html><html lang="en"><head><title>Declined</title></head><body>'
                    '<main><h1>Your card was declined</h1><p><a href="%s">Back to the clinic'
                    '</a></p></main></body></html>' % html.escape(s['cancel_url']))
            return h._send(402, page, 'text/html; charset=utf-8')
        s['status'] = 'complete'
        self.pay_webhooks(sid)
        h._send(303, '', 'text/plain', [('Location', s['success_url'])])

    # ---- webhooks ----

    def event(self, sid, type_='checkout.session.completed', eid=None, amount=None,
              currency=None):
        s = self.sessions[sid]
        with self.lock:
            self.n += 1
            n = self.n
        if amount is None:
            amount = max(0, s['amount'] - 1000) if self.fault == 'short_paid' else s['amount']
        if currency is None:
            currency = ('eur' if self.fault == 'other_currency' else
                        (s['form'].get('line_items[0][price_data][currency]') or 'usd').lower())
        obj = {'id': sid, 'object': 'checkout.session', 'client_reference_id': s['ref'],
               'amount_total': amount, 'currency': currency,
               'customer': 'cus_test_%s' % sid[8:],
               'payment_status': 'paid' if s['mode'] != 'setup' else 'no_payment_required'}
        if s['mode'] != 'setup':
            obj['payment_intent'] = 'pi_test_%s' % sid[8:]
            self.intents[obj['payment_intent']] = s['amount']
        return {'id': eid or 'evt_test_%d' % n, 'type': type_, 'data': {'object': obj}}

    def sign(self, body, t=None, secret=SECRET):
        t = int(t if t is not None else (self.now if self.now is not None else time.time()))
        mac = hmac.new(secret.encode(), ('%d.' % t).encode() + body, hashlib.sha256).hexdigest()
        return 't=%d,v1=%s' % (t, mac)

    def post_webhook(self, ev, t=None, secret=None, signature=None):
        """Sends one event to Knead; returns (status, body)."""
        body = json.dumps(ev).encode()
        if signature is None:
            bad = self.fault == 'bad_signature'
            signature = self.sign(body, t, 'whsec_wrong' if bad else (secret or SECRET))
        port, path = self.webhook
        c = http.client.HTTPConnection('127.0.0.1', port, timeout=20)
        try:
            c.request('POST', path, body=body, headers={
                'Content-Type': 'application/json', 'Stripe-Signature': signature})
            r = c.getresponse()
            out = (r.status, r.read())
        finally:
            c.close()
        self.sent.append((ev, out[0]))
        return out

    def pay_webhooks(self, sid):
        fault = self.fault
        if fault == 'no_webhook':
            return
        ev = self.event(sid)
        if fault == 'after_redirect':
            self.pending.append(ev)
            return
        self.post_webhook(ev)
        if fault == 'duplicate':
            self.post_webhook(ev)
            self.post_webhook(self.event(sid))

    def send_pending(self):
        out = [self.post_webhook(ev) for ev in self.pending]
        self.pending = []
        return out


# ---- for the HTTP suites that run Knead against the fake (test_payments, test_refunds,
# test_shop_online, test_paygaps) ----

def knead_config(dirname, base, extra='', head='', name='pay.ini'):
    """Writes dirname/name, a config file pointing Knead at the fake at base (its key,
    webhook secret, a 2 s timeout), and returns its path.  head: sections before
    [payments] (default: bookings_per_hour = 0, since one address books far more than 20
    an hour in these suites: the limit is test_abuse's); extra: more [payments] keys,
    or more sections, after it."""
    path = os.path.join(dirname, name)
    with open(path, 'w') as f:
        f.write('%s[payments]\nbase_url = %s\nkey = %s\nwebhook_secret = %s\n'
                'timeout_seconds = 2\n%s' % (head or '[limits]\nbookings_per_hour = 0\n',
                                              base, KEY, SECRET, extra))
    return path


def start_knead(knead, pay, now, config=knead_config):
    """Starts Knead (harness.Server) at the pinned instant now with config(dirname,
    pay.base) -> path, and points the fake's webhooks at it."""
    from harness import Server
    s = Server(knead)
    s.extra = ['--now', now, '--config', config(s.dir, pay.base)]
    s.start()
    pay.webhook = (s.port, '/payments/webhook')
    return s


def post_form(url, form):
    """POSTs form to the fake's page at url, as the client's browser does there (Pay,
    Decline).  Returns (status, Location)."""
    u = urllib.parse.urlparse(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=20)
    try:
        c.request('POST', u.path, body=urllib.parse.urlencode(form),
                  headers={'Content-Type': 'application/x-www-form-urlencoded'})
        r = c.getresponse()
        r.read()
        return r.status, r.getheader('Location')
    finally:
        c.close()


def session_of(location):
    """The checkout session id in a redirect to the fake's page."""
    m = re.search(r'/pay/(cs_test_\d+)$', location or '')
    assert m, location
    return m.group(1)


if __name__ == '__main__':
    # For tests/e2e: `python3 fakepay.py NOW_EPOCH` serves until stdin closes, and prints
    # "fakepay PORT" once listening; POST /_control port=KNEAD_PORT [fault=...] sets where
    # its webhooks go.
    import sys
    fake = FakePay(now=int(sys.argv[1]) if len(sys.argv) > 1 else None).start()
    print('fakepay %d' % fake.port, flush=True)
    sys.stdin.read()
    fake.stop()
