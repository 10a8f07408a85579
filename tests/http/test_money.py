"""The clinic's money at the desk (issue 11) against the real server, clock
pinned to Tuesday 2026-11-24 09:00 in Anchorage: the checkout waits for the
check-in; an invoice with an add-on, a discount with its reason and a tip;
split payments (card, then cash with change); a form sent twice takes the
money once; refunds never above what was paid, to the same method; credit
notes; an issued invoice never changes (the store refuses it); numbers
without gaps; the receipt (page and e-mail); the close-out with the drawer
count; the superbill at the desk and in the client's own portal; who may
see money pages; the service and therapist billing settings; the audit log.

usage: test_money.py PATH/TO/knead"""
import os
import re
import signal
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, run_suite, signed_in, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None
DESK = ('desk@chugachbodywork.example', 'demo-desk-pass')
ADMIN = ('admin@chugachbodywork.example', 'demo-admin-pass')
MAREN = ('maren@chugachbodywork.example', 'demo-therapist-pass')
ONCE = re.compile(r'name="once" value="([^"]+)"')


def setUpModule():
    global S
    d = os.path.dirname(os.path.abspath(__file__))
    S = Server(KNEAD, extra=['--now', '2026-11-24T09:00:00-09:00'])
    ini = os.path.join(S.dir, 'knead.ini')
    with open(ini, 'w') as f:
        f.write('[clinic]\ntax_id = 92-4417731\nnpi = 1234567893\n')
    S.extra += ['--config', ini]
    S.start()
    assert d


def tearDownModule():
    harness.finish(S)


def one(sql, *args):
    return S.sql(sql, *args)[0][0]


NEXT = {}  # therapist -> index of the next start to try today


def walk_in(b, name, email, therapist='maren-holt', service='deep-tissue-60'):
    """A desk booking today with `therapist` (or the next one free), returns its id."""
    starts = ['2026-11-24T%02d:%02d:00-09:00' % (h, m) for h in range(9, 20) for m in (0, 15, 30, 45)]
    therapists = ['maren-holt', 'tomas-reyes', 'dev-okafor', 'lena-kusugak']
    for t in [therapist] + [x for x in therapists if x != therapist]:
        while NEXT.get(t, 0) < len(starts):
            start = starts[NEXT.get(t, 0)]
            NEXT[t] = NEXT.get(t, 0) + 1
            st, h, _ = b.post('/staff/book', {'service': service, 'therapist': t, 'start': start,
                                              'note': '', 'name': name, 'email': email,
                                              'phone': ''})
            if st == 303:
                return int(h['location'].rsplit('/', 1)[1])
    raise AssertionError('no free time for %s' % name)


VISIT_HOURS = list(range(23, 11, -1)) + list(range(8, -1, -1))  # 21 one-hour visits


def visit(name, email, therapist='maren-holt', service='deep-tissue-60', minutes=60,
          status='checked_in'):
    """A visit today, written straight into the store (the booking rules
    are test_desk's; these tests need many visits on one day), each at an
    hour of its own: they share the first room, and PostgreSQL refuses two
    at one time in a room or for a therapist.  From 23:00 back to 12:00,
    then from 08:00 back: the desk's walk-ins take 09:00 to 12:00."""
    start = 1795510800 + 3600 * VISIT_HOURS.pop(0)  # 2026-11-24 00:00 AKST + the hour
    S.sql("INSERT INTO clients (name, email, phone, created_at) VALUES (?, ?, '', 0)", name, email)
    cid = one('SELECT max(id) FROM clients')
    S.sql("INSERT INTO appointments (service_id, therapist_id, room_id, client_id, start_at,"
          " end_at, busy_until, status, token_hash, source, created_at)"
          " VALUES (?, ?, (SELECT min(id) FROM rooms), ?, ?, ?, ?, ?, randomblob(32), 'staff', 0)",
          service, therapist, cid, start, start + 60 * minutes, start + 60 * minutes, status)
    return one('SELECT max(id) FROM appointments')


def check_in(b, aid):
    st, _, _ = b.post('/staff/appointments/%d/status' % aid, {'status': 'checked_in'})
    assert st == 303, st


def once_of(page, i=0):
    found = ONCE.findall(page)
    assert len(found) > i, page[:2000]
    return found[i]


