"""HTTP tests: the real knead binary on a loopback port, a fresh database
seeded with the demo clinic, and a real HTTP client.

usage: test_http.py PATH/TO/knead"""
import json
import os
import signal
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_suite  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None

BACK = '/articles/deep-tissue-massage-for-lower-back-pain'
RA = '/articles/massage-for-rheumatoid-arthritis'


def setUpModule():
    global S
    S = Server(KNEAD).start()


def tearDownModule():
    S.cleanup()


def get(path, headers=None):
    return S.request('GET', path, headers=headers)


class PublicPages(unittest.TestCase):
    def page(self, path, *expected):
        status, headers, body = get(path)
        self.assertEqual(status, 200, path)
        self.assertTrue(headers['content-type'].startswith('text/html'), headers)
        text = body.decode('utf-8')
        for e in expected:
            self.assertIn(e, text, '%s should contain %r' % (path, e))
        self.assertEqual(text.count('<h1'), 1, path + ' has exactly one h1')
        return text

    def test_home_introduces_clinic_services_therapists_and_booking(self):
        text = self.page('/', 'Chugach Bodywork', 'Anchorage', 'Deep Tissue Massage (60 minutes)',
                         'Deep Tissue Massage (90 minutes)', 'Maren Holt', 'Dev Okafor',
                         'Lena Kusugak', 'Tomas Reyes', 'Book online', 'tel:+19075550142')
        self.assertRegex(text, r'3\s+hours')  # same-day promise

    def test_the_clinic_phone_links_only_a_number_it_can_dial(self):
        """[clinic] phone is free text in the config file: a number core/phone
        reads gets a tel: link in E.164, anything else is shown as written
        with no link, never a tel: that rings someone else."""
        _, _, body = get('/')
        self.assertIn('<a href="tel:+19075550142">(907) 555-0142</a>', body.decode())
        cases = [('0044 20 7946 0958', 'tel:+442079460958'),
                 ('1-907-555-0142', 'tel:+19075550142'),
                 ('907 555 0142 ext 12', None),
                 ('555-0142', None),
                 ('Ask at the front desk', None)]
        for phone, href in cases:
            path = os.path.join(S.dir, 'phone.ini')
            with open(path, 'w') as f:
                f.write('[clinic]\nphone = %s\n' % phone)
            other = Server(KNEAD, share=S, extra=['--config', path]).start()
            try:
                for page in ('/', '/book'):
                    st, _, body = other.request('GET', page)
                    self.assertEqual(st, 200, page)
                    text = body.decode()
                    self.assertIn(phone, text, page)
                    if href:
                        self.assertIn('<a href="%s">%s</a>' % (href, phone), text, page)
                        self.assertEqual(text.count('tel:'), text.count('tel:' + href[4:]), page)
                    else:
                        self.assertNotIn('tel:', text, (phone, page))
            finally:
                other.cleanup()

    def test_services_lists_durations_and_prices(self):
        text = self.page('/services', 'id="deep-tissue-60"', 'id="deep-tissue-90"', '$120', '$165')
        self.assertIn('60', text)
        self.assertIn('90', text)

    def test_therapists_and_one_therapist(self):
        self.page('/therapists', 'Maren Holt', '/therapists/maren-holt')
        text = self.page('/therapists/dev-okafor', 'Dev Okafor', 'cross-country',
                         'Sports Recovery Massage', 'Tuesday')
        self.assertNotIn('Swedish Relaxation', text)  # he does not offer it

    def test_articles_index_and_article(self):
        self.page('/articles', BACK, RA)
        text = self.page(BACK, 'lumbar', 'sneeze', 'endorphins', 'scar tissue', 'Chiropractic',
                         'referral', 'insurance')
        self.assertIn('Book online', text)

    def test_next_and_previous_link_the_two_articles(self):
        text = self.page(BACK)
        self.assertIn('href="%s"' % RA, text)
        self.assertNotIn('Previous', text.split('Article navigation')[-1].split('</nav>')[0])
        text = self.page(RA)
        nav = text.split('Article navigation')[-1].split('</nav>')[0]
        self.assertIn('href="%s"' % BACK, nav)
        self.assertIn('Previous', nav)

    def test_markdown_is_rendered_not_shown_raw(self):
        text = self.page(BACK)
        self.assertIn('<h2', text)
        self.assertNotIn('## ', text)

    def test_head_has_no_body(self):
        status, headers, body = S.request('HEAD', '/')
        self.assertEqual(status, 200)
        self.assertEqual(body, b'')


