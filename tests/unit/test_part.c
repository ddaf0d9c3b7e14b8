/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_part.c -- unit tests of the partition table parsers (vfs_part*.c)
 * on in-memory devices: MBR primaries, extended and logical partitions,
 * GPT with 512- and 4096-byte sectors, its backup header, BSD disklabels
 * (whole disk, either byte order, inside NetBSD and FreeBSD slices with
 * absolute and relative offsets), partition selection and its window,
 * the kernel's mount options, and corrupt tables: EBR loops, EBRs outside
 * the extended partition, endless chains, bad CRCs, partitions past the
 * end, huge counts, bad checksums -- plus random corruption of valid
 * tables, which must never crash, hang or read outside the device.
 */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kern/kern.h"
#include "kern/blkdev.h"
#include "vfs_pub.h"
#include "rumpuser.h"
#include "../../vfs/vfs_part.h"
#include "cunit_tap.h"

#define MiB		(1024 * 1024)
#define IMGSIZE		(8 * MiB)

static uint8_t img[IMGSIZE];
static struct part_table ptbuf;
static struct part_table *pt = &ptbuf;

/* ---- little helpers ---- */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void
put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
crc32(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffU;
	int k;

	while (len-- > 0) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xedb88320U : crc >> 1;
	}
	return ~crc;
}

/* Scan IMG (SIZE bytes) into PT. */
static int
scan(size_t size)
{
	struct blkdev *dev;
	int error;

	if (blkdev_open_mem(img, size, size, true, &dev) != 0)
		return -1;
	error = part_scan(dev, pt);
	blkdev_close(dev);
	return error;
}

static const struct part_ent *
ent(const char *name)
{
	return part_lookup(pt, name);
}

static bool
ent_is(const char *name, uint64_t startsec, uint64_t nsec, uint32_t ss)
{
	const struct part_ent *pe = ent(name);

	return pe != NULL && pe->pe_start == startsec * ss &&
	    pe->pe_size == nsec * ss;
}

/* One MBR record at SECTOR (0 = the MBR, else an EBR), slot I. */
static void
mbr_set(uint64_t sector, int i, uint8_t type, uint32_t start, uint32_t n)
{
	uint8_t *e = img + sector * 512 + 446 + 16 * i;

	memset(e, 0, 16);
	e[4] = type;
	put32(e + 8, start);
	put32(e + 12, n);
	img[sector * 512 + 510] = 0x55;
	img[sector * 512 + 511] = 0xaa;
}

static void
reset(void)
{
	memset(img, 0, IMGSIZE);
}

/* ---- MBR ---- */

/* 1: Linux 2048+2048, 2: FAT32 4096+2048, 3: extended 8192+8192 with
 * logical 5 at 10240+1024 and 6 at 12288+1024. */
static void
mbr_std(void)
{
	reset();
	mbr_set(0, 0, 0x83, 2048, 2048);
	mbr_set(0, 1, 0x0c, 4096, 2048);
	mbr_set(0, 2, 0x05, 8192, 8192);
	mbr_set(8192, 0, 0x83, 2048, 1024);	/* relative to this EBR */
	mbr_set(8192, 1, 0x05, 3072, 2048);	/* relative to the ext */
	mbr_set(11264, 0, 0x83, 1024, 1024);
}

static void
test_mbr_basic(void)
{
	char type[64];

	mbr_std();
	CU_ASSERT_EQUAL_FATAL(scan(IMGSIZE), 0);
	CU_ASSERT_EQUAL(pt->pt_scheme, PART_MBR);
	CU_ASSERT_EQUAL(pt->pt_n, 5);
	CU_ASSERT(ent_is("1", 2048, 2048, 512));
	CU_ASSERT(ent_is("2", 4096, 2048, 512));
	CU_ASSERT(ent_is("3", 8192, 8192, 512));
	CU_ASSERT(ent("3") != NULL && ent("3")->pe_container);
	CU_ASSERT(ent_is("5", 10240, 1024, 512));
	CU_ASSERT(ent_is("6", 12288, 1024, 512));
	CU_ASSERT_PTR_NULL(ent("4"));
	CU_ASSERT_PTR_NULL(ent("1")->pe_problem);
	part_typename(ent("2"), type, sizeof(type));
	CU_ASSERT_STRING_EQUAL(type, "0x0c W95 FAT32 (LBA)");

	/* An empty extended partition (no EBR signature) has no logicals. */
	reset();
	mbr_set(0, 0, 0x0f, 2048, 4096);
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_EQUAL(pt->pt_n, 1);

	/* Not an MBR: bad boot flag, no signature, no entries. */
	mbr_std();
	img[446] = 0x12;
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_EQUAL(pt->pt_scheme, PART_NONE);
	mbr_std();
	img[510] = 0;
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_EQUAL(pt->pt_scheme, PART_NONE);
	reset();
	img[510] = 0x55;
	img[511] = 0xaa;
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_EQUAL(pt->pt_scheme, PART_NONE);
	/* Tiny devices. */
	CU_ASSERT_EQUAL(scan(100), 0);
	CU_ASSERT_EQUAL(pt->pt_scheme, PART_NONE);
}

