"""Starts the real knead binary on a free loopback port against a fresh
database, for HTTP tests.  Nothing here talks to anything but 127.0.0.1."""
import http.client
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

START_TIMEOUT = 20.0


class Server:
    def __init__(self, knead, seed=True, extra=()):
        self.knead = os.path.abspath(knead)
        self.dir = tempfile.mkdtemp(prefix='knead-http-')
        self.db = os.path.join(self.dir, 'knead.db')
        self.log_path = os.path.join(self.dir, 'server.log')
        self.extra = list(extra)
        self.seed = seed
        self.proc = None
        self.port = None

    def run_cli(self, *args, input_text=None):
        return subprocess.run([self.knead, *args], capture_output=True, text=True,
                              input=input_text, timeout=60)

    def start(self):
        if self.seed:
            r = self.run_cli('demo', '--db', self.db)
            if r.returncode != 0:
                raise RuntimeError('knead demo failed: ' + r.stderr)
        log = open(self.log_path, 'w')
        self.proc = subprocess.Popen(
            [self.knead, 'serve', '--db', self.db, '--listen', '127.0.0.1:0', *self.extra],
            stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        pattern = re.compile(r'on http://127\.0\.0\.1:(\d+)/')
        while time.monotonic() < deadline:
            with open(self.log_path) as f:
                m = pattern.search(f.read())
            if m:
                self.port = int(m.group(1))
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
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_suite(module_globals):
    """Runs the unittest cases of a module and prints 'RESULT passed failed'."""
    import sys
    import unittest
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module_globals['__name__']])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    bad = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    print('RESULT %d %d' % (result.testsRun - bad - len(result.skipped), bad))
    sys.exit(1 if bad else 0)
