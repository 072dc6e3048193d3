/* fuzz_coap.c - libFuzzer target for the CoAP core: the codec
 * (protocol/coap.c), one endpoint driven by a script (protocol/coap_ep.c),
 * the block-wise helpers (protocol/coap_block.c), and a client and a server
 * endpoint over a lossy, duplicating, reordering link.  Nothing may crash,
 * leak or loop, and the invariants below hold (a violation traps).
 *
 * Input: byte 0 picks the mode (low 2 bits) and a configuration, the rest
 * is the datagram or the script.
 *   0  codec: parse the rest; if it parses, build(parse(d)) == d, and every
 *      helper runs on every option.
 *   1  endpoint: records of one op byte (low 3 bits op, high 5 bits arg):
 *        0 raw datagram of arg+1 bytes   1 a well-formed message built from
 *        the next 4 bytes (type, code, id and token near ours)   2 time passes
 *        3 run to the next deadline   4 request   5 answer / accept a request
 *        6 notification   7 cancel
 *   2  block helpers: records feed the upload, download and receive helpers.
 *   3  link: the client sends requests, the server echoes their payload
 *      piggybacked or separately; the script drops, duplicates and delays
 *      datagrams.  Every request ends exactly once, with the right answer. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/coap.h"
#include "protocol/coap_block.h"
#include "protocol/coap_ep.h"

#define CHECK(c)                                                      \
    do {                                                              \
        if (!(c)) {                                                   \
            fprintf(stderr, "fuzz_coap.c:%d: CHECK(%s)\n", __LINE__, #c); \
            __builtin_trap();                                         \
        }                                                             \
    } while (0)

typedef struct script {
    const uint8_t *d;
    size_t n, i;
} script;

static int more(const script *s)
{
    return s->i < s->n;
}

static uint8_t next(script *s)
{
    return s->i < s->n ? s->d[s->i++] : 0;
}

/* ---- mode 0: codec ---- */

static void fuzz_codec(const uint8_t *d, size_t n)
{
    coap_msg m;
    int rc = coap_parse(&m, d, n);
    CHECK(rc <= 0);
    if (rc)
        return;
    bytebuf b;
    bytebuf_init(&b);
    CHECK(coap_build(&m, &b) == 0);
    CHECK(b.len == n && memcmp(b.data, d, n) == 0);
    for (size_t i = 0; i < m.nopt; i++) {
        const coap_option *o = &m.opt[i];
        CHECK(i == 0 || o->num >= m.opt[i - 1].num);
        uint32_t v;
        coap_block blk;
        if (coap_uint_decode(coap_opt_val(o), o->len, &v) == 0)
            CHECK(o->len <= 4);
        if (coap_block_decode(coap_opt_val(o), o->len, &blk) == 0)
            CHECK(blk.szx <= COAP_BLOCK_SZX_MAX && blk.num <= COAP_BLOCK_NUM_MAX);
    }
    bytebuf_clear(&b);
    CHECK(coap_msg_describe(&m, &b) == 0);
    bytebuf_clear(&b);
    CHECK(coap_msg_join(&m, COAP_OPT_URI_PATH, &b) == 0);
    /* Split the joined path back: as many segments unless one held '/'. */
    coap_msg again;
    coap_msg_init(&again, COAP_CON, COAP_GET);
    rc = coap_msg_add_split(&again, COAP_OPT_URI_PATH, (const char *)b.data, b.len);
    CHECK(rc == 0 || rc == -EINVAL || rc == -E2BIG);
    bytebuf_free(&b);
}

/* ---- mode 1: one endpoint ---- */

#define MAX_IDS 64

typedef struct fz {
    coap_ep ep;
    coap_out out;
    uint64_t now;
    uint32_t ours[MAX_IDS]; /* our open exchanges (0 = none) */
    uint32_t reqs[MAX_IDS]; /* the peer's requests not answered yet */
    uint16_t mids[8];       /* recent ids of ours, to aim replies at */
    uint8_t toks[8][COAP_TOKEN_MAX], tkls[8];
    unsigned nmid;
} fz;

