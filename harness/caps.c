/* caps.c - what a scenario may require, checked against the modem's command
 * table. */
#include "caps.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define CAP_CMDS 5

static const struct {
    const char *name;
    const char *commands[CAP_CMDS]; /* NULL-terminated */
} features[] = {
    { "fs", { "+UDWNFILE", "+ULSTFILE", "+URDFILE", "+UDELFILE", NULL } },
    { "foat", { "+UFWUPD", NULL } },
    { "fwinstall", { "+UFWINSTALL", NULL } },
    { "ufota", { "+UFOTA", "+UFOTASTAT", "+UFOTACONFIG", NULL } },
    { "lwm2m", { "+ULWM2M", NULL } },
    { "xmodem", { NULL } },
};
#define NFEATURES (sizeof(features) / sizeof(features[0]))

static int is_command_name(const char *s)
{
    if (s[0] != '+' || !s[1])
        return 0;
    for (const char *p = s + 1; *p; p++)
        if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p))
            return 0;
    return 1;
}

int caps_known(const char *name)
{
    for (size_t i = 0; i < NFEATURES; i++)
        if (!strcmp(features[i].name, name))
            return 1;
    return is_command_name(name);
}

const char *caps_feature_list(void) { return "fs, foat, fwinstall, ufota, lwm2m, xmodem or an AT command like +UDWNFILE"; }

int caps_check(const modem *m, int have_xmodem_sender, const char *name, char *why, size_t size)
{
    if (!strcmp(name, "xmodem")) {
        if (have_xmodem_sender)
            return 0;
        snprintf(why, size, "requires xmodem: no Xmodem sender is connected (harness/xmodem_host.c)");
        return 1;
    }
    if (is_command_name(name)) {
        if (modem_has_command(m, name))
            return 0;
        snprintf(why, size, "requires %s: not implemented in this build", name);
        return 1;
    }
    for (size_t i = 0; i < NFEATURES; i++) {
        if (strcmp(features[i].name, name))
            continue;
        for (const char *const *c = features[i].commands; *c; c++) {
            if (!modem_has_command(m, *c)) {
                snprintf(why, size, "requires %s: %s is not implemented in this build", name, *c);
                return 1;
            }
        }
        return 0;
    }
    snprintf(why, size, "requires %s: unknown capability", name);
    return 1;
}
