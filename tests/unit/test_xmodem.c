/* test_xmodem.c - the FOAT Xmodem receiver (app note §4.1, §4.1.1, §4.2
 * Table 7; fact sheet §8) against hand-built byte sequences and against the
 * sender of protocol/xmodem_tx.c, on a virtual clock.  Test names quote the
 * app note section whose behaviour they check ("an_4_1_..."); "fs_8_..." are
 * the classic Xmodem rules of fact sheet §8. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/xmodem.h"
#include "protocol/xmodem_tx.h"

#define S(x) XMODEM_S(x)
#define MS(x) XMODEM_MS(x)
#define T0 S(5) /* starts are not at 0, so that a missing t0 shows */

/* ---- helpers: hand-built frames and a receiver driven by hand ---- */

/* Payload byte i of block `seq`: depends on both, so a misplaced block shows. */
static uint8_t pattern(unsigned seq, size_t i)
{
    return (uint8_t)(i * 7 + 1 + seq * 13);
}

#define CRC XMODEM_CHECK_CRC16
#define SUM XMODEM_CHECK_SUM8

typedef struct frame {
    uint8_t b[3 + XMODEM_BLOCK_MAX + 2];
    size_t n;
} frame;

/* (Re)compute the check of a frame whose data was edited. */
static void frame_seal(frame *f, xmodem_check chk)
{
    size_t len = f->b[0] == XMODEM_STX ? 1024 : 128;
    f->n = 3 + len;
    if (chk == CRC) {
        uint16_t crc = xmodem_crc16(0, f->b + 3, len);
        f->b[f->n++] = (uint8_t)(crc >> 8);
        f->b[f->n++] = (uint8_t)crc;
    } else {
        f->b[f->n++] = xmodem_sum8(f->b + 3, len);
    }
}

/* A well-formed frame, built by hand. */
static frame make_frame(unsigned seq, size_t len, xmodem_check chk)
{
    frame f;
    f.b[0] = len == 1024 ? XMODEM_STX : XMODEM_SOH;
    f.b[1] = (uint8_t)seq;
    f.b[2] = (uint8_t)(255 - (uint8_t)seq);
    for (size_t i = 0; i < len; i++)
        f.b[3 + i] = pattern(seq, i);
    frame_seal(&f, chk);
    return f;
}

typedef struct rig {
    xmodem_rx rx;
    xmodem_out out;
    bytebuf got; /* every payload byte accepted so far */
} rig;

static void rig_init_cfg(rig *r, const xmodem_rx_config *cfg, uint64_t t0)
{
    xmodem_rx_init(&r->rx, cfg);
    xmodem_out_init(&r->out);
    bytebuf_init(&r->got);
    xmodem_rx_start(&r->rx, t0, &r->out);
}

static void rig_init(rig *r, uint64_t t0)
{
    rig_init_cfg(r, NULL, t0);
}

static void rig_free(rig *r)
{
    xmodem_rx_free(&r->rx);
    xmodem_out_free(&r->out);
    bytebuf_free(&r->got);
}

static void rig_collect(rig *r)
{
    bytebuf_append(&r->got, r->out.data.data, r->out.data.len);
    bytebuf_clear(&r->out.data);
    r->out.blocks = 0;
}

/* Feed everything the way the modem would (feed stops after each block). */
static void rig_feed(rig *r, uint64_t now, const uint8_t *p, size_t n)
{
    while (n && xmodem_rx_status(&r->rx) == XMODEM_RUNNING) {
        size_t k = xmodem_rx_feed(&r->rx, now, p, n, &r->out);
        ck_assert_msg(k > 0, "feed used nothing while running");
        p += k;
        n -= k;
        rig_collect(r);
    }
}

static void rig_tick(rig *r, uint64_t now)
{
    xmodem_rx_tick(&r->rx, now, &r->out);
}

static void rig_feed_frame(rig *r, uint64_t now, const frame *f)
{
    rig_feed(r, now, f->b, f->n);
}

/* Feed a good block. */
static void rig_good(rig *r, uint64_t now, unsigned seq, size_t len, xmodem_check chk)
{
    frame f = make_frame(seq, len, chk);
    rig_feed_frame(r, now, &f);
}

/* The bytes the receiver has sent since the last call, as a string of
 * names ("C", "N", "A", "X" for CAN, hex otherwise). */
static const char *rig_sent(rig *r)
{
    static char s[256];
    size_t j = 0;
    for (size_t i = 0; i < r->out.tx.len && j + 4 < sizeof(s); i++) {
        uint8_t c = r->out.tx.data[i];
        if (c == XMODEM_CRC)
            s[j++] = 'C';
        else if (c == XMODEM_NAK)
            s[j++] = 'N';
        else if (c == XMODEM_ACK)
            s[j++] = 'A';
        else if (c == XMODEM_CAN)
            s[j++] = 'X';
        else
            j += (size_t)snprintf(s + j, sizeof(s) - j, "<%02x>", c);
    }
    s[j] = 0;
    bytebuf_clear(&r->out.tx);
    return s;
}

/* A receiver started at 0 whose handshake output up to `upto` is dropped. */
static void rig_init_quiet(rig *r, uint64_t upto)
{
    rig_init(r, 0);
    rig_tick(r, upto);
    rig_sent(r);
}

static void expect_block_data(const rig *r, size_t at, unsigned seq, size_t len)
{
    ck_assert_uint_ge(r->got.len, at + len);
    for (size_t i = 0; i < len; i++)
        ck_assert_msg(r->got.data[at + i] == pattern(seq, i), "block seq %u byte %zu", seq, i);
}

/* ---- checks ---- */

START_TEST(fs_8_1_crc16_xmodem_check_value)
{
    ck_assert_uint_eq(xmodem_crc16(0, "123456789", 9), 0x31C3);
    /* chained = whole */
    ck_assert_uint_eq(xmodem_crc16(xmodem_crc16(0, "1234", 4), "56789", 5), 0x31C3);
    uint8_t pad[128];
    memset(pad, XMODEM_PAD, sizeof(pad));
    ck_assert_uint_eq(xmodem_crc16(0, pad, sizeof(pad)), 0xF8B0); /* python binascii.crc_hqx */
    uint8_t p[1024];
    for (size_t i = 0; i < sizeof(p); i++)
        p[i] = pattern(0, i);
    ck_assert_uint_eq(xmodem_crc16(0, p, 1024), 0xDAD5);
    ck_assert_uint_eq(xmodem_crc16(0, p, 128), 0x9578);
    ck_assert_uint_eq(xmodem_sum8(p, 128), 0xC0);
    ck_assert_uint_eq(xmodem_sum8(p, 1024), 0x00);
}
END_TEST

/* The table-driven CRC equals the definition (shift bit by bit, poly
 * 0x1021) for every byte value, every starting register, and chained. */
