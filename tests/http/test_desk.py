"""The front desk against the real server (clock pinned to Tuesday
2026-11-24 09:00 in Anchorage): an appointment's page and its status
machine, notes for the therapist, moving, booking a walk-in inside the
notice window, refusals over a taken time, therapists seeing only their own
appointments, the client list, editing and merging clients.

usage: test_desk.py PATH/TO/knead"""
import json
import os
import re
import sys
import unittest
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, signed_in  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None
DESK = ('desk@chugachbodywork.example', 'demo-desk-pass')
ADMIN = ('admin@chugachbodywork.example', 'demo-admin-pass')
MAREN = ('maren@chugachbodywork.example', 'demo-therapist-pass')
TOMAS = ('tomas@chugachbodywork.example', 'demo-therapist-pass')


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', '2026-11-24T09:00:00-09:00']).start()


def tearDownModule():
    harness.finish(S)


def count(sql, *args):
    return S.sql(sql, *args)[0][0]


def online_booking(name, email, start, therapist='any', service='deep-tissue-60'):
    body = json.dumps({'service': service, 'therapist': therapist, 'start': start,
                       'client': {'name': name, 'email': email, 'phone': '907-555-0100'}})
    st, _, data = S.request('POST', '/api/v1/appointments', body.encode(),
                            {'Content-Type': 'application/json'})
    assert st == 201, (st, data)
    return json.loads(data)


def desk_book(b, start, therapist='maren-holt', service='deep-tissue-60', **client):
    form = {'service': service, 'therapist': therapist, 'start': start, 'note': ''}
    if 'client' in client:
        form['client'] = str(client['client'])
    else:
        form.update(name=client.get('name', 'Walk In'), email=client.get('email', 'walk@example.com'),
                    phone=client.get('phone', ''))
    return b.post('/staff/book', form)


def booked_id(h):
    m = re.fullmatch(r'/staff/appointments/(\d+)', h.get('location', ''))
    assert m, h
    return int(m.group(1))


class Booking(unittest.TestCase):
    def test_book_page_lists_walk_in_times_inside_notice(self):
        b = signed_in(DESK)
        st, _, page = b.get('/staff/book?service=deep-tissue-60&therapist=maren-holt&date=2026-11-24')
        self.assertEqual(st, 200)
        # 09:15 is inside the 3-hour notice: offered to staff, never online
        self.assertIn('value="2026-11-24T09:15:00-09:00"', page)
        self.assertIn('aria-current="page">Book<', page)
        st, _, data = S.request('GET', '/api/v1/availability?service=deep-tissue-60&date=2026-11-24'
                                       '&therapist=maren-holt')
        self.assertNotIn('2026-11-24T09:15:00-09:00', data.decode())

    def test_walk_in_booking_then_refusal_over_it(self):
        b = signed_in(DESK)
        before = count('SELECT count(*) FROM appointments')
        st, h, _ = desk_book(b, '2026-11-24T09:30:00-09:00', name='Wanda Walkin',
                             email='wanda@example.com', phone='907-555-0199')
        self.assertEqual(st, 303)
        aid = booked_id(h)
        self.assertEqual(count('SELECT count(*) FROM appointments WHERE id = ? AND source = ?'
                               ' AND status = ?', aid, 'staff', 'booked'), 1)
        st, _, page = b.get('/staff/appointments/%d' % aid)
        self.assertEqual(st, 200)
        self.assertIn('Wanda Walkin', page)
        self.assertIn('Maren Holt', page)
        # the same therapist at an overlapping time: refused, nothing stored
        st, _, page = desk_book(b, '2026-11-24T10:00:00-09:00', name='Other Person',
                                email='other@example.com')
        self.assertEqual(st, 409)
        self.assertIn('Nothing was booked', page)
        self.assertEqual(count('SELECT count(*) FROM appointments'), before + 1)
        # the day view links to the appointment page
        st, _, page = b.get('/staff?date=2026-11-24')
        self.assertIn('href="/staff/appointments/%d"' % aid, page)

    def test_refused_over_break_and_in_past(self):
        b = signed_in(DESK)
        before = count('SELECT count(*) FROM appointments')
        st, _, _ = desk_book(b, '2026-11-24T11:45:00-09:00', name='Break Time',
                             email='break@example.com')  # runs into the 12:00 lunch break
        self.assertEqual(st, 409)
        st, _, page = desk_book(b, '2026-11-24T08:30:00-09:00', name='Too Late',
                                email='late@example.com')
        self.assertEqual(st, 422)
        self.assertIn('already passed', page)
        self.assertEqual(count('SELECT count(*) FROM appointments'), before)

    def test_invalid_details_name_the_fields(self):
        b = signed_in(DESK)
        before = count('SELECT count(*) FROM clients')
        st, _, page = desk_book(b, '', name='', email='not-an-email')
        self.assertEqual(st, 422)
        self.assertIn('id="name-error"', page)
        self.assertIn('id="email-error"', page)
        self.assertIn('Choose a time from the list', page)
        self.assertEqual(count('SELECT count(*) FROM clients'), before)

    def test_book_an_existing_client(self):
        b = signed_in(DESK)
        online_booking('Erin Existing', 'erin@example.com', '2026-11-30T10:00:00-09:00')
        cid = count("SELECT id FROM clients WHERE email = 'erin@example.com'")
        st, _, page = b.get('/staff/book?q=erin')
        self.assertEqual(st, 200)
        self.assertIn('/staff/book?client=%d' % cid, page)
        st, _, page = b.get('/staff/book?client=%d&service=deep-tissue-60&therapist=tomas-reyes'
                            '&date=2026-11-25' % cid)
        self.assertEqual(st, 200)
        self.assertIn('Booking for <strong>Erin Existing', page)
        st, h, _ = desk_book(b, '2026-11-24T14:00:00-09:00', therapist='tomas-reyes', client=cid)
        self.assertEqual(st, 303)
        self.assertEqual(count('SELECT client_id FROM appointments WHERE id = ?', booked_id(h)), cid)
        self.assertEqual(count("SELECT count(*) FROM clients WHERE email = 'erin@example.com'"), 1)

    def test_access(self):
        st, h, _ = Browser().get('/staff/book')
        self.assertEqual(st, 303)
        st, _, _ = signed_in(MAREN).get('/staff/book')
        self.assertEqual(st, 403)
        st, _, _ = signed_in(ADMIN).get('/staff/clients')
        self.assertEqual(st, 200)
        b = signed_in(DESK)
        st, _, _ = b.request('POST', '/staff/book', {'service': 'deep-tissue-60'})
        self.assertEqual(st, 403)  # no CSRF token
        st, _, page = b.get('/staff/book?service=nope&date=2026-11-24')
        self.assertEqual(st, 422)
        self.assertIn('id="service-error"', page)
        st, _, page = b.get('/staff/book?service=sports-45&therapist=lena-kusugak')
        self.assertEqual(st, 422)
        self.assertIn('id="therapist-error"', page)
        st, h, _ = Browser().get('/staff/appointments/1')
        self.assertEqual((st, h['location']), (303, '/login?next=%2Fstaff%2Fappointments%2F1'))


