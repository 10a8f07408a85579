"""The client's way through (issue 13, items 7-14) against the real server,
the clock pinned to Tuesday 2026-11-24 09:00 in Anchorage: pages reached by
a private link follow the appointment's state, the service and therapist
steps of /book, moving with the booked therapist, the header's account
link, opening hours from the settings, and the confirmation page and
e-mail.

usage: test_journey.py PATH/TO/knead"""
import json
import os
import re
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, text  # noqa: E402
from test_outbox import Smtpd  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
PUBLIC = 'http://clinic.test'
DEADLINE = 30.0
S = None
SMTP = None


def setUpModule():
    global S, SMTP
    SMTP = Smtpd().start()
    S = Server(KNEAD)
    path = os.path.join(S.dir, 'journey.ini')
    with open(path, 'w') as f:
        f.write('[server]\npublic_url = %s\n[smtp]\nhost = 127.0.0.1\nport = %d\n'
                'retry_min_seconds = 1\nretry_max_seconds = 2\n' % (PUBLIC, SMTP.port))
    S.extra = ['--now', NOW, '--config', path]
    S.start()


def tearDownModule():
    try:
        harness.finish(S)
    finally:
        SMTP.stop()


def mail(rcpt, subject_part):
    """The newest e-mail to rcpt whose subject contains subject_part."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        ms = [m for m in SMTP.to(rcpt) if subject_part in str(m['Subject'])]
        if ms:
            return ms[-1]
        time.sleep(0.05)
    raise AssertionError('no "%s" e-mail to %s\n%s' % (subject_part, rcpt, S.log()[-3000:]))


def sign_in(email):
    """A Browser signed in to the portal with the link mailed to email."""
    return harness.link_signed_in(S, SMTP, email, PUBLIC, DEADLINE)


def q(sql, *args):
    con = sqlite3.connect(S.db)
    try:
        rows = con.execute(sql, args).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def free_start(therapist, service='deep-tissue-60', days=None):
    for day in days or ('2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-30',
                '2026-12-01', '2026-12-02', '2026-12-03'):
        st, _, data = S.request('GET', '/api/v1/availability?service=%s&date=%s'
                                       '&therapist=%s' % (service, day, therapist))
        assert st == 200, (st, data)
        found = re.findall(r'"start":"([^"]+)"', data.decode())
        if found:
            return found[0]
    raise AssertionError('no free time for ' + therapist)


PHONES = {}


def book(name, email, therapist='maren-holt'):
    """Books through the API; returns (appointment id, manage path)."""
    phone = PHONES.setdefault(email, '907-555-%04d' % (600 + len(PHONES)))
    body = json.dumps({'service': 'deep-tissue-60', 'therapist': therapist,
                       'start': free_start(therapist),
                       'client': {'name': name, 'email': email, 'phone': phone}})
    st, _, data = S.request('POST', '/api/v1/appointments', body.encode(),
                            {'Content-Type': 'application/json'})
    assert st == 201, (st, data)
    appt = json.loads(data)
    # absolute under [server] public_url: the path is what a Browser here asks for
    assert appt['manage_url'].startswith(PUBLIC + '/a/'), appt['manage_url']
    return appt['id'], appt['manage_url'][len(PUBLIC):]


def opened(path):
    b = Browser()
    st, _, page = b.get(path)
    assert st == 200, st
    return b, page


class LinkFollowsState(unittest.TestCase):
    """Item 11: a cancelled or past appointment no longer asks for the health
    form or offers to move."""

    def test_booked_asks_for_the_form(self):
        _, path = book('Una Upcoming', 'una@example.com')
        b, page = opened(path)
        self.assertIn('Fill in your health form', page)
        self.assertIn('Move appointment', page)
        st, _, _ = b.get(path + '/intake')
        self.assertEqual(st, 200)

    def test_cancelled_asks_for_nothing(self):
        aid, path = book('Cleo Cancelled', 'cleo@example.com')
        b, page = opened(path)
        st, h, _ = b.post(path + '/cancel', {})
        self.assertEqual(st, 303)
        st, _, page = b.get(h['location'])
        self.assertIn('Your appointment is cancelled', page)
        t = text(page)
        self.assertNotIn('Fill in your health form', t)
        self.assertNotIn('Move appointment', t)
        self.assertNotIn('Ask us to check your insurance', t)
        self.assertNotIn('Keep this link', t)
        self.assertIn('no longer asks for a health form', t)
        for sub in ('/intake', '/insurance'):
            st, _, page = b.get(path + sub)
            self.assertEqual(st, 410, sub)
            self.assertIn('This appointment is cancelled', text(page))
            self.assertIn('href="%s"' % path, page)
        before = q('SELECT count(*) FROM intakes')[0][0]
        st, _, page = b.post(path + '/intake', {'reason': 'x'})
        self.assertEqual(st, 409)
        self.assertEqual(q('SELECT count(*) FROM intakes')[0][0], before)
        st, _, _ = b.post(path + '/insurance', {'carrier': 'Premera'})
        self.assertEqual(st, 409)
        st, _, page = b.get(path + '/move')
        self.assertNotIn('Move to this time', page)
        self.assertIn('can no longer be moved', text(page))

    def test_past_asks_for_nothing(self):
        aid, path = book('Pia Past', 'pia@example.com')
        # the appointment took place yesterday
        q('UPDATE appointments SET start_at = start_at - 7*86400, end_at = end_at - 7*86400,'
          ' busy_until = busy_until - 7*86400 WHERE id = ?', aid)
        b, page = opened(path)
        t = text(page)
        self.assertNotIn('Fill in your health form', t)
        self.assertNotIn('Move appointment', t)
        self.assertNotIn('Add to calendar', t)
        self.assertIn('This appointment is over', t)
        st, _, page = b.get(path + '/intake')
        self.assertEqual(st, 410)
        self.assertIn('has passed', text(page))

    def test_checked_in_today_still_takes_the_form(self):
        aid, path = book('Chet Checkedin', 'chet@example.com')
        q("UPDATE appointments SET status = 'checked_in' WHERE id = ?", aid)
        b, page = opened(path)
        self.assertIn('Fill in your health form', page)
        self.assertNotIn('Move appointment', text(page))


class ChooseTherapist(unittest.TestCase):
    """Item 8: photo or monogram, bio, specialties and next opening; the
    therapist's own page books with them."""

    def test_step_two_shows_the_person_and_their_next_opening(self):
        st, _, page = S.request('GET', '/book?service=deep-tissue-60')
        self.assertEqual(st, 200)
        page = page.decode()
        t = text(page)
        self.assertIn('Lower back pain', t)            # Maren's specialties
        self.assertIn('fourteen years', t)             # her bio
        self.assertIn('Sports recovery', t)            # Dev's
        nexts = re.findall(r'Next opening: <a href="([^"]+)"><time datetime="([^"]+)">([^<]+)<', page)
        self.assertEqual(len(nexts), 5, nexts)         # any therapist and each of four
        hrefs = [html_unescape(h) for h, _, _ in nexts]
        self.assertTrue(any('therapist=maren-holt' in h and 'start=' in h for h in hrefs), hrefs)
        # the next opening leads straight to the details form of that time
        maren = [h for h in hrefs if 'therapist=maren-holt' in h][0]
        st, _, page = S.request('GET', maren)
        self.assertEqual(st, 200)
        self.assertIn('Your details', text(page.decode()))

    def test_a_therapist_without_photo_gets_a_monogram(self):
        q("UPDATE therapists SET photo = '', photo_alt = '' WHERE id = 'lena-kusugak'")
        try:
            st, _, page = S.request('GET', '/book?service=deep-tissue-60')
            self.assertIn('<span class="choice-photo monogram" aria-hidden="true">LK</span>',
                          page.decode())
            st, _, page = S.request('GET', '/therapists/lena-kusugak')
            self.assertIn('monogram" aria-hidden="true">LK</span>', page.decode())
        finally:
            q("UPDATE therapists SET photo = '/static/img/therapists/lena-kusugak.svg',"
              " photo_alt = 'Portrait illustration of Lena Kusugak' WHERE id = 'lena-kusugak'")

    def test_book_with_maren_preselects_her(self):
        st, _, page = S.request('GET', '/therapists/maren-holt')
        page = page.decode()
        self.assertIn('href="/book?therapist=maren-holt">Book with Maren</a>', page)
        self.assertIn('Lower back pain', text(page))
        st, _, page = S.request('GET', '/book?therapist=maren-holt')
        page = page.decode()
        self.assertIn('Services with Maren Holt', text(page))
        links = re.findall(r'class="choice-title"><a href="([^"]+)"', page)
        self.assertTrue(links and all('therapist=maren-holt' in html_unescape(h) for h in links), links)
        st, _, page = S.request('GET', html_unescape(links[0]))
        self.assertEqual(st, 200)
        self.assertIn('Deep Tissue Massage (60 minutes) · Maren Holt Change therapist', text(page.decode()))

    def test_specialties_are_set_on_the_admin_form(self):
        b = harness.signed_in(('admin@chugachbodywork.example', 'demo-admin-pass'))
        st, _, page = b.get('/admin/therapists/tomas-reyes')
        self.assertEqual(st, 200)
        self.assertIn('name="specialties"', page)
        form = {'name': 'Tomas Reyes', 'title': 'Licensed Massage Therapist', 'bio': 'Bio.',
                'specialties': ' Whiplash ,  Desk workers,', 'photo': '', 'photo_alt': '',
                'active': '1', 'service': ['deep-tissue-60', 'deep-tissue-90']}
        st, _, _ = b.post('/admin/therapists/tomas-reyes', form)
        self.assertEqual(st, 303)
        st, _, page = S.request('GET', '/therapists/tomas-reyes')
        self.assertIn('<li>Whiplash</li><li>Desk workers</li>', page.decode())
        form['specialties'] = 'x' * 301
        st, _, page = b.post('/admin/therapists/tomas-reyes', form)
        self.assertEqual(st, 422)


