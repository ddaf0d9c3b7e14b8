/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cd9660_vfsops.c -- mounting ISO 9660 volumes (levels 1 to 3 and ISO
 * 9660:1999 trees, Rock Ridge, Joliet, zisofs): the session, the volume
 * descriptor, the choice of tree and extension, statvfs, the root and
 * vnode loading.  Registered as "cd9660" with the alias "iso9660".
 *
 * Mount, in order:
 *   1. The medium is read-only: a mount that did not ask for "ro" is
 *      made read-only (the kernel then refuses every write with EROFS).
 *      When "rw" was asked for explicitly (MNT_RWEXPLICIT), that mount
 *      is refused with EROFS instead.
 *   2. Find the sessions (cd9660_session.c) and take the last, or the
 *      one "session=N" (1-based, as xorriso -toc counts) names, or the
 *      one starting at "sbsector=S".
 *   3. Read and check that session's descriptors: primary descriptor
 *      version, logical block size (512, 1024 or 2048), volume size; the
 *      root directory record (length, "." identifier, directory flag,
 *      extent inside the image).  A volume space larger than the image
 *      is logged (a truncated image): what lies beyond reads as EUCLEAN.
 *   4. Rock Ridge if the root's "." record starts with SUSP's SP entry
 *      and names Rock Ridge (an ER entry or RRIP entries), unless
 *      "norock"; else the Joliet tree if there is one, unless
 *      "nojoliet"; else the ISO 9660:1999 tree of an enhanced volume
 *      descriptor (names as recorded: no version, any case); else
 *      plain ISO 9660 names.  A damaged Joliet or enhanced descriptor
 *      falls back to the primary tree with a log line.
 *   5. Load the root's node once to check it.
 *
 * Life cycle: struct cd9660_mount is built here and never changes until
 * unmount frees it.  Vnodes are loaded by cd9660_loadvnode (always with
 * a hint: the driver is the only caller of vcache_get for its mounts)
 * and freed by VOP_RECLAIM.
 */
#include "kern/kern.h"
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "cd9660_fs.h"
#include "cd9660_node.h"

static const char *
kind_name(const struct cd9660_mount *imp)
{
	switch (imp->im_kind) {
	case CD9660_ROCK:
		return "Rock Ridge";
	case CD9660_JOLIET:
		return "Joliet";
	default:
		return imp->im_iso1999 ? "ISO 9660:1999" : "ISO 9660";
	}
}

/*
 * Take the root directory record of descriptor VD (the volume's logical
 * block size already in IMP).  => 0, EUCLEAN (logged) if it is damaged.
 */
static int
root_setup(struct cd9660_mount *imp, const struct iso_pvd *vd,
    const char *which)
{
	const struct iso_dirrec *dr =
	    (const struct iso_dirrec *)vd->root_directory_record;
	uint64_t ext, data, size;

	ext = (uint64_t)iso_both32(dr->extent) << imp->im_bshift;
	data = ext + ((uint64_t)dr->ext_attr_length << imp->im_bshift);
	size = iso_both32(dr->size);
	if (dr->length < ISO_DIRREC_MIN + 1 || dr->name_len != 1 ||
	    dr->name[0] != ISO_NAME_DOT ||
	    !(dr->flags & ISO_FILE_DIRECTORY) || size == 0 ||
	    !cd9660_range_ok(imp, data, size))
		return cd9660_corrupt(imp, "%s volume descriptor: bad root "
		    "directory record (length %u, flags 0x%x, %llu bytes at "
		    "byte %llu)", which, dr->length, dr->flags,
		    (unsigned long long)size, (unsigned long long)data);
	imp->im_root = ext;
	imp->im_root_xar = dr->ext_attr_length;
	imp->im_rootsize = size;
	return 0;
}

