/* fuzz_dtls.c - libFuzzer target for the DTLS-PSK sessions (protocol/dtls.c):
 * a client and a server wired through a network the input drives, plus
 * datagrams of the input's own, at times of the input's choosing.  Nothing
 * may crash, leak or break an invariant (checked below; a violation traps),
 * and no plaintext may appear that the peer did not send.
 *
 * Input: byte 0 picks the configuration (bit 0: CBC-SHA256 only on the
 * client, bit 1: MTU 256, bit 2: the server's key differs, bit 3: no hint,
 * bit 4: a short retransmission schedule).  Then records of one op byte
 * (low 3 bits = op, high 5 bits = arg) and their operands:
 *   0  the oldest datagram from the client reaches the server
 *      (arg bit 0: twice, bit 1: lost instead)
 *   1  the same from the server to the client
 *   2  a datagram of the input to the client: length byte, then the bytes
 *   3  the same to the server
 *   4  time passes: arg ms, x1000 when arg >= 16
 *   5  jump to the next deadline of either side and tick both
 *   6  application data from the client (arg bit 0: from the server) of
 *      the length in the next byte; arg bit 1: close that side instead
 *   7  the oldest datagram from a side (arg bit 0: the server's) reaches
 *      the other with one byte changed: position byte, xor byte */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/dtls.h"

#define CHECK(c)                 \
    do {                         \
        if (!(c))                \
            __builtin_trap();    \
    } while (0)

enum { CLI = 0, SRV = 1 };

typedef struct side {
    dtls_session *s;
    uint8_t q[8][DTLS_MTU_MAX]; /* datagrams in flight to the other side */
    size_t qlen[8];
    unsigned qhead, qcount;
    unsigned sent;      /* application messages sent */
    int connected, ended;
} side;

typedef struct fz {
    side sd[2];
    uint64_t now;
    size_t mtu;
} fz;

static uint8_t dgram[DTLS_MTU_MAX];
static uint8_t plain[DTLS_PLAINTEXT_MAX];

/* A message of side `from`: its letter, a 4-byte number, a pattern. */
static size_t make_message(uint8_t *p, size_t len, int from, unsigned seq)
{
    if (len < 5)
        len = 5;
    p[0] = from == CLI ? 'C' : 'S';
    for (int i = 0; i < 4; i++)
        p[1 + i] = (uint8_t)(seq >> (8 * i));
    for (size_t i = 5; i < len; i++)
        p[i] = (uint8_t)(seq * 7 + i);
    return len;
}

/* Only what the peer sent can come out, and only once connected. */
static void check_message(const fz *f, int to, const uint8_t *p, size_t n)
{
    int from = !to;
    CHECK(f->sd[to].connected);
    CHECK(n >= 5 && p[0] == (from == CLI ? 'C' : 'S'));
    unsigned seq = (unsigned)p[1] | (unsigned)p[2] << 8 | (unsigned)p[3] << 16 | (unsigned)p[4] << 24;
    CHECK(seq < f->sd[from].sent);
    for (size_t i = 5; i < n; i++)
        CHECK(p[i] == (uint8_t)(seq * 7 + i));
}

/* Drain a side's outputs and check what every call must leave true. */
static void settle(fz *f, int who)
{
    side *d = &f->sd[who];
    int n;
    while ((n = dtls_take_datagram(d->s, dgram, sizeof dgram)) > 0) {
        CHECK((size_t)n <= f->mtu);
        if (f->sd[who].qcount == 8)
            continue; /* the network is full: lost */
        unsigned i = (d->qhead + d->qcount++) % 8;
        memcpy(d->q[i], dgram, (size_t)n);
        d->qlen[i] = (size_t)n;
    }
    CHECK(n == 0);
    dtls_event e;
    while (dtls_take_event(d->s, &e)) {
        CHECK(!d->ended);
        CHECK(e.at == f->now);
        if (e.kind == DTLS_EV_CONNECTED) {
            CHECK(!d->connected);
            d->connected = 1;
        } else {
            CHECK(e.kind == DTLS_EV_CLOSED || e.kind == DTLS_EV_FAILED);
            CHECK(e.reason != DTLS_R_NONE);
            d->ended = 1;
        }
    }
    while ((n = dtls_take_plaintext(d->s, plain, sizeof plain)) > 0)
        check_message(f, who, plain, (size_t)n);
    CHECK(n == 0);
    dtls_state st = dtls_state_of(d->s);
    CHECK(d->ended == (st == DTLS_CLOSED || st == DTLS_FAILED));
    CHECK(d->connected || st != DTLS_CONNECTED);
    CHECK(!d->ended || dtls_next_deadline(d->s) == DTLS_NEVER);
}

