/* test_update_rules.c - app note Table 16 (§9) as data: each method's row
 * applied at the first boot of the new firmware, seen through AT commands;
 * the rules owed survive a kill -9 between the install and that boot; the
 * uFOTA row keeps a non-global MNO profile with a second reboot (§3.7.1
 * Table 6) and the APNs only with the profile's "APN sync" flag (§3.7.5).
 * The installs themselves are FOAT's, uFOTA's and +UFWINSTALL's: here the
 * engine's last step (modem_firmware_installed) is called directly. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memhost.h"
#include "sim/modem_int.h"

static memhost H;
static char dir[64];

static void setup(void)
{
    mh_make_tmpdir(dir, sizeof dir);
    modem_config cfg;
    mh_default_cfg(&cfg, dir);
    cfg.dev.lwm2m.nprofiles = 0; /* no client traffic in these runs */
    mh_init_cfg(&H, &cfg);
    mh_prepare(&H);
}

static void teardown(void)
{
    mh_free(&H);
    mh_remove_tmpdir(dir);
}

static const char *cmd(const char *line) { return mh_cmd(&H, line); }

/* A USER file, an LwM2M file, a certificate, an APN, a greeting and an MNO
 * profile: one of each kind of thing Table 16 has a row for. */
static void populate(long mno)
{
    ck_assert_str_eq(cmd("AT+UDWNFILE=\"user.txt\",2\r"), "\r\n>");
    ck_assert_str_eq(cmd("hi"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+UDWNFILE=\"obj.lua\",2,\"XLWM2M\"\r"), "\r\n>");
    ck_assert_str_eq(cmd("lu"), "\r\nOK\r\n");
    char line[64];
    snprintf(line, sizeof line, "AT+CFUN=0;+UMNOPROF=%ld;+CGDCONT=1,\"IP\",\"iot.apn\"\r", mno);
    ck_assert_str_eq(cmd(line), "\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+CSGT=1,\"hello\"\r"), "\r\nOK\r\n");
}

static void install(update_method how, sim_ns boot)
{
    ck_assert_int_eq(modem_firmware_installed(H.m, "03.16,A00.01", how), 0);
    modem_reboot(H.m, 0);
    mh_advance(&H, boot);
    mh_take(&H);
    mh_prepare(&H);
}

static int has_file(const char *tag, const char *name)
{
    uint8_t *d;
    size_t n;
    int rc = modem_file_get(H.m, tag, name, &d, &n);
    if (!rc)
        free(d);
    return rc == 0;
}

/* Table 16, uFOTA column: files kept, MNO profile kept (a second reboot
 * brings it back, Table 6), NVM at factory values: APNs lost without APN
 * sync, the greeting gone. */
START_TEST(t16_ufota_keeps_files_and_profile_resets_nvm)
{
    populate(100);
    uint64_t boots = H.m->boots;
    ck_assert_int_eq(modem_firmware_installed(H.m, "03.16,A00.01", UPD_UFOTA), 0);
    modem_reboot(H.m, 0);
    mh_advance(&H, SIM_S(1));
    ck_assert_uint_eq(H.m->boots, boots + 1);
    ck_assert(mh_event_seen(&H, "update rules method=ufota files_erased=0 mno=100 apns=factory second_reboot"));
    ck_assert_str_eq(cmd("AT\r"), ""); /* booting again */
    mh_advance(&H, SIM_S(5));
    mh_prepare(&H);
    ck_assert_uint_eq(H.m->boots, boots + 2);
    ck_assert_str_eq(cmd("AT+UMNOPROF?\r"), "\r\n+UMNOPROF: 100\r\n\r\nOK\r\n");
    ck_assert_ptr_nonnull(strstr(cmd("AT+CGDCONT?\r"), "\r\n+CGDCONT: 1,\"IP\",\"\",")); /* factory: no APN */
    ck_assert_str_eq(cmd("AT+CSGT?\r"), "\r\n+CSGT: \"NONE\",0\r\n\r\nOK\r\n");
    ck_assert(has_file("USER", "user.txt"));
    ck_assert(has_file("XLWM2M", "obj.lua"));
    ck_assert_str_eq(cmd("ATI9\r"), "\r\n03.16,A00.01\r\n\r\nOK\r\n");
}
END_TEST

/* §3.7.5: with the profile's "APN sync" flag (AT&T) the APNs come back. */
START_TEST(t16_ufota_apn_sync_keeps_the_apns)
{
    populate(2);
    ck_assert_str_eq(cmd("AT+ULWM2MCONFIGEXT?\r"), "\r\n+ULWM2MCONFIGEXT: 1\r\n\r\nOK\r\n");
    install(UPD_UFOTA, SIM_S(10));
    ck_assert(mh_event_seen(&H, "update rules method=ufota files_erased=0 mno=2 apns=kept second_reboot"));
    ck_assert_ptr_nonnull(strstr(cmd("AT+CGDCONT?\r"), "\r\n+CGDCONT: 1,\"IP\",\"iot.apn\","));
}
END_TEST

