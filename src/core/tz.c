/* tz — TZif (RFC 8536) and POSIX TZ rule interpretation, and UTC <-> wall
 * clock conversion for one zone.
 *
 * The zone's offset is a step function of the UTC instant:
 *
 *     t < trans[0]             type 0                       (RFC 8536 3.2)
 *     trans[i] <= t < trans[i+1]  types[idx[i]]
 *     t >= trans[n-1]          the footer's POSIX rule if any, else the last
 *                              transition's type (no transitions: the rule if
 *                              any, else type 0)
 *
 * Two primitives walk it: offset_at(t) and next_change(t) (the first instant
 * > t where the step function may change).  Everything local-to-UTC is done
 * by walking the steps inside a window of +/- MAXOFF seconds around the wall
 * time, which finds every solution and every gap exactly, whatever the
 * transitions look like (DST, negative DST, date-line jumps, skipped days).
 * Instants are clamped to DT_UTC_MIN..DT_UTC_MAX so no arithmetic overflows.
 *
 * This module must not do I/O, look at TZ, localtime or the clock, keep any
 * global state, or read outside the buffer it is given: the TZif bytes are
 * untrusted (fuzzed), and every count and index is checked before use.  A
 * parsed struct tz is never written again, so it can be shared by threads. */
#include "util/errmsg.h"
#include "core/tz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* Offsets accepted in TZif types (RFC 8536: -89999..93599, i.e. -24:59:59 ..
 * +25:59:59) and POSIX strings (hh <= 24); MAXOFF bounds them all. */
#define UTOFF_MIN (-89999)
#define UTOFF_MAX 93599
#define POSIX_OFF_HOURS 24
#define POSIX_TIME_HOURS 167
#define MAXOFF 93600
#define FOOTER_MAX 255

enum { RULE_J = 'J', RULE_N = 'N', RULE_M = 'M' };

struct rule_date {
    int kind;  /* RULE_J: Julian day n 1..365, Feb 29 never counted;
                * RULE_N: zero-based day n 0..365, leap days counted;
                * RULE_M: day d (0 = Sunday) of week w (1..5, 5 = last) of month m */
    int n, m, w, d;
    int time;  /* seconds after local midnight, -167h..167h */
};

#define ABBR_MAX 8 /* "AKST", "+0530": RFC 8536 allows 3..6 characters */

struct posix_tz {
    char std_name[ABBR_MAX], dst_name[ABBR_MAX];
    int std_off;   /* seconds east of UTC */
    int has_dst;
    int dst_off;
    struct rule_date start, end; /* DST starts (in standard time) / ends (in DST) */
};

struct ttype {
    int utoff;
    int isdst;
    char abbr[ABBR_MAX]; /* "" when the file's is too long to keep */
};

struct tz {
    char *name;
    size_t ntrans;
    int64_t *trans;      /* strictly ascending */
    unsigned char *idx;  /* idx[i] < ntypes */
    size_t ntypes;       /* >= 1 */
    struct ttype *types;
    int has_rule;
    struct posix_tz rule;
    /* The rule's changes of RULE_TABLE_FROM .. RULE_TABLE_TO, worked out once
     * (rule_table): offset_at reads them by binary search instead of working
     * out eight changes of four years at every call.  Instants in
     * [rt_lo, rt_hi) are answered from it; any other by rule_offset. */
    size_t nrt;
    int64_t *rt;  /* ascending (ties in event_after's order) */
    int *rt_off;  /* the offset from rt[i] on */
    int64_t rt_lo, rt_hi;
};

#define RULE_TABLE_FROM 1970
#define RULE_TABLE_TO 2200

/* ---- small helpers ---- */

static int64_t clamp_utc(int64_t t)
{
    if (t < DT_UTC_MIN)
        return DT_UTC_MIN;
    if (t > DT_UTC_MAX)
        return DT_UTC_MAX;
    return t;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b) < 0)
        q--;
    return q;
}

