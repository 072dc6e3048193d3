/* test_lwm2m_service.c - the scenario surface of the built-in LwM2M server
 * (harness/lwm2m_service.c, harness/sc_lwm2m_parse.c): what the "lwm2m"
 * service, action and assert and the expect_event step parse into, that
 * every malformed field is rejected naming the file, the field and what
 * was expected, and what runs report when the server has nobody to talk to.
 * The server with a client on the wire: scenarios/lwm2m_server_*.json. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/lwm2m_service.h"
#include "harness/runner.h"
#include "scparse.h"

/* A world event "do": "lwm2m" with the given fields, in a file. */
static void rejects_action(const char *fields, const char *field, const char *what)
{
    char json[1024], prefix[128];
    snprintf(json, sizeof(json), "{\"world\": [{\"at\": \"1s\", \"do\": \"lwm2m\", %s}]}", fields);
    snprintf(prefix, sizeof(prefix), "t.json: $.world[0]%s%s: ", field[0] ? "." : "", field);
    rejects(json, prefix, what);
}

static void rejects_assert(const char *fields, const char *field, const char *what)
{
    char json[1024], prefix[128];
    snprintf(json, sizeof(json), "{\"host\": [{\"assert\": \"lwm2m\", %s}]}", fields);
    snprintf(prefix, sizeof(prefix), "t.json: $.host[0]%s%s: ", field[0] ? "." : "", field);
    rejects(json, prefix, what);
}

static const lwm2m_entry *entry(const lwm2m_list *l, const char *path)
{
    lwm2m_path p;
    ck_assert_int_eq(lwm2m_path_parse(path, strlen(path), &p), 0);
    const lwm2m_entry *e = lwm2m_list_find(l, &p);
    ck_assert_msg(e != NULL, "no %s", path);
    return e;
}

/* ---------------- what good files become ---------------- */

