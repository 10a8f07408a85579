"""Treatment notes (SOAP) and recommendations against the real server
(clock pinned to Tuesday 2026-11-24 09:00 in Anchorage): a note waits for
check-in, drafts are saved and edited, signing needs the four parts and
then locks the note (in SQL too), later words are addenda with author and
time, a refused form names each wrong field and stores nothing, who may
read or write (anonymous, the client's manage link, another therapist, a
therapist who treated the client, the treating therapist, the front desk,
the admin), the client's view of the recommendations with a next-visit
link to the rebook page, and the audit log of every read and write.

usage: test_notes.py PATH/TO/knead"""
import json
import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, signed_in, text  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None
DESK = 'desk@chugachbodywork.example'
ADMIN = 'admin@chugachbodywork.example'
MAREN = 'maren@chugachbodywork.example'
TOMAS = 'tomas@chugachbodywork.example'
NOW = 1795543200  # 2026-11-24T09:00:00-09:00


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', '2026-11-24T09:00:00-09:00']).start()


def tearDownModule():
    harness.finish(S)


def db():
    return sqlite3.connect(S.db)


def one(sql, *args):
    con = db()
    try:
        return con.execute(sql, args).fetchone()
    finally:
        con.close()


_BACK = [0]  # how many bookings were put back: each goes two hours further


def book(email, checked_in=True):
    """Books Maren online at her first free time from tomorrow on; returns
    (appointment id, manage path, client id).  checked_in: the client is
    checked in (straight in the table: the desk's buttons are test_desk's)."""
    st, _, data = S.request('GET', '/api/v1/availability?service=deep-tissue-60&date=2026-11-25'
                                   '&days=7&therapist=maren-holt')
    assert st == 200, data
    starts = [s['start'] for d in json.loads(data)['days'] for s in d['slots']]
    assert starts, data
    body = json.dumps({'service': 'deep-tissue-60', 'therapist': 'maren-holt', 'start': starts[0],
                       'client': {'name': 'Nora Note', 'email': email, 'phone': '907-555-0100'}})
    st, _, data = S.request('POST', '/api/v1/appointments', body.encode(),
                            {'Content-Type': 'application/json'})
    assert st == 201, (st, data)
    appt = json.loads(data)
    aid = appt['id']
    if checked_in:
        # checked in, and the session has begun (a note is signed only after
        # the start): the appointment is put a week back, before the clock,
        # and two hours before the last one put back (each booking takes the
        # same first free time; PostgreSQL refuses two at one time for Maren)
        con = db()
        try:
            con.execute("UPDATE appointments SET status = 'checked_in', start_at = start_at - ?1,"
                        " end_at = end_at - ?1, busy_until = busy_until - ?1 WHERE id = ?2",
                        (8 * 86400 + _BACK[0] * 7200, aid))
            _BACK[0] += 1
            con.commit()
        finally:
            con.close()
    return aid, appt['manage_url'], one('SELECT client_id FROM appointments WHERE id = ?', aid)[0]


def audit(action, record_id, role=None):
    sql = "SELECT count(*) FROM audit_log WHERE record = 'note' AND action = ? AND record_id = ?"
    args = [action, record_id]
    if role:
        sql += ' AND role = ?'
        args.append(role)
    return one(sql, *args)[0]


FULL = {'subjective': 'Low back ache after long drives, 6/10.',
        'objective': 'Hypertonic right QL and erector spinae; trigger point in right glute med.',
        'assessment': 'Muscular low back pain, improving.',
        'plan': 'Weekly sessions for three weeks; home stretches.',
        'areas': ['lower_back', 'hips'], 'techniques': ['myofascial', 'trigger_point'],
        'pressure': 'firm', 'rest': '1', 'heat_cold': '1',
        'stretches': ['knee_to_chest', 'seated_piriformis'],
        'home_care': 'Walk 20 minutes a day.', 'providers': ['physical_therapy'],
        'provider_reason': 'Core strengthening for the lumbar spine.', 'next_weeks': '3'}


def note_url(aid):
    return '/staff/appointments/%d/note' % aid


