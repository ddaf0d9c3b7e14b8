/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_msdosfs_corrupt.c -- hostile FAT images: every BPB field out of
 * range is refused at mount; broken cluster chains (loops, links to free
 * or out-of-range clusters, chains shorter than the file), bad first
 * clusters in directory entries and long names with wrong checksums or
 * missing parts give clean errors or fall back to the short name; and a
 * few hundred images with random bytes changed in their metadata are
 * mounted from memory, walked, read and written.  Only clean errors may
 * come back; the sanitizers catch anything else.
 */
#include "msdosfs_testlib.h"

static struct mount *mp;
static unsigned fuzz_iters = 300;

/* ---- BPB fields ---- */

struct patch {
	const char	*what;
	off_t		off;
	int		size;
	uint32_t	val;
};

static void
try_patches(const char *args, const char *size, const struct patch *p,
    size_t n)
{
	const char *img;
	char err[256];
	size_t i;
	int error;

	for (i = 0; i < n; i++) {
		img = tl_mkimg("bpb", size, args);
		CU_ASSERT_FATAL(img != NULL);
		if (p[i].size == 1)
			tl_poke8(img, p[i].off, (uint8_t)p[i].val);
		else if (p[i].size == 2)
			tl_poke16(img, p[i].off, (uint16_t)p[i].val);
		else
			tl_poke32(img, p[i].off, p[i].val);
		err[0] = '\0';
		error = vfs_mount("msdos", img, "/m", "ro", &mp, err,
		    sizeof(err));
		if (error == 0) {
			fprintf(stderr, "# %s %s: mounted\n", args, p[i].what);
			vfs_unmount(mp, 0);
		}
		CU_ASSERT(error == EINVAL || error == EUCLEAN);
		CU_ASSERT(err[0] != '\0');
	}
}

static void
test_bpb(void)
{
	static const struct patch p16[] = {
		{ "jump", 0, 1, 0 },
		{ "bytes per sector 0", 11, 2, 0 },
		{ "bytes per sector 513", 11, 2, 513 },
		{ "bytes per sector 8192", 11, 2, 8192 },
		{ "sectors per cluster 0", 13, 1, 0 },
		{ "sectors per cluster 3", 13, 1, 3 },
		{ "reserved sectors 0", 14, 2, 0 },
		{ "no FAT", 16, 1, 0 },
		{ "200 FATs", 16, 1, 200 },
		{ "media descriptor", 21, 1, 0x12 },
		{ "no root entries", 17, 2, 0 },
		{ "total sectors past the device", 32, 4, 200000 },
		{ "no FAT sectors", 22, 2, 0 },
		{ "FATs fill the volume", 22, 2, 41000 },
		{ "FAT too small", 22, 2, 1 },
		{ "FAT16 BPB, FAT32 cluster count", 13, 1, 1 },
	};
	static const struct patch p32[] = {
		{ "FAT32 with root entries", 17, 2, 512 },
		{ "FAT32 version", 42, 2, 1 },
		{ "root cluster 0", 44, 4, 0 },
		{ "root cluster past the end", 44, 4, 0x0fffff00 },
		{ "active FAT out of range", 40, 2, 0x0085 },
		{ "total sectors 0", 32, 4, 0 },
	};
	/* 40 MiB FAT16 with 4 KiB clusters: 1 sector each makes it FAT32. */
	try_patches("-F 16 -s 8", "40M", p16, sizeof(p16) / sizeof(p16[0]));
	try_patches("-F 32 -s 1", "40M", p32, sizeof(p32) / sizeof(p32[0]));
	/* A truncated image. */
	{
		const char *img = tl_mkimg("short", "20M", "-F 16");

		CU_ASSERT(truncate(img, 10 * 1024 * 1024) == 0);
		CU_ASSERT(tl_mount(img, "ro", &mp) != 0);
	}
	/* Not FAT at all. */
	{
		char zero[400];

		snprintf(zero, sizeof(zero), "%s/zero.img", tl_workdir);
		CU_ASSERT(tl_sh("rm -f '%s' && truncate -s 1M '%s'", zero,
		    zero) == 0);
		CU_ASSERT_EQUAL(tl_mount(zero, "ro", &mp), EINVAL);
	}
}

/* ---- broken chains and entries ---- */

/*
 * A FAT16 image with root files a (3 clusters), b (1 cluster) and
 * directory d holding c; returns the geometry.  Cluster size 2 KiB.
 */