START_TEST(parses_service_actions_asserts_and_expect_event)
{
    scenario sc;
    const char *json =
        "{\"world\": {\"hosts\": [{\"name\": \"lwm2m.test\", \"services\": [\n"
        "   {\"udp\": 5683, \"serve\": \"lwm2m\", \"seed\": 7, \"grace\": \"10s\"},\n"
        "   {\"udp\": 5684, \"serve\": \"lwm2m\", \"seed\": 7, \"dtls\": {\"identity\": \"urn:imei:1\",\n"
        "    \"key\": {\"hex\": \"000102030405060708090a0b0c0d0e0f\"}}}]}],\n"
        " \"events\": [\n"
        "  {\"at\": \"1s\", \"do\": \"lwm2m\", \"write\": \"/1/10/1\", \"value\": 3600, \"format\": \"text\"},\n"
        "  {\"at\": \"1s\", \"do\": \"lwm2m\", \"write\": \"/1/10\", \"partial\": true, \"server\": \"lwm2m.test\",\n"
        "   \"ep\": \"urn:imei:1\", \"value\": {\"7\": \"UQS\", \"10\": {\"objlnk\": \"11:0\"}, \"30000\": {\"0\": 1, \"3\": 4}}},\n"
        "  {\"at\": \"1s\", \"do\": \"lwm2m\", \"write\": \"/5/0/0\", \"value\": {\"hex\": \"0102ff\"}, \"format\": \"opaque\"},\n"
        "  {\"at\": \"1s\", \"do\": \"lwm2m\", \"read\": \"/3/0\", \"accept\": \"tlv\"},\n"
        "  {\"at\": \"1s\", \"do\": \"lwm2m\", \"observe\": \"/5/0/3\", \"accept\": 0},\n"
        "  {\"at\": \"1s\", \"do\": \"lwm2m\", \"cancel\": \"/5/0/3\", \"reactive\": true},\n"
        "  {\"at\": \"1s\", \"do\": \"lwm2m\", \"execute\": \"/5/0/2\", \"args\": \"0='x'\"},\n"
        "  {\"at\": \"1s\", \"do\": \"lwm2m\", \"discover\": \"/3/0\"},\n"
        "  {\"at\": \"1s\", \"do\": \"lwm2m\", \"attributes\": \"/5/0/3\", \"pmin\": 1, \"pmax\": 30, \"gt\": null, \"st\": 0.5},\n"
        "  {\"at\": \"1s\", \"do\": \"lwm2m\", \"fault\": \"reply\", \"code\": \"5.03\", \"count\": 2, \"to\": \"update\"},\n"
        "  {\"at\": \"1s\", \"do\": \"lwm2m\", \"fault\": \"restart\"},\n"
        "  {\"when\": \"ev lwm2m server register lt>=60\", \"do\": \"lwm2m\", \"fault\": \"reset_notify\", \"on\": false},\n"
        "  {\"at\": \"1s\", \"do\": \"lwm2m\", \"fault\": \"ignore_registration\"}]},\n"
        " \"host\": [{\"expect_event\": \"lwm2m server register lt=86400 b=UQS\", \"within\": \"60s\"},\n"
        "          {\"expect_event\": \"/notify .*value=2/\"},\n"
        "          {\"do\": \"lwm2m\", \"read\": \"/3/0/0\"},\n"
        "          {\"assert\": \"lwm2m\", \"registered\": true, \"ep\": \"e\", \"lt\": 60, \"b\": \"U\", \"lwm2m\": \"1.1\",\n"
        "           \"payload_contains\": \"</5/0>\"},\n"
        "          {\"assert\": \"lwm2m\", \"registered\": false},\n"
        "          {\"assert\": \"lwm2m\", \"last_notify\": \"/5/0/3\", \"value\": 2},\n"
        "          {\"assert\": \"lwm2m\", \"last_read\": \"/3/0/0\", \"value\": \"u-blox\", \"server\": \"lwm2m.test\"},\n"
        "          {\"assert\": \"lwm2m\", \"last_read\": \"/1/10/10\", \"value\": {\"objlnk\": \"11:0\"}}]}";
    ck_assert_msg(parse(&sc, json) == 0, "%s", err);
    /* the services */
    ck_assert_uint_eq(sc.net.nhosts, 1);
    const nw_service_cfg *s0 = &sc.net.hosts[0].svcs[0];
    ck_assert_ptr_eq(s0->custom, lwm2m_svc_custom);
    ck_assert_int_eq(s0->proto, IP_UDP);
    ck_assert_uint_eq(s0->port, 5683);
    const lwm2m_svc_opts *o = s0->opts;
    ck_assert(o->has_seed && o->seed == 7 && o->has_grace && o->grace == SIM_S(10));
    ck_assert_uint_eq(sc.net.hosts[0].svcs[1].port, 5684);
    ck_assert_str_eq(o->psk.identity, "");
    o = sc.net.hosts[0].svcs[1].opts;
    ck_assert_str_eq(o->psk.identity, "urn:imei:1");
    ck_assert_uint_eq(o->psk.key_len, 16);
    ck_assert_uint_eq(o->psk.key[15], 0x0f);
    /* the actions */
    ck_assert_uint_eq(sc.nworld, 13);
    const sc_lwm2m_act *a = sc.world[0].act.lwm2m;
    ck_assert_int_eq(sc.world[0].act.kind, ACT_LWM2M);
    ck_assert_int_eq(a->fault, SC_LWF_NONE);
    ck_assert_int_eq(a->req.kind, LWM2M_SOP_WRITE);
    ck_assert_uint_eq(a->req.format, LWM2M_CF_TEXT);
    ck_assert_ptr_eq(a->req.values, &a->values);
    ck_assert_uint_eq(a->values.len, 1);
    ck_assert_int_eq(entry(&a->values, "/1/10/1")->value.type, LWM2M_T_INTEGER); /* Lifetime */
    ck_assert_int_eq(entry(&a->values, "/1/10/1")->value.v.i, 3600);
    a = sc.world[1].act.lwm2m;
    ck_assert(a->req.partial);
    ck_assert_str_eq(a->server, "lwm2m.test");
    ck_assert_str_eq(a->ep, "urn:imei:1");
    ck_assert_uint_eq(a->values.len, 4);
    ck_assert_int_eq(entry(&a->values, "/1/10/7")->value.type, LWM2M_T_STRING);
    ck_assert_int_eq(entry(&a->values, "/1/10/10")->value.type, LWM2M_T_OBJLNK);
    ck_assert_uint_eq(entry(&a->values, "/1/10/10")->value.v.lnk.obj, 11);
    ck_assert_int_eq(entry(&a->values, "/1/10/30000/3")->value.v.i, 4);
    a = sc.world[2].act.lwm2m;
    ck_assert_int_eq(entry(&a->values, "/5/0/0")->value.type, LWM2M_T_OPAQUE);
    ck_assert_uint_eq(entry(&a->values, "/5/0/0")->value.v.bytes.len, 3);
    a = sc.world[3].act.lwm2m;
    ck_assert_int_eq(a->req.kind, LWM2M_SOP_READ);
    ck_assert_int_eq(a->req.accept, LWM2M_CF_TLV);
    ck_assert_uint_eq(a->req.path.depth, 2);
    ck_assert_int_eq(sc.world[4].act.lwm2m->req.accept, 0);
    ck_assert(sc.world[5].act.lwm2m->req.reactive);
    a = sc.world[6].act.lwm2m;
    ck_assert_int_eq(a->req.kind, LWM2M_SOP_EXECUTE);
    ck_assert_uint_eq(a->req.args_len, 5);
    ck_assert_int_eq(sc.world[7].act.lwm2m->req.kind, LWM2M_SOP_DISCOVER);
    a = sc.world[8].act.lwm2m;
    ck_assert_uint_eq(a->req.attrs.set, LWM2M_ATTR_PMIN | LWM2M_ATTR_PMAX | LWM2M_ATTR_ST);
    ck_assert_uint_eq(a->req.attrs.clear, LWM2M_ATTR_GT);
    ck_assert_uint_eq(a->req.attrs.pmax, 30);
    a = sc.world[9].act.lwm2m;
    ck_assert_int_eq(a->fault, SC_LWF_REPLY);
    ck_assert_uint_eq(a->code, COAP_SERVICE_UNAVAILABLE);
    ck_assert_uint_eq(a->count, 2);
    ck_assert_uint_eq(a->to, LWM2M_REQ_UPDATE);
    ck_assert_int_eq(sc.world[10].act.lwm2m->fault, SC_LWF_RESTART);
    ck_assert_int_eq(sc.world[11].trig.kind, TRIG_EV);
    ck_assert_int_eq(sc.world[11].act.lwm2m->fault, SC_LWF_RESET_NOTIFY);
    ck_assert(!sc.world[11].act.lwm2m->on);
    ck_assert(sc.world[12].act.lwm2m->on);
    /* the host */
    ck_assert_uint_eq(sc.nhost, 8);
    ck_assert_int_eq(sc.host[0].kind, STEP_EXPECT_EVENT);
    ck_assert_uint_eq(sc.host[0].within, SIM_S(60));
    ck_assert_int_eq(sc.host[0].event.kind, TRIG_EV);
    ck_assert_uint_eq(sc.host[0].event.nwords, 3);
    ck_assert_uint_eq(sc.host[0].event.nfields, 2);
    ck_assert_int_eq(sc.host[1].event.kind, TRIG_EV_RE);
    ck_assert_int_eq(sc.host[2].act.kind, ACT_LWM2M);
    const sc_lwm2m_assert *as = sc.host[3].as.lwm2m;
    ck_assert_int_eq(sc.host[3].as.kind, AS_LWM2M);
    ck_assert(as->kind == SC_LWA_REGISTERED && as->registered && as->lifetime == 60);
    ck_assert_str_eq(as->binding, "U");
    ck_assert_str_eq(as->version, "1.1");
    ck_assert_str_eq(as->payload_contains, "</5/0>");
    ck_assert(!sc.host[4].as.lwm2m->registered);
    ck_assert_int_eq(sc.host[4].as.lwm2m->lifetime, -1);
    as = sc.host[5].as.lwm2m;
    ck_assert_int_eq(as->kind, SC_LWA_LAST_NOTIFY);
    ck_assert_str_eq(as->value, "2");
    ck_assert_str_eq(sc.host[6].as.lwm2m->value, "u-blox");
    ck_assert_str_eq(sc.host[7].as.lwm2m->value, "11:0");
    char what[256];
    scenario_step_describe(&sc.host[0], what, sizeof(what));
    ck_assert_str_eq(what, "expect_event \"lwm2m server register lt=86400 b=UQS\" within 1m");
    scenario_step_describe(&sc.host[5], what, sizeof(what));
    ck_assert_str_eq(what, "assert lwm2m last_notify /5/0/3 == \"2\"");
    scenario_free(&sc);
}
END_TEST

