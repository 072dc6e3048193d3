/* xmodem_tx.c - Xmodem / Xmodem-1k sender with per-block faults (the host
 * side of a FOAT update in scenarios and tests).  Modelled on the behaviour
 * of lrzsz sx (fact sheet §8.2); see xmodem_tx.h and docs/xmodem.md. */
#include "xmodem_tx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { TX_IDLE = 0, TX_WAIT_START, TX_STALL, TX_WAIT_REPLY, TX_WAIT_EOT_ACK, TX_END };

#define COUNT_MAX 255u
#define TIMEOUT_MIN XMODEM_MS(1)
#define SX_1K_TAIL 896 /* sx -k drops to 128-byte blocks when this little is left */

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void xmodem_tx_config_default(xmodem_tx_config *c)
{
    memset(c, 0, sizeof(*c));
    c->block_size = 128;
    c->tail_128 = 1;
    c->pad = XMODEM_PAD;
    c->start_timeout = XMODEM_S(60);
    c->reply_timeout = XMODEM_S(60);
    c->max_retries = 10;
    c->can_count = 2;
}

static size_t block_len(const xmodem_tx_config *c, size_t remaining)
{
    if (c->block_size == 1024 && !(c->tail_128 && remaining <= SX_1K_TAIL))
        return 1024;
    return 128;
}

uint64_t xmodem_tx_padded_size(const xmodem_tx_config *cfg, size_t len)
{
    uint64_t off = 0;
    while (off < len)
        off += block_len(cfg, len - off);
    return off;
}

uint64_t xmodem_tx_block_count(const xmodem_tx_config *cfg, size_t len)
{
    uint64_t off = 0, n = 0;
    for (; off < len; n++)
        off += block_len(cfg, len - off);
    return n;
}

int xmodem_tx_init(xmodem_tx *t, const xmodem_tx_config *cfg, const void *file, size_t len)
{
    memset(t, 0, sizeof(*t));
    bytebuf_init(&t->held);
    if (cfg)
        t->cfg = *cfg;
    else
        xmodem_tx_config_default(&t->cfg);
    xmodem_tx_config *c = &t->cfg;
    if (c->block_size != 128 && c->block_size != 1024)
        return -EINVAL;
    if (c->max_retries > COUNT_MAX)
        c->max_retries = COUNT_MAX;
    if (c->can_count > COUNT_MAX)
        c->can_count = COUNT_MAX;
    if (c->reply_timeout < TIMEOUT_MIN)
        c->reply_timeout = TIMEOUT_MIN;
    t->file = malloc(len ? len : 1);
    t->faults = malloc(c->nfaults ? c->nfaults * sizeof(*t->faults) : 1);
    if (!t->file || !t->faults) {
        xmodem_tx_free(t);
        return -ENOMEM;
    }
    if (len)
        memcpy(t->file, file, len);
    if (c->nfaults)
        memcpy(t->faults, c->faults, c->nfaults * sizeof(*t->faults));
    c->faults = t->faults;
    t->len = len;
    t->status = XMODEM_RUNNING;
    t->st = TX_IDLE;
    t->deadline = XMODEM_NEVER;
    return 0;
}

void xmodem_tx_free(xmodem_tx *t)
{
    free(t->file);
    free(t->faults);
    bytebuf_free(&t->held);
    t->file = NULL;
    t->faults = NULL;
    t->cfg.faults = NULL;
    t->cfg.nfaults = 0;
}

/* ---- output ---- */

static void send_bytes(xmodem_out *o, const void *p, size_t n)
{
    if (bytebuf_append(&o->tx, p, n))
        o->err = -ENOMEM;
}

static void send_byte(xmodem_out *o, uint8_t c)
{
    send_bytes(o, &c, 1);
}

static void finish(xmodem_tx *t, xmodem_status s, xmodem_reason r)
{
    t->status = s;
    t->reason = r;
    t->st = TX_END;
    t->deadline = XMODEM_NEVER;
}

/* Cancel the way sx's canit does (without its backspaces). */
static void send_cancel(xmodem_tx *t, xmodem_status s, xmodem_reason r, xmodem_out *out)
{
    for (unsigned i = 0; i < t->cfg.can_count; i++)
        send_byte(out, XMODEM_CAN);
    finish(t, s, r);
}

/* ---- faults ---- */

static const xmodem_tx_fault *find_fault(const xmodem_tx *t, xmodem_fault_kind kind)
{
    for (size_t i = 0; i < t->cfg.nfaults; i++)
        if (t->faults[i].block == t->index && t->faults[i].kind == kind)
            return &t->faults[i];
    return NULL;
}

