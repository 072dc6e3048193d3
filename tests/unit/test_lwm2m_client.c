/* test_lwm2m_client.c - the object tree and the LwM2M client on a virtual
 * clock, against a server made of a bare coap_ep that the tests drive by
 * hand: the Register on the wire, lifetime and updates (app note §3.6), the
 * LwM2M 1.1 §6.2.1.1 retry sequence, server operations (read, write,
 * execute, discover, write-attributes, observe and notify), Block1
 * registration, and the adversarial cases of issue 10. */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/coap.h"
#include "protocol/coap_ep.h"
#include "protocol/lwm2m_client.h"
#include "protocol/lwm2m_obj.h"

#define S(x) ((uint64_t)(x) * 1000000000ull)
#define T0 S(1000)

/* ---- fixture ---- */

#define MAX_DG 4096

typedef struct fx {
    lwm2m_tree tree;
    lwm2m_client c;
    lwm2m_out out;
    coap_ep srv;      /* the server, driven by the tests */
    coap_out sout;
    uint64_t now;
    char log[8192];   /* what the client asked for, in order */
    uint8_t *dg[MAX_DG]; /* datagrams kept alive while events point into them */
    size_t ndg;
    size_t sent;      /* client datagrams delivered to the server */
    int drop_to_srv;  /* lose the next N client datagrams */
    coap_event ev[64];/* the server's events not yet taken */
    size_t nev;
    int written;      /* WRITTEN actions seen */
    int executes;
    lwm2m_path last_exec;
    uint8_t write_refuse;
} fx;

static fx F;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    size_t n = strlen(F.log);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(F.log + n, sizeof F.log - n, fmt, ap);
    va_end(ap);
}

static const uint8_t *keep(const uint8_t *d, size_t n)
{
    ck_assert_uint_lt(F.ndg, MAX_DG);
    uint8_t *p = malloc(n ? n : 1);
    memcpy(p, d, n);
    F.dg[F.ndg++] = p;
    return p;
}

static void take_server_events(void)
{
    for (size_t i = 0; i < F.sout.nev; i++) {
        ck_assert_uint_lt(F.nev, 64);
        F.ev[F.nev++] = F.sout.ev[i];
    }
    F.sout.nev = 0; /* taken */
}

static void deliver_to_client(void);

/* Runs the client's actions: datagrams to the server, the rest logged. */
static void run_client_out(void)
{
    for (size_t i = 0; i < F.out.nact; i++) {
        const lwm2m_act *a = &F.out.act[i];
        char p[LWM2M_PATH_STR_MAX] = "";
        switch (a->kind) {
        case LWM2M_ACT_SEND:
            F.sent++;
            if (F.drop_to_srv > 0) {
                F.drop_to_srv--;
                break;
            }
            coap_ep_feed(&F.srv, F.now, keep(lwm2m_out_data(&F.out, a), a->len), a->len, &F.sout);
            break;
        case LWM2M_ACT_CONNECT: logf_("connect %u;", a->ssid); break;
        case LWM2M_ACT_DISCONNECT: logf_("disconnect %u;", a->ssid); break;
        case LWM2M_ACT_REG_STATUS: logf_("1,%u,%d;", a->ssid, a->value); break;
        case LWM2M_ACT_NEXT_UPDATE: logf_("2,%u,%d;", a->ssid, a->value); break;
        case LWM2M_ACT_NOTIFIED:
            lwm2m_path_format(&a->path, p);
            logf_("3,%u,%s;", a->ssid, p);
            break;
        case LWM2M_ACT_CLIENT_STATE: logf_("4,%d;", a->value); break;
        case LWM2M_ACT_WRITTEN: F.written++; break;
        }
    }
    lwm2m_out_clear(&F.out);
    take_server_events();
    deliver_to_client();
}

/* The server's datagrams to the client. */
static void deliver_to_client(void)
{
    while (F.sout.ndg) {
        size_t n = F.sout.ndg;
        const uint8_t *d[64];
        size_t len[64];
        ck_assert_uint_le(n, 64);
        for (size_t i = 0; i < n; i++) {
            const uint8_t *dg = coap_out_datagram(&F.sout, i, &len[i]);
            d[i] = keep(dg, len[i]);
        }
        take_server_events();
        coap_out_clear(&F.sout);
        for (size_t i = 0; i < n; i++)
            lwm2m_client_feed(&F.c, F.now, 721, d[i], len[i], &F.out);
        run_client_out();
    }
    take_server_events();
    coap_out_clear(&F.sout);
}

/* The log holds this action ("connect 721" is not "disconnect 721"). */
static bool has_act(const char *act)
{
    size_t n = strlen(act);
    for (const char *p = F.log; (p = strstr(p, act)) != NULL; p += n)
        if ((p == F.log || p[-1] == ';') && p[n] == ';')
            return true;
    return false;
}

/* Advance the clock to t, firing every deadline of both sides on the way. */
static void run_until(uint64_t t)
{
    for (;;) {
        uint64_t a = lwm2m_client_next_deadline(&F.c), b = coap_ep_next_deadline(&F.srv);
        uint64_t d = a < b ? a : b;
        if (d > t)
            break;
        if (d > F.now)
            F.now = d;
        if (d == a)
            lwm2m_client_tick(&F.c, F.now, &F.out);
        else
            coap_ep_tick(&F.srv, F.now, &F.sout);
        run_client_out();
        deliver_to_client();
    }
    F.now = t;
}

/* The server's next event, which must be of this kind. */
static coap_event next_event(coap_event_kind kind)
{
    ck_assert_msg(F.nev > 0, "no server event (log: %s)", F.log);
    coap_event e = F.ev[0];
    memmove(&F.ev[0], &F.ev[1], (F.nev - 1) * sizeof F.ev[0]);
    F.nev--;
    ck_assert_msg(e.kind == kind, "server event %s, want %s", coap_event_name(e.kind),
                  coap_event_name(kind));
    return e;
}

static void path_of(const coap_msg *m, char *buf, size_t size)
{
    bytebuf b;
    bytebuf_init(&b);
    coap_msg_join(m, COAP_OPT_URI_PATH, &b);
    snprintf(buf, size, "%.*s", (int)b.len, (const char *)b.data);
    bytebuf_free(&b);
}

