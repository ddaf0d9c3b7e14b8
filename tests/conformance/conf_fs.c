/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_fs.c -- the table of filesystem configurations the conformance
 * cases run against, and helpers to make their images.
 *
 * Adding a driver is adding entries here.  An image-based filesystem
 * gives cf_mkimage = conf_mkimage_cmd and a shell command in cf_mkarg,
 * "%I" standing for the image path and "%S" for a directory holding the
 * seed tree; for example, for ext4 (read-write and a seeded read-only
 * variant):
 *
 *   { "ext4", "ext2fs", conf_mkimage_cmd,
 *     "truncate -s 64M %I && mkfs.ext4 -q -F %I", "", "lost+found\0",
 *     CAP_WRITE | CAP_PERSIST | ..., 0 },
 *   { "ext4-ro", "ext2fs", conf_mkimage_cmd,
 *     "truncate -s 16M %I && mkfs.ext4 -q -F -d %S %I", "ro",
 *     "lost+found\0", CAP_RDONLY | CAP_SEED | ..., 0 },
 *   { "ext4-small", "ext2fs", conf_mkimage_cmd,
 *     "truncate -s 4M %I && mkfs.ext4 -q -F %I", "", "lost+found\0",
 *     CAP_WRITE | CAP_ENOSPC | ..., CAP_ENOSPC },
 *
 * A read-only configuration has CAP_RDONLY and no CAP_WRITE; one whose
 * image carries the seed tree (conf_seed_tree) has CAP_SEED; an
 * image-based one has CAP_PERSIST.
 */
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"

#define TMPFS_CAPS	(CAP_SYMLINK | CAP_HARDLINK | CAP_XATTR |	\
	CAP_XATTR_4K | CAP_SPARSE | CAP_MKNOD | CAP_PERMS | CAP_TIMES_NS | \
	CAP_ATIME | CAP_LARGEFILE | CAP_CASE_SENSITIVE | CAP_UNLINK_OPEN | \
	CAP_RENAME_EXCHANGE | CAP_FALLOCATE | CAP_SEEK_HOLE | CAP_LONGNAME | \
	CAP_BIGDIR | CAP_BYTENAMES | CAP_DIRNLINK)

/* What the read-only ext2fs driver offers on mkfs.ext2/ext4 -d images. */
#define EXT2_RO_CAPS	(CAP_SYMLINK | CAP_HARDLINK | CAP_XATTR |	\
	CAP_XATTR_4K | CAP_SPARSE | CAP_MKNOD | CAP_PERMS | CAP_TIMES_NS | \
	CAP_LARGEFILE | CAP_CASE_SENSITIVE | CAP_SEEK_HOLE | CAP_LONGNAME | \
	CAP_BIGDIR | CAP_BYTENAMES | CAP_DIRNLINK)

/*
 * Read-write ext2/3/4: everything the read path offers, plus unlink
 * while open, rename exchange, fallocate, access times; but no 4 KiB
 * attribute value, which no ext block can hold beside its header
 * without ea_inode (Linux gives ENOSPC too).  EXT2FS_KEEP:
 * with $EXT2FS_KEEP set, a hard link to every image is left there, so
 * that tests/drivers/ext2fs can run e2fsck -fn on each after its case.
 */
#define EXT2_RW_CAPS	((EXT2_RO_CAPS & ~CAP_XATTR_4K) | CAP_WRITE |	\
	CAP_PERSIST | CAP_UNLINK_OPEN | CAP_RENAME_EXCHANGE | CAP_FALLOCATE | \
	CAP_ATIME)
#define EXT2_KEEP	\
	" && { [ -z \"$EXT2FS_KEEP\" ] || ln %I \"$EXT2FS_KEEP\"/; }"

/* What msdosfs (FAT12/16/32 with long names) offers. */
#define FAT_CAPS	(CAP_UNLINK_OPEN | CAP_LONGNAME | CAP_BIGDIR |	\
	CAP_DIRNLINK | CAP_PERSIST | CAP_ATIME)
#define FAT_KEEP	\
	" && { [ -z \"$MSDOSFS_KEEP\" ] || ln %I \"$MSDOSFS_KEEP\"/; }"

/*
 * What cd9660 offers on a Rock Ridge image (read-only): owners, modes,
 * links and hard links, big files, POSIX names; whole-second times.
 */
#define CD9660_CAPS	(CAP_SYMLINK | CAP_HARDLINK | CAP_PERMS |	\
	CAP_LARGEFILE | CAP_CASE_SENSITIVE | CAP_LONGNAME | CAP_BIGDIR |	\
	CAP_BYTENAMES | CAP_DIRNLINK | CAP_PERSIST)

