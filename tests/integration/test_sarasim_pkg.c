/* test_sarasim_pkg.c - the sarasim-pkg command line as users run it: create
 * packages (valid and each --break kind), inspect them, read the JSON and the
 * exit status (docs/packages.md "sarasim-pkg"). */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protocol/bytebuf.h"

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/sarasim-pkg-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd)) {
        /* a leftover temp dir is harmless */
    }
}

static const char *path(const char *name)
{
    static char p[4][128];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
    return p[i];
}

/* Run sarasim-pkg with args (NULL-terminated); stdout into out, stderr into
 * err (either may be NULL; stderr is then the test's).  Returns the exit
 * status. */
static int run_err(bytebuf *out, bytebuf *err, const char *const *args);

static int run(bytebuf *out, const char *const *args) { return run_err(out, NULL, args); }

static int run_err(bytebuf *out, bytebuf *err, const char *const *args)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = SARASIM_PKG_BIN;
    while (args[n - 1] && n < 31) {
        argv[n] = args[n - 1];
        n++;
    }
    argv[n] = NULL;
    int fds[2], efds[2] = { -1, -1 };
    ck_assert_int_eq(pipe(fds), 0);
    if (err)
        ck_assert_int_eq(pipe(efds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        if (err) {
            dup2(efds[1], 2);
            close(efds[0]);
            close(efds[1]);
        }
        execv(SARASIM_PKG_BIN, (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    if (err)
        close(efds[1]);
    char buf[4096];
    ssize_t r;
    while ((r = read(fds[0], buf, sizeof(buf))) > 0)
        if (out)
            bytebuf_append(out, buf, (size_t)r);
    close(fds[0]);
    /* the tool writes little to stderr: it cannot fill the pipe while
     * stdout is being read */
    while (err && (r = read(efds[0], buf, sizeof(buf))) > 0)
        bytebuf_append(err, buf, (size_t)r);
    if (err) {
        close(efds[0]);
        bytebuf_append(err, "", 1);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static long file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) ? -1 : (long)st.st_size;
}

static int create(const char *kind, const char *size, const char *brk, const char *file)
{
    const char *args[20] = { "create", "--kind", kind, "--product", "SARA-R510M8S-01B",
                             "--to", "03.16,A00.01", "--size", size, "-o", path(file) };
    int n = 11;
    if (!strcmp(kind, "delta")) {
        args[n++] = "--from";
        args[n++] = "03.15,A00.01";
    }
    if (brk) {
        args[n++] = "--break";
        args[n++] = brk;
    }
    args[n] = NULL;
    return run(NULL, args);
}

/* inspect FILE [extra...]; the parsed JSON (caller frees) and exit status. */
static cJSON *inspect(const char *file, const char *const *extra, int *status)
{
    const char *args[16] = { "inspect", path(file) };
    int n = 2;
    for (int i = 0; extra && extra[i]; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    bytebuf out;
    bytebuf_init(&out);
    *status = run(&out, args);
    cJSON *j = cJSON_Parse((const char *)out.data);
    bytebuf_free(&out);
    ck_assert_ptr_nonnull(j);
    return j;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert(cJSON_IsNumber(v));
    return v->valuedouble;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert(cJSON_IsString(v));
    return v->valuestring;
}

/* create + inspect: the result code and the exit status that go with it. */
static void check_result(const char *kind, const char *brk, const char *const *extra, int code)
{
    ck_assert_int_eq(create(kind, "100000", brk, "p.bin"), 0);
    int st;
    cJSON *j = inspect("p.bin", extra, &st);
    ck_assert_int_eq((int)num(j, "result"), code);
    ck_assert_int_eq(st, code ? 1 : 0);
    ck_assert(cJSON_IsBool(cJSON_GetObjectItem(j, "valid")));
    ck_assert_int_eq(cJSON_IsTrue(cJSON_GetObjectItem(j, "valid")), code == 0);
    cJSON_Delete(j);
}

START_TEST(create_full_4_5_mb_and_inspect)
{
    make_dir();
    ck_assert_int_eq(create("full", "4.5MB", NULL, "full.upd"), 0);
    ck_assert_int_eq(file_size(path("full.upd")), 4500000);
    int st;
    cJSON *j = inspect("full.upd", NULL, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_int_eq((int)num(j, "result"), 0);
    ck_assert_str_eq(str(j, "result_text"), "valid");
    const cJSON *h = cJSON_GetObjectItem(j, "header");
    ck_assert_str_eq(str(h, "kind"), "full");
    ck_assert_str_eq(str(h, "product"), "SARA-R510M8S-01B");
    ck_assert_str_eq(str(h, "to"), "03.16,A00.01");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(h, "from")));
    ck_assert_int_eq((long)num(h, "total_length"), 4500000);
    ck_assert_int_eq((int)num(j, "padding"), 0);
    ck_assert_str_eq(str(cJSON_GetObjectItem(j, "expect"), "method"), "foat");
    /* the app note's figures for the typical image (docs/packages.md) */
    ck_assert(num(j, "validation_ns") == 5.5e9);
    ck_assert(num(j, "install_ns") == 85.5e9);
    const cJSON *steps = cJSON_GetObjectItem(j, "validation_steps");
    ck_assert_int_eq((int)cJSON_GetArrayItem(steps, 0)->valuedouble, 0);
    steps = cJSON_GetObjectItem(j, "install_steps");
    ck_assert_int_eq((int)cJSON_GetArrayItem(steps, 0)->valuedouble, 1);
    ck_assert_int_eq((int)cJSON_GetArrayItem(steps, cJSON_GetArraySize(steps) - 1)->valuedouble,
                     100);
    cJSON_Delete(j);
    remove_dir();
}
END_TEST

START_TEST(two_runs_write_identical_files)
{
    make_dir();
    ck_assert_int_eq(create("delta", "450kB", NULL, "a.bin"), 0);
    ck_assert_int_eq(create("delta", "450kB", NULL, "b.bin"), 0);
    ck_assert_int_eq(file_size(path("a.bin")), 450000);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", path("a.bin"), path("b.bin"));
    ck_assert_int_eq(system(cmd), 0);
    remove_dir();
}
END_TEST

START_TEST(valid_delta_inspects_with_fwinstall)
{
    make_dir();
    ck_assert_int_eq(create("delta", "450000", NULL, "d.bin"), 0);
    int st;
    cJSON *j = inspect("d.bin", NULL, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_str_eq(str(cJSON_GetObjectItem(j, "header"), "from"), "03.15,A00.01");
    ck_assert_str_eq(str(cJSON_GetObjectItem(j, "expect"), "method"), "fwinstall");
    /* §6.1.2: validation + installation of a 450 kB delta = 25 minutes */
    ck_assert(num(j, "validation_ns") + num(j, "install_ns") == 1500e9);
    cJSON_Delete(j);
    remove_dir();
}
END_TEST

START_TEST(each_break_gives_its_code)
{
    make_dir();
    check_result("full", NULL, NULL, 0);
    check_result("full", "signature", NULL, 173);
    check_result("delta", "signature", NULL, 173);
    check_result("full", "product", NULL, 247);
    check_result("delta", "from-version", NULL, 168);
    check_result("full", "truncate", NULL, 180);
    check_result("full", "flip", NULL, 148);
    check_result("delta", "flip", NULL, 148);
    check_result("full", "kind", (const char *const[]){ "--method", "foat", NULL }, 158);
    check_result("delta", "kind", (const char *const[]){ "--method", "fwinstall", NULL }, 158);
    check_result("delta", "kind", (const char *const[]){ "--method", "ufota", NULL }, 158);
    /* the product break is a package for 00B: fine on a 00B module */
    check_result("full", "product", (const char *const[]){ "--product-version", "00B", NULL }, 0);
    /* a good delta on a module that runs another version */
    check_result("delta", NULL, (const char *const[]){ "--installed", "03.10,A00.01", NULL }, 168);
    remove_dir();
}
END_TEST

START_TEST(truncated_file_reports_its_short_size)
{
    make_dir();
    ck_assert_int_eq(create("full", "100000", "truncate", "t.bin"), 0);
    ck_assert_int_lt(file_size(path("t.bin")), 100000);
    int st;
    cJSON *j = inspect("t.bin", NULL, &st);
    ck_assert_int_eq((long)num(cJSON_GetObjectItem(j, "header"), "total_length"), 100000);
    ck_assert_int_eq((long)num(j, "file_size"), file_size(path("t.bin")));
    ck_assert_ptr_null(cJSON_GetObjectItem(j, "padding"));
    ck_assert_str_eq(str(j, "result_text"), "file size mismatch");
    cJSON_Delete(j);
    remove_dir();
}
END_TEST

START_TEST(xmodem_padding_is_reported_and_ignored)
{
    make_dir();
    ck_assert_int_eq(create("full", "1000", NULL, "x.bin"), 0);
    FILE *f = fopen(path("x.bin"), "ab");
    for (int i = 0; i < 24; i++) /* up to the next multiple of 128 */
        fputc(0x1a, f);
    fclose(f);
    int st;
    cJSON *j = inspect("x.bin", NULL, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_int_eq((int)num(j, "padding"), 24);
    cJSON_Delete(j);
    remove_dir();
}
END_TEST

START_TEST(garbage_file_is_158_without_header)
{
    make_dir();
    FILE *f = fopen(path("g.bin"), "wb");
    fputs("this is not a firmware package", f);
    fclose(f);
    int st;
    cJSON *j = inspect("g.bin", NULL, &st);
    ck_assert_int_eq(st, 1);
    ck_assert_int_eq((int)num(j, "result"), 158);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "header")));
    cJSON_Delete(j);
    remove_dir();
}
END_TEST

START_TEST(usage_errors_exit_2)
{
    make_dir();
    ck_assert_int_eq(run(NULL, (const char *const[]){ NULL }), 2);
    ck_assert_int_eq(run(NULL, (const char *const[]){ "frobnicate", NULL }), 2);
    ck_assert_int_eq(create("full", "100000", "from-version", "e.bin"), 2); /* no source version */
    ck_assert_int_eq(create("full", "lots", NULL, "e.bin"), 2);
    ck_assert_int_eq(create("full", "170", NULL, "e.bin"), 2); /* below the smallest package */
    ck_assert_int_eq(create("patch", "1000", NULL, "e.bin"), 2);
    ck_assert_int_eq(create("full", "1000", "melt", "e.bin"), 2);
    ck_assert_int_eq(file_size(path("e.bin")), -1);
    ck_assert_int_eq(run(NULL, (const char *const[]){ "create", "--kind", "full", "--to",
                                                      "03.16,A00.01", "--size", "1000", "-o",
                                                      path("e.bin"), NULL }), 2); /* no --product */
    ck_assert_int_eq(run(NULL, (const char *const[]){ "inspect", path("missing"), NULL }), 2);
    ck_assert_int_eq(run(NULL, (const char *const[]){ "inspect", NULL }), 2);
    remove_dir();
}
END_TEST

/* A bare model (or the ATI string with its type number) names no product a
 * module accepts: refused with the form to use, no file written.  (Before,
 * "SARA-R510M8S" made a package every module refused with 247.) */
START_TEST(product_must_be_model_and_version)
{
    make_dir();
    static const char *const bad[] = { "SARA-R510M8S", "SARA-R510M8S-01B-00", "SARA-R510M8S-1B", "-01B" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        bytebuf err;
        bytebuf_init(&err);
        ck_assert_int_eq(run_err(NULL, &err, (const char *const[]){ "create", "--kind", "full", "--product", bad[i],
                                                                     "--to", "03.16,A00.01", "--size", "1000", "-o",
                                                                     path("p.bin"), NULL }), 2);
        char want[256];
        snprintf(want, sizeof(want),
                 "sarasim-pkg: --product: expected MODEL-VERSION, the model as AT+CGMM prints it and the product "
                 "version (00B, 01B, 61B), like SARA-R510M8S-01B; no type number suffix such as -00; got \"%s\"\n",
                 bad[i]);
        ck_assert_str_eq((const char *)err.data, want);
        bytebuf_free(&err);
        ck_assert_int_eq(file_size(path("p.bin")), -1);
    }
    /* the other product versions are fine, and the package says which */
    ck_assert_int_eq(run(NULL, (const char *const[]){ "create", "--kind", "full", "--product", "SARA-R500S-61B", "--to",
                                                      "03.16,A00.01", "--size", "1000", "-o", path("p.bin"), NULL }),
                     0);
    int status;
    cJSON *j = inspect("p.bin", (const char *const[]){ "--model", "SARA-R500S", "--product-version", "61B", NULL },
                       &status);
    ck_assert_int_eq(status, 0);
    ck_assert_str_eq(str(cJSON_GetObjectItem(j, "header"), "product"), "SARA-R500S-61B");
    cJSON_Delete(j);
    remove_dir();
}
END_TEST

static Suite *pkg_suite(void)
{
    Suite *s = suite_create("sarasim-pkg");
    TCase *t = tcase_create("cli");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, create_full_4_5_mb_and_inspect);
    tcase_add_test(t, two_runs_write_identical_files);
    tcase_add_test(t, valid_delta_inspects_with_fwinstall);
    tcase_add_test(t, each_break_gives_its_code);
    tcase_add_test(t, truncated_file_reports_its_short_size);
    tcase_add_test(t, xmodem_padding_is_reported_and_ignored);
    tcase_add_test(t, garbage_file_is_158_without_header);
    tcase_add_test(t, usage_errors_exit_2);
    tcase_add_test(t, product_must_be_model_and_version);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(pkg_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
