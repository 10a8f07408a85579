"""HTTP tests of the booking pages without JavaScript: the real knead binary,
the demo clinic, the clock pinned to Tuesday 2026-11-24 09:00 in Anchorage,
and a plain HTTP client that reads the HTML, follows links, fills in the
forms (with the CSRF cookie and field) and follows the 303s.

usage: test_pages_booking.py PATH/TO/knead"""
import html
import os
import re
import sys
import unittest
import urllib.parse
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, run_suite  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'  # a Tuesday; same-day bookings from 12:00
S = None


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', NOW]).start()


def tearDownModule():
    S.cleanup()


# ---- a tiny browser ---------------------------------------------------------

class Page(HTMLParser):
    """What a test needs from a page: links, forms, ids, labels, headings."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.text = text
        self.links = []      # {'href', 'text', 'class'}
        self.forms = []      # {'action', 'method', 'fields': [attrs], 'textareas': {name: text}}
        self.ids = {}        # id -> attrs
        self.labels = set()  # label for= ids
        self.h1 = 0
        self._a = None
        self._textarea = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else '') for k, v in attrs}
        if 'id' in a:
            self.ids[a['id']] = dict(a, tag=tag)
        if tag == 'h1':
            self.h1 += 1
        elif tag == 'a' and 'href' in a:
            self._a = {'href': a['href'], 'text': '', 'class': a.get('class', ''),
                       'attrs': a}
        elif tag == 'form':
            self.forms.append({'action': a.get('action', ''), 'method': a.get('method', 'get'),
                               'fields': [], 'textareas': {}})
        elif tag == 'input' and self.forms:
            self.forms[-1]['fields'].append(a)
        elif tag == 'textarea' and self.forms:
            self._textarea = a.get('name', '')
            self.forms[-1]['textareas'][self._textarea] = ''
        elif tag == 'label' and 'for' in a:
            self.labels.add(a['for'])

    def handle_endtag(self, tag):
        if tag == 'a' and self._a is not None:
            self._a['text'] = ' '.join(self._a['text'].split())
            self.links.append(self._a)
            self._a = None
        elif tag == 'textarea':
            self._textarea = None

    def handle_data(self, data):
        if self._a is not None:
            self._a['text'] += data
        if self._textarea is not None and self.forms:
            self.forms[-1]['textareas'][self._textarea] += data

    def link(self, text=None, href_part=None):
        for l in self.links:
            if (text is None or text in l['text']) and (href_part is None or href_part in l['href']):
                return l['href']
        raise AssertionError('no link %r / %r in page:\n%s' % (text, href_part, self.text[:3000]))

    def slots(self):
        return [l for l in self.links if 'slot' in l['class'].split()]

    def form(self, action_part):
        for f in self.forms:
            if action_part in f['action']:
                return f
        raise AssertionError('no form posting to %r' % action_part)


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> list of values
        self.body = body
        self.text = body.decode('utf-8', 'replace')
        self._page = None

    def header(self, name):
        v = self.headers.get(name.lower())
        return ', '.join(v) if v else None

    @property
    def page(self):
        if self._page is None:
            self._page = Page(self.text)
        return self._page


class Client(harness.Browser):
    """Keeps cookies; never follows redirects on its own; posts forms as
    given (no CSRF field added) and answers with a Resp."""

    def __init__(self, server=None):
        super().__init__(server, timeout=10)

    def request(self, method, path, form=None):
        headers = {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers['Content-Type'] = 'application/x-www-form-urlencoded'
        status, pairs, data = self.send(method, path, body, headers)
        hs = {}
        for k, v in pairs:
            hs.setdefault(k.lower(), []).append(v)
        return Resp(status, hs, data)

    def post(self, path, form):
        return self.request('POST', path, form)

    def submit(self, form, **values):
        """Sends a form as a browser would: its inputs, then the values given."""
        data = {}
        for f in form['fields']:
            if f.get('type') in ('radio', 'checkbox', 'submit') or 'name' not in f:
                continue
            data[f['name']] = html.unescape(f.get('value', ''))
        for k, v in form['textareas'].items():
            data[k] = v
        data.update(values)
        return self.post(form['action'], data)

    def follow(self, resp):
        assert resp.status == 303, (resp.status, resp.text[:2000])
        return self.get(resp.header('location'))


def ics_lines(text):
    """Unfolds iCalendar text (RFC 5545 3.1) into its logical lines."""
    return text.replace('\r\n ', '').replace('\r\n\t', '').split('\r\n')


def appointments():
    return S.sql('SELECT count(*) FROM appointments')[0][0]


def times_path(service, therapist, date=None):
    q = {'service': service, 'therapist': therapist}
    if date:
        q['date'] = date
    return '/book?' + urllib.parse.urlencode(q)


def details(client, service, therapist, date=None, index=0):
    """Opens the times page of a day and follows its index-th time to the form."""
    r = client.get(times_path(service, therapist, date))
    assert r.status == 200, r.text[:1000]
    slots = r.page.slots()
    assert len(slots) > index, 'no times on %s for %s' % (date, therapist)
    r = client.get(slots[index]['href'])
    assert r.status == 200, r.text[:1000]
    return r, slots[index]


def book(client, service='deep-tissue-60', therapist='any', date=None, index=0,
         name='Ann Example', email='ann@example.com', phone='907 555 0199'):
    """Books through the pages; returns the manage page (after the 303) and its path."""
    r, slot = details(client, service, therapist, date, index)
    r = client.submit(r.page.form('/book'), name=name, email=email, phone=phone,
                      note='Lower back, left side')
    assert r.status == 303, (r.status, r.text[:2000])
    loc = r.header('location')
    assert re.match(r'^/a/[A-Za-z0-9_-]{22}\?booked=1$', loc), loc
    m = client.get(loc)
    return m, loc.split('?')[0], slot


# ---- the tests ----------------------------------------------------------------

class BookingFlow(unittest.TestCase):
    def test_service_then_therapist_then_times_then_details(self):
        c = Client()
        r = c.get('/book')
        self.assertEqual(r.status, 200)
        self.assertEqual(r.page.h1, 1)
        self.assertIn('Choose a service', r.text)
        r = c.get(r.page.link('Deep Tissue Massage (90 minutes)'))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.page.h1, 1)
        names = [l['text'] for l in r.page.links if 'therapist=' in l['href']]
        self.assertEqual(names[0], 'Any therapist', names)
        self.assertIn('Maren Holt', names)
        r = c.get(r.page.link('Any therapist'))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.page.h1, 1)
        # The strip: 14 days, today first, Sunday without openings and not a link.
        days = re.findall(r'<li><(a|span) class="day[^"]*"', r.text)
        self.assertEqual(len(days), 14, r.text[:3000])
        self.assertIn('Today, Tuesday, November 24', r.text)
        self.assertIn('Sunday, November 29: no openings', r.text)
        self.assertIn('aria-current="date"', r.text)
        self.assertNotIn('date=2026-11-29', r.text)
        self.assertIn('date=2026-11-25', r.text)
        self.assertIn('Later days', r.text)
        # Today's times start three hours from now, shown on the clinic's clock.
        slots = r.page.slots()
        self.assertTrue(slots)
        self.assertEqual(slots[0]['text'], '12:00 PM')
        self.assertIn('start=2026-11-24T12%3A00%3A00-09%3A00', slots[0]['href'])
        for s in slots:
            self.assertRegex(s['text'], r'^\d{1,2}:\d\d [AP]M$')
        r = c.get(slots[0]['href'])
        self.assertEqual(r.status, 200)
        self.assertEqual(r.page.h1, 1)
        self.assertIn('Tuesday, November 24, 2026', r.text)
        self.assertIn('12:00 PM – 1:30 PM AKST', r.text)
        form = r.page.form('/book')
        self.assertEqual(form['method'].lower(), 'post')
        by_name = {f.get('name'): f for f in form['fields']}
        self.assertTrue(by_name['csrf']['value'])
        self.assertEqual(by_name['csrf']['value'], c.cookies.get('knead_csrf'))
        self.assertEqual(by_name['name']['autocomplete'], 'name')
        self.assertEqual(by_name['email']['autocomplete'], 'email')
        self.assertEqual(by_name['email']['type'], 'email')
        self.assertEqual(by_name['phone']['autocomplete'], 'tel')
        self.assertIn('required', by_name['name'])
        self.assertIn('required', by_name['email'])
        self.assertIn('note', form['textareas'])
        for field in ('name', 'email', 'phone', 'note'):
            self.assertIn(field, r.page.labels, 'label for ' + field)
        # Book, follow the 303 to the manage page.
        before = appointments()
        p = c.submit(form, name='Ann Example', email='ann@example.com', phone='907 555 0199',
                     note='Lower back; left side, please')
        self.assertEqual(p.status, 303, p.text[:2000])
        self.assertIn('no-store', p.header('cache-control'))
        self.assertEqual(appointments(), before + 1)
        m = c.follow(p)
        self.assertEqual(m.status, 200)
        self.assertEqual(m.page.h1, 1)
        for want in ('booked', 'Deep Tissue Massage (90 minutes)', 'Tuesday, November 24, 2026',
                     '2026-11-24T12:00:00-09:00', 'Room', 'Booked', 'Keep this link',
                     'Add to calendar', 'Move appointment', 'Cancel appointment'):
            self.assertIn(want, m.text)
        self.assertIn('no-store', m.header('cache-control'))
        self.assertIn('no-referrer', m.header('referrer-policy'))
        path = p.header('location').split('?')[0]
        self.assertIn('href="%s/calendar.ics"' % path, m.text)
        self.assertIn('http://127.0.0.1:%d%s' % (S.port, path), m.text)
        # Without ?booked=1 there is no banner.
        self.assertNotIn('booked.</p>', c.get(path).text)

    def test_calendar_file(self):
        c = Client()
        m, path, slot = book(c, 'deep-tissue-60', 'maren-holt', '2026-11-25')
        r = c.get(path + '/calendar.ics')
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header('content-type').startswith('text/calendar'))
        self.assertIn('no-store', r.header('cache-control'))
        lines = ics_lines(r.text)
        self.assertEqual(lines[0], 'BEGIN:VCALENDAR')
        self.assertIn('END:VCALENDAR', lines)
        self.assertIn('BEGIN:VTIMEZONE', lines)
        self.assertIn('TZID:America/Anchorage', lines)
        self.assertEqual(lines.count('BEGIN:VEVENT'), 1)
        start = [l for l in lines if l.startswith('DTSTART;')]
        self.assertEqual(len(start), 1, lines)
        self.assertRegex(start[0], r'^DTSTART;TZID=America/Anchorage:20261125T\d{6}$')
        self.assertIn('DTEND;TZID=America/Anchorage:', r.text)
        self.assertTrue(any(re.match(r'^UID:appt-\d+@knead$', l) for l in lines))
        self.assertTrue(any(re.match(r'^DTSTAMP:20261124T180000Z$', l) for l in lines))
        self.assertIn('SUMMARY:Deep Tissue Massage (60 minutes) with Maren Holt', lines)
        self.assertIn('STATUS:CONFIRMED', lines)
        loc = [l for l in lines if l.startswith('LOCATION:')][0]
        self.assertIn('1420 West Fireweed Lane\\, Anchorage', loc)
        desc = [l for l in lines if l.startswith('DESCRIPTION:')][0]
        self.assertIn(path, desc)
        # the time the page showed is the time in the file
        hhmm = re.search(r'start=2026-11-25T(\d\d)%3A(\d\d)', slot['href']).groups()
        self.assertTrue(start[0].endswith('T%s%s00' % hhmm), (start, slot))

    def test_late_cancellation_with_confirmation(self):
        c = Client()
        m, path, _ = book(c, 'deep-tissue-60', 'tomas-reyes')  # today
        r = c.get(path + '/cancel')
        self.assertEqual(r.status, 200)
        self.assertEqual(r.page.h1, 1)
        self.assertIn('late cancellation', r.text)
        self.assertIn('less than 24 hours', r.text)
        self.assertIn('no-store', r.header('cache-control'))
        p = c.submit(r.page.form('/cancel'))
        self.assertEqual(p.status, 303, p.text[:1500])
        self.assertTrue(p.header('location').endswith('?cancelled=1'))
        m = c.follow(p)
        self.assertIn('Your appointment is cancelled.', m.text)
        self.assertIn('Cancelled (late cancellation)', m.text)
        self.assertNotIn('Cancel appointment', m.text)
        self.assertIn('STATUS:CANCELLED', ics_lines(c.get(path + '/calendar.ics').text))
        # A second try is refused; the page says it can no longer be cancelled.
        r = c.get(path + '/cancel')
        self.assertIn('can no longer be cancelled', r.text)
        again = c.post(path + '/cancel', {'csrf': c.cookies['knead_csrf']})
        self.assertEqual(again.status, 409)

    def test_early_cancellation_is_not_late(self):
        c = Client()
        m, path, _ = book(c, 'deep-tissue-60', 'maren-holt', '2026-11-27')
        r = c.get(path + '/cancel')
        self.assertIn('not a late cancellation', r.text)
        self.assertNotIn('This is a late cancellation', r.text)
        m = c.follow(c.submit(r.page.form('/cancel')))
        self.assertIn('Cancelled', m.text)
        self.assertNotIn('late cancellation)', m.text)

    def test_move_to_another_day(self):
        c = Client()
        m, path, _ = book(c, 'deep-tissue-90', 'tomas-reyes', '2026-11-26')
        self.assertIn('Thursday, November 26, 2026', m.text)
        r = c.get(path + '/move')
        self.assertEqual(r.status, 200)
        self.assertEqual(r.page.h1, 1)
        self.assertIn('Only Tomas Reyes', r.text)
        r = c.get(r.page.link(href_part='date=2026-11-30'))
        slots = r.page.slots()
        self.assertTrue(slots)
        r = c.get(slots[0]['href'])
        self.assertEqual(r.status, 200)
        self.assertIn('Move to this time?', r.text)
        self.assertIn('Monday, November 30, 2026', r.text)
        p = c.submit(r.page.form('/move'))
        self.assertEqual(p.status, 303, p.text[:1500])
        self.assertTrue(p.header('location').endswith('?moved=1'))
        m = c.follow(p)
        self.assertIn('has been moved', m.text)
        self.assertIn('Monday, November 30, 2026', m.text)
        self.assertNotIn('Thursday, November 26', m.text)

    def test_move_refuses_another_therapist_and_a_taken_time(self):
        c = Client()
        m, path, _ = book(c, 'deep-tissue-60', 'dev-okafor', '2026-12-02')
        self.assertEqual(c.get(path + '/move?therapist=maren-holt').status, 404)
        self.assertEqual(c.get(path + '/move?date=soon').status, 400)
        # Another client takes a time; moving onto it answers 409 with the day's times.
        other = Client()
        _, _, slot = book(other, 'deep-tissue-60', 'dev-okafor', '2026-12-03', name='Olaf Other',
                          email='olaf@example.com', phone='907 555 0198')
        start = urllib.parse.parse_qs(urllib.parse.urlsplit(slot['href']).query)['start'][0]
        c.get(path + '/move')
        r = c.post(path + '/move', {'csrf': c.cookies['knead_csrf'], 'start': start,
                                    'therapist': 'dev-okafor'})
        self.assertEqual(r.status, 409, r.text[:1500])
        self.assertIn('was just taken', r.text)
        self.assertTrue(r.page.slots())


class Refusals(unittest.TestCase):
    def test_unknown_token_is_404_and_private(self):
        c = Client()
        for path in ('/a/nope', '/a/AAAAAAAAAAAAAAAAAAAAAA', '/a/AAAAAAAAAAAAAAAAAAAAAA/cancel',
                     '/a/AAAAAAAAAAAAAAAAAAAAAA/move', '/a/AAAAAAAAAAAAAAAAAAAAAA/calendar.ics'):
            r = c.get(path)
            self.assertEqual(r.status, 404, path)
            self.assertIn('could not find this appointment', r.text)
            self.assertIn('no-store', r.header('cache-control'))
            self.assertIn('no-referrer', r.header('referrer-policy'))
        c.cookies['knead_csrf'] = 'B' * 22  # a matching cookie and field pass the CSRF check
        r = c.post('/a/AAAAAAAAAAAAAAAAAAAAAA/cancel', {'csrf': 'B' * 22})
        self.assertEqual(r.status, 404)

    def test_missing_or_wrong_csrf_is_403_and_books_nothing(self):
        c = Client()
        r, slot = details(c, 'deep-tissue-60', 'dev-okafor', '2026-12-01')
        form = r.page.form('/book')
        before = appointments()
        values = {'name': 'Mallory', 'email': 'mallory@example.com'}
        data = {f['name']: f.get('value', '') for f in form['fields'] if 'name' in f}
        data.update(values)
        no_field = dict(data)
        del no_field['csrf']
        self.assertEqual(c.post('/book', no_field).status, 403)
        wrong = dict(data, csrf='A' * 22)
        self.assertEqual(c.post('/book', wrong).status, 403)
        stranger = Client()  # the field without the cookie
        self.assertEqual(stranger.post('/book', data).status, 403)
        self.assertEqual(appointments(), before)
        # the time is still offered
        r = c.get(slot['href'])
        self.assertEqual(r.status, 200)
        self.assertIn('Your details', r.text)

    def test_taken_slot_is_409_with_the_typed_values(self):
        first, second = Client(), Client()
        r1, slot = details(first, 'deep-tissue-60', 'maren-holt', '2026-11-25', index=2)
        r2 = second.get(slot['href'])
        self.assertEqual(first.submit(r1.page.form('/book'), name='First', email='first@example.com').status, 303)
        before = appointments()
        r = second.submit(r2.page.form('/book'), name='Second Person',
                          email='second@example.com', note='Neck; shoulders, both')
        self.assertEqual(r.status, 409, r.text[:2000])
        self.assertEqual(r.page.h1, 1)
        self.assertIn('was just taken', r.text)
        self.assertIn('date=2026-11-25', r.page.link('See the times of that day'))
        form = r.page.form('/book')
        by_name = {f.get('name'): f for f in form['fields'] if f.get('type') != 'radio'}
        self.assertEqual(by_name['name']['value'], 'Second Person')
        self.assertEqual(by_name['email']['value'], 'second@example.com')
        self.assertEqual(form['textareas']['note'], 'Neck; shoulders, both')
        radios = [f for f in form['fields'] if f.get('type') == 'radio']
        self.assertTrue(radios, 'other times of the day are offered')
        taken = urllib.parse.parse_qs(urllib.parse.urlsplit(slot['href']).query)['start'][0]
        self.assertNotIn(taken, [f['value'] for f in radios])
        self.assertEqual(appointments(), before)
        # choosing another time in the same form books it
        p = second.submit(form, start=radios[0]['value'])
        self.assertEqual(p.status, 303, p.text[:2000])

    def test_bad_email_is_422_with_the_message_and_the_typed_values(self):
        c = Client()
        r, _ = details(c, 'deep-tissue-90', 'any', '2026-11-28')
        before = appointments()
        r = c.submit(r.page.form('/book'), name='Ann <Example>', email='not-an-email',
                     phone='907 555 0100', note='Line one\nLine two')
        self.assertEqual(r.status, 422)
        self.assertEqual(r.page.h1, 1)
        self.assertIn('Please check the email address', r.text)
        email = r.page.ids['email']
        self.assertEqual(email.get('aria-invalid'), 'true')
        self.assertIn('email-error', email.get('aria-describedby'))
        self.assertIn('email-error', r.page.ids)
        form = r.page.form('/book')
        by_name = {f.get('name'): f for f in form['fields']}
        self.assertEqual(by_name['name']['value'], 'Ann <Example>')  # kept, and escaped
        self.assertIn('value="Ann &lt;Example&gt;"', r.text)
        self.assertEqual(by_name['email']['value'], 'not-an-email')
        self.assertEqual(by_name['phone']['value'], '907 555 0100')
        self.assertEqual(form['textareas']['note'].replace('\r\n', '\n'), 'Line one\nLine two')
        self.assertEqual(appointments(), before)
        # a missing name is named too
        r = c.submit(r.page.form('/book'), name='', email='ann@example.com')
        self.assertEqual(r.status, 422)
        self.assertIn('Please give your name', r.text)

    def test_unknown_service_or_therapist_is_a_helpful_404(self):
        c = Client()
        r = c.get('/book?service=hot-stones')
        self.assertEqual(r.status, 404)
        self.assertIn('hot-stones', r.text)
        self.assertIn('href="/book"', r.text)
        r = c.get('/book?service=deep-tissue-60&therapist=nobody')
        self.assertEqual(r.status, 404)
        self.assertIn('href="/book?service=deep-tissue-60"', r.text)
        r = c.get('/book?service=swedish-60&therapist=dev-okafor')
        self.assertEqual(r.status, 404)
        self.assertIn('Dev Okafor does not offer', r.text)
        self.assertEqual(c.get('/book?therapist=nobody').status, 404)
        r = c.post('/book', {'csrf': 'x' * 22, 'service': 'hot-stones'})
        self.assertEqual(r.status, 403)  # no cookie: refused before anything else

    def test_malformed_date_or_start_is_400(self):
        c = Client()
        for q in ('date=2026-11-31', 'date=tomorrow', 'date=2026-11-24T00:00:00',
                  'start=2026-11-24T12:00:00', 'start=2026-11-24+12:00', 'start=noon'):
            r = c.get('/book?service=deep-tissue-60&therapist=any&' + q)
            self.assertEqual(r.status, 400, q)
            self.assertEqual(r.page.h1, 1)
        self.assertEqual(c.get('/book?service=deep-tissue-60&service=deep-tissue-90').status, 400)

    def test_a_time_no_longer_bookable_shows_the_times_with_the_reason(self):
        c = Client()
        r = c.get(times_path('deep-tissue-60', 'any') + '&start=' +
                  urllib.parse.quote('2026-11-24T10:00:00-09:00'))
        self.assertEqual(r.status, 200)
        self.assertIn('3 hours', r.text)
        self.assertTrue(r.page.slots())
        self.assertNotIn('<form', r.text)

    def test_later_days_and_past_days(self):
        c = Client()
        r = c.get(times_path('deep-tissue-60', 'any', '2026-12-15'))
        self.assertEqual(r.status, 200)
        self.assertIn('Tuesday, December 15', r.text)
        self.assertIn('Earlier days', r.text)
        r = c.get(times_path('deep-tissue-60', 'any', '2026-11-01'))
        self.assertEqual(r.status, 200)
        self.assertIn('That day has passed', r.text)


class FallBackDay(unittest.TestCase):
    """Sunday 2026-11-01 has 25 hours in Anchorage: 1:00-1:59 AM happens in
    AKDT, then again in AKST.  A clinic open that night offers both, labelled
    apart, and a booking in the second one keeps its real instant."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(KNEAD, seed=False, extra=['--now', '2026-10-31T09:00:00-08:00'])
        r = cls.srv.run_cli('demo', '--db', cls.srv.db)
        if r.returncode != 0:
            raise RuntimeError('knead demo failed: ' + r.stderr)
        cls.srv.sql('INSERT INTO clinic_hours (weekday, open_min, close_min) VALUES (0, 0, 360)')
        cls.srv.sql("INSERT INTO therapist_hours (therapist_id, weekday, kind, start_min, end_min) "
                    "VALUES ('maren-holt', 0, 'work', 0, 360)")
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def test_repeated_hour_is_offered_twice_and_labelled(self):
        c = Client(self.srv)
        r = c.get(times_path('deep-tissue-60', 'maren-holt', '2026-11-01'))
        self.assertEqual(r.status, 200, r.text[:1000])
        labels = [s['text'] for s in r.page.slots()]
        for want in ('12:00 AM', '12:45 AM', '1:00 AM (AKDT)', '1:45 AM (AKDT)', '1:00 AM (AKST)',
                     '1:45 AM (AKST)', '2:00 AM', '4:45 AM'):
            self.assertIn(want, labels)
        self.assertNotIn('1:00 AM', labels)
        self.assertNotIn('2:00 AM (AKST)', labels)
        self.assertLess(labels.index('1:45 AM (AKDT)'), labels.index('1:00 AM (AKST)'))
        self.assertEqual(len(labels), len(set(labels)))
        by_label = {s['text']: urllib.parse.unquote(s['href']) for s in r.page.slots()}
        self.assertIn('start=2026-11-01T01:30:00-08:00', by_label['1:30 AM (AKDT)'])
        self.assertIn('start=2026-11-01T01:30:00-09:00', by_label['1:30 AM (AKST)'])

        d = c.get(r.page.link('1:30 AM (AKST)'))
        self.assertEqual(d.status, 200)
        self.assertIn('1:30 AM (AKST) – 2:30 AM AKST', d.text)
        p = c.submit(d.page.form('/book'), name='Night Owl', email='owl@example.com')
        self.assertEqual(p.status, 303, p.text[:1500])
        m = c.follow(p)
        self.assertIn('2026-11-01T01:30:00-09:00', m.text)
        self.assertIn('1:30 AM (AKST)', m.text)
        path = p.header('location').split('?')[0]
        lines = ics_lines(c.get(path + '/calendar.ics').text)
        # 01:30 with a TZID would be ambiguous: the second 01:30 is written in UTC.
        self.assertIn('DTSTART:20261101T103000Z', lines)
        self.assertIn('DTEND;TZID=America/Anchorage:20261101T023000', lines)
        # the night's other times stay offered, the ones it overlaps are gone
        r = c.get(times_path('deep-tissue-60', 'maren-holt', '2026-11-01'))
        labels = [s['text'] for s in r.page.slots()]
        self.assertIn('12:00 AM', labels)
        self.assertNotIn('1:30 AM (AKST)', labels)


class NextOpening(unittest.TestCase):
    def test_home_services_and_articles_show_the_next_opening(self):
        c = Client()
        for path in ('/', '/services', '/articles/deep-tissue-massage-for-lower-back-pain'):
            r = c.get(path)
            self.assertEqual(r.status, 200, path)
            self.assertRegex(r.text, r'Next opening: <a [^>]+>Today \d{1,2}:\d\d PM, any therapist', path)
            href = r.page.link(href_part='/book?service=deep-tissue-60&therapist=any&start=')
            self.assertIn('/book?service=deep-tissue-90&therapist=any&start=',
                          html.unescape(r.text))
            d = c.get(href)
            self.assertEqual(d.status, 200, href)
            self.assertIn('Your details', d.text)

    def test_site_links_to_online_booking(self):
        r = Client().get('/')
        self.assertIn('href="/book"', r.text)
        self.assertIn('Book online', r.text)


if __name__ == '__main__':
    run_suite(globals())
