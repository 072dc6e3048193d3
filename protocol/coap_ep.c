/* coap_ep.c - the CoAP message layer for one peer (RFC 7252 §4, §5.3).
 *
 * Two tables, both fixed in size at init:
 *   xchg[]  our messages: requests (client role) and response-coded CON
 *           messages (separate responses, notifications), each QUEUED behind
 *           NSTART, WAIT_ACK (retransmitting), WAIT_RESP (after an empty ACK
 *           or as a NON request) or OBSERVING;
 *   dedup[] the peer's CON and NON messages by message id, with the reply we
 *           gave to a CON, for EXCHANGE_LIFETIME / NON_LIFETIME; an entry
 *           for a request is also its handle until the user answers.
 * Deadlines exist only in xchg[]; dedup entries expire lazily. */
#include "coap_ep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum xstate { X_FREE = 0, X_QUEUED, X_WAIT_ACK, X_WAIT_RESP, X_OBSERVING };

struct coap_xchg {
    uint32_t xid;
    uint8_t state;
    uint8_t request; /* a request of ours, else a response-coded CON/NON */
    uint8_t con;
    uint8_t observe; /* the request registers an observation (Observe 0) */
    uint8_t obs_have;
    uint8_t tkl, token[COAP_TOKEN_MAX];
    uint16_t mid;
    unsigned retransmits;
    uint64_t timeout;  /* current retransmission interval */
    uint64_t deadline; /* WAIT_ACK: next retransmission or give-up; WAIT_RESP: give-up */
    uint64_t seq;      /* QUEUED: order */
    uint32_t obs_seq;
    uint64_t obs_time;
    bytebuf dgram;     /* the datagram, for retransmission (mid patched when sent) */
};

enum dstate { D_FREE = 0, D_PENDING, D_ACCEPTED, D_DONE };

struct coap_dedup {
    uint32_t xid; /* requests: the REQUEST handle */
    uint8_t state;
    uint8_t con;
    uint16_t mid;
    uint8_t tkl, token[COAP_TOKEN_MAX];
    uint64_t received;
    uint64_t expires;
    bytebuf reply; /* what a duplicate CON gets again (ACK or RST) */
};

