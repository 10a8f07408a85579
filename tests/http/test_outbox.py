"""E-mail through the outbox: the real server, a real SMTP server on a
loopback port (tests/http/mailcatch.py), the
clock pinned to Tuesday 2026-11-24 09:00 in Anchorage (-09:00).  Waits poll
the receiver or the database with a deadline; nothing sleeps a fixed time.

usage: test_outbox.py PATH/TO/knead"""
import json
import os
import signal
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_suite, signed_in  # noqa: E402
from mailcatch import Smtpd  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
PUBLIC = 'http://clinic.test'
DESK = 'desk@clinic.test'
DEADLINE = 30.0
S = None
SMTP = None


def wait_for(what, fn, deadline=DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        got = fn()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError('timed out waiting for ' + what + '\n' + S.log()[-3000:])


def config(dirname, port):
    path = os.path.join(dirname, 'mail.ini')
    with open(path, 'w') as f:
        f.write('[server]\npublic_url = %s/\n[smtp]\nhost = 127.0.0.1\nport = %d\n'
                'desk = %s\nretry_min_seconds = 1\nretry_max_seconds = 2\n' % (PUBLIC, port, DESK))
    return path


def setUpModule():
    global S, SMTP
    SMTP = Smtpd().start()
    S = Server(KNEAD)
    S.extra = ['--now', NOW, '--config', config(S.dir, SMTP.port)]
    S.start()


def tearDownModule():
    S.cleanup()
    SMTP.stop()


def api(method, path, body=None, headers=None):
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h['Content-Type'] = 'application/json'
    status, _, out = S.request(method, path, body=data, headers=h)
    return status, json.loads(out) if out else None


def book(start, email_addr, name='Ana Lee', therapist='any', phone='907 555 0100'):
    return api('POST', '/api/v1/appointments', {
        'service': 'deep-tissue-60', 'therapist': therapist, 'start': start,
        'client': {'name': name, 'email': email_addr, 'phone': phone}})


def free_slots(date):
    """[(start, therapist)] still free on date, as the availability list says now."""
    st, out = api('GET', '/api/v1/availability?service=deep-tissue-60&date=' + date)
    assert st == 200, out
    return [(x['start'], x['therapists'][0]) for x in out['days'][0]['slots']]


def bearer(appt):
    return {'Authorization': 'Bearer ' + appt['manage_url'].rsplit('/', 1)[1]}


def db(sql, *args):
    return S.sql(sql, *args)


def sent(key):
    rows = db('SELECT status FROM outbox WHERE dedupe_key = ?', key)
    return rows and rows[0][0] == 'sent'


def parts(msg):
    """text, html and the .ics of a message, as str."""
    text = msg.get_body(preferencelist=('plain',)).get_content()
    html = msg.get_body(preferencelist=('html',)).get_content()
    ics = [p for p in msg.iter_attachments() if p.get_content_type() == 'text/calendar']
    return text, html, (ics[0] if ics else None)


def ics_text(att):
    data = att.get_payload(decode=True).decode()
    return data.replace('\r\n ', '')  # unfold


class Messages(unittest.TestCase):
    def test_booking_sends_one_confirmation_with_ics_and_link(self):
        st, appt = book('2026-11-26T14:00:00-09:00', 'ana@example.com', therapist='tomas-reyes')
        self.assertEqual(st, 201, appt)
        key = 'appt-%d/confirmation' % appt['id']
        wait_for('the confirmation is sent', lambda: sent(key))
        got = SMTP.to('ana@example.com')
        self.assertEqual(len(got), 1)
        m = got[0]
        self.assertIn('Booked: Deep Tissue', m['Subject'].replace('tissue', 'Tissue'))
        self.assertIn('Thursday, November 26, 2026 at 2:00 PM AKST', m['Subject'])
        self.assertEqual(m['To'].addresses[0].addr_spec, 'ana@example.com')
        self.assertEqual(m['To'].addresses[0].display_name, 'Ana Lee')
        self.assertEqual(m['From'].addresses[0].addr_spec, 'frontdesk@chugachbodywork.example')
        outbox_id = db('SELECT id FROM outbox WHERE dedupe_key = ?', key)[0][0]
        self.assertRegex(m['Message-ID'], r'^<knead-outbox-%d\.\d+@chugachbodywork\.example>$' % outbox_id)
        self.assertTrue(m['Date'].endswith('-0900'), m['Date'])
        self.assertEqual(m.get_content_type(), 'multipart/mixed')
        text, html, att = parts(m)
        # [server] public_url is set: the API's manage_url is the absolute link the mail carries
        link = appt['manage_url']
        self.assertTrue(link.startswith(PUBLIC + '/a/'), link)
        self.assertIn(link, text)
        self.assertIn('href="%s"' % link, html)
        self.assertIn('Tomas Reyes', text)
        self.assertIsNotNone(att)
        self.assertEqual(att.get_filename(), 'appointment-%d.ics' % appt['id'])
        cal = ics_text(att)
        self.assertIn('BEGIN:VCALENDAR', cal)
        self.assertIn('TZID:America/Anchorage', cal)
        self.assertIn('DTSTART;TZID=America/Anchorage:20261126T140000', cal)
        self.assertIn('DTEND;TZID=America/Anchorage:20261126T150000', cal)
        self.assertIn('URL:' + link, cal)
        self.assertIn('STATUS:CONFIRMED', cal)
        # nothing else was sent for it (not a same-day booking: no desk note)
        self.assertEqual(db('SELECT count(*) FROM outbox WHERE appointment_id = ?', appt['id'])[0][0], 1)

    def test_non_ascii_name_is_encoded(self):
        st, appt = book('2026-11-27T10:00:00-09:00', 'zoe@example.com', name='Zoë Ångström')
        self.assertEqual(st, 201, appt)
        wait_for('the confirmation is sent', lambda: sent('appt-%d/confirmation' % appt['id']))
        m = SMTP.to('zoe@example.com')[0]
        raw = m.as_bytes().split(b'\r\n\r\n', 1)[0] if b'\r\n\r\n' in m.as_bytes() else m.as_bytes().split(b'\n\n', 1)[0]
        self.assertTrue(all(b < 0x80 for b in raw), raw)   # headers are 7-bit: RFC 2047
        self.assertIn(b'=?UTF-8?B?', raw)
        self.assertEqual(m['To'].addresses[0].display_name, 'Zoë Ångström')
        text, html, _ = parts(m)
        self.assertIn('Hello Zoë Ångström,', text)

    def test_cancel_and_reschedule_send_notices(self):
        st, appt = book('2026-12-02T10:00:00-09:00', 'cam@example.com', therapist='maren-holt')
        self.assertEqual(st, 201, appt)
        path = '/api/v1/appointments/%d' % appt['id']
        st, moved = api('POST', path + '/reschedule',
                        {'start': '2026-12-02T13:00:00-09:00', 'therapist': 'maren-holt'},
                        headers=bearer(appt))
        self.assertEqual(st, 200, moved)
        key = 'appt-%d/reschedule/1' % appt['id']
        wait_for('the reschedule notice is sent', lambda: sent(key))
        subjects = lambda: [m['Subject'] for m in SMTP.to('cam@example.com')]  # noqa: E731
        m = [x for x in SMTP.to('cam@example.com') if x['Subject'].startswith('Moved')][0]
        self.assertIn('1:00 PM', m['Subject'])
        text, html, att = parts(m)
        self.assertIn('10:00 AM', text)   # what it was
        self.assertIn('1:00 PM', text)
        cal = ics_text(att)
        self.assertIn('DTSTART;TZID=America/Anchorage:20261202T130000', cal)
        self.assertIn('SEQUENCE:1', cal)
        st, c = api('DELETE', path, headers=bearer(appt))
        self.assertEqual(st, 200, c)
        wait_for('the cancellation is sent', lambda: sent('appt-%d/cancellation' % appt['id']))
        m = [x for x in SMTP.to('cam@example.com') if x['Subject'].startswith('Cancelled')][0]
        text, html, att = parts(m)
        self.assertIn(PUBLIC + '/book', text)
        self.assertIn('STATUS:CANCELLED', ics_text(att))
        self.assertEqual(sorted(s.split(':')[0] for s in subjects()), ['Booked', 'Cancelled', 'Moved'])

    def test_front_desk_cancellation_sends_a_notice(self):
        st, appt = book('2026-12-03T11:00:00-09:00', 'ivy@example.com')
        self.assertEqual(st, 201, appt)
        b = signed_in('desk@chugachbodywork.example')
        st, _, page = b.post('/staff/appointments/%d/status' % appt['id'],
                             {'status': 'cancelled', 'reason': 'Therapist ill'})
        self.assertEqual(st, 303, page)
        wait_for('the cancellation is sent', lambda: sent('appt-%d/cancellation' % appt['id']))
        m = [x for x in SMTP.to('ivy@example.com') if x['Subject'].startswith('Cancelled')]
        self.assertEqual(len(m), 1)

    def test_same_day_booking_notifies_the_desk(self):
        st, appt = book('2026-11-24T16:00:00-09:00', 'dee@example.com', name='Dee Same')
        self.assertEqual(st, 201, appt)
        wait_for('the desk note is sent', lambda: sent('appt-%d/desk_same_day' % appt['id']))
        notes = [m for m in SMTP.to(DESK) if 'Dee Same' in m['Subject']]
        self.assertEqual(len(notes), 1)
        self.assertIn('Same-day booking', notes[0]['Subject'])
        text, html, att = parts(notes[0])
        self.assertIsNone(att)
        self.assertIn('dee@example.com', text)
        self.assertIn(PUBLIC + '/staff?date=2026-11-24', text)
        wait_for('the confirmation is sent', lambda: sent('appt-%d/confirmation' % appt['id']))

    def test_desk_note_gives_the_phone_the_booking_gave(self):
        # a stored client books again online with another phone: the stored phone is
        # kept (no proof of address), so the desk note names both
        st, first = book('2026-12-09T10:00:00-09:00', 'gus@example.com', name='Gus Phone')
        self.assertEqual(st, 201, first)
        st, appt = api('POST', '/api/v1/appointments', {
            'service': 'deep-tissue-60', 'therapist': 'any', 'start': '2026-11-24T13:00:00-09:00',
            'client': {'name': 'Gus Phone', 'email': 'gus@example.com', 'phone': '907 555 0177'}})
        self.assertEqual(st, 201, appt)
        wait_for('the desk note is sent', lambda: sent('appt-%d/desk_same_day' % appt['id']))
        notes = [m for m in SMTP.to(DESK) if 'Gus Phone' in m['Subject']]
        self.assertEqual(len(notes), 1)
        text, html, _ = parts(notes[0])
        self.assertRegex(text, r'907.?555.?0177')
        self.assertRegex(text, r'on file: [^)]*907.?555.?0100')

    def test_same_day_cancellation_notifies_the_desk(self):
        start, who = free_slots('2026-11-24')[-1]
        st, appt = book(start, 'cal@example.com', name='Cal Cancel', therapist=who,
                        phone='907 555 0192')
        self.assertEqual(st, 201, appt)
        st, c = api('DELETE', '/api/v1/appointments/%d' % appt['id'], headers=bearer(appt))
        self.assertEqual(st, 200, c)
        wait_for('the desk hears of it', lambda: sent('appt-%d/desk_cancelled' % appt['id']))
        notes = [m for m in SMTP.to(DESK) if m['Subject'].startswith('Same-day cancellation')]
        self.assertEqual(len(notes), 1)
        self.assertIn('Cal Cancel', notes[0]['Subject'])
        self.assertRegex(notes[0]['Subject'], r' at \d{1,2}:\d\d [AP]M AKST with ')
        text, _, att = parts(notes[0])
        self.assertIsNone(att)
        self.assertIn('free again', text)
        self.assertIn(PUBLIC + '/staff?date=2026-11-24', text)

    def test_a_later_cancellation_does_not_notify_the_desk(self):
        st, appt = book('2026-12-01T11:00:00-09:00', 'lou@example.com', name='Lou Later')
        self.assertEqual(st, 201, appt)
        st, c = api('DELETE', '/api/v1/appointments/%d' % appt['id'], headers=bearer(appt))
        self.assertEqual(st, 200, c)
        self.assertEqual(db("SELECT count(*) FROM outbox WHERE appointment_id = ?"
                            " AND kind LIKE 'desk%'", appt['id'])[0][0], 0)

    def test_moves_onto_and_off_today_notify_the_desk(self):
        st, appt = book('2026-11-27T10:00:00-09:00', 'mo@example.com', name='Mo Mover',
                        phone='907 555 0193')
        self.assertEqual(st, 201, appt)
        path = '/api/v1/appointments/%d/reschedule' % appt['id']
        start, who = free_slots('2026-11-24')[0]
        st, moved = api('POST', path, {'start': start, 'therapist': who}, headers=bearer(appt))
        self.assertEqual(st, 200, moved)
        wait_for('the desk hears of the move', lambda: sent('appt-%d/desk_moved/1' % appt['id']))
        note = [m for m in SMTP.to(DESK) if 'Mo Mover' in m['Subject']]
        self.assertEqual(len(note), 1)
        self.assertTrue(note[0]['Subject'].startswith('Same-day move'), note[0]['Subject'])
        text, _, _ = parts(note[0])
        self.assertIn('onto today', text)
        self.assertIn('Was: 10:00 AM', text)
        st, moved = api('POST', path, {'start': '2026-12-01T10:00:00-09:00'}, headers=bearer(appt))
        self.assertEqual(st, 200, moved)
        wait_for('the desk hears of the move away',
                 lambda: sent('appt-%d/desk_moved/2' % appt['id']))
        text, _, _ = parts([m for m in SMTP.to(DESK) if 'Mo Mover' in m['Subject']][-1])
        self.assertIn('away from today', text)
        # a move between two later days is not the desk's news
        st, moved = api('POST', path, {'start': '2026-12-01T10:30:00-09:00'}, headers=bearer(appt))
        self.assertEqual(st, 200, moved)
        self.assertEqual(db("SELECT count(*) FROM outbox WHERE appointment_id = ?"
                            " AND kind = 'desk_moved'", appt['id'])[0][0], 2)

    def test_the_desk_is_not_told_of_its_own_work(self):
        b = signed_in('desk@chugachbodywork.example')
        start, who = free_slots('2026-11-24')[0]
        st, h, page = b.post('/staff/book', {
            'service': 'deep-tissue-60', 'therapist': who,
            'start': start, 'note': '', 'name': 'Desk Made',
            'email': 'deskmade@example.com', 'phone': ''})
        self.assertEqual(st, 303, page)
        own = int(h['location'].rsplit('/', 1)[1])
        # a client's same-day booking, then moved and cancelled by the desk
        start, who = free_slots('2026-11-24')[0]
        st, appt = book(start, 'cli@example.com', name='Cli Ent', therapist=who,
                        phone='907 555 0191')
        self.assertEqual(st, 201, appt)
        url = '/staff/appointments/%d' % appt['id']
        start, who = free_slots('2026-11-24')[-1]
        st, h, page = b.post(url + '/move', {'start': start, 'therapist': who})
        self.assertEqual(st, 303, page)
        st, h, page = b.post(url + '/status', {'status': 'cancelled', 'reason': 'Client phoned'})
        self.assertEqual(st, 303, page)
        st, h, page = b.post('/staff/appointments/%d/status' % own,
                             {'status': 'cancelled', 'reason': 'Changed plans'})
        self.assertEqual(st, 303, page)
        kinds = lambda i: sorted(k for (k,) in db(  # noqa: E731
            "SELECT kind FROM outbox WHERE appointment_id = ? AND kind LIKE 'desk%'", i))
        self.assertEqual(kinds(own), [])
        self.assertEqual(kinds(appt['id']), ['desk_same_day'])   # the client's own booking only
        wait_for('the client hears of the move',
                 lambda: sent('appt-%d/reschedule/1' % appt['id']))

    def test_refused_booking_queues_nothing(self):
        st, first = book('2026-12-04T10:00:00-09:00', 'eve@example.com', therapist='lena-kusugak')
        self.assertEqual(st, 201, first)
        before = db('SELECT count(*) FROM outbox')[0][0]
        st, p = book('2026-12-04T10:00:00-09:00', 'fay@example.com', therapist='lena-kusugak')
        self.assertEqual(st, 409, p)
        st, p = book('2026-11-24T10:00:00-09:00', 'fay@example.com')   # too soon
        self.assertEqual(st, 422, p)
        self.assertEqual(db('SELECT count(*) FROM outbox')[0][0], before)
        self.assertEqual(db("SELECT count(*) FROM outbox WHERE recipient = 'fay@example.com'")[0][0], 0)

    def test_a_message_that_cannot_be_queued_waits_and_survives_a_crash(self):
        """The booking's transaction stores only its change (a row of
        sched_events); the render worker renders and queues its e-mail after
        the commit.  When queueing fails (a trigger injects the failure) the
        booking stands, its change waits (logged) without holding up anyone
        else's mail, and a crash (kill -9) does not lose it: once the fault
        is gone, the server started again queues the confirmation, once."""
        S.refuse_insert('outbox_fail', 'outbox', 'recipient', 'fail@example.com', 'injected failure')
        dropped = False
        try:
            st, p = book('2026-12-14T10:00:00-09:00', 'fail@example.com', therapist='maren-holt')
            self.assertEqual(st, 201, p)
            key = 'appt-%d/confirmation' % p['id']
            wait_for('the failure is logged', lambda: 'could not be queued' in S.log())
            self.assertNotIn('injected failure', json.dumps(p))
            self.assertEqual(db('SELECT count(*) FROM outbox WHERE dedupe_key = ?', key)[0][0], 0)
            self.assertEqual(db('SELECT count(*) FROM sched_events WHERE appointment_id = ?',
                                p['id'])[0][0], 1)
            # the time is taken; another client's booking answers with its message queued
            st, q = book('2026-12-14T10:00:00-09:00', 'other@example.com', therapist='maren-holt')
            self.assertEqual(st, 409, q)
            st, ok = book('2026-12-14T13:00:00-09:00', 'ok@example.com')
            self.assertEqual(st, 201, ok)
            self.assertEqual(db('SELECT count(*) FROM outbox WHERE dedupe_key = ?',
                                'appt-%d/confirmation' % ok['id'])[0][0], 1)
            # a crash while the change waits; the fault cleared; the server again
            S.stop(signal.SIGKILL)
            S.allow_insert('outbox_fail', 'outbox')
            dropped = True
            self.assertEqual(db('SELECT count(*) FROM sched_events WHERE appointment_id = ?',
                                p['id'])[0][0], 1)
            S.seed = False
            S.start()
            wait_for('the confirmation is sent', lambda: sent(key))
            self.assertEqual(len(SMTP.to('fail@example.com')), 1)
            self.assertEqual(db('SELECT count(*) FROM sched_events')[0][0], 0)
            self.assertEqual(db('SELECT count(*) FROM outbox WHERE dedupe_key = ?', key)[0][0], 1)
        finally:
            if not dropped:
                S.allow_insert('outbox_fail', 'outbox')


class Waiting(unittest.TestCase):
    def test_changes_waiting_together_are_queued_in_their_order(self):
        """A booking and two moves of it wait together (their messages cannot
        be queued, then the server is killed); started again, the server
        queues them in order: the confirmation, the first move's notice
        (reschedule/1), then the second's (reschedule/2), none lost to a
        dedupe key."""
        S.refuse_insert('outbox_hold', 'outbox', 'recipient', 'hold@example.com', 'held for the test')
        dropped = False
        try:
            st, appt = book('2026-12-17T10:00:00-09:00', 'hold@example.com', name='Hal Hold',
                            therapist='tomas-reyes', phone='907 555 0177')
            self.assertEqual(st, 201, appt)
            path = '/api/v1/appointments/%d/reschedule' % appt['id']
            for start in ('2026-12-17T13:00:00-09:00', '2026-12-18T13:00:00-09:00'):
                st, moved = api('POST', path, {'start': start}, headers=bearer(appt))
                self.assertEqual(st, 200, moved)
            self.assertEqual(db('SELECT count(*) FROM sched_events WHERE appointment_id = ?',
                                appt['id'])[0][0], 3)
            S.stop(signal.SIGKILL)
            S.allow_insert('outbox_hold', 'outbox')
            dropped = True
            S.seed = False
            S.start()
            key = 'appt-%d/' % appt['id']
            wait_for('the second move is sent', lambda: sent(key + 'reschedule/2'))
            kinds = sorted(k for (k,) in db('SELECT dedupe_key FROM outbox WHERE appointment_id = ?',
                                            appt['id']))
            self.assertEqual(kinds, [key + 'confirmation', key + 'reschedule/1',
                                     key + 'reschedule/2'])
            self.assertEqual(db('SELECT count(*) FROM sched_events')[0][0], 0)
        finally:
            if not dropped:
                S.allow_insert('outbox_hold', 'outbox')


class Outage(unittest.TestCase):
    def test_smtp_down_then_up_delivers_each_exactly_once(self):
        SMTP.stop()
        try:
            ids = []
            for i, start in enumerate(('2026-12-15T10:00:00-09:00', '2026-12-15T12:00:00-09:00',
                                       '2026-12-15T14:00:00-09:00')):
                t0 = time.monotonic()
                st, appt = book(start, 'out%d@example.com' % i)
                self.assertEqual(st, 201, appt)
                self.assertLess(time.monotonic() - t0, 5.0)   # the server does not wait for mail
                ids.append(appt['id'])
            keys = ['appt-%d/confirmation' % i for i in ids]
            q = 'SELECT count(*) FROM outbox WHERE dedupe_key IN (?, ?, ?) AND attempts >= 1 AND last_error != ?'
            wait_for('failed attempts are recorded', lambda: db(q, *keys, '')[0][0] == 3)
            self.assertEqual(db("SELECT count(*) FROM outbox WHERE dedupe_key IN (?, ?, ?) AND status = 'sent'", *keys)[0][0], 0)
        finally:
            SMTP.start()
        wait_for('all three are sent', lambda: all(sent(k) for k in keys))
        for i in range(3):
            got = SMTP.to('out%d@example.com' % i)
            self.assertEqual(len(got), 1, [m['Message-ID'] for m in got])
        self.assertIn('not sent (attempt 1 of 24)', S.log())


class Cli(unittest.TestCase):
    def cli(self, *args):
        return S.run_cli('outbox', *args, '--db', S.db)

    def one_line_error(self, r, code=2):
        self.assertEqual(r.returncode, code, r.stdout + r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_list_retry_purge(self):
        st, appt = book('2026-12-10T10:00:00-09:00', 'gus@example.com')
        self.assertEqual(st, 201, appt)
        key = 'appt-%d/confirmation' % appt['id']
        wait_for('the confirmation is sent', lambda: sent(key))
        oid = db('SELECT id FROM outbox WHERE dedupe_key = ?', key)[0][0]
        r = self.cli('list')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith('id\tstatus\tattempts'))
        row = [l for l in r.stdout.splitlines() if l.startswith('%d\t' % oid)][0]
        self.assertIn('\tsent\t1\t', row)
        self.assertIn('gus@example.com', row)
        r = self.cli('list', '--status', 'sent', '--limit', '1')
        self.assertEqual(len(r.stdout.strip().splitlines()), 2)
        # a sent message is never sent again
        self.one_line_error(self.cli('retry', str(oid)))
        # a failed one is queued again and delivered
        db("UPDATE outbox SET status = 'failed', attempts = 24, last_error = 'gave up' WHERE id = ?", oid)
        r = self.cli('list', '--status', 'failed')
        self.assertIn('gave up', r.stdout)
        before = len(SMTP.to('gus@example.com'))
        r = self.cli('retry', str(oid))
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_for('the retried message is sent', lambda: sent(key))
        self.assertEqual(len(SMTP.to('gus@example.com')), before + 1)
        # purge: only what was sent longer ago than --sent-before days
        r = self.cli('purge', '--sent-before', '30')
        self.assertEqual((r.returncode, r.stdout.strip().splitlines()[0]),
                         (0, 'deleted 0 messages sent more than 30 days ago'))
        db('UPDATE outbox SET sent_at = sent_at - 40 * 86400 WHERE id = ?', oid)
        r = self.cli('purge', '--sent-before', '30')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('deleted 1 message ', r.stdout)
        self.assertEqual(db('SELECT count(*) FROM outbox WHERE id = ?', oid)[0][0], 0)

    def test_bad_input(self):
        for args in (['retry'], ['retry', 'abc'], ['retry', '0'], ['retry', '1', '2'],
                     ['retry', '99999999'], ['purge', '--sent-before', '-1'],
                     ['purge', '--sent-before', 'x'], ['purge', 'now'], ['list', '--status', 'lost'],
                     ['list', '--limit', '0'], ['list', '--sent-before', '3'], ['frobnicate'],
                     ['list', '--bogus']):
            self.one_line_error(self.cli(*args))
        r = S.run_cli('outbox')
        self.one_line_error(r)
        r = S.run_cli('outbox', '--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('knead outbox retry ID', r.stdout)


class Restart(unittest.TestCase):
    def test_queued_mail_survives_a_stop_and_goes_out_after(self):
        """SMTP unreachable, SIGTERM: the server stops cleanly, the message
        waits in the store; the next server delivers it."""
        dead = Smtpd()   # a port nobody listens on
        s = Server(KNEAD)
        s.extra = ['--now', NOW, '--config', config(s.dir, dead.port)]
        s.start()
        try:
            st, _, out = s.request('POST', '/api/v1/appointments', body=json.dumps({
                'service': 'deep-tissue-60', 'therapist': 'any', 'start': '2026-12-11T10:00:00-09:00',
                'client': {'name': 'Hal Kept', 'email': 'hal@example.com'}}).encode(),
                headers={'Content-Type': 'application/json'})
            self.assertEqual(st, 201, out)
            con = lambda q: sqlite3.connect(s.db).execute(q).fetchone()[0]  # noqa: E731
            wait_for('a failed attempt', lambda: con("SELECT attempts FROM outbox WHERE recipient = 'hal@example.com'") >= 1)
            t0 = time.monotonic()
            self.assertEqual(s.stop(), 0)
            self.assertLess(time.monotonic() - t0, 10.0)
            self.assertEqual(con("SELECT status FROM outbox WHERE recipient = 'hal@example.com'"), 'pending')
            dead.start()
            s.extra = ['--now', NOW, '--config', config(s.dir, dead.port)]
            s.seed = False
            s.start()
            wait_for('the kept message is sent', lambda: dead.to('hal@example.com'))
            self.assertEqual(len(dead.to('hal@example.com')), 1)
        finally:
            s.cleanup()
            dead.stop()



class ZzShutdown(unittest.TestCase):
    """Runs last (classes run by name): SIGTERM stops the server and its mail
    worker cleanly, without a sanitizer report or a leak."""

    def test_stops_cleanly(self):
        self.assertEqual(S.stop(), 0, S.log()[-3000:])
        log = S.log()
        for bad in ('AddressSanitizer', 'LeakSanitizer', 'runtime error:'):
            self.assertNotIn(bad, log)
        self.assertIn('stopped', log)


if __name__ == '__main__':
    run_suite(globals())