class Errors(unittest.TestCase):
    def test_unknown_path_is_a_real_404_page(self):
        status, headers, body = get('/no/such/page')
        self.assertEqual(status, 404)
        text = body.decode()
        self.assertIn('Page not found', text)
        self.assertIn('href="/"', text)
        self.assertTrue(headers['content-type'].startswith('text/html'))

    def test_unknown_therapist_and_article_are_404(self):
        self.assertEqual(get('/therapists/nobody')[0], 404)
        self.assertEqual(get('/articles/nothing-here')[0], 404)
        self.assertEqual(get('/static/css/none.css')[0], 404)

    def test_wrong_method_is_405_with_allow(self):
        status, headers, body = S.request('POST', '/services', body=b'')
        self.assertEqual(status, 405)
        self.assertEqual(headers['allow'], 'GET, HEAD')
        self.assertIn('POST', body.decode())
        status, headers, _ = S.request('DELETE', '/')
        self.assertEqual(status, 405)

    def test_unknown_method_is_refused(self):
        status, _, _ = S.request('BREW', '/')
        self.assertIn(status, (400, 405, 501))

    def test_oversized_body_is_413(self):
        # The server answers as soon as it sees the declared length, without
        # waiting for a body it will not read.
        out = S.raw(b'GET / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n'
                    b'Content-Length: 2097152\r\n\r\n' + b'x' * 1024)
        self.assertTrue(out.startswith(b'HTTP/1.1 413'), out[:80])
        self.assertIn(b'too large', out)

    def test_oversized_chunked_body_is_413(self):
        chunk = b'a' * 4096
        data = b'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'
        data += (b'%x\r\n' % len(chunk) + chunk + b'\r\n') * 4 + b'0\r\n\r\n'
        out = S.raw(data)
        self.assertTrue(out.startswith(b'HTTP/1.1 413'), out[:80])

    def test_malformed_escapes_and_nul_are_400(self):
        for path in ('/articles/%zz', '/articles/%', '/articles/%00x', '/?q=%G1', '/?q=%00',
                     '/?q=%ff'):
            status, _, body = get(path)
            self.assertEqual(status, 400, path)
            self.assertIn('malformed', body.decode().lower(), path)

    def test_dot_segments_are_refused(self):
        out = S.raw(b'GET /static/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n')
        self.assertTrue(out.startswith(b'HTTP/1.1 400'), out[:80])
        self.assertNotIn(b'root:', out)

    def test_overlong_uri_is_refused(self):
        status, _, _ = get('/' + 'a' * 9000)
        self.assertIn(status, (414, 431))

    def test_overlong_header_is_refused_and_server_lives(self):
        out = S.raw(b'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'b' * 100000 + b'\r\n\r\n')
        self.assertRegex(out[:12], rb'HTTP/1\.1 4\d\d')
        self.assertEqual(get('/healthz')[0], 200)

    def test_api_errors_are_problem_json(self):
        status, headers, body = get('/api/v1/nothing')
        self.assertEqual(status, 404)
        self.assertEqual(headers['content-type'], 'application/problem+json')
        p = json.loads(body)
        self.assertEqual(p['status'], 404)
        self.assertEqual(p['code'], 'not_found')
        self.assertTrue(p['detail'])


class Headers(unittest.TestCase):
    def test_security_headers_on_pages_and_errors(self):
        for path in ('/', '/missing'):
            _, h, _ = get(path)
            csp = h['content-security-policy']
            self.assertIn("frame-ancestors 'none'", csp)
            self.assertIn("script-src 'self'", csp)
            self.assertNotIn('unsafe-inline', csp)
            self.assertEqual(h['x-content-type-options'], 'nosniff')
            self.assertIn('referrer-policy', h)

    def test_static_types_etag_and_304(self):
        status, h, body = get('/static/css/site.css')
        self.assertEqual(status, 200)
        self.assertEqual(h['content-type'], 'text/css; charset=utf-8')
        etag = h['etag']
        self.assertTrue(etag.startswith('"'))
        status, h2, body2 = get('/static/css/site.css', {'If-None-Match': etag})
        self.assertEqual(status, 304)
        self.assertEqual(body2, b'')
        status, _, _ = get('/static/css/site.css', {'If-None-Match': '"other"'})
        self.assertEqual(status, 200)
        status, h, _ = get('/static/favicon.svg')
        self.assertEqual(h['content-type'], 'image/svg+xml')

    def test_pages_link_the_stylesheet_that_exists(self):
        _, _, body = get('/')
        import re
        m = re.search(r'href="(/static/css/site\.css[^"]*)"', body.decode())
        self.assertTrue(m)
        self.assertEqual(get(m.group(1).replace('&amp;', '&'))[0], 200)

    def test_connection_is_kept_alive_across_requests(self):
        c = S.conn()
        try:
            for path in ('/', '/services', '/healthz'):
                c.request('GET', path)
                r = c.getresponse()
                r.read()
                self.assertEqual(r.status, 200)
                self.assertNotEqual((r.getheader('Connection') or '').lower(), 'close')
            sock = c.sock
            self.assertIsNotNone(sock, 'the server closed the connection')
        finally:
            c.close()


class Health(unittest.TestCase):
    def test_healthz_checks_the_database(self):
        status, h, body = get('/healthz')
        self.assertEqual(status, 200)
        self.assertEqual(h['content-type'], 'application/json')
        v = json.loads(body)
        self.assertEqual(v['status'], 'ok')
        self.assertEqual(v['database']['status'], 'ok')
        self.assertGreaterEqual(v['database']['schema_version'], 1)

    def test_a_burst_of_checks_reads_the_database_once_a_second(self):
        """A load balancer's (or a benchmark's) burst of checks is answered
        from the last successful read of its second: the answers of one
        second are the same bytes, latency_us included."""
        t0 = time.monotonic()
        bodies = set()
        for _ in range(20):
            status, h, body = get('/healthz')
            self.assertEqual(status, 200)
            self.assertEqual(h['cache-control'], 'no-store')
            self.assertEqual(json.loads(body)['status'], 'ok')
            bodies.add(body)
        seconds = time.monotonic() - t0
        self.assertLessEqual(len(bodies), int(seconds) + 2, (seconds, bodies))

    def test_a_migration_applied_while_serving_shows_in_the_check(self):
        """The schema version is read, not remembered: `knead migrate` of a
        newer binary against a served database shows in the next second."""
        before = json.loads(get('/healthz')[2])['database']['schema_version']
        def run(sql):  # knead debug sql refuses a database newer than itself
            con = sqlite3.connect(S.db)
            try:
                con.execute(sql)
                con.commit()
            finally:
                con.close()
        run("INSERT INTO schema_version (version, name, applied_at) VALUES (9999, 'future', 0)")
        try:
            deadline = time.monotonic() + 10
            seen = before
            while seen != 9999 and time.monotonic() < deadline:
                seen = json.loads(get('/healthz')[2])['database']['schema_version']
            self.assertEqual(seen, 9999)
        finally:
            run('DELETE FROM schema_version WHERE version = 9999')

    def test_access_log_has_method_path_status_micros(self):
        get('/services?x=1')
        self.assertRegex(S.log(), r'GET /services 200 \d+us')


class Cli(unittest.TestCase):
    def setUp(self):
        self.s = Server(KNEAD, seed=False)

    def tearDown(self):
        self.s.cleanup()

    def test_demo_twice_without_force_refuses_and_changes_nothing(self):
        r = self.s.run_cli('demo', '--db', self.s.db)
        self.assertEqual(r.returncode, 0, r.stderr)
        con = sqlite3.connect(self.s.db)
        con.execute("UPDATE therapists SET name = 'Renamed' WHERE id = 'maren-holt'")
        con.commit()
        r = self.s.run_cli('demo', '--db', self.s.db)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('--force', r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        name = con.execute("SELECT name FROM therapists WHERE id = 'maren-holt'").fetchone()[0]
        self.assertEqual(name, 'Renamed')
        r = self.s.run_cli('demo', '--force', '--db', self.s.db)
        self.assertEqual(r.returncode, 0, r.stderr)
        name = con.execute("SELECT name FROM therapists WHERE id = 'maren-holt'").fetchone()[0]
        self.assertEqual(name, 'Maren Holt')
        self.assertEqual(con.execute('SELECT count(*) FROM therapists').fetchone()[0], 4)
        self.assertEqual(con.execute('SELECT count(*) FROM rooms').fetchone()[0], 3)
        con.close()

    def test_migrate_is_idempotent(self):
        r1 = self.s.run_cli('migrate', '--db', self.s.db)
        r2 = self.s.run_cli('migrate', '--db', self.s.db)
        self.assertEqual((r1.returncode, r2.returncode), (0, 0), r1.stderr + r2.stderr)
        import re
        m1 = re.search(r'schema version (\d+) \((\d+) migrations? applied\)', r1.stdout)
        m2 = re.search(r'schema version (\d+) \((\d+) migrations? applied\)', r2.stdout)
        self.assertTrue(m1 and m2, r1.stdout + r2.stdout)
        # a fresh file gets every migration; the version is the highest number (gaps allowed)
        mig = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'src', 'store',
                           'migrations', 'sqlite')
        numbers = sorted(int(n[:4]) for n in os.listdir(mig) if re.fullmatch(r'\d{4}_\w+\.sql', n))
        self.assertEqual((int(m1.group(1)), int(m1.group(2))), (numbers[-1], len(numbers)))
        self.assertEqual(m2.group(1), m1.group(1))
        self.assertEqual(m2.group(2), '0')

    def test_bad_flag_exits_2_with_one_line(self):
        for args in (['serve', '--bogus'], ['demo', '--listen', '1.2.3.4:5'], ['frobnicate'],
                     ['serve', '--now', 'yesterday', '--db', self.s.db],
                     ['serve', '--listen', 'nowhere', '--db', self.s.db],
                     ['serve', '--threads', 'many']):
            r = self.s.run_cli(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, (args, r.stderr))

    def test_bad_config_value_names_the_key(self):
        cases = {
            '[booking]\nmin_notice_minutes = soon\n': 'min_notice_minutes',
            '[booking]\ngrid_minutes = 1\n': 'grid_minutes',
            '[clinic]\ntimezone = ../../etc/passwd\n': 'timezone',
            '[clinic]\ncolour = blue\n': 'colour',
            '[nowhere]\nx = 1\n': 'nowhere',
            'just words\n': ':1',
        }
        path = os.path.join(self.s.dir, 'bad.ini')
        for text, key in cases.items():
            with open(path, 'w') as f:
                f.write(text)
            r = self.s.run_cli('migrate', '--config', path, '--db', self.s.db)
            self.assertEqual(r.returncode, 2, text)
            self.assertIn(key, r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_unknown_timezone_is_a_config_error(self):
        path = os.path.join(self.s.dir, 'tz.ini')
        with open(path, 'w') as f:
            f.write('[clinic]\ntimezone = Mars/Olympus_Mons\n')
        r = self.s.run_cli('serve', '--config', path, '--db', self.s.db, '--listen', '127.0.0.1:0')
        self.assertEqual(r.returncode, 2)
        self.assertIn('timezone', r.stderr)

    def test_config_file_is_used_and_flags_win(self):
        path = os.path.join(self.s.dir, 'ok.ini')
        other = os.path.join(self.s.dir, 'other.db')
        with open(path, 'w') as f:
            f.write('[clinic]\nname = Harbor Massage\n[database]\npath = %s\n' % other)
        r = self.s.run_cli('demo', '--config', path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(other))
        before = os.stat(other).st_mtime_ns
        r = self.s.run_cli('demo', '--config', path, '--db', self.s.db)
        self.assertEqual(r.returncode, 0, r.stderr)
        # --db won: the demo is in the flag's database (a file or a
        # PostgreSQL one), and the config's file was left alone
        self.assertGreater(self.s.sql('SELECT count(*) FROM services')[0][0], 0)
        self.assertEqual(os.stat(other).st_mtime_ns, before)
        self.s.extra = ['--config', path]
        self.s.seed = False
        self.s.start()
        _, _, body = self.s.request('GET', '/')
        self.assertIn('Harbor Massage', body.decode())

    def test_version_and_help(self):
        r = self.s.run_cli('--version')
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r'^knead \d+\.\d+\.\d+')
        for cmd in ('serve', 'migrate', 'demo'):
            r = self.s.run_cli(cmd, '--help')
            self.assertEqual(r.returncode, 0)
            self.assertIn('usage: knead ' + cmd, r.stdout)
            self.assertIn('--db', r.stdout)
            self.assertIn('--config', r.stdout)

    def test_sigterm_stops_gracefully(self):
        self.s.seed = True
        self.s.start()
        self.assertEqual(self.s.request('GET', '/healthz')[0], 200)
        code = self.s.stop(signal.SIGTERM)
        self.assertEqual(code, 0)
        self.assertIn('stopped', self.s.log())

    def test_now_pins_the_clock_and_says_so(self):
        self.s.seed = True
        self.s.extra = ['--now', '2026-11-01T01:30:00-08:00']
        self.s.start()
        self.assertIn('pinned', self.s.log())


if __name__ == '__main__':
    run_suite(globals())
