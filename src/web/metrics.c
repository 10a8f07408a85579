/* metrics — see metrics.h.  Counters are read without locks (relaxed
 * atomics, http/metrics.c and svc/booking.c); the outbox's depth is one
 * indexed GROUP BY at scrape time, and the webhook queue's another.  A
 * database that cannot be read makes knead_up 0 and leaves out the outbox
 * and webhook lines, never the whole answer. */
#include "web/metrics.h"

#include <inttypes.h>

#include "app.h"
#include "http/metrics.h"
#include "mail/whsend.h"
#include "store/store.h"
#include "svc/booking.h"
#include "util/blobcache.h"
#include "util/log.h"
#include "web/page.h"

static void counter(struct sb *b, const char *name, const char *help, uint64_t v)
{
    sb_addf(b, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIu64 "\n", name, help, name, name, v);
}

/* A counter with one label of two values: name{label="k1"} v1, then k2's. */
static void counter2(struct sb *b, const char *name, const char *help, const char *label,
                     const char *k1, uint64_t v1, const char *k2, uint64_t v2)
{
    sb_addf(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
    sb_addf(b, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, k1, v1);
    sb_addf(b, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, k2, v2);
}

/* A Prometheus histogram of durations counted in microseconds. */
static void histogram(struct sb *b, const char *name, const char *help,
                      const struct store_hist *h)
{
    sb_addf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    for (size_t i = 0; i + 1 < STORE_HIST_N; i++)
        sb_addf(b, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name,
                (double)STORE_HIST_BOUNDS_US[i] / 1e6, h->le[i]);
    sb_addf(b, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, h->le[STORE_HIST_N - 1]);
    sb_addf(b, "%s_sum %.6f\n%s_count %" PRIu64 "\n", name, (double)h->sum_us / 1e6, name,
            h->count);
}

void metrics_page(struct req *r)
{
    struct app *app = r->app;
    struct sb *b = &r->resp.body;
    struct err e = {0};
    struct outbox_tally t;
    struct wh_tally wt;
    struct sched_stats st = {0};

    enum err_code rc = db_outbox_tally(web_db(r), &t, &e);
    if (rc == E_OK)
        rc = db_wh_tally(web_db(r), &wt, &e);
    if (rc != E_OK)
        log_warn("metrics: cannot count the outbox: %s", e.msg);
    resp_start(r, 200, "text/plain; version=0.0.4; charset=utf-8");
    resp_header(r, "Cache-Control", "no-store");
    sb_addf(b, "# HELP knead_up 1 when the database answered this scrape.\n"
               "# TYPE knead_up gauge\nknead_up %d\n",
            rc == E_OK);
    if (app->metrics)
        http_metrics_render(app->metrics, b);
    if (app->sched)
        sched_cache_stats(app->sched, &st);
    counter(b, "knead_bookings_total", "Bookings committed since start (online and desk).",
            st.bookings);
    sb_adds(b, "# HELP knead_cache_requests_total Cache look-ups since start, by cache and "
               "result (setup: the clinic set-up; days: computed free slots of a day; answers: "
               "whole availability answers, and their compressed copies; fragments: the kept "
               "pages and page parts, the staff day view's grid, the reports, and their "
               "compressed copies).\n"
               "# TYPE knead_cache_requests_total counter\n");
    sb_addf(b, "knead_cache_requests_total{cache=\"setup\",result=\"hit\"} %" PRIu64 "\n",
            st.setup_hits);
    sb_addf(b, "knead_cache_requests_total{cache=\"setup\",result=\"miss\"} %" PRIu64 "\n",
            st.setup_misses);
    sb_addf(b, "knead_cache_requests_total{cache=\"days\",result=\"hit\"} %" PRIu64 "\n",
            st.day_hits);
    sb_addf(b, "knead_cache_requests_total{cache=\"days\",result=\"miss\"} %" PRIu64 "\n",
            st.day_misses);
    sb_addf(b, "knead_cache_requests_total{cache=\"answers\",result=\"hit\"} %" PRIu64 "\n",
            st.answer_hits);
    sb_addf(b, "knead_cache_requests_total{cache=\"answers\",result=\"miss\"} %" PRIu64 "\n",
            st.answer_misses);
    uint64_t fhits = 0, fmisses = 0;
    if (app->fragments)
        blobcache_stats(app->fragments, &fhits, &fmisses);
    sb_addf(b, "knead_cache_requests_total{cache=\"fragments\",result=\"hit\"} %" PRIu64 "\n",
            fhits);
    sb_addf(b, "knead_cache_requests_total{cache=\"fragments\",result=\"miss\"} %" PRIu64 "\n",
            fmisses);
    sb_adds(b, "# HELP knead_db_unavailable_answers_total Answers of 503 because the database "
               "was busy (its write lock held past the timeout), full, or unwritable.\n"
               "# TYPE knead_db_unavailable_answers_total counter\n");
    sb_addf(b, "knead_db_unavailable_answers_total{reason=\"busy\"} %" PRIu64 "\n",
            __atomic_load_n(&app->db_busy_answers, __ATOMIC_RELAXED));
    sb_addf(b, "knead_db_unavailable_answers_total{reason=\"full\"} %" PRIu64 "\n",
            __atomic_load_n(&app->db_full_answers, __ATOMIC_RELAXED));
    sb_addf(b, "knead_db_unavailable_answers_total{reason=\"unwritable\"} %" PRIu64 "\n",
            __atomic_load_n(&app->db_unavailable_answers, __ATOMIC_RELAXED));
    struct store_stats ss;
    if (store_stats(app->store, &ss) && (ss.has & STORE_HAS_TRIPS)) {
        counter(b, "knead_db_statements_total",
                "Statements sent to the database server since start (PostgreSQL).",
                ss.statements);
        counter(b, "knead_db_round_trips_total",
                "Round trips to the database server those statements took (a transaction's "
                "BEGIN travels with its first statement).",
                ss.round_trips);
    }
    if (ss.has & STORE_HAS_VERSIONS) {
        counter2(b, "knead_db_version_reads_total",
                 "The data versions that key the caches (set-up, availability, pages): read "
                 "from the database (read), or known unchanged because nothing had committed "
                 "since the last read (kept).",
                 "how", "read", ss.versions_read, "kept", ss.versions_kept);
    }
    if (ss.has & STORE_HAS_SHARED) {
        counter2(b, "knead_db_version_reads_total",
                 "The data versions that key the caches (set-up, availability, pages), outside "
                 "a transaction: read by the request itself (read), or taken from a read "
                 "another request began after it arrived (shared).",
                 "how", "read", ss.version_reads, "shared", ss.version_reads_shared);
    }
    if (ss.has & STORE_HAS_COMMITS) {
        counter(b, "knead_db_commits_total",
                "Writing transactions committed since start (each one sync of the database's log).",
                ss.commits);
        counter(b, "knead_db_commit_bodies_total",
                "Changes those commits carried (bookings that arrive together share one).",
                ss.bodies);
        histogram(b, "knead_db_write_lock_wait_seconds",
                  "Time a writing transaction waited for the write lock before it began.",
                  &ss.lock_wait);
        histogram(b, "knead_db_commit_seconds",
                  "Time a commit took (the sync of the database's log to the disk).", &ss.commit);
    }
    if (r->app->whsend) {
        struct whsend_stats ws;
        whsend_stats(r->app->whsend, &ws);
        counter2(b, "knead_webhook_queue_reads_total",
                 "The webhook worker's reads of its queue since start: woken (after a commit, "
                 "or an endpoint added, saved or pinged; a commit's wake-up reads nothing while "
                 "no endpoint is enabled) or timed (once a second).",
                 "why", "woken", ws.looks_woken, "timed", ws.looks_timed);
    }
    if (rc == E_OK) {
        sb_adds(b, "# HELP knead_outbox_messages Messages in the outbox (e-mail and text), by "
                   "status: pending (queued or waiting to retry), sending, failed (gave up), "
                   "sent (kept until purged).\n"
                   "# TYPE knead_outbox_messages gauge\n");
        sb_addf(b, "knead_outbox_messages{status=\"pending\"} %" PRId64 "\n", t.pending);
        sb_addf(b, "knead_outbox_messages{status=\"sending\"} %" PRId64 "\n", t.sending);
        sb_addf(b, "knead_outbox_messages{status=\"failed\"} %" PRId64 "\n", t.failed);
        sb_addf(b, "knead_outbox_messages{status=\"sent\"} %" PRId64 "\n", t.sent);
        sb_adds(b, "# HELP knead_webhook_deliveries Webhook deliveries, by status: pending "
                   "(queued or waiting to retry), sending, failed (gave up), delivered.\n"
                   "# TYPE knead_webhook_deliveries gauge\n");
        sb_addf(b, "knead_webhook_deliveries{status=\"pending\"} %" PRId64 "\n", wt.pending);
        sb_addf(b, "knead_webhook_deliveries{status=\"sending\"} %" PRId64 "\n", wt.sending);
        sb_addf(b, "knead_webhook_deliveries{status=\"failed\"} %" PRId64 "\n", wt.failed);
        sb_addf(b, "knead_webhook_deliveries{status=\"delivered\"} %" PRId64 "\n", wt.delivered);
    }
}
