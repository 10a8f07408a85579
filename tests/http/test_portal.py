"""The client portal against the real server: sign-in links by e-mail (read
from a loopback SMTP receiver, test_outbox's), used once, expiring, throttled,
no enumeration; earlier bookings becoming the client's; access to one's own
records only; audit rows; CSRF; an optional password.  The clock is pinned
to Tuesday 2026-11-24 09:00 in Anchorage (-09:00); nothing sleeps a fixed
time.

usage: test_portal.py PATH/TO/knead"""
import datetime
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Browser, Server, run_suite, text  # noqa: E402
from test_outbox import Smtpd  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
NOW_TS = int(datetime.datetime.fromisoformat(NOW).timestamp())
PUBLIC = 'http://clinic.test'
DEADLINE = 30.0
LINK = re.compile(re.escape(PUBLIC) + r'(/account/link/[A-Za-z0-9_-]{22})')
S = None
SMTP = None


def setUpModule():
    global S, SMTP
    SMTP = Smtpd().start()
    S = Server(KNEAD)
    path = os.path.join(S.dir, 'portal.ini')
    with open(path, 'w') as f:
        f.write('[server]\npublic_url = %s\n[smtp]\nhost = 127.0.0.1\nport = %d\n'
                'retry_min_seconds = 1\nretry_max_seconds = 2\n' % (PUBLIC, SMTP.port))
    S.extra = ['--now', NOW, '--config', path]
    S.start()


def tearDownModule():
    S.cleanup()
    SMTP.stop()


def db(sql, *args):
    return S.sql(sql, *args)


def book(start, email, name='Ana Lee', therapist='any'):
    import json
    body = json.dumps({'service': 'deep-tissue-60', 'therapist': therapist, 'start': start,
                       'client': {'name': name, 'email': email, 'phone': '907 555 0100'}})
    st, _, out = S.request('POST', '/api/v1/appointments', body=body.encode(),
                           headers={'Content-Type': 'application/json'})
    assert st == 201, (st, out)
    return json.loads(out)


def ask_link(b, email):
    """Asks for a sign-in link as browser b; returns (status, headers, page)."""
    b.csrf('/account')
    return b.post('/account', {'email': email})


def mails_to(rcpt):
    return [m for m in SMTP.to(rcpt) if 'sign-in link' in str(m['Subject'])]


