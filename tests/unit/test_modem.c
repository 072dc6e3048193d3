/* test_modem.c - the modem as a host sees it, on a virtual clock: exact bytes
 * of responses and URCs, boot and reboot timing, what survives a reboot or a
 * power cut (fact sheet §1-§3). */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memhost.h"

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sarasim-unit-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

/* ---- basics ---- */

START_TEST(echo_is_on_at_factory_and_ate0_turns_it_off)
{
    memhost h;
    mh_init(&h, NULL);
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "AT\r\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "ATE0\r"), "ATE0\r\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(identity_responses)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CGMI\r"), "\r\nu-blox\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CGMM\r"), "\r\nSARA-R510M8S\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CGMR\r"), "\r\n03.15\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "ATI9\r"), "\r\n03.15,A00.01\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "ATI\r"), "\r\nSARA-R510M8S-01B-00\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CGSN\r"), "\r\n352835100012346\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+GSN\r"), "\r\n352835100012346\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CIMI\r"), "\r\n310410123456789\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CCID\r"), "\r\n+CCID: 89011703278123456789\r\n\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(unknown_command_is_plain_error_even_with_cmee2)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=2\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+NOPE\r"), "\r\nERROR\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=7\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=1\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=7\r"), "\r\n+CME ERROR: 50\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=0\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=7\r"), "\r\nERROR\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(concatenation_one_final_result)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CGMI;+CGMM\r"), "\r\nu-blox\r\n\r\nSARA-R510M8S\r\n\r\nOK\r\n");
    /* the first failure stops the line: +CGMM is not executed */
    ck_assert_str_eq(mh_cmd(&h, "AT+CGMI;+NOPE;+CGMM\r"), "\r\nu-blox\r\n\r\nERROR\r\n");
    /* a setting before the failure took effect, the one after did not */
    ck_assert_str_eq(mh_cmd(&h, "ATV0;+NOPE;V1\r"), "4\r");
    ck_assert_str_eq(mh_cmd(&h, "ATV1\r"), "\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(v0_numeric_results)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "ATV0\r"), "0\r");
    ck_assert_str_eq(mh_cmd(&h, "AT+CGMI\r"), "u-blox\r\n0\r");
    ck_assert_str_eq(mh_cmd(&h, "AT+NOPE\r"), "4\r");
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=2;+CFUN=7\r"), "+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(mh_cmd(&h, "ATV1\r"), "\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(quiet_mode_suppresses_result_codes)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "ATQ1\r"), "");
    ck_assert_str_eq(mh_cmd(&h, "AT+CGMI\r"), "\r\nu-blox\r\n");
    ck_assert_str_eq(mh_cmd(&h, "ATQ0\r"), "\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(repeat_last_line)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CGMI\r"), "\r\nu-blox\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "A/"), "\r\nu-blox\r\n\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(line_too_long_answers_error)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    mh_cmd(&h, "AT+CMEE=2\r");
    char line[1700];
    memcpy(line, "AT+CSGT=1,\"", 11);
    memset(line + 11, 'x', 1600);
    memcpy(line + 1611, "\"\r", 3);
    ck_assert_str_eq(mh_cmd(&h, line), "\r\n+CME ERROR: Command line too long\r\n");
    /* the module is still fine afterwards */
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(s_registers_read_as_three_digits)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "ATS3?\r"), "\r\n013\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "ATS12?\r"), "\r\n050\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "ATS99?\r"), "\r\nERROR\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(s3_changes_the_line_terminator)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "ATS3=64\r"), "\r\nOK\r\n"); /* '@' ends lines now */
    ck_assert_str_eq(mh_cmd(&h, "AT+CGMI@"), "\r\nu-blox\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "ATS3=13@"), "\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(and_v_shows_active_and_stored_profile)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT&V\r"),
                     "\r\nACTIVE PROFILE:\r\n"
                     "&C1, &D1, &K3, &S1, E0, Q0, V1, S2:043, S3:013, S4:010, S5:008,\r\n"
                     "+ICF:3,1, +IFC:2,2, +IPR:0,\r\n"
                     "STORED PROFILE 0:\r\n"
                     "&C1, &D1, &K3, &S1, E1, Q0, V1, S2:043, S3:013, S4:010, S5:008,\r\n"
                     "+ICF:3,1, +IFC:2,2, +IPR:0,\r\n\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

/* ---- URCs ---- */

START_TEST(urc_held_back_while_a_command_runs)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    mh_cmd(&h, "AT+CEREG=1\r");
    /* +COPS=? takes 8 s; registration completes 3 s after boot */
    ck_assert_str_eq(mh_cmd(&h, "AT+COPS=?\r"), "");
    mh_advance(&h, SIM_S(5));
    ck_assert_str_eq(mh_take(&h), ""); /* +CEREG: 1 is waiting for the line to end */
    mh_advance(&h, SIM_S(5));
    ck_assert_str_eq(mh_take(&h), "\r\n+COPS: (2,\"AT&T\",\"AT&T\",\"310410\",7),,(0-4),(0-2)\r\n"
                                  "\r\nOK\r\n\r\n+CEREG: 1\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(input_during_a_pending_command_waits_its_turn)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    mh_send(&h, "AT+COPS=?\rAT+CGMI\r");
    ck_assert_str_eq(mh_take(&h), "");
    mh_advance(&h, SIM_S(10));
    ck_assert_str_eq(mh_take(&h), "\r\n+COPS: (2,\"AT&T\",\"AT&T\",\"310410\",7),,(0-4),(0-2)\r\n"
                                  "\r\nOK\r\n\r\nu-blox\r\n\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(registration_urcs_follow_n)
{
    memhost h;
    modem_config cfg;
    mh_default_cfg(&cfg, NULL);
    mh_init_cfg(&h, &cfg);
    mh_echo_off(&h);
    /* booted 5 s, registered at boot + 3 s */
    ck_assert_str_eq(mh_cmd(&h, "AT+CEREG=2;+CREG=1;+CGREG=2\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CEREG?\r"), "\r\n+CEREG: 2,2\r\n\r\nOK\r\n");
    mh_advance(&h, SIM_S(3));
    ck_assert_str_eq(mh_take(&h), "\r\n+CREG: 1\r\n"
                                  "\r\n+CGREG: 1,\"E8FE\",\"01A2D001\",7,\"01\"\r\n"
                                  "\r\n+CEREG: 1,\"E8FE\",\"01A2D001\",7\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CEREG?\r"), "\r\n+CEREG: 2,1,\"E8FE\",\"01A2D001\",7\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+COPS?\r"), "\r\n+COPS: 0,0,\"AT&T\",7\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+COPS=3,2;+COPS?\r"), "\r\n+COPS: 0,2,\"310410\",7\r\n\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(signal_loss_and_recovery)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    mh_cmd(&h, "AT+CEREG=1\r");
    mh_advance(&h, SIM_S(3));
    ck_assert_str_eq(mh_take(&h), "\r\n+CEREG: 1\r\n");
    modem_set_signal(h.m, 1, 0);
    ck_assert_str_eq(mh_take(&h), "\r\n+CEREG: 2\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CSQ\r"), "\r\n+CSQ: 99,99\r\n\r\nOK\r\n");
    modem_set_signal(h.m, 0, -100);
    ck_assert_str_eq(mh_take(&h), "");
    mh_advance(&h, SIM_MS(2999));
    ck_assert_str_eq(mh_take(&h), "");
    mh_advance(&h, SIM_MS(1));
    ck_assert_str_eq(mh_take(&h), "\r\n+CEREG: 1\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CESQ\r"), "\r\n+CESQ: 99,99,255,255,20,41\r\n\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(cfun4_deregisters_and_cfun1_registers_again)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    mh_cmd(&h, "AT+CEREG=1;+CGEREP=1\r");
    mh_advance(&h, SIM_S(3));
    ck_assert_str_eq(mh_take(&h), "\r\n+CEREG: 1\r\n\r\n+CGEV: ME PDN ACT 1\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=4\r"), "\r\nOK\r\n\r\n+CGEV: ME PDN DEACT 1\r\n\r\n+CEREG: 0\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN?\r"), "\r\n+CFUN: 4\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=1\r"), "\r\nOK\r\n\r\n+CEREG: 2\r\n");
    mh_advance(&h, SIM_S(3));
    ck_assert_str_eq(mh_take(&h), "\r\n+CEREG: 1\r\n\r\n+CGEV: ME PDN ACT 1\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(psd_profile_activation_urc)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    mh_advance(&h, SIM_S(3));
    ck_assert_str_eq(mh_cmd(&h, "AT+UPSD=0,0,0\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UPSD=0,100,1\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UPSD=0,100\r"), "\r\n+UPSD: 0,100,1\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UPSDA=0,3\r"), "\r\nOK\r\n");
    mh_advance(&h, SIM_MS(200));
    ck_assert_str_eq(mh_take(&h), "\r\n+UUPSDA: 0,\"10.161.2.18\"\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UPSND=0,8\r"), "\r\n+UPSND: 0,8,1\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UPSDA=0,4\r"), "\r\nOK\r\n\r\n+UUPSDD: 0\r\n");
    mh_free(&h);
}
END_TEST

