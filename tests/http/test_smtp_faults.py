"""E-mail when the SMTP server misbehaves: a server that takes DATA and never
answers, one that refuses (5xx, permanent) or defers (4xx, retried), one
that drops the connection, and SIGTERM in the middle of a transfer.  The
SMTP server is written here, on a loopback port, and behaves by recipient.
Every wait polls with a deadline.

usage: test_smtp_faults.py PATH/TO/knead"""
import json
import os
import re
import signal
import socket
import sqlite3
import sys
import threading
import time
import unittest
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_suite  # noqa: E402

KNEAD = sys.argv[1] if len(sys.argv) > 1 else 'build-san/knead'
NOW = '2026-11-24T09:00:00-09:00'
TIMEOUT = 2  # [smtp] timeout_seconds for the module's server
S = None
SMTP = None

# By recipient: how the server answers.  Anything else is accepted.
REFUSE = ('550-5.1.1 <reject@example.com>: Recipient address rejected:',
          '550 5.1.1 User unknown in virtual mailbox table')
DEFER = ('451 4.7.1 Greylisted, please try again later',)


class ControlledSmtp:
    """An SMTP server whose answers depend on the recipient: hang@... gets
    354 for DATA and then silence; reject@... a multi-line 550 for RCPT;
    later@... 451 for RCPT; drop@... a closed connection after RCPT."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.accepted = []   # recipients whose message was taken
        self.hanging = {}    # recipient -> monotonic time DATA ended without an answer
        self.release = threading.Event()
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self):
        self.release.set()
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self._session, args=(c,), daemon=True).start()

    def _session(self, c):
        f = c.makefile('rb')

        def send(*lines):
            c.sendall(''.join(l + '\r\n' for l in lines).encode())
        rcpt = ''
        try:
            send('220 faults.test ESMTP')
            while True:
                line = f.readline()
                if not line:
                    return
                cmd = line.decode('ascii', 'replace').strip()
                verb = cmd.split(' ', 1)[0].upper()
                if verb in ('EHLO', 'HELO'):
                    send('250 faults.test')
                elif verb == 'MAIL':
                    send('250 OK')
                elif verb == 'RCPT':
                    rcpt = cmd[8:].strip().strip('<>')
                    local = rcpt.split('@')[0]
                    if local.startswith('reject'):
                        send(*REFUSE)
                    elif local.startswith('later'):
                        send(*DEFER)
                    elif local.startswith('drop'):
                        return
                    else:
                        send('250 OK')
                elif verb == 'DATA':
                    send('354 go ahead')
                    while True:
                        l = f.readline()
                        if not l or l == b'.\r\n':
                            break
                    if rcpt.startswith('hang'):
                        with self.lock:
                            self.hanging.setdefault(rcpt, time.monotonic())
                        self.release.wait(120)
                        return
                    with self.lock:
                        self.accepted.append(rcpt)
                    send('250 OK queued')
                elif verb in ('RSET', 'NOOP'):
                    send('250 OK')
                elif verb == 'QUIT':
                    send('221 bye')
                    return
                else:
                    send('502 unknown')
        except OSError:
            pass
        finally:
            c.close()


def wait_for(what, fn, deadline=30.0, server=None):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        got = fn()
        if got:
            return got
        time.sleep(0.02)
    raise AssertionError('timed out waiting for ' + what + '\n' + (server or S).log()[-3000:])


def start_server(smtp, timeout=None):
    s = Server(KNEAD)
    path = os.path.join(s.dir, 'smtp.ini')
    with open(path, 'w') as f:
        f.write('[smtp]\nhost = 127.0.0.1\nport = %d\nretry_min_seconds = 600\n'
                'retry_max_seconds = 600\n' % smtp.port)
        if timeout:
            f.write('timeout_seconds = %d\n' % timeout)
    s.extra = ['--now', NOW, '--config', path]
    return s.start()


def setUpModule():
    global S, SMTP
    SMTP = ControlledSmtp()
    S = start_server(SMTP, TIMEOUT)


def tearDownModule():
    SMTP.stop()
    if S:
        S.cleanup()


USED = set()


def book(server, email):
    """Books a free start for `email`; the confirmation goes to the outbox."""
    for day in ('2026-11-25', '2026-11-27', '2026-11-28', '2026-11-30'):
        st, _, body = server.request('GET', '/api/v1/availability?service=deep-tissue-60'
                                     '&date=%s' % day)
        assert st == 200, body
        for d in json.loads(body)['days']:
            for x in d['slots']:
                if (server.port, x['start']) in USED:
                    continue
                USED.add((server.port, x['start']))
                st, _, out = server.request('POST', '/api/v1/appointments', body=json.dumps({
                    'service': 'deep-tissue-60', 'therapist': 'any', 'start': x['start'],
                    'client': {'name': 'Mail Test', 'email': email}}).encode(),
                    headers={'Content-Type': 'application/json'})
                if st == 201:
                    return
    raise AssertionError('no free start left')


def outbox(server, email):
    con = sqlite3.connect(server.db)
    try:
        return con.execute('SELECT status, attempts, last_error, next_attempt_at FROM outbox'
                           ' WHERE recipient = ? ORDER BY id', (email,)).fetchone()
    finally:
        con.close()


class Replies(unittest.TestCase):
    def test_a_5xx_is_failed_at_once_with_the_servers_words(self):
        book(S, 'reject@example.com')
        row = wait_for('the refusal', lambda: (outbox(S, 'reject@example.com') or [''])[0] ==
                       'failed' and outbox(S, 'reject@example.com'))
        self.assertEqual(row[1], 1)  # one attempt, no retries
        self.assertIn('550 5.1.1 <reject@example.com>: Recipient address rejected: '
                      '5.1.1 User unknown in virtual mailbox table', row[2])
        r = S.run_cli('outbox', 'list', '--db', S.db)
        self.assertIn('User unknown in virtual mailbox table', r.stdout)

    def test_a_4xx_is_retried_later_with_the_servers_words(self):
        book(S, 'later@example.com')
        row = wait_for('the deferral', lambda: (outbox(S, 'later@example.com') or [0, 0])[1] >= 1
                       and outbox(S, 'later@example.com')[2] and outbox(S, 'later@example.com'))
        self.assertEqual(row[0], 'pending')
        self.assertEqual(row[1], 1)
        self.assertIn('451 4.7.1 Greylisted, please try again later', row[2])
        self.assertGreater(row[3], time.time() + 60)  # after the back-off, not now

    def test_a_dropped_connection_is_retried(self):
        book(S, 'drop@example.com')
        row = wait_for('the network error', lambda: (outbox(S, 'drop@example.com') or [0, 0])[1] >= 1
                       and outbox(S, 'drop@example.com')[2] and outbox(S, 'drop@example.com'))
        self.assertEqual(row[0], 'pending')
        self.assertIn('127.0.0.1:%d' % SMTP.port, row[2])

    def test_a_server_that_never_answers_times_out_and_holds_no_mail_behind_it(self):
        book(S, 'hang1@example.com')
        began = wait_for('the server to take DATA', lambda: SMTP.hanging.get('hang1@example.com'))
        book(S, 'after-hang@example.com')
        row = wait_for('the timeout', lambda: (outbox(S, 'hang1@example.com') or [0, 0, ''])[2]
                       and outbox(S, 'hang1@example.com'), deadline=TIMEOUT + 20)
        gave_up = time.monotonic() - began
        self.assertEqual(row[0], 'pending')
        self.assertIn('no answer within %d s' % TIMEOUT, row[2])
        self.assertLess(gave_up, TIMEOUT + 5)
        wait_for('the next message', lambda: 'after-hang@example.com' in SMTP.accepted,
                 deadline=15)
        # the server has it; the worker marks it sent once the 250 is read and committed
        wait_for('the next message marked sent',
                 lambda: (outbox(S, 'after-hang@example.com') or [''])[0] == 'sent', deadline=15)


class Shutdown(unittest.TestCase):
    def test_sigterm_aborts_a_transfer_within_2_seconds(self):
        smtp = ControlledSmtp()
        s = start_server(smtp)  # the default timeout_seconds (60) never fires here
        try:
            book(s, 'hang2@example.com')
            wait_for('the server to take DATA', lambda: smtp.hanging.get('hang2@example.com'),
                     server=s)
            s.proc.send_signal(signal.SIGTERM)
            code = s.proc.wait(timeout=20)
            log = s.log()
            self.assertEqual(code, 0, log[-2000:])

            def at(pattern):
                m = re.search(r'^(\S+Z) \w+ ' + pattern, log, re.M)
                self.assertIsNotNone(m, log[-2000:])
                return datetime.strptime(m.group(1), '%Y-%m-%dT%H:%M:%S.%fZ')
            took = (at('stopped') - at('received SIGTERM')).total_seconds()
            self.assertLess(took, 2.0, log[-2000:])
            row = outbox(s, 'hang2@example.com')
            self.assertEqual(row[0], 'pending')
            self.assertIn('interrupted by shutdown', row[2])
        finally:
            smtp.stop()
            s.cleanup()


if __name__ == '__main__':
    run_suite(globals())
