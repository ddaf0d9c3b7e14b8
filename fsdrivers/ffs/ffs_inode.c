/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ffs_inode.c -- inodes: finding one in its group's inode blocks,
 * decoding the UFS1 (128-byte) and UFS2 (256-byte) layouts into a
 * struct ffs_inode and encoding it back, attributes and times.
 *
 * Decoding validates what every later use relies on: a known file type,
 * a non-negative link count, a size the tree can address, nanoseconds
 * in range (clamped, not refused: old tools wrote junk there).  Block
 * addresses are checked where they are used (ffs_bmap, ffs_bread).
 * Short symlinks keep their target where the block addresses would be;
 * for them the raw bytes are kept (i_shortlink) and no address is
 * decoded.
 *
 * Writing an inode (ffs_update) reads its block, overwrites the fields
 * this driver knows in the slot and leaves the others (di_modrev,
 * di_blksize, spares) as they were.
 *
 * Exports ffs_inode_load, ffs_inode_free, ffs_dinode_unpack,
 * ffs_dinode_decode, ffs_dinode_isfree, ffs_inode_create, ffs_update,
 * ffs_getattr, ffs_itimes,
 * ffs_mark_access, ffs_flush_atime.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "ffs_fs.h"
#include "ffs_node.h"

#define FFS_RELATIME_SEC	(24 * 60 * 60)

static long
ffs_nsec(int32_t v)
{
	return v >= 0 && v < 1000000000 ? (long)v : 0;
}

bool
ffs_dinode_isfree(const struct ffs_mount *ump, const void *raw)
{
	const struct ffs_ufs1_dinode *d1 = raw;

	/* di_mode is the first field of both layouts */
	return FFS_RD16(ump, d1->di_mode) == 0;
}

static void
ffs_decode_ufs1(struct ffs_mount *ump, const struct ffs_ufs1_dinode *d,
    struct ffs_inode *ip)
{
	int i;

	ip->i_mode = FFS_RD16(ump, d->di_mode);
	ip->i_nlink = (int16_t)FFS_RD16(ump, d->di_nlink);
	ip->i_size = FFS_RD64(ump, d->di_size);
	ip->i_atime.tv_sec = FFS_RDS32(ump, d->di_atime);
	ip->i_atime.tv_nsec = ffs_nsec(FFS_RDS32(ump, d->di_atimensec));
	ip->i_mtime.tv_sec = FFS_RDS32(ump, d->di_mtime);
	ip->i_mtime.tv_nsec = ffs_nsec(FFS_RDS32(ump, d->di_mtimensec));
	ip->i_ctime.tv_sec = FFS_RDS32(ump, d->di_ctime);
	ip->i_ctime.tv_nsec = ffs_nsec(FFS_RDS32(ump, d->di_ctimensec));
	for (i = 0; i < FFS_NDADDR; i++)
		ip->i_db[i] = FFS_RDS32(ump, d->di_db[i]);
	for (i = 0; i < FFS_NIADDR; i++)
		ip->i_ib[i] = FFS_RDS32(ump, d->di_ib[i]);
	memcpy(ip->i_shortlink, d->di_db, sizeof(d->di_db) + sizeof(d->di_ib));
	ip->i_flags = FFS_RD32(ump, d->di_flags);
	ip->i_blocks = FFS_RD32(ump, d->di_blocks);
	ip->i_gen = FFS_RD32(ump, d->di_gen);
	if (ump->um_oldids) {
		ip->i_uid = FFS_RD16(ump, d->di_oldids[0]);
		ip->i_gid = FFS_RD16(ump, d->di_oldids[1]);
	} else {
		ip->i_uid = FFS_RD32(ump, d->di_uid);
		ip->i_gid = FFS_RD32(ump, d->di_gid);
	}
	ip->i_rdev = (uint32_t)FFS_RD32(ump, d->di_db[0]);
}

static void
ffs_decode_ufs2(struct ffs_mount *ump, const struct ffs_ufs2_dinode *d,
    struct ffs_inode *ip)
{
	int i;

