/* The wire's common machinery: the decoding budget, and the text and number rules every
 * message's fields are checked by before anything is copied out of the protobuf decoder's
 * memory. */
#include "wire_internal.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sae/sae_borrow.h"
#include "sae/sae_error.h"
#include "sae/sae_validate.h"

/* Each block of the budget allocator starts with its size, padded to keep alignment. */
#define BLOCK_HEADER sizeof(max_align_t)

static void *budget_alloc(void *data, size_t size)
{
    struct wire_budget *b = data;
    if (size > b->cap - b->used || size > SIZE_MAX - BLOCK_HEADER) {
        b->exhausted = true;
        return NULL;
    }
    unsigned char *block = malloc(BLOCK_HEADER + size);
    if (!block) {
        b->out_of_memory = true;
        return NULL;
    }
    memcpy(block, &size, sizeof size);
    b->used += size;
    return block + BLOCK_HEADER;
}

static void budget_free(void *data, void *pointer)
{
    struct wire_budget *b = data;
    size_t size;
    if (!pointer)
        return;
    unsigned char *block = (unsigned char *)pointer - BLOCK_HEADER;
    memcpy(&size, block, sizeof size);
    sodium_memzero(block, BLOCK_HEADER + size);
    b->used -= size;
    free(block);
}

void wire_budget_init(struct wire_budget *budget, const struct sae_limits *limits)
{
    memset(budget, 0, sizeof *budget);
    budget->allocator.alloc = budget_alloc;
    budget->allocator.free = budget_free;
    budget->allocator.allocator_data = budget;
    budget->cap = limits->decode_bytes;
}

int wire_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len,
                const struct sae_limits *limits, struct wire_budget *budget,
                ProtobufCMessage **out)
{
    if (!buf && len > 0)
        return SAE_EINVAL;
    if (len > limits->inflated_bytes)
        return SAE_WIRE_ETOOLARGE;
    wire_budget_init(budget, limits);
    ProtobufCMessage *msg = protobuf_c_message_unpack(desc, &budget->allocator, len, buf);
    if (!msg) {
        if (budget->exhausted)
            return SAE_WIRE_ELIMIT;
        return budget->out_of_memory ? SAE_ENOMEM : SAE_WIRE_EDECODE;
    }
    *out = msg;
    return 0;
}

int wire_pack(const ProtobufCMessage *msg, const struct sae_limits *limits, uint8_t **out,
              size_t *out_len)
{
    size_t size = protobuf_c_message_get_packed_size(msg);
    if (size > limits->inflated_bytes)
        return SAE_WIRE_ETOOLARGE;
    /* One spare byte: malloc(0) may return NULL for an empty message. */
    uint8_t *buf = malloc(size + 1);
    if (!buf)
        return SAE_ENOMEM;
    if (protobuf_c_message_pack(msg, buf) != size) {
        sae_wire_buffer_free(buf, size + 1);
        return SAE_EINVAL;
    }
    *out = buf;
    *out_len = size;
    return 0;
}

void sae_wire_buffer_free(uint8_t *buf, size_t len)
{
    if (!buf)
        return;
    sodium_memzero(buf, len);
    free(buf);
}

static bool has_control(const uint8_t *text, size_t len, bool allow_line_breaks)
{
    for (size_t i = 0; i < len; i++) {
        if (allow_line_breaks && (text[i] == '\n' || text[i] == '\r' || text[i] == '\t'))
            continue;
        if (text[i] < 0x20 || text[i] == 0x7f)
            return true;
    }
    return false;
}

int wire_check_text(const uint8_t *text, size_t len, size_t max, enum wire_text_rule rule)
{
    if (len > max)
        return SAE_WIRE_ELIMIT;
    if (rule == WIRE_TEXT_LINE && len == 0)
        return SAE_WIRE_EDECODE;
    if (len > 0 && sae_utf8_check((const char *)text, len) != 0)
        return SAE_WIRE_EDECODE;
    if (has_control(text, len, rule == WIRE_TEXT_MESSAGE))
        return SAE_WIRE_EDECODE;
    return 0;
}

int wire_check_schema(bool has, uint32_t version)
{
    if (!has || version < SAE_WIRE_SCHEMA_VERSION_MIN || version > SAE_WIRE_SCHEMA_VERSION)
        return SAE_WIRE_ESCHEMA;
    return 0;
}

int wire_check_int63(uint64_t value)
{
    return value <= SAE_WIRE_INT_MAX ? 0 : SAE_WIRE_EDECODE;
}

int wire_check_ms(uint64_t ms)
{
    return ms <= SAE_HLC_MS_MAX ? 0 : SAE_WIRE_EDECODE;
}

uint32_t wire_schema_out(uint32_t version)
{
    return version ? version : SAE_WIRE_SCHEMA_VERSION;
}

int wire_dup_text(const uint8_t *text, size_t len, char **out)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return SAE_ENOMEM;
    if (len > 0)
        memcpy(copy, text, len);
    copy[len] = '\0';
    *out = copy;
    return 0;
}

void wire_free_text(char *text)
{
    if (!text)
        return;
    sodium_memzero(text, strlen(text));
    free(text);
}

ProtobufCBinaryData wire_bytes_of(const char *text)
{
    ProtobufCBinaryData b = {.len = text ? strlen(text) : 0, .data = sae_borrow(text)};
    return b;
}

struct wire_text wire_text_of(const char *text)
{
    struct wire_text t = {.bytes = (const uint8_t *)text, .len = text ? strlen(text) : 0,
                          .present = text != NULL};
    return t;
}

struct wire_text wire_text_of_pb(protobuf_c_boolean has, const ProtobufCBinaryData *b)
{
    struct wire_text t = {.bytes = b->data, .len = has ? b->len : 0, .present = has != 0};
    return t;
}
