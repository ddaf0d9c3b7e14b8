/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_fs.c -- the libFuzzer harness every filesystem driver shares.
 * Built once per driver with FUZZ_FSTYPE (the driver's name), FUZZ_OPTS
 * (mount options) and FUZZ_WRITE (1 when the driver writes).
 *
 * One input is one image.  It is mounted from the in-memory block
 * device, the whole tree is walked (bounded: depth, entries, bytes), and
 * every file, symlink and extended attribute is read; then, for a driver
 * that writes and a mount that came up read-write, a few entries are
 * created, written, renamed, truncated and deleted; then it is
 * unmounted.  Any outcome is fine except a crash, a hang (libFuzzer's
 * -timeout), a leak or a sanitizer report: errors from a damaged image
 * are the expected answer.
 *
 * The bounds keep one input's work small, so that a slow or looping
 * driver stands out as a timeout rather than hiding in a big tree.
 *
 * Without libFuzzer (the regular build), fuzz_replay.c supplies main()
 * and feeds this harness the seed corpus and the regression images.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfs_pub.h"

#ifndef FUZZ_FSTYPE
#error "FUZZ_FSTYPE names the driver"
#endif
#ifndef FUZZ_OPTS
#define FUZZ_OPTS	""
#endif
#ifndef FUZZ_WRITE
#define FUZZ_WRITE	0
#endif

#define FUZZ_MAXDEPTH	12
#define FUZZ_MAXENTRIES	4000	/* entries visited per image */
#define FUZZ_MAXREAD	(1u << 20)	/* bytes read per file */
#define FUZZ_MAXTOTAL	(8u << 20)	/* bytes read per image */
#define FUZZ_MAXIMAGE	(64u << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

struct walk {
	unsigned	entries;
	uint64_t	bytes;		/* read so far, all files */
	uint64_t	anc[FUZZ_MAXDEPTH + 2];	/* inode numbers of the path */
	char		buf[65536];
	char		xbuf[65536];
};

struct names {
	char		(*name)[256];
	unsigned	n, cap;
};

static int
collect(void *arg, const char *name, size_t len, uint64_t ino,
    enum vtype type, uint64_t next)
{
	struct names *nm = arg;

	(void)ino;
	(void)type;
	(void)next;
	if (nm->n == nm->cap)
		return 1;
	if (len == 0 || len > 255)
		return 0;	/* a driver must not give these; ignore */
	memcpy(nm->name[nm->n], name, len);
	nm->name[nm->n][len] = '\0';
	nm->n++;
	return 0;
}

static void
read_xattrs(struct walk *w, struct vnode *vp)
{
	size_t len, off, vlen;

	if (vfs_pub_listxattr(vp, w->xbuf, sizeof(w->xbuf), &len) != 0)
		return;
	if (len > sizeof(w->xbuf))
		return;
	for (off = 0; off < len; off += strnlen(w->xbuf + off, len - off) + 1) {
		if (memchr(w->xbuf + off, '\0', len - off) == NULL)
			break;
		(void)vfs_pub_getxattr(vp, w->xbuf + off, w->buf,
		    sizeof(w->buf), &vlen);
	}
}

static void
read_file(struct walk *w, struct vnode *vp, uint64_t size)
{
	uint64_t off, res;
	size_t done;

	if (vfs_pub_open(vp, 0) != 0)
		return;
	for (off = 0; off < size && off < FUZZ_MAXREAD &&
	    w->bytes < FUZZ_MAXTOTAL; off += done) {
		if (vfs_pub_read(vp, w->buf, sizeof(w->buf), off, &done) != 0 ||
		    done == 0)
			break;
		w->bytes += done;
	}
	(void)vfs_pub_seek(vp, 0, SEEK_DATA, &res);
	(void)vfs_pub_seek(vp, 0, SEEK_HOLE, &res);
	(void)vfs_pub_close(vp, 0);
}

/* Is INO on the path walked to here?  (A damaged tree may loop.) */
static bool
ancestor(const struct walk *w, int depth, uint64_t ino)
{
	int i;

	for (i = 0; i <= depth; i++)
		if (w->anc[i] == ino)
			return true;
	return false;
}

static void
walk_dir(struct walk *w, struct vnode *dvp, int depth)
{
	struct names nm;
	struct vnode *vp;
	struct vattr va;
	uint64_t cookie = 0;
	unsigned i, rounds;
	size_t len;

	nm.cap = 256;
	if ((nm.name = malloc(sizeof(*nm.name) * nm.cap)) == NULL)
		return;
	/* A bounded number of readdir calls: a cookie loop must not hang. */
	for (rounds = 0; rounds < 64 && w->entries < FUZZ_MAXENTRIES;
	    rounds++) {
		uint64_t before = cookie;

		nm.n = 0;
		if (vfs_pub_readdir(dvp, &cookie, collect, &nm) != 0)
			break;
		for (i = 0; i < nm.n && w->entries < FUZZ_MAXENTRIES; i++) {
			w->entries++;
			if (strcmp(nm.name[i], ".") == 0 ||
			    strcmp(nm.name[i], "..") == 0)
				continue;
			if (vfs_pub_lookup(dvp, nm.name[i], &vp) != 0)
				continue;
			if (vfs_pub_getattr(vp, &va) == 0) {
				read_xattrs(w, vp);
				if (va.va_type == VREG)
					read_file(w, vp, va.va_size);
				else if (va.va_type == VLNK)
					(void)vfs_pub_readlink(vp, w->buf,
					    sizeof(w->buf), &len);
				else if (va.va_type == VDIR &&
				    depth < FUZZ_MAXDEPTH &&
				    !ancestor(w, depth, va.va_fileid)) {
					w->anc[depth + 1] = va.va_fileid;
					walk_dir(w, vp, depth + 1);
				}
			}
			vfs_pub_vrele(vp);
		}
		if (nm.n < nm.cap || cookie == before)
			break;
	}
	free(nm.name);
}

#if FUZZ_WRITE
/* A few changes on a read-write mount; every error is acceptable. */
static void
write_some(struct walk *w, struct vnode *root)
{
	struct vnode *f = NULL, *d = NULL, *l;
	struct vattr va;
	size_t done;

	memset(w->buf, 'z', sizeof(w->buf));
	if (vfs_pub_create(root, "fz_file", 0644, &f) == 0) {
		if (vfs_pub_open_created(f, O_RDWR) == 0) {
			(void)vfs_pub_write(f, w->buf, 20000, 0, 0, &done);
			(void)vfs_pub_write(f, w->buf, 5000, 100000, 0, &done);
			(void)vfs_pub_fsync(f, false);
			(void)vfs_pub_close(f, O_RDWR);
		}
		memset(&va, 0, sizeof(va));
		va.va_mask = VA_SIZE;
		va.va_size = 3000;
		(void)vfs_pub_setattr(f, &va);
		(void)vfs_pub_setxattr(f, "user.fz", "value", 5, 0);
	}
	if (vfs_pub_mkdir(root, "fz_dir", 0755, &d) == 0) {
		(void)vfs_pub_rename(root, "fz_file", d, "fz_moved", 0);
		(void)vfs_pub_unlink(d, "fz_moved");
		if (vfs_pub_symlink(d, "fz_link", "target", &l) == 0)
			vfs_pub_vrele(l);
		(void)vfs_pub_unlink(d, "fz_link");
		vfs_pub_vrele(d);
		(void)vfs_pub_rmdir(root, "fz_dir");
	} else
		(void)vfs_pub_unlink(root, "fz_file");
	if (f != NULL)
		vfs_pub_vrele(f);
}
#endif

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vfs_config cfg = {
		.bufcache_bytes = 16u << 20,
		.vnode_lru_max = 256,
	};

	(void)argc;
	(void)argv;
	/* Damaged images are the point: do not log every one of them. */
	(void)setenv("RUMP_LOGLEVEL", "0", 0);
	if (vfs_init(&cfg) != 0)
		abort();
	vfs_pub_setcred_root();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct walk w;
	struct mount *mp;
	struct vnode *root;
	struct vfs_statvfs sv;
	char err[256];

	if (size == 0 || size > FUZZ_MAXIMAGE)
		return 0;
	if (vfs_mount_mem(FUZZ_FSTYPE, data, size, size, "/fuzz", FUZZ_OPTS,
	    &mp, err, sizeof(err)) != 0)
		return 0;
	w.entries = 0;
	w.bytes = 0;
	(void)vfs_pub_statvfs(mp, &sv);
	if (vfs_pub_root(mp, &root) == 0) {
		struct vattr va;

		w.anc[0] = vfs_pub_getattr(root, &va) == 0 ? va.va_fileid : 0;
		read_xattrs(&w, root);
		walk_dir(&w, root, 0);
#if FUZZ_WRITE
		if (!vfs_mount_rdonly(mp))
			write_some(&w, root);
#endif
		vfs_pub_vrele(root);
	}
	if (vfs_unmount(mp, 0) != 0)
		(void)vfs_unmount(mp, VFS_UMOUNT_FORCE);
	return 0;
}
