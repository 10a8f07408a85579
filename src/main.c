/* main — the `knead` command: serve, migrate, demo.
 *
 * Settings come from the defaults, then --config FILE, then flags; a wrong
 * flag or a bad setting prints one line naming it and exits 2.  Runtime
 * failures (database, port in use) exit 1. */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "svc/pay.h"
#include "app.h"
#include "backup.h"
#include "core/datetime.h"
#include "core/tz.h"
#include "debug.h"
#include "demo.h"
#include "http/metrics.h"
#include "http/server.h"
#include "mail/cli.h"
#include "mail/mail.h"
#include "mail/smtp.h"
#include "store/store.h"
#include "svc/import.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/num.h"
#include "web/page.h"
#include "web/account.h"
#include "web/routes.h"

#define EXIT_USAGE 2

_Static_assert(CFG_ADDR == REQ_ADDR_MAX, "[server] trusted_proxies entries are handed to http/");

static const char usage_main[] =
    "usage: knead COMMAND [OPTIONS]\n"
    "\n"
    "Knead serves a massage clinic's site, online booking and back office.\n"
    "\n"
    "commands:\n"
    "  serve     serve the clinic over HTTP\n"
    "  migrate   create or upgrade the database schema\n"
    "  demo      seed the demo clinic (Anchorage, Alaska)\n"
    "  user add  create an account (admin, desk, therapist or client)\n"
    "  outbox    list, retry or purge the queued e-mail\n"
    "  backup    copy the database to a file, also while the server runs\n"
    "  restore   replace the database by a backup, after checking it\n"
    "  copy      move a clinic from SQLite into an empty PostgreSQL database, verified\n"
    "  import    clients or future appointments from another system's CSV file\n"
    "  debug     debug sql: run one SQL statement, rows out as JSON lines\n"
    "\n"
    "Every command takes --db PATH and --config FILE; `knead COMMAND --help` tells more.\n"
    "  --version  print the version\n";

static const char usage_serve[] =
    "usage: knead serve [--listen ADDR:PORT] [--db PATH] [--config FILE] [--now RFC3339]\n"
    "                   [--threads N] [--quiet]\n"
    "\n"
    "Serves the clinic until SIGINT or SIGTERM, then finishes requests in flight.\n"
    "  --listen ADDR:PORT  address to listen on (default 127.0.0.1:8080; port 0 = any free)\n"
    "  --db PATH|URL       SQLite database file (default var/knead.db), or a PostgreSQL URL\n"
    "                      (postgresql://user@host/db), made by knead migrate\n"
    "                      or knead demo; newer migrations are applied on start\n"
    "  --config FILE       INI settings file; flags win over it\n"
    "  --now RFC3339       pin the clock, e.g. 2026-11-26T06:00:00-09:00 (tests, demos)\n"
    "  --threads N         worker threads (default: four per core, at least 8)\n"
    "  --quiet             no access log (start-up and errors are still logged)\n";

static const char usage_migrate[] =
    "usage: knead migrate [--db PATH] [--config FILE]\n"
    "\n"
    "Applies the schema migrations the database does not have yet, each in one transaction.\n";

static const char usage_demo[] =
    "usage: knead demo [--force] [--locations N] [--lived-in [--now RFC3339]] [--db PATH]\n"
    "                  [--config FILE]\n"
    "\n"
    "Seeds the demo clinic: four therapists, three rooms, deep-tissue massage in 60 and 90\n"
    "minutes, open Monday to Saturday.  Refuses a database that already holds a clinic\n"
    "unless --force, which replaces it.  --locations 2 adds a second location (Seattle,\n"
    "Pacific time) with two rooms, where Dev and Lena work on days they are not in\n"
    "Anchorage; the default is 1.  --lived-in makes it look in use: two weeks of past and\n"
    "future appointments in every status, a dozen clients with health forms, signed notes\n"
    "with recommendations, a referral, a pending insurance check and a waitlist entry, all\n"
    "invented and dated from today (or from --now).\n";

static const char usage_user[] =
    "usage: knead user add --email EMAIL --name NAME --role ROLE [--therapist ID]\n"
    "                      [--password-file FILE] [--db PATH] [--config FILE]\n"
    "\n"
    "Creates an account.  ROLE is admin, desk (front desk), therapist or client; a\n"
    "therapist account names its therapist with --therapist.  The password is read from\n"
    "the first line of FILE, or asked for at the terminal (at least 10 characters, not a\n"
    "common password, one character or pattern repeated, or the e-mail address).\n";

