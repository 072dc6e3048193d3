/* runner.h - one scenario against an in-process modem on a virtual clock.
 *
 * The runner plays the host script step by step.  A step that waits
 * (expect ... within, wait, the pauses of send_file and xmodem) moves the
 * modem's clock straight to the next thing that can happen -- the module's
 * next timer, a world event, the step's own deadline -- so idle time costs
 * nothing: a 109 s Xmodem timeout or a 25-minute install takes microseconds.
 * Host writes are instantaneous unless the device has UART pacing on.
 *
 * Nothing here reads a wall clock and everything is iterated in a fixed
 * order: the same scenario gives a byte-identical trace on every run.  The
 * trace carries simulated time only (trace.h with wall = NULL).
 */
#ifndef SARASIM_RUNNER_H
#define SARASIM_RUNNER_H

#include "protocol/bytebuf.h"
#include "scenario.h"
#include "xmodem_host.h"

typedef enum { RUN_PASS = 0, RUN_FAIL, RUN_SKIP, RUN_ERROR } run_status;

typedef struct run_opts {
    const xm_sender_ops *xmodem; /* NULL: xmodem_host_sender() */
    const char *state_root;      /* parent of the per-run state dir; NULL: /dev/shm if
                                  * writable, else $TMPDIR or /tmp */
} run_opts;

typedef struct run_result {
    run_status status;
    sim_ns sim_end;          /* simulated time when the run ended */
    char step[SC_PATH_MAX];  /* the failing step ("$.host[7]"), "" if none */
    char *what;              /* that step described */
    char *why;               /* what went wrong / why skipped */
    char *expected;          /* escaped as in the trace, may be NULL */
    char *seen;              /* unread bytes from the module, escaped, may be NULL */
    bytebuf trace;           /* the full trace */
} run_result;

/* Run `sc`.  Returns 0 and fills r (whatever the outcome); -1 only if the
 * run could not be set up at all (r->why says why, status RUN_ERROR). */
int runner_run(const scenario *sc, const run_opts *o, run_result *r);
void run_result_free(run_result *r);
const char *run_status_name(run_status s);
/* Where state dirs go without run_opts.state_root: /dev/shm if writable,
 * else $TMPDIR or /tmp. */
const char *runner_default_state_root(void);
/* Remove a directory and everything below it (symlinks not followed). */
void runner_remove_tree(const char *dir);

#endif
