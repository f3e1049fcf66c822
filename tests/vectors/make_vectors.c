/* Writes the test vectors into a directory (make vectors: tests/vectors): the keys, every
 * message of vector_contents.h as protobuf bytes and as a sealed envelope, malformed
 * envelopes, and MANIFEST with the error opening (or decoding) each must give.
 *
 *   make_vectors DIR
 *
 * Run only when the format changes on purpose: the committed files pin it. */
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>

#include <zlib.h>

#include "../../proto/wire_internal.h"
#include "vector_contents.h"

static const char *out_dir;
static FILE *manifest;

static void die(const char *what, int rc) __attribute__((noreturn));
static void die(const char *what, int rc)
{
    fprintf(stderr, "make_vectors: %s: %s\n", what, sae_wire_error_name(rc));
    exit(1);
}

static void write_hex(const char *name, const uint8_t *bytes, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.hex", out_dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        die(path, SAE_EIO);
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%02x%s", bytes[i], (i % 32 == 31 || i + 1 == len) ? "\n" : "");
    if (fclose(f) != 0)
        die(path, SAE_EIO);
}

static void write_keys(void)
{
    char path[512];
    const struct vector_party *parties[] = {&vector_post, &vector_hub, &vector_stranger};
    const char *names[] = {"post", "hub", "stranger"};
    snprintf(path, sizeof path, "%s/keys.txt", out_dir);
    FILE *f = fopen(path, "w");
    if (!f)
        die(path, SAE_EIO);
    fprintf(f, "# X25519 key pairs: crypto_box_seed_keypair(seed); id = origin id (PROTOCOL.md)\n");
    for (size_t p = 0; p < 3; p++) {
        fprintf(f, "%s.seed ", names[p]);
        for (size_t i = 0; i < 32; i++)
            fprintf(f, "%02x", parties[p]->seed[i]);
        fprintf(f, "\n%s.secret_key ", names[p]);
        for (size_t i = 0; i < 32; i++)
            fprintf(f, "%02x", parties[p]->sk[i]);
        fprintf(f, "\n%s.public_key ", names[p]);
        for (size_t i = 0; i < 32; i++)
            fprintf(f, "%02x", parties[p]->pk[i]);
        fprintf(f, "\n%s.id %" PRIu64 " (0x%016" PRIx64 ")\n", names[p], parties[p]->id,
                parties[p]->id);
    }
    if (fclose(f) != 0)
        die(path, SAE_EIO);
}

static void expect(const char *file, const char *recipient, const char *stage, int code,
                   size_t envelope_limit)
{
    fprintf(manifest, "%-34s %-4s %-6s %s", file, recipient, stage, vector_code_name(code));
    if (envelope_limit)
        fprintf(manifest, " envelope_bytes=%zu", envelope_limit);
    fprintf(manifest, "\n");
}

/* A box by hand around header || payload from the post to `to`: valid keys, any contents. */
static void box_raw(uint8_t type, const uint8_t *payload, size_t len, const uint8_t *to_pk,
                    unsigned nonce_n, uint8_t **out, size_t *out_len)
{
    size_t inner_len = 14 + len, total = 14 + 24 + 16 + inner_len;
    uint8_t *inner = malloc(inner_len), *env = malloc(total);
    if (!inner || !env)
        die("malloc", SAE_ENOMEM);
    memcpy(inner, SAE_ENVELOPE_MAGIC, 4);
    inner[4] = SAE_ENVELOPE_FORMAT_VERSION;
    inner[5] = type;
    for (size_t i = 0; i < 8; i++)
        inner[6 + i] = (uint8_t)(vector_post.id >> (56 - 8 * i));
    memcpy(inner + 14, payload, len);
    memcpy(env, inner, 14);
    vector_nonce(nonce_n, env + 14);
    if (crypto_box_easy(env + 38, inner, inner_len, env + 14, to_pk, vector_post.sk) != 0)
        die("crypto_box_easy", SAE_ECRYPTO);
    free(inner);
    *out = env;
    *out_len = total;
}

static uint8_t *deflated(const uint8_t *in, size_t len, size_t *out_len)
{
    uLongf n = compressBound((uLong)len);
    uint8_t *z = malloc(n);
    if (!z || compress2(z, &n, in, (uLong)len, 9) != Z_OK)
        die("compress2", SAE_ENOMEM);
    *out_len = n;
    return z;
}

