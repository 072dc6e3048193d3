/* lwm2m_server.h - a small LwM2M 1.0 server, sans-I/O: the one scenarios
 * and `make run` talk to (issue 10; docs/lwm2m-server.md).
 *
 *   registration interface (OMA LwM2M 1.0 TS §5.3): Register, Update,
 *     De-register on /rd, Block1 payloads, lifetimes and their expiry;
 *   device management and information reporting (§5.4, §5.5), started by
 *     the caller on a registered client: Read, Write (replace / partial
 *     update), Execute, Discover, Write-Attributes, Observe and Cancel;
 *   faults of its own: answer registration requests with an error code,
 *     forget everything (a restart), never answer Register/Update, never
 *     acknowledge notifications or answer them with RST;
 *   a log of what each client sent.
 *
 * Like the CoAP endpoint it runs on (one coap_ep per peer, coap_ep.h) it
 * never reads a clock, never does I/O and draws every random number from
 * its seed.  The caller names each peer by an opaque 64-bit key (its
 * address), passes its time (uint64_t ns) with every call and gets back an
 * lwm2m_srv_out: datagrams for peers and events, in order.  It sends the
 * datagrams, handles the events, clears the out and re-arms its one timer
 * at lwm2m_server_next_deadline():
 *
 *     lwm2m_server_feed(s, now, peer, datagram, n, &out);   a datagram arrived
 *     lwm2m_server_tick(s, now, &out);                      the timer fired
 *     lwm2m_server_op(s, now, "urn:imei:...", &req, &op, &out);  read, write ...
 *     for each out.dg[i]:  send lwm2m_srv_out_data(&out, i) to out.dg[i].peer
 *     for each out.ev[i]:  react (lwm2m_srv_event_format() gives a trace line)
 *     lwm2m_srv_out_clear(&out);
 *
 * Transport security (DTLS) is the caller's: datagrams here are plaintext.
 */
#ifndef SARASIM_LWM2M_SERVER_H
#define SARASIM_LWM2M_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"
#include "coap_block.h"
#include "coap_ep.h"
#include "lwm2m_data.h"

#define LWM2M_SRV_NEVER UINT64_MAX
#define LWM2M_SRV_EP_MAX 128      /* endpoint name bytes (longer: 4.00) */
#define LWM2M_SRV_VERSION_MAX 8   /* "lwm2m=" value bytes */
#define LWM2M_SRV_BINDING_MAX 8   /* "b=" value bytes */
#define LWM2M_SRV_NO_CF UINT32_MAX
#define LWM2M_SRV_DEFAULT_LIFETIME 86400 /* TS §5.3.1: lt absent */
/* The default grace past a registration's lifetime: MAX_TRANSMIT_WAIT of
 * RFC 7252 §4.8.2, so that an Update sent just before the lifetime ends and
 * retransmitted for as long as CoAP allows still finds its registration. */
#define LWM2M_SRV_DEFAULT_GRACE COAP_S(93)

/* The caller's name for a peer (its address and port, for instance). */
typedef uint64_t lwm2m_peer;

typedef struct lwm2m_server_config {
    uint64_t seed;         /* every peer's coap_ep is seeded from it, the peer and a serial */
    uint64_t grace;        /* a registration expires lifetime + grace after its last
                              Register or Update (LWM2M_SRV_DEFAULT_GRACE) */
    coap_ep_config coap;   /* per peer (its seed is derived, the one here is ignored) */
    size_t max_clients;    /* registrations at once (16); a Register beyond: 5.03 */
    size_t max_peers;      /* peers with CoAP state (32); idle ones make room */
    size_t max_ops;        /* operations open at once, observations included (64) */
    size_t max_log;        /* log entries kept, the oldest dropped first (512) */
    size_t max_payload;    /* registration payload bytes, Block1 included (16 kB; beyond: 4.13) */
    /* The type of each resource, for TLV, text/plain and JSON payloads
     * (default lwm2m_server_objdef_type: the OMA definitions of
     * lwm2m_obj.h).  NULL, or LWM2M_E_NOTFOUND for a resource: values stay
     * as decoded (TLV: opaque bytes; JSON: as written; text: a string, or
     * opaque when not UTF-8). */
    lwm2m_type_fn types;
    void *types_ctx;
} lwm2m_server_config;

