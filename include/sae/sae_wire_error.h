/* Error codes of the wire protocol (envelopes and message decoding), apart from the
 * general codes of sae_error.h so that each failure a peer can cause has its own code.
 * They are negative like every SAE code and far from the general range so both can grow.
 * The hub maps each to an HTTP status and an ErrorStatus code (proto/PROTOCOL.md). */
#ifndef SAE_WIRE_ERROR_H
#define SAE_WIRE_ERROR_H

enum sae_wire_error {
    SAE_WIRE_EFORMAT = -100,  /* not an envelope: too short, bad magic, version or type */
    SAE_WIRE_EUNKNOWN_SENDER = -101, /* the key lookup does not know the sender id */
    SAE_WIRE_EAUTH = -102,    /* the box did not open, or its header copy differs */
    SAE_WIRE_ETOOLARGE = -103, /* envelope or inflated bytes over their limit */
    SAE_WIRE_EINFLATE = -104, /* the compressed stream is broken or has trailing bytes */
    SAE_WIRE_EDECODE = -105,  /* the protobuf is malformed or a field breaks its rules */
    SAE_WIRE_ELIMIT = -106,   /* a count or length over its limit (sae_limits) */
    SAE_WIRE_ESCHEMA = -107,  /* schema_version outside what this build accepts */
};

/* A short English phrase for a wire code, or sae_error_name() for any other; never NULL. */
const char *sae_wire_error_name(int code);

#endif
