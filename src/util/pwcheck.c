/* pwcheck — libpwquality with its defaults and our minimum length; the
 * system's /etc/security/pwquality.conf is not read, so a password accepted
 * here is accepted on every machine with the same dictionary. */
#include "util/pwcheck.h"

#include <pthread.h>
#include <pwquality.h>
#include <stddef.h>
#include <string.h>

#include "util/log.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static const char *message(int rc)
{
    switch (rc) {
    case PWQ_ERROR_CRACKLIB_CHECK:
        return "This password is too easy to guess: it is a common password or based on a "
               "dictionary word. Choose another, for example three or four unrelated words.";
    case PWQ_ERROR_USER_CHECK:
    case PWQ_ERROR_GECOS_CHECK:
    case PWQ_ERROR_BAD_WORDS:
        return "This password contains your e-mail address or name. Choose another.";
    case PWQ_ERROR_PALINDROME:
        return "This password reads the same backwards. Choose another.";
    case PWQ_ERROR_MAX_CONSECUTIVE:
    case PWQ_ERROR_MAX_SEQUENCE:
    case PWQ_ERROR_MAX_CLASS_REPEAT:
        return "This password repeats one character or a sequence too often. Choose another.";
    default:
        return "This password is too easy to guess. Choose a longer one, for example three or "
               "four unrelated words.";
    }
}

/* A dictionary word with digits or symbols around it ("password2026",
 * "!letmein123") is as easy to guess as the word: cracklib's own rules miss
 * some, so the word alone is looked up too.  Returns 1 when it is one. */
static int word_with_padding(pwquality_settings_t *s, const char *pw)
{
    char stem[256];
    size_t n = strlen(pw), a = 0, b = n;
    while (a < n && !((pw[a] | 0x20) >= 'a' && (pw[a] | 0x20) <= 'z'))
        a++;
    while (b > a && !((pw[b - 1] | 0x20) >= 'a' && (pw[b - 1] | 0x20) <= 'z'))
        b--;
    if ((a == 0 && b == n) || b - a < 4 || b - a >= sizeof stem)
        return 0;
    memcpy(stem, pw + a, b - a);
    stem[b - a] = '\0';
    void *aux = NULL;
    if (pwquality_set_int_value(s, PWQ_SETTING_MIN_LENGTH, 6) != 0)
        return 0;
    int rc = pwquality_check(s, stem, NULL, NULL, &aux);
    return rc == PWQ_ERROR_CRACKLIB_CHECK || rc == PWQ_ERROR_MIN_LENGTH;
}

const char *pwcheck(const char *pw, const char *user)
{
    static int warned;
    const char *why = NULL;
    void *aux = NULL;
    pthread_mutex_lock(&lock);
    pwquality_settings_t *s = pwquality_default_settings();
    if (!s) {
        why = "The password could not be checked (out of memory). Try again.";
        goto done;
    }
    /* our own rule (core/auth) asks for 10 characters; pwquality's credits
     * would otherwise let a short password of many classes through */
    if (pwquality_set_int_value(s, PWQ_SETTING_MIN_LENGTH, 10) != 0 ||
        pwquality_set_int_value(s, PWQ_SETTING_DICT_CHECK, 1) != 0 ||
        pwquality_set_int_value(s, PWQ_SETTING_USER_CHECK, 1) != 0) {
        why = "The password could not be checked. Try again.";
        goto done;
    }
    int rc = pwquality_check(s, pw, NULL, user, &aux);
    if (rc == PWQ_ERROR_CRACKLIB_CHECK && aux && strstr(aux, "error loading dictionary")) {
        /* aux is cracklib's own (static) reason */
        if (!warned)
            log_error("pwcheck: the cracklib dictionary is missing (install cracklib-runtime)");
        warned = 1;
        why = "Passwords cannot be checked on this server right now (its word list is "
              "missing). Tell the clinic's administrator.";
    } else if (rc < 0) {
        why = message(rc);
    } else if (word_with_padding(s, pw)) {
        why = message(PWQ_ERROR_CRACKLIB_CHECK);
    }
done:
    pwquality_free_settings(s);
    pthread_mutex_unlock(&lock);
    return why;
}