class MoveKeepsTherapist(unittest.TestCase):
    """Item 9: moving keeps the booked therapist unless the client chooses
    another, and the change is shown before and after."""

    def test_move_preselects_the_booked_therapist(self):
        aid, path = book('Mo Mover', 'mo.mover@example.com', therapist='lena-kusugak')
        b, page = opened(path + '/move')
        self.assertIn('aria-current="page">Lena Kusugak (your therapist)</a>', page)
        slots = re.findall(r'class="slot[^"]*" href="([^"]+)"', page)
        self.assertTrue(slots, page[-3000:])
        self.assertTrue(all('therapist=lena-kusugak' in html_unescape(h) for h in slots), slots[:3])
        st, _, page = b.get(html_unescape(slots[0]))
        self.assertIn('Lena Kusugak', text(page))
        self.assertNotIn('instead of', text(page))
        start = re.search(r'name="start" value="([^"]+)"', page).group(1)
        # a form without a therapist keeps hers, never "any"
        st, h, _ = b.post(path + '/move', {'start': start})
        self.assertEqual(st, 303)
        self.assertNotIn('therapist_changed', h['location'])
        self.assertEqual(q('SELECT therapist_id FROM appointments WHERE id = ?', aid)[0][0],
                         'lena-kusugak')

    def test_another_therapist_is_an_explicit_choice_shown_on_the_confirmation(self):
        aid, path = book('Tess Switch', 'tess.switch@example.com', therapist='maren-holt')
        b, page = opened(path + '/move')
        other = re.search(r'href="([^"]*therapist=tomas-reyes[^"]*)">Tomas Reyes</a>', page)
        self.assertTrue(other, 'no choice of Tomas')
        st, _, page = b.get(html_unescape(other.group(1)))
        self.assertIn('moving here changes your therapist', text(page))
        slot = re.findall(r'class="slot[^"]*" href="([^"]+)"', page)[0]
        st, _, page = b.get(html_unescape(slot))
        self.assertIn('Tomas Reyes (instead of Maren Holt, as you chose)', text(page))
        start = re.search(r'name="start" value="([^"]+)"', page).group(1)
        st, h, _ = b.post(path + '/move', {'start': start, 'therapist': 'tomas-reyes'})
        self.assertEqual(st, 303)
        st, _, page = b.get(h['location'])
        self.assertIn('Your therapist is now Tomas Reyes', text(page))
        self.assertEqual(q('SELECT therapist_id FROM appointments WHERE id = ?', aid)[0][0],
                         'tomas-reyes')


