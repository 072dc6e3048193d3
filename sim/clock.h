/* clock.h - the modem's one clock.
 *
 * Every module timer (boot, registration delay, Xmodem 'C'/NAK pacing, FFS
 * timeout, install progress ...) is a clk_timer on one clk.  The clk knows only
 * simulated time; it never reads a wall clock.  Whoever drives it decides how
 * simulated time moves:
 *   - the PTY front end (sim/live/uv_clock.c) maps libuv's monotonic time through
 *     --time-scale and calls clk_advance() when a timer is due;
 *   - the harness jumps straight to clk_next_due() whenever host and module
 *     both wait, so idle time costs nothing and every run is identical.
 *
 * Timers live in a binary min-heap ordered by (due, start sequence): equal
 * deadlines fire in the order they were started, as libuv's do.
 */
#ifndef SARASIM_CLOCK_H
#define SARASIM_CLOCK_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t sim_ns;

#define SIM_NS_PER_US 1000ull
#define SIM_NS_PER_MS 1000000ull
#define SIM_NS_PER_S 1000000000ull
#define SIM_MS(x) ((sim_ns)(x) * SIM_NS_PER_MS)
#define SIM_S(x) ((sim_ns)(x) * SIM_NS_PER_S)
#define SIM_NEVER UINT64_MAX

typedef struct clk_timer clk_timer;
typedef void (*clk_timer_cb)(clk_timer *t);

struct clk_timer {
    sim_ns due;
    uint64_t seq;
    clk_timer_cb cb;
    void *data;    /* owner's pointer, for the callback */
    long heap_idx; /* -1 when not armed */
};

typedef struct clk {
    sim_ns now;
    uint64_t seq;
    clk_timer **heap;
    size_t len;
    size_t cap;
} clk;

int clk_init(clk *c, sim_ns start);
void clk_free(clk *c);
static inline sim_ns clk_now(const clk *c) { return c->now; }

void clk_timer_init(clk_timer *t, clk_timer_cb cb, void *data);
/* Arm (or re-arm) t to fire delay ns from now.  0 or -ENOMEM. */
int clk_timer_start(clk *c, clk_timer *t, sim_ns delay);
int clk_timer_start_at(clk *c, clk_timer *t, sim_ns due);
void clk_timer_stop(clk *c, clk_timer *t);
static inline int clk_timer_armed(const clk_timer *t) { return t->heap_idx >= 0; }

/* Deadline of the earliest armed timer, or SIM_NEVER. */
sim_ns clk_next_due(const clk *c);
/* Move time forward to `to` (never backwards), firing every timer due at or
 * before it in deadline order; a callback may arm new timers, and those due
 * by `to` fire in the same call.  Returns the number of timers fired. */
size_t clk_advance(clk *c, sim_ns to);

#endif
