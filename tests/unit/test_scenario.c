/* test_scenario.c - the scenario parser (harness/scenario.h): what a valid
 * file turns into, and that every malformed field is rejected with the file
 * name, the JSON path of the field and what was expected there. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/scenario.h"
#include "protocol/bytebuf.h"
#include "protocol/at.h"
#include "scparse.h"

/* ---------------- what a good file becomes ---------------- */

START_TEST(parses_device_world_and_host)
{
    scenario sc;
    const char *json =
        "{\"name\": \"demo\", \"exact\": true, \"within\": \"2s\",\n"
        " \"device\": {\"model\": \"SARA-R500S\", \"product\": \"00B\", \"firmware\": \"02.06,A00.01\",\n"
        "   \"sim\": {\"pin\": \"1234\"}, \"mno_profile\": 100, \"timing\": {\"boot\": \"3s\", \"reboot\": \"15s\"},\n"
        "   \"nvm\": {\"+CSGT.text\": \"hi\"}, \"network\": {\"rsrp\": -100}},\n"
        " \"world\": [{\"at\": \"90s\", \"do\": \"power_cut\"},\n"
        "            {\"id\": \"c\", \"when\": \"urc +UFWUPD: 40\", \"do\": \"reset\", \"after\": \"25m\"},\n"
        "            {\"when\": \"fired c\", \"do\": \"override\", \"command\": \"+CSQ\", \"response\": [\"+CSQ: 1,2\"],\n"
        "             \"result\": \"+CME ERROR: 10\", \"once\": true},\n"
        "            {\"when\": \"xmodem block 7\", \"do\": \"delay\", \"bytes\": 3, \"for\": \"500ms\", \"dir\": \"to_module\"}],\n"
        " \"host\": [{\"send\": \"AT\\r\"}, {\"expect\": {\"regex\": \"\\\\+CGSN: ([0-9]+)\"}, \"capture\": \"imei\"},\n"
        "          {\"send\": \"${imei}\"}, {\"wait\": \"24h\"}, {\"xmodem\": {\"generate\": 1000}, \"block\": 128,\n"
        "           \"faults\": [{\"block\": 2, \"fault\": \"stall\", \"for\": \"109s\"}]}]}";
    ck_assert_msg(parse(&sc, json) == 0, "%s", err);
    ck_assert_str_eq(sc.name, "demo");
    ck_assert_int_eq(sc.exact, 1);
    ck_assert_uint_eq(sc.default_within, SIM_S(2));
    ck_assert_str_eq(sc.device.dev.model, "SARA-R500S");
    ck_assert_str_eq(sc.device.dev.pin, "1234");
    ck_assert_uint_eq(sc.device.dev.timing[TIM_BOOT], SIM_S(3));
    ck_assert_uint_eq(sc.device.dev.timing[TIM_REBOOT], SIM_S(15));
    ck_assert_int_eq(sc.device.dev.rsrp_dbm, -100);
    ck_assert_uint_eq(sc.device.nnvm, 2);
    ck_assert_str_eq(sc.device.nvm[0].key, "+UMNOPROF");
    ck_assert_int_eq(sc.device.nvm[0].i, 100);
    ck_assert_str_eq(sc.device.nvm[1].s, "hi");
    ck_assert_uint_eq(sc.nworld, 4);
    ck_assert_int_eq(sc.world[0].trig.kind, TRIG_AT);
    ck_assert_uint_eq(sc.world[0].trig.at, SIM_S(90));
    ck_assert_int_eq(sc.world[1].trig.kind, TRIG_LINE);
    ck_assert_str_eq(sc.world[1].trig.arg, "+UFWUPD: 40");
    ck_assert_uint_eq(sc.world[1].delay, SIM_S(25 * 60));
    ck_assert_int_eq(sc.world[2].trig.kind, TRIG_FIRED);
    ck_assert_int_eq(sc.world[2].act.result, AT_CME(10));
    ck_assert_str_eq(sc.world[2].act.info, "+CSQ: 1,2");
    ck_assert_int_eq(sc.world[3].trig.kind, TRIG_EV);
    ck_assert_str_eq(sc.world[3].trig.words[0], "xmodem");
    ck_assert_str_eq(sc.world[3].trig.fields[0].key, "n");
    ck_assert_str_eq(sc.world[3].trig.fields[0].value, "7");
    ck_assert_int_eq(sc.world[3].act.dir, WIRE_TO_MODULE);
    ck_assert_uint_eq(sc.world[3].act.delay, SIM_MS(500));
    ck_assert_uint_eq(sc.nhost, 5);
    ck_assert_int_eq(sc.host[1].is_re, 1);
    ck_assert_int_eq(sc.host[1].exact, 1); /* inherited from the file */
    ck_assert_str_eq(sc.host[1].captures[0], "imei");
    ck_assert_int_eq(sc.host[2].bytes.has_vars, 1);
    ck_assert_uint_eq(sc.host[3].wait, SIM_S(24 * 3600));
    ck_assert_uint_eq(sc.host[4].xm.data.len, 1000);
    ck_assert_uint_eq(sc.host[4].xm.faults[0].stall, SIM_S(109));
    /* an xmodem step requires a sender */
    ck_assert_uint_eq(sc.nrequires, 1);
    ck_assert_str_eq(sc.requires[0], "xmodem");
    char d[160];
    scenario_step_describe(&sc.host[0], d, sizeof(d));
    ck_assert_str_eq(d, "send \"AT\\r\"");
    scenario_free(&sc);
}
END_TEST

