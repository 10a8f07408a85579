"""The booking JSON API against the real server, with the clock pinned to
Tuesday 2026-11-24 09:00 in Anchorage (-09:00).

usage: test_api.py PATH/TO/knead"""
import concurrent.futures
import json
import os
import signal
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_suite  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
S = None


def setUpModule():
    global S
    S = Server(KNEAD)
    # Races below opens 50 connections at once from 127.0.0.1 (the default
    # limit is 32 per address; test_abuse.py tests it)
    path = os.path.join(S.dir, 'api.ini')
    with open(path, 'w') as f:
        f.write('[limits]\nconnections_per_address = 64\n')
    S.extra = ['--now', NOW, '--config', path]
    S.start()


def tearDownModule():
    S.cleanup()


def api(method, path, body=None, headers=None, raw=None):
    h = dict(headers or {})
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        h.setdefault('Content-Type', 'application/json')
    status, hdrs, out = S.request(method, path, body=data, headers=h)
    ctype = hdrs.get('content-type', '')
    parsed = json.loads(out) if out and 'json' in ctype else out
    return status, hdrs, parsed


def count(sql, *args):
    return S.sql(sql, *args)[0][0]


def book(start, therapist='any', service='deep-tissue-60', name='Ana Lee',
         email='ana@example.com', headers=None, phone='907 555 0100'):
    return api('POST', '/api/v1/appointments', {
        'service': service, 'therapist': therapist, 'start': start,
        'client': {'name': name, 'email': email, 'phone': phone}, 'notes': 'left side'},
        headers=headers)


def token_of(appt):
    return appt['manage_url'].rsplit('/', 1)[1]


def slots(date, service='deep-tissue-60', therapist=None, days=None):
    q = '/api/v1/availability?service=%s&date=%s' % (service, date)
    if therapist:
        q += '&therapist=' + therapist
    if days:
        q += '&days=%d' % days
    status, _, body = api('GET', q)
    assert status == 200, body
    return body


class Catalogue(unittest.TestCase):
    def test_services(self):
        status, h, body = api('GET', '/api/v1/services')
        self.assertEqual(status, 200)
        self.assertEqual(h['content-type'], 'application/json')
        ids = {s['id']: s for s in body}
        self.assertEqual(ids['deep-tissue-60']['duration_minutes'], 60)
        self.assertEqual(ids['deep-tissue-90']['duration_minutes'], 90)
        for s in body:
            self.assertTrue({'id', 'name', 'duration_minutes', 'price_cents', 'description'} <= set(s))

    def test_therapists(self):
        status, _, body = api('GET', '/api/v1/therapists')
        self.assertEqual(status, 200)
        dev = [t for t in body if t['id'] == 'dev-okafor'][0]
        self.assertIn('sports-45', dev['services'])
        self.assertNotIn('swedish-60', dev['services'])
        self.assertTrue(dev['bio'])


class OpenApi(unittest.TestCase):
    def test_describes_every_api_route(self):
        import re
        st, h, doc = api('GET', '/api/v1/openapi.json')
        self.assertEqual(st, 200)
        self.assertEqual(doc['openapi'], '3.1.0')
        src = open(os.path.join(os.path.dirname(__file__), '..', '..', 'src', 'web', 'routes.c')).read()
        for methods, pattern in re.findall(r'\{(ROUTE_[A-Z_| ]+), "/api/v1(/[^"]*)"', src):
            if pattern == '/openapi.json':
                continue
            self.assertIn(pattern, doc['paths'], pattern)
            for m in ('GET', 'POST', 'DELETE'):
                if 'ROUTE_' + m in methods:
                    self.assertIn(m.lower(), doc['paths'][pattern], (m, pattern))


