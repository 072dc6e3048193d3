/* test_ufota.c - uFOTA end to end on the virtual clock (app note §3): a
 * campaign server written here on coap_ep (registration responder, Write of
 * /5/0/1, Execute of /5/0/2, and a CoAP Block2 package host), the module's
 * URCs byte for byte, its object 5 as the server reads it, the download's
 * pause / resume / cancel, the configuration modes, signal loss with the
 * §3.2.2 back-off, power loss, and the install with Table 16's uFOTA row.
 * Names quote the app note section they check. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/coap_files.h"
#include "harness/networld.h"
#include "memhost.h"
#include "protocol/coap_block.h"
#include "protocol/coap_ep.h"
#include "protocol/package.h"
#include "sim/ufota.h"

#define SRV_IP 0xCB00710Au /* 203.0.113.10 */
#define PKG_SIZE 200000

/* ---- the campaign server ---- */

typedef struct campaign {
    coap_ep lw;              /* LwM2M, towards the module's client */
    coap_out lo;
    coap_ep fs;              /* the package host */
    coap_out fo;
    net_addr client;         /* the module's LwM2M address */
    int registered;          /* Register / Update count */
    uint8_t last_code;       /* the module's answer to our last request */
    int answers;
    bytebuf pkg;             /* the package served */
    uint32_t first_block;    /* Block2 number of the first GET of a transfer */
    int gets;
    int drop_gets;           /* the package host stops answering */
} campaign;

static void lw_datagram(void *svc, networld *w, net_addr from, net_addr to, const uint8_t *p, size_t n)
{
    campaign *c = svc;
    sim_ns now = clk_now(networld_clock(w));
    coap_ep_feed(&c->lw, now, p, n, &c->lo);
    for (size_t i = 0; i < c->lo.nev; i++) {
        const coap_event *e = &c->lo.ev[i];
        if (e->kind == COAP_EV_RESPONSE) {
            c->last_code = e->msg.code;
            c->answers++;
            continue;
        }
        if (e->kind != COAP_EV_REQUEST)
            continue;
        c->client = from;
        c->registered++;
        coap_msg r;
        coap_msg_init(&r, COAP_ACK, e->msg.code == COAP_DELETE ? COAP_DELETED : COAP_CHANGED);
        if (coap_msg_count(&e->msg, COAP_OPT_URI_PATH) == 1) { /* /rd: a Register */
            r.code = COAP_CREATED;
            coap_msg_add_split(&r, COAP_OPT_LOCATION_PATH, "rd/1", 4);
        }
        coap_ep_respond(&c->lw, now, e->xid, &r, NULL, &c->lo);
    }
    coap_out_send_world(w, to, from, &c->lo);
}

static void fs_datagram(void *svc, networld *w, net_addr from, net_addr to, const uint8_t *p, size_t n)
{
    campaign *c = svc;
    if (c->drop_gets)
        return;
    sim_ns now = clk_now(networld_clock(w));
    coap_ep_feed(&c->fs, now, p, n, &c->fo);
    for (size_t i = 0; i < c->fo.nev; i++) {
        const coap_event *e = &c->fo.ev[i];
        if (e->kind != COAP_EV_REQUEST)
            continue;
        coap_block b = { 0, 0, 6 };
        if (coap_msg_get_block(&e->msg, COAP_OPT_BLOCK2, &b) == 0 && c->gets++ == 0)
            c->first_block = b.num;
        coap_msg r;
        coap_msg_init(&r, COAP_ACK, COAP_CONTENT);
        coap_b2_serve(&e->msg, c->pkg.data, c->pkg.len, 6, &r);
        coap_ep_respond(&c->fs, now, e->xid, &r, NULL, &c->fo);
    }
    coap_out_send_world(w, to, from, &c->fo);
}

static const nw_service_ops lw_ops = { .datagram = lw_datagram };
static const nw_service_ops fs_ops = { .datagram = fs_datagram };

typedef struct env {
    memhost h;
    networld *w;
    campaign srv;
    char dir[64];
} env;