class Status(unittest.TestCase):
    def book(self, start, therapist='maren-holt', name='Stan Status', email='stan@example.com'):
        b = signed_in(DESK)
        st, h, page = desk_book(b, start, therapist=therapist, name=name, email=email)
        self.assertEqual(st, 303, harness.text(page)[-700:])
        return b, booked_id(h)

    def status(self, aid):
        return count('SELECT status FROM appointments WHERE id = ?', aid)

    def test_check_in_then_complete(self):
        # today (the clock: 09:00) at 12:30: check-in is open, completing
        # waits for the start (test_booking_integrity moves the clock past it)
        b, aid = self.book('2026-11-24T12:30:00-09:00', therapist='tomas-reyes')
        url = '/staff/appointments/%d' % aid
        _, _, page = b.get(url)
        self.assertIn('Check in', page)
        self.assertIn('Mark no-show', page)
        st, _, page = b.post(url + '/status', {'status': 'completed'})
        self.assertEqual(st, 409)
        self.assertIn('Check the client in', page)
        self.assertEqual(self.status(aid), 'booked')
        st, h, _ = b.post(url + '/status', {'status': 'checked_in'})
        self.assertEqual((st, h['location']), (303, url))
        self.assertEqual(self.status(aid), 'checked_in')
        st, _, _ = b.post(url + '/status', {'status': 'no_show'})
        self.assertEqual(st, 409)
        st, _, page = b.post(url + '/status', {'status': 'completed'})
        self.assertEqual(st, 409)
        self.assertIn('only once it has started', page)
        self.assertEqual(self.status(aid), 'checked_in')
        S.sql("UPDATE appointments SET status = 'completed' WHERE id = ?", aid)
        for to in ('cancelled', 'checked_in', 'no_show', 'booked'):
            st, _, page = b.post(url + '/status', {'status': to, 'reason': 'x'})
            self.assertEqual(st, 409, to)
            self.assertIn('already closed', page)
        self.assertEqual(self.status(aid), 'completed')
        _, _, page = b.get(url)
        self.assertIn('its status can no longer change', page)

    def test_cancel_needs_a_reason(self):
        b, aid = self.book('2026-11-25T09:00:00-09:00')
        url = '/staff/appointments/%d' % aid
        st, _, page = b.post(url + '/status', {'status': 'cancelled', 'reason': ''})
        self.assertEqual(st, 422)
        self.assertIn('id="reason-error"', page)
        self.assertEqual(self.status(aid), 'booked')
        st, _, _ = b.post(url + '/status', {'status': 'cancelled', 'reason': 'Client phoned in sick'})
        self.assertEqual(st, 303)
        self.assertEqual(self.status(aid), 'cancelled')
        self.assertEqual(count('SELECT cancel_reason FROM appointments WHERE id = ?', aid),
                         'Client phoned in sick')
        st, _, _ = b.post(url + '/status', {'status': 'checked_in'})
        self.assertEqual(st, 409)

    def test_no_show_and_unknown_status(self):
        b, aid = self.book('2026-11-25T10:00:00-09:00')
        url = '/staff/appointments/%d' % aid
        st, _, _ = b.post(url + '/status', {'status': 'done'})
        self.assertEqual(st, 400)
        st, _, page = b.post(url + '/status', {'status': 'no_show'})
        self.assertEqual(st, 409)  # tomorrow: not before the start
        self.assertIn('only once the appointment has started', page)
        self.assertEqual(self.status(aid), 'booked')

    def test_no_show_asks_first_then_offers_its_undo(self):
        b, aid = self.book('2026-11-25T11:00:00-09:00', therapist='dev-okafor',
                           name='Nora Noshow', email='nora@example.com')
        # it started an hour ago, today
        S.sql("UPDATE appointments SET start_at = unixepoch('2026-11-24T17:00:00'),"
              " end_at = unixepoch('2026-11-24T18:00:00'),"
              " busy_until = unixepoch('2026-11-24T18:15:00') WHERE id = ?", aid)
        url = '/staff/appointments/%d' % aid
        st, _, page = b.post(url + '/status', {'status': 'no_show'})
        self.assertEqual(st, 200)   # asked, not done
        self.assertEqual(self.status(aid), 'booked')
        t = harness.text(page)
        self.assertIn('Mark Nora Noshow as a no-show?', t)
        self.assertIn('name="confirm" value="yes"', page)
        self.assertIn('No, keep it Booked', t)
        st, h, _ = b.post(url + '/status', {'status': 'no_show', 'confirm': 'yes'})
        self.assertEqual((st, h['location']), (303, url + '?changed=no_show'))
        self.assertEqual(self.status(aid), 'no_show')
        st, _, page = b.get(h['location'])
        t = harness.text(page)
        self.assertIn('Marked “No-show”. Clicked by mistake? Undo it today', t)
        self.assertIn('action="%s/undo"' % url, page)
        st, _, _ = b.post(url + '/undo', {'reason': 'client was in the waiting room'})
        self.assertEqual(st, 303)
        self.assertEqual(self.status(aid), 'booked')
        # a made-up "changed" says nothing that is not so
        _, _, page = b.get(url + '?changed=no_show')
        self.assertNotIn('Marked', harness.text(page))

    def test_unknown_appointment(self):
        b = signed_in(DESK)
        for path in ('/staff/appointments/999999', '/staff/appointments/abc'):
            st, _, _ = b.get(path)
            self.assertEqual(st, 404, path)
        st, _, _ = b.post('/staff/appointments/999999/status', {'status': 'checked_in'})
        self.assertEqual(st, 404)

    def test_therapist_sees_only_their_own(self):
        _, mine = self.book('2026-11-25T13:00:00-09:00', therapist='maren-holt')
        _, theirs = self.book('2026-11-25T13:00:00-09:00', therapist='tomas-reyes',
                              name='Tess Status', email='tess@example.com')
        m = signed_in(MAREN)
        st, _, page = m.get('/staff/appointments/%d' % mine)
        self.assertEqual(st, 200)
        self.assertNotIn('action="/staff/appointments/%d/status"' % mine, page)
        st, _, _ = m.get('/staff/appointments/%d' % theirs)
        self.assertEqual(st, 404)
        st, _, _ = m.post('/staff/appointments/%d/status' % mine, {'status': 'checked_in'})
        self.assertEqual(st, 403)
        st, _, _ = signed_in(TOMAS).get('/staff/appointments/%d' % theirs)
        self.assertEqual(st, 200)


