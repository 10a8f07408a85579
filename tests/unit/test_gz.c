/* Unit tests for util/gz.c: gzip streams assembled from plain and kept
 * pieces inflate (with zlib, as a browser would) to exactly the
 * concatenation of the pieces, with the right CRC-32 and length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/gz.h"
#include "util/sb.h"

/* Inflates a whole gzip stream into out; returns 0 when it is one complete,
 * valid member (zlib checks the CRC-32 and the length of the trailer). */
static int inflate_all(const void *gz, size_t n, struct sb *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + 15) != Z_OK)
        return -1;
    z.next_in = (Bytef *)(uintptr_t)gz;
    z.avail_in = (uInt)n;
    int rc;
    do {
        unsigned char buf[16384];
        z.next_out = buf;
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        sb_add(out, buf, sizeof buf - z.avail_out);
    } while (rc == Z_OK);
    int left = (int)z.avail_in;
    inflateEnd(&z);
    return rc == Z_STREAM_END && left == 0 ? 0 : -1;
}

static uint32_t le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Text of a day view's kind: tags and words, some random bytes. */
static void random_text(struct sb *s, size_t n, unsigned *seed)
{
    static const char *const words[] = {"<td class=\"free\">", "<a href=\"/staff/book?t=",
                                        "</a></td>", " 09:15 ", "Anna Smith", "\n", "&amp;"};
    while (s->len < n) {
        if (rand_r(seed) % 4 == 0)
            sb_addc(s, (char)(' ' + rand_r(seed) % 95));
        else
            sb_adds(s, words[rand_r(seed) % 7]);
    }
    sb_setlen(s, n);
}

/* Pieces of random text, each plain or kept, in every mix: the stream
 * inflates to exactly their concatenation, and its trailer says the
 * CRC-32 and length of that. */
static void test_pieces_inflate_to_concatenation(void **state)
{
    (void)state;
    unsigned seed = 14;
    static const size_t sizes[] = {0, 1, 17, 1000, 65535, 65536, 70000, 200000};
    for (int round = 0; round < 40; round++) {
        struct sb text[4], kept[4], all, out, gz;
        struct gz_piece pieces[4];
        sb_init(&all, 0);
        sb_init(&out, 0);
        sb_init(&gz, 0);
        for (int i = 0; i < 4; i++) {
            sb_init(&text[i], 0);
            sb_init(&kept[i], 0);
            random_text(&text[i], sizes[rand_r(&seed) % 8], &seed);
            sb_add(&all, text[i].buf, text[i].len);
            int k = (round >> i) & 1;
            if (k)
                assert_int_equal(gz_keep(text[i].buf, text[i].len, &kept[i]), 0);
            pieces[i] = k ? (struct gz_piece){kept[i].buf, kept[i].len, 1}
                          : (struct gz_piece){text[i].buf, text[i].len, 0};
        }
        assert_int_equal(gz_assemble(&gz, pieces, 4), 0);
        assert_int_equal(gz.err, 0);
        assert_int_equal(inflate_all(gz.buf, gz.len, &out), 0);
        assert_int_equal(out.len, all.len);
        assert_memory_equal(out.buf, all.buf, all.len);
        const unsigned char *t = (const unsigned char *)gz.buf + gz.len - 8;
        assert_int_equal(le32(t), (uint32_t)crc32(crc32(0, Z_NULL, 0),
                                                  (const Bytef *)all.buf, (uInt)all.len));
        assert_int_equal(le32(t + 4), (uint32_t)all.len);
        for (int i = 0; i < 4; i++) {
            sb_release(&text[i]);
            sb_release(&kept[i]);
        }
        sb_release(&all);
        sb_release(&out);
        sb_release(&gz);
    }
}

/* A piece of 0 bytes, plain or kept, and a stream of nothing at all. */
static void test_empty_pieces(void **state)
{
    (void)state;
    struct sb kept = SB_INIT, gz = SB_INIT, out = SB_INIT;
    assert_int_equal(gz_keep("", 0, &kept), 0);
    struct gz_piece p[3] = {{"", 0, 0}, {kept.buf, kept.len, 1}, {"", 0, 0}};
    assert_int_equal(gz_assemble(&gz, p, 3), 0);
    assert_int_equal(inflate_all(gz.buf, gz.len, &out), 0);
    assert_int_equal(out.len, 0);
    sb_reset(&gz);
    assert_int_equal(gz_assemble(&gz, NULL, 0), 0);
    assert_int_equal(inflate_all(gz.buf, gz.len, &out), 0);
    assert_int_equal(out.len, 0);
    /* a kept piece shorter than its head is refused */
    struct gz_piece bad = {"abc", 3, 1};
    sb_reset(&gz);
    assert_int_equal(gz_assemble(&gz, &bad, 1), -1);
    sb_release(&kept);
    sb_release(&gz);
    sb_release(&out);
}

/* A large grid (6 MB, ~ten grown clinics' day views) kept once, used
 * between two pages' plain parts: it is far smaller than its text, and
 * the plain parts around it are not compressed at all. */
static void test_large_grid(void **state)
{
    (void)state;
    unsigned seed = 7;
    struct sb grid = SB_INIT, kept = SB_INIT, gz = SB_INIT, out = SB_INIT, all = SB_INIT;
    random_text(&grid, 6 * 1024 * 1024, &seed);
    assert_int_equal(gz_keep(grid.buf, grid.len, &kept), 0);
    assert_true(kept.len < grid.len / 2);
    const char *head = "<html><input name=csrf value=SECRET-TOKEN-123>", *tail = "</html>";
    struct gz_piece p[3] = {
        {head, strlen(head), 0}, {kept.buf, kept.len, 1}, {tail, strlen(tail), 0}};
    assert_int_equal(gz_assemble(&gz, p, 3), 0);
    sb_add(&all, head, strlen(head));
    sb_add(&all, grid.buf, grid.len);
    sb_adds(&all, tail);
    assert_int_equal(inflate_all(gz.buf, gz.len, &out), 0);
    assert_int_equal(out.len, all.len);
    assert_memory_equal(out.buf, all.buf, all.len);
    /* the per-request part is in a stored block, literally */
    assert_non_null(memmem(gz.buf, gz.len, "SECRET-TOKEN-123", 16));
    assert_memory_equal(gz.buf + 10, "\0", 1); /* a stored block follows the header */
    sb_release(&grid);
    sb_release(&kept);
    sb_release(&gz);
    sb_release(&out);
    sb_release(&all);
}

static void test_worth(void **state)
{
    (void)state;
    static const struct {
        const char *type;
        size_t len;
        int want;
    } cases[] = {
        {"text/html; charset=utf-8", 5000, 1},
        {"text/css", 5000, 1},
        {"application/json", 5000, 1},
        {"application/problem+json", 5000, 1},
        {"text/javascript; charset=utf-8", 5000, 1},
        {"image/svg+xml", 5000, 1},
        {"text/html; charset=utf-8", GZ_MIN - 1, 0},
        {"image/png", 50000, 0},
        {"text/csv; charset=utf-8", 50000, 0},
        {"text/calendar", 50000, 0},
        {"application/pdf", 50000, 0},
        {"text/htmlx", 5000, 0},
        {NULL, 5000, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(gz_worth(cases[i].type, cases[i].len), cases[i].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pieces_inflate_to_concatenation),
        cmocka_unit_test(test_empty_pieces),
        cmocka_unit_test(test_large_grid),
        cmocka_unit_test(test_worth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
