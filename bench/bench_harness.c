/* bench_harness.c - how fast scenarios run on the virtual clock.
 *
 * Figures:
 *   1. a FOAT-shaped scenario (a 109 s handshake window nobody answers, then a
 *      25-minute install polled with AT every 10 s): simulated vs wall time;
 *   2. a simulated day of a module polled with AT every 10 s;
 *   3. scenarios/s over the shipped scenarios, in-process (no fork), and the
 *      simulated-to-wall ratio.
 * The harness's own wall times (fork per scenario, trace files) come on top:
 * sarasim-harness prints them per scenario and in its summary line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/runner.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* "AT" every 10 s for `total`: the polling a host does during an install. */
static char *polling_scenario(const char *pre, unsigned total_s)
{
    size_t cap = 256 + strlen(pre) + (size_t)total_s / 10 * 96;
    char *s = malloc(cap);
    size_t n = (size_t)snprintf(s, cap, "{\"host\": [{\"wait\": \"6s\"}, {\"send\": \"ATE0\\r\"}, {\"expect\": \"OK\\r\\n\"}%s",
                                pre);
    for (unsigned t = 0; t < total_s; t += 10)
        n += (size_t)snprintf(s + n, cap - n,
                              ", {\"wait\": \"10s\"}, {\"send\": \"AT\\r\"}, {\"expect\": \"\\r\\nOK\\r\\n\"}");
    snprintf(s + n, cap - n, "]}");
    return s;
}

static int run_json(const char *label, const char *json, int reps)
{
    scenario sc;
    char err[512];
    if (scenario_parse(&sc, label, ".", json, strlen(json), err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    double best = 1e9;
    sim_ns sim = 0;
    for (int i = 0; i < reps; i++) {
        run_result r;
        double t0 = now_s();
        runner_run(&sc, NULL, &r);
        double dt = now_s() - t0;
        if (r.status != RUN_PASS) {
            fprintf(stderr, "%s: %s %s\n", label, r.step, r.why ? r.why : "");
            run_result_free(&r);
            scenario_free(&sc);
            return -1;
        }
        best = dt < best ? dt : best;
        sim = r.sim_end;
        run_result_free(&r);
    }
    printf("%-44s %10.0f s simulated in %8.3f ms wall (x%.0f)\n", label, (double)sim / 1e9, best * 1e3,
           (double)sim / 1e9 / best);
    scenario_free(&sc);
    return 0;
}

static int shipped(void)
{
    static const char *const files[] = {
        "ubxlib_power_on.json",   "ubxlib_connect.json", "sparkfun_begin.json", "sparkfun_autobaud_recovery.json",
        "reboot_cfun16.json",     "signal_loss_cereg.json", "world_faults.json", "sim_pin_00b.json",
    };
    const size_t nf = sizeof(files) / sizeof(files[0]);
    scenario sc[sizeof(files) / sizeof(files[0])];
    char err[512], path[512];
    for (size_t i = 0; i < nf; i++) {
        snprintf(path, sizeof(path), "%s/scenarios/%s", SARASIM_SOURCE_DIR, files[i]);
        if (scenario_load(&sc[i], path, err, sizeof(err))) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
    }
    const int rounds = 20;
    double sim = 0, t0 = now_s();
    for (int k = 0; k < rounds; k++) {
        for (size_t i = 0; i < nf; i++) {
            run_result r;
            runner_run(&sc[i], NULL, &r);
            sim += (double)r.sim_end / 1e9;
            run_result_free(&r);
        }
    }
    double wall = now_s() - t0;
    printf("shipped scenarios (%zu x %d, in-process)       %10.1f scenarios/s, %.0f s simulated per wall second\n",
           nf, rounds, (double)(nf * (size_t)rounds) / wall, sim / wall);
    for (size_t i = 0; i < nf; i++)
        scenario_free(&sc[i]);
    return 0;
}

int main(void)
{
    char *foat = polling_scenario(", {\"expect_not\": \"+UFWUPD\", \"within\": \"109s\"}", 25 * 60);
    char *day = polling_scenario("", 24 * 3600);
    int rc = run_json("109 s window + 25 min install (AT / 10 s)", foat, 5);
    rc |= run_json("24 h idle module (AT / 10 s)", day, 3);
    rc |= shipped();
    free(foat);
    free(day);
    return rc ? 1 : 0;
}
