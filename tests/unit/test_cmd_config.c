/* test_cmd_config.c - configuration commands host libraries stop on (issue
 * 8): +UBANDMASK per +URAT, +UGPRF with port and server, the GPIO and CTS
 * commands, +UGPS with and without a receiver inside, and CellTime
 * (+UTIMECFG, +UTIMEIND, +UTIME with its URCs on the virtual clock).  Exact
 * bytes; what survives a restart; hostile parameters. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memhost.h"

#define OK "\r\nOK\r\n"
#define BAD "\r\n+CME ERROR: incorrect parameters\r\n"

static memhost h;
static char tmpdir[64];

static void start_boot(const char *model, const char *product, const char *state_dir, sim_ns boot)
{
    modem_config cfg;
    mh_default_cfg(&cfg, state_dir);
    snprintf(cfg.dev.model, sizeof(cfg.dev.model), "%s", model);
    snprintf(cfg.dev.product, sizeof(cfg.dev.product), "%s", product);
    if (boot)
        cfg.dev.timing[TIM_BOOT] = boot;
    mh_init_cfg(&h, &cfg);
    mh_prepare(&h);
}

static void start(const char *model, const char *product, const char *state_dir)
{
    start_boot(model, product, state_dir, 0);
}

static void setup(void) { start("SARA-R510M8S", "01B", NULL); }
static void teardown(void) { mh_free(&h); }

static void setup_disk(void)
{
    mh_make_tmpdir(tmpdir, sizeof(tmpdir));
    start("SARA-R510M8S", "01B", tmpdir);
}

static void teardown_disk(void)
{
    mh_free(&h);
    mh_remove_tmpdir(tmpdir);
}

static void restart(void) { mh_restart(&h, SIM_S(5)); }

/* +CFUN=16 and the boot after it. */
static void reboot(void)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=16\r"), OK);
    mh_advance(&h, SIM_S(30));
    mh_take(&h);
    mh_prepare(&h);
}

#define EXPECT_ALL_BAD(a) mh_expect_all(&h, a, sizeof(a) / sizeof(a[0]), BAD)

/* ---- +URAT / +UBANDMASK ---- */

START_TEST(ubandmask_lists_only_the_rat_urat_enables)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+URAT?\r"), "\r\n+URAT: 7\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UBANDMASK?\r"), "\r\n+UBANDMASK: 0,185473183,1048578\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UBANDMASK=1,524420,0\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UBANDMASK?\r"), "\r\n+UBANDMASK: 0,185473183,1048578\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+URAT=8\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UBANDMASK?\r"), "\r\n+UBANDMASK: 1,524420,0\r\n" OK);
    /* SARA-R5 runs one RAT: a list is refused and changes nothing */
    ck_assert_str_eq(mh_cmd(&h, "AT+URAT=7,8\r"), BAD);
    ck_assert_str_eq(mh_cmd(&h, "AT+URAT?\r"), "\r\n+URAT: 8\r\n" OK);
}
END_TEST

START_TEST(ubandmask_set_forms_of_ubxlib_and_particle)
{
    /* ubxlib: AT+UBANDMASK=<rat>,<mask1>,<mask2> (uint64 each) */
    ck_assert_str_eq(mh_cmd(&h, "AT+UBANDMASK=0,524434,18446744073709551615\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UBANDMASK?\r"), "\r\n+UBANDMASK: 0,524434,18446744073709551615\r\n" OK);
    /* Particle (Twilio): one mask; the second becomes 0 */
    ck_assert_str_eq(mh_cmd(&h, "AT+UBANDMASK=0,6170\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UBANDMASK?\r"), "\r\n+UBANDMASK: 0,6170,0\r\n" OK);
    /* bands above 64 only */
    ck_assert_str_eq(mh_cmd(&h, "AT+UBANDMASK=0,0,2\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UBANDMASK?\r"), "\r\n+UBANDMASK: 0,0,2\r\n" OK);
}
END_TEST

