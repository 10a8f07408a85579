/* chart — see chart.h.  Geometry in whole SVG user units; colours are the
 * stylesheet's (.chart-s0, .chart-s1), so the page's contrast rules hold. */
#include "view/chart.h"

#include <string.h>

#include "view/esc.h"

#define W 400
#define LABEL_H 18 /* a row's label above its bars */
#define BAR_H 14
#define GAP 10

static void text(struct sb *out, const char *s)
{
    esc_html(out, s ? s : "", s ? strlen(s) : 0);
}

static int64_t largest(const struct chart *c)
{
    int64_t m = 0;
    for (size_t s = 0; s < c->nseries; s++)
        for (size_t i = 0; i < c->n; i++)
            if (c->series[s].v[i] > m)
                m = c->series[s].v[i];
    return m;
}

static void head(struct sb *out, const struct chart *c, int height)
{
    sb_addf(out, "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 %d %d\" width=\"100%%\" "
                 "preserveAspectRatio=\"xMinYMin meet\" aria-labelledby=\"",
            W, height);
    text(out, c->id);
    sb_adds(out, "-title ");
    text(out, c->id);
    sb_adds(out, "-desc\"><title id=\"");
    text(out, c->id);
    sb_adds(out, "-title\">");
    text(out, c->title);
    sb_adds(out, "</title><desc id=\"");
    text(out, c->id);
    sb_adds(out, "-desc\">");
    text(out, c->desc);
    sb_adds(out, "</desc>");
}

/* The key of the series, at the top. */
static void legend(struct sb *out, const struct chart *c)
{
    int x = 0;
    for (size_t s = 0; s < c->nseries; s++) {
        sb_addf(out, "<rect class=\"chart-s%zu\" x=\"%d\" y=\"2\" width=\"14\" height=\"14\"/>"
                     "<text x=\"%d\" y=\"14\">",
                s, x, x + 20);
        text(out, c->series[s].name);
        sb_adds(out, "</text>");
        x += 170;
    }
}

void chart_bars(struct sb *out, const struct chart *c)
{
    size_t ns = c->nseries > CHART_MAX_SERIES ? CHART_MAX_SERIES : c->nseries;
    int row = LABEL_H + (int)ns * (BAR_H + 2) + GAP;
    int top = 28;
    int height = top + (int)c->n * row + 4;
    int64_t max = largest(c);
    const int room = W - 80; /* the longest bar leaves room for its text */
    head(out, c, height);
    legend(out, c);
    for (size_t i = 0; i < c->n; i++) {
        int y = top + (int)i * row;
        sb_addf(out, "<text x=\"0\" y=\"%d\">", y + 13);
        text(out, c->labels[i]);
        sb_adds(out, "</text>");
        for (size_t s = 0; s < ns; s++) {
            int64_t v = c->series[s].v[i] > 0 ? c->series[s].v[i] : 0;
            int w = max > 0 ? (int)(v * room / max) : 0;
            int by = y + LABEL_H + (int)s * (BAR_H + 2);
            sb_addf(out, "<rect class=\"chart-s%zu\" x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\"/>",
                    s, by, w, BAR_H);
            if (c->series[s].labels) {
                sb_addf(out, "<text x=\"%d\" y=\"%d\">", w + 6, by + BAR_H - 2);
                text(out, c->series[s].labels[i]);
                sb_adds(out, "</text>");
            }
        }
    }
    sb_adds(out, "</svg>");
}

void chart_lines(struct sb *out, const struct chart *c, const char *max_text)
{
    size_t ns = c->nseries > CHART_MAX_SERIES ? CHART_MAX_SERIES : c->nseries;
    const int top = 28, left = 4, plot_w = W - 8, plot_h = 180;
    int height = top + plot_h + 26;
    int64_t max = largest(c);
    head(out, c, height);
    legend(out, c);
    /* the axes, and the top value for scale */
    sb_addf(out, "<line class=\"chart-axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", left,
            top + plot_h, left + plot_w, top + plot_h);
    sb_addf(out, "<line class=\"chart-grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", left,
            top + 8, left + plot_w, top + 8);
    sb_addf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left + plot_w, top + 4 + 18);
    text(out, max_text);
    sb_adds(out, "</text>");
    for (size_t s = 0; s < ns; s++) {
        sb_addf(out, "<polyline class=\"chart-line chart-line%zu\" points=\"", s);
        for (size_t i = 0; i < c->n; i++) {
            int64_t v = c->series[s].v[i] > 0 ? c->series[s].v[i] : 0;
            int x = left + (c->n > 1 ? (int)((int64_t)i * plot_w / (int64_t)(c->n - 1)) : 0);
            int y = top + plot_h - (max > 0 ? (int)(v * (plot_h - 8) / max) : 0);
            sb_addf(out, "%s%d,%d", i ? " " : "", x, y);
        }
        sb_adds(out, "\"/>");
    }
    if (c->n > 0) {
        sb_addf(out, "<text x=\"%d\" y=\"%d\">", left, top + plot_h + 20);
        text(out, c->labels[0]);
        sb_addf(out, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left + plot_w,
                top + plot_h + 20);
        text(out, c->labels[c->n - 1]);
        sb_adds(out, "</text>");
    }
    sb_adds(out, "</svg>");
}