static uint16_t crc16_by_bits(uint16_t crc, const uint8_t *b, size_t n)
{
    while (n--) {
        crc ^= (uint16_t)(*b++ << 8);
        for (int i = 0; i < 8; i++)
            crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc;
}

START_TEST(fs_8_1_crc16_table_matches_the_bitwise_definition)
{
    for (unsigned v = 0; v < 256; v++) {
        uint8_t b = (uint8_t)v;
        for (unsigned init = 0; init < 0x10000; init += 0x0101)
            ck_assert_uint_eq(xmodem_crc16((uint16_t)init, &b, 1), crc16_by_bits((uint16_t)init, &b, 1));
    }
    uint8_t p[1029];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(p); i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
    for (size_t n = 0; n <= sizeof(p); n += 7)
        ck_assert_uint_eq(xmodem_crc16(0, p, n), crc16_by_bits(0, p, n));
    ck_assert_uint_eq(xmodem_crc16(xmodem_crc16(0, p, 500), p + 500, 529), crc16_by_bits(0, p, 1029));
}
END_TEST

/* ---- handshake (app note §4.1, §4.1.1, Table 7) ---- */

START_TEST(an_4_1_handshake_109s_timeout)
{
    rig r;
    rig_init(&r, T0);
    ck_assert_uint_eq(xmodem_rx_config_handshake_ns(&r.rx.cfg), S(109));
    /* The first C at start, then every char exactly on its second. */
    static const struct { unsigned s; char c; } want[] = {
        { 0, 'C' }, { 3, 'C' }, { 6, 'C' }, { 9, 'N' }, { 19, 'N' }, { 29, 'N' }, { 39, 'N' },
        { 49, 'N' }, { 59, 'N' }, { 69, 'N' }, { 79, 'N' }, { 89, 'N' }, { 99, 'N' },
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        uint64_t at = T0 + S(want[i].s);
        if (i > 0) {
            ck_assert_uint_eq(xmodem_rx_next_deadline(&r.rx), at);
            rig_tick(&r, at - 1);
            ck_assert_str_eq(rig_sent(&r), "");
            rig_tick(&r, at);
        }
        char c[2] = { want[i].c, 0 };
        ck_assert_msg(strcmp(rig_sent(&r), c) == 0, "char %zu at %us", i, want[i].s);
        ck_assert_int_eq(xmodem_rx_phase_of(&r.rx), want[i].c == 'C' ? XMODEM_RX_PHASE_C : XMODEM_RX_PHASE_NAK);
    }
    ck_assert_uint_eq(xmodem_rx_next_deadline(&r.rx), T0 + S(109));
    rig_tick(&r, T0 + S(109) - 1);
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_RUNNING);
    rig_tick(&r, T0 + S(109));
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_TIMEOUT);
    ck_assert_int_eq(xmodem_rx_reason(&r.rx), XMODEM_R_HANDSHAKE);
    ck_assert_str_eq(rig_sent(&r), ""); /* the modem reports the timeout, not the receiver */
    ck_assert_uint_eq(xmodem_rx_next_deadline(&r.rx), XMODEM_NEVER);
    ck_assert_int_eq(xmodem_rx_check(&r.rx), XMODEM_CHECK_NONE);
    rig_free(&r);
}
END_TEST

START_TEST(an_4_1_1_late_tick_catches_up_on_every_char)
{
    /* One tick long after the start emits the whole run, in order. */
    rig r;
    rig_init(&r, T0);
    rig_tick(&r, T0 + S(500));
    ck_assert_str_eq(rig_sent(&r), "CCCNNNNNNNNNN");
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_TIMEOUT);
    rig_free(&r);
}
END_TEST

START_TEST(an_4_1_handshake_counts_and_intervals_come_from_config)
{
    xmodem_rx_config c;
    xmodem_rx_config_default(&c);
    c.c_count = 2;
    c.c_interval = S(1);
    c.nak_count = 1;
    c.nak_interval = S(5);
    rig r;
    rig_init_cfg(&r, &c, 0);
    ck_assert_str_eq(rig_sent(&r), "C");
    rig_tick(&r, S(1));
    ck_assert_str_eq(rig_sent(&r), "C");
    rig_tick(&r, S(2));
    ck_assert_str_eq(rig_sent(&r), "N");
    ck_assert_uint_eq(xmodem_rx_next_deadline(&r.rx), S(7));
    rig_tick(&r, S(7));
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_TIMEOUT);
    rig_free(&r);
    /* free() leaves a fresh receiver with the same configuration */
    ck_assert_int_eq(xmodem_rx_phase_of(&r.rx), XMODEM_RX_IDLE);
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_RUNNING);
    ck_assert_uint_eq(r.rx.cfg.c_count, 2);
    ck_assert_uint_eq(r.rx.cfg.nak_interval, S(5));

    c.c_count = 0; /* a checksum-only module: NAK from the start */
    rig_init_cfg(&r, &c, 0);
    ck_assert_str_eq(rig_sent(&r), "N");
    ck_assert_int_eq(xmodem_rx_phase_of(&r.rx), XMODEM_RX_PHASE_NAK);
    rig_free(&r);
}
END_TEST

/* ---- check mode selection (app note §4.1) ---- */

START_TEST(an_4_1_block_while_c_is_sent_selects_crc)
{
    rig r;
    rig_init_quiet(&r, S(6));
    rig_good(&r, S(9) - 1, 1, 128, CRC); /* last instant of the C phase */
    ck_assert_str_eq(rig_sent(&r), "A");
    ck_assert_int_eq(xmodem_rx_check(&r.rx), XMODEM_CHECK_CRC16);
    ck_assert_int_eq(xmodem_rx_phase_of(&r.rx), XMODEM_RX_TRANSFER);
    ck_assert_uint_eq(r.got.len, 128);
    expect_block_data(&r, 0, 1, 128);
    rig_free(&r);
}
END_TEST

START_TEST(an_4_1_block_in_nak_phase_selects_checksum)
{
    rig r;
    rig_init(&r, T0);
    /* Arriving exactly when the first NAK is due: the NAK goes out first. */
    rig_good(&r, T0 + S(9), 1, 128, SUM);
    ck_assert_str_eq(rig_sent(&r), "CCCNA");
    ck_assert_int_eq(xmodem_rx_check(&r.rx), XMODEM_CHECK_SUM8);
    ck_assert_uint_eq(r.got.len, 128);
    expect_block_data(&r, 0, 1, 128);
    rig_free(&r);
}
END_TEST

START_TEST(an_4_1_crc_block_in_nak_phase_is_rejected)
{
    /* A sender still in CRC mode after the C phase sends one byte too many:
     * the checksum fails and the extra byte is purged before the NAK. */
    rig r;
    rig_init_quiet(&r, S(19));
    rig_good(&r, S(20), 1, 128, CRC);
    ck_assert_str_eq(rig_sent(&r), "");
    ck_assert_int_eq(xmodem_rx_check(&r.rx), XMODEM_CHECK_SUM8);
    rig_tick(&r, S(21));
    ck_assert_str_eq(rig_sent(&r), "N");
    ck_assert_uint_eq(r.rx.stats.bad_check, 1);
    ck_assert_uint_eq(r.got.len, 0);
    rig_free(&r);
}
END_TEST

/* ---- blocks ---- */

START_TEST(an_4_1_xmodem_1k_and_128_blocks_mix)
{
    static const size_t lens[] = { 1024, 128, 128, 1024, 1024, 128 };
    rig r;
    rig_init_quiet(&r, 0);
    size_t at = 0;
    for (unsigned i = 0; i < 6; i++) {
        rig_good(&r, MS(100 * (i + 1)), i + 1, lens[i], CRC);
        ck_assert_str_eq(rig_sent(&r), "A");
        expect_block_data(&r, at, i + 1, lens[i]);
        at += lens[i];
        ck_assert_uint_eq(xmodem_rx_last_seq(&r.rx), i + 1);
    }
    ck_assert_uint_eq(r.got.len, at);
    ck_assert_uint_eq(r.rx.stats.blocks, 6);
    ck_assert_uint_eq(r.rx.stats.blocks_1k, 3);
    ck_assert_uint_eq(r.rx.stats.bytes, at);
    rig_feed(&r, S(1), &(uint8_t){ XMODEM_EOT }, 1);
    ck_assert_str_eq(rig_sent(&r), "A");
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_DONE);
    rig_free(&r);
}
END_TEST

START_TEST(fs_8_1_sequence_wraps_0xff_to_0x00)
{
    /* 300 blocks: numbers 1..255, 0, 1, ... 44.  Checksum mode this time. */
    rig r;
    rig_init_quiet(&r, S(9));
    for (unsigned i = 1; i <= 300; i++) {
        rig_good(&r, S(10) + MS(i), i & 0xFF, 128, SUM);
        ck_assert_msg(strcmp(rig_sent(&r), "A") == 0, "block %u", i);
        ck_assert_uint_eq(xmodem_rx_last_seq(&r.rx), i & 0xFF);
        ck_assert_uint_eq(xmodem_rx_blocks(&r.rx), i);
    }
    ck_assert_uint_eq(r.got.len, 300 * 128);
    for (unsigned i = 1; i <= 300; i++)
        expect_block_data(&r, (i - 1) * 128, i & 0xFF, 128);
    ck_assert_uint_eq(r.rx.stats.dups, 0);
    rig_free(&r);
}
END_TEST

