/* sae-hub stats: the overview counts and the monitoring and evaluation figures (store/
 * me_stats.h), as text, JSON, a figure's CSV or SVG chart, or the printable monthly recap. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_admin.h"
#include "render/render_me.h"
#include "store/hub_areas.h"
#include "store/me_stats.h"
#include "store/month_lock.h"

enum stats_output { OUT_TEXT, OUT_JSON, OUT_CSV, OUT_SVG, OUT_REKAP, OUT_REKAP_CSV };

struct stats_options {
    enum stats_output output;
    int outputs;               /* how many output options were given */
    const char *figure;        /* --csv, --svg */
    const char *village_arg, *kecamatan_arg, *month, *year;
    char village[SAE_AREA_CODE_BYTES], kecamatan[SAE_AREA_CODE_BYTES];
};

/* An output option (id its stats_output); more than one is refused after parsing. */
static int set_output(void *context, int output, const char *figure)
{
    struct stats_options *o = context;
    o->output = (enum stats_output)output;
    o->figure = figure;
    o->outputs++;
    return SAE_EXIT_OK;
}

static int check_options(const struct stats_options *o)
{
    if (o->outputs > 1)
        return hub_cli_fail(SAE_EINVAL, "stats: give one of --json, --csv, --svg, --rekap and "
                            "--rekap-csv");
    if (o->month && o->year)
        return hub_cli_fail(SAE_EINVAL, "stats: give --month YYYY-MM or --year YYYY, not both");
    if (o->figure && !me_figure_name_known(o->figure))
        return hub_cli_fail(SAE_EINVAL, "stats: no figure is called \"%.40s\"; see: sae-hub "
                            "stats --help", o->figure);
    return SAE_EXIT_OK;
}

static int parse_stats(int argc, char **argv, struct stats_options *o)
{
    memset(o, 0, sizeof *o);
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_CALL("json", false, set_output, o, OUT_JSON),
        SAE_CLI_OPT_TEXT("village", 0, &o->village_arg),
        SAE_CLI_OPT_TEXT("kecamatan", 0, &o->kecamatan_arg),
        SAE_CLI_OPT_TEXT("month", 0, &o->month),
        SAE_CLI_OPT_TEXT("year", 0, &o->year),
        SAE_CLI_OPT_CALL("csv", true, set_output, o, OUT_CSV),
        SAE_CLI_OPT_CALL("svg", true, set_output, o, OUT_SVG),
        SAE_CLI_OPT_CALL("rekap", false, set_output, o, OUT_REKAP),
        SAE_CLI_OPT_CALL("rekap-csv", false, set_output, o, OUT_REKAP_CSV),
    };
    int status = HUB_CLI_OPTIONS("stats", "stats", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (optind != argc)
        return hub_cli_fail(SAE_EINVAL, "stats takes no arguments; see: sae-hub stats --help");
    return check_options(o);
}

static int period_filter(const struct stats_options *o, struct me_filter *filter)
{
    char from[ME_MONTH_BYTES + 4] = "", to[ME_MONTH_BYTES + 4] = "";
    if (o->year && (strlen(o->year) != 4 || strspn(o->year, "0123456789") != 4))
        return hub_cli_fail(SAE_EINVAL, "--year takes a year, YYYY (1900 to 2100)");
    if (o->year) {
        snprintf(from, sizeof from, "%s-01", o->year);
        snprintf(to, sizeof to, "%s-12", o->year);
    } else if (o->month) {
        snprintf(from, sizeof from, "%.7s", o->month);
        snprintf(to, sizeof to, "%.7s", o->month);
    }
    if ((o->month && strlen(o->month) != 7) ||
        me_filter_period(filter, from[0] ? from : NULL, to[0] ? to : NULL) != 0)
        return hub_cli_fail(SAE_EINVAL, "%s takes %s, from %s to %s", o->year ? "--year" : "--month",
                            o->year ? "YYYY" : "YYYY-MM", o->year ? "1900" : "1900-01",
                            o->year ? "2100" : "2100-12");
    filter->kecamatan = o->kecamatan_arg ? o->kecamatan : NULL;
    filter->village = o->village_arg ? o->village : NULL;
    filter->now_ms = (int64_t)sae_wall_clock_ms();
    return SAE_EXIT_OK;
}

static int resolve_areas(struct hub_store *store, struct stats_options *o)
{
    struct sae_message why = {{0}};
    int status = o->village_arg ? hub_admin_village(store, "--village", o->village_arg, o->village)
                                : SAE_EXIT_OK;
    if (status != SAE_EXIT_OK || !o->kecamatan_arg)
        return status;
    int rc = hub_areas_resolve(store, o->kecamatan_arg, SAE_AREA_DISTRICT, o->kecamatan, &why);
    if (rc == 0)
        return SAE_EXIT_OK;
    return why.text[0] ? hub_cli_fail(rc, "--kecamatan: %s", why.text)
                       : hub_cli_fail(rc, "cannot read the list of areas: %s", sae_error_name(rc));
}

