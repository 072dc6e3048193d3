/* xmodem.c - the Xmodem / Xmodem-1k receiver of the FOAT update (app note
 * §4.1).  One function per event (handshake tick, header byte, block byte,
 * complete block, deadline); the state is (phase, st).  Why each rule is what
 * it is: docs/xmodem.md. */
#include "xmodem.h"

#include <errno.h>
#include <string.h>

/* Inside XMODEM_RX_TRANSFER. */
enum { ST_WAIT = 0, ST_BLOCK, ST_PURGE };

/* Counts and timeouts are clamped so that no configuration can make tick()
 * loop for long (a zero timeout with a huge error budget would). */
#define COUNT_MAX 255u
#define TIMEOUT_MIN XMODEM_MS(1)

/* ---- checks ---- */

uint16_t xmodem_crc16(uint16_t crc, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n--) {
        crc ^= (uint16_t)(*b++ << 8);
        for (int i = 0; i < 8; i++)
            crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc;
}

uint8_t xmodem_sum8(const void *p, size_t n)
{
    const uint8_t *b = p;
    unsigned sum = 0;
    while (n--)
        sum += *b++;
    return (uint8_t)sum;
}

/* ---- output ---- */

void xmodem_out_init(xmodem_out *o)
{
    bytebuf_init(&o->tx);
    bytebuf_init(&o->data);
    o->blocks = 0;
    o->err = 0;
}

void xmodem_out_clear(xmodem_out *o)
{
    bytebuf_clear(&o->tx);
    bytebuf_clear(&o->data);
    o->blocks = 0;
    o->err = 0;
}

void xmodem_out_free(xmodem_out *o)
{
    bytebuf_free(&o->tx);
    bytebuf_free(&o->data);
    xmodem_out_init(o);
}

static void send_byte(xmodem_out *o, uint8_t c)
{
    if (bytebuf_append_byte(&o->tx, c))
        o->err = -ENOMEM;
}

static void send_cans(xmodem_out *o, unsigned n)
{
    while (n--)
        send_byte(o, XMODEM_CAN);
}

/* ---- time arithmetic that cannot wrap ---- */

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* ---- configuration ---- */

void xmodem_rx_config_default(xmodem_rx_config *c)
{
    c->c_count = 3;
    c->c_interval = XMODEM_S(3);
    c->nak_count = 10;
    c->nak_interval = XMODEM_S(10);
    c->char_timeout = XMODEM_S(1);
    c->purge_quiet = XMODEM_S(1);
    c->block_timeout = XMODEM_S(10);
    c->max_errors = 10;
    c->can_count = 3;
}

uint64_t xmodem_rx_config_handshake_ns(const xmodem_rx_config *c)
{
    return add_sat(mul_sat(c->c_count, c->c_interval), mul_sat(c->nak_count, c->nak_interval));
}

static unsigned clamp_count(unsigned n)
{
    return n > COUNT_MAX ? COUNT_MAX : n;
}

static uint64_t clamp_timeout(uint64_t t)
{
    return t < TIMEOUT_MIN ? TIMEOUT_MIN : t;
}

void xmodem_rx_init(xmodem_rx *x, const xmodem_rx_config *cfg)
{
    xmodem_rx_config c0; /* copied first: cfg may point into x (free) */
    if (cfg)
        c0 = *cfg;
    else
        xmodem_rx_config_default(&c0);
    memset(x, 0, sizeof(*x));
    x->cfg = c0;
    xmodem_rx_config *c = &x->cfg;
    c->c_count = clamp_count(c->c_count);
    c->nak_count = clamp_count(c->nak_count);
    c->max_errors = clamp_count(c->max_errors);
    c->can_count = clamp_count(c->can_count);
    c->char_timeout = clamp_timeout(c->char_timeout);
    c->block_timeout = clamp_timeout(c->block_timeout);
    x->status = XMODEM_RUNNING;
    x->phase = XMODEM_RX_IDLE;
    x->expect = 1;
}

