/* sarasim-replay - turn a device's AT log into a scenario, or replay it
 * against the simulator and show where the two part ways
 * (docs/reproducing-field-failures.md).
 *
 *   sarasim-replay [options] LOG -o SCENARIO.json
 *   sarasim-replay --run [options] LOG
 *
 * Exit status: writing: 0, or 2 (usage, a log it cannot read).  --run: 0
 * when every line the field module sent is the same in the simulation (and
 * nothing more came), 1 when they differ, 2 on an error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/sc_json.h"
#include "harness/scenario.h"
#include "protocol/dur.h"
#include "harness/replay/infer.h"
#include "harness/replay/rdiff.h"
#include "harness/replay/replay_run.h"
#include "harness/replay/rlog.h"
#include "harness/replay/sc_writer.h"
#include "harness/replay/session.h"
#include "harness/timeline/tl_html.h"

#define LOG_MAX (256u << 20)

static const char usage_text[] =
    "usage: sarasim-replay [options] LOG -o SCENARIO.json\n"
    "       sarasim-replay --run [options] LOG\n"
    "  -o FILE            write the scenario (and FILE's .xmodemN.bin next to it for transfers a trace shows)\n"
    "  --run              replay LOG against the simulator and print where the answers differ\n"
    "  --format F         auto (default), trace, capture, ubxlib, stamped\n"
    "  --lenient          values that always differ (IMEI, ICCID, IMSI, IP addresses, times, cell, signal,\n"
    "                     operator, counters, hashes) do not count\n"
    "  --scenario FILE    --run: the device and world of FILE (your copy with the fault), not the log's\n"
    "  --full             --run: print every line, not only the differences and 3 lines around them\n"
    "  --trace FILE       --run: write the run's trace\n"
    "  --timeline FILE    --run: draw the run as a timeline (HTML)\n"
    "  --name NAME        the scenario's name (default: the log's file name)\n"
    "  --start DUR        when the first answered command goes out after power-on (default 6s; not for traces)\n"
    "  --echo on|off      whether the module echoes where the log starts (default on, the factory setting)\n"
    "  --no-device        keep sarasim's default module instead of the one the log shows\n"
    "  --package FILE     the image the host sent by Xmodem, when the log does not carry it\n"
    "  --package-to VER   ... or a generated full image to VER (default: the next minor version)\n"
    "  --package-size N   ... of N bytes (default 200000)\n";

typedef struct options {
    const char *log, *out, *scenario, *trace, *timeline, *name, *package, *package_to;
    rlog_format fmt;
    int run, lenient, full, no_device, echo;
    int64_t start;
    long package_size;
} options;

static int usage(const char *why)
{
    if (why)
        fprintf(stderr, "sarasim-replay: %s\n", why);
    fputs(usage_text, stderr);
    return 2;
}

static int parse_args(int argc, char **argv, options *o)
{
    enum { O_RUN = 1, O_FORMAT, O_LENIENT, O_SCENARIO, O_FULL, O_TRACE, O_TIMELINE, O_NAME, O_START, O_ECHO,
           O_NO_DEVICE, O_PACKAGE, O_PACKAGE_TO, O_PACKAGE_SIZE, O_HELP };
    static const struct option longopts[] = {
        { "run", no_argument, NULL, O_RUN },           { "format", required_argument, NULL, O_FORMAT },
        { "lenient", no_argument, NULL, O_LENIENT },   { "scenario", required_argument, NULL, O_SCENARIO },
        { "full", no_argument, NULL, O_FULL },         { "trace", required_argument, NULL, O_TRACE },
        { "timeline", required_argument, NULL, O_TIMELINE }, { "name", required_argument, NULL, O_NAME },
        { "start", required_argument, NULL, O_START }, { "echo", required_argument, NULL, O_ECHO },
        { "no-device", no_argument, NULL, O_NO_DEVICE }, { "package", required_argument, NULL, O_PACKAGE },
        { "package-to", required_argument, NULL, O_PACKAGE_TO },
        { "package-size", required_argument, NULL, O_PACKAGE_SIZE }, { "help", no_argument, NULL, O_HELP },
        { NULL, 0, NULL, 0 },
    };
    o->start = -1;
    o->echo = -1;
    int c;
    uint64_t ns;
    char *end;
    while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case O_RUN: o->run = 1; break;
        case O_FORMAT:
            if (rlog_format_from_name(optarg, &o->fmt))
                return usage("--format: expected auto, trace, capture, ubxlib or stamped");
            break;
        case O_LENIENT: o->lenient = 1; break;
        case O_SCENARIO: o->scenario = optarg; break;
        case O_FULL: o->full = 1; break;
        case O_TRACE: o->trace = optarg; break;
        case O_TIMELINE: o->timeline = optarg; break;
        case O_NAME: o->name = optarg; break;
        case O_START:
            if (dur_parse(optarg, &ns) || ns > 86400ull * 1000000000ull)
                return usage("--start: expected a duration like \"6s\"");
            o->start = (int64_t)ns;
            break;
        case O_ECHO:
            if (strcmp(optarg, "on") && strcmp(optarg, "off"))
                return usage("--echo: expected on or off");
            o->echo = !strcmp(optarg, "on");
            break;
        case O_NO_DEVICE: o->no_device = 1; break;
        case O_PACKAGE: o->package = optarg; break;
        case O_PACKAGE_TO: o->package_to = optarg; break;
        case O_PACKAGE_SIZE:
            o->package_size = strtol(optarg, &end, 10);
            if (*end || o->package_size < 200 || o->package_size > (64L << 20))
                return usage("--package-size: expected bytes from 200 to 64 MB");
            break;
        case O_HELP: fputs(usage_text, stdout); exit(0);
        default: return usage(NULL);
        }
    }
    if (optind + 1 != argc)
        return usage("expected one LOG");
    o->log = argv[optind];
    if (!o->run && !o->out)
        return usage("expected -o SCENARIO.json or --run");
    if (!o->run && (o->scenario || o->trace || o->timeline || o->full))
        return usage("--scenario, --trace, --timeline and --full go with --run");
    return 0;
}

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -errno;
    int bad = n && fwrite(p, 1, n, f) != n;
    bad |= fclose(f) != 0;
    return bad ? -EIO : 0;
}

/* "field-foat-40pct" from "tests/data/field-foat-40pct.log" */
static void base_name(const char *path, char *out, size_t size)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    const char *dot = strrchr(b, '.');
    size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
    snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), b);
}