static const char usage_backup[] =
    "usage: knead backup --to FILE [--force] [--db PATH] [--config FILE]\n"
    "\n"
    "Copies the database into FILE as of one instant (SQLite's online backup API), also\n"
    "while knead serve runs and writes.  FILE appears whole or not at all (written beside it,\n"
    "synced, renamed).  Refuses an existing FILE unless --force.\n";

static const char usage_restore[] =
    "usage: knead restore --from FILE [--db PATH] [--config FILE]\n"
    "\n"
    "Replaces the database by the backup FILE.  Checks first, and changes nothing if a check\n"
    "fails: FILE passes SQLite's integrity check, holds a Knead schema no newer than this\n"
    "knead's, and no other process (a running knead serve) has the database open.  The\n"
    "replacement is atomic; knead serve or knead migrate then applies newer migrations.\n";

static const char usage_copy[] =
    "usage: knead copy --from PATH.db --to postgresql://USER@HOST[:PORT]/DB\n"
    "\n"
    "Moves a clinic from its SQLite file into a PostgreSQL database: applies the schema to\n"
    "the target, copies every table in one transaction and commits only when each table's\n"
    "row count and checksum read back from PostgreSQL equal the file's (one line per table).\n"
    "Refuses a target that already holds clinic data, and a file whose schema is not this\n"
    "knead's (run knead migrate on it first).  Stop knead serve on the file first; the file\n"
    "is only read.\n";

static const char usage_import[] =
    "usage: knead import clients|appointments [--dry-run] FILE.csv [--db PATH] [--config FILE]\n"
    "                    [--now RFC3339]\n"
    "\n"
    "Reads clients, or future appointments, from another system's CSV file (RFC 4180, UTF-8,\n"
    "the first line naming the columns; at most 16 MiB and 50,000 rows).  Every row is\n"
    "checked by the rules the app uses (names, e-mail and phone as the booking form does;\n"
    "an appointment as the front desk books it: service, therapist, hours, time off, rooms,\n"
    "horizon, no overlap for the therapist, the room or the client, earlier rows included).\n"
    "All or nothing: one refused row and nothing is stored.  Imported appointments send no\n"
    "confirmation; reminders follow as for any appointment.\n"
    "  --dry-run      check every row, list each one that would be refused, store nothing\n"
    "  --now RFC3339  judge times as of this instant, not the clock (tests, demos)\n"
    "\n"
    "Columns, by the header (any letter case; others are ignored and named):\n"
    "  clients       name, and email or phone or both (or client_name, client_email,\n"
    "                client_phone; without an e-mail, a whole number a text can go to);\n"
    "                a client already there by name and e-mail (or name and number) is\n"
    "                left as it is\n"
    "  appointments  start (RFC 3339), or date (YYYY-MM-DD) and time (HH:MM) on the clinic's\n"
    "                clock; service or service_id (id or name); therapist or therapist_id\n"
    "                (id or name; empty or any: any); name, email, phone (or client_...);\n"
    "                notes; status (empty or booked)\n"
    "\n"
    "Exit status: 0 every row passed (stored unless --dry-run); 1 rows refused, each listed\n"
    "on stdout as FILE:LINE: why, and nothing stored (or the database failed); 2 a bad\n"
    "command line or a file that is not CSV of these columns (one line on stderr).\n";

struct opts {
    const char *config, *db, *listen, *now;
    const char *threads;
    const char *email, *name, *role, *therapist, *password_file;
    const char *to, *from;
    const char *file; /* import: the one argument that is not an option */
    const char *locations;
    int force, quiet, dry_run, lived_in;
};

static int usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "knead %s: %s (see knead %s --help)\n", cmd, msg, cmd);
    return EXIT_USAGE;
}

/* Parses the options of one subcommand; returns -1 when main should exit
 * with *code (help printed, or a usage error). */
