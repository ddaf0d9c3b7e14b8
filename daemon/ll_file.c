/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ll_file.c -- FUSE operations on file data: open, read, write_buf,
 * flush, release, fsync, fallocate, lseek.
 *
 * Read has two paths.  The fast one asks the kernel to map the range
 * (vfs_pub_bmap): runs stored contiguously on the host image, holding no
 * dirty or pinned buffer, go back to FUSE as file-descriptor buffers that
 * libfuse splices from the image straight into /dev/fuse.  What cannot be
 * mapped (holes, dirty data, drivers or devices without bmap) is read
 * through the kernel into memory.  A FUSE read reply shorter than asked
 * means end of file to the kernel, so a reply always covers the whole
 * request up to EOF, mixing both kinds of buffer if needed.
 *
 * Page cache retention: open sets keep_cache when the file has not
 * changed since its previous open (rf_node_open_keepcache).
 *
 * Valid replies: open or err; data, buf or err; write or err; err;
 * lseek or err.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"

/* FD segments one read reply may carry before the rest is copied. */
#define LL_READ_SEGS	16

/*
 * The default max_read: the largest power of two whose reply libfuse
 * can splice.  A spliced reply goes through one pipe holding the header,
 * every segment (each may start inside a page) and the data; a pipe
 * cannot grow past /proc/sys/fs/pipe-max-size (1 MiB by default)
 * without CAP_SYS_RESOURCE, which the sandbox drops, and a reply that
 * does not fit is copied through a fresh buffer instead: measured here,
 * 1 GiB read cold in 1 MiB requests 3.3 s, in 512 KiB requests 0.20 s.
 * Read before the sandbox closes /proc; 1 MiB if it cannot be read.
 */
unsigned
rf_file_max_read(unsigned max_write)
{
	unsigned long pipemax = 1024 * 1024, slack;
	unsigned size;
	long page = sysconf(_SC_PAGESIZE);
	FILE *fp;

	if ((fp = fopen("/proc/sys/fs/pipe-max-size", "re")) != NULL) {
		if (fscanf(fp, "%lu", &pipemax) != 1)
			pipemax = 1024 * 1024;
		(void)fclose(fp);
	}
	/* libfuse's count: header, segments, tail, one page to spare. */
	slack = (unsigned long)(page > 0 ? page : 4096) * (LL_READ_SEGS + 3);
	for (size = RF_MAX_WRITE_MIN; size * 2 <= max_write &&
	    size * 2 + slack <= pipemax; size *= 2)
		;
	return size;
}

int
rf_file_setup(struct rf_bridge *b, struct rf_node *node, struct vnode *vp,
    int oflags, const struct vattr *va, struct fuse_file_info *fi)
{
	struct rf_file *f;

	if ((f = rf_file_new(b, vp, oflags)) == NULL)
		return ENOMEM;
	if (node != NULL && va->va_type == VREG)
		fi->keep_cache = rf_node_open_keepcache(b, node, va);
	else
		fi->keep_cache = 0;
	fi->direct_io = 0;
	fi->noflush = 1;	/* flush has nothing to do */
	fi->fh = (uint64_t)(uintptr_t)f;
	return 0;
}

void
rf_file_abort(struct rf_bridge *b, struct fuse_file_info *fi)
{
	struct rf_file *f = rf_file_of(fi);

	(void)rf_k->close(f->f_vp, f->f_oflags);
	rf_file_free(b, f);
}

void
ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct rf_node *node = rf_node_get(b, ino);
	struct vattr va;
	struct rf_kmap map;
	uint64_t xgen, dgen;
	/* Where the first read will splice from: for opens that read. */
	bool wantmap = (fi->flags & O_ACCMODE) != O_WRONLY &&
	    (fi->flags & O_TRUNC) == 0;
	int error;

	xgen = __atomic_load_n(&node->n_xattrgen, __ATOMIC_ACQUIRE);
	dgen = __atomic_load_n(&node->n_datagen, __ATOMIC_ACQUIRE);
	if ((error = rf_k->open(node->n_vp, fi->flags, &va,
	    wantmap ? &map : NULL)) != 0) {
		fuse_reply_err(req, error);
		return;
	}
	if (fi->flags & O_TRUNC)
		rf_node_datachanged(node);
	else if (wantmap)
		rf_node_map_put(b, node, dgen, 0, map.km_fd, map.km_devoff,
		    map.km_run);
	/* Not if an attribute was set meanwhile. */
	if ((va.va_mask & RF_VA_NOXATTR) &&
	    __atomic_load_n(&node->n_xattrgen, __ATOMIC_ACQUIRE) == xgen)
		__atomic_store_n(&node->n_noxattr, true, __ATOMIC_RELEASE);
	if ((error = rf_file_setup(b, node, node->n_vp, fi->flags, &va,
	    fi)) != 0) {
		(void)rf_k->close(node->n_vp, fi->flags);
		fuse_reply_err(req, error);
		return;
	}
	if (fuse_reply_open(req, fi) != 0)
		rf_file_abort(b, fi);
}

