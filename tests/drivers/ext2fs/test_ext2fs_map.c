/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_ext2fs_map.c -- the ext2fs block-map write path (ext2fs_balloc.c,
 * ext2fs_extent_write.c, ext2fs_ind_write.c) driven directly, below the
 * vnode operations, on images made by mke2fs and judged by e2fsck -fn.
 *
 * For each image (ext4 with extents at 1 KiB and 4 KiB blocks, with and
 * without metadata_csum; ext3 and ext2 block maps): an empty file made
 * by mke2fs -d is mounted read-write in-process, then, with its vnode
 * locked and a transaction handle open, blocks are mapped sparsely
 * (every other block: thousands of extents, a depth-2 tree), gaps
 * filled, long runs mapped, holes punched inside extents and across
 * them, ranges fallocated (unwritten) and partly converted, and the file
 * truncated.  After every step ext2fs_bmap must agree with a model of
 * the map, the file's i_blocks must equal what the model says is
 * allocated plus the tree blocks, and after unmount e2fsck -fn must be
 * clean and a read-only mount must show the same map.  A last case maps
 * 1 GiB sequentially in 1 MiB steps and counts the extents.
 *
 * Host headers at plain POSIX level: with _GNU_SOURCE <sys/types.h>
 * declares a daddr_t that clashes with the kernel's.
 */
#undef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cunit_tap.h"
#include "vfs_pub.h"
#include "vfs_types.h"
#include "kern/kern.h"
#include "kern/vnode.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

static char workdir[256];
static char srcdir[300];

struct cfg {
	const char	*name;
	const char	*mkfs;
	const char	*size;
	bool		extents;
};

static const struct cfg cfgs[] = {
	{ "ext4-4k", "-t ext4 -b 4096", "128M", true },
	{ "ext4-1k", "-t ext4 -b 1024", "64M", true },
	{ "ext4-1k-nocsum", "-t ext4 -b 1024 -O ^metadata_csum,^64bit",
	    "64M", true },
	{ "ext3-1k", "-t ext3 -b 1024", "96M", false },
	{ "ext3-4k", "-t ext3 -b 4096", "64M", false },
	{ "ext2-4k", "-t ext2 -b 4096", "64M", false },
	{ "ext4-4k-big", "-t ext4 -b 4096", "512M", true },
	{ "ext4-1k-tiny", "-t ext4 -b 1024 -N 64", "6M", true },
	{ "ext2-1k-tiny", "-t ext2 -b 1024 -N 64", "6M", false },
	{ "ext4-1k-fuzz", "-t ext4 -b 1024 -O ^metadata_csum -N 64", "8M",
	    true },
	{ "ext3-1k-fuzz", "-t ext3 -b 1024 -N 64", "8M", false },
};

/* The model: logical block -> physical block (0: hole), unwritten. */
#define NMAX	80000
static uint64_t model[NMAX];
static bool model_unw[NMAX];

struct tfile {
	struct mount	*mp;
	struct vnode	*vp;
	struct ext2fs_node *np;
	struct ext2fs_mount *ump;
	bool		locked;
};

static int
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void
img_path(const struct cfg *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.img", workdir, c->name);
}

static int
make_image(const struct cfg *c)
{
	char img[400];

	img_path(c, img, sizeof(img));
	return sh("rm -f '%s' && mke2fs -q -F %s -d '%s' '%s' %s "
	    ">/dev/null 2>&1", img, c->mkfs, srcdir, img, c->size);
}

static int
fsck_clean(const struct cfg *c)
{
	char img[400];
	int st;

	img_path(c, img, sizeof(img));
	st = sh("e2fsck -fn '%s' > '%s/fsck.out' 2>&1", img, workdir);
	if (st != 0) {
		printf("# e2fsck -fn %s failed (%d):\n", c->name, st);
		(void)sh("sed 's/^/# /' '%s/fsck.out' | head -40", workdir);
	}
	return st;
}

/*
 * debugfs's view of the file's data blocks ("stat": "(L1-L2):P1-P2"
 * ranges, tree and indirect blocks named instead) must be the model's
 * mapped blocks.
 */