static void query_of(const coap_msg *m, char *buf, size_t size)
{
    bytebuf b;
    bytebuf_init(&b);
    coap_msg_join(m, COAP_OPT_URI_QUERY, &b);
    snprintf(buf, size, "%.*s", (int)b.len, (const char *)b.data);
    bytebuf_free(&b);
}

static void server_answer(const coap_event *e, uint8_t code, const char *location)
{
    coap_msg r;
    coap_msg_init(&r, COAP_ACK, code);
    if (location)
        coap_msg_add_split(&r, COAP_OPT_LOCATION_PATH, location, strlen(location));
    ck_assert_int_eq(coap_ep_respond(&F.srv, F.now, e->xid, &r, NULL, &F.sout), 0);
    deliver_to_client();
}

/* The server sends a request; returns its xid. */
static uint32_t server_request(uint8_t code, const char *path, const char *query, int cf,
                               const void *payload, size_t n, int accept, int observe)
{
    coap_msg m;
    coap_msg_init(&m, COAP_CON, code);
    coap_msg_add_split(&m, COAP_OPT_URI_PATH, path, strlen(path));
    if (query)
        coap_msg_add_split(&m, COAP_OPT_URI_QUERY, query, strlen(query));
    if (cf >= 0)
        coap_msg_add_uint(&m, COAP_OPT_CONTENT_FORMAT, (uint32_t)cf);
    if (accept >= 0)
        coap_msg_add_uint(&m, COAP_OPT_ACCEPT, (uint32_t)accept);
    if (observe >= 0)
        coap_msg_add_uint(&m, COAP_OPT_OBSERVE, (uint32_t)observe);
    if (n)
        coap_msg_set_payload(&m, payload, n);
    uint32_t xid = 0;
    ck_assert_int_eq(coap_ep_request(&F.srv, F.now, &m, &xid, &F.sout), 0);
    deliver_to_client();
    return xid;
}

/* The response to the server's request xid. */
static coap_event response_to(uint32_t xid)
{
    coap_event e = next_event(COAP_EV_RESPONSE);
    ck_assert_uint_eq(e.xid, xid);
    return e;
}

static uint8_t write_hook(void *ctx, uint16_t ssid, const lwm2m_list *values)
{
    (void)ctx;
    (void)ssid;
    (void)values;
    return F.write_refuse;
}

static uint8_t exec_hook(void *ctx, uint16_t ssid, const lwm2m_path *p, const uint8_t *args, size_t n)
{
    (void)ctx;
    (void)ssid;
    (void)args;
    (void)n;
    F.executes++;
    F.last_exec = *p;
    return COAP_CHANGED;
}

static void set(const lwm2m_path p, lwm2m_value v) { ck_assert_int_eq(lwm2m_tree_set(&F.tree, &p, &v), 0); }

/* A SARA-R5-like tree, small: /0/10, /1/10 with the module's values
 * (app note §3.6), /3/0, /5/0. */
static void build_tree(void)
{
    lwm2m_tree_init(&F.tree);
    uint16_t objs[] = { 0, 1, 3, 5 };
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(lwm2m_tree_add_object(&F.tree, lwm2m_objdef_find(objs[i])), 0);
    ck_assert_int_eq(lwm2m_tree_add_instance(&F.tree, 1, 10), 0);
    ck_assert_int_eq(lwm2m_tree_add_instance(&F.tree, 3, 0), 0);
    ck_assert_int_eq(lwm2m_tree_add_instance(&F.tree, 5, 0), 0);
    ck_assert_int_eq(lwm2m_tree_add_instance(&F.tree, 0, 10), 0);
    set(lwm2m_path_oir(0, 10, 0), lwm2m_v_str("coaps://ucsplwm2m.services.u-blox.com:5684"));
    set(lwm2m_path_oir(0, 10, 1), lwm2m_v_bool(false));
    set(lwm2m_path_oir(0, 10, 2), lwm2m_v_int(0));
    set(lwm2m_path_oir(0, 10, 10), lwm2m_v_int(721));
    set(lwm2m_path_oir(1, 10, 0), lwm2m_v_int(721));
    set(lwm2m_path_oir(1, 10, 1), lwm2m_v_int(86400));
    set(lwm2m_path_oir(1, 10, 2), lwm2m_v_int(10));
    set(lwm2m_path_oir(1, 10, 3), lwm2m_v_int(60));
    set(lwm2m_path_oir(1, 10, 7), lwm2m_v_str("UQS"));
    set(lwm2m_path_oir(1, 10, 17), lwm2m_v_int(4));
    set(lwm2m_path_oir(1, 10, 18), lwm2m_v_int(30));
    set(lwm2m_path_oir(3, 0, 0), lwm2m_v_str("u-blox"));
    set(lwm2m_path_oir(3, 0, 1), lwm2m_v_str("SARA-R510M8S"));
    set(lwm2m_path_oir(3, 0, 3), lwm2m_v_str("03.15"));
    set(lwm2m_path_oiri(3, 0, 11, 0), lwm2m_v_int(0));
    set(lwm2m_path_oir(5, 0, 1), lwm2m_v_str(""));
    set(lwm2m_path_oir(5, 0, 3), lwm2m_v_int(0));
    set(lwm2m_path_oir(5, 0, 5), lwm2m_v_int(0));
}

static void setup(void)
{
    memset(&F, 0, sizeof F);
    build_tree();
    lwm2m_client_config cfg;
    lwm2m_client_config_default(&cfg);
    snprintf(cfg.endpoint, sizeof cfg.endpoint, "urn:imei:352835100012346");
    cfg.seed = 7;
    lwm2m_client_hooks hooks = { NULL, write_hook, exec_hook, NULL };
    ck_assert_int_eq(lwm2m_client_init(&F.c, &cfg, &F.tree, &hooks), 0);
    lwm2m_out_init(&F.out);
    coap_ep_config sc;
    coap_ep_config_default(&sc);
    sc.seed = 99;
    ck_assert_int_eq(coap_ep_init(&F.srv, &sc), 0);
    coap_out_init(&F.sout);
    F.now = T0;
}

static void teardown(void)
{
    lwm2m_client_free(&F.c);
    lwm2m_out_free(&F.out);
    coap_ep_free(&F.srv);
    coap_out_free(&F.sout);
    lwm2m_tree_free(&F.tree);
    for (size_t i = 0; i < F.ndg; i++)
        free(F.dg[i]);
}

