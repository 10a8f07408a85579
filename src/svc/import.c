/* import — CSV of clients or appointments into the store, all or nothing;
 * see import.h.  Must not check a row by rules of its own: names, e-mail and
 * phone go through core/booking, appointments through svc/booking.  Must
 * not leave anything stored when any row is refused or in a dry run. */
#include "svc/import.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/csvread.h"
#include "core/datetime.h"
#include "core/tz.h"
#include "svc/booking.h"
#include "util/sb.h"
#include "util/utf8.h"

enum col {
    C_NAME,
    C_EMAIL,
    C_PHONE,
    C_START,
    C_DATE,
    C_TIME,
    C_SERVICE,
    C_SERVICE_ID,
    C_THERAPIST,
    C_THERAPIST_ID,
    C_NOTES,
    C_STATUS,
    C_N
};

#define FOR_CLIENTS 1u
#define FOR_APPTS 2u

/* The headers read, after trimming, lower-casing and ' ' or '-' as '_'. */
static const struct {
    const char *header;
    enum col col;
    unsigned kinds;
} headers[] = {
    {"name", C_NAME, FOR_CLIENTS | FOR_APPTS},
    {"client_name", C_NAME, FOR_CLIENTS | FOR_APPTS},
    {"email", C_EMAIL, FOR_CLIENTS | FOR_APPTS},
    {"e_mail", C_EMAIL, FOR_CLIENTS | FOR_APPTS},
    {"client_email", C_EMAIL, FOR_CLIENTS | FOR_APPTS},
    {"phone", C_PHONE, FOR_CLIENTS | FOR_APPTS},
    {"client_phone", C_PHONE, FOR_CLIENTS | FOR_APPTS},
    {"start", C_START, FOR_APPTS},
    {"date", C_DATE, FOR_APPTS},
    {"time", C_TIME, FOR_APPTS},
    {"service", C_SERVICE, FOR_APPTS},
    {"service_id", C_SERVICE_ID, FOR_APPTS},
    {"therapist", C_THERAPIST, FOR_APPTS},
    {"therapist_id", C_THERAPIST_ID, FOR_APPTS},
    {"notes", C_NOTES, FOR_APPTS},
    {"status", C_STATUS, FOR_APPTS},
};

struct row {
    int line;
    char **f;
    size_t n;
};

struct job {
    struct db *db;
    struct arena *a;
    struct sched_cache *cache;
    const struct tz *tz;
    const struct booking_rules *cfg;
    enum import_kind kind;
    int64_t now;
    int col[C_N]; /* field index of each column, -1 when absent */
    size_t ncols;
    struct row *rows;
    size_t nrows;
    struct import_result *out;
    size_t cap;
};

