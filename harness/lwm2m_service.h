/* lwm2m_service.h - the built-in LwM2M server as a host of the simulated
 * world (docs/lwm2m-server.md): protocol/lwm2m_server.h behind networld's
 * UDP ports, on the world's clock, and what scenarios do with it.
 *
 *   world.hosts  {"name": "lwm2m.test", "services": [{"udp": 5683, "serve": "lwm2m"}]}
 *   actions      {"do": "lwm2m", "read": "/3/0"}, {"do": "lwm2m", "fault": "restart"} ...
 *   asserts      {"assert": "lwm2m", "registered": true, "payload_contains": "</5/0>"}
 *   events       "lwm2m server register ep=... lt=86400 ..." (EV lines world triggers
 *                and expect_event steps match, like the module's own events)
 *
 * One server per host: every "serve": "lwm2m" port of a host is a listener
 * of the same server (registrations made on one are known on all).  Each
 * listener has a transport: plain CoAP over UDP, or DTLS-PSK (coaps) with
 * one protocol/dtls.h session per peer (svc_listener's rx/tx in
 * lwm2m_service.c).
 *
 * Lifecycle: networld_create() -> lwm2m_services_create() (binds the ports,
 * adds the default host if asked) -> ... -> lwm2m_services_destroy() before
 * networld_destroy() and clk_free().
 */
#ifndef SARASIM_LWM2M_SERVICE_H
#define SARASIM_LWM2M_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "networld.h"
#include "protocol/dtls.h"
#include "protocol/lwm2m_server.h"

/* The uFOTA server the module registers with (short server id 721); the
 * built-in server takes its name when the world does not define it. */
#define LWM2M_SVC_DEFAULT_HOST "ucsplwm2m.services.u-blox.com"
#define LWM2M_SVC_COAP_PORT 5683
#define LWM2M_SVC_COAPS_PORT 5684

/* A pre-shared key for coaps (DTLS-PSK, protocol/dtls.h). */
typedef struct lwm2m_svc_psk {
    char identity[DTLS_IDENTITY_MAX + 1]; /* "" : no DTLS */
    uint8_t key[DTLS_KEY_MAX];
    size_t key_len;
} lwm2m_svc_psk;

/* Options of one "serve": "lwm2m" service (nw_service_cfg.opts).  seed and
 * grace belong to the host's server: a host's services may give them once
 * (or the same); psk is the port's own (coaps when set). */
typedef struct lwm2m_svc_opts {
    bool has_seed;
    uint64_t seed;   /* default: from the host name */
    bool has_grace;
    sim_ns grace;    /* default LWM2M_SRV_DEFAULT_GRACE */
    lwm2m_svc_psk psk;
} lwm2m_svc_opts;

void lwm2m_svc_opts_free(void *opts);
/* The nw_service_cfg.custom of lwm2m services. */
extern const char lwm2m_svc_custom[];

typedef struct lwm2m_services lwm2m_services;
typedef struct lwm2m_service lwm2m_service;

typedef struct lwm2m_services_io {
    /* One EV line per server event ("lwm2m server register ep=..."), the
     * form of docs/trace-events.md; called from the world's clock or from
     * an operation's call, never re-entered. */
    void (*event)(void *ctx, const char *text);
    void *ctx;
    /* Optional: the same events as they are (a campaign driver reads the
     * values); start no operation from inside it, defer to the clock. */
    void (*server_event)(void *ctx, lwm2m_service *v, const lwm2m_srv_event *e);
} lwm2m_services_io;

typedef struct lwm2m_services_opts {
    /* Add the built-in server as LWM2M_SVC_DEFAULT_HOST when the world does
     * not declare a host of that name: plain CoAP on 5683, and coaps on 5684
     * when default_psk has an identity (the module's, lwm2m_svc_module_psk(),
     * so that its client finds the server it expects). */
    bool add_default;
    lwm2m_svc_psk default_psk;
} lwm2m_services_opts;

/* The PSK the module uses towards server ssid (721: uFOTA): the device's
 * override (--lwm2m-psk, device.lwm2m.psk) or its own
 * (lwm2m_module_psk()), so that the default server accepts the module. */
