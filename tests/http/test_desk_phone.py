"""The front desk books a client who has only a phone (issue 13 item 4),
against the real server (clock pinned to Tuesday 2026-11-24 09:00 in
Anchorage, [sms] pointed at a fake provider on loopback): the e-mail is
optional at the desk when a phone is given; the client is found again by
the same name and the same number however it is written, never merged with
another name on the same phone; no e-mail is queued for them; the
confirmation goes by text when the client asked for texts, else the
appointment's page shows it to read out.  Online booking still needs an
e-mail; a client without one has no duplicates by it and cannot be merged
by it.

usage: test_desk_phone.py PATH/TO/knead"""
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, rendered, run_suite, signed_in  # noqa: E402
from test_reminders import SmsReceiver  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
DESK = ('desk@chugachbodywork.example', 'demo-desk-pass')
S = None
SMS = None


def write_config(d, sms_port):
    path = os.path.join(d, 'phone.ini')
    with open(path, 'w') as f:
        f.write('[server]\npublic_url = http://clinic.test\n')
        if sms_port:
            f.write('[sms]\nbase_url = http://127.0.0.1:%d/2010-04-01/\naccount = AC01\n'
                    'key = k3y\nfrom = +19075550199\n' % sms_port)
    return path


def setUpModule():
    global S, SMS
    SMS = SmsReceiver().start()
    S = Server(KNEAD)
    S.extra = ['--now', NOW, '--config', write_config(S.dir, SMS.port)]
    S.start()


def tearDownModule():
    harness.finish(S)
    SMS.stop()


def count(sql, *args):
    return S.sql(sql, *args)[0][0]


def book(b, start, name, email='', phone='', texts='', therapist='maren-holt'):
    form = {'service': 'deep-tissue-60', 'therapist': therapist, 'start': start, 'note': '',
            'name': name, 'email': email, 'phone': phone}
    if texts:
        form['texts'] = texts
    return b.post('/staff/book', form)


def booked_id(h):
    m = re.fullmatch(r'/staff/appointments/(\d+)', h.get('location', ''))
    assert m, h
    return int(m.group(1))


def client_of(aid):
    return S.sql('SELECT c.id, c.name, c.email, c.phone FROM clients c JOIN appointments a'
                 ' ON a.client_id = c.id WHERE a.id = ?', aid)[0]


