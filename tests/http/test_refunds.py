"""Refunds of payments made through the payment provider (issue 11): the refund is written
pending with its own idempotency key, the provider is asked outside any transaction, and
its answer (or its webhook, or the worker asking again with the same key) settles it;
a decline leaves nothing refunded and the desk can refund in cash; never more than was
paid, also with two refunds at once; a kill -9 between the provider's answer and our
commit is finished by the worker with the provider refunding once.  The provider is
tests/http/fakepay.py on a loopback port; the clock is pinned.  Waits poll with a deadline.

usage: test_refunds.py PATH/TO/knead"""
import json
import os
import re
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakepay import FakePay, post_form, session_of, start_knead  # noqa: E402
from harness import Browser, Server, finish, run_suite, signed_in, text  # noqa: E402
from test_payments import DATES  # noqa: E402  (helpers only: no suite)

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
NOW_EPOCH = 1795543200
DEADLINE = 30.0
DESK = 'desk@chugachbodywork.example'
S = None
PAY = None


PAST = iter(range(3600, 40 * 3600, 5400))  # each missed visit its own past time


def start_server(pay):
    s = start_knead(KNEAD, pay, NOW)
    s.sql("UPDATE services SET deposit_kind = 'amount', deposit_value = 2500, "
          "noshow_fee_kind = 'percent', noshow_fee_value = 5000 WHERE id = 'deep-tissue-60'")
    return s


def setUpModule():
    global S, PAY
    PAY = FakePay(now=NOW_EPOCH).start()
    S = start_server(PAY)


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


def paid_online(s, pay, email):
    """A no-show fee paid through the provider: the deposit (2500, paid on the provider's
    page) and the card on file charged off-session (3500).  Returns (invoice id, client id,
    {payment id: (amount, provider reference)}, the desk's browser)."""
    while True:
        st, _, out = s.request('GET', '/api/v1/availability?service=deep-tissue-60&date=%s'
                               % next(DATES))
        slots = [x['start'] for x in json.loads(out)['days'][0]['slots']]
        if slots:
            break
    b = Browser(s)
    b.get('/login')
    st, hs, _ = b.post('/book', {'service': 'deep-tissue-60', 'therapist': 'any',
                                 'start': slots[0], 'name': 'Rae Refund', 'email': email,
                                 'phone': '907 555 0123', 'agree_fees': '1'})
    assert st == 303, st
    sid = session_of(hs['location'])
    appt, client = s.sql('SELECT id, client_id FROM appointments ORDER BY id DESC LIMIT 1')[0]
    assert post_form(pay.base + '/pay/' + sid, {'action': 'pay'})[0] == 303
    start = NOW_EPOCH - next(PAST)
    s.sql('UPDATE appointments SET start_at = ?1, end_at = ?2, busy_until = ?3 WHERE id = ?4',
          start, start + 3600, start + 4500, appt)
    desk = signed_in(DESK, server=s)
    st, _, _ = desk.post('/staff/appointments/%d/status' % appt,
                         {'status': 'no_show', 'confirm': 'yes'})
    assert st == 303, st
    inv = s.sql('SELECT id FROM invoices WHERE appointment_id = ?1', appt)[0][0]
    pays = wait_for('the fee charged', lambda: (lambda rows: rows if len(rows) == 2 and all(
        r[3] == 'completed' for r in rows) else None)(s.sql(
            "SELECT id, amount_cents, reference, status FROM payments WHERE invoice_id = ?1 "
            "AND method = 'provider' ORDER BY id", inv)), s)
    return inv, client, {p: (a, ref) for (p, a, ref, _) in pays}, desk


def once_for(desk, inv, pid):
    page = desk.get('/staff/invoices/%d' % inv)[2]
    m = re.search(r'name="once" value="([^"]+)">\s*<input type="hidden" name="payment" '
                  r'value="%d"' % pid, page)
    return m.group(1) if m else None


