"""knead import against a running server's database (clock pinned to Tuesday
2026-11-24 09:00 in Anchorage for both): a dry run lists every refused row
with its line and why and stores nothing; a real run with one bad row stores
nothing; a good run stores every row in one transaction, and the running
server's availability, desk pages and exports show it at once (its caches
follow the database's version counters); times on the clinic's clock (a
skipped or doubled wall time is refused); the booking rules (hours, overlap,
earlier rows of the file) through the booking service; a file knead exported
reads back, formula guard included; bad files get one line on stderr.

usage: test_import.py PATH/TO/knead"""
import csv
import io
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, run_suite, signed_in  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
S = None


def setUpModule():
    global S
    S = Server(KNEAD, extra=['--now', NOW]).start()


def tearDownModule():
    harness.finish(S)


def one(sql, *args):
    return S.sql(sql, *args)[0][0]


def write(name, text, mode='w'):
    path = os.path.join(S.dir, name)
    with open(path, mode, newline='' if mode == 'w' else None) as f:
        f.write(text)
    return path


def run(kind, path, *extra):
    r = S.run_cli('import', kind, *extra, path, '--db', S.db, '--now', NOW)
    return r.returncode, r.stdout, r.stderr


def counts():
    """Clients, appointments and outbox rows, once the render worker has
    queued the e-mails of every change so far (after their commits)."""
    harness.rendered(S)
    return (one('SELECT count(*) FROM clients'), one('SELECT count(*) FROM appointments'),
            one('SELECT count(*) FROM outbox'))


def free_starts(date, therapist):
    st, _, body = S.request('GET', '/api/v1/availability?service=deep-tissue-60&date=%s&therapist=%s'
                            % (date, therapist))
    assert st == 200, body
    return [s['start'][11:16] for s in json.loads(body)['days'][0]['slots']]