START_TEST(defaults_name_from_file_and_durations)
{
    scenario sc;
    ck_assert_int_eq(scenario_parse(&sc, "dir/my_case.json", "dir", "{}", 2, err, sizeof(err)), 0);
    ck_assert_str_eq(sc.name, "my_case");
    ck_assert_uint_eq(sc.default_within, SIM_S(5));
    ck_assert_int_eq(sc.device.powered, 1);
    ck_assert_str_eq(sc.device.dev.model, "SARA-R510M8S");
    ck_assert_uint_eq(sc.nhost, 0);
    scenario_free(&sc);
}
END_TEST

START_TEST(file_asserts_imply_fs)
{
    scenario sc;
    ck_assert_int_eq(parse(&sc, "{\"host\": [{\"assert\": \"no_file\", \"name\": \"a\"}]}"), 0);
    ck_assert_uint_eq(sc.nrequires, 1);
    ck_assert_str_eq(sc.requires[0], "fs");
    ck_assert_str_eq(sc.host[0].as.tag, "USER");
    scenario_free(&sc);
}
END_TEST

/* ---------------- every malformed field ---------------- */

START_TEST(json_syntax_names_line_and_column)
{
    rejects("{\n  \"host\": [\n    {\"send\" \"AT\"}\n  ]\n}", "t.json:3:", "expected valid JSON");
    rejects("[1, 2]", "t.json: $: ", "expected a scenario object");
}
END_TEST

START_TEST(unknown_fields_are_named)
{
    rejects("{\"hots\": []}", "t.json: $.hots: ", "unknown field; expected one of \"name\"");
    rejects("{\"host\": [{\"send\": \"AT\", \"wihtin\": \"1s\"}]}", "t.json: $.host[0].wihtin: ",
            "unknown field; expected one of \"send\", \"port\", \"note\"");
    rejects("{\"device\": {\"imie\": \"1\"}}", "t.json: $.device.imie: ", "unknown field");
    rejects("{\"device\": {\"timing\": {\"install\": \"25m\"}}}", "t.json: $.device.timing.install: ",
            "expected one of \"boot\", \"reboot\", \"registration\"");
}
END_TEST