START_TEST(ubandmask_hostile_parameters)
{
    static const char *const bad[] = {
        "AT+UBANDMASK=0,-1\r", "AT+UBANDMASK=0,\"5\"\r", "AT+UBANDMASK=2,5\r", "AT+UBANDMASK=0,0,0\r",
        "AT+UBANDMASK=0,0\r", "AT+UBANDMASK=0,18446744073709551616\r", "AT+UBANDMASK=0,5,6,7\r",
        "AT+UBANDMASK=0\r", "AT+UBANDMASK=0,+5\r", "AT+UBANDMASK=0,5x\r", "AT+UBANDMASK=,5\r",
        "AT+UBANDMASK=0,,5\r", "AT+URAT=9\r", "AT+URAT=\r", "AT+URAT=\"7\"\r",
    };
    EXPECT_ALL_BAD(bad);
    ck_assert_str_eq(mh_cmd(&h, "AT+UBANDMASK?\r"), "\r\n+UBANDMASK: 0,185473183,1048578\r\n" OK);
}
END_TEST

START_TEST(ubandmask_and_urat_are_kept_in_nvm)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+UBANDMASK=0,524420,4\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+URAT=8\r"), OK);
    restart();
    ck_assert_str_eq(mh_cmd(&h, "AT+URAT?\r"), "\r\n+URAT: 8\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+URAT=7\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UBANDMASK?\r"), "\r\n+UBANDMASK: 0,524420,4\r\n" OK);
}
END_TEST

/* ---- +UGPRF ---- */

START_TEST(ugprf_keeps_port_and_server)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPRF?\r"), "\r\n+UGPRF: 0,0,\"\"\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPRF=10,1234,\"myserver\"\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPRF?\r"), "\r\n+UGPRF: 10,1234,\"myserver\"\r\n" OK);
    restart();
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPRF?\r"), "\r\n+UGPRF: 10,1234,\"myserver\"\r\n" OK);
    /* ubxlib's power-on fix-up: the bitmap alone */
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPRF=2\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPRF?\r"), "\r\n+UGPRF: 2,0,\"\"\r\n" OK);
}
END_TEST

START_TEST(ugprf_hostile_parameters)
{
    char line[200];
    static const char *const bad[] = {
        "AT+UGPRF=128\r", "AT+UGPRF=-1\r", "AT+UGPRF=8,65536,\"x\"\r", "AT+UGPRF=8,-1,\"x\"\r",
        "AT+UGPRF=8,1,\"a\\\"b\"\r", "AT+UGPRF=1,2,3,4\r", "AT+UGPRF=\"8\"\r", "AT+UGPRF=8,\"1\",\"x\"\r",
        "AT+UGPRF=,1,\"x\"\r",
    };
    EXPECT_ALL_BAD(bad);
    memset(line, 's', sizeof(line));
    memcpy(line, "AT+UGPRF=8,1,\"", 14);
    memcpy(line + 14 + 128, "\"\r", 3); /* a 128-character server */
    ck_assert_str_eq(mh_cmd(&h, line), BAD);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPRF?\r"), "\r\n+UGPRF: 0,0,\"\"\r\n" OK);
}
END_TEST

/* ---- GPIO and CTS ---- */

/* uCellGpioConfig(23, output, 1), uCellGpioGet, uCellGpioSet(0), uCellGpioGet. */
START_TEST(gpio_output_as_ubxlib_drives_it)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOC=23,0,1\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOR=23\r"), "\r\n+UGPIOR: 23,1\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOW=23,0\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOR=23\r"), "\r\n+UGPIOR: 23,0\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOW=23,1\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOR=23\r"), "\r\n+UGPIOR: 23,1\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOC?\r"),
                     "\r\n+UGPIOC:\r\n16,255\r\n23,0\r\n24,255\r\n25,255\r\n42,255\r\n19,255\r\n33,255\r\n46,255\r\n" OK);
}
END_TEST