class Appointments(unittest.TestCase):
    def test_dry_run_lists_every_refused_row_and_stores_nothing(self):
        before = counts()
        path = write('dry.csv', (
            'Date,Time,Service,Therapist,Client Name,Client Email,Client Phone,Notes,Room\r\n'
            '2026-11-25,10:00,deep-tissue-60,Maren Holt,Cy Dry,cy.dry@example.com,907 555 0101,hi,Spruce\r\n'
            '2026-11-25,10:00,Deep Tissue Massage (60 minutes),maren-holt,Di Dry,di.dry@example.com,,,\r\n'
            '2026-11-29,10:00,deep-tissue-60,,Ed Dry,ed.dry@example.com,,,\r\n'
            '2027-03-14,02:30,deep-tissue-60,,Fa Dry,fa.dry@example.com,,,\r\n'
            '2026-11-26,10:00,hot-yoga,,Ge Dry,ge.dry@example.com,,,\r\n'
            '2026-11-26,10:00,deep-tissue-60,nobody,Ge Dry,ge.dry@example.com,,,\r\n'
            '2026-11-26,25:00,deep-tissue-60,,Ge Dry,ge.dry@example.com,,,\r\n'
            '2026-11-26,11:00,deep-tissue-60,,Ha Dry,not-an-email,,,\r\n'
            '2026-11-26,12:00,deep-tissue-60,,Io Dry\r\n'
            '2026-11-23,10:00,deep-tissue-60,,Jo Dry,jo.dry@example.com,,,\r\n'
            '2026-11-27,13:00,deep-tissue-60,,Ko Dry,ko.dry@example.com,,,\r\n'))
        code, out, err = run('appointments', path, '--dry-run')
        self.assertEqual(code, 1, (out, err))
        lines = out.splitlines()
        got = {int(l.split(':')[1]): l for l in lines}
        # every refused row, once, in file order, with its line number
        self.assertEqual(sorted(got), [3, 4, 5, 6, 7, 8, 9, 10, 11])
        self.assertEqual([int(l.split(':')[1]) for l in lines], sorted(got))
        self.assertIn('not available', got[3])      # Maren is taken by line 2 of this very file
        self.assertIn('not available', got[4])      # a Sunday
        self.assertIn('does not exist in America/Anchorage', got[5])  # the clocks go forward
        self.assertIn("no service 'hot-yoga'", got[6])
        self.assertIn("no therapist 'nobody'", got[7])
        self.assertIn("time '25:00'", got[8])
        self.assertIn('email', got[9])
        self.assertIn('it has 5 fields; the header has 9', got[10])
        self.assertIn('passed', got[11])
        self.assertTrue(all(l.startswith(path + ':') for l in lines))
        self.assertIn('columns not read: Room', err)
        self.assertIn('9 of 11 rows refused; nothing was stored', err)
        self.assertEqual(counts(), before)

    def test_one_bad_row_and_nothing_is_stored(self):
        before = counts()
        free = free_starts('2026-11-30', 'tomas-reyes')
        self.assertIn('12:00', free)
        path = write('bad.csv', 'start,service,therapist,name,email\n'
                     '2026-11-30T12:00:00-09:00,deep-tissue-60,tomas-reyes,Al Bad,al.bad@example.com\n'
                     '2026-11-30T14:00:00-09:00,deep-tissue-60,tomas-reyes,Bo Bad,bo bad@example\n')
        code, out, err = run('appointments', path)
        self.assertEqual(code, 1, (out, err))
        self.assertEqual(len(out.splitlines()), 1)
        self.assertIn(':3: ', out)
        self.assertEqual(counts(), before)
        self.assertEqual(free_starts('2026-11-30', 'tomas-reyes'), free)

    def test_good_file_is_stored_whole_and_the_server_sees_it(self):
        before = counts()
        free = free_starts('2026-12-01', 'dev-okafor')
        self.assertIn('11:00', free)
        self.assertIn('12:30', free)
        path = write('good.csv', 'date,time,service,therapist,name,email,phone,notes,status\n'
                     '2026-12-01,11:00,deep-tissue-60,Dev Okafor,Gil Good,gil.good@example.com,907 555 0131,From Acme,booked\n'
                     '2026-12-01,16:00,deep-tissue-90,,Hal Good,hal.good@example.com,,,\n'
                     '2026-12-01,12:30,deep-tissue-60,dev-okafor,Gil Good,gil.good@example.com,,,booked\n')
        code, out, err = run('appointments', path)
        self.assertEqual(code, 0, (out, err))
        self.assertIn('3 rows: 3 appointments booked', out)
        c, a, o = counts()
        self.assertEqual(a, before[1] + 3)
        self.assertEqual(c, before[0] + 2)       # Gil once, by name and e-mail
        self.assertEqual(o, before[2])           # no confirmation to people who booked elsewhere
        # the running server's cached availability follows at once
        starts = free_starts('2026-12-01', 'dev-okafor')
        self.assertNotIn('11:00', starts)
        self.assertNotIn('12:30', starts)
        row = S.sql("SELECT a.status, a.source, a.notes, a.therapist_id, c.phone FROM appointments a"
                    " JOIN clients c ON c.id = a.client_id WHERE c.email = 'gil.good@example.com'"
                    ' ORDER BY a.start_at LIMIT 1')[0]
        self.assertEqual(row, ('booked', 'staff', 'From Acme', 'dev-okafor', '907 555 0131'))
        # the desk finds them
        desk = signed_in('desk@chugachbodywork.example', server=S)
        st, _, page = desk.get('/staff/clients?q=gil.good')
        self.assertEqual(st, 200)
        self.assertIn('Gil Good', page)
        # importing the same file again is refused whole: every row overlaps itself
        code, out, err = run('appointments', path)
        self.assertEqual(code, 1)
        self.assertEqual(len(out.splitlines()), 3)
        self.assertEqual(counts()[1], before[1] + 3)

    def test_an_export_reads_back(self):
        """A file knead exported (appointments of a day, formula guard included)
        imports as it was: here into the same clinic a week later."""
        name = '=HYPERLINK("http://evil.example","x")'
        who = at = None
        for t in ('lena-kusugak', 'maren-holt', 'tomas-reyes', 'dev-okafor'):
            both = [m for m in free_starts('2026-12-03', t) if m in free_starts('2026-12-10', t)]
            if both:
                who, at = t, both[0]
                break
        self.assertTrue(at)
        body = json.dumps({'service': 'deep-tissue-60', 'therapist': who,
                           'start': '2026-12-03T%s:00-09:00' % at,
                           'client': {'name': name, 'email': 'formula@example.com',
                                      'phone': '+1 907 555 0144'}})
        st, _, out = S.request('POST', '/api/v1/appointments', body=body.encode(),
                               headers={'Content-Type': 'application/json'})
        self.assertEqual(st, 201, out)
        admin = signed_in('admin@chugachbodywork.example', server=S)
        st, _, text = admin.get('/admin/export/appointments.csv?from=2026-12-03&to=2026-12-03')
        self.assertEqual(st, 200)
        rows = list(csv.DictReader(io.StringIO(text, newline='')))
        self.assertEqual(rows[0]['client_name'], "'" + name)        # guarded in the file
        self.assertEqual(rows[0]['client_phone'], "'+1 907 555 0144")
        for r in rows:                                              # a week later
            r['start'] = r['start'].replace('2026-12-03', '2026-12-10')
            r['date'] = '2026-12-10'
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0].keys()), lineterminator='\r\n')
        w.writeheader()
        w.writerows(rows)
        path = write('roundtrip.csv', buf.getvalue())
        code, out, err = run('appointments', path)
        self.assertEqual(code, 0, (out, err))
        got = S.sql("SELECT c.name, a.contact_phone, a.therapist_id FROM appointments a JOIN clients c"
                    ' ON c.id = a.client_id WHERE a.start_at = ?1',
                    int(__import__('datetime').datetime.fromisoformat('2026-12-10T%s:00-09:00' % at).timestamp()))
        self.assertEqual(got, [(name, '+1 907 555 0144', who)])  # as it was, no apostrophe
        self.assertIn('columns not read: id, end, room, client_id', err)


