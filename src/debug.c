/* debug — the `knead debug sql` command (debug.h).  Parses its options (the
 * same --db and --config as every command), runs the statement through
 * db_debug_sql and prints each row as one JSON array; knows no SQL itself. */
#include "debug.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "app.h"
#include "store/store.h"
#include "util/arena.h"

#define EXIT_USAGE 2
#define ARGS_MAX 100

static const char usage[] =
    "usage: knead debug sql [--db PATH] [--config FILE] SQL [ARGS]\n"
    "       knead debug sql [--db PATH] [--config FILE] --batch\n"
    "\n"
    "Runs one SQL statement, in the database's own dialect, through the store's\n"
    "driver and prints each row it returns as a JSON array on its own line (text\n"
    "as strings, bytes as hex strings, NULL as null).  ARGS is a JSON array of the\n"
    "values of ?1, ?2, ... (whole numbers, strings, null).  A statement that writes\n"
    "changes the database: for tests and for looking into a copy.\n"
    "\n"
    "--batch reads statements from standard input, one a line, each a JSON array\n"
    "[SQL, ARG...].  For each it opens the database, runs the statement, prints its\n"
    "rows and then one line {\"status\": S} (S the exit status the one-statement\n"
    "command would have had; with \"error\": the message when S is not 0), and closes\n"
    "the database again, so that every statement sees it as a new command would.\n"
    "It ends at the end of the input with status 0: one process for many statements\n"
    "(the tests' way, where each process start costs the sanitizers' start-up).\n";

static int bad(const char *msg)
{
    fprintf(stderr, "knead debug sql: %s (see knead debug --help)\n", msg);
    return EXIT_USAGE;
}

/* Reads the values of the JSON array arr from index `from` on into args on a;
 * returns the count or -1 with a message. */
static int array_args(struct arena *a, json_t *arr, size_t from, struct db_value **out, char *msg,
                      size_t size)
{
    size_t total = json_array_size(arr), count = total > from ? total - from : 0;
    if (count > ARGS_MAX) {
        snprintf(msg, size, "at most %d values for the parameters", ARGS_MAX);
        return -1;
    }
    struct db_value *v = arena_array(a, count + 1, sizeof *v);
    for (size_t i = 0; i < count; i++) {
        json_t *x = json_array_get(arr, from + i);
        if (json_is_integer(x)) {
            v[i].kind = DB_VALUE_INT;
            v[i].i = json_integer_value(x);
        } else if (json_is_string(x)) {
            v[i].kind = DB_VALUE_TEXT;
            v[i].s = arena_strdup(a, json_string_value(x));
        } else if (json_is_null(x)) {
            v[i].kind = DB_VALUE_NULL;
        } else {
            snprintf(msg, size, "ARGS value %zu is not a whole number, a string or null", i + 1);
            return -1;
        }
    }
    *out = v;
    return (int)count;
}

/* Reads ARGS (a JSON array) into args on a; returns the count or -1. */
static int parse_args(struct arena *a, const char *text, struct db_value **out, char *msg,
                      size_t size)
{
    json_error_t jerr;
    json_t *arr = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    int n = -1;
    if (!arr || !json_is_array(arr) || json_array_size(arr) > ARGS_MAX) {
        snprintf(msg, size, "ARGS must be a JSON array of at most %d values", ARGS_MAX);
        goto done;
    }
    n = array_args(a, arr, 0, out, msg, size);
done:
    json_decref(arr);
    return n;
}

static int print_row(void *ctx, const struct db_value *cols, size_t ncols)
{
    static const char hex[] = "0123456789abcdef";
    struct arena *a = ctx;
    json_t *row = json_array();
    for (size_t i = 0; i < ncols; i++) {
        json_t *v = NULL;
        switch (cols[i].kind) {
        case DB_VALUE_NULL:
            v = json_null();
            break;
        case DB_VALUE_INT:
            v = json_integer(cols[i].i);
            break;
        case DB_VALUE_TEXT:
            v = json_string(cols[i].s);
            break;
        case DB_VALUE_BLOB: {
            char *h = arena_alloc(a, cols[i].n * 2 + 1);
            for (size_t k = 0; k < cols[i].n; k++) {
                h[2 * k] = hex[(unsigned char)cols[i].s[k] >> 4];
                h[2 * k + 1] = hex[(unsigned char)cols[i].s[k] & 15];
            }
            v = json_string(h);
            break;
        }
        }
        json_array_append_new(row, v ? v : json_string("(not UTF-8)"));
    }
    char *line = json_dumps(row, JSON_COMPACT);
    if (line) {
        puts(line);
        free(line);
    }
    json_decref(row);
    return 0;
}

/* Opens the store as a new command would, runs sql with args, prints its rows
 * and closes the store.  Returns the exit status of `knead debug sql`; when
 * it is not 0, msg holds the message (without the command's name). */
