/* test_sock.c - the data plane on the virtual clock, where a scenario file
 * cannot reach: the link model's timing against its configured rate, a
 * megabyte written in the module's largest chunks, a close while bytes are
 * in flight, incoming connections (+USOLI), asynchronous connects, a UDP
 * peer faster than the host reads (issue 9). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/networld.h"
#include "memhost.h"

typedef struct env {
    memhost h;
    networld *w;
} env;

static nw_step step_send_generated(size_t n)
{
    nw_step s = { NW_STEP_SEND, malloc(n), n, 0 };
    for (size_t i = 0; i < n; i++)
        s.data[i] = (uint8_t)(i * 7 % 251);
    return s;
}

/* A modem behind a simulated network: host "peer.test" at 203.0.113.9
 * with TCP echo on 7, a TCP sink on 9, UDP echo on 7, and a TCP script on
 * 9000 that sends `burst` bytes when it reads "go". */
static void env_init(env *e, size_t burst, const link_cfg *link)
{
    nw_step script[2] = { { NW_STEP_EXPECT, (uint8_t *)"go", 2, 0 }, step_send_generated(burst) };
    nw_step greet[1] = { { NW_STEP_SEND, (uint8_t *)"220 hi\r\n", 8, 0 } };
    nw_service_cfg svcs[5] = {
        { .proto = IP_TCP, .port = 7, .kind = NW_SVC_ECHO },
        { .proto = IP_TCP, .port = 9, .kind = NW_SVC_SINK },
        { .proto = IP_UDP, .port = 7, .kind = NW_SVC_ECHO },
        { .proto = IP_TCP, .port = 9000, .kind = NW_SVC_SCRIPT, .steps = script, .nsteps = 2 },
        { .proto = IP_TCP, .port = 21, .kind = NW_SVC_SCRIPT, .steps = greet, .nsteps = 1 },
    };
    nw_host_cfg host = { (char *)"peer.test", 0xCB007109, NULL, svcs, 5, { 0 } };
    nw_config cfg = { &host, 1 };
    /* the world only keeps the clock's address: mh_init_cfg sets it up */
    ck_assert_int_eq(networld_create(&e->w, &e->h.clock, &cfg, NULL), 0);
    free(script[1].data);
    modem_config mc;
    mh_default_cfg(&mc, NULL);
    if (link)
        memcpy(mc.dev.link, link, sizeof(mc.dev.link));
    mc.world = networld_ops(e->w);
    mh_init_cfg(&e->h, &mc);
    networld_attach(e->w, e->h.m);
    mh_echo_off(&e->h);
    mh_advance(&e->h, SIM_S(4)); /* registered */
    mh_send(&e->h, "AT+UPSD=0,100,1;+UPSDA=0,3\r");
    mh_advance(&e->h, SIM_S(1));
    ck_assert_ptr_nonnull(strstr(mh_take(&e->h), "+UUPSDA: 0,"));
}

static void env_free(env *e)
{
    mh_free(&e->h);
    networld_destroy(e->w);
}

/* Run the clock until the next deadline (or `limit` from now). */
static void step_clock(env *e, sim_ns limit)
{
    sim_ns next = clk_next_due(&e->h.clock);
    sim_ns until = clk_now(&e->h.clock) + limit;
    clk_advance(&e->h.clock, next < until ? next : until);
}

/* Send a line; what the module answers at this simulated instant. */
static const char *cmd(env *e, const char *line)
{
    mh_send(&e->h, line);
    mh_advance(&e->h, 0);
    return mh_take(&e->h);
}

/* ---- the link model ---- */

START_TEST(download_takes_its_wire_time_within_2_percent)
{
    env e;
    const size_t n = 450000;
    env_init(&e, n, NULL); /* Cat-M1: 300 kbit/s down, 50 ms */
    ck_assert_str_eq(cmd(&e, "AT+USOCR=6\r"), "\r\n+USOCR: 0\r\n\r\nOK\r\n");
    mh_send(&e.h, "AT+USOCO=0,\"203.0.113.9\",9000\r");
    mh_advance(&e.h, SIM_MS(200));
    ck_assert_str_eq(mh_take(&e.h), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+USOWR=0,2,\"go\"\r"), "\r\n+USOWR: 0,2\r\n\r\nOK\r\n");
    sim_ns start = clk_now(&e.h.clock);
    size_t got = 0;
    sim_ns last = 0;
    char line[64];
    while (got < n && clk_now(&e.h.clock) - start < SIM_S(600)) {
        /* the host reads as fast as data comes: the window never closes */
        snprintf(line, sizeof(line), "AT+USORD=0,1024\r");
        mh_send(&e.h, line);
        const char *r = mh_take(&e.h);
        size_t k = 0;
        const char *at = strstr(r, "+USORD: 0,");
        ck_assert_msg(at && sscanf(at, "+USORD: 0,%zu", &k) == 1, "%s", r);
        if (k) {
            got += k;
            last = clk_now(&e.h.clock);
        } else {
            step_clock(&e, SIM_S(1));
        }
    }
    ck_assert_uint_eq(got, n);
    /* 450 000 bytes at 300 kbit/s: 12 s, plus the "go" going up and the
     * first segment's latency */
    double want = (double)n * 8 / 300000;
    double took = (double)(last - start) / 1e9;
    ck_assert_msg(took > want * 0.98 && took < want * 1.02, "450 kB took %.3f s simulated, the link gives %.3f s", took,
                  want);
    env_free(&e);
}
END_TEST