class DayViewFollowsEveryChange(unittest.TestCase):
    """The day view's columns are rendered once and kept until the data they
    show changes (web/staff.c); every kind of change must show at once."""

    DAY = '2026-12-09'  # a Wednesday no other test books

    def blocks(self, b, by=''):
        st, _, page = b.get('/staff?date=' + self.DAY + by)
        self.assertEqual(st, 200)
        return re.sub(r'\s+', ' ', page)

    def test_bookings_status_clients_and_other_writers(self):
        desk = signed_in(DESK)
        self.assertNotIn('Dora Dayview', self.blocks(desk))
        appt = online_booking('Dora Dayview', 'dora@example.com', self.DAY + 'T10:00:00-09:00',
                              therapist='maren-holt')
        self.assertIn('Dora Dayview', self.blocks(desk))
        self.assertIn('Dora Dayview', self.blocks(desk, '&by=room'))
        # the status, set on the appointment page
        url = '/staff/appointments/%d' % appt['id']
        self.assertEqual(desk.post(url + '/status', {'status': 'cancelled', 'reason': 'flu'})[0], 303)
        self.assertRegex(self.blocks(desk), r'Dora Dayview.*?Cancelled')
        # the client's name, edited on the client page
        cid = count("SELECT id FROM clients WHERE email = 'dora@example.com'")
        st, _, _ = desk.post('/staff/clients/%d' % cid,
                             {'name': 'Dora Renamed', 'email': 'dora@example.com', 'phone': ''})
        self.assertEqual(st, 303)
        page = self.blocks(desk)
        self.assertIn('Dora Renamed', page)
        self.assertNotIn('Dora Dayview', page)
        # another process writing straight into the database
        S.sql("UPDATE clients SET name = 'Dora Elsewhere' WHERE id = ?", cid)
        self.assertIn('Dora Elsewhere', self.blocks(desk))
        # a therapist's view of the same day is their own, not the desk's
        maren = signed_in(MAREN)
        self.assertIn('Dora Elsewhere', self.blocks(maren))
        tomas = signed_in(TOMAS)
        self.assertNotIn('Dora Elsewhere', self.blocks(tomas))
        self.assertNotIn('Maren Holt', re.sub(r'<header.*?</header>', '', self.blocks(tomas)))


