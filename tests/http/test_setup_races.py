"""A change of the clinic's set-up racing the bookings it would strand
(issue 10 §3/§4), on either driver: SQLite (one writer at a time) and, with
KNEAD_TEST_PG set (tests/pg/cluster.sh), PostgreSQL, where a booking and the
change run side by side at READ COMMITTED.

Each round releases a burst of bookings and one change together (every
other round the bookings as soon as the change is sent, so that some changes
get in first even on a loaded machine):
- archiving Seattle against bookings there ("any therapist"): the archive
  answers 409 naming the upcoming appointments, or it is archived and no
  booking of the round was taken -- never an upcoming appointment at an
  archived location;
- Maren's hours cut to mornings against bookings of her afternoons: the save
  answers 409 listing them (the desk's rule: nothing saved), or it is saved
  and none of her live appointments lies outside the new hours;
- her time off over those afternoons, the same.
Every answer is one a person can act on (201, 409, 422), never a 5xx.

InFlight: a change every booking reads (the clinic's booking rules, a
therapist made inactive, a service no longer offered by her, a room taken
out of service) against one booking caught between its read of the set-up
and its commit.  On PostgreSQL the booking is held there by a lock on the
appointments table (SHARE: reads pass, its insert waits), and the change is
sent then: the change must wait for the booking (seen in pg_locks) rather
than answer while a booking under the set-up it replaces is still to
commit.  On SQLite (one writer) the two run one after the other.

The clock is pinned to Tuesday 2026-11-24 09:00 in Anchorage; the demo has
two locations (`knead demo --locations 2`: Seattle, Pacific time, where Dev
Okafor works Mondays and Lena Kusugak Tuesdays and Thursdays).

usage: test_setup_races.py PATH/TO/knead"""
import http.client
import json
import os
import random
import sys
import threading
import unittest
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import time  # noqa: E402
from harness import PG, PgCompat, Server, finish, run_suite, signed_in, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
ROUNDS = int(os.environ.get('RACE_ROUNDS', '16'))
BOOKERS = 6   # client threads per round
EACH = 3      # bookings each sends, one after the other
ADMIN = 'admin@chugachbodywork.example'
DESK = 'desk@chugachbodywork.example'
S = None

# Maren's demo week at Anchorage as the hours form sends it (weekday 0 = Sunday).
FULL = {'therapist': 'maren-holt', 'location': '1', 'off_6': '1', 'off_0': '1',
        'start_5': '08:00', 'end_5': '14:00', 'break_start_5': '11:30', 'break_end_5': '12:00'}
for _wd in (1, 2, 3, 4):
    FULL.update({'start_%d' % _wd: '08:00', 'end_%d' % _wd: '16:00',
                 'break_start_%d' % _wd: '12:00', 'break_end_%d' % _wd: '12:30'})
# mornings only: every afternoon the bookers take falls outside
MORNINGS = dict(FULL)
for _wd in (1, 2, 3, 4):
    MORNINGS.update({'end_%d' % _wd: '12:00', 'break_start_%d' % _wd: '',
                     'break_end_%d' % _wd: ''})
MORNINGS.update({'end_5': '11:30', 'break_start_5': '', 'break_end_5': ''})
# the afternoons of the two weeks the bookers use, off
AFTERNOONS_OFF = {'therapist': 'maren-holt', 'start_date': '2026-11-30', 'start_time': '12:30',
                  'end_date': '2026-12-10', 'end_time': '18:00', 'reason': 'Training'}

SEATTLE_LIVE = ("SELECT count(*) FROM appointments a JOIN rooms r ON r.id = a.room_id"
                " WHERE r.location_id = 2 AND a.status IN ('booked', 'checked_in')")
MAREN_LIVE = ("SELECT count(*) FROM appointments WHERE therapist_id = 'maren-holt'"
              " AND status IN ('booked', 'checked_in')")


def setUpModule():
    global S
    S = Server(KNEAD, demo=('--locations', '2'))
    path = os.path.join(S.dir, 'races.ini')
    with open(path, 'w') as f:
        f.write('[limits]\nconnections_per_address = 256\nbookings_per_hour = 0\n')
    S.extra = ['--now', NOW, '--config', path]
    S.start()


def tearDownModule():
    finish(S)


def one(sql, *args):
    return S.sql(sql, *args)[0][0]