class Availability(unittest.TestCase):
    def test_same_day_starts_three_hours_ahead(self):
        day = slots('2026-11-24')['days'][0]
        self.assertEqual(day['date'], '2026-11-24')
        self.assertEqual(day['slots'][0]['start'], '2026-11-24T12:00:00-09:00')
        for s in day['slots']:
            self.assertTrue(s['start'].endswith('-09:00'))
            self.assertIn(s['start'][14:16], ('00', '15', '30', '45'))
            self.assertTrue(s['therapists'])

    def test_any_therapist_offers_each_start_once(self):
        day = slots('2026-11-25')['days'][0]
        starts = [s['start'] for s in day['slots']]
        self.assertEqual(len(starts), len(set(starts)))
        self.assertEqual(starts, sorted(starts))
        self.assertTrue(any(len(s['therapists']) > 1 for s in day['slots']))

    def test_one_therapist_and_hours_and_lunch(self):
        day = slots('2026-11-25', therapist='maren-holt')['days'][0]  # Wednesday 8-16, lunch 12-12:30
        starts = [s['start'][11:16] for s in day['slots']]
        self.assertEqual(starts[0], '08:00')
        self.assertIn('11:00', starts)      # ends at lunch: the buffer guards sessions, not breaks
        self.assertNotIn('11:15', starts)   # the session itself would run into lunch
        self.assertIn('12:30', starts)
        self.assertEqual(starts[-1], '15:00')  # ends with the shift at 16:00, buffer or not
        for s in day['slots']:
            self.assertEqual(s['therapists'], ['maren-holt'])

    def test_sunday_is_closed_and_days_range(self):
        body = slots('2026-11-28', days=3)  # Sat, Sun, Mon
        self.assertEqual([d['date'] for d in body['days']], ['2026-11-28', '2026-11-29', '2026-11-30'])
        self.assertTrue(body['days'][0]['slots'])
        self.assertEqual(body['days'][1]['slots'], [])
        self.assertTrue(body['days'][2]['slots'])
        self.assertEqual(body['timezone'], 'America/Anchorage')

    def test_horizon_and_past(self):
        self.assertEqual(slots('2026-11-23')['days'][0]['slots'], [])   # yesterday
        self.assertEqual(slots('2027-03-01')['days'][0]['slots'], [])   # > 90 days
        self.assertTrue(slots('2027-02-19')['days'][0]['slots'])        # a Friday inside

    def test_bad_parameters(self):
        cases = [
            ('/api/v1/availability?service=deep-tissue-60&date=2026-13-01', 400, 'bad_request', 'date'),
            ('/api/v1/availability?service=deep-tissue-60', 400, 'bad_request', 'date'),
            ('/api/v1/availability?service=deep-tissue-60&date=2026-11-24&days=0', 400, 'bad_request', 'days'),
            ('/api/v1/availability?service=deep-tissue-60&date=2026-11-24&days=32', 400, 'bad_request', 'days'),
            ('/api/v1/availability?service=deep-tissue-60&date=2026-11-24&colour=red', 400, 'bad_request', 'colour'),
            ('/api/v1/availability?date=2026-11-24', 400, 'bad_request', 'service'),
            ('/api/v1/availability?service=hot-yoga&date=2026-11-24', 422, 'unknown_service', 'hot-yoga'),
            ('/api/v1/availability?service=deep-tissue-60&date=2026-11-24&therapist=nobody', 422, 'unknown_therapist', 'nobody'),
            ('/api/v1/availability?service=swedish-60&date=2026-11-24&therapist=dev-okafor', 422, 'unknown_therapist', 'does not offer'),
        ]
        for path, status, code, word in cases:
            st, h, body = api('GET', path)
            self.assertEqual(st, status, path)
            self.assertEqual(h['content-type'], 'application/problem+json')
            self.assertEqual(body['code'], code, path)
            self.assertIn(word, body['detail'], path)
            self.assertEqual(body['status'], status)
            self.assertTrue(body['title'] and body['type'])

    def test_next_available(self):
        st, _, body = api('GET', '/api/v1/next-available?service=deep-tissue-90')
        self.assertEqual(st, 200)
        self.assertEqual(body['start'], '2026-11-24T12:00:00-09:00')
        self.assertEqual(body['end'], '2026-11-24T13:30:00-09:00')
        st, _, body = api('GET', '/api/v1/next-available?service=deep-tissue-90&therapist=lena-kusugak')
        self.assertEqual(st, 200)
        self.assertEqual(body['start'][:10], '2026-11-25')  # Lena does not work Tuesdays
        self.assertEqual(body['therapists'], ['lena-kusugak'])