/* ---------------- malformed files ---------------- */

START_TEST(rejects_malformed_services)
{
    rejects("{\"world\": {\"hosts\": [{\"name\": \"a\", \"services\": [{\"udp\": 5684, \"serve\": \"lwm2m\", "
            "\"dtls\": {\"key\": \"k\"}}]}]}}",
            "t.json: $.world.hosts[0].services[0].dtls.identity: ", "expected the PSK identity");
    rejects("{\"world\": {\"hosts\": [{\"name\": \"a\", \"services\": [{\"udp\": 5684, \"serve\": \"lwm2m\", "
            "\"dtls\": {\"identity\": \"i\"}}]}]}}",
            "t.json: $.world.hosts[0].services[0].dtls.key: ", "expected the key");
    rejects("{\"world\": {\"hosts\": [{\"name\": \"a\", \"services\": [{\"udp\": 5684, \"serve\": \"lwm2m\", "
            "\"dtls\": {\"identity\": \"i\", \"key\": \"\"}}]}]}}",
            "t.json: $.world.hosts[0].services[0].dtls.key: ", "expected a key of 1 to 64 bytes");
    rejects("{\"world\": {\"hosts\": [{\"name\": \"a\", \"services\": [{\"udp\": 5684, \"serve\": \"lwm2m\", "
            "\"dtls\": {\"identity\": \"i\", \"key\": \"k\", \"hint\": 1}}]}]}}",
            "t.json: $.world.hosts[0].services[0].dtls.hint: ", "unknown field");
    rejects("{\"world\": {\"hosts\": [{\"name\": \"a\", \"services\": [{\"udp\": 5684, \"serve\": \"lwm2m\", "
            "\"dtls\": true}]}]}}",
            "t.json: $.world.hosts[0].services[0].dtls: ", "pre-shared key");
    rejects("{\"world\": {\"hosts\": [{\"name\": \"a\", \"services\": [{\"tcp\": 5683, \"serve\": \"lwm2m\"}]}]}}",
            "t.json: $.world.hosts[0].services[0].tcp: ", "listens on UDP");
    rejects("{\"world\": {\"hosts\": [{\"name\": \"a\", \"services\": [{\"udp\": 5683, \"serve\": \"lwm2m\", "
            "\"seed\": \"x\"}]}]}}",
            "t.json: $.world.hosts[0].services[0].seed: ", "expected a whole number");
    rejects("{\"world\": {\"hosts\": [{\"name\": \"a\", \"services\": [{\"udp\": 5683, \"serve\": \"lwm2m\", "
            "\"grace\": 5}]}]}}",
            "t.json: $.world.hosts[0].services[0].grace: ", "expected a duration");
    rejects("{\"world\": {\"hosts\": [{\"name\": \"a\", \"services\": [{\"udp\": 5683, \"serve\": \"lwm2m\", "
            "\"script\": []}]}]}}",
            "t.json: $.world.hosts[0].services[0].script: ", "unknown field");
    rejects("{\"world\": {\"hosts\": [{\"name\": \"a\", \"services\": [{\"udp\": 5683, \"serve\": \"lwm2m\", \"seed\": 1},"
            " {\"udp\": 5690, \"serve\": \"lwm2m\", \"seed\": 2}]}]}}",
            "t.json: $.world.hosts[0].services[1]: ", "one server");
    rejects("{\"world\": {\"hosts\": [{\"name\": \"a\", \"services\": [{\"udp\": 5683, \"serve\": \"lwm3m\"}]}]}}",
            "t.json: $.world.hosts[0].services[0].serve: ", "\"lwm2m\"");
}
END_TEST

