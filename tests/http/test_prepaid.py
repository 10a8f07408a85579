"""Packages and gift cards (issue 11 items 7-8) against the real server, the
clock pinned to Tuesday 2026-11-24 09:00 in Anchorage: the admin defines
packages (price or discount, validity, archive); the desk sells one from a
client's page (an invoice line of kind package, paid by cash or card); a
desk booking of the covered service uses a credit, a cancellation in time
gives it back, a late one keeps it; the checkout takes the credit as
payment; the client's portal shows the credits and an online booking made
signed in uses one (an anonymous one with the same e-mail does not).  Gift
cards: sold at the desk, the 16-character code shown once and stored only
as a hash, e-mailed to the recipient on the chosen day through the outbox,
spent in parts at checkout, refunded back onto the card; wrong codes are
throttled per address and say nothing of what exists; two redemptions at
once cannot overdraw a card; an expired card is refused; a therapist can
neither sell nor see cards.

usage: test_prepaid.py PATH/TO/knead"""
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, signed_in, text  # noqa: E402
from mailcatch import Smtpd  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None
SMTP = None
PUBLIC = 'http://clinic.test'
DESK = ('desk@chugachbodywork.example', 'demo-desk-pass')
ADMIN = ('admin@chugachbodywork.example', 'demo-admin-pass')
MAREN = ('maren@chugachbodywork.example', 'demo-therapist-pass')
ONCE = re.compile(r'name="once" value="([^"]+)"')
CODE = re.compile(r'id="gift-code">([A-Z0-9-]+)<')
ALPHABET = set('ABCDEFGHJKLMNPQRSTUVWXYZ23456789')
NOW = 1795543200  # 2026-11-24 09:00 AKST


def setUpModule():
    global S, SMTP
    SMTP = Smtpd().start()
    S = Server(KNEAD)
    ini = os.path.join(S.dir, 'prepaid.ini')
    with open(ini, 'w') as f:
        f.write('[server]\npublic_url = %s\n[smtp]\nhost = 127.0.0.1\nport = %d\n'
                'retry_min_seconds = 1\nretry_max_seconds = 2\n'
                '[limits]\ngift_codes_per_hour = 6\n' % (PUBLIC, SMTP.port))
    S.extra = ['--now', '2026-11-24T09:00:00-09:00', '--config', ini]
    S.start()


def tearDownModule():
    try:
        harness.finish(S)
    finally:
        SMTP.stop()


def one(sql, *args):
    return S.sql(sql, *args)[0][0]


def once_of(page, i=0):
    found = ONCE.findall(page)
    assert len(found) > i, page[:2000]
    return found[i]


def add_client(name, email):
    S.sql("INSERT INTO clients (name, email, phone, created_at) VALUES (?, ?, '', 0)", name, email)
    return one('SELECT max(id) FROM clients')


def define(admin, name, **fields):
    form = {'name': name, 'service': 'deep-tissue-60', 'credits': '5', 'discount': '10',
            'price': '', 'valid_months': '12'}
    form.update(fields)
    return admin.post('/admin/packages', form)


def package_id(name):
    return one('SELECT id FROM packages WHERE name = ?', name)


def sell_package(desk, cid, pid, **fields):
    _, _, page = desk.get('/staff/clients/%d' % cid)
    form = {'once': once_of(page), 'package': str(pid), 'method': 'cash', 'tendered': '600',
            'reference': ''}
    form.update(fields)
    return desk.post('/staff/clients/%d/packages' % cid, form)


def left(cpid):
    return one('SELECT coalesce(sum(delta), 0) FROM package_credits WHERE client_package_id = ?',
               cpid)


STARTS = iter('2026-11-%02dT%02d:00:00-09:00' % (d, h) for d in (25, 26, 27, 30)
              for h in range(9, 19))


def desk_book(desk, name, email, start=None, service='deep-tissue-60'):
    """A desk booking (maren-holt or anyone free); returns the appointment id."""
    for _ in range(40):
        st, h, page = desk.post('/staff/book', {
            'service': service, 'therapist': 'any', 'start': start or next(STARTS),
            'note': '', 'name': name, 'email': email, 'phone': ''})
        if st == 303:
            return int(h['location'].rsplit('/', 1)[1])
        assert start is None, (st, text(page)[:500])
    raise AssertionError('no free time')


VISITS = iter([(t, h) for h in range(10, 19) for t in ('maren-holt', 'tomas-reyes')])


def visit(name, email, status='checked_in'):
    """A checked-in visit today written into the store, each at its own
    therapist and hour (the tests need many on one day)."""
    therapist, hour = next(VISITS)
    start = NOW + (hour - 9) * 3600
    cid = add_client(name, email)
    S.sql("INSERT INTO appointments (service_id, therapist_id, room_id, client_id, start_at,"
          " end_at, busy_until, status, token_hash, source, created_at)"
          " VALUES ('deep-tissue-60', ?, (SELECT min(id) FROM rooms WHERE id NOT IN"
          " (SELECT room_id FROM appointments WHERE start_at = ?)), ?, ?, ?, ?, ?,"
          " randomblob(32), 'staff', 0)", therapist, start, cid, start, start + 3600,
          start + 3600, status)
    return one('SELECT max(id) FROM appointments'), cid


def issue(b, aid):
    _, _, page = b.get('/staff/appointments/%d/checkout' % aid)
    st, _, page = b.post('/staff/appointments/%d/checkout' % aid,
                         {'once': once_of(page), 'action': 'issue', 'discount_kind': 'none'})
    assert st == 303, (st, text(page)[:600])
    return one('SELECT max(id) FROM invoices WHERE appointment_id = ?', aid)


def pay(b, aid, inv, method, **fields):
    _, _, page = b.get('/staff/appointments/%d/checkout' % aid)
    form = {'once': once_of(page), 'method': method, 'reference': ''}
    form.update(fields)
    return b.post('/staff/invoices/%d/payments' % inv, form)


