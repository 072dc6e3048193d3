/* tl_layout.h - the simulated time axis of a timeline.
 *
 * Every event gets a row, in time order; the space between two rows grows
 * with the time between them (logarithmically: a millisecond, a second and
 * ten seconds are told apart at a glance), and a stretch longer than
 * `collapse` seconds in which nothing happens is collapsed to a fixed break
 * that says how long it was.  So a 30-minute campaign is as tall as what
 * happened in it, not as long as it took: the 109 s Xmodem handshake or a
 * 25-minute install take one break each.
 */
#ifndef SARASIM_TL_LAYOUT_H
#define SARASIM_TL_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "tl_model.h"

typedef struct tl_gap {
    double y0, y1;   /* the space between two rows */
    int64_t dt;      /* the time it stands for */
    int collapsed;   /* drawn as a break */
} tl_gap;

typedef struct tl_layout {
    double *y;       /* each event's row (its centre line) */
    double *h;       /* and its height */
    size_t n;
    tl_gap *gaps;
    size_t ngaps;
    double top, bottom;
} tl_layout;

#define TL_COLLAPSE_DEFAULT 10.0 /* seconds */

int tl_layout_build(tl_layout *L, const tl_model *m, double top, double collapse_s);
void tl_layout_free(tl_layout *L);
/* The top of the first row at or after t (bottom after the last). */
double tl_layout_y_at(const tl_layout *L, const tl_model *m, int64_t t);
/* The bottom of the last row at or before t (top before the first). */
double tl_layout_y_until(const tl_layout *L, const tl_model *m, int64_t t);

#endif