/* A FAT boot sector ends in 55 AA too: it is a filesystem, not an MBR. */
static void
test_mbr_fatboot(void)
{
	reset();
	mbr_set(0, 0, 0x83, 2048, 2048);
	img[0] = 0xeb;
	img[1] = 0x3c;
	img[2] = 0x90;
	put16(img + 11, 512);
	img[13] = 4;
	put16(img + 14, 1);
	img[16] = 2;
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_EQUAL(pt->pt_scheme, PART_NONE);
	img[16] = 0;		/* no FATs: not a BPB, so an MBR again */
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_EQUAL(pt->pt_scheme, PART_MBR);
}

static void
test_mbr_corrupt(void)
{
	uint32_t i;

	/* The second EBR points back at the first: a loop. */
	mbr_std();
	mbr_set(11264, 1, 0x05, 0, 2048);
	CU_ASSERT_EQUAL(scan(IMGSIZE), EUCLEAN);
	CU_ASSERT_PTR_NOT_NULL(strstr(pt->pt_why, "loops"));
	CU_ASSERT_PTR_NOT_NULL(ent("5"));	/* what came before stays */

	/* An EBR pointing at itself. */
	mbr_std();
	mbr_set(8192, 1, 0x05, 0, 2048);
	CU_ASSERT_EQUAL(scan(IMGSIZE), EUCLEAN);

	/* An EBR outside the extended partition. */
	mbr_std();
	mbr_set(8192, 1, 0x05, 9000, 16);
	CU_ASSERT_EQUAL(scan(IMGSIZE), EUCLEAN);
	CU_ASSERT_PTR_NOT_NULL(strstr(pt->pt_why, "outside the extended"));

	/* A later EBR without its signature. */
	mbr_std();
	img[11264 * 512 + 510] = 0;
	CU_ASSERT_EQUAL(scan(IMGSIZE), EUCLEAN);

	/* A chain of more EBRs than allowed (no loop: each moves on). */
	reset();
	mbr_set(0, 0, 0x05, 2048, 8192);
	for (i = 0; i < 200; i++) {
		mbr_set(2048 + 2 * i, 0, 0x83, 1, 1);
		mbr_set(2048 + 2 * i, 1, 0x05, 2 * (i + 1), 2);
	}
	CU_ASSERT_EQUAL(scan(IMGSIZE), EUCLEAN);
	CU_ASSERT_PTR_NOT_NULL(strstr(pt->pt_why, "more than"));
	CU_ASSERT_EQUAL(pt->pt_n, 1 + PART_MAXLOGICAL);

	/* An extended partition past the end of the device. */
	reset();
	mbr_set(0, 0, 0x83, 2048, 2048);
	mbr_set(0, 1, 0x05, IMGSIZE / 512 - 4, 0x100000);
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_PTR_NOT_NULL(ent("2")->pe_problem);
	CU_ASSERT_PTR_NULL(ent("1")->pe_problem);

	/* Partitions past the end: flagged, not fatal; huge values. */
	reset();
	mbr_set(0, 0, 0x83, 2048, IMGSIZE / 512);
	mbr_set(0, 1, 0x83, 0xffffffffU, 0xffffffffU);
	mbr_set(0, 2, 0x83, 2048, 2048);
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_STRING_EQUAL(ent("1")->pe_problem,
	    "extends past the end of the device");
	CU_ASSERT_STRING_EQUAL(ent("2")->pe_problem,
	    "starts past the end of the device");
	CU_ASSERT_PTR_NULL(ent("3")->pe_problem);

	/* A logical partition that leaves its extended partition. */
	mbr_std();
	mbr_set(0, 2, 0x05, 8192, 6000);
	mbr_set(11264, 0, 0x83, 1024, 2000);
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_STRING_EQUAL(ent("6")->pe_problem,
	    "outside its extended partition");

	/* Protective MBR without a GPT. */
	reset();
	mbr_set(0, 0, 0xee, 1, IMGSIZE / 512 - 1);
	CU_ASSERT_EQUAL(scan(IMGSIZE), EUCLEAN);
}

