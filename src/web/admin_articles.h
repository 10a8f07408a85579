/* admin_articles — the articles under /admin/articles: the list with each
 * article's published state and position, a form to write or edit one in
 * Markdown with a preview, and publish/unpublish.  Every route is
 * ROUTE_ADMIN; forms are ROUTE_FORM | ROUTE_CSRF (checked by the dispatcher).
 *
 * The edit form posts action=preview (renders the Markdown into the same
 * page; nothing is stored) or action=save (validates every field; if any is
 * wrong, 422 with a message next to it and nothing stored; otherwise one
 * transaction and 303 to the list with ?saved=1). */
#ifndef KNEAD_WEB_ADMIN_ARTICLES_H
#define KNEAD_WEB_ADMIN_ARTICLES_H

#include "http/request.h"

void admin_articles(struct req *r);         /* GET /admin/articles */
void admin_article_new(struct req *r);      /* GET /admin/articles/new */
void admin_article_create(struct req *r);   /* POST /admin/articles */
void admin_article(struct req *r);          /* GET /admin/articles/{slug} */
void admin_article_save(struct req *r);     /* POST /admin/articles/{slug} */
void admin_article_publish(struct req *r);  /* POST /admin/articles/{slug}/publish (published=1|0) */

#endif
