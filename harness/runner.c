/* runner.c - a scenario on a virtual clock: setup, the clock loop and the
 * host's text steps (see runner.h). */
#include "runner_int.h"

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "protocol/dur.h"
#include "sc_device.h"
#include "sim/trace.h"

#define SEEN_MAX 512 /* bytes shown when an expectation fails */
#define MAX_GROUPS 10

const char *run_status_name(run_status s)
{
    static const char *const names[] = { "PASS", "FAIL", "SKIP", "ERROR" };
    return names[s];
}

/* ---------------- trace & failure reporting ---------------- */

/* One EV line: control characters (a captured CR, a message quoting the
 * module) are written escaped so that a line stays a line. */
void runner_log(runner *r, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    bytebuf b;
    bytebuf_init(&b);
    sc_escape_controls(&b, text);
    trace_event ev = { clk_now(&r->clk), TRACE_EVENT, -1, b.data, b.len };
    trace_format(&r->res->trace, &ev, NULL);
    bytebuf_free(&b);
}

static void log_cb(void *ctx, const char *text) { runner_log(ctx, "%s", text); }

/* The module fell back to defaults (an unreadable state dir): on stderr as
 * well as in the trace, so a person does not take the run at face value. */
static void notice_cb(void *ctx, const char *text)
{
    runner *r = ctx;
    fprintf(stderr, "sarasim-harness: %s: %s\n", r->sc->name, text);
}

static char *escaped(const uint8_t *p, size_t n, size_t max)
{
    bytebuf b;
    bytebuf_init(&b);
    trace_escape(&b, p, n < max ? n : max);
    if (n > max)
        bytebuf_appendf(&b, "... (%zu more bytes)", n - max);
    bytebuf_append_byte(&b, 0); /* an empty result is "" rather than NULL */
    return (char *)b.data;
}

void runner_set_seen_bytes(runner *r, const uint8_t *p, size_t n)
{
    free(r->res->seen);
    r->res->seen = escaped(p, n, SEEN_MAX);
}

void runner_set_seen(runner *r, int port) { runner_set_seen_bytes(r, runner_unread_at(r, port), runner_unread(r, port)); }

void runner_set_expected(runner *r, const uint8_t *p, size_t n)
{
    free(r->res->expected);
    r->res->expected = escaped(p, n, SEEN_MAX);
}

int runner_fail(runner *r, const sc_step *st, const char *fmt, ...)
{
    run_result *res = r->res;
    char why[512], what[256] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    res->status = RUN_FAIL;
    if (st) {
        snprintf(res->step, sizeof(res->step), "%s", st->path);
        scenario_step_describe(st, what, sizeof(what));
    }
    free(res->what);
    free(res->why);
    res->what = strdup(what);
    res->why = strdup(why);
    runner_log(r, "host %s FAILED: %s", st ? st->path : "-", why);
    return -1;
}

int runner_wait_failed(runner *r, const sc_step *st, int why)
{
    if (why == WAIT_WORLD)
        return runner_fail(r, st, "world event failed: %s", world_error(r->env.world));
    char d[32];
    dur_format(r->sc->limit, d, sizeof(d));
    return runner_fail(r, st, "the scenario's limit of %s simulated time was reached", d);
}

/* ---------------- the clock loop ---------------- */

static sim_ns min3(sim_ns a, sim_ns b, sim_ns c)
{
    sim_ns m = a < b ? a : b;
    return m < c ? m : c;
}

int runner_wait(runner *r, wait_cond cond, void *arg, sim_ns deadline)
{
    for (;;) {
        /* whatever is due now first: world actions queued by a match */
        clk_advance(&r->clk, clk_now(&r->clk));
        if (world_error(r->env.world))
            return WAIT_WORLD;
        if (cond && cond(r, arg))
            return WAIT_MET;
        sim_ns now = clk_now(&r->clk);
        if (now >= deadline)
            return WAIT_TIMEOUT;
        if (now >= r->sc->limit)
            return WAIT_LIMIT;
        clk_advance(&r->clk, min3(clk_next_due(&r->clk), deadline, r->sc->limit));
    }
}

static sim_ns deadline_in(const runner *r, sim_ns d)
{
    sim_ns now = clk_now(&r->clk);
    return d > SIM_NEVER - now ? SIM_NEVER : now + d;
}

/* ---------------- variables ---------------- */

static const char *var_get(const runner *r, const char *name, size_t len)
{
    for (size_t i = 0; i < r->nvars; i++)
        if (strlen(r->vars[i].name) == len && !memcmp(r->vars[i].name, name, len))
            return r->vars[i].value;
    return NULL;
}

