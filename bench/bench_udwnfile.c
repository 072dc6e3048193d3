/* bench_udwnfile.c - how fast a host can push a 900 kB file into sarasim
 * with AT+UDWNFILE, against raw writes to a bare PTY in the same run, and
 * whether the same transfer with UART pacing at 115200 baud takes its wire
 * time (10 bits per byte) on the simulated clock.
 *
 *   1. sarasim over its PTY: prompt -> 921600 raw bytes -> OK, wall time.
 *   2. a bare PTY: one process writes the slave, another reads the master.
 *   3. an in-memory modem with pacing on, driven by its virtual clock:
 *      simulated time from the prompt to the OK, against the wire time.
 * The two throughput runs alternate, ROUNDS times, so that both see the
 * same load on a shared machine; reported are the best time of each and the
 * median of the per-round ratios (the verdict: a paired comparison is what
 * survives other people's load on the two shared cores).  Exit status 1 if something failed or the pacing
 * error exceeds 2 %; the throughput ratio (goal >= 0.5) is reported. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ptyhost.h"
#include "sim/modem.h"

#define FILE_SIZE (900 * 1024)
#define ROUNDS 15
#define BAUD 115200

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void fill(uint8_t *buf, size_t n)
{
    uint32_t x = 2463534242u; /* xorshift: every byte value, no pattern */
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
}

static double mbps(size_t bytes, double secs) { return (double)bytes / secs / 1e6; }

/* ---- 1. sarasim ---- */

static int expect_ok(simproc *s)
{
    char *r = host_response(s, 30000);
    int ok = r && strcmp(r, "\r\nOK\r\n") == 0;
    if (!ok)
        fprintf(stderr, "bench: unexpected response \"%s\"\n", r ? r : "(timeout)");
    free(r);
    return ok ? 0 : -1;
}

/* *secs: prompt to OK; *sent: prompt to the host's last write accepted
 * (the PTY then holds at most its buffer: the store follows). */
static int sarasim_round(simproc *s, const uint8_t *data, double *secs, double *sent)
{
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "AT+UDWNFILE=\"bench.bin\",%d\r", FILE_SIZE);
    if (host_send(s, cmd) || host_expect(s, "\r\n>", 10000))
        return -1;
    double t0 = now_s();
    if (host_send_bytes(s, data, FILE_SIZE))
        return -1;
    *sent = now_s() - t0;
    if (expect_ok(s))
        return -1;
    *secs = now_s() - t0;
    char *r = host_cmd(s, "AT+UDELFILE=\"bench.bin\"\r", 10000);
    int ok = r && strcmp(r, "\r\nOK\r\n") == 0;
    free(r);
    return ok ? 0 : -1;
}

/* ---- 2. bare PTY ---- */

static int bare_round(const uint8_t *data, double *secs)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    char slave_path[64];
    if (master < 0 || grantpt(master) || unlockpt(master) || ptsname_r(master, slave_path, sizeof(slave_path)))
        return -1;
    int slave = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    struct termios t;
    if (slave < 0 || tcgetattr(slave, &t))
        return -1;
    cfmakeraw(&t);
    cfsetspeed(&t, B115200);
    tcsetattr(slave, TCSANOW, &t);
    int done[2];
    if (pipe(done))
        return -1;
    pid_t pid = fork();
    if (pid == 0) { /* the reader: a process of its own, as sarasim is */
        static uint8_t buf[65536];
        size_t got = 0;
        while (got < FILE_SIZE) {
            ssize_t n = read(master, buf, sizeof(buf));
            if (n <= 0 && errno != EINTR)
                _exit(1);
            if (n > 0)
                got += (size_t)n;
        }
        _exit(write(done[1], "x", 1) == 1 ? 0 : 1);
    }
    double t0 = now_s();
    size_t off = 0;
    while (off < FILE_SIZE) {
        ssize_t n = write(slave, data + off, FILE_SIZE - off);
        if (n < 0 && errno != EINTR)
            break;
        if (n > 0)
            off += (size_t)n;
    }
    char c;
    int ok = off == FILE_SIZE && read(done[0], &c, 1) == 1;
    *secs = now_s() - t0;
    int st;
    waitpid(pid, &st, 0);
    close(done[0]);
    close(done[1]);
    close(slave);
    close(master);
    return ok && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct figures {
    double best_sim, best_bare, median_ratio;
    double median_sent, median_store; /* split of the sarasim time */
} figures;

/* sarasim and bare PTY rounds, alternating. */
static int bench_throughput(const uint8_t *data, figures *fg)
{
    static const char *const args[] = { "--boot-time", "100ms", "--time-scale", "100", NULL };
    double ratios[ROUNDS], sents[ROUNDS], stores[ROUNDS];
    simproc s;
    int rc = -1;
    if (simproc_start(&s, args) || host_open(&s, BAUD) || host_wait_ready(&s, 10000)) {
        fprintf(stderr, "bench: cannot start sarasim\n");
        goto out;
    }
    char *r = host_cmd(&s, "ATE0\r", 5000);
    free(r);
    fg->best_sim = fg->best_bare = 1e9;
    for (int i = 0; i < ROUNDS; i++) {
        double ts, tw, tb;
        if (sarasim_round(&s, data, &ts, &tw) || bare_round(data, &tb))
            goto out;
        sents[i] = tw;
        stores[i] = ts - tw;
        fg->best_sim = ts < fg->best_sim ? ts : fg->best_sim;
        fg->best_bare = tb < fg->best_bare ? tb : fg->best_bare;
        ratios[i] = tb / ts;
    }
    qsort(ratios, ROUNDS, sizeof(ratios[0]), cmp_double);
    fg->median_ratio = ratios[ROUNDS / 2];
    qsort(sents, ROUNDS, sizeof(sents[0]), cmp_double);
    qsort(stores, ROUNDS, sizeof(stores[0]), cmp_double);
    fg->median_sent = sents[ROUNDS / 2];
    fg->median_store = stores[ROUNDS / 2];
    rc = 0;
out:
    simproc_cleanup(&s);
    return rc;
}