static int run_statement(const char *config, const char *db_path, struct arena *a, const char *sql,
                         const struct db_value *args, size_t nargs, char *msg, size_t size)
{
    struct app app;
    struct err e = {0};
    char why[800];
    int code = 1;

    memset(&app, 0, sizeof app);
    cfg_defaults(&app.cfg);
    if (config && cfg_load_file(&app.cfg, config, why, sizeof why) < 0) {
        snprintf(msg, size, "config %.700s", why);
        return EXIT_USAGE;
    }
    if (db_path && cfg_set(&app.cfg, "database", "path", db_path, why, sizeof why) < 0) {
        snprintf(msg, size, "%s", why);
        return EXIT_USAGE;
    }
    if (app_open_existing_store(&app, 1, why, sizeof why) < 0) { /* a typo makes no database */
        snprintf(msg, size, "%s", why);
        goto done;
    }
    struct db *db = db_acquire(app.store);
    enum err_code rc = db_debug_sql(db, a, sql, args, nargs, print_row, a, &e);
    db_release(db);
    if (rc == E_OK)
        code = 0;
    else {
        snprintf(msg, size, "%s", e.msg);
        code = rc == E_INVALID ? EXIT_USAGE : 1;
    }
done:
    app_close(&app);
    return code;
}

/* Prints the line that ends one statement of --batch and flushes it. */
static int batch_status(int code, const char *msg)
{
    json_t *o = json_pack("{s:i}", "status", code);
    char *line = NULL;
    int rc = -1;
    if (!o || (code != 0 && json_object_set_new(o, "error", json_string(msg)) != 0))
        goto done;
    line = json_dumps(o, JSON_COMPACT);
    if (!line || puts(line) == EOF || fflush(stdout) != 0)
        goto done;
    rc = 0;
done:
    free(line);
    json_decref(o);
    return rc;
}

#define BATCH_LINE_MAX (1 << 20)

/* --batch: one statement a line of standard input (see usage). */
static int run_batch(const char *config, const char *db_path)
{
    char *line = NULL, msg[800];
    size_t cap = 0;
    ssize_t len;
    int status = 0;

    while ((len = getline(&line, &cap, stdin)) != -1) {
        struct arena *a = arena_new();
        json_error_t jerr;
        json_t *arr = NULL;
        struct db_value *args = NULL;
        int nargs, code = EXIT_USAGE;

        if (len > BATCH_LINE_MAX) {
            snprintf(msg, sizeof msg, "a line is longer than %d bytes", BATCH_LINE_MAX);
        } else if (!(arr = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, &jerr)) ||
                   !json_is_array(arr) || !json_is_string(json_array_get(arr, 0))) {
            snprintf(msg, sizeof msg, "each line must be a JSON array [SQL, ARG...]");
        } else if ((nargs = array_args(a, arr, 1, &args, msg, sizeof msg)) >= 0) {
            code = run_statement(config, db_path, a, json_string_value(json_array_get(arr, 0)),
                                 args, (size_t)nargs, msg, sizeof msg);
        }
        json_decref(arr);
        arena_free(a);
        if (batch_status(code, msg) < 0) {
            status = 1; /* standard output is gone: nobody reads the answers */
            break;
        }
    }
    free(line);
    if (status == 0 && ferror(stdin)) {
        fprintf(stderr, "knead debug sql: reading standard input failed\n");
        status = 1;
    }
    return status;
}

int debug_cli_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'c'},
        {"batch", no_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_path = NULL, *config = NULL;
    char msg[800];
    int c, code, nargs = 0, batch = 0;
    struct arena *a = NULL;
    struct db_value *args = NULL;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "sql") != 0)
        return bad("say 'knead debug sql SQL [ARGS]'");
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            return 0;
        case 'd':
            db_path = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 'b':
            batch = 1;
            break;
        default:
            snprintf(msg, sizeof msg, c == ':' ? "option %s needs a value" : "unknown option %s",
                     argv[optind]);
            return bad(msg);
        }
    }
    int npos = argc - 1 - optind;
    if (batch) {
        if (npos != 0)
            return bad("--batch reads its statements from standard input: give no SQL");
        return run_batch(config, db_path);
    }
    if (npos < 1 || npos > 2)
        return bad("give one SQL statement and, if it has parameters, ARGS");
    const char *sql = argv[1 + optind];
    a = arena_new();
    if (npos == 2 && (nargs = parse_args(a, argv[2 + optind], &args, msg, sizeof msg)) < 0) {
        arena_free(a);
        return bad(msg);
    }
    code = run_statement(config, db_path, a, sql, args, (size_t)nargs, msg, sizeof msg);
    if (code != 0)
        fprintf(stderr, "knead debug sql: %s\n", msg);
    arena_free(a);
    return code;
}
