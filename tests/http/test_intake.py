"""The client's health form (intake) and insurance-benefit checks against the
real server (clock pinned to Tuesday 2026-11-24 09:00 in Anchorage): the
client fills the form and asks for a check on the private link of an
appointment, the front desk fills a form in and works the queue, the
therapist reads the form of their own client only; every refused form
names each wrong field, answers 422 and stores nothing; every read and
write leaves an audit row.

usage: test_intake.py PATH/TO/knead"""
import datetime
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, Server, run_suite, signed_in, text  # noqa: E402

# the pinned clock, 2026-11-24T09:00:00-09:00, in Unix seconds
NOW = int(datetime.datetime(2026, 11, 24, 18, 0, tzinfo=datetime.timezone.utc).timestamp())
KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
S = None
SINCE = {}  # client id -> the newest audit row before its first booking
DESK = ('desk@chugachbodywork.example', 'demo-desk-pass')
ADMIN = ('admin@chugachbodywork.example', 'demo-admin-pass')
MAREN = ('maren@chugachbodywork.example', 'demo-therapist-pass')
TOMAS = ('tomas@chugachbodywork.example', 'demo-therapist-pass')


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', '2026-11-24T09:00:00-09:00']).start()


def tearDownModule():
    harness.finish(S)


def q(sql, *args):
    return S.sql(sql, *args)


def one(sql, *args):
    rows = q(sql, *args)
    return rows[0][0] if rows else None


def free_start(therapist):
    """The first start the therapist has free from Wednesday on."""
    for day in ('2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-30',
                '2026-12-01', '2026-12-02', '2026-12-03'):
        st, _, data = S.request('GET', '/api/v1/availability?service=deep-tissue-60&date=%s'
                                       '&therapist=%s' % (day, therapist))
        assert st == 200, (st, data)
        found = re.findall(r'"start":"([^"]+)"', data.decode())
        if found:
            return found[0]
    raise AssertionError('no free time for ' + therapist)


PHONES = {}  # one number per client: a shared number would make them one client


def book(name, email, therapist='maren-holt'):
    """Books online; returns (appointment id, manage path, client id)."""
    phone = PHONES.setdefault(email, '907-555-%04d' % (200 + len(PHONES)))
    body = json.dumps({'service': 'deep-tissue-60', 'therapist': therapist,
                       'start': free_start(therapist),
                       'client': {'name': name, 'email': email, 'phone': phone}})
    st, _, data = S.request('POST', '/api/v1/appointments', body.encode(),
                            {'Content-Type': 'application/json'})
    assert st == 201, (st, data)
    appt = json.loads(data)
    cid = one('SELECT client_id FROM appointments WHERE id = ?', appt['id'])
    if one('SELECT count(*) FROM appointments WHERE client_id = ?', cid) == 1:  # a new client
        SINCE[cid] = one('SELECT coalesce(max(id), 0) FROM audit_log')
    return appt['id'], appt['manage_url'], cid


def client(path):
    """A browser that opened the manage page (so it holds the CSRF cookie)."""
    b = Browser()
    st, _, _ = b.get(path)
    assert st == 200, st
    return b


GOOD = {
    'email': 'ivy@example.com', 'phone': '(907) 555-0142', 'birth_date': '1984-06-12',
    'emergency_name': 'Ian Intake', 'emergency_phone': '907-555-0143',
    'reason': 'Lower back pain', 'areas': ['lower_back', 'hips'], 'pain': '6',
    'onset': 'sudden_lifting', 'onset_other': '', 'worse': 'Sitting long', 'better': 'Walking',
    'treatments': ['rest', 'heat_cold'], 'conditions': ['pregnancy', 'blood_thinners'],
    'conditions_other': '', 'medications': 'Warfarin 5 mg', 'pressure': 'firm',
    'consent_name': 'ivy INTAKE',
}


