/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_space.c -- conformance cases for space: statvfs, sparse files,
 * SEEK_DATA/SEEK_HOLE, fallocate, offsets past 4 GiB, and running out of
 * space (ENOSPC) on the small variant: the filesystem stays consistent,
 * deleting frees the space, writing works again.  Exports
 * conf_space_cases.
 */
#include <stdlib.h>

#include "conf.h"

#define MiB	(1024ULL * 1024)
#define GiB	(1024ULL * MiB)

static void
statvfs_sane(struct conf_ctx *t)
{
	struct vfs_statvfs sv, sv2;

	CHECK_OK(vfs_sys_statvfs("/c", &sv));
	CHECK(sv.f_bsize > 0);
	CHECK(sv.f_frsize > 0);
	CHECK(sv.f_blocks > 0);
	CHECK(sv.f_bfree <= sv.f_blocks);
	CHECK(sv.f_bavail <= sv.f_bfree);
	CHECK(sv.f_ffree <= sv.f_files);
	CHECK(sv.f_favail <= sv.f_ffree);
	CHECK(sv.f_namemax > 0);
	if (t->fs->cf_caps & CAP_LONGNAME)
		CHECK_EQ(sv.f_namemax, 255);
	CHECK_EQ(!!(sv.f_flag & VFS_ST_RDONLY),
	    !!(t->fs->cf_caps & CAP_RDONLY));
	CHECK_ERR(vfs_sys_statvfs("/c/missing", &sv2), ENOENT);
	if (t->fs->cf_caps & CAP_WRITE) {
		MKDIR("/c/d");
		PUTS("/c/d/f", "x");
		CHECK_OK(vfs_sys_statvfs("/c/d/f", &sv2));
		CHECK_EQU(sv2.f_blocks, sv.f_blocks);
		CHECK_EQU(sv2.f_fsid, sv.f_fsid);
		if (sv.f_files != 0)
			CHECK(sv2.f_ffree < sv.f_ffree);
	}
}

/* Write one byte at 10 MiB: the hole reads zeros and takes no space. */
static void
sparse_file(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	CHECK_OK(vfs_sys_pwrite(fd, "x", 1, 10 * MiB, &(size_t){ 0 }));
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_size, 10 * MiB + 1);
	CHECK(va.va_bytes < 1 * MiB);
	CHECK_ZERO(fd, 0, 65536);
	CHECK_ZERO(fd, 5 * MiB - 3, 70000);
	CHECK_ZERO(fd, 10 * MiB - 65536, 65536);
	/* Fill a piece in the middle; the rest stays a hole. */
	WRITE_PAT(fd, 41, 3 * MiB + 5, 10000);
	CHECK_ZERO(fd, 3 * MiB - 4096, 4101);
	CHECK_PAT(fd, 41, 3 * MiB + 5, 10000);
	CHECK_ZERO(fd, 3 * MiB + 10005, 8192);
	CLOSE(fd);
	STAT("/c/f", &va);
	CHECK(va.va_bytes < 1 * MiB);
	EXPECT_NAMES("/c", "f\0");
}

