/* test_lwm2m_at.c - the module's LwM2M client through its AT commands, on
 * the virtual clock, behind a simulated network whose LwM2M server is a
 * bare registration responder written here on coap_ep (an independent
 * check of the client: it knows nothing of protocol/lwm2m_client.c).
 * Names quote the app note section they check. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/coap_files.h"
#include "harness/networld.h"
#include "memhost.h"
#include "protocol/coap_ep.h"

#define SRV_IP 0xCB00710Au /* 203.0.113.10 */

/* ---- a registration responder ---- */

typedef struct rd_server {
    coap_ep ep;
    coap_out out;
    int registers, updates, deletes;
    int forget;          /* answer the next update 4.04 */
    char last_query[256];
    size_t last_payload;
} rd_server;

static void rd_datagram(void *svc, networld *w, net_addr from, net_addr to, const uint8_t *p, size_t n)
{
    rd_server *s = svc;
    coap_ep_feed(&s->ep, clk_now(networld_clock(w)), p, n, &s->out);
    for (size_t i = 0; i < s->out.nev; i++) {
        const coap_event *e = &s->out.ev[i];
        if (e->kind != COAP_EV_REQUEST)
            continue;
        bytebuf path, q;
        bytebuf_init(&path);
        bytebuf_init(&q);
        coap_msg_join(&e->msg, COAP_OPT_URI_PATH, &path);
        coap_msg_join(&e->msg, COAP_OPT_URI_QUERY, &q);
        snprintf(s->last_query, sizeof s->last_query, "%.*s", (int)q.len, (const char *)q.data);
        coap_msg r;
        if (e->msg.code == COAP_POST && path.len == 3) {
            s->registers++;
            s->last_payload = e->msg.payload_len;
            coap_msg_init(&r, COAP_ACK, COAP_CREATED);
            coap_msg_add_split(&r, COAP_OPT_LOCATION_PATH, "rd/1", 4);
        } else if (e->msg.code == COAP_POST) {
            s->updates++;
            coap_msg_init(&r, COAP_ACK, s->forget ? COAP_NOT_FOUND : COAP_CHANGED);
            s->forget = 0;
        } else {
            s->deletes++;
            coap_msg_init(&r, COAP_ACK, COAP_DELETED);
        }
        coap_ep_respond(&s->ep, clk_now(networld_clock(w)), e->xid, &r, NULL, &s->out);
        bytebuf_free(&path);
        bytebuf_free(&q);
    }
    coap_out_send_world(w, to, from, &s->out);
}

static const nw_service_ops rd_ops = { .datagram = rd_datagram };

typedef struct env {
    memhost h;
    networld *w;
    rd_server srv;
    char dir[64];
} env;

static env E;

static void env_boot(const char *dir, const char *uri)
{
    memset(&E.srv, 0, sizeof E.srv);
    coap_ep_init(&E.srv.ep, NULL);
    coap_out_init(&E.srv.out);
    nw_service_cfg svc = { .proto = IP_UDP, .port = 5683, .kind = NW_SVC_CUSTOM, .ops = &rd_ops, .svc = &E.srv };
    nw_host_cfg host = { (char *)"lwm2m.test", SRV_IP, NULL, &svc, 1, { 0 } };
    nw_config cfg = { &host, 1 };
    ck_assert_int_eq(networld_create(&E.w, &E.h.clock, &cfg, NULL), 0);
    modem_config mc;
    mh_default_cfg(&mc, dir);
    char err[128];
    if (uri)
        ck_assert_int_eq(device_lwm2m_server_arg(&mc.dev, uri, err, sizeof err), 0);
    mc.world = networld_ops(E.w);
    mh_init_cfg(&E.h, &mc);
    networld_attach(E.w, E.h.m);
    mh_prepare(&E.h);
}

static void setup(void)
{
    mh_make_tmpdir(E.dir, sizeof E.dir);
    env_boot(E.dir, "721=coap://lwm2m.test:5683");
}

/* The modem and its world go; the state dir stays. */
static void env_free(void)
{
    mh_free(&E.h);
    networld_destroy(E.w);
    coap_ep_free(&E.srv.ep);
    coap_out_free(&E.srv.out);
}

static void teardown(void)
{
    env_free();
    mh_remove_tmpdir(E.dir);
}

