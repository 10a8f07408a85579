"""A therapist's week, weekly hours and time off, against the real server:
the week view, editing hours (valid, invalid, stranding booked appointments),
adding and removing time off (and the public availability following at
once), who may change whose schedule, and CSRF.

The clock is pinned to Tuesday 2026-11-24 09:00 in Anchorage.  Maren Holt
works Monday to Thursday 08:00-16:00 (break 12:00-12:30) and Friday
08:00-14:00 (break 11:30-12:00).

usage: test_hours.py PATH/TO/knead"""
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None
MAREN = 'maren@chugachbodywork.example'
DESK = 'desk@chugachbodywork.example'
PASSWORDS = {MAREN: 'demo-therapist-pass', DESK: 'demo-desk-pass',
             'admin@chugachbodywork.example': 'demo-admin-pass'}

# Maren's demo week as the hours form sends it (weekday 0 = Sunday).
MAREN_WEEK = {}
for wd in (1, 2, 3, 4):
    MAREN_WEEK.update({'start_%d' % wd: '08:00', 'end_%d' % wd: '16:00',
                       'break_start_%d' % wd: '12:00', 'break_end_%d' % wd: '12:30'})
MAREN_WEEK.update({'start_5': '08:00', 'end_5': '14:00', 'break_start_5': '11:30',
                   'break_end_5': '12:00', 'off_6': '1', 'off_0': '1'})

BOOKED_WED = '2026-11-25T14:30:00-09:00'  # booked in setUpModule, for stranding
BOOKED_THU = '2026-11-26T10:00:00-09:00'


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', '2026-11-24T09:00:00-09:00']).start()
    for start, name in ((BOOKED_WED, 'Wanda Stranded'), (BOOKED_THU, 'Theo Weekview')):
        st, _, body = S.request('POST', '/api/v1/appointments', json.dumps({
            'service': 'deep-tissue-60', 'therapist': 'maren-holt', 'start': start,
            'client': {'name': name, 'email': name.split()[0].lower() + '@example.com',
                       'phone': '907 555 0100'}}).encode(), {'Content-Type': 'application/json'})
        assert st == 201, (st, body)


def tearDownModule():
    S.cleanup()


def signed_in(email):
    return harness.signed_in(email, PASSWORDS[email], visit='/staff')  # makes sure a CSRF cookie is set


def slot_starts(date, therapist='maren-holt'):
    st, _, body = S.request('GET', '/api/v1/availability?service=deep-tissue-60&date=%s'
                            '&therapist=%s' % (date, therapist))
    assert st == 200, body
    return [s['start'][11:16] for s in json.loads(body)['days'][0]['slots']]


def hours_rows(therapist='maren-holt'):
    return S.sql('SELECT weekday, kind, start_min, end_min FROM therapist_hours'
                 ' WHERE therapist_id = ? ORDER BY 1, 2, 3', therapist)


def count_time_off():
    return S.sql('SELECT count(*) FROM time_off')[0][0]


class Week(unittest.TestCase):
    def test_therapist_sees_own_week(self):
        b = signed_in(MAREN)
        st, _, page = b.request('GET', '/staff/week?date=2026-11-26')
        self.assertEqual(st, 200)
        t = text(page)
        self.assertIn('Monday, November 23 – Sunday, November 29, 2026', t)
        self.assertIn('Theo Weekview', t)
        self.assertIn('Wanda Stranded', t)
        self.assertIn('10:00 AM – 11:00 AM', t)
        self.assertIn('Hours: 8:00 AM – 4:00 PM', t)
        self.assertIn('Break: 12:00 PM – 12:30 PM', t)
        self.assertIn('Hours: 8:00 AM – 2:00 PM', t)  # Friday
        self.assertIn('Not working.', t)                 # the weekend
        self.assertIn('href="/staff/week?date=2026-11-16"', page)
        self.assertIn('href="/staff/week?date=2026-11-30"', page)
        self.assertIn('aria-current="page">Week<', page)
        self.assertIn('<a href="/staff?date=2026-11-26">Thu, Nov 26</a>', page)

    def test_time_off_shows_in_the_week(self):
        desk = signed_in(DESK)
        st, _, _ = desk.post('/staff/time-off', {
            'therapist': 'maren-holt', 'start_date': '2026-12-03', 'start_time': '13:00',
            'end_date': '2026-12-03', 'end_time': '15:00', 'reason': 'Physio appointment'})
        self.assertEqual(st, 303)
        t = text(signed_in(MAREN).request('GET', '/staff/week?date=2026-12-01')[2])
        self.assertIn('Time off: 1:00 PM – 3:00 PM', t)
        self.assertIn('Physio appointment', t)

    def test_desk_chooses_a_therapist(self):
        b = signed_in(DESK)
        st, _, page = b.request('GET', '/staff/week?therapist=dev-okafor&date=2026-11-26')
        self.assertEqual(st, 200)
        t = text(page)
        self.assertIn('Week · Dev Okafor', t)
        self.assertNotIn('Theo Weekview', t)
        self.assertIn('href="/staff/week?therapist=dev-okafor&amp;date=2026-11-30"', page)
        self.assertEqual(b.request('GET', '/staff/week')[0], 200)  # a default therapist
        self.assertEqual(b.request('GET', '/staff/week?therapist=nobody')[0], 404)
        self.assertEqual(b.request('GET', '/staff/week?date=2026-13-01')[0], 400)

    def test_therapist_cannot_see_another_week(self):
        b = signed_in(MAREN)
        self.assertEqual(b.request('GET', '/staff/week?therapist=dev-okafor')[0], 403)


