/* test_dtls.c - DTLS-PSK sessions (protocol/dtls.c) wired to each other
 * through a network the test controls, on a virtual clock.  Nothing here
 * waits for wall-clock time: every retransmission is asserted at the
 * virtual nanosecond the RFC 6347 schedule puts it. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/dtls.h"

#define S(x) DTLS_S(x)
#define MS(x) DTLS_MS(x)
#define T0 S(5) /* the client starts at 5 s, so that a missing t0 shows */

static const uint8_t KEY[16] = "sixteen byte key";
static const char IDENTITY[] = "urn:imei:352835100012346";
static const char PEER[] = "198.51.100.7:40000";

/* ---- a network between one client and one server ---- */

enum { CLI = 0, SRV = 1 };
enum { PASS = 0, DROP, DUP, HOLD };

typedef struct sent {
    int side;       /* who sent it */
    uint64_t at;    /* when it left (the time of the call that made it) */
    size_t len;
    uint8_t ct;     /* first record: content type, epoch, handshake type */
    unsigned epoch;
    int hs;         /* -1 when not a handshake record */
} sent;

typedef struct net net;
/* What happens to the n-th datagram (0-based) a side sends. */
typedef int (*fault_fn)(net *w, int side, unsigned n, const uint8_t *p, size_t len);

#define LOG_MAX 512
#define GOT_MAX 32

struct net {
    dtls_session *s[2];
    uint64_t now;
    fault_fn fault;
    unsigned count[2];
    sent log[LOG_MAX];
    size_t nlog;
    dtls_event ev[2][8];
    unsigned nev[2];
    char got[2][GOT_MAX][256]; /* plaintexts received, as strings */
    unsigned ngot[2];
    uint8_t held[16][2048]; /* HOLD: delivered in reverse at the end of a round */
    size_t held_len[16];
    int held_side[16];
    unsigned nheld;
    size_t max_len[2];
    int fault_arg;
};

static dtls_config server_config(void)
{
    dtls_config c = {0};
    c.peer = PEER;
    c.psk_hint = "sarasim";
    return c;
}

static void net_init_with(net *w, const dtls_config *cc, const char *cid, const uint8_t *ckey,
                          const dtls_config *sc, const uint8_t *skey)
{
    memset(w, 0, sizeof *w);
    w->now = T0;
    ck_assert_int_eq(dtls_session_create(&w->s[CLI], DTLS_CLIENT, cid, ckey, 16, cc), 0);
    ck_assert_int_eq(dtls_session_create(&w->s[SRV], DTLS_SERVER, IDENTITY, skey, 16, sc), 0);
}

static void net_init(net *w)
{
    dtls_config sc = server_config();
    net_init_with(w, NULL, IDENTITY, KEY, &sc, KEY);
}

static void net_free(net *w)
{
    dtls_session_free(w->s[CLI]);
    dtls_session_free(w->s[SRV]);
}

static void collect(net *w, int side)
{
    dtls_event e;
    while (dtls_take_event(w->s[side], &e)) {
        ck_assert_uint_lt(w->nev[side], 8);
        w->ev[side][w->nev[side]++] = e;
    }
    uint8_t buf[DTLS_PLAINTEXT_MAX];
    int n;
    while ((n = dtls_take_plaintext(w->s[side], buf, sizeof buf)) > 0) {
        ck_assert_uint_lt(w->ngot[side], GOT_MAX);
        size_t keep = n < 255 ? (size_t)n : 255; /* long ones: their start */
        memcpy(w->got[side][w->ngot[side]], buf, keep);
        w->got[side][w->ngot[side]++][keep] = 0;
    }
    ck_assert_int_eq(n, 0);
}

static void log_sent(net *w, int side, const uint8_t *p, size_t n)
{
    ck_assert_uint_lt(w->nlog, LOG_MAX);
    sent *l = &w->log[w->nlog++];
    l->side = side;
    l->at = w->now;
    l->len = n;
    l->ct = n ? p[0] : 0;
    l->epoch = n >= 5 ? (unsigned)p[3] << 8 | p[4] : 0;
    l->hs = n > 13 && p[0] == 22 && l->epoch == 0 ? p[13] : -1;
    if (n > w->max_len[side])
        w->max_len[side] = n;
}

static void deliver(net *w, int to, const uint8_t *p, size_t n)
{
    ck_assert_int_eq(dtls_feed(w->s[to], w->now, p, n), 0);
}

/* Move every datagram until both sides are quiet at the current time. */
static void pump(net *w)
{
    int moved = 1;
    while (moved) {
        moved = 0;
        for (int side = CLI; side <= SRV; side++) {
            uint8_t buf[DTLS_MTU_MAX];
            int n;
            while ((n = dtls_take_datagram(w->s[side], buf, sizeof buf)) > 0) {
                moved = 1;
                log_sent(w, side, buf, (size_t)n);
                int f = w->fault ? w->fault(w, side, w->count[side], buf, (size_t)n) : PASS;
                w->count[side]++;
                if (f == HOLD) {
                    ck_assert_uint_lt(w->nheld, 16);
                    memcpy(w->held[w->nheld], buf, (size_t)n);
                    w->held_len[w->nheld] = (size_t)n;
                    w->held_side[w->nheld++] = side;
                    continue;
                }
                if (f == PASS || f == DUP)
                    deliver(w, !side, buf, (size_t)n);
                if (f == DUP)
                    deliver(w, !side, buf, (size_t)n);
            }
            ck_assert_int_eq(n, 0);
            collect(w, side);
        }
        if (!moved && w->nheld) {
            while (w->nheld) { /* the held ones, newest first */
                w->nheld--;
                deliver(w, !w->held_side[w->nheld], w->held[w->nheld], w->held_len[w->nheld]);
            }
            moved = 1;
        }
    }
    collect(w, CLI);
    collect(w, SRV);
}

static uint64_t next_due(net *w)
{
    uint64_t a = dtls_next_deadline(w->s[CLI]), b = dtls_next_deadline(w->s[SRV]);
    return a < b ? a : b;
}