/* ---- 3. pacing on the simulated clock ---- */

typedef struct paced {
    clk clock;
    modem *m;
    bytebuf out;
} paced;

static void paced_sink(void *ctx, int port, const uint8_t *p, size_t n)
{
    paced *pc = ctx;
    if (port == 0)
        bytebuf_append(&pc->out, p, n);
}

/* Run the clock from deadline to deadline until `want` has arrived. */
static int run_until(paced *pc, const char *want, sim_ns limit)
{
    while (!pc->out.data || !strstr((const char *)pc->out.data, want)) {
        sim_ns due = clk_next_due(&pc->clock);
        if (due == SIM_NEVER || due > limit)
            return -1;
        clk_advance(&pc->clock, due);
    }
    return 0;
}

static int bench_pacing(const uint8_t *data, double *sim_s, double *wire_s)
{
    paced pc;
    memset(&pc, 0, sizeof(pc));
    clk_init(&pc.clock, 0);
    bytebuf_init(&pc.out);
    modem_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    device_cfg_default(&cfg.dev);
    cfg.pacing = 1;
    modem_io io = { paced_sink, NULL, &pc, NULL };
    int rc = -1;
    if (modem_create(&pc.m, &pc.clock, &cfg, &io, NULL, 0))
        goto out;
    modem_set_host_rate(pc.m, 0, BAUD);
    modem_power_on(pc.m);
    clk_advance(&pc.clock, cfg.dev.timing[TIM_BOOT]);
    modem_host_write(pc.m, 0, (const uint8_t *)"ATE0\r", 5); /* autobaud locks on "AT" */
    if (run_until(&pc, "OK\r\n", SIM_S(60)))
        goto out;
    bytebuf_clear(&pc.out);
    char cmd[64];
    int n = snprintf(cmd, sizeof(cmd), "AT+UDWNFILE=\"paced.bin\",%d\r", FILE_SIZE);
    modem_host_write(pc.m, 0, (const uint8_t *)cmd, (size_t)n);
    if (run_until(&pc, "\r\n>", SIM_S(120)))
        goto out;
    bytebuf_clear(&pc.out);
    sim_ns t0 = clk_now(&pc.clock);
    /* The host's driver hands the UART 4 kB at a time; the wire paces it. */
    for (size_t off = 0; off < FILE_SIZE; off += 4096)
        modem_host_write(pc.m, 0, data + off, FILE_SIZE - off < 4096 ? FILE_SIZE - off : 4096);
    if (run_until(&pc, "\r\nOK\r\n", t0 + SIM_S(600)))
        goto out;
    *sim_s = (double)(clk_now(&pc.clock) - t0) / 1e9;
    *wire_s = (double)FILE_SIZE * 10.0 / BAUD;
    rc = 0;
out:
    modem_destroy(pc.m);
    clk_free(&pc.clock);
    bytebuf_free(&pc.out);
    return rc;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    uint8_t *data = malloc(FILE_SIZE);
    if (!data)
        return 1;
    fill(data, FILE_SIZE);
    figures fg;
    double sim_s, wire_s;
    if (bench_throughput(data, &fg)) {
        free(data);
        return 1;
    }
    double wall0 = now_s();
    int prc = bench_pacing(data, &sim_s, &wire_s);
    double wall = now_s() - wall0;
    free(data);
    if (prc) {
        fprintf(stderr, "bench: paced transfer did not complete\n");
        return 1;
    }
    double err = (sim_s - wire_s) / wire_s * 100.0;
    double best_ratio = fg.best_bare / fg.best_sim;
    printf("udwnfile: %d bytes, %d alternating rounds\n", FILE_SIZE, ROUNDS);
    printf("  sarasim PTY (+UDWNFILE, prompt to OK): best %8.2f ms  %8.1f MB/s\n", fg.best_sim * 1e3,
           mbps(FILE_SIZE, fg.best_sim));
    printf("  bare PTY (raw writes, other process):  best %8.2f ms  %8.1f MB/s\n", fg.best_bare * 1e3,
           mbps(FILE_SIZE, fg.best_bare));
    printf("  ratio sarasim/bare: best/best %.2f, median of rounds %.2f (goal >= 0.5) %s\n", best_ratio,
           fg.median_ratio, fg.median_ratio >= 0.5 ? "met" : "MISSED");
    printf("  sarasim time split (medians): host writes accepted %.2f ms, then store + OK %.2f ms\n",
           fg.median_sent * 1e3, fg.median_store * 1e3);
    printf("pacing at %d baud (in-memory modem, virtual clock):\n", BAUD);
    printf("  wire time %.3f s, simulated prompt-to-OK %.3f s, error %+.3f %% (goal within 2 %%) %s\n", wire_s, sim_s,
           err, err > -2.0 && err < 2.0 ? "met" : "MISSED");
    printf("  (%.1f s of simulated transfer ran in %.3f s of wall time)\n", sim_s, wall);
    return err > -2.0 && err < 2.0 ? 0 : 1;
}