static int var_set(runner *r, const char *name, const char *value, size_t vlen)
{
    char *v = strndup(value, vlen);
    if (!v)
        return -1;
    for (size_t i = 0; i < r->nvars; i++) {
        if (!strcmp(r->vars[i].name, name)) {
            free(r->vars[i].value);
            r->vars[i].value = v;
            return 0;
        }
    }
    sc_var *nv = realloc(r->vars, (r->nvars + 1) * sizeof(*nv));
    if (!nv || !(nv[r->nvars].name = strdup(name))) {
        r->vars = nv ? nv : r->vars;
        free(v);
        return -1;
    }
    r->vars = nv;
    r->vars[r->nvars++].value = v;
    return 0;
}

/* ${name} replaced by its value; the parser made sure every name exists. */
static void expand(const runner *r, const sc_bytes *in, bytebuf *out)
{
    bytebuf_clear(out);
    if (!in->has_vars) {
        bytebuf_append(out, in->data, in->len);
        return;
    }
    const char *s = (const char *)in->data, *end = s + in->len;
    while (s < end) {
        const char *q = s + 2;
        while (s[0] == '$' && s[1] == '{' && q < end && (isalnum((unsigned char)*q) || *q == '_'))
            q++;
        const char *v = s[0] == '$' && s[1] == '{' && q < end && *q == '}' ? var_get(r, s + 2, (size_t)(q - s - 2))
                                                                         : NULL;
        if (v) {
            bytebuf_append_str(out, v);
            s = q + 1;
        } else {
            bytebuf_append_byte(out, (uint8_t)*s++);
        }
    }
}

/* ---------------- text steps ---------------- */

static int step_send(runner *r, const sc_step *st)
{
    bytebuf b;
    bytebuf_init(&b);
    expand(r, &st->bytes, &b);
    sc_env_host_write(&r->env, st->port, b.data, b.len);
    bytebuf_free(&b);
    return 0;
}

typedef struct expect_state {
    const sc_step *st;
    bytebuf pat;
    int found, mismatch;
    size_t start, end; /* of the match, relative to the cursor */
    regmatch_t g[MAX_GROUPS];
} expect_state;

static int find_literal(runner *r, expect_state *es)
{
    int port = es->st->port;
    const uint8_t *p = runner_unread_at(r, port);
    size_t n = runner_unread(r, port), pl = es->pat.len;
    const uint8_t *pat = es->pat.data ? es->pat.data : (const uint8_t *)""; /* "${x}" with x empty */
    if (es->st->exact && es->st->kind == STEP_EXPECT) {
        size_t k = n < pl ? n : pl;
        if (memcmp(p, pat, k))
            return es->mismatch = 1;
        if (n < pl)
            return 0;
        es->start = 0;
    } else {
        const uint8_t *hit = n >= pl ? memmem(p, n, pat, pl) : NULL;
        if (!hit)
            return 0;
        es->start = (size_t)(hit - p);
    }
    es->end = es->start + pl;
    return es->found = 1;
}

static int find_regex(runner *r, expect_state *es)
{
    int port = es->st->port;
    es->g[0].rm_so = (regoff_t)r->cursor[port];
    es->g[0].rm_eo = (regoff_t)r->rx[port].len;
    if (!r->rx[port].data || regexec(&es->st->re, (const char *)r->rx[port].data, MAX_GROUPS, es->g, REG_STARTEND))
        return 0;
    for (size_t i = 0; i < MAX_GROUPS; i++) { /* offsets relative to the cursor */
        if (es->g[i].rm_so >= 0) {
            es->g[i].rm_so -= (regoff_t)r->cursor[port];
            es->g[i].rm_eo -= (regoff_t)r->cursor[port];
        }
    }
    if (es->st->exact && es->st->kind == STEP_EXPECT && es->g[0].rm_so != 0)
        return 0; /* a later match may still start at the cursor: keep waiting */
    es->start = (size_t)es->g[0].rm_so;
    es->end = (size_t)es->g[0].rm_eo;
    return es->found = 1;
}

static int expect_cond(runner *r, void *arg)
{
    expect_state *es = arg;
    return es->st->is_re ? find_regex(r, es) : find_literal(r, es);
}

static int capture(runner *r, const sc_step *st, expect_state *es)
{
    const uint8_t *base = runner_unread_at(r, st->port);
    for (size_t i = 0; i < st->ncaptures; i++) {
        size_t g = st->re.re_nsub ? i + 1 : 0;
        const char *v = "";
        size_t len = 0;
        if (g < MAX_GROUPS && es->g[g].rm_so >= 0) {
            v = (const char *)base + es->g[g].rm_so;
            len = (size_t)(es->g[g].rm_eo - es->g[g].rm_so);
        }
        if (var_set(r, st->captures[i], v, len))
            return runner_fail(r, st, "out of memory");
        runner_log(r, "host %s capture %s=\"%.*s\"", st->path, st->captures[i], (int)len, v);
    }
    return 0;
}

