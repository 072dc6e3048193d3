/* fuzz_scenario.c - libFuzzer target for the scenario language: arbitrary
 * text into the parser (every field reader, trigger and action syntax), and
 * what parses is run on the virtual clock (world triggers, wire faults,
 * expect/capture, asserts) with its simulated time capped.  Relative file
 * paths point into a directory that does not exist. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness/runner.h"

#define MAX_STEPS 64
#define MAX_BLOB 65536

static int small_enough(const scenario *sc)
{
    if (sc->nhost > MAX_STEPS || sc->device.nfiles)
        return 0;
    for (size_t i = 0; i < sc->nhost; i++)
        if (sc->host[i].bytes.len > MAX_BLOB || sc->host[i].xm.data.len > MAX_BLOB)
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    scenario sc;
    char err[512];
    if (scenario_parse(&sc, "fuzz.json", "/nonexistent-sarasim-fuzz", (const char *)data, size, err, sizeof(err)))
        return 0;
    if (small_enough(&sc)) {
        if (sc.limit > SIM_S(24 * 3600))
            sc.limit = SIM_S(24 * 3600);
        run_result r;
        runner_run(&sc, NULL, &r);
        run_result_free(&r);
    }
    scenario_free(&sc);
    return 0;
}