START_TEST(gpio_read_and_write_need_the_right_mode)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOR=16\r"), "\r\n+CME ERROR: Read GPIO error\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOW=16,1\r"), "\r\n+CME ERROR: Write GPIO error\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOC=16,1\r"), OK); /* input: nothing drives it */
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOR=16\r"), "\r\n+UGPIOR: 16,0\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOW=16,1\r"), "\r\n+CME ERROR: Write GPIO error\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOC=16,2\r"), OK); /* network status indication */
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOR=16\r"), "\r\n+CME ERROR: Read GPIO error\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOR=17\r"), "\r\n+CME ERROR: Wrong GPIO identifier\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOW=17,0\r"), "\r\n+CME ERROR: Wrong GPIO identifier\r\n");
    /* the pins ubxlib's CellTime configures on SARA-R5 */
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOC=19,22\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOC=33,23\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOC=46,28\r"), OK);
}
END_TEST

START_TEST(gpio_mode_is_kept_and_the_level_is_not)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOC=23,0,1\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UCTS=0\r"), OK);
    reboot();
    ck_assert(strstr(mh_cmd(&h, "AT+UGPIOC?\r"), "\r\n23,0\r\n") != NULL);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOR=23\r"), "\r\n+UGPIOR: 23,0\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UCTS?\r"), "\r\n+UCTS: 1\r\n" OK);
}
END_TEST

/* uCellGpioGetCts / uCellGpioSetCts(!x) / uCellGpioGetCts / put back. */
START_TEST(ucts_as_ubxlib_toggles_it)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+UCTS?\r"), "\r\n+UCTS: 1\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UCTS=0\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UCTS?\r"), "\r\n+UCTS: 0\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UCTS=1\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UCTS?\r"), "\r\n+UCTS: 1\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UCTS=?\r"), "\r\n+UCTS: (0-1)\r\n" OK);
}
END_TEST

START_TEST(gpio_hostile_parameters)
{
    static const char *const bad[] = {
        "AT+UGPIOC=23,0,2\r", "AT+UGPIOC=23\r", "AT+UGPIOC=23,0,1,1\r", "AT+UGPIOC=23,1,3\r",
        "AT+UGPIOC=\"23\",0\r", "AT+UGPIOC=23,-1\r", "AT+UGPIOC=23,256\r", "AT+UGPIOC=-23,0\r",
        "AT+UGPIOR=23,1\r", "AT+UGPIOR=-16\r", "AT+UGPIOR=\"23\"\r", "AT+UGPIOR=\r", "AT+UGPIOW=23\r",
        "AT+UGPIOW=23,2\r", "AT+UGPIOW=\"23\",1\r", "AT+UGPIOW=23,1,1\r", "AT+UGPIOW=23,-1\r",
        "AT+UCTS=2\r", "AT+UCTS=-1\r", "AT+UCTS=1,1\r", "AT+UCTS=\"1\"\r",
    };
    EXPECT_ALL_BAD(bad);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOC=23,17\r"), "\r\n+CME ERROR: Select GPIO mode error\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOR\r"), "\r\nERROR\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOW?\r"), "\r\nERROR\r\n");
    ck_assert(strstr(mh_cmd(&h, "AT+UGPIOC?\r"), "\r\n23,255\r\n") != NULL);
}
END_TEST

/* ---- +UGPS ---- */

/* uCellLocIsGnssPresent(): +UGPS? and, when off, +UGPS=1,15,127 then 0. */
START_TEST(ugps_powers_the_receiver_inside_an_m8s)
{
    ck_assert_str_eq(mh_cmd(&h, "ATI\r"), "\r\nSARA-R510M8S-01B-00\r\n" OK); /* "M8": GNSS inside */
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPS?\r"), "\r\n+UGPS: 0\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPS=1,15,127\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPS?\r"), "\r\n+UGPS: 1,15,127\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPS=0\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPS?\r"), "\r\n+UGPS: 0\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPS=1\r"), OK); /* defaults: no aiding, GPS */
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPS?\r"), "\r\n+UGPS: 1,0,1\r\n" OK);
    reboot();
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPS?\r"), "\r\n+UGPS: 0\r\n" OK);
}
END_TEST

START_TEST(ugps_without_a_receiver_fails_to_switch_on)
{
    mh_free(&h);
    start("SARA-R510S", "01B", NULL);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPS?\r"), "\r\n+UGPS: 0\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPS=1,15,127\r"), "\r\n+CME ERROR: operation not supported\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPS?\r"), "\r\n+UGPS: 0\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPS=0\r"), OK);
}
END_TEST

