"""Locations (issue 10 §4) against the real server: the demo with a second
location (`knead demo --locations 2`: Seattle, Pacific time, where Dev works
on Mondays), the clock pinned to Tuesday 2026-11-24 09:00 in Anchorage.

A location has its own zone, rooms and hours; availability and bookings
are per location; a therapist cannot be in two locations at once.

usage: test_locations.py PATH/TO/knead"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_suite  # noqa: E402
import test_pages_booking as pb  # noqa: E402  (its page-reading client)
import harness  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
S = None
MONDAY = '2026-11-30'


def setUpModule():
    global S
    S = Server(KNEAD, demo=('--locations', '2'))
    S.extra = ['--now', NOW]
    S.start()


def tearDownModule():
    S.cleanup()


def api(method, path, body=None):
    h = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h['Content-Type'] = 'application/json'
    status, hdrs, out = S.request(method, path, body=data, headers=h)
    parsed = json.loads(out) if out and 'json' in hdrs.get('content-type', '') else out
    return status, parsed


def count(sql, *args):
    return S.sql(sql, *args)[0][0]


def book(start, location=None, therapist='any', email='ana@example.com', name='Ana Lee',
         phone='907 555 0100'):
    body = {'service': 'deep-tissue-60', 'therapist': therapist, 'start': start,
            'client': {'name': name, 'email': email, 'phone': phone}}
    if location is not None:
        body['location'] = location
    return api('POST', '/api/v1/appointments', body)


def slots(location, date=MONDAY, therapist=None):
    q = '/api/v1/availability?service=deep-tissue-60&date=%s&location=%s' % (date, location)
    if therapist:
        q += '&therapist=' + therapist
    st, body = api('GET', q)
    assert st == 200, (st, body)
    return body


class Locations(unittest.TestCase):
    def test_list(self):
        st, locs = api('GET', '/api/v1/locations')
        self.assertEqual(st, 200)
        self.assertEqual([l['name'] for l in locs], ['Anchorage', 'Seattle'])
        # the first keeps the config file's address and zone
        self.assertEqual(locs[0]['timezone'], 'America/Anchorage')
        self.assertIn('Anchorage, AK', locs[0]['address'])
        self.assertEqual(locs[1]['timezone'], 'America/Los_Angeles')
        self.assertIn('Seattle, WA', locs[1]['address'])

    def test_availability_in_the_locations_zone(self):
        sea = slots(2)
        self.assertEqual(sea['location'], 2)
        self.assertEqual(sea['timezone'], 'America/Los_Angeles')
        day = sea['days'][0]['slots']
        self.assertTrue(day)
        # Dev works in Seattle on Mondays, 9 to 5 Pacific time, and nobody else does
        self.assertTrue(all(s['start'].endswith('-08:00') for s in day))
        self.assertEqual(day[0]['start'], MONDAY + 'T09:00:00-08:00')
        self.assertEqual({t for s in day for t in s['therapists']}, {'dev-okafor'})
        # in Anchorage Dev does not work on Mondays, and times are Alaska's
        anc = slots(1)
        self.assertEqual(anc['timezone'], 'America/Anchorage')
        aday = anc['days'][0]['slots']
        self.assertTrue(aday and all(s['start'].endswith('-09:00') for s in aday))
        self.assertNotIn('dev-okafor', {t for s in aday for t in s['therapists']})
        # without ?location=, the first location: as before
        st, plain = api('GET', '/api/v1/availability?service=deep-tissue-60&date=' + MONDAY)
        self.assertEqual(plain['days'], anc['days'])

    def test_booking_at_the_second_location(self):
        st, ap = book('2026-12-07T10:00:00-08:00', location=2, email='sea@example.com',
                      name='Sea Client')
        self.assertEqual(st, 201, ap)
        self.assertEqual(ap['therapist'], 'dev-okafor')
        self.assertIn(ap['room'], ('Cedar Room', 'Alder Room'))
        self.assertEqual(ap['location']['id'], 2)
        self.assertEqual(ap['location']['timezone'], 'America/Los_Angeles')
        self.assertIn('Seattle', ap['location']['address'])
        self.assertEqual(ap['start'], '2026-12-07T10:00:00-08:00')
        # the confirmation e-mail and its .ics carry the location's address and zone
        # (rendered by the worker after the booking commits)
        harness.rendered(S)
        text, ics = S.sql("SELECT body_text, CAST(attach_data AS TEXT) FROM outbox"
                          " WHERE appointment_id = ?1 AND kind = 'confirmation'", ap['id'])[0]
        self.assertIn('1515 12th Avenue, Seattle', text)
        self.assertIn('PST', text)
        self.assertNotIn('Fireweed', text)
        self.assertIn('TZID:America/Los_Angeles', ics)
        self.assertIn('1515 12th Avenue', ics)
        # the same instant at the first location: Dev is not there, and the
        # instant is not on a Monday slot of any Anchorage therapist but Dev
        st, again = book('2026-12-07T09:00:00-09:00', location=1, therapist='dev-okafor',
                         email='other@example.com', name='Other Client')
        self.assertEqual(st, 409, again)

    def test_not_in_two_locations_at_once(self):
        # Dev also works in Anchorage on Mondays, 10 AM to 8 PM Alaska time:
        # 11 AM to 9 PM in Seattle, overlapping his Seattle hours
        S.sql("INSERT INTO therapist_hours (therapist_id, location_id, weekday, kind, start_min,"
              " end_min) VALUES ('dev-okafor', 1, 1, 'work', 600, 1200)")
        try:
            date = '2026-12-14'
            before = slots(2, date, 'dev-okafor')['days'][0]['slots']
            self.assertIn(date + 'T13:00:00-08:00', [s['start'] for s in before])
            # booked in Anchorage at noon Alaska time = 1 PM in Seattle
            st, ap = book(date + 'T12:00:00-09:00', location=1, therapist='dev-okafor',
                          email='anc@example.com', name='Anc Client')
            self.assertEqual(st, 201, ap)
            self.assertEqual(ap['location']['id'], 1)
            n = count('SELECT count(*) FROM appointments')
            # Seattle no longer offers Dev from 13:00 to 14:15 Pacific (the hour and
            # its 15-minute buffer), nor any start whose hour would meet it
            after = [s['start'] for s in slots(2, date, 'dev-okafor')['days'][0]['slots']]
            for t in ('11:45', '12:00', '12:30', '13:00', '14:00'):
                self.assertNotIn(date + 'T%s:00-08:00' % t, after)
            self.assertIn(date + 'T14:15:00-08:00', after)
            self.assertIn(date + 'T10:45:00-08:00', after)  # (12:00-12:30 is his lunch)
            # booking that time in Seattle is refused, by name or as "any", and stores nothing
            for who in ('dev-okafor', 'any'):
                st, body = book(date + 'T13:00:00-08:00', location=2, therapist=who,
                                email='b@example.com', name='Bo Client', phone='206 555 0142')
                self.assertEqual(st, 409, body)
                self.assertEqual(body['code'], 'slot_unavailable')
            self.assertEqual(count('SELECT count(*) FROM appointments'), n)
        finally:
            S.sql("DELETE FROM therapist_hours WHERE therapist_id = 'dev-okafor'"
                  " AND location_id = 1 AND weekday = 1")

    def test_bad_location(self):
        st, body = api('GET', '/api/v1/availability?service=deep-tissue-60&date=%s&location=x'
                       % MONDAY)
        self.assertEqual(st, 400)
        self.assertIn('location', body['detail'])
        st, body = api('GET', '/api/v1/availability?service=deep-tissue-60&date=%s&location=99'
                       % MONDAY)
        self.assertEqual(st, 422)
        self.assertIn('no location 99', body['detail'])
        n = count('SELECT count(*) FROM appointments')
        st, body = book('2026-12-07T10:00:00-08:00', location='2')
        self.assertEqual(st, 400)
        self.assertIn("'location'", body['detail'])
        st, body = book('2026-12-07T10:00:00-08:00', location=99)
        self.assertEqual(st, 422)
        self.assertEqual(count('SELECT count(*) FROM appointments'), n)


class BookingPages(unittest.TestCase):
    """/book with two locations: the location first, then the same steps,
    in the chosen location's zone, to a confirmation that names it."""

    def test_location_first_then_the_same_steps(self):
        c = pb.Client()
        r = c.get('/book')
        self.assertEqual(r.status, 200)
        self.assertEqual(r.page.h1, 1)
        self.assertIn('Choose a location', r.text)
        self.assertIn('1515 12th Avenue, Seattle', r.text)
        self.assertIn('1420 West Fireweed Lane', r.text)
        self.assertIn('Times are shown in Los Angeles time', r.text)
        # each location's own hours: Seattle is closed on Saturdays
        sea = r.text[r.text.index('>Seattle<'):]
        self.assertIn('Saturday – Sunday</dt><dd>Closed', sea)
        r = c.get(r.page.link('Seattle'))
        self.assertIn('Choose a service', r.text)
        r = c.get(r.page.link('Deep Tissue Massage (60 minutes)'))
        names = [l['text'] for l in r.page.links
                 if 'therapist=' in l['href'] and 'start=' not in l['href']]
        # who works in Seattle: Dev (Mondays) and Lena (Tuesdays, Thursdays)
        self.assertEqual(sorted(n for n in names if n != 'Any therapist'),
                         ['Dev Okafor', 'Lena Kusugak'])
        r = c.get(r.page.link('Any therapist'))
        self.assertIn('Los Angeles time', r.text)
        slots = r.page.slots()
        self.assertTrue(slots)
        self.assertIn('location=2', slots[0]['href'])
        self.assertIn('-08%3A00', slots[0]['href'])
        r = c.get(slots[0]['href'])
        self.assertEqual(r.status, 200, r.text[:1000])
        self.assertIn('PST', r.text)
        self.assertIn('Seattle, 1515 12th Avenue', r.text)
        form = r.page.form('/book')
        by_name = {f.get('name'): f for f in form['fields']}
        self.assertEqual(by_name['location']['value'], '2')
        before = count('SELECT count(*) FROM appointments')
        p = c.submit(form, name='Pia Pacific', email='pia@example.com', phone='206 555 0101')
        self.assertEqual(p.status, 303, p.text[:2000])
        self.assertEqual(count('SELECT count(*) FROM appointments'), before + 1)
        room = S.sql('SELECT r.location_id FROM appointments a JOIN rooms r ON r.id = a.room_id'
                     ' ORDER BY a.id DESC LIMIT 1')[0][0]
        self.assertEqual(room, 2)
        m = c.follow(p)
        self.assertIn('Seattle, 1515 12th Avenue, Seattle, WA 98122', m.text)
        self.assertIn('-08:00', m.text)
        self.assertIn('Times in Los Angeles time', m.text)
        # the calendar file carries the location's address and zone
        path = p.header('location').split('?')[0]
        lines = pb.ics_lines(c.get(path + '/calendar.ics').text)
        self.assertIn('TZID:America/Los_Angeles', lines)
        loc = [l for l in lines if l.startswith('LOCATION:')][0]
        self.assertIn('1515 12th Avenue\\, Seattle', loc)

    def test_therapist_page_and_footer_name_the_locations(self):
        c = pb.Client()
        r = c.get('/therapists/dev-okafor')
        self.assertEqual(r.status, 200)
        self.assertIn('<th scope="col">Where</th>', r.text)
        # Monday in Seattle, Tuesday in Anchorage, each on its own clock
        self.assertRegex(r.text, r'Monday</th><td>Seattle</td><td>9:00 AM')
        self.assertRegex(r.text, r'Tuesday</th><td>Anchorage</td><td>11:00 AM')
        self.assertIn('1515 12th Avenue, Seattle, WA 98122', r.text)
        self.assertIn('America/Los_Angeles', r.text)
        # every page's footer: each location's address and hours
        r = c.get('/')
        self.assertIn('Seattle: 1515 12th Avenue', r.text)
        self.assertIn('Anchorage: 1420 West Fireweed Lane', r.text)
        self.assertEqual(r.text.count('class="footer-place"'), 2)

    def test_a_bad_or_unknown_location_is_a_helpful_page(self):
        c = pb.Client()
        r = c.get('/book?location=abc')
        self.assertEqual(r.status, 400)
        self.assertIn('location', r.text)
        r = c.get('/book?location=42&service=deep-tissue-60')
        self.assertEqual(r.status, 404)
        self.assertIn('no such location', r.text)
        # a link from a service's page keeps the service through the choice
        r = c.get('/book?service=deep-tissue-60')
        self.assertIn('Choose a location', r.text)
        self.assertIn('location=2&amp;service=deep-tissue-60', r.text)


