/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_msdosfs.c -- the FAT driver in-process through the public API
 * (vfs_pub.h), no FUSE, so it runs under the sanitizers in CI.  Images
 * come from mkfs.fat; the independent judges are fsck.fat -n (after
 * every case that writes) and mtools (mdir, mtype, mattrib).
 *
 *  - FAT type and cluster count agree with fsck.fat for FAT12/16/32 at
 *    several cluster and sector sizes;
 *  - names: short-only entries with the NT lower-case flags, long names
 *    with short aliases and ~N tails, code page short names, case
 *    insensitive and alias lookup, trailing dots, illegal characters,
 *    255 units, surrogate pairs, malformed UTF-8 -- checked through
 *    mdir as well;
 *  - ownership and modes from uid=, gid=, fmask=, dmask=; the read-only
 *    attribute; EPERM for what FAT cannot store, "quiet";
 *  - times: 2-second mtime, access date, creation time, tz=;
 *  - space: ENOSPC (partial writes), EFBIG at 4 GiB, fallocate, an
 *    unlinked open file keeps its clusters until closed;
 *  - rename over files and directories, across directories (".."), inode
 *    numbers stable across renames and remounts;
 *  - the dirty bit while mounted and after unmount, FAT copies in step,
 *    FSInfo's free count, an MBR partition and offset=.
 */
#include "msdosfs_testlib.h"

#define KiB	1024ULL
#define MiB	(1024ULL * KiB)
#define GiB	(1024ULL * MiB)

static struct mount *mp;

static void
must_mount(const char *img, const char *opts)
{
	CU_ASSERT_FATAL(img != NULL);
	CU_ASSERT_FATAL(tl_mount(img, opts, &mp) == 0);
}

static void
must_unmount(const char *img)
{
	CU_ASSERT_FATAL(vfs_unmount(mp, 0) == 0);
	mp = NULL;
	if (img != NULL)
		CU_ASSERT(tl_fsck(img));
}

/* ---- geometry ---- */

static void
test_types(void)
{
	static const struct {
		const char *size, *args;
		bool fat32;	/* the root takes a cluster */
	} cf[] = {
		{ "1440K", "-F 12", false },
		{ "8M", "-F 12 -s 4", false },
		{ "6M", "-F 12 -S 2048 -s 1", false },
		{ "20M", "-F 16 -s 1", false },
		{ "64M", "-F 16 -s 8 -f 1", false },
		{ "40M", "-F 16 -S 4096 -s 1 -r 1024", false },
		{ "128M", "-F 16 -s 64", false },
		{ "48M", "-F 32 -s 1", true },
		{ "300M", "-F 32 -s 8", true },
		{ "64M", "-F 32 -S 4096 -s 1", true },
		/* below 65525 clusters: mtools reads it as FAT16 */
		{ "20M", "-F 32 -s 1", true },
		/* every cluster size mkfs.fat offers, 512 B to 256 KiB */
		{ "12M", "-F 16 -s 2", false },
		{ "24M", "-F 16 -s 4", false },
		{ "48M", "-F 16 -s 8", false },
		{ "96M", "-F 16 -s 16", false },
		{ "192M", "-F 16 -s 32", false },
		{ "384M", "-F 16 -s 64", false },
		{ "768M", "-F 16 -s 128", false },
		{ "1600M", "-F 32 -S 2048 -s 128", true },
	};
	struct vfs_statvfs sv;
	const char *img;
	long ncl;
	size_t i;

	for (i = 0; i < sizeof(cf) / sizeof(cf[0]); i++) {
		img = tl_mkimg("types", cf[i].size, cf[i].args);
		CU_ASSERT_FATAL(img != NULL);
		ncl = tl_fsck_clusters(img);
		must_mount(img, "ro");
		CU_ASSERT(vfs_sys_statvfs("/m", &sv) == 0);
		if ((long)sv.f_blocks != ncl)
			fprintf(stderr, "# %s %s: %llu clusters, fsck %ld\n",
			    cf[i].size, cf[i].args,
			    (unsigned long long)sv.f_blocks, ncl);
		CU_ASSERT_EQUAL((long)sv.f_blocks, ncl);
		/* Empty but for the FAT32 root's cluster. */
		CU_ASSERT_EQUAL(sv.f_bfree + cf[i].fat32, sv.f_blocks);
		CU_ASSERT(sv.f_flag & VFS_ST_RDONLY);
		CU_ASSERT_EQUAL(sv.f_namemax, 255);
		must_unmount(NULL);
		/* Write something through each of them. */
		must_mount(img, "");
		CU_ASSERT(tl_puts("/m/A file with a long name.txt",
		    "contents\n") == 0);
		CU_ASSERT(vfs_sys_mkdir("/m/Sub Dir", 0755) == 0);
		CU_ASSERT(tl_puts("/m/Sub Dir/inner", "x") == 0);
		must_unmount(img);
		if (cf[i].fat32 && sv.f_blocks < 65525)
			continue;
		CU_ASSERT(tl_sh("mtype -i '%s' '::/A file with a long name.txt'"
		    " | grep -qx contents", img) == 0);
		CU_ASSERT(tl_sh("mtype -i '%s' '::/Sub Dir/inner' | grep -qx x",
		    img) == 0);
	}
}

/* ---- names ---- */

/* mdir's line for NAME in DIR of IMG contains WANT. */
static bool
mdir_has(const char *img, const char *dir, const char *want)
{
	char *out = tl_output("mdir -a -i '%s' '::%s' 2>&1", img, dir);
	bool ok = strstr(out, want) != NULL;

	if (!ok)
		fprintf(stderr, "# mdir %s: no \"%s\" in:\n%s", dir, want, out);
	free(out);
	return ok;
}

