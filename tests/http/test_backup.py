"""knead backup --to FILE and knead restore --from FILE, and the server's
rotating backups ([backup] dir, every_hours, keep).

A backup taken while clients book holds every booking answered 201 before
it began and no booking that was not answered 201; one taken after the load
holds every 201.  A restore checks the file (integrity, schema version) and
that no server has the database open before it replaces anything.

usage: test_backup.py PATH/TO/knead"""
import json
import os
import shutil
import sqlite3
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PG, Server, run_suite, sqlite_only  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
S = None


def setUpModule():
    global S
    S = Server(KNEAD)
    path = os.path.join(S.dir, 'k.ini')
    with open(path, 'w') as f:
        f.write('[smtp]\nhost =\n[limits]\nbookings_per_hour = 0\n')
    S.extra = ['--now', NOW, '--config', path, '--quiet']
    S.start()


def tearDownModule():
    S.cleanup()


def cli(*args):
    return S.run_cli(*args)


def path(name):
    return os.path.join(S.dir, name)


def ids(db):
    con = sqlite3.connect(db)
    try:
        if not db.startswith('postgresql://'):  # SQLite's check of its file
            assert con.execute('PRAGMA integrity_check').fetchone()[0] == 'ok'
        return {r[0] for r in con.execute('SELECT id FROM appointments')}
    finally:
        con.close()


def free_starts(days):
    out = []
    for day in days:
        st, _, body = S.request('GET', '/api/v1/availability?service=deep-tissue-60&date=' + day)
        assert st == 200, body
        for d in json.loads(body)['days']:
            out += [s['start'] for s in d['slots']]
    return out


def book(start, n):
    body = json.dumps({'service': 'deep-tissue-60', 'therapist': 'any', 'start': start,
                       'client': {'name': 'Load Client', 'email': 'load%d@example.com' % n}})
    st, _, out = S.request('POST', '/api/v1/appointments', body=body.encode(),
                           headers={'Content-Type': 'application/json'})
    return st, (json.loads(out) if st == 201 else None)


@sqlite_only('copies and replaces a SQLite file; PostgreSQL: class PostgreSql')
class UnderLoad(unittest.TestCase):
    def test_a_backup_under_a_booking_load_restores_with_every_201(self):
        starts = free_starts(['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28'])
        self.assertGreater(len(starts), 20)
        before_load = ids(S.db)
        done = []  # (id, monotonic time the 201 arrived)
        lock = threading.Lock()
        todo = list(enumerate(starts))

        def worker():
            while True:
                with lock:
                    if not todo:
                        return
                    n, start = todo.pop()
                st, v = book(start, n)
                self.assertIn(st, (201, 409, 503))
                if st == 201:
                    with lock:
                        done.append((v['id'], time.monotonic()))

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(done) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        mid = path('mid.db')
        t_backup = time.monotonic()
        r = cli('backup', '--db', S.db, '--to', mid)
        for t in threads:
            t.join(timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('wrote', r.stdout)
        self.assertEqual(os.stat(mid).st_mode & 0o777, 0o600)  # health records: owner only
        got = ids(mid) - before_load
        answered = {i for i, _ in done}
        # every booking answered before the backup began is in it; nothing unanswered is
        self.assertTrue({i for i, t in done if t < t_backup} <= got)
        self.assertTrue(got <= answered)
        self.assertGreater(len(done), 5)
        # after the load: a second backup, restored into a new place, has every 201
        end = path('end.db')
        r = cli('backup', '--db', S.db, '--to', end)
        self.assertEqual(r.returncode, 0, r.stderr)
        restored = path('restored.db')
        r = cli('restore', '--db', restored, '--from', end)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(ids(restored) - before_load, answered)
        self.assertFalse([n for n in os.listdir(S.dir) if '.tmp-' in n])


@sqlite_only('copies and replaces a SQLite file; PostgreSQL: class PostgreSql')
class Backup(unittest.TestCase):
    def test_an_existing_file_is_kept_unless_force(self):
        f = path('exists.db')
        with open(f, 'w') as out:
            out.write('precious')
        r = cli('backup', '--db', S.db, '--to', f)
        self.assertEqual(r.returncode, 1)
        self.assertIn('exists', r.stderr)
        self.assertEqual(r.stderr.count('\n'), 1)
        with open(f) as inp:
            self.assertEqual(inp.read(), 'precious')
        r = cli('backup', '--db', S.db, '--to', f, '--force')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(ids(f), ids(S.db))

    def test_no_database_no_backup(self):
        r = cli('backup', '--db', path('missing.db'), '--to', path('x.db'))
        self.assertEqual(r.returncode, 1)
        self.assertIn('no database', r.stderr)
        self.assertFalse(os.path.exists(path('missing.db')))
        self.assertFalse(os.path.exists(path('x.db')))
        r = cli('backup', '--db', S.db)
        self.assertEqual(r.returncode, 2)
        self.assertIn('--to FILE', r.stderr)
        r = cli('restore', '--db', S.db, '--to', path('y.db'))
        self.assertEqual(r.returncode, 2)
        self.assertIn('option --to does not apply', r.stderr)  # named, not its value

    def test_a_backup_into_a_missing_folder_fails_cleanly(self):
        r = cli('backup', '--db', S.db, '--to', path('no/such/dir/b.db'))
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.count('\n'), 1)