/*
 * What ffs offers (UFS1 and UFS2, images made by makefs): no writable
 * xattrs and no fallocate.  Holes, but not CAP_SEEK_HOLE: as the BSDs,
 * ffs allocates the block holding a file's last byte (a truncate up
 * leaves no hole at the end), which seek_data_hole does not expect.
 */
#define FFS_CAPS	(CAP_SYMLINK | CAP_HARDLINK | CAP_SPARSE |	\
	CAP_MKNOD | CAP_PERMS | CAP_TIMES_NS | CAP_ATIME | CAP_LARGEFILE | \
	CAP_CASE_SENSITIVE | CAP_UNLINK_OPEN | CAP_RENAME_EXCHANGE |	\
	CAP_LONGNAME | CAP_BIGDIR | CAP_BYTENAMES | CAP_DIRNLINK |	\
	CAP_PERSIST)
/* An empty directory for makefs (never written). */
#define FFS_MK(opts, size)						\
	"mkdir -p /tmp/conf-ffs-empty && makefs -t ffs -s " size	\
	" -f 20000 -o " opts " %I /tmp/conf-ffs-empty"

const struct conf_fs conf_fs_table[] = {
	{ "tmpfs", "tmpfs", NULL, NULL, "", NULL, CAP_WRITE | TMPFS_CAPS, 0 },
	{ "tmpfs-small", "tmpfs", NULL, NULL, "size=4m", NULL,
	    CAP_WRITE | CAP_ENOSPC | TMPFS_CAPS, CAP_ENOSPC },
	{ "tmpfs-ro", "tmpfs", NULL, NULL, "ro", NULL,
	    CAP_RDONLY | TMPFS_CAPS, 0 },
	/*
	 * ext2fs read-write: ext4 as mke2fs makes it (metadata_csum,
	 * 64bit, flex_bg, extents, dir_index), ext4 with inline_data,
	 * ext4 without checksums, ext3 (journal, block maps), ext2 with
	 * 4 KiB blocks (no journal; 1 KiB blocks are tested by
	 * tests/drivers/ext2fs), a small ext4 for ENOSPC; then the
	 * read-only seeded images.
	 */
	{ "ext4-rw", "ext2fs", conf_mkimage_cmd,
	    "truncate -s 64M %I && mkfs.ext4 -q -F -b 4096 %I" EXT2_KEEP, "",
	    "lost+found\0", EXT2_RW_CAPS, 0 },
	{ "ext4-inline-rw", "ext2fs", conf_mkimage_cmd,
	    "truncate -s 64M %I && mkfs.ext4 -q -F -b 4096 -O inline_data %I"
	    EXT2_KEEP, "", "lost+found\0", EXT2_RW_CAPS, 0 },
	{ "ext4-nocsum-rw", "ext4", conf_mkimage_cmd,
	    "truncate -s 64M %I && mkfs.ext4 -q -F -b 4096 -O ^metadata_csum,^64bit "
	    "%I" EXT2_KEEP, "", "lost+found\0", EXT2_RW_CAPS, 0 },
	/*
	 * Block-mapped files (ext3, ext2) cannot keep blocks past the end
	 * of the file, so no fallocate KEEP_SIZE there (Linux refuses
	 * fallocate on them altogether).
	 */
	{ "ext3-rw", "ext3", conf_mkimage_cmd,
	    "truncate -s 64M %I && mkfs.ext3 -q -F -b 4096 %I" EXT2_KEEP, "",
	    "lost+found\0", EXT2_RW_CAPS & ~CAP_FALLOCATE, 0 },
	{ "ext2-rw", "ext2", conf_mkimage_cmd,
	    "truncate -s 32M %I && mkfs.ext2 -q -F -b 4096 %I" EXT2_KEEP, "",
	    "lost+found\0", EXT2_RW_CAPS & ~CAP_FALLOCATE, 0 },
	{ "ext4-small", "ext2fs", conf_mkimage_cmd,
	    "truncate -s 4M %I && mkfs.ext4 -q -F %I" EXT2_KEEP, "",
	    "lost+found\0", CAP_ENOSPC | EXT2_RW_CAPS,
	    CAP_ENOSPC },
	{ "ext4-ro", "ext2fs", conf_mkimage_cmd,
	    "truncate -s 16M %I && mkfs.ext4 -q -F -d %S %I", "ro",
	    "lost+found\0", CAP_RDONLY | CAP_SEED | CAP_PERSIST | EXT2_RO_CAPS,
	    0 },
	{ "ext2-ro", "ext2fs", conf_mkimage_cmd,
	    "truncate -s 16M %I && mkfs.ext2 -q -F -b 1024 -d %S %I", "ro",
	    "lost+found\0", CAP_RDONLY | CAP_SEED | CAP_PERSIST | EXT2_RO_CAPS,
	    0 },
	{ "ext4-inline-ro", "ext2fs", conf_mkimage_cmd,
	    "truncate -s 16M %I && mkfs.ext4 -q -F -O inline_data -d %S %I",
	    "ro", "lost+found\0",
	    CAP_RDONLY | CAP_SEED | CAP_PERSIST | EXT2_RO_CAPS, 0 },
	/*
	 * msdosfs: FAT12 (64 KiB clusters), FAT16 (2 KiB clusters) and
	 * FAT32 (512-byte clusters), a small FAT12 for ENOSPC and a
	 * read-only mount.  FAT has no owners, modes, links, xattrs, holes
	 * or ns times, is case insensitive, and caps files at 4 GiB - 1.
	 * "quiet": a chmod FAT cannot store succeeds without effect (as
	 * Linux's vfat with quiet).  FAT_KEEP: with $MSDOSFS_KEEP set, a
	 * hard link to every image is left there, so that
	 * tests/drivers/msdosfs can run fsck.fat on each after its case.
	 */
	{ "fat12", "msdos", conf_mkimage_cmd,
	    "truncate -s 128M %I && mkfs.fat -F 12 -s 128 %I >/dev/null"
	    FAT_KEEP, "quiet", NULL, CAP_WRITE | FAT_CAPS, 0 },
	{ "fat16", "msdos", conf_mkimage_cmd,
	    "truncate -s 64M %I && mkfs.fat -F 16 -s 4 %I >/dev/null"
	    FAT_KEEP, "quiet", NULL, CAP_WRITE | FAT_CAPS, 0 },
	{ "fat32", "msdos", conf_mkimage_cmd,
	    "truncate -s 96M %I && mkfs.fat -F 32 -s 1 %I >/dev/null"
	    FAT_KEEP, "quiet", NULL, CAP_WRITE | FAT_CAPS, 0 },
	{ "fat-small", "msdos", conf_mkimage_cmd,
	    "truncate -s 2M %I && mkfs.fat -F 12 %I >/dev/null" FAT_KEEP,
	    "quiet", NULL, CAP_WRITE | CAP_ENOSPC | FAT_CAPS, CAP_ENOSPC },
	{ "fat-ro", "msdos", conf_mkimage_cmd,
	    "truncate -s 2M %I && mkfs.fat -F 12 %I", "ro", NULL,
	    CAP_RDONLY | FAT_CAPS, 0 },
	/*
	 * cd9660 (read-only medium): Rock Ridge images from xorriso (with
	 * Joliet, mounted without "ro": made read-only by the driver),
	 * genisoimage and makefs; a Joliet-only image (no symlinks, so no
	 * seed checks).
	 */
	{ "cd9660-xorriso", "cd9660", conf_mkimage_cmd,
	    "xorriso -outdev %I -joliet on -map %S / -commit 2>/dev/null", "",
	    NULL, CAP_RDONLY | CAP_SEED | CD9660_CAPS, 0 },
	{ "cd9660-genisoimage", "iso9660", conf_mkimage_cmd,
	    "genisoimage -quiet -R -J -o %I %S", "ro", NULL,
	    CAP_RDONLY | CAP_SEED | CD9660_CAPS, 0 },
	{ "cd9660-makefs", "cd9660", conf_mkimage_cmd,
	    "makefs -t cd9660 -o rockridge %I %S", "ro", NULL,
	    CAP_RDONLY | CAP_SEED | CD9660_CAPS, 0 },
	{ "cd9660-joliet", "cd9660", conf_mkimage_cmd,
	    "xorriso -outdev %I -rockridge off -joliet on -map %S / -commit "
	    "2>/dev/null", "ro", NULL,
	    CAP_RDONLY | CAP_CASE_SENSITIVE | CAP_DIRNLINK | CAP_PERSIST, 0 },
	/*
	 * ffs: UFS1 and UFS2 in both byte orders, read-write; a small one
	 * for ENOSPC; a seeded read-only one.
	 */
	{ "ffs1-le", "ffs", conf_mkimage_cmd,
	    FFS_MK("version=1 -B le", "64m"), "", NULL,
	    CAP_WRITE | FFS_CAPS, 0 },
	{ "ffs1-be", "ffs", conf_mkimage_cmd,
	    FFS_MK("version=1,bsize=16384,fsize=2048 -B be", "64m"), "", NULL,
	    CAP_WRITE | FFS_CAPS, 0 },
	{ "ffs2-le", "ffs", conf_mkimage_cmd,
	    FFS_MK("version=2,bsize=4096,fsize=512 -B le", "64m"), "", NULL,
	    CAP_WRITE | FFS_CAPS, 0 },
	{ "ffs2-be", "ffs", conf_mkimage_cmd,
	    FFS_MK("version=2 -B be", "64m"), "", NULL,
	    CAP_WRITE | FFS_CAPS, 0 },
	{ "ffs2-small", "ufs", conf_mkimage_cmd,
	    "mkdir -p /tmp/conf-ffs-empty && makefs -t ffs -s 4m -f 1000 "
	    "-o version=2,minfree=0 %I /tmp/conf-ffs-empty", "", NULL,
	    CAP_WRITE | CAP_ENOSPC | FFS_CAPS, CAP_ENOSPC },
	{ "ffs1-ro", "ffs", conf_mkimage_cmd,
	    "makefs -t ffs -s 4m -f 100 -o version=1 -B be %I %S", "ro", NULL,
	    CAP_RDONLY | CAP_SEED | FFS_CAPS, 0 },
	{ NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 }
};

