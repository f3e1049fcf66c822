/* Lending read-only data to a library whose struct member or argument is not const-qualified
 * although it only reads through it: protobuf-c messages being encoded, libmicrohttpd's
 * persistent responses, libcurl's copied blobs, request structs built only to be encoded.
 * The cast goes through uintptr_t in this one place, so -Wcast-qual still catches every
 * other cast that drops const. Never write through the result. */
#ifndef SAE_BORROW_H
#define SAE_BORROW_H

#include <stdint.h>

static inline void *sae_borrow(const void *p)
{
    return (void *)(uintptr_t)p;
}

#endif
