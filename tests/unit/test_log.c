/* Unit tests for util/log.c: one event is one line, whatever it carries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

/* Runs one log_warn with stderr on a pipe; returns what was written. */
static void capture(char *out, size_t size, const char *what)
{
    int fds[2], saved = dup(STDERR_FILENO);
    assert_int_equal(pipe(fds), 0);
    assert_true(saved >= 0);
    assert_true(dup2(fds[1], STDERR_FILENO) >= 0);
    log_warn("got %s", what);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    close(fds[1]);
    ssize_t n = read(fds[0], out, size - 1);
    close(fds[0]);
    assert_true(n > 0);
    out[n] = '\0';
}

static void test_control_characters_cannot_forge_a_line(void **state)
{
    char out[4096];
    capture(out, sizeof out, "/x\r\n2026-12-05T00:00:00.000Z info GET /forged 200\t\x1b[31m\x7f");
    const char *nl = strchr(out, '\n');
    assert_non_null(nl);
    assert_int_equal(nl[1], '\0'); /* exactly one line */
    assert_non_null(strstr(out, " warn got /x\\x0d\\x0a2026-12-05T00:00:00.000Z info GET /forged "
                                "200\\x09\\x1b[31m\\x7f\n"));
}

static void test_long_messages_are_cut_to_one_line(void **state)
{
    char big[5000], out[8192];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    capture(out, sizeof out, big);
    assert_int_equal(strchr(out, '\n')[1], '\0');
    assert_true(strlen(out) < 2048);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_characters_cannot_forge_a_line),
        cmocka_unit_test(test_long_messages_are_cut_to_one_line),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
