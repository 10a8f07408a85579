"""Two staff members saving the same thing at the same moment (issue 10 §2).

The store's concurrency contract (store.h): a writing transaction runs as if
alone, and one that loses a race with another (PostgreSQL's deadlock or
serialisation failure, E_RETRY) is run again by db_tx/db_again, never shown.
So two conflicting saves, sent together, both answer: a 303 each, or the
loser a clear 4xx (the e-mail already taken) -- never a 500 or a 503 -- and
what is stored afterwards is one of the two saves whole, never a mix.  One
test per kind of handler that owns its transaction: the admin's set-up
pages, the working hours, the desk's client page, signing in.  Runs on
SQLite and on PostgreSQL (tests/pg/suites), where writers really run side
by side.

usage: test_concurrent_writes.py PATH/TO/knead"""
import os
import re
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import DEMO_PASSWORDS, Browser, Server, finish, run_suite, signed_in  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
ADMIN = 'admin@chugachbodywork.example'
DESK = 'desk@chugachbodywork.example'
MAREN = 'maren@chugachbodywork.example'
ROUNDS = 6
S = None


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', '2026-11-24T09:00:00-09:00']).start()


def tearDownModule():
    finish(S)


def at_once(*sends):
    """Runs the sends (functions returning a status) in threads released
    together; returns their statuses in order (an exception's text for one
    that did not answer)."""
    gate = threading.Barrier(len(sends))
    out = [None] * len(sends)

    def run(i):
        gate.wait(timeout=30)
        try:
            out[i] = sends[i]()
        except Exception as exc:  # no answer: the test says so
            out[i] = repr(exc)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(sends))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return out


def no_server_errors(test):
    """The access log holds no 5xx answer (and the server did not crash)."""
    test.assertIsNone(S.proc.poll(), 'the server died')
    test.assertFalse(re.findall(r'" 5\d\d |\s5\d\d\s+\d+us', S.log()),
                     [line for line in S.log().splitlines() if re.search(r' 5\d\d ', line)][:5])


def service_form(therapists, price):
    return {'name': 'Deep Tissue Massage (60 minutes)', 'description': 'Firm pressure.',
            'duration': '60', 'price': price, 'buffer': '15', 'active': '1',
            'therapist': therapists, 'room': ['1', '2', '3'],
            'min_notice': '', 'horizon': '', 'late_cancel': ''}


def week(start, end):
    f = {}
    for wd in (1, 2, 3, 4, 5):
        f.update({'start_%d' % wd: start, 'end_%d' % wd: end,
                  'break_start_%d' % wd: '', 'break_end_%d' % wd: ''})
    f.update({'off_6': '1', 'off_0': '1', 'therapist': 'maren-holt', 'confirm': '1'})
    return f


class SameMoment(unittest.TestCase):
    def test_two_admins_saving_one_service(self):
        a, b = signed_in(ADMIN, server=S), signed_in(ADMIN, server=S)
        one = (['maren-holt', 'tomas-reyes'], '121')
        two = (['dev-okafor', 'lena-kusugak', 'maren-holt'], '131')
        for _ in range(ROUNDS):
            got = at_once(
                lambda: a.post('/admin/services/deep-tissue-60', service_form(*one))[0],
                lambda: b.post('/admin/services/deep-tissue-60', service_form(*two))[0])
            self.assertEqual(got, [303, 303])
            therapists = sorted(r[0] for r in S.sql(
                "SELECT therapist_id FROM therapist_services WHERE service_id = 'deep-tissue-60'"))
            price = S.sql("SELECT price_cents FROM services WHERE id = 'deep-tissue-60'")[0][0]
            self.assertIn((therapists, price), [(sorted(one[0]), 12100), (sorted(two[0]), 13100)])
        no_server_errors(self)

    def test_two_admins_adding_one_account(self):
        a, b = signed_in(ADMIN, server=S), signed_in(ADMIN, server=S)
        for i in range(ROUNDS):
            email = 'twice-%d@example.com' % i

            def add(who, name):
                return lambda: who.post('/admin/users', {
                    'email': email, 'name': name, 'role': 'desk', 'therapist': '',
                    'password': 'initial-pass-%d' % i})[0]
            got = at_once(add(a, 'Desk A'), add(b, 'Desk B'))
            self.assertEqual(sorted(got), [303, 422], got)  # "already exists" for the later one
            self.assertEqual(S.sql('SELECT count(*) FROM users WHERE email = ?', email), [(1,)])
        no_server_errors(self)

    def test_hours_saved_by_the_desk_and_the_therapist(self):
        desk, maren = signed_in(DESK, server=S), signed_in(MAREN, server=S)
        early, late = week('07:00', '13:00'), week('11:00', '19:00')
        for _ in range(ROUNDS):
            got = at_once(lambda: desk.post('/staff/hours', early)[0],
                          lambda: maren.post('/staff/hours', late)[0])
            self.assertEqual(got, [303, 303])
            spans = sorted(set(S.sql(
                "SELECT start_min, end_min FROM therapist_hours WHERE therapist_id = 'maren-holt'"
                " AND kind = 'work' AND weekday BETWEEN 1 AND 5")))
            self.assertIn(spans, [[(420, 780)], [(660, 1140)]])  # one week whole, not both
            self.assertEqual(S.sql("SELECT count(*) FROM therapist_hours WHERE therapist_id ="
                                   " 'maren-holt' AND kind = 'work' AND weekday BETWEEN 1 AND 5"),
                             [(5,)])
        no_server_errors(self)

    def test_two_desks_editing_one_client(self):
        a, b = signed_in(DESK, server=S), signed_in(DESK, server=S)
        cid = S.sql("INSERT INTO clients (name, email, phone, created_at)"
                    " VALUES ('Cleo Twice', 'cleo.twice@example.com', '', 0) RETURNING id")[0][0]
        for i in range(ROUNDS):
            names = ('Cleo Front %d' % i, 'Cleo Back %d' % i)
            got = at_once(*[(lambda who, n: lambda: who.post(
                '/staff/clients/%d' % cid, {'name': n, 'email': 'cleo.twice@example.com',
                                            'phone': ''})[0])(who, n)
                for who, n in zip((a, b), names)])
            self.assertEqual(got, [303, 303])
            self.assertIn(S.sql('SELECT name FROM clients WHERE id = ?', cid)[0][0], names)
        no_server_errors(self)

    def test_signing_in_twice_at_once(self):
        # each sign-in clears the account's failures and adds a session in one
        # transaction; a 429 is the server's cap on password hashes at once
        # (its "busy" page), not the database
        def sign_in():
            return Browser(S).login(ADMIN, DEMO_PASSWORDS[ADMIN])[0]
        for _ in range(ROUNDS):
            got = at_once(sign_in, sign_in)
            self.assertIn(303, got)
            self.assertLessEqual(set(got), {303, 429}, got)
        no_server_errors(self)


if __name__ == '__main__':
    run_suite(globals())
