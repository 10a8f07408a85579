"""Calendar subscription feeds against the real server: /feeds/{token}.ics
read back with an independent iCalendar parser (Debian's python3-icalendar,
so this suite runs with /usr/bin/python3), and the /staff/calendar page that
makes the addresses.

Checked: the UTC instants of appointments around both 2026 DST changes in
Anchorage (2026-03-08, 2026-11-01: before, inside and after the gap and the
repeated hour), through the file's own VTIMEZONE and through the parser's
tz database alike; a moved appointment keeps its UID with the new time and a
higher SEQUENCE; cancelled ones are left out (see README, Calendar feeds);
a therapist's feed holds only their appointments, the clinic's everyone's;
no phone, e-mail, notes or last name in any feed; a new address makes the
old one 404 (the same 404 as any unknown address), and so does deactivating
the account that made it; ETag and 304; who may see
and make which address (signed out → /login, a therapist only their own,
front desk and admin the clinic's); CSRF.

The clock is pinned to Monday 2026-03-02 09:00 in Anchorage (AKST) and the
booking horizon set to 400 days, so one feed window (30 days back to the
horizon) holds both DST changes.

usage: /usr/bin/python3 test_feeds.py PATH/TO/knead"""
import json
import os
import re
import sys
import unittest
from datetime import datetime, timedelta, timezone

import icalendar

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-03-02T09:00:00-09:00'
S = None
MAREN = 'maren@chugachbodywork.example'
TOMAS = 'tomas@chugachbodywork.example'
DESK = 'desk@chugachbodywork.example'
ADMIN = 'admin@chugachbodywork.example'
PASSWORDS = {MAREN: 'demo-therapist-pass', TOMAS: 'demo-therapist-pass',
             DESK: 'demo-desk-pass', ADMIN: 'demo-admin-pass'}
URL = re.compile(r'value="(http://127\.0\.0\.1:\d+(/feeds/[A-Za-z0-9_-]{22}\.ics))"')

# Appointments written straight into the store: the DST days are Sundays,
# when the demo clinic is closed, and a feed shows what is stored.  Busy
# until their end (no turnover): the repeated hour's two are back to back
# in one room, which PostgreSQL would refuse as overlapping.
# (therapist, local start with its offset, minutes, status, expected UTC start, expected UTC end)
DIRECT = {
    # 01:30 AKST, ends 03:30 AKDT: across the gap (02:00 → 03:00 does not exist)
    'gap': ('maren-holt', '2026-03-08T01:30:00-09:00', 60, 'booked',
            '2026-03-08T10:30:00Z', '2026-03-08T11:30:00Z'),
    'after-gap': ('maren-holt', '2026-03-08T10:00:00-08:00', 90, 'completed',
                  '2026-03-08T18:00:00Z', '2026-03-08T19:30:00Z'),
    'before-fall': ('maren-holt', '2026-10-31T10:00:00-08:00', 60, 'checked_in',
                    '2026-10-31T18:00:00Z', '2026-10-31T19:00:00Z'),
    # 01:30 happens twice on 2026-11-01: the first (AKDT), ending in the second (AKST)
    'repeat-first': ('maren-holt', '2026-11-01T01:30:00-08:00', 60, 'booked',
                     '2026-11-01T09:30:00Z', '2026-11-01T10:30:00Z'),
    'repeat-second': ('maren-holt', '2026-11-01T01:30:00-09:00', 30, 'no_show',
                      '2026-11-01T10:30:00Z', '2026-11-01T11:00:00Z'),
    'after-fall': ('maren-holt', '2026-11-01T10:00:00-09:00', 60, 'booked',
                   '2026-11-01T19:00:00Z', '2026-11-01T20:00:00Z'),
    'tomas': ('tomas-reyes', '2026-11-01T11:00:00-09:00', 60, 'booked',
              '2026-11-01T20:00:00Z', '2026-11-01T21:00:00Z'),
    'cancelled': ('maren-holt', '2026-11-02T10:00:00-09:00', 60, 'cancelled', None, None),
    'too-old': ('maren-holt', '2026-01-20T10:00:00-09:00', 60, 'completed', None, None),
}
IDS = {}
CLIENT = ('Dora Sundaygo', 'dora.secret@example.com', '907 555 0199')
NOTES = 'bad knee, on warfarin'