static int load_session(const options *o, session *s, s_device *d)
{
    bytebuf text;
    bytebuf_init(&text);
    int rc = sc_read_file(o->log, LOG_MAX, &text);
    if (rc) {
        fprintf(stderr, "sarasim-replay: %s: %s\n", o->log, sc_read_error(rc));
        bytebuf_free(&text);
        return -1;
    }
    rlog l;
    rlog_init(&l);
    char err[512];
    session_opts so = { o->start, o->echo };
    rc = rlog_parse(&l, o->fmt, text.data ? text.data : (const uint8_t *)"", text.len, err, sizeof(err));
    if (!rc)
        rc = session_build(s, &l, &so, err, sizeof(err));
    if (rc)
        fprintf(stderr, "sarasim-replay: %s: %s\n", o->log, err);
    else
        infer_device(s, d);
    rlog_free(&l);
    bytebuf_free(&text);
    return rc;
}

static void writer_options(const options *o, const char *name, writer_opts *w)
{
    memset(w, 0, sizeof(*w));
    w->name = name;
    w->log_name = o->log;
    w->lenient = o->lenient;
    w->no_device = o->no_device;
    w->package = o->package;
    w->package_to = o->package_to;
    w->package_size = o->package_size;
}

static int write_scenario(const options *o, const session *s, const s_device *d, const char *name)
{
    char prefix[4096], err[256];
    snprintf(prefix, sizeof(prefix), "%s", o->out);
    size_t pl = strlen(prefix);
    if (pl > 5 && !strcmp(prefix + pl - 5, ".json"))
        prefix[pl - 5] = 0;
    writer_opts w;
    writer_options(o, name, &w);
    w.blob_prefix = prefix;
    sc_output out;
    sc_output_init(&out);
    int rc = sc_write(s, d, &w, &out, err, sizeof(err));
    for (size_t i = 0; !rc && i < out.nblobs; i++)
        if ((rc = write_file(out.blobs[i].name, out.blobs[i].data, out.blobs[i].len)))
            fprintf(stderr, "sarasim-replay: %s: %s\n", out.blobs[i].name, strerror(-rc));
    if (!rc && (rc = write_file(o->out, out.json.data, out.json.len)))
        fprintf(stderr, "sarasim-replay: %s: %s\n", o->out, strerror(-rc));
    if (!rc)
        fprintf(stderr, "sarasim-replay: %s: %s log, %zu lines%s -> %s\n", o->log, rlog_format_name(s->fmt),
                s->log_lines, s->dropped_boot ? " (commands sent while the module booted left out)" : "", o->out);
    sc_output_free(&out);
    return rc ? 2 : 0;
}

