/* test_scenario_live.c - sarasim --scenario: a scenario's device and world
 * around a real host on the PTY, in real (scaled) time; its host part is
 * not played. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptyhost.h"

static simproc sp;
static char scenario_path[512];
static char trace_path[512];

/* The world: from 3 s +GMI lies (not +CGMI: host_sync() relies on its
 * answer); a second after the lie has been told the power goes, 2 s later
 * it comes back.  The device: own IMEI, a greeting in
 * NVM, a model the command line overrides. */
static const char *const scenario_text =
    "{\"name\": \"live\",\n"
    " \"device\": {\"model\": \"SARA-R510S\", \"imei\": \"004402090123450\",\n"
    "            \"nvm\": {\"+CSGT.mode\": 1, \"+CSGT.text\": \"hello\"}},\n"
    " \"world\": [{\"at\": \"3s\", \"do\": \"override\", \"command\": \"+GMI\", \"response\": \"Scenario Inc.\"},\n"
    "           {\"id\": \"cut\", \"when\": \"line Scenario Inc.\", \"after\": \"1s\", \"do\": \"power_cut\"},\n"
    "           {\"when\": \"fired cut\", \"after\": \"2s\", \"do\": \"power_on\"}],\n"
    " \"host\": [{\"send\": \"AT+NEVERSENT\\r\"}]}\n";

static void setup(void)
{
    char dir[] = "/tmp/sarasim-live-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(scenario_path, sizeof(scenario_path), "%s/live.json", dir);
    snprintf(trace_path, sizeof(trace_path), "%s/trace.txt", dir);
    FILE *f = fopen(scenario_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(scenario_text, f);
    fclose(f);
    const char *extra[] = { "--scenario", scenario_path, "--model", "SARA-R500S", "--time-scale", "20",
                            "--trace", trace_path, NULL };
    ck_assert_int_eq(simproc_start(&sp, extra), 0);
    ck_assert_int_eq(host_open(&sp, 115200), 0);
}

static void teardown(void)
{
    simproc_cleanup(&sp);
    unlink(scenario_path);
    unlink(trace_path);
    *strrchr(scenario_path, '/') = 0;
    rmdir(scenario_path);
}

START_TEST(device_and_world_apply_host_part_does_not)
{
    ck_assert_int_eq(host_wait_ready(&sp, 5000), 0);
    char *r = host_cmd(&sp, "ATE0\r", 2000);
    ck_assert_ptr_nonnull(r);
    free(r);
    /* the command line wins over the scenario's model; the scenario's IMEI stays */
    r = host_cmd(&sp, "AT+CGMM\r", 2000);
    ck_assert_str_eq(r, "\r\nSARA-R500S\r\n\r\nOK\r\n");
    free(r);
    r = host_cmd(&sp, "AT+CGSN\r", 2000);
    ck_assert_str_eq(r, "\r\n004402090123450\r\n\r\nOK\r\n");
    free(r);
    /* the world's override (armed at 3 s, before the module was even up) */
    r = host_cmd(&sp, "AT+GMI\r", 2000);
    ck_assert_str_eq(r, "\r\nScenario Inc.\r\n\r\nOK\r\n");
    free(r);
    /* ... which triggers the power cut 1 s later and the power-on 2 s after:
     * the module comes back and greets from NVM once it hears AT */
    /* poll with AT until the NVM greeting says "booted again" */
    ck_assert_msg(host_poll(&sp, "AT\r", "hello", 20000) == 0,
                  "the module did not come back after the world's power cut");
    FILE *f = fopen(trace_path, "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    int cut = 0, on = 0, never = 0, greetings = 0;
    while (fgets(line, sizeof(line), f)) {
        cut |= strstr(line, "EV - world $.world[1] do power_cut") != NULL;
        on |= strstr(line, "EV - world $.world[2] do power_on") != NULL;
        never |= strstr(line, "NEVERSENT") != NULL;
        greetings += strstr(line, "TX 0 \"\\r\\nhello\\r\\n\"") != NULL;
    }
    fclose(f);
    ck_assert_msg(cut && on, "world events missing from the trace");
    ck_assert_int_eq(greetings, 2); /* first boot and after the power cut */
    ck_assert_msg(!never, "the scenario's host part was played");
    ck_assert_ptr_nonnull(strstr(sp.startline, "sarasim: SARA-R500S-01B on"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scenario_live");
    TCase *tc = tcase_create("live");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, device_and_world_apply_host_part_does_not);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
