/* bench_at_rtt.c - AT round trips over a PTY: sarasim against the machine's
 * own limit.
 *
 * A host opens a PTY (raw, 115200) and sends "AT\r" lines, waiting for each
 * "\r\nOK\r\n" before the next (sequential: latency per command), then keeps
 * a window of commands in flight (pipelined: sustained throughput).  The same
 * client code measures, in the same run and in interleaved rounds so that the
 * machine's load is shared fairly:
 *
 *   bare     a forked child that owns a PTY master and answers "\r\nOK\r\n"
 *            to every CR it reads (blocking read, one write per read, no event
 *            loop): the round trip this machine's PTYs and scheduler allow;
 *   sarasim  the real simulator (--boot-time 100ms), echo off (ATE0), "AT";
 *   +CSQ     the same process, "AT+CSQ" (a handler that formats an answer);
 *   trace    a second simulator started with --trace FILE, "AT".
 *
 * Goals (foundation issue): sarasim median <= 2x bare, >= 20 000 commands/s
 * sustained.  Figures are printed per round and as the median of the rounds.
 * See docs/bench.md.
 *
 * usage: bench_at_rtt [-n SEQ] [-d SECONDS] [-w WINDOW] [-r ROUNDS]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ptyhost.h"
#include "sim/modem.h"
#include "sim/trace.h"

#define OK_TEXT "\r\nOK\r\n"
#define OK_LEN 6
#define IO_TIMEOUT_MS 5000 /* bounds a broken run; a working one never waits for it */
#define CORE_BATCHES 20
#define CORE_BATCH 10000

typedef struct bench_opts {
    size_t seq;     /* sequential round trips per measurement */
    double piped_s; /* pipelined phase, seconds */
    size_t window;  /* commands in flight when pipelined */
    int rounds;
} bench_opts;

/* One measurement of one target. */
typedef struct figures {
    double median_us, p99_us, mean_us, max_us;
    double seq_rate;   /* 1 / mean, commands/s */
    double piped_rate; /* commands/s with a window in flight */
    double piped_n;    /* commands answered in the pipelined phase */
    /* CPU time the responder process spent per command (user + system, from
     * /proc/PID/schedstat): what the machine's load cannot inflate much. */
    double seq_cpu_us, piped_cpu_us;
} figures;

/* Something the client can talk to: a host-side fd and a command. */
typedef struct target {
    const char *name;
    const char *what;
    int fd;
    const char *cmd;
    pid_t pid;     /* the responder process, for its CPU time */
    figures *runs; /* one per round */
} target;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* ---------------- counting "\r\nOK\r\n" in a byte stream ---------------- */

/* KMP matcher: finds every final OK even when a read splits it and when it
 * follows an information text ("\r\n+CSQ: 99,99\r\n\r\nOK\r\n"). */
typedef struct ok_matcher {
    int fail[OK_LEN];
    int state;
} ok_matcher;

static void ok_matcher_init(ok_matcher *m)
{
    m->fail[0] = 0;
    for (int i = 1, k = 0; i < OK_LEN; i++) {
        while (k && OK_TEXT[i] != OK_TEXT[k])
            k = m->fail[k - 1];
        if (OK_TEXT[i] == OK_TEXT[k])
            k++;
        m->fail[i] = k;
    }
    m->state = 0;
}

static size_t ok_matcher_feed(ok_matcher *m, const char *p, size_t n)
{
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        while (m->state && p[i] != OK_TEXT[m->state])
            m->state = m->fail[m->state - 1];
        if (p[i] == OK_TEXT[m->state])
            m->state++;
        if (m->state == OK_LEN) {
            found++;
            m->state = m->fail[OK_LEN - 1];
        }
    }
    return found;
}

/* ---------------- the client ---------------- */

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                return -1;
            struct pollfd pfd = { fd, POLLOUT, 0 };
            if (poll(&pfd, 1, IO_TIMEOUT_MS) <= 0)
                return -1;
            continue;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Wait for bytes and feed them to the matcher; returns OKs found or -1. */