/* ---- power and boot ---- */

START_TEST(nothing_answered_while_booting)
{
    memhost h;
    modem_config cfg;
    mh_default_cfg(&cfg, NULL);
    mh_init_cfg(&h, &cfg);
    mh_echo_off(&h);
    modem_power_cut(h.m);
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "");
    modem_power_on(h.m);
    ck_assert_int_eq(modem_get_power(h.m), MODEM_BOOTING);
    mh_advance(&h, cfg.dev.timing[TIM_BOOT] - 1);
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "");
    mh_advance(&h, 1);
    ck_assert_int_eq(modem_get_power(h.m), MODEM_READY);
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "AT\r\r\nOK\r\n"); /* profile: echo on again */
    mh_free(&h);
}
END_TEST

START_TEST(cfun16_reboot_keeps_nvm_and_loses_volatile)
{
    make_tmpdir();
    memhost h;
    mh_init(&h, tmpdir);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=4\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UMNOPROF=100\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CGDCONT=1,\"IP\",\"iot.example\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=2;+CREG=2\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=16\r"), "\r\nOK\r\n");
    ck_assert_int_eq(modem_get_power(h.m), MODEM_BOOTING);
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "");
    mh_advance(&h, SIM_S(5));
    ck_assert_int_eq(modem_get_power(h.m), MODEM_READY);
    ck_assert_str_eq(mh_cmd(&h, "ATE0\r"), "ATE0\r\r\nOK\r\n"); /* E0 was never stored */
    ck_assert_str_eq(mh_cmd(&h, "AT+UMNOPROF?\r"), "\r\n+UMNOPROF: 100\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CGDCONT?\r"),
                     "\r\n+CGDCONT: 1,\"IP\",\"iot.example\",\"0.0.0.0\",0,0,0,0,0,0,0,0,0,0\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CREG?\r"), "\r\n+CREG: 0,2\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+NOPE;+CFUN=7\r"), "\r\nERROR\r\n"); /* CMEE back to 0 */
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=7\r"), "\r\nERROR\r\n");
    mh_free(&h);
    remove_tmpdir();
}
END_TEST

