"""The payment gaps of issue 11: a webhook's amount and currency checked against the
checkout we created; a booking held for its deposit neither reminded nor announced
(appointment.booked) until it is paid, and the portal says it waits for its deposit;
a no-show undone and marked again is billed again, once; what was paid towards a
voided fee becomes the client's credit; package credits used and given back are
audited.

The provider is tests/http/fakepay.py on a loopback port; the clock is pinned as in
test_payments.py (whose helpers this reuses).  Waits poll with a deadline.

usage: test_paygaps.py PATH/TO/knead"""
import json
import os
import re
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_payments as tp  # noqa: E402
from fakepay import FakePay, knead_config, start_knead  # noqa: E402
from harness import (Browser, client_account, finish, run_suite, signed_in,  # noqa: E402
                     text)

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None
PAY = None
ADMIN = 'admin@chugachbodywork.example'
DESK = tp.DESK


def start_server(pay):
    return start_knead(KNEAD, pay, tp.NOW, lambda d, base: knead_config(
        d, base, '[webhooks]\nallow_private = 1\ntimeout_seconds = 1\nmax_attempts = 1\n'))


def setUpModule():
    global S, PAY
    PAY = FakePay(now=tp.NOW_EPOCH).start()
    S = start_server(PAY)
    tp.S, tp.PAY = S, PAY  # test_payments' helpers act on this server
    S.sql("UPDATE services SET deposit_kind = 'amount', deposit_value = 2500 "
          "WHERE id = 'deep-tissue-60'")
    S.sql("UPDATE services SET deposit_kind = 'card' WHERE id = 'swedish-60'")
    # a subscriber of every appointment event (its deliveries fail: nobody listens;
    # the events queued are what is checked)
    b = signed_in(ADMIN, server=S)
    form = {'url': 'http://127.0.0.1:9/hook', 'description': 'paygaps', 'enabled': '1'}
    for ev in ('appointment.booked', 'appointment.cancelled', 'appointment.moved',
               'appointment.status_changed'):
        form['event_' + ev] = '1'
    st, _, page = b.post('/admin/webhooks', form)
    assert st == 201, (st, text(page)[:800])


def tearDownModule():
    finish(S)
    PAY.stop()


def events_of(appt):
    """The webhook event types queued about appointment appt, in order."""
    out = []
    for typ, payload in S.sql('SELECT type, payload FROM webhook_events ORDER BY id'):
        d = json.loads(payload)
        a = (d.get('data') or {}).get('appointment') or {}
        if a.get('id') == appt:
            out.append(typ)
    return out


def audit(action, record, client=None):
    q = ('SELECT user_id, actor, reason FROM audit_log WHERE action = ?1 AND record = ?2 %s '
         'ORDER BY id' % ('AND client_id = ?3' if client else ''))
    return S.sql(q, action, record, *([client] if client else []))


def pay(location, fault=None):
    PAY.fault = fault
    try:
        return tp.post_form(PAY.base + '/pay/' + tp.session_of(location), {'action': 'pay'})
    finally:
        PAY.fault = None


def client_balance_text(desk, client):
    page = text(desk.get('/staff/clients/%d' % client)[2])
    m = re.search(r'(Owes \S+|In credit: \S+|Nothing owed)', page)
    return m.group(1) if m else page[:400]