static long read_oks(int fd, ok_matcher *m)
{
    char buf[65536];
    for (;;) {
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r > 0)
            return (long)ok_matcher_feed(m, buf, (size_t)r);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno != EAGAIN)
            return -1;
        struct pollfd pfd = { fd, POLLIN, 0 };
        if (poll(&pfd, 1, IO_TIMEOUT_MS) <= 0)
            return -1;
    }
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* Send cmd, wait for its OK, n times; per-command latency in ns. */
static int measure_sequential(int fd, const char *cmd, size_t n, figures *f)
{
    long long *lat = malloc(n * sizeof(*lat));
    if (!lat)
        return -1;
    size_t len = strlen(cmd);
    ok_matcher m;
    ok_matcher_init(&m);
    long double sum = 0;
    for (size_t i = 0; i < n; i++) {
        long long t0 = now_ns();
        if (write_all(fd, cmd, len)) {
            free(lat);
            return -1;
        }
        long got = 0;
        while (got == 0)
            got = read_oks(fd, &m);
        if (got != 1) { /* -1: dead; >1: an answer we did not ask for */
            free(lat);
            return -1;
        }
        lat[i] = now_ns() - t0;
        sum += lat[i];
    }
    qsort(lat, n, sizeof(*lat), cmp_ll);
    f->median_us = (double)lat[n / 2] / 1e3;
    f->p99_us = (double)lat[(n * 99) / 100] / 1e3;
    f->max_us = (double)lat[n - 1] / 1e3;
    f->mean_us = (double)(sum / n) / 1e3;
    f->seq_rate = 1e6 / f->mean_us;
    free(lat);
    return 0;
}

/* Keep `window` commands in flight for `seconds`, then let the last ones be
 * answered; the rate counts every answer over the whole time. */
static int measure_pipelined(int fd, const char *cmd, double seconds, size_t window, figures *f)
{
    size_t len = strlen(cmd);
    char *burst = malloc(len * window);
    if (!burst)
        return -1;
    for (size_t i = 0; i < window; i++)
        memcpy(burst + i * len, cmd, len);
    ok_matcher m;
    ok_matcher_init(&m);
    size_t sent = 0, done = 0;
    double t0 = now_s(), t_end = t0 + seconds;
    int rc = 0, sending = 1;
    for (;;) {
        if (sending && now_s() >= t_end)
            sending = 0;
        if (!sending && done == sent)
            break;
        size_t room = sending ? window - (sent - done) : 0;
        if (room && write_all(fd, burst, room * len)) {
            rc = -1;
            break;
        }
        sent += room;
        long got = read_oks(fd, &m);
        if (got < 0 || done + (size_t)got > sent) {
            rc = -1;
            break;
        }
        done += (size_t)got;
    }
    f->piped_rate = rc ? 0 : (double)done / (now_s() - t0);
    f->piped_n = (double)done;
    free(burst);
    return rc;
}

/* ---------------- the bare responder ---------------- */

/* Answer "\r\nOK\r\n" for every CR, one write per read, until the host
 * side goes away (read fails with EIO) or we are killed. */
static void bare_serve(int master)
{
    char in[65536];
    char *out = NULL;
    size_t cap = 0;
    for (;;) {
        ssize_t r = read(master, in, sizeof(in));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            _exit(0);
        size_t lines = 0;
        for (ssize_t i = 0; i < r; i++)
            lines += in[i] == '\r';
        if (!lines)
            continue;
        if (lines * OK_LEN > cap) {
            cap = lines * OK_LEN;
            out = realloc(out, cap);
            if (!out)
                _exit(1);
        }
        for (size_t i = 0; i < lines; i++)
            memcpy(out + i * OK_LEN, OK_TEXT, OK_LEN);
        if (write_all(master, out, lines * OK_LEN))
            _exit(1);
    }
}

/* Fork a bare responder; *host is the slave, opened and set up exactly as
 * ptyhost does for sarasim (raw, 115200, non-blocking). */
static pid_t bare_start(int *host)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    char name[64];
    if (master < 0 || grantpt(master) || unlockpt(master) || ptsname_r(master, name, sizeof(name)))
        return -1;
    int fd = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    struct termios t;
    if (fd < 0 || tcgetattr(fd, &t))
        return -1;
    cfmakeraw(&t);
    cfsetspeed(&t, B115200);
    if (tcsetattr(fd, TCSANOW, &t))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fd);
        bare_serve(master);
    }
    close(master);
    *host = fd;
    return pid;
}

/* ---------------- sarasim ---------------- */

static int sarasim_start(simproc *s, const char *const *extra)
{
    if (simproc_start(s, extra) || host_open(s, 115200) || host_wait_ready(s, 10000))
        return -1;
    char *r = host_cmd(s, "ATE0\r", 2000);
    int ok = r && strstr(r, OK_TEXT);
    free(r);
    /* a greeting or URC must not count as an answer */
    return ok && host_sync(s, 2000) == 0 ? 0 : -1;
}

