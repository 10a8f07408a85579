"""Rebooking from the therapist's recommendation against the real server
(clock pinned to Tuesday 2026-11-24 09:00 in Anchorage): a visit whose signed
note says "come back in 3 weeks" offers, through its manage link and in the
client's portal, the openings of that week with the same therapist and
service; one confirmation books with the client's details as they are (no
form to fill), through the booking service, once however often the form is
sent.  Who gets nothing: a stranger who knows the client's name and e-mail,
a malformed, unknown or replaced (revoked) link, another client's account,
a visit with no signed suggestion.  A time taken meanwhile is a 409 that
stores nothing.

usage: test_rebook.py PATH/TO/knead"""
import datetime
import json
import os
import re
import sys
import unittest
from urllib.parse import unquote, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, signed_in, text  # noqa: E402
from mailcatch import Smtpd  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None
SMTP = None
PUBLIC = 'http://clinic.test'
MAREN = 'maren@chugachbodywork.example'
ZONE = datetime.timezone(datetime.timedelta(hours=-9))  # Anchorage in November and December
NOTE = {'subjective': 'Stiff neck after a week of desk work.',
        'objective': 'Raised tone in both upper trapezius.',
        'assessment': 'Postural neck strain, easing.',
        'plan': 'Return in three weeks; chin tucks daily.',
        'areas': ['neck'], 'techniques': ['myofascial'], 'pressure': 'medium',
        'home_care': 'Chin tucks twice a day.', 'next_weeks': '3'}


def setUpModule():
    global S, SMTP
    SMTP = Smtpd().start()
    S = Server(KNEAD)
    path = os.path.join(S.dir, 'rebook.ini')
    with open(path, 'w') as f:
        f.write('[server]\npublic_url = %s\n[smtp]\nhost = 127.0.0.1\nport = %d\n'
                'retry_min_seconds = 1\nretry_max_seconds = 2\n' % (PUBLIC, SMTP.port))
    S.extra = ['--now', '2026-11-24T09:00:00-09:00', '--config', path]
    S.start()


def tearDownModule():
    try:
        harness.finish(S)
    finally:
        SMTP.stop()


def sign_in(email):
    """A Browser signed in to the portal with the link mailed to email (the
    proven address that opens the client's records)."""
    return harness.link_signed_in(S, SMTP, email, PUBLIC)


def browser():
    """A Browser holding a CSRF cookie, as one that opened a form has."""
    b = Browser(S)
    b.csrf('/login')
    return b


def sql(query, *args):
    return S.sql(query, *args)


VISITS = [0]  # visits made so far: each takes its own time, so no two overlap once moved back


def api_book(email, name, start=None, therapist='maren-holt', phone='907-555-0142', nth=0):
    """Books through the API (the nth free time from tomorrow on, unless
    start); returns the appointment JSON."""
    if start is None:
        st, _, data = S.request('GET', '/api/v1/availability?service=deep-tissue-60'
                                       '&date=2026-11-25&days=7&therapist=' + therapist)
        assert st == 200, data
        start = [s['start'] for d in json.loads(data)['days'] for s in d['slots']][nth]
    body = json.dumps({'service': 'deep-tissue-60', 'therapist': therapist, 'start': start,
                       'client': {'name': name, 'email': email, 'phone': phone}})
    st, _, data = S.request('POST', '/api/v1/appointments', body.encode(),
                            {'Content-Type': 'application/json'})
    assert st == 201, (st, data)
    return json.loads(data)


def visit(email, name, weeks='3', sign=True):
    """A past session with Maren (checked in eight days before its booked
    time, so before the pinned clock) whose note she signed with `weeks`;
    returns (appointment id, manage path, its local date)."""
    VISITS[0] += 1
    appt = api_book(email, name, nth=6 * VISITS[0])  # 90 minutes apart: 60 and the buffer
    aid = appt['id']
    sql("UPDATE appointments SET status = 'checked_in', start_at = start_at - 691200,"
        " end_at = end_at - 691200, busy_until = busy_until - 691200 WHERE id = ?1", aid)
    maren = signed_in(MAREN, server=S)
    st, _, page = maren.post('/staff/appointments/%d/note' % aid,
                             dict(NOTE, next_weeks=weeks, action='sign' if sign else 'save'))
    assert st == 303, (st, page[:600])
    start = sql('SELECT start_at FROM appointments WHERE id = ?1', aid)[0][0]
    day = datetime.datetime.fromtimestamp(start, ZONE).date()
    return aid, urlsplit(appt['manage_url']).path, day


def offered(page):
    """The start times the rebook page links to, as aware datetimes."""
    return [datetime.datetime.fromisoformat(unquote(m))
            for m in re.findall(r'/rebook\?start=([^"&]+)"', page)]


def count(query, *args):
    return sql(query, *args)[0][0]