START_TEST(rejects_malformed_actions)
{
    rejects_action("\"ep\": \"x\"", "", "expected one of \"read\", \"write\"");
    rejects_action("\"read\": \"/3/0\", \"observe\": \"/3/0\"", "", "has both \"read\" and \"observe\"");
    rejects_action("\"read\": \"/3/0/\"", "read", "expected an LwM2M path like \"/3\"");
    rejects_action("\"read\": 3", "read", "got 3");
    rejects_action("\"execute\": \"/5/0\"", "execute", "expected an LwM2M path like \"/3/0/1\", got \"/5/0\"");
    rejects_action("\"write\": \"/1\", \"value\": 1", "write", "like \"/3/0\", \"/3/0/1\" or \"/3/0/6/0\"");
    rejects_action("\"write\": \"/1/10/1\"", "", "a write needs its \"value\"");
    rejects_action("\"write\": \"/1/10/1\", \"value\": \"abc\"", "value",
                   "expected an integer for /1/10/1 (Lifetime), got \"abc\"");
    rejects_action("\"write\": \"/1/10/1\", \"value\": 1.5", "value", "expected an integer for /1/10/1");
    rejects_action("\"write\": \"/1/10/7\", \"value\": 7", "value", "expected a string for /1/10/7 (Binding)");
    rejects_action("\"write\": \"/1/10/8\", \"value\": 1", "value", "is executed, not written");
    rejects_action("\"write\": \"/1/10/30000\", \"value\": 5", "value", "has instances: expected an object");
    rejects_action("\"write\": \"/1/10/30000\", \"value\": {\"x\": 5}", "value.x", "expected ids 0..65534");
    rejects_action("\"write\": \"/1/10\", \"value\": 5", "value", "takes an object of resource -> value");
    rejects_action("\"write\": \"/1/10\", \"value\": {\"1\": true}", "value.1", "expected an integer for /1/10/1");
    rejects_action("\"write\": \"/1/10/10\", \"value\": {\"objlnk\": \"11\"}", "value",
                   "expected {\"objlnk\": \"11:0\"} for /1/10/10");
    rejects_action("\"write\": \"/5/0/0\", \"value\": {\"hex\": \"0g\"}", "value.hex", "expected hex digit pairs");
    rejects_action("\"write\": \"/1/10\", \"value\": {\"1\": 60}, \"format\": \"text\"", "format",
                   "text and opaque carry one resource");
    rejects_action("\"write\": \"/1/10/1\", \"value\": 60, \"format\": \"opaque\"", "format", "carries an opaque value");
    rejects_action("\"write\": \"/1/10/1\", \"value\": 60, \"format\": \"xml\"", "format",
                   "expected \"tlv\", \"json\", \"text\" or \"opaque\"");
    rejects_action("\"write\": \"/1/10/1\", \"value\": 60, \"partial\": true", "partial", "for an object instance");
    rejects_action("\"read\": \"/3/0\", \"accept\": \"xml\"", "accept", "content-format number");
    rejects_action("\"read\": \"/3/0\", \"value\": 1", "value", "does not go with \"read\"");
    rejects_action("\"observe\": \"/3/0\", \"reactive\": true", "reactive", "does not go with \"observe\"");
    rejects_action("\"attributes\": \"/5/0/3\"", "", "expected at least one of \"pmin\"");
    rejects_action("\"attributes\": \"/5/0/3\", \"pmin\": -1", "pmin", "expected whole seconds");
    rejects_action("\"attributes\": \"/5/0/3\", \"gt\": \"x\"", "gt", "expected a number");
    rejects_action("\"fault\": \"melt\"", "fault", "expected \"reply\", \"restart\"");
    rejects_action("\"fault\": \"reply\"", "code", "expected an error code like \"4.03\"");
    rejects_action("\"fault\": \"reply\", \"code\": \"2.04\"", "code", "got \"2.04\"");
    rejects_action("\"fault\": \"reply\", \"code\": \"5.3\"", "code", "expected an error code");
    rejects_action("\"fault\": \"reply\", \"code\": \"5.03\", \"count\": 0", "count", "expected an integer from 1");
    rejects_action("\"fault\": \"reply\", \"code\": \"5.03\", \"to\": \"read\"", "to", "expected \"register\"");
    rejects_action("\"fault\": \"reply\", \"code\": \"5.03\", \"on\": true", "on", "takes no \"on\"");
    rejects_action("\"fault\": \"restart\", \"on\": true", "on", "takes no \"on\"");
    rejects_action("\"fault\": \"ignore_notify\", \"code\": \"5.03\"", "code", "only \"fault\": \"reply\"");
    rejects_action("\"fault\": \"restart\", \"ep\": \"x\"", "ep", "a fault is the server's");
    rejects_action("\"read\": \"/3/0\", \"colour\": 1", "colour", "unknown field");
}
END_TEST