class Booking(unittest.TestCase):
    def test_book_get_and_the_slot_is_gone(self):
        st, h, appt = book('2026-11-26T14:00:00-09:00', therapist='tomas-reyes')
        self.assertEqual(st, 201, appt)
        self.assertEqual(appt['status'], 'booked')
        self.assertEqual(appt['therapist'], 'tomas-reyes')
        self.assertEqual(appt['start'], '2026-11-26T14:00:00-09:00')
        self.assertEqual(appt['end'], '2026-11-26T15:00:00-09:00')
        self.assertTrue(appt['room'])
        self.assertRegex(appt['manage_url'], r'^/a/[A-Za-z0-9_-]{22}$')
        self.assertEqual(h['location'], '/api/v1/appointments/%d' % appt['id'])
        tok = token_of(appt)
        st, _, got = api('GET', '/api/v1/appointments/%d' % appt['id'],
                         headers={'Authorization': 'Bearer ' + tok})
        self.assertEqual(st, 200)
        self.assertEqual(got['client']['email'], 'ana@example.com')
        self.assertNotIn('manage_url', got)
        day = slots('2026-11-26', therapist='tomas-reyes')['days'][0]
        starts = [s['start'][11:16] for s in day['slots']]
        for taken in ('14:00', '14:30', '15:00'):  # 14:00-15:15 with buffer
            self.assertNotIn(taken, starts)
        self.assertIn('12:45', starts)   # ends 13:45 + 15 = 14:00
        self.assertEqual(starts[-1], '12:45')  # 15:15 would run past 16:00 with its buffer
        # the token is stored only as a hash
        self.assertEqual(count('SELECT count(*) FROM appointments WHERE instr(token_hash, CAST(? AS BLOB)) > 0', tok), 0)

    def test_refusals_store_nothing(self):
        before = count('SELECT count(*) FROM appointments')
        clients = count('SELECT count(*) FROM clients')
        cases = [
            ('2026-11-24T11:45:00-09:00', {}, 422, 'too_soon',
             'Tuesday, November 24, 2026 at 12:00 PM AKST'),  # worded for a person (svc/when)
            ('2026-11-24T08:00:00-09:00', {}, 422, 'in_past', 'passed'),
            ('2027-02-26T10:00:00-09:00', {}, 422, 'too_far', '90 days'),
            ('2026-11-25T10:05:00-09:00', {}, 409, 'slot_unavailable', 'not available'),
            ('2026-11-25T21:00:00-09:00', {}, 409, 'slot_unavailable', 'not available'),
            ('2026-11-29T10:00:00-09:00', {}, 409, 'slot_unavailable', 'not available'),  # Sunday
            ('2026-11-25T10:00:00-09:00', {'email': 'not-an-email'}, 422, 'invalid_client', 'email'),
            ('2026-11-25T10:00:00-09:00', {'name': ''}, 422, 'invalid_client', 'name'),
            ('2026-11-25T10:00:00-09:00', {'service': 'hot-yoga'}, 422, 'unknown_service', 'hot-yoga'),
            ('2026-11-25T10:00:00-09:00', {'therapist': 'nobody'}, 422, 'unknown_therapist', 'nobody'),
            ('2026-11-25 10:00', {}, 400, 'bad_request', 'RFC 3339'),
        ]
        for start, over, status, code, word in cases:
            args = {'start': start}
            args.update(over)
            st, h, body = book(**args)
            self.assertEqual(st, status, (start, over, body))
            self.assertEqual(h['content-type'], 'application/problem+json')
            self.assertEqual(body['code'], code, (start, over))
            self.assertIn(word, body['detail'], (start, over))
        self.assertEqual(count('SELECT count(*) FROM appointments'), before)
        self.assertEqual(count('SELECT count(*) FROM clients'), clients)

    def test_malformed_bodies(self):
        for raw, ctype, status in ((b'{"service":', 'application/json', 400),
                                   (b'[1,2]', 'application/json', 400),
                                   (b'{"service":"deep-tissue-60","start":12}', 'application/json', 400),
                                   (b'{"service":"a","service":"b"}', 'application/json', 400),
                                   (b'service=x', 'application/x-www-form-urlencoded', 415)):
            st, h, body = api('POST', '/api/v1/appointments', raw=raw, headers={'Content-Type': ctype})
            self.assertEqual(st, status, raw)
            self.assertEqual(h['content-type'], 'application/problem+json')
        big = json.dumps({'service': 'deep-tissue-60', 'notes': 'x' * 20000}).encode()
        out = S.raw(b'POST /api/v1/appointments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
                    b'Content-Length: %d\r\n\r\n' % len(big) + big)
        self.assertTrue(out.startswith(b'HTTP/1.1 413'), out[:60])

    def test_idempotency_key_replays_the_first_answer(self):
        key = {'Idempotency-Key': 'tap-1f2e'}
        st1, _, a1 = book('2026-11-27T10:00:00-09:00', headers=key)
        st2, h2, a2 = book('2026-11-27T10:00:00-09:00', headers=key)
        self.assertEqual((st1, st2), (201, 201))
        self.assertEqual(a1['id'], a2['id'])
        self.assertEqual(h2.get('idempotent-replayed'), 'true')
        self.assertEqual(count('SELECT count(*) FROM appointments WHERE start_at = strftime(\'%s\', \'2026-11-27 19:00:00\')'), 1)
        st3, _, p = book('2026-11-27T11:00:00-09:00', headers=key)
        self.assertEqual(st3, 422)
        self.assertEqual(p['code'], 'idempotency_key_reused')

    def test_any_therapist_goes_to_the_least_booked(self):
        # Friday: Maren 8-14, Dev 11-20, Lena 10-18, Tomas off. Lena has a
        # morning session; at 16:00 only Dev and Lena work, so "any" gets Dev,
        # who has nothing booked that day; then Lena (75 min) against Dev (75).
        self.assertEqual(book('2026-12-04T10:00:00-09:00', therapist='lena-kusugak')[0], 201)
        st, _, appt = book('2026-12-04T16:00:00-09:00')
        self.assertEqual(st, 201)
        self.assertEqual(appt['therapist'], 'dev-okafor')
        self.assertEqual(book('2026-12-04T12:00:00-09:00', therapist='dev-okafor')[0], 201)
        # (another client: one client cannot hold two places at 16:00)
        st, _, appt = book('2026-12-04T16:00:00-09:00', name='Bo Lee', email='bo@example.com',
                           phone='907 555 0101')
        self.assertEqual(st, 201)
        self.assertEqual(appt['therapist'], 'lena-kusugak')

    def test_rooms_limit_bookings(self):
        # Three rooms: a fourth session at the same time is refused even if a
        # therapist is free.
        start = '2026-12-01T13:00:00-09:00'   # Tuesday: Maren, Dev, Tomas work
        for i, t in enumerate(('maren-holt', 'dev-okafor', 'tomas-reyes')):
            self.assertEqual(book(start, therapist=t, email='room%d@example.com' % i,
                                  phone='907 555 011%d' % i)[0], 201, t)
        day = slots('2026-12-01')['days'][0]
        self.assertNotIn(start, [s['start'] for s in day['slots']])


