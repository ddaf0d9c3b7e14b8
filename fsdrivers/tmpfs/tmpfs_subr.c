/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_subr.c -- tmpfs accounting, node allocation and the inode-number
 * hash, and timestamps.
 *
 * Exports tmpfs_mem_{alloc,free}, tmpfs_node_{alloc,freedata,free,
 * lookup_ino,freeall}, tmpfs_vget, tmpfs_update, tmpfs_update_atime,
 * tmpfs_ts_cmp.  The design is described at the top of tmpfs_vfsops.c.
 */
#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "tmpfs_node.h"

#define TMPFS_RELATIME_SEC	(24 * 60 * 60)

/* ---- accounting ---- */

static int
tmpfs_mem_charge(struct tmpfs_mount *tm, size_t len)
{
	int error = 0;

	mutex_enter(&tm->tm_lock);
	if (len > tm->tm_maxbytes - tm->tm_usedbytes)
		error = ENOSPC;
	else
		tm->tm_usedbytes += len;
	mutex_exit(&tm->tm_lock);
	return error;
}

static void
tmpfs_mem_uncharge(struct tmpfs_mount *tm, size_t len)
{
	mutex_enter(&tm->tm_lock);
	KASSERT(tm->tm_usedbytes >= len);
	tm->tm_usedbytes -= len;
	mutex_exit(&tm->tm_lock);
}

/*
 * Charge LEN bytes to TM and allocate them.
 * => ENOSPC over the size= limit, ENOMEM when kmem fails; nothing
 *    charged on error.  Do not call with tm_lock held.
 */
int
tmpfs_mem_alloc(struct tmpfs_mount *tm, size_t len, bool zero, void **pp)
{
	void *p;
	int error;

	if ((error = tmpfs_mem_charge(tm, len)) != 0)
		return error;
	p = zero ? kmem_zalloc(len) : kmem_alloc(len);
	if (p == NULL) {
		tmpfs_mem_uncharge(tm, len);
		return ENOMEM;
	}
	*pp = p;
	return 0;
}

void
tmpfs_mem_free(struct tmpfs_mount *tm, void *p, size_t len)
{
	kmem_free(p, len);
	tmpfs_mem_uncharge(tm, len);
}

/* ---- the inode-number hash (tm_lock) ---- */

static size_t
tmpfs_ihash_slot(const struct tmpfs_mount *tm, ino64_t ino)
{
	return (size_t)(ino * 0x9e3779b97f4a7c15ULL >> 17) &
	    (tm->tm_ihashsize - 1);
}

/*
 * Double the hash when it averages more than two nodes per bucket.  A
 * failure to allocate is ignored: the chains just get longer.
 */
static void
tmpfs_ihash_grow(struct tmpfs_mount *tm)
{
	struct tmpfs_node **nh, **oh, *tn, *next;
	size_t nsize, osize, i;

	mutex_enter(&tm->tm_lock);
	osize = tm->tm_ihashsize;
	if (tm->tm_usedinodes <= osize * 2) {
		mutex_exit(&tm->tm_lock);
		return;
	}
	mutex_exit(&tm->tm_lock);
	nsize = osize * 2;
	if (tmpfs_mem_alloc(tm, nsize * sizeof(*nh), true, (void **)&nh) != 0)
		return;
	mutex_enter(&tm->tm_lock);
	if (tm->tm_ihashsize != osize) {	/* somebody else grew it */
		mutex_exit(&tm->tm_lock);
		tmpfs_mem_free(tm, nh, nsize * sizeof(*nh));
		return;
	}
	oh = tm->tm_ihash;
	tm->tm_ihash = nh;
	tm->tm_ihashsize = nsize;
	for (i = 0; i < osize; i++) {
		for (tn = oh[i]; tn != NULL; tn = next) {
			next = tn->tn_hnext;
			tn->tn_hnext = nh[tmpfs_ihash_slot(tm, tn->tn_ino)];
			nh[tmpfs_ihash_slot(tm, tn->tn_ino)] = tn;
		}
	}
	mutex_exit(&tm->tm_lock);
	tmpfs_mem_free(tm, oh, osize * sizeof(*oh));
}

struct tmpfs_node *
tmpfs_node_lookup_ino(struct tmpfs_mount *tm, ino64_t ino)
{
	struct tmpfs_node *tn;

	KASSERT(mutex_owned(&tm->tm_lock));
	for (tn = tm->tm_ihash[tmpfs_ihash_slot(tm, ino)]; tn != NULL;
	    tn = tn->tn_hnext)
		if (tn->tn_ino == ino)
			return tn;
	return NULL;
}

static void
tmpfs_ihash_remove(struct tmpfs_mount *tm, struct tmpfs_node *tn)
{
	struct tmpfs_node **tnp;

	KASSERT(mutex_owned(&tm->tm_lock));
	for (tnp = &tm->tm_ihash[tmpfs_ihash_slot(tm, tn->tn_ino)];
	    *tnp != tn; tnp = &(*tnp)->tn_hnext)
		KASSERT(*tnp != NULL);
	*tnp = tn->tn_hnext;
	tn->tn_hnext = NULL;
}

/* ---- nodes ---- */

