/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_inflate.c -- kinflate() (kern/inflate.h): zlib decompression for
 * drivers, which may not call hypercalls themselves.  A thin wrapper
 * over hyp_inflate() that keeps the kernel's error contract.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern/kern.h"
#include "kern/inflate.h"
#include "rumpuser.h"

/* See kern/inflate.h. */
int
kinflate(const void *in, size_t inlen, void *out, size_t outlen,
    size_t *outdone)
{
	int error;

	error = hyp_inflate(in, inlen, out, outlen, outdone);
	KASSERT(*outdone <= outlen);
	return error;
}