static void
test_names(void)
{
	const char *img = tl_mkimg("names", "16M", "-F 16");
	char name[1100];
	struct vattr va, va2;
	struct tl_names ns;
	int fd, i;

	must_mount(img, "");
	/* Short entries only, with the case flags. */
	CU_ASSERT(tl_puts("/m/lower.txt", "1") == 0);
	CU_ASSERT(tl_puts("/m/UPPER.TXT", "2") == 0);
	CU_ASSERT(tl_puts("/m/base.TXT", "3") == 0);
	/* Long names. */
	CU_ASSERT(tl_puts("/m/Mixed.Txt", "4") == 0);
	CU_ASSERT(tl_puts("/m/long name with spaces.text", "5") == 0);
	CU_ASSERT(tl_puts("/m/long name with spaces 2.text", "6") == 0);
	CU_ASSERT(tl_puts("/m/.hidden", "7") == 0);
	CU_ASSERT(tl_puts("/m/\xc3\xbc.txt", "8") == 0);	/* u umlaut */
	CU_ASSERT(tl_puts("/m/a+b;c", "9") == 0);
	/* Case-insensitive, case-preserving lookup; by alias too. */
	CU_ASSERT(tl_expects("/m/LOWER.TXT", "1"));
	CU_ASSERT(tl_expects("/m/mixed.txt", "4"));
	CU_ASSERT(tl_expects("/m/LONGNA~1.TEX", "5"));
	CU_ASSERT(tl_expects("/m/longna~2.tex", "6"));
	CU_ASSERT(tl_expects("/m/\xc3\x9c.TXT", "8"));	/* upper case */
	CU_ASSERT_EQUAL(vfs_sys_open("/m/MIXED.TXT", O_WRONLY | O_CREAT |
	    O_EXCL, 0644, &fd), EEXIST);
	CU_ASSERT(tl_list("/m", &ns) == 0);
	CU_ASSERT(tl_has(&ns, "Mixed.Txt"));
	CU_ASSERT(tl_has(&ns, "lower.txt"));
	CU_ASSERT(tl_has(&ns, "base.TXT"));
	CU_ASSERT(!tl_has(&ns, "MIXED.TXT"));
	tl_names_free(&ns);
	/* Trailing dots are dropped; names of dots only are refused. */
	CU_ASSERT(tl_puts("/m/dot.", "d") == 0);
	CU_ASSERT(tl_expects("/m/dot", "d"));
	CU_ASSERT_EQUAL(vfs_sys_mkdir("/m/...", 0755), EINVAL);
	/* Characters FAT forbids. */
	{
		static const char *const bad[] = { "a*b", "a?b", "a:b", "a<b",
		    "a>b", "a|b", "a\\b", "a\"b", "tab\there", "nl\n" };
		size_t k;

		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			snprintf(name, sizeof(name), "/m/%s", bad[k]);
			CU_ASSERT_EQUAL(vfs_sys_open(name, O_WRONLY | O_CREAT,
			    0644, &fd), EINVAL);
			CU_ASSERT_EQUAL(vfs_sys_mkdir(name, 0755), EINVAL);
			CU_ASSERT_EQUAL(vfs_sys_stat(name, &va), ENOENT);
		}
	}
	/* Malformed UTF-8, and an encoded surrogate pair (CESU-8). */
	CU_ASSERT_EQUAL(vfs_sys_mkdir("/m/bad\xff", 0755), EINVAL);
	CU_ASSERT_EQUAL(vfs_sys_mkdir("/m/\xed\xa0\xbd\xed\xb8\x80", 0755),
	    EINVAL);
	/* A lone surrogate (Windows allows it) round-trips. */
	CU_ASSERT(vfs_sys_mkdir("/m/lone\xed\xa0\x80", 0755) == 0);
	/* 255 units: 85 CJK characters (255 bytes); 127 surrogate pairs. */
	name[0] = '\0';
	strcpy(name, "/m/");
	for (i = 0; i < 85; i++)
		strcat(name, "\xe6\x97\xa5");
	CU_ASSERT(tl_puts(name, "cjk") == 0);
	CU_ASSERT(tl_expects(name, "cjk"));
	strcpy(name, "/m/");
	for (i = 0; i < 63; i++)
		strcat(name, "\xf0\x9f\x98\x80");	/* 126 units */
	CU_ASSERT(tl_puts(name, "emoji") == 0);
	/* 255 ASCII units fit, 256 bytes do not. */
	memset(name, 'n', 3 + 255);
	memcpy(name, "/m/", 3);
	name[3 + 255] = '\0';
	CU_ASSERT(tl_puts(name, "long") == 0);
	name[3 + 255] = 'n';
	name[3 + 256] = '\0';
	CU_ASSERT_EQUAL(vfs_sys_mkdir(name, 0755), ENAMETOOLONG);
	/* Many similar names get distinct tails. */
	for (i = 1; i <= 40; i++) {
		snprintf(name, sizeof(name), "/m/similar long name %d.data", i);
		CU_ASSERT(tl_puts(name, name) == 0);
	}
	must_unmount(img);

	/* What mtools sees. */
	CU_ASSERT(mdir_has(img, "/", "lower    txt"));
	CU_ASSERT(mdir_has(img, "/", "UPPER    TXT"));
	CU_ASSERT(mdir_has(img, "/", "base     TXT"));
	CU_ASSERT(mdir_has(img, "/", "MIXED    TXT         1"));
	CU_ASSERT(mdir_has(img, "/", "Mixed.Txt"));
	CU_ASSERT(mdir_has(img, "/", "LONGNA~1 TEX"));
	CU_ASSERT(mdir_has(img, "/", "LONGNA~2 TEX"));
	CU_ASSERT(mdir_has(img, "/", "HIDDEN~1"));
	CU_ASSERT(mdir_has(img, "/", "A_B_C~1"));
	CU_ASSERT(mdir_has(img, "/", "SIMILA~9 DAT"));
	CU_ASSERT(mdir_has(img, "/", "SIMIL~40 DAT"));
	CU_ASSERT(mdir_has(img, "/", "similar long name 40.data"));
	CU_ASSERT(tl_sh("mtype -i '%s' '::/similar long name 17.data' | "
	    "grep -q 'similar long name 17.data'", img) == 0);
	CU_ASSERT(tl_sh("mtype -i '%s' '::/\xc3\xbc.txt' | grep -qx 8",
	    img) == 0);

	/* And after a remount, everything is still there. */
	must_mount(img, "ro");
	CU_ASSERT(tl_list("/m", &ns) == 0);
	strcpy(name, "");
	for (i = 0; i < 63; i++)
		strcat(name, "\xf0\x9f\x98\x80");
	CU_ASSERT(tl_has(&ns, name));
	CU_ASSERT(tl_has(&ns, "lone\xed\xa0\x80"));
	CU_ASSERT(tl_has(&ns, "dot"));
	CU_ASSERT(tl_has(&ns, "\xc3\xbc.txt"));
	CU_ASSERT_EQUAL(ns.n, 9 + 1 + 1 + 3 + 40);
	tl_names_free(&ns);
	CU_ASSERT(vfs_sys_stat("/m/Mixed.Txt", &va) == 0);
	CU_ASSERT(vfs_sys_stat("/m/MIXED.TXT", &va2) == 0);
	CU_ASSERT_EQUAL(va.va_fileid, va2.va_fileid);
	must_unmount(NULL);
}

