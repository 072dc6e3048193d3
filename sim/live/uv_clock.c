/* uv_clock.c - drives the modem's clock from libuv's monotonic time scaled by
 * --time-scale.  One uv timer is armed for the modem's next deadline. */
#include <math.h>

#include "uv_host.h"

static sim_ns sim_now(const uv_simclock *c)
{
    double elapsed = (double)(uv_hrtime() - c->wall_base) * c->scale;
    return c->sim_base + (sim_ns)elapsed;
}

static void timer_cb(uv_timer_t *t)
{
    uv_simclock *c = t->data;
    if (c->before_timers)
        c->before_timers(c->before_ctx);
    sim_ns now = sim_now(c);
    /* Never early: a deadline not reached yet (rounding) waits for its
     * time.  A late one fires at `now`, in deadline order. */
    if (clk_next_due(c->clk) <= now) {
        clk_advance(c->clk, now);
        if (c->after_timers)
            c->after_timers(c->before_ctx);
    }
    uv_simclock_rearm(c);
}

int uv_simclock_init(uv_simclock *c, uv_loop_t *loop, clk *k, double scale)
{
    c->loop = loop;
    c->clk = k;
    c->scale = scale;
    c->wall_base = uv_hrtime();
    c->sim_base = clk_now(k);
    int rc = uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    return rc;
}

/* Arm the uv timer for the next simulated deadline.  libuv counts the
 * timeout from its cached loop time (milliseconds from a coarse clock that
 * may be behind the present), so the timer can fire a little early:
 * timer_cb checks the deadline against the present and re-arms instead of
 * running anything early.  (It used to run the deadline anyway: a 20 s
 * timeout at --time-scale 10000 fired 77 us after it was started.)
 * Counting from the coarse loop time instead would make every deadline
 * late by up to a tick, even one due now. */
void uv_simclock_rearm(uv_simclock *c)
{
    sim_ns due = clk_next_due(c->clk);
    if (due == SIM_NEVER) {
        uv_timer_stop(&c->timer);
        return;
    }
    sim_ns now = sim_now(c);
    double wall_ms = due > now ? (double)(due - now) / c->scale / 1e6 : 0;
    uv_timer_start(&c->timer, timer_cb, (uint64_t)ceil(wall_ms), 0);
}

void uv_simclock_sync(uv_simclock *c)
{
    clk_advance(c->clk, sim_now(c));
    uv_simclock_rearm(c);
}

void uv_simclock_set_scale(uv_simclock *c, double scale)
{
    /* Re-anchor so simulated time stays continuous. */
    sim_ns now = sim_now(c);
    c->sim_base = now > clk_now(c->clk) ? now : clk_now(c->clk);
    c->wall_base = uv_hrtime();
    c->scale = scale;
    uv_simclock_rearm(c);
}

void uv_simclock_close(uv_simclock *c)
{
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, NULL);
}