def audit(action, record, client_id):
    """Audit rows for the client written since it was booked (SQLite may
    reuse the id of a client merged away, and old rows keep that id)."""
    return one('SELECT count(*) FROM audit_log WHERE action = ? AND record = ? AND client_id = ?'
               ' AND id > ?', action, record, client_id, SINCE.get(client_id, 0))


class ClientIntake(unittest.TestCase):
    def test_fill_update_confirm_with_history_and_audit(self):
        aid, path, cid = book('Ivy Intake', 'ivy@example.com')
        b = client(path)
        st, _, page = b.get(path)
        self.assertIn('Fill in your health form', page)
        self.assertIn('href="%s/intake"' % path, page)
        st, _, page = b.get(path + '/intake')
        self.assertEqual(st, 200)
        self.assertIn('value="ivy@example.com"', page)  # contact details start from the booking
        self.assertIn('<legend>Where does it hurt?', page)
        self.assertEqual(audit('read', 'intake', cid), 0)  # nothing on file: nothing read

        st, h, _ = b.post(path + '/intake', GOOD)
        self.assertEqual((st, h.get('location')), (303, path + '?intake=1'))
        row = q('SELECT id, version, pain, areas, conditions, consent_name, consent_at, updated_by'
                ' FROM intakes WHERE client_id = ?', cid)
        self.assertEqual(len(row), 1)
        iid, version, pain, areas, conds, consent, consent_at, by = row[0]
        self.assertEqual((version, pain, areas, conds, consent, by),
                         (1, 6, 'lower_back,hips', 'pregnancy,blood_thinners', 'ivy INTAKE', 0))
        self.assertEqual(consent_at, NOW)  # 2026-11-24T09:00-09:00, the pinned clock
        self.assertEqual(audit('create', 'intake', cid), 1)
        self.assertEqual(one('SELECT record_id FROM audit_log WHERE action = ? AND client_id = ?',
                             'create', cid), iid)
        self.assertEqual(one("SELECT actor FROM audit_log WHERE action = 'create' AND client_id = ?",
                             cid), 'client (manage link)')

        st, _, page = b.get(path + '?intake=1')
        t = text(page)
        self.assertIn('Your health form is on file (updated Tuesday, November 24, 2026', t)
        self.assertIn('Confirm it is still right or update it', t)
        self.assertEqual(audit('read', 'intake', cid), 1)

        # the form shows what is on file (a read), consent is asked again
        st, _, page = b.get(path + '/intake')
        self.assertIn('value="Lower back pain"', page)
        self.assertIn('id="area-lower_back" name="areas" type="checkbox" value="lower_back" checked', page)
        self.assertIn('id="consent_name" name="consent_name" type="text" maxlength="120" required value=""', page)
        self.assertEqual(audit('read', 'intake', cid), 2)
        changed = dict(GOOD, reason='Neck pain', pain='3', consent_name='Ivy Intake')
        st, _, _ = b.post(path + '/intake', changed)
        self.assertEqual(st, 303)
        self.assertEqual(q('SELECT version, reason, pain FROM intakes WHERE client_id = ?', cid),
                         [(2, 'Neck pain', 3)])
        self.assertEqual(q('SELECT version, reason FROM intake_history WHERE client_id = ?', cid),
                         [(1, 'Lower back pain')])
        self.assertEqual(audit('update', 'intake', cid), 1)

        st, h, _ = b.post(path + '/intake/confirm', {})
        self.assertEqual((st, h.get('location')), (303, path + '?confirmed=1'))
        self.assertEqual(one('SELECT confirmed_at FROM intakes WHERE client_id = ?', cid), NOW)
        self.assertEqual(audit('update', 'intake', cid), 2)
        _, _, page = b.get(path + '?confirmed=1')
        self.assertIn('Thank you for confirming your health form.', page)
        self.assertIn('you last confirmed it Tuesday, November 24, 2026', text(page))

    def test_every_field_checked_nothing_stored(self):
        aid, path, cid = book('Val Idate', 'val@example.com')
        b = client(path)
        bad = {
            'email': 'val-at-example', 'phone': 'call me', 'birth_date': '2027-01-01',
            'emergency_name': '', 'emergency_phone': '12', 'reason': '', 'areas': ['tail'],
            'pain': '11', 'onset': 'other', 'onset_other': '', 'worse': 'x' * 501,
            'better': '', 'treatments': ['acupuncture'], 'conditions': ['other'],
            'conditions_other': '', 'medications': 'm' * 1001, 'pressure': 'extreme',
            'consent_name': 'Somebody Else',
        }
        st, _, page = b.post(path + '/intake', bad)
        self.assertEqual(st, 422)
        self.assertIn('Nothing was saved', page)
        for field in ('email', 'phone', 'birth_date', 'emergency_name', 'emergency_phone', 'reason',
                      'areas', 'pain', 'onset_other', 'worse', 'treatments', 'conditions_other',
                      'medications', 'pressure', 'consent_name'):
            self.assertIn('id="%s-error"' % field, page, field)
        self.assertIn('aria-describedby="birth_date-hint birth_date-error" aria-invalid="true"', page)
        self.assertIn('The date of birth must be in the past.', page)
        self.assertIn('a whole number from 0 (none) to 10 (worst)', page)
        self.assertIn('The name does not match the name on the booking', page)
        self.assertIn('value="Somebody Else"', page)  # what was typed is kept
        self.assertEqual(one('SELECT count(*) FROM intakes WHERE client_id = ?', cid), 0)
        self.assertEqual(one('SELECT count(*) FROM audit_log WHERE client_id = ?'
                             " AND record = 'intake' AND action <> 'read'", cid), 0)

        for field, value, msg in (('pain', '5.5', 'whole number'), ('pain', '', 'whole number'),
                                  ('birth_date', '1980-02-30', 'check that the day exists'),
                                  ('onset', '', 'Choose how it started.'),
                                  ('pressure', '', 'Choose the pressure you prefer.'),
                                  ('consent_name', '', 'Type your full name')):
            form = dict(GOOD, email='val@example.com', consent_name='Val Idate')
            form[field] = value
            st, _, page = b.post(path + '/intake', form)
            self.assertEqual(st, 422, field)
            self.assertIn('id="%s-error"' % field, page)
            self.assertIn(msg, page)
            self.assertEqual(len(re.findall(r'class="field-error"', page)), 1, (field, value))
        self.assertEqual(one('SELECT count(*) FROM intakes WHERE client_id = ?', cid), 0)

    def test_csrf_and_bad_tokens(self):
        aid, path, cid = book('Tok En', 'token@example.com')
        st, _, _ = Browser().request('POST', path + '/intake', dict(GOOD))
        self.assertEqual(st, 403)
        for p in ('/a/short/intake', '/a/AAAAAAAAAAAAAAAAAAAAAA/intake',
                  '/a/AAAAAAAAAAAAAAAAAAAAAA/insurance'):
            st, h, page = Browser().get(p)
            self.assertEqual(st, 404, p)
            self.assertEqual(h.get('cache-control'), 'no-store')
        self.assertEqual(one('SELECT count(*) FROM intakes WHERE client_id = ?', cid), 0)


