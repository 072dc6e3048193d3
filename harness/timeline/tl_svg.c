/* tl_svg.c - a timeline model drawn as SVG (see tl_svg.h). */
#include "tl_svg.h"

#include <stdio.h>
#include <string.h>

#define HEADER_H 46.0
#define CHAR_W 6.6   /* 11 px monospace */
#define ARROW_CHARS 66
#define LANE_CHARS 42
#define NOTE_CHARS 60

const char *const tl_lane_colors[] = { "#bf8700", "#1a7f37", "#e16f24", "#0a7c86", "#953800", "#6e7781" };
const unsigned tl_lane_ncolors = sizeof(tl_lane_colors) / sizeof(tl_lane_colors[0]);

static const char *const cls_fill[] = { "#eaeef2", "#dafbe1", "#ffebe9", "#ddf4ff", "#fff8c5" };
static const char *const cls_name[] = { "none", "ok", "error", "info", "warn" };

void tl_xml_text(bytebuf *out, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': bytebuf_append_str(out, "&amp;"); break;
        case '<': bytebuf_append_str(out, "&lt;"); break;
        case '>': bytebuf_append_str(out, "&gt;"); break;
        case '"': bytebuf_append_str(out, "&quot;"); break;
        default:
            if (c < 0x20 || c >= 0x7f)
                bytebuf_append_str(out, "\xef\xbf\xbd"); /* U+FFFD: labels are ASCII, escaped bytes aside */
            else
                bytebuf_append_byte(out, c);
        }
    }
}

/* At most n characters of s, "..." when cut. */
static void xml_clip(bytebuf *out, const char *s, size_t n)
{
    size_t l = strlen(s);
    if (l <= n) {
        tl_xml_text(out, s);
        return;
    }
    char buf[256];
    snprintf(buf, sizeof(buf), "%.*s...", (int)(n > 3 && n < sizeof(buf) - 4 ? n - 3 : 1), s);
    tl_xml_text(out, buf);
}

static void fmt_time(int64_t ns, char *buf, size_t size)
{
    double s = (double)ns / 1e9;
    if (s < 60)
        snprintf(buf, size, "%.3fs", s);
    else if (s < 3600)
        snprintf(buf, size, "%dm%06.3fs", (int)(s / 60), s - 60 * (int)(s / 60));
    else
        snprintf(buf, size, "%dh%02dm%06.3fs", (int)(s / 3600), (int)(s / 60) % 60, s - 60 * (int)(s / 60));
}

