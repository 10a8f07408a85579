"""Starts the real knead binary on a free loopback port against a fresh
database, for HTTP tests.  Nothing here talks to anything but 127.0.0.1."""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import urlencode

START_TIMEOUT = 20.0

# New password hashes at libsodium's minimum cost (the test build honours this; see
# web/account.c): the demo seed and every account a test makes hash in microseconds
# instead of ~0.1 s each.  A test about hashing's real cost starts its server with
# real_hashing=True.
os.environ.setdefault('KNEAD_PWHASH', 'test')

# KNEAD_TEST_PG (tests/pg/cluster.sh start sets it): the URL of a throwaway
# PostgreSQL cluster's maintenance database.  Each Server then gets a database
# of its own there instead of a SQLite file, and the same suites run against
# the PostgreSQL driver.  A test about SQLite itself (its file, its locks)
# says so with @sqlite_only.
PG = os.environ.get('KNEAD_TEST_PG', '')


def pg_url(name):
    """The URL of database `name` on the KNEAD_TEST_PG cluster."""
    return PG.rsplit('/', 1)[0] + '/' + name


# The few SQLite functions the tests' own reads use (Server.sql), for the
# tests only: created in each test database, never by Knead's migrations.
PG_TEST_SHIMS = '''
CREATE DOMAIN blob AS bytea;
CREATE FUNCTION strftime(f text, t text) RETURNS bigint LANGUAGE sql IMMUTABLE
    AS $$ SELECT extract(epoch FROM t::timestamp AT TIME ZONE 'UTC')::bigint $$;
CREATE FUNCTION instr(a bytea, b bytea) RETURNS int LANGUAGE sql IMMUTABLE
    AS $$ SELECT position(b IN a) $$;
CREATE FUNCTION instr(a text, b text) RETURNS int LANGUAGE sql IMMUTABLE
    AS $$ SELECT strpos(a, b) $$;
CREATE FUNCTION unixepoch(t text) RETURNS bigint LANGUAGE sql IMMUTABLE
    AS $$ SELECT extract(epoch FROM t::timestamptz)::bigint $$;
CREATE FUNCTION printf(f text, i int) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT replace(replace(f, '%02d', lpad(i::text, 2, '0')), '%d', i::text) $$;
CREATE FUNCTION hex(b bytea) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT upper(encode(b, 'hex')) $$;
CREATE FUNCTION group_concat_step(acc text, v text, sep text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN v IS NULL THEN acc
        WHEN acc IS NULL THEN v ELSE acc || sep || v END $$;
CREATE AGGREGATE group_concat(text, text) (SFUNC = group_concat_step, STYPE = text);
CREATE FUNCTION randomblob(n int) RETURNS bytea LANGUAGE sql VOLATILE
    AS $$ SELECT string_agg(decode(md5(random()::text), 'hex'), '')
          FROM generate_series(1, (n + 15) / 16) $$;
'''


