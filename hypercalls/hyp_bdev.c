/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hyp_bdev.c -- block devices on host files and host block devices, and
 * the synchronous transfer hypercalls common to every kind of device.
 *
 * Exports (rumpuser.h): hyp_bdev_open(), hyp_bdev_close(),
 * hyp_bdev_getsize(), hyp_bdev_rdonly(), hyp_bdev_hostfd(),
 * hyp_bdev_membuf(), hyp_bdev_read(), hyp_bdev_write(),
 * hyp_bdev_readv(), hyp_bdev_writev(), hyp_bdev_flush();
 * (hyp_impl.h): hyp_bdev_check(), hyp_bdev_xfer().
 * Memory devices live in hyp_bdev_mem.c, hyp_bdev_strategy() and its
 * worker threads in hyp_bio_async.c.
 *
 * A synchronous transfer is: validate (hyp_bdev_check: EINVAL, EROFS,
 * EIO for a range outside the device), count it for fault injection
 * (an injected failure returns EIO and touches no data), then move the
 * bytes.  File transfers use preadv/pwritev in a loop that retries EINTR
 * and short transfers by advancing through the vector; an end of file
 * before the requested length is EIO.  The device's size is fixed when
 * it is opened; a transfer never grows an image file.
 *
 * Transfers on one device may run concurrently from any number of
 * threads; overlapping concurrent writes have no defined order.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/fs.h>

#include "hyp_impl.h"

#define XFER_IOVMAX	64		/* host iovecs per system call */
#define XFER_MAXBYTES	(1U << 30)	/* bytes per system call */
#define FILE_SECSIZE	512

/* ---- opening ---- */

/*
 * Open PATH for reading (and writing).  A RDWR open refused because the
 * object cannot be written (EROFS, or EACCES/EPERM on something that
 * can be opened for reading: a read-only file, a write-protected block
 * device) is EROFS, so the caller can fall back to a read-only mount.
 * O_NONBLOCK keeps a FIFO from blocking the open; it is cleared after.
 */
static int
bdev_open_fd(const char *path, bool rdwr, bool excl_blk, int *fdp)
{
	int fd, oflags, error, fl;

	oflags = O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	oflags |= rdwr ? O_RDWR : O_RDONLY;
	if (excl_blk)
		oflags |= O_EXCL;
	if ((fd = open(path, oflags)) == -1) {
		error = errno;
		if (rdwr && (error == EACCES || error == EPERM)) {
			fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
			    O_NONBLOCK);
			if (fd != -1) {
				(void)close(fd);
				error = EROFS;
			}
		}
		return error;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		error = errno;
		(void)close(fd);
		return error;
	}
	*fdp = fd;
	return 0;
}

/* Size, sector size and write protection of an open host block device. */
static int
bdev_blk_geometry(struct hyp_bdev *bd, const char *path)
{
	uint64_t size;
	int ssz, ro;

	if (ioctl(bd->bd_fd, BLKGETSIZE64, &size) == -1 ||
	    ioctl(bd->bd_fd, BLKSSZGET, &ssz) == -1)
		return errno;
	if (ssz < FILE_SECSIZE || (ssz & (ssz - 1)) != 0) {
		hyp_log(HYP_LOG_ERR, "%s: unusable sector size %d", path, ssz);
		return EINVAL;
	}
	if (!bd->bd_rdonly) {
		if (ioctl(bd->bd_fd, BLKROGET, &ro) == -1)
			return errno;
		if (ro != 0)
			return EROFS;
	}
	bd->bd_size = size;
	bd->bd_secsize = (uint32_t)ssz;
	return 0;
}

/*
 * Open the image file or block device PATH (see rumpuser.h).
 * => flags: HYP_BDEV_RDONLY or HYP_BDEV_RDWR, optionally HYP_BDEV_EXCL,
 *    which takes a non-blocking flock(2) on the open file (exclusive for
 *    RDWR, shared for RDONLY; also O_EXCL for a block device opened
 *    RDWR) and fails with EBUSY if another open file holds a
 *    conflicting lock -- in this process or another.
 * => EROFS for RDWR on a read-only file or device; EISDIR for a
 *    directory; ENODEV for anything but a regular file or block device;
 *    EINVAL for unknown flags; otherwise the host's errno.
 */
