/* libFuzzer target: the request parsers (query/form decoding, paths, cookies)
 * must never crash, read out of bounds or leak on any input, and what they
 * accept must hold no NUL and be valid per their contracts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    struct kvlist l = {0};
    struct err e = {0};
    char *path = NULL;
    char *z = malloc(size + 1);

    memcpy(z, data, size);
    z[size] = '\0';
    if (req_parse_urlencoded(a, (const char *)data, size, &l, &e) == E_OK)
        for (size_t i = 0; i < l.n; i++)
            if (strlen(l.items[i].val) != l.items[i].vlen || !*l.items[i].key)
                abort();
    if (req_decode_path(a, (const char *)data, size, &path, &e) == E_OK)
        if (path[0] != '/' || strstr(path, "/../") || strstr(path, "/./"))
            abort();
    req_parse_cookies(a, z, &l);
    free(z);
    arena_free(a);
    return 0;
}