class Privacy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        harness.clear_failures(S)
        cls.aid, cls.path, cls.cid = book('Pat Private', 'pat@example.com', 'maren-holt')
        b = client(cls.path)
        form = dict(GOOD, email='pat@example.com', consent_name='Pat Private',
                    reason='Secret shoulder', conditions=['osteoporosis', 'other'],
                    conditions_other='Recent rib fracture')
        st, _, _ = b.post(cls.path + '/intake', form)
        assert st == 303, st
        st, _, _ = b.post(cls.path + '/insurance', {
            'carrier': 'Premera Blue Cross', 'member_id': 'PAT-1234', 'group_number': 'G77',
            'holder_name': 'Pat Private', 'relation': 'self'})
        assert st == 303, st
        cls.other_aid, cls.other_path, cls.other_cid = book('Olga Other', 'olga@example.com',
                                                            'tomas-reyes')

    def test_another_clients_token_never_shows_these_records(self):
        st, _, page = client(self.other_path).get(self.other_path)
        self.assertEqual(st, 200)
        self.assertNotIn('Secret shoulder', page)
        self.assertNotIn('Premera', page)
        self.assertIn('Fill in your health form', page)
        _, _, page = Browser().get(self.other_path + '/intake')
        self.assertNotIn('Secret shoulder', page)
        self.assertIn('value="olga@example.com"', page)
        _, _, page = Browser().get(self.other_path + '/insurance')
        self.assertNotIn('PAT-1234', page)

    def test_anonymous_is_sent_to_sign_in(self):
        for p in ('/staff/insurance', '/staff/appointments/%d/intake' % self.aid):
            st, h, _ = Browser().get(p)
            self.assertEqual(st, 303, p)
            self.assertIn('/login', h['location'])

    def test_therapist_sees_own_clients_form_not_insurance(self):
        maren = signed_in(MAREN)
        before = audit('read', 'intake', self.cid)
        # booked is not treating: the form shows once the desk checked the client in
        st, _, page = maren.get('/staff/appointments/%d' % self.aid)
        self.assertEqual(st, 200)
        self.assertNotIn('Secret shoulder', page)
        self.assertIn('The health form shows once the front desk has checked the client in', page)
        self.assertEqual(audit('read', 'intake', self.cid), before)
        # (the check-in itself, and on which day it may happen, is test_desk's; here the row)
        S.sql("UPDATE appointments SET status = 'checked_in' WHERE id = ?", self.aid)
        st, _, page = maren.get('/staff/appointments/%d' % self.aid)
        self.assertEqual(st, 200)
        self.assertIn('Secret shoulder', page)
        self.assertIn('Contraindications and precautions', page)
        self.assertIn('<li>Osteoporosis</li>', page)
        self.assertIn('<li>Recent rib fracture</li>', page)
        self.assertNotIn('Premera', page)
        self.assertNotIn('PAT-1234', page)
        self.assertNotIn('Insurance checks', page)  # not in the therapist's navigation
        self.assertEqual(audit('read', 'intake', self.cid), before + 1)
        self.assertEqual(one("SELECT role FROM audit_log WHERE record = 'intake' AND client_id = ?"
                             ' ORDER BY id DESC LIMIT 1', self.cid), 'therapist')
        for p in ('/staff/insurance', '/staff/appointments/%d/intake' % self.aid):
            self.assertEqual(maren.get(p)[0], 403, p)
        cid = one("SELECT id FROM insurance_checks WHERE client_id = ?", self.cid)
        self.assertEqual(maren.get('/staff/insurance/%d' % cid)[0], 403)

    def test_day_view_shows_no_health_information(self):
        """The day view is the desk's shared screen, refreshed all day: it
        names clients and times but never their health, so it reads no form
        and leaves nothing in the audit log; the appointment page does both."""
        start = one('SELECT start_at FROM appointments WHERE id = ?', self.aid)
        day = datetime.datetime.fromtimestamp(start - 9 * 3600, datetime.timezone.utc).date()
        before = audit('read', 'intake', self.cid)
        st, _, page = signed_in(DESK).get('/staff?date=%s' % day.isoformat())
        self.assertEqual(st, 200)
        self.assertIn('/staff/appointments/%d"' % self.aid, page)
        self.assertNotIn('Contraindication', page)
        self.assertNotIn('Secret shoulder', page)
        self.assertEqual(audit('read', 'intake', self.cid), before)

    def test_other_therapist_gets_404(self):
        tomas = signed_in(TOMAS)
        before = audit('read', 'intake', self.cid)
        st, _, page = tomas.get('/staff/appointments/%d' % self.aid)
        self.assertEqual(st, 404)
        self.assertNotIn('Secret shoulder', page)
        self.assertEqual(audit('read', 'intake', self.cid), before)

    def test_desk_and_admin_see_both(self):
        for who in (DESK, ADMIN):
            b = signed_in(who)
            st, _, page = b.get('/staff/appointments/%d' % self.aid)
            self.assertEqual(st, 200, who)
            self.assertIn('Secret shoulder', page)
            self.assertIn('Premera Blue Cross', page)
            self.assertIn('Record the outcome', page)
            self.assertIn('Insurance checks <span class="nav-count">(', page)
        self.assertGreaterEqual(one("SELECT count(*) FROM audit_log WHERE record = 'insurance'"
                                    " AND action = 'read' AND role = 'admin' AND client_id = ?",
                                    self.cid), 1)