static void fmt_span(int64_t ns, char *buf, size_t size)
{
    double s = (double)ns / 1e9;
    if (s < 1)
        snprintf(buf, size, "%.0fms", s * 1e3);
    else if (s < 60)
        snprintf(buf, size, "%.1fs", s);
    else if (s < 3600)
        snprintf(buf, size, "%dm %02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, size, "%dh %02dm", (int)(s / 3600), (int)(s / 60) % 60);
}

void tl_geometry_of(const tl_model *m, const tl_layout *L, tl_geometry *g)
{
    g->x_time = 90;
    g->x_bands = 100;
    g->band_w = 74;
    g->x_host = g->x_bands + TB__COUNT * g->band_w + 90;
    g->x_module = g->x_host + ARROW_CHARS * CHAR_W + 24;
    g->lane_gap = LANE_CHARS * CHAR_W + 30;
    g->width = g->x_module + (double)m->nlanes * g->lane_gap + 90;
    g->height = L ? L->bottom : 0;
}

static double lane_x(const tl_geometry *g, int lane) { return g->x_module + (lane + 1) * g->lane_gap; }

/* ---------------- header ---------------- */

static void header_box(bytebuf *o, double x, const char *name, const char *color)
{
    bytebuf_appendf(o, "<g class=\"lane-head\" data-lane=\"");
    tl_xml_text(o, name);
    bytebuf_appendf(o, "\"><rect x=\"%.1f\" y=\"8\" width=\"132\" height=\"30\" rx=\"5\" fill=\"%s\"/>"
                       "<text x=\"%.1f\" y=\"28\" text-anchor=\"middle\" class=\"head\">",
                    x - 66, color, x);
    xml_clip(o, name, 18);
    bytebuf_append_str(o, "</text></g>");
}

void tl_svg_header(const tl_model *m, const tl_geometry *g, bytebuf *o)
{
    bytebuf_appendf(o, "<svg id=\"lanes\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                       "viewBox=\"0 0 %.0f %.0f\">",
                    g->width, HEADER_H, g->width, HEADER_H);
    bytebuf_appendf(o, "<text x=\"%.1f\" y=\"28\" text-anchor=\"end\" class=\"colhead\">time</text>", g->x_time);
    for (int b = 0; b < TB__COUNT; b++)
        bytebuf_appendf(o, "<text x=\"%.1f\" y=\"28\" text-anchor=\"middle\" class=\"colhead\">%s</text>",
                        g->x_bands + (b + 0.5) * g->band_w, tl_band_name((tb_kind)b));
    header_box(o, g->x_host, "host", TL_COLOR_HOST);
    header_box(o, g->x_module, "module", TL_COLOR_MODULE);
    for (size_t i = 0; i < m->nlanes; i++)
        header_box(o, lane_x(g, (int)i), m->lanes[i].topic, tl_lane_colors[i % tl_lane_ncolors]);
    bytebuf_append_str(o, "</svg>");
}

/* ---------------- body ---------------- */

static void defs(bytebuf *o)
{
    static const struct { const char *id, *color; } marks[] = {
        { "a-cmd", "#0969da" }, { "a-ok", "#1a7f37" }, { "a-error", "#cf222e" }, { "a-none", "#57606a" },
        { "a-urc", "#8250df" },
    };
    bytebuf_append_str(o, "<defs>");
    for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
        bytebuf_appendf(o, "<marker id=\"%s\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
                           "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" "
                           "fill=\"%s\"/></marker>",
                        marks[i].id, marks[i].color);
    bytebuf_append_str(o, "</defs>");
}

static void title(bytebuf *o, const tl_event *e)
{
    char t0[32], t1[32];
    fmt_time(e->t, t0, sizeof(t0));
    bytebuf_append_str(o, "<title>");
    tl_xml_text(o, t0);
    if (e->count > 1) {
        fmt_time(e->t_end, t1, sizeof(t1));
        bytebuf_appendf(o, " .. %s, %u times", t1, e->count);
    }
    bytebuf_append_str(o, ": ");
    tl_xml_text(o, e->detail);
    bytebuf_append_str(o, "</title>");
}

static void label(bytebuf *o, const tl_event *e, size_t chars)
{
    if (e->count > 1) {
        char buf[320];
        snprintf(buf, sizeof(buf), "%s  x%u", e->label, e->count);
        xml_clip(o, buf, chars);
    } else {
        xml_clip(o, e->label, chars);
    }
}

static void bands(const tl_model *m, const tl_layout *L, const tl_geometry *g, bytebuf *o)
{
    for (int b = 0; b < TB__COUNT; b++) {
        bytebuf_appendf(o, "<g class=\"band\" data-band=\"%s\">", tl_band_name((tb_kind)b));
        for (size_t i = 0; i < m->nseg; i++) {
            const tl_segment *s = &m->seg[i];
            if ((int)s->band != b)
                continue;
            double y0 = tl_layout_y_at(L, m, s->t0);
            double y1 = s->t1 >= m->t_end ? L->bottom : tl_layout_y_at(L, m, s->t1);
            if (y1 - y0 < 2)
                y1 = y0 + 2;
            double x = g->x_bands + b * g->band_w + 3;
            bytebuf_appendf(o, "<rect class=\"seg %s\" data-value=\"", cls_name[s->cls]);
            tl_xml_text(o, s->value);
            bytebuf_appendf(o, "\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
                            x, y0, g->band_w - 6, y1 - y0, cls_fill[s->cls]);
            tl_xml_text(o, tl_band_name(s->band));
            bytebuf_append_str(o, ": ");
            tl_xml_text(o, s->value);
            bytebuf_append_str(o, "</title></rect>");
            if (y1 - y0 >= 12) {
                bytebuf_appendf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"segtext\">", x + 3, y0 + 11);
                xml_clip(o, s->value, 12);
                bytebuf_append_str(o, "</text>");
            }
        }
        bytebuf_append_str(o, "</g>");
    }
}

static void lifelines(const tl_model *m, const tl_geometry *g, bytebuf *o, double bottom)
{
    bytebuf_appendf(o, "<g class=\"lane\" data-lane=\"host\"><line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%.1f\" "
                       "stroke=\"%s\" class=\"life\"/></g>",
                    g->x_host, g->x_host, bottom, TL_COLOR_HOST);
    bytebuf_appendf(o, "<g class=\"lane\" data-lane=\"module\"><line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%.1f\" "
                       "stroke=\"%s\" class=\"life\"/></g>",
                    g->x_module, g->x_module, bottom, TL_COLOR_MODULE);
    for (size_t i = 0; i < m->nlanes; i++) {
        double x = lane_x(g, (int)i);
        bytebuf_append_str(o, "<g class=\"lane\" data-lane=\"");
        tl_xml_text(o, m->lanes[i].topic);
        bytebuf_appendf(o, "\"><line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                           "class=\"life server\"/></g>",
                        x, x, bottom, tl_lane_colors[i % tl_lane_ncolors]);
    }
}