/* Start, connect, and answer the Register with 2.01 rd/5. */
static void register_ok(void)
{
    lwm2m_client_start(&F.c, F.now, &F.out);
    run_client_out();
    lwm2m_client_transport_up(&F.c, F.now, 721, &F.out);
    run_client_out();
    coap_event e = next_event(COAP_EV_REQUEST);
    server_answer(&e, COAP_CREATED, "rd/5");
}

/* ---- the tree ---- */

START_TEST(tree_listing_and_read_keep_the_order_things_were_added)
{
    const lwm2m_path *ls;
    size_t n = lwm2m_tree_listing(&F.tree, &ls);
    ck_assert_uint_eq(n, 4);
    char p[LWM2M_PATH_STR_MAX];
    lwm2m_path_format(&ls[0], p);
    ck_assert_str_eq(p, "/0/10"); /* an object's first instance takes its place */
    lwm2m_path_format(&ls[1], p);
    ck_assert_str_eq(p, "/1/10");
    lwm2m_list l;
    lwm2m_list_init(&l);
    lwm2m_path i110 = lwm2m_path_oi(1, 10);
    ck_assert_int_eq(lwm2m_tree_read(&F.tree, &i110, 0, &l), 0);
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(lwm2m_json_encode(&l, &i110, LWM2M_JSON_INSTANCE_NAMES, &b), 0);
    bytebuf_append_byte(&b, 0);
    ck_assert_str_eq((char *)b.data, "{\"bn\":\"/1/10/\",\"e\":[{\"n\":\"0\",\"v\":721},{\"n\":\"1\",\"v\":86400},"
                                     "{\"n\":\"2\",\"v\":10},{\"n\":\"3\",\"v\":60},{\"n\":\"7\",\"sv\":\"UQS\"},"
                                     "{\"n\":\"17\",\"v\":4},{\"n\":\"18\",\"v\":30}]}");
    bytebuf_free(&b);
    lwm2m_list_free(&l);
}
END_TEST

START_TEST(tree_refuses_what_the_definitions_do_not_allow)
{
    lwm2m_value v = lwm2m_v_str("x");
    lwm2m_path p = lwm2m_path_oir(1, 10, 1); /* lifetime is an integer */
    ck_assert_int_eq(lwm2m_tree_set(&F.tree, &p, &v), LWM2M_E_TYPE);
    p = lwm2m_path_oir(1, 11, 1); /* no such instance */
    ck_assert_int_eq(lwm2m_tree_set(&F.tree, &p, &v), LWM2M_E_NOTFOUND);
    p = lwm2m_path_oir(3, 0, 11); /* a multiple resource needs an instance id */
    v = lwm2m_v_int(1);
    ck_assert_int_eq(lwm2m_tree_set(&F.tree, &p, &v), LWM2M_E_PATH);
    p = lwm2m_path_oir(3, 0, 4); /* Reboot is executable: no value */
    ck_assert_int_eq(lwm2m_tree_set(&F.tree, &p, &v), LWM2M_E_PATH);
    ck_assert(lwm2m_tree_exists(&F.tree, &p));
    ck_assert_int_eq(lwm2m_tree_add_instance(&F.tree, 3, 1), LWM2M_E_FORMAT); /* single instance */
    /* a float that is integral becomes the integer the definition wants */
    v = lwm2m_v_float(3600.0);
    p = lwm2m_path_oir(1, 10, 1);
    ck_assert_int_eq(lwm2m_tree_set(&F.tree, &p, &v), 0);
    ck_assert_int_eq(lwm2m_tree_get_int(&F.tree, &p, 0), 3600);
}
END_TEST

START_TEST(tree_discover_lists_resources_with_dim)
{
    lwm2m_links l;
    lwm2m_links_init(&l);
    lwm2m_path p = lwm2m_path_oi(3, 0);
    ck_assert_int_eq(lwm2m_tree_discover(&F.tree, &p, &l), 0);
    bytebuf b;
    bytebuf_init(&b);
    lwm2m_link_encode(&l, &b);
    bytebuf_append_byte(&b, 0);
    ck_assert_str_eq((char *)b.data, "</3/0>,</3/0/0>,</3/0/1>,</3/0/3>,</3/0/4>,</3/0/5>,</3/0/11>;dim=1,</3/0/12>");
    bytebuf_free(&b);
    lwm2m_links_free(&l);
}
END_TEST

/* ---- registration ---- */

/* App note §3.1, §3.6: the client registers with lifetime 86400 and
 * binding UQS; OMA TS 1.0 §5.3.1 Register on the wire. */
START_TEST(an3_6_register_on_the_wire_then_status_registered)
{
    lwm2m_client_start(&F.c, F.now, &F.out);
    run_client_out();
    ck_assert_str_eq(F.log, "4,3;1,721,2;connect 721;4,4;");
    F.log[0] = 0;
    lwm2m_client_transport_up(&F.c, F.now, 721, &F.out);
    run_client_out();
    coap_event e = next_event(COAP_EV_REQUEST);
    ck_assert_uint_eq(e.msg.code, COAP_POST);
    ck_assert_uint_eq(e.msg.type, COAP_CON);
    char path[64], query[256];
    path_of(&e.msg, path, sizeof path);
    query_of(&e.msg, query, sizeof query);
    ck_assert_str_eq(path, "/rd");
    ck_assert_str_eq(query, "ep=urn:imei:352835100012346&lt=86400&lwm2m=1.0&b=UQS");
    uint32_t cf;
    ck_assert_int_eq(coap_msg_content_format(&e.msg, &cf), 0);
    ck_assert_uint_eq(cf, 40);
    char payload[256];
    snprintf(payload, sizeof payload, "%.*s", (int)e.msg.payload_len, (const char *)e.msg.payload);
    ck_assert_str_eq(payload, "</>;rt=\"oma.lwm2m\";ct=11543,</1/10>,</3/0>,</5/0>");
    server_answer(&e, COAP_CREATED, "rd/5");
    /* 86400 - 93 s (RFC 7252 MAX_TRANSMIT_WAIT) to the update */
    ck_assert_str_eq(F.log, "1,721,3;2,721,86307;4,5;");
    ck_assert_int_eq(lwm2m_client_secs_to_update(&F.c, F.now, 721), 86307);
    F.now += S(26);
    ck_assert_int_eq(lwm2m_client_secs_to_update(&F.c, F.now, 721), 86281);
}
END_TEST