class AmountCheck(unittest.TestCase):
    """Item 1: a paid event for less, or in another currency, confirms nothing."""

    def setUp(self):
        PAY.reset()

    def test_short_paid_deposit_is_not_taken_as_paid(self):
        st, hs, start, b, _ = tp.book(email='sam.short@example.com')
        self.assertEqual(st, 303)
        appt, _, client = tp.last_appt()
        st, _ = pay(hs['location'], 'short_paid')
        self.assertEqual(st, 303)
        self.assertEqual(PAY.sent[-1][1], 200)  # acknowledged, so the provider stops
        self.assertEqual(PAY.sent[-1][0]['data']['object']['amount_total'], 1500)
        # not paid: the hold ends, the worker releases the slot and fails the checkout
        tp.wait_for('the mismatched hold released',
                    lambda: tp.checkout_of(appt)[1] == 'failed')
        self.assertEqual(tp.last_status(appt), 'cancelled')
        self.assertEqual(S.sql('SELECT mismatch FROM checkouts WHERE appointment_id = ?1',
                               appt)[0][0], 'USD 15.00 paid of USD 25.00 asked')
        self.assertIn(start, tp.free_slots(start[:10], therapist=tp.therapist_of(appt)))
        # never confirmed: no "Booked" mail, no appointment.booked, nor its cancellation
        tp.plain_booking_rendered()
        self.assertEqual(tp.outbox_kinds(appt), [])
        self.assertEqual(events_of(appt), [])
        # the money is not lost: a payment on the client's balance, as credit
        self.assertEqual(tp.provider_payments(appt), [(1500, 'completed', 'pi_test_' +
                                                       tp.session_of(hs['location'])[8:])])
        desk = signed_in(DESK, server=S)
        self.assertIn('In credit: $15.00', client_balance_text(desk, client))
        # logged and audited; the desk sees it on the appointment
        self.assertIn('the paid amount does not match', S.log())
        rows = audit('refused', 'checkout', client)
        self.assertEqual(len(rows), 1)
        self.assertIn('paid amount does not match: USD 15.00 paid of USD 25.00', rows[0][2])
        page = text(desk.get('/staff/appointments/%d' % appt)[2])
        self.assertIn('paid amount does not match', page)
        # the client's page says so, not "booked"
        page = text(b.get(tp.manage_path(PAY.sessions[tp.session_of(hs['location'])]
                                         ['success_url']))[2])
        self.assertIn('does not match the $25 deposit', page)
        self.assertNotIn('You’re booked', page)

    def test_other_currency_confirms_nothing_and_records_no_dollars(self):
        st, hs, _, _, _ = tp.book(email='eve.euro@example.com')
        appt, _, client = tp.last_appt()
        pay(hs['location'], 'other_currency')
        tp.wait_for('the hold released', lambda: tp.checkout_of(appt)[1] == 'failed')
        self.assertEqual(tp.last_status(appt), 'cancelled')
        self.assertEqual(S.sql('SELECT mismatch FROM checkouts WHERE appointment_id = ?1',
                               appt)[0][0], 'EUR 25.00 paid of USD 25.00 asked')
        self.assertEqual(tp.provider_payments(appt), [])  # not dollars: the desk refunds it
        self.assertEqual(len(audit('refused', 'checkout', client)), 1)

    def test_a_correct_replay_after_the_mismatch_does_not_confirm_it(self):
        """The first word was a mismatch; the same session 'paid' again with the right
        amount (another event id) is a forged or confused event: still not paid."""
        st, hs, _, _, _ = tp.book(email='rex.replay@example.com')
        appt = tp.last_appt()[0]
        sid = tp.session_of(hs['location'])
        # at once, before the worker's next look settles the first
        self.assertEqual(PAY.post_webhook(PAY.event(sid, amount=1500))[0], 200)
        self.assertEqual(PAY.post_webhook(PAY.event(sid))[0], 200)
        self.assertNotEqual(tp.checkout_of(appt)[1], 'paid')
        tp.wait_for('the hold released', lambda: tp.checkout_of(appt)[1] == 'failed')
        st, _ = PAY.post_webhook(PAY.event(sid))
        self.assertEqual(st, 200)
        self.assertEqual(tp.checkout_of(appt)[1], 'failed')
        self.assertEqual(tp.last_status(appt), 'cancelled')
        self.assertEqual(events_of(appt), [])

    def test_a_gift_card_paid_short_is_not_sold(self):
        b = Browser(S)
        b.get('/gift-cards')
        st, hs, page = b.post('/gift-cards', {
            'amount': '75', 'buyer_name': 'Gus Giver', 'buyer_email': 'gus.short@example.com',
            'recipient_name': 'Rae Recipient', 'recipient_email': 'rae.short@example.com',
            'send_on': '2026-12-24', 'message': 'Happy holidays!'})
        self.assertEqual(st, 303, text(page)[:500])
        cards = S.sql('SELECT count(*) FROM gift_cards')[0][0]
        invoices = S.sql('SELECT count(*) FROM invoices')[0][0]
        st, _ = pay(hs['location'], 'short_paid')
        self.assertEqual(PAY.sent[-1][1], 200)
        kid = S.sql('SELECT max(id) FROM checkouts')[0][0]
        tp.wait_for('the checkout failed', lambda: S.sql(
            'SELECT status FROM checkouts WHERE id = ?1', kid)[0][0] == 'failed')
        self.assertEqual(S.sql('SELECT count(*) FROM gift_cards')[0][0], cards)  # not sold
        self.assertEqual(S.sql('SELECT count(*) FROM invoices')[0][0], invoices)
        self.assertEqual(S.sql('SELECT mismatch FROM checkouts WHERE id = ?1', kid)[0][0],
                         'USD 65.00 paid of USD 75.00 asked')
        self.assertEqual(S.sql("SELECT count(*) FROM outbox WHERE recipient = "
                               "'rae.short@example.com'")[0][0], 0)
        self.assertEqual(S.sql("SELECT count(*) FROM audit_log WHERE action = 'refused' AND "
                               "record = 'checkout' AND record_id = ?1", kid)[0][0], 1)
        self.assertIn('nothing was sold', S.log())

    def test_the_right_amount_still_confirms(self):
        st, hs, _, _, _ = tp.book(email='ria.right@example.com')
        appt = tp.last_appt()[0]
        pay(hs['location'])
        self.assertEqual(tp.checkout_of(appt)[1], 'paid')
        self.assertEqual(tp.last_status(appt), 'booked')


