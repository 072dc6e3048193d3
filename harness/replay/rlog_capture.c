/* rlog_capture.c - a terminal program's log: picocom --logfile, a minicom
 * capture (Ctrl-A L), tio --log, or text copied from the terminal window.
 *
 * What such a log holds is what the terminal showed: the module's output,
 * and the commands as they were echoed -- by the module while it echoes
 * (ATE1, the factory setting), else by the terminal's local echo.  There is
 * no direction marker, so a line that starts with "AT" is a command and
 * every other line is the module's; the session decides from the module's
 * echo setting whether the module sent the command line too (REC_SHOWN_ECHO).
 * Lines end in CR, LF or both; blank lines carry nothing.  tio's timestamps
 * ("[12:00:01.123] " at the start of a line) are read when present. */
#include <stdio.h>
#include <string.h>

#include "rlog.h"

/* What the terminal programs print themselves. */
static int banner(const uint8_t *p, size_t n)
{
    static const char *const starts[] = { "Terminal ready", "Thanks for using picocom", "picocom v", "port is",
                                          "flowcontrol", "baudrate is", "Welcome to minicom", "OPTIONS:",
                                          "Compiled on", "Port /dev/", "Press CTRL-A", "[tio ", "tio v",
                                          "Press ctrl-t", "*** ", "FATAL:", "Type [C-a] [C-h]" };
    for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
        size_t k = strlen(starts[i]);
        if (n >= k && !memcmp(p, starts[i], k))
            return 1;
    }
    return 0;
}

int rlog_parse_capture(rlog *l, const uint8_t *p, size_t n, char *err, size_t errlen)
{
    size_t i = 0, no = 1;
    int64_t prev = RLOG_NO_TIME;
    while (i < n) {
        size_t a = i;
        while (i < n && p[i] != '\r' && p[i] != '\n')
            i++;
        size_t line_no = no;
        const uint8_t *s = p + a;
        size_t len = i - a;
        if (i < n && p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
            i++;
        if (i < n) {
            no += p[i] == '\n';
            i++;
        }
        int64_t t = RLOG_NO_TIME;
        size_t k = rlog_stamp(s, len, &t);
        if (k) {
            t = rlog_monotonic(prev, t);
            prev = t;
        }
        s += k;
        len -= k;
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--; /* a terminal pads nothing the module sent */
        if (!len)
            continue;
        rec_kind kind = banner(s, len) ? REC_NOTE : rlog_is_command(s, len) ? REC_HOST : REC_MODULE;
        if (rlog_add(l, kind, kind == REC_HOST ? REC_SHOWN_ECHO : 0, 0, t, line_no, s, len)) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}
