/* test_replay_cli.c - sarasim-replay on the shipped samples of each log
 * format (tests/data/replay/, docs/reproducing-field-failures.md): the
 * format is recognised, --run prints the diff line by line with the log's
 * and the simulation's times and exits 0 only when every answer matches,
 * --lenient forgives the values that always differ (ICCID, IP address,
 * signal, cell), and a written scenario runs in the harness. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clirun.h"

#define DATA SARASIM_SOURCE_DIR "/tests/data/replay/"

static int replay(char **out, const char *const *args)
{
    return run_tool(SARASIM_REPLAY_BIN, 1, out, args);
}

static void assert_has(const char *out, const char *what)
{
    ck_assert_msg(strstr(out, what) != NULL, "missing \"%s\" in:\n%s", what, out);
}

/* The three field samples hold the same session; the field's +CEREG (its
 * own cell), IP address and CSQ differ from the simulation's. */
static const struct {
    const char *file, *fmt;
    const char *first; /* where the field and the simulation part ways */
} field[] = {
    { "stamped.log", "stamped log, 33 lines",
      "first divergence: log line 27 (08:14:09.000 in the log, - simulated): the field module sent "
      "\"+CEREG: 1,\"1A2B\",\"01A2D101\",7\", the simulated one did not" },
    { "capture.log", "capture log, 47 lines",
      "first divergence: log line 37 (- in the log, - simulated): the field module sent "
      "\"+CEREG: 1,\"1A2B\",\"01A2D101\",7\", the simulated one did not" },
    { "ubxlib.log", "ubxlib log, 56 lines",
      "first divergence: log line 45 (- in the log, - simulated): the field module sent "
      "\"+CEREG: 1,\"1A2B\",\"01A2D101\",7\", the simulated one did not" },
};

START_TEST(each_format_is_read_and_its_first_divergence_found)
{
    char *out;
    const char *args[] = { "--run", DATA "x", NULL };
    char path[512];
    snprintf(path, sizeof(path), DATA "%s", field[_i].file);
    args[1] = path;
    ck_assert_int_eq(replay(&out, args), 1);
    assert_has(out, field[_i].fmt);
    assert_has(out, "against SARA-R510M8S-01B 03.15,A00.01");
    assert_has(out, field[_i].first);
    assert_has(out, "18 of 21 lines the field module sent are the same in the simulation; 3 missing, 3 more");
    free(out);
}
END_TEST

START_TEST(lenient_forgives_identity_addresses_and_signal)
{
    char *out, path[512];
    snprintf(path, sizeof(path), DATA "%s", field[_i].file);
    const char *args[] = { "--run", "--lenient", path, NULL };
    ck_assert_int_eq(replay(&out, args), 0);
    assert_has(out, "21 of 21 lines the field module sent are the same in the simulation; 0 missing, 0 more");
    free(out);
}
END_TEST

/* The diff: "-" the field's line (log line, log time), "+" the simulation's
 * (simulated time), " " both; the host's lines between. */
START_TEST(the_diff_shows_both_sides_with_their_times)
{
    char *out;
    const char *args[] = { "--run", DATA "stamped.log", NULL };
    ck_assert_int_eq(replay(&out, args), 1);
    assert_has(out, "-     27   08:14:09.000                 << +CEREG: 1,\"1A2B\",\"01A2D101\",7\n");
    assert_has(out, "+                            8.000000s  << +CEREG: 1,\"E8FE\",\"01A2D001\",7\n");
    assert_has(out, "      28   08:14:15.000                 >> AT+CGPADDR=1\n");
    assert_has(out, "-     29   08:14:15.004                 << +CGPADDR: 1,\"10.52.7.19\"\n");
    assert_has(out, "+                           13.965000s  << +CGPADDR: 1,\"10.161.2.18\"\n");
    assert_has(out, "      30   08:14:15.004     13.965000s  << OK\n");
    free(out);
}
END_TEST