/* ---- ownership, modes, attributes ---- */

static void
test_perms(void)
{
	const char *img = tl_mkimg("perms", "4M", "-F 12");
	struct vattr va;

	must_mount(img, "uid=1234,gid=99,fmask=0133,dmask=0027");
	CU_ASSERT(tl_puts("/m/f", "x") == 0);
	CU_ASSERT(vfs_sys_mkdir("/m/d", 0700) == 0);
	CU_ASSERT(vfs_sys_stat("/m/f", &va) == 0);
	CU_ASSERT_EQUAL(va.va_mode, 0644);
	CU_ASSERT_EQUAL(va.va_uid, 1234);
	CU_ASSERT_EQUAL(va.va_gid, 99);
	CU_ASSERT_EQUAL(va.va_nlink, 1);
	CU_ASSERT(vfs_sys_stat("/m/d", &va) == 0);
	CU_ASSERT_EQUAL(va.va_mode, 0750);
	CU_ASSERT_EQUAL(va.va_type, VDIR);
	CU_ASSERT(vfs_sys_stat("/m", &va) == 0);
	CU_ASSERT_EQUAL(va.va_nlink, 3);
	/* Dropping every write bit is the read-only attribute. */
	CU_ASSERT(vfs_sys_chmod("/m/f", 0444) == 0);
	CU_ASSERT(vfs_sys_stat("/m/f", &va) == 0);
	CU_ASSERT_EQUAL(va.va_mode, 0444);
	CU_ASSERT(vfs_sys_chmod("/m/f", 0644) == 0);
	/* What cannot be stored: EPERM. */
	CU_ASSERT_EQUAL(vfs_sys_chmod("/m/f", 0600), EPERM);
	CU_ASSERT_EQUAL(vfs_sys_chmod("/m/f", 0400), EPERM);
	CU_ASSERT_EQUAL(vfs_sys_chmod("/m/f", 0755), 0);	/* x masked */
	CU_ASSERT_EQUAL(vfs_sys_chmod("/m/d", 0550), EPERM);
	CU_ASSERT_EQUAL(vfs_sys_chown("/m/f", 0, (uint32_t)-1, 0), EPERM);
	CU_ASSERT_EQUAL(vfs_sys_chown("/m/f", (uint32_t)-1, 5, 0), EPERM);
	CU_ASSERT_EQUAL(vfs_sys_chown("/m/f", 1234, 99, 0), 0);
	CU_ASSERT_EQUAL(vfs_sys_symlink("f", "/m/l"), EPERM);
	CU_ASSERT_EQUAL(vfs_sys_link("/m/f", "/m/h"), EPERM);
	CU_ASSERT_EQUAL(vfs_sys_mknod("/m/p", S_IFIFO | 0644, 0), EPERM);
	CU_ASSERT(vfs_sys_chmod("/m/f", 0444) == 0);
	must_unmount(img);
	CU_ASSERT(tl_sh("mattrib -i '%s' ::/f | grep -Eq '^ *A +R +::/f$'",
	    img) == 0);

	/* quiet: the same calls succeed and change nothing. */
	must_mount(img, "quiet,umask=0");
	CU_ASSERT(vfs_sys_stat("/m/f", &va) == 0);
	CU_ASSERT_EQUAL(va.va_mode, 0555);
	CU_ASSERT_EQUAL(vfs_sys_chmod("/m/f", 0600), 0);
	CU_ASSERT_EQUAL(vfs_sys_chown("/m/f", 7, 7, 0), 0);
	CU_ASSERT(vfs_sys_stat("/m/f", &va) == 0);
	CU_ASSERT_EQUAL(va.va_mode, 0555);
	CU_ASSERT_EQUAL(va.va_uid, 0);
	CU_ASSERT(vfs_sys_chmod("/m/f", 0777) == 0);
	CU_ASSERT(vfs_sys_stat("/m/f", &va) == 0);
	CU_ASSERT_EQUAL(va.va_mode, 0777);
	/* Permissions are enforced with the mount's owner. */
	vfs_pub_setcred(1000, 1000, 0, NULL);
	CU_ASSERT_EQUAL(vfs_sys_chmod("/m/f", 0555), EPERM);
	vfs_pub_setcred_root();
	must_unmount(img);
	CU_ASSERT(tl_sh("mattrib -i '%s' ::/f | grep -Eq '^ *A +::/f$'",
	    img) == 0);
	/* Bad option values. */
	CU_ASSERT(tl_mount(img, "umask=999", &mp) != 0);
	CU_ASSERT(tl_mount(img, "uid=x", &mp) != 0);
	CU_ASSERT(tl_mount(img, "tz=bogus", &mp) != 0);
	CU_ASSERT(tl_mount(img, "codepage=1252", &mp) != 0);
}

