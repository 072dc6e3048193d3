/* run_xmodem.c - the host's "xmodem" step: a sender (xmodem_host.h) fed
 * with the module's bytes on the virtual clock, its frames put on the wire
 * through the scenario's per-block faults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/dur.h"
#include "runner_int.h"

typedef struct xm_run {
    runner *r;
    const sc_step *st;
    const xm_sender_ops *ops;
    void *s;
    unsigned *hits; /* transmissions hit so far, per fault */
    size_t seen_len;
} xm_run;

static const char *const fault_names[] = { "corrupt", "drop", "duplicate", "stall", "cancel" };

/* put_frame: the host gave up (the "cancel" fault) */
#define HOST_CANCELLED 2

/* The fault that hits this transmission of a block, or NULL. */
static const sc_xm_fault *fault_for(xm_run *x, const xm_frame *f)
{
    if (f->kind != XM_FRAME_BLOCK)
        return NULL;
    for (size_t k = 0; k < x->st->xm.nfaults; k++) {
        const sc_xm_fault *xf = &x->st->xm.faults[k];
        if (xf->block == f->index && x->hits[k] < xf->times) {
            x->hits[k]++;
            return xf;
        }
    }
    return NULL;
}

static int put_frame(xm_run *x, const xm_frame *f)
{
    runner *r = x->r;
    int port = x->st->port;
    const sc_xm_fault *xf = fault_for(x, f);
    if (!xf) {
        sc_env_host_write(&r->env, port, f->bytes, f->len);
        return 0;
    }
    runner_log(r, "xmodem host block=%u attempt=%u fault=%s", (unsigned)f->index, f->attempt, fault_names[xf->kind]);
    switch (xf->kind) {
    case XM_FAULT_DROP: return 0;
    case XM_FAULT_CANCEL: {
        /* The host gives up instead of sending the block: CAN CAN, as
         * sx does when the user interrupts it. */
        static const uint8_t can[] = { 0x18, 0x18 };
        sc_env_host_write(&r->env, port, can, sizeof(can));
        return HOST_CANCELLED;
    }
    case XM_FAULT_DUPLICATE:
        sc_env_host_write(&r->env, port, f->bytes, f->len);
        sc_env_host_write(&r->env, port, f->bytes, f->len);
        return 0;
    case XM_FAULT_CORRUPT: {
        uint8_t *copy = malloc(f->len);
        if (!copy)
            return runner_fail(r, x->st, "out of memory");
        memcpy(copy, f->bytes, f->len);
        size_t at = f->data_len ? f->data_off : f->len - 1; /* a payload byte: the check fails */
        copy[at] ^= 0xFF;
        sc_env_host_write(&r->env, port, copy, f->len);
        free(copy);
        return 0;
    }
    case XM_FAULT_STALL: {
        /* A stalled host neither sends nor reads: the module's bytes wait. */
        uint8_t *copy = malloc(f->len);
        if (!copy)
            return runner_fail(r, x->st, "out of memory");
        memcpy(copy, f->bytes, f->len);
        sim_ns until = clk_now(&r->clk) + xf->stall;
        int w = runner_wait(r, NULL, NULL, until);
        if (w >= 0)
            sc_env_host_write(&r->env, port, copy, f->len);
        free(copy);
        return w < 0 ? runner_wait_failed(r, x->st, w) : 0;
    }
    }
    return 0;
}

static int new_bytes(runner *r, void *arg)
{
    xm_run *x = arg;
    return r->rx[x->st->port].len > x->seen_len;
}

static int outcome_ok(sc_xm_outcome want, xm_tx_status got)
{
    switch (want) {
    case XM_OUT_COMPLETE: return got == XM_TX_DONE;
    case XM_OUT_CANCELLED: return got == XM_TX_CANCELLED;
    case XM_OUT_FAILED: return got == XM_TX_FAILED;
    case XM_OUT_ANY: return 1;
    }
    return 0;
}