class StrictJson(unittest.TestCase):
    """Unknown JSON members are refused with 400 naming them, as unknown query
    parameters are, and nothing is stored: a typo ("therapist_id", "emial")
    must not book with a silently missing value."""

    def test_unknown_members_are_named_and_nothing_is_stored(self):
        before = count('SELECT count(*) FROM appointments')
        clients = count('SELECT count(*) FROM clients')
        good = {'service': 'deep-tissue-60', 'start': '2026-11-25T10:00:00-09:00',
                'client': {'name': 'Ty Typo', 'email': 'ty@example.com', 'phone': '907 555 0177'}}
        cases = [
            (dict(good, therapist_id='tomas-reyes'), ["'therapist_id'"]),
            (dict(good, client=dict(good['client'], emial='x@example.com')), ["'client.emial'"]),
            (dict(good, a=1, b=2, client=dict(good['client'], age=40)),
             ["'a'", "'b'", "'client.age'"]),
        ]
        for body, named in cases:
            st, h, p = api('POST', '/api/v1/appointments', body)
            self.assertEqual(st, 400, body)
            self.assertEqual(h['content-type'], 'application/problem+json')
            self.assertEqual(p['code'], 'unknown_member')
            for n in named:
                self.assertIn(n, p['detail'])
        many = dict(good, **{'x%d' % i: i for i in range(9)})
        st, _, p = api('POST', '/api/v1/appointments', many)
        self.assertEqual(st, 400)
        self.assertIn('and 4 more', p['detail'])
        self.assertEqual(count('SELECT count(*) FROM appointments'), before)
        self.assertEqual(count('SELECT count(*) FROM clients'), clients)
        # the same body without the stray members books
        st, _, appt = api('POST', '/api/v1/appointments', good)
        self.assertEqual(st, 201, appt)

    def test_reschedule_refuses_unknown_members(self):
        st, _, appt = book('2026-12-02T10:00:00-09:00', email='re@example.com', phone='907 555 0188')
        self.assertEqual(st, 201, appt)
        auth = {'Authorization': 'Bearer ' + token_of(appt)}
        path = '/api/v1/appointments/%d/reschedule' % appt['id']
        st, _, p = api('POST', path, {'start': '2026-12-02T12:00:00-09:00', 'when': 'later'},
                       headers=auth)
        self.assertEqual(st, 400, p)
        self.assertIn("'when'", p['detail'])
        st, _, got = api('GET', '/api/v1/appointments/%d' % appt['id'], headers=auth)
        self.assertEqual(got['start'], '2026-12-02T10:00:00-09:00')
        # a stranger's unknown members do not reveal that the id exists
        st, _, p = api('POST', path, {'start': '2026-12-02T12:00:00-09:00', 'when': 'later'})
        self.assertEqual(st, 404)


