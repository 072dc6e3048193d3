/* bench_download.c - the module fetching a firmware package, against a
 * plain client in the same run, and the link model's account of it.
 *
 * HTTP (issue 12):
 * 1. 4.5 MiB by AT+UHTTPC=0,100 from busybox httpd on loopback, with the
 *    link model off (sarasim --link off --fs-size 8M): from the command to
 *    +UUHTTPCR, the package MD5'd and stored (fsync'd) in the FOAT area,
 *    against curl fetching the same file from the same server to /dev/null
 *    (process start included), rounds alternating so both see the same load
 *    on the shared machine.  Verdict: the median per-round ratio sarasim /
 *    curl (issue 12 aims for <= 3).
 * 2. The same 4.5 MiB on the virtual clock through the LTE-M link model
 *    (in process, a simulated HTTP server): the simulated duration against
 *    size x 8 / rate + latency, within 2 %.
 *
 * usage: bench_download [-r ROUNDS]          (figures: docs/bench.md)
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/http_service.h"
#include "harness/networld.h"
#include "peers.h"
#include "ptyhost.h"
#include "sim/modem.h"

#define PKG_SIZE (4608u * 1024) /* 4.5 MiB: the app note's typical full image */
#define IO_MS 60000             /* bounds a broken run */

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

static void md5_hex(const uint8_t *p, size_t n, char out[33])
{
    unsigned char d[16];
    unsigned dn;
    EVP_Digest(p, n, d, &dn, EVP_md5(), NULL);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---------------- 1. live, against curl ---------------- */

typedef struct server {
    char dir[64];
    int port;
    pid_t pid;
    char md5[33];
} server;

static int server_start(server *sv)
{
    snprintf(sv->dir, sizeof(sv->dir), "/tmp/sarasim-bench-www-XXXXXX");
    if (!mkdtemp(sv->dir))
        return -1;
    uint8_t *pkg = malloc(PKG_SIZE);
    uint32_t x = 2463534242u; /* xorshift: every byte value */
    for (size_t i = 0; i < PKG_SIZE; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        pkg[i] = (uint8_t)x;
    }
    md5_hex(pkg, PKG_SIZE, sv->md5);
    char path[128];
    snprintf(path, sizeof(path), "%s/pkg.bin", sv->dir);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(pkg, 1, PKG_SIZE, f) == PKG_SIZE;
    if (f)
        fclose(f);
    free(pkg);
    sv->port = peer_free_port_pair();
    if (!ok || sv->port < 0)
        return -1;
    char listen[32];
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", sv->port);
    const char *const argv[] = { "busybox", "httpd", "-f", "-p", listen, "-h", sv->dir, NULL };
    sv->pid = peer_spawn(argv, NULL);
    return sv->pid > 0 && !peer_wait_tcp_listening(sv->port, 10000) ? 0 : -1;
}

static void server_stop(server *sv)
{
    peer_stop(sv->pid);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", sv->dir);
    if (system(cmd))
        fprintf(stderr, "bench: could not remove %s\n", sv->dir);
}

/* curl -s -o /dev/null URL: wall seconds, or -1. */
static double curl_round(const server *sv)
{
    char url[96];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/pkg.bin", sv->port);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        execlp("curl", "curl", "-s", "-f", "-o", "/dev/null", url, (char *)NULL);
        _exit(127);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
        return -1;
    return now_s() - t0;
}

static int expect_ok(simproc *s, const char *line)
{
    char *r = host_cmd(s, line, IO_MS);
    int ok = r && !strcmp(r, "\r\nOK\r\n");
    if (!ok)
        fprintf(stderr, "bench: %s answered \"%s\"\n", line, r ? r : "(timeout)");
    free(r);
    return ok ? 0 : -1;
}

static int module_up(simproc *s, const server *sv)
{
    if (host_open(s, 115200) || host_wait_ready(s, 10000))
        return -1;
    free(host_cmd(s, "ATE0\r", 5000));
    double deadline = now_s() + 10;
    for (;;) {
        char *r = host_cmd(s, "AT+CGATT?\r", 5000);
        int attached = r && strstr(r, "+CGATT: 1");
        free(r);
        if (attached)
            break;
        if (now_s() > deadline)
            return -1;
        usleep(20000);
    }
    char line[64];
    snprintf(line, sizeof(line), "AT+UHTTP=0,5,%d\r", sv->port);
    if (expect_ok(s, "AT+UPSD=0,100,1\r") || expect_ok(s, "AT+UPSDA=0,3\r") ||
        host_expect(s, "+UUPSDA: 0,", 5000) || host_expect(s, "\r\n", 5000) ||
        expect_ok(s, "AT+UHTTP=0,1,\"web.test\"\r") || expect_ok(s, line))
        return -1;
    return 0;
}

/* AT+UHTTPC=0,100 to its URC (with the right MD5): wall seconds, or -1. */
static double module_round(simproc *s, const server *sv)
{
    char urc[96];
    snprintf(urc, sizeof(urc), "\r\n+UUHTTPCR: 0,100,1,200,\"%s\"\r\n", sv->md5);
    double t0 = now_s();
    if (expect_ok(s, "AT+UHTTPC=0,100,\"/pkg.bin\"\r") || host_expect(s, urc, IO_MS)) {
        fprintf(stderr, "bench: no %s", urc + 2);
        return -1;
    }
    return now_s() - t0;
}

typedef struct live_figures {
    double best_module, best_curl, median_ratio, median_module, median_curl;
} live_figures;

static int bench_live(int rounds, live_figures *fg)
{
    server sv = { .pid = -1 };
    simproc s = { .pid = -1, .fd = -1 };
    int rc = -1;
    double *ratios = calloc((size_t)rounds, sizeof(double));
    double *mods = calloc((size_t)rounds, sizeof(double));
    double *curls = calloc((size_t)rounds, sizeof(double));
    if (!peer_available("busybox") || !peer_available("curl")) {
        fprintf(stderr, "bench: needs busybox and curl (apt-get install busybox curl)\n");
        goto out;
    }
    if (server_start(&sv)) {
        fprintf(stderr, "bench: cannot start busybox httpd\n");
        goto out;
    }
    static const char *const args[] = { "--boot-time", "100ms", "--time-scale", "100", "--link", "off",
                                        "--fs-size", "8M", "--host", "web.test=127.0.0.1", NULL };
    if (simproc_start(&s, args) || module_up(&s, &sv)) {
        fprintf(stderr, "bench: cannot bring sarasim up\n");
        goto out;
    }
    fg->best_module = fg->best_curl = 1e9;
    for (int i = 0; i < rounds; i++) {
        double tm = module_round(&s, &sv), tc = curl_round(&sv);
        if (tm < 0 || tc < 0)
            goto out;
        fg->best_module = tm < fg->best_module ? tm : fg->best_module;
        fg->best_curl = tc < fg->best_curl ? tc : fg->best_curl;
        ratios[i] = tm / tc;
        mods[i] = tm;
        curls[i] = tc;
    }
    qsort(ratios, (size_t)rounds, sizeof(double), cmp_double);
    qsort(mods, (size_t)rounds, sizeof(double), cmp_double);
    qsort(curls, (size_t)rounds, sizeof(double), cmp_double);
    fg->median_ratio = ratios[rounds / 2];
    fg->median_module = mods[rounds / 2];
    fg->median_curl = curls[rounds / 2];
    rc = 0;
out:
    if (s.pid > 0)
        simproc_cleanup(&s);
    if (sv.pid > 0)
        server_stop(&sv);
    free(ratios);
    free(mods);
    free(curls);
    return rc;
}

/* ---------------- 2. the link model ---------------- */

typedef struct sim {
    clk clock;
    modem *m;
    networld *w;
    bytebuf out;
} sim;

static void sim_sink(void *ctx, int port, const uint8_t *p, size_t n)
{
    sim *k = ctx;
    if (port == 0)
        bytebuf_append(&k->out, p, n);
}

static void sim_send(sim *k, const char *s) { modem_host_write(k->m, 0, (const uint8_t *)s, strlen(s)); }

static void sim_run(sim *k, sim_ns d) { clk_advance(&k->clock, clk_now(&k->clock) + d); }

/* Run until `what` was said (or limit): 0 if it was. */
static int sim_until(sim *k, const char *what, sim_ns limit)
{
    sim_ns end = clk_now(&k->clock) + limit;
    while (!(k->out.data && strstr((const char *)k->out.data, what))) {
        sim_ns next = clk_next_due(&k->clock);
        if (next > end)
            return -1;
        clk_advance(&k->clock, next);
    }
    return 0;
}

/* Simulated seconds of AT+UHTTPC=0,100 over Cat-M1, and the link's figure. */
static int bench_link(double *took, double *want)
{
    char json[160], err[256];
    snprintf(json, sizeof(json), "{\"tcp\": 80, \"serve\": \"http\", \"files\": {\"/pkg.bin\": {\"generate\": %u}}}",
             PKG_SIZE);
    nw_service_cfg svc;
    if (http_service_from_json(json, &svc, err, sizeof(err))) {
        fprintf(stderr, "bench: %s\n", err);
        return -1;
    }
    sim k = { 0 };
    bytebuf_init(&k.out);
    clk_init(&k.clock, 0);
    nw_host_cfg host = { (char *)"web.test", 0, NULL, &svc, 1, { 0 } };
    nw_config cfg = { &host, 1 };
    int rc = networld_create(&k.w, &k.clock, &cfg, NULL);
    svc.ops->destroy(svc.svc);
    modem_config mc = { 0 };
    device_cfg_default(&mc.dev);
    mc.dev.fs_capacity = 8u << 20;
    mc.world = networld_ops(k.w);
    modem_io io = { sim_sink, NULL, &k, NULL };
    if (rc || modem_create(&k.m, &k.clock, &mc, &io, err, sizeof(err)))
        return -1;
    networld_attach(k.w, k.m);
    modem_set_host_rate(k.m, 0, 115200);
    modem_power_on(k.m);
    sim_run(&k, SIM_S(9)); /* booted and registered */
    sim_send(&k, "ATE0;+UPSD=0,100,1;+UPSDA=0,3\r");
    rc = sim_until(&k, "+UUPSDA: 0,", SIM_S(5));
    sim_send(&k, "AT+UHTTP=0,1,\"web.test\"\r");
    sim_run(&k, 0);
    bytebuf_clear(&k.out);
    sim_ns t0 = clk_now(&k.clock);
    sim_send(&k, "AT+UHTTPC=0,100,\"/pkg.bin\"\r");
    if (!rc)
        rc = sim_until(&k, "+UUHTTPCR: 0,100,1,200,", SIM_S(600));
    *took = (double)(clk_now(&k.clock) - t0) / 1e9;
    link_cfg l[LINK__COUNT];
    link_cfg_default(l);
    *want = (double)PKG_SIZE * 8 / (double)l[LINK_M1].down_bps + (double)l[LINK_M1].latency / 1e9;
    modem_destroy(k.m);
    networld_destroy(k.w);
    clk_free(&k.clock);
    bytebuf_free(&k.out);
    return rc;
}

int main(int argc, char **argv)
{
    int rounds = 7;
    int opt;
    while ((opt = getopt(argc, argv, "r:")) != -1) {
        if (opt == 'r' && atoi(optarg) > 0)
            rounds = atoi(optarg);
        else {
            fprintf(stderr, "usage: bench_download [-r ROUNDS]\n");
            return 2;
        }
    }
    int failed = 0;
    live_figures lf;
    printf("HTTP: 4.5 MiB (%u bytes) by AT+UHTTPC=0,100 from busybox httpd on loopback, link model off\n",
           PKG_SIZE);
    if (bench_live(rounds, &lf)) {
        failed = 1;
    } else {
        printf("  sarasim  command to +UUHTTPCR (MD5, stored, fsync'd): best %.1f ms, median %.1f ms (%.0f MB/s)\n",
               lf.best_module * 1e3, lf.median_module * 1e3, PKG_SIZE / lf.median_module / 1e6);
        printf("  curl     to /dev/null, process start included:       best %.1f ms, median %.1f ms (%.0f MB/s)\n",
               lf.best_curl * 1e3, lf.median_curl * 1e3, PKG_SIZE / lf.median_curl / 1e6);
        printf("  ratio sarasim / curl, median of %d paired rounds: %.2f (goal <= 3)\n", rounds, lf.median_ratio);
    }
    double took, want;
    printf("HTTP: the same by AT+UHTTPC=0,100 through the LTE-M link model (virtual clock)\n");
    if (bench_link(&took, &want)) {
        failed = 1;
    } else {
        double err = (took - want) / want * 100;
        printf("  simulated %.3f s; size x 8 / 300 kbit/s + 50 ms = %.3f s; %+.2f %% (goal within 2 %%)\n", took, want,
               err);
        failed |= err > 2 || err < -2;
    }
    return failed;
}
