/* test_harness_cli.c - sarasim-harness as CI runs it: exit status, the
 * report of a failure (step, expectation, escaped bytes, trace path), JUnit
 * XML, traces identical across runs and across -j. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clirun.h"
#include "protocol/bytebuf.h"

/* Run the harness in `dir` with argv (NULL-terminated); stdout into *out. */
static int run_cli(char **out, const char *const *args)
{
    return run_tool(SARASIM_HARNESS_BIN, 0, out, args);
}

static const char *const passing =
    "{\"host\": [{\"wait\": \"6s\"}, {\"send\": \"AT\\r\"}, {\"expect\": \"OK\"}]}";
static const char *const failing =
    "{\"name\": \"broken\", \"host\": [{\"wait\": \"6s\"}, {\"send\": \"AT+CGMM\\r\"},\n"
    "  {\"expect\": \"SARA-R410M\", \"within\": \"1s\"}]}";
static const char *const skipped = "{\"requires\": [\"+ZZNEVER\"], \"host\": [{\"send\": \"AT\\r\"}]}";

START_TEST(all_passing_exits_zero)
{
    write_file("a.json", passing);
    char *out;
    const char *args[] = { "a.json", NULL };
    ck_assert_int_eq(run_cli(&out, args), 0);
    ck_assert_msg(!strncmp(out, "PASS  a ", 8), "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "sim      6.000s"));
    ck_assert_ptr_nonnull(strstr(out, "1 scenario: 1 passed, 0 failed, 0 skipped, 0 errors"));
    free(out);
}
END_TEST

START_TEST(a_failure_exits_nonzero_and_says_where_and_what)
{
    write_file("a.json", passing);
    write_file("b.json", failing);
    char *out;
    const char *args[] = { "a.json", "b.json", NULL };
    ck_assert_int_eq(run_cli(&out, args), 1);
    ck_assert_msg(strstr(out, "FAIL  broken ") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "      step:     $.host[2] expect \"SARA-R410M\" within 1s\n") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "      why:      not seen within 1s\n") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "      expected: \"SARA-R410M\"\n") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "      seen:     \"AT+CGMM\\r\\r\\nSARA-R510M8S\\r\\n\\r\\nOK\\r\\n\"\n") != NULL, "%s",
                  out);
    /* without --trace-dir the failed scenario's trace is kept in a temp dir */
    const char *tp = strstr(out, "      trace:    ");
    ck_assert_ptr_nonnull(tp);
    char path[512];
    ck_assert_int_eq(sscanf(tp + 16, "%511s", path), 1);
    char *trace = read_file(path);
    ck_assert_msg(trace != NULL, "no trace at %s", path);
    ck_assert_ptr_nonnull(strstr(trace, "7.000000 - EV - host $.host[2] FAILED: not seen within 1s\n"));
    free(trace);
    unlink(path);
    *strrchr(path, '/') = 0;
    rmdir(path);
    ck_assert_ptr_nonnull(strstr(out, "2 scenarios: 1 passed, 1 failed"));
    free(out);
}
END_TEST

START_TEST(parse_errors_and_usage)
{
    write_file("bad.json", "{\"host\": [{\"wait\": \"later\"}]}");
    char *out;
    const char *args[] = { "bad.json", NULL };
    ck_assert_int_eq(run_cli(&out, args), 1);
    ck_assert_msg(strstr(out, "ERROR bad.json") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "bad.json: $.host[0].wait: expected a duration") != NULL, "%s", out);
    free(out);
    const char *none[] = { NULL };
    ck_assert_int_eq(run_cli(&out, none), 2);
    free(out);
    const char *badj[] = { "-j", "0", "bad.json", NULL };
    ck_assert_int_eq(run_cli(&out, badj), 2);
    free(out);
    const char *badt[] = { "--timeout", "soon", "bad.json", NULL };
    ck_assert_int_eq(run_cli(&out, badt), 2);
    free(out);
}
END_TEST

/* A FIFO where a file is expected used to block the load forever. */
START_TEST(fifo_include_and_send_file_fail_at_once)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/steps.json", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    snprintf(path, sizeof(path), "%s/data.bin", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    write_file("inc.json", "{\"host\": [{\"include\": \"steps.json\"}]}");
    write_file("send.json", "{\"host\": [{\"send_file\": \"data.bin\"}]}");
    char *out;
    const char *args[] = { "--timeout", "30", "inc.json", "send.json", NULL };
    ck_assert_int_eq(run_cli(&out, args), 1);
    ck_assert_msg(strstr(out, "ERROR inc.json                             inc.json: $.host[0].include: cannot read "
                              "\"./steps.json\": a FIFO or socket, not a regular file; expected a JSON array of steps "
                              "in a regular file of at most 1 MB\n") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "ERROR send.json                            send.json: $.host[0].send_file: cannot read "
                              "\"./data.bin\": a FIFO or socket, not a regular file; expected a regular file of at "
                              "most 64 MB\n") != NULL, "%s", out);
    free(out);
}
END_TEST

