/* test_fs.c - the flash file system core (fs/fs.c): tags, name rules,
 * capacity accounting, atomic storage and the Table 16 hooks ([AN] §9). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fs.h"

/* ---- helpers ---- */

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sarasim-fs-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static int put_str(fs *f, fs_tag tag, const char *name, const char *s)
{
    return fs_put(f, tag, name, s, strlen(s), 0);
}

static int check(const char *name) { return fs_name_check(name, strlen(name)); }

/* Names of the entries of dir (count), into names[]. */
static int list_dir(const char *dir, char names[][300], int max)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && n < max)
            snprintf(names[n++], 300, "%s", e->d_name);
    closedir(d);
    return n;
}

static void fs_dir(char *buf, size_t size) { snprintf(buf, size, "%s/fs", tmpdir); }

/* ---- tags ---- */

START_TEST(tags_parse_exact_names)
{
    fs_tag t;
    ck_assert_int_eq(fs_tag_parse("USER", 4, 1, &t), 0);
    ck_assert_int_eq(t, FS_TAG_USER);
    ck_assert_int_eq(fs_tag_parse("FOAT", 4, 1, &t), 0);
    ck_assert_int_eq(t, FS_TAG_FOAT);
    ck_assert_int_eq(fs_tag_parse("XLWM2M", 6, 1, &t), 0);
    ck_assert_int_eq(t, FS_TAG_LWM2M);
    ck_assert_int_eq(fs_tag_parse("user", 4, 1, &t), -EINVAL);
    ck_assert_int_eq(fs_tag_parse("AUDIO", 5, 1, &t), -EINVAL);
    ck_assert_int_eq(fs_tag_parse("", 0, 1, &t), -EINVAL);
    ck_assert_int_eq(fs_tag_parse("USERX", 5, 1, &t), -EINVAL);
    ck_assert_int_eq(fs_tag_parse("USER", 3, 1, &t), -EINVAL);
}
END_TEST

START_TEST(tags_internal_areas_are_hidden_from_hosts)
{
    fs_tag t;
    ck_assert_int_eq(fs_tag_parse("ROT", 3, 1, &t), -EINVAL);
    ck_assert_int_eq(fs_tag_parse("SEC", 3, 1, &t), -EINVAL);
    ck_assert_int_eq(fs_tag_parse("ROT", 3, 0, &t), 0);
    ck_assert_int_eq(t, FS_TAG_ROT);
    ck_assert_str_eq(fs_tag_name(FS_TAG_SEC), "SEC");
}
END_TEST

START_TEST(same_name_under_two_tags_is_two_files)
{
    fs f;
    ck_assert_int_eq(fs_init(&f, NULL, 1000), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "cfg", "user"), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_LWM2M, "cfg", "lwm2m!"), 0);
    ck_assert_uint_eq(fs_find(&f, FS_TAG_USER, "cfg")->len, 4);
    ck_assert_uint_eq(fs_find(&f, FS_TAG_LWM2M, "cfg")->len, 6);
    ck_assert_int_eq(fs_delete(&f, FS_TAG_USER, "cfg"), 0);
    ck_assert_ptr_null(fs_find(&f, FS_TAG_USER, "cfg"));
    ck_assert_ptr_nonnull(fs_find(&f, FS_TAG_LWM2M, "cfg"));
    fs_free(&f);
}
END_TEST

START_TEST(foat_files_are_stored_as_update_package)
{
    fs f;
    ck_assert_int_eq(fs_init(&f, NULL, 1000), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_FOAT, "delta", "pkg"), 0);
    ck_assert_ptr_null(fs_find(&f, FS_TAG_FOAT, "delta"));
    ck_assert_ptr_nonnull(fs_find(&f, FS_TAG_FOAT, "updatePackage.bin"));
    ck_assert_ptr_null(fs_find(&f, FS_TAG_USER, "updatePackage.bin"));
    fs_free(&f);
}
END_TEST

