/* test_time — unit tests for core/datetime, core/tz and util/tzload.
 *
 * Table-driven where the inputs are data (calendar rows, RFC 3339 strings,
 * POSIX TZ footers, DST edges); property-driven where the space is large
 * (every day 0001..9999, every quarter hour of several zones' years, every
 * truncation and many byte flips of real TZif files).  Zones come from the
 * system tz database through tzload, so this test does I/O; it also uses
 * glibc's localtime_r as an independent oracle, which the module itself must
 * never do. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* tm_gmtoff */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/datetime.h"
#include "core/tz.h"
#include "util/mem.h"
#include "util/tzload.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

static struct tz *load(const char *name)
{
    struct tz *tz = NULL;
    char err[256] = "";
    if (tzload_load(name, &tz, err, sizeof err) != 0)
        fail_msg("tzload_load(%s): %s", name, err);
    assert_non_null(tz);
    assert_string_equal(tz_name(tz), name);
    return tz;
}

/* Reads a whole zone file for the byte-level tests.  Caller frees. */
static unsigned char *slurp(const char *name, size_t *len)
{
    char path[512];
    int n = snprintf(path, sizeof path, "%s/%s", TZLOAD_DIR, name);
    assert_true(n > 0 && (size_t)n < sizeof path);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    unsigned char *buf = xmalloc(TZLOAD_MAX_BYTES);
    *len = fread(buf, 1, TZLOAD_MAX_BYTES, f);
    assert_int_equal(ferror(f), 0);
    assert_int_equal(fclose(f), 0);
    assert_true(*len > 0 && *len < TZLOAD_MAX_BYTES);
    return buf;
}

static int64_t rfc(const char *s)
{
    int64_t t;
    if (dt_parse_rfc3339(s, &t, NULL) != 0)
        fail_msg("bad RFC 3339 literal in test: %s", s);
    return t;
}

static struct dt_date D(int y, int m, int d)
{
    return (struct dt_date){ y, m, d };
}

static struct dt_civil C(int y, int mo, int d, int h, int mi, int s)
{
    return (struct dt_civil){ y, mo, d, h, mi, s };
}

/* Formats instant t as the zone sees it, for readable comparisons. */
static const char *show(const struct tz *tz, int64_t t, char buf[32])
{
    size_t n = dt_format_rfc3339(t, tz_offset_at(tz, t), buf, 32);
    assert_int_equal(n, 25);
    return buf;
}

/* ---- calendar ---- */

static void test_days_table(void **state)
{
    static const struct {
        int y, m, d;
        int64_t days;
        int wday;
    } rows[] = {
        { 1970, 1, 1, 0, 4 },           { 1969, 12, 31, -1, 3 },
        { 2000, 2, 29, 11016, 2 },      { 2000, 3, 1, 11017, 3 },
        { 1900, 1, 1, -25567, 1 },      { 1900, 3, 1, -25508, 4 },
        { 2026, 3, 8, 20520, 0 },       { 2026, 11, 1, 20758, 0 },
        { 2026, 11, 26, 20783, 4 },     { 2100, 3, 14, 47554, 0 },
        { 1, 1, 1, -719162, 1 },        { 9999, 12, 31, 2932896, 5 },
        { 1600, 2, 29, -135081, 2 },    { 2038, 1, 19, 24855, 2 },
        { 1582, 10, 15, -141427, 5 },
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        int y, m, d;
        assert_int_equal(dt_days_from_civil(rows[i].y, rows[i].m, rows[i].d), rows[i].days);
        dt_civil_from_days(rows[i].days, &y, &m, &d);
        assert_int_equal(y, rows[i].y);
        assert_int_equal(m, rows[i].m);
        assert_int_equal(d, rows[i].d);
        assert_int_equal(dt_weekday(rows[i].days), rows[i].wday);
    }
}

static void test_days_every_day(void **state)
{
    (void)state;
    int64_t first = dt_days_from_civil(1, 1, 1), last = dt_days_from_civil(9999, 12, 31);
    int py = 0, pm = 12, pd = 31, pw = dt_weekday(first - 1);
    for (int64_t z = first; z <= last; z++) {
        int y, m, d;
        dt_civil_from_days(z, &y, &m, &d);
        if (!dt_valid_date(y, m, d) || dt_days_from_civil(y, m, d) != z)
            fail_msg("day %lld -> %d-%d-%d", (long long)z, y, m, d);
        /* Each day follows the previous one. */
        int next = (d == pd + 1 && m == pm && y == py) ||
                   (d == 1 && pd == dt_days_in_month(py, pm) &&
                    ((m == pm + 1 && y == py) || (m == 1 && pm == 12 && y == py + 1)));
        if (!next)
            fail_msg("day %lld: %d-%d-%d after %d-%d-%d", (long long)z, y, m, d, py, pm, pd);
        int w = dt_weekday(z);
        assert_int_equal(w, (pw + 1) % 7);
        py = y, pm = m, pd = d, pw = w;
    }
    /* Far outside the usual range: no overflow, still consistent. */
    for (int64_t z = -400000000; z <= 400000000; z += 9999991) {
        int y, m, d;
        dt_civil_from_days(z, &y, &m, &d);
        assert_int_equal(dt_days_from_civil(y, m, d), z);
    }
    int y;
    dt_civil_from_days(INT64_MAX, &y, NULL, NULL); /* clamped, must not trap */
    assert_true(y > 900000000);
    dt_civil_from_days(INT64_MIN, &y, NULL, NULL);
    assert_true(y < -900000000);
}

static void test_days_normalise(void **state)
{
    static const struct {
        int y, m, d, ny, nm, nd;
    } rows[] = {
        { 2026, 13, 1, 2027, 1, 1 },   { 2026, 3, 0, 2026, 2, 28 },  { 2024, 3, 0, 2024, 2, 29 },
        { 2026, 0, 1, 2025, 12, 1 },   { 2026, -11, 1, 2025, 1, 1 }, { 2026, -12, 1, 2024, 12, 1 },
        { 2026, 1, 32, 2026, 2, 1 },   { 2026, 12, 32, 2027, 1, 1 }, { 2026, 2, 30, 2026, 3, 2 },
        { 2026, 25, 1, 2028, 1, 1 },   { 2026, 1, -30, 2025, 12, 1 },
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rows); i++)
        assert_int_equal(dt_days_from_civil(rows[i].y, rows[i].m, rows[i].d),
                         dt_days_from_civil(rows[i].ny, rows[i].nm, rows[i].nd));
    /* Extreme arguments do not overflow. */
    (void)dt_days_from_civil(INT32_MAX, INT32_MAX, INT32_MAX);
    (void)dt_days_from_civil(INT32_MIN, INT32_MIN, INT32_MIN);

    struct dt_date d = dt_date_add(D(2026, 2, 28), 1);
    assert_true(d.year == 2026 && d.month == 3 && d.day == 1);
    d = dt_date_add(D(2024, 2, 28), 1);
    assert_true(d.year == 2024 && d.month == 2 && d.day == 29);
    d = dt_date_add(D(2026, 1, 1), -1);
    assert_true(d.year == 2025 && d.month == 12 && d.day == 31);
    d = dt_date_add(D(2026, 1, 1), 365);
    assert_true(d.year == 2027 && d.month == 1 && d.day == 1);

    struct dt_civil c;
    struct dt_civil in = C(2026, 11, 26, 24, 0, 0); /* hour 24 is the next day */
    dt_civil_from_secs(dt_civil_to_secs(&in), &c);
    assert_true(c.year == 2026 && c.month == 11 && c.day == 27 && c.hour == 0);
    dt_civil_from_secs(-1, &c);
    assert_true(c.year == 1969 && c.month == 12 && c.day == 31 && c.hour == 23 && c.min == 59 &&
                c.sec == 59);
}

static void test_month_lengths(void **state)
{
    static const struct {
        int y, m, len;
    } rows[] = {
        { 2026, 1, 31 }, { 2026, 2, 28 }, { 2024, 2, 29 }, { 2000, 2, 29 }, { 1900, 2, 28 },
        { 2100, 2, 28 }, { 2400, 2, 29 }, { 2026, 4, 30 }, { 2026, 6, 30 }, { 2026, 9, 30 },
        { 2026, 11, 30 }, { 2026, 12, 31 }, { 2026, 0, 0 }, { 2026, 13, 0 }, { 0, 2, 29 },
        { -4, 2, 29 },   { -1, 2, 28 },
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rows); i++)
        assert_int_equal(dt_days_in_month(rows[i].y, rows[i].m), rows[i].len);
    assert_true(dt_valid_date(2024, 2, 29));
    assert_false(dt_valid_date(2026, 2, 29));
    assert_false(dt_valid_date(2026, 4, 31));
    assert_false(dt_valid_date(2026, 1, 0));
    assert_false(dt_valid_date(2026, 0, 1));
    assert_false(dt_valid_date(2026, 13, 1));
    struct dt_civil c = C(2026, 1, 1, 23, 59, 59);
    assert_true(dt_valid_civil(&c));
    c.sec = 60;
    assert_false(dt_valid_civil(&c));
    c = C(2026, 1, 1, 24, 0, 0);
    assert_false(dt_valid_civil(&c));
    c = C(2026, 1, 1, 0, -1, 0);
    assert_false(dt_valid_civil(&c));
}

/* ---- parsers and formatters ---- */

