"""Gift cards and packages bought online (issue 11 items 7-8): the public pages
/gift-cards and /packages order, the payment provider (tests/http/fakepay.py on a
loopback port) takes the money, and its signed webhook makes the sale.  The clock is
pinned to Tuesday 2026-11-24 09:00 in Anchorage (-09:00), the instant the fake provider
signs its webhooks at.  Waits poll with a deadline; nothing sleeps a fixed time.

usage: test_shop_online.py PATH/TO/knead"""
import json
import os
import re
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from fakepay import FakePay, knead_config, post_form, session_of, start_knead  # noqa: E402
from harness import Browser, Server, run_suite, signed_in, text  # noqa: E402
from mailcatch import Smtpd  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
NOW_EPOCH = 1795543200
XMAS_9AM = 1798135200  # 2026-12-24 09:00 AKST
PUBLIC = 'http://clinic.test'
ADMIN = ('admin@chugachbodywork.example', 'demo-admin-pass')
DEADLINE = 30.0
S = PAY = SMTP = None


def config(dirname, base, extra=''):
    return knead_config(dirname, base, extra, name='shop.ini', head=(
        '[server]\npublic_url = %s\n[smtp]\nhost = 127.0.0.1\nport = %d\n'
        'retry_min_seconds = 1\nretry_max_seconds = 2\n'
        '[limits]\nbookings_per_hour = 4\n' % (PUBLIC, SMTP.port)))


def start_server(pay):
    return start_knead(KNEAD, pay, NOW, config)


def setUpModule():
    global S, PAY, SMTP
    SMTP = Smtpd().start()
    PAY = FakePay(now=NOW_EPOCH).start()
    S = start_server(PAY)


def tearDownModule():
    try:
        harness.finish(S)
    finally:
        PAY.stop()
        SMTP.stop()


def one(sql, *args, server=None):
    return (server or S).sql(sql, *args)[0][0]