class DayViewKeptCopy(unittest.TestCase):
    """The day view's grid is kept whole per (versions, day, location,
    layout, whose columns, the minute of now) and copied into the page
    (web/staff.c): each kind of change, made through the product or by
    another writer, is in the very next view; a second server on the same
    database never shows its own older copy; a therapist's view is never
    another user's copy."""

    DAY = '2026-12-30'  # a Wednesday no other test books

    def view(self, b, by=''):
        st, _, page = b.get('/staff?date=' + self.DAY + by)
        self.assertEqual(st, 200)
        return re.sub(r'\s+', ' ', page)

    def test_every_kind_of_change_is_in_the_next_view(self):
        desk = signed_in(DESK)
        before = self.view(desk)
        self.assertEqual(before, self.view(desk))   # kept: the same bytes again
        # a booking at the desk
        st, h, _ = desk_book(desk, self.DAY + 'T10:00:00-09:00', therapist='maren-holt',
                             name='Kip Kept', email='kip@example.com')
        self.assertEqual(st, 303)
        aid = booked_id(h)
        url = '/staff/appointments/%d' % aid
        self.assertRegex(self.view(desk), r'Kip Kept.*?10:00 AM – 11:00 AM')
        # a move
        self.assertEqual(desk.post(url + '/move', {'start': self.DAY + 'T14:00:00-09:00'})[0], 303)
        page = self.view(desk)
        self.assertRegex(page, r'Kip Kept.*?2:00 PM – 3:00 PM')
        self.assertNotRegex(page, r'Kip Kept.*?10:00 AM – 11:00 AM')
        self.assertIn('>Book Maren Holt at 10:15 AM<', page)
        # the appointment's note, written by another process
        S.sql("UPDATE appointments SET notes = 'Bring the heat pack' WHERE id = ?", aid)
        self.assertIn('Note: Bring the heat pack', self.view(desk))
        # time off, entered at the desk
        self.assertNotIn('Dentist', self.view(desk))
        st, _, _ = desk.post('/staff/time-off', {
            'therapist': 'maren-holt', 'start_date': self.DAY, 'start_time': '16:00',
            'end_date': self.DAY, 'end_time': '17:00', 'reason': 'Dentist'})
        self.assertEqual(st, 303)
        page = self.view(desk)
        self.assertIn('Dentist', page)
        self.assertNotIn('>Book Maren Holt at 4:15 PM<', page)
        # the therapist's hours: her Wednesday ends at 1 PM now
        S.sql("UPDATE therapist_hours SET end_min = 780 WHERE therapist_id = 'maren-holt'"
              " AND weekday = 3 AND kind = 'work'")
        try:
            self.assertNotIn('>Book Maren Holt at 1:15 PM<', self.view(desk))
        finally:
            S.sql("UPDATE therapist_hours SET end_min = 960 WHERE therapist_id = 'maren-holt'"
                  " AND weekday = 3 AND kind = 'work'")
        self.assertIn('>Book Maren Holt at 1:15 PM<', self.view(desk))
        # the therapist's name
        S.sql("UPDATE therapists SET name = 'Maren Holt-Berg' WHERE id = 'maren-holt'")
        try:
            self.assertRegex(self.view(desk), r'<th scope="col">Maren Holt-Berg</th>')
        finally:
            S.sql("UPDATE therapists SET name = 'Maren Holt' WHERE id = 'maren-holt'")
        # a room's name, seen by room
        room = count('SELECT room_id FROM appointments WHERE id = ?', aid)
        old = count('SELECT name FROM rooms WHERE id = ?', room)
        self.view(desk, '&by=room')
        S.sql("UPDATE rooms SET name = 'Cedar Kept Room' WHERE id = ?", room)
        try:
            self.assertIn('Cedar Kept Room', self.view(desk, '&by=room'))
        finally:
            S.sql('UPDATE rooms SET name = ? WHERE id = ?', old, room)
        # the clinic closed that day (another writer: the admin's form refuses
        # a day that holds bookings)
        S.sql("INSERT INTO closed_dates (location_id, date, reason) VALUES (1, ?, 'Inventory')",
              self.DAY)
        try:
            self.assertIn('Clinic closed', self.view(desk))
        finally:
            S.sql('DELETE FROM closed_dates WHERE date = ?', self.DAY)
        self.assertNotIn('Clinic closed', self.view(desk))
        # a status, on the appointment's page
        st, _, _ = desk.post(url + '/status', {'status': 'cancelled', 'reason': 'Snowed in'})
        self.assertEqual(st, 303)
        self.assertRegex(self.view(desk), r'Cancelled and overlapping.*Kip Kept.*Cancelled')

    def test_a_second_server_never_shows_its_older_copy(self):
        other = Server(KNEAD, share=S, extra=['--now', '2026-11-24T09:00:00-09:00']).start()
        try:
            there = signed_in(DESK, server=other)
            self.assertNotIn('Sol Second', self.view(there))   # kept on the second server
            appt = online_booking('Sol Second', 'sol@example.com', self.DAY + 'T15:00:00-09:00',
                                  therapist='tomas-reyes')
            self.assertIn('Sol Second', self.view(there))
            desk = signed_in(DESK)
            st, _, _ = desk.post('/staff/appointments/%d/status' % appt['id'],
                                 {'status': 'cancelled', 'reason': 'moved away'})
            self.assertEqual(st, 303)
            self.assertRegex(self.view(there), r'Cancelled and overlapping.*Sol Second')
        finally:
            harness.finish(other)

    def test_a_therapists_view_is_never_another_users_copy(self):
        online_booking('Tara Theirs', 'tara@example.com', self.DAY + 'T13:00:00-09:00',
                       therapist='tomas-reyes')
        desk, maren, tomas = signed_in(DESK), signed_in(MAREN), signed_in(TOMAS)
        for b in (desk, maren, tomas, desk, maren):   # each after another user's copy
            page = self.view(b)
            if b is maren:
                self.assertNotIn('Tara Theirs', page)
                self.assertNotIn('/staff/book?', page)
                self.assertNotRegex(page, r'<th scope="col">Tomas Reyes</th>')
            else:
                self.assertIn('Tara Theirs', page)
        self.assertNotIn('/staff/book?', self.view(tomas))
        self.assertIn('/staff/book?', self.view(desk))


def grid_rows(page, table='cal-day'):
    """The rows of a calendar grid: [(time label, [cell html])]."""
    m = re.search(r'<table class="cal" id="%s">(.*?)</table>' % table, page, re.S)
    assert m, page[:600]
    body = m.group(1).split('<tbody>', 1)[1]
    rows = []
    for tr in re.findall(r'<tr[^>]*>(.*?)</tr>', body, re.S):
        th = re.search(r'<th scope="row" class="cal-time">(.*?)</th>', tr, re.S)
        label = re.sub(r'<span class="visually-hidden">.*?</span>', '', th.group(1)).strip()
        rows.append((label, re.findall(r'<td.*?</td>', tr, re.S)))
    return rows


def appt_row(rows, aid):
    """(row index, the cell) where appointment aid's block starts."""
    for i, (_, cells) in enumerate(rows):
        for c in cells:
            if 'href="/staff/appointments/%d"' % aid in c:
                return i, c
    raise AssertionError('appointment %d is not in the grid' % aid)


