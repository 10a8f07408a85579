"""`knead demo --lived-in` against the real binary, seeded with the clock
pinned to Tuesday 2026-11-24 09:00 in Anchorage: two weeks of past and
future appointments with statuses that follow from that now, a dozen
clients with health forms, signed notes with recommendations, an active
referral, a pending insurance check and a waitlist entry; no therapist, room
or client in two places at once; the staff pages show it.  Seeding again
refuses (the database holds a clinic) and changes nothing, and so does
--force (signed notes are never deleted: seed a new file); seeded a week
later, every date moves a week.  The plain demo (what the
other suites seed) holds no appointment or client.

usage: test_demo_lived.py PATH/TO/knead"""
import datetime
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, run_suite, signed_in, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW_S = '2026-11-24T09:00:00-09:00'
NOW = 1795543200
ZONE = datetime.timezone(datetime.timedelta(hours=-9))  # Anchorage, November and December
TODAY = datetime.date(2026, 11, 24)
S = None


def setUpModule():
    global S
    S = Server(KNEAD, demo=('--lived-in', '--now', NOW_S), extra=['--now', NOW_S]).start()


def tearDownModule():
    harness.finish(S)


def sql(query, *args):
    return S.sql(query, *args)


def local_day(t):
    return datetime.datetime.fromtimestamp(t, ZONE).date()


def snapshot(server):
    return server.sql('SELECT (SELECT count(*) FROM appointments), (SELECT count(*) FROM clients),'
                      ' (SELECT count(*) FROM intakes), (SELECT count(*) FROM treatment_notes),'
                      ' (SELECT count(*) FROM waitlist_entries)')[0]


class Seeded(unittest.TestCase):
    def test_two_weeks_either_side_in_every_status(self):
        rows = sql('SELECT status, start_at, end_at FROM appointments')
        self.assertGreaterEqual(len(rows), 60)
        statuses = {r[0] for r in rows}
        self.assertTrue({'booked', 'completed', 'cancelled', 'no_show'} <= statuses, statuses)
        days = [local_day(r[1]) for r in rows]
        self.assertGreaterEqual(min(days), TODAY - datetime.timedelta(days=14))
        self.assertLessEqual(min(days), TODAY - datetime.timedelta(days=10))
        self.assertLessEqual(max(days), TODAY + datetime.timedelta(days=14))
        self.assertGreaterEqual(max(days), TODAY + datetime.timedelta(days=10))
        for status, start, end in rows:
            if status in ('completed', 'no_show'):
                self.assertLessEqual(end, NOW, (status, start))
            if status == 'booked':
                self.assertGreater(start, NOW, (status, start))
            if status == 'checked_in':
                self.assertLessEqual(start, NOW)
                self.assertGreater(end, NOW)
        self.assertGreater(sum(1 for r in rows if r[0] == 'booked'), 20)
        self.assertGreater(sum(1 for r in rows if r[0] == 'completed'), 20)
        # a cancellation ahead is never late; one in the past may be
        late = sql("SELECT count(*) FROM appointments WHERE status = 'cancelled' AND cancel_late = 1"
                   ' AND start_at > ?1', NOW)[0][0]
        self.assertEqual(late, 0)
        self.assertEqual(sql("SELECT count(*) FROM appointments WHERE status = 'cancelled'"
                             ' AND (cancelled_at IS NULL OR cancelled_at > ?1)', NOW)[0][0], 0)

    def test_nobody_in_two_places(self):
        for col in ('therapist_id', 'room_id'):
            n = sql('SELECT count(*) FROM appointments a JOIN appointments b ON a.id < b.id'
                    ' AND a.%s = b.%s AND a.start_at < b.busy_until AND b.start_at < a.busy_until'
                    " WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'" % (col, col))[0][0]
            self.assertEqual(n, 0, col)
        n = sql('SELECT count(*) FROM appointments a JOIN appointments b ON a.id < b.id'
                ' AND a.client_id = b.client_id AND a.start_at < b.end_at AND b.start_at < a.end_at')[0][0]
        self.assertEqual(n, 0)

    def test_a_dozen_clients_with_health_forms(self):
        self.assertEqual(sql('SELECT count(*) FROM clients')[0][0], 12)
        self.assertEqual(sql('SELECT count(DISTINCT client_id) FROM intakes')[0][0], 12)
        self.assertEqual(sql('SELECT count(*) FROM clients c WHERE NOT EXISTS'
                             ' (SELECT 1 FROM appointments a WHERE a.client_id = c.id)')[0][0], 0)

    def test_records_in_use(self):
        self.assertEqual(sql("SELECT count(*) FROM insurance_checks WHERE status = 'pending'")[0][0], 1)
        valid = sql('SELECT valid_until, referred_on FROM referrals')
        self.assertEqual(len(valid), 1)
        self.assertGreater(valid[0][0], TODAY.isoformat())
        self.assertLessEqual(valid[0][1], TODAY.isoformat())
        notes = sql('SELECT count(*), min(signed_at) FROM treatment_notes n JOIN appointments a'
                    " ON a.id = n.appointment_id WHERE n.signed_at IS NOT NULL AND n.next_weeks > 0"
                    " AND a.status = 'completed' AND n.signed_at <= ?1", NOW)[0]
        self.assertGreaterEqual(notes[0], 5)
        self.assertEqual(sql('SELECT count(*) FROM treatment_notes WHERE signed_at IS NULL')[0][0], 0)
        wl = sql("SELECT date_from, date_to FROM waitlist_entries WHERE status = 'active'")
        self.assertEqual(wl, [(TODAY.isoformat(), (TODAY + datetime.timedelta(days=14)).isoformat())])

    def test_the_desk_sees_a_day_in_use(self):
        desk = signed_in('desk@chugachbodywork.example', server=S)
        st, _, page = desk.get('/staff?date=2026-11-25')
        self.assertEqual(st, 200)
        names = [r[0] for r in sql('SELECT c.name FROM appointments a JOIN clients c'
                                   ' ON c.id = a.client_id WHERE a.start_at BETWEEN ?1 AND ?2'
                                   " AND a.status <> 'cancelled'", NOW + 86400 - 9 * 3600,
                                   NOW + 2 * 86400 - 9 * 3600)]
        self.assertTrue(names)
        t = text(page)
        for name in names:
            self.assertIn(name, t)
        # what availability offers still works around the booked sessions
        st, _, _ = S.request('GET', '/api/v1/availability?service=deep-tissue-60&date=2026-11-25')
        self.assertEqual(st, 200)