static void test_parse_date(void **state)
{
    static const struct {
        const char *s;
        int ok, y, m, d;
    } rows[] = {
        { "2026-11-26", 1, 2026, 11, 26 }, { "2024-02-29", 1, 2024, 2, 29 },
        { "1900-01-01", 1, 1900, 1, 1 },   { "9999-12-31", 1, 9999, 12, 31 },
        { "2000-02-29", 1, 2000, 2, 29 },  { "2026-02-29", 0, 0, 0, 0 },
        { "1900-02-29", 0, 0, 0, 0 },               { "2026-13-01", 0, 0, 0, 0 },
        { "2026-00-10", 0, 0, 0, 0 },               { "2026-01-00", 0, 0, 0, 0 },
        { "2026-04-31", 0, 0, 0, 0 },               { "2026-1-01", 0, 0, 0, 0 },
        { "2026-01-1", 0, 0, 0, 0 },                { "26-01-01", 0, 0, 0, 0 },
        { "02026-01-01", 0, 0, 0, 0 },              { "2026-11-26x", 0, 0, 0, 0 },
        { "2026-11-26 ", 0, 0, 0, 0 },              { " 2026-11-26", 0, 0, 0, 0 },
        { "2026-11-26T00:00:00Z", 0, 0, 0, 0 },     { "2026/11/26", 0, 0, 0, 0 },
        { "1899-12-31", 0, 0, 0, 0 },               { "-026-11-26", 0, 0, 0, 0 },
        { "+2026-11-26", 0, 0, 0, 0 },              { "", 0, 0, 0, 0 },
        { "2026-11-2", 0, 0, 0, 0 },                { "2026-1a-26", 0, 0, 0, 0 },
        { "0000-01-01", 0, 0, 0, 0 },
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        struct dt_date d = { -1, -1, -1 };
        int rc = dt_parse_date(rows[i].s, &d);
        if (rc != (rows[i].ok ? 0 : -1))
            fail_msg("dt_parse_date(\"%s\") = %d", rows[i].s, rc);
        if (rows[i].ok) {
            assert_int_equal(d.year, rows[i].y);
            assert_int_equal(d.month, rows[i].m);
            assert_int_equal(d.day, rows[i].d);
        } else {
            assert_int_equal(d.year, -1); /* left alone */
        }
    }
    struct dt_date d;
    assert_int_equal(dt_parse_date(NULL, &d), -1);
}

static void test_parse_rfc3339(void **state)
{
    static const struct {
        const char *s;
        int ok;
        int64_t utc;
        int off;
    } rows[] = {
        { "2026-11-26T14:00:00-09:00", 1, 1795734000, -32400 },
        { "2026-11-26T14:00:00Z", 1, 1795701600, 0 },
        { "2026-11-26t14:00:00z", 1, 1795701600, 0 },
        { "2026-11-26T14:00:00+00:00", 1, 1795701600, 0 },
        { "2026-11-26T14:00:00-00:00", 1, 1795701600, 0 },
        { "2026-11-26T14:00:00.123Z", 1, 1795701600, 0 },
        { "2026-11-26T14:00:00.999999999+05:30", 1, 1795681800, 19800 },
        { "2026-11-26T23:59:59+23:59", 1, 1795651259, 86340 },
        { "2026-11-26T00:00:00-23:59", 1, 1795737540, -86340 },
        { "2000-02-29T12:00:00Z", 1, 951825600, 0 },
        { "1900-01-01T00:00:00Z", 1, -2208988800, 0 },
        { "9999-12-31T23:59:59Z", 1, INT64_C(253402300799), 0 },
        { "1970-01-01T00:00:00Z", 1, 0, 0 },
        { "2026-03-08T02:30:00-09:00", 1, 1772969400, -32400 },
        { "1969-12-31T23:59:59.5Z", 1, -1, 0 },
        { "", 0, 0, 0 },
        { "2026-11-26", 0, 0, 0 },
        { "2026-11-26T14:00:00", 0, 0, 0 },              /* no offset */
        { "2026-11-26 14:00:00Z", 0, 0, 0 },             /* space instead of T */
        { "2026-11-26T14:00:00Z ", 0, 0, 0 },            /* trailing space */
        { " 2026-11-26T14:00:00Z", 0, 0, 0 },            /* leading space */
        { "2026-11-26T14:00:00Zjunk", 0, 0, 0 },
        { "2026-11-26T14:00:00Z\n", 0, 0, 0 },
        { "2026-02-29T10:00:00Z", 0, 0, 0 },             /* not a leap year */
        { "2026-11-31T10:00:00Z", 0, 0, 0 },
        { "2026-13-01T10:00:00Z", 0, 0, 0 },
        { "2026-00-10T10:00:00Z", 0, 0, 0 },
        { "2026-11-00T10:00:00Z", 0, 0, 0 },
        { "2026-11-26T24:00:00Z", 0, 0, 0 },             /* hour 24 */
        { "2026-11-26T23:60:00Z", 0, 0, 0 },             /* minute 60 */
        { "2026-11-26T23:59:60Z", 0, 0, 0 },             /* leap second */
        { "2026-11-26T4:00:00Z", 0, 0, 0 },              /* no zero padding */
        { "2026-11-26T14:0:00Z", 0, 0, 0 },
        { "2026-11-26T14:00:0Z", 0, 0, 0 },
        { "2026-1-26T14:00:00Z", 0, 0, 0 },
        { "26-11-26T14:00:00Z", 0, 0, 0 },
        { "2026-11-26T14:00:00+0900", 0, 0, 0 },         /* no colon */
        { "2026-11-26T14:00:00+09", 0, 0, 0 },
        { "2026-11-26T14:00:00+9:00", 0, 0, 0 },
        { "2026-11-26T14:00:00+24:00", 0, 0, 0 },        /* beyond 23:59 */
        { "2026-11-26T14:00:00+09:60", 0, 0, 0 },
        { "2026-11-26T14:00:00.Z", 0, 0, 0 },            /* empty fraction */
        { "2026-11-26T14:00:00,5Z", 0, 0, 0 },           /* comma fraction */
        { "2026-11-26T14:00Z", 0, 0, 0 },                /* no seconds */
        { "2026-11-26T14:00:00UTC", 0, 0, 0 },
        { "2026-11-26T14:00:00 Z", 0, 0, 0 },
        { "2026-11-26X14:00:00Z", 0, 0, 0 },
        { "1899-12-31T23:59:59Z", 0, 0, 0 },             /* below the year range */
        { "+2026-11-26T14:00:00Z", 0, 0, 0 },
        { "2026-11-26T14:00:00\xe2\x88\x92" "09:00", 0, 0, 0 }, /* U+2212 minus */
        { "2026-11-26T14:00:00+09:00:00", 0, 0, 0 },
        { "2026-11-26T14:00:00-09:00Z", 0, 0, 0 },
        { "2026-11-26TT14:00:00Z", 0, 0, 0 },
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        int64_t utc = 42;
        int off = 42;
        int rc = dt_parse_rfc3339(rows[i].s, &utc, &off);
        if (rc != (rows[i].ok ? 0 : -1))
            fail_msg("dt_parse_rfc3339(\"%s\") = %d", rows[i].s, rc);
        if (rows[i].ok) {
            if (utc != rows[i].utc || off != rows[i].off)
                fail_msg("\"%s\": utc %lld off %d", rows[i].s, (long long)utc, off);
        } else {
            assert_int_equal(utc, 42);
            assert_int_equal(off, 42);
        }
    }
    assert_int_equal(dt_parse_rfc3339(NULL, NULL, NULL), -1);
    assert_int_equal(dt_parse_rfc3339("2026-11-26T14:00:00Z", NULL, NULL), 0);
}

static void test_parse_hhmm(void **state)
{
    static const struct {
        const char *s;
        int ok, min;
    } rows[] = {
        { "00:00", 1, 0 },  { "09:30", 1, 570 }, { "23:59", 1, 1439 }, { "24:00", 1, 1440 },
        { "12:00", 1, 720 }, { "24:01", 0, 0 },     { "25:00", 0, 0 },       { "23:60", 0, 0 },
        { "9:30", 0, 0 },      { "09:3", 0, 0 },       { "0930", 0, 0 },        { "09:30 ", 0, 0 },
        { " 09:30", 0, 0 },    { "09:30:00", 0, 0 },   { "", 0, 0 },            { "-1:00", 0, 0 },
        { "ab:cd", 0, 0 },     { "09.30", 0, 0 },
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        int m = -7;
        int rc = dt_parse_hhmm(rows[i].s, &m);
        if (rc != (rows[i].ok ? 0 : -1))
            fail_msg("dt_parse_hhmm(\"%s\") = %d", rows[i].s, rc);
        assert_int_equal(m, rows[i].ok ? rows[i].min : -7);
    }
    assert_int_equal(dt_parse_hhmm(NULL, NULL), -1);
}

