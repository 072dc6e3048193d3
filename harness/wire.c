/* wire.c - faults on the line between host and modem (see wire.h). */
#include "wire.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/dur.h"

static const char *const dir_names[] = { "to_host", "to_module" };

static void wlog(wire *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wlog(wire *w, const char *fmt, ...)
{
    if (!w->io.log)
        return;
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    w->io.log(w->io.ctx, buf);
}

static void deliver(wire_dir *d, const uint8_t *p, size_t n)
{
    if (!n)
        return;
    wire *w = d->w;
    if (d->dir == WIRE_TO_HOST)
        w->io.to_host(w->io.ctx, d->port, p, n);
    else
        w->io.to_module(w->io.ctx, d->port, p, n);
}

/* ---- the held queue: bytes with the time they may leave ---- */

static void release_due(clk_timer *t)
{
    wire_dir *d = t->data;
    sim_ns now = clk_now(d->w->clk);
    size_t bytes = 0, k = 0;
    while (k < d->nchunks && d->chunks[k].due <= now)
        bytes += d->chunks[k++].len;
    memmove(d->chunks, d->chunks + k, (d->nchunks - k) * sizeof(*d->chunks));
    d->nchunks -= k;
    if (d->nchunks)
        clk_timer_start_at(d->w->clk, &d->timer, d->chunks[0].due);
    /* copy out first: delivering may re-enter and queue more */
    bytebuf out;
    bytebuf_init(&out);
    bytebuf_append(&out, d->held.data, bytes);
    bytebuf_consume(&d->held, bytes);
    deliver(d, out.data, out.len);
    bytebuf_free(&out);
}

static int hold(wire_dir *d, const uint8_t *p, size_t n, sim_ns due)
{
    if (d->nchunks && d->chunks[d->nchunks - 1].due > due)
        due = d->chunks[d->nchunks - 1].due; /* never overtake held bytes */
    if (d->nchunks && d->chunks[d->nchunks - 1].due == due) {
        d->chunks[d->nchunks - 1].len += n;
    } else {
        if (d->nchunks == d->chunk_cap) {
            size_t cap = d->chunk_cap ? d->chunk_cap * 2 : 8;
            wire_chunk *nc = realloc(d->chunks, cap * sizeof(*nc));
            if (!nc)
                return -ENOMEM;
            d->chunks = nc;
            d->chunk_cap = cap;
        }
        d->chunks[d->nchunks++] = (wire_chunk){ n, due };
    }
    if (bytebuf_append(&d->held, p, n))
        return -ENOMEM;
    if (!clk_timer_armed(&d->timer))
        clk_timer_start_at(d->w->clk, &d->timer, d->chunks[0].due);
    return 0;
}

/* Bytes past all faults: straight through unless earlier bytes are held. */
static void pass(wire_dir *d, const uint8_t *p, size_t n)
{
    if (d->nchunks)
        hold(d, p, n, clk_now(d->w->clk));
    else
        deliver(d, p, n);
}

/* ---- fault application ---- */

static void pop_fault(wire_dir *d)
{
    memmove(d->faults, d->faults + 1, (d->nfaults - 1) * sizeof(*d->faults));
    d->nfaults--;
}

static void apply(wire_dir *d, const uint8_t *p, size_t n)
{
    wire *w = d->w;
    while (n) {
        if (!d->nfaults) {
            pass(d, p, n);
            return;
        }
        wire_fault *f = &d->faults[0];
        size_t k = n < f->left ? n : f->left;
        if (f->kind == WIRE_CORRUPT) {
            uint8_t *tmp = malloc(k);
            if (tmp) {
                for (size_t i = 0; i < k; i++)
                    tmp[i] = (uint8_t)(p[i] ^ 0xFF);
                pass(d, tmp, k);
                free(tmp);
            }
            wlog(w, "wire port=%d dir=%s corrupt bytes=%zu", d->port, dir_names[d->dir], k);
        } else if (f->kind == WIRE_DROP) {
            wlog(w, "wire port=%d dir=%s drop bytes=%zu", d->port, dir_names[d->dir], k);
        } else {
            char dur[32];
            dur_format(f->delay, dur, sizeof(dur));
            wlog(w, "wire port=%d dir=%s delay bytes=%zu for=%s", d->port, dir_names[d->dir], k, dur);
            hold(d, p, k, clk_now(w->clk) + f->delay);
        }
        p += k;
        n -= k;
        f->left -= k;
        if (!f->left)
            pop_fault(d);
    }
}

/* ---- public ---- */

void wire_init(wire *w, clk *c, const wire_io *io)
{
    memset(w, 0, sizeof(*w));
    w->clk = c;
    w->io = *io;
    for (int p = 0; p < MODEM_PORTS; p++) {
        for (int dir = 0; dir < 2; dir++) {
            wire_dir *d = &w->d[p][dir];
            d->w = w;
            d->port = p;
            d->dir = (sc_wire_dir)dir;
            bytebuf_init(&d->held);
            clk_timer_init(&d->timer, release_due, d);
        }
    }
}

void wire_free(wire *w)
{
    if (!w->clk)
        return; /* never initialised */
    for (int p = 0; p < MODEM_PORTS; p++) {
        for (int dir = 0; dir < 2; dir++) {
            wire_dir *d = &w->d[p][dir];
            clk_timer_stop(w->clk, &d->timer);
            free(d->faults);
            free(d->chunks);
            bytebuf_free(&d->held);
        }
    }
}

void wire_host_write(wire *w, int port, const uint8_t *p, size_t n)
{
    if (port >= 0 && port < MODEM_PORTS && n)
        apply(&w->d[port][WIRE_TO_MODULE], p, n);
}

void wire_module_output(wire *w, int port, const uint8_t *p, size_t n)
{
    if (port >= 0 && port < MODEM_PORTS && n)
        apply(&w->d[port][WIRE_TO_HOST], p, n);
}

static void push_rate(wire *w, int port)
{
    if (w->io.set_rate)
        w->io.set_rate(w->io.ctx, port, w->mismatch[port] ? w->mismatch[port] : w->host_rate[port]);
}

void wire_set_host_rate(wire *w, int port, uint32_t rate)
{
    if (port < 0 || port >= MODEM_PORTS)
        return;
    w->host_rate[port] = rate;
    push_rate(w, port);
}

void wire_mismatch(wire *w, int port, uint32_t rate)
{
    if (port < 0 || port >= MODEM_PORTS)
        return;
    w->mismatch[port] = rate;
    if (rate)
        wlog(w, "wire port=%d baud mismatch: module sees the host at %u", port, (unsigned)rate);
    else
        wlog(w, "wire port=%d baud restored to %u", port, (unsigned)w->host_rate[port]);
    push_rate(w, port);
}

int wire_add_fault(wire *w, int port, sc_wire_dir dir, sc_wire_fault kind, size_t count, sim_ns delay)
{
    if (port < 0 || port >= MODEM_PORTS || (dir != WIRE_TO_HOST && dir != WIRE_TO_MODULE) || !count)
        return -EINVAL;
    wire_dir *d = &w->d[port][dir];
    if (d->nfaults == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 4;
        wire_fault *nf = realloc(d->faults, cap * sizeof(*nf));
        if (!nf)
            return -ENOMEM;
        d->faults = nf;
        d->cap = cap;
    }
    d->faults[d->nfaults++] = (wire_fault){ kind, count, delay };
    return 0;
}