/* Variants of the sealed push batch with one thing wrong each. */
static void write_envelope_mutations(const uint8_t *env, size_t len)
{
    static const struct {
        const char *name;
        size_t offset;
        uint8_t value; /* XORed in */
        int code;
    } flips[] = {
        {"bad_magic", 0, 'S' ^ 'X', SAE_WIRE_EFORMAT},
        {"bad_format_version", 4, 1 ^ 2, SAE_WIRE_EFORMAT},
        {"unknown_type", 5, 1 ^ 9, SAE_WIRE_EFORMAT},
        {"unknown_sender", 13, 0x01, SAE_WIRE_EUNKNOWN_SENDER},
        {"type_changed", 5, 1 ^ 3, SAE_WIRE_EAUTH},
        {"nonce_flipped", 20, 0x01, SAE_WIRE_EAUTH},
        {"mac_flipped", 38, 0x80, SAE_WIRE_EAUTH},
        {"ciphertext_flipped", 60, 0x01, SAE_WIRE_EAUTH},
    };
    uint8_t *copy = malloc(len);
    char name[64];
    if (!copy)
        die("malloc", SAE_ENOMEM);
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        memcpy(copy, env, len);
        copy[flips[i].offset] ^= flips[i].value;
        snprintf(name, sizeof name, "malformed/%s", flips[i].name);
        write_hex(name, copy, len);
        expect(name, "hub", "open", flips[i].code, 0);
    }
    write_hex("malformed/truncated_header", env, 53);
    expect("malformed/truncated_header", "hub", "open", SAE_WIRE_EFORMAT, 0);
    write_hex("malformed/truncated_ciphertext", env, len - 1);
    expect("malformed/truncated_ciphertext", "hub", "open", SAE_WIRE_EAUTH, 0);
    write_hex("malformed/over_envelope_limit", env, len);
    expect("malformed/over_envelope_limit", "hub", "open", SAE_WIRE_ETOOLARGE, len - 1);
    free(copy);
}

/* A one-change push batch built with protobuf-c, so that it can break the rules. */
static void pack_broken_batch(size_t id_len, uint64_t group_origin, uint8_t **out, size_t *len)
{
    Sae__V1__PushBatch b = SAE__V1__PUSH_BATCH__INIT;
    Sae__V1__ChangeGroup g = SAE__V1__CHANGE_GROUP__INIT, *gp = &g;
    Sae__V1__FieldChange f = SAE__V1__FIELD_CHANGE__INIT, *fp = &f;
    b.has_schema_version = b.has_origin = 1;
    b.schema_version = SAE_WIRE_SCHEMA_VERSION;
    b.origin = vector_post.id;
    g.has_report_id = g.has_kind = g.has_hlc = g.has_origin = 1;
    g.report_id.data = sae_borrow(vector_report_a.bytes);
    g.report_id.len = id_len;
    g.kind = wire_bytes_of("case");
    g.hlc = VECTOR_HLC(0, 0);
    g.origin = group_origin;
    f.has_field = f.has_value = f.has_seq = 1;
    f.field = wire_bytes_of("status");
    f.value = wire_bytes_of("new");
    f.seq = 1;
    g.n_changes = 1;
    g.changes = &fp;
    b.n_groups = 1;
    b.groups = &gp;
    *len = protobuf_c_message_get_packed_size(&b.base);
    if (!(*out = malloc(*len)))
        die("malloc", SAE_ENOMEM);
    protobuf_c_message_pack(&b.base, *out);
}

static void write_content_failures(const uint8_t *pb, size_t pb_len,
                                   const struct sae_limits *limits)
{
    uint8_t *env, *z, *bytes;
    size_t env_len, z_len, len;
    box_raw(SAE_MSG_PUSH_BATCH, pb, pb_len, vector_hub.pk, 21, &env, &env_len);
    write_hex("malformed/not_zlib", env, env_len);
    expect("malformed/not_zlib", "hub", "open", SAE_WIRE_EINFLATE, 0);
    free(env);

    z = deflated(pb, pb_len, &z_len);
    uint8_t *trailing = malloc(z_len + 1);
    if (!trailing)
        die("malloc", SAE_ENOMEM);
    memcpy(trailing, z, z_len);
    trailing[z_len] = 0;
    box_raw(SAE_MSG_PUSH_BATCH, trailing, z_len + 1, vector_hub.pk, 22, &env, &env_len);
    write_hex("malformed/trailing_bytes", env, env_len);
    expect("malformed/trailing_bytes", "hub", "open", SAE_WIRE_EINFLATE, 0);
    free(env);
    free(trailing);
    free(z);

    /* A bomb: one byte more than the default inflated limit, all zeros. */
    size_t bomb_len = limits->inflated_bytes + 1;
    uint8_t *zeros = calloc(bomb_len, 1);
    if (!zeros)
        die("calloc", SAE_ENOMEM);
    z = deflated(zeros, bomb_len, &z_len);
    box_raw(SAE_MSG_PUSH_BATCH, z, z_len, vector_hub.pk, 23, &env, &env_len);
    write_hex("malformed/inflates_past_limit", env, env_len);
    expect("malformed/inflates_past_limit", "hub", "open", SAE_WIRE_ETOOLARGE, 0);
    free(env);
    free(z);
    free(zeros);

    /* Sealed and compressed properly, but to another key. */
    uint8_t nonce[24];
    vector_nonce(25, nonce);
    if (sae_envelope_seal_with_nonce(pb, pb_len, SAE_MSG_PUSH_BATCH, vector_post.id,
                                     vector_post.sk, vector_stranger.pk, nonce, limits, &env,
                                     &env_len) != 0)
        die("seal", SAE_ECRYPTO);
    write_hex("malformed/wrong_recipient", env, env_len);
    expect("malformed/wrong_recipient", "hub", "open", SAE_WIRE_EAUTH, 0);
    free(env);

    /* Opens, but the message inside breaks a rule. */
    struct {
        const char *name;
        int code;
    } decode_failures[] = {
        {"malformed/schema_too_new", SAE_WIRE_ESCHEMA},
        {"malformed/short_report_id", SAE_WIRE_EDECODE},
        {"malformed/foreign_origin", SAE_WIRE_EDECODE},
    };
    for (unsigned i = 0; i < 3; i++) {
        if (i == 0) {
            if (!(bytes = malloc(pb_len)) || pb[0] != 0x08 || pb[1] != SAE_WIRE_SCHEMA_VERSION)
                die("schema_too_new", SAE_EINVAL);
            memcpy(bytes, pb, pb_len);
            bytes[1] = SAE_WIRE_SCHEMA_VERSION + 1;
            len = pb_len;
        } else {
            pack_broken_batch(i == 1 ? 15 : 16, i == 1 ? vector_post.id : VECTOR_OTHER_POST,
                              &bytes, &len);
        }
        vector_nonce(26 + i, nonce);
        if (sae_envelope_seal_with_nonce(bytes, len, SAE_MSG_PUSH_BATCH, vector_post.id,
                                         vector_post.sk, vector_hub.pk, nonce, limits, &env,
                                         &env_len) != 0)
            die("seal", SAE_ECRYPTO);
        write_hex(decode_failures[i].name, env, env_len);
        expect(decode_failures[i].name, "hub", "decode", decode_failures[i].code, 0);
        free(env);
        free(bytes);
    }
}

