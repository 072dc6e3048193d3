/* uart.c - rate, autobaud and pacing model of the module's UART. */
#include "uart.h"

#include <stdlib.h>
#include <string.h>

#include "../protocol/baud.h"

/* ---- chunk queue (pacing) ---- */

static void chunkq_init(uart_chunkq *q, clk_timer_cb cb, void *data)
{
    bytebuf_init(&q->data);
    q->chunks = NULL;
    q->head = q->count = q->cap = 0;
    q->busy_until = 0;
    clk_timer_init(&q->timer, cb, data);
}

static void chunkq_clear(uart_chunkq *q, clk *c)
{
    clk_timer_stop(c, &q->timer);
    bytebuf_clear(&q->data);
    q->head = q->count = 0;
    q->busy_until = 0;
}

static void chunkq_free(uart_chunkq *q, clk *c)
{
    chunkq_clear(q, c);
    bytebuf_free(&q->data);
    free(q->chunks);
    q->chunks = NULL;
    q->cap = 0;
}

static int chunkq_push(uart_chunkq *q, clk *c, const uint8_t *p, size_t n, sim_ns wire, uint32_t rate)
{
    if (q->head + q->count == q->cap) {
        if (q->head) { /* compact */
            memmove(q->chunks, q->chunks + q->head, q->count * sizeof(*q->chunks));
            q->head = 0;
        } else {
            size_t cap = q->cap ? q->cap * 2 : 16;
            struct uart_chunk *nc = realloc(q->chunks, cap * sizeof(*nc));
            if (!nc)
                return -1;
            q->chunks = nc;
            q->cap = cap;
        }
    }
    if (bytebuf_append(&q->data, p, n))
        return -1;
    sim_ns start = q->busy_until > clk_now(c) ? q->busy_until : clk_now(c);
    sim_ns due = start + wire;
    q->busy_until = due;
    q->chunks[q->head + q->count++] = (struct uart_chunk){ n, due, rate };
    if (!clk_timer_armed(&q->timer))
        clk_timer_start_at(c, &q->timer, q->chunks[q->head].due);
    return 0;
}

/* Pop the first chunk if it is due: its bytes are appended to out. */
static int chunkq_pop_due(uart_chunkq *q, clk *c, bytebuf *out, uint32_t *rate)
{
    if (!q->count || q->chunks[q->head].due > clk_now(c))
        return 0;
    struct uart_chunk ch = q->chunks[q->head++];
    q->count--;
    bytebuf_append(out, q->data.data, ch.len);
    bytebuf_consume(&q->data, ch.len);
    if (rate)
        *rate = ch.rate;
    if (q->count)
        clk_timer_start_at(c, &q->timer, q->chunks[q->head].due);
    else
        q->head = 0;
    return 1;
}

/* ---- delivery ---- */

static void deliver_to_module(uart *u, const uint8_t *p, size_t n, uint32_t host_rate);

static void tx_timer_cb(clk_timer *t)
{
    uart *u = t->data;
    bytebuf out;
    bytebuf_init(&out);
    while (chunkq_pop_due(&u->txq, u->clk, &out, NULL))
        ;
    if (out.len)
        u->to_host(u->ctx, u->port, out.data, out.len);
    bytebuf_free(&out);
}

/* Each chunk reaches the module as it was sent: at the host's rate then. */
static void rx_timer_cb(clk_timer *t)
{
    uart *u = t->data;
    bytebuf in;
    bytebuf_init(&in);
    uint32_t rate;
    while (chunkq_pop_due(&u->rxq, u->clk, &in, &rate)) {
        deliver_to_module(u, in.data, in.len, rate);
        bytebuf_clear(&in);
    }
    bytebuf_free(&in);
}

void uart_init(uart *u, int port, clk *c, void *ctx, uart_sink to_host, uart_sink to_module)
{
    memset(u, 0, sizeof(*u));
    u->port = port;
    u->clk = c;
    u->ctx = ctx;
    u->to_host = to_host;
    u->to_module = to_module;
    u->rate = 115200;
    bytebuf_init(&u->scratch);
    chunkq_init(&u->txq, tx_timer_cb, u);
    chunkq_init(&u->rxq, rx_timer_cb, u);
}

void uart_free(uart *u)
{
    chunkq_free(&u->txq, u->clk);
    chunkq_free(&u->rxq, u->clk);
    bytebuf_free(&u->scratch);
}

