/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_ext2fs_alloc.c -- unit tests of the ext2fs write path's lower
 * layer, below the VOPs: checksum setters (ext2fs_csum.c), block and
 * inode allocation (ext2fs_alloc.c), inode write-back and creation
 * (ext2fs_inode.c), attribute and inline data writes
 * (ext2fs_xattr_write.c) and the orphan list (ext2fs_orphan.c).
 *
 * Images are made by mke2fs (several layouts: flex_bg or not, crc16 or
 * crc32c group checksums, meta_bg, 64bit, 1 KiB and 4 KiB blocks,
 * 128-byte inodes, inline_data), mounted in-process, changed by calling
 * the driver's functions directly, unmounted, and judged by
 * `e2fsck -fn` (and debugfs and the kernel's ext4 for what we wrote).
 *
 * Host headers at plain POSIX level: with _GNU_SOURCE <sys/types.h>
 * declares a daddr_t that clashes with the kernel's.
 */
#undef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <CUnit/Basic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/mount.h"
#include "vfs_pub.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

#include "cunit_tap.h"

static char workdir[256];
static char srcdir[300];

struct image {
	const char	*name;
	const char	*mkfs;
	bool		tree;	/* populate from srcdir */
	char		path[320];
	bool		ok;
};

static struct image images[] = {
	{ "ext4-4k", "-t ext4 -b 4096", true, "", false },
	{ "ext4-1k-flex", "-t ext4 -b 1024", false, "", false },
	{ "ext4-gdt16", "-t ext4 -b 1024 -O ^metadata_csum,uninit_bg,^flex_bg",
	    true, "", false },
	{ "ext2-1k", "-t ext2 -b 1024", false, "", false },
	{ "ext4-metabg", "-t ext4 -b 1024 -O meta_bg,^resize_inode", false,
	    "", false },
	{ "ext4-i128", "-t ext4 -b 2048 -I 128 -O ^64bit", true, "", false },
	{ "ext4-inline", "-t ext4 -b 4096 -O inline_data", true, "", false },
	{ "ext3-1k", "-t ext3 -b 1024", true, "", false },
	{ "ext2-nolarge", "-t ext2 -b 1024 -O ^large_file", false, "",
	    false },
};
#define NIMAGES	(sizeof(images) / sizeof(images[0]))

static int
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* e2fsck -fn IMG: 0 when clean; the report is printed as TAP comments. */
static int
fsck(const char *img)
{
	int st;

	st = sh("e2fsck -fn '%s' > '%s/fsck.out' 2>&1", img, workdir);
	if (st != 0)
		(void)sh("sed 's/^/# /' '%s/fsck.out' | head -40", workdir);
	return st;
}

static int
setup(void)
{
	struct vfs_config vc;
	size_t i;

	snprintf(workdir, sizeof(workdir), "%s/ext2fs-alloc-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(workdir) == NULL)
		return -1;
	snprintf(srcdir, sizeof(srcdir), "%s/src", workdir);
	if (sh("set -e; mkdir -p '%s/many'; cd '%s'; "
	    "python3 -c \"f=open('frag','wb')\n"
	    "for i in range(0, 400, 2):\n f.seek(i*4096); f.write(b'x'*4096)\""
	    "; for i in $(seq 1 300); do : > many/a-much-longer-name-$i; "
	    "done; "
	    "echo hi > big; setfattr -n user.b -v 0x$(head -c 700 "
	    "/dev/urandom | od -An -tx1 | tr -d ' \\n') big",
	    srcdir, srcdir) != 0)
		return -1;
	for (i = 0; i < NIMAGES; i++) {
		snprintf(images[i].path, sizeof(images[i].path), "%s/%s.img",
		    workdir, images[i].name);
		images[i].ok = sh("mke2fs -q -F %s %s%s%s '%s' 32M "
		    ">/dev/null 2>&1 && e2fsck -fyD '%s' >/dev/null 2>&1; "
		    "e2fsck -fn '%s' >/dev/null 2>&1", images[i].mkfs,
		    images[i].tree ? "-d '" : "",
		    images[i].tree ? srcdir : "", images[i].tree ? "'" : "",
		    images[i].path, images[i].path, images[i].path) == 0;
	}
	memset(&vc, 0, sizeof(vc));
	return vfs_init(&vc) == 0 ? 0 : -1;
}

static void
teardown(void)
{
	vfs_shutdown();
	if (getenv("EXT2FS_KEEP") == NULL)
		sh("rm -rf '%s'", workdir);
	else
		printf("# images kept in %s\n", workdir);
}

/* ---- mounting ---- */

struct rwm {
	struct mount	*mp;
	struct ext2fs_mount *ump;
};

static int
rw_open(const struct image *im, struct rwm *m)
{
	char errbuf[256];
	int error;

	memset(m, 0, sizeof(*m));
	error = vfs_mount("ext2fs", im->path, "/a", "rw", &m->mp, errbuf,
	    sizeof(errbuf));
	if (error) {
		printf("# mount %s: %s\n", im->name, errbuf);
		return error;
	}
	m->ump = VFSTOEXT2(m->mp);
	return 0;
}

static int
rw_close(struct rwm *m)
{
	return vfs_unmount(m->mp, 0);
}

/* Inode number of PATH (components separated by '/'), 0 if absent. */
static uint32_t
path_ino(struct ext2fs_mount *ump, const char *path)
{
	struct ext2fs_node *np;
	uint32_t ino = EXT2_ROOTINO;
	const char *p = path, *e;

	while (*p != '\0') {
		e = strchr(p, '/');
		if (e == NULL)
			e = p + strlen(p);
		if (ext2fs_node_load(ump, ino, &np) != 0)
			return 0;
		if (ext2fs_dir_lookup(np, p, (size_t)(e - p), &ino) != 0)
			ino = 0;
		ext2fs_node_free(np);
		if (ino == 0)
			return 0;
		p = *e == '/' ? e + 1 : e;
	}
	return ino;
}

/* ---- 1. checksum setters ---- */

static void
check_inode_csums(struct ext2fs_mount *ump, uint32_t ino)
{
	struct ext2_dinode *di;
	uint8_t raw[1024], copy[1024];
	uint64_t blk;
	struct buf *bp;
	size_t off;

	CU_ASSERT_FATAL(ump->um_isize <= sizeof(raw));
	CU_ASSERT_EQUAL_FATAL(ext2fs_inode_loc(ump, ino, &blk, &off), 0);
	CU_ASSERT_EQUAL_FATAL(ext2fs_bread(ump, blk, 0, "t", ino, &bp), 0);
	memcpy(raw, (uint8_t *)bp->b_data + off, ump->um_isize);
	brelse(bp);
	CU_ASSERT(ext2fs_inode_csum_ok(ump, ino, raw));
	memcpy(copy, raw, ump->um_isize);
	di = (struct ext2_dinode *)copy;
	memset(&di->i_checksum_lo, 0x5a, 2);
	if (ump->um_isize > EXT2_GOOD_OLD_INODE_SIZE &&
	    EXT2_FITS_IN_INODE(e2_le16(di->i_extra_isize), i_checksum_hi))
		memset(&di->i_checksum_hi, 0xa5, 2);
	ext2fs_inode_csum_set(ump, ino, copy);
	CU_ASSERT(memcmp(raw, copy, ump->um_isize) == 0);
	CU_ASSERT(ext2fs_inode_csum_ok(ump, ino, copy));
}

static void
check_block_csums(struct ext2fs_mount *ump)
{
	const struct ext2_gd *gd;
	uint8_t desc[EXT2_MAX_DESC_SIZE];
	struct ext2_super sb;
	uint32_t g, want, got;
	uint16_t flags;
	struct buf *bp;
	bool wide = ump->um_desc_size >= EXT2_MIN_DESC_SIZE_64;

	sb = ump->um_sb;
	if (ump->um_metadata_csum) {
		CU_ASSERT(ext2fs_sb_csum_ok(&sb));
		memset(&sb.s_checksum, 0, 4);
		ext2fs_sb_csum_set(&sb);
		CU_ASSERT(memcmp(&sb, &ump->um_sb, sizeof(sb)) == 0);
	}
	for (g = 0; g < ump->um_ngroups; g++) {
		gd = ext2fs_gd(ump, g);
		if (!ump->um_gdt_csum)
			break;
		memcpy(desc, gd, ump->um_desc_size);
		CU_ASSERT(ext2fs_gd_csum_ok(ump, g, desc));
		memset(desc + offsetof(struct ext2_gd, bg_checksum), 0x77, 2);
		ext2fs_gd_csum_set(ump, g, desc);
		CU_ASSERT(memcmp(desc, gd, ump->um_desc_size) == 0);
		if (!ump->um_metadata_csum)
			continue;
		flags = e2_le16(gd->bg_flags);
		if (!(flags & EXT2_BG_BLOCK_UNINIT)) {
			CU_ASSERT_EQUAL_FATAL(ext2fs_bread(ump,
			    ext2fs_gd_block_bitmap(ump, gd), 0, "t", 0, &bp),
			    0);
			got = ext2fs_block_bitmap_csum(ump, bp->b_data);
			brelse(bp);
			want = e2_le16(gd->bg_block_bitmap_csum_lo);
			if (wide)
				want |= (uint32_t)e2_le16(
				    gd->bg_block_bitmap_csum_hi) << 16;
			else
				got &= 0xffff;
			CU_ASSERT_EQUAL(got, want);
		}
		if (!(flags & EXT2_BG_INODE_UNINIT)) {
			CU_ASSERT_EQUAL_FATAL(ext2fs_bread(ump,
			    ext2fs_gd_inode_bitmap(ump, gd), 0, "t", 0, &bp),
			    0);
			got = ext2fs_inode_bitmap_csum(ump, bp->b_data);
			brelse(bp);
			want = e2_le16(gd->bg_inode_bitmap_csum_lo);
			if (wide)
				want |= (uint32_t)e2_le16(
				    gd->bg_inode_bitmap_csum_hi) << 16;
			else
				got &= 0xffff;
			CU_ASSERT_EQUAL(got, want);
		}
	}
}

/* Read block BLK, check OK(copy), spoil the checksum, set it again. */
static uint8_t *
get_block(struct ext2fs_mount *ump, uint64_t blk)
{
	struct buf *bp;
	uint8_t *b;

	if (ext2fs_bread(ump, blk, 0, "t", 0, &bp) != 0)
		return NULL;
	b = malloc(ump->um_bsize);
	memcpy(b, bp->b_data, ump->um_bsize);
	brelse(bp);
	return b;
}

static void
check_node_csums(struct ext2fs_mount *ump)
{
	const struct ext2_extent_header *eh;
	const struct ext2_extent_idx *ei;
	struct ext2fs_node *np;
	uint8_t *b, *c;
	uint64_t pblk, run, leaf;
	uint32_t ino, bs = ump->um_bsize, emax;

	/* a directory leaf block: the root's first */
	CU_ASSERT_EQUAL_FATAL(ext2fs_node_load(ump, EXT2_ROOTINO, &np), 0);
	CU_ASSERT_EQUAL_FATAL(ext2fs_bmap(np, 0, &pblk, &run), 0);
	b = get_block(ump, pblk);
	c = malloc(bs);
	memcpy(c, b, bs);
	CU_ASSERT(ext2fs_dirent_csum_ok(np, b));
	memset(c + bs - 4, 0, 4);
	ext2fs_dirent_csum_set(np, c);
	CU_ASSERT(memcmp(b, c, bs) == 0);
	free(b);
	ext2fs_node_free(np);

	/* an htree root (e2fsck -D indexed "many") */
	ino = path_ino(ump, "many");
	CU_ASSERT_FATAL(ino != 0);
	CU_ASSERT_EQUAL_FATAL(ext2fs_node_load(ump, ino, &np), 0);
	CU_ASSERT_FATAL(np->n_flags & EXT2_INDEX_FL);
	CU_ASSERT_EQUAL_FATAL(ext2fs_bmap(np, 0, &pblk, &run), 0);
	b = get_block(ump, pblk);
	memcpy(c, b, bs);
	CU_ASSERT(ext2fs_dx_csum_ok(np, b, 0x20));
	memset(c + 0x20 + 8 * e2_le16(((struct ext2_dx_countlimit *)
	    (c + 0x20))->limit) + 4, 0, 4);
	ext2fs_dx_csum_set(np, c, 0x20);
	CU_ASSERT(memcmp(b, c, bs) == 0);
	free(b);
	ext2fs_node_free(np);

	/* an extent tree leaf ("frag" has 200 extents) */
	ino = path_ino(ump, "frag");
	CU_ASSERT_FATAL(ino != 0);
	CU_ASSERT_EQUAL_FATAL(ext2fs_node_load(ump, ino, &np), 0);
	eh = (const void *)EXT2_DINODE(np)->i_block;
	if (np->n_flags & EXT2_EXTENTS_FL) {
		CU_ASSERT(e2_le16(eh->eh_depth) > 0);
		ei = (const void *)(eh + 1);
		leaf = e2_le32(ei->ei_leaf_lo) |
		    (uint64_t)e2_le16(ei->ei_leaf_hi) << 32;
		b = get_block(ump, leaf);
		memcpy(c, b, bs);
		emax = e2_le16(((struct ext2_extent_header *)b)->eh_max);
		CU_ASSERT(ext2fs_extent_csum_ok(np, b, emax));
		memset(c + 12 + 12 * emax, 0x33, 4);
		ext2fs_extent_csum_set(np, c, emax);
		CU_ASSERT(memcmp(b, c, bs) == 0);
		free(b);
	}
	ext2fs_node_free(np);

	/* an external xattr block ("big" has a 700-byte value) */
	ino = path_ino(ump, "big");
	CU_ASSERT_FATAL(ino != 0);
	CU_ASSERT_EQUAL_FATAL(ext2fs_node_load(ump, ino, &np), 0);
	CU_ASSERT_FATAL(np->n_file_acl != 0);
	b = get_block(ump, np->n_file_acl);
	memcpy(c, b, bs);
	CU_ASSERT(ext2fs_xattr_csum_ok(ump, np->n_file_acl, b));
	memset(c + 16, 0, 4);
	ext2fs_xattr_csum_set(ump, np->n_file_acl, c);
	CU_ASSERT(memcmp(b, c, bs) == 0);
	free(b);
	free(c);
	check_inode_csums(ump, ino);
	ext2fs_node_free(np);
}

static void
test_csum(void)
{
	struct mount *mp;
	struct ext2fs_mount *ump;
	uint32_t ino;
	size_t i;

	for (i = 0; i < NIMAGES; i++) {
		if (!images[i].ok) {
			CU_FAIL("image not made");
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(vfs_mount("ext2fs", images[i].path,
		    "/c", "ro", &mp, NULL, 0), 0);
		ump = VFSTOEXT2(mp);
		check_block_csums(ump);
		if (ump->um_metadata_csum) {
			for (ino = 1; ino <= 11; ino++)
				if (ino != 3 && ino != 4 && ino != 6 &&
				    ino != 9 && ino != 10 &&
				    (ino != 8 || images[i].name[3] != '2'))
					check_inode_csums(ump, ino);
			if (images[i].tree)
				check_node_csums(ump);
		}
		CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	}
}

/* ---- 2. blocks ---- */

struct run {
	uint64_t	blk, n;
};

static void
blocks_one(const struct image *im)
{
	struct rwm m;
	struct ext2fs_mount *ump;
	struct run *runs = NULL;
	size_t nruns = 0, cap = 0, k;
	uint64_t start_all, start_user, r, total = 0, blk, got, goal, rnd;
	static const uint64_t wants[] = { 1, 3, 17, 200, 8 };
	uint8_t *seen;
	uint32_t g;
	bool reserved = false, overlap = false;
	int error;

	CU_ASSERT_EQUAL_FATAL(rw_open(im, &m), 0);
	ump = m.ump;
	seen = calloc(ump->um_nblocks / 8 + 1, 1);
	start_all = ext2fs_free_blocks(ump, true);
	start_user = ext2fs_free_blocks(ump, false);
	CU_ASSERT_EQUAL_FATAL(ext2fs_trans_begin(ump, 8), 0);
	rnd = 42;
	for (k = 0;; k++) {
		rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
		goal = (rnd >> 33) % ump->um_nblocks;
		error = ext2fs_blkalloc(ump, goal, wants[k % 5], reserved,
		    &blk, &got);
		if (error == ENOSPC) {
			if (reserved)
				break;
			CU_ASSERT_EQUAL(total, start_user);
			CU_ASSERT_EQUAL(ext2fs_free_blocks(ump, false), 0);
			reserved = true;
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(error, 0);
		CU_ASSERT_FATAL(got >= 1 && got <= wants[k % 5]);
		CU_ASSERT_FATAL(blk >= ump->um_first_data_block &&
		    blk + got <= ump->um_nblocks);
		for (r = blk; r < blk + got; r++) {
			if (seen[r / 8] & (1U << (r % 8)))
				overlap = true;
			seen[r / 8] |= (uint8_t)(1U << (r % 8));
		}
		if (nruns == cap) {
			cap = cap ? cap * 2 : 256;
			runs = realloc(runs, cap * sizeof(*runs));
		}
		runs[nruns].blk = blk;
		runs[nruns++].n = got;
		total += got;
	}
	CU_ASSERT(!overlap);
	CU_ASSERT_EQUAL(total, start_all);
	CU_ASSERT_EQUAL(ext2fs_free_blocks(ump, true), 0);
	printf("# %s: %zu runs, %llu blocks allocated of %llu\n", im->name,
	    nruns, (unsigned long long)total,
	    (unsigned long long)ump->um_nblocks);
	/* every group is initialised now */
	for (g = 0; g < ump->um_ngroups; g++)
		CU_ASSERT((e2_le16(ext2fs_gd(ump, g)->bg_flags) &
		    EXT2_BG_BLOCK_UNINIT) == 0);
	/* free them all, in two interleaved halves */
	for (k = 0; k < nruns; k += 2)
		CU_ASSERT_EQUAL(ext2fs_blkfree(ump, runs[k].blk, runs[k].n,
		    k % 4 == 0), 0);
	for (k = 1; k < nruns; k += 2)
		CU_ASSERT_EQUAL(ext2fs_blkfree(ump, runs[k].blk, runs[k].n,
		    false), 0);
	CU_ASSERT_EQUAL(ext2fs_free_blocks(ump, true), start_all);
	/* double free, metadata */
	if (nruns > 0)
		CU_ASSERT_EQUAL(ext2fs_blkfree(ump, runs[0].blk, 1, false),
		    EUCLEAN);
	CU_ASSERT_EQUAL(ext2fs_blkfree(ump, ext2fs_gd_inode_table(ump,
	    ext2fs_gd(ump, 0)), 1, false), EUCLEAN);
	CU_ASSERT_EQUAL(ext2fs_blkfree(ump, ump->um_nblocks, 1, false),
	    EUCLEAN);
	CU_ASSERT_EQUAL(ext2fs_free_blocks(ump, true), start_all);
	/* freed blocks come back only after the commit */
	ext2fs_trans_end(ump);
	CU_ASSERT_EQUAL(ext2fs_trans_commit(ump), 0);
	CU_ASSERT_EQUAL_FATAL(ext2fs_trans_begin(ump, 8), 0);
	/* a small allocation stays near its goal */
	goal = ump->um_nblocks - 1000;
	error = ext2fs_blkalloc(ump, goal, 4, false, &blk, &got);
	CU_ASSERT_EQUAL(error, 0);
	if (error)
		printf("# %s: blkalloc near %llu: %d\n", im->name,
		    (unsigned long long)goal, error);
	CU_ASSERT(blk >= goal && blk < goal + 1000);
	CU_ASSERT_EQUAL(ext2fs_blkfree(ump, blk, got, false), 0);
	/* a larger one gets a whole run even from a fragmented start */
	CU_ASSERT_EQUAL(ext2fs_blkalloc(ump, 0, 64, false, &blk, &got), 0);
	CU_ASSERT_EQUAL(got, 64);
	CU_ASSERT_EQUAL(ext2fs_blkfree(ump, blk, got, false), 0);
	ext2fs_trans_end(ump);
	CU_ASSERT_EQUAL(rw_close(&m), 0);
	CU_ASSERT_EQUAL(fsck(im->path), 0);
	free(runs);
	free(seen);
}

static void
test_blocks(void)
{
	size_t i;

	for (i = 0; i < NIMAGES; i++)
		if (images[i].ok)
			blocks_one(&images[i]);
}

/* ---- 3. inodes ---- */

static void
inodes_one(const struct image *im)
{
	struct rwm m;
	struct ext2fs_mount *ump;
	struct ext2fs_node *root;
	ino64_t *inos, ino;
	uint32_t nfree, n = 0, k, groups_used = 0, g;
	uint64_t dirgroups = 0;
	uint8_t *seen;
	bool dup = false;
	int error;

	CU_ASSERT_EQUAL_FATAL(rw_open(im, &m), 0);
	ump = m.ump;
	nfree = e2_le32(ump->um_sb.s_free_inodes_count);
	inos = calloc(nfree + 1, sizeof(*inos));
	seen = calloc(ump->um_ninodes / 8 + 1, 1);
	CU_ASSERT_EQUAL_FATAL(ext2fs_node_load(ump, EXT2_ROOTINO, &root), 0);
	CU_ASSERT_EQUAL_FATAL(ext2fs_trans_begin(ump, 8), 0);
	for (;;) {
		error = ext2fs_ialloc(root, n % 3 == 0 ? S_IFDIR : S_IFREG,
		    &ino);
		if (error == ENOSPC)
			break;
		CU_ASSERT_EQUAL_FATAL(error, 0);
		CU_ASSERT_FATAL(ino >= ump->um_first_ino &&
		    ino <= ump->um_ninodes && n < nfree);
		if (seen[ino / 8] & (1U << (ino % 8)))
			dup = true;
		seen[ino / 8] |= (uint8_t)(1U << (ino % 8));
		/* directories spread over groups */
		if (n % 3 == 0 && n < 600) {
			g = (uint32_t)((ino - 1) / ump->um_ipg);
			if (g < 64 && !(dirgroups & (1ULL << g)))
				groups_used++;
			if (g < 64)
				dirgroups |= 1ULL << g;
		}
		inos[n++] = ino;
	}
	CU_ASSERT(!dup);
	CU_ASSERT_EQUAL(n, nfree);
	CU_ASSERT_EQUAL(e2_le32(ump->um_sb.s_free_inodes_count), 0);
	if (ump->um_ngroups > 1)
		CU_ASSERT(groups_used > 1);
	printf("# %s: %u inodes allocated, directories in %u groups\n",
	    im->name, n, groups_used);
	for (k = 0; k < n; k++)
		CU_ASSERT_EQUAL(ext2fs_ifree(ump, inos[k], k % 3 == 0), 0);
	if (n > 0)
		CU_ASSERT_EQUAL(ext2fs_ifree(ump, inos[0], false), EUCLEAN);
	CU_ASSERT_EQUAL(ext2fs_ifree(ump, EXT2_ROOTINO, true), EUCLEAN);
	CU_ASSERT_EQUAL(e2_le32(ump->um_sb.s_free_inodes_count), nfree);
	ext2fs_trans_end(ump);
	ext2fs_node_free(root);
	CU_ASSERT_EQUAL(rw_close(&m), 0);
	CU_ASSERT_EQUAL(fsck(im->path), 0);
	free(inos);
	free(seen);
}

static void
test_inodes(void)
{
	size_t i;

	for (i = 0; i < NIMAGES; i++)
		if (images[i].ok)
			inodes_one(&images[i]);
}

/* ---- 4. new inodes, attributes, orphans ---- */

/* A new regular file (NLINK links) in the root's group. */
static struct ext2fs_node *
new_file(struct ext2fs_mount *ump, uint32_t mode, uint32_t nlink)
{
	struct ext2fs_node *root, *np;
	ino64_t ino;

	if (ext2fs_node_load(ump, EXT2_ROOTINO, &root) != 0)
		return NULL;
	if (ext2fs_ialloc(root, mode, &ino) != 0) {
		ext2fs_node_free(root);
		return NULL;
	}
	ext2fs_node_free(root);
	if (ext2fs_node_new(ump, ino, mode, 1000, 100, &np) != 0)
		return NULL;
	np->n_nlink = nlink;
	if (ext2fs_node_update(np) != 0) {
		ext2fs_node_free(np);
		return NULL;
	}
	return np;
}

static void
xattr_expect(struct ext2fs_node *np, const char *name, const void *val,
    size_t len)
{
	char buf[8192];
	size_t got;

	CU_ASSERT_EQUAL(ext2fs_xattr_get(np, name, buf, sizeof(buf), &got),
	    0);
	CU_ASSERT_EQUAL(got, len);
	CU_ASSERT(got == len && memcmp(buf, val, len) == 0);
}

static void
attrs_one(const struct image *im)
{
	struct rwm m;
	struct ext2fs_mount *ump;
	struct ext2fs_node *np, *np2, *np3;
	struct ext2_xattr_header *h;
	struct vfs_timespec ts = { 4000000000LL, 123456789 };
	char big[3000], mid[60], name[64];
	/* u::rw-, u:1000:r--, g::r--, m::r--, o::--- */
	static const uint8_t acl[] = {
		2, 0, 0, 0,  1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff,
		2, 0, 4, 0, 0xe8, 3, 0, 0,  4, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
		0x10, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
		0x20, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	uint64_t shared;
	uint32_t ino1, ino2, i;
	struct buf *bp;
	size_t got, bigsz;
	char lbuf[512];

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	memset(mid, 'm', sizeof(mid));
	CU_ASSERT_EQUAL_FATAL(rw_open(im, &m), 0);
	ump = m.ump;
	bigsz = ump->um_bsize / 2 - 100;
	CU_ASSERT_EQUAL_FATAL(ext2fs_trans_begin(ump, 8), 0);
	np = new_file(ump, S_IFREG | 0644, 1);
	CU_ASSERT_FATAL(np != NULL);
	ino1 = (uint32_t)np->n_ino;
	ext2fs_node_settime(np, EXT2FS_MTIME, &ts);
	CU_ASSERT_EQUAL(ext2fs_xattr_set(np, "user.small", "v", 1, 0), 0);
	CU_ASSERT_EQUAL(ext2fs_xattr_set(np, "user.mid", mid, sizeof(mid),
	    0), 0);
	CU_ASSERT_EQUAL(ext2fs_xattr_set(np, "user.big", big, bigsz, 0), 0);
	CU_ASSERT_EQUAL(ext2fs_xattr_set(np, "trusted.t", "tt", 2, 0), 0);
	CU_ASSERT_EQUAL(ext2fs_xattr_set(np, "security.s", "", 0, 0), 0);
	CU_ASSERT_EQUAL(ext2fs_xattr_set(np, "system.posix_acl_access", acl,
	    sizeof(acl), 0), 0);
	CU_ASSERT_EQUAL(ext2fs_xattr_set(np, "user.small", "w", 1,
	    XATTR_CREATE), EEXIST);
	CU_ASSERT_EQUAL(ext2fs_xattr_set(np, "user.none", "w", 1,
	    XATTR_REPLACE), ENODATA);
	CU_ASSERT_EQUAL(ext2fs_xattr_set(np, "foo.bar", "w", 1, 0),
	    EOPNOTSUPP);
	CU_ASSERT_EQUAL(ext2fs_xattr_remove(np, "user.none"), ENODATA);
	CU_ASSERT_EQUAL(ext2fs_xattr_set(np, "user.small", "ww", 2,
	    XATTR_REPLACE), 0);
	if (ump->um_bsize < 4096)
		CU_ASSERT_EQUAL(ext2fs_xattr_set(np, "user.huge", big,
		    sizeof(big), 0), ENOSPC);
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "user.many-%u", i);
		CU_ASSERT_EQUAL(ext2fs_xattr_set(np, name, name, strlen(name),
		    0), 0);
	}
	for (i = 0; i < 6; i += 2) {
		snprintf(name, sizeof(name), "user.many-%u", i);
		CU_ASSERT_EQUAL(ext2fs_xattr_remove(np, name), 0);
	}
	CU_ASSERT_EQUAL(ext2fs_xattr_remove(np, "user.mid"), 0);
	CU_ASSERT(np->n_file_acl != 0);
	xattr_expect(np, "user.small", "ww", 2);
	xattr_expect(np, "user.big", big, bigsz);
	xattr_expect(np, "trusted.t", "tt", 2);
	xattr_expect(np, "security.s", "", 0);
	xattr_expect(np, "system.posix_acl_access", acl, sizeof(acl));
	xattr_expect(np, "user.many-5", "user.many-5", 11);
	CU_ASSERT_EQUAL(ext2fs_xattr_get(np, "user.mid", NULL, 0, &got),
	    ENODATA);
	CU_ASSERT_EQUAL(ext2fs_xattr_list(np, lbuf, sizeof(lbuf), &got), 0);

	/* a second inode shares the block: a change copies it */
	np2 = new_file(ump, S_IFREG | 0600, 1);
	CU_ASSERT_FATAL(np2 != NULL);
	ino2 = (uint32_t)np2->n_ino;
	shared = np->n_file_acl;
	CU_ASSERT_EQUAL_FATAL(ext2fs_bread(ump, shared, 0, "t", 0, &bp), 0);
	h = bp->b_data;
	h->h_refcount = e2_mkle32(2);
	ext2fs_xattr_csum_set(ump, shared, bp->b_data);
	ext2fs_trans_dirty(ump, bp);
	np2->n_file_acl = shared;
	np2->n_bytes += ump->um_bsize;
	CU_ASSERT_EQUAL(ext2fs_node_update(np2), 0);
	xattr_expect(np2, "user.big", big, bigsz);
	CU_ASSERT_EQUAL(ext2fs_xattr_set(np2, "user.big", big + 1,
	    bigsz - 100, 0), 0);
	CU_ASSERT(np2->n_file_acl != 0 && np2->n_file_acl != shared);
	xattr_expect(np2, "user.big", big + 1, bigsz - 100);
	xattr_expect(np, "user.big", big, bigsz);
	CU_ASSERT_EQUAL_FATAL(ext2fs_bread(ump, shared, 0, "t", 0, &bp), 0);
	CU_ASSERT_EQUAL(e2_le32(((struct ext2_xattr_header *)
	    bp->b_data)->h_refcount), 1);
	brelse(bp);

	/* an orphan with an xattr block, and one taken off again */
	np3 = new_file(ump, S_IFREG | 0600, 0);
	CU_ASSERT_FATAL(np3 != NULL);
	CU_ASSERT_EQUAL(ext2fs_xattr_set(np3, "user.big", big, bigsz / 2,
	    0), 0);
	CU_ASSERT_EQUAL(ext2fs_orphan_add(np3), 0);
	CU_ASSERT_EQUAL(ext2fs_orphan_add(np2), 0);
	CU_ASSERT_EQUAL(e2_le32(ump->um_sb.s_last_orphan), ino2);
	CU_ASSERT_EQUAL(ext2fs_orphan_add(np), 0);
	CU_ASSERT_EQUAL(ext2fs_orphan_del(np2), 0);	/* from the middle */
	CU_ASSERT_EQUAL(ext2fs_orphan_del(np), 0);	/* the head */
	CU_ASSERT_EQUAL(e2_le32(ump->um_sb.s_last_orphan), np3->n_ino);
	ext2fs_trans_end(ump);
	ext2fs_node_free(np);
	ext2fs_node_free(np2);
	ext2fs_node_free(np3);
	CU_ASSERT_EQUAL(rw_close(&m), 0);

	/* the next mount finishes the orphan */
	CU_ASSERT_EQUAL_FATAL(rw_open(im, &m), 0);
	CU_ASSERT_EQUAL(ext2fs_orphan_recover(m.ump), 0);
	CU_ASSERT_EQUAL(e2_le32(m.ump->um_sb.s_last_orphan), 0);
	CU_ASSERT_EQUAL(rw_close(&m), 0);

	CU_ASSERT_EQUAL(sh("debugfs -w -R 'link <%u> /new1' '%s' && "
	    "debugfs -w -R 'link <%u> /new2' '%s'", ino1, im->path, ino2,
	    im->path), 0);
	CU_ASSERT_EQUAL(fsck(im->path), 0);
	CU_ASSERT_EQUAL(sh("debugfs -R 'ea_list /new1' '%s' 2>/dev/null | "
	    "grep -q 'user.small.*ww'", im->path), 0);
	/* the kernel's ext4 reads the ACL back in the Linux form */
	CU_ASSERT_EQUAL(sh("d='%s/mnt'; mkdir -p \"$d\"; "
	    "mount -o loop,ro '%s' \"$d\" 2>/dev/null || exit 0; r=0; "
	    "test \"$(getfattr --only-values -n system.posix_acl_access "
	    "\"$d/new1\" 2>/dev/null | od -An -tx1 | tr -d ' \\n')\" = "
	    "0200000001000600ffffffff02000400e803000004000400ffffffff"
	    "10000400ffffffff20000000ffffffff || r=1; "
	    "test \"$(getfattr --only-values -n user.small \"$d/new1\" "
	    "2>/dev/null)\" = ww || r=1; umount \"$d\"; exit $r", workdir,
	    im->path), 0);
	/* 2096-10-02 and 123456789 ns: epoch bit and nanoseconds */
	if (strstr(im->mkfs, "-I 128") == NULL)
		CU_ASSERT_EQUAL(sh("debugfs -R 'stat /new1' '%s' 2>/dev/null "
		    "| grep -q 'mtime: 0xee6b2800:1d6f3455'", im->path), 0);
}

static void
test_attrs(void)
{
	size_t i;

	for (i = 0; i < NIMAGES; i++)
		if (images[i].ok && images[i].tree)
			attrs_one(&images[i]);
}

/* ---- 5. inline data ---- */

static void
test_inline(void)
{
	const struct image *im = &images[6];
	struct rwm m;
	struct ext2fs_mount *ump;
	struct ext2fs_node *np, *np2;
	uint8_t data[200], *back;
	size_t max, len, i;
	uint32_t ino1, ino2;

	CU_ASSERT_FATAL(im->ok && strcmp(im->name, "ext4-inline") == 0);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i + 1);
	CU_ASSERT_EQUAL_FATAL(rw_open(im, &m), 0);
	ump = m.ump;
	CU_ASSERT_EQUAL_FATAL(ext2fs_trans_begin(ump, 8), 0);
	np = new_file(ump, S_IFREG | 0644, 1);
	CU_ASSERT_FATAL(np != NULL);
	ino1 = (uint32_t)np->n_ino;
	max = ext2fs_inline_max(np);
	printf("# inline max %zu\n", max);
	CU_ASSERT(max >= 60 + 40);
	CU_ASSERT_EQUAL(ext2fs_inline_set(np, data, max + 1), ENOSPC);
	np->n_size = 100;
	CU_ASSERT_EQUAL(ext2fs_inline_set(np, data, 100), 0);
	CU_ASSERT(np->n_flags & EXT2_INLINE_DATA_FL);
	CU_ASSERT_EQUAL(ext2fs_inline_get(np, &back, &len), 0);
	CU_ASSERT(len >= 100 && memcmp(back, data, 100) == 0);
	kmem_free(back, len);
	/* shrink to fit i_block: system.data stays, empty */
	np->n_size = 30;
	CU_ASSERT_EQUAL(ext2fs_inline_set(np, data, 30), 0);
	CU_ASSERT_EQUAL(ext2fs_xattr_set(np, "user.x", "y", 1, 0), 0);
	/* another one is converted back to no data */
	np2 = new_file(ump, S_IFREG | 0644, 1);
	CU_ASSERT_FATAL(np2 != NULL);
	ino2 = (uint32_t)np2->n_ino;
	np2->n_size = 80;
	CU_ASSERT_EQUAL(ext2fs_inline_set(np2, data, 80), 0);
	CU_ASSERT_EQUAL(ext2fs_inline_clear(np2), 0);
	CU_ASSERT((np2->n_flags & EXT2_INLINE_DATA_FL) == 0);
	np2->n_size = 0;
	np2->n_flags |= EXT2_EXTENTS_FL;
	ext2fs_ext_init_root(np2);
	CU_ASSERT_EQUAL(ext2fs_node_update(np2), 0);
	ext2fs_trans_end(ump);
	ext2fs_node_free(np);
	ext2fs_node_free(np2);
	CU_ASSERT_EQUAL(rw_close(&m), 0);
	CU_ASSERT_EQUAL(sh("debugfs -w -R 'link <%u> /in1' '%s' && "
	    "debugfs -w -R 'link <%u> /in2' '%s'", ino1, im->path, ino2,
	    im->path), 0);
	CU_ASSERT_EQUAL(fsck(im->path), 0);
	CU_ASSERT_EQUAL(sh("test \"$(debugfs -R 'cat /in1' '%s' 2>/dev/null "
	    "| head -c 30 | od -An -tu1 | tr -s ' \\n' ' ')\" = "
	    "\" $(seq -s ' ' 1 30) \"", im->path), 0);
	/* the kernel's ext4 reads the same (skipped without loop devices) */
	CU_ASSERT_EQUAL(sh("d='%s/mnt'; mkdir -p \"$d\"; "
	    "mount -o loop,ro '%s' \"$d\" 2>/dev/null || exit 0; "
	    "r=0; test \"$(od -An -tu1 \"$d/in1\" | tr -s ' \\n' ' ')\" = "
	    "\" $(seq -s ' ' 1 30) \" || r=1; "
	    "test \"$(getfattr --only-values -n user.x \"$d/in1\" "
	    "2>/dev/null)\" = y "
	    "|| r=1; test ! -s \"$d/in2\" || r=1; umount \"$d\"; exit $r",
	    workdir, im->path), 0);
}

/* ---- 6. a file past 2 GiB sets large_file ---- */

static void
test_large_file(void)
{
	const struct image *im = &images[NIMAGES - 1];
	struct rwm m;
	struct ext2fs_node *np;
	uint32_t ino;

	CU_ASSERT_FATAL(im->ok && strcmp(im->name, "ext2-nolarge") == 0);
	CU_ASSERT_EQUAL_FATAL(rw_open(im, &m), 0);
	CU_ASSERT(!EXT2_HAS_ROCOMPAT(m.ump, EXT2F_ROCOMPAT_LARGE_FILE));
	CU_ASSERT_EQUAL_FATAL(ext2fs_trans_begin(m.ump, 8), 0);
	np = new_file(m.ump, S_IFREG | 0644, 1);
	CU_ASSERT_FATAL(np != NULL);
	ino = (uint32_t)np->n_ino;
	np->n_size = 3ULL << 30;	/* sparse: no block */
	CU_ASSERT_EQUAL(ext2fs_node_update(np), 0);
	CU_ASSERT(EXT2_HAS_ROCOMPAT(m.ump, EXT2F_ROCOMPAT_LARGE_FILE));
	ext2fs_trans_end(m.ump);
	ext2fs_node_free(np);
	CU_ASSERT_EQUAL(rw_close(&m), 0);
	CU_ASSERT_EQUAL(sh("debugfs -w -R 'link <%u> /large' '%s'", ino,
	    im->path), 0);
	CU_ASSERT_EQUAL(sh("dumpe2fs -h '%s' 2>/dev/null | grep -q large_file",
	    im->path), 0);
	CU_ASSERT_EQUAL(fsck(im->path), 0);
	CU_ASSERT_EQUAL(sh("debugfs -R 'stat /large' '%s' 2>/dev/null | "
	    "grep -q 'Size: 3221225472'", im->path), 0);
}

int
main(void)
{
	CU_pSuite s;
	int status;

	if (getuid() != 0 || system("command -v mke2fs >/dev/null") != 0 ||
	    system("command -v setfattr >/dev/null") != 0) {
		printf("1..0 # SKIP needs root, mke2fs and setfattr\n");
		return 0;
	}
	if (setup() != 0) {
		printf("1..0 # SKIP cannot make the images or start the "
		    "kernel\n");
		return 0;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ext2fs_alloc", NULL, NULL);
	CU_add_test(s, "checksum setters agree with the checks", test_csum);
	CU_add_test(s, "blocks: fill, free, e2fsck clean", test_blocks);
	CU_add_test(s, "inodes: fill, free, e2fsck clean", test_inodes);
	CU_add_test(s, "new inodes, xattrs, orphans", test_attrs);
	CU_add_test(s, "inline data", test_inline);
	CU_add_test(s, "large_file set past 2 GiB", test_large_file);
	status = cunit_tap_run();
	CU_cleanup_registry();
	teardown();
	return status;
}