/* The enroll request with another key in its header. */
static void write_enroll_key_mismatch(const uint8_t *env, size_t len)
{
    uint8_t *copy = malloc(len);
    if (!copy)
        die("malloc", SAE_ENOMEM);
    memcpy(copy, env, len);
    memcpy(copy + 14, vector_stranger.pk, 32);
    write_hex("malformed/enroll_key_mismatch", copy, len);
    expect("malformed/enroll_key_mismatch", "hub", "open", SAE_WIRE_EAUTH, 0);
    free(copy);
}

int main(int argc, char **argv)
{
    struct sae_limits limits = sae_limits_default();
    char path[512];
    if (argc != 2) {
        fprintf(stderr, "usage: make_vectors DIR\n");
        return 2;
    }
    out_dir = argv[1];
    if (sodium_init() < 0 || vector_keys_make() != 0)
        die("keys", SAE_ECRYPTO);
    snprintf(path, sizeof path, "%s/malformed", out_dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        die(path, SAE_EIO);
    snprintf(path, sizeof path, "%s/MANIFEST", out_dir);
    if (!(manifest = fopen(path, "w")))
        die(path, SAE_EIO);
    fprintf(manifest, "# Malformed envelopes: file (.hex), recipient, the stage that must fail\n"
                      "# (open: sae_envelope_open; decode: opens, then decoding by its type\n"
                      "# fails), the error, and a limit other than the default if any.\n");
    write_keys();
    uint8_t *batch_pb = NULL, *batch_env = NULL;
    size_t batch_pb_len = 0, batch_env_len = 0;
    for (size_t i = 0; i < VECTOR_MESSAGE_COUNT; i++) {
        uint8_t *pb, *env;
        size_t pb_len, env_len;
        char name[64];
        int rc = vector_messages[i].encode(&limits, &pb, &pb_len);
        if (rc == 0)
            rc = vector_seal(i, pb, pb_len, &limits, &env, &env_len);
        if (rc != 0)
            die(vector_messages[i].name, rc);
        snprintf(name, sizeof name, "%s.message", vector_messages[i].name);
        write_hex(name, pb, pb_len);
        snprintf(name, sizeof name, "%s.envelope", vector_messages[i].name);
        write_hex(name, env, env_len);
        if (vector_messages[i].type == SAE_MSG_ENROLL_REQUEST)
            write_enroll_key_mismatch(env, env_len);
        if (i == 0) {
            batch_pb = pb, batch_pb_len = pb_len;
            batch_env = env, batch_env_len = env_len;
            continue;
        }
        sae_wire_buffer_free(pb, pb_len);
        free(env);
    }
    write_envelope_mutations(batch_env, batch_env_len);
    write_content_failures(batch_pb, batch_pb_len, &limits);
    sae_wire_buffer_free(batch_pb, batch_pb_len);
    free(batch_env);
    if (fclose(manifest) != 0)
        die("MANIFEST", SAE_EIO);
    return 0;
}