START_TEST(a_megabyte_written_in_1024_byte_chunks_at_the_uplink_rate)
{
    env e;
    env_init(&e, 1, NULL); /* 250 kbit/s up */
    ck_assert_str_eq(cmd(&e, "AT+USOCR=6\r"), "\r\n+USOCR: 0\r\n\r\nOK\r\n");
    mh_send(&e.h, "AT+USOCO=0,\"203.0.113.9\",9\r");
    mh_advance(&e.h, SIM_MS(200));
    ck_assert_str_eq(mh_take(&e.h), "\r\nOK\r\n");
    uint8_t chunk[1024];
    memset(chunk, 0x5a, sizeof(chunk));
    size_t sent = 0, total = 1u << 20, refused = 0;
    sim_ns start = clk_now(&e.h.clock);
    while (sent < total) {
        size_t want = total - sent < 1024 ? total - sent : 1024;
        char line[32];
        snprintf(line, sizeof(line), "AT+USOWR=0,%zu\r", want);
        ck_assert_str_eq(cmd(&e, line), "\r\n@");
        modem_host_write(e.h.m, 0, chunk, want);
        mh_advance(&e.h, 0);
        const char *r = mh_take(&e.h);
        size_t took = 0;
        if (sscanf(r, "\r\n+USOWR: 0,%zu", &took) != 1) {
            /* the send buffer is full: error 11, the host waits and retries */
            ck_assert_str_eq(r, "\r\nERROR\r\n");
            ck_assert_str_eq(cmd(&e, "AT+USOER\r"), "\r\n+USOER: 11\r\n\r\nOK\r\n");
            refused++;
            step_clock(&e, SIM_S(1));
            continue;
        }
        sent += took;
    }
    ck_assert_uint_gt(refused, 0); /* the 16 kB buffer filled, as it must */
    /* wait until the last byte has left the module */
    for (int i = 0; i < 100000; i++) {
        const char *r = cmd(&e, "AT+USOCTL=0,11\r");
        if (!strcmp(r, "\r\n+USOCTL: 0,11,0\r\n\r\nOK\r\n"))
            break;
        step_clock(&e, SIM_S(1));
    }
    double took = (double)(clk_now(&e.h.clock) - start) / 1e9;
    double want = (double)total * 8 / 250000;
    ck_assert_msg(took > want * 0.98 && took < want * 1.02, "1 MB took %.3f s simulated, the uplink gives %.3f s",
                  took, want);
    ck_assert_str_eq(cmd(&e, "AT+USOCTL=0,2\r"), "\r\n+USOCTL: 0,2,1048576\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(link_off_moves_bytes_at_once)
{
    env e;
    link_cfg off[LINK__COUNT] = { { 0, 0, 0 }, { 0, 0, 0 } };
    env_init(&e, 100, off);
    ck_assert_str_eq(cmd(&e, "AT+USOCR=6\r"), "\r\n+USOCR: 0\r\n\r\nOK\r\n");
    mh_send(&e.h, "AT+USOCO=0,\"203.0.113.9\",7\r");
    mh_advance(&e.h, 0);
    ck_assert_str_eq(mh_take(&e.h), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+USOWR=0,3,\"abc\"\r"), "\r\n+USOWR: 0,3\r\n\r\nOK\r\n\r\n+UUSORD: 0,3\r\n");
    env_free(&e);
}
END_TEST

/* A server that greets as it accepts: with no link delay its first bytes
 * land in the instant the connection does, and must still be announced. */
START_TEST(a_server_that_speaks_first_with_the_link_off)
{
    env e;
    link_cfg off[LINK__COUNT] = { { 0, 0, 0 }, { 0, 0, 0 } };
    env_init(&e, 1, off);
    ck_assert_str_eq(cmd(&e, "AT+USOCR=6\r"), "\r\n+USOCR: 0\r\n\r\nOK\r\n");
    mh_send(&e.h, "AT+USOCO=0,\"203.0.113.9\",21\r");
    mh_advance(&e.h, 0);
    ck_assert_str_eq(mh_take(&e.h), "\r\nOK\r\n\r\n+UUSORD: 0,8\r\n");
    ck_assert_str_eq(cmd(&e, "AT+USORD=0,100\r"), "\r\n+USORD: 0,8,\"220 hi\r\n\"\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

/* ---- adversarial hosts ---- */

START_TEST(close_while_bytes_are_in_flight)
{
    env e;
    env_init(&e, 1, NULL);
    ck_assert_str_eq(cmd(&e, "AT+USOCR=6\r"), "\r\n+USOCR: 0\r\n\r\nOK\r\n");
    mh_send(&e.h, "AT+USOCO=0,\"203.0.113.9\",7\r");
    mh_advance(&e.h, SIM_MS(200));
    mh_take(&e.h);
    ck_assert_str_eq(cmd(&e, "AT+USOWR=0,5,\"hello\"\r"), "\r\n+USOWR: 0,5\r\n\r\nOK\r\n");
    /* the echo is on its way back: close now */
    mh_advance(&e.h, SIM_MS(60));
    ck_assert_str_eq(cmd(&e, "AT+USOCL=0\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+USOCR=6\r"), "\r\n+USOCR: 0\r\n\r\nOK\r\n");
    mh_advance(&e.h, SIM_S(2));
    /* nothing of the old connection reaches the new socket with the same id */
    ck_assert_str_eq(mh_take(&e.h), "");
    ck_assert_str_eq(cmd(&e, "AT+USORD=0,0\r"), "\r\n+USORD: 0,0\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(udp_peer_faster_than_the_host_reads)
{
    env e;
    env_init(&e, 1, NULL);
    ck_assert_str_eq(cmd(&e, "AT+USOCR=17\r"), "\r\n+USOCR: 0\r\n\r\nOK\r\n");
    /* 40 datagrams of 900 bytes echoed: 18 fit the 16 kB receive buffer */
    char line[1100];
    char data[901];
    memset(data, 'x', 900);
    data[900] = 0;
    for (int i = 0; i < 40; i++) {
        snprintf(line, sizeof(line), "AT+USOST=0,\"203.0.113.9\",7,900,\"%s\"\r", data);
        const char *r = cmd(&e, line);
        ck_assert_msg(!strcmp(r, "\r\n+USOST: 0,900\r\n\r\nOK\r\n"), "datagram %d: %s / %s", i, r,
                      cmd(&e, "AT+USOER\r"));
    }
    mh_advance(&e.h, SIM_S(5));
    ck_assert_str_eq(mh_take(&e.h), "\r\n+UUSORF: 0,900\r\n");
    int read = 0;
    for (;;) {
        const char *r = cmd(&e, "AT+USORF=0,1024\r");
        if (strstr(r, "+USORF: 0,0,\"\""))
            break;
        read++;
    }
    ck_assert_int_eq(read, 18);
    ck_assert_msg(mh_event_seen(&e.h, "ip udp dropped port="), "the drop is not traced");
    env_free(&e);
}
END_TEST

START_TEST(incoming_connection_on_a_listening_socket)
{
    env e;
    env_init(&e, 1, NULL);
    ck_assert_str_eq(cmd(&e, "AT+USOCR=6\r"), "\r\n+USOCR: 0\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+USOLI=0,1200\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+USOCTL=0,10\r"), "\r\n+USOCTL: 0,10,1\r\n\r\nOK\r\n");
    char ip[32], want[160];
    ck_assert_int_eq(sscanf(cmd(&e, "AT+CGPADDR=1\r"), "\r\n+CGPADDR: 1,\"%31[^\"]\"", ip), 1);
    net_addr peer = { 0xCB007109, 40000 };
    ck_assert_int_eq(modem_world_tcp_incoming(e.h.m, 777, peer, 1200), 0);
    ck_assert_int_eq(modem_world_tcp_incoming(e.h.m, 778, peer, 1201), -ECONNREFUSED);
    mh_advance(&e.h, SIM_S(1));
    snprintf(want, sizeof(want), "\r\n+UUSOLI: 1,\"203.0.113.9\",40000,0,\"%s\",1200\r\n", ip);
    ck_assert_str_eq(mh_take(&e.h), want);
    ck_assert_uint_eq(modem_world_tcp_data(e.h.m, 777, (const uint8_t *)"hi", 2), 2);
    mh_advance(&e.h, SIM_S(1));
    ck_assert_str_eq(mh_take(&e.h), "\r\n+UUSORD: 1,2\r\n");
    ck_assert_str_eq(cmd(&e, "AT+USORD=1,10;+USOCTL=1,4\r"),
                     "\r\n+USORD: 1,2,\"hi\"\r\n\r\n+USOCTL: 1,4,\"203.0.113.9\",40000\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

/* A host that connects to the module and speaks at once (an FTP server's
 * active-mode data connection): its first bytes ride behind the SYN and
 * must land, not be dropped for want of an endpoint. */
static const nw_service_ops talker_ops = { 0 };

START_TEST(a_host_connecting_to_the_module_may_send_at_once)
{
    env e;
    env_init(&e, 1, NULL);
    ck_assert_str_eq(cmd(&e, "AT+USOCR=6\r"), "\r\n+USOCR: 0\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+USOLI=0,1200\r"), "\r\nOK\r\n");
    char ip[32], want[160];
    ck_assert_int_eq(sscanf(cmd(&e, "AT+CGPADDR=1\r"), "\r\n+CGPADDR: 1,\"%31[^\"]\"", ip), 1);
    ip4 module;
    ck_assert_int_eq(ip4_parse(ip, &module), 0);
    nw_conn *c = NULL;
    net_addr from = { 0xCB007109, 20 };
    /* not the module's address, nothing listening */
    ck_assert_int_eq(networld_connect_module(e.w, from, (net_addr){ module + 1, 1200 }, &talker_ops, NULL, NULL, &c),
                     -EHOSTUNREACH);
    ck_assert_int_eq(networld_connect_module(e.w, from, (net_addr){ module, 1201 }, &talker_ops, NULL, NULL, &c),
                     -ECONNREFUSED);
    ck_assert_int_eq(networld_connect_module(e.w, from, (net_addr){ module, 1200 }, &talker_ops, NULL, NULL, &c), 0);
    nw_conn_send(c, "hello", 5);
    ck_assert_uint_eq(nw_conn_pending(c), 0); /* the module took it with the SYN */
    mh_advance(&e.h, SIM_S(1));
    snprintf(want, sizeof(want), "\r\n+UUSOLI: 1,\"203.0.113.9\",20,0,\"%s\",1200\r\n\r\n+UUSORD: 1,5\r\n", ip);
    ck_assert_str_eq(mh_take(&e.h), want);
    ck_assert_str_eq(cmd(&e, "AT+USORD=1,10\r"), "\r\n+USORD: 1,5,\"hello\"\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(async_connect_reports_by_urc)
{
    env e;
    env_init(&e, 1, NULL);
    ck_assert_str_eq(cmd(&e, "AT+USOCR=6;+USOCR=6\r"), "\r\n+USOCR: 0\r\n\r\n+USOCR: 1\r\n\r\nOK\r\n");
    mh_send(&e.h, "AT+USOCO=0,\"203.0.113.9\",7,1\r");
    mh_advance(&e.h, 0);
    ck_assert_str_eq(mh_take(&e.h), "\r\nOK\r\n");
    mh_advance(&e.h, SIM_MS(200));
    ck_assert_str_eq(mh_take(&e.h), "\r\n+UUSOCO: 0,0\r\n");
    mh_send(&e.h, "AT+USOCO=1,\"203.0.113.9\",1234,1\r");
    mh_advance(&e.h, SIM_MS(200));
    ck_assert_str_eq(mh_take(&e.h), "\r\nOK\r\n\r\n+UUSOCO: 1,111\r\n");
    env_free(&e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sock");
    TCase *t = tcase_create("link");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, download_takes_its_wire_time_within_2_percent);
    tcase_add_test(t, a_megabyte_written_in_1024_byte_chunks_at_the_uplink_rate);
    tcase_add_test(t, link_off_moves_bytes_at_once);
    tcase_add_test(t, a_server_that_speaks_first_with_the_link_off);
    suite_add_tcase(s, t);
    t = tcase_create("adversarial");
    tcase_add_test(t, close_while_bytes_are_in_flight);
    tcase_add_test(t, a_host_connecting_to_the_module_may_send_at_once);
    tcase_add_test(t, udp_peer_faster_than_the_host_reads);
    tcase_add_test(t, incoming_connection_on_a_listening_socket);
    tcase_add_test(t, async_connect_reports_by_urc);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
