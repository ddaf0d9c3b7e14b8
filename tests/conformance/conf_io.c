/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_io.c -- conformance cases for file data: read/write/pread/pwrite
 * and lseek round trips at odd offsets and sizes (1 byte, around page
 * and block sizes, 1 MiB + 7), writes spanning many blocks, overwrites
 * in the middle, short reads at EOF, file offsets.  Exports conf_io_cases.
 */
#include <stdlib.h>

#include "conf.h"

static void
rw_one_byte(struct conf_ctx *t)
{
	struct vattr va;
	size_t done;
	char c = 0;
	int fd;

	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	CHECK_OK(vfs_sys_write(fd, "Q", 1, &done));
	CHECK_EQ(done, 1);
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_size, 1);
	/* The offset is at EOF: read gives 0 bytes. */
	CHECK_OK(vfs_sys_read(fd, &c, 1, &done));
	CHECK_EQ(done, 0);
	CHECK_OK(vfs_sys_pread(fd, &c, 1, 0, &done));
	CHECK_EQ(done, 1);
	CHECK_EQ(c, 'Q');
	/* Zero-length transfers are fine and change nothing. */
	CHECK_OK(vfs_sys_write(fd, "", 0, &done));
	CHECK_EQ(done, 0);
	CHECK_OK(vfs_sys_pread(fd, &c, 0, 0, &done));
	CHECK_EQ(done, 0);
	CLOSE(fd);
	EXPECTS("/c/f", "Q");
}

/* Sizes and offsets around the page and block sizes. */
static void
rw_page_edges(struct conf_ctx *t)
{
	static const size_t sizes[] = { 1, 511, 512, 513, 4095, 4096, 4097,
	    8191, 8192, 8193, 65535, 65536, 65537 };
	static const uint64_t offs[] = { 0, 1, 511, 4095, 4096, 4097, 12287,
	    65536 + 3 };
	char name[64];
	struct vattr va;
	size_t i, j;
	int fd;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (j = 0; j < sizeof(offs) / sizeof(offs[0]); j++) {
			snprintf(name, sizeof(name), "/c/f%zu_%zu", i, j);
			CHECK_OK(vfs_sys_open(name, O_RDWR | O_CREAT, 0644,
			    &fd));
			WRITE_PAT(fd, i * 100 + j, offs[j], sizes[i]);
			CHECK_OK(vfs_sys_fstat(fd, &va));
			CHECK_EQ(va.va_size, offs[j] + sizes[i]);
			CHECK_ZERO(fd, 0, offs[j]);
			CHECK_PAT(fd, i * 100 + j, offs[j], sizes[i]);
			CLOSE(fd);
		}
	/* Read back again through fresh descriptors. */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (j = 0; j < sizeof(offs) / sizeof(offs[0]); j++) {
			snprintf(name, sizeof(name), "/c/f%zu_%zu", i, j);
			OPEN(name, O_RDONLY, &fd);
			CHECK_PAT(fd, i * 100 + j, offs[j], sizes[i]);
			CLOSE(fd);
		}
}

/* 1 MiB + 7 in odd-sized sequential writes, read back in other sizes. */
static void
rw_big_sequential(struct conf_ctx *t)
{
	const size_t total = (1 << 20) + 7, wchunk = 12345, rchunk = 65537;
	uint8_t *buf, *got;
	size_t off, n, done;
	uint64_t pos;
	int fd;

	buf = conf_alloc(t, total);
	got = conf_alloc(t, total + 1);
	conf_fill(buf, total, 7, 0);
	CHECK_OK(vfs_sys_open("/c/big", O_WRONLY | O_CREAT | O_TRUNC, 0644,
	    &fd));
	for (off = 0; off < total; off += done) {
		n = total - off < wchunk ? total - off : wchunk;
		CHECK_OK(vfs_sys_write(fd, buf + off, n, &done));
		CHECK(done > 0);
	}
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_CUR, &pos));
	CHECK_EQ(pos, total);
	CLOSE(fd);
	OPEN("/c/big", O_RDONLY, &fd);
	for (off = 0; ; off += done) {
		n = total + 1 - off < rchunk ? total + 1 - off : rchunk;
		CHECK_OK(vfs_sys_read(fd, got + off, n, &done));
		if (done == 0)
			break;
		CHECK(off + done <= total);
	}
	CHECK_EQ(off, total);
	CHECK_MEM(got, buf, total);
	CLOSE(fd);
	EXPECT("/c/big", buf, total);
}

