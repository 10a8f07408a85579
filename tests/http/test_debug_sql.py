"""`knead debug sql`: one statement through the store's driver, rows out as
JSON lines -- what HTTP tests use instead of opening the SQLite file, so the
same tests can run against another driver.  Values are bound, never spliced;
a write made with it is what the running server serves next; bad input
changes nothing.

usage: test_debug_sql.py PATH/TO/knead"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PG, Server, finish, pg_dialect, run_suite  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None


def setUpModule():
    global S
    S = Server(KNEAD).start()


def tearDownModule():
    finish(S)


def cli(*args):
    """The statement in the database's own dialect (PostgreSQL numbers its
    parameters $N where SQLite writes ?N); the rest as given."""
    if PG and args:
        args = (pg_dialect(args[0]),) + args[1:]
    return S.run_cli('debug', 'sql', '--db', S.db, *args)


def therapist_names():
    st, _, body = S.request('GET', '/api/v1/therapists')
    assert st == 200, st
    return sorted(t['name'] for t in json.loads(body))


class DebugSql(unittest.TestCase):
    def test_rows_come_out_as_json_lines_with_their_types(self):
        r = cli("SELECT id, position, nullif(title, title), name FROM therapists"
                " WHERE id = ?1 OR position = ?2 ORDER BY position", '["maren-holt", 999]')
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][0], 'maren-holt')
        self.assertIsInstance(rows[0][1], int)
        self.assertIsNone(rows[0][2])
        self.assertIn(rows[0][3], therapist_names())
        self.assertEqual(S.sql('SELECT count(*) FROM therapists')[0][0], len(therapist_names()))

    def test_values_are_bound_not_spliced(self):
        self.assertEqual(S.sql('SELECT count(*) FROM users WHERE email = ?', "x' OR '1'='1"),
                         [(0,)])
        self.assertEqual(S.sql('SELECT ?1 || ?2', "a'; DROP TABLE users; --", 'b'),
                         [("a'; DROP TABLE users; --b",)])
        self.assertGreater(S.sql('SELECT count(*) FROM users')[0][0], 0)

    def test_a_write_is_what_the_running_server_serves_next(self):
        before = therapist_names()
        S.sql("UPDATE therapists SET name = ?1 WHERE id = 'tomas-reyes'", 'Tomas Written-Elsewhere')
        try:
            self.assertIn('Tomas Written-Elsewhere', therapist_names())
        finally:
            S.sql("UPDATE therapists SET name = ?1 WHERE id = 'tomas-reyes'",
                  [n for n in before if n.startswith('Tom')][0])
        self.assertEqual(therapist_names(), before)

    def test_bad_input_is_refused_in_one_line_and_changes_nothing(self):
        services = S.sql('SELECT count(*) FROM services')
        cases = [
            (("UPDATE therapists SET name = 'Y'; DELETE FROM services",), 2),  # two statements
            (('SELECT 1', '{"not": "a list"}'), 2),
            (('SELECT ?1', '[1.5]'), 2),
            (('SELECT 1', '[]', 'extra'), 2),
            ((), 2),
            (('UPDATE services SET duration_min = 100000',), 1),  # a CHECK refuses it
        ]
        for args, code in cases:
            with self.subTest(args=args):
                r = cli(*args)
                self.assertEqual(r.returncode, code, r.stderr)
                ours = [line for line in r.stderr.splitlines() if line.startswith('knead debug')]
                self.assertEqual(len(ours), 1, r.stderr)
                self.assertNotIn('constraint failed', ours[0])
                self.assertEqual(r.stdout, '')
        missing = os.path.join(S.dir, 'no-such.db')
        r = S.run_cli('debug', 'sql', '--db', missing, 'SELECT 1')
        self.assertNotEqual(r.returncode, 0)
        self.assertFalse(os.path.exists(missing), 'a mistyped --db made a database')
        self.assertEqual(S.sql('SELECT count(*) FROM services'), services)
        self.assertNotIn('Y', therapist_names())
        self.assertEqual(S.sql('SELECT max(duration_min) <= 480 FROM services'), [(1,)])


def batch(lines, *extra):
    """`knead debug sql --batch` with `lines` on its standard input: lists
    [SQL, ARG...] (the SQL in the database's own dialect), or raw text;
    returns the finished process."""
    text = ''.join((line if isinstance(line, str) else
                    json.dumps([pg_dialect(line[0]) if PG else line[0], *line[1:]])) + '\n'
                   for line in lines)
    return S.run_cli('debug', 'sql', '--db', S.db, '--batch', *extra, input_text=text)


class Batch(unittest.TestCase):
    """--batch: one process, one statement a line of standard input, each
    answered by its rows and a status line."""

    def test_each_statement_answers_with_its_rows_and_a_status(self):
        r = batch([['SELECT id FROM therapists WHERE id = ?1', 'maren-holt'],
                   ['SELECT ?1 || ?2, ?3', 'a', 'b', None],
                   ['SELECT count(*) FROM therapists WHERE id = ?1', 'nobody']])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual(out, [['maren-holt'], {'status': 0}, ['ab', None], {'status': 0},
                               [0], {'status': 0}])

    def test_a_bad_line_is_answered_and_the_next_still_runs(self):
        services = S.sql('SELECT count(*) FROM services')
        r = batch(['not json', '[]', '[1, 2]', ['SELECT ?1', 1.5],
                   ["UPDATE therapists SET name = 'Y'; DELETE FROM services"],
                   ['UPDATE services SET duration_min = 100000'],
                   ['SELECT count(*) FROM services']])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual([o['status'] for o in out if isinstance(o, dict)], [2, 2, 2, 2, 2, 1, 0])
        for o in out[:-2]:
            self.assertTrue(o['error'], o)
            self.assertNotIn('constraint failed', o['error'])
        self.assertEqual(tuple(out[-2]), services[0])
        self.assertEqual(S.sql('SELECT max(duration_min) <= 480 FROM services'), [(1,)])
        self.assertNotIn('Y', therapist_names())

    def test_a_write_is_what_the_running_server_serves_next(self):
        before = therapist_names()
        r = batch([["UPDATE therapists SET name = ?1 WHERE id = 'tomas-reyes'", 'Tomas By-Batch']])
        self.assertEqual(r.returncode, 0, r.stderr)
        try:
            self.assertIn('Tomas By-Batch', therapist_names())
        finally:
            S.sql("UPDATE therapists SET name = ?1 WHERE id = 'tomas-reyes'",
                  [n for n in before if n.startswith('Tom')][0])
        self.assertEqual(therapist_names(), before)

    def test_sql_on_the_command_line_with_batch_is_refused_in_one_line(self):
        r = S.run_cli('debug', 'sql', '--db', S.db, '--batch', 'SELECT 1', input_text='')
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertEqual(r.stdout, '')

    def test_a_missing_database_is_answered_per_statement_and_never_made(self):
        missing = os.path.join(S.dir, 'no-such-batch.db')
        r = S.run_cli('debug', 'sql', '--db', missing, '--batch', input_text='["SELECT 1"]\n')
        self.assertEqual(r.returncode, 0, r.stderr)
        out = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual(len(out), 1)
        self.assertEqual(out[0]['status'], 1)
        self.assertFalse(os.path.exists(missing), 'a mistyped --db made a database')

    def test_each_statement_opens_the_database_afresh(self):
        """What Server.sql relies on: a database made (or replaced, by a
        restore) after the batch process started is what its next statement
        reads."""
        import subprocess
        path = os.path.join(S.dir, 'made-later.db')
        p = subprocess.Popen([S.knead, 'debug', 'sql', '--db', path, '--batch'], text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            p.stdin.write('["SELECT count(*) FROM therapists"]\n')
            p.stdin.flush()
            self.assertEqual(json.loads(p.stdout.readline())['status'], 1)
            r = S.run_cli('demo', '--db', path)
            self.assertEqual(r.returncode, 0, r.stderr)
            p.stdin.write('["SELECT count(*) FROM therapists"]\n')
            p.stdin.flush()
            self.assertGreater(json.loads(p.stdout.readline())[0], 0)
            self.assertEqual(json.loads(p.stdout.readline()), {'status': 0})
        finally:
            p.stdin.close()
            self.assertEqual(p.wait(timeout=60), 0)
            p.stdout.close()
            p.stderr.close()

if __name__ == '__main__':
    run_suite(globals())