/* A world event that re-arms itself 1 us later: the virtual clock crawls
 * through the 48 h limit, a hang in practice.  --timeout kills it after
 * 1 s of wall time (the one wait on wall time here, a bound on a hang),
 * reports it on the console and in JUnit, and the other scenario runs. */
START_TEST(a_scenario_that_never_ends_is_killed_at_timeout)
{
    write_file("never.json", "{\"world\": [{\"at\": \"1s\", \"do\": \"signal\", \"rsrp\": -100},\n"
                             "  {\"when\": \"ev signal present\", \"after\": \"1us\", \"repeat\": true,\n"
                             "   \"do\": \"signal\", \"rsrp\": -100}],\n"
                             " \"host\": [{\"wait\": \"47h\"}]}");
    write_file("a.json", passing);
    char *out;
    const char *args[] = { "--timeout", "1", "-j", "2", "--junit", "r.xml", "never.json", "a.json", NULL };
    ck_assert_int_eq(run_cli(&out, args), 1);
    ck_assert_msg(strstr(out, "FAIL  never.json ") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "      why:      timeout after 1 s\n") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "PASS  a ") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "2 scenarios: 1 passed, 1 failed, 0 skipped, 0 errors") != NULL, "%s", out);
    free(out);
    char path[256];
    snprintf(path, sizeof(path), "%s/r.xml", dir);
    char *xml = read_file(path);
    ck_assert_ptr_nonnull(xml);
    ck_assert_msg(strstr(xml, "tests=\"2\" failures=\"1\" errors=\"0\"") != NULL, "%s", xml);
    ck_assert_msg(strstr(xml, "name=\"never.json\" file=\"never.json\" time=\"1.000000\">\n"
                              "      <properties><property name=\"simulated_seconds\" value=\"0.000000\"/></properties>\n"
                              "      <failure message=\"timeout after 1 s\"></failure>\n") != NULL, "%s", xml);
    free(xml);
}
END_TEST

START_TEST(all_skipped_exits_77)
{
    write_file("s.json", skipped);
    char *out;
    const char *args[] = { "s.json", NULL };
    ck_assert_int_eq(run_cli(&out, args), 77);
    ck_assert_msg(strstr(out, "SKIP  s ") != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "requires +ZZNEVER: not implemented in this build"));
    free(out);
    write_file("a.json", passing);
    const char *mixed[] = { "s.json", "a.json", NULL };
    ck_assert_int_eq(run_cli(&out, mixed), 0);
    free(out);
}
END_TEST

START_TEST(junit_xml_lists_every_scenario)
{
    write_file("a.json", passing);
    write_file("b.json", failing);
    write_file("s.json", skipped);
    char *out;
    const char *args[] = { "--junit", "results.xml", "--trace-dir", "traces", "a.json", "b.json", "s.json", NULL };
    ck_assert_int_eq(run_cli(&out, args), 1);
    free(out);
    char path[256];
    snprintf(path, sizeof(path), "%s/results.xml", dir);
    char *xml = read_file(path);
    ck_assert_ptr_nonnull(xml);
    static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sarasim-harness\" "
                               "tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\"";
    ck_assert_msg(!strncmp(xml, head, strlen(head)), "%s", xml);
    ck_assert_ptr_nonnull(strstr(xml, "<testcase classname=\"sarasim.scenarios\" name=\"a\" file=\"a.json\""));
    ck_assert_ptr_nonnull(strstr(xml, "<property name=\"simulated_seconds\" value=\"6.000000\"/>"));
    ck_assert_ptr_nonnull(strstr(xml, "<failure message=\"not seen within 1s\">step: $.host[2] expect &quot;"
                                      "SARA-R410M&quot; within 1s\nexpected: SARA-R410M\n"
                                      "seen: AT+CGMM\\r\\r\\nSARA-R510M8S\\r\\n\\r\\nOK\\r\\n\n"
                                      "trace: traces/b.trace\n</failure>"));
    ck_assert_ptr_nonnull(strstr(xml, "<skipped message=\"requires +ZZNEVER: not implemented in this build\">"));
    ck_assert_ptr_nonnull(strstr(xml, "</testsuites>\n"));
    free(xml);
}
END_TEST

