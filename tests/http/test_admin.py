"""The admin back office against the real server: every /admin page renders
for an admin, every save shows up on the public site or API, every refused
form answers 422 with the message and stores nothing, CSRF and roles are
enforced.

usage: test_admin.py PATH/TO/knead"""
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, clear_failures, run_suite, signed_in, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None
ADMIN = ('admin@chugachbodywork.example', 'demo-admin-pass')
DESK = ('desk@chugachbodywork.example', 'demo-desk-pass')
THERAPIST = ('maren@chugachbodywork.example', 'demo-therapist-pass')
FRIDAY = '2026-11-27'
SATURDAY = '2026-11-28'


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', '2026-11-24T09:00:00-09:00']).start()


def tearDownModule():
    S.cleanup()


def q(sql, *args):
    return S.sql(sql, *args)


class Browser(harness.Browser):
    """harness.Browser, but login answers only the status."""

    def login(self, email, password):
        return super().login(email, password)[0]


def api(path):
    st, _, body = S.request('GET', path)
    assert st == 200, (path, st, body[:300])
    return json.loads(body)


def slots(date, service='deep-tissue-60'):
    d = api('/api/v1/availability?service=%s&date=%s' % (service, date))
    return d['days'][0]['slots']


def service_form(**over):
    f = {'name': 'Deep Tissue Massage (60 minutes)', 'description': 'Firm pressure.',
         'duration': '60', 'price': '125', 'buffer': '15', 'active': '1',
         'therapist': ['maren-holt', 'dev-okafor', 'lena-kusugak', 'tomas-reyes'],
         'room': ['1', '2', '3'],
         'min_notice': '', 'horizon': '', 'late_cancel': ''}
    f.update(over)
    return {k: v for k, v in f.items() if v is not None}


class Base(unittest.TestCase):
    def setUp(self):
        clear_failures()
        self.admin = signed_in(ADMIN)

    def assert_refused(self, st, page, message):
        self.assertEqual(st, 422, page[:500])
        self.assertIn(message, page)
        self.assertIn('field-error', page)


class Pages(Base):
    PAGES = {
        '/admin': 'Clinic set-up',
        '/admin/services': 'Deep Tissue Massage (90 minutes)',
        '/admin/services/new': 'New service',
        '/admin/services/swedish-60': 'Swedish Relaxation Massage',
        '/admin/therapists': 'Lena Kusugak',
        '/admin/therapists/new': 'New therapist',
        '/admin/therapists/tomas-reyes': 'Tomas Reyes',
        '/admin/rooms': 'Willow Room',
        '/admin/rooms/1': 'Spruce Room',
        '/admin/hours': 'Weekly opening hours',
        '/admin/users': 'desk@chugachbodywork.example',
        '/admin/users/2': 'Rosa Delgado',
    }

    def test_every_page_renders_for_admin(self):
        for path, text in self.PAGES.items():
            st, h, page = self.admin.get(path)
            self.assertEqual(st, 200, path)
            self.assertIn(text, page, path)
            self.assertIn('href="/admin" aria-current="page"', page, path)
            self.assertEqual(h.get('cache-control'), 'no-store', path)

    def test_admin_link_only_for_admins(self):
        self.assertIn('href="/admin"', self.admin.get('/staff')[2])
        self.assertNotIn('href="/admin"', signed_in(DESK).get('/staff')[2])

    def test_unknown_ids_are_404(self):
        for path in ('/admin/services/nope', '/admin/therapists/nope', '/admin/rooms/999',
                     '/admin/rooms/x', '/admin/users/999', '/admin/users/abc'):
            self.assertEqual(self.admin.get(path)[0], 404, path)