/* ---- times ---- */

static void
test_times(void)
{
	const char *img = tl_mkimg("times", "4M", "-F 12");
	struct vfs_timespec ts[2];
	struct timespec lo, hi;
	struct vattr va, va2;

	must_mount(img, "tz=UTC");
	clock_gettime(CLOCK_REALTIME, &lo);
	CU_ASSERT(tl_puts("/m/f", "x") == 0);
	clock_gettime(CLOCK_REALTIME, &hi);
	CU_ASSERT(vfs_sys_stat("/m/f", &va) == 0);
	CU_ASSERT(va.va_mtime.tv_sec >= lo.tv_sec - 2 &&
	    va.va_mtime.tv_sec <= hi.tv_sec);
	CU_ASSERT_EQUAL(va.va_mtime.tv_sec % 2, 0);
	CU_ASSERT(va.va_mask & VA_BTIME);
	CU_ASSERT(va.va_birthtime.tv_sec >= lo.tv_sec - 1 &&
	    va.va_birthtime.tv_sec <= hi.tv_sec);
	CU_ASSERT_EQUAL(va.va_birthtime.tv_nsec % 10000000, 0);
	/* 2001-02-03 04:05:07 UTC: mtime rounds down to :06. */
	ts[0].tv_sec = 981173107;
	ts[0].tv_nsec = 0;
	ts[1] = ts[0];
	CU_ASSERT(vfs_sys_utimens("/m/f", ts, 0) == 0);
	CU_ASSERT(vfs_sys_stat("/m/f", &va) == 0);
	CU_ASSERT_EQUAL(va.va_mtime.tv_sec, 981173106);
	CU_ASSERT_EQUAL(va.va_mtime.tv_nsec, 0);
	/* Out of range: clamped to 1980 and 2107. */
	ts[0].tv_sec = ts[1].tv_sec = 0;
	CU_ASSERT(vfs_sys_utimens("/m/f", ts, 0) == 0);
	CU_ASSERT(vfs_sys_stat("/m/f", &va) == 0);
	CU_ASSERT_EQUAL(va.va_mtime.tv_sec, 315532800);
	ts[1].tv_sec = 981173107;
	CU_ASSERT(vfs_sys_utimens("/m/f", ts, 0) == 0);
	must_unmount(img);
	/* The disk has the day for atime, 2 s for mtime; mtools agrees. */
	must_mount(img, "ro,tz=UTC");
	CU_ASSERT(vfs_sys_stat("/m/f", &va) == 0);
	CU_ASSERT_EQUAL(va.va_mtime.tv_sec, 981173106);
	CU_ASSERT_EQUAL(va.va_atime.tv_sec, 315532800);
	must_unmount(NULL);
	CU_ASSERT(tl_sh("TZ=UTC mdir -i '%s' ::/f | grep -q '2001-02-03   "
	    "4:05'", img) == 0);
	/* tz=+02:00: the same disk time is two hours earlier in UTC. */
	must_mount(img, "ro,tz=+02:00");
	CU_ASSERT(vfs_sys_stat("/m/f", &va2) == 0);
	CU_ASSERT_EQUAL(va2.va_mtime.tv_sec, 981173106 - 7200);
	must_unmount(NULL);
	must_mount(img, "ro,time_offset=-90");
	CU_ASSERT(vfs_sys_stat("/m/f", &va2) == 0);
	CU_ASSERT_EQUAL(va2.va_mtime.tv_sec, 981173106 + 5400);
	must_unmount(NULL);
}

/* ---- space ---- */

static void
test_enospc(void)
{
	const char *img = tl_mkimg("enospc", "1M", "-F 12 -s 1");
	static char buf[256 * 1024];
	uint64_t free0, off = 0;
	struct vattr va;
	size_t done;
	int fd, fd2, error = 0;

	memset(buf, 0xa5, sizeof(buf));
	must_mount(img, "");
	free0 = tl_bfree();
	CU_ASSERT(vfs_sys_open("/m/fill", O_RDWR | O_CREAT, 0644, &fd) == 0);
	while (error == 0) {
		error = vfs_sys_pwrite(fd, buf, sizeof(buf), off, &done);
		off += done;
		if (error == 0 && done < sizeof(buf))
			break;
	}
	CU_ASSERT(error == 0 || error == ENOSPC);
	CU_ASSERT_EQUAL(tl_bfree(), 0);
	CU_ASSERT_EQUAL(vfs_sys_pwrite(fd, buf, 10, off, &done), ENOSPC);
	CU_ASSERT(vfs_sys_fstat(fd, &va) == 0);
	CU_ASSERT_EQUAL(va.va_size, off);
	CU_ASSERT_EQUAL(off, free0 * 512);
	/* Nothing else fits either, but the file system is sound. */
	CU_ASSERT_EQUAL(vfs_sys_mkdir("/m/d", 0755), ENOSPC);
	CU_ASSERT(vfs_sys_open("/m/empty", O_RDWR | O_CREAT, 0644, &fd2) ==
	    0);
	CU_ASSERT_EQUAL(vfs_sys_write(fd2, "x", 1, &done), ENOSPC);
	CU_ASSERT_EQUAL(vfs_sys_fallocate(fd2, 0, 0, 4096), ENOSPC);
	CU_ASSERT_EQUAL(vfs_sys_ftruncate(fd2, 4096), ENOSPC);
	CU_ASSERT(vfs_sys_fstat(fd2, &va) == 0);
	CU_ASSERT_EQUAL(va.va_size, 0);
	vfs_sys_close(fd2);
	/* 4 GiB and beyond: EFBIG, whatever the free space. */
	CU_ASSERT_EQUAL(vfs_sys_ftruncate(fd, 4 * GiB), EFBIG);
	CU_ASSERT_EQUAL(vfs_sys_pwrite(fd, buf, 1, 4 * GiB, &done), EFBIG);
	CU_ASSERT_EQUAL(vfs_sys_fallocate(fd, 0, 4 * GiB - 1, 2), EFBIG);
	/* Shrinking gives space back. */
	CU_ASSERT(vfs_sys_ftruncate(fd, 1000) == 0);
	CU_ASSERT_EQUAL(tl_bfree(), free0 - 2);
	vfs_sys_close(fd);
	CU_ASSERT(vfs_sys_unlink("/m/fill") == 0);
	CU_ASSERT_EQUAL(tl_bfree(), free0);
	must_unmount(img);
}