/* SEEK_DATA/SEEK_HOLE on a file with real holes. */
static void
seek_data_hole(struct conf_ctx *t)
{
	uint64_t off;
	int fd;

	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	WRITE_PAT(fd, 42, 0, 4096);
	WRITE_PAT(fd, 43, 10 * MiB, 1);
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_DATA, &off));
	CHECK_EQ(off, 0);
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_HOLE, &off));
	CHECK(off >= 4096 && off <= 10 * MiB);
	CHECK_OK(vfs_sys_lseek(fd, 100, SEEK_HOLE, &off));
	CHECK(off >= 4096 && off <= 10 * MiB);
	CHECK_OK(vfs_sys_lseek(fd, 8 * MiB, SEEK_DATA, &off));
	CHECK(off <= 10 * MiB && off > 10 * MiB - 65536);
	CHECK_OK(vfs_sys_lseek(fd, 8 * MiB, SEEK_HOLE, &off));
	CHECK_EQ(off, 8 * MiB);
	CHECK_OK(vfs_sys_lseek(fd, 10 * MiB, SEEK_HOLE, &off));
	CHECK_EQ(off, 10 * MiB + 1);
	CHECK_OK(vfs_sys_lseek(fd, 10 * MiB, SEEK_DATA, &off));
	CHECK_EQ(off, 10 * MiB);
	/* The descriptor's offset moved to the answer. */
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_CUR, &off));
	CHECK_EQ(off, 10 * MiB);
	CHECK_ERR(vfs_sys_lseek(fd, 10 * MiB + 1, SEEK_DATA, &off), ENXIO);
	CHECK_ERR(vfs_sys_lseek(fd, 10 * MiB + 1, SEEK_HOLE, &off), ENXIO);
	CHECK_ERR(vfs_sys_lseek(fd, 20 * MiB, SEEK_DATA, &off), ENXIO);
	/* A hole at the end only (truncate up). */
	CHECK_OK(vfs_sys_ftruncate(fd, 30 * MiB));
	CHECK_ERR(vfs_sys_lseek(fd, 12 * MiB, SEEK_DATA, &off), ENXIO);
	CHECK_OK(vfs_sys_lseek(fd, 10 * MiB, SEEK_HOLE, &off));
	CHECK(off > 10 * MiB && off <= 10 * MiB + 65536);
	CLOSE(fd);
}

/* Semantics every filesystem has, holes or not. */
static void
seek_data_generic(struct conf_ctx *t)
{
	uint64_t off;
	int fd;

	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	CHECK_ERR(vfs_sys_lseek(fd, 0, SEEK_DATA, &off), ENXIO);
	CHECK_ERR(vfs_sys_lseek(fd, 0, SEEK_HOLE, &off), ENXIO);
	WRITE_PAT(fd, 44, 0, 1000);
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_DATA, &off));
	CHECK_EQ(off, 0);
	CHECK_OK(vfs_sys_lseek(fd, 500, SEEK_DATA, &off));
	CHECK_EQ(off, 500);
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_HOLE, &off));
	CHECK_EQ(off, 1000);
	CHECK_OK(vfs_sys_lseek(fd, 999, SEEK_HOLE, &off));
	CHECK_EQ(off, 1000);
	CHECK_ERR(vfs_sys_lseek(fd, 1000, SEEK_DATA, &off), ENXIO);
	CHECK_ERR(vfs_sys_lseek(fd, 1000, SEEK_HOLE, &off), ENXIO);
	CHECK_ERR(vfs_sys_lseek(fd, 5000, SEEK_DATA, &off), ENXIO);
	CHECK_ERR(vfs_sys_lseek(fd, -1, SEEK_DATA, &off), ENXIO);
	CLOSE(fd);
}

static void
fallocate_basic(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	CHECK_OK(vfs_sys_fallocate(fd, 0, 0, 1 * MiB));
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_size, 1 * MiB);
	CHECK(va.va_bytes >= 1 * MiB);
	CHECK_ZERO(fd, 0, 1 * MiB);
	/* KEEP_SIZE allocates beyond EOF without growing the size. */
	CHECK_OK(vfs_sys_fallocate(fd, FALLOC_FL_KEEP_SIZE, 1 * MiB, 2 * MiB));
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_size, 1 * MiB);
	CHECK(va.va_bytes >= 3 * MiB);
	/* Allocating over data keeps the data. */
	WRITE_PAT(fd, 45, 0, 256 * 1024);
	CHECK_OK(vfs_sys_fallocate(fd, 0, 4096, 65536));
	CHECK_PAT(fd, 45, 0, 256 * 1024);
	/* Punch a hole in it. */
	CHECK_OK(vfs_sys_fallocate(fd, FALLOC_FL_PUNCH_HOLE |
	    FALLOC_FL_KEEP_SIZE, 65536, 65536));
	CHECK_PAT(fd, 45, 0, 65536);
	CHECK_ZERO(fd, 65536, 65536);
	CHECK_PAT(fd, 45, 131072, 131072);
	/* Unaligned punch zeroes exactly its range. */
	CHECK_OK(vfs_sys_fallocate(fd, FALLOC_FL_PUNCH_HOLE |
	    FALLOC_FL_KEEP_SIZE, 140000, 3));
	CHECK_PAT(fd, 45, 131072, 140000 - 131072);
	CHECK_ZERO(fd, 140000, 3);
	CHECK_PAT(fd, 45, 140003, 262144 - 140003);
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_size, 1 * MiB);
	/* Errors like Linux. */
	CHECK_ERR(vfs_sys_fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096),
	    EOPNOTSUPP);
	CHECK_ERR(vfs_sys_fallocate(fd, 0, 0, 0), EINVAL);
	CLOSE(fd);
	OPEN("/c/f", O_RDONLY, &fd);
	CHECK_ERR(vfs_sys_fallocate(fd, 0, 0, 4096), EBADF);
	CLOSE(fd);
}

