/* admin_articles — writing and editing articles (see admin_articles.h).
 *
 * The Markdown is rendered with md_render when an article is saved and the
 * HTML stored next to it (body_html): articles are read far more often than
 * they are written, and a page view then costs one query and no rendering,
 * with no cache to invalidate.  A preview renders the typed Markdown the
 * same way and stores nothing.  Slugs, titles and the image's alt text are
 * checked here; SQL constraints back them up. */
#include "web/admin_articles.h"

#include <ctype.h>
#include <string.h>

#include "app.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/num.h"
#include "util/sb.h"
#include "view/md.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/page.h"

#define MAX_BODY 60000 /* characters of Markdown; the form body is limited to 64 KiB */

/* ---- small helpers (the same shape as web/admin.c's) ---- */

/* An image address: a path on this site or an https URL, nothing that could
 * break out of an attribute. */
static int image_ok(const char *s)
{
    if (!((s[0] == '/' && s[1] != '/') || strncmp(s, "https://", 8) == 0))
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || strchr("\"'<>\\`", *s))
            return 0;
    return 1;
}

static int slug_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 100 && s[0] != '-' &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* Markdown to HTML on the arena; NULL if it cannot be rendered. */
static const char *to_html(struct req *r, const char *md)
{
    struct sb out = SB_INIT;
    if (md_render(md, strlen(md), &out) < 0 || out.err) {
        sb_release(&out);
        return NULL;
    }
    const char *html = arena_strdup(r->arena, out.buf);
    sb_release(&out);
    return html;
}

static const char *edit_url(struct req *r, const char *slug)
{
    return arena_printf(r->arena, "/admin/articles/%s", slug);
}

/* ---- the list ---- */

void admin_articles(struct req *r)
{
    struct err e = {0};
    struct article_row *arts;
    size_t n;
    if (db_articles(web_db(r), r->arena, 0, &arts, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:i, s:b, s:s, s:s, s:s}", "slug", arts[i].slug, "title",
                            arts[i].title, "position", arts[i].position, "published",
                            arts[i].published, "url", edit_url(r, arts[i].slug), "public_url",
                            arena_printf(r->arena, "/articles/%s", arts[i].slug), "updated",
                            arts[i].updated_at ? web_time(r, arts[i].updated_at) : ""));
    json_t *ctx = chrome_context(r, "Articles", "admin");
    json_object_set_new(ctx, "articles", list);
    form_render(r, 200, "admin/articles", ctx);
}

/* ---- the form ---- */

static json_t *form_of(const struct article_row *a)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b}", "slug", a->slug, "title",
                     a->title, "summary", a->summary, "image", a->image, "image_alt",
                     a->image_alt, "body", a->body_md, "position", a->position, "published",
                     a->published);
}

/* The form page: old_slug NULL for a new article; form holds the fields to
 * show; preview (may be NULL) is rendered HTML. */
static void article_page(struct req *r, int status, const char *old_slug, const char *old_title,
                         json_t *form, json_t *errors, const char *preview)
{
    web_keep(r, form);
    web_keep(r, errors);
    json_t *ctx = chrome_context(
        r, old_slug ? arena_printf(r->arena, "Edit %s", old_title) : "New article", "admin");
    json_object_set_new(ctx, "is_new", json_boolean(!old_slug));
    json_object_set_new(ctx, "action",
                        json_string(old_slug ? edit_url(r, old_slug) : "/admin/articles"));
    if (old_slug) {
        json_object_set_new(ctx, "old_slug", json_string(old_slug));
        json_object_set_new(ctx, "publish_url",
                            json_string(arena_printf(r->arena, "/admin/articles/%s/publish",
                                                     old_slug)));
    }
    json_object_set(ctx, "form", form);
    json_object_set(ctx, "errors", errors);
    if (preview)
        json_object_set_new(ctx, "preview", json_pack("{s:s}", "html", preview));
    form_render(r, status, "admin/article", ctx);
}

