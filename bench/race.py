#!/usr/bin/env python3
"""The race test of tests/http/test_two_servers.py as a benchmark (127.0.0.1 only),
against one address: nginx in front of two app servers (bench/pg.sh).

  race.py one PORT                    100 concurrent bookings of one slot: exactly one 201
  race.py mixed PORT SECONDS THREADS  bookings, moves and cancels of the demo's next week
                                      from THREADS client threads for SECONDS

Prints one line with what happened (answers per kind, operations/s, p50 and p99 of the
answers); exits 1 when the one-slot race does not end with one 201 and 99 409s, or an
answer is neither a success nor a refusal (409/422).  The caller checks the calendar
for overlaps in the database."""
import concurrent.futures
import http.client
import json
import random
import sys
import threading
import time

SERVICE = 'deep-tissue-60'
THERAPISTS = ('maren-holt', 'tomas-reyes')


def call(conn, method, path, body=None, headers=None):
    h = dict(headers or {})
    if body is not None:
        h['Content-Type'] = 'application/json'
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = conn.getresponse()
    data = r.read()
    try:
        return r.status, json.loads(data or b'null')
    except ValueError:
        return r.status, None


def book(conn, start, therapist, i):
    return call(conn, 'POST', '/api/v1/appointments', {
        'service': SERVICE, 'therapist': therapist, 'start': start,
        'client': {'name': 'Racer %d' % i, 'email': 'racer%d@example.com' % i}})


def pcts(ms):
    ms = sorted(ms) or [0.0]
    return ms[len(ms) // 2], ms[min(len(ms) - 1, len(ms) * 99 // 100)]


def one(port):
    start = '2026-12-08T10:00:00-09:00'

    def attempt(i):
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
        t = time.monotonic()
        st, _ = book(conn, start, 'maren-holt', i)
        conn.close()
        return st, (time.monotonic() - t) * 1000
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=100) as ex:
        res = list(ex.map(attempt, range(100)))
    dt = time.monotonic() - t0
    codes = [r[0] for r in res]
    p50, p99 = pcts([r[1] for r in res])
    print('race one slot: 100 concurrent bookings: %d x 201, %d x 409, other %s; all answered'
          ' in %.2f s (p50 %.1f ms, p99 %.1f ms)'
          % (codes.count(201), codes.count(409),
             sorted(c for c in codes if c not in (201, 409)), dt, p50, p99))
    return 0 if codes.count(201) == 1 and codes.count(409) == 99 else 1


def a_start(rnd):
    """A start on the demo's grid, Monday 2026-11-30 to Friday 2026-12-04."""
    day = 30 + rnd.randrange(5)
    month, day = (11, day) if day <= 30 else (12, day - 30)
    return '2026-%02d-%02dT%02d:%02d:00-09:00' % (month, day, 10 + rnd.randrange(7),
                                                  rnd.choice((0, 15, 30, 45)))


def mixed(port, seconds, threads):
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    counts = {'book': 0, 'move': 0, 'cancel': 0, 'refused': 0}
    bad = []
    times = []

    def worker(i):
        rnd = random.Random(i)
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
        mine = []  # (id, token) still booked
        while time.monotonic() < deadline:
            op = rnd.random()
            t = time.monotonic()
            if op < 0.6 or not mine:
                st, body = book(conn, a_start(rnd), rnd.choice(THERAPISTS + ('any',)),
                                rnd.randrange(40) + 40 * i)
                kind = 'book'
                if st == 201:
                    mine.append((body['id'], body['manage_url'].rsplit('/', 1)[1]))
            else:
                k = rnd.randrange(len(mine))
                aid, tok = mine[k]
                auth = {'Authorization': 'Bearer ' + tok}
                if op < 0.85:
                    kind = 'move'
                    st, body = call(conn, 'POST', '/api/v1/appointments/%d/reschedule' % aid,
                                    {'start': a_start(rnd)}, auth)
                else:
                    kind = 'cancel'
                    st, body = call(conn, 'DELETE', '/api/v1/appointments/%d' % aid, None, auth)
                    if st == 200:
                        mine.pop(k)
            ms = (time.monotonic() - t) * 1000
            with lock:
                times.append(ms)
                if st in (200, 201):
                    counts[kind] += 1
                elif st in (409, 422):
                    counts['refused'] += 1
                else:
                    bad.append((kind, st, body))
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as ex:
        for f in [ex.submit(worker, i) for i in range(threads)]:
            f.result()
    dt = time.monotonic() - t0
    p50, p99 = pcts(times)
    print('race mixed: %d threads for %.0f s: %d bookings, %d moves, %d cancels, %d refused'
          ' (409/422), %d other = %.0f operations/s, each answered in p50 %.1f ms, p99 %.1f ms'
          % (threads, dt, counts['book'], counts['move'], counts['cancel'], counts['refused'],
             len(bad), len(times) / dt, p50, p99))
    for b in bad[:5]:
        print('race mixed: unexpected answer: %s %s %s' % b)
    return 1 if bad else 0


if __name__ == '__main__':
    if len(sys.argv) >= 3 and sys.argv[1] == 'one':
        sys.exit(one(int(sys.argv[2])))
    if len(sys.argv) >= 5 and sys.argv[1] == 'mixed':
        sys.exit(mixed(int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
