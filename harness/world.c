/* world.c - triggers and actions of a scenario's world (see world.h). */
#include "world.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/dur.h"
#include "sim/control.h"

#define LINE_MAX_KEEP 1024    /* longer module lines are matched on their start */
#define WINDOW_KEEP 4096      /* output kept for "tx"/"rx" patterns across writes */
#define EV_TOKENS 32
#define STORM_MAX 10000       /* firings at one simulated instant: a loop, not a scenario */

/* One direction of one port, for "tx"/"rx" patterns. */
typedef struct stream_watch {
    bytebuf win;
    uint64_t base; /* stream offset of win.data[0] */
} stream_watch;

typedef struct ev_state {
    unsigned fired;
    uint64_t from; /* TX/RX: stream offset where the next search starts */
    clk_timer at_timer;
    world *w;
} ev_state;

/* An action waiting for its instant ("after" a match). */
typedef struct pending {
    clk_timer timer;
    world *w;
    size_t idx;
    struct pending *next;
} pending;

struct world {
    const scenario *sc;
    world_io io;
    ev_state *st;
    bytebuf line[MODEM_PORTS];
    stream_watch tx[MODEM_PORTS], rx[MODEM_PORTS];
    pending *pend;
    char *error;
    sim_ns storm_at;   /* instant of the latest firings ... */
    unsigned storm_n;  /* ... and how many there were */
};