START_TEST(fs_8_1_feed_stops_after_each_accepted_block)
{
    rig r;
    rig_init_quiet(&r, 0);
    frame f1 = make_frame(1, 128, CRC), f2 = make_frame(2, 128, CRC);
    uint8_t both[2 * 133];
    memcpy(both, f1.b, f1.n);
    memcpy(both + f1.n, f2.b, f2.n);
    size_t k = xmodem_rx_feed(&r.rx, S(1), both, f1.n + f2.n, &r.out);
    ck_assert_uint_eq(k, f1.n);
    ck_assert_uint_eq(r.out.blocks, 1);
    ck_assert_uint_eq(xmodem_rx_last_seq(&r.rx), 1);
    k = xmodem_rx_feed(&r.rx, S(1), both + f1.n, f2.n, &r.out);
    ck_assert_uint_eq(k, f2.n);
    ck_assert_uint_eq(r.out.blocks, 2);
    ck_assert_uint_eq(r.out.data.len, 256);
    ck_assert_str_eq(rig_sent(&r), "AA");
    rig_free(&r);
}
END_TEST

/* ---- errors (fact sheet §8.1: purge, NAK, 10 retries, CAN) ---- */

START_TEST(fs_8_1_bad_crc_purges_until_1s_quiet_then_naks)
{
    rig r;
    rig_init_quiet(&r, 0);
    frame f = make_frame(1, 128, CRC);
    f.b[f.n - 1] ^= 0x01;
    rig_feed_frame(&r, S(1), &f);
    ck_assert_str_eq(rig_sent(&r), "");
    ck_assert_uint_eq(xmodem_rx_next_deadline(&r.rx), S(2));
    /* More line noise half a second later: the quiet second restarts. */
    rig_feed(&r, MS(1500), (const uint8_t *)"\x01\x02garbage", 9);
    ck_assert_uint_eq(xmodem_rx_next_deadline(&r.rx), MS(2500));
    rig_tick(&r, MS(2500) - 1);
    ck_assert_str_eq(rig_sent(&r), "");
    rig_tick(&r, MS(2500));
    ck_assert_str_eq(rig_sent(&r), "N");
    ck_assert_uint_eq(r.got.len, 0);
    ck_assert_uint_eq(r.rx.stats.bad_check, 1);
    rig_good(&r, S(3), 1, 128, CRC); /* the resend is accepted */
    ck_assert_str_eq(rig_sent(&r), "A");
    expect_block_data(&r, 0, 1, 128);
    ck_assert_uint_eq(r.rx.errors, 0);
    rig_free(&r);
}
END_TEST

START_TEST(fs_8_1_bad_checksum_naks)
{
    rig r;
    rig_init_quiet(&r, S(9));
    frame f = make_frame(1, 1024, SUM);
    f.b[500] ^= 0x10;
    rig_feed_frame(&r, S(10), &f);
    rig_tick(&r, S(11));
    ck_assert_str_eq(rig_sent(&r), "N");
    ck_assert_uint_eq(r.rx.stats.bad_check, 1);
    rig_free(&r);
}
END_TEST

START_TEST(fs_8_1_bad_complement_purges_then_naks)
{
    rig r;
    rig_init_quiet(&r, 0);
    frame f = make_frame(1, 128, CRC);
    f.b[2] = 0xFF; /* 1 + 0xFF != 0xFF */
    rig_feed_frame(&r, S(1), &f);
    ck_assert_uint_eq(r.rx.stats.bad_header, 1);
    ck_assert_str_eq(rig_sent(&r), "");
    ck_assert_uint_eq(xmodem_rx_next_deadline(&r.rx), S(2));
    rig_tick(&r, S(2));
    ck_assert_str_eq(rig_sent(&r), "N");
    rig_good(&r, S(3), 1, 128, CRC);
    ck_assert_str_eq(rig_sent(&r), "A");
    rig_free(&r);
}
END_TEST

START_TEST(fs_8_1_short_block_inter_char_timeout_naks)
{
    rig r;
    rig_init_quiet(&r, 0);
    frame f = make_frame(1, 128, CRC);
    rig_feed(&r, S(1), f.b, 60);
    rig_feed(&r, MS(1900), f.b + 60, 10); /* 0.9 s gap: still the same block */
    ck_assert_uint_eq(xmodem_rx_next_deadline(&r.rx), MS(2900));
    rig_tick(&r, MS(2900) - 1);
    ck_assert_str_eq(rig_sent(&r), "");
    rig_tick(&r, MS(2900));
    ck_assert_str_eq(rig_sent(&r), "N");
    ck_assert_uint_eq(r.rx.stats.short_blocks, 1);
    ck_assert_uint_eq(xmodem_rx_next_deadline(&r.rx), MS(12900));
    rig_feed_frame(&r, S(3), &f);
    ck_assert_str_eq(rig_sent(&r), "A");
    expect_block_data(&r, 0, 1, 128);
    rig_free(&r);
}
END_TEST

START_TEST(fs_8_1_duplicate_block_is_acked_and_dropped)
{
    rig r;
    rig_init_quiet(&r, 0);
    rig_good(&r, S(1), 1, 128, CRC);
    rig_good(&r, S(2), 1, 128, CRC);
    ck_assert_str_eq(rig_sent(&r), "AA");
    ck_assert_uint_eq(r.got.len, 128);
    ck_assert_uint_eq(r.rx.stats.dups, 1);
    ck_assert_uint_eq(xmodem_rx_blocks(&r.rx), 1);
    rig_good(&r, S(3), 2, 128, CRC);
    ck_assert_str_eq(rig_sent(&r), "A");
    ck_assert_uint_eq(r.got.len, 256);
    expect_block_data(&r, 128, 2, 128);
    rig_free(&r);
}
END_TEST

START_TEST(fs_8_1_wrong_block_number_loses_sync_and_cancels)
{
    rig r;
    rig_init_quiet(&r, 0);
    rig_good(&r, S(1), 1, 128, CRC);
    frame f = make_frame(3, 128, CRC);
    rig_feed_frame(&r, S(2), &f);
    ck_assert_str_eq(rig_sent(&r), "AXXX");
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_FAILED);
    ck_assert_int_eq(xmodem_rx_reason(&r.rx), XMODEM_R_SYNC_LOST);
    ck_assert_uint_eq(r.got.len, 128);
    ck_assert_uint_eq(xmodem_rx_feed(&r.rx, S(3), f.b, f.n, &r.out), 0);
    rig_free(&r);

    /* A first block numbered 2 is just as fatal. */
    rig_init_quiet(&r, 0);
    rig_good(&r, S(1), 2, 128, CRC);
    ck_assert_str_eq(rig_sent(&r), "XXX");
    ck_assert_int_eq(xmodem_rx_reason(&r.rx), XMODEM_R_SYNC_LOST);
    rig_free(&r);
}
END_TEST

START_TEST(fs_8_1_ten_errors_on_one_block_cancel)
{
    rig r;
    rig_init_quiet(&r, 0);
    rig_good(&r, S(1), 1, 128, CRC);
    ck_assert_str_eq(rig_sent(&r), "A");
    frame f = make_frame(2, 128, CRC);
    f.b[10] ^= 0xFF;
    uint64_t t = S(2);
    for (int i = 1; i <= 9; i++, t += S(2)) {
        rig_feed_frame(&r, t, &f);
        rig_tick(&r, t + S(1));
        ck_assert_msg(strcmp(rig_sent(&r), "N") == 0, "error %d", i);
    }
    rig_feed_frame(&r, t, &f); /* the 10th: give up at once */
    ck_assert_str_eq(rig_sent(&r), "XXX");
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_FAILED);
    ck_assert_int_eq(xmodem_rx_reason(&r.rx), XMODEM_R_TOO_MANY_ERRORS);
    ck_assert_uint_eq(r.rx.stats.errors, 10);
    ck_assert_uint_eq(r.got.len, 128);
    rig_free(&r);
}
END_TEST

