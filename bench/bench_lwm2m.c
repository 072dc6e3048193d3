/* bench_lwm2m.c - what an LwM2M exchange with the module costs (issue 10).
 *
 * 1. Live, over loopback: tests/lwm2m-peer/peer.js (an LwM2M server on
 *    node's npm coap) runs N exchanges of each kind, one after the other,
 *    with the live sarasim module (--link off, --time-scale 100, registered
 *    with the peer through --lwm2m-server):
 *      read     GET /3/0/0 -> 2.05 "u-blox" (text/plain)
 *      write    PUT /3/0/15 text "Europe/Zurich" / "Europe/Berlin" -> 2.04
 *      notify   PUT /3/0/14 text "+01:00" / "+02:00" -> 2.04 on an observed
 *               resource (pmin 0): then the CON notification of the change,
 *               which the peer ACKs
 *    and, in the same round, the baseline: the same peer doing N GETs of
 *    /time against libcoap's coap-server-notls, a bare CoAP server.  Each
 *    figure is the peer's own clock over the N exchanges (process.hrtime
 *    around its loop) divided by N; the ratio read / baseline is the cost of
 *    the simulator against a plain CoAP server (the issue aims for <= 2x).
 * 2. The built-in server on the virtual clock, in process: the module's
 *    client registers with it, then N registration updates, reads,
 *    writes and observe+cancel pairs (see builtin_server_half()); -b runs
 *    only this half.
 *
 * Everything runs on one CPU unless -u (unpinned) is given.
 *
 * usage: bench_lwm2m [-n EXCHANGES] [-r ROUNDS] [-u] [-b]    (figures: docs/bench.md)
 */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/runner.h"
#include "nodepeer.h"
#include "peers.h"
#include "ptyhost.h"

#define IO_MS 30000 /* bounds a broken run */
#define MAX_ROUNDS 50
#define WARMUP 300  /* exchanges of each kind before the first round: node's JIT */

typedef enum { K_BASE, K_READ, K_WRITE, K_NOTIFY, K_COUNT } kind;

static const char *const KIND_NAME[K_COUNT] = { "coap-server GET", "sarasim read", "sarasim write",
                                                 "sarasim write+notify" };

/* CPU time of a process so far (ns; /proc/PID/schedstat), or -1. */
static long long cpu_ns(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
    FILE *f = fopen(path, "r");
    long long ns = -1;
    if (f && fscanf(f, "%lld", &ns) != 1)
        ns = -1;
    if (f)
        fclose(f);
    return ns;
}

/* The peer's `repeat` of one command n times: us per exchange, or -1 if it
 * failed or an answer was not `code`. */
static double repeat(nodepeer *p, int n, const char *cmd, int await_notify, const char *code)
{
    static int id;
    id++;
    if (nodepeer_send(p, "{\"op\":\"repeat\",\"id\":%d,\"n\":%d,\"await_notify\":%s,\"cmd\":%s}", id, n,
                      await_notify ? "true" : "false", cmd))
        return -1;
    cJSON *ev = nodepeer_wait(p, "repeat", id, IO_MS);
    if (!ev)
        return -1;
    const cJSON *codes = cJSON_GetObjectItemCaseSensitive(ev, "codes");
    int good = (int)nodepeer_num(codes, code);
    double us = nodepeer_num(ev, "ns") / 1e3 / n;
    if (good != n) {
        char *text = cJSON_PrintUnformatted(ev);
        fprintf(stderr, "bench_lwm2m: %s: %s\n", cmd, text);
        free(text);
        us = -1;
    }
    cJSON_Delete(ev);
    return us;
}

/* One command that must answer `code`: 0 or -1. */
static int once(nodepeer *p, const char *cmd, const char *code)
{
    return repeat(p, 1, cmd, 0, code) < 0 ? -1 : 0;
}

typedef struct target {
    char cmd[256];
    int await_notify;
    const char *code;
    pid_t server; /* whose CPU time counts */
} target;