class Account(unittest.TestCase):
    """Item 12: "My appointments" in the header shows who is signed in; the
    health form is one click from the portal."""

    def test_header_links_my_appointments_and_shows_signed_in_state(self):
        for p in ('/', '/services', '/therapists/maren-holt', '/book'):
            st, h, page = S.request('GET', p)
            page = page.decode()
            self.assertIn('<a href="/account">My appointments</a>', page, p)
            self.assertNotIn('signed in as', page)
        b = harness.client_account(S, email='hana.header@example.com', name='Hana Header')
        for p in ('/', '/services', '/therapists/maren-holt', '/book', '/articles'):
            st, h, page = b.get(p)
            self.assertEqual(st, 200, p)
            self.assertIn('href="/portal"', page)
            self.assertIn('My appointments<span class="visually-hidden">, signed in as</span> '
                          '<span class="account-state">Hana</span>', page, p)
            self.assertEqual(h.get('cache-control'), 'no-store', p)  # a page with a name is private
        st, _, page = b.get('/portal')
        self.assertIn('href="/portal" aria-current="page"', page)
        # a session cookie that does not match a session: signed out, never an error
        c = Browser()
        c.cookies[[k for k in b.cookies if 'session' in k][0]] = 'x' * 43
        st, _, page = c.get('/')
        self.assertEqual(st, 200)
        self.assertIn('<a href="/account">My appointments</a>', page)
        # staff see their own place
        d = harness.signed_in(('desk@chugachbodywork.example', 'demo-desk-pass'))
        st, _, page = d.get('/')
        self.assertIn('<a href="/staff">My appointments<span class="visually-hidden">, signed in as', page)

    def test_health_form_is_one_click_from_the_portal(self):
        email = 'polly.portal@example.com'
        aid, path = book('Polly Portal', email)
        b = sign_in(email)
        st, _, page = b.get('/portal')
        self.assertEqual(st, 200)
        forms = re.findall(r'<form method="post" action="([^"]+)">\s*<input type="hidden" '
                           r'name="csrf" value="[^"]*">\s*<input type="hidden" name="go" '
                           r'value="intake">', page)
        self.assertEqual(forms, ['/portal/appointments/%d/manage' % aid])
        st, h, _ = b.post(forms[0], {'go': 'intake'})
        self.assertEqual(st, 303)
        self.assertRegex(h['location'], r'^/a/[A-Za-z0-9_-]{22}/intake$')
        st, _, page = b.get(h['location'])
        self.assertEqual(st, 200)
        self.assertIn('name="consent_name"', page)
        # a past appointment goes to its page, not to a form it no longer asks for
        q('UPDATE appointments SET start_at = start_at - 7*86400, end_at = end_at - 7*86400,'
          ' busy_until = busy_until - 7*86400 WHERE id = ?', aid)
        st, h, _ = b.post(forms[0], {'go': 'intake'})
        self.assertEqual(st, 303)
        self.assertNotIn('/intake', h['location'])


