"""The SMTP server the HTTP tests send the clinic's e-mail to: Debian's aiosmtpd
(python3-aiosmtpd, installed by scripts/deps.sh --test) on a loopback port, keeping
every message it accepted for the test to read.  Run the suites with /usr/bin/python3
(tests/run-all.sh does), which has it.

The port is held from the moment a Smtpd is made: a socket bound to it (and not
listening) keeps any other process from taking it, and makes connections fail as they
would to a server that is down.  start() listens on that very socket, stop() closes it
and binds the port again at once, so a test can stop and restart the server on the
same port without another program grabbing it in between."""
import email
import email.policy
import socket
import threading

try:
    from aiosmtpd.controller import Controller
except ImportError as e:  # pragma: no cover - a setup problem, said plainly
    raise ImportError('tests/http/mailcatch.py needs aiosmtpd: run the suite with '
                      "/usr/bin/python3 (Debian's python3-aiosmtpd)") from e


def _hold(port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', port))
    return s


class _Controller(Controller):
    """aiosmtpd's controller, serving on a socket we bound ourselves."""

    def __init__(self, handler, sock, **kw):
        self._sock = sock
        super().__init__(handler, **kw)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


class _Keep:
    def __init__(self, box):
        self.box = box

    async def handle_DATA(self, server, session, envelope):
        # called only for a message that arrived whole (up to the final '.'): one cut
        # off on the way was never sent, and is not kept (RFC 5321)
        with self.box.lock:
            self.box.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                      bytes(envelope.content)))
        return '250 OK queued'


class Smtpd:
    """Accepts every message; keeps (mail_from, [rcpt], bytes) in .messages."""

    def __init__(self):
        self.sock = _hold()
        self.port = self.sock.getsockname()[1]
        self.messages = []
        self.lock = threading.Lock()
        self.controller = None

    def start(self):
        if self.sock is None:
            self.sock = _hold(self.port)
        self.controller = _Controller(_Keep(self), self.sock, hostname='127.0.0.1',
                                      port=self.port, ready_timeout=10)
        self.controller.start()
        self.sock = None  # the server owns it now
        return self

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None
            self.sock = _hold(self.port)

    def to(self, rcpt):
        with self.lock:
            return [email.message_from_bytes(m[2], policy=email.policy.default)
                    for m in self.messages if rcpt in m[1]]

    def count(self):
        with self.lock:
            return len(self.messages)