/* ---- GPT ---- */

static const uint8_t guid_linux[16] = {
	0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
	0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4 };
static const uint8_t guid_esp[16] = {
	0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
	0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b };

static void
gpt_header(uint32_t ss, uint64_t my, uint64_t alt, uint64_t entlba,
    uint64_t nsec, uint32_t nent, const uint8_t *ents)
{
	uint8_t *h = img + my * ss;
	uint32_t entsecs = (nent * 128 + ss - 1) / ss;

	memset(h, 0, ss);
	memcpy(h, "EFI PART", 8);
	put32(h + 8, 0x00010000);
	put32(h + 12, 92);
	put64(h + 24, my);
	put64(h + 32, alt);
	put64(h + 40, 2 + entsecs);
	put64(h + 48, nsec - 2 - entsecs);
	put64(h + 72, entlba);
	put32(h + 80, nent);
	put32(h + 84, 128);
	put32(h + 88, crc32(ents, (size_t)nent * 128));
	put32(h + 16, crc32(h, 92));
}

/* A GPT with 1: Linux 34*.. , 2: ESP, 5: Linux (slots 3, 4 empty). */
static void
gpt_build(uint32_t ss, size_t size)
{
	uint64_t nsec = size / ss;
	uint32_t nent = 128, entsecs = nent * 128 / ss;
	uint8_t *ents = img + 2 * ss;

	memset(img, 0, size);
	mbr_set(0, 0, 0xee, 1, (uint32_t)MIN(nsec - 1, 0xffffffffULL));
	memcpy(ents, guid_linux, 16);
	put64(ents + 32, 1 * MiB / ss);
	put64(ents + 40, 2 * MiB / ss - 1);
	put16(ents + 56, 'r');
	put16(ents + 58, 'o');
	put16(ents + 60, 0xe9);		/* not ASCII */
	memcpy(ents + 128, guid_esp, 16);
	put64(ents + 128 + 32, 2 * MiB / ss);
	put64(ents + 128 + 40, 3 * MiB / ss - 1);
	memcpy(ents + 4 * 128, guid_linux, 16);
	put64(ents + 4 * 128 + 32, 3 * MiB / ss);
	put64(ents + 4 * 128 + 40, 4 * MiB / ss - 1);
	/* backup entries, then the two headers */
	memcpy(img + (nsec - 1 - entsecs) * ss, ents, nent * 128);
	gpt_header(ss, 1, nsec - 1, 2, nsec, nent, ents);
	gpt_header(ss, nsec - 1, 1, nsec - 1 - entsecs, nsec, nent, ents);
}

static void
test_gpt(void)
{
	char type[64];
	uint32_t ss;

	for (ss = 512; ss <= 4096; ss *= 8) {
		gpt_build(ss, IMGSIZE);
		CU_ASSERT_EQUAL_FATAL(scan(IMGSIZE), 0);
		CU_ASSERT_EQUAL(pt->pt_scheme, PART_GPT);
		CU_ASSERT_EQUAL(pt->pt_secsize, ss);
		CU_ASSERT_EQUAL(pt->pt_n, 3);
		CU_ASSERT(ent_is("1", MiB / ss, MiB / ss, ss));
		CU_ASSERT(ent_is("2", 2 * MiB / ss, MiB / ss, ss));
		CU_ASSERT(ent_is("5", 3 * MiB / ss, MiB / ss, ss));
		CU_ASSERT_STRING_EQUAL(ent("1")->pe_label, "ro?");
		part_typename(ent("1"), type, sizeof(type));
		CU_ASSERT_STRING_EQUAL(type, "Linux filesystem");
		part_typename(ent("2"), type, sizeof(type));
		CU_ASSERT_STRING_EQUAL(type, "EFI System");
		CU_ASSERT_EQUAL(pt->pt_why[0], '\0');
	}
}