void admin_article_new(struct req *r)
{
    struct err e = {0};
    struct article_row *arts;
    size_t n;
    if (db_articles(web_db(r), r->arena, 0, &arts, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    struct article_row a = {"", "", "", "", "", "", "", 1, 0, 0};
    for (size_t i = 0; i < n; i++)
        if (arts[i].position >= a.position)
            a.position = arts[i].position + 1;
    article_page(r, 200, NULL, NULL, form_of(&a), json_object(), NULL);
}

void admin_article(struct req *r)
{
    struct err e = {0};
    struct article_row a;
    if (db_article(web_db(r), r->arena, req_param(r, 0), &a, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    article_page(r, 200, a.slug, a.title, form_of(&a), json_object(), NULL);
}

/* The typed fields, for showing the form again. */
static json_t *typed(struct req *r)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "slug", form_value(r, "slug"),
                     "title", form_value(r, "title"), "summary", form_value(r, "summary"), "image",
                     form_value(r, "image"), "image_alt", form_value(r, "image_alt"), "body",
                     form_value(r, "body"), "position", form_value(r, "position"), "published",
                     kv_get(&r->form, "published") != NULL);
}

static void article_submit(struct req *r, const char *old_slug)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct article_row old = {0}, a = {0};
    json_t *errors = web_keep(r, json_object());
    const char *action = form_value(r, "action");

    if (old_slug && db_article(db, r->arena, old_slug, &old, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    if (strcmp(action, "preview") != 0 && strcmp(action, "save") != 0) {
        web_error(r, 400, NULL, "Choose Preview or Save.");
        return;
    }
    a.slug = form_value(r, "slug");
    if (!*a.slug)
        form_error(errors, "slug", "Enter a slug, e.g. massage-after-surgery.");
    else if (!slug_ok(a.slug))
        form_error(errors, "slug", "Use 1 to 100 lowercase letters, digits and hyphens, starting with a "
                            "letter or digit.");
    else if (!old_slug || strcmp(old_slug, a.slug) != 0) {
        struct article_row dup;
        enum err_code rc = db_article(db, r->arena, a.slug, &dup, &e);
        if (rc == E_OK)
            form_error(errors, "slug", "Another article has this slug; choose another.");
        else if (rc != E_NOTFOUND) {
            web_fail(r, &e);
            return;
        }
    }
    a.title = form_text(r, errors, "title", "title", 1, 200);
    a.summary = form_text(r, errors, "summary", "summary", 0, 1000);
    a.image = form_text(r, errors, "image", "image address", 0, 500);
    a.image_alt = form_text(r, errors, "image_alt", "image description", 0, 300);
    if (*a.image && !image_ok(a.image))
        form_error(errors, "image", "The image address must start with / (a file on this site) or "
                             "https://, without spaces or quotes.");
    if (*a.image && form_blank(a.image_alt))
        form_error(errors, "image_alt", "Describe the image for people who cannot see it.");
    a.body_md = form_text(r, errors, "body", "article text", 1, MAX_BODY);
    if (num_parse_int(form_value(r, "position"), 0, 100000, &a.position) < 0)
        form_error(errors, "position", "The position must be a whole number from 0 to 100000.");
    a.published = kv_get(&r->form, "published") != NULL;
    a.updated_at = clock_now();
    a.body_html = to_html(r, a.body_md);
    if (!a.body_html)
        form_error(errors, "body", "This text could not be rendered; shorten it.");

    if (strcmp(action, "preview") == 0) {
        /* Nothing is stored; the field messages show what a save would refuse. */
        article_page(r, 200, old_slug, old.title, typed(r), json_incref(errors),
                     a.body_html ? a.body_html : "");
        return;
    }
    if (json_object_size(errors)) {
        article_page(r, 422, old_slug, old.title, typed(r), json_incref(errors), NULL);
        return;
    }
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_put_article(db, old_slug, &a, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    form_see_other(r, "/admin/articles?saved=1");
}

void admin_article_create(struct req *r)
{
    article_submit(r, NULL);
}

void admin_article_save(struct req *r)
{
    article_submit(r, req_param(r, 0));
}

void admin_article_publish(struct req *r)
{
    struct err e = {0};
    struct db *db = web_db(r);
    const char *v = form_value(r, "published");
    if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0) {
        web_error(r, 400, NULL, "Say whether to publish (1) or unpublish (0).");
        return;
    }
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK ||
        db_set_article_published(db, req_param(r, 0), v[0] == '1', clock_now(), &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    form_see_other(r, "/admin/articles?saved=1");
}
