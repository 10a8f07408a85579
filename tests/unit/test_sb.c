/* Unit tests for util/sb.c (string builder), util/arena.c, util/num.c and
 * util/blobcache.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "util/arena.h"
#include "util/blobcache.h"
#include "util/num.h"
#include "util/sb.h"

static void test_sb_basics(void **state)
{
    struct sb s = SB_INIT;
    assert_string_equal(s.buf, "");
    sb_adds(&s, "a");
    sb_addc(&s, 'b');
    sb_addf(&s, "%d-%s", 42, "x");
    assert_string_equal(s.buf, "ab42-x");
    assert_int_equal(s.len, 6);
    sb_reset(&s);
    assert_string_equal(s.buf, "");
    for (int i = 0; i < 1000; i++)
        sb_addf(&s, "%04d", i);
    assert_int_equal(s.len, 4000);
    assert_int_equal(s.buf[4000], '\0');
    size_t len;
    char *d = sb_detach(&s, &len);
    assert_int_equal(len, 4000);
    assert_string_equal(s.buf, "");
    free(d);
    sb_release(&s);
}

/* Two ways: two keys of one pair are both kept (with one slot per hash, two
 * days of a month that hashed alike threw each other out on every request);
 * a third replaces the less recently used. */
static void test_blobcache_two_ways(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct blobcache *c = blobcache_new(2); /* one pair */
    void *v;
    size_t n;
    blobcache_put(c, "day|1", "one", 3);
    blobcache_put(c, "day|2", "two", 3);
    assert_int_equal(blobcache_get(c, "day|1", a, &v, &n), 1);
    assert_int_equal(blobcache_get(c, "day|2", a, &v, &n), 1);
    assert_int_equal(blobcache_get(c, "day|1", a, &v, &n), 1); /* day|2 is now the older */
    blobcache_put(c, "day|3", "three", 5);
    assert_int_equal(blobcache_get(c, "day|2", a, &v, &n), 0);
    assert_int_equal(blobcache_get(c, "day|1", a, &v, &n), 1);
    assert_string_equal(v, "one");
    assert_int_equal(blobcache_get(c, "day|3", a, &v, &n), 1);
    blobcache_put(c, "day|1", "uno", 3); /* a key put again stays in its slot */
    assert_int_equal(blobcache_get(c, "day|3", a, &v, &n), 1);
    assert_int_equal(blobcache_get(c, "day|1", a, &v, &n), 1);
    assert_string_equal(v, "uno");
    blobcache_free(c);
    arena_free(a);
}

/* blobcache_use_alt: copies the second form out (test callback). */
struct got {
    char buf[64];
    size_t len;
};

static void take(const void *val, size_t len, void *arg)
{
    struct got *g = arg;
    g->len = len < sizeof g->buf - 1 ? len : sizeof g->buf - 1;
    memcpy(g->buf, val, g->len);
    g->buf[g->len] = '\0';
}

/* A value's second form (its compressed copy) lives in the value's entry:
 * kept only beside a cached value, dropped when the value is put again,
 * evicted with it, and a look at either keeps both. */
static void test_blobcache_alt_shares_the_entry(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct blobcache *c = blobcache_new(2); /* one pair */
    struct got g = {{0}, 0};
    void *v;
    size_t n;
    assert_int_equal(blobcache_put_alt(c, "grid", "GZ", 2), 0); /* no value: nothing kept */
    assert_int_equal(blobcache_use_alt(c, "grid", take, &g), 0);
    blobcache_put(c, "grid", "<table>", 7);
    assert_int_equal(blobcache_use_alt(c, "grid", take, &g), 0); /* none made yet */
    assert_int_equal(blobcache_put_alt(c, "grid", "GZ1", 3), 1);
    assert_int_equal(blobcache_use_alt(c, "grid", take, &g), 1);
    assert_string_equal(g.buf, "GZ1");
    blobcache_put(c, "grid", "<table2>", 8); /* a new value: the old copy is gone */
    assert_int_equal(blobcache_use_alt(c, "grid", take, &g), 0);
    assert_int_equal(blobcache_put_alt(c, "grid", "GZ2", 3), 1);
    /* both forms are one entry: the pair still has room for another key */
    blobcache_put(c, "page", "<html>", 6);
    assert_int_equal(blobcache_get(c, "grid", a, &v, &n), 1);
    assert_string_equal(v, "<table2>");
    assert_int_equal(blobcache_use_alt(c, "grid", take, &g), 1);
    assert_string_equal(g.buf, "GZ2");
    /* the copy's use kept the entry: a third key pushes "page" out, not it */
    blobcache_put(c, "other", "x", 1);
    assert_int_equal(blobcache_get(c, "page", a, &v, &n), 0);
    assert_int_equal(blobcache_get(c, "grid", a, &v, &n), 1);
    /* evicted together */
    blobcache_put(c, "more", "y", 1);
    blobcache_put(c, "most", "z", 1);
    assert_int_equal(blobcache_get(c, "grid", a, &v, &n), 0);
    assert_int_equal(blobcache_use_alt(c, "grid", take, &g), 0);
    blobcache_free(c); /* frees the copies too (ASan) */
    arena_free(a);
}

