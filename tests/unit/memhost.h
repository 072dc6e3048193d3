/* memhost.h - an in-memory host for unit tests: a modem on a virtual clock
 * whose UART output is captured, so tests assert exact bytes and simulated
 * times without any I/O.  Header-only; each test program includes it once. */
#ifndef SARASIM_MEMHOST_H
#define SARASIM_MEMHOST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/bytebuf.h"
#include "sim/modem.h"

typedef struct memhost {
    clk clock;
    modem *m;
    bytebuf out[MODEM_PORTS];
    bytebuf events; /* EV trace lines, each ended by '\n' */
    bytebuf notices; /* io.notice lines, each ended by '\n' */
    char *last; /* last string handed out by mh_take */
} memhost;

static void mh_sink(void *ctx, int port, const uint8_t *p, size_t n)
{
    memhost *h = ctx;
    bytebuf_append(&h->out[port], p, n);
}

static void mh_trace(void *ctx, const trace_event *ev)
{
    memhost *h = ctx;
    if (ev->kind != TRACE_EVENT)
        return;
    bytebuf_append(&h->events, ev->data, ev->len);
    bytebuf_append_byte(&h->events, '\n');
}

static void mh_notice(void *ctx, const char *text)
{
    memhost *h = ctx;
    bytebuf_append_str(&h->notices, text);
    bytebuf_append_byte(&h->notices, '\n');
}

/* Create and boot a modem (state_dir may be NULL). */
static inline void mh_init_cfg(memhost *h, modem_config *cfg)
{
    memset(h, 0, sizeof(*h));
    clk_init(&h->clock, 0);
    for (int i = 0; i < MODEM_PORTS; i++)
        bytebuf_init(&h->out[i]);
    bytebuf_init(&h->events);
    bytebuf_init(&h->notices);
    modem_io io = { mh_sink, mh_trace, h, mh_notice };
    char err[256] = "";
    int rc = modem_create(&h->m, &h->clock, cfg, &io, err, sizeof(err));
    ck_assert_msg(rc == 0, "modem_create: %s", err);
    modem_set_host_rate(h->m, 0, 115200);
    modem_set_host_rate(h->m, 1, 115200);
    modem_power_on(h->m);
    clk_advance(&h->clock, clk_now(&h->clock) + cfg->dev.timing[TIM_BOOT]);
}

static inline void mh_default_cfg(modem_config *cfg, const char *state_dir)
{
    memset(cfg, 0, sizeof(*cfg));
    device_cfg_default(&cfg->dev);
    cfg->state_dir = state_dir;
    cfg->net_time_base = 1767225600; /* 2026-01-01T00:00:00Z */
}

static inline void mh_init(memhost *h, const char *state_dir)
{
    modem_config cfg;
    mh_default_cfg(&cfg, state_dir);
    mh_init_cfg(h, &cfg);
}

static inline void mh_free(memhost *h)
{
    modem_destroy(h->m);
    clk_free(&h->clock);
    for (int i = 0; i < MODEM_PORTS; i++)
        bytebuf_free(&h->out[i]);
    bytebuf_free(&h->events);
    bytebuf_free(&h->notices);
    free(h->last);
}

/* 1 when an EV line containing `text` was traced (the log is kept). */
static inline int mh_event_seen(const memhost *h, const char *text)
{
    return h->events.data && strstr((const char *)h->events.data, text) != NULL;
}

static inline void mh_send_port(memhost *h, int port, const char *s)
{
    modem_host_write(h->m, port, (const uint8_t *)s, strlen(s));
}

static inline void mh_send(memhost *h, const char *s) { mh_send_port(h, 0, s); }

/* Everything received on port 0 since the last take, as a string. */
static inline const char *mh_take_port(memhost *h, int port)
{
    free(h->last);
    h->last = malloc(h->out[port].len + 1);
    memcpy(h->last, h->out[port].data ? (const char *)h->out[port].data : "", h->out[port].len);
    h->last[h->out[port].len] = 0;
    bytebuf_clear(&h->out[port]);
    return h->last;
}

static inline const char *mh_take(memhost *h) { return mh_take_port(h, 0); }

/* Send a line and return what came back at once. */
static inline const char *mh_cmd(memhost *h, const char *line)
{
    mh_take(h);
    mh_send(h, line);
    return mh_take(h);
}

static inline void mh_advance(memhost *h, sim_ns d) { clk_advance(&h->clock, clk_now(&h->clock) + d); }

/* Jump to each pending deadline until none is left before `limit` from now. */
static inline void mh_run_for(memhost *h, sim_ns d) { mh_advance(h, d); }

/* Turn echo off so responses compare without the echoed command. */
static inline void mh_echo_off(memhost *h)
{
    mh_send(h, "ATE0\r");
    mh_take(h);
}

/* Echo off and verbose +CME errors: how most tests talk to the module. */
static inline void mh_prepare(memhost *h)
{
    mh_echo_off(h);
    ck_assert_str_eq(mh_cmd(h, "AT+CMEE=2\r"), "\r\nOK\r\n");
}

/* The simulator process starts again on the same state dir (memory
 * forgotten) and boots for `boot`; then mh_prepare. */
static inline void mh_restart(memhost *h, sim_ns boot)
{
    modem_restart(h->m);
    mh_advance(h, boot);
    mh_take(h);
    mh_prepare(h);
}

/* Every one of n lines answers exactly `want`. */
static inline void mh_expect_all(memhost *h, const char *const *lines, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(!strcmp(mh_cmd(h, lines[i]), want), "%s -> %s", lines[i], h->last);
}

/* A state dir of a test's own under /tmp (size >= 32), and its removal. */
static inline void mh_make_tmpdir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/sarasim-unit-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static inline void mh_remove_tmpdir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

#endif
