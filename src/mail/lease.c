/* lease — this server's lease on its claims (lease.h). */
#include "mail/lease.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

struct lease {
    struct store *store;
    char id[33]; /* 16 random bytes in hex */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    int stopping;      /* guarded by mu */
    int written;       /* atomic: the lease has been in the store once */
};

static enum err_code renew(struct lease *l, struct err *e)
{
    struct db *db = db_acquire(l->store);
    enum err_code rc = db_server_lease_renew(db, l->id, clock_real_now() + LEASE_TTL_S, e);
    db_release(db);
    if (rc == E_OK)
        __atomic_store_n(&l->written, 1, __ATOMIC_RELEASE);
    return rc;
}

static void *worker(void *p)
{
    struct lease *l = p;
    int failing = 0;
    for (;;) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += LEASE_RENEW_S;
        pthread_mutex_lock(&l->mu);
        while (!l->stopping)
            if (pthread_cond_timedwait(&l->cv, &l->mu, &until) != 0)
                break; /* timed out: renew */
        int stop = l->stopping;
        pthread_mutex_unlock(&l->mu);
        if (stop)
            break;
        struct err e = {0};
        if (renew(l, &e) != E_OK) {
            if (!failing)
                log_error("mail: cannot renew this server's lease on its claims: %s (past %d s"
                          " other servers may send what it has claimed)", e.msg, LEASE_TTL_S);
            failing = 1;
        } else if (failing) {
            log_info("mail: this server's lease on its claims is renewed again");
            failing = 0;
        }
    }
    return NULL;
}

int lease_start(struct store *store, struct lease **out, char *err, size_t errlen)
{
    struct lease *l = xcalloc(1, sizeof *l);
    unsigned char raw[16];
    struct err e = {0};
    pthread_condattr_t ca;
    *out = NULL;
    l->store = store;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(l->id, sizeof l->id, raw, sizeof raw);
    /* a store down at the start: the thread writes it once the store is back
     * (until then the claims name a lease nobody holds, as after a death) */
    if (renew(l, &e) != E_OK)
        log_warn("mail: cannot write this server's lease on its claims yet: %s", e.msg);
    pthread_mutex_init(&l->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cv, &ca);
    pthread_condattr_destroy(&ca);
    int rc = pthread_create(&l->thread, NULL, worker, l);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the lease thread: %s", strerror(rc));
        pthread_cond_destroy(&l->cv);
        pthread_mutex_destroy(&l->mu);
        free(l);
        return -1;
    }
    *out = l;
    return 0;
}

const char *lease_id(const struct lease *l)
{
    /* before its first write a claim names no lease: one naming a lease
     * not in the store would look like a dead server's */
    return l && __atomic_load_n(&l->written, __ATOMIC_ACQUIRE) ? l->id : "";
}

void lease_stop(struct lease *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    l->stopping = 1;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->thread, NULL);
    struct err e = {0};
    struct db *db = db_acquire(l->store);
    /* and the leases of servers long gone */
    if (db_server_lease_end(db, l->id, clock_real_now(), &e) != E_OK)
        log_warn("mail: this server's lease could not be removed: %s (its claims are free in"
                 " %d s)", e.msg, LEASE_TTL_S);
    db_release(db);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    free(l);
}
