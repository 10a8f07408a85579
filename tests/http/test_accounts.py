"""Accounts against the real server: sign-in, sessions, expiry, CSRF,
throttling, password changes, `knead user add`, and a walk over the route
table's /staff and /admin routes as every role.

usage: test_accounts.py PATH/TO/knead"""
import os
import re
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, clear_failures, run_suite  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
S = None
PASSWORDS = {
    'admin@chugachbodywork.example': 'demo-admin-pass',
    'desk@chugachbodywork.example': 'demo-desk-pass',
    'maren@chugachbodywork.example': 'demo-therapist-pass',
}


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', '2026-11-24T09:00:00-09:00']).start()
    with sqlite3.connect(S.db) as con:
        pass
    r = S.run_cli('user', 'add', '--db', S.db, '--email', 'client@example.com', '--name',
                  'Cara Client', '--role', 'client', '--password-file', pwfile('client-pass-123'))
    assert r.returncode == 0, r.stderr


def tearDownModule():
    S.cleanup()


def pwfile(pw):
    path = os.path.join(S.dir, 'pw-%d' % abs(hash(pw)))
    with open(path, 'w') as f:
        f.write(pw + '\n')
    return path


class Fresh(unittest.TestCase):
    """Every test starts with no failed sign-ins on record: they all come
    from 127.0.0.1, and the address throttle would carry over."""

    def setUp(self):
        clear_failures()


def signed_in(email):
    return harness.signed_in(email, PASSWORDS.get(email, 'client-pass-123'))


class Login(Fresh):
    def test_staff_page_redirects_anonymous_to_login_and_back(self):
        b = Browser()
        st, h, _ = b.request('GET', '/staff?date=2026-11-25')
        self.assertEqual(st, 303)
        self.assertEqual(h['location'], '/login?next=%2Fstaff%3Fdate%3D2026-11-25')
        st, h, _ = b.login('desk@chugachbodywork.example', 'demo-desk-pass', '/staff?date=2026-11-25')
        self.assertEqual(st, 303)
        self.assertEqual(h['location'], '/staff?date=2026-11-25')
        cookie = h['set-cookie']
        self.assertIn('HttpOnly', cookie)
        self.assertIn('SameSite=Lax', cookie)
        st, _, page = b.request('GET', '/staff?date=2026-11-25')
        self.assertEqual(st, 200)
        self.assertIn('Wednesday, November 25, 2026', page)
        for name in ('Maren Holt', 'Dev Okafor', 'Lena Kusugak', 'Tomas Reyes'):
            self.assertIn(name, page)

    def test_next_never_leaves_the_site(self):
        b = Browser()
        for evil in ('https://evil.example/', '//evil.example/x', '/\\evil.example'):
            st, h, _ = b.login('desk@chugachbodywork.example', 'demo-desk-pass', evil)
            self.assertEqual(st, 303)
            self.assertEqual(h['location'], '/staff')

    def test_wrong_password_and_unknown_email_read_the_same(self):
        b = Browser()
        st1, _, p1 = b.login('desk@chugachbodywork.example', 'not-the-password')
        st2, _, p2 = b.login('nobody@chugachbodywork.example', 'not-the-password')
        self.assertEqual((st1, st2), (401, 401))
        msg = 'The email or password is not right'
        self.assertIn(msg, p1)
        self.assertIn(msg, p2)
        self.assertNotIn('knead_session', b.cookies)

    def test_login_without_csrf_is_refused_and_signs_nobody_in(self):
        b = Browser()
        st, _, _ = b.request('POST', '/login', {'email': 'desk@chugachbodywork.example',
                                                'password': 'demo-desk-pass'})
        self.assertEqual(st, 403)
        self.assertNotIn('knead_session', b.cookies)

    def test_logout_ends_the_session(self):
        b = signed_in('desk@chugachbodywork.example')
        token = b.cookies['knead_session']
        st, _, _ = b.request('POST', '/logout', {'csrf': b.cookies['knead_csrf']})
        self.assertEqual(st, 303)
        b.cookies['knead_session'] = token  # a copied cookie no longer works
        st, _, _ = b.request('GET', '/staff')
        self.assertEqual(st, 303)

    def test_logout_needs_csrf(self):
        b = signed_in('desk@chugachbodywork.example')
        st, _, _ = b.request('POST', '/logout', {})
        self.assertEqual(st, 403)
        self.assertEqual(b.request('GET', '/staff')[0], 200)

    def test_session_token_is_stored_hashed(self):
        b = signed_in('maren@chugachbodywork.example')
        tok = b.cookies['knead_session'].encode()
        con = sqlite3.connect(S.db)
        n = con.execute('SELECT count(*) FROM sessions WHERE instr(token_hash, ?) > 0', (tok,)).fetchone()[0]
        con.close()
        self.assertEqual(n, 0)

    def test_idle_and_absolute_expiry(self):
        b = signed_in('desk@chugachbodywork.example')
        con = sqlite3.connect(S.db)
        # idle for 3 hours (limit 2)
        con.execute("UPDATE sessions SET last_seen_at = last_seen_at - 3 * 3600")
        con.commit()
        self.assertEqual(b.request('GET', '/staff')[0], 303)
        b = signed_in('desk@chugachbodywork.example')
        # used a minute ago, but signed in 13 hours ago (limit 12)
        con.execute("UPDATE sessions SET created_at = created_at - 13 * 3600, last_seen_at = last_seen_at - 60")
        con.commit()
        con.close()
        self.assertEqual(b.request('GET', '/staff')[0], 303)