	ip->i_mode = FFS_RD16(ump, d->di_mode);
	ip->i_nlink = (int16_t)FFS_RD16(ump, d->di_nlink);
	ip->i_uid = FFS_RD32(ump, d->di_uid);
	ip->i_gid = FFS_RD32(ump, d->di_gid);
	ip->i_size = FFS_RD64(ump, d->di_size);
	ip->i_blocks = FFS_RD64(ump, d->di_blocks);
	ip->i_atime.tv_sec = FFS_RDS64(ump, d->di_atime);
	ip->i_atime.tv_nsec = ffs_nsec(FFS_RDS32(ump, d->di_atimensec));
	ip->i_mtime.tv_sec = FFS_RDS64(ump, d->di_mtime);
	ip->i_mtime.tv_nsec = ffs_nsec(FFS_RDS32(ump, d->di_mtimensec));
	ip->i_ctime.tv_sec = FFS_RDS64(ump, d->di_ctime);
	ip->i_ctime.tv_nsec = ffs_nsec(FFS_RDS32(ump, d->di_ctimensec));
	ip->i_btime.tv_sec = FFS_RDS64(ump, d->di_birthtime);
	ip->i_btime.tv_nsec = ffs_nsec(FFS_RDS32(ump, d->di_birthnsec));
	ip->i_gen = FFS_RD32(ump, d->di_gen);
	ip->i_kernflags = FFS_RD32(ump, d->di_kernflags);
	ip->i_flags = FFS_RD32(ump, d->di_flags);
	ip->i_extsize = FFS_RD32(ump, d->di_extsize);
	for (i = 0; i < FFS_NXADDR; i++)
		ip->i_extb[i] = FFS_RDS64(ump, d->di_extb[i]);
	for (i = 0; i < FFS_NDADDR; i++)
		ip->i_db[i] = FFS_RDS64(ump, d->di_db[i]);
	for (i = 0; i < FFS_NIADDR; i++)
		ip->i_ib[i] = FFS_RDS64(ump, d->di_ib[i]);
	memcpy(ip->i_shortlink, d->di_db, sizeof(d->di_db) + sizeof(d->di_ib));
	ip->i_rdev = FFS_RD64(ump, d->di_db[0]);
}

void
ffs_dinode_unpack(struct ffs_mount *ump, const void *raw, struct ffs_inode *ip)
{
	uint32_t type;

	if (ump->um_ufs2)
		ffs_decode_ufs2(ump, raw, ip);
	else
		ffs_decode_ufs1(ump, raw, ip);
	type = ip->i_mode & FFS_IFMT;
	ip->i_flag &= ~IN_SHORTLINK;
	if (type == FFS_IFLNK && (ip->i_size < ump->um_maxsymlinklen ||
	    (ump->um_maxsymlinklen == 0 && ip->i_blocks == 0)) &&
	    ip->i_size < sizeof(ip->i_shortlink)) {
		ip->i_flag |= IN_SHORTLINK;
		memset(ip->i_db, 0, sizeof(ip->i_db));
		memset(ip->i_ib, 0, sizeof(ip->i_ib));
	}
	if (type == FFS_IFCHR || type == FFS_IFBLK) {
		memset(ip->i_db, 0, sizeof(ip->i_db));
		memset(ip->i_ib, 0, sizeof(ip->i_ib));
	} else
		ip->i_rdev = 0;
}

int
ffs_dinode_decode(struct ffs_mount *ump, const void *raw, struct ffs_inode *ip)
{
	unsigned long long ino = (unsigned long long)ip->i_number;

	ffs_dinode_unpack(ump, raw, ip);
	if (ffs_mode_vtype(ip->i_mode) == VNON)
		return ffs_corrupt(ump, "inode %llu: bad mode 0%o", ino,
		    ip->i_mode);
	if (ip->i_nlink < 0)
		return ffs_corrupt(ump, "inode %llu: link count %d", ino,
		    ip->i_nlink);
	if (ip->i_size > ump->um_maxfilesize)
		return ffs_corrupt(ump, "inode %llu: size %llu too large", ino,
		    (unsigned long long)ip->i_size);
	if (ump->um_ufs2 && ip->i_extsize > FFS_NXADDR * ump->um_bsize)
		return ffs_corrupt(ump, "inode %llu: xattr area of %u bytes",
		    ino, ip->i_extsize);
	if ((ip->i_mode & FFS_IFMT) == FFS_IFLNK && !ffs_is_shortlink(ip) &&
	    ip->i_size < ump->um_maxsymlinklen)
		return ffs_corrupt(ump, "inode %llu: inline symlink of %llu "
		    "bytes", ino, (unsigned long long)ip->i_size);
	return 0;
}

static int32_t
ffs_time32(int64_t sec)
{
	if (sec > INT32_MAX)
		return INT32_MAX;
	if (sec < INT32_MIN)
		return INT32_MIN;
	return (int32_t)sec;
}