def issue(b, aid, **fields):
    """Issues the visit's invoice from the checkout form; returns its id."""
    _, _, page = b.get('/staff/appointments/%d/checkout' % aid)
    form = {'once': once_of(page), 'action': 'issue', 'discount_kind': 'none'}
    form.update(fields)
    st, h, page = b.post('/staff/appointments/%d/checkout' % aid, form)
    assert st == 303, (st, text(page)[:600])
    return one('SELECT max(id) FROM invoices WHERE appointment_id = ?', aid)


def pay(b, inv, method, amount=None, tendered=None, reference='', once=None):
    if once is None:
        _, _, page = b.get('/staff/invoices/%d' % inv)
        once = re.search(r'action="/staff/invoices/%d/payments"' % inv, page) and None
        aid = one('SELECT appointment_id FROM invoices WHERE id = ?', inv)
        _, _, page = b.get('/staff/appointments/%d/checkout' % aid)
        once = once_of(page)
    form = {'once': once, 'method': method, 'reference': reference}
    if amount is not None:
        form['amount'] = amount
    if tendered is not None:
        form['tendered'] = tendered
    return b.post('/staff/invoices/%d/payments' % inv, form)


class Checkout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.desk = signed_in(DESK)

    def test_checkout_waits_for_the_check_in(self):
        b = self.desk
        aid = walk_in(b, 'Nora Notyet', 'nora@example.com')
        st, _, page = b.get('/staff/appointments/%d' % aid)
        self.assertIn('The checkout opens once the client is checked in.', text(page))
        st, _, page = b.get('/staff/appointments/%d/checkout' % aid)
        self.assertEqual(st, 200)
        self.assertIn('The client is not checked in yet.', text(page))
        self.assertNotIn('Issue invoice', page)
        st, _, page = b.post('/staff/appointments/%d/checkout' % aid,
                             {'once': 'A' * 22, 'action': 'issue'})
        self.assertEqual(st, 409)
        self.assertIn('Check the client in first', text(page))
        self.assertEqual(one('SELECT count(*) FROM invoices WHERE appointment_id = ?', aid), 0)
        self.assertEqual(b.get('/staff/appointments/99999/checkout')[0], 404)

    def test_invoice_split_payment_change_and_receipt(self):
        b = self.desk
        aid = walk_in(b, 'Sam Split', 'sam@example.com')
        check_in(b, aid)
        st, _, page = b.get('/staff/appointments/%d' % aid)
        self.assertIn('href="/staff/appointments/%d/checkout"' % aid, page)
        _, _, page = b.get('/staff/appointments/%d/checkout' % aid)
        self.assertIn('Deep Tissue Massage (60 minutes): $120.00', text(page))
        once = once_of(page)
        form = {'once': once, 'addon_1': 'Hot stones', 'addon_1_price': '15',
                'discount_kind': 'percent', 'discount': '10', 'discount_reason': 'First visit',
                'tip': '20'}
        # the preview prices it and stores nothing
        st, _, page = b.post('/staff/appointments/%d/checkout' % aid, dict(form, action='preview'))
        self.assertEqual(st, 200)
        self.assertIn('id="preview-total">$141.50<', page)  # 135 - 13.50 + 20
        self.assertEqual(one('SELECT count(*) FROM invoices WHERE appointment_id = ?', aid), 0)
        st, h, _ = b.post('/staff/appointments/%d/checkout' % aid, dict(form, action='issue'))
        self.assertEqual((st, h['location']),
                         (303, '/staff/appointments/%d/checkout?issued=1' % aid))
        inv = one('SELECT id FROM invoices WHERE appointment_id = ?', aid)
        self.assertEqual(S.sql('SELECT subtotal_cents, discount_cents, discount_reason, tax_cents,'
                               ' tip_cents, total_cents, line_count FROM invoices WHERE id = ?',
                               inv), [(13500, 1350, 'First visit', 0, 2000, 14150, 2)])
        self.assertEqual(S.sql('SELECT kind, description, procedure_code, units, unit_cents,'
                               ' discount_cents FROM invoice_lines WHERE invoice_id = ?'
                               ' ORDER BY position', inv),
                         [('service', 'Deep Tissue Massage (60 minutes)', '97124', 4, 12000, 1200),
                          ('addon', 'Hot stones', '', 0, 1500, 150)])
        # the same form again: no second invoice, the same page
        st, h, _ = b.post('/staff/appointments/%d/checkout' % aid, dict(form, action='issue'))
        self.assertEqual(st, 303)
        self.assertEqual(one('SELECT count(*) FROM invoices WHERE appointment_id = ?', aid), 1)
        # split: $50 on the card terminal, then $100 cash for the $91.50 left
        _, _, page = b.get('/staff/appointments/%d/checkout' % aid)
        self.assertIn('Take a payment: $141.50 due', text(page))
        st, _, page = pay(b, inv, 'card', amount='50')
        self.assertEqual(st, 422)
        self.assertIn("Enter the card terminal's reference", text(page))
        card_once = once_of(b.get('/staff/appointments/%d/checkout' % aid)[2])
        st, h, _ = pay(b, inv, 'card', amount='50', reference='AUTH 41822', once=card_once)
        self.assertEqual(st, 303)
        # a double click on the same form takes it once
        st, h2, _ = pay(b, inv, 'card', amount='50', reference='AUTH 41822', once=card_once)
        self.assertEqual((st, h2['location']), (303, h['location']))
        self.assertEqual(one('SELECT count(*) FROM payments WHERE invoice_id = ?', inv), 1)
        # more than is owed on a card: refused, nothing stored
        st, _, page = pay(b, inv, 'card', amount='91.51', reference='AUTH 2')
        self.assertEqual(st, 422)
        self.assertIn('more than is owed', text(page))
        st, h, _ = pay(b, inv, 'cash', tendered='100')
        self.assertEqual(st, 303)
        _, _, page = b.get(h['location'])
        self.assertIn('Change to give back: $8.50', text(page))
        self.assertEqual(S.sql('SELECT method, amount_cents, tendered_cents, reference FROM payments'
                               ' WHERE invoice_id = ? ORDER BY id', inv),
                         [('card', 5000, 0, 'AUTH 41822'), ('cash', 9150, 10000, '')])
        self.assertIn('Paid in full', text(page))
        self.assertNotIn('Take a payment', page)
        # the receipt: clinic, tax id, number, lines, payments, balance
        st, _, page = b.get('/staff/invoices/%d' % inv)
        self.assertEqual(st, 200)
        t = text(page)
        number = one('SELECT number FROM invoices WHERE id = ?', inv)
        for want in ('Chugach Bodywork', '1420 West Fireweed Lane', 'Tax id 92-4417731',
                     'Invoice %d' % number, 'Sam Split', 'Hot stones $15.00',
                     'Discount (First visit) −$13.50', 'Tip $20.00', 'Total $141.50',
                     'Card (terminal) (AUTH 41822)', 'Cash', 'tendered $100.00, change $8.50',
                     'Paid in full $0.00'):
            self.assertIn(want, t)
        self.assertIn('@media print', open(os.path.join(
            os.path.dirname(__file__), '..', '..', 'static', 'css', 'site.css')).read())

    def test_refunds_never_above_what_was_paid(self):
        b = self.desk
        aid = visit('Rita Refund', 'rita@example.com')
        inv = issue(b, aid)
        self.assertEqual(pay(b, inv, 'card', amount='120', reference='T-9')[0], 303)
        pid = one('SELECT id FROM payments WHERE invoice_id = ?', inv)
        _, _, page = b.get('/staff/invoices/%d' % inv)
        once = re.search(r'name="once" value="([^"]+)">\s*<input type="hidden" name="payment"',
                         page).group(1)
        for amount, reason, want in (('120.01', 'Too much', 'more than what is left'),
                                     ('20', '', 'Give the reason'), ('abc', 'x', 'Enter the amount')):
            st, _, page = b.post('/staff/invoices/%d/refunds' % inv,
                                 {'once': once, 'payment': pid, 'amount': amount, 'reason': reason})
            self.assertEqual(st, 422, amount)
            self.assertIn(want, text(page))
        self.assertEqual(one('SELECT count(*) FROM refunds WHERE payment_id = ?', pid), 0)
        st, _, _ = b.post('/staff/invoices/%d/refunds' % inv,
                          {'once': once, 'payment': pid, 'amount': '20', 'reason': 'Cut short'})
        self.assertEqual(st, 303)
        # the same form again refunds nothing more
        st, _, _ = b.post('/staff/invoices/%d/refunds' % inv,
                          {'once': once, 'payment': pid, 'amount': '20', 'reason': 'Cut short'})
        self.assertEqual(st, 303)
        self.assertEqual(one('SELECT sum(amount_cents) FROM refunds WHERE payment_id = ?', pid), 2000)
        _, _, page = b.get('/staff/invoices/%d' % inv)
        self.assertIn('Refunded to Card (terminal)', text(page))
        self.assertIn('Up to $100.00', text(page))
        once = re.search(r'name="once" value="([^"]+)">\s*<input type="hidden" name="payment"',
                         page).group(1)
        st, _, page = b.post('/staff/invoices/%d/refunds' % inv,
                             {'once': once, 'payment': pid, 'amount': '100.01', 'reason': 'x'})
        self.assertEqual(st, 422)
        # a payment of another invoice cannot be refunded through this one
        st, _, _ = b.post('/staff/invoices/%d/refunds' % inv,
                          {'once': once, 'payment': '999999', 'amount': '1', 'reason': 'x'})
        self.assertEqual(st, 422)
        # the store itself refuses a refund above the payment
        with self.assertRaises(AssertionError):
            S.sql("INSERT INTO refunds (payment_id, amount_cents, reason, idem_key, created_at,"
                  " created_by_name) VALUES (?, 10001, 'x', 'sql:1', 0, 'x')", pid)
        self.assertEqual(one('SELECT sum(amount_cents) FROM refunds WHERE payment_id = ?', pid), 2000)
        # the balance: the client is owed nothing, owes $20 again
        self.assertIn('Balance due $20.00', text(b.get('/staff/invoices/%d' % inv)[2]))

    def test_issued_invoice_never_changes_credit_note_corrects(self):
        b = self.desk
        aid = visit('Cory Credit', 'cory@example.com')
        inv = issue(b, aid)
        for sql in ('UPDATE invoices SET total_cents = 1 WHERE id = ?',
                    'DELETE FROM invoices WHERE id = ?',
                    'UPDATE invoice_lines SET unit_cents = 1 WHERE invoice_id = ?',
                    'DELETE FROM invoice_lines WHERE invoice_id = ?'):
            with self.assertRaises(AssertionError) as cm:
                S.sql(sql, inv)
            self.assertIn('issued invoice cannot be', str(cm.exception))
        with self.assertRaises(AssertionError):  # no line added after the issue
            S.sql("INSERT INTO invoice_lines (invoice_id, position, kind, description, qty,"
                  " unit_cents, discount_cents, tax_bp, tax_cents, amount_cents)"
                  " VALUES (?, 2, 'addon', 'x', 1, 100, 0, 0, 0, 100)", inv)
        self.assertEqual(one('SELECT total_cents FROM invoices WHERE id = ?', inv), 12000)
        _, _, page = b.get('/staff/invoices/%d' % inv)
        once = re.search(r'name="once" value="([^"]+)">\s*<div class="field">\s*<label for="credit',
                         page).group(1)
        st, _, page = b.post('/staff/invoices/%d/credit-notes' % inv,
                             {'once': once, 'amount': '120.01', 'reason': 'Wrong price'})
        self.assertEqual(st, 422)
        self.assertIn('more than what is left of the invoice', text(page))
        st, _, _ = b.post('/staff/invoices/%d/credit-notes' % inv,
                          {'once': once, 'amount': '20', 'reason': 'Wrong price'})
        self.assertEqual(st, 303)
        t = text(b.get('/staff/invoices/%d' % inv)[2])
        self.assertIn('Credit note', t)
        self.assertIn('Wrong price', t)
        self.assertIn('Balance due $100.00', t)
        # a reason of 500 characters, each two bytes and escaped, fits the form; 501 is refused
        _, _, page = b.get('/staff/invoices/%d' % inv)
        once = re.search(r'name="once" value="([^"]+)">\s*<div class="field">\s*<label for="credit',
                         page).group(1)
        st, _, page = b.post('/staff/invoices/%d/credit-notes' % inv,
                             {'once': once, 'amount': '1', 'reason': 'é' * 501})
        self.assertEqual(st, 422)
        self.assertIn('under 500 characters', text(page))
        st, _, _ = b.post('/staff/invoices/%d/credit-notes' % inv,
                          {'once': once, 'amount': '1', 'reason': 'é' * 500})
        self.assertEqual(st, 303)
        self.assertEqual(one('SELECT count(*) FROM credit_notes WHERE invoice_id = ?', inv), 2)

    def test_numbers_without_gaps(self):
        b = self.desk
        before = one('SELECT coalesce(max(number), 0) FROM invoices')
        ids = []
        for name in ('Gap One', 'Gap Two'):
            aid = visit(name, name.replace(' ', '.').lower() + '@example.com')
            # a refused form takes no number
            _, _, page = b.get('/staff/appointments/%d/checkout' % aid)
            st, _, _ = b.post('/staff/appointments/%d/checkout' % aid,
                              {'once': once_of(page), 'action': 'issue', 'discount_kind': 'amount',
                               'discount': '500', 'discount_reason': 'Too much'})
            self.assertEqual(st, 422)
            ids.append(issue(b, aid))
        numbers = [one('SELECT number FROM invoices WHERE id = ?', i) for i in ids]
        self.assertEqual(numbers, [before + 1, before + 2])
        self.assertEqual(one('SELECT count(*) FROM invoices'), before + 2)

    def test_refused_checkout_names_the_fields(self):
        b = self.desk
        aid = visit('Fiona Fields', 'fiona@example.com')
        _, _, page = b.get('/staff/appointments/%d/checkout' % aid)
        st, _, page = b.post('/staff/appointments/%d/checkout' % aid,
                             {'once': once_of(page), 'action': 'issue', 'addon_1': '',
                              'addon_1_price': '12', 'discount_kind': 'percent',
                              'discount': '10', 'discount_reason': '', 'tip': '-5'})
        self.assertEqual(st, 422)
        for field in ('addon_1', 'discount_reason', 'tip'):
            self.assertIn('id="%s-error"' % field, page)
        st, _, page = b.post('/staff/appointments/%d/checkout' % aid,
                             {'once': 'not-a-token', 'action': 'issue'})
        self.assertEqual(st, 400)
        self.assertEqual(one('SELECT count(*) FROM invoices WHERE appointment_id = ?', aid), 0)

    def test_insurance_pays_leaves_balance_open_then_pays(self):
        b = self.desk
        aid = visit('Ines Insured', 'ines@example.com')
        inv = issue(b, aid, bill_to='Premera Blue Cross')
        t = text(b.get('/staff/invoices/%d' % inv)[2])
        self.assertIn('The balance is billed to Premera Blue Cross.', t)
        self.assertIn('Balance due $120.00', t)
        # the client page shows what is owed across visits
        cid = one('SELECT client_id FROM invoices WHERE id = ?', inv)
        self.assertIn('Owes $120.00 across visits.', text(b.get('/staff/clients/%d' % cid)[2]))
        st, _, _ = pay(b, inv, 'insurance', amount='96', reference='Premera EOB 5521')
        self.assertEqual(st, 303)
        self.assertIn('Owes $24.00 across visits.', text(b.get('/staff/clients/%d' % cid)[2]))

    def test_receipt_by_email_once_per_form(self):
        b = self.desk
        aid = visit('Ella Email', 'ella@example.com')
        inv = issue(b, aid)
        pay(b, inv, 'cash', tendered='120')
        _, _, page = b.get('/staff/invoices/%d' % inv)
        once = re.search(r'action="/staff/invoices/%d/send">\s*<input[^>]+>\s*'
                         r'<input type="hidden" name="once" value="([^"]+)"' % inv, page).group(1)
        for _ in range(2):
            st, h, _ = b.post('/staff/invoices/%d/send' % inv, {'once': once})
            self.assertEqual((st, h['location']), (303, '/staff/invoices/%d?sent=1' % inv))
        rows = S.sql("SELECT recipient, subject, body_text, body_html FROM outbox"
                     " WHERE kind = 'receipt' AND recipient = 'ella@example.com'")
        self.assertEqual(len(rows), 1)
        number = one('SELECT number FROM invoices WHERE id = ?', inv)
        self.assertIn('invoice %d' % number, rows[0][1])
        for part in (rows[0][2], rows[0][3]):
            self.assertIn('Invoice %d' % number, part)
            self.assertIn('Tax id 92-4417731', part)
            self.assertIn('1420 West Fireweed Lane', part)
            self.assertIn('$120.00', part)
            self.assertIn('Paid in full', part)


