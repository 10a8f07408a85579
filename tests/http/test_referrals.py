"""Doctors' referrals against the real server (clock pinned to Tuesday
2026-11-24 09:00 in Anchorage): the front desk records and edits a referral
on a client's page, a refused form names each wrong field and stores
nothing, completed visits inside the referral's window count against it
("3 of 8 visits used, valid until Jan 15, 2027") on the client and the
appointment page, the desk booking form warns (never refuses) past the
count or the date, merging clients moves referrals, who may see what, and
every read and write lands in the audit log.

usage: test_referrals.py PATH/TO/knead"""
import json
import os
import re
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, signed_in, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None
DESK = 'desk@chugachbodywork.example'
ADMIN = 'admin@chugachbodywork.example'
MAREN = 'maren@chugachbodywork.example'
TOMAS = 'tomas@chugachbodywork.example'
AK = '-09:00'


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', '2026-11-24T09:00:00-09:00']).start()


def tearDownModule():
    harness.finish(S)


def db():
    return sqlite3.connect(S.db)


def one(sql, *args):
    con = db()
    try:
        return con.execute(sql, args).fetchone()
    finally:
        con.close()


def add_client(name, email):
    return S.sql('INSERT INTO clients (name, email, phone, created_at) VALUES (?, ?, ?, 0)'
                 ' RETURNING id', name, email, '907-555-0111')[0][0]


_EARLY = {}  # day -> the hour the next appointment without one takes


def add_appt(client, day, status, therapist='maren-holt', hour=None):
    """An appointment in the past or future, straight into the table (the
    counting rule does not care how it was booked).  Without an hour it
    takes the day's next early one (6:00, 7:00, ...): the tests' clients
    share Maren and a room, and PostgreSQL refuses two appointments at one
    time for either."""
    import datetime
    if hour is None:
        hour = _EARLY.get(day, 6)
        _EARLY[day] = hour + 1
    start = int(datetime.datetime.fromisoformat('%sT%02d:00:00%s' % (day, hour, AK)).timestamp())
    return S.sql(
        'INSERT INTO appointments (service_id, therapist_id, room_id, client_id, start_at,'
        ' end_at, busy_until, status, token_hash, source, created_at)'
        " VALUES ('deep-tissue-60', ?, (SELECT min(id) FROM rooms), ?, ?, ?, ?, ?, randomblob(32),"
        " 'staff', 0) RETURNING id", therapist, client, start, start + 3600, start + 3600,
        status)[0][0]


def audit(action, record_id):
    return one("SELECT count(*) FROM audit_log WHERE record = 'referral' AND action = ?"
               ' AND record_id = ?', action, record_id)[0]


GOOD = {'physician': 'Dr. Ana Ruiz', 'practice': 'Midtown Family Medicine',
        'phone': '907-555-0123', 'referred_on': '2026-11-01',
        'diagnosis': 'Low back pain, lumbar strain', 'icd10': 'm54.50', 'visits': '8',
        'valid_until': '2027-01-15'}


def record(b, client, **over):
    form = dict(GOOD, **over)
    return b.post('/staff/clients/%d/referrals' % client, form)