/* ---- names ---- */

START_TEST(names_the_module_accepts)
{
    char longest[FS_NAME_MAX + 1];
    memset(longest, 'n', FS_NAME_MAX);
    longest[FS_NAME_MAX] = 0;
    ck_assert_int_eq(check("a"), 0);
    ck_assert_int_eq(check("data.bin"), 0);
    ck_assert_int_eq(check("with space"), 0);
    ck_assert_int_eq(check("comma,semi;colon-less"), 0);
    ck_assert_int_eq(check("...x"), 0);
    ck_assert_int_eq(check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6"), 0); /* é € U+1F4E6 */
    ck_assert_int_eq(check(longest), 0);
}
END_TEST

START_TEST(names_the_module_refuses)
{
    char toolong[FS_NAME_MAX + 2];
    memset(toolong, 'n', FS_NAME_MAX + 1);
    toolong[FS_NAME_MAX + 1] = 0;
    ck_assert_int_eq(check(""), -EINVAL);
    ck_assert_int_eq(check(toolong), -EINVAL);
    ck_assert_int_eq(check("."), -EINVAL);
    ck_assert_int_eq(check(".."), -EINVAL);
    ck_assert_int_eq(check("../etc/passwd"), -EINVAL);
    ck_assert_int_eq(check("/etc/passwd"), -EINVAL);
    ck_assert_int_eq(check("a\\b"), -EINVAL);
    for (const char *bad = "/*:%|\"<>?"; *bad; bad++) {
        char name[4] = { 'a', *bad, 'b', 0 };
        ck_assert_msg(check(name) == -EINVAL, "'%c' accepted", *bad);
    }
    ck_assert_int_eq(fs_name_check("a\0b", 3), -EINVAL);
    ck_assert_int_eq(check("tab\there"), -EINVAL);
    ck_assert_int_eq(check("del\x7f"), -EINVAL);
    ck_assert_int_eq(check("cr\r"), -EINVAL);
}
END_TEST

START_TEST(names_with_malformed_utf8_are_refused)
{
    ck_assert_int_eq(check("x\xc0\xaf"), -EINVAL);         /* overlong '/' */
    ck_assert_int_eq(check("x\xe0\x80\xaf"), -EINVAL);     /* overlong '/' */
    ck_assert_int_eq(check("x\xf0\x80\x80\xaf"), -EINVAL); /* overlong '/' */
    ck_assert_int_eq(check("\xc0\xae\xc0\xae"), -EINVAL);  /* overlong ".." */
    ck_assert_int_eq(check("x\xed\xa0\x80"), -EINVAL);     /* surrogate */
    ck_assert_int_eq(check("x\xf4\x90\x80\x80"), -EINVAL); /* > U+10FFFF */
    ck_assert_int_eq(check("x\xc3"), -EINVAL);             /* truncated */
    ck_assert_int_eq(check("x\x80"), -EINVAL);             /* stray continuation */
    ck_assert_int_eq(check("x\xff"), -EINVAL);
}
END_TEST

START_TEST(bad_names_change_nothing)
{
    fs f;
    fs_writer w;
    ck_assert_int_eq(fs_init(&f, NULL, 1000), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "../x", "data"), -EINVAL);
    ck_assert_int_eq(fs_writer_begin(&w, &f, FS_TAG_USER, "a/b", 3, 10), -EINVAL);
    ck_assert_uint_eq(f.count, 0);
    ck_assert_uint_eq(fs_free_space(&f), 1000);
    fs_free(&f);
}
END_TEST

START_TEST(escape_keeps_trace_values_word_sized)
{
    char buf[64];
    fs_name_escape("a b=c\xc3\xa9", buf, sizeof(buf));
    ck_assert_str_eq(buf, "a%20b%3Dc%C3%A9");
    fs_name_escape("abcdef", buf, 4);
    ck_assert_str_eq(buf, "abc");
}
END_TEST