/* ---- POSIX TZ strings (the TZif footer) ----
 *
 *   std offset [dst [offset] [,start[/time],end[/time]]]
 *   name:   3+ letters, or <3+ of [A-Za-z0-9+-]>
 *   offset: [+-]hh[:mm[:ss]], hours west of UTC, hh 0..24
 *   date:   Jn (1..365) | n (0..365) | Mm.w.d
 *   time:   [+-]hh[:mm[:ss]], hh 0..167 (RFC 8536 extension), default 02:00 */

/* Reads 1..maxd decimal digits into a value in [lo, hi].  Returns 0 or -1. */
static int read_num(const char **p, int maxd, int lo, int hi, int *v)
{
    const char *s = *p;
    int r = 0, n = 0;
    while (n < maxd && s[n] >= '0' && s[n] <= '9') {
        r = r * 10 + (s[n] - '0');
        n++;
    }
    if (n == 0 || (s[n] >= '0' && s[n] <= '9') || r < lo || r > hi)
        return -1;
    *p = s + n;
    *v = r;
    return 0;
}

/* Copies a name of n characters into out (ABBR_MAX), or "" if too long. */
static void keep_name(const char *s, size_t n, char *out)
{
    if (n >= ABBR_MAX)
        n = 0;
    memcpy(out, s, n);
    out[n] = '\0';
}

static int parse_name(const char **p, char *out)
{
    const char *s = *p;
    size_t n = 0;
    if (*s == '<') {
        s++;
        while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
               (s[n] >= '0' && s[n] <= '9') || s[n] == '+' || s[n] == '-')
            n++;
        if (n < 3 || s[n] != '>')
            return -1;
        keep_name(s, n, out);
        *p = s + n + 1;
        return 0;
    }
    while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z'))
        n++;
    if (n < 3)
        return -1;
    keep_name(s, n, out);
    *p = s + n;
    return 0;
}

/* [+-]hh[:mm[:ss]] with hh <= maxh, as signed seconds. */
static int parse_hms(const char **p, int maxh, int *secs)
{
    const char *s = *p;
    int sign = 1, h, m = 0, sec = 0;
    if (*s == '+' || *s == '-') {
        sign = *s == '-' ? -1 : 1;
        s++;
    }
    if (read_num(&s, 3, 0, maxh, &h) < 0)
        return -1;
    if (*s == ':') {
        s++;
        if (read_num(&s, 2, 0, 59, &m) < 0)
            return -1;
        if (*s == ':') {
            s++;
            if (read_num(&s, 2, 0, 59, &sec) < 0)
                return -1;
        }
    }
    *p = s;
    *secs = sign * (h * 3600 + m * 60 + sec);
    return 0;
}

static int parse_rule_date(const char **p, struct rule_date *rd)
{
    const char *s = *p;
    if (*s == 'J') {
        s++;
        rd->kind = RULE_J;
        if (read_num(&s, 3, 1, 365, &rd->n) < 0)
            return -1;
    } else if (*s == 'M') {
        s++;
        rd->kind = RULE_M;
        if (read_num(&s, 2, 1, 12, &rd->m) < 0 || *s++ != '.' ||
            read_num(&s, 1, 1, 5, &rd->w) < 0 || *s++ != '.' ||
            read_num(&s, 1, 0, 6, &rd->d) < 0)
            return -1;
    } else {
        rd->kind = RULE_N;
        if (read_num(&s, 3, 0, 365, &rd->n) < 0)
            return -1;
    }
    rd->time = 7200;
    if (*s == '/') {
        s++;
        if (parse_hms(&s, POSIX_TIME_HOURS, &rd->time) < 0)
            return -1;
    }
    *p = s;
    return 0;
}

/* Parses a whole NUL-terminated POSIX TZ string.  Returns 0 or -1. */
static int parse_posix(const char *s, struct posix_tz *pt)
{
    int v;
    memset(pt, 0, sizeof *pt);
    if (parse_name(&s, pt->std_name) < 0 || parse_hms(&s, POSIX_OFF_HOURS, &v) < 0)
        return -1;
    pt->std_off = -v;
    if (*s == '\0')
        return 0;
    if (parse_name(&s, pt->dst_name) < 0)
        return -1;
    pt->has_dst = 1;
    pt->dst_off = pt->std_off + 3600;
    if (*s == '+' || *s == '-' || (*s >= '0' && *s <= '9')) {
        if (parse_hms(&s, POSIX_OFF_HOURS, &v) < 0)
            return -1;
        pt->dst_off = -v;
    }
    if (*s == '\0') {
        /* No rule: the US rules, as tzcode does without "posixrules". */
        pt->start = (struct rule_date){ RULE_M, 0, 3, 2, 0, 7200 };
        pt->end = (struct rule_date){ RULE_M, 0, 11, 1, 0, 7200 };
        return 0;
    }
    if (*s++ != ',' || parse_rule_date(&s, &pt->start) < 0 || *s++ != ',' ||
        parse_rule_date(&s, &pt->end) < 0 || *s != '\0')
        return -1;
    return 0;
}