/* Choose the session: fills IMP's session fields and VS. */
static int
session_choose(struct cd9660_mount *imp, struct cd9660_vdset *vs)
{
	struct mount *mp = imp->im_mp;
	uint64_t *starts, want = 0, sb;
	uint32_t n = 0;
	int error;

	if ((error = vfs_getopt_uint64(mp, "sbsector", 0, &sb)) == 0) {
		if (sb > imp->im_devsize >> ISO_SECTOR_SHIFT) {
			vfs_mount_error(mp, "cd9660: sbsector=%llu is beyond "
			    "the image", (unsigned long long)sb);
			return EINVAL;
		}
		imp->im_session = sb;
		imp->im_sessno = imp->im_nsessions = 1;
		goto read;
	}
	if (error != ENOENT) {
		vfs_mount_error(mp, "cd9660: bad sbsector= value");
		return EINVAL;
	}
	if ((error = vfs_getopt_uint64(mp, "session", 0, &want)) != 0 &&
	    error != ENOENT) {
		vfs_mount_error(mp, "cd9660: bad session= value");
		return EINVAL;
	}
	if ((starts = kmem_alloc(CD9660_MAX_SESSIONS *
	    sizeof(*starts))) == NULL)
		return ENOMEM;
	error = cd9660_sessions(imp, starts, &n);
	if (error == 0 && want == 0 && vfs_getopt(mp, "session", NULL)) {
		vfs_mount_error(mp, "cd9660: sessions count from 1");
		error = EINVAL;
	} else if (error == 0 && want > n) {
		vfs_mount_error(mp, "cd9660: no session %llu (the image has "
		    "%u)", (unsigned long long)want, n);
		error = EINVAL;
	}
	if (error == 0) {
		imp->im_nsessions = n;
		imp->im_sessno = want != 0 ? (uint32_t)want : n;
		imp->im_session = starts[imp->im_sessno - 1];
	}
	kmem_free(starts, CD9660_MAX_SESSIONS * sizeof(*starts));
	if (error)
		return error;
read:
	error = cd9660_vdset_read(imp, imp->im_session, false, vs);
	if (error == EINVAL)
		vfs_mount_error(mp, "cd9660: no ISO 9660 volume descriptors at "
		    "sector %llu",
		    (unsigned long long)imp->im_session + ISO_VD_FIRST);
	return error;
}

/* Step 4: which tree, which extension. */
static int
tree_choose(struct cd9660_mount *imp, const struct cd9660_vdset *vs)
{
	struct mount *mp = imp->im_mp;
	uint8_t rec[ISO_DIRREC_MAX];
	uint64_t data;
	bool susp, rock;
	uint32_t skip, len;
	int error;

	imp->im_kind = CD9660_ISO;
	if (!vfs_getopt(mp, "norock", NULL)) {
		data = imp->im_root +
		    ((uint64_t)imp->im_root_xar << imp->im_bshift);
		if ((error = cd9660_devread(imp, data, rec, 1,
		    "root directory")) != 0)
			return error;
		len = rec[0];
		if (len < ISO_DIRREC_MIN + 1 ||
		    len > ISO_SECTOR_SIZE - (data & (ISO_SECTOR_SIZE - 1)))
			return cd9660_corrupt(imp, "root directory: first "
			    "record has length %u", len);
		if ((error = cd9660_devread(imp, data, rec, len,
		    "root directory")) != 0)
			return error;
		if (rec[32] != 1 || rec[33] != ISO_NAME_DOT)
			return cd9660_corrupt(imp, "root directory does not "
			    "start with \".\"");
		if ((error = cd9660_rrip_detect(imp, rec, len, data, &susp,
		    &rock, &skip)) != 0)
			return error;
		if (rock) {
			imp->im_kind = CD9660_ROCK;
			imp->im_susp_skip = skip;
			return 0;
		}
	}
	if (vs->vs_have_joliet && !vfs_getopt(mp, "nojoliet", NULL)) {
		if (iso_both16(vs->vs_svd.logical_block_size) !=
		    imp->im_bsize) {
			klog(KLOG_WARN, "cd9660 (%s): Joliet descriptor has "
			    "another block size; using the primary tree",
			    mp->mnt_source);
			return 0;
		}
		if ((error = root_setup(imp, &vs->vs_svd, "Joliet")) != 0) {
			klog(KLOG_WARN, "cd9660 (%s): damaged Joliet "
			    "descriptor; using the primary tree",
			    mp->mnt_source);
			return root_setup(imp, &vs->vs_pvd, "primary");
		}
		imp->im_kind = CD9660_JOLIET;
		imp->im_joliet_level = vs->vs_joliet_level;
		return 0;
	}
	if (vs->vs_have_evd) {
		/* ISO 9660:1999: names as recorded, the enhanced tree. */
		imp->im_iso1999 = true;
		if (iso_both16(vs->vs_evd.logical_block_size) ==
		    imp->im_bsize && root_setup(imp, &vs->vs_evd,
		    "enhanced") != 0) {
			klog(KLOG_WARN, "cd9660 (%s): damaged enhanced volume "
			    "descriptor; using the primary tree",
			    mp->mnt_source);
			return root_setup(imp, &vs->vs_pvd, "primary");
		}
	}
	return 0;
}

