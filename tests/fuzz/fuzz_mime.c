/* libFuzzer target: any subject, name and body must give a message whose
 * header block is 7-bit with no bare CR or LF, no line over 998 octets, and
 * quoted-printable lines of at most 76 characters; or a refusal.  Never a
 * crash or a leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mime.h"
#include "util/sb.h"

static void check_lines(const char *s, size_t len, size_t max, int seven_bit)
{
    size_t line = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\r') {
            if (i + 1 >= len || s[i + 1] != '\n')
                abort(); /* a bare CR */
            i++;
            line = 0;
            continue;
        }
        if (s[i] == '\n' || ++line > max || (seven_bit && (unsigned char)s[i] >= 0x80))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* three NUL-separated fields: subject, name, text */
    char *buf = malloc(size + 3);
    memcpy(buf, data, size);
    buf[size] = buf[size + 1] = buf[size + 2] = '\0';
    const char *subject = buf, *name = subject + strlen(subject) + 1;
    if ((size_t)(name - buf) > size)
        name = buf + size + 1;
    const char *text = name + strlen(name) + 1;
    if ((size_t)(text - buf) > size + 1)
        text = buf + size + 2;

    struct mime_msg m = {0};
    m.from_addr = "desk@example.com";
    m.from_name = "Clinic";
    m.to_addr = "client@example.com";
    m.to_name = name;
    m.subject = subject;
    m.message_id = "knead-outbox-1.0@example.com";
    m.text = text;
    m.html = text;
    m.attach_name = "a.ics";
    m.attach_type = "text/calendar";
    m.attach_data = (const unsigned char *)data;
    m.attach_len = size;
    struct sb out;
    char err[256];
    sb_init(&out, 1 << 22);
    if (mime_build(&out, &m, err, sizeof err) == 0 && !out.err) {
        const char *end = strstr(out.buf, "\r\n\r\n");
        if (!end)
            abort();
        check_lines(out.buf, (size_t)(end - out.buf), 998, 1);
        check_lines(out.buf, out.len, 998, 0);
    }
    sb_release(&out);

    struct sb qp;
    sb_init(&qp, 1 << 22);
    mime_qp(&qp, (const char *)data, size);
    check_lines(qp.buf, qp.len, 76, 1);
    sb_release(&qp);
    free(buf);
    return 0;
}
