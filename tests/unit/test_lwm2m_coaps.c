/* test_lwm2m_coaps.c - the built-in LwM2M server on a coaps port
 * (harness/lwm2m_service.c over protocol/dtls.h) end to end: a modem behind
 * the simulated network, the test's own DTLS-PSK client session sending its
 * records through a module UDP socket in HEX mode (AT+USOST / AT+USORF),
 * the server's events as EV lines.  A Register, a Read the server starts,
 * a wrong key, and a client that starts over on the same address. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/lwm2m_service.h"
#include "memhost.h"
#include "protocol/coap.h"
#include "protocol/dtls.h"

#define SERVER_IP "203.0.113.9"
#define IDENTITY "urn:imei:352835100012346"
#define KEY "0123456789abcdef"

typedef struct cenv {
    memhost h;
    networld *w;
    lwm2m_services *lw;
    bytebuf events; /* the server's EV lines, '\n' after each */
    lwm2m_svc_opts opts;
    nw_service_cfg svc;
    nw_host_cfg host;
} cenv;

static void on_event(void *ctx, const char *text)
{
    cenv *e = ctx;
    bytebuf_append_str(&e->events, text);
    bytebuf_append_byte(&e->events, '\n');
}

static int seen(const cenv *e, const char *text)
{
    return e->events.data && strstr((const char *)e->events.data, text) != NULL;
}

/* lwm2m.test at 203.0.113.9 serving coaps on 5684 with (IDENTITY, KEY);
 * the modem attached, a PSD context up, HEX mode, UDP socket 0. */
