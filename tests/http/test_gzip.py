"""Compressed responses against the real server (clock pinned to Tuesday
2026-11-24 09:00 in Anchorage): the staff day view, the reports kept per
version, kept availability answers, the public pages and the static files
are gzip for a client that accepts it and
inflate to exactly the plain answer; without Accept-Encoding, with
gzip;q=0 or identity they are plain; Vary is sent either way; HEAD has the
same headers; the kept compressed grid follows a booking at once; the CSRF
token travels in a stored (uncompressed) block, never in a compression
context (BREACH); small and non-text answers are never compressed.

usage: test_gzip.py PATH/TO/knead"""
import gzip
import json
import os
import re
import sys
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, signed_in  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None
DESK = ('desk@chugachbodywork.example', 'demo-desk-pass')
ADMIN = ('admin@chugachbodywork.example', 'demo-admin-pass')
MAREN = ('maren@chugachbodywork.example', 'demo-therapist-pass')
GZ = {'Accept-Encoding': 'gzip, deflate, br'}  # what Chromium sends


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', '2026-11-24T09:00:00-09:00']).start()


def tearDownModule():
    harness.finish(S)


def get(b, path, headers=None, method='GET'):
    """(status, {lower-case header: value}, raw body bytes) with b's cookies."""
    st, hs, data = b.send(method, path, None, headers or {})
    return st, {k.lower(): v for k, v in hs}, data


