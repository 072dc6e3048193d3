/* fuzz_lwm2m_server.c - libFuzzer target for the built-in LwM2M server
 * (protocol/lwm2m_server.c) facing hostile clients: raw datagrams, and
 * well-formed ones aimed at it (Register/Update/De-register with fuzzed
 * queries and payloads, Block1 pieces, answers and notifications carrying
 * the tokens of its own requests with fuzzed codes, formats and payloads),
 * interleaved with its operations, faults, restarts and the passing of
 * time.  Nothing may crash, leak or loop, and the invariants below hold (a
 * violation traps).
 *
 * Input: byte 0 configures (bounds, grace, seed); then records of one op
 * byte (low 3 bits op, next 2 bits the peer, high 3 bits an argument):
 *   0 raw datagram of the next arg*16+n bytes    1 an aimed registration request
 *   2 an answer to the server's last request     3 a notification of an observation
 *   4 time passes                                5 run to the next deadline
 *   6 an operation                               7 faults / restart */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/coap.h"
#include "protocol/lwm2m_server.h"

#define CHECK(c)                                                                \
    do {                                                                        \
        if (!(c)) {                                                             \
            fprintf(stderr, "fuzz_lwm2m_server.c:%d: CHECK(%s)\n", __LINE__, #c); \
            __builtin_trap();                                                   \
        }                                                                       \
    } while (0)

#define NPEERS 4
#define MAX_OPS_SEEN 4096

typedef struct script {
    const uint8_t *d;
    size_t n, i;
} script;

static int more(const script *s) { return s->i < s->n; }
static uint8_t next(script *s) { return s->i < s->n ? s->d[s->i++] : 0; }

typedef struct fz {
    lwm2m_srv srv;
    lwm2m_srv_out out;
    uint64_t now;
    size_t max_clients, max_log;
    /* per peer: the server's last request (to answer), its token */
    struct {
        uint8_t last[1500];
        size_t last_len;
        uint8_t obs_tok[8], obs_tkl;
        uint16_t mid;
    } peer[NPEERS];
    uint8_t answered[MAX_OPS_SEEN]; /* RESPONSE events per operation id */
} fz;

static lwm2m_peer key_of(unsigned i) { return 0x0a000001ull << 16 | (5000 + i); }

static int peer_index(lwm2m_peer k)
{
    for (unsigned i = 0; i < NPEERS; i++)
        if (key_of(i) == k)
            return (int)i;
    return -1;
}

/* What every call produced: datagrams parse, events format and are
 * consistent; then it is cleared. */
static void drain(fz *f)
{
    for (size_t i = 0; i < f->out.ndg; i++) {
        int p = peer_index(f->out.dg[i].peer);
        CHECK(p >= 0);
        const uint8_t *d = lwm2m_srv_out_data(&f->out, i);
        size_t n = f->out.dg[i].len;
        coap_msg m;
        CHECK(coap_parse(&m, d, n) == COAP_OK);
        if (m.type == COAP_CON && coap_code_is_request(m.code) && n <= sizeof(f->peer[p].last)) {
            memcpy(f->peer[p].last, d, n);
            f->peer[p].last_len = n;
            uint32_t obs;
            if (coap_msg_observe(&m, &obs) == 0 && obs == 0) {
                memcpy(f->peer[p].obs_tok, m.token, m.tkl);
                f->peer[p].obs_tkl = m.tkl;
            }
        }
    }
    bytebuf b;
    bytebuf_init(&b);
    for (size_t i = 0; i < f->out.nev; i++) {
        const lwm2m_srv_event *e = &f->out.ev[i];
        bytebuf_clear(&b);
        CHECK(lwm2m_srv_event_format(e, &b) == 0);
        CHECK(memchr(b.data, '\n', b.len) == NULL);
        if (e->kind == LWM2M_SEV_RESPONSE && e->op < MAX_OPS_SEEN) {
            CHECK(f->answered[e->op] == 0); /* one outcome per operation */
            f->answered[e->op] = 1;
        }
        for (size_t k = 0; k < e->values.len; k++)
            CHECK(lwm2m_path_is_under(&e->values.items[k].path, &e->path));
    }
    bytebuf_free(&b);
    lwm2m_srv_out_clear(&f->out);
    CHECK(lwm2m_server_nregs(&f->srv) <= f->max_clients);
    CHECK(lwm2m_server_log_len(&f->srv) <= f->max_log);
    /* a feed at now handles what is due but for expiries, which wait for the tick */
    CHECK(lwm2m_server_nregs(&f->srv) == 0 || lwm2m_server_next_deadline(&f->srv) != LWM2M_SRV_NEVER);
}

static void feed(fz *f, unsigned p, const uint8_t *d, size_t n)
{
    lwm2m_server_feed(&f->srv, f->now, key_of(p), d, n, &f->out);
    drain(f);
}

static void feed_msg(fz *f, unsigned p, const coap_msg *m)
{
    bytebuf b;
    bytebuf_init(&b);
    if (coap_build(m, &b) == 0)
        feed(f, p, b.data, b.len);
    bytebuf_free(&b);
}

static const char *const links[] = { "</1/0>,</3/0>,</5/0>", "</>;rt=\"oma.lwm2m\";ct=11543,</1/10>", "</1",
                                     "", "<//>", "</3/0>;pmin=10,</65535>" };
static const char *const queries[] = { "ep=a", "ep=b", "lt=5", "lt=0", "lwm2m=1.0", "b=UQS", "ep=", "lt=x",
                                       "b=", "Q", "ep=a&lt=60", "sms=1" };

/* A Register, Update or De-register (or something near them). */
static void aimed_registration(fz *f, unsigned p, unsigned arg, script *s)
{
    coap_msg m;
    static const uint8_t codes[] = { COAP_POST, COAP_POST, COAP_DELETE, COAP_GET };
    coap_msg_init(&m, next(s) & 1 ? COAP_NON : COAP_CON, codes[arg & 3]);
    m.mid = (uint16_t)(f->peer[p].mid++ + (next(s) & 3 ? 0 : 0x8000));
    uint8_t tok = next(s);
    coap_msg_set_token(&m, &tok, tok & 1);
    char id[8];
    snprintf(id, sizeof(id), "%u", next(s) % 4);
    coap_msg_add_opt(&m, COAP_OPT_URI_PATH, "rd", 2);
    if (arg & 4)
        coap_msg_add_opt(&m, COAP_OPT_URI_PATH, id, strlen(id));
    for (unsigned q = next(s) % 4; q; q--) {
        const char *qs = queries[next(s) % (sizeof(queries) / sizeof(queries[0]))];
        coap_msg_add_opt(&m, COAP_OPT_URI_QUERY, qs, strlen(qs));
    }
    uint8_t cf = next(s);
    if (cf & 1)
        coap_msg_add_uint(&m, COAP_OPT_CONTENT_FORMAT, cf & 2 ? COAP_CF_LINK_FORMAT : COAP_CF_JSON);
    if (cf & 4) { /* a Block1 piece */
        coap_block b = { next(s) % 3, (uint8_t)(cf >> 3 & 1), (uint8_t)(next(s) % 7) };
        coap_msg_set_block(&m, COAP_OPT_BLOCK1, &b);
    }
    const char *l = links[next(s) % (sizeof(links) / sizeof(links[0]))];
    uint8_t body[1100];
    size_t n = strlen(l);
    memcpy(body, l, n);
    if (cf & 4) { /* fill the block to its size, as the client would */
        size_t want = next(s) & 1 ? 1024 : 16;
        while (n < want)
            body[n++] = ' ';
    }
    coap_msg_set_payload(&m, body, n);
    feed_msg(f, p, &m);
}

/* A payload of the fuzzer's, or one of a few well-formed ones. */
static size_t payload(script *s, uint8_t *buf, size_t cap, uint32_t *cf)
{
    static const struct {
        uint32_t cf;
        const char *p;
        size_t n;
    } good[] = {
        { COAP_CF_TEXT_PLAIN, "3600", 4 },
        { COAP_CF_LWM2M_TLV, "\xc2\x01\x0e\x10", 4 },
        { COAP_CF_LWM2M_JSON, "{\"bn\":\"/1/10/\",\"e\":[{\"n\":\"1\",\"v\":60}]}", 37 },
        { COAP_CF_LINK_FORMAT, "</3/0>,</3/0/1>", 15 },
        { COAP_CF_OCTET_STREAM, "\x01\x02", 2 },
    };
    uint8_t k = next(s);
    if (k < 5 * 40) {
        k %= 5;
        *cf = good[k].cf;
        memcpy(buf, good[k].p, good[k].n);
        return good[k].n;
    }
    static const uint32_t cfs[] = { COAP_CF_TEXT_PLAIN, COAP_CF_LWM2M_TLV, COAP_CF_LWM2M_JSON, COAP_CF_LINK_FORMAT,
                                    COAP_CF_OCTET_STREAM, 1542, 1543, 99, UINT32_MAX };
    *cf = cfs[next(s) % 9];
    size_t n = next(s) % cap;
    for (size_t i = 0; i < n; i++)
        buf[i] = next(s);
    return n;
}

/* The client's answer to the server's last request: mid and token right,
 * code, format, Observe and payload the fuzzer's. */
static void answer(fz *f, unsigned p, unsigned arg, script *s)
{
    coap_msg req;
    if (!f->peer[p].last_len || coap_parse(&req, f->peer[p].last, f->peer[p].last_len))
        return;
    static const uint8_t codes[] = { COAP_CONTENT, COAP_CHANGED, COAP_NOT_FOUND, COAP_CONTENT, COAP_EMPTY,
                                     COAP_METHOD_NOT_ALLOWED, COAP_CONTENT, COAP_CODE(2, 31) };
    coap_msg m;
    bool separate = arg & 4;
    coap_msg_init(&m, separate ? COAP_CON : COAP_ACK, codes[next(s) & 7]);
    m.mid = separate ? f->peer[p].mid++ : req.mid;
    if (m.code != COAP_EMPTY)
        coap_msg_set_token(&m, req.token, req.tkl);
    uint8_t body[256];
    uint32_t cf;
    size_t n = m.code != COAP_EMPTY ? payload(s, body, sizeof(body), &cf) : 0;
    if (n && cf != UINT32_MAX)
        coap_msg_add_uint(&m, COAP_OPT_CONTENT_FORMAT, cf);
    if (m.code != COAP_EMPTY && (arg & 2))
        coap_msg_add_uint(&m, COAP_OPT_OBSERVE, next(s));
    if (m.code != COAP_EMPTY && (arg & 1)) {
        coap_block b = { 0, 1, 6 };
        coap_msg_set_block(&m, COAP_OPT_BLOCK2, &b);
    }
    coap_msg_set_payload(&m, body, n);
    feed_msg(f, p, &m);
}

static void notification(fz *f, unsigned p, unsigned arg, script *s)
{
    if (!f->peer[p].obs_tkl && !(arg & 4))
        return;
    coap_msg m;
    coap_msg_init(&m, arg & 1 ? COAP_NON : COAP_CON, arg & 2 ? COAP_CONTENT : COAP_NOT_FOUND);
    m.mid = f->peer[p].mid++;
    coap_msg_set_token(&m, f->peer[p].obs_tok, f->peer[p].obs_tkl);
    coap_msg_add_uint(&m, COAP_OPT_OBSERVE, next(s) | (uint32_t)next(s) << 8);
    uint8_t body[256];
    uint32_t cf;
    size_t n = payload(s, body, sizeof(body), &cf);
    if (cf != UINT32_MAX)
        coap_msg_add_uint(&m, COAP_OPT_CONTENT_FORMAT, cf);
    coap_msg_set_payload(&m, body, n);
    feed_msg(f, p, &m);
}

static void operation(fz *f, unsigned arg, script *s)
{
    static const char *const eps[] = { "a", "b", "nobody" };
    lwm2m_path p = { 0, { LWM2M_ID_NONE, LWM2M_ID_NONE, LWM2M_ID_NONE, LWM2M_ID_NONE } };
    static const uint16_t objs[] = { 1, 3, 5, 9999 };
    p.depth = (uint8_t)(next(s) % 5);
    for (unsigned i = 0; i < p.depth; i++)
        p.id[i] = i == 0 ? objs[next(s) & 3] : (uint16_t)(next(s) % 12);
    lwm2m_srv_op_req req;
    lwm2m_srv_op_req_init(&req, (lwm2m_srv_op_kind)(1 + arg % 7), &p);
    lwm2m_list l;
    lwm2m_list_init(&l);
    uint8_t x = next(s);
    if (x & 1)
        req.accept = x & 2 ? LWM2M_CF_JSON : LWM2M_CF_TLV;
    if (req.kind == LWM2M_SOP_WRITE) {
        lwm2m_path rp = lwm2m_path_oir(p.id[0], p.id[1], (uint16_t)(next(s) % 12));
        lwm2m_value v = x & 4 ? lwm2m_v_int((int64_t)next(s) << 20) : lwm2m_v_str("UQS");
        lwm2m_list_add(&l, p.depth >= 2 ? &rp : &p, &v);
        req.values = x & 8 ? NULL : &l;
        static const uint32_t fmts[] = { LWM2M_CF_TLV, LWM2M_CF_TEXT, LWM2M_CF_JSON, LWM2M_CF_OPAQUE };
        req.format = fmts[x >> 4 & 3];
        req.partial = x & 64;
    }
    if (req.kind == LWM2M_SOP_EXECUTE) {
        req.args = "0='x'";
        req.args_len = x % 6;
    }
    if (req.kind == LWM2M_SOP_ATTRIBUTES) {
        req.attrs.set = x & 0x1f;
        req.attrs.clear = (unsigned)next(s) & 0x1f;
        req.attrs.pmin = next(s);
        req.attrs.pmax = next(s);
        req.attrs.gt = 1.5;
    }
    req.reactive = x & 128;
    uint32_t op = 0;
    int rc = lwm2m_server_op(&f->srv, f->now, eps[next(s) % 3], &req, &op, &f->out);
    CHECK(rc == 0 || rc == -ENOENT || rc == -EINVAL || rc == -ENOBUFS || rc == -ENOMEM);
    CHECK(rc != 0 || op != 0);
    lwm2m_list_free(&l);
    drain(f);
}

static void faults(fz *f, unsigned arg, script *s)
{
    if (arg == 7) {
        lwm2m_server_restart(&f->srv, f->now, &f->out);
        drain(f);
        return;
    }
    uint8_t x = next(s);
    lwm2m_srv_faults fl = { 0 };
    fl.reply_count = x & 3;
    fl.reply_code = x & 4 ? COAP_SERVICE_UNAVAILABLE : COAP_NOT_FOUND;
    fl.reply_to = x >> 3 & 7;
    fl.ignore_registration = arg & 1;
    fl.ignore_notify = arg & 2;
    fl.reset_notify = arg & 4;
    lwm2m_server_set_faults(&f->srv, &fl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    script s = { data, size, 0 };
    uint8_t cfgb = next(&s);
    lwm2m_server_config c;
    lwm2m_server_config_default(&c);
    c.max_clients = 1 + (cfgb & 3);
    c.max_peers = 1 + (cfgb >> 2 & 3);
    c.max_ops = 1 + (cfgb >> 4 & 7);
    c.max_log = cfgb & 0x80 ? 4 : 64;
    c.max_payload = 2048;
    c.grace = cfgb & 0x40 ? 0 : COAP_S(93);
    c.seed = cfgb;
    if (cfgb & 0x20)
        c.types = NULL;
    fz *f = calloc(1, sizeof(*f));
    if (!f || lwm2m_server_init(&f->srv, &c)) {
        free(f);
        return 0;
    }
    f->max_clients = c.max_clients;
    f->max_log = c.max_log;
    lwm2m_srv_out_init(&f->out);
    f->now = COAP_S(1);
    while (more(&s)) {
        uint8_t op = next(&s);
        unsigned p = op >> 3 & 3, arg = op >> 5;
        switch (op & 7) {
        case 0: {
            size_t n = arg * 16 + (next(&s) & 15);
            n = n < s.n - s.i ? n : s.n - s.i;
            feed(f, p, s.d + s.i, n);
            s.i += n;
            break;
        }
        case 1: aimed_registration(f, p, arg, &s); break;
        case 2: answer(f, p, arg, &s); break;
        case 3: notification(f, p, arg, &s); break;
        case 4:
            f->now += arg & 4 ? COAP_S(1) << (arg & 3) * 4 : COAP_MS(1 + next(&s) * 10);
            lwm2m_server_tick(&f->srv, f->now, &f->out);
            drain(f);
            CHECK(lwm2m_server_next_deadline(&f->srv) > f->now); /* everything due was done */
            break;
        case 5: {
            uint64_t due = lwm2m_server_next_deadline(&f->srv);
            if (due != LWM2M_SRV_NEVER && due > f->now)
                f->now = due;
            lwm2m_server_tick(&f->srv, f->now, &f->out);
            drain(f);
            CHECK(lwm2m_server_next_deadline(&f->srv) > f->now);
            break;
        }
        case 6: operation(f, arg, &s); break;
        case 7: faults(f, arg, &s); break;
        }
    }
    /* a quiet week ends every exchange and every registration */
    f->now += COAP_S(7 * 86400);
    for (int i = 0; i < 64 && lwm2m_server_next_deadline(&f->srv) <= f->now; i++) {
        lwm2m_server_tick(&f->srv, f->now, &f->out);
        drain(f);
    }
    CHECK(lwm2m_server_next_deadline(&f->srv) > f->now);
    CHECK(lwm2m_server_nregs(&f->srv) == 0);
    lwm2m_srv_out_free(&f->out);
    lwm2m_server_free(&f->srv);
    free(f);
    return 0;
}
