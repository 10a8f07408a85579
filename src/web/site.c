/* site — handlers of the public pages.  Each reads from the store (articles
 * included) or the
 * static files, builds a template context and renders; no rules here.
 * What an anonymous visitor sees of /, /services, /therapists, a therapist,
 * /articles and an article is rendered once per data version and minute and
 * kept (from_cache, keep); a signed-in visitor's header names them, so
 * theirs is rendered each time. */
#include "web/site.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "store/store.h"
#include "svc/when.h"
#include "util/blobcache.h"
#include "util/clock.h"
#include "util/log.h"
#include "web/book.h"
#include "web/content.h"
#include "web/page.h"
#include "web/static.h"

/* The cache key of a public page, or none (ok = 0). */
struct page_key {
    char s[256];
    int ok;
};

/* For an anonymous visitor a public page is a function of the clinic's data
 * (clinic_version: services, therapists, rooms, hours, rules, articles), the
 * appointments (the next openings it shows: appointments_version), which
 * page, and the minute of "now" (slot starts, notice and horizon are whole
 * minutes, so the openings cannot change within one, as for the slot cache
 * of svc/booking.c).  The config is fixed for the process.  Answers from the
 * cache and returns 1 when the key is held; else fills k for keep(). */
static int from_cache(struct req *r, const char *page, const char *arg, struct page_key *k)
{
    int64_t cv = 0, av = 0;
    struct err e = {0};
    void *v = NULL;
    size_t len = 0;
    k->ok = 0;
    if (r->user || db_versions(web_db(r), &cv, &av, &e) != E_OK)
        return 0; /* a store error: the handler meets it again and says so */
    int n = snprintf(k->s, sizeof k->s, "page\x1f%s\x1f%s\x1f%lld\x1f%lld\x1f%lld", page,
                     arg ? arg : "", (long long)cv, (long long)av,
                     (long long)(clock_now() / 60));
    if (n < 0 || (size_t)n >= sizeof k->s)
        return 0;
    k->ok = 1;
    /* gzip (kept compressed beside the page), or the plain page */
    if (page_send_kept(r, r->app->fragments, "text/html; charset=utf-8", k->s, NULL, 0))
        return 1;
    if (!blobcache_get(r->app->fragments, k->s, r->arena, &v, &len))
        return 0;
    /* v is in r's arena, freed after the answer is sent */
    return page_send_kept(r, r->app->fragments, "text/html; charset=utf-8", k->s, v, len);
}

/* Keeps the page just rendered under k: a 200 that set no cookie. */
static void keep(struct req *r, const struct page_key *k)
{
    if (!k->ok || r->resp.status != 200 || r->resp.static_body || r->resp.body.err ||
        !r->resp.body.buf)
        return;
    for (size_t i = 0; i < r->resp.headers.n; i++)
        if (strcasecmp(r->resp.headers.items[i].key, "Set-Cookie") == 0)
            return;
    blobcache_put(r->app->fragments, k->s, r->resp.body.buf, r->resp.body.len);
    page_send_fresh(r, r->app->fragments, k->s);
}

static const char *const weekday_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                             "Thursday", "Friday", "Saturday"};

static json_t *service_json(struct req *r, const struct service *s)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:s}", "id", s->id, "name", s->name,
                     "description", s->description, "duration_minutes", s->duration_min,
                     "price_cents", s->price_cents, "price", web_price(r, s->price_cents), "url",
                     arena_printf(r->arena, "/services#%s", s->id));
}

static json_t *therapist_json(struct req *r, const struct therapist *t)
{
    const char *sp = strchr(t->name, ' ');
    const char *first = sp ? arena_printf(r->arena, "%.*s", (int)(sp - t->name), t->name) : t->name;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", t->id, "name",
                          t->name, "title", t->title, "bio", t->bio, "photo", t->photo,
                          "photo_alt", t->photo_alt, "url",
                          arena_printf(r->arena, "/therapists/%s", t->id), "first_name", first,
                          "book_with_url", arena_printf(r->arena, "/book?therapist=%s", t->id));
    book_add_person(r, t, o);
    return o;
}

static json_t *article_json(struct req *r, const struct article_row *a)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "slug", a->slug, "title", a->title,
                     "summary", a->summary, "image", a->image, "image_alt", a->image_alt, "url",
                     arena_printf(r->arena, "/articles/%s", a->slug));
}

