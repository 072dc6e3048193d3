/* tl_svg.h - a timeline model drawn as SVG: a sequence diagram.
 *
 * Columns, left to right: the simulated time, the state bands (power,
 * registration, firmware-update phase, firmware version), the host's and
 * the module's lifelines with the AT traffic between them, one lifeline per
 * server lane.  Rows follow tl_layout.h.  Every element carries a class
 * (and data- attributes) a test or a stylesheet can find:
 *
 *   svg#timeline[data-lanes="host module lwm2m peer"]
 *   g.lane[data-lane=...]            a lifeline
 *   g.ev.cmd / .resp.ok / .resp.error / .urc / .hdata / .mdata / .lane-ev / .note / .state
 *   g.xmodem[data-blocks][data-naks][data-status]
 *   g.band[data-band=power|registration|fw update|firmware] > rect.seg[data-value]
 *   g.fault, g.fail, g.result
 *   g.gap[data-seconds]              a collapsed stretch
 *
 * Each event's <title> holds its time and full text (a tooltip, no script).
 * The header (lane names) is a separate <svg id="lanes"> so a page can keep
 * it in view while the body scrolls.
 */
#ifndef SARASIM_TL_SVG_H
#define SARASIM_TL_SVG_H

#include "protocol/bytebuf.h"
#include "tl_layout.h"
#include "tl_model.h"

/* Lane header colours, exact: the browser test looks for them in a
 * screenshot. */
#define TL_COLOR_HOST "#1f6feb"
#define TL_COLOR_MODULE "#8957e5"
extern const char *const tl_lane_colors[]; /* server lanes, in order; cycles */
extern const unsigned tl_lane_ncolors;

typedef struct tl_geometry {
    double width, height;
    double x_time, x_bands, band_w, x_host, x_module, lane_gap;
} tl_geometry;

void tl_geometry_of(const tl_model *m, const tl_layout *L, tl_geometry *g);
/* The header: lane names over their lifelines. */
void tl_svg_header(const tl_model *m, const tl_geometry *g, bytebuf *out);
/* The body: bands, lifelines, events, breaks. */
void tl_svg_body(const tl_model *m, const tl_layout *L, const tl_geometry *g, bytebuf *out);
/* XML text: markup escaped, control characters as U+FFFD. */
void tl_xml_text(bytebuf *out, const char *s);

#endif
