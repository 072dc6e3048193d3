/* test_rot.c - the RoT firmware update (app note §8): +USECFW=0's three
 * answers (Table 14), +USECFW=1 consuming the file and freeing its 200 KB
 * (Table 15, §8 note), the RoT file every update method brings (Table 16),
 * and the power-loss safety of §8.1 (a cut between +USECFW=1 and its answer,
 * and after each of the update's atomic steps, ends with the update done at
 * the next boot). */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memhost.h"
#include "sim/modem_int.h"

static memhost H;
static char dir[64];

static void boot_with(const char *state_dir)
{
    modem_config cfg;
    mh_default_cfg(&cfg, state_dir);
    cfg.dev.lwm2m.nprofiles = 0;
    mh_init_cfg(&H, &cfg);
    mh_prepare(&H);
}

static void setup(void)
{
    mh_make_tmpdir(dir, sizeof dir);
    boot_with(dir);
}

static void teardown(void)
{
    mh_free(&H);
    mh_remove_tmpdir(dir);
}

static const char *cmd(const char *line) { return mh_cmd(&H, line); }

/* state JSON value at rot.<key> / fs.free */
static void state_str(const char *obj, const char *key, char *out, size_t size)
{
    char *js = modem_state_json(H.m);
    cJSON *r = cJSON_Parse(js);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, obj), key);
    if (cJSON_IsString(v))
        snprintf(out, size, "%s", v->valuestring);
    else
        snprintf(out, size, "%.0f", cJSON_IsNumber(v) ? v->valuedouble : -1.0);
    cJSON_Delete(r);
    free(js);
}

static long free_space(void)
{
    char b[32];
    state_str("fs", "free", b, sizeof b);
    return atol(b);
}

static const char *rot(const char *key)
{
    static char b[64];
    state_str("rot", key, b, sizeof b);
    return b;
}

/* A firmware update of `how` to 03.16 completes and the module boots it. */
static void update(update_method how)
{
    ck_assert_int_eq(modem_firmware_installed(H.m, "03.16,A00.01", how), 0);
    modem_reboot(H.m, 0);
    mh_advance(&H, SIM_S(5));
    mh_take(&H);
    mh_prepare(&H);
}