static const char *
chain_image(struct tl_geom *g)
{
	const char *img = tl_mkimg("chain", "20M", "-F 16 -s 4");
	char src[400];

	if (img == NULL)
		return NULL;
	snprintf(src, sizeof(src), "%s/src", tl_workdir);
	if (tl_sh("rm -rf '%s' && mkdir -p '%s/d' && head -c 5000 /dev/zero "
	    "| tr '\\0' a > '%s/a' && echo b > '%s/b' && echo c > '%s/d/c' "
	    "&& cd '%s' && mcopy -i '%s' a b d ::/", src, src, src, src, src,
	    src, img) != 0)
		return NULL;
	if (tl_geom(img, 0, g) != 0)
		return NULL;
	return img;
}

/* Root entry of short name NAME (11 bytes): its device offset. */
static off_t
root_entry(const char *img, const struct tl_geom *g, const char *name)
{
	uint8_t de[32];
	uint32_t i;

	for (i = 0; i < g->rootents; i++) {
		if (tl_pread(img, de, 32, (off_t)(g->rootoff + i * 32)) != 0)
			return -1;
		if (memcmp(de, name, 11) == 0)
			return (off_t)(g->rootoff + i * 32);
	}
	return -1;
}

static uint32_t
entry_cluster(const char *img, off_t de)
{
	uint8_t b[2];

	tl_pread(img, b, 2, de + 26);
	return tl_le(b, 2);
}

static int
read_file(const char *path)
{
	char buf[8192];
	size_t done;
	int fd, error;

	if ((error = vfs_sys_open(path, O_RDONLY, 0, &fd)) != 0)
		return error;
	do
		error = vfs_sys_read(fd, buf, sizeof(buf), &done);
	while (error == 0 && done > 0);
	vfs_sys_close(fd);
	return error;
}

static void
test_chains(void)
{
	struct tl_geom g;
	const char *img;
	off_t da, db, dd;
	uint32_t ca, cb, cd;
	struct vattr va;
	struct tl_names ns;

	/* A loop: a's second cluster links back to its first. */
	CU_ASSERT_FATAL((img = chain_image(&g)) != NULL);
	da = root_entry(img, &g, "A          ");
	db = root_entry(img, &g, "B          ");
	dd = root_entry(img, &g, "D          ");
	CU_ASSERT_FATAL(da > 0 && db > 0 && dd > 0);
	ca = entry_cluster(img, da);
	cb = entry_cluster(img, db);
	cd = entry_cluster(img, dd);
	CU_ASSERT(tl_poke16(img, (off_t)g.fatoff + 2 * (ca + 1), (uint16_t)ca)
	    == 0);
	CU_ASSERT_FATAL(tl_mount(img, "", &mp) == 0);
	CU_ASSERT_EQUAL(read_file("/m/a"), EUCLEAN);
	CU_ASSERT(read_file("/m/b") == 0);
	/* Writing and truncating the broken file fail cleanly too. */
	CU_ASSERT_EQUAL(vfs_sys_truncate("/m/a", 1), EUCLEAN);
	CU_ASSERT(vfs_unmount(mp, 0) == 0);

	/* A link to a free cluster; a chain shorter than the size. */
	CU_ASSERT_FATAL((img = chain_image(&g)) != NULL);
	CU_ASSERT(tl_poke16(img, (off_t)g.fatoff + 2 * (ca + 1), 0x1234) == 0);
	CU_ASSERT(tl_poke16(img, (off_t)g.fatoff + 2 * (ca + 2), 0) == 0);
	CU_ASSERT(tl_poke32(img, db + 28, 100000) == 0);
	CU_ASSERT_FATAL(tl_mount(img, "", &mp) == 0);
	CU_ASSERT_EQUAL(read_file("/m/a"), EUCLEAN);
	CU_ASSERT_EQUAL(read_file("/m/b"), EUCLEAN);
	CU_ASSERT_EQUAL(vfs_sys_unlink("/m/a"), 0);	/* frees what it can */
	CU_ASSERT(vfs_unmount(mp, 0) == 0);

	/* First clusters out of range, a directory without one. */
	CU_ASSERT_FATAL((img = chain_image(&g)) != NULL);
	CU_ASSERT(tl_poke16(img, da + 26, 0xfff0) == 0);
	CU_ASSERT(tl_poke16(img, db + 26, 1) == 0);
	CU_ASSERT(tl_poke16(img, dd + 26, 0) == 0);
	CU_ASSERT_FATAL(tl_mount(img, "", &mp) == 0);
	CU_ASSERT_EQUAL(vfs_sys_stat("/m/a", &va), EUCLEAN);
	CU_ASSERT_EQUAL(vfs_sys_stat("/m/b", &va), EUCLEAN);
	CU_ASSERT_EQUAL(vfs_sys_stat("/m/d", &va), EUCLEAN);
	CU_ASSERT(tl_list("/m", &ns) == 0);	/* readdir still works */
	CU_ASSERT_EQUAL(ns.n, 3);
	tl_names_free(&ns);
	CU_ASSERT(vfs_unmount(mp, 0) == 0);

	/* A directory that is its own parent's cluster: no endless walk. */
	CU_ASSERT_FATAL((img = chain_image(&g)) != NULL);
	CU_ASSERT(tl_poke16(img, dd + 26, (uint16_t)cb) == 0);
	CU_ASSERT(tl_poke16(img, (off_t)g.fatoff + 2 * cd, 0) == 0);
	CU_ASSERT_FATAL(tl_mount(img, "", &mp) == 0);
	CU_ASSERT(tl_list("/m/d", &ns) == 0 || true);
	tl_names_free(&ns);
	CU_ASSERT(vfs_unmount(mp, 0) == 0);
}

