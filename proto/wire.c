/* Field changes between protobuf-c structs and ours, grouped, with every rule of a change
 * (PROTOCOL.md sections 3 and 4). Every byte comes from the network: each field is checked
 * before anything is copied out of the protobuf decoder's memory (wire_common.c). */
#include "wire_internal.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_error.h"
#include "sae/sae_sealed.h"
#include "sae/sae_value_box.h"
#include "sae/sae_wipe.h"
#include "sae/sae_validate.h"

/* A change as lengths and numbers, whichever side it came from, so that encoding and
 * decoding apply one set of rules. */
struct change_view {
    const uint8_t *id;
    size_t id_len;
    const uint8_t *kind, *field, *value, *sealed;
    size_t kind_len, field_len, value_len, sealed_len;
    bool has_value, has_sealed, withheld;
    /* The group's value box (schema 6) and this change's slot in it (0: none). */
    const uint8_t *box;
    size_t box_len;
    bool has_box;
    uint32_t box_slot;
    uint64_t hlc, origin, base_hlc, base_origin, seq, seen_cursor, supersedes;
    /* The group's people and places: present or absent, never empty. */
    struct wire_text author, note, device;
};

/* An optional text of a group: absent, or 1..max bytes of UTF-8 on one line. */
static int check_optional_line(const struct wire_text *t, size_t max)
{
    return t->present ? wire_check_text(t->bytes, t->len, max, WIRE_TEXT_LINE) : 0;
}

static int check_people(const struct change_view *v, const struct sae_limits *limits)
{
    int rc = check_optional_line(&v->author, SAE_WIRE_AUTHOR_BYTES);
    if (rc == 0)
        rc = check_optional_line(&v->note, SAE_WIRE_NOTE_BYTES);
    if (rc == 0)
        rc = check_optional_line(&v->device, limits->text_bytes);
    return rc;
}

/* A sealed value replaces the value: never both, and its length is a value's plus the
 * overhead of its sealed-format version (sae_sealed.h: 53 bytes, or 77 for version 2), so
 * its limit is the value's. */
static int check_sealed(const struct change_view *v, const struct sae_limits *limits)
{
    size_t overhead = v->sealed_len > 0 && v->sealed[0] == SAE_SEALED_VERSION_SHARED
                          ? SAE_SEALED_SHARED_OVERHEAD
                          : SAE_SEALED_OVERHEAD;
    if (v->has_value || v->sealed_len <= overhead)
        return SAE_WIRE_EDECODE;
    return v->sealed_len - overhead > limits->value_bytes ? SAE_WIRE_ELIMIT : 0;
}

/* A box is one version-2 seal of at least one deflated byte; a slot stands for the value. */
static int check_box(const struct change_view *v)
{
    if (v->has_box && (v->box_len <= SAE_SEALED_SHARED_OVERHEAD || v->box[0] !=
                       SAE_SEALED_VERSION_SHARED))
        return SAE_WIRE_EDECODE;
    if (v->has_box && v->box_len > SAE_VALUE_BOX_MAX_BYTES)
        return SAE_WIRE_ELIMIT;
    if (v->box_slot > 0 && (v->has_value || v->has_sealed || v->withheld))
        return SAE_WIRE_EDECODE;
    return v->box_slot > SAE_VALUE_BOX_VALUES_MAX ? SAE_WIRE_ELIMIT : 0;
}