static int step_expect(runner *r, const sc_step *st)
{
    expect_state es;
    memset(&es, 0, sizeof(es));
    es.st = st;
    bytebuf_init(&es.pat);
    if (!st->is_re)
        expand(r, &st->bytes, &es.pat);
    sim_ns started = clk_now(&r->clk);
    int w = runner_wait(r, expect_cond, &es, deadline_in(r, st->within));
    int rc = 0;
    char d[32];
    dur_format(st->within, d, sizeof(d));
    if (st->is_re)
        runner_set_expected(r, (const uint8_t *)st->re_src, strlen(st->re_src));
    else
        runner_set_expected(r, es.pat.data, es.pat.len);
    if (st->kind == STEP_EXPECT_NOT) {
        if (w == WAIT_MET) {
            runner_set_seen(r, st->port);
            rc = runner_fail(r, st, "it appeared %.6fs into the step",
                             (double)(clk_now(&r->clk) - started) / 1e9);
        } else if (w < 0) {
            rc = runner_wait_failed(r, st, w);
        }
    } else if (w == WAIT_MET && es.found) {
        rc = st->ncaptures ? capture(r, st, &es) : 0;
        r->cursor[st->port] += es.end;
    } else {
        runner_set_seen(r, st->port);
        if (w < 0)
            rc = runner_wait_failed(r, st, w);
        else if (es.mismatch)
            rc = runner_fail(r, st, "the module sent other bytes (exact match required)");
        else
            rc = runner_fail(r, st, "not seen within %s", d);
    }
    bytebuf_free(&es.pat);
    return rc;
}

static int step_wait(runner *r, const sc_step *st, sim_ns d)
{
    int w = runner_wait(r, NULL, NULL, deadline_in(r, d));
    return w < 0 ? runner_wait_failed(r, st, w) : 0;
}

static int step_send_file(runner *r, const sc_step *st)
{
    size_t chunk = st->chunk ? st->chunk : st->bytes.len;
    for (size_t off = 0; off < st->bytes.len; off += chunk) {
        size_t n = st->bytes.len - off < chunk ? st->bytes.len - off : chunk;
        sc_env_host_write(&r->env, st->port, st->bytes.data + off, n);
        if (off + n < st->bytes.len && step_wait(r, st, st->interval))
            return -1;
    }
    return 0;
}

static int step_do(runner *r, const sc_step *st)
{
    char err[256];
    return world_apply(r->env.world, &st->act, st->path, err, sizeof(err)) ? runner_fail(r, st, "%s", err) : 0;
}

static int run_step(runner *r, const sc_step *st)
{
    char what[256];
    scenario_step_describe(st, what, sizeof(what));
    /* what was due now happens before the step: a zero-delay world action */
    clk_advance(&r->clk, clk_now(&r->clk));
    runner_log(r, "host %s %s", st->path, what);
    for (int p = 0; p < MODEM_PORTS; p++) { /* forget what has been read */
        bytebuf_consume(&r->rx[p], r->cursor[p]);
        r->cursor[p] = 0;
    }
    switch (st->kind) {
    case STEP_SEND: return step_send(r, st);
    case STEP_EXPECT:
    case STEP_EXPECT_NOT: return step_expect(r, st);
    case STEP_WAIT: return step_wait(r, st, st->wait);
    case STEP_SET_BAUD: sc_env_set_host_rate(&r->env, st->port, st->rate); return 0;
    case STEP_SEND_FILE: return step_send_file(r, st);
    case STEP_XMODEM: return runner_step_xmodem(r, st);
    case STEP_ASSERT: return runner_step_assert(r, st);
    case STEP_DO: return step_do(r, st);
    case STEP_EXPECT_EVENT: return runner_step_expect_event(r, st);
    }
    return 0;
}

/* ---------------- setup & teardown ---------------- */

static void host_rx(void *ctx, int port, const uint8_t *p, size_t n)
{
    runner *r = ctx;
    bytebuf_append(&r->rx[port], p, n);
}