static void test_format(void **state)
{
    static const struct {
        int64_t utc;
        int off;
        const char *want; /* NULL: must fail */
    } rows[] = {
        { 1795734000, -32400, "2026-11-26T14:00:00-09:00" },
        { 1795701600, 0, "2026-11-26T14:00:00+00:00" },
        { 0, 0, "1970-01-01T00:00:00+00:00" },
        { -1, 0, "1969-12-31T23:59:59+00:00" },
        { 1795681800, 19800, "2026-11-26T14:00:00+05:30" },
        { 1795701600, 50400, "2026-11-27T04:00:00+14:00" },
        { 1795701600, 86340, "2026-11-27T13:59:00+23:59" },
        { 1795701600, -86340, "2026-11-25T14:01:00-23:59" },
        /* Anchorage LMT -9:59:36 rounds to -10:00; the instant is kept. */
        { -2208988800, -35976, "1899-12-31T14:00:00-10:00" },
        { -2208988800, -35940, "1899-12-31T14:01:00-09:59" },
        { -2208988800, 29, "1900-01-01T00:00:00+00:00" },
        { -2208988800, -30, "1899-12-31T23:59:00-00:01" },
        { INT64_C(253402300799), 0, "9999-12-31T23:59:59+00:00" },
        { INT64_C(253402300799), 3600, NULL },   /* year 10000 */
        { DT_UTC_MIN, -3600, "0000-12-31T23:00:00-01:00" },
        { 0, 86400, NULL },
        { 0, -86400, NULL },
        { 0, 86370, NULL },                       /* rounds to 24:00 */
        { 0, INT32_MIN, NULL },
        { INT64_MAX, 0, NULL },
        { INT64_MIN, 0, NULL },
    };
    char buf[64];
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        memset(buf, 'x', sizeof buf);
        size_t n = dt_format_rfc3339(rows[i].utc, rows[i].off, buf, sizeof buf);
        if (!rows[i].want) {
            assert_int_equal(n, 0);
            assert_string_equal(buf, "");
            continue;
        }
        assert_int_equal(n, strlen(rows[i].want));
        assert_string_equal(buf, rows[i].want);
        /* Every string we write parses back to the same instant (when the year
         * is in the parser's range). */
        int64_t back;
        if (rows[i].want[0] >= '1' && strncmp(rows[i].want, "1899", 4) != 0) {
            assert_int_equal(dt_parse_rfc3339(buf, &back, NULL), 0);
            assert_int_equal(back, rows[i].utc);
        }
    }
    /* Buffer sizes: 26 is enough, 25 is not. */
    assert_int_equal(dt_format_rfc3339(0, 0, buf, 26), 25);
    memset(buf, 'x', sizeof buf);
    assert_int_equal(dt_format_rfc3339(0, 0, buf, 25), 0);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(dt_format_rfc3339(0, 0, buf, 0), 0);
    assert_int_equal(dt_format_rfc3339(0, 0, NULL, 0), 0);

    assert_int_equal(dt_format_date(D(2026, 3, 8), buf, 11), 10);
    assert_string_equal(buf, "2026-03-08");
    assert_int_equal(dt_format_date(D(1, 1, 1), buf, sizeof buf), 10);
    assert_string_equal(buf, "0001-01-01");
    assert_int_equal(dt_format_date(D(2026, 3, 8), buf, 10), 0);
    assert_string_equal(buf, "");
    assert_int_equal(dt_format_date(D(2026, 2, 29), buf, sizeof buf), 0);
    assert_int_equal(dt_format_date(D(10000, 1, 1), buf, sizeof buf), 0);
    assert_int_equal(dt_format_date(D(-1, 1, 1), buf, sizeof buf), 0);

    assert_int_equal(dt_format_hhmm(570, buf, 6), 5);
    assert_string_equal(buf, "09:30");
    assert_int_equal(dt_format_hhmm(1440, buf, 6), 5);
    assert_string_equal(buf, "24:00");
    assert_int_equal(dt_format_hhmm(0, buf, 6), 5);
    assert_string_equal(buf, "00:00");
    assert_int_equal(dt_format_hhmm(1441, buf, 6), 0);
    assert_int_equal(dt_format_hhmm(-1, buf, 6), 0);
    assert_int_equal(dt_format_hhmm(60, buf, 5), 0);
}

/* ---- real zones ---- */

struct zones {
    struct tz *anchorage, *utc, *sydney, *kolkata, *apia, *dublin, *lord_howe, *troll;
};

static int setup_zones(void **state)
{
    struct zones *z = xcalloc(1, sizeof *z);
    z->anchorage = load("America/Anchorage");
    z->utc = load("UTC");
    z->sydney = load("Australia/Sydney");
    z->kolkata = load("Asia/Kolkata");
    z->apia = load("Pacific/Apia");
    z->dublin = load("Europe/Dublin");
    z->lord_howe = load("Australia/Lord_Howe");
    z->troll = load("Antarctica/Troll");
    *state = z;
    return 0;
}

static int teardown_zones(void **state)
{
    struct zones *z = *state;
    tz_free(z->anchorage);
    tz_free(z->utc);
    tz_free(z->sydney);
    tz_free(z->kolkata);
    tz_free(z->apia);
    tz_free(z->dublin);
    tz_free(z->lord_howe);
    tz_free(z->troll);
    free(z);
    return 0;
}

/* One wall time and what it must resolve to: n instants, given as RFC 3339
 * strings with the offset in force (so each row reads like the clock). */
struct wall_row {
    struct dt_civil local;
    int n;
    const char *at[2];
};

static void check_walls(const struct tz *tz, const struct wall_row *rows, size_t nrows)
{
    for (size_t i = 0; i < nrows; i++) {
        int64_t out[2] = { 0, 0 };
        char b0[32];
        const struct dt_civil *l = &rows[i].local;
        int n = tz_from_local(tz, l, out);
        if (n != rows[i].n)
            fail_msg("%s %04d-%02d-%02d %02d:%02d:%02d: %d instants, want %d", tz_name(tz),
                     l->year, l->month, l->day, l->hour, l->min, l->sec, n, rows[i].n);
        for (int k = 0; k < n; k++) {
            if (out[k] != rfc(rows[i].at[k]))
                fail_msg("%s row %zu: instant %d is %s, want %s", tz_name(tz), i, k,
                         show(tz, out[k], b0), rows[i].at[k]);
            struct dt_civil back;
            tz_to_local(tz, out[k], &back, NULL);
            assert_memory_equal(&back, l, sizeof back);
        }
        if (n == 2)
            assert_true(out[0] < out[1]);
        /* The same through the minute-of-day helper. */
        if (l->sec == 0) {
            int64_t o2[2];
            assert_int_equal(tz_wall_to_utc(tz, D(l->year, l->month, l->day),
                                            l->hour * 60 + l->min, o2),
                             n);
            for (int k = 0; k < n; k++)
                assert_int_equal(o2[k], out[k]);
        }
    }
}

/* One instant and the wall clock / offset it must show. */
struct local_row {
    const char *utc;
    const char *local; /* RFC 3339 with the zone's offset */
};

static void check_locals(const struct tz *tz, const struct local_row *rows, size_t nrows)
{
    for (size_t i = 0; i < nrows; i++) {
        char buf[32];
        int64_t t = rfc(rows[i].utc);
        struct dt_civil c;
        int off;
        tz_to_local(tz, t, &c, &off);
        assert_int_equal(off, tz_offset_at(tz, t));
        if (strcmp(show(tz, t, buf), rows[i].local) != 0)
            fail_msg("%s at %s: %s, want %s", tz_name(tz), rows[i].utc, buf, rows[i].local);
        /* The civil fields agree with the formatted string. */
        assert_int_equal(c.hour, (buf[11] - '0') * 10 + (buf[12] - '0'));
        assert_int_equal(c.day, (buf[8] - '0') * 10 + (buf[9] - '0'));
    }
}

struct day_row {
    struct dt_date d;
    int seconds;
    const char *start; /* RFC 3339 */
};

static void check_days(const struct tz *tz, const struct day_row *rows, size_t nrows)
{
    for (size_t i = 0; i < nrows; i++) {
        char buf[32];
        int64_t s = tz_day_start(tz, rows[i].d);
        if (s != rfc(rows[i].start))
            fail_msg("%s %04d-%02d-%02d starts %s, want %s", tz_name(tz), rows[i].d.year,
                     rows[i].d.month, rows[i].d.day, show(tz, s, buf), rows[i].start);
        int len = tz_day_seconds(tz, rows[i].d);
        if (len != rows[i].seconds)
            fail_msg("%s %04d-%02d-%02d lasts %d s, want %d", tz_name(tz), rows[i].d.year,
                     rows[i].d.month, rows[i].d.day, len, rows[i].seconds);
    }
}

static void test_anchorage_spring_forward(void **state)
{
    const struct zones *z = *state;
    static const struct wall_row walls[] = {
        { { 2026, 3, 8, 0, 0, 0 }, 1, { "2026-03-08T00:00:00-09:00" } },
        { { 2026, 3, 8, 1, 59, 0 }, 1, { "2026-03-08T01:59:00-09:00" } },
        { { 2026, 3, 8, 1, 59, 59 }, 1, { "2026-03-08T01:59:59-09:00" } },
        { { 2026, 3, 8, 2, 0, 0 }, 0, { NULL } },
        { { 2026, 3, 8, 2, 30, 0 }, 0, { NULL } },
        { { 2026, 3, 8, 2, 59, 0 }, 0, { NULL } },
        { { 2026, 3, 8, 2, 59, 59 }, 0, { NULL } },
        { { 2026, 3, 8, 3, 0, 0 }, 1, { "2026-03-08T03:00:00-08:00" } },
        { { 2026, 3, 8, 12, 0, 0 }, 1, { "2026-03-08T12:00:00-08:00" } },
        { { 2026, 3, 8, 23, 59, 59 }, 1, { "2026-03-08T23:59:59-08:00" } },
    };
    static const struct local_row locals[] = {
        { "2026-03-08T10:59:59Z", "2026-03-08T01:59:59-09:00" },
        { "2026-03-08T11:00:00Z", "2026-03-08T03:00:00-08:00" },
        { "2026-03-07T12:00:00Z", "2026-03-07T03:00:00-09:00" },
    };
    static const struct day_row days[] = {
        { { 2026, 3, 7 }, 86400, "2026-03-07T00:00:00-09:00" },
        { { 2026, 3, 8 }, 82800, "2026-03-08T00:00:00-09:00" },
        { { 2026, 3, 9 }, 86400, "2026-03-09T00:00:00-08:00" },
    };
    check_walls(z->anchorage, walls, N_ELEMS(walls));
    check_locals(z->anchorage, locals, N_ELEMS(locals));
    check_days(z->anchorage, days, N_ELEMS(days));
    /* Wall-clock minutes on the short day: 09:00 is still 540. */
    int64_t out[2];
    assert_int_equal(tz_wall_to_utc(z->anchorage, D(2026, 3, 8), 540, out), 1);
    assert_int_equal(out[0], rfc("2026-03-08T09:00:00-08:00"));
    assert_int_equal(tz_wall_to_utc(z->anchorage, D(2026, 3, 8), 150, out), 0);
    assert_int_equal(tz_wall_to_utc(z->anchorage, D(2026, 3, 8), 1440, out), 1);
    assert_int_equal(out[0], tz_day_start(z->anchorage, D(2026, 3, 9)));
}