class HoursAndOpenings(unittest.TestCase):
    """Item 14: opening hours from the clinic's settings on every public
    page; every bookable service shows its next opening."""

    PAGES = ('/', '/services', '/therapists', '/therapists/maren-holt', '/articles',
             '/articles/deep-tissue-massage-for-lower-back-pain', '/book',
             '/book?service=deep-tissue-60', '/account', '/no-such-page')

    def footer(self, p):
        st, _, page = S.request('GET', p)
        page = page.decode()
        i = page.index('<footer')
        return text(page[i:])

    def test_footer_hours_follow_the_settings(self):
        for p in self.PAGES:
            f = self.footer(p)
            self.assertIn('Monday – Friday 8 AM – 8 PM Saturday 9 AM – 5 PM Sunday Closed', f, p)
            self.assertNotIn('Open Monday to Saturday, closed Sunday', f, p)
        rows = q('SELECT weekday, open_min, close_min FROM clinic_hours')
        try:
            q('DELETE FROM clinic_hours WHERE weekday IN (5, 6)')
            q('INSERT INTO clinic_hours (weekday, open_min, close_min) VALUES (0, 600, 840)')
            for p in self.PAGES:
                f = self.footer(p)
                self.assertIn('Monday – Thursday 8 AM – 8 PM Friday – Saturday Closed '
                              'Sunday 10 AM – 2 PM', f, p)
            st, _, page = S.request('GET', '/')
            self.assertIn('Sessions run 60 or 90 minutes, Monday, Tuesday, Wednesday, Thursday and Sunday.',
                          text(page.decode()))
        finally:
            q('DELETE FROM clinic_hours')
            for r in rows:
                q('INSERT INTO clinic_hours (weekday, open_min, close_min) VALUES (?, ?, ?)', *r)
        st, _, page = S.request('GET', '/services')
        self.assertIn('Open Monday to Saturday.', text(page.decode()))

    def test_every_bookable_service_shows_its_next_opening(self):
        ids = [r[0] for r in q('SELECT id FROM services WHERE active = 1')]
        self.assertGreaterEqual(len(ids), 4)
        for p in ('/', '/services', '/book'):
            st, _, page = S.request('GET', p)
            page = html_unescape(page.decode())
            for sid in ids:
                self.assertRegex(page, r'Next opening: <a href="/book\?service=%s&therapist=any&start=' % sid,
                                 (p, sid))
        # with a therapist chosen, her own next openings, only of her services
        st, _, page = S.request('GET', '/book?therapist=dev-okafor')
        page = html_unescape(page.decode())
        self.assertIn('/book?service=sports-45&therapist=dev-okafor&start=', page)
        self.assertNotIn('service=swedish-60', page)
        self.assertNotIn('any therapist', page)