START_TEST(rejects_malformed_expect_event_and_asserts)
{
    rejects("{\"host\": [{\"expect_event\": 5}]}", "t.json: $.host[0].expect_event: ", "expected an event pattern");
    rejects("{\"host\": [{\"expect_event\": \"\"}]}", "t.json: $.host[0].expect_event: ", "malformed event pattern");
    rejects("{\"host\": [{\"expect_event\": \"/(/\"}]}", "t.json: $.host[0].expect_event: ", "regular expression");
    rejects("{\"host\": [{\"expect_event\": \"lwm2m server\", \"within\": \"soon\"}]}", "t.json: $.host[0].within: ",
            "expected a duration");
    rejects("{\"host\": [{\"expect_event\": \"lwm2m server\", \"exact\": true}]}", "t.json: $.host[0].exact: ",
            "unknown field");
    rejects_assert("\"ep\": \"x\"", "", "expected exactly one of \"registered\"");
    rejects_assert("\"registered\": true, \"last_read\": \"/3/0/0\"", "", "expected exactly one of");
    rejects_assert("\"registered\": \"yes\"", "registered", "");
    rejects_assert("\"registered\": false, \"lt\": 60", "lt", "only with \"registered\": true");
    rejects_assert("\"registered\": true, \"value\": 1", "value", "goes with \"last_notify\"");
    rejects_assert("\"last_notify\": \"/5/0\"", "last_notify", "expected an LwM2M path like \"/3/0/1\" or");
    rejects_assert("\"last_notify\": \"/5/0/3\", \"b\": \"U\"", "b", "only with \"registered\": true");
    rejects_assert("\"last_read\": \"/3/0/0\", \"value\": [1]", "value", "expected a number, string, boolean");
    rejects_assert("\"registered\": true, \"lt\": 0", "lt", "expected an integer from 1");
    rejects_assert("\"registered\": true, \"when\": 1", "when", "unknown field");
}
END_TEST