class Manage(unittest.TestCase):
    def test_wrong_or_missing_token_is_404(self):
        st, _, appt = book('2026-11-30T10:00:00-09:00')
        self.assertEqual(st, 201)
        st2, _, other = book('2026-11-30T11:00:00-09:00')
        path = '/api/v1/appointments/%d' % appt['id']
        for hdr in ({}, {'Authorization': 'Bearer nope'},
                    {'Authorization': 'Bearer ' + token_of(other)},
                    {'Authorization': 'Basic ' + token_of(appt)}):
            for method in ('GET', 'DELETE'):
                st, h, body = api(method, path, headers=hdr)
                self.assertEqual(st, 404, (method, hdr))
                self.assertEqual(body['code'], 'not_found')
        st, _, _ = api('GET', '/api/v1/appointments/999999',
                       headers={'Authorization': 'Bearer ' + token_of(appt)})
        self.assertEqual(st, 404)
        self.assertEqual(count('SELECT count(*) FROM appointments WHERE id = ? AND status = ?', appt['id'], 'booked'), 1)

    def test_cancel_early_and_late(self):
        st, _, far = book('2026-12-02T10:00:00-09:00')
        auth = {'Authorization': 'Bearer ' + token_of(far)}
        st, _, c = api('DELETE', '/api/v1/appointments/%d' % far['id'], headers=auth)
        self.assertEqual(st, 200)
        self.assertEqual(c['status'], 'cancelled')
        self.assertFalse(c['cancelled_late'])
        st, _, again = api('DELETE', '/api/v1/appointments/%d' % far['id'], headers=auth)
        self.assertEqual(st, 409)
        # the slot is free again
        self.assertEqual(book('2026-12-02T10:00:00-09:00', therapist=far['therapist'])[0], 201)
        st, _, soon = book('2026-11-24T16:00:00-09:00')   # today, 7 h ahead
        st, _, c = api('DELETE', '/api/v1/appointments/%d' % soon['id'],
                       headers={'Authorization': 'Bearer ' + token_of(soon)})
        self.assertEqual(st, 200)
        self.assertTrue(c['cancelled_late'])

    def test_reschedule_moves_in_one_step(self):
        st, _, appt = book('2026-12-03T10:00:00-09:00', therapist='maren-holt')
        auth = {'Authorization': 'Bearer ' + token_of(appt)}
        path = '/api/v1/appointments/%d/reschedule' % appt['id']
        st, _, moved = api('POST', path, {'start': '2026-12-03T13:00:00-09:00', 'therapist': 'maren-holt'},
                           headers=auth)
        self.assertEqual(st, 200, moved)
        self.assertEqual(moved['start'], '2026-12-03T13:00:00-09:00')
        self.assertEqual(moved['id'], appt['id'])
        starts = [s['start'] for s in slots('2026-12-03', therapist='maren-holt')['days'][0]['slots']]
        self.assertIn('2026-12-03T10:00:00-09:00', starts)      # old slot released
        self.assertNotIn('2026-12-03T13:00:00-09:00', starts)
        # moving onto an adjacent overlapping start of its own is fine (it excludes itself)
        st, _, moved = api('POST', path, {'start': '2026-12-03T13:15:00-09:00', 'therapist': 'maren-holt'},
                           headers=auth)
        self.assertEqual(st, 200, moved)
        for start, status, code in (('2026-11-24T10:00:00-09:00', 422, 'too_soon'),
                                    ('2026-12-03T12:00:00-09:00', 409, 'slot_unavailable')):
            st, _, p = api('POST', path, {'start': start, 'therapist': 'maren-holt'}, headers=auth)
            self.assertEqual((st, p['code']), (status, code))
        st, _, got = api('GET', '/api/v1/appointments/%d' % appt['id'], headers=auth)
        self.assertEqual(got['start'], '2026-12-03T13:15:00-09:00')