static void targets(target t[K_COUNT], int coap_port, pid_t coap_pid, pid_t sim_pid)
{
    snprintf(t[K_BASE].cmd, sizeof t[K_BASE].cmd, "{\"op\":\"read\",\"path\":\"/time\",\"port\":%d}", coap_port);
    snprintf(t[K_READ].cmd, sizeof t[K_READ].cmd, "{\"op\":\"read\",\"path\":\"/3/0/0\"}");
    /* writes nobody observes (the timezone) and writes to the observed UTC
     * offset; neither is kept in NVM, so no flash write is timed */
    snprintf(t[K_WRITE].cmd, sizeof t[K_WRITE].cmd, "{\"op\":\"write\",\"path\":\"/3/0/15\",\"format\":\"text\","
             "\"value\":[\"Europe/Zurich\",\"Europe/Berlin\"]}");
    snprintf(t[K_NOTIFY].cmd, sizeof t[K_NOTIFY].cmd, "{\"op\":\"write\",\"path\":\"/3/0/14\",\"format\":\"text\","
             "\"value\":[\"+01:00\",\"+02:00\"]}");
    t[K_NOTIFY].await_notify = 1;
    for (int k = 0; k < K_COUNT; k++) {
        t[k].code = k == K_BASE || k == K_READ ? "2.05" : "2.04";
        t[k].server = k == K_BASE ? coap_pid : sim_pid;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts v: v[0] is then the best. */
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* ---- the built-in server half ----------------------------------------------
 * In process, on the virtual clock (harness/runner.h): the module's own
 * client registers with sarasim's built-in LwM2M server (coaps, DTLS with the
 * module's PSK, as scenarios/lwm2m_server_module.json), then n exchanges of
 * one kind.  Each kind is a scenario of its own: the registration alone, and
 * the registration followed by n exchanges; the difference is the cost of the
 * n exchanges (BUILTIN_EXCHANGES: enough that the registration's own
 * spread does not hide them).  Figures: wall time per registration and per
 * exchange (best of `rounds` runs), the simulated time they take, exchanges
 * per wall second, and the Register's payload (the `len=` of the server's
 * register event). */

#define BUILTIN_EXCHANGES 1000


typedef struct builtin_kind {
    const char *name;
    const char *steps; /* one exchange: host steps, each followed by "," */
} builtin_kind;

static const builtin_kind BUILTIN[] = {
    { "registration update",
      "{\"send\": \"AT+ULWM2MREG=721\\r\"}, {\"expect\": \"\\r\\nOK\\r\\n\"},"
      "{\"expect_event\": \"lwm2m server update id=1\", \"within\": \"10s\"},"
      "{\"expect_event\": \"lwm2m reg ssid=721 status=3\", \"within\": \"10s\"}," },
    { "read /3/0/0",
      "{\"do\": \"lwm2m\", \"read\": \"/3/0/0\"},"
      "{\"expect_event\": \"lwm2m server response kind=read path=/3/0/0 code=2.05 value=u-blox\", \"within\": \"10s\"}," },
    { "write /3/0/15 (text)",
      "{\"do\": \"lwm2m\", \"write\": \"/3/0/15\", \"value\": \"Europe/Zurich\", \"format\": \"text\"},"
      "{\"expect_event\": \"lwm2m server response kind=write path=/3/0/15 code=2.04\", \"within\": \"10s\"}," },
    { "observe + cancel /5/0/3 (2 exchanges)",
      "{\"do\": \"lwm2m\", \"observe\": \"/5/0/3\"},"
      "{\"expect_event\": \"lwm2m server response kind=observe path=/5/0/3 code=2.05 observing=1\", \"within\": \"10s\"},"
      "{\"do\": \"lwm2m\", \"cancel\": \"/5/0/3\"},"
      "{\"expect_event\": \"lwm2m server response kind=cancel path=/5/0/3 code=2.05\", \"within\": \"10s\"}," },
};

static double wall_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The registration, then n copies of `each`. */
static char *builtin_scenario(const char *each, int n)
{
    static const char head[] =
        "{\"name\": \"bench_lwm2m\", \"requires\": [\"lwm2m\"], \"within\": \"5s\", \"host\": ["
        "{\"include\": \"lib/boot_echo_off.json\"},"
        "{\"expect_event\": \"lwm2m server register ep=urn:imei:352835100012346 id=1\", \"within\": \"60s\"},"
        "{\"expect_event\": \"lwm2m reg ssid=721 status=3\", \"within\": \"10s\"},";
    size_t cap = sizeof head + (size_t)n * strlen(each) + 64;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t len = (size_t)snprintf(s, cap, "%s", head);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s", each);
    snprintf(s + len, cap - len, "{\"wait\": \"1s\"}]}");
    return s;
}

/* Sum of the len= fields of the built-in server's events in a trace. */
static long long server_bytes(const bytebuf *trace)
{
    long long sum = 0;
    const char *p = (const char *)trace->data, *end = p + trace->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *ev = memmem(p, (size_t)(eol - p), "lwm2m server ", 13);
        const char *len = ev ? memmem(ev, (size_t)(eol - ev), " len=", 5) : NULL;
        if (len)
            sum += atoll(len + 5);
        p = eol + 1;
    }
    return sum;
}

