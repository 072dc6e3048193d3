/* campaign.c - the uFOTA server's side of a campaign (campaign.h). */
#include "campaign.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    CP_WAITING = 0, /* for the module's registration */
    CP_WRITTEN,     /* the URI is on /5/0/1: the download runs */
    CP_EXECUTING,   /* State 2 seen: /5/0/2 goes out (after spec->after) */
    CP_EXECUTED,    /* the module is installing; its next Register reports */
    CP_REPORTING,   /* re-observed after the reboot */
    CP_DONE,
} cp_phase;

struct campaign {
    networld *w;
    lwm2m_services *lw;
    lwm2m_service *srv;
    const sc_campaign *spec;
    coap_files *files;
    char uri[300];
    char ep[LWM2M_SRV_EP_MAX + 1];
    cp_phase phase;
    /* what the timer does next: ops are never started from inside the
     * server's event delivery */
    int due_start, due_execute, due_observe;
    /* the Execute was never answered (its ACK lost, or the module reset
     * first): the server executes again at the next registration */
    int execute_lost, due_reexecute;
    /* queue mode: the Execute waits for the client's next check-in */
    int queued_execute;
    int64_t state, result;
    clk_timer timer;
    void (*log)(void *ctx, const char *text);
    void *ctx;
};

static void emit(campaign *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(campaign *c, const char *fmt, ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (c->log)
        c->log(c->ctx, text);
}

static void op(campaign *c, lwm2m_srv_op_kind kind, const lwm2m_path *p, const lwm2m_list *values)
{
    lwm2m_srv_op_req r;
    lwm2m_srv_op_req_init(&r, kind, p);
    if (values) {
        r.values = values;
        r.format = LWM2M_CF_TEXT;
    }
    int rc = lwm2m_service_op(c->srv, c->ep, &r, NULL);
    if (rc < 0) {
        char ps[LWM2M_PATH_STR_MAX];
        lwm2m_path_format(p, ps);
        emit(c, "campaign op failed path=%s err=%d", ps, rc);
    }
}

static void observe_object(campaign *c)
{
    lwm2m_path st = lwm2m_path_oir(5, 0, 3), rs = lwm2m_path_oir(5, 0, 5);
    op(c, LWM2M_SOP_OBSERVE, &st, NULL);
    op(c, LWM2M_SOP_OBSERVE, &rs, NULL);
}

static void timer_cb(clk_timer *t)
{
    campaign *c = t->data;
    if (c->due_start) {
        c->due_start = 0;
        observe_object(c);
        lwm2m_list l;
        lwm2m_list_init(&l);
        lwm2m_path up = lwm2m_path_oir(5, 0, 1);
        lwm2m_value v = lwm2m_v_str(c->uri);
        lwm2m_list_add(&l, &up, &v);
        op(c, LWM2M_SOP_WRITE, &up, &l);
        lwm2m_list_free(&l);
        c->phase = CP_WRITTEN;
        emit(c, "campaign uri ep=%s uri=%s", c->ep, c->uri);
    }
    if (c->due_observe) {
        c->due_observe = 0;
        observe_object(c);
    }
    if (c->due_reexecute) {
        c->due_reexecute = 0;
        c->execute_lost = 0;
        lwm2m_path up = lwm2m_path_oir(5, 0, 2);
        op(c, LWM2M_SOP_EXECUTE, &up, NULL);
        emit(c, "campaign execute ep=%s again=1", c->ep);
    }
    if (c->due_execute) {
        c->due_execute = 0;
        lwm2m_path up = lwm2m_path_oir(5, 0, 2);
        op(c, LWM2M_SOP_EXECUTE, &up, NULL);
        c->phase = CP_EXECUTED;
        emit(c, "campaign execute ep=%s", c->ep);
    }
}

static void later(campaign *c, sim_ns delay)
{
    clk *k = networld_clock(c->w);
    clk_timer_start(k, &c->timer, delay);
}

/* The value of /5/0/3 or /5/0/5 an answer or a notification carries. */
static int value_at(const lwm2m_srv_event *e, uint16_t res, int64_t *out)
{
    lwm2m_path p = lwm2m_path_oir(5, 0, res);
    const lwm2m_entry *en = lwm2m_list_find(&e->values, &p);
    if (!en || en->value.type != LWM2M_T_INTEGER)
        return -1;
    *out = en->value.v.i;
    return 0;
}

static void on_values(campaign *c, const lwm2m_srv_event *e)
{
    int64_t v;
    int has_state = value_at(e, 3, &v) == 0;
    if (has_state)
        c->state = v;
    int has_result = value_at(e, 5, &v) == 0;
    if (has_result)
        c->result = v;
    switch (c->phase) {
    case CP_WRITTEN:
        if (has_state && c->state == 2) {
            emit(c, "campaign downloaded ep=%s", c->ep);
            if (c->spec->execute) {
                c->phase = CP_EXECUTING;
                c->queued_execute = c->spec->queue;
                if (!c->queued_execute) {
                    c->due_execute = 1;
                    later(c, c->spec->after);
                }
            }
        } else if (has_result && c->result > 1 && c->state == 0) {
            emit(c, "campaign failed result=%lld", (long long)c->result);
            c->phase = c->spec->repeat ? CP_WAITING : CP_DONE;
        }
        break;
    case CP_REPORTING:
        if (has_result && c->state >= 0) {
            emit(c, "campaign result result=%lld state=%lld", (long long)c->result, (long long)c->state);
            c->phase = CP_DONE;
        }
        break;
    default: break;
    }
}

/* What became of /5/0/2: 2.04 (the module resets to install), 4.05 (not
 * in State 2), or no answer at all (reason: timeout, reset). */
static void on_execute_answer(campaign *c, const lwm2m_srv_event *e)
{
    if (e->code) {
        emit(c, "campaign execute answered code=%d.%02d", e->code >> 5, e->code & 31);
        return;
    }
    emit(c, "campaign execute lost reason=%s", e->reason ? e->reason : "none");
    if (c->phase == CP_EXECUTED)
        c->execute_lost = 1;
}

void campaign_server_event(campaign *c, lwm2m_service *v, const lwm2m_srv_event *e)
{
    if (v != c->srv)
        return;
    switch (e->kind) {
    case LWM2M_SEV_REGISTER:
    case LWM2M_SEV_UPDATE:
        if (c->phase == CP_WAITING) {
            snprintf(c->ep, sizeof c->ep, "%s", e->ep);
            c->due_start = 1;
            later(c, 0);
        } else if (c->phase == CP_EXECUTING && c->queued_execute) {
            /* a queue-mode client is reachable right after it checks in */
            c->queued_execute = 0;
            c->due_execute = 1;
            later(c, c->spec->after);
        } else if (c->phase == CP_WRITTEN || c->phase == CP_EXECUTING) {
            /* the module rebooted mid-campaign (its observations are gone)
             * or checks in: the server observes again (app note §3.1: "at
             * the next registration update ... observation requests") */
            snprintf(c->ep, sizeof c->ep, "%s", e->ep);
            c->due_observe = 1;
            later(c, 0);
        } else if (c->phase == CP_EXECUTED && e->kind == LWM2M_SEV_REGISTER) {
            /* the new firmware (or the old one after a failed install):
             * the server observes again and reads what the client reports */
            snprintf(c->ep, sizeof c->ep, "%s", e->ep);
            c->phase = CP_REPORTING;
            c->state = c->result = -1;
            c->due_observe = 1;
            c->due_reexecute = c->execute_lost;
            later(c, 0);
        }
        break;
    case LWM2M_SEV_RESPONSE:
        if (strcmp(e->ep, c->ep))
            break;
        if (e->op_kind == LWM2M_SOP_EXECUTE)
            on_execute_answer(c, e);
        on_values(c, e);
        break;
    case LWM2M_SEV_NOTIFY:
        if (!strcmp(e->ep, c->ep))
            on_values(c, e);
        break;
    default: break;
    }
}

coap_files *campaign_files(campaign *c) { return c->files; }

int campaign_create(campaign **out, networld *w, lwm2m_services *lw, const sc_campaign *spec,
                    void (*log)(void *ctx, const char *text), void *ctx)
{
    char err[128];
    lwm2m_service *srv = lwm2m_services_find(lw, spec->server, err, sizeof err);
    if (!srv)
        return -ENOENT;
    campaign *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    c->w = w;
    c->lw = lw;
    c->srv = srv;
    c->spec = spec;
    c->log = log;
    c->ctx = ctx;
    clk_timer_init(&c->timer, timer_cb, c);
    if (spec->uri) {
        snprintf(c->uri, sizeof c->uri, "%s", spec->uri);
    } else {
        if (!networld_host_ip(w, spec->host)) {
            nw_host_cfg h = { .name = spec->host };
            if (networld_add_host(w, &h) < 0) {
                free(c);
                return -ENOMEM;
            }
        }
        int rc = coap_files_create(&c->files, w, spec->host, spec->port);
        if (!rc)
            rc = coap_files_put(c->files, spec->path, spec->package.data, spec->package.len);
        if (rc) {
            coap_files_destroy(c->files);
            free(c);
            return rc;
        }
        snprintf(c->uri, sizeof c->uri, "coap://%s:%u%s", spec->host, spec->port, spec->path);
    }
    *out = c;
    return 0;
}

void campaign_destroy(campaign *c)
{
    if (!c)
        return;
    clk_timer_stop(networld_clock(c->w), &c->timer);
    coap_files_destroy(c->files);
    free(c);
}