class Access(Base):
    def test_desk_and_therapist_get_403_anonymous_goes_to_login(self):
        for who in (DESK, THERAPIST):
            b = signed_in(who)
            for path in ('/admin', '/admin/services', '/admin/users', '/admin/hours'):
                self.assertEqual(b.get(path)[0], 403, (who, path))
            st, _, _ = b.post('/admin/hours/closed', {'date': FRIDAY, 'reason': 'x'})
            self.assertEqual(st, 403)
        self.assertEqual(Browser().get('/admin/services')[0], 303)
        self.assertEqual(q('SELECT count(*) FROM closed_dates')[0][0], 0)

    def test_missing_csrf_is_403_and_saves_nothing(self):
        before = q('SELECT name FROM services WHERE id = ?', 'swedish-60')
        for path, form in (('/admin/services/swedish-60', service_form(name='Hacked')),
                           ('/admin/hours/closed', {'date': FRIDAY}),
                           ('/admin/rooms', {'name': 'Hacked Room'}),
                           ('/admin/users', {'email': 'h@example.com', 'name': 'H', 'role': 'admin',
                                             'password': 'long-enough-1'})):
            st, _, _ = self.admin.request('POST', path, form)
            self.assertEqual(st, 403, path)
            f = dict(form, csrf='wrong-token-wrong-token')
            self.assertEqual(self.admin.request('POST', path, f)[0], 403, path)
        self.assertEqual(q('SELECT name FROM services WHERE id = ?', 'swedish-60'), before)
        self.assertEqual(q('SELECT count(*) FROM closed_dates')[0][0], 0)
        self.assertEqual(q("SELECT count(*) FROM rooms WHERE name = 'Hacked Room'")[0][0], 0)
        self.assertEqual(q("SELECT count(*) FROM users WHERE email = 'h@example.com'")[0][0], 0)