class Races(unittest.TestCase):
    def test_two_desks_paying_the_balance_at_once_take_it_once(self):
        a, b = signed_in(DESK), signed_in(DESK)
        aid = visit('Rae Race', 'rae@example.com')
        inv = issue(a, aid)
        pages = [x.get('/staff/appointments/%d/checkout' % aid)[2] for x in (a, b)]
        results = []

        def go(who, page, ref):
            results.append(pay(who, inv, 'card', amount='120', reference=ref,
                               once=once_of(page))[0])
        ts = [threading.Thread(target=go, args=(x, p, 'T-%d' % i))
              for i, (x, p) in enumerate(zip((a, b), pages))]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
        self.assertEqual(sorted(results), [303, 422])
        self.assertEqual(one('SELECT sum(amount_cents) FROM payments WHERE invoice_id = ?', inv),
                         12000)

    def test_a_payment_survives_kill_and_its_form_resent_takes_nothing(self):
        s2 = Server(KNEAD, extra=['--now', '2026-11-24T09:00:00-09:00']).start()
        try:
            b = signed_in(DESK, server=s2)
            st, h, _ = b.post('/staff/book', {'service': 'deep-tissue-60', 'therapist': 'maren-holt',
                                              'start': '2026-11-24T09:30:00-09:00', 'note': '',
                                              'name': 'Kim Kill', 'email': 'kim@example.com',
                                              'phone': ''})
            self.assertEqual(st, 303)
            aid = int(h['location'].rsplit('/', 1)[1])
            check_in(b, aid)
            _, _, page = b.get('/staff/appointments/%d/checkout' % aid)
            st, _, _ = b.post('/staff/appointments/%d/checkout' % aid,
                              {'once': once_of(page), 'action': 'issue', 'discount_kind': 'none'})
            self.assertEqual(st, 303)
            inv = s2.sql('SELECT id FROM invoices WHERE appointment_id = ?', aid)[0][0]
            _, _, page = b.get('/staff/appointments/%d/checkout' % aid)
            form = {'once': once_of(page), 'method': 'cash', 'tendered': '120'}
            self.assertEqual(b.post('/staff/invoices/%d/payments' % inv, form)[0], 303)
            s2.stop(signal.SIGKILL)  # right after the answer: the payment is on disk
            s2.seed = False
            s2.start()
            self.assertEqual(s2.sql('SELECT amount_cents FROM payments WHERE invoice_id = ?', inv),
                             [(12000,)])
            b = signed_in(DESK, server=s2)
            st, _, _ = b.post('/staff/invoices/%d/payments' % inv, form)
            self.assertEqual(st, 303)  # the same form: the same payment, nothing new
            self.assertEqual(s2.sql('SELECT count(*) FROM payments WHERE invoice_id = ?', inv),
                             [(1,)])
        finally:
            harness.finish(s2)