static void test_anchorage_fall_back(void **state)
{
    const struct zones *z = *state;
    static const struct wall_row walls[] = {
        { { 2026, 11, 1, 0, 0, 0 }, 1, { "2026-11-01T00:00:00-08:00" } },
        { { 2026, 11, 1, 0, 59, 59 }, 1, { "2026-11-01T00:59:59-08:00" } },
        { { 2026, 11, 1, 1, 0, 0 }, 2, { "2026-11-01T01:00:00-08:00", "2026-11-01T01:00:00-09:00" } },
        { { 2026, 11, 1, 1, 30, 0 }, 2, { "2026-11-01T01:30:00-08:00", "2026-11-01T01:30:00-09:00" } },
        { { 2026, 11, 1, 1, 59, 0 }, 2, { "2026-11-01T01:59:00-08:00", "2026-11-01T01:59:00-09:00" } },
        { { 2026, 11, 1, 1, 59, 59 }, 2, { "2026-11-01T01:59:59-08:00", "2026-11-01T01:59:59-09:00" } },
        { { 2026, 11, 1, 2, 0, 0 }, 1, { "2026-11-01T02:00:00-09:00" } },
        { { 2026, 11, 1, 23, 0, 0 }, 1, { "2026-11-01T23:00:00-09:00" } },
    };
    static const struct local_row locals[] = {
        { "2026-11-01T09:59:59Z", "2026-11-01T01:59:59-08:00" },
        { "2026-11-01T10:00:00Z", "2026-11-01T01:00:00-09:00" },
        { "2026-11-01T10:59:59Z", "2026-11-01T01:59:59-09:00" },
        { "2026-11-01T11:00:00Z", "2026-11-01T02:00:00-09:00" },
    };
    static const struct day_row days[] = {
        { { 2026, 10, 31 }, 86400, "2026-10-31T00:00:00-08:00" },
        { { 2026, 11, 1 }, 90000, "2026-11-01T00:00:00-08:00" },
        { { 2026, 11, 2 }, 86400, "2026-11-02T00:00:00-09:00" },
    };
    check_walls(z->anchorage, walls, N_ELEMS(walls));
    check_locals(z->anchorage, locals, N_ELEMS(locals));
    check_days(z->anchorage, days, N_ELEMS(days));
    int64_t out[2];
    assert_int_equal(tz_wall_to_utc(z->anchorage, D(2026, 11, 1), 90, out), 2);
    assert_int_equal(out[1] - out[0], 3600);
}

static void test_anchorage_ordinary_and_year(void **state)
{
    const struct zones *z = *state;
    static const struct wall_row walls[] = {
        { { 2026, 6, 15, 9, 0, 0 }, 1, { "2026-06-15T09:00:00-08:00" } },
        { { 2026, 11, 26, 14, 0, 0 }, 1, { "2026-11-26T14:00:00-09:00" } },
        { { 2026, 1, 1, 0, 0, 0 }, 1, { "2026-01-01T00:00:00-09:00" } },
    };
    static const struct day_row days[] = {
        { { 2026, 6, 15 }, 86400, "2026-06-15T00:00:00-08:00" },
        { { 2026, 11, 26 }, 86400, "2026-11-26T00:00:00-09:00" },
        { { 2026, 12, 31 }, 86400, "2026-12-31T00:00:00-09:00" },
    };
    check_walls(z->anchorage, walls, N_ELEMS(walls));
    check_days(z->anchorage, days, N_ELEMS(days));

    /* Over 2026: exactly one 23-hour and one 25-hour day, and the lengths
     * add up to the year. */
    int short_days = 0, long_days = 0;
    int64_t total = 0;
    for (struct dt_date d = D(2026, 1, 1); d.year == 2026; d = dt_date_add(d, 1)) {
        int len = tz_day_seconds(z->anchorage, d);
        total += len;
        if (len == 82800) {
            short_days++;
            assert_true(d.month == 3 && d.day == 8);
        } else if (len == 90000) {
            long_days++;
            assert_true(d.month == 11 && d.day == 1);
        } else {
            assert_int_equal(len, 86400);
        }
    }
    assert_int_equal(short_days, 1);
    assert_int_equal(long_days, 1);
    assert_int_equal(total, tz_day_start(z->anchorage, D(2027, 1, 1)) -
                                tz_day_start(z->anchorage, D(2026, 1, 1)));
    assert_int_equal(total, 365 * 86400);

    /* Invalid arguments. */
    int64_t out[2];
    struct dt_civil bad = C(2026, 2, 29, 12, 0, 0);
    assert_int_equal(tz_from_local(z->anchorage, &bad, out), -1);
    bad = C(2026, 3, 8, 24, 0, 0);
    assert_int_equal(tz_from_local(z->anchorage, &bad, out), -1);
    bad = C(2026, 3, 8, 12, 0, 60);
    assert_int_equal(tz_from_local(z->anchorage, &bad, out), -1);
    bad = C(10000, 1, 1, 0, 0, 0);
    assert_int_equal(tz_from_local(z->anchorage, &bad, out), -1);
    assert_int_equal(tz_wall_to_utc(z->anchorage, D(2026, 3, 8), 1441, out), -1);
    assert_int_equal(tz_wall_to_utc(z->anchorage, D(2026, 3, 8), -1, out), -1);
    assert_int_equal(tz_wall_to_utc(z->anchorage, D(2026, 2, 30), 0, out), -1);
}

static void test_anchorage_far_future(void **state)
{
    const struct zones *z = *state;
    /* Past the last transition in the file (2037): the footer rule decides. */
    static const struct local_row locals[] = {
        { "2100-01-15T12:00:00Z", "2100-01-15T03:00:00-09:00" },
        { "2100-07-01T12:00:00Z", "2100-07-01T04:00:00-08:00" },
        { "2100-03-14T10:59:59Z", "2100-03-14T01:59:59-09:00" },
        { "2100-03-14T11:00:00Z", "2100-03-14T03:00:00-08:00" },
        { "2100-11-07T09:59:59Z", "2100-11-07T01:59:59-08:00" },
        { "2100-11-07T10:00:00Z", "2100-11-07T01:00:00-09:00" },
        { "2038-03-14T11:00:00Z", "2038-03-14T03:00:00-08:00" },
        { "9999-07-01T00:00:00Z", "9999-06-30T16:00:00-08:00" },
    };
    static const struct wall_row walls[] = {
        { { 2100, 3, 14, 2, 30, 0 }, 0, { NULL } },
        { { 2100, 11, 7, 1, 30, 0 }, 2, { "2100-11-07T01:30:00-08:00", "2100-11-07T01:30:00-09:00" } },
        { { 2100, 6, 1, 9, 0, 0 }, 1, { "2100-06-01T09:00:00-08:00" } },
    };
    static const struct day_row days[] = {
        { { 2100, 3, 14 }, 82800, "2100-03-14T00:00:00-09:00" },
        { { 2100, 11, 7 }, 90000, "2100-11-07T00:00:00-08:00" },
        { { 2100, 6, 1 }, 86400, "2100-06-01T00:00:00-08:00" },
    };
    check_locals(z->anchorage, locals, N_ELEMS(locals));
    check_walls(z->anchorage, walls, N_ELEMS(walls));
    check_days(z->anchorage, days, N_ELEMS(days));
    /* Instants far outside the supported range are clamped, not trapped. */
    struct dt_civil c;
    tz_to_local(z->anchorage, INT64_MAX, &c, NULL);
    assert_int_equal(c.year, 9999);
    tz_to_local(z->anchorage, INT64_MIN, &c, NULL);
    assert_true(c.year <= 1);
    (void)tz_offset_at(z->anchorage, INT64_MIN);
    (void)tz_day_seconds(z->anchorage, D(INT32_MAX, 12, 31));
    (void)tz_day_seconds(z->anchorage, D(INT32_MIN, 1, 1));
}

static void test_utc_zone(void **state)
{
    const struct zones *z = *state;
    static const int64_t at[] = { 0, -2208988800, 1795701600, INT64_C(4102444800), DT_UTC_MAX };
    for (size_t i = 0; i < N_ELEMS(at); i++)
        assert_int_equal(tz_offset_at(z->utc, at[i]), 0);
    static const struct day_row days[] = {
        { { 2026, 3, 8 }, 86400, "2026-03-08T00:00:00Z" },
        { { 2026, 11, 1 }, 86400, "2026-11-01T00:00:00Z" },
        { { 2100, 1, 1 }, 86400, "2100-01-01T00:00:00Z" },
    };
    check_days(z->utc, days, N_ELEMS(days));
    static const struct wall_row walls[] = {
        { { 2026, 3, 8, 2, 30, 0 }, 1, { "2026-03-08T02:30:00Z" } },
    };
    check_walls(z->utc, walls, N_ELEMS(walls));
}

