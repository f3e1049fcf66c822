/* libFuzzer target: sae_batch_decode (a push batch, what every post sends the hub) on
 * arbitrary bytes (see wire_fuzz.h for the oracle). */
#include "wire_fuzz.h"

WIRE_FUZZ_DECODER(batch, sae_batch)