class Writing(unittest.TestCase):
    def setUp(self):
        harness.clear_failures(S)
        self.maren = signed_in(MAREN, server=S)

    def test_waits_for_check_in(self):
        # a booked appointment is no treating relationship yet: the page is
        # not there for the therapist (404, as for any other client's) and
        # nothing can be written
        aid, _, _ = book('waits@example.com', checked_in=False)
        st, _, page = self.maren.get(note_url(aid))
        self.assertEqual(st, 404)
        self.assertNotIn('Save draft', page)
        st, _, _ = self.maren.post(note_url(aid), dict(FULL, action='save'))
        self.assertEqual(st, 404)
        self.assertEqual(one('SELECT count(*) FROM treatment_notes WHERE appointment_id = ?', aid)[0], 0)
        # with an earlier session she treated, the page is hers and waits for the check-in
        con = sqlite3.connect(S.db)
        try:
            con.execute("UPDATE appointments SET status = 'completed' WHERE id = ?", (aid,))
            con.commit()
        finally:
            con.close()
        later, _, _ = book('waits@example.com', checked_in=False)
        st, _, page = self.maren.get(note_url(later))
        self.assertEqual(st, 200)
        self.assertIn('A note can be written once the client has checked in.', text(page))
        self.assertNotIn('Save draft', page)
        st, _, _ = self.maren.post(note_url(later), dict(FULL, action='save'))
        self.assertEqual(st, 409)
        self.assertEqual(one('SELECT count(*) FROM treatment_notes WHERE appointment_id = ?', later)[0], 0)

    def test_draft_sign_lock_and_addenda(self):
        aid, _, cid = book('draft@example.com')
        st, _, page = self.maren.get(note_url(aid))
        self.assertEqual(st, 200)
        self.assertIn('Save draft', page)
        self.assertIn('<legend>Areas treated</legend>', page)
        # a draft, partly written
        st, h, _ = self.maren.post(note_url(aid), {'action': 'save', 'subjective': 'Sore back.',
                                                   'areas': 'lower_back', 'pressure': 'medium'})
        self.assertEqual(st, 303)
        self.assertEqual(h['location'], note_url(aid) + '?saved=1')
        nid, subj, areas, signed = one('SELECT id, subjective, areas, signed_at FROM treatment_notes'
                                       ' WHERE appointment_id = ?', aid)
        self.assertEqual((subj, areas, signed), ('Sore back.', 'lower_back', None))
        self.assertEqual(audit('create', nid), 1)
        st, _, page = self.maren.get(note_url(aid) + '?saved=1')
        self.assertIn('The draft was saved.', text(page))
        self.assertIn('>Sore back.</textarea>', page)
        self.assertRegex(page, r'id="area-lower_back" name="areas" type="checkbox" value="lower_back" checked')
        self.assertRegex(page, r'id="pressure-medium" name="pressure" type="radio" value="medium" checked')
        self.assertNotRegex(page, r'id="pressure-none"[^>]*checked')
        self.assertEqual(audit('read', nid, 'therapist'), 1)
        self.assertEqual(one('SELECT client_id FROM audit_log WHERE record = ? AND record_id = ?'
                             ' ORDER BY id DESC LIMIT 1', 'note', nid)[0], cid)
        # signing needs the four parts; refused, nothing changes
        st, _, page = self.maren.post(note_url(aid), dict(FULL, action='sign', plan='  ',
                                                          providers=['physician'], provider_reason=''))
        self.assertEqual(st, 422)
        t = text(page)
        self.assertIn('The note was not signed and nothing was saved', t)
        self.assertIn('Write the plan before signing.', t)
        self.assertIn('Say why you recommend another provider', t)
        self.assertRegex(page, r'id="plan"[^>]*aria-invalid="true" aria-describedby="plan-error"')
        self.assertIn('Hypertonic right QL', page)   # what was typed stays
        self.assertEqual(one('SELECT subjective, signed_at FROM treatment_notes WHERE id = ?', nid),
                         ('Sore back.', None))
        self.assertEqual(audit('update', nid) + audit('sign', nid), 0)
        recs = "SELECT count(*) FROM outbox WHERE kind = 'recommendations' AND recipient = ?"
        self.assertEqual(one(recs, 'draft@example.com')[0], 0)  # a draft tells nobody
        # sign
        st, h, _ = self.maren.post(note_url(aid), dict(FULL, action='sign'))
        self.assertEqual(st, 303)
        row = one('SELECT signed_by, signed_at, plan, stretches, next_weeks FROM treatment_notes'
                  ' WHERE id = ?', nid)
        self.assertEqual(row, ('Maren Holt', NOW, FULL['plan'], 'knee_to_chest,seated_piriformis', 3))
        self.assertEqual((audit('update', nid), audit('sign', nid)), (1, 1))
        # signing tells the client, once, where to read the recommendations
        self.assertEqual(one(recs, 'draft@example.com')[0], 1)
        body = one("SELECT body_text FROM outbox WHERE kind = 'recommendations'"
                   " AND recipient = ?", 'draft@example.com')[0]
        self.assertIn('/account', body)
        self.assertNotIn(FULL['plan'], body)
        st, _, page = self.maren.get(h['location'])
        t = text(page)
        self.assertIn('Signed by Maren Holt on Tuesday, November 24, 2026, 9:00 AM.', t)
        self.assertNotIn('Save draft', page)
        self.assertIn('Lower back, Hips and glutes', t)
        self.assertIn('Myofascial release, Trigger point therapy', t)
        # a signed note never changes: not through the page ...
        st, _, page = self.maren.post(note_url(aid), dict(FULL, action='save', plan='Changed.'))
        self.assertEqual(st, 409)
        self.assertIn('can no longer change; add an addendum', text(page))
        self.assertEqual(one('SELECT plan FROM treatment_notes WHERE id = ?', nid)[0], FULL['plan'])
        # ... nor through SQL
        con = db()
        try:
            with self.assertRaisesRegex(sqlite3.DatabaseError, 'a signed note cannot be changed'):
                con.execute("UPDATE treatment_notes SET plan = 'x' WHERE id = ?", (nid,))
            con.rollback()
        finally:
            con.close()
        # addenda: refused when empty, then listed with author and time
        st, _, page = self.maren.post(note_url(aid) + '/addenda', {'addendum': ' '})
        self.assertEqual(st, 422)
        self.assertIn('Enter the addendum.', text(page))
        self.assertEqual(one('SELECT count(*) FROM note_addenda WHERE note_id = ?', nid)[0], 0)
        st, h, _ = self.maren.post(note_url(aid) + '/addenda',
                                   {'addendum': 'Client called: pain down to 3/10.'})
        self.assertEqual(st, 303)
        st, _, page = self.maren.get(h['location'])
        t = text(page)
        self.assertIn('Client called: pain down to 3/10. Maren Holt, Tuesday, November 24, 2026, 9:00 AM', t)
        self.assertIn('The addendum was added.', t)
        self.assertEqual(audit('addendum', nid), 1)
        self.assertEqual(one('SELECT plan FROM treatment_notes WHERE id = ?', nid)[0], FULL['plan'])
        con = db()
        try:
            with self.assertRaisesRegex(sqlite3.DatabaseError, 'cannot be changed'):
                con.execute("UPDATE note_addenda SET body = 'x' WHERE note_id = ?", (nid,))
            con.rollback()
        finally:
            con.close()

    def test_addendum_needs_a_signed_note(self):
        aid, _, _ = book('addendum@example.com')
        self.assertEqual(self.maren.post(note_url(aid) + '/addenda', {'addendum': 'x'})[0], 409)
        self.maren.post(note_url(aid), {'action': 'save', 'subjective': 'Draft only.'})
        st, _, page = self.maren.post(note_url(aid) + '/addenda', {'addendum': 'x'})
        self.assertEqual(st, 409)
        self.assertIn('Addenda are for signed notes', text(page))
        nid = one('SELECT id FROM treatment_notes WHERE appointment_id = ?', aid)[0]
        self.assertEqual(one('SELECT count(*) FROM note_addenda WHERE note_id = ?', nid)[0], 0)

    def test_bad_input_names_the_field_and_stores_nothing(self):
        aid, _, _ = book('badinput@example.com')
        audits = one('SELECT count(*) FROM audit_log')[0]
        st, _, page = self.maren.post(note_url(aid), {
            'action': 'save', 'subjective': 'x' * 4001, 'areas': ['neck', 'elbow'],
            'techniques': 'hot_stones', 'pressure': 'crushing', 'stretches': 'splits',
            'providers': 'astrologer', 'next_weeks': '99'})
        self.assertEqual(st, 422)
        t = text(page)
        for msg in ('The subjective part (what the client tells you) can be at most 4000 characters.',
                    'Choose the areas treated from the list.', 'Choose the techniques from the list.',
                    'Choose light, medium, firm or deep pressure.',
                    'Choose stretches from the list', 'Choose other providers from the list.',
                    'Choose when the next visit should be from the list.'):
            self.assertIn(msg, t)
        self.assertIn('aria-describedby="areas-error"', page)
        self.assertRegex(page, r'id="area-neck"[^>]*checked')   # the valid choice stays
        st, _, page = self.maren.post(note_url(aid), {'subjective': 'No button.'})
        self.assertEqual(st, 400)
        self.assertIn('save the draft or sign the note', text(page))
        self.assertEqual(one('SELECT count(*) FROM treatment_notes WHERE appointment_id = ?', aid)[0], 0)
        self.assertEqual(one('SELECT count(*) FROM audit_log')[0], audits)

    def test_unknown_appointment(self):
        self.assertEqual(self.maren.get('/staff/appointments/999999/note')[0], 404)
        self.assertEqual(self.maren.get('/staff/appointments/x/note')[0], 404)


