"""Starts the real knead binary on a free loopback port against a fresh
database, for HTTP tests.  Nothing here talks to anything but 127.0.0.1."""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from urllib.parse import urlencode

START_TIMEOUT = 20.0

# New password hashes at libsodium's minimum cost (the test build honours this; see
# web/account.c): the demo seed and every account a test makes hash in microseconds
# instead of ~0.1 s each.  A test about hashing's real cost starts its server with
# real_hashing=True.
os.environ.setdefault('KNEAD_PWHASH', 'test')


class Server:
    def __init__(self, knead, seed=True, extra=(), real_hashing=False, demo=()):
        self.knead = os.path.abspath(knead)
        self.demo = list(demo)  # more arguments for `knead demo`, e.g. ('--locations', '2')
        self.dir = tempfile.mkdtemp(prefix='knead-http-')
        self.db = os.path.join(self.dir, 'knead.db')
        self.log_path = os.path.join(self.dir, 'server.log')
        self.extra = list(extra)
        self.seed = seed
        self.env = None
        if real_hashing:
            self.env = {k: v for k, v in os.environ.items() if k != 'KNEAD_PWHASH'}
        self.proc = None
        self.port = None

    main = None  # the first Server started in this process: where a Browser() goes by default

    def run_cli(self, *args, input_text=None):
        return subprocess.run([self.knead, *args], capture_output=True, text=True,
                              input=input_text, timeout=60, env=self.env)

    def sql(self, query, *args):
        """The rows of one SQL statement run by `knead debug sql` (through the
        store's driver, not Python's sqlite3), as tuples; bytes come back as
        hex strings.  For what no page or API says; a test about SQL itself
        (a trigger) keeps its own connection."""
        r = self.run_cli('debug', 'sql', '--db', self.db, query, json.dumps(list(args)))
        if r.returncode != 0:
            raise AssertionError('knead debug sql %r: %s' % (query, r.stderr.strip()))
        return [tuple(json.loads(line)) for line in r.stdout.splitlines() if line]

    def start(self):
        if self.seed:
            r = self.run_cli('demo', '--db', self.db, *self.demo)
            if r.returncode != 0:
                raise RuntimeError('knead demo failed: ' + r.stderr)
        log = open(self.log_path, 'w')
        self.proc = subprocess.Popen(
            [self.knead, 'serve', '--db', self.db, '--listen', '127.0.0.1:0', *self.extra],
            stdout=log, stderr=log, env=self.env)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        pattern = re.compile(r'on http://127\.0\.0\.1:(\d+)/')
        while time.monotonic() < deadline:
            with open(self.log_path) as f:
                m = pattern.search(f.read())
            if m:
                self.port = int(m.group(1))
                if Server.main is None:
                    Server.main = self
                return self
            if self.proc.poll() is not None:
                raise RuntimeError('knead serve exited: ' + self.log())
            time.sleep(0.05)
        raise RuntimeError('knead serve did not start in time: ' + self.log())

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def conn(self):
        return http.client.HTTPConnection('127.0.0.1', self.port, timeout=10)

    def request(self, method, path, body=None, headers=None):
        c = self.conn()
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def raw(self, data, read_limit=65536):
        """Sends raw bytes, returns the raw answer (for malformed requests)."""
        import socket
        s = socket.create_connection(('127.0.0.1', self.port), timeout=10)
        try:
            s.sendall(data)
            out = b''
            while len(out) < read_limit:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
                if b'\r\n\r\n' in out:
                    head, _, rest = out.partition(b'\r\n\r\n')
                    m = re.search(rb'content-length: *(\d+)', head, re.I)
                    if m and len(rest) >= int(m.group(1)):
                        break
            return out
        finally:
            s.close()

    def stop(self, sig=signal.SIGTERM):
        code = None
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                code = self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                code = self.proc.wait()
        elif self.proc:
            code = self.proc.returncode
        return code

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# The demo clinic's staff accounts (`knead demo`).
DEMO_PASSWORDS = {
    'admin@chugachbodywork.example': 'demo-admin-pass',
    'desk@chugachbodywork.example': 'demo-desk-pass',
    'maren@chugachbodywork.example': 'demo-therapist-pass',
    'tomas@chugachbodywork.example': 'demo-therapist-pass',
}

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


