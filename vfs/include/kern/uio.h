/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * uio.h -- scatter/gather transfers between the kernel and its caller.
 * Implemented in vfs/kern_uio.c.
 */
#ifndef KERN_UIO_H
#define KERN_UIO_H

#include "kern/kern.h"

struct kiovec {
	void	*iov_base;
	size_t	 iov_len;
};

enum uio_rw { UIO_READ, UIO_WRITE };

struct uio {
	struct kiovec	*uio_iov;	/* advanced as data moves */
	int		 uio_iovcnt;
	uint64_t	 uio_offset;	/* file offset */
	size_t		 uio_resid;	/* bytes left */
	enum uio_rw	 uio_rw;	/* READ: kernel -> caller */
};

/* Build a one-segment uio over BUF. */
void	uio_setup(struct uio *uio, struct kiovec *iov, void *buf, size_t len,
	    uint64_t off, enum uio_rw rw);
/*
 * Move MIN(N, resid) bytes between the kernel buffer BUF and the uio
 * (direction by uio_rw), advancing iovecs, offset and resid.  Cannot fail.
 */
void	uiomove(void *buf, size_t n, struct uio *uio);
/* UIO_READ only: deliver N zero bytes (holes). */
void	uiozero(size_t n, struct uio *uio);

#endif /* KERN_UIO_H */
