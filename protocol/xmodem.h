/* xmodem.h - the Xmodem / Xmodem-1k receiver of the SARA-R5 FOAT update
 * (+UFWUPD, app note §4.1, §4.2 Table 7), sans-I/O.
 *
 * The receiver never reads a clock and never does I/O.  The caller gives it
 * the simulated time (uint64_t nanoseconds) with every call and gets back
 * actions in an xmodem_out: the bytes to send to the host (C, NAK, ACK, CAN)
 * and the payload of the blocks accepted, in order.  The modem feeds it the
 * bytes from the UART and arms one clock timer at xmodem_rx_next_deadline():
 *
 *     xmodem_rx_start(&x, now, &out);                 first 'C' goes out now
 *     on UART bytes:  while (n && xmodem_rx_status(&x) == XMODEM_RUNNING) {
 *                         size_t k = xmodem_rx_feed(&x, now, p, n, &out);
 *                         p += k; n -= k;  handle(out); xmodem_out_clear(&out);
 *                     }
 *     on the timer:   xmodem_rx_tick(&x, now, &out);  handle(out);
 *     after either:   re-arm the timer at xmodem_rx_next_deadline(&x).
 *
 * feed() stops right after a block is accepted or the transfer ends, so that
 * the caller sees every block (for the "xmodem block n=<seq>" trace event);
 * it always consumes at least one byte while the transfer is running.
 *
 * Behaviour, timings and the decisions taken where the app note is silent are
 * in docs/xmodem.md.  The host side (a sender with fault injection, used by
 * the tests and the scenario harness) is in xmodem_tx.h.
 */
#ifndef SARASIM_XMODEM_H
#define SARASIM_XMODEM_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

/* Control bytes (fact sheet §8.1). */
#define XMODEM_SOH 0x01 /* 128-byte block */
#define XMODEM_STX 0x02 /* 1024-byte block */
#define XMODEM_EOT 0x04
#define XMODEM_ACK 0x06
#define XMODEM_NAK 0x15
#define XMODEM_CAN 0x18
#define XMODEM_CRC 0x43 /* 'C': receiver asks for CRC-16 */
#define XMODEM_PAD 0x1A /* CP/M EOF, sx's padding */

#define XMODEM_BLOCK_MAX 1024
#define XMODEM_NEVER UINT64_MAX
#define XMODEM_MS(x) ((uint64_t)(x) * 1000000ull)
#define XMODEM_S(x) ((uint64_t)(x) * 1000000000ull)

typedef enum xmodem_status {
    XMODEM_RUNNING = 0, /* (also before start) */
    XMODEM_DONE,        /* EOT received and ACKed */
    XMODEM_CANCELLED,   /* the peer sent CAN CAN */
    XMODEM_TIMEOUT,     /* receiver: nothing came in the 109 s handshake */
    XMODEM_FAILED,      /* see the reason */
} xmodem_status;

typedef enum xmodem_reason {
    XMODEM_R_NONE = 0,
    XMODEM_R_EOT,            /* DONE normally */
    XMODEM_R_HANDSHAKE,      /* TIMEOUT: the C/NAK run ended without a block */
    XMODEM_R_PEER_CANCEL,    /* CANCELLED */
    XMODEM_R_SYNC_LOST,      /* receiver: a valid block with an unexpected number */
    XMODEM_R_TOO_MANY_ERRORS,/* max_errors on one block (receiver) or retries (sender) */
    XMODEM_R_NO_EOT_ACK,     /* sender: EOT never ACKed */
    XMODEM_R_ABORTED,        /* the local side gave up (xmodem_rx_abort, sender cancel fault) */
    XMODEM_R_NO_MEMORY,
} xmodem_reason;

typedef enum xmodem_check {
    XMODEM_CHECK_NONE = 0, /* not chosen yet */
    XMODEM_CHECK_CRC16,    /* 2 bytes, CRC-16/XMODEM, high byte first */
    XMODEM_CHECK_SUM8,     /* 1 byte, arithmetic sum of the data mod 256 */
} xmodem_check;

typedef enum xmodem_rx_phase {
    XMODEM_RX_IDLE = 0,  /* initialised, not started */
    XMODEM_RX_PHASE_C,   /* sending up to c_count 'C' */
    XMODEM_RX_PHASE_NAK, /* sending up to nak_count NAK */
    XMODEM_RX_TRANSFER,  /* a block has started: check mode fixed */
    XMODEM_RX_END,       /* status is no longer RUNNING */
} xmodem_rx_phase;

/* CRC-16/XMODEM: poly 0x1021, init 0, no reflection, no final xor;
 * xmodem_crc16(0, "123456789", 9) == 0x31C3.  Chainable. */
uint16_t xmodem_crc16(uint16_t crc, const void *p, size_t n);
/* The 8-bit arithmetic checksum of the original Xmodem. */
uint8_t xmodem_sum8(const void *p, size_t n);

/* What a call asks the caller to do.  Calls append; the caller clears. */
typedef struct xmodem_out {
    bytebuf tx;      /* bytes to send to the peer, in order */
    bytebuf data;    /* receiver: payload of the blocks accepted, in order */
    unsigned blocks; /* receiver: blocks accepted (not duplicates) */
    int err;         /* 0, or -ENOMEM if an append failed */
} xmodem_out;

void xmodem_out_init(xmodem_out *o);
void xmodem_out_clear(xmodem_out *o);
void xmodem_out_free(xmodem_out *o);

