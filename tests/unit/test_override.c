/* test_override.c - forced command responses (sim/override.h): what the host
 * sees when a scenario makes a command answer something else. */
#include <check.h>
#include <errno.h>
#include <stdio.h>

#include "memhost.h"
#include "protocol/at.h"

static memhost h;

static void setup(void)
{
    mh_init(&h, NULL);
    mh_echo_off(&h);
}

static void teardown(void) { mh_free(&h); }

START_TEST(override_once_then_back_to_handler)
{
    ck_assert_int_eq(modem_override_set(h.m, "+CSQ", "+CSQ: 99,99", AT_OK, 1), 0);
    ck_assert_str_eq(mh_cmd(&h, "AT+CSQ\r"), "\r\n+CSQ: 99,99\r\n\r\nOK\r\n");
    /* once: the real handler answers the next time (registered by now, at
     * the default RSRP of -85 dBm: RSSI -66 dBm, 23) */
    mh_advance(&h, SIM_S(10));
    ck_assert_str_eq(mh_cmd(&h, "AT+CSQ\r"), "\r\n+CSQ: 23,99\r\n\r\nOK\r\n");
}
END_TEST

START_TEST(override_until_cleared_survives_reboot)
{
    ck_assert_int_eq(modem_override_set(h.m, "+CGMI", NULL, AT_ERROR, 0), 0);
    ck_assert_str_eq(mh_cmd(&h, "AT+CGMI\r"), "\r\nERROR\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CGMI\r"), "\r\nERROR\r\n");
    modem_reset(h.m);
    mh_advance(&h, SIM_S(10));
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CGMI\r"), "\r\nERROR\r\n");
    ck_assert_int_eq(modem_override_clear(h.m, "+CGMI"), 1);
    ck_assert_str_eq(mh_cmd(&h, "AT+CGMI\r"), "\r\nu-blox\r\n\r\nOK\r\n");
}
END_TEST

START_TEST(override_cme_follows_cmee)
{
    ck_assert_int_eq(modem_override_set(h.m, "+CPIN?", NULL, AT_CME(10), 0), 0);
    ck_assert_str_eq(mh_cmd(&h, "AT+CPIN?\r"), "\r\nERROR\r\n");
    mh_cmd(&h, "AT+CMEE=2\r");
    ck_assert_str_eq(mh_cmd(&h, "AT+CPIN?\r"), "\r\n+CME ERROR: SIM not inserted\r\n");
    /* only the read form is overridden */
    ck_assert_str_eq(mh_cmd(&h, "AT+CPIN=?\r"), "\r\nOK\r\n");
}
END_TEST

START_TEST(override_set_form_matches_exact_parameters)
{
    ck_assert_int_eq(modem_override_set(h.m, "+CFUN=16", NULL, AT_CME(3), 0), 0);
    mh_cmd(&h, "AT+CMEE=1\r");
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=16\r"), "\r\n+CME ERROR: 3\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=4\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN?\r"), "\r\n+CFUN: 4\r\n\r\nOK\r\n");
}
END_TEST

START_TEST(override_unknown_command_and_multiline)
{
    ck_assert_int_eq(modem_override_set(h.m, "AT+UFOO", "+UFOO: 1\n+UFOO: 2", AT_OK, 0), 0);
    ck_assert_str_eq(mh_cmd(&h, "AT+UFOO\r"), "\r\n+UFOO: 1\r\n+UFOO: 2\r\n\r\nOK\r\n");
}
END_TEST

START_TEST(override_basic_command_with_argument)
{
    ck_assert_int_eq(modem_override_set(h.m, "I9", "99.99,A99.99", AT_OK, 0), 0);
    ck_assert_str_eq(mh_cmd(&h, "ATI9\r"), "\r\n99.99,A99.99\r\n\r\nOK\r\n");
    /* ATI0 is another command: its own handler answers */
    ck_assert_str_eq(mh_cmd(&h, "ATI0\r"), "\r\nSARA-R510M8S-01B-00\r\n\r\nOK\r\n");
}
END_TEST

START_TEST(override_silent_gives_no_result)
{
    ck_assert_int_eq(modem_override_set(h.m, "+CGMM", NULL, AT_SILENT, 1), 0);
    ck_assert_str_eq(mh_cmd(&h, "AT+CGMM\r"), "");
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "\r\nOK\r\n");
}
END_TEST

START_TEST(override_bad_patterns_and_limits)
{
    ck_assert_int_eq(modem_override_set(h.m, "+", NULL, AT_OK, 0), -EINVAL);
    ck_assert_int_eq(modem_override_set(h.m, "", NULL, AT_OK, 0), -EINVAL);
    ck_assert_int_eq(modem_override_set(h.m, "+CSQ!", NULL, AT_OK, 0), -EINVAL);
    ck_assert_int_eq(modem_override_set(h.m, "I9x", NULL, AT_OK, 0), -EINVAL);
    ck_assert_int_eq(modem_override_set(h.m, NULL, NULL, AT_OK, 0), -EINVAL);
    char name[16];
    for (int i = 0; i < 16; i++) {
        snprintf(name, sizeof(name), "+X%d", i);
        ck_assert_int_eq(modem_override_set(h.m, name, NULL, AT_OK, 0), 0);
    }
    ck_assert_int_eq(modem_override_set(h.m, "+X99", NULL, AT_OK, 0), -ENOSPC);
    /* the same pattern replaces rather than adds */
    ck_assert_int_eq(modem_override_set(h.m, "+X3", "+X3: new", AT_OK, 0), 0);
    ck_assert_str_eq(mh_cmd(&h, "AT+X3\r"), "\r\n+X3: new\r\n\r\nOK\r\n");
    ck_assert_int_eq(modem_override_clear(h.m, NULL), 16);
    ck_assert_str_eq(mh_cmd(&h, "AT+X3\r"), "\r\nERROR\r\n");
}
END_TEST

START_TEST(has_command_reports_the_table)
{
    ck_assert(modem_has_command(h.m, "+CGMI"));
    ck_assert(modem_has_command(h.m, "I"));
    ck_assert(!modem_has_command(h.m, "+NOPE"));
    ck_assert(!modem_has_command(h.m, NULL));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("override");
    TCase *tc = tcase_create("override");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, override_once_then_back_to_handler);
    tcase_add_test(tc, override_until_cleared_survives_reboot);
    tcase_add_test(tc, override_cme_follows_cmee);
    tcase_add_test(tc, override_set_form_matches_exact_parameters);
    tcase_add_test(tc, override_unknown_command_and_multiline);
    tcase_add_test(tc, override_basic_command_with_argument);
    tcase_add_test(tc, override_silent_gives_no_result);
    tcase_add_test(tc, override_bad_patterns_and_limits);
    tcase_add_test(tc, has_command_reports_the_table);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