/* Run the network on the virtual clock until `until` (or nothing is due). */
static void run_until(net *w, uint64_t until)
{
    for (;;) {
        pump(w);
        uint64_t due = next_due(w);
        if (due == DTLS_NEVER || due > until)
            break;
        if (due > w->now)
            w->now = due;
        ck_assert_int_eq(dtls_tick(w->s[CLI], w->now), 0);
        ck_assert_int_eq(dtls_tick(w->s[SRV], w->now), 0);
    }
    if (until != DTLS_NEVER && until > w->now)
        w->now = until;
}

static void handshake(net *w)
{
    run_until(w, w->now + S(1000));
    ck_assert_int_eq(dtls_state_of(w->s[CLI]), DTLS_CONNECTED);
    ck_assert_int_eq(dtls_state_of(w->s[SRV]), DTLS_CONNECTED);
}

static void send_str(net *w, int side, const char *msg)
{
    ck_assert_int_eq(dtls_send(w->s[side], w->now, (const uint8_t *)msg, strlen(msg)), 0);
}

/* Datagrams sent by `side` in the log, from index `from`. */
static unsigned sent_by(const net *w, int side, size_t from)
{
    unsigned n = 0;
    for (size_t i = from; i < w->nlog; i++)
        n += w->log[i].side == side;
    return n;
}

static const sent *nth_sent(const net *w, int side, unsigned k)
{
    for (size_t i = 0; i < w->nlog; i++)
        if (w->log[i].side == side && k-- == 0)
            return &w->log[i];
    ck_abort_msg("side %d sent fewer than %u datagrams", side, k);
    return NULL;
}

static void assert_event(const net *w, int side, unsigned i, dtls_event_kind k, dtls_reason r)
{
    ck_assert_uint_gt(w->nev[side], i);
    ck_assert_msg(w->ev[side][i].kind == k && w->ev[side][i].reason == r,
                  "side %d event %u: %s/%s, want %s/%s", side, i,
                  dtls_event_name(w->ev[side][i].kind), dtls_reason_name(w->ev[side][i].reason),
                  dtls_event_name(k), dtls_reason_name(r));
}

/* ---- faults ---- */

static int drop_nth(net *w, int side, unsigned n, const uint8_t *p, size_t len)
{
    (void)p;
    (void)len;
    /* fault_arg: side * 100 + index */
    return side == w->fault_arg / 100 && n == (unsigned)(w->fault_arg % 100) ? DROP : PASS;
}

static int drop_all_from_client(net *w, int side, unsigned n, const uint8_t *p, size_t len)
{
    (void)w, (void)n, (void)p, (void)len;
    return side == CLI ? DROP : PASS;
}

static int duplicate_all(net *w, int side, unsigned n, const uint8_t *p, size_t len)
{
    (void)w, (void)side, (void)n, (void)p, (void)len;
    return DUP;
}

/* The client's first ClientHello is lost at T0; its retransmission is due. */
static void start_losing_client_hello(net *w)
{
    net_init(w);
    w->fault = drop_nth;
    w->fault_arg = CLI * 100 + 0;
    run_until(w, T0);
    ck_assert_uint_eq(sent_by(w, CLI, 0), 1);
}

/* ---- the handshake ---- */

START_TEST(handshake_completes_with_cookie_exchange_at_once)
{
    net w;
    net_init(&w);
    ck_assert_uint_eq(dtls_next_deadline(w.s[CLI]), 0); /* the ClientHello is due */
    ck_assert_uint_eq(dtls_next_deadline(w.s[SRV]), DTLS_NEVER);
    handshake(&w);
    assert_event(&w, CLI, 0, DTLS_EV_CONNECTED, DTLS_R_NONE);
    assert_event(&w, SRV, 0, DTLS_EV_CONNECTED, DTLS_R_NONE);
    ck_assert_uint_eq(w.nev[CLI], 1);
    ck_assert_uint_eq(w.nev[SRV], 1);
    ck_assert_uint_eq(w.ev[CLI][0].at, T0); /* nothing lost: no time passes */
    ck_assert_uint_eq(w.ev[SRV][0].at, T0);
    /* ClientHello, HelloVerifyRequest, ClientHello with the cookie, ... */
    ck_assert_int_eq(nth_sent(&w, CLI, 0)->hs, 1);
    ck_assert_int_eq(nth_sent(&w, SRV, 0)->hs, 3);
    ck_assert_int_eq(nth_sent(&w, CLI, 1)->hs, 1);
    ck_assert_int_eq(nth_sent(&w, SRV, 1)->hs, 2);
    ck_assert_str_eq(dtls_cipher(w.s[CLI]), "TLS_PSK_WITH_AES_128_CCM_8");
    ck_assert_str_eq(dtls_cipher(w.s[SRV]), "TLS_PSK_WITH_AES_128_CCM_8");
    ck_assert_uint_le(w.max_len[CLI], DTLS_DEFAULT_MTU);
    ck_assert_uint_le(w.max_len[SRV], DTLS_DEFAULT_MTU);
    /* Connected and idle: nothing is due, nothing more is sent. */
    size_t before = w.nlog;
    ck_assert_uint_eq(next_due(&w), DTLS_NEVER);
    run_until(&w, T0 + S(3600));
    ck_assert_uint_eq(w.nlog, before);
    ck_assert_uint_eq(dtls_stats_of(w.s[CLI])->retransmits, 0);
    net_free(&w);
}
END_TEST

START_TEST(application_data_flows_both_ways)
{
    net w;
    net_init(&w);
    handshake(&w);
    send_str(&w, CLI, "GET /.well-known/core");
    send_str(&w, SRV, "2.05 Content");
    send_str(&w, SRV, "and a second record");
    pump(&w);
    ck_assert_uint_eq(w.ngot[SRV], 1);
    ck_assert_str_eq(w.got[SRV][0], "GET /.well-known/core");
    ck_assert_uint_eq(w.ngot[CLI], 2);
    ck_assert_str_eq(w.got[CLI][0], "2.05 Content");
    ck_assert_str_eq(w.got[CLI][1], "and a second record");
    /* Application data travels encrypted (epoch 1). */
    ck_assert_uint_eq(w.log[w.nlog - 1].ct, 23);
    ck_assert_uint_eq(w.log[w.nlog - 1].epoch, 1);
    ck_assert_uint_eq(dtls_stats_of(w.s[CLI])->tx_plaintexts, 1);
    ck_assert_uint_eq(dtls_stats_of(w.s[CLI])->rx_plaintexts, 2);
    net_free(&w);
}
END_TEST

