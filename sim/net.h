/* net.h - the simulated LTE-M network as the module sees it: radio on/off
 * (+CFUN), signal, EPS registration, the default bearer and the u-blox PSD
 * profile.  Registration changes raise +CREG/+CGREG/+CEREG URCs per their
 * <n>, bearer changes +CGEV per +CGEREP. */
#ifndef SARASIM_NET_H
#define SARASIM_NET_H

#include <stddef.h>

#include "celltime.h"
#include "clock.h"

typedef struct modem modem;

/* Registration <stat> values (3GPP TS 27.007). */
enum { REG_NONE = 0, REG_HOME = 1, REG_SEARCHING = 2, REG_DENIED = 3, REG_UNKNOWN = 4, REG_ROAMING = 5 };
/* Which registration command. */
typedef enum { REG_CREG, REG_CGREG, REG_CEREG } reg_kind;

#define NET_MAX_CID 10 /* <cid> 0..10 on SARA-R5 */

typedef struct net {
    int cfun;
    int lost;            /* no coverage */
    int rsrp_dbm;
    int rsrq_db;
    int stat;
    int act;             /* AcT of the serving cell: 7 LTE Cat-M1, 9 NB-IoT */
    int boot_rat;        /* +URAT in force since boot (a change needs a reboot) */
    int attached;
    int pdp_active[NET_MAX_CID + 1];
    int psd_active;      /* +UPSDA profile 0 */
    int ceer_cause;
    int reject_cause;    /* EMM cause of the last attach reject (0: none) */
    int ceer_esm;        /* ESM cause behind it, for +CEER */
    int rrc_connected;   /* +CSCON: an RRC connection is up */
    clk_timer reg_timer;
    clk_timer psd_timer;
    clk_timer rrc_timer;
    celltime celltime;   /* +UTIME: timing from the serving cell */
} net;

void net_init(net *n, modem *m);
/* Power-on with the radio on (CFUN=1) as the module boots. */
void net_boot(modem *m);
/* Power-off or reboot: timers stop, everything volatile is forgotten. */
void net_stop(modem *m);
void net_set_cfun(modem *m, int fun);
void net_set_signal(modem *m, int lost, int rsrp_dbm);
/* Re-evaluate registration after any input changed (SIM, +COPS, ...). */
void net_update(modem *m);
/* "+CEREG: 2,1,\"E8FE\",\"01A2D001\",7" (read form, with <n>) or the URC
 * form (without <n>) into buf. */
void net_format_reg(const modem *m, reg_kind k, int read_form, char *buf, size_t size);
/* Address of a context, "" when inactive. */
const char *net_pdp_addr(const modem *m, int cid, char *buf, size_t size);
int net_registered(const modem *m);
/* Bring the PSD profile up/down (+UPSDA=0,3 / 0,4): answers by URC. */
int net_psd_activate(modem *m);
int net_psd_deactivate(modem *m);
int net_set_attach(modem *m, int on);
int net_set_pdp(modem *m, int cid, int on);
/* A packet crossed the radio: the RRC connection is (kept) up. */
void net_traffic(modem *m);

/* Cell parameters reported by +UCGED / +CREG. */
#define NET_TAC "E8FE"
#define NET_CI "01A2D001"
#define NET_EARFCN 5110
#define NET_BAND 12
#define NET_PCI 261

#endif
