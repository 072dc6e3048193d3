/* test_runner.c - one scenario on the virtual clock (harness/runner.h): what
 * a run reports, that it repeats byte for byte, that idle time is skipped,
 * and the host steps and world events a host would notice. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/runner.h"
#include "sim/modem.h"

static char err[1024];

static void load_text(scenario *sc, const char *json)
{
    ck_assert_msg(scenario_parse(sc, "t.json", ".", json, strlen(json), err, sizeof(err)) == 0, "%s", err);
}

static void run_text(const char *json, const run_opts *o, run_result *r)
{
    scenario sc;
    load_text(&sc, json);
    ck_assert_int_eq(runner_run(&sc, o, r), 0);
    scenario_free(&sc);
}

static const char *trace_text(const run_result *r) { return r->trace.data ? (const char *)r->trace.data : ""; }

/* ---------------- outcomes and reports ---------------- */

START_TEST(passing_scenario_reports_simulated_time)
{
    run_result r;
    run_text("{\"host\": [{\"wait\": \"6s\"}, {\"send\": \"AT\\r\"}, {\"expect\": \"OK\"}]}", NULL, &r);
    ck_assert_int_eq(r.status, RUN_PASS);
    ck_assert_uint_eq(r.sim_end, SIM_S(6));
    ck_assert_ptr_nonnull(strstr(trace_text(&r), "6.000000 - RX 0 \"AT\\r\"\n"));
    ck_assert_ptr_nonnull(strstr(trace_text(&r), "6.000000 - TX 0 \"AT\\r\\r\\nOK\\r\\n\"\n"));
    run_result_free(&r);
}
END_TEST

START_TEST(failed_expect_reports_step_expectation_and_seen_bytes)
{
    run_result r;
    run_text("{\"host\": [{\"wait\": \"6s\"}, {\"send\": \"AT+CGMI\\r\"},\n"
             "          {\"expect\": \"Quectel\", \"within\": \"2s\"}]}",
             NULL, &r);
    ck_assert_int_eq(r.status, RUN_FAIL);
    ck_assert_str_eq(r.step, "$.host[2]");
    ck_assert_str_eq(r.what, "expect \"Quectel\" within 2s");
    ck_assert_str_eq(r.why, "not seen within 2s");
    ck_assert_str_eq(r.expected, "Quectel");
    ck_assert_str_eq(r.seen, "AT+CGMI\\r\\r\\nu-blox\\r\\n\\r\\nOK\\r\\n");
    ck_assert_uint_eq(r.sim_end, SIM_S(8));
    ck_assert_ptr_nonnull(strstr(trace_text(&r), "8.000000 - EV - host $.host[2] FAILED: not seen within 2s\n"));
    run_result_free(&r);
}
END_TEST

START_TEST(exact_expect_fails_at_the_first_wrong_byte)
{
    run_result r;
    run_text("{\"exact\": true, \"host\": [{\"wait\": \"6s\"}, {\"send\": \"AT+CGMI\\r\"},\n"
             "  {\"expect\": \"\\r\\nu-blox\", \"within\": \"1m\"}]}",
             NULL, &r);
    ck_assert_int_eq(r.status, RUN_FAIL);
    ck_assert_str_eq(r.why, "the module sent other bytes (exact match required)");
    ck_assert_uint_eq(r.sim_end, SIM_S(6)); /* no need to wait out the minute */
    run_result_free(&r);
}
END_TEST

START_TEST(exact_scenario_fails_on_unread_bytes)
{
    run_result r;
    run_text("{\"exact\": true, \"host\": [{\"wait\": \"6s\"}, {\"send\": \"AT\\r\"}, {\"expect\": \"AT\\r\"}]}",
             NULL, &r);
    ck_assert_int_eq(r.status, RUN_FAIL);
    ck_assert_str_eq(r.step, "$.host (end)");
    ck_assert_str_eq(r.seen, "\\r\\nOK\\r\\n");
    run_result_free(&r);
}
END_TEST

