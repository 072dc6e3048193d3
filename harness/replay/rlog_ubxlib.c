/* rlog_ubxlib.c - ubxlib's AT client print (uAtClientPrintAtSet(h, true)).
 *
 * ubxlib's u_at_client.c prints every byte it writes and every byte it
 * reads as it goes, through uPortLog(), with no direction marker and no
 * time: a CR is printed as a line end, an LF is dropped, any other byte
 * that is not printable as "[hh]" (with U_AT_CLIENT_PRINT_CONTROL_CHARACTERS
 * CR and LF too, as "[0d]" and "[0a]").  Its debug lines ("U_CELL_PWR: ...",
 * "U_AT_CLIENT_0-0: ...") come in between.  So a command is a line that
 * starts with "AT", the module's answers are the other lines, and while the
 * module echoes (before ubxlib's ATE0) a command printed twice in a row is
 * the command and then its echo. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "rlog.h"
#include "harness/timeline/trace_read.h"

int rlog_ubxlib_debug_line(const uint8_t *p, size_t n)
{
    /* U_<NAME>: or U_<NAME>_<a>-<b>: followed by a space */
    if (n < 4 || p[0] != 'U' || p[1] != '_')
        return 0;
    size_t i = 2;
    while (i < n && (isupper(p[i]) || isdigit(p[i]) || p[i] == '_' || p[i] == '-'))
        i++;
    return i > 2 && i + 1 < n && p[i] == ':' && p[i + 1] == ' ';
}

/* "[0d]" and friends back into bytes. */
static void decode(const uint8_t *s, size_t n, bytebuf *out)
{
    bytebuf_clear(out);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '[' && i + 3 < n && tr_hexval(s[i + 1]) >= 0 && tr_hexval(s[i + 2]) >= 0 && s[i + 3] == ']') {
            bytebuf_append_byte(out, (uint8_t)(tr_hexval(s[i + 1]) << 4 | tr_hexval(s[i + 2])));
            i += 3;
        } else {
            bytebuf_append_byte(out, s[i]);
        }
    }
}

typedef struct ubx_state {
    rlog *l;
    bytebuf last_cmd; /* the last command printed, until the module prints anything else */
    int have_cmd;
} ubx_state;

static int take_line(ubx_state *u, const uint8_t *s, size_t len, size_t no)
{
    if (!len)
        return 0;
    rec_kind kind = REC_MODULE;
    if (rlog_is_command(s, len)) {
        int echo = u->have_cmd && u->last_cmd.len == len && !memcmp(u->last_cmd.data, s, len);
        kind = echo ? REC_MODULE : REC_HOST;
        u->have_cmd = !echo;
        bytebuf_clear(&u->last_cmd);
        bytebuf_append(&u->last_cmd, s, len);
    } else {
        u->have_cmd = 0;
    }
    return rlog_add(u->l, kind, 0, 0, RLOG_NO_TIME, no, s, len);
}

int rlog_parse_ubxlib(rlog *l, const uint8_t *p, size_t n, char *err, size_t errlen)
{
    ubx_state u = { .l = l };
    bytebuf line;
    bytebuf_init(&line);
    bytebuf_init(&u.last_cmd);
    size_t pos = 0, no = 0, len;
    const char *text;
    int rc = 0;
    while (!rc && tr_next_line(p, n, &pos, &text, &len)) {
        const uint8_t *s = (const uint8_t *)text;
        no++;
        if (rlog_ubxlib_debug_line(s, len)) {
            rc = rlog_add(l, REC_NOTE, 0, 0, RLOG_NO_TIME, no, s, len);
            continue;
        }
        /* with control characters printed, one printed line may hold many */
        decode(s, len, &line);
        size_t a = 0;
        for (size_t k = 0; !rc && k <= line.len; k++) {
            if (k < line.len && line.data[k] != '\r' && line.data[k] != '\n')
                continue;
            rc = take_line(&u, line.data + a, k - a, no);
            a = k + 1;
        }
    }
    bytebuf_free(&line);
    bytebuf_free(&u.last_cmd);
    if (rc)
        snprintf(err, errlen, "out of memory");
    return rc ? -1 : 0;
}