void lwm2m_server_config_default(lwm2m_server_config *c);
/* A lwm2m_type_fn over the OMA object definitions (lwm2m_objdef_find). */
int lwm2m_server_objdef_type(void *ctx, uint16_t obj, uint16_t res);

/* ---- operations the caller starts ---------------------------------------- */

typedef enum lwm2m_srv_op_kind {
    LWM2M_SOP_READ = 1,   /* GET [Accept] */
    LWM2M_SOP_WRITE,      /* PUT (replace) or POST (partial update) with a payload */
    LWM2M_SOP_EXECUTE,    /* POST [arguments] */
    LWM2M_SOP_OBSERVE,    /* GET Observe=0 [Accept]: the response, then notifications */
    LWM2M_SOP_CANCEL,     /* GET Observe=1 with the observation's token, or reactive */
    LWM2M_SOP_DISCOVER,   /* GET Accept=40 */
    LWM2M_SOP_ATTRIBUTES, /* PUT with Uri-Query pmin/pmax/gt/lt/st */
} lwm2m_srv_op_kind;

const char *lwm2m_srv_op_name(lwm2m_srv_op_kind k); /* "read", "write", ... */

typedef struct lwm2m_srv_op_req {
    lwm2m_srv_op_kind kind;
    lwm2m_path path;          /* depth 1..4 (execute: 3) */
    int32_t accept;           /* READ / OBSERVE: an Accept content format, or -1 */
    /* WRITE: the values (under path), the content format (LWM2M_CF_TLV,
     * LWM2M_CF_TEXT or LWM2M_CF_OPAQUE for one resource, LWM2M_CF_JSON),
     * and partial = POST (a partial update of an instance) instead of PUT. */
    const lwm2m_list *values;
    uint32_t format;
    bool partial;
    /* EXECUTE: the arguments (may be empty). */
    const char *args;
    size_t args_len;
    /* ATTRIBUTES: the attributes to set (set bits) and remove (clear bits). */
    lwm2m_attrs attrs;
    /* CANCEL: forget the observation and RST its next notification instead of
     * sending GET Observe=1 (RFC 7641 §3.6). */
    bool reactive;
} lwm2m_srv_op_req;

/* Zeroed request of a kind for path (accept -1, format TLV). */
void lwm2m_srv_op_req_init(lwm2m_srv_op_req *r, lwm2m_srv_op_kind kind, const lwm2m_path *path);

/* ---- events and the log --------------------------------------------------- */

typedef enum lwm2m_srv_event_kind {
    LWM2M_SEV_REGISTER = 1, /* a client registered (replaced: it was already) */
    LWM2M_SEV_UPDATE,       /* a registration was updated */
    LWM2M_SEV_DEREGISTER,   /* a client de-registered */
    LWM2M_SEV_EXPIRED,      /* no Update within lifetime + grace: registration removed */
    LWM2M_SEV_REJECTED,     /* a registration-interface request answered with an error */
    LWM2M_SEV_IGNORED,      /* a registration-interface request not answered (fault) */
    LWM2M_SEV_RESPONSE,     /* an operation's outcome: the client's answer, or a reason */
    LWM2M_SEV_NOTIFY,       /* a notification of an observation */
    LWM2M_SEV_UNOBSERVED,   /* an observation ended (reason) */
    LWM2M_SEV_RESTART,      /* the server forgot everything (fault) */
    LWM2M_SEV_REQUEST,      /* an operation was started (lwm2m_server_op) */
} lwm2m_srv_event_kind;

/* Which registration-interface request (REGISTER/UPDATE/DEREGISTER masks). */
enum {
    LWM2M_REQ_REGISTER = 1u << 0,
    LWM2M_REQ_UPDATE = 1u << 1,
    LWM2M_REQ_DEREGISTER = 1u << 2,
    LWM2M_REQ_OTHER = 1u << 3, /* anything else a client asks the server */
    LWM2M_REQ_ALL = 0xfu,
};
const char *lwm2m_srv_req_name(unsigned req); /* "register", "update", ... */