int
tmpfs_node_alloc(struct tmpfs_mount *tm, enum vtype type, uint32_t mode,
    uint32_t uid, uint32_t gid, uint64_t rdev, struct tmpfs_node **tnp)
{
	struct tmpfs_node *tn;
	size_t slot;
	int error;

	tmpfs_ihash_grow(tm);

	mutex_enter(&tm->tm_lock);
	if (tm->tm_usedinodes >= tm->tm_maxinodes) {
		mutex_exit(&tm->tm_lock);
		return ENOSPC;
	}
	tm->tm_usedinodes++;
	mutex_exit(&tm->tm_lock);

	if ((error = tmpfs_mem_alloc(tm, sizeof(*tn), true,
	    (void **)&tn)) != 0)
		goto out_inode;
	if ((error = mutex_init(&tn->tn_timelock)) != 0)
		goto out_free;

	tn->tn_type = type;
	tn->tn_mode = mode & ALLPERMS;
	tn->tn_uid = uid;
	tn->tn_gid = gid;
	tn->tn_rdev = (type == VCHR || type == VBLK) ? rdev : 0;
	tn->tn_gen = karc4random();
	vfs_timestamp(&tn->tn_btime);
	tn->tn_atime = tn->tn_mtime = tn->tn_ctime = tn->tn_btime;
	if (type == VDIR)
		tn->tn_u.tn_dir.td_nextcookie = TMPFS_FIRST_COOKIE;

	mutex_enter(&tm->tm_lock);
	tn->tn_ino = tm->tm_nextino++;
	slot = tmpfs_ihash_slot(tm, tn->tn_ino);
	tn->tn_hnext = tm->tm_ihash[slot];
	tm->tm_ihash[slot] = tn;
	mutex_exit(&tm->tm_lock);
	*tnp = tn;
	return 0;

out_free:
	tmpfs_mem_free(tm, tn, sizeof(*tn));
out_inode:
	mutex_enter(&tm->tm_lock);
	tm->tm_usedinodes--;
	mutex_exit(&tm->tm_lock);
	return error;
}

static void
tmpfs_symlink_free(struct tmpfs_mount *tm, struct tmpfs_node *tn)
{
	if (tn->tn_u.tn_lnk.tl_target != NULL) {
		tmpfs_mem_free(tm, tn->tn_u.tn_lnk.tl_target,
		    tn->tn_u.tn_lnk.tl_len + 1);
		tn->tn_u.tn_lnk.tl_target = NULL;
	}
}

void
tmpfs_node_freedata(struct tmpfs_mount *tm, struct tmpfs_node *tn)
{
	switch (tn->tn_type) {
	case VREG:
		tmpfs_data_free(tm, tn);
		break;
	case VDIR:
		tmpfs_dir_destroy(tm, tn);
		break;
	case VLNK:
		tmpfs_symlink_free(tm, tn);
		break;
	default:
		break;
	}
	tmpfs_xattr_freeall(tm, tn);
}

void
tmpfs_node_free(struct tmpfs_mount *tm, struct tmpfs_node *tn)
{
	mutex_enter(&tm->tm_lock);
	KASSERT(tn->tn_vnode == NULL);
	tmpfs_ihash_remove(tm, tn);
	KASSERT(tm->tm_usedinodes > 0);
	tm->tm_usedinodes--;
	mutex_exit(&tm->tm_lock);

	tmpfs_node_freedata(tm, tn);
	mutex_destroy(&tn->tn_timelock);
	tmpfs_mem_free(tm, tn, sizeof(*tn));
}

void
tmpfs_node_freeall(struct tmpfs_mount *tm)
{
	struct tmpfs_node *tn;
	size_t i;

	for (i = 0; i < tm->tm_ihashsize; i++) {
		while ((tn = tm->tm_ihash[i]) != NULL)
			tmpfs_node_free(tm, tn);
	}
}

/*
 * Referenced, unlocked vnode for node TN.
 * => The caller guarantees TN stays allocated during the call: it holds
 *    the lock of a directory naming TN (or TN is the root).
 */
int
tmpfs_vget(struct mount *mp, struct tmpfs_node *tn, struct vnode **vpp)
{
	return vcache_get(mp, tn->tn_ino, tn, vpp);
}

/* ---- times ---- */

int
tmpfs_ts_cmp(const struct vfs_timespec *a, const struct vfs_timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_nsec != b->tv_nsec)
		return a->tv_nsec < b->tv_nsec ? -1 : 1;
	return 0;
}

void
tmpfs_update(struct tmpfs_node *tn, int which)
{
	struct vfs_timespec now;

	vfs_timestamp(&now);
	if (which & TMPFS_UPD_MTIME)
		tn->tn_mtime = now;
	if (which & TMPFS_UPD_CTIME)
		tn->tn_ctime = now;
	if (which & TMPFS_UPD_ATIME) {
		mutex_enter(&tn->tn_timelock);
		tn->tn_atime = now;
		mutex_exit(&tn->tn_timelock);
	}
}

/*
 * Relatime: update atime only if it is not newer than mtime or ctime,
 * or is a day old.  Callable under a shared vnode lock.
 */
void
tmpfs_update_atime(struct mount *mp, struct tmpfs_node *tn)
{
	struct vfs_timespec now;

	if (mp->mnt_flags & (MNT_NOATIME | MNT_RDONLY))
		return;
	vfs_timestamp(&now);
	mutex_enter(&tn->tn_timelock);
	if (tmpfs_ts_cmp(&tn->tn_atime, &tn->tn_mtime) <= 0 ||
	    tmpfs_ts_cmp(&tn->tn_atime, &tn->tn_ctime) <= 0 ||
	    now.tv_sec - tn->tn_atime.tv_sec >= TMPFS_RELATIME_SEC)
		tn->tn_atime = now;
	mutex_exit(&tn->tn_timelock);
}