class SeedingAgain(unittest.TestCase):
    def test_second_run_refuses_and_changes_nothing(self):
        before = snapshot(S)
        r = S.run_cli('demo', '--lived-in', '--db', S.db)
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn('already holds a clinic', r.stderr)
        self.assertEqual(snapshot(S), before)

    def test_dates_follow_now_and_force_refuses(self):
        other = Server(KNEAD, seed=False)
        try:
            week_later = '2026-12-01T09:00:00-09:00'
            r = other.run_cli('demo', '--lived-in', '--now', week_later, '--db', other.db)
            self.assertEqual(r.returncode, 0, r.stderr)
            a = other.sql('SELECT min(start_at), max(start_at), count(*) FROM appointments')[0]
            b = sql('SELECT min(start_at), max(start_at) FROM appointments')[0]
            self.assertEqual(local_day(a[0]) - local_day(b[0]), datetime.timedelta(days=7))
            self.assertEqual(local_day(a[1]) - local_day(b[1]), datetime.timedelta(days=7))
            # signed notes are never deleted, so not even --force replaces it
            before = snapshot(other)
            r = other.run_cli('demo', '--lived-in', '--force', '--now', week_later, '--db', other.db)
            self.assertEqual(r.returncode, 1)
            self.assertIn('signed treatment notes, which are never deleted', r.stderr)
            self.assertEqual(snapshot(other), before)
        finally:
            other.cleanup()

    def test_plain_demo_is_unchanged_and_now_needs_lived_in(self):
        other = Server(KNEAD, seed=False)
        try:
            r = other.run_cli('demo', '--now', NOW_S, '--db', other.db)
            self.assertEqual(r.returncode, 2)
            self.assertIn('--lived-in', r.stderr)
            r = other.run_cli('demo', '--db', other.db)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(snapshot(other), (0, 0, 0, 0, 0))
        finally:
            other.cleanup()


if __name__ == '__main__':
    run_suite(globals())
