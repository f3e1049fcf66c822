/* Bar and line charts as SVG, bounded and escaped by construction. */
#include "render/render_svg.h"

#include <inttypes.h>
#include <string.h>

#include "sae/sae_error.h"

#define MARGIN_LEFT 56
#define MARGIN_RIGHT 16
#define MARGIN_TOP 36
#define MARGIN_BOTTOM 72
#define PLOT_WIDTH (SVG_WIDTH - MARGIN_LEFT - MARGIN_RIGHT)
#define PLOT_HEIGHT (SVG_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM)

void svg_escape(FILE *out, const char *text, size_t max)
{
    size_t len = strlen(text);
    if (len > max) {
        len = max;
        /* Never cut inside a UTF-8 sequence: back off over continuation bytes. */
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(c < 0x20 || c == 0x7f ? ' ' : c, out); break;
        }
    }
}

static int64_t max_value(const struct svg_point *points, size_t count)
{
    int64_t top = 1;
    for (size_t i = 0; i < count; i++)
        if (points[i].value > top)
            top = points[i].value;
    return top;
}

static int64_t clamp(int64_t v)
{
    return v < 0 ? 0 : v;
}

/* The frame: the <svg> element, its title, the axis and the top value. */
static void frame_begin(FILE *out, const char *title, int64_t top)
{
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
            " viewBox=\"0 0 %d %d\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">"
            "<title>", SVG_WIDTH, SVG_HEIGHT, SVG_WIDTH, SVG_HEIGHT);
    svg_escape(out, title, SVG_TITLE_BYTES);
    fprintf(out, "</title><text x=\"%d\" y=\"20\" font-size=\"14\">", MARGIN_LEFT);
    svg_escape(out, title, SVG_TITLE_BYTES);
    fprintf(out, "</text><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
            "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%" PRId64 "</text>"
            "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>",
            MARGIN_LEFT, MARGIN_TOP, MARGIN_LEFT, MARGIN_TOP + PLOT_HEIGHT, MARGIN_LEFT,
            MARGIN_TOP + PLOT_HEIGHT, MARGIN_LEFT + PLOT_WIDTH, MARGIN_TOP + PLOT_HEIGHT,
            MARGIN_LEFT - 6, MARGIN_TOP + 4, top, MARGIN_LEFT - 6, MARGIN_TOP + PLOT_HEIGHT);
}

static int frame_end(FILE *out, size_t count)
{
    if (count > SVG_POINTS_MAX)
        fprintf(out, "<text x=\"%d\" y=\"%d\">+%zu more in the table</text>", MARGIN_LEFT,
                SVG_HEIGHT - 6, count - SVG_POINTS_MAX);
    fputs("</svg>\n", out);
    return ferror(out) ? SAE_EIO : 0;
}

/* A category label under the axis at x, turned so that long names fit. */
static void axis_label(FILE *out, int x, const char *label)
{
    int y = MARGIN_TOP + PLOT_HEIGHT + 12;
    fprintf(out, "<text x=\"%d\" y=\"%d\" transform=\"rotate(35 %d %d)\">", x, y, x, y);
    svg_escape(out, label, SVG_LABEL_BYTES);
    fputs("</text>", out);
}

static int y_of(int64_t value, int64_t top)
{
    return MARGIN_TOP + PLOT_HEIGHT - (int)(clamp(value) * PLOT_HEIGHT / top);
}

int svg_bar_chart(FILE *out, const char *title, const struct svg_point *points, size_t count)
{
    size_t drawn = count < SVG_POINTS_MAX ? count : SVG_POINTS_MAX;
    int64_t top = max_value(points, drawn);
    int slot = drawn ? PLOT_WIDTH / (int)drawn : PLOT_WIDTH;
    frame_begin(out, title, top);
    for (size_t i = 0; i < drawn; i++) {
        int x = MARGIN_LEFT + (int)i * slot + slot / 8, y = y_of(points[i].value, top);
        fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#3b6ea5\">"
                "<title>", x, y, slot - slot / 4 > 1 ? slot - slot / 4 : 1,
                MARGIN_TOP + PLOT_HEIGHT - y);
        svg_escape(out, points[i].label, SVG_LABEL_BYTES);
        fprintf(out, ": %" PRId64 "</title></rect>", clamp(points[i].value));
        axis_label(out, x, points[i].label);
    }
    return frame_end(out, count);
}

int svg_line_chart(FILE *out, const char *title, const struct svg_point *points, size_t count)
{
    size_t drawn = count < SVG_POINTS_MAX ? count : SVG_POINTS_MAX;
    int64_t top = max_value(points, drawn);
    int step = drawn > 1 ? PLOT_WIDTH / (int)(drawn - 1) : 0;
    frame_begin(out, title, top);
    if (drawn > 0) {
        fputs("<polyline fill=\"none\" stroke=\"#3b6ea5\" stroke-width=\"2\" points=\"", out);
        for (size_t i = 0; i < drawn; i++)
            fprintf(out, "%s%d,%d", i ? " " : "", MARGIN_LEFT + (int)i * step,
                    y_of(points[i].value, top));
        fputs("\"/>", out);
    }
    for (size_t i = 0; i < drawn; i++) {
        int x = MARGIN_LEFT + (int)i * step;
        fprintf(out, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"#3b6ea5\"><title>", x,
                y_of(points[i].value, top));
        svg_escape(out, points[i].label, SVG_LABEL_BYTES);
        fprintf(out, ": %" PRId64 "</title></circle>", clamp(points[i].value));
        axis_label(out, x, points[i].label);
    }
    return frame_end(out, count);
}
