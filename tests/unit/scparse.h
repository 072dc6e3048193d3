/* scparse.h - parsing scenario text in unit tests: a file "t.json" whose
 * load must succeed (parse) or fail with a given message (rejects).
 * Header-only; each test program includes it once. */
#ifndef SARASIM_SCPARSE_H
#define SARASIM_SCPARSE_H

#include <check.h>
#include <string.h>

#include "harness/scenario.h"

static char err[1024];

static int parse(scenario *sc, const char *json)
{
    return scenario_parse(sc, "t.json", ".", json, strlen(json), err, sizeof(err));
}

/* The parse must fail with a message starting with `prefix` (file and path)
 * and containing `what` (the expectation). */
static void rejects(const char *json, const char *prefix, const char *what)
{
    scenario sc;
    err[0] = 0;
    ck_assert_msg(parse(&sc, json) == -1, "accepted: %s", json);
    ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "message \"%s\" does not start with \"%s\"", err,
                  prefix);
    ck_assert_msg(strstr(err, what) != NULL, "message \"%s\" does not say \"%s\"", err, what);
}

#endif