static void gaps(const tl_layout *L, const tl_geometry *g, bytebuf *o)
{
    char d[32];
    for (size_t i = 0; i < L->ngaps; i++) {
        const tl_gap *gp = &L->gaps[i];
        fmt_span(gp->dt, d, sizeof(d));
        double ym = (gp->y0 + gp->y1) / 2;
        if (!gp->collapsed) {
            if (gp->y1 - gp->y0 >= 10)
                bytebuf_appendf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"dt\">+%s</text>",
                                g->x_time, ym + 3, d);
            continue;
        }
        bytebuf_appendf(o, "<g class=\"gap\" data-seconds=\"%.3f\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                           "height=\"%.1f\" class=\"gapbg\"/>",
                        (double)gp->dt / 1e9, g->x_bands, gp->y0 + 8, g->width - g->x_bands, gp->y1 - gp->y0 - 16);
        bytebuf_append_str(o, "<path class=\"zig\" d=\"");
        for (double x = g->x_bands; x < g->width; x += 16)
            bytebuf_appendf(o, "%s%.1f,%.1f L%.1f,%.1f ", x == g->x_bands ? "M" : "L", x, ym - 3, x + 8, ym + 3);
        bytebuf_appendf(o, "\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"gaptext\">+%s</text>"
                           "<text x=\"%.1f\" y=\"%.1f\" class=\"gaptext\">... %s without an event ...</text>"
                           "</g>",
                        g->x_time, ym + 4, d, (g->x_host + g->x_module) / 2 - 120, ym + 4, d);
    }
}

static void arrow(bytebuf *o, double x0, double x1, double y, const char *marker, const char *extra)
{
    bytebuf_appendf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"arrow%s%s\" "
                       "marker-end=\"url(#%s)\"/>",
                    x0, y + 4, x1, y + 4, extra ? " " : "", extra ? extra : "", marker);
}

