/* Reading a message's schema version without decoding it (sae_wire_peek_schema in
 * sae_wire.h): the hub answers a refusal in a version its sender reads, also when the rest of
 * the message is one it does not take. A plain walk over protobuf's wire format. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae/sae_error.h"
#include "sae/sae_wire.h"

/* A protobuf varint at *at (advanced past it); false when it runs past end or past 64 bits. */
static bool read_varint(const uint8_t *buf, size_t len, size_t *at, uint64_t *out)
{
    uint64_t value = 0;
    for (unsigned shift = 0; shift < 64 && *at < len; shift += 7) {
        uint8_t byte = buf[(*at)++];
        value |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *out = value;
            return true;
        }
    }
    return false;
}

/* Skips one field's value of wire type type; false when it runs past the end. */
static bool skip_value(const uint8_t *buf, size_t len, size_t *at, unsigned type)
{
    uint64_t n = 0;
    switch (type) {
    case 0: return read_varint(buf, len, at, &n);
    case 1: n = 8; break;
    case 2:
        if (!read_varint(buf, len, at, &n))
            return false;
        break;
    case 5: n = 4; break;
    default: return false;
    }
    if (n > len - *at)
        return false;
    *at += (size_t)n;
    return true;
}

int sae_wire_peek_schema(const uint8_t *buf, size_t len, uint32_t *out)
{
    size_t at = 0;
    uint32_t version = 0;
    if (!out || (!buf && len > 0))
        return SAE_EINVAL;
    while (at < len) {
        uint64_t tag = 0, value = 0;
        if (!read_varint(buf, len, &at, &tag))
            return SAE_WIRE_EDECODE;
        unsigned type = (unsigned)(tag & 7);
        if (tag >> 3 == 1 && type == 0) {
            if (!read_varint(buf, len, &at, &value))
                return SAE_WIRE_EDECODE;
            /* As protobuf reads a uint32: the last occurrence counts, cut to 32 bits. */
            version = (uint32_t)value;
        } else if (!skip_value(buf, len, &at, type)) {
            return SAE_WIRE_EDECODE;
        }
    }
    *out = version;
    return 0;
}