class Hours(unittest.TestCase):
    def tearDown(self):
        # put Maren's demo week back whatever the test did
        st, _, page = signed_in(DESK).post('/staff/hours', dict(MAREN_WEEK, therapist='maren-holt'))
        assert st == 303, (st, text(page)[:600])

    def test_form_shows_the_stored_week(self):
        st, _, page = signed_in(MAREN).request('GET', '/staff/hours')
        self.assertEqual(st, 200)
        self.assertRegex(page, r'id="start-1" name="start_1" type="time" value="08:00"')
        self.assertRegex(page, r'id="bend-5" name="break_end_5" type="time" value="12:00"')
        self.assertRegex(page, r'id="off-6" name="off_6" type="checkbox" value="1" checked')

    def test_a_day_with_two_spans_on_record_says_so(self):
        S.sql("INSERT INTO therapist_hours (therapist_id, weekday, kind, start_min, end_min)"
              " VALUES ('maren-holt', 0, 'work', 600, 660), ('maren-holt', 0, 'work', 720, 780)")
        page = signed_in(MAREN).request('GET', '/staff/hours')[2]
        self.assertEqual(page.count('more than one working span or break on record'), 1)
        self.assertRegex(page, r'name="start_0" type="time" value="10:00"')

    def test_valid_change_is_saved_and_booking_follows(self):
        self.assertEqual(slot_starts('2026-11-30')[0], '08:00')
        b = signed_in(MAREN)
        form = dict(MAREN_WEEK, start_1='09:00', end_1='15:00', break_start_1='', break_end_1='')
        st, h, _ = b.post('/staff/hours', form)
        self.assertEqual(st, 303)
        self.assertEqual(h['location'], '/staff/hours?therapist=maren-holt&saved=1')
        st, _, page = b.request('GET', h['location'])
        self.assertIn('The working hours were saved', page)
        self.assertRegex(page, r'name="start_1" type="time" value="09:00"')
        starts = slot_starts('2026-11-30')
        self.assertEqual(starts[0], '09:00')
        self.assertLessEqual(starts[-1], '14:00')  # 60 minutes (and buffer) before 15:00
        self.assertIn('13:45', starts)
        self.assertIn('12:00', starts)  # no break on Monday any more

    def test_invalid_hours_say_what_is_wrong_and_save_nothing(self):
        before = hours_rows()
        b = signed_in(MAREN)
        form = dict(MAREN_WEEK, start_1='16:00', end_1='08:00', start_2='8am',
                    break_start_4='07:00', break_end_4='09:00', break_start_5='11:30',
                    break_end_5='')
        del form['start_3']
        st, _, page = b.post('/staff/hours', form)
        self.assertEqual(st, 422)
        t = text(page)
        self.assertIn('The start must be before the end.', t)
        self.assertIn('Write times as HH:MM', t)
        self.assertIn('Give the start and the end, or tick “Not working”.', t)
        self.assertIn('The break must lie inside the working hours.', t)
        self.assertIn('Give both ends of the break', t)
        self.assertIn('id="err-hours-1"', page)
        self.assertIn('aria-describedby="err-hours-1"', page)
        self.assertRegex(page, r'name="start_2" type="time" value="8am"')  # kept as typed
        self.assertEqual(hours_rows(), before)

    def test_change_that_strands_appointments_is_refused_and_listed(self):
        before = hours_rows()
        b = signed_in(MAREN)
        for change in ({'end_3': '14:00'},                                 # ends before 14:30
                       {'break_start_3': '15:00', 'break_end_3': '15:15'},  # break over it
                       {'off_3': '1'}):                                    # a day off
            st, _, page = b.post('/staff/hours', dict(MAREN_WEEK, **change))
            self.assertEqual(st, 409, change)
            t = text(page)
            self.assertIn('Ask the front desk to move them first', t)
            self.assertIn('Wednesday, November 25', t)
            self.assertIn('2:30 PM – 3:30 PM', t)
            self.assertIn('Wanda Stranded', t)
            self.assertRegex(page, r'<a href="/staff/appointments/\d+">Wanda Stranded</a>')
            self.assertNotIn('Theo Weekview', t)
            self.assertEqual(hours_rows(), before)
        self.assertIn('13:00', slot_starts('2026-11-25'))
        self.assertNotIn('14:30', slot_starts('2026-11-25'))

    def test_change_that_strands_appointments_goes_through_when_confirmed(self):
        # issue 13 item 18: the list asks; ticking the box saves, the booking stays
        before = hours_rows()
        b = signed_in(MAREN)
        st, _, page = b.post('/staff/hours', dict(MAREN_WEEK, end_3='14:00'))
        self.assertEqual(st, 409)
        self.assertIn('name="confirm" type="checkbox"', page)
        self.assertIn('Save anyway', text(page))
        self.assertEqual(hours_rows(), before)
        st, _, _ = b.post('/staff/hours', dict(MAREN_WEEK, end_3='14:00', confirm='1'))
        self.assertEqual(st, 303)
        self.assertNotEqual(hours_rows(), before)
        self.assertEqual(S.sql("SELECT a.status FROM appointments a JOIN clients c ON "
                               "c.id = a.client_id WHERE c.name = 'Wanda Stranded'"), [('booked',)])
        self.assertEqual(b.post('/staff/hours', MAREN_WEEK)[0], 303)  # fits again: no question
        self.assertEqual(hours_rows(), before)

    def test_therapist_cannot_edit_another(self):
        before = hours_rows('dev-okafor')
        b = signed_in(MAREN)
        st, _, _ = b.post('/staff/hours', dict(MAREN_WEEK, therapist='dev-okafor'))
        self.assertIn(st, (403, 404))
        self.assertEqual(b.request('GET', '/staff/hours?therapist=dev-okafor')[0], 403)
        self.assertEqual(hours_rows('dev-okafor'), before)

    def test_desk_edits_any_therapist(self):
        b = signed_in(DESK)
        st, _, page = b.request('GET', '/staff/hours?therapist=dev-okafor')
        self.assertEqual(st, 200)
        self.assertIn('Working hours of Dev Okafor', text(page))
        self.assertIn('<option value="dev-okafor" selected>', page)

    def test_missing_csrf_is_refused(self):
        before = hours_rows()
        b = signed_in(MAREN)
        st, _, _ = b.request('POST', '/staff/hours', dict(MAREN_WEEK, off_1='1'))
        self.assertEqual(st, 403)
        st, _, _ = b.request('POST', '/staff/hours', dict(MAREN_WEEK, off_1='1', csrf='forged'))
        self.assertEqual(st, 403)
        self.assertEqual(hours_rows(), before)