class Held(unittest.TestCase):
    """Item 2: a slot held for its deposit is not booked until it is paid."""

    def setUp(self):
        PAY.reset()

    def test_booked_event_fires_when_paid_not_at_the_hold(self):
        st, hs, _, _, _ = tp.book(email='bo.booked@example.com')
        appt = tp.last_appt()[0]
        self.assertEqual(events_of(appt), [])  # held: nothing announced
        pay(hs['location'])
        self.assertEqual(events_of(appt), ['appointment.booked'])
        # a replay of the provider's event announces nothing more
        PAY.post_webhook(PAY.event(tp.session_of(hs['location'])))
        self.assertEqual(events_of(appt), ['appointment.booked'])

    def test_card_hold_is_announced_once_the_card_is_kept(self):
        st, hs, _, _, _ = tp.book('swedish-60', email='cat.card@example.com')
        appt = tp.last_appt()[0]
        self.assertEqual(events_of(appt), [])
        pay(hs['location'])
        self.assertEqual(events_of(appt), ['appointment.booked'])

    def test_a_hold_that_runs_out_fires_nothing(self):
        st, hs, _, _, _ = tp.book(email='hal.hold@example.com')
        appt = tp.last_appt()[0]
        S.sql('UPDATE checkouts SET hold_until = ?1 WHERE appointment_id = ?2',
              tp.NOW_EPOCH - 1, appt)
        tp.wait_for('the hold released', lambda: tp.checkout_of(appt)[1] == 'expired')
        self.assertEqual(tp.last_status(appt), 'cancelled')
        self.assertEqual(events_of(appt), [])  # neither booked nor cancelled

    def test_a_paid_booking_cancelled_later_fires_its_cancellation(self):
        st, hs, _, b, _ = tp.book(email='cy.cancel@example.com')
        appt = tp.last_appt()[0]
        pay(hs['location'])
        desk = signed_in(DESK, server=S)
        st, _, _ = desk.post('/staff/appointments/%d/status' % appt,
                             {'status': 'cancelled', 'reason': 'Client called', 'confirm': 'yes'})
        self.assertEqual(st, 303)
        self.assertEqual(events_of(appt), ['appointment.booked', 'appointment.cancelled'])

    def test_a_plain_booking_is_announced_at_once(self):
        tp.plain_booking_rendered()
        appt = tp.last_appt()[0]
        self.assertEqual(events_of(appt), ['appointment.booked'])

    def test_portal_says_waiting_for_your_deposit_with_the_way_to_pay(self):
        email = 'pam.portal@example.com'
        st, hs, _, _, _ = tp.book(email=email)
        appt = tp.last_appt()[0]
        sid = tp.session_of(hs['location'])
        c = client_account(S, email, 'Pam Portal')
        S.sql('UPDATE users SET proven_email = email WHERE email = ?1', email)
        page = c.get('/portal')[2]
        t = text(page)
        self.assertIn('Waiting for your deposit', t)
        self.assertIn('pay the $25 deposit to confirm it', t)
        # the button goes straight to the provider's page of that checkout
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        st, hs2, _ = c.post('/portal/appointments/%d/manage' % appt,
                            {'csrf': csrf, 'go': 'deposit'})
        self.assertEqual(st, 303)
        self.assertEqual(hs2['location'], PAY.base + '/pay/' + sid)
        # paid: booked, no longer waiting
        pay(hs['location'])
        t = text(c.get('/portal')[2])
        self.assertNotIn('Waiting for your deposit', t)