START_TEST(expect_not_fails_when_it_appears)
{
    run_result r;
    run_text("{\"host\": [{\"wait\": \"6s\"}, {\"send\": \"AT\\r\"}, {\"expect_not\": \"OK\", \"within\": \"5s\"}]}",
             NULL, &r);
    ck_assert_int_eq(r.status, RUN_FAIL);
    ck_assert_str_eq(r.why, "it appeared 0.000000s into the step");
    run_result_free(&r);
}
END_TEST

START_TEST(missing_capability_skips)
{
    run_result r;
    run_text("{\"requires\": [\"+ZZNEVER\"], \"host\": [{\"send\": \"AT\\r\"}]}", NULL, &r);
    ck_assert_int_eq(r.status, RUN_SKIP);
    ck_assert_str_eq(r.why, "requires +ZZNEVER: not implemented in this build");
    run_result_free(&r);
    run_text("{\"requires\": [\"+CGMI\"], \"host\": [{\"wait\": \"1s\"}]}", NULL, &r);
    ck_assert_int_eq(r.status, RUN_PASS);
    run_result_free(&r);
}
END_TEST

START_TEST(limit_stops_a_run)
{
    run_result r;
    run_text("{\"limit\": \"10s\", \"host\": [{\"wait\": \"1m\"}]}", NULL, &r);
    ck_assert_int_eq(r.status, RUN_FAIL);
    ck_assert_str_eq(r.why, "the scenario's limit of 10s simulated time was reached");
    ck_assert_uint_eq(r.sim_end, SIM_S(10));
    run_result_free(&r);
}
END_TEST

START_TEST(assert_failures_say_what_differs)
{
    run_result r;
    run_text("{\"host\": [{\"assert\": \"state\", \"key\": \"power\", \"equals\": \"READY\"}]}", NULL, &r);
    ck_assert_int_eq(r.status, RUN_FAIL);
    ck_assert_str_eq(r.why, "power is \"BOOTING\", expected \"READY\"");
    run_result_free(&r);
    run_text("{\"host\": [{\"assert\": \"firmware\", \"equals\": \"03.16,A00.01\"}]}", NULL, &r);
    ck_assert_str_eq(r.why, "firmware is \"03.15,A00.01\", expected \"03.16,A00.01\"");
    run_result_free(&r);
    run_text("{\"host\": [{\"assert\": \"setting\", \"key\": \"+UMNOPROF\", \"equals\": 100}]}", NULL, &r);
    ck_assert_str_eq(r.why, "+UMNOPROF is \"90\", expected \"100\"");
    run_result_free(&r);
    run_text("{\"host\": [{\"assert\": \"state\", \"key\": \"network.nope\", \"equals\": 1}]}", NULL, &r);
    ck_assert_str_eq(r.why, "the modem state has no \"network.nope\"");
    run_result_free(&r);
}
END_TEST

/* ---------------- determinism and virtual time ---------------- */

static void run_file(const char *name, const run_opts *o, run_result *r)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/scenarios/%s", SARASIM_SOURCE_DIR, name);
    scenario sc;
    ck_assert_msg(scenario_load(&sc, path, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(runner_run(&sc, o, r), 0);
    scenario_free(&sc);
}

START_TEST(same_scenario_same_trace)
{
    static const char *const files[] = { "ubxlib_connect.json", "world_faults.json", "signal_loss_cereg.json" };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        run_result a, b;
        run_opts other = { NULL, "/tmp" }; /* another state dir: it must not show */
        run_file(files[i], NULL, &a);
        run_file(files[i], &other, &b);
        ck_assert_int_eq(a.status, RUN_PASS);
        ck_assert_uint_gt(a.trace.len, 1000);
        ck_assert_uint_eq(a.trace.len, b.trace.len);
        ck_assert_msg(memcmp(a.trace.data, b.trace.data, a.trace.len) == 0, "%s: traces differ", files[i]);
        ck_assert_ptr_null(strstr(trace_text(&a), "sarasim-harness-")); /* no state dir path */
        run_result_free(&a);
        run_result_free(&b);
    }
}
END_TEST

/* The FOAT shape without FOAT: a 109 s handshake window nobody answers, then
 * a 25-minute install polled with AT every 10 s as Particle does. */
