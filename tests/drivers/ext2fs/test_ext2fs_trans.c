/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_ext2fs_trans.c -- unit tests of the ext2fs journal writer
 * (ext2fs_trans.c), read-write mounting (ext2fs_vfsops.c) and replay in
 * place (ext2fs_journal.c).
 *
 * Images are made by mke2fs (ext4 4 KiB and 1 KiB blocks, ext3, ext2,
 * with journal checksums v2 or v3 switched on by debugfs), and judged by
 * `e2fsck -fn`, dumpe2fs and reads of the image.  The cases:
 *  - read-write mount and unmount of each: clean, needs_recovery clear,
 *    the mount counted;
 *  - features the driver cannot write: refused with explicit rw, mounted
 *    read-only otherwise;
 *  - a transaction (a new volume label in the superblock, a group
 *    descriptor rewritten, 600 free blocks filled with known patterns,
 *    one starting with the jbd2 magic so it must be escaped) committed
 *    and checkpointed: everything in place;
 *  - the same transaction in a child process killed (_exit through the
 *    test hook) after the commit block is durable but before the
 *    checkpoint: nothing in place yet, and the journal replayed by our
 *    own read-write mount, by e2fsck and by the Linux kernel (loop
 *    mount) each gives the whole transaction;
 *  - killed before the commit block: every replay gives none of it;
 *    (one journal is switched to version 1 commit checksums, crc32 of
 *    the log, by setting JBD2_FEATURE_COMPAT_CHECKSUM in place);
 *  - a failed journal write (fault injection): the mount turns
 *    read-only (EROFS), and the image stays consistent.
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
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "kern/mount.h"
#include "rumpuser.h"
#include "vfs_pub.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

#include "cunit_tap.h"

/* ext2fs_trans.c's test hook and its stages. */
extern void (*ext2fs_trans_test_hook)(struct ext2fs_mount *, int);
#define STAGE_LOGGED	1
#define STAGE_COMMITTED	2

#define NPAT		600
#define LABEL		"trans-test"

static char workdir[256];
static char self[4096];
static bool kernel_ok;

struct image {
	const char	*name;
	const char	*mkfs;
	const char	*debugfs;	/* commands run after mke2fs, "" or
					   "v1": COMPAT_CHECKSUM set */
	char		path[320];
	bool		ok;
};

static struct image images[] = {
	{ "ext4-4k", "-t ext4 -b 4096", "", "", false },
	{ "ext4-4k-v3", "-t ext4 -b 4096", "jo -c\\njc", "", false },
	{ "ext4-1k-v2", "-t ext4 -b 1024", "jo -c -v 2\\njc", "", false },
	{ "ext4-nocsum", "-t ext4 -b 2048 -O ^metadata_csum,^64bit", "", "",
	    false },
	{ "ext4-v1", "-t ext4 -b 4096", "v1", "", false },
	{ "ext3-4k", "-t ext3 -b 4096", "", "", false },
	{ "ext2-1k", "-t ext2 -b 1024", "", "", false },
};
#define NIMAGES		(sizeof(images) / sizeof(images[0]))
#define NJOURNALED	6	/* the first ones */

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

static int
fsck(const char *img)
{
	int st;

	st = sh("e2fsck -fn '%s' > '%s/fsck.out' 2>&1", img, workdir);
	if (st != 0)
		(void)sh("sed 's/^/# /' '%s/fsck.out' | head -40", workdir);
	return st;
}

/* ---- reading the image from the host ---- */

static int
img_read(const char *img, void *buf, size_t len, off_t off)
{
	FILE *f = fopen(img, "rb");
	size_t n = 0;

	if (f == NULL)
		return -1;
	if (fseeko(f, off, SEEK_SET) == 0)
		n = fread(buf, 1, len, f);
	fclose(f);
	return n == len ? 0 : -1;
}

static int
img_sb(const char *img, struct ext2_super *sb)
{
	return img_read(img, sb, sizeof(*sb), EXT2_SBOFF);
}

static uint32_t
img_bsize(const char *img)
{
	struct ext2_super sb;

	if (img_sb(img, &sb) != 0)
		return 0;
	return 1024U << e2_le32(sb.s_log_block_size);
}

/* The journal superblock's s_start (debugfs finds its block). */
static int
img_jstart(const char *img, uint32_t *startp)
{
	char cmd[600];
	struct jbd2_super js;
	unsigned long long blk;
	FILE *f;
	int n;

	snprintf(cmd, sizeof(cmd), "debugfs -R 'bmap <8> 0' '%s' 2>/dev/null",
	    img);
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	n = fscanf(f, "%llu", &blk);
	pclose(f);
	if (n != 1 || img_read(img, &js, sizeof(js),
	    (off_t)(blk * img_bsize(img))) != 0)
		return -1;
	*startp = e2_be32(js.s_start);
	return 0;
}

