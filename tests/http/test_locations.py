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


if __name__ == '__main__':
    run_suite(globals())