static int
debugfs_agrees(const struct cfg *c)
{
	char img[400], out[400], tok[128];
	unsigned long long l1, l2, p1, p2;
	uint64_t i = 0, k;
	int bad = 0, ch;
	size_t n;
	FILE *f;

	img_path(c, img, sizeof(img));
	snprintf(out, sizeof(out), "%s/stat.out", workdir);
	if (sh("debugfs -R 'stat /f' '%s' 2>/dev/null | sed -n "
	    "'/^\\(BLOCKS\\|EXTENTS\\):/,$p' | tail -n +2 | "
	    "grep -v TOTAL | tr ',' '\\n' | tr -d ' ' > '%s'", img,
	    out) != 0)
		return -1;
	if ((f = fopen(out, "r")) == NULL)
		return -1;
	for (;;) {
		n = 0;
		while ((ch = fgetc(f)) != EOF && ch != '\n')
			if (n + 1 < sizeof(tok))
				tok[n++] = (char)ch;
		tok[n] = '\0';
		if (n == 0 && ch == EOF)
			break;
		if (sscanf(tok, "(%llu-%llu):%llu-%llu", &l1, &l2, &p1,
		    &p2) == 4)
			;
		else if (sscanf(tok, "(%llu):%llu", &l1, &p1) == 2)
			l2 = l1, p2 = p1;
		else
			continue;	/* (IND), (ETB0), ... */
		for (k = l1; k <= l2; k++) {
			while (i < NMAX && model[i] == 0)
				i++;
			if (i != k || i == NMAX || model[i] != p1 + (k - l1)) {
				if (bad++ == 0)
					printf("# debugfs: lblk %llu -> %llu, "
					    "model %llu -> %llu\n",
					    (unsigned long long)k,
					    p1 + (k - l1),
					    (unsigned long long)i,
					    (unsigned long long)(i < NMAX ?
					    model[i] : 0));
			}
			i++;
		}
	}
	fclose(f);
	while (i < NMAX && model[i] == 0)
		i++;
	return bad + (i != NMAX);
}

static int
tf_open(const struct cfg *c, const char *opts, struct tfile *tf)
{
	char img[400], errbuf[256];
	struct vnode *root;
	int error;

	memset(tf, 0, sizeof(*tf));
	img_path(c, img, sizeof(img));
	error = vfs_mount("ext2fs", img, "/m", opts, &tf->mp, errbuf,
	    sizeof(errbuf));
	if (error) {
		printf("# mount %s %s: %d %s\n", c->name, opts, error, errbuf);
		return error;
	}
	if ((error = vfs_pub_root(tf->mp, &root)) != 0)
		return error;
	error = vfs_pub_lookup(root, "f", &tf->vp);
	vfs_pub_vrele(root);
	if (error)
		return error;
	tf->np = VTOE(tf->vp);
	tf->ump = tf->np->n_ump;
	return 0;
}

static void
tf_close(struct tfile *tf)
{
	vfs_pub_vrele(tf->vp);
	CU_ASSERT_EQUAL(vfs_unmount(tf->mp, 0), 0);
}

static void
tf_begin(struct tfile *tf)
{
	vn_lock(tf->vp, RW_WRITER);
	CU_ASSERT_EQUAL_FATAL(ext2fs_trans_begin(tf->ump, 64), 0);
}

/* Set the size to cover NBLK blocks, write the inode, end the handle. */
static void
tf_end(struct tfile *tf, uint64_t nblk)
{
	tf->np->n_size = nblk * tf->ump->um_bsize;
	CU_ASSERT_EQUAL(ext2fs_node_update(tf->np), 0);
	ext2fs_trans_end(tf->ump);
	vn_unlock(tf->vp);
}

static uint64_t
model_end(void)
{
	uint64_t i;

	for (i = NMAX; i > 0 && model[i - 1] == 0; i--)
		continue;
	return i;
}

static uint64_t
model_count(void)
{
	uint64_t i, n = 0;

	for (i = 0; i < NMAX; i++)
		n += model[i] != 0;
	return n;
}

static void
model_clear(uint64_t lo, uint64_t hi)
{
	uint64_t i;

	for (i = lo; i < hi && i < NMAX; i++) {
		model[i] = 0;
		model_unw[i] = false;
	}
}

