/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inflate.h -- decompression for drivers: kinflate(), one complete zlib
 * stream (RFC 1950) from a buffer into a buffer.  Implemented in
 * vfs/kern_inflate.c on top of the hyp_inflate() hypercall (the host's
 * zlib).  Used by cd9660 for zisofs.
 */
#ifndef KERN_INFLATE_H
#define KERN_INFLATE_H

#include "kern/kern.h"

/*
 * Decompress the zlib stream IN[0, INLEN) into OUT (at most OUTLEN
 * bytes); *OUTDONE gets the bytes produced, also on error.
 * => 0: the stream ended, its check value matched, its output fit.
 * => EFBIG: the output does not fit in OUTLEN.
 * => EINVAL: malformed, truncated or mismatching stream (the caller
 *    reports corrupt data, EUCLEAN, itself).
 * => ENOMEM.
 * Thread-safe; never blocks; holds no kernel lock.
 */
int	kinflate(const void *in, size_t inlen, void *out, size_t outlen,
	    size_t *outdone);

#endif /* KERN_INFLATE_H */