class DeskIntake(unittest.TestCase):
    def test_desk_fills_in_the_form(self):
        harness.clear_failures(S)
        aid, path, cid = book('Walt Desk', 'walt@example.com')
        b = signed_in(DESK)
        st, _, page = b.get('/staff/appointments/%d' % aid)
        self.assertIn('No health form on file yet.', page)
        self.assertIn('href="/staff/appointments/%d/intake"' % aid, page)
        st, _, page = b.get('/staff/appointments/%d/intake' % aid)
        self.assertEqual(st, 200)
        self.assertIn("The client's full name, typed to record their consent", page)
        st, _, page = b.post('/staff/appointments/%d/intake' % aid,
                             dict(GOOD, email='walt@example.com', consent_name='Someone'))
        self.assertEqual(st, 422)
        self.assertIn('id="consent_name-error"', page)
        self.assertEqual(one('SELECT count(*) FROM intakes WHERE client_id = ?', cid), 0)
        st, h, _ = b.post('/staff/appointments/%d/intake' % aid,
                          dict(GOOD, email='walt@example.com', consent_name='Walt Desk',
                               conditions=[], conditions_other='Left over, "Other" unticked'))
        self.assertEqual((st, h['location']), (303, '/staff/appointments/%d?intake=1' % aid))
        desk_id = one("SELECT id FROM users WHERE email = 'desk@chugachbodywork.example'")
        self.assertEqual(q('SELECT updated_by, conditions, conditions_other FROM intakes'
                           ' WHERE client_id = ?', cid), [(desk_id, '', '')])
        self.assertEqual(one("SELECT role FROM audit_log WHERE action = 'create' AND client_id = ?",
                             cid), 'desk')
        _, _, page = b.get('/staff/appointments/%d?intake=1' % aid)
        self.assertIn('The health form is saved.', page)
        self.assertNotIn('Contraindications and precautions', page)
        self.assertEqual(b.get('/staff/appointments/99999/intake')[0], 404)
        self.assertEqual(b.get('/staff/appointments/abc/intake')[0], 404)

    def test_merge_moves_form_and_checks(self):
        harness.clear_failures(S)
        _, path1, keep = book('Mia Merge', 'mia@example.com')
        _, path2, other = book('Mia  Merge', 'mia@example.com')
        self.assertNotEqual(keep, other)
        b2 = client(path2)
        st, _, _ = b2.post(path2 + '/intake', dict(GOOD, email='mia@example.com',
                                                   consent_name='Mia  Merge'))
        self.assertEqual(st, 303)
        st, _, _ = b2.post(path2 + '/insurance', {'carrier': 'Moda', 'member_id': 'M-1',
                                                  'group_number': '', 'holder_name': 'Mia',
                                                  'relation': 'self'})
        self.assertEqual(st, 303)
        desk = signed_in(DESK)
        desk.get('/staff/clients/%d' % keep)
        st, _, _ = desk.post('/staff/clients/%d/merge' % keep, {'other': str(other), 'confirm': 'yes'})
        self.assertEqual(st, 303)
        self.assertEqual(one('SELECT count(*) FROM intakes WHERE client_id = ?', keep), 1)
        self.assertEqual(one('SELECT count(*) FROM insurance_checks WHERE client_id = ?', keep), 1)
        # the form is the merged client's now, but a manage link opens only
        # what was entered through its own booking: path2's, not path1's
        _, _, page = client(path2).get(path2)
        self.assertIn('Your health form is on file', page)
        _, _, page = client(path1).get(path1)
        self.assertNotIn('Your health form is on file', page)
        self.assertIn('Fill in your health form', page)


