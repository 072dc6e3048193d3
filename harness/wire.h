/* wire.h - the UART line between a host and the modem, where scenario
 * faults happen.
 *
 * Bytes pass through here in both directions: host input on its way to
 * modem_host_write(), module output on its way to the host.  World events
 * arm faults on a direction of a port, applied in order to the bytes that
 * follow:
 *   corrupt N   the next N bytes arrive inverted (each byte XOR 0xFF)
 *   drop N      the next N bytes never arrive
 *   delay N D   the next N bytes arrive D later; bytes behind them wait too,
 *               a wire keeps its order
 * and a baud-rate mismatch makes the module see the host at another rate
 * than the host's own, so both directions garble as the UART model
 * computes (sim/uart.c, protocol/baud.c).
 *
 * Sans-I/O: bytes leave through the wire_io callbacks; delays are timers on
 * the modem's clock.  Used by the harness (in-memory UART) and by
 * `sarasim --scenario` (between the PTY and the modem).
 */
#ifndef SARASIM_WIRE_H
#define SARASIM_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/bytebuf.h"
#include "scenario.h"
#include "sim/clock.h"
#include "sim/modem.h"

typedef struct wire_io {
    void (*to_host)(void *ctx, int port, const uint8_t *p, size_t n);
    void (*to_module)(void *ctx, int port, const uint8_t *p, size_t n);
    void (*set_rate)(void *ctx, int port, uint32_t rate); /* the rate the module sees */
    void (*log)(void *ctx, const char *text);             /* one EV line, optional */
    void *ctx;
} wire_io;

typedef struct wire_fault {
    sc_wire_fault kind;
    size_t left;
    sim_ns delay;
} wire_fault;

typedef struct wire_chunk {
    size_t len;
    sim_ns due;
} wire_chunk;

/* One direction of one port. */
typedef struct wire_dir {
    struct wire *w;
    int port;
    sc_wire_dir dir;
    wire_fault *faults; /* FIFO of armed faults */
    size_t nfaults, cap;
    bytebuf held;       /* delayed bytes (and the ones queued behind them) */
    wire_chunk *chunks;
    size_t nchunks, chunk_cap;
    clk_timer timer;
} wire_dir;

typedef struct wire {
    clk *clk;
    wire_io io;
    uint32_t host_rate[MODEM_PORTS]; /* the host's own line speed */
    uint32_t mismatch[MODEM_PORTS];  /* 0: none */
    wire_dir d[MODEM_PORTS][2];
} wire;

void wire_init(wire *w, clk *c, const wire_io *io);
void wire_free(wire *w);

/* Host -> faults -> io.to_module. */
void wire_host_write(wire *w, int port, const uint8_t *p, size_t n);
/* Module -> faults -> io.to_host (call from modem_io.to_host). */
void wire_module_output(wire *w, int port, const uint8_t *p, size_t n);

/* The host's own line speed (set_baud, termios). */
void wire_set_host_rate(wire *w, int port, uint32_t rate);
/* The module sees the host at `rate` whatever the host thinks; 0 restores. */
void wire_mismatch(wire *w, int port, uint32_t rate);
/* Arm a fault; 0 or -ENOMEM / -EINVAL. */
int wire_add_fault(wire *w, int port, sc_wire_dir dir, sc_wire_fault kind, size_t count, sim_ns delay);

#endif