typedef struct lwm2m_srv_event {
    lwm2m_srv_event_kind kind;
    uint64_t at;           /* the caller's time */
    lwm2m_peer peer;
    char ep[LWM2M_SRV_EP_MAX + 1]; /* the endpoint ("" when not known) */
    unsigned reg_id;       /* the registration's location rd/<reg_id> (0: none) */
    /* REGISTER / UPDATE / DEREGISTER / EXPIRED / REJECTED / IGNORED */
    unsigned req;          /* LWM2M_REQ_* of the request */
    int64_t lifetime;      /* REGISTER; UPDATE when lt= came (else -1) */
    char version[LWM2M_SRV_VERSION_MAX + 1]; /* REGISTER: lwm2m= */
    char binding[LWM2M_SRV_BINDING_MAX + 1]; /* REGISTER; UPDATE when b= came (else "") */
    bool replaced;         /* REGISTER: an earlier registration of ep was dropped */
    bool has_links;        /* REGISTER; UPDATE with object links (in body) */
    /* code: the answer the server gave (registration interface), or the
     * client's response code (RESPONSE, NOTIFY); 0 when there is none */
    uint8_t code;
    const char *reason;    /* why (static text): "fault", "timeout", "reset", ... or NULL */
    const char *fault;     /* NOTIFY: "ignored" / "reset" when a fault took it, else NULL */
    size_t count;          /* RESTART: the registrations forgotten */
    /* RESPONSE / NOTIFY / UNOBSERVED */
    uint32_t op;
    lwm2m_srv_op_kind op_kind;
    lwm2m_path path;
    uint32_t seq;          /* NOTIFY (and an OBSERVE response): the Observe number */
    bool observing;        /* RESPONSE to OBSERVE: the observation stands */
    uint32_t cf;           /* content format of body, or LWM2M_SRV_NO_CF */
    int decode_err;        /* 0, or the LWM2M_E_* decoding the body failed with */
    lwm2m_list values;     /* read, observe and notification values, typed */
    bytebuf body;          /* the payload as sent (register links, discover links ...) */
} lwm2m_srv_event;

const char *lwm2m_srv_event_name(lwm2m_srv_event_kind k); /* "register", ... */
/* One trace line in the `topic word key=value` form of docs/trace-events.md:
 * "lwm2m server register ep=urn:imei:1 id=1 lt=86400 lwm2m=1.0 b=UQS len=214".
 * Values are written without blanks (%XX for bytes outside '!'..'~', '%'
 * and '=').  Appends to out (no NUL); 0, or -ENOMEM when nothing could be. */
int lwm2m_srv_event_format(const lwm2m_srv_event *e, bytebuf *out);
/* A value as the trace and the harness's asserts write it: integers in
 * decimal, floats shortest, booleans true/false, objlnk 3:0, strings as they
 * are, opaque as 0x<hex>.  Appends to out (no escaping). */
int lwm2m_srv_value_text(const lwm2m_value *v, bytebuf *out);

/* ---- what each call asks the caller to do --------------------------------- */

typedef struct lwm2m_srv_dgram {
    lwm2m_peer peer;
    size_t off, len; /* in bytes */
} lwm2m_srv_dgram;

typedef struct lwm2m_srv_out {
    bytebuf bytes;
    lwm2m_srv_dgram *dg;
    size_t ndg, dg_cap;
    lwm2m_srv_event *ev;
    size_t nev, ev_cap;
    int err; /* -ENOMEM if something could not be appended */
} lwm2m_srv_out;

void lwm2m_srv_out_init(lwm2m_srv_out *o);
void lwm2m_srv_out_clear(lwm2m_srv_out *o);
void lwm2m_srv_out_free(lwm2m_srv_out *o);
static inline const uint8_t *lwm2m_srv_out_data(const lwm2m_srv_out *o, size_t i)
{
    return o->bytes.data + o->dg[i].off;
}

/* ---- faults ---------------------------------------------------------------- */

typedef struct lwm2m_srv_faults {
    unsigned reply_count; /* answer the next N registration requests ... */
    uint8_t reply_code;   /* ... with this code (4.03, 4.04, 5.03 ...) */
    unsigned reply_to;    /* ... of these kinds (LWM2M_REQ_*; 0 = register, update, deregister) */
    bool ignore_registration; /* never answer Register or Update (no ACK either) */
    bool ignore_notify;   /* never acknowledge a notification (the client retransmits) */
    bool reset_notify;    /* answer notifications with RST (the client drops the observer) */
} lwm2m_srv_faults;

/* ---- the server ------------------------------------------------------------ */

