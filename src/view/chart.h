/* chart — server-rendered SVG charts: horizontal bars (one row per label,
 * a bar per series: this period and the one before) and lines (a point per
 * day or week).  No script.  Each chart is an <svg role="img"> named by its
 * <title> and described by its <desc> through aria-labelledby; the page
 * puts the same figures in a table beside it.  Every text is escaped
 * (view/esc).  Scales with its container (viewBox, width 100%), so it reads
 * at 390 px.  Writes into a struct sb; holds no state. */
#ifndef KNEAD_VIEW_CHART_H
#define KNEAD_VIEW_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "util/sb.h"

#define CHART_MAX_SERIES 2

struct chart_series {
    const char *name;          /* "This period", "Previous period" */
    const int64_t *v;          /* n values, >= 0 (negatives draw as 0) */
    const char *const *labels; /* n texts shown at the bars' ends (bar charts), or NULL */
};

struct chart {
    const char *id;    /* unique on the page: ids id-title and id-desc */
    const char *title; /* the accessible name */
    const char *desc;  /* one or two sentences: what it shows and the main figure */
    const char *const *labels; /* n category or point labels */
    size_t n;
    const struct chart_series *series;
    size_t nseries; /* 1..CHART_MAX_SERIES */
};

/* Appends the chart as horizontal bars.  Can't fail. */
void chart_bars(struct sb *out, const struct chart *c);
/* Appends the chart as lines, the first and last labels under the axis and
 * the largest value beside it (max_text).  Can't fail. */
void chart_lines(struct sb *out, const struct chart *c, const char *max_text);

#endif
