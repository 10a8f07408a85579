"""Locations, the gaps (issue 10 §4) against the real server: the waitlist
per location, booking rules per location, archiving a location.  The demo
with a second location (`knead demo --locations 2`: Seattle, Pacific time,
where Dev works on Mondays 9 to 5 and nowhere else on Mondays), the clock
pinned to Tuesday 2026-11-24 09:00 in Anchorage.

usage: test_location_gaps.py PATH/TO/knead"""
import csv
import io
import json
import os
import re
import sys
import time
import unittest
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Browser, Server, run_suite, signed_in, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
S = None
ADMIN = 'admin@chugachbodywork.example'
DESK = 'desk@chugachbodywork.example'
THERAPIST = 'maren@chugachbodywork.example'
DEADLINE = 30.0


def setUpModule():
    global S
    S = Server(KNEAD, demo=('--locations', '2'))
    S.extra = ['--now', NOW]
    S.start()


def tearDownModule():
    S.cleanup()


def api(method, path, body=None, headers=None):
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h['Content-Type'] = 'application/json'
    status, hdrs, out = S.request(method, path, body=data, headers=h)
    parsed = json.loads(out) if out and 'json' in hdrs.get('content-type', '') else out
    return status, parsed


def count(sql, *args):
    return S.sql(sql, *args)[0][0]


def epoch(iso):
    return int(datetime.fromisoformat(iso).timestamp())


def book(start, location, therapist='dev-okafor', email='sea@example.com', name='Sea Client'):
    return api('POST', '/api/v1/appointments', {
        'service': 'deep-tissue-60', 'therapist': therapist, 'start': start,
        'location': location, 'client': {'name': name, 'email': email,
                                         'phone': '206 555 0100'}})


def booked(start, location, **kw):
    st, ap = book(start, location, **kw)
    assert st == 201, (st, ap)
    return ap


def bearer(ap):
    return {'Authorization': 'Bearer ' + ap['manage_url'].rsplit('/', 1)[1]}


def cancel(ap):
    st, out = api('DELETE', '/api/v1/appointments/%d' % ap['id'], headers=bearer(ap))
    assert st == 200, (st, out)
    return out


def slots(location, date, therapist=None):
    q = '/api/v1/availability?service=deep-tissue-60&date=%s&location=%s' % (date, location)
    if therapist:
        q += '&therapist=' + therapist
    st, body = api('GET', q)
    assert st == 200, (st, body)
    return [s['start'] for s in body['days'][0]['slots']]


def join(email, location, therapist='dev-okafor', date='2026-11-30', window=('09:30', '11:30'),
         days=(1,)):
    b = Browser()
    b.get('/waitlist')
    form = {'service': 'deep-tissue-60', 'therapist': therapist, 'date_from': date,
            'date_to': date, 'days': [str(d) for d in days], 'time_from': window[0],
            'time_to': window[1], 'name': 'Wait Person', 'email': email, 'phone': ''}
    if location is not None:
        form['location'] = location
    return b.post('/waitlist', form)


def offers_of(email):
    return S.sql('SELECT o.start, o.status FROM waitlist_offers o JOIN waitlist_entries e'
                 ' ON e.id = o.entry_id WHERE e.email = ?1', email)


def wait_for(what, fn):
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        got = fn()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError('timed out waiting for ' + what + '\n' + S.log()[-3000:])


ONCE = re.compile(r'name="once" value="([A-Za-z0-9_-]{22})"')
TODAY_10 = epoch('2026-11-24T10:00:00-09:00')  # 11:00 in Seattle, the same day


def visit(name, email, location, therapist, start=TODAY_10):
    """A checked-in visit today at location, written straight into the store."""
    S.sql("INSERT INTO clients (name, email, phone, created_at) VALUES (?1, ?2, '', 0)",
          name, email)
    cid = count('SELECT max(id) FROM clients')
    S.sql("INSERT INTO appointments (service_id, therapist_id, room_id, client_id, start_at,"
          " end_at, busy_until, status, token_hash, source, created_at)"
          " VALUES ('deep-tissue-60', ?1, (SELECT min(id) FROM rooms WHERE location_id = ?2),"
          " ?3, ?4, ?5, ?5, 'checked_in', randomblob(32), 'staff', 0)",
          therapist, location, cid, start, start + 3600)
    return cid, count('SELECT max(id) FROM appointments')