int
hyp_bdev_open(const char *path, int flags, struct hyp_bdev **bdp)
{
	struct hyp_bdev *bd;
	struct stat st;
	bool rdwr, excl;
	int error;

	*bdp = NULL;
	if ((flags & ~(HYP_BDEV_RDWR | HYP_BDEV_EXCL)) != 0)
		return EINVAL;
	rdwr = (flags & HYP_BDEV_RDWR) != 0;
	excl = (flags & HYP_BDEV_EXCL) != 0;
	if ((bd = calloc(1, sizeof(*bd))) == NULL)
		return ENOMEM;
	bd->bd_rdonly = !rdwr;
	bd->bd_fd = -1;

	/* A stale stat only decides O_EXCL; fstat below is authoritative. */
	if (stat(path, &st) == -1) {
		error = errno;
		goto out_free;
	}
	error = bdev_open_fd(path, rdwr, excl && rdwr && S_ISBLK(st.st_mode),
	    &bd->bd_fd);
	if (error != 0)
		goto out_free;
	if (fstat(bd->bd_fd, &st) == -1) {
		error = errno;
		goto out_close;
	}
	if (S_ISREG(st.st_mode)) {
		bd->bd_kind = HYP_BDEV_KFILE;
		bd->bd_size = (uint64_t)st.st_size;
		bd->bd_secsize = FILE_SECSIZE;
	} else if (S_ISBLK(st.st_mode)) {
		bd->bd_kind = HYP_BDEV_KBLK;
		if ((error = bdev_blk_geometry(bd, path)) != 0)
			goto out_close;
	} else {
		error = S_ISDIR(st.st_mode) ? EISDIR : ENODEV;
		goto out_close;
	}

	if (excl && flock(bd->bd_fd, (rdwr ? LOCK_EX : LOCK_SH) | LOCK_NB)
	    == -1) {
		error = errno == EWOULDBLOCK ? EBUSY : errno;
		if (error == EBUSY)
			hyp_log(HYP_LOG_INFO, "%s: in use (locked) elsewhere",
			    path);
		goto out_close;
	}
	hyp_bio_attach(bd);
	*bdp = bd;
	return 0;

out_close:
	(void)close(bd->bd_fd);
out_free:
	free(bd);
	return error;
}

/*
 * Close BD: wait for its asynchronous requests and their callbacks
 * (so it must not be called from one of its own callbacks), then
 * release it.  Nothing is flushed.  May block.
 */
void
hyp_bdev_close(struct hyp_bdev *bd)
{

	if (bd == NULL)
		return;
	hyp_bio_detach(bd);
	if (bd->bd_kind == HYP_BDEV_KMEM)
		hyp_bdev_mem_fini(bd);
	else
		(void)close(bd->bd_fd);
	free(bd);
}

/* ---- properties ---- */

void
hyp_bdev_getsize(struct hyp_bdev *bd, uint64_t *sizep, uint32_t *secsizep)
{

	if (sizep != NULL)
		*sizep = bd->bd_size;
	if (secsizep != NULL)
		*secsizep = bd->bd_secsize;
}

bool
hyp_bdev_rdonly(struct hyp_bdev *bd)
{

	return bd->bd_rdonly;
}

int
hyp_bdev_hostfd(struct hyp_bdev *bd)
{

	return bd->bd_kind == HYP_BDEV_KMEM ? -1 : bd->bd_fd;
}

void *
hyp_bdev_membuf(struct hyp_bdev *bd)
{

	return bd->bd_kind == HYP_BDEV_KMEM ? bd->bd_mem : NULL;
}

/* ---- transfers ---- */

int
hyp_bdev_check(struct hyp_bdev *bd, int op, const struct hyp_iovec *iov,
    int iovcnt, uint64_t off)
{
	uint64_t total;
	int i;

	if (op != HYP_BIO_READ && op != HYP_BIO_WRITE)
		return EINVAL;
	if (iovcnt < 0 || (iovcnt > 0 && iov == NULL))
		return EINVAL;
	if (op == HYP_BIO_WRITE && bd->bd_rdonly)
		return EROFS;
	total = 0;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > 0 && iov[i].iov_base == NULL)
			return EINVAL;
		if (iov[i].iov_len > UINT64_MAX - total)
			return EIO;
		total += iov[i].iov_len;
	}
	if (total > bd->bd_size || off > bd->bd_size - total) {
		hyp_log(HYP_LOG_DEBUG, "bdev: %s of %llu bytes at %llu is "
		    "past the end (%llu)", op == HYP_BIO_READ ? "read" :
		    "write", (unsigned long long)total,
		    (unsigned long long)off, (unsigned long long)bd->bd_size);
		return EIO;
	}
	return 0;
}

/*
 * Fill V (at most XFER_IOVMAX entries, XFER_MAXBYTES bytes) from IOV
 * starting SKIP bytes into IOV[IDX]; returns the number of entries.
 */