/* The corrupt / drop / short fault that applies to this transmission. */
static const xmodem_tx_fault *line_fault(xmodem_tx *t)
{
    static const xmodem_fault_kind kinds[] = { XMODEM_FAULT_CORRUPT, XMODEM_FAULT_DROP, XMODEM_FAULT_SHORT };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        const xmodem_tx_fault *f = find_fault(t, kinds[i]);
        if (f && t->sends <= (f->count ? f->count : 1)) {
            t->stats.faults++;
            return f;
        }
    }
    return NULL;
}

/* ---- frames ---- */

/* Build the current block's frame and send it, or the faulty part of it. */
static void put_frame(xmodem_tx *t, const xmodem_tx_fault *f, xmodem_out *out)
{
    uint8_t fr[3 + XMODEM_BLOCK_MAX + 2];
    uint8_t *data = fr + 3;
    size_t left = t->len - t->off, take = left < t->blen ? left : t->blen;
    fr[0] = t->blen == 1024 ? XMODEM_STX : XMODEM_SOH;
    fr[1] = (uint8_t)t->index;
    fr[2] = (uint8_t)~fr[1];
    memcpy(data, t->file + t->off, take);
    memset(data + take, t->cfg.pad, t->blen - take);
    size_t n = 3 + t->blen;
    if (t->check == XMODEM_CHECK_CRC16) {
        uint16_t crc = xmodem_crc16(0, data, t->blen);
        fr[n++] = (uint8_t)(crc >> 8);
        fr[n++] = (uint8_t)crc;
    } else {
        fr[n++] = xmodem_sum8(data, t->blen);
    }
    size_t send = n;
    if (f && f->kind == XMODEM_FAULT_CORRUPT) {
        size_t at = f->part == XMODEM_PART_CHECK ? 3 + t->blen : f->part == XMODEM_PART_SEQ ? 2 : 3 + t->blen / 2;
        fr[at] ^= 0xFF;
    } else if (f && f->kind == XMODEM_FAULT_DROP) {
        send = 0;
    } else if (f && f->kind == XMODEM_FAULT_SHORT) {
        send = n / 2;
    }
    send_bytes(out, fr, send);
    t->stats.frames++;
}

static void wait_reply(xmodem_tx *t, int st, uint64_t now)
{
    t->st = st;
    t->deadline = add_sat(now, t->cfg.reply_timeout);
}

/* (Re)send the current block; after max_retries resends, give up. */
static void transmit(xmodem_tx *t, uint64_t now, xmodem_out *out)
{
    if (++t->sends > t->cfg.max_retries + 1) {
        send_cancel(t, XMODEM_FAILED, XMODEM_R_TOO_MANY_ERRORS, out);
        return;
    }
    if (t->sends > 1)
        t->stats.resends++;
    put_frame(t, line_fault(t), out);
    wait_reply(t, TX_WAIT_REPLY, now);
}

static void send_eot(xmodem_tx *t, uint64_t now, xmodem_out *out)
{
    if (++t->sends > t->cfg.max_retries) {
        send_cancel(t, XMODEM_FAILED, XMODEM_R_NO_EOT_ACK, out);
        return;
    }
    send_byte(out, XMODEM_EOT);
    t->stats.eots++;
    wait_reply(t, TX_WAIT_EOT_ACK, now);
}

/* Move on to the block at t->off, or to the EOT after the last one. */
static void begin_block(xmodem_tx *t, uint64_t now, xmodem_out *out)
{
    t->sends = 0;
    t->dup_sent = 0;
    if (t->off >= t->len) {
        send_eot(t, now, out);
        return;
    }
    t->blen = block_len(&t->cfg, t->len - t->off);
    if (find_fault(t, XMODEM_FAULT_CANCEL)) {
        t->stats.faults++;
        send_cancel(t, XMODEM_CANCELLED, XMODEM_R_ABORTED, out);
        return;
    }
    const xmodem_tx_fault *stall = find_fault(t, XMODEM_FAULT_STALL);
    if (stall && stall->stall_ns) {
        t->stats.faults++;
        t->st = TX_STALL;
        t->deadline = add_sat(now, stall->stall_ns);
        return;
    }
    transmit(t, now, out);
}

static void begin_transfer(xmodem_tx *t, xmodem_check check, uint64_t now, xmodem_out *out)
{
    t->check = check;
    t->off = 0;
    t->index = 1;
    begin_block(t, now, out);
}

void xmodem_tx_start(xmodem_tx *t, uint64_t now)
{
    if (t->st != TX_IDLE || t->status != XMODEM_RUNNING)
        return;
    t->st = TX_WAIT_START;
    t->deadline = t->cfg.start_timeout ? add_sat(now, t->cfg.start_timeout) : XMODEM_NEVER;
}

/* ---- replies ---- */

