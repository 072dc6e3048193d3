/* test_lwm2m_libcoap.c - the live sarasim's LwM2M client against libcoap's
 * resource directory (libcoap3-bin, an implementation independent of ours)
 * over real UDP on loopback (issue 10, interop (a) and (c)):
 *   - coap-rd-notls accepts the module's Register; the location the module
 *     keeps is the one coap-rd lists in /.well-known/core; the host sees the
 *     registration through +ULWM2MSTAT and +ULWM2MREG;
 *   - coap-rd-openssl: the same over DTLS-PSK (coaps://, --lwm2m-psk);
 *   - nothing listens: the module keeps trying (status pending) and the host
 *     can de-register it.
 * Runs at --time-scale 10; waits only bound a failing test. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peers.h"
#include "hostcheck.h"
#include "ptyhost.h"

#define T 10000
#define PSK_ID "urn:imei:352835100012346"
#define PSK_KEY "sarasim-psk-0123"

static simproc S;
static pid_t rd = -1;
static char rdlog[256];

static void teardown(void)
{
    simproc_cleanup(&S);
    peer_stop(rd);
    rd = -1;
    if (rdlog[0])
        unlink(rdlog);
    rdlog[0] = 0;
}

static int start_rd(const char *flavour)
{
    char prog[64], port[16];
    snprintf(prog, sizeof prog, "coap-rd-%s", flavour);
    ck_assert_msg(peer_available(prog), "%s is not installed (tools/deps.sh installs libcoap3-bin)", prog);
    int p = peer_free_port_pair();
    ck_assert_int_gt(p, 0);
    snprintf(port, sizeof port, "%d", p);
    snprintf(rdlog, sizeof rdlog, "/tmp/sarasim-rd-%d.log", (int)getpid());
    const char *argv[] = { prog, "-A", "127.0.0.1", "-p", port, "-v", "7", "-k", PSK_KEY, NULL };
    if (!strcmp(flavour, "notls"))
        argv[7] = NULL; /* no key */
    rd = peer_spawn(argv, rdlog);
    ck_assert_int_gt(rd, 0);
    ck_assert_msg(peer_wait_udp_bound(p, T) == 0, "%s never bound UDP %d", prog, p);
    return p;
}

static void boot(const char *const *args)
{
    ck_assert_msg(simproc_start(&S, args) == 0, "sarasim did not start");
    ck_assert_int_eq(host_open(&S, 115200), 0);
    ck_assert_msg(host_wait_ready(&S, T) == 0, "no answer");
    host_send(&S, "ATE0;+CMEE=2;+ULWM2MSTAT=1\r");
    ck_assert_int_eq(host_expect(&S, "OK\r\n", T), 0);
}

static char *cmd(const char *line) { return host_cmd_checked(&S, line, T); }

/* The location the module keeps for server 721 ("rd/77cb-9c0"), from its
 * state (control channel). */
static void module_location(char *out, size_t size)
{
    char *st = simproc_ctl(&S, "{\"cmd\":\"state\"}");
    ck_assert_ptr_nonnull(st);
    const char *k = strstr(st, "\"location\":\"");
    ck_assert_msg(k != NULL, "no location in %s", st);
    k += strlen("\"location\":\"");
    size_t n = strcspn(k, "\"");
    ck_assert_uint_lt(n, size);
    memcpy(out, k, n);
    out[n] = 0;
    free(st);
}

/* coap-rd-notls: the module registers, the registration it keeps is the
 * one the directory holds, and the host saw each step. */
