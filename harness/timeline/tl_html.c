/* tl_html.c - a run as one self-contained HTML page (see tl_html.h). */
#include "tl_html.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tl_layout.h"
#include "tl_model.h"
#include "tl_svg.h"

static const char style[] =
    "body{font:13px system-ui,sans-serif;margin:0;color:#1f2328;background:#fff}"
    "header{padding:10px 16px;border-bottom:1px solid #d0d7de}h1{font-size:18px;margin:0 0 4px}"
    ".meta{color:#57606a}.pass{color:#1a7f37;font-weight:600}.failed{color:#cf222e;font-weight:600}"
    "nav{margin-top:6px}button{font:12px monospace;margin-right:4px}"
    ".legend span{margin-right:14px;white-space:nowrap}.sw{display:inline-block;width:18px;height:3px;"
    "vertical-align:middle;margin-right:4px}"
    ".sticky{position:sticky;top:0;background:#fffffff0;border-bottom:1px solid #d0d7de;z-index:1}"
    ".scroll{padding-bottom:40px}"
    "svg text{font:11px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:#1f2328}"
    "svg .head{fill:#fff;font-weight:700;font-size:12px}svg .colhead{fill:#57606a;font-size:11px}"
    "svg .life{stroke-width:1.5}svg .life.server{stroke-dasharray:4 3}"
    "svg .arrow{stroke:#0969da;stroke-width:1.4}svg .arrow.ok{stroke:#1a7f37}svg .arrow.error{stroke:#cf222e}"
    "svg .arrow.none{stroke:#57606a}svg .arrow.urc{stroke:#8250df;stroke-dasharray:5 3}"
    "svg .arrow.mdata,svg .arrow.data{stroke:#6e7781;stroke-dasharray:2 3}"
    "svg .t.cmd{fill:#0550ae}svg .t.resp.ok{fill:#116329}svg .t.error{fill:#a40e26}svg .t.urc{fill:#6639ba}"
    "svg .t.data{fill:#57606a}svg .t.note{fill:#6e7781;font-style:italic;font-size:10px}"
    "svg .t.state{fill:#57606a;font-size:10px}svg .t.state.warn{fill:#9a6700}"
    "svg .conn{stroke-dasharray:3 3;stroke-width:1}"
    "svg .xmband{fill:#fff1e5;stroke:#bc4c00;stroke-width:1}svg .t.xm{fill:#953800;font-weight:600}"
    "svg .faultline{stroke:#cf222e;stroke-dasharray:6 3;stroke-width:1.2}svg .t.faultt{fill:#cf222e;font-weight:600}"
    "svg .failline{stroke:#cf222e;stroke-width:3}svg .t.failt{fill:#cf222e;font-weight:700;font-size:12px}"
    "svg .t.resultt{font-weight:700}svg .t.resultt.ok{fill:#1a7f37}svg .t.resultt.error{fill:#cf222e}"
    "svg .seg{stroke:#d0d7de}svg .segtext{font-size:9px;fill:#424a53}"
    "svg .gapbg{fill:#f6f8fa}svg .zig{fill:none;stroke:#8c959f}svg .gaptext{fill:#57606a;font-style:italic}"
    "svg .time{fill:#424a53}svg .dt{fill:#8c959f;font-size:9.5px}"
    "svg g.ev:hover text,svg g.fault:hover text{font-weight:700}";

static const char script[] =
    "window.addEventListener('error',function(){var b=document.body;b.dataset.errors=String(Number(b.dataset.errors)+1)});"
    "(function(){var z=1,s=[document.getElementById('lanes'),document.getElementById('timeline')];"
    "var w=s.map(function(e){return [Number(e.getAttribute('width')),Number(e.getAttribute('height'))]});"
    "function set(k){z=Math.max(0.2,Math.min(4,k));s.forEach(function(e,i){e.setAttribute('width',w[i][0]*z);"
    "e.setAttribute('height',w[i][1]*z)});document.getElementById('zoom').textContent=Math.round(z*100)+'%'}"
    "document.getElementById('zin').onclick=function(){set(z*1.25)};"
    "document.getElementById('zout').onclick=function(){set(z/1.25)};"
    "document.getElementById('zfit').onclick=function(){set(window.innerWidth/w[1][0])};"
    "document.body.dataset.ready='1'})();";

