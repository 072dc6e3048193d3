/* fuzz_xmodem.c - libFuzzer target for the FOAT Xmodem receiver
 * (protocol/xmodem.c), and for the receiver against the sender
 * (protocol/xmodem_tx.c).  Nothing may crash, loop, or break an invariant
 * (checked below; a violation traps).
 *
 * Input: byte 0 picks the mode and a configuration, the rest is a script.
 *
 *   Receiver mode (bit 7 of byte 0 clear): records of one op byte
 *   (low 2 bits = op, high 6 bits = arg) and their operands:
 *     0  raw bytes: the next arg+1 bytes arrive now
 *     1  a frame: operand byte b; number = expected + (b & 3) - 1 (so
 *        duplicates, the right one and the next one), 1k if arg bit 0,
 *        checksum instead of CRC if arg bit 1, one byte flipped if arg bit 2,
 *        cut short if arg bit 3
 *     2  time passes: arg ms, x1000 if arg >= 32
 *     3  jump to the receiver's next deadline (arg 62/63: abort, with CAN if 63)
 *   Sender mode (bit 7 set): a file of (byte 1 x 97) bytes, 128/1k by bit 0
 *   of byte 0, sx's 'G' start by bit 1, and up to 8 faults of 4 bytes
 *   (block, kind, count, stall seconds), run on an instant line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/xmodem.h"
#include "protocol/xmodem_tx.h"

#define CHECK(c)                 \
    do {                         \
        if (!(c))                \
            __builtin_trap();    \
    } while (0)

/* ---- receiver mode ---- */

typedef struct fz {
    xmodem_rx rx;
    xmodem_out out;
    uint64_t now;
    uint64_t delivered; /* payload bytes handed out */
    xmodem_status prev;
} fz;

/* What every call must leave true. */
static void check_after_call(fz *f)
{
    const xmodem_rx *x = &f->rx;
    xmodem_status st = xmodem_rx_status(x);
    CHECK(f->prev == XMODEM_RUNNING || st == f->prev); /* an end is final */
    f->prev = st;
    CHECK((st == XMODEM_RUNNING) == (x->phase != XMODEM_RX_END));
    for (size_t i = 0; i < f->out.tx.len; i++) {
        uint8_t c = f->out.tx.data[i];
        CHECK(c == XMODEM_CRC || c == XMODEM_NAK || c == XMODEM_ACK || c == XMODEM_CAN);
        CHECK(c != XMODEM_CAN || st == XMODEM_FAILED); /* CAN only when giving up */
    }
    CHECK(f->out.data.len % 128 == 0);
    f->delivered += f->out.data.len;
    CHECK(f->delivered == x->stats.bytes);
    CHECK(x->stats.bytes == 128 * (x->stats.blocks - x->stats.blocks_1k) + 1024 * x->stats.blocks_1k);
    CHECK(x->stats.blocks == 0 || xmodem_rx_last_seq(x) == (uint8_t)x->stats.blocks);
    CHECK(x->errors <= x->cfg.max_errors);
    uint64_t next = xmodem_rx_next_deadline(x);
    CHECK(next > f->now || next == XMODEM_NEVER);
    CHECK(st == XMODEM_RUNNING || next == XMODEM_NEVER);
    xmodem_out_clear(&f->out);
}

static void feed(fz *f, const uint8_t *p, size_t n)
{
    while (n && xmodem_rx_status(&f->rx) == XMODEM_RUNNING) {
        size_t k = xmodem_rx_feed(&f->rx, f->now, p, n, &f->out);
        CHECK(k <= n);
        CHECK(k > 0 || xmodem_rx_status(&f->rx) != XMODEM_RUNNING);
        p += k;
        n -= k;
        CHECK(f->out.blocks <= 1); /* feed stops after each block */
        check_after_call(f);
    }
}

