/* rlog.c - log records, format detection and the helpers the parsers share
 * (see rlog.h). */
#include "rlog.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/timeline/trace_read.h"

void rlog_init(rlog *l) { memset(l, 0, sizeof(*l)); }

void rlog_free(rlog *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->rec[i].data);
    free(l->rec);
    rlog_init(l);
}

int rlog_add(rlog *l, rec_kind k, unsigned flags, int port, int64_t t, size_t line, const void *p, size_t n)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        rlog_rec *r = realloc(l->rec, cap * sizeof(*r));
        if (!r)
            return -ENOMEM;
        l->rec = r;
        l->cap = cap;
    }
    uint8_t *d = malloc(n + 1);
    if (!d)
        return -ENOMEM;
    if (n)
        memcpy(d, p, n);
    d[n] = 0;
    l->rec[l->n++] = (rlog_rec){ k, flags, port, t, line, d, n };
    return 0;
}

static const char *const format_names[] = { "auto", "trace", "capture", "ubxlib", "stamped" };

const char *rlog_format_name(rlog_format f) { return format_names[f]; }

int rlog_format_from_name(const char *name, rlog_format *f)
{
    for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
        if (!strcmp(name, format_names[i])) {
            *f = (rlog_format)i;
            return 0;
        }
    }
    return -1;
}

int rlog_is_command(const uint8_t *p, size_t n)
{
    return n >= 2 && (p[0] == 'A' || p[0] == 'a') && (p[1] == 'T' || p[1] == 't' || p[1] == '/');
}

static int digits(const uint8_t *p, size_t n, size_t at, int count, int64_t *v)
{
    if (at + (size_t)count > n)
        return -1;
    *v = 0;
    for (int i = 0; i < count; i++) {
        if (!isdigit(p[at + (size_t)i]))
            return -1;
        *v = *v * 10 + (p[at + (size_t)i] - '0');
    }
    return 0;
}

/* Days from 2000-01-01 to y-m-d (Gregorian, y >= 2000). */
static int64_t days_from_2000(int64_t y, int64_t m, int64_t d)
{
    static const int before[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
    int64_t leaps = ((y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400) - (1999 / 4 - 1999 / 100 + 1999 / 400);
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return (y - 2000) * 365 + leaps + before[m - 1] + (m > 2 && leap) + d - 1;
}

size_t rlog_stamp(const uint8_t *p, size_t n, int64_t *ns)
{
    size_t i = 1;
    int64_t day = 0, h, m, s, frac = 0, y, mo, d;
    if (!n || p[0] != '[')
        return 0;
    if (!digits(p, n, 1, 4, &y) && i + 10 < n && p[5] == '-' && !digits(p, n, 6, 2, &mo) && p[8] == '-' &&
        !digits(p, n, 9, 2, &d) && (p[11] == ' ' || p[11] == 'T')) {
        if (y < 2000 || mo < 1 || mo > 12 || d < 1 || d > 31)
            return 0;
        day = days_from_2000(y, mo, d);
        i = 12;
    }
    if (digits(p, n, i, 2, &h) || i + 2 >= n || p[i + 2] != ':' || digits(p, n, i + 3, 2, &m) || i + 5 >= n ||
        p[i + 5] != ':' || digits(p, n, i + 6, 2, &s) || h > 23 || m > 59 || s > 60)
        return 0;
    i += 8;
    if (i < n && (p[i] == '.' || p[i] == ',')) {
        int nd = 0;
        for (i++; i < n && isdigit(p[i]); i++) {
            if (nd < 9) {
                frac = frac * 10 + (p[i] - '0');
                nd++;
            }
        }
        if (!nd)
            return 0;
        while (nd++ < 9)
            frac *= 10;
    }
    if (i >= n || p[i] != ']')
        return 0;
    i++;
    if (i < n && p[i] == ' ')
        i++;
    *ns = ((day * 24 + h) * 3600 + m * 60 + s) * 1000000000 + frac;
    return i;
}

int64_t rlog_monotonic(int64_t prev, int64_t t)
{
    const int64_t day = 86400LL * 1000000000LL;
    while (prev != RLOG_NO_TIME && t < prev - day / 2)
        t += day;
    return t;
}

/* ---------------- detection ---------------- */

static int is_stamped_traffic(const char *s, size_t n)
{
    int64_t t;
    size_t k = rlog_stamp((const uint8_t *)s, n, &t);
    return k && k + 2 <= n && (!memcmp(s + k, ">>", 2) || !memcmp(s + k, "<<", 2));
}

rlog_format rlog_detect(const uint8_t *p, size_t n)
{
    size_t pos = 0, len, lines = 0, stamped = 0, ubx = 0;
    const char *s, *prev = NULL;
    size_t prev_len = 0;
    bytebuf tmp;
    bytebuf_init(&tmp);
    rlog_format f = RLOG_CAPTURE;
    while (tr_next_line(p, n, &pos, &s, &len) && lines < 4000) {
        if (!len)
            continue;
        tr_line tl;
        if (!lines && tr_parse_line(s, len, &tl, &tmp) == 0) {
            f = RLOG_TRACE;
            break;
        }
        lines++;
        stamped += is_stamped_traffic(s, len);
        ubx += rlog_ubxlib_debug_line((const uint8_t *)s, len) || memmem(s, len, "[0d]", 4) != NULL;
        /* ubxlib prints a command and then, while the module echoes, the echo */
        ubx += prev && prev_len == len && !memcmp(prev, s, len) && rlog_is_command((const uint8_t *)s, len);
        prev = s;
        prev_len = len;
    }
    bytebuf_free(&tmp);
    if (f == RLOG_TRACE)
        return f;
    if (stamped && stamped * 2 >= lines / 2)
        return RLOG_STAMPED;
    return ubx ? RLOG_UBXLIB : RLOG_CAPTURE;
}

int rlog_parse(rlog *l, rlog_format fmt, const uint8_t *p, size_t n, char *err, size_t errlen)
{
    if (fmt == RLOG_AUTO)
        fmt = rlog_detect(p, n);
    l->fmt = fmt;
    int rc = -1;
    switch (fmt) {
    case RLOG_TRACE: rc = rlog_parse_trace(l, p, n, err, errlen); break;
    case RLOG_CAPTURE: rc = rlog_parse_capture(l, p, n, err, errlen); break;
    case RLOG_UBXLIB: rc = rlog_parse_ubxlib(l, p, n, err, errlen); break;
    case RLOG_STAMPED: rc = rlog_parse_stamped(l, p, n, err, errlen); break;
    case RLOG_AUTO: break;
    }
    if (rc)
        return -1;
    size_t traffic = 0, timed = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->rec[i].kind == REC_NOTE)
            continue;
        traffic++;
        timed += l->rec[i].t != RLOG_NO_TIME;
    }
    if (!traffic) {
        snprintf(err, errlen, "no AT traffic found (read as a %s log); expected commands the host sent and the "
                              "module's answers", rlog_format_name(fmt));
        return -1;
    }
    l->timed = timed == traffic;
    return 0;
}
