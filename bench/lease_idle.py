"""What the claims' lease (mail/lease.c) costs an idle server: starts
`knead serve` on DB (a SQLite path or a postgresql:// URL holding a clinic,
e.g. made by `knead demo`), lets it settle 5 s, then over SECONDS counts the
store's statements and round trips (PostgreSQL) or commits (SQLite) from
/metrics and the process's CPU time (/proc/PID/stat utime+stime).  Run the
old and the new binary one after the other on the same database.

usage: /usr/bin/python3 bench/lease_idle.py KNEAD DB [SECONDS]"""
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def metrics(port):
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    c.request('GET', '/metrics')
    out = {}
    for line in c.getresponse().read().decode().splitlines():
        if line.startswith('knead_') and ' ' in line:  # every sample (book_seq.py reads more)
            k, v = line.rsplit(' ', 1)
            out[k] = float(v)
    return out


def cpu(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def main():
    knead, db = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 60
    d = tempfile.mkdtemp(prefix='knead-lease-')
    cfg = os.path.join(d, 'k.ini')
    with open(cfg, 'w') as f:
        f.write('[webhooks]\nkey_file = %s\n' % os.path.join(d, 'key'))
    port = free_port()
    p = subprocess.Popen([knead, 'serve', '--db', db, '--listen', '127.0.0.1:%d' % port,
                          '--config', cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                metrics(port)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        time.sleep(5)  # the workers' first looks
        m0, c0, t0 = metrics(port), cpu(p.pid), time.monotonic()
        time.sleep(seconds)
        m1, c1, t1 = metrics(port), cpu(p.pid), time.monotonic()
        per_min = 60 / (t1 - t0)
        parts = ['%s %.1f/min' % (k.replace('knead_db_', ''), (m1[k] - m0.get(k, 0)) * per_min)
                 for k in ('knead_db_statements_total', 'knead_db_round_trips_total',
                           'knead_db_commits_total') if k in m1]
        parts.append('CPU %.1f ms/min' % ((c1 - c0) * 1000 * per_min))
        print('%s: %s (less the scrape\'s own)' % (knead, ', '.join(parts)))
    finally:
        p.terminate()
        p.wait(timeout=30)


if __name__ == '__main__':
    main()