START_TEST(an3_6_update_before_the_lifetime_ends)
{
    register_ok();
    uint64_t t_reg = F.now;
    F.log[0] = 0;
    ck_assert_uint_eq(lwm2m_client_next_deadline(&F.c), t_reg + S(86307));
    run_until(t_reg + S(86307) - 1);
    ck_assert_uint_eq(F.nev, 0);
    run_until(t_reg + S(86307));
    coap_event e = next_event(COAP_EV_REQUEST);
    char path[64], query[64];
    path_of(&e.msg, path, sizeof path);
    query_of(&e.msg, query, sizeof query);
    ck_assert_str_eq(path, "/rd/5");
    ck_assert_str_eq(query, ""); /* nothing changed: no parameters, no payload */
    ck_assert_uint_eq(e.msg.payload_len, 0);
    ck_assert_str_eq(F.log, "1,721,5;");
    server_answer(&e, COAP_CHANGED, NULL);
    ck_assert_str_eq(F.log, "1,721,5;1,721,3;2,721,86307;");
}
END_TEST

/* App note §3.6: a new lifetime triggers a registration update, from the
 * server (a Write to /1/10/1) or the host (+ULWM2MWRITE). */
START_TEST(an3_6_server_write_of_lifetime_triggers_update_with_lt)
{
    register_ok();
    F.log[0] = 0;
    uint32_t x = server_request(COAP_PUT, "/1/10/1", NULL, COAP_CF_TEXT_PLAIN, "3600", 4, -1, -1);
    coap_event r = response_to(x);
    ck_assert_uint_eq(r.msg.code, COAP_CHANGED);
    ck_assert_int_eq(F.written, 1);
    coap_event e = next_event(COAP_EV_REQUEST);
    char query[64];
    query_of(&e.msg, query, sizeof query);
    ck_assert_str_eq(query, "lt=3600");
    server_answer(&e, COAP_CHANGED, NULL);
    ck_assert_str_eq(F.log, "1,721,6;1,721,5;1,721,3;2,721,3507;");
}
END_TEST

START_TEST(an3_6_host_write_of_lifetime_triggers_update)
{
    register_ok();
    F.log[0] = 0;
    lwm2m_list l;
    lwm2m_list_init(&l);
    lwm2m_path p = lwm2m_path_oir(1, 10, 1);
    lwm2m_value v = lwm2m_v_int(604800);
    lwm2m_list_add(&l, &p, &v);
    ck_assert_int_eq(lwm2m_client_local_write(&F.c, F.now, &l, &F.out), 0);
    run_client_out();
    coap_event e = next_event(COAP_EV_REQUEST);
    char query[64];
    query_of(&e.msg, query, sizeof query);
    ck_assert_str_eq(query, "lt=604800");
    /* a read-only resource cannot be written, an unknown one is not found */
    lwm2m_list_clear(&l);
    p = lwm2m_path_oir(3, 0, 0);
    v = lwm2m_v_str("x");
    lwm2m_list_add(&l, &p, &v);
    ck_assert_int_eq(lwm2m_client_local_write(&F.c, F.now, &l, &F.out), LWM2M_E_INVALID);
    lwm2m_list_clear(&l);
    p = lwm2m_path_oir(1, 10, 99);
    lwm2m_list_add(&l, &p, &v);
    ck_assert_int_eq(lwm2m_client_local_write(&F.c, F.now, &l, &F.out), LWM2M_E_NOTFOUND);
    lwm2m_list_free(&l);
}
END_TEST

/* AT+ULWM2MREG=721 forces an update; +ULWM2MDEREG de-registers until the
 * next +ULWM2MREG (app note §3.6). */
START_TEST(an3_6_trigger_update_and_deregister)
{
    register_ok();
    F.log[0] = 0;
    ck_assert_int_eq(lwm2m_client_trigger_update(&F.c, F.now, 721, &F.out), 0);
    run_client_out();
    coap_event e = next_event(COAP_EV_REQUEST);
    server_answer(&e, COAP_CHANGED, NULL);
    ck_assert_str_eq(F.log, "1,721,6;1,721,5;1,721,3;2,721,86307;");
    F.log[0] = 0;
    ck_assert_int_eq(lwm2m_client_deregister(&F.c, F.now, 721, &F.out), 0);
    run_client_out();
    e = next_event(COAP_EV_REQUEST);
    ck_assert_uint_eq(e.msg.code, COAP_DELETE);
    char path[64];
    path_of(&e.msg, path, sizeof path);
    ck_assert_str_eq(path, "/rd/5");
    server_answer(&e, COAP_DELETED, NULL);
    ck_assert_str_eq(F.log, "1,721,9;disconnect 721;1,721,0;4,3;");
    /* quiet until told: nothing is due */
    ck_assert_uint_eq(lwm2m_client_next_deadline(&F.c), LWM2M_NEVER);
    ck_assert_int_eq(lwm2m_client_trigger_update(&F.c, F.now, 721, &F.out), 0);
    F.log[0] = 0;
    run_client_out();
    ck_assert_str_eq(F.log, "1,721,2;connect 721;4,4;");
    ck_assert_int_eq(lwm2m_client_trigger_update(&F.c, F.now, 102, &F.out), -ENOENT);
}
END_TEST

/* A server that restarted forgets the registration: the Update gets 4.04
 * and the client registers again. */
START_TEST(adversarial_update_404_registers_again)
{
    register_ok();
    F.log[0] = 0;
    lwm2m_client_trigger_update(&F.c, F.now, 721, &F.out);
    run_client_out();
    coap_event e = next_event(COAP_EV_REQUEST);
    server_answer(&e, COAP_NOT_FOUND, NULL);
    e = next_event(COAP_EV_REQUEST);
    char path[64];
    path_of(&e.msg, path, sizeof path);
    ck_assert_str_eq(path, "/rd");
    server_answer(&e, COAP_CREATED, "rd/6");
    ck_assert_str_eq(F.log, "1,721,6;1,721,5;1,721,2;4,4;1,721,3;2,721,86307;4,5;");
    ck_assert_str_eq(lwm2m_client_server(&F.c, 721)->location, "rd/6");
}
END_TEST