/* Write LEN bytes of S to host file PATH. */
static int
host_put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int error = 0;

	if (f == NULL)
		return errno;
	if (fputs(s, f) == EOF)
		error = EIO;
	if (fclose(f) != 0 && error == 0)
		error = errno;
	return error;
}

int
conf_seed_tree(const char *dir)
{
	char p[4096];
	int error;

	snprintf(p, sizeof(p), "%s/file", dir);
	if ((error = host_put(p, SEED_FILE_DATA)) != 0 || chmod(p, 0644) != 0)
		return error ? error : errno;
	snprintf(p, sizeof(p), "%s/dir", dir);
	if (mkdir(p, 0755) != 0)
		return errno;
	snprintf(p, sizeof(p), "%s/dir/sub", dir);
	if ((error = host_put(p, "sub\n")) != 0)
		return error;
	snprintf(p, sizeof(p), "%s/link", dir);
	if (symlink("file", p) != 0)
		return errno;
	return 0;
}

/* Append S to the growing command in CMD (size LEN); false if full. */
static bool
cmd_cat(char *cmd, size_t len, const char *s)
{
	size_t n = strlen(cmd);

	if (n + strlen(s) >= len)
		return false;
	memcpy(cmd + n, s, strlen(s) + 1);
	return true;
}

