/* Unit tests for mail/mime: RFC 2047 headers, line lengths, quoted-printable,
 * base64, the Date header and the MIME structure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/booking.h"
#include "mail/mime.h"
#include "util/sb.h"

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

/* Every line of s (split at CRLF) is at most max characters and no bare LF or
 * CR occurs. */
static void assert_lines(const char *s, size_t max)
{
    size_t line = 0;
    for (const char *p = s; *p; p++) {
        if (p[0] == '\r') {
            assert_int_equal(p[1], '\n');
            p++;
            line = 0;
            continue;
        }
        if (p[0] == '\n')
            fail_msg("bare LF in: %s", s);
        if (++line > max)
            fail_msg("line longer than %zu in: %s", max, s);
    }
}

/* Decodes the value of an encoded header (unfolded, encoded-words joined,
 * as a mail reader does) into out. */
static void decode_header(const char *h, char *out, size_t size)
{
    const char *v = strchr(h, ':') + 2;
    size_t n = 0;
    out[0] = '\0';
    while (*v) {
        const char *w = strstr(v, "=?UTF-8?B?");
        if (!w) { /* plain text: copy, dropping the folds */
            for (; *v; v++) /* unfolding removes the CRLF, keeps the space */
                if (*v != '\r' && *v != '\n')
                    out[n++] = *v;
            break;
        }
        const char *end = strstr(w + 10, "?=");
        assert_non_null(end);
        size_t got = 0;
        assert_int_equal(sodium_base642bin((unsigned char *)out + n, size - n - 1, w + 10,
                                           (size_t)(end - w - 10), NULL, &got, NULL,
                                           sodium_base64_VARIANT_ORIGINAL),
                         0);
        n += got;
        assert_true(end + 2 - w <= 75); /* an encoded-word is at most 75 characters */
        v = end + 2;
        while (*v == '\r' || *v == '\n' || *v == ' ')
            v++;
    }
    out[n] = '\0';
}

static void test_header_rows(void **state)
{
    static const struct {
        const char *value;
        int encoded; /* 1 = must use encoded-words */
    } rows[] = {
        {"Booked: Deep tissue, Thursday, November 26, 2026 at 2:30 PM AKST", 0},
        {"Short", 0},
        {"Zoë Ångström", 1},
        {"Booked: Massage ünder pressure — Thursday, November 26, 2026 at 2:30 PM AKST, "
         "with Maren Holt in the Birch room (bring water)", 1},
        {"日本語の件名がとても長い場合でも正しく折り返されるべきです。日本語の件名がとても長い",
         1},
        {"a =?looks?like?= an encoded word", 1},
        {"A long ASCII subject that goes on and on past the seventy-eight character limit of a "
         "header line, so it must fold at spaces", 0},
        {"https://book.example.com/a/a-very-long-link-with-no-space-in-it-that-cannot-be-folded-at-all", 1},
    };
    for (size_t i = 0; i < NROWS(rows); i++) {
        struct sb out = SB_INIT;
        char back[1024];
        mime_header(&out, "Subject", rows[i].value);
        assert_int_equal(out.err, 0);
        assert_true(out.len >= 2 && memcmp(out.buf + out.len - 2, "\r\n", 2) == 0);
        assert_lines(out.buf, MIME_LINE_MAX);
        assert_int_equal(strstr(out.buf, "=?UTF-8?B?") != NULL, rows[i].encoded);
        out.buf[out.len - 2] = '\0';
        decode_header(out.buf, back, sizeof back);
        if (strcmp(back, rows[i].value) != 0)
            fail_msg("row %zu: decoded '%s', want '%s'", i, back, rows[i].value);
        sb_release(&out);
    }
}

/* An encoded-word never ends inside a UTF-8 sequence. */
static void test_header_utf8_boundaries(void **state)
{
    struct sb out = SB_INIT;
    char value[400] = "";
    for (int i = 0; i < 60; i++)
        strcat(value, "é"); /* 2 bytes each: word lengths of 45 bytes would split one */
    mime_header(&out, "Subject", value);
    for (const char *w = out.buf; (w = strstr(w, "=?UTF-8?B?")) != NULL;) {
        const char *end = strstr(w, "?=");
        unsigned char bin[100];
        size_t got = 0;
        assert_int_equal(sodium_base642bin(bin, sizeof bin, w + 10, (size_t)(end - w - 10), NULL,
                                           &got, NULL, sodium_base64_VARIANT_ORIGINAL),
                         0);
        assert_true(got % 2 == 0);
        assert_int_equal(bin[0], 0xC3);
        w = end;
    }
    sb_release(&out);
}