static void
test_gpt_corrupt(void)
{
	uint8_t *ents;
	uint64_t nsec = IMGSIZE / 512;

	/* Primary header CRC bad: the backup is used, with a note. */
	gpt_build(512, IMGSIZE);
	img[512 + 40] ^= 1;
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_EQUAL(pt->pt_scheme, PART_GPT);
	CU_ASSERT_EQUAL(pt->pt_n, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(pt->pt_why, "header CRC mismatch"));
	CU_ASSERT_PTR_NOT_NULL(strstr(pt->pt_why, "backup"));

	/* Primary entry array CRC bad: the backup's array is used. */
	gpt_build(512, IMGSIZE);
	img[2 * 512 + 32] ^= 0x40;
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT(ent_is("1", 2048, 2048, 512));
	CU_ASSERT_PTR_NOT_NULL(strstr(pt->pt_why, "entry array CRC"));

	/* Primary signature gone too. */
	gpt_build(512, IMGSIZE);
	memset(img + 512, 0, 512);
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_EQUAL(pt->pt_n, 3);

	/* Both bad. */
	gpt_build(512, IMGSIZE);
	img[512 + 40] ^= 1;
	img[(nsec - 1) * 512 + 40] ^= 1;
	CU_ASSERT_EQUAL(scan(IMGSIZE), EUCLEAN);
	CU_ASSERT_EQUAL(pt->pt_scheme, PART_GPT);

	/* A huge entry count with a valid CRC: refused, backup used. */
	gpt_build(512, IMGSIZE);
	put32(img + 512 + 80, 0x10000000);
	put32(img + 512 + 16, 0);
	put32(img + 512 + 16, crc32(img + 512, 92));
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(pt->pt_why, "number of entries"));

	/* Entry size too small, entry array outside the device. */
	gpt_build(512, IMGSIZE);
	put32(img + 512 + 84, 64);
	put32(img + 512 + 16, 0);
	put32(img + 512 + 16, crc32(img + 512, 92));
	img[(nsec - 1) * 512 + 72] = 0xff;	/* backup's CRC now bad */
	CU_ASSERT_EQUAL(scan(IMGSIZE), EUCLEAN);
	CU_ASSERT_PTR_NOT_NULL(strstr(pt->pt_why, "bad entry size"));
	gpt_build(512, IMGSIZE);
	put64(img + 512 + 72, nsec - 3);
	put32(img + 512 + 16, 0);
	put32(img + 512 + 16, crc32(img + 512, 92));
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(pt->pt_why, "outside the device"));

	/* Header size larger than a sector. */
	gpt_build(512, IMGSIZE);
	put32(img + 512 + 12, 600);
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(pt->pt_why, "header size"));

	/* Entries: reversed, past the end, outside the usable area. */
	gpt_build(512, IMGSIZE);
	ents = img + 1024;
	put64(ents + 32, 5000);
	put64(ents + 40, 4000);
	put64(ents + 128 + 40, 0xffffffffffffffffULL);
	put64(ents + 4 * 128 + 32, 1);
	memcpy(img + (nsec - 33) * 512, ents, 128 * 128);
	gpt_header(512, 1, nsec - 1, 2, nsec, 128, ents);
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_STRING_EQUAL(ent("1")->pe_problem, "ends before it starts");
	CU_ASSERT_STRING_EQUAL(ent("2")->pe_problem,
	    "extends past the end of the device");
	CU_ASSERT_STRING_EQUAL(ent("5")->pe_problem,
	    "outside the usable area");

	/* A truncated image: the primary is all that is left. */
	gpt_build(512, IMGSIZE);
	CU_ASSERT_EQUAL(scan(3 * MiB), 0);
	CU_ASSERT_PTR_NULL(ent("2")->pe_problem);
	CU_ASSERT_STRING_EQUAL(ent("5")->pe_problem,
	    "extends past the end of the device");
}

/* ---- BSD disklabels ---- */

/*
 * A NetBSD label at byte OFF: partitions a (off A, size AS), c (the
 * slice), d (whole disk), e (fstype MSDOS); BE: big-endian.
 */
