/* test_lwm2m_server.c - the built-in LwM2M server (protocol/lwm2m_server.c)
 * against a client made of a bare coap_ep on a virtual clock: the
 * registration interface on the wire (hand-checked bytes), Block1
 * registration, expiry, every operation with hand-made client answers,
 * observe / notify / cancel, and every fault. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/coap.h"
#include "protocol/coap_block.h"
#include "protocol/coap_ep.h"
#include "protocol/lwm2m_server.h"

#define S(x) COAP_S(x)
#define MS(x) COAP_MS(x)
#define T0 S(100)
#define PEER 0xCB0071010000162Full /* any 64-bit key */
#define EP "urn:imei:352835100012346"

/* ---- helpers ---- */

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = 0;
    while (*hex) {
        if (*hex == ' ') {
            hex++;
            continue;
        }
        unsigned v;
        sscanf(hex, "%2x", &v);
        out[n++] = (uint8_t)v;
        hex += 2;
    }
    return n;
}

static void assert_hex(const uint8_t *p, size_t n, const char *hex)
{
    uint8_t want[2048];
    size_t wn = unhex(hex, want);
    ck_assert_msg(n == wn, "length %zu, want %zu", n, wn);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(p[i] == want[i], "byte %zu: %02x, want %02x", i, p[i], want[i]);
}

/* What the client (a coap_ep) received from the server. */
typedef struct creq {
    uint32_t xid;
    uint8_t code;
    char path[64], query[128];
    int accept, observe, cf; /* -1: absent */
    uint8_t tkl, token[8];
    uint8_t payload[2048];
    size_t plen;
} creq;

typedef struct cresp {
    coap_event_kind kind;
    uint32_t xid;
    uint8_t code;
    char loc[64];
    int has_block1;
    coap_block block1;
} cresp;

typedef struct rig rig;
/* How the client answers a request: fill resp (code, options, payload). */
typedef void (*answer_fn)(rig *r, const creq *q, coap_msg *resp);

struct rig {
    lwm2m_srv s;
    lwm2m_srv_out out;
    size_t dg_done;       /* datagrams of out already carried to the client */
    coap_ep cl;
    coap_out co;
    uint64_t now;
    creq req[32];         /* server requests the client got */
    size_t nreq;
    cresp resp[32];       /* responses / events the client's own requests got */
    size_t nresp;
    answer_fn answer;     /* NULL: leave server requests unanswered */
    uint8_t ans_code;
    uint32_t ans_cf;      /* UINT32_MAX: none */
    const char *ans_body;
    size_t ans_len;
    int ans_observe;      /* -1: no Observe option in the answer */
    unsigned drop_to_client, drop_to_server; /* lose the next N datagrams */
    uint8_t last_to_client[2048];
    size_t last_to_client_len;
    unsigned to_client, to_server; /* datagrams carried */
};

static void default_answer(rig *r, const creq *q, coap_msg *resp)
{
    (void)q;
    resp->code = r->ans_code;
    if (r->ans_cf != UINT32_MAX)
        coap_msg_add_uint(resp, COAP_OPT_CONTENT_FORMAT, r->ans_cf);
    if (r->ans_observe >= 0)
        coap_msg_add_uint(resp, COAP_OPT_OBSERVE, (uint32_t)r->ans_observe);
    coap_msg_set_payload(resp, r->ans_body, r->ans_len);
}

static void rig_init_cfg(rig *r, const lwm2m_server_config *cfg)
{
    memset(r, 0, sizeof(*r));
    lwm2m_server_config c;
    if (cfg)
        c = *cfg;
    else {
        lwm2m_server_config_default(&c);
        c.types = lwm2m_server_objdef_type; /* the OMA definitions (lwm2m_obj.h) */
        c.seed = 7;
    }
    ck_assert_int_eq(lwm2m_server_init(&r->s, &c), 0);
    lwm2m_srv_out_init(&r->out);
    coap_ep_config cc;
    coap_ep_config_default(&cc);
    cc.seed = 99;
    ck_assert_int_eq(coap_ep_init(&r->cl, &cc), 0);
    coap_out_init(&r->co);
    r->now = T0;
    r->ans_code = COAP_CONTENT;
    r->ans_cf = UINT32_MAX;
    r->ans_observe = -1;
    r->answer = default_answer;
}

static void rig_init(rig *r) { rig_init_cfg(r, NULL); }

static void rig_free(rig *r)
{
    lwm2m_server_free(&r->s);
    lwm2m_srv_out_free(&r->out);
    coap_ep_free(&r->cl);
    coap_out_free(&r->co);
}

static void join(const coap_msg *m, unsigned num, char *buf, size_t size)
{
    bytebuf b;
    bytebuf_init(&b);
    coap_msg_join(m, num, &b);
    snprintf(buf, size, "%s", b.data ? (char *)b.data : "");
    bytebuf_free(&b);
}

static int opt_int(const coap_msg *m, unsigned num)
{
    uint32_t v;
    return coap_msg_get_uint(m, num, 4, &v) == 0 ? (int)v : -1;
}

static void to_server(rig *r, const uint8_t *d, size_t n);

/* The client's endpoint produced r->co: carry it. */
static void client_flush(rig *r)
{
    coap_out co = r->co; /* events refer to datagrams fed; copy what we need first */
    coap_out_init(&r->co);
    for (size_t i = 0; i < co.nev; i++) {
        const coap_event *e = &co.ev[i];
        if (e->kind == COAP_EV_REQUEST) {
            ck_assert_uint_lt(r->nreq, 32);
            creq *q = &r->req[r->nreq++];
            memset(q, 0, sizeof(*q));
            q->xid = e->xid;
            q->code = e->msg.code;
            join(&e->msg, COAP_OPT_URI_PATH, q->path, sizeof(q->path));
            join(&e->msg, COAP_OPT_URI_QUERY, q->query, sizeof(q->query));
            q->accept = opt_int(&e->msg, COAP_OPT_ACCEPT);
            q->observe = opt_int(&e->msg, COAP_OPT_OBSERVE);
            q->cf = opt_int(&e->msg, COAP_OPT_CONTENT_FORMAT);
            q->tkl = e->msg.tkl;
            memcpy(q->token, e->msg.token, e->msg.tkl);
            q->plen = e->msg.payload_len;
            if (q->plen)
                memcpy(q->payload, e->msg.payload, q->plen);
            if (r->answer) {
                coap_msg resp;
                coap_msg_init(&resp, COAP_ACK, COAP_CONTENT);
                r->answer(r, q, &resp);
                ck_assert_int_eq(coap_ep_respond(&r->cl, r->now, q->xid, &resp, NULL, &r->co), 0);
            }
        } else {
            ck_assert_uint_lt(r->nresp, 32);
            cresp *p = &r->resp[r->nresp++];
            memset(p, 0, sizeof(*p));
            p->kind = e->kind;
            p->xid = e->xid;
            if (e->kind == COAP_EV_RESPONSE) {
                p->code = e->msg.code;
                join(&e->msg, COAP_OPT_LOCATION_PATH, p->loc, sizeof(p->loc));
                p->has_block1 = coap_msg_get_block(&e->msg, COAP_OPT_BLOCK1, &p->block1) == 0;
            }
        }
    }
    for (size_t i = 0; i < co.ndg; i++) {
        size_t n;
        const uint8_t *d = coap_out_datagram(&co, i, &n);
        to_server(r, d, n);
    }
    coap_out_free(&co);
    /* answers given above went into the new r->co */
    if (r->co.ndg || r->co.nev)
        client_flush(r);
}

static void server_flush(rig *r);

static void to_client(rig *r, const uint8_t *d, size_t n)
{
    r->to_client++;
    if (r->drop_to_client) {
        r->drop_to_client--;
        return;
    }
    memcpy(r->last_to_client, d, n);
    r->last_to_client_len = n;
    coap_ep_feed(&r->cl, r->now, d, n, &r->co);
    client_flush(r);
}

static void to_server(rig *r, const uint8_t *d, size_t n)
{
    r->to_server++;
    if (r->drop_to_server) {
        r->drop_to_server--;
        return;
    }
    lwm2m_server_feed(&r->s, r->now, PEER, d, n, &r->out);
    server_flush(r);
}

