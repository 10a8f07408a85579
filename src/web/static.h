/* static — the files under static/, read into memory once at start with a
 * content type and an ETag each, and served from memory (If-None-Match → 304). */
#ifndef KNEAD_WEB_STATIC_H
#define KNEAD_WEB_STATIC_H

#include <stddef.h>

struct static_file {
    char *path;  /* relative to the static folder, e.g. "css/site.css" */
    char *data;
    size_t len;
    const char *type;
    char etag[24]; /* "\"<16 hex>\"" */
    /* the whole file as one gzip stream, compressed once at load, for text
     * (util/gz.h gz_worth) that it makes smaller; else NULL */
    char *gz;
    size_t gzlen;
    char gz_etag[28]; /* "\"<16 hex>-gz\"": the compressed form's own */
};

struct statics {
    struct static_file *files;
    size_t n;
    char version[17]; /* a hash over every file, for ?v= cache busting */
};

/* Loads dir recursively (at most 2,000 files, 8 MiB each), each text file
 * compressed once beside its plain form.  Files of an
 * unknown type are refused so nothing is served as the wrong type.  Returns 0
 * or -1 with a message. */
int static_load(const char *dir, struct statics **out, char *err, size_t errlen);
void static_free(struct statics *s);
const struct static_file *static_find(const struct statics *s, const char *path);
/* Content type for a file name by extension, or NULL if unknown.  Pure. */
const char *static_type(const char *name);

#endif