static void
ffs_encode_ufs1(struct ffs_mount *ump, struct ffs_inode *ip,
    const struct vfs_timespec *atime, struct ffs_ufs1_dinode *d)
{
	int i;

	FFS_WR16(ump, d->di_mode, ip->i_mode);
	FFS_WR16(ump, d->di_nlink, (uint16_t)ip->i_nlink);
	FFS_WR64(ump, d->di_size, ip->i_size);
	FFS_WR32(ump, d->di_atime, ffs_time32(atime->tv_sec));
	FFS_WR32(ump, d->di_atimensec, atime->tv_nsec);
	FFS_WR32(ump, d->di_mtime, ffs_time32(ip->i_mtime.tv_sec));
	FFS_WR32(ump, d->di_mtimensec, ip->i_mtime.tv_nsec);
	FFS_WR32(ump, d->di_ctime, ffs_time32(ip->i_ctime.tv_sec));
	FFS_WR32(ump, d->di_ctimensec, ip->i_ctime.tv_nsec);
	if (ffs_is_shortlink(ip))
		memcpy(d->di_db, ip->i_shortlink,
		    sizeof(d->di_db) + sizeof(d->di_ib));
	else {
		for (i = 0; i < FFS_NDADDR; i++)
			FFS_WR32(ump, d->di_db[i], (int32_t)ip->i_db[i]);
		for (i = 0; i < FFS_NIADDR; i++)
			FFS_WR32(ump, d->di_ib[i], (int32_t)ip->i_ib[i]);
		if ((ip->i_mode & FFS_IFMT) == FFS_IFCHR ||
		    (ip->i_mode & FFS_IFMT) == FFS_IFBLK)
			FFS_WR32(ump, d->di_db[0], (uint32_t)ip->i_rdev);
	}
	FFS_WR32(ump, d->di_flags, ip->i_flags);
	FFS_WR32(ump, d->di_blocks, (uint32_t)ip->i_blocks);
	FFS_WR32(ump, d->di_gen, ip->i_gen);
	FFS_WR32(ump, d->di_uid, ip->i_uid);
	FFS_WR32(ump, d->di_gid, ip->i_gid);
}

static void
ffs_encode_ufs2(struct ffs_mount *ump, struct ffs_inode *ip,
    const struct vfs_timespec *atime, struct ffs_ufs2_dinode *d)
{
	int i;

	FFS_WR16(ump, d->di_mode, ip->i_mode);
	FFS_WR16(ump, d->di_nlink, (uint16_t)ip->i_nlink);
	FFS_WR32(ump, d->di_uid, ip->i_uid);
	FFS_WR32(ump, d->di_gid, ip->i_gid);
	FFS_WR64(ump, d->di_size, ip->i_size);
	FFS_WR64(ump, d->di_blocks, ip->i_blocks);
	FFS_WR64(ump, d->di_atime, atime->tv_sec);
	FFS_WR32(ump, d->di_atimensec, atime->tv_nsec);
	FFS_WR64(ump, d->di_mtime, ip->i_mtime.tv_sec);
	FFS_WR32(ump, d->di_mtimensec, ip->i_mtime.tv_nsec);
	FFS_WR64(ump, d->di_ctime, ip->i_ctime.tv_sec);
	FFS_WR32(ump, d->di_ctimensec, ip->i_ctime.tv_nsec);
	FFS_WR64(ump, d->di_birthtime, ip->i_btime.tv_sec);
	FFS_WR32(ump, d->di_birthnsec, ip->i_btime.tv_nsec);
	FFS_WR32(ump, d->di_gen, ip->i_gen);
	FFS_WR32(ump, d->di_kernflags, ip->i_kernflags);
	FFS_WR32(ump, d->di_flags, ip->i_flags);
	FFS_WR32(ump, d->di_extsize, ip->i_extsize);
	for (i = 0; i < FFS_NXADDR; i++)
		FFS_WR64(ump, d->di_extb[i], ip->i_extb[i]);
	if (ffs_is_shortlink(ip))
		memcpy(d->di_db, ip->i_shortlink,
		    sizeof(d->di_db) + sizeof(d->di_ib));
	else {
		for (i = 0; i < FFS_NDADDR; i++)
			FFS_WR64(ump, d->di_db[i], ip->i_db[i]);
		for (i = 0; i < FFS_NIADDR; i++)
			FFS_WR64(ump, d->di_ib[i], ip->i_ib[i]);
		if ((ip->i_mode & FFS_IFMT) == FFS_IFCHR ||
		    (ip->i_mode & FFS_IFMT) == FFS_IFBLK)
			FFS_WR64(ump, d->di_db[0], ip->i_rdev);
	}
}