static void
dl_build(size_t off, bool be, uint32_t a, uint32_t as, uint32_t slice,
    uint32_t slicelen)
{
	uint8_t *l = img + off;
	uint16_t x = 0;
	unsigned i, npart = 5;
	void (*p32)(uint8_t *, uint32_t) = be ? put32be : put32;

	memset(l, 0, 148 + 16 * npart);
	p32(l, 0x82564557);
	p32(l + 40, 512);
	p32(l + 60, IMGSIZE / 512);
	p32(l + 132, 0x82564557);
	if (be) {
		l[138] = 0;
		l[139] = (uint8_t)npart;
	} else
		put16(l + 138, (uint16_t)npart);
	/* a */
	p32(l + 148, as);
	p32(l + 148 + 4, a);
	l[148 + 12] = 7;
	/* c: the slice */
	p32(l + 148 + 32, slicelen);
	p32(l + 148 + 32 + 4, slice);
	/* d: the whole disk */
	p32(l + 148 + 48, IMGSIZE / 512);
	/* e: MSDOS, right after a */
	p32(l + 148 + 64, 1024);
	p32(l + 148 + 64 + 4, a + as);
	l[148 + 64 + 12] = 8;
	for (i = 0; i < 148 + 16 * npart; i += 2)
		x ^= (uint16_t)(l[i] | (l[i + 1] << 8));
	l[136] ^= (uint8_t)x;
	l[137] ^= (uint8_t)(x >> 8);
}

static void
test_disklabel(void)
{
	char type[64];
	bool be;

	for (be = false; ; be = true) {
		reset();
		dl_build(512, be, 64, 4096, 0, IMGSIZE / 512);
		CU_ASSERT_EQUAL_FATAL(scan(IMGSIZE), 0);
		CU_ASSERT_EQUAL(pt->pt_scheme, PART_DISKLABEL);
		CU_ASSERT(ent_is("a", 64, 4096, 512));
		CU_ASSERT(ent_is("c", 0, IMGSIZE / 512, 512));
		CU_ASSERT(ent_is("e", 64 + 4096, 1024, 512));
		CU_ASSERT_PTR_NULL(ent("b"));
		part_typename(ent("a"), type, sizeof(type));
		CU_ASSERT_STRING_EQUAL(type, "4.2BSD");
		part_typename(ent("e"), type, sizeof(type));
		CU_ASSERT_STRING_EQUAL(type, "MSDOS");
		if (be)
			break;
	}
	/* Another port's place: sector 0, offset 64. */
	reset();
	dl_build(64, false, 64, 4096, 0, IMGSIZE / 512);
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT(ent_is("a", 64, 4096, 512));

	/* Inside NetBSD slice 2 (absolute offsets, as NetBSD writes). */
	reset();
	mbr_set(0, 0, 0x83, 2048, 2048);
	mbr_set(0, 1, 0xa9, 4096, 8192);
	dl_build(4097 * 512, false, 4096 + 63, 4000, 4096, 8192);
	CU_ASSERT_EQUAL_FATAL(scan(IMGSIZE), 0);
	CU_ASSERT_EQUAL(pt->pt_scheme, PART_MBR);
	CU_ASSERT(ent_is("2a", 4096 + 63, 4000, 512));
	CU_ASSERT(ent_is("2c", 4096, 8192, 512));
	CU_ASSERT(ent_is("2d", 0, IMGSIZE / 512, 512));
	CU_ASSERT(ent("2")->pe_hasbsd);

	/* The same label with slice-relative offsets: detected. */
	reset();
	mbr_set(0, 1, 0xa9, 4096, 8192);
	dl_build(4097 * 512, false, 63, 4000, 0, 8192);
	CU_ASSERT_EQUAL_FATAL(scan(IMGSIZE), 0);
	CU_ASSERT(ent_is("2a", 4096 + 63, 4000, 512));
	CU_ASSERT(ent_is("2c", 4096, 8192, 512));

	/* FreeBSD slice: relative by default. */
	reset();
	mbr_set(0, 0, 0xa5, 4096, 8192);
	dl_build(4097 * 512, false, 16, 4000, 0, 8192);
	CU_ASSERT_EQUAL_FATAL(scan(IMGSIZE), 0);
	CU_ASSERT(ent_is("1a", 4096 + 16, 4000, 512));

	/* A NetBSD slice without a label is just a partition. */
	reset();
	mbr_set(0, 0, 0xa9, 4096, 8192);
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_EQUAL(pt->pt_n, 1);
	CU_ASSERT(!ent("1")->pe_hasbsd);
}