static uint64_t
fnv64(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Check the root by loading its node once. */
static int
root_check(struct cd9660_mount *imp)
{
	struct cd9660_node *np;
	struct cd9660_hint hint;
	int error;

	memset(&hint, 0, sizeof(hint));
	hint.h_xar = imp->im_root_xar;
	hint.h_parent = imp->im_root;
	error = cd9660_node_load(imp, imp->im_root, &hint, &np);
	if (error == 0)
		cd9660_node_free(np);
	return error;
}

static int
cd9660_mount(struct mount *mp)
{
	struct blkdev *dev = mp->mnt_dev;
	struct cd9660_mount *imp;
	struct cd9660_vdset *vs;
	const struct iso_pvd *pvd;
	uint64_t volbytes;
	size_t i;
	int error;

	if (!vfs_isrdonly(mp)) {
		if (mp->mnt_flags & MNT_RWEXPLICIT) {
			vfs_mount_error(mp, "cd9660: ISO 9660 is read-only; "
			    "mount it without \"rw\"");
			return EROFS;
		}
		klog(KLOG_INFO, "cd9660 (%s): ISO 9660 is read-only; mounting "
		    "read-only", mp->mnt_source);
		mp->mnt_flags |= MNT_RDONLY;
	}
	if (dev == NULL ||
	    dev->bd_size < (ISO_VD_FIRST + 1) * ISO_SECTOR_SIZE) {
		vfs_mount_error(mp, "cd9660: device too small");
		return EINVAL;
	}
	if ((imp = kmem_zalloc(sizeof(*imp))) == NULL)
		return ENOMEM;
	if ((vs = kmem_alloc(sizeof(*vs))) == NULL) {
		kmem_free(imp, sizeof(*imp));
		return ENOMEM;
	}
	imp->im_mp = mp;
	imp->im_dev = dev;
	imp->im_devsize = dev->bd_size;
	imp->im_bsize = ISO_SECTOR_SIZE;
	imp->im_bshift = ISO_SECTOR_SHIFT;
	mp->mnt_data = imp;

	if ((error = session_choose(imp, vs)) != 0)
		goto out_free;
	pvd = &vs->vs_pvd;
	imp->im_bsize = iso_both16(pvd->logical_block_size);
	for (imp->im_bshift = 0; (1U << imp->im_bshift) < imp->im_bsize;)
		imp->im_bshift++;
	imp->im_volblocks = iso_both32(pvd->volume_space_size);
	volbytes = imp->im_volblocks << imp->im_bshift;
	if (volbytes > imp->im_devsize)
		klog(KLOG_WARN, "cd9660 (%s): the volume has %llu bytes but "
		    "the image only %llu: truncated? Files beyond its end "
		    "cannot be read", mp->mnt_source,
		    (unsigned long long)volbytes,
		    (unsigned long long)imp->im_devsize);
	if ((error = root_setup(imp, pvd, "primary")) != 0)
		goto out_free;
	if ((error = tree_choose(imp, vs)) != 0)
		goto out_free;

	memcpy(imp->im_volid, pvd->volume_id, sizeof(pvd->volume_id));
	for (i = sizeof(pvd->volume_id); i > 0 &&
	    imp->im_volid[i - 1] == ' '; i--)
		imp->im_volid[i - 1] = '\0';
	for (i = 0; imp->im_volid[i] != '\0'; i++)
		if (imp->im_volid[i] < 0x20 || imp->im_volid[i] > 0x7e)
			imp->im_volid[i] = '?';
	(void)cd9660_date17(pvd->creation_date, &imp->im_vtime);
	imp->im_fsid = fnv64(0xcbf29ce484222325ULL, pvd->volume_id,
	    sizeof(pvd->volume_id));
	imp->im_fsid = fnv64(imp->im_fsid, pvd->creation_date,
	    sizeof(pvd->creation_date));
	imp->im_fsid = fnv64(imp->im_fsid, &imp->im_session,
	    sizeof(imp->im_session));

	if ((error = root_check(imp)) != 0)
		goto out_free;
	mp->mnt_namemax = NAME_MAX;
	mp->mnt_linkmax = UINT32_MAX;
	mp->mnt_maxfilesize = INT64_MAX;
	klog(KLOG_INFO, "cd9660 (%s): volume \"%s\", session %u of %u at "
	    "sector %llu, %s%s, block size %u", mp->mnt_source,
	    imp->im_volid, imp->im_sessno, imp->im_nsessions,
	    (unsigned long long)imp->im_session, kind_name(imp),
	    imp->im_kind == CD9660_JOLIET ?
	    (imp->im_joliet_level == 3 ? " level 3" :
	    imp->im_joliet_level == 2 ? " level 2" : " level 1") : "",
	    imp->im_bsize);
	kmem_free(vs, sizeof(*vs));
	return 0;

out_free:
	if (error == EUCLEAN && mp->mnt_errbuf[0] == '\0')
		vfs_mount_error(mp, "cd9660: corrupt filesystem (see log)");
	mp->mnt_data = NULL;
	kmem_free(vs, sizeof(*vs));
	kmem_free(imp, sizeof(*imp));
	return error;
}

static int
cd9660_unmount(struct mount *mp, int flags)
{
	struct cd9660_mount *imp = VFSTOISO(mp);

	(void)flags;
	kmem_free(imp, sizeof(*imp));
	mp->mnt_data = NULL;
	return 0;
}

static int
cd9660_root(struct mount *mp, struct vnode **vpp)
{
	struct cd9660_mount *imp = VFSTOISO(mp);
	struct cd9660_hint hint;

	memset(&hint, 0, sizeof(hint));
	hint.h_xar = imp->im_root_xar;
	hint.h_parent = imp->im_root;
	return vcache_get(mp, imp->im_root, &hint, vpp);
}

static int
cd9660_statvfs(struct mount *mp, struct vfs_statvfs *sv)
{
	struct cd9660_mount *imp = VFSTOISO(mp);

	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = imp->im_bsize;
	sv->f_frsize = imp->im_bsize;
	sv->f_blocks = imp->im_volblocks;
	sv->f_fsid = imp->im_fsid;
	sv->f_flag = VFS_ST_RDONLY;
	if (mp->mnt_flags & MNT_NOSUID)
		sv->f_flag |= VFS_ST_NOSUID;
	sv->f_namemax = NAME_MAX;
	return 0;
}

static int
cd9660_sync(struct mount *mp, bool wait)
{
	(void)mp;
	(void)wait;
	return 0;	/* read-only: nothing in core is dirty */
}

static int
cd9660_loadvnode(struct mount *mp, struct vnode *vp, ino64_t ino, void *hint)
{
	struct cd9660_mount *imp = VFSTOISO(mp);
	struct cd9660_node *np;
	int error;

	if (hint == NULL)
		return ESTALE;	/* only lookups (with a record) load nodes */
	if ((error = cd9660_node_load(imp, ino, hint, &np)) != 0)
		return error;
	np->n_vnode = vp;
	vp->v_type = np->n_type;
	vp->v_op = &cd9660_vnodeops;
	vp->v_data = np;
	return 0;
}

static int
cd9660_probe(struct blkdev *dev)
{
	uint8_t id[6];
	int error;

	if (dev->bd_size < (ISO_VD_FIRST + 1) * ISO_SECTOR_SIZE)
		return EINVAL;
	if ((error = blkdev_read(dev, id, sizeof(id),
	    ISO_VD_FIRST * ISO_SECTOR_SIZE)) != 0)
		return error;
	return memcmp(id + 1, ISO_STANDARD_ID, 5) == 0 ? 0 : EINVAL;
}

static const char *const cd9660_aliases[] = { "iso9660", NULL };

static const struct vfs_optdesc cd9660_opts[] = {
	{ "norock", VFS_OPT_FLAG, "ignore Rock Ridge (Joliet or ISO names)" },
	{ "nojoliet", VFS_OPT_FLAG, "ignore Joliet (Rock Ridge or ISO names)" },
	{ "session", VFS_OPT_VALUE,
	    "mount session N (1 = first; default: the last)" },
	{ "sbsector", VFS_OPT_VALUE,
	    "mount the session starting at sector N" },
	{ NULL, 0, NULL },
};

const struct vfsops cd9660_vfsops = {
	.vfs_name = CD9660_NAME,
	.vfs_aliases = cd9660_aliases,
	.vfs_opts = cd9660_opts,
	.vfs_needdev = true,
	.vfs_mount = cd9660_mount,
	.vfs_unmount = cd9660_unmount,
	.vfs_root = cd9660_root,
	.vfs_statvfs = cd9660_statvfs,
	.vfs_sync = cd9660_sync,
	.vfs_loadvnode = cd9660_loadvnode,
	.vfs_probe = cd9660_probe,
};
