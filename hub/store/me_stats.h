/* Monitoring and evaluation: the district's figures over a period and an area, from the
 * facts of store/me_facts.h, for the console's pages, the monthly recap (rekap) and
 * `sae-hub stats`. me_report_load brings the facts up to date first (me_facts.h), then
 * only reads.
 *
 * What counts (docs/DESIGN.md, "Monitoring and evaluation, duplicates, partners"):
 * - A case is in a month by its intake_date (tanggal pengaduan); a service by its
 *   service_date, a shelter stay by its admission_date, a referral by its referral_date.
 *   A report without that date (the catalogue requires it; only damaged data lacks it) is
 *   in no period.
 * - The credit goes to the village of the post that recorded the case (the report's
 *   village) and its kecamatan; events go with their case's village.
 * - Only cases whose survivor consented to be counted (consent_statistics true) and
 *   events of such cases; the cases left out are counted (left_out), never shown.
 * - Cases a coordinator linked as one survivor count once: only the survivor's first case
 *   (store/duplicates.h) is in the case and victim figures (linked counts the others);
 *   every case's services, stays and referrals count. */
#ifndef ME_STATS_H
#define ME_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/hub_store.h"

/* "YYYY-MM" and its terminator. */
#define ME_MONTH_BYTES 8
/* The longest period one report covers: 10 years of months. */
#define ME_PERIOD_MONTHS_MAX 120

struct me_filter {
    char from[ME_MONTH_BYTES]; /* first month, "" for no lower bound */
    char to[ME_MONTH_BYTES];   /* last month (inclusive), "" for no upper bound */
    const char *kecamatan;     /* a kecamatan's code, or NULL */
    const char *village;       /* a village's code, or NULL */
    int64_t now_ms;            /* today, for shelter stays still open */
};

enum me_figure_id {
    ME_CASES_BY_MONTH,         /* key month */
    ME_CASES_BY_MONTH_TYPE,    /* key month, sub violence type */
    ME_CASES_BY_TYPE,          /* key violence type ("none": no type); a case of two types
                                  counts under both */
    ME_CASES_BY_KECAMATAN,     /* key kecamatan code, label its name */
    ME_CASES_BY_VILLAGE,       /* key village code, label "Sumberanyar (Paiton)" */
    ME_VICTIMS_BY_SEX,         /* key F, M, unknown */
    ME_VICTIMS_BY_AGE_BAND,    /* key SIMFONI age band or unknown, sub sex */
    ME_VICTIMS_BY_AGE_GROUP,   /* key child, adult or unknown, sub sex */
    ME_REKAP,                  /* key violence type, sub "SEX/GROUP" (F/child...) */
    ME_SERVICES_BY_SPM,        /* key SPM category (the service type's group), sub type */
    ME_SHELTER_STAYS,          /* key length band, "open" (no discharge yet), "median" */
    ME_REFERRALS,              /* key destination, sub status */
    ME_DAYS_INCIDENT_TO_REPORT, /* key band, "none" (a date missing), "median" */
    ME_DAYS_INTAKE_TO_SERVICE, /* key band, "none" (no service yet), "median" */
    ME_FIGURE_COUNT
};

/* The bands of the day figures: 0, 1-7, 8-30, 31-90, 91-365, 366+. A "median" row holds
 * the middle value in days (the lower of the two middle ones for an even count); rows with
 * a count of 0 are left out. */
#define ME_MEDIAN_KEY "median"

struct me_row {
    char *key;
    char *sub;   /* "" when the figure has one dimension */
    char *label; /* the key's name for people (areas), or NULL */
    int64_t count;
};

struct me_figure {
    enum me_figure_id id;
    const char *name;        /* "cases_by_month"...: JSON key, CSV file name, lock rows */
    const char *title_id, *title_en;
    const char *date_basis;  /* which date puts an item in a month */
    const char *place_basis; /* which place gets the credit */
    struct me_row *rows;     /* in the order found, sorted by key then sub */
    size_t count;
};

struct me_report {
    struct me_filter filter;
    int64_t counted;  /* cases counted: consented, in the period and the area */
    int64_t left_out; /* cases of the period and area without consent_statistics true */
    int64_t linked;   /* cases linked to an earlier case of their survivor: not counted */
    struct me_figure figures[ME_FIGURE_COUNT];
};

/* "YYYY-MM" (1900-01 to 2100-12) into out; SAE_EINVAL otherwise, out untouched. */
int me_month_parse(const char *text, char out[ME_MONTH_BYTES]);
/* A period's filter: from and to as months (or "" for open ends); SAE_ERANGE when to is
 * before from or the period is longer than ME_PERIOD_MONTHS_MAX, SAE_EINVAL for a month
 * that is not one. */
int me_filter_period(struct me_filter *filter, const char *from, const char *to);

/* Every figure of filter's period and area, in one read transaction after bringing the
 * facts up to date; inside a transaction the caller holds, in it, with the facts as the
 * caller left them (me_facts_refresh before its BEGIN). */
int me_report_load(struct hub_store *store, const struct me_filter *filter,
                   struct me_report *out);
void me_report_free(struct me_report *report);
/* A copy of report into out (every row its own), to free with me_report_free; the filter's
 * area codes still point where report's do. */
int me_report_copy(const struct me_report *report, struct me_report *out);
/* Whether a figure is called name ("cases_by_month"...). */
bool me_figure_name_known(const char *name);
/* The figure named name; NULL when none is. */
const struct me_figure *me_report_figure(const struct me_report *report, const char *name);
/* The count of (key, sub) in figure; 0 when absent. */
int64_t me_figure_count(const struct me_figure *figure, const char *key, const char *sub);

#endif