/* Nothing is allocated; back to a fresh, unstarted receiver. */
void xmodem_rx_free(xmodem_rx *x)
{
    xmodem_rx_init(x, &x->cfg);
}

/* ---- state changes shared by the events ---- */

static void finish(xmodem_rx *x, xmodem_status s, xmodem_reason r)
{
    x->status = s;
    x->reason = r;
    x->phase = XMODEM_RX_END;
}

static void give_up(xmodem_rx *x, xmodem_reason r, xmodem_out *out)
{
    send_cans(out, x->cfg.can_count);
    finish(x, XMODEM_FAILED, r);
}

/* Time of handshake character k (k == c_count + nak_count: the timeout). */
static uint64_t handshake_time(const xmodem_rx *x, unsigned k)
{
    const xmodem_rx_config *c = &x->cfg;
    if (k < c->c_count)
        return add_sat(x->t0, mul_sat(k, c->c_interval));
    uint64_t nak0 = add_sat(x->t0, mul_sat(c->c_count, c->c_interval));
    return add_sat(nak0, mul_sat(k - c->c_count, c->nak_interval));
}

/* One more error on the current block; 1 if that was one too many (the
 * receiver has then cancelled). */
static int count_error(xmodem_rx *x, uint64_t t, xmodem_out *out)
{
    x->stats.errors++;
    x->err_at = t;
    if (++x->errors < x->cfg.max_errors)
        return 0;
    give_up(x, XMODEM_R_TOO_MANY_ERRORS, out);
    return 1;
}

/* An error found in the middle of the sender's output: swallow the rest of
 * it before asking again, or the NAK would cross a block still arriving. */
static int purge_after_error(xmodem_rx *x, uint64_t t, xmodem_out *out)
{
    if (!count_error(x, t, out))
        x->st = ST_PURGE;
    return x->status != XMODEM_RUNNING;
}

static void wait_header(xmodem_rx *x, uint64_t t)
{
    x->st = ST_WAIT;
    x->wait_until = add_sat(t, x->cfg.block_timeout);
    x->can_pending = 0;
}

static void send_nak(xmodem_rx *x, uint64_t t, xmodem_out *out)
{
    send_byte(out, XMODEM_NAK);
    x->stats.naks++;
    wait_header(x, t);
}

/* ---- deadlines ---- */

uint64_t xmodem_rx_next_deadline(const xmodem_rx *x)
{
    if (x->status != XMODEM_RUNNING)
        return XMODEM_NEVER;
    switch (x->phase) {
    case XMODEM_RX_PHASE_C:
    case XMODEM_RX_PHASE_NAK:
        return handshake_time(x, x->hs_sent);
    case XMODEM_RX_TRANSFER:
        if (x->st == ST_BLOCK)
            return add_sat(x->last_rx, x->cfg.char_timeout);
        if (x->st == ST_PURGE) {
            uint64_t quiet = add_sat(x->last_rx, x->cfg.purge_quiet);
            return quiet > x->err_at ? quiet : x->err_at;
        }
        return x->wait_until;
    default:
        return XMODEM_NEVER;
    }
}

/* The next 'C' or NAK of the handshake, or its end (app note §4.1: up to 3
 * 'C' 3 s apart, then up to 10 NAK 10 s apart, 109 s in all). */
static void handshake_step(xmodem_rx *x, xmodem_out *out)
{
    const xmodem_rx_config *c = &x->cfg;
    if (x->hs_sent >= c->c_count + c->nak_count) {
        finish(x, XMODEM_TIMEOUT, XMODEM_R_HANDSHAKE);
        return;
    }
    if (x->hs_sent < c->c_count) {
        send_byte(out, XMODEM_CRC);
        x->phase = XMODEM_RX_PHASE_C;
    } else {
        send_byte(out, XMODEM_NAK);
        x->phase = XMODEM_RX_PHASE_NAK;
    }
    x->hs_sent++;
}