START_TEST(fs_8_1_inter_block_timeout_naks_then_cancels)
{
    rig r;
    rig_init_quiet(&r, 0);
    rig_good(&r, S(1), 1, 128, CRC);
    ck_assert_str_eq(rig_sent(&r), "A");
    /* Nothing for 10 s after the ACK: NAK, counted as an error. */
    ck_assert_uint_eq(xmodem_rx_next_deadline(&r.rx), S(11));
    rig_tick(&r, S(11) - 1);
    ck_assert_str_eq(rig_sent(&r), "");
    rig_tick(&r, S(11));
    ck_assert_str_eq(rig_sent(&r), "N");
    ck_assert_uint_eq(r.rx.stats.timeouts, 1);
    /* The block then comes, and the error count starts again. */
    rig_good(&r, S(15), 2, 128, CRC);
    ck_assert_str_eq(rig_sent(&r), "A");
    ck_assert_uint_eq(r.rx.errors, 0);
    /* A sender that never comes back: NAK every 10 s, CAN at the 10th. */
    for (int i = 1; i <= 9; i++) {
        rig_tick(&r, S(15) + S(10) * (uint64_t)i);
        ck_assert_msg(strcmp(rig_sent(&r), "N") == 0, "timeout %d", i);
    }
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_RUNNING);
    rig_tick(&r, S(115));
    ck_assert_str_eq(rig_sent(&r), "XXX");
    ck_assert_int_eq(xmodem_rx_reason(&r.rx), XMODEM_R_TOO_MANY_ERRORS);
    rig_free(&r);
}
END_TEST

START_TEST(fs_8_1_garbage_instead_of_header_is_an_error)
{
    rig r;
    rig_init_quiet(&r, 0);
    rig_good(&r, S(1), 1, 128, CRC);
    rig_feed(&r, S(2), (const uint8_t *)"AT\r\n", 4);
    ck_assert_uint_eq(r.rx.stats.garbage, 1);
    ck_assert_uint_eq(r.rx.errors, 1);
    rig_tick(&r, S(3));
    ck_assert_str_eq(rig_sent(&r), "AN");
    rig_free(&r);
}
END_TEST

/* ---- end and cancel ---- */

START_TEST(an_4_1_eot_is_acked_and_ends_done)
{
    rig r;
    rig_init_quiet(&r, 0);
    rig_good(&r, S(1), 1, 128, CRC);
    /* The first EOT is ACKed (no NAK-first: docs/xmodem.md). */
    const uint8_t tail[] = { XMODEM_EOT, 'x' };
    size_t k = xmodem_rx_feed(&r.rx, S(2), tail, 2, &r.out);
    ck_assert_uint_eq(k, 1); /* stops at the EOT; the 'x' is not ours */
    ck_assert_str_eq(rig_sent(&r), "AA");
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_DONE);
    ck_assert_int_eq(xmodem_rx_reason(&r.rx), XMODEM_R_EOT);
    ck_assert_int_eq(xmodem_rx_phase_of(&r.rx), XMODEM_RX_END);
    ck_assert_uint_eq(xmodem_rx_next_deadline(&r.rx), XMODEM_NEVER);
    ck_assert_uint_eq(xmodem_rx_feed(&r.rx, S(3), tail, 2, &r.out), 0);
    rig_tick(&r, S(1000));
    ck_assert_str_eq(rig_sent(&r), "");
    rig_free(&r);
}
END_TEST

START_TEST(fs_8_1_can_can_cancels_single_can_is_noise)
{
    rig r;
    const uint8_t can = XMODEM_CAN, cc[] = { XMODEM_CAN, XMODEM_CAN };

    /* In the handshake. */
    rig_init(&r, 0);
    rig_feed(&r, S(1), cc, 2);
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_CANCELLED);
    ck_assert_int_eq(xmodem_rx_reason(&r.rx), XMODEM_R_PEER_CANCEL);
    ck_assert_str_eq(rig_sent(&r), "C");
    rig_free(&r);

    /* Between blocks, even when the two come in two reads. */
    rig_init(&r, 0);
    rig_good(&r, S(1), 1, 128, CRC);
    rig_feed(&r, S(2), &can, 1);
    rig_feed(&r, S(2) + 1, &can, 1);
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_CANCELLED);
    rig_free(&r);

    /* A single CAN is ignored, in the handshake and before a block. */
    rig_init(&r, 0);
    rig_feed(&r, S(1), &can, 1);
    rig_feed(&r, S(1), (const uint8_t *)"x", 1);
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_RUNNING);
    rig_feed(&r, S(2), &can, 1);
    rig_good(&r, S(2), 1, 128, CRC);
    ck_assert_str_eq(rig_sent(&r), "CA");
    ck_assert_uint_eq(r.got.len, 128);
    rig_feed(&r, S(3), &can, 1);
    rig_good(&r, S(3), 2, 128, CRC);
    ck_assert_str_eq(rig_sent(&r), "A");
    ck_assert_uint_eq(r.rx.errors, 0);
    /* CAN CAN inside block data is data. */
    frame f = make_frame(3, 128, CRC);
    f.b[3] = f.b[4] = XMODEM_CAN;
    frame_seal(&f, CRC);
    rig_feed_frame(&r, S(4), &f);
    ck_assert_str_eq(rig_sent(&r), "A");
    ck_assert_uint_eq(r.got.len, 384);
    rig_free(&r);
}
END_TEST

START_TEST(an_4_1_1_receiver_abort_with_or_without_can)
{
    rig r;
    rig_init_quiet(&r, 0);
    xmodem_rx_abort(&r.rx, 1, &r.out);
    ck_assert_str_eq(rig_sent(&r), "XXX");
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_FAILED);
    ck_assert_int_eq(xmodem_rx_reason(&r.rx), XMODEM_R_ABORTED);
    xmodem_rx_abort(&r.rx, 1, &r.out); /* once only */
    ck_assert_str_eq(rig_sent(&r), "");
    rig_free(&r);

    rig_init_quiet(&r, 0); /* power loss: the module just stops */
    xmodem_rx_abort(&r.rx, 0, &r.out);
    ck_assert_str_eq(rig_sent(&r), "");
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_FAILED);
    ck_assert_uint_eq(xmodem_rx_next_deadline(&r.rx), XMODEM_NEVER);
    rig_free(&r);
}
END_TEST

/* ---- stray bytes before the first block ---- */

START_TEST(an_4_1_stray_bytes_before_first_block_are_ignored)
{
    xmodem_rx rx;
    xmodem_out out;
    xmodem_rx_init(&rx, NULL);
    xmodem_out_init(&out);
    /* Not started: nothing happens, nothing is due. */
    ck_assert_uint_eq(xmodem_rx_next_deadline(&rx), XMODEM_NEVER);
    ck_assert_uint_eq(xmodem_rx_feed(&rx, 0, (const uint8_t *)"AT\r", 3, &out), 3);
    ck_assert_uint_eq(out.tx.len, 0);
    xmodem_rx_free(&rx);
    xmodem_out_free(&out);

    rig r;
    rig_init(&r, 0);
    /* A host echoing our C, typing AT, a stray EOT, ACK and NAK. */
    static const uint8_t junk[] = { 'C', 'A', 'T', '\r', '\n', XMODEM_EOT, XMODEM_ACK, XMODEM_NAK, 0xFF, 0x00 };
    rig_feed(&r, MS(500), junk, sizeof(junk));
    ck_assert_int_eq(xmodem_rx_status(&r.rx), XMODEM_RUNNING);
    ck_assert_int_eq(xmodem_rx_phase_of(&r.rx), XMODEM_RX_PHASE_C);
    ck_assert_uint_eq(r.rx.stats.stray, sizeof(junk));
    ck_assert_uint_eq(xmodem_rx_next_deadline(&r.rx), S(3)); /* schedule unchanged */
    rig_tick(&r, S(3));
    ck_assert_str_eq(rig_sent(&r), "CC");
    rig_good(&r, S(4), 1, 128, CRC);
    ck_assert_str_eq(rig_sent(&r), "A");
    expect_block_data(&r, 0, 1, 128);
    rig_free(&r);
}
END_TEST

START_TEST(fs_8_1_block_zero_first_counts_as_duplicate)
{
    /* Block 0 before block 1 is "the previous block" (as lrz rx sees it):
     * ACKed and dropped, so a YMODEM header block does no harm. */
    rig r;
    rig_init_quiet(&r, 0);
    rig_good(&r, S(1), 0, 128, CRC);
    ck_assert_str_eq(rig_sent(&r), "A");
    ck_assert_uint_eq(r.got.len, 0);
    ck_assert_uint_eq(r.rx.stats.dups, 1);
    rig_free(&r);
}
END_TEST