class CloseOut(unittest.TestCase):
    def test_takings_by_method_and_the_drawer(self):
        b = signed_in(DESK)
        aid = visit('Carl Closeout', 'carl@example.com')
        inv = issue(b, aid)
        cash_before = one("SELECT coalesce(sum(amount_cents), 0) FROM payments WHERE method = 'cash'")
        refunds_before = one("SELECT coalesce(sum(f.amount_cents), 0) FROM refunds f JOIN payments p"
                             " ON p.id = f.payment_id WHERE p.method = 'cash'")
        pay(b, inv, 'cash', tendered='70')
        pay(b, inv, 'card', amount='50', reference='T-77')
        st, _, page = b.get('/staff/closeout?date=2026-11-24')
        self.assertEqual(st, 200)
        self.assertIn('aria-current="page">Close-out<', page)
        cash = cash_before + 7000 - refunds_before
        self.assertIn('data-method="cash"', page)
        self.assertIn('data-method="card"', page)
        # a bad count: refused, nothing stored
        st, _, page = b.post('/staff/closeout', {'date': '2026-11-24', 'float': '100',
                                                 'counted': 'lots'})
        self.assertEqual(st, 422)
        self.assertEqual(one('SELECT count(*) FROM closeouts'), 0)
        counted = 10000 + cash - 200  # two dollars short
        st, h, _ = b.post('/staff/closeout', {'date': '2026-11-24', 'float': '100.00',
                                              'counted': '%d.%02d' % (counted // 100, counted % 100),
                                              'note': 'Coins miscounted?'})
        self.assertEqual((st, h['location']), (303, '/staff/closeout?date=2026-11-24&counted=1'))
        _, _, page = b.get(h['location'])
        self.assertIn('id="drawer-difference">$2.00 short<', page)
        self.assertEqual(S.sql('SELECT expected_cents, counted_cents FROM closeouts'),
                         [(10000 + cash, counted)])
        self.assertEqual(one("SELECT count(*) FROM audit_log WHERE action = 'count'"
                             " AND record = 'closeout' AND reason LIKE ?", '%Coins miscounted?%'), 1)
        self.assertEqual(b.get('/staff/closeout?date=2026-13-01')[0], 400)
        # another day: nothing taken
        self.assertIn('No payments or refunds this day.',
                      text(b.get('/staff/closeout?date=2026-11-20')[2]))


class Superbill(unittest.TestCase):
    def test_fields_at_the_desk_and_in_the_portal(self):
        b = signed_in(DESK)
        aid = visit('Pat Patient', 'pat.patient@example.com', status='booked')
        cid = one('SELECT client_id FROM appointments WHERE id = ?', aid)
        st, _, _ = b.post('/staff/clients/%d/referrals' % cid, {
            'physician': 'Dr. Ana Ruiz', 'practice': 'Midtown Family Medicine',
            'phone': '907-555-0123', 'referred_on': '2026-11-01',
            'diagnosis': 'Low back pain', 'icd10': 'M54.50', 'visits': '8',
            'valid_until': '2027-01-15'})
        self.assertEqual(st, 303)
        form = {'email': 'pat.patient@example.com', 'phone': '(907) 555-0142',
                'birth_date': '1979-03-14', 'emergency_name': 'Per Patient',
                'emergency_phone': '907-555-0143', 'reason': 'Lower back pain',
                'areas': ['lower_back'], 'pain': '5', 'onset': 'gradual_posture', 'onset_other': '',
                'worse': '', 'better': '', 'treatments': [], 'conditions': [],
                'conditions_other': '', 'medications': '', 'pressure': 'firm',
                'consent_name': 'Pat Patient'}
        st, _, page = b.post('/staff/appointments/%d/intake' % aid, form)
        self.assertEqual(st, 303, text(page)[:500])
        check_in(b, aid)
        inv = issue(b, aid)
        pay(b, inv, 'card', amount='120', reference='T-1')
        st, _, page = b.get('/staff/clients/%d/superbill?from=2026-11-01&to=2026-11-30' % cid)
        self.assertEqual(st, 200)
        t = text(page)
        for want in ('Practice Chugach Bodywork', 'Tax id 92-4417731', 'NPI 1234567893',
                     'Therapist Maren Holt', 'NPI 1582047316', 'Licence MAS-1207',
                     'Name Pat Patient', 'Born 1979-03-14', 'M54.50 Low back pain',
                     'Dr. Ana Ruiz, Midtown Family Medicine'):
            self.assertIn(want, t)
        row = re.search(r'<tr class="sb-visit">(.*?)</tr>', page, re.S).group(1)
        r = text(row)
        for want in ('2026-11-24', '97124', 'Deep Tissue Massage (60 minutes)', ' 4 ', 'M54.50',
                     'Maren Holt', '$120.00'):
            self.assertIn(want, r)
        self.assertIn('id="sb-balance">$0.00<', page)
        self.assertEqual(one("SELECT count(*) FROM audit_log WHERE record = 'superbill'"
                             " AND client_id = ? AND role = 'desk'", cid), 1)
        # outside the span: no visits
        self.assertIn('No billed visits in this span.', text(b.get(
            '/staff/clients/%d/superbill?from=2026-10-01&to=2026-10-31' % cid)[2]))
        for bad in ('from=2026-11-31', 'from=2026-12-01&to=2026-11-01', 'to=tomorrow',
                    'from=2025-01-01&to=2026-11-30'):
            self.assertEqual(b.get('/staff/clients/%d/superbill?%s' % (cid, bad))[0], 400, bad)
        self.assertEqual(b.get('/staff/clients/999999/superbill')[0], 404)
        # the client's own, from the portal; nobody else's
        harness.clear_failures(S)
        c = harness.client_account(S, email='pat.patient@example.com', name='Pat Patient')
        # the address proven (as the portal's one-time link does; test_portal covers it)
        S.sql('UPDATE users SET proven_email = email, email_proven_at = 0 WHERE email = ?',
              'pat.patient@example.com')
        st, _, page = c.get('/portal/superbill?from=2026-11-01&to=2026-11-30')
        self.assertEqual(st, 200, text(page)[:300])
        t = text(page)
        self.assertIn('Name Pat Patient', t)
        self.assertIn('97124', t)
        self.assertIn('M54.50', t)
        self.assertEqual(one("SELECT count(*) FROM audit_log WHERE record = 'superbill'"
                             " AND client_id = ? AND via = 'proven_email'", cid), 1)
        other = one('SELECT client_id FROM appointments WHERE id = ?',
                    visit('Olga Other', 'olga@example.com'))
        self.assertEqual(c.get('/portal/superbill?client=%d' % other)[0], 404)
        self.assertEqual(c.get('/staff/clients/%d/superbill' % cid)[0], 403)
        anon = harness.Browser()
        st, h, _ = anon.get('/portal/superbill')
        self.assertIn(st, (303, 401))


class Access(unittest.TestCase):
    def test_therapists_see_no_money_pages(self):
        harness.clear_failures(S)
        m = signed_in(MAREN)
        d = signed_in(DESK)
        aid = visit('Theo Therapist', 'theo@example.com')
        for path in ('/staff/appointments/%d/checkout' % aid, '/staff/closeout',
                     '/staff/invoices/1'):
            self.assertEqual(m.get(path)[0], 403, path)
        self.assertEqual(m.post('/staff/closeout', {'float': '0', 'counted': '0'})[0], 403)
        self.assertNotIn('/staff/closeout', m.get('/staff')[2])
        anon = harness.Browser()
        self.assertIn(anon.get('/staff/closeout')[0], (303, 401))


class Settings(unittest.TestCase):
    def test_service_billing_and_therapist_identifiers(self):
        harness.clear_failures(S)
        a = signed_in(ADMIN)
        _, _, page = a.get('/admin/services/swedish-60')
        self.assertIn('name="procedure_code"', page)
        form = {'name': 'Swedish Relaxation Massage (60 minutes)', 'description': 'Calm.',
                'duration': '60', 'price': '105', 'buffer': '15', 'active': 'on',
                'min_notice': '', 'horizon': '', 'late_cancel': '',
                'therapist': ['maren-holt', 'lena-kusugak'], 'room': ['1', '2', '3'],
                'tax_rate': '101', 'procedure_code': '97-124', 'unit_minutes': '999'}
        st, _, page = a.post('/admin/services/swedish-60', form)
        self.assertEqual(st, 422)
        for f in ('tax_rate', 'procedure_code', 'unit_minutes'):
            self.assertIn('id="%s-error"' % f, page)
        st, _, _ = a.post('/admin/services/swedish-60',
                          dict(form, tax_rate='5', procedure_code='97124', unit_minutes='15'))
        self.assertEqual(st, 303)
        self.assertEqual(S.sql("SELECT tax_bp, procedure_code, unit_minutes FROM services"
                               " WHERE id = 'swedish-60'"), [(500, '97124', 15)])
        self.assertIn('value="5"', a.get('/admin/services/swedish-60')[2])
        # the tax shows on the visit's invoice: 5 % of $105.00
        d = signed_in(DESK)
        aid = visit('Tess Tax', 'tess@example.com', therapist='lena-kusugak', service='swedish-60')
        inv = issue(d, aid)
        self.assertEqual(S.sql('SELECT tax_cents, total_cents FROM invoices WHERE id = ?', inv),
                         [(525, 11025)])
        # a therapist's NPI is checked (its check digit) and saved with the licence
        tform = {'name': 'Lena Kusugak', 'title': 'Licensed Massage Therapist', 'bio': '',
                 'specialties': '', 'photo': '', 'photo_alt': '', 'active': 'on',
                 'service': ['deep-tissue-60'], 'npi': '1234567890', 'licence': 'MAS-9'}
        st, _, page = a.post('/admin/therapists/lena-kusugak', tform)
        self.assertEqual(st, 422)
        self.assertIn('id="npi-error"', page)
        st, _, _ = a.post('/admin/therapists/lena-kusugak', dict(tform, npi='1234567893'))
        self.assertEqual(st, 303)
        self.assertEqual(S.sql("SELECT npi, licence FROM therapists WHERE id = 'lena-kusugak'"),
                         [('1234567893', 'MAS-9')])

    def test_bad_currency_stops_the_server(self):
        ini = os.path.join(S.dir, 'bad.ini')
        with open(ini, 'w') as f:
            f.write('[clinic]\ncurrency = usd\n')
        r = S.run_cli('migrate', '--db', os.path.join(S.dir, 'other.db'), '--config', ini)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('[clinic] currency', r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)


class Audit(unittest.TestCase):
    def test_every_money_change_is_audited_with_why(self):
        b = signed_in(DESK)
        aid = visit('Aldo Audit', 'aldo@example.com')
        inv = issue(b, aid, discount_kind='amount', discount='10', discount_reason='Loyalty')
        pay(b, inv, 'cash', tendered='110')
        rows = S.sql("SELECT action, record, role, reason FROM audit_log WHERE client_id ="
                     " (SELECT client_id FROM invoices WHERE id = ?) ORDER BY id", inv)
        self.assertEqual([r[:3] for r in rows], [('issue', 'invoice', 'desk'),
                                                  ('pay', 'payment', 'desk')])
        self.assertIn('discount: Loyalty', rows[0][3])
        self.assertIn('Cash $110.00 towards invoice', rows[1][3])
        a = signed_in(ADMIN)
        page = a.get('/admin/audit?record=invoice')[2]
        self.assertIn('discount: Loyalty', page)


if __name__ == '__main__':
    run_suite(globals())
