"""Identity and health data against the real server (clock pinned to Tuesday
2026-11-24 09:00 in Anchorage): knowing a client's name and e-mail is not
proof of being that client.

- A manage link opens only its own appointment and what was entered
  through it: a booking made in an existing client's name (the link shown
  at once on the confirmation page) reads nothing of the client's earlier
  health form or insurance check, cannot confirm or correct them, and never
  changes the stored phone; the front desk sees the phone the booking gave
  and may take it.  Insurance details are never on a page reached by a link
  alone; a client who proved the address (the portal's e-mailed link) sees
  everything.  The audit log says how each actor was identified.
- A therapist reads a client's health form and notes only inside a treating
  relationship: booking the client (even through the public form) gains
  nothing, the attempt is refused and audited; a check-in opens them.
- The record cannot be erased: SQL refuses DELETE of a signed note and of
  addenda; ids of clients and notes are never reused; `knead demo --force`
  refuses a database that holds signed notes.

usage: test_identity.py PATH/TO/knead"""
import datetime
import json
import os
import re
import sqlite3
import subprocess
import sys
import unittest
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, signed_in, text  # noqa: E402
from mailcatch import Smtpd  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
NOW_TS = int(datetime.datetime.fromisoformat(NOW).timestamp())
PUBLIC = 'http://clinic.test'
DESK = 'desk@chugachbodywork.example'
ADMIN = 'admin@chugachbodywork.example'
MAREN = 'maren@chugachbodywork.example'
TOMAS = 'tomas@chugachbodywork.example'
S = None
SMTP = None

FORM = {
    'email': 'vera@example.com', 'phone': '907-555-0111', 'birth_date': '1979-03-04',
    'emergency_name': 'Victor Victim', 'emergency_phone': '907-555-0112',
    'reason': 'Vera sciatica since March', 'areas': ['lower_back'], 'pain': '7',
    'onset': 'sudden_lifting', 'onset_other': '', 'worse': 'Stairs', 'better': 'Heat',
    'treatments': ['rest'], 'conditions': ['blood_thinners'], 'conditions_other': '',
    'medications': 'Veramil 40 mg', 'pressure': 'medium', 'consent_name': 'Vera Victim',
}


def setUpModule():
    global S, SMTP
    SMTP = Smtpd().start()
    S = Server(KNEAD)
    path = os.path.join(S.dir, 'identity.ini')
    with open(path, 'w') as f:
        f.write('[server]\npublic_url = %s\n[smtp]\nhost = 127.0.0.1\nport = %d\n'
                'retry_min_seconds = 1\nretry_max_seconds = 2\n' % (PUBLIC, SMTP.port))
    S.extra = ['--now', NOW, '--config', path]
    S.start()


def tearDownModule():
    try:
        harness.finish(S)
    finally:
        SMTP.stop()


def db(sql, *args):
    con = sqlite3.connect(S.db)
    try:
        rows = con.execute(sql, args).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def one(sql, *args):
    rows = db(sql, *args)
    return rows[0][0] if rows else None


USED = set()


def free_start(therapist):
    """A start the therapist has free from Wednesday on, not handed out before."""
    st, _, data = S.request('GET', '/api/v1/availability?service=deep-tissue-60&date=2026-11-25'
                                   '&days=14&therapist=%s' % therapist)
    assert st == 200, data
    for d in json.loads(data)['days']:
        for s in d['slots']:
            if (therapist, s['start']) not in USED:
                USED.add((therapist, s['start']))
                return s['start']
    raise AssertionError('no free time for ' + therapist)


def book_api(name, email, phone, therapist='lena-kusugak'):
    """Books through the JSON API; returns the 201 body."""
    body = json.dumps({'service': 'deep-tissue-60', 'therapist': therapist,
                       'start': free_start(therapist),
                       'client': {'name': name, 'email': email, 'phone': phone}})
    st, _, data = S.request('POST', '/api/v1/appointments', body.encode(),
                            {'Content-Type': 'application/json'})
    assert st == 201, (st, data)
    return json.loads(data)


