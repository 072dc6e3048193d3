/* test_lwm2m_node.c - the live sarasim's LwM2M client against an
 * independent LwM2M server (issue 10): tests/lwm2m-peer/peer.js, written on
 * node's npm `coap` with its own TLV codec, on a loopback UDP port; the
 * module is told where it is with --lwm2m-server 721=coap://127.0.0.1:P.
 * Every step is checked on both sides: what the server gets and decodes,
 * and the exact +ULWM2MSTAT URCs a host on the PTY sees.
 *
 * The module starts frozen (--time-scale 0.001) so that +ULWM2MSTAT=1 is
 * in force before its client starts (9 s after boot), then runs at 10x:
 * its CoAP timers stay far from anything a loaded machine does to node.
 * The last test is issue 11's interop: the same peer drives a whole uFOTA
 * campaign, the package on busybox httpd on loopback (--host maps the
 * content host's name to 127.0.0.1).
 * Waits only bound a failing test.  Without node or the peer's modules the
 * test fails and says how to install them (tools/deps.sh test), as the
 * libcoap and socat tests do. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "nodepeer.h"
#include "peers.h"
#include "hostcheck.h"
#include "ptyhost.h"

#define T 10000
#define SCALE "10"
#define IMEI "352835100012346"

/* What the host sees of a registration with server 721: it starts
 * (pending, the client registering), then it goes through (registered, the
 * next update in lifetime - 93 s, the client ready). */
#define URCS_REGISTERING "\r\n+ULWM2MSTAT: 1,721,2\r\n\r\n+ULWM2MSTAT: 4,4\r\n"
/* An update starts: needed, pending. */
#define URCS_UPDATING "\r\n+ULWM2MSTAT: 1,721,6\r\n\r\n+ULWM2MSTAT: 1,721,5\r\n"
#define URCS_REGISTERED                                                                                    \
    "\r\n+ULWM2MSTAT: 1,721,3\r\n\r\n+ULWM2MSTAT: 2,721,86307\r\n\r\n+ULWM2MSTAT: 4,5\r\n"

static simproc S;
static nodepeer P;

/* ---- the host ---- */

static char *cmd(const char *line) { return host_cmd_checked(&S, line, T); }

static void ok(const char *line, const char *want) { host_ok(&S, line, want, T); }

/* The next bytes on the PTY are exactly `want` (URCs). */
static void urcs(const char *want)
{
    if (host_expect_exact(&S, want, T) == 0)
        return;
    ck_abort_msg("expected %s\non the PTY, got %.*s", want, (int)S.rx.len, (const char *)S.rx.data);
}

/* An information line of a command, without the surrounding CR LF. */
static void info_line(const char *line, char *out, size_t n)
{
    char *r = cmd(line);
    const char *a = r + strspn(r, "\r\n");
    size_t len = strcspn(a, "\r");
    snprintf(out, n, "%.*s", (int)len, a);
    free(r);
}

/* ---- the server ---- */

static cJSON *peer_event(const char *event, int id)
{
    cJSON *ev = nodepeer_wait(&P, event, id, T);
    ck_assert_msg(ev != NULL, "the peer printed no %s event (id %d); %zu others pending", event, id,
                  nodepeer_pending(&P));
    return ev;
}

/* Send command `id` and take its response event. */
static cJSON *peer_do(int id, const char *json)
{
    ck_assert_int_eq(nodepeer_send(&P, "%s", json), 0);
    return peer_event("response", id);
}

static void assert_code(const cJSON *ev, const char *code)
{
    char *text = cJSON_PrintUnformatted(ev);
    ck_assert_msg(!strcmp(nodepeer_str(ev, "code"), code), "expected %s: %s", code, text);
    free(text);
}

/* Command `id` answered `code`. */
static void peer_ok(int id, const char *json, const char *code)
{
    cJSON *r = peer_do(id, json);
    assert_code(r, code);
    cJSON_Delete(r);
}

