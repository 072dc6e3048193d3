/* bench_sock.c - the data plane's cost and the link model's accuracy.
 *
 * 1. Throughput over the PTY (link model off): 1 MB echoed by a socat TCP
 *    echo server on loopback, 512 bytes at a time, written with HEX
 *    +USOWR and read back with HEX +USORD by a host on sarasim's PTY,
 *    against the same 1 MB in the same 512-byte write-then-read pattern
 *    sent straight to the echo server over a loopback socket, in the same
 *    run.  The ratio is the cost of the AT commands, their HEX framing and
 *    the simulator (issue 9 aims for >= 0.2).
 * 2. Simulated time of 1 MB through the LTE-M link model (in process, on
 *    the virtual clock, written and read as fast as the module takes it):
 *    it must match the configured uplink rate within 2 %.
 *
 * usage: bench_sock [-r ROUNDS]          (figures: docs/bench.md)
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/networld.h"
#include "ptyhost.h"
#include "sim/modem.h"

#define TOTAL (1u << 20)
#define CHUNK 512
#define IO_MS 10000 /* bounds a broken run */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || getsockname(fd, (struct sockaddr *)&a, &len)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static int connect_loopback(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

static pid_t start_echo(int port)
{
    char arg[96];
    snprintf(arg, sizeof(arg), "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork", port);
    pid_t pid = fork();
    if (pid == 0) {
        execlp("socat", "socat", arg, "EXEC:cat", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) { /* until it listens */
        int fd = connect_loopback(port);
        if (fd >= 0) {
            close(fd);
            return pid;
        }
        poll(NULL, 0, 10);
    }
    return -1;
}

/* The same 1 MB straight to the echo server: bytes/s. */
static double raw_echo(int port)
{
    int fd = connect_loopback(port);
    if (fd < 0)
        return 0;
    uint8_t out[CHUNK], in[CHUNK];
    for (int i = 0; i < CHUNK; i++)
        out[i] = (uint8_t)i;
    double t0 = now_s();
    for (size_t done = 0; done < TOTAL; done += CHUNK) {
        if (write(fd, out, CHUNK) != CHUNK)
            break;
        for (size_t got = 0; got < CHUNK;) {
            ssize_t r = read(fd, in + got, CHUNK - got);
            if (r <= 0) {
                close(fd);
                return 0;
            }
            got += (size_t)r;
        }
    }
    double dt = now_s() - t0;
    close(fd);
    return TOTAL / dt;
}

static int expect_ok(simproc *s, const char *line)
{
    char *r = host_cmd(s, line, IO_MS);
    int ok = r && strstr(r, "\r\nOK\r\n");
    free(r);
    return ok ? 0 : -1;
}

/* sarasim up, attached, PSD profile active, HEX mode, socket 0 connected. */
static int sarasim_ready(simproc *s, int port)
{
    if (host_open(s, 115200) || host_wait_ready(s, IO_MS) || expect_ok(s, "ATE0\r"))
        return -1;
    for (int i = 0; i < 1000; i++) {
        char *r = host_cmd(s, "AT+CGATT?\r", IO_MS);
        int up = r && strstr(r, "+CGATT: 1");
        free(r);
        if (up)
            break;
        poll(NULL, 0, 10);
    }
    char line[96];
    snprintf(line, sizeof(line), "AT+USOCO=0,\"echo.test\",%d\r", port);
    if (expect_ok(s, "AT+UPSD=0,100,1\r") || expect_ok(s, "AT+UPSDA=0,3\r") ||
        host_expect(s, "+UUPSDA: 0,", IO_MS) || expect_ok(s, "AT+UDCONF=1,1\r") || expect_ok(s, "AT+USOCR=6\r") ||
        expect_ok(s, line))
        return -1;
    return 0;
}

/* 1 MB through the module, HEX: bytes/s. */
static double sarasim_echo(simproc *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char line[64 + 2 * CHUNK];
    int n = snprintf(line, sizeof(line), "AT+USOWR=0,%d,\"", CHUNK);
    for (int i = 0; i < CHUNK; i++) {
        line[n++] = hex[i >> 4 & 15];
        line[n++] = hex[i & 15];
    }
    line[n++] = '"';
    line[n++] = '\r';
    line[n] = 0;
    double t0 = now_s();
    for (size_t done = 0; done < TOTAL; done += CHUNK) {
        if (expect_ok(s, line)) {
            fprintf(stderr, "bench_sock: +USOWR failed after %zu bytes\n", done);
            return 0;
        }
        for (size_t got = 0; got < CHUNK;) {
            char rd[32];
            snprintf(rd, sizeof(rd), "AT+USORD=0,%zu\r", CHUNK - got);
            char *r = host_cmd(s, rd, IO_MS);
            const char *q = r ? strstr(r, "+USORD: 0,") : NULL;
            size_t k = 0;
            if (!q || sscanf(q, "+USORD: 0,%zu", &k) != 1) {
                fprintf(stderr, "bench_sock: +USORD failed after %zu bytes: %s\n", done, r ? r : "(nothing)");
                free(r);
                return 0;
            }
            free(r);
            got += k;
        }
    }
    return TOTAL / (now_s() - t0);
}

/* ---- the link model, in process ---- */

typedef struct core {
    clk c;
    modem *m;
    networld *w;
    bytebuf out;
} core;

static void core_sink(void *ctx, int port, const uint8_t *p, size_t n)
{
    (void)port;
    bytebuf_append(&((core *)ctx)->out, p, n);
}

static const char *core_cmd(core *k, const char *line)
{
    bytebuf_clear(&k->out);
    modem_host_write(k->m, 0, (const uint8_t *)line, strlen(line));
    clk_advance(&k->c, clk_now(&k->c));
    bytebuf_append_byte(&k->out, 0);
    return (const char *)k->out.data;
}

/* Simulated seconds for 1 MB echoed with the default Cat-M1 link. */
static double link_seconds(double *up_bps)
{
    core k;
    memset(&k, 0, sizeof(k));
    bytebuf_init(&k.out);
    clk_init(&k.c, 0);
    nw_service_cfg svc = { .proto = IP_TCP, .port = 7, .kind = NW_SVC_ECHO };
    nw_host_cfg host = { (char *)"echo.test", 0xCB007107, NULL, &svc, 1, { 0 } };
    nw_config cfg = { &host, 1 };
    modem_config mc;
    memset(&mc, 0, sizeof(mc));
    device_cfg_default(&mc.dev);
    *up_bps = (double)mc.dev.link[LINK_M1].up_bps;
    if (networld_create(&k.w, &k.c, &cfg, NULL))
        return -1;
    mc.world = networld_ops(k.w);
    modem_io io = { core_sink, NULL, &k, NULL };
    if (modem_create(&k.m, &k.c, &mc, &io, NULL, 0))
        return -1;
    networld_attach(k.w, k.m);
    modem_set_host_rate(k.m, 0, 115200);
    modem_power_on(k.m);
    clk_advance(&k.c, SIM_S(10));
    core_cmd(&k, "AT\r");
    core_cmd(&k, "ATE0;+UPSD=0,100,1;+UPSDA=0,3\r");
    clk_advance(&k.c, clk_now(&k.c) + SIM_S(1));
    core_cmd(&k, "AT+USOCR=6;+USOCO=0,\"203.0.113.7\",7\r");
    clk_advance(&k.c, clk_now(&k.c) + SIM_S(1));
    uint8_t chunk[1024];
    memset(chunk, 0xa5, sizeof(chunk));
    size_t sent = 0, back = 0;
    sim_ns t0 = clk_now(&k.c);
    while (back < TOTAL) {
        if (sent < TOTAL) { /* as much as the module takes */
            core_cmd(&k, "AT+USOWR=0,1024\r");
            modem_host_write(k.m, 0, chunk, sizeof(chunk));
            clk_advance(&k.c, clk_now(&k.c));
            size_t took = 0;
            const char *q = strstr((const char *)k.out.data, "+USOWR: 0,");
            if (q && sscanf(q, "+USOWR: 0,%zu", &took) == 1)
                sent += took;
        }
        size_t got = 0;
        const char *r = core_cmd(&k, "AT+USORD=0,1024\r");
        const char *q = strstr(r, "+USORD: 0,");
        if (q && sscanf(q, "+USORD: 0,%zu", &got) == 1)
            back += got;
        if (!got) { /* nothing to do until the link moves */
            sim_ns next = clk_next_due(&k.c);
            clk_advance(&k.c, next == SIM_NEVER ? clk_now(&k.c) + SIM_MS(10) : next);
        }
    }
    double secs = (double)(clk_now(&k.c) - t0) / 1e9;
    modem_destroy(k.m);
    networld_destroy(k.w);
    clk_free(&k.c);
    bytebuf_free(&k.out);
    return secs;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int rounds = 3;
    if (argc == 3 && !strcmp(argv[1], "-r"))
        rounds = atoi(argv[2]);
    if (rounds < 1 || rounds > 50) {
        fprintf(stderr, "usage: bench_sock [-r ROUNDS]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int port = free_port();
    pid_t echo = port > 0 ? start_echo(port) : -1;
    if (echo < 0) {
        fprintf(stderr, "bench_sock: cannot start socat (is it installed?)\n");
        return 1;
    }
    char hostarg[64];
    snprintf(hostarg, sizeof(hostarg), "echo.test=127.0.0.1");
    const char *const args[] = { "--boot-time", "100ms", "--time-scale", "100", "--link", "off", "--host", hostarg,
                                 NULL };
    simproc s;
    if (simproc_start(&s, args) || sarasim_ready(&s, port)) {
        fprintf(stderr, "bench_sock: sarasim did not come up\n");
        kill(echo, SIGTERM);
        return 1;
    }
    double raw[50], sim[50], ratio[50];
    printf("1 MB TCP echo, 512-byte write then read-back, link model off\n");
    for (int i = 0; i < rounds; i++) { /* interleaved: the load is shared */
        raw[i] = raw_echo(port);
        sim[i] = sarasim_echo(&s);
        ratio[i] = raw[i] > 0 ? sim[i] / raw[i] : 0;
        printf("  round %d: direct %.2f MB/s, through sarasim (HEX +USOWR/+USORD) %.3f MB/s, ratio %.3f\n", i + 1,
               raw[i] / 1e6, sim[i] / 1e6, ratio[i]);
    }
    qsort(ratio, (size_t)rounds, sizeof(double), cmp_double);
    qsort(sim, (size_t)rounds, sizeof(double), cmp_double);
    qsort(raw, (size_t)rounds, sizeof(double), cmp_double);
    printf("  median: direct %.2f MB/s, sarasim %.3f MB/s, ratio %.3f (goal >= 0.2)\n", raw[rounds / 2] / 1e6,
           sim[rounds / 2] / 1e6, ratio[rounds / 2]);
    simproc_cleanup(&s);
    kill(echo, SIGTERM);
    waitpid(echo, NULL, 0);

    double up_bps = 0;
    double secs = link_seconds(&up_bps);
    double want = (double)TOTAL * 8 / up_bps;
    printf("1 MB TCP echo through the Cat-M1 link model (virtual clock): %.3f s simulated, "
           "the uplink's %.0f bit/s give %.3f s: %+.2f %% (goal within 2 %%)\n",
           secs, up_bps, want, (secs - want) / want * 100);
    return 0;
}