/* The deadline due at t has passed. */
static void on_deadline(xmodem_rx *x, uint64_t t, xmodem_out *out)
{
    if (x->phase != XMODEM_RX_TRANSFER) {
        handshake_step(x, out);
        return;
    }
    switch (x->st) {
    case ST_WAIT: /* inter-block timeout: ask again */
        x->stats.timeouts++;
        if (!count_error(x, t, out))
            send_nak(x, t, out);
        break;
    case ST_BLOCK: /* a gap inside a block: it is short; the purge may be over already */
        x->stats.short_blocks++;
        purge_after_error(x, t, out);
        break;
    default: /* ST_PURGE: the line has been quiet long enough */
        send_nak(x, t, out);
        break;
    }
}

void xmodem_rx_tick(xmodem_rx *x, uint64_t now, xmodem_out *out)
{
    for (;;) {
        uint64_t t = xmodem_rx_next_deadline(x);
        if (t == XMODEM_NEVER || t > now)
            return;
        on_deadline(x, t, out);
    }
}

void xmodem_rx_start(xmodem_rx *x, uint64_t now, xmodem_out *out)
{
    if (x->phase != XMODEM_RX_IDLE)
        return;
    x->t0 = now;
    x->phase = XMODEM_RX_PHASE_C;
    xmodem_rx_tick(x, now, out);
}

void xmodem_rx_abort(xmodem_rx *x, int send_can, xmodem_out *out)
{
    if (x->status != XMODEM_RUNNING)
        return;
    if (send_can)
        send_cans(out, x->cfg.can_count);
    finish(x, XMODEM_FAILED, XMODEM_R_ABORTED);
}

/* ---- bytes ---- */

/* Two CANs in a row where a block header may start cancel the transfer; a
 * single one is taken for line noise. */
static int on_can(xmodem_rx *x)
{
    if (x->can_pending) {
        finish(x, XMODEM_CANCELLED, XMODEM_R_PEER_CANCEL);
        return 1;
    }
    x->can_pending = 1;
    return 0;
}

static void begin_block(xmodem_rx *x, uint8_t c)
{
    x->frame[0] = c;
    x->have = 1;
    x->need = 3 + (c == XMODEM_STX ? 1024u : 128u) + (x->check == XMODEM_CHECK_CRC16 ? 2u : 1u);
    x->st = ST_BLOCK;
    x->can_pending = 0;
}

/* Before the first block: the first SOH/STX ends the handshake and fixes the
 * check by the phase it arrives in (app note §4.1); anything else is stray. */
static int on_handshake_byte(xmodem_rx *x, uint8_t c)
{
    if (c == XMODEM_SOH || c == XMODEM_STX) {
        x->check = x->phase == XMODEM_RX_PHASE_C ? XMODEM_CHECK_CRC16 : XMODEM_CHECK_SUM8;
        x->phase = XMODEM_RX_TRANSFER;
        begin_block(x, c);
        return 0;
    }
    if (c == XMODEM_CAN)
        return on_can(x);
    x->can_pending = 0;
    x->stats.stray++;
    return 0;
}

static int on_header_byte(xmodem_rx *x, uint64_t now, uint8_t c, xmodem_out *out)
{
    if (c == XMODEM_CAN)
        return on_can(x);
    x->can_pending = 0;
    if (c == XMODEM_SOH || c == XMODEM_STX) {
        begin_block(x, c);
        return 0;
    }
    if (c == XMODEM_EOT) {
        send_byte(out, XMODEM_ACK);
        finish(x, XMODEM_DONE, XMODEM_R_EOT);
        return 1;
    }
    x->stats.garbage++;
    return purge_after_error(x, now, out);
}

static void ack(xmodem_rx *x, uint64_t now, xmodem_out *out)
{
    send_byte(out, XMODEM_ACK);
    x->errors = 0;
    wait_header(x, now);
}

