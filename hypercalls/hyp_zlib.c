/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hyp_zlib.c -- decompression for the kernel: hyp_inflate(), one complete
 * zlib stream (RFC 1950) from one buffer into another, on top of the
 * host's zlib.  Drivers reach it through kinflate() (vfs/kern_inflate.c);
 * the cd9660 driver uses it for zisofs blocks.
 *
 * zlib's own allocations go through hyp_malloc(), so memory fault
 * injection (RUMP_FAULT_MEM) covers them too.  Each call has its own
 * stream state: the function is thread-safe and never blocks.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "hyp_impl.h"

static voidpf
hyp_zalloc(voidpf opaque, uInt items, uInt size)
{
	void *p;

	(void)opaque;
	if (size != 0 && items > SIZE_MAX / size)
		return Z_NULL;
	if (hyp_malloc((size_t)items * size, 0, &p) != 0)
		return Z_NULL;
	return p;
}

static void
hyp_zfree(voidpf opaque, voidpf p)
{

	(void)opaque;
	hyp_free(p, 0);
}

/* See rumpuser.h. */
int
hyp_inflate(const void *in, size_t inlen, void *out, size_t outlen,
    size_t *outdone)
{
	z_stream zs;
	int zr, error;

	*outdone = 0;
	if (inlen > UINT_MAX || outlen > UINT_MAX)
		return EINVAL;
	memset(&zs, 0, sizeof(zs));
	zs.zalloc = hyp_zalloc;
	zs.zfree = hyp_zfree;
	zs.opaque = Z_NULL;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)inlen;
	zs.next_out = out;
	zs.avail_out = (uInt)outlen;
	zr = inflateInit(&zs);
	if (zr != Z_OK)
		return zr == Z_MEM_ERROR ? ENOMEM : EINVAL;
	zr = inflate(&zs, Z_FINISH);
	switch (zr) {
	case Z_STREAM_END:
		error = 0;
		break;
	case Z_MEM_ERROR:
		error = ENOMEM;
		break;
	case Z_BUF_ERROR:
	case Z_OK:
		/* No progress possible: out of input, or out of room. */
		error = zs.avail_out == 0 && zs.avail_in > 0 ? EFBIG : EINVAL;
		break;
	default:	/* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
		error = EINVAL;
		break;
	}
	*outdone = outlen - zs.avail_out;
	(void)inflateEnd(&zs);
	return error;
}