/* ---- capacity ---- */

START_TEST(free_space_follows_writes_and_deletes)
{
    fs f;
    ck_assert_int_eq(fs_init(&f, NULL, 1000), 0);
    ck_assert_uint_eq(fs_free_space(&f), 1000);
    char buf[600] = { 0 };
    ck_assert_int_eq(fs_put(&f, FS_TAG_USER, "a", buf, 600, 0), 0);
    ck_assert_uint_eq(fs_free_space(&f), 400);
    ck_assert_int_eq(fs_put(&f, FS_TAG_USER, "b", buf, 401, 0), -ENOSPC);
    ck_assert_uint_eq(fs_free_space(&f), 400);
    ck_assert_int_eq(fs_put(&f, FS_TAG_FOAT, "b", buf, 400, 0), 0);
    ck_assert_uint_eq(fs_free_space(&f), 0);
    ck_assert_int_eq(fs_put(&f, FS_TAG_USER, "c", buf, 0, 0), 0); /* an empty file fits */
    ck_assert_int_eq(fs_delete(&f, FS_TAG_USER, "a"), 0);
    ck_assert_uint_eq(fs_free_space(&f), 600);
    ck_assert_int_eq(fs_delete(&f, FS_TAG_USER, "a"), -ENOENT);
    fs_free(&f);
}
END_TEST

START_TEST(append_and_replace_are_accounted)
{
    fs f;
    ck_assert_int_eq(fs_init(&f, NULL, 100), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "f", "0123456789"), 0);
    ck_assert_int_eq(fs_put(&f, FS_TAG_USER, "f", "abc", 3, 1), 0);
    const fs_file *file = fs_find(&f, FS_TAG_USER, "f");
    ck_assert_uint_eq(file->len, 13);
    ck_assert_int_eq(memcmp(file->data, "0123456789abc", 13), 0);
    ck_assert_uint_eq(fs_free_space(&f), 87);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "f", "xy"), 0); /* replace */
    ck_assert_uint_eq(fs_free_space(&f), 98);
    char big[100] = { 0 };
    ck_assert_int_eq(fs_put(&f, FS_TAG_USER, "f", big, 99, 1), -ENOSPC); /* 2 + 99 > 100 */
    ck_assert_int_eq(fs_put(&f, FS_TAG_USER, "f", big, 100, 0), 0);       /* replacing frees 2 */
    ck_assert_uint_eq(fs_free_space(&f), 0);
    fs_free(&f);
}
END_TEST

START_TEST(a_download_reserves_its_space_until_it_ends)
{
    fs f;
    fs_writer w, w2;
    ck_assert_int_eq(fs_init(&f, NULL, 100), 0);
    ck_assert_int_eq(fs_writer_begin(&w, &f, FS_TAG_USER, "d", 1, 60), 0);
    ck_assert_uint_eq(fs_free_space(&f), 40);
    ck_assert_int_eq(fs_writer_begin(&w2, &f, FS_TAG_USER, "e", 1, 41), -ENOSPC);
    ck_assert_uint_eq(fs_writer_feed(&w, "0123456789", 10), 10);
    ck_assert(!fs_writer_complete(&w));
    ck_assert_int_eq(fs_writer_commit(&w), -EINVAL); /* not complete */
    fs_writer_abort(&w);
    ck_assert_uint_eq(fs_free_space(&f), 100);
    ck_assert_ptr_null(fs_find(&f, FS_TAG_USER, "d"));
    fs_free(&f);
}
END_TEST

/* A body of unknown size (chunked HTTP, FTP without SIZE): space is taken
 * as bytes come, up to what the flash has; on disk it lands like any file. */
