"""The public pages as an anonymous visitor sees them are rendered once per
data version and minute and kept (src/web/site.c).  What a visitor must
never notice: a kept page that is out of date (the next opening just booked,
an article just edited), a signed-in visitor's name on someone else's page,
or a kept answer that differs from a fresh one.  The clock is pinned, so
"the minute" is the same for the whole suite; the versions move.

usage: test_public_cache.py PATH/TO/knead"""
import html
import json
import os
import re
import sys
import unittest
from urllib.parse import unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Browser, Server, client_account, finish, run_suite  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
S = None
ARTICLE = 'deep-tissue-massage-for-lower-back-pain'


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', NOW]).start()


def tearDownModule():
    finish(S)


def page(path):
    st, h, body = S.request('GET', path)
    return st, h, body.decode()


def next_opening(path, service='deep-tissue-60'):
    """The start of the next opening `path` shows for `service`, any therapist."""
    st, _, body = page(path)
    assert st == 200, (path, st)
    m = re.search(r'service=%s&therapist=any&start=([^"&]+)"' % service, html.unescape(body))
    assert m, (path, body[:400])
    return unquote(m.group(1))


def api(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    h = {'Content-Type': 'application/json'} if body is not None else {}
    st, _, out = S.request(method, path, body=data, headers=h)
    return st, json.loads(out) if out else None


class Exact(unittest.TestCase):
    def test_the_next_opening_moves_when_it_is_booked(self):
        for path in ('/', '/services', '/articles/' + ARTICLE):
            first = next_opening(path)
            self.assertEqual(next_opening(path), first)   # kept, and the same
        st, av = api('GET', '/api/v1/availability?service=deep-tissue-60&date=' + first[:10])
        self.assertEqual(st, 200, av)
        slot = [s for s in av['days'][0]['slots'] if s['start'] == first]
        self.assertEqual(len(slot), 1, (first, av))
        for i, who in enumerate(slot[0]['therapists']):   # every therapist free then
            st, out = api('POST', '/api/v1/appointments', {
                'service': 'deep-tissue-60', 'therapist': who, 'start': first,
                'client': {'name': 'Quick Taker', 'email': 'quick%d@example.com' % i}})
            self.assertEqual(st, 201, out)
        for path in ('/', '/services', '/articles/' + ARTICLE):
            later = next_opening(path)
            self.assertGreater(later, first, path)

    def test_an_edited_article_shows_at_once(self):
        st, _, before = page('/articles/' + ARTICLE)
        self.assertEqual(st, 200)
        title = S.sql('SELECT title FROM articles WHERE slug = ?', ARTICLE)[0][0]
        self.assertIn(html.escape(title), before)
        try:
            S.sql('UPDATE articles SET title = ? WHERE slug = ?', 'Renamed for the test', ARTICLE)
            for path in ('/articles/' + ARTICLE, '/articles', '/'):
                st, _, body = page(path)
                self.assertIn('Renamed for the test', body, path)
        finally:
            S.sql('UPDATE articles SET title = ? WHERE slug = ?', title, ARTICLE)
        self.assertNotIn('Renamed for the test', page('/articles/' + ARTICLE)[2])

    def test_a_therapist_renamed_shows_at_once(self):
        name = S.sql("SELECT name FROM therapists WHERE id = 'maren-holt'")[0][0]
        self.assertIn(name, page('/therapists')[2])
        self.assertIn(name, page('/therapists/maren-holt')[2])
        try:
            S.sql("UPDATE therapists SET name = 'Marit Testname' WHERE id = 'maren-holt'")
            self.assertIn('Marit Testname', page('/therapists')[2])
            self.assertIn('Marit Testname', page('/therapists/maren-holt')[2])
        finally:
            S.sql("UPDATE therapists SET name = ? WHERE id = 'maren-holt'", name)


class Private(unittest.TestCase):
    def test_a_signed_in_visitor_is_named_and_nobody_else_sees_it(self):
        for path in ('/', '/services', '/therapists'):
            anonymous = page(path)[2]                        # kept for everyone
            cara = client_account(S)
            st, _, mine = cara.get(path)
            self.assertEqual(st, 200)
            self.assertIn('Cara', mine, path)                 # her name, not the kept page
            self.assertNotIn('Cara', anonymous, path)
            self.assertNotIn('Cara', page(path)[2], path)     # and nobody else gets hers
            st, _, again = Browser().get(path)
            self.assertNotIn('Cara', again, path)

    def test_a_kept_page_is_the_page(self):
        for path in ('/', '/services', '/therapists', '/therapists/maren-holt', '/articles',
                     '/articles/' + ARTICLE):
            st1, h1, first = page(path)
            st2, h2, second = page(path)
            self.assertEqual((st1, st2), (200, 200), path)
            self.assertEqual(first, second, path)
            for h in (h1, h2):
                self.assertEqual(h['content-type'], 'text/html; charset=utf-8')
                self.assertIn("default-src 'self'", h['content-security-policy'])
                self.assertNotIn('set-cookie', h)
        self.assertEqual(page('/therapists/nobody')[0], 404)
        self.assertEqual(page('/articles/nothing-here')[0], 404)


class FooterYear(unittest.TestCase):
    """The footer's year is the clinic's: on New Year's Eve in Anchorage the
    UTC date has already turned (23:30 AKST is 08:30 UTC on January 1st),
    and a visitor there must not read next year's copyright line until her
    own midnight; on a kept page (/) as on one rendered each time (/login)."""

    def year_on(self, now, path):
        other = Server(KNEAD, share=S, extra=['--now', now]).start()
        try:
            st, _, body = other.request('GET', path)
        finally:
            other.cleanup()
        self.assertEqual(st, 200, (path, body[:300]))
        m = re.search(r'&copy; (\d{4}) ', body.decode())
        self.assertTrue(m, body[-1500:])
        return m.group(1)

    def test_new_years_eve_in_anchorage_is_still_the_old_year(self):
        for path in ('/', '/login'):
            self.assertEqual(self.year_on('2026-12-31T23:30:00-09:00', path), '2026', path)

    def test_new_years_day_in_anchorage_is_the_new_year(self):
        for path in ('/', '/login'):
            self.assertEqual(self.year_on('2027-01-01T00:30:00-09:00', path), '2027', path)


if __name__ == '__main__':
    run_suite(globals())
