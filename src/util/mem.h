/* mem — allocation that cannot fail visibly.
 *
 * Out of memory aborts the process with a message (STYLE rule 5), so no caller
 * carries NULL checks.  Sizes that come from a request must be checked against a
 * limit before they reach these functions. */
#ifndef KNEAD_UTIL_MEM_H
#define KNEAD_UTIL_MEM_H

#include <stddef.h>

/* Each returns memory the caller frees with free(); never returns NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