START_TEST(an_unsized_download_grows_until_the_flash_is_full)
{
    make_tmpdir();
    fs f;
    fs_writer w;
    ck_assert_int_eq(fs_init(&f, tmpdir, 10000), 0);
    ck_assert_int_eq(fs_writer_begin_unsized(&w, &f, FS_TAG_USER, "u", 1), 0);
    ck_assert(fs_writer_complete(&w)); /* nothing missing: whatever came is the file */
    uint8_t chunk[3000];
    memset(chunk, 'x', sizeof chunk);
    ck_assert_uint_eq(fs_writer_feed(&w, chunk, sizeof chunk), 3000);
    ck_assert_uint_eq(fs_free_space(&f), 7000);
    ck_assert_uint_eq(fs_writer_feed(&w, chunk, sizeof chunk), 3000);
    ck_assert_int_eq(fs_writer_commit(&w), 0);
    ck_assert_uint_eq(fs_free_space(&f), 4000);
    const fs_file *ff = fs_find(&f, FS_TAG_USER, "u");
    ck_assert_ptr_nonnull(ff);
    ck_assert_uint_eq(ff->len, 6000);
    /* a second one runs into the end of the flash */
    ck_assert_int_eq(fs_writer_begin_unsized(&w, &f, FS_TAG_USER, "v", 1), 0);
    ck_assert_uint_eq(fs_writer_feed(&w, chunk, sizeof chunk), 3000);
    ck_assert_uint_eq(fs_writer_feed(&w, chunk, sizeof chunk), 1000);
    ck_assert_uint_eq(fs_free_space(&f), 0);
    fs_writer_abort(&w);
    ck_assert_uint_eq(fs_free_space(&f), 4000);
    fs_free(&f);
    /* what was committed is on disk */
    ck_assert_int_eq(fs_init(&f, tmpdir, 10000), 0);
    ck_assert_int_eq(fs_load(&f), 0);
    ck_assert_ptr_nonnull((ff = fs_find(&f, FS_TAG_USER, "u")));
    ck_assert_uint_eq(ff->len, 6000);
    ck_assert_ptr_null(fs_find(&f, FS_TAG_USER, "v"));
    fs_free(&f);
    remove_tmpdir();
}
END_TEST

START_TEST(a_download_takes_exactly_its_size_and_appends)
{
    fs f;
    fs_writer w;
    ck_assert_int_eq(fs_init(&f, NULL, 100), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "d", "old"), 0);
    ck_assert_int_eq(fs_writer_begin(&w, &f, FS_TAG_USER, "d", 1, 4), 0);
    ck_assert_uint_eq(fs_writer_feed(&w, "ab", 2), 2);
    ck_assert_uint_eq(fs_writer_feed(&w, "cdEXTRA", 7), 2);
    ck_assert(fs_writer_complete(&w));
    ck_assert_uint_eq(fs_writer_feed(&w, "x", 1), 0);
    ck_assert_int_eq(fs_writer_commit(&w), 0);
    const fs_file *file = fs_find(&f, FS_TAG_USER, "d");
    ck_assert_uint_eq(file->len, 7);
    ck_assert_int_eq(memcmp(file->data, "oldabcd", 7), 0);
    ck_assert_uint_eq(fs_free_space(&f), 93);
    fs_free(&f);
}
END_TEST

START_TEST(a_download_may_fill_the_fs_exactly)
{
    fs f;
    fs_writer w;
    ck_assert_int_eq(fs_init(&f, NULL, 8), 0);
    ck_assert_int_eq(fs_writer_begin(&w, &f, FS_TAG_USER, "full", 4, 9), -ENOSPC);
    ck_assert_int_eq(fs_writer_begin(&w, &f, FS_TAG_USER, "full", 4, 8), 0);
    ck_assert_uint_eq(fs_writer_feed(&w, "12345678", 8), 8);
    ck_assert_int_eq(fs_writer_commit(&w), 0);
    ck_assert_uint_eq(fs_free_space(&f), 0);
    fs_free(&f);
}
END_TEST