/* ---- small helpers ---- */

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* splitmix64: tiny, seedable, good enough for jitter and tokens. */
static uint64_t rng_next(coap_ep *ep)
{
    uint64_t z = (ep->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t new_xid(coap_ep *ep)
{
    if (ep->next_xid == 0)
        ep->next_xid = 1;
    return ep->next_xid++;
}

static int tok_eq(uint8_t tkl1, const uint8_t *t1, uint8_t tkl2, const uint8_t *t2)
{
    return tkl1 == tkl2 && memcmp(t1, t2, tkl1) == 0;
}

/* ---- out ---- */

void coap_out_init(coap_out *o)
{
    memset(o, 0, sizeof(*o));
    bytebuf_init(&o->bytes);
}

void coap_out_clear(coap_out *o)
{
    bytebuf_clear(&o->bytes);
    o->ndg = 0;
    o->nev = 0;
    o->err = 0;
}

void coap_out_free(coap_out *o)
{
    bytebuf_free(&o->bytes);
    free(o->dg_end);
    free(o->ev);
    coap_out_init(o);
}

const uint8_t *coap_out_datagram(const coap_out *o, size_t i, size_t *len)
{
    if (i >= o->ndg)
        return NULL;
    size_t start = i ? o->dg_end[i - 1] : 0;
    *len = o->dg_end[i] - start;
    return o->bytes.data + start;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 8;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return -ENOMEM;
    *p = q;
    *cap = c;
    return 0;
}

static void emit_dgram(coap_ep *ep, coap_out *o, const uint8_t *d, size_t n)
{
    size_t before = o->bytes.len;
    if (grow((void **)&o->dg_end, &o->dg_cap, o->ndg + 1, sizeof(size_t)) ||
        bytebuf_append(&o->bytes, d, n)) {
        o->bytes.len = before;
        o->err = -ENOMEM;
        return;
    }
    o->dg_end[o->ndg++] = o->bytes.len;
    ep->stats.sent++;
}

static coap_event *emit_event(coap_out *o, coap_event_kind kind, uint32_t xid, uint8_t tkl,
                              const uint8_t *token)
{
    if (grow((void **)&o->ev, &o->ev_cap, o->nev + 1, sizeof(coap_event))) {
        o->err = -ENOMEM;
        return NULL;
    }
    coap_event *e = &o->ev[o->nev++];
    memset(e, 0, offsetof(coap_event, msg));
    coap_msg_init(&e->msg, COAP_CON, COAP_EMPTY);
    e->kind = kind;
    e->xid = xid;
    e->tkl = tkl;
    memcpy(e->token, token, tkl);
    return e;
}

static void emit_msg_event(coap_out *o, coap_event_kind kind, uint32_t xid, const coap_msg *m,
                           int separate)
{
    coap_event *e = emit_event(o, kind, xid, m->tkl, m->token);
    if (e) {
        e->msg = *m;
        e->separate = separate;
    }
}

/* An Empty ACK or RST echoing mid; cached in `keep` when given. */
static void send_empty(coap_ep *ep, coap_out *o, coap_type type, uint16_t mid, bytebuf *keep)
{
    uint8_t d[4] = {(uint8_t)(COAP_VERSION << 6 | type << 4), COAP_EMPTY, (uint8_t)(mid >> 8),
                    (uint8_t)mid};
    emit_dgram(ep, o, d, sizeof(d));
    if (type == COAP_RST)
        ep->stats.rst_sent++;
    if (keep) {
        bytebuf_clear(keep);
        if (bytebuf_append(keep, d, sizeof(d)))
            o->err = -ENOMEM;
    }
}

/* ---- config, lifecycle ---- */

void coap_ep_config_default(coap_ep_config *c)
{
    memset(c, 0, sizeof(*c));
    c->ack_timeout = COAP_S(2);
    c->ack_random_milli = 1500;
    c->max_retransmit = 4;
    c->nstart = 1;
    c->exchange_lifetime = COAP_S(247);
    c->non_lifetime = COAP_S(145);
    c->response_timeout = COAP_S(247);
    c->max_exchanges = 16;
    c->max_queued = 16;
    c->max_dedup = 64;
    c->token_len = 4;
    c->seed = 0;
}

static unsigned clamp(unsigned v, unsigned lo, unsigned hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* No configuration may make tick() loop for long or overflow the doubling. */
static void clamp_config(coap_ep_config *c)
{
    if (c->ack_timeout < COAP_MS(1))
        c->ack_timeout = COAP_MS(1);
    c->ack_random_milli = clamp(c->ack_random_milli, 1000, 4000);
    c->max_retransmit = clamp(c->max_retransmit, 0, 16);
    c->nstart = clamp(c->nstart, 1, 1024);
    c->max_exchanges = clamp(c->max_exchanges, 1, 1024);
    c->max_queued = clamp(c->max_queued, 0, 1024);
    c->max_dedup = clamp(c->max_dedup, 1, 4096);
    c->token_len = clamp(c->token_len, 0, COAP_TOKEN_MAX);
}

int coap_ep_init(coap_ep *ep, const coap_ep_config *cfg)
{
    memset(ep, 0, sizeof(*ep));
    if (cfg)
        ep->cfg = *cfg;
    else
        coap_ep_config_default(&ep->cfg);
    clamp_config(&ep->cfg);
    ep->rng = ep->cfg.seed;
    ep->nxchg = (size_t)ep->cfg.max_exchanges + ep->cfg.max_queued;
    ep->xchg = calloc(ep->nxchg, sizeof(*ep->xchg));
    ep->dedup = calloc(ep->cfg.max_dedup, sizeof(*ep->dedup));
    if (!ep->xchg || !ep->dedup) {
        coap_ep_free(ep);
        return -ENOMEM;
    }
    for (size_t i = 0; i < ep->nxchg; i++)
        bytebuf_init(&ep->xchg[i].dgram);
    for (size_t i = 0; i < ep->cfg.max_dedup; i++)
        bytebuf_init(&ep->dedup[i].reply);
    ep->next_mid = (uint16_t)rng_next(ep);
    ep->next_xid = 1;
    return 0;
}

void coap_ep_free(coap_ep *ep)
{
    if (ep->xchg)
        for (size_t i = 0; i < ep->nxchg; i++)
            bytebuf_free(&ep->xchg[i].dgram);
    if (ep->dedup)
        for (size_t i = 0; i < ep->cfg.max_dedup; i++)
            bytebuf_free(&ep->dedup[i].reply);
    free(ep->xchg);
    free(ep->dedup);
    ep->xchg = NULL;
    ep->dedup = NULL;
    ep->nxchg = 0;
}

/* ---- our exchanges ---- */

static void xchg_free(struct coap_xchg *x)
{
    bytebuf_clear(&x->dgram);
    bytebuf b = x->dgram;
    memset(x, 0, sizeof(*x));
    x->dgram = b; /* keep the buffer: the slot is reused */
}

static size_t count_state(const coap_ep *ep, enum xstate st)
{
    size_t n = 0;
    for (size_t i = 0; i < ep->nxchg; i++)
        n += ep->xchg[i].state == st;
    return n;
}

static size_t count_active(const coap_ep *ep)
{
    size_t n = 0;
    for (size_t i = 0; i < ep->nxchg; i++)
        n += ep->xchg[i].state != X_FREE && ep->xchg[i].state != X_QUEUED;
    return n;
}

size_t coap_ep_open_exchanges(const coap_ep *ep)
{
    return ep->nxchg - count_state(ep, X_FREE);
}

static struct coap_xchg *xchg_by_xid(coap_ep *ep, uint32_t xid)
{
    for (size_t i = 0; i < ep->nxchg; i++)
        if (ep->xchg[i].state != X_FREE && ep->xchg[i].xid == xid)
            return &ep->xchg[i];
    return NULL;
}

/* Our request waiting for a response with this token. */
static struct coap_xchg *request_by_token(coap_ep *ep, uint8_t tkl, const uint8_t *token)
{
    for (size_t i = 0; i < ep->nxchg; i++) {
        struct coap_xchg *x = &ep->xchg[i];
        if (x->request && x->state != X_FREE && x->state != X_QUEUED &&
            tok_eq(x->tkl, x->token, tkl, token))
            return x;
    }
    return NULL;
}

static int token_in_use(const coap_ep *ep, uint8_t tkl, const uint8_t *token)
{
    for (size_t i = 0; i < ep->nxchg; i++) {
        const struct coap_xchg *x = &ep->xchg[i];
        if (x->request && x->state != X_FREE && tok_eq(x->tkl, x->token, tkl, token))
            return 1;
    }
    return 0;
}

/* Initial retransmission timeout: uniform in [ACK_TIMEOUT,
 * ACK_TIMEOUT * ACK_RANDOM_FACTOR] (§4.2), in whole nanoseconds. */
static uint64_t initial_timeout(coap_ep *ep)
{
    uint64_t base = ep->cfg.ack_timeout;
    uint64_t span = mul_sat(base / 1000, ep->cfg.ack_random_milli - 1000);
    return base + (span ? rng_next(ep) % (span + 1) : 0);
}

/* Put x on the wire at time t: a fresh message id, then the schedule. */
static void xchg_send(coap_ep *ep, struct coap_xchg *x, uint64_t t, coap_out *out)
{
    x->mid = ep->next_mid++;
    x->dgram.data[2] = (uint8_t)(x->mid >> 8);
    x->dgram.data[3] = (uint8_t)x->mid;
    emit_dgram(ep, out, x->dgram.data, x->dgram.len);
    if (x->con) {
        x->state = X_WAIT_ACK;
        x->retransmits = 0;
        x->timeout = initial_timeout(ep);
        x->deadline = add_sat(t, x->timeout);
    } else {
        x->state = X_WAIT_RESP;
        x->deadline = add_sat(t, ep->cfg.response_timeout);
    }
}

static int may_send_con(const coap_ep *ep)
{
    return count_state(ep, X_WAIT_ACK) < ep->cfg.nstart && count_active(ep) < ep->cfg.max_exchanges;
}

/* Send queued CON messages, oldest first, while NSTART and the slots allow. */
static void release_queue(coap_ep *ep, uint64_t t, coap_out *out)
{
    while (may_send_con(ep)) {
        struct coap_xchg *oldest = NULL;
        for (size_t i = 0; i < ep->nxchg; i++) {
            struct coap_xchg *x = &ep->xchg[i];
            if (x->state == X_QUEUED && (!oldest || x->seq < oldest->seq))
                oldest = x;
        }
        if (!oldest)
            return;
        xchg_send(ep, oldest, t, out);
    }
}

static void remember_non(coap_ep *ep, uint64_t now, uint32_t xid, const coap_msg *m)
{
    struct coap_nonrec *r = &ep->recent_non[ep->recent_next++ % 8];
    r->xid = xid;
    r->mid = m->mid;
    r->tkl = m->tkl;
    memcpy(r->token, m->token, m->tkl);
    r->expires = add_sat(now, ep->cfg.non_lifetime);
}

static int draw_token(coap_ep *ep, coap_msg *m)
{
    for (int tries = 0; tries < 64; tries++) {
        uint64_t r = rng_next(ep);
        for (unsigned i = 0; i < ep->cfg.token_len; i++)
            m->token[i] = (uint8_t)(r >> (8 * i));
        m->tkl = (uint8_t)ep->cfg.token_len;
        if (!token_in_use(ep, m->tkl, m->token))
            return 0;
    }
    return -EEXIST;
}

static struct coap_xchg *free_slot(coap_ep *ep)
{
    for (size_t i = 0; i < ep->nxchg; i++)
        if (ep->xchg[i].state == X_FREE)
            return &ep->xchg[i];
    return NULL;
}

/* A NON message of the server role: out at once, only remembered for RST. */
static int send_non_response(coap_ep *ep, uint64_t now, coap_msg *m, uint32_t *xid, coap_out *out)
{
    bytebuf b;
    bytebuf_init(&b);
    m->mid = ep->next_mid++;
    int rc = coap_build(m, &b);
    if (rc == 0) {
        uint32_t id = new_xid(ep);
        emit_dgram(ep, out, b.data, b.len);
        remember_non(ep, now, id, m);
        if (xid)
            *xid = id;
    }
    bytebuf_free(&b);
    return rc;
}

/* Send or queue one of our messages (m: type, code, token all set). */
static int start_message(coap_ep *ep, uint64_t now, coap_msg *m, int request, uint32_t *xid,
                         coap_out *out)
{
    if (!request && m->type == COAP_NON)
        return send_non_response(ep, now, m, xid, out);
    int con = m->type == COAP_CON;
    int now_ok = con ? may_send_con(ep) : count_active(ep) < ep->cfg.max_exchanges;
    if (!now_ok && (!con || count_state(ep, X_QUEUED) >= ep->cfg.max_queued))
        return -ENOBUFS;
    struct coap_xchg *x = free_slot(ep);
    if (!x)
        return -ENOBUFS;
    m->mid = 0; /* patched when sent */
    int rc = coap_build(m, &x->dgram);
    if (rc) {
        bytebuf_clear(&x->dgram);
        return rc;
    }
    uint32_t obs;
    x->xid = new_xid(ep);
    x->request = (uint8_t)request;
    x->con = (uint8_t)con;
    x->observe = request && coap_msg_observe(m, &obs) == 0 && obs == 0;
    x->tkl = m->tkl;
    memcpy(x->token, m->token, m->tkl);
    x->state = X_QUEUED;
    x->seq = ep->queue_seq++;
    if (now_ok)
        xchg_send(ep, x, now, out);
    if (xid)
        *xid = x->xid;
    return 0;
}

/* ---- deadlines ---- */

static struct coap_xchg *earliest(coap_ep *ep)
{
    struct coap_xchg *best = NULL;
    for (size_t i = 0; i < ep->nxchg; i++) {
        struct coap_xchg *x = &ep->xchg[i];
        if ((x->state == X_WAIT_ACK || x->state == X_WAIT_RESP) &&
            (!best || x->deadline < best->deadline))
            best = x;
    }
    return best;
}

uint64_t coap_ep_next_deadline(const coap_ep *ep)
{
    struct coap_xchg *x = earliest((coap_ep *)ep);
    return x ? x->deadline : COAP_NEVER;
}

static void give_up(coap_ep *ep, struct coap_xchg *x, uint64_t t, coap_out *out)
{
    ep->stats.timeouts++;
    emit_event(out, COAP_EV_TIMEOUT, x->xid, x->tkl, x->token);
    xchg_free(x);
    release_queue(ep, t, out);
}

/* §4.2: retransmit at the timeout, doubling it each time; after
 * MAX_RETRANSMIT retransmissions, one more timeout and the attempt fails. */
static void run_due(coap_ep *ep, uint64_t now, coap_out *out)
{
    for (struct coap_xchg *x; (x = earliest(ep)) && x->deadline <= now;) {
        uint64_t t = x->deadline;
        if (x->state == X_WAIT_ACK && x->retransmits < ep->cfg.max_retransmit) {
            emit_dgram(ep, out, x->dgram.data, x->dgram.len);
            ep->stats.retransmissions++;
            x->retransmits++;
            x->timeout = mul_sat(x->timeout, 2);
            x->deadline = add_sat(t, x->timeout);
        } else {
            give_up(ep, x, t, out);
        }
    }
}

void coap_ep_tick(coap_ep *ep, uint64_t now, coap_out *out)
{
    run_due(ep, now, out);
}

/* ---- client API ---- */

int coap_ep_request(coap_ep *ep, uint64_t now, const coap_msg *req, uint32_t *xid, coap_out *out)
{
    run_due(ep, now, out);
    if ((req->type != COAP_CON && req->type != COAP_NON) || !coap_code_is_request(req->code) ||
        req->tkl > COAP_TOKEN_MAX)
        return -EINVAL;
    coap_msg m = *req;
    if (m.tkl == 0 && ep->cfg.token_len) {
        int rc = draw_token(ep, &m);
        if (rc)
            return rc;
    } else if (token_in_use(ep, m.tkl, m.token)) {
        return -EEXIST;
    }
    return start_message(ep, now, &m, 1, xid, out);
}

int coap_ep_send(coap_ep *ep, uint64_t now, const coap_msg *msg, uint32_t *xid, coap_out *out)
{
    run_due(ep, now, out);
    if ((msg->type != COAP_CON && msg->type != COAP_NON) || !coap_code_is_response(msg->code) ||
        msg->tkl > COAP_TOKEN_MAX)
        return -EINVAL;
    coap_msg m = *msg;
    return start_message(ep, now, &m, 0, xid, out);
}

int coap_ep_cancel(coap_ep *ep, uint64_t now, uint32_t xid, coap_out *out)
{
    run_due(ep, now, out);
    int found = 0;
    for (size_t i = 0; i < 8; i++)
        if (ep->recent_non[i].xid == xid && xid) {
            memset(&ep->recent_non[i], 0, sizeof(ep->recent_non[i]));
            found = 1;
        }
    struct coap_xchg *x = xchg_by_xid(ep, xid);
    if (!x)
        return found ? 0 : -ENOENT;
    xchg_free(x);
    release_queue(ep, now, out);
    return 0;
}

/* ---- the peer's messages: dedup ---- */

static int dedup_alive(const struct coap_dedup *d, uint64_t now)
{
    return d->state != D_FREE && now < d->expires;
}

static struct coap_dedup *dedup_by_mid(coap_ep *ep, uint64_t now, uint16_t mid)
{
    for (size_t i = 0; i < ep->cfg.max_dedup; i++)
        if (dedup_alive(&ep->dedup[i], now) && ep->dedup[i].mid == mid)
            return &ep->dedup[i];
    return NULL;
}

static struct coap_dedup *dedup_by_xid(coap_ep *ep, uint64_t now, uint32_t xid)
{
    for (size_t i = 0; i < ep->cfg.max_dedup; i++) {
        struct coap_dedup *d = &ep->dedup[i];
        if (xid && dedup_alive(d, now) && d->xid == xid && d->state != D_DONE)
            return d;
    }
    return NULL;
}

/* A free (or expired) entry; else the oldest answered one, evicted; else
 * NULL: every entry is a request the user has not answered yet. */
static struct coap_dedup *dedup_alloc(coap_ep *ep, uint64_t now)
{
    struct coap_dedup *oldest = NULL;
    for (size_t i = 0; i < ep->cfg.max_dedup; i++) {
        struct coap_dedup *d = &ep->dedup[i];
        if (!dedup_alive(d, now))
            return d;
        if (d->state == D_DONE && (!oldest || d->received < oldest->received))
            oldest = d;
    }
    if (oldest)
        ep->stats.dedup_evicted++;
    return oldest;
}

/* Remember m; NULL (counted as dropped) when the cache has no room. */
static struct coap_dedup *dedup_record(coap_ep *ep, uint64_t now, const coap_msg *m, int state)
{
    struct coap_dedup *d = dedup_alloc(ep, now);
    if (!d) {
        ep->stats.dropped_full++;
        return NULL;
    }
    bytebuf_clear(&d->reply);
    d->xid = 0;
    d->state = (uint8_t)state;
    d->con = m->type == COAP_CON;
    d->mid = m->mid;
    d->tkl = m->tkl;
    memcpy(d->token, m->token, m->tkl);
    d->received = now;
    d->expires = add_sat(now, d->con ? ep->cfg.exchange_lifetime : ep->cfg.non_lifetime);
    return d;
}

/* §4.5: a duplicate CON gets the same ACK or RST again and is not
 * processed; a duplicate NON is dropped.  A request still unanswered has
 * no reply yet: its duplicate is acknowledged now (a separate response). */
static void on_duplicate(coap_ep *ep, struct coap_dedup *d, const coap_msg *m, coap_out *out)
{
    ep->stats.duplicates++;
    if (m->type != COAP_CON || !d->con)
        return;
    if (d->state == D_PENDING) {
        send_empty(ep, out, COAP_ACK, d->mid, &d->reply);
        d->state = D_ACCEPTED;
    } else if (d->reply.len) {
        emit_dgram(ep, out, d->reply.data, d->reply.len);
    }
}

/* ---- the peer's messages: matching ---- */

/* A response (piggybacked or separate) to our request x. */
static void deliver_response(coap_ep *ep, struct coap_xchg *x, uint64_t now, const coap_msg *m,
                             int separate, coap_out *out)
{
    uint32_t seq;
    int notif = x->observe && COAP_CODE_CLASS(m->code) == 2 && coap_msg_observe(m, &seq) == 0;
    if (notif) {
        if (x->obs_have && !coap_observe_fresher(x->obs_seq, x->obs_time, seq, now)) {
            ep->stats.stale++;
            return;
        }
        x->obs_have = 1;
        x->obs_seq = seq;
        x->obs_time = now;
        x->state = X_OBSERVING;
        x->deadline = COAP_NEVER;
        emit_msg_event(out, COAP_EV_RESPONSE, x->xid, m, separate);
    } else {
        emit_msg_event(out, COAP_EV_RESPONSE, x->xid, m, separate);
        xchg_free(x);
    }
    release_queue(ep, now, out);
}

static struct coap_xchg *waiting_ack(coap_ep *ep, uint16_t mid)
{
    for (size_t i = 0; i < ep->nxchg; i++)
        if (ep->xchg[i].state == X_WAIT_ACK && ep->xchg[i].mid == mid)
            return &ep->xchg[i];
    return NULL;
}

static int on_ack(coap_ep *ep, uint64_t now, const coap_msg *m, coap_out *out)
{
    if (m->code != COAP_EMPTY && !coap_code_is_response(m->code)) {
        ep->stats.bad++; /* a reserved class (1, 6, 7): ignored like any bad ACK */
        return 0;
    }
    struct coap_xchg *x = waiting_ack(ep, m->mid);
    /* §5.3.2: a piggybacked response must match mid and token. */
    if (!x || (x->request && m->code != COAP_EMPTY && !tok_eq(x->tkl, x->token, m->tkl, m->token))) {
        ep->stats.unmatched++;
        return 0;
    }
    if (x->request && m->code != COAP_EMPTY) {
        deliver_response(ep, x, now, m, 0, out);
        return 0;
    }
    emit_event(out, COAP_EV_ACKED, x->xid, x->tkl, x->token);
    if (x->request) {
        x->state = X_WAIT_RESP;
        x->deadline = add_sat(now, ep->cfg.response_timeout);
    } else {
        xchg_free(x);
    }
    release_queue(ep, now, out);
    return 0;
}

static int on_rst(coap_ep *ep, uint64_t now, const coap_msg *m, coap_out *out)
{
    ep->stats.rst_received++;
    for (size_t i = 0; i < ep->nxchg; i++) {
        struct coap_xchg *x = &ep->xchg[i];
        int ours = x->state == X_WAIT_ACK || (!x->con && x->state != X_FREE && x->state != X_QUEUED);
        if (ours && x->mid == m->mid) {
            emit_event(out, COAP_EV_RESET, x->xid, x->tkl, x->token);
            xchg_free(x);
            release_queue(ep, now, out);
            return 0;
        }
    }
    for (size_t i = 0; i < 8; i++) {
        struct coap_nonrec *r = &ep->recent_non[i];
        if (r->xid && r->mid == m->mid && now < r->expires) {
            emit_event(out, COAP_EV_RESET, r->xid, r->tkl, r->token);
            memset(r, 0, sizeof(*r));
            return 0;
        }
    }
    ep->stats.unmatched++;
    return 0;
}

static int on_request(coap_ep *ep, uint64_t now, const coap_msg *m, coap_out *out)
{
    struct coap_dedup *d = dedup_record(ep, now, m, D_PENDING);
    if (!d)
        return -ENOBUFS;
    d->xid = new_xid(ep);
    emit_msg_event(out, COAP_EV_REQUEST, d->xid, m, 0);
    return 0;
}

/* A CON or NON carrying a response: ours by token, else rejected (§5.3.2). */
static int on_separate_response(coap_ep *ep, uint64_t now, const coap_msg *m, coap_out *out)
{
    struct coap_dedup *d = dedup_record(ep, now, m, D_DONE);
    if (!d)
        return -ENOBUFS;
    struct coap_xchg *x = request_by_token(ep, m->tkl, m->token);
    if (m->type == COAP_CON)
        send_empty(ep, out, x ? COAP_ACK : COAP_RST, m->mid, &d->reply);
    if (!x) {
        ep->stats.unmatched++;
        return 0;
    }
    deliver_response(ep, x, now, m, 1, out);
    return 0;
}

static int on_con_non(coap_ep *ep, uint64_t now, const coap_msg *m, coap_out *out)
{
    struct coap_dedup *d = dedup_by_mid(ep, now, m->mid);
    if (d) {
        on_duplicate(ep, d, m, out);
        return 0;
    }
    unsigned cls = COAP_CODE_CLASS(m->code);
    if (m->code == COAP_EMPTY || cls == 1 || cls > 5) {
        /* A CoAP ping (Empty CON, §4.3), or a reserved code class: reject. */
        if (m->code != COAP_EMPTY)
            ep->stats.bad++;
        if (m->type == COAP_CON)
            send_empty(ep, out, COAP_RST, m->mid, NULL);
        return 0;
    }
    if (cls == 0)
        return on_request(ep, now, m, out);
    return on_separate_response(ep, now, m, out);
}

int coap_ep_feed(coap_ep *ep, uint64_t now, const uint8_t *d, size_t n, coap_out *out)
{
    run_due(ep, now, out);
    ep->stats.received++;
    coap_msg m;
    int rc = coap_parse(&m, d, n);
    if (rc) {
        /* §4.2/§4.3: reject a malformed CON with RST; ignore the rest (an
         * unknown version silently, §3). */
        ep->stats.bad++;
        if (rc != COAP_E_SHORT && rc != COAP_E_VERSION && m.type == COAP_CON)
            send_empty(ep, out, COAP_RST, m.mid, NULL);
        return rc;
    }
    switch (m.type) {
    case COAP_ACK: return on_ack(ep, now, &m, out);
    case COAP_RST: return on_rst(ep, now, &m, out);
    default: return on_con_non(ep, now, &m, out);
    }
}

/* ---- server API ---- */

int coap_ep_accept(coap_ep *ep, uint64_t now, uint32_t req_xid, coap_out *out)
{
    run_due(ep, now, out);
    struct coap_dedup *d = dedup_by_xid(ep, now, req_xid);
    if (!d)
        return -ENOENT;
    if (!d->con)
        return -EINVAL;
    if (d->state == D_PENDING) {
        send_empty(ep, out, COAP_ACK, d->mid, &d->reply);
        d->state = D_ACCEPTED;
    }
    return 0;
}

int coap_ep_respond(coap_ep *ep, uint64_t now, uint32_t req_xid, const coap_msg *resp,
                    uint32_t *sep_xid, coap_out *out)
{
    run_due(ep, now, out);
    struct coap_dedup *d = dedup_by_xid(ep, now, req_xid);
    if (!d)
        return -ENOENT;
    if (!coap_code_is_response(resp->code))
        return -EINVAL;
    coap_msg r = *resp;
    r.tkl = d->tkl;
    memcpy(r.token, d->token, d->tkl);
    if (sep_xid)
        *sep_xid = 0;
    if (d->con && d->state == D_PENDING) {
        /* Piggybacked (§5.2.1): the ACK carries the response. */
        r.type = COAP_ACK;
        r.mid = d->mid;
        bytebuf_clear(&d->reply);
        int rc = coap_build(&r, &d->reply);
        if (rc)
            return rc;
        emit_dgram(ep, out, d->reply.data, d->reply.len);
    } else {
        /* Separate (§5.2.2) after an empty ACK, or NON to a NON (§5.2.3). */
        r.type = d->con ? COAP_CON : COAP_NON;
        int rc = start_message(ep, now, &r, 0, sep_xid, out);
        if (rc)
            return rc;
    }
    d->state = D_DONE;
    return 0;
}

const char *coap_event_name(coap_event_kind k)
{
    switch (k) {
    case COAP_EV_REQUEST: return "request";
    case COAP_EV_RESPONSE: return "response";
    case COAP_EV_ACKED: return "acked";
    case COAP_EV_RESET: return "reset";
    case COAP_EV_TIMEOUT: return "timeout";
    }
    return "?";
}
