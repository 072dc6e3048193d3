/* session.h - a log's records as a host session to replay.
 *
 * The records of a log (rlog.h) become items in time order:
 *
 *   SEND    bytes the host sends (a command line with its CR, data after a
 *           prompt, exact bytes from a trace)
 *   UNIT    one line the module sends, framed as the module frames it
 *           ("\r\nOK\r\n"; the echo "AT\r"; a prompt; an Xmodem control byte),
 *           flagged as echo, final result, URC, Xmodem control or prompt
 *   XMODEM  a whole Xmodem transfer (the FOAT image after +UFWUPD: ONGOING):
 *           its file when the log carries the frames (a trace), its counts
 *   BAUD    the host changes its own rate (after AT+IPR=<rate> is answered,
 *           right after AT+UFWUPD=<type>,<rate>, back after +UFWUPD: 128, or
 *           as a harness trace's set_baud step says)
 *   NOTE    the log's own text
 *
 * What the session tracks to get the framing right in logs that lost it: the
 * module's echo (ATE0/ATE1/ATZ/AT&F/reboots, factory: on), verbose or numeric
 * results (ATV), which lines answer a command and which are URCs, Firmware
 * Update Mode (C and NAK are bytes there, not lines).
 *
 * Times: a trace keeps the simulator's clock.  Other timed logs are shifted
 * so that the first command the module answered is sent `start` after power
 * on (the module boots in 5 s); commands sent before it, unanswered while
 * the module booted, are not replayed (dropped_boot counts them).  An
 * untimed log has no times (RLOG_NO_TIME).
 */
#ifndef SARASIM_SESSION_H
#define SARASIM_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "rlog.h"

typedef enum { SI_SEND, SI_UNIT, SI_XMODEM, SI_BAUD, SI_NOTE } si_kind;

enum {
    SU_ECHO = 1,   /* the module's echo of the command */
    SU_FINAL = 2,  /* a final result code */
    SU_URC = 4,    /* not part of an answer: after the final result, or with no command pending */
    SU_XMCTRL = 8, /* an Xmodem control byte (C, NAK ...) */
    SU_PROMPT = 16 /* ">" or "@": the host's data follows */
};

typedef struct s_xmodem {
    unsigned block;  /* 128 or 1024; 0 unknown */
    int crc;         /* 1 CRC-16, 0 checksum, -1 unknown */
    uint8_t *data;   /* the file, reassembled from the frames; NULL when the log does not show them */
    size_t len;
    unsigned blocks; /* frames taken */
    unsigned resent; /* frames sent again */
    unsigned naks;   /* NAKs during the transfer */
    int complete;    /* ended with EOT (1), CAN (0), unknown (-1) */
} s_xmodem;

typedef struct s_item {
    si_kind kind;
    unsigned flags;  /* SU_* of a UNIT */
    int port;
    int64_t t;       /* ns on the replay's clock; RLOG_NO_TIME if the log has no times */
    int64_t t_log;   /* ns on the log's own clock (time of day for stamped logs) */
    size_t line;     /* 1-based line of the log */
    uint8_t *bytes;  /* SEND: what to send; UNIT: what the module sends */
    size_t len;
    char *text;      /* SEND/UNIT: the line printable (no line end, control bytes as \xHH); NOTE: its text */
    uint32_t rate;   /* BAUD */
    s_xmodem xm;     /* XMODEM */
} s_item;

typedef struct session {
    s_item *it;
    size_t n, cap;
    rlog_format fmt;
    int timed;           /* items carry times */
    int sim_clock;       /* ... and they are the simulator's own (a trace) */
    int64_t t_end;       /* the log's last time on the replay's clock (RLOG_NO_TIME if untimed) */
    size_t dropped_boot; /* commands sent while the module booted: not replayed */
    int64_t start;       /* when the first command goes out (not for a trace): the log's, or after the boot */
    size_t log_lines;    /* lines in the log */
} session;

typedef struct session_opts {
    int64_t start; /* ns: when the first answered command is sent (not for traces); default 6 s */
    int echo;      /* the module echoes at the start of the log: 1 (factory), 0; -1 default */
} session_opts;

/* Build from a parsed log.  0, or -1 with err set. */
int session_build(session *s, const rlog *l, const session_opts *o, char *err, size_t errlen);
void session_free(session *s);

/* The exchange an item belongs to: the index of the last SEND or XMODEM at
 * or before it, -1 before the first. */
long session_exchange_of(const session *s, size_t i);

#endif
