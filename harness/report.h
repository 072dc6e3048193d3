/* report.h - what sarasim-harness prints: one line per scenario (and the
 * details of a failure), a summary, and JUnit XML for CI systems. */
#ifndef SARASIM_REPORT_H
#define SARASIM_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "runner.h"

typedef struct job_report {
    const char *file;       /* the scenario file as given */
    const char *name;       /* its "name" (or file name) */
    run_status status;
    double sim_s, wall_s;
    const char *step;       /* failing step path, may be NULL/"" */
    const char *what;       /* that step described */
    const char *why;
    const char *expected;   /* escaped bytes, may be NULL */
    const char *seen;       /* escaped bytes, may be NULL */
    const char *trace_path; /* written trace, may be NULL */
    const char *timeline_path; /* its timeline (HTML), may be NULL */
} job_report;

/* "PASS  name  sim 23.400s  wall 1.2ms" and, unless it passed, the details. */
void report_line(FILE *f, const job_report *j);
/* "N scenarios: ... passed, ... (X scenarios/s)". */
void report_summary(FILE *f, const job_report *jobs, size_t n, double wall_total);
/* Write a JUnit XML file.  0 or -errno. */
int report_junit(const char *path, const job_report *jobs, size_t n, double wall_total);

#endif