static void
test_unlink_open(void)
{
	const char *img = tl_mkimg("unlinkopen", "4M", "-F 16 -s 1");
	static char buf[100000], got[100000];
	uint64_t free0;
	size_t done;
	int fd;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + i / 251);
	must_mount(img, "");
	free0 = tl_bfree();
	CU_ASSERT(vfs_sys_open("/m/f", O_RDWR | O_CREAT, 0644, &fd) == 0);
	CU_ASSERT(vfs_sys_write(fd, buf, sizeof(buf), &done) == 0);
	CU_ASSERT(vfs_sys_unlink("/m/f") == 0);
	CU_ASSERT(tl_puts("/m/f", "new") == 0);	/* the name is free */
	CU_ASSERT(vfs_sys_pread(fd, got, sizeof(got), 0, &done) == 0);
	CU_ASSERT_EQUAL(done, sizeof(got));
	CU_ASSERT(memcmp(buf, got, sizeof(buf)) == 0);
	CU_ASSERT(vfs_sys_pwrite(fd, buf, 5000, sizeof(buf), &done) == 0);
	CU_ASSERT(tl_bfree() < free0 - 200);
	vfs_sys_close(fd);
	CU_ASSERT_EQUAL(tl_bfree(), free0 - 1);
	CU_ASSERT(tl_expects("/m/f", "new"));
	must_unmount(img);
}

static void
test_fallocate(void)
{
	const char *img = tl_mkimg("falloc", "8M", "-F 16 -s 2");
	static char zero[300000], buf[300000];
	struct vfs_statvfs sv;
	struct vattr va;
	uint64_t free0;
	size_t done;
	int fd;

	must_mount(img, "");
	free0 = tl_bfree();
	CU_ASSERT(vfs_sys_open("/m/f", O_RDWR | O_CREAT, 0644, &fd) == 0);
	CU_ASSERT(vfs_sys_write(fd, "abc", 3, &done) == 0);
	CU_ASSERT(vfs_sys_fallocate(fd, 0, 0, 200000) == 0);
	CU_ASSERT(vfs_sys_fstat(fd, &va) == 0);
	CU_ASSERT_EQUAL(va.va_size, 200000);
	CU_ASSERT(vfs_sys_pread(fd, buf, sizeof(buf), 0, &done) == 0);
	CU_ASSERT_EQUAL(done, 200000);
	CU_ASSERT(memcmp(buf, "abc", 3) == 0);
	CU_ASSERT(memcmp(buf + 3, zero, 200000 - 3) == 0);
	CU_ASSERT(vfs_sys_fallocate(fd, FALLOC_FL_KEEP_SIZE, 200000,
	    100000) == 0);
	CU_ASSERT(vfs_sys_fstat(fd, &va) == 0);
	CU_ASSERT_EQUAL(va.va_size, 200000);
	CU_ASSERT(va.va_bytes >= 300000);
	CU_ASSERT_EQUAL(vfs_sys_fallocate(fd, FALLOC_FL_PUNCH_HOLE |
	    FALLOC_FL_KEEP_SIZE, 0, 1024), EOPNOTSUPP);
	/* Growing into the preallocation reads zeros. */
	CU_ASSERT(vfs_sys_ftruncate(fd, 250000) == 0);
	CU_ASSERT(vfs_sys_pread(fd, buf, sizeof(buf), 0, &done) == 0);
	CU_ASSERT_EQUAL(done, 250000);
	CU_ASSERT(memcmp(buf + 3, zero, 250000 - 3) == 0);
	CU_ASSERT(vfs_sys_ftruncate(fd, 7) == 0);
	CU_ASSERT(vfs_sys_pwrite(fd, "z", 1, 100000, &done) == 0);
	CU_ASSERT(vfs_sys_pread(fd, buf, sizeof(buf), 0, &done) == 0);
	CU_ASSERT_EQUAL(done, 100001);
	CU_ASSERT(memcmp(buf + 3, zero, 100000 - 3) == 0);
	CU_ASSERT_EQUAL(buf[100000], 'z');
	CU_ASSERT(vfs_sys_fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 500000) == 0);
	vfs_sys_close(fd);
	/* The preallocation past the end went with the last close. */
	CU_ASSERT(vfs_sys_statvfs("/m", &sv) == 0);
	CU_ASSERT_EQUAL(sv.f_bfree, free0 - (100001 + sv.f_bsize - 1) /
	    sv.f_bsize);
	must_unmount(img);
}