/* Map [LBLK, LBLK+COUNT) with ext2fs_balloc and record it. */
static void
map_range(struct tfile *tf, uint64_t lblk, uint64_t count)
{
	uint64_t pblk, run, i;
	bool isnew;
	int error;

	while (count > 0) {
		error = ext2fs_balloc(tf->np, lblk, count, &pblk, &run, &isnew);
		CU_ASSERT_EQUAL_FATAL(error, 0);
		CU_ASSERT_FATAL(run >= 1 && run <= count);
		for (i = 0; i < run; i++) {
			/* a mapped block stays where it is */
			if (model[lblk + i] != 0 && !model_unw[lblk + i])
				CU_ASSERT_EQUAL(model[lblk + i], pblk + i);
			model[lblk + i] = pblk + i;
			model_unw[lblk + i] = false;
		}
		lblk += run;
		count -= run;
	}
}

/*
 * Does ext2fs_bmap agree with the model over [0, NMAX) (unwritten: reads
 * as a hole), and is every run it reports consistent?
 */
static int
check_map(struct tfile *tf, bool unw_known)
{
	uint64_t lblk = 0, pblk, run, i, want;
	int bad = 0;

	while (lblk < NMAX) {
		if (ext2fs_bmap(tf->np, lblk, &pblk, &run) != 0)
			return -1;
		if (run == 0)
			return -1;
		for (i = 0; i < run && lblk + i < NMAX; i++) {
			want = model[lblk + i];
			if (model_unw[lblk + i] && unw_known)
				want = 0;
			if ((pblk == 0 ? 0 : pblk + i) != want) {
				if (bad++ < 5)
					printf("# lblk %llu: bmap %llu, model "
					    "%llu\n",
					    (unsigned long long)(lblk + i),
					    (unsigned long long)(pblk == 0 ?
					    0 : pblk + i),
					    (unsigned long long)want);
			}
		}
		lblk += run;
	}
	return bad;
}

static unsigned
root_depth(struct tfile *tf)
{
	const struct ext2_extent_header *eh = (const void *)
	    EXT2_DINODE(tf->np)->i_block;

	return e2_le16(eh->eh_depth);
}

/* Number of extents (bmap runs of mapped blocks) in [0, END). */
static uint64_t
count_runs(struct tfile *tf, uint64_t end)
{
	uint64_t lblk = 0, pblk, run, n = 0;

	while (lblk < end) {
		if (ext2fs_bmap(tf->np, lblk, &pblk, &run) != 0)
			return UINT64_MAX;
		if (pblk != 0)
			n++;
		lblk += run;
	}
	return n;
}