static void test_southern_and_half_hour(void **state)
{
    const struct zones *z = *state;
    static const struct local_row syd[] = {
        { "2026-01-15T00:00:00Z", "2026-01-15T11:00:00+11:00" },
        { "2026-07-15T00:00:00Z", "2026-07-15T10:00:00+10:00" },
        { "2026-04-04T15:59:59Z", "2026-04-05T02:59:59+11:00" },
        { "2026-04-04T16:00:00Z", "2026-04-05T02:00:00+10:00" },
        { "2026-10-03T15:59:59Z", "2026-10-04T01:59:59+10:00" },
        { "2026-10-03T16:00:00Z", "2026-10-04T03:00:00+11:00" },
        { "2100-01-15T00:00:00Z", "2100-01-15T11:00:00+11:00" },
        { "2100-07-15T00:00:00Z", "2100-07-15T10:00:00+10:00" },
    };
    static const struct day_row syd_days[] = {
        { { 2026, 4, 5 }, 90000, "2026-04-05T00:00:00+11:00" },
        { { 2026, 10, 4 }, 82800, "2026-10-04T00:00:00+10:00" },
        { { 2026, 7, 1 }, 86400, "2026-07-01T00:00:00+10:00" },
    };
    static const struct wall_row syd_walls[] = {
        { { 2026, 4, 5, 2, 30, 0 }, 2, { "2026-04-05T02:30:00+11:00", "2026-04-05T02:30:00+10:00" } },
        { { 2026, 10, 4, 2, 30, 0 }, 0, { NULL } },
    };
    check_locals(z->sydney, syd, N_ELEMS(syd));
    check_days(z->sydney, syd_days, N_ELEMS(syd_days));
    check_walls(z->sydney, syd_walls, N_ELEMS(syd_walls));

    static const struct local_row kol[] = {
        { "2026-11-26T08:30:00Z", "2026-11-26T14:00:00+05:30" },
        { "2026-06-26T20:00:00Z", "2026-06-27T01:30:00+05:30" },
        { "2100-01-01T00:00:00Z", "2100-01-01T05:30:00+05:30" },
    };
    static const struct day_row kol_days[] = {
        { { 2026, 11, 26 }, 86400, "2026-11-26T00:00:00+05:30" },
        { { 2026, 3, 8 }, 86400, "2026-03-08T00:00:00+05:30" },
    };
    check_locals(z->kolkata, kol, N_ELEMS(kol));
    check_days(z->kolkata, kol_days, N_ELEMS(kol_days));

    /* Lord Howe: half-hour DST.  Troll: two-hour DST.  Dublin: "negative
     * DST" (summer is standard time, winter the DST type). */
    static const struct day_row lh_days[] = {
        { { 2026, 4, 5 }, 88200, "2026-04-05T00:00:00+11:00" },
        { { 2026, 10, 4 }, 84600, "2026-10-04T00:00:00+10:30" },
    };
    check_days(z->lord_howe, lh_days, N_ELEMS(lh_days));
    static const struct day_row troll_days[] = {
        { { 2026, 3, 29 }, 79200, "2026-03-29T00:00:00+00:00" },
        { { 2026, 10, 25 }, 93600, "2026-10-25T00:00:00+02:00" },
    };
    check_days(z->troll, troll_days, N_ELEMS(troll_days));
    static const struct day_row dub_days[] = {
        { { 2026, 3, 29 }, 82800, "2026-03-29T00:00:00+00:00" },
        { { 2026, 10, 25 }, 90000, "2026-10-25T00:00:00+01:00" },
        { { 2026, 7, 15 }, 86400, "2026-07-15T00:00:00+01:00" },
        { { 2100, 3, 28 }, 82800, "2100-03-28T00:00:00+00:00" },
    };
    check_days(z->dublin, dub_days, N_ELEMS(dub_days));
}

static void test_apia_skipped_day(void **state)
{
    const struct zones *z = *state;
    /* Samoa crossed the date line: 2011-12-29 23:59:59 -10:00 was followed by
     * 2011-12-31 00:00:00 +14:00.  The 30th never happened there. */
    static const struct day_row days[] = {
        { { 2011, 12, 29 }, 86400, "2011-12-29T00:00:00-10:00" },
        { { 2011, 12, 30 }, 0, "2011-12-31T00:00:00+14:00" },
        { { 2011, 12, 31 }, 86400, "2011-12-31T00:00:00+14:00" },
    };
    static const struct wall_row walls[] = {
        { { 2011, 12, 29, 23, 59, 59 }, 1, { "2011-12-29T23:59:59-10:00" } },
        { { 2011, 12, 30, 0, 0, 0 }, 0, { NULL } },
        { { 2011, 12, 30, 12, 0, 0 }, 0, { NULL } },
        { { 2011, 12, 31, 0, 0, 0 }, 1, { "2011-12-31T00:00:00+14:00" } },
    };
    check_days(z->apia, days, N_ELEMS(days));
    check_walls(z->apia, walls, N_ELEMS(walls));
}

/* Independent oracle: glibc's localtime_r with TZ set (test-only!). */
static void oracle_check(const struct tz *tz, const char *name, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    assert_non_null(localtime_r(&tt, &tm));
    if (tz_offset_at(tz, t) != tm.tm_gmtoff)
        fail_msg("%s at %lld: ours %d, glibc %ld", name, (long long)t, tz_offset_at(tz, t),
                 tm.tm_gmtoff);
}

static void oracle_zone(const char *name, int64_t from, int64_t to, int64_t step)
{
    char tzenv[128];
    const char *saved = getenv("TZ");
    char *old = saved ? xstrdup(saved) : NULL;
    struct tz *tz = load(name);
    int n = snprintf(tzenv, sizeof tzenv, ":%s", name);
    assert_true(n > 0 && (size_t)n < sizeof tzenv);
    assert_int_equal(setenv("TZ", tzenv, 1), 0);
    tzset();
    long checked = 0;
    int prev_off = tz_offset_at(tz, from);
    for (int64_t t = from; t < to; t += step) {
        int off = tz_offset_at(tz, t);
        oracle_check(tz, name, t);
        if (off != prev_off) {
            /* Find our change in (t - step, t] and check both sides of it. */
            int64_t lo = t - step, hi = t;
            while (hi - lo > 1) {
                int64_t mid = lo + (hi - lo) / 2;
                if (tz_offset_at(tz, mid) == prev_off)
                    lo = mid;
                else
                    hi = mid;
            }
            oracle_check(tz, name, lo);
            oracle_check(tz, name, hi);
        }
        prev_off = off;
        checked++;
    }
    assert_true(checked > 0);
    if (old)
        assert_int_equal(setenv("TZ", old, 1), 0);
    else
        assert_int_equal(unsetenv("TZ"), 0);
    tzset();
    free(old);
    tz_free(tz);
}

static void test_against_glibc(void **state)
{
    static const char *names[] = {
        "America/Anchorage", "Australia/Sydney", "Asia/Kolkata",     "Pacific/Apia",
        "Europe/Dublin",     "Australia/Lord_Howe", "Antarctica/Troll", "America/Nuuk",
        "Africa/Casablanca", "America/Sao_Paulo", "Pacific/Chatham",   "America/New_York",
        "Europe/London",     "Asia/Tehran",       "America/St_Johns",  "Pacific/Kiritimati",
        "Asia/Kathmandu",    "UTC",
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(names); i++)
        oracle_zone(names[i], rfc("1901-12-14T00:00:00Z"), rfc("2200-01-01T00:00:00Z"),
                    25 * 3600 + 17);
}

/* Counting identity on a quarter-hour grid: summed over every wall time in a
 * local range, the number of instants from tz_from_local equals the number of
 * grid instants whose wall time falls in that range; and each instant maps
 * back to its wall time. */
static void grid_identity(const struct tz *tz, struct dt_date from, struct dt_date to)
{
    int64_t l0 = dt_date_to_days(from) * 86400, l1 = dt_date_to_days(to) * 86400;
    long by_wall = 0, by_instant = 0;
    for (int64_t l = l0; l < l1; l += 900) {
        struct dt_civil c;
        int64_t out[2];
        dt_civil_from_secs(l, &c);
        int n = tz_from_local(tz, &c, out);
        assert_true(n >= 0 && n <= 2);
        for (int k = 0; k < n; k++) {
            struct dt_civil back;
            tz_to_local(tz, out[k], &back, NULL);
            assert_memory_equal(&back, &c, sizeof c);
        }
        by_wall += n;
    }
    for (int64_t t = l0 - 2 * 86400; t < l1 + 2 * 86400; t += 900) {
        int64_t l = t + tz_offset_at(tz, t);
        if (l >= l0 && l < l1)
            by_instant++;
    }
    assert_int_equal(by_wall, by_instant);
    /* Day lengths add up, and never go negative. */
    int64_t total = 0;
    for (struct dt_date d = from; dt_date_to_days(d) < dt_date_to_days(to);
         d = dt_date_add(d, 1)) {
        int len = tz_day_seconds(tz, d);
        assert_true(len >= 0);
        total += len;
    }
    assert_int_equal(total, tz_day_start(tz, to) - tz_day_start(tz, from));
}

static void test_grid_identity(void **state)
{
    const struct zones *z = *state;
    const struct tz *zs[] = { z->anchorage, z->sydney, z->kolkata, z->apia,
                              z->dublin,    z->lord_howe, z->troll, z->utc };
    for (size_t i = 0; i < N_ELEMS(zs); i++) {
        grid_identity(zs[i], D(2026, 1, 1), D(2027, 1, 1));
        grid_identity(zs[i], D(2099, 12, 1), D(2101, 1, 1));
    }
    grid_identity(z->apia, D(2011, 12, 1), D(2012, 1, 15));
}

/* ---- TZif built in the test: POSIX footers, v1 files, structure errors ---- */

struct tzif_type {
    int32_t utoff;
    unsigned char isdst, idx;
};

static size_t put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return 4;
}

static size_t put64(unsigned char *p, int64_t v)
{
    put32(p, (uint32_t)((uint64_t)v >> 32));
    put32(p + 4, (uint32_t)v);
    return 8;
}

/* Writes one header + data block; timesize 4 or 8. */
static size_t put_block(unsigned char *p, int version, int timesize, const int64_t *times,
                        const unsigned char *idx, size_t n, const struct tzif_type *types,
                        size_t nt)
{
    size_t k = 0;
    memcpy(p, "TZif", 4);
    p[4] = (unsigned char)version;
    memset(p + 5, 0, 15);
    k = 20;
    k += put32(p + k, 0);           /* isutcnt */
    k += put32(p + k, 0);           /* isstdcnt */
    k += put32(p + k, 0);           /* leapcnt */
    k += put32(p + k, (uint32_t)n); /* timecnt */
    k += put32(p + k, (uint32_t)nt);
    k += put32(p + k, 8);           /* charcnt */
    for (size_t i = 0; i < n; i++)
        k += timesize == 8 ? put64(p + k, times[i]) : put32(p + k, (uint32_t)times[i]);
    for (size_t i = 0; i < n; i++)
        p[k++] = idx[i];
    for (size_t i = 0; i < nt; i++) {
        k += put32(p + k, (uint32_t)types[i].utoff);
        p[k++] = types[i].isdst;
        p[k++] = types[i].idx;
    }
    memcpy(p + k, "AAA\0BBB\0", 8);
    return k + 8;
}

