/* FieldReview: the review state of one field, carried by PullResponse. */
#include "wire_internal.h"

#include <stdlib.h>
#include <string.h>

#include "sae/sae_error.h"

/* A review as lengths and numbers, whichever side it came from, so that encoding and
 * decoding apply one set of rules. */
struct review_view {
    const uint8_t *id, *field;
    size_t id_len, field_len;
    uint64_t standing_hlc, standing_origin, latest_hlc, latest_origin;
    bool open;
    struct wire_text state, note, reviewer;
};

static const char *const case_states[] = {SAE_CASE_REVIEW_RECEIVED, SAE_CASE_REVIEW_HAS_ISSUES,
                                          SAE_CASE_REVIEW_APPROVED};

static bool is_case_field(const struct review_view *v)
{
    return v->field_len == strlen(SAE_REVIEW_CASE_FIELD) &&
           memcmp(v->field, SAE_REVIEW_CASE_FIELD, v->field_len) == 0;
}

/* A case's review: a known state, open exactly while it has issues, no versions; a note
 * and a reviewer as a coordinator's. Any other field carries none of the three. */
static int check_case_review(const struct review_view *v)
{
    if (!is_case_field(v))
        return v->state.present || v->note.present || v->reviewer.present ? SAE_WIRE_EDECODE : 0;
    bool known = false, issues = false;
    for (size_t i = 0; v->state.present && i < sizeof case_states / sizeof case_states[0]; i++)
        if (v->state.len == strlen(case_states[i]) &&
            memcmp(v->state.bytes, case_states[i], v->state.len) == 0) {
            known = true;
            issues = i == 1;
        }
    if (!known || issues != v->open || !v->reviewer.present || v->standing_hlc ||
        v->standing_origin || v->latest_hlc || v->latest_origin)
        return SAE_WIRE_EDECODE;
    int rc = wire_check_text(v->reviewer.bytes, v->reviewer.len, SAE_WIRE_AUTHOR_BYTES,
                             WIRE_TEXT_LINE);
    if (rc == 0 && v->note.present)
        rc = wire_check_text(v->note.bytes, v->note.len, SAE_WIRE_NOTE_BYTES, WIRE_TEXT_LINE);
    return rc;
}

static int check_version(uint64_t hlc, uint64_t origin)
{
    if (wire_check_int63(hlc) || wire_check_int63(origin))
        return SAE_WIRE_EDECODE;
    /* "None" is exactly 0/0, as for a change's base. */
    return hlc == 0 && origin != 0 ? SAE_WIRE_EDECODE : 0;
}

static int check_view(const struct review_view *v, const struct sae_limits *limits)
{
    int rc = wire_check_field_name(v->field, v->field_len, limits);
    if (rc == 0 && v->id_len != SAE_ID_BYTES)
        rc = SAE_WIRE_EDECODE;
    if (rc == 0)
        rc = check_version(v->standing_hlc, v->standing_origin);
    if (rc == 0)
        rc = check_version(v->latest_hlc, v->latest_origin);
    if (rc == 0)
        rc = check_case_review(v);
    return rc;
}


static struct review_view view_of_review(const struct sae_review *r)
{
    return (struct review_view){
        .id = r->report_id.bytes, .id_len = SAE_ID_BYTES, .field = (const uint8_t *)r->field,
        .field_len = r->field ? strlen(r->field) : 0, .standing_hlc = r->standing.hlc,
        .standing_origin = r->standing.origin, .latest_hlc = r->latest.hlc,
        .latest_origin = r->latest.origin, .open = r->open, .state = wire_text_of(r->case_state),
        .note = wire_text_of(r->note), .reviewer = wire_text_of(r->reviewer)};
}

static struct review_view view_of_pb(const Sae__V1__FieldReview *p)
{
    return (struct review_view){
        .id = p->report_id.data, .id_len = p->has_report_id ? p->report_id.len : 0,
        .field = p->field.data, .field_len = p->has_field ? p->field.len : 0,
        .standing_hlc = p->has_standing_hlc ? p->standing_hlc : 0,
        .standing_origin = p->has_standing_origin ? p->standing_origin : 0,
        .latest_hlc = p->has_latest_hlc ? p->latest_hlc : 0,
        .latest_origin = p->has_latest_origin ? p->latest_origin : 0,
        .open = p->has_open && p->open, .state = wire_text_of_pb(p->has_case_state, &p->case_state),
        .note = wire_text_of_pb(p->has_note, &p->note),
        .reviewer = wire_text_of_pb(p->has_reviewer, &p->reviewer)};
}

