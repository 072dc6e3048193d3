/* fuzz_at.c - libFuzzer target for the AT engine: arbitrary host bytes into
 * a booted in-memory modem (parser, formatter, every command handler), with
 * the clock moved forward between chunks so deferred commands, reboots and
 * registration run too.  Nothing persists (state_dir NULL).
 *
 * Input layout: chunks separated by 0xFF 0xFE; before each chunk the clock
 * advances by (first byte of the chunk) x 100 ms. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_modem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_modem_run(data, size, NULL, 0);
    return 0;
}