class TimeOff(unittest.TestCase):
    FRIDAY = {'start_date': '2026-11-27', 'start_time': '08:00', 'end_date': '2026-11-27',
              'end_time': '11:00', 'reason': 'Dentist'}

    def test_add_then_delete_and_availability_follows(self):
        self.assertIn('08:00', slot_starts('2026-11-27'))
        b = signed_in(MAREN)
        st, h, _ = b.post('/staff/time-off', self.FRIDAY)
        self.assertEqual(st, 303)
        st, _, page = b.request('GET', h['location'])
        self.assertEqual(st, 200)
        self.assertIn('The time off was added', page)
        self.assertIn('Fri, Nov 27, 8:00 AM – 11:00 AM AKST · Dentist', text(page))
        self.assertIn('aria-current="page">Hours &amp; time off<', page)
        starts = slot_starts('2026-11-27')
        self.assertTrue(starts and min(starts) >= '11:00', starts)
        m = re.search(r'action="/staff/time-off/(\d+)/delete"', page)
        self.assertTrue(m, page)
        st, h, _ = b.post('/staff/time-off/%s/delete' % m.group(1), {'therapist': 'maren-holt'})
        self.assertEqual(st, 303)
        self.assertIn('The time off was removed', b.request('GET', h['location'])[2])
        self.assertIn('08:00', slot_starts('2026-11-27'))
        self.assertEqual(b.post('/staff/time-off/%s/delete' % m.group(1), {})[0], 404)

    def test_time_off_over_a_booking_is_refused_and_listed(self):
        before = count_time_off()
        b = signed_in(MAREN)
        st, _, page = b.post('/staff/time-off', {
            'start_date': '2026-11-25', 'start_time': '13:00', 'end_date': '2026-11-25',
            'end_time': '18:00', 'reason': 'Afternoon off'})
        self.assertEqual(st, 409)
        t = text(page)
        self.assertIn('Ask the front desk to move them first', t)
        self.assertIn('Wanda Stranded', t)
        self.assertIn('2:30 PM – 3:30 PM', t)
        self.assertIn('value="Afternoon off"', page)  # the form keeps what was typed
        self.assertEqual(count_time_off(), before)
        self.assertIn('13:00', slot_starts('2026-11-25'))

    def test_time_off_over_a_booking_is_added_when_confirmed(self):
        before = count_time_off()
        b = signed_in(MAREN)
        form = {'start_date': '2026-11-25', 'start_time': '13:00', 'end_date': '2026-11-25',
                'end_time': '18:00', 'reason': 'Afternoon off'}
        st, _, page = b.post('/staff/time-off', form)
        self.assertEqual(st, 409)
        self.assertIn('Add it anyway', text(page))
        self.assertEqual(count_time_off(), before)
        st, h, _ = b.post('/staff/time-off', dict(form, confirm='1'))
        self.assertEqual(st, 303)
        self.assertEqual(count_time_off(), before + 1)
        self.assertNotIn('13:00', slot_starts('2026-11-25'))
        S.sql("DELETE FROM time_off WHERE reason = 'Afternoon off'")
        self.assertEqual(count_time_off(), before)

    def test_invalid_time_off_says_what_is_wrong(self):
        before = count_time_off()
        b = signed_in(MAREN)
        cases = [
            (dict(self.FRIDAY, end_time='07:00'), 'The end must be after the start.'),
            (dict(self.FRIDAY, reason=''), 'Give a reason'),
            (dict(self.FRIDAY, start_date='27/11/2026'), 'Write the date as YYYY-MM-DD'),
            (dict(self.FRIDAY, start_time='9'), 'Write the time as HH:MM'),
            (dict(self.FRIDAY, start_date='2026-11-20', end_date='2026-11-21'),
             'That time has already passed.'),
            (dict(self.FRIDAY, start_date='2026-03-08', start_time='02:30', end_date='2027-03-08'),
             'does not exist'),
        ]
        for form, msg in cases:
            st, _, page = b.post('/staff/time-off', form)
            self.assertEqual(st, 422, form)
            self.assertIn(msg, text(page), form)
        self.assertEqual(count_time_off(), before)

    def test_desk_adds_for_anyone_therapist_only_for_self(self):
        desk, maren = signed_in(DESK), signed_in(MAREN)
        before = count_time_off()
        st, _, _ = maren.post('/staff/time-off', dict(self.FRIDAY, therapist='dev-okafor'))
        self.assertIn(st, (403, 404))
        self.assertEqual(count_time_off(), before)
        st, h, _ = desk.post('/staff/time-off', dict(self.FRIDAY, therapist='dev-okafor',
                                                     start_time='12:00', end_time='13:00',
                                                     reason='Training'))
        self.assertEqual(st, 303)
        self.assertEqual(h['location'], '/staff/time-off?therapist=dev-okafor&added=1')
        page = desk.request('GET', h['location'])[2]
        oid = re.search(r'action="/staff/time-off/(\d+)/delete"', page).group(1)
        # Maren cannot see nor remove Dev's time off
        self.assertEqual(maren.request('GET', '/staff/time-off?therapist=dev-okafor')[0], 403)
        self.assertEqual(maren.post('/staff/time-off/%s/delete' % oid, {})[0], 404)
        self.assertEqual(count_time_off(), before + 1)
        self.assertEqual(desk.post('/staff/time-off/%s/delete' % oid,
                                   {'therapist': 'dev-okafor'})[0], 303)
        self.assertEqual(count_time_off(), before)

    def test_missing_csrf_is_refused(self):
        before = count_time_off()
        b = signed_in(MAREN)
        self.assertEqual(b.request('POST', '/staff/time-off', self.FRIDAY)[0], 403)
        self.assertEqual(b.request('POST', '/staff/time-off/1/delete', {})[0], 403)
        self.assertEqual(count_time_off(), before)

    def test_client_and_anonymous_are_kept_out(self):
        self.assertEqual(Browser().request('GET', '/staff/time-off')[0], 303)
        self.assertEqual(Browser().request('GET', '/staff/hours')[0], 303)


if __name__ == '__main__':
    run_suite(globals())