static void
test_cfg(const struct cfg *c)
{
	struct tfile tf;
	uint64_t i, bsz, pblk, run, before;
	unsigned d;
	bool isnew;

	printf("# %s\n", c->name);
	memset(model, 0, sizeof(model));
	memset(model_unw, 0, sizeof(model_unw));
	CU_ASSERT_EQUAL_FATAL(make_image(c), 0);
	CU_ASSERT_EQUAL_FATAL(tf_open(c, "rw", &tf), 0);
	bsz = tf.ump->um_bsize;
	CU_ASSERT_EQUAL(!!(tf.np->n_flags & EXT2_EXTENTS_FL), c->extents);

	/* 1. every other block: 3000 one-block extents, a deep tree */
	for (i = 0; i < 3000; i++) {
		if (i % 500 == 0)
			tf_begin(&tf);
		map_range(&tf, 2 * i, 1);
		if (i % 500 == 499)
			tf_end(&tf, model_end());
	}
	CU_ASSERT_EQUAL(check_map(&tf, true), 0);
	if (c->extents) {
		d = root_depth(&tf);
		printf("# sparse: depth %u, %llu extents\n", d,
		    (unsigned long long)count_runs(&tf, NMAX));
		CU_ASSERT(d >= 2);
	}
	CU_ASSERT_EQUAL(tf.np->n_bytes >= model_count() * bsz, true);

	/* 2. fill some gaps (merging with the left neighbour) */
	tf_begin(&tf);
	for (i = 100; i < 400; i++)
		map_range(&tf, 2 * i + 1, 1);
	/* 3. long runs and a block-map's indirect levels */
	map_range(&tf, 20000, 3000);
	map_range(&tf, 12, 2);
	if (!c->extents && 12 + 256 + 65536 + 10 < NMAX)
		map_range(&tf, 12 + 256 + 65536 + 3, 7);	/* triple */
	tf_end(&tf, model_end());
	CU_ASSERT_EQUAL(check_map(&tf, true), 0);

	/* 4. punch: inside one extent, across many, a whole subtree */
	tf_begin(&tf);
	CU_ASSERT_EQUAL(ext2fs_bfree_range(tf.np, 20500, 20600), 0);
	model_clear(20500, 20600);
	CU_ASSERT_EQUAL(ext2fs_bfree_range(tf.np, 1001, 1500), 0);
	model_clear(1001, 1500);
	CU_ASSERT_EQUAL(ext2fs_bfree_range(tf.np, 3000, 4500), 0);
	model_clear(3000, 4500);
	CU_ASSERT_EQUAL(ext2fs_bfree_range(tf.np, 250, 251), 0);
	model_clear(250, 251);
	tf_end(&tf, model_end());
	CU_ASSERT_EQUAL(check_map(&tf, true), 0);

	/* 5. fallocate, then writes convert parts of it */
	tf_begin(&tf);
	CU_ASSERT_EQUAL(ext2fs_balloc_unwritten(tf.np, 30000, 1000), 0);
	for (i = 30000; i < 31000; i++) {
		CU_ASSERT_EQUAL(ext2fs_bmap(tf.np, i, &pblk, &run), 0);
		if (!c->extents)
			model[i] = pblk;
		else
			CU_ASSERT_EQUAL(pblk, 0);
	}
	if (c->extents) {
		/* learn where the unwritten blocks are: convert them */
		before = tf.np->n_bytes;
		CU_ASSERT_EQUAL(ext2fs_balloc(tf.np, 30100, 10, &pblk, &run,
		    &isnew), 0);
		CU_ASSERT(isnew);
		CU_ASSERT(run >= 1 && run <= 10);	/* group boundary */
		CU_ASSERT(tf.np->n_bytes <= before + bsz); /* maybe a leaf */
		for (i = 0; i < run; i++)
			model[30100 + i] = pblk + i;
		/* at the start, at the end, and the whole of one */
		map_range(&tf, 30000, 5);
		map_range(&tf, 30995, 5);
		map_range(&tf, 30005, 2);
		for (i = 30000; i < 31000; i++)
			if (model[i] == 0) {
				model[i] = 1;	/* allocated, reads as 0 */
				model_unw[i] = true;
			}
	}
	tf_end(&tf, 31000);
	CU_ASSERT_EQUAL(check_map(&tf, true), 0);

	/* 6. truncate: above the fallocated range, then into the runs */
	tf_begin(&tf);
	CU_ASSERT_EQUAL(ext2fs_bfree_range(tf.np, 30500, UINT64_MAX), 0);
	model_clear(30500, NMAX);
	CU_ASSERT_EQUAL(ext2fs_bfree_range(tf.np, 21000, UINT64_MAX), 0);
	model_clear(21000, NMAX);
	tf_end(&tf, 21000);
	CU_ASSERT_EQUAL(check_map(&tf, true), 0);
	tf_close(&tf);
	CU_ASSERT_EQUAL(fsck_clean(c), 0);
	CU_ASSERT_EQUAL(debugfs_agrees(c), 0);

	/* 7. the same map read back by a read-only mount */
	CU_ASSERT_EQUAL_FATAL(tf_open(c, "ro", &tf), 0);
	CU_ASSERT_EQUAL(check_map(&tf, true), 0);
	tf_close(&tf);

	/* 8. truncate to a few blocks, then to nothing */
	CU_ASSERT_EQUAL_FATAL(tf_open(c, "rw", &tf), 0);
	tf_begin(&tf);
	CU_ASSERT_EQUAL(ext2fs_bfree_range(tf.np, 7, UINT64_MAX), 0);
	model_clear(7, NMAX);
	tf_end(&tf, 7);
	CU_ASSERT_EQUAL(check_map(&tf, true), 0);
	if (c->extents) {
		printf("# truncated to 7: depth %u\n", root_depth(&tf));
		CU_ASSERT_EQUAL(root_depth(&tf), 0);
	}
	tf_close(&tf);
	CU_ASSERT_EQUAL(fsck_clean(c), 0);
	CU_ASSERT_EQUAL_FATAL(tf_open(c, "rw", &tf), 0);
	tf_begin(&tf);
	CU_ASSERT_EQUAL(ext2fs_bfree_range(tf.np, 0, UINT64_MAX), 0);
	model_clear(0, NMAX);
	tf_end(&tf, 0);
	CU_ASSERT_EQUAL(tf.np->n_bytes, 0);
	CU_ASSERT_EQUAL(check_map(&tf, true), 0);
	tf_close(&tf);
	CU_ASSERT_EQUAL(fsck_clean(c), 0);
}