void uart_reset(uart *u, int keep_tx)
{
    if (!keep_tx)
        chunkq_clear(&u->txq, u->clk);
    chunkq_clear(&u->rxq, u->clk);
    u->locked = 0;
    u->ab_prev = 0;
}

size_t uart_rx_backlog(const uart *u) { return u->rxq.data.len; }

void uart_set_module_rate(uart *u, uint32_t rate)
{
    if (rate == 0) {
        u->autobaud = 1;
        u->locked = 0;
        u->ab_prev = 0;
    } else {
        u->autobaud = 0;
        u->rate = rate;
    }
}

void uart_set_host_rate(uart *u, uint32_t rate) { u->host_rate = rate; }
void uart_set_pacing(uart *u, int on) { u->pacing = on; }

int uart_ready(const uart *u) { return !u->autobaud || u->locked; }

uint32_t uart_effective_rate(const uart *u) { return uart_ready(u) ? u->rate : 0; }

int uart_autobaud_detectable(uint32_t rate)
{
    static const uint32_t rates[] = { 2400, 4800, 9600, 19200, 38400, 57600, 115200 };
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
        if (rates[i] == rate)
            return 1;
    return 0;
}

/* The host's rate, or the module's when the host never said. */
static uint32_t host_rate_or_module(const uart *u)
{
    return u->host_rate ? u->host_rate : u->rate;
}

/* Autobauding: watch the raw line for "AT" or "at" sent at a detectable rate;
 * lock to the host's rate there and pass the line on from the 'A'. */
static void autobaud_scan(uart *u, const uint8_t *p, size_t n, uint32_t host_rate)
{
    uint32_t hr = host_rate ? host_rate : 115200;
    if (!uart_autobaud_detectable(hr))
        return; /* the module never locks: it hears noise */
    for (size_t i = 0; i < n; i++) {
        uint8_t prev = u->ab_prev;
        u->ab_prev = p[i];
        if (!((prev == 'A' && p[i] == 'T') || (prev == 'a' && p[i] == 't')))
            continue;
        u->locked = 1;
        u->rate = hr;
        if (u->on_lock)
            u->on_lock(u->ctx, u->port, hr);
        /* the line goes on from that 'A', in one piece */
        bytebuf line;
        bytebuf_init(&line);
        bytebuf_append_byte(&line, prev);
        bytebuf_append(&line, p + i, n - i);
        u->to_module(u->ctx, u->port, line.data, line.len);
        bytebuf_free(&line);
        return;
    }
}

static void deliver_to_module(uart *u, const uint8_t *p, size_t n, uint32_t host_rate)
{
    if (u->autobaud && !u->locked) {
        autobaud_scan(u, p, n, host_rate);
        return;
    }
    uint32_t hr = host_rate ? host_rate : u->rate;
    if (hr == u->rate) {
        u->to_module(u->ctx, u->port, p, n);
        return;
    }
    bytebuf_clear(&u->scratch);
    baud_garble(p, n, hr, u->rate, &u->scratch);
    if (u->scratch.len) {
        /* copy: the sink may re-enter and reuse scratch */
        bytebuf tmp = u->scratch;
        bytebuf_init(&u->scratch);
        u->to_module(u->ctx, u->port, tmp.data, tmp.len);
        bytebuf_free(&tmp);
    }
}

void uart_host_write(uart *u, const uint8_t *p, size_t n)
{
    if (!n)
        return;
    if (u->pacing) {
        /* No limit here: the host side of the line (its driver's buffer) is
         * the caller's; the PTY front end stops reading above a backlog. */
        chunkq_push(&u->rxq, u->clk, p, n, baud_wire_ns(n, host_rate_or_module(u)), u->host_rate);
    } else {
        deliver_to_module(u, p, n, u->host_rate);
    }
}

void uart_module_write(uart *u, const uint8_t *p, size_t n)
{
    if (!n || !uart_ready(u))
        return;
    uint32_t hr = host_rate_or_module(u);
    const uint8_t *out = p;
    size_t outn = n;
    bytebuf garbled;
    bytebuf_init(&garbled);
    if (hr != u->rate) {
        baud_garble(p, n, u->rate, hr, &garbled);
        out = garbled.data;
        outn = garbled.len;
    }
    if (outn) {
        if (u->pacing)
            chunkq_push(&u->txq, u->clk, out, outn, baud_wire_ns(n, u->rate), u->rate);
        else
            u->to_host(u->ctx, u->port, out, outn);
    }
    bytebuf_free(&garbled);
}
