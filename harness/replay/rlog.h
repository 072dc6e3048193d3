/* rlog.h - a device's AT log as records.
 *
 * A log of a real session (docs/reproducing-field-failures.md) is read into
 * records: what the host sent, what the module answered, and the log's own
 * notes, each with the line of the log it came from and its time when the
 * log has times.  Four formats, one parser each (rlog_<format>.c), all
 * sans-I/O: bytes in, records out.
 *
 *   trace     sarasim's own trace (sim/trace.h): exact bytes, simulated time
 *   capture   a terminal program's log (picocom --logfile, minicom capture,
 *             tio --log): what the terminal showed, no direction markers
 *   ubxlib    ubxlib's AT client print (uAtClientPrintAtSet(h, true)):
 *             commands and answers as printed, ubxlib's debug lines between
 *   stamped   "[hh:mm:ss.mmm] >> AT+CGMI" / "[hh:mm:ss.mmm] << OK", as many
 *             host applications log
 *
 * Module records are either exact (the bytes as they crossed the wire: a
 * trace) or one text line without its line end (every other format); the
 * session (session.h) puts the framing back.
 */
#ifndef SARASIM_RLOG_H
#define SARASIM_RLOG_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/bytebuf.h"

typedef enum { RLOG_AUTO = 0, RLOG_TRACE, RLOG_CAPTURE, RLOG_UBXLIB, RLOG_STAMPED } rlog_format;

typedef enum {
    REC_HOST,   /* bytes the host sent */
    REC_MODULE, /* bytes (exact) or a line (text) the module sent */
    REC_NOTE,   /* the log's own text: a debug line, a comment, a trace event */
} rec_kind;

#define RLOG_NO_TIME INT64_MIN

/* Flags of a record. */
enum {
    REC_EXACT = 1,     /* data is the bytes as on the wire, not a text line */
    REC_SHOWN_ECHO = 2 /* capture: a command the terminal showed -- the module's echo while it echoes */
};

typedef struct rlog_rec {
    rec_kind kind;
    unsigned flags;
    int port;       /* 0 primary UART, 1 auxiliary */
    int64_t t;      /* ns on the log's clock; RLOG_NO_TIME without one */
    size_t line;    /* 1-based line of the log */
    uint8_t *data;  /* NUL-terminated; text records hold no line end */
    size_t len;
} rlog_rec;

typedef struct rlog {
    rlog_format fmt;
    int timed;      /* every host and module record has a time */
    int sim_clock;  /* times are the simulator's, from power-on (a trace) */
    rlog_rec *rec;
    size_t n, cap;
} rlog;

void rlog_init(rlog *l);
void rlog_free(rlog *l);
/* Append a record (data copied).  0 or -ENOMEM. */
int rlog_add(rlog *l, rec_kind k, unsigned flags, int port, int64_t t, size_t line, const void *p, size_t n);

/* Which format these bytes are in (never RLOG_AUTO). */
rlog_format rlog_detect(const uint8_t *p, size_t n);
const char *rlog_format_name(rlog_format f);
/* "trace", "capture", "ubxlib", "stamped", "auto".  0 or -1. */
int rlog_format_from_name(const char *name, rlog_format *f);

/* Parse a whole log (fmt RLOG_AUTO: detected).  0, or -1 with err naming
 * the line and what was expected there. */
int rlog_parse(rlog *l, rlog_format fmt, const uint8_t *p, size_t n, char *err, size_t errlen);

/* The parsers, one per format (rlog_trace.c ...), same contract. */
int rlog_parse_trace(rlog *l, const uint8_t *p, size_t n, char *err, size_t errlen);
int rlog_parse_capture(rlog *l, const uint8_t *p, size_t n, char *err, size_t errlen);
int rlog_parse_ubxlib(rlog *l, const uint8_t *p, size_t n, char *err, size_t errlen);
int rlog_parse_stamped(rlog *l, const uint8_t *p, size_t n, char *err, size_t errlen);

/* ---- helpers the parsers share ---- */

/* "AT...", "at...", "A/" (any case): a line a host sends to the module. */
int rlog_is_command(const uint8_t *p, size_t n);
/* A leading "[hh:mm:ss.mmm] " / "[hh:mm:ss] " / "[YYYY-MM-DD hh:mm:ss.mmm] "
 * (the fraction 1 to 9 digits, 'T' allowed between date and time): its time
 * in ns since midnight (the date adds whole days from 2000-01-01) and the
 * characters it takes including one following space.  0 when absent. */
size_t rlog_stamp(const uint8_t *p, size_t n, int64_t *ns);
/* ubxlib's own debug lines ("U_CELL_PWR: ...", "U_AT_CLIENT_0-0: ..."). */
int rlog_ubxlib_debug_line(const uint8_t *p, size_t n);
/* Make times of a log that crossed midnight increase: a time more than 12 h
 * before the previous one is taken as the next day. */
int64_t rlog_monotonic(int64_t prev, int64_t t);

#endif