START_TEST(and_w_stores_the_profile)
{
    make_tmpdir();
    memhost h;
    mh_init(&h, tmpdir);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=2;&W\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=16\r"), "\r\nOK\r\n");
    mh_advance(&h, SIM_S(5));
    /* E0 and +CMEE=2 were in the profile stored by &W */
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=7\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    /* ATZ restores the stored profile, &F the factory one */
    ck_assert_str_eq(mh_cmd(&h, "ATV0\r"), "0\r");
    ck_assert_str_eq(mh_cmd(&h, "ATZ\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT&F\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=7\r"), "AT+CFUN=7\r\r\nERROR\r\n");
    mh_free(&h);
    remove_tmpdir();
}
END_TEST

START_TEST(power_cut_mid_command_loses_nothing_stored)
{
    make_tmpdir();
    memhost h;
    mh_init(&h, tmpdir);
    mh_echo_off(&h);
    mh_cmd(&h, "AT+CFUN=4;+UMNOPROF=31;+CSGT=1,\"booted\"\r");
    ck_assert_str_eq(mh_cmd(&h, "AT+COPS=?\r"), ""); /* in progress */
    modem_power_cut(h.m);
    mh_advance(&h, SIM_S(30));
    ck_assert_str_eq(mh_take(&h), "");
    modem_power_on(h.m);
    mh_advance(&h, SIM_S(5));
    /* autobauding: the greeting comes after the first AT */
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "\r\nbooted\r\nAT\r\r\nOK\r\n");
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+UMNOPROF?\r"), "\r\n+UMNOPROF: 31\r\n\r\nOK\r\n");
    mh_free(&h);
    /* and a fresh process on the same state dir (kill -9 equivalent) */
    mh_init(&h, tmpdir);
    ck_assert_str_eq(mh_cmd(&h, "AT+UMNOPROF?\r"), "\r\nbooted\r\nAT+UMNOPROF?\r\r\n+UMNOPROF: 31\r\n\r\nOK\r\n");
    mh_free(&h);
    remove_tmpdir();
}
END_TEST

