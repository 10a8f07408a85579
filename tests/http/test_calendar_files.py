"""Calendar files that calendars obey (issue 13 item 22): the .ics of the
confirmation, move and cancellation e-mails and of the download link, read
back with Debian's python3-icalendar.  A booking is METHOD:REQUEST, a move an
update of the same UID with a higher SEQUENCE, a cancellation METHOD:CANCEL
with the same UID and a higher SEQUENCE again; REQUEST and CANCEL name the
clinic as ORGANIZER and the client as ATTENDEE (Outlook, Gmail and Apple
Calendar apply such a file to the event they hold only then), and the MIME
part's method parameter says the same as the file.  The clock is pinned to
Tuesday 2026-11-24 09:00 in Anchorage; waits poll with a deadline.

usage: test_calendar_files.py PATH/TO/knead"""
import json
import os
import sys
import time
import unittest

import icalendar
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_suite, signed_in  # noqa: E402
from mailcatch import Smtpd  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
PUBLIC = 'http://clinic.test'
CLINIC = 'frontdesk@chugachbodywork.example'
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


def setUpModule():
    global S, SMTP
    SMTP = Smtpd().start()
    S = Server(KNEAD)
    path = os.path.join(S.dir, 'mail.ini')
    with open(path, 'w') as f:
        f.write('[server]\npublic_url = %s/\n[smtp]\nhost = 127.0.0.1\nport = %d\n'
                'retry_min_seconds = 1\nretry_max_seconds = 2\n' % (PUBLIC, SMTP.port))
    S.extra = ['--now', NOW, '--config', path]
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


def book(start, addr, therapist='maren-holt'):
    return api('POST', '/api/v1/appointments', {
        'service': 'deep-tissue-60', 'therapist': therapist, 'start': start,
        'client': {'name': 'Rhea Vantongeren', 'email': addr, 'phone': '907 555 0142'}})


def manage_path(appt):
    """The path of the manage link (absolute or not)."""
    return urlsplit(appt['manage_url']).path


def bearer(appt):
    return {'Authorization': 'Bearer ' + appt['manage_url'].rsplit('/', 1)[1]}


def sent(key):
    rows = S.sql('SELECT status FROM outbox WHERE dedupe_key = ?', key)
    return rows and rows[0][0] == 'sent'


def message(addr, subject_start):
    got = [m for m in SMTP.to(addr) if m['Subject'].startswith(subject_start)]
    assert len(got) == 1, [m['Subject'] for m in SMTP.to(addr)]
    return got[0]


def calendar_of(msg):
    """(the MIME method parameter, the parsed VCALENDAR, its one VEVENT)."""
    parts = [p for p in msg.iter_attachments() if p.get_content_type() == 'text/calendar']
    assert len(parts) == 1
    cal = icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))
    return parts[0].get_param('method'), cal, one_event(cal)


def one_event(cal):
    events = [c for c in cal.walk() if c.name == 'VEVENT']
    assert len(events) == 1, events
    return events[0]


def mailto(prop):
    return str(prop).lower().replace('mailto:', '')


