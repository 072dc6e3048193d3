/* runner_int.h - the runner's insides, shared by harness/runner.c (clock,
 * host buffers, text steps) and the bigger steps in run_assert.c and
 * run_xmodem.c.  Nothing outside harness/run*.c includes this. */
#ifndef SARASIM_RUNNER_INT_H
#define SARASIM_RUNNER_INT_H

#include <limits.h>

#include "runner.h"
#include "sc_env.h"

typedef struct runner {
    const scenario *sc;
    const run_opts *opts;
    const xm_sender_ops *xm;
    clk clk;
    sc_env env;                  /* the modem, its wire and the world */
    modem *m;                    /* env.m */
    bytebuf rx[MODEM_PORTS];     /* what the host has received */
    size_t cursor[MODEM_PORTS];  /* ... and read so far */
    sc_var *vars;                /* "vars" and captures, by name */
    size_t nvars;
    run_result *res;
    char statedir[PATH_MAX];
    /* EV events (the module's, the servers') no expect_event step has
     * read yet, oldest first; the oldest go past RUNNER_EVENTS_KEPT. */
    char **events;
    size_t ev_head, ev_len;
    uint64_t ev_total;          /* events kept since the start */
} runner;

#define RUNNER_EVENTS_KEPT 1024

/* What a wait ended on. */
enum { WAIT_MET = 1, WAIT_TIMEOUT = 0, WAIT_LIMIT = -1, WAIT_WORLD = -2 };

typedef int (*wait_cond)(runner *r, void *arg);

/* Move the virtual clock from deadline to deadline (module timers, world
 * events, delayed bytes) until cond holds (WAIT_MET), `deadline` is reached
 * (WAIT_TIMEOUT), the scenario's limit is reached or a world action failed.
 * cond NULL: just let time pass. */
int runner_wait(runner *r, wait_cond cond, void *arg, sim_ns deadline);
/* Turn a WAIT_LIMIT / WAIT_WORLD into the step's failure; -1. */
int runner_wait_failed(runner *r, const sc_step *st, int why);
/* Record the failure of `st` (why printf-style); always -1. */
int runner_fail(runner *r, const sc_step *st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Fill res->seen with the unread bytes of `port`, res->expected with p. */
void runner_set_seen(runner *r, int port);
void runner_set_seen_bytes(runner *r, const uint8_t *p, size_t n);
void runner_set_expected(runner *r, const uint8_t *p, size_t n);
/* One EV line of the harness's own in the trace. */
void runner_log(runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Unread bytes of a port, and where they start (never NULL). */
static inline size_t runner_unread(const runner *r, int port) { return r->rx[port].len - r->cursor[port]; }
static inline const uint8_t *runner_unread_at(const runner *r, int port)
{
    return r->rx[port].data ? r->rx[port].data + r->cursor[port] : (const uint8_t *)"";
}

int runner_step_assert(runner *r, const sc_step *st);
int runner_step_expect_event(runner *r, const sc_step *st);
/* Keep an EV event for expect_event steps. */
void runner_keep_event(runner *r, const uint8_t *text, size_t len);
void runner_events_free(runner *r);
int runner_step_xmodem(runner *r, const sc_step *st);

#endif