/* Day number of a rule date in year y. */
static int64_t rule_day(const struct rule_date *rd, int y)
{
    int64_t jan1 = dt_days_from_civil(y, 1, 1);
    switch (rd->kind) {
    case RULE_J:
        return jan1 + rd->n - 1 + (dt_is_leap(y) && rd->n >= 60);
    case RULE_N:
        return jan1 + rd->n;
    default: {
        int64_t first = dt_days_from_civil(y, rd->m, 1);
        int day = (rd->d - dt_weekday(first) + 7) % 7 + (rd->w - 1) * 7;
        if (day >= dt_days_in_month(y, rd->m))
            day -= 7;
        return first + day;
    }
    }
}

struct rule_event {
    int64_t t;
    int year;
    int kind; /* 0 = DST starts, 1 = DST ends */
};

/* The DST start and end instants of year y. */
static void rule_events(const struct posix_tz *pt, int y, struct rule_event ev[2])
{
    ev[0] = (struct rule_event){ rule_day(&pt->start, y) * 86400 + pt->start.time - pt->std_off,
                                 y, 0 };
    ev[1] = (struct rule_event){ rule_day(&pt->end, y) * 86400 + pt->end.time - pt->dst_off,
                                 y, 1 };
}

/* Year of instant t (clamped) on the zone's standard-time clock. */
static int rule_year(const struct posix_tz *pt, int64_t t)
{
    int y;
    dt_civil_from_days(floor_div(t + pt->std_off, 86400), &y, NULL, NULL);
    return y;
}

/* "Later" order of events: by instant, then year, then end after start (so a
 * rule whose end of one year coincides with the next start, like
 * "EST5EDT,0/0,J365/25", is DST all year). */
static int event_after(const struct rule_event *a, const struct rule_event *b)
{
    if (a->t != b->t)
        return a->t > b->t;
    if (a->year != b->year)
        return a->year > b->year;
    return a->kind > b->kind;
}

static int rule_offset(const struct posix_tz *pt, int64_t t)
{
    if (!pt->has_dst)
        return pt->std_off;
    int y = rule_year(pt, t);
    const struct rule_event *best = NULL;
    struct rule_event ev[8];
    /* Rule times reach +/-167 h, so year y-2's events are all before t. */
    for (int i = 0; i < 4; i++)
        rule_events(pt, y - 2 + i, &ev[2 * i]);
    for (int i = 0; i < 8; i++)
        if (ev[i].t <= t && (!best || event_after(&ev[i], best)))
            best = &ev[i];
    if (!best || best->kind == 1)
        return pt->std_off;
    return pt->dst_off;
}

/* First rule event strictly after t; returns 0 and sets *next, or -1. */
static int rule_next(const struct posix_tz *pt, int64_t t, int64_t *next)
{
    if (!pt->has_dst)
        return -1;
    int y = rule_year(pt, t);
    int found = 0;
    int64_t best = 0;
    struct rule_event ev[10];
    for (int i = 0; i < 5; i++)
        rule_events(pt, y - 2 + i, &ev[2 * i]);
    for (int i = 0; i < 10; i++) {
        if (ev[i].t > t && (!found || ev[i].t < best)) {
            best = ev[i].t;
            found = 1;
        }
    }
    if (!found)
        return -1;
    *next = best;
    return 0;
}

/* ---- the step function ---- */

