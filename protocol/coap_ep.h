/* coap_ep.h - the CoAP message layer for one peer (RFC 7252 §4, §5.3; the
 * client half of RFC 7641 Observe), sans-I/O.
 *
 * One coap_ep is the conversation with one peer address: the caller
 * demultiplexes datagrams by address and owns the socket.  The endpoint never
 * reads a clock, never does I/O and draws every random number (initial
 * retransmission timeout, first message id, tokens) from a PRNG seeded by its
 * config, so that a scenario runs the same every time.  Time is the caller's
 * uint64_t nanoseconds, passed in with every call.
 *
 * Every call that can produce something takes a coap_out and appends to it,
 * in order: the datagrams to send to the peer, and the events for the user.
 * The caller sends the datagrams, handles the events, clears the out, and
 * re-arms its one timer at coap_ep_next_deadline():
 *
 *     coap_ep_request(&ep, now, &req, &xid, &out);     client: a request
 *     on a datagram:  coap_ep_feed(&ep, now, buf, n, &out);
 *     on the timer:   coap_ep_tick(&ep, now, &out);
 *     after each:     send every coap_out_datagram(&out, i);
 *                     handle every out.ev[i];  coap_out_clear(&out);
 *                     arm the timer at coap_ep_next_deadline(&ep);
 *     on a REQUEST:   coap_ep_respond(&ep, now, ev->xid, &resp, NULL, &out);
 *
 * Events carrying a message (REQUEST, RESPONSE) point into the datagram given
 * to coap_ep_feed(): handle them before reusing that buffer.
 *
 * Deadlines due at or before `now` are handled first by every call, each at
 * its own due time, so results do not depend on how often the caller ticks.
 * Behaviour, constants and what is not implemented: docs/coap.md.
 */
#ifndef SARASIM_COAP_EP_H
#define SARASIM_COAP_EP_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"
#include "coap.h"

#define COAP_NEVER UINT64_MAX
#define COAP_MS(x) ((uint64_t)(x) * 1000000ull)
#define COAP_S(x) ((uint64_t)(x) * 1000000000ull)

/* RFC 7252 §4.8 defaults (and §4.8.2 derived times), all overridable. */
typedef struct coap_ep_config {
    uint64_t ack_timeout;       /* ACK_TIMEOUT 2 s */
    unsigned ack_random_milli;  /* ACK_RANDOM_FACTOR 1.5 as 1500 (1000..4000) */
    unsigned max_retransmit;    /* MAX_RETRANSMIT 4 (0..16) */
    unsigned nstart;            /* NSTART 1: CON messages awaiting an ACK at once */
    uint64_t exchange_lifetime; /* EXCHANGE_LIFETIME 247 s: dedup of CON */
    uint64_t non_lifetime;      /* NON_LIFETIME 145 s: dedup of NON */
    /* How long a request waits for its response after an empty ACK, or after
     * being sent as NON (the RFC sets no limit; ours: EXCHANGE_LIFETIME). */
    uint64_t response_timeout;
    unsigned max_exchanges;     /* our messages in flight / awaiting a response / observing: 16 */
    unsigned max_queued;        /* our CON messages waiting for NSTART: 16 */
    unsigned max_dedup;         /* peer messages remembered for dedup: 64 */
    unsigned token_len;         /* length of generated tokens, 0..8: 4 */
    uint64_t seed;              /* PRNG seed */
} coap_ep_config;

void coap_ep_config_default(coap_ep_config *c);

typedef enum coap_event_kind {
    COAP_EV_REQUEST = 1, /* a new request from the peer: answer it with coap_ep_respond() */
    COAP_EV_RESPONSE,    /* a response (or an Observe notification) to our request xid */
    COAP_EV_ACKED,       /* our CON xid got an empty ACK (a request: the response comes separately) */
    COAP_EV_RESET,       /* the peer answered our message xid with RST (token: ours) */
    COAP_EV_TIMEOUT,     /* our message xid was never acknowledged / answered */
} coap_event_kind;

typedef struct coap_event {
    coap_event_kind kind;
    uint32_t xid;                   /* the exchange: ours, or the REQUEST's handle */
    uint8_t tkl;                    /* the exchange's token */
    uint8_t token[COAP_TOKEN_MAX];
    int separate;                   /* RESPONSE: came in its own CON/NON, not in the ACK */
    coap_msg msg;                   /* REQUEST, RESPONSE: the message as received */
} coap_event;

/* What the calls ask the caller to do.  Calls append; the caller clears. */
typedef struct coap_out {
    bytebuf bytes;    /* every datagram, back to back */
    size_t *dg_end;   /* end offset of datagram i in bytes */
    size_t ndg, dg_cap;
    coap_event *ev;
    size_t nev, ev_cap;
    int err;          /* 0, or -ENOMEM if an append failed (something was lost) */
} coap_out;

void coap_out_init(coap_out *o);
void coap_out_clear(coap_out *o);
void coap_out_free(coap_out *o);
const uint8_t *coap_out_datagram(const coap_out *o, size_t i, size_t *len);

typedef struct coap_ep_stats {
    uint64_t sent;            /* datagrams sent, retransmissions included */
    uint64_t retransmissions;
    uint64_t received;        /* datagrams fed */
    uint64_t bad;             /* format errors (rejected or ignored) */
    uint64_t duplicates;      /* peer messages recognised as duplicates */
    uint64_t rst_sent;
    uint64_t rst_received;
    uint64_t timeouts;
    uint64_t unmatched;       /* responses / ACKs matching nothing of ours */
    uint64_t stale;           /* Observe notifications older than the last (RFC 7641 §3.4) */
    uint64_t dedup_evicted;   /* answered entries dropped early because the cache was full */
    uint64_t dropped_full;    /* peer messages dropped: every dedup entry awaited an answer */
} coap_ep_stats;

