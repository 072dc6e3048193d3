/* xmodem_host.h - the host's Xmodem sender as the harness's "xmodem" step
 * drives it.
 *
 * The step owns the wire and the clock; the sender owns the protocol.  A
 * sender is sans-I/O: it is fed the module's bytes and the time, and hands
 * out whole frames (a block with header and check, EOT or CAN) to put on the
 * wire.  The step applies the scenario's per-block faults (corrupt, drop,
 * duplicate, stall) to those frames, so any sender that fits this table gets
 * them for free.
 *
 * The sender of record is protocol/xmodem_tx (branch "xmodem"); until it is
 * connected in harness/xmodem_host.c, xmodem_host_sender() returns NULL and
 * scenarios with an "xmodem" step are skipped ("requires xmodem").
 */
#ifndef SARASIM_XMODEM_HOST_H
#define SARASIM_XMODEM_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "sim/clock.h"

typedef enum { XM_TX_RUNNING = 0, XM_TX_DONE, XM_TX_CANCELLED, XM_TX_FAILED } xm_tx_status;

typedef enum { XM_FRAME_BLOCK = 0, XM_FRAME_EOT, XM_FRAME_CAN } xm_frame_kind;

typedef struct xm_frame {
    xm_frame_kind kind;
    uint32_t index;       /* BLOCK: 1-based index in the transfer (not the wrapping seq) */
    unsigned attempt;     /* 1 = first transmission of this frame */
    const uint8_t *bytes; /* the whole frame; valid until the next call into the sender */
    size_t len;
    size_t data_off;      /* BLOCK: where the payload starts inside bytes */
    size_t data_len;
} xm_frame;

typedef struct xm_sender_opts {
    unsigned block; /* 128 or 1024 */
    int crc;        /* 1 CRC-16, 0 checksum, -1 as the receiver asks ('C' or NAK) */
} xm_sender_opts;

typedef struct xm_sender_ops {
    const char *name;
    /* A sender for `data` (copied or borrowed: data outlives the sender).
     * 0 or -errno. */
    int (*create)(void **out, const uint8_t *data, size_t len, const xm_sender_opts *o, sim_ns now);
    /* The module's bytes.  Returns how many it took: all of them while the
     * transfer runs, none after it has ended (what follows -- "+UFWPREVAL:
     * ..." -- belongs to the host script). */
    size_t (*feed)(void *s, const uint8_t *p, size_t n, sim_ns now);
    /* Time passes: retransmission and give-up timers. */
    void (*tick)(void *s, sim_ns now);
    /* When tick() next has something to do; SIM_NEVER if nothing. */
    sim_ns (*next_deadline)(const void *s);
    /* The next frame to send: 1 with *f filled, 0 if none is due. */
    int (*next_frame)(void *s, xm_frame *f);
    /* Running, done (EOT acknowledged), cancelled (the receiver sent CAN
     * CAN) or failed (retries exhausted); *why says why when not running. */
    xm_tx_status (*status)(const void *s, const char **why);
    void (*destroy)(void *s);
} xm_sender_ops;

/* The harness's sender, or NULL when none is connected yet. */
const xm_sender_ops *xmodem_host_sender(void);

#endif