START_TEST(ugps_hostile_parameters)
{
    static const char *const bad[] = {
        "AT+UGPS=2\r", "AT+UGPS=-1\r", "AT+UGPS=1,16\r", "AT+UGPS=1,0,0\r", "AT+UGPS=1,0,128\r",
        "AT+UGPS=1,1,1,1\r", "AT+UGPS=\"1\"\r", "AT+UGPS=\r", "AT+UGPS=1,-1,1\r",
    };
    EXPECT_ALL_BAD(bad);
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPS?\r"), "\r\n+UGPS: 0\r\n" OK);
}
END_TEST

/* ---- CellTime ---- */

/* Registered 3 s after boot: the module is camped on a cell. */
static void camp(void) { mh_advance(&h, SIM_S(3)); }

/* uCellTimeEnable(PULSE, cellTimeOnly, offset 0, callback), then
 * uCellTimeDisable(): the exact exchange, and +UUTIMEIND once synchronised. */
START_TEST(celltime_pulse_mode_as_ubxlib_enables_it)
{
    camp();
    ck_assert_str_eq(mh_cmd(&h, "AT+UGPIOC=19,22\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIMECFG=0,0\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIMEIND=1\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIME=1,2,1,100\r"), OK);
    mh_advance(&h, SIM_S(2) - 1);
    ck_assert_str_eq(mh_take(&h), "");
    mh_advance(&h, 1);
    ck_assert_str_eq(mh_take(&h), "\r\n+UUTIMEIND: 1,2,0,0\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIME?\r"), "\r\n+UTIME: 1,2\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIME=0\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIME?\r"), "\r\n+UTIME: 0,0\r\n" OK);
    mh_advance(&h, SIM_S(10));
    ck_assert_str_eq(mh_take(&h), "");
}
END_TEST

/* One-shot: after the indication, the time of the pulse on the cell time
 * base (1 Jan 2018 + simulated time + the +UTIMECFG offset). */
START_TEST(celltime_one_shot_sends_the_time_stamp)
{
    camp(); /* t = 8 s */
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIMECFG=500000000,3600\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIMECFG?\r"), "\r\n+UTIMECFG: 500000000,3600\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIMEIND=1\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIME=2,2\r"), OK);
    mh_advance(&h, SIM_S(2)); /* t = 10 s */
    ck_assert_str_eq(mh_take(&h), "\r\n+UUTIMEIND: 2,2,0,0\r\n"
                                  "\r\n+UUTIME: 01/01/2018,01:00:10,500.000000,0.000000100,0\r\n");
    /* the same mode again restarts it; another one must wait for +UTIME=0 */
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIME=1,2\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIMEIND=0\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIME=2,1\r"), OK);
    mh_advance(&h, SIM_S(2)); /* t = 12 s; no indication, the time stamp still comes */
    ck_assert_str_eq(mh_take(&h), "\r\n+UUTIME: 01/01/2018,01:00:12,500.000000,0.000000100,0\r\n");
}
END_TEST

START_TEST(celltime_without_a_cell_times_out)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=4\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIMEIND=1\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIME=2,2\r"), OK);
    mh_advance(&h, SIM_S(2));
    ck_assert_str_eq(mh_take(&h), "\r\n+UUTIMEIND: 2,0,1,3\r\n");
}
END_TEST

START_TEST(celltime_is_off_after_a_power_cut)
{
    /* a 1 s boot: a synchronisation that outlived the power would speak
     * after the module is up again */
    mh_free(&h);
    start_boot("SARA-R510M8S", "01B", NULL, SIM_S(1));
    camp();
    mh_cmd(&h, "AT+UTIMEIND=1\r");
    mh_cmd(&h, "AT+UTIMECFG=1,2\r");
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIME=2,2\r"), OK);
    modem_power_cut(h.m);
    modem_power_on(h.m);
    mh_advance(&h, SIM_S(1));
    mh_prepare(&h);
    mh_advance(&h, SIM_S(10));
    ck_assert_str_eq(mh_take(&h), ""); /* the synchronisation died with the power */
    ck_assert(mh_event_seen(&h, "celltime start mode=2"));
    ck_assert(!mh_event_seen(&h, "celltime sync"));
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIME?\r"), "\r\n+UTIME: 0,0\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIMEIND?\r"), "\r\n+UTIMEIND: 0\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIMECFG?\r"), "\r\n+UTIMECFG: 0,0\r\n" OK);
}
END_TEST

