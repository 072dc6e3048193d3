/* test_kill9.c - kill -9 of the live sarasim, then a restart on the same
 * state directory (issue 11's, issue 10's and issue 12's adversarial
 * conditions).
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
 *
 * 3. kill -9 during a package download and during +UFWINSTALL (issue 12),
 *    in turn, against a 450 kB delta made by sarasim-pkg and served from
 *    one directory on loopback by busybox httpd and by pyftpdlib
 *    (python3-pyftpdlib under /usr/bin/python3; the module finds both with
 *    --host).  Each trial starts a fresh module, brings the host up (PSD
 *    profile, the +UHTTP profile 0 or the +UFTP profile, passive, logged in
 *    with +UFTPC=1), sends the command on a frozen clock, reads the
 *    simulated second of its OK and kills at a seeded offset from it:
 *    scale 10000 until 20 simulated seconds before, then 100 (a download:
 *    0.13 s of wall time).  Every JSON file of the state dir must parse
 *    after the kill.
 *    (a) `AT+UHTTPC=0,100,"/delta.bin"` and `AT+UFTPC=100,"/delta.bin"`,
 *        one code path parameterised by the command (dl_kind), killed
 *        0-14 s after the OK (HTTP: the head comes at 0.7 s, the package is
 *        stored at 12.7 s by the Cat-M1 link model; FTP: SIZE, the passive
 *        data connection at 0.45 s, the package stored at 12.8 s).  After
 *        the restart the FOAT area holds nothing (+ULSTFILE=2: FILE NOT
 *        FOUND, the free space as before the download, no temp file left)
 *        or, when the trace says the exchange completed, the whole package
 *        (450000 bytes): docs/http.md and docs/ftp.md store the package only
 *        when the exchange completes, docs/filesystem.md streams it into a
 *        temp file removed at boot.  The host downloads again by the same
 *        command (the MD5 in +UUHTTPCR / +UUFTPCR = the served file's) -- a
 *        survivor is not fetched again -- and AT+UFWINSTALL ends on the new
 *        firmware.
 *    (b) AT+UFWINSTALL of the package downloaded by HTTP, killed in the
 *        reset and validation (0-3.45 s), the install (3.45-1502 s) or the
 *        finalisation and reboot (1502-1503.5 s), in turn.  firmware.json
 *        says which: no fw_update_mode (nothing written: the restarted
 *        module runs the old firmware, the package is still there, the host
 *        installs again), fw_update_mode (the install resumes at boot and
 *        ends on the new firmware with no host command, app note §6.1.1), or
 *        the new firmware (installed once, not again).  A kill while the
 *        control socket showed the install phase must find fw_update_mode.
 *        ATI9, the control socket and firmware.json agree at the end.
 *    Trials: SARASIM_KILL9_TRIALS (default 100: 34 HTTP, 33 FTP and 33
 *    +UFWINSTALL; 12 in a sanitizer build: 4 each), seed SARASIM_KILL9_SEED;
 *    about 0.78 s of wall time a trial, HTTP and FTP alike.  Seed 11 on the
 *    reference machine: HTTP 3 kills before the head, 28 mid-body, 3 after
 *    the package was stored; FTP 0 before the data connection, 32 mid-body,
 *    1 after; +UFWINSTALL 11 before the flash was written, 14 while
 *    writing, 8 after; 78 s for the 100.
 */
#include <check.h>
#include <dirent.h>
#include <openssl/evp.h>
#include <signal.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "peers.h"
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

/* A stretch of simulated time a kill moment is drawn from. */
typedef struct kill_window {
    const char *name;
    double from, to;
} kill_window;

/* Windows of the campaign on the simulated clock (ufota_campaign.json at the
 * default timings): each trial draws its kill moment from the next one. */
