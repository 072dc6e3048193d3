/* replay_run.c - a replay session against a simulated module (see
 * replay_run.h). */
#include "replay_run.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/runner.h"
#include "harness/sc_device.h"
#include "harness/sc_env.h"
#include "harness/xmodem_host.h"
#include "sc_writer.h"
#include "sim/trace.h"
#include "lenient.h"
#include "units.h"

#define SEC 1000000000LL
#define XM_WITHIN (1800 * SEC)
#define HANDSHAKE_WAIT (30 * SEC) /* the module's C or NAK comes every 3 or 10 s in Firmware Update Mode */

typedef struct rmark {
    size_t off;
    int64_t t;
} rmark;

typedef struct rport {
    bytebuf rx;     /* everything the module sent on this port */
    size_t cursor;  /* cut into units (or taken by the Xmodem sender) up to here */
    rmark *marks;   /* when each write arrived */
    size_t nmarks, capmarks;
} rport;

typedef struct rrun {
    const session *s;
    replay_result *r;
    clk clk;
    sc_env env;
    rport port[MODEM_PORTS];
    long exch;       /* the exchange units are filed under */
    size_t match_from; /* result units before this one have been matched to the field's */
    int lenient;
    int hold_ctrl;   /* a transfer comes next: its handshake bytes are the sender's */
    int64_t anchor_sim, anchor_field; /* the last point where field and simulation were in step */
    char statedir[PATH_MAX];
} rrun;

static void rlogf(rrun *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rlogf(rrun *x, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    bytebuf b;
    bytebuf_init(&b);
    sc_escape_controls(&b, text);
    trace_event ev = { clk_now(&x->clk), TRACE_EVENT, -1, b.data, b.len };
    trace_format(&x->r->trace, &ev, NULL);
    bytebuf_free(&b);
}

/* ---------------- the module's output ---------------- */

static void host_rx(void *ctx, int port, const uint8_t *p, size_t n)
{
    rrun *x = ctx;
    rport *rp = &x->port[port];
    if (rp->nmarks == rp->capmarks) {
        size_t cap = rp->capmarks ? rp->capmarks * 2 : 64;
        rmark *m = realloc(rp->marks, cap * sizeof(*m));
        if (!m)
            return;
        rp->marks = m;
        rp->capmarks = cap;
    }
    rp->marks[rp->nmarks++] = (rmark){ rp->rx.len, clk_now(&x->clk) };
    bytebuf_append(&rp->rx, p, n);
}

static void on_trace(void *ctx, const trace_event *ev)
{
    rrun *x = ctx;
    trace_format(&x->r->trace, ev, NULL);
}

static void on_log(void *ctx, const char *text) { rlogf(ctx, "%s", text); }

static int64_t time_at(const rport *rp, size_t off)
{
    size_t lo = 0, hi = rp->nmarks;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (rp->marks[mid].off <= off)
            lo = mid;
        else
            hi = mid;
    }
    return rp->nmarks ? rp->marks[lo].t : 0;
}

static int add_unit(replay_result *r, long exch, int64_t t, const uint8_t *p, size_t n)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 128;
        rr_unit *u = realloc(r->u, cap * sizeof(*u));
        if (!u)
            return -ENOMEM;
        r->u = u;
        r->cap = cap;
    }
    char *text = mu_printable(p, n);
    if (!text)
        return -ENOMEM;
    r->u[r->n++] = (rr_unit){ exch, t, text };
    return 0;
}

static int unit_is_ctrl(uint8_t c) { return mu_is_xm_ctrl((const char *)&c, 1); }

/* Cut what the module sent into units, filed under the current exchange. */
static void cut(rrun *x, int flush)
{
    for (int p = 0; p < MODEM_PORTS; p++) {
        rport *rp = &x->port[p];
        mu_unit u;
        while (mu_next(rp->rx.data, rp->rx.len, rp->cursor, flush, &u)) {
            if (x->hold_ctrl && u.text_len == 1 && unit_is_ctrl(rp->rx.data[u.text_off]))
                break;
            add_unit(x->r, x->exch, time_at(rp, u.text_off), rp->rx.data + u.text_off, u.text_len);
            rp->cursor = u.off + u.len;
        }
        if (flush)
            rp->cursor = rp->rx.len;
    }
}

/* ---------------- the clock ---------------- */