/* One write spanning many blocks at an unaligned offset. */
static void
rw_span_blocks(struct conf_ctx *t)
{
	int fd;

	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	WRITE_PAT(fd, 11, 777, 300 * 1024 + 13);
	CHECK_ZERO(fd, 0, 777);
	CHECK_PAT(fd, 11, 777, 300 * 1024 + 13);
	/* Overwrite across block boundaries with a second pattern. */
	WRITE_PAT(fd, 12, 4000, 200000);
	CHECK_PAT(fd, 11, 777, 4000 - 777);
	CHECK_PAT(fd, 12, 4000, 200000);
	CHECK_PAT(fd, 11, 204000, 777 + 300 * 1024 + 13 - 204000);
	CLOSE(fd);
}

static void
overwrite_middle(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	WRITE_PAT(fd, 3, 0, 65536);
	WRITE_PAT(fd, 4, 30000, 1000);
	WRITE_PAT(fd, 5, 4095, 2);
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_size, 65536);
	CLOSE(fd);
	OPEN("/c/f", O_RDONLY, &fd);
	CHECK_PAT(fd, 3, 0, 4095);
	CHECK_PAT(fd, 5, 4095, 2);
	CHECK_PAT(fd, 3, 4097, 30000 - 4097);
	CHECK_PAT(fd, 4, 30000, 1000);
	CHECK_PAT(fd, 3, 31000, 65536 - 31000);
	CLOSE(fd);
}

static void
read_short_eof(struct conf_ctx *t)
{
	char buf[300];
	size_t done;
	int fd;

	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	WRITE_PAT(fd, 6, 0, 100);
	CHECK_OK(vfs_sys_pread(fd, buf, 200, 50, &done));
	CHECK_EQ(done, 50);
	CHECK_OK(vfs_sys_pread(fd, buf, 200, 100, &done));
	CHECK_EQ(done, 0);
	CHECK_OK(vfs_sys_pread(fd, buf, 200, 1000000, &done));
	CHECK_EQ(done, 0);
	CHECK_OK(vfs_sys_lseek(fd, 90, SEEK_SET, &(uint64_t){ 0 }));
	CHECK_OK(vfs_sys_read(fd, buf, sizeof(buf), &done));
	CHECK_EQ(done, 10);
	CHECK_OK(vfs_sys_read(fd, buf, sizeof(buf), &done));
	CHECK_EQ(done, 0);
	CLOSE(fd);
}

static void
lseek_whence(struct conf_ctx *t)
{
	uint64_t off;
	size_t done;
	char c;
	int fd;

	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	WRITE_PAT(fd, 8, 0, 1000);
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_CUR, &off));
	CHECK_EQ(off, 0);		/* pwrite leaves the offset alone */
	CHECK_OK(vfs_sys_lseek(fd, 10, SEEK_SET, &off));
	CHECK_EQ(off, 10);
	CHECK_OK(vfs_sys_lseek(fd, 5, SEEK_CUR, &off));
	CHECK_EQ(off, 15);
	CHECK_OK(vfs_sys_lseek(fd, -5, SEEK_CUR, &off));
	CHECK_EQ(off, 10);
	CHECK_OK(vfs_sys_read(fd, &c, 1, &done));
	CHECK_EQ((uint8_t)c, conf_pat(8, 10));
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_CUR, &off));
	CHECK_EQ(off, 11);
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_END, &off));
	CHECK_EQ(off, 1000);
	CHECK_OK(vfs_sys_lseek(fd, -1, SEEK_END, &off));
	CHECK_EQ(off, 999);
	/* A negative result is EINVAL and leaves the offset. */
	CHECK_ERR(vfs_sys_lseek(fd, -2000, SEEK_END, &off), EINVAL);
	CHECK_ERR(vfs_sys_lseek(fd, -1, SEEK_SET, &off), EINVAL);
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_CUR, &off));
	CHECK_EQ(off, 999);
	CHECK_ERR(vfs_sys_lseek(fd, 0, 77, &off), EINVAL);
	/* Past EOF, then write: the gap reads as zeros. */
	CHECK_OK(vfs_sys_lseek(fd, 5000, SEEK_SET, &off));
	CHECK_EQ(off, 5000);
	CHECK_OK(vfs_sys_write(fd, "E", 1, &done));
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_CUR, &off));
	CHECK_EQ(off, 5001);
	CHECK_PAT(fd, 8, 0, 1000);
	CHECK_ZERO(fd, 1000, 4000);
	CLOSE(fd);
}

