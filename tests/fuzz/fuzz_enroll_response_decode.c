/* libFuzzer target: sae_enroll_response_decode on arbitrary bytes (see wire_fuzz.h for the oracle). */
#include "wire_fuzz.h"

WIRE_FUZZ_DECODER(enroll_response, sae_enroll_response)