struct device_cfg;
void lwm2m_svc_module_psk(const struct device_cfg *dev, uint16_t ssid, lwm2m_svc_psk *out);

/* Bind a server to every "serve": "lwm2m" port of cfg's hosts (cfg must be
 * the config the world was created from) and add the default host as opts
 * say (NULL: none).  0, -ENOMEM, or -EINVAL (a DTLS key the build cannot
 * use). */
int lwm2m_services_create(lwm2m_services **out, networld *w, const nw_config *cfg, const lwm2m_services_opts *opts,
                          const lwm2m_services_io *io);
void lwm2m_services_destroy(lwm2m_services *s);

size_t lwm2m_services_count(const lwm2m_services *s);
lwm2m_service *lwm2m_services_at(lwm2m_services *s, size_t i);
/* The server of host; host NULL: the one the world declares, or the default
 * host when it declares none.  NULL with err set when there is no such
 * server or no single one. */
lwm2m_service *lwm2m_services_find(lwm2m_services *s, const char *host, char *err, size_t errlen);

const char *lwm2m_service_host(const lwm2m_service *v);
/* The core, to read registrations and the log (lwm2m_server_find,
 * lwm2m_server_log_at ...); changes go through the calls below. */
const lwm2m_srv *lwm2m_service_server(const lwm2m_service *v);
/* An operation on client ep at the world's current time; its datagrams go
 * out at once and its outcome comes as events.  Errors of lwm2m_server_op. */
int lwm2m_service_op(lwm2m_service *v, const char *ep, const lwm2m_srv_op_req *req, uint32_t *op);
void lwm2m_service_set_faults(lwm2m_service *v, const lwm2m_srv_faults *f);
void lwm2m_service_restart(lwm2m_service *v);

/* ---- the scenario's "lwm2m" action and assert (harness/sc_lwm2m_parse.c) ---- */

typedef enum sc_lw_fault {
    SC_LWF_NONE = 0,            /* an operation */
    SC_LWF_REPLY,               /* "reply": code, count, to */
    SC_LWF_RESTART,             /* "restart" */
    SC_LWF_IGNORE_REGISTRATION, /* "ignore_registration": on */
    SC_LWF_IGNORE_NOTIFY,       /* "ignore_notify": on */
    SC_LWF_RESET_NOTIFY,        /* "reset_notify": on */
} sc_lw_fault;

typedef struct sc_lwm2m_act {
    char *server;          /* host name; NULL: the single server */
    char *ep;              /* NULL: the single registered client */
    sc_lw_fault fault;
    lwm2m_srv_op_req req;  /* SC_LWF_NONE; req.values -> values, req.args -> args */
    lwm2m_list values;
    char *args;
    uint8_t code;          /* REPLY */
    unsigned count;        /* REPLY */
    unsigned to;           /* REPLY: LWM2M_REQ_* (0: register, update, deregister) */
    bool on;               /* IGNORE_* / RESET_NOTIFY */
} sc_lwm2m_act;

typedef enum sc_lw_assert_kind {
    SC_LWA_REGISTERED = 0, /* "registered": true / false */
    SC_LWA_LAST_NOTIFY,    /* "last_notify": path */
    SC_LWA_LAST_READ,      /* "last_read": path */
} sc_lw_assert_kind;

typedef struct sc_lwm2m_assert {
    char *server, *ep;
    sc_lw_assert_kind kind;
    bool registered;
    int64_t lifetime;      /* -1: not checked */
    char *binding, *version, *payload_contains; /* NULL: not checked */
    lwm2m_path path;       /* LAST_*: the value's path */
    char *value;           /* LAST_*: the value as lwm2m_srv_value_text writes it; NULL: any */
} sc_lwm2m_assert;

void sc_lwm2m_act_free(sc_lwm2m_act *a);    /* and free(a) */
void sc_lwm2m_assert_free(sc_lwm2m_assert *a);

/* Run the action / check the assert now.  0, or -1 with err set. */
int lwm2m_services_apply(lwm2m_services *s, const sc_lwm2m_act *a, char *err, size_t errlen);
int lwm2m_services_check(lwm2m_services *s, const sc_lwm2m_assert *a, char *err, size_t errlen);

#endif