class Reminders(unittest.TestCase):
    """Item 2: the reminder worker does not remind a booking held for its deposit;
    once paid, it does.  Its own server, restarted with the clock two hours before
    the visits (a reminder is due 24 hours before, after the booking was made)."""

    def test_a_held_booking_is_not_reminded_until_paid(self):
        import datetime
        s = start_server(PAY)
        try:
            s.sql("UPDATE services SET deposit_kind = 'amount', deposit_value = 2500 "
                  "WHERE id = 'deep-tissue-60'")
            date = '2026-11-26'  # more than 24 hours after the bookings: reminded
            st, hs, start, _, _ = tp.book(email='rita.remind@example.com', server=s, date=date)
            self.assertEqual(st, 303)
            held = tp.last_appt(s)[0]
            sid = tp.session_of(hs['location'])
            # a plain booking the same day, whose reminder shows the worker has looked
            slot = tp.free_slots(date, 'sports-45', s)[0]
            body = json.dumps({'service': 'sports-45', 'therapist': 'any', 'start': slot,
                               'client': {'name': 'Paula Plain', 'email': 'paula@example.com',
                                          'phone': '907 555 0122'}}).encode()
            st, _, out = s.request('POST', '/api/v1/appointments', body,
                                   {'Content-Type': 'application/json'})
            self.assertEqual(st, 201, out)
            plain = json.loads(out)['id']
            # the hold lasts past the new clock (the worker would release it otherwise)
            later = min(s.sql('SELECT start_at FROM appointments WHERE id IN (?1, ?2)',
                              held, plain)[k][0] for k in range(2)) - 2 * 3600
            s.sql('UPDATE checkouts SET hold_until = ?1 WHERE appointment_id = ?2',
                  later + 86400, held)
            self.assertEqual(s.stop(), 0, s.log()[-3000:])
            s.seed = False
            s.extra[1] = datetime.datetime.fromtimestamp(
                later, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
            # the worker's unasked look an hour apart (a test build's knob; 10 s
            # otherwise): the paid booking's reminder must come from the look its
            # payment asks for, not from waiting out the next periodic one
            s.env = dict(os.environ, KNEAD_TEST_REMIND_POLL_S='3600')
            s.start()
            PAY.webhook = (s.port, '/payments/webhook')

            def reminders(appt):
                return s.sql("SELECT count(*) FROM outbox WHERE appointment_id = ?1 AND "
                             "kind LIKE 'reminder%'", appt)[0][0]
            tp.wait_for('the plain booking reminded', lambda: reminders(plain), s)
            self.assertEqual(reminders(held), 0)
            # paid (the provider signs at the new clock): reminded at the next look
            PAY.now = later
            st, _ = pay(hs['location'])
            self.assertEqual(st, 303)
            self.assertEqual(tp.checkout_of(held, s)[1], 'paid')
            tp.wait_for('the paid booking reminded at the look its payment asked for (%r at %d)' % (s.sql(
                'SELECT id, start_at, created_at, reminders_from, status FROM appointments'), later),
                lambda: reminders(held), s)
        finally:
            PAY.now = tp.NOW_EPOCH
            PAY.webhook = (S.port, '/payments/webhook')
            finish(s)


def book_agreeing(email):
    st, hs, _, _, _ = tp.book_agreeing(email=email)
    assert st == 303, st
    appt, _, client = tp.last_appt()
    return hs, appt, client


def issue(desk, url):
    """Issues the visit's invoice from its checkout form."""
    page = desk.get(url + '/checkout')[2]
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)
    st, _, page = desk.post(url + '/checkout', {'once': once, 'action': 'issue',
                                                'discount_kind': 'none'})
    assert st == 303, (st, text(page)[:600])