/* The FAT12/16 root cannot grow: ENOSPC when its slots are used up. */
static void
test_fixed_root(void)
{
	const char *img = tl_mkimg("root", "1440K", "-F 12");
	char name[64];
	int i, error = 0;

	must_mount(img, "");
	for (i = 0; i < 1000 && error == 0; i++) {
		snprintf(name, sizeof(name), "/m/a long name number %d", i);
		error = tl_puts(name, "");
	}
	CU_ASSERT_EQUAL(error, ENOSPC);
	CU_ASSERT(i > 40 && i < 224);
	CU_ASSERT_EQUAL(vfs_sys_mkdir("/m/a new directory", 0755), ENOSPC);
	CU_ASSERT(vfs_sys_unlink("/m/a long name number 3") == 0);
	CU_ASSERT(vfs_sys_mkdir("/m/sub", 0755) == 0);
	/* Subdirectories grow as needed. */
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "/m/sub/a long name number %d", i);
		CU_ASSERT(tl_puts(name, "") == 0);
	}
	/* Renaming over a file of the full root reuses its slots. */
	CU_ASSERT(tl_puts("/m/sub/moving in", "moved") == 0);
	CU_ASSERT_EQUAL(vfs_sys_rename("/m/sub/moving in",
	    "/m/a long name number 7 but longer"), ENOSPC);
	CU_ASSERT(vfs_sys_rename("/m/sub/moving in",
	    "/m/a long name number 7") == 0);
	CU_ASSERT(tl_expects("/m/a long name number 7", "moved"));
	must_unmount(img);
}

/* FAT32 with mirroring off: only the active FAT is used. */
static void
test_nomirror(void)
{
	const char *img = tl_mkimg("nomirror", "48M", "-F 32 -s 1");
	struct tl_geom g;
	uint8_t *f0, *f0after, *f1;
	size_t fatbytes;

	CU_ASSERT_FATAL(img != NULL && tl_geom(img, 0, &g) == 0);
	CU_ASSERT(tl_poke16(img, 40, 0x0081) == 0);	/* FAT 1 active */
	fatbytes = (size_t)g.fatsz * g.bps;
	f0 = malloc(fatbytes);
	f0after = malloc(fatbytes);
	f1 = malloc(fatbytes);
	CU_ASSERT(tl_pread(img, f0, fatbytes, (off_t)g.fatoff) == 0);
	must_mount(img, "");
	CU_ASSERT(tl_puts("/m/file", "in FAT 1 only") == 0);
	CU_ASSERT(vfs_sys_mkdir("/m/dir", 0755) == 0);
	must_unmount(NULL);
	CU_ASSERT(tl_pread(img, f0after, fatbytes, (off_t)g.fatoff) == 0);
	CU_ASSERT(tl_pread(img, f1, fatbytes, (off_t)(g.fatoff + fatbytes)) ==
	    0);
	CU_ASSERT(memcmp(f0, f0after, fatbytes) == 0);
	CU_ASSERT(memcmp(f0, f1, fatbytes) != 0);
	must_mount(img, "ro");
	CU_ASSERT(tl_expects("/m/file", "in FAT 1 only"));
	must_unmount(NULL);
	free(f0);
	free(f0after);
	free(f1);
}

/* ---- rename and inode numbers ---- */

static uint64_t
ino_of(const char *path)
{
	struct vattr va;

	if (vfs_sys_stat(path, &va) != 0)
		return 0;
	return va.va_fileid;
}

static void
test_rename(void)
{
	const char *img = tl_mkimg("rename", "48M", "-F 32 -s 1");
	uint64_t ia, ib, id, ikeep, free0;
	struct vattr va;
	int fd;

	must_mount(img, "");
	CU_ASSERT(vfs_sys_mkdir("/m/d1", 0755) == 0);
	CU_ASSERT(vfs_sys_mkdir("/m/d2", 0755) == 0);
	CU_ASSERT(vfs_sys_mkdir("/m/d1/moving dir", 0755) == 0);
	CU_ASSERT(tl_puts("/m/d1/moving dir/inner", "inner") == 0);
	CU_ASSERT(tl_puts("/m/a", "file a") == 0);
	CU_ASSERT(tl_puts("/m/b", "file b, longer") == 0);
	CU_ASSERT(tl_puts("/m/keep", "kept") == 0);
	ia = ino_of("/m/a");
	ib = ino_of("/m/b");
	id = ino_of("/m/d1/moving dir");
	ikeep = ino_of("/m/keep");
	free0 = tl_bfree();
	/* Over an existing file: its clusters go. */
	CU_ASSERT(vfs_sys_rename("/m/a", "/m/b") == 0);
	CU_ASSERT(tl_expects("/m/b", "file a"));
	CU_ASSERT_EQUAL(ino_of("/m/b"), ia);
	CU_ASSERT_EQUAL(vfs_sys_stat("/m/a", &va), ENOENT);
	CU_ASSERT_EQUAL(tl_bfree(), free0 + 1);
	/* A new file in the freed entry gets a new number. */
	CU_ASSERT(tl_puts("/m/a", "again") == 0);
	CU_ASSERT(ino_of("/m/a") != ia);
	CU_ASSERT(ino_of("/m/a") != ib);
	/* Across directories, with a long name. */
	CU_ASSERT(vfs_sys_rename("/m/b", "/m/d2/A Much Longer Name") == 0);
	CU_ASSERT_EQUAL(ino_of("/m/d2/a much longer name"), ia);
	/* A directory across directories: ".." and link counts follow. */
	CU_ASSERT(vfs_sys_rename("/m/d1/moving dir", "/m/d2/moved") == 0);
	CU_ASSERT_EQUAL(ino_of("/m/d2/moved"), id);
	CU_ASSERT_EQUAL(ino_of("/m/d2/moved/.."), ino_of("/m/d2"));
	CU_ASSERT(vfs_sys_stat("/m/d1", &va) == 0);
	CU_ASSERT_EQUAL(va.va_nlink, 2);
	CU_ASSERT(vfs_sys_stat("/m/d2", &va) == 0);
	CU_ASSERT_EQUAL(va.va_nlink, 3);
	CU_ASSERT(tl_expects("/m/d2/moved/inner", "inner"));
	/* Over an empty directory; not over a full one. */
	CU_ASSERT(vfs_sys_mkdir("/m/d1/empty", 0755) == 0);
	CU_ASSERT(vfs_sys_rename("/m/d2/moved", "/m/d1/empty") == 0);
	CU_ASSERT_EQUAL(ino_of("/m/d1/empty"), id);
	CU_ASSERT(vfs_sys_mkdir("/m/d2/full", 0755) == 0);
	CU_ASSERT(tl_puts("/m/d2/full/x", "x") == 0);
	CU_ASSERT_EQUAL(vfs_sys_rename("/m/d1/empty", "/m/d2/full"),
	    ENOTEMPTY);
	CU_ASSERT_EQUAL(vfs_sys_renameat2("/m/a", "/m/keep", RENAME_EXCHANGE),
	    EINVAL);
	/* Many renames in one directory (entries move around). */
	for (int i = 0; i < 200; i++) {
		char from[64], to[64];

		snprintf(from, sizeof(from), "/m/d1/file %d", i);
		CU_ASSERT(tl_puts(from, from) == 0);
		snprintf(to, sizeof(to), "/m/d1/renamed file number %d", i);
		CU_ASSERT(vfs_sys_rename(from, to) == 0);
		CU_ASSERT(tl_expects(to, from));
	}
	CU_ASSERT(vfs_sys_open("/m/d1/renamed file number 7", O_RDONLY, 0,
	    &fd) == 0);
	vfs_sys_close(fd);
	must_unmount(img);
	/* Numbers of files never renamed survive a remount. */
	must_mount(img, "ro");
	CU_ASSERT_EQUAL(ino_of("/m/keep"), ikeep);
	CU_ASSERT(tl_expects("/m/d1/empty/inner", "inner"));
	CU_ASSERT(tl_expects("/m/d1/renamed file number 199",
	    "/m/d1/file 199"));
	must_unmount(NULL);
	CU_ASSERT(tl_sh("mtype -i '%s' '::/d1/empty/inner' | grep -qx inner",
	    img) == 0);
}