/* A version-2 file with the given transitions and footer; returns length. */
static size_t build_tzif(unsigned char *buf, const int64_t *times, const unsigned char *idx,
                         size_t n, const struct tzif_type *types, size_t nt, const char *footer)
{
    size_t k = put_block(buf, '2', 4, times, idx, n, types, nt);
    k += put_block(buf + k, '2', 8, times, idx, n, types, nt);
    buf[k++] = '\n';
    memcpy(buf + k, footer, strlen(footer));
    k += strlen(footer);
    buf[k++] = '\n';
    return k;
}

static struct tz *posix_zone(const char *footer, char *err, size_t errlen)
{
    unsigned char buf[1024];
    static const struct tzif_type t0[] = { { 0, 0, 0 } };
    size_t len = build_tzif(buf, NULL, NULL, 0, t0, 1, footer);
    struct tz *tz = (struct tz *)1;
    if (tz_parse(buf, len, footer, &tz, err, errlen) != 0) {
        assert_null(tz);
        return NULL;
    }
    return tz;
}

static void test_posix_footers(void **state)
{
    static const struct {
        const char *footer, *at;
        int off;
    } rows[] = {
        { "AKST9AKDT,M3.2.0,M11.1.0", "2026-01-01T00:00:00Z", -32400 },
        { "AKST9AKDT,M3.2.0,M11.1.0", "2026-03-08T10:59:59Z", -32400 },
        { "AKST9AKDT,M3.2.0,M11.1.0", "2026-03-08T11:00:00Z", -28800 },
        { "AKST9AKDT,M3.2.0,M11.1.0", "2026-11-01T09:59:59Z", -28800 },
        { "AKST9AKDT,M3.2.0,M11.1.0", "2026-11-01T10:00:00Z", -32400 },
        { "<+0330>-3:30", "2026-06-01T00:00:00Z", 12600 },
        { "<-03>3", "2026-06-01T00:00:00Z", -10800 },
        { "IST-5:30", "2026-06-01T00:00:00Z", 19800 },
        { "UTC0", "2026-06-01T00:00:00Z", 0 },
        { "<+13>-13", "2026-06-01T00:00:00Z", 46800 },
        { "AAA-2:30:15", "2026-06-01T00:00:00Z", 9015 },
        { "AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-01-15T00:00:00Z", 39600 },
        { "AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-07-15T00:00:00Z", 36000 },
        { "AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-04-04T15:59:59Z", 39600 },
        { "AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-04-04T16:00:00Z", 36000 },
        { "AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-10-03T15:59:59Z", 36000 },
        { "AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-10-03T16:00:00Z", 39600 },
        /* DST all year, the tzcode idiom. */
        { "EST5EDT,0/0,J365/25", "2026-06-01T00:00:00Z", -14400 },
        { "EST5EDT,0/0,J365/25", "2026-01-01T05:00:00Z", -14400 },
        { "EST5EDT,0/0,J365/25", "2026-12-31T23:00:00Z", -14400 },
        { "EST5EDT,0/0,J365/25", "2027-01-01T04:59:59Z", -14400 },
        { "EST5EDT,0/0,J365/25", "2027-01-01T05:00:00Z", -14400 },
        /* Negative DST (Dublin). */
        { "IST-1GMT0,M10.5.0,M3.5.0/1", "2026-01-15T00:00:00Z", 0 },
        { "IST-1GMT0,M10.5.0,M3.5.0/1", "2026-07-15T00:00:00Z", 3600 },
        { "IST-1GMT0,M10.5.0,M3.5.0/1", "2026-03-29T00:59:59Z", 0 },
        { "IST-1GMT0,M10.5.0,M3.5.0/1", "2026-03-29T01:00:00Z", 3600 },
        { "IST-1GMT0,M10.5.0,M3.5.0/1", "2026-10-25T00:59:59Z", 3600 },
        { "IST-1GMT0,M10.5.0,M3.5.0/1", "2026-10-25T01:00:00Z", 0 },
        /* Negative rule times (Nuuk). */
        { "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2026-03-29T00:59:59Z", -7200 },
        { "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2026-03-29T01:00:00Z", -3600 },
        { "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2026-10-25T00:59:59Z", -3600 },
        { "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2026-10-25T01:00:00Z", -7200 },
        /* Two-hour DST (Troll). */
        { "<+00>0<+02>-2,M3.5.0/1,M10.5.0/3", "2026-03-29T01:00:00Z", 7200 },
        { "<+00>0<+02>-2,M3.5.0/1,M10.5.0/3", "2026-10-25T00:59:59Z", 7200 },
        { "<+00>0<+02>-2,M3.5.0/1,M10.5.0/3", "2026-10-25T01:00:00Z", 0 },
        /* Jn (Feb 29 not counted) and n (zero-based, counted). */
        { "XXX3YYY,J60/2,300/2", "2024-03-01T04:59:59Z", -10800 },
        { "XXX3YYY,J60/2,300/2", "2024-03-01T05:00:00Z", -7200 },
        { "XXX3YYY,J60/2,300/2", "2024-10-27T03:59:59Z", -7200 },
        { "XXX3YYY,J60/2,300/2", "2024-10-27T04:00:00Z", -10800 },
        { "XXX3YYY,J60/2,300/2", "2026-03-01T05:00:00Z", -7200 },
        { "XXX3YYY,J60/2,300/2", "2026-10-28T03:59:59Z", -7200 },
        { "XXX3YYY,J60/2,300/2", "2026-10-28T04:00:00Z", -10800 },
        /* Rule times at the +/-167 h extremes and past 24 h. */
        { "XXX0YYY,M3.1.0/167,M10.1.0/-167", "2026-03-07T22:59:59Z", 0 },
        { "XXX0YYY,M3.1.0/167,M10.1.0/-167", "2026-03-07T23:00:00Z", 3600 },
        { "XXX0YYY,M3.1.0/167,M10.1.0/-167", "2026-09-26T23:59:59Z", 3600 },
        { "XXX0YYY,M3.1.0/167,M10.1.0/-167", "2026-09-27T00:00:00Z", 0 },
        { "XXX0YYY,M3.2.0/25,M11.1.0/-1", "2026-03-09T00:59:59Z", 0 },
        { "XXX0YYY,M3.2.0/25,M11.1.0/-1", "2026-03-09T01:00:00Z", 3600 },
        { "XXX0YYY,M3.2.0/25,M11.1.0/-1", "2026-10-31T21:59:59Z", 3600 },
        { "XXX0YYY,M3.2.0/25,M11.1.0/-1", "2026-10-31T22:00:00Z", 0 },
        /* Week 5 = last; a month with five and one with four Sundays. */
        { "XXX0YYY,M5.5.0,M8.5.0", "2026-05-31T01:59:59Z", 0 },
        { "XXX0YYY,M5.5.0,M8.5.0", "2026-05-31T02:00:00Z", 3600 },
        { "XXX0YYY,M2.5.0,M8.5.0", "2026-02-22T02:00:00Z", 3600 },
        { "XXX0YYY,M2.5.0,M8.5.0", "2026-02-22T01:59:59Z", 0 },
        /* Zero-length DST (starts at 02:00, ends at 03:00 DST = 02:00 std). */
        { "XXX0YYY,J100/2,J100/3", "2026-04-10T02:00:00Z", 0 },
        { "XXX0YYY,J100/2,J100/3", "2026-04-10T01:59:59Z", 0 },
        /* DST without a rule: US default. */
        { "EST5EDT", "2026-03-08T06:59:59Z", -18000 },
        { "EST5EDT", "2026-03-08T07:00:00Z", -14400 },
        { "EST5EDT4", "2026-07-01T00:00:00Z", -14400 },
        /* Half-hour DST with explicit offsets. */
        { "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "2026-07-01T00:00:00Z", 37800 },
        { "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "2026-01-01T00:00:00Z", 39600 },
        /* Southern hemisphere far in the future. */
        { "AEST-10AEDT,M10.1.0,M4.1.0/3", "9999-01-01T00:00:00Z", 39600 },
        { "AEST-10AEDT,M10.1.0,M4.1.0/3", "1901-07-01T00:00:00Z", 36000 },
    };
    static const char *bad[] = {
        "AB5", "AKST", "9AKST", "AKST9AKDT,M3.2.0", "AKST9AKDT,M13.2.0,M11.1.0",
        "AKST9AKDT,M3.6.0,M11.1.0", "AKST9AKDT,M3.0.0,M11.1.0", "AKST9AKDT,M3.2.7,M11.1.0",
        "AKST9AKDT,M3..0,M11.1.0", "AKST9AKDT,J0,J365", "AKST9AKDT,J366,J1",
        "AKST9AKDT,366,1", "<+0330-3:30", "<+03>", "<+0>0", "<+03 >3", "AKST25", "AKST-25",
        "AKST100", "AKST9:60", "AKST9:00:60", "AKST9 ", "AKST9AKDT,M3.2.0/168,M11.1.0",
        "AKST9AKDT,M3.2.0,M11.1.0,", "AKST9AKDT,M3.2.0,M11.1.0x",
        "AKST9AKDT25,M3.2.0,M11.1.0", "AKST9AKDT;M3.2.0,M11.1.0", "AKST+", "AKST9AKDT,",
        "AKST9AKDT,M3.2.0,", "AKST9AKDT,M3.2.0/,M11.1.0", "AKST9A", "AKST9:", "<>0",
        "AKST9AKDT,M3.2.0/-168,M11.1.0", "AKST9AKDT,M003.2.0,M11.1.0",
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        char err[200] = "";
        struct tz *tz = posix_zone(rows[i].footer, err, sizeof err);
        if (!tz)
            fail_msg("footer \"%s\" rejected: %s", rows[i].footer, err);
        int off = tz_offset_at(tz, rfc(rows[i].at));
        if (off != rows[i].off)
            fail_msg("footer \"%s\" at %s: %d, want %d", rows[i].footer, rows[i].at, off,
                     rows[i].off);
        tz_free(tz);
    }
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        char err[200] = "";
        struct tz *tz = posix_zone(bad[i], err, sizeof err);
        if (tz)
            fail_msg("footer \"%s\" accepted", bad[i]);
        assert_non_null(strstr(err, "footer"));
    }
    /* A footer-only DST zone resolves walls like a real one. */
    char err[200];
    struct tz *tz = posix_zone("AKST9AKDT,M3.2.0,M11.1.0", err, sizeof err);
    assert_non_null(tz);
    assert_int_equal(tz_day_seconds(tz, D(2026, 3, 8)), 82800);
    assert_int_equal(tz_day_seconds(tz, D(2026, 11, 1)), 90000);
    grid_identity(tz, D(2026, 1, 1), D(2027, 1, 1));
    tz_free(tz);
    tz = posix_zone("EST5EDT,0/0,J365/25", err, sizeof err);
    assert_non_null(tz);
    grid_identity(tz, D(2025, 12, 1), D(2027, 2, 1));
    tz_free(tz);
    tz = posix_zone("XXX0YYY,M3.1.0/167,M10.1.0/-167", err, sizeof err);
    assert_non_null(tz);
    grid_identity(tz, D(2026, 1, 1), D(2027, 1, 1));
    tz_free(tz);
}

static void test_tzif_structure(void **state)
{
    unsigned char buf[2048];
    char err[200];
    struct tz *tz;
    static const struct tzif_type types[] = { { -3600, 0, 0 }, { 7200, 1, 4 } };
    static const int64_t times[] = { 0, 1000 };
    static const unsigned char idx[] = { 1, 0 };
    (void)state;

    /* Version 1: 32-bit block only, no footer; the last type stays. */
    size_t len = put_block(buf, 0, 4, times, idx, 2, types, 2);
    assert_int_equal(tz_parse(buf, len, "v1", &tz, err, sizeof err), 0);
    assert_int_equal(tz_offset_at(tz, -1), -3600); /* before the first: type 0 */
    assert_int_equal(tz_offset_at(tz, 0), 7200);
    assert_int_equal(tz_offset_at(tz, 999), 7200);
    assert_int_equal(tz_offset_at(tz, 1000), -3600);
    assert_int_equal(tz_offset_at(tz, INT64_C(4000000000)), -3600);
    assert_string_equal(tz_name(tz), "v1");
    tz_free(tz);
    buf[len] = 0;
    assert_int_equal(tz_parse(buf, len + 1, "v1", &tz, err, sizeof err), -1); /* trailing byte */
    assert_null(tz);

    /* Version 2 with an empty footer: the last transition's type stays. */
    len = build_tzif(buf, times, idx, 2, types, 2, "");
    assert_int_equal(tz_parse(buf, len, NULL, &tz, err, sizeof err), 0);
    assert_string_equal(tz_name(tz), "");
    assert_int_equal(tz_offset_at(tz, INT64_C(4000000000)), -3600);
    tz_free(tz);

    /* Version 2 with a footer: it decides from the last transition on. */
    len = build_tzif(buf, times, idx, 2, types, 2, "<+05>-5");
    assert_int_equal(tz_parse(buf, len, "x", &tz, err, sizeof err), 0);
    assert_int_equal(tz_offset_at(tz, 999), 7200);
    assert_int_equal(tz_offset_at(tz, 1000), 18000);
    tz_free(tz);

    /* Pathological but valid: the wall clock jumps over midnight (+2 h) and
     * then falls back past it (-4 h), reaching midnight again later.  The day
     * starts at the first crossing, not at the later exact solution. */
    {
        static const struct tzif_type jump[] = { { 0, 0, 0 }, { 7200, 0, 0 }, { -7200, 0, 0 } };
        int64_t midnight = dt_days_from_civil(2026, 1, 10) * 86400;
        const int64_t jt[] = { midnight - 3600, midnight - 1800 };
        static const unsigned char ji[] = { 1, 2 };
        len = build_tzif(buf, jt, ji, 2, jump, 3, "");
        assert_int_equal(tz_parse(buf, len, "jump", &tz, err, sizeof err), 0);
        int64_t out[2];
        struct dt_civil mid = C(2026, 1, 10, 0, 0, 0);
        assert_int_equal(tz_from_local(tz, &mid, out), 1);
        assert_int_equal(out[0], midnight + 7200);
        assert_int_equal(tz_day_start(tz, D(2026, 1, 10)), midnight - 3600);
        tz_free(tz);
    }

    /* Malformed structures. */
    static const int64_t desc[] = { 1000, 0 };
    static const int64_t same[] = { 1000, 1000 };
    static const unsigned char badidx[] = { 0, 2 };
    static const struct tzif_type badoff[] = { { 0, 0, 0 }, { 93600, 0, 0 } };
    static const struct tzif_type badflag[] = { { 0, 2, 0 } };
    static const struct tzif_type badchar[] = { { 0, 0, 8 } };
    struct {
        const char *what;
        size_t len;
    } cases[6];
    unsigned char bufs[6][512];
    cases[0].what = "descending";
    cases[0].len = build_tzif(bufs[0], desc, idx, 2, types, 2, "");
    cases[1].what = "equal times";
    cases[1].len = build_tzif(bufs[1], same, idx, 2, types, 2, "");
    cases[2].what = "index out of range";
    cases[2].len = build_tzif(bufs[2], times, badidx, 2, types, 2, "");
    cases[3].what = "offset out of range";
    cases[3].len = build_tzif(bufs[3], NULL, NULL, 0, badoff, 2, "");
    cases[4].what = "isdst 2";
    cases[4].len = build_tzif(bufs[4], NULL, NULL, 0, badflag, 1, "");
    cases[5].what = "abbreviation index";
    cases[5].len = build_tzif(bufs[5], NULL, NULL, 0, badchar, 1, "");
    for (size_t i = 0; i < 6; i++) {
        err[0] = '\0';
        tz = (struct tz *)1;
        if (tz_parse(bufs[i], cases[i].len, "bad", &tz, err, sizeof err) != -1)
            fail_msg("%s accepted", cases[i].what);
        assert_null(tz);
        assert_true(strlen(err) > 0);
    }

    /* Zero types, leap seconds, bad version, differing versions, no footer,
     * junk after the footer: patch a good file. */
    static const struct tzif_type one[] = { { 0, 0, 0 } };
    unsigned char good[512];
    size_t glen = build_tzif(good, NULL, NULL, 0, one, 1, "UTC0");
    assert_int_equal(tz_parse(good, glen, "g", &tz, err, sizeof err), 0);
    tz_free(tz);
    size_t h2 = 44 + 6 + 8; /* v1 block: one type, 8 chars */
    struct {
        size_t at;
        unsigned char val;
    } patches[] = {
        { 0, 'X' }, { 4, '1' }, { 4, '5' }, { h2 + 4, '3' }, { h2 + 4, 0 }, { h2 + 39, 0 },
        { h2 + 31, 1 }, { 31, 1 }, { h2 + 23, 2 }, { h2 + 27, 3 }, { glen - 1, 'x' },
        { h2 + 44 + 14, 'x' },
    };
    for (size_t i = 0; i < N_ELEMS(patches); i++) {
        unsigned char b[512];
        memcpy(b, good, glen);
        b[patches[i].at] = patches[i].val;
        err[0] = '\0';
        if (tz_parse(b, glen, "p", &tz, err, sizeof err) != -1)
            fail_msg("patch %zu accepted", i);
        assert_true(strlen(err) > 0);
    }
    memcpy(buf, good, glen);
    buf[glen] = 'x';
    assert_int_equal(tz_parse(buf, glen + 1, "p", &tz, err, sizeof err), -1);
    assert_int_equal(tz_parse(NULL, 0, "p", &tz, err, sizeof err), -1);
    assert_int_equal(tz_parse(good, glen, "p", &tz, NULL, 0), 0); /* no err buffer needed */
    tz_free(tz);
    assert_int_equal(tz_parse(good, 10, "p", &tz, NULL, 0), -1);
    assert_int_equal(tz_parse(good, 10, "p", &tz, err, 1), -1); /* truncated message */
    assert_string_equal(err, "");
    tz_free(NULL);
}

/* Every instant tz_from_local reports maps back; days have sane lengths.
 * Used on zones that came out of mutated bytes. */
static void exercise(const struct tz *tz)
{
    static const int64_t at[] = { INT64_MIN, -1, 0, 1, 1772935200, INT64_C(4102444800), INT64_MAX };
    for (size_t i = 0; i < N_ELEMS(at); i++) {
        struct dt_civil c;
        int off;
        tz_to_local(tz, at[i], &c, &off);
        assert_true(off >= -89999 && off <= 93599);
        assert_true(dt_valid_civil(&c));
    }
    static const struct dt_civil walls[] = {
        { 1900, 1, 1, 0, 0, 0 }, { 2026, 3, 8, 2, 30, 0 }, { 2026, 11, 1, 1, 30, 0 },
        { 2100, 3, 14, 2, 30, 0 }, { 1950, 6, 1, 12, 0, 0 },
    };
    for (size_t i = 0; i < N_ELEMS(walls); i++) {
        int64_t out[2];
        int n = tz_from_local(tz, &walls[i], out);
        assert_true(n >= 0 && n <= 2);
        for (int k = 0; k < n; k++) {
            struct dt_civil back;
            tz_to_local(tz, out[k], &back, NULL);
            assert_memory_equal(&back, &walls[i], sizeof back);
        }
        if (n == 2)
            assert_true(out[0] < out[1]);
        int len = tz_day_seconds(tz, D(walls[i].year, walls[i].month, walls[i].day));
        assert_true(len >= 0 && len <= 86400 + 2 * 93600);
    }
}

static void test_tzif_truncated(void **state)
{
    static const char *names[] = { "America/Anchorage", "Pacific/Apia", "Asia/Kolkata", "UTC" };
    (void)state;
    for (size_t z = 0; z < N_ELEMS(names); z++) {
        size_t len;
        unsigned char *data = slurp(names[z], &len);
        for (size_t cut = 0; cut < len; cut++) {
            /* An exact-size copy so ASan sees any read past the end. */
            unsigned char *part = xmalloc(cut ? cut : 1);
            memcpy(part, data, cut);
            struct tz *tz = (struct tz *)1;
            char err[160] = "";
            if (tz_parse(part, cut, names[z], &tz, err, sizeof err) != -1)
                fail_msg("%s cut at %zu accepted", names[z], cut);
            assert_null(tz);
            assert_true(strlen(err) > 0);
            free(part);
        }
        struct tz *tz;
        assert_int_equal(tz_parse(data, len, names[z], &tz, NULL, 0), 0);
        tz_free(tz);
        free(data);
    }
}

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: deterministic, so failures reproduce. */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

static void test_tzif_mutated(void **state)
{
    static const char *names[] = { "America/Anchorage", "Pacific/Apia", "Europe/Dublin",
                                   "Asia/Kolkata" };
    static const unsigned char masks[] = { 0x01, 0x80, 0xff, 0x10 };
    long accepted = 0, rejected = 0;
    (void)state;
    for (size_t z = 0; z < N_ELEMS(names); z++) {
        size_t len;
        unsigned char *data = slurp(names[z], &len);
        unsigned char *copy = xmalloc(len);
        for (size_t pos = 0; pos < len; pos++) {
            for (size_t m = 0; m < N_ELEMS(masks); m++) {
                memcpy(copy, data, len);
                copy[pos] ^= masks[m];
                struct tz *tz = NULL;
                if (tz_parse(copy, len, "mutant", &tz, NULL, 0) == 0) {
                    accepted++;
                    exercise(tz);
                    tz_free(tz);
                } else {
                    rejected++;
                }
            }
        }
        /* Random multi-byte damage. */
        uint64_t seed = UINT64_C(0x9e3779b97f4a7c15) + z;
        for (int iter = 0; iter < 3000; iter++) {
            memcpy(copy, data, len);
            int k = 1 + (int)(rng_next(&seed) % 8);
            for (int j = 0; j < k; j++)
                copy[rng_next(&seed) % len] = (unsigned char)rng_next(&seed);
            size_t l = len - (size_t)(rng_next(&seed) % 4 == 0 ? rng_next(&seed) % len : 0);
            struct tz *tz = NULL;
            if (tz_parse(copy, l, "mutant", &tz, NULL, 0) == 0) {
                accepted++;
                exercise(tz);
                tz_free(tz);
            } else {
                rejected++;
            }
        }
        free(copy);
        free(data);
    }
    assert_true(accepted > 0 && rejected > 0);
}

static void test_tzif_garbage(void **state)
{
    uint64_t seed = 12345;
    (void)state;
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = (size_t)(rng_next(&seed) % 400);
        unsigned char *b = xmalloc(len ? len : 1);
        for (size_t i = 0; i < len; i++)
            b[i] = (unsigned char)rng_next(&seed);
        if (len >= 44 && iter % 2 == 0) {
            /* Plausible header with small or huge counts. */
            memcpy(b, "TZif", 4);
            static const unsigned char versions[] = { 0, '2', '3', '4' };
            b[4] = versions[rng_next(&seed) % 4];
            for (int c = 0; c < 6; c++) {
                uint32_t v = (uint32_t)(iter % 8 == 0 ? rng_next(&seed)
                                                       : rng_next(&seed) % 12);
                put32(b + 20 + 4 * c, v);
            }
        }
        struct tz *tz = NULL;
        char err[64];
        if (tz_parse(b, len, "garbage", &tz, err, sizeof err) == 0) {
            exercise(tz);
            tz_free(tz);
        }
        free(b);
    }
    /* Structure-aware: exact-size blocks with random contents and footers. */
    static const char *footers[] = { "", "AKST9AKDT,M3.2.0,M11.1.0", "<+0330>-3:30",
                                     "EST5EDT,0/0,J365/25", "XXX0YYY,M3.1.0/167,M10.1.0/-167",
                                     "IST-1GMT0,M10.5.0,M3.5.0/1" };
    for (int iter = 0; iter < 20000; iter++) {
        unsigned char buf[2048];
        int64_t times[16];
        unsigned char idx[16];
        struct tzif_type types[4];
        size_t n = (size_t)(rng_next(&seed) % 16), nt = 1 + (size_t)(rng_next(&seed) % 4);
        int64_t t = (int64_t)(rng_next(&seed) % 8000000000) - 4000000000;
        for (size_t i = 0; i < n; i++) {
            t += 1 + (int64_t)(rng_next(&seed) % (iter % 3 == 0 ? 200000 : 40000000));
            times[i] = t;
            idx[i] = (unsigned char)(rng_next(&seed) % (iter % 50 == 0 ? 5 : nt));
        }
        for (size_t i = 0; i < nt; i++) {
            types[i].utoff = (int32_t)(rng_next(&seed) % 183598) - 89999;
            if (iter % 2)
                types[i].utoff -= types[i].utoff % 900;
            types[i].isdst = (unsigned char)(rng_next(&seed) % 2);
            types[i].idx = 0;
        }
        size_t len = build_tzif(buf, times, idx, n, types, nt,
                                footers[rng_next(&seed) % N_ELEMS(footers)]);
        struct tz *tz = NULL;
        if (tz_parse(buf, len, "random", &tz, NULL, 0) == 0) {
            exercise(tz);
            if (iter % 500 == 1) /* odd: quarter-hour offsets */
                grid_identity(tz, D(1900, 1, 1), D(1900, 2, 1));
            tz_free(tz);
        }
    }
}