class Insurance(unittest.TestCase):
    def test_request_queue_outcome_and_client_sees_it(self):
        harness.clear_failures(S)
        aid, path, cid = book('Ike Insured', 'ike@example.com')
        b = client(path)
        _, _, page = b.get(path)
        self.assertIn('Ask us to check your insurance benefits', page)
        st, _, page = b.get(path + '/insurance')
        self.assertEqual(st, 200)
        self.assertIn('value="Ike Insured"', page)  # the policyholder defaults to the client
        bad = {'carrier': '', 'member_id': 'AB#1', 'group_number': 'G/7', 'holder_name': '',
               'relation': 'cousin'}
        st, _, page = b.post(path + '/insurance', bad)
        self.assertEqual(st, 422)
        for f in ('carrier', 'member_id', 'group_number', 'holder_name', 'relation'):
            self.assertIn('id="%s-error"' % f, page, f)
        self.assertEqual(one('SELECT count(*) FROM insurance_checks WHERE client_id = ?', cid), 0)

        good = {'carrier': 'Aetna', 'member_id': 'W123-456', 'group_number': '', 'holder_name':
                'Ina Insured', 'relation': 'spouse'}
        st, h, _ = b.post(path + '/insurance', good)
        self.assertEqual((st, h['location']), (303, path + '?insurance=1'))
        self.assertEqual(audit('create', 'insurance', cid), 1)
        st, _, page = b.get(path + '/insurance')
        self.assertIn('We are already checking your benefits', page)
        st, _, _ = b.post(path + '/insurance', dict(good, carrier='Aetna Better Health'))
        self.assertEqual(st, 303)
        self.assertEqual(q('SELECT carrier, status FROM insurance_checks WHERE client_id = ?', cid),
                         [('Aetna Better Health', 'pending')])
        self.assertEqual(audit('update', 'insurance', cid), 1)
        _, _, page = b.get(path + '?insurance=1')
        # a page reached by the manage link alone never shows the details
        self.assertIn('We are checking your insurance benefits (asked', text(page))
        self.assertNotIn('Aetna', page)
        self.assertNotIn('W123-456', page)
        _, _, page = b.get(path + '/insurance')
        self.assertNotIn('Aetna', page)
        self.assertNotIn('W123-456', page)
        check = one('SELECT id FROM insurance_checks WHERE client_id = ?', cid)

        desk = signed_in(DESK)
        mark = one('SELECT coalesce(max(id), 0) FROM audit_log')
        st, _, page = desk.get('/staff/insurance')
        self.assertEqual(st, 200)
        # every check the queue shows is one read in the audit log, of its own client
        self.assertEqual(
            [tuple(r) for r in q("SELECT record_id, client_id FROM audit_log WHERE action = 'read'"
                                 " AND record = 'insurance' AND id > ? ORDER BY id", mark)],
            [tuple(r) for r in q("SELECT id, client_id FROM insurance_checks"
                                 " WHERE status = 'pending' ORDER BY requested_at, id")])
        pending = one("SELECT count(*) FROM insurance_checks WHERE status = 'pending'")
        self.assertIn('Insurance checks <span class="nav-count">(%d<' % pending, page)
        self.assertIn('href="/staff/insurance/%d"' % check, page)
        reads = audit('read', 'insurance', cid)
        self.assertGreaterEqual(reads, 1)
        # oldest request first
        ids = [int(x) for x in re.findall(r'href="/staff/insurance/(\d+)"', page)]
        want = [r[0] for r in q("SELECT id FROM insurance_checks WHERE status = 'pending'"
                                ' ORDER BY requested_at, id')]
        self.assertEqual(ids, want)

        st, _, page = desk.get('/staff/insurance/%d' % check)
        self.assertEqual(st, 200)
        self.assertIn('W123-456', page)
        self.assertIn('Ina Insured (Spouse or partner)', page)
        self.assertEqual(audit('read', 'insurance', cid), reads + 1)
        bad = {'outcome': 'maybe', 'visits': '400', 'copay': 'lots', 'deductible': '-5',
               'referral': '', 'notes': 'n' * 1001}
        st, _, page = desk.post('/staff/insurance/%d' % check, bad)
        self.assertEqual(st, 422)
        for f in ('outcome', 'visits', 'copay', 'deductible', 'referral', 'notes'):
            self.assertIn('id="%s-error"' % f, page, f)
        self.assertEqual(one('SELECT status FROM insurance_checks WHERE id = ?', check), 'pending')
        st, h, _ = desk.post('/staff/insurance/%d' % check, {
            'outcome': 'partial', 'visits': '20', 'copay': '$25.50', 'deductible': '1,250',
            'referral': 'yes', 'notes': 'Bring the referral to the first visit.',
            'verified_by': 'Someone Else'})
        self.assertEqual(st, 303)
        self.assertTrue(h['location'].startswith('/staff/insurance?saved='))
        desk_id = one("SELECT id FROM users WHERE email = 'desk@chugachbodywork.example'")
        self.assertEqual(q('SELECT status, outcome, visits_per_year, copay_cents, deductible_cents,'
                           ' referral_required, verified_by, verified_by_name, verified_at'
                           ' FROM insurance_checks WHERE id = ?', check),
                         [('done', 'partial', 20, 2550, 125000, 1, desk_id,
                           one('SELECT name FROM users WHERE id = ?', desk_id), NOW)])
        self.assertEqual(one("SELECT count(*) FROM audit_log WHERE action = 'update'"
                             " AND record = 'insurance' AND record_id = ? AND role = 'desk'",
                             check), 1)
        _, _, page = desk.get('/staff/insurance')
        self.assertNotIn('href="/staff/insurance/%d"' % check, page)
        # the client is told, in the same transaction, to sign in and read it;
        # the message itself carries no detail of the outcome
        mails = q("SELECT recipient, body_text, body_html FROM outbox"
                  " WHERE kind = 'insurance_outcome' AND dedupe_key = ?", 'insurance-%d/outcome' % check)
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails[0][0], one('SELECT email FROM clients WHERE id = ?', cid))
        for body in mails[0][1:]:
            self.assertIn('/account', body)
            for detail in ('Partly', 'partial', '25.50', '1,250', 'referral'):
                self.assertNotIn(detail, body)

        reads = audit('read', 'insurance', cid)
        _, _, page = b.get(path)
        t = text(page)
        # the coverage, but no copay, deductible, carrier or member id without proof
        self.assertIn('Coverage: Partly covered', t)
        for detail in ('$25.50', '1,250', '1250', 'Aetna', 'W123-456',
                       'Bring the referral to the first visit.'):
            self.assertNotIn(detail, t)
        self.assertIn('sign in with your e-mail address', t)
        self.assertEqual(audit('read', 'insurance', cid), reads + 1)
        # a new request after the outcome starts a new check
        st, _, _ = b.post(path + '/insurance', good)
        self.assertEqual(st, 303)
        self.assertEqual(one('SELECT count(*) FROM insurance_checks WHERE client_id = ?', cid), 2)

    def test_desk_only_and_unknown_check(self):
        harness.clear_failures(S)
        desk = signed_in(DESK)
        self.assertEqual(desk.get('/staff/insurance/99999')[0], 404)
        self.assertEqual(desk.get('/staff/insurance/x')[0], 404)
        st, _, _ = desk.request('POST', '/staff/insurance/1', {'outcome': 'covered'})
        self.assertEqual(st, 403)  # no CSRF token


if __name__ == '__main__':
    run_suite(globals())