/* ---- storage ---- */

START_TEST(files_survive_a_reload_in_creation_order)
{
    make_tmpdir();
    fs f, g;
    ck_assert_int_eq(fs_init(&f, tmpdir, 10000), 0);
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "zeta", "z"), 0);
    ck_assert_int_eq(fs_put(&f, FS_TAG_USER, "all bytes \xc3\xa9,;", all, 256, 0), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "alpha", ""), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_FOAT, "delta", "package"), 0);
    ck_assert_int_eq(fs_init(&g, tmpdir, 10000), 0);
    ck_assert_int_eq(fs_load(&g), 0);
    ck_assert_uint_eq(g.count, 4);
    ck_assert_uint_eq(fs_free_space(&g), fs_free_space(&f));
    size_t it = 0;
    ck_assert_str_eq(fs_next(&g, FS_TAG_USER, &it)->name, "zeta");
    const fs_file *b = fs_next(&g, FS_TAG_USER, &it);
    ck_assert_str_eq(b->name, "all bytes \xc3\xa9,;");
    ck_assert_uint_eq(b->len, 256);
    ck_assert_int_eq(memcmp(b->data, all, 256), 0);
    ck_assert_str_eq(fs_next(&g, FS_TAG_USER, &it)->name, "alpha");
    ck_assert_ptr_null(fs_next(&g, FS_TAG_USER, &it));
    ck_assert_ptr_nonnull(fs_find(&g, FS_TAG_FOAT, "updatePackage.bin"));
    /* a new file after a reload still lists last */
    ck_assert_int_eq(put_str(&g, FS_TAG_USER, "after", "x"), 0);
    it = 0;
    const fs_file *last = NULL;
    for (const fs_file *x; (x = fs_next(&g, FS_TAG_USER, &it));)
        last = x;
    ck_assert_str_eq(last->name, "after");
    fs_free(&f);
    fs_free(&g);
    remove_tmpdir();
}
END_TEST

START_TEST(blobs_stay_inside_the_fs_dir_whatever_the_name)
{
    make_tmpdir();
    fs f;
    ck_assert_int_eq(fs_init(&f, tmpdir, 10000), 0);
    char longest[FS_NAME_MAX + 1];
    memset(longest, 'L', FS_NAME_MAX);
    longest[FS_NAME_MAX] = 0;
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, longest, "1"), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "...", "2"), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, " spaced ", "3"), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "../escape", "4"), -EINVAL);
    char names[8][300], dir[128];
    ck_assert_int_eq(list_dir(tmpdir, names, 8), 1); /* only "fs" */
    ck_assert_str_eq(names[0], "fs");
    fs_dir(dir, sizeof(dir));
    int n = list_dir(dir, names, 8);
    ck_assert_int_eq(n, 3);
    for (int i = 0; i < n; i++) {
        ck_assert_uint_eq(strlen(names[i]), 66);
        ck_assert_str_eq(names[i] + 64, ".f");
    }
    fs_free(&f);
    remove_tmpdir();
}
END_TEST

START_TEST(deletes_reach_the_disk)
{
    make_tmpdir();
    fs f, g;
    ck_assert_int_eq(fs_init(&f, tmpdir, 10000), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "a", "1"), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "b", "2"), 0);
    ck_assert_int_eq(fs_delete(&f, FS_TAG_USER, "a"), 0);
    ck_assert_int_eq(fs_init(&g, tmpdir, 10000), 0);
    ck_assert_int_eq(fs_load(&g), 0);
    ck_assert_ptr_null(fs_find(&g, FS_TAG_USER, "a"));
    ck_assert_ptr_nonnull(fs_find(&g, FS_TAG_USER, "b"));
    fs_free(&f);
    fs_free(&g);
    remove_tmpdir();
}
END_TEST

/* Copy the one blob of dir into "<blob>.tmp" as a write cut between its temp
 * file and its rename would leave it; returns the blob's name. */
