/* libFuzzer target: compiling a template from hostile text and rendering it
 * against a small context must never crash or leak. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/sb.h"
#include "view/tpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    struct tpl_engine *e = tpl_engine_new();
    struct sb out;
    sb_init(&out, 1 << 20);
    if (tpl_engine_add(e, "t", (const char *)data, size, err, sizeof err) == 0 &&
        tpl_engine_finish(e, err, sizeof err) == 0) {
        json_t *ctx = json_pack("{s:s, s:[{s:s},{s:i}], s:b, s:{s:s}}", "name", "<a&b>", "list",
                                "x", "1", "y", 2, "flag", 1, "obj", "k", "v");
        tpl_render(e, "t", ctx, &out, err, sizeof err);
        json_decref(ctx);
    }
    sb_release(&out);
    tpl_engine_free(e);
    return 0;
}
