/* err — the project's error codes (STYLE rule 6).
 *
 * 0 is success.  Each code maps, in one table, to an HTTP status and to the
 * machine-readable `code` of an RFC 9457 problem document.  A message a person
 * can act on travels beside the code (struct err). */
#ifndef KNEAD_CORE_ERR_H
#define KNEAD_CORE_ERR_H

#include <stddef.h>

enum err_code {
    E_OK = 0,
    E_INVALID,      /* 400 malformed input */
    E_UNPROCESSABLE,/* 422 well-formed but not acceptable */
    E_NOTFOUND,     /* 404 */
    E_METHOD,       /* 405 */
    E_CONFLICT,     /* 409 */
    E_TOOLARGE,     /* 413 */
    E_FORBIDDEN,    /* 403 */
    E_UNAUTHORIZED, /* 401 */
    E_TOOMANY,      /* 429 */
    E_UNAVAILABLE,  /* 503 e.g. the database cannot be reached */
    E_INTERNAL,     /* 500 */
    E_RETRY,        /* 503 a transaction lost a race with another (a serialisation
                     * failure); db_tx runs it again, so it rarely travels further */
    E__COUNT
};

/* An error with a message; msg is empty on success. */
struct err {
    enum err_code code;
    const char *problem; /* machine code for the API, e.g. "bad_request"; NULL = default */
    char msg[256];
};

/* HTTP status for a code (E_OK → 200).  Can't fail. */
int err_http_status(enum err_code code);
/* Default machine-readable problem code ("bad_request", "not_found", ...). */
const char *err_problem(enum err_code code);
/* Default problem code for an HTTP status ("not_found", "unsupported_media_type"). */
const char *err_status_problem(int status);
/* Reason phrase for an HTTP status ("Not Found"); "Error" when unknown. */
const char *err_http_reason(int status);
/* Sets e (if non-NULL) and returns code, so callers can `return err_set(...)`. */
enum err_code err_set(struct err *e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
