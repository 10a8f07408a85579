"""The client's whole record from the portal (the right of access) against the
real server: /portal/record as a printable page and ?format=json as a file,
holding the appointments, health forms (with earlier versions), insurance
checks, referrals and signed treatment notes (never a draft) of the client
rows the signed-in account holds, and nothing of anyone else's; who cannot
reach it (anonymous, a therapist, the desk, another client); the audit rows
of each download.  The clock is pinned to Tuesday 2026-11-24 09:00 in
Anchorage; sign-in links come from a loopback SMTP receiver, polled with a
deadline.

usage: test_record.py PATH/TO/knead"""
import json
import os
import sys
import unittest
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, signed_in, text  # noqa: E402
from mailcatch import Smtpd  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
PUBLIC = 'http://clinic.test'
DEADLINE = 30.0
MAREN = 'maren@chugachbodywork.example'
DESK = 'desk@chugachbodywork.example'
S = None
SMTP = None

INTAKE = {
    'email': 'rita@example.com', 'phone': '907-555-0131', 'birth_date': '1981-05-06',
    'emergency_name': 'Ray Record', 'emergency_phone': '907-555-0132',
    'reason': 'Rita shoulder since May', 'areas': ['shoulders', 'neck'], 'pain': '6',
    'onset': 'sudden_lifting', 'onset_other': '', 'worse': 'Typing', 'better': 'Heat',
    'treatments': ['rest'], 'conditions': ['blood_thinners'], 'conditions_other': '',
    'medications': 'Ritamol 20 mg', 'pressure': 'medium', 'consent_name': 'Rita Record',
}
NOTE = {'subjective': 'Rita says the right shoulder aches, 6/10.',
        'objective': 'Hypertonic right upper trapezius.',
        'assessment': 'Muscular shoulder strain, improving.',
        'plan': 'Two more sessions; home stretches.',
        'areas': ['shoulders'], 'techniques': ['myofascial'], 'pressure': 'firm',
        'rest': '1', 'stretches': ['upper_trapezius'], 'home_care': 'Warm shower each morning.',
        'next_weeks': '2', 'action': 'sign'}


def setUpModule():
    global S, SMTP
    SMTP = Smtpd().start()
    S = Server(KNEAD)
    path = os.path.join(S.dir, 'record.ini')
    with open(path, 'w') as f:
        f.write('[server]\npublic_url = %s\n[smtp]\nhost = 127.0.0.1\nport = %d\n'
                'retry_min_seconds = 1\nretry_max_seconds = 2\n' % (PUBLIC, SMTP.port))
    S.extra = ['--now', NOW, '--config', path]
    S.start()


def tearDownModule():
    harness.finish(S)
    SMTP.stop()


def one(sql, *args):
    return S.sql(sql, *args)[0][0]


def book(start, name, email, phone):
    body = json.dumps({'service': 'deep-tissue-60', 'therapist': 'maren-holt', 'start': start,
                       'client': {'name': name, 'email': email, 'phone': phone}})
    st, _, out = S.request('POST', '/api/v1/appointments', body=body.encode(),
                           headers={'Content-Type': 'application/json'})
    assert st == 201, (st, out)
    appt = json.loads(out)
    return appt['id'], urlsplit(appt['manage_url']).path


def back_a_week_checked_in(aid):
    """The session has begun and the desk checked the client in (a note is
    written only then): straight in the table, the desk's buttons are test_desk's."""
    S.sql("UPDATE appointments SET status = 'checked_in', start_at = start_at - 8 * 86400,"
          " end_at = end_at - 8 * 86400, busy_until = busy_until - 8 * 86400 WHERE id = ?1", aid)


def sign_in(email):
    """A Browser signed in through a link mailed to email."""
    S.sql('DELETE FROM signin_requests')
    return harness.link_signed_in(S, SMTP, email, PUBLIC, DEADLINE)


def downloads(client_id):
    return one("SELECT count(*) FROM audit_log WHERE action = 'download' AND record = 'record'"
               " AND client_id = ?1 AND via = 'proven_email' AND role = 'client'", client_id)