/* The fragments cache's size: N distinct kept answers, each put plain and
 * then with its compressed copy as a gzip client makes them, with a hot
 * page asked (compressed) between each two: the hot one keeps both forms,
 * and each answer costs one slot, so the last `slots` answers that fit
 * stay as well. */
static void test_blobcache_hot_entry_stays(void **state)
{
    (void)state;
    enum { SLOTS = 256, N = 4096 };
    struct arena *a = arena_new();
    struct blobcache *c = blobcache_new(SLOTS);
    struct got g = {{0}, 0};
    void *v;
    size_t n;
    char key[64];
    blobcache_put(c, "staff|grid", "<table>", 7);
    assert_int_equal(blobcache_put_alt(c, "staff|grid", "GZ", 2), 1);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "avail|%d", i);
        blobcache_put(c, key, "{}", 2);
        assert_int_equal(blobcache_put_alt(c, key, "gz{}", 4), 1);
        assert_int_equal(blobcache_use_alt(c, "staff|grid", take, &g), 1);
        assert_string_equal(g.buf, "GZ");
    }
    assert_int_equal(blobcache_get(c, "staff|grid", a, &v, &n), 1);
    assert_string_equal(v, "<table>");
    /* the last answer put is there with its copy */
    assert_int_equal(blobcache_use_alt(c, key, take, &g), 1);
    assert_string_equal(g.buf, "gz{}");
    blobcache_free(c);
    arena_free(a);
}

/* blobcache_append: a hit is appended with room for what follows, a miss
 * leaves the builder alone, a value over the builder's limit sets its
 * sticky error and copies nothing. */
static void test_blobcache_append(void **state)
{
    (void)state;
    struct blobcache *c = blobcache_new(8);
    struct sb s = SB_INIT;
    sb_adds(&s, "<main>");
    assert_int_equal(blobcache_append(c, "grid", &s, 7), 0);
    assert_string_equal(s.buf, "<main>");
    blobcache_put(c, "grid", "<table></table>", 15);
    assert_int_equal(blobcache_append(c, "grid", &s, 7), 1);
    assert_true(s.cap >= s.len + 7 + 1); /* the suffix will not move the buffer */
    char *before = s.buf;
    sb_adds(&s, "</main>");
    assert_ptr_equal(s.buf, before);
    assert_string_equal(s.buf, "<main><table></table></main>");
    sb_release(&s);

    struct sb small;
    sb_init(&small, 10);
    sb_adds(&small, "ab");
    assert_int_equal(blobcache_append(c, "grid", &small, 0), 1);
    assert_int_equal(small.err, 1);
    assert_string_equal(small.buf, "ab");
    sb_release(&small);
    blobcache_free(c);
}

static void test_sb_limit_is_sticky(void **state)
{
    struct sb s;
    sb_init(&s, 8);
    sb_adds(&s, "12345");
    assert_int_equal(s.err, 0);
    sb_adds(&s, "6789");
    assert_int_equal(s.err, 1);
    assert_string_equal(s.buf, "12345");
    sb_adds(&s, "x");
    assert_string_equal(s.buf, "12345"); /* nothing more after an error */
    sb_addf(&s, "%s", "long string past the limit");
    assert_int_equal(s.err, 1);
    sb_release(&s);
}

