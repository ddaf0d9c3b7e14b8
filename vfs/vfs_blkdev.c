/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_blkdev.c -- block devices under mounts: a host device (image file,
 * block device, or memory) reached through the hyp_bdev hypercalls, seen
 * through a byte window (a partition; the whole device by default).
 *
 * Exports the kern/blkdev.h API (open, open locked, close, window, raw
 * synchronous I/O, flush, host fd for the splice path) and, for the
 * buffer cache only, vectored and asynchronous transfers
 * (vfs_bio_internal.h).
 *
 * Every transfer is checked against the window before it reaches the
 * host: a range not entirely inside [0, bd_size) is EIO with one log line
 * naming the device and the range, so a corrupt block number read from a
 * hostile image can never address bytes outside the window.  A write to
 * a read-only device is EROFS.  Window offsets are translated to device
 * offsets here and nowhere else.
 *
 * A struct blkdev is immutable once set up (blkdev_setwindow is for the
 * mount code, before any I/O), so the transfer functions take no lock;
 * the hypercalls are themselves thread-safe.
 */
#include "kern/kern.h"
#include "kern/blkdev.h"
#include "vfs_bio_internal.h"

static int
blkdev_new(struct hyp_bdev *hbd, const char *name, struct blkdev **bdp)
{
	struct blkdev *bd;
	uint64_t size;
	uint32_t secsize;

	if ((bd = kmem_zalloc(sizeof(*bd))) == NULL)
		return ENOMEM;
	if ((bd->bd_name = kmem_strndup(name, strlen(name))) == NULL) {
		kmem_free(bd, sizeof(*bd));
		return ENOMEM;
	}
	hyp_bdev_getsize(hbd, &size, &secsize);
	bd->bd_hyp = hbd;
	bd->bd_offset = 0;
	bd->bd_size = size;
	bd->bd_secsize = secsize;
	bd->bd_rdonly = hyp_bdev_rdonly(hbd);
	*bdp = bd;
	return 0;
}

/*
 * Open the image file or block device PATH.
 * => EROFS if !RDONLY and the host refuses to write it; the host's error
 *    otherwise; ENOMEM.
 */
int
blkdev_open(const char *path, bool rdonly, struct blkdev **bdp)
{

	return blkdev_open_lock(path, rdonly, false, bdp);
}

/*
 * Open PATH, locked if LOCK (see blkdev.h).
 * => EBUSY when locked elsewhere; otherwise as blkdev_open.
 */
int
blkdev_open_lock(const char *path, bool rdonly, bool lock,
    struct blkdev **bdp)
{
	struct hyp_bdev *hbd;
	int error;

	*bdp = NULL;
	error = hyp_bdev_open(path, (rdonly ? HYP_BDEV_RDONLY :
	    HYP_BDEV_RDWR) | (lock ? HYP_BDEV_EXCL : 0), &hbd);
	if (error != 0)
		return error;
	if ((error = blkdev_new(hbd, path, bdp)) != 0)
		hyp_bdev_close(hbd);
	return error;
}

/*
 * Open a memory device of SIZE bytes whose first INITLEN bytes are copied
 * from INIT (the rest is zero).  ENOMEM, or the host's error.
 */
int
blkdev_open_mem(const void *init, size_t initlen, uint64_t size, bool rdonly,
    struct blkdev **bdp)
{
	struct hyp_bdev *hbd;
	int error;

	*bdp = NULL;
	error = hyp_bdev_open_mem(init, initlen, size,
	    rdonly ? HYP_BDEV_RDONLY : HYP_BDEV_RDWR, &hbd);
	if (error != 0)
		return error;
	if ((error = blkdev_new(hbd, "memory", bdp)) != 0)
		hyp_bdev_close(hbd);
	return error;
}

/*
 * Close BD.  The buffer cache should hold none of its buffers any more
 * (binvalall); any left are dropped here, dirty ones with a log line.
 * Waits for BD's asynchronous transfers.  May block.
 */
void
blkdev_close(struct blkdev *bd)
{
	if (bd == NULL)
		return;
	bio_devclose(bd);
	hyp_bdev_close(bd->bd_hyp);
	kmem_strfree((char *)(uintptr_t)bd->bd_name);
	kmem_free(bd, sizeof(*bd));
}

/*
 * Restrict BD to the device bytes [OFF, OFF+LEN) (absolute device
 * offsets, not relative to an earlier window).  EINVAL if the range is
 * empty or not inside the device.  Call before any I/O through BD.
 */
int
blkdev_setwindow(struct blkdev *bd, uint64_t off, uint64_t len)
{
	uint64_t devsize;
	uint32_t secsize;

	hyp_bdev_getsize(bd->bd_hyp, &devsize, &secsize);
	if (len == 0 || off > devsize || len > devsize - off) {
		klog(KLOG_ERR, "blkdev %s: window [%llu, +%llu) outside the "
		    "device (%llu bytes)", bd->bd_name,
		    (unsigned long long)off, (unsigned long long)len,
		    (unsigned long long)devsize);
		return EINVAL;
	}
	bd->bd_offset = off;
	bd->bd_size = len;
	return 0;
}

