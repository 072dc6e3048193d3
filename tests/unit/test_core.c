/* test_core.c - the small cores everything stands on: the clock's timer
 * heap, the 8N1 wire model, durations, the settings store, the trace format. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol/baud.h"
#include "protocol/dur.h"
#include "sim/clock.h"
#include "sim/nvm.h"
#include "sim/trace.h"

/* ---- clock ---- */

/* Every firing, in order: which timer (its data is its id) and when. */
typedef struct firing {
    int id;
    sim_ns at;
} firing;

static firing fired[1024];
static size_t nfired;
static clk *fired_clock;

static void record_cb(clk_timer *t)
{
    ck_assert_uint_lt(nfired, sizeof(fired) / sizeof(fired[0]));
    fired[nfired].id = (int)(intptr_t)t->data;
    fired[nfired].at = clk_now(fired_clock);
    nfired++;
}

static void record_on(clk *c)
{
    fired_clock = c;
    nfired = 0;
}

static void expect_fired(size_t i, int id, sim_ns at)
{
    ck_assert_msg(i < nfired, "firing %zu missing (%zu fired)", i, nfired);
    ck_assert_msg(fired[i].id == id && fired[i].at == at, "firing %zu: timer %d at %llu ns, expected %d at %llu ns", i,
                  fired[i].id, (unsigned long long)fired[i].at, id, (unsigned long long)at);
}

START_TEST(clock_fires_in_deadline_order_fifo_on_ties)
{
    clk c;
    clk_init(&c, 0);
    record_on(&c);
    clk_timer t[5];
    for (int i = 0; i < 5; i++)
        clk_timer_init(&t[i], record_cb, (void *)(intptr_t)i);
    clk_timer_start(&c, &t[0], SIM_S(3));
    clk_timer_start(&c, &t[1], SIM_S(1));
    clk_timer_start(&c, &t[2], SIM_S(3)); /* same deadline as 0, started later */
    clk_timer_start(&c, &t[3], SIM_S(2));
    clk_timer_start(&c, &t[4], SIM_S(9));
    clk_timer_stop(&c, &t[4]);
    ck_assert_uint_eq(clk_next_due(&c), SIM_S(1));
    ck_assert_uint_eq(clk_advance(&c, SIM_S(3)), 4);
    ck_assert_uint_eq(nfired, 4);
    expect_fired(0, 1, SIM_S(1));
    expect_fired(1, 3, SIM_S(2));
    expect_fired(2, 0, SIM_S(3));
    expect_fired(3, 2, SIM_S(3));
    ck_assert_uint_eq(clk_now(&c), SIM_S(3));
    ck_assert_uint_eq(clk_next_due(&c), SIM_NEVER);
    ck_assert(!clk_timer_armed(&t[4]));
    /* the stopped one never fires, not even past its deadline */
    ck_assert_uint_eq(clk_advance(&c, SIM_S(20)), 0);
    ck_assert_uint_eq(nfired, 4);
    clk_free(&c);
}
END_TEST

static void rearm_cb(clk_timer *t)
{
    /* "C every 3 s three times": a callback that re-arms itself */
    record_cb(t);
    if (nfired < 3)
        clk_timer_start(fired_clock, t, SIM_S(3));
}

START_TEST(clock_callback_can_rearm_within_one_advance)
{
    clk c;
    clk_init(&c, 0);
    record_on(&c);
    clk_timer t;
    clk_timer_init(&t, rearm_cb, (void *)(intptr_t)7);
    clk_timer_start(&c, &t, 0);
    ck_assert_uint_eq(clk_advance(&c, SIM_S(6)), 3);
    ck_assert_uint_eq(nfired, 3);
    expect_fired(0, 7, 0);
    expect_fired(1, 7, SIM_S(3));
    expect_fired(2, 7, SIM_S(6));
    ck_assert(!clk_timer_armed(&t));
    clk_free(&c);
}
END_TEST

START_TEST(clock_never_goes_backwards)
{
    clk c;
    clk_init(&c, SIM_S(10));
    record_on(&c);
    clk_timer t;
    clk_timer_init(&t, record_cb, (void *)(intptr_t)1);
    clk_timer_start(&c, &t, SIM_S(2)); /* due at 12 s */
    ck_assert_uint_eq(clk_advance(&c, SIM_S(5)), 0);
    ck_assert_uint_eq(clk_now(&c), SIM_S(10));
    ck_assert_uint_eq(nfired, 0);
    ck_assert_uint_eq(clk_advance(&c, SIM_S(12)), 1);
    expect_fired(0, 1, SIM_S(12));
    ck_assert_uint_eq(nfired, 1);
    clk_free(&c);
}
END_TEST

