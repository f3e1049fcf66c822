/* libFuzzer target: sae_pull_response_decode on arbitrary bytes (see wire_fuzz.h for the oracle). */
#include "wire_fuzz.h"

WIRE_FUZZ_DECODER(pull_response, sae_pull_response)
