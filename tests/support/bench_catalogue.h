/* The benchmarks' baseline of "the same work with no field marked sensitive": the
 * catalogue's sensitive marks cleared and put back in this process only. The catalogue is
 * const data (read-only after relocation), so its pages are made writable here, once, in
 * the benchmark's own process; the programs never clear a mark. Not thread-safe: switch
 * only while no other thread reads the catalogue (between a benchmark's timed requests).
 *
 * Built into libsae-test.a. */
#ifndef SAE_BENCH_CATALOGUE_H
#define SAE_BENCH_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>

/* marked false: every field the catalogue marks sensitive is unmarked; true: marked again as
 * the catalogue has it. SAE_EIO when the pages cannot be made writable. */
int bench_catalogue_sensitive(bool marked);

/* How many fields the catalogue marks sensitive (the ones switched). */
size_t bench_catalogue_sensitive_count(void);

#endif