class Clients(unittest.TestCase):
    def test_clients_all_or_nothing(self):
        before = counts()[0]
        path = write('clients.csv', '\ufeffName,Email,Phone,Customer No\n'
                     'Ivy Import,ivy@example.com,907 555 0150,A-1\n'
                     '"Lee, Jo",jo.import@example.com,,A-2\n'
                     ',nameless@example.com,,A-3\n'
                     'Kim Import,kim@,,A-4\n')
        code, out, err = run('clients', path, '--dry-run')
        self.assertEqual(code, 1)
        self.assertEqual([l.split(':')[1] for l in out.splitlines()], ['4', '5'])
        self.assertIn('columns not read: Customer No', err)
        code, out, err = run('clients', path)
        self.assertEqual(code, 1)
        self.assertEqual(counts()[0], before)
        good = write('clients-good.csv', 'name,email,phone\nIvy Import,ivy@example.com,907 555 0150\n'
                     '"Lee, Jo",jo.import@example.com,\n')
        code, out, _ = run('clients', good, '--dry-run')
        self.assertEqual(code, 0)
        self.assertIn('2 clients would be added', out)
        self.assertEqual(counts()[0], before)
        code, out, _ = run('clients', good)
        self.assertEqual(code, 0, out)
        self.assertIn('2 clients added, 0 already there', out)
        self.assertEqual(counts()[0], before + 2)
        self.assertEqual(one("SELECT name FROM clients WHERE email = 'jo.import@example.com'"), 'Lee, Jo')
        code, out, _ = run('clients', good)
        self.assertIn('0 clients added, 2 already there', out)
        self.assertEqual(counts()[0], before + 2)


