"""knead copy: a clinic from its SQLite file into PostgreSQL (issue 10 §3).
Needs a PostgreSQL cluster (KNEAD_TEST_PG, tests/pg/cluster.sh): without one
every test is skipped.

usage: test_copy.py PATH/TO/knead"""
import json
import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PG, Server, pg_create_database, pg_drop_database, run_suite  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'


def book(server, start, email):
    body = json.dumps({'service': 'deep-tissue-60', 'therapist': 'maren-holt', 'start': start,
                       'client': {'name': 'Ana Lee', 'email': email, 'phone': '907 555 0100'}})
    st, _, out = server.request('POST', '/api/v1/appointments', body=body.encode(),
                                headers={'Content-Type': 'application/json'})
    return st, json.loads(out)


@unittest.skipUnless(PG, 'needs a PostgreSQL cluster (KNEAD_TEST_PG)')
class Copy(unittest.TestCase):
    def setUp(self):
        self.dir_server = Server(KNEAD, seed=False)
        self.src = os.path.join(self.dir_server.dir, 'clinic.db')
        r = self.dir_server.run_cli('demo', '--db', self.src)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.to = pg_create_database()

    def tearDown(self):
        pg_drop_database(self.to)
        self.dir_server.cleanup()

    def copy(self, *args):
        return self.dir_server.run_cli('copy', *args)

    def test_a_clinic_moves_and_keeps_its_bookings_and_numbers(self):
        s = Server(KNEAD, db=self.src, extra=['--now', NOW]).start()
        try:
            st, first = book(s, '2026-12-01T10:00:00-09:00', 'ana@example.com')
            self.assertEqual(st, 201, first)
            # a merged-away client's number is never given again (sqlite_sequence)
            s.sql("INSERT INTO clients (name, email, phone, created_at) VALUES ('Gone', 'g@example.com', '', 1)")
            s.sql("DELETE FROM clients WHERE email = 'g@example.com'")
        finally:
            s.stop()
        r = self.copy('--from', self.src, '--to', self.to)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('every table', r.stdout)
        lines = {ln.split()[0]: ln for ln in r.stdout.splitlines() if ln.endswith('ok')}
        self.assertIn('appointments', lines)
        self.assertRegex(lines['appointments'], r'\s1 rows\s+checksum [0-9a-f]{16}\s+ok')
        self.assertIn('audit_log', lines)
        p = Server(KNEAD, db=self.to, extra=['--now', NOW]).start()
        try:
            tok = first['manage_url'].rsplit('/', 1)[1]
            st, _, got = p.request('GET', '/api/v1/appointments/%d' % first['id'],
                                   headers={'Authorization': 'Bearer ' + tok})
            self.assertEqual(st, 200)
            got = json.loads(got)
            self.assertEqual((got['start'], got['status']), (first['start'], 'booked'))
            # the slot stays taken; new numbers continue after the old ones
            self.assertEqual(book(p, '2026-12-01T10:00:00-09:00', 'bo@example.com')[0], 409)
            st, second = book(p, '2026-12-01T13:00:00-09:00', 'cy@example.com')
            self.assertEqual(st, 201, second)
            self.assertGreater(second['id'], first['id'])
            clients = p.sql('SELECT max(id) FROM clients')[0][0]
            self.assertEqual(clients, 3)  # 1 Ana, 2 the removed one, 3 Cy
        finally:
            p.stop()

    def test_a_target_with_a_clinic_is_refused_and_left_alone(self):
        r = self.copy('--from', self.src, '--to', self.to)
        self.assertEqual(r.returncode, 0, r.stderr)
        p = Server(KNEAD, db=self.to)
        before = p.sql('SELECT count(*) FROM users')[0][0]
        r = self.copy('--from', self.src, '--to', self.to)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr.strip().splitlines()[-1],
                         r'^knead copy: the target is not empty \(\w+ has \d+ rows\)')
        self.assertEqual(p.sql('SELECT count(*) FROM users')[0][0], before)

    def test_what_it_refuses_to_start(self):
        for args, want in ((['--from', self.src], '--to'),
                           (['--to', self.to], '--from'),
                           (['--from', self.src, '--to', self.src], 'PostgreSQL URL'),
                           (['--from', '/nonexistent.db', '--to', self.to], 'readable SQLite')):
            r = self.copy(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(want, r.stderr)
        # a file that is not this knead's schema: nothing copied
        old = os.path.join(self.dir_server.dir, 'old.db')
        r = self.dir_server.run_cli('migrate', '--db', old)
        self.assertEqual(r.returncode, 0)
        s = Server(KNEAD, db=old)
        s.sql('DELETE FROM schema_version WHERE version = (SELECT max(version) FROM schema_version)')
        r = self.copy('--from', old, '--to', self.to)
        self.assertEqual(r.returncode, 1)
        self.assertIn('run knead migrate', r.stderr)
        con = sqlite3.connect(self.to)  # the harness's PostgreSQL connection
        try:
            self.assertEqual(con.execute(
                "SELECT count(*) FROM pg_tables WHERE tablename = 'services'").fetchone()[0], 0)
        finally:
            con.close()


class Unreachable(unittest.TestCase):
    """A PostgreSQL URL whose server does not answer: one line that says what
    to check, exit 1, and never the URL's password."""

    def test_no_server_at_the_url(self):
        s = Server(KNEAD, seed=False)
        try:
            url = 'postgresql://knead:s3cret@127.0.0.1:1/knead?connect_timeout=3'
            for args in (['migrate', '--db', url], ['serve', '--db', url, '--listen', '127.0.0.1:0'],
                         ['demo', '--db', url]):
                r = s.run_cli(*args)
                self.assertEqual(r.returncode, 1, args)
                last = r.stderr.strip().splitlines()[-1]
                self.assertIn('cannot connect to the PostgreSQL server (check that it runs', last)
                self.assertNotIn('s3cret', r.stderr)
        finally:
            s.cleanup()


if __name__ == '__main__':
    run_suite(globals())
