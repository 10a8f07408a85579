/* coalesce — one version read shared by the callers that arrived before it
 * began (coalesce.h states the rule). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/coalesce.h"

struct coalesce {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t started; /* reads begun so far: the one in flight is number `started` */
    int flying;       /* a read is in flight */
    uint64_t ended;   /* the number of the last read that ended (0: none yet) */
    int ended_ok;     /* ... and whether it answered; then its values: */
    int64_t v[COALESCE_N];
    struct coalesce_stats stats;
};

struct coalesce *coalesce_new(void)
{
    struct coalesce *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return NULL;
    }
    if (pthread_cond_init(&c->cv, NULL) != 0) {
        pthread_mutex_destroy(&c->mu);
        free(c);
        return NULL;
    }
    return c;
}

void coalesce_free(struct coalesce *c)
{
    if (!c)
        return;
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

enum err_code coalesce_read(struct coalesce *c, coalesce_fn read, void *ctx, int64_t *out,
                            struct err *e)
{
    int64_t v[COALESCE_N];
    enum err_code rc;
    pthread_mutex_lock(&c->mu);
    /* Only a read numbered after every read begun so far began after this
     * call: the one in flight (if any) is not one. */
    const uint64_t need = c->started + 1;
    for (;;) {
        if (c->ended >= need) {
            if (c->ended_ok) {
                memcpy(out, c->v, sizeof c->v);
                c->stats.shared++;
                pthread_mutex_unlock(&c->mu);
                return E_OK;
            }
            /* the read this caller waited for failed: it reads alone */
            c->stats.alone++;
            pthread_mutex_unlock(&c->mu);
            return read(ctx, out, e);
        }
        if (!c->flying)
            break; /* none in flight: this caller starts the next */
        c->stats.waiting++;
        pthread_cond_wait(&c->cv, &c->mu);
        c->stats.waiting--;
    }
    const uint64_t mine = ++c->started;
    c->flying = 1;
    c->stats.reads++;
    pthread_mutex_unlock(&c->mu);

    rc = read(ctx, v, e);

    pthread_mutex_lock(&c->mu);
    c->flying = 0;
    c->ended = mine;
    c->ended_ok = rc == E_OK;
    if (rc == E_OK)
        memcpy(c->v, v, sizeof v);
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    if (rc == E_OK)
        memcpy(out, v, sizeof v);
    return rc;
}

void coalesce_stats(struct coalesce *c, struct coalesce_stats *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->stats;
    pthread_mutex_unlock(&c->mu);
}
