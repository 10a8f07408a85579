"""Reminders (issue 6): e-mail and text messages N hours before each booked
appointment, queued into the outbox when due by the clinic's clock.

The real server with the clock pinned (--now); the test moves the clock by
restarting the server on the same database with another --now, and waits
for the reminder thread's first look (a log line) instead of sleeping.
E-mail goes to the loopback SMTP receiver of test_outbox.py; text messages
to a small Twilio-style HTTP receiver here.  Nothing but 127.0.0.1.

usage: test_reminders.py PATH/TO/knead"""
import base64
import json
import os
import re
import sys
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_suite  # noqa: E402
from test_outbox import Smtpd  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
DEADLINE = 30.0
ACCOUNT, KEY, FROM = 'AC0123abcd', 's3cret key', '+19075550199'
INBOUND = 'in-7Qx2VfLr9KpB3mWz8sTa4Nd'  # [sms] inbound_secret
REFUSED = '+19075550666'  # the receiver answers 400 for this number, as Twilio does
S = None
SMTP = None
SMS = None


class SmsReceiver:
    """POST /2010-04-01/Accounts/{account}/Messages.json, Twilio style.
    Keeps (path, authorization, content-type, form) of each request; can be
    stopped (connections refused) and started again on the same port."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        self.server = None
        self.port = 0

    def start(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get('Content-Length', '0'))
                body = self.rfile.read(n).decode()
                with outer.lock:
                    outer.requests.append((self.path, self.headers.get('Authorization'),
                                           self.headers.get('Content-Type'),
                                           {k: v[0] for k, v in parse_qs(body).items()}))
                out = json.dumps({'sid': 'SM%d' % len(outer.requests), 'status': 'queued'})
                status = 201
                if parse_qs(body).get('To') == [REFUSED]:
                    out = json.dumps({'code': 21211, 'message': "The 'To' number is not a"
                                      " valid phone number.", 'status': 400})
                    status = 400
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(out)))
                self.end_headers()
                self.wfile.write(out.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def to(self, number):
        with self.lock:
            return [r for r in self.requests if r[3].get('To') == number]


def wait_for(what, fn, deadline=DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        got = fn()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError('timed out waiting for ' + what + '\n' + S.log()[-3000:])


def write_config(hours=24, hours_2=3):
    path = os.path.join(S.dir, 'reminders.ini')
    with open(path, 'w') as f:
        f.write('[server]\npublic_url = http://clinic.test\n'
                '[smtp]\nhost = 127.0.0.1\nport = %d\nretry_min_seconds = 1\nretry_max_seconds = 1\n'
                '[reminders]\nhours = %d\nhours_2 = %d\n'
                '[sms]\nbase_url = http://127.0.0.1:%d/2010-04-01/\naccount = %s\nkey = %s\n'
                'from = %s\ninbound_secret = %s\n'
                % (SMTP.port, hours, hours_2, SMS.port, ACCOUNT, KEY, FROM, INBOUND))
    return path


def serve_at(now, hours=24, hours_2=3):
    """(Re)starts the server on the same database with the clock pinned to
    now; returns once the reminder thread has had its first look."""
    if S.proc:
        assert S.stop() == 0, S.log()[-3000:]
        S.seed = False
    S.extra = ['--now', now, '--config', write_config(hours, hours_2)]
    S.start()
    wait_for('the first look for reminders', lambda: 'reminders: first look' in S.log())


def setUpModule():
    global S, SMTP, SMS
    SMTP = Smtpd().start()
    SMS = SmsReceiver().start()
    S = Server(KNEAD)


def tearDownModule():
    S.cleanup()
    SMTP.stop()
    SMS.stop()


def api(method, path, body=None, headers=None):
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h['Content-Type'] = 'application/json'
    status, _, out = S.request(method, path, body=data, headers=h)
    return status, json.loads(out) if out else None


def book(start, email_addr, phone='907 555 0100', name='Ana Lee', therapist='any', texts=True):
    """Books through the API; texts: the client asks for reminders by text."""
    st, appt = api('POST', '/api/v1/appointments', {
        'service': 'deep-tissue-60', 'therapist': therapist, 'start': start,
        'client': {'name': name, 'email': email_addr, 'phone': phone, 'sms_consent': texts}})
    assert st == 201, (st, appt)
    return appt


def bearer(appt):
    return {'Authorization': 'Bearer ' + appt['manage_url'].rsplit('/', 1)[1]}


def db(sql, *args):
    return S.sql(sql, *args)


def reminders(appt_id):
    """(dedupe_key, channel, status, recipient) of an appointment's reminders."""
    return db("SELECT dedupe_key, channel, status, recipient FROM outbox WHERE appointment_id = ?"
              " AND kind LIKE 'reminder%' ORDER BY id", appt_id)