typedef int (*rcond)(rrun *x, void *arg);

/* Move the virtual clock from deadline to deadline until cond holds or
 * `deadline` is reached; 1 if cond held. */
static int wait_until(rrun *x, rcond cond, void *arg, sim_ns deadline)
{
    for (;;) {
        clk_advance(&x->clk, clk_now(&x->clk));
        cut(x, 0);
        if (cond && cond(x, arg))
            return 1;
        sim_ns now = clk_now(&x->clk);
        if (now >= deadline)
            return 0;
        sim_ns next = clk_next_due(&x->clk);
        clk_advance(&x->clk, next < deadline ? next : deadline);
    }
}

typedef struct want {
    const char *key; /* the field's line, compared as the diff compares */
    size_t found;
} want;

static int same_line(const rrun *x, const char *a, const char *b)
{
    if (!x->lenient)
        return !strcmp(a, b);
    bytebuf ma, mb;
    bytebuf_init(&ma);
    bytebuf_init(&mb);
    lenient_mask(a, strlen(a), &ma);
    lenient_mask(b, strlen(b), &mb);
    int same = ma.len == mb.len && (!ma.len || !memcmp(ma.data, mb.data, ma.len));
    bytebuf_free(&ma);
    bytebuf_free(&mb);
    return same;
}

/* The simulated module has sent the field's line (in this exchange, after
 * the lines already matched). */
static int line_came(rrun *x, void *arg)
{
    want *w = arg;
    for (size_t k = x->match_from; k < x->r->n; k++) {
        if (x->r->u[k].exch == x->exch && same_line(x, x->r->u[k].text, w->key)) {
            w->found = k;
            return 1;
        }
    }
    return 0;
}

/* Where the field's time `t` falls on the simulation's clock. */
static int64_t sim_time_of(const rrun *x, int64_t t)
{
    if (!x->s->timed || t == RLOG_NO_TIME || x->anchor_field == RLOG_NO_TIME)
        return (int64_t)clk_now(&x->clk);
    return x->anchor_sim + (t - x->anchor_field);
}

static void in_step(rrun *x, int64_t field_t)
{
    x->anchor_sim = (int64_t)clk_now(&x->clk);
    if (field_t != RLOG_NO_TIME)
        x->anchor_field = field_t;
}

/* ---------------- items ---------------- */

static void play_send(rrun *x, size_t i)
{
    const s_item *it = &x->s->it[i];
    int64_t target = sim_time_of(x, it->t);
    if (!x->s->timed && x->exch < 0 && target < x->s->start)
        target = x->s->start; /* no times: the first line after the boot, as the writer says */
    if (target > (int64_t)clk_now(&x->clk))
        wait_until(x, NULL, NULL, (sim_ns)target);
    cut(x, 0);
    x->exch = (long)i;
    x->match_from = x->r->n;
    rlogf(x, "host log %zu send \"%s\"", it->line, it->text);
    sc_env_host_write(&x->env, it->port, it->bytes, it->len);
    in_step(x, it->t);
}

/* Wait for the field's next line as long as the field took, and some.
 * When it comes, field and simulation are in step there; a line that does
 * not come (or comes otherwise) leaves the alignment as it was, so the
 * host's next line still goes out at the log's pace. */
static void play_unit(rrun *x, size_t i)
{
    const s_item *it = &x->s->it[i];
    want w = { it->text, 0 };
    int64_t deadline;
    if (x->s->timed && it->t != RLOG_NO_TIME && x->anchor_field != RLOG_NO_TIME) {
        int64_t d = it->t - x->anchor_field, slack = d / 4 > 5 * SEC ? d / 4 : 5 * SEC;
        deadline = x->anchor_sim + (d > 0 ? d : 0) + slack;
    } else {
        deadline = x->anchor_sim + sc_writer_within(x->s, i, RLOG_NO_TIME);
    }
    if (wait_until(x, line_came, &w, (sim_ns)deadline)) {
        x->match_from = w.found + 1;
        x->anchor_sim = x->r->u[w.found].t;
        if (it->t != RLOG_NO_TIME)
            x->anchor_field = it->t;
    }
}