/* The revisions of a locked month: appended to text, or as "lock" in JSON (NULL when the
 * month is not locked). */
static int lock_json(struct hub_store *store, const char *month, int64_t now_ms, json_t **out)
{
    struct month_lock_info info;
    struct month_revision *revisions = NULL;
    size_t count = 0;
    char time[SAE_HLC_TIME_LEN + 1];
    *out = NULL;
    int rc = month ? month_lock_get(store, month, &info) : SAE_ENOTFOUND;
    if (rc == SAE_ENOTFOUND)
        return 0;
    if (rc == 0)
        rc = month_revisions(store, month, now_ms, &revisions, &count);
    if (rc != 0)
        return rc;
    hub_format_ms(info.locked_ms, time);
    *out = json_pack("{s:s, s:s, s:s, s:o}", "month", info.month, "locked_by", info.locked_by,
                     "locked_at", time, "revisions", me_revisions_json(revisions, count));
    month_revisions_free(revisions, count);
    return *out ? 0 : SAE_ENOMEM;
}

static int lock_text(struct hub_store *store, const char *month, int64_t now_ms)
{
    struct month_lock_info info;
    struct month_revision *revisions = NULL;
    size_t count = 0;
    int rc = month ? month_lock_get(store, month, &info) : SAE_ENOTFOUND;
    if (rc == SAE_ENOTFOUND)
        return 0;
    if (rc == 0)
        rc = month_revisions(store, month, now_ms, &revisions, &count);
    if (rc == 0)
        me_revisions_text(stdout, &info, revisions, count);
    month_revisions_free(revisions, count);
    return rc;
}

static int print_me(struct hub_store *store, const struct stats_options *o,
                    const struct me_report *r, json_t *overview)
{
    json_t *object = NULL, *lock = NULL;
    switch (o->output) {
    case OUT_CSV: return me_figure_csv(stdout, me_report_figure(r, o->figure));
    case OUT_SVG: return me_figure_svg(stdout, me_report_figure(r, o->figure));
    case OUT_REKAP: me_rekap_text(stdout, r); return 0;
    case OUT_REKAP_CSV: return me_rekap_csv(stdout, r);
    case OUT_JSON:
        object = me_report_json(r);
        if (lock_json(store, o->month, r->filter.now_ms, &lock) != 0 || !object ||
            (lock && json_object_set_new(object, "lock", lock) != 0)) {
            json_decref(object);
            json_decref(overview);
            return SAE_ENOMEM;
        }
        if (overview && json_object_set_new(overview, "me", object) != 0) {
            json_decref(overview);
            return SAE_ENOMEM;
        }
        return hub_json_print(stdout, overview ? overview : object);
    default:
        me_report_text(stdout, r);
        return lock_text(store, o->month, r->filter.now_ms);
    }
}

/* The counts of every village, kind and month, conflicts and held changes. */
static int load_overview(struct hub_store *store, const struct stats_options *o, json_t **json)
{
    struct hub_stats stats;
    int rc = hub_stats_load(store, o->village_arg ? o->village : NULL, &stats);
    if (rc != 0)
        return rc;
    if (o->output == OUT_JSON)
        rc = (*json = hub_stats_json(&stats)) ? 0 : SAE_ENOMEM;
    else
        hub_stats_text(stdout, &stats);
    if (o->output != OUT_JSON)
        printf("\n");
    hub_stats_free(&stats);
    return rc;
}

int hub_cli_stats(struct hub_cli *cli, int argc, char **argv)
{
    struct stats_options o;
    struct hub_store *store = NULL;
    struct me_filter filter = {0};
    struct me_report report;
    json_t *overview = NULL;
    int status = parse_stats(argc, argv, &o);
    if (status == SAE_EXIT_OK)
        status = period_filter(&o, &filter);
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK)
        status = resolve_areas(store, &o);
    if (status != SAE_EXIT_OK)
        return hub_admin_finish(store, status);
    /* The overview has no period or kecamatan: it is shown when neither is asked for. */
    bool figures_only = o.month || o.year || o.kecamatan_arg ||
                        (o.output != OUT_TEXT && o.output != OUT_JSON);
    int rc = figures_only ? 0 : load_overview(store, &o, &overview);
    if (rc == 0)
        rc = me_report_load(store, &filter, &report);
    if (rc == 0) {
        rc = print_me(store, &o, &report, overview);
        me_report_free(&report);
    } else {
        json_decref(overview);
    }
    return hub_admin_finish(store, rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, NULL, cli));
}
