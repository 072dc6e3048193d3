/* sarasim-timeline - draw a trace as a timeline in one HTML file.
 *
 *   sarasim-timeline [--title T] [--collapse S] TRACE -o out.html
 *
 * TRACE is any trace sarasim writes: `sarasim --trace FILE` (a live run),
 * `sarasim-harness --trace-dir DIR`, `sarasim-replay --run --trace FILE`.
 * The page needs no network and no framework (docs/timeline.md).
 * Exit status: 0, 1 when TRACE holds no trace line, 2 on usage or I/O
 * errors. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/sc_json.h"
#include "harness/timeline/tl_html.h"

#define TRACE_MAX (1u << 30) /* a day of a busy module is a few hundred MB */

static const char usage_text[] = "usage: sarasim-timeline [--title T] [--collapse SECONDS] TRACE -o out.html\n"
                                 "  --title T        the page's title (default: the scenario the trace names, or TRACE)\n"
                                 "  --collapse S     idle stretches longer than S seconds are collapsed (default 10)\n";

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "title", required_argument, NULL, 't' }, { "collapse", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },        { NULL, 0, NULL, 0 },
    };
    const char *out = NULL, *title = NULL;
    tl_html_opts o = { 0, NULL };
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 't': title = optarg; break;
        case 'c':
            o.collapse_s = strtod(optarg, &end);
            if (*end || !(o.collapse_s > 0 && o.collapse_s <= 86400)) {
                fprintf(stderr, "sarasim-timeline: --collapse: expected seconds, more than 0\n");
                return 2;
            }
            break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: fputs(usage_text, stderr); return 2;
        }
    }
    if (optind + 1 != argc || !out) {
        fputs(usage_text, stderr);
        return 2;
    }
    const char *trace = argv[optind];
    bytebuf text, page;
    bytebuf_init(&text);
    bytebuf_init(&page);
    int rc = sc_read_file(trace, TRACE_MAX, &text);
    if (rc) {
        fprintf(stderr, "sarasim-timeline: %s: %s\n", trace, sc_read_error(rc));
        return 2;
    }
    o.source = trace;
    if (tl_html_render(title ? title : trace, text.data ? text.data : (const uint8_t *)"", text.len, &o, &page)) {
        fprintf(stderr, "sarasim-timeline: %s: no trace line in it (format: README.md, Trace format)\n", trace);
        bytebuf_free(&text);
        return 1;
    }
    FILE *f = fopen(out, "w");
    int bad = !f || fwrite(page.data, 1, page.len, f) != page.len;
    if (f)
        bad |= fclose(f) != 0;
    if (bad)
        fprintf(stderr, "sarasim-timeline: %s: %s\n", out, strerror(errno));
    bytebuf_free(&text);
    bytebuf_free(&page);
    return bad ? 2 : 0;
}