class DayGrid(unittest.TestCase):
    """The day view is a calendar: 15-minute rows of real time down, a column
    per therapist, appointments as tall as they last, breaks shaded, free
    quarter hours that open the desk's booking form."""

    DAY = '2026-12-23'  # a Wednesday no other test books

    def test_blocks_free_cells_and_breaks(self):
        b = signed_in(DESK)
        st, h, _ = desk_book(b, self.DAY + 'T10:00:00-09:00', therapist='maren-holt',
                             name='Gail Grid', email='gail@example.com')
        self.assertEqual(st, 303)
        aid = booked_id(h)
        st, _, page = b.get('/staff?date=' + self.DAY)
        self.assertEqual(st, 200)
        self.assertRegex(page, r'<th scope="col">Maren Holt</th>')
        rows = grid_rows(page)
        labels = [r[0] for r in rows]
        self.assertEqual(labels[0], '8:00 AM')      # the earliest opening
        i, cell = appt_row(rows, aid)
        self.assertEqual(labels[i], '10:00 AM')
        self.assertIn('rowspan="4"', cell)          # an hour: four rows
        self.assertIn('Gail Grid', cell)
        self.assertIn('Booked', cell)               # the status in words, not colour only
        # free time: a link per quarter hour that says whom and when
        self.assertIn('>Book Maren Holt at 2:15 PM<', page)
        self.assertNotIn('>Book Maren Holt at 10:15 AM<', page)   # taken
        self.assertRegex(page, r'class="cal-shade cal-break"><span class="cal-shade-label">'
                               r'Break: 12:00 PM – 12:30 PM')
        self.assertNotIn('>Book Maren Holt at 12:15 PM<', page)
        href = re.search(r'<a href="([^"]+)"><span class="visually-hidden">Book Maren Holt at '
                         r'2:15 PM</span>', page).group(1).replace('&amp;', '&')
        self.assertEqual(href, '/staff/book?therapist=maren-holt&date=%s&start=%sT14%%3A15%%3A00-09%%3A00'
                         % (self.DAY, self.DAY))
        st, _, form = b.get(href)
        self.assertEqual(st, 200)
        self.assertRegex(form, r'<option value="maren-holt" selected>')
        self.assertRegex(form, r'value="%sT14:15:00-09:00" checked' % self.DAY)
        self.assertIn('value="%s"' % self.DAY, form)
        # cancelled: out of the grid, listed apart and quieter; the time is free again
        st, _, _ = b.post('/staff/appointments/%d/status' % aid,
                          {'status': 'cancelled', 'reason': 'Snowed in'})
        self.assertEqual(st, 303)
        st, _, page = b.get('/staff?date=' + self.DAY)
        self.assertNotIn('class="cal-appt', page)
        self.assertIn('>Book Maren Holt at 10:15 AM<', page)
        aside = re.search(r'<ul class="cal-aside-list">(.*?)</ul>', page, re.S).group(1)
        self.assertIn('class="status-cancelled"', aside)
        self.assertIn('Gail Grid', aside)
        self.assertIn('Cancelled', aside)

    def test_today_marks_now_and_past_times_are_not_offered(self):
        st, _, page = signed_in(DESK).get('/staff?date=2026-11-24')
        self.assertEqual(st, 200)
        self.assertRegex(page, r'<tr class="cal-hour cal-now cal-now-0"><th scope="row" '
                               r'class="cal-time">9:00 AM<span class="visually-hidden">, now 9:00 AM')
        self.assertNotIn('>Book Maren Holt at 8:45 AM<', page)
        self.assertIn('>Book Maren Holt at 9:15 AM<', page)

    def test_a_therapist_gets_no_booking_links(self):
        st, _, page = signed_in(MAREN).get('/staff?date=' + self.DAY)
        self.assertEqual(st, 200)
        self.assertNotIn('/staff/book?', page)
        self.assertIn('>Free at 2:15 PM<', page)
        self.assertNotIn('Dev Okafor', page)

    def test_printed_day_sheet(self):
        b = signed_in(DESK)
        st, _, page = b.get('/staff?date=%s&sheet=therapist' % self.DAY)
        self.assertEqual(st, 200)
        self.assertEqual(page.count('<section class="cal-sheet"'), 4)
        self.assertIn('<table class="cal" id="cal-sheet-0">', page)
        self.assertEqual(b.get('/staff?date=%s&sheet=everyone' % self.DAY)[0], 400)
        css = Browser().get('/static/css/site.css')[2]
        self.assertRegex(css, r'@media print \{[^@]*\.cal-sheet \{ break-after: page; \}')

    def test_the_repeated_hour_of_the_clock_change(self):
        """2026-11-01 in Anchorage has 25 hours: 1:00-2:00 AM happens twice.
        Rows are real quarter hours, so the day shows it twice and a block
        after it sits where it really is."""
        cid = count('SELECT id FROM clients ORDER BY id LIMIT 1')
        ids = []
        for start in ('2026-11-01T09:30:00Z', '2026-11-01T19:00:00Z'):   # 1:30 AKDT, 10:00 AKST
            ids.append(S.sql(
                'INSERT INTO appointments (service_id, therapist_id, room_id, client_id,'
                ' start_at, end_at, busy_until, status, notes, token_hash, source, created_at)'
                " VALUES ('deep-tissue-60', 'maren-holt', 1, ?, unixepoch(?), unixepoch(?) + 3600,"
                " unixepoch(?) + 3600, 'completed', '', randomblob(32), 'staff', 0) RETURNING id",
                cid, start, start, start)[0][0])
        st, _, page = signed_in(DESK).get('/staff?date=2026-11-01')
        self.assertEqual(st, 200)
        rows = grid_rows(page)
        labels = [r[0] for r in rows]
        self.assertEqual(labels[:6], ['1:30 AM (AKDT)', '1:45 AM (AKDT)', '1:00 AM (AKST)',
                                      '1:15 AM (AKST)', '1:30 AM (AKST)', '1:45 AM (AKST)'])
        i, cell = appt_row(rows, ids[0])
        self.assertEqual((i, 'rowspan="4"' in cell), (0, True))   # 1:30 AKDT for an hour
        j, _ = appt_row(rows, ids[1])
        self.assertEqual(labels[j], '10:00 AM')
        self.assertEqual(j - i, 38)   # 9.5 real hours, not the 8.5 the wall clock says

    def test_week_is_the_same_grid(self):
        b = signed_in(DESK)
        st, h, _ = desk_book(b, self.DAY + 'T13:00:00-09:00', therapist='tomas-reyes',
                             name='Wes Week', email='wes@example.com')
        self.assertEqual(st, 303)
        aid = booked_id(h)
        st, _, page = b.get('/staff/week?therapist=tomas-reyes&date=' + self.DAY)
        self.assertEqual(st, 200)
        rows = grid_rows(page, 'cal-week')
        i, cell = appt_row(rows, aid)
        self.assertEqual(rows[i][0], '1:00 PM')
        self.assertIn('rowspan="4"', cell)
        self.assertIn('>Book Tomas Reyes on Wed, Dec 23 at 2:15 PM<', page)
        self.assertNotIn('>Book Tomas Reyes on Wed, Dec 23 at 1:15 PM<', page)
        self.assertIn('<a href="/staff?date=%s">Wed, Dec 23</a>' % self.DAY, page)