def inflate(data):
    """The one gzip member in data, checked by zlib (CRC-32 and length)."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(data) + d.flush()
    assert d.eof and not d.unused_data, 'not one whole gzip member'
    return out


def metric(body, cache, result):
    """knead_cache_requests_total{cache, result} of a /metrics body."""
    m = re.search(r'^knead_cache_requests_total\{cache="%s",result="%s"\} (\d+)$'
                  % (cache, result), body, re.M)
    assert m, (cache, result)
    return int(m.group(1))


def online_booking(name, email, start, therapist):
    body = json.dumps({'service': 'deep-tissue-60', 'therapist': therapist, 'start': start,
                       'client': {'name': name, 'email': email, 'phone': '907-555-0100'}})
    st, _, data = S.request('POST', '/api/v1/appointments', body.encode(),
                            {'Content-Type': 'application/json'})
    assert st == 201, (st, data)
    return json.loads(data)


class DayView(unittest.TestCase):
    DAY = '/staff?date=2026-12-10'  # a Thursday no other test here books

    def assertSame(self, b, path):
        """The gzip answer inflates to exactly the plain one (same session,
        same version) and says so in its headers; returns the raw gzip."""
        st, h, plain = get(b, path)
        self.assertEqual(st, 200)
        self.assertNotIn('content-encoding', h)
        self.assertIn('Accept-Encoding', h.get('vary', ''))
        st, hz, packed = get(b, path, GZ)
        self.assertEqual(st, 200)
        self.assertEqual(hz.get('content-encoding'), 'gzip')
        self.assertIn('Accept-Encoding', hz.get('vary', ''))
        self.assertEqual(hz['content-type'], h['content-type'])
        self.assertEqual(inflate(packed), plain)
        return packed, plain

    def test_day_view_inflates_to_the_plain_page(self):
        desk = signed_in(DESK)
        for path in (self.DAY, self.DAY + '&by=room', self.DAY + '&sheet=therapist',
                     '/staff?date=2026-11-24'):
            packed, plain = self.assertSame(desk, path)
            self.assertIn(b'cal-', plain)  # the grid is there
            # the second time from the kept compressed grid: the same bytes
            self.assertEqual(get(desk, path, GZ)[2], packed)
        # a therapist's own column (another kept grid) and the admin's
        self.assertSame(signed_in(MAREN), self.DAY)
        self.assertSame(signed_in(ADMIN), self.DAY)

    def test_compressed_page_is_much_smaller(self):
        desk = signed_in(DESK)
        packed, plain = self.assertSame(desk, self.DAY)
        self.assertLess(len(packed), len(plain) // 3, (len(packed), len(plain)))

    def test_plain_without_gzip_q0_or_identity(self):
        desk = signed_in(DESK)
        _, _, plain = get(desk, self.DAY)
        for ae in (None, 'identity', 'gzip;q=0', 'deflate, br', '*;q=0', 'gzip;q=0, *'):
            st, h, data = get(desk, self.DAY, {'Accept-Encoding': ae} if ae else {})
            self.assertEqual(st, 200, ae)
            self.assertNotIn('content-encoding', h, ae)
            self.assertIn('Accept-Encoding', h.get('vary', ''), ae)
            self.assertEqual(data, plain, ae)

    def test_head_has_the_same_headers(self):
        desk = signed_in(DESK)
        for hdrs in (GZ, {}):
            _, h, body = get(desk, self.DAY, hdrs)
            st, hh, empty = get(desk, self.DAY, hdrs, method='HEAD')
            self.assertEqual(st, 200)
            self.assertEqual(empty, b'')
            for k in ('content-type', 'content-encoding', 'vary', 'content-length',
                      'cache-control'):
                self.assertEqual(hh.get(k), h.get(k), (k, hdrs))
            self.assertEqual(int(hh['content-length']), len(body))

    def test_a_booking_shows_in_the_inflated_page_at_once(self):
        desk = signed_in(DESK)
        day = '/staff?date=2026-12-11'
        before, _ = self.assertSame(desk, day)
        self.assertNotIn(b'Greta Gzip', inflate(before))
        online_booking('Greta Gzip', 'greta@example.com', '2026-12-11T10:00:00-09:00',
                       'maren-holt')
        after, plain = self.assertSame(desk, day)
        self.assertIn(b'Greta Gzip', inflate(after))
        self.assertIn(b'Greta Gzip', plain)
        self.assertNotEqual(after, before)

    def test_csrf_token_is_in_a_stored_block(self):
        """BREACH: the token (and the user's name) are never compressed with
        anything; they appear literally in the gzip stream."""
        desk = signed_in(DESK)
        packed, plain = self.assertSame(desk, self.DAY)
        m = re.search(rb'name="csrf" value="([^"]+)"', plain)
        self.assertIsNotNone(m)
        token = m.group(1)
        self.assertEqual(token.decode(), desk.cookies['knead_csrf'])
        self.assertIn(token, packed)
        self.assertIn(b'name="csrf" value="' + token + b'"', packed)
        self.assertEqual(packed[:3], b'\x1f\x8b\x08')
        self.assertEqual(packed[10], 0)  # a stored block starts the stream

    def test_signed_out_is_not_compressed_and_answers_as_before(self):
        # the day view asks for a session: the redirect to sign in is small
        st, h, data = get(Browser(), self.DAY, GZ)
        self.assertIn(st, (302, 303))
        self.assertNotIn('content-encoding', h)


class Others(unittest.TestCase):
    def test_reports_kept_per_version(self):
        admin = signed_in(ADMIN)
        path = '/admin/reports/utilisation?from=2026-11-01&to=2026-11-30'
        for _ in range(2):  # first rendered, then from the kept copies
            st, h, plain = get(admin, path)
            self.assertEqual(st, 200)
            st, hz, packed = get(admin, path, GZ)
            self.assertEqual(hz.get('content-encoding'), 'gzip')
            self.assertEqual(inflate(packed), plain)
        # the CSV is not HTML/CSS/JSON/JS/SVG: never compressed
        st, h, csv = get(admin, path + '&format=csv', GZ)
        self.assertEqual(st, 200)
        self.assertNotIn('content-encoding', h)
        self.assertEqual(csv, get(admin, path + '&format=csv')[2])

    def test_stylesheet_and_static_files(self):
        b = Browser()
        page = get(b, '/')[2].decode()
        css = re.search(r'href="(/static/[^"]+\.css[^"]*)"', page).group(1)
        st, h, plain = get(b, css)
        self.assertEqual(st, 200)
        st, hz, packed = get(b, css, GZ)
        self.assertEqual(st, 200)
        self.assertEqual(hz.get('content-encoding'), 'gzip')
        self.assertIn('Accept-Encoding', hz.get('vary', ''))
        self.assertIn('Accept-Encoding', h.get('vary', ''))
        self.assertEqual(gzip.decompress(packed), plain)
        self.assertLess(len(packed), len(plain))
        # each form has its own ETag, and each revalidates
        self.assertNotEqual(hz['etag'], h['etag'])
        self.assertEqual(get(b, css, dict(GZ, **{'If-None-Match': hz['etag']}))[0], 304)
        self.assertEqual(get(b, css, {'If-None-Match': h['etag']})[0], 304)
        _, hh, _ = get(b, css, GZ, method='HEAD')
        self.assertEqual(hh.get('content-length'), hz.get('content-length'))
        self.assertEqual(hh.get('content-encoding'), 'gzip')
        # an image is not text: never compressed
        st, h, _ = get(b, '/favicon.ico', GZ)
        if st == 200:
            self.assertIn(h.get('content-type'), ('image/svg+xml',))

    def test_availability_kept_answer(self):
        b = Browser()
        path = '/api/v1/availability?service=deep-tissue-60&date=2026-12-01&days=31'
        st, h, plain = get(b, path)  # rendered and kept
        self.assertEqual(st, 200)
        self.assertIn('Accept-Encoding', h.get('vary', ''))
        for _ in range(2):  # compressed from the kept answer, then kept compressed
            st, hz, packed = get(b, path, GZ)
            self.assertEqual(st, 200)
            self.assertEqual(hz.get('content-encoding'), 'gzip')
            self.assertIn('Accept-Encoding', hz.get('vary', ''))
            self.assertEqual(inflate(packed), plain)
            self.assertLess(len(packed), len(plain) // 3)
        st, h, again = get(b, path, {'Accept-Encoding': 'gzip;q=0'})
        self.assertNotIn('content-encoding', h)
        self.assertEqual(again, plain)
        # a booking changes the answer: the compressed one follows at once
        online_booking('Hal Gzip', 'hal@example.com', '2026-12-01T10:00:00-09:00', 'maren-holt')
        st, h, plain2 = get(b, path)
        self.assertNotEqual(plain2, plain)
        self.assertEqual(inflate(get(b, path, GZ)[2]), plain2)
        # a small answer (an error) is plain
        st, h, _ = get(b, '/api/v1/availability?service=nope&date=2026-12-01', GZ)
        self.assertGreaterEqual(st, 400)
        self.assertNotIn('content-encoding', h)

    def test_many_availability_answers_leave_the_day_view_kept(self):
        """The availability API's compressed answers are kept beside their plain ones
        (the answers cache), one entry each, not in the slots of the kept pages: 300
        distinct questions from a gzip client between two looks at the day view leave
        its kept grid in place (the second look is all hits, no miss).  Each is asked
        twice: the first answer is sent and kept plain, the second compressed and kept."""
        desk = signed_in(DESK)
        day = '/staff?date=2026-12-09'
        self.assertEqual(get(desk, day, GZ)[0], 200)  # rendered, kept and compressed
        b = Browser()
        services = ('deep-tissue-60', 'deep-tissue-90', 'swedish-60', 'sports-45')
        asked = 0
        for days in range(8, 32):
            for service in services:
                for date in ('2026-12-01', '2026-12-02', '2026-12-03'):
                    path = '/api/v1/availability?service=%s&date=%s&days=%d' % (
                        service, date, days)
                    # the first answer is kept plain, the second compressed from it
                    for _ in range(2):
                        st, hz, _ = get(b, path, GZ)
                    self.assertEqual((st, hz.get('content-encoding')), (200, 'gzip'))
                    asked += 1
        self.assertGreaterEqual(asked, 288)

        def fragments():
            body = S.request('GET', '/metrics')[2].decode()
            return (metric(body, 'fragments', 'hit'), metric(body, 'fragments', 'miss'))
        hits, misses = fragments()
        st, hz, _ = get(desk, day, GZ)
        self.assertEqual((st, hz.get('content-encoding')), (200, 'gzip'))
        hits2, misses2 = fragments()
        self.assertEqual(misses2, misses, 'the kept grid was pushed out')
        self.assertGreater(hits2, hits)

    def test_public_pages_kept(self):
        b = Browser()
        for path in ('/', '/services', '/therapists'):
            st, h, plain = get(b, path)
            self.assertEqual(st, 200)
            st, hz, packed = get(b, path, GZ)
            self.assertEqual(st, 200)
            if 'set-cookie' in h or 'set-cookie' in hz:
                continue  # a page that set a cookie is not kept
            self.assertEqual(hz.get('content-encoding'), 'gzip', path)
            self.assertIn('Accept-Encoding', hz.get('vary', ''))
            self.assertEqual(inflate(packed), plain, path)

    def test_the_first_answer_to_a_gzip_client_is_compressed(self):
        """A page or question nobody asked yet in this minute and data version:
        the first visitor, a phone that accepts gzip, gets it compressed too (not
        the plain bytes with the compressed form made for the next one), and it
        inflates to exactly what a client without gzip then gets from the cache."""
        b = Browser()
        for path in ('/api/v1/availability?service=deep-tissue-90&date=2026-12-04&days=14',
                     '/articles'):
            st, hz, packed = get(b, path, GZ)  # the first ask: rendered now
            self.assertEqual(st, 200, path)
            if 'set-cookie' in hz:
                continue  # a page that set a cookie is not kept
            self.assertEqual(hz.get('content-encoding'), 'gzip', path)
            self.assertIn('Accept-Encoding', hz.get('vary', ''))
            st, h, plain = get(b, path)
            self.assertEqual(st, 200)
            self.assertNotIn('content-encoding', h)
            self.assertEqual(inflate(packed), plain, path)
            self.assertLess(len(packed), len(plain) // 2, path)
            self.assertEqual(inflate(get(b, path, GZ)[2]), plain, path)  # and kept

    def test_small_answers_are_plain(self):
        st, h, data = get(Browser(), '/healthz', GZ)
        self.assertEqual(st, 200)
        self.assertNotIn('content-encoding', h)
        json.loads(data)


if __name__ == '__main__':
    run_suite(globals())
