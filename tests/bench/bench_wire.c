/* Wire benchmark: for batches of 1,000 realistic changes (bench_dataset.h), the bytes a
 * sealed push batch takes on the wire per change, beside the same changes as JSON lines
 * compressed like `gzip -9`, and beside the same batch with its sensitive values sealed to
 * the hub's key (schema 3's sealed_value); and seal+open throughput beside zlib alone on the
 * same bytes.
 * Prints figures only; it asserts nothing about speed. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>
#define ZLIB_CONST
#include <zlib.h>

#include "bench_dataset.h"
#include "sae/sae_envelope.h"
#include "store/hub_copy.h"
#include "sae/sae_borrow.h"
#include "sae/sae_error.h"
#include "sae/sae_sealed.h"
#include "sae/sae_value_box.h"
#include "sae/sae_wipe.h"
#include "sae/sae_wire.h"

#define BATCHES 20
#define CHANGES 1000
#define SEED UINT64_C(20261129)
#define REPEAT 5

struct keys {
    uint8_t post_pk[32], post_sk[32], hub_pk[32], hub_sk[32];
    uint64_t post_id, hub_id;
};

static int lookup_post(void *ctx, uint64_t id, uint8_t pk[32])
{
    const struct keys *k = ctx;
    if (id != k->post_id)
        return SAE_ENOTFOUND;
    memcpy(pk, k->post_pk, 32);
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc) __attribute__((noreturn));
static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_wire: %s failed: %s\n", what, sae_wire_error_name(rc));
    exit(1);
}

/* The changes as one compact JSON object per line, as a JSON API would send them. */
static char *json_lines(const struct sae_change *changes, size_t count, size_t *len)
{
    size_t size = 0, used = 0;
    char *out = NULL;
    for (size_t i = 0; i < count; i++) {
        const struct sae_change *c = &changes[i];
        char id[SAE_ID_TEXT_LEN + 1];
        sae_id_format(&c->report_id, id);
        json_t *o = json_pack("{s:s, s:s, s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:s?}", "report_id",
                              id, "kind", c->kind, "field", c->field, "value", c->value, "hlc",
                              (json_int_t)c->version.hlc, "origin",
                              (json_int_t)c->version.origin, "base_hlc",
                              (json_int_t)c->base.hlc, "base_origin",
                              (json_int_t)c->base.origin, "seq", (json_int_t)c->seq, "author",
                              c->author);
        char *line = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        json_decref(o);
        if (!line)
            die("json", SAE_ENOMEM);
        size_t n = strlen(line);
        if (used + n + 2 > size) {
            size = (used + n + 2) * 2;
            if (!(out = realloc(out, size)))
                die("json", SAE_ENOMEM);
        }
        memcpy(out + used, line, n);
        used += n;
        out[used++] = '\n';
        free(line);
    }
    *len = used;
    return out;
}

/* deflate with the given window bits (31: gzip format, as `gzip -9`; -15: raw) and a
 * preset dictionary when dict_len > 0; returns its size. */
static size_t deflate_dict_size(const void *in, size_t len, int window_bits, const void *dict,
                                size_t dict_len, uint8_t *out, size_t room)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        die("deflateInit2", SAE_ENOMEM);
    if (dict_len && deflateSetDictionary(&zs, dict, (uInt)dict_len) != Z_OK)
        die("deflateSetDictionary", SAE_EINVAL);
    zs.next_in = in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)room;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        die("deflate", SAE_ENOMEM);
    size_t n = zs.total_out;
    deflateEnd(&zs);
    return n;
}

static size_t deflate_size(const void *in, size_t len, int window_bits, uint8_t *out,
                           size_t room)
{
    return deflate_dict_size(in, len, window_bits, NULL, 0, out, room);
}

struct totals {
    size_t wire, json_gz, json_raw, protobuf;
    /* What compression could still take (issue 14): the sealed batch's protobuf deflated
     * as the envelope does, and with a preset dictionary (the plain protobuf of the batch
     * before: field names, codes, ids of the village); each sensitive value deflated alone
     * before it is sealed, and with a dictionary of the batch before's values. */
    size_t sealed_pb_z, sealed_pb_dict_z;
    size_t value_raw, value_z, value_dict_z;
    size_t plain_changes, plain_wire, plain_json_gz; /* without free-text fields */
    size_t text_raw, text_gz;                         /* the free text alone */
    size_t anonymous_wire; /* the same batches without authors, as schema 1 sent them */
    size_t sealed_wire, sealed_values; /* sensitive values sealed to the hub (schema 3) */
    /* Schema 5's per-value copies (sealed-format version 2, what a post sends before its hub
     * reads boxes); schema 6's value boxes, one per group (what one command wrote for one
     * report); and one box for the whole batch's values, which a post that could read its
     * own values unattended would send (issue 13's P1 forbids it). */
    size_t shared_wire, boxed_wire, group_box_bytes, batch_box_bytes, boxes;
    double seal_open_s, zlib_s, full_s;
};