def refund(desk, inv, pid, amount, reason='Client asked', to=None, once=None):
    form = {'once': once or once_for(desk, inv, pid), 'payment': str(pid), 'amount': amount,
            'reason': reason}
    if to:
        form['to'] = to
    return desk.post('/staff/invoices/%d/refunds' % inv, form)


def refunds(s, pid):
    return s.sql('SELECT id, amount_cents, status, method, provider_key, provider_ref, failure '
                 'FROM refunds WHERE payment_id = ?1 ORDER BY id', pid)


def closeout_refunds(desk, day):
    """(refunds, cents refunded) of the provider's row of day's close-out and the cents
    of card refunds it lists as pending."""
    st, _, page = desk.get('/staff/closeout?date=' + day)
    assert st == 200, (day, st)
    m = re.search(r'<tr data-method="provider">.*?<td class="num">[^<]*</td><td class="num">'
                  r'[^<]*</td><td class="num">(\d+)</td><td class="num">([^<]*)</td>', page)
    p = re.search(r'id="takings-refund-pending">[^<]*?: \d+, ([^ ]+) ', page)
    return (int(m.group(1)) if m else 0, cents(m.group(2)) if m else 0,
            cents(p.group(1)) if p else 0)


def cents(money):
    """'$35.00' (or with a minus sign) as 3500."""
    return int(round(float(re.sub(r'[^0-9.]', '', money)) * 100))


def calls_for(pay, pid_ref):
    return [(k, f) for (k, f) in pay.refund_calls() if f.get('payment_intent') == pid_ref]


