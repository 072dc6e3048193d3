/* harness_main.c - sarasim-harness: run scenario files headless.
 *
 *   sarasim-harness [--junit FILE] [--trace-dir DIR] [--timeline DIR] [-j N] [--timeout S] SCENARIO...
 *
 * Each scenario runs in a child process of its own (as libuv's test runner
 * does), N at a time: a crash is reported as that scenario's error and the
 * others go on, and no scenario can see another's state.  A child still
 * running after --timeout seconds of wall time is killed and its scenario
 * failed ("timeout after S s"), so one bad file cannot hang a CI job.
 * Results come back as one JSON object per child over a pipe and are
 * printed in the order the files were given, whatever order they finish in.
 *
 * Exit status: 0 if none failed, 1 if any failed or had an error, 2 on a
 * usage error, 77 when every scenario was skipped (ctest SKIP_RETURN_CODE).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "runner.h"
#include "harness/timeline/tl_html.h"

#define EXIT_ALL_SKIPPED 77
#define DEFAULT_TIMEOUT_S 60.0
#define MAX_TIMEOUT_S 86400.0

typedef struct job {
    const char *file;
    char trace_name[256];
    char timeline_name[256];
    pid_t pid;
    int fd;
    double deadline; /* wall time (now_s) after which the child is killed */
    char state_root[4096]; /* the child's state dirs go here: removed after it,
                            * even when it was killed */
    bytebuf out; /* the child's JSON result */
    int finished;
    job_report rep;
    cJSON *json; /* owns the strings rep points at */
    char *trace_path;
} job;

typedef struct options {
    const char *junit;
    const char *trace_dir;
    const char *timeline_dir; /* one HTML timeline per scenario goes here */
    int jobs;
    double timeout_s; /* per scenario, wall time; 0: none */
} options;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* reporting only: never reaches a trace */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: sarasim-harness [--junit FILE] [--trace-dir DIR] [--timeline DIR] [-j N] [--timeout S] "
               "SCENARIO...\n"
               "  --junit FILE      write JUnit XML results to FILE\n"
               "  --trace-dir DIR   write every scenario's trace to DIR/<name>.trace\n"
               "                    (without it, only failed scenarios' traces are kept, in a temp dir)\n"
               "  --timeline DIR    draw every scenario's run as DIR/<name>.html (docs/timeline.md)\n"
               "  -j, --jobs N      run N scenarios at a time (default 1)\n"
               "  --timeout S       fail a scenario still running after S seconds of wall time\n"
               "                    (default 60; 0: no limit)\n"
               "  --help, --version\n"
               "Format of scenario files: docs/scenarios.md\n");
}

static int parse_args(int argc, char **argv, options *o)
{
    enum { O_JUNIT = 1, O_TRACE_DIR, O_TIMELINE, O_TIMEOUT, O_HELP, O_VERSION };
    static const struct option longopts[] = {
        { "junit", required_argument, NULL, O_JUNIT },   { "trace-dir", required_argument, NULL, O_TRACE_DIR },
        { "jobs", required_argument, NULL, 'j' },        { "timeout", required_argument, NULL, O_TIMEOUT },
        { "timeline", required_argument, NULL, O_TIMELINE },
        { "help", no_argument, NULL, O_HELP },           { "version", no_argument, NULL, O_VERSION },
        { NULL, 0, NULL, 0 },
    };
    o->jobs = 1;
    o->timeout_s = DEFAULT_TIMEOUT_S;
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "j:", longopts, NULL)) != -1) {
        switch (c) {
        case O_JUNIT: o->junit = optarg; break;
        case O_TRACE_DIR: o->trace_dir = optarg; break;
        case O_TIMELINE: o->timeline_dir = optarg; break;
        case 'j':
            o->jobs = (int)strtol(optarg, &end, 10);
            if (*end || o->jobs < 1 || o->jobs > 256) {
                fprintf(stderr, "sarasim-harness: -j: expected a number from 1 to 256, got \"%s\"\n", optarg);
                return -1;
            }
            break;
        case O_TIMEOUT:
            o->timeout_s = strtod(optarg, &end);
            if (end == optarg || *end || !(o->timeout_s >= 0 && o->timeout_s <= MAX_TIMEOUT_S)) {
                fprintf(stderr, "sarasim-harness: --timeout: expected seconds from 0 (no limit) to %.0f, got \"%s\"\n",
                        MAX_TIMEOUT_S, optarg);
                return -1;
            }
            break;
        case O_HELP: usage(stdout); exit(0);
        case O_VERSION: printf("sarasim-harness %s\n", SARASIM_VERSION); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* ---------------- the child ---------------- */

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static char *save_trace(const char *dir, const char *name, const bytebuf *trace)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    int bad = trace->len && fwrite(trace->data, 1, trace->len, f) != trace->len;
    bad |= fclose(f) != 0;
    return bad ? NULL : strdup(path);
}

static void add_str(cJSON *o, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, key, v);
}