/* Every number the receiver uses; xmodem_rx_config_default() gives the
 * SARA-R5 values of app note §4.1 and the classic Xmodem ones. */
typedef struct xmodem_rx_config {
    unsigned c_count;        /* 3 'C' ... */
    uint64_t c_interval;     /* ... 3 s apart, the first at start */
    unsigned nak_count;      /* then 10 NAK ... */
    uint64_t nak_interval;   /* ... 10 s apart; TIMEOUT one interval after the last */
    uint64_t char_timeout;   /* 1 s: a gap inside a block makes it short */
    uint64_t purge_quiet;    /* 1 s of silence ends the purge before a NAK */
    uint64_t block_timeout;  /* 10 s without a block after ACK/NAK: NAK */
    unsigned max_errors;     /* 10 consecutive errors on one block: CAN, FAILED */
    unsigned can_count;      /* 3 CAN bytes when the receiver gives up */
} xmodem_rx_config;

void xmodem_rx_config_default(xmodem_rx_config *c);
/* Length of the handshake: c_count*c_interval + nak_count*nak_interval. */
uint64_t xmodem_rx_config_handshake_ns(const xmodem_rx_config *c);

typedef struct xmodem_rx_stats {
    uint64_t blocks;       /* accepted, not counting duplicates */
    uint64_t bytes;        /* payload bytes delivered (padding included) */
    uint64_t blocks_1k;    /* of which STX blocks */
    unsigned dups;         /* duplicates ACKed and dropped */
    unsigned errors;       /* every error below, over the whole transfer */
    unsigned bad_header;   /* block number and complement disagree */
    unsigned bad_check;    /* CRC / checksum mismatch */
    unsigned short_blocks; /* inter-character timeout inside a block */
    unsigned timeouts;     /* inter-block timeouts */
    unsigned garbage;      /* bytes where a block header was expected */
    unsigned stray;        /* bytes ignored during the handshake */
    unsigned naks;         /* NAKs sent after errors (not handshake ones) */
} xmodem_rx_stats;

typedef struct xmodem_rx {
    xmodem_rx_config cfg;
    xmodem_status status;
    xmodem_reason reason;
    xmodem_rx_phase phase;
    int st;                 /* inside the transfer: waiting / in block / purging */
    xmodem_check check;
    uint64_t t0;            /* start time */
    unsigned hs_sent;       /* handshake characters sent */
    uint64_t wait_until;    /* inter-block deadline while waiting for a header */
    uint64_t last_rx;       /* time of the last byte received */
    uint64_t err_at;        /* time of the last error (a purge ends no sooner) */
    uint8_t expect;         /* next block number */
    uint8_t last_seq;       /* number of the last block accepted */
    unsigned errors;        /* consecutive errors on the current block */
    int can_pending;        /* the previous header-position byte was a CAN */
    size_t have, need;      /* bytes of frame[] received / expected */
    uint8_t frame[3 + XMODEM_BLOCK_MAX + 2];
    xmodem_rx_stats stats;
} xmodem_rx;

/* cfg NULL = defaults.  No allocation: free() only resets. */
void xmodem_rx_init(xmodem_rx *x, const xmodem_rx_config *cfg);
void xmodem_rx_free(xmodem_rx *x);
/* Begin the handshake at `now`: the first 'C' (or NAK if c_count is 0) is
 * appended to out at once.  Bytes fed before start are ignored as stray. */
void xmodem_rx_start(xmodem_rx *x, uint64_t now, xmodem_out *out);
/* Host bytes received at `now` (all of them at that time).  Deadlines due
 * at or before `now` are handled first.  Returns how many bytes were used. */
size_t xmodem_rx_feed(xmodem_rx *x, uint64_t now, const uint8_t *in, size_t n, xmodem_out *out);
/* Handle every deadline due at or before `now` (each at its own time). */
void xmodem_rx_tick(xmodem_rx *x, uint64_t now, xmodem_out *out);
/* When tick() must next be called; XMODEM_NEVER when idle or ended. */
uint64_t xmodem_rx_next_deadline(const xmodem_rx *x);
/* Give up from the receiver side (status FAILED, reason ABORTED).  With
 * send_can the peer is told with can_count CAN bytes; a module losing power
 * says nothing, so the modem passes 0 then (docs/xmodem.md). */
void xmodem_rx_abort(xmodem_rx *x, int send_can, xmodem_out *out);

static inline xmodem_status xmodem_rx_status(const xmodem_rx *x) { return x->status; }
static inline xmodem_reason xmodem_rx_reason(const xmodem_rx *x) { return x->reason; }
static inline xmodem_rx_phase xmodem_rx_phase_of(const xmodem_rx *x) { return x->phase; }
static inline xmodem_check xmodem_rx_check(const xmodem_rx *x) { return x->check; }
/* Wire number (0..255) of the last block accepted, and how many were
 * accepted (1-based index of that block in the file, no wrap). */
static inline uint8_t xmodem_rx_last_seq(const xmodem_rx *x) { return x->last_seq; }
static inline uint64_t xmodem_rx_blocks(const xmodem_rx *x) { return x->stats.blocks; }
static inline const xmodem_rx_stats *xmodem_rx_stats_of(const xmodem_rx *x) { return &x->stats; }

const char *xmodem_status_name(xmodem_status s);
const char *xmodem_reason_name(xmodem_reason r);
const char *xmodem_check_name(xmodem_check c);
const char *xmodem_rx_phase_name(xmodem_rx_phase p);

#endif