def book(start, therapist, location, email):
    body = json.dumps({'service': 'deep-tissue-60', 'therapist': therapist, 'start': start,
                       'location': location,
                       'client': {'name': 'Race Client', 'email': email,
                                  'phone': '907 555 0100'}}).encode()
    try:
        st, _, out = S.request('POST', '/api/v1/appointments', body,
                               {'Content-Type': 'application/json'})
    except OSError as exc:  # no answer: the test says so
        return repr(exc), None
    return st, out


def seattle_start(rnd):
    """A time Dev (Mondays) or Lena (Tuesdays, Thursdays) may work in Seattle."""
    day = rnd.choice(('11-30', '12-01', '12-03', '12-07', '12-08', '12-10'))
    return '2026-%sT%02d:%02d:00-08:00' % (day, rnd.choice((10, 11, 14, 15)),
                                           rnd.choice((0, 15, 30, 45)))


def maren_afternoon(rnd):
    """An afternoon of Maren's at Anchorage (Monday to Thursday 12:30-16:00)."""
    day = rnd.choice(('11-30', '12-01', '12-02', '12-03', '12-07', '12-08', '12-09', '12-10'))
    return '2026-%sT%02d:%02d:00-09:00' % (day, rnd.choice((12, 13, 14)), rnd.choice((30, 45)))


def post_then(browser, path, form, then):
    """browser.post, but calls then() once the request is sent and before its
    answer is read: what is released then arrives after the change."""
    form = dict(form)
    form.setdefault('csrf', browser.cookies.get('knead_csrf', ''))
    c = http.client.HTTPConnection('127.0.0.1', S.port, timeout=60)
    try:
        c.request('POST', path, body=urlencode(form), headers={
            'Content-Type': 'application/x-www-form-urlencoded',
            'Cookie': '; '.join('%s=%s' % kv for kv in browser.cookies.items())})
        then()
        r = c.getresponse()
        return r.status, r.read().decode('utf-8', 'replace')
    finally:
        c.close()


def burst(seed, start_of, therapist, location, browser, path, form):
    """BOOKERS threads of EACH bookings and the change (browser posts form to
    path): in even rounds released together, in odd ones as soon as the
    change is sent (so that some changes get in first on a loaded machine).
    Returns the change's answer (status, page) and the bookings' statuses."""
    gate = threading.Barrier(BOOKERS + 1)
    sent = threading.Event()
    statuses = []
    lock = threading.Lock()
    changed = []

    def booker(i):
        rnd = random.Random(seed * 100 + i)
        gate.wait(timeout=30)
        if seed % 2:
            sent.wait(timeout=30)
        for k in range(EACH):
            st, _ = book(start_of(rnd), therapist, location,
                         'r%d-%d-%d@example.com' % (seed, i, k))
            with lock:
                statuses.append(st)

    def changer():
        gate.wait(timeout=30)
        changed.append(post_then(browser, path, form, sent.set))
    threads = [threading.Thread(target=booker, args=(i,)) for i in range(BOOKERS)]
    threads.append(threading.Thread(target=changer))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), 'a request did not answer in 120 s'
    return changed[0], statuses