def wait_link(rcpt, count=1):
    """The path of the newest sign-in link mailed to rcpt, once `count` arrived."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        ms = mails_to(rcpt)
        if len(ms) >= count:
            body = ms[-1].get_body(preferencelist=('plain',)).get_content()
            m = LINK.search(body)
            assert m, body
            return m.group(1)
        time.sleep(0.05)
    raise AssertionError('no sign-in link for %s\n%s' % (rcpt, S.log()[-3000:]))


def sign_in(email):
    """A Browser signed in with a link mailed to email."""
    b = Browser()
    before = len(mails_to(email))
    st, h, _ = ask_link(b, email)
    assert st == 303, st
    path = wait_link(email, before + 1)
    b.get(path)
    st, h, _ = b.post(path, {})
    assert st == 303 and h['location'] == '/portal?welcome=1', (st, h)
    return b


class Fresh(unittest.TestCase):
    """Every request comes from 127.0.0.1: the per-peer throttle would carry over."""

    def setUp(self):
        db('DELETE FROM signin_requests')
        db('DELETE FROM login_failures')


class Links(Fresh):
    def test_link_signs_in_once_and_links_earlier_bookings(self):
        a1 = book('2026-11-25T10:00:00-09:00', 'Ana.Once@Example.com', 'Ana Once')
        a2 = book('2026-11-26T10:00:00-09:00', 'ana.once@example.com', 'Ana O.')
        b = Browser()
        st, h, _ = ask_link(b, 'ana.once@example.com')
        self.assertEqual((st, h['location']), (303, '/account?sent=1'))
        st, _, page = b.get('/account?sent=1')
        self.assertIn('If we know this address, a sign-in link is on its way', text(page))
        path = wait_link('ana.once@example.com')
        msg = mails_to('ana.once@example.com')[-1]
        self.assertIn('20 minutes', msg.get_body(preferencelist=('plain',)).get_content())
        # opening the link does not use it up: a button does
        st, h, page = b.get(path)
        self.assertEqual(st, 200)
        self.assertIn('Sign in as ana.once@example.com', text(page))
        self.assertEqual(h['cache-control'], 'no-store')
        self.assertNotIn('knead_session', b.cookies)
        st, h, _ = b.post(path, {})
        self.assertEqual((st, h['location']), (303, '/portal?welcome=1'))
        self.assertIn('knead_session', b.cookies)
        st, _, page = b.get('/portal?welcome=1')
        self.assertEqual(st, 200)
        t = text(page)
        self.assertIn('You are signed in', t)
        self.assertIn('/portal/appointments/%d' % a1['id'], page)
        self.assertIn('/portal/appointments/%d' % a2['id'], page)
        self.assertIn('Wednesday, November 25, 2026', t)
        # the account was made (role client, no password) and both rows linked, in one go
        rows = db("SELECT id, role, password_hash, proven_email, email_proven_at FROM users"
                  " WHERE email = 'ana.once@example.com'")
        self.assertEqual(len(rows), 1)
        uid, role, pw, proven, at = rows[0]
        self.assertEqual((role, pw, proven, at), ('client', '', 'ana.once@example.com', NOW_TS))
        # signed in, /account goes to the portal
        st, h, _ = b.get('/account')
        self.assertEqual((st, h['location']), (303, '/portal'))
        linked = db('SELECT count(*) FROM clients WHERE user_id = ?', uid)[0][0]
        self.assertEqual(linked, 2)
        # a second use: a clear page, no session
        other = Browser()
        st, _, page = other.get(path)
        self.assertEqual(st, 410)
        self.assertIn('used already', text(page))
        other.csrf('/account')
        st, h, page = other.post(path, {})
        self.assertEqual(st, 410)
        self.assertNotIn('knead_session', other.cookies)
        self.assertEqual(other.get('/portal')[0], 303)

    def test_a_second_sign_in_finds_the_same_account(self):
        book('2026-11-25T11:00:00-09:00', 'twice@example.com', 'Tia Twice')
        sign_in('twice@example.com')
        b = sign_in('twice@example.com')
        self.assertEqual(db("SELECT count(*) FROM users WHERE email = 'twice@example.com'")[0][0], 1)
        self.assertEqual(b.get('/portal')[0], 200)

    def test_expired_link_gives_a_clear_page_and_no_session(self):
        book('2026-11-25T12:00:00-09:00', 'late@example.com', 'Lee Late')
        b = Browser()
        ask_link(b, 'late@example.com')
        path = wait_link('late@example.com')
        # the link was sent an hour before the pinned now and expired 40 minutes later
        db('UPDATE signin_links SET created_at = ?, expires_at = ? WHERE email = ?',
           NOW_TS - 3600, NOW_TS - 1200, 'late@example.com')
        st, _, page = b.get(path)
        self.assertEqual(st, 410)
        self.assertIn('This sign-in link has expired', text(page))
        self.assertIn('href="/account"', page)
        st, _, _ = b.post(path, {})
        self.assertEqual(st, 410)
        self.assertNotIn('knead_session', b.cookies)
        self.assertEqual(db("SELECT count(*) FROM users WHERE email = 'late@example.com'")[0][0], 0)
        # expiring exactly at now is expired too
        db('UPDATE signin_links SET expires_at = ? WHERE email = ?', NOW_TS, 'late@example.com')
        self.assertEqual(b.get(path)[0], 410)

    def test_wrong_tokens_give_a_clear_404_and_no_session(self):
        b = Browser()
        b.csrf('/account')
        for path in ('/account/link/AAAAAAAAAAAAAAAAAAAAAA', '/account/link/short',
                     '/account/link/' + 'A' * 23, '/account/link/%21%21%21'):
            st, h, page = b.get(path)
            self.assertEqual(st, 404, path)
            self.assertIn('This sign-in link does not work', text(page))
            self.assertEqual(h['cache-control'], 'no-store')
            st, _, _ = b.post(path, {})
            self.assertEqual(st, 404, path)
        self.assertNotIn('knead_session', b.cookies)

    def test_no_enumeration_and_mail_only_to_addresses_we_know(self):
        book('2026-11-25T13:00:00-09:00', 'known@example.com', 'Kim Known')
        answers = []
        for addr in ('known@example.com', 'nobody@example.com', 'desk@chugachbodywork.example'):
            b = Browser()
            st, h, _ = ask_link(b, addr)
            _, _, page = b.get(h['location'])
            answers.append((st, h['location'], re.sub(r'value="[^"]*"', '', page)))
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(answers[0], answers[2])
        wait_link('known@example.com')
        self.assertEqual(db("SELECT count(*) FROM outbox WHERE recipient IN"
                            " ('nobody@example.com', 'desk@chugachbodywork.example')")[0][0], 0)
        self.assertEqual(db("SELECT count(*) FROM signin_links WHERE email IN"
                            " ('nobody@example.com', 'desk@chugachbodywork.example')")[0][0], 0)
        self.assertEqual(mails_to('nobody@example.com'), [])

    def test_a_bad_address_is_refused_by_the_field(self):
        b = Browser()
        st, _, page = ask_link(b, 'not-an-address')
        self.assertEqual(st, 422)
        self.assertIn('aria-invalid="true"', page)
        self.assertIn('aria-describedby="email-hint email-error"', page)
        self.assertIn('Nothing was sent', text(page))


class Throttle(Fresh):
    def test_per_address(self):
        book('2026-11-25T14:00:00-09:00', 'often@example.com', 'Oft Often')
        # five requests for the address from elsewhere in the window
        for i in range(5):
            db('INSERT INTO signin_requests (email, address, at) VALUES (?, ?, ?)',
               'often@example.com', '192.0.2.%d' % i, NOW_TS - 60 * (i + 1))
        b = Browser()
        st, h, page = ask_link(b, 'OFTEN@example.com')
        self.assertEqual(st, 429)
        self.assertIn('retry-after', h)
        self.assertGreater(int(h['retry-after']), 0)
        self.assertIn('Too many sign-in links', text(page))
        self.assertEqual(db("SELECT count(*) FROM signin_links WHERE email = 'often@example.com'")[0][0], 0)

    def test_old_requests_and_links_are_forgotten(self):
        week = 7 * 86400
        db('INSERT INTO signin_requests (email, address, at) VALUES (?, ?, ?)',
           'old@example.com', '192.0.2.1', NOW_TS - week - 1)
        db('INSERT INTO signin_links (token_hash, email, created_at, expires_at)'
           ' VALUES (CAST(? AS BLOB), ?, ?, ?)', 'x' * 32, 'old@example.com', NOW_TS - week - 3600, NOW_TS - week - 1)
        db('INSERT INTO signin_links (token_hash, email, created_at, expires_at)'
           ' VALUES (CAST(? AS BLOB), ?, ?, ?)', 'y' * 32, 'old@example.com', NOW_TS - 3600, NOW_TS - 60)
        self.assertEqual(ask_link(Browser(), 'someone@example.com')[0], 303)
        self.assertEqual(db("SELECT count(*) FROM signin_requests WHERE email = 'old@example.com'")[0][0], 0)
        # an expired link is kept for a week: it still says "expired", not "unknown"
        self.assertEqual(db("SELECT count(*) FROM signin_links WHERE email = 'old@example.com'")[0][0], 1)

    def test_per_peer(self):
        b = Browser()
        for i in range(5):
            self.assertEqual(ask_link(b, 'stranger%d@example.com' % i)[0], 303)
        st, h, _ = ask_link(b, 'stranger9@example.com')
        self.assertEqual(st, 429)
        self.assertLessEqual(int(h['retry-after']), 15 * 60)


class Access(Fresh):
    @classmethod
    def setUpClass(cls):
        db('DELETE FROM signin_requests')
        cls.mine = book('2026-11-27T10:00:00-09:00', 'mia@example.com', 'Mia Mine')
        cls.theirs = book('2026-11-27T11:00:00-09:00', 'tom@example.com', 'Tom Theirs')
        # a session of Mia's last week, completed, with a signed note and recommendations
        cls.past = book('2026-11-28T10:00:00-09:00', 'mia@example.com', 'Mia Mine')
        start = NOW_TS - 7 * 86400
        db("UPDATE appointments SET start_at = ?, end_at = ?, busy_until = ?, status = 'completed'"
           " WHERE id = ?", start, start + 3600, start + 3600, cls.past['id'])
        cid = db('SELECT client_id FROM appointments WHERE id = ?', cls.past['id'])[0][0]
        tid = db('SELECT client_id FROM appointments WHERE id = ?', cls.theirs['id'])[0][0]
        db("INSERT INTO treatment_notes (appointment_id, rest, home_care, next_weeks, author_id,"
           " created_at, updated_at, signed_by, signed_by_id, signed_at)"
           " VALUES (?, 1, 'Walk twenty minutes a day.', 3, 1, ?, ?, 'Maren Holt', 1, ?)",
           cls.past['id'], start, start, start + 7200)
        db("INSERT INTO insurance_checks (client_id, carrier, member_id, holder_name,"
           " holder_relation, requested_at, status, outcome, verified_at, verified_by_name)"
           " VALUES (?, 'Premera', 'M-1', 'Mia Mine', 'self', ?, 'done', 'partial', ?, 'Dee Desk')",
           cid, start, start)
        db("INSERT INTO referrals (client_id, physician, referred_on, diagnosis, visits,"
           " valid_until, created_at, updated_at) VALUES (?, 'Dr. Ruth Alder', '2026-11-01',"
           " 'Low back pain', 8, '2027-01-15', ?, ?)", cid, start, start)
        db("INSERT INTO referrals (client_id, physician, referred_on, diagnosis, visits,"
           " valid_until, created_at, updated_at) VALUES (?, 'Dr. Other Person', '2026-11-01',"
           " 'Neck pain', 4, '2027-01-15', ?, ?)", tid, start, start)
        cls.mia = sign_in('mia@example.com')
        cls.tom = sign_in('tom@example.com')

    def test_portal_shows_own_appointments_records_and_recommendations(self):
        before = db("SELECT count(*) FROM audit_log WHERE actor = 'mia@example.com'")[0][0]
        st, _, page = self.mia.get('/portal')
        self.assertEqual(st, 200)
        t = text(page)
        self.assertIn('/portal/appointments/%d' % self.mine['id'], page)
        self.assertIn('/portal/appointments/%d' % self.past['id'], page)
        self.assertNotIn('/portal/appointments/%d' % self.theirs['id'], page)
        self.assertIn('Walk twenty minutes a day.', t)
        self.assertIn('Dr. Ruth Alder', t)
        self.assertNotIn('Dr. Other Person', t)
        self.assertIn('Premera', t)
        self.assertIn('No health form yet', t)
        self.assertIn('href="/book?service=deep-tissue-60&amp;therapist=', page)
        rows = db("SELECT record, role, user_id FROM audit_log WHERE actor = 'mia@example.com'"
                  " ORDER BY id")[before:]
        self.assertEqual(sorted({r[0] for r in rows}), ['insurance', 'note', 'referral'])
        self.assertTrue(all(r[1] == 'client' and r[2] > 0 for r in rows), rows)

    def test_another_clients_ids_are_404(self):
        for path in ('/portal/appointments/%d' % self.theirs['id'],
                     '/portal/appointments/999999', '/portal/appointments/abc',
                     '/portal/appointments/0'):
            st, _, page = self.mia.get(path)
            self.assertEqual(st, 404, path)
            self.assertNotIn('Tom', page)
        st, _, _ = self.mia.post('/portal/appointments/%d/manage' % self.theirs['id'], {})
        self.assertEqual(st, 404)
        # staff pages with record ids stay closed to a client
        rid = db("SELECT id FROM referrals WHERE physician = 'Dr. Other Person'")[0][0]
        self.assertEqual(self.mia.get('/staff/referrals/%d' % rid)[0], 403)
        self.assertEqual(self.mia.get('/staff/appointments/%d' % self.theirs['id'])[0], 403)
        st, _, page = self.tom.get('/portal/appointments/%d' % self.theirs['id'])
        self.assertEqual(st, 200)
        self.assertNotIn('Mia', text(page).replace('Mia Mine', ''))  # nothing of Mia's

    def test_appointment_page_and_manage_link(self):
        st, _, page = self.mia.get('/portal/appointments/%d' % self.past['id'])
        self.assertEqual(st, 200)
        self.assertIn('Walk twenty minutes a day.', text(page))
        st, h, _ = self.mia.post('/portal/appointments/%d/manage' % self.mine['id'], {})
        self.assertEqual(st, 303)
        self.assertRegex(h['location'], r'^/a/[A-Za-z0-9_-]{22}$')
        st, _, page = self.mia.get(h['location'])
        self.assertEqual(st, 200)
        self.assertIn('Cancel appointment', page)
        # the e-mailed link still works beside the portal's
        emailed = self.mine['manage_url'].split('clinic.test', 1)[-1]
        self.assertEqual(self.mia.get(emailed)[0], 200)

    def test_anonymous_and_staff(self):
        st, h, _ = Browser().get('/portal')
        self.assertEqual(st, 303)
        self.assertTrue(h['location'].startswith('/login'))
        desk = Browser()
        desk.login('desk@chugachbodywork.example', 'demo-desk-pass')
        self.assertEqual(desk.get('/portal')[0], 403)
        st, _, page = Browser().get('/login')
        self.assertIn('href="/account"', page)

    def test_csrf(self):
        b = Browser()
        b.csrf('/account')
        st, _, _ = b.request('POST', '/account', {'email': 'mia@example.com'})
        self.assertEqual(st, 403)
        st, _, _ = b.request('POST', '/account', {'email': 'mia@example.com', 'csrf': 'forged'})
        self.assertEqual(st, 403)
        st, _, _ = self.mia.request('POST', '/portal/appointments/%d/manage' % self.mine['id'],
                                    {'csrf': 'forged'})
        self.assertEqual(st, 403)
        # a link posted without the token is not used up
        before = len(mails_to('mia@example.com'))
        ask_link(b, 'mia@example.com')
        path = wait_link('mia@example.com', before + 1)
        st, _, _ = Browser().request('POST', path, {})
        self.assertEqual(st, 403)
        self.assertEqual(db('SELECT count(*) FROM signin_links WHERE used_at IS NULL AND'
                            " email = 'mia@example.com'")[0][0], 1)

    def test_later_bookings_show_once_the_address_is_proven(self):
        later = book('2026-11-30T10:00:00-09:00', 'MIA@example.com', 'Mia M.')
        st, _, page = self.mia.get('/portal')
        self.assertIn('/portal/appointments/%d' % later['id'], page)
        self.assertEqual(self.mia.get('/portal/appointments/%d' % later['id'])[0], 200)

    def test_an_address_changed_by_an_admin_is_not_proven(self):
        book('2026-11-30T11:00:00-09:00', 'zed@example.com', 'Zed Zee')
        zed = sign_in('zed@example.com')
        other = book('2026-11-30T12:00:00-09:00', 'ava@example.com', 'Ava Other')
        db("UPDATE users SET email = 'ava@example.com' WHERE email = 'zed@example.com'")
        st, _, page = zed.get('/portal')
        self.assertEqual(st, 200)
        self.assertNotIn('/portal/appointments/%d' % other['id'], page)
        self.assertEqual(zed.get('/portal/appointments/%d' % other['id'])[0], 404)


class Password(Fresh):
    def test_a_link_client_sets_a_password_and_signs_in_with_it(self):
        book('2026-11-25T15:00:00-09:00', 'pia@example.com', 'Pia Password')
        b = sign_in('pia@example.com')
        st, _, page = b.get('/account/password')
        self.assertEqual(st, 200)
        self.assertIn('Set a password', page)
        self.assertNotIn('Current password', page)
        st, h, _ = b.post('/account/password', {'password': 'pia-secret-pass',
                                                 'confirm': 'pia-secret-pass'})
        self.assertEqual(st, 303)
        st, _, page = b.get('/account/password')
        self.assertIn('Current password', page)
        c = Browser()
        st, h, _ = c.login('pia@example.com', 'pia-secret-pass')
        self.assertEqual((st, h['location']), (303, '/portal'))
        self.assertEqual(c.get('/portal')[0], 200)

    def test_no_password_never_signs_in_on_login(self):
        book('2026-11-25T16:00:00-09:00', 'nopw@example.com', 'No Password')
        sign_in('nopw@example.com')
        st, _, _ = Browser().login('nopw@example.com', '')
        self.assertNotEqual(st, 303)
        st, _, _ = Browser().login('nopw@example.com', 'anything-at-all')
        self.assertEqual(st, 401)


if __name__ == '__main__':
    run_suite(globals())