static void assert_value(const cJSON *ev, const char *path, const char *want)
{
    char buf[256];
    char *text = cJSON_PrintUnformatted(ev);
    ck_assert_msg(!strcmp(nodepeer_value(ev, path, buf, sizeof buf), want), "%s should be \"%s\": %s", path,
                  want, text);
    free(text);
}

/* The peer's next `event` (register, update, deregister) for `location`,
 * answered `code` (NULL: not checked); the caller deletes it. */
static cJSON *rd_event(const char *event, const char *location, const char *code)
{
    cJSON *ev = peer_event(event, -1);
    ck_assert_str_eq(nodepeer_str(ev, "location"), location);
    if (code)
        assert_code(ev, code);
    return ev;
}

/* ---- setup ---- */

/* The peer, then the module pointed at it (with `host`, a name the module
 * resolves to 127.0.0.1: --host NAME=127.0.0.1), its URCs on. */
static void start_with(const char *host)
{
    const char *missing = nodepeer_missing();
    ck_assert_msg(missing == NULL, "%s", missing);
    ck_assert_msg(nodepeer_start(&P, 0, T) == 0, "peer.js did not start (its stderr is above)");
    char server[64], map[96];
    snprintf(server, sizeof server, "721=coap://127.0.0.1:%d", P.port);
    snprintf(map, sizeof map, "%s=127.0.0.1", host ? host : "");
    const char *const args[] = { "--boot-time", "1ms", "--time-scale", SIM_FROZEN, "--lwm2m-server", server,
                                 host ? "--host" : NULL, map, NULL };
    ck_assert_int_eq(simproc_start(&S, args), 0);
    ck_assert_int_eq(host_open(&S, 115200), 0);
    ck_assert_int_eq(host_wait_ready(&S, T), 0);
    ok("ATE0\r", "ATE0\r\r\nOK\r\n");
    ok("AT+ULWM2MSTAT=1\r", "\r\nOK\r\n");
}

static void start(void)
{
    start_with(NULL);
    ck_assert_int_eq(simproc_set_time_scale(&S, SCALE), 0);
}

static void stop(void)
{
    nodepeer_stop(&P);
    simproc_cleanup(&S);
}

/* (a) The module registers as a SARA-R5 once attached. */
static void registers(void)
{
    cJSON *reg = rd_event("register", "rd/1", NULL);
    ck_assert_str_eq(nodepeer_str(reg, "ep"), "urn:imei:" IMEI);
    ck_assert_int_eq((int)nodepeer_num(reg, "lt"), 86400);
    ck_assert_str_eq(nodepeer_str(reg, "b"), "UQS");
    ck_assert_str_eq(nodepeer_str(reg, "lwm2m"), "1.0");
    const char *links = nodepeer_str(reg, "payload");
    ck_assert_msg(strstr(links, "</1/10>") && strstr(links, "</3/0>") && strstr(links, "</5/0>") &&
                      strstr(links, "</10308>"),
                  "%s", links);
    ck_assert_msg(!strstr(links, "</0/"), "the Security object is listed: %s", links);
    cJSON_Delete(reg);
    urcs("\r\n+ULWM2MSTAT: 4,3\r\n" URCS_REGISTERING URCS_REGISTERED);
}

