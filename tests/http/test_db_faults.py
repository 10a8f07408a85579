"""The database under faults: its write lock held by another process, and
the database full.  Writes answer 503 with Retry-After and words a person
understands (pages and problem+json), /healthz says "degraded" while writes
fail and "ok" once one succeeds, and reads keep working meanwhile.

The lock is held the way another program would hold it (harness.WriteLock):
BEGIN IMMEDIATE in a separate sqlite3 connection on the test's database
file; on PostgreSQL every table locked IN EXCLUSIVE MODE.  "Full" is the
server's [database] max_size_mb cap (SQLite's max_page_count), reached by
filling a scratch table from the test's connection.

usage: test_db_faults.py PATH/TO/knead"""
import json
import os
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, WriteLock, run_suite, signed_in, sqlite_only, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
MAX_MB = 1
S = None
USED = set()


def setUpModule():
    global S
    S = Server(KNEAD)
    path = os.path.join(S.dir, 'db.ini')
    with open(path, 'w') as f:
        f.write('[database]\nmax_size_mb = %d\n[smtp]\nhost =\n' % MAX_MB)
    S.extra = ['--now', NOW, '--config', path]
    S.start()


def tearDownModule():
    S.cleanup()


def api(method, path, body=None):
    h = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h['Content-Type'] = 'application/json'
    st, hdrs, out = S.request(method, path, body=data, headers=h)
    return st, hdrs, (json.loads(out) if out and 'json' in hdrs.get('content-type', '') else out)


def free_start():
    for day in ('2026-11-25', '2026-11-27', '2026-11-28', '2026-11-30', '2026-12-01'):
        st, _, v = api('GET', '/api/v1/availability?service=deep-tissue-60&date=' + day)
        assert st == 200, v
        for d in v['days']:
            for x in d['slots']:
                if x['start'] not in USED:
                    USED.add(x['start'])
                    return x['start']
    raise AssertionError('no free start left')


def book(email):
    return api('POST', '/api/v1/appointments', {
        'service': 'deep-tissue-60', 'therapist': 'any', 'start': free_start(),
        'client': {'name': 'Dana Fault', 'email': email}})


def count(sql, *args):
    con = sqlite3.connect(S.db)
    try:
        return con.execute(sql, args).fetchone()[0]
    finally:
        con.close()


def health():
    st, h, v = api('GET', '/healthz')
    return st, v


class HeldLock(unittest.TestCase):
    def setUp(self):
        self.desk = signed_in('desk@chugachbodywork.example')
        self.admin = signed_in('admin@chugachbodywork.example')
        # make the desk's session due for its last-seen touch (a write)
        con = sqlite3.connect(S.db)
        con.execute('UPDATE sessions SET last_seen_at = last_seen_at - 3600')
        con.commit()
        con.close()
        self.lock = WriteLock(S.db)

    def tearDown(self):
        self.lock.release()

    def test_reads_work_writes_answer_503_and_health_is_degraded_until_a_write_succeeds(self):
        # reads, public and staff, answer at once
        for path in ('/', '/services', '/api/v1/availability?service=deep-tissue-60&date=2026-11-25',
                     '/book'):
            t0 = time.monotonic()
            st, _, _ = S.request('GET', path)
            self.assertEqual(st, 200, path)
            self.assertLess(time.monotonic() - t0, 3, path)
        t0 = time.monotonic()
        st, _, page = self.desk.get('/staff')
        self.assertEqual(st, 200)
        self.assertLess(time.monotonic() - t0, 3, 'a staff read waited for the lock')

        before = count('SELECT count(*) FROM appointments')
        st, h, v = book('busy@example.com')
        self.assertEqual(st, 503, v)
        self.assertEqual(h['content-type'], 'application/problem+json')
        self.assertEqual(h.get('retry-after'), '5')
        self.assertEqual(v['code'], 'database_busy')
        self.assertIn('busy', v['detail'])
        self.assertIn('nothing was saved', v['detail'])
        self.assertNotIn('SQLITE', v['detail'].upper().replace('DATABASE', ''))

        st, v = health()
        self.assertEqual(st, 200)
        self.assertEqual(v['status'], 'degraded')
        self.assertIn('busy', v['database']['writes'])

        # a page's form gets a page that says the same
        st, h, page = self.admin.post('/admin/services', {
            'id': 'hot-stone-60', 'name': 'Hot stone', 'duration': '60', 'buffer': '15',
            'price': '120', 'active': '1', 'therapist': 'maren-holt', 'room': '1'})
        self.assertEqual(st, 503, page[:300])
        self.assertEqual(h.get('retry-after'), '5')
        self.assertIn('busy with another task', text(page))

        self.lock.release()
        self.assertEqual(count('SELECT count(*) FROM appointments'), before)
        st, _, v = book('after-busy@example.com')
        self.assertEqual(st, 201, v)
        st, v = health()
        self.assertEqual((st, v['status'], v['database']['writes']), (200, 'ok', 'ok'))


