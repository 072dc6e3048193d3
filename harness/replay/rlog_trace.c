/* rlog_trace.c - sarasim's own trace (sim/trace.h) as a log: RX lines are
 * what the host sent, TX lines what the module sent, both exact; EV lines
 * are notes.  Times are the simulator's, counted from power-on. */
#include <stdio.h>

#include "rlog.h"
#include "harness/timeline/trace_read.h"

int rlog_parse_trace(rlog *l, const uint8_t *p, size_t n, char *err, size_t errlen)
{
    size_t pos = 0, len, no = 0;
    const char *s;
    int64_t last = 0;
    bytebuf payload;
    bytebuf_init(&payload);
    int rc = 0;
    while (!rc && tr_next_line(p, n, &pos, &s, &len)) {
        no++;
        if (!len)
            continue;
        tr_line tl;
        if (tr_parse_line(s, len, &tl, &payload)) {
            snprintf(err, errlen, "line %zu: expected a trace line like '12.000417 - RX 0 \"AT\\r\"' (sim/trace.h), "
                                  "got \"%.40s\"", no, s);
            rc = -1;
            break;
        }
        if (tl.t < last) {
            snprintf(err, errlen, "line %zu: the time goes back from %.6fs to %.6fs: a second run appended to the "
                                  "same file; expected one run (cut the file where it starts)",
                     no, (double)last / 1e9, (double)tl.t / 1e9);
            rc = -1;
            break;
        }
        last = tl.t;
        static const rec_kind kinds[] = { REC_HOST, REC_MODULE, REC_NOTE };
        unsigned flags = tl.kind == TR_EV ? 0 : REC_EXACT;
        if (rlog_add(l, kinds[tl.kind], flags, tl.port < 0 ? 0 : tl.port, tl.t, no, payload.data, payload.len)) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    }
    bytebuf_free(&payload);
    l->sim_clock = 1;
    return rc;
}