/* A long name whose checksum is wrong shows the short name. */
static void
test_lfn(void)
{
	const char *img = tl_mkimg("lfn", "4M", "-F 12");
	struct tl_geom g;
	struct tl_names ns;
	uint8_t de[32];
	uint32_t i;
	char src[400];

	CU_ASSERT_FATAL(img != NULL && tl_geom(img, 0, &g) == 0);
	snprintf(src, sizeof(src), "%s/A rather long name.txt", tl_workdir);
	CU_ASSERT(tl_sh("echo x > '%s' && echo y > '%s/second long name' && "
	    "mcopy -i '%s' '%s' '%s/second long name' ::/", src, tl_workdir,
	    img, src, tl_workdir) == 0);
	/* Break the first name's checksum, drop the second's last part. */
	for (i = 0; i < g.rootents; i++) {
		CU_ASSERT(tl_pread(img, de, 32, (off_t)(g.rootoff + i * 32)) ==
		    0);
		if (de[0] == 0)
			break;
		if (de[11] != 0x0f)
			continue;
		if (de[1] == 'A')	/* "A rather long name.txt", part 1 */
			tl_poke8(img, (off_t)(g.rootoff + i * 32 + 13),
			    (uint8_t)(de[13] + 1));
		if ((de[0] & 0x40) && de[1] == 'a' && de[3] == 'm')
			/* "second long n" + "ame": drop "ame" */
			tl_poke8(img, (off_t)(g.rootoff + i * 32), 0xe5);
	}
	CU_ASSERT_FATAL(tl_mount(img, "ro", &mp) == 0);
	CU_ASSERT(tl_list("/m", &ns) == 0);
	CU_ASSERT_EQUAL(ns.n, 2);
	CU_ASSERT(tl_has(&ns, "ARATHE~1.TXT"));
	CU_ASSERT(tl_has(&ns, "SECOND~1"));
	tl_names_free(&ns);
	CU_ASSERT(tl_expects("/m/arathe~1.txt", "x\n"));
	CU_ASSERT(vfs_unmount(mp, 0) == 0);
}

/* ---- fuzzing ---- */

static unsigned walk_budget;

static void
walk(const char *dir, int depth)
{
	struct tl_names ns;
	struct vattr va;
	char path[4096];
	size_t i;

	if (depth > 6 || walk_budget == 0 || tl_list(dir, &ns) != 0)
		return;
	for (i = 0; i < ns.n && walk_budget > 0; i++, walk_budget--) {
		snprintf(path, sizeof(path), "%s/%s", dir, ns.v[i]);
		if (vfs_sys_stat(path, &va) != 0)
			continue;
		if (va.va_type == VDIR)
			walk(path, depth + 1);
		else
			(void)read_file(path);
	}
	tl_names_free(&ns);
}

static uint32_t rng = 12345;

static uint32_t
rnd(void)
{
	rng = rng * 1103515245 + 12345;
	return rng >> 8;
}

static void
fuzz_one(const uint8_t *image, size_t len, const struct tl_geom *g,
    const char *fstype)
{
	uint8_t *copy = malloc(len);
	uint64_t meta = g->dataoff + 8 * (uint64_t)g->bps * g->spc;
	char err[256], opts[32];
	struct mount *fmp;
	unsigned n, k;
	size_t done;
	int fd;

	meta = meta < len ? meta : len;
	memcpy(copy, image, len);
	n = 1 + rnd() % 12;
	for (k = 0; k < n; k++) {
		size_t off = rnd() % 4 == 0 ? rnd() % 512 : rnd() % meta;

		copy[off] = rnd() % 3 == 0 ? (uint8_t)rnd() :
		    (uint8_t)(copy[off] ^ (1u << (rnd() % 8)));
	}
	snprintf(opts, sizeof(opts), "%s", rnd() % 2 ? "rw" : "ro");
	if (vfs_mount_mem(fstype, copy, len, len, "/f", opts, &fmp, err,
	    sizeof(err)) == 0) {
		walk_budget = 400;
		walk("/f", 0);
		if (opts[1] == 'w') {
			if (vfs_sys_open("/f/new file", O_RDWR | O_CREAT, 0644,
			    &fd) == 0) {
				(void)vfs_sys_write(fd, copy, 5000, &done);
				vfs_sys_close(fd);
			}
			(void)vfs_sys_mkdir("/f/new dir", 0755);
			(void)vfs_sys_rename("/f/new file", "/f/new dir/x");
			(void)vfs_sys_unlink("/f/new dir/x");
			(void)vfs_sys_rmdir("/f/new dir");
		}
		CU_ASSERT(vfs_unmount(fmp, 0) == 0);
	}
	free(copy);
}