/* LwM2M 1.1 §6.2.1.1 with the module's Communication Retry Count 4 and
 * Retry Timer 30 s (/1/10/17, /1/10/18, app note §3.6): attempts at 0, then
 * 30, 60, 120 s after each failure; then the sequence fails (status 4) and
 * starts over a day later.  Each attempt is one CoAP exchange: 2-3 s x
 * (1+2+4+8+16) at most (RFC 7252 §4.8.2: MAX_TRANSMIT_WAIT 93 s). */
START_TEST(l11_6_2_1_1_unreachable_server_retries_then_fails)
{
    lwm2m_client_start(&F.c, F.now, &F.out);
    run_client_out();
    F.drop_to_srv = 1000000; /* the server hears nothing */
    lwm2m_client_transport_up(&F.c, F.now, 721, &F.out);
    run_client_out();
    uint64_t t0 = F.now;
    /* each attempt: 5 transmissions, the exchange times out, the transport
     * is dropped; the next connect comes 30, 60, 120 s after that */
    size_t connects = 0, fails = 0;
    uint64_t connect_at[8], fail_at[8];
    for (;;) {
        uint64_t d = lwm2m_client_next_deadline(&F.c);
        ck_assert_uint_ne(d, LWM2M_NEVER);
        ck_assert_uint_lt(d, t0 + S(3600));
        F.log[0] = 0;
        run_until(d);
        if (has_act("disconnect 721"))
            fail_at[fails++] = F.now;
        if (has_act("connect 721")) {
            connect_at[connects++] = F.now;
            lwm2m_client_transport_up(&F.c, F.now, 721, &F.out);
            run_client_out();
        }
        if (has_act("1,721,4"))
            break;
    }
    ck_assert_uint_eq(connects, 3); /* attempts 2, 3, 4 */
    ck_assert_uint_eq(fails, 4);
    ck_assert_uint_eq(F.sent, 4 * 5);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_uint_eq(connect_at[i] - fail_at[i], S(30) << i);
        /* an exchange lasts ACK_TIMEOUT x (1..1.5) x 31 (RFC 7252 §4.8.2) */
        uint64_t span = fail_at[i + 1] - connect_at[i];
        ck_assert_uint_ge(span, S(62));
        ck_assert_uint_le(span, S(93));
    }
    ck_assert_str_eq(F.log, "disconnect 721;1,721,4;4,3;");
    /* the next sequence begins a day later, not before */
    uint64_t failed_at = F.now;
    ck_assert_uint_eq(lwm2m_client_next_deadline(&F.c), failed_at + S(86400));
}
END_TEST

/* App note §3.1.1: the transport cannot be secured (+USECMODE 0 before the
 * first registration): status 4 at once and no retry. */
START_TEST(an3_1_1_unsecurable_transport_fails_without_retry)
{
    lwm2m_client_start(&F.c, F.now, &F.out);
    run_client_out();
    F.log[0] = 0;
    lwm2m_client_transport_failed(&F.c, F.now, 721, -EACCES, &F.out);
    run_client_out();
    ck_assert_str_eq(F.log, "1,721,4;4,3;");
    ck_assert_uint_eq(lwm2m_client_next_deadline(&F.c), LWM2M_NEVER);
    ck_assert(lwm2m_client_server(&F.c, 721)->failed_final);
}
END_TEST

/* ---- server operations ---- */

START_TEST(tsq_read_formats_and_refusals)
{
    register_ok();
    /* a single resource: text/plain by default */
    uint32_t x = server_request(COAP_GET, "/3/0/0", NULL, -1, NULL, 0, -1, -1);
    coap_event r = response_to(x);
    ck_assert_uint_eq(r.msg.code, COAP_CONTENT);
    uint32_t cf;
    coap_msg_content_format(&r.msg, &cf);
    ck_assert_uint_eq(cf, 0);
    ck_assert_int_eq((int)r.msg.payload_len, 6);
    ck_assert_int_eq(memcmp(r.msg.payload, "u-blox", 6), 0);
    /* an instance: TLV by default; decodes back to what the tree holds */
    x = server_request(COAP_GET, "/5/0", NULL, -1, NULL, 0, -1, -1);
    r = response_to(x);
    coap_msg_content_format(&r.msg, &cf);
    ck_assert_uint_eq(cf, COAP_CF_LWM2M_TLV);
    lwm2m_list l;
    lwm2m_list_init(&l);
    lwm2m_path p = lwm2m_path_oi(5, 0);
    ck_assert_int_eq(lwm2m_tlv_decode_typed(r.msg.payload, r.msg.payload_len, &p, lwm2m_tree_type_of,
                                            &F.tree, &l), 0);
    ck_assert_uint_eq(l.len, 3);
    lwm2m_list_free(&l);
    /* JSON on request */
    x = server_request(COAP_GET, "/3/0/1", NULL, -1, NULL, 0, COAP_CF_LWM2M_JSON, -1);
    r = response_to(x);
    char body[128];
    snprintf(body, sizeof body, "%.*s", (int)r.msg.payload_len, (const char *)r.msg.payload);
    ck_assert_str_eq(body, "{\"bn\":\"/3/0/1\",\"e\":[{\"sv\":\"SARA-R510M8S\"}]}");
    /* text for an instance is not acceptable; no such path; the Security
     * object is off limits; Execute-only resources cannot be read */
    x = server_request(COAP_GET, "/3/0", NULL, -1, NULL, 0, COAP_CF_TEXT_PLAIN, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_NOT_ACCEPTABLE);
    x = server_request(COAP_GET, "/3/0/9", NULL, -1, NULL, 0, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_NOT_FOUND);
    x = server_request(COAP_GET, "/0/10", NULL, -1, NULL, 0, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_UNAUTHORIZED);
    x = server_request(COAP_GET, "/3/0/4", NULL, -1, NULL, 0, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_METHOD_NOT_ALLOWED);
    x = server_request(COAP_GET, "/bogus", NULL, -1, NULL, 0, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_NOT_FOUND);
    /* a critical option the client does not know: 4.02 */
    coap_msg m;
    coap_msg_init(&m, COAP_CON, COAP_GET);
    coap_msg_add_split(&m, COAP_OPT_URI_PATH, "/3/0/0", 6);
    coap_msg_add_opt(&m, COAP_OPT_IF_MATCH, "x", 1);
    coap_ep_request(&F.srv, F.now, &m, &x, &F.sout);
    deliver_to_client();
    ck_assert_uint_eq(response_to(x).msg.code, COAP_BAD_OPTION);
}
END_TEST