START_TEST(durations_are_checked)
{
    rejects("{\"host\": [{\"expect\": \"OK\", \"within\": \"3 sec\"}]}", "t.json: $.host[0].within: ",
            "expected a duration like \"500ms\", \"3s\", \"109s\", \"25m\" or \"24h\", got \"3 sec\"");
    rejects("{\"host\": [{\"wait\": 5}]}", "t.json: $.host[0].wait: ", "expected a duration");
    rejects("{\"within\": \"\"}", "t.json: $.within: ", "expected a duration");
    rejects("{\"world\": [{\"at\": \"-1s\", \"do\": \"reset\"}]}", "t.json: $.world[0].at: ", "expected a duration");
    rejects("{\"device\": {\"timing\": {\"boot\": \"fast\"}}}", "t.json: $.device.timing.boot: ",
            "expected a duration");
}
END_TEST

START_TEST(steps_are_checked)
{
    rejects("{\"host\": [{\"send\": \"AT\", \"expect\": \"OK\"}]}", "t.json: $.host[0]: ",
            "a step does one thing; it has both \"send\" and \"expect\"");
    rejects("{\"host\": [{\"note\": \"x\"}]}", "t.json: $.host[0]: ", "expected one of \"send\", \"expect\"");
    rejects("{\"host\": [\"AT\"]}", "t.json: $.host[0]: ", "expected a step like");
    rejects("{\"host\": {}}", "t.json: $.host: ", "expected an array of steps");
    rejects("{\"host\": [{\"expect\": \"\"}]}", "t.json: $.host[0].expect: ", "expected something to wait for");
    rejects("{\"host\": [{\"expect\": {\"regex\": \"(\"}}]}", "t.json: $.host[0].expect.regex: ",
            "expected a POSIX extended regular expression");
    rejects("{\"host\": [{\"expect\": \"OK\", \"capture\": \"x\"}]}", "t.json: $.host[0].capture: ",
            "capturing needs {\"regex\": ...}");
    rejects("{\"host\": [{\"expect\": {\"regex\": \"(a)\"}, \"capture\": [\"x\", \"y\"]}]}",
            "t.json: $.host[0].capture: ", "a variable name per regex group (1 group)");
    rejects("{\"host\": [{\"send\": \"AT+CPIN=${pin}\\r\"}]}", "t.json: $.host[0].send: ",
            "${pin} is not defined");
    rejects("{\"host\": [{\"send\": {\"hex\": \"0d0\"}}]}", "t.json: $.host[0].send.hex: ",
            "expected hex digit pairs");
    rejects("{\"host\": [{\"send\": 42}]}", "t.json: $.host[0].send: ", "expected a string or {\"hex\": \"...\"}, got 42");
    rejects("{\"host\": [{\"set_baud\": 12}]}", "t.json: $.host[0].set_baud: ",
            "expected an integer from 300 to 4000000, got 12");
    rejects("{\"host\": [{\"send\": \"AT\", \"port\": 2}]}", "t.json: $.host[0].port: ", "from 0 to 1");
    rejects("{\"host\": [{\"send_file\": \"no/such/file.bin\"}]}", "t.json: $.host[0].send_file: ",
            "cannot read \"./no/such/file.bin\"");
    rejects("{\"host\": [{\"send_file\": {\"generate\": 4}, \"interval\": \"1s\"}]}",
            "t.json: $.host[0].interval: ", "only meaningful with \"chunk\"");
    rejects("{\"host\": [{\"do\": \"explode\"}]}", "t.json: $.host[0].do: ", "expected an action (power_cut");
}
END_TEST