int
blkdev_checkrange(struct blkdev *bd, uint64_t off, uint64_t len, bool write)
{
	if (write && bd->bd_rdonly)
		return EROFS;
	if (off > bd->bd_size || len > bd->bd_size - off) {
		klog(KLOG_ERR, "blkdev %s: %s of %llu bytes at offset %llu is "
		    "outside the device window (%llu bytes)", bd->bd_name,
		    write ? "write" : "read", (unsigned long long)len,
		    (unsigned long long)off, (unsigned long long)bd->bd_size);
		return EIO;
	}
	return 0;
}

static uint64_t
iov_total(const struct hyp_iovec *iov, int iovcnt)
{
	uint64_t total = 0;
	int i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > UINT64_MAX - total)
			return UINT64_MAX;
		total += iov[i].iov_len;
	}
	return total;
}

/*
 * Read LEN bytes at window offset OFF into BUF.
 * => EIO outside the window or on a device error.  May block.
 */
int
blkdev_read(struct blkdev *bd, void *buf, size_t len, uint64_t off)
{
	int error;

	if ((error = blkdev_checkrange(bd, off, len, false)) != 0)
		return error;
	if (len == 0)
		return 0;
	return hyp_bdev_read(bd->bd_hyp, buf, len, bd->bd_offset + off);
}

/*
 * Write LEN bytes from BUF at window offset OFF.
 * => EROFS on a read-only device, EIO outside the window or on a device
 *    error.  May block.
 */
int
blkdev_write(struct blkdev *bd, const void *buf, size_t len, uint64_t off)
{
	int error;

	if ((error = blkdev_checkrange(bd, off, len, true)) != 0)
		return error;
	if (len == 0)
		return 0;
	return hyp_bdev_write(bd->bd_hyp, buf, len, bd->bd_offset + off);
}

int
blkdev_readv(struct blkdev *bd, const struct hyp_iovec *iov, int iovcnt,
    uint64_t off)
{
	uint64_t len = iov_total(iov, iovcnt);
	int error;

	if ((error = blkdev_checkrange(bd, off, len, false)) != 0)
		return error;
	if (len == 0)
		return 0;
	return hyp_bdev_readv(bd->bd_hyp, iov, iovcnt, bd->bd_offset + off);
}

int
blkdev_writev(struct blkdev *bd, const struct hyp_iovec *iov, int iovcnt,
    uint64_t off)
{
	uint64_t len = iov_total(iov, iovcnt);
	int error;

	if ((error = blkdev_checkrange(bd, off, len, true)) != 0)
		return error;
	if (len == 0)
		return 0;
	return hyp_bdev_writev(bd->bd_hyp, iov, iovcnt, bd->bd_offset + off);
}

int
blkdev_strategy(struct blkdev *bd, int op, const struct hyp_iovec *iov,
    int iovcnt, uint64_t off, hyp_biodone_t done, void *arg)
{
	uint64_t len = iov_total(iov, iovcnt);
	int error;

	KASSERT(op == HYP_BIO_READ || op == HYP_BIO_WRITE);
	error = blkdev_checkrange(bd, off, len, op == HYP_BIO_WRITE);
	if (error != 0)
		return error;
	return hyp_bdev_strategy(bd->bd_hyp, op, iov, iovcnt,
	    bd->bd_offset + off, done, arg);
}

/*
 * Durability barrier: every write issued through BD before (synchronous,
 * or asynchronous and completed) is on stable storage.  May block.
 */
int
blkdev_flush(struct blkdev *bd)
{
	if (bd->bd_rdonly)
		return 0;
	return hyp_bdev_flush(bd->bd_hyp);
}

/*
 * The host file descriptor and absolute device offset for window offset
 * OFF, for splicing straight from the image.
 * => EOPNOTSUPP for a memory device; EIO (logged) if OFF is not inside the
 *    window.  The caller must check its whole range with bclean_prefix and
 *    stay inside the window.
 */
int
blkdev_hostfd(struct blkdev *bd, uint64_t off, int *fdp, uint64_t *hostoffp)
{
	int fd, error;

	*fdp = -1;
	*hostoffp = 0;
	if ((fd = hyp_bdev_hostfd(bd->bd_hyp)) < 0)
		return EOPNOTSUPP;
	if ((error = blkdev_checkrange(bd, off, 0, false)) != 0)
		return error;
	if (off == bd->bd_size) {
		klog(KLOG_ERR, "blkdev %s: splice offset %llu is at the end "
		    "of the device window", bd->bd_name,
		    (unsigned long long)off);
		return EIO;
	}
	*fdp = fd;
	*hostoffp = bd->bd_offset + off;
	return 0;
}