static void
test_disklabel_corrupt(void)
{
	/* Bad checksum. */
	reset();
	dl_build(512, false, 64, 4096, 0, IMGSIZE / 512);
	img[512 + 148] ^= 1;
	CU_ASSERT_EQUAL(scan(IMGSIZE), EUCLEAN);
	CU_ASSERT_PTR_NOT_NULL(strstr(pt->pt_why, "checksum"));
	CU_ASSERT_EQUAL(pt->pt_n, 0);

	/* d_npartitions huge. */
	reset();
	dl_build(512, false, 64, 4096, 0, IMGSIZE / 512);
	put16(img + 512 + 138, 60000);
	CU_ASSERT_EQUAL(scan(IMGSIZE), EUCLEAN);
	CU_ASSERT_PTR_NOT_NULL(strstr(pt->pt_why, "too many"));

	/* Label cut off by the end of the (tiny) device. */
	reset();
	dl_build(512, false, 1, 1, 0, 2);
	CU_ASSERT_EQUAL(scan(512 + 160), EUCLEAN);

	/* Bad sector size (checksum fixed up). */
	reset();
	dl_build(512, false, 64, 4096, 0, IMGSIZE / 512);
	img[512 + 41] ^= 0x40;		/* 512 -> 16896 */
	img[512 + 137] ^= 0x40;
	CU_ASSERT_EQUAL(scan(IMGSIZE), EUCLEAN);
	CU_ASSERT_PTR_NOT_NULL(strstr(pt->pt_why, "sector size"));

	/* Partition past the end: flagged. */
	reset();
	dl_build(512, false, 0xfffff000U, 4096, 0, IMGSIZE / 512);
	CU_ASSERT_EQUAL(scan(IMGSIZE), 0);
	CU_ASSERT_PTR_NOT_NULL(ent("a")->pe_problem);

	/* In a slice: a corrupt label is an error, the slice stays. */
	reset();
	mbr_set(0, 0, 0xa9, 4096, 8192);
	dl_build(4097 * 512, false, 4096, 4000, 4096, 8192);
	img[4097 * 512 + 150] ^= 1;
	CU_ASSERT_EQUAL(scan(IMGSIZE), EUCLEAN);
	CU_ASSERT_PTR_NOT_NULL(ent("1"));
}

/* ---- selection, window, options ---- */