class Races(unittest.TestCase):
    def check_bookings(self, statuses):
        bad = [s for s in statuses if s not in (201, 409, 422)]
        self.assertEqual(bad, [], 'bookings answered %r' % statuses)

    def test_archiving_a_location_never_leaves_a_booking_there(self):
        admin = signed_in(ADMIN, visit='/admin/locations/2')
        archived = refused = 0
        for rnd in range(ROUNDS):
            st, _, _ = admin.post('/admin/locations/2/archive', {'action': 'restore'})
            self.assertEqual(st, 303)
            S.sql("UPDATE appointments SET status = 'cancelled' WHERE status IN"
                  " ('booked', 'checked_in') AND room_id IN"
                  " (SELECT id FROM rooms WHERE location_id = 2)")
            (st, page), statuses = burst(rnd, seattle_start, 'any', 2, admin,
                                         '/admin/locations/2/archive', {'action': 'archive'})
            self.check_bookings(statuses)
            live = one(SEATTLE_LIVE)
            if st == 303:
                archived += 1
                self.assertEqual(live, 0, 'round %d: Seattle archived with %d upcoming'
                                 ' appointments (bookings answered %r)' % (rnd, live, statuses))
                self.assertNotIn(201, statuses, 'round %d' % rnd)
            else:
                self.assertEqual(st, 409, text(page)[:300])
                refused += 1
                self.assertGreater(live, 0)
                self.assertRegex(text(page), r'still has \d+ upcoming appointment')
                self.assertEqual(one('SELECT archived_at FROM locations WHERE id = 2'), 0)
        # the race ran both ways: archived while bookings were on their way,
        # and refused because one got in first
        self.assertGreater(archived, 0, 'no round archived')
        admin.post('/admin/locations/2/archive', {'action': 'restore'})

    def hours_rounds(self, path, form, what):
        desk = signed_in(DESK, visit='/staff')
        saved = 0
        for rnd in range(ROUNDS):
            self.assertEqual(desk.post('/staff/hours', dict(FULL, confirm='1'))[0], 303)
            S.sql('DELETE FROM time_off')
            S.sql("UPDATE appointments SET status = 'cancelled' WHERE therapist_id = 'maren-holt'"
                  " AND status IN ('booked', 'checked_in')")
            (st, page), statuses = burst(50 + rnd, maren_afternoon, 'maren-holt', 1, desk,
                                         path, form)
            self.check_bookings(statuses)
            live = one(MAREN_LIVE)
            if st == 303:
                saved += 1
                self.assertEqual(live, 0, 'round %d: %s saved with %d of her appointments'
                                 ' outside it (bookings answered %r)' % (rnd, what, live, statuses))
                self.assertNotIn(201, statuses, 'round %d' % rnd)
            else:
                self.assertEqual(st, 409, text(page)[:300])
                self.assertGreater(live, 0)
                self.assertIn('Race Client', text(page))  # the desk sees whom it strands
        self.assertGreater(saved, 0, 'no round saved')
        self.assertEqual(desk.post('/staff/hours', dict(FULL, confirm='1'))[0], 303)
        S.sql('DELETE FROM time_off')

    def test_the_rules_save_under_steady_bookings(self):
        """The save takes every location's lock exclusively: it waits for the
        bookings in flight, and those after it wait for it; it is never
        refused (or deadlocked) by a burst of bookings."""
        admin = signed_in(ADMIN, visit='/admin/rules')
        blank = {'min_notice_minutes': '', 'horizon_days': '', 'grid_minutes': '',
                 'late_cancel_hours': ''}
        for rnd in range(ROUNDS // 2):
            form = dict(blank, horizon_days=str(80 + rnd))
            (st, page), statuses = burst(200 + rnd, maren_afternoon, 'maren-holt', 1, admin,
                                         '/admin/rules', form)
            self.check_bookings(statuses)
            self.assertEqual(st, 303, 'round %d: %s' % (rnd, text(page)[:300]))
            self.assertEqual(one('SELECT horizon_days FROM clinic_rules'), 80 + rnd)
            S.sql("UPDATE appointments SET status = 'cancelled' WHERE therapist_id = 'maren-holt'"
                  " AND status IN ('booked', 'checked_in')")
        self.assertEqual(admin.post('/admin/rules', blank)[0], 303)

    def test_cutting_a_therapists_hours_never_strands_a_booking_unseen(self):
        self.hours_rounds('/staff/hours', MORNINGS, 'the morning hours')

    def test_time_off_never_strands_a_booking_unseen(self):
        self.hours_rounds('/staff/time-off', AFTERNOONS_OFF, 'the time off')


THERAPIST_FORM = {'name': 'Maren Holt', 'title': 'Licensed Massage Therapist',
                  'bio': 'Maren works deep tissue and Swedish massage.',
                  'photo': '/static/img/therapists/maren-holt.svg',
                  'photo_alt': 'Portrait illustration of Maren Holt', 'active': '1',
                  'service': ['deep-tissue-60', 'deep-tissue-90', 'swedish-60']}
RULES_EMPTY = {'min_notice_minutes': '', 'horizon_days': '', 'grid_minutes': '',
               'late_cancel_hours': ''}


def poll(what, seconds=30):
    """what() until true, for at most seconds; its last value."""
    end = time.monotonic() + seconds
    while True:
        got = what()
        if got or time.monotonic() > end:
            return got
        time.sleep(0.02)


class InFlight(unittest.TestCase):
    def setUp(self):
        self.admin = signed_in(ADMIN, visit='/admin')

    def tearDown(self):
        self.assertEqual(self.admin.post('/admin/rules', RULES_EMPTY)[0], 303)
        self.assertEqual(self.admin.post('/admin/therapists/maren-holt', THERAPIST_FORM)[0], 303)
        S.sql("UPDATE appointments SET status = 'cancelled' WHERE therapist_id = 'maren-holt'"
              " AND status IN ('booked', 'checked_in')")

    def in_flight(self, start, path, form):
        """One booking of Maren at start, and the change (form to path) sent
        while the booking is between its read and its commit.  Returns the
        booking's status, the change's, and whether the change answered
        while the booking was still held."""
        out = {}
        hold = None
        if PG:
            hold = PgCompat(S.db)
            hold.execute('LOCK TABLE appointments IN SHARE MODE')

        def waiting(kind):
            q = ("SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = ?"
                 " AND database = (SELECT oid FROM pg_database"
                 " WHERE datname = current_database())")  # not another suite's
            if kind == 'relation':
                q += " AND relation = 'appointments'::regclass"
            return hold.execute(q, (kind,)).fetchone()[0]

        def booker():
            out['booking'] = book(start, 'maren-holt', 1, 'inflight@example.com')[0]

        def changer():
            out['change'] = self.admin.post(path, form)
        tb = threading.Thread(target=booker)
        tc = threading.Thread(target=changer)
        try:
            tb.start()
            if hold:
                self.assertTrue(poll(lambda: waiting('relation') or 'booking' in out),
                                'the booking never reached its insert')
                self.assertNotIn('booking', out, 'the booking answered through the lock')
            else:
                tb.join(timeout=60)
            tc.start()
            early = False
            if hold:
                # the change answers (it did not wait), or waits for the booking
                poll(lambda: 'change' in out or waiting('advisory'))
                early = 'change' in out
        finally:
            if hold:
                hold.rollback()
                hold.close()
        tb.join(timeout=60)
        tc.join(timeout=60)
        self.assertFalse(tb.is_alive() or tc.is_alive(), 'a request did not answer in 60 s')
        return out['booking'], out['change'], early

    def check(self, booking, change, early, after):
        st, _, page = change
        self.assertEqual(st, 303, text(page)[:300])  # the desk's save is never refused
        self.assertIn(booking, (201, 409, 422))
        if early:  # the change was saved while the booking was still to commit
            self.assertNotEqual(booking, 201, 'a booking under the replaced set-up committed'
                                ' after the change was saved')
        # and a booking after it follows the change
        st, out = book('2026-12-01T14:00:00-09:00', 'maren-holt', 1, 'after@example.com')
        self.assertEqual(st, after, out)

    def test_tightened_rules_wait_for_a_booking_in_flight(self):
        # bookings open 3 days ahead: Monday the 30th (6 days) is too far
        self.check(*self.in_flight('2026-11-30T14:00:00-09:00', '/admin/rules',
                                   dict(RULES_EMPTY, horizon_days='3')), after=422)

    def test_deactivating_a_therapist_waits_for_her_booking_in_flight(self):
        form = {k: v for k, v in THERAPIST_FORM.items() if k != 'active'}
        self.check(*self.in_flight('2026-11-30T14:30:00-09:00', '/admin/therapists/maren-holt',
                                   form), after=422)

    def test_taking_a_service_from_a_therapist_waits_for_her_booking_in_flight(self):
        form = dict(THERAPIST_FORM, service=['swedish-60'])
        self.check(*self.in_flight('2026-11-30T15:00:00-09:00', '/admin/therapists/maren-holt',
                                   form), after=422)

    def test_taking_the_last_room_for_a_service_waits_for_a_booking_in_flight(self):
        rooms = dict(S.sql('SELECT id, name FROM rooms WHERE location_id = 1 ORDER BY id'))
        offer = {rid: [x[0] for x in S.sql('SELECT service_id FROM room_services'
                                            ' WHERE room_id = ? ORDER BY 1', rid)]
                 for rid in rooms}

        def form(rid, services):
            return {'name': rooms[rid], 'service': services}

        def restore():
            for rid in rooms:
                self.assertEqual(self.admin.post('/admin/rooms/%d' % rid,
                                                 form(rid, offer[rid]))[0], 303)
        self.addCleanup(restore)
        deep = [rid for rid in rooms if 'deep-tissue-60' in offer[rid]]
        without = {rid: [x for x in offer[rid] if x != 'deep-tissue-60'] for rid in deep}
        for rid in deep[:-1]:  # one room left for the service at Anchorage
            self.assertEqual(self.admin.post('/admin/rooms/%d' % rid, form(rid, without[rid]))[0],
                             303)
        last = deep[-1]
        self.check(*self.in_flight('2026-11-30T10:00:00-09:00', '/admin/rooms/%d' % last,
                                   form(last, without[last])), after=409)


if __name__ == '__main__':
    run_suite(globals())