/* Read the block holding inode INO. */
static int
ffs_inode_bread(struct ffs_mount *ump, ino64_t ino, struct buf **bpp)
{
	return bread(ump->um_dev, FFS_FSBTODB(ump, ffs_ino_to_fsba(ump, ino)),
	    ump->um_bsize, bpp);
}

/*
 * UFS2 inodes past the group's initialised ones were never written:
 * they are free whatever the block holds.
 */
static int
ffs_inode_inited(struct ffs_mount *ump, ino64_t ino, bool *initedp)
{
	struct ffs_cg *cg;
	struct buf *bp;
	uint32_t c = ffs_ino_to_cg(ump, ino);
	int error;

	*initedp = true;
	if (!ump->um_ufs2)
		return 0;
	mutex_enter(&ump->um_lock);
	if ((error = ffs_cg_read(ump, c, &bp)) == 0) {
		cg = bp->b_data;
		*initedp = ino % ump->um_ipg < FFS_RD32(ump, cg->cg_initediblk);
		brelse(bp);
	}
	mutex_exit(&ump->um_lock);
	return error;
}

int
ffs_inode_load(struct ffs_mount *ump, ino64_t ino, struct ffs_inode **ipp)
{
	struct ffs_inode *ip;
	struct buf *bp;
	const uint8_t *raw;
	bool inited;
	int error;

	*ipp = NULL;
	if (ino < FFS_ROOTINO || ino >= ump->um_ninodes)
		return ESTALE;
	if ((error = ffs_inode_inited(ump, ino, &inited)) != 0)
		return error;
	if (!inited)
		return ENOENT;
	if ((ip = kmem_zalloc(sizeof(*ip))) == NULL)
		return ENOMEM;
	if ((error = mutex_init(&ip->i_timelock)) != 0) {
		kmem_free(ip, sizeof(*ip));
		return error;
	}
	ip->i_ump = ump;
	ip->i_number = ino;
	if ((error = ffs_inode_bread(ump, ino, &bp)) != 0)
		goto out_free;
	raw = (const uint8_t *)bp->b_data + ffs_ino_to_fsbo(ump, ino);
	if (ffs_dinode_isfree(ump, raw))
		error = ENOENT;
	else
		error = ffs_dinode_decode(ump, raw, ip);
	brelse(bp);
	if (error == 0 && ip->i_nlink == 0)
		error = ENOENT;
	if (error)
		goto out_free;
	*ipp = ip;
	return 0;

out_free:
	ffs_inode_free(ip);
	return error;
}

void
ffs_inode_free(struct ffs_inode *ip)
{
	mutex_destroy(&ip->i_timelock);
	kmem_free(ip, sizeof(*ip));
}

int
ffs_update(struct ffs_inode *ip)
{
	struct ffs_mount *ump = ip->i_ump;
	struct vfs_timespec atime;
	struct buf *bp;
	uint8_t *raw;
	int error;

	if (ump->um_rdonly)
		return 0;
	if ((error = ffs_inode_bread(ump, ip->i_number, &bp)) != 0)
		return error;
	raw = (uint8_t *)bp->b_data + ffs_ino_to_fsbo(ump, ip->i_number);
	mutex_enter(&ip->i_timelock);
	atime = ip->i_atime;
	ip->i_atime_mod = false;
	mutex_exit(&ip->i_timelock);
	if (ump->um_ufs2)
		ffs_encode_ufs2(ump, ip, &atime, (void *)raw);
	else
		ffs_encode_ufs1(ump, ip, &atime, (void *)raw);
	bdwrite(bp);
	return 0;
}

