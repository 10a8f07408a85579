/* phone — E.164 normalisation of entered phone numbers (see phone.h).  It
 * must not guess beyond the North American plan: a number it cannot place
 * gets no text message rather than one to a stranger. */
#include "core/phone.h"

#include <string.h>

int phone_e164(const char *in, char out[PHONE_E164_MAX])
{
    char digits[32];
    size_t n = 0;
    int plus = 0;
    const char *p = in;

    out[0] = '\0';
    while (*p == ' ')
        p++;
    if (*p == '+') {
        plus = 1;
        p++;
    }
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (n + 1 >= sizeof digits)
                return -1;
            digits[n++] = *p;
        } else if (!strchr(" .-/()", *p)) {
            return -1;
        }
    }
    digits[n] = '\0';
    if (!plus && n > 2 && digits[0] == '0' && digits[1] == '0') { /* 00 = international prefix */
        plus = 1;
        memmove(digits, digits + 2, n - 1);
        n -= 2;
    }
    if (plus) {
        if (n < 8 || n > 15 || digits[0] == '0')
            return -1;
        out[0] = '+';
        memcpy(out + 1, digits, n + 1);
        return 0;
    }
    const char *nanp = digits;
    if (n == 11 && digits[0] == '1')
        nanp = digits + 1;
    else if (n != 10)
        return -1;
    if (nanp[0] < '2' || nanp[3] < '2')
        return -1;
    out[0] = '+';
    out[1] = '1';
    memcpy(out + 2, nanp, 11);
    return 0;
}