class Recording(unittest.TestCase):
    def setUp(self):
        harness.clear_failures(S)
        self.desk = signed_in(DESK, server=S)

    def test_record_counts_and_shows_status(self):
        c = add_client('Rita Referral', 'rita@example.com')
        for day in ('2026-11-03', '2026-11-10', '2026-11-17'):
            add_appt(c, day, 'completed')
        add_appt(c, '2026-10-20', 'completed')        # before the referral: not counted
        add_appt(c, '2026-11-12', 'cancelled')        # cancelled: not counted
        add_appt(c, '2026-11-13', 'no_show')          # no-show: not counted
        st, _, page = self.desk.get('/staff/clients/%d/referrals/new' % c)
        self.assertEqual(st, 200)
        self.assertIn('<label for="icd10">', page)
        st, h, _ = record(self.desk, c)
        self.assertEqual(st, 303)
        m = re.search(r'referral=(\d+)', h['location'])
        rid = int(m.group(1))
        row = one('SELECT client_id, physician, icd10, visits, referred_on, valid_until'
                  ' FROM referrals WHERE id = ?', rid)
        self.assertEqual(row, (c, 'Dr. Ana Ruiz', 'M54.50', 8, '2026-11-01', '2027-01-15'))
        self.assertEqual(audit('create', rid), 1)
        st, _, page = self.desk.get('/staff/clients/%d' % c)
        self.assertEqual(st, 200)
        t = text(page)
        self.assertIn('3 of 8 visits used, valid until Jan 15, 2027', t)
        self.assertIn('Dr. Ana Ruiz, Midtown Family Medicine', t)
        self.assertIn('ICD-10 M54.50', t)
        self.assertIn('href="/staff/referrals/%d"' % rid, page)
        self.assertEqual(audit('read', rid), 1)

    def test_refused_form_names_each_field_and_stores_nothing(self):
        c = add_client('Bad Form', 'badform@example.com')
        before = one('SELECT count(*) FROM referrals')[0]
        audits = one('SELECT count(*) FROM audit_log')[0]
        st, _, page = record(self.desk, c, physician=' ', referred_on='11/01/2026',
                             diagnosis='', icd10='M54.12345', visits='0', valid_until='',
                             phone='call me maybe')
        self.assertEqual(st, 422)
        t = text(page)
        self.assertIn('Nothing was saved', t)
        for msg in ("Enter the physician's name.", 'Write the date of the referral like 2026-11-24.',
                    'Enter the diagnosis.', 'like M54.50',
                    'The visits authorised must be a whole number from 1 to 100.',
                    'Enter the last day the referral is valid.'):
            self.assertIn(msg, t)
        for field in ('physician', 'referred_on', 'diagnosis', 'icd10', 'visits', 'valid_until',
                      'phone'):
            self.assertRegex(page, r'id="%s"[^>]*aria-invalid="true" aria-describedby="%s-error"'
                             % (field, field))
        self.assertIn('value="M54.12345"', page)   # what was typed stays
        st, _, page = record(self.desk, c, valid_until='2026-10-31', visits='101',
                             diagnosis='x' * 2001)
        self.assertEqual(st, 422)
        t = text(page)
        self.assertIn('The referral must be valid until its own date or later.', t)
        self.assertIn('The diagnosis can be at most 2000 characters.', t)
        self.assertIn('from 1 to 100', t)
        self.assertEqual(one('SELECT count(*) FROM referrals')[0], before)
        self.assertEqual(one('SELECT count(*) FROM audit_log')[0], audits)

    def test_icd10_is_optional_and_accepts_the_usual_shapes(self):
        c = add_client('Code Shapes', 'codes@example.com')
        for code, stored in (('', ''), ('M54', 'M54'), ('s13.4xxa', 'S13.4XXA'), ('M5450', 'M5450')):
            st, h, page = record(self.desk, c, icd10=code)
            self.assertEqual(st, 303, (code, text(page)[:300]))
            rid = int(re.search(r'referral=(\d+)', h['location']).group(1))
            self.assertEqual(one('SELECT icd10 FROM referrals WHERE id = ?', rid)[0], stored)

    def test_edit_updates_and_is_audited(self):
        c = add_client('Edit Me', 'editme@example.com')
        st, h, _ = record(self.desk, c)
        rid = int(re.search(r'referral=(\d+)', h['location']).group(1))
        st, _, page = self.desk.get('/staff/referrals/%d' % rid)
        self.assertEqual(st, 200)
        self.assertIn('value="Dr. Ana Ruiz"', page)
        self.assertIn('value="2027-01-15"', page)
        self.assertEqual(audit('read', rid), 1)
        st, _, _ = self.desk.post('/staff/referrals/%d' % rid, dict(GOOD, visits='12'))
        self.assertEqual(st, 303)
        self.assertEqual(one('SELECT visits, client_id FROM referrals WHERE id = ?', rid), (12, c))
        self.assertEqual(audit('update', rid), 1)
        # a refused edit changes nothing
        st, _, _ = self.desk.post('/staff/referrals/%d' % rid, dict(GOOD, visits='lots'))
        self.assertEqual(st, 422)
        self.assertEqual(one('SELECT visits FROM referrals WHERE id = ?', rid)[0], 12)
        self.assertEqual(audit('update', rid), 1)

    def test_unknown_referral_or_client_is_404(self):
        self.assertEqual(self.desk.get('/staff/referrals/999999')[0], 404)
        self.assertEqual(self.desk.get('/staff/referrals/abc')[0], 404)
        self.assertEqual(self.desk.get('/staff/clients/999999/referrals/new')[0], 404)
        self.assertEqual(record(self.desk, 999999)[0], 404)