static void test_ext4_4k(void) { test_cfg(&cfgs[0]); }
static void test_ext4_1k(void) { test_cfg(&cfgs[1]); }
static void test_ext4_1k_nocsum(void) { test_cfg(&cfgs[2]); }
static void test_ext3_1k(void) { test_cfg(&cfgs[3]); }
static void test_ext3_4k(void) { test_cfg(&cfgs[4]); }
static void test_ext2_4k(void) { test_cfg(&cfgs[5]); }

/* A small reproducible generator (xorshift64). */
static uint64_t rnd_state;

static uint64_t
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Fallocate [A, A+N) and record it (unwritten, or zeroed blocks). */
static void
prealloc_range(struct tfile *tf, uint64_t a, uint64_t n, bool extents)
{
	uint64_t i, pblk, run;
	int error;

	error = ext2fs_balloc_unwritten(tf->np, a, n);
	if (error)
		printf("# fallocate %llu+%llu: %d\n", (unsigned long long)a,
		    (unsigned long long)n, error);
	CU_ASSERT_EQUAL_FATAL(error, 0);
	for (i = a; i < a + n; i++) {
		if (model[i] != 0)
			continue;
		if (extents) {
			model[i] = 1;	/* allocated, reads as zeros */
			model_unw[i] = true;
		} else {
			CU_ASSERT_EQUAL(ext2fs_bmap(tf->np, i, &pblk, &run),
			    0);
			model[i] = pblk;
		}
	}
}

/*
 * Random order and random operations: 8000 blocks mapped in random
 * order (leaves split in the middle, index nodes fill and split), then
 * random punches, maps, fallocates and truncates against the model.
 */
static void
test_random(const struct cfg *c, unsigned seed)
{
	static uint64_t order[NMAX / 2];
	struct tfile tf;
	uint64_t i, j, t, a, n;
	unsigned op;

	printf("# %s, seed %u\n", c->name, seed);
	rnd_state = 0x9e3779b97f4a7c15ull ^ seed;
	memset(model, 0, sizeof(model));
	memset(model_unw, 0, sizeof(model_unw));
	CU_ASSERT_EQUAL_FATAL(make_image(c), 0);
	CU_ASSERT_EQUAL_FATAL(tf_open(c, "rw", &tf), 0);
	for (i = 0; i < NMAX / 2; i++)
		order[i] = 2 * i;
	for (i = NMAX / 2 - 1; i > 0; i--) {
		j = rnd() % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < 8000; i++) {
		if (i % 1000 == 0)
			tf_begin(&tf);
		map_range(&tf, order[i], 1);
		if (i % 1000 == 999)
			tf_end(&tf, model_end());
	}
	CU_ASSERT_EQUAL(check_map(&tf, true), 0);
	if (c->extents)
		printf("# random order: depth %u, %llu tree blocks\n",
		    root_depth(&tf), (unsigned long long)(tf.np->n_bytes /
		    tf.ump->um_bsize - model_count()));
	for (i = 0; i < 1500; i++) {
		if (i % 100 == 0)
			tf_begin(&tf);
		op = (unsigned)rnd() % 16;
		a = rnd() % (NMAX - 400);
		n = 1 + rnd() % 300;
		if (op < 6) {
			CU_ASSERT_EQUAL(ext2fs_bfree_range(tf.np, a, a + n), 0);
			model_clear(a, a + n);
		} else if (op < 11) {
			map_range(&tf, a, 1 + n % 40);
		} else if (op < 15) {
			prealloc_range(&tf, a, n, c->extents);
		} else {
			a = model_end() > 2000 ? model_end() - 1 -
			    rnd() % 2000 : 0;
			CU_ASSERT_EQUAL(ext2fs_bfree_range(tf.np, a,
			    UINT64_MAX), 0);
			model_clear(a, NMAX);
		}
		if (i % 100 == 99) {
			tf_end(&tf, model_end());
			CU_ASSERT_EQUAL(check_map(&tf, true), 0);
		}
	}
	if (c->extents)
		printf("# random ops: depth %u, %llu runs\n", root_depth(&tf),
		    (unsigned long long)count_runs(&tf, NMAX));
	tf_close(&tf);
	CU_ASSERT_EQUAL(fsck_clean(c), 0);
	CU_ASSERT_EQUAL_FATAL(tf_open(c, "ro", &tf), 0);
	CU_ASSERT_EQUAL(check_map(&tf, true), 0);
	tf_close(&tf);
}

