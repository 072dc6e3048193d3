/* report.c - result lines, summary and JUnit XML of sarasim-harness. */
#include "report.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void fmt_wall(double s, char *buf, size_t size)
{
    if (s < 1e-3)
        snprintf(buf, size, "%.0fus", s * 1e6);
    else if (s < 1.0)
        snprintf(buf, size, "%.1fms", s * 1e3);
    else
        snprintf(buf, size, "%.2fs", s);
}

void report_line(FILE *f, const job_report *j)
{
    char wall[32];
    fmt_wall(j->wall_s, wall, sizeof(wall));
    if (j->status == RUN_SKIP || (j->status == RUN_ERROR && !j->step)) {
        fprintf(f, "%-5s %-36s %s\n", run_status_name(j->status), j->name, j->why ? j->why : "");
        return;
    }
    fprintf(f, "%-5s %-36s sim %10.3fs  wall %8s\n", run_status_name(j->status), j->name, j->sim_s, wall);
    if (j->status == RUN_PASS)
        return;
    if (j->step && j->step[0])
        fprintf(f, "      step:     %s %s\n", j->step, j->what ? j->what : "");
    if (j->why)
        fprintf(f, "      why:      %s\n", j->why);
    if (j->expected)
        fprintf(f, "      expected: \"%s\"\n", j->expected);
    if (j->seen)
        fprintf(f, "      seen:     \"%s\"\n", j->seen);
    if (j->trace_path)
        fprintf(f, "      trace:    %s\n", j->trace_path);
    if (j->timeline_path)
        fprintf(f, "      timeline: %s\n", j->timeline_path);
}

static void count(const job_report *jobs, size_t n, size_t c[4], double *sim)
{
    memset(c, 0, 4 * sizeof(c[0]));
    *sim = 0;
    for (size_t i = 0; i < n; i++) {
        c[jobs[i].status]++;
        *sim += jobs[i].sim_s;
    }
}

void report_summary(FILE *f, const job_report *jobs, size_t n, double wall_total)
{
    size_t c[4];
    double sim;
    count(jobs, n, c, &sim);
    char wall[32];
    fmt_wall(wall_total, wall, sizeof(wall));
    fprintf(f, "%zu scenario%s: %zu passed, %zu failed, %zu skipped, %zu errors; %.3fs simulated in %s wall",
            n, n == 1 ? "" : "s", c[RUN_PASS], c[RUN_FAIL], c[RUN_SKIP], c[RUN_ERROR], sim, wall);
    if (wall_total > 0)
        fprintf(f, " (%.1f scenarios/s)", (double)n / wall_total);
    fprintf(f, "\n");
}

/* XML 1.0 text: escape markup, replace control characters. */
static void xml_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: fputc(c < 0x20 && c != '\n' && c != '\t' ? '?' : c, f);
        }
    }
}

static void junit_details(FILE *f, const job_report *j)
{
    if (j->step && j->step[0]) {
        fputs("step: ", f);
        xml_text(f, j->step);
        fputs(" ", f);
        xml_text(f, j->what);
        fputs("\n", f);
    }
    static const struct { const char *label; size_t off; } fields[] = {
        { "expected", offsetof(job_report, expected) },
        { "seen", offsetof(job_report, seen) },
        { "trace", offsetof(job_report, trace_path) },
        { "timeline", offsetof(job_report, timeline_path) },
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const char *v = *(const char *const *)((const char *)j + fields[i].off);
        if (!v)
            continue;
        fprintf(f, "%s: ", fields[i].label);
        xml_text(f, v);
        fputs("\n", f);
    }
}

/* A failed scenario's timeline: its path, and the [[ATTACHMENT|...]] line
 * with which Jenkins' JUnit attachments (and GitLab) link a file to a test
 * case; the attachment wants an absolute path. */
static void junit_attachment(FILE *f, const char *path)
{
    char abs[PATH_MAX];
    fputs("timeline: ", f);
    xml_text(f, path);
    fputs("\n[[ATTACHMENT|", f);
    xml_text(f, realpath(path, abs) ? abs : path);
    fputs("]]\n", f);
}

static void junit_case(FILE *f, const job_report *j)
{
    fputs("    <testcase classname=\"sarasim.scenarios\" name=\"", f);
    xml_text(f, j->name);
    fputs("\" file=\"", f);
    xml_text(f, j->file);
    fprintf(f, "\" time=\"%.6f\">\n", j->wall_s);
    fprintf(f, "      <properties><property name=\"simulated_seconds\" value=\"%.6f\"/>", j->sim_s);
    if (j->timeline_path) {
        fputs("<property name=\"timeline\" value=\"", f);
        xml_text(f, j->timeline_path);
        fputs("\"/>", f);
    }
    fputs("</properties>\n", f);
    static const char *const tags[] = { NULL, "failure", "skipped", "error" };
    if (tags[j->status]) {
        fprintf(f, "      <%s message=\"", tags[j->status]);
        xml_text(f, j->why);
        fputs("\">", f);
        junit_details(f, j);
        fprintf(f, "</%s>\n", tags[j->status]);
    }
    if (j->trace_path || j->timeline_path) {
        fputs("      <system-out>", f);
        if (j->trace_path) {
            fputs("trace: ", f);
            xml_text(f, j->trace_path);
            fputs("\n", f);
        }
        if (j->timeline_path && (j->status == RUN_FAIL || j->status == RUN_ERROR))
            junit_attachment(f, j->timeline_path);
        fputs("</system-out>\n", f);
    }
    fputs("    </testcase>\n", f);
}

int report_junit(const char *path, const job_report *jobs, size_t n, double wall_total)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -errno;
    size_t c[4];
    double sim;
    count(jobs, n, c, &sim);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"sarasim-harness\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
               "time=\"%.6f\">\n",
            n, c[RUN_FAIL], c[RUN_ERROR], c[RUN_SKIP], wall_total);
    fprintf(f, "  <testsuite name=\"scenarios\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
               "time=\"%.6f\">\n",
            n, c[RUN_FAIL], c[RUN_ERROR], c[RUN_SKIP], wall_total);
    for (size_t i = 0; i < n; i++)
        junit_case(f, &jobs[i]);
    fputs("  </testsuite>\n</testsuites>\n", f);
    int bad = ferror(f);
    return fclose(f) || bad ? -EIO : 0;
}