static int check_view(const struct change_view *v, const struct sae_limits *limits)
{
    int rc = wire_check_kind_name(v->kind, v->kind_len, limits);
    if (rc == 0)
        rc = check_box(v);
    /* Withheld says there is a value not given: never beside one. */
    if (rc == 0 && v->withheld && (v->has_value || v->has_sealed))
        rc = SAE_WIRE_EDECODE;
    if (rc == 0 && v->has_sealed)
        rc = check_sealed(v, limits);
    if (rc == 0)
        rc = wire_check_field_name(v->field, v->field_len, limits);
    if (rc == 0 && v->has_value) {
        if (v->value_len > limits->value_bytes)
            rc = SAE_WIRE_ELIMIT;
        else if (v->value_len == 0 || sae_utf8_check((const char *)v->value, v->value_len) != 0)
            rc = SAE_WIRE_EDECODE;
    }
    if (rc == 0)
        rc = check_people(v, limits);
    if (rc != 0)
        return rc;
    if (v->id_len != SAE_ID_BYTES || v->hlc == 0 || v->seq == 0)
        return SAE_WIRE_EDECODE;
    if (wire_check_int63(v->hlc) || wire_check_int63(v->origin) || wire_check_int63(v->seq) ||
        wire_check_int63(v->base_hlc) || wire_check_int63(v->base_origin) ||
        wire_check_int63(v->seen_cursor) || wire_check_int63(v->supersedes))
        return SAE_WIRE_EDECODE;
    /* A re-dated version names another, earlier-issued one of the same writer. */
    if (v->supersedes == v->hlc)
        return SAE_WIRE_EDECODE;
    /* "No base" is exactly 0/0: an origin without a time means nothing. */
    if (v->base_hlc == 0 && v->base_origin != 0)
        return SAE_WIRE_EDECODE;
    return 0;
}

static struct change_view view_of_change(const struct sae_change *c)
{
    struct change_view v = {
        .id = c->report_id.bytes, .id_len = SAE_ID_BYTES,
        .kind = (const uint8_t *)c->kind, .kind_len = c->kind ? strlen(c->kind) : 0,
        .field = (const uint8_t *)c->field, .field_len = c->field ? strlen(c->field) : 0,
        .value = (const uint8_t *)c->value, .value_len = c->value ? strlen(c->value) : 0,
        .has_value = c->value != NULL,
        .sealed = c->sealed_value, .sealed_len = c->sealed_len,
        .has_sealed = c->sealed_value != NULL, .withheld = c->withheld,
        .box = c->group_box, .box_len = c->group_box_len, .has_box = c->group_box != NULL,
        .box_slot = c->box_slot,
        .hlc = c->version.hlc, .origin = c->version.origin,
        .base_hlc = c->base.hlc, .base_origin = c->base.origin, .seq = c->seq,
        .seen_cursor = c->seen_cursor, .supersedes = c->supersedes,
        .author = wire_text_of(c->author), .note = wire_text_of(c->note),
        .device = wire_text_of(c->device),
    };
    return v;
}

/* A change from its group; seq is explicit or follows the previous change's. */
static struct change_view view_of_pb(const Sae__V1__ChangeGroup *g, const Sae__V1__FieldChange *f,
                                     uint64_t prev_seq)
{
    struct change_view v = {
        .id = g->report_id.data, .id_len = g->has_report_id ? g->report_id.len : 0,
        .kind = g->kind.data, .kind_len = g->has_kind ? g->kind.len : 0,
        .field = f->field.data, .field_len = f->has_field ? f->field.len : 0,
        .value = f->value.data, .value_len = f->value.len, .has_value = f->has_value,
        .sealed = f->sealed_value.data, .sealed_len = f->has_sealed_value ? f->sealed_value.len : 0,
        .has_sealed = f->has_sealed_value, .withheld = f->has_withheld && f->withheld,
        .box = g->sealed_values.data, .box_len = g->has_sealed_values ? g->sealed_values.len : 0,
        .has_box = g->has_sealed_values, .box_slot = f->has_box_slot ? f->box_slot : 0,
        .hlc = g->has_hlc ? g->hlc : 0, .origin = g->has_origin ? g->origin : 0,
        .base_hlc = f->has_base_hlc ? f->base_hlc : 0,
        .base_origin = f->has_base_origin ? f->base_origin : 0,
        .seq = f->has_seq ? f->seq : (prev_seq ? prev_seq + 1 : 0),
        .seen_cursor = g->has_seen_cursor ? g->seen_cursor : 0,
        .supersedes = g->has_supersedes ? g->supersedes : 0,
        .author = wire_text_of_pb(g->has_author, &g->author),
        .note = wire_text_of_pb(g->has_note, &g->note),
        .device = wire_text_of_pb(g->has_device, &g->device),
    };
    return v;
}