char *
conf_mkimage_cmd(const struct conf_fs *cf)
{
	const char *tmp = getenv("TMPDIR");
	char img[4096], seed[4096], cmd[8192], rm[4200];
	const char *p;
	char one[2];
	bool ok = true, useseed;
	int fd;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(img, sizeof(img), "%s/conf-%s-XXXXXX", tmp, cf->cf_name);
	if ((fd = mkstemp(img)) < 0) {
		perror("conformance: mkstemp");
		return NULL;
	}
	close(fd);
	useseed = strstr(cf->cf_mkarg, "%S") != NULL;
	seed[0] = '\0';
	if (useseed) {
		snprintf(seed, sizeof(seed), "%s/conf-seed-XXXXXX", tmp);
		if (mkdtemp(seed) == NULL || conf_seed_tree(seed) != 0) {
			perror("conformance: seed tree");
			ok = false;
		}
	}
	cmd[0] = '\0';
	for (p = cf->cf_mkarg; ok && *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'I') {
			ok = cmd_cat(cmd, sizeof(cmd), img);
			p++;
		} else if (p[0] == '%' && p[1] == 'S') {
			ok = cmd_cat(cmd, sizeof(cmd), seed);
			p++;
		} else {
			one[0] = *p;
			one[1] = '\0';
			ok = cmd_cat(cmd, sizeof(cmd), one);
		}
	}
	if (ok && !cmd_cat(cmd, sizeof(cmd), " >/dev/null"))
		ok = false;
	if (ok && system(cmd) != 0) {
		fprintf(stderr, "conformance: failed: %s\n", cmd);
		ok = false;
	}
	if (useseed && seed[0] != '\0') {
		snprintf(rm, sizeof(rm), "rm -rf '%s'", seed);
		if (system(rm) != 0)
			fprintf(stderr, "conformance: cannot remove %s\n", seed);
	}
	if (!ok) {
		unlink(img);
		return NULL;
	}
	return strdup(img);
}