/* Switch IMG's journal to version 1 checksums (COMPAT_CHECKSUM). */
static int
img_jv1(const char *img)
{
	char cmd[600];
	unsigned long long blk;
	e2be32_t v = e2_mkbe32(JBD2_FEATURE_COMPAT_CHECKSUM);
	FILE *f;
	int n, ok;

	snprintf(cmd, sizeof(cmd), "debugfs -R 'bmap <8> 0' '%s' 2>/dev/null",
	    img);
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	n = fscanf(f, "%llu", &blk);
	pclose(f);
	if (n != 1 || (f = fopen(img, "r+b")) == NULL)
		return -1;
	ok = fseeko(f, (off_t)(blk * img_bsize(img)) +
	    (off_t)offsetof(struct jbd2_super, s_feature_compat),
	    SEEK_SET) == 0 && fwrite(&v, 4, 1, f) == 1;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* ---- the transaction under test ---- */

/* Pattern block I: its index everywhere, the jbd2 magic first for 0. */
static void
pattern(uint8_t *b, size_t bsize, unsigned i)
{
	e2be32_t magic = e2_mkbe32(JBD2_MAGIC);
	size_t k;

	for (k = 0; k < bsize; k++)
		b[k] = (uint8_t)(i * 7 + k / 64 + 1);
	if (i == 0)
		memcpy(b, &magic, 4);
}

/* NPAT free blocks of IMG (debugfs ffb), written to IMG.blocks. */
static int
pick_blocks(const char *img)
{
	return sh("debugfs -R 'ffb %d 100' '%s' 2>/dev/null | "
	    "sed 's/^Free blocks found: //' | tr ' ' '\\n' | "
	    "grep -E '^[0-9]+$' > '%s.blocks'; "
	    "test $(wc -l < '%s.blocks') -eq %d", NPAT, img, img, img, NPAT);
}

static int
read_blocks(const char *img, uint64_t *blks)
{
	char path[400];
	unsigned long long b;
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s.blocks", img);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (n < NPAT && fscanf(f, "%llu", &b) == 1)
		blks[n++] = b;
	fclose(f);
	return n == NPAT ? 0 : -1;
}

/* Are all pattern blocks in place (WANT) or none of them (!WANT)? */
static bool
patterns_are(const char *img, bool want)
{
	uint64_t blks[NPAT];
	uint32_t bsize = img_bsize(img);
	uint8_t *got, *exp;
	unsigned i, same = 0;

	if (bsize == 0 || read_blocks(img, blks) != 0)
		return false;
	got = malloc(bsize);
	exp = malloc(bsize);
	for (i = 0; i < NPAT; i++) {
		pattern(exp, bsize, i);
		if (img_read(img, got, bsize, (off_t)(blks[i] * bsize)) == 0 &&
		    memcmp(got, exp, bsize) == 0)
			same++;
	}
	free(got);
	free(exp);
	if (same != (want ? NPAT : 0))
		printf("# %s: %u of %u pattern blocks in place\n", img, same,
		    NPAT);
	return same == (want ? NPAT : 0);
}

static bool
label_is(const char *img, const char *label)
{
	struct ext2_super sb;

	return img_sb(img, &sb) == 0 &&
	    strncmp(sb.s_volume_name, label, sizeof(sb.s_volume_name)) == 0;
}

static bool
needs_recovery(const char *img)
{
	struct ext2_super sb;

	return img_sb(img, &sb) == 0 &&
	    (e2_le32(sb.s_feature_incompat) & EXT2F_INCOMPAT_RECOVER) != 0;
}

/* In the running kernel: the label, a descriptor, the pattern blocks. */
static int
do_changes(struct ext2fs_mount *ump, const uint64_t *blks)
{
	struct buf *bp;
	unsigned i;
	int error;

	if ((error = ext2fs_trans_begin(ump, NPAT + 2)) != 0)
		return error;
	mutex_enter(&ump->um_lock);
	memset(ump->um_sb.s_volume_name, 0, sizeof(ump->um_sb.s_volume_name));
	memcpy(ump->um_sb.s_volume_name, LABEL, strlen(LABEL));
	mutex_exit(&ump->um_lock);
	if ((error = ext2fs_sb_dirty(ump)) != 0)
		goto out;
	if ((error = ext2fs_gd_dirty(ump, 0)) != 0)
		goto out;
	for (i = 0; i < NPAT; i++) {
		if ((error = getblk(ump->um_dev, EXT2_FSBTODB(ump, blks[i]),
		    ump->um_bsize, &bp)) != 0)
			goto out;
		pattern(bp->b_data, ump->um_bsize, i);
		ext2fs_trans_dirty(ump, bp);
	}
out:
	ext2fs_trans_end(ump);
	return error;
}

static int crash_stage;

static void
crash_hook(struct ext2fs_mount *ump, int stage)
{
	(void)ump;
	if (stage == crash_stage)
		_exit(0);
}

/*
 * The child: mount IMG, make the changes, commit.  MODE "commit" (clean
 * unmount: exit 0), "logged"/"committed" (_exit 0 at that stage), or
 * "fault" (the first journal write fails: exit 0 when the mount then
 * refuses changes with EROFS).
 */
static int
child(const char *img, const char *mode)
{
	struct vfs_config vc;
	uint64_t blks[NPAT];
	char errbuf[256];
	struct mount *mp;
	struct ext2fs_mount *ump;
	int error;

	if (read_blocks(img, blks) != 0)
		return 10;
	memset(&vc, 0, sizeof(vc));
	if (vfs_init(&vc) != 0)
		return 11;
	if (vfs_mount("ext2fs", img, "/c", "rw", &mp, errbuf,
	    sizeof(errbuf)) != 0) {
		printf("# child mount: %s\n", errbuf);
		return 12;
	}
	ump = VFSTOEXT2(mp);
	if ((error = do_changes(ump, blks)) != 0)
		return 13;
	if (strcmp(mode, "logged") == 0)
		crash_stage = STAGE_LOGGED;
	else if (strcmp(mode, "committed") == 0)
		crash_stage = STAGE_COMMITTED;
	ext2fs_trans_test_hook = crash_hook;
	if (strcmp(mode, "fault") == 0) {
		/* bsync of nothing dirty does no I/O: the log write is 1st */
		if ((error = bsync(ump->um_dev)) != 0)
			return 14;
		setenv("RUMP_FAULT_IO", "1", 1);
		hyp_fault_reload();
		error = ext2fs_trans_commit(ump);
		unsetenv("RUMP_FAULT_IO");
		hyp_fault_reload();
		if (error != EIO)
			return 15;
		if (ext2fs_trans_begin(ump, 1) != EROFS)
			return 16;
		(void)vfs_unmount(mp, 0);
		vfs_shutdown();
		return 0;
	}
	error = ext2fs_trans_commit(ump);
	if (crash_stage != 0)
		return 17;	/* the hook did not fire */
	if (error != 0)
		return 18;
	if ((error = vfs_unmount(mp, 0)) != 0)
		return 19;
	vfs_shutdown();
	return 0;
}

static int
run_child(const char *img, const char *mode)
{
	return sh("'%s' --child '%s' %s", self, img, mode);
}

/* ---- setup ---- */

static int
setup(void)
{
	struct vfs_config vc;
	size_t i;

	snprintf(workdir, sizeof(workdir), "%s/ext2fs-trans-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(workdir) == NULL)
		return -1;
	for (i = 0; i < NIMAGES; i++) {
		snprintf(images[i].path, sizeof(images[i].path), "%s/%s.img",
		    workdir, images[i].name);
		images[i].ok = sh("mke2fs -q -F %s '%s' 64M >/dev/null 2>&1",
		    images[i].mkfs, images[i].path) == 0 &&
		    (images[i].debugfs[0] == '\0' ||
		    (strcmp(images[i].debugfs, "v1") == 0 ?
		    img_jv1(images[i].path) == 0 :
		    sh("printf '%s\\n' | debugfs -w -f - '%s' >/dev/null 2>&1",
		    images[i].debugfs, images[i].path) == 0)) &&
		    pick_blocks(images[i].path) == 0 &&
		    fsck(images[i].path) == 0;
		if (!images[i].ok)
			printf("# cannot make image %s\n", images[i].name);
	}
	kernel_ok = sh("mkdir -p '%s/mnt' && cp '%s' '%s/probe.img' && "
	    "mount -o loop '%s/probe.img' '%s/mnt' 2>/dev/null && "
	    "umount '%s/mnt'", workdir, images[0].path, workdir, workdir,
	    workdir, workdir) == 0;
	if (!kernel_ok)
		printf("# no loop mounts: the kernel's replay is not tested\n");
	memset(&vc, 0, sizeof(vc));
	return vfs_init(&vc) == 0 ? 0 : -1;
}

static void
teardown(void)
{
	vfs_shutdown();
	(void)sh("umount '%s/mnt' 2>/dev/null; rm -rf '%s'", workdir,
	    workdir);
}

static int
copy(const struct image *im, const char *suffix, char *out, size_t len)
{
	snprintf(out, len, "%s/%s-%s.img", workdir, im->name, suffix);
	return sh("cp '%s' '%s' && cp '%s.blocks' '%s.blocks'", im->path, out,
	    im->path, out);
}

/* ---- cases ---- */

static void
test_mount_rw(void)
{
	struct ext2_super sb;
	char errbuf[256], img[400];
	struct mount *mp;
	size_t i;

	for (i = 0; i < NIMAGES; i++) {
		if (!images[i].ok)
			continue;
		CU_ASSERT_EQUAL_FATAL(copy(&images[i], "rw", img,
		    sizeof(img)), 0);
		CU_ASSERT_EQUAL_FATAL(vfs_mount("ext2fs", img, "/a", "rw",
		    &mp, errbuf, sizeof(errbuf)), 0);
		CU_ASSERT(!vfs_mount_rdonly(mp));
		if (i < NJOURNALED)
			CU_ASSERT(needs_recovery(img));
		CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
		CU_ASSERT_EQUAL(fsck(img), 0);
		CU_ASSERT(!needs_recovery(img));
		CU_ASSERT_EQUAL(img_sb(img, &sb), 0);
		CU_ASSERT_EQUAL(e2_le16(sb.s_mnt_count), 1);
		CU_ASSERT(e2_le16(sb.s_state) & EXT2_VALID_FS);
	}
}

static void
test_refuse(void)
{
	char errbuf[256], img[400];
	struct mount *mp;

	snprintf(img, sizeof(img), "%s/quota.img", workdir);
	if (sh("mke2fs -q -F -t ext4 -O quota '%s' 16M >/dev/null 2>&1",
	    img) != 0) {
		printf("# no quota image\n");
		return;
	}
	CU_ASSERT_EQUAL(vfs_mount("ext2fs", img, "/a", "rw", &mp, errbuf,
	    sizeof(errbuf)), EROFS);
	CU_ASSERT(strstr(errbuf, "quota") != NULL);
	CU_ASSERT_EQUAL_FATAL(vfs_mount("ext2fs", img, "/a", "", &mp, errbuf,
	    sizeof(errbuf)), 0);
	CU_ASSERT(vfs_mount_rdonly(mp));
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	CU_ASSERT_EQUAL(fsck(img), 0);
}

static void
test_commit(void)
{
	char img[400];
	uint32_t start;
	size_t i;

	for (i = 0; i < NIMAGES; i++) {
		if (!images[i].ok)
			continue;
		printf("# %s\n", images[i].name);
		CU_ASSERT_EQUAL_FATAL(copy(&images[i], "commit", img,
		    sizeof(img)), 0);
		CU_ASSERT_EQUAL(run_child(img, "commit"), 0);
		CU_ASSERT_EQUAL(fsck(img), 0);
		CU_ASSERT(label_is(img, LABEL));
		CU_ASSERT(patterns_are(img, true));
		CU_ASSERT(!needs_recovery(img));
		if (i < NJOURNALED) {
			CU_ASSERT(img_jstart(img, &start) == 0 && start == 0);
		}
	}
}

/* Replay a copy of crashed image IMG by METHOD; judge it. */
static void
replay_and_check(const struct image *im, const char *crashed,
    const char *method, bool committed)
{
	char img[400], errbuf[256];
	struct mount *mp;
	uint32_t start;
	int error;

	snprintf(img, sizeof(img), "%s/%s-%s.img", workdir, im->name,
	    method);
	CU_ASSERT_EQUAL_FATAL(sh("cp '%s' '%s' && cp '%s.blocks' '%s.blocks'",
	    crashed, img, crashed, img), 0);
	if (strcmp(method, "ours") == 0) {
		error = vfs_mount("ext2fs", img, "/a", "rw", &mp, errbuf,
		    sizeof(errbuf));
		CU_ASSERT_EQUAL(error, 0);
		if (error == 0)
			CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	} else if (strcmp(method, "e2fsck") == 0)
		(void)sh("e2fsck -fy '%s' >/dev/null 2>&1", img);
	else {
		CU_ASSERT_EQUAL(sh("mount -o loop '%s' '%s/mnt' && "
		    "umount '%s/mnt'", img, workdir, workdir), 0);
	}
	CU_ASSERT_EQUAL(fsck(img), 0);
	CU_ASSERT(!needs_recovery(img));
	CU_ASSERT(img_jstart(img, &start) == 0 && start == 0);
	CU_ASSERT(label_is(img, committed ? LABEL : ""));
	CU_ASSERT(patterns_are(img, committed));
}

static void
crash_case(const char *mode, bool committed)
{
	char img[400];
	uint32_t start;
	size_t i;

	for (i = 0; i < NJOURNALED; i++) {
		if (!images[i].ok)
			continue;
		printf("# %s: %s\n", images[i].name, mode);
		CU_ASSERT_EQUAL_FATAL(copy(&images[i], mode, img,
		    sizeof(img)), 0);
		CU_ASSERT_EQUAL(run_child(img, mode), 0);
		/* Nothing in place yet; the journal holds it (or not). */
		CU_ASSERT(needs_recovery(img));
		CU_ASSERT(label_is(img, ""));
		CU_ASSERT(patterns_are(img, false));
		CU_ASSERT(img_jstart(img, &start) == 0 && start != 0);
		replay_and_check(&images[i], img, "ours", committed);
		replay_and_check(&images[i], img, "e2fsck", committed);
		if (kernel_ok)
			replay_and_check(&images[i], img, "kernel", committed);
	}
}

static void
test_crash_committed(void)
{
	crash_case("committed", true);
}

static void
test_crash_logged(void)
{
	crash_case("logged", false);
}

static void
test_fault(void)
{
	char img[400];

	if (!images[0].ok)
		return;
	CU_ASSERT_EQUAL_FATAL(copy(&images[0], "fault", img, sizeof(img)), 0);
	CU_ASSERT_EQUAL(run_child(img, "fault"), 0);
	replay_and_check(&images[0], img, "ours", false);
	if (kernel_ok)
		replay_and_check(&images[0], img, "kernel", false);
}

/* crc32c one bit at a time: the definition, to check the fast paths. */
static uint32_t
crc32c_bitwise(uint32_t crc, const uint8_t *p, size_t len)
{
	int k;

	while (len-- > 0) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78U & (0U - (crc & 1)));
	}
	return crc;
}