START_TEST(fs_8_1_start_twice_and_names_for_traces)
{
    rig r;
    rig_init(&r, 0);
    xmodem_rx_start(&r.rx, S(1), &r.out); /* already started: no effect */
    ck_assert_str_eq(rig_sent(&r), "C");
    ck_assert_uint_eq(xmodem_rx_next_deadline(&r.rx), S(3));
    rig_free(&r);
    /* The words trace lines use (docs/xmodem.md). */
    ck_assert_str_eq(xmodem_status_name(XMODEM_DONE), "DONE");
    ck_assert_str_eq(xmodem_status_name(XMODEM_TIMEOUT), "TIMEOUT");
    ck_assert_str_eq(xmodem_status_name((xmodem_status)99), "?");
    ck_assert_str_eq(xmodem_reason_name(XMODEM_R_SYNC_LOST), "sync-lost");
    ck_assert_str_eq(xmodem_reason_name(XMODEM_R_NO_MEMORY), "no-memory");
    ck_assert_str_eq(xmodem_reason_name((xmodem_reason)99), "?");
    ck_assert_str_eq(xmodem_check_name(XMODEM_CHECK_CRC16), "crc16");
    ck_assert_str_eq(xmodem_check_name(XMODEM_CHECK_SUM8), "checksum");
    ck_assert_str_eq(xmodem_rx_phase_name(XMODEM_RX_TRANSFER), "transfer");
    ck_assert_str_eq(xmodem_rx_phase_name(XMODEM_RX_PHASE_C), "C");
}
END_TEST

/* ---- sender against receiver ---- */

typedef struct link {
    xmodem_rx rx;
    xmodem_tx tx;
    xmodem_out ro, to; /* what each side sends */
    xmodem_tx_config tc;
    uint8_t *file;     /* what the sender sends */
    size_t len;
    bytebuf got;       /* what the receiver accepted */
    uint64_t now;
} link;

static uint8_t *test_file(size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    uint32_t s = 12345;
    for (size_t i = 0; i < len; i++) {
        s = s * 1103515245u + 12345u;
        p[i] = (uint8_t)(s >> 16);
    }
    return p;
}

/* Both sides ready at t0, the sender listening, the receiver not started. */
static void link_init(link *l, const xmodem_tx_config *tc, size_t len, uint64_t t0)
{
    memset(l, 0, sizeof(*l));
    l->tc = *tc;
    l->file = test_file(len);
    l->len = len;
    xmodem_rx_init(&l->rx, NULL);
    ck_assert_int_eq(xmodem_tx_init(&l->tx, tc, l->file, len), 0);
    xmodem_out_init(&l->ro);
    xmodem_out_init(&l->to);
    bytebuf_init(&l->got);
    l->now = t0;
    xmodem_tx_start(&l->tx, t0);
}

static void link_free(link *l)
{
    xmodem_rx_free(&l->rx);
    xmodem_tx_free(&l->tx);
    xmodem_out_free(&l->ro);
    xmodem_out_free(&l->to);
    bytebuf_free(&l->got);
    free(l->file);
}

static void link_to_rx(link *l)
{
    const uint8_t *p = l->to.tx.data;
    size_t n = l->to.tx.len;
    while (n && xmodem_rx_status(&l->rx) == XMODEM_RUNNING) {
        size_t k = xmodem_rx_feed(&l->rx, l->now, p, n, &l->ro);
        ck_assert_msg(k > 0 || xmodem_rx_status(&l->rx) != XMODEM_RUNNING, "rx used nothing");
        p += k;
        n -= k;
    }
    bytebuf_append(&l->got, l->ro.data.data, l->ro.data.len);
    bytebuf_clear(&l->ro.data);
    bytebuf_clear(&l->to.tx);
}

