/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hyp_bdev_mem.c -- block devices in memory, for tests and fuzzing:
 * hyp_bdev_open_mem() (rumpuser.h), and hyp_bdev_mem_xfer() and
 * hyp_bdev_mem_fini() (hyp_impl.h) for hyp_bdev.c.
 *
 * The contents are one zeroed host allocation of the device's size,
 * guarded by a reader/writer lock: reads share it, a write holds it
 * exclusively, so every transfer is atomic with respect to the others.
 * hyp_bdev_membuf() hands the buffer out; reading it while transfers
 * are running is the caller's business.  The sector size is 512.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hyp_impl.h"

#define MEM_SECSIZE	512

/*
 * Create a memory device of SIZE bytes whose first INITLEN bytes are
 * copied from INIT (the rest zero).  flags as for hyp_bdev_open()
 * (HYP_BDEV_EXCL is accepted and means nothing here).
 * => 0 and *bdp; EINVAL for INITLEN > SIZE or unknown flags; ENOMEM.
 */
int
hyp_bdev_open_mem(const void *init, size_t initlen, uint64_t size,
    int flags, struct hyp_bdev **bdp)
{
	struct hyp_bdev *bd;
	int error;

	*bdp = NULL;
	if ((flags & ~(HYP_BDEV_RDWR | HYP_BDEV_EXCL)) != 0)
		return EINVAL;
	if (init == NULL)
		initlen = 0;
	if (initlen > size)
		return EINVAL;
	if (size > SIZE_MAX - 1)
		return ENOMEM;
	if ((bd = calloc(1, sizeof(*bd))) == NULL)
		return ENOMEM;
	bd->bd_kind = HYP_BDEV_KMEM;
	bd->bd_rdonly = (flags & HYP_BDEV_RDWR) == 0;
	bd->bd_fd = -1;
	bd->bd_size = size;
	bd->bd_secsize = MEM_SECSIZE;
	/* At least one byte, so that membuf is never NULL. */
	if ((bd->bd_mem = calloc(1, size > 0 ? (size_t)size : 1)) == NULL) {
		error = ENOMEM;
		goto out_free;
	}
	if (initlen > 0)
		memcpy(bd->bd_mem, init, initlen);
	if ((error = pthread_rwlock_init(&bd->bd_memlock, NULL)) != 0)
		goto out_mem;
	hyp_bio_attach(bd);
	*bdp = bd;
	return 0;

out_mem:
	free(bd->bd_mem);
out_free:
	free(bd);
	return error;
}

int
hyp_bdev_mem_xfer(struct hyp_bdev *bd, int op, const struct hyp_iovec *iov,
    int iovcnt, uint64_t off)
{
	unsigned char *p;
	int i;

	if (op == HYP_BIO_WRITE)
		(void)pthread_rwlock_wrlock(&bd->bd_memlock);
	else
		(void)pthread_rwlock_rdlock(&bd->bd_memlock);
	p = bd->bd_mem + off;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		if (op == HYP_BIO_WRITE)
			memcpy(p, iov[i].iov_base, iov[i].iov_len);
		else
			memcpy(iov[i].iov_base, p, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	(void)pthread_rwlock_unlock(&bd->bd_memlock);
	return 0;
}

void
hyp_bdev_mem_fini(struct hyp_bdev *bd)
{

	(void)pthread_rwlock_destroy(&bd->bd_memlock);
	free(bd->bd_mem);
	bd->bd_mem = NULL;
}