class Status(unittest.TestCase):
    def setUp(self):
        harness.clear_failures(S)
        self.desk = signed_in(DESK, server=S)

    def test_appointment_page_shows_the_referral_of_its_day(self):
        c = add_client('Appt Status', 'apptstatus@example.com')
        for day in ('2026-11-03', '2026-11-10'):
            add_appt(c, day, 'completed')
        aid = add_appt(c, '2026-11-26', 'booked', hour=15)
        st, h, _ = record(self.desk, c, visits='4')
        rid = int(re.search(r'referral=(\d+)', h['location']).group(1))
        st, _, page = self.desk.get('/staff/appointments/%d' % aid)
        self.assertEqual(st, 200)
        t = text(page)
        self.assertIn('2 of 4 visits used, valid until Jan 15, 2027', t)
        self.assertIn('1 more booked', t)
        self.assertIn('Record a referral', t)                    # reachable from the appointment
        self.assertIn('href="/staff/clients/%d/referrals/new"' % c, page)
        # the treating therapist reads the status, without the desk's links
        maren = signed_in(MAREN, server=S)
        reads = audit('read', rid)
        st, _, page = maren.get('/staff/appointments/%d' % aid)
        self.assertEqual(st, 200)
        self.assertIn('2 of 4 visits used, valid until Jan 15, 2027', text(page))
        self.assertNotIn('/staff/referrals/%d' % rid, page)
        self.assertNotIn('Record a referral', text(page))
        self.assertEqual(audit('read', rid), reads + 1)
        self.assertEqual(one("SELECT role FROM audit_log WHERE record = 'referral'"
                             ' ORDER BY id DESC LIMIT 1')[0], 'therapist')

    def test_expired_and_used_up_are_pointed_out(self):
        c = add_client('Used Up', 'usedup@example.com')
        for day in ('2026-11-03', '2026-11-10'):
            add_appt(c, day, 'completed')
        record(self.desk, c, visits='2')
        record(self.desk, c, referred_on='2026-01-05', valid_until='2026-03-31', visits='6',
               physician='Dr. Old Referral')
        st, _, page = self.desk.get('/staff/clients/%d' % c)
        t = text(page)
        self.assertIn('2 of 2 visits used', t)
        self.assertIn('Every visit of this referral has been used.', t)
        self.assertIn('0 of 6 visits used, valid until Mar 31, 2026', t)
        self.assertIn('This referral has expired.', t)


class BookingNotice(unittest.TestCase):
    def setUp(self):
        harness.clear_failures(S)
        self.desk = signed_in(DESK, server=S)

    def test_warns_past_count_and_date_but_books(self):
        c = add_client('Nearly Done', 'nearlydone@example.com')
        for day in ('2026-11-03', '2026-11-10'):
            add_appt(c, day, 'completed')
        add_appt(c, '2026-11-25', 'booked', hour=16)
        record(self.desk, c, visits='3', valid_until='2026-12-15')
        url = '/staff/book?client=%d&service=deep-tissue-60&therapist=maren-holt&date=%s'
        st, _, page = self.desk.get(url % (c, '2026-11-27'))
        self.assertEqual(st, 200)
        t = text(page)
        self.assertIn('An appointment on Nov 27, 2026 would go past the referral from Dr. Ana Ruiz:'
                      ' it authorises 3 visits and 3 are already used or booked.', t)
        self.assertIn('You can still book it', t)
        first = re.search(r'value="(2026-11-27T[^"]+)"', page)   # the times are still offered
        self.assertIsNotNone(first)
        st, _, page = self.desk.get(url % (c, '2026-12-16'))
        t = text(page)
        self.assertIn('would not be covered by the referral from Dr. Ana Ruiz: it was valid until'
                      ' Dec 15, 2026, and it authorises 3 visits', t)
        # a notice, not a refusal: the booking goes through
        st, h, _ = self.desk.post('/staff/book', {'client': str(c), 'service': 'deep-tissue-60',
                                                  'therapist': 'maren-holt', 'note': '',
                                                  'start': first.group(1)})
        self.assertEqual(st, 303, h)

    def test_no_notice_inside_the_referral_or_without_one(self):
        c = add_client('Plenty Left', 'plenty@example.com')
        record(self.desk, c, visits='8')
        url = '/staff/book?client=%d&service=deep-tissue-60&therapist=maren-holt&date=2026-11-27'
        st, _, page = self.desk.get(url % c)
        self.assertEqual(st, 200)
        self.assertNotIn('Referral</p>', page)
        other = add_client('No Referral', 'noreferral@example.com')
        st, _, page = self.desk.get(url % other)
        self.assertEqual(st, 200)
        self.assertNotIn('referral from', text(page))


