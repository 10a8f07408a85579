/* texts — the SMS provider's inbound webhook: parses the reply, checks the
 * shared secret, hands the reply to svc/texts.  Must not decide what a reply
 * means (svc/texts does) nor send anything. */
#include "web/texts.h"

#include <sodium.h>
#include <string.h>

#include "app.h"
#include "http/request.h"
#include "store/store.h"
#include "svc/texts.h"
#include "util/clock.h"
#include "util/log.h"
#include "web/form.h"
#include "web/page.h"

void texts_inbound(struct req *r)
{
    struct err e = {0};
    const char *secret = req_param(r, 0), *want = r->app->cfg.sms_inbound_secret;
    size_t n = secret ? strlen(secret) : 0;
    /* the secret in constant time; no key configured = no webhook at all */
    if (!want[0] || n != strlen(want) || sodium_memcmp(secret, want, n) != 0) {
        web_error(r, 404, NULL, "There is no such page.");
        return;
    }
    enum texts_word word;
    enum err_code rc = texts_reply(web_db(r), form_value(r, "From"), form_value(r, "Body"),
                                   clock_now(), &word, &e);
    if (rc == E_UNPROCESSABLE) {
        web_error(r, 422, NULL, e.msg);
        return;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return;
    }
    if (word != TEXTS_OTHER)
        log_info("texts: a reply %s a number", word == TEXTS_STOP ? "opted out" : "opted in");
    resp_start(r, 200, "text/xml; charset=utf-8");
    sb_adds(&r->resp.body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");
}