static int run(const options *o, const session *s, const s_device *d, const char *name)
{
    char err[1024];
    writer_opts w;
    writer_options(o, name, &w);
    sc_output out;
    sc_output_init(&out);
    scenario script, env;
    memset(&script, 0, sizeof(script));
    memset(&env, 0, sizeof(env));
    int have_env = 0, rc = sc_write(s, d, &w, &out, err, sizeof(err));
    if (!rc)
        rc = scenario_parse(&script, name, ".", (const char *)out.json.data, out.json.len, err, sizeof(err));
    if (!rc && o->scenario) {
        rc = scenario_load(&env, o->scenario, err, sizeof(err));
        have_env = !rc;
    }
    replay_result r;
    memset(&r, 0, sizeof(r));
    if (!rc)
        rc = replay_run(s, o->scenario ? &env : &script, &script, o->lenient, &r, err, sizeof(err));
    int status = 2;
    if (rc) {
        fprintf(stderr, "sarasim-replay: %s\n", err);
    } else {
        rdiff df;
        if (!rdiff_build(&df, s, &r, o->lenient)) {
            const scenario *e = o->scenario ? &env : &script;
            printf("sarasim-replay: %s (%s log, %zu lines) against %s-%s %s%s%s\n", o->log, rlog_format_name(s->fmt),
                   s->log_lines, e->device.dev.model, e->device.dev.product, e->device.dev.firmware,
                   o->scenario ? " from " : "", o->scenario ? o->scenario : "");
            rdiff_print(stdout, &df, s, &r, o->full ? -1 : 3);
            status = df.first < 0 ? 0 : 1;
            rdiff_free(&df);
        }
        if (o->trace && write_file(o->trace, r.trace.data, r.trace.len)) {
            fprintf(stderr, "sarasim-replay: --trace %s: %s\n", o->trace, strerror(errno));
            status = 2;
        }
        if (o->timeline && tl_html_write_file(o->timeline, name, r.trace.data, r.trace.len)) {
            fprintf(stderr, "sarasim-replay: --timeline %s: cannot write it\n", o->timeline);
            status = 2;
        }
    }
    replay_result_free(&r);
    if (have_env)
        scenario_free(&env);
    scenario_free(&script);
    sc_output_free(&out);
    return status;
}

int main(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof(o));
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    char name[256];
    if (o.name)
        snprintf(name, sizeof(name), "%s", o.name);
    else
        base_name(o.log, name, sizeof(name));
    session s;
    s_device d;
    if (load_session(&o, &s, &d))
        return 2;
    rc = o.run ? run(&o, &s, &d, name) : write_scenario(&o, &s, &d, name);
    session_free(&s);
    return rc;
}
