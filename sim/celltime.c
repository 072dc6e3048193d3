/* celltime.c - CellTime synchronisation on the modem's clock (see
 * celltime.h).  URC formats follow the parsers of ubxlib's
 * cell/src/u_cell_time.c. */
#include "celltime.h"

#include <stdio.h>
#include <time.h>

#include "modem_int.h"

/* Seconds from 1970 to the CellTime base, 1 Jan 2018. */
#define CELLTIME_BASE_UNIX 1514764800LL
/* Accuracy reported with a time stamp, in seconds with 9 decimals as
 * ubxlib reads it (numberX1e9): 100 ns. */
#define CELLTIME_ACCURACY "0.000000100"

enum { SOURCE_INIT = 0, SOURCE_CELL = 2 };
enum { RESULT_SUCCESS = 0, RESULT_TIMEOUT = 3 };

static void sync_timer_cb(clk_timer *t);

void celltime_init(celltime *ct, modem *m)
{
    ct->synced = 0;
    clk_timer_init(&ct->sync_timer, sync_timer_cb, m);
}

void celltime_stop(modem *m)
{
    clk_timer_stop(m->clk, &m->net.celltime.sync_timer);
    m->net.celltime.synced = 0;
}

int celltime_synced(const modem *m) { return m->net.celltime.synced; }

void celltime_start(modem *m)
{
    celltime *ct = &m->net.celltime;
    ct->synced = 0;
    if (nvm_get(&m->nvm, SET_UTIME_MODE) == 0) {
        clk_timer_stop(m->clk, &ct->sync_timer);
        return;
    }
    modem_trace_event(m, "celltime start mode=%ld sensor=%ld", nvm_get(&m->nvm, SET_UTIME_MODE),
                      nvm_get(&m->nvm, SET_UTIME_SENSOR));
    clk_timer_start(m->clk, &ct->sync_timer, m->dev.timing[TIM_CELLTIME_SYNC]);
}

void celltime_format_uutime(long long t_ns, char *buf, unsigned long size)
{
    long long secs = t_ns / 1000000000LL, sub = t_ns % 1000000000LL;
    time_t unix_secs = (time_t)(CELLTIME_BASE_UNIX + secs);
    struct tm tm;
    gmtime_r(&unix_secs, &tm);
    snprintf(buf, size, "+UUTIME: %02d/%02d/%04d,%02d:%02d:%02d,%03lld.%06lld,%s,0", tm.tm_mday, tm.tm_mon + 1,
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, sub / 1000000, sub % 1000000,
             CELLTIME_ACCURACY);
}

/* The cell-relative time now: the simulated clock plus the +UTIMECFG offset. */
static long long cell_time_ns(const modem *m)
{
    return (long long)clk_now(m->clk) + nvm_get(&m->nvm, SET_UTIMECFG_NS) +
           nvm_get(&m->nvm, SET_UTIMECFG_S) * 1000000000LL;
}

static void sync_timer_cb(clk_timer *t)
{
    modem *m = t->data;
    long mode = nvm_get(&m->nvm, SET_UTIME_MODE);
    int camped = m->net.cfun == 1 && !m->net.lost && net_registered(m);
    m->net.celltime.synced = camped;
    modem_trace_event(m, "celltime sync mode=%ld result=%d", mode, camped ? RESULT_SUCCESS : RESULT_TIMEOUT);
    if (nvm_get(&m->nvm, SET_UTIMEIND)) {
        if (camped)
            modem_urc(m, "+UUTIMEIND: %ld,%d,0,%d", mode, SOURCE_CELL, RESULT_SUCCESS);
        else
            modem_urc(m, "+UUTIMEIND: %ld,%d,1,%d", mode, SOURCE_INIT, RESULT_TIMEOUT);
    }
    if (camped && mode == 2) { /* one-shot: the time stamp of the pulse */
        char buf[96];
        celltime_format_uutime(cell_time_ns(m), buf, sizeof(buf));
        modem_urc(m, "%s", buf);
    }
}
