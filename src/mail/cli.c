/* cli — the `knead outbox` command.  Parses its own options (the same
 * --db and --config as every command), then calls the store; holds no
 * delivery logic. */
#include "mail/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "core/datetime.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/num.h"

#define EXIT_USAGE 2
#define LIST_MAX 1000

static const char usage[] =
    "usage: knead outbox list [--status pending|sending|sent|failed] [--limit N]\n"
    "       knead outbox retry ID\n"
    "       knead outbox purge [--sent-before DAYS]\n"
    "       (each also takes --db PATH and --config FILE)\n"
    "\n"
    "The outbox holds every e-mail Knead sends, queued with the booking, move or\n"
    "cancellation that caused it; `knead serve` delivers it over SMTP.\n"
    "  list    messages, newest first (default 50): id, status, attempts, next try,\n"
    "          kind, recipient, subject and the last error\n"
    "  retry   queues a failed (or waiting) message again, due now, attempts reset\n"
    "  purge   deletes messages sent, and webhook deliveries delivered, more than\n"
    "          DAYS days ago (default 30)\n";

static int bad(const char *sub, const char *msg)
{
    fprintf(stderr, "knead outbox%s%s: %s (see knead outbox --help)\n", sub ? " " : "",
            sub ? sub : "", msg);
    return EXIT_USAGE;
}

static void when(int64_t t, char *buf, size_t size)
{
    if (t <= 0 || dt_format_rfc3339(t, 0, buf, size) == 0)
        snprintf(buf, size, "-");
}

static int list(struct db *db, const char *status, int limit)
{
    struct arena *a = arena_new();
    struct outbox_msg *m = NULL;
    size_t n = 0;
    struct err e = {0};
    int rc = 1;
    if (db_outbox_list(db, a, status, limit, &m, &n, &e) != E_OK) {
        fprintf(stderr, "knead outbox list: %s\n", e.msg);
        goto done;
    }
    printf("id\tstatus\tattempts\tnext_try_utc\tsent_utc\tkind\trecipient\tsubject\tlast_error\n");
    for (size_t i = 0; i < n; i++) {
        char next[40], sent[40];
        int waiting = strcmp(m[i].status, "pending") == 0 || strcmp(m[i].status, "sending") == 0;
        when(waiting ? (m[i].next_attempt_at > 0 ? m[i].next_attempt_at : m[i].created_at) : 0,
             next, sizeof next);
        when(m[i].sent_at, sent, sizeof sent);
        printf("%lld\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", (long long)m[i].id, m[i].status,
               m[i].attempts, next, sent, m[i].kind, m[i].recipient, m[i].subject,
               m[i].last_error);
    }
    rc = 0;
done:
    arena_free(a);
    return rc;
}