class Access(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        harness.clear_failures(S)
        cls.aid, cls.manage, cls.cid = book('access@example.com')
        cls.maren = signed_in(MAREN, server=S)
        st, _, _ = cls.maren.post(note_url(cls.aid), dict(FULL, action='sign'))
        assert st == 303, st
        cls.nid = one('SELECT id FROM treatment_notes WHERE appointment_id = ?', cls.aid)[0]

    def setUp(self):
        harness.clear_failures(S)

    def test_anonymous_is_sent_to_sign_in(self):
        anon = Browser(S)
        for method, path in (('GET', note_url(self.aid)), ('POST', note_url(self.aid)),
                             ('POST', note_url(self.aid) + '/addenda')):
            st, h, body = anon.request(method, path, {'action': 'save'} if method == 'POST' else None)
            if method == 'GET':
                self.assertEqual(st, 303, path)
                self.assertIn('/login', h['location'])
            else:
                self.assertIn(st, (401, 403), path)
            self.assertNotIn('Hypertonic', body)

    def test_client_account_is_refused(self):
        """A client signed in with an account (not only a manage link) is
        refused the note's routes by the route table."""
        b = harness.client_account(S)
        for method, path in (('GET', note_url(self.aid)), ('POST', note_url(self.aid)),
                             ('POST', note_url(self.aid) + '/addenda')):
            st, _, body = (b.get(path) if method == 'GET'
                           else b.post(path, {'action': 'save', 'addendum': 'x'}))
            self.assertEqual(st, 403, path)
            self.assertNotIn('Hypertonic', body)

    def test_front_desk_never_reads_notes(self):
        desk = signed_in(DESK, server=S)
        st, _, body = desk.get(note_url(self.aid))
        self.assertEqual(st, 403)
        self.assertNotIn('Hypertonic', body)
        self.assertEqual(desk.post(note_url(self.aid), dict(FULL, action='save'))[0], 403)
        self.assertEqual(desk.post(note_url(self.aid) + '/addenda', {'addendum': 'x'})[0], 403)
        st, _, page = desk.get('/staff/appointments/%d' % self.aid)
        self.assertEqual(st, 200)
        self.assertNotIn('/note"', page)
        self.assertNotIn('Hypertonic', page)
        self.assertEqual(one("SELECT count(*) FROM audit_log WHERE record = 'note' AND role = 'desk'")[0], 0)

    def test_other_therapist_without_the_client_gets_404(self):
        tomas = signed_in(TOMAS, server=S)
        st, _, body = tomas.get(note_url(self.aid))
        self.assertEqual(st, 404)
        self.assertNotIn('Hypertonic', body)
        self.assertEqual(tomas.post(note_url(self.aid), dict(FULL, action='save'))[0], 404)

    def test_therapist_who_treated_the_client_reads_but_cannot_write(self):
        aid, _, cid = book('shared@example.com')
        maren = signed_in(MAREN, server=S)
        maren.post(note_url(aid), dict(FULL, action='sign', subjective='Shared client note.'))
        nid = one('SELECT id FROM treatment_notes WHERE appointment_id = ?', aid)[0]
        con = db()
        try:   # Tomas saw the same client last month
            con.execute("INSERT INTO appointments (service_id, therapist_id, room_id, client_id,"
                        " start_at, end_at, busy_until, status, token_hash, source, created_at)"
                        " VALUES ('deep-tissue-60', 'tomas-reyes', (SELECT min(id) FROM rooms), ?,"
                        " ?, ?, ?, 'completed', randomblob(32), 'staff', 0)",
                        (cid, NOW - 30 * 86400, NOW - 30 * 86400 + 3600, NOW - 30 * 86400 + 3600))
            con.commit()
        finally:
            con.close()
        tomas = signed_in(TOMAS, server=S)
        st, _, page = tomas.get(note_url(aid))
        self.assertEqual(st, 200)
        self.assertIn('Shared client note.', page)
        self.assertNotIn('Save draft', page)
        self.assertNotIn('Add addendum', page)
        self.assertEqual(one("SELECT count(*) FROM audit_log WHERE record = 'note' AND action = 'read'"
                             " AND record_id = ? AND actor = ?", nid, TOMAS)[0], 1)
        self.assertEqual(tomas.post(note_url(aid), dict(FULL, action='save'))[0], 403)
        self.assertEqual(tomas.post(note_url(aid) + '/addenda', {'addendum': 'x'})[0], 403)
        self.assertEqual(one('SELECT count(*) FROM note_addenda WHERE note_id = ?', nid)[0], 0)

    def test_admin_reads_only(self):
        admin = signed_in(ADMIN, server=S)
        st, _, page = admin.get(note_url(self.aid))
        self.assertEqual(st, 200)
        self.assertIn('Hypertonic', page)
        self.assertNotIn('Add addendum', page)
        self.assertEqual(admin.post(note_url(self.aid), dict(FULL, action='save'))[0], 403)
        self.assertGreaterEqual(audit('read', self.nid, 'admin'), 1)
        st, _, page = admin.get('/staff/appointments/%d' % self.aid)
        self.assertIn('href="%s"' % note_url(self.aid), page)

    def test_treating_therapist_finds_the_note_from_the_appointment(self):
        st, _, page = self.maren.get('/staff/appointments/%d' % self.aid)
        self.assertEqual(st, 200)
        self.assertIn('href="%s"' % note_url(self.aid), page)

    def test_client_sees_recommendations_not_the_note(self):
        before = audit('read', self.nid, 'client')
        st, _, page = Browser(S).get(self.manage)
        self.assertEqual(st, 200)
        t = text(page)
        self.assertIn('recommendations', t)
        self.assertIn('Knee-to-chest. Lie on your back', t)
        self.assertIn('Seated piriformis stretch.', t)
        self.assertIn('Alternate heat and cold', t)
        self.assertIn('Walk 20 minutes a day.', t)
        self.assertIn('Physical therapy', t)
        self.assertIn('Core strengthening for the lumbar spine.', t)
        for secret in ('Hypertonic', 'Low back ache after long drives', 'improving', 'Weekly sessions'):
            self.assertNotIn(secret, page)
        self.assertIn('href="%s/rebook"' % self.manage, page)
        self.assertEqual(audit('read', self.nid, 'client'), before + 1)
        self.assertEqual(one("SELECT actor FROM audit_log WHERE record = 'note' AND role = 'client'"
                             ' ORDER BY id DESC LIMIT 1')[0], 'client (manage link)')
        # the link opens the week of the next visit with Maren and the service
        # chosen (tests/http/test_rebook.py books through it)
        st, _, page = Browser(S).get(self.manage + '/rebook')
        self.assertEqual(st, 200)
        t = text(page)
        self.assertIn('Maren Holt suggested coming back in 3 weeks', t)
        self.assertIn('Deep Tissue Massage (60 minutes) with Maren Holt', t)

    def test_no_recommendations_before_signing(self):
        aid, manage, _ = book('draftonly@example.com')
        signed_in(MAREN, server=S).post(note_url(aid), dict(FULL, action='save'))
        st, _, page = Browser(S).get(manage)
        self.assertEqual(st, 200)
        self.assertNotIn('Knee-to-chest', page)
        self.assertNotIn('recommendations', text(page))


if __name__ == '__main__':
    run_suite(globals())
