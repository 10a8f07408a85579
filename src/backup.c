/* backup — see backup.h. */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#define PATHMAX 4096

static int fsync_path(const char *path, int dir)
{
    int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* The directory part of path ("." if none) into out. */
static void dir_of(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, size, ".");
    else if (slash == path)
        snprintf(out, size, "/");
    else
        snprintf(out, size, "%.*s", (int)(slash - path), path);
}

/* A new empty file beside target (same directory, so rename is atomic). */
static int temp_beside(const char *target, char *tmp, size_t size)
{
    if (snprintf(tmp, size, "%s.tmp-XXXXXX", target) >= (int)size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

/* fsync tmp, rename it to target, fsync the directory. */
static int commit_file(const char *tmp, const char *target, char *err, size_t errlen)
{
    char dir[PATHMAX];
    if (fsync_path(tmp, 0) < 0 || rename(tmp, target) < 0) {
        snprintf(err, errlen, "cannot write %s: %s", target, strerror(errno));
        return -1;
    }
    dir_of(target, dir, sizeof dir);
    if (fsync_path(dir, 1) < 0) {
        snprintf(err, errlen, "%s is written but its directory could not be synced: %s", target,
                 strerror(errno));
        return -1;
    }
    return 0;
}

int backup_to_file(struct store *s, const char *to, int force, char *err, size_t errlen)
{
    char tmp[PATHMAX];
    struct stat st;
    struct err e = {0};
    if (!force && lstat(to, &st) == 0) {
        snprintf(err, errlen, "%s exists; give another name, or --force to replace it", to);
        return -1;
    }
    if (lstat(to, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a regular file", to);
        return -1;
    }
    if (temp_beside(to, tmp, sizeof tmp) < 0) {
        snprintf(err, errlen, "cannot create a file beside %s: %s", to, strerror(errno));
        return -1;
    }
    if (store_backup(s, tmp, &e) != E_OK) {
        snprintf(err, errlen, "%s", e.msg);
        unlink(tmp);
        return -1;
    }
    if (commit_file(tmp, to, err, errlen) < 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int unlink_sidecar(const char *db_path, const char *suffix, char *err, size_t errlen)
{
    char p[PATHMAX];
    snprintf(p, sizeof p, "%s%s", db_path, suffix);
    if (unlink(p) < 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove %s: %s", p, strerror(errno));
        return -1;
    }
    return 0;
}

int backup_restore(const char *from, const char *db_path, int *version, char *err,
                   size_t errlen)
{
    char tmp[PATHMAX];
    struct err e = {0};
    int lock_fd = -1, ret = -1;
    int have_tmp = 0;
    if (access(from, R_OK) < 0) {
        snprintf(err, errlen, "cannot read %s: %s; nothing was changed", from, strerror(errno));
        return -1;
    }
    /* the backup first, read-only: a bad one changes nothing */
    if (store_check_copy(from, NULL, version, &e) != E_OK) {
        snprintf(err, errlen, "%s; nothing was changed", e.msg);
        return -1;
    }
    if (store_claim_unused(db_path, &lock_fd, &e) != E_OK) {
        snprintf(err, errlen, "%s; nothing was changed", e.msg);
        return -1;
    }
    if (temp_beside(db_path, tmp, sizeof tmp) < 0) {
        snprintf(err, errlen, "cannot create a file beside %s: %s; nothing was changed", db_path,
                 strerror(errno));
        goto done;
    }
    have_tmp = 1;
    if (store_check_copy(from, tmp, version, &e) != E_OK) {
        snprintf(err, errlen, "%s; nothing was changed", e.msg);
        goto done;
    }
    /* the old database's write-ahead log must not be applied to the new
     * file: it goes first (nobody has the database open: checked above) */
    if (fsync_path(tmp, 0) < 0) {
        snprintf(err, errlen, "cannot write %s: %s; nothing was changed", tmp, strerror(errno));
        goto done;
    }
    if (unlink_sidecar(db_path, "-wal", err, errlen) < 0 ||
        unlink_sidecar(db_path, "-shm", err, errlen) < 0 ||
        unlink_sidecar(db_path, "-journal", err, errlen) < 0)
        goto done;
    if (commit_file(tmp, db_path, err, errlen) < 0)
        goto done;
    have_tmp = 0;
    ret = 0;
done:
    if (have_tmp)
        unlink(tmp);
    if (lock_fd >= 0)
        close(lock_fd);
    return ret;
}

/* ---- the rotating backups of knead serve ---- */

#define PREFIX "knead-"
#define SUFFIX ".db"

struct backup_rotor {
    struct store *store;
    char dir[1024];
    int every_hours, keep;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    int stop;          /* guarded by mu */
};

/* A name knead-YYYYMMDDTHHMMSSZ.db (sorts by time), from the system clock:
 * a backup's name says when it was really taken, even under --now. */
static int is_backup_name(const char *n)
{
    size_t len = strlen(n);
    return len == strlen(PREFIX "YYYYMMDDTHHMMSSZ" SUFFIX) && strncmp(n, PREFIX, 6) == 0 &&
           strcmp(n + len - 3, SUFFIX) == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Deletes all but the newest keep backups in dir. */
static void prune(struct backup_rotor *r)
{
    DIR *d = opendir(r->dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    if (!d) {
        log_warn("backup: cannot read %s: %s", r->dir, strerror(errno));
        return;
    }
    while ((de = readdir(d))) {
        if (!is_backup_name(de->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = xrealloc(names, cap * sizeof *names);
        }
        names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (i + (size_t)r->keep < n && strlen(names[i]) < 64) {
            char p[PATHMAX];
            snprintf(p, sizeof p, "%s/%s", r->dir, names[i]);
            if (unlink(p) < 0)
                log_warn("backup: cannot delete %s: %s", p, strerror(errno));
            else
                log_info("backup: deleted %s ([backup] keep = %d)", p, r->keep);
        }
        free(names[i]);
    }
    free(names);
}

static void take_one(struct backup_rotor *r)
{
    char name[64], path[PATHMAX], err[1024];
    struct tm tm;
    time_t now = time(NULL);
    if (!gmtime_r(&now, &tm) || strftime(name, sizeof name, PREFIX "%Y%m%dT%H%M%SZ" SUFFIX,
                                         &tm) == 0) {
        log_error("backup: cannot name the file");
        return;
    }
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    int64_t t0 = clock_mono_us();
    if (backup_to_file(r->store, path, 1, err, sizeof err) < 0) {
        log_error("backup: %s", err);
        return;
    }
    log_info("backup: wrote %s in %lld ms", path, (long long)((clock_mono_us() - t0) / 1000));
    prune(r);
}

static void *rotor_main(void *arg)
{
    struct backup_rotor *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stop) {
        pthread_mutex_unlock(&r->mu);
        take_one(r);
        pthread_mutex_lock(&r->mu);
        struct timespec until = clock_deadline_ms((int64_t)r->every_hours * 3600 * 1000);
        while (!r->stop && pthread_cond_timedwait(&r->cv, &r->mu, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

int backup_rotor_start(struct store *s, const char *dir, int every_hours, int keep,
                       struct backup_rotor **out, char *err, size_t errlen)
{
    struct stat st;
    struct backup_rotor *r = NULL;
    *out = NULL;
    if (strlen(dir) >= sizeof r->dir - 32) {
        snprintf(err, errlen, "[backup] dir: the path is too long");
        return -1;
    }
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) < 0) {
        snprintf(err, errlen, "[backup] dir: %s is not a directory this user can write", dir);
        return -1;
    }
    r = xcalloc(1, sizeof *r);
    r->store = s;
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    r->every_hours = every_hours;
    r->keep = keep;
    pthread_mutex_init(&r->mu, NULL);
    if (clock_cond_init(&r->cv) != 0 || pthread_create(&r->thread, NULL, rotor_main, r) != 0) {
        snprintf(err, errlen, "cannot start the backup thread");
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void backup_rotor_stop(struct backup_rotor *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
