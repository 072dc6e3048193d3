/* lwm2m_client.h - an LwM2M 1.0 client over CoAP, sans-I/O: the
 * registration interface (Register / Update / De-register with lifetime and
 * retries) towards every server of its object tree, and the device
 * management and information reporting interfaces (Read, Write, Execute,
 * Discover, Write-Attributes, Observe / Notify) on that tree.
 *
 * Like the CoAP endpoint it runs on (coap_ep.h) it never reads a clock,
 * never does I/O and draws every random number from its seed.  Time is the
 * caller's uint64_t nanoseconds.  Every call appends what the caller must do
 * to a lwm2m_out, in order:
 *
 *     LWM2M_ACT_CONNECT     open a transport to the server (its URI is
 *                           /0/<sec>/0: resolve, DTLS handshake for coaps);
 *                           answer with lwm2m_client_transport_up() or
 *                           _transport_failed()
 *     LWM2M_ACT_SEND        send one datagram to the server
 *     LWM2M_ACT_DISCONNECT  close the transport
 *     LWM2M_ACT_REG_STATUS  a server's registration status changed (the
 *                           codes of +ULWM2MSTAT: 1,<sid>,<status>)
 *     LWM2M_ACT_NEXT_UPDATE seconds to the next registration update (2,...)
 *     LWM2M_ACT_NOTIFIED    a notification went out (3,<sid>,"<uri>")
 *     LWM2M_ACT_CLIENT_STATE the client's own state (4,<state>)
 *     LWM2M_ACT_WRITTEN     a server changed a value (the caller may persist
 *                           it or react: a new package URI, a new lifetime)
 *
 * Decisions the caller makes synchronously come through hooks: whether a
 * write may happen (and persisting it first), what an Execute does, and
 * refreshing volatile values before they are read.
 *
 * The client finds its servers in the tree: every /1/<i> instance, paired
 * with the /0/<j> instance whose Short Server ID (/0/j/10) matches /1/i/0.
 * Behaviour, the choices made where the TS leaves room, and what is not
 * implemented: docs/lwm2m.md.
 */
#ifndef SARASIM_LWM2M_CLIENT_H
#define SARASIM_LWM2M_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"
#include "coap_block.h"
#include "coap_ep.h"
#include "lwm2m_data.h"
#include "lwm2m_obj.h"

#define LWM2M_NEVER UINT64_MAX
#define LWM2M_MAX_SERVERS 4
#define LWM2M_MAX_OBSERVATIONS 16 /* per server */
#define LWM2M_MAX_ATTRS 32        /* write-attributes entries per server */

/* Registration status of a server: the <status> of +ULWM2MREG and of
 * +ULWM2MSTAT: 1,<sid>,<status> (sara-r5-at-facts.md §5.7).  The list is
 * Wakaama's lwm2m_status_t, which the module's client evidently is. */
typedef enum lwm2m_reg_status {
    LWM2M_REG_DEREGISTERED = 0,
    LWM2M_REG_HOLD_OFF = 1,
    LWM2M_REG_PENDING = 2,
    LWM2M_REG_REGISTERED = 3,
    LWM2M_REG_FAILED = 4,
    LWM2M_REG_UPDATE_PENDING = 5,
    LWM2M_REG_UPDATE_NEEDED = 6,
    LWM2M_REG_FULL_UPDATE_NEEDED = 7,
    LWM2M_REG_DEREG_NEEDED = 8,
    LWM2M_REG_DEREG_PENDING = 9,
} lwm2m_reg_status;

/* The client's state: +ULWM2MSTAT: 4,<state>.  0..3 are the module's
 * documented values; 4 and 5 continue Wakaama's lwm2m_client_state_t. */
typedef enum lwm2m_client_state {
    LWM2M_CS_INITIAL = 0,
    LWM2M_CS_BOOTSTRAP_REQUIRED = 1,
    LWM2M_CS_BOOTSTRAPPING = 2,
    LWM2M_CS_REGISTER_REQUIRED = 3,
    LWM2M_CS_REGISTERING = 4,
    LWM2M_CS_READY = 5,
} lwm2m_client_state;

typedef enum lwm2m_act_kind {
    LWM2M_ACT_CONNECT = 1,
    LWM2M_ACT_SEND,
    LWM2M_ACT_DISCONNECT,
    LWM2M_ACT_REG_STATUS,
    LWM2M_ACT_NEXT_UPDATE,
    LWM2M_ACT_NOTIFIED,
    LWM2M_ACT_CLIENT_STATE,
    LWM2M_ACT_WRITTEN,
} lwm2m_act_kind;