static void send_frame(fz *f, uint8_t arg, uint8_t b)
{
    uint8_t fr[3 + 1024 + 2];
    size_t len = arg & 1 ? 1024 : 128;
    uint8_t seq = (uint8_t)(f->rx.expect + (b & 3) - 1);
    fr[0] = len == 1024 ? XMODEM_STX : XMODEM_SOH;
    fr[1] = seq;
    fr[2] = (uint8_t)~seq;
    for (size_t i = 0; i < len; i++)
        fr[3 + i] = (uint8_t)(i ^ b);
    size_t n = 3 + len;
    if (arg & 2) {
        fr[n++] = xmodem_sum8(fr + 3, len);
    } else {
        uint16_t crc = xmodem_crc16(0, fr + 3, len);
        fr[n++] = (uint8_t)(crc >> 8);
        fr[n++] = (uint8_t)crc;
    }
    if (arg & 4)
        fr[1 + b % (n - 1)] ^= 0x5A;
    if (arg & 8)
        n = b % n;
    feed(f, fr, n);
}

static void fuzz_receiver(const uint8_t *d, size_t size)
{
    fz f;
    memset(&f, 0, sizeof(f));
    xmodem_rx_config cfg;
    xmodem_rx_config_default(&cfg);
    if (d[0] & 1) { /* a short handshake reaches every phase sooner */
        cfg.c_count = d[0] >> 4 & 3;
        cfg.nak_count = d[0] >> 6 & 1;
        cfg.block_timeout = XMODEM_S(2);
        cfg.max_errors = 1 + (d[0] >> 1 & 3);
    }
    xmodem_rx_init(&f.rx, &cfg);
    xmodem_out_init(&f.out);
    if (d[0] & 2) /* bytes before the start */
        feed(&f, d, size < 4 ? size : 4);
    xmodem_rx_start(&f.rx, 0, &f.out);
    check_after_call(&f);
    for (size_t i = 1; i < size;) {
        uint8_t op = d[i] & 3, arg = d[i] >> 2;
        i++;
        if (op == 0) {
            size_t n = (size_t)arg + 1 < size - i ? (size_t)arg + 1 : size - i;
            feed(&f, d + i, n);
            i += n;
        } else if (op == 1) {
            send_frame(&f, arg, i < size ? d[i] : 0);
            i++;
        } else if (op == 3 && arg >= 62) {
            xmodem_rx_abort(&f.rx, arg & 1, &f.out);
            check_after_call(&f);
        } else {
            if (op == 2)
                f.now += XMODEM_MS(arg) * (arg >= 32 ? 1000 : 1);
            else if (xmodem_rx_next_deadline(&f.rx) != XMODEM_NEVER)
                f.now = xmodem_rx_next_deadline(&f.rx);
            xmodem_rx_tick(&f.rx, f.now, &f.out);
            check_after_call(&f);
        }
    }
    /* A line that goes quiet always ends the transfer, within 1000 s. */
    f.now += XMODEM_S(1000);
    xmodem_rx_tick(&f.rx, f.now, &f.out);
    check_after_call(&f);
    CHECK(xmodem_rx_status(&f.rx) != XMODEM_RUNNING);
    xmodem_rx_free(&f.rx);
    xmodem_out_free(&f.out);
}

/* ---- sender against receiver ---- */

/* Can the sender end up reading each ACK one block late?  After sx's 'G'
 * start; when block 1 is delayed onto one of the receiver's handshake Cs;
 * after a stall past the receiver's NAK. */
static int may_lag(const xmodem_tx_config *tc, uint64_t block_timeout)
{
    int lag = tc->start_on_g;
    for (size_t i = 0; i < tc->nfaults; i++) {
        const xmodem_tx_fault *f = &tc->faults[i];
        lag |= f->kind == XMODEM_FAULT_STALL && (f->block == 1 || f->stall_ns >= block_timeout);
    }
    return lag;
}