static env E;

static void make_package(const char *product, const char *from)
{
    pkg_spec ps = { .kind = PKG_KIND_DELTA, .product = product, .from = from, .to = "03.16,A00.01",
                    .package_size = PKG_SIZE, .seed = 3, .brk = PKG_BREAK_NONE };
    bytebuf_clear(&E.srv.pkg);
    ck_assert_int_eq(pkg_build(&ps, &E.srv.pkg), 0);
}

static void world_up(void)
{
    nw_service_cfg svcs[2] = {
        { .proto = IP_UDP, .port = 5683, .kind = NW_SVC_CUSTOM, .ops = &lw_ops, .svc = &E.srv },
        { .proto = IP_UDP, .port = 5690, .kind = NW_SVC_CUSTOM, .ops = &fs_ops, .svc = &E.srv },
    };
    nw_host_cfg host = { (char *)"ufota.test", SRV_IP, NULL, svcs, 2, { 0 } };
    nw_config cfg = { &host, 1 };
    ck_assert_int_eq(networld_create(&E.w, &E.h.clock, &cfg, NULL), 0);
}

static void modem_up(void)
{
    coap_ep_init(&E.srv.lw, NULL);
    coap_out_init(&E.srv.lo);
    coap_ep_init(&E.srv.fs, NULL);
    coap_out_init(&E.srv.fo);
    modem_config mc;
    mh_default_cfg(&mc, E.dir);
    char err[128];
    ck_assert_int_eq(device_lwm2m_server_arg(&mc.dev, "721=coap://ufota.test:5683", err, sizeof err), 0);
    mc.world = networld_ops(E.w);
    mh_init_cfg(&E.h, &mc);
    networld_attach(E.w, E.h.m);
    mh_prepare(&E.h);
}

static void setup(void)
{
    memset(&E, 0, sizeof E);
    bytebuf_init(&E.srv.pkg);
    mh_make_tmpdir(E.dir, sizeof E.dir);
    make_package("SARA-R510M8S-01B", "03.15,A00.01");
    world_up();
    modem_up();
}

static void teardown(void)
{
    mh_free(&E.h);
    networld_destroy(E.w);
    coap_ep_free(&E.srv.lw);
    coap_out_free(&E.srv.lo);
    coap_ep_free(&E.srv.fs);
    coap_out_free(&E.srv.fo);
    bytebuf_free(&E.srv.pkg);
    mh_remove_tmpdir(E.dir);
}

static const char *cmd(const char *line) { return mh_cmd(&E.h, line); }

/* The server sends a request to the module's client. */
static void server_request(uint8_t code, const char *path, const char *text)
{
    coap_msg m;
    coap_msg_init(&m, COAP_CON, code);
    coap_msg_add_split(&m, COAP_OPT_URI_PATH, path, strlen(path));
    if (text) {
        coap_msg_add_uint(&m, COAP_OPT_CONTENT_FORMAT, COAP_CF_TEXT_PLAIN);
        coap_msg_set_payload(&m, text, strlen(text));
    }
    sim_ns now = clk_now(&E.h.clock);
    ck_assert_int_eq(coap_ep_request(&E.srv.lw, now, &m, NULL, &E.srv.lo), 0);
    net_addr me = { SRV_IP, 5683 };
    coap_out_send_world(E.w, me, E.srv.client, &E.srv.lo);
}

