#include "sae/sae_error.h"

#include <stdarg.h>
#include <stdio.h>

const char *sae_error_name(int code)
{
    switch (code) {
    case SAE_OK: return "success";
    case SAE_EINVAL: return "invalid input";
    case SAE_ENOMEM: return "out of memory";
    case SAE_EIO: return "input/output error";
    case SAE_EDB: return "database error";
    case SAE_ECORRUPT: return "database file is damaged";
    case SAE_EBUSY: return "database is busy";
    case SAE_ENOTFOUND: return "not found";
    case SAE_EAMBIGUOUS: return "ambiguous id prefix";
    case SAE_EEXIST: return "already exists";
    case SAE_ENOTINIT: return "not initialised";
    case SAE_EDELETED: return "report was deleted";
    case SAE_ETOOBIG: return "over its limit";
    case SAE_ESCHEMA: return "written by a newer version";
    case SAE_ECLOCK: return "clock out of range";
    case SAE_ECRYPTO: return "cryptography failure";
    case SAE_EPERM: return "permission problem";
    case SAE_ERANGE: return "out of range";
    case SAE_ECHANGED: return "changed since it was read";
    case SAE_EREVOKED: return "device revoked by the district";
    default: return "unknown error";
    }
}

void sae_message_set(struct sae_message *message, const char *fmt, ...)
{
    va_list args;
    if (!message)
        return;
    va_start(args, fmt);
    vsnprintf(message->text, sizeof message->text, fmt, args);
    va_end(args);
}