static void on_trace(void *ctx, const trace_event *ev)
{
    runner *r = ctx;
    trace_format(&r->res->trace, ev, NULL);
    if (ev->kind == TRACE_EVENT)
        runner_keep_event(r, ev->data, ev->len);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void runner_remove_tree(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* The module's flash writes are fsynced (fs/atomic.c): pointless for a state
 * dir thrown away after the run, and on a disk they would cost more than the
 * whole simulation.  So the state goes to tmpfs when there is one. */
const char *runner_default_state_root(void)
{
    if (access("/dev/shm", W_OK | X_OK) == 0)
        return "/dev/shm";
    const char *tmp = getenv("TMPDIR");
    return tmp && *tmp ? tmp : "/tmp";
}

static int make_statedir(runner *r, const run_opts *o)
{
    snprintf(r->statedir, sizeof(r->statedir), "%s/sarasim-harness-XXXXXX",
             o && o->state_root ? o->state_root : runner_default_state_root());
    if (mkdtemp(r->statedir))
        return 0;
    r->statedir[0] = 0;
    return -errno;
}

static int setup_error(runner *r, run_status status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int setup_error(runner *r, run_status status, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    r->res->status = status;
    free(r->res->why);
    r->res->why = strdup(why);
    return status == RUN_SKIP ? 1 : -1;
}

/* Skip when the build lacks what the scenario requires. */
static int check_requires(runner *r)
{
    char why[256];
    for (size_t i = 0; i < r->sc->nrequires; i++)
        if (caps_check(r->m, r->xm != NULL, r->sc->requires[i], why, sizeof(why)))
            return setup_error(r, RUN_SKIP, "%s", why);
    return 0;
}

static int setup(runner *r)
{
    char err[512] = "";
    clk_init(&r->clk, 0);
    for (int p = 0; p < MODEM_PORTS; p++)
        bytebuf_init(&r->rx[p]);
    int rc = make_statedir(r, r->opts);
    if (rc)
        return setup_error(r, RUN_ERROR, "cannot create a state dir: %s", strerror(-rc));
    modem_config cfg;
    sc_device_config(&r->sc->device, r->statedir, &cfg);
    sc_env_io io = { host_rx, on_trace, log_cb, r, notice_cb };
    if (sc_env_create(&r->env, r->sc, &r->clk, &cfg, &io, NULL, err, sizeof(err)))
        return setup_error(r, RUN_ERROR, "%s", err);
    r->m = r->env.m;
    if ((rc = check_requires(r)))
        return rc;
    for (int p = 0; p < MODEM_PORTS; p++)
        sc_env_set_host_rate(&r->env, p, 115200);
    for (size_t i = 0; i < r->sc->nvars; i++)
        if (var_set(r, r->sc->vars[i].name, r->sc->vars[i].value, strlen(r->sc->vars[i].value)))
            return setup_error(r, RUN_ERROR, "out of memory");
    runner_log(r, "harness scenario %s", r->sc->name);
    if (sc_env_start(&r->env, err, sizeof(err)))
        return setup_error(r, RUN_ERROR, "%s", err);
    return 0;
}

static void teardown(runner *r)
{
    sc_env_destroy(&r->env);
    clk_free(&r->clk);
    for (int p = 0; p < MODEM_PORTS; p++)
        bytebuf_free(&r->rx[p]);
    for (size_t i = 0; i < r->nvars; i++) {
        free(r->vars[i].name);
        free(r->vars[i].value);
    }
    free(r->vars);
    runner_events_free(r);
    if (r->statedir[0])
        runner_remove_tree(r->statedir);
}

/* "exact": everything the module sent must have been read. */
static void check_all_read(runner *r)
{
    for (int p = 0; p < MODEM_PORTS && r->res->status == RUN_PASS; p++) {
        if (!runner_unread(r, p))
            continue;
        runner_set_seen(r, p);
        runner_fail(r, NULL, "the module sent bytes no step read on port %d (\"exact\": true)", p);
        snprintf(r->res->step, sizeof(r->res->step), "$.host (end)");
    }
}

int runner_run(const scenario *sc, const run_opts *o, run_result *res)
{
    memset(res, 0, sizeof(*res));
    bytebuf_init(&res->trace);
    runner r;
    memset(&r, 0, sizeof(r));
    r.sc = sc;
    r.res = res;
    r.opts = o;
    r.xm = o && o->xmodem ? o->xmodem : xmodem_host_sender();
    int rc = setup(&r);
    if (rc == 0) {
        for (size_t i = 0; i < sc->nhost && res->status == RUN_PASS; i++)
            run_step(&r, &sc->host[i]);
        if (res->status == RUN_PASS && sc->exact)
            check_all_read(&r);
        if (res->status == RUN_PASS && world_error(r.env.world))
            runner_fail(&r, NULL, "world event failed: %s", world_error(r.env.world));
        runner_log(&r, "harness %s at %.6fs", run_status_name(res->status), (double)clk_now(&r.clk) / 1e9);
    }
    res->sim_end = clk_now(&r.clk);
    teardown(&r);
    return rc < 0 ? -1 : 0;
}

void run_result_free(run_result *r)
{
    free(r->what);
    free(r->why);
    free(r->expected);
    free(r->seen);
    bytebuf_free(&r->trace);
    memset(r, 0, sizeof(*r));
}