static int
xfer_gather(struct iovec *v, const struct hyp_iovec *iov, int iovcnt,
    int idx, size_t skip)
{
	size_t bytes, len;
	int n;

	n = 0;
	bytes = 0;
	for (; idx < iovcnt && n < XFER_IOVMAX && bytes < XFER_MAXBYTES;
	    idx++, skip = 0) {
		len = iov[idx].iov_len - skip;
		if (len == 0)
			continue;
		if (len > XFER_MAXBYTES - bytes)
			len = XFER_MAXBYTES - bytes;
		v[n].iov_base = (char *)iov[idx].iov_base + skip;
		v[n].iov_len = len;
		bytes += len;
		n++;
	}
	return n;
}

/* Move a validated transfer between IOV and the host file. */
static int
file_xfer(struct hyp_bdev *bd, int op, const struct hyp_iovec *iov,
    int iovcnt, uint64_t off)
{
	struct iovec v[XFER_IOVMAX];
	size_t skip, left, avail;
	ssize_t done;
	int idx, n, error;

	idx = 0;
	skip = 0;
	for (;;) {
		if ((n = xfer_gather(v, iov, iovcnt, idx, skip)) == 0)
			return 0;
		if (op == HYP_BIO_READ)
			done = preadv(bd->bd_fd, v, n, (off_t)off);
		else
			done = pwritev(bd->bd_fd, v, n, (off_t)off);
		if (done < 0) {
			if (errno == EINTR)
				continue;
			error = errno;
			hyp_log(HYP_LOG_WARN, "bdev: host %s at %llu failed: "
			    "error %d", op == HYP_BIO_READ ? "read" : "write",
			    (unsigned long long)off, error);
			return error;
		}
		if (done == 0) {
			hyp_log(HYP_LOG_WARN, "bdev: unexpected end of file "
			    "at %llu", (unsigned long long)off);
			return EIO;
		}
		off += (uint64_t)done;
		/* Advance the cursor (idx, skip) past DONE bytes. */
		for (left = (size_t)done; left > 0;) {
			avail = iov[idx].iov_len - skip;
			if (left < avail) {
				skip += left;
				left = 0;
			} else {
				left -= avail;
				idx++;
				skip = 0;
			}
		}
	}
}

int
hyp_bdev_xfer(struct hyp_bdev *bd, int op, const struct hyp_iovec *iov,
    int iovcnt, uint64_t off)
{

	if (bd->bd_kind == HYP_BDEV_KMEM)
		return hyp_bdev_mem_xfer(bd, op, iov, iovcnt, off);
	return file_xfer(bd, op, iov, iovcnt, off);
}

/* Validate, count for fault injection, transfer. */
static int
bdev_sync(struct hyp_bdev *bd, int op, const struct hyp_iovec *iov,
    int iovcnt, uint64_t off)
{
	int error;

	if ((error = hyp_bdev_check(bd, op, iov, iovcnt, off)) != 0)
		return error;
	if (hyp_fault_io_fail())
		return EIO;
	return hyp_bdev_xfer(bd, op, iov, iovcnt, off);
}

int
hyp_bdev_read(struct hyp_bdev *bd, void *buf, size_t len, uint64_t off)
{
	struct hyp_iovec iov = { .iov_base = buf, .iov_len = len };

	return bdev_sync(bd, HYP_BIO_READ, &iov, 1, off);
}

int
hyp_bdev_write(struct hyp_bdev *bd, const void *buf, size_t len,
    uint64_t off)
{
	struct hyp_iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return bdev_sync(bd, HYP_BIO_WRITE, &iov, 1, off);
}

int
hyp_bdev_readv(struct hyp_bdev *bd, const struct hyp_iovec *iov,
    int iovcnt, uint64_t off)
{

	return bdev_sync(bd, HYP_BIO_READ, iov, iovcnt, off);
}

int
hyp_bdev_writev(struct hyp_bdev *bd, const struct hyp_iovec *iov,
    int iovcnt, uint64_t off)
{

	return bdev_sync(bd, HYP_BIO_WRITE, iov, iovcnt, off);
}

/*
 * Make every completed write durable: fdatasync(2) for a file or host
 * device (EINVAL/EROFS, which special files may answer, count as
 * success); nothing for a memory or read-only device.  Not counted by
 * fault injection.  May block.
 */
int
hyp_bdev_flush(struct hyp_bdev *bd)
{
	int error;

	if (bd->bd_kind == HYP_BDEV_KMEM || bd->bd_rdonly)
		return 0;
	while (fdatasync(bd->bd_fd) == -1) {
		error = errno;
		if (error == EINTR)
			continue;
		if (error == EINVAL || error == EROFS)
			return 0;
		hyp_log(HYP_LOG_WARN, "bdev: fdatasync failed: error %d",
		    error);
		return error;
	}
	return 0;
}
