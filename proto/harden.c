/* Process hardening (sae_harden.h). */
#include "sae/sae_harden.h"

#include <sys/prctl.h>
#include <sys/resource.h>

int sae_harden_process(bool daemon)
{
    const struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0)
        return SAE_EIO;
    if (daemon && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return SAE_EIO;
    return 0;
}