static void add_id(uint32_t *set, uint32_t id)
{
    for (size_t i = 0; i < MAX_IDS; i++)
        if (!set[i]) {
            set[i] = id;
            return;
        }
}

static int drop_id(uint32_t *set, uint32_t id)
{
    for (size_t i = 0; i < MAX_IDS; i++)
        if (id && set[i] == id) {
            set[i] = 0;
            return 1;
        }
    return 0;
}

/* What every call must leave true; then the out is cleared. */
static void check_out(fz *f)
{
    CHECK(f->out.err == 0);
    uint64_t next = coap_ep_next_deadline(&f->ep);
    CHECK(next > f->now || next == COAP_NEVER);
    CHECK(coap_ep_open_exchanges(&f->ep) <= f->ep.nxchg);
    for (size_t i = 0; i < f->out.ndg; i++) {
        size_t n;
        const uint8_t *d = coap_out_datagram(&f->out, i, &n);
        coap_msg m;
        CHECK(coap_parse(&m, d, n) == COAP_OK); /* we never send garbage */
        if (m.type == COAP_CON || m.type == COAP_NON) {
            unsigned k = f->nmid++ % 8;
            f->mids[k] = m.mid;
            memcpy(f->toks[k], m.token, m.tkl);
            f->tkls[k] = m.tkl;
        }
    }
    for (size_t i = 0; i < f->out.nev; i++) {
        coap_event *e = &f->out.ev[i];
        CHECK(e->xid != 0);
        switch (e->kind) {
        case COAP_EV_REQUEST:
            CHECK(coap_code_is_request(e->msg.code));
            add_id(f->reqs, e->xid);
            break;
        case COAP_EV_RESPONSE:
            CHECK(coap_code_is_response(e->msg.code));
            break;
        case COAP_EV_ACKED:
            break;
        case COAP_EV_RESET:
        case COAP_EV_TIMEOUT:
            drop_id(f->ours, e->xid);
            break;
        }
    }
    coap_out_clear(&f->out);
}

static void feed(fz *f, const uint8_t *d, size_t n)
{
    int rc = coap_ep_feed(&f->ep, f->now, d, n, &f->out);
    CHECK(rc <= 0);
    check_out(f);
}

static const uint8_t codes[] = {COAP_EMPTY, COAP_GET, COAP_POST, COAP_CONTENT, COAP_CHANGED,
                                COAP_NOT_FOUND, COAP_CODE(7, 1), COAP_CONTINUE};

/* A message aimed near our recent ids and tokens, so that matching runs. */
static void feed_structured(fz *f, script *s, uint8_t arg)
{
    uint8_t a = next(s), b = next(s), c = next(s), e = next(s);
    coap_msg m;
    coap_msg_init(&m, (coap_type)(a & 3), codes[a >> 2 & 7]);
    unsigned k = b & 7;
    m.mid = b & 8 ? (uint16_t)(f->mids[k] + (c & 3)) : (uint16_t)(c | e << 8);
    if (m.code != COAP_EMPTY) {
        if (b & 16)
            coap_msg_set_token(&m, f->toks[k], f->tkls[k]);
        else
            coap_msg_set_token(&m, &e, c & 1);
        if (a & 0x20)
            coap_msg_add_uint(&m, COAP_OPT_OBSERVE, e);
        if (arg & 1)
            coap_msg_set_payload(&m, "x", 1);
    }
    uint8_t d[64];
    bytebuf buf;
    bytebuf_init(&buf);
    CHECK(coap_build(&m, &buf) == 0);
    CHECK(buf.len <= sizeof(d));
    memcpy(d, buf.data, buf.len);
    size_t n = buf.len;
    bytebuf_free(&buf);
    feed(f, d, n);
}

