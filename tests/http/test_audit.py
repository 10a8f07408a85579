"""The health-record audit log on /admin/audit, against the real server:
only an admin may read it, it filters by record and client and pages back
through older entries, a bad filter is a 400, and the store refuses every
attempt to change or delete an entry — even straight through SQL.

The features that write entries (intake, insurance, referrals, notes) test
their own entries; here rows are added the way the server adds them, one
INSERT each, so the page and the log's rules are tested on their own.

usage: test_audit.py PATH/TO/knead"""
import os
import re
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None
ADMIN = 'admin@chugachbodywork.example'
DESK = 'desk@chugachbodywork.example'
T0 = 1795000000


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', '2026-11-24T09:00:00-09:00']).start()
    con = sqlite3.connect(S.db)
    try:
        rows = []
        for i in range(150):
            record = ('intake', 'insurance', 'referral', 'note')[i % 4]
            rows.append((T0 + i, 7, 'desk@chugachbodywork.example', 'desk',
                         'read' if i % 2 else 'update', record, 1000 + i, 40 + i % 3, '127.0.0.1'))
        con.executemany('INSERT INTO audit_log (at, user_id, actor, role, action, record,'
                        ' record_id, client_id, address) VALUES (?,?,?,?,?,?,?,?,?)', rows)
        con.commit()
    finally:
        con.close()


def tearDownModule():
    S.cleanup()


def record_ids(page):
    """The record numbers in the table, in the order shown."""
    return [int(n) for n in re.findall(r'<td>(?:intake|insurance|referral|note) #(\d+)</td>', page)]


class AuditPage(unittest.TestCase):
    def setUp(self):
        harness.clear_failures(S)
        self.admin = harness.signed_in(ADMIN, server=S)

    def test_newest_first_and_older_page(self):
        st, _, page = self.admin.get('/admin/audit')
        self.assertEqual(st, 200, page[:300])
        ids = record_ids(page)
        self.assertEqual(ids, list(range(1149, 1049, -1)))
        m = re.search(r'href="(/admin/audit\?before=\d+)"', page)
        self.assertIsNotNone(m, 'a link to older entries')
        st, _, older = self.admin.get(m.group(1))
        self.assertEqual(st, 200)
        self.assertEqual(record_ids(older), list(range(1049, 999, -1)))
        self.assertNotIn('Older entries', older)

    def test_filters_by_record_and_client(self):
        st, _, page = self.admin.get('/admin/audit?record=note&client=41')
        self.assertEqual(st, 200)
        ids = record_ids(page)
        want = [1000 + i for i in range(149, -1, -1) if i % 4 == 3 and 40 + i % 3 == 41]
        self.assertEqual(ids, want)
        self.assertIn('Show everything', page)
        self.assertIn('desk@chugachbodywork.example', text(page))

    def test_filter_with_no_match_says_so(self):
        st, _, page = self.admin.get('/admin/audit?client=999')
        self.assertEqual(st, 200)
        self.assertIn('No entries match this filter yet.', text(page))

    def test_bad_filter_is_400(self):
        for q in ('record=everything', 'client=abc', 'before=-1', 'client=99999999999999999999'):
            st, _, page = self.admin.get('/admin/audit?' + q)
            self.assertEqual(st, 400, q)
            self.assertIn('The filter is not valid', text(page))

    def test_only_admin(self):
        desk = harness.signed_in(DESK, server=S)
        self.assertEqual(desk.get('/admin/audit')[0], 403)
        st, hs, _ = Browser(S).get('/admin/audit')
        self.assertEqual(st, 303)
        self.assertIn('/login', hs['location'])


class AuditLogIsAppendOnly(unittest.TestCase):
    def test_update_and_delete_refused(self):
        con = sqlite3.connect(S.db)
        try:
            before = con.execute('SELECT count(*), max(id) FROM audit_log').fetchone()
            with self.assertRaisesRegex(sqlite3.DatabaseError, 'cannot be changed'):
                con.execute("UPDATE audit_log SET actor = 'someone else' WHERE id = ?", (before[1],))
            with self.assertRaisesRegex(sqlite3.DatabaseError, 'cannot be changed'):
                con.execute('DELETE FROM audit_log')
            con.rollback()
            self.assertEqual(con.execute('SELECT count(*), max(id) FROM audit_log').fetchone(), before)
            self.assertEqual(con.execute('SELECT actor FROM audit_log WHERE id = ?',
                                         (before[1],)).fetchone()[0], 'desk@chugachbodywork.example')
        finally:
            con.close()

    def test_demo_reseed_keeps_the_log(self):
        """`knead demo --force` replaces the clinic but not its audit trail."""
        import subprocess
        copy = os.path.join(S.dir, 'reseed.db')
        src = sqlite3.connect(S.db)
        dst = sqlite3.connect(copy)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        p = subprocess.run([KNEAD, 'demo', '--force', '--db', copy], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        con = sqlite3.connect(copy)
        try:
            self.assertGreaterEqual(con.execute('SELECT count(*) FROM audit_log').fetchone()[0], 150)
            self.assertEqual(con.execute('SELECT count(*) FROM therapists').fetchone()[0], 4)
        finally:
            con.close()
        os.remove(copy)


if __name__ == '__main__':
    run_suite(globals())
