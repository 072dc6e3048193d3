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

/* crc16_table[i]: the CRC-16/XMODEM register after shifting the byte i
 * through it bit by bit (poly 0x1021) -- one lookup per byte instead of
 * eight shifts.  The check sits on the critical path of a stop-and-wait
 * transfer (the ACK waits for it): bit by bit it cost ~8.6 us per 1k block,
 * a sixth of a whole FOAT over the PTY (docs/bench.md, bench_foat). */
static const uint16_t crc16_table[256] = {
    0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50A5, 0x60C6, 0x70E7,
    0x8108, 0x9129, 0xA14A, 0xB16B, 0xC18C, 0xD1AD, 0xE1CE, 0xF1EF,
    0x1231, 0x0210, 0x3273, 0x2252, 0x52B5, 0x4294, 0x72F7, 0x62D6,
    0x9339, 0x8318, 0xB37B, 0xA35A, 0xD3BD, 0xC39C, 0xF3FF, 0xE3DE,
    0x2462, 0x3443, 0x0420, 0x1401, 0x64E6, 0x74C7, 0x44A4, 0x5485,
    0xA56A, 0xB54B, 0x8528, 0x9509, 0xE5EE, 0xF5CF, 0xC5AC, 0xD58D,
    0x3653, 0x2672, 0x1611, 0x0630, 0x76D7, 0x66F6, 0x5695, 0x46B4,
    0xB75B, 0xA77A, 0x9719, 0x8738, 0xF7DF, 0xE7FE, 0xD79D, 0xC7BC,
    0x48C4, 0x58E5, 0x6886, 0x78A7, 0x0840, 0x1861, 0x2802, 0x3823,
    0xC9CC, 0xD9ED, 0xE98E, 0xF9AF, 0x8948, 0x9969, 0xA90A, 0xB92B,
    0x5AF5, 0x4AD4, 0x7AB7, 0x6A96, 0x1A71, 0x0A50, 0x3A33, 0x2A12,
    0xDBFD, 0xCBDC, 0xFBBF, 0xEB9E, 0x9B79, 0x8B58, 0xBB3B, 0xAB1A,
    0x6CA6, 0x7C87, 0x4CE4, 0x5CC5, 0x2C22, 0x3C03, 0x0C60, 0x1C41,
    0xEDAE, 0xFD8F, 0xCDEC, 0xDDCD, 0xAD2A, 0xBD0B, 0x8D68, 0x9D49,
    0x7E97, 0x6EB6, 0x5ED5, 0x4EF4, 0x3E13, 0x2E32, 0x1E51, 0x0E70,
    0xFF9F, 0xEFBE, 0xDFDD, 0xCFFC, 0xBF1B, 0xAF3A, 0x9F59, 0x8F78,
    0x9188, 0x81A9, 0xB1CA, 0xA1EB, 0xD10C, 0xC12D, 0xF14E, 0xE16F,
    0x1080, 0x00A1, 0x30C2, 0x20E3, 0x5004, 0x4025, 0x7046, 0x6067,
    0x83B9, 0x9398, 0xA3FB, 0xB3DA, 0xC33D, 0xD31C, 0xE37F, 0xF35E,
    0x02B1, 0x1290, 0x22F3, 0x32D2, 0x4235, 0x5214, 0x6277, 0x7256,
    0xB5EA, 0xA5CB, 0x95A8, 0x8589, 0xF56E, 0xE54F, 0xD52C, 0xC50D,
    0x34E2, 0x24C3, 0x14A0, 0x0481, 0x7466, 0x6447, 0x5424, 0x4405,
    0xA7DB, 0xB7FA, 0x8799, 0x97B8, 0xE75F, 0xF77E, 0xC71D, 0xD73C,
    0x26D3, 0x36F2, 0x0691, 0x16B0, 0x6657, 0x7676, 0x4615, 0x5634,
    0xD94C, 0xC96D, 0xF90E, 0xE92F, 0x99C8, 0x89E9, 0xB98A, 0xA9AB,
    0x5844, 0x4865, 0x7806, 0x6827, 0x18C0, 0x08E1, 0x3882, 0x28A3,
    0xCB7D, 0xDB5C, 0xEB3F, 0xFB1E, 0x8BF9, 0x9BD8, 0xABBB, 0xBB9A,
    0x4A75, 0x5A54, 0x6A37, 0x7A16, 0x0AF1, 0x1AD0, 0x2AB3, 0x3A92,
    0xFD2E, 0xED0F, 0xDD6C, 0xCD4D, 0xBDAA, 0xAD8B, 0x9DE8, 0x8DC9,
    0x7C26, 0x6C07, 0x5C64, 0x4C45, 0x3CA2, 0x2C83, 0x1CE0, 0x0CC1,
    0xEF1F, 0xFF3E, 0xCF5D, 0xDF7C, 0xAF9B, 0xBFBA, 0x8FD9, 0x9FF8,
    0x6E17, 0x7E36, 0x4E55, 0x5E74, 0x2E93, 0x3EB2, 0x0ED1, 0x1EF0,
};

uint16_t xmodem_crc16(uint16_t crc, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n--)
        crc = (uint16_t)(crc << 8) ^ crc16_table[(uint8_t)(crc >> 8) ^ *b++];
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
        if (x->phase == XMODEM_RX_TRANSFER && x->st == ST_BLOCK && x->have >= 3 && x->have + 1 < x->need) {
            /* inside a frame past its header nothing is decided until the
             * last byte: take the run in one copy */
            size_t k = x->need - 1 - x->have < n - i ? x->need - 1 - x->have : n - i;
            memcpy(x->frame + x->have, in + i, k);
            x->have += k;
            i += k;
            continue;
        }
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
