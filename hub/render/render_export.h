/* The console's exports (CSV, UTF-8 with a BOM so that spreadsheets open it, or JSON) of the
 * reports list's filters, in two variants:
 * - de-identified, for anyone who may export: no sensitive field (names, contacts,
 *   narratives, notes: the catalogue's marks) and no free text but the registration
 *   number, and every date cut to its month (YYYY-MM);
 * - full, for a caller whose role allows it (coordinators): every field.
 * No export carries a sensitive value of a case whose survivor has not consented to share
 * (consent_share not true), nor of that case's services, stays and referrals: the value
 * reads HUB_NO_CONSENT_MARK instead (hub_export_consented, the one place that decides, for
 * `sae-hub export` without --variant too). Deleted reports are left out. */
#ifndef RENDER_EXPORT_H
#define RENDER_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "store/case_list.h"
#include "store/hub_read.h"
#include "store/hub_store.h"

#define HUB_CSV_BOM "\xEF\xBB\xBF"
/* What an export shows in place of a sensitive value withheld for want of consent. */
#define HUB_NO_CONSENT_MARK "[tanpa persetujuan berbagi / no consent to share]"

enum hub_export_variant {
    HUB_EXPORT_DEIDENTIFIED,
    HUB_EXPORT_FULL,
};

struct hub_export_request {
    const struct hub_list_query *filter; /* its kind, if any, also picks the CSV columns */
    enum hub_export_variant variant;
    bool csv;                            /* false: JSON, an array of reports */
    bool may_export_full;                /* the caller's role allows the full variant */
};

/* Writes the export to out, *count the reports written. SAE_EPERM (why says so) when the
 * full variant is asked without may_export_full; SAE_EINVAL for a bad filter. Nothing is
 * written before the checks pass. */
int hub_export_write(struct hub_store *store, FILE *out, const struct hub_export_request *request,
                     size_t *count, struct sae_message *why);

/* Whether the survivor of report id consented to share (its consent_share, or for an
 * event its case's, is true): what decides every way a sensitive value leaves the hub. */
int hub_export_shares(struct hub_store *store, const char *id, bool *out);

/* A copy of report as an export may carry it: each sensitive value replaced by
 * HUB_NO_CONSENT_MARK unless the survivor consented to share (the report's consent_share,
 * or for an event its case's, is true). copy shares report's strings; free(copy->values). */
int hub_export_consented(struct hub_store *store, const struct hub_report *report,
                         struct hub_report *copy);

/* Whether the variant writes field at all (the same for every report). */
bool hub_export_keeps_field(enum hub_export_variant variant, const struct sae_field *field);

#endif