START_TEST(corrupt_nvm_image_falls_back_to_factory)
{
    make_tmpdir();
    char path[128];
    snprintf(path, sizeof(path), "%s/nvm.json", tmpdir);
    FILE *f = fopen(path, "w");
    fputs("{ this is not json", f);
    fclose(f);
    memhost h;
    mh_init(&h, tmpdir);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+UMNOPROF?\r"), "\r\n+UMNOPROF: 90\r\n\r\nOK\r\n");
    mh_free(&h);
    remove_tmpdir();
}
END_TEST

START_TEST(ufactory_restores_nvm_at_next_boot)
{
    make_tmpdir();
    memhost h;
    mh_init(&h, tmpdir);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=4;+UMNOPROF=100;&W\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UFACTORY=0,1\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UFACTORY?\r"), "\r\n+UFACTORY: 0,1\r\n\r\nOK\r\n");
    /* nothing happens until the reboot */
    ck_assert_str_eq(mh_cmd(&h, "AT+UMNOPROF?\r"), "\r\n+UMNOPROF: 100\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=16\r"), "\r\nOK\r\n");
    mh_advance(&h, SIM_S(5));
    /* the stored profile is factory again: echo is on */
    ck_assert_str_eq(mh_cmd(&h, "AT+UMNOPROF?\r"), "AT+UMNOPROF?\r\r\n+UMNOPROF: 90\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UFACTORY?\r"), "AT+UFACTORY?\r\r\n+UFACTORY: 0,0\r\n\r\nOK\r\n");
    mh_free(&h);
    remove_tmpdir();
}
END_TEST

START_TEST(cpwroff_answers_ok_then_silence)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CPWROFF\r"), "\r\nOK\r\n");
    ck_assert_int_eq(modem_get_power(h.m), MODEM_OFF);
    mh_advance(&h, SIM_S(60));
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "");
    mh_free(&h);
}
END_TEST

START_TEST(greeting_after_boot_with_fixed_rate)
{
    make_tmpdir();
    memhost h;
    mh_init(&h, tmpdir);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+IPR=115200;&W;+CSGT=1,\"+ModuleHasBooted\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CSGT?\r"), "\r\n+CSGT: \"+ModuleHasBooted\",1\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=16\r"), "\r\nOK\r\n");
    mh_advance(&h, SIM_S(5));
    /* the rate is known: the greeting goes out as soon as the module is up */
    ck_assert_str_eq(mh_take(&h), "\r\n+ModuleHasBooted\r\n");
    mh_free(&h);
    remove_tmpdir();
}
END_TEST

/* ---- UART rate ---- */

START_TEST(autobaud_locks_on_first_at)
{
    memhost h;
    modem_config cfg;
    mh_default_cfg(&cfg, NULL);
    mh_init_cfg(&h, &cfg);
    modem_set_host_rate(h.m, 0, 9600);
    ck_assert_str_eq(mh_cmd(&h, "xyz\r"), ""); /* noise before "AT": unheard */
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "AT\r\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+IPR?\r"), "AT+IPR?\r\r\n+IPR: 9600\r\n\r\nOK\r\n");
    /* the host moves to another rate: the module stays locked at 9600 and
     * hears no "AT" in what arrives, so it answers nothing ... */
    modem_set_host_rate(h.m, 0, 115200);
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "");
    /* ... while a host back at 9600 is answered at once */
    modem_set_host_rate(h.m, 0, 9600);
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "AT\r\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(autobaud_ignores_undetectable_rates)
{
    memhost h;
    modem_config cfg;
    mh_default_cfg(&cfg, NULL);
    mh_init_cfg(&h, &cfg);
    modem_set_host_rate(h.m, 0, 921600);
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "");
    mh_free(&h);
}
END_TEST