START_TEST(registers_and_serves_write_observe_and_read)
{
    start();
    registers();

    /* (b) A new lifetime in TLV: 2.04, an Update with lt=, the host sees
     * the update go through and the new lifetime. */
    peer_ok(2, "{\"op\":\"write\",\"id\":2,\"path\":\"/1/10/1\",\"value\":3600,\"format\":\"tlv\"}", "2.04");
    cJSON *up = rd_event("update", "rd/1", "2.04");
    ck_assert_str_eq(nodepeer_str(cJSON_GetObjectItem(up, "query"), "lt"), "3600");
    cJSON_Delete(up);
    urcs(URCS_UPDATING "\r\n+ULWM2MSTAT: 1,721,3\r\n\r\n+ULWM2MSTAT: 2,721,3507\r\n");
    ok("AT+ULWM2MREAD=\"/1/10/1\"\r", "\r\n+ULWM2MREAD: {\"bn\":\"/1/10/1/\",\"e\":[{\"n\":\"1\",\"v\":3600}]}\r\n"
                                     "\r\nOK\r\n");
    cJSON *r = peer_do(3, "{\"op\":\"read\",\"id\":3,\"path\":\"/1/10/1\"}");
    assert_code(r, "2.05");
    ck_assert_int_eq((int)nodepeer_num(r, "format"), 0); /* text/plain for one resource */
    assert_value(r, "/1/10/1", "3600");
    cJSON_Delete(r);

    /* (c) Observe the firmware update state with pmax 1 s: a CON
     * notification every simulated second, each one a URC on the host. */
    peer_ok(4, "{\"op\":\"attributes\",\"id\":4,\"path\":\"/5/0/3\",\"pmax\":1}", "2.04");
    r = peer_do(5, "{\"op\":\"observe\",\"id\":5,\"path\":\"/5/0/3\"}");
    assert_code(r, "2.05");
    ck_assert_int_eq((int)nodepeer_num(r, "observe"), 0);
    assert_value(r, "/5/0/3", "0");
    cJSON_Delete(r);
    for (int k = 1; k <= 3; k++) {
        cJSON *n = peer_event("notify", -1);
        ck_assert_str_eq(nodepeer_str(n, "path"), "/5/0/3");
        ck_assert_int_eq((int)nodepeer_num(n, "observe"), k);
        assert_code(n, "2.05");
        assert_value(n, "/5/0/3", "0");
        cJSON_Delete(n);
        urcs("\r\n+ULWM2MSTAT: 3,721,\"/5/0/3/\"\r\n");
    }
    peer_ok(6, "{\"op\":\"cancel\",\"id\":6,\"path\":\"/5/0/3\"}", "2.05");
    ck_assert_int_eq(host_sync(&S, T), 0); /* a notification sent before the cancel arrived */

    /* (d) The device object in TLV, decoded by the peer's own codec, says
     * what the host reads over AT. */
    char model[64], imei[32], fw[32];
    info_line("AT+CGMM\r", model, sizeof model);
    info_line("AT+CGSN\r", imei, sizeof imei);
    info_line("AT+CGMR\r", fw, sizeof fw);
    ck_assert_str_eq(imei, IMEI);
    r = peer_do(7, "{\"op\":\"read\",\"id\":7,\"path\":\"/3/0\",\"accept\":\"tlv\"}");
    assert_code(r, "2.05");
    ck_assert_int_eq((int)nodepeer_num(r, "format"), 11542);
    assert_value(r, "/3/0/0", "u-blox");
    assert_value(r, "/3/0/1", model);
    assert_value(r, "/3/0/2", imei);
    assert_value(r, "/3/0/3", fw);
    cJSON_Delete(r);
    stop();
}
END_TEST

/* The server restarts and forgets every registration: the module's next
 * Update gets 4.04 and it registers again, with the lifetime it has. */
START_TEST(server_that_forgot_the_registration_gets_a_new_register)
{
    start();
    registers();
    int port = P.port;
    nodepeer_stop(&P);
    ck_assert_msg(nodepeer_start(&P, port, T) == 0, "peer.js did not start again on port %d", port);

    ok("AT+ULWM2MREG=721\r", "\r\nOK\r\n");
    urcs(URCS_UPDATING);
    cJSON_Delete(rd_event("update", "rd/1", "4.04"));
    cJSON *reg = rd_event("register", "rd/1", NULL); /* the new server's first */
    ck_assert_str_eq(nodepeer_str(reg, "ep"), "urn:imei:" IMEI);
    cJSON_Delete(reg);
    urcs(URCS_REGISTERING URCS_REGISTERED);
    /* the new server reaches the module */
    cJSON *r = peer_do(1, "{\"op\":\"read\",\"id\":1,\"path\":\"/3/0/0\"}");
    assert_code(r, "2.05");
    assert_value(r, "/3/0/0", "u-blox");
    cJSON_Delete(r);
    stop();
}
END_TEST