static void do_request(fz *f, uint8_t arg)
{
    coap_msg m;
    coap_msg_init(&m, arg & 1 ? COAP_NON : COAP_CON, arg & 2 ? COAP_POST : COAP_GET);
    coap_msg_add_opt(&m, COAP_OPT_URI_PATH, "5", 1);
    if (arg & 4)
        coap_msg_add_uint(&m, COAP_OPT_OBSERVE, 0);
    if (arg & 8)
        coap_msg_set_token(&m, f->toks[arg >> 4 & 1], f->tkls[arg >> 4 & 1]);
    uint32_t xid = 0;
    int rc = coap_ep_request(&f->ep, f->now, &m, &xid, &f->out);
    CHECK(rc == 0 || rc == -ENOBUFS || rc == -EEXIST);
    if (rc == 0)
        add_id(f->ours, xid);
    check_out(f);
}

static void do_answer(fz *f, uint8_t arg)
{
    uint32_t id = f->reqs[arg % MAX_IDS];
    if (arg & 0x10) {
        int rc = coap_ep_accept(&f->ep, f->now, id, &f->out);
        CHECK(rc == 0 || rc == -ENOENT || rc == -EINVAL);
    } else {
        coap_msg r;
        coap_msg_init(&r, COAP_ACK, arg & 8 ? COAP_NOT_FOUND : COAP_CONTENT);
        coap_msg_set_payload(&r, "22", 2);
        uint32_t sep;
        int rc = coap_ep_respond(&f->ep, f->now, id, &r, &sep, &f->out);
        CHECK(rc == 0 || rc == -ENOENT || rc == -ENOBUFS);
        if (rc == 0) {
            drop_id(f->reqs, id);
            if (sep)
                add_id(f->ours, sep);
        }
    }
    check_out(f);
}

static void do_notify(fz *f, uint8_t arg)
{
    coap_msg m;
    coap_msg_init(&m, arg & 1 ? COAP_NON : COAP_CON, COAP_CONTENT);
    coap_msg_set_token(&m, &arg, 1);
    coap_msg_add_uint(&m, COAP_OPT_OBSERVE, arg);
    uint32_t xid = 0;
    int rc = coap_ep_send(&f->ep, f->now, &m, &xid, &f->out);
    CHECK(rc == 0 || rc == -ENOBUFS);
    if (rc == 0 && !(arg & 1))
        add_id(f->ours, xid);
    check_out(f);
}

static void fuzz_endpoint(const uint8_t *d, size_t n)
{
    fz f;
    memset(&f, 0, sizeof(f));
    coap_ep_config c;
    coap_ep_config_default(&c);
    c.seed = d[0];
    if (d[0] & 4) { /* small tables reach every limit */
        c.max_exchanges = 2;
        c.max_queued = 1;
        c.max_dedup = 2;
        c.nstart = 1 + (d[0] >> 3 & 1);
        c.token_len = d[0] >> 4 & 3;
    }
    CHECK(coap_ep_init(&f.ep, &c) == 0);
    coap_out_init(&f.out);
    f.now = 1;
    script s = {d, n, 1};
    while (more(&s)) {
        uint8_t op = next(&s), arg = op >> 3;
        switch (op & 7) {
        case 0: {
            size_t k = (size_t)arg + 1 < s.n - s.i ? (size_t)arg + 1 : s.n - s.i;
            feed(&f, s.d + s.i, k);
            s.i += k;
            break;
        }
        case 1: feed_structured(&f, &s, arg); break;
        case 2:
            f.now += COAP_MS(arg) * (arg >= 16 ? 1000 : 1);
            coap_ep_tick(&f.ep, f.now, &f.out);
            check_out(&f);
            break;
        case 3:
            if (coap_ep_next_deadline(&f.ep) != COAP_NEVER)
                f.now = coap_ep_next_deadline(&f.ep);
            coap_ep_tick(&f.ep, f.now, &f.out);
            check_out(&f);
            break;
        case 4: do_request(&f, arg); break;
        case 5: do_answer(&f, arg); break;
        case 6: do_notify(&f, arg); break;
        case 7: {
            uint32_t id = f.ours[arg % MAX_IDS];
            int rc = coap_ep_cancel(&f.ep, f.now, id, &f.out);
            CHECK(rc == 0 || rc == -ENOENT);
            if (rc == 0)
                drop_id(f.ours, id);
            check_out(&f);
            break;
        }
        }
    }
    /* A quiet peer ends every exchange that waits on it, within a day. */
    f.now += COAP_S(86400);
    coap_ep_tick(&f.ep, f.now, &f.out);
    check_out(&f);
    CHECK(coap_ep_next_deadline(&f.ep) == COAP_NEVER);
    coap_ep_free(&f.ep);
    coap_out_free(&f.out);
}