static void leave_tmp_of_blob(const char *dir, char *blob, size_t size)
{
    char names[4][300], src[512], dst[512], cmd[1100];
    ck_assert_int_eq(list_dir(dir, names, 4), 1);
    snprintf(blob, size, "%s", names[0]);
    snprintf(src, sizeof(src), "%s/%s", dir, names[0]);
    snprintf(dst, sizeof(dst), "%s/%s.tmp", dir, names[0]);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, dst);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(a_crash_before_the_rename_leaves_no_file)
{
    make_tmpdir();
    fs f, g;
    char dir[128], blob[300], path[512], names[4][300];
    fs_dir(dir, sizeof(dir));
    ck_assert_int_eq(fs_init(&f, tmpdir, 10000), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "new", "complete content"), 0);
    leave_tmp_of_blob(dir, blob, sizeof(blob));
    snprintf(path, sizeof(path), "%s/%s", dir, blob);
    ck_assert_int_eq(unlink(path), 0); /* the rename never happened */
    ck_assert_int_eq(fs_init(&g, tmpdir, 10000), 0);
    ck_assert_int_eq(fs_load(&g), 0);
    ck_assert_uint_eq(g.count, 0);
    ck_assert_uint_eq(fs_free_space(&g), 10000);
    ck_assert_int_eq(list_dir(dir, names, 4), 0); /* the temp file is gone */
    fs_free(&f);
    fs_free(&g);
    remove_tmpdir();
}
END_TEST

START_TEST(a_crash_before_an_append_rename_keeps_the_old_content)
{
    make_tmpdir();
    fs f, g;
    char dir[128], blob[300], names[4][300];
    fs_dir(dir, sizeof(dir));
    ck_assert_int_eq(fs_init(&f, tmpdir, 10000), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "log", "longer new content"), 0);
    leave_tmp_of_blob(dir, blob, sizeof(blob)); /* the appended version, never renamed */
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "log", "old"), 0);
    ck_assert_int_eq(fs_init(&g, tmpdir, 10000), 0);
    ck_assert_int_eq(fs_load(&g), 0);
    const fs_file *file = fs_find(&g, FS_TAG_USER, "log");
    ck_assert_ptr_nonnull(file);
    ck_assert_uint_eq(file->len, 3);
    ck_assert_int_eq(memcmp(file->data, "old", 3), 0);
    ck_assert_int_eq(list_dir(dir, names, 4), 1);
    fs_free(&f);
    fs_free(&g);
    remove_tmpdir();
}
END_TEST

static void damage(const char *dir, long offset_from_end, const char *bytes)
{
    char names[4][300], path[512];
    ck_assert_int_eq(list_dir(dir, names, 4), 1);
    snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
    FILE *fp = fopen(path, "r+b");
    ck_assert_ptr_nonnull(fp);
    fseek(fp, -offset_from_end, SEEK_END);
    fwrite(bytes, 1, strlen(bytes), fp);
    fclose(fp);
}

START_TEST(a_damaged_blob_is_skipped)
{
    make_tmpdir();
    fs f, g;
    char dir[128];
    fs_dir(dir, sizeof(dir));
    ck_assert_int_eq(fs_init(&f, tmpdir, 10000), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "f", "payload"), 0);
    damage(dir, 3, "X"); /* the CRC no longer matches */
    ck_assert_int_eq(fs_init(&g, tmpdir, 10000), 0);
    ck_assert_int_eq(fs_load(&g), 1);
    ck_assert_uint_eq(g.count, 0);
    fs_free(&f);
    fs_free(&g);
    remove_tmpdir();
}
END_TEST