class Services(Base):
    def test_rename_and_overrides_show_in_the_api(self):
        st, h, _ = self.admin.post('/admin/services/deep-tissue-90', service_form(
            name='Deep Tissue, 90 minutes', duration='90', price='172.50', buffer='15',
            min_notice='60', horizon='', late_cancel='48'))
        self.assertEqual(st, 303)
        self.assertEqual(h['location'], '/admin/services?saved=1')
        svc = {s['id']: s for s in api('/api/v1/services')}['deep-tissue-90']
        self.assertEqual(svc['name'], 'Deep Tissue, 90 minutes')
        self.assertEqual(svc['price_cents'], 17250)
        self.assertEqual(q('SELECT min_notice_minutes, horizon_days, late_cancel_hours FROM services'
                           ' WHERE id = ?', 'deep-tissue-90'), [(60, None, 48)])
        st, _, page = self.admin.get('/admin/services/deep-tissue-90')
        self.assertIn('value="172.50"', page)
        self.assertIn('value="48"', page)

    def test_therapists_offering_a_service(self):
        self.assertEqual(self.admin.post('/admin/services/sports-45', service_form(
            name='Sports Recovery Massage (45 minutes)', duration='45', price='95',
            therapist=['lena-kusugak']))[0], 303)
        offer = {t['id']: t['services'] for t in api('/api/v1/therapists')}
        self.assertIn('sports-45', offer['lena-kusugak'])
        self.assertNotIn('sports-45', offer['dev-okafor'])
        self.assertEqual(q("SELECT therapist_id FROM therapist_services WHERE service_id = 'sports-45'"),
                         [('lena-kusugak',)])

    def test_new_service_and_duplicate_id(self):
        form = service_form(id='hot-stone-75', name='Hot Stone Massage', duration='75', price='140',
                            therapist=['maren-holt'])
        self.assertEqual(self.admin.post('/admin/services', form)[0], 303)
        self.assertIn('hot-stone-75', [s['id'] for s in api('/api/v1/services')])
        st, _, page = self.admin.post('/admin/services', dict(form, name='Again'))
        self.assert_refused(st, page, 'already exists')
        self.assertEqual(q("SELECT name FROM services WHERE id = 'hot-stone-75'"), [('Hot Stone Massage',)])

    def test_active_service_needs_a_therapist_and_a_room(self):
        # issue 13 item 18: an active service no one could book is refused, with why
        before = q('SELECT * FROM services ORDER BY id')
        before_rooms = q('SELECT * FROM room_services ORDER BY 1, 2')
        before_ts = q('SELECT * FROM therapist_services ORDER BY 1, 2')
        for over, why, fix in (
                (dict(room=None), 'no room suits it', 'Tick a room below'),
                (dict(therapist=None), 'no active therapist offers it',
                 'Tick an active therapist below'),
                (dict(therapist=None, room=None),
                 'no active therapist offers it and no room suits it',
                 'Tick an active therapist and a room below')):
            st, _, page = self.admin.post('/admin/services/deep-tissue-60', service_form(**over))
            self.assert_refused(st, page, 'It cannot be active: ' + why)
            self.assertIn(fix, text(page))
            self.assertIn('id="active-error"', page)
        st, _, page = self.admin.post('/admin/services', service_form(
            id='warm-stone-75', name='Warm Stone Massage', room=None))
        self.assert_refused(st, page, 'no room suits it')
        self.assertEqual(q('SELECT * FROM services ORDER BY id'), before)
        self.assertEqual(q('SELECT * FROM room_services ORDER BY 1, 2'), before_rooms)
        self.assertEqual(q('SELECT * FROM therapist_services ORDER BY 1, 2'), before_ts)
        # inactive, it may be saved without them; and rooms chosen on the form are stored
        self.assertEqual(self.admin.post('/admin/services', service_form(
            id='warm-stone-75', name='Warm Stone Massage', room=None, therapist=None,
            active=None))[0], 303)
        self.assertEqual(self.admin.post('/admin/services/warm-stone-75', service_form(
            name='Warm Stone Massage', room=['2'], therapist=['maren-holt']))[0], 303)
        self.assertEqual(q("SELECT room_id FROM room_services WHERE service_id = 'warm-stone-75'"),
                         [(2,)])
        st, _, page = self.admin.get('/admin/services/warm-stone-75')
        self.assertIn('id="room-2" name="room" type="checkbox" value="2" checked', page)
        self.assertIn('id="room-1" name="room" type="checkbox" value="1">', page)

    def test_services_list_says_why_an_active_service_has_no_openings(self):
        # its last room unticked on the room's own page
        self.assertEqual(self.admin.post('/admin/services/sports-45', service_form(
            name='Sports Recovery Massage (45 minutes)', duration='45', price='95',
            therapist=['lena-kusugak'], room=['3']))[0], 303)
        st, _, page = self.admin.get('/admin/services')
        self.assertNotIn('No openings', text(page))
        S.sql("DELETE FROM room_services WHERE service_id = 'sports-45'")
        st, _, page = self.admin.get('/admin/services')
        self.assertIn('Active No openings: no room suits it', text(page))

    def test_inactive_service_leaves_the_api(self):
        self.assertEqual(self.admin.post('/admin/services/swedish-60', service_form(
            name='Swedish Relaxation Massage (60 minutes)', price='110', active=None))[0], 303)
        self.assertNotIn('swedish-60', [s['id'] for s in api('/api/v1/services')])
        self.assertEqual(self.admin.post('/admin/services/swedish-60', service_form(
            name='Swedish Relaxation Massage (60 minutes)', price='110'))[0], 303)
        self.assertIn('swedish-60', [s['id'] for s in api('/api/v1/services')])

    def test_each_invalid_field_is_named_and_nothing_saved(self):
        before = q('SELECT * FROM services ORDER BY id')
        before_ts = q('SELECT * FROM therapist_services ORDER BY 1, 2')
        cases = [
            (dict(name=''), 'Enter the name'),
            (dict(duration='3'), 'length in minutes must be a whole number from 5 to 480'),
            (dict(duration='481'), 'from 5 to 480'),
            (dict(duration='sixty'), 'from 5 to 480'),
            (dict(price='12.345'), 'Enter the price in dollars'),
            (dict(price='-5'), 'Enter the price in dollars'),
            (dict(buffer='300'), 'buffer in minutes must be a whole number from 0 to 240'),
            (dict(min_notice='99999'), 'minimum notice must be'),
            (dict(horizon='0'), 'horizon must be a whole number from 1 to 730'),
            (dict(late_cancel='x'), 'late-cancellation window must be'),
            (dict(therapist=['nobody']), 'Choose therapists from the list'),
            (dict(name='Renamed', description='d' * 2001), 'at most 2000 characters'),
        ]
        for over, msg in cases:
            st, _, page = self.admin.post('/admin/services/deep-tissue-60', service_form(**over))
            self.assert_refused(st, page, msg)
            self.assertIn('Nothing was saved', page)
        st, _, page = self.admin.post('/admin/services', service_form(id='Bad Id!'))
        self.assert_refused(st, page, 'lowercase letters')
        self.assertEqual(q('SELECT * FROM services ORDER BY id'), before)
        self.assertEqual(q('SELECT * FROM therapist_services ORDER BY 1, 2'), before_ts)

    def test_refused_form_keeps_what_was_typed(self):
        st, _, page = self.admin.post('/admin/services/deep-tissue-60',
                                      service_form(name='Typed <name>', duration='3'))
        self.assertEqual(st, 422)
        self.assertIn('value="Typed &lt;name&gt;"', page)
        self.assertIn('aria-invalid="true"', page)