/*
 * Fill a small filesystem with one-block extents until ENOSPC: the
 * failing call must leave the map and the counts consistent (a data
 * block allocated before the tree block that could not be is freed).
 */
static void
test_enospc(const struct cfg *c)
{
	struct tfile tf;
	uint64_t lblk, pblk, run, i, nmapped = 0, nbytes;
	bool isnew;
	int error = 0;

	memset(model, 0, sizeof(model));
	memset(model_unw, 0, sizeof(model_unw));
	CU_ASSERT_EQUAL_FATAL(make_image(c), 0);
	CU_ASSERT_EQUAL_FATAL(tf_open(c, "rw", &tf), 0);
	for (lblk = 0; lblk < NMAX; lblk += 2) {
		if (lblk % 1000 == 0)
			tf_begin(&tf);
		error = ext2fs_balloc(tf.np, lblk, 1, &pblk, &run, &isnew);
		if (error == 0) {
			model[lblk] = pblk;
			nmapped++;
		}
		if (lblk % 1000 == 998 || error != 0)
			tf_end(&tf, model_end());
		if (error)
			break;
	}
	printf("# %s: %d after %llu blocks\n", c->name, error,
	    (unsigned long long)nmapped);
	CU_ASSERT_EQUAL(error, ENOSPC);
	CU_ASSERT_EQUAL(check_map(&tf, true), 0);
	/* a fallocate that cannot complete gives back what it got */
	tf_begin(&tf);
	CU_ASSERT_EQUAL(ext2fs_bfree_range(tf.np, 0, 200), 0);
	model_clear(0, 200);
	nbytes = tf.np->n_bytes;
	error = ext2fs_balloc_unwritten(tf.np, 1, 5000);
	CU_ASSERT_EQUAL(error, ENOSPC);
	CU_ASSERT_EQUAL(tf.np->n_bytes, nbytes);	/* given back */
	CU_ASSERT_EQUAL(check_map(&tf, true), 0);
	tf_end(&tf, model_end() + 5000);
	tf_close(&tf);
	CU_ASSERT_EQUAL(fsck_clean(c), 0);
	/* and everything can be freed again */
	CU_ASSERT_EQUAL_FATAL(tf_open(c, "rw", &tf), 0);
	tf_begin(&tf);
	CU_ASSERT_EQUAL(ext2fs_bfree_range(tf.np, 0, UINT64_MAX), 0);
	tf_end(&tf, 0);
	CU_ASSERT_EQUAL(tf.np->n_bytes, 0);
	tf_close(&tf);
	CU_ASSERT_EQUAL(fsck_clean(c), 0);
	for (i = 0; i < NMAX; i++)
		model[i] = 0;
}

static void test_enospc_ext4(void) { test_enospc(&cfgs[7]); }
static void test_enospc_ext2(void) { test_enospc(&cfgs[8]); }

/*
 * Corrupt map blocks (extent tree blocks without checksums, indirect
 * blocks) at random, mount in memory, and map, punch and truncate: only
 * clean errors may come back (the sanitizers catch the rest).
 */