def all_sent(appt_id, n):
    rows = reminders(appt_id)
    return len(rows) == n and all(r[2] == 'sent' for r in rows)


def utc(rfc3339):
    from datetime import datetime
    return int(datetime.fromisoformat(rfc3339).timestamp())


def mails(rcpt, prefix='Reminder'):
    return [m for m in SMTP.to(rcpt) if m['Subject'].startswith(prefix)]


class Reminders(unittest.TestCase):
    def test_1_one_reminder_24_hours_before_and_one_3_hours_before(self):
        serve_at('2026-11-24T09:00:00-09:00')
        a = book('2026-11-26T10:00:00-09:00', 'rem@example.com', therapist='tomas-reyes')
        nophone = book('2026-11-26T11:00:00-09:00', 'nophone@example.com', phone='555 0142')
        start = utc('2026-11-26T10:00:00-09:00')
        # a minute before the due instant: nothing
        serve_at('2026-11-25T09:59:00-09:00')
        self.assertEqual(reminders(a['id']), [])
        # due exactly 24 hours before
        serve_at('2026-11-25T10:00:00-09:00')
        wait_for('the reminders are sent', lambda: all_sent(a['id'], 2))
        self.assertEqual([(r[0], r[1], r[3]) for r in reminders(a['id'])], [
            ('appt-%d/reminder-24h/%d' % (a['id'], start), 'email', 'rem@example.com'),
            ('appt-%d/reminder-24h-sms/%d' % (a['id'], start), 'sms', '+19075550100')])
        got = mails('rem@example.com')
        self.assertEqual(len(got), 1)
        m = got[0]
        self.assertIn('Thursday, November 26, 2026 at 10:00 AM AKST', m['Subject'])
        text = m.get_body(preferencelist=('plain',)).get_content()
        self.assertIn('Hello Ana Lee,', text)
        self.assertIn('in 24 hours', text)
        self.assertIn('Tomas Reyes', text)
        html = m.get_body(preferencelist=('html',)).get_content()
        self.assertIn('datetime="2026-11-26T10:00:00-09:00"', html)
        # the text message, Twilio style
        texts = SMS.to('+19075550100')
        self.assertEqual(len(texts), 1)
        path, auth, ctype, form = texts[0]
        self.assertEqual(path, '/2010-04-01/Accounts/%s/Messages.json' % ACCOUNT)
        self.assertEqual(auth, 'Basic ' + base64.b64encode(
            ('%s:%s' % (ACCOUNT, KEY)).encode()).decode())
        self.assertEqual(ctype, 'application/x-www-form-urlencoded')
        self.assertEqual(form['From'], FROM)
        self.assertIn('Thursday, November 26, 2026 at 10:00 AM', form['Body'])
        self.assertIn('Tomas Reyes', form['Body'])
        self.assertTrue(form['Body'].endswith('Reply STOP to opt out.'), form['Body'])
        # later looks, and restarts, queue nothing more
        serve_at('2026-11-25T16:00:00-09:00')
        # the client without a usable phone number gets the e-mail only
        wait_for('the e-mail reminder is sent', lambda: all_sent(nophone['id'], 1))
        self.assertEqual(reminders(nophone['id'])[0][1], 'email')
        self.assertEqual(len(reminders(a['id'])), 2)
        self.assertEqual(len(mails('rem@example.com')), 1)
        # the second one, 3 hours before
        serve_at('2026-11-26T07:00:00-09:00')
        wait_for('the 3-hour reminders are sent', lambda: all_sent(a['id'], 4))
        self.assertEqual(reminders(a['id'])[2][0], 'appt-%d/reminder-3h/%d' % (a['id'], start))
        self.assertEqual(len(mails('rem@example.com')), 2)
        self.assertIn('in 3 hours', mails('rem@example.com')[1].get_body(
            preferencelist=('plain',)).get_content())
        self.assertEqual(len(SMS.to('+19075550100')), 2)
        # started: nothing more, ever
        serve_at('2026-11-26T10:30:00-09:00')
        self.assertEqual(len(reminders(a['id'])), 4)

    def test_2_cancelled_gets_none_and_moved_gets_its_new_time_only(self):
        serve_at('2026-11-30T09:00:00-09:00')
        gone = book('2026-12-02T10:00:00-09:00', 'gone@example.com', phone='907 555 0102',
                    therapist='lena-kusugak')
        moved = book('2026-12-02T09:00:00-09:00', 'moved@example.com', phone='907 555 0103',
                     therapist='maren-holt')
        st, _ = api('DELETE', '/api/v1/appointments/%d' % gone['id'], headers=bearer(gone))
        self.assertEqual(st, 200)
        st, out = api('POST', '/api/v1/appointments/%d/reschedule' % moved['id'],
                      {'start': '2026-12-03T14:00:00-09:00', 'therapist': 'maren-holt'},
                      headers=bearer(moved))
        self.assertEqual(st, 200, out)
        # after the old due instant, before the new one
        serve_at('2026-12-01T12:00:00-09:00')
        self.assertEqual(reminders(gone['id']), [])
        self.assertEqual(reminders(moved['id']), [])
        # the new time's reminder
        serve_at('2026-12-02T14:00:00-09:00')
        wait_for('the moved appointment\'s reminders', lambda: all_sent(moved['id'], 2))
        new_start = utc('2026-12-03T14:00:00-09:00')
        self.assertEqual([r[0] for r in reminders(moved['id'])], [
            'appt-%d/reminder-24h/%d' % (moved['id'], new_start),
            'appt-%d/reminder-24h-sms/%d' % (moved['id'], new_start)])
        m = mails('moved@example.com')
        self.assertEqual(len(m), 1)
        self.assertIn('December 3, 2026 at 2:00 PM', m[0]['Subject'])
        self.assertEqual(reminders(gone['id']), [])
        self.assertEqual(mails('gone@example.com'), [])

    def test_3_booked_inside_the_window_gets_no_stale_reminder(self):
        serve_at('2026-12-07T12:00:00-09:00')
        late = book('2026-12-08T10:00:00-09:00', 'late@example.com', phone='907 555 0104')
        # its 24-hour reminder fell due before it was booked: never sent
        serve_at('2026-12-07T12:00:30-09:00')
        self.assertEqual(reminders(late['id']), [])
        # the 3-hour one still comes
        serve_at('2026-12-08T07:00:00-09:00')
        wait_for('the 3-hour reminder', lambda: all_sent(late['id'], 2))
        self.assertTrue(all('/reminder-3h' in r[0] for r in reminders(late['id'])))

    def test_4_a_move_withdraws_a_waiting_text_message(self):
        serve_at('2026-12-09T09:00:00-09:00')
        a = book('2026-12-11T10:00:00-09:00', 'wd@example.com', phone='907 555 0105',
                 therapist='maren-holt')
        SMS.stop()
        try:
            serve_at('2026-12-10T10:00:00-09:00')
            wait_for('a failed try of the text message', lambda: db(
                "SELECT attempts FROM outbox WHERE appointment_id = ? AND channel = 'sms'"
                " AND attempts >= 1 AND status = 'pending'", a['id']))
            st, out = api('POST', '/api/v1/appointments/%d/reschedule' % a['id'],
                          {'start': '2026-12-14T10:00:00-09:00', 'therapist': 'maren-holt'},
                          headers=bearer(a))
            self.assertEqual(st, 200, out)
            self.assertEqual(db("SELECT count(*) FROM outbox WHERE appointment_id = ?"
                                " AND kind = 'reminder_sms'", a['id'])[0][0], 0)
        finally:
            SMS.start()
        serve_at('2026-12-10T10:05:00-09:00')
        self.assertEqual(SMS.to('+19075550105'), [])
        self.assertEqual(len(mails('wd@example.com')), 1)   # the e-mail had gone already

    def test_5_sms_provider_down_then_up_delivers_exactly_once(self):
        serve_at('2026-12-14T09:00:00-09:00')
        a = book('2026-12-16T10:00:00-09:00', 'once@example.com', phone='(907) 555-0106')
        SMS.stop()
        try:
            serve_at('2026-12-15T10:00:00-09:00')
            wait_for('two failed tries', lambda: db(
                "SELECT attempts FROM outbox WHERE appointment_id = ? AND channel = 'sms'"
                " AND attempts >= 2", a['id']))
            err = db("SELECT last_error FROM outbox WHERE appointment_id = ? AND channel = 'sms'",
                     a['id'])[0][0]
            self.assertIn('127.0.0.1', err)
        finally:
            SMS.start()
        wait_for('the text message is sent', lambda: all_sent(a['id'], 2))
        self.assertEqual(len(SMS.to('+19075550106')), 1)
        serve_at('2026-12-15T11:00:00-09:00')
        self.assertEqual(len(SMS.to('+19075550106')), 1)
        self.assertEqual(len(mails('once@example.com')), 1)

    def test_5b_a_refused_text_message_fails_at_once(self):
        serve_at('2026-12-16T09:00:00-09:00')
        a = book('2026-12-18T10:00:00-09:00', 'refused@example.com', phone=REFUSED)
        serve_at('2026-12-17T10:00:00-09:00')
        rows = wait_for('the refusal', lambda: db(
            "SELECT attempts, last_error FROM outbox WHERE appointment_id = ? AND channel = 'sms'"
            " AND status = 'failed'", a['id']))
        self.assertEqual(rows[0][0], 1)
        self.assertIn('HTTP 400', rows[0][1])
        self.assertIn("not a valid phone number", rows[0][1])
        self.assertEqual(len(SMS.to(REFUSED)), 1)
        wait_for('the e-mail', lambda: mails('refused@example.com'))

    def test_5c_texts_only_with_consent_and_never_after_stop(self):
        serve_at('2026-12-21T09:00:00-09:00')
        yes = book('2026-12-22T10:00:00-09:00', 'yes@example.com', phone='907 555 0110')
        no = book('2026-12-22T11:00:00-09:00', 'no@example.com', phone='907 555 0111',
                  texts=False)
        stop = book('2026-12-22T14:00:00-09:00', 'stop@example.com', phone='907 555 0112')
        self.assertEqual(db('SELECT sms_consent_at > 0 FROM appointments WHERE id = ?',
                            no['id']), [(0,)])
        self.assertEqual(db('SELECT sms_consent_at FROM appointments WHERE id = ?', yes['id']),
                         [(utc('2026-12-21T09:00:00-09:00'),)])

        def reply(secret, number, body):
            return S.request('POST', '/sms/inbound/' + secret,
                             body=('From=%s&Body=%s' % (number, body)).replace('+', '%2B'),
                             headers={'Content-Type': 'application/x-www-form-urlencoded'})
        # a wrong or guessed secret: no such page, nothing marked
        for bad in ('in-7Qx2VfLr9KpB3mWz8sTa4Ne', 'x'):
            st, _, _ = reply(bad, '+19075550112', 'STOP')
            self.assertEqual(st, 404)
        self.assertEqual(db('SELECT count(*) FROM sms_opt_outs'), [(0,)])
        # the client's STOP, as the provider posts it
        st, h, out = reply(INBOUND, '+19075550112', ' Stop ')
        self.assertEqual(st, 200, out)
        self.assertTrue(h['content-type'].startswith('text/xml'))
        self.assertIn(b'<Response/>', out)
        self.assertEqual(db('SELECT phone, source FROM sms_opt_outs'), [('+19075550112', 'reply')])
        # a sentence is not a STOP; a number that is none: 422, nothing marked
        self.assertEqual(reply(INBOUND, '+19075550110', 'stop by at 10?')[0], 200)
        self.assertEqual(reply(INBOUND, 'not-a-number', 'STOP')[0], 422)
        self.assertEqual(db('SELECT count(*) FROM sms_opt_outs'), [(1,)])

        serve_at('2026-12-21T14:00:00-09:00')
        wait_for('the reminders are sent', lambda: all_sent(yes['id'], 2) and
                 all_sent(no['id'], 1) and all_sent(stop['id'], 1))
        self.assertEqual(len(SMS.to('+19075550110')), 1)
        self.assertTrue(SMS.to('+19075550110')[0][3]['Body'].endswith('Reply STOP to opt out.'))
        self.assertEqual(SMS.to('+19075550111'), [])   # no consent: e-mail only
        self.assertEqual(SMS.to('+19075550112'), [])   # said STOP: e-mail only
        self.assertEqual([r[1] for r in reminders(stop['id'])], ['email'])
        # START lets the number receive texts again
        self.assertEqual(reply(INBOUND, '+19075550112', 'START')[0], 200)
        self.assertEqual(db('SELECT count(*) FROM sms_opt_outs'), [(0,)])

    def test_6_fall_back_48_hours_are_real_hours(self):
        # Mon 2026-11-02 10:00 AKST = 19:00Z; 48 real hours before is Sat
        # 2026-10-31 19:00Z = 11:00 AKDT (10:00 AKDT would be 49 hours)
        serve_at('2026-10-26T09:00:00-08:00', hours=48, hours_2=0)
        a = book('2026-11-02T10:00:00-09:00', 'fall@example.com', phone='907 555 0107')
        serve_at('2026-10-31T10:59:59-08:00', hours=48, hours_2=0)
        self.assertEqual(reminders(a['id']), [])
        serve_at('2026-10-31T11:00:00-08:00', hours=48, hours_2=0)
        wait_for('the fall-back reminder', lambda: all_sent(a['id'], 2))
        self.assertEqual(reminders(a['id'])[0][0], 'appt-%d/reminder-48h/%d' % (
            a['id'], utc('2026-11-02T10:00:00-09:00')))
        self.assertIn('in 48 hours', mails('fall@example.com')[0].get_body(
            preferencelist=('plain',)).get_content())

    def test_7_spring_forward_48_hours_are_real_hours(self):
        # Mon 2026-03-09 10:00 AKDT = 18:00Z; 48 real hours before is Sat
        # 2026-03-07 18:00Z = 09:00 AKST (10:00 AKST would be 47 hours)
        serve_at('2026-03-02T09:00:00-09:00', hours=48, hours_2=0)
        a = book('2026-03-09T10:00:00-08:00', 'spring@example.com', phone='907 555 0108')
        serve_at('2026-03-07T08:59:59-09:00', hours=48, hours_2=0)
        self.assertEqual(reminders(a['id']), [])
        serve_at('2026-03-07T09:00:00-09:00', hours=48, hours_2=0)
        wait_for('the spring-forward reminder', lambda: all_sent(a['id'], 2))
        self.assertIn('Monday, March 9, 2026 at 10:00 AM AKDT', mails('spring@example.com')[0]['Subject'])

    def test_8_bad_settings_exit_2_naming_the_key(self):
        bad = [
            ('[reminders]\nhours = 400\n', '[reminders] hours'),
            ('[reminders]\nhours_2 = -1\n', '[reminders] hours_2'),
            ('[sms]\nbase_url = ftp://x\n', '[sms] base_url'),
            ('[sms]\nbase_url = http://127.0.0.1:9/\naccount = A\nkey = k\n', '[sms] from'),
        ]
        for text, key in bad:
            path = os.path.join(S.dir, 'bad.ini')
            with open(path, 'w') as f:
                f.write(text)
            r = S.run_cli('serve', '--db', S.db, '--listen', '127.0.0.1:0', '--config', path)
            self.assertEqual(r.returncode, 2, (text, r.stderr))
            self.assertIn(key, r.stderr)

    def test_9_stops_cleanly(self):
        self.assertEqual(S.stop(), 0, S.log()[-3000:])
        self.assertNotIn('ERROR: AddressSanitizer', S.log())


if __name__ == '__main__':
    run_suite(globals())
