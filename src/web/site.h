/* site — the public pages, the static files and /healthz. */
#ifndef KNEAD_WEB_SITE_H
#define KNEAD_WEB_SITE_H

#include "http/request.h"

void site_home(struct req *r);
void site_services(struct req *r);
void site_therapists(struct req *r);
void site_therapist(struct req *r);
void site_articles(struct req *r);
void site_article(struct req *r);
void site_static(struct req *r);
void site_favicon(struct req *r);
/* GET /api/v1/openapi.json: the OpenAPI 3.1 description of the API. */
void site_openapi(struct req *r);
void site_healthz(struct req *r);

#endif