/* The host de-registers and registers again: DELETE, then a new POST /rd. */
START_TEST(host_deregisters_and_registers_again)
{
    start();
    registers();
    ok("AT+ULWM2MDEREG=721\r", "\r\nOK\r\n");
    urcs("\r\n+ULWM2MSTAT: 1,721,9\r\n");
    cJSON_Delete(rd_event("deregister", "rd/1", "2.02"));
    urcs("\r\n+ULWM2MSTAT: 1,721,0\r\n\r\n+ULWM2MSTAT: 4,3\r\n");
    ok("AT+ULWM2MREG=721\r", "\r\nOK\r\n");
    urcs(URCS_REGISTERING);
    cJSON_Delete(rd_event("register", "rd/2", NULL));
    urcs(URCS_REGISTERED);
    stop();
}
END_TEST

/* The server executes Registration Update Trigger (/1/10/8): the module
 * sends an Update, and the host sees the same URCs as for +ULWM2MREG=721
 * or a new lifetime: update needed, update pending, registered.
 * FAILS until protocol/lwm2m_client.c execute() reports the status change
 * (it sets s->status = UPDATE_NEEDED without set_status(): no "1,721,6"). */
START_TEST(server_triggers_a_registration_update)
{
    start();
    registers();
    peer_ok(1, "{\"op\":\"execute\",\"id\":1,\"path\":\"/1/10/8\"}", "2.04");
    cJSON *up = rd_event("update", "rd/1", "2.04");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(up, "query")), 0); /* nothing changed */
    cJSON_Delete(up);
    urcs(URCS_UPDATING "\r\n+ULWM2MSTAT: 1,721,3\r\n\r\n+ULWM2MSTAT: 2,721,86307\r\n");
    stop();
}
END_TEST

/* ---- issue 11: a whole uFOTA campaign driven by the independent server,
 * the package on busybox httpd ---- */

#define PKG_FROM "03.15,A00.01"
#define PKG_TO "03.16,A00.01"
#define PKG_HOST "pkg.example.test"

static char www[64];
static pid_t httpd = -1;

/* A 100 kB delta from the module's firmware (sarasim-pkg, docs/packages.md)
 * served by busybox httpd on a free loopback port; the port. */