class PhoneOnly(unittest.TestCase):
    def test_an_export_with_a_phone_only_client_reads_back(self):
        """A client the desk booked with a phone and no e-mail: the clients
        export carries an empty e-mail cell, and the file imports into
        another clinic's database (the desk's rules: name and e-mail, or
        name and a phone a text can go to); run again it adds nobody, and a
        row with neither is refused naming both."""
        desk = signed_in('desk@chugachbodywork.example', server=S)
        _, _, page = desk.get('/staff/book?service=deep-tissue-60&date=2026-12-04')
        starts = __import__('re').findall(r'value="(2026-12-04T\d\d:\d\d:00-09:00)"', page)
        self.assertTrue(starts, harness.text(page)[:1500])
        st, _, page = desk.post('/staff/book', {
            'service': 'deep-tissue-60', 'therapist': 'any', 'start': starts[0], 'note': '',
            'name': 'Pia Phone', 'email': '', 'phone': '(907) 555-0161'})
        self.assertEqual(st, 303, harness.text(page)[:1500])
        admin = signed_in('admin@chugachbodywork.example', server=S)
        st, _, text = admin.get('/admin/export/clients.csv')
        self.assertEqual(st, 200)
        rows = list(csv.DictReader(io.StringIO(text, newline='')))
        pia = [r for r in rows if r['name'] == 'Pia Phone']
        self.assertEqual(len(pia), 1)
        self.assertEqual(pia[0]['email'], '')
        path = write('clients-export.csv', text)
        other = Server(KNEAD, extra=['--now', NOW])
        try:
            self.assertEqual(other.run_cli('demo', '--db', other.db).returncode, 0)
            n = other.sql('SELECT count(*) FROM clients')[0][0]
            r = other.run_cli('import', 'clients', path, '--db', other.db, '--now', NOW)
            self.assertEqual(r.returncode, 0, (r.stdout, r.stderr))
            self.assertEqual(other.sql("SELECT email, phone FROM clients WHERE name = 'Pia Phone'"),
                             [('', '(907) 555-0161')])
            added = other.sql('SELECT count(*) FROM clients')[0][0] - n
            self.assertIn('%d clients added' % added, r.stdout)
            self.assertGreater(added, 0)
            # again: every row is already there, nobody added or changed
            r = other.run_cli('import', 'clients', path, '--db', other.db, '--now', NOW)
            self.assertEqual(r.returncode, 0, (r.stdout, r.stderr))
            self.assertIn('0 clients added', r.stdout)
            self.assertEqual(other.sql('SELECT count(*) FROM clients')[0][0], n + added)
            # the same number under another name (a family's one phone) is
            # another client, never merged into Pia; the same name and number
            # however written is Pia
            fam = write('family.csv', 'name,email,phone\nPia Phone,,+1 907 555 0161\n'
                        'Rex Phone,,907.555.0161\n')
            r = other.run_cli('import', 'clients', fam, '--db', other.db, '--now', NOW)
            self.assertEqual(r.returncode, 0, (r.stdout, r.stderr))
            self.assertIn('1 client added, 1 already there', r.stdout)
            self.assertEqual(other.sql("SELECT name, email FROM clients WHERE name LIKE '%Phone'"
                                       ' ORDER BY name'), [('Pia Phone', ''), ('Rex Phone', '')])
            # neither e-mail nor phone, or a number no text can go to: refused
            # naming what to give, nothing stored
            bad = write('neither.csv', 'name,email,phone\nNed None,,\nOla Odd,,555 0142\n'
                        'Ivy Ok,,907 555 0162\n')
            r = other.run_cli('import', 'clients', bad, '--db', other.db, '--now', NOW)
            self.assertEqual(r.returncode, 1, (r.stdout, r.stderr))
            lines = r.stdout.splitlines()
            self.assertEqual(len(lines), 2, r.stdout)
            self.assertIn(':2: ', lines[0])
            self.assertIn('e-mail address or phone number', lines[0])
            self.assertIn(':3: ', lines[1])
            self.assertEqual(other.sql("SELECT count(*) FROM clients WHERE name = 'Ivy Ok'"),
                             [(0,)])
            # the appointments export of that day reads back too: Pia's
            # booking, a phone-only client's, books in the other database
            st, _, atext = admin.get('/admin/export/appointments.csv?from=2026-12-04&to=2026-12-04')
            self.assertEqual(st, 200)
            arows = [r for r in csv.DictReader(io.StringIO(atext, newline=''))
                     if r['client_name'] == 'Pia Phone']
            self.assertEqual(len(arows), 1)
            self.assertEqual(arows[0]['client_email'], '')
            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=list(arows[0].keys()), lineterminator='\r\n')
            w.writeheader()
            w.writerows(arows)
            r = other.run_cli('import', 'appointments', write('pia-appts.csv', buf.getvalue()),
                              '--db', other.db, '--now', NOW)
            self.assertEqual(r.returncode, 0, (r.stdout, r.stderr))
            self.assertEqual(other.sql("SELECT count(*) FROM appointments a JOIN clients c ON"
                                       " c.id = a.client_id WHERE c.name = 'Pia Phone'"
                                       " AND c.email = ''"), [(1,)])
            # a header with neither column: one line naming both, nothing stored
            r = other.run_cli('import', 'clients', write('nocontact.csv', 'name,notes\nZed,x\n'),
                              '--db', other.db, '--now', NOW)
            self.assertEqual(r.returncode, 2, (r.stdout, r.stderr))
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn('no column email (or client_email) or phone (or client_phone)', r.stderr)
            self.assertEqual(other.sql("SELECT count(*) FROM clients WHERE name = 'Zed'"), [(0,)])
            # a file with a phone column and no e-mail column is read
            only = write('phones.csv', 'name,phone\nUli Only,907 555 0163\n')
            r = other.run_cli('import', 'clients', only, '--db', other.db, '--now', NOW)
            self.assertEqual(r.returncode, 0, (r.stdout, r.stderr))
            self.assertEqual(other.sql("SELECT email, phone FROM clients WHERE name = 'Uli Only'"),
                             [('', '907 555 0163')])
        finally:
            other.cleanup()