static void test_arena(void **state)
{
    struct arena *a = arena_new();
    char *big = arena_alloc(a, 100000);
    memset(big, 'x', 100000);
    for (int i = 0; i < 10000; i++) {
        int *p = arena_alloc(a, sizeof *p);
        assert_int_equal(*p, 0);
        *p = i;
    }
    assert_string_equal(arena_printf(a, "%s-%d", "a", 7), "a-7");
    assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
    arena_free(a);
}

static void test_num(void **state)
{
    static const struct {
        const char *s;
        int64_t min, max;
        int ok;
        int64_t v;
    } rows[] = {
        {"0", 0, 10, 1, 0},
        {"10", 0, 10, 1, 10},
        {"11", 0, 10, 0, 0},
        {"-1", 0, 10, 0, 0},
        {"-5", -10, 10, 1, -5},
        {"", 0, 10, 0, 0},
        {"-", -10, 10, 0, 0},
        {" 1", 0, 10, 0, 0},
        {"1 ", 0, 10, 0, 0},
        {"+1", 0, 10, 0, 0},
        {"1e3", 0, 10000, 0, 0},
        {"0x10", 0, 100, 0, 0},
        {"9223372036854775807", 0, INT64_MAX, 1, INT64_MAX},
        {"9223372036854775808", 0, INT64_MAX, 0, 0},
        {"-9223372036854775808", INT64_MIN, 0, 1, INT64_MIN},
        {"-9223372036854775809", INT64_MIN, 0, 0, 0},
        {"99999999999999999999999", 0, INT64_MAX, 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t v = 12345;
        int rc = num_parse_i64(rows[i].s, rows[i].min, rows[i].max, &v);
        assert_int_equal(rc, rows[i].ok ? 0 : -1);
        assert_true(rows[i].ok ? v == rows[i].v : v == 12345);
    }
}

static void test_blobcache(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct blobcache *c = blobcache_new(64);
    void *v;
    size_t n;
    assert_int_equal(blobcache_get(c, "day|1", a, &v, &n), 0);
    blobcache_put(c, "day|1", "<ol>one</ol>", 12);
    assert_int_equal(blobcache_get(c, "day|1", a, &v, &n), 1);
    assert_int_equal(n, 12);
    assert_string_equal(v, "<ol>one</ol>"); /* NUL-terminated copy */
    ((char *)v)[0] = 'X';                    /* the copy is the caller's */
    assert_int_equal(blobcache_get(c, "day|1", a, &v, &n), 1);
    assert_string_equal(v, "<ol>one</ol>");
    blobcache_put(c, "day|1", "two", 3); /* a key put again holds the new value */
    assert_int_equal(blobcache_get(c, "day|1", a, &v, &n), 1);
    assert_string_equal(v, "two");
    assert_int_equal(blobcache_get(c, "day|2", a, &v, &n), 0);
    blobcache_put(c, "empty", "", 0);
    assert_int_equal(blobcache_get(c, "empty", a, &v, &n), 1);
    assert_int_equal(n, 0);
    blobcache_free(c);

    /* one slot: a new key replaces the old one, and the old one is a miss */
    c = blobcache_new(1);
    int64_t nums[3] = {1, 2, 3};
    blobcache_put(c, "a", nums, sizeof nums);
    blobcache_put(c, "b", "bee", 3);
    assert_int_equal(blobcache_get(c, "a", a, &v, &n), 0);
    assert_int_equal(blobcache_get(c, "b", a, &v, &n), 1);
    blobcache_put(c, "a", nums, sizeof nums);
    assert_int_equal(blobcache_get(c, "a", a, &v, &n), 1);
    assert_int_equal(n, sizeof nums);
    assert_memory_equal(v, nums, sizeof nums);
    blobcache_free(c);
    blobcache_free(NULL);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sb_basics),
        cmocka_unit_test(test_blobcache),
        cmocka_unit_test(test_blobcache_append),
        cmocka_unit_test(test_blobcache_two_ways),
        cmocka_unit_test(test_blobcache_alt_shares_the_entry),
        cmocka_unit_test(test_blobcache_hot_entry_stays),
        cmocka_unit_test(test_sb_limit_is_sticky),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_num),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