static bool free_text(const struct sae_change *c)
{
    return strcmp(c->field, "narrative") == 0 || strcmp(c->field, "notes") == 0;
}

/* The same comparison over the changes without narratives and notes: what the structure of
 * each format costs, apart from prose that compresses alike in both. */
static void measure_structure(const struct sae_change *changes, const struct keys *k,
                              const struct sae_limits *limits, struct totals *t)
{
    static struct sae_change kept[CHANGES];
    size_t n = 0, pb_len, env_len, json_len;
    uint8_t *pb, *env;
    static char text[CHANGES * 2048];
    size_t text_len = 0;
    for (size_t i = 0; i < CHANGES; i++) {
        if (!free_text(&changes[i])) {
            kept[n++] = changes[i];
        } else if (changes[i].value) {
            size_t v = strlen(changes[i].value);
            memcpy(text + text_len, changes[i].value, v);
            text_len += v;
        }
    }
    struct sae_batch batch = {.origin = k->post_id, .changes = kept, .change_count = n};
    if (sae_batch_encode(&batch, limits, &pb, &pb_len) != 0 ||
        sae_envelope_seal(pb, pb_len, SAE_MSG_PUSH_BATCH, k->post_id, k->post_sk, k->hub_pk,
                          limits, &env, &env_len) != 0)
        die("structure", SAE_EINVAL);
    char *json = json_lines(kept, n, &json_len);
    size_t room = compressBound((uLong)json_len) + 64;
    uint8_t *scratch = malloc(room);
    if (!scratch)
        die("malloc", SAE_ENOMEM);
    t->plain_json_gz += deflate_size(json, json_len, 31, scratch, room);
    t->plain_wire += env_len;
    t->plain_changes += n;
    free(scratch);
    room = compressBound((uLong)text_len) + 64;
    if (!(scratch = malloc(room)))
        die("malloc", SAE_ENOMEM);
    t->text_gz += deflate_size(text, text_len, 31, scratch, room);
    t->text_raw += text_len;
    free(scratch);
    free(json);
    free(env);
    sae_wire_buffer_free(pb, pb_len);
}

/* The bytes of CHANGES changes as a sealed push batch (a variant of the run's batches). */
static size_t envelope_bytes(const struct sae_change *variant, sae_hlc clock,
                             const struct keys *k, const struct sae_limits *limits,
                             const char *what)
{
    uint8_t *pb, *env;
    size_t pb_len, env_len;
    struct sae_batch batch = {.origin = k->post_id, .changes = sae_borrow(variant),
                              .change_count = CHANGES, .clock = clock};
    if (sae_batch_encode(&batch, limits, &pb, &pb_len) != 0 ||
        sae_envelope_seal(pb, pb_len, SAE_MSG_PUSH_BATCH, k->post_id, k->post_sk, k->hub_pk,
                          limits, &env, &env_len) != 0)
        die(what, SAE_EINVAL);
    free(env);
    sae_wire_buffer_free(pb, pb_len);
    return env_len;
}

/* What naming people costs on the wire: the batch sealed again with every author left out,
 * the baseline of the same run. */
static void measure_anonymous(const struct sae_change *changes, const struct keys *k,
                              const struct sae_limits *limits, struct totals *t)
{
    static struct sae_change anonymous[CHANGES];
    for (size_t i = 0; i < CHANGES; i++) {
        anonymous[i] = changes[i];
        anonymous[i].author = NULL;
    }
    t->anonymous_wire += envelope_bytes(anonymous, changes[CHANGES - 1].version.hlc, k, limits,
                                        "anonymous");
}

/* A zlib dictionary holds at most the window: its last 32 KiB count. */
#define DICT_BYTES (32u * 1024)

/* The previous batch's plain protobuf and its sensitive values, the dictionaries of the
 * next one (a dictionary agreed in the protocol would be fixed: this is its best case). */
static uint8_t pb_dict[DICT_BYTES], value_dict[DICT_BYTES];
static size_t pb_dict_len, value_dict_len;

