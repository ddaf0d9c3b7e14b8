/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_main.c -- the conformance runner: every case of every topic table
 * against every configuration of conf_fs_table, as TAP.
 *
 *   conformance [-f FSGLOB] [-c CASEGLOB] [-l]
 *
 * For each (configuration, case) pair: skip visibly when the
 * configuration lacks a capability the case needs; otherwise make an
 * image if the filesystem needs one, mount it at CONF_MNT, run the case
 * as root, restore root, and unmount.  EBUSY from the unmount means the
 * case leaked a vnode reference: the case fails, the harness closes the
 * descriptors left open and unmounts by force so the next case starts
 * clean.  Also exports the ctx services of conf.h (conf_fail, conf_alloc,
 * conf_remount, ...).
 */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"

/* The topic tables, in running order. */
static const struct conf_case *const topic_tables[] = {
	conf_file_cases,
	conf_io_cases,
	conf_dir_cases,
	conf_rename_cases,
	conf_link_cases,
	conf_name_cases,
	conf_perm_cases,
	conf_time_cases,
	conf_xattr_cases,
	conf_space_cases,
	conf_special_cases,
	conf_rofs_cases,
	conf_mount_cases,
	conf_concurrency_cases,
	conf_diff_cases,
};

/* Human-readable capability names for SKIP lines. */
static const char *const cap_names[CAP_NCAPS] = {
	"a writable mount", "symlinks", "hard links", "xattrs",
	"4 KiB xattr values", "sparse files", "mknod", "stored permissions",
	"nanosecond timestamps", "atime updates", "files > 4 GiB",
	"a small-size variant", "case-sensitive names",
	"unlinked open files", "RENAME_EXCHANGE", "fallocate",
	"SEEK_DATA/SEEK_HOLE", "255-byte names", "big directories",
	"arbitrary byte names", "a read-only mount", "the seed tree",
	"persistence across remounts", "directory link counts",
};

struct conf_alloc {
	struct conf_alloc *next;
	/* the caller's memory follows */
	max_align_t	data[];
};

/* ---- ctx services ---- */