static void on_ack(xmodem_tx *t, uint64_t now, xmodem_out *out)
{
    if (!t->dup_sent) {
        t->stats.blocks++;
        t->acked_any = 1;
        if (find_fault(t, XMODEM_FAULT_DUPLICATE)) {
            t->stats.faults++;
            t->dup_sent = 1;
            put_frame(t, NULL, out);
            wait_reply(t, TX_WAIT_REPLY, now);
            return;
        }
    }
    t->off += t->blen;
    t->index++;
    begin_block(t, now, out);
}

static void on_start_byte(xmodem_tx *t, uint8_t c, uint64_t now, xmodem_out *out)
{
    if (c == XMODEM_NAK)
        begin_transfer(t, XMODEM_CHECK_SUM8, now, out);
    else if (!t->cfg.no_crc && (c == XMODEM_CRC || (t->cfg.start_on_g && c == 'G')))
        begin_transfer(t, XMODEM_CHECK_CRC16, now, out);
}

static void on_block_reply(xmodem_tx *t, uint8_t c, uint64_t now, xmodem_out *out)
{
    if (c == XMODEM_ACK) {
        on_ack(t, now, out);
    } else if (c == XMODEM_NAK || (c == XMODEM_CRC && !t->cfg.no_crc)) {
        /* sx: a 'C' before the first ACK also means "use CRC" */
        if (c == XMODEM_CRC && !t->acked_any)
            t->check = XMODEM_CHECK_CRC16;
        t->stats.naks++;
        transmit(t, now, out);
    }
}

static void on_eot_reply(xmodem_tx *t, uint8_t c, uint64_t now, xmodem_out *out)
{
    if (c == XMODEM_ACK) {
        finish(t, XMODEM_DONE, XMODEM_R_EOT);
    } else if (c == XMODEM_NAK) {
        t->stats.naks++;
        send_eot(t, now, out);
    }
}

static void on_byte(xmodem_tx *t, uint8_t c, uint64_t now, xmodem_out *out)
{
    if (c == XMODEM_CAN) {
        if (t->can_pending)
            finish(t, XMODEM_CANCELLED, XMODEM_R_PEER_CANCEL);
        t->can_pending = 1;
        return;
    }
    t->can_pending = 0;
    switch (t->st) {
    case TX_WAIT_START:
        on_start_byte(t, c, now, out);
        break;
    case TX_WAIT_REPLY:
        on_block_reply(t, c, now, out);
        break;
    case TX_WAIT_EOT_ACK:
        on_eot_reply(t, c, now, out);
        break;
    default:
        break;
    }
}

/* Read bytes until the end, or until a stall begins (then hold the rest:
 * a stalled sender is not reading its input). */
static size_t read_bytes(xmodem_tx *t, uint64_t now, const uint8_t *in, size_t n, xmodem_out *out)
{
    size_t i = 0;
    while (i < n && t->status == XMODEM_RUNNING && t->st != TX_STALL)
        on_byte(t, in[i++], now, out);
    return i;
}

static void hold(xmodem_tx *t, const uint8_t *in, size_t n, xmodem_out *out)
{
    if (t->status == XMODEM_RUNNING && n && bytebuf_append(&t->held, in, n))
        out->err = -ENOMEM;
}

size_t xmodem_tx_feed(xmodem_tx *t, uint64_t now, const uint8_t *in, size_t n, xmodem_out *out)
{
    xmodem_tx_tick(t, now, out);
    if (t->st == TX_IDLE)
        return n; /* not listening yet */
    size_t used = t->st == TX_STALL ? 0 : read_bytes(t, now, in, n, out);
    hold(t, in + used, n - used, out);
    return n;
}

static void on_deadline(xmodem_tx *t, uint64_t at, xmodem_out *out)
{
    switch (t->st) {
    case TX_WAIT_START: /* sx: nobody asked, start anyway with a checksum */
        begin_transfer(t, XMODEM_CHECK_SUM8, at, out);
        break;
    case TX_STALL: {
        transmit(t, at, out);
        size_t used = read_bytes(t, at, t->held.data, t->held.len, out);
        bytebuf_consume(&t->held, used);
        break;
    }
    case TX_WAIT_REPLY:
        t->stats.timeouts++;
        transmit(t, at, out);
        break;
    case TX_WAIT_EOT_ACK:
        t->stats.timeouts++;
        send_eot(t, at, out);
        break;
    default:
        t->deadline = XMODEM_NEVER;
        break;
    }
}

uint64_t xmodem_tx_next_deadline(const xmodem_tx *t)
{
    return t->status == XMODEM_RUNNING ? t->deadline : XMODEM_NEVER;
}

void xmodem_tx_tick(xmodem_tx *t, uint64_t now, xmodem_out *out)
{
    for (;;) {
        uint64_t at = xmodem_tx_next_deadline(t);
        if (at == XMODEM_NEVER || at > now)
            return;
        on_deadline(t, at, out);
    }
}