/* Offset at t, which must already be clamped. */
/* The type in force at t from the table, or NULL when the POSIX rule decides. */
static const struct ttype *type_at(const struct tz *tz, int64_t t)
{
    size_t n = tz->ntrans;
    if (n == 0 || t >= tz->trans[n - 1])
        return tz->has_rule ? NULL : &tz->types[n == 0 ? 0 : tz->idx[n - 1]];
    if (t < tz->trans[0])
        return &tz->types[0];
    size_t lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return &tz->types[tz->idx[lo]];
}

static int event_cmp(const void *a, const void *b)
{
    const struct rule_event *x = a, *y = b;
    return event_after(x, y) ? 1 : event_after(y, x) ? -1 : 0;
}

/* Fills tz's table of the rule's changes.  For an instant of standard-time
 * year y in the table's years, rule_offset weighs the events of years y-2 ..
 * y+1 and takes the latest at or before it; the table holds the events of
 * two years more on each side, sorted in that same order, so the latest
 * entry at or before the instant is the same event.  Aborts on OOM. */
static void rule_table(struct tz *tz)
{
    const struct posix_tz *pt = &tz->rule;
    if (!tz->has_rule || !pt->has_dst)
        return;
    int y0 = RULE_TABLE_FROM - 2, y1 = RULE_TABLE_TO + 2;
    size_t n = (size_t)(y1 - y0 + 1) * 2;
    struct rule_event *ev = xcalloc(n, sizeof *ev);
    for (int y = y0; y <= y1; y++)
        rule_events(pt, y, &ev[(size_t)(y - y0) * 2]);
    qsort(ev, n, sizeof *ev, event_cmp);
    tz->rt = xcalloc(n, sizeof *tz->rt);
    tz->rt_off = xcalloc(n, sizeof *tz->rt_off);
    for (size_t i = 0; i < n; i++) {
        tz->rt[i] = ev[i].t;
        tz->rt_off[i] = ev[i].kind == 1 ? pt->std_off : pt->dst_off;
    }
    tz->nrt = n;
    tz->rt_lo = dt_days_from_civil(RULE_TABLE_FROM, 1, 1) * 86400 - pt->std_off;
    tz->rt_hi = dt_days_from_civil(RULE_TABLE_TO + 1, 1, 1) * 86400 - pt->std_off;
    free(ev);
}