class Therapists(Base):
    def form(self, **over):
        f = {'name': 'Maren Holt', 'title': 'Licensed Massage Therapist', 'bio': 'New bio text.',
             'photo': '/static/img/therapists/maren-holt.svg',
             'photo_alt': 'Portrait illustration of Maren Holt', 'active': '1',
             'service': ['deep-tissue-60', 'deep-tissue-90', 'swedish-60']}
        f.update(over)
        return {k: v for k, v in f.items() if v is not None}

    def test_edit_shows_on_the_public_site(self):
        st, h, _ = self.admin.post('/admin/therapists/maren-holt', self.form(
            bio='Maren now also teaches stretching.', service=['deep-tissue-60']))
        self.assertEqual(st, 303)
        st, _, page = S.request('GET', '/therapists/maren-holt')
        self.assertIn('Maren now also teaches stretching.', page.decode())
        offer = {t['id']: t['services'] for t in api('/api/v1/therapists')}
        self.assertEqual(offer['maren-holt'], ['deep-tissue-60'])
        self.assertEqual(self.admin.post('/admin/therapists/maren-holt', self.form())[0], 303)

    def test_new_therapist(self):
        st, _, _ = self.admin.post('/admin/therapists', self.form(
            id='ana-lee', name='Ana Lee', photo='', photo_alt='', service=['swedish-60']))
        self.assertEqual(st, 303)
        offer = {t['id']: t['services'] for t in api('/api/v1/therapists')}
        self.assertEqual(offer['ana-lee'], ['swedish-60'])
        self.assertIn('Ana Lee', self.admin.get('/admin/therapists')[2])

    def test_invalid_and_nothing_saved(self):
        before = q('SELECT * FROM therapists ORDER BY id')
        before_ts = q('SELECT * FROM therapist_services ORDER BY 1, 2')
        cases = [
            (dict(name='  '), 'Enter the name'),
            (dict(photo_alt=''), 'Describe the photo'),
            (dict(photo='javascript:alert(1)'), 'must start with /'),
            (dict(photo='//evil.example/x.png'), 'must start with /'),
            (dict(photo='/x" onerror="y'), 'without spaces or quotes'),
            (dict(service=['nope']), 'Choose services from the list'),
            (dict(bio='b' * 4001), 'at most 4000 characters'),
        ]
        for over, msg in cases:
            st, _, page = self.admin.post('/admin/therapists/maren-holt', self.form(**over))
            self.assert_refused(st, page, msg)
        st, _, page = self.admin.post('/admin/therapists', self.form(id='maren-holt', name='Dup'))
        self.assert_refused(st, page, 'already exists')
        self.assertEqual(q('SELECT * FROM therapists ORDER BY id'), before)
        self.assertEqual(q('SELECT * FROM therapist_services ORDER BY 1, 2'), before_ts)