static const char *cmd(const char *line) { return mh_cmd(&E.h, line); }

/* From boot (5 s) to the client's start (lwm2m_start 9 s after boot). */
static void until_started(void) { mh_advance(&E.h, SIM_S(9)); }

/* ---- tests ---- */

/* ufota-lwm2m-data-facts.md §1.3: LwM2M commands answer ERROR until the
 * client has started. */
START_TEST(lwm2m_commands_error_until_the_client_started)
{
    ck_assert_str_eq(cmd("AT+ULWM2MLIST=\"/\"\r"), "\r\nERROR\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MREAD=\"/1/10\"\r"), "\r\nERROR\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MREG?\r"), "\r\nERROR\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2M?\r"), "\r\n+ULWM2M: 0\r\n\r\nOK\r\n"); /* configuration works */
    mh_advance(&E.h, SIM_S(9) - 1);
    ck_assert_str_eq(cmd("AT+ULWM2MLIST=\"/\"\r"), "\r\nERROR\r\n");
    mh_advance(&E.h, 1);
    ck_assert_str_ne(cmd("AT+ULWM2MLIST=\"/\"\r"), "\r\nERROR\r\n");
}
END_TEST

/* App note §3.6: the factory object list in the module's order. */
START_TEST(an3_6_list_shows_the_factory_objects_in_order)
{
    until_started();
    ck_assert_str_eq(cmd("AT+ULWM2MLIST=\"/\"\r"),
                     "\r\n+ULWM2MLIST: \"/1/10\",\"/2/1\",\"/2/2\",\"/2/3\",\"/2/4\",\"/2/5\",\"/2/6\",\"/2/7\","
                     "\"/2/8\",\"/2/9\",\"/2/10\",\"/2/11\",\"/2/0\",\"/3/0\",\"/4/0\",\"/5/0\",\"/7/0\",\"/11/1\","
                     "\"/11/2\",\"/11/3\",\"/11/4\",\"/11/0\",\"/14/0\",\"/16/0\",\"/10308\",\"/0/10\"\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MLIST=\"/11\"\r"),
                     "\r\n+ULWM2MLIST: \"/11/1\",\"/11/2\",\"/11/3\",\"/11/4\",\"/11/0\"\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MLIST=\"/99\"\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MLIST=\"x\"\r"), "\r\n+CME ERROR: operation not allowed\r\n");
}
END_TEST

/* App note §3.6: AT+ULWM2MREAD="/1/10" (its example, in well-formed JSON). */
START_TEST(an3_6_read_server_object_like_the_app_note)
{
    until_started();
    ck_assert_str_eq(cmd("AT+ULWM2MREAD=\"/1/10\"\r"),
                     "\r\n+ULWM2MREAD: {\"bn\":\"/1/10/\",\"e\":[{\"n\":\"0\",\"v\":721},{\"n\":\"1\",\"v\":86400},"
                     "{\"n\":\"2\",\"v\":10},{\"n\":\"3\",\"v\":60},{\"n\":\"5\",\"v\":86400},{\"n\":\"6\",\"bv\":false},"
                     "{\"n\":\"7\",\"sv\":\"UQS\"},{\"n\":\"10\",\"ov\":\"11:0\"},{\"n\":\"30000/1\",\"v\":30},"
                     "{\"n\":\"30000/0\",\"v\":0},{\"n\":\"12\",\"v\":0},{\"n\":\"18\",\"v\":30},{\"n\":\"17\",\"v\":4},"
                     "{\"n\":\"16\",\"bv\":false}]}\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MREAD=\"/5/0/1\"\r"),
                     "\r\n+ULWM2MREAD: {\"bn\":\"/5/0/1/\",\"e\":[{\"n\":\"1\",\"sv\":\"\"}]}\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MREAD=\"/3/0/1\"\r"),
                     "\r\n+ULWM2MREAD: {\"bn\":\"/3/0/1/\",\"e\":[{\"n\":\"1\",\"sv\":\"SARA-R510M8S\"}]}\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MREAD=\"/3/0/3\"\r"),
                     "\r\n+ULWM2MREAD: {\"bn\":\"/3/0/3/\",\"e\":[{\"n\":\"3\",\"sv\":\"03.15\"}]}\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MREAD=\"/3/9\"\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MREAD=\"/3/0/4\"\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MREAD=/3/0\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
}
END_TEST

