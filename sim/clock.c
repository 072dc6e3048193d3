/* clock.c - timer min-heap on simulated time (see clock.h). */
#include "clock.h"

#include <errno.h>
#include <stdlib.h>

static int timer_before(const clk_timer *a, const clk_timer *b)
{
    if (a->due != b->due)
        return a->due < b->due;
    return a->seq < b->seq;
}

static void heap_set(clk *c, size_t i, clk_timer *t)
{
    c->heap[i] = t;
    t->heap_idx = (long)i;
}

static void sift_up(clk *c, size_t i)
{
    clk_timer *t = c->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!timer_before(t, c->heap[parent]))
            break;
        heap_set(c, i, c->heap[parent]);
        i = parent;
    }
    heap_set(c, i, t);
}

static void sift_down(clk *c, size_t i)
{
    clk_timer *t = c->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        const clk_timer *bt = t;
        if (l < c->len && timer_before(c->heap[l], bt)) {
            best = l;
            bt = c->heap[l];
        }
        if (r < c->len && timer_before(c->heap[r], bt))
            best = r;
        if (best == i)
            break;
        heap_set(c, i, c->heap[best]);
        i = best;
    }
    heap_set(c, i, t);
}

int clk_init(clk *c, sim_ns start)
{
    c->now = start;
    c->seq = 0;
    c->heap = NULL;
    c->len = 0;
    c->cap = 0;
    return 0;
}

void clk_free(clk *c)
{
    for (size_t i = 0; i < c->len; i++)
        c->heap[i]->heap_idx = -1;
    free(c->heap);
    c->heap = NULL;
    c->len = c->cap = 0;
}

void clk_timer_init(clk_timer *t, clk_timer_cb cb, void *data)
{
    t->due = 0;
    t->seq = 0;
    t->cb = cb;
    t->data = data;
    t->heap_idx = -1;
}

static void heap_remove(clk *c, size_t i)
{
    clk_timer *t = c->heap[i];
    c->len--;
    if (i != c->len) {
        heap_set(c, i, c->heap[c->len]);
        if (i > 0 && timer_before(c->heap[i], c->heap[(i - 1) / 2]))
            sift_up(c, i);
        else
            sift_down(c, i);
    }
    t->heap_idx = -1;
}

void clk_timer_stop(clk *c, clk_timer *t)
{
    if (t->heap_idx >= 0)
        heap_remove(c, (size_t)t->heap_idx);
}

int clk_timer_start_at(clk *c, clk_timer *t, sim_ns due)
{
    clk_timer_stop(c, t);
    if (c->len == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        clk_timer **h = realloc(c->heap, cap * sizeof(*h));
        if (!h)
            return -ENOMEM;
        c->heap = h;
        c->cap = cap;
    }
    t->due = due < c->now ? c->now : due;
    t->seq = c->seq++;
    heap_set(c, c->len, t);
    c->len++;
    sift_up(c, c->len - 1);
    return 0;
}

int clk_timer_start(clk *c, clk_timer *t, sim_ns delay)
{
    sim_ns due = delay > SIM_NEVER - c->now ? SIM_NEVER : c->now + delay;
    return clk_timer_start_at(c, t, due);
}

sim_ns clk_next_due(const clk *c)
{
    return c->len ? c->heap[0]->due : SIM_NEVER;
}

size_t clk_advance(clk *c, sim_ns to)
{
    size_t fired = 0;
    while (c->len && c->heap[0]->due <= to) {
        clk_timer *t = c->heap[0];
        heap_remove(c, 0);
        if (t->due > c->now)
            c->now = t->due;
        t->cb(t);
        fired++;
    }
    if (to > c->now)
        c->now = to;
    return fired;
}