START_TEST(data_sent_before_the_handshake_leaves_in_order_after_it)
{
    net w;
    net_init(&w);
    /* The first send starts the client's handshake. */
    send_str(&w, CLI, "one");
    send_str(&w, CLI, "two");
    send_str(&w, CLI, "three");
    send_str(&w, SRV, "server first");
    ck_assert_uint_eq(w.nlog, 0);
    pump(&w);
    ck_assert_int_eq(dtls_state_of(w.s[CLI]), DTLS_CONNECTED);
    ck_assert_uint_eq(w.ngot[SRV], 3);
    ck_assert_str_eq(w.got[SRV][0], "one");
    ck_assert_str_eq(w.got[SRV][1], "two");
    ck_assert_str_eq(w.got[SRV][2], "three");
    ck_assert_uint_eq(w.ngot[CLI], 1);
    ck_assert_str_eq(w.got[CLI][0], "server first");
    /* The data follows CONNECTED: the event came first. */
    assert_event(&w, CLI, 0, DTLS_EV_CONNECTED, DTLS_R_NONE);
    net_free(&w);
}
END_TEST

START_TEST(close_notify_closes_both_sides)
{
    net w;
    net_init(&w);
    handshake(&w);
    size_t before = w.nlog;
    uint64_t t = w.now + S(2);
    w.now = t;
    ck_assert_int_eq(dtls_close(w.s[CLI], w.now), 0);
    ck_assert_int_eq(dtls_state_of(w.s[CLI]), DTLS_CLOSED);
    pump(&w);
    assert_event(&w, CLI, 1, DTLS_EV_CLOSED, DTLS_R_LOCAL_CLOSE);
    assert_event(&w, SRV, 1, DTLS_EV_CLOSED, DTLS_R_PEER_CLOSE);
    ck_assert_uint_eq(w.ev[CLI][1].at, t);
    ck_assert_uint_eq(w.ev[SRV][1].at, t);
    /* close_notify one way, the answer the other: encrypted alerts. */
    ck_assert_uint_eq(w.nlog - before, 2);
    ck_assert_uint_eq(w.log[before].ct, 21);
    ck_assert_uint_eq(w.log[before].side, CLI);
    ck_assert_uint_eq(w.log[before + 1].ct, 21);
    ck_assert_uint_eq(w.log[before + 1].side, SRV);
    ck_assert_uint_eq(dtls_stats_of(w.s[CLI])->ignored, 1); /* the answer */
    ck_assert_int_eq(dtls_send(w.s[CLI], w.now, (const uint8_t *)"x", 1), -ENOTCONN);
    ck_assert_int_eq(dtls_send(w.s[SRV], w.now, (const uint8_t *)"x", 1), -ENOTCONN);
    ck_assert_int_eq(dtls_close(w.s[SRV], w.now), 0); /* already closed: nothing new */
    pump(&w);
    ck_assert_uint_eq(w.nev[SRV], 2);
    ck_assert_uint_eq(next_due(&w), DTLS_NEVER);
    net_free(&w);
}
END_TEST

START_TEST(close_during_the_handshake_abandons_it_silently)
{
    net w;
    net_init(&w);
    ck_assert_int_eq(dtls_tick(w.s[CLI], w.now), 0); /* ClientHello queued */
    ck_assert_int_eq(dtls_close(w.s[CLI], w.now), 0);
    ck_assert_int_eq(dtls_state_of(w.s[CLI]), DTLS_CLOSED);
    ck_assert_uint_eq(dtls_next_deadline(w.s[CLI]), DTLS_NEVER);
    collect(&w, CLI);
    assert_event(&w, CLI, 0, DTLS_EV_CLOSED, DTLS_R_LOCAL_CLOSE);
    net_free(&w);
}
END_TEST

/* ---- wrong keys ---- */

START_TEST(different_keys_fail_both_sides_with_bad_record_mac)
{
    /* CCM_8: OpenSSL drops the Finished silently and this layer answers;
     * CBC: OpenSSL fails on it and sends the alert itself. */
    static const char *suites[] = {"PSK-AES128-CCM8", "PSK-AES128-CBC-SHA256"};
    for (unsigned k = 0; k < 2; k++) {
        net w;
        dtls_config cc = {0}, sc = server_config();
        cc.ciphers = suites[k];
        net_init_with(&w, &cc, IDENTITY, KEY, &sc, (const uint8_t *)"another 16B key!");
        run_until(&w, T0 + S(1000));
        ck_assert_int_eq(dtls_state_of(w.s[SRV]), DTLS_FAILED);
        ck_assert_int_eq(dtls_state_of(w.s[CLI]), DTLS_FAILED);
        assert_event(&w, SRV, 0, DTLS_EV_FAILED, DTLS_R_BAD_PSK);
        assert_event(&w, CLI, 0, DTLS_EV_FAILED, DTLS_R_BAD_PSK);
        ck_assert_int_eq(dtls_alert_sent(w.s[SRV]), 20);
        ck_assert_int_eq(dtls_alert_received(w.s[CLI]), 20);
        ck_assert_int_eq(w.ev[CLI][0].alert, 20);
        /* At once: no retransmission, no waiting for a timeout. */
        ck_assert_uint_eq(w.ev[SRV][0].at, T0);
        ck_assert_uint_eq(w.ev[CLI][0].at, T0);
        ck_assert_uint_eq(next_due(&w), DTLS_NEVER);
        net_free(&w);
    }
}
END_TEST

START_TEST(unknown_identity_fails_both_sides_with_unknown_psk_identity)
{
    net w;
    dtls_config sc = server_config();
    net_init_with(&w, NULL, "urn:imei:000000000000000", KEY, &sc, KEY);
    run_until(&w, T0 + S(1000));
    assert_event(&w, SRV, 0, DTLS_EV_FAILED, DTLS_R_BAD_PSK);
    assert_event(&w, CLI, 0, DTLS_EV_FAILED, DTLS_R_BAD_PSK);
    ck_assert_int_eq(dtls_alert_sent(w.s[SRV]), 115);
    ck_assert_int_eq(dtls_alert_received(w.s[CLI]), 115);
    ck_assert_uint_eq(w.ev[CLI][0].at, T0);
    net_free(&w);
}
END_TEST

