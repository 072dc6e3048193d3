/* campaign.h - a uFOTA campaign in a few lines of a scenario: the built-in
 * LwM2M server does what the uFOTA server does (app note §3.1, §3.7.1) and a
 * CoAP file host serves the package.
 *
 *   "world": {"campaign": {"package": {"package": {"kind": "delta", "from": "03.15,A00.01",
 *             "to": "03.16,A00.01", "size": 450000}}, "execute": "when_downloaded"}}
 *
 * When the module registers (or updates its registration), the server
 * observes /5/0/3 and /5/0/5 and writes the package's URI to /5/0/1; when
 * State becomes 2 it executes /5/0/2 (unless "execute": "never"); after the
 * module's reboot, its new registration is observed again and the Result it
 * reports ends the campaign.  Each step is an EV event ("campaign uri ...",
 * "campaign execute ...", "campaign result result=1 state=0") that world
 * triggers and expect_event steps match.
 */
#ifndef SARASIM_CAMPAIGN_H
#define SARASIM_CAMPAIGN_H

#include <stdint.h>

#include "coap_files.h"
#include "lwm2m_service.h"
#include "networld.h"
#include "sc_json.h"

/* The scenario's "campaign" (docs/ufota.md). */
typedef struct sc_campaign {
    char *server;        /* the LwM2M host; NULL: the single / default one */
    sc_bytes package;    /* the package served */
    char *host;          /* the content host (added to the world if it is not there) */
    uint16_t port;
    char *path;
    char *uri;           /* given: written as is, nothing served */
    int execute;         /* execute /5/0/2 once State is 2 */
    sim_ns after;        /* ... this long after */
    int repeat;          /* start again on every new registration after a failure */
    int queue;           /* the server waits for the client's next Update before it executes (queue mode, the
                          * Verizon flow of app note §3.7.1 Table 3) */
} sc_campaign;

/* Parse world.campaign (harness/sc_campaign_parse.c). */
int sc_parse_campaign(sc_pctx *c, const cJSON *o, sc_campaign **out);
void sc_campaign_free(sc_campaign *sc);
/* "serve": "coap-files" options of world.hosts. */
int sc_parse_coap_files_service(sc_pctx *c, const cJSON *o, nw_service_cfg *s);

typedef struct campaign campaign;

/* Set the campaign up in a world whose LwM2M services exist.  log gets its
 * EV lines.  0, -ENOENT (no such LwM2M server), -ENOMEM. */
int campaign_create(campaign **out, networld *w, lwm2m_services *lw, const sc_campaign *spec,
                    void (*log)(void *ctx, const char *text), void *ctx);
/* The LwM2M services' structured events (lwm2m_services_io.server_event). */
void campaign_server_event(campaign *c, lwm2m_service *v, const lwm2m_srv_event *e);
/* The package host (NULL when the campaign's URI is the scenario's own). */
coap_files *campaign_files(campaign *c);
void campaign_destroy(campaign *c);

#endif