class Rooms(Base):
    def test_add_rename_and_services(self):
        st, _, _ = self.admin.post('/admin/rooms', {'name': 'Aspen Room', 'service': ['swedish-60']})
        self.assertEqual(st, 303)
        rid = q("SELECT id FROM rooms WHERE name = 'Aspen Room'")[0][0]
        self.assertEqual(q('SELECT service_id FROM room_services WHERE room_id = ?', rid), [('swedish-60',)])
        st, _, _ = self.admin.post('/admin/rooms/%d' % rid,
                                   {'name': 'Alder Room', 'service': ['deep-tissue-60', 'sports-45']})
        self.assertEqual(st, 303)
        self.assertEqual(q('SELECT name FROM rooms WHERE id = ?', rid), [('Alder Room',)])
        self.assertEqual(q('SELECT service_id FROM room_services WHERE room_id = ? ORDER BY 1', rid),
                         [('deep-tissue-60',), ('sports-45',)])
        self.assertIn('Alder Room', self.admin.get('/admin/rooms')[2])

    def test_invalid_and_nothing_saved(self):
        before = q('SELECT * FROM rooms ORDER BY id'), q('SELECT * FROM room_services ORDER BY 1, 2')
        st, _, page = self.admin.post('/admin/rooms', {'name': 'birch room'})
        self.assert_refused(st, page, 'Another room already has this name')
        st, _, page = self.admin.post('/admin/rooms', {'name': ''})
        self.assert_refused(st, page, 'Enter the room name')
        st, _, page = self.admin.post('/admin/rooms/1', {'name': 'Willow Room', 'service': ['swedish-60']})
        self.assert_refused(st, page, 'Another room already has this name')
        st, _, page = self.admin.post('/admin/rooms/1', {'name': 'Spruce', 'service': ['bogus']})
        self.assert_refused(st, page, 'Choose services from the list')
        st, _, page = self.admin.post('/admin/rooms/1', {'name': 'x' * 61})
        self.assert_refused(st, page, 'at most 60 characters')
        self.assertEqual((q('SELECT * FROM rooms ORDER BY id'), q('SELECT * FROM room_services ORDER BY 1, 2')),
                         before)
        self.assertEqual(self.admin.post('/admin/rooms/999', {'name': 'Nope'})[0], 404)


class Hours(Base):
    def week(self):
        _, _, page = self.admin.get('/admin/hours')
        f = {}
        for wd in range(7):
            f['open_%d' % wd] = re.search(r'name="open_%d" type="time" value="([^"]*)"' % wd, page).group(1)
            f['close_%d' % wd] = re.search(r'name="close_%d" type="time" value="([^"]*)"' % wd, page).group(1)
            if re.search(r'name="closed_%d" type="checkbox" value="1" checked' % wd, page):
                f['closed_%d' % wd] = '1'
        return f

    def test_closed_date_removes_the_days_slots_and_back(self):
        self.assertTrue(slots(FRIDAY))
        st, h, _ = self.admin.post('/admin/hours/closed', {'date': FRIDAY, 'reason': 'Staff training'})
        self.assertEqual(st, 303)
        self.assertEqual(slots(FRIDAY), [])
        self.assertIn('Staff training', self.admin.get('/admin/hours')[2])
        self.assertEqual(self.admin.post('/admin/hours/closed/remove', {'date': FRIDAY})[0], 303)
        self.assertTrue(slots(FRIDAY))
        st, _, page = self.admin.post('/admin/hours/closed/remove', {'date': FRIDAY})
        self.assertEqual(st, 422)
        self.assertIn('is not a closed date', page)

    def test_closed_date_invalid(self):
        for form, msg in (({'date': '2026-13-01'}, 'Enter the date as YYYY-MM-DD'),
                          ({'date': ''}, 'Enter the date as YYYY-MM-DD'),
                          ({'date': FRIDAY, 'reason': 'r' * 201}, 'at most 200 characters')):
            st, _, page = self.admin.post('/admin/hours/closed', form)
            self.assert_refused(st, page, msg)
        self.assertEqual(q('SELECT count(*) FROM closed_dates')[0][0], 0)

    def test_weekly_hours(self):
        week = self.week()
        self.assertEqual((week['open_6'], week['close_6']), ('09:00', '17:00'))
        self.assertEqual(week.get('closed_0'), '1')
        self.assertTrue(slots(SATURDAY))
        closed = dict(week, closed_6='1')
        self.assertEqual(self.admin.post('/admin/hours', closed)[0], 303)
        self.assertEqual(slots(SATURDAY), [])
        self.assertEqual(q('SELECT count(*) FROM clinic_hours WHERE weekday = 6')[0][0], 0)
        self.assertEqual(self.admin.post('/admin/hours', week)[0], 303)
        self.assertTrue(slots(SATURDAY))
        self.assertEqual(q('SELECT open_min, close_min FROM clinic_hours WHERE weekday = 6'), [(540, 1020)])

    def test_weekly_hours_invalid_saves_nothing(self):
        week = self.week()
        before = q('SELECT * FROM clinic_hours ORDER BY 1, 2')
        for over, msg in (({'open_1': '18:00', 'close_1': '09:00'}, 'On Monday the clinic must open before it closes'),
                          ({'open_2': '8am'}, 'Enter the opening and closing times for Tuesday'),
                          ({'close_3': '25:00'}, 'Enter the opening and closing times for Wednesday')):
            st, _, page = self.admin.post('/admin/hours', dict(week, closed_6='1', **over))
            self.assert_refused(st, page, msg)
        self.assertEqual(q('SELECT * FROM clinic_hours ORDER BY 1, 2'), before)


