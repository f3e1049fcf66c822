/* An allocator for zlib that zeroes every block it frees: a stream's window and state hold
 * the plaintext it deflated or inflated (envelopes, value boxes). */
#ifndef ZLIB_ZEROING_H
#define ZLIB_ZEROING_H

/* next_in is read-only to zlib; ZLIB_CONST makes its declaration say so. */
#ifndef ZLIB_CONST
#define ZLIB_CONST
#endif
#include <zlib.h>

voidpf zlib_zeroing_alloc(voidpf opaque, uInt items, uInt size);
void zlib_zeroing_free(voidpf opaque, voidpf pointer);

/* Sets stream's zalloc, zfree and opaque to the zeroing pair. */
void zlib_zeroing_use(z_stream *stream);

#endif