struct coap_xchg;
struct coap_dedup;

typedef struct coap_ep {
    coap_ep_config cfg;
    uint64_t rng;           /* splitmix64 state */
    uint16_t next_mid;
    uint32_t next_xid;      /* handles for both roles; never 0 */
    uint64_t queue_seq;     /* order of the NSTART queue */
    size_t nxchg;           /* cfg.max_exchanges + cfg.max_queued slots */
    struct coap_xchg *xchg; /* our messages */
    struct coap_dedup *dedup; /* the peer's messages, cfg.max_dedup slots */
    struct coap_nonrec {    /* our recent NON messages, to map an RST to its token */
        uint32_t xid;
        uint16_t mid;
        uint8_t tkl, token[COAP_TOKEN_MAX];
        uint64_t expires;
    } recent_non[8];
    unsigned recent_next;
    coap_ep_stats stats;
} coap_ep;

/* cfg NULL = defaults.  0 or -ENOMEM.  Out-of-range numbers are clamped
 * (docs/coap.md).  free() releases everything; events already handed out
 * stay valid (they hold no pointer into the endpoint). */
int coap_ep_init(coap_ep *ep, const coap_ep_config *cfg);
void coap_ep_free(coap_ep *ep);

/* Client role: send request `req` (type CON or NON, a request code).  The
 * endpoint sets the message id; when req->tkl is 0 it also draws a token of
 * cfg.token_len bytes.  A CON waits in the NSTART queue while cfg.nstart CON
 * messages await their ACK.  *xid (may be NULL) names the exchange in later
 * events.  A request with Observe 0 stays open after a 2.xx response carrying
 * Observe: its notifications come as more RESPONSE events until a non-2.xx or
 * Observe-less one, or coap_ep_cancel().  0, -EINVAL (not a request, bad
 * type), -EEXIST (token in use by another exchange), -ENOBUFS (no slot),
 * -ENOMEM. */
int coap_ep_request(coap_ep *ep, uint64_t now, const coap_msg *req, uint32_t *xid, coap_out *out);

/* Server role: send a CON or NON message with a response code and the
 * caller's token (an Observe notification, RFC 7641 §4.2).  A CON is
 * retransmitted like a request and ends with ACKED, RESET (the observer is
 * gone, §3.6) or TIMEOUT; a NON ends at once but an RST to it within
 * NON_LIFETIME still yields RESET.  Errors as coap_ep_request. */
int coap_ep_send(coap_ep *ep, uint64_t now, const coap_msg *msg, uint32_t *xid, coap_out *out);

/* A datagram from the peer, received at `now`.  Returns 0, a coap_err when
 * it was malformed (a CON one is answered with RST), or -ENOBUFS when every
 * dedup entry awaits an answer and the message was dropped. */
int coap_ep_feed(coap_ep *ep, uint64_t now, const uint8_t *d, size_t n, coap_out *out);

/* Answer the REQUEST event `req_xid` with resp (its code, options, payload;
 * type, id and token are the endpoint's): piggybacked in the ACK of a CON
 * request not yet acknowledged, as a separate CON after coap_ep_accept(), as
 * a NON to a NON request.  The reply to a CON is cached and resent for its
 * duplicates.  *sep_xid (may be NULL) names the response when it goes in
 * its own message: a separate CON ends with ACKED / RESET / TIMEOUT, a NON
 * only with RESET if the peer rejects it; it is 0 for a piggybacked one.  0, -ENOENT (unknown
 * or already answered, or expired), -EINVAL (resp has no response code),
 * -ENOBUFS, -ENOMEM. */
int coap_ep_respond(coap_ep *ep, uint64_t now, uint32_t req_xid, const coap_msg *resp,
                    uint32_t *sep_xid, coap_out *out);
/* Acknowledge CON request req_xid now with an empty ACK; the answer given
 * later to coap_ep_respond() goes as a separate response (§5.2.2).  A
 * duplicate of a request still unanswered is acknowledged this way too.
 * 0 (also if already accepted), -ENOENT, -EINVAL (a NON request). */
int coap_ep_accept(coap_ep *ep, uint64_t now, uint32_t req_xid, coap_out *out);

/* Forget our exchange xid (queued, in flight, awaiting a response or
 * observing): no event follows; a late response is answered as unknown
 * (RST if CON), which also ends an observation at the peer (RFC 7641 §3.6).
 * A queued message may go out in its place (hence now and out).  0 or
 * -ENOENT. */
int coap_ep_cancel(coap_ep *ep, uint64_t now, uint32_t xid, coap_out *out);

/* Handle every deadline due at or before `now`. */
void coap_ep_tick(coap_ep *ep, uint64_t now, coap_out *out);
/* When tick() must next be called; COAP_NEVER when nothing is due (the dedup
 * cache expires lazily and needs no timer). */
uint64_t coap_ep_next_deadline(const coap_ep *ep);

/* Our exchanges still open (queued, in flight, awaiting, observing). */
size_t coap_ep_open_exchanges(const coap_ep *ep);
static inline const coap_ep_stats *coap_ep_stats_of(const coap_ep *ep) { return &ep->stats; }
const char *coap_event_name(coap_event_kind k); /* "request", "response", ... */

#endif