static void fuzz_link(const uint8_t *d, size_t size)
{
    static uint8_t file[255 * 97];
    size_t len = size > 1 ? d[1] * 97u : 0;
    for (size_t i = 0; i < len; i++)
        file[i] = (uint8_t)(i * 31 + (i >> 8));
    xmodem_tx_fault faults[8];
    size_t nf = 0;
    for (size_t i = 2; i + 4 <= size && nf < 8; i += 4, nf++) {
        faults[nf] = (xmodem_tx_fault){
            .block = d[i],
            .kind = (xmodem_fault_kind)(1 + d[i + 1] % 6),
            .part = (xmodem_fault_part)(d[i + 1] / 6 % 3),
            .count = d[i + 2] & 15,
            .stall_ns = XMODEM_S(d[i + 3] & 31),
        };
    }
    xmodem_tx_config tc;
    xmodem_tx_config_default(&tc);
    tc.block_size = d[0] & 1 ? 1024 : 128;
    tc.start_on_g = d[0] >> 1 & 1;
    tc.faults = faults;
    tc.nfaults = nf;
    xmodem_rx rx;
    xmodem_tx tx;
    xmodem_out ro, to;
    xmodem_rx_init(&rx, NULL);
    CHECK(xmodem_tx_init(&tx, &tc, file, len) == 0);
    xmodem_out_init(&ro);
    xmodem_out_init(&to);
    bytebuf got;
    bytebuf_init(&got);
    uint64_t now = 0;
    xmodem_tx_start(&tx, now);
    if (tc.start_on_g)
        xmodem_tx_feed(&tx, now, (const uint8_t *)"+UFWUPD: ONGOING\r\n", 18, &to);
    xmodem_rx_start(&rx, now, &ro);
    int steps = 0;
    for (;; steps++) {
        CHECK(steps < 200000);
        if (ro.tx.len) {
            xmodem_tx_feed(&tx, now, ro.tx.data, ro.tx.len, &to);
            xmodem_out_clear(&ro);
            continue;
        }
        if (to.tx.len) {
            const uint8_t *p = to.tx.data;
            size_t n = to.tx.len;
            while (n && xmodem_rx_status(&rx) == XMODEM_RUNNING) {
                size_t k = xmodem_rx_feed(&rx, now, p, n, &ro);
                CHECK(k > 0 || xmodem_rx_status(&rx) != XMODEM_RUNNING);
                p += k;
                n -= k;
            }
            bytebuf_append(&got, ro.data.data, ro.data.len);
            bytebuf_clear(&ro.data);
            xmodem_out_clear(&to);
            continue;
        }
        uint64_t a = xmodem_rx_next_deadline(&rx), b = xmodem_tx_next_deadline(&tx);
        uint64_t next = a < b ? a : b;
        if (next == XMODEM_NEVER)
            break;
        CHECK(next >= now);
        now = next;
        xmodem_rx_tick(&rx, now, &ro);
        xmodem_tx_tick(&tx, now, &to);
    }
    /* Both sides end.  What a DONE receiver holds is never wrong (sender
     * faults are always detected): a block-aligned prefix of file + padding,
     * and all of it unless the sender ran one ACK behind (may_lag()), when
     * a lost last block lets its EOT through early (docs/xmodem.md). */
    CHECK(xmodem_rx_status(&rx) != XMODEM_RUNNING);
    CHECK(xmodem_tx_status(&tx) != XMODEM_RUNNING);
    if (xmodem_rx_status(&rx) == XMODEM_DONE) {
        uint64_t padded = xmodem_tx_padded_size(&tc, len);
        CHECK(got.len % 128 == 0 && got.len <= padded);
        CHECK(memcmp(got.data, file, got.len < len ? got.len : len) == 0);
        for (size_t i = len; i < got.len; i++)
            CHECK(got.data[i] == tc.pad);
        if (!may_lag(&tc, rx.cfg.block_timeout))
            CHECK(got.len == padded);
    }
    bytebuf_free(&got);
    xmodem_rx_free(&rx);
    xmodem_tx_free(&tx);
    xmodem_out_free(&ro);
    xmodem_out_free(&to);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 0x80)
        fuzz_link(data, size);
    else
        fuzz_receiver(data, size);
    return 0;
}
