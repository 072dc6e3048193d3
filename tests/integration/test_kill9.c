/* test_kill9.c - kill -9 of the live sarasim, then a restart on the same
 * state directory (issue 11's and issue 10's adversarial conditions).
 *
 * 1. A uFOTA campaign killed at random moments (seeded): `sarasim --scenario
 *    scenarios/ufota_campaign.json` plays the campaign (the built-in uFOTA
 *    server, the package host) at time scale 1000 (200 for early targets in
 *    a sanitizer build) and gets SIGKILL when its
 *    simulated clock passes a target drawn from one of the campaign's phases
 *    in turn (registration, download, execute and validation, install,
 *    reboot and re-registration).  The state dir must then load, and after a
 *    restart the module must be in a state the app note allows (§3.2.2,
 *    docs/ufota.md): a download restarts from zero, an install resumes at
 *    boot, a downloaded package stays downloaded, and ATI9 reports the old or
 *    the new firmware exactly as firmware.json says, the new one only once
 *    it has been installed.
 *
 *    The restart is WITHOUT the scenario's campaign: the uFOTA server lived
 *    in the killed process, and a restarted scenario brings a new server
 *    that knows nothing of the campaign and writes the URI again at the next
 *    registration (a second campaign over the first: after a resumed install
 *    it downloads the 03.15 delta again and ends with Result 6).  What that
 *    shows is the scenario's server forgetting, not the module recovering.
 *    The restart gets a --world with only the package host (same package),
 *    so a restarted download can be seen to run from zero to the end; no
 *    server executes /5/0/2 then, so the package stays downloaded.
 *
 *    Trials: SARASIM_KILL9_TRIALS (default 100, 20 in a sanitizer build),
 *    seed SARASIM_KILL9_SEED (default 11).  The kill moments are targets on
 *    the simulated clock; where exactly the kill lands in the module's work
 *    depends on the machine, which is the point of a kill -9 test.  Nothing
 *    asserts wall-clock timing: wall-clock bounds only end a broken run.
 *
 * 2. kill -9 mid-registration (issue 10): the LwM2M server is unreachable,
 *    the client's registration is pending (DTLS handshake to the server
 *    unanswered), the host has written the lifetime (NVM) and the APN sync
 *    flag (NVM); kill -9.  After the restart both settings read back, and
 *    the client registers with the lifetime written.
 */
#include <check.h>
#include <signal.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ptyhost.h"

#define OLD_FW "03.15,A00.01"
#define NEW_FW "03.16,A00.01"
#define PKG_SIZE 450000
#define T_MS 20000      /* bounds a failing step */
#define SETTLE_MS 60000 /* bounds a restart that never settles */

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static long long wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : dflt;
}

/* ---- the module's state, from the control socket and the state dir ---- */

/* The control socket's "state" object (caller frees the root in *root), or NULL. */
static const cJSON *ctl_state(simproc *s, cJSON **root)
{
    char *reply = simproc_ctl(s, "{\"cmd\":\"state\"}");
    *root = reply ? cJSON_Parse(reply) : NULL;
    free(reply);
    return *root ? cJSON_GetObjectItemCaseSensitive(*root, "state") : NULL;
}

static const char *str_at(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    if (b)
        x = cJSON_GetObjectItemCaseSensitive(x, b);
    return cJSON_IsString(x) ? x->valuestring : "";
}

static double num_at(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    if (b)
        x = cJSON_GetObjectItemCaseSensitive(x, b);
    return cJSON_IsNumber(x) ? x->valuedouble : -1;
}

/* A file of the state dir parsed (NULL if absent); fails the test if it is
 * there but not JSON: the state dir must load. */
static cJSON *state_file(const simproc *s, const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", s->state, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    cJSON *j = cJSON_Parse(buf);
    ck_assert_msg(j != NULL, "%s is not JSON after kill -9: %s", name, buf);
    return j;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *t = malloc((size_t)n + 1);
    size_t got = t ? fread(t, 1, (size_t)n, f) : 0;
    fclose(f);
    if (t)
        t[got] = 0;
    return t;
}