def iso(s):
    return datetime.fromisoformat(s.replace('Z', '+00:00'))


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', NOW])
    # the config file lives in the server's own temporary directory
    cfg = os.path.join(S.dir, 'feeds.ini')
    with open(cfg, 'w') as f:
        f.write('[booking]\nhorizon_days = 400\n')
    S.extra += ['--config', cfg]
    S.start()
    cid = S.sql('INSERT INTO clients (name, email, phone, created_at) VALUES (?, ?, ?, 0)'
                ' RETURNING id', *CLIENT)[0][0]
    for key, (th, start, minutes, status, _, _) in DIRECT.items():
        t = int(iso(start).timestamp())
        IDS[key] = S.sql(
            'INSERT INTO appointments (service_id, therapist_id, room_id, client_id, start_at,'
            ' end_at, busy_until, status, notes, token_hash, source, created_at)'
            " VALUES ('deep-tissue-60', ?, 1, ?, ?, ?, ?, ?, ?, randomblob(32), 'staff', 0)"
            ' RETURNING id', th, cid, t, t + minutes * 60, t + minutes * 60, status,
            NOTES)[0][0]


def tearDownModule():
    code = S.stop()
    log = S.log()
    S.cleanup()
    if code != 0 or re.search(r'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:', log):
        raise AssertionError('server exited %r:\n%s' % (code, log[-4000:]))


def signed_in(email):
    harness.clear_failures()
    return harness.signed_in(email, PASSWORDS[email], visit='/staff')


def new_address(browser, which):
    """Makes a new address on /staff/calendar; returns its path."""
    st, h, page = browser.post('/staff/calendar/' + which, {})
    assert st == 200, (st, text(page)[:300])
    assert 'no-store' in h.get('cache-control', ''), h
    m = URL.search(page)
    assert m, text(page)[:600]
    return m.group(2)


def fetch(path, headers=None):
    return S.request('GET', path, headers=headers)


def parse(body):
    cal = icalendar.Calendar.from_ical(body)
    return cal, {str(ev['UID']): ev for ev in cal.walk('VEVENT')}


def instant(cal, prop):
    """A DTSTART/DTEND as an aware UTC datetime.  A TZID time is read twice:
    through the file's own VTIMEZONE (icalendar builds a tzinfo from it) and
    through icalendar's own reading of the TZID (pytz's tz database); both
    must agree."""
    dt = prop.dt
    tzid = prop.params.get('TZID')
    if tzid is None:
        assert dt.utcoffset() == timedelta(0), prop.to_ical()
        return dt.astimezone(timezone.utc)
    assert tzid == 'America/Anchorage', tzid
    vtz = [c for c in cal.walk('VTIMEZONE') if str(c['TZID']) == tzid]
    assert len(vtz) == 1
    own = vtz[0].to_tz().localize(dt.replace(tzinfo=None)).astimezone(timezone.utc)
    assert dt.tzinfo is not None
    assert dt.astimezone(timezone.utc) == own, (prop.to_ical(), own, dt)
    return own


def feed_rows():
    return S.sql('SELECT therapist_id, token_hash FROM calendar_feeds ORDER BY 1')


def uid(key_or_id):
    return 'appt-%d@knead' % (IDS[key_or_id] if isinstance(key_or_id, str) else key_or_id)


def api_book(start, therapist='maren-holt', name='Ana Lee'):
    st, _, body = S.request('POST', '/api/v1/appointments', json.dumps({
        'service': 'deep-tissue-60', 'therapist': therapist, 'start': start,
        'client': {'name': name, 'email': 'ana.private@example.com', 'phone': '907 555 0123'},
        'notes': 'recovering from surgery'}).encode(), {'Content-Type': 'application/json'})
    assert st == 201, (st, body)
    appt = json.loads(body)
    return appt, {'Authorization': 'Bearer ' + appt['manage_url'].rsplit('/', 1)[1]}


