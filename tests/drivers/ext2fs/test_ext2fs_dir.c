/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_ext2fs_dir.c -- the ext2fs directory write path in-process,
 * below the VOPs: ext2fs_dir_add / _remove / _set / _isempty and the
 * htree insertion (fsdrivers/ext2fs/ext2fs_dir_write.c,
 * ext2fs_htree_write.c) on images made by mke2fs, judged by e2fsck -fn,
 * debugfs and the Linux kernel's ext4 (read-only loop mount).
 *
 * Link counts stay right without the inode allocator: mke2fs -d makes
 * a directory "pool" of N empty files; the workload moves each file's
 * entry into the directory under test "big" (add there, remove from the
 * pool), looks every name up (through ext2fs_htree_lookup too when the
 * directory is indexed), moves half of them back, renames some (remove
 * + add) and swaps the inodes of some pairs (ext2fs_dir_set).  Then the
 * directory listing (readdir, debugfs, the kernel) must be exactly the
 * expected one and e2fsck -fn clean.  Images: ext4 defaults (htree,
 * metadata_csum), ext4 with 1 KiB blocks (a two-level index), ext4
 * 1 KiB without metadata_csum, ext4 with inline_data (an inline
 * directory that overflows into a block), ext2 without dir_index
 * (linear) and without filetype, ext3, ext4 with 64 KiB blocks (the
 * rec_len encoding), and 1 KiB blocks with 255-byte names until the
 * index is full and the directory falls back to linear.  Readdir
 * resumed across changes must return every unchanged entry.  Then the
 * same through the VOPs: mkdir, creates, unlinks, rename, rmdir.
 */
#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kern/kern.h"
#include "kern/kconst.h"
#include "kern/mount.h"
#include "kern/vnode.h"
#include "vfs_pub.h"
#include "cunit_tap.h"

#include "ext2fs_node.h"
#include "ext2fs_write.h"

/*
 * <stdlib.h> and <unistd.h> would bring the host's daddr_t, which the
 * kernel headers define differently: declare the few libc calls used.
 */
extern int system(const char *);
extern void *realloc(void *, size_t);
extern void *calloc(size_t, size_t);
extern void free(void *);
extern char *getenv(const char *);
extern char *mkdtemp(char *);
extern unsigned int getuid(void);

static char workdir[256];

static int
sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* ---- a directory's expected contents ---- */

struct ent {
	char		name[256];
	uint32_t	ino;
	bool		present;
	unsigned	seen;
};

struct dirmodel {
	struct ent	*e;
	size_t		n, max;
};

static struct ent *
model_add(struct dirmodel *m, const char *name, uint32_t ino)
{
	struct ent *e;

	if (m->n == m->max) {
		m->max = m->max ? 2 * m->max : 1024;
		m->e = realloc(m->e, m->max * sizeof(*m->e));
	}
	e = &m->e[m->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->ino = ino;
	e->present = true;
	return e;
}

static struct ent *
model_find(struct dirmodel *m, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->e[i].present && strlen(m->e[i].name) == len &&
		    memcmp(m->e[i].name, name, len) == 0)
			return &m->e[i];
	return NULL;
}

static size_t
model_count(const struct dirmodel *m)
{
	size_t i, c = 0;

	for (i = 0; i < m->n; i++)
		c += m->e[i].present;
	return c;
}

/* ---- images ---- */

struct cfg {
	const char	*name;
	const char	*mkfs;		/* mke2fs options */
	unsigned	npool;		/* files to move into big */
	unsigned	nbig0;		/* files big starts with */
	unsigned	namelen;	/* length of the moved names */
	bool		htree;		/* big ends indexed */
	unsigned	levels;		/* at least these index levels */
	bool		fallback;	/* fill until the index gives up */
};

static void
name_of(const struct cfg *c, const char *prefix, unsigned i, char *buf)
{
	int n;

	unsigned want = c->namelen - (i % 7);

	/* vary the length a little around namelen, some much longer */
	if (i % 13 == 5 && c->namelen < 100)
		want = 180 + i % 70;
	n = snprintf(buf, 256, "%s-%u-", prefix, i);
	while ((unsigned)n < want && n < 255) {
		buf[n] = (char)('a' + (i + (unsigned)n) % 26);
		n++;
	}
	buf[n] = '\0';
}