class CalendarFiles(unittest.TestCase):
    def test_booking_move_and_cancel_update_one_event(self):
        addr = 'rhea@example.com'
        st, appt = book('2026-12-01T10:00:00-09:00', addr)
        self.assertEqual(st, 201, appt)
        aid = appt['id']
        wait_for('the confirmation', lambda: sent('appt-%d/confirmation' % aid))
        method, cal, booked = calendar_of(message(addr, 'Booked'))
        self.assertEqual(method, 'REQUEST')
        self.assertEqual(str(cal['METHOD']), 'REQUEST')
        uid = str(booked['UID'])
        self.assertEqual(uid, 'appt-%d@knead' % aid)
        seq0 = int(booked['SEQUENCE'])
        self.assertEqual(str(booked['STATUS']), 'CONFIRMED')
        self.assertEqual(mailto(booked['ORGANIZER']), CLINIC)
        self.assertEqual(mailto(booked['ATTENDEE']), addr)
        # the client booked it: no reply is asked of their calendar
        self.assertEqual(booked['ATTENDEE'].params.get('RSVP'), 'FALSE')
        self.assertEqual(booked['ATTENDEE'].params.get('PARTSTAT'), 'ACCEPTED')

        st, out = api('POST', '/api/v1/appointments/%d/reschedule' % aid,
                      {'start': '2026-12-01T14:00:00-09:00', 'therapist': 'maren-holt'},
                      headers=bearer(appt))
        self.assertEqual(st, 200, out)
        wait_for('the move notice', lambda: sent('appt-%d/reschedule/1' % aid))
        method, cal, moved = calendar_of(message(addr, 'Moved'))
        self.assertEqual(method, 'REQUEST')
        self.assertEqual(str(cal['METHOD']), 'REQUEST')
        self.assertEqual(str(moved['UID']), uid)               # the same event ...
        self.assertGreater(int(moved['SEQUENCE']), seq0)       # ... updated
        self.assertEqual(moved.decoded('DTSTART').hour, 14)
        self.assertEqual(str(moved['DTSTART'].params['TZID']), 'America/Anchorage')
        self.assertEqual(mailto(moved['ORGANIZER']), CLINIC)

        st, out = api('DELETE', '/api/v1/appointments/%d' % aid, headers=bearer(appt))
        self.assertEqual(st, 200, out)
        wait_for('the cancellation', lambda: sent('appt-%d/cancellation' % aid))
        method, cal, gone = calendar_of(message(addr, 'Cancelled'))
        self.assertEqual(method, 'CANCEL')
        self.assertEqual(str(cal['METHOD']), 'CANCEL')
        self.assertEqual(str(gone['UID']), uid)
        self.assertGreater(int(gone['SEQUENCE']), int(moved['SEQUENCE']))
        self.assertEqual(str(gone['STATUS']), 'CANCELLED')
        self.assertEqual(mailto(gone['ORGANIZER']), CLINIC)
        self.assertEqual(mailto(gone['ATTENDEE']), addr)

        # the download link now says the same: cancel that event
        st, headers, body = S.request('GET', manage_path(appt) + '/calendar.ics')
        self.assertEqual(st, 200)
        self.assertIn('method=CANCEL', headers['content-type'])
        cal = icalendar.Calendar.from_ical(body)
        self.assertEqual(str(cal['METHOD']), 'CANCEL')
        ev = one_event(cal)
        self.assertEqual(str(ev['UID']), uid)
        self.assertEqual(int(ev['SEQUENCE']), int(gone['SEQUENCE']))

    def test_download_after_a_move_is_the_same_event_with_a_higher_sequence(self):
        st, appt = book('2026-12-01T11:00:00-09:00', 'sol@example.com')
        self.assertEqual(st, 201, appt)
        link = manage_path(appt) + '/calendar.ics'
        st, _, body = S.request('GET', link)
        self.assertEqual(st, 200)
        cal = icalendar.Calendar.from_ical(body)
        self.assertEqual(str(cal['METHOD']), 'PUBLISH')
        before = one_event(cal)
        # a move by the front desk counts too
        b = signed_in('desk@chugachbodywork.example')
        st, _, page = b.post('/staff/appointments/%d/move' % appt['id'],
                             {'start': '2026-12-01T15:00:00-09:00', 'therapist': 'maren-holt'})
        self.assertEqual(st, 303, page)
        st, _, body = S.request('GET', link)
        after = one_event(icalendar.Calendar.from_ical(body))
        self.assertEqual(str(after['UID']), str(before['UID']))
        self.assertGreater(int(after['SEQUENCE']), int(before['SEQUENCE']))
        self.assertEqual(after.decoded('DTSTART').hour, 15)


if __name__ == '__main__':
    run_suite(globals())