static const char *const long_waits =
    "{\"host\": [{\"wait\": \"6s\"}, {\"send\": \"AT\\r\"}, {\"expect\": \"OK\"},\n"
    "  {\"expect_not\": \"+UFWUPD\", \"within\": \"109s\"}, {\"wait\": \"25m\"},\n"
    "  {\"send\": \"AT\\r\"}, {\"expect\": \"OK\", \"within\": \"10s\"}]}";

START_TEST(idle_time_costs_nothing)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0); /* printed, never asserted */
    run_result r;
    run_text(long_waits, NULL, &r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_int_eq(r.status, RUN_PASS);
    ck_assert_uint_eq(r.sim_end, SIM_S(6 + 109 + 25 * 60));
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("figure: 109 s + 25 min scenario: %.0f s simulated in %.3f ms wall\n", (double)r.sim_end / 1e9,
           wall * 1e3);
    run_result_free(&r);
}
END_TEST

/* ---------------- host steps ---------------- */

START_TEST(capture_feeds_later_steps)
{
    run_result r;
    run_text("{\"vars\": {\"cmd\": \"AT+CGSN\"},\n"
             " \"host\": [{\"wait\": \"6s\"}, {\"send\": \"ATE0\\r\"}, {\"expect\": \"OK\\r\\n\"},\n"
             "  {\"send\": \"${cmd}\\r\"}, {\"expect\": {\"regex\": \"\\r\\n([0-9]{15})\\r\\n\"}, \"capture\": \"imei\"},\n"
             "  {\"expect\": \"OK\\r\\n\"}, {\"send\": \"imei=${imei}\"}]}",
             NULL, &r);
    ck_assert_int_eq(r.status, RUN_PASS);
    ck_assert_ptr_nonnull(strstr(trace_text(&r), "capture imei=\"352835100012346\""));
    ck_assert_ptr_nonnull(strstr(trace_text(&r), "RX 0 \"imei=352835100012346\""));
    run_result_free(&r);
}
END_TEST

START_TEST(send_file_in_chunks_takes_time)
{
    run_result r;
    run_text("{\"host\": [{\"wait\": \"6s\"}, {\"send_file\": {\"text\": \"aaaabbbbcc\"}, \"chunk\": 4,"
             " \"interval\": \"10ms\"}]}",
             NULL, &r);
    ck_assert_int_eq(r.status, RUN_PASS);
    ck_assert_ptr_nonnull(strstr(trace_text(&r), "6.000000 - RX 0 \"aaaa\"\n"));
    ck_assert_ptr_nonnull(strstr(trace_text(&r), "6.010000 - RX 0 \"bbbb\"\n"));
    ck_assert_ptr_nonnull(strstr(trace_text(&r), "6.020000 - RX 0 \"cc\"\n"));
    run_result_free(&r);
}
END_TEST

/* With pacing, bytes take their 8N1 wire time: 10 bits per byte at 115200. */
START_TEST(pacing_makes_bytes_take_wire_time)
{
    run_result r;
    run_text("{\"device\": {\"pacing\": true}, \"host\": [{\"wait\": \"6s\"}, {\"send\": \"ATE0\\r\"},\n"
             "  {\"expect\": \"OK\\r\\n\"}, {\"send\": \"AT+CGMI\\r\"}, {\"expect\": \"OK\\r\\n\"}]}",
             NULL, &r);
    ck_assert_int_eq(r.status, RUN_PASS);
    /* "AT+CGMI\r" (8 bytes, 694 us) sent when the ATE0 answer arrived, the
     * 16-byte answer (1389 us) after it */
    ck_assert_ptr_nonnull(strstr(trace_text(&r), "6.001388 - RX 0 \"AT+CGMI\\r\"\n"));
    ck_assert_ptr_nonnull(strstr(trace_text(&r), "6.003472 - TX 0 \"\\r\\nu-blox\\r\\n\\r\\nOK\\r\\n\"\n"));
    ck_assert_uint_ge(r.sim_end, 6003472000ull);
    ck_assert_uint_lt(r.sim_end, 6003473000ull);
    run_result_free(&r);
}
END_TEST