class ListingFollowsEveryChange(unittest.TestCase):
    """The server keeps computed days in memory (web/sched.c); each change,
    whichever process makes it, must show in the very next listing."""

    DAY = '2026-12-08'  # a Tuesday no other test books

    def starts(self, therapist='maren-holt', days=None):
        body = slots(self.DAY, therapist=therapist, days=days)
        return [s['start'][11:16] for s in body['days'][0]['slots']]

    def sql(self, statement, *args):
        S.sql(statement, *args)

    def test_bookings_cancels_and_other_writers(self):
        before = self.starts()
        self.assertIn('10:00', before)
        self.assertEqual(self.starts(), before)  # served again, unchanged
        st, _, appt = book(self.DAY + 'T10:00:00-09:00', therapist='maren-holt')
        self.assertEqual(st, 201, appt)
        self.assertNotIn('10:00', self.starts())
        # a listing of several days starting here shows the same first day
        self.assertNotIn('10:00', self.starts(days=3))
        st, _, _ = api('DELETE', '/api/v1/appointments/%d' % appt['id'],
                       headers={'Authorization': 'Bearer ' + token_of(appt)})
        self.assertEqual(st, 200)
        self.assertEqual(self.starts(), before)
        # another process (a second server, the CLI, an admin in sqlite3)
        # cancelling and un-cancelling straight in the database
        st, _, appt = book(self.DAY + 'T13:00:00-09:00', therapist='maren-holt')
        self.assertEqual(st, 201, appt)
        self.assertNotIn('13:00', self.starts())
        self.sql("UPDATE appointments SET status = 'cancelled' WHERE id = ?", appt['id'])
        self.assertIn('13:00', self.starts())
        self.sql("UPDATE appointments SET status = 'booked' WHERE id = ?", appt['id'])
        self.assertNotIn('13:00', self.starts())
        # the clinic's set-up changed elsewhere: the day closes
        self.sql("INSERT INTO closed_dates (date, reason) VALUES (?, 'burst pipe')", self.DAY)
        try:
            self.assertEqual(self.starts(), [])
        finally:
            self.sql('DELETE FROM closed_dates WHERE date = ?', self.DAY)
        self.assertIn('10:00', self.starts())


