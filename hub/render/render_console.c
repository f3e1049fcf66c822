/* Possible duplicates and partner referrals as text and JSON. */
#include "render/render_console.h"

#include <inttypes.h>
#include <string.h>

#include "render/render.h"
#include "sae/sae_value_json.h"

static const struct {
    unsigned bit;
    const char *name;
} signal_names[] = {
    {DUP_SAME_VILLAGE, "same_village"}, {DUP_SAME_AGE, "same_age"},
    {DUP_INTAKE_CLOSE, "intake_within_14_days"}, {DUP_SAME_INCIDENT, "same_incident_date"},
    {DUP_TYPES_SHARED, "violence_type_shared"}, {DUP_NAME_SAME, "name_same"},
    {DUP_NAME_DIFFERENT, "name_different"},
};
#define SIGNAL_COUNT (sizeof signal_names / sizeof signal_names[0])

void hub_dup_signals_text(unsigned signals, char out[DUP_SIGNALS_TEXT_BYTES])
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < SIGNAL_COUNT; i++) {
        if (!(signals & signal_names[i].bit))
            continue;
        int n = snprintf(out + used, DUP_SIGNALS_TEXT_BYTES - used, "%s%s", used ? "," : "",
                         signal_names[i].name);
        if (n < 0 || (size_t)n >= DUP_SIGNALS_TEXT_BYTES - used)
            break;
        used += (size_t)n;
    }
}

static void case_text(FILE *out, const struct dup_case *c)
{
    fprintf(out, "%s (%s, %s, %s %" PRId64 ")", c->number[0] ? c->number : c->id, c->village,
            c->intake_date, c->sex, c->age);
}

void hub_dup_pair_line(FILE *out, const struct dup_pair *pair)
{
    char signals[DUP_SIGNALS_TEXT_BYTES];
    hub_dup_signals_text(pair->signals, signals);
    fprintf(out, "%-6s ", dup_grade_name(pair->grade));
    case_text(out, &pair->a);
    fputs(" ~ ", out);
    case_text(out, &pair->b);
    fprintf(out, "  %s\n  ids: %s %s\n", signals[0] ? signals : "-", pair->a.id, pair->b.id);
}

static json_t *case_json(const struct dup_case *c)
{
    return json_pack("{s:s, s:o, s:s, s:s, s:s, s:I}", "id", c->id, "registration_number",
                     c->number[0] ? json_string(c->number) : json_null(), "village", c->village,
                     "intake_date", c->intake_date, "sex", c->sex, "age", (json_int_t)c->age);
}

json_t *hub_dup_pair_json(const struct dup_pair *pair)
{
    json_t *signals = json_array();
    for (size_t i = 0; signals && i < SIGNAL_COUNT; i++)
        if ((pair->signals & signal_names[i].bit) &&
            json_array_append_new(signals, json_string(signal_names[i].name)) != 0) {
            json_decref(signals);
            return NULL;
        }
    return signals ? json_pack("{s:s, s:o, s:o, s:o}", "grade", dup_grade_name(pair->grade),
                               "signals", signals, "a", case_json(&pair->a), "b",
                               case_json(&pair->b))
                   : NULL;
}

json_t *hub_dup_list_json(json_t *pairs, const struct dup_totals *t)
{
    return json_pack("{s:o, s:I, s:I, s:I, s:I}", "pairs", pairs, "high", (json_int_t)t->high,
                     "medium", (json_int_t)t->medium, "low", (json_int_t)t->low, "decided",
                     (json_int_t)t->decided);
}

static const char *share_name(enum partner_share share)
{
    return share == PARTNER_SHARE_CONSENT ? "consent"
         : share == PARTNER_SHARE_OVERRIDE ? "override" : "none";
}

void hub_partner_referral_text(FILE *out, const struct partner_referral *r)
{
    fprintf(out, "%s%s  %s\n", r->awaiting ? "[menunggu / awaiting] " : "", r->referral->id,
            r->referral->village_name ? r->referral->village_name : r->referral->village);
    for (size_t i = 0; i < r->shown_count; i++) {
        char label[SAE_VALUE_LABEL_BYTES];
        bool labelled = sae_value_label(r->shown[i].field, r->shown[i].value, label) == 0;
        fprintf(out, "  %-28s %s%s%s%s\n", r->shown[i].field->label_id, r->shown[i].value,
                labelled ? " (" : "", labelled ? label : "", labelled ? ")" : "");
    }
    if (r->age_band)
        fprintf(out, "  %-28s %s\n", "Kelompok umur", r->age_band);
    if (r->share == PARTNER_SHARE_OVERRIDE)
        fprintf(out, "  shared by override: %s (by %s)\n", r->override_reason, r->override_by);
    else if (r->share == PARTNER_SHARE_NONE)
        fprintf(out, "  name, age, contact and narrative withheld: the survivor did not "
                "consent to share\n");
}

json_t *hub_partner_referral_json(const struct partner_referral *r)
{
    json_t *fields = json_object();
    for (size_t i = 0; fields && i < r->shown_count; i++)
        if (json_object_set_new(fields, r->shown[i].field->name,
                                sae_value_json(r->shown[i].field, r->shown[i].value)) != 0) {
            json_decref(fields);
            return NULL;
        }
    return fields ? json_pack("{s:s, s:o, s:s, s:b, s:s, s:o, s:o, s:o, s:o}", "id",
                              r->referral->id, "case_id",
                              r->kase ? json_string(r->kase->id) : json_null(), "village",
                              r->referral->village, "awaiting", r->awaiting, "share",
                              share_name(r->share), "override_by",
                              r->override_by ? json_string(r->override_by) : json_null(),
                              "override_reason",
                              r->override_reason ? json_string(r->override_reason) : json_null(),
                              "age_band", r->age_band ? json_string(r->age_band) : json_null(),
                              "fields", fields)
                  : NULL;
}
