/* bench_ufota.c - a whole uFOTA campaign on the virtual clock (issue 11).
 *
 * scenarios/ufota_campaign.json is the campaign: the module registers with
 * the built-in uFOTA server (coaps, DTLS with its PSK), the server observes
 * /5/0/3 and /5/0/5 and writes the URI, the module downloads the 450 kB
 * delta by CoAP Block2 at the LTE-M link's rate, the server executes /5/0/2,
 * the module validates and installs for about 25 minutes, boots the new
 * firmware and registers again; the server reads Result 1.  About half an
 * hour simulated.
 *
 * Figures:
 *   1. one campaign: wall time (goal: under 50 ms) and simulated/wall ratio,
 *      the best and the median of a few runs;
 *   2. 100 campaigns one after the other in one process (as one harness
 *      run would play them, without the fork and the trace file per
 *      scenario): total wall time, mean and max per campaign;
 *   3. where the time goes: the same scenario cut after the registration,
 *      after the download and after the install (each a prefix of the host
 *      script), so the difference between two prefixes is the cost of that
 *      phase.
 *
 * usage: bench_ufota [-n CAMPAIGNS]            (figures: docs/bench.md)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/runner.h"

#define GOAL_MS 50.0
#define MAX_CAMPAIGNS 10000

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One run of sc: wall seconds, simulated seconds in *sim; -1 if it did not
 * pass (said on stderr). */
static double run_once(const scenario *sc, const char *label, double *sim)
{
    run_result r;
    double t0 = now_s();
    runner_run(sc, NULL, &r);
    double dt = now_s() - t0;
    if (r.status != RUN_PASS) {
        fprintf(stderr, "bench_ufota: %s: %s %s: %s\n", label, run_status_name(r.status), r.step,
                r.why ? r.why : "");
        run_result_free(&r);
        return -1;
    }
    *sim = (double)r.sim_end / 1e9;
    run_result_free(&r);
    return dt;
}

static int load(scenario *sc, char *err, size_t errlen)
{
    char path[512];
    snprintf(path, sizeof path, "%s/scenarios/ufota_campaign.json", SARASIM_SOURCE_DIR);
    return scenario_load(sc, path, err, errlen);
}

/* 1 and 2: n campaigns back to back; the first few also give the single
 * campaign's best and median. */
static int campaigns(const scenario *sc, int n)
{
    double *wall = malloc(sizeof *wall * (size_t)n), sim = 0, total = 0, max = 0;
    if (!wall)
        return -1;
    for (int i = 0; i < n; i++) {
        wall[i] = run_once(sc, "ufota_campaign", &sim);
        if (wall[i] < 0) {
            free(wall);
            return -1;
        }
        total += wall[i];
        max = wall[i] > max ? wall[i] : max;
    }
    double mean = total / n;
    qsort(wall, (size_t)n, sizeof *wall, cmp_double);
    double med = wall[n / 2], best = wall[0];
    printf("one campaign (%.0f s simulated): best %.2f ms, median %.2f ms wall (goal < %.0f ms: %s); "
           "simulated/wall x%.0f (median x%.0f)\n",
           sim, best * 1e3, med * 1e3, GOAL_MS, med * 1e3 < GOAL_MS ? "met" : "NOT met", sim / best, sim / med);
    printf("%d campaigns in one process: %.3f s wall, per campaign mean %.2f ms, max %.2f ms; "
           "%.0f simulated s per wall s\n",
           n, total, mean * 1e3, max * 1e3, sim * n / total);
    free(wall);
    return 0;
}

/* The index of the first host step whose description contains `what`, or -1. */
static int find_step(const scenario *sc, const char *what)
{
    char d[512];
    for (size_t i = 0; i < sc->nhost; i++) {
        scenario_step_describe(&sc->host[i], d, sizeof d);
        if (strstr(d, what))
            return (int)i;
    }
    return -1;
}

/* 3: the phases, as the difference between prefixes of the script (the
 * scenario with its host script cut after a step: same device and world,
 * fewer steps). */
static int phases(scenario *sc)
{
    static const struct {
        const char *label;
        const char *last; /* the step that ends the phase (part of its description) */
    } cut[] = {
        { "boot, client start, DTLS + registration", "+ULWM2MSTAT: 1,721,3" },
        { "URI written, 450 kB download (Block2)", "+UFOTASTAT: 2,2,100" },
        { "execute, validation, 25 min install", "+UUFWINSTALL: 128" },
        { "boot 03.16, re-registration, Result read", NULL },
    };
    printf("where a campaign's wall time goes (prefixes of the script, best of 7 each):\n");
    const size_t nhost = sc->nhost;
    double prev_wall = 0, prev_sim = 0;
    int rc = 0;
    for (size_t k = 0; k < sizeof cut / sizeof cut[0] && rc == 0; k++) {
        int last = cut[k].last ? find_step(sc, cut[k].last) : (int)nhost - 1;
        if (last < 0) {
            fprintf(stderr, "bench_ufota: no step \"%s\" in the scenario\n", cut[k].last);
            return -1;
        }
        sc->nhost = (size_t)last + 1; /* restored below: scenario_free frees every step */
        double best = 1e9, sim = 0;
        for (int i = 0; i < 7 && rc == 0; i++) {
            double w = run_once(sc, cut[k].label, &sim);
            rc = w < 0 ? -1 : 0;
            best = w >= 0 && w < best ? w : best;
        }
        sc->nhost = nhost;
        if (rc == 0)
            printf("  %-42s %7.1f s simulated %7.2f ms wall\n", cut[k].label, sim - prev_sim,
                   (best - prev_wall) * 1e3);
        prev_wall = best;
        prev_sim = sim;
    }
    return rc;
}

int main(int argc, char **argv)
{
    int n = 100, opt;
    while ((opt = getopt(argc, argv, "n:")) != -1)
        n = opt == 'n' ? atoi(optarg) : 0;
    if (n < 1 || n > MAX_CAMPAIGNS) {
        fprintf(stderr, "usage: bench_ufota [-n CAMPAIGNS (1-%d)]\n", MAX_CAMPAIGNS);
        return 2;
    }
    char err[512];
    scenario sc;
    if (load(&sc, err, sizeof err)) {
        fprintf(stderr, "bench_ufota: %s\n", err);
        return 1;
    }
    int rc = campaigns(&sc, n);
    if (rc == 0)
        rc = phases(&sc);
    scenario_free(&sc);
    return rc ? 1 : 0;
}
