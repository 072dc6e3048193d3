/* test_timing.c - the one table of simulated delays (sim/timing.h): its
 * documentation lists every key with its default, and a scenario's
 * device.timing reaches every one of them. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/dur.h"
#include "scenario.h"
#include "sim/timing.h"

static char *read_doc(void)
{
    FILE *f = fopen(SARASIM_SOURCE_DIR "/docs/timing.md", "r");
    ck_assert_ptr_nonnull(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

START_TEST(docs_list_every_delay_with_its_default)
{
    const char *doc = read_doc();
    for (int i = 0; i < TIM__COUNT; i++) {
        char head[96];
        snprintf(head, sizeof(head), "| `%s` | ", timing_key((tim_id)i));
        const char *row = strstr(doc, head);
        ck_assert_msg(row != NULL, "docs/timing.md has no row for %s", timing_key((tim_id)i));
        char cell[32];
        const char *p = row + strlen(head);
        size_t n = strcspn(p, " |");
        ck_assert_uint_lt(n, sizeof(cell));
        memcpy(cell, p, n);
        cell[n] = 0;
        uint64_t ns;
        ck_assert_msg(dur_parse(cell, &ns) == 0 && ns == timing_default_of((tim_id)i),
                      "docs/timing.md gives %s = %s, the table %llu ns", timing_key((tim_id)i), cell,
                      (unsigned long long)timing_default_of((tim_id)i));
        ck_assert_msg(strlen(timing_source((tim_id)i)) > 0, "%s has no source", timing_key((tim_id)i));
    }
}
END_TEST

START_TEST(a_scenario_overrides_every_delay)
{
    char json[8192];
    size_t len = (size_t)snprintf(json, sizeof(json), "{\"name\":\"t\",\"device\":{\"timing\":{");
    for (int i = 0; i < TIM__COUNT; i++)
        len += (size_t)snprintf(json + len, sizeof(json) - len, "%s\"%s\":\"%dms\"", i ? "," : "",
                                timing_key((tim_id)i), 1000 + i);
    snprintf(json + len, sizeof(json) - len, "}},\"host\":[{\"wait\":\"1s\"}]}");
    scenario sc;
    char err[512] = "";
    ck_assert_msg(scenario_parse(&sc, "t.json", ".", json, strlen(json), err, sizeof(err)) == 0, "%s", err);
    for (int i = 0; i < TIM__COUNT; i++)
        ck_assert_uint_eq(sc.device.dev.timing[i], (uint64_t)(1000 + i) * 1000000u);
    scenario_free(&sc);
}
END_TEST

START_TEST(lookup_by_key)
{
    tim_id id;
    ck_assert_int_eq(timing_lookup("fwupd_finalise", &id), 0);
    ck_assert_int_eq(id, TIM_FWUPD_FINALISE);
    ck_assert_uint_eq(timing_default_of(id), 500000000u);
    ck_assert_int_eq(timing_lookup("nope", &id), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("timing");
    TCase *t = tcase_create("table");
    tcase_add_test(t, docs_list_every_delay_with_its_default);
    tcase_add_test(t, a_scenario_overrides_every_delay);
    tcase_add_test(t, lookup_by_key);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
