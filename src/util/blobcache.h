/* blobcache — a bounded in-memory cache from a string key to a copy of some
 * bytes, shared by the server's threads.  Two-way: a key lives in either
 * slot of the pair its hash picks, and a new key landing there replaces the
 * pair's less recently used entry, so the memory held is at most `slots`
 * values and nothing ever needs expiring.
 *
 * An entry may also hold its value's second form (a kept page part's
 * compressed copy for gzip: blobcache_put_alt), in the same slot: the two
 * are found together, a look at either keeps both, and they are evicted
 * together, so a value kept in two forms costs one slot, not two, and
 * its compressed copy never pushes another key out.
 *
 * It knows nothing of freshness: callers put everything a value depends on
 * into its key (the store's data versions, the date, ...), so a stale value
 * is never asked for again and is simply overwritten in time.  Used for the
 * free slots of a day and the whole availability answers (svc/avail.c),
 * and the kept pages and page parts (app->fragments: web/site.c,
 * web/staff.c, web/admin_reports.c). */
#ifndef KNEAD_UTIL_BLOBCACHE_H
#define KNEAD_UTIL_BLOBCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/sb.h"

struct blobcache;

/* A cache of `slots` entries (at least 1).  Aborts on OOM. */
struct blobcache *blobcache_new(size_t slots);
void blobcache_free(struct blobcache *c); /* accepts NULL */

/* If key is cached: copies its value onto a (NUL-terminated one byte past
 * *len, so text can be used as a string), sets *out and *len, returns 1.
 * Else returns 0. */
int blobcache_get(struct blobcache *c, const char *key, struct arena *a, void **out,
                  size_t *len);

/* If key is cached: appends its value to out, with room left for `after`
 * more bytes (so what the caller writes next does not move the buffer
 * again), and returns 1; else returns 0 and out is unchanged.  The one copy
 * a hit costs, made under the cache's lock (the slot may be replaced the
 * moment it is released).  out's sticky error reports a value over its
 * limit. */
int blobcache_append(struct blobcache *c, const char *key, struct sb *out, size_t after);

/* If key is cached: calls fn with its value under the cache's lock (fn
 * must be quick, must not use this cache, and must not keep the pointer)
 * and returns 1; else returns 0.  For a value that is not copied as it is
 * (a compressed piece spliced into a gzip stream: util/gz.h). */
int blobcache_use(struct blobcache *c, const char *key,
                  void (*fn)(const void *val, size_t len, void *arg), void *arg);

/* Stores a copy of val[0..len) under key, replacing whatever held its slot
 * (with key's own earlier value, its second form goes too). */
void blobcache_put(struct blobcache *c, const char *key, const void *val, size_t len);

/* Keeps a copy of val[0..len) as the second form of key's value (its
 * compressed copy), in key's entry, replacing one kept before; a later
 * blobcache_put of key drops it.  Returns 1; 0 when key is not cached
 * (nothing is kept: the copy is made again from the value next time). */
int blobcache_put_alt(struct blobcache *c, const char *key, const void *val, size_t len);

/* blobcache_use on key's second form: 1 when key is cached with one (fn
 * called; the entry counts as used, both forms), else 0. */
int blobcache_use_alt(struct blobcache *c, const char *key,
                      void (*fn)(const void *val, size_t len, void *arg), void *arg);

/* How many blobcache_get calls found their key, and how many did not
 * (counted with relaxed atomics; for /metrics).  Can't fail. */
void blobcache_stats(struct blobcache *c, uint64_t *hits, uint64_t *misses);

#endif