class Users(Base):
    def add(self, **over):
        f = {'email': 'new.desk@example.com', 'name': 'New Desk', 'role': 'desk', 'therapist': '',
             'password': 'initial-pass-1'}
        f.update(over)
        return self.admin.post('/admin/users', f)

    def uid(self, email):
        return q('SELECT id FROM users WHERE email = ?', email)[0][0]

    def test_add_deactivate_reactivate_reset(self):
        self.assertEqual(self.add()[0], 303)
        self.assertIn('new.desk@example.com', self.admin.get('/admin/users')[2])
        b = signed_in(('new.desk@example.com', 'initial-pass-1'))
        self.assertEqual(b.get('/staff')[0], 200)
        uid = self.uid('new.desk@example.com')
        st, h, _ = self.admin.post('/admin/users/%d/active' % uid, {'active': '0'})
        self.assertEqual(st, 303)
        self.assertEqual(b.get('/staff')[0], 303)  # signed out at once
        self.assertEqual(Browser().login('new.desk@example.com', 'initial-pass-1'), 401)
        self.assertIn('Deactivated', self.admin.get('/admin/users/%d' % uid)[2])
        self.assertEqual(self.admin.post('/admin/users/%d/active' % uid, {'active': '1'})[0], 303)
        b = signed_in(('new.desk@example.com', 'initial-pass-1'))
        self.assertEqual(self.admin.post('/admin/users/%d/password' % uid, {'password': 'reset-pass-22'})[0], 303)
        self.assertEqual(b.get('/staff')[0], 303)
        self.assertEqual(Browser().login('new.desk@example.com', 'initial-pass-1'), 401)
        self.assertEqual(Browser().login('new.desk@example.com', 'reset-pass-22'), 303)

    def test_therapist_account_links_a_therapist(self):
        self.assertEqual(self.add(email='t2@example.com', name='Dev Two', role='therapist',
                                  therapist='dev-okafor')[0], 303)
        self.assertEqual(q("SELECT role, therapist_id FROM users WHERE email = 't2@example.com'"),
                         [('therapist', 'dev-okafor')])

    def test_invalid_and_nothing_saved(self):
        before = q('SELECT id, email, role, active FROM users ORDER BY id')
        cases = [
            (dict(email='not-an-email'), 'email'),
            (dict(email='DESK@chugachbodywork.example'), 'An account with this email already exists'),
            (dict(name=''), 'name'),
            (dict(role='wizard'), 'Choose a role'),
            (dict(role='therapist'), 'Choose which therapist'),
            (dict(role='therapist', therapist='nobody'), 'Choose which therapist'),
            (dict(role='desk', therapist='dev-okafor'), 'Only a therapist account'),
            (dict(password='short'), '10 characters'),
        ]
        for over, msg in cases:
            st, _, page = self.add(email='bad%d@example.com' % len(msg), **over) if 'email' not in over \
                else self.add(**over)
            self.assert_refused(st, page, msg)
            self.assertNotIn('initial-pass-1', page)  # a refused form never echoes the password
        self.assertEqual(q('SELECT id, email, role, active FROM users ORDER BY id'), before)

    def test_admin_cannot_deactivate_self_and_bad_requests(self):
        me = self.uid(ADMIN[0])
        st, _, page = self.admin.post('/admin/users/%d/active' % me, {'active': '0'})
        self.assert_refused(st, page, 'cannot deactivate your own account')
        st, _, page = self.admin.post('/admin/users/%d/password' % me, {'password': 'whatever-123'})
        self.assert_refused(st, page, 'Password page')
        desk = self.uid(DESK[0])
        st, _, page = self.admin.post('/admin/users/%d/active' % desk, {})
        self.assert_refused(st, page, 'Choose to deactivate or reactivate')
        st, _, page = self.admin.post('/admin/users/%d/password' % desk, {'password': 'short'})
        self.assert_refused(st, page, '10 characters')
        self.assertEqual(q('SELECT active FROM users WHERE id IN (?, ?)', me, desk), [(1,), (1,)])
        self.assertEqual(Browser().login(*DESK), 303)
        self.assertEqual(self.admin.post('/admin/users/999/active', {'active': '0'})[0], 404)

    def test_edit_details_role_and_therapist(self):
        self.assertEqual(self.add(email='edit.me@example.com', name='Edit Me')[0], 303)
        uid = self.uid('edit.me@example.com')
        url = '/admin/users/%d' % uid
        b = signed_in(('edit.me@example.com', 'initial-pass-1'))
        # a new name and email keep the account signed in
        st, h, _ = self.admin.post(url, {'email': 'edited@example.com', 'name': 'Edited Name',
                                         'role': 'desk', 'therapist': ''})
        self.assertEqual((st, h.get('location')), (303, url + '?saved=1'))
        self.assertEqual(q('SELECT email, name, role FROM users WHERE id = ?', uid),
                         [('edited@example.com', 'Edited Name', 'desk')])
        self.assertEqual(b.get('/staff')[0], 200)
        self.assertIn('Edited Name', self.admin.get('/admin/users')[2])
        # a new role signs the account out everywhere; the next sign-in has it
        self.assertEqual(b.get('/admin')[0], 403)
        st, _, _ = self.admin.post(url, {'email': 'edited@example.com', 'name': 'Edited Name',
                                         'role': 'therapist', 'therapist': 'lena-kusugak'})
        self.assertEqual(st, 303)
        self.assertEqual(b.get('/staff')[0], 303)
        t = signed_in(('edited@example.com', 'initial-pass-1'))
        self.assertEqual(t.get('/staff/clients')[0], 403)  # therapists do not see the client list
        self.assertIn('Lena Kusugak', t.get('/staff')[2])

    def test_edit_refusals_change_nothing(self):
        self.assertEqual(self.add(email='keep.me@example.com', name='Keep Me')[0], 303)
        uid = self.uid('keep.me@example.com')
        url = '/admin/users/%d' % uid
        before = q('SELECT id, email, name, role, therapist_id FROM users ORDER BY id')
        good = {'email': 'keep.me@example.com', 'name': 'Keep Me', 'role': 'desk', 'therapist': ''}
        cases = [
            (dict(email='nope'), 'email'),
            (dict(email='desk@chugachbodywork.example'), 'Another account already uses this email'),
            (dict(name=''), 'name'),
            (dict(role='wizard'), 'Choose a role'),
            (dict(role='therapist'), 'Choose which therapist'),
            (dict(therapist='dev-okafor'), 'Only a therapist account'),
        ]
        for over, msg in cases:
            f = dict(good)
            f.update(over)
            st, _, page = self.admin.post(url, f)
            self.assert_refused(st, page, msg)
            if 'email' in over:
                self.assertIn('value="%s"' % over['email'], page)  # what was typed stays
        me = self.uid(ADMIN[0])
        st, _, page = self.admin.post('/admin/users/%d' % me, {
            'email': ADMIN[0], 'name': 'Admin', 'role': 'desk', 'therapist': ''})
        self.assert_refused(st, page, 'cannot change your own role')
        self.assertEqual(q('SELECT id, email, name, role, therapist_id FROM users ORDER BY id'), before)
        self.assertEqual(self.admin.post('/admin/users/999', good)[0], 404)


if __name__ == '__main__':
    run_suite(globals())
