/* content — the article files in content/articles/ (one .md file each),
 * which `knead demo` seeds into the database; the site serves articles from
 * the store (they are edited at /admin/articles), never from these files.
 *
 * Each file is front matter between "---" lines ("key: value": title, slug,
 * order, summary, image, image_alt) and then Markdown, rendered with md4c
 * (raw HTML off).  content_load sorts them by `order`. */
#ifndef KNEAD_WEB_CONTENT_H
#define KNEAD_WEB_CONTENT_H

#include <stddef.h>

struct article {
    char *slug, *title, *summary, *image, *image_alt;
    char *body_md; /* the Markdown after the front matter */
    char *html;    /* rendered body */
    int order;
    int reading_minutes;
};

struct content {
    struct article *articles;
    size_t n;
};

/* Parses one article from text (pure; no I/O).  Fills *out with heap strings
 * (release with content_article_release).  Returns 0, or -1 with a message
 * naming the problem (missing front matter, missing or bad key). */
int content_parse_article(const char *text, size_t len, struct article *out, char *err,
                          size_t errlen);
void content_article_release(struct article *a);

/* Loads every *.md in dir/articles (a missing folder means no articles).
 * Returns 0 and a content the caller frees with content_free, or -1 with a
 * message naming the file.  Duplicate slugs are an error. */
int content_load(const char *dir, struct content **out, char *err, size_t errlen);
void content_free(struct content *c);

/* Minutes to read Markdown text (words / 200, at least 1). */
int content_reading_minutes(const char *md);

/* The article with that slug, or NULL; *index gets its position. */
const struct article *content_find(const struct content *c, const char *slug, size_t *index);

#endif