START_TEST(xmodem_steps_are_checked)
{
    rejects("{\"host\": [{\"xmodem\": {\"generate\": 10}, \"block\": 512}]}", "t.json: $.host[0].block: ",
            "expected 128 or 1024, got 512");
    rejects("{\"host\": [{\"xmodem\": {\"generate\": 10}, \"check\": \"crc32\"}]}", "t.json: $.host[0].check: ",
            "expected \"crc\", \"checksum\" or \"auto\"");
    rejects("{\"host\": [{\"xmodem\": {\"generate\": 10}, \"faults\": [{\"block\": 1, \"fault\": \"melt\"}]}]}",
            "t.json: $.host[0].faults[0].fault: ", "expected \"corrupt\", \"drop\", \"duplicate\", \"stall\" or \"cancel\"");
    rejects("{\"host\": [{\"xmodem\": {\"generate\": 10}, \"faults\": [{\"block\": 1, \"fault\": \"stall\"}]}]}",
            "t.json: $.host[0].faults[0].for: ", "expected a duration");
    rejects("{\"host\": [{\"xmodem\": {\"generate\": 10}, \"faults\": [{\"fault\": \"drop\"}]}]}",
            "t.json: $.host[0].faults[0].block: ", "expected an integer from 1");
    rejects("{\"host\": [{\"xmodem\": {\"size\": 10}}]}", "t.json: $.host[0].xmodem: ",
            "expected a file path, {\"path\": ...}");
    rejects("{\"host\": [{\"xmodem\": {\"generate\": 10}, \"outcome\": \"ok\"}]}", "t.json: $.host[0].outcome: ",
            "expected \"complete\", \"cancelled\", \"failed\" or \"any\"");
    rejects("{\"host\": [{\"xmodem\": {\"package\": {\"kind\": \"full\", \"to\": \"03.16,A00.01\", \"size\": 1000,\n"
            "  \"product\": \"SARA-R510M8S\"}}}]}",
            "t.json: $.host[0].xmodem.package.product: ", "expected MODEL-VERSION like \"SARA-R510M8S-01B\"");
    rejects("{\"host\": [{\"xmodem\": {\"generate\": 10}, \"replies\": {\"regex\": \"(\"}}]}",
            "t.json: $.host[0].replies.regex: ", "expected a POSIX extended regular expression");
    rejects("{\"host\": [{\"xmodem\": {\"generate\": 10}, \"replies\": 6}]}", "t.json: $.host[0].replies: ",
            "expected");
    rejects("{\"vars\": {\"a\": \"x\"}, \"host\": [{\"xmodem\": {\"generate\": 10}, \"replies\": \"${a}\"}]}",
            "t.json: $.host[0].replies: ", "no ${variables} in replies");
}
END_TEST

/* "replies": the bytes (or regex) the module must send during a transfer. */
START_TEST(xmodem_replies_parse)
{
    scenario sc;
    const char *json = "{\"host\": [{\"xmodem\": {\"generate\": 10}, \"replies\": {\"hex\": \"43 06 06\"}},\n"
                       "          {\"xmodem\": {\"generate\": 10}, \"replies\": {\"regex\": \"^C\\u0006{2}$\"}},\n"
                       "          {\"xmodem\": {\"generate\": 10}, \"replies\": \"\"},\n"
                       "          {\"xmodem\": {\"generate\": 10}}]}";
    ck_assert_msg(parse(&sc, json) == 0, "%s", err);
    ck_assert_int_eq(sc.host[0].xm.has_replies, 1);
    ck_assert_uint_eq(sc.host[0].bytes.len, 3);
    ck_assert_int_eq(memcmp(sc.host[0].bytes.data, "C\x06\x06", 3), 0);
    ck_assert_int_eq(sc.host[1].xm.has_replies, 1);
    ck_assert_int_eq(sc.host[1].is_re, 1);
    ck_assert_int_eq(sc.host[2].xm.has_replies, 1); /* "": the module sends nothing */
    ck_assert_uint_eq(sc.host[2].bytes.len, 0);
    ck_assert_int_eq(sc.host[3].xm.has_replies, 0);
    scenario_free(&sc);
}
END_TEST

START_TEST(asserts_are_checked)
{
    rejects("{\"host\": [{\"assert\": \"files\"}]}", "t.json: $.host[0].assert: ", "expected \"file\", \"no_file\"");
    rejects("{\"host\": [{\"assert\": \"file\"}]}", "t.json: $.host[0].name: ", "expected a string, got nothing");
    rejects("{\"host\": [{\"assert\": \"file\", \"name\": \"a\", \"sha256\": \"abc\"}]}",
            "t.json: $.host[0].sha256: ", "expected 64 hex digits");
    rejects("{\"host\": [{\"assert\": \"setting\", \"key\": \"+NOPE\", \"equals\": 1}]}", "t.json: $.host[0].key: ",
            "unknown setting");
    rejects("{\"host\": [{\"assert\": \"firmware\"}]}", "t.json: $.host[0].equals: ", "expected the value");
    rejects("{\"host\": [{\"assert\": \"state\", \"key\": \"power\", \"equals\": \"READY\", \"name\": \"x\"}]}",
            "t.json: $.host[0].name: ", "unknown field");
}
END_TEST