static int package_server_start(void)
{
    snprintf(www, sizeof www, "/tmp/sarasim-www-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(www));
    char path[128];
    snprintf(path, sizeof path, "%s/delta.bin", www);
    ck_assert_int_eq(peer_package_create(path, "delta", PKG_FROM, PKG_TO, 100000), 0);
    int port;
    httpd = peer_httpd_start(www, &port, T);
    ck_assert_msg(httpd > 0, "busybox httpd did not start");
    return port;
}

static void package_server_stop(void)
{
    peer_stop(httpd);
    httpd = -1;
    char cmdline[128];
    snprintf(cmdline, sizeof cmdline, "rm -rf %s", www);
    ck_assert_int_eq(system(cmdline), 0);
}

/* App note §3.1 Figure 3, §3.7.1: the server observes State, writes the
 * http:// URI; the module fetches the package from busybox, reports State
 * 2; the server executes; the module validates, installs, reboots into the
 * new firmware, registers again, and the server reads Result 1 and the new
 * version.  The host sees every +UFOTASTAT / +UFWPREVAL / +UUFWINSTALL. */
START_TEST(campaign_over_http_from_busybox)
{
    ck_assert_msg(peer_available("busybox"), "busybox not installed (tools/deps.sh test)");
    int port = package_server_start();
    start_with(PKG_HOST);
    ok("AT+UFOTASTAT=1\r", "\r\nOK\r\n");
    ok("AT+UFWINSTALL=,,,1\r", "\r\nOK\r\n");
    ck_assert_int_eq(simproc_set_time_scale(&S, SCALE), 0);
    ck_assert_int_eq(host_expect(&S, "\r\n+UFOTASTAT: 3,0,0\r\n", T), 0);
    registers();

    peer_ok(2, "{\"op\":\"observe\",\"id\":2,\"path\":\"/5/0/3\"}", "2.05");
    char write[256];
    snprintf(write, sizeof write,
             "{\"op\":\"write\",\"id\":3,\"path\":\"/5/0/1\",\"value\":\"http://%s:%d/delta.bin\",\"format\":\"text\"}",
             PKG_HOST, port);
    peer_ok(3, write, "2.04");
    ck_assert_int_eq(host_expect(&S, "\r\n+UFOTASTAT: 1,0,0\r\n", T), 0);
    ck_assert_int_eq(host_expect(&S, "\r\n+UFOTASTAT: 0,1,50\r\n", T), 0);
    ck_assert_int_eq(host_expect(&S, "\r\n+UFOTASTAT: 2,2,100\r\n", T), 0);
    /* State 2 reaches the server (after pmin) */
    for (;;) {
        cJSON *n = peer_event("notify", -1);
        char buf[16];
        int two = !strcmp(nodepeer_value(n, "/5/0/3", buf, sizeof buf), "2");
        cJSON_Delete(n);
        if (two)
            break;
    }
    char *r = cmd("AT+UFOTA?\r");
    ck_assert_msg(strstr(r, ",100000,100000\r\n") != NULL, "%s", r);
    free(r);

    peer_ok(4, "{\"op\":\"execute\",\"id\":4,\"path\":\"/5/0/2\"}", "2.04");
    ck_assert_int_eq(host_expect(&S, "\r\n+UFWPREVAL: 0\r\n", T), 0);
    ck_assert_int_eq(host_expect(&S, "\r\n+UUFWINSTALL: 1\r\n", T), 0);
    /* the install's 25 simulated minutes need not take minutes of wall time */
    ck_assert_int_eq(simproc_set_time_scale(&S, "1000"), 0);
    ck_assert_int_eq(host_expect(&S, "\r\n+UUFWINSTALL: 128\r\n", 4 * T), 0);
    ck_assert_int_eq(simproc_set_time_scale(&S, SCALE), 0);

    cJSON *reg = peer_event("register", -1);
    cJSON_Delete(reg);
    ck_assert_int_eq(host_wait_ready(&S, T), 0);
    ok("ATE0\r", "ATE0\r\r\nOK\r\n"); /* the new firmware's first boot: factory settings */
    char fw[32], cgmr[32];
    info_line("ATI9\r", fw, sizeof fw);
    ck_assert_str_eq(fw, PKG_TO);
    info_line("AT+CGMR\r", cgmr, sizeof cgmr);
    cJSON *res = peer_do(5, "{\"op\":\"read\",\"id\":5,\"path\":\"/5/0/5\"}");
    assert_code(res, "2.05");
    assert_value(res, "/5/0/5", "1");
    cJSON_Delete(res);
    res = peer_do(6, "{\"op\":\"read\",\"id\":6,\"path\":\"/3/0/3\"}");
    assert_value(res, "/3/0/3", cgmr); /* the firmware version the server sees changed with it */
    ck_assert_str_eq(cgmr, "03.16");
    cJSON_Delete(res);
    stop();
    package_server_stop();
}
END_TEST

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    Suite *s = suite_create("lwm2m_node");
    TCase *t = tcase_create("peer.js");
    tcase_set_timeout(t, 90);
    tcase_add_test(t, registers_and_serves_write_observe_and_read);
    tcase_add_test(t, server_that_forgot_the_registration_gets_a_new_register);
    tcase_add_test(t, host_deregisters_and_registers_again);
    tcase_add_test(t, server_triggers_a_registration_update);
    suite_add_tcase(s, t);
    TCase *c = tcase_create("campaign");
    tcase_set_timeout(c, 200);
    tcase_add_test(c, campaign_over_http_from_busybox);
    suite_add_tcase(s, c);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
