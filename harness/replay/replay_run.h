/* replay_run.h - a replay session against a simulated module, recording
 * everything it answers (sarasim-replay --run).
 *
 * Unlike the harness's runner, which stops at the first expectation that
 * fails, this plays the whole log: the host's lines at the log's pace (the
 * gap before each line as in the log, measured from the module's last line
 * before it), waiting after each for as many lines as the field module sent
 * (or a deadline from the log's timing: as long as the field took, and a
 * quarter more, 5 s at least), the Xmodem transfers (started when the
 * module asks with C or NAK), the rate changes.  What
 * the simulated module sends is cut into units (units.h) and filed under the
 * exchange it came in (the last host line or transfer before it), so the
 * diff (rdiff.h) compares the field and the simulation exchange by exchange.
 *
 * The module and its world come from a scenario: the one sarasim-replay
 * wrote for the log, or one given with --scenario (the engineer's copy with
 * the fault that explains the failure).  Runs on a virtual clock, like the
 * harness: the same log and scenario always give the same result.
 */
#ifndef SARASIM_REPLAY_RUN_H
#define SARASIM_REPLAY_RUN_H

#include "harness/scenario.h"
#include "protocol/bytebuf.h"
#include "session.h"

typedef struct rr_unit {
    long exch;     /* session index of the SEND or XMODEM it answers; -1 before the first */
    int64_t t;     /* simulated ns */
    char *text;    /* printable content */
} rr_unit;

typedef struct rr_transfer {
    size_t item;     /* the session's XMODEM item */
    int status;      /* xm_tx_status of the sender */
    unsigned blocks; /* first transmissions */
    unsigned resent;
    unsigned naks;
} rr_transfer;

typedef struct replay_result {
    rr_unit *u;
    size_t n, cap;
    rr_transfer *xm;
    size_t nxm;
    int64_t sim_end;
    bytebuf trace;   /* the run's trace (sim/trace.h, simulated time only) */
} replay_result;

/* Play `s`.  `env` gives the device and the world; `script` is the scenario
 * the writer made of `s` (its xmodem steps hold the generated packages);
 * `lenient`: a field line has come when a line equal to it with the values
 * that always differ masked has.  0, or -1 with err set (the run could not
 * be set up). */
int replay_run(const session *s, const scenario *env, const scenario *script, int lenient, replay_result *r,
               char *err, size_t errlen);
void replay_result_free(replay_result *r);

#endif