START_TEST(a_blob_under_a_foreign_name_or_junk_is_skipped)
{
    make_tmpdir();
    fs f, g;
    char dir[128], names[4][300], a[512], b[512];
    fs_dir(dir, sizeof(dir));
    ck_assert_int_eq(fs_init(&f, tmpdir, 10000), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "f", "payload"), 0);
    ck_assert_int_eq(list_dir(dir, names, 4), 1);
    snprintf(a, sizeof(a), "%s/%s", dir, names[0]);
    snprintf(b, sizeof(b), "%s/%064d.f", dir, 0);
    ck_assert_int_eq(rename(a, b), 0);
    snprintf(a, sizeof(a), "%s/%063d1.f", dir, 0);
    FILE *fp = fopen(a, "wb");
    fputs("SARASIM-FS 1\ntag=USER\n", fp); /* truncated header */
    fclose(fp);
    snprintf(a, sizeof(a), "%s/not-a-blob", dir);
    fp = fopen(a, "wb");
    fclose(fp);
    ck_assert_int_eq(fs_init(&g, tmpdir, 10000), 0);
    ck_assert_int_eq(fs_load(&g), 2);
    ck_assert_uint_eq(g.count, 0);
    fs_free(&f);
    fs_free(&g);
    remove_tmpdir();
}
END_TEST

START_TEST(memory_only_fs_keeps_files_across_load)
{
    fs f;
    ck_assert_int_eq(fs_init(&f, NULL, 100), 0);
    ck_assert_int_eq(put_str(&f, FS_TAG_USER, "f", "x"), 0);
    ck_assert_int_eq(fs_load(&f), 0);
    ck_assert_ptr_nonnull(fs_find(&f, FS_TAG_USER, "f"));
    fs_free(&f);
}
END_TEST

/* ---- Table 16 ([AN] §9) ---- */

static void populate(fs *f)
{
    ck_assert_int_eq(put_str(f, FS_TAG_USER, "u1", "user"), 0);
    ck_assert_int_eq(put_str(f, FS_TAG_USER, "u2", "user"), 0);
    ck_assert_int_eq(put_str(f, FS_TAG_LWM2M, "obj", "lwm2m"), 0);
    ck_assert_int_eq(put_str(f, FS_TAG_FOAT, "delta", "package"), 0);
    ck_assert_int_eq(put_str(f, FS_TAG_ROT, "rot.bin", "rot fw"), 0);
    ck_assert_int_eq(put_str(f, FS_TAG_SEC, "ca.pem", "cert"), 0);
}

static int count_tag(const fs *f, fs_tag tag)
{
    size_t it = 0;
    int n = 0;
    while (fs_next(f, tag, &it))
        n++;
    return n;
}

START_TEST(table16_ufota_and_ufwinstall_keep_user_and_lwm2m_files)
{
    static const fs_reboot_kind kinds[] = { FS_KEEP_FOR_UFOTA, FS_KEEP_FOR_UFWINSTALL };
    for (size_t k = 0; k < 2; k++) {
        fs f;
        ck_assert_int_eq(fs_init(&f, NULL, 10000), 0);
        populate(&f);
        ck_assert_int_eq(fs_apply_reboot(&f, kinds[k]), 0);
        ck_assert_int_eq(count_tag(&f, FS_TAG_USER), 2);
        ck_assert_int_eq(count_tag(&f, FS_TAG_LWM2M), 1);
        ck_assert_int_eq(count_tag(&f, FS_TAG_ROT), 1);
        ck_assert_int_eq(count_tag(&f, FS_TAG_SEC), 1);
        fs_free(&f);
    }
}
END_TEST