START_TEST(tsq_write_tlv_json_and_refusals)
{
    register_ok();
    /* TLV write of /1/10/3 = 300 (resource TLV, 2-byte integer) */
    const uint8_t tlv[] = { 0xC2, 0x03, 0x01, 0x2C };
    uint32_t x = server_request(COAP_PUT, "/1/10/3", NULL, COAP_CF_LWM2M_TLV, tlv, sizeof tlv, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_CHANGED);
    lwm2m_path p = lwm2m_path_oir(1, 10, 3);
    ck_assert_int_eq(lwm2m_tree_get_int(&F.tree, &p, 0), 300);
    /* JSON partial update of the instance */
    const char *js = "{\"bn\":\"/1/10/\",\"e\":[{\"n\":\"2\",\"v\":5}]}";
    x = server_request(COAP_POST, "/1/10", NULL, COAP_CF_LWM2M_JSON, js, strlen(js), -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_CHANGED);
    p = lwm2m_path_oir(1, 10, 2);
    ck_assert_int_eq(lwm2m_tree_get_int(&F.tree, &p, 0), 5);
    /* read-only, malformed, unsupported format, refused by the module */
    x = server_request(COAP_PUT, "/3/0/0", NULL, COAP_CF_TEXT_PLAIN, "x", 1, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_METHOD_NOT_ALLOWED);
    x = server_request(COAP_PUT, "/1/10/1", NULL, COAP_CF_TEXT_PLAIN, "abc", 3, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_BAD_REQUEST);
    /* an empty text payload (fuzzing found it read through a NULL) */
    x = server_request(COAP_PUT, "/1/10/1", NULL, COAP_CF_TEXT_PLAIN, NULL, 0, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_BAD_REQUEST);
    x = server_request(COAP_PUT, "/1/10/1", NULL, 50, "1", 1, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_UNSUPPORTED_CONTENT_FORMAT);
    const uint8_t bad_tlv[] = { 0xC8, 0x03, 0x05, 0x01 }; /* length past the end */
    x = server_request(COAP_PUT, "/1/10/3", NULL, COAP_CF_LWM2M_TLV, bad_tlv, sizeof bad_tlv, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_BAD_REQUEST);
    F.write_refuse = COAP_INTERNAL_SERVER_ERROR;
    x = server_request(COAP_PUT, "/1/10/3", NULL, COAP_CF_TEXT_PLAIN, "61", 2, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_INTERNAL_SERVER_ERROR);
    p = lwm2m_path_oir(1, 10, 3);
    ck_assert_int_eq(lwm2m_tree_get_int(&F.tree, &p, 0), 300); /* unchanged */
}
END_TEST

START_TEST(tsq_execute_and_update_trigger)
{
    register_ok();
    uint32_t x = server_request(COAP_POST, "/5/0/2", NULL, -1, NULL, 0, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_CHANGED);
    ck_assert_int_eq(F.executes, 1);
    char p[LWM2M_PATH_STR_MAX];
    lwm2m_path_format(&F.last_exec, p);
    ck_assert_str_eq(p, "/5/0/2");
    x = server_request(COAP_POST, "/5/0/3", NULL, -1, NULL, 0, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_METHOD_NOT_ALLOWED);
    /* /1/10/8 Registration Update Trigger: 2.04, then an Update */
    F.log[0] = 0;
    x = server_request(COAP_POST, "/1/10/8", NULL, -1, NULL, 0, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_CHANGED);
    coap_event e = next_event(COAP_EV_REQUEST);
    char path[64];
    path_of(&e.msg, path, sizeof path);
    ck_assert_str_eq(path, "/rd/5");
    ck_assert_int_eq(F.executes, 1); /* the client's own, not the hook's */
    /* the host sees "update needed" first, as for +ULWM2MREG (found by the
     * node peer's interop test) */
    ck_assert_str_eq(F.log, "1,721,6;1,721,5;");
}
END_TEST

/* RFC 7641 + TS 1.0 §5.5: observe /5/0/3, a change is notified after pmin
 * (Default Minimum Period /1/10/2 = 10 s), pmax (60 s) sends one anyway,
 * an RST removes the observer. */
START_TEST(rfc7641_observe_notify_pmin_pmax_and_rst)
{
    register_ok();
    uint32_t x = server_request(COAP_GET, "/5/0/3", NULL, -1, NULL, 0, -1, 0);
    coap_event r = response_to(x);
    uint32_t seq;
    ck_assert_int_eq(coap_msg_observe(&r.msg, &seq), 0);
    uint64_t t_obs = F.now;
    F.log[0] = 0;
    /* the module changes the state 2 s later: notified at t+10 s */
    F.now += S(2);
    lwm2m_path st = lwm2m_path_oir(5, 0, 3);
    lwm2m_value v = lwm2m_v_int(1);
    lwm2m_tree_set(&F.tree, &st, &v);
    lwm2m_client_changed(&F.c, F.now, &st, &F.out);
    run_client_out();
    ck_assert_uint_eq(F.nev, 0);
    ck_assert_uint_eq(lwm2m_client_next_deadline(&F.c), t_obs + S(10));
    run_until(t_obs + S(10));
    coap_event n = next_event(COAP_EV_RESPONSE);
    ck_assert_uint_eq(n.xid, x);
    ck_assert_int_eq((int)n.msg.payload_len, 1);
    ck_assert_int_eq(n.msg.payload[0], '1');
    ck_assert_str_eq(F.log, "3,721,/5/0/3;");
    /* nothing changes: pmax brings one 60 s after the last */
    run_until(t_obs + S(70) - 1);
    ck_assert_uint_eq(F.nev, 0);
    run_until(t_obs + S(70));
    n = next_event(COAP_EV_RESPONSE);
    ck_assert_uint_eq(n.xid, x);
    /* the server forgets the observation: the next notification is answered
     * with RST and the client stops */
    coap_ep_cancel(&F.srv, F.now, x, &F.sout);
    run_until(t_obs + S(130));
    ck_assert_uint_eq(F.nev, 0);
    lwm2m_client_tick(&F.c, F.now, &F.out);
    run_client_out();
    const lwm2m_server *s = lwm2m_client_server(&F.c, 721);
    int used = 0;
    for (size_t i = 0; i < LWM2M_MAX_OBSERVATIONS; i++)
        used += s->obs[i].used;
    ck_assert_int_eq(used, 0);
    size_t sent = F.sent;
    run_until(t_obs + S(300));
    ck_assert_uint_eq(F.sent, sent);
}
END_TEST