@sqlite_only('copies and replaces a SQLite file; PostgreSQL: class PostgreSql')
class Restore(unittest.TestCase):
    def setUp(self):
        self.good = path('good-%s.db' % self._testMethodName)
        r = cli('backup', '--db', S.db, '--to', self.good, '--force')
        self.assertEqual(r.returncode, 0, r.stderr)
        # a stopped clinic's database, to restore into
        self.target = path('target-%s.db' % self._testMethodName)
        shutil.copy(self.good, self.target)
        con = sqlite3.connect(self.target)
        con.execute('PRAGMA user_version = 77')  # marks the file being replaced
        con.commit()
        con.close()
        with open(self.target, 'rb') as f:
            self.before = f.read()

    def unchanged(self):
        with open(self.target, 'rb') as f:
            self.assertEqual(f.read(), self.before)

    def refused(self, src, words):
        r = cli('restore', '--db', self.target, '--from', src)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn(words, r.stderr)
        self.assertIn('nothing was changed', r.stderr)
        self.assertEqual(r.stderr.count('\n'), 1)
        self.unchanged()

    def test_a_good_backup_replaces_the_database(self):
        r = cli('restore', '--db', self.target, '--from', self.good)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(ids(self.target), ids(self.good))
        con = sqlite3.connect(self.target)
        mark = con.execute('PRAGMA user_version').fetchone()[0]
        con.close()
        self.assertEqual(mark, 0)  # the backup's file, not the one it replaced

    def test_a_corrupt_file_is_refused(self):
        bad = path('corrupt.db')
        data = bytearray(open(self.good, 'rb').read())
        for i in range(4096 * 2, len(data), 4096):  # every page's header after the first two
            data[i:i + 8] = b'\xff' * 8
        open(bad, 'wb').write(bytes(data))
        r = cli('restore', '--db', self.target, '--from', bad)
        self.assertEqual(r.returncode, 1)
        self.unchanged()

    def test_not_sqlite_and_not_knead_are_refused(self):
        junk = path('junk.db')
        with open(junk, 'wb') as f:
            f.write(b'hello, this is not a database' * 200)
        self.refused(junk, 'not a SQLite database')
        other = path('other.db')
        con = sqlite3.connect(other)
        con.execute('CREATE TABLE t (x)')
        con.commit()
        con.close()
        self.refused(other, 'no Knead schema')
        self.refused(path('absent.db'), 'absent.db')

    def test_a_newer_schema_is_refused(self):
        newer = path('newer.db')
        shutil.copy(self.good, newer)
        con = sqlite3.connect(newer)
        con.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (9999, 'future', 0)")
        con.commit()
        con.close()
        self.refused(newer, 'newer than this knead')

    def test_a_database_a_server_has_open_is_not_replaced(self):
        before = ids(S.db)
        with open(S.db, 'rb') as f:
            head = f.read(100)
        r = cli('restore', '--db', S.db, '--from', self.good)
        self.assertEqual(r.returncode, 1)
        self.assertIn('open in another process', r.stderr)
        self.assertEqual(ids(S.db), before)
        with open(S.db, 'rb') as f:
            self.assertEqual(f.read(100), head)
        self.assertEqual(S.request('GET', '/healthz')[0], 200)


