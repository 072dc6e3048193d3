/* trace.h - the AT trace format: one event per line, for people and tools.
 *
 *   <sim> <wall> <kind> <port> <payload>
 *
 *   sim      simulated time in seconds with 6 decimals ("12.000417")
 *   wall     UTC wall time "2026-11-25T19:20:01.123456Z", or "-" when the
 *            trace carries simulated time only (the harness)
 *   kind     RX (host -> module), TX (module -> host), EV (module event)
 *   port     UART index (0 primary, 1 auxiliary), "-" for events
 *   payload  RX/TX: the bytes as a C string literal ("AT\r", "\x15");
 *            EV: free text ("power BOOTING -> READY")
 */
#ifndef SARASIM_TRACE_H
#define SARASIM_TRACE_H

#include <time.h>

#include "../protocol/bytebuf.h"
#include "modem.h"

/* Append one line for ev; wall may be NULL. */
void trace_format(bytebuf *out, const trace_event *ev, const struct timespec *wall);
/* Escape bytes as the inside of a C string literal. */
void trace_escape(bytebuf *out, const uint8_t *p, size_t n);

#endif