START_TEST(clock_heap_many_timers)
{
    clk c;
    clk_init(&c, 0);
    record_on(&c);
    enum { N = 500 };
    static clk_timer t[N];
    /* timer i is due at ((i * 7919) % N) us: a permutation of 0..N-1 us,
     * started out of order; every third one is stopped again */
    for (int i = 0; i < N; i++) {
        clk_timer_init(&t[i], record_cb, (void *)(intptr_t)i);
        clk_timer_start(&c, &t[i], (sim_ns)((i * 7919) % N) * 1000);
    }
    for (int i = 0; i < N; i += 3)
        clk_timer_stop(&c, &t[i]);
    /* one advance to the end fires each armed timer once, in deadline order */
    ck_assert_uint_eq(clk_advance(&c, (sim_ns)N * 1000), N - (N + 2) / 3);
    ck_assert_uint_eq(nfired, N - (N + 2) / 3);
    static int seen[N];
    memset(seen, 0, sizeof(seen));
    for (size_t k = 0; k < nfired; k++) {
        int id = fired[k].id;
        ck_assert_msg(id % 3 != 0, "stopped timer %d fired", id);
        ck_assert_msg(!seen[id]++, "timer %d fired twice", id);
        ck_assert_uint_eq(fired[k].at, (sim_ns)((id * 7919) % N) * 1000);
        if (k)
            ck_assert_uint_gt(fired[k].at, fired[k - 1].at);
    }
    ck_assert_uint_eq(clk_next_due(&c), SIM_NEVER);
    clk_free(&c);
}
END_TEST

/* ---- wire model ---- */

static const char *garble(const char *in, size_t n, uint32_t tx, uint32_t rx)
{
    static bytebuf b;
    bytebuf_free(&b);
    bytebuf_init(&b);
    baud_garble((const uint8_t *)in, n, tx, rx, &b);
    bytebuf_append(&b, "", 0);
    return (const char *)b.data;
}

START_TEST(baud_same_rate_is_identity)
{
    ck_assert_str_eq(garble("AT\r", 3, 115200, 115200), "AT\r");
}
END_TEST

START_TEST(baud_double_speed_sender_worked_example)
{
    /* 0x00 sent at 19200 read at 9600: the receiver samples sender bits
     * 1,3,5,7 (data 0) then 9 (stop, mark) and idle marks: 0b11111000. */
    ck_assert_str_eq(garble("\0", 1, 19200, 9600), "\xf8");
    /* 0xFF at 19200: the start bit lasts half a receiver bit: a false start */
    ck_assert_str_eq(garble("\xff", 1, 19200, 9600), "");
}
END_TEST

START_TEST(baud_mismatch_garbles_deterministically)
{
    const char *msg = "\r\nOK\r\n";
    char a[64], b[64];
    snprintf(a, sizeof(a), "%s", garble(msg, 6, 115200, 9600));
    snprintf(b, sizeof(b), "%s", garble(msg, 6, 115200, 9600));
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, msg);
    /* a slow sender read by a fast receiver yields more bytes than sent */
    bytebuf out;
    bytebuf_init(&out);
    baud_garble((const uint8_t *)"AT\r", 3, 9600, 115200, &out);
    ck_assert_uint_gt(out.len, 3);
    bytebuf_free(&out);
}
END_TEST

START_TEST(baud_wire_time)
{
    ck_assert_uint_eq(baud_wire_ns(1, 115200), 86806);     /* 10 bits */
    ck_assert_uint_eq(baud_wire_ns(900000, 115200), 78125000000ull);
    ck_assert(baud_rate_supported(921600));
    ck_assert(!baud_rate_supported(12345));
}
END_TEST

/* ---- durations ---- */

START_TEST(durations_as_the_app_note_writes_them)
{
    uint64_t ns;
    ck_assert_int_eq(dur_parse("109s", &ns), 0);
    ck_assert_uint_eq(ns, SIM_S(109));
    ck_assert_int_eq(dur_parse("25m", &ns), 0);
    ck_assert_uint_eq(ns, SIM_S(1500));
    ck_assert_int_eq(dur_parse("24h", &ns), 0);
    ck_assert_uint_eq(ns, SIM_S(86400));
    ck_assert_int_eq(dur_parse("500ms", &ns), 0);
    ck_assert_uint_eq(ns, SIM_MS(500));
    ck_assert_int_eq(dur_parse("1.5s", &ns), 0);
    ck_assert_uint_eq(ns, SIM_MS(1500));
    ck_assert_int_eq(dur_parse("2h30m", &ns), 0);
    ck_assert_uint_eq(ns, SIM_S(9000));
    ck_assert_int_eq(dur_parse("3", &ns), 0);
    ck_assert_uint_eq(ns, SIM_S(3));
    ck_assert_int_eq(dur_parse("", &ns), -1);
    ck_assert_int_eq(dur_parse("3x", &ns), -1);
    ck_assert_int_eq(dur_parse("s", &ns), -1);
    ck_assert_int_eq(dur_parse("-3s", &ns), -1);
    ck_assert_int_eq(dur_parse("99999999999999999999h", &ns), -1);
    char buf[32];
    dur_format(SIM_S(109), buf, sizeof(buf));
    ck_assert_str_eq(buf, "109s");
    dur_format(SIM_S(1500), buf, sizeof(buf));
    ck_assert_str_eq(buf, "25m");
}
END_TEST

