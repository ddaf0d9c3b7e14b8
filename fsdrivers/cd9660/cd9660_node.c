/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cd9660_node.c -- building a node (the in-core file) from the directory
 * record that names it, and its attributes.
 *
 * A file's node comes from its record (and, for a multi-extent file, all
 * its sections): every section must lie inside the image, the Rock Ridge
 * type must agree with the ISO 9660 directory flag, a symbolic link must
 * carry an SL target, a zisofs file a sound ZF entry.
 *
 * A directory's node comes from its own "." record, read at the extent
 * the naming record (or a CL entry, or a ".." record, or the volume
 * descriptor) points to: "." must be the first record and point at its
 * own extent, ".." the second.  Its attributes are "."'s Rock Ridge
 * ones, else those of the naming record, else the defaults below.  Its
 * parent is the directory whose record named it (libisofs' Joliet trees
 * and genisoimage's plain ones have ".." records naming the directory
 * itself), or for a relocated directory what its PL entry names, which
 * must be the directory holding the CL entry; what ".." names when the
 * directory was reached through "..".
 * Its link count is the recorded one when that is at least 2, else 2 +
 * its subdirectories, counted (libisofs records 1 for every directory;
 * plain ISO 9660 and Joliet have none), or 1 ("unknown", as Linux) when
 * the directory is too damaged to count.
 *
 * Without Rock Ridge: mode 0555 for files and directories, owner 0:0,
 * one link, every time the recording date (Linux's and NetBSD's
 * defaults).
 */
#include "kern/kern.h"
#include "kern/lock.h"

#include "cd9660_fs.h"
#include "cd9660_node.h"

#define CD9660_DEFMODE	0555

#define node_bad(np, ...)						\
	cd9660_corrupt((np)->n_imp, "inode %llu: " __VA_ARGS__)

int
cd9660_read_dot(struct cd9660_mount *imp, uint64_t ext, uint32_t xar,
    struct cd9660_dirent *de)
{
	struct cd9660_diriter *it;
	uint64_t data = ext + ((uint64_t)xar << imp->im_bshift);
	int error;

	if (!cd9660_range_ok(imp, data, ISO_DIRREC_MIN + 1))
		return cd9660_corrupt(imp, "directory extent at byte %llu is "
		    "outside the image", (unsigned long long)data);
	if ((it = kmem_alloc(sizeof(*it))) == NULL)
		return ENOMEM;
	cd9660_diriter_init(it, imp, data,
	    ISO_SECTOR_SIZE - (data & (ISO_SECTOR_SIZE - 1)), 0, 0);
	error = cd9660_dir_next(it, de);
	kmem_free(it, sizeof(*it));
	if (error == ENOENT || (error == 0 && !de->de_dot))
		return cd9660_corrupt(imp, "directory at byte %llu does not "
		    "start with a \".\" record", (unsigned long long)data);
	if (error == 0)
		error = de->de_error;
	if (error)
		return error;
	if ((uint64_t)de->de_extent << imp->im_bshift != ext ||
	    de->de_xar != xar || de->de_nsects != 1 ||
	    de->de_sects[0].s_len == 0)
		return cd9660_corrupt(imp, "directory at byte %llu: its \".\" "
		    "record names block %u, %u XAR blocks, %llu bytes",
		    (unsigned long long)data, de->de_extent, de->de_xar,
		    (unsigned long long)de->de_size);
	return 0;
}

static void
node_times(struct cd9660_node *np, const struct cd9660_dirent *de,
    const struct vfs_timespec *isodate)
{
	np->n_mtime = (de != NULL && (de->de_times & DE_T_MTIME)) ?
	    de->de_mtime : *isodate;
	np->n_atime = (de != NULL && (de->de_times & DE_T_ATIME)) ?
	    de->de_atime : np->n_mtime;
	np->n_ctime = (de != NULL && (de->de_times & DE_T_CTIME)) ?
	    de->de_ctime : np->n_mtime;
	if (de != NULL && (de->de_times & DE_T_BTIME)) {
		np->n_btime = de->de_btime;
		np->n_has_btime = true;
	}
}