@sqlite_only('the [database] max_size_mb cap is a SQLite page count; a PostgreSQL server'
             ' that runs out of disk answers the same 503 (SQLSTATE class 53, drv_pg.c)')
class Full(unittest.TestCase):
    def fill(self, con):
        """Fills the database up to the server's cap, from the test's own
        connection with the same cap (PRAGMA max_page_count is per
        connection): rows in the outbox, large then ever smaller, so that no
        page keeps room for the next booking's confirmation either."""
        page = con.execute('PRAGMA page_size').fetchone()[0]
        con.execute('PRAGMA max_page_count = %d' % (MAX_MB * 1024 * 1024 // page))
        n = 0
        for size in (65536, 8192, 1024, 128, 16, 1):
            while True:
                n += 1
                try:
                    con.execute("INSERT INTO outbox (kind, dedupe_key, recipient, subject,"
                                " body_text, status, next_attempt_at, created_at, sent_at)"
                                " VALUES ('test_filler', ?, 'x@example.com', 'filler', ?,"
                                " 'sent', 0, 0, 0)", ('filler-%d' % n, 'x' * size))
                except sqlite3.OperationalError as e:
                    self.assertIn('full', str(e))
                    break
        # A booking queues its e-mail after its commit (mail/render.c), so
        # what it writes itself is small: fill the clients' last page too,
        # so that the new client's row needs a page the cap refuses.
        for size in (120, 32, 8, 1):
            while True:
                try:
                    con.execute("INSERT INTO clients (name, email, created_at)"
                                " VALUES (?, 'filler@example.com', 0)", ('f' * size,))
                except sqlite3.OperationalError as e:
                    self.assertIn('full', str(e))
                    break

    def test_a_full_database_answers_503_then_recovers(self):
        con = sqlite3.connect(S.db, isolation_level=None, timeout=10)
        try:
            self.fill(con)
            before = count('SELECT count(*) FROM appointments')
            st, h, v = book('full@example.com')
            self.assertEqual(st, 503, v)
            self.assertEqual(v['code'], 'database_full')
            self.assertIn('full', v['detail'])
            self.assertIsNotNone(h.get('retry-after'))
            self.assertEqual(count('SELECT count(*) FROM appointments'), before)
            st, v = health()
            self.assertEqual((st, v['status']), (200, 'degraded'))
            self.assertIn('full', v['database']['writes'])
            # reads still work
            self.assertEqual(S.request('GET', '/services')[0], 200)
            con.execute("DELETE FROM outbox WHERE kind = 'test_filler'")
            con.execute("DELETE FROM clients WHERE email = 'filler@example.com'")
        finally:
            con.close()
        st, _, v = book('after-full@example.com')
        self.assertEqual(st, 201, v)
        st, v = health()
        self.assertEqual(v['status'], 'ok')


if __name__ == '__main__':
    run_suite(globals())