static void problem(struct job *j, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(struct job *j, int line, const char *fmt, ...)
{
    struct import_result *o = j->out;
    if (o->nproblems == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 64;
        struct import_problem *p = arena_array(j->a, cap, sizeof *p);
        if (o->nproblems)
            memcpy(p, o->problems, o->nproblems * sizeof *p);
        o->problems = p;
        j->cap = cap;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    o->problems[o->nproblems++] = (struct import_problem){line, arena_strdup(j->a, msg)};
}

/* The row's value of column c, trimmed of spaces, without the formula
 * guard's apostrophe; "" when the column is absent. */
static const char *val(const struct job *j, const struct row *r, enum col c)
{
    if (j->col[c] < 0)
        return "";
    char *s = r->f[j->col[c]];
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
    /* the apostrophe esc_csv puts before a formula-like cell: a file that
     * knead exported reads back as it was ("'+1 907 ..." is "+1 907 ...") */
    if (s[0] == '\'' && s[1] && strchr("=+-@\t\r", s[1]))
        s++;
    return s;
}

/* Maps the header to columns; E_INVALID naming what is missing or doubled. */
static enum err_code map_header(struct job *j, const struct row *h, struct err *e)
{
    unsigned kind = j->kind == IMPORT_CLIENTS ? FOR_CLIENTS : FOR_APPTS;
    struct sb ignored = SB_INIT;
    enum err_code rc = E_INVALID;
    for (int c = 0; c < C_N; c++)
        j->col[c] = -1;
    j->ncols = h->n;
    for (size_t i = 0; i < h->n; i++) {
        char key[64];
        const char *s = h->f[i];
        size_t k = 0;
        while (*s == ' ')
            s++;
        for (; *s && k < sizeof key - 1; s++)
            key[k++] = *s == ' ' || *s == '-' ? '_' : (char)tolower((unsigned char)*s);
        while (k > 0 && key[k - 1] == '_')
            k--;
        key[k] = '\0';
        size_t m = 0;
        while (m < sizeof headers / sizeof headers[0] &&
               !(strcmp(headers[m].header, key) == 0 && (headers[m].kinds & kind)))
            m++;
        if (m == sizeof headers / sizeof headers[0]) {
            sb_addf(&ignored, "%s%s", ignored.len ? ", " : "", h->f[i]);
            continue;
        }
        enum col c = headers[m].col;
        if (j->col[c] >= 0) {
            err_set(e, E_INVALID,
                    "line %d: the columns '%s' and '%s' say the same; keep one of them", h->line,
                    h->f[j->col[c]], h->f[i]);
            goto done;
        }
        j->col[c] = (int)i;
    }
    const char *need = NULL;
    if (j->col[C_NAME] < 0)
        need = "name (or client_name)";
    else if (j->col[C_EMAIL] < 0 && j->col[C_PHONE] < 0)
        need = "email (or client_email) or phone (or client_phone)";
    else if (kind == FOR_APPTS && j->col[C_SERVICE] < 0 && j->col[C_SERVICE_ID] < 0)
        need = "service (or service_id)";
    else if (kind == FOR_APPTS && j->col[C_START] < 0 && (j->col[C_DATE] < 0 || j->col[C_TIME] < 0))
        need = "start (or date and time)";
    if (need) {
        err_set(e, E_INVALID,
                "line %d: the header has no column %s; the first line must name the columns "
                "(see knead import --help)",
                h->line, need);
        goto done;
    }
    j->out->ignored = arena_strdup(j->a, ignored.buf);
    rc = E_OK;
done:
    sb_release(&ignored);
    return rc;
}

static enum err_code client_row(struct job *j, const struct row *r, struct err *e)
{
    const char *name = val(j, r, C_NAME), *email = val(j, r, C_EMAIL), *phone = val(j, r, C_PHONE),
               *why;
    int64_t id;
    int made = 0;
    enum err_code rc;
    /* the desk's rules: a name, and an e-mail or else a phone a text can
     * go to; the same client is the same name and e-mail, or without an
     * e-mail the same name and number (another name on one phone is
     * another client), and one found is left as it is */
    if ((why = booking_check_name(name)) || (why = booking_check_phone(phone)) ||
        (why = booking_check_desk_contact(email, phone))) {
        problem(j, r->line, "%s", why);
        return E_OK;
    }
    if ((rc = db_client_for_booking_made(j->db, name, email, phone, 0, j->now, &id, &made, e)) !=
        E_OK)
        return rc;
    if (made)
        j->out->added++;
    else
        j->out->present++;
    return E_OK;
}

/* The service or therapist v names, by id or by name in any letter case. */
static const struct service *find_service(const struct service *sv, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(sv[i].id, v) == 0 || strcasecmp(sv[i].name, v) == 0)
            return &sv[i];
    return NULL;
}

static const struct therapist *find_therapist(const struct therapist *th, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(th[i].id, v) == 0 || strcasecmp(th[i].name, v) == 0)
            return &th[i];
    return NULL;
}

/* The row's start: start (RFC 3339), else date and time on the clinic's
 * wall clock.  Returns 0, or -1 with the problem recorded. */