typedef struct lwm2m_act {
    lwm2m_act_kind kind;
    uint16_t ssid;     /* the server (0 for CLIENT_STATE) */
    int value;         /* REG_STATUS status, NEXT_UPDATE seconds, CLIENT_STATE state */
    lwm2m_path path;   /* NOTIFIED: the observed path; WRITTEN: the resource */
    size_t off, len;   /* SEND: the datagram's bytes in lwm2m_out.bytes */
} lwm2m_act;

typedef struct lwm2m_out {
    lwm2m_act *act;
    size_t nact, cap;
    bytebuf bytes;
    int err; /* -ENOMEM if an append failed */
} lwm2m_out;

void lwm2m_out_init(lwm2m_out *o);
void lwm2m_out_clear(lwm2m_out *o);
void lwm2m_out_free(lwm2m_out *o);
static inline const uint8_t *lwm2m_out_data(const lwm2m_out *o, const lwm2m_act *a)
{
    return o->bytes.data + a->off;
}

/* What the caller decides. */
typedef struct lwm2m_client_hooks {
    /* Values under p are about to be read or sampled for a notification:
     * refresh the volatile ones (signal strength, time, counters). */
    void (*before_read)(void *ctx, const lwm2m_path *p);
    /* Server ssid (0: the host, through AT) writes these values (typed,
     * checked against the definitions, all existing resources).  Return 0
     * to let the client apply them, or a CoAP response code to refuse
     * (COAP_INTERNAL_SERVER_ERROR when they could not be stored, ...). */
    uint8_t (*write)(void *ctx, uint16_t ssid, const lwm2m_list *values);
    /* Server ssid executes resource p with argument bytes.  Return
     * COAP_CHANGED or an error code.  Registration Update Trigger and
     * Disable of object 1 are the client's own and never come here. */
    uint8_t (*execute)(void *ctx, uint16_t ssid, const lwm2m_path *p, const uint8_t *args,
                       size_t n);
    void *ctx;
} lwm2m_client_hooks;

typedef struct lwm2m_client_config {
    char endpoint[128];      /* ep= */
    const char *version;     /* lwm2m= ("1.0") */
    uint64_t seed;
    coap_ep_config coap;     /* per server endpoint; seed derived per server */
    /* Registration payloads larger than this go in Block1 blocks of this
     * size (16..1024). */
    size_t block_size;
    /* A registration sequence that failed is tried again after this
     * (the server's Communication Sequence Delay Timer /1/x/19 when set). */
    uint64_t sequence_delay;
} lwm2m_client_config;

void lwm2m_client_config_default(lwm2m_client_config *c);

/* An observation a server holds on this client. */
typedef struct lwm2m_obs {
    bool used;
    lwm2m_path path;
    uint8_t tkl, token[COAP_TOKEN_MAX];
    uint32_t cf;            /* content format of its notifications */
    uint32_t seq;           /* next Observe sequence number */
    uint64_t last_sent;     /* time of the last notification (or the first response) */
    bool dirty;             /* a value under path changed since */
    bool have_last;         /* last_num holds the last value sent (gt/lt/st) */
    double last_num;
    uint32_t inflight;      /* xid of a CON notification not yet acknowledged */
} lwm2m_obs;

typedef struct lwm2m_attr_entry {
    bool used;
    lwm2m_path path;
    lwm2m_attrs attrs;
} lwm2m_attr_entry;

typedef enum lwm2m_phase {
    LWM2M_PH_IDLE = 0,      /* not started, de-registered by the host, or given up */
    LWM2M_PH_WAIT,          /* waiting to (re)try: retry timer, sequence delay */
    LWM2M_PH_CONNECTING,    /* transport requested */
    LWM2M_PH_REGISTERING,   /* Register sent */
    LWM2M_PH_REGISTERED,
    LWM2M_PH_UPDATING,      /* Update sent */
    LWM2M_PH_DEREGISTERING, /* De-register sent */
    LWM2M_PH_DISABLED,      /* /1/x/4 Disable executed: quiet until the timeout */
} lwm2m_phase;

