/* static — an in-memory copy of static/ with ETags; read-only after load. */
#include "web/static.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/fs.h"
#include "util/gz.h"
#include "util/mem.h"

#define MAX_FILES 2000
#define MAX_FILE (8 * 1024 * 1024)

static const struct {
    const char *ext, *type;
} types[] = {
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".json", "application/json"},
    {".webmanifest", "application/manifest+json"},
};

/* Keeps f's gzip form beside it when f is text worth compressing and the
 * result is smaller: once, at load, so serving it costs what serving the
 * plain file costs.  A file gains nothing secret here: the same bytes for
 * everyone.  zlib failing leaves the file plain. */
static void compress_file(struct static_file *f)
{
    struct sb kept = SB_INIT, out = SB_INIT;
    if (gz_worth(f->type, f->len) && gz_keep(f->data, f->len, &kept) == 0) {
        struct gz_piece p = {kept.buf, kept.len, 1};
        if (gz_assemble(&out, &p, 1) == 0 && !out.err && out.len < f->len) {
            f->gz = sb_detach(&out, &f->gzlen);
            /* the plain ETag with -gz inside its quotes */
            snprintf(f->gz_etag, sizeof f->gz_etag, "%.*s-gz\"", (int)strlen(f->etag) - 1,
                     f->etag);
        }
    }
    sb_release(&kept);
    sb_release(&out);
}

const char *static_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return NULL;
}

static uint64_t fnv1a(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int walk(struct statics *s, const char *root, const char *rel, size_t *cap, char *err,
                size_t errlen)
{
    char dirpath[2048];
    snprintf(dirpath, sizeof dirpath, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *d = opendir(dirpath);
    struct dirent *de;
    int rc = -1;
    if (!d) {
        snprintf(err, errlen, "%s: cannot open the static folder", dirpath);
        return -1;
    }
    while ((de = readdir(d))) {
        char sub[1024], full[2048];
        struct stat st;
        if (de->d_name[0] == '.')
            continue;
        int k = snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        if (k < 0 || (size_t)k >= sizeof sub)
            continue;
        snprintf(full, sizeof full, "%s/%s", root, sub);
        if (stat(full, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (walk(s, root, sub, cap, err, errlen) < 0)
                goto done;
            continue;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        const char *type = static_type(de->d_name);
        if (!type) {
            snprintf(err, errlen, "%s: unknown file type; add it to static.c or remove it", full);
            goto done;
        }
        if (s->n >= MAX_FILES) {
            snprintf(err, errlen, "%s: more than %d static files", root, MAX_FILES);
            goto done;
        }
        if (s->n == *cap) {
            *cap = *cap ? *cap * 2 : 32;
            s->files = xrealloc(s->files, *cap * sizeof *s->files);
        }
        struct static_file *f = &s->files[s->n];
        *f = (struct static_file){0};
        f->data = fs_read_file(full, MAX_FILE, &f->len);
        if (!f->data) {
            snprintf(err, errlen, "%s: cannot read (or larger than %d bytes)", full, MAX_FILE);
            goto done;
        }
        f->path = xstrdup(sub);
        f->type = type;
        snprintf(f->etag, sizeof f->etag, "\"%016llx\"",
                 (unsigned long long)fnv1a(f->data, f->len, 0xcbf29ce484222325ULL));
        compress_file(f);
        s->n++;
    }
    rc = 0;
done:
    closedir(d);
    return rc;
}

void static_free(struct statics *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->files[i].path);
        free(s->files[i].data);
        free(s->files[i].gz);
    }
    free(s->files);
    free(s);
}

int static_load(const char *dir, struct statics **out, char *err, size_t errlen)
{
    struct statics *s = xcalloc(1, sizeof *s);
    size_t cap = 0;
    if (walk(s, dir, "", &cap, err, errlen) < 0) {
        static_free(s);
        return -1;
    }
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < s->n; i++)
        h = fnv1a(s->files[i].etag, strlen(s->files[i].etag), h);
    snprintf(s->version, sizeof s->version, "%016llx", (unsigned long long)h);
    *out = s;
    return 0;
}

const struct static_file *static_find(const struct statics *s, const char *path)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->files[i].path, path) == 0)
            return &s->files[i];
    return NULL;
}