def checkout_cash(b, aid):
    """Issues the visit's invoice and pays it whole in cash; returns (invoice, cents)."""
    _, _, page = b.get('/staff/appointments/%d/checkout' % aid)
    st, _, page = b.post('/staff/appointments/%d/checkout' % aid, {
        'once': ONCE.findall(page)[0], 'action': 'issue', 'discount_kind': 'none'})
    assert st == 303, (st, text(page)[:600])
    inv, total = S.sql('SELECT id, total_cents FROM invoices WHERE appointment_id = ?1', aid)[0]
    _, _, page = b.get('/staff/appointments/%d/checkout' % aid)
    st, _, page = b.post('/staff/invoices/%d/payments' % inv, {
        'once': ONCE.findall(page)[0], 'method': 'cash', 'reference': '',
        'tendered': '%d.%02d' % (total // 100, total % 100)})
    assert st == 303, (st, text(page)[:600])
    return inv, total


def dollars(cents):
    return '$%d.%02d' % (cents // 100, cents % 100)


class Money(unittest.TestCase):
    """Receipts, the superbill and the close-out use the visit's location."""

    @classmethod
    def setUpClass(cls):
        cls.desk = signed_in(DESK)
        cls.sea_client, cls.sea = visit('Sea Payer', 'seapay@example.com', 2, 'lena-kusugak')
        cls.anc_client, cls.anc = visit('Anc Payer', 'ancpay@example.com', 1, 'maren-holt')
        cls.sea_inv, cls.sea_cents = checkout_cash(cls.desk, cls.sea)
        cls.anc_inv, cls.anc_cents = checkout_cash(cls.desk, cls.anc)

    def test_the_checkout_and_receipt_carry_the_visits_place_and_zone(self):
        st, _, page = self.desk.get('/staff/appointments/%d/checkout' % self.sea)
        self.assertIn('11:00 AM', text(page))  # 10:00 in Anchorage
        st, _, page = self.desk.get('/staff/invoices/%d' % self.sea_inv)
        self.assertEqual(st, 200)
        self.assertIn('1515 12th Avenue, Seattle', page)
        self.assertNotIn('Fireweed', page)
        st, _, page = self.desk.get('/staff/invoices/%d' % self.anc_inv)
        self.assertIn('Fireweed', page)
        self.assertNotIn('1515 12th Avenue', page)

    def test_the_superbill_names_the_place_of_service(self):
        st, _, page = self.desk.get('/staff/clients/%d/superbill?from=2026-11-01&to=2026-11-30'
                                    % self.sea_client)
        self.assertEqual(st, 200)
        self.assertIn('1515 12th Avenue, Seattle', page)
        self.assertNotIn('Fireweed', page)

    def test_the_closeout_per_location(self):
        def net(query):
            st, _, page = self.desk.get('/staff/closeout?date=2026-11-24' + query)
            self.assertEqual(st, 200, query)
            return re.search(r'id="takings-net">([^<]*)<', page).group(1), page
        every = count("SELECT coalesce(sum(amount_cents), 0) FROM payments"
                      " WHERE status = 'completed'")
        self.assertEqual(net('')[0], dollars(every))  # the whole clinic, as before
        got, page = net('&location=2')
        self.assertEqual(got, dollars(self.sea_cents))
        self.assertIn('Close-out, Tuesday, November 24, 2026: Seattle', text(page))
        self.assertIn('<option value="2" selected>Seattle</option>', page)
        self.assertEqual(net('&location=1')[0], dollars(every - self.sea_cents))
        # Seattle's drawer is counted on its own
        st, h, _ = self.desk.post('/staff/closeout', {
            'date': '2026-11-24', 'location': '2', 'float': '50',
            'counted': '%d.%02d' % ((5000 + self.sea_cents) // 100, self.sea_cents % 100)})
        self.assertEqual(st, 303)
        self.assertEqual(h['location'], '/staff/closeout?date=2026-11-24&location=2&counted=1')
        self.assertEqual(S.sql('SELECT location_id, expected_cents FROM closeouts'),
                         [(2, 5000 + self.sea_cents)])
        self.assertIn('none: the drawer is right', text(net('&location=2')[1]))
        self.assertIn('Not counted yet', text(net('')[1]))
        self.assertIn('Not counted yet', text(net('&location=1')[1]))

    def test_a_bad_location_is_refused(self):
        self.assertEqual(self.desk.get('/staff/closeout?location=99')[0], 404)
        self.assertEqual(self.desk.get('/staff/closeout?location=x')[0], 400)
        n = count('SELECT count(*) FROM closeouts')
        st, _, _ = self.desk.post('/staff/closeout', {'date': '2026-11-24', 'location': '99',
                                                      'float': '0', 'counted': '0'})
        self.assertEqual(st, 404)
        self.assertEqual(count('SELECT count(*) FROM closeouts'), n)


def summary(b, report, query):
    """{name: this period} of a report's summary, from its CSV; and the headers."""
    st, h, body = b.get('/admin/reports/%s?from=2026-11-24&to=2026-11-24%s&format=csv'
                        % (report, query))
    assert st == 200, (st, body[:300])
    rows = list(csv.reader(io.StringIO(body, newline='')))
    return {r[1]: r[3] for r in rows[1:] if r[0] == 'summary'}, h


class Reports(unittest.TestCase):
    """/admin/reports/*?location=: one location's figures, in its zone; all
    locations by default."""

    def test_attendance_and_revenue_per_location(self):
        admin = signed_in(ADMIN)
        desk = signed_in(DESK)
        _, aid = visit('Rep Sea', 'repsea@example.com', 2, 'lena-kusugak', TODAY_10 + 7200)
        inv, cents = checkout_cash(desk, aid)

        def appts(lo, loc=None):
            q = ('SELECT count(*) FROM appointments a JOIN rooms r ON r.id = a.room_id'
                 ' WHERE a.start_at >= ?1 AND a.start_at < ?2')
            if loc:
                return count(q + ' AND r.location_id = ?3', lo, lo + 86400, loc)
            return count(q, lo, lo + 86400)
        sea_day = epoch('2026-11-24T00:00:00-08:00')
        anc_day = epoch('2026-11-24T00:00:00-09:00')
        every, h = summary(admin, 'attendance', '')
        self.assertEqual(every['Appointments'], str(appts(anc_day)))
        self.assertIn('attendance-2026-11-24-to-2026-11-24.csv', h['content-disposition'])
        sea, h = summary(admin, 'attendance', '&location=2')
        self.assertEqual(sea['Appointments'], str(appts(sea_day, 2)))
        self.assertIn('attendance-location-2-2026-11-24', h['content-disposition'])
        anc, _ = summary(admin, 'attendance', '&location=1')
        self.assertEqual(anc['Appointments'], str(appts(anc_day, 1)))
        self.assertGreater(int(sea['Appointments']), 0)
        # the money: Seattle's invoices are Seattle's alone
        issued = count('SELECT count(*) FROM invoices WHERE appointment_id IN (SELECT a.id'
                       ' FROM appointments a JOIN rooms r ON r.id = a.room_id'
                       ' WHERE r.location_id = 2)')
        sea, _ = summary(admin, 'revenue', '&location=2')
        self.assertEqual(sea['Invoices issued'], str(issued))
        anc, _ = summary(admin, 'revenue', '&location=1')
        every, _ = summary(admin, 'revenue', '')
        self.assertEqual(int(anc['Invoices issued']) + issued, int(every['Invoices issued']))
        # the page offers the switch and says which
        st, _, page = admin.get('/admin/reports/attendance?from=2026-11-24&to=2026-11-24'
                                '&location=2')
        self.assertEqual(st, 200)
        self.assertIn('<option value="2" selected>Seattle</option>', page)
        self.assertIn('location=2&amp;format=csv', page)

    def test_hours_to_book_at_each_location_and_all_of_them(self):
        admin = signed_in(ADMIN)

        def hours(query):
            st, h, body = admin.get('/admin/reports/utilisation?from=2026-11-30&to=2026-11-30'
                                    '%s&format=csv' % query)
            self.assertEqual(st, 200, body[:300])
            rows = list(csv.reader(io.StringIO(body, newline='')))
            return float({r[1]: r[3] for r in rows[1:] if r[0] == 'summary'}['Hours to book'])
        sea, anc, every = hours('&location=2'), hours('&location=1'), hours('')
        self.assertEqual(sea, 7.5)  # Dev in Seattle on Mondays, 9 to 5 less lunch
        self.assertGreater(anc, 0)
        self.assertAlmostEqual(every, anc + sea, delta=0.11)

    def test_a_therapist_sees_no_locations_money_or_figures(self):
        b = signed_in(THERAPIST)
        for path in ('/staff/closeout?location=2', '/admin/reports/attendance?location=2',
                     '/admin/reports/revenue?location=1&format=csv',
                     '/staff/invoices/1'):
            st, _, body = b.get(path)
            self.assertIn(st, (403, 404), path)
            self.assertNotIn('Sea Payer', body)
            self.assertNotIn('takings', body)
        # the desk keeps the day's money, not the admin's reports
        self.assertIn(signed_in(DESK).get('/admin/reports/attendance?location=2')[0], (403, 404))

    def test_a_bad_location_is_refused(self):
        admin = signed_in(ADMIN)
        st, _, body = admin.get('/admin/reports/attendance?location=99')
        self.assertEqual(st, 404)
        self.assertIn('no location 99', body)
        self.assertEqual(admin.get('/admin/reports/revenue?location=x&format=csv')[0], 400)


class Waitlist(unittest.TestCase):
    """An entry names its location or any; an offer is made only of a time
    freed where the entry waits, its window read in that location's zone."""

    def test_the_form_asks_where(self):
        st, _, page = Browser().get('/waitlist')
        self.assertEqual(st, 200)
        self.assertIn('<option value="any" selected>Any location</option>', page)
        self.assertIn('<option value="2">Seattle</option>', page)

    def test_an_offer_only_where_the_entry_waits_in_that_zone(self):
        for email, loc, th in (('w-sea@example.com', '2', 'dev-okafor'),
                               ('w-any@example.com', 'any', 'dev-okafor'),
                               ('w-anc@example.com', '1', 'any')):
            st, h, page = join(email, loc, therapist=th)
            self.assertEqual(st, 303, text(page)[:600])
        self.assertEqual(S.sql("SELECT email, coalesce(location_id, 0) FROM waitlist_entries"
                               " WHERE email LIKE 'w-%' ORDER BY id"),
                         [('w-sea@example.com', 2), ('w-any@example.com', 0),
                          ('w-anc@example.com', 1)])
        # the entry's page names where it waits
        b = Browser()
        _, h, _ = join('w-page@example.com', '2')
        st, _, page = b.get(h['location'])
        self.assertIn('Seattle', text(page))
        # Dev in Seattle at 10:00 Pacific: 09:00 in Anchorage, outside a
        # 09:30-11:30 window read in Anchorage's zone, inside it in Seattle's
        ap = booked('2026-11-30T10:00:00-08:00', 2)
        cancel(ap)
        start = epoch('2026-11-30T10:00:00-08:00')
        for who in ('w-sea', 'w-any', 'w-page'):
            got = wait_for('the offer to ' + who, lambda: offers_of(who + '@example.com'))
            self.assertEqual(got, [(start, 'open')], who)
        self.assertEqual(offers_of('w-anc@example.com'), [])  # it waits in Anchorage
        # the desk's list says where each waits
        st, _, page = signed_in(DESK).get('/staff/waitlist')
        self.assertEqual(st, 200)
        self.assertIn('Deep Tissue', page)
        self.assertIn(' at Seattle', page)

    def test_a_bad_or_unknown_location_is_named_and_stores_nothing(self):
        n = count('SELECT count(*) FROM waitlist_entries')
        for loc, word in (('99', 'no such location'), ('abc', 'Choose a location'),
                          ('-1', 'Choose a location')):
            st, _, page = join('w-bad@example.com', loc)
            self.assertEqual(st, 422, loc)
            self.assertIn(word, text(page))
            self.assertIn('aria-describedby="location-error"', page)
        # Dev does not work in Anchorage on Mondays: the form says when he does
        st, _, page = join('w-bad@example.com', '1')
        self.assertEqual(st, 422)
        self.assertIn('Dev Okafor works', text(page))
        self.assertEqual(count('SELECT count(*) FROM waitlist_entries'), n)


class Rules(unittest.TestCase):
    """A location's own notice, horizon and late-cancellation window; empty
    inherits the clinic's, and a service's own rule still wins."""

    def setUp(self):
        self.admin = signed_in(ADMIN, visit='/admin/locations/2')

    def tearDown(self):
        S.sql('UPDATE locations SET min_notice_minutes = NULL, horizon_days = NULL,'
              ' late_cancel_hours = NULL')

    def rules(self, notice='', horizon='', late=''):
        return self.admin.post('/admin/locations/2/rules', {
            'min_notice': notice, 'horizon': horizon, 'late_cancel': late})

    def test_notice_and_horizon_per_location(self):
        monday = '2026-11-30'  # 6 days ahead
        self.assertTrue(slots(2, monday))
        anchorage = slots(1, monday)
        st, h, _ = self.rules(notice='10080')  # a week's notice in Seattle
        self.assertEqual(st, 303)
        self.assertEqual(h['location'], '/admin/locations/2?saved=1')
        self.assertEqual(slots(2, monday), [])
        self.assertEqual(slots(1, monday), anchorage)  # Anchorage keeps the clinic's
        st, body = book(monday + 'T10:00:00-08:00', 2)
        self.assertEqual(st, 422, body)
        self.assertIn('notice', body['detail'])
        st, _, page = self.admin.get('/admin/locations/2')
        self.assertIn('value="10080"', page)
        # a horizon of 3 days: next Monday is beyond it, Thursday is not
        self.rules(horizon='3')
        self.assertEqual(slots(2, monday), [])
        self.assertTrue(slots(2, '2026-11-26', 'lena-kusugak'))
        # empty again: the clinic's
        self.rules()
        self.assertTrue(slots(2, monday))

    def test_late_cancellation_window_per_location(self):
        st, _, _ = self.rules(late='336')  # two weeks, in Seattle only
        self.assertEqual(st, 303)
        sea = booked('2026-12-07T11:00:00-08:00', 2, email='late@example.com')
        anc = booked('2026-12-07T11:00:00-09:00', 1, therapist='any', email='notlate@example.com')
        cancel(sea)
        cancel(anc)
        self.assertEqual(count('SELECT cancel_late FROM appointments WHERE id = ?1', sea['id']), 1)
        self.assertEqual(count('SELECT cancel_late FROM appointments WHERE id = ?1', anc['id']), 0)

    def test_bad_values_are_named_and_change_nothing(self):
        for form, word in (({'min_notice': 'soon'}, 'minimum notice'),
                           ({'horizon': '0'}, 'horizon'),
                           ({'late_cancel': '999'}, 'late-cancellation window')):
            full = {'min_notice': '', 'horizon': '', 'late_cancel': ''}
            full.update(form)
            st, _, page = self.admin.post('/admin/locations/2/rules', full)
            self.assertEqual(st, 422, form)
            self.assertIn(word, text(page))
        self.assertEqual(S.sql('SELECT min_notice_minutes, horizon_days, late_cancel_hours'
                               ' FROM locations WHERE id = 2'), [(None, None, None)])
        self.assertEqual(self.admin.post('/admin/locations/99/rules', {'min_notice': '5'})[0],
                         404)

    def test_only_the_admin(self):
        for who in (DESK, THERAPIST):
            b = signed_in(who)
            st, _, _ = b.post('/admin/locations/2/rules', {'min_notice': '5'})
            self.assertIn(st, (403, 404), who)
        self.assertIsNone(S.sql('SELECT min_notice_minutes FROM locations WHERE id = 2')[0][0])


class Archive(unittest.TestCase):
    """An archived location leaves booking and the public pages, and stays
    in history; it can be archived only with no upcoming appointments."""

    def setUp(self):
        self.admin = signed_in(ADMIN, visit='/admin/locations/2')

    def archive(self, lid, action='archive'):
        return self.admin.post('/admin/locations/%d/archive' % lid, {'action': action})

    def test_archive_refused_while_booked_then_gone_from_booking_but_in_history(self):
        past = booked('2026-12-14T10:00:00-08:00', 2, email='hist@example.com',
                      name='Hist Client')
        live = count("SELECT count(*) FROM appointments a JOIN rooms r ON r.id = a.room_id"
                     " WHERE r.location_id = 2 AND a.status IN ('booked', 'checked_in')")
        self.assertGreaterEqual(live, 1)
        st, _, page = self.archive(2)
        self.assertEqual(st, 409)
        self.assertIn('still has %d upcoming appointment' % live, text(page))
        self.assertEqual(count('SELECT archived_at FROM locations WHERE id = 2'), 0)
        # the clinic moves them (here: completes the one kept for history,
        # cancels the others) and then archives
        S.sql("UPDATE appointments SET status = 'cancelled' WHERE id != ?1 AND room_id IN"
              " (SELECT id FROM rooms WHERE location_id = 2) AND status = 'booked'", past['id'])
        S.sql("UPDATE appointments SET status = 'completed' WHERE id = ?1", past['id'])
        try:
            st, h, _ = self.archive(2)
            self.assertEqual(st, 303)
            self.assertEqual(h['location'], '/admin/locations?archived=1')
            st, _, page = self.admin.get('/admin/locations?archived=1')
            self.assertIn('(archived)', page)
            # gone from the API's list, the booking pages and availability
            st, locs = api('GET', '/api/v1/locations')
            self.assertEqual([l['name'] for l in locs], ['Anchorage'])
            st, body = api('GET', '/api/v1/availability?service=deep-tissue-60&date=2026-12-21'
                           '&location=2')
            self.assertEqual(st, 422)
            self.assertIn('archived', body['detail'])
            st, body = book('2026-12-21T10:00:00-08:00', 2)
            self.assertEqual(st, 422, body)
            self.assertIn('Seattle is archived', body['detail'])
            st, _, page = Browser().get('/book')
            self.assertEqual(st, 200)
            self.assertNotIn('Seattle', page)  # one location left: no choice, no footer
            st, _, page = Browser().get('/book?location=2&service=deep-tissue-60')
            self.assertEqual(st, 404)
            self.assertIn('no longer book there', text(page))
            st, _, page = Browser().get('/waitlist')
            self.assertNotIn('Seattle', page)
            # history keeps it: the appointment still names Seattle and its zone
            st, ap = api('GET', '/api/v1/appointments/%d' % past['id'], headers=bearer(past))
            self.assertEqual(st, 200, ap)
            self.assertEqual(ap['location']['name'], 'Seattle')
            self.assertEqual(ap['start'], '2026-12-14T10:00:00-08:00')
        finally:
            st, h, _ = self.archive(2, 'restore')
        self.assertEqual(st, 303)
        st, locs = api('GET', '/api/v1/locations')
        self.assertEqual([l['name'] for l in locs], ['Anchorage', 'Seattle'])
        self.assertTrue(slots(2, '2026-12-21'))

    def test_the_first_location_and_bad_requests(self):
        st, _, page = self.archive(1)
        self.assertEqual(st, 409)
        self.assertIn('cannot be archived', text(page))
        self.assertEqual(self.archive(99)[0], 404)
        self.assertEqual(self.archive(2, 'vanish')[0], 400)
        self.assertEqual(count('SELECT count(*) FROM locations WHERE archived_at != 0'), 0)

    def test_only_the_admin(self):
        for who in (DESK, THERAPIST):
            st, _, _ = signed_in(who).post('/admin/locations/3/archive', {'action': 'archive'})
            self.assertIn(st, (403, 404), who)
        st, _, _ = Browser().post('/admin/locations/2/archive', {'action': 'archive'})
        self.assertNotEqual(st, 303)
        self.assertEqual(count('SELECT count(*) FROM locations WHERE archived_at != 0'), 0)


if __name__ == '__main__':
    run_suite(globals())
