"""Two app servers on one database (issue 10 §3): the races a clinic behind a
load balancer meets.  Runs on either driver: SQLite (two processes on one
file) and, with KNEAD_TEST_PG set (tests/pg/cluster.sh), PostgreSQL, where
the servers' writers really run side by side.

- 100 concurrent bookings of one slot, split over both: exactly one 201.
- A booking, a cancel or a closed date through one is in the other's next
  answer (its caches are keyed on the versions it reads per request), also
  20 times over while other clients ask both for the same days without
  pause (on PostgreSQL those requests share version reads: store.h).
- A mixed load of bookings, moves and cancels from both for RACE_SECONDS
  (30): no overlap for any therapist, room or client, every 201 present as
  its last answer left it.
- Both servers' outbox workers on one queue: every message reaches the SMTP
  server exactly once.
- kill -9 of one server under load: every booking either answered 201 is in
  the database with its confirmation queued, within seconds of the load's end.
- A change a dead server left unrendered is queued by the survivor within
  seconds, with no request of its own (its render worker looks every 2 s).
- A message claimed by a server that then dies (kill -9) while its SMTP
  server holds the connection is sent by the survivor within
  DEAD_CLAIM_SECONDS of the death, exactly once; while the claimer lives
  (past its lease's 8 s) the other leaves it alone.  The same for a webhook
  delivery whose receiver held the connection.

usage: test_two_servers.py PATH/TO/knead"""
import concurrent.futures
import json
import os
import random
import re
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_suite, signed_in  # noqa: E402
from mailcatch import Smtpd  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
RACE_SECONDS = float(os.environ.get('RACE_SECONDS', '30'))
THERAPISTS = ('maren-holt', 'tomas-reyes')
# A dead server's leftover changes: the survivor's worker looks every
# RENDER_POLL_SECONDS (2, mail/render.h); the rest is one pass and the
# test's own `knead debug sql` polls on a loaded machine.
ORPHAN_SECONDS = 6
# KillNine renders ~30 leftovers while the survivor still answers the load's
# last requests: 7 s alone, and 10 s was not enough with two full test runs
# side by side (27 of 29 at 10.1 s); the bound itself is ORPHAN_SECONDS's test.
SURVIVOR_SECONDS = 30
# A dead server's claim: its lease runs out 8 s after its last renewal
# (mail/lease.h, renewed every 2 s), and the survivor's worker wakes then
# (outbox_next_due); the rest is one SMTP transfer on a loaded machine.
DEAD_CLAIM_SECONDS = 15
SMTP = None


def config(server, smtp_port):
    path = os.path.join(server.dir, 'two.ini')
    with open(path, 'w') as f:
        f.write('[limits]\nconnections_per_address = 256\nbookings_per_hour = 0\n'
                '[smtp]\nhost = 127.0.0.1\nport = %d\nretry_min_seconds = 1\n' % smtp_port)
    server.extra = ['--now', NOW, '--config', path]
    return server


def pair():
    """Two servers on one fresh demo database, both sending to SMTP."""
    a = config(Server(KNEAD), SMTP.port).start()
    b = config(Server(KNEAD, share=a), SMTP.port).start()
    return a, b


def api(server, method, path, body=None, headers=None):
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h['Content-Type'] = 'application/json'
    try:
        status, hdrs, out = server.request(method, path, body=data, headers=h)
    except OSError:
        return 0, None  # a server killed mid-request: no answer, no claim
    parsed = json.loads(out) if out and 'json' in hdrs.get('content-type', '') else None
    return status, parsed


def book(server, start, therapist='any', email='ana@example.com', name='Ana Lee'):
    return api(server, 'POST', '/api/v1/appointments', {
        'service': 'deep-tissue-60', 'therapist': therapist, 'start': start,
        'client': {'name': name, 'email': email, 'phone': '907 555 0100'}})


def token_of(appt):
    return appt['manage_url'].rsplit('/', 1)[1]


def a_start(rnd):
    """A start on the demo's grid, Monday 2026-11-30 to Friday 2026-12-04."""
    day = 30 + rnd.randrange(5)
    month, day = (11, day) if day <= 30 else (12, day - 30)
    hour = 10 + rnd.randrange(7)
    minute = rnd.choice((0, 15, 30, 45))
    return '2026-%02d-%02dT%02d:%02d:00-09:00' % (month, day, hour, minute)


