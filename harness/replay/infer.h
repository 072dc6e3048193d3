/* infer.h - what a log says about the module it came from.
 *
 * A field log shows the device's identity in the answers to the commands
 * hosts send at bring-up: ATI / +CGMM (model and product version), ATI9 /
 * +CGMR (firmware), +CGSN (IMEI), +CCID, +CIMI, +UMNOPROF?, +COPS?.  The
 * replayed scenario's device is given these, so the simulated module answers
 * as the field one did instead of with sarasim's defaults.  Values the
 * simulator could not hold (an IMEI with a wrong check digit, a model it
 * does not simulate) are left out. */
#ifndef SARASIM_INFER_H
#define SARASIM_INFER_H

#include "session.h"

typedef struct s_device {
    char model[24];    /* "" when the log does not say */
    char product[8];
    char firmware[32];
    char imei[16];
    char iccid[21];
    char imsi[16];
    char plmn[7];
    char oper[24];
    int mno_profile;   /* -1 */
} s_device;

void infer_device(const session *s, s_device *d);

#endif