class BackOffice(unittest.TestCase):
    def test_own_layout(self):
        b = signed_in(DESK)
        for path in ('/staff', '/staff/week', '/staff/clients', '/staff/book'):
            st, _, page = b.get(path)
            self.assertEqual(st, 200, path)
            self.assertNotIn('site-header', page, path)
            self.assertNotIn('site-footer', page, path)
            self.assertNotIn('Book online', page, path)
            t = harness.text(page)
            self.assertIn('Signed in as Rosa Delgado (desk)', t, path)
            self.assertIn('Sign out', t, path)
            self.assertIn('aria-label="Back office"', page, path)
            self.assertRegex(t, r'Insurance checks \(\d+ pending ?\)')
        st, _, page = Browser().get('/')
        self.assertIn('site-header', page)
        self.assertIn('Book online', page)


class NotesAndMove(unittest.TestCase):
    def test_notes(self):
        b = signed_in(DESK)
        st, h, _ = desk_book(b, '2026-11-26T13:00:00-09:00', therapist='maren-holt',
                             name='Nora Notes', email='nora@example.com')
        url = h['location']
        st, _, _ = b.post(url + '/notes', {'notes': 'Prefers light pressure on the shoulders.'})
        self.assertEqual(st, 303)
        _, _, page = signed_in(MAREN).get(url)
        self.assertIn('Prefers light pressure on the shoulders.', page)
        st, _, page = b.post(url + '/notes', {'notes': 'x' * 4001})
        self.assertEqual(st, 422)
        self.assertIn('id="notes-error"', page)
        self.assertEqual(count('SELECT staff_notes FROM appointments WHERE id = ?', booked_id(h)),
                         'Prefers light pressure on the shoulders.')

    def test_move_inside_notice_and_refusal(self):
        b = signed_in(DESK)
        st, h, _ = desk_book(b, '2026-11-24T16:00:00-09:00', therapist='dev-okafor',
                             name='Mo Mover', email='mo@example.com')
        aid = booked_id(h)
        st, h2, _ = desk_book(b, '2026-11-24T18:00:00-09:00', therapist='dev-okafor',
                              name='Block Er', email='block@example.com')
        self.assertEqual(st, 303)
        url = '/staff/appointments/%d' % aid
        st, _, page = b.get(url + '?date=2026-11-24')
        self.assertEqual(st, 200)
        self.assertIn('value="2026-11-24T11:00:00-09:00"', page)  # inside the notice
        self.assertNotIn('value="2026-11-24T17:30:00-09:00"', page)  # over Block Er
        st, _, page = b.post(url + '/move', {'start': '2026-11-24T17:30:00-09:00'})
        self.assertEqual(st, 409)
        self.assertEqual(count('SELECT start_at FROM appointments WHERE id = ?', aid),
                         count("SELECT unixepoch('2026-11-25T01:00:00')"))
        st, _, _ = b.post(url + '/move', {'start': 'soon'})
        self.assertEqual(st, 422)
        st, h, _ = b.post(url + '/move', {'start': '2026-11-24T11:00:00-09:00'})
        self.assertEqual((st, h['location']), (303, url))
        self.assertEqual(count('SELECT start_at FROM appointments WHERE id = ?', aid),
                         count("SELECT unixepoch('2026-11-24T20:00:00')"))
        # to another therapist, chosen on the page
        st, _, page = b.get(url + '?date=2026-11-24&therapist=tomas-reyes')
        self.assertEqual(st, 200)
        self.assertIn('name="therapist" value="tomas-reyes"', page)
        self.assertIn('value="2026-11-24T10:00:00-09:00"', page)
        st, _, _ = b.post(url + '/move', {'start': '2026-11-24T10:00:00-09:00',
                                          'therapist': 'tomas-reyes'})
        self.assertEqual(st, 303)
        self.assertEqual(count('SELECT therapist_id FROM appointments WHERE id = ?', aid),
                         'tomas-reyes')
        st, _, page = b.get(url + '?therapist=nobody')
        self.assertEqual(st, 200)
        self.assertIn('does not offer this service', page)