static void keep_tail(uint8_t *dict, size_t *dict_len, const void *bytes, size_t len)
{
    if (len >= DICT_BYTES) {
        memcpy(dict, (const uint8_t *)bytes + len - DICT_BYTES, DICT_BYTES);
        *dict_len = DICT_BYTES;
        return;
    }
    size_t keep = *dict_len + len > DICT_BYTES ? DICT_BYTES - len : *dict_len;
    memmove(dict, dict + *dict_len - keep, keep);
    memcpy(dict + keep, bytes, len);
    *dict_len = keep + len;
}

/* Each sensitive value deflated alone, and with the dictionary, as a sealed-value format
 * could before sealing; then this batch's values become the next one's dictionary. */
static void measure_value_compression(const struct sae_change *changes, struct totals *t)
{
    static uint8_t out[SAE_WIRE_VALUE_BYTES * 2 + 64];
    static uint8_t values[DICT_BYTES];
    size_t values_len = 0;
    for (size_t i = 0; i < CHANGES; i++) {
        const char *v = changes[i].value;
        if (!v || !hub_copy_sensitive(changes[i].kind, changes[i].field))
            continue;
        size_t len = strlen(v);
        size_t z = deflate_dict_size(v, len, -15, NULL, 0, out, sizeof out);
        size_t zd = deflate_dict_size(v, len, -15, value_dict, value_dict_len, out, sizeof out);
        t->value_raw += len;
        t->value_z += z < len ? z : len; /* a format would keep the smaller */
        t->value_dict_z += zd < len ? zd : len;
        if (values_len + len <= sizeof values) {
            memcpy(values + values_len, v, len);
            values_len += len;
        }
    }
    keep_tail(value_dict, &value_dict_len, values, values_len);
}

/* The batch with its sensitive values sealed (what travels now), deflated as the envelope
 * does, and with the previous batch's plain protobuf as a preset dictionary. */
static void measure_dictionary(const struct sae_change *sealed, uint64_t origin,
                               const uint8_t *plain_pb, size_t plain_len,
                               const struct sae_limits *limits, struct totals *t)
{
    uint8_t *pb;
    size_t pb_len;
    struct sae_batch batch = {.origin = origin, .changes = sae_borrow(sealed),
                              .change_count = CHANGES,
                              .clock = sealed[CHANGES - 1].version.hlc};
    if (sae_batch_encode(&batch, limits, &pb, &pb_len) != 0)
        die("encode sealed", SAE_EINVAL);
    size_t room = compressBound((uLong)pb_len) + 64;
    uint8_t *out = malloc(room);
    if (!out)
        die("malloc", SAE_ENOMEM);
    t->sealed_pb_z += deflate_dict_size(pb, pb_len, MAX_WBITS, NULL, 0, out, room);
    t->sealed_pb_dict_z += deflate_dict_size(pb, pb_len, MAX_WBITS, pb_dict, pb_dict_len, out,
                                             room);
    free(out);
    sae_wire_buffer_free(pb, pb_len);
    keep_tail(pb_dict, &pb_dict_len, plain_pb, plain_len);
}

/* What sealing the sensitive values to the hub's key costs on the wire: the batch sealed
 * again with each of them as a sealed_value, against the plain batch of the same run. */
static void measure_sealed_values(const struct sae_change *changes, const struct keys *k,
                                  const struct sae_limits *limits, struct totals *t,
                                  const uint8_t *plain_pb, size_t plain_len)
{
    static struct sae_change sealed[CHANGES];
    for (size_t i = 0; i < CHANGES; i++) {
        sealed[i] = changes[i];
        if (!changes[i].value || !hub_copy_sensitive(changes[i].kind, changes[i].field))
            continue;
        int rc = sae_sealed_seal(k->hub_pk, changes[i].value, strlen(changes[i].value),
                                 &sealed[i].sealed_value, &sealed[i].sealed_len);
        if (rc != 0)
            die("seal value", rc);
        sealed[i].value = NULL;
        t->sealed_values++;
    }
    t->sealed_wire += envelope_bytes(sealed, changes[CHANGES - 1].version.hlc, k, limits,
                                     "sealed values");
    measure_dictionary(sealed, k->post_id, plain_pb, plain_len, limits, t);
    for (size_t i = 0; i < CHANGES; i++)
        sae_wipe_free(sealed[i].sealed_value, sealed[i].sealed_len);
}

