/* test_pty_pipeline.c - a host that sends several command lines without
 * waiting for each answer (as pipelining hosts and pasted scripts do) gets
 * every answer, complete and in order, over the real PTY.  The front end
 * writes the answers to one chunk of input together (sim/live/uv_pty.c); these
 * tests pin that nothing is lost, reordered or interleaved by doing so,
 * including when the answers outgrow the PTY's buffers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ptyhost.h"

#define T_MS 5000 /* bounds a failing test only */

static simproc sim;
static int sim_echo; /* ATE setting in force */

static void start(void)
{
    static const char *const args[] = { "--boot-time", "100ms", NULL };
    ck_assert_int_eq(simproc_start(&sim, args), 0);
    ck_assert_int_eq(host_open(&sim, 115200), 0);
    ck_assert_int_eq(host_wait_ready(&sim, T_MS), 0);
    /* +CSQ answers 99,99 until the module registers, 3 simulated seconds
     * after boot: keep it so however long the test takes */
    ck_assert_int_eq(simproc_set_time_scale(&sim, SIM_FROZEN), 0);
    sim_echo = 1;
}

static void stop(void) { simproc_cleanup(&sim); }

static void expect_response(const char *want)
{
    char *r = host_response(&sim, T_MS);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r, want);
    free(r);
}

/* The next answer must be exactly the sentinel's: a stray or late byte from
 * before would prefix it. */
static void expect_nothing_more(void)
{
    ck_assert_uint_eq(sim.rx.len, 0);
    char *r = host_cmd(&sim, "AT+CGMR\r", T_MS);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r, sim_echo ? "AT+CGMR\r\r\n03.15\r\n\r\nOK\r\n" : "\r\n03.15\r\n\r\nOK\r\n");
    free(r);
}

static void echo_off(void)
{
    char *r = host_cmd(&sim, "ATE0\r", T_MS);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r, "ATE0\r\r\nOK\r\n");
    free(r);
    sim_echo = 0;
}

START_TEST(pipelined_lines_answered_in_order)
{
    echo_off();
    ck_assert_int_eq(host_send(&sim, "ATI9\rAT+CSQ\rAT+NOPE\rAT\r"), 0);
    expect_response("\r\n03.15,A00.01\r\n\r\nOK\r\n");
    expect_response("\r\n+CSQ: 99,99\r\n\r\nOK\r\n");
    expect_response("\r\nERROR\r\n");
    expect_response("\r\nOK\r\n");
    expect_nothing_more();
}
END_TEST

START_TEST(pipelined_echo_stays_before_each_answer)
{
    /* ATE1 (the default): each line's echo, then its answer. */
    ck_assert_int_eq(host_send(&sim, "AT+CSQ\rAT\r"), 0);
    ck_assert_int_eq(host_expect(&sim, "AT+CSQ\r\r\n+CSQ: 99,99\r\n\r\nOK\r\nAT\r\r\nOK\r\n", T_MS), 0);
    expect_nothing_more();
}
END_TEST

START_TEST(pipelined_answers_beyond_pty_buffers_all_arrive)
{
    /* 4000 lines: 12 000 bytes in, 24 000 bytes out, more than a PTY holds
     * in either direction, so the module's writes stall and resume. */
    enum { LINES = 4000 };
    echo_off();
    char *burst = malloc(LINES * 3);
    for (int i = 0; i < LINES; i++)
        memcpy(burst + i * 3, "AT\r", 3);
    ck_assert_int_eq(host_send_bytes(&sim, burst, LINES * 3), 0);
    free(burst);
    for (int i = 0; i < LINES; i++)
        expect_response("\r\nOK\r\n");
    expect_nothing_more(); /* and the port still answers line by line */
}
END_TEST

static Suite *pipeline_suite(void)
{
    Suite *s = suite_create("pty_pipeline");
    TCase *t = tcase_create("pipeline");
    tcase_add_checked_fixture(t, start, stop);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, pipelined_lines_answered_in_order);
    tcase_add_test(t, pipelined_echo_stays_before_each_answer);
    tcase_add_test(t, pipelined_answers_beyond_pty_buffers_all_arrive);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(pipeline_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
