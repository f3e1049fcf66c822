/* The console's renderers at their edges: SVG text escaped whatever it holds and cut on a
 * UTF-8 boundary, at most SVG_POINTS_MAX points drawn, never a script; a figure's CSV with
 * its byte order mark and formula guard; the monthly recap's rows and columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/render_me.h"
#include "render/render_svg.h"

/* What a writer wrote, NUL-terminated and malloc'd. */
struct captured {
    char *text;
    size_t len;
    FILE *out;
};

static void capture_begin(struct captured *c)
{
    c->text = NULL;
    c->len = 0;
    c->out = open_memstream(&c->text, &c->len);
    assert_non_null(c->out);
}

static char *capture_end(struct captured *c)
{
    assert_int_equal(fclose(c->out), 0);
    return c->text;
}

static void test_svg_escapes_and_bounds(void **state)
{
    (void)state;
    struct captured c;
    struct svg_point points[SVG_POINTS_MAX + 1];
    for (size_t i = 0; i <= SVG_POINTS_MAX; i++)
        points[i] = (struct svg_point){"<script>alert(1)</script>\"'&", (int64_t)i - 1};
    capture_begin(&c);
    assert_int_equal(svg_bar_chart(c.out, "<img src=x onerror=alert(1)>", points,
                                   SVG_POINTS_MAX + 1), 0);
    char *svg = capture_end(&c);
    assert_null(strstr(svg, "<script"));
    assert_null(strstr(svg, "<img"));
    assert_non_null(strstr(svg, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"));
    assert_non_null(strstr(svg, "+1 more in the table"));
    /* SVG_POINTS_MAX bars, not one more. */
    size_t bars = 0;
    for (const char *p = svg; (p = strstr(p, "<rect")) != NULL; p++)
        bars++;
    assert_int_equal(bars, SVG_POINTS_MAX);
    free(svg);

    /* A label of 31 ASCII bytes then a 3-byte character is cut before it, not inside. */
    char label[64];
    memset(label, 'a', 31);
    strcpy(label + 31, "\xe1\xb9\xa2zz");
    capture_begin(&c);
    svg_escape(c.out, label, SVG_LABEL_BYTES);
    char *cut = capture_end(&c);
    assert_int_equal(strlen(cut), 31);
    free(cut);
    capture_begin(&c);
    svg_escape(c.out, "a\x01\nb", SVG_LABEL_BYTES);
    cut = capture_end(&c);
    assert_string_equal(cut, "a  b");
    free(cut);

    capture_begin(&c);
    assert_int_equal(svg_line_chart(c.out, "empty", points, 0), 0);
    svg = capture_end(&c);
    assert_null(strstr(svg, "<polyline"));
    assert_non_null(strstr(svg, "</svg>"));
    free(svg);
}

static struct me_row row(const char *key, const char *sub, int64_t count)
{
    struct me_row r = {strdup(key), strdup(sub), NULL, count};
    assert_true(r.key && r.sub);
    return r;
}

static void test_figure_csv(void **state)
{
    (void)state;
    struct me_row rows[] = {row("=cmd|' /C calc'!A0", "", 2), row("physical", "", 5)};
    struct me_figure figure = {.id = ME_CASES_BY_TYPE, .name = "cases_by_type",
                               .rows = rows, .count = 2};
    struct captured c;
    capture_begin(&c);
    assert_int_equal(me_figure_csv(c.out, &figure), 0);
    char *csv = capture_end(&c);
    assert_string_equal(csv, "\xEF\xBB\xBFkey,sub,label,count\r\n"
                             "'=cmd|' /C calc'!A0,,,2\r\nphysical,,Fisik,5\r\n");
    free(csv);
    for (size_t i = 0; i < 2; i++) {
        free(rows[i].key);
        free(rows[i].sub);
    }
}

static void test_rekap_layout(void **state)
{
    (void)state;
    struct me_report report;
    memset(&report, 0, sizeof report);
    struct me_row rekap[] = {row("physical", "F/child", 3), row("physical", "M/adult", 1),
                             row("physical", "unknown/adult", 2), row("sexual", "F/child", 4)};
    struct me_row groups[] = {row("child", "F", 6), row("adult", "M", 1),
                              row("adult", "unknown", 2)};
    report.figures[ME_REKAP] = (struct me_figure){.id = ME_REKAP, .rows = rekap, .count = 4};
    report.figures[ME_VICTIMS_BY_AGE_GROUP] =
        (struct me_figure){.id = ME_VICTIMS_BY_AGE_GROUP, .rows = groups, .count = 3};
    struct captured c;
    capture_begin(&c);
    assert_int_equal(me_rekap_csv(c.out, &report), 0);
    char *csv = capture_end(&c);
    assert_non_null(strstr(csv, "Bentuk kekerasan,Anak P,Anak L,Dewasa P,Dewasa L,"
                                "Tidak diketahui,Jumlah\r\n"));
    assert_non_null(strstr(csv, "\r\nFisik,3,0,0,1,2,6\r\n"));
    assert_non_null(strstr(csv, "\r\nSeksual,4,0,0,0,0,4\r\n"));
    /* Victims: each survivor once, though the case of two types is in both rows. */
    assert_non_null(strstr(csv, "\r\nJumlah korban / victims,6,0,0,1,2,9\r\n"));
    free(csv);
    capture_begin(&c);
    me_rekap_text(c.out, &report);
    char *text = capture_end(&c);
    assert_non_null(strstr(text, "REKAP BULANAN"));
    /* No case with both dates: the median is "-", never a made-up 0. */
    const char *median = strstr(text, "Median hari kejadian-pengaduan");
    assert_non_null(median);
    assert_int_equal(strcspn(median, "\n"), 36 + 10);
    assert_int_equal(median[36 + 9], '-');
    free(text);
    for (size_t i = 0; i < 4; i++) {
        free(rekap[i].key);
        free(rekap[i].sub);
    }
    for (size_t i = 0; i < 3; i++) {
        free(groups[i].key);
        free(groups[i].sub);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_svg_escapes_and_bounds),
        cmocka_unit_test(test_figure_csv),
        cmocka_unit_test(test_rekap_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