static bool
make_image(const struct cfg *c, char *img, size_t imglen)
{
	char src[300];

	snprintf(src, sizeof(src), "%s/src-%s", workdir, c->name);
	snprintf(img, imglen, "%s/%s.img", workdir, c->name);
	if (sh("set -e; rm -rf '%s'; mkdir -p '%s/pool' '%s/big' '%s/keep'; "
	    "cd '%s/pool'; seq -f 'p%%06g' 1 %u | xargs touch; "
	    "cd ../big; if [ %u -gt 0 ]; then seq -f "
	    "'initial-entry-with-a-long-name-%%06g' 1 %u | xargs touch; fi; "
	    "echo x > ../keep/f",
	    src, src, src, src, src, c->npool, c->nbig0, c->nbig0) != 0)
		return false;
	if (sh("mke2fs -q -F %s -d '%s' '%s' %s >/dev/null 2>&1", c->mkfs,
	    src, img, c->fallback ? "128M" : "64M") != 0)
		return false;
	/* e2fsck -D indexes every directory of more than one block */
	(void)sh("e2fsck -fyD '%s' >/dev/null 2>&1", img);
	return sh("e2fsck -fn '%s' >/dev/null 2>&1", img) == 0;
}

/* ---- in-process helpers ---- */

struct rdctx {
	struct dirmodel	*m;
	unsigned	dots, unknown, stopafter, got;
	bool		stopped;
	uint64_t	next;
};

static int
rd_fill(void *arg, const char *name, size_t len, uint64_t ino,
    enum vtype type, uint64_t next)
{
	struct rdctx *r = arg;
	struct ent *e;

	(void)type;
	if (r->stopafter != 0 && r->got == r->stopafter) {
		r->stopped = true;
		return 1;
	}
	r->got++;
	r->next = next;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.')) {
		r->dots++;
		return 0;
	}
	e = model_find(r->m, name, len);
	if (e == NULL || e->ino != ino)
		r->unknown++;
	else
		e->seen++;
	return 0;
}

static void
model_unsee(struct dirmodel *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		m->e[i].seen = 0;
}

/* Every present entry exactly once, nothing else. */
static void
check_readdir(struct ext2fs_node *np, struct dirmodel *m)
{
	struct rdctx r = { .m = m };
	uint64_t cookie = 0;
	size_t i, bad = 0;

	model_unsee(m);
	CU_ASSERT_EQUAL(ext2fs_dir_readdir(np, &cookie, rd_fill, &r), 0);
	CU_ASSERT_EQUAL(r.dots, 2);
	CU_ASSERT_EQUAL(r.unknown, 0);
	for (i = 0; i < m->n; i++)
		if (m->e[i].seen != (m->e[i].present ? 1u : 0u))
			bad++;
	CU_ASSERT_EQUAL(bad, 0);
}

/* Look up every STRIDE-th name (a linear search is slow on huge ones). */
static void
check_lookups_stride(struct ext2fs_node *np, struct dirmodel *m, bool htree,
    size_t stride)
{
	size_t i, bad = 0, badh = 0, badgone = 0;
	uint32_t ino;
	int error;

	for (i = 0; i < m->n; i += stride) {
		const char *nm = m->e[i].name;

		error = ext2fs_dir_lookup(np, nm, strlen(nm), &ino);
		if (m->e[i].present ? (error != 0 || ino != m->e[i].ino) :
		    error != ENOENT)
			bad++;
		if (!htree)
			continue;
		error = ext2fs_htree_lookup(np, nm, strlen(nm), &ino);
		if (m->e[i].present ? (error != 0 || ino != m->e[i].ino) :
		    error != ENOENT)
			badh++;
	}
	for (i = 0; i < (stride == 1 ? 50u : 2u); i++) {
		char nm[64];

		snprintf(nm, sizeof(nm), "never-there-%zu", i);
		if (ext2fs_dir_lookup(np, nm, strlen(nm), &ino) != ENOENT)
			badgone++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(badh, 0);
	CU_ASSERT_EQUAL(badgone, 0);
	if (bad || badh)
		printf("# lookups: %zu bad, %zu bad through the htree\n", bad,
		    badh);
}

static void
check_lookups(struct ext2fs_node *np, struct dirmodel *m, bool htree)
{
	check_lookups_stride(np, m, htree, 1);
}

static unsigned
htree_levels(struct ext2fs_node *np)
{
	const struct ext2_dx_root_info *info;
	struct buf *bp;
	unsigned lv = 0;
	bool dx;

	if (ext2fs_dir_getblk(np, 0, &bp, &dx, NULL) != 0 || bp == NULL)
		return 99;
	info = (const struct ext2_dx_root_info *)((uint8_t *)bp->b_data +
	    24);
	lv = info->indirect_levels;
	brelse(bp);
	return lv;
}

/* Compare a "name ino" listing file with the model. */
static void
check_listing(const char *path, struct dirmodel *m, const char *who)
{
	char line[600], name[300];
	unsigned long ino;
	size_t i, bad = 0, extra = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		CU_FAIL("no listing");
		return;
	}
	model_unsee(m);
	while (fgets(line, sizeof(line), f) != NULL) {
		struct ent *e;

		if (sscanf(line, "%lu %299s", &ino, name) != 2)
			continue;
		/* debugfs shows a block's unused first record (inode 0) */
		if (ino == 0 || strcmp(name, ".") == 0 ||
		    strcmp(name, "..") == 0)
			continue;
		e = model_find(m, name, strlen(name));
		if (e == NULL || e->ino != ino)
			extra++;
		else
			e->seen++;
	}
	fclose(f);
	for (i = 0; i < m->n; i++)
		if (m->e[i].seen != (m->e[i].present ? 1u : 0u))
			bad++;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(extra, 0);
	if (bad || extra) {
		printf("# %s: %zu missing or doubled, %zu unexpected\n", who,
		    bad, extra);
		(void)sh("cp '%s' '%s.%s.bad'", path, path, who);
	}
}

