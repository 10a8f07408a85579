/* coalesce — one read of the data versions shared by the requests that wait
 * for it (store.h: db_versions on PostgreSQL).
 *
 * The rule: a caller is answered only by a read that began after it called.
 * Then every commit that returned before the call is in its answer, which is
 * all "a change made through one server is seen by the other's next request"
 * asks.  At most max_in_flight reads are in flight at once; a caller that
 * finds room starts its own read.  Callers that arrive while all are in
 * flight do not each make their own: they wait for the next read (the first
 * of them to find room once one ends starts it, with its own reader and
 * context) and all take its result.  A read in flight that began before a
 * caller arrived never answers it.  Under load, the callers of one round
 * trip cost ~max_in_flight reads, each waiting at most two reads.  When the read a caller waited for fails,
 * the caller reads for itself (nobody fails because another's read failed;
 * the one whose read failed gets its own error).  Knows no database: the
 * reader is a function. */
#ifndef KNEAD_STORE_COALESCE_H
#define KNEAD_STORE_COALESCE_H

#include <stdint.h>

#include "core/err.h"

#define COALESCE_N 2 /* values a read gives: the clinic's and the appointments' versions */

struct coalesce;
/* One read on the caller's own connection (ctx): out[COALESCE_N] on E_OK. */
typedef enum err_code (*coalesce_fn)(void *ctx, int64_t *out, struct err *e);

/* max_in_flight: 1 .. 32.  NULL when out of memory. */
struct coalesce *coalesce_new(int max_in_flight);
void coalesce_free(struct coalesce *c); /* accepts NULL; none may be reading */

/* out[COALESCE_N] from a read that began after this call: read's own, or one
 * another caller started.  An error only from a read this caller made. */
enum err_code coalesce_read(struct coalesce *c, coalesce_fn read, void *ctx, int64_t *out,
                            struct err *e);

struct coalesce_stats {
    uint64_t reads;   /* reads made for everyone (the leaders') */
    uint64_t shared;  /* answers taken from another caller's read */
    uint64_t alone;   /* reads made alone after the read waited for failed */
    int waiting;      /* callers waiting now */
};
void coalesce_stats(struct coalesce *c, struct coalesce_stats *out);

#endif