/* The fuzz tree, written through the driver. */
static void
populate(const char *img)
{
	char path[64];
	int i;

	CU_ASSERT_FATAL(tl_mount(img, "", &mp) == 0);
	for (i = 1; i <= 30; i++) {
		snprintf(path, sizeof(path), "/m/file with a long name %d", i);
		CU_ASSERT(tl_puts(path, path) == 0);
	}
	CU_ASSERT(vfs_sys_mkdir("/m/dir", 0755) == 0);
	CU_ASSERT(vfs_sys_mkdir("/m/dir/sub", 0755) == 0);
	CU_ASSERT(tl_puts("/m/dir/sub/SHORT.TXT", "x\n") == 0);
	CU_ASSERT(tl_puts("/m/dir/\303\251t\303\251", "y\n") == 0);
	CU_ASSERT(vfs_unmount(mp, 0) == 0);
}

static void
test_fuzz(void)
{
	static const struct {
		const char *size, *args;
		bool mtools;	/* populated by mtools, else by the driver */
	} cf[] = {
		{ "1440K", "-F 12", true },
		{ "8M", "-F 16 -s 1", true },
		/* small (mtools reads it as FAT16), but FAT32 for us */
		{ "4M", "-F 32 -s 1", false },
	};
	struct tl_geom g;
	char src[400], img[400];
	uint8_t *image;
	size_t i, len;
	unsigned it;
	FILE *f;

	snprintf(src, sizeof(src), "%s/fsrc", tl_workdir);
	CU_ASSERT_FATAL(tl_sh("rm -rf '%s' && mkdir -p '%s/dir/sub' && "
	    "cd '%s' && for i in $(seq 1 30); do echo $i > \"file with a long "
	    "name $i\"; done && head -c 30000 /dev/urandom > dir/big && "
	    "echo x > dir/sub/SHORT.TXT && echo y > 'dir/\303\251t\303\251'",
	    src, src, src) == 0);
	for (i = 0; i < sizeof(cf) / sizeof(cf[0]); i++) {
		snprintf(img, sizeof(img), "%s", tl_mkimg("fuzz", cf[i].size,
		    cf[i].args));
		if (cf[i].mtools) {
			CU_ASSERT_FATAL(tl_sh("cd '%s' && mcopy -s -i '%s' * "
			    "::/", src, img) == 0);
		} else
			populate(img);
		CU_ASSERT_FATAL(tl_geom(img, 0, &g) == 0);
		f = fopen(img, "rb");
		CU_ASSERT_FATAL(f != NULL);
		fseek(f, 0, SEEK_END);
		len = (size_t)ftell(f);
		rewind(f);
		image = malloc(len);
		CU_ASSERT_FATAL(fread(image, 1, len, f) == len);
		fclose(f);
		for (it = 0; it < fuzz_iters; it++)
			fuzz_one(image, len, &g, it % 2 ? "vfat" : "auto");
		free(image);
	}
}

int
main(void)
{
	CU_pSuite s;
	int status;

	if (getuid() != 0 || system("command -v mkfs.fat >/dev/null && "
	    "command -v mcopy >/dev/null") != 0) {
		printf("1..0 # SKIP needs root, dosfstools and mtools\n");
		return 0;
	}
	if (getenv("MSDOSFS_FUZZ_ITERS") != NULL)
		fuzz_iters = (unsigned)atoi(getenv("MSDOSFS_FUZZ_ITERS"));
	setenv("MTOOLS_SKIP_CHECK", "1", 1);
	if (tl_setup("msdosfs-corrupt") != 0) {
		printf("1..0 # SKIP cannot start the kernel\n");
		return 0;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("msdosfs-corrupt", NULL, NULL);
	CU_add_test(s, "bad BPB fields are refused", test_bpb);
	CU_add_test(s, "broken chains and entries", test_chains);
	CU_add_test(s, "broken long names", test_lfn);
	CU_add_test(s, "fuzzed images give clean errors", test_fuzz);
	status = cunit_tap_run();
	CU_cleanup_registry();
	tl_teardown();
	return status;
}