static void
diag_add(struct conf_ctx *t, const char *fmt, va_list ap)
{
	char line[1024], *p;
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	/* One "# " line per line of text. */
	for (p = line; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	n = strlen(line);
	p = realloc(t->diag, t->diaglen + n + 4);
	if (p == NULL)
		abort();
	t->diag = p;
	memcpy(t->diag + t->diaglen, "# ", 2);
	memcpy(t->diag + t->diaglen + 2, line, n);
	t->diag[t->diaglen + n + 2] = '\n';
	t->diag[t->diaglen + n + 3] = '\0';
	t->diaglen += n + 3;
}

void
conf_fail(struct conf_ctx *t, const char *file, int line, const char *fmt,
    ...)
{
	char buf[900];
	va_list ap;
	const char *base = strrchr(file, '/');

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	t->failed = true;
	conf_note(t, "%s:%d: %s", base ? base + 1 : file, line, buf);
}

void
conf_note(struct conf_ctx *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(t, fmt, ap);
	va_end(ap);
}

const char *
conf_errname(int e)
{
	static __thread char buf[32];
	const char *s;

	if (e == 0)
		return "0";
	s = strerrorname_np(e);
	if (s != NULL)
		return s;
	snprintf(buf, sizeof(buf), "error %d", e);
	return buf;
}

void *
conf_alloc(struct conf_ctx *t, size_t len)
{
	struct conf_alloc *a;

	a = calloc(1, sizeof(*a) + len);
	if (a == NULL)
		abort();
	a->next = t->allocs;
	t->allocs = a;
	return a->data;
}

char *
conf_strdup(struct conf_ctx *t, const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(conf_alloc(t, n), s, n);
}

static void
alloc_free_all(struct conf_ctx *t)
{
	struct conf_alloc *a;

	while ((a = t->allocs) != NULL) {
		t->allocs = a->next;
		free(a);
	}
}

void
conf_sub_init(struct conf_ctx *t, struct conf_ctx *sub)
{
	memset(sub, 0, sizeof(*sub));
	sub->fs = t->fs;
	sub->cs = t->cs;
	sub->mp = t->mp;
	sub->image = t->image;
}

void
conf_sub_merge(struct conf_ctx *t, struct conf_ctx *sub)
{
	char *p;

	if (sub->failed)
		t->failed = true;
	if (sub->diag != NULL) {
		p = realloc(t->diag, t->diaglen + sub->diaglen + 1);
		if (p == NULL)
			abort();
		memcpy(p + t->diaglen, sub->diag, sub->diaglen + 1);
		t->diag = p;
		t->diaglen += sub->diaglen;
	}
	free(sub->diag);
	sub->diag = NULL;
	alloc_free_all(sub);
}

/* Mount configuration CF at TARGET from IMAGE (NULL: none). */
static int
mount_one(const struct conf_fs *cf, const char *image, const char *target,
    const char *options, struct mount **mpp, char *errbuf, size_t errlen)
{
	errbuf[0] = '\0';
	return vfs_mount(cf->cf_fstype, image ? image : "none", target,
	    options, mpp, errbuf, errlen);
}

int
conf_remount(struct conf_ctx *t)
{
	char errbuf[256];
	int error;

	error = vfs_unmount(t->mp, 0);
	if (error != 0)
		return error;
	t->mp = NULL;
	error = mount_one(t->fs, t->image, CONF_MNT, t->fs->cf_options,
	    &t->mp, errbuf, sizeof(errbuf));
	if (error != 0)
		conf_note(t, "remount: %s", errbuf);
	return error;
}

int
conf_remount_fresh(struct conf_ctx *t)
{
	char errbuf[256];
	int error;

	error = vfs_unmount(t->mp, 0);
	if (error != 0)
		return error;
	t->mp = NULL;
	if (t->image != NULL) {
		unlink(t->image);
		free(t->image);
		t->image = NULL;
	}
	if (t->fs->cf_mkimage != NULL &&
	    (t->image = t->fs->cf_mkimage(t->fs)) == NULL)
		return EIO;
	error = mount_one(t->fs, t->image, CONF_MNT, t->fs->cf_options,
	    &t->mp, errbuf, sizeof(errbuf));
	if (error != 0)
		conf_note(t, "remount: %s", errbuf);
	return error;
}

int
conf_mount_extra(struct conf_ctx *t, const char *target, const char *options,
    struct mount **mpp, char **imagep)
{
	char errbuf[256];
	char *image = NULL;
	int error;

	if (t->fs->cf_mkimage != NULL &&
	    (image = t->fs->cf_mkimage(t->fs)) == NULL)
		return EIO;
	error = mount_one(t->fs, image, target, options, mpp, errbuf,
	    sizeof(errbuf));
	if (error != 0) {
		conf_note(t, "mount %s: %s", target, errbuf);
		if (image != NULL) {
			unlink(image);
			free(image);
		}
		image = NULL;
	}
	*imagep = image;
	return error;
}

void
conf_unmount_extra(struct conf_ctx *t, struct mount *mp, char *image)
{
	int error;

	if (mp != NULL && (error = vfs_unmount(mp, 0)) != 0) {
		conf_note(t, "unmount of extra mount: %s", conf_errname(error));
		vfs_unmount(mp, VFS_UMOUNT_FORCE);
	}
	if (image != NULL) {
		unlink(image);
		free(image);
	}
}

/* ---- the runner ---- */

static unsigned tap_n;
static unsigned tap_failed;

static void
tap_result(bool ok, const struct conf_fs *cf, const struct conf_case *cs,
    const char *skip, const char *diag)
{
	tap_n++;
	if (!ok)
		tap_failed++;
	printf("%s %u - %s: %s", ok ? "ok" : "not ok", tap_n, cf->cf_name,
	    cs->cc_name);
	if (skip != NULL)
		printf(" # SKIP %s", skip);
	printf("\n");
	if (diag != NULL)
		fputs(diag, stdout);
	fflush(stdout);
}

/* The reason CS does not run on CF, or NULL. */
static const char *
skip_reason(const struct conf_fs *cf, const struct conf_case *cs, char *buf,
    size_t len)
{
	uint32_t missing = cs->cc_needs & ~cf->cf_caps;
	size_t n;
	int i;

	if (cf->cf_only != 0 && (cs->cc_needs & cf->cf_only) == 0) {
		snprintf(buf, len, "%s runs only the cases needing", cf->cf_name);
		for (i = 0; i < CAP_NCAPS; i++)
			if (cf->cf_only & (1u << i)) {
				n = strlen(buf);
				snprintf(buf + n, len - n, " %s", cap_names[i]);
			}
		return buf;
	}
	if (missing == 0)
		return NULL;
	snprintf(buf, len, "needs");
	for (i = 0; i < CAP_NCAPS; i++)
		if (missing & (1u << i)) {
			n = strlen(buf);
			snprintf(buf + n, len - n, "%s %s",
			    n > 5 ? "," : "", cap_names[i]);
		}
	return buf;
}

/* Close every descriptor a failed case left open. */
static void
close_stray_fds(void)
{
	int fd;

	for (fd = 0; fd < 65536; fd++)
		(void)vfs_sys_close(fd);
}

static void
run_case(const struct conf_fs *cf, const struct conf_case *cs)
{
	struct conf_ctx ctx;
	struct timespec t0, t1;
	char errbuf[256];
	double secs;
	int error;

	memset(&ctx, 0, sizeof(ctx));
	ctx.fs = cf;
	ctx.cs = cs;
	if (cf->cf_mkimage != NULL &&
	    (ctx.image = cf->cf_mkimage(cf)) == NULL) {
		conf_note(&ctx, "cannot make the image for %s", cf->cf_name);
		ctx.failed = true;
		goto out;
	}
	error = mount_one(cf, ctx.image, CONF_MNT, cf->cf_options, &ctx.mp,
	    errbuf, sizeof(errbuf));
	if (error != 0) {
		conf_note(&ctx, "vfs_mount(%s, \"%s\"): %s: %s", cf->cf_fstype,
		    cf->cf_options, conf_errname(error), errbuf);
		ctx.failed = true;
		goto out;
	}
	vfs_pub_setcred_root();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cs->cc_fn(&ctx);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	vfs_pub_setcred_root();
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (secs >= 2.0)
		conf_note(&ctx, "took %.1f s", secs);
	if (ctx.mp == NULL)		/* a failed conf_remount */
		goto out;
	error = vfs_unmount(ctx.mp, 0);
	if (error == EBUSY) {
		if (!ctx.failed)
			conf_fail(&ctx, __FILE__, __LINE__,
			    "vfs_unmount: expected 0 got EBUSY "
			    "(the case leaked a vnode reference)");
		close_stray_fds();
		error = vfs_unmount(ctx.mp, 0);
		if (error != 0)
			error = vfs_unmount(ctx.mp, VFS_UMOUNT_FORCE);
	}
	if (error != 0) {
		conf_fail(&ctx, __FILE__, __LINE__,
		    "vfs_unmount: expected 0 got %s", conf_errname(error));
	}
out:
	tap_result(!ctx.failed, cf, cs, NULL, ctx.diag);
	free(ctx.diag);
	alloc_free_all(&ctx);
	if (ctx.image != NULL) {
		unlink(ctx.image);
		free(ctx.image);
	}
}

/*
 * Can CF be mounted here at all?  NULL if so, else why not: the driver
 * is not in this kernel (ENODEV), or its image cannot be made (a tool
 * missing).  Any other mount error is left for the cases to report.
 */
static const char *
probe_fs(const struct conf_fs *cf, char *buf, size_t len)
{
	struct mount *mp = NULL;
	char errbuf[256], *image = NULL;
	int error;

	if (cf->cf_mkimage != NULL && (image = cf->cf_mkimage(cf)) == NULL) {
		snprintf(buf, len, "cannot make the image: %s", cf->cf_mkarg);
		return buf;
	}
	error = mount_one(cf, image, CONF_MNT, cf->cf_options, &mp, errbuf,
	    sizeof(errbuf));
	if (error == 0 && vfs_unmount(mp, 0) != 0)
		vfs_unmount(mp, VFS_UMOUNT_FORCE);
	if (image != NULL) {
		unlink(image);
		free(image);
	}
	if (error == ENODEV) {
		snprintf(buf, len, "filesystem type %s is not in this kernel",
		    cf->cf_fstype);
		return buf;
	}
	return NULL;
}

static bool
selected(const char *glob, const char *name)
{
	return glob == NULL || fnmatch(glob, name, 0) == 0;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: conformance [-f FSGLOB] [-c CASEGLOB] [-l]\n"
	    "  -f  run only the filesystem configurations matching FSGLOB\n"
	    "  -c  run only the cases matching CASEGLOB\n"
	    "  -l  list the selected \"fs: case\" pairs and exit\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const struct conf_fs *cf;
	const struct conf_case *cs;
	struct vfs_config vc;
	const char *fsglob = NULL, *caseglob = NULL, *why, *absent;
	char buf[512], fsbuf[512];
	bool list = false;
	unsigned total = 0;
	size_t i;
	int ch, error;

	while ((ch = getopt(argc, argv, "f:c:lh")) != -1) {
		switch (ch) {
		case 'f':
			fsglob = optarg;
			break;
		case 'c':
			caseglob = optarg;
			break;
		case 'l':
			list = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	for (cf = conf_fs_table; cf->cf_name != NULL; cf++) {
		if (!selected(fsglob, cf->cf_name))
			continue;
		for (i = 0; i < sizeof(topic_tables) / sizeof(topic_tables[0]);
		    i++)
			for (cs = topic_tables[i]; cs->cc_name != NULL; cs++) {
				if (!selected(caseglob, cs->cc_name))
					continue;
				total++;
				if (list)
					printf("%s: %s\n", cf->cf_name,
					    cs->cc_name);
			}
	}
	if (list)
		return 0;
	if (total == 0) {
		fprintf(stderr, "conformance: no case selected\n");
		return 2;
	}

	memset(&vc, 0, sizeof(vc));
	if ((error = vfs_init(&vc)) != 0) {
		printf("1..0 # SKIP vfs_init: %s\n", conf_errname(error));
		return 1;
	}
	/* Unbuffered diagnostics interleave with the kernel's log lines. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..%u\n", total);
	for (cf = conf_fs_table; cf->cf_name != NULL; cf++) {
		if (!selected(fsglob, cf->cf_name))
			continue;
		absent = probe_fs(cf, fsbuf, sizeof(fsbuf));
		for (i = 0; i < sizeof(topic_tables) / sizeof(topic_tables[0]);
		    i++)
			for (cs = topic_tables[i]; cs->cc_name != NULL; cs++) {
				if (!selected(caseglob, cs->cc_name))
					continue;
				why = absent ? absent :
				    skip_reason(cf, cs, buf, sizeof(buf));
				if (why != NULL)
					tap_result(true, cf, cs, why, NULL);
				else
					run_case(cf, cs);
			}
	}
	vfs_shutdown();
	printf("# %u passed, %u failed\n", tap_n - tap_failed, tap_failed);
	return tap_failed == 0 ? 0 : 1;
}
