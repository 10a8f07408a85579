/* form — the helpers every form handler shares (see form.h). */
#include "web/form.h"

#include <ctype.h>
#include <string.h>

#include "view/esc.h"
#include "web/page.h"

const char *form_value(struct req *r, const char *key)
{
    const char *v = kv_get(&r->form, key);
    return v ? v : "";
}

int form_blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return 0;
    return 1;
}

size_t form_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

void form_error(json_t *errors, const char *key, const char *msg)
{
    if (!json_object_get(errors, key))
        json_object_set_new(errors, key, json_string(msg));
}

const char *form_text(struct req *r, json_t *errors, const char *key, const char *label,
                      int required, size_t max)
{
    const char *v = form_value(r, key);
    if (required && form_blank(v))
        form_error(errors, key, arena_printf(r->arena, "Enter the %s.", label));
    else if (form_chars(v) > max)
        form_error(errors, key,
                   arena_printf(r->arena, "The %s can be at most %zu characters.", label, max));
    return v;
}

void form_see_other(struct req *r, const char *location)
{
    resp_start(r, 303, "text/html; charset=utf-8");
    resp_header(r, "Location", location);
    sb_adds(&r->resp.body, "<!DOCTYPE html><title>See other</title><p><a href=\"");
    esc_html(&r->resp.body, location, strlen(location));
    sb_adds(&r->resp.body, "\">Continue</a></p>\n");
}

void form_render(struct req *r, int status, const char *tpl, json_t *ctx)
{
    if (status == 422)
        json_object_set_new(ctx, "invalid", json_true());
    if (kv_get(&r->query, "saved"))
        json_object_set_new(ctx, "saved", json_true());
    page_render(r, status, tpl, ctx);
    resp_header(r, "Cache-Control", "no-store");
}
