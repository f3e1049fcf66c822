/* libFuzzer target: sae_error_status_decode on arbitrary bytes (see wire_fuzz.h for the oracle). */
#include "wire_fuzz.h"

WIRE_FUZZ_DECODER(error_status, sae_error_status)