int wire_reviews_to_pb(const struct sae_review *reviews, size_t count,
                       const struct sae_limits *limits, struct wire_pb_reviews *out)
{
    memset(out, 0, sizeof *out);
    if (count > limits->changes_per_message)
        return SAE_WIRE_ELIMIT;
    for (size_t i = 0; i < count; i++) {
        struct review_view v = view_of_review(&reviews[i]);
        int rc = check_view(&v, limits);
        if (rc != 0)
            return rc;
    }
    if (count == 0)
        return 0;
    out->items = calloc(count, sizeof *out->items);
    out->ptrs = calloc(count, sizeof *out->ptrs);
    if (!out->items || !out->ptrs) {
        wire_pb_reviews_free(out);
        return SAE_ENOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        const struct sae_review *r = &reviews[i];
        Sae__V1__FieldReview *p = &out->items[i];
        sae__v1__field_review__init(p);
        p->has_report_id = 1;
        p->report_id = (ProtobufCBinaryData){SAE_ID_BYTES, sae_borrow(r->report_id.bytes)};
        p->has_field = 1;
        p->field = wire_bytes_of(r->field);
        p->has_open = r->open;
        p->open = r->open;
        p->has_standing_hlc = r->standing.hlc != 0;
        p->standing_hlc = r->standing.hlc;
        p->has_standing_origin = r->standing.origin != 0;
        p->standing_origin = r->standing.origin;
        p->has_latest_hlc = r->latest.hlc != 0;
        p->latest_hlc = r->latest.hlc;
        p->has_latest_origin = r->latest.origin != 0;
        p->latest_origin = r->latest.origin;
        p->has_case_state = r->case_state != NULL;
        p->case_state = wire_bytes_of(r->case_state);
        p->has_note = r->note != NULL;
        p->note = wire_bytes_of(r->note);
        p->has_reviewer = r->reviewer != NULL;
        p->reviewer = wire_bytes_of(r->reviewer);
        out->ptrs[i] = p;
    }
    out->count = count;
    return 0;
}

void wire_pb_reviews_free(struct wire_pb_reviews *pb)
{
    free(pb->items);
    free(pb->ptrs);
    memset(pb, 0, sizeof *pb);
}

void wire_reviews_free(struct sae_review *reviews, size_t count)
{
    if (!reviews)
        return;
    for (size_t i = 0; i < count; i++) {
        wire_free_text(reviews[i].field);
        wire_free_text(reviews[i].case_state);
        wire_free_text(reviews[i].note);
        wire_free_text(reviews[i].reviewer);
    }
    free(reviews);
}

int wire_reviews_from_pb(Sae__V1__FieldReview *const *reviews, size_t count,
                         const struct sae_limits *limits, struct sae_review **out,
                         size_t *out_count)
{
    if (count > limits->changes_per_message)
        return SAE_WIRE_ELIMIT;
    for (size_t i = 0; i < count; i++) {
        struct review_view v = view_of_pb(reviews[i]);
        int rc = check_view(&v, limits);
        if (rc != 0)
            return rc;
    }
    struct sae_review *copy = calloc(count + 1, sizeof *copy);
    if (!copy)
        return SAE_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        struct review_view v = view_of_pb(reviews[i]);
        int rc = wire_dup_text(v.field, v.field_len, &copy[i].field);
        if (rc == 0 && v.state.present)
            rc = wire_dup_text(v.state.bytes, v.state.len, &copy[i].case_state);
        if (rc == 0 && v.note.present)
            rc = wire_dup_text(v.note.bytes, v.note.len, &copy[i].note);
        if (rc == 0 && v.reviewer.present)
            rc = wire_dup_text(v.reviewer.bytes, v.reviewer.len, &copy[i].reviewer);
        if (rc != 0) {
            wire_reviews_free(copy, i + 1);
            return rc;
        }
        memcpy(copy[i].report_id.bytes, v.id, SAE_ID_BYTES);
        copy[i].open = reviews[i]->has_open && reviews[i]->open;
        copy[i].standing = (struct sae_version){v.standing_hlc, v.standing_origin};
        copy[i].latest = (struct sae_version){v.latest_hlc, v.latest_origin};
    }
    *out = copy;
    *out_count = count;
    return 0;
}
