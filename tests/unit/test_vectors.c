/* The committed test vectors (tests/vectors/, described in its README.md) against the C
 * code, in both directions: post -> hub and hub -> post. The fixed contents must encode to
 * the committed protobuf bytes and, with the fixed keys and nonce, seal to the committed
 * envelope bytes; each committed envelope must open and decode back to them; each
 * malformed envelope must fail with the error MANIFEST names. Run from the repository
 * root (make unit does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>

#include "../../proto/wire_internal.h"
#include "../vectors/vector_contents.h"

#define VECTOR_DIR "tests/vectors"

/* Reads DIR/name.hex (hex digits, any whitespace) into a fresh buffer. */
static uint8_t *read_hex(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.hex", VECTOR_DIR, name);
    FILE *f = fopen(path, "r");
    if (!f)
        print_error("cannot open %s (run the tests from the repository root)\n", path);
    assert_non_null(f);
    size_t size = 4096, used = 0;
    uint8_t *out = malloc(size);
    int c, hi = -1;
    assert_non_null(out);
    while ((c = fgetc(f)) != EOF) {
        if (isspace(c))
            continue;
        assert_true(isxdigit(c));
        int v = isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (used == size) {
            size *= 2;
            out = realloc(out, size);
            assert_non_null(out);
        }
        out[used++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    assert_int_equal(hi, -1);
    fclose(f);
    *len = used;
    return out;
}

static int setup(void **state)
{
    (void)state;
    return vector_keys_make();
}

static void test_messages_encode_to_committed_bytes(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    for (size_t i = 0; i < VECTOR_MESSAGE_COUNT; i++) {
        char name[64];
        size_t want_len, len;
        uint8_t *bytes;
        snprintf(name, sizeof name, "%s.message", vector_messages[i].name);
        uint8_t *want = read_hex(name, &want_len);
        assert_int_equal(vector_messages[i].encode(&limits, &bytes, &len), 0);
        if (len != want_len || memcmp(bytes, want, len) != 0)
            print_error("%s: the encoder's bytes differ from %s.hex\n", vector_messages[i].name,
                        name);
        assert_int_equal(len, want_len);
        assert_memory_equal(bytes, want, len);
        sae_wire_buffer_free(bytes, len);
        free(want);
    }
}

/* Sealing with the fixed nonce gives the committed envelope, byte for byte. This pins the
 * layout, the compression (zlib level 9) and the box. */
static void test_messages_seal_to_committed_envelopes(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    for (size_t i = 0; i < VECTOR_MESSAGE_COUNT; i++) {
        char name[64];
        size_t pb_len, want_len, len;
        uint8_t *env;
        snprintf(name, sizeof name, "%s.message", vector_messages[i].name);
        uint8_t *pb = read_hex(name, &pb_len);
        snprintf(name, sizeof name, "%s.envelope", vector_messages[i].name);
        uint8_t *want = read_hex(name, &want_len);
        assert_int_equal(vector_seal(i, pb, pb_len, &limits, &env, &len), 0);
        assert_int_equal(len, want_len);
        assert_memory_equal(env, want, len);
        free(env);
        free(want);
        free(pb);
    }
}

/* Each committed envelope opens for its recipient (the hub for requests, the post for
 * answers), from the right sender, to the committed message, which decodes completely. */
static void test_committed_envelopes_open_both_directions(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    int to_hub = 0, to_post = 0;
    for (size_t i = 0; i < VECTOR_MESSAGE_COUNT; i++) {
        const struct vector_message *m = &vector_messages[i];
        const struct vector_party *from = m->from_post ? &vector_post : &vector_hub;
        const struct vector_party *to = m->from_post ? &vector_hub : &vector_post;
        char name[64];
        size_t env_len, pb_len, plain_len, again_len;
        uint8_t type, *plain, *again;
        uint64_t sender;
        snprintf(name, sizeof name, "%s.envelope", m->name);
        uint8_t *env = read_hex(name, &env_len);
        snprintf(name, sizeof name, "%s.message", m->name);
        uint8_t *pb = read_hex(name, &pb_len);
        assert_int_equal(sae_envelope_open(env, env_len, vector_lookup, NULL, to->sk, &limits,
                                           &type, &sender, &plain, &plain_len), 0);
        assert_int_equal(type, m->type);
        assert_true(sender == from->id);
        assert_int_equal(plain_len, pb_len);
        assert_memory_equal(plain, pb, pb_len);
        assert_int_equal(m->reencode(plain, plain_len, &limits, &again, &again_len), 0);
        assert_int_equal(again_len, pb_len);
        assert_memory_equal(again, pb, pb_len);
        /* The sender cannot open what it sealed to the other side. */
        uint8_t *none = NULL;
        size_t none_len = 0;
        assert_int_equal(sae_envelope_open(env, env_len, vector_lookup, NULL, from->sk, &limits,
                                           &type, &sender, &none, &none_len), SAE_WIRE_EAUTH);
        assert_null(none);
        *(m->from_post ? &to_hub : &to_post) += 1;
        sae_wire_buffer_free(again, again_len);
        sae_wire_buffer_free(plain, plain_len);
        free(pb);
        free(env);
    }
    assert_true(to_hub >= 3 && to_post >= 4);
}

/* Spot checks of decoded contents, in case encoder and decoder shared one mistake. */
static void test_committed_batch_contents(void **state)
{
    (void)state;
    struct sae_limits limits = sae_limits_default();
    size_t len;
    struct sae_batch *b;
    uint8_t *pb = read_hex("push_batch.message", &len);
    assert_int_equal(sae_batch_decode(pb, len, &limits, &b), 0);
    assert_true(b->origin == vector_post.id);
    assert_int_equal(b->change_count, 7);
    assert_memory_equal(b->changes[0].report_id.bytes, vector_report_a.bytes, 16);
    assert_string_equal(b->changes[3].field, "narrative");
    assert_non_null(strstr(b->changes[3].value, "\xe2\x80\x94"));
    assert_true(b->changes[3].seq == 44 && b->changes[4].seq == 46);
    assert_true(b->changes[4].base.hlc == VECTOR_HLC(0, 0));
    assert_null(b->changes[5].value);
    assert_string_equal(b->changes[6].field, "_deleted");
    assert_string_equal(b->changes[6].kind, "referral");
    sae_batch_free(b);
    free(pb);
}

static void test_keys_file_matches_seeds(void **state)
{
    (void)state;
    char line[256], want[128];
    const struct vector_party *parties[] = {&vector_post, &vector_hub, &vector_stranger};
    const char *names[] = {"post", "hub", "stranger"};
    int found = 0;
    FILE *f = fopen(VECTOR_DIR "/keys.txt", "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        for (size_t p = 0; p < 3; p++) {
            size_t n = (size_t)snprintf(want, sizeof want, "%s.public_key ", names[p]);
            for (size_t i = 0; i < 32; i++)
                n += (size_t)snprintf(want + n, sizeof want - n, "%02x", parties[p]->pk[i]);
            if (strncmp(line, want, n) == 0)
                found++;
            snprintf(want, sizeof want, "%s.id %llu ", names[p],
                     (unsigned long long)parties[p]->id);
            if (strncmp(line, want, strlen(want)) == 0)
                found++;
        }
    }
    fclose(f);
    assert_int_equal(found, 6);
}

/* Opens (and for the decode stage, decodes by type) one malformed envelope. */
static int try_malformed(const uint8_t *env, size_t len, const struct vector_party *to,
                         const struct sae_limits *limits, const char *stage)
{
    uint8_t type, *plain = NULL;
    uint64_t sender;
    size_t plain_len = 0;
    int rc = sae_envelope_open(env, len, vector_lookup, NULL, to->sk, limits, &type, &sender,
                               &plain, &plain_len);
    if (strcmp(stage, "open") == 0 || rc != 0) {
        if (rc == 0)
            sae_wire_buffer_free(plain, plain_len);
        else
            assert_null(plain);
        return strcmp(stage, "open") == 0 ? rc : 1;
    }
    uint8_t *again = NULL;
    size_t again_len = 0;
    rc = 1;
    for (size_t i = 0; i < VECTOR_MESSAGE_COUNT; i++)
        if (vector_messages[i].type == type)
            rc = vector_messages[i].reencode(plain, plain_len, limits, &again, &again_len);
    if (rc == 0)
        sae_wire_buffer_free(again, again_len);
    sae_wire_buffer_free(plain, plain_len);
    return rc;
}

static void test_malformed_envelopes_fail_as_listed(void **state)
{
    (void)state;
    char line[512];
    int checked = 0;
    FILE *f = fopen(VECTOR_DIR "/MANIFEST", "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        char file[128], recipient[16], stage[16], code_name[64], extra[64] = "";
        int want;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        int fields = sscanf(line, "%127s %15s %15s %63s %63s", file, recipient, stage,
                            code_name, extra);
        assert_true(fields >= 4);
        assert_int_equal(vector_code_of(code_name, &want), 0);
        struct sae_limits limits = sae_limits_default();
        if (fields == 5) {
            unsigned long long n;
            assert_int_equal(sscanf(extra, "envelope_bytes=%llu", &n), 1);
            limits.envelope_bytes = (size_t)n;
        }
        const struct vector_party *to = strcmp(recipient, "hub") == 0 ? &vector_hub : &vector_post;
        size_t len;
        uint8_t *env = read_hex(file, &len);
        int rc = try_malformed(env, len, to, &limits, stage);
        if (rc != want)
            print_error("%s: got %d (%s), want %s\n", file, rc, sae_wire_error_name(rc),
                        code_name);
        assert_int_equal(rc, want);
        free(env);
        checked++;
    }
    fclose(f);

    /* Every malformed file has its line. */
    int files = 0;
    DIR *dir = opendir(VECTOR_DIR "/malformed");
    struct dirent *e;
    assert_non_null(dir);
    while ((e = readdir(dir)))
        files += strstr(e->d_name, ".hex") != NULL;
    closedir(dir);
    assert_int_equal(files, checked);
    assert_true(checked >= 15);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messages_encode_to_committed_bytes),
        cmocka_unit_test(test_messages_seal_to_committed_envelopes),
        cmocka_unit_test(test_committed_envelopes_open_both_directions),
        cmocka_unit_test(test_committed_batch_contents),
        cmocka_unit_test(test_keys_file_matches_seeds),
        cmocka_unit_test(test_malformed_envelopes_fail_as_listed),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