static bool sensitive(const struct sae_change *c)
{
    return c->value && hub_copy_sensitive(c->kind, c->field);
}

static bool same_group(const struct sae_change *a, const struct sae_change *b)
{
    return memcmp(a->report_id.bytes, b->report_id.bytes, SAE_ID_BYTES) == 0 &&
           a->version.hlc == b->version.hlc;
}

/* The sensitive values of changes[from, to) in one box on the first of them, the others
 * naming their slots; returns the box's values. */
static size_t box_values(struct sae_change *boxed, const struct sae_change *changes, size_t from,
                         size_t to, const struct sae_sealer *sealer)
{
    const char *values[SAE_VALUE_BOX_VALUES_MAX];
    size_t n = 0, first = to;
    for (size_t i = from; i < to; i++) {
        if (!sensitive(&changes[i]) || n == SAE_VALUE_BOX_VALUES_MAX)
            continue;
        first = first == to ? i : first;
        values[n++] = changes[i].value;
        boxed[i].value = NULL;
        boxed[i].box_slot = (uint32_t)n;
    }
    if (n > 0 && sae_value_box_seal(sealer, values, n, &boxed[first].group_box,
                                    &boxed[first].group_box_len) != 0)
        die("seal box", SAE_EINVAL);
    return n;
}

static void clear_boxes(struct sae_change *boxed)
{
    for (size_t i = 0; i < CHANGES; i++) {
        free(boxed[i].group_box);
        boxed[i].group_box = NULL;
        boxed[i].group_box_len = 0;
    }
}

/* A new sealer (a fresh ephemeral key), as a post makes one per command. */
static struct sae_sealer *fresh_sealer(struct sae_sealer *old, const struct keys *k)
{
    struct sae_sealer *sealer = NULL;
    sae_sealer_free(old);
    if (sae_sealer_new(k->hub_pk, &sealer) != 0)
        die("sealer", SAE_ECRYPTO);
    return sealer;
}

static size_t group_end(const struct sae_change *changes, size_t from)
{
    size_t to = from + 1;
    while (to < CHANGES && same_group(&changes[from], &changes[to]))
        to++;
    return to;
}

/* What a value box per group, and one per batch, cost beside per-value seals in version 2,
 * each group sealed with its own ephemeral key as a post's command does: the same batch
 * encoded and sealed as the envelope does. */
static void measure_value_boxes(const struct sae_change *changes, const struct keys *k,
                                const struct sae_limits *limits, struct totals *t)
{
    static struct sae_change boxed[CHANGES];
    struct sae_sealer *sealer = NULL;
    sae_hlc clock = changes[CHANGES - 1].version.hlc;
    for (size_t from = 0, to; from < CHANGES; from = to) {
        to = group_end(changes, from);
        sealer = fresh_sealer(sealer, k);
        for (size_t i = from; i < to; i++) {
            boxed[i] = changes[i];
            if (sensitive(&changes[i]) &&
                sae_sealer_seal(sealer, changes[i].value, strlen(changes[i].value),
                                &boxed[i].sealed_value, &boxed[i].sealed_len) == 0)
                boxed[i].value = NULL;
        }
    }
    t->shared_wire += envelope_bytes(boxed, clock, k, limits, "per-value seals");
    for (size_t i = 0; i < CHANGES; i++) {
        free(boxed[i].sealed_value);
        boxed[i] = changes[i];
    }
    for (size_t from = 0, to; from < CHANGES; from = to) {
        to = group_end(changes, from);
        sealer = fresh_sealer(sealer, k);
        t->boxes += box_values(boxed, changes, from, to, sealer) > 0;
    }
    t->boxed_wire += envelope_bytes(boxed, clock, k, limits, "value boxes");
    for (size_t i = 0; i < CHANGES; i++)
        t->group_box_bytes += boxed[i].group_box_len;
    clear_boxes(boxed);
    /* One box for the batch's values (in boxes of SAE_VALUE_BOX_VALUES_MAX): boxes do not
     * compress in the envelope, so the wire differs by the boxes' bytes. */
    for (size_t from = 0; from < CHANGES;) {
        size_t to = from, n = 0;
        while (to < CHANGES && n < SAE_VALUE_BOX_VALUES_MAX)
            n += sensitive(&changes[to++]);
        for (size_t i = from; i < to; i++)
            boxed[i] = changes[i];
        box_values(boxed, changes, from, to, sealer);
        for (size_t i = from; i < to; i++)
            t->batch_box_bytes += boxed[i].group_box_len;
        for (size_t i = from; i < to; i++)
            free(boxed[i].group_box);
        from = to;
    }
    sae_sealer_free(sealer);
}

