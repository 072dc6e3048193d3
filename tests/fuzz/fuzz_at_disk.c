/* fuzz_at_disk.c - fuzz_at with a state directory: the paths that touch the
 * flash (NVM commits, streamed +UDWNFILE downloads, the FOAT flag, reboots
 * that reload everything) run on every input.  The state dir lives on
 * /dev/shm when it can (no fsync cost) and is emptied between inputs.
 *
 * Input layout as fuzz_at: chunks separated by 0xFF 0xFE, the clock moved by
 * (first byte) x 100 ms before each; the chunk's lowest bit picks the UART;
 * a chunk starting with 0xFD cuts the power and applies it again. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/modem.h"

static void sink(void *ctx, int port, const uint8_t *p, size_t n)
{
    (void)ctx;
    (void)port;
    (void)p;
    (void)n;
}

static const char *state_dir(void)
{
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "%s/sarasim-fuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(dir))
            abort();
    }
    return dir;
}

static void empty_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'/* 2>/dev/null", dir);
    if (system(cmd)) {
        /* a leftover file only makes the next input start from it */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = state_dir();
    empty_dir(dir);
    clk c;
    clk_init(&c, 0);
    modem_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    device_cfg_default(&cfg.dev);
    cfg.dev.boot_ns = SIM_S(1);
    cfg.dev.reboot_ns = SIM_S(1);
    cfg.aux_uart = 1;
    cfg.state_dir = dir;
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
            if (data[start] == 0xFD) {
                modem_power_cut(m);
                modem_power_on(m);
            } else {
                modem_host_write(m, data[start] & 1, data + start, i - start);
            }
        }
        start = i + 2;
        i++;
    }
    clk_advance(&c, clk_now(&c) + SIM_S(60));
    modem_destroy(m);
    clk_free(&c);
    return 0;
}