static void server_flush(rig *r)
{
    while (r->dg_done < r->out.ndg) {
        size_t i = r->dg_done++;
        ck_assert_uint_eq(r->out.dg[i].peer, PEER);
        uint8_t buf[4096];
        size_t n = r->out.dg[i].len;
        memcpy(buf, lwm2m_srv_out_data(&r->out, i), n);
        to_client(r, buf, n);
    }
}

/* Let time pass to t, running both sides' deadlines in order. */
static void advance(rig *r, uint64_t t)
{
    for (;;) {
        uint64_t a = lwm2m_server_next_deadline(&r->s), b = coap_ep_next_deadline(&r->cl);
        uint64_t next = a < b ? a : b;
        if (next > t)
            break;
        r->now = next > r->now ? next : r->now;
        if (a <= r->now) {
            lwm2m_server_tick(&r->s, r->now, &r->out);
            server_flush(r);
        }
        if (b <= r->now) {
            coap_ep_tick(&r->cl, r->now, &r->co);
            client_flush(r);
        }
    }
    r->now = t;
}

/* A request from the client, carried at once. */
static uint32_t client_request(rig *r, coap_msg *req)
{
    uint32_t xid;
    ck_assert_int_eq(coap_ep_request(&r->cl, r->now, req, &xid, &r->co), 0);
    client_flush(r);
    return xid;
}

/* A bodiless request from the client to a path of the server (an Update,
 * a De-register, ...): the code it got back. */
static uint8_t rd_request(rig *r, uint8_t method, const char *path)
{
    coap_msg m;
    coap_msg_init(&m, COAP_CON, method);
    coap_msg_add_split(&m, COAP_OPT_URI_PATH, path, strlen(path));
    client_request(r, &m);
    return r->resp[r->nresp - 1].code;
}

static coap_msg register_msg(const char *query, const char *links)
{
    coap_msg m;
    coap_msg_init(&m, COAP_CON, COAP_POST);
    coap_msg_add_split(&m, COAP_OPT_URI_PATH, "rd", 2);
    coap_msg_add_split(&m, COAP_OPT_URI_QUERY, query, strlen(query));
    coap_msg_add_uint(&m, COAP_OPT_CONTENT_FORMAT, COAP_CF_LINK_FORMAT);
    coap_msg_set_payload(&m, links, strlen(links));
    return m;
}

#define LINKS "</>;rt=\"oma.lwm2m\";ct=11543,</1/10>,</3/0>,</5/0>"
#define QUERY "ep=" EP "&lt=86400&lwm2m=1.0&b=UQS"

/* Register EP; returns the location id the server gave. */
static unsigned do_register(rig *r, const char *query)
{
    coap_msg m = register_msg(query, LINKS);
    size_t before = r->nresp;
    client_request(r, &m);
    ck_assert_uint_eq(r->nresp, before + 1);
    ck_assert_uint_eq(r->resp[before].code, COAP_CREATED);
    unsigned id = 0;
    ck_assert_int_eq(sscanf(r->resp[before].loc, "/rd/%u", &id), 1);
    return id;
}

/* The events the server reported since the last call: copied out. */
static size_t nev(const rig *r) { return r->out.nev; }
static const lwm2m_srv_event *ev(const rig *r, size_t i)
{
    ck_assert_uint_lt(i, r->out.nev);
    return &r->out.ev[i];
}

/* The last event of a kind, or fail. */
static const lwm2m_srv_event *last_ev(const rig *r, lwm2m_srv_event_kind k)
{
    for (size_t i = r->out.nev; i-- > 0;)
        if (r->out.ev[i].kind == k)
            return &r->out.ev[i];
    ck_abort_msg("no %s event", lwm2m_srv_event_name(k));
    return NULL;
}

static size_t count_ev(const rig *r, lwm2m_srv_event_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < r->out.nev; i++)
        n += r->out.ev[i].kind == k;
    return n;
}

static void clear_events(rig *r)
{
    server_flush(r);
    lwm2m_srv_out_clear(&r->out);
    r->dg_done = 0;
}

static void assert_line(const lwm2m_srv_event *e, const char *want)
{
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(lwm2m_srv_event_format(e, &b), 0);
    bytebuf_append_byte(&b, 0);
    ck_assert_str_eq((char *)b.data, want);
    bytebuf_free(&b);
}

static uint32_t start_op(rig *r, lwm2m_srv_op_kind kind, const char *path, lwm2m_srv_op_req *req_out)
{
    lwm2m_path p;
    ck_assert_int_eq(lwm2m_path_parse(path, strlen(path), &p), 0);
    lwm2m_srv_op_req req;
    if (req_out)
        req = *req_out;
    else
        lwm2m_srv_op_req_init(&req, kind, &p);
    uint32_t op = 0;
    ck_assert_int_eq(lwm2m_server_op(&r->s, r->now, EP, &req, &op, &r->out), 0);
    server_flush(r);
    ck_assert_uint_ne(op, 0);
    return op;
}

static void answer_with(rig *r, uint8_t code, uint32_t cf, const char *body, size_t len)
{
    r->ans_code = code;
    r->ans_cf = cf;
    r->ans_body = body;
    r->ans_len = len;
}

/* ---- the registration interface on the wire ---- */

/* TS §5.3.1: a Register of hand-written bytes (CON POST mid 0x1234, token
 * 0a0b0c0d, Uri-Path rd, four Uri-Query, CF 40, links) gets exactly
 * ACK 2.01 mid 0x1234 token 0a0b0c0d Location-Path "rd" "1". */
START_TEST(register_answer_bytes)
{
    rig r;
    rig_init(&r);
    coap_msg m = register_msg("ep=sara&lt=86400&lwm2m=1.0&b=UQS", "</1/10>,</3/0>");
    m.mid = 0x1234;
    coap_msg_set_token(&m, "\x0a\x0b\x0c\x0d", 4);
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(coap_build(&m, &b), 0);
    ck_assert_int_eq(lwm2m_server_feed(&r.s, r.now, PEER, b.data, b.len, &r.out), 0);
    bytebuf_free(&b);
    ck_assert_uint_eq(r.out.ndg, 1);
    ck_assert_uint_eq(r.out.dg[0].peer, PEER);
    /* 64: ver 1, ACK, tkl 4; 41: 2.01; 1234; token; 82 "rd" (opt 8, len 2); 01 "1" */
    assert_hex(lwm2m_srv_out_data(&r.out, 0), r.out.dg[0].len, "64 41 12 34 0a0b0c0d 82 7264 01 31");
    ck_assert_uint_eq(nev(&r), 1);
    const lwm2m_srv_event *e = ev(&r, 0);
    ck_assert_int_eq(e->kind, LWM2M_SEV_REGISTER);
    ck_assert_str_eq(e->ep, "sara");
    ck_assert_uint_eq(e->reg_id, 1);
    ck_assert_int_eq(e->lifetime, 86400);
    ck_assert_str_eq(e->version, "1.0");
    ck_assert_str_eq(e->binding, "UQS");
    ck_assert_uint_eq(e->body.len, 14);
    assert_line(e, "lwm2m server register ep=sara id=1 lt=86400 lwm2m=1.0 b=UQS len=14");
    const lwm2m_srv_reg *reg = lwm2m_server_find(&r.s, "sara");
    ck_assert_ptr_nonnull(reg);
    ck_assert_uint_eq(reg->links.len, 14);
    ck_assert_int_eq(memcmp(reg->links.data, "</1/10>,</3/0>", 14), 0);
    ck_assert_uint_eq(reg->expires, T0 + S(86400) + LWM2M_SRV_DEFAULT_GRACE);
    /* the same datagram again (its ACK lost): the same answer, no new event */
    lwm2m_srv_out_clear(&r.out);
    bytebuf_init(&b);
    coap_build(&m, &b);
    lwm2m_server_feed(&r.s, r.now + S(2), PEER, b.data, b.len, &r.out);
    bytebuf_free(&b);
    ck_assert_uint_eq(r.out.ndg, 1);
    assert_hex(lwm2m_srv_out_data(&r.out, 0), r.out.dg[0].len, "64 41 12 34 0a0b0c0d 82 7264 01 31");
    ck_assert_uint_eq(nev(&r), 0);
    ck_assert_uint_eq(lwm2m_server_nregs(&r.s), 1);
    rig_free(&r);
}
END_TEST

