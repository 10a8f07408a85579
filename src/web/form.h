/* form — reading and checking submitted HTML forms, and answering them.
 * One place for what every page with a form needs: a field's value, a
 * per-field error map the templates show next to the field, length and
 * blank checks, the redirect after a successful POST. */
#ifndef KNEAD_WEB_FORM_H
#define KNEAD_WEB_FORM_H

#include <jansson.h>
#include <stddef.h>

#include "http/request.h"

/* The submitted value of key, "" when missing.  Can't fail. */
const char *form_value(struct req *r, const char *key);
/* 1 when s holds nothing but white space. */
int form_blank(const char *s);
/* Length in characters (UTF-8 code points; the parser refused invalid UTF-8). */
size_t form_chars(const char *s);
/* Records msg for key in errors unless key already has a message. */
void form_error(json_t *errors, const char *key, const char *msg);
/* A text field: required or not, at most max characters; records the error
 * ("Enter the <label>.") and returns the value either way. */
const char *form_text(struct req *r, json_t *errors, const char *key, const char *label,
                      int required, size_t max);
/* 303 See Other to location (a local path), with a small HTML body that
 * links there for clients that do not follow redirects. */
void form_see_other(struct req *r, const char *location);
/* Renders a back-office form page: status 422 sets "invalid" for the
 * summary line, ?saved sets "saved"; never cached. */
void form_render(struct req *r, int status, const char *tpl, json_t *ctx);

#endif