/* ---- on-disk state: dirty bit, FAT copies, FSInfo, partitions ---- */

static void
test_dirty_bit(void)
{
	const char *img = tl_mkimg("dirty", "48M", "-F 32 -s 1");
	struct tl_geom g;
	uint8_t st, *f0, *f1;
	uint32_t fsfree;
	uint8_t fsi[512];
	struct vfs_statvfs sv;
	char name[64];
	int i;

	CU_ASSERT_FATAL(tl_geom(img, 0, &g) == 0);
	must_mount(img, "");
	CU_ASSERT(tl_pread(img, &st, 1, 65) == 0);
	CU_ASSERT_EQUAL(st & 1, 1);
	CU_ASSERT(tl_sh("fsck.fat -n '%s' >/dev/null 2>&1", img) != 0);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "/m/file %d", i);
		CU_ASSERT(tl_puts(name, name) == 0);
	}
	CU_ASSERT(vfs_sys_statvfs("/m", &sv) == 0);
	must_unmount(img);
	CU_ASSERT(tl_pread(img, &st, 1, 65) == 0);
	CU_ASSERT_EQUAL(st & 1, 0);
	/* Both FATs equal; FSInfo's count is the real one. */
	f0 = malloc((size_t)g.fatsz * g.bps);
	f1 = malloc((size_t)g.fatsz * g.bps);
	CU_ASSERT(tl_pread(img, f0, (size_t)g.fatsz * g.bps, (off_t)g.fatoff)
	    == 0);
	CU_ASSERT(tl_pread(img, f1, (size_t)g.fatsz * g.bps,
	    (off_t)(g.fatoff + (uint64_t)g.fatsz * g.bps)) == 0);
	CU_ASSERT(memcmp(f0, f1, (size_t)g.fatsz * g.bps) == 0);
	free(f0);
	free(f1);
	CU_ASSERT(tl_pread(img, fsi, 512, (off_t)g.fsinfo * g.bps) == 0);
	fsfree = tl_le(fsi + 488, 4);
	CU_ASSERT_EQUAL(fsfree, sv.f_bfree);
	/* A volume that was dirty stays dirty (run fsck). */
	CU_ASSERT(tl_poke8(img, 65, 1) == 0);
	must_mount(img, "");
	must_unmount(NULL);
	CU_ASSERT(tl_pread(img, &st, 1, 65) == 0);
	CU_ASSERT_EQUAL(st & 1, 1);
	/* A read-only mount writes nothing at all. */
	CU_ASSERT(tl_poke8(img, 65, 0) == 0);
	CU_ASSERT(tl_sh("sha256sum < '%s' > '%s/sum'", img, tl_workdir) == 0);
	must_mount(img, "ro");
	CU_ASSERT(tl_expects("/m/file 42", "/m/file 42"));
	must_unmount(NULL);
	CU_ASSERT(tl_sh("sha256sum < '%s' | cmp -s - '%s/sum'", img,
	    tl_workdir) == 0);
	/* FAT16 keeps the state byte at 37 and FAT[1]'s clean bit. */
	img = tl_mkimg("dirty16", "20M", "-F 16");
	CU_ASSERT_FATAL(tl_geom(img, 0, &g) == 0);
	must_mount(img, "");
	CU_ASSERT(tl_pread(img, &st, 1, 37) == 0);
	CU_ASSERT_EQUAL(st & 1, 1);
	CU_ASSERT(tl_pread(img, &st, 1, (off_t)g.fatoff + 3) == 0);
	CU_ASSERT_EQUAL(st & 0x80, 0);
	must_unmount(img);
	CU_ASSERT(tl_pread(img, &st, 1, (off_t)g.fatoff + 3) == 0);
	CU_ASSERT_EQUAL(st & 0x80, 0x80);
}