/* rule_offset(&tz->rule, t), from the table when t is in it. */
static int rule_offset_fast(const struct tz *tz, int64_t t)
{
    if (tz->nrt == 0 || t < tz->rt_lo || t >= tz->rt_hi || t < tz->rt[0])
        return rule_offset(&tz->rule, t);
    /* the last entry at or before t: rt[lo] <= t < rt[hi] */
    size_t lo = 0, hi = tz->nrt;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->rt[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return tz->rt_off[lo];
}

void tz_abbrev(const struct tz *tz, int64_t utc, char *buf, size_t size)
{
    int64_t t = clamp_utc(utc);
    const struct ttype *ty = type_at(tz, t);
    const char *name;
    int off;
    if (size == 0)
        return;
    if (ty) {
        name = ty->abbr;
        off = ty->utoff;
    } else {
        off = rule_offset(&tz->rule, t);
        name = tz->rule.has_dst && off == tz->rule.dst_off && off != tz->rule.std_off
                   ? tz->rule.dst_name
                   : tz->rule.std_name;
    }
    /* Numeric names ("+0530", "-03") say no more than the offset: show it as people read it. */
    if (name[0] && name[0] != '+' && name[0] != '-') {
        snprintf(buf, size, "%s", name);
        return;
    }
    int a = off < 0 ? -off : off;
    snprintf(buf, size, "UTC%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

static int offset_at(const struct tz *tz, int64_t t)
{
    size_t n = tz->ntrans;
    if (n == 0 || t >= tz->trans[n - 1]) {
        if (tz->has_rule)
            return rule_offset_fast(tz, t);
        return tz->types[n == 0 ? 0 : tz->idx[n - 1]].utoff;
    }
    if (t < tz->trans[0])
        return tz->types[0].utoff;
    /* trans[lo] <= t < trans[hi] */
    size_t lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return tz->types[tz->idx[lo]].utoff;
}

/* The first instant > t at which the offset may change (consistent with
 * offset_at(clamp_utc(.))).  Returns 0 and sets *next, or -1 if none. */
static int next_change(const struct tz *tz, int64_t t, int64_t *next)
{
    size_t n = tz->ntrans;
    int64_t r = 0;

    if (t < DT_UTC_MIN)
        t = DT_UTC_MIN;
    if (n > 0 && t < tz->trans[n - 1]) {
        size_t lo = 0, hi = n - 1; /* first i with trans[i] > t lies in [lo, hi] */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (tz->trans[mid] > t)
                hi = mid;
            else
                lo = mid + 1;
        }
        r = tz->trans[lo];
    } else if (!tz->has_rule || rule_next(&tz->rule, t, &r) < 0) {
        return -1;
    }
    if (r > DT_UTC_MAX)
        return -1;
    *next = r;
    return 0;
}

/* Resolves local seconds L (the wall clock read as UTC).  Writes up to two
 * solutions to out (first and last), and sets *first_at_or_after to the first
 * instant whose wall time is >= L.  Returns the number of solutions. */
static int resolve(const struct tz *tz, int64_t L, int64_t out[2], int64_t *first_at_or_after)
{
    int64_t a = L - MAXOFF, b = L + MAXOFF, seg = a, gap = 0, first = 0;
    int o = offset_at(tz, clamp_utc(seg)), cnt = 0, have_gap = 0;

    /* Every solution t = L - o satisfies a <= t <= b, and so does the first
     * crossing of L, since |o| < MAXOFF. */
    for (;;) {
        int64_t nx, end;
        end = (next_change(tz, seg, &nx) == 0 && nx <= b) ? nx : b + 1;
        int64_t t = L - o;
        if (t >= seg && t < end) {
            if (cnt == 0)
                first = t;
            out[cnt == 0 ? 0 : 1] = t;
            cnt++;
        }
        if (end > b)
            break;
        int on = offset_at(tz, clamp_utc(end));
        if (!have_gap && end + o <= L && L < end + on) {
            gap = end;
            have_gap = 1;
        }
        seg = end;
        o = on;
    }
    if (first_at_or_after) {
        if (cnt > 0 && (!have_gap || first < gap))
            *first_at_or_after = first;
        else if (have_gap)
            *first_at_or_after = gap;
        else
            *first_at_or_after = L; /* unreachable: the wall clock crosses L in [a, b] */
    }
    return cnt > 2 ? 2 : cnt;
}

/* ---- public API ---- */

int tz_offset_at(const struct tz *tz, int64_t utc)
{
    return offset_at(tz, clamp_utc(utc));
}

void tz_to_local(const struct tz *tz, int64_t utc, struct dt_civil *out, int *offset_sec)
{
    int64_t t = clamp_utc(utc);
    int off = offset_at(tz, t);
    dt_civil_from_secs(t + off, out);
    if (offset_sec)
        *offset_sec = off;
}

int tz_from_local(const struct tz *tz, const struct dt_civil *local, int64_t out[2])
{
    if (!dt_valid_civil(local) || local->year < 1 || local->year > 9999)
        return -1;
    return resolve(tz, dt_civil_to_secs(local), out, NULL);
}

int tz_wall_to_utc(const struct tz *tz, struct dt_date d, int minute_of_day, int64_t out[2])
{
    if (!dt_valid_date(d.year, d.month, d.day) || d.year < 1 || d.year > 9999 ||
        minute_of_day < 0 || minute_of_day > 1440)
        return -1;
    return resolve(tz, dt_date_to_days(d) * 86400 + (int64_t)minute_of_day * 60, out, NULL);
}

int64_t tz_day_start(const struct tz *tz, struct dt_date d)
{
    int64_t out[2], start;
    int64_t L = clamp_utc(dt_date_to_days(d) * 86400);
    (void)resolve(tz, L, out, &start); /* the count is not needed here */
    return clamp_utc(start);
}

int tz_day_seconds(const struct tz *tz, struct dt_date d)
{
    /* Both starts lie within MAXOFF of their midnights: the difference fits. */
    int64_t s0 = tz_day_start(tz, d);
    int64_t s1 = tz_day_start(tz, dt_date_add(d, 1));
    return (int)(s1 - s0);
}

const char *tz_name(const struct tz *tz)
{
    return tz->name;
}

void tz_free(struct tz *tz)
{
    if (!tz)
        return;
    free(tz->name);
    free(tz->trans);
    free(tz->idx);
    free(tz->types);
    free(tz->rt);
    free(tz->rt_off);
    free(tz);
}

/* ---- TZif ---- */

#define HDR_LEN 44

struct hdr {
    int version; /* 0, '2', '3' or '4' */
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Reads the header at data[pos..] and the length of the data block after it
 * (timesize 4 or 8).  Returns 0 or -1 with a message. */
static int read_header(const unsigned char *data, size_t len, size_t pos, int timesize,
                       struct hdr *h, uint64_t *blocklen, char *err, size_t errlen)
{
    if (len - pos < HDR_LEN) {
        errmsg_set(err, errlen, "truncated TZif header at byte %zu", pos);
        return -1;
    }
    const unsigned char *p = data + pos;
    if (memcmp(p, "TZif", 4) != 0) {
        errmsg_set(err, errlen, "not a TZif file (bad magic at byte %zu)", pos);
        return -1;
    }
    if (p[4] != 0 && p[4] != '2' && p[4] != '3' && p[4] != '4') {
        errmsg_set(err, errlen, "unsupported TZif version byte 0x%02x", p[4]);
        return -1;
    }
    h->version = p[4];
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    /* Each count < 2^32, so this sum cannot overflow 64 bits. */
    *blocklen = (uint64_t)h->timecnt * (uint64_t)(timesize + 1) + (uint64_t)h->typecnt * 6 +
                h->charcnt + (uint64_t)h->leapcnt * (uint64_t)(timesize + 4) + h->isstdcnt +
                h->isutcnt;
    if (*blocklen > len - pos - HDR_LEN) {
        errmsg_set(err, errlen, "truncated TZif data (block needs %llu bytes, %zu left)",
               (unsigned long long)*blocklen, len - pos - HDR_LEN);
        return -1;
    }
    return 0;
}

/* Validates and loads the data block described by h at data[pos..] into tz. */
static int read_block(const unsigned char *p, const struct hdr *h, int timesize, struct tz *tz,
                      char *err, size_t errlen)
{
    if (h->leapcnt != 0) {
        errmsg_set(err, errlen, "leap-second zone data (\"right/\" zones) is not supported");
        return -1;
    }
    if (h->typecnt == 0 || h->typecnt > 256) {
        errmsg_set(err, errlen, "bad TZif type count %lu", (unsigned long)h->typecnt);
        return -1;
    }
    if (h->charcnt == 0) {
        errmsg_set(err, errlen, "bad TZif: no abbreviation characters");
        return -1;
    }
    if ((h->isstdcnt != 0 && h->isstdcnt != h->typecnt) ||
        (h->isutcnt != 0 && h->isutcnt != h->typecnt)) {
        errmsg_set(err, errlen, "bad TZif std/ut indicator counts");
        return -1;
    }

    size_t n = h->timecnt, nt = h->typecnt;
    const unsigned char *times = p, *idx = p + n * (size_t)timesize, *types = idx + n;
    const unsigned char *inds = types + nt * 6 + h->charcnt;

    tz->ntrans = n;
    tz->ntypes = nt;
    tz->types = xcalloc(nt, sizeof *tz->types);
    if (n > 0) {
        tz->trans = xcalloc(n, sizeof *tz->trans);
        tz->idx = xmalloc(n);
    }
    for (size_t i = 0; i < n; i++) {
        const unsigned char *q = times + i * (size_t)timesize;
        tz->trans[i] = timesize == 8 ? be64(q) : (int64_t)(int32_t)be32(q);
        if (i > 0 && tz->trans[i] <= tz->trans[i - 1]) {
            errmsg_set(err, errlen, "bad TZif: transition times not ascending at %zu", i);
            return -1;
        }
        if (idx[i] >= nt) {
            errmsg_set(err, errlen, "bad TZif: transition %zu uses type %u of %zu", i, idx[i], nt);
            return -1;
        }
        tz->idx[i] = idx[i];
    }
    for (size_t i = 0; i < nt; i++) {
        const unsigned char *q = types + i * 6;
        int32_t off = (int32_t)be32(q);
        if (off < UTOFF_MIN || off > UTOFF_MAX) {
            errmsg_set(err, errlen, "bad TZif: type %zu has offset %ld s", i, (long)off);
            return -1;
        }
        if (q[4] > 1 || q[5] >= h->charcnt) {
            errmsg_set(err, errlen, "bad TZif: type %zu has bad flags or abbreviation index", i);
            return -1;
        }
        tz->types[i].utoff = off;
        tz->types[i].isdst = q[4];
        const unsigned char *chars = types + nt * 6;
        const unsigned char *end = memchr(chars + q[5], '\0', h->charcnt - q[5]);
        keep_name((const char *)chars + q[5], end ? (size_t)(end - (chars + q[5])) : ABBR_MAX,
                  tz->types[i].abbr);
    }
    for (size_t i = 0; i < (size_t)h->isstdcnt + h->isutcnt; i++) {
        if (inds[i] > 1) {
            errmsg_set(err, errlen, "bad TZif: std/ut indicator is not 0 or 1");
            return -1;
        }
    }
    return 0;
}

/* Footer: "\n" POSIX-string "\n" ending exactly at len. */
static int read_footer(const unsigned char *data, size_t len, size_t pos, struct tz *tz,
                       char *err, size_t errlen)
{
    char buf[FOOTER_MAX + 1];
    if (pos >= len || data[pos] != '\n') {
        errmsg_set(err, errlen, "bad TZif: missing footer");
        return -1;
    }
    pos++;
    const unsigned char *nl = memchr(data + pos, '\n', len - pos);
    if (!nl) {
        errmsg_set(err, errlen, "bad TZif: unterminated footer");
        return -1;
    }
    size_t n = (size_t)(nl - (data + pos));
    if ((size_t)(nl - data) + 1 != len) {
        errmsg_set(err, errlen, "bad TZif: %zu bytes after the footer", len - (size_t)(nl - data) - 1);
        return -1;
    }
    if (n > FOOTER_MAX || memchr(data + pos, '\0', n)) {
        errmsg_set(err, errlen, "bad TZif: footer too long or contains NUL");
        return -1;
    }
    if (n == 0)
        return 0; /* no rule: the last transition's type stays in force */
    memcpy(buf, data + pos, n);
    buf[n] = '\0';
    if (parse_posix(buf, &tz->rule) < 0) {
        errmsg_set(err, errlen, "bad TZif: cannot parse POSIX TZ footer \"%s\"", buf);
        return -1;
    }
    tz->has_rule = 1;
    return 0;
}

int tz_parse(const unsigned char *data, size_t len, const char *name, struct tz **out,
             char *err, size_t errlen)
{
    int rc = -1;
    struct tz *tz = xcalloc(1, sizeof *tz);
    struct hdr h1, h2;
    uint64_t b1, b2;

    tz->name = xstrdup(name ? name : "");
    *out = NULL;
    if (!data) {
        errmsg_set(err, errlen, "no TZif data");
        goto done;
    }
    if (read_header(data, len, 0, 4, &h1, &b1, err, errlen) < 0)
        goto done;
    size_t pos = HDR_LEN + (size_t)b1;
    if (h1.version == 0) {
        if (pos != len) {
            errmsg_set(err, errlen, "bad TZif: %zu bytes after the version 1 data", len - pos);
            goto done;
        }
        if (read_block(data + HDR_LEN, &h1, 4, tz, err, errlen) < 0)
            goto done;
    } else {
        if (read_header(data, len, pos, 8, &h2, &b2, err, errlen) < 0)
            goto done;
        if (h2.version != h1.version) {
            errmsg_set(err, errlen, "bad TZif: version bytes of the two headers differ");
            goto done;
        }
        if (read_block(data + pos + HDR_LEN, &h2, 8, tz, err, errlen) < 0)
            goto done;
        if (read_footer(data, len, pos + HDR_LEN + (size_t)b2, tz, err, errlen) < 0)
            goto done;
    }
    rule_table(tz);
    *out = tz;
    tz = NULL;
    rc = 0;
done:
    tz_free(tz);
    return rc;
}
