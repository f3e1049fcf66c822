/* Charts drawn by the hub itself as SVG: a bar chart and a line chart of labelled counts,
 * for the console's monitoring pages (each shown beside its table and its CSV). Every text
 * is escaped (& < > " '), nothing is ever scripted or linked (no <script>, no event
 * attribute, no href), and the size is bounded: SVG_POINTS_MAX points are drawn (the rest
 * is named in one line: the table has them all), labels are cut at SVG_LABEL_BYTES bytes
 * (on a UTF-8 boundary), the picture is SVG_WIDTH x SVG_HEIGHT. */
#ifndef RENDER_SVG_H
#define RENDER_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SVG_WIDTH 720
#define SVG_HEIGHT 360
#define SVG_POINTS_MAX 60
#define SVG_LABEL_BYTES 32
#define SVG_TITLE_BYTES 160

struct svg_point {
    const char *label;
    int64_t value; /* negative values are drawn as 0 */
};

/* Writes an <svg> element (no XML prolog) to out. SAE_EIO when writing fails. */
int svg_bar_chart(FILE *out, const char *title, const struct svg_point *points, size_t count);
int svg_line_chart(FILE *out, const char *title, const struct svg_point *points, size_t count);

/* Writes text with & < > " ' as entities, at most max bytes of it (cut on a UTF-8
 * boundary); control characters become spaces. */
void svg_escape(FILE *out, const char *text, size_t max);

#endif