/* ---------------- the modem core alone ---------------- */

/* Same commands straight into modem_host_write() on a virtual clock: what the
 * core costs per command without a PTY, an event loop or a scheduler. */
typedef struct core_case {
    const char *name;
    const char *what;
    const char *cmd;
    int format_trace; /* format each trace line as sarasim --trace does (no file) */
    double *ns;       /* per command, one per round */
} core_case;

typedef struct core_host {
    ok_matcher oks;
    size_t answered;
    int format_trace;
    bytebuf line;
} core_host;

static void core_to_host(void *ctx, int port, const uint8_t *p, size_t n)
{
    core_host *h = ctx;
    (void)port;
    h->answered += ok_matcher_feed(&h->oks, (const char *)p, n);
}

static void core_trace(void *ctx, const trace_event *ev)
{
    core_host *h = ctx;
    if (!h->format_trace)
        return;
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    bytebuf_clear(&h->line);
    trace_format(&h->line, ev, &wall);
}

/* Nanoseconds per command in the fastest of CORE_BATCHES batches (the one
 * least disturbed by other processes), -1 if the core misbehaved. */
static double core_measure(const core_case *cc)
{
    clk c;
    clk_init(&c, 0);
    core_host h = { .format_trace = cc->format_trace };
    ok_matcher_init(&h.oks);
    bytebuf_init(&h.line);
    modem_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    device_cfg_default(&cfg.dev); /* state_dir NULL: nothing persists */
    modem_io io = { core_to_host, core_trace, &h, NULL };
    modem *m;
    if (modem_create(&m, &c, &cfg, &io, NULL, 0)) {
        clk_free(&c);
        return -1;
    }
    modem_set_host_rate(m, 0, 115200);
    modem_power_on(m);
    clk_advance(&c, cfg.dev.timing[TIM_BOOT]);
    modem_host_write(m, 0, (const uint8_t *)"ATE0\r", 5);
    size_t len = strlen(cc->cmd), before = h.answered;
    long long best = -1;
    for (int b = 0; b < CORE_BATCHES; b++) {
        long long t0 = now_ns();
        for (size_t i = 0; i < CORE_BATCH; i++)
            modem_host_write(m, 0, (const uint8_t *)cc->cmd, len);
        long long t = now_ns() - t0;
        if (best < 0 || t < best)
            best = t;
    }
    size_t answered = h.answered - before;
    modem_destroy(m);
    clk_free(&c);
    bytebuf_free(&h.line);
    return answered == (size_t)CORE_BATCHES * CORE_BATCH ? (double)best / CORE_BATCH : -1;
}

/* ---------------- report ---------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median, min and max of n values (sorts them). */
typedef struct spread { double med, min, max; } spread;

static spread spread_sorted(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    spread s = { n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1] };
    return s;
}

/* One figure of a target over the rounds. */
static spread spread_of(const target *t, int rounds, size_t offset)
{
    double v[rounds];
    for (int i = 0; i < rounds; i++)
        v[i] = *(const double *)((const char *)&t->runs[i] + offset);
    return spread_sorted(v, rounds);
}

/* A ratio sarasim/bare taken within each round (same load), over rounds. */
static spread ratio_of(const target *t, const target *bare, int rounds, size_t offset, int invert)
{
    double v[rounds];
    for (int i = 0; i < rounds; i++) {
        double a = *(const double *)((const char *)&t->runs[i] + offset);
        double b = *(const double *)((const char *)&bare->runs[i] + offset);
        v[i] = invert ? b / a : a / b;
    }
    return spread_sorted(v, rounds);
}

static void print_round(const target *ts, size_t nt, int round)
{
    printf("round %d:\n", round + 1);
    for (size_t i = 0; i < nt; i++) {
        const figures *f = &ts[i].runs[round];
        printf("  %-8s median %5.1f  p99 %6.1f  mean %5.1f  max %7.1f us | seq %6.0f  piped %6.0f cmd/s"
               " | cpu/cmd seq %4.1f  piped %4.1f us\n",
               ts[i].name, f->median_us, f->p99_us, f->mean_us, f->max_us, f->seq_rate, f->piped_rate,
               f->seq_cpu_us, f->piped_cpu_us);
    }
    fflush(stdout);
}