static void wlog(world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wlog(world *w, const char *fmt, ...)
{
    if (!w->io.log)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    w->io.log(w->io.ctx, buf);
}

/* ---------------- actions ---------------- */

static int host_faults_hook(void *ctx, const cJSON *req, char *err, size_t errlen)
{
    world *w = ctx;
    return sc_host_faults_json(w->io.net, req, err, errlen);
}

static int control_action(world *w, const sc_action *a, char *err, size_t errlen)
{
    control_hooks hooks = { NULL, host_faults_hook, w };
    char *reply = control_handle(w->io.m, a->request, strlen(a->request), &hooks);
    cJSON *r = reply ? cJSON_Parse(reply) : NULL;
    int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"));
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
    if (!ok)
        snprintf(err, errlen, "control %s: %s", a->request, cJSON_IsString(e) ? e->valuestring : "failed");
    cJSON_Delete(r);
    free(reply);
    return ok ? 0 : -1;
}

static int override_action(world *w, const sc_action *a, char *err, size_t errlen)
{
    int rc = a->kind == ACT_OVERRIDE ? modem_override_set(w->io.m, a->pattern, a->info, a->result, a->once)
                                     : modem_override_clear(w->io.m, a->pattern);
    if (rc >= 0)
        return 0;
    snprintf(err, errlen, "%s \"%s\": %s", a->text, a->pattern ? a->pattern : "",
             rc == -EINVAL    ? "expected a command like \"+CSQ\", \"+CFUN?\", \"+CFUN=16\" or \"I9\""
             : rc == -ENOSPC ? "too many overrides in force"
                              : strerror(-rc));
    return -1;
}

static int wire_action(world *w, const sc_action *a, char *err, size_t errlen)
{
    if (!w->io.wire) {
        snprintf(err, errlen, "%s: UART faults are not supported by this front end", a->text);
        return -1;
    }
    if (a->kind == ACT_BAUD_MISMATCH) {
        wire_mismatch(w->io.wire, a->port, a->rate);
        return 0;
    }
    if (wire_add_fault(w->io.wire, a->port, a->dir, a->fault, a->count, a->delay)) {
        snprintf(err, errlen, "%s: out of memory", a->text);
        return -1;
    }
    return 0;
}

static int host_action(world *w, const sc_action *a, char *err, size_t errlen)
{
    nw_faults f;
    if (!w->io.net || networld_get_faults(w->io.net, a->host, &f)) {
        snprintf(err, errlen, "host \"%s\": no such host in world.hosts", a->host);
        return -1;
    }
    nw_faults_apply(&f, &a->faults, a->fault_mask);
    networld_set_faults(w->io.net, a->host, &f);
    return 0;
}

static int lwm2m_action(world *w, const sc_action *a, char *err, size_t errlen)
{
    if (!w->io.lw) {
        snprintf(err, errlen, "lwm2m: no LwM2M server in this world");
        return -1;
    }
    return lwm2m_services_apply(w->io.lw, a->lwm2m, err, errlen);
}

int world_apply(world *w, const sc_action *a, const char *who, char *err, size_t errlen)
{
    modem *m = w->io.m;
    wlog(w, "world %s do %s", who, a->text);
    switch (a->kind) {
    case ACT_POWER_CUT: modem_power_cut(m); return 0;
    case ACT_POWER_ON: modem_power_on(m); return 0;
    case ACT_RESET: modem_reset(m); return 0;
    case ACT_SIGNAL: modem_set_signal(m, a->lost, a->rsrp); return 0;
    case ACT_UART_FAULT:
    case ACT_BAUD_MISMATCH: return wire_action(w, a, err, errlen);
    case ACT_OVERRIDE:
    case ACT_OVERRIDE_CLEAR: return override_action(w, a, err, errlen);
    case ACT_CONTROL: return control_action(w, a, err, errlen);
    case ACT_HOST: return host_action(w, a, err, errlen);
    case ACT_PDP_DROP: modem_network_pdp_drop(m); return 0;
    case ACT_LWM2M: return lwm2m_action(w, a, err, errlen);
    case ACT_EASYFLASH:
        if (!modem_easyflash(m, a->info, a->count))
            return 0;
        snprintf(err, errlen, "easyflash: the state dir cannot be written");
        return -1;
    }
    snprintf(err, errlen, "unknown action");
    return -1;
}

const char *world_error(const world *w) { return w->error; }

/* ---------------- firing ---------------- */

static void fire(world *w, size_t idx);

static void notify_fired(world *w, const char *id)
{
    if (!id)
        return;
    for (size_t i = 0; i < w->sc->nworld; i++) {
        const sc_trigger *t = &w->sc->world[i].trig;
        if (t->kind == TRIG_FIRED && !strcmp(t->arg, id))
            fire(w, i);
    }
}

static void set_error(world *w, const char *who, const char *what)
{
    if (w->error)
        return;
    size_t n = strlen(who) + strlen(what) + 3;
    if ((w->error = malloc(n)))
        snprintf(w->error, n, "%s: %s", who, what);
}

static void pending_cb(clk_timer *t)
{
    pending *p = t->data;
    world *w = p->w;
    for (pending **pp = &w->pend; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    const sc_world_event *ev = &w->sc->world[p->idx];
    free(p);
    char err[256];
    if (world_apply(w, &ev->act, ev->path, err, sizeof(err))) {
        wlog(w, "world %s failed: %s", ev->path, err);
        set_error(w, ev->path, err);
    }
    notify_fired(w, ev->id);
}

static void fire(world *w, size_t idx)
{
    const sc_world_event *ev = &w->sc->world[idx];
    ev_state *st = &w->st[idx];
    if ((st->fired && !ev->repeat) || w->storm_n > STORM_MAX)
        return;
    sim_ns now = clk_now(w->io.clk);
    w->storm_n = now == w->storm_at ? w->storm_n + 1 : 1;
    w->storm_at = now;
    if (w->storm_n > STORM_MAX) { /* an event that re-triggers itself without time passing */
        set_error(w, ev->path, "fired more than 10000 times at one instant (does its action trigger it again?)");
        return;
    }
    st->fired++;
    pending *p = calloc(1, sizeof(*p));
    if (!p)
        return;
    p->w = w;
    p->idx = idx;
    p->next = w->pend;
    w->pend = p;
    clk_timer_init(&p->timer, pending_cb, p);
    if (ev->trig.kind != TRIG_AT)
        wlog(w, "world %s trigger %s", ev->path, ev->trig.text);
    clk_timer_start(w->io.clk, &p->timer, ev->delay);
}

static void at_cb(clk_timer *t)
{
    ev_state *st = t->data;
    fire(st->w, (size_t)(st - st->w->st));
}

/* ---------------- matching ---------------- */

static int port_ok(const sc_trigger *t, int port) { return t->port < 0 || t->port == port; }

/* "urc +CEREG: 1" matches "+CEREG: 1" and "+CEREG: 1,\"E8FE\",...";
 * "urc +CEREG" matches any "+CEREG: ..." line. */
static int line_matches(const sc_trigger *t, const char *line, size_t len)
{
    if (t->kind == TRIG_LINE_RE)
        return regexec(&t->re, line, 0, NULL, 0) == 0;
    if (len < t->arg_len || memcmp(line, t->arg, t->arg_len))
        return 0;
    return len == t->arg_len || line[t->arg_len] == ',' || line[t->arg_len] == ':';
}

static void check_line(world *w, int port)
{
    bytebuf *b = &w->line[port];
    for (size_t i = 0; i < w->sc->nworld; i++) {
        const sc_trigger *t = &w->sc->world[i].trig;
        if ((t->kind == TRIG_LINE || t->kind == TRIG_LINE_RE) && port_ok(t, port) &&
            line_matches(t, (const char *)b->data, b->len))
            fire(w, i);
    }
}

static void feed_lines(world *w, int port, const uint8_t *p, size_t n)
{
    bytebuf *b = &w->line[port];
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r' || p[i] == '\n') {
            if (b->len)
                check_line(w, port);
            bytebuf_clear(b);
        } else if (b->len < LINE_MAX_KEEP) {
            bytebuf_append_byte(b, p[i] ? p[i] : ' ');
        }
    }
}