typedef struct builtin_run {
    double wall;     /* best of the rounds, s */
    double sim;      /* simulated s */
    long long bytes; /* payload bytes the server's events counted */
} builtin_run;

/* A scenario run `rounds` times; 0 or -1 (said on stderr). */
static int builtin_measure(const char *each, int n, int rounds, builtin_run *out)
{
    char *text = builtin_scenario(each, n);
    scenario sc;
    char err[512];
    if (!text || scenario_parse(&sc, "bench_lwm2m", SARASIM_SOURCE_DIR "/scenarios", text, strlen(text), err,
                                sizeof err)) {
        fprintf(stderr, "bench_lwm2m: %s\n", text ? err : "out of memory");
        free(text);
        return -1;
    }
    free(text);
    out->wall = 1e9;
    int rc = 0;
    for (int i = 0; i < rounds && rc == 0; i++) {
        run_result r;
        double t0 = wall_now();
        runner_run(&sc, NULL, &r);
        double dt = wall_now() - t0;
        if (r.status != RUN_PASS) {
            fprintf(stderr, "bench_lwm2m: built-in server: %s %s: %s\n", run_status_name(r.status), r.step,
                    r.why ? r.why : "");
            rc = -1;
        }
        out->wall = dt < out->wall ? dt : out->wall;
        out->sim = (double)r.sim_end / 1e9;
        out->bytes = server_bytes(&r.trace);
        run_result_free(&r);
    }
    scenario_free(&sc);
    return rc;
}

static int builtin_server_half(int n, int rounds)
{
    builtin_run reg;
    if (builtin_measure("", 0, rounds, &reg))
        return -1;
    printf("built-in server, in process on the virtual clock (best of %d runs):\n", rounds);
    printf("  %-22s %8.3f ms wall for boot + DTLS handshake + registration (%.1f s simulated; "
           "the Register's links: %lld bytes)\n",
           "registration", reg.wall * 1e3, reg.sim, reg.bytes);
    for (size_t k = 0; k < sizeof BUILTIN / sizeof BUILTIN[0]; k++) {
        builtin_run all;
        if (builtin_measure(BUILTIN[k].steps, n, rounds, &all))
            return -1;
        double per = (all.wall - reg.wall) / n;
        printf("  %-22s %8.1f us wall per exchange (%.0f per wall second), %6.1f ms simulated each "
               "(%d exchanges)\n",
               BUILTIN[k].name, per * 1e6, 1 / per, (all.sim - reg.sim) * 1e3 / n, n);
    }
    return 0;
}

/* ---- the live half ------------------------------------------------------------ */

typedef struct live {
    nodepeer peer;
    simproc sim;
    pid_t coap;
    int coap_port;
} live;

/* The peer, coap-server-notls, and sarasim registered with the peer, its
 * observation of /3/0/14 in place.  0 or -1 (said on stderr). */
static int live_start(live *l)
{
    const char *missing = nodepeer_missing();
    if (missing) {
        fprintf(stderr, "bench_lwm2m: %s\n", missing);
        return -1;
    }
    if (nodepeer_start(&l->peer, 0, IO_MS)) {
        fprintf(stderr, "bench_lwm2m: peer.js did not start\n");
        return -1;
    }
    if (!peer_available("coap-server-notls")) {
        fprintf(stderr, "bench_lwm2m: coap-server-notls is not installed: run tools/deps.sh test\n");
        return -1;
    }
    l->coap_port = peer_free_port_pair();
    char port[16];
    snprintf(port, sizeof port, "%d", l->coap_port);
    const char *const coap[] = { "coap-server-notls", "-A", "127.0.0.1", "-p", port, NULL };
    l->coap = l->coap_port > 0 ? peer_spawn(coap, NULL) : -1;
    char server[64];
    snprintf(server, sizeof server, "721=coap://127.0.0.1:%d", l->peer.port);
    const char *const args[] = { "--boot-time", "100ms", "--time-scale", "100", "--link", "off",
                                 "--lwm2m-server", server, NULL };
    if (l->coap < 0 || peer_wait_udp_bound(l->coap_port, IO_MS) || simproc_start(&l->sim, args)) {
        fprintf(stderr, "bench_lwm2m: coap-server-notls or sarasim did not start\n");
        return -1;
    }
    cJSON *reg = nodepeer_wait(&l->peer, "register", -1, IO_MS);
    cJSON_Delete(reg);
    if (!reg) {
        fprintf(stderr, "bench_lwm2m: the module never registered with the peer\n");
        return -1;
    }
    /* every change of the UTC offset notified at once, no periodic ones */
    if (once(&l->peer, "{\"op\":\"attributes\",\"path\":\"/3/0/14\",\"pmin\":0,\"pmax\":86400}", "2.04") ||
        once(&l->peer, "{\"op\":\"observe\",\"path\":\"/3/0/14\"}", "2.05")) {
        fprintf(stderr, "bench_lwm2m: cannot observe /3/0/14\n");
        return -1;
    }
    return 0;
}