class PgCompat:
    """What the suites ask of a sqlite3 connection, over psycopg2 (Debian
    python3-psycopg2), for a database on the KNEAD_TEST_PG cluster: ? and ?N
    parameters, bytes for bytea, ints for numbers, and the database's
    refusals (a trigger's) raised as sqlite3.DatabaseError with PostgreSQL's
    message.  A PRAGMA is SQLite's own: the test is skipped."""

    def __init__(self, url):
        import psycopg2
        self.pg = psycopg2
        self.con = psycopg2.connect(url)

    @staticmethod
    def _sql(query):
        query = query.replace('%', '%%')
        return re.sub(r'\?(\d*)', lambda m: '%%(p%s)s' % (m.group(1) or '?'), query)

    @staticmethod
    def _glob(query):
        """x GLOB 'pat*' as x LIKE 'pat%' (the patterns the suites use)."""
        return re.sub(r"GLOB '([^']*)'",
                      lambda m: "LIKE '%s'" % m.group(1).replace('*', '%').replace('?', '_'),
                      query)

    def backup(self, other, *args, **kwargs):
        import unittest
        raise unittest.SkipTest('SQLite only: a file copy through the backup API')

    def _params(self, query, args):
        query = self._glob(query)
        if isinstance(args, dict):
            return self._sql(query), args
        out, n = {}, [0]

        def sub(m):
            if m.group(1):
                key = 'p' + m.group(1)
                out[key] = args[int(m.group(1)) - 1]
            else:
                key = 'q%d' % n[0]
                out[key] = args[n[0]]
                n[0] += 1
            return '%%(%s)s' % key
        return re.sub(r'\?(\d*)', sub, query.replace('%', '%%')), out

    def execute(self, query, args=()):
        import sqlite3
        import unittest
        if query.lstrip().upper().startswith('PRAGMA'):
            raise unittest.SkipTest('SQLite only: ' + query.strip())
        sql, params = self._params(query, tuple(args) if not isinstance(args, dict) else args)
        cur = self.con.cursor()
        try:
            cur.execute(sql, params)
        except self.pg.Error as e:
            self.con.rollback()
            raise sqlite3.DatabaseError(str(e).strip()) from None
        return _PgCursor(cur)

    def executemany(self, query, rows):
        for row in rows:
            self.execute(query, row)

    def executescript(self, script):
        import sqlite3
        cur = self.con.cursor()
        try:
            cur.execute(self._glob(script))
        except self.pg.Error as e:
            self.con.rollback()
            raise sqlite3.DatabaseError(str(e).strip()) from None
        self.con.commit()

    def commit(self):
        self.con.commit()

    def rollback(self):
        self.con.rollback()

    def close(self):
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.con.commit()
        else:
            self.con.rollback()
        return False


class _PgCursor:
    def __init__(self, cur):
        self.cur = cur

    @staticmethod
    def _row(row):
        import decimal
        if row is None:
            return None
        return tuple(bytes(v) if isinstance(v, memoryview) else
                     int(v) if isinstance(v, decimal.Decimal) else v for v in row)

    def fetchone(self):
        return self._row(self.cur.fetchone()) if self.cur.description else None

    def fetchall(self):
        return [self._row(r) for r in self.cur.fetchall()] if self.cur.description else []

    def __iter__(self):
        return iter(self.fetchall())

    @property
    def lastrowid(self):
        return None

    @property
    def rowcount(self):
        return self.cur.rowcount


if PG:
    import sqlite3 as _sqlite3
    _sqlite_connect = _sqlite3.connect

    def _connect(path, *args, **kwargs):
        if isinstance(path, str) and path.startswith('postgresql://'):
            return PgCompat(path)
        return _sqlite_connect(path, *args, **kwargs)
    _sqlite3.connect = _connect


# KNEAD_TEST_PG_TEMPLATE (tests/run-all.sh sets it, pg_make_template makes it):
# the name of a database on the cluster that holds the test shims and the plain
# demo clinic, migrated and seeded once per run by the binary under test.  A
# Server whose start() would seed the plain demo into a database nothing was
# made of yet gets a copy of it instead (CREATE DATABASE ... TEMPLATE: a file
# copy, no migration, no seed); one that seeds nothing, a demo of its own
# (--locations, --lived-in), real hashing, or whose database a test asked for
# before start() (to migrate or seed it itself) starts from an empty one.
PG_TEMPLATE = os.environ.get('KNEAD_TEST_PG_TEMPLATE', '')
# KNEAD_TEST_SQLITE_TEMPLATE (tests/run-all.sh sets it): the same for SQLite, a
# database file that `knead demo` seeded once per run; such a Server's start()
# copies the file where no database file is yet.
SQLITE_TEMPLATE = os.environ.get('KNEAD_TEST_SQLITE_TEMPLATE', '')


def pg_create_database(template=''):
    """A new database on the cluster: empty with the test shims, or a copy
    of database `template`; returns its URL."""
    name = 'knead_' + os.urandom(6).hex()
    create = 'CREATE DATABASE ' + name + (' TEMPLATE ' + template if template else '')
    subprocess.run(['psql', '-qAt', '-v', 'ON_ERROR_STOP=1', PG, '-c', create],
                   check=True, capture_output=True, timeout=60)
    if not template:
        subprocess.run(['psql', '-qAt', '-v', 'ON_ERROR_STOP=1', pg_url(name), '-c', PG_TEST_SHIMS],
                       check=True, capture_output=True, timeout=60)
    return pg_url(name)


