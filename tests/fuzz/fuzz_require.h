/* What every fuzz target checks with: a broken property stops the run where it broke
 * (libFuzzer reports the trap with the input that caused it). */
#ifndef SAE_FUZZ_REQUIRE_H
#define SAE_FUZZ_REQUIRE_H

#define REQUIRE(cond)                                                                           \
    do {                                                                                        \
        if (!(cond))                                                                            \
            __builtin_trap();                                                                   \
    } while (0)

#endif
