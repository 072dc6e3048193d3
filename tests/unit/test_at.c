/* test_at.c - the AT engine's sans-I/O core: line assembly, parsing and
 * formatting (fact sheet §1.1-§1.5). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/at.h"

/* ---- line assembly ---- */

static size_t feed(at_rx *rx, const char *s, bytebuf *echo, at_rx_event *ev)
{
    return at_rx_feed(rx, (const uint8_t *)s, strlen(s), echo, ev);
}

START_TEST(rx_cr_ends_line_and_lf_is_swallowed)
{
    at_rx rx;
    at_rx_init(&rx);
    bytebuf echo;
    bytebuf_init(&echo);
    at_rx_event ev;
    size_t used = feed(&rx, "AT+CGMI\r\nAT\r", &echo, &ev);
    ck_assert_int_eq(ev, AT_RX_LINE);
    ck_assert_uint_eq(used, 8); /* stops right after CR */
    ck_assert_str_eq(rx.body, "+CGMI");
    ck_assert_str_eq((char *)echo.data, "AT+CGMI\r");
    bytebuf_clear(&echo);
    used = feed(&rx, "\nAT\r", &echo, &ev);
    ck_assert_int_eq(ev, AT_RX_LINE);
    ck_assert_uint_eq(used, 4);
    ck_assert_str_eq(rx.body, "");
    ck_assert_str_eq((char *)echo.data, "AT\r"); /* the LF after CR is not echoed */
    bytebuf_free(&echo);
}
END_TEST

START_TEST(rx_noise_before_prefix_is_skipped_but_echoed)
{
    at_rx rx;
    at_rx_init(&rx);
    bytebuf echo;
    bytebuf_init(&echo);
    at_rx_event ev;
    feed(&rx, "xyzAAt+cmee=2\r", &echo, &ev);
    ck_assert_int_eq(ev, AT_RX_LINE);
    ck_assert_str_eq(rx.body, "+cmee=2");
    ck_assert_str_eq((char *)echo.data, "xyzAAt+cmee=2\r");
    bytebuf_free(&echo);
}
END_TEST

START_TEST(rx_echo_off_emits_nothing)
{
    at_rx rx;
    at_rx_init(&rx);
    rx.echo = 0;
    bytebuf echo;
    bytebuf_init(&echo);
    at_rx_event ev;
    feed(&rx, "AT\r", &echo, &ev);
    ck_assert_uint_eq(echo.len, 0);
    bytebuf_free(&echo);
}
END_TEST

START_TEST(rx_backspace_edits)
{
    at_rx rx;
    at_rx_init(&rx);
    at_rx_event ev;
    feed(&rx, "AT+CGMX\bI\r", NULL, &ev);
    ck_assert_str_eq(rx.body, "+CGMI");
}
END_TEST

START_TEST(rx_repeat_a_slash)
{
    at_rx rx;
    at_rx_init(&rx);
    at_rx_event ev;
    size_t used = feed(&rx, "A/", NULL, &ev);
    ck_assert_int_eq(ev, AT_RX_REPEAT);
    ck_assert_uint_eq(used, 2);
}
END_TEST

START_TEST(rx_strict_prefix_with_autobaud)
{
    at_rx rx;
    at_rx_init(&rx);
    rx.strict_prefix = 1;
    at_rx_event ev;
    feed(&rx, "aT\r", NULL, &ev);
    ck_assert_int_eq(ev, AT_RX_MORE); /* "aT" is not a prefix while autobauding */
    feed(&rx, "at\r", NULL, &ev);
    ck_assert_int_eq(ev, AT_RX_LINE);
    rx.strict_prefix = 0;
    feed(&rx, "aT\r", NULL, &ev);
    ck_assert_int_eq(ev, AT_RX_LINE);
}
END_TEST