static void link_to_tx(link *l)
{
    xmodem_tx_feed(&l->tx, l->now, l->ro.tx.data, l->ro.tx.len, &l->to);
    bytebuf_clear(&l->ro.tx);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* An instant, lossless line between the two until both have ended; faults
 * come from the sender's configuration. */
static void link_run(link *l)
{
    for (int guard = 0; guard < 1000000; guard++) {
        if (l->ro.tx.len) {
            link_to_tx(l);
            continue;
        }
        if (l->to.tx.len) {
            link_to_rx(l);
            continue;
        }
        uint64_t next = min_u64(xmodem_rx_next_deadline(&l->rx), xmodem_tx_next_deadline(&l->tx));
        if (next == XMODEM_NEVER)
            return;
        ck_assert_uint_ge(next, l->now);
        l->now = next;
        xmodem_rx_tick(&l->rx, l->now, &l->ro);
        xmodem_tx_tick(&l->tx, l->now, &l->to);
    }
    ck_abort_msg("link did not settle");
}

/* Both ended well, and the receiver holds the file then exactly the padding. */
static void expect_transfer_ok(const link *l)
{
    ck_assert_msg(xmodem_rx_status(&l->rx) == XMODEM_DONE, "rx %s (%s)", xmodem_status_name(l->rx.status),
                  xmodem_reason_name(l->rx.reason));
    ck_assert_msg(xmodem_tx_status(&l->tx) == XMODEM_DONE, "tx %s (%s)", xmodem_status_name(l->tx.status),
                  xmodem_reason_name(l->tx.reason));
    uint64_t padded = xmodem_tx_padded_size(&l->tc, l->len);
    ck_assert_uint_eq(l->got.len, padded);
    ck_assert_int_eq(memcmp(l->got.data, l->file, l->len), 0);
    for (size_t i = l->len; i < padded; i++)
        ck_assert_msg(l->got.data[i] == l->tc.pad, "pad byte %zu = %02x", i, l->got.data[i]);
}

/* A transfer of len bytes with the receiver started with the sender. */
static void roundtrip(link *l, const xmodem_tx_config *tc, size_t len)
{
    link_init(l, tc, len, T0);
    xmodem_rx_start(&l->rx, T0, &l->ro);
    link_run(l);
}

static void tx_cfg(xmodem_tx_config *c, unsigned block, const xmodem_tx_fault *faults, size_t nfaults)
{
    xmodem_tx_config_default(c);
    c->block_size = block;
    c->faults = faults;
    c->nfaults = nfaults;
}

START_TEST(an_4_2_roundtrip_xmodem_crc)
{
    xmodem_tx_config c;
    tx_cfg(&c, 128, NULL, 0);
    link l;
    roundtrip(&l, &c, 10000);
    expect_transfer_ok(&l);
    ck_assert_int_eq(xmodem_rx_check(&l.rx), XMODEM_CHECK_CRC16);
    ck_assert_int_eq(xmodem_tx_check(&l.tx), XMODEM_CHECK_CRC16);
    ck_assert_uint_eq(xmodem_rx_blocks(&l.rx), 79);
    ck_assert_uint_eq(l.rx.stats.errors, 0);
    ck_assert_uint_eq(l.now, T0); /* an instant line: no time passes */
    link_free(&l);
}
END_TEST

START_TEST(an_4_2_roundtrip_xmodem_1k_with_sx_tail_past_block_255)
{
    /* 300 1k blocks then the last 500 bytes as four 128-byte blocks, as
     * sx -k sends them; more than 256 blocks, so numbers wrap. */
    xmodem_tx_config c;
    tx_cfg(&c, 1024, NULL, 0);
    size_t len = 300 * 1024 + 500;
    ck_assert_uint_eq(xmodem_tx_padded_size(&c, len), 300 * 1024 + 512);
    ck_assert_uint_eq(xmodem_tx_block_count(&c, len), 304);
    link l;
    roundtrip(&l, &c, len);
    expect_transfer_ok(&l);
    ck_assert_uint_eq(l.rx.stats.blocks_1k, 300);
    ck_assert_uint_eq(xmodem_rx_blocks(&l.rx), 304);
    ck_assert_uint_eq(xmodem_rx_last_seq(&l.rx), 304 & 0xFF);
    link_free(&l);
}
END_TEST

START_TEST(an_4_2_roundtrip_xmodem_1k_without_tail_pads_with_zero)
{
    xmodem_tx_config c;
    tx_cfg(&c, 1024, NULL, 0);
    c.tail_128 = 0;
    c.pad = 0x00;
    ck_assert_uint_eq(xmodem_tx_padded_size(&c, 5000), 5 * 1024);
    link l;
    roundtrip(&l, &c, 5000);
    expect_transfer_ok(&l);
    ck_assert_uint_eq(l.rx.stats.blocks_1k, 5);
    link_free(&l);
}
END_TEST

START_TEST(an_4_1_roundtrip_checksum_sender_starts_on_first_nak)
{
    /* A checksum-only sender ignores the Cs and starts on the NAK at 9 s. */
    xmodem_tx_config c;
    tx_cfg(&c, 128, NULL, 0);
    c.no_crc = 1;
    link l;
    roundtrip(&l, &c, 3000);
    expect_transfer_ok(&l);
    ck_assert_int_eq(xmodem_rx_check(&l.rx), XMODEM_CHECK_SUM8);
    ck_assert_uint_eq(l.now, T0 + S(9));
    link_free(&l);
}
END_TEST

START_TEST(an_4_1_roundtrip_exact_multiple_of_block_has_no_padding)
{
    xmodem_tx_config c;
    tx_cfg(&c, 128, NULL, 0);
    link l;
    roundtrip(&l, &c, 128 * 4);
    expect_transfer_ok(&l);
    ck_assert_uint_eq(l.got.len, 512);
    link_free(&l);
}
END_TEST

/* A 20-block 1k transfer with the given faults. */
static void fault_roundtrip(link *l, const xmodem_tx_fault *f, size_t nf)
{
    xmodem_tx_config c;
    tx_cfg(&c, 1024, f, nf);
    roundtrip(l, &c, 20 * 1024);
}

START_TEST(fs_8_1_roundtrip_corrupt_data_check_and_number)
{
    static const xmodem_fault_part parts[] = { XMODEM_PART_DATA, XMODEM_PART_CHECK, XMODEM_PART_SEQ };
    for (size_t i = 0; i < 3; i++) {
        xmodem_tx_fault f = { .block = 3, .kind = XMODEM_FAULT_CORRUPT, .part = parts[i] };
        link l;
        fault_roundtrip(&l, &f, 1);
        expect_transfer_ok(&l);
        ck_assert_uint_eq(l.rx.stats.errors, 1);
        ck_assert_uint_eq(i == 2 ? l.rx.stats.bad_header : l.rx.stats.bad_check, 1);
        ck_assert_uint_eq(l.rx.stats.naks, 1);
        ck_assert_uint_eq(l.tx.stats.resends, 1);
        ck_assert_uint_eq(l.now, T0 + S(1)); /* one purge second */
        link_free(&l);
    }
}
END_TEST

START_TEST(fs_8_1_roundtrip_dropped_block_recovers_on_receiver_timeout)
{
    xmodem_tx_fault f = { .block = 4, .kind = XMODEM_FAULT_DROP };
    link l;
    fault_roundtrip(&l, &f, 1);
    expect_transfer_ok(&l);
    ck_assert_uint_eq(l.rx.stats.timeouts, 1);
    ck_assert_uint_eq(l.now, T0 + S(10)); /* the receiver's NAK, not sx's 60 s */
    link_free(&l);
}
END_TEST

START_TEST(fs_8_1_roundtrip_short_block_recovers_on_char_timeout)
{
    xmodem_tx_fault f = { .block = 2, .kind = XMODEM_FAULT_SHORT, .count = 2 };
    link l;
    fault_roundtrip(&l, &f, 1);
    expect_transfer_ok(&l);
    ck_assert_uint_eq(l.rx.stats.short_blocks, 2);
    ck_assert_uint_eq(l.now, T0 + S(2));
    link_free(&l);
}
END_TEST

START_TEST(fs_8_1_roundtrip_duplicate_block_is_dropped)
{
    xmodem_tx_fault f[] = { { .block = 1, .kind = XMODEM_FAULT_DUPLICATE },
                            { .block = 7, .kind = XMODEM_FAULT_DUPLICATE } };
    link l;
    fault_roundtrip(&l, f, 2);
    expect_transfer_ok(&l);
    ck_assert_uint_eq(l.rx.stats.dups, 2);
    ck_assert_uint_eq(l.rx.stats.errors, 0);
    link_free(&l);
}
END_TEST

START_TEST(fs_8_1_roundtrip_stall_below_and_above_block_timeout)
{
    xmodem_tx_fault f = { .block = 5, .kind = XMODEM_FAULT_STALL, .stall_ns = S(4) };
    link l;
    fault_roundtrip(&l, &f, 1);
    expect_transfer_ok(&l);
    ck_assert_uint_eq(l.rx.stats.errors, 0);
    ck_assert_uint_eq(l.now, T0 + S(4));
    link_free(&l);

    /* 15 s: the receiver NAKs at 10 s; the stalled sender reads that NAK
     * after sending the block and sends it again -> a duplicate; the sender
     * then runs one ACK behind, which a clean line forgives. */
    f.stall_ns = S(15);
    fault_roundtrip(&l, &f, 1);
    expect_transfer_ok(&l);
    ck_assert_uint_eq(l.rx.stats.timeouts, 1);
    ck_assert_uint_eq(l.rx.stats.dups, 1);
    ck_assert_uint_eq(l.now, T0 + S(15));
    link_free(&l);
}
END_TEST

START_TEST(an_4_1_block_1_crossing_a_handshake_c_is_acked_twice)
{
    /* Found by the fuzzer: a host that starts block 1 just as the receiver
     * sends its next C (here: 3 s after the first) reads that C as a NAK and
     * sends block 1 again; the receiver, which got block 1 after sending the
     * C, ACKs it and then the copy.  The sender runs one ACK behind, which
     * a clean line forgives. */
    xmodem_tx_fault f = { .block = 1, .kind = XMODEM_FAULT_STALL, .stall_ns = S(3) };
    link l;
    fault_roundtrip(&l, &f, 1);
    expect_transfer_ok(&l);
    ck_assert_uint_eq(l.rx.stats.dups, 1);
    ck_assert_uint_eq(l.now, T0 + S(3));
    link_free(&l);
}
END_TEST

START_TEST(fs_8_1_roundtrip_sender_cancel_at_block_n)
{
    xmodem_tx_fault f = { .block = 6, .kind = XMODEM_FAULT_CANCEL };
    link l;
    fault_roundtrip(&l, &f, 1);
    ck_assert_int_eq(xmodem_rx_status(&l.rx), XMODEM_CANCELLED);
    ck_assert_int_eq(xmodem_tx_status(&l.tx), XMODEM_CANCELLED);
    ck_assert_int_eq(xmodem_tx_reason(&l.tx), XMODEM_R_ABORTED);
    ck_assert_uint_eq(l.got.len, 5 * 1024);
    ck_assert_int_eq(memcmp(l.got.data, l.file, 5 * 1024), 0);
    link_free(&l);
}
END_TEST

START_TEST(fs_8_1_roundtrip_ten_corrupt_sends_fail_and_cancel_the_sender)
{
    xmodem_tx_fault f = { .block = 2, .kind = XMODEM_FAULT_CORRUPT, .count = 20 };
    link l;
    fault_roundtrip(&l, &f, 1);
    ck_assert_int_eq(xmodem_rx_status(&l.rx), XMODEM_FAILED);
    ck_assert_int_eq(xmodem_rx_reason(&l.rx), XMODEM_R_TOO_MANY_ERRORS);
    ck_assert_int_eq(xmodem_tx_status(&l.tx), XMODEM_CANCELLED);
    ck_assert_int_eq(xmodem_tx_reason(&l.tx), XMODEM_R_PEER_CANCEL);
    ck_assert_uint_eq(l.tx.stats.frames, 1 + 10);
    ck_assert_uint_eq(l.got.len, 1024);
    ck_assert_uint_eq(l.now, T0 + S(9)); /* nine purge seconds, then CAN */
    link_free(&l);
}
END_TEST

START_TEST(fs_8_1_roundtrip_faults_around_the_wrap)
{
    xmodem_tx_fault f[] = {
        { .block = 255, .kind = XMODEM_FAULT_CORRUPT },
        { .block = 256, .kind = XMODEM_FAULT_DROP },
        { .block = 257, .kind = XMODEM_FAULT_DUPLICATE },
        { .block = 258, .kind = XMODEM_FAULT_SHORT },
    };
    xmodem_tx_config c;
    tx_cfg(&c, 128, f, 4);
    link l;
    roundtrip(&l, &c, 300 * 128 - 5);
    expect_transfer_ok(&l);
    ck_assert_uint_eq(l.rx.stats.dups, 1);
    ck_assert_uint_eq(l.rx.stats.errors, 3);
    link_free(&l);
}
END_TEST

START_TEST(an_4_1_1_late_sender_starts_on_a_later_nak)
{
    /* A host that misses the Cs and the first NAKs (started late, or its
     * tty was flushed) starts on the next NAK, in checksum mode. */
    xmodem_tx_config c;
    tx_cfg(&c, 128, NULL, 0);
    link l;
    link_init(&l, &c, 1000, T0);
    xmodem_rx_start(&l.rx, T0, &l.ro);
    xmodem_rx_tick(&l.rx, T0 + S(50), &l.ro); /* all lost up to 50 s */
    bytebuf_clear(&l.ro.tx);
    l.now = T0 + S(50);
    link_run(&l);
    expect_transfer_ok(&l);
    ck_assert_int_eq(xmodem_rx_check(&l.rx), XMODEM_CHECK_SUM8);
    ck_assert_uint_eq(l.now, T0 + S(59)); /* the NAK at 59 s started it */
    link_free(&l);
}
END_TEST

START_TEST(an_4_1_empty_file_eot_in_handshake_is_stray)
{
    /* An EOT before any block is ignored like any stray byte, so an empty
     * file never ends in DONE: sx answers each handshake NAK with another
     * EOT, gives up after ten and cancels. */
    xmodem_tx_config c;
    tx_cfg(&c, 128, NULL, 0);
    link l;
    roundtrip(&l, &c, 0);
    ck_assert_int_eq(xmodem_rx_status(&l.rx), XMODEM_CANCELLED);
    ck_assert_int_eq(xmodem_tx_status(&l.tx), XMODEM_FAILED);
    ck_assert_int_eq(xmodem_tx_reason(&l.tx), XMODEM_R_NO_EOT_ACK);
    ck_assert_uint_eq(l.got.len, 0);
    ck_assert_uint_eq(l.rx.stats.stray, 10);
    ck_assert_uint_eq(l.now, T0 + S(99));
    link_free(&l);
}
END_TEST

/* ---- the lrzsz 'G' caveat (fact sheet §8.2) ---- */

/* sx listening while the module prints its intermediate result: the 'G' of
 * ONGOING starts block 1 in CRC mode at once. */
static void sx_hears_ongoing(link *l, xmodem_tx_config *c, size_t len)
{
    static const char ongoing[] = "\r\n+UFWUPD: ONGOING\r\n";
    c->start_on_g = 1;
    link_init(l, c, len, T0);
    xmodem_tx_feed(&l->tx, T0, (const uint8_t *)ongoing, strlen(ongoing), &l->to);
    ck_assert_uint_gt(l->to.tx.len, 100); /* block 1 already on its way */
}

START_TEST(an_4_2_sx_starts_on_g_of_ongoing_and_succeeds)
{
    /* The module's C goes out at the same instant as the ONGOING line, so
     * block 1 arrives in the C phase and is ACKed; sx reads the C as a NAK
     * and sends block 1 again (a duplicate, ACKed and dropped); sx then runs
     * one ACK behind to the end, and the first EOT is ACKed. */
    xmodem_tx_config c;
    tx_cfg(&c, 1024, NULL, 0);
    link l;
    sx_hears_ongoing(&l, &c, 50000);
    xmodem_rx_start(&l.rx, T0, &l.ro);
    link_run(&l);
    expect_transfer_ok(&l);
    ck_assert_uint_eq(l.rx.stats.dups, 1);
    ck_assert_int_eq(xmodem_rx_check(&l.rx), XMODEM_CHECK_CRC16);
    link_free(&l);
}
END_TEST

START_TEST(an_4_2_block_before_first_c_is_ignored_and_resent)
{
    /* If block 1 reaches the receiver before it has started (its first C
     * not out yet), it is stray; sx sends it again on the C, in step. */
    xmodem_tx_config c;
    tx_cfg(&c, 128, NULL, 0);
    link l;
    sx_hears_ongoing(&l, &c, 3000);
    link_to_rx(&l); /* into a receiver not started yet */
    ck_assert_uint_eq(l.rx.stats.stray, 133);
    l.now = T0 + MS(20);
    xmodem_rx_start(&l.rx, l.now, &l.ro);
    link_run(&l);
    expect_transfer_ok(&l);
    ck_assert_uint_eq(l.rx.stats.dups, 0);
    link_free(&l);
}
END_TEST

START_TEST(an_4_2_sx_one_ack_behind_cannot_survive_a_bad_block)
{
    /* The limit of the 'G' start (documented): while sx runs one ACK behind,
     * a bad block makes it send the next one, and the receiver, which NAKed
     * the bad one, sees a block out of sequence -> CAN.  A host avoids this
     * by starting sx after the ONGOING line. */
    xmodem_tx_fault f = { .block = 5, .kind = XMODEM_FAULT_CORRUPT };
    xmodem_tx_config c;
    tx_cfg(&c, 1024, &f, 1);
    link l;
    sx_hears_ongoing(&l, &c, 20000);
    xmodem_rx_start(&l.rx, T0, &l.ro);
    link_run(&l);
    ck_assert_int_eq(xmodem_rx_status(&l.rx), XMODEM_FAILED);
    ck_assert_int_eq(xmodem_rx_reason(&l.rx), XMODEM_R_SYNC_LOST);
    ck_assert_int_eq(xmodem_tx_status(&l.tx), XMODEM_CANCELLED);
    ck_assert_uint_eq(l.got.len, 4 * 1024);
    link_free(&l);
}
END_TEST

START_TEST(an_4_2_sx_one_ack_behind_short_last_block_ends_done_truncated)
{
    /* Found by the fuzzer: one ACK behind, sx takes the ACK of the last but
     * one block for the last block's and sends EOT while the last block is
     * still lost; the NAK that follows is taken for the EOT's, the EOT comes
     * again and is ACKed: DONE, one block short.  The receiver cannot know
     * the size; the package validation after the download rejects it. */
    xmodem_tx_fault f = { .block = 4, .kind = XMODEM_FAULT_SHORT };
    xmodem_tx_config c;
    tx_cfg(&c, 128, &f, 1);
    link l;
    sx_hears_ongoing(&l, &c, 4 * 97);
    xmodem_rx_start(&l.rx, T0, &l.ro);
    link_run(&l);
    ck_assert_int_eq(xmodem_rx_status(&l.rx), XMODEM_DONE);
    ck_assert_int_eq(xmodem_tx_status(&l.tx), XMODEM_DONE);
    ck_assert_uint_eq(l.got.len, 3 * 128);
    ck_assert_int_eq(memcmp(l.got.data, l.file, 3 * 128), 0);
    link_free(&l);
}
END_TEST

/* ---- the sender alone ---- */

START_TEST(fs_8_2_sender_gives_up_after_ten_resends_and_eots)
{
    xmodem_tx_config c;
    tx_cfg(&c, 128, NULL, 0);
    uint8_t file[10] = { 0 };
    xmodem_tx t;
    xmodem_out o;
    xmodem_out_init(&o);
    ck_assert_int_eq(xmodem_tx_init(&t, &c, file, sizeof(file)), 0);
    xmodem_tx_start(&t, 0);
    ck_assert_uint_eq(xmodem_tx_next_deadline(&t), S(60));
    uint8_t ch = XMODEM_CRC;
    xmodem_tx_feed(&t, 0, &ch, 1, &o);
    ck_assert_uint_eq(o.tx.len, 133);
    /* No reply ever: a resend every 60 s, 11 frames, then CANs. */
    xmodem_tx_tick(&t, S(60) * 11, &o);
    ck_assert_uint_eq(t.stats.frames, 11);
    ck_assert_uint_eq(t.stats.timeouts, 11);
    ck_assert_int_eq(xmodem_tx_status(&t), XMODEM_FAILED);
    ck_assert_uint_eq(o.tx.data[o.tx.len - 1], XMODEM_CAN);
    ck_assert_uint_eq(o.tx.data[o.tx.len - 2], XMODEM_CAN);
    xmodem_tx_free(&t);

    /* EOT never ACKed: 10 EOTs. */
    xmodem_out_clear(&o);
    ck_assert_int_eq(xmodem_tx_init(&t, &c, file, sizeof(file)), 0);
    xmodem_tx_start(&t, 0);
    xmodem_tx_feed(&t, 0, &ch, 1, &o);
    ch = XMODEM_ACK;
    xmodem_tx_feed(&t, 1, &ch, 1, &o);
    ch = XMODEM_NAK;
    for (int i = 0; i < 9; i++)
        xmodem_tx_feed(&t, 2, &ch, 1, &o);
    ck_assert_uint_eq(t.stats.eots, 10);
    ck_assert_int_eq(xmodem_tx_status(&t), XMODEM_RUNNING);
    xmodem_tx_feed(&t, 3, &ch, 1, &o);
    ck_assert_int_eq(xmodem_tx_status(&t), XMODEM_FAILED);
    ck_assert_int_eq(xmodem_tx_reason(&t), XMODEM_R_NO_EOT_ACK);
    xmodem_tx_free(&t);
    xmodem_out_free(&o);

    c.block_size = 512;
    ck_assert_int_eq(xmodem_tx_init(&t, &c, file, sizeof(file)), -EINVAL);
    xmodem_tx_free(&t);
}
END_TEST

START_TEST(fs_8_2_sender_starts_alone_after_60s_and_repeats_eot)
{
    /* sx: no NAK/C within its timeout -> start anyway, with a checksum;
     * bytes before start are not read; an EOT not answered is repeated. */
    xmodem_tx_config c;
    tx_cfg(&c, 128, NULL, 0);
    uint8_t file[100] = { 1, 2, 3 };
    xmodem_tx t;
    xmodem_out o;
    xmodem_out_init(&o);
    ck_assert_int_eq(xmodem_tx_init(&t, &c, file, sizeof(file)), 0);
    ck_assert_uint_eq(xmodem_tx_next_deadline(&t), XMODEM_NEVER);
    uint8_t ch = XMODEM_CRC;
    ck_assert_uint_eq(xmodem_tx_feed(&t, 0, &ch, 1, &o), 1); /* not listening yet */
    ck_assert_uint_eq(o.tx.len, 0);
    xmodem_tx_start(&t, S(1));
    xmodem_tx_tick(&t, S(61) - 1, &o);
    ck_assert_uint_eq(o.tx.len, 0);
    xmodem_tx_tick(&t, S(61), &o);
    ck_assert_uint_eq(o.tx.len, 3 + 128 + 1);
    ck_assert_int_eq(xmodem_tx_check(&t), XMODEM_CHECK_SUM8);
    ck_assert_uint_eq(o.tx.data[131], xmodem_sum8(o.tx.data + 3, 128));
    ck_assert_uint_eq(o.tx.data[3 + 100], XMODEM_PAD);
    xmodem_out_clear(&o);
    ch = XMODEM_ACK;
    xmodem_tx_feed(&t, S(62), &ch, 1, &o);
    ck_assert_uint_eq(o.tx.len, 1);
    ck_assert_uint_eq(o.tx.data[0], XMODEM_EOT);
    xmodem_tx_tick(&t, S(122), &o);
    ck_assert_uint_eq(o.tx.len, 2);
    ck_assert_uint_eq(o.tx.data[1], XMODEM_EOT);
    ck_assert_uint_eq(t.stats.timeouts, 1);
    xmodem_tx_feed(&t, S(123), &ch, 1, &o);
    ck_assert_int_eq(xmodem_tx_status(&t), XMODEM_DONE);
    ck_assert_uint_eq(xmodem_tx_next_deadline(&t), XMODEM_NEVER);
    xmodem_tx_free(&t);
    xmodem_out_free(&o);
}
END_TEST

static Suite *xmodem_suite(void)
{
    Suite *s = suite_create("xmodem");
    TCase *c = tcase_create("receiver");
    tcase_add_test(c, fs_8_1_crc16_xmodem_check_value);
    tcase_add_test(c, fs_8_1_crc16_table_matches_the_bitwise_definition);
    tcase_add_test(c, an_4_1_handshake_109s_timeout);
    tcase_add_test(c, an_4_1_1_late_tick_catches_up_on_every_char);
    tcase_add_test(c, an_4_1_handshake_counts_and_intervals_come_from_config);
    tcase_add_test(c, an_4_1_block_while_c_is_sent_selects_crc);
    tcase_add_test(c, an_4_1_block_in_nak_phase_selects_checksum);
    tcase_add_test(c, an_4_1_crc_block_in_nak_phase_is_rejected);
    tcase_add_test(c, an_4_1_xmodem_1k_and_128_blocks_mix);
    tcase_add_test(c, fs_8_1_sequence_wraps_0xff_to_0x00);
    tcase_add_test(c, fs_8_1_feed_stops_after_each_accepted_block);
    tcase_add_test(c, fs_8_1_bad_crc_purges_until_1s_quiet_then_naks);
    tcase_add_test(c, fs_8_1_bad_checksum_naks);
    tcase_add_test(c, fs_8_1_bad_complement_purges_then_naks);
    tcase_add_test(c, fs_8_1_short_block_inter_char_timeout_naks);
    tcase_add_test(c, fs_8_1_duplicate_block_is_acked_and_dropped);
    tcase_add_test(c, fs_8_1_wrong_block_number_loses_sync_and_cancels);
    tcase_add_test(c, fs_8_1_ten_errors_on_one_block_cancel);
    tcase_add_test(c, fs_8_1_inter_block_timeout_naks_then_cancels);
    tcase_add_test(c, fs_8_1_garbage_instead_of_header_is_an_error);
    tcase_add_test(c, an_4_1_eot_is_acked_and_ends_done);
    tcase_add_test(c, fs_8_1_can_can_cancels_single_can_is_noise);
    tcase_add_test(c, an_4_1_1_receiver_abort_with_or_without_can);
    tcase_add_test(c, an_4_1_stray_bytes_before_first_block_are_ignored);
    tcase_add_test(c, fs_8_1_block_zero_first_counts_as_duplicate);
    tcase_add_test(c, fs_8_1_start_twice_and_names_for_traces);
    suite_add_tcase(s, c);

    TCase *rt = tcase_create("sender vs receiver");
    tcase_add_test(rt, an_4_2_roundtrip_xmodem_crc);
    tcase_add_test(rt, an_4_2_roundtrip_xmodem_1k_with_sx_tail_past_block_255);
    tcase_add_test(rt, an_4_2_roundtrip_xmodem_1k_without_tail_pads_with_zero);
    tcase_add_test(rt, an_4_1_roundtrip_checksum_sender_starts_on_first_nak);
    tcase_add_test(rt, an_4_1_roundtrip_exact_multiple_of_block_has_no_padding);
    tcase_add_test(rt, fs_8_1_roundtrip_corrupt_data_check_and_number);
    tcase_add_test(rt, fs_8_1_roundtrip_dropped_block_recovers_on_receiver_timeout);
    tcase_add_test(rt, fs_8_1_roundtrip_short_block_recovers_on_char_timeout);
    tcase_add_test(rt, fs_8_1_roundtrip_duplicate_block_is_dropped);
    tcase_add_test(rt, fs_8_1_roundtrip_stall_below_and_above_block_timeout);
    tcase_add_test(rt, an_4_1_block_1_crossing_a_handshake_c_is_acked_twice);
    tcase_add_test(rt, fs_8_1_roundtrip_sender_cancel_at_block_n);
    tcase_add_test(rt, fs_8_1_roundtrip_ten_corrupt_sends_fail_and_cancel_the_sender);
    tcase_add_test(rt, fs_8_1_roundtrip_faults_around_the_wrap);
    tcase_add_test(rt, an_4_1_1_late_sender_starts_on_a_later_nak);
    tcase_add_test(rt, an_4_1_empty_file_eot_in_handshake_is_stray);
    tcase_add_test(rt, an_4_2_sx_starts_on_g_of_ongoing_and_succeeds);
    tcase_add_test(rt, an_4_2_block_before_first_c_is_ignored_and_resent);
    tcase_add_test(rt, an_4_2_sx_one_ack_behind_cannot_survive_a_bad_block);
    tcase_add_test(rt, an_4_2_sx_one_ack_behind_short_last_block_ends_done_truncated);
    tcase_add_test(rt, fs_8_2_sender_gives_up_after_ten_resends_and_eots);
    tcase_add_test(rt, fs_8_2_sender_starts_alone_after_60s_and_repeats_eot);
    suite_add_tcase(s, rt);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(xmodem_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