/* Write-attributes (TS 1.0 §5.4.4): pmin/pmax on the path, st on a value. */
START_TEST(tsq_write_attributes_then_discover_shows_them)
{
    register_ok();
    uint32_t x = server_request(COAP_PUT, "/5/0/3", "pmin=1&pmax=30", -1, NULL, 0, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_CHANGED);
    x = server_request(COAP_GET, "/5/0/3", NULL, -1, NULL, 0, COAP_CF_LINK_FORMAT, -1);
    coap_event r = response_to(x);
    char body[128];
    snprintf(body, sizeof body, "%.*s", (int)r.msg.payload_len, (const char *)r.msg.payload);
    ck_assert_str_eq(body, "</5/0/3>;pmin=1;pmax=30");
    x = server_request(COAP_PUT, "/5/0/3", "pmin=abc", -1, NULL, 0, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_BAD_REQUEST);
    /* observe: a change is notified after 1 s now */
    x = server_request(COAP_GET, "/5/0/3", NULL, -1, NULL, 0, -1, 0);
    response_to(x);
    uint64_t t = F.now;
    lwm2m_path st = lwm2m_path_oir(5, 0, 3);
    lwm2m_value v = lwm2m_v_int(2);
    lwm2m_tree_set(&F.tree, &st, &v);
    lwm2m_client_changed(&F.c, F.now, &st, &F.out);
    run_client_out();
    ck_assert_uint_eq(lwm2m_client_next_deadline(&F.c), t + S(1));
}
END_TEST

/* A change below st while pmax is due goes out anyway, and nothing is left
 * overdue after a tick (fuzzing found the notification held back one tick
 * with its deadline in the past). */
START_TEST(tsq_step_below_st_still_notified_at_pmax)
{
    register_ok();
    uint32_t x = server_request(COAP_PUT, "/5/0/3", "pmin=1&pmax=2&st=5", -1, NULL, 0, -1, -1);
    ck_assert_uint_eq(response_to(x).msg.code, COAP_CHANGED);
    x = server_request(COAP_GET, "/5/0/3", NULL, -1, NULL, 0, -1, 0);
    response_to(x);
    uint64_t t = F.now;
    /* no tick until t+2.5 s, when the module changes the value by 1 (< st):
     * pmax (t+2) has passed, so it goes out whatever st says */
    F.now = t + S(2) + S(1) / 2;
    lwm2m_path st = lwm2m_path_oir(5, 0, 3);
    lwm2m_value v = lwm2m_v_int(1);
    lwm2m_tree_set(&F.tree, &st, &v);
    lwm2m_client_changed(&F.c, F.now, &st, &F.out);
    run_client_out();
    coap_event n = next_event(COAP_EV_RESPONSE);
    ck_assert_int_eq(n.msg.payload[0], '1');
    ck_assert_uint_gt(lwm2m_client_next_deadline(&F.c), F.now);
}
END_TEST

/* Duplicate CON requests get the same answer once executed (RFC 7252 §4.5):
 * an Execute is not run twice. */
START_TEST(adversarial_duplicate_execute_runs_once)
{
    register_ok();
    coap_msg m;
    coap_msg_init(&m, COAP_CON, COAP_POST);
    m.mid = 0x4242;
    m.tkl = 2;
    m.token[0] = 1;
    m.token[1] = 2;
    coap_msg_add_split(&m, COAP_OPT_URI_PATH, "/5/0/2", 6);
    bytebuf b;
    bytebuf_init(&b);
    coap_build(&m, &b);
    lwm2m_client_feed(&F.c, F.now, 721, b.data, b.len, &F.out);
    size_t first = F.out.nact;
    ck_assert_uint_eq(first, 1);
    bytebuf a1;
    bytebuf_init(&a1);
    bytebuf_append(&a1, lwm2m_out_data(&F.out, &F.out.act[0]), F.out.act[0].len);
    lwm2m_out_clear(&F.out);
    F.now += S(3);
    lwm2m_client_feed(&F.c, F.now, 721, b.data, b.len, &F.out);
    ck_assert_uint_eq(F.out.nact, 1);
    ck_assert_uint_eq(F.out.act[0].len, a1.len);
    ck_assert_int_eq(memcmp(lwm2m_out_data(&F.out, &F.out.act[0]), a1.data, a1.len), 0);
    lwm2m_out_clear(&F.out);
    ck_assert_int_eq(F.executes, 1);
    /* a response to a request the client never sent: RST, nothing else */
    coap_msg bogus;
    coap_msg_init(&bogus, COAP_CON, COAP_CONTENT);
    bogus.mid = 0x7777;
    bogus.tkl = 1;
    bogus.token[0] = 0xEE;
    bytebuf_clear(&b);
    coap_build(&bogus, &b);
    lwm2m_client_feed(&F.c, F.now, 721, b.data, b.len, &F.out);
    ck_assert_uint_eq(F.out.nact, 1);
    coap_msg rst;
    ck_assert_int_eq(coap_parse(&rst, lwm2m_out_data(&F.out, &F.out.act[0]), F.out.act[0].len), 0);
    ck_assert_uint_eq(rst.type, COAP_RST);
    ck_assert_uint_eq(rst.mid, 0x7777);
    lwm2m_out_clear(&F.out);
    bytebuf_free(&a1);
    bytebuf_free(&b);
}
END_TEST

/* A registration payload over 1024 bytes goes in Block1 blocks (RFC 7959);
 * the server answers 2.31 to each but the last. */
