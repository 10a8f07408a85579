"""Booking integrity against the real server (the Trust issue, items 4-6):
one client, one place at a time (API, /book, moves, the desk's override);
the one-time token of /book step 4; Idempotency-Key committed with its
booking (kill -9 in the middle), expiring after 24 h, and the manage link
replayed only to the same key, body and address; status follows the clock
with a same-day undo; a note is signed only after the start.

The clock is pinned (--now) to Tuesday 2026-11-24 09:00 in Anchorage; the
tests that need a later "now" restart a server of their own on the same
database with another --now.

usage: test_booking_integrity.py PATH/TO/knead"""
import datetime
import http.client
import json
import os
import re
import signal
import sqlite3
import sys
import threading
import time
import unittest
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, signed_in, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
S = None
DESK = ('desk@chugachbodywork.example', 'demo-desk-pass')
MAREN = ('maren@chugachbodywork.example', 'demo-therapist-pass')


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', NOW]).start()


def tearDownModule():
    harness.finish(S)


def one(server, sql, *args):
    con = sqlite3.connect(server.db)
    try:
        return con.execute(sql, args).fetchone()
    finally:
        con.close()


def post_json(server, path, body, headers=None, source=None):
    """POSTs JSON; source: the local address to connect from (127.0.0.x)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    h = {'Content-Type': 'application/json'}
    h.update(headers or {})
    c = http.client.HTTPConnection('127.0.0.1', server.port, timeout=30,
                                   source_address=(source, 0) if source else None)
    try:
        c.request('POST', path, body=raw, headers=h)
        r = c.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        return r.status, hdrs, json.loads(data) if data else None
    finally:
        c.close()


def book(server, start, email, therapist='any', name='Ana Lee', phone='', headers=None,
         source=None, notes=''):
    return post_json(server, '/api/v1/appointments', {
        'service': 'deep-tissue-60', 'therapist': therapist, 'start': start, 'notes': notes,
        'client': {'name': name, 'email': email, 'phone': phone}}, headers, source)


def ts(rfc3339):
    return int(datetime.datetime.fromisoformat(rfc3339).timestamp())


def status_of(server, aid):
    return one(server, 'SELECT status FROM appointments WHERE id = ?', aid)[0]


class ClientOverlap(unittest.TestCase):
    def test_api_same_email_or_phone_is_409_naming_only_time_and_service(self):
        st, _, first = book(S, '2026-11-26T10:00:00-09:00', 'olga@example.com',
                            therapist='maren-holt', name='Olga Owner', phone='(907) 555-0161')
        self.assertEqual(st, 201, first)
        # the same e-mail in other letters, another therapist, half an hour later
        st, h, p = book(S, '2026-11-26T10:30:00-09:00', 'OLGA@Example.com',
                        therapist='tomas-reyes', name='Someone Else')
        self.assertEqual(st, 409, p)
        self.assertEqual(h['content-type'], 'application/problem+json')
        self.assertEqual(p['code'], 'client_overlap')
        self.assertEqual((p['existing']['start'], p['existing']['end']),
                         ('2026-11-26T10:00:00-09:00', '2026-11-26T11:00:00-09:00'))
        self.assertIn('Thursday, November 26, 2026 at 10:00 AM AKST', p['detail'])  # svc/when
        self.assertIn('Deep', p['existing']['service'])
        # nothing of the other booking's person, therapist or link is told
        blob = json.dumps(p)
        for secret in ('Olga', 'Maren', 'maren-holt', '555-0161', first['manage_url'],
                       '"id"'):
            self.assertNotIn(secret, blob)
        # the same phone written another way, another e-mail: refused too
        st, _, p = book(S, '2026-11-26T09:30:00-09:00', 'other@example.com',
                        therapist='tomas-reyes', phone='+1 907 555 0161')
        self.assertEqual((st, p['code']), (409, 'client_overlap'))
        self.assertEqual(one(S, "SELECT count(*) FROM appointments a JOIN clients c ON"
                                " c.id = a.client_id WHERE a.start_at BETWEEN ? AND ?",
                             ts('2026-11-26T08:00:00-09:00'), ts('2026-11-26T12:00:00-09:00'))[0], 1)

    def test_racing_requests_of_one_client_get_one_place(self):
        # eight at once, any therapist (three are free at 11:00): one wins
        import concurrent.futures
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
            got = list(ex.map(lambda i: book(S, '2026-12-10T11:00:00-09:00', 'race@example.com',
                                             name='Rita Race %d' % i), range(8)))
        codes = sorted((st, p.get('code', '')) for st, _, p in got)
        self.assertEqual(codes, [(201, '')] + [(409, 'client_overlap')] * 7, codes)

    def test_other_clients_touching_times_and_cancelled_ones_do_not_count(self):
        st, _, a = book(S, '2026-11-27T10:00:00-09:00', 'pia@example.com', therapist='maren-holt')
        self.assertEqual(st, 201, a)
        # right after it (touching ends), and another client at the same time
        self.assertEqual(book(S, '2026-11-27T11:00:00-09:00', 'pia@example.com',
                              therapist='dev-okafor')[0], 201)
        self.assertEqual(book(S, '2026-11-27T10:00:00-09:00', 'quinn@example.com',
                              therapist='lena-kusugak')[0], 201)
        # once cancelled, the time is the client's to book again
        token = a['manage_url'].rsplit('/', 1)[1]
        c = S.conn()
        c.request('DELETE', '/api/v1/appointments/%d' % a['id'],
                  headers={'Authorization': 'Bearer ' + token})
        self.assertEqual(c.getresponse().status, 200)
        c.close()
        self.assertEqual(book(S, '2026-11-27T09:45:00-09:00', 'pia@example.com',
                              therapist='maren-holt')[0], 201)

    def test_a_move_cannot_create_an_overlap(self):
        st, _, a = book(S, '2026-11-30T10:00:00-09:00', 'rae@example.com', therapist='maren-holt')
        self.assertEqual(st, 201)
        st, _, b = book(S, '2026-11-30T14:00:00-09:00', 'rae@example.com', therapist='tomas-reyes')
        self.assertEqual(st, 201)
        token = b['manage_url'].rsplit('/', 1)[1]
        hdr = {'Authorization': 'Bearer ' + token}
        st, _, p = post_json(S, '/api/v1/appointments/%d/reschedule' % b['id'],
                             {'start': '2026-11-30T10:30:00-09:00', 'therapist': 'any'}, hdr)
        self.assertEqual((st, p['code']), (409, 'client_overlap'))
        self.assertEqual(one(S, 'SELECT start_at FROM appointments WHERE id = ?', b['id'])[0],
                         ts('2026-11-30T14:00:00-09:00'))
        # moving over its own old time is no overlap
        st, _, moved = post_json(S, '/api/v1/appointments/%d/reschedule' % b['id'],
                                 {'start': '2026-11-30T14:30:00-09:00', 'therapist': 'any'}, hdr)
        self.assertEqual(st, 200, moved)

    def test_manage_page_move_over_the_clients_other_time_is_409_with_the_days_times(self):
        self.assertEqual(book(S, '2026-12-09T10:00:00-09:00', 'mo@example.com',
                              therapist='maren-holt')[0], 201)
        st, _, b = book(S, '2026-12-09T14:00:00-09:00', 'mo@example.com', therapist='lena-kusugak')
        self.assertEqual(st, 201, b)
        path = b['manage_url']
        c = Browser(S)
        self.assertEqual(c.get(path + '/cancel')[0], 200)  # a page that sets the CSRF cookie
        st, _, page = c.post(path + '/move', {'start': '2026-12-09T10:30:00-09:00',
                                              'therapist': 'any'})
        self.assertEqual(st, 409)
        self.assertIn('already has an appointment at an overlapping time', text(page))
        self.assertIn('class="slot"', page)  # the day's other times, to choose again
        self.assertEqual(one(S, 'SELECT start_at FROM appointments WHERE id = ?', b['id'])[0],
                         ts('2026-12-09T14:00:00-09:00'))

    def test_book_page_says_you_already_have_an_appointment(self):
        self.assertEqual(book(S, '2026-12-01T10:00:00-09:00', 'sam@example.com',
                              therapist='maren-holt')[0], 201)
        b = Browser(S)
        b.get('/book?service=deep-tissue-60&therapist=dev-okafor&start=2026-12-01T11:15:00-09:00')
        st, _, page = b.post('/book', {'service': 'deep-tissue-60', 'therapist': 'any',
                                       'start': '2026-12-01T10:30:00-09:00', 'name': 'Sam Stone',
                                       'email': 'SAM@example.com', 'phone': ''})
        self.assertEqual(st, 409)
        t = text(page)
        self.assertIn('You already have an appointment at that time', t)
        self.assertIn('10:00', t)
        self.assertEqual(one(S, "SELECT count(*) FROM appointments a JOIN clients c ON"
                                " c.id = a.client_id WHERE lower(c.email) = 'sam@example.com'")[0], 1)

    def test_desk_may_override_with_a_reason_shown_on_the_appointment(self):
        self.assertEqual(book(S, '2026-12-02T13:00:00-09:00', 'couple@example.com',
                              therapist='maren-holt', name='Una Couple')[0], 201)
        d = signed_in(DESK, server=S)
        form = {'service': 'deep-tissue-60', 'therapist': 'tomas-reyes',
                'start': '2026-12-02T13:00:00-09:00', 'date': '2026-12-02', 'client': '',
                'name': 'Vic Couple', 'email': 'couple@example.com', 'phone': '', 'note': ''}
        st, _, page = d.post('/staff/book', form)
        self.assertEqual(st, 409)
        self.assertIn('already has appointment', text(page))
        self.assertIn('name="override_reason"', page)
        st, _, page = d.post('/staff/book', dict(form, override_reason='x' * 201))
        self.assertEqual(st, 422)
        st, h, _ = d.post('/staff/book', dict(form, override_reason='Couple sharing one e-mail'))
        self.assertEqual(st, 303)
        aid = int(h['location'].rsplit('/', 1)[1])
        st, _, page = d.get(h['location'])
        self.assertEqual(st, 200)
        self.assertIn('Couple sharing one e-mail', text(page))
        self.assertIn('id="appt-overlap"', page)
        self.assertEqual(one(S, "SELECT kind, actor FROM appointment_events"
                                " WHERE appointment_id = ?", aid),
                         ('overlap', DESK[0]))


FORM_FIELD = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')


class OneTimeForm(unittest.TestCase):
    def details(self, b, start, therapist='any'):
        st, _, page = b.get('/book?service=deep-tissue-60&therapist=%s&start=%s'
                            % (therapist, start.replace('+', '%2B')))
        self.assertEqual(st, 200)
        return dict(FORM_FIELD.findall(page))

    def test_back_and_submit_again_shows_the_first_booking(self):
        b = Browser(S)
        form = self.details(b, '2026-12-03T10:00:00-09:00')
        self.assertRegex(form.get('once', ''), r'^[A-Za-z0-9_-]{22}$')
        form.update(name='Wes Twice', email='wes@example.com', phone='', note='')
        st, h1, _ = b.post('/book', form)
        self.assertEqual(st, 303)
        self.assertRegex(h1['location'], r'^/a/[A-Za-z0-9_-]{22}\?booked=1$')
        # Back, then Book again: the same form, the same one-time token
        st, h2, _ = b.post('/book', form)
        self.assertEqual((st, h2['location']), (303, h1['location']))
        st, _, page = b.get(h2['location'])
        self.assertEqual(st, 200)
        self.assertIn('Wes Twice', page)
        self.assertEqual(one(S, "SELECT count(*) FROM appointments a JOIN clients c ON"
                                " c.id = a.client_id WHERE c.email = 'wes@example.com'")[0], 1)
        # the store keeps the form token only hashed, and no manage token
        token = h1['location'][3:25]
        row = one(S, 'SELECT hex(token_hash), hex(sealed) FROM book_form_tokens'
                     ' ORDER BY created_at DESC LIMIT 1')
        self.assertNotIn(form['once'].encode().hex().upper(), row[0] + row[1])
        self.assertNotIn(token.encode().hex().upper(), row[1])

    def test_a_new_form_books_anew_and_a_damaged_token_is_400(self):
        b = Browser(S)
        form = self.details(b, '2026-12-03T14:00:00-09:00')
        st, _, _ = b.post('/book', dict(form, once='not-a-token', name='Xia', email='xia@example.com'))
        self.assertEqual(st, 400)
        self.assertEqual(one(S, "SELECT count(*) FROM clients WHERE email = 'xia@example.com'")[0], 0)


def start_server(db_dir_server, now):
    """A server on the same database as db_dir_server, with the clock at now."""
    db_dir_server.seed = False
    db_dir_server.extra = ['--now', now]
    return db_dir_server.start()


class Idempotency(unittest.TestCase):
    def test_replay_gives_the_link_only_to_the_same_key_body_and_address(self):
        key = {'Idempotency-Key': 'replay-key-1'}
        st, _, first = book(S, '2026-12-04T11:00:00-09:00', 'yan@example.com', headers=key)
        self.assertEqual(st, 201)
        token = first['manage_url'].rsplit('/', 1)[1]
        # the stored answer does not hold the manage token
        body = one(S, 'SELECT body FROM idempotency WHERE key = ?', 'replay-key-1')[0]
        self.assertNotIn(token, body)
        # another address, same key and body: the answer, but not the link
        st, h, other = book(S, '2026-12-04T11:00:00-09:00', 'yan@example.com', headers=key,
                            source='127.0.0.2')
        self.assertEqual((st, h.get('idempotent-replayed')), (201, 'true'))
        self.assertEqual(other['id'], first['id'])
        self.assertNotIn('manage_url', other)
        # the same address: the link again
        st, h, again = book(S, '2026-12-04T11:00:00-09:00', 'yan@example.com', headers=key)
        self.assertEqual((st, h.get('idempotent-replayed')), (201, 'true'))
        self.assertEqual(again['manage_url'], first['manage_url'])
        self.assertEqual(h.get('location'), '/api/v1/appointments/%d' % first['id'])
        # a different body with the key
        st, _, p = book(S, '2026-12-04T12:00:00-09:00', 'yan@example.com', headers=key)
        self.assertEqual((st, p['code']), (422, 'idempotency_key_reused'))

    def test_overlap_without_key_is_409_and_with_the_same_key_a_replay(self):
        key = {'Idempotency-Key': 'overlap-key-1'}
        st, _, first = book(S, '2026-12-07T11:00:00-09:00', 'zed@example.com', headers=key)
        self.assertEqual(st, 201)
        st, _, p = book(S, '2026-12-07T11:00:00-09:00', 'zed@example.com')
        self.assertEqual((st, p['code']), (409, 'client_overlap'))
        st, _, again = book(S, '2026-12-07T11:00:00-09:00', 'zed@example.com', headers=key)
        self.assertEqual((st, again['id']), (201, first['id']))

    def test_kill_9_inside_the_booking_leaves_no_key_stuck(self):
        s = Server(KNEAD, extra=['--now', NOW]).start()
        try:
            hold = _pg_hold if harness.PG else _sqlite_hold
            wait = hold(s)
            key = {'Idempotency-Key': 'crash-key-1'}
            done = []
            t = threading.Thread(target=lambda: done.append(_try(lambda: book(
                s, '2026-12-07T10:00:00-09:00', 'crash@example.com', headers=key,
                notes='slow'))), daemon=True)
            t.start()
            self.assertTrue(wait('inside'), 'the booking never got inside its transaction')
            s.proc.send_signal(signal.SIGKILL)
            s.proc.wait(timeout=10)
            t.join(timeout=30)
            self.assertTrue(wait('gone'), "the killed server's transaction stayed open")
            start_server(s, NOW)
            st, h, body = book(s, '2026-12-07T10:00:00-09:00', 'crash@example.com', headers=key,
                               notes='slow')
            self.assertEqual(st, 201, body)
            self.assertIn('manage_url', body)
            st, h, again = book(s, '2026-12-07T10:00:00-09:00', 'crash@example.com', headers=key,
                                notes='slow')
            self.assertEqual((st, again['id'], h.get('idempotent-replayed')),
                             (201, body['id'], 'true'))
        finally:
            harness.finish(s)

    def test_keys_expire_after_24_hours_and_are_purged(self):
        s = Server(KNEAD, extra=['--now', NOW]).start()
        try:
            k1, k2 = {'Idempotency-Key': 'day-old-1'}, {'Idempotency-Key': 'day-old-2'}
            self.assertEqual(book(s, '2026-12-08T10:00:00-09:00', 'ex1@example.com',
                                  headers=k1)[0], 201)
            self.assertEqual(book(s, '2026-12-08T10:00:00-09:00', 'ex2@example.com',
                                  headers=k2)[0], 201)
            s.stop()
            start_server(s, '2026-11-25T08:59:00-09:00')  # 23 h 59 min later: still kept
            st, h, _ = book(s, '2026-12-08T10:00:00-09:00', 'ex1@example.com', headers=k1)
            self.assertEqual((st, h.get('idempotent-replayed')), (201, 'true'))
            s.stop()
            start_server(s, '2026-11-25T10:00:00-09:00')  # 25 h later
            # the key is free again: another request with it books afresh
            st, h, fresh = book(s, '2026-12-09T10:00:00-09:00', 'ex1@example.com', headers=k1)
            self.assertEqual(st, 201, fresh)
            self.assertIsNone(h.get('idempotent-replayed'))
            # and the other expired key is gone from the store
            self.assertEqual(one(s, "SELECT count(*) FROM idempotency WHERE key = 'day-old-2'")[0], 0)
            self.assertEqual(one(s, "SELECT count(*) FROM idempotency WHERE key = 'day-old-1'")[0], 1)
        finally:
            harness.finish(s)


def _sqlite_hold(s):
    """A trigger that keeps a booking noted 'slow' busy inside its
    transaction (a cross join that would run for minutes).  Returns
    wait(what): 'inside' polls (20 s bound) until a booking holds the write
    lock; 'gone' drops the trigger once the holder is dead."""
    con = sqlite3.connect(s.db, isolation_level=None)
    con.execute('CREATE TABLE slow_rows (x INTEGER)')
    con.executemany('INSERT INTO slow_rows VALUES (?)', [(i,) for i in range(3000)])
    con.execute("CREATE TRIGGER slow_booking BEFORE INSERT ON appointments"
                " WHEN NEW.notes = 'slow' BEGIN"
                " SELECT count(*) FROM slow_rows a, slow_rows b, slow_rows c; END")
    con.close()

    def wait(what):
        if what == 'gone':  # a killed SQLite writer holds nothing: its lock died with it
            con = sqlite3.connect(s.db, isolation_level=None)
            con.execute('DROP TRIGGER slow_booking')
            con.execute('DROP TABLE slow_rows')
            con.close()
            return True
        probe = sqlite3.connect(s.db, timeout=0, isolation_level=None)
        deadline, held = time.monotonic() + 20, 0
        while held < 5 and time.monotonic() < deadline:
            try:
                probe.execute('BEGIN IMMEDIATE')
                probe.execute('ROLLBACK')
                held = 0
            except sqlite3.OperationalError:
                held += 1
            time.sleep(0.05)
        probe.close()
        return held == 5
    return wait


def _pg_hold(s):
    """The same on PostgreSQL: the trigger sleeps for ten minutes, and the
    database checks its clients' sockets every 100 ms (set before the server
    connects again), so the backend of a killed server ends and rolls back
    instead of finishing the sleep.  'inside' polls until a backend sleeps in
    the trigger; 'gone' until no backend of the database sleeps or sits in a
    transaction (20 s bound each), then drops the trigger."""
    name = s.db.rsplit('/', 1)[1]
    con = sqlite3.connect(s.db)
    con.executescript(
        "CREATE FUNCTION slow_booking() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " IF NEW.notes = 'slow' THEN PERFORM pg_sleep(600); END IF; RETURN NEW; END $$;"
        " CREATE TRIGGER slow_booking BEFORE INSERT ON appointments FOR EACH ROW"
        " EXECUTE FUNCTION slow_booking();"
        " ALTER DATABASE %s SET client_connection_check_interval = '100ms';" % name)
    con.close()
    s.stop()
    start_server(s, NOW)

    def count(con, where):
        return con.execute('SELECT count(*) FROM pg_stat_activity WHERE datname = ?'
                           ' AND pid <> pg_backend_pid() AND (%s)' % where, (name,)).fetchone()[0]

    def wait(what):
        con = sqlite3.connect(s.db)
        con.con.autocommit = True
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if what == 'inside' and count(con, "wait_event = 'PgSleep'") == 1:
                    return True
                if what == 'gone' and count(con, "wait_event = 'PgSleep' OR state LIKE"
                                                 " 'idle in transaction%'") == 0:
                    con.executescript('DROP TRIGGER slow_booking ON appointments;'
                                      ' DROP FUNCTION slow_booking();')
                    return True
                time.sleep(0.05)
            return False
        finally:
            con.close()
    return wait


def _try(fn):
    try:
        return fn()
    except Exception as exc:  # the server is killed mid-request
        return exc


class StatusFollowsTheClock(unittest.TestCase):
    def test_check_in_only_from_the_day_of_the_appointment(self):
        st, _, a = book(S, '2026-11-25T13:00:00-09:00', 'tomorrow@example.com',
                        therapist='maren-holt')
        self.assertEqual(st, 201)
        d = signed_in(DESK, server=S)
        url = '/staff/appointments/%d' % a['id']
        st, _, page = d.get(url)
        self.assertNotIn('name="status" value="checked_in"', page)
        self.assertIn('Check in: from', text(page))
        st, _, page = d.post(url + '/status', {'status': 'checked_in'})
        self.assertEqual(st, 409)
        self.assertIn('from the day of the appointment', text(page))
        self.assertEqual(status_of(S, a['id']), 'booked')

    def test_the_day_of_the_session(self):
        """Booked at 09:00 for 12:30; at 13:00 checked in, completed, the
        completion undone with a reason; the next day no undo; a note is
        signed only after the start."""
        s = Server(KNEAD, extra=['--now', NOW]).start()
        try:
            st, _, a = book(s, '2026-11-24T12:30:00-09:00', 'today@example.com',
                            therapist='maren-holt', name='Tia Today')
            self.assertEqual(st, 201)
            aid, url = a['id'], '/staff/appointments/%d' % a['id']
            d = signed_in(DESK, server=s)
            # 09:00: check-in is open (the appointment's day), completing is not
            self.assertEqual(d.post(url + '/status', {'status': 'checked_in'})[0], 303)
            st, _, page = d.post(url + '/status', {'status': 'completed'})
            self.assertEqual(st, 409)
            self.assertIn('only once it has started', text(page))
            # the therapist may write but not sign before the start
            m = signed_in(MAREN, server=s)
            note = {'subjective': 'Neck ache.', 'objective': 'Tight traps.',
                    'assessment': 'Muscular.', 'plan': 'Two more sessions.', 'pressure': 'firm'}
            st, _, page = m.get(url + '/note')
            self.assertIn('id="sign-later"', page)
            self.assertNotIn('value="sign"', page)
            st, _, page = m.post(url + '/note', dict(note, action='sign'))
            self.assertEqual(st, 409)
            self.assertIn('signed only once the session has started', text(page))
            self.assertEqual(one(s, 'SELECT count(*) FROM treatment_notes WHERE signed_at > 0')[0], 0)
            self.assertEqual(m.post(url + '/note', dict(note, action='save'))[0], 303)
            # the desk takes the check-in back the same day, with a reason
            st, _, page = d.post(url + '/undo', {'reason': ''})
            self.assertEqual(st, 422)
            self.assertEqual(d.post(url + '/undo', {'reason': 'checked in the wrong Tia'})[0], 303)
            self.assertEqual(status_of(s, aid), 'booked')
            st, _, page = d.post(url + '/undo', {'reason': 'again'})
            self.assertEqual(st, 409)
            self.assertEqual(d.post(url + '/status', {'status': 'checked_in'})[0], 303)

            s.stop()
            start_server(s, '2026-11-24T13:00:00-09:00')
            d = signed_in(DESK, server=s)
            m = signed_in(MAREN, server=s)
            self.assertEqual(m.post(url + '/note', dict(note, action='sign'))[0], 303)
            self.assertEqual(d.post(url + '/status', {'status': 'completed'})[0], 303)
            st, _, page = d.get(url)
            self.assertIn('Undo “Completed”', page)
            self.assertEqual(d.post(url + '/undo', {'reason': 'massage not finished'})[0], 303)
            self.assertEqual(status_of(s, aid), 'checked_in')
            self.assertEqual(d.post(url + '/status', {'status': 'completed'})[0], 303)
            st, _, page = d.get(url)
            t = text(page)
            self.assertIn('Undone: Completed → Checked in', t)
            self.assertIn('massage not finished', t)
            self.assertIn(DESK[0], t)
            rows = one(s, "SELECT group_concat(kind || ':' || from_status || '>' || to_status, ',')"
                          " FROM appointment_events WHERE appointment_id = ?", aid)[0]
            self.assertEqual(rows, 'status:booked>checked_in,undo:checked_in>booked,'
                                   'status:booked>checked_in,status:checked_in>completed,'
                                   'undo:completed>checked_in,status:checked_in>completed')
            # a no-show once the start has passed
            st, _, b = book(s, '2026-11-24T16:00:00-09:00', 'later@example.com')
            self.assertEqual(st, 201)
            burl = '/staff/appointments/%d' % b['id']
            self.assertEqual(d.post(burl + '/status', {'status': 'no_show'})[0], 409)

            s.stop()
            start_server(s, '2026-11-25T09:00:00-09:00')  # the next day
            d = signed_in(DESK, server=s)
            st, _, page = d.post(url + '/undo', {'reason': 'too late'})
            self.assertEqual(st, 409)
            self.assertIn('only on the day it was made', text(page))
            self.assertEqual(status_of(s, aid), 'completed')
            self.assertEqual(d.post(burl + '/status', {'status': 'no_show', 'confirm': 'yes'})[0],
                             303)
        finally:
            harness.finish(s)


if __name__ == '__main__':
    run_suite(globals())