/* Run the module until its simulated clock reaches target_s, remembering the
 * last state seen; 0, or -1 if the process stopped answering. */
static int run_until(simproc *s, double target_s, char *phase, size_t plen)
{
    long long deadline = wall_ms() + SETTLE_MS;
    while (wall_ms() < deadline) {
        cJSON *root;
        const cJSON *st = ctl_state(s, &root);
        double t = st ? num_at(st, "sim_time_s", NULL) : -1;
        if (st)
            snprintf(phase, plen, "%s/%s", str_at(st, "ufota", "phase"), str_at(st, "fwupd", "phase"));
        cJSON_Delete(root);
        if (t < 0)
            return -1;
        if (t >= target_s)
            return 0;
    }
    return -1;
}

/* Wait until the restarted module has nothing left to do on its own: up, no
 * install running, the campaign idle or downloaded.  The settled state
 * (caller frees *root), or NULL. */
static const cJSON *settle(simproc *s, cJSON **root)
{
    long long deadline = wall_ms() + SETTLE_MS;
    while (wall_ms() < deadline) {
        const cJSON *st = ctl_state(s, root);
        const char *ph = str_at(st, "ufota", "phase");
        if (st && !strcmp(str_at(st, "power", NULL), "READY") && !strcmp(str_at(st, "fwupd", "phase"), "off") &&
            (!strcmp(ph, "idle") || !strcmp(ph, "downloaded")))
            return st;
        cJSON_Delete(*root);
        *root = NULL;
    }
    return NULL;
}

/* ---- 1: the uFOTA campaign ---------------------------------------------- */

/* Windows of the campaign on the simulated clock (ufota_campaign.json at the
 * default timings): each trial draws its kill moment from the next one. */
static const struct {
    const char *name;
    double from, to;
} WINDOWS[] = {
    { "boot/registration", 3, 14.6 },
    { "download", 14.6, 75 },
    { "execute/validation", 75, 90 },
    { "install", 90, 1580 },
    { "reboot/re-registration", 1580, 1620 },
};
#define NWINDOWS (sizeof WINDOWS / sizeof WINDOWS[0])

static uint64_t rng_state;

static double rng_unit(void) /* xorshift64* in [0, 1) */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

static const char WORLD_JSON[] =
    "{\"hosts\": [{\"name\": \"ucsphttpcontent.services.u-blox.com\",\n"
    "  \"services\": [{\"udp\": 5683, \"serve\": \"coap-files\", \"files\": {\"/fw/delta.bin\":\n"
    "    {\"package\": {\"kind\": \"delta\", \"from\": \"" OLD_FW "\", \"to\": \"" NEW_FW "\", \"size\": 450000}}}}]}]}\n";

/* What the state dir said right after the kill. */
typedef struct killed {
    char installed[32]; /* firmware.json */
    char phase[32];     /* fota.json, "none" if absent */
    double saved;       /* fota.json saved bytes */
} killed;

static void read_killed(const simproc *s, killed *k)
{
    cJSON *fw = state_file(s, "firmware.json");
    cJSON *fota = state_file(s, "fota.json");
    snprintf(k->installed, sizeof k->installed, "%s", fw ? str_at(fw, "installed", NULL) : OLD_FW);
    snprintf(k->phase, sizeof k->phase, "%s", fota ? str_at(fota, "phase", NULL) : "none");
    k->saved = fota ? num_at(fota, "saved", NULL) : 0;
    ck_assert_msg(!strcmp(k->installed, OLD_FW) || !strcmp(k->installed, NEW_FW),
                  "firmware.json names %s after kill -9", k->installed);
    cJSON_Delete(fw);
    cJSON_Delete(fota);
}

static char *host_line(simproc *s, const char *cmd)
{
    char *r = host_cmd(s, cmd, T_MS);
    ck_assert_msg(r != NULL, "no answer to %s", cmd);
    return r;
}