static int row_start(struct job *j, const struct row *r, int64_t *t)
{
    const char *start = val(j, r, C_START), *date = val(j, r, C_DATE), *time = val(j, r, C_TIME);
    int off, minutes;
    struct dt_date d;
    int64_t at[2];
    if (*start) {
        if (dt_parse_rfc3339(start, t, &off) == 0)
            return 0;
        problem(j, r->line, "start '%s' is not an RFC 3339 time such as 2026-11-26T14:00:00-09:00",
                start);
        return -1;
    }
    if (dt_parse_date(date, &d) < 0) {
        problem(j, r->line, "date '%s' is not a date as YYYY-MM-DD", date);
        return -1;
    }
    if (dt_parse_hhmm(time, &minutes) < 0 || minutes >= 1440) {
        problem(j, r->line, "time '%s' is not a time of day as HH:MM (24-hour clock)", time);
        return -1;
    }
    switch (tz_wall_to_utc(j->tz, d, minutes, at)) {
    case 1:
        *t = at[0];
        return 0;
    case 0:
        problem(j, r->line, "%s %s does not exist in %s (the clocks go forward then)", date, time,
                tz_name(j->tz));
        return -1;
    case 2:
        problem(j, r->line,
                "%s %s happens twice in %s (the clocks go back then); give the start with its "
                "offset in a start column instead",
                date, time, tz_name(j->tz));
        return -1;
    default:
        problem(j, r->line, "date '%s' is out of range", date);
        return -1;
    }
}

struct catalogue {
    struct service *sv;
    size_t nsv;
    struct therapist *th;
    size_t nth;
};

static enum err_code appt_row(struct job *j, const struct catalogue *cat, const struct row *r,
                              struct err *e)
{
    const char *status = val(j, r, C_STATUS);
    const char *svv = *val(j, r, C_SERVICE_ID) ? val(j, r, C_SERVICE_ID) : val(j, r, C_SERVICE);
    const char *thv =
        *val(j, r, C_THERAPIST_ID) ? val(j, r, C_THERAPIST_ID) : val(j, r, C_THERAPIST);
    const struct service *sv;
    const struct therapist *th = NULL;
    struct sched s;
    struct err why = {0};
    int64_t start, id;
    enum err_code rc;

    if (*status && strcasecmp(status, "booked") != 0) {
        problem(j, r->line, "only booked appointments are imported; this one is '%s'", status);
        return E_OK;
    }
    if (row_start(j, r, &start) < 0)
        return E_OK;
    if (!*svv || !(sv = find_service(cat->sv, cat->nsv, svv))) {
        problem(j, r->line,
                "there is no service '%s' (give its id, such as deep-tissue-60, or "
                "its name)",
                svv);
        return E_OK;
    }
    if (*thv && strcasecmp(thv, "any") != 0 && !(th = find_therapist(cat->th, cat->nth, thv))) {
        problem(j, r->line,
                "there is no therapist '%s' (give their id or name, or leave it "
                "empty for any)",
                thv);
        return E_OK;
    }
    rc = sched_load(j->db, j->a, j->cache, j->tz, j->cfg, sv->id, th ? th->id : NULL, &s, &why);
    if (rc == E_NOTFOUND || rc == E_UNPROCESSABLE || rc == E_INVALID) {
        problem(j, r->line, "%s", why.msg);
        return E_OK;
    }
    if (rc != E_OK) {
        *e = why;
        return rc;
    }
    s.staff = 1;
    struct sched_client cl = {.name = val(j, r, C_NAME),
                              .email = val(j, r, C_EMAIL),
                              .phone = val(j, r, C_PHONE),
                              .notes = val(j, r, C_NOTES),
                              .staff = 1};
    int who = th ? sched_therapist_index(&s, th->id) : -1;
    rc = sched_book_in(j->db, j->a, &s, j->now, start, who, &cl, &id, &why);
    if (rc == E_OK) {
        j->out->added++;
        return E_OK;
    }
    if (rc == E_RETRY || err_http_status(rc) >= 500) { /* the store's, not the row's */
        *e = why;
        return rc;
    }
    problem(j, r->line, "%s", why.msg);
    return E_OK;
}

/* Every row, inside the open transaction.  Row problems are recorded, not
 * returned; a returned error is the store's. */