/* Owner, mode and link count from Rock Ridge entry DE (PX present). */
static void
node_px(struct cd9660_node *np, const struct cd9660_dirent *de)
{
	np->n_mode = de->de_mode & ALLPERMS;
	np->n_uid = de->de_uid;
	np->n_gid = de->de_gid;
	np->n_nlink = de->de_nlink;
	if (de->de_rr & RR_PXINO) {
		np->n_pxino = de->de_pxino;
		np->n_has_pxino = true;
	}
}

static int
node_load_dir(struct cd9660_node *np, const struct cd9660_hint *hint)
{
	struct cd9660_mount *imp = np->n_imp;
	const struct cd9660_dirent *de = hint->h_de, *src = NULL;
	struct cd9660_dirent *dot = NULL, *dd = NULL;
	struct cd9660_diriter *it = NULL;
	uint32_t xar, nsub;
	uint64_t data, size;
	int error;

	xar = de == NULL ? hint->h_xar : (de->de_rr & RR_CL) ? 0 : de->de_xar;
	dot = cd9660_dirent_alloc();
	dd = cd9660_dirent_alloc();
	it = kmem_alloc(sizeof(*it));
	if (dot == NULL || dd == NULL || it == NULL) {
		error = ENOMEM;
		goto out;
	}
	if ((error = cd9660_read_dot(imp, np->n_ino, xar, dot)) != 0)
		goto out;
	data = dot->de_sects[0].s_off;
	size = dot->de_sects[0].s_len;
	if (!cd9660_range_ok(imp, data, size)) {
		error = node_bad(np, "directory of %llu bytes at byte %llu "
		    "runs past the end of the image (%llu bytes)",
		    (unsigned long long)np->n_ino, (unsigned long long)size,
		    (unsigned long long)data,
		    (unsigned long long)imp->im_devsize);
		goto out;
	}
	np->n_xar = xar;
	np->n_rawsize = size;
	np->n_size = size;
	np->n_bytes = roundup(size, imp->im_bsize);
	np->n_depth = hint->h_depth;
	if ((np->n_sects = kmem_alloc(sizeof(*np->n_sects))) == NULL) {
		error = ENOMEM;
		goto out;
	}
	np->n_sects[0].s_off = data;
	np->n_sects[0].s_len = size;
	np->n_nsects = 1;

	/* ".." must follow "." */
	cd9660_diriter_init(it, imp, data, size, hint->h_depth,
	    dot->de_nextoff);
	error = cd9660_dir_next(it, dd);
	if (error == ENOENT || (error == 0 && !dd->de_dotdot)) {
		error = node_bad(np, "directory has no \"..\" record",
		    (unsigned long long)np->n_ino);
		goto out;
	}
	if (error == 0)
		error = dd->de_error;
	if (error)
		goto out;
	np->n_dotdot = (uint32_t)dd->de_diroff;
	np->n_dotdot_ext = (uint64_t)dd->de_extent << imp->im_bshift;
	if (np->n_ino == imp->im_root) {
		np->n_parent = np->n_ino;
		np->n_parent_xar = xar;
	} else if (dd->de_rr & RR_PL) {
		np->n_parent = (uint64_t)dd->de_pl << imp->im_bshift;
		np->n_parent_xar = 0;
	} else if (de != NULL && hint->h_parent != 0) {
		/* found by name: the directory that holds its record */
		np->n_parent = hint->h_parent;
		np->n_parent_xar = hint->h_parent_xar;
	} else {
		np->n_parent = np->n_dotdot_ext;
		np->n_parent_xar = dd->de_xar;
	}
	if (de != NULL && (de->de_rr & RR_CL) &&
	    (!(dd->de_rr & RR_PL) || np->n_parent != hint->h_parent)) {
		error = node_bad(np, "relocated directory does not name its "
		    "parent %llu in a PL entry", (unsigned long long)np->n_ino,
		    (unsigned long long)hint->h_parent);
		goto out;
	}

	if (imp->im_kind == CD9660_ROCK && (dot->de_rr & RR_PX))
		src = dot;
	else if (imp->im_kind == CD9660_ROCK && de != NULL &&
	    (de->de_rr & RR_PX) && !(de->de_rr & RR_CL))
		src = de;
	np->n_mode = CD9660_DEFMODE;
	np->n_nlink = 0;
	if (src != NULL)
		node_px(np, src);
	node_times(np, src, de != NULL && !(de->de_rr & RR_CL) ?
	    &de->de_recdate : &dot->de_recdate);
	if (np->n_nlink < 2) {
		/* A damaged directory is still loaded (and fails readdir). */
		error = cd9660_dir_count_subdirs(np, &nsub);
		if (error != 0 && error != EUCLEAN)
			goto out;
		np->n_nlink = error == 0 ? 2 + nsub : 1;
	}
	error = 0;
out:
	if (it != NULL)
		kmem_free(it, sizeof(*it));
	cd9660_dirent_free(dot);
	cd9660_dirent_free(dd);
	return error;
}