/* The restarted module against what the state dir held at the kill. */
static void check_restart(simproc *s, const killed *k, const char *trace_path, const char *what)
{
    cJSON *root = NULL;
    const cJSON *st = settle(s, &root);
    ck_assert_msg(st != NULL, "%s: the restarted module never settled", what);
    const char *fw = str_at(st, "firmware", NULL), *phase = str_at(st, "ufota", "phase");
    double result = num_at(st, "ufota", "result");
    char *trace = read_text(trace_path);
    ck_assert_ptr_nonnull(trace);
    int installed_now = strstr(trace, "fwupd installed version=" NEW_FW) != NULL;

    /* the host's view: ATI9 and +UFOTA? */
    ck_assert_int_eq(host_open(s, 115200), 0);
    ck_assert_int_eq(host_wait_ready(s, T_MS), 0);
    free(host_line(s, "ATE0\r"));
    char *i9 = host_line(s, "ATI9\r"), want[96];
    snprintf(want, sizeof want, "\r\n%s\r\n\r\nOK\r\n", fw);
    ck_assert_msg(!strcmp(i9, want), "%s: ATI9 answered %s, the module's state says %s", what, i9, fw);
    free(i9);
    char *ufota = host_line(s, "AT+UFOTA?\r");

    /* firmware.json agrees, and no install is left pending in it */
    cJSON *fwj = state_file(s, "firmware.json");
    ck_assert_ptr_nonnull(fwj);
    ck_assert_str_eq(str_at(fwj, "installed", NULL), fw);
    ck_assert_msg(!cJSON_GetObjectItemCaseSensitive(fwj, "fw_update_mode"), "%s: install still pending", what);
    cJSON_Delete(fwj);

    /* never the new firmware unless it was installed, before or after the kill */
    if (!strcmp(fw, NEW_FW)) {
        ck_assert_msg(!strcmp(k->installed, NEW_FW) || installed_now, "%s: %s reported, never installed", what, fw);
        ck_assert_str_eq(phase, "idle");
        ck_assert_msg(result == 1, "%s: Result %g after the update", what, result);
    } else {
        ck_assert_str_eq(fw, OLD_FW);
        ck_assert_msg(!installed_now, "%s: installed, but ATI9 says %s", what, fw);
    }

    if (!strcmp(k->phase, "downloading") || !strcmp(k->phase, "pending")) {
        /* §3.2.2: after a power loss the download starts again from zero */
        ck_assert_msg(k->saved == 0, "%s: bytes saved mid-download without a pause", what);
        ck_assert_msg(strstr(trace, "ufota resume from=0") != NULL, "%s: the download did not restart", what);
        const char *first = strstr(trace, "ufota stat 0,1,");
        ck_assert_msg(first && !strncmp(first, "ufota stat 0,1,1 ", 17), "%s: first progress %.20s", what,
                      first ? first : "(none)");
        ck_assert_str_eq(phase, "downloaded");
        ck_assert_str_eq(fw, OLD_FW);
        ck_assert_str_eq(ufota, "\r\n+UFOTA: 3,450000,450000\r\n\r\nOK\r\n");
    } else if (!strcmp(k->phase, "downloaded")) {
        /* a complete package stays; nothing is downloaded again */
        ck_assert_msg(!strstr(trace, "ufota stat 1,0,0"), "%s: a downloaded package was fetched again", what);
        ck_assert_str_eq(phase, "downloaded");
        ck_assert_str_eq(ufota, "\r\n+UFOTA: 3,450000,450000\r\n\r\nOK\r\n");
    } else if (!strcmp(k->phase, "updating")) {
        /* the install resumes at boot from the download area and ends */
        ck_assert_str_eq(fw, NEW_FW);
        ck_assert_msg(!strcmp(k->installed, NEW_FW) || strstr(trace, "power BOOTING -> FWUPDATE"),
                      "%s: the install did not resume at boot", what);
    } else {
        /* before the URI, or after the campaign: nothing happens by itself */
        ck_assert_msg(!strstr(trace, "ufota stat 1,0,0"), "%s: a download started by itself", what);
        ck_assert_str_eq(phase, "idle");
    }
    free(ufota);
    free(trace);
    cJSON_Delete(root);
}