ADMIN = 'admin@chugachbodywork.example'
DESK = 'desk@chugachbodywork.example'

# Dev's week as the hours form sends it: not working but on the days given.
def week_form(location, days):
    form = {'therapist': 'dev-okafor', 'location': str(location)}
    for wd in range(7):
        if wd in days:
            form['start_%d' % wd], form['end_%d' % wd] = days[wd][:2]
            if len(days[wd]) == 4:
                form['break_start_%d' % wd], form['break_end_%d' % wd] = days[wd][2:]
        else:
            form['off_%d' % wd] = '1'
    return form


def dev_hours(location):
    return S.sql("SELECT weekday, kind, start_min, end_min FROM therapist_hours"
                 " WHERE therapist_id = 'dev-okafor' AND location_id = ?1 ORDER BY 1, 2, 3",
                 location)


class Admin(unittest.TestCase):
    """The back office: locations, their rooms, hours and closed dates, and
    a therapist's hours per location."""

    def test_add_and_edit_a_location(self):
        b = harness.signed_in(ADMIN, visit='/admin/locations')
        st, _, page = b.get('/admin/locations')
        self.assertEqual(st, 200)
        self.assertIn('Seattle', page)
        self.assertIn('(from the config file)', page)  # the first keeps the config's
        n = count('SELECT count(*) FROM locations')
        for form, word in (({'name': 'Juneau', 'address': '1 Main St', 'timezone': 'Mars/Base'},
                            'IANA'),
                           ({'name': 'seattle', 'address': '1 Main St',
                             'timezone': 'America/Juneau'}, 'already has this name'),
                           ({'name': 'Juneau', 'address': '', 'timezone': 'America/Juneau'},
                            'address')):
            st, _, page = b.post('/admin/locations', form)
            self.assertEqual(st, 422, form)
            self.assertIn(word, page)
        self.assertEqual(count('SELECT count(*) FROM locations'), n)
        st, h, _ = b.post('/admin/locations', {'name': 'Juneau', 'address': '175 S Franklin St,'
                                               ' Juneau, AK 99801', 'timezone': 'America/Juneau'})
        self.assertEqual(st, 303)
        lid = S.sql("SELECT id FROM locations WHERE name = 'Juneau'")[0][0]
        try:
            st, locs = api('GET', '/api/v1/locations')
            self.assertEqual(locs[-1]['name'], 'Juneau')  # after the others
            self.assertEqual(locs[-1]['timezone'], 'America/Juneau')
            st, _, _ = b.post('/admin/locations/%d' % lid, {
                'name': 'Juneau downtown', 'address': '175 S Franklin St, Juneau, AK 99801',
                'timezone': 'America/Juneau'})
            self.assertEqual(st, 303)
            self.assertEqual(S.sql('SELECT name FROM locations WHERE id = ?1', lid)[0][0],
                             'Juneau downtown')
            # a new location with no rooms or hours offers nothing, and says so plainly
            body = slots(lid)
            self.assertEqual(body['days'][0]['slots'], [])
            self.assertEqual(b.get('/admin/locations/99')[0], 404)
        finally:
            S.sql('DELETE FROM locations WHERE id = ?1', lid)

    def test_rooms_belong_to_a_location(self):
        b = harness.signed_in(ADMIN, visit='/admin/rooms')
        st, _, page = b.get('/admin/rooms')
        self.assertIn('<th scope="col">Location</th>', page)
        self.assertIn('<option value="2">Seattle</option>', page)
        st, _, _ = b.post('/admin/rooms', {'name': 'Maple Room', 'location': '2',
                                           'service': 'deep-tissue-60'})
        self.assertEqual(st, 303)
        rid, loc = S.sql("SELECT id, location_id FROM rooms WHERE name = 'Maple Room'")[0]
        self.assertEqual(loc, 2)
        try:
            # renaming keeps the location; a location that does not exist is refused
            st, _, _ = b.post('/admin/rooms/%d' % rid, {'name': 'Maple', 'service':
                                                        'deep-tissue-60'})
            self.assertEqual(st, 303)
            self.assertEqual(S.sql('SELECT location_id FROM rooms WHERE id = ?1', rid)[0][0], 2)
            st, _, page = b.post('/admin/rooms/%d' % rid, {'name': 'Maple', 'location': '77'})
            self.assertEqual(st, 422)
            self.assertIn('location', page)
            self.assertEqual(S.sql('SELECT location_id FROM rooms WHERE id = ?1', rid)[0][0], 2)
        finally:
            S.sql('DELETE FROM room_services WHERE room_id = ?1', rid)
            S.sql('DELETE FROM rooms WHERE id = ?1', rid)

    def test_opening_hours_and_closed_dates_per_location(self):
        b = harness.signed_in(ADMIN, visit='/admin/hours')
        st, _, page = b.get('/admin/hours?location=2')
        self.assertEqual(st, 200)
        self.assertIn('Opening hours and closed dates: Seattle', page)
        self.assertIn('aria-current="page">Seattle', page)
        self.assertIn('value="09:00"', page)
        self.assertEqual(b.get('/admin/hours?location=9')[0], 404)
        anc = S.sql('SELECT weekday, open_min, close_min FROM clinic_hours WHERE location_id = 1')
        date = '2026-12-21'  # a Monday
        self.assertTrue(slots(2, date)['days'][0]['slots'])
        st, h, _ = b.post('/admin/hours/closed', {'location': '2', 'date': date,
                                                  'reason': 'Staff training'})
        self.assertEqual(st, 303)
        self.assertIn('location=2', h['location'])
        try:
            # closed in Seattle only
            self.assertEqual(slots(2, date)['days'][0]['slots'], [])
            self.assertTrue(slots(1, date)['days'][0]['slots'])
            st, _, page = b.get('/admin/hours?location=2')
            self.assertIn('Staff training', page)
            self.assertNotIn('Staff training', b.get('/admin/hours?location=1')[2])
        finally:
            st, _, _ = b.post('/admin/hours/closed/remove', {'location': '2', 'date': date})
            self.assertEqual(st, 303)
        self.assertTrue(slots(2, date)['days'][0]['slots'])
        # Seattle opens at noon on Mondays: Anchorage's hours do not move
        form = {'location': '2'}
        for wd in range(7):
            if wd in (1, 2, 3, 4, 5):
                form['open_%d' % wd] = '12:00' if wd == 1 else '09:00'
                form['close_%d' % wd] = '18:00'
            else:
                form['closed_%d' % wd] = '1'
        st, _, _ = b.post('/admin/hours', form)
        self.assertEqual(st, 303)
        try:
            starts = [x['start'] for x in slots(2, date)['days'][0]['slots']]
            # (12:00-12:30 is Dev's lunch)
            self.assertEqual(starts[0], date + 'T12:30:00-08:00')
            self.assertEqual(S.sql('SELECT weekday, open_min, close_min FROM clinic_hours'
                                   ' WHERE location_id = 1'), anc)
        finally:
            form['open_1'] = '09:00'
            self.assertEqual(b.post('/admin/hours', form)[0], 303)

    def test_therapist_hours_per_location_and_never_in_two_at_once(self):
        b = harness.signed_in(DESK, visit='/staff')
        st, _, page = b.get('/staff/hours?therapist=dev-okafor&location=2')
        self.assertEqual(st, 200)
        self.assertIn('aria-current="page">Seattle', page)
        self.assertIn('America/Los_Angeles', page)
        seattle = dev_hours(2)
        anchorage = dev_hours(1)
        # Monday 10 AM - 8 PM in Anchorage = 11 AM - 9 PM in Seattle, where he
        # works 9 to 5 on Mondays: refused, nothing changes
        days = {2: ('11:00', '20:00', '15:00', '15:30'), 3: ('11:00', '20:00', '15:00', '15:30'),
                4: ('11:00', '20:00', '15:00', '15:30'), 5: ('11:00', '20:00', '15:00', '15:30'),
                6: ('09:00', '15:00', '12:00', '12:30')}
        st, _, page = b.post('/staff/hours', week_form(1, {**days, 1: ('10:00', '20:00')}))
        self.assertEqual(st, 409, page[:2000])
        self.assertIn('works at Seattle', page)
        self.assertIn('one location at a', page)
        self.assertEqual(dev_hours(1), anchorage)
        self.assertEqual(dev_hours(2), seattle)
        # Monday 5 PM - 8 PM in Anchorage (6 - 9 PM in Seattle, after he leaves there): saved,
        # and his Seattle hours stay as they were
        st, h, page = b.post('/staff/hours', week_form(1, {**days, 1: ('17:00', '20:00')}))
        self.assertEqual(st, 303, page[:2000])
        try:
            self.assertIn('location=1', h['location'])
            self.assertEqual(dev_hours(2), seattle)
            self.assertIn((1, 'work', 17 * 60, 20 * 60), dev_hours(1))
        finally:
            st, _, _ = b.post('/staff/hours', week_form(1, days))
            self.assertEqual(st, 303)
        self.assertEqual(dev_hours(1), anchorage)