static int
node_load_file(struct cd9660_node *np, const struct cd9660_dirent *de)
{
	struct cd9660_mount *imp = np->n_imp;
	bool rock = imp->im_kind == CD9660_ROCK && (de->de_rr & RR_PX);
	uint32_t i;
	int error;

	np->n_nsects = de->de_nsects;
	if (np->n_nsects > 0) {
		np->n_sects = kmem_alloc(np->n_nsects * sizeof(*np->n_sects));
		if (np->n_sects == NULL)
			return ENOMEM;
		memcpy(np->n_sects, de->de_sects,
		    np->n_nsects * sizeof(*np->n_sects));
	}
	np->n_rawsize = de->de_size;
	for (i = 0; i < np->n_nsects; i++) {
		if (np->n_sects[i].s_len > 0 &&
		    !cd9660_range_ok(imp, np->n_sects[i].s_off,
		    np->n_sects[i].s_len))
			return node_bad(np, "extent of %llu bytes at byte %llu "
			    "runs past the end of the image (%llu bytes)",
			    (unsigned long long)np->n_ino,
			    (unsigned long long)np->n_sects[i].s_len,
			    (unsigned long long)np->n_sects[i].s_off,
			    (unsigned long long)imp->im_devsize);
		np->n_bytes += roundup(np->n_sects[i].s_len, imp->im_bsize);
	}
	if (de->de_funit != 0 || de->de_gap != 0) {
		klog(KLOG_WARN, "cd9660 (%s): inode %llu is recorded in "
		    "interleaved mode, which is not supported: reads fail",
		    imp->im_mp->mnt_source, (unsigned long long)np->n_ino);
		np->n_interleaved = true;
	}
	np->n_mode = CD9660_DEFMODE;
	np->n_nlink = 1;
	if (rock)
		node_px(np, de);
	if (np->n_nlink == 0)
		np->n_nlink = 1;
	node_times(np, de, &de->de_recdate);

	switch (np->n_type) {
	case VLNK:
		if (!(de->de_rr & RR_SL) || de->de_linklen == 0)
			return node_bad(np, "symbolic link without a target "
			    "(SL)", (unsigned long long)np->n_ino);
		if ((np->n_link = kmem_strndup(de->de_link,
		    de->de_linklen)) == NULL)
			return ENOMEM;
		np->n_size = de->de_linklen;
		np->n_bytes = 0;
		break;
	case VCHR:
	case VBLK:
		np->n_rdev = (de->de_rr & RR_PN) ? de->de_rdev : 0;
		np->n_size = 0;
		break;
	case VREG:
		np->n_size = np->n_rawsize;
		if (imp->im_kind == CD9660_ROCK && (de->de_rr & RR_ZF) &&
		    (error = cd9660_zisofs_init(np, de)) != 0)
			return error;
		break;
	default:
		np->n_size = 0;
		break;
	}
	return 0;
}