START_TEST(ipr_answers_at_old_rate_then_switches)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+IPR=921600\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), ""); /* host still at 115200: not understood */
    modem_set_host_rate(h.m, 0, 921600);
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+IPR?\r"), "\r\n+IPR: 921600\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+IPR=12345\r"), "\r\nERROR\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(pacing_takes_wire_time)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    modem_set_pacing(h.m, 1);
    mh_send(&h, "AT\r"); /* 3 bytes at 115200: 260.4 us on the wire */
    mh_advance(&h, 260416);
    ck_assert_str_eq(mh_take(&h), "");
    mh_advance(&h, 1);
    /* the reply, 6 bytes, takes 520.8 us more */
    mh_advance(&h, 520833);
    ck_assert_str_eq(mh_take(&h), "");
    mh_advance(&h, 1);
    ck_assert_str_eq(mh_take(&h), "\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

/* A reset the firmware does itself lets what it already gave its UART
 * leave at the line rate: the OK of AT+CFUN=16 reaches a paced host. */
START_TEST(pacing_cfun16_ok_leaves_before_the_reboot)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    modem_set_pacing(h.m, 1);
    mh_send(&h, "AT+CFUN=16\r"); /* 11 bytes at 115200: 954.9 us */
    mh_advance(&h, 954862);
    ck_assert_int_eq(modem_get_power(h.m), MODEM_BOOTING);
    ck_assert_str_eq(mh_take(&h), "");
    mh_advance(&h, 520833); /* "\r\nOK\r\n" on the wire */
    ck_assert_str_eq(mh_take(&h), "");
    mh_advance(&h, 1);
    ck_assert_str_eq(mh_take(&h), "\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

/* RESET_N is not the firmware's choice: bytes still on the wire are cut. */
START_TEST(pacing_reset_n_cuts_bytes_on_the_wire)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    modem_set_pacing(h.m, 1);
    mh_send(&h, "AT\r");
    mh_advance(&h, 260417 + 100000); /* the command is in, OK half sent */
    modem_reset(h.m);
    mh_advance(&h, SIM_MS(10));
    ck_assert_str_eq(mh_take(&h), "");
    mh_free(&h);
}
END_TEST

/* App note §4.1.1: the Timeout result goes out, then the module reboots
 * into the old firmware -- with pacing too. */
START_TEST(pacing_fwupd_timeout_result_leaves_before_the_reboot)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    modem_set_pacing(h.m, 1);
    mh_send(&h, "AT+UFWUPD=1,115200\r");
    mh_advance(&h, SIM_S(2) + SIM_MS(10));
    ck_assert_str_eq(mh_take(&h), "\r\n+UFWUPD: ONGOING\r\nC");
    mh_advance(&h, SIM_S(110));
    const char *out = mh_take(&h);
    /* the two other 'C's (3 s, 6 s), the ten NAKs (9 s, 19 s ... 99 s), the
     * result at 109 s */
    ck_assert_str_eq(out, "CC\x15\x15\x15\x15\x15\x15\x15\x15\x15\x15\r\n+UFWUPD: Timeout\r\n");
    mh_free(&h);
}
END_TEST

/* ---- SIM ---- */

START_TEST(sim_pin_flow)
{
    memhost h;
    modem_config cfg;
    mh_default_cfg(&cfg, NULL);
    snprintf(cfg.dev.pin, sizeof(cfg.dev.pin), "1234");
    mh_init_cfg(&h, &cfg);
    mh_echo_off(&h);
    mh_cmd(&h, "AT+CMEE=2\r");
    ck_assert_str_eq(mh_cmd(&h, "AT+CPIN?\r"), "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CIMI\r"), "\r\n+CME ERROR: SIM PIN required\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CPIN=\"0000\"\r"), "\r\n+CME ERROR: incorrect password\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CPIN=\"1234\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CPIN?\r"), "\r\n+CPIN: READY\r\n\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(no_sim)
{
    memhost h;
    modem_config cfg;
    mh_default_cfg(&cfg, NULL);
    cfg.dev.sim_present = 0;
    mh_init_cfg(&h, &cfg);
    mh_echo_off(&h);
    mh_cmd(&h, "AT+CMEE=2\r");
    ck_assert_str_eq(mh_cmd(&h, "AT+CPIN?\r"), "\r\n+CME ERROR: SIM not inserted\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CCID\r"), "\r\n+CME ERROR: SIM not inserted\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(crsm_reads_hosts_make)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CRSM=176,28539,0,0,12\r"),
                     "\r\n+CRSM: 144,0,\"FFFFFFFFFFFFFFFFFFFFFFFF\"\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CRSM=176,28539,0,0,20\r"), "\r\n+CRSM: 103,0\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CRSM=176,12258,0,0,10\r"),
                     "\r\n+CRSM: 144,0,\"98107130721832547698\"\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CRSM=176,28423,0,0,9\r"),
                     "\r\n+CRSM: 144,0,\"083901141032547698\"\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CRSM=176,20000,0,0,1\r"), "\r\n+CRSM: 106,130\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CRSM=214,28539,0,0,3,\"130014\"\r"), "\r\n+CRSM: 144,0,\"\"\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CRSM=176,28539,0,0,3\r"), "\r\n+CRSM: 144,0,\"130014\"\r\n\r\nOK\r\n");
    mh_free(&h);
}
END_TEST


