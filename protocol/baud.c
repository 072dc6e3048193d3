/* baud.c - rate-mismatch model of an 8N1 wire (see baud.h). */
#include "baud.h"

#include <errno.h>

/* Level of sender bit k: bits 10*b .. 10*b+9 frame byte b; beyond the data
 * the line idles at mark (1). */
static int line_bit(const uint8_t *in, size_t n, uint64_t k)
{
    uint64_t byte = k / 10;
    unsigned pos = (unsigned)(k % 10);
    if (byte >= n)
        return 1;
    if (pos == 0)
        return 0;          /* start bit */
    if (pos == 9)
        return 1;          /* stop bit */
    return (in[byte] >> (pos - 1)) & 1;
}

/* Sender bit under the receiver's i-th mid-bit sample after an edge at
 * sender boundary j: floor((j/tx + (i+0.5)/rx) * tx). */
static uint64_t sample_bit(uint64_t j, unsigned i, uint32_t tx, uint32_t rx)
{
    return (2 * j * rx + (2 * (uint64_t)i + 1) * tx) / (2 * (uint64_t)rx);
}

long baud_garble(const uint8_t *in, size_t n, uint32_t tx_rate, uint32_t rx_rate, bytebuf *out)
{
    if (tx_rate == rx_rate || tx_rate == 0 || rx_rate == 0)
        return bytebuf_append(out, in, n) ? -ENOMEM : (long)n;
    uint64_t total = (uint64_t)n * 10;
    uint64_t j = 0; /* next sender boundary at which an edge may start */
    long produced = 0;
    while (j < total) {
        /* find a falling edge: mark before, space at j */
        while (j < total && !(line_bit(in, n, j) == 0 && (j == 0 || line_bit(in, n, j - 1) == 1)))
            j++;
        if (j >= total)
            break;
        if (line_bit(in, n, sample_bit(j, 0, tx_rate, rx_rate)) != 0) {
            j++; /* glitch shorter than half a receiver bit: false start */
            continue;
        }
        uint8_t byte = 0;
        for (unsigned i = 1; i <= 8; i++)
            byte |= (uint8_t)(line_bit(in, n, sample_bit(j, i, tx_rate, rx_rate)) << (i - 1));
        if (bytebuf_append_byte(out, byte))
            return -ENOMEM;
        produced++;
        /* resume edge search after the stop-bit sample */
        j = sample_bit(j, 9, tx_rate, rx_rate) + 1;
    }
    return produced;
}

uint64_t baud_wire_ns(size_t n, uint32_t rate)
{
    if (rate == 0)
        return 0;
    return ((uint64_t)n * 10ull * 1000000000ull + rate - 1) / rate;
}

static const uint32_t supported_rates[] = {
    1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 3000000,
    3250000, 6000000, 6500000,
};

int baud_rate_supported(uint32_t rate)
{
    for (size_t i = 0; i < sizeof(supported_rates) / sizeof(supported_rates[0]); i++)
        if (supported_rates[i] == rate)
            return 1;
    return 0;
}