START_TEST(table16_foat_easyflash_and_factory_erase_user_areas_only)
{
    static const fs_reboot_kind kinds[] = { FS_ERASE_FOR_FOAT, FS_ERASE_FOR_EASYFLASH, FS_ERASE_FOR_FACTORY };
    for (size_t k = 0; k < 3; k++) {
        make_tmpdir();
        fs f, g;
        ck_assert_int_eq(fs_init(&f, tmpdir, 10000), 0);
        populate(&f);
        size_t before = fs_free_space(&f);
        ck_assert_int_eq(fs_apply_reboot(&f, kinds[k]), 4);
        ck_assert_int_eq(count_tag(&f, FS_TAG_USER), 0);
        ck_assert_int_eq(count_tag(&f, FS_TAG_LWM2M), 0);
        ck_assert_int_eq(count_tag(&f, FS_TAG_FOAT), 0);
        ck_assert_int_eq(count_tag(&f, FS_TAG_ROT), 1); /* certificates, keys, RoT: always kept */
        ck_assert_int_eq(count_tag(&f, FS_TAG_SEC), 1);
        ck_assert_uint_eq(fs_free_space(&f), before + 4 + 4 + 5 + 7);
        ck_assert_int_eq(fs_init(&g, tmpdir, 10000), 0); /* and so it is on disk */
        ck_assert_int_eq(fs_load(&g), 0);
        ck_assert_uint_eq(g.count, 2);
        fs_free(&f);
        fs_free(&g);
        remove_tmpdir();
    }
}
END_TEST

START_TEST(erase_by_tag)
{
    fs f;
    ck_assert_int_eq(fs_init(&f, NULL, 10000), 0);
    populate(&f);
    ck_assert_int_eq(fs_erase_tag(&f, FS_TAG_USER), 2);
    ck_assert_int_eq(fs_erase_tag(&f, FS_TAG_USER), 0);
    ck_assert_uint_eq(f.count, 4);
    fs_free(&f);
}
END_TEST

static Suite *fs_suite(void)
{
    Suite *s = suite_create("fs");
    TCase *t = tcase_create("tags");
    tcase_add_test(t, tags_parse_exact_names);
    tcase_add_test(t, tags_internal_areas_are_hidden_from_hosts);
    tcase_add_test(t, same_name_under_two_tags_is_two_files);
    tcase_add_test(t, foat_files_are_stored_as_update_package);
    suite_add_tcase(s, t);
    t = tcase_create("names");
    tcase_add_test(t, names_the_module_accepts);
    tcase_add_test(t, names_the_module_refuses);
    tcase_add_test(t, names_with_malformed_utf8_are_refused);
    tcase_add_test(t, bad_names_change_nothing);
    tcase_add_test(t, escape_keeps_trace_values_word_sized);
    suite_add_tcase(s, t);
    t = tcase_create("capacity");
    tcase_add_test(t, free_space_follows_writes_and_deletes);
    tcase_add_test(t, append_and_replace_are_accounted);
    tcase_add_test(t, a_download_reserves_its_space_until_it_ends);
    tcase_add_test(t, a_download_takes_exactly_its_size_and_appends);
    tcase_add_test(t, a_download_may_fill_the_fs_exactly);
    suite_add_tcase(s, t);
    t = tcase_create("storage");
    tcase_add_test(t, files_survive_a_reload_in_creation_order);
    tcase_add_test(t, blobs_stay_inside_the_fs_dir_whatever_the_name);
    tcase_add_test(t, deletes_reach_the_disk);
    tcase_add_test(t, a_crash_before_the_rename_leaves_no_file);
    tcase_add_test(t, a_crash_before_an_append_rename_keeps_the_old_content);
    tcase_add_test(t, a_damaged_blob_is_skipped);
    tcase_add_test(t, a_blob_under_a_foreign_name_or_junk_is_skipped);
    tcase_add_test(t, memory_only_fs_keeps_files_across_load);
    suite_add_tcase(s, t);
    t = tcase_create("table16");
    tcase_add_test(t, table16_ufota_and_ufwinstall_keep_user_and_lwm2m_files);
    tcase_add_test(t, table16_foat_easyflash_and_factory_erase_user_areas_only);
    tcase_add_test(t, erase_by_tag);
    tcase_add_test(t, an_unsized_download_grows_until_the_flash_is_full);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(fs_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