class Access(unittest.TestCase):
    def setUp(self):
        harness.clear_failures(S)

    def test_roles(self):
        desk = signed_in(DESK, server=S)
        c = add_client('Access Check', 'access@example.com')
        st, h, _ = record(desk, c)
        rid = int(re.search(r'referral=(\d+)', h['location']).group(1))
        pages = ['/staff/clients/%d/referrals/new' % c, '/staff/referrals/%d' % rid]
        # anonymous: to the sign-in page, nothing shown
        anon = Browser(S)
        for p in pages:
            st, h, body = anon.get(p)
            self.assertEqual(st, 303, p)
            self.assertIn('/login', h['location'])
            self.assertNotIn('Ana Ruiz', body)
        # therapists: no referral pages (they read the status on their appointments)
        for who in (MAREN, TOMAS):
            b = signed_in(who, server=S)
            for p in pages:
                st, _, body = b.get(p)
                self.assertEqual(st, 403, (who, p))
                self.assertNotIn('Ana Ruiz', body)
            self.assertEqual(b.post('/staff/referrals/%d' % rid, GOOD)[0], 403)
            self.assertEqual(record(b, c)[0], 403)
        # the admin may do what the desk may
        admin = signed_in(ADMIN, server=S)
        for p in pages:
            self.assertEqual(admin.get(p)[0], 200, p)
        # a client's manage link never shows a referral
        body = json.dumps({'service': 'deep-tissue-60', 'therapist': 'maren-holt',
                           'start': '2026-11-30T10:00:00-09:00',
                           'client': {'name': 'Access Check', 'email': 'access@example.com',
                                      'phone': ''}})
        st, _, data = S.request('POST', '/api/v1/appointments', body.encode(),
                                {'Content-Type': 'application/json'})
        self.assertEqual(st, 201, data)
        st, _, page = Browser(S).get(json.loads(data)['manage_url'])
        self.assertEqual(st, 200)
        self.assertNotIn('Ana Ruiz', page)
        self.assertNotIn('visits used', page)
        self.assertNotIn("Doctor's referral", page)

    def test_client_account_is_refused(self):
        desk = signed_in(DESK, server=S)
        c = add_client('Client Account', 'clientaccount@example.com')
        st, h, _ = record(desk, c)
        rid = int(re.search(r'referral=(\d+)', h['location']).group(1))
        b = harness.client_account(S)
        for p in ('/staff/clients/%d/referrals/new' % c, '/staff/referrals/%d' % rid):
            st, _, body = b.get(p)
            self.assertEqual(st, 403, p)
            self.assertNotIn('Ana Ruiz', body)
        self.assertEqual(b.post('/staff/referrals/%d' % rid, GOOD)[0], 403)

    def test_other_therapist_does_not_see_the_status(self):
        desk = signed_in(DESK, server=S)
        c = add_client('Maren Only', 'marenonly@example.com')
        aid = add_appt(c, '2026-11-27', 'booked', hour=11)
        record(desk, c)
        st, _, page = signed_in(TOMAS, server=S).get('/staff/appointments/%d' % aid)
        self.assertEqual(st, 404)
        self.assertNotIn('visits used', page)


class Merge(unittest.TestCase):
    def test_merge_moves_referrals(self):
        harness.clear_failures(S)
        desk = signed_in(DESK, server=S)
        keep = add_client('Mia Merge', 'mia@example.com')
        other = add_client('Mia M.', 'mia@example.com')
        st, h, _ = record(desk, other)
        rid = int(re.search(r'referral=(\d+)', h['location']).group(1))
        st, _, _ = desk.post('/staff/clients/%d/merge' % keep, {'other': str(other), 'confirm': 'yes'})
        self.assertEqual(st, 303)
        self.assertEqual(one('SELECT client_id FROM referrals WHERE id = ?', rid)[0], keep)
        self.assertIn('0 of 8 visits used', text(desk.get('/staff/clients/%d' % keep)[2]))


if __name__ == '__main__':
    run_suite(globals())