/* debugfs's and the kernel's view of /big against the model. */
static void
check_outside(const char *img, struct dirmodel *m)
{
	char lst[400], mnt[400];

	snprintf(lst, sizeof(lst), "%s/listing", workdir);
	CU_ASSERT_EQUAL(sh("e2fsck -fn '%s' > '%s/fsck.out' 2>&1", img,
	    workdir), 0);
	if (sh("e2fsck -fn '%s' >/dev/null 2>&1", img) != 0)
		(void)sh("sed 's/^/# /' '%s/fsck.out' | head -30", workdir);
	CU_ASSERT_EQUAL(sh("debugfs -R 'ls -p /big' '%s' 2>/dev/null | "
	    "awk -F/ 'NF >= 6 { print $2, $6 }' > '%s'", img, lst), 0);
	check_listing(lst, m, "debugfs");
	snprintf(mnt, sizeof(mnt), "%s/mnt", workdir);
	(void)sh("mkdir -p '%s'", mnt);
	if (sh("mount -o loop,ro '%s' '%s' 2>/dev/null", img, mnt) != 0) {
		printf("# kernel ext4 mount unavailable, skipped\n");
		return;
	}
	CU_ASSERT_EQUAL(sh("ls -fi '%s/big' | awk '{ print $1, $2 }' > '%s'",
	    mnt, lst), 0);
	(void)sh("umount '%s'", mnt);
	check_listing(lst, m, "kernel");
}

struct fsctx {
	struct mount	*mp;
	struct vnode	*root, *pool, *big;
	struct ext2fs_node *pn, *bn;
};

static bool
fs_open(const char *img, struct fsctx *fx)
{
	char errbuf[256];
	int error;

	memset(fx, 0, sizeof(*fx));
	error = vfs_mount("ext2fs", img, "/d", "rw", &fx->mp, errbuf,
	    sizeof(errbuf));
	if (error != 0) {
		printf("# mount rw: %s\n", errbuf);
		return false;
	}
	if (vfs_pub_root(fx->mp, &fx->root) != 0 ||
	    vfs_pub_lookup(fx->root, "pool", &fx->pool) != 0 ||
	    vfs_pub_lookup(fx->root, "big", &fx->big) != 0)
		return false;
	vn_lock(fx->pool, RW_WRITER);
	vn_lock(fx->big, RW_WRITER);
	fx->pn = VTOE(fx->pool);
	fx->bn = VTOE(fx->big);
	return true;
}

static void
fs_close(struct fsctx *fx)
{
	if (fx->big != NULL)
		vput(fx->big);
	if (fx->pool != NULL)
		vput(fx->pool);
	if (fx->root != NULL)
		vfs_pub_vrele(fx->root);
	if (fx->mp != NULL)
		CU_ASSERT_EQUAL(vfs_unmount(fx->mp, 0), 0);
}

