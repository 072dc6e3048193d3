/* override.h - forced command responses: fault injection in the style of
 * Renode's modem models.  Any command (implemented or not) can be made to
 * answer given information lines and a given final result, once or until the
 * override is cleared, instead of running its handler.  World events of
 * scenarios (harness/world.c) use it to make "+CSQ" report no signal or
 * "+UDWNFILE" fail with FFS TIMEOUT without one flag per feature.
 *
 * Overrides belong to the world, not to the module: they survive reboots and
 * power cuts and live until cleared.  Public entry points are in modem.h
 * (modem_override_set / modem_override_clear); this header is the modem's
 * side of it. */
#ifndef SARASIM_OVERRIDE_H
#define SARASIM_OVERRIDE_H

#include "../protocol/at.h"
#include "cmd.h"

#define MODEM_OVERRIDES 16

/* Which forms of a command a pattern matches. */
typedef enum {
    OVR_ANY = 0, /* "+CSQ", "I": every form                         */
    OVR_EXEC,    /* basic commands with an exact argument: "I9"    */
    OVR_READ,    /* "+CFUN?"                                        */
    OVR_TEST,    /* "+CFUN=?"                                       */
    OVR_SET_ANY, /* "+CFUN=": a set form with any parameters        */
    OVR_SET,     /* "+CFUN=16": a set form with exactly these params */
} override_form;

typedef struct cmd_override {
    char name[AT_NAME_MAX];
    override_form form;
    char *params; /* OVR_SET: raw parameter text; OVR_EXEC: the argument */
    char *info;   /* information lines separated by '\n', or NULL */
    int result;   /* AT_OK, AT_ERROR, AT_CME(n), AT_SILENT ... */
    int once;
} cmd_override;

typedef struct override_list {
    cmd_override item[MODEM_OVERRIDES];
    size_t count;
} override_list;

void override_list_free(override_list *l);
/* If an override matches x->cmd, write its response into x (info lines),
 * drop it when it was for once, store the final result in *result and
 * return 1; else return 0. */
int override_apply(override_list *l, cmd_ctx *x, int *result);

#endif