START_TEST(device_nvm_is_in_flash_before_boot)
{
    run_result r;
    run_text("{\"device\": {\"nvm\": {\"+CSGT.mode\": 1, \"+CSGT.text\": \"Hello\", \"E\": 0}, \"mno_profile\": 100},\n"
             " \"host\": [{\"wait\": \"6s\"}, {\"send\": \"AT\\r\"},\n"
             "  {\"expect\": \"\\r\\nHello\\r\\n\\r\\nOK\\r\\n\", \"exact\": true},\n"
             "  {\"assert\": \"setting\", \"key\": \"+UMNOPROF\", \"equals\": 100}]}",
             NULL, &r);
    ck_assert_msg(r.status == RUN_PASS, "%s", r.why);
    run_result_free(&r);
}
END_TEST

START_TEST(world_action_errors_fail_the_run)
{
    run_result r;
    run_text("{\"world\": [{\"at\": \"1s\", \"do\": \"override\", \"command\": \"+\"}],\n"
             " \"host\": [{\"wait\": \"5s\"}]}",
             NULL, &r);
    ck_assert_int_eq(r.status, RUN_FAIL);
    ck_assert_str_eq(r.why, "world event failed: $.world[0]: override \"+\": expected a command like \"+CSQ\", "
                            "\"+CFUN?\", \"+CFUN=16\" or \"I9\"");
    ck_assert_uint_eq(r.sim_end, SIM_S(1));
    run_result_free(&r);
}
END_TEST

START_TEST(world_event_storm_is_stopped)
{
    run_result r;
    run_text("{\"world\": [{\"when\": \"ev signal present\", \"repeat\": true, \"do\": \"signal_restore\"},\n"
             "           {\"at\": \"1s\", \"do\": \"signal_restore\"}],\n"
             " \"host\": [{\"wait\": \"5s\"}]}",
             NULL, &r);
    ck_assert_int_eq(r.status, RUN_FAIL);
    ck_assert_str_eq(r.why, "world event failed: $.world[0]: fired more than 10000 times at one instant (does its "
                            "action trigger it again?)");
    ck_assert_uint_eq(r.sim_end, SIM_S(1));
    run_result_free(&r);
}
END_TEST

START_TEST(world_after_and_repeat)
{
    run_result r;
    run_text("{\"world\": [{\"when\": \"line OK\", \"repeat\": true, \"after\": \"250ms\", \"do\": \"signal\","
             " \"rsrp\": -120}],\n"
             " \"host\": [{\"wait\": \"6s\"}, {\"send\": \"AT\\r\"}, {\"expect\": \"OK\"}, {\"wait\": \"1s\"},\n"
             "  {\"send\": \"AT\\r\"}, {\"expect\": \"OK\"}, {\"wait\": \"1s\"}]}",
             NULL, &r);
    ck_assert_int_eq(r.status, RUN_PASS);
    ck_assert_ptr_nonnull(strstr(trace_text(&r), "6.250000 - EV - world $.world[0] do signal\n"));
    ck_assert_ptr_nonnull(strstr(trace_text(&r), "7.250000 - EV - world $.world[0] do signal\n"));
    run_result_free(&r);
}
END_TEST

/* File asserts read the module's flash through modem_file_get().  Until
 * fs/ lands they are skipped ("requires fs"); once +UDWNFILE exists this
 * test runs them for real and expects them to pass. */
START_TEST(file_asserts_need_the_file_system)
{
    run_result r;
    run_text("{\"host\": [{\"wait\": \"6s\"}, {\"send\": \"ATE0\\r\"}, {\"expect\": \"OK\\r\\n\"},\n"
             "  {\"send\": \"AT+UDWNFILE=\\\"a.txt\\\",3\\r\"}, {\"expect\": \">\"}, {\"send\": \"abc\"},\n"
             "  {\"expect\": \"OK\\r\\n\"}, {\"assert\": \"file\", \"name\": \"a.txt\", \"content\": \"abc\", \"size\": 3,\n"
             "   \"sha256\": \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"},\n"
             "  {\"assert\": \"no_file\", \"name\": \"a.txt\", \"tag\": \"FOAT\"}]}",
             NULL, &r);
    scenario probe;
    load_text(&probe, "{}");
    clk c;
    clk_init(&c, 0);
    modem *m;
    modem_config cfg = { 0 };
    device_cfg_default(&cfg.dev);
    modem_io io = { NULL, NULL, NULL, NULL };
    ck_assert_int_eq(modem_create(&m, &c, &cfg, &io, NULL, 0), 0);
    int have_fs = modem_has_command(m, "+UDWNFILE");
    modem_destroy(m);
    clk_free(&c);
    scenario_free(&probe);
    if (have_fs)
        ck_assert_msg(r.status == RUN_PASS, "%s: %s", r.step, r.why);
    else
        ck_assert_str_eq(r.why, "requires fs: +UDWNFILE is not implemented in this build");
    run_result_free(&r);
}
END_TEST

