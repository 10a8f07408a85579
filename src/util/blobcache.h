/* blobcache — a bounded in-memory cache from a string key to a copy of some
 * bytes, shared by the server's threads.  Two-way: a key lives in either
 * slot of the pair its hash picks, and a new key landing there replaces the
 * pair's less recently used entry, so the memory held is at most `slots`
 * values and nothing ever needs expiring.
 *
 * It knows nothing of freshness: callers put everything a value depends on
 * into its key (the store's data versions, the date, ...), so a stale value
 * is never asked for again and is simply overwritten in time.  Used for the
 * free slots of a day (web/sched.c) and the staff day view's columns
 * (web/staff.c). */
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

/* Stores a copy of val[0..len) under key, replacing whatever held its slot. */
void blobcache_put(struct blobcache *c, const char *key, const void *val, size_t len);

/* How many blobcache_get calls found their key, and how many did not
 * (counted with relaxed atomics; for /metrics).  Can't fail. */
void blobcache_stats(struct blobcache *c, uint64_t *hits, uint64_t *misses);

#endif
