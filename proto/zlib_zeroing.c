#include "zlib_zeroing.h"

#include "sae/sae_error.h"

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

int zlib_zeroing_deflate(const unsigned char *in, size_t len, int level, unsigned char *out,
                         size_t room, size_t *used)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zlib_zeroing_use(&zs);
    if (deflateInit2(&zs, level, Z_DEFLATED, MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return SAE_ENOMEM;
    zs.next_in = in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)room;
    int zr = deflate(&zs, Z_FINISH);
    *used = room - zs.avail_out;
    deflateEnd(&zs);
    /* Z_OK or Z_BUF_ERROR: the output did not fit in room. */
    return zr == Z_STREAM_END ? 0 : SAE_ETOOBIG;
}