/* "29.5 [26.5..35.1]" */
static void fmt_spread(char *buf, size_t size, spread s, int decimals)
{
    snprintf(buf, size, "%.*f [%.*f..%.*f]", decimals, s.med, decimals, s.min, decimals, s.max);
}

typedef struct column { const char *label; size_t off; int decimals; } column;

/* One row per target, one "median [min..max]" cell per column. */
static void print_table(const target *ts, size_t nt, int rounds, const column *cols, size_t ncols)
{
    printf("  %-8s", "target");
    for (size_t c = 0; c < ncols; c++)
        printf(c + 1 < ncols ? "  %-26s" : "  %s", cols[c].label);
    printf("\n");
    for (size_t i = 0; i < nt; i++) {
        printf("  %-8s", ts[i].name);
        for (size_t c = 0; c < ncols; c++) {
            char cell[64];
            fmt_spread(cell, sizeof(cell), spread_of(&ts[i], rounds, cols[c].off), cols[c].decimals);
            printf(c + 1 < ncols ? "  %-26s" : "  %s", cell);
        }
        printf("\n");
    }
}

static void print_summary(const target *ts, size_t nt, const bench_opts *o)
{
    static const column speed[] = {
        { "median us", offsetof(figures, median_us), 1 },
        { "p99 us", offsetof(figures, p99_us), 1 },
        { "seq cmd/s", offsetof(figures, seq_rate), 0 },
        { "piped cmd/s", offsetof(figures, piped_rate), 0 },
    };
    static const column cpu[] = {
        { "cpu/cmd seq us", offsetof(figures, seq_cpu_us), 2 },
        { "cpu/cmd piped us", offsetof(figures, piped_cpu_us), 2 },
    };
    printf("\nsummary: median of %d round%s [min..max across rounds]\n", o->rounds, o->rounds > 1 ? "s" : "");
    print_table(ts, nt, o->rounds, speed, sizeof(speed) / sizeof(speed[0]));
    printf("\nCPU time of the responder process per command (sarasim or the bare child; the host's own\n"
           "time is not counted):\n");
    print_table(ts, nt, o->rounds, cpu, sizeof(cpu) / sizeof(cpu[0]));

    printf("\nratios to bare, taken within each round (median [min..max] of rounds; x1.00 = as fast as\n"
           "the machine allows):\n");
    const target *bare = &ts[0];
    for (size_t i = 1; i < nt; i++) {
        spread med = ratio_of(&ts[i], bare, o->rounds, offsetof(figures, median_us), 0);
        spread p99 = ratio_of(&ts[i], bare, o->rounds, offsetof(figures, p99_us), 0);
        spread thr = ratio_of(&ts[i], bare, o->rounds, offsetof(figures, piped_rate), 1);
        printf("  %-8s median latency x%.2f [%.2f..%.2f]   p99 x%.2f [%.2f..%.2f]   "
               "piped: bare does x%.2f [%.2f..%.2f] as many\n",
               ts[i].name, med.med, med.min, med.max, p99.med, p99.min, p99.max, thr.med, thr.min, thr.max);
    }
    /* The goals, judged on sarasim's plain "AT" row. */
    const target *sim = &ts[1];
    spread ratio = ratio_of(sim, bare, o->rounds, offsetof(figures, median_us), 0);
    spread piped = spread_of(sim, o->rounds, offsetof(figures, piped_rate));
    spread seq = spread_of(sim, o->rounds, offsetof(figures, seq_rate));
    printf("\ngoals (sarasim, \"AT\"; median of rounds, worst round in brackets):\n");
    printf("  median latency <= 2x bare        x%.2f [x%.2f]          %s\n", ratio.med, ratio.max,
           ratio.med <= 2.0 ? "MET" : "MISSED");
    printf("  >= 20000 cmd/s sustained         %.0f [%.0f] cmd/s  %s  (pipelined)\n", piped.med, piped.min,
           piped.med >= 20000 ? "MET" : "MISSED");
    printf("  one command at a time            %.0f [%.0f] cmd/s  %s\n", seq.med, seq.min,
           seq.med >= 20000 ? "also >= 20000" : "below 20000");
}

/* ---------------- main ---------------- */