/* One trial: kill, check the state dir, restart, check the module. */
static void trial(int i, int counts[NWINDOWS], int *in_download, int *in_install)
{
    size_t w = (size_t)i % NWINDOWS;
    double target = WINDOWS[w].from + rng_unit() * (WINDOWS[w].to - WINDOWS[w].from);
    char scenario[512], world[400], trace[400], what[160], seen[64] = "";
    snprintf(scenario, sizeof scenario, "%s/scenarios/ufota_campaign.json", SARASIM_SRC_DIR);
    simproc s;
    /* frozen until the control socket answers (a sanitized build takes a
     * while to build the package and start); then fast, but slower when
     * the target is early and the machine slow, so that the polling still
     * sees the short download window */
    const char *const first[] = { "--scenario", scenario, "--time-scale", SIM_FROZEN, NULL };
    ck_assert_int_eq(simproc_start(&s, first), 0);
    ck_assert_int_eq(simproc_set_time_scale(&s, SANITIZED && target < 100 ? "200" : "1000"), 0);
    ck_assert_msg(run_until(&s, target, seen, sizeof seen) == 0, "trial %d: the campaign stopped answering", i);
    simproc_kill(&s, SIGKILL);
    killed k;
    read_killed(&s, &k);
    snprintf(what, sizeof what, "trial %d (%s, %.1f s, seen %s, fota.json %s)", i, WINDOWS[w].name, target, seen,
             k.phase);
    if (getenv("SARASIM_KILL9_VERBOSE"))
        printf("  %s\n", what);
    counts[w]++;
    *in_download += !strcmp(k.phase, "downloading");
    *in_install += !strcmp(k.phase, "updating");

    snprintf(world, sizeof world, "%s/world.json", s.dir);
    snprintf(trace, sizeof trace, "%s/restart.trace", s.dir);
    FILE *f = fopen(world, "w");
    ck_assert_ptr_nonnull(f);
    fputs(WORLD_JSON, f);
    fclose(f);
    const char *const again[] = { "--world", world, "--time-scale", "10000", "--trace", trace, NULL };
    ck_assert_msg(simproc_restart(&s, again) == 0, "%s: no restart on the state dir", what);
    check_restart(&s, &k, trace, what);
    simproc_cleanup(&s);
}

START_TEST(ufota_campaign_killed_at_random_moments)
{
    int trials = env_int("SARASIM_KILL9_TRIALS", SANITIZED ? 20 : 100);
    int seed = env_int("SARASIM_KILL9_SEED", 11);
    rng_state = 0x9E3779B97F4A7C15ULL ^ (uint64_t)seed;
    printf("kill -9 of a uFOTA campaign: %d trials, seed %d\n", trials, seed);
    int counts[NWINDOWS] = { 0 }, in_download = 0, in_install = 0;
    for (int i = 0; i < trials; i++)
        trial(i, counts, &in_download, &in_install);
    for (size_t w = 0; w < NWINDOWS; w++)
        printf("  %-24s %d kills\n", WINDOWS[w].name, counts[w]);
    printf("  fota.json said downloading %d times, updating %d times\n", in_download, in_install);
    if (trials >= 2 * (int)NWINDOWS) /* the test must have hit what it is about */
        ck_assert_msg(in_download > 0 && in_install > 0, "no kill mid-download (%d) or mid-install (%d)",
                      in_download, in_install);
}
END_TEST

/* ---- 2: mid-registration ------------------------------------------------- */

static void ctl_ok(simproc *s, const char *json) { ck_assert_msg(simproc_ctl_ok(s, json) == 0, "control %s", json); }

/* Start or restart frozen-fast: boot in 100 ms at scale 1, so the host can
 * set up before the client starts (9 s after boot). */
static const char *const SLOW_BOOT[] = { "--boot-time", "100ms", "--time-scale", "1", NULL };

static void expect_cmd(simproc *s, const char *cmd, const char *want)
{
    char *r = host_line(s, cmd);
    ck_assert_str_eq(r, want);
    free(r);
}

/* Poll until the first server's registration status is `status`. */
static int wait_reg_status(simproc *s, int status)
{
    long long deadline = wall_ms() + T_MS;
    while (wall_ms() < deadline) {
        cJSON *root;
        const cJSON *st = ctl_state(s, &root);
        const cJSON *srv = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                                                  cJSON_GetObjectItemCaseSensitive(st, "lwm2m"), "servers"), 0);
        int now = (int)num_at(srv, "status", NULL);
        cJSON_Delete(root);
        if (now == status)
            return 0;
    }
    return -1;
}