static void legend(bytebuf *o)
{
    static const struct { const char *color, *what; } items[] = {
        { "#0969da", "command" }, { "#1a7f37", "answer OK" }, { "#cf222e", "error / fault" },
        { "#8250df", "URC" },     { "#6e7781", "data, prompt" }, { "#bc4c00", "Xmodem transfer" },
    };
    bytebuf_append_str(o, "<p class=\"legend\">");
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
        bytebuf_appendf(o, "<span><i class=\"sw\" style=\"background:%s\"></i>%s</span>", items[i].color,
                        items[i].what);
    bytebuf_append_str(o, "<span>hover an arrow for its time and full text</span></p>");
}

static void counts(const tl_model *m, bytebuf *o)
{
    size_t n[TE_RESULT + 1] = { 0 };
    for (size_t i = 0; i < m->nev; i++)
        n[m->ev[i].kind] += m->ev[i].count;
    char t[32];
    snprintf(t, sizeof(t), "%.3f", (double)m->t_end / 1e9);
    bytebuf_appendf(o, "%s s simulated; %zu commands, %zu URCs, %zu transfers, %zu faults", t, n[TE_CMD], n[TE_URC],
                    n[TE_XMODEM], n[TE_FAULT]);
    for (size_t i = 0; i < m->nlanes; i++) {
        bytebuf_append_str(o, i ? ", " : "; lanes: ");
        tl_xml_text(o, m->lanes[i].topic);
        bytebuf_appendf(o, " (%u)", m->lanes[i].events);
    }
}

int tl_html_render(const char *title, const uint8_t *trace, size_t len, const tl_html_opts *o, bytebuf *out)
{
    tl_model m;
    tl_layout L;
    if (tl_model_build(&m, title, trace, len)) {
        tl_model_free(&m);
        return -1;
    }
    if (tl_layout_build(&L, &m, 12, o && o->collapse_s > 0 ? o->collapse_s : TL_COLLAPSE_DEFAULT)) {
        tl_layout_free(&L);
        tl_model_free(&m);
        return -1;
    }
    tl_geometry g;
    tl_geometry_of(&m, &L, &g);
    bytebuf_append_str(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
    tl_xml_text(out, m.title);
    bytebuf_append_str(out, " - sarasim timeline</title><style>");
    bytebuf_append_str(out, style);
    bytebuf_append_str(out, "</style></head>\n<body data-ready=\"0\" data-errors=\"0\"><header><h1>");
    tl_xml_text(out, m.title);
    bytebuf_append_str(out, "</h1><div class=\"meta\">");
    if (m.result >= 0)
        bytebuf_appendf(out, "<span class=\"%s\">%s</span> &middot; ", m.result ? "failed" : "pass",
                        m.result ? "FAILED" : "PASS");
    counts(&m, out);
    if (o && o->source) {
        bytebuf_append_str(out, " &middot; from ");
        tl_xml_text(out, o->source);
    }
    bytebuf_append_str(out, "</div><nav>zoom <button id=\"zout\">-</button><button id=\"zin\">+</button>"
                            "<button id=\"zfit\">fit width</button> <span id=\"zoom\">100%</span> &middot; "
                            "idle stretches are collapsed (their length is written on them)</nav>");
    legend(out);
    bytebuf_append_str(out, "</header>\n<div class=\"sticky\">");
    tl_svg_header(&m, &g, out);
    bytebuf_append_str(out, "</div>\n<div class=\"scroll\">");
    tl_svg_body(&m, &L, &g, out);
    bytebuf_append_str(out, "</div>\n<script>");
    bytebuf_append_str(out, script);
    bytebuf_append_str(out, "</script></body></html>\n");
    tl_layout_free(&L);
    tl_model_free(&m);
    return 0;
}

int tl_html_write_file(const char *path, const char *title, const uint8_t *trace, size_t len)
{
    bytebuf page;
    bytebuf_init(&page);
    if (tl_html_render(title, trace, len, NULL, &page)) {
        bytebuf_free(&page);
        return -EINVAL;
    }
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = f ? 0 : -errno;
    if (f) {
        if (fwrite(page.data, 1, page.len, f) != page.len)
            rc = -EIO;
        if (fclose(f) && !rc)
            rc = -EIO;
        if (!rc && rename(tmp, path))
            rc = -errno;
        if (rc)
            unlink(tmp);
    }
    bytebuf_free(&page);
    return rc;
}