/* The run drawn as DIR/<name>.html; its path, or NULL. */
static char *save_timeline(const char *dir, const job *j, const char *title, const bytebuf *trace)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, j->timeline_name);
    return tl_html_write_file(path, title, trace->data, trace->len) ? NULL : strdup(path);
}

/* Run one scenario; the result goes to fd as JSON. */
static void child_run(const job *j, const char *trace_dir, const char *timeline_dir, const char *fail_dir, int fd)
{
    run_opts ro = { .state_root = j->state_root[0] ? j->state_root : NULL };
    double t0 = now_s();
    scenario sc;
    run_result res;
    memset(&res, 0, sizeof(res));
    char err[1024];
    cJSON *o = cJSON_CreateObject();
    if (scenario_load(&sc, j->file, err, sizeof(err))) {
        res.status = RUN_ERROR;
        cJSON_AddStringToObject(o, "why", err);
    } else {
        runner_run(&sc, &ro, &res);
        cJSON_AddStringToObject(o, "name", sc.name);
        add_str(o, "step", res.step[0] ? res.step : NULL);
        add_str(o, "what", res.what);
        add_str(o, "why", res.why);
        add_str(o, "expected", res.expected);
        add_str(o, "seen", res.seen);
        const char *dir = trace_dir ? trace_dir : res.status == RUN_FAIL || res.status == RUN_ERROR ? fail_dir : NULL;
        char *path = dir && res.status != RUN_SKIP ? save_trace(dir, j->trace_name, &res.trace) : NULL;
        add_str(o, "trace", path);
        free(path);
        path = timeline_dir && res.status != RUN_SKIP ? save_timeline(timeline_dir, j, sc.name, &res.trace) : NULL;
        add_str(o, "timeline", path);
        free(path);
        scenario_free(&sc);
    }
    cJSON_AddNumberToObject(o, "status", res.status);
    cJSON_AddNumberToObject(o, "sim_s", (double)res.sim_end / 1e9);
    cJSON_AddNumberToObject(o, "wall_s", now_s() - t0);
    char *text = cJSON_PrintUnformatted(o);
    if (text)
        write_all(fd, text, strlen(text));
    free(text);
    cJSON_Delete(o);
    run_result_free(&res);
}

/* ---------------- the parent ---------------- */

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void finish_job(job *j, int wstatus)
{
    j->finished = 1;
    j->rep.file = j->file;
    j->rep.name = j->file;
    j->json = cJSON_ParseWithLength(j->out.data ? (const char *)j->out.data : "", j->out.len);
    if (!j->json || !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j->json, "status")) || !WIFEXITED(wstatus) ||
        WEXITSTATUS(wstatus) != 0) {
        char why[160];
        if (WIFSIGNALED(wstatus))
            snprintf(why, sizeof(why), "the run crashed (signal %d: %s)", WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
        else if (j->json)
            snprintf(why, sizeof(why), "the run reported its result, then exited with status %d (a sanitizer "
                                       "report on stderr?)", WEXITSTATUS(wstatus));
        else
            snprintf(why, sizeof(why), "the run ended without a result (exit status %d)", WEXITSTATUS(wstatus));
        cJSON_Delete(j->json);
        j->json = cJSON_CreateObject();
        cJSON_AddStringToObject(j->json, "why", why);
        cJSON_AddNumberToObject(j->json, "status", RUN_ERROR);
    }
    const cJSON *o = j->json;
    j->rep.status = (run_status)cJSON_GetObjectItemCaseSensitive(o, "status")->valueint;
    const cJSON *sim = cJSON_GetObjectItemCaseSensitive(o, "sim_s"), *wall = cJSON_GetObjectItemCaseSensitive(o, "wall_s");
    j->rep.sim_s = cJSON_IsNumber(sim) ? sim->valuedouble : 0;
    j->rep.wall_s = cJSON_IsNumber(wall) ? wall->valuedouble : 0;
    if (jstr(o, "name"))
        j->rep.name = jstr(o, "name");
    j->rep.step = jstr(o, "step");
    j->rep.what = jstr(o, "what");
    j->rep.why = jstr(o, "why");
    j->rep.expected = jstr(o, "expected");
    j->rep.seen = jstr(o, "seen");
    j->rep.trace_path = jstr(o, "trace");
    j->rep.timeline_path = jstr(o, "timeline");
}