def book_form(name, email, phone, therapist='lena-kusugak'):
    """Books through the public /book form, as a visitor would; returns the
    manage path of the confirmation page it lands on."""
    b = Browser()
    start = free_start(therapist)
    st, _, page = b.get('/book?service=deep-tissue-60&therapist=%s&start=%s'
                        % (therapist, start.replace('+', '%2B')))
    assert st == 200, (st, page[:300])
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    form.update({'name': name, 'email': email, 'phone': phone, 'note': ''})
    st, h, _ = b.post('/book', form)
    assert st == 303, st
    m = re.match(r'(/a/[A-Za-z0-9_-]{22})\?booked=1$', h['location'])
    assert m, h['location']
    return m.group(1), b


def visitor(path):
    """A browser that opened a manage page (so it holds the CSRF cookie)."""
    b = Browser()
    st, _, _ = b.get(path)
    assert st == 200, st
    return b


def sign_in(email):
    """A Browser signed in to the portal with the link mailed to email."""
    return harness.link_signed_in(S, SMTP, email, PUBLIC)


class ManageLinkScope(unittest.TestCase):
    """Vera books and enters her health form and insurance through her own
    link; then someone who knows her name and address books in her name."""

    @classmethod
    def setUpClass(cls):
        harness.clear_failures(S)
        ap = book_api('Vera Victim', 'vera@example.com', '907-555-0111')
        cls.vera_id, cls.vera_path = ap['id'], urlsplit(ap['manage_url']).path
        cls.cid = one('SELECT client_id FROM appointments WHERE id = ?', cls.vera_id)
        b = visitor(cls.vera_path)
        st, _, _ = b.post(cls.vera_path + '/intake', FORM)
        assert st == 303, st
        st, _, _ = b.post(cls.vera_path + '/insurance', {
            'carrier': 'Moda Health Plan', 'member_id': 'VIC-9911', 'group_number': 'G-12',
            'holder_name': 'Vera Victim', 'relation': 'self'})
        assert st == 303, st
        cls.intake_id = one('SELECT id FROM intakes WHERE client_id = ?', cls.cid)
        cls.check_id = one('SELECT id FROM insurance_checks WHERE client_id = ?', cls.cid)
        # the attacker: the public form, her name, her address in other case, another phone
        cls.evil_path, cls.evil = book_form('Vera Victim', 'VERA@example.com', '907-555-0999')
        cls.evil_id = one('SELECT id FROM appointments ORDER BY id DESC LIMIT 1')

    def test_booking_in_a_known_name_attaches_for_the_desk_only(self):
        # the desk sees one client with both bookings ...
        self.assertEqual(one('SELECT client_id FROM appointments WHERE id = ?', self.evil_id),
                         self.cid)
        # ... but the stored phone is not rewritten by an unproven booking
        self.assertEqual(one('SELECT phone FROM clients WHERE id = ?', self.cid), '907-555-0111')
        self.assertEqual(one('SELECT contact_phone FROM appointments WHERE id = ?', self.evil_id),
                         '907-555-0999')

    def test_the_confirmation_page_link_opens_nothing_earlier(self):
        before = one('SELECT max(id) FROM audit_log')
        st, _, page = self.evil.get(self.evil_path + '?booked=1')
        self.assertEqual(st, 200)
        t = text(page)
        self.assertIn('re booked', t)
        for secret in ('Your health form is on file', 'Vera sciatica', 'Veramil', 'Moda Health',
                       'VIC-9911', 'We are checking your insurance benefits', '907-555-0111'):
            self.assertNotIn(secret, t)
        self.assertIn('Fill in your health form', t)
        self.assertIn('Sign in with your e-mail address', t)
        st, _, page = self.evil.get(self.evil_path + '/intake')
        self.assertEqual(st, 200)
        for secret in ('Vera sciatica', 'Veramil', '1979-03-04', 'Victor Victim', '907-555-0111',
                       '907-555-0112'):
            self.assertNotIn(secret, page)
        self.assertIn('value="907-555-0999"', page)  # what this booking gave
        st, _, page = self.evil.get(self.evil_path + '/insurance')
        self.assertEqual(st, 200)
        for secret in ('Moda Health', 'VIC-9911', 'G-12', 'already checking'):
            self.assertNotIn(secret, page)
        # nothing of Vera's earlier records was read through that link
        self.assertEqual(one("SELECT count(*) FROM audit_log WHERE id > ? AND action = 'read'"
                             " AND ((record = 'intake' AND record_id = ?)"
                             " OR (record = 'insurance' AND record_id = ?))",
                             before, self.intake_id, self.check_id), 0)

    def test_the_link_cannot_confirm_or_correct_earlier_records(self):
        b = visitor(self.evil_path)
        st, h, _ = b.post(self.evil_path + '/intake/confirm', {})
        self.assertEqual((st, h['location']), (303, self.evil_path + '/intake'))
        self.assertEqual(one('SELECT confirmed_at FROM intakes WHERE client_id = ?', self.cid), 0)
        st, _, _ = b.post(self.evil_path + '/insurance', {
            'carrier': 'Evil Mutual', 'member_id': 'EVIL-1', 'group_number': '',
            'holder_name': 'Vera Victim', 'relation': 'self'})
        self.assertEqual(st, 303)
        # Vera's pending check is untouched; the new request is a check of its own
        self.assertEqual(db('SELECT carrier, member_id, status FROM insurance_checks WHERE id = ?',
                            self.check_id), [('Moda Health Plan', 'VIC-9911', 'pending')])
        self.assertEqual(one('SELECT appointment_id FROM insurance_checks WHERE carrier = ?',
                             'Evil Mutual'), self.evil_id)

    def test_the_api_bearer_token_shows_the_bookings_own_phone(self):
        token = self.evil_path.rsplit('/', 1)[1]
        st, _, data = S.request('GET', '/api/v1/appointments/%d' % self.evil_id,
                                headers={'Authorization': 'Bearer ' + token})
        self.assertEqual(st, 200)
        self.assertEqual(json.loads(data)['client']['phone'], '907-555-0999')
        self.assertNotIn(b'907-555-0111', data)
        # and Vera's own booking still answers with the phone she gave
        token = self.vera_path.rsplit('/', 1)[1]
        st, _, data = S.request('GET', '/api/v1/appointments/%d' % self.vera_id,
                                headers={'Authorization': 'Bearer ' + token})
        self.assertEqual(st, 200)
        self.assertEqual(json.loads(data)['client']['phone'], '907-555-0111')

    def test_own_link_shows_own_entries_but_no_insurance_details(self):
        b = visitor(self.vera_path)
        st, _, page = b.get(self.vera_path)
        t = text(page)
        self.assertIn('Your health form is on file', t)
        self.assertIn('We are checking your insurance benefits (asked', t)
        for detail in ('Moda Health', 'VIC-9911', 'G-12'):
            self.assertNotIn(detail, t)
        st, _, page = b.get(self.vera_path + '/insurance')
        self.assertIn('We are already checking your benefits', page)
        for detail in ('Moda Health', 'VIC-9911', 'G-12'):
            self.assertNotIn(detail, page)
        st, _, page = b.get(self.vera_path + '/intake')
        self.assertIn('Vera sciatica', page)  # entered through this very link

    def test_desk_sees_the_different_phone_and_may_take_it(self):
        desk = signed_in(DESK, server=S)
        st, _, page = desk.get('/staff/appointments/%d' % self.evil_id)
        self.assertEqual(st, 200)
        self.assertIn('The booking gave a different phone: 907-555-0999', text(page))
        # the desk also sees which booking's link sent the health form on file
        self.assertIn('Sent through the private link of booking #%d' % self.vera_id, text(page))
        _, _, page = desk.get('/staff/appointments/%d' % self.vera_id)
        self.assertNotIn('The booking gave a different phone', page)
        # Vera's own phone stays until the desk decides; taking it is one button
        st, h, _ = desk.post('/staff/clients/%d' % self.cid, {
            'name': 'Vera Victim', 'email': 'vera@example.com', 'phone': '907-555-0999'})
        self.assertEqual(st, 303)
        try:
            self.assertEqual(one('SELECT phone FROM clients WHERE id = ?', self.cid),
                             '907-555-0999')
            _, _, page = desk.get('/staff/appointments/%d' % self.evil_id)
            self.assertNotIn('The booking gave a different phone', page)
        finally:
            db('UPDATE clients SET phone = ? WHERE id = ?', '907-555-0111', self.cid)

    def test_a_proven_address_opens_the_whole_record(self):
        vera = sign_in('vera@example.com')
        st, _, page = vera.get('/portal')
        self.assertEqual(st, 200)
        self.assertIn('Moda Health Plan', page)
        # with her session, even the attacker's link shows her own records: she proved them
        st, _, page = vera.get(self.evil_path)
        self.assertIn('Your health form is on file', text(page))
        self.assertIn('Moda Health Plan', page)
        self.assertEqual(one("SELECT via FROM audit_log WHERE record = 'insurance'"
                             " AND record_id = ? ORDER BY id DESC LIMIT 1", self.check_id),
                         'proven_email')
        # the attacker's browser, without her session, still sees nothing
        _, _, page = self.evil.get(self.evil_path)
        self.assertNotIn('Moda Health', page)

    def test_audit_says_how_each_actor_was_identified(self):
        visitor(self.vera_path)
        self.assertEqual(one("SELECT via FROM audit_log WHERE record = 'intake' AND record_id = ?"
                             " AND user_id = 0 ORDER BY id DESC LIMIT 1", self.intake_id),
                         'manage_link')
        desk = signed_in(DESK, server=S)
        desk.get('/staff/appointments/%d' % self.vera_id)
        self.assertEqual(one("SELECT via, role FROM audit_log WHERE record = 'intake'"
                             ' ORDER BY id DESC LIMIT 1'), 'staff')
        admin = signed_in(ADMIN, server=S)
        st, _, page = admin.get('/admin/audit?client=%d' % self.cid)
        self.assertEqual(st, 200)
        self.assertIn('<th scope="col">Identified by</th>', page)
        self.assertIn('<td>manage link</td>', page)
        self.assertIn('<td>staff account</td>', page)