static void feed_stream(world *w, stream_watch *sw, sc_trig_kind kind, int port, const uint8_t *p, size_t n)
{
    bytebuf_append(&sw->win, p, n);
    for (size_t i = 0; i < w->sc->nworld; i++) {
        const sc_world_event *ev = &w->sc->world[i];
        ev_state *st = &w->st[i];
        if (ev->trig.kind != kind || !port_ok(&ev->trig, port))
            continue;
        for (;;) {
            uint64_t from = st->from > sw->base ? st->from : sw->base;
            size_t off = (size_t)(from - sw->base);
            if (off >= sw->win.len)
                break;
            const uint8_t *hit = memmem(sw->win.data + off, sw->win.len - off, ev->trig.arg, ev->trig.arg_len);
            if (!hit)
                break;
            st->from = sw->base + (uint64_t)(hit - sw->win.data) + ev->trig.arg_len;
            fire(w, i);
            if (!ev->repeat)
                break;
        }
    }
    if (sw->win.len > 2 * WINDOW_KEEP) {
        size_t drop = sw->win.len - WINDOW_KEEP;
        bytebuf_consume(&sw->win, drop);
        sw->base += drop;
    }
}

static size_t tokenize(char *s, char **tok, size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(s, " ", &save); t && n < max; t = strtok_r(NULL, " ", &save))
        tok[n++] = t;
    return n;
}

static int field_matches(const sc_ev_field *f, char **tok, size_t n)
{
    size_t kl = strlen(f->key);
    for (size_t i = 0; i < n; i++) {
        if (strncmp(tok[i], f->key, kl) || tok[i][kl] != '=')
            continue;
        const char *v = tok[i] + kl + 1;
        if (f->op == EVF_EQ)
            return !strcmp(v, f->value);
        char *end;
        long long num = strtoll(v, &end, 10);
        if (end == v || *end)
            return 0;
        return f->op == EVF_GE ? num >= f->num : num <= f->num;
    }
    return 0;
}

static int ev_matches(const sc_trigger *t, char **tok, size_t n)
{
    if (t->nwords > n)
        return 0;
    for (size_t i = 0; i < t->nwords; i++)
        if (strcmp(tok[i], t->words[i]))
            return 0;
    for (size_t i = 0; i < t->nfields; i++)
        if (!field_matches(&t->fields[i], tok, n))
            return 0;
    return 1;
}

static int state_matches(const sc_trigger *t, char **tok, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (!strcmp(tok[i], "->"))
            return !strcmp(tok[i + 1], t->arg);
    return 0;
}