class Browser:
    """A cookie-keeping client, like a browser without JavaScript: it sends
    the cookies it was given, forgets one set with Max-Age=0, and never
    follows redirects.  It talks to `server`, or else to Server.main (a test
    module's own server, started first)."""

    def __init__(self, server=None, timeout=30):
        self.server = server
        self.timeout = timeout
        self.cookies = {}

    def send(self, method, path, body=None, headers=None):
        """One request with the cookies; returns (status, [(name, value)], body bytes)."""
        server = self.server or Server.main
        c = http.client.HTTPConnection('127.0.0.1', server.port, timeout=self.timeout)
        try:
            h = dict(headers or {})
            if self.cookies:
                h['Cookie'] = '; '.join('%s=%s' % kv for kv in self.cookies.items())
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            for k, v in r.getheaders():
                if k.lower() == 'set-cookie':
                    name, _, rest = v.partition('=')
                    name = name.strip()
                    if 'Max-Age=0' in v:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = rest.split(';')[0]
            return r.status, r.getheaders(), data
        finally:
            c.close()

    def request(self, method, path, form=None, headers=None):
        """Sends `form` (a dict; list values repeat the field) url-encoded;
        returns (status, {lower-case header: value}, body text)."""
        h = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            h['Content-Type'] = 'application/x-www-form-urlencoded'
        st, hs, data = self.send(method, path, body, h)
        return st, {k.lower(): v for k, v in hs}, data.decode('utf-8', 'replace')

    def get(self, path):
        return self.request('GET', path)

    def post(self, path, form):
        """Posts a form with the CSRF token from the cookie, unless it has one."""
        form = dict(form)
        form.setdefault('csrf', self.cookies.get('knead_csrf', ''))
        return self.request('POST', path, form)

    def csrf(self, path='/login'):
        """The CSRF token of the form on `path`."""
        _, _, page = self.request('GET', path)
        m = CSRF_FIELD.search(page)
        assert m, page[:400]
        return m.group(1)

    def login(self, email, password, next_path=None):
        """Signs in through /login; returns the answer (status, headers, text)."""
        form = {'csrf': self.csrf(), 'email': email, 'password': password}
        if next_path:
            form['next'] = next_path
        return self.request('POST', '/login', form)


def signed_in(who, password=None, visit=None, server=None):
    """A Browser signed in as `who`: an (email, password) pair, or an email
    with `password` (by default the demo's).  Then it opens `visit`, if given."""
    if isinstance(who, str):
        email, password = who, password or DEMO_PASSWORDS[who]
    else:
        email, password = who
    b = Browser(server)
    st = b.login(email, password)[0]
    assert st == 303, (who, st)
    if visit:
        b.get(visit)
    return b


def finish(server):
    """Stops the server with SIGTERM and removes its files; fails when it did
    not exit 0 or its log shows a sanitizer report (ASan, LSan, UBSan)."""
    code = server.stop()
    log = server.log()
    server.cleanup()
    if code != 0 or re.search(r'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:', log):
        raise AssertionError('server exited %r:\n%s' % (code, log[-4000:]))


def client_account(server, email='cara.client@example.com', name='Cara Client',
                   password='client-pass-123'):
    """A Browser signed in as a client account, made once with `knead user add`."""
    exists = server.sql('SELECT count(*) FROM users WHERE email = ?1', email)[0][0]
    if not exists:
        path = os.path.join(server.dir, 'client-pw')
        with open(path, 'w') as f:
            f.write(password + '\n')
        r = server.run_cli('user', 'add', '--db', server.db, '--email', email, '--name', name,
                           '--role', 'client', '--password-file', path)
        assert r.returncode == 0, r.stderr
    return signed_in((email, password), server=server)


def clear_failures(server=None):
    """Forgets failed sign-ins: every test signs in from 127.0.0.1, and the
    address throttle would carry over from one test to the next."""
    (server or Server.main).sql('DELETE FROM login_failures')


def text(page):
    """The visible text of a page, whitespace collapsed, entities decoded."""
    import html
    return re.sub(r'\s+', ' ', html.unescape(re.sub(r'<[^>]+>', ' ', page)))


def run_suite(module_globals):
    """Runs the unittest cases of a module and prints 'RESULT passed failed'."""
    import sys
    import unittest
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module_globals['__name__']])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    bad = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    print('RESULT %d %d' % (result.testsRun - bad - len(result.skipped), bad))
    sys.exit(1 if bad else 0)
