/* clirun.h - tests that run one of sarasim's command-line tools as a user
 * would: in a temp dir of their own, with their stdout and exit status.
 * (test_harness_cli, test_replay_cli and test_timeline share it.) */
#ifndef SARASIM_TEST_CLIRUN_H
#define SARASIM_TEST_CLIRUN_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protocol/bytebuf.h"

static char dir[64];

static inline void make_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/sarasim-cli-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static inline void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static inline void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static inline char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    bytebuf b;
    bytebuf_init(&b);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        bytebuf_append(&b, buf, n);
    fclose(f);
    bytebuf_append_byte(&b, 0);
    return (char *)b.data;
}

/* Run bin in `dir` with args (NULL-terminated); stdout into *out (stderr
 * too when with_stderr).  Its exit status, or 128 + the signal. */
static inline int run_tool(const char *bin, int with_stderr, char **out, const char *const *args)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(p[1], 1);
        if (with_stderr)
            dup2(p[1], 2);
        close(p[0]);
        close(p[1]);
        if (chdir(dir))
            _exit(126);
        const char *argv[32] = { bin };
        for (int i = 0; args[i] && i < 30; i++)
            argv[i + 1] = args[i];
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    bytebuf b;
    bytebuf_init(&b);
    char buf[4096];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof(buf))) > 0)
        bytebuf_append(&b, buf, (size_t)n);
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    bytebuf_append_byte(&b, 0);
    *out = (char *)b.data;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#endif