/* ---- mode 2: block helpers ---- */

static void fuzz_blocks(const uint8_t *d, size_t n)
{
    static uint8_t body[4096];
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (uint8_t)i;
    script s = {d, n, 1};
    coap_b1_up up;
    unsigned szx = d[0] >> 2 & 7; /* 7: none asked for */
    coap_b1_up_init(&up, body, (size_t)d[0] * 16, szx);
    coap_b2_down down;
    coap_b2_down_init(&down, szx == 7 ? -1 : (int)szx);
    coap_b1_rx rx;
    coap_b1_rx_init(&rx, 1000 + (size_t)(d[0] >> 5) * 500, d[0] >> 5, COAP_S(10));
    uint64_t now = 0, streamed = 0;
    while (more(&s)) {
        uint8_t op = next(&s), a = next(&s), b = next(&s);
        coap_msg m;
        coap_msg_init(&m, COAP_ACK, op & 1 ? COAP_CONTINUE : codes[op >> 5]);
        coap_block blk = {.num = (uint32_t)(a | (b & 3) << 8), .more = b >> 2 & 1, .szx = b >> 3 & 7};
        if (op & 2) {
            uint8_t v[3] = {a, b, op};
            coap_msg_add_opt(&m, op & 4 ? COAP_OPT_BLOCK1 : COAP_OPT_BLOCK2, v, (size_t)(op >> 3 & 3));
        } else if (blk.szx < 7) {
            coap_msg_set_block(&m, op & 4 ? COAP_OPT_BLOCK1 : COAP_OPT_BLOCK2, &blk);
        }
        if (op & 8)
            coap_msg_add_opt(&m, COAP_OPT_ETAG, body + a, 1 + (b & 7));
        coap_msg_set_payload(&m, body, (size_t)16 << (b >> 3 & 7) >> (op >> 6 & 1));
        now += COAP_S(op & 3);
        coap_msg req;
        coap_msg_init(&req, COAP_CON, COAP_POST);
        switch (op >> 4 & 3) {
        case 0:
            if (!coap_b1_up_over(&up) && coap_b1_up_fill(&up, &req) == 0) {
                CHECK(req.payload_len <= coap_szx_size(COAP_BLOCK_SZX_MAX));
                CHECK(coap_b1_up_response(&up, &m) <= 1);
            }
            break;
        case 1:
            if (!down.over && coap_b2_down_fill(&down, &req) == 0) {
                const uint8_t *data;
                size_t len;
                if (coap_b2_down_response(&down, &m, &data, &len) >= 0)
                    streamed += len;
                CHECK(streamed == down.received);
            }
            break;
        case 2: {
            m.code = COAP_POST;
            m.type = COAP_CON;
            coap_msg resp;
            coap_msg_init(&resp, COAP_ACK, COAP_EMPTY);
            coap_b1_rx_result r = coap_b1_rx_request(&rx, now, &m, &resp);
            CHECK(rx.body.len <= rx.max_size);
            CHECK(r != COAP_B1RX_CONTINUE || resp.code == COAP_CONTINUE);
            CHECK(r != COAP_B1RX_ERROR || COAP_CODE_CLASS(resp.code) == 4 ||
                  COAP_CODE_CLASS(resp.code) == 5);
            if (r == COAP_B1RX_COMPLETE) {
                CHECK(coap_b1_rx_final(&rx, &resp) == 0);
                coap_b1_rx_reset(&rx);
            }
            break;
        }
        case 3: {
            coap_msg resp;
            coap_msg_init(&resp, COAP_ACK, COAP_CONTENT);
            size_t len = (size_t)a * 16;
            int rc = coap_b2_serve(&m, body, len, b & 7, &resp);
            CHECK(rc == 0 || rc == -ERANGE || rc == -EINVAL);
            if (rc == 0)
                CHECK(resp.payload_len <= len && (resp.payload_len == 0 || resp.payload >= body));
            break;
        }
        }
    }
    coap_b1_rx_free(&rx);
}

