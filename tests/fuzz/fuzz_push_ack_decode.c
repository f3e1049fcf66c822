/* libFuzzer target: sae_push_ack_decode on arbitrary bytes (see wire_fuzz.h for the oracle). */
#include "wire_fuzz.h"

WIRE_FUZZ_DECODER(push_ack, sae_push_ack)
