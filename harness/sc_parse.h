/* sc_parse.h - the scenario parser's internal pieces shared between
 * harness/scenario.c (file, device, host) and harness/sc_world_parse.c
 * (triggers and actions). */
#ifndef SARASIM_SC_PARSE_H
#define SARASIM_SC_PARSE_H

#include "sc_json.h"

/* One element of "world": a trigger ("at" or "when"), an action ("do" and its
 * parameters), "delay", "repeat", "id", "when_port", "note". */
int sc_parse_world_event(sc_pctx *c, const cJSON *obj, sc_world_event *ev);
/* The action named by obj's "do" with its parameters; `extra` lists the other
 * keys obj may hold (NULL-terminated). */
int sc_parse_action(sc_pctx *c, const cJSON *obj, const char *const *extra, sc_action *a);
void sc_trigger_free(sc_trigger *t);
/* An "ev" pattern s ("lwm2m server register lt=86400", "/re/") read from
 * field `key` into t (TRIG_EV or TRIG_EV_RE), as "when": "ev ..." reads it. */
int sc_parse_event_pattern(sc_pctx *c, const char *key, const char *s, sc_trigger *t);

/* Names a later step may use as ${name}: "vars" and earlier captures. */
typedef struct sc_var_scope {
    char **names;
    size_t n;
} sc_var_scope;

/* The "host" array of root (harness/sc_host_parse.c). */
int sc_parse_host(sc_pctx *c, const cJSON *root, scenario *sc, sc_var_scope *vs);
void sc_step_free(sc_step *st);

/* Host steps with {"include": "lib/steps.json"} expanded in place: every
 * step object with the file, directory and path it is reported under. */
typedef struct sc_flat_step {
    const cJSON *obj;
    const char *file;
    const char *dir;
    char path[SC_PATH_MAX];
} sc_flat_step;

typedef struct sc_included {
    char *file, *dir;
    cJSON *root;
} sc_included;

typedef struct sc_flat {
    sc_flat_step *v;
    size_t n, cap;
    sc_included *inc;
    size_t ninc;
    size_t included_bytes; /* JSON text read through includes */
} sc_flat;

/* arr: the "host" array of the file being parsed (c->file, c->dir). */
int sc_flatten_steps(sc_pctx *c, const cJSON *arr, sc_flat *fl);
void sc_flat_free(sc_flat *fl);
void sc_action_free(sc_action *a);

/* harness/sc_net_parse.c: world.hosts, and the faults of one host
 * (check_keys: the object holds nothing else).  *mask says which fields
 * the object set (NWF_*). */
int sc_parse_hosts(sc_pctx *c, const cJSON *arr, nw_config *net);
int sc_parse_faults(sc_pctx *c, const cJSON *o, int check_keys, nw_faults *f, unsigned *mask);
extern const char *const sc_fault_keys[];

/* harness/sc_lwm2m_parse.c: a "serve": "lwm2m" service (its options), the
 * check that a host's lwm2m services agree, the "lwm2m" action and the
 * "lwm2m" assert. */
int sc_parse_lwm2m_service(sc_pctx *c, const cJSON *o, nw_service_cfg *s);
int sc_check_lwm2m_host(sc_pctx *c, const nw_host_cfg *h);
int sc_parse_lwm2m_action(sc_pctx *c, const cJSON *o, sc_action *a);
int sc_parse_lwm2m_assert(sc_pctx *c, const cJSON *o, sc_assert *as);

#endif