class Throttle(Fresh):
    def test_five_failures_then_429_even_with_the_right_password(self):
        b = Browser()
        email = 'admin@chugachbodywork.example'
        for _ in range(5):
            self.assertEqual(b.login(email, 'wrong-password')[0], 401)
        st, h, page = b.login(email, 'demo-admin-pass')
        self.assertEqual(st, 429)
        self.assertGreater(int(h['retry-after']), 0)
        self.assertIn('try again', page)
        con = sqlite3.connect(S.db)
        con.execute("UPDATE login_failures SET at = at - 16 * 60 WHERE email = ?", (email,))
        con.commit()
        con.close()
        self.assertEqual(b.login(email, 'demo-admin-pass')[0], 303)

    def test_twenty_failures_from_one_address_slow_down_other_accounts(self):
        b = Browser()
        for i in range(20):
            self.assertEqual(b.login('guess%d@example.com' % i, 'wrong-password')[0], 401)
        st, h, _ = b.login('desk@chugachbodywork.example', 'demo-desk-pass')
        self.assertEqual(st, 429)
        self.assertIn('retry-after', h)


class Password(Fresh):
    def test_change_password_ends_other_sessions(self):
        r = S.run_cli('user', 'add', '--db', S.db, '--email', 'temp@chugachbodywork.example',
                      '--name', 'Temp Desk', '--role', 'desk', '--password-file', pwfile('first-pass-123'))
        self.assertEqual(r.returncode, 0, r.stderr)
        a, other = Browser(), Browser()
        self.assertEqual(a.login('temp@chugachbodywork.example', 'first-pass-123')[0], 303)
        self.assertEqual(other.login('temp@chugachbodywork.example', 'first-pass-123')[0], 303)
        csrf = a.cookies['knead_csrf']
        st, _, page = a.request('POST', '/account/password', {
            'csrf': csrf, 'current': 'wrong', 'password': 'second-pass-456', 'confirm': 'second-pass-456'})
        self.assertEqual(st, 422)
        self.assertIn('current password is not right', page)
        st, _, page = a.request('POST', '/account/password', {
            'csrf': csrf, 'current': 'first-pass-123', 'password': 'short', 'confirm': 'short'})
        self.assertEqual(st, 422)
        self.assertIn('at least 10', page)
        st, h, _ = a.request('POST', '/account/password', {
            'csrf': csrf, 'current': 'first-pass-123', 'password': 'second-pass-456', 'confirm': 'second-pass-456'})
        self.assertEqual(st, 303)
        self.assertEqual(a.request('GET', '/staff')[0], 200)
        self.assertEqual(other.request('GET', '/staff')[0], 303)
        self.assertEqual(Browser().login('temp@chugachbodywork.example', 'first-pass-123')[0], 401)
        self.assertEqual(Browser().login('temp@chugachbodywork.example', 'second-pass-456')[0], 303)


class UserCli(Fresh):
    def test_bad_input_exits_2_with_one_line(self):
        cases = [
            ['--email', 'x@example.com', '--name', 'X', '--role', 'wizard'],
            ['--email', 'not-an-email', '--name', 'X', '--role', 'desk'],
            ['--email', 'x@example.com', '--role', 'desk'],
        ]
        for extra in cases:
            r = S.run_cli('user', 'add', '--db', S.db, *extra, '--password-file', pwfile('long-enough-pass'))
            self.assertEqual(r.returncode, 2, (extra, r.stderr))
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        r = S.run_cli('user', 'add', '--db', S.db, '--email', 'y@example.com', '--name', 'Y',
                      '--role', 'desk', '--password-file', pwfile('short'))
        self.assertEqual(r.returncode, 2)
        self.assertIn('10 characters', r.stderr)

    def test_duplicate_email_is_refused(self):
        r = S.run_cli('user', 'add', '--db', S.db, '--email', 'DESK@chugachbodywork.example',
                      '--name', 'Again', '--role', 'desk', '--password-file', pwfile('long-enough-pass'))
        self.assertEqual(r.returncode, 1)
        self.assertIn('already exists', r.stderr)

    def test_password_from_standard_input(self):
        r = S.run_cli('user', 'add', '--db', S.db, '--email', 'stdin@example.com', '--name', 'Std In',
                      '--role', 'therapist', '--therapist', 'lena-kusugak',
                      input_text='typed-password-1\n')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(Browser().login('stdin@example.com', 'typed-password-1')[0], 303)


