/* report_summary: what the console's lists filter and sort on, one row per report, derived
 * from field_state (the winners) so that a list of 100,000 cases reads one narrow row per
 * case instead of a dozen field lookups. Written by the merge (merge/merge_summary.h)
 * whenever a winner of the report may have changed, and by migration 6 for what a hub
 * already held (this definition's text as of schema 6, written out there). The merge picks
 * one report's columns from its winners in C (merge/merge_summary.c); test_merge_fast holds
 * the two to the same rows. */
#ifndef HUB_SUMMARY_H
#define HUB_SUMMARY_H

/* The current value of one field of report r (NULL: unset or never written). */
#define HUB_SUMMARY_VALUE_SQL(field_expr)                                                    \
    "(SELECT c.value FROM field_state s JOIN change c ON c.seq = s.change"                   \
    " WHERE s.report_id = r.id AND s.field = " field_expr ")"

/* The columns of report_summary for every report r, in table order. A set's elements are
 * fields 'violence_types/CODE' (15 characters before the code); while the set has none, a
 * case of catalogue 1 shows its old single violence_type (proto/view.h). */
#define HUB_SUMMARY_SELECT_SQL                                                                \
    "SELECT r.id, r.kind,"                                                                    \
    " " HUB_SUMMARY_VALUE_SQL("CASE r.kind WHEN 'case' THEN 'intake_date' WHEN 'service'"     \
                              " THEN 'service_date' WHEN 'referral' THEN 'referral_date'"     \
                              " ELSE 'admission_date' END") ","                                \
    " " HUB_SUMMARY_VALUE_SQL("CASE r.kind WHEN 'referral' THEN 'referral_status'"            \
                              " ELSE 'status' END") ","                                        \
    " " HUB_SUMMARY_VALUE_SQL("'risk_level'") ","                                             \
    " " HUB_SUMMARY_VALUE_SQL("'registration_number'") ","                                    \
    " coalesce((SELECT ',' || group_concat(substr(s.field, 16), ',') || ',' FROM field_state"  \
    " s JOIN change c ON c.seq = s.change WHERE s.report_id = r.id AND s.field >"              \
    " 'violence_types/' AND s.field < 'violence_types0' AND c.value IS NOT NULL),"             \
    " ',' || " HUB_SUMMARY_VALUE_SQL("'violence_type'") " || ','),"                           \
    " coalesce((SELECT max(c.version) FROM field_state s JOIN change c ON c.seq = s.change"    \
    " WHERE s.report_id = r.id), 0),"                                                          \
    " " HUB_SUMMARY_VALUE_SQL("'_deleted'") " IS NOT NULL,"                                    \
    " " HUB_SUMMARY_VALUE_SQL("'case_id'")                                                     \
    " FROM report r"

#endif