class Races(unittest.TestCase):
    def test_fifty_concurrent_posts_one_wins(self):
        start = '2026-12-08T10:00:00-09:00'

        def attempt(i):
            return book(start, therapist='maren-holt', name='Racer %d' % i,
                        email='racer%d@example.com' % i)[0]
        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as ex:
            results = list(ex.map(attempt, range(50)))
        self.assertEqual(results.count(201), 1, results)
        self.assertEqual(results.count(409), 49, results)
        self.assertEqual(count("SELECT count(*) FROM appointments WHERE therapist_id = 'maren-holt' "
                               "AND status = 'booked' AND start_at = strftime('%s', '2026-12-08 19:00:00')"), 1)


class Durability(unittest.TestCase):
    def test_bookings_survive_kill_9(self):
        s = Server(KNEAD, extra=['--now', NOW]).start()
        try:
            ids = []
            for i, hhmm in enumerate(('12:00', '13:15', '14:30', '16:30', '17:45')):
                st, _, a = s.request('POST', '/api/v1/appointments', body=json.dumps({
                    'service': 'deep-tissue-60', 'therapist': 'tomas-reyes',
                    'start': '2026-12-09T%s:00-09:00' % hhmm,
                    'client': {'name': 'Kai %d' % i, 'email': 'kai%d@example.com' % i}}).encode(),
                    headers={'Content-Type': 'application/json'})[0:3]
                self.assertEqual(st, 201)
                ids.append(json.loads(a)['id'])
            s.proc.send_signal(signal.SIGKILL)
            s.proc.wait(timeout=10)
            con = sqlite3.connect(s.db)
            self.assertEqual(con.execute('PRAGMA integrity_check').fetchone()[0], 'ok')
            got = [r[0] for r in con.execute('SELECT id FROM appointments ORDER BY id')]
            con.close()
            self.assertEqual(got, ids)
            s.seed = False
            s.start()
            st, _, body = s.request('GET', '/healthz')
            self.assertEqual(st, 200)
        finally:
            s.cleanup()


