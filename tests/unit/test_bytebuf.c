/* test_bytebuf.c - bytebuf_appendf formats in one pass when the text fits
 * the spare room and in two when it does not; both must give the same
 * bytes, whatever the buffer held and however full it was. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/bytebuf.h"

/* A string of n copies of c (static storage, n < 4096). */
static const char *run_of(char c, size_t n)
{
    static char s[4096];
    memset(s, c, n);
    s[n] = 0;
    return s;
}

START_TEST(appendf_short_text_into_empty_buffer)
{
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(bytebuf_appendf(&b, "\r\n%s\r\n", "OK"), 0);
    ck_assert_uint_eq(b.len, 6);
    ck_assert_str_eq((char *)b.data, "\r\nOK\r\n");
    bytebuf_free(&b);
}
END_TEST

START_TEST(appendf_text_longer_than_spare_room)
{
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append_str(&b, "head:");
    const char *body = run_of('x', 1000);
    ck_assert_int_eq(bytebuf_appendf(&b, "%s:%d", body, 42), 0);
    ck_assert_uint_eq(b.len, 5 + 1000 + 3);
    ck_assert_int_eq(memcmp(b.data, "head:", 5), 0);
    ck_assert_int_eq(memcmp(b.data + 5, body, 1000), 0);
    ck_assert_str_eq((char *)b.data + 1005, ":42");
    bytebuf_free(&b);
}
END_TEST

/* Text of every length around the room left in the buffer: exactly fitting,
 * one short of the NUL, one over. */
START_TEST(appendf_at_every_fill_level_near_capacity)
{
    /* The expected bytes are built once per case and compared whole: one
     * assertion per case, not one per byte (a per-byte ck_assert made this
     * 1.5 M assertions and several seconds under ASan). */
    char want[600 + 1];
    for (size_t pre = 0; pre < 300; pre += 7) {
        for (size_t n = 0; n < 300; n += 5) {
            memset(want, 'p', pre);
            memset(want + pre, 'q', n);
            want[pre + n] = 0;
            bytebuf b;
            bytebuf_init(&b);
            bytebuf_append(&b, run_of('p', pre), pre);
            ck_assert_int_eq(bytebuf_appendf(&b, "%s", run_of('q', n)), 0);
            ck_assert_uint_eq(b.len, pre + n);
            ck_assert_uint_lt(b.len, b.cap);
            ck_assert_msg(memcmp(b.data, want, pre + n + 1) == 0,
                          "pre=%zu n=%zu: wrong bytes or no NUL", pre, n);
            bytebuf_free(&b);
        }
    }
}
END_TEST

START_TEST(appendf_of_nothing_keeps_buffer)
{
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append_str(&b, "abc");
    ck_assert_int_eq(bytebuf_appendf(&b, "%s", ""), 0);
    ck_assert_uint_eq(b.len, 3);
    ck_assert_str_eq((char *)b.data, "abc");
    bytebuf_free(&b);
}
END_TEST

static Suite *bytebuf_suite(void)
{
    Suite *s = suite_create("bytebuf");
    TCase *t = tcase_create("appendf");
    tcase_add_test(t, appendf_short_text_into_empty_buffer);
    tcase_add_test(t, appendf_text_longer_than_spare_room);
    tcase_add_test(t, appendf_at_every_fill_level_near_capacity);
    tcase_add_test(t, appendf_of_nothing_keeps_buffer);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(bytebuf_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