/* Boot, URCs on, the client started and registered. */
static void registered(void)
{
    ck_assert_str_eq(cmd("AT+UFOTASTAT=1\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(10));
    ck_assert_int_ge(E.srv.registered, 1);
    ck_assert_str_eq(mh_take(&E.h), "\r\n+UFOTASTAT: 3,0,0\r\n"); /* client start: Result 0, State 0 */
}

static void write_uri(void)
{
    server_request(COAP_PUT, "/5/0/1", "coap://ufota.test:5690/fw/delta.bin");
    mh_advance(&E.h, SIM_MS(300));
    ck_assert_msg(E.srv.last_code == COAP_CHANGED, "code %u; events:\n%s", E.srv.last_code, (char *)E.h.events.data);
}

/* Read /5/0/3 and /5/0/5 as the server would. */
static void assert_object(const char *state, const char *result)
{
    char want[96];
    snprintf(want, sizeof want, "{\"bn\":\"/5/0/3/\",\"e\":[{\"n\":\"3\",\"v\":%s}]}", state);
    ck_assert_ptr_nonnull(strstr(cmd("AT+ULWM2MREAD=\"/5/0/3\"\r"), want));
    snprintf(want, sizeof want, "{\"bn\":\"/5/0/5/\",\"e\":[{\"n\":\"5\",\"v\":%s}]}", result);
    ck_assert_ptr_nonnull(strstr(cmd("AT+ULWM2MREAD=\"/5/0/5\"\r"), want));
}

/* Every "0,1,<pct>" of a download until "2,2,100", in order. */
static void assert_progress_then_done(const char *out, int from_pct)
{
    char want[48];
    const char *p = out;
    for (int pct = from_pct; pct < 100; pct++) {
        snprintf(want, sizeof want, "\r\n+UFOTASTAT: 0,1,%d\r\n", pct);
        const char *q = strstr(p, want);
        ck_assert_msg(q != NULL, "no %d%% in %s", pct, p);
        p = q + strlen(want);
    }
    ck_assert_ptr_nonnull(strstr(p, "\r\n+UFOTASTAT: 2,2,100\r\n"));
}

/* ---- tests ---- */

/* App note §3.1, §3.5, §3.7.1: the whole campaign. */
START_TEST(an3_7_1_campaign_download_execute_install)
{
    registered();
    ck_assert_str_eq(cmd("AT+UFWINSTALL=,,,1\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+CFUN=4;+UMNOPROF=100;+CFUN=1\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(10)); /* attached again: the client registers again */
    mh_take(&E.h);
    write_uri();
    ck_assert_ptr_nonnull(strstr(mh_take(&E.h), "\r\n+UFOTASTAT: 1,0,0\r\n"));
    mh_advance(&E.h, SIM_S(60)); /* 200 kB at the Cat-M1 rate: a few seconds */
    const char *out = mh_take(&E.h);
    assert_progress_then_done(out, 1);
    assert_object("2", "0");
    ck_assert_str_eq(cmd("AT+UFOTA?\r"), "\r\n+UFOTA: 3,200000,200000\r\n\r\nOK\r\n");
    /* the server executes the update: 2.04, the reset, the install */
    server_request(COAP_POST, "/5/0/2", NULL);
    mh_advance(&E.h, SIM_S(5));
    ck_assert_uint_eq(E.srv.last_code, COAP_CHANGED);
    out = mh_take(&E.h);
    ck_assert_ptr_nonnull(strstr(out, "\r\n+UFWPREVAL: 0\r\n"));
    mh_advance(&E.h, SIM_S(30 * 60));
    out = mh_take(&E.h);
    ck_assert_ptr_nonnull(strstr(out, "\r\n+UUFWINSTALL: 128\r\n"));
    /* the new firmware: Table 16's uFOTA row (profile 100 kept, a second
     * reboot), the client starts and tells the result */
    mh_advance(&E.h, SIM_S(30));
    mh_prepare(&E.h);
    ck_assert_str_eq(cmd("ATI9\r"), "\r\n03.16,A00.01\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+UMNOPROF?\r"), "\r\n+UMNOPROF: 100\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+UFOTASTAT?\r"), "\r\n+UFOTASTAT: 0\r\n\r\nOK\r\n"); /* to re-enable (§3.7.1) */
    assert_object("0", "1");
    ck_assert_str_eq(cmd("AT+UFOTA?\r"), "\r\n+UFOTA: 0,0,0\r\n\r\nOK\r\n");
}
END_TEST

/* OMA object 5: Update is only allowed once Downloaded. */
START_TEST(execute_before_downloaded_is_refused)
{
    registered();
    server_request(COAP_POST, "/5/0/2", NULL);
    mh_advance(&E.h, SIM_S(1));
    ck_assert_uint_eq(E.srv.last_code, COAP_METHOD_NOT_ALLOWED);
}
END_TEST

/* App note §3.3: pause (+UFOTA=1) keeps the bytes, +UFOTA? shows them, a
 * reboot keeps them, +UFOTA=2 resumes where it stopped. */
START_TEST(an3_3_pause_reboot_resume)
{
    registered();
    write_uri();
    mh_advance(&E.h, SIM_S(2));
    const char *out = cmd("AT+UFOTA=1\r");
    const char *paused = "\r\nOK\r\n\r\n+UFOTASTAT: 0,2,";
    ck_assert_msg(!strncmp(out, paused, strlen(paused)), "%s", out);
    int st;
    unsigned long long total, done;
    ck_assert_int_eq(sscanf(cmd("AT+UFOTA?\r"), "\r\n+UFOTA: %d,%llu,%llu", &st, &total, &done), 3);
    ck_assert_int_eq(st, 1);
    ck_assert_uint_eq(total, PKG_SIZE);
    ck_assert_uint_gt(done, 0);
    ck_assert_uint_lt(done, PKG_SIZE);
    mh_advance(&E.h, SIM_S(600)); /* nothing moves while paused */
    ck_assert_str_eq(mh_take(&E.h), "");
    ck_assert_str_eq(cmd("AT+CFUN=16\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(20));
    mh_prepare(&E.h);
    char want[64];
    snprintf(want, sizeof want, "\r\n+UFOTA: 1,%llu,%llu\r\n\r\nOK\r\n", total, done);
    ck_assert_str_eq(cmd("AT+UFOTA?\r"), want);
    E.srv.gets = 0;
    ck_assert_str_eq(cmd("AT+UFOTASTAT=1;+UFOTA=2\r"), "\r\nOK\r\n\r\n+UFOTASTAT: 1,0,0\r\n");
    mh_advance(&E.h, SIM_S(60));
    assert_progress_then_done(mh_take(&E.h), (int)(done * 100 / total) + 1);
    ck_assert_uint_eq(E.srv.first_block, done / 1024); /* resumed, not restarted */
    assert_object("2", "0");
}
END_TEST

/* App note §3.3: +UFOTA=0 cancels: 2,3,100; the server sees State 0 with
 * Result 10 (cancelled, object 5 v1.1). */
START_TEST(an3_3_cancel)
{
    registered();
    write_uri();
    mh_advance(&E.h, SIM_S(1));
    ck_assert_str_eq(cmd("AT+UFOTA=0\r"), "\r\nOK\r\n\r\n+UFOTASTAT: 2,3,100\r\n");
    assert_object("0", "10");
    ck_assert_str_eq(cmd("AT+UFOTA=0\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    ck_assert_str_eq(cmd("AT+UFOTA=2\r"), "\r\n+CME ERROR: operation not allowed\r\n");
}
END_TEST

/* App note §3.4.2: wait for ack: 0,3,0; +UFOTAACK=30 starts 30 s later;
 * +UFOTAACK=0 rejects; no answer within an hour accepts. */
START_TEST(an3_4_2_wait_for_ack)
{
    registered();
    ck_assert_str_eq(cmd("AT+UFOTACONFIG=721,2,255\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+UFOTACONFIG?\r"), "\r\n+UFOTACONFIG: 721,2,255\r\n\r\nOK\r\n");
    write_uri();
    ck_assert_str_eq(mh_take(&E.h), "\r\n+UFOTASTAT: 0,3,0\r\n");
    ck_assert_str_eq(cmd("AT+UFOTAACK=30\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(30) - 1);
    ck_assert_str_eq(mh_take(&E.h), "");
    mh_advance(&E.h, 1);
    ck_assert_str_eq(mh_take(&E.h), "\r\n+UFOTASTAT: 1,0,0\r\n");
    ck_assert_str_eq(cmd("AT+UFOTA=0\r"), "\r\nOK\r\n\r\n+UFOTASTAT: 2,3,100\r\n");
    /* rejected */
    write_uri();
    ck_assert_str_eq(mh_take(&E.h), "\r\n+UFOTASTAT: 0,3,0\r\n");
    ck_assert_str_eq(cmd("AT+UFOTAACK=0\r"), "\r\nOK\r\n\r\n+UFOTASTAT: 2,3,100\r\n");
    assert_object("0", "10");
    /* nobody answers: accepted after an hour */
    write_uri();
    ck_assert_str_eq(mh_take(&E.h), "\r\n+UFOTASTAT: 0,3,0\r\n");
    mh_advance(&E.h, SIM_S(3599));
    ck_assert_str_eq(mh_take(&E.h), "");
    mh_advance(&E.h, SIM_S(1));
    ck_assert_str_eq(mh_take(&E.h), "\r\n+UFOTASTAT: 1,0,0\r\n");
    ck_assert_str_eq(cmd("AT+UFOTAACK=5\r"), "\r\n+CME ERROR: operation not allowed\r\n");
}
END_TEST

/* App note §3.4.3: uFOTA disabled: 1,0,0 then 2,3,100, nothing downloaded. */
START_TEST(an3_4_3_disabled_device_rejects)
{
    registered();
    ck_assert_str_eq(cmd("AT+UFOTACONFIG=721,3\r"), "\r\nOK\r\n");
    write_uri();
    ck_assert_str_eq(mh_take(&E.h), "\r\n+UFOTASTAT: 1,0,0\r\n\r\n+UFOTASTAT: 2,3,100\r\n");
    ck_assert_int_eq(E.srv.gets, 0);
    ck_assert_str_eq(cmd("AT+UFOTACONFIG=102,1\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    ck_assert_str_eq(cmd("AT+UFOTACONFIG=721,4\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
}
END_TEST

/* App note §3.4.1: download only: the server's Execute is refused, the host
 * installs with +UFWINSTALL. */
START_TEST(an3_4_1_download_only_then_ufwinstall)
{
    registered();
    ck_assert_str_eq(cmd("AT+UFOTACONFIG=721,1,255\r"), "\r\nOK\r\n");
    write_uri();
    mh_advance(&E.h, SIM_S(60));
    ck_assert_ptr_nonnull(strstr(mh_take(&E.h), "\r\n+UFOTASTAT: 2,2,100\r\n"));
    server_request(COAP_POST, "/5/0/2", NULL);
    mh_advance(&E.h, SIM_S(1));
    ck_assert_uint_eq(E.srv.last_code, COAP_METHOD_NOT_ALLOWED);
    ck_assert_str_eq(cmd("AT+UFWINSTALL\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(30 * 60));
    mh_prepare(&E.h);
    ck_assert_str_eq(cmd("ATI9\r"), "\r\n03.16,A00.01\r\n\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(15));
    assert_object("0", "1");
}
END_TEST

/* App note §3.2.2: coverage lost mid-download: resume attempts 60, 120,
 * 180, 240 s apart; coverage back before the second: the download goes on
 * from where it was. */
START_TEST(an3_2_2_signal_loss_resumes_at_the_next_attempt)
{
    registered();
    write_uri();
    mh_advance(&E.h, SIM_S(2));
    modem_set_signal(E.h.m, 1, 0);
    const char *out = mh_take(&E.h);
    ck_assert_ptr_null(strstr(out, "2,2,100"));
    E.srv.gets = 0;
    mh_advance(&E.h, SIM_S(70)); /* the first attempt at +60 s finds no coverage */
    ck_assert_int_eq(E.srv.gets, 0);
    modem_set_signal(E.h.m, 0, -90);
    mh_advance(&E.h, SIM_S(111)); /* the second at +180 s */
    ck_assert_int_gt(E.srv.gets, 0);
    ck_assert_uint_gt(E.srv.first_block, 0);
    mh_advance(&E.h, SIM_S(60));
    out = mh_take(&E.h);
    ck_assert_ptr_nonnull(strstr(out, "\r\n+UFOTASTAT: 1,0,0\r\n"));
    ck_assert_ptr_nonnull(strstr(out, "\r\n+UFOTASTAT: 2,2,100\r\n"));
}
END_TEST

/* ... and never back: after the fourth attempt (600 s) the failure goes to
 * the host (2,3,105) and the server (Result 4, connection lost). */
START_TEST(an3_2_2_signal_loss_fails_after_ten_minutes)
{
    registered();
    write_uri();
    mh_advance(&E.h, SIM_S(2));
    sim_ns lost = clk_now(&E.h.clock);
    modem_set_signal(E.h.m, 1, 0);
    mh_take(&E.h);
    mh_advance(&E.h, SIM_S(600) - 1);
    ck_assert_str_eq(mh_take(&E.h), "");
    mh_advance(&E.h, 1);
    ck_assert_str_eq(mh_take(&E.h), "\r\n+UFOTASTAT: 2,3,105\r\n");
    ck_assert_uint_eq(clk_now(&E.h.clock) - lost, SIM_S(600));
    modem_set_signal(E.h.m, 0, -90);
    mh_advance(&E.h, SIM_S(10));
    assert_object("0", "4");
}
END_TEST

/* App note §3.2.2: a power loss restarts the download from zero. */
START_TEST(an3_2_2_power_loss_restarts_from_zero)
{
    registered();
    write_uri();
    mh_advance(&E.h, SIM_S(2));
    modem_power_cut(E.h.m);
    E.srv.gets = 0;
    modem_power_on(E.h.m);
    mh_advance(&E.h, SIM_S(5));
    mh_prepare(&E.h);
    ck_assert_str_eq(cmd("AT+UFOTASTAT=1\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(60));
    const char *out = mh_take(&E.h);
    ck_assert_ptr_nonnull(strstr(out, "\r\n+UFOTASTAT: 3,0,1\r\n\r\n+UFOTASTAT: 1,0,0\r\n"));
    ck_assert_uint_eq(E.srv.first_block, 0);
    assert_progress_then_done(out, 1);
}
END_TEST

/* App note §3.2.2: +COPS=2 then +CFUN=16 resumes (the bytes were saved). */
START_TEST(an3_2_2_cops2_then_reboot_resumes)
{
    registered();
    write_uri();
    mh_advance(&E.h, SIM_S(2));
    ck_assert_str_eq(cmd("AT+COPS=2\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(120)); /* detached: no resume without a reboot */
    int st;
    unsigned long long total, done;
    ck_assert_int_eq(sscanf(cmd("AT+UFOTA?\r"), "\r\n+UFOTA: %d,%llu,%llu", &st, &total, &done), 3);
    ck_assert_int_eq(st, 1);
    E.srv.gets = 0;
    ck_assert_str_eq(cmd("AT+COPS=0;+CFUN=16\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(80));
    ck_assert_int_gt(E.srv.gets, 0);
    ck_assert_uint_eq(E.srv.first_block, done / 1024);
    mh_prepare(&E.h);
    assert_object("2", "0");
}
END_TEST

/* A delta for another firmware: the install fails validation, the old
 * firmware stays, the server learns Result 6 (unsupported package). */
START_TEST(delta_mismatch_install_fails_result_6)
{
    make_package("SARA-R510M8S-01B", "03.10,A00.01");
    registered();
    write_uri();
    mh_advance(&E.h, SIM_S(60));
    server_request(COAP_POST, "/5/0/2", NULL);
    mh_advance(&E.h, SIM_S(60));
    mh_prepare(&E.h);
    ck_assert_str_eq(cmd("ATI9\r"), "\r\n03.15,A00.01\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+UFOTASTAT=1\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(15));
    assert_object("0", "6");
}
END_TEST

/* App. B: while the client downloads, a FOAT-tag +UDWNFILE and the HTTP
 * client's package download (+UHTTPC=..,100) are refused. */
START_TEST(appb_no_foat_download_while_ufota_downloads)
{
    registered();
    write_uri();
    mh_advance(&E.h, SIM_S(1));
    ck_assert_str_eq(cmd("AT+UDWNFILE=\"updatePackage.bin\",100,\"FOAT\"\r"),
                     "\r\n+CME ERROR: operation not allowed\r\n");
    ck_assert_str_eq(cmd("AT+UHTTPC=0,100,\"/p.bin\"\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    ck_assert_str_eq(cmd("AT+UDWNFILE=\"a.txt\",1\r"), "\r\n>");
    ck_assert_str_eq(cmd("x"), "\r\nOK\r\n");
}
END_TEST

/* App. B: while the client downloads, +UFTPC=100 is refused at once (no
 * +UUFTPCR follows); once the package is in, FTP is allowed again (and
 * fails for want of a login, as any +UFTPC=100 before +UFTPC=1). */
START_TEST(appb_no_ftp_fota_while_ufota_downloads)
{
    registered();
    write_uri();
    mh_advance(&E.h, SIM_S(1));
    ck_assert_int_eq(ufota_downloading(E.h.m), 1);
    ck_assert_str_eq(cmd("AT+UFTPC=100,\"/fw/pkg.bin\"\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    ck_assert_str_eq(cmd("AT+UFTPC=4,\"a\",\"a\"\r"), "\r\nOK\r\n\r\n+UUFTPCR: 4,0\r\n"); /* not FOTA */
}
END_TEST

/* App. B the other way round: while the host sends a FOAT-tagged file,
 * the server's package URI is refused (4.05) and nothing starts; once the
 * host's download is over, the same write starts the campaign. */
START_TEST(appb_uri_refused_while_the_host_downloads_a_package)
{
    registered();
    ck_assert_str_eq(cmd("AT+UDWNFILE=\"updatePackage.bin\",100,\"FOAT\"\r"), "\r\n>");
    server_request(COAP_PUT, "/5/0/1", "coap://ufota.test:5690/fw/delta.bin");
    mh_advance(&E.h, SIM_MS(300));
    ck_assert_uint_eq(E.srv.last_code, COAP_METHOD_NOT_ALLOWED);
    ck_assert_int_eq(ufota_downloading(E.h.m), 0);
    ck_assert_str_eq(mh_take(&E.h), "");
    mh_advance(&E.h, SIM_S(30)); /* the +UDWNFILE times out: the file is not stored */
    (void)mh_take(&E.h);
    write_uri();
    ck_assert_str_eq(mh_take(&E.h), "\r\n+UFOTASTAT: 1,0,0\r\n");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ufota");
    TCase *t = tcase_create("campaign");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, an3_7_1_campaign_download_execute_install);
    tcase_add_test(t, execute_before_downloaded_is_refused);
    tcase_add_test(t, an3_3_pause_reboot_resume);
    tcase_add_test(t, an3_3_cancel);
    tcase_add_test(t, an3_4_2_wait_for_ack);
    tcase_add_test(t, an3_4_3_disabled_device_rejects);
    tcase_add_test(t, an3_4_1_download_only_then_ufwinstall);
    tcase_add_test(t, an3_2_2_signal_loss_resumes_at_the_next_attempt);
    tcase_add_test(t, an3_2_2_signal_loss_fails_after_ten_minutes);
    tcase_add_test(t, an3_2_2_power_loss_restarts_from_zero);
    tcase_add_test(t, an3_2_2_cops2_then_reboot_resumes);
    tcase_add_test(t, delta_mismatch_install_fails_result_6);
    tcase_add_test(t, appb_no_foat_download_while_ufota_downloads);
    tcase_add_test(t, appb_no_ftp_fota_while_ufota_downloads);
    tcase_add_test(t, appb_uri_refused_while_the_host_downloads_a_package);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
