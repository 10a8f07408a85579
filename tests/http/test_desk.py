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
        st, h, _ = b.post(url + '/merge', {'other': str(dup)})
        self.assertEqual(st, 303)
        self.assertEqual(count('SELECT count(*) FROM appointments WHERE client_id = ?', keep), 3)
        self.assertEqual(count('SELECT count(*) FROM clients WHERE id = ?', dup), 0)
        st, _, page = b.get(h['location'])
        self.assertIn('merged into this client', page)
        st, _, _ = b.post(url + '/merge', {'other': str(dup)})
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
        self.assertEqual(b.post('/staff/clients/%d/merge' % keep, {'other': str(dup)})[0], 303)
        online_booking('Newcomer Number', 'newcomer@example.com', '2026-12-16T15:00:00-09:00')
        new = count("SELECT id FROM clients WHERE email = 'newcomer@example.com'")
        self.assertGreater(new, dup)


if __name__ == '__main__':
    run_suite(globals())