START_TEST(rx_overlong_line_is_flagged)
{
    at_rx rx;
    at_rx_init(&rx);
    char line[AT_LINE_MAX + 16];
    /* exactly at the limit: "AT" + AT_BODY_MAX chars + CR = AT_LINE_MAX */
    memcpy(line, "AT", 2);
    memset(line + 2, 'A', AT_BODY_MAX);
    line[2 + AT_BODY_MAX] = '\r';
    line[3 + AT_BODY_MAX] = 0;
    at_rx_event ev;
    feed(&rx, line, NULL, &ev);
    ck_assert_int_eq(ev, AT_RX_LINE);
    ck_assert_int_eq(rx.overflow, 0);
    ck_assert_uint_eq(rx.len, AT_BODY_MAX);
    /* one more character */
    memset(line + 2, 'A', AT_BODY_MAX + 1);
    line[3 + AT_BODY_MAX] = '\r';
    line[4 + AT_BODY_MAX] = 0;
    feed(&rx, line, NULL, &ev);
    ck_assert_int_eq(ev, AT_RX_LINE);
    ck_assert_int_eq(rx.overflow, 1);
}
END_TEST

/* ---- parsing ---- */

static at_line L;

static void parse_ok(const char *body)
{
    ck_assert_msg(at_line_parse(&L, body, strlen(body)) == 0, "parse failed: %s", body);
}

START_TEST(parse_extended_forms)
{
    parse_ok("+CFUN?;+CFUN=?;+CFUN=1,0;+CGMI");
    ck_assert_uint_eq(L.ncmds, 4);
    ck_assert_str_eq(L.cmds[0].name, "+CFUN");
    ck_assert_int_eq(L.cmds[0].type, AT_READ);
    ck_assert_int_eq(L.cmds[1].type, AT_TEST);
    ck_assert_int_eq(L.cmds[2].type, AT_SET);
    ck_assert_uint_eq(L.cmds[2].nargs, 2);
    ck_assert_str_eq(L.cmds[2].args[1].s, "0");
    ck_assert_int_eq(L.cmds[3].type, AT_EXEC);
}
END_TEST

START_TEST(parse_is_case_insensitive)
{
    parse_ok("+cgmi");
    ck_assert_str_eq(L.cmds[0].name, "+CGMI");
    parse_ok("e0v1");
    ck_assert_str_eq(L.cmds[0].name, "E");
    ck_assert_str_eq(L.cmds[1].name, "V");
}
END_TEST

START_TEST(parse_basic_chain)
{
    parse_ok("E0V1&C1&D0S3=13S5?I9");
    ck_assert_uint_eq(L.ncmds, 7);
    ck_assert_str_eq(L.cmds[0].name, "E");
    ck_assert_str_eq(L.cmds[0].args[0].s, "0");
    ck_assert_str_eq(L.cmds[2].name, "&C");
    ck_assert_str_eq(L.cmds[4].name, "S");
    ck_assert_int_eq(L.cmds[4].type, AT_SET);
    ck_assert_str_eq(L.cmds[4].args[1].s, "13");
    ck_assert_int_eq(L.cmds[5].type, AT_READ);
    ck_assert_str_eq(L.cmds[6].name, "I");
    ck_assert_str_eq(L.cmds[6].args[0].s, "9");
}
END_TEST

START_TEST(parse_basic_then_extended)
{
    parse_ok("I;+CGATT?;+COPS?"); /* fact sheet §1.5 example */
    ck_assert_uint_eq(L.ncmds, 3);
    ck_assert_str_eq(L.cmds[1].name, "+CGATT");
}
END_TEST

START_TEST(parse_quoted_strings_keep_commas_and_semicolons)
{
    parse_ok("+UDWNFILE=\"a,b;c\",12,\"USER\"");
    ck_assert_uint_eq(L.ncmds, 1);
    ck_assert_uint_eq(L.cmds[0].nargs, 3);
    ck_assert_str_eq(L.cmds[0].args[0].s, "a,b;c");
    ck_assert_int_eq(L.cmds[0].args[0].quoted, 1);
    ck_assert_str_eq(L.cmds[0].args[2].s, "USER");
}
END_TEST

START_TEST(parse_escaped_quote)
{
    parse_ok("+ULWM2MWRITE=\"{\\\"bn\\\":\\\"/1/10/\\\"}\"");
    ck_assert_str_eq(L.cmds[0].args[0].s, "{\"bn\":\"/1/10/\"}");
}
END_TEST

