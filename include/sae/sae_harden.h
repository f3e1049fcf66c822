/* Process hardening, called first thing by sae-node and sae-hub: no core dump may carry a
 * secret or a survivor's data to disk (RLIMIT_CORE 0, soft and hard, so a child or a later
 * setrlimit cannot raise it), and a daemon (sae-hub serve, sae-node serve and run) is made
 * non-dumpable (prctl PR_SET_DUMPABLE 0): other processes of the same user can neither
 * ptrace it nor read its /proc/PID/mem. Secrets themselves are kept out of swap by
 * sae_secure_mem.h (sodium_malloc locks their pages); the whole process is not mlockall'd,
 * which would pin SQLite's caches and hit RLIMIT_MEMLOCK on an ordinary account. */
#ifndef SAE_HARDEN_H
#define SAE_HARDEN_H

#include <stdbool.h>

#include "sae_error.h"

/* SAE_EIO when the system refuses a step (the caller says so and stops). */
int sae_harden_process(bool daemon);

#endif
