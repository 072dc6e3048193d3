/* test_net_live.c - the live sarasim's sockets against real servers on
 * loopback (issue 9): socat TCP and UDP echo servers started here, the
 * module told where they are with --host, a host on the PTY resolving,
 * connecting, writing and reading; a real endpoint that is down; a name
 * nobody mapped; the port closed and reopened with a socket open.
 *
 * Runs at --time-scale 10: the link model's delays shrink tenfold, the
 * real servers answer in wall time (docs/network.md).  Waits only bound a
 * failing test. */
#include <check.h>
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

#include "peers.h"
#include "hostcheck.h"
#include "ptyhost.h"

#define T 5000

static simproc S;
static pid_t tcp_echo = -1, udp_echo = -1;
static int tcp_port, udp_port;

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A loopback port nobody listens on right now (the kernel picks it). */
static int free_port(int type)
{
    int fd = socket(AF_INET, type, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static pid_t spawn_socat(const char *listen)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execlp("socat", "socat", listen, "EXEC:cat", (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Wait until the TCP echo accepts connections (socat needs a moment). */
static void wait_listening(int port)
{
    if (peer_wait_tcp_listening(port, (int)T))
        ck_abort_msg("socat never listened on %d", port);
}

static void servers_start(void)
{
    char arg[128];
    tcp_port = free_port(SOCK_STREAM);
    udp_port = free_port(SOCK_DGRAM);
    snprintf(arg, sizeof(arg), "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork", tcp_port);
    tcp_echo = spawn_socat(arg);
    snprintf(arg, sizeof(arg), "UDP-RECVFROM:%d,bind=127.0.0.1,fork", udp_port);
    udp_echo = spawn_socat(arg);
    wait_listening(tcp_port);
}

static void servers_stop(void)
{
    if (tcp_echo > 0)
        kill(tcp_echo, SIGTERM), waitpid(tcp_echo, NULL, 0);
    if (udp_echo > 0)
        kill(udp_echo, SIGTERM), waitpid(udp_echo, NULL, 0);
    tcp_echo = udp_echo = -1;
}

static char *cmd(const char *line) { return host_cmd_checked(&S, line, T); }

static void ok(const char *line, const char *want) { host_ok(&S, line, want, T); }

/* Boot, echo off, registered, PSD profile up. */
static void bring_up(void)
{
    ck_assert_int_eq(host_open(&S, 115200), 0);
    ck_assert_int_eq(host_wait_ready(&S, 10000), 0);
    host_send(&S, "ATE0\r");
    ck_assert_int_eq(host_expect(&S, "OK\r\n", T), 0);
    long long deadline = now_ms() + 10000;
    for (;;) {
        char *r = cmd("AT+CGATT?\r");
        int attached = strstr(r, "+CGATT: 1") != NULL;
        free(r);
        if (attached)
            break;
        ck_assert_msg(now_ms() < deadline, "never attached");
        poll(NULL, 0, 50);
    }
    ok("AT+UPSD=0,100,1\r", "\r\nOK\r\n");
    ok("AT+UPSDA=0,3\r", "\r\nOK\r\n");
    ck_assert_int_eq(host_expect(&S, "+UUPSDA: 0,\"", T), 0);
    ck_assert_int_eq(host_expect(&S, "\"\r\n", T), 0);
}

START_TEST(tcp_and_udp_through_real_loopback_servers)
{
    servers_start();
    const char *const args[] = { "--boot-time", "500ms", "--time-scale", "10", "--host", "echo.test=127.0.0.1",
                                 NULL };
    ck_assert_int_eq(simproc_start(&S, args), 0);
    bring_up();
    ok("AT+UDNSRN=0,\"echo.test\"\r", "\r\n+UDNSRN: \"127.0.0.1\"\r\n\r\nOK\r\n");

    /* TCP: connect by name, binary write of every byte value, echo */
    ok("AT+USOCR=6\r", "\r\n+USOCR: 0\r\n\r\nOK\r\n");
    char line[128];
    snprintf(line, sizeof(line), "AT+USOCO=0,\"echo.test\",%d\r", tcp_port);
    ok(line, "\r\nOK\r\n");
    uint8_t data[256];
    for (int i = 0; i < 256; i++)
        data[i] = (uint8_t)i;
    host_send(&S, "AT+USOWR=0,256\r");
    ck_assert_int_eq(host_expect_exact(&S, "\r\n@", T), 0);
    ck_assert_int_eq(host_send_bytes(&S, data, sizeof(data)), 0);
    ck_assert_int_eq(host_expect_exact(&S, "\r\n+USOWR: 0,256\r\n\r\nOK\r\n", T), 0);
    /* the echo may come back in pieces: read until all 256 are in */
    uint8_t back[256];
    size_t got = 0;
    long long deadline = now_ms() + T;
    while (got < sizeof(back) && now_ms() < deadline) {
        char *r = cmd("AT+USORD=0,1024\r");
        size_t n = 0;
        const char *q = strstr(r, "+USORD: 0,");
        ck_assert_ptr_nonnull(q);
        ck_assert_int_eq(sscanf(q, "+USORD: 0,%zu", &n), 1);
        const char *d = strchr(q, '"');
        if (n) {
            ck_assert_ptr_nonnull(d);
            ck_assert_uint_le(got + n, sizeof(back));
            memcpy(back + got, d + 1, n);
            got += n;
        } else {
            poll(NULL, 0, 20);
        }
        free(r);
    }
    ck_assert_uint_eq(got, sizeof(back));
    ck_assert_mem_eq(back, data, sizeof(data));
    ok("AT+USOCTL=0,3\r", "\r\n+USOCTL: 0,3,256\r\n\r\nOK\r\n");
    ok("AT+USOCL=0\r", "\r\nOK\r\n");

    /* UDP to the address itself */
    ok("AT+USOCR=17\r", "\r\n+USOCR: 0\r\n\r\nOK\r\n");
    snprintf(line, sizeof(line), "AT+USOST=0,\"127.0.0.1\",%d,5,\"hello\"\r", udp_port);
    ok(line, "\r\n+USOST: 0,5\r\n\r\nOK\r\n");
    ck_assert_int_eq(host_expect(&S, "\r\n+UUSORF: 0,5\r\n", T), 0);
    char want[128];
    snprintf(want, sizeof(want), "\r\n+USORF: 0,\"127.0.0.1\",%d,5,\"hello\"\r\n\r\nOK\r\n", udp_port);
    ok("AT+USORF=0,100\r", want);
    ok("AT+USOCL=0\r", "\r\nOK\r\n");

    /* a real endpoint that is down: refused */
    ok("AT+USOCR=6\r", "\r\n+USOCR: 0\r\n\r\nOK\r\n");
    snprintf(line, sizeof(line), "AT+USOCO=0,\"127.0.0.1\",%d\r", free_port(SOCK_STREAM));
    ok(line, "\r\nERROR\r\n");
    ok("AT+USOER\r", "\r\n+USOER: 111\r\n\r\nOK\r\n");
    /* a name nobody mapped */
    ok("AT+UDNSRN=0,\"unmapped.test\"\r", "\r\nERROR\r\n");
    ok("AT+USOER\r", "\r\n+USOER: 163\r\n\r\nOK\r\n");
    ok("AT+USOCL=0\r", "\r\nOK\r\n");
    simproc_cleanup(&S);
    servers_stop();
}
END_TEST

START_TEST(socket_survives_the_port_closed_and_reopened)
{
    servers_start();
    const char *const args[] = { "--boot-time", "500ms", "--time-scale", "10", "--host", "echo.test=127.0.0.1",
                                 NULL };
    ck_assert_int_eq(simproc_start(&S, args), 0);
    bring_up();
    ok("AT+USOCR=6\r", "\r\n+USOCR: 0\r\n\r\nOK\r\n");
    char line[128];
    snprintf(line, sizeof(line), "AT+USOCO=0,\"echo.test\",%d\r", tcp_port);
    ok(line, "\r\nOK\r\n");
    ok("AT+USOWR=0,4,\"ping\"\r", "\r\n+USOWR: 0,4\r\n\r\nOK\r\n");
    /* the host goes away while the echo comes back (its URC may be lost) */
    host_close(&S);
    ck_assert_int_eq(host_open(&S, 115200), 0);
    /* the data waited in the module */
    long long deadline = now_ms() + T;
    for (;;) {
        char *r = cmd("AT+USORD=0,0\r");
        int ready = strstr(r, "+USORD: 0,4\r\n") != NULL;
        free(r);
        if (ready)
            break;
        ck_assert_msg(now_ms() < deadline, "the echo never arrived");
        poll(NULL, 0, 20);
    }
    ok("AT+USORD=0,4\r", "\r\n+USORD: 0,4,\"ping\"\r\n\r\nOK\r\n");
    ok("AT+USOCL=0\r", "\r\nOK\r\n");
    simproc_cleanup(&S);
    servers_stop();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("net_live");
    TCase *t = tcase_create("loopback");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, tcp_and_udp_through_real_loopback_servers);
    tcase_add_test(t, socket_survives_the_port_closed_and_reopened);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
