/* Finding a report by a person's words (sae_report_lookup.h). */
#include "sae/sae_report_lookup.h"

#include <string.h>

#include "sae/sae_limits.h"
#include "sae/sae_registration.h"

/* '~' sorts after every hex digit and '-', so this range is exactly the prefix. */
static const char prefix_sql[] =
    "SELECT id FROM report WHERE id >= ?1 AND id < ?1 || '~' ORDER BY id LIMIT 2";

/* The case carrying a registration number (which never reads as an id prefix). */
static int by_number(const struct sae_report_lookup *lookup,
                     const struct sae_registration *number, char out[SAE_ID_TEXT_LEN + 1],
                     struct sae_message *why)
{
    char text[SAE_REGISTRATION_BYTES], found[SAE_ID_TEXT_LEN + 1] = "";
    int matches = 0;
    int rc = sae_registration_format(number, text);
    if (rc == 0)
        rc = sae_db_query_first_text(lookup->db, lookup->cache, lookup->number_sql, text,
                                     found, sizeof found, &matches);
    if (rc != 0)
        return rc;
    if (matches > 1) {
        sae_message_set(why, "registration number %s is carried by more than one case; name "
                        "the case by its id (see: %s)", text, lookup->twice_command);
        return SAE_EAMBIGUOUS;
    }
    if (matches == 0) {
        sae_message_set(why, "no case has registration number %s; list them with: %s --kind "
                        "case", text, lookup->list_command);
        return SAE_ENOTFOUND;
    }
    memcpy(out, found, sizeof found);
    return 0;
}

int sae_report_lookup(const struct sae_report_lookup *lookup, const char *text,
                      char out[SAE_ID_TEXT_LEN + 1], struct sae_message *why)
{
    char prefix[SAE_ID_TEXT_LEN + 1], found[SAE_ID_TEXT_LEN + 1] = "";
    struct sae_registration number;
    int matches = 0;
    if (sae_registration_parse(text, &number) == 0)
        return by_number(lookup, &number, out, why);
    if (sae_id_normalize_prefix(text, prefix) != 0) {
        sae_message_set(why, "\"%.40s\" is not a report id; give the id, at least its first "
                        "%d characters, or a case's registration number (see: %s)", text,
                        SAE_LIMIT_ID_PREFIX_MIN, lookup->list_command);
        return SAE_EINVAL;
    }
    int rc = sae_db_query_first_text(lookup->db, lookup->cache, prefix_sql, prefix, found,
                                     sizeof found, &matches);
    if (rc != 0)
        return rc;
    if (matches == 0) {
        sae_message_set(why, "no report has id %s; list them with: %s", prefix,
                        lookup->list_command);
        return SAE_ENOTFOUND;
    }
    if (matches > 1) {
        sae_message_set(why, "id %s matches more than one report; give more characters", prefix);
        return SAE_EAMBIGUOUS;
    }
    memcpy(out, found, sizeof found);
    return 0;
}