/* ---- mode 3: two endpoints over a bad link ---- */

#define LINK_MAX 128
#define NREQ 12

typedef struct flight {
    uint64_t at;
    int to_server;
    size_t len;
    uint8_t d[128];
} flight;

typedef struct pending_answer {
    uint64_t at;
    uint32_t xid;
    uint8_t idx;
} pending_answer;

typedef struct lk {
    coap_ep cl, sv;
    coap_out out;
    uint64_t now;
    flight fl[LINK_MAX];
    size_t nfl;
    pending_answer pa[NREQ * 2];
    size_t npa;
    uint32_t xid[NREQ];  /* client exchange of request i */
    int ended[NREQ];     /* terminal events seen */
    int answered[NREQ];  /* RESPONSE with the right payload */
    int seen[NREQ];      /* REQUEST events at the server */
    script *s;
} lk;

/* Datagrams of `out` onto the link: dropped, duplicated, delayed. */
static void launch(lk *l, int to_server)
{
    for (size_t i = 0; i < l->out.ndg; i++) {
        size_t n;
        const uint8_t *d = coap_out_datagram(&l->out, i, &n);
        uint8_t fate = next(l->s);
        int copies = (fate & 3) == 1 ? 0 : (fate & 3) == 2 ? 2 : 1;
        for (int c = 0; c < copies && l->nfl < LINK_MAX && n <= sizeof(l->fl[0].d); c++) {
            flight *f = &l->fl[l->nfl++];
            /* at most ~6 s late: well inside EXCHANGE_LIFETIME */
            f->at = l->now + COAP_MS(10) + COAP_MS(200) * (fate >> 3 & 31) * (c + 1);
            f->to_server = to_server;
            f->len = n;
            memcpy(f->d, d, n);
        }
    }
    l->out.ndg = 0;
    bytebuf_clear(&l->out.bytes);
}

static void client_events(lk *l)
{
    for (size_t i = 0; i < l->out.nev; i++) {
        coap_event *e = &l->out.ev[i];
        for (int k = 0; k < NREQ; k++) {
            if (l->xid[k] != e->xid)
                continue;
            CHECK(e->kind != COAP_EV_REQUEST);
            if (e->kind == COAP_EV_ACKED)
                continue;
            CHECK(!l->ended[k]); /* one end per request */
            l->ended[k] = 1;
            if (e->kind == COAP_EV_RESPONSE) {
                CHECK(e->msg.payload_len == 1 && e->msg.payload[0] == k); /* the right answer */
                l->answered[k] = 1;
            }
        }
    }
    l->out.nev = 0;
}

static void server_events(lk *l)
{
    for (size_t i = 0; i < l->out.nev; i++) {
        coap_event *e = &l->out.ev[i];
        if (e->kind != COAP_EV_REQUEST)
            continue;
        CHECK(e->msg.payload_len == 1 && e->msg.payload[0] < NREQ);
        uint8_t k = e->msg.payload[0];
        CHECK(!l->seen[k]); /* dedup: once per request */
        l->seen[k] = 1;
        uint8_t how = next(l->s);
        if (l->npa < NREQ * 2) {
            pending_answer *p = &l->pa[l->npa++];
            p->at = l->now + ((how & 3) == 0 ? 0 : COAP_MS(500) * (how >> 2 & 15));
            p->xid = e->xid;
            p->idx = k;
            if ((how & 3) == 1)
                CHECK(coap_ep_accept(&l->sv, l->now, e->xid, &l->out) == 0);
        }
    }
    l->out.nev = 0;
}

