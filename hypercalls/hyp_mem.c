/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hyp_mem.c -- the kernel's memory hypercalls: hyp_malloc() and
 * hyp_free() on top of the host allocator, within an optional bound
 * (hyp_mem_limit(); counted with malloc_usable_size(), so what the host
 * allocator really gave, only while a bound is set).
 *
 * Every hyp_malloc() call is counted by fault injection
 * (RUMP_FAULT_MEM, RUMP_FAULT_MEM_RANDOM; see hyp_fault.c) before
 * anything else, so a test can fail exactly the Nth allocation.  The
 * hypercall layer's own bookkeeping (locks, thread handles, requests)
 * uses the host allocator directly and is never failed on purpose.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>

#include "hyp_impl.h"

static int64_t hyp_mem_max;	/* 0: unbounded; set before any use */
/* Bytes held; atomic.  Below 0 if memory taken before the bound is freed. */
static int64_t hyp_mem_used;

void
hyp_mem_limit(uint64_t bytes)
{

	__atomic_store_n(&hyp_mem_max, bytes > INT64_MAX ? INT64_MAX :
	    (int64_t)bytes, __ATOMIC_RELAXED);
}

/*
 * Allocate LEN bytes aligned to ALIGN (0: malloc's natural alignment).
 * => 0 and *retp set, ENOMEM (out of memory or injected failure), or
 *    EINVAL when ALIGN is not a power of two.
 * => LEN 0 returns a unique pointer that must still be freed.
 */
int
hyp_malloc(size_t len, size_t align, void **retp)
{
	void *p;
	int error;

	*retp = NULL;
	if (hyp_fault_mem_fail())
		return ENOMEM;
	if (len == 0)
		len = 1;
	if (align == 0) {
		if ((p = malloc(len)) == NULL)
			return ENOMEM;
	} else {
		if ((align & (align - 1)) != 0)
			return EINVAL;
		if (align < sizeof(void *))
			align = sizeof(void *);
		if ((error = posix_memalign(&p, align, len)) != 0)
			return error == EINVAL ? EINVAL : ENOMEM;
	}
	if (__atomic_load_n(&hyp_mem_max, __ATOMIC_RELAXED) != 0) {
		int64_t n = (int64_t)malloc_usable_size(p);

		if (__atomic_add_fetch(&hyp_mem_used, n, __ATOMIC_RELAXED) >
		    hyp_mem_max) {
			__atomic_sub_fetch(&hyp_mem_used, n, __ATOMIC_RELAXED);
			free(p);
			return ENOMEM;
		}
	}
	*retp = p;
	return 0;
}

/* Free memory from hyp_malloc(); LEN is informational.  NULL is a no-op. */
void
hyp_free(void *p, size_t len)
{

	(void)len;
	if (p != NULL && __atomic_load_n(&hyp_mem_max, __ATOMIC_RELAXED) != 0)
		__atomic_sub_fetch(&hyp_mem_used,
		    (int64_t)malloc_usable_size(p), __ATOMIC_RELAXED);
	free(p);
}