static void test_mailbox(void **state)
{
    static const struct {
        const char *name, *addr, *want;
    } rows[] = {
        {"Chugach Bodywork", "desk@example.com", "\"Chugach Bodywork\" <desk@example.com>"},
        {"O\"Brien \\ Co", "a@b.c", "\"O\\\"Brien \\\\ Co\" <a@b.c>"},
        {"", "a@b.c", "a@b.c"},
        {NULL, "a@b.c", "a@b.c"},
        {"Zoë", "z@b.c", "=?UTF-8?B?Wm/Dqw==?= <z@b.c>"},
    };
    for (size_t i = 0; i < NROWS(rows); i++) {
        struct sb out = SB_INIT;
        mime_mailbox(&out, 4, rows[i].name, rows[i].addr);
        if (strcmp(out.buf, rows[i].want) != 0)
            fail_msg("row %zu: got '%s', want '%s'", i, out.buf, rows[i].want);
        sb_release(&out);
    }
}

static void test_date(void **state)
{
    static const struct {
        int64_t t;
        int off;
        const char *want;
    } rows[] = {
        {1795705200, -9 * 3600, "Thu, 26 Nov 2026 06:00:00 -0900"},
        {0, 0, "Thu, 01 Jan 1970 00:00:00 +0000"},
        {1782993600, -8 * 3600, "Thu, 02 Jul 2026 04:00:00 -0800"},
        {1782993600, 5 * 3600 + 1800, "Thu, 02 Jul 2026 17:30:00 +0530"},
    };
    char buf[40];
    for (size_t i = 0; i < NROWS(rows); i++) {
        assert_int_not_equal(mime_date(rows[i].t, rows[i].off, buf, sizeof buf), 0);
        assert_string_equal(buf, rows[i].want);
    }
    assert_int_equal(mime_date(0, 0, buf, 10), 0);
}

static void test_qp(void **state)
{
    static const struct {
        const char *in, *want;
    } rows[] = {
        {"plain text", "plain text"},
        {"a=b", "a=3Db"},
        {"line one\nline two\n", "line one\r\nline two\r\n"},
        {"crlf\r\nkept", "crlf\r\nkept"},
        {"trailing space \nx", "trailing space=20\r\nx"},
        {"tab at end\t", "tab at end=09"},
        {"Zoë", "Zo=C3=AB"},
        {".dot first", ".dot first"},
    };
    for (size_t i = 0; i < NROWS(rows); i++) {
        struct sb out = SB_INIT;
        mime_qp(&out, rows[i].in, strlen(rows[i].in));
        if (strcmp(out.buf, rows[i].want) != 0)
            fail_msg("row %zu: got '%s', want '%s'", i, out.buf, rows[i].want);
        sb_release(&out);
    }
    /* a long line is soft-broken at 76 characters, '=' included */
    char in[400];
    memset(in, 'x', 300);
    memcpy(in + 100, "ééé", 6);
    in[300] = '\0';
    struct sb out = SB_INIT;
    mime_qp(&out, in, strlen(in));
    assert_lines(out.buf, 76);
    assert_non_null(strstr(out.buf, "=\r\n"));
    sb_release(&out);
}

