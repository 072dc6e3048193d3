/* tl_model.h - a trace as what a timeline draws.
 *
 * The trace's lines (sim/trace.h) become events on lanes and states in
 * bands, in time order:
 *
 *   host <-> module   a command the host sent (CMD), the module's answer to
 *                     it as one arrow (RESP: its lines and the final result,
 *                     OK or an error), a URC, raw data either way, a prompt,
 *                     Xmodem handshake bytes (C, NAK)
 *   Xmodem            one band per transfer: blocks, bytes, NAKs, blocks
 *                     sent again, faults, how it ended
 *   server lanes      every EV topic that is not the module's own state, the
 *                     harness's bookkeeping or a fault gets a lane of its own,
 *                     in the order the trace first names it: lwm2m, peer (the
 *                     simulated hosts), and whatever topic later subsystems
 *                     log (http, ftp ...) -- no code change needed
 *   module notes      the module's own events (nvm, fs, sock, ip, uart ...)
 *   bands             power (OFF, BOOTING, READY, FWUPDATE), registration
 *                     (net stat=), firmware-update phase (fwupd phase=) and
 *                     firmware version (fwupd installed version=, or what
 *                     ATI9 / +CGMR answered)
 *   faults            world actions, wire faults, Xmodem faults, forced
 *                     responses, signal loss; a failed step; the result
 *
 * Runs of the same thing (the same command and answer polled a hundred
 * times, C C C, NAK x 10) are folded into one event with a count.
 * Sans-I/O: the trace's bytes in, the model out.
 */
#ifndef SARASIM_TL_MODEL_H
#define SARASIM_TL_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    TE_CMD,     /* host -> module: an AT command line */
    TE_RESP,    /* module -> host: the answer to the last command */
    TE_URC,     /* module -> host: an unsolicited line */
    TE_HDATA,   /* host -> module: raw data */
    TE_MDATA,   /* module -> host: a prompt, handshake bytes, raw data */
    TE_XMODEM,  /* a transfer: t .. t_end */
    TE_LANE,    /* an event of a server lane */
    TE_NOTE,    /* the module's own event */
    TE_STATE,   /* a band changed */
    TE_FAULT,   /* something the world did to the module, the wire or the transfer */
    TE_FAIL,    /* a step failed */
    TE_RESULT,  /* the run's result */
} te_kind;

/* How an answer ended / what a line means. */
enum { TC_NONE = 0, TC_OK, TC_ERROR, TC_INFO, TC_WARN };

typedef enum { TB_POWER = 0, TB_REG, TB_FWUPD, TB_FIRMWARE, TB__COUNT } tb_kind;

typedef struct tl_xmodem {
    unsigned blocks, naks, acks, cs, resent, faults;
    uint64_t bytes;
    int port;
    char status[64]; /* "DONE eot", "CANCELLED ..." */
} tl_xmodem;

typedef struct tl_event {
    te_kind kind;
    int64_t t, t_end;  /* t_end: a band's or a folded run's last time */
    int port;
    int lane;          /* TE_LANE: index into lanes; TE_STATE: the band */
    int cls;           /* TC_* */
    unsigned count;    /* folded: how many times (1 when not folded) */
    char *label;       /* one line, short */
    char *detail;      /* the full text, for the tooltip */
    tl_xmodem xm;      /* TE_XMODEM */
} tl_event;

typedef struct tl_segment {
    tb_kind band;
    int64_t t0, t1;    /* t1: the next change, or the end */
    char *value;
    int cls;           /* colour class: TC_OK (ready, registered), TC_WARN, TC_ERROR, TC_NONE */
} tl_segment;

typedef struct tl_lane {
    char *topic;
    unsigned events;
} tl_lane;

typedef struct tl_model {
    char *title;
    tl_event *ev;
    size_t nev, capev;
    tl_segment *seg;
    size_t nseg, capseg;
    tl_lane *lanes;
    size_t nlanes;
    int64_t t_end;
    int result;        /* -1 none in the trace, 0 PASS, 1 FAIL / ERROR */
    size_t trace_lines;
} tl_model;

/* Build from a trace's bytes.  `title` names the run unless the trace does
 * ("harness scenario NAME").  0, or -1 when nothing in it is a trace line. */
int tl_model_build(tl_model *m, const char *title, const uint8_t *trace, size_t len);
void tl_model_free(tl_model *m);
const char *tl_band_name(tb_kind b);

#endif