/* ---- hardening: hostile or unlucky input ---- */

START_TEST(crsm_offsets_beyond_a_file_are_refused)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CRSM=176,28539,255,255,0\r"), "\r\n+CRSM: 107,0\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CRSM=176,28539,1,0,0\r"), "\r\n+CRSM: 107,0\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CRSM=176,28539,0,10,0\r"), "\r\n+CRSM: 144,0,\"FFFF\"\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CRSM=176,28539,0,12,0\r"), "\r\n+CRSM: 144,0,\"\"\r\n\r\nOK\r\n");
    /* an update with a bad digit changes nothing */
    ck_assert_str_eq(mh_cmd(&h, "AT+CRSM=214,28539,0,0,3,\"1300ZZ\"\r"), "\r\n+CRSM: 105,130\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CRSM=176,28539,0,0,3\r"), "\r\n+CRSM: 144,0,\"FFFFFF\"\r\n\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

/* memmem with the length left, not strstr: ASan's strstr measures the whole
 * haystack on every call, which made this quadratic (12 s for 87 382 hits
 * under ASan, near Check's timeout on a loaded machine). */
static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, l = strlen(needle);
    const char *end = hay + strlen(hay);
    for (const char *p = memmem(hay, (size_t)(end - hay), needle, l); p;
         p = memmem(p + l, (size_t)(end - p - (ptrdiff_t)l), needle, l))
        n++;
    return n;
}

START_TEST(input_held_behind_a_command_is_bounded)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    mh_send(&h, "AT+COPS=?\r");
    size_t n = 400000 / 3 * 3;
    char *flood = malloc(n + 1);
    for (size_t i = 0; i < n; i += 3)
        memcpy(flood + i, "AT\r", 3);
    flood[n] = 0;
    mh_send(&h, flood);
    free(flood);
    mh_advance(&h, SIM_S(10));
    /* 256 kB were kept (87381 lines and an 'A'), the rest was lost */
    ck_assert_uint_eq(count(mh_take(&h), "\r\nOK\r\n"), 1 + 87381);
    ck_assert_uint_eq(modem_rx_backlog(h.m, 0), 0); /* the last 'A' waits in the parser */
    mh_free(&h);
}
END_TEST

START_TEST(paced_bytes_keep_the_rate_they_were_sent_at)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    modem_set_pacing(h.m, 1);
    /* the host switches right after writing: the line is already on the wire */
    mh_send(&h, "AT+UFWUPD=1,460800\r");
    modem_set_host_rate(h.m, 0, 460800);
    mh_advance(&h, SIM_MS(2100));
    ck_assert_int_eq(modem_get_power(h.m), MODEM_FWUPDATE);
    ck_assert_str_eq(mh_take(&h), "\r\n+UFWUPD: ONGOING\r\nC");
    mh_free(&h);
}
END_TEST

START_TEST(cfun15_sim_keep_does_not_survive_a_power_off)
{
    memhost h;
    modem_config cfg;
    mh_default_cfg(&cfg, NULL);
    snprintf(cfg.dev.pin, sizeof(cfg.dev.pin), "1234");
    mh_init_cfg(&h, &cfg);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CPIN=\"1234\"\r"), "\r\nOK\r\n");
    /* +CFUN=15 keeps the SIM unlocked across its reboot ... */
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=15\r"), "\r\nOK\r\n");
    mh_advance(&h, SIM_S(5));
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CPIN?\r"), "\r\n+CPIN: READY\r\n\r\nOK\r\n");
    /* ... but a power cut inside that reboot does not */
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=15\r"), "\r\nOK\r\n");
    modem_power_cut(h.m);
    modem_power_on(h.m);
    mh_advance(&h, SIM_S(5));
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CPIN?\r"), "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(a_reboot_follows_the_line_that_asked_for_it)
{
    memhost h;
    modem_config cfg;
    mh_default_cfg(&cfg, NULL);
    cfg.aux_uart = 1;
    mh_init_cfg(&h, &cfg);
    mh_echo_off(&h);
    mh_send_port(&h, 1, "ATE0\r");
    mh_take_port(&h, 1);
    mh_send(&h, "AT+CFUN=16;+COPS=?\r"); /* +COPS=? takes 8 s */
    ck_assert_str_eq(mh_take(&h), "");
    mh_send_port(&h, 1, "AT\r");
    ck_assert_str_eq(mh_take_port(&h, 1), "\r\nOK\r\n");
    ck_assert_int_eq(modem_get_power(h.m), MODEM_READY);
    mh_advance(&h, SIM_S(8));
    ck_assert_str_eq(mh_take(&h), "\r\n+COPS: (2,\"AT&T\",\"AT&T\",\"310410\",7),,(0-4),(0-2)\r\n\r\nOK\r\n");
    ck_assert_int_eq(modem_get_power(h.m), MODEM_BOOTING);
    mh_free(&h);
}
END_TEST

