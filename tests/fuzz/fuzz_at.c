/* fuzz_at.c - libFuzzer target for the AT engine: arbitrary host bytes into
 * a booted in-memory modem (parser, formatter, every command handler), with
 * the clock moved forward between chunks so deferred commands, reboots and
 * registration run too.  Nothing persists (state_dir NULL).
 *
 * Input layout: chunks separated by 0xFF 0xFE; before each chunk the clock
 * advances by (first byte of the chunk) x 100 ms. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sim/modem.h"

static void sink(void *ctx, int port, const uint8_t *p, size_t n)
{
    (void)ctx;
    (void)port;
    (void)p;
    (void)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clk c;
    clk_init(&c, 0);
    modem_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    device_cfg_default(&cfg.dev);
    cfg.dev.boot_ns = SIM_S(1);
    cfg.aux_uart = 1;
    modem_io io = { sink, NULL, NULL };
    modem *m;
    if (modem_create(&m, &c, &cfg, &io, NULL, 0))
        return 0;
    modem_power_on(m);
    clk_advance(&c, SIM_S(2));
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        int end = i == size || (i + 1 < size && data[i] == 0xFF && data[i + 1] == 0xFE);
        if (!end)
            continue;
        if (i > start) {
            clk_advance(&c, clk_now(&c) + SIM_MS(100) * data[start]);
            modem_host_write(m, data[start] & 1, data + start, i - start);
        }
        start = i + 2;
        i++;
    }
    clk_advance(&c, clk_now(&c) + SIM_S(60));
    modem_destroy(m);
    clk_free(&c);
    return 0;
}