def wait_for(what, fn, deadline=DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        got = fn()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError('timed out waiting for ' + what + '\n' + S.log()[-3000:])


def buy_card(b=None, server=None, **fields):
    b = b or Browser(server or S)
    b.get('/gift-cards')
    form = {'amount': '75', 'buyer_name': 'Gus Giver', 'buyer_email': 'gus@example.com',
            'recipient_name': 'Rae Recipient', 'recipient_email': 'rae@example.com',
            'send_on': '2026-12-24', 'message': 'Happy holidays!'}
    form.update(fields)
    st, h, page = b.post('/gift-cards', form)
    return st, h, page, b


def counts(server=None):
    q = ('SELECT (SELECT count(*) FROM gift_cards), (SELECT count(*) FROM online_sales),'
         ' (SELECT count(*) FROM checkouts), (SELECT count(*) FROM invoices),'
         ' (SELECT count(*) FROM client_packages)')
    return (server or S).sql(q)[0]


def stored_everywhere(server=None):
    """Every table a code could leak into, the outbox too (which holds it
    masked, the code sealed beside it)."""
    out = []
    for q in ('SELECT * FROM gift_cards', 'SELECT * FROM online_sales',
              'SELECT * FROM checkouts', 'SELECT description FROM invoice_lines',
              'SELECT reference, idem_key FROM payments', 'SELECT reason FROM audit_log',
              'SELECT by_name FROM gift_card_entries',
              'SELECT subject, body_text, body_html, last_error FROM outbox'):
        out.append(json.dumps((server or S).sql(q), default=str))
    return ' '.join(out).replace('-', '')


CODE = re.compile(r'code: ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})')


class GiftCardsOnline(unittest.TestCase):
    def setUp(self):
        PAY.reset()
        S.sql('DELETE FROM throttle_hits')

    def test_bought_online_sold_by_the_webhook_mailed_on_the_day(self):
        before = counts()
        st, h, page, b = buy_card()
        self.assertEqual(st, 303, text(page)[:800])
        self.assertTrue(h['location'].startswith(PAY.base + '/pay/'), h['location'])
        sid = session_of(h['location'])
        # ordered, not sold: a pending order and its checkout, no card, no invoice
        after = counts()
        self.assertEqual((after[0], after[1], after[2], after[3]),
                         (before[0], before[1] + 1, before[2] + 1, before[3]))
        self.assertEqual(S.sql("SELECT purpose, amount_cents, status FROM checkouts"
                               " ORDER BY id DESC LIMIT 1"), [('gift_card', 7500, 'open')])
        path, headers, form = PAY.calls[-1]
        self.assertEqual(form['line_items[0][price_data][unit_amount]'], '7500')
        self.assertEqual(form['customer_email'], 'gus@example.com')
        # paid on the provider's page: its webhook sells the card
        st, loc = post_form(PAY.base + '/pay/' + sid, {'action': 'pay'})
        self.assertEqual(st, 303)
        self.assertEqual(PAY.sent[-1][1], 200)
        self.assertEqual(loc, PUBLIC + '/gift-cards?paid=1')
        self.assertEqual(counts()[0], before[0] + 1)
        gid = one('SELECT max(id) FROM gift_cards')
        row = S.sql('SELECT amount_cents, recipient_email, recipient_name, message, send_at,'
                    ' invoice_id FROM gift_cards WHERE id = ?', gid)[0]
        self.assertEqual(row[:5], (7500, 'rae@example.com', 'Rae Recipient', 'Happy holidays!',
                                   XMAS_9AM))
        self.assertEqual(S.sql('SELECT kind, amount_cents FROM invoice_lines WHERE invoice_id = ?',
                               row[5]), [('gift_card', 7500)])
        self.assertEqual(S.sql('SELECT method, amount_cents, status, reference FROM payments'
                               ' WHERE invoice_id = ?', row[5]),
                         [('provider', 7500, 'completed', 'pi_test_' + sid[8:])])
        self.assertEqual(one('SELECT email FROM clients WHERE id = (SELECT client_id FROM '
                             'invoices WHERE id = ?)', row[5]), 'gus@example.com')
        # the recipient's e-mail is queued for the chosen day, the code in
        # it masked but for its last four (sealed beside it)
        self.assertEqual(S.sql("SELECT recipient, next_attempt_at, status FROM outbox"
                               " WHERE dedupe_key = ?", 'gift_card:%d' % gid),
                         [('rae@example.com', XMAS_9AM, 'pending')])
        body = one('SELECT body_text FROM outbox WHERE dedupe_key = ?', 'gift_card:%d' % gid)
        last4 = one('SELECT last4 FROM gift_cards WHERE id = ?', gid)
        self.assertIn('Your code: ****-****-****-%s' % last4, body)
        self.assertIsNone(CODE.search(body))
        self.assertIn('Happy holidays!', body)
        # the buyer's receipt comes now, without the code
        mail = wait_for('the receipt', lambda: [m for m in SMTP.to('gus@example.com')
                                                 if 'Your gift card' in str(m['Subject'])])
        receipt = str(mail[-1].get_payload(decode=True), 'utf-8', 'replace') \
            if not mail[-1].is_multipart() else mail[-1].as_string()
        self.assertIn('rae@example.com', receipt)
        self.assertIn('December 24', receipt)
        self.assertIsNone(CODE.search(receipt))
        self.assertEqual(SMTP.to('rae@example.com'), [])
        # the day comes (the outbox runs on the real clock): the code is
        # e-mailed, and is stored nowhere but as its hash
        S.sql('UPDATE outbox SET next_attempt_at = 0 WHERE dedupe_key = ?', 'gift_card:%d' % gid)
        mail = wait_for('the code', lambda: SMTP.to('rae@example.com'))
        code = CODE.search(mail[0].get_body(('plain',)).get_content()).group(1)
        self.assertEqual(code[-4:], last4)
        import hashlib
        self.assertEqual(one('SELECT code_hash FROM gift_cards WHERE id = ?', gid).lower(),
                         hashlib.blake2b(code.replace('-', '').encode(),
                                         digest_size=32).hexdigest())
        self.assertNotIn(code.replace('-', ''), stored_everywhere())
        # the page they come back to says what happens next
        self.assertIn('Thank you for your order', text(b.get('/gift-cards?paid=1')[2]))

    def test_sent_at_nine_on_the_day_the_clocks_go_forward(self):
        """2027-03-14, when Anchorage goes from AKST to AKDT at 02:00: the
        order's e-mail time is 09:00 AKDT (17:00 UTC), not midnight + 9 h."""
        st, _, page, _ = buy_card(recipient_email='spring@example.com', send_on='2027-03-14')
        self.assertEqual(st, 303, text(page)[:800])
        self.assertEqual(one('SELECT send_at FROM online_sales WHERE recipient_email = ?',
                             'spring@example.com'), 1805043600)

    def test_without_recipient_the_buyer_gets_the_code_once(self):
        st, h, page, b = buy_card(buyer_email='solo@example.com', recipient_name='',
                                  recipient_email='', send_on='')
        self.assertEqual(st, 303, text(page)[:800])
        self.assertEqual(post_form(PAY.base + '/pay/' + session_of(h['location']),
                                   {'action': 'pay'})[0], 303)
        mail = wait_for('the code', lambda: SMTP.to('solo@example.com'))
        self.assertEqual(len(mail), 1)
        body = mail[0].as_string()
        code = CODE.search(body.replace('=\n', '')).group(1)
        self.assertIn('only copy of the code', body.replace('=\n', '').replace('\n', ' '))
        gid = one('SELECT max(id) FROM gift_cards')
        self.assertEqual(one('SELECT recipient_email FROM gift_cards WHERE id = ?', gid), '')
        self.assertNotIn(code.replace('-', ''), stored_everywhere())
        # the code works: it is the card's
        import hashlib
        self.assertEqual(one('SELECT code_hash FROM gift_cards WHERE id = ?', gid).lower(),
                         hashlib.blake2b(code.replace('-', '').encode(),
                                         digest_size=32).hexdigest())

    def test_replayed_or_duplicated_webhook_sells_one_card(self):
        PAY.fault = 'duplicate'  # the same event twice, then a new event for the same session
        st, h, _, _ = buy_card(recipient_email='dup@example.com')
        n = counts()[0]
        self.assertEqual(post_form(PAY.base + '/pay/' + session_of(h['location']),
                                   {'action': 'pay'})[0], 303)
        self.assertEqual([s for _, s in PAY.sent[-3:]], [200, 200, 200])
        self.assertEqual(counts()[0], n + 1)
        PAY.post_webhook(PAY.sent[-1][0])
        self.assertEqual(counts()[0], n + 1)
        self.assertEqual(one("SELECT count(*) FROM outbox WHERE recipient = 'dup@example.com'"),
                         1)

    def test_declined_or_expired_sells_nothing(self):
        st, h, _, b = buy_card(recipient_email='no@example.com')
        sid = session_of(h['location'])
        before = counts()
        st, _ = post_form(PAY.base + '/pay/' + sid, {'action': 'decline'})
        self.assertEqual(st, 402)
        self.assertIn('nothing was bought', text(b.get('/gift-cards?cancelled=1')[2]))
        # the provider expires the session, and our hold runs out: nothing sold
        self.assertEqual(PAY.post_webhook(PAY.event(sid, 'checkout.session.expired'))[0], 200)
        S.sql("UPDATE checkouts SET hold_until = ?1 WHERE status = 'open'", NOW_EPOCH - 1)
        wait_for('the checkout expired', lambda: one(
            "SELECT count(*) FROM checkouts WHERE status = 'open'") == 0)
        self.assertEqual(counts(), before)
        self.assertEqual(one("SELECT count(*) FROM outbox WHERE recipient = 'no@example.com'"), 0)

    def test_bad_signature_is_refused_and_sells_nothing(self):
        st, h, _, _ = buy_card(recipient_email='sig@example.com')
        sid = session_of(h['location'])
        before = counts()
        PAY.fault = 'bad_signature'
        self.assertEqual(post_form(PAY.base + '/pay/' + sid, {'action': 'pay'})[0], 303)
        self.assertEqual(PAY.sent[-1][1], 400)
        st, _ = PAY.post_webhook(PAY.event(sid), signature='t=%d,v1=%s' % (NOW_EPOCH, '0' * 64))
        self.assertEqual(st, 400)
        self.assertEqual(counts(), before)
        self.assertEqual(one("SELECT status FROM checkouts WHERE id = (SELECT max(id) FROM"
                             " checkouts)"), 'open')

    def test_bad_input_is_refused_and_stores_nothing(self):
        before = counts()
        for fields, says in (({'amount': '5'}, '$10.00 to $500.00'),
                             ({'amount': '600'}, '$10.00 to $500.00'),
                             ({'amount': 'lots'}, "card's amount"),
                             ({'send_on': '2026-11-01'}, 'today or a day within a year'),
                             ({'recipient_email': 'not-an-address'}, 'recipient'),
                             ({'buyer_email': ''}, 'Your details'),
                             ({'message': 'x' * 501}, 'message under 500')):
            st, _, page, _ = buy_card(**fields)
            self.assertEqual(st, 422, (fields, text(page)[:300]))
            self.assertIn(says, text(page))
        self.assertEqual(counts(), before)

    def test_a_flood_from_one_address_is_throttled(self):
        before = counts()
        got = [buy_card(recipient_email='f%d@example.com' % i)[0] for i in range(6)]
        self.assertEqual(got[:4], [303] * 4)
        self.assertEqual(got[4:], [429, 429])
        st, h, page, _ = buy_card(recipient_email='f9@example.com')
        self.assertIn('Retry-After'.lower(), {k.lower() for k in h})
        self.assertEqual(counts()[1], before[1] + 4)

    def test_kill_between_the_providers_answer_and_our_commit(self):
        pay = FakePay(now=NOW_EPOCH).start()
        s = start_server(pay)
        try:
            pay.fault = 'answer_then_hold'
            def order():
                try:
                    buy_card(server=s)
                except OSError:
                    pass  # the server was killed while the request was in flight
            th = threading.Thread(target=order)
            th.start()
            self.assertTrue(pay.made.wait(DEADLINE))
            s.proc.send_signal(signal.SIGKILL)
            s.proc.wait(timeout=20)
            pay.release.set()
            th.join(DEADLINE)
            self.assertEqual(s.sql('SELECT status, purpose FROM checkouts'),
                             [('creating', 'gift_card')])
            self.assertEqual(counts(s)[0], 0)
            s.seed = False
            s.start()
            pay.webhook = (s.port, '/payments/webhook')
            sid = next(iter(pay.sessions))
            self.assertEqual(pay.post_webhook(pay.event(sid))[0], 200)
            self.assertEqual(counts(s)[0], 1)
            self.assertEqual(s.sql('SELECT status FROM checkouts'), [('paid',)])
            pay.post_webhook(pay.event(sid))  # a new event id for the same session
            pay.post_webhook(pay.sent[-1][0])  # and a replay
            self.assertEqual(counts(s)[0], 1)
        finally:
            harness.finish(s)
            pay.stop()


class PackagesOnline(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        admin = signed_in(ADMIN)
        st, _, page = admin.post('/admin/packages', {
            'name': 'Five online', 'service': 'deep-tissue-60', 'credits': '5',
            'discount': '10', 'price': '', 'valid_months': '12'})
        assert st in (200, 201, 303), text(page)[:500]
        cls.pid = one("SELECT id FROM packages WHERE name = 'Five online'")
        cls.price = one('SELECT price_cents FROM packages WHERE id = ?', cls.pid)

    def setUp(self):
        PAY.reset()
        S.sql('DELETE FROM throttle_hits')

    def test_a_signed_in_client_buys_and_the_credits_appear_in_the_portal(self):
        anon = Browser(S)
        page = text(anon.get('/packages')[2])
        self.assertIn('Five online', page)
        self.assertIn('sign in to your account', page)
        self.assertNotIn('Buy Five online', page)
        # nobody buys without an account
        st, h, _ = anon.post('/packages/%d/buy' % self.pid, {})
        self.assertIn(st, (303, 401))
        # a client of the clinic (a visit booked before) signs in with the link
        S.sql("INSERT INTO clients (name, email, phone, created_at)"
              " VALUES ('Pia Package', 'pia@example.com', '', 0)")
        b = harness.link_signed_in(S, SMTP, 'pia@example.com', public=PUBLIC)
        _, _, page = b.get('/packages')
        self.assertIn('Buy Five online', text(page))
        before = counts()
        st, h, page = b.post('/packages/%d/buy' % self.pid, {})
        self.assertEqual(st, 303, text(page)[:500])
        sid = session_of(h['location'])
        self.assertEqual(counts()[4], before[4])  # not sold yet
        self.assertEqual(PAY.calls[-1][2]['line_items[0][price_data][unit_amount]'],
                         str(self.price))
        self.assertEqual(post_form(PAY.base + '/pay/' + sid, {'action': 'pay'}),
                         (303, PUBLIC + '/packages?paid=1'))
        cp = S.sql('SELECT cp.id, c.email, cp.credits, cp.invoice_id FROM client_packages cp'
                   ' JOIN clients c ON c.id = cp.client_id ORDER BY cp.id DESC LIMIT 1')[0]
        self.assertEqual(cp[1:3], ('pia@example.com', 5))
        self.assertEqual(S.sql("SELECT method, amount_cents FROM payments WHERE invoice_id = ?",
                               cp[3]), [('provider', self.price)])
        self.assertIn('Five online : 5 of 5 credits left', text(b.get('/portal')[2]))
        # replayed: no second package
        PAY.post_webhook(PAY.sent[-1][0])
        PAY.post_webhook(PAY.event(sid))
        self.assertEqual(counts()[4], before[4] + 1)

    def test_an_unproven_account_a_therapist_or_an_unknown_package_is_refused(self):
        b = harness.client_account(S, email='pw.only@example.com', name='Pat Password')
        before = counts()
        st, _, page = b.post('/packages/%d/buy' % self.pid, {})
        self.assertEqual(st, 403, text(page)[:500])
        self.assertIn('sign-in link', text(page))
        st, _, page = b.post('/packages/999999/buy', {})
        self.assertEqual(st, 404)
        # a therapist's account buys nothing for anyone
        maren = signed_in(('maren@chugachbodywork.example', 'demo-therapist-pass'))
        st, _, _ = maren.post('/packages/%d/buy' % self.pid, {})
        self.assertEqual(st, 403)
        self.assertEqual(counts(), before)


DESK = ('desk@chugachbodywork.example', 'demo-desk-pass')


def refund_sale(desk, inv, pid, amount, reason='Bought by mistake'):
    """The desk refunds payment pid of invoice inv (a card bought online goes back
    through the provider)."""
    page = desk.get('/staff/invoices/%d' % inv)[2]
    m = re.search(r'name="once" value="([^"]+)">\s*<input type="hidden" name="payment" '
                  r'value="%d"' % pid, page)
    assert m, page[:2000]
    return desk.post('/staff/invoices/%d/refunds' % inv,
                     {'once': m.group(1), 'payment': str(pid), 'amount': amount,
                      'reason': reason})


class SaleRefunds(unittest.TestCase):
    """A refund of a sale made online takes back what it paid for, and a refund
    the provider turns down gives it back."""

    def setUp(self):
        PAY.reset()
        S.sql('DELETE FROM throttle_hits')

    def test_a_card_bought_online_refunded_comes_off_the_card_unless_the_provider_refuses(self):
        st, h, page, _ = buy_card(amount='75', buyer_email='rita.refund@example.com')
        self.assertEqual(st, 303, text(page)[:500])
        post_form(PAY.base + '/pay/' + session_of(h['location']), {'action': 'pay'})
        gid, inv = wait_for('the card sold', lambda: S.sql(
            "SELECT g.id, g.invoice_id FROM gift_cards g JOIN clients c"
            " ON c.id = g.buyer_client_id WHERE c.email = 'rita.refund@example.com'"))[0]
        pid = one("SELECT id FROM payments WHERE invoice_id = ? AND method = 'provider'", inv)

        def balance():
            return one('SELECT coalesce(sum(delta), 0) FROM gift_card_entries'
                       ' WHERE gift_card_id = ?', gid)
        self.assertEqual(balance(), 7500)
        desk = signed_in(DESK)
        # the provider turns the refund down: the card keeps its $75
        PAY.fault = 'decline'
        st, hs, _ = refund_sale(desk, inv, pid, '30.00')
        self.assertEqual(st, 303)
        self.assertIn('refund_failed=1', hs['location'])
        self.assertEqual(one('SELECT status FROM refunds WHERE payment_id = ?', pid), 'failed')
        self.assertEqual(balance(), 7500)
        self.assertEqual(S.sql('SELECT kind, delta FROM gift_card_entries WHERE gift_card_id = ?'
                               ' ORDER BY id', gid),
                         [('issue', 7500), ('sale_refund', -3000), ('refund_undone', 3000)])
        # refunded through the provider: off the card, and the card spends nothing more
        PAY.reset()
        st, hs, _ = refund_sale(desk, inv, pid, '75.00')
        self.assertEqual(st, 303)
        self.assertNotIn('refund_failed', hs['location'])
        self.assertEqual(balance(), 0)
        self.assertEqual(sum(PAY.refunded.values()), 7500)
        self.assertEqual(S.sql("SELECT status, amount_cents FROM refunds WHERE payment_id = ?"
                               " ORDER BY id", pid), [('failed', 3000), ('completed', 7500)])

    def test_a_package_bought_online_refunded_gives_back_its_credits_when_refused(self):
        st, _, page = signed_in(ADMIN).post('/admin/packages', {
            'name': 'Five refundable', 'service': 'deep-tissue-60', 'credits': '5',
            'discount': '10', 'price': '', 'valid_months': '12'})
        self.assertIn(st, (200, 201, 303), text(page)[:500])
        pkg = one("SELECT id FROM packages WHERE name = 'Five refundable'")
        price = one('SELECT price_cents FROM packages WHERE id = ?', pkg)
        S.sql("INSERT INTO clients (name, email, phone, created_at)"
              " VALUES ('Ron Refund', 'ron.refund@example.com', '', 0)")
        b = harness.link_signed_in(S, SMTP, 'ron.refund@example.com', public=PUBLIC)
        st, h, page = b.post('/packages/%d/buy' % pkg, {})
        self.assertEqual(st, 303, text(page)[:500])
        post_form(PAY.base + '/pay/' + session_of(h['location']), {'action': 'pay'})
        cp, inv = wait_for('the package sold', lambda: S.sql(
            "SELECT cp.id, cp.invoice_id FROM client_packages cp JOIN clients c"
            " ON c.id = cp.client_id WHERE c.email = 'ron.refund@example.com'"))[0]
        pid = one("SELECT id FROM payments WHERE invoice_id = ? AND method = 'provider'", inv)

        def left():
            return one('SELECT coalesce(sum(delta), 0) FROM package_credits'
                       ' WHERE client_package_id = ?', cp)
        self.assertEqual(left(), 5)
        desk = signed_in(DESK)
        per = price // 5
        PAY.fault = 'decline'
        st, hs, _ = refund_sale(desk, inv, pid, '%d.%02d' % divmod(2 * per, 100))
        self.assertEqual(st, 303)
        self.assertIn('refund_failed=1', hs['location'])
        self.assertEqual(left(), 5)
        self.assertEqual(S.sql("SELECT kind, delta FROM package_credits WHERE"
                               " client_package_id = ? ORDER BY id", cp),
                         [('sold', 5), ('sale_refund', -2), ('refund_undone', 2)])
        self.assertEqual(one("SELECT count(*) FROM audit_log WHERE action = 'return' AND"
                             " record = 'package_credit' AND record_id = ? AND reason LIKE"
                             " '%did not refund its sale%'", cp), 1)
        PAY.reset()
        st, hs, _ = refund_sale(desk, inv, pid, '%d.%02d' % divmod(2 * per, 100))
        self.assertEqual(st, 303)
        self.assertNotIn('refund_failed', hs['location'])
        self.assertEqual(left(), 3)
        self.assertIn('Five refundable : 3 of 5 credits left', text(b.get('/portal')[2]))


class Reachable(unittest.TestCase):
    def test_the_footer_links_to_both_pages(self):
        for path in ('/', '/services', '/gift-cards'):
            st, _, page = Browser(S).get(path)
            self.assertEqual(st, 200)
            footer = page[page.index('<footer'):]
            self.assertIn('href="/gift-cards"', footer, path)
            self.assertIn('href="/packages"', footer, path)


class WithoutPayments(unittest.TestCase):
    def test_the_pages_say_where_to_buy_and_nothing_breaks(self):
        s = Server(KNEAD, extra=['--now', NOW]).start()
        try:
            b = Browser(s)
            st, _, page = b.get('/gift-cards')
            self.assertEqual(st, 200)
            self.assertIn('Gift cards are sold at the clinic', text(page))
            self.assertNotIn('Continue to payment', page)
            st, _, page = b.post('/gift-cards', {'amount': '50', 'buyer_name': 'A B',
                                                 'buyer_email': 'ab@example.com'})
            self.assertEqual(st, 200)
            self.assertIn('Gift cards are sold at the clinic', text(page))
            st, _, page = b.get('/packages')
            self.assertEqual(st, 200)
            self.assertIn('Packages are sold at the clinic', text(page))
            self.assertEqual(s.sql('SELECT count(*) FROM online_sales')[0][0], 0)
        finally:
            harness.finish(s)


if __name__ == '__main__':
    run_suite(globals())
