#!/usr/bin/env python3
"""`book.py write PORT 2026-11-30 30 16` on PostgreSQL, measured around the writes only
(not the availability reads that find the free starts): the app server's CPU (utime +
stime of SPID), the CPU of every backend of the cluster (the children of the postmaster
PM), the statements (pg_stat_statements of DBURL) and the WAL flushes (pg_stat_wal),
each per booking.  Run by
bench/pg_ab.sh.  usage: SPID=.. PM=.. DBURL=.. PSQL=.. book_cpu.py PORT
DAYS (default 30): how many days from 2026-11-30; ANY=1: each booking asks for "any
therapist" at the start found free for one (the booking then holds every therapist
offering the service, not one)."""
import os, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import book
SPID, PM = int(os.environ['SPID']), int(os.environ['PM'])
DB, PSQL = os.environ['DBURL'], os.environ['PSQL']

def ticks(pids):
    t = 0
    for p in pids:
        try:
            f = open('/proc/%d/stat' % p).read().rsplit(')', 1)[1].split()
            t += int(f[11]) + int(f[12])
        except OSError:
            pass
    return t

def kids():
    out = subprocess.run(['ps', '-o', 'pid=', '--ppid', str(PM)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]

def q(sql):
    return int(subprocess.run([PSQL, '-qAt', DB, '-c', sql], capture_output=True, text=True).stdout.strip() or 0)

STMTS = ("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM"
         " pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat%'")
# WAL flushes (pg_stat_wal.wal_sync, the cluster's; the writes' render and outbox
# passes included): the backends report it at most once a second, or 10 s after they
# went idle, so it is read 11 s after the reads before the writes and 11 s after them.
WAL = "SELECT wal_sync FROM pg_stat_wal"
wal = []
marks = []
orig = book.db_metrics
def dm(port):
    if not marks:
        time.sleep(11)
        wal.append(q(WAL))
    marks.append((ticks([SPID]), ticks(kids()), q(STMTS), q("SELECT count(*) FROM appointments")))
    return orig(port)
book.db_metrics = dm
if os.environ.get('ANY') == '1':
    one_book = book.book
    book.book = lambda conn, start, therapist, i, full=False: one_book(conn, start, 'any', i, full)
book.write(int(sys.argv[1]), '2026-11-30', int(os.environ.get('DAYS', '30')), 16)
(s0, p0, q0, n0), (s1, p1, q1, n1) = marks[0], marks[-1]
n = n1 - n0
time.sleep(11)
wal.append(q(WAL))
print('MEASURE bookings %d server_ms %.3f pg_ms %.3f statements %.2f flushes %.2f' % (
    n, (s1 - s0) * 10.0 / n, (p1 - p0) * 10.0 / n, (q1 - q0 - 1) / n, (wal[1] - wal[0]) / n))
