/* sb — the one string builder, with a sticky error.
 *
 * The buffer is never NULL and always NUL-terminated.  Appends cannot fail
 * visibly: growing past `max` (0 = unlimited) marks the builder with err = 1
 * and drops the data; the caller checks sb.err once at the end.  HTML, JSON,
 * iCalendar and mail bodies are all built with it. */
#ifndef KNEAD_UTIL_SB_H
#define KNEAD_UTIL_SB_H

#include <stdarg.h>
#include <stddef.h>

struct sb {
    char *buf;  /* never NULL; points at a shared "" until the first append */
    size_t len;
    size_t cap; /* 0 while buf is the shared empty string */
    size_t max; /* upper bound on len, 0 = unlimited */
    int err;    /* set once an append was dropped for exceeding max */
};

extern char sb_empty[1];
#define SB_INIT { sb_empty, 0, 0, 0, 0 }

/* Sets up an empty builder with a length limit (0 = unlimited).  Can't fail. */
void sb_init(struct sb *sb, size_t max);
/* Frees the buffer and resets to SB_INIT state (max kept).  Accepts SB_INIT. */
void sb_release(struct sb *sb);
/* Returns the buffer (caller frees with free()) and resets the builder. */
char *sb_detach(struct sb *sb, size_t *len);
/* Ensures room for `extra` more bytes plus the terminator.  Returns 0, or -1
 * (and sets err) when that would exceed max. */
int sb_grow(struct sb *sb, size_t extra);

void sb_add(struct sb *sb, const void *data, size_t len);
void sb_adds(struct sb *sb, const char *s);
void sb_addc(struct sb *sb, char c);
void sb_addf(struct sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct sb *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void sb_reset(struct sb *sb); /* len = 0, keeps the buffer and clears err */
void sb_setlen(struct sb *sb, size_t len); /* shrink only */

#endif
