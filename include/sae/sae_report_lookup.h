/* Finding a report by what a person typed, the same at the post and the hub: a case's
 * registration number, or a report id or the start of one (proto/report_lookup.c). Each
 * store gives its own query for numbers (its tables differ) and the commands its messages
 * point to. */
#ifndef SAE_REPORT_LOOKUP_H
#define SAE_REPORT_LOOKUP_H

#include <sqlite3.h>

#include "sae_db.h"
#include "sae_error.h"
#include "sae_id.h"

struct sae_report_lookup {
    sqlite3 *db;
    struct sae_db_cache *cache; /* NULL: statements prepared each time */
    /* ?1 a registration number's text; the ids of the reports carrying it, LIMIT 2. */
    const char *number_sql;
    const char *list_command;  /* lists the reports: "sae-node list" */
    const char *twice_command; /* shows a number carried by two cases */
};

/* The id of the one report text names (a registration number, an id, or an id's first
 * SAE_LIMIT_ID_PREFIX_MIN or more characters) into out. SAE_EINVAL (text is neither),
 * SAE_ENOTFOUND, SAE_EAMBIGUOUS (a prefix or number of two reports), each with why saying
 * what to do; a database's error code. The stores' report table has the column id. */
int sae_report_lookup(const struct sae_report_lookup *lookup, const char *text,
                      char out[SAE_ID_TEXT_LEN + 1], struct sae_message *why);

#endif