/* The data of the k-th transfer: the log's frames, or the script's package. */
static int transfer_data(const rrun *x, const scenario *script, size_t i, const uint8_t **p, size_t *n)
{
    const s_item *it = &x->s->it[i];
    if (it->xm.data && it->xm.len) {
        *p = it->xm.data;
        *n = it->xm.len;
        return 0;
    }
    size_t k = 0;
    for (size_t j = 0; j < i; j++)
        k += x->s->it[j].kind == SI_XMODEM;
    for (size_t j = 0; script && j < script->nhost; j++) {
        if (script->host[j].kind == STEP_XMODEM && k-- == 0) {
            *p = script->host[j].xm.data.data;
            *n = script->host[j].xm.data.len;
            return 0;
        }
    }
    return -1;
}

static int new_bytes(rrun *x, void *arg)
{
    const size_t *seen = arg;
    return x->port[0].rx.len + x->port[1].rx.len > *seen;
}

/* The module asks for the transfer: a C or a NAK waits at the cursor. */
static int handshake_waiting(rrun *x, void *arg)
{
    const rport *rp = &x->port[*(const int *)arg];
    return rp->cursor < rp->rx.len && (rp->rx.data[rp->cursor] == 'C' || rp->rx.data[rp->cursor] == 0x15);
}

static int play_xmodem(rrun *x, const scenario *script, size_t i)
{
    const s_item *it = &x->s->it[i];
    const xm_sender_ops *ops = xmodem_host_sender();
    const uint8_t *data;
    size_t len;
    /* a host starts its sender when the module asks; a module that does not
     * (it is not in Firmware Update Mode) gets no transfer */
    int port = it->port, asked = wait_until(x, handshake_waiting, &port, clk_now(&x->clk) + (sim_ns)HANDSHAKE_WAIT);
    x->exch = (long)i;
    x->match_from = x->r->n;
    rr_transfer *nt = realloc(x->r->xm, (x->r->nxm + 1) * sizeof(*nt));
    if (!nt)
        return -ENOMEM;
    x->r->xm = nt;
    rr_transfer *t = &nt[x->r->nxm++];
    *t = (rr_transfer){ i, XM_TX_FAILED, 0, 0, 0 };
    void *snd = NULL;
    xm_sender_opts o = { it->xm.block ? it->xm.block : 1024, -1 };
    if (!asked) {
        t->status = -1;
        rlogf(x, "host log %zu xmodem not started: the module did not ask for it (no C or NAK)", it->line);
        return 0;
    }
    if (!ops || transfer_data(x, script, i, &data, &len) || ops->create(&snd, data, len, &o, clk_now(&x->clk))) {
        rlogf(x, "host log %zu xmodem: no sender or no data", it->line);
        return 0;
    }
    rlogf(x, "host log %zu xmodem (%zu bytes, %u-byte blocks)", it->line, len, o.block);
    rport *rp = &x->port[it->port];
    sim_ns deadline = clk_now(&x->clk) + (sim_ns)XM_WITHIN;
    const char *why = NULL;
    for (;;) {
        sim_ns now = clk_now(&x->clk);
        size_t unread = rp->rx.len - rp->cursor;
        size_t took = ops->feed(snd, rp->rx.data + rp->cursor, unread, now);
        for (size_t k = 0; k < took; k++)
            t->naks += rp->rx.data[rp->cursor + k] == 0x15;
        rp->cursor += took;
        size_t seen = x->port[0].rx.len + x->port[1].rx.len; /* the module may answer a frame at once */
        ops->tick(snd, now);
        xm_frame f;
        while (ops->next_frame(snd, &f)) {
            t->blocks += f.kind == XM_FRAME_BLOCK && f.attempt == 1;
            t->resent += f.kind == XM_FRAME_BLOCK && f.attempt > 1;
            sc_env_host_write(&x->env, it->port, f.bytes, f.len);
        }
        t->status = (int)ops->status(snd, &why);
        if (t->status != XM_TX_RUNNING || now >= deadline)
            break;
        sim_ns next = ops->next_deadline(snd);
        /* not wait_until: the module's bytes are the sender's, not units */
        for (;;) {
            clk_advance(&x->clk, clk_now(&x->clk));
            if (new_bytes(x, &seen) || clk_now(&x->clk) >= (next < deadline ? next : deadline))
                break;
            sim_ns due = clk_next_due(&x->clk), until = next < deadline ? next : deadline;
            clk_advance(&x->clk, due < until ? due : until);
        }
    }
    rlogf(x, "host log %zu xmodem ended: %s", it->line, why ? why : "complete");
    ops->destroy(snd);
    in_step(x, it->t);
    return 0;
}