class Refunds(unittest.TestCase):
    def setUp(self):
        PAY.reset()

    def test_refund_reaches_the_provider_exactly_once_and_the_client_is_told(self):
        inv, client, pays, desk = paid_online(S, PAY, 'rae@example.com')
        pid, (amount, ref) = sorted(pays.items())[-1]  # the card charge, 3500
        self.assertEqual(amount, 3500)
        once = once_for(desk, inv, pid)
        st, hs, _ = refund(desk, inv, pid, '10.00', 'Fee partly waived', once=once)
        self.assertEqual(st, 303)
        self.assertTrue(hs['location'].endswith('?refunded=1'), hs['location'])
        (rid, cents, status, method, key, pref, failure), = refunds(S, pid)
        self.assertEqual((cents, status, method), (1000, 'completed', ''))
        self.assertTrue(key.startswith('rf_'), key)
        self.assertTrue(pref.startswith('re_test_'), pref)
        # (the worker may ask too, with the same key: the provider makes one refund)
        calls = calls_for(PAY, ref)
        self.assertEqual({k for (k, _) in calls}, {key})  # our own key, kept with the row
        self.assertEqual((calls[0][1]['amount'], calls[0][1]['metadata[knead_refund]']),
                         ('1000', key))
        self.assertEqual(PAY.refunded[ref], 1000)
        # the same form sent again: the same refund, the provider not asked again
        st, _, _ = refund(desk, inv, pid, '10.00', 'Fee partly waived', once=once)
        self.assertEqual(st, 303)
        self.assertEqual(len(refunds(S, pid)), 1)
        self.assertEqual({k for (k, _) in calls_for(PAY, ref)}, {key})
        self.assertEqual(PAY.refunded[ref], 1000)
        page = text(desk.get('/staff/invoices/%d' % inv)[2])
        self.assertIn('Refunded to Card (online)', page)
        self.assertIn('Balance due', page)
        # the audit log: who asked, why, and the provider's outcome
        self.assertEqual(S.sql("SELECT count(*) FROM audit_log WHERE action = 'refund' AND "
                               "record_id = ?1 AND reason LIKE '%asked of the payment provider%"
                               "Fee partly waived%' AND actor <> 'payment provider'",
                               rid)[0][0], 1)
        self.assertEqual(S.sql("SELECT count(*) FROM audit_log WHERE action = 'refund' AND "
                               "record_id = ?1 AND reason LIKE '%refunded to the card by the "
                               "payment provider (re_test_%'", rid)[0][0], 1)
        # the client's e-mail: amount, the card's last 4, the invoice
        number = S.sql('SELECT number FROM invoices WHERE id = ?1', inv)[0][0]
        mails = wait_for('the refund e-mail', lambda: S.sql(
            "SELECT recipient, subject, body_text FROM outbox WHERE kind = 'refund' AND "
            "dedupe_key = ?1", 'refund:%d' % rid))
        self.assertEqual(len(mails), 1)
        to, subject, body = mails[0]
        self.assertEqual(to, 'rae@example.com')
        self.assertIn('Your refund of $10.00', subject)
        self.assertIn('ending in 4242', body)
        self.assertIn('invoice %d' % number, body)

    def test_over_refund_is_refused_with_422_and_nothing_stored(self):
        inv, client, pays, desk = paid_online(S, PAY, 'ora@example.com')
        pid, (amount, ref) = sorted(pays.items())[0]  # the deposit, 2500
        n_audit = S.sql('SELECT count(*) FROM audit_log')[0][0]
        st, _, page = refund(desk, inv, pid, '25.01')
        self.assertEqual(st, 422)
        self.assertIn('more than', text(page))
        self.assertEqual(refunds(S, pid), [])
        self.assertEqual(calls_for(PAY, ref), [])
        self.assertEqual(S.sql('SELECT count(*) FROM audit_log')[0][0], n_audit)
        # a card refund while one is pending counts it: what is left, never more
        PAY.fault = 'hang'
        st, hs, _ = refund(desk, inv, pid, '20.00')
        PAY.release.set()
        self.assertEqual(st, 303)
        self.assertIn('refund_pending=1', hs['location'])
        st, _, page = refund(desk, inv, pid, '5.01')
        self.assertEqual(st, 422)
        self.assertEqual(len(refunds(S, pid)), 1)

    def test_decline_marks_it_failed_and_the_desk_refunds_in_cash(self):
        inv, client, pays, desk = paid_online(S, PAY, 'dee@example.com')
        pid, (amount, ref) = sorted(pays.items())[-1]
        PAY.fault = 'decline'
        st, hs, _ = refund(desk, inv, pid, '35.00', 'Visit was a mix-up')
        self.assertEqual(st, 303)
        self.assertIn('refund_failed=1', hs['location'])
        (rid, cents, status, method, key, pref, failure), = refunds(S, pid)
        self.assertEqual(status, 'failed')
        self.assertIn('card was closed', failure)
        self.assertNotIn(ref, PAY.refunded)
        page = desk.get(hs['location'])[2]
        t = text(page)
        self.assertIn('did not refund the card', t)
        self.assertIn('Refund to Card (online) failed', t)
        self.assertIn('card was closed', t)
        # the ledger does not count it: all 35 can still be refunded, and is owed nothing
        self.assertIn('Paid in full', t)
        self.assertIn('Up to $35.00', t)
        self.assertEqual(S.sql("SELECT count(*) FROM audit_log WHERE action = 'refund' AND "
                               "record_id = ?1 AND reason LIKE '%not refunded%card was closed%'",
                               rid)[0][0], 1)
        # no e-mail for a refund that did not happen
        self.assertEqual(S.sql("SELECT count(*) FROM outbox WHERE dedupe_key = ?1",
                               'refund:%d' % rid)[0][0], 0)
        # so the desk pays it back from the drawer: no call to the provider
        PAY.reset()
        n_calls = len(PAY.refund_calls())
        st, hs, _ = refund(desk, inv, pid, '35.00', 'Card closed: cash back', to='cash')
        self.assertEqual(st, 303)
        self.assertIn('refunded=1', hs['location'])
        self.assertEqual(len(PAY.refund_calls()), n_calls)
        self.assertEqual([r[2:4] for r in refunds(S, pid)], [('failed', ''), ('completed', 'cash')])
        t = text(desk.get('/staff/invoices/%d' % inv)[2])
        self.assertIn('Refunded to Cash', t)
        # the close-out counts it as cash out of the drawer
        page = desk.get('/staff/closeout?date=2026-11-24')[2]
        row = re.search(r'<tr data-method="cash">(.*?)</tr>', page, re.S)
        self.assertIsNotNone(row, page)
        self.assertIn('$35.00', row.group(1))

    def test_timeout_leaves_it_pending_and_the_worker_finishes_it_with_the_same_key(self):
        inv, client, pays, desk = paid_online(S, PAY, 'tia@example.com')
        pid, (amount, ref) = sorted(pays.items())[-1]
        PAY.fault = 'hang'
        t0 = time.monotonic()
        st, hs, _ = refund(desk, inv, pid, '35.00', 'Waived')
        self.assertLess(time.monotonic() - t0, 20)  # timeout_seconds = 2, on a loaded machine
        self.assertEqual(st, 303)
        self.assertIn('refund_pending=1', hs['location'])
        (rid, cents, status, method, key, pref, failure), = refunds(S, pid)
        self.assertEqual(status, 'pending')
        t = text(desk.get(hs['location'])[2])
        self.assertIn('pending with the payment provider', t)
        self.assertIn('A refund of $35.00 to the card is pending', t)
        self.assertIn('Paid in full', t)  # not counted until done
        t = text(desk.get('/staff/clients/%d' % client)[2])
        self.assertIn('A card refund of $35.00 is pending', t)
        t = text(desk.get('/staff/closeout?date=2026-11-24')[2])
        self.assertIn('Card refunds pending with the payment provider', t)
        # the provider answers again: the worker asks with the same key, once refunded
        PAY.reset()
        wait_for('the worker finishing the refund',
                 lambda: refunds(S, pid)[0][2] == 'completed')
        keys = {k for (k, _) in calls_for(PAY, ref)}
        self.assertEqual(keys, {key})
        self.assertEqual(PAY.refunded[ref], 3500)
        self.assertEqual(len([k for k in PAY.refunds if k == key]), 1)
        t = text(desk.get('/staff/invoices/%d' % inv)[2])
        self.assertIn('Refunded to Card (online)', t)
        self.assertIn('Balance due', t)

    def test_two_refunds_at_once_never_more_than_was_paid(self):
        inv, client, pays, desk = paid_online(S, PAY, 'cy@example.com')
        pid, (amount, ref) = sorted(pays.items())[-1]  # 3500
        desk2 = signed_in(DESK, server=S)
        onces = [once_for(desk, inv, pid), once_for(desk2, inv, pid)]
        out = [None, None]
        go = threading.Barrier(2)

        def one(i, b):
            go.wait()
            out[i] = refund(b, inv, pid, '30.00', 'Double click %d' % i, once=onces[i])[0]

        ths = [threading.Thread(target=one, args=(i, b)) for i, b in enumerate((desk, desk2))]
        for th in ths:
            th.start()
        for th in ths:
            th.join(DEADLINE)
        self.assertEqual(sorted(out)[0], 303, out)
        self.assertIn(sorted(out)[1], (409, 422), out)
        rows = refunds(S, pid)
        self.assertEqual(len(rows), 1)
        self.assertLessEqual(sum(r[1] for r in rows if r[2] != 'failed'), 3500)
        self.assertEqual({k for (k, _) in calls_for(PAY, ref)}, {rows[0][4]})
        self.assertEqual(PAY.refunded[ref], 3000)


