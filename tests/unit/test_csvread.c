/* Unit tests for core/csvread.c: records, quoting, line ends, the byte-order
 * mark, and every malformed case naming its line.  Table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/csvread.h"

/* Reads all of text; writes each record as its line, ':' and its fields
 * joined by '|', records by ';' -- or "ERR:" and the message. */
static void read_all(const char *text, size_t len, char *out, size_t size)
{
    struct arena *a = arena_new();
    struct csvread c;
    struct err e = {0};
    char *f[CSVREAD_MAX_FIELDS];
    size_t n, used = 0;
    int line, rc;
    out[0] = '\0';
    csvread_init(&c, text, len);
    while ((rc = csvread_next(&c, a, f, &n, &line, &e)) == 1) {
        used += (size_t)snprintf(out + used, size - used, "%s%d:", used ? ";" : "", line);
        for (size_t i = 0; i < n; i++)
            used += (size_t)snprintf(out + used, size - used, "%s%s", i ? "|" : "", f[i]);
    }
    /* a longer message is cut, which no case's expectation reaches */
    if (rc < 0 && snprintf(out, size, "ERR:%.200s", e.msg) < 0)
        out[0] = '\0';
    arena_free(a);
}

static void test_records(void **state)
{
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"", ""},
        {"a,b\r\n1,2\r\n", "1:a|b;2:1|2"},
        {"a,b\n1,2", "1:a|b;2:1|2"},      /* LF, no final line end */
        {"a,b\r1,2\r", "1:a|b;2:1|2"},    /* lone CR */
        {"\xEF\xBB\xBFname\n", "1:name"}, /* byte-order mark skipped */
        {"a,,c,\n", "1:a||c|"},           /* empty fields */
        {"\"x, y\",\"say \"\"hi\"\"\"\n", "1:x, y|say \"hi\""},
        {"\"two\r\nlines\",b\nnext\n", "1:two\r\nlines|b;3:next"}, /* line numbers follow */
        {"a\n\n\r\nb\n", "1:a;4:b"},                               /* blank lines skipped */
        {"\"\"\n", "1:"},
        {" spaced , kept \n", "1: spaced | kept "},
    };
    char out[256];
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        read_all(rows[i].in, strlen(rows[i].in), out, sizeof out);
        assert_string_equal(out, rows[i].out);
    }
}

static void test_malformed(void **state)
{
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"a\n\"open,b\n", "ERR:line 2: a quoted field is never closed (a \" is missing)"},
        {"\"a\"b\n", "ERR:line 1: a character after a closing quote (a field with \" must be "
                     "quoted whole, its quotes doubled)"},
        {"ok\nab\"c\n", "ERR:line 2: a \" inside an unquoted field (quote the field and double "
                        "the \")"},
    };
    char out[256];
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        read_all(rows[i].in, strlen(rows[i].in), out, sizeof out);
        assert_string_equal(out, rows[i].out);
    }
    /* a NUL byte */
    read_all("a,b\0c\n", 6, out, sizeof out);
    assert_string_equal(out, "ERR:line 1: a NUL byte");
    /* 65 columns */
    char wide[200] = "";
    for (int i = 0; i < 65; i++)
        strcat(wide, i ? ",x" : "x");
    read_all(wide, strlen(wide), out, sizeof out);
    assert_string_equal(out, "ERR:line 1: more than 64 columns");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