static int parse_opts(const char *cmd, int argc, char **argv, const char *allowed,
                      const char *usage, struct opts *o, int *code)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"db", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"now", required_argument, NULL, 'n'},
        {"threads", required_argument, NULL, 't'},
        {"force", no_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"email", required_argument, NULL, 'e'},
        {"name", required_argument, NULL, 'N'},
        {"role", required_argument, NULL, 'r'},
        {"therapist", required_argument, NULL, 'T'},
        {"password-file", required_argument, NULL, 'p'},
        {"to", required_argument, NULL, 'o'},
        {"from", required_argument, NULL, 'F'},
        {"dry-run", no_argument, NULL, 'D'},
        {"locations", required_argument, NULL, 'L'},
        {"lived-in", no_argument, NULL, 'I'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    int idx = -1;
    while ((c = getopt_long(argc, argv, ":h", longopts, &idx)) != -1) {
        char msg[160];
        if (c == 'h') {
            fputs(usage, stdout);
            *code = 0;
            return -1;
        }
        if (c == '?' || c == ':') {
            const char *bad = argv[optind - 1];
            snprintf(msg, sizeof msg, c == ':' ? "option %s needs a value" : "unknown option %s",
                     bad);
            *code = usage_error(cmd, msg);
            return -1;
        }
        if (!strchr(allowed, c)) {
            /* by its name: argv[optind - 1] is the value of "--to FILE" */
            snprintf(msg, sizeof msg, "option --%s does not apply to this command",
                     idx >= 0 ? longopts[idx].name : "?");
            *code = usage_error(cmd, msg);
            return -1;
        }
        switch (c) {
        case 'c': o->config = optarg; break;
        case 'd': o->db = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'n': o->now = optarg; break;
        case 't': o->threads = optarg; break;
        case 'f': o->force = 1; break;
        case 'q': o->quiet = 1; break;
        case 'e': o->email = optarg; break;
        case 'N': o->name = optarg; break;
        case 'r': o->role = optarg; break;
        case 'T': o->therapist = optarg; break;
        case 'p': o->password_file = optarg; break;
        case 'o': o->to = optarg; break;
        case 'F': o->from = optarg; break;
        case 'D': o->dry_run = 1; break;
        case 'L': o->locations = optarg; break;
        case 'I':
            o->lived_in = 1;
            break;
        }
    }
    /* '@' in allowed: the command takes one argument that is not an option */
    if (strchr(allowed, '@') && optind == argc - 1) {
        o->file = argv[optind];
        return 0;
    }
    if (optind < argc) {
        char msg[160];
        snprintf(msg, sizeof msg, "unexpected argument '%s'", argv[optind]);
        *code = usage_error(cmd, msg);
        return -1;
    }
    return 0;
}

/* Defaults, then the config file, then flags.  Returns 0 or EXIT_USAGE. */
static int settle_config(const char *cmd, const struct opts *o, struct cfg *c)
{
    char err[768];
    cfg_defaults(c);
    if (o->config && cfg_load_file(c, o->config, err, sizeof err) < 0) {
        fprintf(stderr, "knead %s: config %s\n", cmd, err);
        return EXIT_USAGE;
    }
    if ((o->db && cfg_set(c, "database", "path", o->db, err, sizeof err) < 0) ||
        (o->listen && cfg_set(c, "server", "listen", o->listen, err, sizeof err) < 0) ||
        (o->threads && cfg_set(c, "server", "threads", o->threads, err, sizeof err) < 0)) {
        fprintf(stderr, "knead %s: %s\n", cmd, err);
        return EXIT_USAGE;
    }
    return 0;
}

static int cmd_migrate(struct app *app)
{
    struct err e = {0};
    int applied = 0, version = 0;
    if (store_open(app->cfg.db_path, 1, &app->store, &e) != E_OK ||
        store_migrate(app->store, &applied, &e) != E_OK ||
        store_version(app->store, &version, &e) != E_OK) {
        fprintf(stderr, "knead migrate: %s: %s\n", store_shown(app->cfg.db_path), e.msg);
        return 1;
    }
    printf("%s: schema version %d (%d migration%s applied)\n", store_shown(app->cfg.db_path), version, applied,
           applied == 1 ? "" : "s");
    return 0;
}

