/* baud.h - what crosses an 8N1 wire when the two ends disagree on the rate.
 *
 * The sender drives start bit, 8 data bits (LSB first) and a stop bit per
 * byte, back to back, idle (mark) before and after.  The receiver waits for a
 * falling edge, then samples the middle of each of its own bit times; a
 * sample of the start bit that reads mark is a false start, a stop bit that
 * reads space is a framing error whose byte is still delivered (as a Linux
 * tty does by default).  Computed exactly in integers, so the same input
 * always garbles the same way.
 */
#ifndef SARASIM_BAUD_H
#define SARASIM_BAUD_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

/* Append to `out` what a receiver at rx_rate reads from `in` sent at tx_rate.
 * Equal rates copy the bytes unchanged.  Returns the number of bytes
 * appended, or -ENOMEM. */
long baud_garble(const uint8_t *in, size_t n, uint32_t tx_rate, uint32_t rx_rate, bytebuf *out);

/* Wire time of n bytes at `rate` in 8N1 (10 bits per byte), in nanoseconds. */
uint64_t baud_wire_ns(size_t n, uint32_t rate);

/* 1 if `rate` is one the SARA-R5 UART can be set to with +IPR. */
int baud_rate_supported(uint32_t rate);

#endif