/* ---- settings store ---- */

START_TEST(nvm_scopes)
{
    char dir[] = "/tmp/sarasim-nvm-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    nvm n;
    ck_assert_int_eq(nvm_init(&n, dir), 0);
    nvm_boot(&n);
    nvm_set(&n, SET_MNO, 100);   /* NVM */
    nvm_set(&n, SET_ECHO, 0);    /* profile, not stored */
    nvm_set(&n, SET_CREG, 2);    /* volatile */
    ck_assert_int_eq(nvm_commit(&n), 0);
    nvm_boot(&n);
    ck_assert_int_eq(nvm_get(&n, SET_MNO), 100);
    ck_assert_int_eq(nvm_get(&n, SET_ECHO), 1);
    ck_assert_int_eq(nvm_get(&n, SET_CREG), 0);
    nvm_set(&n, SET_ECHO, 0);
    nvm_profile_store(&n);
    nvm_commit(&n);
    nvm_free(&n);
    /* a new process reading the same flash */
    nvm_init(&n, dir);
    nvm_boot(&n);
    ck_assert_int_eq(nvm_get(&n, SET_ECHO), 0);
    ck_assert_int_eq(nvm_get(&n, SET_MNO), 100);
    ck_assert_str_eq(nvm_get_str(&n, SET_PDP_TYPE + 1), "IP");
    nvm_id id;
    ck_assert_int_eq(nvm_lookup("+CGDCONT.apn.1", &id), 0);
    ck_assert_int_eq(id, SET_PDP_APN + 1);
    ck_assert_int_eq(nvm_lookup("+NOPE", &id), -ENOENT);
    nvm_free(&n);
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(nvm_interrupted_write_keeps_old_image)
{
    char dir[] = "/tmp/sarasim-nvm-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    nvm n;
    nvm_init(&n, dir);
    nvm_boot(&n);
    nvm_set(&n, SET_MNO, 31);
    nvm_commit(&n);
    nvm_free(&n);
    /* a crash after writing the temp file, before the rename */
    char path[128];
    snprintf(path, sizeof(path), "%s/nvm.json.tmp", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"nvm\":{\"+UMNOPROF\":", f); /* torn */
    fclose(f);
    nvm_init(&n, dir);
    nvm_boot(&n);
    ck_assert_int_eq(nvm_get(&n, SET_MNO), 31);
    nvm_free(&n);
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ---- trace format ---- */

START_TEST(trace_lines)
{
    bytebuf b;
    bytebuf_init(&b);
    trace_event ev = { SIM_MS(12345) + 17000, TRACE_RX, 0, (const uint8_t *)"AT\r\"\x15", 5 };
    trace_format(&b, &ev, NULL);
    ck_assert_str_eq((char *)b.data, "12.345017 - RX 0 \"AT\\r\\\"\\x15\"\n");
    bytebuf_clear(&b);
    trace_event ev2 = { SIM_S(5), TRACE_EVENT, -1, (const uint8_t *)"power BOOTING -> READY", 22 };
    struct timespec wall = { 1764098401, 123456000 };
    trace_format(&b, &ev2, &wall);
    ck_assert_str_eq((char *)b.data, "5.000000 2025-11-25T19:20:01.123456Z EV - power BOOTING -> READY\n");
    bytebuf_free(&b);
}
END_TEST

static Suite *core_suite(void)
{
    Suite *s = suite_create("core");
    TCase *c = tcase_create("clock");
    tcase_add_test(c, clock_fires_in_deadline_order_fifo_on_ties);
    tcase_add_test(c, clock_callback_can_rearm_within_one_advance);
    tcase_add_test(c, clock_never_goes_backwards);
    tcase_add_test(c, clock_heap_many_timers);
    suite_add_tcase(s, c);
    TCase *w = tcase_create("wire");
    tcase_add_test(w, baud_same_rate_is_identity);
    tcase_add_test(w, baud_double_speed_sender_worked_example);
    tcase_add_test(w, baud_mismatch_garbles_deterministically);
    tcase_add_test(w, baud_wire_time);
    suite_add_tcase(s, w);
    TCase *d = tcase_create("misc");
    tcase_add_test(d, durations_as_the_app_note_writes_them);
    tcase_add_test(d, nvm_scopes);
    tcase_add_test(d, nvm_interrupted_write_keeps_old_image);
    tcase_add_test(d, trace_lines);
    suite_add_tcase(s, d);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(core_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