def online_book(b, start, name, email, gift=None):
    """Books deep-tissue-60 at start through the public pages as b."""
    from urllib.parse import urlencode
    st, _, page = b.get('/book?' + urlencode({'service': 'deep-tissue-60', 'therapist': 'any',
                                              'start': start}))
    assert st == 200, (st, text(page)[:400])
    once = ONCE.search(page)
    form = {'once': once.group(1) if once else '', 'service': 'deep-tissue-60',
            'therapist': 'any', 'start': start, 'name': name, 'email': email,
            'phone': '907 555 0100', 'note': ''}
    if gift is not None:
        form['gift'] = gift
    return b.post('/book', form)


def dump():
    """The whole database as text: SQLite's .dump, or pg_dump's."""
    if harness.PG:
        r = subprocess.run(['pg_dump', '--data-only', S.db], capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, r.stderr
        return r.stdout
    import sqlite3
    c = sqlite3.connect(S.db, timeout=10)
    try:
        return '\n'.join(c.iterdump())
    finally:
        c.close()


def st_of(dedupe):
    return one('SELECT status FROM outbox WHERE dedupe_key = ?', dedupe)


def wait_mail(to, n=1, deadline=30.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end and len(SMTP.to(to)) < n:
        time.sleep(0.05)
    return SMTP.to(to)


def sell_card(desk, amount='100', **fields):
    _, _, page = desk.get('/admin/gift-cards')
    form = {'once': once_of(page), 'amount': amount, 'buyer_name': 'Gus Giver',
            'buyer_email': 'gus@example.com', 'recipient_name': '', 'recipient_email': '',
            'send_on': '', 'message': '', 'method': 'card', 'reference': 'AUTH 77',
            'tendered': ''}
    form.update(fields)
    return desk.post('/admin/gift-cards', form)


def new_card(desk, amount='100', **fields):
    st, _, page = sell_card(desk, amount, **fields)
    assert st == 201, (st, text(page)[:800])
    return CODE.search(page).group(1)


def refund_once(desk, inv, pid):
    """The refund form's key for payment pid on invoice inv's page."""
    page = desk.get('/staff/invoices/%d' % inv)[2]
    m = re.search(r'name="once" value="([^"]+)">\s*<input type="hidden" name="payment" '
                  r'value="%d"' % pid, page)
    assert m, page[:2000]
    return m.group(1)


def refund(desk, inv, pid, amount, reason='Client changed their mind'):
    return desk.post('/staff/invoices/%d/refunds' % inv,
                     {'once': refund_once(desk, inv, pid), 'payment': str(pid),
                      'amount': amount, 'reason': reason})


def sale_payment(inv):
    return one('SELECT id FROM payments WHERE invoice_id = ?', inv)


def balance(gid):
    return one('SELECT coalesce(sum(delta), 0) FROM gift_card_entries WHERE gift_card_id = ?',
               gid)


class Packages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.admin = signed_in(ADMIN)
        cls.desk = signed_in(DESK)

    def test_admin_defines_archives_and_refuses_bad_terms(self):
        a = self.admin
        st, h, _ = define(a, 'Five deep tissue')
        self.assertEqual((st, h['location']), (303, '/admin/packages?saved=1'))
        self.assertEqual(S.sql('SELECT service_id, credits, price_cents, discount_bp, valid_months,'
                               ' active FROM packages WHERE name = ?', 'Five deep tissue'),
                         [('deep-tissue-60', 5, 54000, 1000, 12, 1)])  # 5 x $120 less 10 %
        _, _, page = a.get('/admin/packages')
        self.assertIn('Five deep tissue : 5 × Deep Tissue Massage (60 minutes), $540.00 (10 % off),'
                      ' 12 months', text(page))
        n = one('SELECT count(*) FROM packages')
        for fields, says in (({'price': '400'}, 'not both'),
                             ({'credits': '0'}, '1 to 100'),
                             ({'valid_months': '121'}, '0 (no expiry) to 120'),
                             ({'discount': '', 'price': ''}, 'Give a price'),
                             ({'service': 'no-such'}, 'Choose the service'),
                             ({'name': ''}, 'name')):
            st, _, page = define(a, fields.pop('name', 'Refused one'), **fields)
            self.assertEqual(st, 422, fields)
            self.assertIn(says, text(page))
        st, _, page = define(a, 'Five deep tissue')  # the same name
        self.assertEqual(st, 422)
        self.assertIn('Another package already has this name.', text(page))
        self.assertEqual(one('SELECT count(*) FROM packages'), n)
        # a fixed price and no expiry
        define(a, 'Ten swedish', service='swedish-60', credits='10', discount='',
               price='850', valid_months='0')
        pid = package_id('Ten swedish')
        self.assertEqual(one('SELECT price_cents FROM packages WHERE id = ?', pid), 85000)
        st, _, _ = a.post('/admin/packages/%d/active' % pid, {'active': '0'})
        self.assertEqual(st, 303)
        self.assertEqual(one('SELECT active FROM packages WHERE id = ?', pid), 0)
        self.assertIn('archived', text(a.get('/admin/packages')[2]))
        self.assertEqual(a.post('/admin/packages/99999/active', {'active': '0'})[0], 404)
        # an archived package is not sold
        cid = add_client('Arch Ived', 'arch@example.com')
        _, _, page = self.desk.get('/staff/clients/%d' % cid)
        self.assertNotIn('Ten swedish', page)
        st, _, page = sell_package(self.desk, cid, pid)
        self.assertEqual(st, 409)
        self.assertEqual(one('SELECT count(*) FROM client_packages WHERE client_id = ?', cid), 0)

    def test_who_may(self):
        desk, ther = self.desk, signed_in(MAREN)
        self.assertEqual(desk.get('/admin/packages')[0], 403)
        self.assertEqual(define(desk, 'Desk made')[0], 403)
        self.assertEqual(ther.get('/admin/packages')[0], 403)
        self.assertEqual(ther.get('/admin/gift-cards')[0], 403)
        self.assertEqual(ther.post('/admin/gift-cards', {'amount': '50'})[0], 403)
        self.assertEqual(ther.post('/staff/clients/1/packages', {'package': '1'})[0], 403)
        self.assertEqual(Browser().get('/admin/gift-cards')[0], 303)

    def test_sold_used_given_back_and_kept_on_a_late_cancel(self):
        desk = self.desk
        define(self.admin, 'Five for Pia', valid_months='12')
        pid = package_id('Five for Pia')
        cid = add_client('Pia Package', 'pia@example.com')
        _, _, page = desk.get('/staff/clients/%d' % cid)
        self.assertIn('No packages.', text(page))
        # cash short of the price: refused, nothing sold
        st, _, page = sell_package(desk, cid, pid, tendered='500')
        self.assertEqual(st, 422)
        self.assertEqual(one('SELECT count(*) FROM client_packages WHERE client_id = ?', cid), 0)
        _, _, page = desk.get('/staff/clients/%d' % cid)
        once = once_of(page)
        form = {'once': once, 'package': str(pid), 'method': 'cash', 'tendered': '600',
                'reference': ''}
        st, h, _ = desk.post('/staff/clients/%d/packages' % cid, form)
        self.assertEqual(st, 303, h)
        inv = int(re.search(r'/staff/invoices/(\d+)', h['location']).group(1))
        # the same form again sells nothing more
        st, h2, _ = desk.post('/staff/clients/%d/packages' % cid, form)
        self.assertEqual((st, h2['location']), (303, h['location']))
        self.assertEqual(S.sql('SELECT kind, description, unit_cents, amount_cents FROM'
                               ' invoice_lines WHERE invoice_id = ?', inv),
                         [('package', 'Package: Five for Pia (5 x Deep Tissue Massage (60 minutes))',
                           54000, 54000)])
        self.assertEqual(S.sql('SELECT method, amount_cents, tendered_cents FROM payments'
                               ' WHERE invoice_id = ?', inv), [('cash', 54000, 60000)])
        self.assertEqual(one("SELECT count(*) FROM audit_log WHERE action = 'issue' AND"
                             " record = 'invoice' AND record_id = ?", inv), 1)
        cp = one('SELECT id FROM client_packages WHERE client_id = ?', cid)
        self.assertEqual(left(cp), 5)
        self.assertEqual(one('SELECT expires_at FROM client_packages WHERE id = ?', cp),
                         1827079200)  # 2027-11-24 09:00 AKST: 12 months
        _, _, page = desk.get('/staff/clients/%d' % cid)
        self.assertIn('Five for Pia : 5 of 5 credits left, valid until Wednesday, November 24, 2027',
                      text(page))
        _, _, page = desk.get(h['location'])
        self.assertIn('Package: Five for Pia', text(page))
        # a desk booking of the covered service uses one credit
        a1 = desk_book(desk, 'Pia Package', 'pia@example.com')
        self.assertEqual(left(cp), 4)
        self.assertIn('4 of 5 credits left', text(desk.get('/staff/clients/%d' % cid)[2]))
        # another service uses none
        desk_book(desk, 'Pia Package', 'pia@example.com', service='swedish-60')
        self.assertEqual(left(cp), 4)
        # the desk cancels in time: the credit comes back
        st, _, _ = desk.post('/staff/appointments/%d/status' % a1,
                             {'status': 'cancelled', 'reason': 'client called'})
        self.assertEqual(st, 303)
        self.assertEqual(left(cp), 5)
        self.assertEqual(S.sql('SELECT kind, delta FROM package_credits WHERE appointment_id = ?'
                               ' ORDER BY id', a1), [('use', -1), ('return', 1)])
        cp_left = left(cp)
        self.assertEqual(cp_left, 5)
        # credits never go below nothing: the store refuses it
        with self.assertRaises(Exception):
            S.sql("INSERT INTO package_credits (client_package_id, kind, delta, reason, at,"
                  " by_name) VALUES (?, 'sold', -6, '', 0, 'x')", cp)
        self.assertEqual(left(cp), 5)
        with self.assertRaises(Exception):
            S.sql('DELETE FROM package_credits WHERE client_package_id = ?', cp)

    def test_a_refund_of_the_sale_takes_back_the_unused_credits(self):
        desk = self.desk
        define(self.admin, 'Five for Rae', valid_months='12')
        cid = add_client('Rae Refund', 'rae@example.com')
        st, h, _ = sell_package(desk, cid, package_id('Five for Rae'))
        self.assertEqual(st, 303, h)
        inv = int(re.search(r'/staff/invoices/(\d+)', h['location']).group(1))
        cp = one('SELECT id FROM client_packages WHERE client_id = ?', cid)
        pay_id = sale_payment(inv)  # $540.00 for 5: $108.00 a credit
        desk_book(desk, 'Rae Refund', 'rae@example.com')
        desk_book(desk, 'Rae Refund', 'rae@example.com')
        self.assertEqual(left(cp), 3)
        # more than the 3 unused credits are worth: refused, nothing stored
        st, _, page = refund(desk, inv, pay_id, '324.01')
        self.assertEqual(st, 422, text(page)[:400])
        self.assertIn('Only 3 of the 5 credits of the package "Five for Rae" sold on this '
                      'invoice are unused, worth $324.00; refund at most that.', text(page))
        self.assertEqual(one('SELECT count(*) FROM refunds WHERE payment_id = ?', pay_id), 0)
        self.assertEqual(left(cp), 3)
        # one credit's worth takes one credit back, audited
        st, _, page = refund(desk, inv, pay_id, '108')
        self.assertEqual(st, 303, text(page)[:400])
        self.assertEqual(left(cp), 2)
        self.assertEqual(S.sql("SELECT kind, delta FROM package_credits WHERE"
                               " client_package_id = ? AND appointment_id IS NULL ORDER BY id",
                               cp), [('sold', 5), ('sale_refund', -1)])
        self.assertEqual(S.sql("SELECT reason FROM audit_log WHERE action = 'refund' AND"
                               " record = 'package_credit' AND record_id = ?", cp),
                         [('1 credit of package "Five for Rae" taken back: $108.00 of its sale'
                           ' refunded; 2 left',)])
        self.assertIn('2 of 5 credits left', text(desk.get('/staff/clients/%d' % cid)[2]))
        # a part of a credit takes the whole credit; the rest of it then takes none more
        st, _, _ = refund(desk, inv, pay_id, '8')
        self.assertEqual(st, 303)
        self.assertEqual(left(cp), 1)
        st, _, _ = refund(desk, inv, pay_id, '100')
        self.assertEqual(st, 303)
        self.assertEqual(left(cp), 1)
        # the last unused credit: $108 more is refused, $108.00 goes back
        st, _, page = refund(desk, inv, pay_id, '108.01')
        self.assertEqual(st, 422)
        self.assertIn('Only 1 of the 5 credits', text(page))
        st, _, _ = refund(desk, inv, pay_id, '108')
        self.assertEqual(st, 303)
        self.assertEqual(left(cp), 0)
        # all used or refunded: nothing more goes back
        st, _, page = refund(desk, inv, pay_id, '1')
        self.assertEqual(st, 422)
        self.assertIn('All 5 credits of the package "Five for Rae" sold on this invoice are used'
                      ' or refunded', text(page))
        self.assertEqual(one('SELECT sum(amount_cents) FROM refunds WHERE payment_id = ?', pay_id),
                         32400)
        # and a booking of the service uses no credit now
        desk_book(desk, 'Rae Refund', 'rae@example.com')
        self.assertEqual(left(cp), 0)

    def test_a_merge_moves_packages_and_gift_cards(self):
        desk = self.desk
        define(self.admin, 'Five for Mo')
        keep = add_client('Mo Merge', 'mo@example.com')
        dup = add_client('Mo Merge', 'mo@example.com')
        self.assertEqual(sell_package(desk, dup, package_id('Five for Mo'))[0], 303)
        self.assertEqual(sell_card(desk, '30', buyer_name='Mo Merge',
                                   buyer_email='mo@example.com')[0], 201)
        S.sql('UPDATE gift_cards SET buyer_client_id = ? WHERE id = (SELECT max(id) FROM'
              ' gift_cards)', dup)
        st, _, _ = desk.post('/staff/clients/%d/merge' % keep, {'other': str(dup), 'confirm': 'yes'})
        self.assertEqual(st, 303)
        self.assertEqual(one('SELECT client_id FROM client_packages WHERE package_id = ?',
                             package_id('Five for Mo')), keep)
        self.assertEqual(one('SELECT buyer_client_id FROM gift_cards WHERE id = (SELECT max(id)'
                             ' FROM gift_cards)'), keep)
        self.assertIn('Five for Mo : 5 of 5 credits left',
                      text(desk.get('/staff/clients/%d' % keep)[2]))

    def test_the_credit_pays_at_checkout(self):
        desk = self.desk
        define(self.admin, 'Five for Cal')
        cid = add_client('Cal Checkout', 'cal@example.com')
        self.assertEqual(sell_package(desk, cid, package_id('Five for Cal'), method='card',
                                      reference='AUTH 5', tendered='')[0], 303)
        aid = desk_book(desk, 'Cal Checkout', 'cal@example.com')
        S.sql("UPDATE appointments SET status = 'checked_in' WHERE id = ?", aid)
        _, _, page = desk.get('/staff/appointments/%d/checkout' % aid)
        self.assertIn("This visit uses 1 credit of the client's package Five for Cal (4 of 5 left)",
                      text(page))
        self.assertIn('href="/staff/clients/%d#packages-title">Sell a package<' % cid, page)
        inv = issue(desk, aid)
        st, h, page = pay(desk, aid, inv, 'package')
        self.assertEqual(st, 303, text(page)[:500])
        self.assertEqual(S.sql('SELECT method, amount_cents, reference FROM payments'
                               ' WHERE invoice_id = ?', inv),
                         [('package', 12000, 'Package credit')])
        self.assertIn('Paid in full', text(desk.get(h['location'])[2]))
        st, _, page = desk.post('/staff/invoices/%d/payments' % inv,
                                {'once': 'SecondPackagePayment01', 'method': 'package'})
        self.assertIn(st, (409, 422))
        self.assertEqual(one('SELECT count(*) FROM payments WHERE invoice_id = ?', inv), 1)
        # a visit without a credit cannot pay by package
        aid2, _ = visit('Nell Nocredit', 'nell@example.com')
        inv2 = issue(desk, aid2)
        st, _, page = pay(desk, aid2, inv2, 'package')
        self.assertEqual(st, 422)
        self.assertIn('did not use a package credit', text(page))


class Portal(unittest.TestCase):
    def test_portal_shows_credits_and_a_signed_in_booking_uses_one(self):
        admin, desk = signed_in(ADMIN), signed_in(DESK)
        define(admin, 'Five for Oona')
        cid = add_client('Oona Online', 'oona@example.com')
        self.assertEqual(sell_package(desk, cid, package_id('Five for Oona'))[0], 303)
        cp = one('SELECT id FROM client_packages WHERE client_id = ?', cid)
        # anonymous: the public form with Oona's name and e-mail uses no credit
        anon = Browser()
        st, h, page = online_book(anon, '2026-12-01T10:00:00-09:00', 'Oona Online',
                                  'oona@example.com')
        self.assertEqual(st, 303, text(page)[:500])
        self.assertEqual(left(cp), 5)
        _, _, page = anon.get(h['location'])
        self.assertNotIn('credit', text(page))
        # signed in with the proven address: the booking uses one, and says so
        b = harness.link_signed_in(S, SMTP, 'oona@example.com', public=PUBLIC)
        _, _, page = b.get('/portal')
        self.assertIn('Five for Oona : 5 of 5 credits left, valid until Wednesday, November 24, 2027',
                      text(page))
        st, h, page = online_book(b, '2026-12-02T10:00:00-09:00', 'Oona Online',
                                  'oona@example.com')
        self.assertEqual(st, 303, text(page)[:500])
        self.assertEqual(left(cp), 4)
        _, _, page = b.get(h['location'])
        self.assertIn('This visit uses 1 credit of your package Five for Oona: 4 of 5 left.',
                      text(page))
        self.assertIn('Five for Oona : 4 of 5 credits left', text(b.get('/portal')[2]))
        # cancelled online in time (a week ahead): the credit comes back
        manage = h['location'].split('?')[0]
        b.get(manage + '/cancel')
        self.assertEqual(b.post(manage + '/cancel', {})[0], 303)
        self.assertEqual(left(cp), 5)
        self.assertIn('was given back: 5 of 5 left', text(b.get(manage)[2]))
        # booked for this afternoon and cancelled inside the 24-hour window:
        # a late cancellation, and the credit is kept (the clinic's policy)
        st, h, page = online_book(b, '2026-11-24T15:00:00-09:00', 'Oona Online',
                                  'oona@example.com')
        self.assertEqual(st, 303, text(page)[:500])
        self.assertEqual(left(cp), 4)
        manage = h['location'].split('?')[0]
        self.assertIn('late cancellation', text(b.get(manage + '/cancel')[2]))
        self.assertEqual(b.post(manage + '/cancel', {})[0], 303)
        aid = one('SELECT max(id) FROM appointments')
        self.assertEqual(one('SELECT cancel_late FROM appointments WHERE id = ?', aid), 1)
        self.assertEqual(left(cp), 4)


class GiftCards(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.desk = signed_in(DESK)

    def setUp(self):
        S.sql("DELETE FROM throttle_hits WHERE kind = 'gift_code'")

    def test_sold_code_shown_once_hash_stored_and_mailed_on_the_day(self):
        desk = self.desk
        st, _, page = sell_card(desk, '75', recipient_name='Rae Recipient',
                                recipient_email='rae@example.com', send_on='2026-12-24',
                                message='Happy holidays!', method='cash', tendered='80')
        self.assertEqual(st, 201, text(page)[:800])
        code = CODE.search(page).group(1)
        self.assertRegex(code, r'^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$')
        self.assertTrue(set(code.replace('-', '')) <= ALPHABET)
        self.assertIn('Change to give back: $5.00', text(page))
        gid = one('SELECT max(id) FROM gift_cards')
        row = S.sql('SELECT last4, amount_cents, recipient_email, send_at, expires_at, code_hash'
                    ' FROM gift_cards WHERE id = ?', gid)[0]
        self.assertEqual(row[:5], (code[-4:], 7500, 'rae@example.com',
                                   1798135200, 0))  # 2026-12-24 09:00 AKST; no expiry
        self.assertEqual(row[5].lower(), hashlib.blake2b(code.replace('-', '').encode(),
                                                         digest_size=32).hexdigest())
        # the code is nowhere in the store but as its hash, and never shown again
        for query in ('SELECT * FROM gift_cards',
                      'SELECT description FROM invoice_lines', 'SELECT reference FROM payments',
                      'SELECT reason FROM audit_log', 'SELECT by_name FROM gift_card_entries'):
            rows = json.dumps(S.sql(query))
            self.assertNotIn(code.replace('-', ''), rows.replace('-', ''), query)
        _, _, page = desk.get('/admin/gift-cards')
        self.assertNotIn(code, page)
        self.assertIn('Card ending %s : $75.00 left of $75.00, for Rae Recipient' % code[-4:],
                      text(page))
        inv = one('SELECT invoice_id FROM gift_cards WHERE id = ?', gid)
        self.assertEqual(S.sql('SELECT kind, amount_cents FROM invoice_lines WHERE invoice_id = ?',
                               inv), [('gift_card', 7500)])
        # queued for the chosen day, the code in it masked (sealed beside
        # it: test_code_sealed_at_rest); not sent before
        self.assertEqual(S.sql("SELECT recipient, next_attempt_at, status FROM outbox"
                               " WHERE kind = 'gift_card' AND dedupe_key = ?",
                               'gift_card:%d' % gid),
                         [('rae@example.com', 1798135200, 'pending')])
        body = one("SELECT body_text FROM outbox WHERE dedupe_key = ?", 'gift_card:%d' % gid)
        self.assertNotIn(code, body)
        self.assertIn('Your code: ****-****-****-%s' % code[-4:], body)
        self.assertIn('Happy holidays!', body)
        self.assertEqual([m for m in SMTP.to('rae@example.com')], [])
        # the same form again: no second card, and no code
        # (a card for today is e-mailed at once)
        _, _, page = desk.get('/admin/gift-cards')
        form = {'once': once_of(page), 'amount': '20', 'buyer_name': 'Gus Giver',
                'buyer_email': 'gus@example.com', 'recipient_name': 'Tia Today',
                'recipient_email': 'tia@example.com', 'send_on': '', 'message': '',
                'method': 'card', 'reference': 'AUTH 8', 'tendered': ''}
        st, _, page = desk.post('/admin/gift-cards', form)
        self.assertEqual(st, 201)
        st, _, page = desk.post('/admin/gift-cards', form)
        self.assertEqual(st, 200)
        self.assertIsNone(CODE.search(page))
        self.assertIn('sold already', text(page))
        self.assertEqual(one("SELECT count(*) FROM gift_cards WHERE recipient_email = ?",
                             'tia@example.com'), 1)
        end = time.monotonic() + 30
        while time.monotonic() < end and not SMTP.to('tia@example.com'):
            time.sleep(0.05)
        self.assertEqual(len(SMTP.to('tia@example.com')), 1)
        # refused input stores nothing
        n = one('SELECT count(*) FROM gift_cards')
        for fields, says in (({'amount': '0.50'}, '1.00 or more'),
                             ({'amount': 'lots'}, "card's amount"),
                             ({'send_on': '2026-11-01'}, 'today or a day within a year'),
                             ({'recipient_email': 'not-an-address'}, 'recipient'),
                             ({'method': 'gift_card'}, 'cash or card'),
                             ({'reference': ''}, "terminal's reference")):
            st, _, page = sell_card(desk, **fields) if 'amount' not in fields else \
                sell_card(desk, fields.pop('amount'), **fields)
            self.assertEqual(st, 422, (fields, text(page)[:300]))
            self.assertIn(says, text(page))
        self.assertEqual(one('SELECT count(*) FROM gift_cards'), n)

    def test_code_sealed_at_rest_and_sent_on_the_day(self):
        st, _, page = sell_card(self.desk, '60', recipient_name='Sol Sealed',
                                recipient_email='sol@example.com', send_on='2026-12-20')
        self.assertEqual(st, 201, text(page)[:800])
        code = CODE.search(page).group(1)
        key = 'gift_card:%d' % one('SELECT max(id) FROM gift_cards')
        # before the day: no row of any table holds the code, in any spelling
        before = dump()
        for spelling in (code, code.replace('-', ''), code.replace('-', ' ')):
            self.assertNotIn(spelling, before)
        self.assertEqual(S.sql('SELECT count(*) FROM outbox_seals s JOIN outbox o'
                               ' ON o.id = s.outbox_id WHERE o.dedupe_key = ?', key), [(1,)])
        # the day comes (the outbox runs on the real clock): the recipient
        # gets the right code, and what stays shows its last four only
        S.sql('UPDATE outbox SET next_attempt_at = 0 WHERE dedupe_key = ?', key)
        mails = wait_mail('sol@example.com')
        self.assertEqual(len(mails), 1)
        body = mails[0].get_body(('plain',)).get_content()
        self.assertIn('Your code: %s' % code, body)
        self.assertNotIn('****', body)
        end = time.monotonic() + 30  # marked sent with the worker's next write
        while time.monotonic() < end and st_of(key) != 'sent':
            time.sleep(0.05)
        self.assertEqual(st_of(key), 'sent')
        self.assertIn('****-****-****-%s' % code[-4:],
                      one('SELECT body_text FROM outbox WHERE dedupe_key = ?', key))
        self.assertEqual(S.sql('SELECT count(*) FROM outbox_seals s JOIN outbox o'
                               ' ON o.id = s.outbox_id WHERE o.dedupe_key = ?', key), [(0,)])
        after = dump()
        self.assertNotIn(code.replace('-', ''), after.replace('-', ''))
        self.assertNotIn(code, S.log())

    def test_a_seal_that_does_not_open_is_never_sent(self):
        """A seal made under another key (a replaced key file), or none at
        all: the message fails with a log line naming it, and nothing is
        sent (no masked or garbled code reaches anyone)."""
        codes = {}
        for who in ('wrongkey@example.com', 'nokey@example.com'):
            st, _, page = sell_card(self.desk, '30', recipient_name='Kay',
                                    recipient_email=who, send_on='2026-12-21')
            self.assertEqual(st, 201, text(page)[:800])
            codes[who] = ('gift_card:%d' % one('SELECT max(id) FROM gift_cards'),
                          CODE.search(page).group(1))
        wrong, missing = codes['wrongkey@example.com'][0], codes['nokey@example.com'][0]
        (sealed,), = S.sql('SELECT s.sealed FROM outbox_seals s JOIN outbox o'
                           ' ON o.id = s.outbox_id WHERE o.dedupe_key = ?', wrong)
        other = sealed[:-2] + ('00' if sealed[-2:].lower() != '00' else '01')
        if harness.PG:
            S.sql("UPDATE outbox_seals SET sealed = decode('%s', 'hex') WHERE outbox_id ="
                  " (SELECT id FROM outbox WHERE dedupe_key = ?)" % other, wrong)
        else:
            S.sql("UPDATE outbox_seals SET sealed = X'%s' WHERE outbox_id ="
                  " (SELECT id FROM outbox WHERE dedupe_key = ?)" % other, wrong)
        S.sql('DELETE FROM outbox_seals WHERE outbox_id ='
              ' (SELECT id FROM outbox WHERE dedupe_key = ?)', missing)
        S.sql('UPDATE outbox SET next_attempt_at = 0 WHERE dedupe_key IN (?, ?)', wrong, missing)
        end = time.monotonic() + 30
        while time.monotonic() < end and (st_of(wrong) != 'failed' or st_of(missing) != 'failed'):
            time.sleep(0.05)
        self.assertEqual((st_of(wrong), st_of(missing)), ('failed', 'failed'))
        self.assertIn("does not open with this server's key",
                      one('SELECT last_error FROM outbox WHERE dedupe_key = ?', wrong))
        self.assertIn('sealed gift card code is missing',
                      one('SELECT last_error FROM outbox WHERE dedupe_key = ?', missing))
        log = S.log()
        for dedupe in (wrong, missing):
            mid = one('SELECT id FROM outbox WHERE dedupe_key = ?', dedupe)
            self.assertRegex(log, r'mail: message %d \(gift_card\) to \S+ not sent: ' % mid)
        self.assertEqual(SMTP.to('wrongkey@example.com'), [])
        self.assertEqual(SMTP.to('nokey@example.com'), [])
        for _, code in codes.values():
            self.assertNotIn(code, log)

    def test_sent_at_nine_on_the_day_the_clocks_go_forward(self):
        """2027-03-14, when Anchorage goes from AKST to AKDT at 02:00: the
        card is e-mailed at 09:00 AKDT (17:00 UTC), not midnight + 9 h."""
        st, _, page = sell_card(self.desk, '40', recipient_name='Sam Spring',
                                recipient_email='spring@example.com', send_on='2027-03-14')
        self.assertEqual(st, 201, text(page)[:800])
        gid = one('SELECT max(id) FROM gift_cards')
        self.assertEqual(one('SELECT send_at FROM gift_cards WHERE id = ?', gid), 1805043600)
        self.assertEqual(one('SELECT next_attempt_at FROM outbox WHERE dedupe_key = ?',
                             'gift_card:%d' % gid), 1805043600)
        self.assertIn('March 14, 2027', text(self.desk.get('/admin/gift-cards')[2]))

    def test_partial_redemption_and_refund_back_onto_the_card(self):
        desk = self.desk
        code = new_card(desk, '100')
        gid = one('SELECT max(id) FROM gift_cards')
        aid, _ = visit('Reda Redeem', 'reda@example.com')
        inv = issue(desk, aid)  # $120
        st, _, page = pay(desk, aid, inv, 'gift_card', amount='70', code=code.lower())
        self.assertEqual(st, 303, text(page)[:500])
        self.assertEqual(one('SELECT sum(delta) FROM gift_card_entries WHERE gift_card_id = ?',
                             gid), 3000)
        st, _, page = pay(desk, aid, inv, 'gift_card', amount='50', code=code)
        self.assertEqual(st, 422)
        self.assertIn('The gift card holds $30.00', text(page))
        st, _, _ = pay(desk, aid, inv, 'gift_card', amount='30', code=code.replace('-', ' '))
        self.assertEqual(st, 303)
        st, _, page = pay(desk, aid, inv, 'gift_card', amount='20', code=code)
        self.assertEqual(st, 422)
        self.assertIn('spent', text(page))
        self.assertEqual(S.sql("SELECT method, amount_cents, reference FROM payments"
                               " WHERE invoice_id = ? ORDER BY id", inv),
                         [('gift_card', 7000, 'Gift card ending %s' % code[-4:]),
                          ('gift_card', 3000, 'Gift card ending %s' % code[-4:])])
        self.assertIn('$0.00 left of $100.00', text(desk.get('/admin/gift-cards')[2]))
        # a refund of the first goes back onto the card
        pid = one("SELECT min(id) FROM payments WHERE invoice_id = ?", inv)
        _, _, page = desk.get('/staff/invoices/%d' % inv)
        onces = ONCE.findall(page)
        st = None
        for o in onces:
            st, _, page = desk.post('/staff/invoices/%d/refunds' % inv,
                                    {'once': o, 'payment': str(pid), 'amount': '25',
                                     'reason': 'service cut short'})
            if st == 303:
                break
        self.assertEqual(st, 303, text(page)[:400])
        self.assertEqual(one('SELECT sum(delta) FROM gift_card_entries WHERE gift_card_id = ?',
                             gid), 2500)

    def test_a_refund_of_the_sale_takes_it_off_the_card(self):
        desk = self.desk
        code = new_card(desk, '100')
        gid = one('SELECT max(id) FROM gift_cards')
        inv = one('SELECT invoice_id FROM gift_cards WHERE id = ?', gid)
        pay_id = sale_payment(inv)
        aid, _ = visit('Spent Some', 'spentsome@example.com')
        vinv = issue(desk, aid)
        st, _, _ = pay(desk, aid, vinv, 'gift_card', amount='30', code=code)
        self.assertEqual(st, 303)
        # $70 is unspent: a refund of $80 of the sale is refused, nothing stored
        st, _, page = refund(desk, inv, pay_id, '80')
        self.assertEqual(st, 422, text(page)[:400])
        self.assertIn('Only $70.00 of the gift card sold on this invoice (ending %s) is unspent;'
                      ' refund at most that.' % code[-4:], text(page))
        self.assertEqual(one('SELECT count(*) FROM refunds WHERE payment_id = ?', pay_id), 0)
        self.assertEqual(balance(gid), 7000)
        # $50 comes off the card in the same stroke, then the other $20
        st, _, page = refund(desk, inv, pay_id, '50')
        self.assertEqual(st, 303, text(page)[:400])
        self.assertEqual(balance(gid), 2000)
        self.assertEqual(S.sql("SELECT kind, delta FROM gift_card_entries WHERE gift_card_id = ?"
                               " AND kind = 'sale_refund'", gid), [('sale_refund', -5000)])
        self.assertIn('taken off gift card ending %s, $20.00 left on it' % code[-4:],
                      one("SELECT reason FROM audit_log WHERE action = 'refund' AND"
                          " record = 'refund' ORDER BY id DESC LIMIT 1"))
        st, _, _ = refund(desk, inv, pay_id, '20')
        self.assertEqual(st, 303)
        self.assertEqual(balance(gid), 0)
        # the card pays for nothing more, and says why
        aid2, _ = visit('Late Spender', 'latespender@example.com')
        vinv2 = issue(desk, aid2)
        st, _, page = pay(desk, aid2, vinv2, 'gift_card', amount='10', code=code)
        self.assertEqual(st, 422)
        self.assertIn('This gift card was refunded to its buyer', text(page))
        self.assertEqual(one('SELECT count(*) FROM payments WHERE invoice_id = ?', vinv2), 0)
        # nothing is left to refund either
        st, _, page = refund(desk, inv, pay_id, '1')
        self.assertEqual(st, 422)
        self.assertIn('has nothing unspent', text(page))

    def test_a_redemption_and_a_refund_of_the_sale_at_once_cannot_overdraw(self):
        desk = self.desk
        for _ in range(3):
            code = new_card(desk, '50')
            gid = one('SELECT max(id) FROM gift_cards')
            inv = one('SELECT invoice_id FROM gift_cards WHERE id = ?', gid)
            pay_id = sale_payment(inv)
            aid, _ = visit('Race %d' % gid, 'race%d@example.com' % gid)
            vinv = issue(desk, aid)
            _, _, page = desk.get('/staff/appointments/%d/checkout' % aid)
            csrf = desk.cookies.get('knead_csrf', '')
            jobs = [('/staff/invoices/%d/payments' % vinv,
                     {'once': once_of(page), 'method': 'gift_card', 'amount': '40', 'code': code,
                      'reference': '', 'csrf': csrf}),
                    ('/staff/invoices/%d/refunds' % inv,
                     {'once': refund_once(desk, inv, pay_id), 'payment': str(pay_id),
                      'amount': '40', 'reason': 'bought by mistake', 'csrf': csrf})]
            results = {}
            go = threading.Barrier(2)

            def run(path, form):
                b = Browser()
                b.cookies = dict(desk.cookies)
                go.wait(timeout=10)
                results[path] = b.request('POST', path, form)[0]
            threads = [threading.Thread(target=run, args=j) for j in jobs]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            # one of them wins; the card never pays out more than the $50 bought
            self.assertEqual(sorted(results.values()), [303, 422], results)
            self.assertEqual(balance(gid), 1000)
            redeemed = one("SELECT coalesce(sum(amount_cents), 0) FROM payments WHERE"
                           " invoice_id = ? AND method = 'gift_card'", vinv)
            refunded = one('SELECT coalesce(sum(amount_cents), 0) FROM refunds WHERE'
                           ' payment_id = ?', pay_id)
            self.assertEqual(redeemed + refunded, 4000)

    def test_wrong_codes_say_nothing_and_are_throttled(self):
        desk = self.desk
        real = new_card(desk, '40')
        aid, _ = visit('Gail Guess', 'gail@example.com')
        inv = issue(desk, aid)
        said = set()
        # a near miss, a well-formed stranger, garbage: the same words
        near = real[:-1] + ('A' if real[-1] != 'A' else 'B')
        for code in (near, 'ABCD-EFGH-JKLM-NPQR', 'hello', '', near, 'ZZZZ-ZZZZ-ZZZZ-ZZZZ'):
            st, _, page = pay(desk, aid, inv, 'gift_card', amount='10', code=code)
            self.assertEqual(st, 422, code)
            said.add(re.search(r'That gift card code[^<]*', page).group(0))
        self.assertEqual(len(said), 1)
        self.assertEqual(one('SELECT count(*) FROM payments WHERE invoice_id = ?', inv), 0)
        # the seventh wrong guess in the hour from this address is paused, right codes too
        st, h, page = pay(desk, aid, inv, 'gift_card', amount='10', code=real)
        self.assertEqual(st, 429)
        self.assertIn('Too many gift card codes', text(page))
        self.assertTrue(int(h['retry-after']) > 0)
        self.assertEqual(one('SELECT count(*) FROM payments WHERE invoice_id = ?', inv), 0)
        S.sql("DELETE FROM throttle_hits WHERE kind = 'gift_code'")
        st, _, _ = pay(desk, aid, inv, 'gift_card', amount='10', code=real)
        self.assertEqual(st, 303)

    def test_two_redemptions_at_once_cannot_overdraw(self):
        desk = self.desk
        code = new_card(desk, '50')
        gid = one('SELECT max(id) FROM gift_cards')
        visits = [visit('Twin %d' % i, 'twin%d@example.com' % i) for i in range(2)]
        forms = []
        for aid, _ in visits:
            inv = issue(desk, aid)
            _, _, page = desk.get('/staff/appointments/%d/checkout' % aid)
            forms.append((inv, {'once': once_of(page), 'method': 'gift_card', 'amount': '40',
                                'code': code, 'reference': '',
                                'csrf': desk.cookies.get('knead_csrf', '')}))
        results = []
        go = threading.Barrier(2)

        def spend(inv, form):
            b = Browser()
            b.cookies = dict(desk.cookies)
            go.wait(timeout=10)
            results.append(b.request('POST', '/staff/invoices/%d/payments' % inv, form)[0])
        threads = [threading.Thread(target=spend, args=f) for f in forms]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(sorted(results), [303, 422])
        self.assertEqual(one('SELECT sum(delta) FROM gift_card_entries WHERE gift_card_id = ?',
                             gid), 1000)
        self.assertEqual(one("SELECT count(*) FROM payments WHERE method = 'gift_card' AND"
                             " reference = ?", 'Gift card ending %s' % code[-4:]), 1)

    def test_spent_when_booking_online_and_back_on_a_cancellation(self):
        desk = self.desk
        code = new_card(desk, '50')
        gid = one('SELECT max(id) FROM gift_cards')
        n = one('SELECT count(*) FROM appointments')
        anon = Browser()
        # a wrong code books nothing and counts against the address
        st, _, page = online_book(anon, '2026-12-03T10:00:00-09:00', 'Bea Booker',
                                  'bea@example.com', gift='ABCD-EFGH-JKLM-NPQR')
        self.assertEqual(st, 422)
        self.assertIn('Nothing was booked: That gift card code is not valid.', text(page))
        self.assertEqual(one('SELECT count(*) FROM appointments'), n)
        self.assertEqual(one("SELECT count(*) FROM throttle_hits WHERE kind = 'gift_code'"), 1)
        # the right one pays $50 of the $120 visit ahead
        st, h, page = online_book(anon, '2026-12-03T10:00:00-09:00', 'Bea Booker',
                                  'bea@example.com', gift=code.lower())
        self.assertEqual(st, 303, text(page)[:500])
        aid = one('SELECT max(id) FROM appointments')
        self.assertEqual(S.sql('SELECT method, amount_cents, coalesce(invoice_id, 0) FROM payments'
                               ' WHERE appointment_id = ?', aid), [('gift_card', 5000, 0)])
        self.assertEqual(one('SELECT sum(delta) FROM gift_card_entries WHERE gift_card_id = ?',
                             gid), 0)
        manage = h['location'].split('?')[0]
        self.assertIn('Paid ahead: $50.00 by Gift card ending %s.' % code[-4:],
                      text(anon.get(manage)[2]))
        # spent: another booking with it is refused, and books nothing
        n = one('SELECT count(*) FROM appointments')
        st, _, page = online_book(anon, '2026-12-03T12:00:00-09:00', 'Bea Booker',
                                  'bea@example.com', gift=code)
        self.assertEqual(st, 422)
        self.assertIn('This gift card has been spent.', text(page))
        self.assertEqual(one('SELECT count(*) FROM appointments'), n)
        # cancelled: the $50 goes back onto the card
        anon.get(manage + '/cancel')
        self.assertEqual(anon.post(manage + '/cancel', {})[0], 303)
        self.assertEqual(one('SELECT sum(delta) FROM gift_card_entries WHERE gift_card_id = ?',
                             gid), 5000)
        self.assertEqual(S.sql('SELECT amount_cents, reason FROM refunds WHERE payment_id ='
                               ' (SELECT id FROM payments WHERE appointment_id = ?)', aid),
                         [(5000, 'the appointment was cancelled')])
        self.assertIn('went back onto the card', text(anon.get(manage)[2]))
        # booked again with it and checked out: the invoice counts what it paid
        st, h, _ = online_book(anon, '2026-12-04T10:00:00-09:00', 'Bea Booker',
                               'bea@example.com', gift=code)
        self.assertEqual(st, 303)
        aid = one('SELECT max(id) FROM appointments')
        S.sql("UPDATE appointments SET status = 'checked_in' WHERE id = ?", aid)
        inv = issue(desk, aid)
        self.assertIn('Take a payment: $70.00 due', text(desk.get(
            '/staff/appointments/%d/checkout' % aid)[2]))
        self.assertEqual(one('SELECT invoice_id FROM payments WHERE appointment_id = ?', aid), inv)

    def test_an_expired_card_is_refused(self):
        desk = self.desk
        code = new_card(desk, '30')
        gid = one('SELECT max(id) FROM gift_cards')
        S.sql('UPDATE gift_cards SET expires_at = ? WHERE id = ?', NOW - 1, gid)
        aid, _ = visit('Exp Ired', 'exp@example.com')
        inv = issue(desk, aid)
        st, _, page = pay(desk, aid, inv, 'gift_card', amount='10', code=code)
        self.assertEqual(st, 422)
        self.assertIn('This gift card has expired.', text(page))
        self.assertIn('expired', text(desk.get('/admin/gift-cards')[2]))


if __name__ == '__main__':
    run_suite(globals())
