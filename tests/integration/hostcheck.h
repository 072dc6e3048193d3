/* hostcheck.h - ptyhost's host commands as Check assertions, for the
 * integration tests that drive one module through a whole exchange: a
 * command must be answered (and, for host_ok, with exactly these bytes). */
#ifndef SARASIM_HOSTCHECK_H
#define SARASIM_HOSTCHECK_H

#include <check.h>
#include <stdlib.h>

#include "ptyhost.h"

/* The response to `line` (malloc'd); fails the test when none comes. */
static inline char *host_cmd_checked(simproc *s, const char *line, int timeout_ms)
{
    char *r = host_cmd(s, line, timeout_ms);
    ck_assert_msg(r != NULL, "no answer to %s", line);
    return r;
}

/* `line` is answered exactly `want`. */
static inline void host_ok(simproc *s, const char *line, const char *want, int timeout_ms)
{
    char *r = host_cmd_checked(s, line, timeout_ms);
    ck_assert_str_eq(r, want);
    free(r);
}

#endif