int
ffs_inode_create(struct ffs_mount *ump, ino64_t ino, uint32_t mode,
    uint32_t uid, uint32_t gid, uint64_t rdev, int nlink)
{
	struct ffs_inode *tmp;
	struct vfs_timespec now;
	struct buf *bp;
	uint8_t *raw;
	uint32_t gen;
	int error;

	if ((tmp = kmem_zalloc(sizeof(*tmp))) == NULL)
		return ENOMEM;
	if ((error = ffs_inode_bread(ump, ino, &bp)) != 0)
		goto out;
	raw = (uint8_t *)bp->b_data + ffs_ino_to_fsbo(ump, ino);
	if (!ffs_dinode_isfree(ump, raw)) {
		brelse(bp);
		error = ffs_corrupt(ump, "inode %llu: allocated, but in use",
		    (unsigned long long)ino);
		goto out;
	}
	if (ump->um_ufs2)
		gen = FFS_RD32(ump, ((struct ffs_ufs2_dinode *)raw)->di_gen);
	else
		gen = FFS_RD32(ump, ((struct ffs_ufs1_dinode *)raw)->di_gen);
	if (++gen == 0 || gen > INT32_MAX)
		gen = 1;
	memset(raw, 0, ump->um_isize);
	vfs_timestamp(&now);
	tmp->i_ump = ump;
	tmp->i_number = ino;
	tmp->i_mode = mode;
	tmp->i_nlink = nlink;
	tmp->i_uid = uid;
	tmp->i_gid = gid;
	tmp->i_gen = gen;
	tmp->i_mtime = tmp->i_ctime = tmp->i_btime = now;
	tmp->i_rdev = rdev;
	if (ump->um_ufs2)
		ffs_encode_ufs2(ump, tmp, &now, (void *)raw);
	else
		ffs_encode_ufs1(ump, tmp, &now, (void *)raw);
	bdwrite(bp);
out:
	kmem_free(tmp, sizeof(*tmp));
	return error;
}

void
ffs_getattr(struct ffs_inode *ip, struct vattr *va)
{
	uint32_t type = ip->i_mode & FFS_IFMT;

	memset(va, 0, sizeof(*va));
	va->va_mask = VA_ALL;
	if (!ip->i_ump->um_ufs2)
		va->va_mask &= ~(uint32_t)VA_BTIME;
	va->va_type = ffs_mode_vtype(ip->i_mode);
	va->va_mode = ip->i_mode & ALLPERMS;
	va->va_nlink = (uint32_t)ip->i_nlink;
	va->va_uid = ip->i_uid;
	va->va_gid = ip->i_gid;
	va->va_fileid = ip->i_number;
	va->va_size = ip->i_size;
	va->va_bytes = ip->i_blocks * DEV_BSIZE;
	va->va_blocksize = ip->i_ump->um_bsize;
	mutex_enter(&ip->i_timelock);
	va->va_atime = ip->i_atime;
	mutex_exit(&ip->i_timelock);
	va->va_mtime = ip->i_mtime;
	va->va_ctime = ip->i_ctime;
	va->va_birthtime = ip->i_btime;
	if (type == FFS_IFCHR || type == FFS_IFBLK)
		va->va_rdev = ffs_rdev_decode(ip->i_rdev);
	va->va_flags = ip->i_flags;
	va->va_gen = ip->i_gen;
}

void
ffs_itimes(struct ffs_inode *ip, int which)
{
	struct vfs_timespec now;

	vfs_timestamp(&now);
	if (which & FFS_UPD_MTIME)
		ip->i_mtime = now;
	if (which & FFS_UPD_CTIME)
		ip->i_ctime = now;
	if (which & FFS_UPD_ATIME) {
		mutex_enter(&ip->i_timelock);
		ip->i_atime = now;
		mutex_exit(&ip->i_timelock);
	}
}

static int
ffs_ts_cmp(const struct vfs_timespec *a, const struct vfs_timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_nsec != b->tv_nsec)
		return a->tv_nsec < b->tv_nsec ? -1 : 1;
	return 0;
}

/*
 * Relatime: a read updates atime only if it is not newer than mtime or
 * ctime, or is a day old.  Written back lazily (i_atime_mod).  Called with
 * the vnode lock held shared or exclusive.
 */
void
ffs_mark_access(struct ffs_inode *ip)
{
	struct mount *mp = ip->i_ump->um_mp;
	struct vfs_timespec now;

	if (ip->i_ump->um_rdonly || (mp->mnt_flags & MNT_NOATIME))
		return;
	vfs_timestamp(&now);
	mutex_enter(&ip->i_timelock);
	if (ffs_ts_cmp(&ip->i_atime, &ip->i_mtime) <= 0 ||
	    ffs_ts_cmp(&ip->i_atime, &ip->i_ctime) <= 0 ||
	    now.tv_sec - ip->i_atime.tv_sec >= FFS_RELATIME_SEC) {
		ip->i_atime = now;
		ip->i_atime_mod = true;
	}
	mutex_exit(&ip->i_timelock);
}

int
ffs_flush_atime(struct ffs_inode *ip)
{
	bool dirty;

	mutex_enter(&ip->i_timelock);
	dirty = ip->i_atime_mod;
	mutex_exit(&ip->i_timelock);
	if (!dirty || (ip->i_flag & IN_FREED))
		return 0;
	return ffs_update(ip);
}