START_TEST(parse_omitted_parameters)
{
    parse_ok("+UFWINSTALL=,,,1");
    ck_assert_uint_eq(L.cmds[0].nargs, 4);
    ck_assert_int_eq(L.cmds[0].args[0].present, 0);
    ck_assert_int_eq(L.cmds[0].args[2].present, 0);
    ck_assert_int_eq(L.cmds[0].args[3].present, 1);
    long v = -1;
    ck_assert_int_eq(at_arg_int(&L.cmds[0], 0, &v, 0, 10), 1);
    ck_assert_int_eq(at_arg_int(&L.cmds[0], 3, &v, 0, 10), 0);
    ck_assert_int_eq(v, 1);
    ck_assert_int_eq(at_arg_int(&L.cmds[0], 9, &v, 0, 10), 1); /* beyond the list: omitted */
}
END_TEST

START_TEST(parse_spaces_outside_strings_ignored)
{
    parse_ok("+ULSTFILE=0, \"FOAT\""); /* app note Table 13 writes it this way */
    ck_assert_uint_eq(L.cmds[0].nargs, 2);
    ck_assert_str_eq(L.cmds[0].args[1].s, "FOAT");
    parse_ok("+CMEE = 2");
    ck_assert_str_eq(L.cmds[0].args[0].s, "2");
}
END_TEST

