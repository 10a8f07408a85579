/* tzload — reads one zone file of the system tz database into memory and
 * hands it to tz_parse.
 *
 * This is the only time-related code that touches the file system.  It must
 * not build a path from an unchecked name (no "..", no absolute paths, only
 * the characters IANA names use), must not read more than TZLOAD_MAX_BYTES,
 * and must not look at TZ or /etc/localtime: the clinic's zone is whatever
 * the configuration names. */
#include "util/errmsg.h"
#include "util/tzload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mem.h"

#define NAME_MAX_LEN 255

int tzload_valid_name(const char *name)
{
    size_t n;
    if (!name || name[0] == '\0' || name[0] == '/' || strstr(name, ".."))
        return 0;
    /* zoneinfo/localtime links to /etc/localtime: the host's zone, not a name. */
    if (strcmp(name, "localtime") == 0)
        return 0;
    for (n = 0; name[n]; n++) {
        char c = name[n];
        if (n >= NAME_MAX_LEN)
            return 0;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '+' || c == '/' || c == '-'))
            return 0;
    }
    return 1;
}

int tzload_load(const char *name, struct tz **out, char *err, size_t errlen)
{
    int rc = -1, fd = -1;
    unsigned char *buf = NULL;
    char path[sizeof TZLOAD_DIR + 1 + NAME_MAX_LEN + 1];
    char perr[200];
    struct stat st;
    size_t len = 0;

    *out = NULL;
    if (!tzload_valid_name(name)) {
        /* Don't echo arbitrary bytes back; the name may be anything. */
        errmsg_set(err, errlen, "invalid timezone name (expected an IANA name such as "
                            "'America/Anchorage')");
        goto done;
    }
    int pn = snprintf(path, sizeof path, "%s/%s", TZLOAD_DIR, name);
    if (pn < 0 || (size_t)pn >= sizeof path) {
        errmsg_set(err, errlen, "invalid timezone name '%s'", name);
        goto done;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            errmsg_set(err, errlen, "unknown timezone '%s'", name);
        else
            errmsg_set(err, errlen, "cannot open timezone '%s' (%s): %s", name, path,
                   strerror(errno));
        goto done;
    }
    if (fstat(fd, &st) < 0) {
        errmsg_set(err, errlen, "cannot stat timezone '%s' (%s): %s", name, path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        errmsg_set(err, errlen, "unknown timezone '%s' (%s is not a zone file)", name, path);
        goto done;
    }
    if (st.st_size > TZLOAD_MAX_BYTES) {
        errmsg_set(err, errlen, "timezone '%s': %s is larger than %d bytes", name, path,
               TZLOAD_MAX_BYTES);
        goto done;
    }
    /* Read to EOF rather than trusting st_size, but never past the limit. */
    buf = xmalloc(TZLOAD_MAX_BYTES + 1);
    for (;;) {
        ssize_t r = read(fd, buf + len, TZLOAD_MAX_BYTES + 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            errmsg_set(err, errlen, "cannot read timezone '%s' (%s): %s", name, path,
                   strerror(errno));
            goto done;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len > TZLOAD_MAX_BYTES) {
            errmsg_set(err, errlen, "timezone '%s': %s is larger than %d bytes", name, path,
                   TZLOAD_MAX_BYTES);
            goto done;
        }
    }
    if (tz_parse(buf, len, name, out, perr, sizeof perr) < 0) {
        errmsg_set(err, errlen, "timezone '%s': %s: %s", name, path, perr);
        goto done;
    }
    rc = 0;
done:
    if (fd >= 0)
        (void)close(fd); /* read-only descriptor: nothing can be lost */
    free(buf);
    return rc;
}