@sqlite_only('copies and replaces a SQLite file; PostgreSQL: class PostgreSql')
class Rotation(unittest.TestCase):
    def test_serve_backs_up_at_start_and_keeps_the_newest(self):
        s = Server(KNEAD)
        try:
            bdir = os.path.join(s.dir, 'backups')
            os.mkdir(bdir)
            old = ['knead-20200101T000000Z.db', 'knead-20200102T000000Z.db',
                   'knead-20200103T000000Z.db']
            for n in old + ['notes.txt']:
                with open(os.path.join(bdir, n), 'w') as f:
                    f.write('old')
            cfg = os.path.join(s.dir, 'k.ini')
            with open(cfg, 'w') as f:
                f.write('[smtp]\nhost =\n[backup]\ndir = %s\nevery_hours = 24\nkeep = 2\n' % bdir)
            s.extra = ['--now', NOW, '--config', cfg]
            s.start()
            deadline = time.monotonic() + 30
            names = []
            while time.monotonic() < deadline:
                names = sorted(n for n in os.listdir(bdir) if n.startswith('knead-'))
                if names and names[0] != old[0] and 'deleted' in s.log():
                    break
                time.sleep(0.05)
            self.assertEqual(len(names), 2, names)
            self.assertEqual(names[0], old[2])
            self.assertTrue(names[1] > old[2])
            self.assertIn('notes.txt', os.listdir(bdir))  # not ours: untouched
            self.assertEqual(ids(os.path.join(bdir, names[1])), ids(s.db))
        finally:
            s.cleanup()

    def test_a_backup_dir_that_is_not_there_stops_the_start(self):
        s = Server(KNEAD)
        try:
            cfg = os.path.join(s.dir, 'k.ini')
            with open(cfg, 'w') as f:
                f.write('[backup]\ndir = %s\n' % os.path.join(s.dir, 'nope'))
            s.run_cli('demo', '--db', s.db)
            r = s.run_cli('serve', '--db', s.db, '--listen', '127.0.0.1:0', '--config', cfg)
            self.assertEqual(r.returncode, 1)
            self.assertIn('[backup] dir', r.stderr)
        finally:
            s.cleanup()


@unittest.skipUnless(PG, 'PostgreSQL only: its backups are the cluster\'s own tools')
class PostgreSql(unittest.TestCase):
    """On a PostgreSQL database knead backup, knead restore and [backup] dir
    say in one line to use the cluster's own tools, and touch nothing."""

    def test_backup_points_at_pg_dump_and_writes_nothing(self):
        f = path('pg-backup.db')
        r = cli('backup', '--db', S.db, '--to', f)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertEqual(r.stderr.count('\n'), 1, r.stderr)
        self.assertIn('pg_dump', r.stderr)
        self.assertFalse(os.path.exists(f))
        with open(f, 'w') as out:
            out.write('precious')
        r = cli('backup', '--db', S.db, '--to', f, '--force')
        self.assertEqual(r.returncode, 1, r.stdout)
        with open(f) as inp:
            self.assertEqual(inp.read(), 'precious')
        os.remove(f)

    def test_restore_points_at_pg_restore_and_changes_nothing(self):
        good = path('pg-good.db')  # a real SQLite backup of a demo clinic
        r = S.run_cli('demo', '--db', good)
        self.assertEqual(r.returncode, 0, r.stderr)
        before = ids(S.db)
        count = S.sql('SELECT count(*) FROM clients')
        r = cli('restore', '--db', S.db, '--from', good)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertEqual(r.stderr.count('\n'), 1, r.stderr)
        self.assertIn('pg_restore', r.stderr)
        self.assertIn('nothing was changed', r.stderr)
        self.assertNotIn('beside', r.stderr)
        self.assertEqual(ids(S.db), before)
        self.assertEqual(S.sql('SELECT count(*) FROM clients'), count)
        self.assertEqual(S.request('GET', '/healthz')[0], 200)

    def test_serve_with_a_backup_dir_does_not_start(self):
        s = Server(KNEAD)
        try:
            bdir = os.path.join(s.dir, 'backups')
            os.mkdir(bdir)
            cfg = os.path.join(s.dir, 'k.ini')
            with open(cfg, 'w') as f:
                f.write('[smtp]\nhost =\n[backup]\ndir = %s\n' % bdir)
            r = s.run_cli('demo', '--db', s.db)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = s.run_cli('serve', '--db', s.db, '--listen', '127.0.0.1:0', '--config', cfg)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertEqual(r.stderr.count('\n'), 1, r.stderr)
            self.assertIn('[backup] dir', r.stderr)
            self.assertIn('pg_dump', r.stderr)
            self.assertEqual(os.listdir(bdir), [])
        finally:
            s.cleanup()


if __name__ == '__main__':
    run_suite(globals())
