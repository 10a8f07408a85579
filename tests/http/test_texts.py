"""Text messages, consent and opt-out (issue 13 item 21), as the pages show
them: the booking form's optional "text me a reminder" box (stored with its
time on the appointment), and the front desk marking a client's number
opted out of texts, or in again, on the client's page.  The reminders
themselves (a text only with consent, none after STOP, "Reply STOP to opt
out" in every text, the provider's inbound STOP) are in test_reminders.py.

usage: test_texts.py PATH/TO/knead"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_suite, signed_in  # noqa: E402
from test_pages_booking import Client, details  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
DESK = 'desk@chugachbodywork.example'
S = None


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', NOW]).start()


def tearDownModule():
    S.cleanup()


def consent_of(email):
    return S.sql('SELECT a.sms_consent_at FROM appointments a JOIN clients c'
                 ' ON c.id = a.client_id WHERE c.email = ?', email)


def client_id(email):
    return S.sql('SELECT id FROM clients WHERE email = ?', email)[0][0]


class BookingConsent(unittest.TestCase):
    def test_the_box_is_optional_and_stored_with_its_time(self):
        c = Client(S)
        r, _ = details(c, 'deep-tissue-60', 'maren-holt', '2026-11-26')
        form = r.page.form('/book')
        box = [f for f in form['fields'] if f.get('name') == 'texts']
        self.assertEqual(len(box), 1)
        self.assertEqual(box[0].get('type'), 'checkbox')
        self.assertNotIn('checked', box[0])          # never ticked for the client
        self.assertIn('texts', r.page.labels)         # labelled
        self.assertIn('Reply STOP', r.text)
        # ticked: stored with the time of the booking
        r = c.submit(form, name='Oona Pell', email='oona@example.com', phone='907 555 0131',
                     texts='yes')
        self.assertEqual(r.status, 303, r.text[:2000])
        from datetime import datetime
        self.assertEqual(consent_of('oona@example.com'),
                         [(int(datetime.fromisoformat(NOW).timestamp()),)])
        # not ticked: no consent
        c = Client(S)
        r, _ = details(c, 'deep-tissue-60', 'maren-holt', '2026-11-27')
        r = c.submit(r.page.form('/book'), name='Piet Lund', email='piet@example.com',
                     phone='907 555 0132')
        self.assertEqual(r.status, 303, r.text[:2000])
        self.assertEqual(consent_of('piet@example.com'), [(0,)])

    def test_a_damaged_box_is_refused_and_books_nothing(self):
        c = Client(S)
        r, _ = details(c, 'deep-tissue-60', 'maren-holt', '2026-11-30')
        before = S.sql('SELECT count(*) FROM appointments')[0][0]
        r = c.submit(r.page.form('/book'), name='Quin Ash', email='quin@example.com',
                     phone='907 555 0133', texts='sure')
        self.assertEqual(r.status, 400)
        self.assertIn('texts', r.text)
        self.assertEqual(S.sql('SELECT count(*) FROM appointments')[0][0], before)


class DeskMarks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        c = Client(S)
        r, _ = details(c, 'deep-tissue-60', 'maren-holt', '2026-12-01')
        r = c.submit(r.page.form('/book'), name='Rosa Imhof', email='rosa@example.com',
                     phone='(907) 555-0134', texts='yes')
        assert r.status == 303, r.text[:2000]
        cls.id = client_id('rosa@example.com')
        cls.url = '/staff/clients/%d' % cls.id

    def test_desk_stops_texts_and_lets_them_through_again(self):
        b = signed_in(DESK)
        st, _, page = b.get(self.url)
        self.assertEqual(st, 200)
        self.assertIn('+19075550134 gets reminders by text', page)
        st, h, page = b.post(self.url + '/texts', {'texts': 'stop'})
        self.assertEqual(st, 303, page)
        self.assertEqual(S.sql('SELECT phone, source FROM sms_opt_outs'),
                         [('+19075550134', 'desk')])
        st, _, page = b.get(h['location'])
        self.assertIn('has opted out of text messages since Tuesday, November 24, 2026', page)
        self.assertIn('marked by the front desk', page)
        # the same again changes nothing and still answers
        st, _, page = b.post(self.url + '/texts', {'texts': 'stop'})
        self.assertEqual(st, 303, page)
        self.assertEqual(S.sql('SELECT count(*) FROM sms_opt_outs'), [(1,)])
        st, _, page = b.post(self.url + '/texts', {'texts': 'allow'})
        self.assertEqual(st, 303, page)
        self.assertEqual(S.sql('SELECT count(*) FROM sms_opt_outs'), [(0,)])
        # each change (not the repeat) is in the audit log: who, for whom, which number
        rows = S.sql("SELECT action, actor, role, client_id, reason FROM audit_log"
                     " WHERE record = 'texts' ORDER BY id")
        self.assertEqual(rows, [
            ('opt_out', DESK, 'desk', self.id, '+19075550134 opted out of text messages by the front desk'),
            ('opt_in', DESK, 'desk', self.id, '+19075550134 opted in again by the front desk')])
        admin = signed_in('admin@chugachbodywork.example')
        st, _, page = admin.get('/admin/audit?record=texts')
        self.assertEqual(st, 200)
        self.assertIn('opt_out', page)
        self.assertIn('opt_in', page)

    def test_bad_choice_no_phone_and_other_roles_change_nothing(self):
        b = signed_in(DESK)
        st, _, page = b.post(self.url + '/texts', {'texts': 'maybe'})
        self.assertEqual(st, 400)
        self.assertIn('Choose whether this number gets text messages.', page)
        # a client with no phone number a text can go to
        S.sql("UPDATE clients SET phone = '' WHERE id = ?", self.id)
        try:
            st, _, page = b.post(self.url + '/texts', {'texts': 'stop'})
            self.assertEqual(st, 422)
            self.assertIn('no phone number a text can go to', page)
        finally:
            S.sql("UPDATE clients SET phone = '(907) 555-0134' WHERE id = ?", self.id)
        # a therapist may not; nor anyone signed out
        t = signed_in('maren@chugachbodywork.example')
        st, _, _ = t.post(self.url + '/texts', {'texts': 'stop'})
        self.assertEqual(st, 403)
        st = Client(S).post(self.url + '/texts', {'texts': 'stop'}).status
        self.assertIn(st, (303, 401, 403))   # to the sign-in page, or refused
        self.assertEqual(S.sql('SELECT count(*) FROM sms_opt_outs'), [(0,)])
        self.assertEqual(S.sql("SELECT count(*) FROM audit_log WHERE action IN ('opt_out', 'opt_in')"
                               " AND role <> 'desk'"), [(0,)])

    def test_short_inbound_secret_is_refused_at_start(self):
        path = os.path.join(S.dir, 'short.ini')
        with open(path, 'w') as f:
            f.write('[sms]\ninbound_secret = short\n')
        r = S.run_cli('serve', '--db', S.db, '--listen', '127.0.0.1:0', '--config', path)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('[sms] inbound_secret', r.stderr)


if __name__ == '__main__':
    run_suite(globals())