/* An EV line as the triggers see it: its text and its blank-separated
 * tokens (at most EV_TOKENS; lines are cut at 511 bytes). */
typedef struct ev_text {
    char text[512], copy[512];
    char *tok[EV_TOKENS];
    size_t ntok;
} ev_text;

static void ev_text_init(ev_text *e, const uint8_t *p, size_t n)
{
    n = n < sizeof(e->text) - 1 ? n : sizeof(e->text) - 1;
    memcpy(e->text, p, n);
    e->text[n] = 0;
    memcpy(e->copy, e->text, n + 1);
    e->ntok = tokenize(e->copy, e->tok, EV_TOKENS);
}

static int trigger_matches(const sc_trigger *t, const ev_text *e)
{
    return (t->kind == TRIG_EV && ev_matches(t, (char **)e->tok, e->ntok)) ||
           (t->kind == TRIG_STATE && state_matches(t, (char **)e->tok, e->ntok)) ||
           (t->kind == TRIG_EV_RE && regexec(&t->re, e->text, 0, NULL, 0) == 0);
}

int world_event_matches(const sc_trigger *t, const char *text, size_t len)
{
    ev_text e;
    ev_text_init(&e, (const uint8_t *)text, len);
    return trigger_matches(t, &e);
}

static void check_event(world *w, const uint8_t *p, size_t n)
{
    ev_text e;
    ev_text_init(&e, p, n);
    for (size_t i = 0; i < w->sc->nworld; i++)
        if (trigger_matches(&w->sc->world[i].trig, &e))
            fire(w, i);
}

static int has_trigger(const world *w, sc_trig_kind kind)
{
    for (size_t i = 0; i < w->sc->nworld; i++)
        if (w->sc->world[i].trig.kind == kind)
            return 1;
    return 0;
}

void world_observe(world *w, const trace_event *ev)
{
    if (ev->kind == TRACE_EVENT) {
        check_event(w, ev->data, ev->len);
        return;
    }
    if (ev->port < 0 || ev->port >= MODEM_PORTS)
        return;
    if (ev->kind == TRACE_TX) {
        feed_lines(w, ev->port, ev->data, ev->len);
        if (has_trigger(w, TRIG_TX))
            feed_stream(w, &w->tx[ev->port], TRIG_TX, ev->port, ev->data, ev->len);
    } else if (has_trigger(w, TRIG_RX)) {
        feed_stream(w, &w->rx[ev->port], TRIG_RX, ev->port, ev->data, ev->len);
    }
}

/* ---------------- lifecycle ---------------- */

int world_create(world **out, const scenario *sc, const world_io *io)
{
    world *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->sc = sc;
    w->io = *io;
    w->st = calloc(sc->nworld + 1, sizeof(*w->st));
    if (!w->st) {
        free(w);
        return -ENOMEM;
    }
    for (size_t i = 0; i < sc->nworld; i++) {
        w->st[i].w = w;
        clk_timer_init(&w->st[i].at_timer, at_cb, &w->st[i]);
    }
    for (int p = 0; p < MODEM_PORTS; p++) {
        bytebuf_init(&w->line[p]);
        bytebuf_init(&w->tx[p].win);
        bytebuf_init(&w->rx[p].win);
    }
    *out = w;
    return 0;
}

void world_start(world *w)
{
    for (size_t i = 0; i < w->sc->nworld; i++)
        if (w->sc->world[i].trig.kind == TRIG_AT)
            clk_timer_start_at(w->io.clk, &w->st[i].at_timer, w->sc->world[i].trig.at);
}

void world_destroy(world *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->sc->nworld; i++)
        clk_timer_stop(w->io.clk, &w->st[i].at_timer);
    while (w->pend) {
        pending *p = w->pend;
        w->pend = p->next;
        clk_timer_stop(w->io.clk, &p->timer);
        free(p);
    }
    for (int p = 0; p < MODEM_PORTS; p++) {
        bytebuf_free(&w->line[p]);
        bytebuf_free(&w->tx[p].win);
        bytebuf_free(&w->rx[p].win);
    }
    free(w->st);
    free(w->error);
    free(w);
}