START_TEST(world_events_are_checked)
{
    rejects("{\"world\": [{\"do\": \"reset\"}]}", "t.json: $.world[0]: ", "expected exactly one of \"at\"");
    rejects("{\"world\": [{\"at\": \"1s\", \"when\": \"line OK\", \"do\": \"reset\"}]}", "t.json: $.world[0]: ",
            "expected exactly one of");
    rejects("{\"world\": [{\"when\": \"smoke signals\", \"do\": \"reset\"}]}", "t.json: $.world[0].when: ",
            "unknown trigger kind; expected a trigger like \"urc +UFWUPD: 40\"");
    rejects("{\"world\": [{\"when\": \"urc\", \"do\": \"reset\"}]}", "t.json: $.world[0].when: ",
            "missing what to wait for");
    rejects("{\"world\": [{\"when\": \"xmodem blk 3\", \"do\": \"reset\"}]}", "t.json: $.world[0].when: ",
            "\"xmodem\" takes \"block <n>\"");
    rejects("{\"world\": [{\"when\": \"download lots\", \"do\": \"reset\"}]}", "t.json: $.world[0].when: ",
            "\"download\" takes a byte count");
    rejects("{\"world\": [{\"when\": \"line /(/\", \"do\": \"reset\"}]}", "t.json: $.world[0].when: ",
            "expected a POSIX extended regular expression");
    rejects("{\"world\": [{\"when\": \"fired nope\", \"do\": \"reset\"}]}", "t.json: $.world[0].when: ",
            "no world event has \"id\": \"nope\"");
    rejects("{\"world\": [{\"at\": \"1s\", \"do\": \"explode\"}]}", "t.json: $.world[0].do: ",
            "expected an action (power_cut, power_on, reset");
    rejects("{\"world\": [{\"at\": \"1s\", \"do\": \"reset\", \"bytes\": 3}]}", "t.json: $.world[0].bytes: ",
            "unknown field");
    rejects("{\"world\": [{\"at\": \"1s\", \"do\": \"drop\"}]}", "t.json: $.world[0].bytes: ",
            "expected an integer from 1");
    rejects("{\"world\": [{\"at\": \"1s\", \"do\": \"drop\", \"bytes\": 1, \"dir\": \"up\"}]}",
            "t.json: $.world[0].dir: ", "expected \"to_host\" (module output) or \"to_module\"");
    rejects("{\"world\": [{\"at\": \"1s\", \"do\": \"signal\"}]}", "t.json: $.world[0].rsrp: ",
            "expected an integer from -140 to -44");
    rejects("{\"world\": [{\"at\": \"1s\", \"do\": \"override\"}]}", "t.json: $.world[0].command: ",
            "expected a string");
    rejects("{\"world\": [{\"at\": \"1s\", \"do\": \"override\", \"command\": \"+CSQ\", \"result\": \"FINE\"}]}",
            "t.json: $.world[0].result: ", "expected \"OK\", \"ERROR\", \"+CME ERROR: <n or text>\"");
    rejects("{\"world\": [{\"at\": \"1s\", \"do\": \"control\", \"request\": {\"x\": 1}}]}",
            "t.json: $.world[0].request: ", "expected a control request object");
    rejects("{\"world\": [{\"at\": \"1s\", \"repeat\": true, \"do\": \"reset\"}]}", "t.json: $.world[0].repeat: ",
            "an \"at\" event happens once");
}
END_TEST