int sae_change_check(const struct sae_change *change, const struct sae_limits *limits)
{
    if (!change || !limits)
        return SAE_EINVAL;
    struct change_view v = view_of_change(change);
    return check_view(&v, limits);
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_group(const struct sae_change *a, const struct sae_change *b)
{
    return memcmp(a->report_id.bytes, b->report_id.bytes, SAE_ID_BYTES) == 0 &&
           a->version.hlc == b->version.hlc && a->version.origin == b->version.origin &&
           a->seen_cursor == b->seen_cursor && a->supersedes == b->supersedes &&
           strcmp(a->kind, b->kind) == 0 && same_text(a->author, b->author) &&
           same_text(a->note, b->note) && same_text(a->device, b->device);
}

/* An optional text of a group, on the wire only when present. */
static void text_to_pb(const char *text, protobuf_c_boolean *has, ProtobufCBinaryData *out)
{
    *has = text != NULL;
    *out = wire_bytes_of(text);
}

static void box_to_pb(const struct sae_change *c, Sae__V1__ChangeGroup *g)
{
    g->has_sealed_values = c->group_box != NULL;
    g->sealed_values.data = sae_borrow(c->group_box);
    g->sealed_values.len = c->group_box_len;
}

/* Numbers go on the wire only when they are not 0: absent means 0, and it saves bytes. */
static void group_to_pb(const struct sae_change *c, Sae__V1__ChangeGroup *g)
{
    sae__v1__change_group__init(g);
    g->has_report_id = 1;
    g->report_id.data = sae_borrow(c->report_id.bytes);
    g->report_id.len = SAE_ID_BYTES;
    g->has_kind = 1;
    g->kind = wire_bytes_of(c->kind);
    g->has_hlc = c->version.hlc != 0;
    g->hlc = c->version.hlc;
    g->has_origin = c->version.origin != 0;
    g->origin = c->version.origin;
    g->has_seen_cursor = c->seen_cursor != 0;
    g->seen_cursor = c->seen_cursor;
    g->has_supersedes = c->supersedes != 0;
    g->supersedes = c->supersedes;
    text_to_pb(c->author, &g->has_author, &g->author);
    text_to_pb(c->note, &g->has_note, &g->note);
    text_to_pb(c->device, &g->has_device, &g->device);
    box_to_pb(c, g);
}

static void field_to_pb(const struct sae_change *c, uint64_t prev_seq, Sae__V1__FieldChange *f)
{
    sae__v1__field_change__init(f);
    f->has_field = 1;
    f->field = wire_bytes_of(c->field);
    f->has_value = c->value != NULL;
    f->value = wire_bytes_of(c->value);
    f->has_sealed_value = c->sealed_value != NULL;
    f->sealed_value.data = sae_borrow(c->sealed_value);
    f->sealed_value.len = c->sealed_len;
    f->has_withheld = c->withheld;
    f->withheld = c->withheld;
    f->has_box_slot = c->box_slot != 0;
    f->box_slot = c->box_slot;
    f->has_base_hlc = c->base.hlc != 0;
    f->base_hlc = c->base.hlc;
    f->has_base_origin = c->base.origin != 0;
    f->base_origin = c->base.origin;
    f->has_seq = prev_seq == 0 || c->seq != prev_seq + 1;
    f->seq = c->seq;
}

void wire_pb_changes_free(struct wire_pb_changes *pb)
{
    free(pb->groups);
    free(pb->group_ptrs);
    free(pb->fields);
    free(pb->field_ptrs);
    memset(pb, 0, sizeof *pb);
}

enum wire_values wire_values_of_push(uint32_t schema)
{
    if (schema >= SAE_WIRE_SCHEMA_VALUE_BOX)
        return WIRE_VALUES_PUSH_BOXED;
    return schema >= SAE_WIRE_SCHEMA_SEALED ? WIRE_VALUES_PUSH : WIRE_VALUES_PLAIN;
}

enum wire_values wire_values_of_pull(uint32_t schema)
{
    return schema >= SAE_WIRE_SCHEMA_WITHHELD ? WIRE_VALUES_PULL : WIRE_VALUES_PLAIN;
}

/* What `values` allows of a change already checked on its own (check_view). */
static int check_values(const struct change_view *v, enum wire_values values)
{
    bool ok;
    if ((v->has_box || v->box_slot > 0) && values != WIRE_VALUES_PUSH_BOXED)
        return SAE_WIRE_EDECODE;
    switch (values) {
    case WIRE_VALUES_PUSH:
    case WIRE_VALUES_PUSH_BOXED: ok = !v->withheld; break;
    case WIRE_VALUES_PULL: ok = true; break;
    case WIRE_VALUES_GRANTS: ok = v->has_sealed; break;
    default: ok = !v->withheld && !v->has_sealed; break;
    }
    return ok ? 0 : SAE_WIRE_EDECODE;
}

int wire_changes_to_pb(const struct sae_change *changes, size_t count,
                       const struct sae_limits *limits, enum wire_values values,
                       struct wire_pb_changes *out)
{
    struct wire_pb_changes pb = {0};
    if (count > limits->changes_per_message)
        return SAE_WIRE_ELIMIT;
    if (count > 0 && !changes)
        return SAE_EINVAL;
    for (size_t i = 0; i < count; i++) {
        struct change_view v = view_of_change(&changes[i]);
        int rc = check_view(&v, limits);
        if (rc == 0)
            rc = check_values(&v, values);
        if (rc != 0)
            return rc;
    }
    pb.groups = calloc(count + 1, sizeof *pb.groups);
    pb.group_ptrs = calloc(count + 1, sizeof *pb.group_ptrs);
    pb.fields = calloc(count + 1, sizeof *pb.fields);
    pb.field_ptrs = calloc(count + 1, sizeof *pb.field_ptrs);
    if (!pb.groups || !pb.group_ptrs || !pb.fields || !pb.field_ptrs) {
        wire_pb_changes_free(&pb);
        return SAE_ENOMEM;
    }
    Sae__V1__ChangeGroup *g = NULL;
    for (size_t i = 0; i < count; i++) {
        /* A box goes on its change's group, which a second box starts anew. */
        bool starts = i == 0 || !same_group(&changes[i - 1], &changes[i]) ||
                      (changes[i].group_box && g->has_sealed_values);
        if (!starts && changes[i].group_box)
            box_to_pb(&changes[i], g);
        if (changes[i].box_slot > 0 && !changes[i].group_box && (starts || !g->has_sealed_values)) {
            wire_pb_changes_free(&pb);
            return SAE_WIRE_EDECODE; /* a slot of no box */
        }
        if (starts) {
            g = &pb.groups[pb.group_count];
            pb.group_ptrs[pb.group_count++] = g;
            group_to_pb(&changes[i], g);
            g->changes = &pb.field_ptrs[i];
        }
        field_to_pb(&changes[i], starts ? 0 : changes[i - 1].seq, &pb.fields[i]);
        pb.field_ptrs[i] = &pb.fields[i];
        g->n_changes++;
    }
    *out = pb;
    return 0;
}


void wire_changes_free(struct sae_change *changes, size_t count)
{
    if (!changes)
        return;
    for (size_t i = 0; i < count; i++)
        sae_wipe_clear_change(&changes[i]);
    free(changes);
}

static int change_from_view(const struct change_view *v, struct sae_change *c)
{
    memset(c, 0, sizeof *c);
    memcpy(c->report_id.bytes, v->id, SAE_ID_BYTES);
    int rc = wire_dup_text(v->kind, v->kind_len, &c->kind);
    if (rc == 0)
        rc = wire_dup_text(v->field, v->field_len, &c->field);
    if (rc == 0 && v->has_value)
        rc = wire_dup_text(v->value, v->value_len, &c->value);
    if (rc == 0 && v->has_sealed && !(c->sealed_value = malloc(v->sealed_len)))
        rc = SAE_ENOMEM;
    if (rc == 0 && v->has_sealed) {
        memcpy(c->sealed_value, v->sealed, v->sealed_len);
        c->sealed_len = v->sealed_len;
    }
    c->withheld = v->withheld;
    c->box_slot = v->box_slot;
    if (rc == 0 && v->author.present)
        rc = wire_dup_text(v->author.bytes, v->author.len, &c->author);
    if (rc == 0 && v->note.present)
        rc = wire_dup_text(v->note.bytes, v->note.len, &c->note);
    if (rc == 0 && v->device.present)
        rc = wire_dup_text(v->device.bytes, v->device.len, &c->device);
    c->version.hlc = v->hlc;
    c->version.origin = v->origin;
    c->base.hlc = v->base_hlc;
    c->base.origin = v->base_origin;
    c->seq = v->seq;
    c->seen_cursor = v->seen_cursor;
    c->supersedes = v->supersedes;
    if (rc != 0)
        sae_wipe_clear_change(c);
    return rc;
}

/* The group's box goes with its first change. */
static int box_from_view(const struct change_view *v, struct sae_change *c)
{
    if (!(c->group_box = malloc(v->box_len))) {
        sae_wipe_clear_change(c);
        return SAE_ENOMEM;
    }
    memcpy(c->group_box, v->box, v->box_len);
    c->group_box_len = v->box_len;
    return 0;
}

/* Counts before anything else, so no rule runs over an oversized message. */
static int count_changes(Sae__V1__ChangeGroup *const *groups, size_t group_count,
                         const struct sae_limits *limits, size_t *total)
{
    size_t n = 0;
    if (group_count > limits->changes_per_message)
        return SAE_WIRE_ELIMIT;
    for (size_t i = 0; i < group_count; i++) {
        if (groups[i]->n_changes > limits->changes_per_message - n)
            return SAE_WIRE_ELIMIT;
        if (groups[i]->n_changes == 0)
            return SAE_WIRE_EDECODE;
        n += groups[i]->n_changes;
    }
    *total = n;
    return 0;
}

static int check_pb_changes(Sae__V1__ChangeGroup *const *groups, size_t group_count,
                            const struct sae_limits *limits, const uint64_t *batch_origin,
                            enum wire_values values)
{
    uint64_t last_seq = 0;
    for (size_t i = 0; i < group_count; i++) {
        uint64_t prev = 0;
        bool slotted = false;
        for (size_t k = 0; k < groups[i]->n_changes; k++) {
            struct change_view v = view_of_pb(groups[i], groups[i]->changes[k], prev);
            int rc = check_view(&v, limits);
            /* A slot names a value of its group's box; a box no change names is not sent. */
            if (rc == 0 && v.box_slot > 0 && !v.has_box)
                rc = SAE_WIRE_EDECODE;
            slotted = slotted || v.box_slot > 0;
            if (rc == 0 && k + 1 == groups[i]->n_changes && v.has_box && !slotted)
                rc = SAE_WIRE_EDECODE;
            if (rc == 0)
                rc = check_values(&v, values);
            if (rc != 0)
                return rc;
            if (batch_origin && (v.origin != *batch_origin || v.seq <= last_seq))
                return SAE_WIRE_EDECODE;
            prev = last_seq = v.seq;
        }
    }
    return 0;
}

int wire_changes_from_pb(Sae__V1__ChangeGroup *const *groups, size_t group_count,
                         const struct sae_limits *limits, const uint64_t *batch_origin,
                         enum wire_values values, struct sae_change **out, size_t *out_count)
{
    size_t total = 0, n = 0;
    int rc = count_changes(groups, group_count, limits, &total);
    if (rc == 0)
        rc = check_pb_changes(groups, group_count, limits, batch_origin, values);
    if (rc != 0)
        return rc;
    struct sae_change *changes = calloc(total + 1, sizeof *changes);
    if (!changes)
        return SAE_ENOMEM;
    for (size_t i = 0; i < group_count; i++) {
        uint64_t prev = 0;
        for (size_t k = 0; k < groups[i]->n_changes; k++, n++) {
            struct change_view v = view_of_pb(groups[i], groups[i]->changes[k], prev);
            rc = change_from_view(&v, &changes[n]);
            if (rc == 0 && k == 0 && v.has_box)
                rc = box_from_view(&v, &changes[n]);
            if (rc != 0) {
                wire_changes_free(changes, n);
                return rc;
            }
            prev = v.seq;
        }
    }
    *out = changes;
    *out_count = total;
    return 0;
}