static int parse_opts(int argc, char **argv, bench_opts *o)
{
    *o = (bench_opts){ 20000, 1.0, 16, 3 };
    int c;
    while ((c = getopt(argc, argv, "n:d:w:r:h")) != -1) {
        long v = c == 'h' ? 0 : strtol(optarg, NULL, 10);
        switch (c) {
        case 'n': o->seq = (size_t)v; break;
        case 'd': o->piped_s = strtod(optarg, NULL); break;
        case 'w': o->window = (size_t)v; break;
        case 'r': o->rounds = (int)v; break;
        default:
            fprintf(stderr, "usage: %s [-n SEQ] [-d SECONDS] [-w WINDOW] [-r ROUNDS]\n", argv[0]);
            return -1;
        }
    }
    if (o->seq < 100 || !(o->piped_s >= 0.01 && o->piped_s <= 600) || o->window < 1 || o->window > 1000 || o->rounds < 1 ||
        o->rounds > 100) {
        fprintf(stderr, "bench_at_rtt: need -n >= 100, 0.01 <= -d <= 600, 1 <= -w <= 1000, 1 <= -r <= 100\n");
        return -1;
    }
    return 0;
}

/* Nanoseconds a process has run on a CPU, -1 if the kernel does not say. */
static long long proc_cpu_ns(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
    FILE *f = fopen(path, "r");
    long long ns = -1;
    if (f) {
        if (fscanf(f, "%lld", &ns) != 1)
            ns = -1;
        fclose(f);
    }
    return ns;
}

static int measure(target *t, const bench_opts *o, int round)
{
    figures *f = &t->runs[round];
    /* A short warm-up: page faults, caches, the scheduler's view of us. */
    figures warm;
    if (measure_sequential(t->fd, t->cmd, 1000, &warm))
        goto dead;
    long long c0 = proc_cpu_ns(t->pid);
    if (measure_sequential(t->fd, t->cmd, o->seq, f))
        goto dead;
    long long c1 = proc_cpu_ns(t->pid);
    if (measure_pipelined(t->fd, t->cmd, o->piped_s, o->window, f))
        goto dead;
    long long c2 = proc_cpu_ns(t->pid);
    f->seq_cpu_us = c0 < 0 ? 0 : (double)(c1 - c0) / 1e3 / (double)o->seq;
    f->piped_cpu_us = c0 < 0 ? 0 : (double)(c2 - c1) / 1e3 / f->piped_n;
    return 0;
dead:
    fprintf(stderr, "bench_at_rtt: %s stopped answering\n", t->name);
    return -1;
}

static void print_intro(const bench_opts *o, const target *ts, size_t nt, const core_case *cs, size_t nc)
{
    double load[3] = { 0, 0, 0 };
    getloadavg(load, 3);
    printf("AT round trips over a PTY (host side raw, 115200; sarasim without --pacing, so bytes move\n"
           "as fast as the PTY allows).  Per target and round:\n"
           "  sequential  %zu commands, each sent when the previous OK has arrived; latency = write of\n"
           "              the command to the end of its \"\\r\\nOK\\r\\n\" (median, p99, mean, max);\n"
           "              seq cmd/s = 1 / mean latency\n"
           "  pipelined   %.1f s with %zu commands always in flight; piped cmd/s = answers / time\n"
           "%d rounds; in each round the targets run one after the other, so every ratio below compares\n"
           "figures taken under the same machine load.  Load average at start: %.2f %.2f %.2f (%ld CPUs).\n"
           "Targets:\n",
           o->seq, o->piped_s, o->window, o->rounds, load[0], load[1], load[2],
           sysconf(_SC_NPROCESSORS_ONLN));
    for (size_t i = 0; i < nt; i++)
        printf("  %-8s %s\n", ts[i].name, ts[i].what);
    printf("and, for scale, the modem core alone (commands into modem_host_write(), answers out of\n"
           "the to_host callback, virtual clock: no PTY, no event loop, no syscalls; the fastest of %d\n"
           "batches of %d):\n",
           CORE_BATCHES, CORE_BATCH);
    for (size_t i = 0; i < nc; i++)
        printf("  %-8s %s\n", cs[i].name, cs[i].what);
    printf("\n");
}

static void print_core(const core_case *cs, size_t nc, int rounds)
{
    printf("\nmodem core alone, ns per command: median of rounds [min..max]\n");
    for (size_t i = 0; i < nc; i++) {
        double v[rounds];
        memcpy(v, cs[i].ns, sizeof(v));
        spread sp = spread_sorted(v, rounds);
        printf("  %-8s %6.0f [%.0f..%.0f] ns\n", cs[i].name, sp.med, sp.min, sp.max);
    }
}