/* ---------------- the xmodem step, with a sender of the test's own ----------------
 * It sends `nblocks` frames "[b<i> t<try>:payload]", one per second, sends
 * block 2 twice (a retransmission), then reports done.  The step's per-block
 * faults must show in what reaches the module. */

typedef struct fake_tx {
    uint32_t next;
    uint32_t nblocks;
    unsigned try2;
    sim_ns due;
    char frame[64];
    int queued;
} fake_tx;

static int fake_create(void **out, const uint8_t *data, size_t len, const xm_sender_opts *o, sim_ns now)
{
    (void)data;
    (void)o;
    fake_tx *t = calloc(1, sizeof(*t));
    t->next = 1;
    t->nblocks = (uint32_t)len;
    t->due = now + SIM_S(1);
    *out = t;
    return 0;
}

static size_t fake_feed(void *s, const uint8_t *p, size_t n, sim_ns now)
{
    (void)s;
    (void)p;
    (void)now;
    return n;
}

static void fake_tick(void *s, sim_ns now)
{
    fake_tx *t = s;
    if (now < t->due || t->next > t->nblocks)
        return;
    t->queued = 1;
    t->due = now + SIM_S(1);
}

static sim_ns fake_deadline(const void *s)
{
    const fake_tx *t = s;
    return t->next > t->nblocks ? SIM_NEVER : t->due;
}

static int fake_next(void *s, xm_frame *f)
{
    fake_tx *t = s;
    if (!t->queued)
        return 0;
    t->queued = 0;
    unsigned attempt = t->next == 2 ? ++t->try2 : 1;
    int n = snprintf(t->frame, sizeof(t->frame), "[b%u t%u:PAYLOAD]", (unsigned)t->next, attempt);
    *f = (xm_frame){ XM_FRAME_BLOCK, t->next, attempt, (const uint8_t *)t->frame, (size_t)n, 7, 7 };
    if (t->next != 2 || attempt == 2)
        t->next++;
    return 1;
}

static xm_tx_status fake_status(const void *s, const char **why)
{
    const fake_tx *t = s;
    *why = NULL;
    return t->next > t->nblocks ? XM_TX_DONE : XM_TX_RUNNING;
}

static void fake_destroy(void *s) { free(s); }

static const xm_sender_ops fake_ops = { "fake",     fake_create, fake_feed,    fake_tick,
                                        fake_deadline, fake_next, fake_status, fake_destroy };

