/* coalesce — version reads shared by the callers that arrived before they
 * began (coalesce.h states the rule). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/coalesce.h"

/* What the last reads gave, by number modulo SLOTS (> any max in flight). */
#define SLOTS 64
struct slot {
    uint64_t num; /* the read's number (0: none) */
    int ended, ok;
    int64_t v[COALESCE_N];
};

struct coalesce {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int max_flying;   /* reads in flight at most */
    uint64_t started; /* reads begun so far, numbered 1, 2, ... */
    int flying;       /* reads in flight now */
    struct slot slot[SLOTS];
    uint64_t best;    /* the highest-numbered read that ended and answered */
    int64_t best_v[COALESCE_N];
    struct coalesce_stats stats;
};

struct coalesce *coalesce_new(int max_in_flight)
{
    struct coalesce *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->max_flying = max_in_flight < 1 ? 1 : max_in_flight > SLOTS / 2 ? SLOTS / 2 : max_in_flight;
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
     * call: none of those in flight is one.  The next read to begin (number
     * `need`) carries every caller that waits for it. */
    const uint64_t need = c->started + 1;
    for (;;) {
        if (c->started >= need) { /* the read this caller waited for has begun */
            const struct slot *s = &c->slot[need % SLOTS];
            if (c->best >= need) { /* it, or a later one, answered */
                memcpy(out, c->best_v, sizeof c->best_v);
                c->stats.shared++;
                pthread_mutex_unlock(&c->mu);
                return E_OK;
            }
            if (s->num != need || s->ended) {
                /* it failed (or was long forgotten, none later answering):
                 * this caller reads alone */
                c->stats.alone++;
                pthread_mutex_unlock(&c->mu);
                return read(ctx, out, e);
            }
        } else if (c->flying < c->max_flying) {
            break; /* room for one more read: this caller starts `need` */
        }
        c->stats.waiting++;
        pthread_cond_wait(&c->cv, &c->mu);
        c->stats.waiting--;
    }
    const uint64_t mine = ++c->started;
    struct slot *s = &c->slot[mine % SLOTS];
    s->num = mine;
    s->ended = s->ok = 0;
    c->flying++;
    c->stats.reads++;
    pthread_mutex_unlock(&c->mu);

    rc = read(ctx, v, e);

    pthread_mutex_lock(&c->mu);
    c->flying--;
    if (s->num == mine) {
        s->ended = 1;
        s->ok = rc == E_OK;
    }
    if (rc == E_OK && mine > c->best) {
        c->best = mine;
        memcpy(c->best_v, v, sizeof v);
    }
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