/* A byte at 5 GiB, and a write straddling 4 GiB. */
static void
large_file(struct conf_ctx *t)
{
	struct vattr va;
	uint64_t off;
	size_t done;
	char c;
	int fd;

	CHECK_OK(vfs_sys_open("/c/big", O_RDWR | O_CREAT, 0644, &fd));
	CHECK_OK(vfs_sys_pwrite(fd, "L", 1, 5 * GiB, &done));
	CHECK_EQ(done, 1);
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_size, 5 * GiB + 1);
	CHECK(va.va_bytes < 1 * MiB);
	CHECK_OK(vfs_sys_pread(fd, &c, 1, 5 * GiB, &done));
	CHECK_EQ(done, 1);
	CHECK_EQ(c, 'L');
	CHECK_ZERO(fd, 4 * GiB - 10, 20);
	WRITE_PAT(fd, 46, 4 * GiB - 3000, 7000);
	CHECK_PAT(fd, 46, 4 * GiB - 3000, 7000);
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_END, &off));
	CHECK_EQ(off, 5 * GiB + 1);
	CHECK_OK(vfs_sys_lseek(fd, 6 * GiB, SEEK_SET, &off));
	CHECK_OK(vfs_sys_write(fd, "M", 1, &done));
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_size, 6 * GiB + 1);
	CLOSE(fd);
	CHECK_OK(vfs_sys_truncate("/c/big", 4 * GiB + 3));
	STAT("/c/big", &va);
	CHECK_EQ(va.va_size, 4 * GiB + 3);
	OPEN("/c/big", O_RDONLY, &fd);
	CHECK_PAT(fd, 46, 4 * GiB - 3000, 3003);
	CHECK_OK(vfs_sys_pread(fd, &c, 1, 5 * GiB, &done));
	CHECK_EQ(done, 0);
	CLOSE(fd);
	CHECK_OK(vfs_sys_truncate("/c/big", 1));
	CHECK_OK(vfs_sys_unlink("/c/big"));
}

/*
 * Fill the small filesystem with one file until ENOSPC; it stays
 * consistent, deleting frees the space, and writing works again.
 */