START_TEST(celltime_00b_has_a_fixed_pulse)
{
    mh_free(&h);
    start("SARA-R510M8S", "00B", NULL);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIME=1,2,1,100\r"), BAD);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIME=1,2\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIME=?\r"), "\r\n+UTIME: (0-3),(1-2)\r\n" OK);
}
END_TEST

START_TEST(celltime_hostile_parameters)
{
    static const char *const bad[] = {
        "AT+UTIME=4,1\r", "AT+UTIME=-1,1\r", "AT+UTIME=1,3\r", "AT+UTIME=1,0\r", "AT+UTIME=1\r",
        "AT+UTIME=1,2,5,100\r", "AT+UTIME=1,2,0,491\r", "AT+UTIME=1,2,1,991\r", "AT+UTIME=1,2,1\r",
        "AT+UTIME=2,2,1,100\r", "AT+UTIME=0,1\r", "AT+UTIME=1,2,1,100,1\r", "AT+UTIME=\"1\",2\r",
        "AT+UTIMECFG=1000000000\r", "AT+UTIMECFG=-1\r", "AT+UTIMECFG=0,-1\r", "AT+UTIMECFG=0,2147483648\r",
        "AT+UTIMECFG=0,0,0\r", "AT+UTIMECFG=\r", "AT+UTIMEIND=2\r", "AT+UTIMEIND=\"1\"\r",
    };
    EXPECT_ALL_BAD(bad);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIME?\r"), "\r\n+UTIME: 0,0\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIMECFG?\r"), "\r\n+UTIMECFG: 0,0\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UTIME=?\r"), "\r\n+UTIME: (0-3),(1-2),(0-4),(0-990)\r\n" OK);
    mh_advance(&h, SIM_S(10));
    ck_assert_str_eq(mh_take(&h), "");
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("cmd_config");
    TCase *t = tcase_create("bands");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, ubandmask_lists_only_the_rat_urat_enables);
    tcase_add_test(t, ubandmask_set_forms_of_ubxlib_and_particle);
    tcase_add_test(t, ubandmask_hostile_parameters);
    tcase_add_test(t, ugprf_hostile_parameters);
    suite_add_tcase(s, t);
    t = tcase_create("gpio");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, gpio_output_as_ubxlib_drives_it);
    tcase_add_test(t, gpio_read_and_write_need_the_right_mode);
    tcase_add_test(t, gpio_mode_is_kept_and_the_level_is_not);
    tcase_add_test(t, ucts_as_ubxlib_toggles_it);
    tcase_add_test(t, gpio_hostile_parameters);
    suite_add_tcase(s, t);
    t = tcase_create("gnss");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, ugps_powers_the_receiver_inside_an_m8s);
    tcase_add_test(t, ugps_without_a_receiver_fails_to_switch_on);
    tcase_add_test(t, ugps_hostile_parameters);
    suite_add_tcase(s, t);
    t = tcase_create("celltime");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, celltime_pulse_mode_as_ubxlib_enables_it);
    tcase_add_test(t, celltime_one_shot_sends_the_time_stamp);
    tcase_add_test(t, celltime_without_a_cell_times_out);
    tcase_add_test(t, celltime_is_off_after_a_power_cut);
    tcase_add_test(t, celltime_00b_has_a_fixed_pulse);
    tcase_add_test(t, celltime_hostile_parameters);
    suite_add_tcase(s, t);
    t = tcase_create("persistence");
    tcase_add_checked_fixture(t, setup_disk, teardown_disk);
    tcase_add_test(t, ubandmask_and_urat_are_kept_in_nvm);
    tcase_add_test(t, ugprf_keeps_port_and_server);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(config_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