/* §5.3.1-§5.3.3 through a client endpoint: Register 2.01, Update 2.04
 * (lifetime, binding, new links), De-register 2.02; an Update afterwards
 * is 4.04. */
START_TEST(register_update_deregister)
{
    rig r;
    rig_init(&r);
    unsigned id = do_register(&r, QUERY);
    ck_assert_uint_eq(id, 1);
    ck_assert_int_eq(ev(&r, 0)->kind, LWM2M_SEV_REGISTER);
    clear_events(&r);

    advance(&r, T0 + S(3600));
    coap_msg m;
    coap_msg_init(&m, COAP_CON, COAP_POST);
    coap_msg_add_split(&m, COAP_OPT_URI_PATH, "/rd/1", 5);
    coap_msg_add_split(&m, COAP_OPT_URI_QUERY, "lt=600&b=U", 10);
    coap_msg_add_uint(&m, COAP_OPT_CONTENT_FORMAT, COAP_CF_LINK_FORMAT);
    coap_msg_set_payload(&m, "</1/10>,</5/0>", 14);
    client_request(&r, &m);
    ck_assert_uint_eq(r.resp[r.nresp - 1].code, COAP_CHANGED);
    const lwm2m_srv_event *e = last_ev(&r, LWM2M_SEV_UPDATE);
    assert_line(e, "lwm2m server update ep=" EP " id=1 lt=600 b=U len=14");
    const lwm2m_srv_reg *reg = lwm2m_server_find(&r.s, EP);
    ck_assert_int_eq(reg->lifetime, 600);
    ck_assert_str_eq(reg->binding, "U");
    ck_assert_str_eq(reg->version, "1.0");
    ck_assert_uint_eq(reg->updates, 1);
    ck_assert_int_eq(memcmp(reg->links.data, "</1/10>,</5/0>", 14), 0);
    ck_assert_uint_eq(reg->expires, T0 + S(3600) + S(600) + LWM2M_SRV_DEFAULT_GRACE);
    clear_events(&r);

    /* an Update with nothing: 2.04, the links stay */
    ck_assert_uint_eq(rd_request(&r, COAP_POST, "/rd/1"), COAP_CHANGED);
    assert_line(last_ev(&r, LWM2M_SEV_UPDATE), "lwm2m server update ep=" EP " id=1");
    ck_assert_uint_eq(lwm2m_server_find(&r.s, EP)->links.len, 14);
    clear_events(&r);

    ck_assert_uint_eq(rd_request(&r, COAP_DELETE, "/rd/1"), COAP_DELETED);
    assert_line(last_ev(&r, LWM2M_SEV_DEREGISTER), "lwm2m server deregister ep=" EP " id=1");
    ck_assert_ptr_null(lwm2m_server_find(&r.s, EP));
    ck_assert_uint_eq(lwm2m_server_nregs(&r.s), 0);
    clear_events(&r);

    ck_assert_uint_eq(rd_request(&r, COAP_POST, "/rd/1"), COAP_NOT_FOUND);
    assert_line(last_ev(&r, LWM2M_SEV_REJECTED), "lwm2m server rejected req=update id=1 code=4.04 reason=unknown_id");
    ck_assert_uint_eq(rd_request(&r, COAP_DELETE, "/rd/1"), COAP_NOT_FOUND);
    rig_free(&r);
}
END_TEST

/* Bad registration requests: no ep (4.00), a bad lifetime (4.00), links
 * that do not parse (4.00), another content format (4.15), a path the
 * server does not serve (4.04), a method /rd does not allow (4.05). */