static void
test_select(void)
{
	struct blkdev *dev;
	char msg[256], buf[512];

	CU_ASSERT(part_name_valid("1"));
	CU_ASSERT(part_name_valid("128"));
	CU_ASSERT(part_name_valid("a"));
	CU_ASSERT(part_name_valid("1a"));
	CU_ASSERT(part_name_valid("12p"));
	CU_ASSERT(!part_name_valid(""));
	CU_ASSERT(!part_name_valid("0"));
	CU_ASSERT(!part_name_valid("01"));
	CU_ASSERT(part_name_valid("1000"));
	CU_ASSERT(!part_name_valid("10000"));
	CU_ASSERT(!part_name_valid("a1"));
	CU_ASSERT(!part_name_valid("1aa"));
	CU_ASSERT(!part_name_valid("z"));
	CU_ASSERT(!part_name_valid("-1"));

	mbr_std();
	mbr_set(0, 3, 0x83, 0x7fffff00, 0x1000);	/* past the end */
	memset(img + 2048 * 512, 0xa1, 2048 * 512);
	memset(img + 4096 * 512, 0xb2, 512);
	CU_ASSERT_FATAL(blkdev_open_mem(img, IMGSIZE, IMGSIZE, false,
	    &dev) == 0);
	CU_ASSERT_EQUAL(part_select(dev, "x1", msg, sizeof(msg)), EINVAL);
	CU_ASSERT_EQUAL(part_select(dev, "7", msg, sizeof(msg)), ENXIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "1 2 3 4 5 6"));
	CU_ASSERT_EQUAL(part_select(dev, "3", msg, sizeof(msg)), EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "extended"));
	CU_ASSERT_EQUAL(part_select(dev, "4", msg, sizeof(msg)), EUCLEAN);
	CU_ASSERT_EQUAL(part_select(dev, "1a", msg, sizeof(msg)), ENXIO);
	CU_ASSERT_EQUAL(part_select(dev, "1", msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(dev->bd_offset, 2048 * 512);
	CU_ASSERT_EQUAL(dev->bd_size, 2048 * 512);
	/* Reads and writes stay inside the window. */
	CU_ASSERT_EQUAL(blkdev_read(dev, buf, 512, 0), 0);
	CU_ASSERT_EQUAL(buf[0], (char)0xa1);
	CU_ASSERT_EQUAL(blkdev_read(dev, buf, 512, 2047 * 512), 0);
	CU_ASSERT_EQUAL(blkdev_read(dev, buf, 512, 2048 * 512), EIO);
	CU_ASSERT_EQUAL(blkdev_read(dev, buf, 1024, 2047 * 512), EIO);
	memset(buf, 0x5c, sizeof(buf));
	CU_ASSERT_EQUAL(blkdev_write(dev, buf, 512, 2047 * 512 + 1), EIO);
	CU_ASSERT_EQUAL(blkdev_write(dev, buf, 512, 2047 * 512), 0);
	CU_ASSERT_EQUAL(blkdev_write(dev, buf, 512, UINT64_MAX - 10), EIO);
	blkdev_close(dev);

	/* No table at all. */
	reset();
	CU_ASSERT_FATAL(blkdev_open_mem(img, IMGSIZE, IMGSIZE, true,
	    &dev) == 0);
	CU_ASSERT_EQUAL(part_select(dev, "1", msg, sizeof(msg)), ENXIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no partition table"));
	blkdev_close(dev);

	/* A corrupt table: selection refused. */
	mbr_std();
	mbr_set(8192, 1, 0x05, 0, 2048);
	CU_ASSERT_FATAL(blkdev_open_mem(img, IMGSIZE, IMGSIZE, true,
	    &dev) == 0);
	CU_ASSERT_EQUAL(part_select(dev, "1", msg, sizeof(msg)), EUCLEAN);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "corrupt partition table"));
	blkdev_close(dev);
}