/* App note §3.1, §3.7.1: the client registers once attached; the URCs of
 * +ULWM2MSTAT=1 follow each step. */
START_TEST(an3_7_1_registration_urcs_and_reg_read)
{
    ck_assert_str_eq(cmd("AT+ULWM2MSTAT=1\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MSTAT?\r"), "\r\n+ULWM2MSTAT: 1\r\n\r\nOK\r\n");
    until_started();
    mh_advance(&E.h, SIM_S(1));
    ck_assert_str_eq(mh_take(&E.h), "\r\n+ULWM2MSTAT: 4,3\r\n\r\n+ULWM2MSTAT: 1,721,2\r\n\r\n+ULWM2MSTAT: 4,4\r\n"
                                    "\r\n+ULWM2MSTAT: 1,721,3\r\n\r\n+ULWM2MSTAT: 2,721,86307\r\n"
                                    "\r\n+ULWM2MSTAT: 4,5\r\n");
    ck_assert_int_eq(E.srv.registers, 1);
    ck_assert_str_eq(E.srv.last_query, "ep=urn:imei:352835100012346&lt=86400&lwm2m=1.0&b=UQS");
    /* registered at 14.1 s (the Register and its answer cross the Cat-M1
     * link), read at 41 s: 86307 - 26.9 s */
    mh_advance(&E.h, SIM_S(26));
    ck_assert_str_eq(cmd("AT+ULWM2MREG?\r"), "\r\n+ULWM2MREG: 721,3,86280\r\n\r\nOK\r\n");
    /* a check-in */
    ck_assert_str_eq(cmd("AT+ULWM2MREG=721\r"), "\r\nOK\r\n\r\n+ULWM2MSTAT: 1,721,6\r\n\r\n+ULWM2MSTAT: 1,721,5\r\n");
    mh_advance(&E.h, SIM_S(1));
    ck_assert_str_eq(mh_take(&E.h), "\r\n+ULWM2MSTAT: 1,721,3\r\n\r\n+ULWM2MSTAT: 2,721,86307\r\n");
    ck_assert_int_eq(E.srv.updates, 1);
    ck_assert_str_eq(cmd("AT+ULWM2MREG=102\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MREG=0\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    /* URCs are volatile: gone after a reboot (app note §3.7.1) */
    ck_assert_str_eq(cmd("AT+CFUN=16\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(30));
    mh_take(&E.h);
    ck_assert_int_eq(E.srv.registers, 2);
    mh_echo_off(&E.h);
    ck_assert_str_eq(cmd("AT+ULWM2MSTAT?\r"), "\r\n+ULWM2MSTAT: 0\r\n\r\nOK\r\n");
}
END_TEST

/* App note §3.6: a new lifetime written by the host triggers an update
 * and is kept in NVM. */
START_TEST(an3_6_write_lifetime_updates_and_persists)
{
    until_started();
    mh_advance(&E.h, SIM_S(1));
    ck_assert_int_eq(E.srv.registers, 1);
    ck_assert_str_eq(cmd("AT+ULWM2MWRITE=\"{\\\"bn\\\":\\\"/1/10/\\\",\\\"e\\\":[{\\\"n\\\":\\\"1\\\",\\\"v\\\":604800}]}\"\r"),
                     "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(1));
    ck_assert_int_eq(E.srv.updates, 1);
    ck_assert_str_eq(E.srv.last_query, "lt=604800");
    ck_assert_str_eq(cmd("AT+ULWM2MREG?\r"), "\r\n+ULWM2MREG: 721,3,604706\r\n\r\nOK\r\n");
    /* read-only, unknown, malformed */
    ck_assert_str_eq(cmd("AT+ULWM2MWRITE=\"{\\\"bn\\\":\\\"/3/0/\\\",\\\"e\\\":[{\\\"n\\\":\\\"0\\\",\\\"sv\\\":\\\"x\\\"}]}\"\r"),
                     "\r\n+CME ERROR: operation not allowed\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MWRITE=\"{\\\"bn\\\":\\\"/1/10/\\\",\\\"e\\\":[{\\\"n\\\":\\\"99\\\",\\\"v\\\":1}]}\"\r"),
                     "\r\n+CME ERROR: operation not allowed\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MWRITE=\"{bad\"\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MWRITE=\"{\\\"bn\\\":\\\"/1/10/\\\",\\\"e\\\":[{\\\"n\\\":\\\"1\\\",\\\"sv\\\":\\\"x\\\"}]}\"\r"),
                     "\r\n+CME ERROR: operation not allowed\r\n");
    /* kept across a restart of the simulator (kill -9) */
    mh_restart(&E.h, SIM_S(5));
    until_started();
    ck_assert_ptr_nonnull(strstr(cmd("AT+ULWM2MREAD=\"/1/10/1\"\r"), "\"v\":604800"));
    mh_advance(&E.h, SIM_S(1));
    ck_assert_str_eq(E.srv.last_query, "ep=urn:imei:352835100012346&lt=604800&lwm2m=1.0&b=UQS");
}
END_TEST

/* App note §3.6: +ULWM2MDEREG de-registers until +ULWM2MREG. */
START_TEST(an3_6_dereg_until_reg)
{
    ck_assert_str_eq(cmd("AT+ULWM2MSTAT=1\r"), "\r\nOK\r\n");
    until_started();
    mh_advance(&E.h, SIM_S(1));
    mh_take(&E.h);
    ck_assert_str_eq(cmd("AT+ULWM2MDEREG=721\r"), "\r\nOK\r\n\r\n+ULWM2MSTAT: 1,721,9\r\n");
    mh_advance(&E.h, SIM_S(1));
    ck_assert_str_eq(mh_take(&E.h), "\r\n+ULWM2MSTAT: 1,721,0\r\n\r\n+ULWM2MSTAT: 4,3\r\n");
    ck_assert_int_eq(E.srv.deletes, 1);
    ck_assert_str_eq(cmd("AT+ULWM2MREG?\r"), "\r\n+ULWM2MREG: 721,0\r\n\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(200000)); /* quiet: no update, no registration */
    ck_assert_int_eq(E.srv.registers, 1);
    ck_assert_int_eq(E.srv.updates, 0);
    mh_take(&E.h);
    ck_assert_str_eq(cmd("AT+ULWM2MREG=721\r"), "\r\nOK\r\n\r\n+ULWM2MSTAT: 1,721,2\r\n\r\n+ULWM2MSTAT: 4,4\r\n");
    mh_advance(&E.h, SIM_S(1));
    ck_assert_int_eq(E.srv.registers, 2);
}
END_TEST

/* A server that forgot the registration: the update gets 4.04, the module
 * registers again. */
START_TEST(adversarial_server_forgot_registration)
{
    until_started();
    mh_advance(&E.h, SIM_S(1));
    E.srv.forget = 1;
    cmd("AT+ULWM2MREG=721\r");
    mh_advance(&E.h, SIM_S(1));
    ck_assert_int_eq(E.srv.updates, 1);
    ck_assert_int_eq(E.srv.registers, 2);
    ck_assert_str_eq(cmd("AT+ULWM2MREG?\r"), "\r\n+ULWM2MREG: 721,3,86306\r\n\r\nOK\r\n"); /* 0.8 s ago */
}
END_TEST

/* App note §3.1.1: with +USECMODE 0 before the first registration attempt,
 * registration to the (DTLS-PSK) uFOTA server fails: 721,4. */
START_TEST(an3_1_1_usecmode_0_before_first_registration_fails)
{
    env_free();
    mh_remove_tmpdir(E.dir);
    mh_make_tmpdir(E.dir, sizeof E.dir);
    env_boot(E.dir, NULL); /* the factory coaps:// server */
    ck_assert_str_eq(cmd("AT+USECMODE=0\r"), "\r\nOK\r\n");
    until_started();
    mh_advance(&E.h, SIM_S(1));
    ck_assert_str_eq(cmd("AT+ULWM2MREG?\r"), "\r\n+ULWM2MREG: 721,4\r\n\r\nOK\r\n");
    ck_assert(mh_event_seen(&E.h, "lwm2m no psk ssid=721 usecmode=0"));
    /* "will try again the next time the module is restarted" */
    ck_assert_str_eq(cmd("AT+USECMODE=1;+CFUN=16\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(15));
    mh_echo_off(&E.h);
    ck_assert_str_eq(cmd("AT+ULWM2MREG?\r"), "\r\n+ULWM2MREG: 721,2\r\n\r\nOK\r\n"); /* trying */
    /* once provisioned, +USECMODE=0 no longer stops it */
    ck_assert_str_eq(cmd("AT+USECMODE=0;+CFUN=16\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(15));
    mh_echo_off(&E.h);
    ck_assert_str_eq(cmd("AT+ULWM2MREG?\r"), "\r\n+ULWM2MREG: 721,2\r\n\r\nOK\r\n");
    /* ... until the client is reset */
    ck_assert_str_eq(cmd("AT+ULWM2M=2;+CFUN=16\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(15));
    mh_echo_off(&E.h);
    ck_assert_str_eq(cmd("AT+ULWM2MREG?\r"), "\r\n+ULWM2MREG: 721,4\r\n\r\nOK\r\n");
}
END_TEST

/* +ULWM2M=1 disables the client from the next boot on; the MNO profile
 * decides too (app note §3.1, §3.9.1). */
START_TEST(an3_9_1_disabled_client_and_profiles)
{
    until_started();
    mh_advance(&E.h, SIM_S(1));
    ck_assert_str_eq(cmd("AT+ULWM2M=1\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2M?\r"), "\r\n+ULWM2M: 1\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+ULWM2MLIST=\"/5\"\r"), "\r\n+ULWM2MLIST: \"/5/0\"\r\n\r\nOK\r\n"); /* until reboot */
    ck_assert_str_eq(cmd("AT+CFUN=16\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(30));
    mh_echo_off(&E.h);
    ck_assert_str_eq(cmd("AT+ULWM2MLIST=\"/\"\r"), "\r\nERROR\r\n");
    ck_assert_int_eq(E.srv.registers, 1);
    ck_assert_str_eq(cmd("AT+ULWM2M=0;+CFUN=16\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(30));
    ck_assert_int_eq(E.srv.registers, 2);
    /* a profile without the client */
    mh_echo_off(&E.h);
    ck_assert_str_eq(cmd("AT+CFUN=0;+UMNOPROF=1;+CFUN=16\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(30));
    mh_echo_off(&E.h);
    ck_assert_str_eq(cmd("AT+ULWM2MREG?\r"), "\r\nERROR\r\n");
    ck_assert_int_eq(E.srv.registers, 2);
    mh_prepare(&E.h);
    ck_assert_str_eq(cmd("AT+ULWM2M=3\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
}
END_TEST

/* +UMNOPROF 3 (Verizon) adds the DM server 102: two registrations. */
START_TEST(verizon_profile_registers_with_102_too)
{
    env_free();
    env_boot(E.dir, "721=coap://lwm2m.test:5683");
    ck_assert_str_eq(cmd("AT+CFUN=0;+UMNOPROF=3;+CFUN=16\r"), "\r\nOK\r\n");
    mh_advance(&E.h, SIM_S(15));
    mh_echo_off(&E.h);
    ck_assert_str_eq(cmd("AT+ULWM2MREG?\r"), "\r\n+ULWM2MREG: 721,3,86306\r\n+ULWM2MREG: 102,2\r\n\r\nOK\r\n");
    ck_assert_ptr_nonnull(strstr(cmd("AT+ULWM2MLIST=\"/1\"\r"), "\"/1/10\",\"/1/11\""));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lwm2m_at");
    TCase *t = tcase_create("at");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, lwm2m_commands_error_until_the_client_started);
    tcase_add_test(t, an3_6_list_shows_the_factory_objects_in_order);
    tcase_add_test(t, an3_6_read_server_object_like_the_app_note);
    tcase_add_test(t, an3_7_1_registration_urcs_and_reg_read);
    tcase_add_test(t, an3_6_write_lifetime_updates_and_persists);
    tcase_add_test(t, an3_6_dereg_until_reg);
    tcase_add_test(t, adversarial_server_forgot_registration);
    tcase_add_test(t, an3_1_1_usecmode_0_before_first_registration_fails);
    tcase_add_test(t, an3_9_1_disabled_client_and_profiles);
    tcase_add_test(t, verizon_profile_registers_with_102_too);
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