static void cenv_init(cenv *e)
{
    memset(e, 0, sizeof(*e));
    bytebuf_init(&e->events);
    snprintf(e->opts.psk.identity, sizeof(e->opts.psk.identity), "%s", IDENTITY);
    memcpy(e->opts.psk.key, KEY, 16);
    e->opts.psk.key_len = 16;
    e->svc = (nw_service_cfg){ .proto = IP_UDP, .port = 5684, .kind = NW_SVC_CUSTOM, .custom = lwm2m_svc_custom, .opts = &e->opts };
    e->host = (nw_host_cfg){ (char *)"lwm2m.test", 0xCB007109, NULL, &e->svc, 1, { 0 } };
    nw_config cfg = { &e->host, 1 };
    ck_assert_int_eq(networld_create(&e->w, &e->h.clock, &cfg, NULL), 0);
    modem_config mc;
    mh_default_cfg(&mc, NULL);
    mc.world = networld_ops(e->w);
    mh_init_cfg(&e->h, &mc);
    networld_attach(e->w, e->h.m);
    lwm2m_services_io io = { on_event, e, NULL };
    ck_assert_int_eq(lwm2m_services_create(&e->lw, e->w, &cfg, NULL, &io), 0);
    mh_echo_off(&e->h);
    mh_advance(&e->h, SIM_S(4)); /* registered */
    mh_send(&e->h, "AT+UPSD=0,100,1;+UPSDA=0,3\r");
    mh_advance(&e->h, SIM_S(1));
    ck_assert_ptr_nonnull(strstr(mh_take(&e->h), "+UUPSDA: 0,"));
    ck_assert_str_eq(mh_cmd(&e->h, "AT+UDCONF=1,1\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&e->h, "AT+USOCR=17\r"), "\r\n+USOCR: 0\r\n\r\nOK\r\n");
}

static void cenv_free(cenv *e)
{
    lwm2m_services_destroy(e->lw);
    mh_free(&e->h);
    networld_destroy(e->w);
    bytebuf_free(&e->events);
}

/* A line to the module; what it answered at this simulated instant. */
static const char *cmd(cenv *e, const char *line)
{
    mh_take(&e->h);
    mh_send(&e->h, line);
    mh_advance(&e->h, 0);
    return mh_take(&e->h);
}

/* Every datagram the client has goes up through the module's socket. */
static void client_send(cenv *e, dtls_session *c)
{
    uint8_t buf[600];
    int n;
    while ((n = dtls_take_datagram(c, buf, sizeof(buf))) > 0) {
        ck_assert_int_le(n, 512); /* one AT+USOST in HEX mode */
        char line[1200];
        int k = snprintf(line, sizeof(line), "AT+USOST=0,\"" SERVER_IP "\",5684,%d,\"", n);
        for (int i = 0; i < n; i++)
            k += snprintf(line + k, sizeof(line) - (size_t)k, "%02X", buf[i]);
        snprintf(line + k, sizeof(line) - (size_t)k, "\"\r");
        char want[32];
        snprintf(want, sizeof(want), "+USOST: 0,%d", n);
        const char *r = cmd(e, line);
        ck_assert_msg(strstr(r, want) != NULL, "%d bytes: %s", n, r);
    }
}

/* Every datagram the module holds goes to the client; the count. */
static int client_receive(cenv *e, dtls_session *c)
{
    int got = 0;
    for (;;) {
        const char *r = cmd(e, "AT+USORF=0,512\r");
        const char *at = strstr(r, "+USORF: 0,");
        int n = 0, off = 0;
        ck_assert_msg(at != NULL, "%s", r);
        if (sscanf(at, "+USORF: 0,\"" SERVER_IP "\",5684,%d,\"%n", &n, &off) < 1 || n == 0)
            return got;
        uint8_t buf[512];
        for (int i = 0; i < n; i++) {
            unsigned v;
            ck_assert_int_eq(sscanf(at + off + 2 * i, "%2x", &v), 1);
            buf[i] = (uint8_t)v;
        }
        dtls_feed(c, clk_now(&e->h.clock), buf, (size_t)n);
        got++;
    }
}

/* Rounds of: the client's timer, its datagrams up, 300 ms, the answers
 * down; until the client is connected (or failed), at most `rounds`. */
static dtls_state handshake(cenv *e, dtls_session *c, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        dtls_tick(c, clk_now(&e->h.clock));
        client_send(e, c);
        mh_advance(&e->h, SIM_MS(300));
        client_receive(e, c);
        if (dtls_state_of(c) != DTLS_HANDSHAKING)
            break;
    }
    dtls_event ev;
    while (dtls_take_event(c, &ev))
        ;
    client_send(e, c); /* a last flight (the client's Finished is answered) */
    mh_advance(&e->h, SIM_MS(300));
    client_receive(e, c);
    return dtls_state_of(c);
}

static dtls_session *client_new(const char *key)
{
    dtls_session *c;
    ck_assert_int_eq(dtls_session_create(&c, DTLS_CLIENT, IDENTITY, (const uint8_t *)key, strlen(key), NULL), 0);
    return c;
}

/* A CoAP message to the server inside the session; the answer, if any,
 * parsed into m (its bytes in buf). */
static int exchange(cenv *e, dtls_session *c, const coap_msg *req, coap_msg *m, uint8_t *buf, size_t cap)
{
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(coap_build(req, &b), 0);
    ck_assert_int_eq(dtls_send(c, clk_now(&e->h.clock), b.data, b.len), 0);
    bytebuf_free(&b);
    client_send(e, c);
    mh_advance(&e->h, SIM_MS(300));
    client_receive(e, c);
    int n = dtls_take_plaintext(c, buf, cap);
    if (n > 0)
        ck_assert_int_eq(coap_parse(m, buf, (size_t)n), COAP_OK);
    return n;
}

static coap_msg register_req(uint16_t mid)
{
    coap_msg m;
    coap_msg_init(&m, COAP_CON, COAP_POST);
    m.mid = mid;
    coap_msg_set_token(&m, "\x07", 1);
    coap_msg_add_split(&m, COAP_OPT_URI_PATH, "rd", 2);
    static const char q[] = "ep=" IDENTITY "&lt=86400&b=UQS";
    coap_msg_add_split(&m, COAP_OPT_URI_QUERY, q, sizeof(q) - 1);
    coap_msg_add_uint(&m, COAP_OPT_CONTENT_FORMAT, COAP_CF_LINK_FORMAT);
    coap_msg_set_payload(&m, "</1/10>,</3/0>", 14);
    return m;
}

START_TEST(coaps_register_and_read)
{
    cenv e;
    cenv_init(&e);
    dtls_session *c = client_new(KEY);
    ck_assert_int_eq(handshake(&e, c, 10), DTLS_CONNECTED);
    ck_assert_msg(seen(&e, "lwm2m server dtls connected cipher=TLS_PSK_WITH_AES_128_CCM_8 port=5684 peer=10.161."),
                  "%s", e.events.data);

    coap_msg req = register_req(0x1234), m;
    uint8_t buf[1500];
    ck_assert_int_gt(exchange(&e, c, &req, &m, buf, sizeof(buf)), 0);
    ck_assert_uint_eq(m.type, COAP_ACK);
    ck_assert_uint_eq(m.code, COAP_CREATED);
    ck_assert_uint_eq(m.mid, 0x1234);
    ck_assert(seen(&e, "lwm2m server register ep=" IDENTITY " id=1 lt=86400 lwm2m=1.0 b=UQS len=14\n"));

    /* the server's request goes through the same session */
    lwm2m_service *v = lwm2m_services_find(e.lw, NULL, NULL, 0);
    ck_assert_ptr_nonnull(v);
    lwm2m_path p = lwm2m_path_oir(3, 0, 0);
    lwm2m_srv_op_req r;
    lwm2m_srv_op_req_init(&r, LWM2M_SOP_READ, &p);
    ck_assert_int_eq(lwm2m_service_op(v, IDENTITY, &r, NULL), 0);
    mh_advance(&e.h, SIM_MS(300));
    ck_assert_int_eq(client_receive(&e, c), 1);
    int n = dtls_take_plaintext(c, buf, sizeof(buf));
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(coap_parse(&m, buf, (size_t)n), COAP_OK);
    ck_assert_uint_eq(m.code, COAP_GET);
    coap_msg ans;
    coap_msg_init(&ans, COAP_ACK, COAP_CONTENT);
    ans.mid = m.mid;
    coap_msg_set_token(&ans, m.token, m.tkl);
    coap_msg_add_uint(&ans, COAP_OPT_CONTENT_FORMAT, COAP_CF_TEXT_PLAIN);
    coap_msg_set_payload(&ans, "u-blox", 6);
    coap_msg none;
    exchange(&e, c, &ans, &none, buf, sizeof(buf));
    ck_assert_msg(seen(&e, "lwm2m server response op=1 kind=read ep=" IDENTITY " path=/3/0/0 code=2.05 cf=0 n=1 "
                           "value=u-blox\n"),
                  "%s", e.events.data);
    dtls_session_free(c);
    cenv_free(&e);
}
END_TEST

/* A client with another key fails the handshake (bad-psk, an EV line) and
 * the server keeps nothing; a client that starts over from the same
 * address with the right key is served by a new session. */
START_TEST(coaps_wrong_key_then_a_new_session)
{
    cenv e;
    cenv_init(&e);
    dtls_session *c = client_new("not the right key");
    ck_assert_int_eq(handshake(&e, c, 10), DTLS_FAILED);
    ck_assert_msg(seen(&e, "lwm2m server dtls failed reason=bad-psk"), "%s", e.events.data);
    dtls_session_free(c);

    c = client_new(KEY);
    ck_assert_int_eq(handshake(&e, c, 10), DTLS_CONNECTED);
    coap_msg req = register_req(1), m;
    uint8_t buf[1500];
    ck_assert_int_gt(exchange(&e, c, &req, &m, buf, sizeof(buf)), 0);
    ck_assert_uint_eq(m.code, COAP_CREATED);
    dtls_session_free(c);

    /* a rebooted client: a new ClientHello on a connected association */
    c = client_new(KEY);
    ck_assert_int_eq(handshake(&e, c, 10), DTLS_CONNECTED);
    ck_assert_msg(seen(&e, "lwm2m server dtls restarted port=5684"), "%s", e.events.data);
    req = register_req(2);
    ck_assert_int_gt(exchange(&e, c, &req, &m, buf, sizeof(buf)), 0);
    ck_assert_uint_eq(m.code, COAP_CREATED);
    ck_assert(seen(&e, "replaced=1"));
    dtls_session_free(c);
    cenv_free(&e);
}
END_TEST

/* A restarted server has lost its associations: the old session's records
 * are dropped (no answer, no new session), a new handshake is served. */
START_TEST(coaps_restart_forgets_associations)
{
    cenv e;
    cenv_init(&e);
    dtls_session *c = client_new(KEY);
    ck_assert_int_eq(handshake(&e, c, 10), DTLS_CONNECTED);
    coap_msg req = register_req(1), m;
    uint8_t buf[1500];
    ck_assert_int_gt(exchange(&e, c, &req, &m, buf, sizeof(buf)), 0);
    lwm2m_service_restart(lwm2m_services_find(e.lw, NULL, NULL, 0));
    bytebuf_clear(&e.events);
    req = register_req(2);
    ck_assert_int_eq(exchange(&e, c, &req, &m, buf, sizeof(buf)), 0);
    ck_assert_msg(e.events.len == 0, "%s", e.events.data); /* not a word: no session, no register */
    dtls_session_free(c);
    c = client_new(KEY);
    ck_assert_int_eq(handshake(&e, c, 10), DTLS_CONNECTED);
    req = register_req(3);
    ck_assert_int_gt(exchange(&e, c, &req, &m, buf, sizeof(buf)), 0);
    ck_assert_uint_eq(m.code, COAP_CREATED);
    ck_assert(seen(&e, " id=2 "));
    dtls_session_free(c);
    cenv_free(&e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lwm2m_coaps");
    TCase *t = tcase_create("coaps");
    tcase_add_test(t, coaps_register_and_read);
    tcase_add_test(t, coaps_wrong_key_then_a_new_session);
    tcase_add_test(t, coaps_restart_forgets_associations);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