static void answer_due(lk *l)
{
    for (size_t i = 0; i < l->npa;) {
        pending_answer *p = &l->pa[i];
        if (p->at > l->now) {
            i++;
            continue;
        }
        coap_msg r;
        coap_msg_init(&r, COAP_ACK, COAP_CONTENT);
        coap_msg_set_payload(&r, &p->idx, 1);
        int rc = coap_ep_respond(&l->sv, l->now, p->xid, &r, NULL, &l->out);
        CHECK(rc == 0);
        *p = l->pa[--l->npa];
    }
}

static uint64_t link_next(lk *l)
{
    uint64_t t = COAP_NEVER;
    for (size_t i = 0; i < l->nfl; i++)
        t = l->fl[i].at < t ? l->fl[i].at : t;
    for (size_t i = 0; i < l->npa; i++)
        t = l->pa[i].at < t ? l->pa[i].at : t;
    uint64_t a = coap_ep_next_deadline(&l->cl), b = coap_ep_next_deadline(&l->sv);
    t = a < t ? a : t;
    return b < t ? b : t;
}

static void deliver_due(lk *l)
{
    for (size_t i = 0; i < l->nfl;) {
        if (l->fl[i].at > l->now) {
            i++;
            continue;
        }
        flight f = l->fl[i];
        l->fl[i] = l->fl[--l->nfl];
        coap_ep *to = f.to_server ? &l->sv : &l->cl;
        CHECK(coap_ep_feed(to, l->now, f.d, f.len, &l->out) == 0);
        if (f.to_server) {
            server_events(l);
            launch(l, 0);
        } else {
            client_events(l);
            launch(l, 1);
        }
    }
}

static void fuzz_link(const uint8_t *d, size_t n)
{
    static lk l;
    memset(&l, 0, sizeof(l));
    script s = {d, n, 1};
    l.s = &s;
    coap_ep_config c;
    coap_ep_config_default(&c);
    c.seed = d[0];
    c.nstart = 1 + (d[0] >> 2 & 3);
    c.max_dedup = 32;
    c.response_timeout = COAP_S(60);
    CHECK(coap_ep_init(&l.cl, &c) == 0);
    c.seed = d[0] ^ 0x5a;
    CHECK(coap_ep_init(&l.sv, &c) == 0);
    coap_out_init(&l.out);
    l.now = COAP_S(1);
    int nreq = 1 + next(&s) % NREQ;
    for (int k = 0; k < nreq; k++) {
        coap_msg m;
        uint8_t idx = (uint8_t)k;
        coap_msg_init(&m, COAP_CON, COAP_GET);
        coap_msg_add_opt(&m, COAP_OPT_URI_PATH, "x", 1);
        coap_msg_set_payload(&m, &idx, 1);
        CHECK(coap_ep_request(&l.cl, l.now, &m, &l.xid[k], &l.out) == 0);
        launch(&l, 1);
    }
    for (int steps = 0;; steps++) {
        CHECK(steps < 100000);
        uint64_t t = link_next(&l);
        if (t == COAP_NEVER)
            break;
        CHECK(t >= l.now);
        l.now = t;
        coap_ep_tick(&l.cl, l.now, &l.out);
        client_events(&l);
        launch(&l, 1);
        coap_ep_tick(&l.sv, l.now, &l.out);
        server_events(&l);
        launch(&l, 0);
        answer_due(&l);
        launch(&l, 0);
        deliver_due(&l);
    }
    for (int k = 0; k < nreq; k++) {
        CHECK(l.ended[k]);                  /* every request ended ... */
        CHECK(!l.answered[k] || l.seen[k]); /* ... and an answer means the server saw it */
    }
    CHECK(coap_ep_open_exchanges(&l.cl) == 0 && coap_ep_open_exchanges(&l.sv) == 0);
    coap_ep_free(&l.cl);
    coap_ep_free(&l.sv);
    coap_out_free(&l.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    switch (data[0] & 3) {
    case 0: fuzz_codec(data + 1, size - 1); break;
    case 1: fuzz_endpoint(data, size); break;
    case 2: fuzz_blocks(data, size); break;
    case 3: fuzz_link(data, size); break;
    }
    return 0;
}