static void play_end(rrun *x)
{
    const session *s = x->s;
    if (s->timed && s->t_end != RLOG_NO_TIME) {
        int64_t target = sim_time_of(x, s->t_end);
        if (target > (int64_t)clk_now(&x->clk))
            wait_until(x, NULL, NULL, (sim_ns)target);
    }
    clk_advance(&x->clk, clk_now(&x->clk));
    cut(x, 1);
}

static int next_is_transfer(const session *s, size_t i)
{
    for (size_t k = i + 1; k < s->n; k++) {
        if (s->it[k].kind == SI_XMODEM)
            return 1;
        if (s->it[k].kind == SI_SEND || s->it[k].kind == SI_UNIT)
            return 0;
    }
    return 0;
}

static int play(rrun *x, const scenario *script)
{
    const session *s = x->s;
    for (size_t i = 0; i < s->n; i++) {
        const s_item *it = &s->it[i];
        x->hold_ctrl = it->kind == SI_XMODEM || next_is_transfer(s, i);
        switch (it->kind) {
        case SI_SEND:
            play_send(x, i);
            if (sc_writer_unanswered(s, i) && !s->timed) /* the host waited for an answer that never came */
                wait_until(x, NULL, NULL, clk_now(&x->clk) + (sim_ns)sc_writer_silence(s, i));
            break;
        case SI_UNIT: play_unit(x, i); break;
        case SI_XMODEM:
            if (play_xmodem(x, script, i))
                return -1;
            break;
        case SI_BAUD:
            sc_env_set_host_rate(&x->env, it->port, it->rate);
            rlogf(x, "host log %zu set_baud %u", it->line, (unsigned)it->rate);
            break;
        case SI_NOTE: break;
        }
    }
    play_end(x);
    return 0;
}

/* ---------------- setup ---------------- */

static int setup(rrun *x, const scenario *env_sc, char *err, size_t errlen)
{
    clk_init(&x->clk, 0);
    for (int p = 0; p < MODEM_PORTS; p++)
        bytebuf_init(&x->port[p].rx);
    snprintf(x->statedir, sizeof(x->statedir), "%s/sarasim-replay-XXXXXX", runner_default_state_root());
    if (!mkdtemp(x->statedir)) {
        snprintf(err, errlen, "cannot create a state dir: %s", strerror(errno));
        x->statedir[0] = 0;
        return -1;
    }
    modem_config cfg;
    sc_device_config(&env_sc->device, x->statedir, &cfg);
    sc_env_io io = { host_rx, on_trace, on_log, x, NULL };
    if (sc_env_create(&x->env, env_sc, &x->clk, &cfg, &io, NULL, err, errlen))
        return -1;
    for (int p = 0; p < MODEM_PORTS; p++)
        sc_env_set_host_rate(&x->env, p, 115200);
    rlogf(x, "harness scenario %s (replay)", env_sc->name ? env_sc->name : "replay");
    return sc_env_start(&x->env, err, errlen);
}

int replay_run(const session *s, const scenario *env, const scenario *script, int lenient, replay_result *r,
               char *err, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    bytebuf_init(&r->trace);
    rrun *x = calloc(1, sizeof(*x));
    if (!x) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    x->s = s;
    x->r = r;
    x->lenient = lenient;
    x->exch = -1;
    x->anchor_sim = 0;
    x->anchor_field = s->timed ? 0 : RLOG_NO_TIME;
    int rc = setup(x, env, err, errlen);
    if (!rc)
        rc = play(x, script);
    if (!rc)
        rlogf(x, "harness replay ended at %.6fs", (double)clk_now(&x->clk) / 1e9);
    r->sim_end = (int64_t)clk_now(&x->clk);
    sc_env_destroy(&x->env); /* as the runner: safe on what create left */
    clk_free(&x->clk);
    for (int p = 0; p < MODEM_PORTS; p++) {
        bytebuf_free(&x->port[p].rx);
        free(x->port[p].marks);
    }
    if (x->statedir[0])
        runner_remove_tree(x->statedir);
    free(x);
    return rc;
}

void replay_result_free(replay_result *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->u[i].text);
    free(r->u);
    free(r->xm);
    bytebuf_free(&r->trace);
    memset(r, 0, sizeof(*r));
}
