/* content — parses and renders the Markdown article files that `knead demo`
 * seeds into the store. */
#include "web/content.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "util/mem.h"
#include "util/num.h"
#include "util/sb.h"
#include "view/md.h"

#define MAX_ARTICLE (512 * 1024)
#define WORDS_PER_MINUTE 200

void content_article_release(struct article *a)
{
    free(a->slug);
    free(a->title);
    free(a->summary);
    free(a->image);
    free(a->image_alt);
    free(a->body_md);
    free(a->html);
    memset(a, 0, sizeof *a);
}

static int slug_ok(const char *s)
{
    if (!*s || strlen(s) > 100)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return 0;
    return 1;
}

static size_t count_words(const char *s, size_t len)
{
    size_t words = 0;
    int in = 0;
    for (size_t i = 0; i < len; i++) {
        int space = s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r';
        if (!space && !in)
            words++;
        in = !space;
    }
    return words;
}

int content_parse_article(const char *text, size_t len, struct article *out, char *err,
                          size_t errlen)
{
    struct article a = {0};
    const char *p = text, *end = text + len;
    int have_order = 0;
    struct sb html = SB_INIT;

    if (len < 4 || strncmp(p, "---\n", 4) != 0) {
        snprintf(err, errlen, "must start with a '---' front-matter line");
        goto fail;
    }
    p += 4;
    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            snprintf(err, errlen, "front matter is not closed with '---'");
            goto fail;
        }
        size_t ll = (size_t)(nl - p);
        if (ll == 3 && strncmp(p, "---", 3) == 0) {
            p = nl + 1;
            break;
        }
        const char *colon = memchr(p, ':', ll);
        if (!colon) {
            snprintf(err, errlen, "front matter line '%.*s' is not 'key: value'",
                     (int)(ll > 60 ? 60 : ll), p);
            goto fail;
        }
        size_t kl = (size_t)(colon - p);
        const char *v = colon + 1;
        while (v < nl && *v == ' ')
            v++;
        char *val = xstrndup(v, (size_t)(nl - v));
        char **slot = NULL;
        if (kl == 5 && strncmp(p, "title", 5) == 0)
            slot = &a.title;
        else if (kl == 4 && strncmp(p, "slug", 4) == 0)
            slot = &a.slug;
        else if (kl == 7 && strncmp(p, "summary", 7) == 0)
            slot = &a.summary;
        else if (kl == 5 && strncmp(p, "image", 5) == 0)
            slot = &a.image;
        else if (kl == 9 && strncmp(p, "image_alt", 9) == 0)
            slot = &a.image_alt;
        else if (kl == 5 && strncmp(p, "order", 5) == 0) {
            int rc = num_parse_int(val, 0, 100000, &a.order);
            free(val);
            if (rc < 0) {
                snprintf(err, errlen, "order must be a whole number from 0 to 100000");
                goto fail;
            }
            have_order = 1;
            p = nl + 1;
            continue;
        } else {
            snprintf(err, errlen, "unknown front matter key '%.*s'", (int)(kl > 40 ? 40 : kl), p);
            free(val);
            goto fail;
        }
        free(*slot);
        *slot = val;
        p = nl + 1;
    }
    if (!a.title || !*a.title) {
        snprintf(err, errlen, "front matter needs a title");
        goto fail;
    }
    if (!a.slug || !slug_ok(a.slug)) {
        snprintf(err, errlen, "front matter needs a slug of a-z, 0-9 and '-'");
        goto fail;
    }
    if (!have_order) {
        snprintf(err, errlen, "front matter needs an order");
        goto fail;
    }
    if (a.image && *a.image && (!a.image_alt || !*a.image_alt)) {
        snprintf(err, errlen, "an image needs image_alt text");
        goto fail;
    }
    if (!a.summary)
        a.summary = xstrdup("");
    if (!a.image)
        a.image = xstrdup("");
    if (!a.image_alt)
        a.image_alt = xstrdup("");
    if (md_render(p, (size_t)(end - p), &html) < 0 || html.err) {
        snprintf(err, errlen, "the Markdown could not be rendered");
        goto fail;
    }
    a.html = sb_detach(&html, NULL);
    a.body_md = xstrndup(p, (size_t)(end - p));
    a.reading_minutes = content_reading_minutes(a.body_md);
    *out = a;
    return 0;
fail:
    sb_release(&html);
    content_article_release(&a);
    return -1;
}

int content_reading_minutes(const char *md)
{
    size_t words = count_words(md, strlen(md));
    int m = (int)((words + WORDS_PER_MINUTE - 1) / WORDS_PER_MINUTE);
    return m < 1 ? 1 : m;
}

static int by_order(const void *x, const void *y)
{
    const struct article *a = x, *b = y;
    if (a->order != b->order)
        return a->order < b->order ? -1 : 1;
    return strcmp(a->slug, b->slug);
}

void content_free(struct content *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        content_article_release(&c->articles[i]);
    free(c->articles);
    free(c);
}

int content_load(const char *dir, struct content **out, char *err, size_t errlen)
{
    char path[2048];
    struct content *c = xcalloc(1, sizeof *c);
    size_t cap = 0;
    DIR *d;
    struct dirent *de;

    snprintf(path, sizeof path, "%s/articles", dir);
    d = opendir(path);
    if (!d) {
        *out = c; /* no articles folder: a clinic without articles */
        return 0;
    }
    while ((de = readdir(d))) {
        size_t nl = strlen(de->d_name);
        if (nl < 4 || strcmp(de->d_name + nl - 3, ".md") != 0 || de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/articles/%s", dir, de->d_name);
        size_t len;
        char *text = fs_read_file(path, MAX_ARTICLE, &len);
        if (!text) {
            snprintf(err, errlen, "%s: cannot read (missing or larger than %d bytes)", path,
                     MAX_ARTICLE);
            goto fail;
        }
        if (c->n == cap) {
            cap = cap ? cap * 2 : 8;
            c->articles = xrealloc(c->articles, cap * sizeof *c->articles);
        }
        char msg[256];
        int rc = content_parse_article(text, len, &c->articles[c->n], msg, sizeof msg);
        free(text);
        if (rc < 0) {
            snprintf(err, errlen, "%s: %s", path, msg);
            goto fail;
        }
        c->n++;
    }
    closedir(d);
    d = NULL;
    if (c->n)
        qsort(c->articles, c->n, sizeof *c->articles, by_order);
    for (size_t i = 1; i < c->n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->articles[i].slug, c->articles[j].slug) == 0) {
                snprintf(err, errlen, "%s/articles: two articles have the slug '%s'", dir,
                         c->articles[i].slug);
                goto fail;
            }
        }
    }
    *out = c;
    return 0;
fail:
    if (d)
        closedir(d);
    content_free(c);
    return -1;
}

const struct article *content_find(const struct content *c, const char *slug, size_t *index)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->articles[i].slug, slug) == 0) {
            if (index)
                *index = i;
            return &c->articles[i];
        }
    }
    return NULL;
}