static int add_services(struct req *r, json_t *ctx, struct err *e)
{
    struct service *sv;
    size_t n;
    if (db_services(web_db(r), r->arena, 1, &sv, &n, e) != E_OK)
        return -1;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, service_json(r, &sv[i]));
    json_object_set_new(ctx, "services", list);
    return 0;
}

static int add_therapists(struct req *r, json_t *ctx, struct err *e)
{
    struct therapist *th;
    size_t n;
    if (db_therapists(web_db(r), r->arena, 1, &th, &n, e) != E_OK)
        return -1;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, therapist_json(r, &th[i]));
    json_object_set_new(ctx, "therapists", list);
    return 0;
}

/* The published articles, in order, from the store. */
static int add_articles(struct req *r, json_t *ctx, struct err *e)
{
    struct article_row *arts;
    size_t n;
    if (db_articles(web_db(r), r->arena, 1, &arts, &n, e) != E_OK)
        return -1;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, article_json(r, &arts[i]));
    json_object_set_new(ctx, "articles", list);
    return 0;
}

void site_home(struct req *r)
{
    struct err e = {0};
    struct page_key k;
    if (from_cache(r, "home", NULL, &k))
        return;
    json_t *ctx = page_context(r, r->app->cfg.name, NULL, "home");
    if (add_services(r, ctx, &e) < 0 || add_therapists(r, ctx, &e) < 0 ||
        add_articles(r, ctx, &e) < 0) {
        web_fail(r, &e);
        return;
    }
    book_add_openings(r, ctx);
    page_render(r, 200, "home", ctx);
    keep(r, &k);
}

void site_services(struct req *r)
{
    struct err e = {0};
    struct page_key k;
    if (from_cache(r, "services", NULL, &k))
        return;
    json_t *ctx = page_context(r, "Services and prices",
                               "Deep-tissue and other massage sessions, their length and price.",
                               "services");
    if (add_services(r, ctx, &e) < 0) {
        web_fail(r, &e);
        return;
    }
    book_add_openings(r, ctx);
    page_render(r, 200, "services", ctx);
    keep(r, &k);
}

void site_therapists(struct req *r)
{
    struct err e = {0};
    struct page_key k;
    if (from_cache(r, "therapists", NULL, &k))
        return;
    json_t *ctx = page_context(r, "Our therapists", "The licensed massage therapists of the clinic.",
                               "therapists");
    if (add_therapists(r, ctx, &e) < 0) {
        web_fail(r, &e);
        return;
    }
    page_render(r, 200, "therapists", ctx);
    keep(r, &k);
}

/* "9:00 AM", "12:30 PM" from minutes after midnight. */
static const char *clock_12h(struct req *r, int min)
{
    return when_minutes(r->arena, min); /* the one wording, svc/when */
}