/* Feed, tick, send what is due; 1 when the transfer has ended. */
static int xm_turn(xm_run *x, xm_tx_status *status, const char **why)
{
    runner *r = x->r;
    int port = x->st->port;
    sim_ns now = clk_now(&r->clk);
    size_t took = x->ops->feed(x->s, runner_unread_at(r, port), runner_unread(r, port), now);
    r->cursor[port] += took;
    x->seen_len = r->rx[port].len;
    x->ops->tick(x->s, now);
    xm_frame f;
    while (r->res->status == RUN_PASS && x->ops->next_frame(x->s, &f)) {
        int rc = put_frame(x, &f);
        if (rc == HOST_CANCELLED) {
            *status = XM_TX_CANCELLED;
            *why = "cancelled by the host";
            return 1;
        }
        if (rc)
            return 1;
    }
    *status = x->ops->status(x->s, why);
    return *status != XM_TX_RUNNING;
}

static int xm_loop(xm_run *x)
{
    runner *r = x->r;
    const sc_step *st = x->st;
    sim_ns deadline = clk_now(&r->clk) + st->within;
    static const char *const status_names[] = { "running", "complete", "cancelled", "failed" };
    for (;;) {
        xm_tx_status status = XM_TX_RUNNING;
        const char *why = NULL;
        if (xm_turn(x, &status, &why)) {
            if (r->res->status != RUN_PASS)
                return -1;
            runner_log(r, "xmodem host transfer %s%s%s", status_names[status], why ? ": " : "", why ? why : "");
            for (size_t k = 0; k < st->xm.nfaults && status == XM_TX_DONE; k++)
                if (!x->hits[k])
                    return runner_fail(r, st, "the %s fault on block %u never fired (the transfer has fewer blocks?)",
                                       fault_names[st->xm.faults[k].kind], (unsigned)st->xm.faults[k].block);
            if (outcome_ok(st->xm.outcome, status))
                return 0;
            runner_set_seen(r, st->port);
            return runner_fail(r, st, "the transfer ended %s%s%s", status_names[status], why ? ": " : "",
                               why ? why : "");
        }
        sim_ns next = x->ops->next_deadline(x->s);
        int w = runner_wait(r, new_bytes, x, next < deadline ? next : deadline);
        if (w < 0)
            return runner_wait_failed(r, st, w);
        if (w == WAIT_TIMEOUT && clk_now(&r->clk) >= deadline) {
            char d[32];
            dur_format(st->within, d, sizeof(d));
            runner_set_seen(r, st->port);
            return runner_fail(r, st, "the transfer did not end within %s", d);
        }
    }
}

/* "replies": everything the sender read from the module during the step
 * (the port's bytes from the step's start to the cursor) must equal the
 * literal, or match the regex (anchor it with ^ and $). */
static int check_replies(runner *r, const sc_step *st)
{
    int port = st->port;
    const uint8_t *got = r->rx[port].data ? r->rx[port].data : (const uint8_t *)"";
    size_t n = r->cursor[port];
    int ok;
    if (st->is_re) {
        regmatch_t m = { 0, (regoff_t)n };
        ok = regexec(&st->re, (const char *)got, 1, &m, REG_STARTEND) == 0;
        runner_set_expected(r, (const uint8_t *)st->re_src, strlen(st->re_src));
    } else {
        ok = n == st->bytes.len && (!n || memcmp(got, st->bytes.data, n) == 0);
        runner_set_expected(r, st->bytes.data, st->bytes.len);
    }
    if (ok)
        return 0;
    runner_set_seen_bytes(r, got, n);
    return runner_fail(r, st, "the module's replies during the transfer differ (%zu bytes read)", n);
}

int runner_step_xmodem(runner *r, const sc_step *st)
{
    xm_run x = { r, st, r->xm, NULL, NULL, 0 };
    if (!x.ops)
        return runner_fail(r, st, "no Xmodem sender is connected (harness/xmodem_host.c)");
    x.hits = calloc(st->xm.nfaults + 1, sizeof(*x.hits));
    xm_sender_opts o = { st->xm.block, st->xm.crc };
    if (!x.hits || x.ops->create(&x.s, st->xm.data.data, st->xm.data.len, &o, clk_now(&r->clk))) {
        free(x.hits);
        return runner_fail(r, st, "cannot start the %s sender", x.ops->name);
    }
    int rc = xm_loop(&x);
    if (!rc && st->xm.has_replies)
        rc = check_replies(r, st);
    x.ops->destroy(x.s);
    free(x.hits);
    return rc;
}
