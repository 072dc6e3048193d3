/* tl_html.h - a run as one self-contained HTML page: a header (name,
 * result, what it holds), a legend, the timeline as inline SVG (tl_svg.h),
 * a stylesheet, and a few lines of plain script for zoom buttons.  No
 * network, no framework; without script the page is the same minus zoom
 * (the browser's own zoom works too). */
#ifndef SARASIM_TL_HTML_H
#define SARASIM_TL_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/bytebuf.h"

typedef struct tl_html_opts {
    double collapse_s; /* idle stretches longer than this are collapsed; 0: the default (10 s) */
    const char *source; /* what the trace came from, shown in the header (may be NULL) */
} tl_html_opts;

/* The page for a trace.  0, or -1 when the bytes hold no trace line. */
int tl_html_render(const char *title, const uint8_t *trace, size_t len, const tl_html_opts *o, bytebuf *out);
/* ... written to path (atomically: a temp file renamed).  0 or -errno. */
int tl_html_write_file(const char *path, const char *title, const uint8_t *trace, size_t len);

#endif