class TreatingRelationship(unittest.TestCase):
    """Sam was treated by Tomas, who signed a note; Maren books Sam's name."""

    @classmethod
    def setUpClass(cls):
        harness.clear_failures(S)
        ap = book_api('Sam Stranger', 'sam@example.com', '907-555-0200', 'tomas-reyes')
        cls.sam_appt, cls.sam_path = ap['id'], urlsplit(ap['manage_url']).path
        cls.cid = one('SELECT client_id FROM appointments WHERE id = ?', cls.sam_appt)
        b = visitor(cls.sam_path)
        st, _, _ = b.post(cls.sam_path + '/intake', dict(
            FORM, email='sam@example.com', consent_name='Sam Stranger',
            reason='Sam private shoulder story'))
        assert st == 303, st
        tomas = one('SELECT id FROM users WHERE email = ?', TOMAS)
        db("UPDATE appointments SET status = 'completed' WHERE id = ?", cls.sam_appt)
        db('INSERT INTO treatment_notes (appointment_id, subjective, objective, assessment, plan,'
           ' author_id, created_at, updated_at, signed_by, signed_by_id, signed_at)'
           " VALUES (?, 'Sam secret SOAP', 'o', 'a', 'p', ?, ?, ?, 'Tomas Reyes', ?, ?)",
           cls.sam_appt, tomas, NOW_TS, NOW_TS, tomas, NOW_TS)
        cls.note_id = one('SELECT id FROM treatment_notes WHERE appointment_id = ?', cls.sam_appt)
        # Maren books the stranger's name through the public API, with herself
        ap = book_api('Sam Stranger', 'sam@example.com', '907-555-0666', 'maren-holt')
        cls.maren_appt = ap['id']
        cls.maren_uid = one('SELECT id FROM users WHERE email = ?', MAREN)

    def test_booking_a_stranger_gains_the_therapist_nothing(self):
        maren = signed_in(MAREN, server=S)
        before = one('SELECT max(id) FROM audit_log')
        st, _, page = maren.get('/staff/appointments/%d' % self.maren_appt)
        self.assertEqual(st, 200)  # her own appointment: time and name
        self.assertNotIn('Sam private shoulder story', page)
        self.assertIn('The health form shows once the front desk has checked the client in', page)
        self.assertNotIn('/note"', page)
        for url in ('/staff/appointments/%d/note' % self.maren_appt,
                    '/staff/appointments/%d/note' % self.sam_appt):
            st, _, page = maren.get(url)
            self.assertIn(st, (403, 404), url)
            self.assertNotIn('Sam secret SOAP', page)
            self.assertNotIn('Sam private shoulder story', page)
        # no read was written for her; the refused attempts were
        self.assertEqual(one("SELECT count(*) FROM audit_log WHERE id > ? AND user_id = ?"
                             " AND action = 'read'", before, self.maren_uid), 0)
        self.assertEqual(one("SELECT count(*) FROM audit_log WHERE id > ? AND user_id = ?"
                             " AND action = 'refused' AND record = 'note' AND client_id = ?"
                             " AND via = 'staff'", before, self.maren_uid, self.cid), 2)
        admin = signed_in(ADMIN, server=S)
        _, _, page = admin.get('/admin/audit?record=note&client=%d' % self.cid)
        self.assertIn('<strong>refused</strong>', page)
        self.assertIn(MAREN, page)

    def test_a_check_in_opens_the_record(self):
        maren = signed_in(MAREN, server=S)
        # (the desk's check-in button and its day rule are test_desk's; here the row)
        db("UPDATE appointments SET status = 'checked_in' WHERE id = ?", self.maren_appt)
        try:
            st, _, page = maren.get('/staff/appointments/%d' % self.maren_appt)
            self.assertIn('Sam private shoulder story', page)
            st, _, page = maren.get('/staff/appointments/%d/note' % self.sam_appt)
            self.assertEqual(st, 200)
            self.assertIn('Sam secret SOAP', page)
            self.assertEqual(one("SELECT via FROM audit_log WHERE record = 'note'"
                                 " AND record_id = ? AND user_id = ? ORDER BY id DESC LIMIT 1",
                                 self.note_id, self.maren_uid), 'staff')
        finally:
            db("UPDATE appointments SET status = 'booked' WHERE id = ?", self.maren_appt)