/*
 * ext2fs_crc32c (SSE 4.2 where the CPU has it, tables otherwise) equals
 * the bitwise definition for every length up to 300 at every alignment,
 * and gives the standard check value of "123456789".
 */
static void
test_crc32c(void)
{
	uint8_t buf[320];
	size_t len, off;
	unsigned bad = 0;

	CU_ASSERT_EQUAL(~ext2fs_crc32c(~0U, "123456789", 9), 0xe3069283U);
	for (len = 0; len < sizeof(buf); len++)
		buf[len] = (uint8_t)(len * 131 + 7);
	for (off = 0; off < 8; off++)
		for (len = 0; len + off <= 300; len++)
			if (ext2fs_crc32c(0x12345678U, buf + off, len) !=
			    crc32c_bitwise(0x12345678U, buf + off, len))
				bad++;
	CU_ASSERT_EQUAL(bad, 0);
}

int
main(int argc, char **argv)
{
	CU_pSuite s;
	ssize_t n;
	int status;

	if (argc == 4 && strcmp(argv[1], "--child") == 0)
		return child(argv[2], argv[3]);
	if (getuid() != 0 || system("command -v mke2fs >/dev/null") != 0 ||
	    system("command -v debugfs >/dev/null") != 0) {
		printf("1..0 # SKIP needs root, mke2fs and debugfs\n");
		return 0;
	}
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0)
		return 1;
	self[n] = '\0';
	if (setup() != 0) {
		printf("1..0 # SKIP cannot make the images or start the "
		    "kernel\n");
		return 0;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ext2fs_trans", NULL, NULL);
	CU_add_test(s, "crc32c: reference values, lengths, alignments",
	    test_crc32c);
	CU_add_test(s, "read-write mount and unmount: clean", test_mount_rw);
	CU_add_test(s, "unwritable features refused or demoted", test_refuse);
	CU_add_test(s, "commit and checkpoint", test_commit);
	CU_add_test(s, "crash after the commit block: replayed",
	    test_crash_committed);
	CU_add_test(s, "crash before the commit block: dropped",
	    test_crash_logged);
	CU_add_test(s, "failed journal write: read-only, consistent",
	    test_fault);
	status = cunit_tap_run();
	CU_cleanup_registry();
	teardown();
	return status;
}