typedef struct lwm2m_server {
    bool used;
    uint16_t ssid;
    uint16_t srv_inst, sec_inst; /* /1/srv_inst and /0/sec_inst */
    lwm2m_phase phase;
    lwm2m_reg_status status;
    bool transport_up;
    bool ep_live;
    coap_ep ep;
    coap_out cout;               /* the endpoint's output, drained at once */
    bool pumping;                /* draining cout (re-entry guard) */
    unsigned gen;                /* transports opened: seeds each new endpoint */
    char location[64];           /* "rd/5": the Location-Path of the registration */
    uint64_t registered_at;      /* time of the last successful Register / Update */
    uint64_t wake_at;            /* PH_WAIT / PH_DISABLED: when to go on */
    unsigned attempt;            /* attempts made in the current sequence */
    uint32_t xid;                /* the Register / Update / De-register in flight */
    bool update_needed;          /* an Update is due as soon as possible */
    bool send_lt, send_b;        /* the next Update carries lt= / b= */
    bool full_update;            /* the next Update carries the object links */
    bool reregister_after_dereg; /* +ULWM2MREG after a de-register */
    bool failed_final;           /* PH_IDLE after a failure (not a de-register) */
    bool disable_after_dereg;    /* /1/x/4 Disable: quiet for the Disable Timeout */
    int64_t sent_lifetime;       /* lifetime the server has */
    char sent_binding[8];
    /* The Register / Update in flight: its body and query (the request's
     * options point into them until it is built) and, for a body over the
     * block size, its Block1 upload. */
    bytebuf reg_body;
    bytebuf reg_query;
    coap_b1_up b1;
    bool b1_active;
    uint8_t reg_code;            /* COAP_POST (Register, Update) */
    lwm2m_obs obs[LWM2M_MAX_OBSERVATIONS];
    lwm2m_attr_entry attrs[LWM2M_MAX_ATTRS];
} lwm2m_server;

typedef struct lwm2m_client {
    lwm2m_client_config cfg;
    lwm2m_tree *tree;
    lwm2m_client_hooks hooks;
    lwm2m_client_state state;
    bool started;
    lwm2m_server srv[LWM2M_MAX_SERVERS];
} lwm2m_client;

/* The tree is the caller's and must outlive the client.  0 or -ENOMEM. */
int lwm2m_client_init(lwm2m_client *c, const lwm2m_client_config *cfg, lwm2m_tree *tree,
                      const lwm2m_client_hooks *hooks);
void lwm2m_client_free(lwm2m_client *c);

/* Start: find the servers in the tree and begin registering with each
 * (LWM2M_ACT_CONNECT).  A started client is stopped first. */
void lwm2m_client_start(lwm2m_client *c, uint64_t now, lwm2m_out *out);
/* Stop without a word to the servers (power off, detach, the client
 * disabled): every transport is closed, observations are forgotten. */
void lwm2m_client_stop(lwm2m_client *c, uint64_t now, lwm2m_out *out);

/* Answers to LWM2M_ACT_CONNECT.  A failed transport (no such name, DTLS
 * refused, network gone) is a failed registration attempt. */
void lwm2m_client_transport_up(lwm2m_client *c, uint64_t now, uint16_t ssid, lwm2m_out *out);
void lwm2m_client_transport_failed(lwm2m_client *c, uint64_t now, uint16_t ssid, int err,
                                   lwm2m_out *out);
/* A datagram from server ssid. */
void lwm2m_client_feed(lwm2m_client *c, uint64_t now, uint16_t ssid, const uint8_t *p, size_t n,
                       lwm2m_out *out);
void lwm2m_client_tick(lwm2m_client *c, uint64_t now, lwm2m_out *out);
uint64_t lwm2m_client_next_deadline(const lwm2m_client *c);

/* +ULWM2MREG=<ssid>: a registration update now (or a registration, when
 * not registered).  -ENOENT for an unknown server. */
int lwm2m_client_trigger_update(lwm2m_client *c, uint64_t now, uint16_t ssid, lwm2m_out *out);
/* +ULWM2MDEREG: de-register from ssid and stay so until the next
 * trigger_update or start.  -ENOENT, -EALREADY (not registered). */
int lwm2m_client_deregister(lwm2m_client *c, uint64_t now, uint16_t ssid, lwm2m_out *out);
/* The caller changed values at or under p: observers are notified
 * (respecting pmin), a changed lifetime or binding triggers an Update. */
void lwm2m_client_changed(lwm2m_client *c, uint64_t now, const lwm2m_path *p, lwm2m_out *out);
/* A write from the host (+ULWM2MWRITE): the values are typed against the
 * definitions, checked, passed to the write hook with ssid 0, applied, and
 * handled like lwm2m_client_changed.  0 or LWM2M_E_*: NOTFOUND (no such
 * resource), TYPE/RANGE, INVALID (refused by the hook). */
int lwm2m_client_local_write(lwm2m_client *c, uint64_t now, const lwm2m_list *values,
                             lwm2m_out *out);

/* Introspection. */
const lwm2m_server *lwm2m_client_server(const lwm2m_client *c, uint16_t ssid);
size_t lwm2m_client_servers(const lwm2m_client *c, uint16_t *ssids, size_t max);
/* Seconds until the next registration update of ssid (-1 when none is
 * scheduled). */
int64_t lwm2m_client_secs_to_update(const lwm2m_client *c, uint64_t now, uint16_t ssid);
/* The registration payload (link format) the client sends. */
int lwm2m_client_reg_payload(const lwm2m_client *c, bytebuf *out);
const char *lwm2m_reg_status_name(lwm2m_reg_status s);

#endif
