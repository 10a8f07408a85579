"""Abuse and hardening against the real server (README, Security: Abuse and
hardening): connections per address, X-Forwarded-For only from trusted
proxies, sign-in throttling per account and address, the password-hashing
pool, logs without secrets, `next` on this site only, password quality,
__Host- cookies, no-store on signed-in pages, HTTP framing, and the booking
and waitlist throttles.  Traffic goes only to 127.0.0.0/8.

usage: test_abuse.py PATH/TO/knead"""
import concurrent.futures
import datetime
import json
import os
import re
import socket
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Browser, Server, clear_failures, finish, run_suite, signed_in  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
S = None
ADMIN = ('admin@chugachbodywork.example', 'demo-admin-pass')
DESK = ('desk@chugachbodywork.example', 'demo-desk-pass')


def config(server, text, name='knead.ini'):
    path = os.path.join(server.dir, name)
    with open(path, 'w') as f:
        f.write(text)
    return path


def server_with(text, extra=(), real_hashing=False):
    """A fresh demo server with `text` as its config file."""
    s = Server(KNEAD, real_hashing=real_hashing)
    s.extra = ['--now', NOW, '--config', config(s, text), *extra]
    return s.start()


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', NOW]).start()


def tearDownModule():
    finish(S)


def count(server, sql, *args):
    con = sqlite3.connect(server.db)
    try:
        return con.execute(sql, args).fetchone()[0]
    finally:
        con.close()


