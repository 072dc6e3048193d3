/* tl_layout.c - the time axis of a timeline (see tl_layout.h). */
#include "tl_layout.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ROW 22.0       /* a row with an arrow and its label */
#define SMALL_ROW 14.0 /* a state change, a module note */
#define BREAK 40.0     /* a collapsed stretch */
#define STRETCH 12.0   /* extra space per decade of time between rows (1 ms .. 10 s) */

static double row_height(const tl_event *e)
{
    return e->kind == TE_STATE || e->kind == TE_NOTE ? SMALL_ROW : ROW;
}

/* Space for dt between two rows that are not collapsed: 0 for the same
 * instant, then a little more per decade from a millisecond on. */
static double stretch(int64_t dt)
{
    if (dt <= 0)
        return 0;
    double ms = (double)dt / 1e6;
    return ms < 1 ? 1 : 0.8 * STRETCH * log10(1 + ms);
}

static int add_gap(tl_layout *L, double y0, double y1, int64_t dt, int collapsed)
{
    tl_gap *g = realloc(L->gaps, (L->ngaps + 1) * sizeof(*g));
    if (!g)
        return -ENOMEM;
    L->gaps = g;
    L->gaps[L->ngaps++] = (tl_gap){ y0, y1, dt, collapsed };
    return 0;
}

int tl_layout_build(tl_layout *L, const tl_model *m, double top, double collapse_s)
{
    memset(L, 0, sizeof(*L));
    L->top = top;
    L->n = m->nev;
    L->y = calloc(m->nev + 1, sizeof(*L->y));
    L->h = calloc(m->nev + 1, sizeof(*L->h));
    if (!L->y || !L->h)
        return -ENOMEM;
    double y = top;
    int64_t prev = 0;
    int64_t collapse = (int64_t)(collapse_s * 1e9);
    for (size_t i = 0; i < m->nev; i++) {
        const tl_event *e = &m->ev[i];
        int64_t dt = e->t - prev;
        if (i == 0 && dt <= 0)
            dt = 0;
        if (dt >= collapse) {
            if (add_gap(L, y, y + BREAK, dt, 1))
                return -ENOMEM;
            y += BREAK;
        } else if (dt > 0) {
            double s = stretch(dt);
            if (s >= 6 && add_gap(L, y, y + s, dt, 0))
                return -ENOMEM;
            y += s;
        }
        L->h[i] = row_height(e);
        L->y[i] = y + L->h[i] / 2;
        y += L->h[i];
        prev = e->t_end > e->t && e->kind != TE_XMODEM ? e->t_end : e->t;
    }
    L->bottom = y + ROW;
    return 0;
}

void tl_layout_free(tl_layout *L)
{
    free(L->y);
    free(L->h);
    free(L->gaps);
    memset(L, 0, sizeof(*L));
}

double tl_layout_y_at(const tl_layout *L, const tl_model *m, int64_t t)
{
    size_t lo = 0, hi = m->nev; /* first event with time >= t */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->ev[mid].t < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->nev ? L->y[lo] - L->h[lo] / 2 : L->bottom;
}

double tl_layout_y_until(const tl_layout *L, const tl_model *m, int64_t t)
{
    size_t lo = 0, hi = m->nev; /* first event with time > t */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->ev[mid].t <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? L->y[lo - 1] + L->h[lo - 1] / 2 : L->top;
}