/* Read through the kernel into memory. */
static void
ll_read_copy(fuse_req_t req, struct vnode *vp, size_t size, off_t off)
{
	char *buf;
	size_t done = 0;
	int error;

	if (size == 0) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if ((buf = malloc(size)) == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	error = rf_k->read(vp, buf, size, (uint64_t)off, &done);
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_buf(req, buf, done);
	free(buf);
}

/*
 * The spliced path.  rf_k->bmap() maps a clean run inside the file
 * (EOPNOTSUPP for anything else: no device, a hole, dirty buffers, a
 * write in flight, EOF), so no attribute check is needed here; the
 * node remembers the runs until a write, truncate or fallocate through
 * us (rf_node_bmap), which saves a round trip per read in split mode.
 * A read racing a write that has not returned may so see the old data,
 * which it may see anyway.
 * => 0 if a reply was sent; otherwise an error and nothing sent (the
 *    caller copies instead).
 */
static int
ll_read_mapped(fuse_req_t req, struct rf_bridge *b, struct rf_node *node,
    size_t size, off_t off)
{
	struct vnode *vp = node->n_vp;
	struct fuse_bufvec *bv;
	struct fuse_buf *seg;
	uint64_t cur, end, devoff, run, n;
	char *tail = NULL;
	size_t nseg = 0, done = 0;
	int hostfd, error;

	if (size == 0 || off < 0)
		return EINVAL;
	error = rf_node_bmap(b, node, (uint64_t)off, &hostfd, &devoff, &run);
	if (error != 0)
		return error;
	if (run == 0 || hostfd < 0)
		return EOPNOTSUPP;

	bv = calloc(1, sizeof(*bv) + LL_READ_SEGS * sizeof(struct fuse_buf));
	if (bv == NULL)
		return ENOMEM;
	seg = &bv->buf[0];
	cur = (uint64_t)off;
	end = cur + size;
	for (;;) {
		n = end - cur < run ? end - cur : run;
		seg[nseg].size = n;
		seg[nseg].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
		seg[nseg].fd = hostfd;
		seg[nseg].pos = (off_t)devoff;
		nseg++;
		cur += n;
		if (cur >= end || nseg == LL_READ_SEGS)
			break;
		if (rf_node_bmap(b, node, cur, &hostfd, &devoff, &run) != 0 ||
		    run == 0 || hostfd < 0)
			break;
	}
	if (cur < end) {
		/* The rest is not mapped (or is past EOF): copy it. */
		if ((tail = malloc(end - cur)) == NULL) {
			error = ENOMEM;
			goto out_err;
		}
		error = rf_k->read(vp, tail, end - cur, cur, &done);
		if (error != 0)
			goto out_err;
		if (done > 0) {
			seg[nseg].size = done;
			seg[nseg].flags = 0;
			seg[nseg].mem = tail;
			nseg++;
		}
	}
	bv->count = nseg;
	bv->idx = 0;
	bv->off = 0;
	(void)fuse_reply_data(req, bv, 0);
	free(tail);
	free(bv);
	return 0;

out_err:
	fuse_reply_err(req, error);
	free(tail);
	free(bv);
	return 0;
}

void
ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct rf_node *node = rf_node_get(b, ino);

	(void)fi;
	if (ll_read_mapped(req, b, node, size, off) == 0)
		return;
	ll_read_copy(req, node->n_vp, size, off);
}

void
ll_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in_buf,
    off_t off, struct fuse_file_info *fi)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct rf_node *node = rf_node_get(b, ino);
	struct rf_file *f = rf_file_of(fi);
	size_t size = fuse_buf_size(in_buf), done = 0;
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
	const char *data;
	char *tmp = NULL;
	ssize_t copied;
	int ioflags = 0, error;

	/* With writeback caching the kernel places appends itself. */
	if ((f->f_oflags & O_APPEND) && !b->b_opts->writeback_cache)
		ioflags |= VFS_IO_APPEND;
	if (f->f_oflags & O_DSYNC)
		ioflags |= VFS_IO_SYNC;

	if (in_buf->count - in_buf->idx == 1 &&
	    !(in_buf->buf[in_buf->idx].flags & FUSE_BUF_IS_FD)) {
		data = (const char *)in_buf->buf[in_buf->idx].mem +
		    in_buf->off;
	} else {
		if ((tmp = malloc(size > 0 ? size : 1)) == NULL) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		dst.buf[0].mem = tmp;
		copied = fuse_buf_copy(&dst, in_buf, 0);
		if (copied < 0) {
			fuse_reply_err(req, (int)-copied);
			goto out;
		}
		size = (size_t)copied;
		data = tmp;
	}
	error = rf_k->write(node->n_vp, data, size, (uint64_t)off, ioflags,
	    &done);
	rf_node_datachanged(node);
	if (error != 0 && done == 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_write(req, done);
out:
	free(tmp);
}

void
ll_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{

	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

void
ll_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);

	(void)ino;	/* may already be forgotten: use the handle */
	rf_file_abort(b, fi);
	fuse_reply_err(req, 0);
}

void
ll_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
    struct fuse_file_info *fi)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);

	(void)fi;
	fuse_reply_err(req, rf_k->fsync(rf_ino_vp(b, ino), datasync != 0));
}

void
ll_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
    off_t length, struct fuse_file_info *fi)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct rf_node *node = rf_node_get(b, ino);
	int error;

	(void)fi;
	if (offset < 0 || length <= 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	error = rf_k->fallocate(node->n_vp, mode, (uint64_t)offset,
	    (uint64_t)length);
	rf_node_datachanged(node);
	fuse_reply_err(req, error);
}

/*
 * The kernel FUSE module handles SEEK_SET, SEEK_CUR and SEEK_END itself
 * and only asks for SEEK_DATA and SEEK_HOLE.
 */
void
ll_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
    struct fuse_file_info *fi)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	uint64_t res = 0;
	int error;

	(void)fi;
	if ((whence != SEEK_DATA && whence != SEEK_HOLE) || off < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	error = rf_k->seek(rf_ino_vp(b, ino), (uint64_t)off, whence, &res);
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_lseek(req, (off_t)res);
}