class LargeClinic(unittest.TestCase):
    """Seventy therapists offering deep-tissue-60 (more than the 64 "any
    therapist" considers) and a few weeks of bookings: a 31-day answer is the
    31 one-day answers, before and after a booking; "any" names only the
    first 64 in the clinic's order, the rest are booked by name, and the log
    says so."""

    def test_range_and_the_64_limit(self):
        s = Server(KNEAD)
        try:
            r = s.run_cli('demo', '--db', s.db)
            self.assertEqual(r.returncode, 0, r.stderr)
            con = sqlite3.connect(s.db)
            con.executescript("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 66)
                INSERT INTO therapists (id, name, title, active, position)
                SELECT printf('big%02d', i), printf('Big Therapist %02d', i), 'LMT', 1, 100 + i
                FROM n;
                INSERT INTO therapist_services (therapist_id, service_id)
                SELECT id, 'deep-tissue-60' FROM therapists WHERE id GLOB 'big*';
                INSERT INTO therapist_hours (therapist_id, weekday, kind, start_min, end_min)
                SELECT t.id, h.weekday, h.kind, h.start_min, h.end_min
                FROM therapists t, therapist_hours h
                WHERE t.id GLOB 'big*' AND h.therapist_id = 'maren-holt';
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
                INSERT INTO rooms (name) SELECT 'Big room ' || i FROM n;
                INSERT INTO room_services (room_id, service_id)
                SELECT id, 'deep-tissue-60' FROM rooms WHERE name GLOB 'Big room *';
            """)
            con.commit()
            order = [r[0] for r in con.execute(
                "SELECT t.id FROM therapists t JOIN therapist_services ts ON ts.therapist_id = t.id"
                " WHERE ts.service_id = 'deep-tissue-60' AND t.active = 1"
                " ORDER BY t.position, t.name")]
            con.close()
            self.assertEqual(len(order), 70)
            ini = os.path.join(s.dir, 'big.ini')
            with open(ini, 'w') as f:  # forty bookings from one address
                f.write('[limits]\nbookings_per_hour = 0\n')
            s.seed = False
            s.extra = ['--now', NOW, '--config', ini]
            s.start()

            def get(path):
                st, _, body = s.request('GET', path)
                self.assertEqual(st, 200, body)
                return json.loads(body)

            def book_one(start, therapist, i):
                st, _, body = s.request('POST', '/api/v1/appointments', body=json.dumps({
                    'service': 'deep-tissue-60', 'therapist': therapist, 'start': start,
                    'client': {'name': 'Big %d' % i, 'email': 'big%d@example.com' % i}}).encode(),
                    headers={'Content-Type': 'application/json'})[0:3]
                self.assertEqual(st, 201, body)
                return json.loads(body)

            # bookings spread over the weeks: "any" and by name, all hours
            for i in range(40):
                day = 25 + i % 20
                date = '2026-11-%02d' % day if day <= 30 else '2026-12-%02d' % (day - 30)
                one = get('/api/v1/availability?service=deep-tissue-60&date=' + date)
                slots = one['days'][0]['slots']
                if not slots:
                    continue
                sl = slots[(i * 7) % len(slots)]
                book_one(sl['start'], 'any' if i % 2 else sl['therapists'][-1], i)

            def same_as_days(date, days):
                whole = get('/api/v1/availability?service=deep-tissue-60&date=%s&days=%d'
                            % (date, days))
                self.assertEqual(len(whole['days']), days)
                for d in whole['days']:
                    one = get('/api/v1/availability?service=deep-tissue-60&date=' + d['date'])
                    self.assertEqual(one['days'], [d], d['date'])
                return whole

            whole = same_as_days('2026-11-24', 31)
            self.assertIn("70 active therapists offer 'deep-tissue-60'", s.log())
            self.assertEqual(same_as_days('2026-11-24', 31), whole)  # from the cache
            named = set()
            for d in whole['days']:
                for sl in d['slots']:
                    self.assertLessEqual(len(sl['therapists']), 64)
                    named.update(sl['therapists'])
            self.assertTrue(named)
            self.assertTrue(named <= set(order[:64]), sorted(named - set(order[:64])))
            # a booking changes the range at once
            some = next(d for d in whole['days'] if d['slots'])
            taken = some['slots'][0]
            book_one(taken['start'], taken['therapists'][0], 99)
            after = same_as_days('2026-11-24', 31)
            got = next(d for d in after['days'] if d['date'] == some['date'])
            still = [sl for sl in got['slots'] if sl['start'] == taken['start']]
            self.assertTrue(not still or taken['therapists'][0] not in still[0]['therapists'])
            # the seventieth is not among "any", but is offered and booked by name
            last = order[-1]
            mine = get('/api/v1/availability?service=deep-tissue-60&date=2026-11-30'
                       '&therapist=' + last)
            self.assertTrue(mine['days'][0]['slots'])
            self.assertEqual(mine['days'][0]['slots'][0]['therapists'], [last])
            ap = book_one(mine['days'][0]['slots'][0]['start'], last, 100)
            self.assertEqual(ap['therapist'], last)
        finally:
            s.cleanup()


if __name__ == '__main__':
    run_suite(globals())
