/* cmd_table.c - one table mapping command names to handlers, built from the
 * family tables and sorted once per modem for binary search. */
#include "cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const cmd_def *const families[] = {
    cmd_general_defs, cmd_sim_defs,  cmd_net_defs,  cmd_power_defs, cmd_misc_defs, cmd_fs_defs,
    cmd_fwupd_defs,   cmd_gpio_defs, cmd_gnss_defs, cmd_sec_defs,   cmd_time_defs,
    cmd_sock_defs,    cmd_pdp_defs,
    cmd_lwm2m_defs,   cmd_http_defs, cmd_ftp_defs,
    cmd_ufota_defs,
    cmd_rot_defs,
};

static int def_cmp(const void *a, const void *b)
{
    const cmd_def *x = *(const cmd_def *const *)a;
    const cmd_def *y = *(const cmd_def *const *)b;
    return strcmp(x->name, y->name);
}

int cmd_table_init(cmd_table *t)
{
    size_t n = 0;
    for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
        for (const cmd_def *d = families[f]; d->name; d++)
            n++;
    t->sorted = malloc(n * sizeof(*t->sorted));
    if (!t->sorted)
        return -ENOMEM;
    t->count = 0;
    for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
        for (const cmd_def *d = families[f]; d->name; d++)
            t->sorted[t->count++] = d;
    qsort(t->sorted, t->count, sizeof(*t->sorted), def_cmp);
    for (size_t i = 1; i < t->count; i++) {
        if (strcmp(t->sorted[i - 1]->name, t->sorted[i]->name) == 0) {
            /* two families claim one command: which runs would be luck */
            cmd_table_free(t);
            return -EEXIST;
        }
    }
    return 0;
}

void cmd_table_free(cmd_table *t)
{
    free(t->sorted);
    t->sorted = NULL;
    t->count = 0;
}

const cmd_def *cmd_table_find(const cmd_table *t, const char *name)
{
    size_t lo = 0, hi = t->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(name, t->sorted[mid]->name);
        if (c == 0)
            return t->sorted[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}