/* Every target, then the core cases, once per round. */
static int run_rounds(const bench_opts *o, target *ts, size_t nt, core_case *cs, size_t nc,
                      const char *trace_path)
{
    for (int r = 0; r < o->rounds; r++) {
        /* sarasim appends to the trace (O_APPEND): keep it from growing by
         * tens of megabytes a round */
        if (truncate(trace_path, 0)) {
            /* not there yet or gone: nothing to keep small */
        }
        for (size_t i = 0; i < nt; i++)
            if (measure(&ts[i], o, r))
                return -1;
        print_round(ts, nt, r);
        printf("  core    ");
        for (size_t i = 0; i < nc; i++) {
            cs[i].ns[r] = core_measure(&cs[i]);
            if (cs[i].ns[r] < 0) {
                fprintf(stderr, "bench_at_rtt: the modem core did not answer %s\n", cs[i].name);
                return -1;
            }
            printf("  %s %.0f ns/cmd", cs[i].name, cs[i].ns[r]);
        }
        printf("\n");
    }
    return 0;
}

int main(int argc, char **argv)
{
    bench_opts o;
    if (parse_opts(argc, argv, &o))
        return 2;
    signal(SIGPIPE, SIG_IGN);

    simproc sim, traced;
    memset(&sim, 0, sizeof(sim));
    memset(&traced, 0, sizeof(traced));
    int bare_fd = -1;
    pid_t bare = bare_start(&bare_fd);
    static const char *const plain_args[] = { "--boot-time", "100ms", NULL };
    char trace_path[64];
    snprintf(trace_path, sizeof(trace_path), "/tmp/bench_at_rtt-%d.trace", (int)getpid());
    const char *const trace_args[] = { "--boot-time", "100ms", "--trace", trace_path, NULL };
    target ts[] = {
        { "bare", "bare PTY responder, \"AT\\r\" -> \"\\r\\nOK\\r\\n\" (the machine's limit)", bare_fd,
          "AT\r", bare, NULL },
        { "sarasim", "sarasim, \"AT\\r\"", -1, "AT\r", 0, NULL },
        { "+CSQ", "sarasim, \"AT+CSQ\\r\" (handler formats an answer)", -1, "AT+CSQ\r", 0, NULL },
        { "trace", "sarasim --trace FILE, \"AT\\r\" (two trace lines per command)", -1, "AT\r", 0, NULL },
    };
    core_case cs[] = {
        { "AT", "\"AT\\r\"", "AT\r", 0, NULL },
        { "+CSQ", "\"AT+CSQ\\r\"", "AT+CSQ\r", 0, NULL },
        { "trace", "\"AT\\r\" with its two trace lines formatted as --trace does (not written)", "AT\r", 1,
          NULL },
    };
    size_t nt = sizeof(ts) / sizeof(ts[0]), nc = sizeof(cs) / sizeof(cs[0]);
    for (size_t i = 0; i < nt; i++)
        ts[i].runs = calloc((size_t)o.rounds, sizeof(figures));
    for (size_t i = 0; i < nc; i++)
        cs[i].ns = calloc((size_t)o.rounds, sizeof(double));
    int rc = 1;
    if (bare < 0) {
        fprintf(stderr, "bench_at_rtt: cannot start the bare responder: %s\n", strerror(errno));
    } else if (sarasim_start(&sim, plain_args) || sarasim_start(&traced, trace_args)) {
        fprintf(stderr, "bench_at_rtt: sarasim (%s) did not answer AT\n", SARASIM_BIN);
    } else {
        ts[1].fd = ts[2].fd = sim.fd;
        ts[1].pid = ts[2].pid = sim.pid;
        ts[3].fd = traced.fd;
        ts[3].pid = traced.pid;
        print_intro(&o, ts, nt, cs, nc);
        if (run_rounds(&o, ts, nt, cs, nc, trace_path) == 0) {
            print_summary(ts, nt, &o);
            print_core(cs, nc, o.rounds);
            rc = 0;
        }
    }
    for (size_t i = 0; i < nt; i++)
        free(ts[i].runs);
    for (size_t i = 0; i < nc; i++)
        free(cs[i].ns);
    if (bare_fd >= 0)
        close(bare_fd);
    if (bare > 0) {
        kill(bare, SIGTERM);
        waitpid(bare, NULL, 0);
    }
    if (sim.dir[0])
        simproc_cleanup(&sim);
    if (traced.dir[0])
        simproc_cleanup(&traced);
    unlink(trace_path);
    return rc;
}