/* Move NAME from directory FROM to TO as NEWNAME (one transaction). */
static int
move_entry(struct ext2fs_node *from, const char *name, struct ext2fs_node *to,
    const char *newname, uint32_t *inop)
{
	struct ext2fs_mount *ump = from->n_ump;
	int error;

	if ((error = ext2fs_dir_lookup(from, name, strlen(name), inop)) != 0)
		return error;
	if ((error = ext2fs_trans_begin(ump, 8)) != 0)
		return error;
	error = ext2fs_dir_add(to, newname, strlen(newname), *inop, S_IFREG);
	if (error == 0)
		error = ext2fs_dir_remove(from, name, strlen(name));
	ext2fs_trans_end(ump);
	return error;
}

/*
 * Readdir of BN stopping every few entries while entries are renamed
 * (removed and added under a new name): every entry present throughout
 * must come back, and readdir must end.
 */
static void
readdir_during_changes(const struct cfg *c, struct fsctx *fx,
    struct dirmodel *m)
{
	struct rdctx r = { .m = m };
	size_t i, missing = 0, dup = 0, calls = 0, firstnew = m->n;
	unsigned k = 0, nchanges = c->npool / 20 + 4, nfail = 0, j;
	size_t back = 1, nback = 0;
	uint64_t cookie = 0;
	char nm[256], pnm[64];
	uint32_t ino;

	model_unsee(m);
	for (;;) {
		r.got = 0;
		r.stopafter = 7;
		r.stopped = false;
		CU_ASSERT_EQUAL_FATAL(ext2fs_dir_readdir(fx->bn, &cookie,
		    rd_fill, &r), 0);
		calls++;
		if (!r.stopped || calls > 1000000)
			break;
		if (k >= nchanges)
			continue;
		for (i = ((size_t)k * 7919) % firstnew; i < firstnew; i++)
			if (m->e[i].present)
				break;
		if (i < firstnew) {
			snprintf(nm, sizeof(nm), "renamed-during-readdir-%u",
			    k);
			if (move_entry(fx->bn, m->e[i].name, fx->bn, nm,
			    &ino) == 0) {
				m->e[i].present = false;
				model_add(m, nm, ino);
			} else
				nfail++;
		}
		/* and new entries (files the pool got back), for splits */
		for (j = 0; j < 3 && back < firstnew; back += 2) {
			if (strncmp(m->e[back].name, "n-", 2) != 0 ||
			    m->e[back].present)
				continue;
			snprintf(pnm, sizeof(pnm), "ret%06zu", back);
			name_of(c, "readded", (unsigned)back, nm);
			if (move_entry(fx->pn, pnm, fx->bn, nm, &ino) == 0) {
				model_add(m, nm, ino);
				nback++;
			} else
				nfail++;
			j++;
		}
		k++;
	}
	CU_ASSERT(calls <= 1000000);
	CU_ASSERT_EQUAL(nfail, 0);
	for (i = 0; i < m->n; i++) {
		if (m->e[i].seen > 1)
			dup++;
		if (i < firstnew && m->e[i].present && m->e[i].seen == 0)
			missing++;
	}
	CU_ASSERT_EQUAL(missing, 0);
	CU_ASSERT_EQUAL(r.unknown, 0);
	printf("# readdir across %u renames and %zu adds: %zu calls, "
	    "%zu missing, %zu seen twice\n", k, nback, calls, missing, dup);
}

/*
 * Through the VOPs: mkdir (ext2fs_dir_init: inline or a block), N
 * creates (inline overflow, indexing, splits), rmdir of a non-empty
 * directory, unlinks, a directory moved to another parent (its ".."
 * repointed by ext2fs_dir_set).  e2fsck judges the result.
 */
