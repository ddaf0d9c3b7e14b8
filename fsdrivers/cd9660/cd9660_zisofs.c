/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cd9660_zisofs.c -- transparent decompression of zisofs files.
 *
 * A regular file whose Rock Ridge entries hold ZF (or Z2) keeps its
 * content compressed: a header (magic, uncompressed size, header size,
 * block size), an array of block pointers (offsets in the file; 4 bytes
 * little-endian in version 1, 8 in version 2), then one zlib stream per
 * block of 2^bshift uncompressed bytes; block i is the bytes between
 * pointers i and i+1, and an empty one is a block of zeros.  The file's
 * shown size is the uncompressed size from ZF.
 *
 * Checks: the ZF entry (version 1: algorithm "pz", header 16 bytes,
 * blocks 32..128 KiB, size below 4 GiB; version 2: algorithm "PZ", i.e.
 * zlib, header 24 bytes, blocks 32 KiB..1 MiB) when the node is loaded;
 * the file header against ZF at the first read; each block's pointers
 * (in order, after the pointer array, inside the file, at most twice the
 * block size apart) and its decompressed length when it is read.  A ZF
 * with another algorithm is not decompressed: the file is shown as
 * recorded (as Linux does), with a log line.  Damage is EUCLEAN.
 *
 * Decompression goes through kinflate() (the host's zlib, by hypercall).
 * Each node caches its last decompressed block (32 KiB to 1 MiB); the
 * cache and the header check are protected by n_lock, which a read
 * holds while it fills the cache (reads of one compressed file are
 * serialised; reads of different files are not).  The caches of a
 * mount hold at most CD9660_ZCACHE_MAX bytes between reads (counted in
 * im_zbytes): past that, a read drops its node's cache when it is done.
 */
#include "kern/kern.h"
#include "kern/inflate.h"
#include "kern/lock.h"
#include "kern/uio.h"

#include "cd9660_fs.h"
#include "cd9660_node.h"

struct cd9660_zisofs {
	/* immutable after cd9660_zisofs_init */
	uint8_t		zf_version;	/* 1 or 2 */
	uint32_t	zf_bshift;	/* log2 of the block size */
	uint32_t	zf_hdrsize;	/* bytes */
	uint32_t	zf_ptrsize;	/* 4 or 8 */
	uint64_t	zf_size;	/* uncompressed bytes */
	uint64_t	zf_nblocks;
	/* protected by n_lock */
	bool		zf_checked;	/* header verified */
	uint64_t	zf_cached;	/* block in zf_buf, or UINT64_MAX */
	uint8_t		*zf_buf;	/* 1 << zf_bshift bytes, or NULL */
};

#define zf_bad(np, ...)							\
	cd9660_corrupt((np)->n_imp, "zisofs file inode %llu: " __VA_ARGS__)

int
cd9660_zisofs_init(struct cd9660_node *np, const struct cd9660_dirent *de)
{
	struct cd9660_zisofs *zf;
	uint32_t hdr, bmin, bmax;
	const char *alg;

	if (de->de_zf_version == 1 && de->de_zf_alg[0] == 'p' &&
	    de->de_zf_alg[1] == 'z') {
		alg = "zisofs";
		hdr = sizeof(struct zisofs1_header);
		bmin = 15;
		bmax = 17;
	} else if (de->de_zf_version == 2 && de->de_zf_alg[0] == 'P' &&
	    de->de_zf_alg[1] == 'Z') {
		alg = "zisofs2";
		hdr = sizeof(struct zisofs2_header);
		bmin = 15;
		bmax = 20;
	} else {
		klog(KLOG_INFO, "cd9660 (%s): inode %llu: zisofs version %u "
		    "algorithm \"%c%c\" is not supported: shown as recorded",
		    np->n_imp->im_mp->mnt_source,
		    (unsigned long long)np->n_ino, de->de_zf_version,
		    de->de_zf_alg[0] >= 0x20 && de->de_zf_alg[0] < 0x7f ?
		    de->de_zf_alg[0] : '?',
		    de->de_zf_alg[1] >= 0x20 && de->de_zf_alg[1] < 0x7f ?
		    de->de_zf_alg[1] : '?');
		return 0;
	}
	if ((uint32_t)de->de_zf_hdr4 * 4 != hdr ||
	    de->de_zf_bshift < bmin || de->de_zf_bshift > bmax ||
	    de->de_zf_size > (uint64_t)INT64_MAX)
		return zf_bad(np, "%s entry: header %u bytes, block size "
		    "2^%u, size %llu", (unsigned long long)np->n_ino, alg,
		    (unsigned)de->de_zf_hdr4 * 4, de->de_zf_bshift,
		    (unsigned long long)de->de_zf_size);
	if ((zf = kmem_zalloc(sizeof(*zf))) == NULL)
		return ENOMEM;
	zf->zf_version = de->de_zf_version;
	zf->zf_bshift = de->de_zf_bshift;
	zf->zf_hdrsize = hdr;
	zf->zf_ptrsize = zf->zf_version == 1 ? 4 : 8;
	zf->zf_size = de->de_zf_size;
	zf->zf_nblocks = howmany(zf->zf_size, (uint64_t)1 << zf->zf_bshift);
	zf->zf_cached = UINT64_MAX;
	np->n_zf = zf;
	np->n_size = zf->zf_size;
	return 0;
}

/* Drop NP's block cache.  n_lock held (or the node unreachable). */
static void
zf_drop(struct cd9660_node *np, struct cd9660_zisofs *zf)
{
	size_t bsize = (size_t)1 << zf->zf_bshift;

	if (zf->zf_buf == NULL)
		return;
	kmem_free(zf->zf_buf, bsize);
	zf->zf_buf = NULL;
	zf->zf_cached = UINT64_MAX;
	__atomic_sub_fetch(&np->n_imp->im_zbytes, (uint64_t)bsize,
	    __ATOMIC_RELAXED);
}

void
cd9660_zisofs_free(struct cd9660_node *np)
{
	struct cd9660_zisofs *zf = np->n_zf;

	if (zf == NULL)
		return;
	zf_drop(np, zf);
	kmem_free(zf, sizeof(*zf));
	np->n_zf = NULL;
}

/* Check the file header against ZF.  n_lock held. */
static int
zf_check_header(struct cd9660_node *np, struct cd9660_zisofs *zf)
{
	uint8_t h[sizeof(struct zisofs2_header)];
	const struct zisofs1_header *h1 = (const void *)h;
	const struct zisofs2_header *h2 = (const void *)h;
	uint64_t size, table;
	uint32_t bshift, hdr4;
	int error;

	if (zf->zf_nblocks > (UINT64_MAX - zf->zf_hdrsize) / zf->zf_ptrsize -
	    1)
		return zf_bad(np, "%llu blocks", (unsigned long long)np->n_ino,
		    (unsigned long long)zf->zf_nblocks);
	table = zf->zf_hdrsize + (zf->zf_nblocks + 1) * zf->zf_ptrsize;
	if (np->n_rawsize < table)
		return zf_bad(np, "%llu bytes cannot hold the header and %llu "
		    "block pointers", (unsigned long long)np->n_ino,
		    (unsigned long long)np->n_rawsize,
		    (unsigned long long)zf->zf_nblocks + 1);
	if ((error = cd9660_rawread(np, 0, h, zf->zf_hdrsize)) != 0)
		return error;
	if (zf->zf_version == 1) {
		if (memcmp(h1->magic, ZISOFS1_MAGIC, ZISOFS_MAGIC_LEN) != 0)
			goto bad_magic;
		size = iso_le32(h1->size);
		hdr4 = h1->header_size_div4;
		bshift = h1->log2_block_size;
	} else {
		if (memcmp(h2->magic, ZISOFS2_MAGIC, ZISOFS_MAGIC_LEN) != 0)
			goto bad_magic;
		if (h2->version != 0 || h2->alg_id != ZISOFS2_ALG_ZLIB)
			return zf_bad(np, "header version %u algorithm %u",
			    (unsigned long long)np->n_ino, h2->version,
			    h2->alg_id);
		size = iso_le64(h2->size);
		hdr4 = h2->header_size_div4;
		bshift = h2->log2_block_size;
	}
	if (size != zf->zf_size || hdr4 * 4 != zf->zf_hdrsize ||
	    bshift != zf->zf_bshift)
		return zf_bad(np, "header (size %llu, header %u, block 2^%u) "
		    "disagrees with its ZF entry (%llu, %u, 2^%u)",
		    (unsigned long long)np->n_ino, (unsigned long long)size,
		    hdr4 * 4, bshift, (unsigned long long)zf->zf_size,
		    zf->zf_hdrsize, zf->zf_bshift);
	zf->zf_checked = true;
	return 0;
bad_magic:
	return zf_bad(np, "bad magic number", (unsigned long long)np->n_ino);
}

/* Decompress block B into zf_buf.  n_lock held. */
static int
zf_fill(struct cd9660_node *np, struct cd9660_zisofs *zf, uint64_t b)
{
	uint64_t bsize = (uint64_t)1 << zf->zf_bshift, p0, p1, want;
	uint64_t table = zf->zf_hdrsize + (zf->zf_nblocks + 1) *
	    zf->zf_ptrsize;
	uint8_t ptr[16], *cbuf;
	size_t clen, done;
	int error;

	if (zf->zf_buf == NULL) {
		if ((zf->zf_buf = kmem_alloc((size_t)bsize)) == NULL)
			return ENOMEM;
		atomic_add_64(&np->n_imp->im_zbytes, bsize);
	}
	zf->zf_cached = UINT64_MAX;
	if ((error = cd9660_rawread(np, zf->zf_hdrsize + b * zf->zf_ptrsize,
	    ptr, 2 * zf->zf_ptrsize)) != 0)
		return error;
	if (zf->zf_ptrsize == 4) {
		p0 = iso_le32(ptr);
		p1 = iso_le32(ptr + 4);
	} else {
		p0 = iso_le64(ptr);
		p1 = iso_le64(ptr + 8);
	}
	want = MIN(bsize, zf->zf_size - b * bsize);
	if (p0 < table || p1 < p0 || p1 > np->n_rawsize ||
	    p1 - p0 > 2 * bsize)
		return zf_bad(np, "block %llu has pointers %llu..%llu "
		    "(table ends at %llu, file %llu bytes)",
		    (unsigned long long)np->n_ino, (unsigned long long)b,
		    (unsigned long long)p0, (unsigned long long)p1,
		    (unsigned long long)table,
		    (unsigned long long)np->n_rawsize);
	clen = (size_t)(p1 - p0);
	if (clen == 0) {
		memset(zf->zf_buf, 0, (size_t)want);
		zf->zf_cached = b;
		return 0;
	}
	if ((cbuf = kmem_alloc(clen)) == NULL)
		return ENOMEM;
	error = cd9660_rawread(np, p0, cbuf, clen);
	if (error == 0) {
		error = kinflate(cbuf, clen, zf->zf_buf, (size_t)bsize, &done);
		if (error == ENOMEM)
			;
		else if (error != 0 || done != want)
			error = zf_bad(np, "block %llu does not decompress to "
			    "%llu bytes (%zu, error %d)",
			    (unsigned long long)np->n_ino,
			    (unsigned long long)b, (unsigned long long)want,
			    done, error);
	}
	kmem_free(cbuf, clen);
	if (error == 0)
		zf->zf_cached = b;
	return error;
}

int
cd9660_zisofs_read(struct cd9660_node *np, struct uio *uio)
{
	struct cd9660_zisofs *zf = np->n_zf;
	uint64_t bsize = (uint64_t)1 << zf->zf_bshift, b, boff, n;
	int error = 0;

	mutex_enter(&np->n_lock);
	if (!zf->zf_checked && (error = zf_check_header(np, zf)) != 0)
		goto out;
	while (uio->uio_resid > 0 && uio->uio_offset < zf->zf_size) {
		b = uio->uio_offset >> zf->zf_bshift;
		boff = uio->uio_offset & (bsize - 1);
		if (zf->zf_cached != b && (error = zf_fill(np, zf, b)) != 0)
			break;
		n = MIN(bsize - boff, zf->zf_size - uio->uio_offset);
		n = MIN(n, (uint64_t)uio->uio_resid);
		uiomove(zf->zf_buf + boff, (size_t)n, uio);
	}
	if (atomic_load_relaxed(&np->n_imp->im_zbytes) > CD9660_ZCACHE_MAX)
		zf_drop(np, zf);
out:
	mutex_exit(&np->n_lock);
	return error;
}