static int cmd_demo(struct app *app, const struct opts *o)
{
    char err[1024];
    struct err e = {0};
    int locations = 1;
    if (o->locations && num_parse_int(o->locations, 1, DEMO_MAX_LOCATIONS, &locations) < 0) {
        snprintf(err, sizeof err, "--locations must be a number from 1 to %d, not '%.40s'",
                 DEMO_MAX_LOCATIONS, o->locations);
        return usage_error("demo", err);
    }
    if (o->now && !o->lived_in)
        return usage_error("demo", "--now dates the data of --lived-in; give both or neither");
    if (o->now) {
        int64_t now;
        int off;
        if (dt_parse_rfc3339(o->now, &now, &off) < 0) {
            snprintf(err, sizeof err,
                     "--now '%.60s' is not an RFC 3339 time such as 2026-11-26T06:00:00-09:00",
                     o->now);
            return usage_error("demo", err);
        }
        clock_pin(now);
    }
    if (o->lived_in && app_load_tz(app, err, sizeof err) < 0) {
        fprintf(stderr, "knead demo: %s\n", err);
        return EXIT_USAGE;
    }
    if (app_open_store(app, 1, err, sizeof err) < 0) {
        fprintf(stderr, "knead demo: %s\n", err);
        return 1;
    }
    if (demo_seed_with(app->store, app->cfg.content_dir, o->force, locations,
                       o->lived_in ? app->tz : NULL, &e) != E_OK) {
        fprintf(stderr, "knead demo: %s: %s\n", store_shown(app->cfg.db_path), e.msg);
        return 1;
    }
    printf("%s: seeded the demo clinic %s%s%s\n", store_shown(app->cfg.db_path), app->cfg.name,
           locations > 1 ? " with a second location in Seattle" : "",
           o->lived_in ? ", lived in" : "");
    return 0;
}