static void
vops_cycle(struct fsctx *fx, unsigned n)
{
	struct vnode *dvp, *vp = NULL, *sub;
	unsigned i, nfail = 0;
	char nm[64];

	CU_ASSERT_EQUAL_FATAL(vfs_pub_mkdir(fx->root, "made", 0755, &dvp), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_pub_mkdir(dvp, "sub", 0755, &sub), 0);
	for (i = 0; i < n; i++) {
		snprintf(nm, sizeof(nm), "created-file-%05u", i);
		if (vfs_pub_create(dvp, nm, S_IFREG | 0644, &vp) != 0) {
			nfail++;
			continue;
		}
		vfs_pub_vrele(vp);
	}
	CU_ASSERT_EQUAL(nfail, 0);
	CU_ASSERT_EQUAL(vfs_pub_rmdir(fx->root, "made"), ENOTEMPTY);
	for (i = 0; i < n; i += 2) {
		snprintf(nm, sizeof(nm), "created-file-%05u", i);
		if (vfs_pub_unlink(dvp, nm) != 0)
			nfail++;
	}
	CU_ASSERT_EQUAL(nfail, 0);
	CU_ASSERT_EQUAL(vfs_pub_rename(dvp, "sub", fx->root, "moved-sub", 0),
	    0);
	CU_ASSERT_EQUAL(vfs_pub_mkdir(dvp, "empty", 0755, &vp), 0);
	if (vp != NULL)
		vfs_pub_vrele(vp);
	CU_ASSERT_EQUAL(vfs_pub_rmdir(dvp, "empty"), 0);
	vfs_pub_vrele(sub);
	vfs_pub_vrele(dvp);
}

/* EXT2FS_DIR_ONLY=NAME runs only that configuration. */
static bool
skip_cfg(const struct cfg *c)
{
	const char *only = getenv("EXT2FS_DIR_ONLY");

	return only != NULL && strcmp(only, c->name) != 0;
}

static void
run_cfg(const struct cfg *c)
{
	char img[400], nm[256], nm2[256], pnm[256];
	struct dirmodel m = { 0 };
	struct fsctx fx;
	uint32_t *inos, ino;
	unsigned i, nfail = 0, added;
	uint64_t t0;
	bool empty;

	if (skip_cfg(c))
		return;
	if (!make_image(c, img, sizeof(img))) {
		CU_FAIL("mke2fs");
		return;
	}
	if (!fs_open(img, &fx)) {
		CU_FAIL("rw mount and lookups");
		fs_close(&fx);
		return;
	}
	inos = calloc(c->npool + 1, sizeof(*inos));
	for (i = 1; i <= c->nbig0; i++) {
		snprintf(nm, sizeof(nm), "initial-entry-with-a-long-name-%06u",
		    i);
		if (ext2fs_dir_lookup(fx.bn, nm, strlen(nm), &ino) == 0)
			model_add(&m, nm, ino);
		else
			nfail++;
	}
	CU_ASSERT_EQUAL(nfail, 0);
	CU_ASSERT_EQUAL(ext2fs_dir_isempty(fx.bn, &empty), 0);
	CU_ASSERT_EQUAL(empty, c->nbig0 == 0);

	/* Move every pool file into big. */
	t0 = getmonotime_ns();
	for (i = 1, added = 0; i <= c->npool; i++) {
		snprintf(pnm, sizeof(pnm), "p%06u", i);
		name_of(c, "n", i, nm);
		if (move_entry(fx.pn, pnm, fx.bn, nm, &inos[i]) != 0) {
			nfail++;
			continue;
		}
		model_add(&m, nm, inos[i]);
		added++;
	}
	CU_ASSERT_EQUAL(nfail, 0);
	printf("# %s: %u names added in %.1f s, size %llu, %s%u levels\n",
	    c->name, added, (getmonotime_ns() - t0) / 1e9,
	    (unsigned long long)fx.bn->n_size,
	    (fx.bn->n_flags & EXT2_INDEX_FL) ? "indexed, " : "linear, ",
	    (fx.bn->n_flags & EXT2_INDEX_FL) ? htree_levels(fx.bn) : 0);
	CU_ASSERT_EQUAL(!!(fx.bn->n_flags & EXT2_INDEX_FL), c->htree);
	if (c->htree)
		CU_ASSERT(htree_levels(fx.bn) >= c->levels);
	check_lookups(fx.bn, &m, c->htree);
	CU_ASSERT_EQUAL(ext2fs_dir_isempty(fx.bn, &empty), 0);
	CU_ASSERT(!empty);

	/* Half go back to the pool; a quarter are renamed; pairs swap. */
	for (i = 0; i < m.n; i++) {
		struct ent *e = &m.e[i];

		if (strncmp(e->name, "n-", 2) != 0)
			continue;
		if (i % 2 == 1) {
			snprintf(pnm, sizeof(pnm), "ret%06u", i);
			if (move_entry(fx.bn, e->name, fx.pn, pnm, &ino) != 0)
				nfail++;
			e->present = false;
		} else if (i % 4 == 0) {
			name_of(c, "renamed", i, nm2);
			if (move_entry(fx.bn, e->name, fx.bn, nm2, &ino) != 0)
				nfail++;
			e->present = false;
			model_add(&m, nm2, ino);
		}
	}
	CU_ASSERT_EQUAL(nfail, 0);
	for (i = 0; i + 8 < m.n; i += 8) {
		struct ent *a = &m.e[i + 2], *b = &m.e[i + 6];

		if (!a->present || !b->present)
			continue;
		if (ext2fs_dir_set(fx.bn, a->name, strlen(a->name), b->ino,
		    S_IFREG) != 0 || ext2fs_dir_set(fx.bn, b->name,
		    strlen(b->name), a->ino, S_IFREG) != 0)
			nfail++;
		ino = a->ino;
		a->ino = b->ino;
		b->ino = ino;
	}
	CU_ASSERT_EQUAL(nfail, 0);
	CU_ASSERT_EQUAL(ext2fs_dir_set(fx.bn, "absent", 6, 11, S_IFREG),
	    ENOENT);
	CU_ASSERT_EQUAL(ext2fs_dir_remove(fx.bn, "absent", 6), ENOENT);
	CU_ASSERT_EQUAL(ext2fs_dir_add(fx.bn, "a/b", 3, 11, S_IFREG), EINVAL);
	CU_ASSERT_EQUAL(ext2fs_dir_add(fx.bn, "..", 2, 11, S_IFREG), EINVAL);
	check_lookups(fx.bn, &m, c->htree);
	check_readdir(fx.bn, &m);
	readdir_during_changes(c, &fx, &m);
	check_lookups(fx.bn, &m, c->htree);
	check_readdir(fx.bn, &m);
	printf("# %s: %zu names at the end\n", c->name, model_count(&m));
	vops_cycle(&fx, c->npool / 4);
	fs_close(&fx);
	check_outside(img, &m);
	free(inos);
	free(m.e);
}