class RecordKept(unittest.TestCase):
    def setUp(self):
        harness.clear_failures(S)

    def signed_note(self):
        ap = book_api('Kim Kept', 'kim@example.com', '907-555-0300', 'dev-okafor')
        dev = one("SELECT id FROM users WHERE email = 'dev@chugachbodywork.example'")
        db("UPDATE appointments SET status = 'completed' WHERE id = ?", ap['id'])
        db('INSERT INTO treatment_notes (appointment_id, subjective, author_id, created_at,'
           " updated_at, signed_by, signed_by_id, signed_at) VALUES (?, 'kept', ?, ?, ?,"
           " 'Dev Okafor', ?, ?)", ap['id'], dev, NOW_TS, NOW_TS, dev, NOW_TS)
        nid = one('SELECT id FROM treatment_notes WHERE appointment_id = ?', ap['id'])
        db("INSERT INTO note_addenda (note_id, body, author, author_id, created_at)"
           " VALUES (?, 'later', 'Dev Okafor', ?, ?)", nid, dev, NOW_TS)
        return ap['id'], nid

    def test_sql_refuses_to_delete_a_signed_note_or_an_addendum(self):
        aid, nid = self.signed_note()
        con = sqlite3.connect(S.db)
        try:
            with self.assertRaisesRegex(sqlite3.DatabaseError, 'signed note cannot be deleted'):
                con.execute('DELETE FROM treatment_notes WHERE id = ?', (nid,))
            with self.assertRaisesRegex(sqlite3.DatabaseError, 'signed note cannot be changed'):
                con.execute("UPDATE treatment_notes SET subjective = 'x' WHERE id = ?", (nid,))
            with self.assertRaisesRegex(sqlite3.DatabaseError, 'addendum cannot be deleted'):
                con.execute('DELETE FROM note_addenda WHERE note_id = ?', (nid,))
            with self.assertRaisesRegex(sqlite3.DatabaseError, 'addendum cannot be changed'):
                con.execute("UPDATE note_addenda SET body = 'x' WHERE note_id = ?", (nid,))
            con.rollback()
        finally:
            con.close()
        self.assertEqual(db('SELECT subjective FROM treatment_notes WHERE id = ?', nid), [('kept',)])
        self.assertEqual(one('SELECT count(*) FROM note_addenda WHERE note_id = ?', nid), 1)

    def test_ids_are_never_reused(self):
        if not harness.PG:  # SQLite reuses a deleted rowid unless AUTOINCREMENT says not to
            for table in ('clients', 'treatment_notes', 'note_addenda', 'audit_log'):
                sql = one("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table)
                self.assertIn('AUTOINCREMENT', sql, table)
        # the newest client goes (as a merge removes one): the next is numbered above it
        db("INSERT INTO clients (name, email, phone, created_at) VALUES ('Gone', 'gone@example.com',"
           " '', ?)", NOW_TS)
        gone = one("SELECT id FROM clients WHERE email = 'gone@example.com'")
        db('DELETE FROM clients WHERE id = ?', gone)
        ap = book_api('Nia New', 'nia@example.com', '907-555-0400')
        self.assertGreater(one('SELECT client_id FROM appointments WHERE id = ?', ap['id']), gone)
        # a draft note that goes: the next note is numbered above it
        aid = ap['id']
        db("UPDATE appointments SET status = 'checked_in' WHERE id = ?", aid)
        db("INSERT INTO treatment_notes (appointment_id, author_id, created_at, updated_at)"
           ' VALUES (?, 1, ?, ?)', aid, NOW_TS, NOW_TS)
        draft = one('SELECT id FROM treatment_notes WHERE appointment_id = ?', aid)
        db('DELETE FROM treatment_notes WHERE id = ?', draft)
        lena = signed_in(('lena@chugachbodywork.example', 'demo-therapist-pass'), server=S)
        st, _, _ = lena.post('/staff/appointments/%d/note' % aid,
                             {'action': 'save', 'subjective': 'Fresh draft'})
        self.assertEqual(st, 303)
        self.assertGreater(one('SELECT id FROM treatment_notes WHERE appointment_id = ?', aid),
                           draft)

    def test_demo_force_refuses_a_database_with_signed_notes(self):
        self.signed_note()
        if harness.PG:  # no file to copy: the refusal keeps the suite's own database as it is
            copy = S.db
        else:
            copy = os.path.join(S.dir, 'kept.db')
            src, dst = sqlite3.connect(S.db), sqlite3.connect(copy)
            try:
                src.backup(dst)
            finally:
                src.close()
                dst.close()
        signed = sqlite3.connect(copy).execute(
            'SELECT count(*) FROM treatment_notes WHERE signed_at IS NOT NULL').fetchone()[0]
        p = subprocess.run([KNEAD, 'demo', '--force', '--db', copy], capture_output=True,
                           text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('signed treatment notes', p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        con = sqlite3.connect(copy)
        try:
            self.assertEqual(con.execute('SELECT count(*) FROM treatment_notes'
                                         ' WHERE signed_at IS NOT NULL').fetchone()[0], signed)
        finally:
            con.close()
        if not harness.PG:
            os.remove(copy)


if __name__ == '__main__':
    run_suite(globals())
