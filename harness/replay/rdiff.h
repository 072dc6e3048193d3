/* rdiff.h - the field log against the simulation, line by line.
 *
 * Both sides are cut into the same units (one line of the module's output
 * each) and filed under the same exchanges (the host line or Xmodem transfer
 * they answer), so the diff runs exchange by exchange: the host's lines are
 * the same on both sides and keep the two aligned, and within an exchange
 * the lines are matched by a longest common subsequence.  With `lenient`
 * lines are compared with the values that always differ masked (lenient.h).
 *
 * The first row that is not the same on both sides is where the simulation
 * and the field part ways: what the engineer reproducing a failure needs.
 */
#ifndef SARASIM_RDIFF_H
#define SARASIM_RDIFF_H

#include <stdio.h>

#include "replay_run.h"
#include "session.h"

typedef enum {
    DR_HOST,   /* a line the host sent (both sides) */
    DR_XMODEM, /* a transfer (both sides); differs when it ended otherwise */
    DR_SAME,   /* the module sent this line in the field and in the simulation */
    DR_FIELD,  /* only the field module sent it */
    DR_SIM,    /* only the simulated module sent it */
} dr_kind;

typedef struct drow {
    dr_kind kind;
    long field; /* session item, or -1 */
    long sim;   /* replay_result unit (DR_XMODEM: transfer), or -1 */
    int differs;
} drow;

typedef struct rdiff {
    drow *rows;
    size_t n, cap;
    size_t field_lines, sim_lines, same, only_field, only_sim, xm_differ;
    long first; /* the first row that differs, -1 if none */
} rdiff;

int rdiff_build(rdiff *d, const session *s, const replay_result *r, int lenient);
void rdiff_free(rdiff *d);
/* The report: the rows (all with context < 0, else those within `context`
 * rows of a difference), the first divergence, a summary line. */
void rdiff_print(FILE *f, const rdiff *d, const session *s, const replay_result *r, int context);

#endif