START_TEST(lwm2m_killed_mid_registration)
{
    simproc s;
    ck_assert_int_eq(simproc_start(&s, SLOW_BOOT), 0);
    ck_assert_int_eq(host_open(&s, 115200), 0);
    ck_assert_int_eq(host_wait_ready(&s, T_MS), 0);
    free(host_line(&s, "ATE0\r")); /* echoed or not */
    /* nothing answers the registration: it stays pending */
    ctl_ok(&s, "{\"cmd\":\"host\",\"name\":\"ucsplwm2m.services.u-blox.com\",\"unreachable\":true}");
    ck_assert_int_eq(simproc_set_time_scale(&s, "100"), 0);
    ck_assert_msg(wait_reg_status(&s, 2) == 0, "the registration never started");
    ck_assert_int_eq(simproc_set_time_scale(&s, SIM_FROZEN), 0);
    /* the host's NVM settings of the client, written mid-registration */
    expect_cmd(&s, "AT+ULWM2MWRITE=\"{\\\"bn\\\":\\\"/1/10/\\\",\\\"e\\\":[{\\\"n\\\":\\\"1\\\",\\\"v\\\":3600}]}\"\r",
               "\r\nOK\r\n");
    expect_cmd(&s, "AT+ULWM2MCONFIGEXT=1\r", "\r\nOK\r\n");
    ck_assert_int_eq(wait_reg_status(&s, 2), 0); /* still mid-registration */
    ck_assert_int_eq(simproc_kill(&s, SIGKILL), 128 + SIGKILL);

    cJSON_Delete(state_file(&s, "nvm.json")); /* the state dir loads */
    char trace[400];
    snprintf(trace, sizeof trace, "%s/restart.trace", s.dir);
    const char *const again[] = { "--boot-time", "100ms", "--time-scale", "1", "--trace", trace, NULL };
    ck_assert_int_eq(simproc_restart(&s, again), 0);
    ck_assert_int_eq(host_open(&s, 115200), 0);
    ck_assert_int_eq(host_wait_ready(&s, T_MS), 0);
    free(host_line(&s, "ATE0\r")); /* echoed or not */
    expect_cmd(&s, "AT+ULWM2MCONFIGEXT?\r", "\r\n+ULWM2MCONFIGEXT: 1\r\n\r\nOK\r\n");
    expect_cmd(&s, "AT+ULWM2MSTAT=1\r", "\r\nOK\r\n");
    ck_assert_int_eq(simproc_set_time_scale(&s, "100"), 0);
    /* the client registers again, with the lifetime the host wrote */
    ck_assert_int_eq(host_expect(&s, "\r\n+ULWM2MSTAT: 1,721,3\r\n", T_MS), 0);
    ck_assert_int_eq(simproc_set_time_scale(&s, SIM_FROZEN), 0);
    ck_assert_int_eq(host_sync(&s, T_MS), 0);
    expect_cmd(&s, "AT+ULWM2MREAD=\"/1/10/1\"\r",
               "\r\n+ULWM2MREAD: {\"bn\":\"/1/10/1/\",\"e\":[{\"n\":\"1\",\"v\":3600}]}\r\n"
               "\r\nOK\r\n");
    char *t = read_text(trace);
    ck_assert_ptr_nonnull(t);
    ck_assert_msg(strstr(t, "lwm2m server register ep=urn:imei:352835100012346 id=1 lt=3600"),
                  "the built-in server saw no registration with lt=3600");
    free(t);
    simproc_cleanup(&s);
}
END_TEST

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* the figures survive a failing child */
    Suite *su = suite_create("kill9");
    TCase *t = tcase_create("kill9");
    tcase_set_timeout(t, 280);
    tcase_add_test(t, lwm2m_killed_mid_registration);
    tcase_add_test(t, ufota_campaign_killed_at_random_moments);
    suite_add_tcase(su, t);
    SRunner *r = srunner_create(su);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
