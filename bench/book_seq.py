"""What one booking costs PostgreSQL when bookings come one at a time (one
client, each booked after the last answered, so the workers' wake-ups after
each commit are not merged with the next booking's): starts `knead serve` on
DB (a postgresql:// URL holding a fresh `knead demo` clinic) with the clock
pinned to Monday 2026-11-30 06:00 and nothing listening for SMTP, books N
free starts over the next days, waits 3 s for the workers to settle, and
prints the store's statements and round trips per booking from /metrics, and
the webhook worker's reads (`knead_webhook_queue_reads_total`, when the build
has it).  Run the old and the new binary alternately, each on a database of
its own.  127.0.0.1 only.

usage: /usr/bin/python3 bench/book_seq.py KNEAD DB [N]"""
import http.client
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import book  # noqa: E402
from lease_idle import free_port, metrics  # noqa: E402


def main():
    knead, db = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    port = free_port()
    tmp = tempfile.mkdtemp()
    ini = os.path.join(tmp, 'b.ini')
    with open(ini, 'w') as f:
        f.write('[limits]\nbookings_per_hour = 0\n[webhooks]\nkey_file = %s\n'
                % os.path.join(tmp, 'wh.key'))
    p = subprocess.Popen([knead, 'serve', '--db', db, '--config', ini, '--quiet',
                          '--listen', '127.0.0.1:%d' % port, '--now', '2026-11-30T06:00:00-09:00'],
                         stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + 20
        while True:
            try:
                metrics(port)
                break
            except OSError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
        todo = []
        who = book.therapists(conn)
        for day in book.days_from('2026-11-30', 10):
            for t in who:
                todo += [(s, t) for s in book.free_starts(conn, day, t)[::5]]
                if len(todo) >= n:
                    break
            if len(todo) >= n:
                break
        todo = todo[:n]
        time.sleep(3)
        m0 = metrics(port)
        ok = sum(1 for i, (s, t) in enumerate(todo) if book.book(conn, s, t, 200000 + i) == 201)
        time.sleep(3)
        m1 = metrics(port)

        def moved(k):
            return m1.get(k, 0) - m0.get(k, 0)
        woken = 'knead_webhook_queue_reads_total{why="woken"}'
        # per booking, over the bookings and the 3 s after them (the workers'
        # timed looks and the lease's renewals in that time included)
        print('bookings %d statements %.2f round_trips %.2f webhook_reads_woken %s' % (
            ok, moved('knead_db_statements_total') / ok, moved('knead_db_round_trips_total') / ok,
            '%.2f' % (moved(woken) / ok) if woken in m1 else 'n/a'))
    finally:
        p.terminate()
        p.wait()


main()
