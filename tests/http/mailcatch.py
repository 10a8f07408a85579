"""A small SMTP server on a loopback port for the HTTP tests (written here,
so the tests need nothing beyond Python): it accepts every message and keeps
it for the test to read.  Used by test_outbox.py and test_waitlist.py."""
import email
import email.policy
import socket
import threading


class Smtpd:
    """A small SMTP server: EHLO/HELO, MAIL, RCPT, DATA (dot-unstuffed),
    RSET, NOOP, QUIT.  Keeps every message it accepted; can be stopped and
    started again on the same port."""

    def __init__(self):
        probe = socket.socket()
        probe.bind(('127.0.0.1', 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.messages = []  # (mail_from, [rcpt], bytes)
        self.lock = threading.Lock()
        self.sock = None
        self.thread = None
        self.running = False

    def start(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('127.0.0.1', self.port))
        s.listen(16)
        s.settimeout(0.2)
        self.sock = s
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.running = False
        if self.thread:
            self.thread.join(5)
        if self.sock:
            self.sock.close()
        self.sock = None

    def _accept(self):
        while self.running:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._session, args=(c,), daemon=True).start()

    def _session(self, c):
        c.settimeout(10)
        f = c.makefile('rb')
        send = lambda line: c.sendall(line.encode() + b'\r\n')  # noqa: E731
        try:
            send('220 test.smtp ESMTP ready')
            mail_from, rcpts = None, []
            while True:
                line = f.readline()
                if not line:
                    return
                cmd = line.decode('ascii', 'replace').strip()
                verb = cmd.split(' ', 1)[0].upper()
                if verb in ('EHLO', 'HELO'):
                    send('250 test.smtp')
                elif verb == 'MAIL':
                    mail_from, rcpts = cmd[10:].strip(), []
                    send('250 OK')
                elif verb == 'RCPT':
                    rcpts.append(cmd[8:].strip().strip('<>'))
                    send('250 OK')
                elif verb == 'DATA':
                    send('354 go ahead')
                    lines = []
                    while True:
                        l = f.readline()
                        if not l:
                            return  # the connection broke mid-message: nothing was sent
                        if l == b'.\r\n':
                            break
                        lines.append(l[1:] if l.startswith(b'..') else l)
                    with self.lock:
                        self.messages.append((mail_from, rcpts, b''.join(lines)))
                    send('250 OK queued')
                elif verb in ('RSET', 'NOOP'):
                    send('250 OK')
                elif verb == 'QUIT':
                    send('221 bye')
                    return
                else:
                    send('502 command unknown to this test server')
        except OSError:
            pass
        finally:
            c.close()

    def to(self, rcpt):
        with self.lock:
            return [email.message_from_bytes(m[2], policy=email.policy.default)
                    for m in self.messages if rcpt in m[1]]

    def count(self):
        with self.lock:
            return len(self.messages)
