#!/usr/bin/env python3
"""Books through the real API for the benchmarks (127.0.0.1 only).

  book.py fill PORT START_DATE DAYS FRACTION   fill each day's free starts (seeded random)
  book.py write PORT START_DATE DAYS THREADS   book distinct free slots as fast as possible
  book.py churn PORT DATE ROUNDS               fill one day, cancel it all, fill again (ROUNDS
                                               times): a day view with cancelled and booked rows

Prints one line with what it did."""
import concurrent.futures
import http.client
import json
import random
import sys
import threading
import time
from datetime import date, timedelta

SERVICE = 'deep-tissue-60'


def call(conn, method, path, body=None):
    headers = {'Content-Type': 'application/json'} if body is not None else {}
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    r = conn.getresponse()
    return r.status, json.loads(r.read() or b'null')


def therapists(conn):
    """Every therapist offering SERVICE (bench/grow.sql may have added some)."""
    st, body = call(conn, 'GET', '/api/v1/therapists')
    assert st == 200, body
    return [t['id'] for t in body if SERVICE in t['services']]


def free_starts(conn, day, therapist):
    st, body = call(conn, 'GET', '/api/v1/availability?service=%s&date=%s&therapist=%s'
                    % (SERVICE, day, therapist))
    assert st == 200, body
    return [s['start'] for s in body['days'][0]['slots']]


def book(conn, start, therapist, i, full=False):
    st, body = call(conn, 'POST', '/api/v1/appointments', {
        'service': SERVICE, 'therapist': therapist, 'start': start,
        'client': {'name': 'Bench Client %d' % i, 'email': 'bench%d@example.com' % i}})
    return (st, body) if full else st


def days_from(start, n):
    d0 = date.fromisoformat(start)
    return [(d0 + timedelta(days=i)).isoformat() for i in range(n)]


def fill(port, start, ndays, fraction):
    rnd = random.Random(20261126)
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    booked = 0
    who = therapists(conn)
    for day in days_from(start, ndays):
        for t in who:
            busy_until = ''
            for s in free_starts(conn, day, t):
                # 60 minutes + 15 of buffer: the next start at least 75 minutes later
                if s < busy_until or rnd.random() > fraction:
                    continue
                if book(conn, s, t, booked) == 201:
                    booked += 1
                    h, m = int(s[11:13]), int(s[14:16]) + 75
                    busy_until = s[:11] + '%02d:%02d' % (h + m // 60, m % 60) + s[16:]
    print('filled: %d appointments over %d days' % (booked, ndays))


def db_metrics(port):
    """The store's write counters of /metrics (SQLite): {name: value}."""
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    conn.request('GET', '/metrics')
    text = conn.getresponse().read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith('knead_db_'):
            k, v = line.rsplit(' ', 1)
            out[k] = float(v)
    return out


def commit_report(m0, m1):
    """One line: commits, changes per commit, and the two histograms' means
    and shares over 10 and 20 ms, between two db_metrics readings."""
    d = {k: m1[k] - m0.get(k, 0) for k in m1}
    n = d.get('knead_db_commits_total', 0)
    if not n:
        return 'commits: none counted (not SQLite?)'
    parts = ['commits: %d, %.2f changes each' % (n, d['knead_db_commit_bodies_total'] / n)]
    for name, what in (('knead_db_commit_seconds', 'commit (fsync)'),
                       ('knead_db_write_lock_wait_seconds', 'wait for the write lock')):
        c = d[name + '_count'] or 1
        over = lambda le: 100 * (1 - d['%s_bucket{le="%s"}' % (name, le)] / c)
        parts.append('%s mean %.2f ms, %.1f%% over 10 ms, %.1f%% over 20 ms'
                     % (what, 1000 * d[name + '_sum'] / c, over('0.01'), over('0.02')))
    return '; '.join(parts)


def write(port, start, ndays, threads, others=()):
    """Books every 5th free start; with others (more ports of app servers on
    the same database) the bookings alternate over all of them."""
    ports = [port] + list(others)
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    todo = []
    who = therapists(conn)
    for day in days_from(start, ndays):
        for t in who:
            starts = free_starts(conn, day, t)
            # every 5th start (75 min apart) cannot overlap for one therapist
            todo += [(s, t) for s in starts[::5]]
    local = threading.local()
    m0 = db_metrics(port)

    def one(job):
        i, (s, t) = job
        if not hasattr(local, 'conns'):
            local.conns = [http.client.HTTPConnection('127.0.0.1', p, timeout=30) for p in ports]
        t1 = time.monotonic()
        st = book(local.conns[i % len(ports)], s, t, 100000 + i)
        return st, time.monotonic() - t1
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as ex:
        results = list(ex.map(one, enumerate(todo)))
    dt = time.monotonic() - t0
    ok = [r for r in results if r[0] == 201]
    ms = sorted(r[1] * 1000 for r in ok) or [0.0]
    p50, p99 = ms[len(ms) // 2], ms[min(len(ms) - 1, len(ms) * 99 // 100)]
    # the last line is read by bench/run.sh: bookings/s, p50 ms, p99 ms
    print('write: %d bookings (%d refused) in %.2f s = %.0f bookings/s with %d client threads'
          ' over %d server(s), each answered in p50 %.1f ms, p99 %.1f ms'
          % (len(ok), len(results) - len(ok), dt, len(ok) / dt, threads, len(ports), p50, p99))
    print(commit_report(m0, db_metrics(port)))
    print('WRITE %.0f %.2f %.2f' % (len(ok) / dt, p50, p99))


def churn(port, day, rounds):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    made = 0
    who = therapists(conn)
    for r in range(rounds + 1):
        booked = []
        for t in who:
            busy_until = ''
            for s in free_starts(conn, day, t):
                if s < busy_until:
                    continue
                st, body = book(conn, s, t, 500000 + made, full=True)
                if st == 201:
                    made += 1
                    booked.append(body)
                    h, m = int(s[11:13]), int(s[14:16]) + 75
                    busy_until = s[:11] + '%02d:%02d' % (h + m // 60, m % 60) + s[16:]
        if r < rounds:
            for a in booked:
                tok = a['manage_url'].rsplit('/', 1)[1]
                conn.request('DELETE', '/api/v1/appointments/%d' % a['id'],
                             headers={'Authorization': 'Bearer ' + tok})
                conn.getresponse().read()
    print('churn: %d appointments on %s (the last %d booked, the rest cancelled)'
          % (made, day, len(booked)))


if __name__ == '__main__':
    mode, port, start, ndays = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    x = sys.argv[5] if len(sys.argv) > 5 else ''
    if mode == 'fill':
        fill(port, start, ndays, float(x))
    elif mode == 'churn':
        churn(port, start, int(ndays))
    else:
        others = [int(p) for p in sys.argv[6].split(',')] if len(sys.argv) > 6 else []
        write(port, start, ndays, int(x), others)