class HashCost(unittest.TestCase):
    """The tests' cheap hashing (KNEAD_PWHASH=test) is a test-build switch that only
    takes the one value; without it, a new hash costs argon2id's interactive limits."""

    def stored_hash(self, db, email):
        with sqlite3.connect(db) as con:
            return con.execute('SELECT password_hash FROM users WHERE email = ?', (email,)).fetchone()[0]

    def test_cost_follows_the_switch_and_a_bad_value_is_refused(self):
        real = Server(KNEAD, real_hashing=True)
        try:
            r = real.run_cli('migrate', '--db', real.db)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = real.run_cli('user', 'add', '--db', real.db, '--email', 'real@example.com', '--name',
                             'Real Cost', '--role', 'desk', '--password-file', pwfile('a-real-cost-pass-7'))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(self.stored_hash(real.db, 'real@example.com'), r'^\$argon2id\$v=19\$m=65536,')
            r = S.run_cli('user', 'add', '--db', S.db, '--email', 'cheap@example.com', '--name',
                          'Cheap Cost', '--role', 'desk', '--password-file', pwfile('a-cheap-cost-pass-7'))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(self.stored_hash(S.db, 'cheap@example.com'), r'^\$argon2id\$v=19\$m=8,')
            import subprocess
            p = subprocess.run([KNEAD, 'migrate', '--db', real.db], capture_output=True, text=True,
                               timeout=30, env=dict(os.environ, KNEAD_PWHASH='fast'))
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            self.assertIn('KNEAD_PWHASH', p.stderr)
        finally:
            real.cleanup()


def route_table():
    """The (method, pattern, flags) rows of src/web/routes.c."""
    src = open(os.path.join(ROOT, 'src', 'web', 'routes.c')).read()
    rows = re.findall(r'\{(ROUTE_[A-Z_| ]+), "([^"]+)", \w+,\s*([A-Z_| 0-9]+),', src)
    assert rows, 'could not read the route table'
    return rows


class RouteWalk(Fresh):
    """Every /staff and /admin route, as every role: anonymous → sign-in,
    a role the rule does not name → 403, a named role → 200 (GET) or not
    403 (POST)."""

    ROLES = {
        'anonymous': None,
        'client': 'client@example.com',
        'therapist': 'maren@chugachbodywork.example',
        'desk': 'desk@chugachbodywork.example',
        'admin': 'admin@chugachbodywork.example',
    }

    def test_walk(self):
        browsers = {role: (signed_in(email) if email else Browser()) for role, email in self.ROLES.items()}
        walked = 0
        for methods, pattern, flags in route_table():
            if not (pattern.startswith('/staff') or pattern.startswith('/admin')):
                continue
            allowed = set()
            if 'ROUTE_STAFF' in flags:
                allowed |= {'therapist', 'desk', 'admin'}
            for role, bit in (('client', 'ROUTE_CLIENT'), ('therapist', 'ROUTE_THERAPIST'),
                              ('desk', 'ROUTE_DESK'), ('admin', 'ROUTE_ADMIN')):
                if bit in flags:
                    allowed.add(role)
            if 'desk' in allowed:
                allowed.add('admin')
            self.assertTrue(allowed, pattern + ' has no roles')
            path = re.sub(r'\{[^}]+\}', '1', pattern)
            for method in ('GET', 'POST'):
                if 'ROUTE_' + method not in methods:
                    continue
                for role, b in browsers.items():
                    form = {'csrf': b.cookies.get('knead_csrf', 'x')} if method == 'POST' else None
                    st, h, _ = b.request(method, path, form)
                    if role == 'anonymous':
                        expect = (303,) if method == 'GET' else (401,)
                    elif role in allowed:
                        # past the access rule: 200, or 404 for a made-up id that
                        # names nothing; never a sign-in redirect or 403
                        ok = (200, 404) if '{' in pattern else (200,)
                        expect = ok if method == 'GET' else tuple(x for x in range(200, 500) if x not in (401, 403))
                    else:
                        expect = (403,)
                    self.assertIn(st, expect, (method, path, role))
                    walked += 1
        self.assertGreater(walked, 0)


if __name__ == '__main__':
    run_suite(globals())