/*
 * 255-byte names (three to a 1 KiB leaf) until the two-level index is
 * full and the directory goes linear; all names are hard links of one
 * file, whose link count is set at the end.
 */
static void
run_fallback(const struct cfg *c)
{
	char img[400], nm[256];
	struct dirmodel m = { 0 };
	struct vnode *fvp = NULL;
	struct ext2fs_node *fn;
	struct fsctx fx;
	unsigned i, nfail = 0, after = 0, links = 1;
	uint64_t t0;
	uint32_t ino;

	if (skip_cfg(c))
		return;
	if (!make_image(c, img, sizeof(img))) {
		CU_FAIL("mke2fs");
		return;
	}
	if (!fs_open(img, &fx)) {
		CU_FAIL("rw mount and lookups");
		fs_close(&fx);
		return;
	}
	vn_unlock(fx.pool);
	CU_ASSERT_EQUAL_FATAL(vfs_pub_lookup(fx.pool, "p000001", &fvp), 0);
	vn_lock(fx.pool, RW_WRITER);
	vn_lock(fvp, RW_WRITER);
	fn = VTOE(fvp);
	for (i = 1; i <= c->nbig0; i++) {
		snprintf(nm, sizeof(nm), "initial-entry-with-a-long-name-%06u",
		    i);
		if (ext2fs_dir_lookup(fx.bn, nm, strlen(nm), &ino) == 0)
			model_add(&m, nm, ino);
	}
	t0 = getmonotime_ns();
	for (i = 1; i < 60000 && after < 64; i++) {
		name_of(c, "n", i, nm);
		if (ext2fs_dir_add(fx.bn, nm, strlen(nm), fn->n_ino,
		    S_IFREG) != 0) {
			nfail++;
			break;
		}
		model_add(&m, nm, (uint32_t)fn->n_ino);
		links++;
		if (!(fx.bn->n_flags & EXT2_INDEX_FL))
			after++;
	}
	CU_ASSERT_EQUAL(nfail, 0);
	CU_ASSERT(!(fx.bn->n_flags & EXT2_INDEX_FL));
	printf("# %s: index gave up after %u names (%.1f s), size %llu\n",
	    c->name, i - after, (getmonotime_ns() - t0) / 1e9,
	    (unsigned long long)fx.bn->n_size);
	check_lookups_stride(fx.bn, &m, false, 997);
	check_readdir(fx.bn, &m);
	for (i = 0; i < m.n; i += 97) {
		if (strncmp(m.e[i].name, "n-", 2) != 0)
			continue;
		if (ext2fs_dir_remove(fx.bn, m.e[i].name,
		    strlen(m.e[i].name)) != 0)
			nfail++;
		m.e[i].present = false;
		links--;
	}
	CU_ASSERT_EQUAL(nfail, 0);
	check_lookups_stride(fx.bn, &m, false, 997);
	check_readdir(fx.bn, &m);
	CU_ASSERT_EQUAL(ext2fs_trans_begin(fn->n_ump, 2), 0);
	fn->n_nlink = links;
	CU_ASSERT_EQUAL(ext2fs_node_update(fn), 0);
	ext2fs_trans_end(fn->n_ump);
	vput(fvp);
	fs_close(&fx);
	check_outside(img, &m);
	free(m.e);
}