class ByManageLink(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.aid, cls.manage, cls.day = visit('rhea.rebook@example.com', 'Rhea Rebook')
        cls.cid = count('SELECT client_id FROM appointments WHERE id = ?1', cls.aid)

    def setUp(self):
        harness.clear_failures(S)

    def test_visit_page_links_to_the_rebook_page(self):
        st, _, page = Browser(S).get(self.manage)
        self.assertEqual(st, 200)
        self.assertIn('href="%s/rebook"' % self.manage, page)
        self.assertIn('Book your next visit', text(page))

    def test_week_of_openings_with_the_same_therapist(self):
        st, h, page = Browser(S).get(self.manage + '/rebook')
        self.assertEqual(st, 200)
        self.assertIn('no-store', h.get('cache-control', ''))
        t = text(page)
        want = self.day + datetime.timedelta(weeks=3)
        self.assertIn('Maren Holt suggested coming back in 3 weeks', t)
        self.assertIn('Deep Tissue', t)
        starts = offered(page)
        self.assertTrue(starts, t[:800])
        for s in starts:
            self.assertLessEqual(abs((s.astimezone(ZONE).date() - want).days), 3, s)
        # nothing to type: no name, e-mail or phone field
        for field in ('name="name"', 'name="email"', 'name="phone"'):
            self.assertNotIn(field, page)

    def test_one_confirmation_books_with_the_clients_details(self):
        b = Browser(S)
        st, _, page = b.get(self.manage + '/rebook')
        start = offered(page)[0]
        path = self.manage + '/rebook?start=' + start.isoformat().replace('+', '%2B')
        st, _, page = b.get(path)
        self.assertEqual(st, 200)
        t = text(page)
        self.assertIn('Book this time?', t)
        self.assertIn('Rhea Rebook', t)
        self.assertIn('rhea.rebook@example.com', t)
        self.assertIn('907-555-0142', t)
        once = re.search(r'name="once" value="([^"]+)"', page).group(1)
        before = count('SELECT count(*) FROM appointments WHERE client_id = ?1', self.cid)
        form = {'start': start.isoformat(), 'once': once}
        st, h, _ = b.post(self.manage + '/rebook', form)
        self.assertEqual(st, 303)
        new = h['location']
        self.assertRegex(new, r'^/a/[A-Za-z0-9_-]{22}\?booked=1$')
        self.assertEqual(count('SELECT count(*) FROM appointments WHERE client_id = ?1', self.cid),
                         before + 1)
        row = sql("SELECT therapist_id, service_id, status, start_at FROM appointments"
                  " WHERE client_id = ?1 ORDER BY id DESC LIMIT 1", self.cid)[0]
        self.assertEqual(row[:3], ('maren-holt', 'deep-tissue-60', 'booked'))
        self.assertEqual(row[3], int(start.timestamp()))
        st, _, page = b.get(new)
        self.assertEqual(st, 200)
        self.assertIn('booked', text(page))
        # the same form again (a double click, Back then Book): the first booking's page
        st, h, _ = b.post(self.manage + '/rebook', form)
        self.assertEqual(st, 303)
        self.assertEqual(h['location'], new)
        self.assertEqual(count('SELECT count(*) FROM appointments WHERE client_id = ?1', self.cid),
                         before + 1)

    def test_a_time_taken_meanwhile_is_409_and_stores_nothing(self):
        b = browser()
        _, _, page = b.get(self.manage + '/rebook')
        start = offered(page)[-1]
        api_book('someone.else@example.com', 'Sol Else', start=start.isoformat(), phone='907-555-0111')
        before = count('SELECT count(*) FROM appointments WHERE client_id = ?1', self.cid)
        b.get(self.manage + '/rebook')
        st, _, page = b.post(self.manage + '/rebook', {'start': start.isoformat()})
        self.assertEqual(st, 409)
        self.assertIn('was just taken by someone else', text(page))
        self.assertEqual(count('SELECT count(*) FROM appointments WHERE client_id = ?1', self.cid),
                         before)

    def test_bad_input_is_named(self):
        b = browser()
        st, _, page = b.get(self.manage + '/rebook?start=tomorrow')
        self.assertEqual(st, 400)
        self.assertIn("'start'", text(page))
        st, _, page = b.post(self.manage + '/rebook', {})
        self.assertEqual(st, 400)
        self.assertIn("'start'", text(page))


    def test_fees_to_agree_send_the_client_to_the_booking_form(self):
        """One click must not skip what only the booking form takes: with a
        late-cancellation fee on the service, the confirmation leads to the
        form (this time, therapist and service filled in) and books nothing."""
        b = browser()
        _, _, page = b.get(self.manage + '/rebook')
        start = offered(page)[0]
        sql("UPDATE services SET late_fee_kind = 'amount', late_fee_value = 4000"
            " WHERE id = 'deep-tissue-60'")
        try:
            before = count('SELECT count(*) FROM appointments WHERE client_id = ?1', self.cid)
            st, h, _ = b.post(self.manage + '/rebook', {'start': start.isoformat()})
            self.assertEqual(st, 303)
            loc = urlsplit(h['location'])
            self.assertEqual(loc.path, '/book')
            q = dict(p.split('=', 1) for p in loc.query.split('&'))
            self.assertEqual((q['service'], q['therapist']), ('deep-tissue-60', 'maren-holt'))
            self.assertEqual(unquote(q['start']), start.isoformat())
            self.assertEqual(count('SELECT count(*) FROM appointments WHERE client_id = ?1',
                                   self.cid), before)
            st, _, page = b.get(h['location'])
            self.assertEqual(st, 200)
            self.assertIn('late-cancellation fee of $40.', text(page))
            self.assertIn('I agree to these fees', text(page))
        finally:
            sql("UPDATE services SET late_fee_kind = 'none', late_fee_value = 0"
                " WHERE id = 'deep-tissue-60'")


class Misuse(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.aid, cls.manage, cls.day = visit('ines.private@example.com', 'Ines Private')

    def setUp(self):
        harness.clear_failures(S)

    def test_unknown_and_malformed_links_404(self):
        b = browser()
        for path in ('/a/AAAAAAAAAAAAAAAAAAAAAA/rebook', '/a/nope/rebook'):
            st, _, page = b.get(path)
            self.assertEqual(st, 404, path)
            self.assertNotIn('Maren Holt suggested', page)
            st, _, _ = b.post(path, {'start': '2026-12-08T10:00:00-09:00'})
            self.assertEqual(st, 404, path)

    def test_name_and_email_get_nothing(self):
        # a stranger books with the client's name and e-mail: their own link
        # opens no suggestion (their visit has none) and books nothing
        theirs = api_book('ines.private@example.com', 'Ines Private', phone='907-555-0199')
        b = browser()
        st, _, page = b.get(urlsplit(theirs['manage_url']).path + '/rebook')
        self.assertEqual(st, 404)
        self.assertNotIn('3 weeks', page)
        before = count('SELECT count(*) FROM appointments')
        st, _, _ = b.post(urlsplit(theirs['manage_url']).path + '/rebook', {'start': '2026-12-08T10:00:00-09:00'})
        self.assertEqual(st, 404)
        self.assertEqual(count('SELECT count(*) FROM appointments'), before)

    def test_no_signed_suggestion_is_404(self):
        for email, weeks, sign in (('draft.only@example.com', '3', False),
                                   ('no.next@example.com', '', True)):
            _, manage, _ = visit(email, 'Nell Next', weeks=weeks, sign=sign)
            st, _, page = Browser(S).get(manage + '/rebook')
            self.assertEqual(st, 404, email)
            self.assertIn('No next visit was suggested here', text(page))

    def test_replaced_portal_link_404s(self):
        acct = sign_in('ines.private@example.com')
        links = []
        for _ in range(2):
            st, h, _ = acct.post('/portal/appointments/%d/manage' % self.aid, {})
            self.assertEqual(st, 303)
            links.append(h['location'])
        st, _, _ = Browser(S).get(links[0] + '/rebook')
        self.assertEqual(st, 404)
        st, _, _ = Browser(S).get(links[1] + '/rebook')
        self.assertEqual(st, 200)


class InThePortal(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.aid, cls.manage, cls.day = visit('pia.portal@example.com', 'Pia Portal')
        cls.cid = count('SELECT client_id FROM appointments WHERE id = ?1', cls.aid)

    def setUp(self):
        harness.clear_failures(S)

    def test_signed_in_client_rebooks_from_the_portal(self):
        b = sign_in('pia.portal@example.com')
        path = '/portal/appointments/%d/rebook' % self.aid
        st, _, page = b.get('/portal')
        self.assertEqual(st, 200)
        self.assertIn('href="%s"' % path, page)
        st, _, page = b.get(path)
        self.assertEqual(st, 200)
        start = offered(page)[0]
        st, _, page = b.get(path + '?start=' + start.isoformat().replace('+', '%2B'))
        self.assertEqual(st, 200)
        self.assertIn('pia.portal@example.com', text(page))
        st, h, _ = b.post(path, {'start': start.isoformat()})
        self.assertEqual(st, 303)
        self.assertRegex(h['location'], r'^/a/[A-Za-z0-9_-]{22}\?booked=1$')
        self.assertEqual(count("SELECT count(*) FROM appointments WHERE client_id = ?1"
                               " AND status = 'booked' AND start_at = ?2", self.cid,
                               int(start.timestamp())), 1)

    def test_another_clients_account_gets_404(self):
        api_book('oscar.other@example.com', 'Oscar Other', therapist='tomas-reyes')
        other = sign_in('oscar.other@example.com')
        path = '/portal/appointments/%d/rebook' % self.aid
        before = count('SELECT count(*) FROM appointments')
        st, _, page = other.get(path)
        self.assertEqual(st, 404)
        self.assertNotIn('Pia', page)
        st, _, _ = other.post(path, {'start': '2026-12-08T10:00:00-09:00'})
        self.assertEqual(st, 404)
        self.assertEqual(count('SELECT count(*) FROM appointments'), before)

    def test_signed_out_is_sent_to_sign_in(self):
        st, h, _ = Browser(S).get('/portal/appointments/%d/rebook' % self.aid)
        self.assertIn(st, (303, 401, 403))


if __name__ == '__main__':
    run_suite(globals())
