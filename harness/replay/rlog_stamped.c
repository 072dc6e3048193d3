/* rlog_stamped.c - the log many host applications write: one line per
 * line of traffic, a timestamp, a direction, the text.
 *
 *   [08:14:02.105] >> AT+CGMI          the host sent it
 *   [08:14:02.131] << u-blox           the module sent it
 *   [08:14:02.200] app: any other text  a note
 *
 * The stamp is [hh:mm:ss], [hh:mm:ss.mmm] (up to 9 fraction digits) or
 * [YYYY-MM-DD hh:mm:ss.mmm]; a log that crosses midnight without dates
 * keeps counting.  In the text, \r \n \t \\ and \xHH stand for those bytes
 * (binary the application logged: "<< \x15" is a NAK); anything else is
 * literal.  Lines without a stamp are notes too. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "rlog.h"
#include "harness/timeline/trace_read.h"

static void unescape(const uint8_t *s, size_t n, bytebuf *out)
{
    bytebuf_clear(out);
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 >= n) {
            bytebuf_append_byte(out, s[i]);
            continue;
        }
        uint8_t c = s[i + 1];
        if (c == 'x' && i + 3 < n && tr_hexval(s[i + 2]) >= 0 && tr_hexval(s[i + 3]) >= 0) {
            bytebuf_append_byte(out, (uint8_t)(tr_hexval(s[i + 2]) << 4 | tr_hexval(s[i + 3])));
            i += 3;
            continue;
        }
        static const char from[] = "rnt\\", to[] = "\r\n\t\\";
        const char *k = c ? strchr(from, c) : NULL;
        if (k) {
            bytebuf_append_byte(out, (uint8_t)to[k - from]);
            i++;
        } else {
            bytebuf_append_byte(out, '\\');
        }
    }
}

int rlog_parse_stamped(rlog *l, const uint8_t *p, size_t n, char *err, size_t errlen)
{
    size_t pos = 0, no = 0, len;
    const char *line;
    int64_t prev = RLOG_NO_TIME;
    bytebuf text;
    bytebuf_init(&text);
    int rc = 0;
    while (!rc && tr_next_line(p, n, &pos, &line, &len)) {
        const uint8_t *s = (const uint8_t *)line;
        no++;
        if (!len)
            continue;
        int64_t t = RLOG_NO_TIME;
        size_t k = rlog_stamp(s, len, &t);
        rec_kind kind = REC_NOTE;
        if (k) {
            t = rlog_monotonic(prev, t);
            prev = t;
            if (k + 2 <= len && (!memcmp(s + k, ">>", 2) || !memcmp(s + k, "<<", 2))) {
                kind = s[k] == '>' ? REC_HOST : REC_MODULE;
                k += 2;
                if (k < len && s[k] == ' ')
                    k++;
            }
        }
        if (kind == REC_NOTE) {
            rc = rlog_add(l, REC_NOTE, 0, 0, t, no, s + k, len - k);
            continue;
        }
        unescape(s + k, len - k, &text);
        if (text.len || kind == REC_HOST)
            rc = rlog_add(l, kind, 0, 0, t, no, text.data ? text.data : (const uint8_t *)"", text.len);
    }
    bytebuf_free(&text);
    if (rc)
        snprintf(err, errlen, "out of memory");
    return rc ? -1 : 0;
}
