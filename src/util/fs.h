/* fs — small file helpers that nothing above owns. */
#ifndef KNEAD_UTIL_FS_H
#define KNEAD_UTIL_FS_H

#include <stddef.h>

/* Reads a whole regular file of at most max bytes.  Returns a NUL-terminated
 * buffer (caller frees) and its length in *len, or NULL with errno set
 * (EFBIG when larger than max). */
char *fs_read_file(const char *path, size_t max, size_t *len);
/* Creates the parent directory of path if missing (one level).  0 or -1. */
int fs_mkdir_parent(const char *path);

#endif