/* The global profile needs no second reboot. */
START_TEST(t16_ufota_global_profile_one_reboot)
{
    populate(90);
    uint64_t boots = H.m->boots;
    install(UPD_UFOTA, SIM_S(5));
    ck_assert_uint_eq(H.m->boots, boots + 1);
    ck_assert(mh_event_seen(&H, "update rules method=ufota files_erased=0 mno=90 apns=factory\n"));
}
END_TEST

/* Table 16, +UFWINSTALL column: files kept, profile back to global. */
START_TEST(t16_ufwinstall_keeps_files_profile_global)
{
    populate(100);
    install(UPD_UFWINSTALL, SIM_S(5));
    ck_assert_str_eq(cmd("AT+UMNOPROF?\r"), "\r\n+UMNOPROF: 90\r\n\r\nOK\r\n");
    ck_assert(has_file("USER", "user.txt"));
    ck_assert(has_file("XLWM2M", "obj.lua"));
}
END_TEST

/* Table 16, EasyFlash (and FOAT) column: USER and LwM2M files erased. */
START_TEST(t16_easyflash_erases_user_and_lwm2m_files)
{
    populate(100);
    install(UPD_EASYFLASH, SIM_S(5));
    ck_assert(!has_file("USER", "user.txt"));
    ck_assert(!has_file("XLWM2M", "obj.lua"));
    ck_assert_str_eq(cmd("AT+UMNOPROF?\r"), "\r\n+UMNOPROF: 90\r\n\r\nOK\r\n");
}
END_TEST

/* The rules owed are on flash with the new version: a kill -9 between the
 * install and the boot still applies them, once. */
START_TEST(rules_owed_survive_a_kill_between_install_and_boot)
{
    populate(90);
    ck_assert_int_eq(modem_firmware_installed(H.m, "03.16,A00.01", UPD_FOAT), 0);
    mh_restart(&H, SIM_S(5));
    ck_assert(mh_event_seen(&H, "update rules method=foat files_erased=2"));
    ck_assert(!has_file("USER", "user.txt"));
    ck_assert_str_eq(cmd("ATI9\r"), "\r\n03.16,A00.01\r\n\r\nOK\r\n");
    /* paid: the next boot applies nothing */
    ck_assert_str_eq(cmd("AT+CSGT=1,\"again\"\r"), "\r\nOK\r\n");
    mh_restart(&H, SIM_S(5));
    ck_assert_str_eq(cmd("AT+CSGT?\r"), "\r\n+CSGT: \"again\",1\r\n\r\nOK\r\n");
}
END_TEST

/* A firmware.json whose debt cannot be read: the person is told, nothing
 * is erased on a guess. */
START_TEST(unreadable_rules_owed_are_reported_not_guessed)
{
    populate(90);
    mh_free(&H);
    char path[128];
    snprintf(path, sizeof path, "%s/firmware.json", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"installed\":\"03.16,A00.01\",\"apply\":{\"method\":\"warp\"}}", f);
    fclose(f);
    modem_config cfg;
    mh_default_cfg(&cfg, dir);
    cfg.dev.lwm2m.nprofiles = 0;
    mh_init_cfg(&H, &cfg);
    mh_prepare(&H);
    ck_assert_ptr_nonnull(strstr((const char *)H.notices.data, "the update rules owed are unreadable"));
    ck_assert(has_file("USER", "user.txt"));
}
END_TEST

START_TEST(rows_match_table_16)
{
    ck_assert_int_eq(update_rule_of(UPD_FOAT)->files, FS_ERASE_FOR_FOAT);
    ck_assert_int_eq(update_rule_of(UPD_UFOTA)->files, FS_KEEP_FOR_UFOTA);
    ck_assert_int_eq(update_rule_of(UPD_UFWINSTALL)->files, FS_KEEP_FOR_UFWINSTALL);
    ck_assert_int_eq(update_rule_of(UPD_EASYFLASH)->files, FS_ERASE_FOR_EASYFLASH);
    ck_assert(update_rule_of(UPD_UFOTA)->mno_profile_kept);
    ck_assert(!update_rule_of(UPD_FOAT)->mno_profile_kept);
    ck_assert(!update_rule_of(UPD_UFWINSTALL)->mno_profile_kept);
    ck_assert(!update_rule_of(UPD_EASYFLASH)->mno_profile_kept);
    ck_assert_ptr_eq(update_rule_by_name("ufota"), update_rule_of(UPD_UFOTA));
    ck_assert_ptr_null(update_rule_by_name("none"));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("update_rules");
    TCase *t = tcase_create("table16");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, t16_ufota_keeps_files_and_profile_resets_nvm);
    tcase_add_test(t, t16_ufota_apn_sync_keeps_the_apns);
    tcase_add_test(t, t16_ufota_global_profile_one_reboot);
    tcase_add_test(t, t16_ufwinstall_keeps_files_profile_global);
    tcase_add_test(t, t16_easyflash_erases_user_and_lwm2m_files);
    tcase_add_test(t, rules_owed_survive_a_kill_between_install_and_boot);
    tcase_add_test(t, unreadable_rules_owed_are_reported_not_guessed);
    tcase_add_test(t, rows_match_table_16);
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
