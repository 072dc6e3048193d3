/* trace.c - AT trace lines (format in trace.h). */
#include "trace.h"

#include <stdio.h>

void trace_escape(bytebuf *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        switch (c) {
        case '\r': bytebuf_append(out, "\\r", 2); break;
        case '\n': bytebuf_append(out, "\\n", 2); break;
        case '\t': bytebuf_append(out, "\\t", 2); break;
        case '\\': bytebuf_append(out, "\\\\", 2); break;
        case '"': bytebuf_append(out, "\\\"", 2); break;
        default:
            if (c >= 0x20 && c < 0x7f)
                bytebuf_append_byte(out, c);
            else
                bytebuf_appendf(out, "\\x%02x", c);
        }
    }
}

void trace_format(bytebuf *out, const trace_event *ev, const struct timespec *wall)
{
    static const char *const kinds[] = { "RX", "TX", "EV" };
    bytebuf_appendf(out, "%llu.%06llu ", (unsigned long long)(ev->t / 1000000000ull),
                    (unsigned long long)(ev->t % 1000000000ull / 1000ull));
    if (wall) {
        struct tm tm;
        time_t s = wall->tv_sec;
        gmtime_r(&s, &tm);
        bytebuf_appendf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ ", tm.tm_year + 1900, tm.tm_mon + 1,
                        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, wall->tv_nsec / 1000);
    } else {
        bytebuf_append_str(out, "- ");
    }
    if (ev->kind == TRACE_EVENT) {
        bytebuf_append_str(out, "EV - ");
        bytebuf_append(out, ev->data, ev->len);
    } else {
        bytebuf_appendf(out, "%s %d \"", kinds[ev->kind], ev->port);
        trace_escape(out, ev->data, ev->len);
        bytebuf_append_byte(out, '"');
    }
    bytebuf_append_byte(out, '\n');
}
