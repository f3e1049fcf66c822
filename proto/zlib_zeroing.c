#include "zlib_zeroing.h"

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The block's size is kept before it, so the free knows how much to zero. */
#define BLOCK_HEADER sizeof(max_align_t)

voidpf zlib_zeroing_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    if (size != 0 && items > (SIZE_MAX - BLOCK_HEADER) / size)
        return Z_NULL;
    size_t n = (size_t)items * size;
    unsigned char *block = malloc(BLOCK_HEADER + n);
    if (!block)
        return Z_NULL;
    memcpy(block, &n, sizeof n);
    return block + BLOCK_HEADER;
}

void zlib_zeroing_free(voidpf opaque, voidpf pointer)
{
    size_t n;
    (void)opaque;
    if (!pointer)
        return;
    unsigned char *block = (unsigned char *)pointer - BLOCK_HEADER;
    memcpy(&n, block, sizeof n);
    sodium_memzero(block, BLOCK_HEADER + n);
    free(block);
}

void zlib_zeroing_use(z_stream *stream)
{
    stream->zalloc = zlib_zeroing_alloc;
    stream->zfree = zlib_zeroing_free;
    stream->opaque = Z_NULL;
}