class Record(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        harness.clear_failures(S)
        # Rita: a visit with a signed note, one with a draft, one to come
        cls.signed, manage = book('2026-11-25T10:00:00-09:00', 'Rita Record', 'rita@example.com',
                                  '907-555-0131')
        cls.draft, _ = book('2026-11-26T10:00:00-09:00', 'Rita Record', 'rita@example.com',
                            '907-555-0131')
        cls.upcoming, _ = book('2026-12-01T10:00:00-09:00', 'Rita Record', 'rita@example.com',
                               '907-555-0131')
        cls.cid = one('SELECT client_id FROM appointments WHERE id = ?1', cls.signed)
        b = Browser(S)
        b.get(manage)
        assert b.post(manage + '/intake', INTAKE)[0] == 303
        # a second version: the first becomes an earlier one
        assert b.post(manage + '/intake', dict(INTAKE, pain='4', reason='Rita shoulder better'))[0] == 303
        assert b.post(manage + '/insurance', {
            'carrier': 'Premera Blue Cross', 'member_id': 'RIT-4242', 'group_number': 'G-7',
            'holder_name': 'Rita Record', 'relation': 'self'})[0] == 303
        desk = signed_in(DESK, server=S)
        desk.get('/staff/clients/%d/referrals/new' % cls.cid)
        st, _, _ = desk.post('/staff/clients/%d/referrals' % cls.cid, {
            'physician': 'Dr. Rhea Ruiz', 'practice': 'Midtown Family Medicine',
            'phone': '907-555-0123', 'referred_on': '2026-11-01',
            'diagnosis': 'Shoulder strain', 'icd10': 'm54.50', 'visits': '6',
            'valid_until': '2027-01-15'})
        assert st == 303, (st, text(_)[:600])
        back_a_week_checked_in(cls.signed)
        back_a_week_checked_in(cls.draft)
        maren = signed_in(MAREN, server=S)
        maren.get('/staff/appointments/%d/note' % cls.signed)
        st, _, page = maren.post('/staff/appointments/%d/note' % cls.signed, NOTE)
        assert st == 303, (st, text(page)[:400])
        maren.get('/staff/appointments/%d/note' % cls.signed)
        st, _, _ = maren.post('/staff/appointments/%d/note/addenda' % cls.signed,
                              {'addendum': 'Rita called: the ache is gone.'})
        assert st == 303, st
        st, _, _ = maren.post('/staff/appointments/%d/note' % cls.draft,
                              {'action': 'save', 'subjective': 'DRAFT-ONLY words, unsigned.'})
        assert st == 303, st
        # someone else, whose record must never show up in Rita's
        cls.other, _ = book('2026-11-27T10:00:00-09:00', 'Otto Other', 'otto@example.com',
                            '907-555-0199')
        cls.other_cid = one('SELECT client_id FROM appointments WHERE id = ?1', cls.other)
        cls.rita = sign_in('rita@example.com')

    def test_json_holds_the_whole_record_and_nothing_else(self):
        before = downloads(self.cid)
        st, h, body = self.rita.get('/portal/record?format=json')
        self.assertEqual(st, 200)
        self.assertEqual(h['content-type'], 'application/json')
        self.assertRegex(h['content-disposition'], r'^attachment; filename="record-2026-11-24\.json"$')
        self.assertIn('no-store', h.get('cache-control', ''))
        doc = json.loads(body)
        self.assertEqual(doc['account']['email'], 'rita@example.com')
        self.assertEqual([c['id'] for c in doc['clients']], [self.cid])
        c = doc['clients'][0]
        self.assertEqual(c['name'], 'Rita Record')
        form = c['health_form']
        self.assertEqual((form['version'], form['pain'], form['reason']), (2, 4, 'Rita shoulder better'))
        self.assertEqual(form['medications'], 'Ritamol 20 mg')
        self.assertEqual(form['areas'], ['Neck', 'Shoulders'] if form['areas'][0] == 'Neck'
                         else ['Shoulders', 'Neck'])
        self.assertEqual([f['version'] for f in c['earlier_health_forms']], [1])
        self.assertEqual(c['earlier_health_forms'][0]['reason'], 'Rita shoulder since May')
        self.assertEqual([k['carrier'] for k in c['insurance_checks']], ['Premera Blue Cross'])
        self.assertEqual(c['insurance_checks'][0]['member_id'], 'RIT-4242')
        self.assertEqual(c['referrals'][0]['physician'], 'Dr. Rhea Ruiz')
        ids = [a['id'] for a in doc['appointments']]
        self.assertEqual(sorted(ids), sorted([self.signed, self.draft, self.upcoming]))
        self.assertNotIn(self.other, ids)
        by_id = {a['id']: a for a in doc['appointments']}
        note = by_id[self.signed]['treatment_note']
        self.assertEqual(note['subjective'], NOTE['subjective'])
        self.assertEqual(note['assessment'], NOTE['assessment'])
        self.assertEqual(note['signed_by'], 'Maren Holt')
        self.assertEqual(note['recommendations']['home_care'], 'Warm shower each morning.')
        self.assertEqual(note['recommendations']['stretches'][0]['label'], 'Upper trapezius stretch')
        self.assertEqual([a['body'] for a in note['addenda']], ['Rita called: the ache is gone.'])
        self.assertIsNone(by_id[self.draft]['treatment_note'])  # a draft is not the record yet
        self.assertNotIn('DRAFT-ONLY', body)
        for theirs in ('Otto', 'otto@example.com', '907-555-0199'):
            self.assertNotIn(theirs, body)
        self.assertEqual(by_id[self.upcoming]['start'], '2026-12-01T10:00:00-09:00')
        # the download is in the audit log: who, how identified, whose record
        self.assertEqual(downloads(self.cid), before + 1)
        actor = S.sql("SELECT actor, address FROM audit_log WHERE action = 'download'"
                      ' ORDER BY id DESC LIMIT 1')[0]
        self.assertEqual(actor, ('rita@example.com', '127.0.0.1'))

    def test_printable_page(self):
        before = downloads(self.cid)
        st, h, page = self.rita.get('/portal/record')
        self.assertEqual(st, 200)
        self.assertIn('no-store', h.get('cache-control', ''))
        t = text(page)
        for want in ('Your record', 'Rita Record', 'Ritamol 20 mg', 'Earlier versions',
                     'Rita shoulder since May', 'Premera Blue Cross', 'Dr. Rhea Ruiz',
                     NOTE['assessment'], 'Warm shower each morning.',
                     'Rita called: the ache is gone.', 'Signed Maren Holt,', 'Checked in'):
            self.assertIn(want, t)
        self.assertIn('href="/portal/record?format=json"', page)
        self.assertNotIn('DRAFT-ONLY', page)
        self.assertNotIn('Otto', page)
        self.assertEqual(downloads(self.cid), before + 1)
        # the portal links to it
        self.assertIn('href="/portal/record"', self.rita.get('/portal')[2])

    def test_nobody_else_reaches_it(self):
        before = one("SELECT count(*) FROM audit_log WHERE action = 'download'")
        st, h, _ = Browser(S).get('/portal/record?format=json')
        self.assertEqual(st, 303)  # sent to sign in
        self.assertTrue(h['location'].startswith(('/account', '/login')), h['location'])
        for who in (MAREN, DESK):
            st, _, _ = signed_in(who, server=S).get('/portal/record?format=json')
            self.assertIn(st, (403, 404), who)
        # another client sees their own record only
        otto = sign_in('otto@example.com')
        st, _, body = otto.get('/portal/record?format=json')
        self.assertEqual(st, 200)
        doc = json.loads(body)
        self.assertEqual([c['id'] for c in doc['clients']], [self.other_cid])
        self.assertEqual([a['id'] for a in doc['appointments']], [self.other])
        for hers in ('Rita', 'Ritamol', 'Premera', 'Rhea'):
            self.assertNotIn(hers, body)
        self.assertEqual(one("SELECT count(*) FROM audit_log WHERE action = 'download'"), before + 1)

    def test_bad_parameters(self):
        before = one("SELECT count(*) FROM audit_log WHERE action = 'download'")
        for q, word in (('?format=pdf', 'format'), ('?format=json&all=1', "'all'")):
            st, _, page = self.rita.get('/portal/record' + q)
            self.assertEqual(st, 400, q)
            self.assertIn(word, text(page))
        self.assertEqual(one("SELECT count(*) FROM audit_log WHERE action = 'download'"), before)

    def test_audit_page_filters_downloads(self):
        self.rita.get('/portal/record')
        admin = signed_in('admin@chugachbodywork.example', server=S)
        st, _, page = admin.get('/admin/audit?record=record')
        self.assertEqual(st, 200)
        t = text(page)
        self.assertIn('download', t)
        self.assertIn('rita@example.com', t)

    def test_too_many_downloads(self):
        """Each download writes audit rows that can never be deleted: an
        account's flood is refused (429) before it writes any.  Runs last."""
        for _ in range(11):
            before = downloads(self.cid)
            st, h, page = self.rita.get('/portal/record?format=json')
            if st == 429:
                break
            self.assertEqual(st, 200)
        self.assertEqual(st, 429)
        self.assertEqual(downloads(self.cid), before)           # the refused one wrote nothing
        self.assertEqual(downloads(self.cid), 10)                # [limits] record_downloads_per_hour
        self.assertTrue(0 < int(h['retry-after']) <= 3600, h)
        self.assertIn('try again in', page)
        # another account is not held back by Rita's
        st, _, _ = sign_in('otto@example.com').get('/portal/record?format=json')
        self.assertEqual(st, 200)


if __name__ == '__main__':
    run_suite(globals())
