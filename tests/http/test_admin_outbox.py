"""/admin/outbox: the queued messages by status, a failed one with the
reply of the server that refused it, and "send again" for a failed or
waiting one (POST with CSRF; refused for one sent, as `knead outbox retry`).
Only an admin sees it.

usage: test_admin_outbox.py PATH/TO/knead"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Browser, Server, run_suite, signed_in, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
ADMIN = 'admin@chugachbodywork.example'
S = None
REPLY = '550 5.1.1 <nobody@example.com>: Recipient address rejected <script>x</script>'


def setUpModule():
    global S
    S = Server(KNEAD)
    path = os.path.join(S.dir, 'k.ini')
    with open(path, 'w') as f:
        f.write('[smtp]\nhost =\n')  # nothing is delivered: what is queued stays
    S.extra = ['--config', path, '--quiet']
    S.start()


def tearDownModule():
    S.cleanup()


def add(status, key, last_error='', attempts=0, sent_at=None):
    return S.sql(
        "INSERT INTO outbox (kind, dedupe_key, recipient, subject, body_text, status, attempts,"
        " next_attempt_at, last_error, created_at, sent_at)"
        " VALUES ('confirmation', ?1, 'ana@example.com', 'Your massage on Friday', 'hi', ?2, ?3,"
        " 1790000000, ?4, 1790000000, ?5) RETURNING id",
        key, status, attempts, last_error, sent_at)[0][0]


def row(i):
    return tuple(S.sql('SELECT status, attempts, last_error FROM outbox WHERE id = ?1', i)[0])


class Page(unittest.TestCase):
    def test_failed_messages_show_the_servers_reply_and_can_be_sent_again(self):
        i = add('failed', 'f1', REPLY, attempts=8)
        b = signed_in(ADMIN)
        st, _, page = b.get('/admin/outbox')
        self.assertEqual(st, 200)
        self.assertIn('Failed (', text(page))
        self.assertIn('id="message-%d"' % i, page)
        self.assertIn(REPLY, text(page))
        self.assertNotIn('<script>x', page)
        self.assertIn('action="/admin/outbox/%d/retry"' % i, page)
        st, h, _ = b.post('/admin/outbox/%d/retry' % i, {})
        self.assertEqual(st, 303)
        self.assertEqual(h['location'], '/admin/outbox?status=pending&retried=%d' % i)
        self.assertEqual(row(i)[:2], ('pending', 0))
        st, _, page = b.get(h['location'])
        self.assertIn('Message %d is queued again' % i, text(page))
        self.assertIn('id="message-%d"' % i, page)

    def test_a_sent_message_is_not_sent_again(self):
        i = add('sent', 's1', attempts=1, sent_at=1790000100)
        b = signed_in(ADMIN)
        st, _, page = b.get('/admin/outbox?status=sent')
        self.assertEqual(st, 200)
        self.assertIn('id="message-%d"' % i, page)
        self.assertNotIn('/admin/outbox/%d/retry' % i, page)
        st, _, page = b.post('/admin/outbox/%d/retry' % i, {})
        self.assertEqual(st, 409)
        self.assertIn('Only a failed or waiting message', text(page))
        self.assertEqual(row(i)[:2], ('sent', 1))

    def test_unknown_and_malformed(self):
        b = signed_in(ADMIN)
        self.assertEqual(b.post('/admin/outbox/999999/retry', {})[0], 404)
        self.assertEqual(b.post('/admin/outbox/abc/retry', {})[0], 404)
        st, _, page = b.get('/admin/outbox?status=lost')
        self.assertEqual(st, 400)
        self.assertIn('failed, pending, sending or sent', text(page))

    def test_retry_needs_the_forms_csrf(self):
        i = add('failed', 'f2', REPLY, attempts=8)
        b = signed_in(ADMIN)
        st, _, _ = b.request('POST', '/admin/outbox/%d/retry' % i, {'csrf': 'x' * 32})
        self.assertEqual(st, 403)
        self.assertEqual(row(i)[:2], ('failed', 8))

    def test_only_an_admin(self):
        i = add('failed', 'f3', REPLY, attempts=8)
        for who in ('desk@chugachbodywork.example', 'maren@chugachbodywork.example'):
            b = signed_in(who)
            self.assertEqual(b.get('/admin/outbox')[0], 403, who)
            self.assertEqual(b.post('/admin/outbox/%d/retry' % i, {})[0], 403, who)
        anon = Browser()
        st, h, _ = anon.get('/admin/outbox')
        self.assertEqual(st, 303)
        self.assertTrue(h['location'].startswith('/login'))
        self.assertEqual(row(i)[:2], ('failed', 8))

    def test_the_admin_index_links_it(self):
        st, _, page = signed_in(ADMIN).get('/admin')
        self.assertEqual(st, 200)
        self.assertIn('href="/admin/outbox"', page)


if __name__ == '__main__':
    run_suite(globals())