START_TEST(parse_errors)
{
    const char *bad[] = { "+", "+CGMI?X", "+X=\"unterminated", "+X=\"a\"b", "!", "+CFUN=?1", "S=3" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(at_line_parse(&L, bad[i], strlen(bad[i])) == -1, "should fail: %s", bad[i]);
}
END_TEST

START_TEST(arg_int_bounds)
{
    parse_ok("+X=12,-3,abc,\"4\",99999999999999999999");
    long v;
    ck_assert_int_eq(at_arg_int(&L.cmds[0], 0, &v, 0, 12), 0);
    ck_assert_int_eq(at_arg_int(&L.cmds[0], 0, &v, 0, 11), -1);
    ck_assert_int_eq(at_arg_int(&L.cmds[0], 1, &v, -5, 0), 0);
    ck_assert_int_eq(v, -3);
    ck_assert_int_eq(at_arg_int(&L.cmds[0], 2, &v, 0, 100), -1);
    ck_assert_int_eq(at_arg_int(&L.cmds[0], 3, &v, 0, 100), -1); /* quoted: not a number */
    ck_assert_int_eq(at_arg_int(&L.cmds[0], 4, &v, 0, 100), -1);
}
END_TEST

START_TEST(parse_too_many_commands)
{
    char body[AT_BODY_MAX];
    size_t n = 0;
    for (int i = 0; i < AT_MAX_CMDS + 1; i++)
        n += (size_t)snprintf(body + n, sizeof(body) - n, "E0");
    ck_assert_int_eq(at_line_parse(&L, body, n), -1);
}
END_TEST

/* ---- formatting ---- */

static const char *fmt_final(int verbose, int quiet, int cmee, int result)
{
    static bytebuf b;
    bytebuf_free(&b);
    bytebuf_init(&b);
    at_fmt f = { verbose, quiet, cmee };
    at_fmt_final(&b, &f, result);
    bytebuf_append(&b, "", 0);
    return (const char *)b.data;
}

START_TEST(fmt_verbose_and_numeric)
{
    ck_assert_str_eq(fmt_final(1, 0, 0, AT_OK), "\r\nOK\r\n");
    ck_assert_str_eq(fmt_final(1, 0, 0, AT_ERROR), "\r\nERROR\r\n");
    ck_assert_str_eq(fmt_final(0, 0, 0, AT_OK), "0\r");
    ck_assert_str_eq(fmt_final(0, 0, 0, AT_ERROR), "4\r");
    ck_assert_str_eq(fmt_final(1, 0, 0, AT_NO_CARRIER), "\r\nNO CARRIER\r\n");
}
END_TEST

START_TEST(fmt_cmee_levels)
{
    ck_assert_str_eq(fmt_final(1, 0, 0, AT_CME(10)), "\r\nERROR\r\n");
    ck_assert_str_eq(fmt_final(1, 0, 1, AT_CME(10)), "\r\n+CME ERROR: 10\r\n");
    ck_assert_str_eq(fmt_final(1, 0, 2, AT_CME(10)), "\r\n+CME ERROR: SIM not inserted\r\n");
    ck_assert_str_eq(fmt_final(0, 0, 0, AT_CME(10)), "4\r");
    ck_assert_str_eq(fmt_final(0, 0, 1, AT_CME(10)), "+CME ERROR: 10\r\n");
    ck_assert_str_eq(fmt_final(0, 0, 2, AT_CME(3)), "+CME ERROR: operation not allowed\r\n");
    /* plain ERROR stays plain whatever +CMEE says */
    ck_assert_str_eq(fmt_final(1, 0, 2, AT_ERROR), "\r\nERROR\r\n");
}
END_TEST

START_TEST(fmt_quiet_suppresses_results)
{
    ck_assert_str_eq(fmt_final(1, 1, 0, AT_OK), "");
    ck_assert_str_eq(fmt_final(1, 1, 2, AT_CME(3)), "");
}
END_TEST

START_TEST(fmt_info_lines)
{
    bytebuf b;
    bytebuf_init(&b);
    at_fmt v1 = { 1, 0, 0 }, v0 = { 0, 0, 0 };
    at_fmt_info(&b, &v1, "A", 1, 1);
    at_fmt_info(&b, &v1, "B", 1, 0);
    ck_assert_str_eq((char *)b.data, "\r\nA\r\nB\r\n");
    bytebuf_clear(&b);
    at_fmt_info(&b, &v0, "A", 1, 1);
    ck_assert_str_eq((char *)b.data, "A\r\n");
    bytebuf_free(&b);
}
END_TEST

/* A quoted argument uses its own length in the parser's store, not twice
 * it: a 1000-byte string (the +USOWR/+USOST string form) parses. */
START_TEST(long_quoted_argument_parses)
{
    char body[1024];
    memset(body, 0, sizeof(body));
    int n = snprintf(body, sizeof(body), "+USOST=0,\"203.0.113.9\",7,980,\"");
    memset(body + n, 'x', 980);
    body[n + 980] = '"';
    at_line l;
    ck_assert_int_eq(at_line_parse(&l, body, (size_t)n + 981), 0);
    ck_assert_uint_eq(l.ncmds, 1);
    ck_assert_uint_eq(l.cmds[0].nargs, 5);
    ck_assert_uint_eq(l.cmds[0].args[4].len, 980);
}
END_TEST

static Suite *at_suite(void)
{
    Suite *s = suite_create("at");
    TCase *rx = tcase_create("line assembly");
    tcase_add_test(rx, rx_cr_ends_line_and_lf_is_swallowed);
    tcase_add_test(rx, rx_noise_before_prefix_is_skipped_but_echoed);
    tcase_add_test(rx, rx_echo_off_emits_nothing);
    tcase_add_test(rx, rx_backspace_edits);
    tcase_add_test(rx, rx_repeat_a_slash);
    tcase_add_test(rx, rx_strict_prefix_with_autobaud);
    tcase_add_test(rx, rx_overlong_line_is_flagged);
    suite_add_tcase(s, rx);
    TCase *p = tcase_create("parse");
    tcase_add_test(p, parse_extended_forms);
    tcase_add_test(p, parse_is_case_insensitive);
    tcase_add_test(p, parse_basic_chain);
    tcase_add_test(p, parse_basic_then_extended);
    tcase_add_test(p, parse_quoted_strings_keep_commas_and_semicolons);
    tcase_add_test(p, parse_escaped_quote);
    tcase_add_test(p, parse_omitted_parameters);
    tcase_add_test(p, parse_spaces_outside_strings_ignored);
    tcase_add_test(p, parse_errors);
    tcase_add_test(p, arg_int_bounds);
    tcase_add_test(p, parse_too_many_commands);
    suite_add_tcase(s, p);
    TCase *f = tcase_create("format");
    tcase_add_test(f, fmt_verbose_and_numeric);
    tcase_add_test(f, fmt_cmee_levels);
    tcase_add_test(f, fmt_quiet_suppresses_results);
    tcase_add_test(f, fmt_info_lines);
    tcase_add_test(f, long_quoted_argument_parses);
    suite_add_tcase(s, f);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(at_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
