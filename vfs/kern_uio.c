/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_uio.c -- scatter/gather transfers between the kernel and its
 * caller: uio_setup, uiomove, uiozero (uio.h).
 *
 * A uio describes the caller's side: a vector of buffers, the file
 * offset the transfer is at, and the bytes still to move.  Moving data
 * consumes the vector from the front (uio_iov/uio_iovcnt advance,
 * iov_base/iov_len of the current entry shrink), adds to uio_offset and
 * subtracts from uio_resid.  Both sides are in the same address space,
 * so a move cannot fail.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kern/kern.h"
#include "kern/uio.h"

void
uio_setup(struct uio *uio, struct kiovec *iov, void *buf, size_t len,
    uint64_t off, enum uio_rw rw)
{

	iov->iov_base = buf;
	iov->iov_len = len;
	uio->uio_iov = iov;
	uio->uio_iovcnt = 1;
	uio->uio_offset = off;
	uio->uio_resid = len;
	uio->uio_rw = rw;
}

/*
 * The common walk: move MIN(N, resid) bytes; BUF NULL means "zeros"
 * (UIO_READ only).
 */
static void
uio_xfer(void *buf, size_t n, struct uio *uio)
{
	struct kiovec *iov;
	char *cp = buf;
	size_t cnt;

	if (n > uio->uio_resid)
		n = uio->uio_resid;
	while (n > 0) {
		KASSERT(uio->uio_iovcnt > 0);
		iov = uio->uio_iov;
		cnt = MIN(iov->iov_len, n);
		if (cnt == 0) {
			uio->uio_iov++;
			uio->uio_iovcnt--;
			continue;
		}
		if (uio->uio_rw == UIO_READ) {
			if (cp != NULL)
				memcpy(iov->iov_base, cp, cnt);
			else
				memset(iov->iov_base, 0, cnt);
		} else {
			memcpy(cp, iov->iov_base, cnt);
		}
		iov->iov_base = (char *)iov->iov_base + cnt;
		iov->iov_len -= cnt;
		uio->uio_resid -= cnt;
		uio->uio_offset += cnt;
		if (cp != NULL)
			cp += cnt;
		n -= cnt;
		if (iov->iov_len == 0) {
			uio->uio_iov++;
			uio->uio_iovcnt--;
		}
	}
}

void
uiomove(void *buf, size_t n, struct uio *uio)
{

	KASSERT(buf != NULL || n == 0);
	uio_xfer(buf, n, uio);
}

void
uiozero(size_t n, struct uio *uio)
{

	KASSERT(uio->uio_rw == UIO_READ);
	uio_xfer(NULL, n, uio);
}