/* --timeline: every scenario drawn; the JUnit report links a failed one to
 * its timeline (a property, and Jenkins' [[ATTACHMENT|abs path]]), a passed
 * one only by the property. */
START_TEST(junit_links_failed_scenarios_to_their_timeline)
{
    write_file("a.json", passing);
    write_file("b.json", failing);
    char *out;
    const char *args[] = { "--junit", "results.xml", "--timeline", "tl", "a.json", "b.json", NULL };
    ck_assert_int_eq(run_cli(&out, args), 1);
    ck_assert_msg(strstr(out, "      timeline: tl/b.html\n") != NULL, "%s", out);
    free(out);
    char path[256], abs[256];
    for (const char *const *n = (const char *const[]){ "a", "b", NULL }; *n; n++) {
        snprintf(path, sizeof(path), "%s/tl/%s.html", dir, *n);
        char *html = read_file(path);
        ck_assert_msg(html && strstr(html, "<svg id=\"timeline\""), "%s: no timeline", path);
        free(html);
    }
    snprintf(path, sizeof(path), "%s/results.xml", dir);
    char *xml = read_file(path);
    ck_assert_ptr_nonnull(xml);
    const char *a = strstr(xml, "name=\"a\""), *b = strstr(xml, "name=\"broken\"");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(strstr(a, "<property name=\"timeline\" value=\"tl/a.html\"/>"));
    ck_assert_msg(strstr(a, "[[ATTACHMENT|") == NULL || strstr(a, "[[ATTACHMENT|") > b, "a passed: no attachment");
    ck_assert_ptr_nonnull(strstr(b, "<property name=\"timeline\" value=\"tl/b.html\"/>"));
    ck_assert_ptr_nonnull(realpath(dir, abs));
    char attach[400];
    snprintf(attach, sizeof(attach), "timeline: tl/b.html\n[[ATTACHMENT|%s/tl/b.html]]\n</system-out>", abs);
    ck_assert_msg(strstr(b, attach) != NULL, "%s", xml);
    free(xml);
}
END_TEST

/* Same scenarios -> byte-identical traces, run after run and whatever -j. */
START_TEST(traces_repeat_across_runs_and_jobs)
{
    static const char *const names[] = { "ubxlib_connect", "world_faults", "signal_loss_cereg", "reboot_cfun16" };
    char files[4][512];
    const char *args1[12] = { "--trace-dir", "t1", "-j", "1" };
    const char *args2[12] = { "--trace-dir", "t2", "-j", "2" };
    for (int i = 0; i < 4; i++) {
        snprintf(files[i], sizeof(files[i]), "%s/scenarios/%s.json", SARASIM_SOURCE_DIR, names[i]);
        args1[4 + i] = args2[4 + i] = files[i];
    }
    char *out1, *out2;
    ck_assert_int_eq(run_cli(&out1, args1), 0);
    ck_assert_int_eq(run_cli(&out2, args2), 0);
    for (int i = 0; i < 4; i++) { /* printed in the order given */
        const char *a = strstr(out2, names[i]);
        ck_assert_ptr_nonnull(a);
        if (i)
            ck_assert(strstr(out2, names[i - 1]) < a);
    }
    for (int i = 0; i < 4; i++) {
        char p1[256], p2[256];
        snprintf(p1, sizeof(p1), "%s/t1/%s.trace", dir, names[i]);
        snprintf(p2, sizeof(p2), "%s/t2/%s.trace", dir, names[i]);
        char *a = read_file(p1), *b = read_file(p2);
        ck_assert_msg(a && b, "missing trace for %s", names[i]);
        ck_assert_uint_gt(strlen(a), 500);
        ck_assert_msg(strcmp(a, b) == 0, "%s: traces differ between runs", names[i]);
        free(a);
        free(b);
    }
    free(out1);
    free(out2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("harness_cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, make_dir, remove_dir);
    tcase_add_test(tc, all_passing_exits_zero);
    tcase_add_test(tc, a_failure_exits_nonzero_and_says_where_and_what);
    tcase_add_test(tc, parse_errors_and_usage);
    tcase_add_test(tc, fifo_include_and_send_file_fail_at_once);
    tcase_add_test(tc, a_scenario_that_never_ends_is_killed_at_timeout);
    tcase_add_test(tc, all_skipped_exits_77);
    tcase_add_test(tc, junit_xml_lists_every_scenario);
    tcase_add_test(tc, junit_links_failed_scenarios_to_their_timeline);
    tcase_add_test(tc, traces_repeat_across_runs_and_jobs);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
