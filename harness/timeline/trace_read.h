/* trace_read.h - the trace format of sim/trace.h, read back.
 *
 *   <sim> <wall> <kind> <port> <payload>
 *   12.000417 2026-11-25T19:20:01.123456Z RX 0 "AT+CGMI\r"
 *   5.000000 - EV - power BOOTING -> READY
 *
 * One line in, its fields out: the simulated time in nanoseconds, the wall
 * time as written (or "-"), the kind, the port, and the payload -- RX/TX
 * bytes unescaped from their C string literal, EV text as is.  Sans-I/O:
 * the caller splits the file into lines.  Both sarasim-replay (a trace is
 * one of the log formats it reads) and the timeline use it.
 */
#ifndef SARASIM_TRACE_READ_H
#define SARASIM_TRACE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/bytebuf.h"

typedef enum { TR_RX = 0, TR_TX, TR_EV } tr_kind;

typedef struct tr_line {
    int64_t t;      /* simulated ns */
    tr_kind kind;
    int port;       /* 0 or 1; -1 for EV */
    int has_wall;   /* the wall field is a time, not "-" */
    char wall[40];  /* as written */
} tr_line;

/* Parse one line (without its line end).  The payload goes to *payload
 * (cleared first): RX/TX bytes unescaped, EV text verbatim.  0, or -1 when
 * the text is not a trace line. */
int tr_parse_line(const char *line, size_t len, tr_line *out, bytebuf *payload);

/* Unescape the inside of a C string literal as trace_escape() writes it
 * (\r \n \t \\ \" \xHH; any other escaped character stands for itself).
 * Stops at an unescaped '"' or at n; returns how many characters it read. */
size_t tr_unescape(const char *s, size_t n, bytebuf *out);

/* The value of a hex digit (either case), -1 if c is none. */
int tr_hexval(int c);

/* Split `p` into lines at '\n' (a '\r' before it is dropped).  Start with
 * *pos = 0; returns 1 with the line in *line / *len, 0 at the end. */
int tr_next_line(const uint8_t *p, size_t n, size_t *pos, const char **line, size_t *len);

#endif