/* The child is gone: its state root too (left full when it was killed). */
static void remove_state_root(job *j)
{
    if (j->state_root[0])
        runner_remove_tree(j->state_root);
    j->state_root[0] = 0;
}

/* The child overran --timeout: killed, its scenario failed. */
static void finish_timed_out(job *j, double timeout_s)
{
    kill(j->pid, SIGKILL);
    int ws = 0;
    waitpid(j->pid, &ws, 0);
    j->pid = 0;
    close(j->fd);
    j->fd = -1;
    remove_state_root(j);
    char why[64];
    snprintf(why, sizeof(why), "timeout after %g s", timeout_s);
    j->finished = 1;
    j->json = cJSON_CreateObject();
    cJSON_AddStringToObject(j->json, "why", why);
    j->rep = (job_report){ .file = j->file, .name = j->file, .status = RUN_FAIL, .wall_s = timeout_s,
                           .why = jstr(j->json, "why") };
}

static int spawn(job *j, const options *o, const char *fail_dir)
{
    snprintf(j->state_root, sizeof(j->state_root), "%s/sarasim-harness-job-XXXXXX", runner_default_state_root());
    if (!mkdtemp(j->state_root))
        j->state_root[0] = 0; /* the runner makes its own, as a plain run does */
    int p[2];
    if (pipe(p)) {
        remove_state_root(j);
        return -errno;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        remove_state_root(j);
        return -e;
    }
    if (pid == 0) {
        close(p[0]);
        child_run(j, o->trace_dir, o->timeline_dir, fail_dir, p[1]);
        close(p[1]);
        exit(0); /* not _exit: under ASan the leak check runs at exit */
    }
    close(p[1]);
    j->pid = pid;
    j->fd = p[0];
    j->deadline = o->timeout_s > 0 ? now_s() + o->timeout_s : 0;
    return 0;
}

/* Milliseconds until the earliest running child's deadline (-1: none). */
static int poll_timeout_ms(const job *jobs, size_t n)
{
    double first = 0;
    for (size_t i = 0; i < n; i++)
        if (jobs[i].pid > 0 && jobs[i].deadline > 0 && (!first || jobs[i].deadline < first))
            first = jobs[i].deadline;
    if (!first)
        return -1;
    double ms = (first - now_s()) * 1e3;
    return ms <= 0 ? 0 : ms > 3600e3 ? 3600 * 1000 : (int)ms + 1;
}

/* Read from the running children until one has closed its pipe (reap it)
 * or overrun its deadline (kill it). */
static void collect_one(job *jobs, size_t n, double timeout_s)
{
    struct pollfd pfd[256];
    size_t map[256], k = 0;
    for (size_t i = 0; i < n && k < 256; i++) {
        if (jobs[i].pid > 0 && jobs[i].fd >= 0) {
            pfd[k] = (struct pollfd){ jobs[i].fd, POLLIN, 0 };
            map[k++] = i;
        }
    }
    int ready = poll(pfd, k, poll_timeout_ms(jobs, n));
    double now = now_s();
    for (size_t q = 0; q < k; q++) {
        job *j = &jobs[map[q]];
        if (j->deadline > 0 && now >= j->deadline && !(ready > 0 && pfd[q].revents)) {
            finish_timed_out(j, timeout_s);
            pfd[q].revents = 0;
        }
    }
    if (ready <= 0)
        return;
    for (size_t q = 0; q < k; q++) {
        if (!pfd[q].revents)
            continue;
        job *j = &jobs[map[q]];
        char buf[65536];
        ssize_t r = read(j->fd, buf, sizeof(buf));
        if (r > 0) {
            bytebuf_append(&j->out, buf, (size_t)r);
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        close(j->fd);
        j->fd = -1;
        int ws = 0;
        waitpid(j->pid, &ws, 0);
        j->pid = 0;
        remove_state_root(j);
        finish_job(j, ws);
    }
}

/* Trace file names: the scenario's file name, made unique. */
static void name_traces(job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *base = strrchr(jobs[i].file, '/');
        base = base ? base + 1 : jobs[i].file;
        size_t len = strlen(base);
        if (len > 5 && !strcmp(base + len - 5, ".json"))
            len -= 5;
        snprintf(jobs[i].trace_name, sizeof(jobs[i].trace_name), "%.*s.trace", (int)(len < 200 ? len : 200), base);
        for (size_t k = 0; k < i; k++) {
            if (!strcmp(jobs[k].trace_name, jobs[i].trace_name)) {
                snprintf(jobs[i].trace_name, sizeof(jobs[i].trace_name), "%.*s-%zu.trace", (int)(len < 200 ? len : 200),
                         base, i + 1);
                break;
            }
        }
        size_t tl = strlen(jobs[i].trace_name) - strlen(".trace"); /* the timeline: the same name, .html */
        snprintf(jobs[i].timeline_name, sizeof(jobs[i].timeline_name), "%.*s.html", (int)tl, jobs[i].trace_name);
    }
}