static const struct cfg cfgs[] = {
	{ "ext4", "-t ext4 -b 4096 -N 20000", 3000, 120, 24, true, 0,
	    false },
	{ "ext4-1k", "-t ext4 -b 1024 -N 20000", 5000, 60, 28, true, 1,
	    false },
	{ "ext4-1k-nocsum", "-t ext4 -b 1024 -N 20000 -O ^metadata_csum",
	    4000, 0, 24, true, 1, false },
	{ "ext4-inline", "-t ext4 -b 4096 -N 8000 -O inline_data", 2000, 0,
	    16, true, 0, false },
	{ "ext2-linear", "-t ext2 -b 4096 -N 8000 -O ^dir_index", 3000, 20,
	    24, false, 0, false },
	{ "ext2-nofiletype", "-t ext2 -b 1024 -N 4000 -O ^dir_index,^filetype",
	    1500, 0, 12, false, 0, false },
	{ "ext3", "-t ext3 -b 1024 -N 8000", 3000, 0, 20, true, 1, false },
	{ "ext4-64k", "-t ext4 -b 65536 -N 8000", 2500, 0, 28, true, 0,
	    false },
	{ "ext4-1k-full", "-t ext4 -b 1024 -N 2048", 1, 60, 255, true, 1,
	    true },
};

static void test_ext4(void) { run_cfg(&cfgs[0]); }
static void test_ext4_1k(void) { run_cfg(&cfgs[1]); }
static void test_ext4_nocsum(void) { run_cfg(&cfgs[2]); }
static void test_ext4_inline(void) { run_cfg(&cfgs[3]); }
static void test_ext2_linear(void) { run_cfg(&cfgs[4]); }
static void test_ext2_nofiletype(void) { run_cfg(&cfgs[5]); }
static void test_ext3(void) { run_cfg(&cfgs[6]); }
static void test_ext4_64k(void) { run_cfg(&cfgs[7]); }
static void test_fallback(void) { run_fallback(&cfgs[8]); }

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
	snprintf(workdir, sizeof(workdir), "%s/ext2fs-dir-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	memset(&vc, 0, sizeof(vc));
	if (mkdtemp(workdir) == NULL || vfs_init(&vc) != 0) {
		printf("1..0 # SKIP cannot start the kernel\n");
		return 0;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ext2fs_dir", NULL, NULL);
	CU_add_test(s, "ext4 4k: htree insert, split, remove, set", test_ext4);
	CU_add_test(s, "ext4 1k: two-level htree", test_ext4_1k);
	CU_add_test(s, "ext4 1k without metadata_csum", test_ext4_nocsum);
	CU_add_test(s, "ext4 inline_data: inline, then a block",
	    test_ext4_inline);
	CU_add_test(s, "ext2 without dir_index: linear", test_ext2_linear);
	CU_add_test(s, "ext2 without filetype", test_ext2_nofiletype);
	CU_add_test(s, "ext3 1k: htree on a block-mapped directory",
	    test_ext3);
	CU_add_test(s, "ext4 64k blocks: rec_len encoding", test_ext4_64k);
	if (getenv("EXT2FS_DIR_QUICK") == NULL)
		CU_add_test(s, "ext4 1k: index full, falls back to linear",
		    test_fallback);
	status = cunit_tap_run();
	CU_cleanup_registry();
	vfs_shutdown();
	if (getenv("EXT2FS_DIR_KEEP") == NULL)
		(void)sh("rm -rf '%s'", workdir);
	else
		printf("# kept %s\n", workdir);
	return status;
}
