/* arena — request-scoped memory.
 *
 * One arena per request (STYLE rule 3): created on the first libmicrohttpd
 * callback, destroyed in the request-completed callback.  Everything a handler
 * allocates comes from it; things with their own destructor are registered
 * with arena_defer() and die with it.  Handlers never call free(). */
#ifndef KNEAD_UTIL_ARENA_H
#define KNEAD_UTIL_ARENA_H

#include <stddef.h>

struct arena;

/* Allocates an empty arena; free with arena_free().  Can't fail (aborts on OOM). */
struct arena *arena_new(void);
/* Runs deferred destructors (last registered first) and frees all memory.
 * Accepts NULL. */
void arena_free(struct arena *a);

/* Memory aligned for any type, zeroed, valid until arena_free.  Can't fail. */
void *arena_alloc(struct arena *a, size_t n);
/* Array of count elements of size bytes; aborts if count*size overflows. */
void *arena_array(struct arena *a, size_t count, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Calls fn(p) when the arena is freed.  Can't fail. */
void arena_defer(struct arena *a, void (*fn)(void *), void *p);

#endif