static int accept_block(xmodem_rx *x, uint64_t now, const uint8_t *data, size_t len, xmodem_out *out)
{
    if (bytebuf_append(&out->data, data, len)) {
        out->err = -ENOMEM;
        give_up(x, XMODEM_R_NO_MEMORY, out);
        return 1;
    }
    out->blocks++;
    x->stats.blocks++;
    x->stats.bytes += len;
    if (len == 1024)
        x->stats.blocks_1k++;
    x->last_seq = x->expect++;
    ack(x, now, out);
    return 1;
}

/* A whole frame is in: check it, then decide by its number. */
static int on_frame(xmodem_rx *x, uint64_t now, xmodem_out *out)
{
    size_t len = x->frame[0] == XMODEM_STX ? 1024 : 128;
    const uint8_t *data = x->frame + 3, *chk = data + len;
    int good;
    if (x->check == XMODEM_CHECK_CRC16)
        good = xmodem_crc16(0, data, len) == (uint16_t)(chk[0] << 8 | chk[1]);
    else
        good = xmodem_sum8(data, len) == chk[0];
    if (!good) {
        x->stats.bad_check++;
        return purge_after_error(x, now, out);
    }
    uint8_t seq = x->frame[1];
    if (seq == x->expect)
        return accept_block(x, now, data, len, out);
    if (seq == (uint8_t)(x->expect - 1)) { /* our ACK was lost: ACK again, drop it */
        x->stats.dups++;
        ack(x, now, out);
        return 0;
    }
    give_up(x, XMODEM_R_SYNC_LOST, out);
    return 1;
}

static int on_block_byte(xmodem_rx *x, uint64_t now, uint8_t c, xmodem_out *out)
{
    x->frame[x->have++] = c;
    if (x->have == 3 && (uint8_t)(x->frame[1] + x->frame[2]) != 0xFF) {
        x->stats.bad_header++;
        return purge_after_error(x, now, out);
    }
    return x->have == x->need ? on_frame(x, now, out) : 0;
}

/* 1 when feed() must stop after this byte. */
static int on_byte(xmodem_rx *x, uint64_t now, uint8_t c, xmodem_out *out)
{
    if (x->phase != XMODEM_RX_TRANSFER)
        return on_handshake_byte(x, c);
    switch (x->st) {
    case ST_WAIT:
        return on_header_byte(x, now, c, out);
    case ST_BLOCK:
        return on_block_byte(x, now, c, out);
    default: /* ST_PURGE: swallowed, and the quiet period starts again */
        return 0;
    }
}

size_t xmodem_rx_feed(xmodem_rx *x, uint64_t now, const uint8_t *in, size_t n, xmodem_out *out)
{
    if (x->phase == XMODEM_RX_IDLE) {
        x->stats.stray += (unsigned)n;
        return n;
    }
    xmodem_rx_tick(x, now, out);
    size_t i = 0;
    while (i < n && x->status == XMODEM_RUNNING) {
        x->last_rx = now;
        if (on_byte(x, now, in[i++], out))
            break;
    }
    return i;
}

/* ---- names for traces and test messages ---- */

const char *xmodem_status_name(xmodem_status s)
{
    static const char *const names[] = { "RUNNING", "DONE", "CANCELLED", "TIMEOUT", "FAILED" };
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const char *xmodem_reason_name(xmodem_reason r)
{
    static const char *const names[] = {
        "none", "eot", "handshake-timeout", "peer-cancel", "sync-lost",
        "too-many-errors", "no-eot-ack", "aborted", "no-memory",
    };
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

const char *xmodem_check_name(xmodem_check c)
{
    static const char *const names[] = { "none", "crc16", "checksum" };
    return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

const char *xmodem_rx_phase_name(xmodem_rx_phase p)
{
    static const char *const names[] = { "idle", "C", "NAK", "transfer", "end" };
    return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p] : "?";
}
