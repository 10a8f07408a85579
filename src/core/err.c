/* err — the one table from error code to HTTP status and problem code. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
    int status;
    const char *problem;
} table[E__COUNT] = {
    [E_OK] = {200, "ok"},
    [E_INVALID] = {400, "bad_request"},
    [E_UNPROCESSABLE] = {422, "unprocessable"},
    [E_NOTFOUND] = {404, "not_found"},
    [E_METHOD] = {405, "method_not_allowed"},
    [E_CONFLICT] = {409, "conflict"},
    [E_TOOLARGE] = {413, "too_large"},
    [E_FORBIDDEN] = {403, "forbidden"},
    [E_UNAUTHORIZED] = {401, "unauthorized"},
    [E_TOOMANY] = {429, "too_many_requests"},
    [E_UNAVAILABLE] = {503, "unavailable"},
    [E_INTERNAL] = {500, "internal"},
    [E_RETRY] = {503, "unavailable"},
};

int err_http_status(enum err_code code)
{
    return (unsigned)code < E__COUNT ? table[code].status : 500;
}

const char *err_problem(enum err_code code)
{
    return (unsigned)code < E__COUNT ? table[code].problem : "internal";
}

const char *err_status_problem(int status)
{
    switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 413: return "too_large";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media_type";
    case 422: return "unprocessable";
    case 429: return "too_many_requests";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "bad_request";
    }
}

const char *err_http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

enum err_code err_set(struct err *e, enum err_code code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        e->code = code;
        e->problem = NULL;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}