START_TEST(register_rejections)
{
    rig r;
    rig_init(&r);
    struct {
        const char *query, *links;
        uint8_t code;
        const char *line;
    } cases[] = {
        { "lt=60&b=U", LINKS, COAP_BAD_REQUEST, "lwm2m server rejected req=register code=4.00 reason=no_ep" },
        { "ep=a&lt=0", LINKS, COAP_BAD_REQUEST, "lwm2m server rejected req=register ep=a code=4.00 reason=bad_lt" },
        { "ep=a&lt=x", LINKS, COAP_BAD_REQUEST, "lwm2m server rejected req=register ep=a code=4.00 reason=bad_lt" },
        { "ep=a", "</1/10", COAP_BAD_REQUEST,
          "lwm2m server rejected req=register ep=a code=4.00 reason=bad_links" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        clear_events(&r);
        coap_msg m = register_msg(cases[i].query, cases[i].links);
        client_request(&r, &m);
        ck_assert_uint_eq(r.resp[r.nresp - 1].code, cases[i].code);
        assert_line(last_ev(&r, LWM2M_SEV_REJECTED), cases[i].line);
    }
    clear_events(&r);
    coap_msg m = register_msg("ep=a", LINKS);
    coap_msg_set_uint(&m, COAP_OPT_CONTENT_FORMAT, COAP_CF_JSON);
    client_request(&r, &m);
    ck_assert_uint_eq(r.resp[r.nresp - 1].code, COAP_UNSUPPORTED_CONTENT_FORMAT);
    ck_assert_uint_eq(rd_request(&r, COAP_GET, "/bs"), COAP_NOT_FOUND);
    assert_line(last_ev(&r, LWM2M_SEV_REJECTED), "lwm2m server rejected req=other code=4.04 reason=path");
    ck_assert_uint_eq(rd_request(&r, COAP_GET, "/rd"), COAP_METHOD_NOT_ALLOWED);
    ck_assert_uint_eq(rd_request(&r, COAP_PUT, "/rd/1"), COAP_METHOD_NOT_ALLOWED);
    ck_assert_uint_eq(lwm2m_server_nregs(&r.s), 0);
    /* no object links at all: tolerated (the TS wants them; tests of broken clients want an answer) */
    m = register_msg("ep=bare", "");
    client_request(&r, &m);
    ck_assert_uint_eq(r.resp[r.nresp - 1].code, COAP_CREATED);
    assert_line(last_ev(&r, LWM2M_SEV_REGISTER), "lwm2m server register ep=bare id=1 lt=86400 lwm2m=1.0 b=U len=0");
    rig_free(&r);
}
END_TEST

/* A 1.3 kB registration payload in 1024-byte Block1 blocks (the client
 * sends Block1 past 1024 bytes): 2.31 for block 0, 2.01 with Block1 echoed
 * for block 1, and the whole payload on record. */
START_TEST(register_block1_1300_bytes)
{
    rig r;
    rig_init(&r);
    char links[1400];
    size_t n = 0;
    n += (size_t)snprintf(links + n, sizeof(links) - n, "</>;rt=\"oma.lwm2m\";ct=11543");
    for (unsigned i = 0; n < 1290; i++)
        n += (size_t)snprintf(links + n, sizeof(links) - n, ",</%u/0>", 30000 + i);
    ck_assert_uint_gt(n, 1290);
    coap_b1_up up;
    coap_b1_up_init(&up, links, n, 6);
    coap_msg m = register_msg(QUERY, "");
    int blocks = 0;
    for (;;) {
        coap_msg req = m;
        ck_assert_int_eq(coap_b1_up_fill(&up, &req), 0);
        size_t before = r.nresp;
        client_request(&r, &req);
        ck_assert_uint_eq(r.nresp, before + 1);
        blocks++;
        coap_msg resp;
        coap_msg_init(&resp, COAP_ACK, r.resp[before].code);
        if (r.resp[before].has_block1)
            coap_msg_set_block(&resp, COAP_OPT_BLOCK1, &r.resp[before].block1);
        int rc = coap_b1_up_response(&up, &resp);
        if (rc == 1) {
            ck_assert_uint_eq(r.resp[before].code, COAP_CONTINUE);
            ck_assert_uint_eq(nev(&r), 0); /* nothing happens before the last block */
            continue;
        }
        ck_assert_int_eq(rc, 0);
        ck_assert_uint_eq(r.resp[before].code, COAP_CREATED);
        ck_assert_str_eq(r.resp[before].loc, "/rd/1");
        ck_assert(r.resp[before].has_block1);
        ck_assert_uint_eq(r.resp[before].block1.num, 1);
        ck_assert_uint_eq(r.resp[before].block1.more, 0);
        break;
    }
    ck_assert_int_eq(blocks, 2);
    const lwm2m_srv_event *e = last_ev(&r, LWM2M_SEV_REGISTER);
    ck_assert_uint_eq(e->body.len, n);
    ck_assert_int_eq(memcmp(e->body.data, links, n), 0);
    const lwm2m_srv_reg *reg = lwm2m_server_find(&r.s, EP);
    ck_assert_uint_eq(reg->links.len, n);
    rig_free(&r);
}
END_TEST

/* A registration expires lifetime + grace after its last Register or
 * Update; the deadline says when. */
START_TEST(registration_expires_after_lifetime_and_grace)
{
    rig r;
    rig_init(&r);
    do_register(&r, "ep=" EP "&lt=60");
    ck_assert_uint_eq(lwm2m_server_next_deadline(&r.s), T0 + S(60) + S(93));
    clear_events(&r);
    /* an Update at 50 s moves it */
    advance(&r, T0 + S(50));
    rd_request(&r, COAP_POST, "/rd/1");
    ck_assert_uint_eq(lwm2m_server_next_deadline(&r.s), T0 + S(50) + S(153));
    clear_events(&r);
    advance(&r, T0 + S(50) + S(153) - 1);
    ck_assert_uint_eq(count_ev(&r, LWM2M_SEV_EXPIRED), 0);
    ck_assert_ptr_nonnull(lwm2m_server_find(&r.s, EP));
    advance(&r, T0 + S(50) + S(153));
    assert_line(last_ev(&r, LWM2M_SEV_EXPIRED), "lwm2m server expired ep=" EP " id=1 lt=60");
    ck_assert_ptr_null(lwm2m_server_find(&r.s, EP));
    ck_assert_uint_eq(lwm2m_server_next_deadline(&r.s), LWM2M_SRV_NEVER);
    /* the client's next Update: 4.04 */
    ck_assert_uint_eq(rd_request(&r, COAP_POST, "/rd/1"), COAP_NOT_FOUND);
    rig_free(&r);

    /* the grace is the caller's choice */
    lwm2m_server_config c;
    lwm2m_server_config_default(&c);
    c.grace = 0;
    rig_init_cfg(&r, &c);
    do_register(&r, "ep=" EP "&lt=60");
    advance(&r, T0 + S(60));
    ck_assert_uint_eq(count_ev(&r, LWM2M_SEV_EXPIRED), 1);
    rig_free(&r);
}
END_TEST

/* A Register from an endpoint already registered replaces it: a new
 * location, the old one is 4.04. */
START_TEST(register_again_replaces)
{
    rig r;
    rig_init(&r);
    ck_assert_uint_eq(do_register(&r, QUERY), 1);
    clear_events(&r);
    ck_assert_uint_eq(do_register(&r, QUERY), 2);
    const lwm2m_srv_event *e = last_ev(&r, LWM2M_SEV_REGISTER);
    ck_assert(e->replaced);
    assert_line(e, "lwm2m server register ep=" EP " id=2 lt=86400 lwm2m=1.0 b=UQS len=49 replaced=1");
    ck_assert_uint_eq(lwm2m_server_nregs(&r.s), 1);
    ck_assert_uint_eq(rd_request(&r, COAP_POST, "/rd/1"), COAP_NOT_FOUND);
    ck_assert_uint_eq(rd_request(&r, COAP_POST, "/rd/2"), COAP_CHANGED);
    rig_free(&r);
}
END_TEST

/* ---- operations ---- */

/* TS §5.4.1 Read of /3/0 in TLV (the client's answer hand-made: the Device
 * object example of TS §6.4.3.1, first resources), values typed. */
START_TEST(read_tlv_typed)
{
    rig r;
    rig_init(&r);
    do_register(&r, QUERY);
    clear_events(&r);
    /* 0: "Open Mobile Alliance"; 1: "Lightweight M2M Client"; 6: [1, 5]; 13: 0x5182428F */
    static const char tlv[] = "\xc8\x00\x14Open Mobile Alliance"
                              "\xc8\x01\x16Lightweight M2M Client"
                              "\x86\x06\x41\x00\x01\x41\x01\x05"
                              "\xc4\x0d\x51\x82\x42\x8f";
    answer_with(&r, COAP_CONTENT, COAP_CF_LWM2M_TLV, tlv, sizeof(tlv) - 1);
    lwm2m_path p = lwm2m_path_oi(3, 0);
    lwm2m_srv_op_req req;
    lwm2m_srv_op_req_init(&req, LWM2M_SOP_READ, &p);
    req.accept = LWM2M_CF_TLV;
    uint32_t op = start_op(&r, LWM2M_SOP_READ, "/3/0", &req);
    ck_assert_uint_eq(r.nreq, 1);
    ck_assert_uint_eq(r.req[0].code, COAP_GET);
    ck_assert_str_eq(r.req[0].path, "/3/0");
    ck_assert_int_eq(r.req[0].accept, LWM2M_CF_TLV);
    ck_assert_int_eq(r.req[0].observe, -1);
    const lwm2m_srv_event *e = last_ev(&r, LWM2M_SEV_RESPONSE);
    ck_assert_uint_eq(e->op, op);
    ck_assert_uint_eq(e->code, COAP_CONTENT);
    ck_assert_int_eq(e->decode_err, 0);
    ck_assert_uint_eq(e->values.len, 5);
    lwm2m_path p0 = lwm2m_path_oir(3, 0, 0), p13 = lwm2m_path_oir(3, 0, 13), p61 = lwm2m_path_oiri(3, 0, 6, 1);
    const lwm2m_entry *en = lwm2m_list_find(&e->values, &p0);
    ck_assert_int_eq(en->value.type, LWM2M_T_STRING);
    ck_assert_str_eq((const char *)en->value.v.bytes.p, "Open Mobile Alliance");
    en = lwm2m_list_find(&e->values, &p13);
    ck_assert_int_eq(en->value.type, LWM2M_T_TIME);
    ck_assert_int_eq(en->value.v.i, 0x5182428F);
    en = lwm2m_list_find(&e->values, &p61);
    ck_assert_int_eq(en->value.type, LWM2M_T_INTEGER);
    ck_assert_int_eq(en->value.v.i, 5);
    char line[160];
    snprintf(line, sizeof(line), "lwm2m server response op=%u kind=read ep=" EP " path=/3/0 code=2.05 cf=11542 n=5",
             (unsigned)op);
    assert_line(e, line);
    rig_free(&r);

    /* without types, TLV values stay opaque bytes */
    lwm2m_server_config c;
    lwm2m_server_config_default(&c);
    c.types = NULL;
    rig_init_cfg(&r, &c);
    do_register(&r, QUERY);
    answer_with(&r, COAP_CONTENT, COAP_CF_LWM2M_TLV, tlv, sizeof(tlv) - 1);
    start_op(&r, LWM2M_SOP_READ, "/3/0", NULL);
    e = last_ev(&r, LWM2M_SEV_RESPONSE);
    ck_assert_uint_eq(e->values.len, 5);
    en = lwm2m_list_find(&e->values, &p13);
    ck_assert_int_eq(en->value.type, LWM2M_T_OPAQUE);
    ck_assert_uint_eq(en->value.v.bytes.len, 4);
    rig_free(&r);
}
END_TEST

/* A Read answered in OMA JSON (CF 11543), values coerced to the types of
 * the OMA definitions, a resource they do not define kept as written. */
START_TEST(read_json_typed)
{
    rig r;
    rig_init(&r);
    do_register(&r, QUERY);
    clear_events(&r);
    static const char json[] = "{\"bn\":\"/1/10/\",\"e\":[{\"n\":\"0\",\"v\":721},{\"n\":\"1\",\"v\":86400},"
                               "{\"n\":\"7\",\"sv\":\"UQS\"},{\"n\":\"999\",\"v\":3}]}";
    answer_with(&r, COAP_CONTENT, COAP_CF_LWM2M_JSON, json, sizeof(json) - 1);
    lwm2m_path p = lwm2m_path_oi(1, 10);
    lwm2m_srv_op_req req;
    lwm2m_srv_op_req_init(&req, LWM2M_SOP_READ, &p);
    req.accept = LWM2M_CF_JSON;
    start_op(&r, LWM2M_SOP_READ, "/1/10", &req);
    ck_assert_int_eq(r.req[0].accept, LWM2M_CF_JSON);
    const lwm2m_srv_event *e = last_ev(&r, LWM2M_SEV_RESPONSE);
    ck_assert_int_eq(e->decode_err, 0);
    ck_assert_uint_eq(e->values.len, 4);
    ck_assert_int_eq(e->values.items[1].value.type, LWM2M_T_INTEGER);
    ck_assert_int_eq(e->values.items[1].value.v.i, 86400);
    ck_assert_int_eq(e->values.items[2].value.type, LWM2M_T_STRING);
    ck_assert_int_eq(e->values.items[3].value.type, LWM2M_T_INTEGER); /* untyped: as written */
    rig_free(&r);
}
END_TEST

/* text/plain of one resource, typed by the resolver; opaque (42); a
 * payload that does not decode is reported, not fatal. */
START_TEST(read_text_opaque_and_bad_payloads)
{
    rig r;
    rig_init(&r);
    do_register(&r, QUERY);
    clear_events(&r);
    answer_with(&r, COAP_CONTENT, COAP_CF_TEXT_PLAIN, "3600", 4);
    uint32_t op = start_op(&r, LWM2M_SOP_READ, "/1/10/1", NULL);
    const lwm2m_srv_event *e = last_ev(&r, LWM2M_SEV_RESPONSE);
    ck_assert_uint_eq(e->values.len, 1);
    ck_assert_int_eq(e->values.items[0].value.type, LWM2M_T_INTEGER);
    ck_assert_int_eq(e->values.items[0].value.v.i, 3600);
    char line[160];
    snprintf(line, sizeof(line),
             "lwm2m server response op=%u kind=read ep=" EP " path=/1/10/1 code=2.05 cf=0 n=1 value=3600",
             (unsigned)op);
    assert_line(e, line);
    clear_events(&r);

    /* a string with a blank and '=' is escaped in the line */
    answer_with(&r, COAP_CONTENT, COAP_CF_TEXT_PLAIN, "u-blox AG=1", 11);
    op = start_op(&r, LWM2M_SOP_READ, "/3/0/0", NULL);
    snprintf(line, sizeof(line),
             "lwm2m server response op=%u kind=read ep=" EP " path=/3/0/0 code=2.05 cf=0 n=1 value=u-blox%%20AG%%3D1",
             (unsigned)op);
    assert_line(last_ev(&r, LWM2M_SEV_RESPONSE), line);
    clear_events(&r);

    answer_with(&r, COAP_CONTENT, COAP_CF_OCTET_STREAM, "\x01\x02", 2);
    start_op(&r, LWM2M_SOP_READ, "/5/0/0", NULL);
    e = last_ev(&r, LWM2M_SEV_RESPONSE);
    ck_assert_int_eq(e->values.items[0].value.type, LWM2M_T_OPAQUE);
    clear_events(&r);

    answer_with(&r, COAP_CONTENT, COAP_CF_TEXT_PLAIN, "abc", 3); /* not an integer */
    op = start_op(&r, LWM2M_SOP_READ, "/1/10/1", NULL);
    e = last_ev(&r, LWM2M_SEV_RESPONSE);
    ck_assert_int_ne(e->decode_err, 0);
    ck_assert_uint_eq(e->values.len, 0);
    ck_assert_uint_eq(e->body.len, 3);
    snprintf(line, sizeof(line),
             "lwm2m server response op=%u kind=read ep=" EP " path=/1/10/1 code=2.05 cf=0 n=0 error=format",
             (unsigned)op);
    assert_line(e, line);
    clear_events(&r);

    answer_with(&r, COAP_NOT_FOUND, UINT32_MAX, NULL, 0);
    op = start_op(&r, LWM2M_SOP_READ, "/3/7", NULL);
    snprintf(line, sizeof(line), "lwm2m server response op=%u kind=read ep=" EP " path=/3/7 code=4.04",
             (unsigned)op);
    assert_line(last_ev(&r, LWM2M_SEV_RESPONSE), line);
    rig_free(&r);
}
END_TEST

static void one_value(lwm2m_list *l, const char *path, lwm2m_value v)
{
    lwm2m_path p;
    ck_assert_int_eq(lwm2m_path_parse(path, strlen(path), &p), 0);
    ck_assert_int_eq(lwm2m_list_add(l, &p, &v), 0);
}

/* Write: PUT /1/10/1 in TLV (c2 01 0e10: 3600), in text/plain ("3600"),
 * a partial update POST of an instance in TLV, and JSON. */
START_TEST(write_tlv_text_partial_json)
{
    rig r;
    rig_init(&r);
    do_register(&r, QUERY);
    clear_events(&r);
    answer_with(&r, COAP_CHANGED, UINT32_MAX, NULL, 0);
    lwm2m_list l;
    lwm2m_list_init(&l);
    one_value(&l, "/1/10/1", lwm2m_v_int(3600));
    lwm2m_path p = lwm2m_path_oir(1, 10, 1);
    lwm2m_srv_op_req req;
    lwm2m_srv_op_req_init(&req, LWM2M_SOP_WRITE, &p);
    req.values = &l;
    uint32_t op = start_op(&r, LWM2M_SOP_WRITE, "/1/10/1", &req);
    ck_assert_uint_eq(r.req[0].code, COAP_PUT);
    ck_assert_str_eq(r.req[0].path, "/1/10/1");
    ck_assert_int_eq(r.req[0].cf, LWM2M_CF_TLV);
    assert_hex(r.req[0].payload, r.req[0].plen, "c2 01 0e10");
    char line[160];
    snprintf(line, sizeof(line), "lwm2m server response op=%u kind=write ep=" EP " path=/1/10/1 code=2.04",
             (unsigned)op);
    assert_line(last_ev(&r, LWM2M_SEV_RESPONSE), line);

    req.format = LWM2M_CF_TEXT;
    start_op(&r, LWM2M_SOP_WRITE, "/1/10/1", &req);
    ck_assert_int_eq(r.req[1].cf, LWM2M_CF_TEXT);
    assert_hex(r.req[1].payload, r.req[1].plen, "33363030");

    lwm2m_list_clear(&l);
    one_value(&l, "/1/10/1", lwm2m_v_int(60));
    one_value(&l, "/1/10/7", lwm2m_v_str("UQ"));
    p = lwm2m_path_oi(1, 10);
    lwm2m_srv_op_req_init(&req, LWM2M_SOP_WRITE, &p);
    req.values = &l;
    req.partial = true;
    start_op(&r, LWM2M_SOP_WRITE, "/1/10", &req);
    ck_assert_uint_eq(r.req[2].code, COAP_POST);
    ck_assert_str_eq(r.req[2].path, "/1/10");
    assert_hex(r.req[2].payload, r.req[2].plen, "c1 01 3c c2 07 5551");

    req.partial = false;
    req.format = LWM2M_CF_JSON;
    start_op(&r, LWM2M_SOP_WRITE, "/1/10", &req);
    ck_assert_uint_eq(r.req[3].code, COAP_PUT);
    ck_assert_int_eq(r.req[3].cf, LWM2M_CF_JSON);
    r.req[3].payload[r.req[3].plen] = 0;
    ck_assert_str_eq((char *)r.req[3].payload, "{\"bn\":\"/1/10/\",\"e\":[{\"n\":\"1\",\"v\":60},{\"n\":\"7\",\"sv\":\"UQ\"}]}");

    /* what cannot be built */
    uint32_t id;
    req.format = LWM2M_CF_TEXT; /* two values in text */
    ck_assert_int_eq(lwm2m_server_op(&r.s, r.now, EP, &req, &id, &r.out), -EINVAL);
    req.format = LWM2M_CF_TLV;
    p = lwm2m_path_oi(1, 11); /* values outside the path */
    req.path = p;
    ck_assert_int_eq(lwm2m_server_op(&r.s, r.now, EP, &req, &id, &r.out), -EINVAL);
    req.values = NULL;
    ck_assert_int_eq(lwm2m_server_op(&r.s, r.now, EP, &req, &id, &r.out), -EINVAL);
    lwm2m_list_free(&l);
    rig_free(&r);
}
END_TEST

/* Execute (POST with arguments), Discover (GET Accept 40), and
 * Write-Attributes (PUT ?pmin=1&pmax=30, a name alone removes). */
START_TEST(execute_discover_attributes)
{
    rig r;
    rig_init(&r);
    do_register(&r, QUERY);
    clear_events(&r);
    answer_with(&r, COAP_CHANGED, UINT32_MAX, NULL, 0);
    lwm2m_path p = lwm2m_path_oir(5, 0, 2);
    lwm2m_srv_op_req req;
    lwm2m_srv_op_req_init(&req, LWM2M_SOP_EXECUTE, &p);
    req.args = "0='x'";
    req.args_len = 5;
    uint32_t op = start_op(&r, LWM2M_SOP_EXECUTE, "/5/0/2", &req);
    ck_assert_uint_eq(r.req[0].code, COAP_POST);
    ck_assert_str_eq(r.req[0].path, "/5/0/2");
    ck_assert_int_eq(r.req[0].cf, -1);
    assert_hex(r.req[0].payload, r.req[0].plen, "303d277827");
    char line[200];
    snprintf(line, sizeof(line), "lwm2m server response op=%u kind=execute ep=" EP " path=/5/0/2 code=2.04",
             (unsigned)op);
    assert_line(last_ev(&r, LWM2M_SEV_RESPONSE), line);
    p = lwm2m_path_oi(5, 0);
    req.path = p; /* not a resource */
    ck_assert_int_eq(lwm2m_server_op(&r.s, r.now, EP, &req, &op, &r.out), -EINVAL);
    clear_events(&r);

    static const char links[] = "</3/0>;pmin=10,</3/0/1>,</3/0/6>;dim=2";
    answer_with(&r, COAP_CONTENT, COAP_CF_LINK_FORMAT, links, sizeof(links) - 1);
    op = start_op(&r, LWM2M_SOP_DISCOVER, "/3/0", NULL);
    ck_assert_uint_eq(r.req[1].code, COAP_GET);
    ck_assert_int_eq(r.req[1].accept, COAP_CF_LINK_FORMAT);
    const lwm2m_srv_event *e = last_ev(&r, LWM2M_SEV_RESPONSE);
    ck_assert_int_eq(e->decode_err, 0);
    ck_assert_uint_eq(e->body.len, sizeof(links) - 1);
    snprintf(line, sizeof(line), "lwm2m server response op=%u kind=discover ep=" EP " path=/3/0 code=2.05 cf=40 len=38",
             (unsigned)op);
    assert_line(e, line);
    clear_events(&r);

    answer_with(&r, COAP_CHANGED, UINT32_MAX, NULL, 0);
    p = lwm2m_path_oir(5, 0, 3);
    lwm2m_srv_op_req_init(&req, LWM2M_SOP_ATTRIBUTES, &p);
    req.attrs.set = LWM2M_ATTR_PMIN | LWM2M_ATTR_PMAX;
    req.attrs.pmin = 1;
    req.attrs.pmax = 30;
    req.attrs.clear = LWM2M_ATTR_GT;
    start_op(&r, LWM2M_SOP_ATTRIBUTES, "/5/0/3", &req);
    ck_assert_uint_eq(r.req[2].code, COAP_PUT);
    ck_assert_str_eq(r.req[2].path, "/5/0/3");
    ck_assert_str_eq(r.req[2].query, "pmin=1&pmax=30&gt");
    ck_assert_uint_eq(r.req[2].plen, 0);
    lwm2m_srv_op_req_init(&req, LWM2M_SOP_ATTRIBUTES, &p); /* nothing to write */
    ck_assert_int_eq(lwm2m_server_op(&r.s, r.now, EP, &req, &op, &r.out), -EINVAL);
    rig_free(&r);
}
END_TEST

/* Operations go one at a time (NSTART 1): a second Read waits for the
 * first's answer; an unknown endpoint is -ENOENT; an unanswered request
 * ends with reason timeout after the CoAP retransmissions. */
START_TEST(nstart_queue_unknown_ep_and_timeout)
{
    rig r;
    rig_init(&r);
    do_register(&r, QUERY);
    clear_events(&r);
    r.answer = NULL; /* the client holds its answers */
    uint32_t a = start_op(&r, LWM2M_SOP_READ, "/3/0/0", NULL);
    uint32_t b = start_op(&r, LWM2M_SOP_READ, "/3/0/1", NULL);
    ck_assert_uint_ne(a, b);
    ck_assert_uint_eq(r.nreq, 1); /* the second waits */
    coap_msg resp;
    coap_msg_init(&resp, COAP_ACK, COAP_CONTENT);
    coap_msg_add_uint(&resp, COAP_OPT_CONTENT_FORMAT, 0);
    coap_msg_set_payload(&resp, "u-blox", 6);
    ck_assert_int_eq(coap_ep_respond(&r.cl, r.now, r.req[0].xid, &resp, NULL, &r.co), 0);
    client_flush(&r);
    ck_assert_uint_eq(r.nreq, 2);
    ck_assert_str_eq(r.req[1].path, "/3/0/1");
    ck_assert_uint_eq(last_ev(&r, LWM2M_SEV_RESPONSE)->op, a);
    clear_events(&r);

    /* the second is never answered and its ACKs are lost */
    r.drop_to_server = 100;
    advance(&r, r.now + S(120));
    const lwm2m_srv_event *e = last_ev(&r, LWM2M_SEV_RESPONSE);
    ck_assert_uint_eq(e->op, b);
    ck_assert_uint_eq(e->code, 0);
    ck_assert_str_eq(e->reason, "timeout");
    char line[200];
    snprintf(line, sizeof(line), "lwm2m server response op=%u kind=read ep=" EP " path=/3/0/1 code=none reason=timeout",
             (unsigned)b);
    assert_line(e, line);

    lwm2m_path p = lwm2m_path_oi(3, 0);
    lwm2m_srv_op_req req;
    lwm2m_srv_op_req_init(&req, LWM2M_SOP_READ, &p);
    ck_assert_int_eq(lwm2m_server_op(&r.s, r.now, "nobody", &req, NULL, &r.out), -ENOENT);
    lwm2m_srv_op_req_init(&req, LWM2M_SOP_CANCEL, &p);
    ck_assert_int_eq(lwm2m_server_op(&r.s, r.now, EP, &req, NULL, &r.out), -ENOENT);
    rig_free(&r);
}
END_TEST

/* A CON notification from the client, token and sequence given. */
static void notify(rig *r, const creq *obs, uint32_t seq, const char *text, coap_type type)
{
    coap_msg m;
    coap_msg_init(&m, type, COAP_CONTENT);
    coap_msg_set_token(&m, obs->token, obs->tkl);
    coap_msg_add_uint(&m, COAP_OPT_OBSERVE, seq);
    coap_msg_add_uint(&m, COAP_OPT_CONTENT_FORMAT, COAP_CF_TEXT_PLAIN);
    coap_msg_set_payload(&m, text, strlen(text));
    ck_assert_int_eq(coap_ep_send(&r->cl, r->now, &m, NULL, &r->co), 0);
    client_flush(r);
}

/* Observe /5/0/3, the client answering state 0 with Observe 0. */
static uint32_t observe_state(rig *r)
{
    answer_with(r, COAP_CONTENT, COAP_CF_TEXT_PLAIN, "0", 1);
    r->ans_observe = 0;
    return start_op(r, LWM2M_SOP_OBSERVE, "/5/0/3", NULL);
}

/* RFC 7641 / TS §5.5: Observe /5/0/3 (the answer with Observe 0 and the
 * state), CON notifications acknowledged and reported with their values and
 * sequence, then cancelled with GET Observe=1 and the same token. */
START_TEST(observe_notify_cancel)
{
    rig r;
    rig_init(&r);
    do_register(&r, QUERY);
    clear_events(&r);
    uint32_t op = observe_state(&r);
    ck_assert_uint_eq(r.req[0].code, COAP_GET);
    ck_assert_int_eq(r.req[0].observe, 0);
    ck_assert_uint_eq(r.req[0].tkl, 4);
    const lwm2m_srv_event *e = last_ev(&r, LWM2M_SEV_RESPONSE);
    ck_assert(e->observing);
    char line[200];
    snprintf(line, sizeof(line),
             "lwm2m server response op=%u kind=observe ep=" EP " path=/5/0/3 code=2.05 seq=0 observing=1 cf=0 n=1 value=0",
             (unsigned)op);
    assert_line(e, line);
    clear_events(&r);

    advance(&r, r.now + S(10));
    unsigned acks_before = r.to_client;
    notify(&r, &r.req[0], 1, "1", COAP_CON);
    ck_assert_uint_eq(r.to_client, acks_before + 1); /* the ACK */
    e = last_ev(&r, LWM2M_SEV_NOTIFY);
    ck_assert_uint_eq(e->op, op);
    ck_assert_uint_eq(e->seq, 1);
    ck_assert_int_eq(e->values.items[0].value.v.i, 1);
    snprintf(line, sizeof(line), "lwm2m server notify op=%u kind=observe ep=" EP " path=/5/0/3 code=2.05 seq=1 cf=0 n=1 value=1",
             (unsigned)op);
    assert_line(e, line);
    notify(&r, &r.req[0], 2, "2", COAP_NON);
    ck_assert_uint_eq(last_ev(&r, LWM2M_SEV_NOTIFY)->seq, 2);
    ck_assert_uint_eq(count_ev(&r, LWM2M_SEV_NOTIFY), 2);
    clear_events(&r);

    answer_with(&r, COAP_CONTENT, COAP_CF_TEXT_PLAIN, "2", 1);
    r.ans_observe = -1;
    uint32_t cop = start_op(&r, LWM2M_SOP_CANCEL, "/5/0/3", NULL);
    ck_assert_uint_eq(r.nreq, 2);
    ck_assert_int_eq(r.req[1].observe, 1);
    ck_assert_uint_eq(r.req[1].tkl, 4);
    ck_assert_int_eq(memcmp(r.req[1].token, r.req[0].token, 4), 0);
    snprintf(line, sizeof(line), "lwm2m server request op=%u kind=cancel ep=" EP " path=/5/0/3", (unsigned)cop);
    assert_line(ev(&r, 0), line); /* the cancel starts, the observation ends, the answer comes */
    snprintf(line, sizeof(line), "lwm2m server unobserved op=%u kind=observe ep=" EP " path=/5/0/3 reason=cancelled",
             (unsigned)op);
    assert_line(ev(&r, 1), line);
    e = last_ev(&r, LWM2M_SEV_RESPONSE);
    ck_assert_uint_eq(e->op, cop);
    ck_assert_int_eq(e->values.items[0].value.v.i, 2);
    clear_events(&r);
    /* a late notification: RST, no event */
    unsigned n = r.to_client;
    notify(&r, &r.req[0], 3, "3", COAP_CON);
    ck_assert_uint_eq(r.to_client, n + 1);
    ck_assert_uint_eq(r.last_to_client[0] >> 4 & 3, COAP_RST);
    ck_assert_uint_eq(count_ev(&r, LWM2M_SEV_NOTIFY), 0);
    rig_free(&r);
}
END_TEST

/* Reactive cancellation (RFC 7641 §3.6): the observation is forgotten at
 * once and the client's next CON notification gets RST; a De-register ends
 * observations too; a notification with an error code ends one. */
START_TEST(observe_reactive_cancel_and_endings)
{
    rig r;
    rig_init(&r);
    do_register(&r, QUERY);
    uint32_t op = observe_state(&r);
    clear_events(&r);
    lwm2m_path p = lwm2m_path_oir(5, 0, 3);
    lwm2m_srv_op_req req;
    lwm2m_srv_op_req_init(&req, LWM2M_SOP_CANCEL, &p);
    req.reactive = true;
    uint32_t cop;
    ck_assert_int_eq(lwm2m_server_op(&r.s, r.now, EP, &req, &cop, &r.out), 0);
    ck_assert_uint_eq(r.nreq, 1); /* nothing sent */
    ck_assert_uint_eq(count_ev(&r, LWM2M_SEV_UNOBSERVED), 1);
    const lwm2m_srv_event *e = last_ev(&r, LWM2M_SEV_RESPONSE);
    ck_assert_uint_eq(e->op, cop);
    ck_assert_str_eq(e->reason, "reactive");
    clear_events(&r);
    notify(&r, &r.req[0], 1, "1", COAP_CON);
    ck_assert_uint_eq(r.last_to_client[0] >> 4 & 3, COAP_RST);
    ck_assert_uint_eq(count_ev(&r, LWM2M_SEV_NOTIFY), 0);

    /* a new observation ends with a De-register */
    op = start_op(&r, LWM2M_SOP_OBSERVE, "/5/0/5", NULL);
    clear_events(&r);
    coap_msg m;
    rd_request(&r, COAP_DELETE, "/rd/1");
    ck_assert_int_eq(ev(&r, 0)->kind, LWM2M_SEV_DEREGISTER);
    e = last_ev(&r, LWM2M_SEV_UNOBSERVED);
    ck_assert_uint_eq(e->op, op);
    ck_assert_str_eq(e->reason, "deregistered");

    /* and one with a 4.04 notification */
    do_register(&r, QUERY);
    op = start_op(&r, LWM2M_SOP_OBSERVE, "/3/0/9", NULL);
    clear_events(&r);
    coap_msg_init(&m, COAP_CON, COAP_NOT_FOUND);
    coap_msg_set_token(&m, r.req[r.nreq - 1].token, r.req[r.nreq - 1].tkl);
    ck_assert_int_eq(coap_ep_send(&r.cl, r.now, &m, NULL, &r.co), 0);
    client_flush(&r);
    ck_assert_uint_eq(last_ev(&r, LWM2M_SEV_NOTIFY)->code, COAP_NOT_FOUND);
    e = last_ev(&r, LWM2M_SEV_UNOBSERVED);
    ck_assert_uint_eq(e->op, op);
    ck_assert_str_eq(e->reason, "client");
    rig_free(&r);
}
END_TEST

/* ---- faults ---- */

/* reply: the next N registration requests get the code (no state change),
 * then the server answers normally again; reply_to narrows the kinds. */
START_TEST(fault_reply_code)
{
    rig r;
    rig_init(&r);
    lwm2m_srv_faults f = { 0 };
    f.reply_count = 2;
    f.reply_code = COAP_SERVICE_UNAVAILABLE;
    lwm2m_server_set_faults(&r.s, &f);
    for (int i = 0; i < 2; i++) {
        coap_msg m = register_msg(QUERY, LINKS);
        client_request(&r, &m);
        ck_assert_uint_eq(r.resp[r.nresp - 1].code, COAP_SERVICE_UNAVAILABLE);
        assert_line(last_ev(&r, LWM2M_SEV_REJECTED),
                    "lwm2m server rejected req=register ep=" EP " code=5.03 reason=fault");
    }
    ck_assert_uint_eq(lwm2m_server_nregs(&r.s), 0);
    ck_assert_uint_eq(lwm2m_server_faults(&r.s)->reply_count, 0);
    ck_assert_uint_eq(do_register(&r, QUERY), 1);

    f.reply_count = 1;
    f.reply_code = COAP_FORBIDDEN;
    f.reply_to = LWM2M_REQ_DEREGISTER;
    lwm2m_server_set_faults(&r.s, &f);
    rd_request(&r, COAP_POST, "/rd/1");
    ck_assert_uint_eq(r.resp[r.nresp - 1].code, COAP_CHANGED); /* not an update fault */
    ck_assert_uint_eq(rd_request(&r, COAP_DELETE, "/rd/1"), COAP_FORBIDDEN);
    assert_line(last_ev(&r, LWM2M_SEV_REJECTED),
                "lwm2m server rejected req=deregister ep=" EP " id=1 code=4.03 reason=fault");
    ck_assert_ptr_nonnull(lwm2m_server_find(&r.s, EP));
    rig_free(&r);
}
END_TEST

/* restart: registrations, observations and CoAP state forgotten; the
 * client's next Update is 4.04, and the new endpoint's message ids are not
 * the old ones (the client would take them for duplicates). */
START_TEST(fault_restart)
{
    rig r;
    rig_init(&r);
    do_register(&r, QUERY);
    observe_state(&r);
    clear_events(&r);
    lwm2m_server_restart(&r.s, r.now, &r.out);
    assert_line(last_ev(&r, LWM2M_SEV_RESTART), "lwm2m server restart registrations=1");
    ck_assert_uint_eq(lwm2m_server_nregs(&r.s), 0);
    ck_assert_uint_eq(lwm2m_server_next_deadline(&r.s), LWM2M_SRV_NEVER);
    ck_assert_uint_eq(rd_request(&r, COAP_POST, "/rd/1"), COAP_NOT_FOUND);
    /* a notification of the old observation: RST */
    notify(&r, &r.req[0], 1, "1", COAP_CON);
    ck_assert_uint_eq(r.last_to_client[0] >> 4 & 3, COAP_RST);
    /* registered again, a request gets through (a new message id) */
    ck_assert_uint_eq(do_register(&r, QUERY), 2);
    answer_with(&r, COAP_CONTENT, COAP_CF_TEXT_PLAIN, "x", 1);
    r.ans_observe = -1;
    size_t before = r.nreq;
    start_op(&r, LWM2M_SOP_READ, "/3/0/0", NULL);
    ck_assert_uint_eq(r.nreq, before + 1);
    ck_assert_uint_eq(last_ev(&r, LWM2M_SEV_RESPONSE)->code, COAP_CONTENT);
    rig_free(&r);
}
END_TEST

/* ignore_registration: Register and Update vanish (no ACK, no answer):
 * the client retransmits and gives up; De-register is still answered. */
START_TEST(fault_ignore_registration)
{
    rig r;
    rig_init(&r);
    do_register(&r, QUERY);
    lwm2m_srv_faults f = { 0 };
    f.ignore_registration = true;
    lwm2m_server_set_faults(&r.s, &f);
    clear_events(&r);
    unsigned sent = r.to_client;
    coap_msg m = register_msg(QUERY, LINKS);
    uint32_t xid = client_request(&r, &m);
    advance(&r, r.now + S(100));
    ck_assert_uint_eq(r.to_client, sent); /* not a byte back */
    ck_assert_uint_eq(r.resp[r.nresp - 1].kind, COAP_EV_TIMEOUT);
    ck_assert_uint_eq(r.resp[r.nresp - 1].xid, xid);
    ck_assert_uint_eq(count_ev(&r, LWM2M_SEV_IGNORED), 5); /* the request and 4 retransmissions */
    assert_line(ev(&r, 0), "lwm2m server ignored req=register ep=" EP " reason=fault");
    rd_request(&r, COAP_POST, "/rd/1");
    assert_line(last_ev(&r, LWM2M_SEV_IGNORED), "lwm2m server ignored req=update ep=" EP " id=1 reason=fault");
    advance(&r, r.now + S(100)); /* the client gives the Update up (NSTART 1) */
    ck_assert_uint_eq(rd_request(&r, COAP_DELETE, "/rd/1"), COAP_DELETED);
    rig_free(&r);
}
END_TEST

/* ignore_notify: a CON notification is never acknowledged (the client
 * retransmits it; each copy is logged with fault=ignored); reset_notify:
 * answered with RST of its message id and the observation ends. */
START_TEST(fault_ignore_and_reset_notify)
{
    rig r;
    rig_init(&r);
    do_register(&r, QUERY);
    uint32_t op = observe_state(&r);
    lwm2m_srv_faults f = { 0 };
    f.ignore_notify = true;
    lwm2m_server_set_faults(&r.s, &f);
    clear_events(&r);
    unsigned back = r.to_client;
    notify(&r, &r.req[0], 1, "1", COAP_CON);
    advance(&r, r.now + S(5)); /* at least one retransmission */
    ck_assert_uint_eq(r.to_client, back);
    ck_assert_uint_ge(count_ev(&r, LWM2M_SEV_NOTIFY), 2);
    const lwm2m_srv_event *e = ev(&r, 0);
    char line[200];
    snprintf(line, sizeof(line),
             "lwm2m server notify op=%u kind=observe ep=" EP " path=/5/0/3 code=2.05 seq=1 cf=0 n=1 value=1 fault=ignored",
             (unsigned)op);
    assert_line(e, line);
    clear_events(&r);

    /* reset_notify: the next retransmission of seq 1 gets RST */
    f.ignore_notify = false;
    f.reset_notify = true;
    lwm2m_server_set_faults(&r.s, &f);
    advance(&r, r.now + S(20));
    ck_assert_uint_eq(r.to_client, back + 1);
    ck_assert_uint_eq(r.last_to_client[0] >> 4 & 3, COAP_RST);
    ck_assert_uint_eq(r.resp[r.nresp - 1].kind, COAP_EV_RESET); /* the client's endpoint saw it */
    ck_assert_uint_eq(count_ev(&r, LWM2M_SEV_UNOBSERVED), 1);
    ck_assert_str_eq(last_ev(&r, LWM2M_SEV_UNOBSERVED)->reason, "reset");
    ck_assert_str_eq(last_ev(&r, LWM2M_SEV_NOTIFY)->fault, "reset");
    rig_free(&r);
}
END_TEST

/* The log keeps every event, oldest first, bounded. */
START_TEST(log_is_kept_and_bounded)
{
    lwm2m_server_config c;
    lwm2m_server_config_default(&c);
    c.max_log = 3;
    rig r;
    rig_init_cfg(&r, &c);
    do_register(&r, QUERY);
    for (int i = 0; i < 3; i++) {
        rd_request(&r, COAP_POST, "/rd/1");
    }
    ck_assert_uint_eq(lwm2m_server_log_len(&r.s), 3);
    ck_assert_uint_eq(lwm2m_server_log_dropped(&r.s), 1);
    for (size_t i = 0; i < 3; i++)
        ck_assert_int_eq(lwm2m_server_log_at(&r.s, i)->kind, LWM2M_SEV_UPDATE);
    ck_assert_ptr_null(lwm2m_server_log_at(&r.s, 3));
    clear_events(&r); /* the log holds copies */
    ck_assert_int_eq(lwm2m_server_log_at(&r.s, 2)->kind, LWM2M_SEV_UPDATE);
    rig_free(&r);
}
END_TEST

/* Value texts of every type, as traces and asserts write them. */
START_TEST(value_texts)
{
    struct {
        lwm2m_value v;
        const char *want;
    } cases[] = {
        { lwm2m_v_int(-5), "-5" },      { lwm2m_v_uint(18446744073709551615ull), "18446744073709551615" },
        { lwm2m_v_float(0.1), "0.1" },  { lwm2m_v_bool(true), "true" },
        { lwm2m_v_objlnk(11, 0), "11:0" }, { lwm2m_v_str("a b"), "a b" },
        { lwm2m_v_opaque("\x01\xab", 2), "0x01ab" }, { lwm2m_v_time(7), "7" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bytebuf b;
        bytebuf_init(&b);
        ck_assert_int_eq(lwm2m_srv_value_text(&cases[i].v, &b), 0);
        bytebuf_append_byte(&b, 0);
        ck_assert_str_eq((char *)b.data, cases[i].want);
        bytebuf_free(&b);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lwm2m_srv");
    TCase *t = tcase_create("registration");
    tcase_add_test(t, register_answer_bytes);
    tcase_add_test(t, register_update_deregister);
    tcase_add_test(t, register_rejections);
    tcase_add_test(t, register_block1_1300_bytes);
    tcase_add_test(t, registration_expires_after_lifetime_and_grace);
    tcase_add_test(t, register_again_replaces);
    suite_add_tcase(s, t);
    t = tcase_create("operations");
    tcase_add_test(t, read_tlv_typed);
    tcase_add_test(t, read_json_typed);
    tcase_add_test(t, read_text_opaque_and_bad_payloads);
    tcase_add_test(t, write_tlv_text_partial_json);
    tcase_add_test(t, execute_discover_attributes);
    tcase_add_test(t, nstart_queue_unknown_ep_and_timeout);
    tcase_add_test(t, observe_notify_cancel);
    tcase_add_test(t, observe_reactive_cancel_and_endings);
    suite_add_tcase(s, t);
    t = tcase_create("faults");
    tcase_add_test(t, fault_reply_code);
    tcase_add_test(t, fault_restart);
    tcase_add_test(t, fault_ignore_registration);
    tcase_add_test(t, fault_ignore_and_reset_notify);
    tcase_add_test(t, log_is_kept_and_bounded);
    tcase_add_test(t, value_texts);
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
