/* test_timeline.c - the timelines' SVG structure (docs/timeline.md), drawn
 * by sarasim-harness --timeline from shipped scenarios and by
 * sarasim-timeline from a trace file: the lanes, the Xmodem band with its
 * block and NAK counts, the state bands, faults, idle stretches collapsed,
 * and one self-contained page (no network, well-nested groups).  The page
 * in a real browser: tests/browser/timeline_chromium.py. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clirun.h"

#define SCENARIOS SARASIM_SOURCE_DIR "/scenarios/"

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

static void assert_has(const char *s, const char *what)
{
    ck_assert_msg(strstr(s, what) != NULL, "missing \"%s\"", what);
}

/* Run the harness on a scenario; its page (name.html in dir/tl). */
static char *draw(const char *scenario, const char *name)
{
    char *out, path[512];
    const char *args[] = { "--timeline", "tl", "--trace-dir", "tr", scenario, NULL };
    int rc = run_tool(SARASIM_HARNESS_BIN, 1, &out, args);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    free(out);
    snprintf(path, sizeof(path), "%s/tl/%s.html", dir, name);
    char *html = read_file(path);
    ck_assert_msg(html != NULL, "%s not written", path);
    return html;
}

/* Self-contained: nothing fetched, the SVG inline, its groups nested. */
static void assert_self_contained(const char *html)
{
    ck_assert_uint_eq(count(html, "<svg id=\"timeline\""), 1);
    ck_assert_uint_eq(count(html, "<svg"), count(html, "</svg>"));
    ck_assert_uint_eq(count(html, "<g"), count(html, "</g>"));
    /* a URI in a command's text is text; nothing the browser would load */
    ck_assert_ptr_null(strstr(html, "href="));
    ck_assert_uint_eq(count(html, "url("), count(html, "url(#")); /* markers in the page itself */
    ck_assert_ptr_null(strstr(html, "fetch("));
    ck_assert_ptr_null(strstr(html, "XMLHttpRequest"));
    ck_assert_ptr_null(strstr(html, " src="));
    ck_assert_ptr_null(strstr(html, "<link"));
    ck_assert_ptr_null(strstr(html, "@import"));
}

START_TEST(an_xmodem_transfer_is_one_band_with_its_counts)
{
    char *html = draw(SCENARIOS "foat_corrupt_block.json", "foat_corrupt_block");
    assert_self_contained(html);
    assert_has(html, "data-lanes=\"host module");
    assert_has(html, "<g class=\"lane-head\" data-lane=\"host\">");
    assert_has(html, "<g class=\"lane-head\" data-lane=\"module\">");
    /* 55 blocks of 1 KiB, the corrupted one NAKed 3 times (the scenario's own assertions) */
    ck_assert_uint_eq(count(html, "<g class=\"xmodem "), 1);
    assert_has(html, "<g class=\"xmodem ok\" data-blocks=\"55\" data-naks=\"3\" data-status=\"DONE eot\">");
    for (const char *const *b = (const char *const[]){ "power", "network", "fw update", "firmware", NULL }; *b; b++) {
        char band[64];
        snprintf(band, sizeof(band), "<g class=\"band\" data-band=\"%s\">", *b);
        ck_assert_uint_eq(count(html, band), 1);
    }
    ck_assert_uint_ge(count(html, "<g class=\"fault\">"), 1);
    free(html);
}
END_TEST

/* The built-in LwM2M server has a lane of its own; the module's LwM2M
 * client's events are the module's notes, not that lane's. */
START_TEST(the_lwm2m_server_has_its_lane)
{
    char *html = draw(SCENARIOS "lwm2m_server_module.json", "lwm2m_server_module");
    assert_self_contained(html);
    assert_has(html, "<g class=\"lane-head\" data-lane=\"lwm2m server\">");
    ck_assert_uint_eq(count(html, "<g class=\"lane-head\" data-lane=\"lwm2m\">"), 0);
    ck_assert_uint_ge(count(html, "class=\"ev lane-ev"), 1);
    free(html);
}
END_TEST

/* A uFOTA campaign: the LwM2M server's and the campaign's lanes, and the
 * module's uFOTA phases in the firmware-update band. */
START_TEST(a_ufota_campaign_has_the_server_lanes_and_its_phases)
{
    char *html = draw(SCENARIOS "ufota_campaign.json", "ufota_campaign");
    assert_self_contained(html);
    assert_has(html, "<g class=\"lane-head\" data-lane=\"lwm2m server\">");
    assert_has(html, "<g class=\"lane-head\" data-lane=\"campaign\">");
    const char *band = strstr(html, "<g class=\"band\" data-band=\"fw update\">");
    ck_assert_ptr_nonnull(band);
    const char *end = strstr(band, "</g>");
    ck_assert_ptr_nonnull(end);
    const char *dl = strstr(band, "ufota downloading");
    ck_assert_msg(dl && dl < end, "no uFOTA download phase in the fw update band");
    free(html);
}
END_TEST

/* Half an hour of nothing is one collapsed gap with its length, not 1800
 * seconds of paper; sarasim-timeline draws the trace the same. */
START_TEST(idle_stretches_collapse_and_both_tools_agree)
{
    write_file("idle.json", "{\"name\": \"idle\", \"host\": [{\"wait\": \"6s\"}, {\"send\": \"AT\\r\"}, "
                            "{\"expect\": \"OK\"}, {\"wait\": \"30m\"}, {\"send\": \"AT\\r\"}, {\"expect\": \"OK\"}]}");
    char *html = draw("idle.json", "idle");
    assert_self_contained(html);
    assert_has(html, "<g class=\"gap\" data-seconds=\"1781.467\">");
    const char *svg = strstr(html, "<svg id=\"timeline\"");
    ck_assert_ptr_nonnull(svg);
    ck_assert_int_lt(atoi(strstr(svg, "height=\"") + 8), 2000);
    char *out;
    const char *args[] = { "tr/idle.trace", "-o", "idle2.html", NULL };
    ck_assert_int_eq(run_tool(SARASIM_TIMELINE_BIN, 1, &out, args), 0);
    free(out);
    char path[256];
    snprintf(path, sizeof(path), "%s/idle2.html", dir);
    char *html2 = read_file(path);
    ck_assert_ptr_nonnull(html2);
    ck_assert_str_eq(strstr(html2, "<svg id=\"timeline\""), svg);
    free(html2);
    free(html);
}
END_TEST

START_TEST(a_file_that_is_no_trace_is_refused)
{
    write_file("junk.trace", "hello\n");
    char *out;
    const char *args[] = { "junk.trace", "-o", "junk.html", NULL };
    ck_assert_int_ne(run_tool(SARASIM_TIMELINE_BIN, 1, &out, args), 0);
    free(out);
    const char *missing[] = { "missing.trace", "-o", "m.html", NULL };
    ck_assert_int_ne(run_tool(SARASIM_TIMELINE_BIN, 1, &out, missing), 0);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("timeline");
    TCase *tc = tcase_create("svg");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, make_dir, remove_dir);
    tcase_add_test(tc, an_xmodem_transfer_is_one_band_with_its_counts);
    tcase_add_test(tc, the_lwm2m_server_has_its_lane);
    tcase_add_test(tc, a_ufota_campaign_has_the_server_lanes_and_its_phases);
    tcase_add_test(tc, idle_stretches_collapse_and_both_tools_agree);
    tcase_add_test(tc, a_file_that_is_no_trace_is_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