class Clients(unittest.TestCase):
    def test_search(self):
        online_booking('Sam Searchable', 'sam.search@example.com', '2026-11-30T11:00:00-09:00')
        b = signed_in(DESK)
        for q in ('searchable', 'SAM.SEARCH@', '555-0100'):
            st, _, page = b.get('/staff/clients?q=' + quote(q))
            self.assertEqual(st, 200)
            self.assertIn('Sam Searchable', page, q)
        st, _, page = b.get('/staff/clients?q=nobody-like-this')
        self.assertIn('No client matches', page)
        st, _, page = b.get('/staff/clients')
        self.assertIn('aria-current="page">Clients<', page)

    def test_search_by_any_way_of_writing_a_phone_or_part_of_a_name(self):
        body = json.dumps({'service': 'deep-tissue-60', 'therapist': 'any',
                           'start': '2026-11-30T13:00:00-09:00',
                           'client': {'name': 'Pia Phonebook', 'email': 'pia.phone@example.com',
                                      'phone': '907 555 0147'}})
        st, _, data = S.request('POST', '/api/v1/appointments', body.encode(),
                                {'Content-Type': 'application/json'})
        self.assertEqual(st, 201, data)
        b = signed_in(DESK)
        for q in ('9075550147', '(907) 555-0147', '907 555 0147', '907-555-0147',
                  '+1 907 555 0147', '555.0147', 'honebo', 'PIA.PH', 'e.com'):
            st, _, page = b.get('/staff/clients?q=' + quote(q))
            self.assertEqual(st, 200)
            self.assertIn('Pia Phonebook', page, q)
        for q in ('9075550148', '(907) 555-0174'):
            self.assertNotIn('Pia Phonebook', b.get('/staff/clients?q=' + quote(q))[2], q)
        # the desk's booking form finds the same way
        st, _, page = b.get('/staff/book?q=' + quote('(907) 555-0147'))
        self.assertIn('Pia Phonebook', page)

    def test_edit_details(self):
        online_booking('Eddie Edit', 'eddie@example.com', '2026-11-30T12:30:00-09:00')
        cid = count("SELECT id FROM clients WHERE email = 'eddie@example.com'")
        b = signed_in(DESK)
        url = '/staff/clients/%d' % cid
        st, _, page = b.get(url)
        self.assertEqual(st, 200)
        self.assertIn('Eddie Edit', page)
        st, _, page = b.post(url, {'name': 'Eddie Edited', 'email': 'nope', 'phone': ''})
        self.assertEqual(st, 422)
        self.assertIn('id="email-error"', page)
        self.assertEqual(count('SELECT name FROM clients WHERE id = ?', cid), 'Eddie Edit')
        st, h, _ = b.post(url, {'name': 'Eddie Edited', 'email': 'eddie@example.com',
                                'phone': '907 555 0111'})
        self.assertEqual(st, 303)
        self.assertEqual(count('SELECT name FROM clients WHERE id = ?', cid), 'Eddie Edited')
        st, _, _ = b.get('/staff/clients/999999')
        self.assertEqual(st, 404)

    def test_merge_duplicates(self):
        a = online_booking('Mia Merge', 'mia@example.com', '2026-12-01T10:00:00-09:00')
        online_booking('Mia M.', 'MIA@example.com', '2026-12-02T10:00:00-09:00')
        online_booking('Mia M.', 'MIA@example.com', '2026-12-03T10:00:00-09:00')
        online_booking('Other Mia', 'other.mia@example.com', '2026-12-04T10:00:00-09:00')
        keep = count("SELECT id FROM clients WHERE name = 'Mia Merge'")
        dup = count("SELECT id FROM clients WHERE name = 'Mia M.'")
        other = count("SELECT id FROM clients WHERE name = 'Other Mia'")
        b = signed_in(DESK)
        url = '/staff/clients/%d' % keep
        _, _, page = b.get(url)
        self.assertIn('Possible duplicates', page)
        self.assertIn('name="other" value="%d"' % dup, page)
        st, _, page = b.post(url + '/merge', {'other': str(other)})
        self.assertEqual(st, 422)
        self.assertIn('same email', page)
        st, _, _ = b.post(url + '/merge', {'other': str(keep)})
        self.assertEqual(st, 422)
        st, _, _ = b.post(url + '/merge', {'other': 'x'})
        self.assertEqual(st, 400)
        # asked first, with both records side by side; nothing merged yet
        st, _, page = b.post(url + '/merge', {'other': str(dup)})
        self.assertEqual(st, 200)
        self.assertEqual(count('SELECT count(*) FROM clients WHERE id = ?', dup), 1)
        t = harness.text(page)
        self.assertIn('Merge Mia M. into Mia Merge?', t)
        self.assertIn('Kept (client %d) Merged away (client %d)' % (keep, dup), t)
        self.assertIn('Name Mia Merge Mia M.', t)
        self.assertIn('Email mia@example.com MIA@example.com', t)
        self.assertIn('Appointments 1 2', t)
        self.assertIn('name="confirm" value="yes"', page)
        self.assertIn('No, keep both', t)
        st, h, _ = b.post(url + '/merge', {'other': str(dup), 'confirm': 'yes'})
        self.assertEqual(st, 303)
        self.assertEqual(count('SELECT count(*) FROM appointments WHERE client_id = ?', keep), 3)
        self.assertEqual(count('SELECT count(*) FROM clients WHERE id = ?', dup), 0)
        st, _, page = b.get(h['location'])
        self.assertIn('merged into this client', page)
        st, _, _ = b.post(url + '/merge', {'other': str(dup), 'confirm': 'yes'})
        self.assertEqual(st, 404)
        self.assertTrue(a['id'])

    def test_merged_away_number_is_never_reused(self):
        """The audit log names clients by number and outlives a merge; a new
        client must not inherit the number of the one merged away."""
        online_booking('Nia Number', 'nia@example.com', '2026-12-16T10:00:00-09:00')
        online_booking('Nia N.', 'NIA@example.com', '2026-12-16T13:00:00-09:00')
        keep = count("SELECT id FROM clients WHERE name = 'Nia Number'")
        dup = count("SELECT id FROM clients WHERE name = 'Nia N.'")
        self.assertEqual(dup, count('SELECT max(id) FROM clients'))
        # a row as the server writes it when the desk reads a record of dup
        S.sql("INSERT INTO audit_log (at, user_id, actor, role, action, record,"
              " record_id, client_id, address) VALUES (1, 2, 'desk@chugachbodywork.example',"
              " 'desk', 'read', 'intake', 0, ?, '127.0.0.1')", dup)
        b = signed_in(DESK)
        self.assertEqual(b.post('/staff/clients/%d/merge' % keep,
                                {'other': str(dup), 'confirm': 'yes'})[0], 303)
        online_booking('Newcomer Number', 'newcomer@example.com', '2026-12-16T15:00:00-09:00')
        new = count("SELECT id FROM clients WHERE email = 'newcomer@example.com'")
        self.assertGreater(new, dup)