static void live_stop(live *l)
{
    nodepeer_stop(&l->peer);
    simproc_cleanup(&l->sim);
    peer_stop(l->coap);
}

static int live_half(int n, int rounds)
{
    live l;
    memset(&l, 0, sizeof l);
    l.sim.fd = -1; /* nothing to close if it never starts */
    if (live_start(&l)) {
        live_stop(&l);
        return -1;
    }
    target t[K_COUNT];
    memset(t, 0, sizeof t);
    targets(t, l.coap_port, l.coap, l.sim.pid);
    for (int k = 0; k < K_COUNT; k++)
        if (repeat(&l.peer, WARMUP, t[k].cmd, t[k].await_notify, t[k].code) < 0) {
            live_stop(&l);
            return -1;
        }
    printf("live, over loopback: %d exchanges of each kind per round, us per exchange on the peer's clock "
           "(server CPU us per exchange)\n", n);
    double us[K_COUNT][MAX_ROUNDS], cpu[K_COUNT][MAX_ROUNDS], ratio[K_COUNT][MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) { /* interleaved: the machine's load is shared */
        printf("  round %d:", r + 1);
        for (int k = 0; k < K_COUNT; k++) {
            long long c0 = cpu_ns(t[k].server);
            us[k][r] = repeat(&l.peer, n, t[k].cmd, t[k].await_notify, t[k].code);
            cpu[k][r] = (double)(cpu_ns(t[k].server) - c0) / 1e3 / n;
            if (us[k][r] < 0) {
                live_stop(&l);
                return -1;
            }
            ratio[k][r] = us[k][r] / us[K_BASE][r];
            printf(" %s %.1f (%.1f)%s", KIND_NAME[k], us[k][r], cpu[k][r], k + 1 < K_COUNT ? "," : "\n");
        }
    }
    printf("  median over %d rounds (best round):\n", rounds);
    for (int k = 0; k < K_COUNT; k++) {
        double m = median(us[k], rounds), c = median(cpu[k], rounds);
        printf("    %-20s %6.1f (%5.1f) us per exchange, server CPU %5.1f (%4.1f) us, x%.2f the baseline%s\n",
               KIND_NAME[k], m, us[k][0], c, cpu[k][0], median(ratio[k], rounds),
               k == K_READ ? " (goal <= x2)" : k == K_NOTIFY ? " (two CoAP exchanges)" : "");
    }
    live_stop(&l);
    return 0;
}

/* This process and the ones it starts on one CPU (they inherit the mask):
 * a wake-up that crosses CPUs costs both servers about twice the CPU time
 * on a paravirtualised VM (docs/bench.md), and where the scheduler puts
 * them must not decide the ratio.  The CPU it runs on, or -1. */
static int pin_to_one_cpu(void)
{
    int cpu = sched_getcpu();
    cpu_set_t set;
    CPU_ZERO(&set);
    if (cpu >= 0)
        CPU_SET(cpu, &set);
    return cpu >= 0 && sched_setaffinity(0, sizeof set, &set) == 0 ? cpu : -1;
}

int main(int argc, char **argv)
{
    int n = 200, rounds = 9, spread = 0, builtin_only = 0, opt;
    while ((opt = getopt(argc, argv, "n:r:ub")) != -1) {
        if (opt == 'n')
            n = atoi(optarg);
        else if (opt == 'r')
            rounds = atoi(optarg);
        else if (opt == 'u')
            spread = 1;
        else if (opt == 'b')
            builtin_only = 1;
        else
            n = 0;
    }
    if (n < 100 || n > 100000 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: bench_lwm2m [-n EXCHANGES (>= 100)] [-r ROUNDS (1-%d)] [-u] [-b]\n", MAX_ROUNDS);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int cpu = spread ? -1 : pin_to_one_cpu();
    if (cpu >= 0)
        printf("the peer, sarasim and coap-server all on CPU %d\n", cpu);
    else
        printf("the peer, sarasim and coap-server where the scheduler puts them\n");
    if (!builtin_only && live_half(n, rounds) < 0)
        return 1;
    return builtin_server_half(BUILTIN_EXCHANGES, rounds) < 0 ? 1 : 0;
}