def one(server, sql, *args):
    return server.sql(sql, *args)[0][0]


def assert_no_overlap(test, server):
    for col in ('therapist_id', 'room_id'):
        n = one(server, 'SELECT count(*) FROM appointments x JOIN appointments y'
                        ' ON x.id < y.id AND x.%s = y.%s AND x.start_at < y.busy_until'
                        ' AND y.start_at < x.busy_until'
                        " WHERE x.status <> 'cancelled' AND y.status <> 'cancelled'" % (col, col))
        test.assertEqual(n, 0, 'two live appointments share a ' + col)
    n = one(server, 'SELECT count(*) FROM appointments x JOIN appointments y'
                    ' ON x.id < y.id AND x.client_id = y.client_id AND x.start_at < y.end_at'
                    ' AND y.start_at < x.end_at'
                    " WHERE x.status IN ('booked', 'checked_in')"
                    " AND y.status IN ('booked', 'checked_in')")
    test.assertEqual(n, 0, 'one client holds two overlapping live appointments')


def setUpModule():
    global SMTP
    SMTP = Smtpd().start()


def tearDownModule():
    SMTP.stop()


class OneSlot(unittest.TestCase):
    def test_hundred_bookings_of_one_slot_over_two_servers_one_wins(self):
        a, b = pair()
        try:
            start = '2026-12-08T10:00:00-09:00'

            def attempt(i):
                return book((a, b)[i % 2], start, therapist='maren-holt',
                            email='racer%d@example.com' % i, name='Racer %d' % i)[0]
            with concurrent.futures.ThreadPoolExecutor(max_workers=100) as ex:
                results = list(ex.map(attempt, range(100)))
            self.assertEqual(results.count(201), 1, results)
            self.assertEqual(results.count(409), 99, results)
            self.assertEqual(one(a, "SELECT count(*) FROM appointments WHERE therapist_id ="
                                    " 'maren-holt' AND status = 'booked' AND start_at = ?",
                                 1796756400), 1)
        finally:
            b.cleanup()
            a.cleanup()