typedef struct lwm2m_srv_reg {
    bool used;
    unsigned id;                /* rd/<id> */
    char ep[LWM2M_SRV_EP_MAX + 1];
    lwm2m_peer peer;            /* where it last spoke from */
    int64_t lifetime;
    char version[LWM2M_SRV_VERSION_MAX + 1];
    char binding[LWM2M_SRV_BINDING_MAX + 1];
    bytebuf links;              /* the object links of the last Register / Update that had them */
    uint64_t registered_at;
    uint64_t updated_at;        /* last Register or Update */
    uint64_t expires;           /* updated_at + lifetime + grace */
    unsigned updates;           /* Updates since the Register */
} lwm2m_srv_reg;

struct lwm2m_srv_peer;
struct lwm2m_srv_op;

typedef struct lwm2m_srv {
    lwm2m_server_config cfg;
    struct lwm2m_srv_peer *peers;
    lwm2m_srv_reg *regs;
    struct lwm2m_srv_op *ops;
    lwm2m_srv_faults faults;
    unsigned next_reg_id;
    uint32_t next_op;
    uint64_t peer_serial;       /* peers created so far (seeds) */
    lwm2m_srv_event *log;       /* ring of cfg.max_log */
    size_t log_head, log_len;
    uint64_t log_dropped;
    coap_out co, co2;           /* scratch for the endpoints' output */
} lwm2m_srv;

/* cfg NULL: defaults.  0 or -ENOMEM. */
int lwm2m_server_init(lwm2m_srv *s, const lwm2m_server_config *cfg);
void lwm2m_server_free(lwm2m_srv *s);

/* A datagram from peer at now.  0, or a coap_err / -ENOBUFS as coap_ep_feed
 * returned it (malformed input is handled: answered with RST or dropped). */
int lwm2m_server_feed(lwm2m_srv *s, uint64_t now, lwm2m_peer peer, const uint8_t *d, size_t n,
                      lwm2m_srv_out *out);
/* Handle everything due at or before now: retransmissions, timeouts,
 * registration expiry. */
void lwm2m_server_tick(lwm2m_srv *s, uint64_t now, lwm2m_srv_out *out);
/* When tick() must next be called; LWM2M_SRV_NEVER when nothing is due. */
uint64_t lwm2m_server_next_deadline(const lwm2m_srv *s);

/* Start an operation on the client registered as ep.  *op (may be NULL)
 * names it in the events that follow: a REQUEST at once, one RESPONSE (the client's answer, or
 * code 0 with reason "timeout" / "reset" / "cancelled"), and for OBSERVE
 * the NOTIFY events until an UNOBSERVED.  Requests go as CON, one at a time
 * per client (NSTART 1), the others queued.  0, -ENOENT (ep not registered;
 * CANCEL: no observation of path), -EINVAL (a request that cannot be built:
 * text/opaque writes of more than one value, values outside path, a value
 * the format cannot carry, execute on a path that is not a resource),
 * -ENOBUFS (too many operations), -ENOMEM. */
int lwm2m_server_op(lwm2m_srv *s, uint64_t now, const char *ep, const lwm2m_srv_op_req *req,
                    uint32_t *op, lwm2m_srv_out *out);

/* Faults: the current set, replaced as a whole. */
static inline const lwm2m_srv_faults *lwm2m_server_faults(const lwm2m_srv *s) { return &s->faults; }
void lwm2m_server_set_faults(lwm2m_srv *s, const lwm2m_srv_faults *f);
/* Forget every registration, observation, operation and CoAP state, as a
 * server that restarted: the client's next Update gets 4.04.  Open
 * operations end without an event; a RESTART event says how many
 * registrations went.  Faults and the log stay. */
void lwm2m_server_restart(lwm2m_srv *s, uint64_t now, lwm2m_srv_out *out);

/* Registrations. */
const lwm2m_srv_reg *lwm2m_server_find(const lwm2m_srv *s, const char *ep);
/* The registrations in force, in slot order: i from 0 until NULL. */
const lwm2m_srv_reg *lwm2m_server_reg_at(const lwm2m_srv *s, size_t i);
size_t lwm2m_server_nregs(const lwm2m_srv *s);

/* The log: every event, oldest first (i < lwm2m_server_log_len). */
size_t lwm2m_server_log_len(const lwm2m_srv *s);
const lwm2m_srv_event *lwm2m_server_log_at(const lwm2m_srv *s, size_t i);
static inline uint64_t lwm2m_server_log_dropped(const lwm2m_srv *s) { return s->log_dropped; }

#endif
