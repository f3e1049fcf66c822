/* An allocator for zlib that zeroes every block it frees: a stream's window and state hold
 * the plaintext it deflated or inflated (envelopes, value boxes). */
#ifndef ZLIB_ZEROING_H
#define ZLIB_ZEROING_H

/* next_in is read-only to zlib; ZLIB_CONST makes its declaration say so. */
#ifndef ZLIB_CONST
#define ZLIB_CONST
#endif
#include <stddef.h>
#include <zlib.h>

voidpf zlib_zeroing_alloc(voidpf opaque, uInt items, uInt size);
void zlib_zeroing_free(voidpf opaque, voidpf pointer);

/* Sets stream's zalloc, zfree and opaque to the zeroing pair. */
void zlib_zeroing_use(z_stream *stream);

/* Deflates in[0..len) whole, zlib format at level, into out (room bytes) with the zeroing
 * pair; *used: the stream's length. len and room below UINT_MAX. SAE_ETOOBIG: it does not
 * fit in room; SAE_ENOMEM: zlib could not start. */
int zlib_zeroing_deflate(const unsigned char *in, size_t len, int level, unsigned char *out,
                         size_t room, size_t *used);

#endif