/* pread/pwrite do not move the offset; read/write do. */
static void
pread_pwrite_offset(struct conf_ctx *t)
{
	uint64_t off;
	size_t done;
	char buf[16];
	int fd;

	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	CHECK_OK(vfs_sys_write(fd, "abcdef", 6, &done));
	CHECK_OK(vfs_sys_pwrite(fd, "XY", 2, 1, &done));
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_CUR, &off));
	CHECK_EQ(off, 6);
	CHECK_OK(vfs_sys_pread(fd, buf, 4, 0, &done));
	CHECK_EQ(done, 4);
	CHECK_MEM(buf, "aXYd", 4);
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_CUR, &off));
	CHECK_EQ(off, 6);
	CHECK_OK(vfs_sys_write(fd, "g", 1, &done));
	CLOSE(fd);
	EXPECTS("/c/f", "aXYdefg");
}

/* Two descriptors of one file see each other's writes at once. */
static void
two_fds_coherent(struct conf_ctx *t)
{
	int a, b;

	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &a));
	OPEN("/c/f", O_RDWR, &b);
	WRITE_PAT(a, 9, 0, 50000);
	CHECK_PAT(b, 9, 0, 50000);
	WRITE_PAT(b, 10, 10000, 100);
	CHECK_PAT(a, 10, 10000, 100);
	CLOSE(a);
	CLOSE(b);
}

/* Many small files with distinct contents. */
static void
many_small_files(struct conf_ctx *t)
{
	char name[64], *buf;
	size_t len;
	int i, fd;

	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "/c/s%d", i);
		CHECK_OK(vfs_sys_open(name, O_RDWR | O_CREAT, 0644, &fd));
		WRITE_PAT(fd, 1000 + i, 0, (size_t)i * 37);
		CLOSE(fd);
	}
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "/c/s%d", i);
		GET(name, &buf, &len);
		CHECK_EQ(len, (size_t)i * 37);
		OPEN(name, O_RDONLY, &fd);
		CHECK_PAT(fd, 1000 + i, 0, len);
		CLOSE(fd);
	}
}

const struct conf_case conf_io_cases[] = {
	{ "rw_one_byte", rw_one_byte, CAP_WRITE },
	{ "rw_page_edges", rw_page_edges, CAP_WRITE },
	{ "rw_big_sequential", rw_big_sequential, CAP_WRITE },
	{ "rw_span_blocks", rw_span_blocks, CAP_WRITE },
	{ "overwrite_middle", overwrite_middle, CAP_WRITE },
	{ "read_short_eof", read_short_eof, CAP_WRITE },
	{ "lseek_whence", lseek_whence, CAP_WRITE },
	{ "pread_pwrite_offset", pread_pwrite_offset, CAP_WRITE },
	{ "two_fds_coherent", two_fds_coherent, CAP_WRITE },
	{ "many_small_files", many_small_files, CAP_WRITE },
	{ NULL, NULL, 0 }
};
