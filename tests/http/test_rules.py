"""The clinic's booking rules on /admin/rules, against the real server:
stored values override the config file's [booking] values (an empty field
goes back to the config file's), the availability listing and booking follow
at once, invalid input stores nothing, and only an admin with a CSRF token
may change them.

The clock is pinned to Tuesday 2026-11-24 09:00 in Anchorage; the config
file's defaults are 180 minutes notice, 90 days horizon, a 15-minute grid
and a 24-hour late-cancellation window.

usage: test_rules.py PATH/TO/knead"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None
ADMIN = 'admin@chugachbodywork.example'
DESK = 'desk@chugachbodywork.example'
PASSWORDS = {ADMIN: 'demo-admin-pass', DESK: 'demo-desk-pass'}
FIELDS = ('min_notice_minutes', 'horizon_days', 'grid_minutes', 'late_cancel_hours')
FAR = '2027-01-05'  # a Tuesday 42 days out: inside 90 days, outside 30


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', '2026-11-24T09:00:00-09:00']).start()


def tearDownModule():
    S.cleanup()


def signed_in(email):
    return harness.signed_in(email, PASSWORDS[email], visit='/staff')  # makes sure a CSRF cookie is set


def stored():
    return S.sql('SELECT ' + ', '.join(FIELDS) + ' FROM clinic_rules')


def put(b, **rules):
    """Saves the form with the given fields; the others empty."""
    return b.post('/admin/rules', {k: str(rules.get(k, '')) for k in FIELDS})


def starts(date):
    st, _, body = S.request('GET', '/api/v1/availability?service=deep-tissue-60&date=' + date)
    assert st == 200, body
    return [s['start'][11:16] for s in json.loads(body)['days'][0]['slots']]


def book(start, email):
    st, _, body = S.request('POST', '/api/v1/appointments', json.dumps({
        'service': 'deep-tissue-60', 'therapist': 'any', 'start': start,
        'client': {'name': 'Rita Rules', 'email': email, 'phone': '907 555 0100'}}).encode(),
        {'Content-Type': 'application/json'})
    return st, json.loads(body)


class Rules(unittest.TestCase):
    def setUp(self):
        self.admin = signed_in(ADMIN)

    def tearDown(self):
        st, _, _ = put(self.admin)  # back to the config file's values
        self.assertEqual(st, 303)

    def test_page_shows_config_values(self):
        st, _, page = self.admin.request('GET', '/admin/rules')
        self.assertEqual(st, 200)
        t = text(page)
        self.assertIn('In force: 180 minutes (from the config file)', t)
        self.assertIn('In force: 90 days (from the config file)', t)
        self.assertIn('In force: 15 minutes (from the config file)', t)
        self.assertIn('In force: 24 hours (from the config file)', t)
        st, _, page = self.admin.request('GET', '/admin')
        self.assertIn('href="/admin/rules"', page)

    def test_min_notice_moves_earliest_slot_and_clearing_restores(self):
        self.assertEqual(starts('2026-11-24')[0], '12:00')
        st, h, _ = put(self.admin, min_notice_minutes=60)
        self.assertEqual(st, 303)
        self.assertEqual(h['location'], '/admin/rules?saved=1')
        self.assertEqual(stored(), [(60, None, None, None)])
        _, _, page = self.admin.request('GET', '/admin/rules?saved=1')
        self.assertIn('In force: 60 minutes (set here; the config file says 180)', text(page))
        self.assertEqual(starts('2026-11-24')[0], '10:00')
        st, body = book('2026-11-24T10:00:00-09:00', 'rita.notice@example.com')
        self.assertEqual(st, 201, body)
        put(self.admin)  # cleared: the config file's 180 minutes again
        self.assertEqual(stored(), [(None, None, None, None)])
        self.assertEqual(starts('2026-11-24')[0], '12:00')
        st, body = book('2026-11-24T10:30:00-09:00', 'rita.notice2@example.com')
        self.assertEqual((st, body['code']), (422, 'too_soon'))

    def test_pages_tell_the_notice_in_force(self):
        self.assertIn('until 3 hours before', text(S.request('GET', '/')[2].decode()))
        self.assertEqual(put(self.admin, min_notice_minutes=120)[0], 303)
        self.assertIn('until 2 hours before', text(S.request('GET', '/')[2].decode()))
        put(self.admin)
        self.assertIn('until 3 hours before', text(S.request('GET', '/')[2].decode()))

    def test_grid(self):
        self.assertTrue(any(s[3:] in ('15', '45') for s in starts('2026-11-25')))
        self.assertEqual(put(self.admin, grid_minutes=30)[0], 303)
        got = starts('2026-11-25')
        self.assertTrue(got)
        self.assertTrue(all(s[3:] in ('00', '30') for s in got), got)

    def test_grid_must_divide_an_hour(self):
        # issue 13 item 17: 25 is in range but does not divide an hour
        for bad in ('25', '45', '7', '40'):
            st, _, page = put(self.admin, grid_minutes=bad)
            self.assertEqual(st, 422, bad)
            self.assertEqual(stored(), [(None, None, None, None)], bad)
            self.assertIn('must divide an hour', text(page))
            self.assertIn('5, 10, 15, 20, 30 or 60 minutes (%s does not)' % bad, text(page))
            self.assertIn('value="%s"' % bad, page)
        self.assertIn('Allowed: 5, 10, 15, 20, 30 or 60', text(self.admin.get('/admin/rules')[2]))
        self.assertEqual(put(self.admin, grid_minutes=20)[0], 303)
        got = starts('2026-11-25')
        self.assertTrue(got)
        self.assertTrue(all(s[3:] in ('00', '20', '40') for s in got), got)

    def test_horizon(self):
        self.assertTrue(starts(FAR))
        self.assertEqual(put(self.admin, horizon_days=30)[0], 303)
        self.assertEqual(starts(FAR), [])
        st, body = book(FAR + 'T10:00:00-09:00', 'rita.far@example.com')
        self.assertEqual((st, body['code']), (422, 'too_far'))
        self.assertIn('30 days', body['detail'])

    def test_late_cancel_window(self):
        self.assertEqual(put(self.admin, late_cancel_hours=2)[0], 303)
        st, appt = book('2026-11-24T14:00:00-09:00', 'rita.late@example.com')  # 5 h ahead
        self.assertEqual(st, 201, appt)
        st, _, body = S.request('DELETE', '/api/v1/appointments/%d' % appt['id'], None,
                                {'Authorization': 'Bearer ' + appt['manage_url'].rsplit('/', 1)[1]})
        self.assertEqual(st, 200, body)
        self.assertFalse(json.loads(body)['cancelled_late'])  # 24 h in the config file

    def test_invalid_input_stores_nothing(self):
        for form, bad in (({'min_notice_minutes': 'soon', 'horizon_days': '30'},
                           'min_notice_minutes'),
                          ({'grid_minutes': '3', 'horizon_days': '30'}, 'grid_minutes'),
                          ({'horizon_days': '0'}, 'horizon_days'),
                          ({'late_cancel_hours': '337', 'grid_minutes': '30'},
                           'late_cancel_hours'),
                          ({'min_notice_minutes': '-5'}, 'min_notice_minutes')):
            st, _, page = put(self.admin, **form)
            self.assertEqual(st, 422, form)
            self.assertEqual(stored(), [(None, None, None, None)], form)
            self.assertIn('id="%s-error"' % bad, page)
            self.assertIn('aria-invalid="true"', page)
            self.assertIn('The rules were not saved', page)
            # what was typed comes back
            self.assertIn('value="%s"' % form[bad], page)
        self.assertEqual(starts('2026-11-24')[0], '12:00')

    def test_desk_is_refused(self):
        desk = signed_in(DESK)
        self.assertEqual(desk.request('GET', '/admin/rules')[0], 403)
        self.assertEqual(put(desk, min_notice_minutes=60)[0], 403)
        self.assertEqual(stored(), [(None, None, None, None)])

    def test_csrf_required(self):
        st, _, _ = self.admin.request('POST', '/admin/rules', {'min_notice_minutes': '60'})
        self.assertEqual(st, 403)
        st, _, _ = self.admin.request('POST', '/admin/rules',
                                      {'min_notice_minutes': '60', 'csrf': 'forged'})
        self.assertEqual(st, 403)
        self.assertEqual(stored(), [(None, None, None, None)])

    def test_anonymous_is_sent_to_login(self):
        self.assertEqual(Browser().request('GET', '/admin/rules')[0], 303)


if __name__ == '__main__':
    run_suite(globals())