/* ---- loss and the retransmission timer ---- */

START_TEST(dropped_client_hello_is_resent_after_exactly_one_second)
{
    net w;
    start_losing_client_hello(&w);
    handshake(&w);
    ck_assert_uint_eq(nth_sent(&w, CLI, 0)->at, T0);
    ck_assert_int_eq(nth_sent(&w, CLI, 1)->hs, 1); /* the same ClientHello again */
    ck_assert_uint_eq(nth_sent(&w, CLI, 1)->at, T0 + S(1));
    ck_assert_uint_eq(w.ev[CLI][0].at, T0 + S(1));
    ck_assert_uint_eq(dtls_stats_of(w.s[CLI])->retransmits, 1);
    net_free(&w);
}
END_TEST

START_TEST(dropped_server_hello_flight_is_resent_after_exactly_one_second)
{
    net w;
    net_init(&w);
    w.fault = drop_nth;
    w.fault_arg = SRV * 100 + 1; /* 0 is the HelloVerifyRequest */
    handshake(&w);
    const sent *lost = nth_sent(&w, SRV, 1);
    ck_assert_int_eq(lost->hs, 2);
    ck_assert_uint_eq(lost->at, T0);
    /* Both sides' timers run out at T0 + 1 s: the server resends its flight
     * (message by message) and the client its second ClientHello. */
    ck_assert_uint_eq(nth_sent(&w, SRV, 2)->at, T0 + S(1));
    ck_assert_int_eq(nth_sent(&w, SRV, 2)->hs, 2);
    ck_assert_uint_eq(nth_sent(&w, CLI, 2)->at, T0 + S(1));
    ck_assert_int_eq(nth_sent(&w, CLI, 2)->hs, 1);
    ck_assert_uint_eq(w.ev[CLI][0].at, T0 + S(1));
    ck_assert_uint_eq(w.ev[SRV][0].at, T0 + S(1));
    ck_assert_uint_eq(dtls_stats_of(w.s[SRV])->retransmits, 1);
    net_free(&w);
}
END_TEST

START_TEST(lost_final_server_flight_is_recovered_by_the_client_timer)
{
    net w;
    net_init(&w);
    w.fault = drop_nth;
    w.fault_arg = SRV * 100 + 2; /* HVR, ServerHello flight, CCS + Finished */
    handshake(&w);
    ck_assert_uint_eq(w.ev[SRV][0].at, T0); /* the server was done at once */
    ck_assert_uint_eq(w.ev[CLI][0].at, T0 + S(1));
    ck_assert_uint_eq(dtls_stats_of(w.s[CLI])->retransmits, 1);
    ck_assert_uint_eq(dtls_stats_of(w.s[SRV])->retransmits, 0); /* answered the resent Finished */
    net_free(&w);
}
END_TEST

START_TEST(silent_server_client_backs_off_1_2_4_8_16_32_then_fails_at_123s)
{
    net w;
    net_init(&w);
    w.fault = drop_all_from_client;
    run_until(&w, T0 + S(1000));
    static const unsigned at[] = {0, 1, 3, 7, 15, 31, 63};
    ck_assert_uint_eq(sent_by(&w, CLI, 0), 7);
    for (unsigned i = 0; i < 7; i++) {
        ck_assert_uint_eq(nth_sent(&w, CLI, i)->at, T0 + S(at[i]));
        ck_assert_int_eq(nth_sent(&w, CLI, i)->hs, 1);
    }
    assert_event(&w, CLI, 0, DTLS_EV_FAILED, DTLS_R_TIMEOUT);
    ck_assert_uint_eq(w.ev[CLI][0].at, T0 + S(123)); /* the last wait is capped at 60 s */
    ck_assert_uint_eq(dtls_stats_of(w.s[CLI])->retransmits, 6);
    ck_assert_uint_eq(dtls_next_deadline(w.s[CLI]), DTLS_NEVER);
    net_free(&w);
}
END_TEST

START_TEST(back_off_follows_the_configured_schedule)
{
    net w;
    dtls_config cc = {0};
    cc.initial_timeout = MS(500);
    cc.max_timeout = S(2);
    cc.max_retransmits = 3;
    dtls_config sc = server_config();
    net_init_with(&w, &cc, IDENTITY, KEY, &sc, KEY);
    w.fault = drop_all_from_client;
    run_until(&w, T0 + S(1000));
    static const uint64_t at[] = {0, 500, 1500, 3500};
    ck_assert_uint_eq(sent_by(&w, CLI, 0), 4);
    for (unsigned i = 0; i < 4; i++)
        ck_assert_uint_eq(nth_sent(&w, CLI, i)->at, T0 + MS(at[i]));
    ck_assert_uint_eq(w.ev[CLI][0].at, T0 + MS(5500));
    net_free(&w);
}
END_TEST

START_TEST(a_late_tick_catches_up_and_fails_when_the_schedule_has_run_out)
{
    dtls_session *c;
    ck_assert_int_eq(dtls_session_create(&c, DTLS_CLIENT, IDENTITY, KEY, 16, NULL), 0);
    uint8_t buf[DTLS_MTU_MAX];
    ck_assert_int_eq(dtls_tick(c, T0), 0);
    ck_assert_int_gt(dtls_take_datagram(c, buf, sizeof buf), 0);
    ck_assert_uint_eq(dtls_next_deadline(c), T0 + S(1));
    ck_assert_int_eq(dtls_tick(c, T0 + S(4)), 0); /* the 1 s and 3 s deadlines */
    ck_assert_uint_eq(dtls_stats_of(c)->retransmits, 2);
    ck_assert_uint_eq(dtls_next_deadline(c), T0 + S(7));
    ck_assert_int_eq(dtls_tick(c, T0 + S(500)), 0);
    ck_assert_int_eq(dtls_state_of(c), DTLS_FAILED);
    ck_assert_int_eq(dtls_reason_of(c), DTLS_R_TIMEOUT);
    ck_assert_uint_eq(dtls_stats_of(c)->retransmits, 6);
    dtls_session_free(c);
}
END_TEST