static void measure_batch(struct bench_dataset *d, const struct keys *k,
                          const struct sae_limits *limits, struct totals *t)
{
    static struct sae_change changes[CHANGES];
    struct sae_batch batch = {.origin = k->post_id, .changes = changes, .change_count = CHANGES};
    uint8_t *pb, *env, *plain;
    size_t pb_len, env_len, plain_len, json_len;
    uint8_t type;
    uint64_t sender;
    bench_batch(d, changes, CHANGES);
    batch.clock = changes[CHANGES - 1].version.hlc;
    int rc = sae_batch_encode(&batch, limits, &pb, &pb_len);
    if (rc != 0)
        die("encode", rc);
    char *json = json_lines(changes, CHANGES, &json_len);
    size_t room = compressBound((uLong)json_len) + 64;
    uint8_t *scratch = malloc(room > pb_len * 2 + 64 ? room : pb_len * 2 + 64);
    if (!scratch)
        die("malloc", SAE_ENOMEM);
    t->json_gz += deflate_size(json, json_len, 31, scratch, room);
    t->json_raw += json_len;
    t->protobuf += pb_len;

    double start = now_seconds();
    for (int r = 0; r < REPEAT; r++) {
        if ((rc = sae_envelope_seal(pb, pb_len, SAE_MSG_PUSH_BATCH, k->post_id, k->post_sk,
                                    k->hub_pk, limits, &env, &env_len)) != 0)
            die("seal", rc);
        if ((rc = sae_envelope_open(env, env_len, lookup_post, sae_borrow(k), k->hub_sk, limits,
                                    &type, &sender, &plain, &plain_len)) != 0)
            die("open", rc);
        if (r == 0)
            t->wire += env_len;
        free(env);
        sae_wire_buffer_free(plain, plain_len);
    }
    t->seal_open_s += now_seconds() - start;

    start = now_seconds();
    for (int r = 0; r < REPEAT; r++) {
        uLongf back_len = (uLongf)pb_len;
        size_t zlen = deflate_size(pb, pb_len, MAX_WBITS, scratch, room > pb_len * 2 + 64 ? room : pb_len * 2 + 64);
        uint8_t *back = malloc(pb_len + 1);
        if (!back || uncompress(back, &back_len, scratch, (uLong)zlen) != Z_OK)
            die("uncompress", SAE_ENOMEM);
        free(back);
    }
    t->zlib_s += now_seconds() - start;

    /* The whole path a push takes: encode, seal, open, decode. */
    start = now_seconds();
    for (int r = 0; r < REPEAT; r++) {
        uint8_t *pb2;
        size_t pb2_len;
        struct sae_batch *decoded;
        if ((rc = sae_batch_encode(&batch, limits, &pb2, &pb2_len)) != 0 ||
            (rc = sae_envelope_seal(pb2, pb2_len, SAE_MSG_PUSH_BATCH, k->post_id, k->post_sk,
                                    k->hub_pk, limits, &env, &env_len)) != 0 ||
            (rc = sae_envelope_open(env, env_len, lookup_post, sae_borrow(k), k->hub_sk, limits,
                                    &type, &sender, &plain, &plain_len)) != 0 ||
            (rc = sae_batch_decode(plain, plain_len, limits, &decoded)) != 0)
            die("round trip", rc);
        sae_batch_free(decoded);
        sae_wire_buffer_free(plain, plain_len);
        sae_wire_buffer_free(pb2, pb2_len);
        free(env);
    }
    t->full_s += now_seconds() - start;

    measure_structure(changes, k, limits, t);
    measure_anonymous(changes, k, limits, t);
    measure_sealed_values(changes, k, limits, t, pb, pb_len);
    measure_value_compression(changes, t);
    measure_value_boxes(changes, k, limits, t);
    free(scratch);
    free(json);
    sae_wire_buffer_free(pb, pb_len);
    bench_batch_clear(changes, CHANGES);
}

static void make_keys(struct keys *k)
{
    uint8_t seed[crypto_box_SEEDBYTES];
    memset(seed, 0x11, sizeof seed);
    crypto_box_seed_keypair(k->post_pk, k->post_sk, seed);
    memset(seed, 0x22, sizeof seed);
    crypto_box_seed_keypair(k->hub_pk, k->hub_sk, seed);
    if (sae_origin_from_public_key(k->post_pk, &k->post_id) != 0 ||
        sae_origin_from_public_key(k->hub_pk, &k->hub_id) != 0)
        die("origin", SAE_ECRYPTO);
}

