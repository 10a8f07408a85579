/* notify — LISTEN/NOTIFY against a version read, measured (issue 10 §3/§5).
 *
 *   notify URL [ROUNDS] [GAP_US]
 *
 * Two servers on one database must agree: a change made through one is seen
 * by the other's next request.  Either the other reads the version numbers
 * on every request (a round trip), or it listens (LISTEN) and trusts its
 * cache until a notification says otherwise.  This program measures both on
 * the database at URL (a scratch one: it creates and drops a table):
 *
 *   - a writer connection commits a durable change that notifies (as the
 *     version triggers would), ROUNDS times;
 *   - the moment its COMMIT returns (what the first server answers its
 *     client after) plus GAP_US microseconds (the client's trip to the second
 *     server; 0 = none), a listener connection (the second server's) looks
 *     for the notification without waiting: "missed" counts the rounds where
 *     it was not there yet -- the rounds where the second server's next
 *     request would have answered from its stale cache -- and it then waits
 *     (1 s bound) to time when it arrived;
 *   - a third connection times the version read's round trip.
 *
 * Prints one line per measure.  127.0.0.1 only (the URL is the caller's). */
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, int p)
{
    int i = n * p / 100;
    return n ? v[i < n ? i : n - 1] : 0;
}

static int run(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    int ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "notify: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    return ok ? 0 : -1;
}

/* 1 when a notification is there now (consumes it), 0 when not, -1 on error. */
static int take(PGconn *c)
{
    PGnotify *n;
    if (!PQconsumeInput(c))
        return -1;
    if ((n = PQnotifies(c)) == NULL)
        return 0;
    PQfreemem(n);
    while ((n = PQnotifies(c)) != NULL)
        PQfreemem(n);
    return 1;
}

int main(int argc, char **argv)
{
    const char *url = argc > 1 ? argv[1] : NULL;
    int rounds = argc > 2 ? atoi(argv[2]) : 2000;
    double gap = argc > 3 ? atof(argv[3]) : 0;
    int rc = 1, missed = 0, lost = 0, n = 0;
    double *late = NULL, *rt = NULL;
    PGconn *w = NULL, *l = NULL, *v = NULL;
    if (!url || rounds < 1 || rounds > 1000000 || gap < 0) {
        fprintf(stderr, "usage: notify URL [ROUNDS] [GAP_US]\n");
        return 2;
    }
    late = calloc((size_t)rounds, sizeof *late);
    rt = calloc((size_t)rounds, sizeof *rt);
    w = PQconnectdb(url);
    l = PQconnectdb(url);
    v = PQconnectdb(url);
    if (!late || !rt || PQstatus(w) != CONNECTION_OK || PQstatus(l) != CONNECTION_OK ||
        PQstatus(v) != CONNECTION_OK) {
        fprintf(stderr, "notify: cannot connect: %s", PQerrorMessage(w));
        goto done;
    }
    if (run(w, "SET synchronous_commit = on; SET client_min_messages = warning") < 0 ||
        run(w, "DROP TABLE IF EXISTS knead_notify_bench") < 0 ||
        run(w, "CREATE TABLE knead_notify_bench (id int PRIMARY KEY, v bigint NOT NULL)") < 0 ||
        run(w, "INSERT INTO knead_notify_bench VALUES (1, 0)") < 0 ||
        run(l, "LISTEN knead_notify_bench") < 0 ||
        run(v, "PREPARE ver AS SELECT v FROM knead_notify_bench WHERE id = 1") < 0)
        goto done;
    for (int i = 0; i < rounds; i++) {
        double t0 = now_us(), t1;
        if (run(v, "EXECUTE ver") < 0)
            goto done;
        rt[i] = now_us() - t0;
        /* one implicit transaction: the change and its notification */
        if (run(w, "UPDATE knead_notify_bench SET v = v + 1 WHERE id = 1;"
                   " SELECT pg_notify('knead_notify_bench', '')") < 0)
            goto done;
        t1 = now_us();
        while (gap > 0 && now_us() - t1 < gap)
            ;
        int got = take(l);
        if (got < 0)
            goto done;
        if (!got) {
            missed++;
            struct pollfd p = {.fd = PQsocket(l), .events = POLLIN};
            while (!got && now_us() - t1 < 1e6) {
                if (poll(&p, 1, 10) < 0 || (got = take(l)) < 0)
                    goto done;
            }
            if (!got) {
                lost++;
                continue;
            }
        }
        late[n++] = now_us() - t1;
    }
    qsort(late, (size_t)n, sizeof *late, cmp);
    qsort(rt, (size_t)rounds, sizeof *rt, cmp);
    printf("notify: %d durable commits; the listener had not yet been told when the writer's"
           " COMMIT returned (+%.0f us) in %d (%.2f %%)%s\n",
           rounds, gap, missed, 100.0 * missed / rounds, lost ? " (some never within 1 s)" : "");
    printf("notify: the notification seen after the COMMIT returned: p50 %.0f us, p99 %.0f us,"
           " max %.0f us\n",
           pct(late, n, 50), pct(late, n, 99), n ? late[n - 1] : 0.0);
    printf("notify: a version read's round trip: p50 %.0f us, p99 %.0f us\n", pct(rt, rounds, 50),
           pct(rt, rounds, 99));
    printf("NOTIFY %d %d %.0f %.0f %.0f %.0f\n", rounds, missed, pct(late, n, 50),
           pct(late, n, 99), pct(rt, rounds, 50), pct(rt, rounds, 99));
    rc = run(w, "DROP TABLE knead_notify_bench") < 0;
done:
    PQfinish(w);
    PQfinish(l);
    PQfinish(v);
    free(late);
    free(rt);
    return rc;
}