START_TEST(xmodem_step_applies_block_faults)
{
    run_opts o = { &fake_ops, NULL };
    run_result r;
    run_text("{\"host\": [{\"wait\": \"6s\"}, {\"xmodem\": {\"generate\": 5}, \"faults\": [\n"
             "  {\"block\": 1, \"fault\": \"corrupt\"}, {\"block\": 2, \"fault\": \"drop\"},\n"
             "  {\"block\": 3, \"fault\": \"duplicate\"}, {\"block\": 4, \"fault\": \"stall\", \"for\": \"30s\"}]}]}",
             &o, &r);
    ck_assert_msg(r.status == RUN_PASS, "%s", r.why);
    const char *t = trace_text(&r);
    /* block 1: the first payload byte inverted */
    ck_assert_ptr_nonnull(strstr(t, "7.000000 - RX 0 \"[b1 t1:\\xafAYLOAD]\"\n"));
    /* block 2: the first transmission dropped, the retransmission clean */
    ck_assert_ptr_null(strstr(t, "[b2 t1:"));
    ck_assert_ptr_nonnull(strstr(t, "9.000000 - RX 0 \"[b2 t2:PAYLOAD]\"\n"));
    /* block 3: twice */
    const char *d = strstr(t, "10.000000 - RX 0 \"[b3 t1:PAYLOAD]\"\n");
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(strstr(d + 1, "10.000000 - RX 0 \"[b3 t1:PAYLOAD]\"\n"));
    /* block 4: 30 s late; the sender's timer for block 5 expired meanwhile */
    ck_assert_ptr_nonnull(strstr(t, "41.000000 - RX 0 \"[b4 t1:PAYLOAD]\"\n"));
    ck_assert_ptr_nonnull(strstr(t, "41.000000 - RX 0 \"[b5 t1:PAYLOAD]\"\n"));
    ck_assert_ptr_nonnull(strstr(t, "xmodem host block=4 attempt=1 fault=stall\n"));
    ck_assert_ptr_nonnull(strstr(t, "xmodem host transfer complete\n"));
    run_result_free(&r);
}
END_TEST

START_TEST(xmodem_step_checks_the_outcome_and_deadline)
{
    run_opts o = { &fake_ops, NULL };
    run_result r;
    run_text("{\"host\": [{\"xmodem\": {\"generate\": 2}, \"outcome\": \"cancelled\"}]}", &o, &r);
    ck_assert_int_eq(r.status, RUN_FAIL);
    ck_assert_str_eq(r.why, "the transfer ended complete");
    run_result_free(&r);
    run_text("{\"host\": [{\"xmodem\": {\"generate\": 100}, \"within\": \"10s\"}]}", &o, &r);
    ck_assert_int_eq(r.status, RUN_FAIL);
    ck_assert_str_eq(r.why, "the transfer did not end within 10s");
    ck_assert_uint_eq(r.sim_end, SIM_S(10));
    run_result_free(&r);
}
END_TEST

START_TEST(xmodem_step_without_a_sender_is_skipped)
{
    run_result r;
    run_opts o = { NULL, NULL };
    run_text("{\"host\": [{\"xmodem\": {\"generate\": 2}}]}", &o, &r);
    if (xmodem_host_sender()) {
        ck_assert_int_ne(r.status, RUN_SKIP); /* connected: the step runs */
    } else {
        ck_assert_int_eq(r.status, RUN_SKIP);
        ck_assert_str_eq(r.why, "requires xmodem: no Xmodem sender is connected (harness/xmodem_host.c)");
    }
    run_result_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runner");
    TCase *tc = tcase_create("runner");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, passing_scenario_reports_simulated_time);
    tcase_add_test(tc, failed_expect_reports_step_expectation_and_seen_bytes);
    tcase_add_test(tc, exact_expect_fails_at_the_first_wrong_byte);
    tcase_add_test(tc, exact_scenario_fails_on_unread_bytes);
    tcase_add_test(tc, expect_not_fails_when_it_appears);
    tcase_add_test(tc, missing_capability_skips);
    tcase_add_test(tc, limit_stops_a_run);
    tcase_add_test(tc, assert_failures_say_what_differs);
    tcase_add_test(tc, same_scenario_same_trace);
    tcase_add_test(tc, idle_time_costs_nothing);
    tcase_add_test(tc, capture_feeds_later_steps);
    tcase_add_test(tc, send_file_in_chunks_takes_time);
    tcase_add_test(tc, pacing_makes_bytes_take_wire_time);
    tcase_add_test(tc, device_nvm_is_in_flash_before_boot);
    tcase_add_test(tc, world_action_errors_fail_the_run);
    tcase_add_test(tc, world_event_storm_is_stopped);
    tcase_add_test(tc, world_after_and_repeat);
    tcase_add_test(tc, file_asserts_need_the_file_system);
    tcase_add_test(tc, xmodem_step_applies_block_faults);
    tcase_add_test(tc, xmodem_step_checks_the_outcome_and_deadline);
    tcase_add_test(tc, xmodem_step_without_a_sender_is_skipped);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