START_TEST(device_is_checked)
{
    rejects("{\"device\": {\"imei\": \"352835100012345\"}}", "t.json: $.device.imei: ", "check digit");
    rejects("{\"device\": {\"model\": \"LARA-R6\"}}", "t.json: $.device.model: ", "expected a SARA-R5 type");
    rejects("{\"device\": {\"product\": \"TOOLONGXX\"}}", "t.json: $.device.product: ",
            "expected at most 7 characters");
    rejects("{\"device\": {\"sim\": {\"imsi\": \"12\"}}}", "t.json: $.device.sim.imsi: ", "expected 15 digits");
    rejects("{\"device\": {\"network\": {\"plmn\": \"31041x\"}}}", "t.json: $.device.network.plmn: ",
            "expected 5 or 6 digits");
    rejects("{\"device\": {\"nvm\": {\"+NOPE\": 1}}}", "t.json: $.device.nvm.+NOPE: ", "unknown setting");
    rejects("{\"device\": {\"nvm\": {\"+CEREG\": 2}}}", "t.json: $.device.nvm.+CEREG: ",
            "a volatile setting is lost at every boot");
    rejects("{\"device\": {\"nvm\": {\"+UMNOPROF\": \"100\"}}}", "t.json: $.device.nvm.+UMNOPROF: ",
            "expected an integer");
    rejects("{\"device\": {\"mno_profile\": 300}}", "t.json: $.device.mno_profile: ", "from 0 to 255");
    rejects("{\"device\": {\"files\": [{\"name\": \"a\"}]}}", "t.json: $.device.files[0].content: ",
            "expected the file's content");
    rejects("{\"device\": {\"network_time\": \"yesterday\"}}", "t.json: $.device.network_time: ",
            "expected a UTC time like");
    rejects("{\"requires\": [\"warp\"]}", "t.json: $.requires[0]: ", "expected a capability (fs, foat");
    rejects("{\"vars\": {\"a b\": \"x\"}}", "t.json: $.vars.a b: ", "a name of letters, digits and '_'");
}
END_TEST

/* ---------------- files on disk ---------------- */

static char dir[64];

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void make_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/test_scenario-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void make_fifo(const char *name)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
}

/* scenario_load of dir/main.json must fail with `what` in the message,
 * `where` (file: path) before it. */
static void load_rejects(const char *where, const char *what)
{
    char path[128], want[256];
    snprintf(path, sizeof(path), "%s/main.json", dir);
    snprintf(want, sizeof(want), where, dir, dir);
    scenario sc;
    err[0] = 0;
    ck_assert_int_eq(scenario_load(&sc, path, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, want) != NULL, "message \"%s\" does not name \"%s\"", err, want);
    ck_assert_msg(strstr(err, what) != NULL, "message \"%s\" does not say \"%s\"", err, what);
}