static void test_base64(void **state)
{
    unsigned char data[200];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 7);
    struct sb out = SB_INIT;
    mime_base64(&out, data, sizeof data);
    assert_lines(out.buf, 76);
    char joined[400];
    size_t n = 0;
    for (const char *p = out.buf; *p; p++)
        if (*p != '\r' && *p != '\n')
            joined[n++] = *p;
    unsigned char back[200];
    size_t got = 0;
    assert_int_equal(sodium_base642bin(back, sizeof back, joined, n, NULL, &got, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(got, sizeof data);
    assert_memory_equal(back, data, sizeof data);
    sb_release(&out);
    struct sb small = SB_INIT;
    mime_base64(&small, (const unsigned char *)"ab", 2);
    assert_string_equal(small.buf, "YWI=\r\n");
    sb_release(&small);
}

static struct mime_msg sample(void)
{
    static const unsigned char ics[] = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
    struct mime_msg m = {0};
    m.from_addr = "desk@chugach.example";
    m.from_name = "Chugach Bodywork";
    m.to_addr = "zoe@example.com";
    m.to_name = "Zoë Ångström";
    m.subject = "Booked: Deep tissue — Thursday";
    m.message_id = "knead-outbox-7.1795705200@chugach.example";
    m.date = 1795705200;
    m.date_offset = -9 * 3600;
    m.text = "Hello Zoë,\n\nsee you.\n";
    m.html = "<p>Hello Zoë,</p>";
    m.attach_name = "appointment-7.ics";
    m.attach_type = "text/calendar; charset=utf-8; method=PUBLISH";
    m.attach_data = ics;
    m.attach_len = sizeof ics - 1;
    return m;
}

/* Booking and the mailer use one rule: an address a form accepts can be
 * sent to, and one the mailer refuses is refused at the form. */
static void test_booking_and_mailer_agree_on_addresses(void **state)
{
    static const struct {
        const char *addr;
        int ok;
    } rows[] = {
        {"zoe@example.com", 1},
        {"ana+spa@mail.example.org", 1},
        {"o'brien@example.ie", 1},
        {"zoe<x>@example.com", 0},
        {"\"zoe\"@example.com", 0},
        {"zoe@exa mple.com", 0},
        {"zo\xc3\xab@example.com", 0}, /* non-ASCII: the mailer writes headers as they are */
        {"zoe@[127.0.0.1]", 0},
        {"zoe,bcc@example.com", 0},
        {"zoe;x@example.com", 0},
        {"zoe:x@example.com", 0},
        {"a..b@example.com", 0},
        {".zoe@example.com", 0},
        {"zoe@example..com", 0},
        {"zoe@.example.com", 0},
        {"zoe@example.com.", 0},
        {"zoe@localhost", 0},
        {"zoe@example.com\r\nBcc: x@y.z", 0},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct mime_msg m = sample();
        struct sb out = SB_INIT;
        char err[200];
        m.to_addr = rows[i].addr;
        int sent = mime_build(&out, &m, err, sizeof err) == 0;
        int booked = booking_check_email(rows[i].addr) == NULL;
        if (sent != rows[i].ok || booked != rows[i].ok)
            fail_msg("row %zu (%s): mailer %d, booking %d, want %d", i, rows[i].addr, sent,
                     booked, rows[i].ok);
        sb_release(&out);
    }
}

static void test_build_structure(void **state)
{
    struct mime_msg m = sample();
    struct sb out = SB_INIT;
    char err[200];
    assert_int_equal(mime_build(&out, &m, err, sizeof err), 0);
    assert_lines(out.buf, 78);
    const char *s = out.buf;
    assert_non_null(strstr(s, "Date: Thu, 26 Nov 2026 06:00:00 -0900\r\n"));
    assert_non_null(strstr(s, "From: \"Chugach Bodywork\" <desk@chugach.example>\r\n"));
    assert_non_null(strstr(s, "To: =?UTF-8?B?"));
    assert_non_null(strstr(s, "Subject: =?UTF-8?B?"));
    assert_non_null(strstr(s, "Message-ID: <knead-outbox-7.1795705200@chugach.example>\r\n"));
    assert_non_null(strstr(s, "MIME-Version: 1.0\r\n"));
    const char *mixed = strstr(s, "multipart/mixed");
    const char *alt = strstr(s, "multipart/alternative");
    const char *plain = strstr(s, "text/plain; charset=utf-8");
    const char *html = strstr(s, "text/html; charset=utf-8");
    const char *cal = strstr(s, "Content-Type: text/calendar");
    assert_true(mixed && alt && plain && html && cal);
    assert_true(mixed < alt && alt < plain && plain < html && html < cal);
    assert_non_null(strstr(s, "Hello Zo=C3=AB,\r\n\r\nsee you.\r\n"));
    assert_non_null(strstr(s, "filename=\"appointment-7.ics\""));
    assert_non_null(strstr(s, "QkVHSU46VkNBTEVOREFS")); /* "BEGIN:VCALENDAR" in base64 */
    /* the headers end at the first empty line; no header holds raw non-ASCII */
    const char *end = strstr(s, "\r\n\r\n");
    assert_non_null(end);
    for (const char *p = s; p < end; p++)
        assert_true((unsigned char)*p < 0x80);
    sb_release(&out);

    /* text only: one part, no multipart */
    m.html = NULL;
    m.attach_name = NULL;
    struct sb one = SB_INIT;
    assert_int_equal(mime_build(&one, &m, err, sizeof err), 0);
    assert_null(strstr(one.buf, "multipart"));
    assert_non_null(strstr(one.buf, "Content-Type: text/plain; charset=utf-8\r\n"));
    sb_release(&one);
}

static void test_build_refuses(void **state)
{
    char err[200];
    struct mime_msg m;
    struct sb out = SB_INIT;

    m = sample();
    m.subject = "Booked\r\nBcc: everyone@example.com";
    assert_int_equal(mime_build(&out, &m, err, sizeof err), -1);
    assert_int_equal(out.len, 0);
    m = sample();
    m.to_name = "Zoë\nBcc: x@y.z";
    assert_int_equal(mime_build(&out, &m, err, sizeof err), -1);
    m = sample();
    m.to_addr = "zoe@example.com>\r\nRCPT TO:<x@y.z";
    assert_int_equal(mime_build(&out, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "recipient"));
    m = sample();
    m.from_addr = "not an address";
    assert_int_equal(mime_build(&out, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "sender"));
    m = sample();
    m.attach_name = "../../etc/passwd";
    assert_int_equal(mime_build(&out, &m, err, sizeof err), -1);
    m = sample();
    m.text = NULL;
    assert_int_equal(mime_build(&out, &m, err, sizeof err), -1);
    assert_int_equal(out.len, 0);
    sb_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_rows),    cmocka_unit_test(test_header_utf8_boundaries),
        cmocka_unit_test(test_mailbox),        cmocka_unit_test(test_date),
        cmocka_unit_test(test_qp),             cmocka_unit_test(test_base64),
        cmocka_unit_test(test_build_structure), cmocka_unit_test(test_build_refuses),
        cmocka_unit_test(test_booking_and_mailer_agree_on_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