class NextRequest(unittest.TestCase):
    """Issue 10 §3: a change made through one server is seen by the other's
    next request -- its cached answers are keyed on version numbers it reads
    from the database on each request (bench/README.md measures why not
    LISTEN/NOTIFY: a notification can arrive after the next request)."""

    @staticmethod
    def starts(server, day, therapist='maren-holt'):
        st, body = api(server, 'GET', '/api/v1/availability?service=deep-tissue-60&date=%s'
                       '&therapist=%s' % (day, therapist))
        assert st == 200, (st, body)
        return [s['start'] for s in body['days'][0]['slots']]

    def test_a_booking_or_cancel_through_one_is_in_the_others_next_answer(self):
        a, b = pair()
        try:
            days = ['2026-12-%02d' % d for d in (1, 2, 3, 4, 8, 9, 10, 11)]
            for i in range(24):
                day = days[i % len(days)]
                free = self.starts(b, day)  # b's answer for the day is cached now
                self.assertTrue(free, day)
                start = free[(i // len(days)) * 5 % len(free)]
                st, appt = book(a, start, therapist='maren-holt',
                                email='next%d@example.com' % i, name='Next %d' % i)
                self.assertEqual(st, 201, appt)
                self.assertNotIn(start, self.starts(b, day), 'b still offers a booked time')
                st, _ = api(b, 'DELETE', '/api/v1/appointments/%d' % appt['id'],
                            headers={'Authorization': 'Bearer ' + token_of(appt)})
                self.assertEqual(st, 200)
                self.assertIn(start, self.starts(a, day), 'a does not offer a freed time')
        finally:
            b.cleanup()
            a.cleanup()

    def test_a_date_closed_through_one_is_closed_in_the_others_next_answer(self):
        a, b = pair()
        try:
            admin = signed_in('admin@chugachbodywork.example', server=a)
            for day in ('2026-12-15', '2026-12-16', '2026-12-17'):
                self.assertTrue(self.starts(b, day), day)
                st, _, _ = admin.post('/admin/hours/closed', {'date': day, 'reason': 'Training'})
                self.assertEqual(st, 303)
                self.assertEqual(self.starts(b, day), [], 'b still offers a closed date')
                st, _, _ = admin.post('/admin/hours/closed/remove', {'date': day})
                self.assertEqual(st, 303)
                self.assertTrue(self.starts(b, day), 'b does not offer a reopened date')
        finally:
            b.cleanup()
            a.cleanup()


class NextRequestUnderLoad(unittest.TestCase):
    """NextRequest again, 20 times each, while other clients ask both servers
    for the same days' availability without pause.  On PostgreSQL requests
    that arrive while a version read is in flight share the next one
    (store.h: db_versions); only a read that began after a request arrived
    may answer it, so a change committed through one server is still in the
    other's next answer.  A coalescer that let a read begun earlier answer a
    later request would show here as a booked time still offered."""

    ROUNDS = 20
    LOADERS = 4
    # A test build holds each of b's shared version reads' answers this long
    # after PostgreSQL gave it (store.c, KNEAD_TEST_VERSION_LAG_MS), as a
    # slow round trip would: a read in flight on b then spans a's commit and
    # the client's next request to b, which it must not answer.  (a answers
    # at its own pace: its booking's answer waits for its render pass.)
    LAG_MS = '50'

    def pair(self):
        a = config(Server(KNEAD), SMTP.port).start()
        b = config(Server(KNEAD, share=a), SMTP.port)
        b.env = dict(os.environ, KNEAD_TEST_VERSION_LAG_MS=self.LAG_MS)
        b.start()
        return a, b

    def load(self, servers, days, stop, answers):
        """Availability questions for days until stop is set (bounded: at
        most 300 s), counting the answers by status."""
        deadline = time.monotonic() + 300

        def loader(i):
            n = 0
            while not stop.is_set() and time.monotonic() < deadline:
                server = servers[(i + n) % len(servers)]
                day = days[n % len(days)]
                n += 1
                st, _ = api(server, 'GET', '/api/v1/availability?service=deep-tissue-60'
                            '&date=%s&therapist=maren-holt' % day)
                with answers['lock']:
                    answers[st] = answers.get(st, 0) + 1
        threads = [threading.Thread(target=loader, args=(i,), daemon=True)
                   for i in range(self.LOADERS)]
        for t in threads:
            t.start()
        return threads

    def run_under_load(self, servers, days, body):
        stop = threading.Event()
        answers = {'lock': threading.Lock()}
        threads = self.load(servers, days, stop, answers)
        try:
            body()
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        self.assertFalse(any(t.is_alive() for t in threads), 'a loader never finished')
        statuses = {k: v for k, v in answers.items() if k != 'lock'}
        self.assertGreater(statuses.get(200, 0), 0, statuses)
        self.assertEqual(set(statuses), {200}, statuses)

    def test_a_booking_or_cancel_through_one_is_in_the_others_next_answer_under_load(self):
        a, b = self.pair()
        try:
            days = ['2026-12-%02d' % d for d in (1, 2, 3, 4)]

            def rounds():
                for i in range(self.ROUNDS):
                    day = days[i % len(days)]
                    free = NextRequest.starts(b, day)
                    self.assertTrue(free, day)
                    start = free[(i // len(days)) * 3 % len(free)]
                    st, appt = book(a, start, therapist='maren-holt',
                                    email='load%d@example.com' % i, name='Load %d' % i)
                    self.assertEqual(st, 201, appt)
                    self.assertNotIn(start, NextRequest.starts(b, day),
                                     'round %d: b still offers a booked time' % i)
                    st, _ = api(b, 'DELETE', '/api/v1/appointments/%d' % appt['id'],
                                headers={'Authorization': 'Bearer ' + token_of(appt)})
                    self.assertEqual(st, 200)
                    self.assertIn(start, NextRequest.starts(a, day),
                                  'round %d: a does not offer a freed time' % i)
            self.run_under_load((a, b), days, rounds)
        finally:
            b.cleanup()
            a.cleanup()

    def test_a_date_closed_through_one_is_closed_in_the_others_next_answer_under_load(self):
        a, b = self.pair()
        try:
            admin = signed_in('admin@chugachbodywork.example', server=a)
            days = ['2026-12-15', '2026-12-16', '2026-12-17', '2026-12-18']

            def rounds():
                for i in range(self.ROUNDS):
                    day = days[i % len(days)]
                    self.assertTrue(NextRequest.starts(b, day), day)
                    st, _, _ = admin.post('/admin/hours/closed', {'date': day, 'reason': 'Training'})
                    self.assertEqual(st, 303)
                    self.assertEqual(NextRequest.starts(b, day), [],
                                     'round %d: b still offers a closed date' % i)
                    st, _, _ = admin.post('/admin/hours/closed/remove', {'date': day})
                    self.assertEqual(st, 303)
                    self.assertTrue(NextRequest.starts(b, day),
                                    'round %d: b does not offer a reopened date' % i)
            self.run_under_load((a, b), days, rounds)
        finally:
            b.cleanup()
            a.cleanup()


class Threads(unittest.TestCase):
    """On PostgreSQL a request thread waits for the database's round trips
    and its commits' flushes: `knead serve` starts four per core, at least 8
    (bench/README.md); on SQLite one per core; [server] threads decides."""

    @staticmethod
    def threads(server):
        m = re.search(r'(\d+) request threads\)', server.log())
        assert m, server.log()[-2000:]
        return int(m.group(1))

    def test_request_threads_by_engine_unless_set(self):
        ncpu = os.sysconf('SC_NPROCESSORS_ONLN')
        s = Server(KNEAD).start()
        try:
            # both engines: a writing thread waits for its commit's flush
            self.assertEqual(self.threads(s), max(8, 4 * ncpu) if ncpu < 16 else 64)
        finally:
            s.cleanup()
        s = Server(KNEAD)
        s.extra = ['--threads', '3']
        s.start()
        try:
            self.assertEqual(self.threads(s), 3)
        finally:
            s.cleanup()


class MixedLoad(unittest.TestCase):
    def test_bookings_moves_and_cancels_from_both_keep_every_calendar_whole(self):
        a, b = pair()
        mine = {}  # id -> {'token', 'start', 'status'}: what the last 2xx said
        # One request at a time acts on one appointment: two moves of one
        # appointment could answer in the other order than they committed,
        # and the record of "what the last 2xx said" would be the older one.
        # The races are over the slots: every worker books, moves into and
        # frees the same therapists' times on both servers.
        busy = set()
        lock = threading.Lock()
        counts = {'book': 0, 'move': 0, 'cancel': 0, 'other': 0}
        deadline = time.monotonic() + RACE_SECONDS

        def worker(i):
            rnd = random.Random(i)
            server = (a, b)[i % 2]
            while time.monotonic() < deadline:
                with lock:
                    ids = [k for k, v in mine.items() if v['status'] == 'booked' and k not in busy]
                op = rnd.random()
                if op < 0.6 or not ids:
                    st, body = book(server, a_start(rnd), therapist=rnd.choice(THERAPISTS + ('any',)),
                                    email='client%d@example.com' % rnd.randrange(40))
                    if st == 201:
                        with lock:
                            mine[body['id']] = {'token': token_of(body), 'start': body['start'],
                                                'status': 'booked'}
                            counts['book'] += 1
                    elif st not in (409, 422):
                        self.fail('booking answered %d: %s' % (st, body))
                    continue
                aid = rnd.choice(ids)
                with lock:
                    if aid in busy:
                        continue
                    busy.add(aid)
                    tok = mine[aid]['token']
                try:
                    act(server, aid, tok, op, rnd)
                finally:
                    with lock:
                        busy.discard(aid)

        def act(server, aid, tok, op, rnd):
            auth = {'Authorization': 'Bearer ' + tok}
            if op < 0.85:
                st, body = api(server, 'POST', '/api/v1/appointments/%d/reschedule' % aid,
                               {'start': a_start(rnd)}, headers=auth)
                if st == 200:
                    with lock:
                        mine[aid]['start'] = body['start']
                        counts['move'] += 1
                elif st not in (409, 422):
                    self.fail('move answered %d: %s' % (st, body))
            else:
                st, body = api(server, 'DELETE', '/api/v1/appointments/%d' % aid, headers=auth)
                if st == 200:
                    with lock:
                        mine[aid]['status'] = 'cancelled'
                        counts['cancel'] += 1
                elif st != 409:
                    self.fail('cancel answered %d: %s' % (st, body))

        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
                for f in [ex.submit(worker, i) for i in range(8)]:
                    f.result()
            print('mixed load over %.0f s: %s' % (RACE_SECONDS, counts))
            self.assertGreater(counts['book'], 20)
            self.assertGreater(counts['move'], 0)
            self.assertGreater(counts['cancel'], 0)
            assert_no_overlap(self, a)
            for aid, want in mine.items():
                st, got = api((a, b)[aid % 2], 'GET', '/api/v1/appointments/%d' % aid,
                              headers={'Authorization': 'Bearer ' + want['token']})
                self.assertEqual(st, 200, aid)
                self.assertEqual((got['status'], got['start']), (want['status'], want['start']),
                                 aid)
        finally:
            b.cleanup()
            a.cleanup()


class Outbox(unittest.TestCase):
    def test_two_workers_send_every_message_exactly_once(self):
        a, b = pair()
        try:
            before = SMTP.count()
            ids = []

            def one_booking(i):
                st, body = book((a, b)[i % 2], a_start(random.Random(1000 + i)),
                                email='mail%d@example.com' % i)
                return body['id'] if st == 201 else None
            with concurrent.futures.ThreadPoolExecutor(max_workers=10) as ex:
                ids = [x for x in ex.map(one_booking, range(40)) if x]
            self.assertGreater(len(ids), 10)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if one(a, "SELECT count(*) FROM outbox WHERE status <> 'sent'") == 0:
                    break
                time.sleep(0.2)
            rows = a.sql("SELECT id, created_at FROM outbox WHERE status = 'sent'")
            self.assertEqual(one(a, "SELECT count(*) FROM outbox WHERE status <> 'sent'"), 0)
            with SMTP.lock:
                got = [m[2] for m in SMTP.messages[before:]]
            for mid, created in rows:
                tag = ('knead-outbox-%d.%d@' % (mid, created)).encode()
                self.assertEqual(sum(1 for m in got if tag in m), 1, 'message %d' % mid)
            self.assertEqual(len(got), len(rows))
        finally:
            b.cleanup()
            a.cleanup()


class KillNine(unittest.TestCase):
    def test_kill_9_of_one_server_under_load_loses_nothing(self):
        a, b = pair()
        answered = []
        lock = threading.Lock()
        stop_at = time.monotonic() + 6

        def worker(i):
            rnd = random.Random(500 + i)
            while time.monotonic() < stop_at:
                st, body = book((a, b)[i % 2], a_start(rnd),
                                email='k%d-%d@example.com' % (i, rnd.randrange(10 ** 6)))
                if st == 201:
                    with lock:
                        answered.append(body['id'])
        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
                futures = [ex.submit(worker, i) for i in range(8)]
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline and len(answered) < 10:
                    time.sleep(0.05)
                a.proc.send_signal(signal.SIGKILL)  # mid-load, requests in flight
                a.proc.wait(timeout=10)
                for f in futures:
                    f.result()
            load_ended = time.monotonic()
            self.assertGreater(len(answered), 10)
            ids = ','.join(str(int(x)) for x in answered)
            self.assertEqual(one(b, 'SELECT count(*) FROM appointments WHERE id IN (%s)' % ids),
                             len(answered))
            # A booking answered by the killed server may not have had its
            # confirmation rendered yet: the change waits in sched_events, and
            # the survivor's render worker queues it (each exactly once)
            # within RENDER_POLL_SECONDS (2) of the death and one pass
            # (mail/render.h); SURVIVOR_SECONDS leaves a loaded 2-core machine
            # under ASan room for that pass and for each poll's `knead debug sql`.
            confirmed = ("SELECT count(*) FROM outbox WHERE kind = 'confirmation'"
                         " AND appointment_id IN (%s)" % ids)
            while (one(b, confirmed) < len(answered)
                   and time.monotonic() < load_ended + SURVIVOR_SECONDS):
                time.sleep(0.2)
            self.assertEqual(one(b, confirmed), len(answered),
                             'not one confirmation each %.1f s after the load ended;'
                             ' the survivor\'s log ends:\n%s'
                             % (time.monotonic() - load_ended, b.log()[-3000:]))
            assert_no_overlap(self, b)
            # the survivor keeps booking
            self.assertEqual(book(b, '2026-12-09T10:00:00-09:00', therapist='maren-holt',
                                  email='after@example.com')[0], 201)
        finally:
            b.cleanup()
            a.cleanup()


class Orphan(unittest.TestCase):
    def test_a_change_a_dead_server_left_is_queued_by_the_survivor_within_seconds(self):
        """The survivor needs no request of its own to find it: its worker
        looks every RENDER_POLL_SECONDS (2).  The dead server's leftover is
        made by hand, exactly: a booking's row in sched_events with its token
        and no confirmation queued, written after the survivor's last pass."""
        a, b = pair()
        try:
            a.proc.send_signal(signal.SIGKILL)
            a.proc.wait(timeout=10)
            st, ap = book(b, '2026-12-08T10:00:00-09:00', therapist='maren-holt',
                          email='orphan@example.com')
            self.assertEqual(st, 201, ap)
            confirmed = ("SELECT count(*) FROM outbox WHERE kind = 'confirmation'"
                         " AND appointment_id = ?")
            deadline = time.monotonic() + 30
            while one(b, confirmed, ap['id']) == 0 and time.monotonic() < deadline:
                time.sleep(0.1)
            # as if the dead server had committed the booking and died before
            # its pass: the row waits, the confirmation is not queued
            b.sql('DELETE FROM outbox WHERE appointment_id = ?', ap['id'])
            b.sql("INSERT INTO sched_events (kind, appointment_id, token, by_staff, at)"
                  " SELECT 'booked', id, CAST(? AS TEXT), 0, created_at FROM appointments WHERE id = ?",
                  token_of(ap), ap['id'])
            left = time.monotonic()
            while one(b, confirmed, ap['id']) == 0 and time.monotonic() < left + 30:
                time.sleep(0.1)
            took = time.monotonic() - left
            self.assertEqual(one(b, confirmed, ap['id']), 1)
            self.assertLess(took, ORPHAN_SECONDS, 'queued %.1f s after it was left' % took)
            self.assertEqual(one(b, 'SELECT count(*) FROM sched_events'), 0)
        finally:
            b.cleanup()
            a.cleanup()


def poll(what, seconds):
    """what() until true, for at most seconds; its last value."""
    end = time.monotonic() + seconds
    while True:
        got = what()
        if got or time.monotonic() > end:
            return got
        time.sleep(0.1)


class DeadClaim(unittest.TestCase):
    def test_a_dead_servers_claim_is_sent_by_the_survivor_within_seconds_once(self):
        # an SMTP server that takes the connection and never greets: a's
        # worker holds its claim while it waits (120 s, [smtp] timeout_seconds)
        stall = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        stall.bind(('127.0.0.1', 0))
        stall.listen(16)
        a = config(Server(KNEAD), stall.getsockname()[1])
        with open(a.extra[-1], 'a') as f:
            f.write('timeout_seconds = 120\n')
        a.start()
        b = None
        rcpt = 'dead-claim@example.com'
        state = ("SELECT status FROM outbox WHERE kind = 'confirmation' AND recipient = ?")
        try:
            st, ap = book(a, '2026-12-08T11:00:00-09:00', therapist='maren-holt', email=rcpt)
            self.assertEqual(st, 201, ap)
            self.assertTrue(poll(lambda: a.sql(state, rcpt) == [('sending',)], 30),
                            'a never claimed the confirmation: %r' % a.sql(state, rcpt))
            b = config(Server(KNEAD, share=a), SMTP.port).start()
            # while a lives, slow, b leaves its claim alone, past a's lease (8 s)
            watch_until = time.monotonic() + 12
            while time.monotonic() < watch_until:
                self.assertEqual(SMTP.to(rcpt), [], 'sent while its claimer was alive')
                time.sleep(0.2)
            self.assertEqual(a.sql(state, rcpt), [('sending',)])
            a.proc.send_signal(signal.SIGKILL)
            a.proc.wait(timeout=10)
            killed = time.monotonic()
            poll(lambda: SMTP.to(rcpt), 60)
            took = time.monotonic() - killed
            self.assertEqual(len(SMTP.to(rcpt)), 1, 'survivor log:\n' + b.log()[-2000:])
            sys.stderr.write('[dead claim sent by the survivor %.1f s after the kill] ' % took)
            self.assertLess(took, DEAD_CLAIM_SECONDS, 'sent %.1f s after its claimer died' % took)
            self.assertTrue(poll(lambda: b.sql(state, rcpt) == [('sent',)], 30))
            self.assertEqual(len(SMTP.to(rcpt)), 1)  # and only once
        finally:
            stall.close()
            if b:
                b.cleanup()
            a.cleanup()


class DeadWebhookClaim(unittest.TestCase):
    def test_a_dead_servers_webhook_delivery_is_sent_by_the_survivor_within_seconds_once(self):
        # the endpoint first takes the connection and never answers (a's
        # attempt holds its claim: timeout 60 s + 30), then, after a's death,
        # a receiver on the same port counts what arrives
        stall = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        stall.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        stall.bind(('127.0.0.1', 0))
        stall.listen(16)
        port = stall.getsockname()[1]
        got = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get('Content-Length', '0')))
                got.append(self.headers.get('webhook-id'))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass
        hooks = '[webhooks]\nallow_private = 1\ntimeout_seconds = 60\n'
        a = config(Server(KNEAD), SMTP.port)
        with open(a.extra[-1], 'a') as f:
            f.write(hooks)
        a.start()
        b = receiver = None
        state = 'SELECT status, attempts FROM webhook_deliveries'
        try:
            admin = signed_in('admin@chugachbodywork.example', server=a, visit='/admin/webhooks')
            st, _, page = admin.post('/admin/webhooks', {
                'url': 'http://127.0.0.1:%d/hook' % port, 'enabled': '1',
                'event_appointment.booked': '1'})
            self.assertEqual(st, 201, page[:500])
            st, ap = book(a, '2026-12-08T13:00:00-09:00', therapist='maren-holt',
                          email='dead-hook@example.com')
            self.assertEqual(st, 201, ap)
            self.assertTrue(poll(lambda: a.sql(state) == [('sending', 1)], 30),
                            'a never claimed the delivery: %r' % a.sql(state))
            b = config(Server(KNEAD, share=a), SMTP.port)
            with open(b.extra[-1], 'a') as f:
                f.write(hooks)
            b.start()
            watch_until = time.monotonic() + 12  # past a's lease (8 s)
            while time.monotonic() < watch_until:
                self.assertEqual(a.sql(state), [('sending', 1)], 'taken while its claimer lived')
                time.sleep(0.5)
            a.proc.send_signal(signal.SIGKILL)
            a.proc.wait(timeout=10)
            killed = time.monotonic()
            stall.close()
            receiver = ThreadingHTTPServer(('127.0.0.1', port), Handler)
            receiver.daemon_threads = True
            threading.Thread(target=receiver.serve_forever, daemon=True).start()
            poll(lambda: got, 60)
            took = time.monotonic() - killed
            sys.stderr.write('[webhook sent by the survivor %.1f s after the kill] ' % took)
            self.assertEqual(len(got), 1, 'survivor log:\n' + b.log()[-2000:])
            self.assertLess(took, DEAD_CLAIM_SECONDS, 'sent %.1f s after its claimer died' % took)
            delivered = 'SELECT status FROM webhook_deliveries'
            self.assertTrue(poll(lambda: a.sql(delivered) == [('delivered',)], 30), a.sql(state))
            self.assertEqual(len(got), 1)
        finally:
            stall.close()
            if receiver:
                receiver.shutdown()
                receiver.server_close()
            if b:
                b.cleanup()
            a.cleanup()


if __name__ == '__main__':
    run_suite(globals())