static void event(const tl_model *m, const tl_layout *L, const tl_geometry *g, size_t i, bytebuf *o)
{
    const tl_event *e = &m->ev[i];
    double y = L->y[i];
    static const char *const resp_marker[] = { "a-none", "a-ok", "a-error", "a-none", "a-none" };
    switch (e->kind) {
    case TE_CMD:
        bytebuf_append_str(o, "<g class=\"ev cmd\">");
        title(o, e);
        arrow(o, g->x_host, g->x_module, y, "a-cmd", NULL);
        bytebuf_appendf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"t cmd\">", g->x_host + 8, y);
        label(o, e, ARROW_CHARS);
        break;
    case TE_RESP:
    case TE_URC:
    case TE_MDATA:
        bytebuf_appendf(o, "<g class=\"ev %s %s\">", e->kind == TE_RESP ? "resp" : e->kind == TE_URC ? "urc" : "mdata",
                        cls_name[e->cls]);
        title(o, e);
        arrow(o, g->x_module, g->x_host, y, e->kind == TE_URC && e->cls == TC_NONE ? "a-urc" : resp_marker[e->cls],
              e->kind == TE_RESP ? cls_name[e->cls] : e->kind == TE_URC ? "urc" : "mdata");
        bytebuf_appendf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"t %s %s\">", g->x_host + 14, y,
                        e->kind == TE_RESP ? "resp" : "urc", cls_name[e->cls]);
        label(o, e, ARROW_CHARS - 2);
        break;
    case TE_HDATA:
        bytebuf_append_str(o, "<g class=\"ev hdata\">");
        title(o, e);
        arrow(o, g->x_host, g->x_module, y, "a-none", "data");
        bytebuf_appendf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"t data\">", g->x_host + 8, y);
        label(o, e, ARROW_CHARS);
        break;
    case TE_LANE: {
        double x = lane_x(g, e->lane);
        const char *c = e->cls == TC_ERROR ? "#cf222e" : tl_lane_colors[e->lane % (int)tl_lane_ncolors];
        bytebuf_append_str(o, "<g class=\"ev lane-ev\" data-lane=\"");
        tl_xml_text(o, m->lanes[e->lane].topic);
        bytebuf_append_str(o, "\">");
        title(o, e);
        bytebuf_appendf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"conn\" stroke=\"%s\"/>"
                           "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>"
                           "<text x=\"%.1f\" y=\"%.1f\" class=\"t lanet\" fill=\"%s\">",
                        g->x_module, y + 4, x, y + 4, c, x, y + 4, c, x - g->lane_gap + 8, y, c);
        label(o, e, LANE_CHARS);
        break;
    }
    case TE_NOTE:
    case TE_STATE:
        bytebuf_appendf(o, "<g class=\"ev %s %s\">", e->kind == TE_NOTE ? "note" : "state", cls_name[e->cls]);
        title(o, e);
        bytebuf_appendf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"t %s %s\">", g->x_module - 8,
                        y + 3, e->kind == TE_NOTE ? "note" : "state", cls_name[e->cls]);
        label(o, e, NOTE_CHARS);
        break;
    case TE_XMODEM: {
        char text[256];
        const char *st = e->xm.status[0] ? e->xm.status : "running";
        double y1 = tl_layout_y_until(L, m, e->t_end);
        if (y1 < y + 12)
            y1 = y + 12;
        int n = snprintf(text, sizeof(text), "Xmodem: %u blocks", e->xm.blocks);
        if (e->xm.bytes)
            n += snprintf(text + n, sizeof(text) - (size_t)n, ", %llu bytes", (unsigned long long)e->xm.bytes);
        n += snprintf(text + n, sizeof(text) - (size_t)n, ", %u C, %u NAK, %u ACK", e->xm.cs, e->xm.naks, e->xm.acks);
        if (e->xm.faults)
            n += snprintf(text + n, sizeof(text) - (size_t)n, ", %u faults", e->xm.faults);
        snprintf(text + n, sizeof(text) - (size_t)n, ": %s", st);
        bytebuf_appendf(o, "<g class=\"xmodem %s\" data-blocks=\"%u\" data-naks=\"%u\" data-status=\"", cls_name[e->cls],
                        e->xm.blocks, e->xm.naks);
        tl_xml_text(o, st);
        bytebuf_append_str(o, "\">");
        title(o, e);
        bytebuf_appendf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"xmband\"/>"
                           "<text x=\"%.1f\" y=\"%.1f\" class=\"t xm\">",
                        g->x_host, y - 9, g->x_module - g->x_host, y1 - y + 9, g->x_host + 8, y + 4);
        tl_xml_text(o, text);
        break;
    }
    case TE_FAULT:
    case TE_FAIL:
        bytebuf_appendf(o, "<g class=\"%s\">", e->kind == TE_FAULT ? "fault" : "fail");
        title(o, e);
        bytebuf_appendf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"%s\"/>"
                           "<text x=\"%.1f\" y=\"%.1f\" class=\"t %s\">",
                        g->x_bands, y + 4, g->width, y + 4, e->kind == TE_FAULT ? "faultline" : "failline",
                        g->x_host + 8, y, e->kind == TE_FAULT ? "faultt" : "failt");
        bytebuf_append_str(o, e->kind == TE_FAULT ? "\xe2\x9a\xa1 " : "\xe2\x9c\x98 ");
        label(o, e, ARROW_CHARS + 30);
        break;
    case TE_RESULT:
        bytebuf_appendf(o, "<g class=\"result %s\">", cls_name[e->cls]);
        title(o, e);
        bytebuf_appendf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"t resultt %s\">", g->x_host + 8, y + 3, cls_name[e->cls]);
        label(o, e, ARROW_CHARS);
        break;
    }
    bytebuf_append_str(o, "</text></g>");
}

static void time_labels(const tl_model *m, const tl_layout *L, const tl_geometry *g, bytebuf *o)
{
    int64_t last = -1;
    char t[32];
    bytebuf_append_str(o, "<g class=\"axis\">");
    for (size_t i = 0; i < m->nev; i++) {
        if (m->ev[i].t == last)
            continue;
        last = m->ev[i].t;
        fmt_time(last, t, sizeof(t));
        bytebuf_appendf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"time\">%s</text>", g->x_time,
                        L->y[i] + 3, t);
    }
    bytebuf_append_str(o, "</g>");
}

void tl_svg_body(const tl_model *m, const tl_layout *L, const tl_geometry *g, bytebuf *o)
{
    bytebuf_appendf(o, "<svg id=\"timeline\" class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                       "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" data-lanes=\"host module",
                    g->width, L->bottom, g->width, L->bottom);
    for (size_t i = 0; i < m->nlanes; i++) {
        bytebuf_append_byte(o, ' ');
        tl_xml_text(o, m->lanes[i].topic);
    }
    bytebuf_appendf(o, "\" data-events=\"%zu\">", m->nev);
    defs(o);
    bands(m, L, g, o);
    lifelines(m, g, o, L->bottom);
    gaps(L, g, o);
    for (size_t i = 0; i < m->nev; i++) /* the transfers under everything else */
        if (m->ev[i].kind == TE_XMODEM)
            event(m, L, g, i, o);
    for (size_t i = 0; i < m->nev; i++)
        if (m->ev[i].kind != TE_XMODEM)
            event(m, L, g, i, o);
    time_labels(m, L, g, o);
    bytebuf_append_str(o, "</svg>");
}