class Webhooks(unittest.TestCase):
    def setUp(self):
        PAY.reset()

    def pending(self, email):
        inv, client, pays, desk = paid_online(S, PAY, email)
        pid, (amount, ref) = sorted(pays.items())[-1]
        PAY.fault = 'refund_pending'
        st, hs, _ = refund(desk, inv, pid, '35.00', 'Waived')
        self.assertEqual(st, 303)
        self.assertIn('refund_pending=1', hs['location'])
        row = refunds(S, pid)[0]
        self.assertEqual(row[2], 'pending')
        self.assertTrue(row[5].startswith('re_test_'))  # the provider's id kept
        return pid, row[4], inv, desk

    def test_charge_refunded_webhook_confirms_a_pending_refund_once(self):
        pid, key, inv, desk = self.pending('wen@example.com')
        ev = PAY.refund_event(key, 'succeeded', 'charge.refunded')
        st, body = PAY.post_webhook(ev)
        self.assertEqual(st, 200, body)
        self.assertEqual(refunds(S, pid)[0][2], 'completed')
        st, body = PAY.post_webhook(ev)  # replayed: no second effect
        self.assertEqual(st, 200)
        self.assertTrue(json.loads(body)['duplicate'])
        rid = refunds(S, pid)[0][0]
        self.assertEqual(S.sql("SELECT count(*) FROM audit_log WHERE action = 'refund' AND "
                               "record_id = ?1 AND reason LIKE '%by the payment provider%'", rid)[0][0], 1)
        self.assertEqual(S.sql("SELECT count(*) FROM outbox WHERE dedupe_key = ?1",
                               'refund:%d' % rid)[0][0], 1)
        # a later event of the same refund (new id) changes nothing either
        st, _ = PAY.post_webhook(PAY.refund_event(key, 'failed'))
        self.assertEqual(st, 200)
        self.assertEqual(refunds(S, pid)[0][2], 'completed')

    def test_a_refund_confirmed_the_next_day_counts_on_that_day(self):
        """Asked on the 24th, answered "pending", confirmed by the provider's webhook on
        the 25th: the money went back on the 25th, so the 24th's close-out has no more
        refunds than before (only the pending line, until it is confirmed) and the 25th's
        has it.  The audit log keeps when it was asked."""
        day1, day2 = '2026-11-24', '2026-11-25'
        # a refund another test left pending is finished by a payment worker (a look
        # every 5 s) on its own server's day: none may be in flight while the two
        # days are counted, or the 25th's server counts it there (seen on PostgreSQL)
        wait_for('no other refund pending', lambda: S.sql(
            "SELECT count(*) FROM refunds WHERE status = 'pending'")[0][0] == 0)
        later = Server(KNEAD, share=S, extra=['--now', day2 + 'T10:00:00-09:00',
                                               '--config', S.extra[S.extra.index('--config') + 1]])
        later.start()
        try:
            desk2 = signed_in(DESK, server=later)
            before = {d: closeout_refunds(desk2, d) for d in (day1, day2)}
            pid, key, inv, desk = self.pending('dayafter@example.com')
            rid = refunds(S, pid)[0][0]
            asked = closeout_refunds(desk2, day1)
            self.assertEqual(asked[:2], before[day1][:2])  # pending counts nowhere
            self.assertGreaterEqual(asked[2], 3500)         # but is listed as pending
            PAY.webhook = (later.port, '/payments/webhook')
            st, body = PAY.post_webhook(PAY.refund_event(key, 'succeeded', 'charge.refunded'),
                                        t=NOW_EPOCH + 86400 + 3600)  # signed on the 25th
            self.assertEqual(st, 200, body)
            self.assertEqual(refunds(S, pid)[0][2], 'completed')
            self.assertEqual(closeout_refunds(desk2, day1)[:2], before[day1][:2])
            self.assertEqual(closeout_refunds(desk2, day1)[2], asked[2] - 3500)
            self.assertEqual(closeout_refunds(desk2, day2)[:2],
                             (before[day2][0] + 1, before[day2][1] + 3500))
            # the audit log still says when the desk asked for it (the 24th)
            self.assertEqual(S.sql("SELECT min(at) FROM audit_log WHERE action = 'refund' AND "
                                   "record_id = ?1", rid)[0][0], NOW_EPOCH)
            self.assertEqual(S.sql('SELECT created_at FROM refunds WHERE id = ?1', rid)[0][0],
                             NOW_EPOCH)
        finally:
            PAY.webhook = (S.port, '/payments/webhook')
            later.cleanup()

    def test_the_worker_asks_how_a_pending_refund_stands_and_never_makes_it_again(self):
        pid, key, inv, desk = self.pending('pol@example.com')
        ref = refunds(S, pid)[0][5]
        posts = len([k for (k, _) in PAY.refund_calls() if k == key])
        PAY.reset()
        PAY.settle_refund(key)  # done on the provider's side; its webhook never comes
        wait_for('the worker finishing the refund', lambda: refunds(S, pid)[0][2] == 'completed')
        self.assertIn('/v1/refunds/' + ref, PAY.refund_polls())
        # asked how it stands, never posted again once the provider named it
        self.assertEqual(len([k for (k, _) in PAY.refund_calls() if k == key]), posts)
        self.assertEqual(S.sql("SELECT count(*) FROM outbox WHERE dedupe_key = ?1",
                               'refund:%d' % refunds(S, pid)[0][0])[0][0], 1)

    def test_refund_updated_failed_fails_it(self):
        pid, key, inv, desk = self.pending('fay@example.com')
        st, _ = PAY.post_webhook(PAY.refund_event(key, 'failed'))
        self.assertEqual(st, 200)
        row = refunds(S, pid)[0]
        self.assertEqual(row[2], 'failed')
        self.assertIn('expired_or_canceled_card', row[6])
        self.assertIn('Up to $35.00', text(desk.get('/staff/invoices/%d' % inv)[2]))

    def test_bad_signature_refund_webhook_is_400_and_changes_nothing(self):
        pid, key, inv, desk = self.pending('bo@example.com')
        n = S.sql('SELECT count(*) FROM payment_events')[0][0]
        PAY.fault = 'bad_signature'
        st, body = PAY.post_webhook(PAY.refund_event(key, 'succeeded'))
        self.assertEqual(st, 400)
        self.assertIn('signature does not match', body.decode())
        self.assertEqual(refunds(S, pid)[0][2], 'pending')
        self.assertEqual(S.sql('SELECT count(*) FROM payment_events')[0][0], n)