START_TEST(load_reads_files_relative_to_the_scenario)
{
    write_file("data.bin", "0123456789");
    write_file("steps.json", "[{\"send\": \"AT\\r\"}, {\"send_file\": \"data.bin\"}]");
    write_file("main.json", "{\"host\": [{\"wait\": \"1s\"}, {\"include\": \"steps.json\"}, {\"send\": \"x\"}]}");
    char path[128];
    snprintf(path, sizeof(path), "%s/main.json", dir);
    scenario sc;
    ck_assert_msg(scenario_load(&sc, path, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(sc.name, "main");
    ck_assert_uint_eq(sc.nhost, 4);
    ck_assert_uint_eq(sc.host[2].bytes.len, 10);
    ck_assert_str_eq(sc.host[0].path, "$.host[0]");
    ck_assert_ptr_nonnull(strstr(sc.host[2].path, "steps.json $[1]"));
    ck_assert_str_eq(sc.host[3].path, "$.host[2]");
    scenario_free(&sc);
}
END_TEST

START_TEST(errors_inside_an_included_file_name_it)
{
    write_file("bad.json", "[{\"send\": \"AT\\r\"}, {\"wait\": \"soon\"}]");
    write_file("main.json", "{\"host\": [{\"include\": \"bad.json\"}]}");
    char path[128];
    snprintf(path, sizeof(path), "%s/main.json", dir);
    scenario sc;
    ck_assert_int_eq(scenario_load(&sc, path, err, sizeof(err)), -1);
    char want[160];
    snprintf(want, sizeof(want), "%s/bad.json: $[1].wait: expected a duration", dir);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);

    write_file("loop.json", "[{\"include\": \"loop.json\"}]");
    write_file("main.json", "{\"host\": [{\"include\": \"loop.json\"}]}");
    ck_assert_int_eq(scenario_load(&sc, path, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "includes nest deeper than 8 levels") != NULL, "%s", err);

    write_file("main.json", "{\"host\": [{\"include\": \"missing.json\"}]}");
    ck_assert_int_eq(scenario_load(&sc, path, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "main.json: $.host[0].include: cannot read") != NULL, "%s", err);
}
END_TEST

/* A FIFO opened for reading waits for a writer: the load must refuse it at
 * once (before the fix it hung here until Check's timeout). */
START_TEST(fifos_are_refused_without_blocking)
{
    make_fifo("steps.json");
    make_fifo("data.bin");
    write_file("main.json", "{\"host\": [{\"include\": \"steps.json\"}]}");
    load_rejects("%s/main.json: $.host[0].include: cannot read \"%s/steps.json\"",
                 "a FIFO or socket, not a regular file; expected a JSON array of steps in a regular file of at most 1 MB");
    write_file("main.json", "{\"host\": [{\"send_file\": \"data.bin\"}]}");
    load_rejects("%s/main.json: $.host[0].send_file: cannot read \"%s/data.bin\"",
                 "a FIFO or socket, not a regular file; expected a regular file of at most 64 MB");
    write_file("main.json", "{\"host\": [{\"xmodem\": {\"path\": \"/dev/zero\"}}]}");
    load_rejects("%s/main.json: $.host[0].xmodem.path: cannot read \"/dev/zero\"", "a device, not a regular file");
    /* the scenario itself */
    char path[128];
    snprintf(path, sizeof(path), "%s/fifo.json", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    scenario sc;
    ck_assert_int_eq(scenario_load(&sc, path, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "fifo.json: a FIFO or socket, not a regular file; expected a scenario (JSON)") != NULL,
                  "%s", err);
}
END_TEST

/* Symlinks are followed: what they point at is checked. */
START_TEST(symlinks_are_followed_and_their_target_checked)
{
    write_file("real.bin", "0123");
    make_fifo("fifo.bin");
    char target[128], link[128];
    snprintf(link, sizeof(link), "%s/link.bin", dir);
    ck_assert_int_eq(symlink("real.bin", link), 0);
    snprintf(link, sizeof(link), "%s/fifolink.bin", dir);
    snprintf(target, sizeof(target), "%s/fifo.bin", dir);
    ck_assert_int_eq(symlink(target, link), 0);
    write_file("main.json", "{\"host\": [{\"send_file\": \"link.bin\"}]}");
    char path[128];
    snprintf(path, sizeof(path), "%s/main.json", dir);
    scenario sc;
    ck_assert_msg(scenario_load(&sc, path, err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_eq(sc.host[0].bytes.len, 4);
    scenario_free(&sc);
    write_file("main.json", "{\"host\": [{\"send_file\": \"fifolink.bin\"}]}");
    load_rejects("%s/main.json: $.host[0].send_file: ", "a FIFO or socket, not a regular file");
}
END_TEST

/* Ten includes of a file with ten includes of ...: a few hundred bytes that
 * expand without end.  The expansion stops at 1000 includes. */
START_TEST(include_bomb_is_stopped)
{
    char name[32], text[512];
    for (int level = 0; level < 4; level++) {
        snprintf(name, sizeof(name), "b%d.json", level);
        if (level == 3) {
            write_file(name, "[]");
            continue;
        }
        size_t n = (size_t)snprintf(text, sizeof(text), "[");
        for (int k = 0; k < 10; k++)
            n += (size_t)snprintf(text + n, sizeof(text) - n, "%s{\"include\": \"b%d.json\"}", k ? ", " : "",
                                  level + 1);
        snprintf(text + n, sizeof(text) - n, "]");
        write_file(name, text);
    }
    write_file("main.json", "{\"host\": [{\"include\": \"b0.json\"}]}");
    load_rejects("%s/b0.json: $[9].include: ", "more than 1000 includes in one scenario; expected at most 1000");
}
END_TEST

/* Few includes, many steps: 60 copies of 1000 steps. */
START_TEST(expansion_past_50000_steps_is_stopped)
{
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append_str(&b, "[");
    for (int k = 0; k < 1000; k++)
        bytebuf_append_str(&b, k ? ", {\"wait\": \"1s\"}" : "{\"wait\": \"1s\"}");
    bytebuf_append_str(&b, "]");
    bytebuf_append_byte(&b, 0);
    write_file("steps.json", (const char *)b.data);
    bytebuf_clear(&b);
    bytebuf_append_str(&b, "{\"host\": [");
    for (int k = 0; k < 60; k++)
        bytebuf_append_str(&b, k ? ", {\"include\": \"steps.json\"}" : "{\"include\": \"steps.json\"}");
    bytebuf_append_str(&b, "]}");
    bytebuf_append_byte(&b, 0);
    write_file("main.json", (const char *)b.data);
    bytebuf_free(&b);
    load_rejects("%s/steps.json: $[0]: ", "the host script expands to more than 50000 steps");
}
END_TEST

START_TEST(load_names_a_missing_file)
{
    scenario sc;
    ck_assert_int_eq(scenario_load(&sc, "/nonexistent/x.json", err, sizeof(err)), -1);
    ck_assert_str_eq(err, "/nonexistent/x.json: No such file or directory");
}
END_TEST

/* Every shipped scenario parses (they are also ctest tests of their own). */
START_TEST(shipped_scenarios_parse)
{
    static const char *const files[] = {
        "ubxlib_power_on.json", "ubxlib_connect.json", "sparkfun_begin.json", "sparkfun_autobaud_recovery.json",
        "reboot_cfun16.json",   "signal_loss_cereg.json", "fs_roundtrip.json", "fs_power_cut_download.json",
        "world_faults.json",    "sim_pin_00b.json",
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/scenarios/%s", SARASIM_SOURCE_DIR, files[i]);
        scenario sc;
        ck_assert_msg(scenario_load(&sc, path, err, sizeof(err)) == 0, "%s", err);
        ck_assert_uint_gt(sc.nhost, 0);
        scenario_free(&sc);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scenario");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, parses_device_world_and_host);
    tcase_add_test(tc, defaults_name_from_file_and_durations);
    tcase_add_test(tc, file_asserts_imply_fs);
    tcase_add_test(tc, json_syntax_names_line_and_column);
    tcase_add_test(tc, unknown_fields_are_named);
    tcase_add_test(tc, durations_are_checked);
    tcase_add_test(tc, steps_are_checked);
    tcase_add_test(tc, xmodem_steps_are_checked);
    tcase_add_test(tc, xmodem_replies_parse);
    tcase_add_test(tc, asserts_are_checked);
    tcase_add_test(tc, world_events_are_checked);
    tcase_add_test(tc, device_is_checked);
    tcase_add_test(tc, load_names_a_missing_file);
    tcase_add_test(tc, shipped_scenarios_parse);
    suite_add_tcase(s, tc);
    TCase *tf = tcase_create("files");
    tcase_add_checked_fixture(tf, make_dir, remove_dir);
    tcase_add_test(tf, load_reads_files_relative_to_the_scenario);
    tcase_add_test(tf, errors_inside_an_included_file_name_it);
    tcase_add_test(tf, fifos_are_refused_without_blocking);
    tcase_add_test(tf, symlinks_are_followed_and_their_target_checked);
    tcase_add_test(tf, include_bomb_is_stopped);
    tcase_add_test(tf, expansion_past_50000_steps_is_stopped);
    suite_add_tcase(s, tf);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