int main(void)
{
    struct keys k;
    struct bench_dataset d;
    struct totals t = {0};
    struct sae_limits limits = sae_limits_default();
    if (sodium_init() < 0)
        die("sodium_init", SAE_ECRYPTO);
    make_keys(&k);
    bench_dataset_init(&d, SEED, k.post_id);
    for (int b = 0; b < BATCHES; b++)
        measure_batch(&d, &k, &limits, &t);

    double n = (double)BATCHES * CHANGES, mb = (double)t.protobuf * REPEAT / 1e6;
    double wire = (double)t.wire / n, json = (double)t.json_gz / n;
    double seal_open = mb / t.seal_open_s, zlib = mb / t.zlib_s, full = mb / t.full_s;
    printf("bench_wire: %d batches of %d changes (seed %" PRIu64 ", village %s)\n", BATCHES,
           CHANGES, SEED, d.village);
    printf("  protobuf, uncompressed     %8.1f bytes/change\n", (double)t.protobuf / n);
    printf("  JSON lines, uncompressed   %8.1f bytes/change\n", (double)t.json_raw / n);
    printf("  wire (sealed envelope)     %8.1f bytes/change\n", wire);
    printf("  JSON lines, gzip -9        %8.1f bytes/change\n", json);
    printf("  wire / JSON gzip -9        %8.3f  (aim <= 0.700: %s)\n", wire / json,
           wire / json <= 0.7 ? "met" : "NOT met");
    double anonymous = (double)t.anonymous_wire / n;
    printf("  wire without authors       %8.1f bytes/change; with / without %.3f (%+.1f "
           "bytes/change for naming the person)\n", anonymous, wire / anonymous,
           wire - anonymous);
    double sealed = (double)t.sealed_wire / n;
    printf("  wire, sensitive values sealed to the hub %8.1f bytes/change; sealed / plain "
           "%.3f (%.1f%% of changes sealed)\n", sealed, sealed / wire,
           100.0 * (double)t.sealed_values / n);
    printf("  sealed batch deflated %.1f, with a preset dictionary (the batch before's plain "
           "protobuf, 32 KiB) %.1f bytes/change: dictionary / none %.3f (first batch without "
           "one)\n", (double)t.sealed_pb_z / n, (double)t.sealed_pb_dict_z / n,
           (double)t.sealed_pb_dict_z / (double)t.sealed_pb_z);
    printf("  sensitive values deflated alone before sealing: %.3f of their %zu bytes; with a "
           "dictionary of the batch before's values %.3f (what a sealed-value format could "
           "save: the seal's 48 B each stays)\n", (double)t.value_z / (double)t.value_raw,
           t.value_raw, (double)t.value_dict_z / (double)t.value_raw);
    double shared = (double)t.shared_wire / n, boxed = (double)t.boxed_wire / n;
    double batch_box = ((double)t.boxed_wire - (double)t.group_box_bytes +
                        (double)t.batch_box_bytes) / n;
    printf("  value boxes (schema 6): per-value seals (v2, schema 5) %.1f, a box per group "
           "(%zu boxes) %.1f, one box a batch %.1f bytes/change; box per group / per-value "
           "%.3f; / plain %.3f; one box a batch / box per group %.3f (what cross-report "
           "compression would add, needing plaintext at rest)\n", shared, t.boxes, boxed,
           batch_box, boxed / shared, boxed / wire, batch_box / boxed);
    double pw = (double)t.plain_wire / (double)t.plain_changes;
    double pj = (double)t.plain_json_gz / (double)t.plain_changes;
    printf("  without narratives and notes: wire %.1f, JSON gzip -9 %.1f bytes/change, ratio "
           "%.3f\n", pw, pj, pw / pj);
    printf("  narratives and notes alone compress to %.3f of their size (gzip -9)\n",
           (double)t.text_gz / (double)t.text_raw);
    printf("  seal+open                  %8.1f MB/s of protobuf\n", seal_open);
    printf("  zlib -9 alone (deflate+inflate, same bytes) %8.1f MB/s\n", zlib);
    printf("  seal+open / zlib alone     %8.3f\n", seal_open / zlib);
    printf("  encode+seal+open+decode    %8.1f MB/s of protobuf\n", full);
    return 0;
}
