/* xmodem_tx.h - an Xmodem / Xmodem-1k sender, sans-I/O, that plays the host
 * of a FOAT update: the scenario harness's "xmodem" step and the receiver's
 * tests use it.  It behaves like lrzsz `sx` (fact sheet §8.2) and can inject
 * faults per block.
 *
 * Same shape as the receiver (xmodem.h): the caller passes the simulated
 * time, feeds the receiver's bytes in, calls tick() at next_deadline(), and
 * sends what appears in out->tx.
 *
 *     xmodem_tx_init(&t, &cfg, file, len);  xmodem_tx_start(&t, now);
 *     on bytes from the module: xmodem_tx_feed(&t, now, p, n, &out);
 *     on the timer:             xmodem_tx_tick(&t, now, &out);
 *
 * Reply handling (as sx's wcputsec): ACK = next block; NAK = send again;
 * 'C' = send again, and before the first ACK also switch to CRC; two CANs in
 * a row = cancelled; other bytes ignored; no reply within reply_timeout =
 * send again.  After max_retries resends the sender gives up and sends CANs.
 */
#ifndef SARASIM_XMODEM_TX_H
#define SARASIM_XMODEM_TX_H

#include <stddef.h>
#include <stdint.h>

#include "xmodem.h"

typedef enum xmodem_fault_kind {
    XMODEM_FAULT_CORRUPT = 1, /* flip one byte of the frame (see part) */
    XMODEM_FAULT_DROP,        /* send nothing: the block is lost on the line */
    XMODEM_FAULT_SHORT,       /* send only the first half of the frame */
    XMODEM_FAULT_DUPLICATE,   /* after its ACK, send the block once more (a lost ACK) */
    XMODEM_FAULT_STALL,       /* wait stall_ns before sending the block (first time) */
    XMODEM_FAULT_CANCEL,      /* send CANs instead of the block and stop */
} xmodem_fault_kind;

typedef enum xmodem_fault_part {
    XMODEM_PART_DATA = 0, /* a payload byte: CRC / checksum mismatch */
    XMODEM_PART_CHECK,    /* the (first) check byte */
    XMODEM_PART_SEQ,      /* the complement of the block number */
} xmodem_fault_part;

typedef struct xmodem_tx_fault {
    uint64_t block;         /* 1-based index of the block in the file (no wrap) */
    xmodem_fault_kind kind;
    unsigned count;         /* corrupt/drop/short: how many transmissions (0 = 1) */
    xmodem_fault_part part; /* corrupt: which byte */
    uint64_t stall_ns;      /* stall: how long */
} xmodem_tx_fault;

typedef struct xmodem_tx_config {
    unsigned block_size;       /* 128 (Xmodem) or 1024 (Xmodem-1k) */
    int tail_128;              /* 1k: 128-byte blocks once <= 896 bytes remain (sx -k) */
    uint8_t pad;               /* filler of the last block: 0x1A (sx) or 0x00 */
    int start_on_g;            /* a 'G' starts the transfer in CRC mode, as sx does */
    int no_crc;                /* a checksum-only sender: ignores 'C', waits for NAK */
    uint64_t start_timeout;    /* no NAK/'C' by then: start in checksum mode (sx: 60 s; 0 = wait forever) */
    uint64_t reply_timeout;    /* 60 s (sx's default -t 600) */
    unsigned max_retries;      /* 10 resends of one block; 10 EOTs */
    unsigned can_count;        /* CANs sent when cancelling or giving up: 2 */
    const xmodem_tx_fault *faults; /* copied by init */
    size_t nfaults;
} xmodem_tx_config;

void xmodem_tx_config_default(xmodem_tx_config *c);

typedef struct xmodem_tx_stats {
    uint64_t blocks;        /* blocks ACKed */
    uint64_t frames;        /* frames sent, resends included */
    unsigned resends;
    unsigned naks;          /* NAK / 'C' replies to a block or EOT */
    unsigned timeouts;
    unsigned eots;          /* EOTs sent */
    unsigned faults;        /* faults applied */
} xmodem_tx_stats;

typedef struct xmodem_tx {
    xmodem_tx_config cfg;
    xmodem_tx_fault *faults;
    uint8_t *file;
    size_t len;
    xmodem_status status;
    xmodem_reason reason;
    xmodem_check check;
    int st;               /* waiting to start / stalled / waiting for a reply / EOT */
    uint64_t deadline;
    size_t off;           /* file offset of the current block */
    size_t blen;          /* its length */
    uint64_t index;       /* its 1-based index */
    unsigned sends;       /* transmissions of the current block (or EOT) */
    int dup_sent;         /* the duplicate fault's extra copy is out */
    int acked_any;        /* a block was ACKed (sx's firstsec cleared) */
    int can_pending;
    bytebuf held;         /* bytes that came in while stalled, read afterwards */
    xmodem_tx_stats stats;
} xmodem_tx;

/* 0, -EINVAL (block size not 128/1024), -ENOMEM.  The file is copied. */
int xmodem_tx_init(xmodem_tx *t, const xmodem_tx_config *cfg, const void *file, size_t len);
void xmodem_tx_free(xmodem_tx *t);
/* Begin listening for the receiver's NAK / 'C' at `now`. */
void xmodem_tx_start(xmodem_tx *t, uint64_t now);
/* Bytes from the receiver; all are used. */
size_t xmodem_tx_feed(xmodem_tx *t, uint64_t now, const uint8_t *in, size_t n, xmodem_out *out);
void xmodem_tx_tick(xmodem_tx *t, uint64_t now, xmodem_out *out);
uint64_t xmodem_tx_next_deadline(const xmodem_tx *t);

static inline xmodem_status xmodem_tx_status(const xmodem_tx *t) { return t->status; }
static inline xmodem_reason xmodem_tx_reason(const xmodem_tx *t) { return t->reason; }
static inline xmodem_check xmodem_tx_check(const xmodem_tx *t) { return t->check; }
static inline const xmodem_tx_stats *xmodem_tx_stats_of(const xmodem_tx *t) { return &t->stats; }

/* What the receiver ends up with for a file of len bytes: the blocks' total
 * size (the file plus padding), and how many blocks. */
uint64_t xmodem_tx_padded_size(const xmodem_tx_config *cfg, size_t len);
uint64_t xmodem_tx_block_count(const xmodem_tx_config *cfg, size_t len);

#endif
