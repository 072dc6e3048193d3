/* celltime.h - CellTime (+UTIME): timing derived from the serving cell, on
 * the modem's clock.  It belongs to the network (sim/net.c owns one and
 * stops it with everything else the radio does).
 *
 * +UTIME=<mode>,<sensor> starts a synchronisation; celltime_sync (timing) later
 * the module reports the outcome with "+UUTIMEIND: <mode>,<source>,
 * <abs_time>,<result>" (when +UTIMEIND=1): synchronised to the cell (source
 * 2, relative time, result 0) if it is camped on one then, else a timeout
 * (source 0, result 3).  In one-shot mode (2) a synchronised module also
 * sends the time of its pulse, "+UUTIME: <date>,<time>,<ms>,<accuracy>,0",
 * on the cell-relative time base (1 Jan 2018 = 0, ubxlib's
 * U_CELL_TIME_CONVERT_TO_UNIX_SECONDS) plus the +UTIMECFG offset.  Pulses
 * (mode 1) and EXT_INT time stamps (mode 3) have no pins to appear on. */
#ifndef SARASIM_CELLTIME_H
#define SARASIM_CELLTIME_H

#include "clock.h"

typedef struct modem modem;

typedef struct celltime {
    clk_timer sync_timer;
    int synced;
} celltime;

void celltime_init(celltime *ct, modem *m);
/* Power off, reboot: the synchronisation is forgotten. */
void celltime_stop(modem *m);
/* (Re)start synchronising in the mode +UTIME set. */
void celltime_start(modem *m);
int celltime_synced(const modem *m);

/* "+UUTIME: ..." text for the cell-relative time t_ns (exposed for tests). */
void celltime_format_uutime(long long t_ns, char *buf, unsigned long size);

#endif
