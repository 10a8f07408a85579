"""Money online (issue 11 item 5): deposits and card on file at booking through the
payment provider's hosted checkout, its signed webhook, held slots and their release.
The provider is tests/http/fakepay.py on a loopback port, with its faults; the clock is
pinned to Tuesday 2026-11-24 09:00 in Anchorage (-09:00), and the fake provider signs
its webhooks at that instant.  Waits poll with a deadline; nothing sleeps a fixed time.

usage: test_payments.py PATH/TO/knead"""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakepay import KEY, SECRET, FakePay, post_form, session_of, start_knead  # noqa: E402,F401
from harness import Browser, Server, finish, run_suite, signed_in, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
NOW_EPOCH = 1795543200  # NOW in UTC seconds
DEADLINE = 30.0
S = None
PAY = None
def _dates():
    import datetime
    d = datetime.date(2026, 11, 25)
    while True:
        yield d.isoformat()
        d += datetime.timedelta(days=1)


DATES = _dates()


def start_server(pay):
    return start_knead(KNEAD, pay, NOW)


def setUpModule():
    global S, PAY
    PAY = FakePay(now=NOW_EPOCH).start()
    S = start_server(PAY)
    S.sql("UPDATE services SET deposit_kind = 'amount', deposit_value = 2500 "
          "WHERE id = 'deep-tissue-60'")
    S.sql("UPDATE services SET deposit_kind = 'percent', deposit_value = 2000 "
          "WHERE id = 'deep-tissue-90'")
    S.sql("UPDATE services SET deposit_kind = 'card' WHERE id = 'swedish-60'")


def tearDownModule():
    finish(S)
    PAY.stop()