START_TEST(a_send_after_the_give_up_time_fails_the_session_first)
{
    /* Found by fuzz_dtls (its harness checked too early): deadlines due run
     * before the send, so it meets a failed session. */
    dtls_session *c;
    ck_assert_int_eq(dtls_session_create(&c, DTLS_CLIENT, IDENTITY, KEY, 16, NULL), 0);
    ck_assert_int_eq(dtls_tick(c, T0), 0);
    ck_assert_int_eq(dtls_send(c, T0 + S(500), (const uint8_t *)"late", 4), -ENOTCONN);
    dtls_event e;
    ck_assert_int_eq(dtls_take_event(c, &e), 1);
    ck_assert_int_eq(e.kind, DTLS_EV_FAILED);
    ck_assert_int_eq(e.reason, DTLS_R_TIMEOUT);
    ck_assert_uint_eq(e.at, T0 + S(500));
    dtls_session_free(c);
}
END_TEST

START_TEST(server_silent_after_its_flight_gives_up_on_the_same_schedule)
{
    net w;
    net_init(&w);
    w.fault = drop_nth; /* the client's final flight never arrives */
    w.fault_arg = CLI * 100 + 2;
    /* Keep the client from resending: let it lose everything after that. */
    run_until(&w, T0);
    for (unsigned i = 0; i < 7; i++) { /* the client's retransmissions: all lost */
        uint64_t due = dtls_next_deadline(w.s[SRV]);
        ck_assert_uint_ne(due, DTLS_NEVER);
        w.now = due;
        ck_assert_int_eq(dtls_tick(w.s[SRV], w.now), 0);
        uint8_t buf[DTLS_MTU_MAX];
        while (dtls_take_datagram(w.s[SRV], buf, sizeof buf) > 0)
            continue;
    }
    collect(&w, SRV);
    assert_event(&w, SRV, 0, DTLS_EV_FAILED, DTLS_R_TIMEOUT);
    ck_assert_uint_eq(w.ev[SRV][0].at, T0 + S(123));
    ck_assert_uint_eq(dtls_stats_of(w.s[SRV])->retransmits, 6);
    net_free(&w);
}
END_TEST

START_TEST(server_left_after_hello_verify_request_expires_when_idle)
{
    dtls_session *c, *s;
    dtls_config sc = server_config();
    ck_assert_int_eq(dtls_session_create(&c, DTLS_CLIENT, IDENTITY, KEY, 16, NULL), 0);
    ck_assert_int_eq(dtls_session_create(&s, DTLS_SERVER, IDENTITY, KEY, 16, &sc), 0);
    uint8_t buf[DTLS_MTU_MAX];
    ck_assert_int_eq(dtls_tick(c, T0), 0);
    int n = dtls_take_datagram(c, buf, sizeof buf);
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(dtls_feed(s, T0 + S(10), buf, (size_t)n), 0);
    ck_assert_int_gt(dtls_take_datagram(s, buf, sizeof buf), 0); /* HelloVerifyRequest */
    /* The server keeps no timer for it (RFC 6347 §4.2.1); it gives up when
     * the client has been silent for the whole schedule. */
    ck_assert_uint_eq(dtls_next_deadline(s), T0 + S(10) + S(123));
    ck_assert_int_eq(dtls_tick(s, T0 + S(132)), 0);
    ck_assert_int_eq(dtls_state_of(s), DTLS_HANDSHAKING);
    ck_assert_int_eq(dtls_tick(s, T0 + S(133)), 0);
    ck_assert_int_eq(dtls_state_of(s), DTLS_FAILED);
    ck_assert_int_eq(dtls_reason_of(s), DTLS_R_TIMEOUT);
    ck_assert_int_eq(dtls_take_datagram(s, buf, sizeof buf), 0); /* nothing resent */
    dtls_session_free(c);
    dtls_session_free(s);
}
END_TEST

/* The regression test for the timer design (docs/dtls.md): OpenSSL's read
 * path retransmits whenever its own timer has expired.  Datagrams fed while
 * a flight waits must not make anything leave before the virtual deadline,
 * however many there are and however much wall time passes. */
START_TEST(datagrams_fed_while_a_flight_waits_never_trigger_a_retransmission)
{
    net w;
    start_losing_client_hello(&w);
    /* 40 datagrams at the same virtual instant: bytes that are no record,
     * and records OpenSSL reads and drops (application data of the next
     * epoch, a handshake record of an epoch that does not exist). */
    uint8_t junk[64];
    for (unsigned i = 0; i < 40; i++) {
        for (unsigned j = 0; j < sizeof junk; j++)
            junk[j] = (uint8_t)(i * 31 + j * 7);
        if (i % 2) {
            junk[0] = i % 4 == 1 ? 23 : 22, junk[1] = 0xfe, junk[2] = 0xfd;
            junk[3] = 0, junk[4] = i % 4 == 1 ? 1 : 9;
            junk[11] = 0, junk[12] = sizeof junk - 13;
        }
        ck_assert_int_eq(dtls_feed(w.s[CLI], w.now, junk, sizeof junk), 0);
    }
    pump(&w);
    ck_assert_uint_eq(sent_by(&w, CLI, 0), 1);
    ck_assert_int_eq(dtls_state_of(w.s[CLI]), DTLS_HANDSHAKING);
    ck_assert_uint_eq(dtls_next_deadline(w.s[CLI]), T0 + S(1));
    /* Just before the deadline: still nothing. */
    ck_assert_int_eq(dtls_tick(w.s[CLI], T0 + S(1) - 1), 0);
    uint8_t buf[DTLS_MTU_MAX];
    ck_assert_int_eq(dtls_take_datagram(w.s[CLI], buf, sizeof buf), 0);
    w.fault = NULL;
    handshake(&w);
    ck_assert_uint_eq(nth_sent(&w, CLI, 1)->at, T0 + S(1));
    ck_assert_uint_eq(dtls_stats_of(w.s[CLI])->retransmits, 1);
    net_free(&w);
}
END_TEST

/* ---- duplicates, reordering, garbage ---- */