class Confirmation(unittest.TestCase):
    """Item 10: the policy in words before booking; the confirmation page and
    e-mail give the time, price, therapist, address with a map link,
    add-to-calendar links and the health-form link."""

    def details(self, start):
        st, _, page = S.request('GET', '/book?service=deep-tissue-60&therapist=maren-holt&start='
                                + start.replace('+', '%2B'))
        self.assertEqual(st, 200)
        t = text(page.decode())
        self.assertIn('Cancellation policy', t)
        return t

    def test_policy_is_stated_before_booking(self):
        t = self.details('2026-11-25T08:00:00-09:00')  # less than a day away
        self.assertIn('this time is less than 24 hours away, so cancelling it would already '
                      'count as late', t)
        t = self.details(free_start('maren-holt', days=('2026-12-02', '2026-12-03')))
        self.assertRegex(t, r'Cancelling less than 24 hours before it starts counts as a late '
                            r'cancellation: for this time, that is after \w+day, \w+ \d+, 2026 at '
                            r'\d{1,2}:\d\d [AP]M')

    def test_confirmation_page_and_email(self):
        email = 'cora.confirm@example.com'
        aid, path = book('Cora Confirm', email, therapist='dev-okafor')
        token = path.rsplit('/', 1)[1]
        b, page = opened(path + '?booked=1')
        t = text(page)
        self.assertIn("You’re booked.", t)
        self.assertRegex(t, r'Price \$120')
        self.assertIn('Therapist Dev Okafor', t)
        self.assertRegex(t, r'\w+day, \w+ \d+, 2026, \d{1,2}:\d\d [AP]M – \d{1,2}:\d\d [AP]M AKST')
        links = [html_unescape(h) for h in re.findall(r'href="([^"]+)"', page)]
        maps = [h for h in links if h.startswith('https://www.google.com/maps/search/?api=1&query=')]
        self.assertEqual(len(maps), 1, links)
        self.assertIn('1420%20West%20Fireweed%20Lane', maps[0])
        google = [h for h in links if h.startswith('https://calendar.google.com/calendar/render?')]
        outlook = [h for h in links if h.startswith('https://outlook.live.com/calendar/0/deeplink/compose?')]
        self.assertEqual((len(google), len(outlook)), (1, 1), links)
        start_utc = q('SELECT start_at, end_at FROM appointments WHERE id = ?', aid)[0]
        import datetime
        def utc(ts, fmt):
            return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime(fmt)
        self.assertIn('dates=%s%%2F%s' % (utc(start_utc[0], '%Y%m%dT%H%M%SZ'),
                                         utc(start_utc[1], '%Y%m%dT%H%M%SZ')), google[0])
        self.assertIn('startdt=%s' % utc(start_utc[0], '%Y-%m-%dT%H:%M:%SZ'), outlook[0])
        self.assertIn('text=Deep%20Tissue%20Massage%20%2860%20minutes%29%20with%20Dev%20Okafor',
                      google[0])
        for h in google + outlook + maps:
            self.assertNotIn(token, h)  # the private link never goes to a third party
        self.assertIn(path + '/calendar.ics', links)
        self.assertIn(path + '/intake', links)
        self.assertRegex(t, r'after \w+day, \w+ \d+, 2026 at \d{1,2}:\d\d [AP]M — counts as a late '
                            r'cancellation')
        # the e-mail: the same, as HTML and as plain text
        m = mail(email, 'Booked:')
        plain = m.get_body(preferencelist=('plain',)).get_content()
        rich = m.get_body(preferencelist=('html',)).get_content()
        for part in (plain, html_unescape(rich)):
            self.assertIn('Dev Okafor', part)
            self.assertIn('$120', part)
            self.assertIn('1420 West Fireweed Lane', part)
            self.assertIn('https://www.google.com/maps/search/?api=1&query=', part)
            self.assertIn('https://calendar.google.com/calendar/render?action=TEMPLATE', part)
            self.assertIn('https://outlook.live.com/calendar/0/deeplink/compose?', part)
            self.assertIn(PUBLIC + path + '/intake', part)
            self.assertIn(PUBLIC + path, part)
            self.assertRegex(part, r'Cancelling less than 24 hours ahead \(after \w+day, \w+ \d+, '
                                   r'2026 at \d{1,2}:\d\d [AP]M\) counts as a late cancellation')
            for u in re.findall(r'https://(?:calendar\.google|outlook\.live|www\.google)\S+', part):
                self.assertNotIn(token, u)
        self.assertIn('<a href="%s%s/intake"' % (PUBLIC, path), rich)
        self.assertNotIn('<script', rich.lower())


def html_unescape(s):
    import html
    return html.unescape(s)


if __name__ == '__main__':
    run_suite(globals())
