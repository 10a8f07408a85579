/* debug — the `knead debug sql` command (debug.h).  Parses its options (the
 * same --db and --config as every command), runs the statement through
 * db_debug_sql and prints each row as one JSON array; knows no SQL itself. */
#include "debug.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "store/store.h"
#include "util/arena.h"

#define EXIT_USAGE 2
#define ARGS_MAX 100

static const char usage[] =
    "usage: knead debug sql [--db PATH] [--config FILE] SQL [ARGS]\n"
    "\n"
    "Runs one SQL statement, in the database's own dialect, through the store's\n"
    "driver and prints each row it returns as a JSON array on its own line (text\n"
    "as strings, bytes as hex strings, NULL as null).  ARGS is a JSON array of the\n"
    "values of ?1, ?2, ... (whole numbers, strings, null).  A statement that writes\n"
    "changes the database: for tests and for looking into a copy.\n";

static int bad(const char *msg)
{
    fprintf(stderr, "knead debug sql: %s (see knead debug --help)\n", msg);
    return EXIT_USAGE;
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
    struct db_value *v = arena_array(a, json_array_size(arr) + 1, sizeof *v);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *x = json_array_get(arr, i);
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
            goto done;
        }
    }
    *out = v;
    n = (int)json_array_size(arr);
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

int debug_cli_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_path = NULL, *config = NULL;
    char msg[800];
    int c, code = 1, nargs = 0;
    struct app app;
    struct err e = {0};
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
        default:
            snprintf(msg, sizeof msg, c == ':' ? "option %s needs a value" : "unknown option %s",
                     argv[optind]);
            return bad(msg);
        }
    }
    int npos = argc - 1 - optind;
    if (npos < 1 || npos > 2)
        return bad("give one SQL statement and, if it has parameters, ARGS");
    const char *sql = argv[1 + optind];
    a = arena_new();
    if (npos == 2 && (nargs = parse_args(a, argv[2 + optind], &args, msg, sizeof msg)) < 0) {
        arena_free(a);
        return bad(msg);
    }

    memset(&app, 0, sizeof app);
    cfg_defaults(&app.cfg);
    if (config && cfg_load_file(&app.cfg, config, msg, sizeof msg) < 0) {
        fprintf(stderr, "knead debug sql: config %s\n", msg);
        arena_free(a);
        return EXIT_USAGE;
    }
    if (db_path && cfg_set(&app.cfg, "database", "path", db_path, msg, sizeof msg) < 0) {
        fprintf(stderr, "knead debug sql: %s\n", msg);
        arena_free(a);
        return EXIT_USAGE;
    }
    if (app_open_existing_store(&app, 1, msg, sizeof msg) < 0) { /* a typo makes no database */
        fprintf(stderr, "knead debug sql: %s\n", msg);
        goto done;
    }
    struct db *db = db_acquire(app.store);
    enum err_code rc = db_debug_sql(db, a, sql, args, (size_t)nargs, print_row, a, &e);
    db_release(db);
    if (rc == E_OK)
        code = 0;
    else {
        fprintf(stderr, "knead debug sql: %s\n", e.msg);
        code = rc == E_INVALID ? EXIT_USAGE : 1;
    }
done:
    app_close(&app);
    arena_free(a);
    return code;
}