START_TEST(out_of_range_values_in_the_nvm_image_fall_back)
{
    make_tmpdir();
    char path[128];
    snprintf(path, sizeof(path), "%s/nvm.json", tmpdir);
    FILE *f = fopen(path, "w");
    fputs("{\"format\":1,\"nvm\":{\"+UMNOPROF\":100},\"profile\":{\"+IPR\":7,\"S3\":300,\"+CMEE\":2}}", f);
    fclose(f);
    memhost h;
    mh_init(&h, tmpdir);
    /* +IPR=7 would be a 7 baud UART: factory autobauding instead */
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=7\r"), "AT+CFUN=7\r\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+IPR?;S3?;+UMNOPROF?\r"),
                     "AT+IPR?;S3?;+UMNOPROF?\r\r\n+IPR: 115200\r\n\r\n013\r\n\r\n+UMNOPROF: 100\r\n\r\nOK\r\n");
    mh_free(&h);
    remove_tmpdir();
}
END_TEST

START_TEST(quotes_inside_strings_are_refused)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    mh_cmd(&h, "AT+CMEE=1\r");
    ck_assert_str_eq(mh_cmd(&h, "AT+CSGT=1,\"a\\\"b\"\r"), "\r\n+CME ERROR: 50\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CGDCONT=1,\"IP\",\"a\\\"b\"\r"), "\r\n+CME ERROR: 50\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CSGT=1,\"a,b;c\";+CSGT?\r"), "\r\n+CSGT: \"a,b;c\",1\r\n\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(cclk_keeps_the_time_zone)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CCLK=\"26/03/01,12:00:00+04\"\r"), "\r\nOK\r\n");
    mh_advance(&h, SIM_S(61));
    ck_assert_str_eq(mh_cmd(&h, "AT+CCLK?\r"), "\r\n+CCLK: \"26/03/01,12:01:01+04\"\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CCLK=\"26/03/01,12:00:00-08\";+CCLK?\r"),
                     "\r\n+CCLK: \"26/03/01,12:00:00-08\"\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CCLK=\"26/03/01,12:00:00*08\"\r"), "\r\nERROR\r\n");
    mh_free(&h);
}
END_TEST

START_TEST(two_downloads_of_one_file_on_two_uarts)
{
    make_tmpdir();
    memhost h;
    modem_config cfg;
    mh_default_cfg(&cfg, tmpdir);
    cfg.aux_uart = 1;
    mh_init_cfg(&h, &cfg);
    mh_echo_off(&h);
    mh_send_port(&h, 1, "ATE0\r");
    mh_take_port(&h, 1);
    enum { BIG = 900000 };
    uint8_t *data = malloc(BIG);
    memset(data, 'x', BIG);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"a\",900000\r"), "\r\n>");
    modem_host_write(h.m, 0, data, 300000);
    /* meanwhile the other UART writes the same file, completely */
    mh_send_port(&h, 1, "AT+UDWNFILE=\"a\",10\r");
    ck_assert_str_eq(mh_take_port(&h, 1), "\r\n>");
    mh_send_port(&h, 1, "0123456789");
    ck_assert_str_eq(mh_take_port(&h, 1), "\r\nOK\r\n");
    /* the first download goes on (its bytes reach its temp file) and the
     * power goes before it completes: the stored 10-byte file is intact */
    modem_host_write(h.m, 0, data, 300000);
    ck_assert_str_eq(mh_take(&h), "");
    free(data);
    modem_power_cut(h.m);
    modem_power_on(h.m);
    mh_advance(&h, SIM_S(5));
    mh_echo_off(&h);
    ck_assert(!mh_event_seen(&h, "fs load skipped"));
    ck_assert_str_eq(mh_cmd(&h, "AT+URDFILE=\"a\"\r"), "\r\n+URDFILE: \"a\",10,\"0123456789\"\r\nOK\r\n");
    mh_free(&h);
    remove_tmpdir();
}
END_TEST