START_TEST(every_datagram_twice_still_connects_and_delivers_once)
{
    net w;
    net_init(&w);
    w.fault = duplicate_all;
    handshake(&w);
    send_str(&w, CLI, "once");
    send_str(&w, SRV, "only once");
    pump(&w);
    ck_assert_uint_eq(w.ngot[SRV], 1);
    ck_assert_str_eq(w.got[SRV][0], "once");
    ck_assert_uint_eq(w.ngot[CLI], 1);
    ck_assert_uint_eq(w.nev[CLI], 1);
    ck_assert_uint_eq(w.nev[SRV], 1);
    net_free(&w);
}
END_TEST

static int hold_server_retransmission(net *w, int side, unsigned n, const uint8_t *p, size_t len)
{
    (void)p, (void)len;
    if (side == SRV && n == 1)
        return DROP; /* the ServerHello flight ... */
    if (side == SRV && n >= 2 && n <= 4 && w->now == T0 + S(1))
        return HOLD; /* ... and its retransmission, message by message, reversed */
    if (side == CLI && n == 2)
        return DROP; /* the client's resent ClientHello: only the reversed flight counts */
    return PASS;
}

START_TEST(a_flight_arriving_in_reverse_order_is_reassembled)
{
    net w;
    net_init(&w);
    w.fault = hold_server_retransmission;
    handshake(&w);
    ck_assert_int_eq(nth_sent(&w, SRV, 2)->hs, 2);  /* ServerHello */
    ck_assert_int_eq(nth_sent(&w, SRV, 3)->hs, 12); /* ServerKeyExchange (the hint) */
    ck_assert_int_eq(nth_sent(&w, SRV, 4)->hs, 14); /* ServerHelloDone */
    ck_assert_uint_eq(w.ev[CLI][0].at, T0 + S(1));
    net_free(&w);
}
END_TEST

START_TEST(application_records_out_of_order_are_all_delivered)
{
    net w;
    net_init(&w);
    handshake(&w);
    w.fault = drop_nth;
    w.fault_arg = 99; /* nothing */
    uint8_t buf[3][DTLS_MTU_MAX];
    int n[3];
    send_str(&w, CLI, "a");
    send_str(&w, CLI, "b");
    send_str(&w, CLI, "c");
    for (int i = 0; i < 3; i++)
        n[i] = dtls_take_datagram(w.s[CLI], buf[i], sizeof buf[i]);
    for (int i = 2; i >= 0; i--)
        deliver(&w, SRV, buf[i], (size_t)n[i]);
    deliver(&w, SRV, buf[1], (size_t)n[1]); /* a replay: dropped */
    collect(&w, SRV);
    ck_assert_uint_eq(w.ngot[SRV], 3);
    ck_assert_str_eq(w.got[SRV][0], "c");
    ck_assert_str_eq(w.got[SRV][1], "b");
    ck_assert_str_eq(w.got[SRV][2], "a");
    net_free(&w);
}
END_TEST