void site_therapist(struct req *r)
{
    struct err e = {0};
    struct therapist t;
    struct therapist_week w;
    struct service *sv;
    struct location *locs;
    size_t nsv, nl;
    const char *id = req_param(r, 0);
    struct db *db = web_db(r);
    struct page_key pk;

    if (from_cache(r, "therapist", id, &pk))
        return;
    if (db_therapist(db, r->arena, id, &t, &e) != E_OK || !t.active) {
        if (e.code == E_OK || e.code == E_NOTFOUND)
            web_error(r, 404, NULL, "We have no therapist at this address.");
        else
            web_fail(r, &e);
        return;
    }
    if (db_therapist_week(db, r->arena, id, &w, &e) != E_OK ||
        db_services(db, r->arena, 1, &sv, &nsv, &e) != E_OK ||
        db_locations(db, r->arena, &locs, &nl, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *ctx = page_context(r, t.name, t.bio, "therapists");
    json_t *tj = therapist_json(r, &t);
    json_t *services = json_array();
    for (size_t i = 0; i < t.nservices; i++)
        for (size_t k = 0; k < nsv; k++)
            if (strcmp(sv[k].id, t.service_ids[i]) == 0)
                json_array_append_new(services, service_json(r, &sv[k]));
    json_object_set_new(tj, "services", services);
    json_t *hours = json_array();
    /* Monday first, Sunday last: the order people read a week in. */
    for (int k = 1; k <= 7; k++) {
        int wd = k % 7;
        for (size_t i = 0; i < w.nwork; i++) {
            if (w.work[i].weekday != wd)
                continue;
            const char *brk = "", *where = "";
            for (size_t l = 0; l < nl; l++)
                if (locs[l].id == w.work[i].location_id)
                    where = locs[l].name;
            for (size_t b = 0; b < w.nbreaks; b++)
                if (w.breaks[b].weekday == wd &&
                    w.breaks[b].location_id == w.work[i].location_id &&
                    w.breaks[b].start_min >= w.work[i].start_min &&
                    w.breaks[b].end_min <= w.work[i].end_min)
                    brk = arena_printf(r->arena, "%s – %s", clock_12h(r, w.breaks[b].start_min),
                                       clock_12h(r, w.breaks[b].end_min));
            json_array_append_new(
                hours, json_pack("{s:s, s:s, s:s, s:s}", "day", weekday_names[wd], "hours",
                                 arena_printf(r->arena, "%s – %s", clock_12h(r, w.work[i].start_min),
                                              clock_12h(r, w.work[i].end_min)),
                                 "break", brk, "where", where));
        }
    }
    json_object_set_new(tj, "hours", hours);
    /* with several locations: where she works, each with its address and
     * zone (her hours are on each location's clock) */
    json_t *places = json_array();
    for (size_t l = 0; nl > 1 && l < nl; l++) {
        int here = 0;
        for (size_t i = 0; i < w.nwork; i++)
            here |= w.work[i].location_id == locs[l].id;
        if (here)
            json_array_append_new(places, web_location_json(r, &locs[l]));
    }
    json_object_set_new(ctx, "multi_location", json_boolean(nl > 1));
    json_object_set_new(ctx, "places", places);
    json_object_set_new(ctx, "therapist", tj);
    page_render(r, 200, "therapist", ctx);
    keep(r, &pk);
}

void site_articles(struct req *r)
{
    struct err e = {0};
    struct page_key k;
    if (from_cache(r, "articles", NULL, &k))
        return;
    json_t *ctx = page_context(r, "Articles", "What massage can do, and when to see a doctor first.",
                               "articles");
    if (add_articles(r, ctx, &e) < 0) {
        web_fail(r, &e);
        return;
    }
    page_render(r, 200, "articles", ctx);
    keep(r, &k);
}

/* One published article.  Its HTML was rendered from the Markdown when it
 * was saved (web/admin_articles.c stores body_html), so a page view only
 * reads it; previous/next are its neighbours by position among the
 * published articles.  An unpublished or unknown slug is a 404. */
void site_article(struct req *r)
{
    struct err e = {0};
    struct article_row *arts;
    size_t n, i;
    struct page_key k;
    if (from_cache(r, "article", req_param(r, 0), &k))
        return;
    if (db_articles(web_db(r), r->arena, 1, &arts, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    const char *slug = req_param(r, 0);
    for (i = 0; i < n && strcmp(arts[i].slug, slug) != 0; i++)
        ;
    if (i == n) {
        web_error(r, 404, NULL, "We have no article at this address.");
        return;
    }
    const struct article_row *a = &arts[i];
    json_t *ctx = page_context(r, a->title, a->summary, "articles");
    json_t *aj = article_json(r, a);
    json_object_set_new(aj, "html", json_string(a->body_html));
    json_object_set_new(aj, "reading_minutes", json_integer(content_reading_minutes(a->body_md)));
    json_object_set_new(ctx, "article", aj);
    book_add_openings(r, ctx);
    if (i > 0)
        json_object_set_new(ctx, "prev", article_json(r, &arts[i - 1]));
    if (i + 1 < n)
        json_object_set_new(ctx, "next", article_json(r, &arts[i + 1]));
    page_render(r, 200, "article", ctx);
    keep(r, &k);
}

/* A static file from memory: its gzip form (compressed once at load) for a
 * client that accepts it, each form with its own ETag; Vary whenever the
 * file has both forms, so a cache keeps them apart. */
static void send_static(struct req *r, const struct static_file *f)
{
    const char *inm = req_header(r, "If-None-Match");
    int gz = f->gz && req_accepts_gzip(r);
    const char *etag = gz ? f->gz_etag : f->etag;
    resp_header(r, "ETag", etag);
    resp_header(r, "Cache-Control", "public, max-age=3600");
    if (f->gz)
        resp_header(r, "Vary", "Accept-Encoding");
    if (inm && (strstr(inm, etag) || strcmp(inm, "*") == 0)) {
        resp_start(r, 304, NULL);
        return;
    }
    resp_start(r, 200, f->type);
    if (gz)
        resp_header(r, "Content-Encoding", "gzip");
    r->resp.static_body = gz ? f->gz : f->data;
    r->resp.static_len = gz ? f->gzlen : f->len;
}

void site_static(struct req *r)
{
    const struct static_file *f = static_find(r->app->statics, req_param(r, 0));
    if (!f) {
        web_error(r, 404, NULL, "There is no such file.");
        return;
    }
    send_static(r, f);
}

void site_openapi(struct req *r)
{
    const struct static_file *f = static_find(r->app->statics, "api/openapi.json");
    if (!f) {
        web_error(r, 404, NULL, "The API description is not installed (static/api/openapi.json).");
        return;
    }
    send_static(r, f);
}

void site_favicon(struct req *r)
{
    const struct static_file *f = static_find(r->app->statics, "favicon.svg");
    if (!f) {
        web_error(r, 404, NULL, "There is no icon.");
        return;
    }
    send_static(r, f);
}

/* 200 "ok"; 200 "degraded" while writes fail (reads still work, so a load
 * balancer keeps the server; a monitor reads the body); 503 "fail" when
 * the database cannot even be read.
 *
 * The database is read at most once a second: an answer that read it
 * successfully is kept (app->fragments) under the second of the monotonic
 * clock it was made in and the state of the writes, so a burst of checks
 * (a load balancer, a benchmark of the transport) costs what a static file
 * costs.  A failed read is never kept: while the database cannot be read
 * every check reads it again, and the first that succeeds says so.  The
 * schema version is read, not remembered for the process's life, because
 * it can change under a running server (`knead migrate` of a newer binary
 * against its database before the restart); it shows within a second. */
void site_healthz(struct req *r)
{
    static const char *const writes_text[] = {
        [STORE_WRITES_OK] = "ok",
        [STORE_WRITES_BUSY] = "failing: the database is busy (its write lock is held elsewhere)",
        [STORE_WRITES_FULL] = "failing: the database is full (disk or [database] max_size_mb)",
        [STORE_WRITES_READONLY] = "failing: the database file is read-only",
        [STORE_WRITES_IOERR] = "failing: disk errors",
    };
    struct err e = {0};
    int version = 0;
    enum store_writes w = store_writes(r->app->store);
    int64_t t0 = clock_mono_us();
    char key[64];
    void *kept = NULL;
    size_t kept_len = 0;
    snprintf(key, sizeof key, "healthz\x1f%d\x1f%lld", (int)w, (long long)(t0 / 1000000));
    resp_header(r, "Cache-Control", "no-store");
    if (blobcache_get(r->app->fragments, key, r->arena, &kept, &kept_len)) {
        resp_start(r, 200, "application/json");
        r->resp.static_body = kept; /* in r's arena, freed after the answer is sent */
        r->resp.static_len = kept_len;
        return;
    }
    enum err_code rc = db_schema_version(web_db(r), &version, &e);
    const char *status = rc != E_OK ? "fail" : w != STORE_WRITES_OK ? "degraded" : "ok";
    json_t *v = json_pack("{s:s, s:{s:s, s:s, s:i, s:I}, s:s}", "status", status, "database",
                          "status",
                          rc == E_OK ? "ok"
                          : rc == E_UNAVAILABLE ? e.msg
                                                : "the database cannot be read (see the log)",
                          "writes", writes_text[w], "schema_version", version, "latency_us",
                          (json_int_t)(clock_mono_us() - t0), "version", KNEAD_VERSION);
    if (rc != E_OK && rc != E_UNAVAILABLE)
        log_error("healthz: %s", e.msg);
    web_json(r, rc == E_OK ? 200 : 503, v);
    if (rc == E_OK && !r->resp.body.err)
        blobcache_put(r->app->fragments, key, r->resp.body.buf, r->resp.body.len);
}
