/* fuzz_modem.h - the driver fuzz_at and fuzz_at_disk share: a booted modem
 * (both UARTs) behind a simulated network (host "e" = 203.0.113.7 with TCP
 * and UDP echo on port 7, a TCP sink on 9), then the input in chunks
 * separated by 0xFF 0xFE.  Before each
 * chunk the clock moves by (first byte) x 100 ms; the first byte's lowest bit
 * picks the UART; with power_cuts, a chunk starting with 0xFD cuts the power
 * and applies it again instead.  Header-only: each target includes it once. */
#ifndef SARASIM_FUZZ_MODEM_H
#define SARASIM_FUZZ_MODEM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness/networld.h"
#include "sim/modem.h"

static void fuzz_sink(void *ctx, int port, const uint8_t *p, size_t n)
{
    (void)ctx;
    (void)port;
    (void)p;
    (void)n;
}

static void fuzz_modem_run(const uint8_t *data, size_t size, const char *state_dir, int power_cuts)
{
    clk c;
    clk_init(&c, 0);
    modem_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    device_cfg_default(&cfg.dev);
    cfg.dev.timing[TIM_BOOT] = SIM_S(1);
    cfg.dev.timing[TIM_REBOOT] = SIM_S(1);
    cfg.aux_uart = 1;
    cfg.state_dir = state_dir;
    nw_service_cfg svcs[3] = { { .proto = IP_TCP, .port = 7, .kind = NW_SVC_ECHO },
                               { .proto = IP_UDP, .port = 7, .kind = NW_SVC_ECHO },
                               { .proto = IP_TCP, .port = 9, .kind = NW_SVC_SINK } };
    nw_host_cfg host = { (char *)"e", 0xCB007107, NULL, svcs, 3, { 0 } };
    nw_config net = { &host, 1 };
    networld *w;
    if (networld_create(&w, &c, &net, NULL))
        return;
    cfg.world = networld_ops(w);
    modem_io io = { fuzz_sink, NULL, NULL, NULL };
    modem *m;
    if (modem_create(&m, &c, &cfg, &io, NULL, 0)) {
        networld_destroy(w);
        return;
    }
    networld_attach(w, m);
    modem_power_on(m);
    clk_advance(&c, SIM_S(2));
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        int end = i == size || (i + 1 < size && data[i] == 0xFF && data[i + 1] == 0xFE);
        if (!end)
            continue;
        if (i > start) {
            clk_advance(&c, clk_now(&c) + SIM_MS(100) * data[start]);
            if (power_cuts && data[start] == 0xFD) {
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
    networld_destroy(w);
    clk_free(&c);
}

#endif