def wait_for(what, fn, deadline=30.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        got = fn()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError('timed out waiting for ' + what + '\n' + S.log()[-3000:])


def _instant(rfc3339):
    from datetime import datetime
    return int(datetime.fromisoformat(rfc3339).timestamp())


class PhoneOnly(unittest.TestCase):
    def test_1_phone_only_booking_is_read_out_and_queues_no_email(self):
        b = signed_in(DESK)
        st, h, page = book(b, '2026-11-26T10:00:00-09:00', 'Ida Voss', phone='(907) 555-0171')
        self.assertEqual(st, 303, page[:3000])
        aid = booked_id(h)
        cid, name, email, phone = client_of(aid)
        self.assertEqual((name, email, phone), ('Ida Voss', '', '(907) 555-0171'))
        rendered(S)
        self.assertEqual(count('SELECT count(*) FROM outbox WHERE appointment_id = ?', aid), 0)
        st, _, page = b.get('/staff/appointments/%d' % aid)
        self.assertEqual(st, 200)
        text = harness.text(page)
        self.assertIn('Read the confirmation to the client', text)
        self.assertIn('You are booked for', text)
        self.assertIn('Thursday, November 26, 2026', text)
        self.assertIn('10:00', text)
        self.assertIn('Maren Holt', text)
        self.assertRegex(text, r'The price is \$\d+')
        self.assertIn('late cancellation', text)
        # an e-mail client's page has no read-out
        st, h, page = book(b, '2026-11-26T15:00:00-09:00', 'Eli Mail', email='eli@example.com')
        self.assertEqual(st, 303, page[:3000])
        st, _, page = b.get(h['location'])
        self.assertNotIn('Read the confirmation', page)

    def test_2_the_same_phone_in_another_format_finds_the_same_client(self):
        b = signed_in(DESK)
        st, h, page = book(b, '2026-11-27T10:00:00-09:00', 'Jon Berg', phone='907 555 0172')
        self.assertEqual(st, 303, page[:3000])
        first = client_of(booked_id(h))[0]
        before = count('SELECT count(*) FROM clients')
        st, h, page = book(b, '2026-12-01T10:00:00-09:00', 'Jon Berg', phone='+1 (907) 555-0172')
        self.assertEqual(st, 303, page[:3000])
        self.assertEqual(client_of(booked_id(h))[0], first)
        self.assertEqual(count('SELECT count(*) FROM clients'), before)
        # another name on the same number (a family's one phone): another client
        st, h, page = book(b, '2026-12-01T14:00:00-09:00', 'Kai Berg', phone='907.555.0172')
        self.assertEqual(st, 303, page[:3000])
        other = client_of(booked_id(h))
        self.assertNotEqual(other[0], first)
        self.assertEqual(other[1:3], ('Kai Berg', ''))
        # neither is listed as the other's duplicate, and they cannot be merged
        st, _, page = b.get('/staff/clients/%d' % first)
        self.assertEqual(st, 200)
        self.assertNotIn('/staff/clients/%d"' % other[0], page)
        st, _, page = b.post('/staff/clients/%d/merge' % first,
                             {'other': str(other[0]), 'confirm': 'yes'})
        self.assertEqual(st, 422, page[:2000])
        self.assertEqual(count('SELECT count(*) FROM clients WHERE id IN (?, ?)',
                               first, other[0]), 2)
        # the search finds them by the number however it is typed
        st, _, page = b.get('/staff/clients?q=9075550172')
        self.assertIn('Jon Berg', page)
        self.assertIn('Kai Berg', page)

    def test_3_with_texts_the_confirmation_is_texted_not_mailed(self):
        b = signed_in(DESK)
        st, h, page = book(b, '2026-11-26T13:00:00-09:00', 'Lia Text', phone='907-555-0173',
                           texts='yes')
        self.assertEqual(st, 303, page[:3000])
        aid = booked_id(h)
        rendered(S)
        self.assertEqual(
            S.sql('SELECT kind, channel, recipient FROM outbox WHERE appointment_id = ?', aid),
            [('confirmation_sms', 'sms', '+19075550173')])
        sent = wait_for('the text', lambda: SMS.to('+19075550173'))
        body = sent[0][3]['Body']
        self.assertIn('Booked: Deep Tissue', body)
        self.assertIn('Maren Holt', body)
        self.assertIn('Reply STOP', body)
        st, _, page = b.get('/staff/appointments/%d' % aid)
        self.assertIn('Confirmation texted', harness.text(page))

    def test_3a_the_text_carries_the_private_link_that_moves_and_cancels(self):
        """A client with no e-mail gets the manage link (/a/{token}) in the
        confirmation text, as an e-mail client gets it by e-mail; the page
        works for them: they move, then cancel, without calling.  The moves'
        and cancellation's texts carry no link (the token is not kept)."""
        b = signed_in(DESK)
        st, h, page = book(b, '2026-11-27T13:00:00-09:00', 'Uma Link', phone='907 555 0183',
                           texts='yes')
        self.assertEqual(st, 303, page[:3000])
        aid = booked_id(h)
        rendered(S)
        sent = wait_for('the text', lambda: SMS.to('+19075550183'))
        body = sent[0][3]['Body']
        m = re.search(r'Move or cancel: http://clinic\.test(/a/([A-Za-z0-9_-]{22}))(?:\s|$)', body)
        self.assertTrue(m, body)
        path, token = m.group(1), m.group(2)
        self.assertTrue(body.endswith('Reply STOP to opt out.'), body)
        # the token is the appointment's (stored as its hash only)
        import hashlib
        self.assertEqual(count('SELECT lower(hex(token_hash)) FROM appointments WHERE id = ?',
                               aid) if not harness.PG else
                         count("SELECT encode(token_hash, 'hex') FROM appointments WHERE id = ?",
                               aid),
                         hashlib.blake2b(token.encode(), digest_size=32).hexdigest())
        c = harness.Browser(S)
        st, _, page = c.get(path)
        self.assertEqual(st, 200)
        text = harness.text(page)
        self.assertIn('Friday, November 27, 2026', text)
        self.assertIn('Move appointment', text)
        # moved by the client: the move is texted, with no link
        st, _, page = c.post(path + '/move', {'start': '2026-11-30T11:00:00-09:00',
                                              'therapist': 'maren-holt'})
        self.assertEqual(st, 303, harness.text(page)[:2000])
        rendered(S)
        self.assertEqual(count('SELECT start_at FROM appointments WHERE id = ?', aid),
                         _instant('2026-11-30T11:00:00-09:00'))
        moved = wait_for('the move', lambda: len(SMS.to('+19075550183')) >= 2 and
                         SMS.to('+19075550183'))
        self.assertIn('Moved:', moved[1][3]['Body'])
        self.assertNotIn('/a/', moved[1][3]['Body'])
        # and cancelled by them
        st, _, page = c.post(path + '/cancel', {})
        self.assertEqual(st, 303, harness.text(page)[:2000])
        self.assertEqual(count('SELECT status FROM appointments WHERE id = ?', aid), 'cancelled')
        rendered(S)
        done = wait_for('the cancellation', lambda: len(SMS.to('+19075550183')) >= 3 and
                        SMS.to('+19075550183'))
        self.assertIn('Cancelled:', done[2][3]['Body'])

    def test_3c_a_number_that_said_stop_gets_no_text_and_no_link(self):
        S.sql("INSERT INTO sms_opt_outs (phone, opted_out_at, source) VALUES"
              " ('+19075550184', 0, 'reply')")
        b = signed_in(DESK)
        st, h, page = book(b, '2026-11-30T08:00:00-09:00', 'Vic Stop', phone='907 555 0184',
                           texts='yes')
        self.assertEqual(st, 303, page[:3000])
        aid = booked_id(h)
        rendered(S)
        self.assertEqual(count('SELECT count(*) FROM outbox WHERE appointment_id = ?', aid), 0)
        self.assertEqual(SMS.to('+19075550184'), [])
        st, _, page = b.get('/staff/appointments/%d' % aid)
        self.assertIn('Read the confirmation to the client', harness.text(page))

    def test_3b_each_move_and_the_cancellation_are_texted(self):
        b = signed_in(DESK)
        st, h, page = book(b, '2026-11-25T10:00:00-09:00', 'Rob Mover', phone='907 555 0179',
                           texts='yes')
        self.assertEqual(st, 303, page[:3000])
        aid = booked_id(h)
        url = '/staff/appointments/%d' % aid
        st, _, page = b.get(url + '?date=2026-11-25')
        free = re.findall(r'value="(2026-11-25T\d\d:\d\d:00-09:00)"', page)
        self.assertGreaterEqual(len(free), 3, page[:3000])
        for start in (free[-1], free[-2]):
            st, _, page = b.post(url + '/move', {'start': start})
            self.assertEqual(st, 303, page[:2000])
            rendered(S)
        st, _, page = b.post(url + '/status', {'status': 'cancelled', 'reason': 'Sick'})
        self.assertEqual(st, 303, page[:2000])
        rendered(S)
        self.assertEqual(
            S.sql('SELECT kind, channel FROM outbox WHERE appointment_id = ? ORDER BY id', aid),
            [('confirmation_sms', 'sms'), ('reschedule_sms', 'sms'), ('reschedule_sms', 'sms'),
             ('cancellation_sms', 'sms')])
        sent = wait_for('four texts', lambda: len(SMS.to('+19075550179')) == 4 and
                        SMS.to('+19075550179'))
        self.assertIn('Moved:', sent[1][3]['Body'])
        self.assertIn('Cancelled:', sent[3][3]['Body'])

    def test_4_bad_contact_is_refused_and_stores_nothing(self):
        b = signed_in(DESK)
        before = (count('SELECT count(*) FROM clients'),
                  count('SELECT count(*) FROM appointments'))
        st, _, page = book(b, '2026-11-30T10:00:00-09:00', 'Max None')
        self.assertEqual(st, 422)
        self.assertIn('id="email-error"', page)
        self.assertIn('id="phone-error"', page)
        self.assertIn('e-mail address or phone number', page)
        for bad in ('call me', '555 0142', '907 555 0142 ext 5'):
            st, _, page = book(b, '2026-11-30T10:00:00-09:00', 'Max None', phone=bad)
            self.assertEqual(st, 422, bad)
            self.assertIn('id="phone-error"', page, bad)
        st, _, page = book(b, '2026-11-30T10:00:00-09:00', 'Max None', email='not-an-address',
                           phone='907 555 0174')
        self.assertEqual(st, 422)
        self.assertIn('id="email-error"', page)
        self.assertEqual((count('SELECT count(*) FROM clients'),
                          count('SELECT count(*) FROM appointments')), before)

    def test_5_online_booking_still_needs_an_email(self):
        before = count('SELECT count(*) FROM appointments')
        body = json.dumps({'service': 'deep-tissue-60', 'therapist': 'any',
                           'start': '2026-11-30T13:00:00-09:00',
                           'client': {'name': 'Ned Web', 'email': '', 'phone': '907 555 0175'}})
        st, _, data = S.request('POST', '/api/v1/appointments', body.encode(),
                                {'Content-Type': 'application/json'})
        self.assertEqual(st, 422, data)
        self.assertIn(b'email', data)
        self.assertEqual(count('SELECT count(*) FROM appointments'), before)

    def test_6_the_client_list_page_edit_and_export_cope_with_no_email(self):
        b = signed_in(DESK)
        st, _, page = b.get('/staff/clients?q=Ida')
        self.assertEqual(st, 200)
        self.assertIn('Ida Voss', page)
        cid = count("SELECT id FROM clients WHERE name = 'Ida Voss'")
        url = '/staff/clients/%d' % cid
        st, _, page = b.get(url)
        self.assertEqual(st, 200)
        self.assertNotIn('Possible duplicates', page)
        # saved without an e-mail while the phone is whole; not with neither
        st, _, _ = b.post(url, {'name': 'Ida Voss', 'email': '', 'phone': '907 555 0181'})
        self.assertEqual(st, 303)
        self.assertEqual(S.sql('SELECT email, phone FROM clients WHERE id = ?', cid),
                         [('', '907 555 0181')])
        st, _, page = b.post(url, {'name': 'Ida Voss', 'email': '', 'phone': ''})
        self.assertEqual(st, 422)
        self.assertIn('id="phone-error"', page)
        self.assertEqual(S.sql('SELECT phone FROM clients WHERE id = ?', cid),
                         [('907 555 0181',)])
        st, _, csv = signed_in(('admin@chugachbodywork.example', 'demo-admin-pass')).get(
            '/admin/export/clients.csv')
        self.assertEqual(st, 200)
        self.assertRegex(csv, r'%d,Ida Voss,,907 555 0181' % cid)


class NoSmsConfigured(unittest.TestCase):
    def test_consent_without_sms_set_up_is_read_out(self):
        s = Server(KNEAD)
        s.extra = ['--now', NOW, '--config', write_config(s.dir, 0)]
        s.start()
        try:
            b = signed_in(DESK, server=s)
            st, h, page = book(b, '2026-11-26T10:00:00-09:00', 'Ona Quiet',
                               phone='907 555 0176', texts='yes')
            self.assertEqual(st, 303, page[:3000])
            aid = booked_id(h)
            rendered(s)
            self.assertEqual(s.sql('SELECT count(*) FROM outbox WHERE appointment_id = ?',
                                   aid), [(0,)])
            st, _, page = b.get('/staff/appointments/%d' % aid)
            self.assertIn('Read the confirmation to the client', harness.text(page))
        finally:
            harness.finish(s)


if __name__ == '__main__':
    run_suite(globals())