static void feed(fz *f, int to, const uint8_t *p, size_t n)
{
    CHECK(dtls_feed(f->sd[to].s, f->now, p, n) == 0);
    settle(f, to);
    settle(f, !to); /* (nothing changes there, but the check is cheap) */
}

/* The oldest datagram from `from`, optionally changed, to the other side. */
static void deliver(fz *f, int from, int times, size_t pos, uint8_t x)
{
    side *d = &f->sd[from];
    if (!d->qcount)
        return;
    uint8_t *p = d->q[d->qhead];
    size_t n = d->qlen[d->qhead];
    d->qhead = (d->qhead + 1) % 8;
    d->qcount--;
    if (n)
        p[pos % n] ^= x;
    for (int i = 0; i < times; i++)
        feed(f, !from, p, n);
}

static void tick_both(fz *f)
{
    for (int w = CLI; w <= SRV; w++) {
        CHECK(dtls_tick(f->sd[w].s, f->now) == 0);
        uint64_t next = dtls_next_deadline(f->sd[w].s);
        CHECK(next == DTLS_NEVER || next > f->now);
        settle(f, w);
    }
}

static void send_or_close(fz *f, int who, int close, size_t len)
{
    side *d = &f->sd[who];
    if (close) {
        CHECK(dtls_close(d->s, f->now) == 0);
        settle(f, who);
        CHECK(d->ended);
        return;
    }
    size_t n = make_message(plain, len, who, d->sent);
    int rc = dtls_send(d->s, f->now, plain, n);
    CHECK(rc == 0 || rc == -ENOBUFS || rc == -ENOTCONN || rc == -EMSGSIZE);
    if (rc == 0)
        d->sent++;
    settle(f, who);
    CHECK(rc != -ENOTCONN || d->ended); /* (deadlines run first: it may have just failed) */
}

static int setup(fz *f, uint8_t conf)
{
    static const uint8_t key[16] = "fuzzing psk key!", other[16] = "another psk key!";
    memset(f, 0, sizeof *f);
    f->now = DTLS_S(100);
    dtls_config cc = {0}, sc = {0};
    if (conf & 1)
        cc.ciphers = "PSK-AES128-CBC-SHA256";
    if (conf & 2)
        cc.mtu = sc.mtu = 256;
    if (conf & 16) {
        cc.initial_timeout = sc.initial_timeout = DTLS_MS(100);
        cc.max_retransmits = sc.max_retransmits = 2;
    }
    sc.psk_hint = conf & 8 ? NULL : "fuzz";
    sc.peer = "192.0.2.1:5684";
    f->mtu = cc.mtu ? cc.mtu : DTLS_DEFAULT_MTU;
    if (dtls_session_create(&f->sd[CLI].s, DTLS_CLIENT, "fuzz-id", key, 16, &cc) ||
        dtls_session_create(&f->sd[SRV].s, DTLS_SERVER, "fuzz-id", conf & 4 ? other : key, 16, &sc))
        return -1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fz f;
    if (size < 1)
        return 0;
    CHECK(setup(&f, data[0]) == 0);
    size_t i = 1;
    unsigned ops = 0;
    while (i < size && ops++ < 512) {
        uint8_t op = data[i] & 7, arg = data[i] >> 3;
        i++;
        uint8_t b1 = i < size ? data[i] : 0, b2 = i + 1 < size ? data[i + 1] : 0;
        switch (op) {
        case 0:
        case 1:
            deliver(&f, op, arg & 2 ? 0 : arg & 1 ? 2 : 1, 0, 0);
            break;
        case 2:
        case 3: {
            size_t n = b1;
            i++;
            if (n > size - (i < size ? i : size))
                n = size - (i < size ? i : size);
            feed(&f, op == 2 ? CLI : SRV, data + (i < size ? i : size), n);
            i += n;
            break;
        }
        case 4:
            f.now += DTLS_MS(arg) * (arg >= 16 ? 1000 : 1);
            break;
        case 5: {
            uint64_t a = dtls_next_deadline(f.sd[CLI].s), b = dtls_next_deadline(f.sd[SRV].s);
            uint64_t due = a < b ? a : b;
            if (due != DTLS_NEVER && due > f.now)
                f.now = due;
            tick_both(&f);
            break;
        }
        case 6:
            send_or_close(&f, arg & 1, arg & 2, b1);
            i++;
            break;
        default:
            deliver(&f, arg & 1, 1, b1, b2);
            i += 2;
            break;
        }
    }
    dtls_session_free(f.sd[CLI].s);
    dtls_session_free(f.sd[SRV].s);
    return 0;
}