static void test_tzload(void **state)
{
    static const struct {
        const char *name, *msg; /* msg: substring of the error; NULL = loads */
    } rows[] = {
        { "America/Anchorage", NULL },
        { "UTC", NULL },                    /* a symlink to Etc/UTC */
        { "Etc/GMT+9", NULL },
        { "Mars/Base", "unknown timezone 'Mars/Base'" },
        { "America", "unknown timezone 'America'" }, /* a directory */
        { "America/", "unknown timezone" },
        { "../etc/passwd", "invalid timezone name" },
        { "America/../UTC", "invalid timezone name" },
        { "/etc/passwd", "invalid timezone name" },
        { "", "invalid timezone name" },
        { "America/Anchorage ", "invalid timezone name" },
        { "America/Anchorage\n", "invalid timezone name" },
        { "Etc/UTC.bak", "invalid timezone name" },
        { "America\\Anchorage", "invalid timezone name" },
        { "tzdata.zi", "invalid timezone name" },
        { "localtime", "invalid timezone name" },
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        struct tz *tz = (struct tz *)1;
        char err[256] = "";
        int rc = tzload_load(rows[i].name, &tz, err, sizeof err);
        if (!rows[i].msg) {
            if (rc != 0)
                fail_msg("%s: %s", rows[i].name, err);
            assert_string_equal(tz_name(tz), rows[i].name);
            tz_free(tz);
            continue;
        }
        assert_int_equal(rc, -1);
        assert_null(tz);
        if (!strstr(err, rows[i].msg))
            fail_msg("%s: got \"%s\", want \"%s\"", rows[i].name, err, rows[i].msg);
    }
    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_false(tzload_valid_name(longname));
    assert_false(tzload_valid_name(NULL));
    assert_true(tzload_valid_name("America/Port-au-Prince"));
    assert_true(tzload_valid_name("Etc/GMT-14"));

    /* Leap-second ("right/") zone files are refused with a reason. */
    struct tz *tz;
    char err[256] = "";
    FILE *f = fopen(TZLOAD_DIR "/right/America/Anchorage", "rb");
    if (f) {
        assert_int_equal(fclose(f), 0);
        assert_int_equal(tzload_load("right/America/Anchorage", &tz, err, sizeof err), -1);
        assert_non_null(strstr(err, "leap-second"));
    }
    /* A non-TZif regular file in the database directory. */
    f = fopen(TZLOAD_DIR "/leapseconds", "rb");
    if (f) {
        assert_int_equal(fclose(f), 0);
        assert_int_equal(tzload_load("leapseconds", &tz, err, sizeof err), -1);
        assert_non_null(strstr(err, "not a TZif file"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_table),
        cmocka_unit_test(test_days_every_day),
        cmocka_unit_test(test_days_normalise),
        cmocka_unit_test(test_month_lengths),
        cmocka_unit_test(test_parse_date),
        cmocka_unit_test(test_parse_rfc3339),
        cmocka_unit_test(test_parse_hhmm),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_anchorage_spring_forward),
        cmocka_unit_test(test_anchorage_fall_back),
        cmocka_unit_test(test_anchorage_ordinary_and_year),
        cmocka_unit_test(test_anchorage_far_future),
        cmocka_unit_test(test_utc_zone),
        cmocka_unit_test(test_southern_and_half_hour),
        cmocka_unit_test(test_apia_skipped_day),
        cmocka_unit_test(test_against_glibc),
        cmocka_unit_test(test_grid_identity),
        cmocka_unit_test(test_posix_footers),
        cmocka_unit_test(test_tzif_structure),
        cmocka_unit_test(test_tzif_truncated),
        cmocka_unit_test(test_tzif_mutated),
        cmocka_unit_test(test_tzif_garbage),
        cmocka_unit_test(test_tzload),
    };
    return cmocka_run_group_tests(tests, setup_zones, teardown_zones);
}