static void
enospc_fill(struct conf_ctx *t)
{
	const size_t chunk = 65536;
	struct vfs_statvfs base, sv;
	uint64_t total = 0, tol;
	struct vattr va;
	size_t done;
	uint8_t *buf;
	int fd, fd2, error = 0, i;

	buf = conf_alloc(t, chunk);
	vfs_sys_sync();
	CHECK_OK(vfs_sys_statvfs("/c", &base));
	tol = base.f_blocks / 64 + 2;
	CHECK_OK(vfs_sys_open("/c/fill", O_RDWR | O_CREAT, 0644, &fd));
	for (i = 0; i < 1000000; i++) {
		conf_fill(buf, chunk, 47, total);
		error = vfs_sys_pwrite(fd, buf, chunk, total, &done);
		if (error != 0)
			break;
		CHECK(done > 0 && done <= chunk);
		total += done;
	}
	CHECK_ERR(error, ENOSPC);
	CHECK(total > 0);
	CHECK(total <= base.f_blocks * base.f_frsize);
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_size, total);
	CHECK_PAT(fd, 47, 0, total);
	CHECK_OK(vfs_sys_statvfs("/c", &sv));
	CHECK(sv.f_bavail * sv.f_frsize < 2 * chunk);
	/* Writing anywhere else fails too, and leaves things intact. */
	error = vfs_sys_open("/c/other", O_RDWR | O_CREAT, 0644, &fd2);
	CHECK(error == 0 || error == ENOSPC);
	if (error == 0) {
		error = vfs_sys_pwrite(fd2, buf, chunk, 0, &done);
		CHECK(error == ENOSPC || (error == 0 && done < chunk));
		CLOSE(fd2);
		CHECK_OK(vfs_sys_unlink("/c/other"));
	}
	CHECK_OK(vfs_sys_fsync(fd));
	CLOSE(fd);
	OPEN("/c/fill", O_RDONLY, &fd);
	CHECK_PAT(fd, 47, 0, total);
	CLOSE(fd);
	/* Delete: the space comes back. */
	CHECK_OK(vfs_sys_unlink("/c/fill"));
	vfs_sys_sync();
	CHECK_OK(vfs_sys_statvfs("/c", &sv));
	if (sv.f_bfree + tol < base.f_bfree)
		FAIL("after unlink: f_bfree %llu, baseline %llu",
		    (unsigned long long)sv.f_bfree,
		    (unsigned long long)base.f_bfree);
	/* And is usable again. */
	CHECK_OK(vfs_sys_open("/c/again", O_RDWR | O_CREAT, 0644, &fd));
	WRITE_PAT(fd, 48, 0, total / 2);
	CHECK_PAT(fd, 48, 0, total / 2);
	CLOSE(fd);
	EXPECT_NAMES("/c", "again\0");
}

/* Many small files until ENOSPC; all intact; remove all; reusable. */
static void
enospc_many_files(struct conf_ctx *t)
{
	struct vfs_statvfs base, sv;
	struct conf_dirlist dl;
	char name[64], data[4096];
	int n, i, fd, error = 0;
	size_t done, off;
	uint64_t tol;

	vfs_sys_sync();
	CHECK_OK(vfs_sys_statvfs("/c", &base));
	tol = base.f_blocks / 64 + 2;
	MKDIR("/c/d");
	for (n = 0; n < 500000; n++) {
		snprintf(name, sizeof(name), "/c/d/f%06d", n);
		error = vfs_sys_open(name, O_RDWR | O_CREAT | O_EXCL, 0644,
		    &fd);
		if (error != 0)
			break;
		memset(data, 0, sizeof(data));
		memcpy(data, name, strlen(name));
		for (off = 0; off < sizeof(data) && error == 0; off += done)
			error = vfs_sys_pwrite(fd, data + off,
			    sizeof(data) - off, off, &done);
		CLOSE(fd);
		if (error != 0) {
			n++;	/* it exists, partly written */
			break;
		}
	}
	CHECK_ERR(error, ENOSPC);
	CHECK(n > 10);
	/* Every created file is listed and (if complete) intact. */
	TRY(conf_list(t, CONF_LOC, "/c/d", 50, &dl));
	CHECK_EQ(dl.n, (size_t)n + 2);
	for (i = 0; i < n - 1; i++) {
		char *buf;
		size_t len;

		snprintf(name, sizeof(name), "/c/d/f%06d", i);
		GET(name, &buf, &len);
		CHECK_EQ(len, 4096);
		CHECK_MEM(buf, name, strlen(name));
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "/c/d/f%06d", i);
		CHECK_OK(vfs_sys_unlink(name));
	}
	EXPECT_NAMES("/c/d", "");
	CHECK_OK(vfs_sys_rmdir("/c/d"));
	vfs_sys_sync();
	CHECK_OK(vfs_sys_statvfs("/c", &sv));
	if (sv.f_bfree + tol < base.f_bfree)
		FAIL("after deleting all: f_bfree %llu, baseline %llu",
		    (unsigned long long)sv.f_bfree,
		    (unsigned long long)base.f_bfree);
	if (base.f_files != 0 && sv.f_ffree + 2 < base.f_ffree)
		FAIL("after deleting all: f_ffree %llu, baseline %llu",
		    (unsigned long long)sv.f_ffree,
		    (unsigned long long)base.f_ffree);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "/c/again%d", i);
		PUTS(name, name);
	}
}