class Crash(unittest.TestCase):
    """kill -9 after the provider refunded and before Knead committed the answer: after a
    restart the worker asks again with the same key, the provider answers the same refund,
    and the card is refunded once."""

    def test_kill_between_the_providers_answer_and_our_commit(self):
        pay = FakePay(now=NOW_EPOCH).start()
        s = start_server(pay)
        try:
            inv, client, pays, desk = paid_online(s, pay, 'kim@example.com')
            pid, (amount, ref) = sorted(pays.items())[-1]
            once = once_for(desk, inv, pid)
            pay.fault = 'answer_then_hold'
            th = threading.Thread(target=lambda: _quiet(
                lambda: refund(desk, inv, pid, '35.00', 'Waived', once=once)))
            th.start()
            self.assertTrue(pay.made.wait(DEADLINE))
            s.proc.send_signal(signal.SIGKILL)
            s.proc.wait(timeout=20)
            pay.release.set()
            th.join(DEADLINE)
            (rid, cents, status, method, key, pref, failure), = refunds(s, pid)
            self.assertEqual(status, 'pending')  # the answer never landed
            self.assertEqual(pay.refunded[ref], 3500)  # but the provider refunded
            pay.reset()
            s.seed = False
            s.start()
            pay.webhook = (s.port, '/payments/webhook')
            wait_for('the worker finishing the refund',
                     lambda: refunds(s, pid)[0][2] == 'completed', s)
            self.assertEqual({k for (k, _) in calls_for(pay, ref)}, {key})
            self.assertGreaterEqual(len(calls_for(pay, ref)), 2)
            self.assertEqual(pay.refunded[ref], 3500)  # refunded once
            self.assertEqual(refunds(s, pid)[0][5], pay.refunds[key][1]['id'])
            self.assertEqual(s.sql("SELECT count(*) FROM outbox WHERE dedupe_key = ?1",
                                   'refund:%d' % rid)[0][0], 1)
        finally:
            finish(s)
            pay.stop()


def _quiet(fn):
    try:
        fn()
    except Exception:  # the server was killed under the request: expected
        pass


if __name__ == '__main__':
    run_suite(globals())
