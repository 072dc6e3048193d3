/* xmodem_host.c - the harness's Xmodem sender: protocol/xmodem_tx (an
 * lrzsz sx look-alike) behind the frame interface of xmodem_host.h.
 *
 * xmodem_tx writes whole frames into its output; this adapter hands them out
 * one by one, tagged with the block they carry, so the step can apply the
 * scenario's per-block faults.  The sender's own fault injection is not used
 * (the step's is), and it behaves as `sx` does: 'C' or NAK starts it, 1k mode
 * sends the file's tail in 128-byte blocks, padding is 0x1A. */
#include "xmodem_host.h"

#include <errno.h>
#include <stdlib.h>

#include "protocol/xmodem_tx.h"

/* A frame the sender wrote, with the block it carried when it wrote it. */
typedef struct sx_frame {
    size_t off, len;
    xm_frame_kind kind;
    uint32_t index;
    unsigned attempt;
} sx_frame;

typedef struct sx_adapter {
    xmodem_tx tx;
    xmodem_out out;
    size_t scanned;   /* out.tx bytes already cut into frames */
    sx_frame *frames; /* frames not yet handed out */
    size_t nframes, cap, next;
} sx_adapter;

/* Length of the frame starting at p (the sender writes whole frames). */
static size_t frame_len(const sx_adapter *a, const uint8_t *p, size_t left, xm_frame_kind *kind)
{
    if (p[0] == XMODEM_SOH || p[0] == XMODEM_STX) {
        size_t len = 3 + (p[0] == XMODEM_STX ? 1024 : 128) + (a->tx.check == XMODEM_CHECK_SUM8 ? 1 : 2);
        *kind = XM_FRAME_BLOCK;
        return len <= left ? len : left;
    }
    if (p[0] == XMODEM_CAN) {
        size_t n = 1;
        while (n < left && p[n] == XMODEM_CAN)
            n++;
        *kind = XM_FRAME_CAN;
        return n;
    }
    *kind = XM_FRAME_EOT;
    return 1;
}

/* Cut what the last call wrote into frames, tagged with the sender's state
 * right after that call (one call writes at most one block frame, because
 * the adapter feeds the sender one byte at a time). */
static int note_frames(sx_adapter *a)
{
    while (a->scanned < a->out.tx.len) {
        if (a->nframes == a->cap) {
            size_t cap = a->cap ? a->cap * 2 : 8;
            sx_frame *nf = realloc(a->frames, cap * sizeof(*nf));
            if (!nf)
                return -1;
            a->frames = nf;
            a->cap = cap;
        }
        sx_frame *f = &a->frames[a->nframes++];
        f->off = a->scanned;
        f->len = frame_len(a, a->out.tx.data + a->scanned, a->out.tx.len - a->scanned, &f->kind);
        f->index = (uint32_t)a->tx.index;
        f->attempt = a->tx.sends ? a->tx.sends : 1;
        a->scanned += f->len;
    }
    return 0;
}

static int sx_create(void **out, const uint8_t *data, size_t len, const xm_sender_opts *o, sim_ns now)
{
    sx_adapter *a = calloc(1, sizeof(*a));
    if (!a)
        return -ENOMEM;
    xmodem_tx_config cfg;
    xmodem_tx_config_default(&cfg);
    cfg.block_size = o->block == 1024 ? 1024 : 128;
    cfg.tail_128 = cfg.block_size == 1024;
    cfg.no_crc = o->crc == 0;
    xmodem_out_init(&a->out);
    if (xmodem_tx_init(&a->tx, &cfg, data, len)) {
        free(a);
        return -ENOMEM;
    }
    xmodem_tx_start(&a->tx, now);
    *out = a;
    return 0;
}

static size_t sx_feed(void *s, const uint8_t *p, size_t n, sim_ns now)
{
    sx_adapter *a = s;
    size_t took = 0;
    while (took < n && xmodem_tx_status(&a->tx) == XMODEM_RUNNING) {
        took += xmodem_tx_feed(&a->tx, now, p + took, 1, &a->out);
        note_frames(a);
    }
    return took;
}

static void sx_tick(void *s, sim_ns now)
{
    sx_adapter *a = s;
    xmodem_tx_tick(&a->tx, now, &a->out);
    note_frames(a);
}

static sim_ns sx_next_deadline(const void *s)
{
    const sx_adapter *a = s;
    uint64_t d = xmodem_tx_next_deadline(&a->tx);
    return d == XMODEM_NEVER ? SIM_NEVER : d;
}

static int sx_next_frame(void *s, xm_frame *f)
{
    sx_adapter *a = s;
    if (a->next >= a->nframes) {
        xmodem_out_clear(&a->out);
        a->scanned = a->nframes = a->next = 0;
        return 0;
    }
    const sx_frame *sf = &a->frames[a->next++];
    const uint8_t *p = a->out.tx.data + sf->off;
    *f = (xm_frame){ sf->kind, sf->index, sf->attempt, p, sf->len, 0, 0 };
    if (sf->kind == XM_FRAME_BLOCK) {
        f->data_off = 3;
        f->data_len = p[0] == XMODEM_STX ? 1024 : 128;
    }
    return 1;
}

static xm_tx_status sx_status(const void *s, const char **why)
{
    const sx_adapter *a = s;
    xmodem_status st = xmodem_tx_status(&a->tx);
    if (why)
        *why = xmodem_reason_name(xmodem_tx_reason(&a->tx));
    switch (st) {
    case XMODEM_RUNNING: return XM_TX_RUNNING;
    case XMODEM_DONE: return XM_TX_DONE;
    case XMODEM_CANCELLED: return XM_TX_CANCELLED;
    default: return XM_TX_FAILED;
    }
}

static void sx_destroy(void *s)
{
    sx_adapter *a = s;
    free(a->frames);
    xmodem_tx_free(&a->tx);
    xmodem_out_free(&a->out);
    free(a);
}

static const xm_sender_ops sx_ops = {
    "xmodem_tx", sx_create, sx_feed, sx_tick, sx_next_deadline, sx_next_frame, sx_status, sx_destroy,
};

const xm_sender_ops *xmodem_host_sender(void) { return &sx_ops; }