/* ---------------- runs without a client ---------------- */

static void run_text(const char *json, run_result *r)
{
    scenario sc;
    ck_assert_msg(parse(&sc, json) == 0, "%s", err);
    ck_assert_int_eq(runner_run(&sc, NULL, r), 0);
    scenario_free(&sc);
}

/* expect_event reads the module's EV events like "when" triggers match
 * them, each event once; a miss reports the pattern and the unread events. */
START_TEST(expect_event_reads_events_once)
{
    run_result r;
    run_text("{\"host\": [{\"expect_event\": \"power OFF\", \"within\": \"1s\"},\n"
             "          {\"expect_event\": \"/BOOTING -> READY/\", \"within\": \"10s\"},\n"
             "          {\"expect_event\": \"power OFF\", \"within\": \"2s\"}]}",
             &r);
    ck_assert_int_eq(r.status, RUN_FAIL);
    ck_assert_str_eq(r.step, "$.host[2]");
    ck_assert_str_eq(r.what, "expect_event \"power OFF\" within 2s");
    ck_assert_str_eq(r.why, "no such event within 2s");
    ck_assert_str_eq(r.expected, "power OFF");
    run_result_free(&r);
}
END_TEST

/* The server's events are EV events too: a "when" trigger fires on one
 * (here the restart a host step caused) and expect_event sees it. */
START_TEST(server_events_fire_triggers_and_reach_expect_event)
{
    run_result r;
    run_text("{\"world\": [{\"id\": \"again\", \"when\": \"ev lwm2m server restart registrations=0\", \"do\": \"lwm2m\",\n"
             "             \"fault\": \"ignore_notify\"}],\n"
             " \"host\": [{\"do\": \"lwm2m\", \"fault\": \"restart\"},\n"
             "          {\"expect_event\": \"lwm2m server restart registrations<=0\", \"within\": \"1s\"},\n"
             "          {\"wait\": \"1s\"}]}",
             &r);
    ck_assert_msg(r.status == RUN_PASS, "%s", r.why ? r.why : "");
    const char *t = (const char *)r.trace.data;
    ck_assert_ptr_nonnull(strstr(t, "0.000000 - EV - lwm2m server restart registrations=0\n"));
    ck_assert_ptr_nonnull(strstr(t, "EV - world $.world[0] trigger ev lwm2m server restart registrations=0\n"));
    run_result_free(&r);
}
END_TEST