class DeskMends(unittest.TestCase):
    """The desk's booking asks about text reminders as the client's own form
    does; the desk's cancellation is late by the same rule as the client's."""

    def test_booking_form_records_the_text_consent_with_its_time(self):
        b = signed_in(DESK)
        st, _, page = b.get('/staff/book?service=deep-tissue-60&therapist=lena-kusugak'
                            '&date=2026-11-27')
        self.assertEqual(st, 200)
        self.assertIn('name="texts" type="checkbox" value="yes"', page)
        form = {'service': 'deep-tissue-60', 'therapist': 'lena-kusugak',
                'start': '2026-11-27T10:00:00-09:00', 'name': 'Tess Texter',
                'email': 'tess.texter@example.com', 'phone': '907-555-0177', 'note': '',
                'texts': 'yes'}
        st, h, _ = b.post('/staff/book', form)
        self.assertEqual(st, 303)
        self.assertEqual(count('SELECT sms_consent_at FROM appointments WHERE id = ?', booked_id(h)),
                         1795543200)  # the clock's now: when the client said yes
        # left unticked: no consent
        st, h, _ = b.post('/staff/book', dict(form, start='2026-11-27T14:00:00-09:00', texts=''))
        self.assertEqual(st, 303)
        self.assertEqual(count('SELECT sms_consent_at FROM appointments WHERE id = ?', booked_id(h)), 0)
        # an existing client's number counts too
        cid = count("SELECT id FROM clients WHERE email = 'tess.texter@example.com'")
        st, h, _ = b.post('/staff/book', {'client': str(cid), 'service': 'deep-tissue-60',
                                          'therapist': 'lena-kusugak', 'note': '',
                                          'start': '2026-11-27T16:00:00-09:00', 'texts': 'yes'})
        self.assertEqual(st, 303)
        self.assertEqual(count('SELECT sms_consent_at FROM appointments WHERE id = ?', booked_id(h)),
                         1795543200)

    def test_text_consent_without_a_phone_or_damaged_is_refused(self):
        b = signed_in(DESK)
        before = count('SELECT count(*) FROM appointments')
        base = {'service': 'deep-tissue-60', 'therapist': 'lena-kusugak',
                'date': '2026-11-27', 'start': '2026-11-27T12:00:00-09:00', 'name': 'Nan Nophone',
                'email': 'nan@example.com', 'phone': '', 'note': ''}
        st, _, page = b.post('/staff/book', dict(base, texts='yes'))
        self.assertEqual(st, 422)
        self.assertIn("A text reminder needs the client's phone number", harness.text(page))
        self.assertIn('id="texts-error"', page)
        st, _, page = b.post('/staff/book', dict(base, phone='907-555-0166', texts='sure'))
        self.assertEqual(st, 422)
        self.assertIn('The text-reminder box is damaged', page)
        self.assertEqual(count('SELECT count(*) FROM appointments'), before)

    def test_desk_cancellation_inside_the_window_is_late(self):
        b = signed_in(DESK)
        # today 13:00 is four hours away: inside the 24-hour window
        st, h, _ = desk_book(b, '2026-11-24T13:00:00-09:00', therapist='dev-okafor',
                             name='Lola Late', email='lola.late@example.com')
        self.assertEqual(st, 303)
        soon = booked_id(h)
        st, _, _ = b.post('/staff/appointments/%d/status' % soon,
                          {'status': 'cancelled', 'reason': 'Phoned at nine: car trouble'})
        self.assertEqual(st, 303)
        self.assertEqual(count('SELECT cancel_late FROM appointments WHERE id = ?', soon), 1)
        _, _, page = b.get('/staff/appointments/%d' % soon)
        self.assertIn('Cancelled, late cancellation (Phoned at nine: car trouble)', harness.text(page))
        # three days ahead: not late
        st, h, _ = desk_book(b, '2026-11-27T11:00:00-09:00', therapist='dev-okafor',
                             name='Lola Late', email='lola.late@example.com')
        self.assertEqual(st, 303)
        later = booked_id(h)
        st, _, _ = b.post('/staff/appointments/%d/status' % later,
                          {'status': 'cancelled', 'reason': 'Going south for the winter'})
        self.assertEqual(st, 303)
        self.assertEqual(count('SELECT cancel_late FROM appointments WHERE id = ?', later), 0)
        _, _, page = b.get('/staff/appointments/%d' % later)
        self.assertNotIn('late cancellation', harness.text(page))


if __name__ == '__main__':
    run_suite(globals())