START_TEST(a_line_that_fails_does_not_reboot)
{
    memhost h;
    mh_init(&h, NULL);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=16;+CMEE=9\r"), "\r\nERROR\r\n");
    mh_advance(&h, SIM_MS(1));
    ck_assert_int_eq(modem_get_power(h.m), MODEM_READY);
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "\r\nOK\r\n");
    mh_free(&h);
}
END_TEST

static Suite *modem_suite(void)
{
    Suite *s = suite_create("modem");
    TCase *b = tcase_create("basics");
    tcase_add_test(b, echo_is_on_at_factory_and_ate0_turns_it_off);
    tcase_add_test(b, identity_responses);
    tcase_add_test(b, unknown_command_is_plain_error_even_with_cmee2);
    tcase_add_test(b, concatenation_one_final_result);
    tcase_add_test(b, v0_numeric_results);
    tcase_add_test(b, quiet_mode_suppresses_result_codes);
    tcase_add_test(b, repeat_last_line);
    tcase_add_test(b, line_too_long_answers_error);
    tcase_add_test(b, s_registers_read_as_three_digits);
    tcase_add_test(b, s3_changes_the_line_terminator);
    tcase_add_test(b, and_v_shows_active_and_stored_profile);
    suite_add_tcase(s, b);
    TCase *u = tcase_create("urc");
    tcase_add_test(u, urc_held_back_while_a_command_runs);
    tcase_add_test(u, input_during_a_pending_command_waits_its_turn);
    tcase_add_test(u, registration_urcs_follow_n);
    tcase_add_test(u, signal_loss_and_recovery);
    tcase_add_test(u, cfun4_deregisters_and_cfun1_registers_again);
    tcase_add_test(u, psd_profile_activation_urc);
    suite_add_tcase(s, u);
    TCase *p = tcase_create("power");
    tcase_add_test(p, nothing_answered_while_booting);
    tcase_add_test(p, cfun16_reboot_keeps_nvm_and_loses_volatile);
    tcase_add_test(p, and_w_stores_the_profile);
    tcase_add_test(p, power_cut_mid_command_loses_nothing_stored);
    tcase_add_test(p, corrupt_nvm_image_falls_back_to_factory);
    tcase_add_test(p, cpwroff_answers_ok_then_silence);
    tcase_add_test(p, ufactory_restores_nvm_at_next_boot);
    tcase_add_test(p, greeting_after_boot_with_fixed_rate);
    suite_add_tcase(s, p);
    TCase *r = tcase_create("uart");
    tcase_add_test(r, autobaud_locks_on_first_at);
    tcase_add_test(r, autobaud_ignores_undetectable_rates);
    tcase_add_test(r, ipr_answers_at_old_rate_then_switches);
    tcase_add_test(r, pacing_takes_wire_time);
    tcase_add_test(r, pacing_cfun16_ok_leaves_before_the_reboot);
    tcase_add_test(r, pacing_reset_n_cuts_bytes_on_the_wire);
    tcase_add_test(r, pacing_fwupd_timeout_result_leaves_before_the_reboot);
    suite_add_tcase(s, r);
    TCase *sim = tcase_create("sim");
    tcase_add_test(sim, sim_pin_flow);
    tcase_add_test(sim, no_sim);
    tcase_add_test(sim, crsm_reads_hosts_make);
    suite_add_tcase(s, sim);
    TCase *hd = tcase_create("hardening");
    tcase_set_timeout(hd, 60);
    tcase_add_test(hd, crsm_offsets_beyond_a_file_are_refused);
    tcase_add_test(hd, input_held_behind_a_command_is_bounded);
    tcase_add_test(hd, paced_bytes_keep_the_rate_they_were_sent_at);
    tcase_add_test(hd, cfun15_sim_keep_does_not_survive_a_power_off);
    tcase_add_test(hd, a_reboot_follows_the_line_that_asked_for_it);
    tcase_add_test(hd, out_of_range_values_in_the_nvm_image_fall_back);
    tcase_add_test(hd, quotes_inside_strings_are_refused);
    tcase_add_test(hd, cclk_keeps_the_time_zone);
    tcase_add_test(hd, two_downloads_of_one_file_on_two_uarts);
    tcase_add_test(hd, a_line_that_fails_does_not_reboot);
    suite_add_tcase(s, hd);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(modem_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