static void
test_kopts(void)
{
	struct kopts ko;
	char msg[200];

	CU_ASSERT_EQUAL(vfs_opts_kernel(NULL, &ko, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(ko.ko_part[0], '\0');
	CU_ASSERT_EQUAL(ko.ko_lock, KOPT_LOCK_AUTO);
	CU_ASSERT_EQUAL(vfs_opts_kernel("ro,part=1a,uid=3,nolock", &ko, msg,
	    sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(ko.ko_part, "1a");
	CU_ASSERT_EQUAL(ko.ko_lock, KOPT_LOCK_NONE);
	CU_ASSERT_EQUAL(vfs_opts_kernel("lock=none,lock", &ko, msg,
	    sizeof(msg)), 0);
	CU_ASSERT_EQUAL(ko.ko_lock, KOPT_LOCK_AUTO);
	CU_ASSERT_EQUAL(vfs_opts_kernel("lock=none", &ko, msg, sizeof(msg)),
	    0);
	CU_ASSERT_EQUAL(ko.ko_lock, KOPT_LOCK_NONE);
	CU_ASSERT_EQUAL(vfs_opts_kernel("part=", &ko, msg, sizeof(msg)),
	    EINVAL);
	CU_ASSERT_EQUAL(vfs_opts_kernel("part", &ko, msg, sizeof(msg)),
	    EINVAL);
	CU_ASSERT_EQUAL(vfs_opts_kernel("part=0", &ko, msg, sizeof(msg)),
	    EINVAL);
	CU_ASSERT_EQUAL(vfs_opts_kernel("part=123456789", &ko, msg,
	    sizeof(msg)), EINVAL);
	CU_ASSERT_EQUAL(vfs_opts_kernel("lock=maybe", &ko, msg, sizeof(msg)),
	    EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "lock=maybe"));
	CU_ASSERT_EQUAL(vfs_opts_kernel("nolock=1", &ko, msg, sizeof(msg)),
	    EINVAL);
	CU_ASSERT(vfs_opts_iskernel("part", 4));
	CU_ASSERT(!vfs_opts_iskernel("partition", 9));
}

/*
 * part= on a mount: the driver sees only the window (a memory device,
 * the "auto" probe finds nothing in a blank partition and says so).
 */
static void
test_mount_part(void)
{
	struct mount *mp;
	char err[256];

	mbr_std();
	CU_ASSERT_EQUAL(vfs_mount_mem("auto", img, IMGSIZE, IMGSIZE, "/p",
	    "ro,part=1", &mp, err, sizeof(err)), EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no filesystem recognised on "
	    "memory partition"));
	CU_ASSERT_EQUAL(vfs_mount_mem("auto", img, IMGSIZE, IMGSIZE, "/p",
	    "ro", &mp, err, sizeof(err)), EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "has an MBR partition table"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "part=NAME (1, 2, 5, 6)"));
	CU_ASSERT_EQUAL(vfs_mount_mem("auto", img, IMGSIZE, IMGSIZE, "/p",
	    "ro,part=9", &mp, err, sizeof(err)), ENXIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no partition 9"));
	CU_ASSERT_EQUAL(vfs_mount_mem("auto", img, IMGSIZE, IMGSIZE, "/p",
	    "ro,part=zz", &mp, err, sizeof(err)), EINVAL);
	CU_ASSERT_EQUAL(vfs_mount_mem("tmpfs", NULL, 0, 0, "/p",
	    "part=1", &mp, err, sizeof(err)), EINVAL);
}

/* ---- random corruption: no crash, no hang, no read outside ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void
mutate(size_t span, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		img[rnd() % span] = (uint8_t)rnd();
}

static void
test_fuzz(void)
{
	unsigned it, bad = 0;
	int error, level = hyp_loglevel();

	hyp_setloglevel(HYP_LOG_ERR);	/* quiet: 3000 bad tables */
	for (it = 0; it < 3000; it++) {
		switch (it % 4) {
		case 0:
			mbr_std();
			mutate(512, 4);
			mutate(12288 * 512, 2);
			break;
		case 1:
			gpt_build(512, 1 * MiB);
			mutate(34 * 512, 3);
			break;
		case 2:
			reset();
			mbr_set(0, 0, 0xa9, 64, 4000);
			dl_build(65 * 512, it & 4, 64, 1000, 64, 4000);
			mutate(70 * 512, 3);
			break;
		default:
			reset();
			mbr_set(0, 0, 0x05, 2, 8000);
			mbr_set(2, 0, 0x83, 1, 1);
			mbr_set(2, 1, 0x05, 4, 4);
			mbr_set(6, 0, 0x83, 1, 1);
			mbr_set(6, 1, 0x05, 0, 4);	/* back: loop */
			mutate(8 * 512, 2);
			break;
		}
		error = scan(it % 4 == 1 ? 1 * MiB : IMGSIZE);
		if (error != 0 && error != EUCLEAN)
			bad++;
		CU_ASSERT(pt->pt_n <= PART_MAXENT);
	}
	hyp_setloglevel(level);
	CU_ASSERT_EQUAL(bad, 0);
}

int
main(void)
{
	CU_pSuite s;
	int rc;

	if (vfs_init(NULL) != 0)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("part", NULL, NULL);
	CU_add_test(s, "MBR: primaries, extended, logicals", test_mbr_basic);
	CU_add_test(s, "MBR: a FAT boot sector is not an MBR",
	    test_mbr_fatboot);
	CU_add_test(s, "MBR: loops, strays, long chains, past the end",
	    test_mbr_corrupt);
	CU_add_test(s, "GPT: 512 and 4096-byte sectors", test_gpt);
	CU_add_test(s, "GPT: bad CRCs, backup header, bad fields",
	    test_gpt_corrupt);
	CU_add_test(s, "disklabel: whole disk, byte orders, in slices",
	    test_disklabel);
	CU_add_test(s, "disklabel: checksum, counts, sizes",
	    test_disklabel_corrupt);
	CU_add_test(s, "selection and the device window", test_select);
	CU_add_test(s, "kernel mount options", test_kopts);
	CU_add_test(s, "part= on a mount", test_mount_part);
	CU_add_test(s, "random corruption", test_fuzz);
	rc = cunit_tap_run();
	CU_cleanup_registry();
	vfs_shutdown();
	return rc;
}