START_TEST(factory_module_has_no_update_file)
{
    ck_assert_str_eq(cmd("AT+USECFW=0\r"), "\r\n+USECFW: 3\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+USECFW=1\r"), "\r\n+USECFW: 3\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+USECFW=?\r"), "\r\n+USECFW: (0,1)\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+USECFW=2\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(cmd("AT+USECFW?\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(cmd("AT+USECFW\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(rot("version"), "03.15,A00.01");
}
END_TEST

/* Table 16, RoT row, every column: the new firmware brings its RoT file;
 * +USECFW=0 says an update is needed; +USECFW=1 installs it, answers 0 and
 * frees the 200 KB; afterwards there is no file (3), across a restart. */
START_TEST(every_update_brings_a_rot_file_and_usecfw_consumes_it)
{
    update_method how = (update_method)_i;
    long before = free_space();
    update(how);
    ck_assert(mh_event_seen(&H, "rot file version=03.16,A00.01 stored"));
    ck_assert_int_eq(before - free_space(), ROT_FILE_BYTES);
    ck_assert_str_eq(rot("update_file"), "03.16,A00.01");
    ck_assert_str_eq(cmd("AT+USECFW=0\r"), "\r\n+USECFW: 1\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd("AT+USECFW=1\r"), ""); /* the RoT installs */
    mh_advance(&H, SIM_MS(2999));
    ck_assert_str_eq(mh_take(&H), "");
    mh_advance(&H, SIM_MS(1));
    ck_assert_str_eq(mh_take(&H), "\r\n+USECFW: 0\r\n\r\nOK\r\n");
    ck_assert_int_eq(free_space(), before);
    ck_assert_str_eq(rot("version"), "03.16,A00.01");
    ck_assert_str_eq(cmd("AT+USECFW=0\r"), "\r\n+USECFW: 3\r\n\r\nOK\r\n");
    mh_restart(&H, SIM_S(5));
    ck_assert_str_eq(cmd("AT+USECFW=0\r"), "\r\n+USECFW: 3\r\n\r\nOK\r\n");
    ck_assert_str_eq(rot("version"), "03.16,A00.01");
}
END_TEST

/* A file whose version the RoT already runs: up to date (0). */
START_TEST(same_version_is_up_to_date)
{
    ck_assert_int_eq(rot_deliver_file(H.m, "03.15,A00.01"), 0);
    ck_assert_str_eq(cmd("AT+USECFW=0\r"), "\r\n+USECFW: 0\r\n\r\nOK\r\n");
}
END_TEST

/* §8.1: a power cut while the RoT installs; the next boot completes it. */
START_TEST(power_cut_during_the_update_completes_at_boot)
{
    update(UPD_UFWINSTALL);
    long with_file = free_space();
    ck_assert_str_eq(cmd("AT+USECFW=1\r"), "");
    mh_advance(&H, SIM_S(1));
    mh_restart(&H, SIM_S(5));
    ck_assert(mh_event_seen(&H, "rot update resumed version=03.16,A00.01"));
    ck_assert_str_eq(rot("version"), "03.16,A00.01");
    ck_assert_str_eq(rot("installing"), "");
    ck_assert_int_eq(free_space() - with_file, ROT_FILE_BYTES);
    ck_assert_str_eq(cmd("AT+USECFW=0\r"), "\r\n+USECFW: 3\r\n\r\nOK\r\n");
}
END_TEST

/* Power off, rot.json as a cut left it, power on and boot. */
static void boot_with_rot_json(const char *text)
{
    modem_power_cut(H.m);
    char path[128];
    snprintf(path, sizeof path, "%s/rot.json", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    modem_power_on(H.m);
    mh_advance(&H, SIM_S(5));
    mh_prepare(&H);
}

/* A cut after step 1 (the RoT runs the new version, the file not yet
 * deleted) and after step 2 (file deleted, journal not cleared): the boot
 * finishes either way, and never reports an update still needed. */
START_TEST(cut_after_each_step_completes_at_boot)
{
    update(UPD_FOAT);
    boot_with_rot_json("{\"version\":\"03.16,A00.01\",\"installing\":\"03.16,A00.01\"}");
    ck_assert_str_eq(cmd("AT+USECFW=0\r"), "\r\n+USECFW: 3\r\n\r\nOK\r\n");
    ck_assert_str_eq(rot("installing"), "");
    /* step 2 done, journal left: nothing to delete, the journal goes */
    boot_with_rot_json("{\"version\":\"03.16,A00.01\",\"installing\":\"03.16,A00.01\"}");
    ck_assert_str_eq(rot("installing"), "");
    ck_assert_str_eq(rot("version"), "03.16,A00.01");
    ck_assert_str_eq(cmd("AT+USECFW=0\r"), "\r\n+USECFW: 3\r\n\r\nOK\r\n");
}
END_TEST

/* A rot.json the module could not have written: the person is told, the
 * RoT is taken to run the factory version. */
START_TEST(unreadable_state_is_reported)
{
    boot_with_rot_json("{\"version\":\"warp\"}");
    ck_assert_ptr_nonnull(strstr((const char *)H.notices.data, "rot.json unreadable"));
    ck_assert_str_eq(rot("version"), "03.15,A00.01");
}
END_TEST

/* Without room for it the file does not arrive: +USECFW=0 says 3. */
START_TEST(no_room_no_file)
{
    mh_free(&H);
    modem_config cfg;
    mh_default_cfg(&cfg, dir);
    cfg.dev.lwm2m.nprofiles = 0;
    cfg.dev.fs_capacity = ROT_FILE_BYTES - 1;
    mh_init_cfg(&H, &cfg);
    mh_prepare(&H);
    update(UPD_UFWINSTALL);
    ck_assert(mh_event_seen(&H, "rot file version=03.16,A00.01 No space left on device"));
    ck_assert_str_eq(cmd("AT+USECFW=0\r"), "\r\n+USECFW: 3\r\n\r\nOK\r\n");
}
END_TEST

/* No state dir: the RoT keeps its version for the process. */
START_TEST(memory_only_module)
{
    mh_free(&H);
    boot_with(NULL);
    update(UPD_UFOTA);
    ck_assert_str_eq(cmd("AT+USECFW=1\r"), "");
    mh_advance(&H, SIM_S(3));
    ck_assert_str_eq(mh_take(&H), "\r\n+USECFW: 0\r\n\r\nOK\r\n");
    modem_reset(H.m);
    mh_advance(&H, SIM_S(5));
    mh_prepare(&H);
    ck_assert_str_eq(rot("version"), "03.16,A00.01");
    ck_assert_str_eq(cmd("AT+USECFW=0\r"), "\r\n+USECFW: 3\r\n\r\nOK\r\n");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("rot");
    TCase *t = tcase_create("usecfw");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, factory_module_has_no_update_file);
    tcase_add_loop_test(t, every_update_brings_a_rot_file_and_usecfw_consumes_it, UPD_FOAT, UPD__COUNT);
    tcase_add_test(t, same_version_is_up_to_date);
    tcase_add_test(t, power_cut_during_the_update_completes_at_boot);
    tcase_add_test(t, cut_after_each_step_completes_at_boot);
    tcase_add_test(t, unreadable_state_is_reported);
    tcase_add_test(t, no_room_no_file);
    tcase_add_test(t, memory_only_module);
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