static void run_fails(const char *json, const char *step, const char *why)
{
    run_result r;
    run_text(json, &r);
    ck_assert_int_eq(r.status, RUN_FAIL);
    ck_assert_str_eq(r.step, step);
    ck_assert_msg(r.why && strstr(r.why, why), "why \"%s\" does not say \"%s\"", r.why ? r.why : "", why);
    run_result_free(&r);
}

/* Who an action or an assert means, when nobody is there. */
START_TEST(actions_and_asserts_without_a_client)
{
    run_fails("{\"host\": [{\"do\": \"lwm2m\", \"read\": \"/3/0\"}]}", "$.host[0]",
              "no client is registered with ucsplwm2m.services.u-blox.com");
    run_fails("{\"host\": [{\"do\": \"lwm2m\", \"read\": \"/3/0\", \"ep\": \"x\"}]}", "$.host[0]",
              "no client \"x\" is registered");
    run_fails("{\"host\": [{\"do\": \"lwm2m\", \"read\": \"/3/0\", \"server\": \"nowhere.test\"}]}", "$.host[0]",
              "server \"nowhere.test\": no lwm2m service");
    run_fails("{\"host\": [{\"assert\": \"lwm2m\", \"registered\": true}]}", "$.host[0]", "no client is registered");
    run_fails("{\"host\": [{\"assert\": \"lwm2m\", \"last_notify\": \"/5/0/3\"}]}", "$.host[0]",
              "no notification from any client carried /5/0/3");
    run_fails("{\"world\": {\"hosts\": [{\"name\": \"a.test\", \"services\": [{\"udp\": 5683, \"serve\": \"lwm2m\"}]},\n"
              "                       {\"name\": \"b.test\", \"services\": [{\"udp\": 5683, \"serve\": \"lwm2m\"}]}]},\n"
              " \"host\": [{\"do\": \"lwm2m\", \"fault\": \"restart\"}]}",
              "$.host[0]", "2 hosts serve lwm2m: name one with \"server\"");
    /* a world that says what the default host is has no built-in server */
    run_fails("{\"world\": {\"hosts\": [{\"name\": \"ucsplwm2m.services.u-blox.com\", \"services\": [{\"udp\": 5683, "
              "\"serve\": \"echo\"}]}]},\n"
              " \"host\": [{\"do\": \"lwm2m\", \"fault\": \"restart\"}]}",
              "$.host[0]", "no lwm2m server in this world");
    run_result r;
    run_text("{\"world\": {\"hosts\": [{\"name\": \"a.test\", \"services\": [{\"udp\": 5683, \"serve\": \"lwm2m\"}]}]},\n"
             " \"host\": [{\"do\": \"lwm2m\", \"fault\": \"restart\"}, {\"assert\": \"lwm2m\", \"registered\": false},\n"
             "          {\"do\": \"lwm2m\", \"fault\": \"restart\", \"server\": \"ucsplwm2m.services.u-blox.com\"}]}",
             &r);
    ck_assert_msg(r.status == RUN_PASS, "%s", r.why ? r.why : ""); /* the declared server is the default one */
    run_result_free(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lwm2m_service");
    TCase *t = tcase_create("parse");
    tcase_add_test(t, parses_service_actions_asserts_and_expect_event);
    tcase_add_test(t, rejects_malformed_services);
    tcase_add_test(t, rejects_malformed_actions);
    tcase_add_test(t, rejects_malformed_expect_event_and_asserts);
    suite_add_tcase(s, t);
    t = tcase_create("run");
    tcase_add_test(t, expect_event_reads_events_once);
    tcase_add_test(t, server_events_fire_triggers_and_reach_expect_event);
    tcase_add_test(t, actions_and_asserts_without_a_client);
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