def raw_from(server, data, source='127.0.0.1', timeout=10):
    """Sends raw bytes from the loopback address `source`; returns
    (answer bytes, whether the server closed the connection after it)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.bind((source, 0))
        s.connect(('127.0.0.1', server.port))
        s.sendall(data)
        out = b''
        closed = False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            out += chunk
            head, sep, rest = out.partition(b'\r\n\r\n')
            m = re.search(rb'content-length: *(\d+)', head, re.I)
            if sep and m and len(rest) >= int(m.group(1)):
                s.settimeout(2)  # answered: does it close?
        return out, closed
    finally:
        s.close()


def status_of(answer):
    m = re.match(rb'HTTP/1\.[01] (\d{3})', answer)
    return int(m.group(1)) if m else None


class Framing(unittest.TestCase):
    """What libmicrohttpd 0.9.75 lets through is refused from the headers."""

    def test_content_length_with_transfer_encoding_is_400_and_closes(self):
        out, closed = raw_from(S, b'POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n'
                                  b'Transfer-Encoding: chunked\r\n'
                                  b'Content-Type: application/x-www-form-urlencoded\r\n\r\n'
                                  b'0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n')
        self.assertEqual(status_of(out), 400, out[:200])
        self.assertIn(b'both Content-Length and Transfer-Encoding', out)
        self.assertTrue(closed)
        self.assertEqual(out.count(b'HTTP/1.1 '), 1)  # the smuggled request was not answered

    def test_http11_without_host_is_400(self):
        out, closed = raw_from(S, b'GET / HTTP/1.1\r\n\r\n')
        self.assertEqual(status_of(out), 400, out[:200])
        self.assertIn(b'Host header', out)
        # HTTP/1.0 needs none
        out, _ = raw_from(S, b'GET / HTTP/1.0\r\n\r\n')
        self.assertEqual(status_of(out), 200, out[:200])

    def test_unknown_transfer_encoding_is_501(self):
        for te in (b'gzip', b'gzip, chunked', b'identity'):
            out, closed = raw_from(S, b'POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: '
                                      + te + b'\r\n\r\n', timeout=5)
            self.assertEqual(status_of(out), 501, (te, out[:200]))
            self.assertIn(b'chunked', out)
            self.assertTrue(closed, te)

    def test_chunked_body_over_the_limit_is_413(self):
        body = (b'10000\r\n' + b'a' * 0x10000 + b'\r\n') * 2 + b'0\r\n\r\n'
        out, _ = raw_from(S, b'POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n'
                             b'Content-Type: application/x-www-form-urlencoded\r\n\r\n' + body)
        self.assertEqual(status_of(out), 413, out[:200])
        self.assertIn(b'too large', out)

    def test_too_many_query_parameters_is_400_with_a_message(self):
        q = '&'.join('a%d=1' % i for i in range(300))
        st, _, body = S.request('GET', '/?' + q)
        self.assertEqual(st, 400)
        self.assertIn(b'too many parameters', body)
        st, _, body = S.request('GET', '/api/v1/availability?' + q)
        self.assertEqual(st, 400)
        self.assertIn(b'too many parameters', body)


def refused(c):
    """1 if the server closed held connection c without answering."""
    c.settimeout(0.5)
    try:
        return c.recv(1) == b''
    except socket.timeout:
        return False
    except OSError:
        return True


class Connections(unittest.TestCase):
    def test_slow_connections_from_one_address_do_not_shut_out_others(self):
        s = server_with('[limits]\nconnections_per_address = 4\n')
        held = []
        try:
            for _ in range(4):  # four idle connections, sending nothing
                c = socket.create_connection(('127.0.0.1', s.port), timeout=5)
                c.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n')  # headers never finished
                held.append(c)
            # a fifth from the same address is refused ... (the server's threads accept in
            # parallel, so under load the fifth may win a slot and one of the four be the one
            # refused: either way exactly four are kept open and no more)
            out, closed = raw_from(s, b'GET / HTTP/1.1\r\nHost: x\r\n\r\n', timeout=5)
            if out != b'':
                self.assertEqual(status_of(out), 200, out[:200])
                self.assertEqual(sum(1 for c in held if refused(c)), 1)
            else:
                self.assertTrue(closed)
            # ... while another address is served at once
            out, _ = raw_from(s, b'GET / HTTP/1.1\r\nHost: x\r\n\r\n', source='127.0.0.2')
            self.assertEqual(status_of(out), 200, out[:200])
            # and when the slow ones go, the address is served again
            for c in held:
                c.close()
            held = []
            deadline = time.monotonic() + 10
            while True:
                out, _ = raw_from(s, b'GET / HTTP/1.1\r\nHost: x\r\n\r\n', timeout=5)
                if status_of(out) == 200 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual(status_of(out), 200)
        finally:
            for c in held:
                c.close()
            finish(s)


class Proxies(unittest.TestCase):
    def fail_logins(self, server, xff, n, email='someone@example.com'):
        b = Browser(server)
        for _ in range(n):
            form = {'csrf': b.csrf(), 'email': email, 'password': 'wrong-password-1'}
            b.request('POST', '/login', form, headers={'X-Forwarded-For': xff})

    def test_forwarded_for_is_believed_only_from_a_trusted_proxy(self):
        # not trusted: X-Forwarded-For changes nothing, the peer is the client
        clear_failures(S)
        self.fail_logins(S, '198.51.100.1', 2)
        self.assertEqual(count(S, "SELECT count(*) FROM login_failures WHERE address = '127.0.0.1'"), 2)
        self.assertEqual(count(S, "SELECT count(*) FROM login_failures WHERE address != '127.0.0.1'"), 0)
        clear_failures(S)
        # trusted: the right-most address that is not the proxy
        s = server_with('[server]\ntrusted_proxies = 127.0.0.1, ::1\n')
        try:
            self.fail_logins(s, '6.6.6.6, 198.51.100.1', 2)
            self.fail_logins(s, '198.51.100.2', 1)
            rows = dict(sqlite3.connect(s.db).execute(
                'SELECT address, count(*) FROM login_failures GROUP BY address').fetchall())
            self.assertEqual(rows, {'198.51.100.1': 2, '198.51.100.2': 1})
            self.assertNotIn('6.6.6.6', s.log())
        finally:
            finish(s)

    def test_bad_trusted_proxies_stop_the_server_with_one_line(self):
        s = Server(KNEAD)
        try:
            path = config(s, '[server]\ntrusted_proxies = proxy.internal\n')
            r = s.run_cli('serve', '--db', s.db, '--config', path, '--listen', '127.0.0.1:0')
            self.assertEqual(r.returncode, 2)
            self.assertIn('trusted_proxies', r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        finally:
            s.cleanup()


class SignInThrottle(unittest.TestCase):
    def setUp(self):
        clear_failures(S)

    def tearDown(self):
        clear_failures(S)

    def login_as(self, who, password, source='127.0.0.1'):
        """Signs in through a proxy we trust, as if from `source`."""
        b = Browser(self.proxy)
        form = {'csrf': b.csrf(), 'email': who, 'password': password}
        return b.request('POST', '/login', form, headers={'X-Forwarded-For': source})

    def test_an_attacker_cannot_lock_the_admin_out_from_elsewhere(self):
        self.proxy = server_with('[server]\ntrusted_proxies = 127.0.0.1\n')
        try:
            for _ in range(12):
                st, h, _ = self.login_as(ADMIN[0], 'guess-guess-guess', '203.0.113.66')
                self.assertIn(st, (401, 429))
            # the attacker is slowed down ...
            st, h, page = self.login_as(ADMIN[0], 'guess-guess-guess', '203.0.113.66')
            self.assertEqual(st, 429)
            self.assertGreater(int(h['retry-after']), 0)
            self.assertIn('Wait', page)
            # ... even with the right password (no oracle while throttled)
            self.assertEqual(self.login_as(*ADMIN, source='203.0.113.66')[0], 429)
            # the admin at the clinic signs in at once
            st, h, _ = self.login_as(*ADMIN, source='198.51.100.10')
            self.assertEqual(st, 303)
        finally:
            finish(self.proxy)

    def test_slowing_grows_and_never_locks(self):
        self.proxy = server_with('[server]\ntrusted_proxies = 127.0.0.1\n')
        try:
            waits = []
            for _ in range(3):
                for _ in range(6):
                    st, h, _ = self.login_as(DESK[0], 'not-the-password', '203.0.113.7')
                    if st == 429:
                        waits.append(int(h['retry-after']))
                        break
                # time passes: move every failure back past its wait
                con = sqlite3.connect(self.proxy.db)
                con.execute('UPDATE login_failures SET at = at - ?', (waits[-1] + 1,))
                con.commit()
                con.close()
            self.assertEqual(len(waits), 3)
            self.assertLess(waits[0], waits[1])
            self.assertLess(waits[1], waits[2])
            self.assertLessEqual(waits[2], 15 * 60)
            # after the wait the right password works
            self.assertEqual(self.login_as(*DESK, source='203.0.113.7')[0], 303)
        finally:
            finish(self.proxy)

    def test_password_change_is_throttled_like_sign_in(self):
        b = signed_in(DESK, server=S)
        for _ in range(5):
            st, _, _ = b.post('/account/password', {'current': 'wrong-current-1',
                                                    'password': 'brand-new-pass-42',
                                                    'confirm': 'brand-new-pass-42'})
            self.assertEqual(st, 422)
        st, h, page = b.post('/account/password', {'current': DESK[1],
                                                   'password': 'brand-new-pass-42',
                                                   'confirm': 'brand-new-pass-42'})
        self.assertEqual(st, 429)
        self.assertGreater(int(h['retry-after']), 0)
        self.assertIn('Too many wrong passwords', page)
        self.assertEqual(count(S, "SELECT count(*) FROM login_failures WHERE email = ?", DESK[0]), 5)


class HashingPool(unittest.TestCase):
    def test_a_flood_of_sign_ins_gets_429_not_a_queue(self):
        # the pool is about argon2id's real cost (64 MiB each), not the tests' cheap one
        s = server_with('[server]\nthreads = 2\n', real_hashing=True)
        try:
            def attempt(i):
                b = Browser(s)
                form = {'csrf': b.csrf(), 'email': 'flood%d@example.com' % i,
                        'password': 'wrong-password-%d' % i}
                st, h, page = b.request('POST', '/login', form)
                return st, h.get('retry-after'), 'busy checking other passwords' in page
            seen = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not any(st == 429 for st, _, _ in seen):
                with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
                    seen += list(ex.map(attempt, range(8)))
            busy = [x for x in seen if x[0] == 429]
            self.assertTrue(busy, seen)
            self.assertTrue(all(ra and int(ra) > 0 and said for _, ra, said in busy), busy)
            self.assertTrue(all(st in (401, 429) for st, _, _ in seen), seen)
            # the server stays responsive
            self.assertEqual(s.request('GET', '/services')[0], 200)
        finally:
            finish(s)


    def test_two_sign_ins_at_one_instant_both_get_through(self):
        # the default pool (one hashing slot on two cores) lets as many wait as there
        # are slots: the second of two people signing in at the same moment waits for
        # the first's hash (tens of milliseconds) instead of being told the server is busy
        s = server_with('', real_hashing=True)
        try:
            def attempt(i):
                b = Browser(s)
                form = {'csrf': b.csrf(), 'email': 'pair%d@example.com' % i,
                        'password': 'wrong-password-%d' % i}
                return b.request('POST', '/login', form)[0]
            seen = []
            for _ in range(5):
                with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
                    seen += list(ex.map(attempt, range(2)))
            self.assertEqual(seen, [401] * 10, seen)
        finally:
            finish(s)

class Logs(unittest.TestCase):
    def test_no_tokens_personal_data_or_forged_lines(self):
        token = 'AbCdEfGhIjKlMnOpQrStUv'
        S.request('GET', '/a/%s/cancel' % token)
        S.request('GET', '/feeds/%s.ics' % token)
        S.request('GET', '/waitlist/offers/%s' % token)
        S.request('GET', '/account/link/%s' % token)
        S.request('GET', '/book?name=Ana+Lee&email=ana.lee%40example.com')
        S.request('GET', '/x%0d%0a2026-12-05T00:00:00.000Z%20info%20GET%20/forged%20200%201us')
        b = Browser(S)
        b.login('secret.person@example.com', 'my-secret-password')
        clear_failures(S)
        b.get('/account')
        b.post('/account', {'email': 'portal.person@example.com'})  # a portal sign-in link
        deadline = time.monotonic() + 10
        while '/x' not in S.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        log = S.log()
        self.assertIn('portal: sign-in link', log)
        for secret in (token, 'ana.lee', 'Ana', 'secret.person', 'my-secret-password',
                       'portal.person'):
            self.assertNotIn(secret, log)
        self.assertIn('/a/[token]/cancel', log)
        self.assertIn('/feeds/[token]', log)
        self.assertIn('/waitlist/offers/[token]', log)
        self.assertIn('/account/link/[token]', log)
        self.assertIn('/x\\x0d\\x0a2026', log)
        self.assertFalse(any(line.startswith('2026-12-05T00:00:00.000Z') for line in log.splitlines()))


class Next(unittest.TestCase):
    def setUp(self):
        clear_failures(S)

    def test_next_is_a_path_on_this_site_only(self):
        evil = ('https://evil.example/', '//evil.example/x', '/\\evil.example',
                '/\t/evil.example', '/\n/evil.example', '/\r\n/evil.example', '/\x7f/x',
                'evil.example', '',
                # the same, escaped once more: what a browser might decode on the way
                '/%2F/evil.example', '/%2fevil.example', '/%5Cevil.example', '/%09/evil.example',
                '/staff%0d%0aSet-Cookie:%20x=1', '/x\\..\\..\\evil')
        for nxt in evil:
            b = Browser(S)
            st, h, _ = b.request('POST', '/login', {'csrf': b.csrf(), 'email': DESK[0],
                                                    'password': DESK[1], 'next': nxt})
            self.assertEqual(st, 303, repr(nxt))
            self.assertEqual(h['location'], '/staff', repr(nxt))
        b = Browser(S)
        st, h, _ = b.login(*DESK, next_path='/staff/week?date=2026-11-25')
        self.assertEqual(h['location'], '/staff/week?date=2026-11-25')
        # the sign-in form does not carry a bad next along either
        _, _, page = Browser(S).request('GET', '/login?next=%2F%09%2Fevil.example')
        self.assertIn('name="next" value=""', page)


class Passwords(unittest.TestCase):
    def pwfile(self, server, pw):
        path = os.path.join(server.dir, 'pw')
        with open(path, 'w') as f:
            f.write(pw + '\n')
        return path

    def test_user_add_refuses_common_and_repeated_passwords(self):
        for pw in ('password2026', 'qwerty12345', 'aaaaaaaaaaaa', 'abcabcabcabc', '1234567890'):
            r = S.run_cli('user', 'add', '--db', S.db, '--email', 'weak@example.com', '--name',
                          'Weak Pass', '--role', 'desk', '--password-file', self.pwfile(S, pw))
            self.assertNotEqual(r.returncode, 0, pw)
            self.assertIn('guess', r.stderr, pw)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertEqual(count(S, "SELECT count(*) FROM users WHERE email = 'weak@example.com'"), 0)
        r = S.run_cli('user', 'add', '--db', S.db, '--email', 'strong@example.com', '--name',
                      'Strong Pass', '--role', 'desk', '--password-file',
                      self.pwfile(S, 'kettle-fjord-lantern'))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_password_change_and_admin_refuse_a_common_password(self):
        clear_failures(S)
        b = signed_in(('maren@chugachbodywork.example', 'demo-therapist-pass'), server=S)
        st, _, page = b.post('/account/password', {'current': 'demo-therapist-pass',
                                                   'password': 'password2026',
                                                   'confirm': 'password2026'})
        self.assertEqual(st, 422)
        self.assertIn('too easy to guess', page)
        admin = signed_in(ADMIN, server=S)
        st, _, page = admin.post('/admin/users', {'email': 'weak2@example.com', 'name': 'Weak Two',
                                                  'role': 'desk', 'therapist': '',
                                                  'password': 'letmein12345'})
        self.assertEqual(st, 422)
        self.assertIn('too easy to guess', page)
        self.assertEqual(count(S, "SELECT count(*) FROM users WHERE email = 'weak2@example.com'"), 0)


class Cookies(unittest.TestCase):
    def cookies_of(self, headers):
        return [v for k, v in headers if k.lower() == 'set-cookie']

    def test_plain_names_without_secure_cookies(self):
        clear_failures(S)
        b = Browser(S)
        _, hs, _ = b.send('GET', '/login')
        (csrf,) = self.cookies_of(hs)
        self.assertTrue(csrf.startswith('knead_csrf='), csrf)
        self.assertNotIn('Secure', csrf)
        st, h, _ = b.login(*DESK)
        self.assertTrue(h['set-cookie'].startswith('knead_session='))

    def test_host_prefix_and_secure_with_secure_cookies(self):
        s = server_with('[auth]\nsecure_cookies = 1\n')
        try:
            b = Browser(s)
            _, hs, page = b.send('GET', '/login')
            (csrf,) = self.cookies_of(hs)
            self.assertTrue(csrf.startswith('__Host-knead_csrf='), csrf)
            for attr in ('Secure', 'Path=/', 'HttpOnly', 'SameSite=Lax'):
                self.assertIn(attr, csrf)
            self.assertNotIn('Domain', csrf)
            st, h, _ = b.login(*DESK)
            self.assertEqual(st, 303)
            session = h['set-cookie']
            self.assertTrue(session.startswith('__Host-knead_session='), session)
            self.assertIn('Secure', session)
            self.assertEqual(b.request('GET', '/staff')[0], 200)
            # a cookie without the prefix (set by a sibling host) is not ours
            plain = Browser(s)
            plain.cookies = {'knead_csrf': b.cookies['__Host-knead_csrf'],
                             'knead_session': b.cookies['__Host-knead_session']}
            self.assertEqual(plain.request('GET', '/staff')[0], 303)
            form = {'csrf': b.cookies['__Host-knead_csrf'], 'email': DESK[0], 'password': DESK[1]}
            self.assertEqual(plain.request('POST', '/login', form)[0], 403)
            # signing out clears the prefixed cookie
            st, h, _ = b.post('/logout', {'csrf': b.cookies['__Host-knead_csrf']})
            self.assertEqual(st, 303)
            self.assertNotIn('__Host-knead_session', b.cookies)
        finally:
            finish(s)


class NoStore(unittest.TestCase):
    def test_every_signed_in_page_is_no_store(self):
        clear_failures(S)
        desk = signed_in(DESK, server=S)
        admin = signed_in(ADMIN, server=S)
        for b, path in ((desk, '/staff'), (desk, '/staff/clients'), (desk, '/staff/waitlist'),
                        (desk, '/account/password'), (admin, '/admin'), (admin, '/admin/users'),
                        (admin, '/admin/audit')):
            st, h, _ = b.get(path)
            self.assertEqual(st, 200, path)
            self.assertEqual(h.get('cache-control'), 'no-store', path)
        # a public page seen by a signed-in person is not stored either
        self.assertEqual(desk.get('/services')[1].get('cache-control'), 'no-store')
        # while an anonymous one may be
        self.assertNotEqual(Browser(S).get('/services')[1].get('cache-control'), 'no-store')
        # errors on private routes too
        st, h, _ = desk.get('/admin')
        self.assertEqual(st, 403)
        self.assertEqual(h.get('cache-control'), 'no-store')


def api_book(server, start, email, source, name='Flo Od', therapist='any'):
    body = json.dumps({'service': 'deep-tissue-60', 'therapist': therapist, 'start': start,
                       'client': {'name': name, 'email': email, 'phone': '907 555 0100'}})
    st, h, data = server.request('POST', '/api/v1/appointments', body.encode(),
                                 {'Content-Type': 'application/json', 'X-Forwarded-For': source})
    return st, h, json.loads(data) if data else None


def next_free(server):
    """A free 60-minute start (any therapist) at least an hour after the last
    one this returned for `server`, so that no two bookings overlap."""
    last = getattr(server, 'last_start', None)
    day = datetime.date(2026, 12, 1)
    for _ in range(30):
        st, _, body = server.request('GET', '/api/v1/availability?service=deep-tissue-60&date=%s'
                                     % day.isoformat())
        assert st == 200, body
        for d in json.loads(body)['days']:
            for slot in d['slots']:
                t = datetime.datetime.fromisoformat(slot['start'])
                if last is None or t >= last + datetime.timedelta(minutes=60):
                    server.last_start = t
                    return slot['start']
        day += datetime.timedelta(days=1)
    raise AssertionError('no free time left')


class BookingThrottle(unittest.TestCase):
    """Through a trusted proxy, so that each request can come from its own address."""

    @classmethod
    def setUpClass(cls):
        cls.s = server_with('[server]\ntrusted_proxies = 127.0.0.1\n'
                            '[limits]\nbookings_per_hour = 3\nwaitlist_per_hour = 2\n')

    @classmethod
    def tearDownClass(cls):
        finish(cls.s)

    def book(self, email, source):
        return api_book(self.s, next_free(self.s), email, source)

    def appointments(self):
        return count(self.s, 'SELECT count(*) FROM appointments')

    def test_one_address_floods_then_429_before_any_write(self):
        for i in range(3):
            st, _, body = self.book('a%d@example.com' % i, '198.51.100.1')
            self.assertEqual(st, 201, body)
        before = (self.appointments(), count(self.s, 'SELECT count(*) FROM clients'),
                  count(self.s, 'SELECT count(*) FROM throttle_hits'))
        for _ in range(3):
            st, h, body = self.book('fresh@example.com', '198.51.100.1')
            self.assertEqual(st, 429, body)
            self.assertGreater(int(h['retry-after']), 0)
            self.assertLessEqual(int(h['retry-after']), 3600)
            self.assertEqual(body['code'], 'too_many_bookings')
            self.assertIn('try again in', body['detail'])
            self.assertIn('(907) 555-0142', body['detail'])
        after = (self.appointments(), count(self.s, 'SELECT count(*) FROM clients'),
                 count(self.s, 'SELECT count(*) FROM throttle_hits'))
        self.assertEqual(before, after)
        # with an Idempotency-Key, the 429 is not kept as the key's answer
        st, _, _ = self.s.request('POST', '/api/v1/appointments', json.dumps({
            'service': 'deep-tissue-60', 'therapist': 'any', 'start': next_free(self.s),
            'client': {'name': 'K', 'email': 'k@example.com'}}).encode(),
            {'Content-Type': 'application/json', 'X-Forwarded-For': '198.51.100.1',
             'Idempotency-Key': 'flood-1'})
        self.assertEqual(st, 429)
        self.assertEqual(count(self.s, "SELECT count(*) FROM idempotency"), 0)
        # another address books at once
        st, _, body = self.book('someone.else@example.com', '198.51.100.2')
        self.assertEqual(st, 201, body)

    def test_one_email_from_many_addresses_is_429_too(self):
        for i in range(3):
            st, _, body = self.book('Same.Person@example.com', '203.0.113.%d' % (10 + i))
            self.assertEqual(st, 201, body)
        st, h, body = self.book('same.person@EXAMPLE.com', '203.0.113.99')
        self.assertEqual(st, 429, body)
        self.assertIn('retry-after', h)

    def test_the_page_form_answers_429_in_words(self):
        for i in range(3):  # the e-mail's share, from elsewhere
            self.assertEqual(self.book('page.person@example.com', '198.18.0.%d' % i)[0], 201)
        b = Browser(self.s)
        b.get('/login')  # the CSRF cookie
        st, h, page = b.post('/book', {'service': 'deep-tissue-60', 'therapist': 'any',
                                       'start': next_free(self.s), 'name': 'Page Person',
                                       'email': 'page.person@example.com', 'phone': ''})
        self.assertEqual(st, 429, page[:300])
        self.assertGreater(int(h['retry-after']), 0)
        self.assertIn('paused online booking', page)

    def test_staff_bookings_are_not_throttled(self):
        desk = signed_in(DESK, server=self.s)
        for i in range(3):
            self.assertEqual(self.book('s%d@example.com' % i, '127.0.0.1')[0], 201)
        self.assertEqual(self.book('s9@example.com', '127.0.0.1')[0], 429)
        for i in range(4):
            st, h, page = desk.post('/staff/book', {
                'service': 'deep-tissue-60', 'therapist': 'any', 'start': next_free(self.s),
                'note': '',
                'name': 'Walk In %d' % i, 'email': 'walkin%d@example.com' % i, 'phone': ''})
            self.assertEqual(st, 303, page[:400])

    def test_waitlist_sign_ups_are_throttled(self):
        def join(email, source):
            b = Browser(self.s)
            b.get('/waitlist')
            form = {'csrf': b.cookies.get('knead_csrf', ''), 'service': 'deep-tissue-60',
                    'therapist': 'any', 'date_from': '2026-12-01', 'date_to': '2026-12-10',
                    'days': ['1', '2'], 'time_from': '10:00', 'time_to': '16:00',
                    'name': 'Wait Person', 'email': email, 'phone': ''}
            return b.request('POST', '/waitlist', form, headers={'X-Forwarded-For': source})
        self.assertEqual(join('w1@example.com', '192.0.2.1')[0], 303)
        self.assertEqual(join('w2@example.com', '192.0.2.1')[0], 303)
        entries = count(self.s, 'SELECT count(*) FROM waitlist_entries')
        st, h, page = join('w3@example.com', '192.0.2.1')
        self.assertEqual(st, 429)
        self.assertGreater(int(h['retry-after']), 0)
        self.assertIn('paused the waitlist', page)
        self.assertEqual(count(self.s, 'SELECT count(*) FROM waitlist_entries'), entries)
        self.assertEqual(join('w3@example.com', '192.0.2.2')[0], 303)  # another address

    def test_a_booking_records_its_hits_and_forgets_those_a_day_old(self):
        """One statement records the address's and the e-mail's hit; the hits
        older than a day before it go with it (migration 0070), the rest stay."""
        now = int(datetime.datetime.fromisoformat(NOW).timestamp())
        self.s.sql("INSERT INTO throttle_hits (kind, key, at) VALUES ('book', 'a:192.0.2.77', ?)",
                   now - 2 * 86400)
        self.s.sql("INSERT INTO throttle_hits (kind, key, at) VALUES ('book', 'a:192.0.2.78', ?)",
                   now - 3600)
        st, _, body = self.book('Day.Old@example.com', '192.0.2.79')
        self.assertEqual(st, 201, body)
        self.assertEqual(count(self.s, "SELECT count(*) FROM throttle_hits WHERE key = ?",
                               'a:192.0.2.77'), 0)
        self.assertEqual(count(self.s, "SELECT count(*) FROM throttle_hits WHERE key = ?",
                               'a:192.0.2.78'), 1)
        self.assertEqual(count(self.s, "SELECT count(*) FROM throttle_hits WHERE key IN (?, ?)",
                               'a:192.0.2.79', 'e:day.old@example.com'), 2)

    def test_limit_zero_turns_it_off(self):
        s = server_with('[limits]\nbookings_per_hour = 0\n')
        try:
            for i in range(25):
                st, _, body = api_book(s, next_free(s), 'bench@example.com', '127.0.0.1')
                self.assertEqual(st, 201, (i, body))
            self.assertEqual(count(s, 'SELECT count(*) FROM throttle_hits'), 0)
        finally:
            finish(s)


class Email(unittest.TestCase):
    def test_booking_refuses_what_the_mailer_cannot_send(self):
        for bad in ('zoe<x>@example.com', 'zo\u00eb@example.com', 'zoe@[127.0.0.1]',
                    'a..b@example.com', 'zoe;x@example.com', '"zoe"@example.com'):
            st, _, body = api_book(S, '2026-12-01T10:00:00-09:00', bad, '127.0.0.1')
            self.assertEqual(st, 422, (bad, body))
        self.assertEqual(count(S, 'SELECT count(*) FROM appointments'), 0)


if __name__ == '__main__':
    run_suite(globals())