def wait_for(what, fn, server=None, deadline=DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        got = fn()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError('timed out waiting for ' + what + '\n' + (server or S).log()[-3000:])


def free_slots(date, service='deep-tissue-60', server=None, therapist=None):
    st, _, out = (server or S).request(
        'GET', '/api/v1/availability?service=%s&date=%s%s' % (
            service, date, '&therapist=' + therapist if therapist else ''))
    assert st == 200, out
    return [x['start'] for x in json.loads(out)['days'][0]['slots']]


def book(service='deep-tissue-60', email='dana@example.com', server=None, date=None):
    """Books the first free time of a fresh day through the booking form; returns
    (status, headers, the start booked, the browser)."""
    server = server or S
    while True:
        slots = free_slots(date or next(DATES), service, server)
        if slots:
            break
    start = slots[0]
    b = Browser(server)
    b.get('/login')  # the CSRF cookie
    st, hs, body = b.post('/book', {'service': service, 'therapist': 'any', 'start': start,
                                    'name': 'Dana Deposit', 'email': email,
                                    'phone': '907 555 0199'})
    return st, hs, start, b, body


def appt_of(start, server=None):
    rows = (server or S).sql(
        "SELECT a.id, a.status FROM appointments a WHERE a.start_at = "
        "(SELECT start_at FROM appointments WHERE id = (SELECT max(id) FROM appointments))"
        " ORDER BY a.id DESC LIMIT 1")
    return rows[0]


def last_appt(server=None):
    return (server or S).sql('SELECT id, status, client_id FROM appointments '
                             'ORDER BY id DESC LIMIT 1')[0]


def checkout_of(appt_id, server=None):
    rows = (server or S).sql('SELECT id, status, amount_cents, purpose, idem_key, hold_until '
                             'FROM checkouts WHERE appointment_id = ?1 ORDER BY id DESC', appt_id)
    return rows[0] if rows else None


def provider_payments(appt_id, server=None):
    return (server or S).sql("SELECT amount_cents, status, reference FROM payments "
                             "WHERE appointment_id = ?1 AND method = 'provider'", appt_id)


def manage_path(b_location):
    return re.sub(r'^https?://[^/]+', '', b_location)


class Deposits(unittest.TestCase):
    def setUp(self):
        PAY.reset()

    def test_booking_with_deposit_goes_to_the_provider_and_holds_the_slot(self):
        st, hs, start, b, _ = book()
        self.assertEqual(st, 303)
        self.assertTrue(hs['location'].startswith(PAY.base + '/pay/'), hs['location'])
        sid = session_of(hs['location'])
        appt, status, _ = last_appt()
        self.assertEqual(status, 'booked')
        self.assertEqual(checkout_of(appt)[1:4], ('open', 2500, 'deposit'))
        # the provider got the amount, our idempotency key and the way back
        path, headers, form = PAY.calls[-1]
        self.assertEqual(form['line_items[0][price_data][unit_amount]'], '2500')
        self.assertEqual(form['line_items[0][price_data][currency]'], 'USD')
        self.assertEqual(headers['Idempotency-Key'], form['client_reference_id'])
        self.assertEqual(form['customer_email'], 'dana@example.com')
        self.assertNotIn('card', ' '.join(k for k in form if 'number' in k))
        # the slot is held: nobody else sees it
        self.assertNotIn(start, free_slots(start[:10], therapist=therapist_of(appt)))
        # not shown as booked until the webhook: the page says it is held
        back = manage_path(PAY.sessions[sid]['cancel_url'])
        page = text(b.get(back)[2])
        self.assertIn('Your time is held until 9:15', page)
        self.assertIn('pay the $25 deposit', page)
        self.assertNotIn('You’re booked', page)
        self.assertEqual(provider_payments(appt), [])

    def test_paying_on_the_provider_page_confirms_by_webhook(self):
        st, hs, start, b, _ = book()
        sid = session_of(hs['location'])
        appt = last_appt()[0]
        st, out = post_form(PAY.base + '/pay/' + sid, {'action': 'pay'})
        self.assertEqual(st, 303)
        self.assertEqual(PAY.sent[-1][1], 200)
        self.assertEqual(provider_payments(appt), [(2500, 'completed', 'pi_test_' + sid[8:])])
        self.assertEqual(checkout_of(appt)[1], 'paid')
        # the card is kept for fees
        self.assertEqual(S.sql('SELECT provider_customer FROM clients WHERE id = ?1',
                               last_appt()[2])[0][0], 'cus_test_' + sid[8:])
        page = text(b.get(manage_path(PAY.sessions[sid]['success_url']))[2])
        self.assertIn('You’re booked', page)
        self.assertIn('Deposit of $25 paid', page)
        # the audit log has who and why
        self.assertTrue(S.sql("SELECT count(*) FROM audit_log WHERE action = 'pay' AND "
                              "reason = 'deposit paid online'")[0][0] >= 1)

    def test_percent_deposit_and_card_only(self):
        st, hs, _, _, _ = book('deep-tissue-90')
        self.assertEqual(st, 303)
        price = S.sql("SELECT price_cents FROM services WHERE id = 'deep-tissue-90'")[0][0]
        self.assertEqual(checkout_of(last_appt()[0])[2], (price * 2000 + 5000) // 10000)
        st, hs, _, _, _ = book('swedish-60', email='cory@example.com')
        self.assertEqual(st, 303)
        appt = last_appt()[0]
        self.assertEqual(checkout_of(appt)[2:4], (0, 'card'))
        self.assertEqual(PAY.calls[-1][2]['mode'], 'setup')
        sid = session_of(hs['location'])
        post_form(PAY.base + '/pay/' + sid, {'action': 'pay'})
        self.assertEqual(checkout_of(appt)[1], 'paid')
        self.assertEqual(provider_payments(appt), [])  # nothing taken, the card kept
        self.assertTrue(S.sql('SELECT provider_customer FROM clients WHERE id = ?1',
                              last_appt()[2])[0][0].startswith('cus_test_'))

    def test_webhook_replayed_and_duplicated_takes_one_payment(self):
        PAY.fault = 'duplicate'
        st, hs, _, _, _ = book()
        sid = session_of(hs['location'])
        appt = last_appt()[0]
        post_form(PAY.base + '/pay/' + sid, {'action': 'pay'})
        self.assertEqual([x[1] for x in PAY.sent[-3:]], [200, 200, 200])
        self.assertEqual(len(provider_payments(appt)), 1)
        # the same event id again, later: 200 with no second effect
        st, body = PAY.post_webhook(PAY.sent[-3][0])
        self.assertEqual(st, 200)
        self.assertTrue(json.loads(body)['duplicate'])
        self.assertEqual(len(provider_payments(appt)), 1)

    def test_webhook_before_the_redirect_and_after(self):
        PAY.fault = 'after_redirect'
        st, hs, _, b, _ = book()
        sid = session_of(hs['location'])
        appt = last_appt()[0]
        st, loc = post_form(PAY.base + '/pay/' + sid, {'action': 'pay'})
        # back at the clinic before the provider told us: still held, not booked
        page = text(b.get(manage_path(loc))[2])
        self.assertIn('Your time is held', page)
        self.assertNotIn('You’re booked', page)
        self.assertEqual(PAY.send_pending()[0][0], 200)
        page = text(b.get(manage_path(loc))[2])
        self.assertIn('Deposit of $25 paid', page)
        self.assertEqual(len(provider_payments(appt)), 1)

    def test_declined_card_then_hold_runs_out_and_the_slot_is_released(self):
        st, hs, start, b, _ = book()
        sid = session_of(hs['location'])
        appt = last_appt()[0]
        st, _ = post_form(PAY.base + '/pay/' + sid, {'action': 'decline'})
        self.assertEqual(st, 402)
        self.assertEqual(checkout_of(appt)[1], 'open')
        self.assertNotIn(start, free_slots(start[:10], therapist=therapist_of(appt)))
        # the hold runs out (time passes for the checkout): the worker releases it
        S.sql('UPDATE checkouts SET hold_until = ?1 WHERE appointment_id = ?2',
              NOW_EPOCH - 1, appt)
        wait_for('the hold released', lambda: last_status(appt) == 'cancelled')
        self.assertEqual(checkout_of(appt)[1], 'expired')
        self.assertIn(start, free_slots(start[:10], therapist=therapist_of(appt)))
        page = text(b.get(manage_path(PAY.sessions[sid]['cancel_url']))[2])
        self.assertIn('The deposit was not paid in time', page)
        # a webhook that never came does not come now either: nothing paid
        self.assertEqual(provider_payments(appt), [])

    def test_a_card_on_file_hold_runs_out_and_the_slot_is_released(self):
        st, hs, start, b, _ = book('swedish-60', email='cole.card@example.com')
        self.assertEqual(st, 303)
        sid = session_of(hs['location'])
        appt = last_appt()[0]
        self.assertEqual(checkout_of(appt)[1:4], ('open', 0, 'card'))
        self.assertNotIn(start, free_slots(start[:10], therapist=therapist_of(appt)))
        # the card is never given; the hold runs out: released like a deposit's
        S.sql('UPDATE checkouts SET hold_until = ?1 WHERE appointment_id = ?2',
              NOW_EPOCH - 1, appt)
        wait_for('the card hold released', lambda: last_status(appt) == 'cancelled')
        self.assertEqual(checkout_of(appt)[1], 'expired')
        self.assertIn(start, free_slots(start[:10], therapist=therapist_of(appt)))
        page = text(b.get(manage_path(PAY.sessions[sid]['cancel_url']))[2])
        self.assertIn('Your card was not added in time, so this time was released.', page)
        self.assertNotIn('Waiting for your card', page)
        self.assertNotIn('deposit', page.lower())
        self.assertEqual(S.sql('SELECT cancel_reason FROM appointments WHERE id = ?1', appt),
                         [('The card was not added in time.',)])
        # and nothing was said of a booking the client never had
        plain_booking_rendered()
        self.assertEqual(outbox_kinds(appt), [])

    def test_provider_hangs_the_booking_answers_in_bounded_time_and_can_retry(self):
        PAY.fault = 'hang'
        t0 = time.monotonic()
        st, hs, start, b, _ = book()
        took = time.monotonic() - t0
        PAY.release.set()
        self.assertEqual(st, 303)
        self.assertLess(took, 15)  # timeout_seconds = 2, on a loaded machine
        self.assertRegex(hs['location'], r'^/a/[A-Za-z0-9_-]+\?deposit_error=1$')
        appt = last_appt()[0]
        self.assertEqual(checkout_of(appt)[1], 'creating')
        page = b.get(hs['location'])[2]
        self.assertIn('could not be opened just now', text(page))
        # trying again with the same idempotency key opens the page
        PAY.reset()
        action = re.search(r'action="(/a/[^"]+/deposit)"', page).group(1)
        st, hs2, _ = b.post(action, {})
        self.assertEqual(st, 303)
        self.assertTrue(hs2['location'].startswith(PAY.base + '/pay/'))
        self.assertEqual(checkout_of(appt)[1], 'open')

    def test_provider_refuses_the_session_the_hold_ends_at_once(self):
        PAY.fault = 'refuse'
        st, hs, start, b, _ = book()
        self.assertEqual(st, 303)
        appt = last_appt()[0]
        wait_for('the refused hold released', lambda: last_status(appt) == 'cancelled')
        self.assertIn(start, free_slots(start[:10], therapist=therapist_of(appt)))

    def test_api_cannot_skip_the_deposit(self):
        start = next(x for x in (free_slots(next(DATES)) for _ in range(20)) if x)[0]
        body = json.dumps({'service': 'deep-tissue-60', 'therapist': 'any', 'start': start,
                           'client': {'name': 'Api Skipper', 'email': 'skip@example.com',
                                      'phone': '907 555 0111'}}).encode()
        n = S.sql('SELECT count(*) FROM appointments')[0][0]
        st, _, out = S.request('POST', '/api/v1/appointments', body,
                               {'Content-Type': 'application/json'})
        self.assertEqual(st, 409, out)
        self.assertIn('deposit', json.loads(out)['detail'])
        self.assertEqual(S.sql('SELECT count(*) FROM appointments')[0][0], n)


def outbox_kinds(appt, server=None):
    """The kinds of message queued about appointment appt, sorted."""
    return sorted(k for (k,) in (server or S).sql(
        'SELECT kind FROM outbox WHERE appointment_id = ?1', appt))


def plain_booking_rendered(server=None):
    """Books a service that asks no deposit through the API and waits for its
    confirmation: the render worker's pass that queued it had every change
    committed before it (it takes them in order), so what those did not queue
    by then they never will."""
    server = server or S
    server.sql("UPDATE services SET deposit_kind = 'none', deposit_value = 0 "
               "WHERE id = 'sports-45'")
    start = next(x for x in (free_slots(next(DATES), 'sports-45', server)
                             for _ in range(20)) if x)[0]
    body = json.dumps({'service': 'sports-45', 'therapist': 'any', 'start': start,
                       'client': {'name': 'Paula Plain', 'email': 'paula@example.com',
                                  'phone': '907 555 0122'}}).encode()
    st, _, out = server.request('POST', '/api/v1/appointments', body,
                                {'Content-Type': 'application/json'})
    assert st == 201, out
    appt = json.loads(out)['id']
    wait_for('the plain booking confirmed', lambda: outbox_kinds(appt, server), server)


class Confirmation(unittest.TestCase):
    """A slot held for its deposit (or card) is not booked yet: the client is told
    it is booked once the provider's webhook says it is paid, and a hold that runs
    out unpaid sends nothing (the client never heard it was booked)."""

    def setUp(self):
        PAY.reset()

    def test_confirmation_waits_for_the_payment(self):
        st, hs, _, _, _ = book(email='hana@example.com')
        self.assertEqual(st, 303)
        appt = last_appt()[0]
        plain_booking_rendered()
        self.assertEqual(outbox_kinds(appt), [])  # held, not booked: nothing said yet
        post_form(PAY.base + '/pay/' + session_of(hs['location']), {'action': 'pay'})
        self.assertEqual(checkout_of(appt)[1], 'paid')
        wait_for('the confirmation once paid', lambda: outbox_kinds(appt) == ['confirmation'])
        subject = S.sql("SELECT subject FROM outbox WHERE appointment_id = ?1", appt)[0][0]
        self.assertTrue(subject.startswith('Booked: Deep Tissue Massage'), subject)

    def test_card_on_file_confirms_once_the_card_is_kept(self):
        st, hs, _, _, _ = book('swedish-60', email='cara.card@example.com')
        appt = last_appt()[0]
        plain_booking_rendered()
        self.assertEqual(outbox_kinds(appt), [])
        post_form(PAY.base + '/pay/' + session_of(hs['location']), {'action': 'pay'})
        wait_for('the confirmation once the card is kept',
                 lambda: outbox_kinds(appt) == ['confirmation'])

    def test_a_hold_that_runs_out_sends_nothing(self):
        st, hs, start, _, _ = book(email='ivy@example.com')
        appt = last_appt()[0]
        S.sql('UPDATE checkouts SET hold_until = ?1 WHERE appointment_id = ?2',
              NOW_EPOCH - 1, appt)
        wait_for('the hold released', lambda: checkout_of(appt)[1] == 'expired')
        self.assertEqual(last_status(appt), 'cancelled')
        plain_booking_rendered()
        self.assertEqual(outbox_kinds(appt), [])  # neither "Booked" nor "Cancelled"
        # the freed time is bookable again
        self.assertIn(start, free_slots(start[:10], therapist=therapist_of(appt)))


DESK = 'desk@chugachbodywork.example'


def book_agreeing(server=None, service='deep-tissue-60', email='fay@example.com', date=None,
                  agree=True):
    """Books through the form, agreeing to the fees (or not); as book()."""
    server = server or S
    while True:
        slots = free_slots(date or next(DATES), service, server)
        if slots:
            break
    b = Browser(server)
    b.get('/login')
    form = {'service': service, 'therapist': 'any', 'start': slots[0], 'name': 'Fay Fee',
            'email': email, 'phone': '907 555 0177'}
    if agree:
        form['agree_fees'] = '1'
    st, hs, body = b.post('/book', form)
    return st, hs, slots[0], b, body


PAST = iter(range(3600, 9 * 3600, 5400))  # seconds ago: each moved visit its own time, so rooms never overlap


def started_an_hour_ago(appt, server=None):
    """Moves appt to have started an hour or more ago (earlier each call: PostgreSQL's
    exclusion constraint refuses two visits in one room at once)."""
    start = NOW_EPOCH - next(PAST)
    (server or S).sql("UPDATE appointments SET start_at = ?1, end_at = ?2, "
                      "busy_until = ?3 WHERE id = ?4", start, start + 3600, start + 4500, appt)


def fee_invoice(appt, server=None):
    rows = (server or S).sql(
        "SELECT i.id, i.total_cents, l.kind, l.description FROM invoices i "
        "JOIN invoice_lines l ON l.invoice_id = i.id WHERE i.appointment_id = ?1", appt)
    return rows[0] if rows else None


def balance(client, server=None):
    """What the client owes across invoices, less what they paid on no invoice (a
    deposit ahead of the visit, or freed from a voided fee: their credit)."""
    return (server or S).sql(
        "SELECT coalesce(sum(i.total_cents"
        " - (SELECT coalesce(sum(amount_cents), 0) FROM credit_notes WHERE invoice_id = i.id)"
        " - (SELECT coalesce(sum(amount_cents), 0) FROM payments"
        "    WHERE invoice_id = i.id AND status = 'completed')), 0)"
        " - (SELECT coalesce(sum(p.amount_cents), 0) FROM payments p JOIN appointments a"
        "    ON a.id = p.appointment_id WHERE p.invoice_id IS NULL AND p.status = 'completed'"
        "    AND a.client_id = ?1)"
        " FROM invoices i WHERE i.client_id = ?1", client)[0][0]


class Fees(unittest.TestCase):
    """Late-cancel and no-show fees (issue 11 item 6)."""

    @classmethod
    def setUpClass(cls):
        S.sql("UPDATE services SET late_fee_kind = 'amount', late_fee_value = 4000, "
              "noshow_fee_kind = 'percent', noshow_fee_value = 5000 WHERE id = 'deep-tissue-60'")

    @classmethod
    def tearDownClass(cls):
        S.sql("UPDATE services SET late_fee_kind = 'none', late_fee_value = 0, "
              "noshow_fee_kind = 'none', noshow_fee_value = 0 WHERE id = 'deep-tissue-60'")

    def setUp(self):
        PAY.reset()

    def charges(self, inv):
        return S.sql("SELECT amount_cents, status, created_by_name FROM payments "
                     "WHERE invoice_id = ?1 ORDER BY id", inv)

    def test_fees_are_stated_and_must_be_agreed(self):
        n = S.sql('SELECT count(*) FROM appointments')[0][0]
        st, _, _, _, page = book_agreeing(agree=False)
        self.assertEqual(st, 422)
        t = text(page)
        self.assertIn('costs a late-cancellation fee of $40', t)
        self.assertIn('costs a no-show fee of $60', t)
        self.assertIn('A deposit of $25 is paid when you book', t)
        self.assertIn('held for 15 minutes', t)
        self.assertIn('Please agree to the late-cancellation and no-show fees', t)
        self.assertEqual(S.sql('SELECT count(*) FROM appointments')[0][0], n)
        st, hs, _, _, _ = book_agreeing()
        self.assertEqual(st, 303)
        appt = last_appt()[0]
        self.assertEqual(S.sql('SELECT late_cents, noshow_cents, agreed_at FROM fee_agreements '
                               'WHERE appointment_id = ?1', appt), [(4000, 6000, NOW_EPOCH)])

    def test_no_show_fee_is_charged_to_the_card_on_file(self):
        st, hs, _, _, _ = book_agreeing(email='nina@example.com')
        sid = session_of(hs['location'])
        appt, _, client = last_appt()
        post_form(PAY.base + '/pay/' + sid, {'action': 'pay'})  # the deposit keeps the card
        started_an_hour_ago(appt)
        desk = signed_in(DESK, server=S)
        url = '/staff/appointments/%d' % appt
        st, _, _ = desk.post(url + '/status', {'status': 'no_show', 'confirm': 'yes'})
        self.assertEqual(st, 303)
        inv, total, kind, desc = fee_invoice(appt)
        self.assertEqual((total, kind), (6000, 'fee'))
        self.assertIn('No-show fee', desc)
        # the $25 deposit counts towards the fee; the card pays the rest, off-session
        path, headers, form = PAY.calls[-1]
        self.assertEqual(path, '/v1/payment_intents')
        self.assertEqual((form['amount'], form['off_session'], form['customer']),
                         ('3500', 'true', 'cus_test_' + sid[8:]))
        self.assertEqual(headers['Idempotency-Key'], 'fee_%d' % inv)
        self.assertEqual(self.charges(inv), [(2500, 'completed', 'Online payment'),
                                             (3500, 'completed', 'Card on file')])
        self.assertEqual(balance(client), 0)
        # the receipt shows it; the worker's later look charges nothing more
        page = text(desk.get('/staff/invoices/%d' % inv)[2])
        self.assertIn('No-show fee', page)
        # the no-show sent again is refused, and charges nothing more
        st, _, _ = desk.post(url + '/status', {'status': 'no_show', 'confirm': 'yes'})
        self.assertEqual(st, 409)
        self.assertEqual(len(self.charges(inv)), 2)

    def test_declined_card_leaves_the_fee_on_the_balance_and_the_desk_waives_it(self):
        st, hs, _, _, _ = book_agreeing(email='dora@example.com')
        sid = session_of(hs['location'])
        appt, _, client = last_appt()
        post_form(PAY.base + '/pay/' + sid, {'action': 'pay'})
        started_an_hour_ago(appt)
        PAY.fault = 'decline'
        desk = signed_in(DESK, server=S)
        url = '/staff/appointments/%d' % appt
        self.assertEqual(desk.post(url + '/status', {'status': 'no_show', 'confirm': 'yes'})[0],
                         303)
        inv = fee_invoice(appt)[0]
        self.assertEqual(self.charges(inv), [(2500, 'completed', 'Online payment'),
                                             (3500, 'failed', 'Card on file')])
        self.assertEqual(balance(client), 3500)
        # the desk waives it with a reason: a credit note, audited
        page = desk.get('/staff/invoices/%d' % inv)[2]
        once = re.search(r'action="/staff/invoices/%d/credit-notes".*?name="once" value="([^"]+)"'
                         % inv, page, re.S).group(1)
        st, _, _ = desk.post('/staff/invoices/%d/credit-notes' % inv, {
            'amount': '35', 'reason': 'Waived: car accident on the way', 'once': once})
        self.assertEqual(st, 303)
        self.assertEqual(balance(client), 0)
        self.assertEqual(S.sql("SELECT count(*) FROM audit_log WHERE action = 'credit' AND "
                               "reason LIKE '%car accident%'")[0][0], 1)

    def credited(self, inv):
        return S.sql('SELECT coalesce(sum(amount_cents), 0) FROM credit_notes '
                     'WHERE invoice_id = ?1', inv)[0][0]

    def missed(self, email, fault=None):
        """A visit with its deposit paid (the card kept), marked a no-show at the desk
        with the provider's fault; returns (appt, client, fee invoice, desk, url)."""
        st, hs, _, _, _ = book_agreeing(email=email)
        appt, _, client = last_appt()
        post_form(PAY.base + '/pay/' + session_of(hs['location']), {'action': 'pay'})
        started_an_hour_ago(appt)
        PAY.fault = fault
        desk = signed_in(DESK, server=S)
        url = '/staff/appointments/%d' % appt
        self.assertEqual(desk.post(url + '/status', {'status': 'no_show', 'confirm': 'yes'})[0],
                         303)
        inv = fee_invoice(appt)[0]
        if fault == 'decline':  # the worker may be asking too (same key): its answer is in
            wait_for('the charge declined', lambda: self.charges(inv)[-1][1] == 'failed')
        return appt, client, inv, desk, url

    def test_undoing_a_no_show_voids_its_fee_by_a_credit_note(self):
        appt, client, inv, desk, url = self.missed('uma@example.com', 'decline')
        self.assertEqual(balance(client), 3500)  # the card declined: on the balance
        PAY.reset()
        st, _, _ = desk.post(url + '/undo', {'reason': 'She was in the waiting room'})
        self.assertEqual(st, 303)
        self.assertEqual(last_status(appt), 'booked')
        # the invoice stays as issued; a credit note of all of it, with why
        self.assertEqual(fee_invoice(appt)[1], 6000)
        self.assertEqual(self.credited(inv), 6000)
        self.assertEqual(S.sql("SELECT count(*) FROM credit_notes WHERE invoice_id = ?1 AND "
                               "reason LIKE '%waiting room%'", inv)[0][0], 1)
        # nothing owed: the deposit paid stays hers, a credit on her balance (it left
        # the voided invoice: the visit's own invoice, or the next, takes it)
        self.assertEqual(balance(client), -2500)
        page = text(desk.get('/staff/invoices/%d' % inv)[2])
        self.assertIn('waiting room', page)
        # and the declined charge is not tried again for it
        self.assertEqual(self.charges(inv), [(3500, 'failed', 'Card on file')])

    def test_a_charge_pending_when_the_no_show_is_undone_is_never_made(self):
        # the provider does not answer the charge in time: it waits, pending, and the
        # worker would ask again with its key
        appt, client, inv, desk, url = self.missed('pia@example.com', 'hang')
        self.assertEqual(self.charges(inv)[-1][:2], (3500, 'pending'))
        st, _, _ = desk.post(url + '/undo', {'reason': 'Wrong client marked'})
        self.assertEqual(st, 303)
        PAY.release.set()
        self.assertEqual(self.credited(inv), 6000)
        rows = S.sql("SELECT status, reference FROM payments WHERE invoice_id = ?1 AND "
                     "created_by_name = 'Card on file'", inv)
        self.assertEqual(rows, [('failed', 'not owed')])  # settled: never asked again

    def test_a_fee_an_undo_left_is_voided_by_the_worker(self):
        appt, client, inv, desk, url = self.missed('rhea@example.com', 'decline')
        # the undo committed, then the process died before the credit note
        S.sql("UPDATE appointments SET status = 'booked' WHERE id = ?1", appt)
        wait_for('the fee voided', lambda: self.credited(inv) == 6000)
        self.assertEqual(balance(client), -2500)

    def test_a_fee_a_crash_left_unbilled_is_billed_by_the_worker(self):
        st, hs, _, _, _ = book_agreeing(email='cole@example.com')
        appt, _, client = last_appt()
        post_form(PAY.base + '/pay/' + session_of(hs['location']), {'action': 'pay'})
        # the status committed, then the process died before the fee
        S.sql("UPDATE appointments SET status = 'no_show' WHERE id = ?1", appt)
        wait_for('the fee billed', lambda: fee_invoice(appt))
        wait_for('the fee charged', lambda: self.charges(fee_invoice(appt)[0]) ==
                 [(2500, 'completed', 'Online payment'), (3500, 'completed', 'Card on file')])
        self.assertEqual(S.sql('SELECT count(*) FROM invoices WHERE appointment_id = ?1',
                               appt)[0][0], 1)


class Admin(unittest.TestCase):
    def form(self, **over):
        f = {'name': 'Sports Recovery Massage (45 minutes)', 'description': 'Athletes.',
             'duration': '45', 'price': '90', 'buffer': '15', 'active': '1',
             'therapist': [t for (t,) in S.sql("SELECT therapist_id FROM therapist_services "
                                                "WHERE service_id = 'sports-45'")],
             'room': [str(r) for (r,) in S.sql("SELECT room_id FROM room_services "
                                               "WHERE service_id = 'sports-45'")],
             'min_notice': '', 'horizon': '', 'late_cancel': ''}
        f.update(over)
        return f

    def deposit(self):
        return S.sql("SELECT deposit_kind, deposit_value FROM services WHERE id = 'sports-45'")[0]

    def test_admin_sets_a_deposit_and_booking_asks_it(self):
        admin = signed_in('admin@chugachbodywork.example', server=S)
        st, _, page = admin.post('/admin/services/sports-45', self.form(
            deposit_kind='amount', deposit_value='30'))
        self.assertEqual(st, 303, text(page)[:300])
        self.assertEqual(self.deposit(), ('amount', 3000))
        page = admin.get('/admin/services/sports-45')[2]
        self.assertIn('<option value="amount" selected>', page)
        self.assertIn('value="30.00"', page)
        for over, message in (
                ({'deposit_kind': 'percent', 'deposit_value': '150'}, 'at most 100'),
                ({'deposit_kind': 'amount', 'deposit_value': '0'}, 'more than 0'),
                ({'deposit_kind': 'gold', 'deposit_value': ''}, 'Choose no payment')):
            st, _, page = admin.post('/admin/services/sports-45', self.form(**over))
            self.assertEqual(st, 422, over)
            self.assertIn(message, text(page))
            self.assertEqual(self.deposit(), ('amount', 3000))
        st, hs, _, _, _ = book('sports-45', email='sam@example.com')
        self.assertEqual(st, 303)
        self.assertEqual(checkout_of(last_appt()[0])[2:4], (3000, 'deposit'))
        st, _, _ = admin.post('/admin/services/sports-45', self.form(
            deposit_kind='percent', deposit_value='20'))
        self.assertEqual(self.deposit(), ('percent', 2000))
        admin.post('/admin/services/sports-45', self.form(deposit_kind='none'))
        self.assertEqual(self.deposit(), ('none', 0))


class Webhook(unittest.TestCase):
    def setUp(self):
        PAY.reset()

    def _held(self):
        st, hs, _, _, _ = book()
        return session_of(hs['location']), last_appt()[0]

    def test_bad_signature_is_refused_logged_and_changes_nothing(self):
        sid, appt = self._held()
        n_events = S.sql('SELECT count(*) FROM payment_events')[0][0]
        PAY.fault = 'bad_signature'
        st, body = PAY.post_webhook(PAY.event(sid))
        self.assertEqual(st, 400)
        self.assertIn('signature does not match', body.decode())
        self.assertIn('webhook refused', S.log())
        self.assertEqual(S.sql('SELECT count(*) FROM payment_events')[0][0], n_events)
        self.assertEqual(checkout_of(appt)[1], 'open')
        self.assertEqual(provider_payments(appt), [])

    def test_old_or_future_or_missing_signature_is_refused(self):
        sid, appt = self._held()
        for t in (NOW_EPOCH - 301, NOW_EPOCH + 301):
            st, body = PAY.post_webhook(PAY.event(sid), t=t)
            self.assertEqual(st, 400, body)
            self.assertIn('more than 5 minutes', body.decode())
        st, _ = PAY.post_webhook(PAY.event(sid), signature='')
        self.assertEqual(st, 400)
        st, _ = PAY.post_webhook(PAY.event(sid), signature='t=abc,v1=00')
        self.assertEqual(st, 400)
        self.assertEqual(provider_payments(appt), [])
        # within the tolerance it is taken
        st, _ = PAY.post_webhook(PAY.event(sid), t=NOW_EPOCH - 299)
        self.assertEqual(st, 200)
        self.assertEqual(len(provider_payments(appt)), 1)

    def test_tampered_body_is_refused(self):
        sid, appt = self._held()
        ev = PAY.event(sid)
        body = json.dumps(ev).encode()
        sig = PAY.sign(body)
        ev['data']['object']['amount_total'] = 1
        st, _ = PAY.post_webhook(ev, signature=sig)
        self.assertEqual(st, 400)
        self.assertEqual(provider_payments(appt), [])

    def test_event_for_no_checkout_of_ours_is_acknowledged(self):
        ev = {'id': 'evt_other_1', 'type': 'checkout.session.completed',
              'data': {'object': {'id': 'cs_other', 'client_reference_id': 'ko_not_ours'}}}
        st, _ = PAY.post_webhook(ev)
        self.assertEqual(st, 200)
        ev = {'id': 'evt_other_2', 'type': 'customer.created', 'data': {'object': {}}}
        self.assertEqual(PAY.post_webhook(ev)[0], 200)
        st, _ = PAY.post_webhook({'id': 'evt_bad'})
        self.assertEqual(st, 400)


class Crash(unittest.TestCase):
    """kill -9 after the provider made the session and before Knead committed it: the
    webhook, after a restart, finds the checkout by its key; one payment."""

    def test_kill_between_the_providers_answer_and_our_commit(self):
        pay = FakePay(now=NOW_EPOCH).start()
        s = start_server(pay)
        try:
            s.sql("UPDATE services SET deposit_kind = 'amount', deposit_value = 4000 "
                  "WHERE id = 'deep-tissue-60'")
            pay.fault = 'answer_then_hold'
            result = {}
            th = threading.Thread(target=lambda: result.update(r=book(server=s)))
            th.start()
            self.assertTrue(pay.made.wait(DEADLINE))
            s.proc.send_signal(signal.SIGKILL)
            s.proc.wait(timeout=20)
            pay.release.set()
            th.join(DEADLINE)
            appt = last_appt(s)[0]
            self.assertEqual(checkout_of(appt, s)[1], 'creating')  # the answer never landed
            s.seed = False
            s.start()
            pay.webhook = (s.port, '/payments/webhook')
            sid = next(iter(pay.sessions))
            st, _ = pay.post_webhook(pay.event(sid))
            self.assertEqual(st, 200)
            self.assertEqual(provider_payments(appt, s), [(4000, 'completed', 'pi_test_1')])
            self.assertEqual(checkout_of(appt, s)[1], 'paid')
            # the provider's retry of the same event, and the client's retry: nothing more
            pay.post_webhook(pay.sent[-1][0])
            self.assertEqual(len(provider_payments(appt, s)), 1)
        finally:
            finish(s)
            pay.stop()


class Config(unittest.TestCase):
    def test_partial_payments_section_is_refused_at_start(self):
        for ini, key in (('[payments]\nbase_url = http://127.0.0.1:9\n', 'key'),
                         ('[payments]\nkey = sk\nwebhook_secret = w\n', 'base_url')):
            path = os.path.join(S.dir, 'partial.ini')
            with open(path, 'w') as f:
                f.write(ini)
            r = subprocess.run([KNEAD, 'serve', '--db', S.db, '--listen', '127.0.0.1:0',
                                '--config', path], capture_output=True, text=True, timeout=60)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn('[payments] %s: must be set with the others' % key, r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        # the key and the secret never reach the log
        self.assertNotIn(KEY, S.log())
        self.assertNotIn(SECRET, S.log())

    def test_without_payments_booking_works_as_before_and_no_webhook(self):
        s = Server(KNEAD, extra=['--now', NOW]).start()
        try:
            s.sql("UPDATE services SET deposit_kind = 'amount', deposit_value = 2500 "
                  "WHERE id = 'deep-tissue-60'")
            st, hs, _, _, _ = book(server=s)
            self.assertEqual(st, 303)
            self.assertRegex(hs['location'], r'^/a/[A-Za-z0-9_-]+\?booked=1$')
            self.assertEqual(s.sql('SELECT count(*) FROM checkouts')[0][0], 0)
            st, _, _ = s.request('POST', '/payments/webhook', b'{}',
                                 {'Stripe-Signature': 't=1,v1=00'})
            self.assertEqual(st, 404)
            # a late cancellation's agreed fee goes to the balance
            s.sql("UPDATE services SET late_fee_kind = 'amount', late_fee_value = 4000 "
                  "WHERE id = 'deep-tissue-60'")
            st, hs, _, b, _ = book_agreeing(server=s, date='2026-11-25')
            self.assertEqual(st, 303)
            appt, _, client = last_appt(s)
            st, _, _ = b.post(hs['location'].split('?')[0] + '/cancel', {})
            self.assertEqual(st, 303)
            self.assertEqual(s.sql('SELECT status, cancel_late FROM appointments WHERE id = ?1',
                                   appt), [('cancelled', 1)])
            self.assertEqual(fee_invoice(appt, s)[1:3], (4000, 'fee'))
            self.assertEqual(balance(client, s), 4000)
        finally:
            finish(s)


def therapist_of(appt):
    return S.sql('SELECT therapist_id FROM appointments WHERE id = ?1', appt)[0][0]


def last_status(appt):
    return S.sql('SELECT status FROM appointments WHERE id = ?1', appt)[0][0]


if __name__ == '__main__':
    run_suite(globals())