/* statvfs follows writes and deletes. */
static void
statvfs_accounting(struct conf_ctx *t)
{
	struct vfs_statvfs base, sv;
	uint64_t need, tol;
	int fd;

	vfs_sys_sync();
	CHECK_OK(vfs_sys_statvfs("/c", &base));
	need = MiB / base.f_frsize;
	tol = need / 16 + 2;
	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	WRITE_PAT(fd, 49, 0, MiB);
	CLOSE(fd);
	vfs_sys_sync();
	CHECK_OK(vfs_sys_statvfs("/c", &sv));
	if (sv.f_bfree + need > base.f_bfree + tol)
		FAIL("after writing 1 MiB: f_bfree %llu, baseline %llu, "
		    "expected a drop of about %llu",
		    (unsigned long long)sv.f_bfree,
		    (unsigned long long)base.f_bfree,
		    (unsigned long long)need);
	CHECK_OK(vfs_sys_truncate("/c/f", 0));
	vfs_sys_sync();
	CHECK_OK(vfs_sys_statvfs("/c", &sv));
	if (sv.f_bfree + tol < base.f_bfree)
		FAIL("after truncating to 0: f_bfree %llu, baseline %llu",
		    (unsigned long long)sv.f_bfree,
		    (unsigned long long)base.f_bfree);
}

/* fallocate past the free space: ENOSPC and nothing kept. */
static void
enospc_fallocate(struct conf_ctx *t)
{
	struct vfs_statvfs base, sv;
	struct vattr va;
	uint64_t tol;
	int fd;

	vfs_sys_sync();
	CHECK_OK(vfs_sys_statvfs("/c", &base));
	tol = base.f_blocks / 64 + 2;
	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	CHECK_ERR(vfs_sys_fallocate(fd, 0, 0,
	    (base.f_blocks + 16) * base.f_frsize), ENOSPC);
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_size, 0);
	CLOSE(fd);
	vfs_sys_sync();
	CHECK_OK(vfs_sys_statvfs("/c", &sv));
	if (sv.f_bfree + tol < base.f_bfree)
		FAIL("after a failed fallocate: f_bfree %llu, baseline %llu",
		    (unsigned long long)sv.f_bfree,
		    (unsigned long long)base.f_bfree);
}

const struct conf_case conf_space_cases[] = {
	{ "statvfs_sane", statvfs_sane, 0 },
	{ "sparse_file", sparse_file, CAP_WRITE | CAP_SPARSE },
	{ "seek_data_hole", seek_data_hole,
	    CAP_WRITE | CAP_SPARSE | CAP_SEEK_HOLE },
	{ "seek_data_generic", seek_data_generic, CAP_WRITE },
	{ "fallocate_basic", fallocate_basic, CAP_WRITE | CAP_FALLOCATE },
	{ "large_file", large_file, CAP_WRITE | CAP_LARGEFILE | CAP_SPARSE },
	{ "enospc_fill", enospc_fill, CAP_WRITE | CAP_ENOSPC },
	{ "enospc_many_files", enospc_many_files, CAP_WRITE | CAP_ENOSPC },
	{ "statvfs_accounting", statvfs_accounting, CAP_WRITE | CAP_ENOSPC },
	{ "enospc_fallocate", enospc_fallocate,
	    CAP_WRITE | CAP_ENOSPC | CAP_FALLOCATE },
	{ NULL, NULL, 0 }
};