static const kill_window WINDOWS[] = {
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

/* SARASIM_KILL9_TRIALS (default `dflt`) trials from SARASIM_KILL9_SEED
 * (default 11): the generator seeded, the figures announced. */
static int seeded_trials(int dflt, const char *what)
{
    int trials = env_int("SARASIM_KILL9_TRIALS", dflt);
    int seed = env_int("SARASIM_KILL9_SEED", 11);
    rng_state = 0x9E3779B97F4A7C15ULL ^ (uint64_t)seed;
    printf("kill -9 %s: %d trials, seed %d\n", what, trials, seed);
    return trials;
}

static double rng_in(const kill_window *w) { return w->from + rng_unit() * (w->to - w->from); }

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
    double target = rng_in(&WINDOWS[w]);
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
    int trials = seeded_trials(SANITIZED ? 20 : 100, "of a uFOTA campaign");
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

/* ---- 3: a +UHTTPC=0,100 download and +UFWINSTALL ------------------------ */

#define PKG_HOST "pkg.example.test"
#define FAST "10000" /* the install's 25 minutes in 0.15 s of wall time */
#define NEAR "100"   /* the last 20 simulated seconds before a kill; downloads */
#define NEAR_S 20.0

#define PYTHON "/usr/bin/python3" /* Debian's modules load only under it */
#define FTP_USER "u"
#define FTP_PASS "p"

/* The package's delta, made by sarasim-pkg (docs/packages.md) and served
 * from one directory on loopback for every trial by busybox httpd and by
 * pyftpdlib. */
typedef struct pkg_server {
    char work[64];  /* the traces of a trial, www/ and the FTP server's log */
    char www[80];
    pid_t pid;      /* busybox httpd */
    int port;
    pid_t ftpd;     /* pyftpdlib */
    int ftp_port;
    char ftp_log[96];
    char md5[33]; /* of the served file */
} pkg_server;

static void md5_of_file(const char *path, char out[33])
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ck_assert_int_eq(EVP_DigestInit_ex(md, EVP_md5(), NULL), 1);
    unsigned char buf[16384], d[EVP_MAX_MD_SIZE];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(md, buf, n);
    fclose(f);
    unsigned dn = 0;
    EVP_DigestFinal_ex(md, d, &dn);
    EVP_MD_CTX_free(md);
    for (unsigned i = 0; i < 16 && i < dn; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* pyftpdlib (python3-pyftpdlib) on the same www/, read-only, one user. */
static void ftp_server_start(pkg_server *ps)
{
    ck_assert_msg(access(PYTHON, X_OK) == 0 && system(PYTHON " -c 'import pyftpdlib' 2>/dev/null") == 0,
                  "python3-pyftpdlib is not installed (tools/deps.sh test installs it)");
    snprintf(ps->ftp_log, sizeof ps->ftp_log, "%s/ftpd.log", ps->work);
    ps->ftp_port = peer_free_port_pair();
    ck_assert_int_gt(ps->ftp_port, 0);
    char port[16];
    snprintf(port, sizeof port, "%d", ps->ftp_port);
    const char *const argv[] = { PYTHON, "-m", "pyftpdlib", "-i", "127.0.0.1", "-p", port,
                                 "-d", ps->www, "-u", FTP_USER, "-P", FTP_PASS, NULL };
    ps->ftpd = peer_spawn(argv, ps->ftp_log);
    ck_assert_int_gt(ps->ftpd, 0);
    if (peer_wait_tcp_listening(ps->ftp_port, T_MS)) {
        char *log = peer_read_log(ps->ftp_log);
        ck_abort_msg("pyftpdlib never listened on %d: %s", ps->ftp_port, log ? log : "(no log)");
    }
}

static void pkg_server_start(pkg_server *ps)
{
    ck_assert_msg(peer_available("busybox"), "busybox not installed (tools/deps.sh test)");
    snprintf(ps->work, sizeof ps->work, "/tmp/sarasim-k9-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(ps->work));
    snprintf(ps->www, sizeof ps->www, "%s/www", ps->work);
    ck_assert_int_eq(mkdir(ps->www, 0700), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/delta.bin", ps->www);
    ck_assert_int_eq(peer_package_create(path, "delta", OLD_FW, NEW_FW, PKG_SIZE), 0);
    md5_of_file(path, ps->md5);
    ps->pid = peer_httpd_start(ps->www, &ps->port, T_MS);
    ck_assert_msg(ps->pid > 0, "busybox httpd did not start");
    ftp_server_start(ps);
}

static void pkg_server_stop(pkg_server *ps)
{
    peer_stop(ps->pid);
    peer_stop(ps->ftpd);
    char cmdline[128];
    snprintf(cmdline, sizeof cmdline, "rm -rf %s", ps->work);
    ck_assert_int_eq(system(cmdline), 0);
}

/* sarasim on the package host, booting in 500 ms at `scale`, its AT trace
 * in a fresh <work>/<trace> (its path in trace[400]); a restart on the
 * state dir of *s when `again`. */
static void launch(simproc *s, int again, const pkg_server *ps, const char *trace_name, const char *scale,
                   char trace[400])
{
    snprintf(trace, 400, "%s/%s", ps->work, trace_name);
    unlink(trace);
    const char *const args[] = { "--host", PKG_HOST "=127.0.0.1", "--boot-time", "500ms", "--time-scale", scale,
                                 "--trace", trace, NULL };
    ck_assert_msg((again ? simproc_restart(s, args) : simproc_start(s, args)) == 0, "sarasim did not %s",
                  again ? "restart on the state dir" : "start");
}

/* HTTP profile 0 at the package host. */
static void http_profile(simproc *s, const pkg_server *ps)
{
    expect_cmd(s, "AT+UHTTP=0,1,\"" PKG_HOST "\"\r", "\r\nOK\r\n");
    char line[64];
    snprintf(line, sizeof line, "AT+UHTTP=0,5,%d\r", ps->port);
    expect_cmd(s, line, "\r\nOK\r\n");
}

/* The FTP profile at the package host, passive, no inactivity timeout (the
 * clock runs at 10000 in an install), and logged in (docs/ftp.md). */
static void ftp_profile(simproc *s, const pkg_server *ps)
{
    char line[64];
    snprintf(line, sizeof line, "AT+UFTP=7,%d\r", ps->ftp_port);
    expect_cmd(s, "AT+UFTP=1,\"" PKG_HOST "\"\r", "\r\nOK\r\n");
    expect_cmd(s, line, "\r\nOK\r\n");
    expect_cmd(s, "AT+UFTP=2,\"" FTP_USER "\";+UFTP=3,\"" FTP_PASS "\";+UFTP=5,0;+UFTP=6,1\r", "\r\nOK\r\n");
    expect_cmd(s, "AT+UFTPC=1\r", "\r\nOK\r\n");
    ck_assert_msg(host_expect(s, "\r\n+UUFTPCR: 1,1\r\n", T_MS) == 0, "no FTP login");
}

/* A way the host fetches the package into the FOAT area. */
typedef struct dl_kind {
    const char *name;
    void (*profile)(simproc *s, const pkg_server *ps); /* after every (re)start: profiles are volatile */
    const char *cmd;
    const char *done_urc;  /* its outcome, %s: the md5 */
    const char *body_mark; /* trace: the package's bytes may be arriving */
    const char *done_mark; /* trace: the exchange completed, the package stored */
    double window_s;       /* kills land 0..window_s s after the OK */
} dl_kind;

/* 450 kB at the Cat-M1 link model: the head 0.7 s after the command, the
 * package stored at 12.7 s (HTTP), the data connection at 0.45 s and the
 * package stored at 12.8 s (FTP, at scale 100 with pyftpdlib answering in
 * wall time); a few kills land after that. */
static const dl_kind HTTP_DL = { "+UHTTPC=0,100", http_profile, "AT+UHTTPC=0,100,\"/delta.bin\"\r",
                                 "\r\n+UUHTTPCR: 0,100,1,200,\"%s\"\r\n", "head status=200",
                                 "http done profile=0 cmd=100 result=1", 14.0 };
static const dl_kind FTP_DL = { "+UFTPC=100", ftp_profile, "AT+UFTPC=100,\"/delta.bin\"\r",
                                "\r\n+UUFTPCR: 100,1,\"%s\"\r\n", "ftp data connect", "ftp done op=100 result=1",
                                14.0 };

/* The host's bring-up: AT, echo off, verbose errors, attached, the PSD
 * profile active, the download's profile (again after every restart).  The
 * module's free space. */
static long host_bring_up(simproc *s, const pkg_server *ps, const dl_kind *kind)
{
    ck_assert_int_eq(host_open(s, 115200), 0);
    ck_assert_int_eq(host_wait_ready(s, T_MS), 0);
    free(host_line(s, "ATE0\r")); /* echoed or not */
    expect_cmd(s, "AT+CMEE=2\r", "\r\nOK\r\n");
    ck_assert_int_eq(host_poll(s, "AT+CGATT?\r", "+CGATT: 1\r\n", T_MS), 0);
    ck_assert_int_eq(host_sync(s, T_MS), 0);
    expect_cmd(s, "AT+UPSD=0,100,1\r", "\r\nOK\r\n");
    expect_cmd(s, "AT+UPSDA=0,3\r", "\r\nOK\r\n");
    ck_assert_int_eq(host_expect(s, "+UUPSDA: 0,\"", T_MS), 0);
    ck_assert_int_eq(host_expect(s, "\"\r\n", T_MS), 0);
    kind->profile(s, ps);
    char *r = host_line(s, "AT+ULSTFILE=1\r");
    long free_bytes = -1;
    ck_assert_msg(sscanf(r, "\r\n+ULSTFILE: %ld", &free_bytes) == 1, "%s", r);
    free(r);
    return free_bytes;
}

/* The package's size in the FOAT area from +ULSTFILE, or -1 when it is not
 * there (FILE NOT FOUND: docs/filesystem.md). */
static long foat_package_size(simproc *s)
{
    char *r = host_line(s, "AT+ULSTFILE=2,\"updatePackage.bin\",\"FOAT\"\r");
    long size = -1;
    if (strcmp(r, "\r\n+CME ERROR: FILE NOT FOUND\r\n"))
        ck_assert_msg(sscanf(r, "\r\n+ULSTFILE: %ld\r\n\r\nOK\r\n", &size) == 1, "+ULSTFILE answered %s", r);
    free(r);
    return size;
}

/* The download to its end: the package is stored whole, with its MD5. */
static void download(simproc *s, const pkg_server *ps, const dl_kind *kind)
{
    expect_cmd(s, kind->cmd, "\r\nOK\r\n");
    char urc[96];
    snprintf(urc, sizeof urc, kind->done_urc, ps->md5);
    ck_assert_msg(host_expect(s, urc, T_MS) == 0, "no %s", urc);
    ck_assert_int_eq(foat_package_size(s), PKG_SIZE);
}

/* Send `cmd` on a frozen clock: the simulated second its OK came. */
static double frozen_start(simproc *s, const char *cmd)
{
    ck_assert_int_eq(simproc_set_time_scale(s, SIM_FROZEN), 0);
    expect_cmd(s, cmd, "\r\nOK\r\n");
    cJSON *root;
    double t0 = num_at(ctl_state(s, &root), "sim_time_s", NULL);
    cJSON_Delete(root);
    ck_assert_msg(t0 >= 0, "no time after %s", cmd);
    return t0;
}

/* Run to `target` and SIGKILL: fast, then at NEAR for the last NEAR_S
 * simulated seconds, so the kill lands close to its target without the
 * whole run going slowly.  seen[]: the last "<ufota>/<fwupd>" phases the
 * control socket reported before the kill. */
static void kill_at(simproc *s, double target, const char *what, char seen[64])
{
    cJSON *root;
    double now = num_at(ctl_state(s, &root), "sim_time_s", NULL);
    cJSON_Delete(root);
    if (target - now > 2 * NEAR_S) {
        ck_assert_int_eq(simproc_set_time_scale(s, FAST), 0);
        ck_assert_msg(run_until(s, target - NEAR_S, seen, 64) == 0, "%s: stopped answering", what);
    }
    ck_assert_int_eq(simproc_set_time_scale(s, NEAR), 0);
    ck_assert_msg(run_until(s, target, seen, 64) == 0, "%s: stopped answering", what);
    ck_assert_int_eq(simproc_kill(s, SIGKILL), 128 + SIGKILL);
}

/* The state dir right after the kill loads: every JSON file of it parses
 * (state_file fails the test otherwise), the firmware is one of the two. */
static void check_killed_state_dir(const simproc *s, killed *k)
{
    DIR *d = opendir(s->state);
    ck_assert_ptr_nonnull(d);
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 5 && !strcmp(e->d_name + n - 5, ".json"))
            cJSON_Delete(state_file(s, e->d_name));
    }
    closedir(d);
    read_killed(s, k);
}

/* Whether the restarted file system kept a temp file of the download. */
static int fs_temp_files(const simproc *s)
{
    char cmdline[400];
    snprintf(cmdline, sizeof cmdline, "ls '%s/fs' 2>/dev/null | grep -q '\\.tmp$'", s->state);
    return system(cmdline) == 0;
}

/* The module settled on `fw` (an install may run first: the command's OK
 * comes before it starts), the host's ATI9 and firmware.json agree. */
static void check_firmware(simproc *s, const char *fw, const char *what)
{
    long long deadline = wall_ms() + SETTLE_MS;
    char now[32] = "";
    while (strcmp(now, fw) && wall_ms() < deadline) {
        cJSON *root = NULL;
        const cJSON *st = settle(s, &root);
        ck_assert_msg(st != NULL, "%s: never settled", what);
        snprintf(now, sizeof now, "%s", str_at(st, "firmware", NULL));
        cJSON_Delete(root);
    }
    ck_assert_msg(!strcmp(now, fw), "%s: the module runs %s, not %s", what, now, fw);
    if (s->fd < 0)
        ck_assert_int_eq(host_open(s, 115200), 0);
    ck_assert_int_eq(host_wait_ready(s, T_MS), 0);
    free(host_line(s, "ATE0\r")); /* echoed or not: a new firmware starts from factory settings */
    char want[96];
    snprintf(want, sizeof want, "\r\n%s\r\n\r\nOK\r\n", fw);
    expect_cmd(s, "ATI9\r", want);
    cJSON *fwj = state_file(s, "firmware.json");
    ck_assert_ptr_nonnull(fwj);
    ck_assert_str_eq(str_at(fwj, "installed", NULL), fw);
    ck_assert_msg(!cJSON_GetObjectItemCaseSensitive(fwj, "fw_update_mode"), "%s: install still pending", what);
    cJSON_Delete(fwj);
}

/* AT+UFWINSTALL of the stored package, to the new firmware. */
static void install(simproc *s, const char *what)
{
    expect_cmd(s, "AT+UFWINSTALL\r", "\r\nOK\r\n");
    ck_assert_int_eq(simproc_set_time_scale(s, FAST), 0);
    check_firmware(s, NEW_FW, what);
}

/* Where the kills of one download kind landed. */
typedef struct dl_tally {
    int trials;
    int before_body; /* killed before the response's head / the data connection */
    int mid_body;    /* ... while the body streamed in */
    int temp_left;   /* ... with bytes in the file system's temp file */
    int complete;    /* ... after the package was stored */
} dl_tally;

typedef struct dl_counts {
    dl_tally http, ftp; /* (a) */
    int installs;       /* (b) */
    int not_written;    /* ... killed before the flash was written */
    int writing;        /* ... while it was (fw_update_mode) */
    int installed;      /* ... after the new firmware was recorded */
} dl_counts;

/* (a) kill -9 during a download into the FOAT area; the restarted module
 * has either no package or the whole one (docs/http.md, docs/ftp.md:
 * nothing is stored until the exchange completes, a power cut leaves
 * nothing; docs/filesystem.md: a download only ever touches its temp file,
 * removed at boot); the host downloads again and installs. */
static void download_trial(int i, const pkg_server *ps, const dl_kind *kind, dl_tally *c)
{
    simproc s;
    char trace[400], what[160];
    launch(&s, 0, ps, "killed.trace", NEAR, trace);
    long free0 = host_bring_up(&s, ps, kind);
    double offset = rng_unit() * kind->window_s;
    double t0 = frozen_start(&s, kind->cmd);
    snprintf(what, sizeof what, "%s trial %d (+%.2f s)", kind->name, i, offset);
    char seen[64] = "";
    kill_at(&s, t0 + offset, what, seen);
    killed k;
    check_killed_state_dir(&s, &k);
    ck_assert_str_eq(k.installed, OLD_FW);
    char *t = read_text(trace);
    ck_assert_ptr_nonnull(t);
    int head = strstr(t, kind->body_mark) != NULL;
    int done = strstr(t, kind->done_mark) != NULL;
    free(t);
    int temp = fs_temp_files(&s);
    c->trials++;
    c->before_body += !head;
    c->mid_body += head && !done;
    c->temp_left += temp;
    c->complete += done;
    if (getenv("SARASIM_KILL9_VERBOSE"))
        printf("  %s: head %d done %d temp %d\n", what, head, done, temp);

    launch(&s, 1, ps, "restart.trace", NEAR, trace);
    long free1 = host_bring_up(&s, ps, kind);
    long size = foat_package_size(&s);
    ck_assert_msg(!fs_temp_files(&s), "%s: a temp file survived the boot", what);
    if (done) /* stored before the kill: it stays, whole */
        ck_assert_msg(size == PKG_SIZE, "%s: the stored package reads %ld bytes", what, size);
    /* a package cut short is not there at all, and takes no space */
    ck_assert_msg(size == -1 || size == PKG_SIZE, "%s: a package of %ld bytes after the kill", what, size);
    if (size == -1)
        ck_assert_msg(free1 == free0, "%s: %ld bytes free, %ld before the download", what, free1, free0);
    else
        ck_assert_msg(free1 < free0, "%s: the package takes no space", what);
    /* the host fetches it again (a survivor installs as it is: it is whole) */
    if (size == -1)
        download(&s, ps, kind);
    install(&s, what);
    simproc_cleanup(&s);
}

/* Windows of an +UFWINSTALL of the 450 kB delta after its OK (docs/fwinstall.md,
 * docs/timing.md): the reset (2 s) and the validation (1.45 s), the install
 * (to 1502 s: 25 minutes with the validation), the finalisation (0.5 s) and
 * the reboot (--boot-time 500ms). */
static const kill_window FW_WINDOWS[] = {
    { "reset/validation", 0, 3.45 },
    { "install", 3.45, 1502 },
    { "finalise/reboot", 1502, 1503.5 },
};
#define NFW_WINDOWS (sizeof FW_WINDOWS / sizeof FW_WINDOWS[0])

/* (b) kill -9 during +UFWINSTALL: nothing written yet, the old firmware
 * boots with the package still there and the host installs again; once
 * writing started the install resumes at boot (app note §6.1.1); after it,
 * the new firmware.  Never the new version before the install ended. */
static void install_trial(int i, const pkg_server *ps, dl_counts *c)
{
    simproc s;
    char trace[400], what[160];
    launch(&s, 0, ps, "killed.trace", NEAR, trace);
    host_bring_up(&s, ps, &HTTP_DL);
    download(&s, ps, &HTTP_DL);
    size_t w = (size_t)c->installs % NFW_WINDOWS;
    double offset = rng_in(&FW_WINDOWS[w]);
    double t0 = frozen_start(&s, "AT+UFWINSTALL\r");
    snprintf(what, sizeof what, "install trial %d (%s, +%.2f s)", i, FW_WINDOWS[w].name, offset);
    char seen[64] = "";
    kill_at(&s, t0 + offset, what, seen);
    killed k;
    check_killed_state_dir(&s, &k);
    cJSON *fwj = state_file(&s, "firmware.json");
    int writing = cJSON_GetObjectItemCaseSensitive(fwj, "fw_update_mode") != NULL;
    cJSON_Delete(fwj);
    int installed = !strcmp(k.installed, NEW_FW);
    /* the flash is marked before the install writes it (and the phase shows) */
    const char *fw_phase = strchr(seen, '/');
    ck_assert_msg(!fw_phase || strcmp(fw_phase, "/install") || writing || installed,
                  "%s: killed while installing, firmware.json has no fw_update_mode", what);
    c->installs++;
    c->writing += writing;
    c->installed += installed;
    c->not_written += !writing && !installed;
    if (getenv("SARASIM_KILL9_VERBOSE"))
        printf("  %s: writing %d installed %d\n", what, writing, installed);

    /* a resumed install takes its 25 minutes again */
    launch(&s, 1, ps, "restart.trace", FAST, trace);
    char *t;
    if (!writing && !installed) {
        /* the old firmware, the package where it was: the host installs */
        check_firmware(&s, OLD_FW, what);
        t = read_text(trace);
        ck_assert_msg(t && !strstr(t, "fwupd installed"), "%s: installed without being asked", what);
        free(t);
        ck_assert_int_eq(simproc_set_time_scale(&s, NEAR), 0);
        expect_cmd(&s, "AT+CMEE=2\r", "\r\nOK\r\n");
        ck_assert_int_eq(foat_package_size(&s), PKG_SIZE);
        install(&s, what);
    } else {
        check_firmware(&s, NEW_FW, what);
        t = read_text(trace);
        ck_assert_ptr_nonnull(t);
        if (writing) /* the install ran again from the validation at boot */
            ck_assert_msg(strstr(t, "fwupd stored install method=ufwinstall") &&
                              strstr(t, "fwupd installed version=" NEW_FW),
                          "%s: the install did not resume at boot", what);
        else /* recorded before the kill: nothing runs again */
            ck_assert_msg(!strstr(t, "fwupd stored install"), "%s: installed twice", what);
        free(t);
    }
    simproc_cleanup(&s);
}

static void print_tally(const dl_kind *kind, const dl_tally *t)
{
    printf("  %s: %d kills, %d before the body, %d mid-body (%d left a temp file), %d after it was stored\n",
           kind->name, t->trials, t->before_body, t->mid_body, t->temp_left, t->complete);
}

START_TEST(download_and_fwinstall_killed_at_random_moments)
{
    int trials = seeded_trials(SANITIZED ? 12 : 100, "during +UHTTPC=0,100, +UFTPC=100 and +UFWINSTALL");
    pkg_server ps;
    pkg_server_start(&ps);
    dl_counts c = { 0 };
    long long t_start = wall_ms();
    for (int i = 0; i < trials; i++) {
        if (i % 3 == 0)
            download_trial(i, &ps, &HTTP_DL, &c.http);
        else if (i % 3 == 1)
            download_trial(i, &ps, &FTP_DL, &c.ftp);
        else
            install_trial(i, &ps, &c);
    }
    pkg_server_stop(&ps);
    print_tally(&HTTP_DL, &c.http);
    print_tally(&FTP_DL, &c.ftp);
    printf("  +UFWINSTALL: %d kills, %d before the flash was written, %d while writing, %d after\n", c.installs,
           c.not_written, c.writing, c.installed);
    printf("  %lld ms of wall time\n", wall_ms() - t_start);
    if (trials >= 12) /* the test must have hit what it is about */
        ck_assert_msg(c.http.mid_body > 0 && c.ftp.mid_body > 0 && c.not_written > 0 && c.writing > 0,
                      "no kill mid-body (HTTP %d, FTP %d), before writing (%d) or while writing (%d)",
                      c.http.mid_body, c.ftp.mid_body, c.not_written, c.writing);
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
    TCase *d = tcase_create("download");
    tcase_set_timeout(d, 280);
    tcase_add_test(d, download_and_fwinstall_killed_at_random_moments);
    suite_add_tcase(su, d);
    SRunner *r = srunner_create(su);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