class Feeds(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.maren = signed_in(MAREN)
        cls.maren_path = new_address(cls.maren, 'mine')
        cls.desk = signed_in(DESK)
        cls.clinic_path = new_address(cls.desk, 'clinic')

    def feed(self, path):
        st, h, body = fetch(path)
        self.assertEqual(st, 200, body[:300])
        self.assertEqual(h['content-type'], 'text/calendar; charset=utf-8')
        return parse(body) + (body.decode('utf-8'), h)

    def test_dst_instants(self):
        cal, evs, _, _ = self.feed(self.maren_path)
        self.assertEqual(len(cal.walk('VTIMEZONE')), 1)
        for key, (_, _, _, _, want_start, want_end) in DIRECT.items():
            if want_start is None or key == 'tomas':
                continue
            with self.subTest(key=key):
                ev = evs[uid(key)]
                self.assertEqual(instant(cal, ev['DTSTART']), iso(want_start))
                self.assertEqual(instant(cal, ev['DTEND']), iso(want_end))
                self.assertEqual(str(ev['STATUS']), 'CONFIRMED')
                self.assertIn('DTSTAMP', ev)
                self.assertIn('SEQUENCE', ev)
                loc = str(ev['LOCATION'])
                self.assertIn('Spruce Room', loc)
                self.assertIn('1420 West Fireweed Lane', loc)
        # a time in the repeated hour is written in UTC, every other one with the TZID
        self.assertIsNone(evs[uid('repeat-first')]['DTSTART'].params.get('TZID'))
        self.assertEqual(evs[uid('after-fall')]['DTSTART'].params.get('TZID'), 'America/Anchorage')
        self.assertTrue(str(evs[uid('repeat-second')]['SUMMARY']).startswith('No-show: '))

    def test_therapist_feed_is_theirs_and_private(self):
        cal, evs, body, _ = self.feed(self.maren_path)
        self.assertNotIn(uid('tomas'), evs)
        self.assertNotIn(uid('cancelled'), evs)       # cancelled: left out
        self.assertNotIn(uid('too-old'), evs)         # more than 30 days back
        for ev in evs.values():
            self.assertIn('Maren Holt', str(ev['DESCRIPTION']))
        self.assertEqual(str(evs[uid('gap')]['SUMMARY']),
                         'Dora S.: Deep Tissue Massage (60 minutes)')
        for secret in ('Sundaygo', 'dora.secret', '555 0199', '555-0199', 'warfarin', 'knee',
                       'surgery', 'ana.private', '555 0123', '@example.com'):
            self.assertNotIn(secret, body)
        self.assertIn('Chugach Bodywork: Maren Holt', str(cal['X-WR-CALNAME']))

    def test_clinic_feed_has_everyone(self):
        cal, evs, body, _ = self.feed(self.clinic_path)
        self.assertIn(uid('tomas'), evs)
        self.assertIn(uid('gap'), evs)
        self.assertNotIn(uid('cancelled'), evs)
        self.assertEqual(str(evs[uid('tomas')]['SUMMARY']),
                         'Dora S.: Deep Tissue Massage (60 minutes) with Tomas Reyes')
        self.assertEqual(instant(cal, evs[uid('tomas')]['DTSTART']), iso('2026-11-01T20:00:00Z'))
        for secret in ('Sundaygo', 'dora.secret', '555 0199', 'warfarin'):
            self.assertNotIn(secret, body)

    def test_moved_keeps_uid_cancelled_drops_out(self):
        appt, auth = api_book('2026-03-03T10:00:00-09:00', name='Ana Maria Lee')
        gone, gone_auth = api_book('2026-03-03T13:00:00-09:00', name='Bo Gone')
        cal, evs, _, h = self.feed(self.maren_path)
        ev = evs[uid(appt['id'])]
        self.assertEqual(instant(cal, ev['DTSTART']), iso('2026-03-03T19:00:00Z'))
        self.assertEqual(str(ev['SUMMARY']), 'Ana L.: Deep Tissue Massage (60 minutes)')
        seq = int(ev['SEQUENCE'])
        self.assertIn(uid(gone['id']), evs)

        st, _, body = S.request('POST', '/api/v1/appointments/%d/reschedule' % appt['id'],
                                json.dumps({'start': '2026-03-04T13:30:00-09:00',
                                            'therapist': 'maren-holt'}).encode(),
                                dict(auth, **{'Content-Type': 'application/json'}))
        self.assertEqual(st, 200, body)
        st, _, body = S.request('DELETE', '/api/v1/appointments/%d' % gone['id'],
                                headers=gone_auth)
        self.assertEqual(st, 200, body)

        cal, evs, _, h2 = self.feed(self.maren_path)
        ev = evs[uid(appt['id'])]
        self.assertEqual(instant(cal, ev['DTSTART']), iso('2026-03-04T22:30:00Z'))
        self.assertEqual(instant(cal, ev['DTEND']), iso('2026-03-04T23:30:00Z'))
        self.assertGreater(int(ev['SEQUENCE']), seq)
        self.assertNotIn(uid(gone['id']), evs)
        self.assertNotEqual(h['etag'], h2['etag'])

    def test_etag_and_caching(self):
        st, h, body = fetch(self.maren_path)
        self.assertEqual(st, 200)
        self.assertIn('private', h['cache-control'])
        self.assertEqual(h['referrer-policy'], 'no-referrer')
        st, h2, body2 = fetch(self.maren_path, {'If-None-Match': h['etag']})
        self.assertEqual(st, 304)
        self.assertEqual(body2, b'')
        self.assertEqual(h2['etag'], h['etag'])
        st, _, _ = fetch(self.maren_path, {'If-None-Match': '"something-else"'})
        self.assertEqual(st, 200)

    def test_bad_tokens_are_plain_404(self):
        st, _, unknown_page = fetch('/no/such/page')
        self.assertEqual(st, 404)
        for path in ('/feeds/AAAAAAAAAAAAAAAAAAAAAA.ics', '/feeds/x.ics', '/feeds/',
                     '/feeds/' + self.maren_path[7:29], self.maren_path + 'x',
                     self.maren_path.replace('.ics', '.ICS')):
            with self.subTest(path=path):
                st, h, body = fetch(path)
                self.assertEqual(st, 404)
                self.assertEqual(text(body.decode()), text(unknown_page.decode()))


class Addresses(unittest.TestCase):
    def test_new_address_kills_the_old_one(self):
        tomas = signed_in(TOMAS)
        first = new_address(tomas, 'mine')
        self.assertEqual(fetch(first)[0], 200)
        page = tomas.get('/staff/calendar')[2]
        self.assertIn('An address was made on', text(page))
        self.assertIsNone(URL.search(page))          # shown once, never again
        second = new_address(tomas, 'mine')
        self.assertNotEqual(first, second)
        self.assertEqual(fetch(first)[0], 404)
        self.assertEqual(fetch(second)[0], 200)
        _, evs = parse(fetch(second)[2])
        self.assertIn(uid('tomas'), evs)
        self.assertNotIn(uid('gap'), evs)

    def test_admin_replaces_the_clinic_address(self):
        desk = signed_in(DESK)
        old = new_address(desk, 'clinic')
        admin = signed_in(ADMIN)
        self.assertIn('An address was made on', text(admin.get('/staff/calendar')[2]))
        new = new_address(admin, 'clinic')
        self.assertEqual(fetch(old)[0], 404)
        self.assertEqual(fetch(new)[0], 200)

    def test_feed_stops_with_its_makers_account(self):
        maren = signed_in(MAREN)
        path = new_address(maren, 'mine')
        uid_maren = S.sql('SELECT id FROM users WHERE email = ?', MAREN)[0][0]
        admin = signed_in(ADMIN)
        url = '/admin/users/%d/active' % uid_maren
        self.assertEqual(admin.post(url, {'active': '0'})[0], 303)
        self.assertEqual(fetch(path)[0], 404)
        self.assertEqual(admin.post(url, {'active': '1'})[0], 303)
        self.assertEqual(fetch(path)[0], 200)

    def test_signed_out_goes_to_login(self):
        b = Browser()
        st, h, _ = b.get('/staff/calendar')
        self.assertEqual(st, 303)
        self.assertTrue(h['location'].startswith('/login'), h['location'])
        b.csrf('/login')
        before = feed_rows()
        for which in ('mine', 'clinic'):
            st, _, _ = b.post('/staff/calendar/' + which, {})
            self.assertEqual(st, 401)                   # a form sent signed out
        self.assertEqual(feed_rows(), before)

    def test_roles(self):
        maren = signed_in(MAREN)
        st, _, page = maren.get('/staff/calendar')
        self.assertEqual(st, 200)
        self.assertIn('Your appointments in your calendar app', text(page))
        self.assertIn('action="/staff/calendar/mine"', page)
        self.assertNotIn('/staff/calendar/clinic', page)
        self.assertEqual(maren.post('/staff/calendar/clinic', {})[0], 403)
        for who in (DESK, ADMIN):
            b = signed_in(who)
            st, _, page = b.get('/staff/calendar')
            self.assertEqual(st, 200)
            self.assertIn("The clinic's appointments in a calendar app", text(page))
            self.assertIn('action="/staff/calendar/clinic"', page)
            self.assertEqual(b.post('/staff/calendar/mine', {})[0], 403)
        # the staff navigation and the hours page link to it
        self.assertIn('href="/staff/calendar"', maren.get('/staff/hours')[2])

    def test_csrf_is_checked(self):
        maren = signed_in(MAREN)
        path = new_address(maren, 'mine')
        before = feed_rows()
        for form in ({}, {'csrf': ''}, {'csrf': 'wrong-token'}):
            st, _, _ = maren.request('POST', '/staff/calendar/mine', form)
            self.assertEqual(st, 403)
        self.assertEqual(feed_rows(), before)           # nothing changed
        self.assertEqual(fetch(path)[0], 200)


if __name__ == '__main__':
    run_suite(globals())