static int prepare_dirs(const options *o, char *fail_dir, size_t size)
{
    fail_dir[0] = 0;
    if (o->timeline_dir && mkdir(o->timeline_dir, 0777) && errno != EEXIST) {
        fprintf(stderr, "sarasim-harness: --timeline %s: %s\n", o->timeline_dir, strerror(errno));
        return -1;
    }
    if (o->trace_dir) {
        if (mkdir(o->trace_dir, 0777) && errno != EEXIST) {
            fprintf(stderr, "sarasim-harness: --trace-dir %s: %s\n", o->trace_dir, strerror(errno));
            return -1;
        }
        return 0;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(fail_dir, size, "%s/sarasim-traces-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fail_dir)) {
        fprintf(stderr, "sarasim-harness: cannot create a trace dir: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

static int exit_status(const job *jobs, size_t n)
{
    size_t skipped = 0;
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].rep.status == RUN_FAIL || jobs[i].rep.status == RUN_ERROR)
            return 1;
        skipped += jobs[i].rep.status == RUN_SKIP;
    }
    return skipped == n ? EXIT_ALL_SKIPPED : 0;
}

int main(int argc, char **argv)
{
    options o = { 0 };
    if (parse_args(argc, argv, &o))
        return 2;
    char fail_dir[4096];
    if (prepare_dirs(&o, fail_dir, sizeof(fail_dir)))
        return 2;
    size_t n = (size_t)(argc - optind);
    job *jobs = calloc(n, sizeof(*jobs));
    job_report *reps = calloc(n, sizeof(*reps));
    if (!jobs || !reps)
        return 2;
    for (size_t i = 0; i < n; i++) {
        jobs[i].file = argv[optind + (int)i];
        jobs[i].fd = -1;
        bytebuf_init(&jobs[i].out);
    }
    name_traces(jobs, n);
    double t0 = now_s();
    size_t next = 0, printed = 0, running = 0;
    while (printed < n) {
        while (next < n && running < (size_t)o.jobs) {
            if (spawn(&jobs[next], &o, fail_dir[0] ? fail_dir : NULL)) {
                finish_job(&jobs[next], 1 << 8); /* "ended without a result" */
            } else {
                running++;
            }
            next++;
        }
        if (running)
            collect_one(jobs, next, o.timeout_s);
        running = 0;
        for (size_t i = 0; i < next; i++)
            running += jobs[i].pid > 0;
        while (printed < n && jobs[printed].finished) {
            report_line(stdout, &jobs[printed].rep);
            fflush(stdout);
            printed++;
        }
    }
    double wall = now_s() - t0;
    for (size_t i = 0; i < n; i++)
        reps[i] = jobs[i].rep;
    report_summary(stdout, reps, n, wall);
    int rc = exit_status(jobs, n);
    int jr = o.junit ? report_junit(o.junit, reps, n, wall) : 0;
    if (jr) {
        fprintf(stderr, "sarasim-harness: --junit %s: %s\n", o.junit, strerror(-jr));
        rc = 1;
    }
    if (fail_dir[0])
        rmdir(fail_dir); /* kept only if a failed scenario left its trace there */
    for (size_t i = 0; i < n; i++) {
        cJSON_Delete(jobs[i].json);
        bytebuf_free(&jobs[i].out);
    }
    free(jobs);
    free(reps);
    return rc;
}