static uint32_t rnd(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void feed_garbage(net *w, int side, uint32_t *seed, unsigned count)
{
    uint8_t junk[1500];
    for (unsigned i = 0; i < count; i++) {
        size_t n = rnd(seed) % sizeof junk;
        for (size_t j = 0; j < n; j++)
            junk[j] = (uint8_t)rnd(seed);
        if (n > 13 && i % 3 == 0) { /* looks like a DTLS 1.2 record */
            junk[0] = (uint8_t)(20 + rnd(seed) % 4);
            if (junk[0] == 21)
                junk[0] = 23; /* (a forged clear-text alert would be obeyed) */
            junk[1] = 0xfe, junk[2] = 0xfd;
            junk[11] = (uint8_t)((n - 13) >> 8), junk[12] = (uint8_t)(n - 13);
        }
        ck_assert_int_eq(dtls_feed(w->s[side], w->now, junk, n), 0);
    }
    ck_assert_int_eq(dtls_feed(w->s[side], w->now, NULL, 0), 0);
}

START_TEST(garbage_datagrams_are_ignored_before_during_and_after_the_handshake)
{
    net w;
    net_init(&w);
    uint32_t seed = 0x2545F491u;
    feed_garbage(&w, SRV, &seed, 50); /* before any ClientHello */
    ck_assert_int_eq(dtls_state_of(w.s[SRV]), DTLS_HANDSHAKING);
    ck_assert_int_eq(dtls_tick(w.s[CLI], w.now), 0);
    feed_garbage(&w, CLI, &seed, 50); /* while the ClientHello waits */
    handshake(&w);
    feed_garbage(&w, CLI, &seed, 100);
    feed_garbage(&w, SRV, &seed, 100);
    send_str(&w, CLI, "still here");
    pump(&w);
    ck_assert_uint_eq(w.ngot[SRV], 1);
    ck_assert_str_eq(w.got[SRV][0], "still here");
    ck_assert_uint_eq(w.ngot[CLI], 0);
    ck_assert_int_eq(dtls_state_of(w.s[CLI]), DTLS_CONNECTED);
    net_free(&w);
}
END_TEST

START_TEST(feeding_a_client_that_has_not_started_is_ignored)
{
    dtls_session *c;
    ck_assert_int_eq(dtls_session_create(&c, DTLS_CLIENT, IDENTITY, KEY, 16, NULL), 0);
    ck_assert_int_eq(dtls_feed(c, T0, (const uint8_t *)"hello", 5), 0);
    ck_assert_uint_eq(dtls_stats_of(c)->ignored, 1);
    ck_assert_uint_eq(dtls_stats_of(c)->rx_datagrams, 0);
    uint8_t buf[64];
    ck_assert_int_eq(dtls_take_datagram(c, buf, sizeof buf), 0);
    dtls_session_free(c);
}
END_TEST

START_TEST(an_unexpected_clear_text_handshake_message_fails_the_handshake_cleanly)
{
    /* Epoch 0 is not authenticated: a well-formed handshake record with a
     * message OpenSSL does not expect ends the handshake (RFC 6347 discards
     * only records that do not parse or authenticate). */
    dtls_session *c;
    ck_assert_int_eq(dtls_session_create(&c, DTLS_CLIENT, IDENTITY, KEY, 16, NULL), 0);
    uint8_t buf[DTLS_MTU_MAX];
    ck_assert_int_eq(dtls_tick(c, T0), 0);
    ck_assert_int_gt(dtls_take_datagram(c, buf, sizeof buf), 0);
    static const uint8_t finished_in_clear[13 + 12 + 12] = {
        22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 24, /* record, epoch 0, 24 bytes */
        20, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 12,         /* Finished, 12 bytes */
    };
    ck_assert_int_eq(dtls_feed(c, T0, finished_in_clear, sizeof finished_in_clear), 0);
    ck_assert_int_eq(dtls_state_of(c), DTLS_FAILED);
    ck_assert_int_eq(dtls_reason_of(c), DTLS_R_PROTOCOL);
    ck_assert_int_ne(dtls_openssl_reason(c), 0);
    ck_assert_int_eq(dtls_alert_sent(c), 10); /* unexpected_message */
    int n = dtls_take_datagram(c, buf, sizeof buf);
    ck_assert_int_eq(n, 15);
    ck_assert_uint_eq(buf[0], 21);
    ck_assert_uint_eq(dtls_next_deadline(c), DTLS_NEVER);
    dtls_event e;
    ck_assert_int_eq(dtls_take_event(c, &e), 1);
    ck_assert_int_eq(e.kind, DTLS_EV_FAILED);
    ck_assert_int_eq(e.alert, 10);
    ck_assert_int_eq(dtls_take_event(c, &e), 0);
    dtls_session_free(c);
}
END_TEST

/* ---- the cookie ---- */

/* The cookie of the HelloVerifyRequest a fresh server session sends. */
static size_t hvr_cookie(const dtls_config *sc, uint8_t cookie[64])
{
    dtls_session *c, *s;
    ck_assert_int_eq(dtls_session_create(&c, DTLS_CLIENT, IDENTITY, KEY, 16, NULL), 0);
    ck_assert_int_eq(dtls_session_create(&s, DTLS_SERVER, IDENTITY, KEY, 16, sc), 0);
    uint8_t buf[DTLS_MTU_MAX];
    ck_assert_int_eq(dtls_tick(c, T0), 0);
    int n = dtls_take_datagram(c, buf, sizeof buf);
    ck_assert_int_eq(dtls_feed(s, T0, buf, (size_t)n), 0);
    n = dtls_take_datagram(s, buf, sizeof buf);
    /* record header 13, handshake header 12, server_version 2, cookie */
    ck_assert_int_gt(n, 13 + 12 + 3);
    ck_assert_uint_eq(buf[13], 3);
    size_t len = buf[13 + 12 + 2];
    ck_assert_uint_le(len, 64);
    ck_assert_int_eq((size_t)n, 13 + 12 + 3 + len);
    memcpy(cookie, buf + 13 + 12 + 3, len);
    dtls_session_free(c);
    dtls_session_free(s);
    return len;
}

START_TEST(cookie_is_deterministic_per_secret_and_peer)
{
    uint8_t a[64], b[64], c[64], d[64];
    dtls_config sc = server_config();
    ck_assert_uint_eq(hvr_cookie(&sc, a), 32);
    ck_assert_uint_eq(hvr_cookie(&sc, b), 32);
    ck_assert_mem_eq(a, b, 32); /* a second session, the same cookie */
    sc.peer = "198.51.100.7:40001";
    hvr_cookie(&sc, c);
    ck_assert(memcmp(a, c, 32) != 0);
    sc.peer = PEER;
    sc.cookie_secret = (const uint8_t *)"cookie secret";
    sc.cookie_secret_len = 13;
    hvr_cookie(&sc, d);
    ck_assert(memcmp(a, d, 32) != 0);
}
END_TEST

/* ---- suites, MTU, limits ---- */

START_TEST(cbc_sha256_suite_when_the_client_offers_only_that)
{
    net w;
    dtls_config cc = {0};
    cc.ciphers = "PSK-AES128-CBC-SHA256";
    dtls_config sc = server_config();
    net_init_with(&w, &cc, IDENTITY, KEY, &sc, KEY);
    handshake(&w);
    ck_assert_str_eq(dtls_cipher(w.s[SRV]), "TLS_PSK_WITH_AES_128_CBC_SHA256");
    send_str(&w, CLI, "cbc");
    pump(&w);
    ck_assert_str_eq(w.got[SRV][0], "cbc");
    net_free(&w);
}
END_TEST

START_TEST(no_datagram_exceeds_the_mtu_and_sends_are_bounded_by_it)
{
    static const char *suites[] = {"PSK-AES128-CCM8", "PSK-AES128-CBC-SHA256"};
    for (unsigned k = 0; k < 2; k++) {
        net w;
        dtls_config cc = {0}, sc = server_config();
        cc.mtu = sc.mtu = 300;
        cc.ciphers = suites[k];
        net_init_with(&w, &cc, IDENTITY, KEY, &sc, KEY);
        size_t before_max = dtls_max_plaintext(w.s[CLI]);
        ck_assert_uint_eq(before_max, 300 - 13 - 64);
        handshake(&w);
        size_t max = dtls_max_plaintext(w.s[CLI]);
        ck_assert_uint_ge(max, before_max); /* the early bound fits every suite */
        ck_assert_uint_lt(max, 300);
        uint8_t big[DTLS_MTU_MAX];
        memset(big, 'x', sizeof big);
        ck_assert_int_eq(dtls_send(w.s[CLI], w.now, big, max), 0);
        ck_assert_int_eq(dtls_send(w.s[CLI], w.now, big, max + 1), -EMSGSIZE);
        pump(&w);
        /* CCM_8 fills the datagram exactly; for CBC OpenSSL keeps a whole
         * block for the padding, so up to 16 bytes stay unused. */
        ck_assert_uint_le(w.max_len[CLI], 300);
        ck_assert_uint_gt(w.max_len[CLI], k == 0 ? 299 : 300 - 16);
        ck_assert_uint_le(w.max_len[SRV], 300);
        ck_assert_uint_eq(dtls_stats_of(w.s[SRV])->rx_plaintexts, 1);
        net_free(&w);
    }
}
END_TEST

START_TEST(arguments_and_limits_are_checked)
{
    dtls_session *s = (dtls_session *)1;
    char longid[DTLS_IDENTITY_MAX + 2];
    memset(longid, 'i', sizeof longid - 1);
    longid[sizeof longid - 1] = 0;
    ck_assert_int_eq(dtls_session_create(&s, DTLS_CLIENT, "", KEY, 16, NULL), -EINVAL);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(dtls_session_create(&s, DTLS_CLIENT, longid, KEY, 16, NULL), -EINVAL);
    ck_assert_int_eq(dtls_session_create(&s, DTLS_CLIENT, IDENTITY, KEY, 0, NULL), -EINVAL);
    ck_assert_int_eq(dtls_session_create(&s, DTLS_CLIENT, IDENTITY, KEY, DTLS_KEY_MAX + 1, NULL),
                     -EINVAL);
    ck_assert_int_eq(dtls_session_create(&s, (dtls_role)7, IDENTITY, KEY, 16, NULL), -EINVAL);
    ck_assert_int_eq(dtls_session_create(NULL, DTLS_CLIENT, IDENTITY, KEY, 16, NULL), -EINVAL);
    dtls_config c = {0};
    c.mtu = 100;
    ck_assert_int_eq(dtls_session_create(&s, DTLS_CLIENT, IDENTITY, KEY, 16, &c), -EINVAL);
    c.mtu = 0;
    c.ciphers = "NO-SUCH-SUITE";
    ck_assert_int_eq(dtls_session_create(&s, DTLS_CLIENT, IDENTITY, KEY, 16, &c), -EINVAL);

    ck_assert_int_eq(dtls_session_create(&s, DTLS_CLIENT, IDENTITY, KEY, 16, NULL), 0);
    ck_assert_int_eq(dtls_send(s, T0, KEY, 0), -EINVAL);
    ck_assert_int_eq(dtls_feed(s, T0, NULL, 3), -EINVAL);
    uint8_t chunk[1000];
    memset(chunk, 'q', sizeof chunk);
    int rc = 0;
    unsigned queued = 0;
    while ((rc = dtls_send(s, T0, chunk, sizeof chunk)) == 0)
        queued++;
    ck_assert_int_eq(rc, -ENOBUFS);
    ck_assert_uint_eq(queued, 16); /* 16 kB of data waits for the handshake */
    uint8_t small[8];
    ck_assert_int_eq(dtls_take_datagram(s, small, sizeof small), -EMSGSIZE);
    uint8_t buf[DTLS_MTU_MAX];
    ck_assert_int_gt(dtls_take_datagram(s, buf, sizeof buf), 0); /* it stayed queued */
    dtls_session_free(s);
    dtls_session_free(NULL);
}
END_TEST

START_TEST(a_clock_that_goes_back_is_held)
{
    net w;
    start_losing_client_hello(&w);
    ck_assert_int_eq(dtls_tick(w.s[CLI], T0 - S(3)), 0);
    ck_assert_uint_eq(dtls_next_deadline(w.s[CLI]), T0 + S(1));
    handshake(&w);
    ck_assert_uint_eq(nth_sent(&w, CLI, 1)->at, T0 + S(1));
    net_free(&w);
}
END_TEST

START_TEST(names_for_traces)
{
    ck_assert_str_eq(dtls_state_name(DTLS_CONNECTED), "connected");
    ck_assert_str_eq(dtls_reason_name(DTLS_R_BAD_PSK), "bad-psk");
    ck_assert_str_eq(dtls_reason_name(DTLS_R_TIMEOUT), "timeout");
    ck_assert_str_eq(dtls_event_name(DTLS_EV_FAILED), "failed");
    ck_assert_str_eq(dtls_state_name((dtls_state)99), "?");
}
END_TEST

static Suite *dtls_suite(void)
{
    Suite *s = suite_create("dtls");
    TCase *h = tcase_create("handshake");
    tcase_add_test(h, handshake_completes_with_cookie_exchange_at_once);
    tcase_add_test(h, application_data_flows_both_ways);
    tcase_add_test(h, data_sent_before_the_handshake_leaves_in_order_after_it);
    tcase_add_test(h, close_notify_closes_both_sides);
    tcase_add_test(h, close_during_the_handshake_abandons_it_silently);
    tcase_add_test(h, different_keys_fail_both_sides_with_bad_record_mac);
    tcase_add_test(h, unknown_identity_fails_both_sides_with_unknown_psk_identity);
    tcase_add_test(h, cookie_is_deterministic_per_secret_and_peer);
    tcase_add_test(h, cbc_sha256_suite_when_the_client_offers_only_that);
    tcase_add_test(h, no_datagram_exceeds_the_mtu_and_sends_are_bounded_by_it);
    tcase_add_test(h, arguments_and_limits_are_checked);
    tcase_add_test(h, names_for_traces);
    suite_add_tcase(s, h);

    TCase *t = tcase_create("timer");
    tcase_add_test(t, dropped_client_hello_is_resent_after_exactly_one_second);
    tcase_add_test(t, dropped_server_hello_flight_is_resent_after_exactly_one_second);
    tcase_add_test(t, lost_final_server_flight_is_recovered_by_the_client_timer);
    tcase_add_test(t, silent_server_client_backs_off_1_2_4_8_16_32_then_fails_at_123s);
    tcase_add_test(t, back_off_follows_the_configured_schedule);
    tcase_add_test(t, a_late_tick_catches_up_and_fails_when_the_schedule_has_run_out);
    tcase_add_test(t, a_send_after_the_give_up_time_fails_the_session_first);
    tcase_add_test(t, server_silent_after_its_flight_gives_up_on_the_same_schedule);
    tcase_add_test(t, server_left_after_hello_verify_request_expires_when_idle);
    tcase_add_test(t, datagrams_fed_while_a_flight_waits_never_trigger_a_retransmission);
    tcase_add_test(t, a_clock_that_goes_back_is_held);
    suite_add_tcase(s, t);

    TCase *f = tcase_create("faults");
    tcase_add_test(f, every_datagram_twice_still_connects_and_delivers_once);
    tcase_add_test(f, a_flight_arriving_in_reverse_order_is_reassembled);
    tcase_add_test(f, application_records_out_of_order_are_all_delivered);
    tcase_add_test(f, garbage_datagrams_are_ignored_before_during_and_after_the_handshake);
    tcase_add_test(f, feeding_a_client_that_has_not_started_is_ignored);
    tcase_add_test(f, an_unexpected_clear_text_handshake_message_fails_the_handshake_cleanly);
    suite_add_tcase(s, f);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(dtls_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