static enum err_code all_rows(struct job *j, struct err *e)
{
    struct catalogue cat = {0};
    enum err_code rc;
    if (j->kind == IMPORT_APPOINTMENTS &&
        ((rc = db_services(j->db, j->a, 0, &cat.sv, &cat.nsv, e)) != E_OK ||
         (rc = db_therapists(j->db, j->a, 0, &cat.th, &cat.nth, e)) != E_OK))
        return rc;
    for (size_t i = 0; i < j->nrows; i++) {
        const struct row *r = &j->rows[i];
        if (r->n != j->ncols) {
            problem(j, r->line, "it has %zu fields; the header has %zu", r->n, j->ncols);
            continue;
        }
        rc = j->kind == IMPORT_CLIENTS ? client_row(j, r, e) : appt_row(j, &cat, r, e);
        if (rc != E_OK)
            return rc;
    }
    return E_OK;
}

/* Reads the text into header and rows; E_INVALID for the file. */
static enum err_code read_file(struct job *j, const char *data, size_t len, struct err *e)
{
    struct csvread c;
    struct row h = {0};
    char *f[CSVREAD_MAX_FIELDS];
    size_t n, cap = 0;
    int line, rc;
    if (len > IMPORT_MAX_BYTES)
        return err_set(e, E_INVALID,
                       "the file is %zu bytes; at most %u MiB are read at once "
                       "(split it into parts)",
                       len, IMPORT_MAX_BYTES >> 20);
    size_t bad = utf8_check((const unsigned char *)data, len);
    if (bad < len) {
        int at = 1;
        for (size_t i = 0; i < bad; i++)
            at += data[i] == '\n';
        return err_set(e, E_INVALID,
                       "line %d: the file is not UTF-8 text (save it as \"CSV "
                       "UTF-8\")",
                       at);
    }
    csvread_init(&c, data, len);
    if ((rc = csvread_next(&c, j->a, f, &n, &line, e)) < 0)
        return E_INVALID;
    if (rc == 0)
        return err_set(e, E_INVALID, "the file is empty; its first line must name the columns");
    h.line = line;
    h.n = n;
    h.f = arena_array(j->a, n, sizeof *h.f);
    memcpy(h.f, f, n * sizeof *f);
    if (map_header(j, &h, e) != E_OK)
        return E_INVALID;
    while ((rc = csvread_next(&c, j->a, f, &n, &line, e)) == 1) {
        if (j->nrows == IMPORT_MAX_ROWS)
            return err_set(e, E_INVALID, "line %d: more than %d rows (split the file into parts)",
                           line, IMPORT_MAX_ROWS);
        if (j->nrows == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            struct row *rows = arena_array(j->a, ncap, sizeof *rows);
            if (j->nrows)
                memcpy(rows, j->rows, j->nrows * sizeof *rows);
            j->rows = rows;
            cap = ncap;
        }
        struct row *r = &j->rows[j->nrows++];
        r->line = line;
        r->n = n;
        r->f = arena_array(j->a, n, sizeof *r->f);
        memcpy(r->f, f, n * sizeof *f);
    }
    return rc < 0 ? E_INVALID : E_OK;
}

enum err_code import_csv(struct db *db, struct arena *a, struct sched_cache *cache,
                         const struct tz *tz, const struct booking_rules *cfg,
                         enum import_kind kind, const char *data, size_t len, int dry_run,
                         int64_t now, struct import_result *out, struct err *e)
{
    struct job j = {.db = db,
                    .a = a,
                    .cache = cache,
                    .tz = tz,
                    .cfg = cfg,
                    .kind = kind,
                    .now = now,
                    .out = out};
    enum err_code rc;
    int tries = 0;
    memset(out, 0, sizeof *out);
    out->ignored = "";
    if ((rc = read_file(&j, data, len, e)) != E_OK)
        return rc;
again: /* the store's concurrency contract: a lost race runs again, from the start */
    out->added = out->present = out->nproblems = 0;
    out->rows = j.nrows;
    if ((rc = db_begin(db, e)) != E_OK)
        return rc;
    if ((rc = all_rows(&j, e)) != E_OK)
        goto fail;
    if (out->nproblems || dry_run) {
        db_rollback(db);
        if (out->nproblems)
            return err_set(e, E_UNPROCESSABLE, "%zu of %zu rows refused; nothing was stored",
                           out->nproblems, out->rows);
        return E_OK;
    }
    if ((rc = db_commit(db, e)) != E_OK)
        goto fail;
    return E_OK;
fail:
    db_rollback(db);
    if (db_retry(db, &rc, &tries, e))
        goto again;
    return rc;
}