START_TEST(coap_rd_accepts_the_modules_registration)
{
    int p = start_rd("notls");
    char server[64];
    snprintf(server, sizeof server, "721=coap://127.0.0.1:%d", p);
    const char *args[] = { "--time-scale", "10", "--lwm2m-server", server, NULL };
    boot(args);
    ck_assert_int_eq(host_expect(&S, "\r\n+ULWM2MSTAT: 1,721,2\r\n", T), 0);
    ck_assert_int_eq(host_expect(&S, "\r\n+ULWM2MSTAT: 1,721,3\r\n", T), 0);
    ck_assert_int_eq(host_expect(&S, "\r\n+ULWM2MSTAT: 2,721,86307\r\n", T), 0);
    char *r = cmd("AT+ULWM2MREG?\r");
    ck_assert_msg(strstr(r, "\r\n+ULWM2MREG: 721,3,86") != NULL, "%s", r);
    free(r);
    char loc[64], url[128], want[96];
    module_location(loc, sizeof loc);
    ck_assert_msg(!strncmp(loc, "rd/", 3), "location %s", loc);
    /* the directory lists the registration under the same location */
    snprintf(url, sizeof url, "coap://127.0.0.1:%d/.well-known/core", p);
    char log[256];
    snprintf(log, sizeof log, "/tmp/sarasim-rdget-%d.log", (int)getpid());
    unlink(log);
    const char *get[] = { "coap-client-notls", "-m", "get", url, NULL };
    pid_t g = peer_spawn(get, log);
    int st = 0;
    ck_assert_int_eq(waitpid(g, &st, 0), g);
    char *listing = peer_read_log(log);
    unlink(log);
    snprintf(want, sizeof want, "</%s>", loc);
    ck_assert_msg(listing && strstr(listing, want), "coap-rd lists %s, want %s", listing ? listing : "?", want);
    free(listing);
    /* a check-in reaches it too */
    char *r2 = cmd("AT+ULWM2MREG=721\r");
    ck_assert_str_eq(r2, "\r\nOK\r\n");
    free(r2);
    ck_assert_int_eq(host_expect(&S, "\r\n+ULWM2MSTAT: 1,721,6\r\n\r\n+ULWM2MSTAT: 1,721,5\r\n", T), 0);
    ck_assert_int_eq(host_expect(&S, "\r\n+ULWM2MSTAT: 1,721,3\r\n", T), 0);
    /* what the module sent, as the directory logged it (its stdout is
     * complete once it exited): ep, lifetime, binding, and the object
     * links without the Security object */
    peer_stop(rd);
    rd = -1;
    char *rdl = peer_read_log(rdlog);
    ck_assert_ptr_nonnull(rdl);
    ck_assert_ptr_nonnull(strstr(rdl, "Uri-Query:ep=urn:imei:352835100012346, Uri-Query:lt=86400, "
                                      "Uri-Query:lwm2m=1.0, Uri-Query:b=UQS"));
    ck_assert_ptr_nonnull(strstr(rdl, "</1/10>,</2/1>"));
    ck_assert_ptr_nonnull(strstr(rdl, "</16/0>,</10308>'"));
    ck_assert_ptr_null(strstr(rdl, "</0/"));
    ck_assert_ptr_nonnull(strstr(rdl, "c:POST i:")); /* the Update */
    free(rdl);
}
END_TEST

/* coap-rd-openssl -k: the module's DTLS-PSK handshake and Register. */
START_TEST(coap_rd_openssl_accepts_the_registration_over_dtls_psk)
{
    int p = start_rd("openssl");
    char server[64], psk[128];
    snprintf(server, sizeof server, "721=coaps://127.0.0.1:%d", p + 1);
    char hex[64] = "";
    for (size_t i = 0; i < strlen(PSK_KEY); i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned char)PSK_KEY[i]);
    snprintf(psk, sizeof psk, "%s:%s", PSK_ID, hex);
    const char *args[] = { "--time-scale", "10", "--lwm2m-server", server, "--lwm2m-psk", psk, NULL };
    boot(args);
    ck_assert_int_eq(host_expect(&S, "\r\n+ULWM2MSTAT: 1,721,3\r\n", T), 0);
    peer_stop(rd);
    rd = -1;
    char *rdl = peer_read_log(rdlog);
    ck_assert_ptr_nonnull(rdl);
    ck_assert_msg(strstr(rdl, "got psk_identity: '" PSK_ID "'") != NULL, "%s", rdl);
    ck_assert_ptr_nonnull(strstr(rdl, "Uri-Path:rd"));
    free(rdl);
}
END_TEST

/* Nothing answers at the server's address: the module keeps trying
 * (pending) and the host can stop it. */
START_TEST(unreachable_server_pending_then_deregistered_by_the_host)
{
    int p = peer_free_port_pair();
    char server[64];
    snprintf(server, sizeof server, "721=coap://127.0.0.1:%d", p);
    const char *args[] = { "--time-scale", "10", "--lwm2m-server", server, NULL };
    boot(args);
    ck_assert_int_eq(host_expect(&S, "\r\n+ULWM2MSTAT: 1,721,2\r\n\r\n+ULWM2MSTAT: 4,4\r\n", T), 0);
    char *r = cmd("AT+ULWM2MREG?\r");
    ck_assert_str_eq(r, "\r\n+ULWM2MREG: 721,2\r\n\r\nOK\r\n");
    free(r);
    r = cmd("AT+ULWM2MDEREG=721\r");
    ck_assert_str_eq(r, "\r\nOK\r\n");
    free(r);
    ck_assert_int_eq(host_expect(&S, "\r\n+ULWM2MSTAT: 1,721,0\r\n\r\n+ULWM2MSTAT: 4,3\r\n", T), 0);
    r = cmd("AT+ULWM2MREG?\r");
    ck_assert_str_eq(r, "\r\n+ULWM2MREG: 721,0\r\n\r\nOK\r\n");
    free(r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lwm2m_libcoap");
    TCase *t = tcase_create("interop");
    tcase_add_checked_fixture(t, NULL, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, coap_rd_accepts_the_modules_registration);
    tcase_add_test(t, coap_rd_openssl_accepts_the_registration_over_dtls_psk);
    tcase_add_test(t, unreachable_server_pending_then_deregistered_by_the_host);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