class BadFiles(unittest.TestCase):
    def test_one_line_on_stderr_and_nothing_stored(self):
        before = counts()
        big = os.path.join(S.dir, 'big.csv')
        with open(big, 'wb') as f:
            f.truncate(17 << 20)
        cases = [
            (write('nohdr.csv', 'nom,courriel\nA,b@example.com\n'), 'the header has no column name'),
            (write('nosvc.csv', 'date,time,name,email\n2026-12-01,10:00,A,a@example.com\n'),
             'no column service'),
            (write('twice.csv', 'name,client_name,email\nA,B,a@example.com\n'), "'name' and 'client_name'"),
            (write('latin1.csv', b'name,email\nJos\xe9,jose@example.com\n', 'wb'), 'line 2: the file is not UTF-8'),
            (write('quote.csv', 'name,email\n"Ann,ann@example.com\n'), 'never closed'),
            (write('empty.csv', ''), 'the file is empty'),
            (big, 'larger than 16 MiB'),
            (os.path.join(S.dir, 'missing.csv'), 'No such file'),
        ]
        for path, word in cases:
            kind = 'appointments' if 'nosvc' in path else 'clients'
            code, out, err = run(kind, path)
            self.assertEqual(code, 2, (path, out, err))
            self.assertEqual(len(err.strip().splitlines()), 1, (path, err))
            self.assertTrue(err.startswith('knead import: '), err)
            self.assertIn(word, err, path)
            self.assertEqual(out, '')
        for args in (['import'], ['import', 'pets', 'x.csv'], ['import', 'clients'],
                     ['import', 'clients', 'a.csv', 'b.csv'], ['import', 'clients', '--fast', 'a.csv']):
            r = S.run_cli(*args, '--db', S.db) if len(args) > 2 else S.run_cli(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, (args, r.stderr))
        r = S.run_cli('import', '--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('--dry-run', r.stdout)
        self.assertEqual(counts(), before)

    @harness.sqlite_only("SQLite's write lock (BEGIN IMMEDIATE)")
    def test_busy_database(self):
        """The server (or anything) holds the write lock past the busy timeout:
        one line on stderr, exit 1, nothing stored; the same file then imports."""
        import sqlite3
        before = counts()
        path = write('busy.csv', 'name,email\nUma Busy,uma.busy@example.com\n')
        lock = sqlite3.connect(S.db, timeout=0, isolation_level=None)
        try:
            lock.execute('BEGIN IMMEDIATE')
            code, out, err = run('clients', path)
        finally:
            lock.execute('ROLLBACK')
            lock.close()
        self.assertEqual(code, 1, (out, err))
        # the message is one line; the store's own log line (timestamped, for the
        # operator, as knead serve logs it) may come before it
        said = [l for l in err.splitlines() if l.startswith('knead import: ')]
        self.assertEqual(len(said), 1, err)
        self.assertIn('busy', said[0])
        self.assertNotIn('locked', said[0])
        self.assertEqual(counts(), before)
        code, out, _ = run('clients', path)
        self.assertEqual(code, 0, out)


if __name__ == '__main__':
    run_suite(globals())