/* sarasim's own trace is exact: the run matches it byte for byte. */
START_TEST(a_trace_replays_exactly)
{
    char *out;
    const char *args[] = { "--run", DATA "sarasim.trace", NULL };
    ck_assert_int_eq(replay(&out, args), 0);
    assert_has(out, "(trace log, 47 lines)");
    assert_has(out, "21 of 21 lines the field module sent are the same in the simulation; 0 missing, 0 more");
    free(out);
}
END_TEST

/* LOG -o SCENARIO.json: a scenario the harness runs; exact, it fails where
 * the field differs; written --lenient, it passes. */
START_TEST(a_written_scenario_runs_in_the_harness)
{
    char *out;
    const char *w1[] = { DATA "stamped.log", "-o", "exact.json", NULL };
    ck_assert_int_eq(replay(&out, w1), 0);
    assert_has(out, "stamped log, 33 lines -> exact.json");
    free(out);
    const char *w2[] = { "--lenient", DATA "stamped.log", "-o", "lenient.json", NULL };
    ck_assert_int_eq(replay(&out, w2), 0);
    free(out);
    const char *h1[] = { "exact.json", NULL };
    ck_assert_int_eq(run_tool(SARASIM_HARNESS_BIN, 1, &out, h1), 1);
    assert_has(out, "+CEREG: 1,\\\"1A2B\\\"");
    free(out);
    const char *h2[] = { "lenient.json", NULL };
    ck_assert_int_eq(run_tool(SARASIM_HARNESS_BIN, 1, &out, h2), 0);
    free(out);
}
END_TEST

/* docs/reproducing-field-failures.md: the field log parts ways with the
 * simulation where the install stopped; with the power cut added
 * (scenarios/field_update_power_cut.json) every line matches. */
START_TEST(the_worked_example_reproduces_the_field_failure)
{
    char *out;
    const char *plain[] = { "--run", DATA "field_update_power_cut.log", NULL };
    ck_assert_int_eq(replay(&out, plain), 1);
    assert_has(out, "first divergence: log line 56 (08:14:25.243 in the log, - simulated): the field module sent "
                    "\"+UFWUPD: ONGOING\", the simulated one did not");
    free(out);
    const char *fault[] = { "--run", "--scenario", SARASIM_SOURCE_DIR "/scenarios/field_update_power_cut.json",
                            DATA "field_update_power_cut.log", NULL };
    ck_assert_int_eq(replay(&out, fault), 0);
    assert_has(out, "62 of 62 lines the field module sent are the same in the simulation; 0 missing, 0 more");
    free(out);
}
END_TEST

START_TEST(bad_input_is_an_error_not_a_crash)
{
    char *out;
    write_file("empty.log", "");
    write_file("noise.log", "\x01\x02\xff garbage\n\n");
    const char *a1[] = { "--run", "missing.log", NULL };
    ck_assert_int_eq(replay(&out, a1), 2);
    free(out);
    const char *a2[] = { "--run", "empty.log", NULL };
    ck_assert_int_eq(replay(&out, a2), 2);
    free(out);
    const char *a3[] = { "noise.log", "-o", "x.json", NULL };
    int rc = replay(&out, a3);
    ck_assert_msg(rc == 0 || rc == 2, "exit %d: %s", rc, out);
    free(out);
    const char *a4[] = { "--format", "nonsense", "--run", "empty.log", NULL };
    ck_assert_int_eq(replay(&out, a4), 2);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("replay_cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, make_dir, remove_dir);
    int n = (int)(sizeof(field) / sizeof(field[0]));
    tcase_add_loop_test(tc, each_format_is_read_and_its_first_divergence_found, 0, n);
    tcase_add_loop_test(tc, lenient_forgives_identity_addresses_and_signal, 0, n);
    tcase_add_test(tc, the_diff_shows_both_sides_with_their_times);
    tcase_add_test(tc, a_trace_replays_exactly);
    tcase_add_test(tc, a_written_scenario_runs_in_the_harness);
    tcase_add_test(tc, the_worked_example_reproduces_the_field_failure);
    tcase_add_test(tc, bad_input_is_an_error_not_a_crash);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