static void
test_partition(void)
{
	const char *img;
	uint8_t pe[16] = { 0, 0, 0, 0, 0x0e, 0, 0, 0,
	    0x00, 0x08, 0, 0, 0x00, 0xb8, 0, 0 };	/* 2048, 47104 */
	char extract[400];

	/* mkfs.fat --offset on a 24 MiB file; our own MBR in front. */
	img = tl_mkimg("part", "24M", "-F 16 --offset 2048 -h 2048");
	CU_ASSERT_FATAL(img != NULL);
	CU_ASSERT(tl_pwrite(img, pe, 16, 446) == 0);
	CU_ASSERT(tl_poke16(img, 510, 0xaa55) == 0);
	must_mount(img, "");
	CU_ASSERT(tl_puts("/m/in the partition", "yes") == 0);
	must_unmount(NULL);
	CU_ASSERT(tl_sh("mtype -i '%s@@1M' '::/in the partition' | grep -qx "
	    "yes", img) == 0);
	snprintf(extract, sizeof(extract), "%s/part-fs.img", tl_workdir);
	CU_ASSERT(tl_sh("dd if='%s' of='%s' bs=1M skip=1 status=none", img,
	    extract) == 0);
	CU_ASSERT(tl_fsck(extract));
	/* offset= and partition= say it explicitly. */
	must_mount(img, "ro,offset=1048576");
	CU_ASSERT(tl_expects("/m/in the partition", "yes"));
	must_unmount(NULL);
	must_mount(img, "ro,partition=1");
	CU_ASSERT(tl_expects("/m/in the partition", "yes"));
	must_unmount(NULL);
	CU_ASSERT(tl_mount(img, "ro,partition=2", &mp) != 0);
	CU_ASSERT(tl_mount(img, "ro,offset=512", &mp) != 0);
}

/*
 * A large file: 4 GiB - 1 bytes fit, one more does not.  fsck.fat 4.2
 * overflows computing the length of a chain of exactly 4 GiB and calls
 * such a file broken (dosfstools issue 208, fixed after 4.2): that one
 * message is allowed; mdir must show the size.
 */
static void
test_4gib(void)
{
	const char *img;
	struct vattr va;
	size_t done;
	char c, *out;
	int fd;

	if (getenv("MSDOSFS_TEST_NOBIG") != NULL) {
		fprintf(stderr, "# 4 GiB file skipped (MSDOSFS_TEST_NOBIG)\n");
		return;
	}
	img = tl_mkimg("big", "4200M", "-F 32 -s 64");
	must_mount(img, "");
	CU_ASSERT(vfs_sys_open("/m/big", O_RDWR | O_CREAT, 0644, &fd) == 0);
	CU_ASSERT(vfs_sys_pwrite(fd, "E", 1, 4 * GiB - 2, &done) == 0);
	CU_ASSERT(vfs_sys_fstat(fd, &va) == 0);
	CU_ASSERT_EQUAL(va.va_size, 4 * GiB - 1);
	CU_ASSERT_EQUAL(vfs_sys_pwrite(fd, "F", 1, 4 * GiB - 1, &done),
	    EFBIG);
	CU_ASSERT(vfs_sys_pread(fd, &c, 1, 4 * GiB - 2, &done) == 0);
	CU_ASSERT_EQUAL(c, 'E');
	CU_ASSERT(vfs_sys_pread(fd, &c, 1, 3 * GiB, &done) == 0);
	CU_ASSERT_EQUAL(c, 0);
	vfs_sys_close(fd);
	must_unmount(NULL);
	out = tl_output("fsck.fat -n '%s' 2>&1 | grep -v -e '^fsck.fat 4' "
	    "-e '^/BIG$' -e 'File size is 4294967295 bytes, cluster chain "
	    "length is 0 bytes' -e 'Truncating file to 0 bytes' -e "
	    "'^Leaving filesystem unchanged' -e '^$' -e 'files, '", img);
	CU_ASSERT_STRING_EQUAL(out, "");
	if (out[0] != '\0')
		fprintf(stderr, "# fsck.fat: %s", out);
	free(out);
	CU_ASSERT(tl_sh("mdir -i '%s' ::/big | grep -q ' 4294967295 '", img) ==
	    0);
	unlink(img);
}

int
main(void)
{
	CU_pSuite s;
	int status;

	if (getuid() != 0 || system("command -v mkfs.fat >/dev/null && "
	    "command -v fsck.fat >/dev/null && command -v mdir >/dev/null")
	    != 0) {
		printf("1..0 # SKIP needs root, dosfstools and mtools\n");
		return 0;
	}
	setenv("MTOOLS_SKIP_CHECK", "1", 1);
	setenv("TZ", "UTC", 1);
	if (tl_setup("msdosfs-unit") != 0) {
		printf("1..0 # SKIP cannot start the kernel\n");
		return 0;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("msdosfs", NULL, NULL);
	CU_add_test(s, "FAT types and cluster counts as fsck.fat", test_types);
	CU_add_test(s, "long and short names", test_names);
	CU_add_test(s, "owners, modes, read-only attribute", test_perms);
	CU_add_test(s, "times and tz", test_times);
	CU_add_test(s, "ENOSPC and EFBIG", test_enospc);
	CU_add_test(s, "unlinked open file", test_unlink_open);
	CU_add_test(s, "fallocate", test_fallocate);
	CU_add_test(s, "the FAT12/16 root is full", test_fixed_root);
	CU_add_test(s, "FAT32 without mirroring", test_nomirror);
	CU_add_test(s, "rename and inode numbers", test_rename);
	CU_add_test(s, "dirty bit, FAT copies, FSInfo", test_dirty_bit);
	CU_add_test(s, "MBR partition and offset", test_partition);
	CU_add_test(s, "4 GiB - 1 bytes and EFBIG", test_4gib);
	status = cunit_tap_run();
	CU_cleanup_registry();
	tl_teardown();
	return status;
}