def fee_invoices(appt):
    """(id, total, credited, paid) of each fee invoice of appt, oldest first."""
    return S.sql(
        "SELECT i.id, i.total_cents,"
        " (SELECT coalesce(sum(amount_cents), 0) FROM credit_notes WHERE invoice_id = i.id),"
        " (SELECT coalesce(sum(amount_cents), 0) FROM payments WHERE invoice_id = i.id"
        "  AND status = 'completed')"
        " FROM invoices i WHERE i.appointment_id = ?1 AND i.issued_by = 0 ORDER BY i.id", appt)


class Fees(unittest.TestCase):
    """Items 3 and 4: a no-show undone and marked again is billed again, once; what
    was paid towards a voided fee is the client's credit."""

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

    def missed_and_undone(self, email, fault='decline'):
        hs, appt, client = book_agreeing(email)
        pay(hs['location'])
        tp.started_an_hour_ago(appt)
        PAY.fault = fault
        desk = signed_in(DESK, server=S)
        url = '/staff/appointments/%d' % appt
        self.assertEqual(desk.post(url + '/status', {'status': 'no_show', 'confirm': 'yes'})[0],
                         303)
        inv = fee_invoices(appt)[0][0]
        if fault == 'decline':
            tp.wait_for('the charge declined', lambda: S.sql(
                "SELECT status FROM payments WHERE invoice_id = ?1 AND "
                "created_by_name = 'Card on file'", inv) == [('failed',)])
        PAY.reset()
        self.assertEqual(desk.post(url + '/undo', {'reason': 'She was in the waiting room'})[0],
                         303)
        return appt, client, inv, desk, url

    def test_the_deposit_of_a_voided_fee_becomes_the_clients_credit(self):
        appt, client, inv, desk, url = self.missed_and_undone('vera.void@example.com')
        self.assertEqual(fee_invoices(appt), [(inv, 6000, 6000, 0)])  # voided, holds nothing
        dep = S.sql("SELECT id, invoice_id FROM payments WHERE appointment_id = ?1 AND "
                    "created_by_name = 'Online payment'", appt)
        self.assertEqual(len(dep), 1)
        self.assertIsNone(dep[0][1])  # on no invoice: the client's credit
        self.assertIn('In credit: $25.00', client_balance_text(desk, client))
        rows = audit('update', 'payment', client)
        self.assertEqual(len(rows), 1)
        self.assertIn('$25.00 paid towards fee invoice', rows[0][2])
        self.assertIn('voided', rows[0][2])
        # the visit happens after all: its own invoice takes the deposit
        self.assertEqual(desk.post(url + '/status', {'status': 'checked_in'})[0], 303)
        issue(desk, url)
        visit = S.sql('SELECT id, total_cents FROM invoices WHERE appointment_id = ?1 AND '
                      'issued_by <> 0', appt)[0]
        self.assertEqual(S.sql('SELECT invoice_id FROM payments WHERE id = ?1', dep[0][0])[0][0],
                         visit[0])
        self.assertIn('Owes $%d.00' % ((visit[1] - 2500) // 100),
                      client_balance_text(desk, client))

    def test_a_cancelled_visits_credit_is_applied_at_the_next_checkout(self):
        appt, client, inv, desk, url = self.missed_and_undone('nico.next@example.com')
        # moved three weeks ahead, then cancelled in time: no late fee (which would take
        # the deposit, as it should), so the deposit stays her credit
        later = tp.NOW_EPOCH + 21 * 86400
        S.sql('UPDATE appointments SET start_at = ?1, end_at = ?2, busy_until = ?3 WHERE id = ?4',
              later, later + 3600, later + 4500, appt)
        st, _, _ = desk.post(url + '/status', {'status': 'cancelled', 'reason': 'Rebooking',
                                               'confirm': 'yes'})
        self.assertEqual(st, 303)
        self.assertIn('In credit: $25.00', client_balance_text(desk, client))
        # her next visit, booked at the desk: its checkout applies the credit
        hs, nxt, client2 = book_agreeing('nico.next@example.com')
        self.assertEqual(client2, client)
        pay(hs['location'])  # that visit's own $25 deposit
        tp.started_an_hour_ago(nxt)
        nurl = '/staff/appointments/%d' % nxt
        self.assertEqual(desk.post(nurl + '/status', {'status': 'checked_in'})[0], 303)
        issue(desk, nurl)
        vid, total = S.sql('SELECT id, total_cents FROM invoices WHERE appointment_id = ?1',
                           nxt)[0]
        paid = S.sql("SELECT appointment_id, amount_cents FROM payments WHERE invoice_id = ?1 "
                     "ORDER BY id", vid)
        self.assertEqual(paid, [(appt, 2500), (nxt, 2500)], S.sql(
            'SELECT p.id, p.invoice_id, p.appointment_id, p.amount_cents, a.status FROM payments p '
            'JOIN appointments a ON a.id = p.appointment_id WHERE a.client_id = ?1', client))
        self.assertEqual(len([r for r in audit('update', 'payment', client)
                              if 'applied to invoice' in r[2]]), 1)
        self.assertIn('Owes $%d.00' % ((total - 5000) // 100), client_balance_text(desk, client))

    def test_a_no_show_undone_then_marked_again_is_billed_again(self):
        appt, client, inv, desk, url = self.missed_and_undone('gil.again@example.com')
        self.assertEqual(desk.post(url + '/status', {'status': 'no_show', 'confirm': 'yes'})[0],
                         303)
        fees = fee_invoices(appt)
        self.assertEqual(len(fees), 2)
        new = fees[1]
        # a live fee of its own: the deposit (credit) applied, the card charged the rest
        self.assertEqual(new[1:3], (6000, 0))
        self.assertEqual(new[3], 6000)
        self.assertEqual(S.sql("SELECT amount_cents, status FROM payments WHERE invoice_id = ?1 "
                               "ORDER BY id", new[0]),
                         [(2500, 'completed'), (3500, 'completed')])
        self.assertEqual([c[2]['amount'] for c in PAY.calls
                          if c[1].get('Idempotency-Key') == 'fee_%d' % new[0]][:1], ['3500'])
        self.assertIn('Nothing owed', client_balance_text(desk, client))
        # the worker's next looks bill nothing more
        tp.plain_booking_rendered()
        self.assertEqual(len(fee_invoices(appt)), 2)

    def test_two_no_show_clicks_at_once_bill_one_fee(self):
        appt, client, inv, desk, url = self.missed_and_undone('tia.twice@example.com', None)
        desk2 = signed_in(DESK, server=S)
        out = []

        def click(b):
            out.append(b.post(url + '/status', {'status': 'no_show', 'confirm': 'yes'})[0])
        ts = [threading.Thread(target=click, args=(b,)) for b in (desk, desk2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
        self.assertEqual(sorted(out), [303, 409])
        tp.plain_booking_rendered()
        live = [f for f in fee_invoices(appt) if f[1] > f[2]]
        self.assertEqual(len(live), 1)
        self.assertEqual(len(fee_invoices(appt)), 2)

    def test_the_worker_frees_a_deposit_a_crash_left_on_a_voided_fee(self):
        """The credit note committed, then the process died before the deposit left
        the voided invoice: the worker moves it."""
        hs, appt, client = book_agreeing('wes.worker@example.com')
        pay(hs['location'])
        tp.started_an_hour_ago(appt)
        PAY.fault = 'decline'
        desk = signed_in(DESK, server=S)
        url = '/staff/appointments/%d' % appt
        self.assertEqual(desk.post(url + '/status', {'status': 'no_show', 'confirm': 'yes'})[0],
                         303)
        inv = fee_invoices(appt)[0][0]
        PAY.reset()
        tp.wait_for('the charge declined', lambda: S.sql(
            "SELECT status FROM payments WHERE invoice_id = ?1 AND "
            "created_by_name = 'Card on file'", inv) == [('failed',)])
        # as a crash (or a version before 0066) left it: undone and credited in
        # full, the deposit still on the voided invoice; the server starts again
        self.assertEqual(S.stop(), 0, S.log()[-3000:])
        S.seed = False
        try:
            S.sql("UPDATE appointments SET status = 'booked' WHERE id = ?1", appt)
            S.sql("INSERT INTO credit_notes (invoice_id, amount_cents, reason, idem_key, "
                  "created_at, created_by, created_by_name) VALUES (?1, 6000, 'undone', ?2, ?3, "
                  "0, 'Clinic policy')", inv, 'crash_%d' % inv, tp.NOW_EPOCH)
        finally:
            S.start()
            PAY.webhook = (S.port, '/payments/webhook')
        tp.wait_for('the deposit freed', lambda: fee_invoices(appt)[0][3] == 0)
        desk = signed_in(DESK, server=S)
        self.assertIn('In credit: $25.00', client_balance_text(desk, client))


class PackageAudit(unittest.TestCase):
    """Item 5: each use and return of a package credit is in the audit log."""

    def test_desk_booking_uses_a_credit_and_its_cancellation_returns_it_audited(self):
        admin = signed_in(ADMIN, server=S)
        st, _, page = admin.post('/admin/packages', {
            'name': 'Three deep', 'service': 'deep-tissue-90', 'credits': '3', 'discount': '10',
            'price': '', 'valid_months': '12'})
        self.assertIn(st, (201, 303), text(page)[:500])
        pkg = S.sql("SELECT id FROM packages WHERE name = 'Three deep'")[0][0]
        desk = signed_in(DESK, server=S)
        S.sql("INSERT INTO clients (name, email, phone, created_at) VALUES "
              "('Polly Pack', 'polly@example.com', '', 0)")
        cid = S.sql("SELECT id FROM clients WHERE email = 'polly@example.com'")[0][0]
        page = desk.get('/staff/clients/%d' % cid)[2]
        once = re.search(r'name="once" value="([^"]+)"', page).group(1)
        st, _, page = desk.post('/staff/clients/%d/packages' % cid, {
            'once': once, 'package': str(pkg), 'method': 'cash', 'tendered': '1000',
            'reference': ''})
        self.assertEqual(st, 303, text(page)[:500])
        # booked at the desk: one credit used, audited as the desk's
        date = next(tp.DATES)
        while not tp.free_slots(date, 'deep-tissue-90'):
            date = next(tp.DATES)
        st, hs, page = desk.post('/staff/book', {
            'service': 'deep-tissue-90', 'therapist': 'any',
            'start': tp.free_slots(date, 'deep-tissue-90')[0], 'note': '', 'name': 'Polly Pack',
            'email': 'polly@example.com', 'phone': ''})
        self.assertEqual(st, 303, text(page)[:800])
        appt = int(hs['location'].rsplit('/', 1)[1])
        uses = audit('use', 'package_credit', cid)
        self.assertEqual(len(uses), 1)
        self.assertEqual(uses[0][1], DESK)
        self.assertIn('for appointment %d (booked)' % appt, uses[0][2])
        self.assertIn('2 of 3 left', uses[0][2])
        st, _, _ = desk.post('/staff/appointments/%d/status' % appt,
                             {'status': 'cancelled', 'reason': 'Sick', 'confirm': 'yes'})
        self.assertEqual(st, 303)
        back = audit('return', 'package_credit', cid)
        self.assertEqual(len(back), 1)
        self.assertEqual(back[0][1], DESK)
        self.assertIn('back from appointment %d' % appt, back[0][2])
        self.assertIn('3 of 3 left', back[0][2])
        # the audit page lists them under their own record
        page = text(admin.get('/admin/audit?record=package_credit')[2])
        self.assertIn('back from appointment %d' % appt, page)

if __name__ == '__main__':
    run_suite(globals())