/* Reads a password: the first line of a file, or from the terminal without echo. */
static int read_password(const char *file, char *buf, size_t size)
{
    FILE *f = file ? fopen(file, "r") : NULL;
    struct termios old, quiet;
    int tty = !file && isatty(STDIN_FILENO);
    if (file && !f)
        return -1;
    if (!file) {
        f = stdin;
        fprintf(stderr, "Password (at least 10 characters): ");
        if (tty && tcgetattr(STDIN_FILENO, &old) == 0) {
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
    }
    char *got = fgets(buf, (int)size, f);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (file)
        fclose(f);
    if (!got)
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static int cmd_user_add(struct app *app, const struct opts *o)
{
    char err[1024], pw[256];
    struct err e = {0};
    if (!o->email || !o->name || !o->role) {
        fprintf(stderr, "knead user add: --email, --name and --role are required (see knead user --help)\n");
        return EXIT_USAGE;
    }
    if (read_password(o->password_file, pw, sizeof pw) < 0) {
        fprintf(stderr, "knead user add: cannot read the password%s%s\n",
                o->password_file ? " from " : "", o->password_file ? o->password_file : "");
        return EXIT_USAGE;
    }
    if (app_open_existing_store(app, 1, err, sizeof err) < 0) {
        fprintf(stderr, "knead user add: %s\n", err);
        sodium_memzero(pw, sizeof pw);
        return 1;
    }
    enum err_code rc =
        account_create(app->store, o->email, o->name, o->role, o->therapist, pw, &e);
    sodium_memzero(pw, sizeof pw);
    if (rc != E_OK) {
        fprintf(stderr, "knead user add: %s\n", e.msg);
        return rc == E_INVALID ? EXIT_USAGE : 1;
    }
    printf("%s: added %s <%s> as %s\n", store_shown(app->cfg.db_path), o->name, o->email, o->role);
    return 0;
}

static int cmd_backup(struct app *app, const struct opts *o)
{
    char err[1024];
    struct err e = {0};
    struct stat st;
    int version = 0, code = 1;
    const char *db = app->cfg.db_path;
    if (!o->to)
        return usage_error("backup", "say where: --to FILE");
    if (store_is_url(db)) {
        fprintf(stderr, "knead backup: copies a SQLite file; back up PostgreSQL with pg_dump (or"
                        " the cluster's base backups and WAL archive)\n");
        return 1;
    }
    if (stat(db, &st) < 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "knead backup: there is no database at %s\n", db);
        return 1;
    }
    if (store_open(db, 1, &app->store, &e) != E_OK ||
        store_version(app->store, &version, &e) != E_OK) {
        fprintf(stderr, "knead backup: %s\n", e.msg);
        return 1;
    }
    if (version == 0) {
        fprintf(stderr, "knead backup: %s holds no Knead schema\n", db);
        return 1;
    }
    if (backup_to_file(app->store, o->to, o->force, err, sizeof err) < 0) {
        fprintf(stderr, "knead backup: %s\n", err);
        return 1;
    }
    printf("wrote %s (schema version %d) from %s\n", o->to, version, db);
    code = 0;
    return code;
}

static void copy_line(void *ctx, const char *table, int64_t rows, uint64_t checksum)
{
    (void)ctx;
    printf("%-24s %8lld rows  checksum %016llx  ok\n", table, (long long)rows,
           (unsigned long long)checksum);
}

/* knead copy --from PATH.db --to postgresql://... */
static int cmd_copy(const struct opts *o)
{
    struct err e = {0};
    if (!o->from)
        return usage_error("copy", "say which clinic: --from PATH.db");
    if (!o->to)
        return usage_error("copy", "say where: --to postgresql://USER@HOST/DB");
    if (!store_is_url(o->to))
        return usage_error("copy", "--to must be a PostgreSQL URL (postgresql://...)");
    if (store_is_url(o->from) || access(o->from, R_OK) != 0)
        return usage_error("copy", "--from must be a readable SQLite database file");
    if (store_copy(o->from, o->to, copy_line, NULL, &e) != E_OK) {
        fprintf(stderr, "knead copy: %s\n", e.msg);
        return 1;
    }
    printf("copied %s into the PostgreSQL database; every table's rows and checksum match\n",
           o->from);
    return 0;
}

static int cmd_restore(struct app *app, const struct opts *o)
{
    char err[1024];
    int version = 0;
    if (!o->from)
        return usage_error("restore", "say which backup: --from FILE");
    if (store_is_url(app->cfg.db_path)) {
        fprintf(stderr, "knead restore: replaces a SQLite file; restore a PostgreSQL database with"
                        " its own tools (pg_restore of a pg_dump, or the cluster's base backup),"
                        " or fill an empty one from a SQLite backup with knead copy; nothing was"
                        " changed\n");
        return 1;
    }
    if (backup_restore(o->from, app->cfg.db_path, &version, err, sizeof err) < 0) {
        fprintf(stderr, "knead restore: %s\n", err);
        return 1;
    }
    int latest = store_latest_version();
    if (version < latest)
        printf("restored %s into %s (schema version %d; knead migrate or knead serve brings it"
               " to %d)\n",
               o->from, app->cfg.db_path, version, latest);
    else
        printf("restored %s into %s (schema version %d)\n", o->from, app->cfg.db_path,
               version);
    return 0;
}

static int cmd_import(struct app *app, const struct opts *o, enum import_kind kind)
{
    char err[1024];
    struct err e = {0};
    struct import_result res;
    struct arena *a = NULL;
    struct db *db = NULL;
    char *data = NULL;
    size_t len = 0;
    int64_t now;
    int off, code = 1;
    const char *what = "appointment";

    if (!o->file) {
        fprintf(stderr, "knead import: name the CSV file (see knead import --help)\n");
        return EXIT_USAGE;
    }
    if (o->now) {
        if (dt_parse_rfc3339(o->now, &now, &off) < 0) {
            fprintf(stderr, "knead import: --now '%s' is not an RFC 3339 time such as "
                            "2026-11-26T06:00:00-09:00\n", o->now);
            return EXIT_USAGE;
        }
        clock_pin(now);
    }
    if (!(data = fs_read_file(o->file, IMPORT_MAX_BYTES, &len))) {
        fprintf(stderr, "knead import: %s: %s\n", o->file,
                errno == EFBIG ? "larger than 16 MiB (split it into parts)" : strerror(errno));
        return EXIT_USAGE;
    }
    if (app_load_tz(app, err, sizeof err) < 0 || app_open_existing_store(app, 2, err, sizeof err) < 0) {
        fprintf(stderr, "knead import: %s\n", err);
        goto done;
    }
    a = arena_new();
    db = db_acquire(app->store);
    struct booking_rules cfg = app_booking_rules(app);
    enum err_code rc = import_csv(db, a, app->sched, app->tz, &cfg, kind, data, len, o->dry_run,
                                  clock_now(), &res, &e);
    if (rc == E_INVALID) {
        fprintf(stderr, "knead import: %s: %s\n", o->file, e.msg);
        code = EXIT_USAGE;
        goto done;
    }
    if (rc != E_OK && rc != E_UNPROCESSABLE) {
        fprintf(stderr, "knead import: %s: %s\n", o->file, e.msg);
        goto done;
    }
    for (size_t i = 0; i < res.nproblems; i++)
        printf("%s:%d: %s\n", o->file, res.problems[i].line, res.problems[i].why);
    if (res.ignored[0])
        fprintf(stderr, "knead import: %s: columns not read: %s\n", o->file, res.ignored);
    if (rc == E_UNPROCESSABLE) {
        fprintf(stderr, "knead import: %s: %zu of %zu rows refused; nothing was stored\n",
                o->file, res.nproblems, res.rows);
        goto done;
    }
    if (kind == IMPORT_CLIENTS)
        printf("%s: %zu rows: %zu client%s %s, %zu already there%s\n", o->file, res.rows,
               res.added, res.added == 1 ? "" : "s", o->dry_run ? "would be added" : "added",
               res.present, o->dry_run ? " (dry run: nothing stored)" : "");
    else
        printf("%s: %zu rows: %zu %s%s %s%s\n", o->file, res.rows, res.added, what,
               res.added == 1 ? "" : "s", o->dry_run ? "would be booked" : "booked",
               o->dry_run ? " (dry run: nothing stored)" : "");
    code = 0;
done:
    if (db)
        db_release(db);
    arena_free(a);
    free(data);
    return code;
}

static int cmd_serve(struct app *app, const struct opts *o)
{
    char err[1024];
    struct srv *srv = NULL;
    struct mail *mail = NULL;
    struct pay_worker *payw = NULL;
    struct backup_rotor *rotor = NULL;
    sigset_t set;
    int sig = 0;

    if (o->now) {
        int64_t t;
        int off;
        if (dt_parse_rfc3339(o->now, &t, &off) < 0) {
            fprintf(stderr, "knead serve: --now '%s' is not an RFC 3339 time such as "
                            "2026-11-26T06:00:00-09:00\n", o->now);
            return EXIT_USAGE;
        }
        clock_pin(t);
    }
    if (app_load_tz(app, err, sizeof err) < 0) {
        fprintf(stderr, "knead serve: %s\n", err);
        return EXIT_USAGE;
    }
    /* The rotating backups copy a SQLite file.  On PostgreSQL each one would
     * fail in the background (an error in the log every few hours) while the
     * clinic believes it has backups: refused at the start instead. */
    if (app->cfg.backup_dir[0] && store_is_url(app->cfg.db_path)) {
        fprintf(stderr, "knead serve: [backup] dir copies a SQLite file; back up a PostgreSQL"
                        " database with pg_dump (or the cluster's base backups and WAL archive)"
                        " and remove [backup] dir from the configuration\n");
        return EXIT_USAGE;
    }
    int threads = app->cfg.threads > 0 ? app->cfg.threads : 0;
    /* A request thread that writes waits for its commit's flush (SQLite's
     * fsync of the WAL, PostgreSQL's WAL flush), and with PostgreSQL for a
     * round trip per statement, with its core free meanwhile: one thread per
     * core left the cores idle and let only as many bookings share a commit
     * as there were cores (bench/README.md, issue 14: on SQLite 745 bookings
     * a second, p99 23 ms, with one per core against 1,253, p99 11 ms, with
     * eight threads; reads cost 5-15 % more CPU each with eight).  Four per
     * core, at least 8, on both engines; [server] threads still decides
     * when set. */
    if (threads == 0) {
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        threads = ncpu > 0 && ncpu < 16 ? 4 * (int)ncpu : 64;
        if (threads < 8)
            threads = 8;
    }
    /* one connection per request thread, one spare, one each for the mail
     * worker and the reminder thread */
    struct srv_options so = {
        .listen = app->cfg.listen,
        .threads = threads,
        .routes = web_routes,
        .nroutes = web_nroutes,
        .error = web_error,
        .authorize = account_authorize,
        .app = app,
        .access_log = !o->quiet,
        .reuse_port = app->cfg.reuse_port,
        .shutdown_s = app->cfg.shutdown_seconds,
        .per_address = app->cfg.connections_per_address,
        .secure_cookies = app->cfg.secure_cookies,
        .trusted_proxies = (const char (*)[REQ_ADDR_MAX])app->cfg.trusted_proxies,
        .n_trusted_proxies = (size_t)app->cfg.n_trusted_proxies,
        .local_token = app->cfg.metrics_token,
    };
    if (app->cfg.metrics_token[0] && strlen(app->cfg.metrics_token) < 32) {
        fprintf(stderr, "knead serve: [metrics] token: at least 32 characters (e.g. from "
                        "openssl rand -hex 32)\n");
        return EXIT_USAGE;
    }
    app->metrics = http_metrics_new(web_routes, web_nroutes);
    so.metrics = app->metrics;
    /* one connection per request thread, one spare, one each for the mail
     * worker, the reminder thread, the backup thread, the render worker
     * (mail/render.c: a request waits for its pass while holding its own) and
     * the webhook worker (mail/whsend.c). The port is bound before anything
     * logs, so that a port in use is the one line on stderr. */
    if (app_open_existing_store(app, threads > 0 ? threads + 6 : 13, err, sizeof err) < 0 ||
        app_load_site(app, err, sizeof err) < 0 || srv_open(&so, &srv, err, sizeof err) < 0) {
        fprintf(stderr, "knead serve: %s\n", err);
        return 1;
    }
    if (smtp_global_init(err, sizeof err) < 0) {
        fprintf(stderr, "knead serve: %s\n", err);
        srv_stop(srv);
        return 1;
    }
    /* Block the stop signals before the server's threads start, so that only
     * this thread receives them, in sigwait below. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* after the mask, so that the mail worker does not take the signals either */
    if (mail_start(app, &mail, err, sizeof err) < 0) {
        fprintf(stderr, "knead serve: %s\n", err);
        srv_stop(srv);
        smtp_global_cleanup();
        return 1;
    }
    if (app->cfg.backup_dir[0] &&
        backup_rotor_start(app->store, app->cfg.backup_dir, app->cfg.backup_every_hours,
                           app->cfg.backup_keep, &rotor, err, sizeof err) < 0) {
        fprintf(stderr, "knead serve: %s\n", err);
        srv_stop(srv);
        mail_stop(mail);
        smtp_global_cleanup();
        return 1;
    }
    /* [payments]: the holds of unpaid deposits are released by this worker */
    const struct cfg *pc = &app->cfg;
    struct pay_provider prov = {pc->payments_base_url,
                                pc->payments_key,
                                pc->payments_webhook_secret,
                                pc->currency,
                                pc->payments_hold_minutes,
                                pc->payments_timeout_seconds < 5 ? pc->payments_timeout_seconds : 5,
                                pc->payments_timeout_seconds,
                                app->hooks.webhooks,
                                pc->name};
    if (pay_worker_start(app->store, &prov, &app->hooks, &payw, err, sizeof err) < 0) {
        fprintf(stderr, "knead serve: %s\n", err);
        srv_stop(srv);
        backup_rotor_stop(rotor);
        mail_stop(mail);
        smtp_global_cleanup();
        return 1;
    }
    if (srv_run(srv, err, sizeof err) < 0) {
        fprintf(stderr, "knead serve: %s\n", err);
        srv_stop(srv);
        pay_worker_stop(payw);
        backup_rotor_stop(rotor);
        mail_stop(mail);
        smtp_global_cleanup();
        return 1;
    }
    if (clock_pinned()) {
        char when[40];
        int64_t now = clock_now();
        if (dt_format_rfc3339(now, tz_offset_at(app->tz, now), when, sizeof when) == 0)
            snprintf(when, sizeof when, "%lld", (long long)now);
        log_warn("the clock is pinned to %s (--now): times are not real", when);
    }
    {
        char host[64];
        int port;
        srv_parse_listen(app->cfg.listen, host, sizeof host, &port);
        mail_listening(mail, host, srv_port(srv));
        log_info("serving %s on http://%s%s%s:%d/ (database %s, timezone %s, %d request threads)",
                 app->cfg.name, strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
                 srv_port(srv), store_shown(app->cfg.db_path), app->cfg.timezone,
                 srv_threads(srv));
    }
    while (sigwait(&set, &sig) != 0) {
    }
    log_info("received %s: no new connections; finishing the requests in flight (up to %d s)",
             sig == SIGINT ? "SIGINT" : "SIGTERM", app->cfg.shutdown_seconds);
    mail_stopping(mail); /* an SMTP transfer in flight is aborted now, not after the drain */
    int cut = srv_stop(srv);
    if (cut > 0)
        log_warn("%d request%s cut off: still running after [server] shutdown_seconds = %d", cut,
                 cut == 1 ? "" : "s", app->cfg.shutdown_seconds);
    pay_worker_stop(payw);
    backup_rotor_stop(rotor);
    mail_stop(mail);
    smtp_global_cleanup();
    log_info("stopped");
    return 0;
}

int main(int argc, char **argv)
{
    struct app app;
    struct opts o = {0};
    int code = 0;

    memset(&app, 0, sizeof app);
    if (sodium_init() < 0) {
        fprintf(stderr, "knead: libsodium could not start (no random source?)\n");
        return 1;
    }
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    char envmsg[160];
    if (account_pwhash_env_check(envmsg, sizeof envmsg) < 0) {
        fprintf(stderr, "knead: %s\n", envmsg);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("knead %s\n", KNEAD_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(cmd, "outbox") == 0)
        return outbox_cli_main(argc - 1, argv + 1);
    if (strcmp(cmd, "debug") == 0)
        return debug_cli_main(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0) {
        if (parse_opts(cmd, argc - 1, argv + 1, "cdlntq", usage_serve, &o, &code) < 0)
            return code;
    } else if (strcmp(cmd, "migrate") == 0) {
        if (parse_opts(cmd, argc - 1, argv + 1, "cd", usage_migrate, &o, &code) < 0)
            return code;
    } else if (strcmp(cmd, "user") == 0) {
        if (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
            fputs(usage_user, stdout);
            return 0;
        }
        if (argc < 3 || strcmp(argv[2], "add") != 0) {
            fprintf(stderr, "knead user: say 'knead user add ...' (see knead user --help)\n");
            return EXIT_USAGE;
        }
        if (parse_opts("user add", argc - 2, argv + 2, "cdeNrTp", usage_user, &o, &code) < 0)
            return code;
    } else if (strcmp(cmd, "backup") == 0) {
        if (parse_opts(cmd, argc - 1, argv + 1, "cdof", usage_backup, &o, &code) < 0)
            return code;
    } else if (strcmp(cmd, "restore") == 0) {
        if (parse_opts(cmd, argc - 1, argv + 1, "cdF", usage_restore, &o, &code) < 0)
            return code;
    } else if (strcmp(cmd, "copy") == 0) {
        if (parse_opts(cmd, argc - 1, argv + 1, "oF", usage_copy, &o, &code) < 0)
            return code;
        return cmd_copy(&o);
    } else if (strcmp(cmd, "import") == 0) {
        if (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
            fputs(usage_import, stdout);
            return 0;
        }
        if (argc < 3 || (strcmp(argv[2], "clients") != 0 && strcmp(argv[2], "appointments") != 0)) {
            fprintf(stderr, "knead import: say what: knead import clients|appointments FILE.csv"
                            " (see knead import --help)\n");
            return EXIT_USAGE;
        }
        if (parse_opts("import", argc - 2, argv + 2, "cdnD@", usage_import, &o, &code) < 0)
            return code;
    } else if (strcmp(cmd, "demo") == 0) {
        if (parse_opts(cmd, argc - 1, argv + 1, "cdfLIn", usage_demo, &o, &code) < 0)
            return code;
    } else {
        fprintf(stderr, "knead: unknown command '%s' (commands: serve, migrate, demo, user, outbox, backup, restore, copy, import, debug; see knead --help)\n",
                cmd);
        return EXIT_USAGE;
    }
    if ((code = settle_config(cmd, &o, &app.cfg)) != 0)
        return code;
    if (strcmp(cmd, "serve") == 0)
        code = cmd_serve(&app, &o);
    else if (strcmp(cmd, "migrate") == 0)
        code = cmd_migrate(&app);
    else if (strcmp(cmd, "user") == 0)
        code = cmd_user_add(&app, &o);
    else if (strcmp(cmd, "backup") == 0)
        code = cmd_backup(&app, &o);
    else if (strcmp(cmd, "restore") == 0)
        code = cmd_restore(&app, &o);
    else if (strcmp(cmd, "import") == 0)
        code = cmd_import(&app, &o,
                          strcmp(argv[2], "clients") == 0 ? IMPORT_CLIENTS : IMPORT_APPOINTMENTS);
    else
        code = cmd_demo(&app, &o);
    app_close(&app);
    return code;
}
