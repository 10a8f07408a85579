/* st_articles — the clinic's articles in the store.  Written once for every
 * driver: named queries through rows.h.  body_html is stored as rendered
 * when saved; nothing here renders or checks it. */
#include "store/rows.h"

static const struct col article_cols[] = {
    COL_TEXT(struct article_row, slug),      COL_TEXT(struct article_row, title),
    COL_TEXT(struct article_row, summary),   COL_TEXT(struct article_row, image),
    COL_TEXT(struct article_row, image_alt), COL_TEXT(struct article_row, body_md),
    COL_TEXT(struct article_row, body_html), COL_INT(struct article_row, position),
    COL_INT(struct article_row, published),  COL_I64(struct article_row, updated_at),
};

enum err_code db_articles(struct db *db, struct arena *a, int published_only,
                          struct article_row **out, size_t *n, struct err *e)
{
    return rows_list(db, a, published_only ? Q_ARTICLES_PUBLISHED : Q_ARTICLES, "list articles",
                     NOARGS, COLS(article_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_article(struct db *db, struct arena *a, const char *slug, struct article_row *out,
                         struct err *e)
{
    enum err_code rc =
        rows_one(db, a, Q_ARTICLE, "read article", ARGS(A_TEXT(slug)), COLS(article_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "there is no such article");
    return rc;
}

enum err_code db_put_article(struct db *db, const char *old_slug, const struct article_row *art,
                             struct err *e)
{
    /* ?1 is the slug to replace (unused by the insert, bound as NULL). */
    int64_t changed = 0;
    enum err_code rc =
        rows_exec(db, old_slug ? Q_UPDATE_ARTICLE : Q_ADD_ARTICLE, "save article",
                  ARGS(A_TEXT_OR_NULL(old_slug), A_TEXT(art->slug), A_TEXT(art->title),
                       A_TEXT(art->summary), A_TEXT(art->image), A_TEXT(art->image_alt),
                       A_TEXT(art->body_md), A_TEXT(art->body_html), A_I64(art->position),
                       A_I64(art->published ? 1 : 0), A_I64(art->updated_at)),
                  &changed, e);
    if (rc == E_OK && old_slug && changed == 0)
        return err_set(e, E_NOTFOUND, "there is no such article");
    return rc;
}

enum err_code db_set_article_published(struct db *db, const char *slug, int published, int64_t now,
                                       struct err *e)
{
    int64_t changed = 0;
    enum err_code rc =
        rows_exec(db, Q_SET_ARTICLE_PUBLISHED, "publish article",
                  ARGS(A_TEXT(slug), A_I64(published ? 1 : 0), A_I64(now)), &changed, e);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_NOTFOUND, "there is no such article");
    return rc;
}