START_TEST(rfc7959_large_registration_in_block1)
{
    /* 100 APN profiles make the payload big */
    ck_assert_int_eq(lwm2m_tree_add_object(&F.tree, lwm2m_objdef_find(11)), 0);
    for (uint16_t i = 0; i < 100; i++)
        ck_assert_int_eq(lwm2m_tree_add_instance(&F.tree, 11, (uint16_t)(1000 + i)), 0);
    bytebuf pl;
    bytebuf_init(&pl);
    lwm2m_client_reg_payload(&F.c, &pl);
    ck_assert_uint_gt(pl.len, 1024);
    lwm2m_client_start(&F.c, F.now, &F.out);
    run_client_out();
    lwm2m_client_transport_up(&F.c, F.now, 721, &F.out);
    run_client_out();
    bytebuf got;
    bytebuf_init(&got);
    for (int blk = 0;; blk++) {
        coap_event e = next_event(COAP_EV_REQUEST);
        coap_block b1;
        ck_assert_int_eq(coap_msg_get_block(&e.msg, COAP_OPT_BLOCK1, &b1), 0);
        ck_assert_uint_eq(b1.num, (unsigned)blk);
        bytebuf_append(&got, e.msg.payload, e.msg.payload_len);
        coap_msg r;
        coap_msg_init(&r, COAP_ACK, b1.more ? COAP_CONTINUE : COAP_CREATED);
        coap_msg_set_block(&r, COAP_OPT_BLOCK1, &b1);
        if (!b1.more)
            coap_msg_add_split(&r, COAP_OPT_LOCATION_PATH, "rd/9", 4);
        coap_ep_respond(&F.srv, F.now, e.xid, &r, NULL, &F.sout);
        deliver_to_client();
        if (!b1.more)
            break;
    }
    ck_assert_uint_eq(got.len, pl.len);
    ck_assert_int_eq(memcmp(got.data, pl.data, pl.len), 0);
    ck_assert_str_eq(lwm2m_client_server(&F.c, 721)->location, "rd/9");
    ck_assert_int_eq(lwm2m_client_server(&F.c, 721)->status, LWM2M_REG_REGISTERED);
    bytebuf_free(&pl);
    bytebuf_free(&got);
}
END_TEST

/* A client stopped and started again (detach, attach) must not reuse the
 * message id and token of its first Register: a server would take the new
 * one for a duplicate (found by test_ufota: the server answered from its
 * cache and never learnt the new address). */
START_TEST(restart_draws_new_message_ids_and_tokens)
{
    lwm2m_client_start(&F.c, F.now, &F.out);
    run_client_out();
    lwm2m_client_transport_up(&F.c, F.now, 721, &F.out);
    run_client_out();
    coap_event a = next_event(COAP_EV_REQUEST);
    server_answer(&a, COAP_CREATED, "rd/5");
    lwm2m_client_stop(&F.c, F.now, &F.out);
    run_client_out();
    lwm2m_client_start(&F.c, F.now, &F.out);
    run_client_out();
    lwm2m_client_transport_up(&F.c, F.now, 721, &F.out);
    lwm2m_out *o = &F.out;
    ck_assert_uint_ge(o->nact, 1);
    coap_msg b;
    size_t i = 0;
    while (i < o->nact && o->act[i].kind != LWM2M_ACT_SEND)
        i++;
    ck_assert_uint_lt(i, o->nact);
    ck_assert_int_eq(coap_parse(&b, lwm2m_out_data(o, &o->act[i]), o->act[i].len), 0);
    ck_assert_uint_ne(b.mid, a.msg.mid);
    ck_assert(b.tkl != a.tkl || memcmp(b.token, a.token, a.tkl) != 0);
    lwm2m_out_clear(&F.out);
}
END_TEST

/* The link goes (detach) while registered: the client registers again on
 * a new transport as soon as asked. */
START_TEST(transport_lost_while_registered_registers_again)
{
    register_ok();
    F.log[0] = 0;
    lwm2m_client_transport_failed(&F.c, F.now, 721, -ENETDOWN, &F.out);
    run_client_out();
    lwm2m_client_tick(&F.c, F.now, &F.out);
    run_client_out();
    ck_assert_str_eq(F.log, "1,721,2;4,3;connect 721;4,4;");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lwm2m_client");
    TCase *t = tcase_create("tree");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, tree_listing_and_read_keep_the_order_things_were_added);
    tcase_add_test(t, tree_refuses_what_the_definitions_do_not_allow);
    tcase_add_test(t, tree_discover_lists_resources_with_dim);
    suite_add_tcase(s, t);
    TCase *r = tcase_create("registration");
    tcase_add_checked_fixture(r, setup, teardown);
    tcase_add_test(r, an3_6_register_on_the_wire_then_status_registered);
    tcase_add_test(r, an3_6_update_before_the_lifetime_ends);
    tcase_add_test(r, an3_6_server_write_of_lifetime_triggers_update_with_lt);
    tcase_add_test(r, an3_6_host_write_of_lifetime_triggers_update);
    tcase_add_test(r, an3_6_trigger_update_and_deregister);
    tcase_add_test(r, adversarial_update_404_registers_again);
    tcase_add_test(r, l11_6_2_1_1_unreachable_server_retries_then_fails);
    tcase_add_test(r, an3_1_1_unsecurable_transport_fails_without_retry);
    tcase_add_test(r, rfc7959_large_registration_in_block1);
    tcase_add_test(r, transport_lost_while_registered_registers_again);
    tcase_add_test(r, restart_draws_new_message_ids_and_tokens);
    suite_add_tcase(s, r);
    TCase *o = tcase_create("operations");
    tcase_add_checked_fixture(o, setup, teardown);
    tcase_add_test(o, tsq_read_formats_and_refusals);
    tcase_add_test(o, tsq_write_tlv_json_and_refusals);
    tcase_add_test(o, tsq_execute_and_update_trigger);
    tcase_add_test(o, rfc7641_observe_notify_pmin_pmax_and_rst);
    tcase_add_test(o, tsq_write_attributes_then_discover_shows_them);
    tcase_add_test(o, adversarial_duplicate_execute_runs_once);
    tcase_add_test(o, tsq_step_below_st_still_notified_at_pmax);
    suite_add_tcase(s, o);
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
