/* libFuzzer target: sae_pull_request_decode on arbitrary bytes (see wire_fuzz.h for the oracle). */
#include "wire_fuzz.h"

WIRE_FUZZ_DECODER(pull_request, sae_pull_request)