static void
test_corrupt(const struct cfg *c, unsigned iters)
{
	char img[400], out[400], errbuf[256], tok[64];
	uint64_t mblk[512], pblk, run, a, bsz;
	unsigned nm = 0, it, k, nerr = 0, nmounted = 0;
	struct ext2fs_node *np;
	struct vnode *root, *vp;
	struct mount *mp;
	struct tfile tf;
	unsigned long long v;
	uint8_t *base, *buf;
	size_t len;
	bool isnew;
	FILE *f;
	int error;

	memset(model, 0, sizeof(model));
	memset(model_unw, 0, sizeof(model_unw));
	CU_ASSERT_EQUAL_FATAL(make_image(c), 0);
	CU_ASSERT_EQUAL_FATAL(tf_open(c, "rw", &tf), 0);
	tf_begin(&tf);
	for (a = 0; a < 3000; a += 2)
		map_range(&tf, a, 1);
	map_range(&tf, 20000, 10);
	tf_end(&tf, model_end());
	bsz = tf.ump->um_bsize;
	tf_close(&tf);
	CU_ASSERT_EQUAL(fsck_clean(c), 0);

	/* the map blocks, as debugfs names them: (ETBn) or (IND)... */
	img_path(c, img, sizeof(img));
	snprintf(out, sizeof(out), "%s/map.out", workdir);
	(void)sh("debugfs -R 'stat /f' '%s' 2>/dev/null | tr ',' '\\n' | "
	    "grep -E '\\((ETB|IND|DIND|TIND)' | sed 's/.*://' > '%s'", img,
	    out);
	if ((f = fopen(out, "r")) != NULL) {
		while (nm < 512 && fscanf(f, "%63s", tok) == 1)
			if (sscanf(tok, "%llu", &v) == 1)
				mblk[nm++] = v;
		fclose(f);
	}
	printf("# %s: %u map blocks to corrupt\n", c->name, nm);
	CU_ASSERT_FATAL(nm > 0);
	f = fopen(img, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	base = malloc(len);
	buf = malloc(len);
	CU_ASSERT_FATAL(fread(base, 1, len, f) == len);
	fclose(f);

	for (it = 0; it < iters; it++) {
		memcpy(buf, base, len);
		for (k = 0; k < 1 + rnd() % 4; k++) {
			a = mblk[rnd() % nm] * bsz + rnd() % bsz;
			buf[a] = (uint8_t)rnd();
		}
		error = vfs_mount_mem("ext2fs", buf, len, len, "/m", "rw", &mp,
		    errbuf, sizeof(errbuf));
		if (error)
			continue;
		nmounted++;
		if (vfs_pub_root(mp, &root) == 0) {
			if (vfs_pub_lookup(root, "f", &vp) == 0) {
				np = VTOE(vp);
				vn_lock(vp, RW_WRITER);
				if (ext2fs_trans_begin(np->n_ump, 64) == 0) {
					for (k = 0; k < 4; k++) {
						a = rnd() % 4000;
						nerr += ext2fs_balloc(np, a,
						    1 + rnd() % 20, &pblk, &run,
						    &isnew) != 0;
					}
					a = rnd() % 3000;
					nerr += ext2fs_bfree_range(np, a,
					    a + rnd() % 500) != 0;
					nerr += ext2fs_balloc_unwritten(np,
					    rnd() % 4000, 30) != 0;
					nerr += ext2fs_bfree_range(np,
					    rnd() % 3000, UINT64_MAX) != 0;
					(void)ext2fs_node_update(np);
					ext2fs_trans_end(np->n_ump);
				}
				vn_unlock(vp);
				vfs_pub_vrele(vp);
			}
			vfs_pub_vrele(root);
		}
		if (vfs_unmount(mp, 0) != 0)
			CU_ASSERT_EQUAL(vfs_unmount(mp, VFS_UMOUNT_FORCE), 0);
	}
	printf("# %s: %u of %u corrupt images mounted, %u clean errors\n",
	    c->name, nmounted, iters, nerr);
	free(base);
	free(buf);
}

static void test_corrupt_ext4(void) { test_corrupt(&cfgs[9], 150); }
static void test_corrupt_ext3(void) { test_corrupt(&cfgs[10], 150); }

static unsigned
seed_of(void)
{
	return getenv("EXT2FS_MAP_SEED") != NULL ?
	    (unsigned)atoi(getenv("EXT2FS_MAP_SEED")) : 20261201u;
}

static void test_random_ext4_1k(void) { test_random(&cfgs[1], seed_of()); }
static void test_random_ext4_4k(void) { test_random(&cfgs[6], seed_of()); }
static void test_random_ext3_1k(void) { test_random(&cfgs[3], seed_of()); }

/* 1 GiB mapped in 1 MiB steps: a handful of extents; then freed. */
static void
test_sequential(void)
{
	static const struct cfg big = { "ext4-big", "-t ext4 -b 4096",
	    "1300M", true };
	struct tfile tf;
	uint64_t lblk, n, step, pblk, run, nb, nruns;
	struct timespec t0, t1;
	bool isnew;

	CU_ASSERT_EQUAL_FATAL(make_image(&big), 0);
	CU_ASSERT_EQUAL_FATAL(tf_open(&big, "rw", &tf), 0);
	nb = ((uint64_t)1 << 30) / tf.ump->um_bsize;
	step = ((uint64_t)1 << 20) / tf.ump->um_bsize;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (lblk = 0; lblk < nb; lblk += step) {
		if (lblk % (64 * step) == 0)
			tf_begin(&tf);
		for (n = 0; n < step; n += run) {
			CU_ASSERT_EQUAL_FATAL(ext2fs_balloc(tf.np, lblk + n,
			    step - n, &pblk, &run, &isnew), 0);
		}
		if (lblk % (64 * step) == 63 * step)
			tf_end(&tf, lblk + step);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	nruns = count_runs(&tf, nb);
	printf("# 1 GiB sequential: %llu extents, depth %u, %.2f s\n",
	    (unsigned long long)nruns, root_depth(&tf),
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	CU_ASSERT(nruns <= 16);
	CU_ASSERT_EQUAL(tf.np->n_bytes >= nb * tf.ump->um_bsize, true);
	tf_close(&tf);
	CU_ASSERT_EQUAL(fsck_clean(&big), 0);

	CU_ASSERT_EQUAL_FATAL(tf_open(&big, "rw", &tf), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* no handle of ours: the chunks commit on their own */
	vn_lock(tf.vp, RW_WRITER);
	CU_ASSERT_EQUAL(ext2fs_bfree_range(tf.np, 0, UINT64_MAX), 0);
	CU_ASSERT_EQUAL_FATAL(ext2fs_trans_begin(tf.ump, 64), 0);
	tf_end(&tf, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# 1 GiB truncate: %.2f s\n", (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	CU_ASSERT_EQUAL(tf.np->n_bytes, 0);
	tf_close(&tf);
	CU_ASSERT_EQUAL(fsck_clean(&big), 0);
	(void)sh("rm -f '%s/ext4-big.img'", workdir);
}

int
main(void)
{
	struct vfs_config vc;
	CU_pSuite s;
	int status;

	if (getuid() != 0 || system("command -v mke2fs >/dev/null") != 0) {
		printf("1..0 # SKIP needs root and mke2fs\n");
		return 0;
	}
	snprintf(workdir, sizeof(workdir), "%s/ext2fs-map-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(workdir) == NULL)
		return 1;
	snprintf(srcdir, sizeof(srcdir), "%s/src", workdir);
	if (sh("mkdir -p '%s' && : > '%s/f'", srcdir, srcdir) != 0)
		return 1;
	memset(&vc, 0, sizeof(vc));
	if (vfs_init(&vc) != 0) {
		printf("1..0 # SKIP cannot start the kernel\n");
		return 0;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ext2fs_map", NULL, NULL);
	CU_add_test(s, "ext4 4k extents", test_ext4_4k);
	CU_add_test(s, "ext4 1k extents", test_ext4_1k);
	CU_add_test(s, "ext4 1k extents, no metadata_csum",
	    test_ext4_1k_nocsum);
	CU_add_test(s, "ext3 1k block map", test_ext3_1k);
	CU_add_test(s, "ext3 4k block map", test_ext3_4k);
	CU_add_test(s, "ext2 4k block map", test_ext2_4k);
	CU_add_test(s, "random ops, ext4 1k", test_random_ext4_1k);
	CU_add_test(s, "random ops, ext4 4k", test_random_ext4_4k);
	CU_add_test(s, "random ops, ext3 1k", test_random_ext3_1k);
	CU_add_test(s, "ENOSPC, ext4 1k", test_enospc_ext4);
	CU_add_test(s, "ENOSPC, ext2 1k", test_enospc_ext2);
	CU_add_test(s, "corrupt extent trees, clean errors",
	    test_corrupt_ext4);
	CU_add_test(s, "corrupt indirect blocks, clean errors",
	    test_corrupt_ext3);
	CU_add_test(s, "1 GiB sequential", test_sequential);
	status = cunit_tap_run();
	CU_cleanup_registry();
	vfs_shutdown();
	(void)sh("rm -rf '%s'", workdir);
	return status;
}