def pg_make_template(knead, name):
    """Makes database `name` on the cluster the template of the seeded
    servers (see PG_TEMPLATE): the shims, `knead demo`, then closed to
    connections (CREATE DATABASE ... TEMPLATE refuses a template that anyone
    is connected to)."""
    url = pg_create_database()
    made = url.rsplit('/', 1)[1]
    r = subprocess.run([os.path.abspath(knead), 'demo', '--db', url], capture_output=True,
                       text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError('knead demo --db %s: %s' % (url, r.stderr.strip()))
    for stmt in ('ALTER DATABASE %s RENAME TO %s' % (made, name),
                 'ALTER DATABASE %s WITH IS_TEMPLATE true ALLOW_CONNECTIONS false' % name):
        subprocess.run(['psql', '-qAt', '-v', 'ON_ERROR_STOP=1', PG, '-c', stmt],
                       check=True, capture_output=True, timeout=60)


def pg_drop_database(url):
    name = url.rsplit('/', 1)[1]
    subprocess.run(['psql', '-qAt', PG, '-c', 'DROP DATABASE IF EXISTS %s WITH (FORCE)' % name],
                   capture_output=True, timeout=60)


def sqlite_only(reason):
    """Skips a test (or a TestCase) when the suite runs against PostgreSQL."""
    import unittest
    return unittest.skipIf(bool(PG), 'SQLite only: ' + reason)


def pg_dialect(query):
    """A test's SQLite statement for PostgreSQL: ?N and ? become $N, and an
    attachment's bytes read as text (SQLite's CAST of a BLOB) are decoded
    as UTF-8 rather than shown as bytea's hex."""
    query = re.sub(r'CAST\((attach_data) AS TEXT\)', r"convert_from(\1, 'UTF8')", query)
    n = [0]

    def sub(m):
        if m.group(1):
            return '$' + m.group(1)
        n[0] += 1
        return '$%d' % n[0]
    return re.sub(r'\?(\d*)', sub, query)


class WriteLock:
    """The database's writes held up the way another program would hold
    them, while reads go on: on SQLite BEGIN IMMEDIATE on the file (its one
    write lock); on PostgreSQL LOCK TABLE ... IN EXCLUSIVE MODE on every
    table of the database (reads pass, every write waits).  release() (or
    the with block's end) lets them go."""

    def __init__(self, db):
        import sqlite3
        if PG:
            self.con = PgCompat(db)
            tables = [r[0] for r in self.con.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]
            self.con.execute('LOCK TABLE %s IN EXCLUSIVE MODE' % ', '.join(tables))
        else:
            self.con = sqlite3.connect(db, isolation_level=None, timeout=10)
            self.con.execute('BEGIN IMMEDIATE')
        self.held = True

    def release(self):
        if self.held:
            self.held = False
            if PG:
                self.con.rollback()
            else:
                self.con.execute('ROLLBACK')
            self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
        return False


def refusal_sql(name, table, column, value, message):
    """The statements that make, and those that remove, a trigger `name`
    refusing every INSERT into `table` whose `column` is `value`, with
    `message`: a fault injected into the database, in its own dialect."""
    if PG:
        return (["CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                 " IF NEW.%s = '%s' THEN RAISE EXCEPTION '%s'; END IF; RETURN NEW; END $$"
                 % (name, column, value, message),
                 'CREATE TRIGGER %s BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION %s()'
                 % (name, table, name)],
                ['DROP TRIGGER %s ON %s' % (name, table), 'DROP FUNCTION %s()' % name])
    return (["CREATE TRIGGER %s BEFORE INSERT ON %s WHEN NEW.%s = '%s'"
             " BEGIN SELECT RAISE(ABORT, '%s'); END" % (name, table, column, value, message)],
            ['DROP TRIGGER %s' % name])


class Server:
    def __init__(self, knead, seed=True, extra=(), real_hashing=False, share=None, db=None,
                 demo=()):
        """share: another Server whose database this one serves too (a second
        app server on one database; it neither seeds nor drops it).  db: this
        database (a SQLite path or a URL) instead of a fresh one; the caller
        owns it.  demo: more arguments for `knead demo`, e.g. ('--locations', '2')."""
        self.knead = os.path.abspath(knead)
        self.demo = list(demo)  # more arguments for `knead demo`, e.g. ('--locations', '2')
        self.dir = tempfile.mkdtemp(prefix='knead-http-')
        self.shared = share is not None or db is not None
        self.real_hashing = real_hashing
        # On PostgreSQL a fresh database is made when first asked for (the db
        # property: empty, as a test that migrates or seeds it itself wants) or
        # by start(), which seeds the plain demo as a copy of the template.
        self._db = None
        if db is not None:
            self.db = db
            seed = False
        elif share is not None:
            self.db = share.db
            seed = False
        elif not PG:
            self.db = os.path.join(self.dir, 'knead.db')
        self.log_path = os.path.join(self.dir, 'server.log')
        self.extra = list(extra)
        self.seed = seed
        self.env = None
        if real_hashing:
            self.env = {k: v for k, v in os.environ.items() if k != 'KNEAD_PWHASH'}
        self.proc = None
        self.port = None
        self._sql_proc = None  # `knead debug sql --batch` (sql())
        self._sql_lock = threading.Lock()
        # On PostgreSQL the webhooks' key cannot live beside the database
        # (mail.c asks for [webhooks] key_file): one per database, shared by
        # the servers of one database.
        self.key_file = share.key_file if share is not None else os.path.join(self.dir, 'webhook.key')

    main = None  # the first Server started in this process: where a Browser() goes by default

    @property
    def db(self):
        """The database: a SQLite path, or the URL of this server's database
        on the cluster (made empty, with the test shims, when first asked for)."""
        if self._db is None:
            self._db = pg_create_database()
        return self._db

    @db.setter
    def db(self, value):
        self._db = value

    def _seed_from_template(self):
        """Seeds the plain demo as a copy of the run's template (PG_TEMPLATE,
        SQLITE_TEMPLATE) when there is one and nothing else was made of this
        server's database yet; True if it did.  Not for another demo or real
        hashing (the template's passwords are hashed at the test cost)."""
        if self.demo or self.real_hashing:
            return False
        if PG:
            if not PG_TEMPLATE or self._db is not None:
                return False
            self._db = pg_create_database(PG_TEMPLATE)
            return True
        if not SQLITE_TEMPLATE or os.path.exists(self._db):
            return False
        shutil.copy(SQLITE_TEMPLATE, self._db)
        return True

    def _with_key_file(self, args):
        """`knead serve` on PostgreSQL: its --config (or a new one) with
        [webhooks] key_file added, as an operator of a postgres:// database
        must set it (README, Configuration)."""
        args = list(args)
        if not PG or not args or args[0] != 'serve':
            return args
        text = ''
        if '--config' in args:
            i = args.index('--config')
            with open(args[i + 1]) as f:
                text = f.read()
            if re.search(r'^\s*key_file\s*=', text, re.M):
                return args
            del args[i:i + 2]
        path = os.path.join(self.dir, 'pg-config-%d.ini' % len(os.listdir(self.dir)))
        with open(path, 'w') as f:
            f.write(text + '\n[webhooks]\nkey_file = %s\n' % self.key_file)
        return args + ['--config', path]

    def run_cli(self, *args, input_text=None):
        return subprocess.run([self.knead, *self._with_key_file(args)], capture_output=True,
                              text=True, input=input_text, timeout=60, env=self.env)

    def sql(self, query, *args):
        """The rows of one SQL statement run by `knead debug sql` (through the
        store's driver, not Python's sqlite3), as tuples; bytes come back as
        hex strings.  For what no page or API says; a test about SQL itself
        (a trigger) keeps its own connection.  The statements go to one
        `knead debug sql --batch` process per Server, which opens the database
        afresh for each (a sanitizer build's process start costs more than
        most statements); a call made while another thread's is in flight
        starts a process of its own, as every call did before."""
        if PG:
            query = pg_dialect(query)
        if not os.path.isdir(self.dir) or not self._sql_lock.acquire(blocking=False):
            r = self.run_cli('debug', 'sql', '--db', self.db, query, json.dumps(list(args)))
            if r.returncode != 0:
                raise AssertionError('knead debug sql %r: %s' % (query, r.stderr.strip()))
            return [tuple(json.loads(line)) for line in r.stdout.splitlines() if line]
        try:
            return self._sql_batch(query, args)
        finally:
            self._sql_lock.release()

    def _sql_batch(self, query, args, timeout=60.0):
        import select
        p = self._sql_proc
        if p is None or p.poll() is not None:
            self._sql_stderr = os.path.join(self.dir, 'debug-sql.log')
            with open(self._sql_stderr, 'a') as err:
                p = self._sql_proc = subprocess.Popen(
                    [self.knead, 'debug', 'sql', '--db', self.db, '--batch'], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, stderr=err, bufsize=0, env=self.env)
            self._sql_buf = b''
        p.stdin.write((json.dumps([query, *args]) + '\n').encode())
        p.stdin.flush()
        rows = []
        end = time.monotonic() + timeout
        while True:
            nl = self._sql_buf.find(b'\n')
            if nl < 0:
                left = end - time.monotonic()
                if left <= 0 or not select.select([p.stdout], [], [], left)[0]:
                    p.kill()
                    p.wait()
                    raise AssertionError('knead debug sql %r: no answer in %.0f s' % (query, timeout))
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    p.wait()
                    self._sql_proc = None
                    try:
                        with open(self._sql_stderr) as f:
                            log = f.read()[-3000:]
                    except OSError:
                        log = ''
                    raise AssertionError('knead debug sql --batch exited %r: %s'
                                         % (p.returncode, log))
                self._sql_buf += chunk
                continue
            line, self._sql_buf = self._sql_buf[:nl], self._sql_buf[nl + 1:]
            value = json.loads(line)
            if isinstance(value, dict):
                if value['status'] != 0:
                    raise AssertionError('knead debug sql %r: knead debug sql: %s'
                                         % (query, value['error']))
                return rows
            rows.append(tuple(value))

    def close_sql(self):
        """Ends the `knead debug sql --batch` process, if any; returns what
        is wrong with how it ended (an exit status other than 0, a sanitizer
        report), or None."""
        p, self._sql_proc = self._sql_proc, None
        if p is None:
            return None
        p.stdin.close()
        try:
            code = p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            code = p.wait()
        p.stdout.close()
        try:
            with open(self._sql_stderr) as f:
                log = f.read()
        except OSError:
            log = ''  # a test removed the server's folder
        if code != 0 or re.search(r'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:', log):
            return 'knead debug sql --batch exited %r:\n%s' % (code, log[-4000:])
        return None

    def refuse_insert(self, name, table, column, value, message):
        """Injects a fault: a trigger `name` refuses an INSERT into table
        whose column is value (see refusal_sql); allow_insert(name, table)
        removes it.  Through the store's driver (`knead debug sql`), one
        statement at a time."""
        for stmt in refusal_sql(name, table, column, value, message)[0]:
            self._ddl(stmt)

    def allow_insert(self, name, table):
        for stmt in refusal_sql(name, table, '', '', '')[1]:
            self._ddl(stmt)

    def _ddl(self, stmt):
        r = self.run_cli('debug', 'sql', '--db', self.db, stmt)
        if r.returncode != 0:
            raise AssertionError('knead debug sql %r: %s' % (stmt, r.stderr.strip()))

    def start(self):
        if self.seed and not self._seed_from_template():
            r = self.run_cli('demo', '--db', self.db, *self.demo)
            if r.returncode != 0:
                raise RuntimeError('knead demo failed: ' + r.stderr)
        log = open(self.log_path, 'w')
        self.proc = subprocess.Popen(
            [self.knead, *self._with_key_file(['serve', '--db', self.db, '--listen', '127.0.0.1:0',
                                               *self.extra])],
            stdout=log, stderr=log, env=self.env)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        pattern = re.compile(r'on http://127\.0\.0\.1:(\d+)/')
        while time.monotonic() < deadline:
            with open(self.log_path) as f:
                m = pattern.search(f.read())
            if m:
                self.port = int(m.group(1))
                if Server.main is None:
                    Server.main = self
                return self
            if self.proc.poll() is not None:
                raise RuntimeError('knead serve exited: ' + self.log())
            time.sleep(0.05)
        raise RuntimeError('knead serve did not start in time: ' + self.log())

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def conn(self):
        return http.client.HTTPConnection('127.0.0.1', self.port, timeout=10)

    def request(self, method, path, body=None, headers=None):
        c = self.conn()
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def raw(self, data, read_limit=65536):
        """Sends raw bytes, returns the raw answer (for malformed requests)."""
        import socket
        s = socket.create_connection(('127.0.0.1', self.port), timeout=10)
        try:
            s.sendall(data)
            out = b''
            while len(out) < read_limit:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
                if b'\r\n\r\n' in out:
                    head, _, rest = out.partition(b'\r\n\r\n')
                    m = re.search(rb'content-length: *(\d+)', head, re.I)
                    if m and len(rest) >= int(m.group(1)):
                        break
            return out
        finally:
            s.close()

    def stop(self, sig=signal.SIGTERM):
        code = None
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                code = self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                code = self.proc.wait()
        elif self.proc:
            code = self.proc.returncode
        return code

    def cleanup(self):
        if os.environ.get('KNEAD_TEST_SHOW_LOG') and os.path.exists(self.log_path):
            print(self.log()[-3000:])  # the server's last words, when debugging a suite
        self.stop()
        self.close_sql()
        if PG and not self.shared and self._db is not None:
            pg_drop_database(self._db)
        shutil.rmtree(self.dir, ignore_errors=True)


# The demo clinic's staff accounts (`knead demo`).
DEMO_PASSWORDS = {
    'admin@chugachbodywork.example': 'demo-admin-pass',
    'desk@chugachbodywork.example': 'demo-desk-pass',
    'maren@chugachbodywork.example': 'demo-therapist-pass',
    'tomas@chugachbodywork.example': 'demo-therapist-pass',
}

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


class Browser:
    """A cookie-keeping client, like a browser without JavaScript: it sends
    the cookies it was given, forgets one set with Max-Age=0, and never
    follows redirects.  It talks to `server`, or else to Server.main (a test
    module's own server, started first)."""

    def __init__(self, server=None, timeout=30):
        self.server = server
        self.timeout = timeout
        self.cookies = {}

    def send(self, method, path, body=None, headers=None):
        """One request with the cookies; returns (status, [(name, value)], body bytes)."""
        server = self.server or Server.main
        c = http.client.HTTPConnection('127.0.0.1', server.port, timeout=self.timeout)
        try:
            h = dict(headers or {})
            if self.cookies:
                h['Cookie'] = '; '.join('%s=%s' % kv for kv in self.cookies.items())
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            for k, v in r.getheaders():
                if k.lower() == 'set-cookie':
                    name, _, rest = v.partition('=')
                    name = name.strip()
                    if 'Max-Age=0' in v:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = rest.split(';')[0]
            return r.status, r.getheaders(), data
        finally:
            c.close()

    def request(self, method, path, form=None, headers=None):
        """Sends `form` (a dict; list values repeat the field) url-encoded;
        returns (status, {lower-case header: value}, body text)."""
        h = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            h['Content-Type'] = 'application/x-www-form-urlencoded'
        st, hs, data = self.send(method, path, body, h)
        return st, {k.lower(): v for k, v in hs}, data.decode('utf-8', 'replace')

    def get(self, path):
        return self.request('GET', path)

    def post(self, path, form):
        """Posts a form with the CSRF token from the cookie, unless it has one."""
        form = dict(form)
        form.setdefault('csrf', self.cookies.get('knead_csrf', ''))
        return self.request('POST', path, form)

    def csrf(self, path='/login'):
        """The CSRF token of the form on `path`."""
        _, _, page = self.request('GET', path)
        m = CSRF_FIELD.search(page)
        assert m, page[:400]
        return m.group(1)

    def login(self, email, password, next_path=None):
        """Signs in through /login; returns the answer (status, headers, text)."""
        form = {'csrf': self.csrf(), 'email': email, 'password': password}
        if next_path:
            form['next'] = next_path
        return self.request('POST', '/login', form)


def signed_in(who, password=None, visit=None, server=None):
    """A Browser signed in as `who`: an (email, password) pair, or an email
    with `password` (by default the demo's).  Then it opens `visit`, if given."""
    if isinstance(who, str):
        email, password = who, password or DEMO_PASSWORDS[who]
    else:
        email, password = who
    b = Browser(server)
    st = b.login(email, password)[0]
    assert st == 303, (who, st)
    if visit:
        b.get(visit)
    return b


def rendered(server=None, deadline=30.0):
    """Waits (polling, `deadline` seconds at most) until the server's render
    worker has taken every booking, move and cancellation committed so far
    (sched_events is empty): their e-mails and outbox rows, and the
    waitlist's offers of a freed time, are written then, after the commit.
    Call it before counting any of those, or before saying there is none."""
    server = server or Server.main
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if server.sql('SELECT count(*) FROM sched_events')[0][0] == 0:
            return
        time.sleep(0.05)
    raise AssertionError('the render worker left changes waiting for %.0f s\n%s'
                         % (deadline, server.log()[-3000:]))


def link_signed_in(server, smtp, email, public='http://clinic.test', deadline=30.0):
    """A Browser signed in to the portal through the sign-in link mailed to
    email.  Only sign-in messages count: a booking's confirmation, rendered
    by the worker after its commit, may arrive at any moment in between."""
    link = re.compile(re.escape(public) + r'(/account/link/[A-Za-z0-9_-]{22})')

    def links():
        return [m for m in smtp.to(email) if 'sign-in link' in str(m['Subject'])]
    b = Browser(server)
    before = len(links())
    b.csrf('/account')
    st, _, _ = b.post('/account', {'email': email})
    assert st == 303, st
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        ms = links()
        if len(ms) > before:
            body = ms[-1].get_body(preferencelist=('plain',)).get_content()
            m = link.search(body)
            assert m, body
            b.get(m.group(1))
            st, h, _ = b.post(m.group(1), {})
            assert st == 303, (st, h)
            return b
        time.sleep(0.05)
    raise AssertionError('no sign-in link for %s' % email)


def finish(server):
    """Stops the server with SIGTERM and removes its files; fails when it did
    not exit 0 or its log shows a sanitizer report (ASan, LSan, UBSan), and
    likewise for its `knead debug sql --batch` process (Server.sql)."""
    code = server.stop()
    log = server.log()
    sql_problem = server.close_sql()
    server.cleanup()
    if code != 0 or re.search(r'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:', log):
        raise AssertionError('server exited %r:\n%s' % (code, log[-4000:]))
    if sql_problem:
        raise AssertionError(sql_problem)


def client_account(server, email='cara.client@example.com', name='Cara Client',
                   password='client-pass-123'):
    """A Browser signed in as a client account, made once with `knead user add`."""
    exists = server.sql('SELECT count(*) FROM users WHERE email = ?1', email)[0][0]
    if not exists:
        path = os.path.join(server.dir, 'client-pw')
        with open(path, 'w') as f:
            f.write(password + '\n')
        r = server.run_cli('user', 'add', '--db', server.db, '--email', email, '--name', name,
                           '--role', 'client', '--password-file', path)
        assert r.returncode == 0, r.stderr
    return signed_in((email, password), server=server)


def clear_failures(server=None):
    """Forgets failed sign-ins: every test signs in from 127.0.0.1, and the
    address throttle would carry over from one test to the next."""
    (server or Server.main).sql('DELETE FROM login_failures')


def text(page):
    """The visible text of a page, whitespace collapsed, entities decoded."""
    import html
    return re.sub(r'\s+', ' ', html.unescape(re.sub(r'<[^>]+>', ' ', page)))


def run_suite(module_globals):
    """Runs the unittest cases of a module and prints 'RESULT passed failed'."""
    import sys
    import unittest
    import time
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module_globals['__name__']])
    took = []

    class Timed(unittest.TextTestResult):
        # each test's wall time, for the slowest list below (what to make faster)
        def startTest(self, test):
            self._t0 = time.monotonic()
            super().startTest(test)

        def stopTest(self, test):
            # (a suite may shadow TestCase.id with a field of its own)
            took.append((time.monotonic() - self._t0, '%s.%s' % (
                type(test).__name__, getattr(test, '_testMethodName', '?'))))
            super().stopTest(test)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout, resultclass=Timed).run(suite)
    for secs, name in sorted(took, reverse=True)[:5]:
        print('slowest: %6.1f s %s' % (secs, name))
    bad = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    print('RESULT %d %d' % (result.testsRun - bad - len(result.skipped), bad))
    sys.exit(1 if bad else 0)


if __name__ == '__main__' and len(sys.argv) == 4 and sys.argv[1] == '--pg-template':
    # tests/run-all.sh: python3 tests/http/harness.py --pg-template KNEAD NAME
    pg_make_template(sys.argv[2], sys.argv[3])
