"""Articles in the database, edited at /admin/articles, against the real
server: the demo's two articles are seeded and served with previous/next; an
edit shows publicly; unpublishing hides an article (404, gone from the list
and from previous/next); a preview stores nothing; a refused form answers
422 and stores nothing; only admins may edit, and only with the CSRF token.

usage: test_articles.py PATH/TO/knead"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Browser, Server, run_suite, signed_in  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None
ADMIN = ('admin@chugachbodywork.example', 'demo-admin-pass')
DESK = ('desk@chugachbodywork.example', 'demo-desk-pass')
BACK = 'deep-tissue-massage-for-lower-back-pain'
RA = 'massage-for-rheumatoid-arthritis'


def setUpModule():
    global S
    S = Server(KNEAD).start()


def tearDownModule():
    S.cleanup()


def q(sql, *args):
    return S.sql(sql, *args)


def snapshot():
    return q('SELECT slug, title, summary, image, image_alt, body_md, body_html, position,'
             ' published, updated_at FROM articles ORDER BY slug')


def public(path):
    return Browser().get(path)


def article_form(slug):
    """The stored fields of an article as the edit form posts them."""
    row = q('SELECT slug, title, summary, image, image_alt, body_md, position, published'
            ' FROM articles WHERE slug = ?', slug)[0]
    f = {'slug': row[0], 'title': row[1], 'summary': row[2], 'image': row[3],
         'image_alt': row[4], 'body': row[5], 'position': str(row[6]), 'action': 'save'}
    if row[7]:
        f['published'] = '1'
    return f


class Articles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.admin = signed_in(ADMIN)

    def restore(self, slug, form):
        st, _, body = self.admin.post('/admin/articles/' + slug, form)
        self.assertEqual(st, 303, body[:400])

    def test_demo_seeds_both_articles_with_next_and_previous(self):
        self.assertEqual([r[0] for r in q('SELECT slug FROM articles WHERE published = 1'
                                          ' ORDER BY position')], [BACK, RA])
        st, _, page = public('/articles')
        self.assertEqual(st, 200)
        self.assertIn('/articles/' + BACK, page)
        self.assertIn('/articles/' + RA, page)
        st, _, page = public('/articles/' + BACK)
        self.assertEqual(st, 200)
        self.assertIn('<h2>', page)
        self.assertRegex(page, r'href="/articles/%s" rel="next"' % RA)
        self.assertNotIn('rel="prev"', page)
        st, _, page = public('/articles/' + RA)
        self.assertRegex(page, r'href="/articles/%s" rel="prev"' % BACK)
        self.assertNotIn('rel="next"', page)

    def test_admin_pages_render(self):
        st, _, page = self.admin.get('/admin/articles')
        self.assertEqual(st, 200)
        self.assertIn('/admin/articles/' + BACK, page)
        self.assertIn('Published', page)
        self.assertIn('/admin/articles', self.admin.get('/admin')[2])
        st, _, page = self.admin.get('/admin/articles/' + BACK)
        self.assertEqual(st, 200)
        self.assertIn('## Why the lower back', page)
        self.assertEqual(self.admin.get('/admin/articles/new')[0], 200)
        self.assertEqual(self.admin.get('/admin/articles/nothing-here')[0], 404)

    def test_edited_title_shows_publicly(self):
        form = article_form(BACK)
        changed = dict(form, title='Deep tissue and the lower back, revised')
        self.restore(BACK, changed)
        try:
            self.assertIn('Deep tissue and the lower back, revised', public('/articles/' + BACK)[2])
            self.assertIn('Deep tissue and the lower back, revised', public('/articles')[2])
            # the neighbour's "previous" link shows the new title too
            self.assertIn('Deep tissue and the lower back, revised', public('/articles/' + RA)[2])
        finally:
            self.restore(BACK, form)
        self.assertIn('How deep-tissue massage helps lower back pain', public('/articles/' + BACK)[2])

    def test_unpublish_hides_the_article_then_publish_brings_it_back(self):
        st, _, _ = self.admin.post('/admin/articles/%s/publish' % RA, {'published': '0'})
        self.assertEqual(st, 303)
        try:
            self.assertEqual(public('/articles/' + RA)[0], 404)
            self.assertNotIn('/articles/' + RA, public('/articles')[2])
            self.assertNotIn('/articles/' + RA, public('/')[2])
            page = public('/articles/' + BACK)[2]
            self.assertNotIn('rel="next"', page)
            self.assertNotIn('rel="prev"', page)
            # still listed (as a draft) and editable for the admin
            self.assertIn('Draft', self.admin.get('/admin/articles')[2])
            self.assertEqual(self.admin.get('/admin/articles/' + RA)[0], 200)
        finally:
            st, _, _ = self.admin.post('/admin/articles/%s/publish' % RA, {'published': '1'})
            self.assertEqual(st, 303)
        self.assertEqual(public('/articles/' + RA)[0], 200)
        self.assertRegex(public('/articles/' + BACK)[2], r'href="/articles/%s" rel="next"' % RA)

    def test_position_orders_next_and_previous(self):
        back, ra = article_form(BACK), article_form(RA)
        self.restore(RA, dict(ra, position='0'))
        try:
            st, _, page = public('/articles')
            self.assertLess(page.index('/articles/' + RA), page.index('/articles/' + BACK))
            page = public('/articles/' + RA)[2]
            self.assertRegex(page, r'href="/articles/%s" rel="next"' % BACK)
        finally:
            self.restore(RA, ra)
        self.assertRegex(public('/articles/' + BACK)[2], r'href="/articles/%s" rel="next"' % RA)
        self.assertEqual(back, article_form(BACK))

    def test_preview_renders_and_saves_nothing(self):
        before = snapshot()
        form = dict(article_form(BACK), action='preview', title='Not saved',
                    body='## Previewed heading\n\nSome *text* <script>x()</script>')
        st, _, page = self.admin.post('/admin/articles/' + BACK, form)
        self.assertEqual(st, 200)
        self.assertIn('<h2>Previewed heading</h2>', page)
        self.assertIn('<em>text</em>', page)
        self.assertNotIn('<script>x()', page)
        self.assertIn('value="Not saved"', page)
        st, _, page = self.admin.post('/admin/articles', dict(form, slug='brand-new'))
        self.assertEqual(st, 200)
        self.assertIn('<h2>Previewed heading</h2>', page)
        self.assertEqual(snapshot(), before)

    def test_refused_forms_are_422_and_save_nothing(self):
        before = snapshot()
        base = article_form(BACK)
        cases = [
            ('slug', dict(base, slug='Bad Slug!'), 'lowercase letters'),
            ('slug', dict(base, slug=RA), 'Another article has this slug'),
            ('title', dict(base, title='  '), 'Enter the title'),
            ('image_alt', dict(base, image='/static/img/articles/lower-back.svg', image_alt=''),
             'Describe the image'),
            ('position', dict(base, position='first'), 'whole number'),
            ('body', dict(base, body=''), 'Enter the article text'),
        ]
        for name, form, msg in cases:
            with self.subTest(name):
                st, _, page = self.admin.post('/admin/articles/' + BACK, form)
                self.assertEqual(st, 422, name)
                self.assertIn(msg, page)
                self.assertIn('id="%s-error"' % name, page)
                new = dict(form, slug='a-new-one' if name != 'slug' else form['slug'])
                st, _, page = self.admin.post('/admin/articles', new)
                self.assertEqual(st, 422, name)
        self.assertEqual(snapshot(), before)

    def test_long_text_is_422_and_a_body_over_64_kib_is_413(self):
        before = snapshot()
        form = dict(article_form(BACK), body='a' * 60001)
        st, _, page = self.admin.post('/admin/articles/' + BACK, form)
        self.assertEqual(st, 422)
        self.assertIn('at most 60000 characters', page)
        form = dict(article_form(BACK), body='a' * (65 * 1024))
        self.assertEqual(self.admin.post('/admin/articles/' + BACK, form)[0], 413)
        self.assertEqual(snapshot(), before)

    def test_new_article_create_publish_and_show(self):
        form = {'slug': 'massage-after-a-long-flight', 'title': 'Massage after a long flight',
                'summary': 'Stiff after hours in a seat?', 'image': '', 'image_alt': '',
                'body': 'Walk first.\n\n- drink water\n- stretch\n', 'position': '9',
                'action': 'save'}
        st, h, _ = self.admin.post('/admin/articles', form)
        self.assertEqual(st, 303)
        self.assertEqual(h['location'], '/admin/articles?saved=1')
        self.assertEqual(public('/articles/massage-after-a-long-flight')[0], 404)  # a draft
        st, _, _ = self.admin.post('/admin/articles/massage-after-a-long-flight/publish',
                                   {'published': '1'})
        self.assertEqual(st, 303)
        st, _, page = public('/articles/massage-after-a-long-flight')
        self.assertEqual(st, 200)
        self.assertIn('<li>drink water</li>', page)
        self.assertRegex(page, r'href="/articles/%s" rel="prev"' % RA)
        self.assertRegex(public('/articles/' + RA)[2],
                         r'href="/articles/massage-after-a-long-flight" rel="next"')
        # rename the slug: the old address is gone, the new one works
        st, _, _ = self.admin.post('/admin/articles/massage-after-a-long-flight',
                                   dict(form, slug='after-a-long-flight', published='1'))
        self.assertEqual(st, 303)
        self.assertEqual(public('/articles/massage-after-a-long-flight')[0], 404)
        self.assertEqual(public('/articles/after-a-long-flight')[0], 200)
        st, _, _ = self.admin.post('/admin/articles/after-a-long-flight/publish',
                                   {'published': '0'})
        self.assertEqual(st, 303)
        self.assertNotIn('after-a-long-flight', public('/articles')[2])

    def test_desk_gets_403_and_anonymous_goes_to_login(self):
        before = snapshot()
        desk = signed_in(DESK)
        for path in ('/admin/articles', '/admin/articles/new', '/admin/articles/' + BACK):
            self.assertEqual(desk.get(path)[0], 403, path)
        self.assertEqual(desk.post('/admin/articles/' + BACK, dict(article_form(BACK),
                                                                    title='Desk'))[0], 403)
        self.assertEqual(desk.post('/admin/articles/%s/publish' % BACK, {'published': '0'})[0],
                         403)
        st, h, _ = public('/admin/articles')
        self.assertIn(st, (302, 303))
        self.assertIn('/login', h.get('location', ''))
        self.assertEqual(snapshot(), before)

    def test_missing_or_wrong_csrf_is_403_and_saves_nothing(self):
        before = snapshot()
        form = dict(article_form(BACK), title='No token')
        for path, f in (('/admin/articles/' + BACK, form), ('/admin/articles', dict(form, slug='x-y')),
                        ('/admin/articles/%s/publish' % BACK, {'published': '0'})):
            self.assertEqual(self.admin.request('POST', path, f)[0], 403, path)
            self.assertEqual(self.admin.request('POST', path, dict(f, csrf='wrong-token-wrong'))[0],
                             403, path)
        self.assertEqual(snapshot(), before)


if __name__ == '__main__':
    run_suite(globals())