class Staff(unittest.TestCase):
    """The front desk works one location at a time: the day view and the
    booking form, each on that location's clock."""

    def test_day_view_per_location(self):
        import re
        b = harness.signed_in(DESK, visit='/staff')
        st, _, page = b.get('/staff?date=2026-11-30&location=2')
        self.assertEqual(st, 200)
        cols = re.findall(r'<th[^>]*scope="col"[^>]*>(.*?)</th>', page)
        # Monday in Seattle: Dev only, from 9 AM Pacific
        self.assertEqual(cols[1:], ['Dev Okafor'])
        self.assertIn('9:00 AM', page)
        self.assertIn('aria-current="page">Seattle', page)
        self.assertIn('location=2', page)  # links stay at this location
        st, _, page = b.get('/staff?date=2026-11-30&location=1')
        cols = re.findall(r'<th[^>]*scope="col"[^>]*>(.*?)</th>', page)
        self.assertIn('Maren Holt', cols)
        self.assertNotIn('Dev Okafor', cols)
        self.assertEqual(b.get('/staff?location=12')[0], 404)
        # by room: Seattle's rooms
        st, _, page = b.get('/staff?date=2026-11-30&location=2&by=room')
        cols = re.findall(r'<th[^>]*scope="col"[^>]*>(.*?)</th>', page)
        self.assertEqual(sorted(cols[1:]), ['Alder Room', 'Cedar Room'])

    def test_desk_books_at_a_location(self):
        import re
        b = harness.signed_in(DESK, visit='/staff')
        q = '/staff/book?location=2&service=deep-tissue-60&therapist=dev-okafor&date=2026-12-28'
        st, _, page = b.get(q)
        self.assertEqual(st, 200)
        starts = re.findall(r'name="start" value="([^"]+)"', page)
        self.assertTrue(starts)
        self.assertTrue(all(x.endswith('-08:00') for x in starts), starts)
        self.assertEqual(starts[0], '2026-12-28T09:00:00-08:00')
        n = count('SELECT count(*) FROM appointments')
        st, h, page = b.post('/staff/book', {
            'location': '2', 'service': 'deep-tissue-60', 'therapist': 'dev-okafor',
            'date': '2026-12-28', 'start': starts[0], 'name': 'Desk Client',
            'email': 'desk.client@example.com', 'phone': '206 555 0177', 'note': ''})
        self.assertEqual(st, 303, page[:1500])
        self.assertEqual(count('SELECT count(*) FROM appointments'), n + 1)
        aid = int(h['location'].rsplit('/', 1)[1])
        self.assertEqual(S.sql('SELECT r.location_id FROM appointments a JOIN rooms r'
                               ' ON r.id = a.room_id WHERE a.id = ?1', aid)[0][0], 2)
        st, _, page = b.get(h['location'])
        self.assertIn('9:00', page)
        self.assertIn('PST', page)
        # a location that is not a number changes nothing
        st, _, page = b.post('/staff/book', {
            'location': 'x', 'service': 'deep-tissue-60', 'therapist': 'dev-okafor',
            'date': '2026-12-28', 'start': starts[1], 'name': 'Desk Client',
            'email': 'desk.client@example.com', 'phone': '206 555 0177', 'note': ''})
        self.assertIn(st, (404, 422))
        self.assertEqual(count('SELECT count(*) FROM appointments'), n + 1)


    def test_clinic_feed_per_location(self):
        import re
        b = harness.signed_in(DESK, visit='/staff')
        st, _, page = b.post('/staff/calendar/clinic', {})
        self.assertEqual(st, 200)
        path = re.search(r'value="http://127\.0\.0\.1:\d+(/feeds/[A-Za-z0-9_-]{22}\.ics)"',
                         page).group(1)
        st, ap = book('2027-01-04T10:00:00-08:00', location=2, therapist='dev-okafor',
                      email='feed@example.com', name='Fee Dee', phone='206 555 0111')
        self.assertEqual(st, 201, ap)
        uid = 'UID:appt-%d@knead' % ap['id']
        st, _, body = S.request('GET', path + '?location=2')
        body = body.decode()
        self.assertEqual(st, 200)
        self.assertIn('TZID:America/Los_Angeles', body)
        self.assertIn(uid, body)
        self.assertIn('1515 12th Avenue', body.replace('\r\n ', ''))
        self.assertIn('DTSTART;TZID=America/Los_Angeles:20270104T100000', body)
        st, _, body = S.request('GET', path + '?location=1')
        self.assertNotIn(uid, body.decode())
        self.assertIn('TZID:America/Anchorage', body.decode())
        # the whole clinic's feed has it too, at its address
        st, _, body = S.request('GET', path)
        self.assertIn(uid, body.decode())
        self.assertEqual(S.request('GET', path + '?location=7')[0], 404)


if __name__ == '__main__':
    run_suite(globals())
