/* uart.h - the module's UART as a byte channel between host and module.
 *
 * The line itself is modelled: the module has a rate (fixed by +IPR, or
 * found by autobauding on the first "AT"/"at"), the host has its own line
 * speed (read from termios by the PTY front end, set by the harness).  When
 * they differ, bytes cross garbled exactly as an 8N1 receiver at the wrong
 * rate would read them (protocol/baud.c).  With pacing on, bytes take their
 * wire time (10 bits per byte) on the modem's clock in both directions.
 *
 * The uart does no I/O: bytes leave through the two sinks it was given.
 */
#ifndef SARASIM_UART_H
#define SARASIM_UART_H

#include <stddef.h>
#include <stdint.h>

#include "../protocol/bytebuf.h"
#include "clock.h"

typedef void (*uart_sink)(void *ctx, int port, const uint8_t *p, size_t n);

/* A FIFO of chunks, each delivered at its own due time (pacing). */
typedef struct uart_chunkq {
    bytebuf data;
    struct uart_chunk { size_t len; sim_ns due; uint32_t rate; } *chunks;
    size_t head, count, cap;
    sim_ns busy_until;
    clk_timer timer;
} uart_chunkq;

typedef struct uart {
    int port;
    clk *clk;
    uint32_t rate;       /* module rate; meaningful when !autobaud or locked */
    int autobaud;        /* +IPR=0 in effect */
    int locked;          /* autobauding has found the host's rate */
    uint32_t host_rate;  /* host line speed, 0 = unknown (assume it matches) */
    int pacing;
    uint8_t ab_prev;     /* last byte seen while autobauding (the 'A' of "AT") */
    uart_sink to_host;   /* bytes the host receives */
    uart_sink to_module; /* bytes the module's receiver delivers */
    void (*on_lock)(void *ctx, int port, uint32_t rate);
    void *ctx;
    uart_chunkq txq, rxq;
    bytebuf scratch;
} uart;

void uart_init(uart *u, int port, clk *c, void *ctx, uart_sink to_host, uart_sink to_module);
void uart_free(uart *u);
/* Power cycle: bytes on their way to the module are lost and autobauding
 * starts over; bytes on their way to the host are lost too unless keep_tx
 * (a graceful reset lets what was already sent finish its wire time). */
void uart_reset(uart *u, int keep_tx);
/* Paced host bytes still on the wire towards the module. */
size_t uart_rx_backlog(const uart *u);

/* rate 0 = autobaud. */
void uart_set_module_rate(uart *u, uint32_t rate);
void uart_set_host_rate(uart *u, uint32_t rate);
void uart_set_pacing(uart *u, int on);
/* The module's rate as +IPR? reports it: the fixed or locked rate, else 0. */
uint32_t uart_effective_rate(const uart *u);
/* 1 when the module can talk: fixed rate, or autobauding has locked. */
int uart_ready(const uart *u);

/* Host -> wire -> module. */
void uart_host_write(uart *u, const uint8_t *p, size_t n);
/* Module -> wire -> host.  Dropped while autobauding has not locked (the
 * module does not know at which rate to send). */
void uart_module_write(uart *u, const uint8_t *p, size_t n);

/* Autobauding detects these rates (SARA-R4/R5 +IPR test: 2400..115200). */
int uart_autobaud_detectable(uint32_t rate);

#endif
