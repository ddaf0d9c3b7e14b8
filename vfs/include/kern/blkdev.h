/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * blkdev.h -- the kernel's view of a block device under a mount: a host
 * device (image file, block device or memory) and a byte window on it
 * (a partition; the whole device by default).  Implemented in
 * vfs/vfs_blkdev.c.  Drivers read and write through the buffer cache
 * (buf.h); they use this header for the size and, rarely, raw I/O.
 *
 * Every transfer is checked against the window: a block number from a
 * corrupt image can never reach outside it (EIO, logged).
 */
#ifndef KERN_BLKDEV_H
#define KERN_BLKDEV_H

#include "kern/kern.h"

struct hyp_bdev;

struct blkdev {
	struct hyp_bdev	*bd_hyp;	/* immutable */
	uint64_t	bd_offset;	/* window start, bytes; immutable */
	uint64_t	bd_size;	/* window length, bytes; immutable */
	uint32_t	bd_secsize;	/* host sector size */
	bool		bd_rdonly;
	const char	*bd_name;	/* source path, for messages */
};

int	blkdev_open(const char *path, bool rdonly, struct blkdev **bdp);
int	blkdev_open_mem(const void *init, size_t initlen, uint64_t size,
	    bool rdonly, struct blkdev **bdp);
void	blkdev_close(struct blkdev *bd);
/* Restrict to [OFF, OFF+LEN) of the device (partitions). */
int	blkdev_setwindow(struct blkdev *bd, uint64_t off, uint64_t len);

/* Raw synchronous I/O at byte offset OFF within the window; may block. */
int	blkdev_read(struct blkdev *bd, void *buf, size_t len, uint64_t off);
int	blkdev_write(struct blkdev *bd, const void *buf, size_t len,
	    uint64_t off);
/* Durability barrier (fdatasync); may block. */
int	blkdev_flush(struct blkdev *bd);
/* Host fd and absolute device offset for OFF, for the splice path. */
int	blkdev_hostfd(struct blkdev *bd, uint64_t off, int *fdp,
	    uint64_t *hostoffp);

/*
 * blkdev_open, and if LOCK, hold a lock on the image while it is open:
 * exclusive when read-write, shared when RDONLY (flock on the host
 * file, and O_EXCL for a host block device opened read-write).
 * => EBUSY if another open (in any process) holds a conflicting lock.
 */
int	blkdev_open_lock(const char *path, bool rdonly, bool lock,
	    struct blkdev **bdp);

#endif /* KERN_BLKDEV_H */