int outbox_cli_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},          {"config", required_argument, NULL, 'c'},
        {"status", required_argument, NULL, 's'},      {"limit", required_argument, NULL, 'l'},
        {"sent-before", required_argument, NULL, 'b'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_path = NULL, *config = NULL, *status = "", *limit_s = NULL, *days_s = NULL;
    char msg[800];
    int c, code = 1;
    struct app app;
    struct err e = {0};

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc < 2)
        return bad(NULL, "say list, retry ID or purge");
    const char *sub = argv[1];
    if (strcmp(sub, "list") != 0 && strcmp(sub, "retry") != 0 && strcmp(sub, "purge") != 0) {
        snprintf(msg, sizeof msg, "unknown subcommand '%s' (list, retry ID, purge)", sub);
        return bad(NULL, msg);
    }
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, ":h", longopts, NULL)) != -1) {
        const char *opt = argv[optind]; /* argv + 1 shifts by one */
        switch (c) {
        case 'h': fputs(usage, stdout); return 0;
        case 'd': db_path = optarg; break;
        case 'c': config = optarg; break;
        case 's': status = optarg; break;
        case 'l': limit_s = optarg; break;
        case 'b': days_s = optarg; break;
        default:
            snprintf(msg, sizeof msg, c == ':' ? "option %s needs a value" : "unknown option %s",
                     opt);
            return bad(sub, msg);
        }
        if ((c == 's' || c == 'l') && strcmp(sub, "list") != 0)
            return bad(sub, "--status and --limit apply to list only");
        if (c == 'b' && strcmp(sub, "purge") != 0)
            return bad(sub, "--sent-before applies to purge only");
    }
    int npos = argc - 1 - optind;
    const char *id_s = npos > 0 ? argv[1 + optind] : NULL;
    int64_t id = 0, limit64 = 50, days = 30;
    if (strcmp(sub, "retry") == 0) {
        if (npos != 1)
            return bad(sub, "say which message: knead outbox retry ID");
        if (num_parse_i64(id_s, 1, INT64_MAX, &id) < 0) {
            snprintf(msg, sizeof msg, "'%s' is not a message id (a whole number from 1)", id_s);
            return bad(sub, msg);
        }
    } else if (npos > 0) {
        snprintf(msg, sizeof msg, "unexpected argument '%s'", id_s);
        return bad(sub, msg);
    }
    if (*status && strcmp(status, "pending") != 0 && strcmp(status, "sending") != 0 &&
        strcmp(status, "sent") != 0 && strcmp(status, "failed") != 0) {
        snprintf(msg, sizeof msg, "--status '%s' is not pending, sending, sent or failed", status);
        return bad(sub, msg);
    }
    if (limit_s && num_parse_i64(limit_s, 1, LIST_MAX, &limit64) < 0) {
        snprintf(msg, sizeof msg, "--limit '%s' is not a whole number from 1 to %d", limit_s,
                 LIST_MAX);
        return bad(sub, msg);
    }
    if (days_s && num_parse_i64(days_s, 0, 36500, &days) < 0) {
        snprintf(msg, sizeof msg, "--sent-before '%s' is not a number of days from 0 to 36500",
                 days_s);
        return bad(sub, msg);
    }

    memset(&app, 0, sizeof app);
    cfg_defaults(&app.cfg);
    if (config && cfg_load_file(&app.cfg, config, msg, sizeof msg) < 0) {
        fprintf(stderr, "knead outbox %s: config %s\n", sub, msg);
        return EXIT_USAGE;
    }
    if (db_path && cfg_set(&app.cfg, "database", "path", db_path, msg, sizeof msg) < 0) {
        fprintf(stderr, "knead outbox %s: %s\n", sub, msg);
        return EXIT_USAGE;
    }
    if (app_open_existing_store(&app, 1, msg, sizeof msg) < 0) {
        fprintf(stderr, "knead outbox %s: %s\n", sub, msg);
        goto done;
    }
    struct db *db = db_acquire(app.store);
    int64_t now = clock_real_now(); /* delivery keeps real time (mail/outbox.h) */
    if (strcmp(sub, "list") == 0) {
        code = list(db, status, (int)limit64);
    } else if (strcmp(sub, "retry") == 0) {
        enum err_code rc = db_outbox_retry(db, id, now, &e);
        if (rc == E_OK) {
            printf("message %lld queued again; a running knead serve sends it within 10 seconds\n",
                   (long long)id);
            code = 0;
        } else {
            fprintf(stderr, "knead outbox retry: %s\n", e.msg);
            code = rc == E_NOTFOUND || rc == E_CONFLICT ? EXIT_USAGE : 1;
        }
    } else {
        int deleted = 0;
        int64_t hooks = 0;
        if (db_outbox_purge(db, now - days * 86400, &deleted, &e) == E_OK &&
            db_wh_purge(db, now - days * 86400, &hooks, &e) == E_OK) {
            printf("deleted %d message%s sent more than %lld day%s ago\n", deleted,
                   deleted == 1 ? "" : "s", (long long)days, days == 1 ? "" : "s");
            printf("deleted %lld webhook deliver%s delivered more than %lld day%s ago\n",
                   (long long)hooks, hooks == 1 ? "y" : "ies", (long long)days,
                   days == 1 ? "" : "s");
            code = 0;
        } else {
            fprintf(stderr, "knead outbox purge: %s\n", e.msg);
        }
    }
    db_release(db);
done:
    app_close(&app);
    return code;
}
