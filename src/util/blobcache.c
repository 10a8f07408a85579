/* blobcache — see blobcache.h. */
#include "util/blobcache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

struct entry {
    uint64_t hash; /* 0 = empty */
    uint64_t used; /* the cache's tick when last put or found: the older of a pair goes */
    char *key;
    void *val;
    size_t len;
    void *alt; /* the value's second form (its compressed copy), NULL = none yet */
    size_t alt_len;
};

struct blobcache {
    pthread_mutex_t mu;
    size_t nslots;
    struct entry *slots;
    uint64_t hits, misses; /* atomic */
    uint64_t tick;         /* under mu */
};

/* Two ways: a key may live in either slot of the pair its hash picks, so
 * that two keys of one answer (the days of a month) that hash alike do not
 * throw each other out on every request; a new key replaces the pair's
 * less recently used entry. */
static struct entry *pair_of(struct blobcache *c, uint64_t h)
{
    size_t npairs = c->nslots / 2 ? c->nslots / 2 : 1;
    return &c->slots[(h % npairs) * 2 % c->nslots];
}

/* The entry holding key in its pair, or NULL.  Under mu. */
static struct entry *find(struct blobcache *c, uint64_t h, const char *key)
{
    struct entry *p = pair_of(c, h);
    for (size_t w = 0; w < 2 && w < c->nslots; w++)
        if (p[w].hash == h && strcmp(p[w].key, key) == 0)
            return &p[w];
    return NULL;
}

static uint64_t hash_key(const char *k)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211ull;
    return h ? h : 1;
}

struct blobcache *blobcache_new(size_t slots)
{
    struct blobcache *c = xcalloc(1, sizeof *c);
    c->nslots = slots ? slots : 1;
    c->slots = xcalloc(c->nslots, sizeof *c->slots);
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void blobcache_free(struct blobcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nslots; i++) {
        free(c->slots[i].key);
        free(c->slots[i].val);
        free(c->slots[i].alt);
    }
    free(c->slots);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int blobcache_get(struct blobcache *c, const char *key, struct arena *a, void **out,
                  size_t *len)
{
    uint64_t h = hash_key(key);
    struct entry *en;
    int hit = 0;
    pthread_mutex_lock(&c->mu);
    if ((en = find(c, h, key))) {
        en->used = ++c->tick;
        char *copy = arena_alloc(a, en->len + 1);
        memcpy(copy, en->val, en->len);
        copy[en->len] = '\0';
        *out = copy;
        *len = en->len;
        hit = 1;
    }
    pthread_mutex_unlock(&c->mu);
    __atomic_add_fetch(hit ? &c->hits : &c->misses, 1, __ATOMIC_RELAXED);
    return hit;
}

int blobcache_append(struct blobcache *c, const char *key, struct sb *out, size_t after)
{
    uint64_t h = hash_key(key);
    struct entry *en;
    int hit = 0;
    pthread_mutex_lock(&c->mu);
    if ((en = find(c, h, key))) {
        en->used = ++c->tick;
        /* a grow past out's limit sets its sticky error: nothing is copied */
        if (sb_grow(out, en->len <= SIZE_MAX / 2 - after ? en->len + after : SIZE_MAX / 2) == 0)
            sb_add(out, en->val, en->len);
        hit = 1;
    }
    pthread_mutex_unlock(&c->mu);
    __atomic_add_fetch(hit ? &c->hits : &c->misses, 1, __ATOMIC_RELAXED);
    return hit;
}

/* fn on key's value (alt 0) or on its second form (alt 1), under mu. */
static int use(struct blobcache *c, const char *key, int alt,
               void (*fn)(const void *val, size_t len, void *arg), void *arg)
{
    uint64_t h = hash_key(key);
    struct entry *en;
    int hit = 0;
    pthread_mutex_lock(&c->mu);
    if ((en = find(c, h, key)) && (!alt || en->alt)) {
        en->used = ++c->tick; /* either form keeps both */
        fn(alt ? en->alt : en->val, alt ? en->alt_len : en->len, arg);
        hit = 1;
    }
    pthread_mutex_unlock(&c->mu);
    __atomic_add_fetch(hit ? &c->hits : &c->misses, 1, __ATOMIC_RELAXED);
    return hit;
}

int blobcache_use(struct blobcache *c, const char *key,
                  void (*fn)(const void *val, size_t len, void *arg), void *arg)
{
    return use(c, key, 0, fn, arg);
}

int blobcache_use_alt(struct blobcache *c, const char *key,
                      void (*fn)(const void *val, size_t len, void *arg), void *arg)
{
    return use(c, key, 1, fn, arg);
}

int blobcache_put_alt(struct blobcache *c, const char *key, const void *val, size_t len)
{
    uint64_t h = hash_key(key);
    void *v = xmalloc(len ? len : 1), *old = NULL;
    struct entry *en;
    if (len)
        memcpy(v, val, len);
    pthread_mutex_lock(&c->mu);
    if ((en = find(c, h, key))) {
        old = en->alt;
        en->alt = v;
        en->alt_len = len;
        v = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    free(old);
    free(v); /* key not cached: nothing kept */
    return en != NULL;
}

void blobcache_stats(struct blobcache *c, uint64_t *hits, uint64_t *misses)
{
    *hits = __atomic_load_n(&c->hits, __ATOMIC_RELAXED);
    *misses = __atomic_load_n(&c->misses, __ATOMIC_RELAXED);
}

void blobcache_put(struct blobcache *c, const char *key, const void *val, size_t len)
{
    uint64_t h = hash_key(key);
    char *k = xstrdup(key);
    void *v = xmalloc(len ? len : 1);
    if (len)
        memcpy(v, val, len);
    pthread_mutex_lock(&c->mu);
    struct entry *en = find(c, h, key);
    if (!en) {
        struct entry *p = pair_of(c, h);
        en = c->nslots > 1 && p[1].used < p[0].used ? &p[1] : &p[0];
    }
    struct entry old = *en;
    /* a new value: its old second form goes */
    *en = (struct entry){h, ++c->tick, k, v, len, NULL, 0};
    pthread_mutex_unlock(&c->mu);
    free(old.key);
    free(old.val);
    free(old.alt);
}