int
cd9660_node_load(struct cd9660_mount *imp, ino64_t ino,
    const struct cd9660_hint *hint, struct cd9660_node **npp)
{
	const struct cd9660_dirent *de = hint->h_de;
	struct cd9660_node *np;
	int error;

	*npp = NULL;
	if (de != NULL && de->de_error != 0)
		return de->de_error;	/* logged when it was decoded */
	if ((np = kmem_zalloc(sizeof(*np))) == NULL)
		return ENOMEM;
	if ((error = mutex_init(&np->n_lock)) != 0) {
		kmem_free(np, sizeof(*np));
		return error;
	}
	np->n_imp = imp;
	np->n_ino = ino;
	np->n_type = de == NULL ? VDIR : cd9660_dirent_vtype(imp, de);
	if (np->n_type == VNON) {
		error = node_bad(np, "Rock Ridge mode 0%o contradicts the ISO "
		    "9660 record (flags 0x%x)", (unsigned long long)ino,
		    de->de_mode, de->de_isoflags);
		goto out;
	}
	if (np->n_type == VDIR)
		error = node_load_dir(np, hint);
	else
		error = node_load_file(np, de);
	if (error)
		goto out;
	*npp = np;
	return 0;
out:
	cd9660_node_free(np);
	return error;
}

void
cd9660_node_free(struct cd9660_node *np)
{
	if (np == NULL)
		return;
	cd9660_zisofs_free(np);
	cd9660_dirindex_free(np->n_index);
	if (np->n_sects != NULL)
		kmem_free(np->n_sects, np->n_nsects * sizeof(*np->n_sects));
	if (np->n_link != NULL)
		kmem_strfree(np->n_link);
	mutex_destroy(&np->n_lock);
	kmem_free(np, sizeof(*np));
}

void
cd9660_node_getattr(const struct cd9660_node *np, struct vattr *va)
{
	memset(va, 0, sizeof(*va));
	va->va_mask = VA_ALL & ~(VA_BTIME | VA_FLAGS | VA_GEN);
	va->va_type = np->n_type;
	va->va_mode = np->n_mode;
	va->va_nlink = np->n_nlink;
	va->va_uid = np->n_uid;
	va->va_gid = np->n_gid;
	va->va_fileid = np->n_ino;
	va->va_size = np->n_size;
	va->va_bytes = np->n_bytes;
	va->va_blocksize = ISO_SECTOR_SIZE;
	va->va_atime = np->n_atime;
	va->va_mtime = np->n_mtime;
	va->va_ctime = np->n_ctime;
	if (np->n_has_btime) {
		va->va_birthtime = np->n_btime;
		va->va_mask |= VA_BTIME;
	}
	va->va_rdev = np->n_rdev;
}

bool
cd9660_node_matches(const struct cd9660_node *np,
    const struct cd9660_dirent *de)
{
	const struct cd9660_mount *imp = np->n_imp;

	if (np->n_type != cd9660_dirent_vtype(imp, de))
		return false;
	if (np->n_type == VDIR)
		return true;
	if (np->n_rawsize != de->de_size || np->n_nsects != de->de_nsects ||
	    (np->n_nsects > 0 &&
	    np->n_sects[0].s_off != de->de_sects[0].s_off))
		return false;
	if (imp->im_kind == CD9660_ROCK && (de->de_rr & RR_PX) &&
	    (np->n_mode != (de->de_mode & ALLPERMS) ||
	    np->n_uid != de->de_uid || np->n_gid != de->de_gid ||
	    np->n_nlink != MAX(de->de_nlink, 1U)))
		return false;
	if (np->n_has_pxino != ((de->de_rr & RR_PXINO) != 0) ||
	    (np->n_has_pxino && np->n_pxino != de->de_pxino))
		return false;
	if (np->n_type == VLNK && (np->n_size != de->de_linklen ||
	    memcmp(np->n_link, de->de_link, de->de_linklen) != 0))
		return false;
	if ((np->n_type == VCHR || np->n_type == VBLK) &&
	    np->n_rdev != ((de->de_rr & RR_PN) ? de->de_rdev : 0))
		return false;
	return true;
}
