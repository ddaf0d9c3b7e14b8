/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_vnode.c -- the vnode cache and the vnode life cycle.
 *
 * Exports (vnode.h): vcache_get, vref, vrele, vput, vn_lock, vn_unlock,
 * vflush, vfs_vnode_iterate, vcache_set_lrumax, vcache_stats;
 * (vfs_internal.h) vcache_init, vcache_fini, vcache_mount_unmounting.
 * The VOP wrappers are inline in vnode.h, the generic operations and
 * dead_vnodeops in genfs.c, the mount table in vfs_mount.c.
 *
 * ---------------------------------------------------------------------
 * Design
 *
 * 1. Identity.  A vnode stands for one on-disk object, named by the key
 *    (mount, inode number).  Every vnode that can be found is in one
 *    hash table keyed that way, so one object has at most one vnode.
 *    The table grows (doubling) as the number of vnodes grows.
 *
 * 2. States (enum vstate, vnode.h), and who may move a vnode between
 *    them.  Every transition happens with the vcache mutex held.
 *
 *      (new) --vcache_get--> LOADING --loadvnode ok--> ACTIVE
 *                               \--loadvnode error--> (freed)
 *      ACTIVE --last vrele, VOP_INACTIVE--> INACTIVE (on the LRU)
 *                                     \--recycle--> RECLAIMING
 *      INACTIVE --vcache_get / vfs_vnode_iterate--> ACTIVE
 *      INACTIVE --LRU over bound (vdrain thread), vflush--> RECLAIMING
 *      RECLAIMING --VOP_RECLAIM, usecount 0--> (freed)
 *      ACTIVE --vflush(force)--> RECLAIMING --VOP_RECLAIM--> DEAD
 *      DEAD --last vrele--> (freed)
 *
 *    LOADING and RECLAIMING are owned by exactly one thread (the loader,
 *    the reclaimer); a vcache_get that finds a vnode in one of them
 *    waits on the cache condvar and then looks the key up again: after a
 *    reclaim the key is gone and it loads a fresh vnode, after a failed
 *    load it tries the load itself.
 *
 * 3. References.  v_usecount counts the references; it is > 0 exactly
 *    in ACTIVE, LOADING (the loader's), and DEAD, and may be > 0 in
 *    RECLAIMING only during a forced reclaim.  A reference keeps the
 *    vnode from being reclaimed (except by a forced unmount, which
 *    leaves it DEAD but allocated) and its memory from being freed; it
 *    does not lock the vnode.  v_waiters counts the threads asleep on a
 *    vnode's state: it also keeps the memory alive, so a waiter can
 *    safely decrement it when it wakes.  A vnode is freed only when both
 *    are 0, by the thread that owns its final state change.
 *
 * 4. The last reference (vrele).  With usecount 1 on an ACTIVE vnode the
 *    releasing thread keeps its reference, takes the vnode lock
 *    exclusively (without the cache mutex), and runs VOP_INACTIVE.  If
 *    someone took a new reference meanwhile (vcache_get found it ACTIVE)
 *    the vnode simply stays ACTIVE: the new holder's last vrele runs
 *    VOP_INACTIVE again.  Otherwise it goes to the tail of the LRU, or,
 *    if the driver asked to recycle it, straight to RECLAIMING.  A vrele
 *    that cannot take the vnode lock at once finds that another thread
 *    holds it -- which needs a reference -- and just drops its own, so
 *    vrele never waits for a vnode lock held by a thread that is alive
 *    and using the vnode (no lock-order problem for callers that vrele a
 *    parent while holding a child).
 *
 * 5. The LRU.  Unreferenced (INACTIVE) vnodes stay cached on an LRU list
 *    so that a new lookup is cheap.  Its length is bounded by
 *    vc_lrumax (vcache_set_lrumax, default 8192): when it is longer, a
 *    kernel thread (vdrain) reclaims from the old end.  Reclaiming in a
 *    thread of its own means VOP_RECLAIM never runs inside a caller's
 *    vrele, which may hold driver locks or busy buffers that the reclaim
 *    of an unrelated vnode would need.  The bound is therefore soft for
 *    the moment between a vrele and the drain.
 *
 * 6. Reclaim.  VOP_RECLAIM runs with the vnode lock held exclusively and
 *    WITHOUT the cache mutex (it may do I/O).  Afterwards the vnode is
 *    unhashed, taken off its mount's list and freed, or -- for a forced
 *    unmount of a still referenced vnode -- given dead_vnodeops (every
 *    operation EIO) and left DEAD until its last reference goes.  A DEAD
 *    vnode stays on its mount's list and holds a mount reference
 *    (vfs_mount_ref) so the struct mount outlives it.
 *
 * 7. Unmount.  The cache does not refuse loads on a mount that is being
 *    unmounted (the driver's sync may need vnodes); the mount layer
 *    keeps the mount quiet instead (mount references make a normal
 *    unmount fail with EBUSY before vflush runs), and vflush waits for
 *    loads and reclaims in progress, so after a successful vflush the
 *    mount has no vnode but the DEAD ones of a forced unmount.
 *
 * 8. Lock order:  vnode lock  ->  vcache mutex  ->  mount-table lock.
 *    Never wait for a vnode lock while holding the cache mutex.  The
 *    cache mutex is never held across a call into a driver.  Releasing
 *    a vnode lock with the cache mutex held is allowed (it does not
 *    wait), and is how a thread that drops the lock and its reference
 *    together makes sure that nobody frees the vnode while it is still
 *    inside rw_exit.
 *
 * Invariants (checked by KASSERTs where cheap):
 *   I1. state INACTIVE <=> on the LRU; then usecount == 0.
 *   I2. state DEAD <=> not in the hash, still on the mount list,
 *       usecount > 0, v_op == &dead_vnodeops.
 *   I3. every vnode not yet freed is on its mount's list.
 *   I4. vc_nstate[s] == number of vnodes in state s.
 *   I5. vc_loads - vc_reclaims == vnodes ACTIVE + INACTIVE + RECLAIMING
 *       (minus those RECLAIMING whose VOP_RECLAIM already finished and
 *       are about to be freed -- none when the cache is quiet).
 * ---------------------------------------------------------------------
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"
#include "vfs_internal.h"

#define VC_LRUMAX_DEFAULT	8192
#define VC_HASH_MINSIZE		1024
#define VC_HASH_MAXSIZE		(1U << 20)

struct vcache {
	kmutex_t	vc_lock;	/* the vcache mutex */
	kcondvar_t	vc_cv;		/* state changes; waiters gone */
	kcondvar_t	vc_draincv;	/* wakes the vdrain thread */
	/* everything below: protected by vc_lock */
	struct vnode	**vc_hash;	/* buckets, vc_hashmask + 1 of them */
	size_t		vc_hashmask;
	size_t		vc_nhashed;
	struct vnode	*vc_lru_first;	/* oldest INACTIVE vnode */
	struct vnode	**vc_lru_last;	/* &next of the newest */
	unsigned	vc_lrumax;
	unsigned	vc_nstate[VS_DEAD + 1];
	unsigned	vc_loads;
	unsigned	vc_reclaims;
	bool		vc_drainexit;
	/* set by vcache_init/vcache_fini only */
	struct kthread	*vc_drainthread;
	bool		vc_inited;
};

static struct vcache vc;

/* ---- hash table (vc_lock held) ---- */

static size_t
vc_hashfn(const struct mount *mp, ino64_t ino)
{
	uint64_t h;

	h = (uint64_t)(uintptr_t)mp * 0x9e3779b97f4a7c15ULL;
	h ^= (uint64_t)ino * 0xff51afd7ed558ccdULL;
	h ^= h >> 31;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return (size_t)h;
}

static struct vnode *
vc_hash_lookup(const struct mount *mp, ino64_t ino)
{
	struct vnode *vp;

	KASSERT(mutex_owned(&vc.vc_lock));
	for (vp = vc.vc_hash[vc_hashfn(mp, ino) & vc.vc_hashmask];
	    vp != NULL; vp = vp->v_hnext)
		if (vp->v_mount == mp && vp->v_ino == ino)
			return vp;
	return NULL;
}

static void
vc_hash_link(struct vnode **bucket, struct vnode *vp)
{

	vp->v_hnext = *bucket;
	if (*bucket != NULL)
		(*bucket)->v_hprev = &vp->v_hnext;
	*bucket = vp;
	vp->v_hprev = bucket;
}

/*
 * Double the table when it holds more vnodes than chains (a new vnode's
 * lookup walks its whole chain); keep the old one if out of memory.
 */
static void
vc_hash_grow(void)
{
	struct vnode **nh, *vp;
	size_t i, nsize, osize = vc.vc_hashmask + 1;

	if (vc.vc_nhashed <= osize || osize >= VC_HASH_MAXSIZE)
		return;
	nsize = osize * 2;
	if ((nh = kmem_zalloc(nsize * sizeof(*nh))) == NULL)
		return;
	for (i = 0; i < osize; i++) {
		while ((vp = vc.vc_hash[i]) != NULL) {
			vc.vc_hash[i] = vp->v_hnext;
			vc_hash_link(&nh[vc_hashfn(vp->v_mount, vp->v_ino) &
			    (nsize - 1)], vp);
		}
	}
	kmem_free(vc.vc_hash, osize * sizeof(*vc.vc_hash));
	vc.vc_hash = nh;
	vc.vc_hashmask = nsize - 1;
}

static void
vc_hash_insert(struct vnode *vp)
{

	KASSERT(mutex_owned(&vc.vc_lock));
	vc_hash_link(&vc.vc_hash[vc_hashfn(vp->v_mount, vp->v_ino) &
	    vc.vc_hashmask], vp);
	vc.vc_nhashed++;
	vc_hash_grow();
}

static void
vc_hash_remove(struct vnode *vp)
{

	KASSERT(mutex_owned(&vc.vc_lock));
	if (vp->v_hprev == NULL)
		return;
	if (vp->v_hnext != NULL)
		vp->v_hnext->v_hprev = vp->v_hprev;
	*vp->v_hprev = vp->v_hnext;
	vp->v_hnext = NULL;
	vp->v_hprev = NULL;
	vc.vc_nhashed--;
}

/* ---- LRU and per-mount lists (vc_lock held) ---- */

static void
lru_insert(struct vnode *vp)
{

	vp->v_lnext = NULL;
	vp->v_lprev = vc.vc_lru_last;
	*vc.vc_lru_last = vp;
	vc.vc_lru_last = &vp->v_lnext;
}

static void
lru_remove(struct vnode *vp)
{

	KASSERT(vp->v_lprev != NULL);
	if (vp->v_lnext != NULL)
		vp->v_lnext->v_lprev = vp->v_lprev;
	else
		vc.vc_lru_last = vp->v_lprev;
	*vp->v_lprev = vp->v_lnext;
	vp->v_lnext = NULL;
	vp->v_lprev = NULL;
}

static void
mntlist_insert(struct vnode *vp)
{
	struct mount *mp = vp->v_mount;

	vp->v_mnext = mp->mnt_vnodes;
	if (mp->mnt_vnodes != NULL)
		mp->mnt_vnodes->v_mprev = &vp->v_mnext;
	mp->mnt_vnodes = vp;
	vp->v_mprev = &mp->mnt_vnodes;
}

static void
mntlist_remove(struct vnode *vp)
{

	if (vp->v_mnext != NULL)
		vp->v_mnext->v_mprev = vp->v_mprev;
	*vp->v_mprev = vp->v_mnext;
	vp->v_mnext = NULL;
	vp->v_mprev = NULL;
}

/* ---- states, waiting, freeing (vc_lock held) ---- */

static void
vstate_set(struct vnode *vp, enum vstate st)
{

	KASSERT(vc.vc_nstate[vp->v_state] > 0);
	vc.vc_nstate[vp->v_state]--;
	vc.vc_nstate[st]++;
	vp->v_state = st;
	if (vp->v_waiters > 0)
		cv_broadcast(&vc.vc_cv);
}

/*
 * Sleep until VP changes state (or something else wakes the cache).
 * Our count in v_waiters keeps VP allocated while we sleep; once we
 * return VP may be gone at any time, so the caller looks up again
 * instead of touching it.
 */
static void
vnode_wait(struct vnode *vp)
{

	vp->v_waiters++;
	cv_wait(&vc.vc_cv, &vc.vc_lock);
	if (--vp->v_waiters == 0)
		cv_broadcast(&vc.vc_cv);
}

/*
 * Forget VP: it is unhashed and unreferenced; take it off its mount's
 * list and wait until no thread sleeps on it.  The caller frees it with
 * vnode_free() after dropping vc_lock.
 */
static void
vnode_forget(struct vnode *vp)
{

	KASSERT(mutex_owned(&vc.vc_lock));
	KASSERT(vp->v_usecount == 0);
	KASSERT(vp->v_hprev == NULL && vp->v_lprev == NULL);
	mntlist_remove(vp);
	KASSERT(vc.vc_nstate[vp->v_state] > 0);
	vc.vc_nstate[vp->v_state]--;
	while (vp->v_waiters > 0) {
		cv_broadcast(&vc.vc_cv);
		cv_wait(&vc.vc_cv, &vc.vc_lock);
	}
}

static int
vnode_alloc(struct vnode **vpp)
{
	struct vnode *vp;

	*vpp = NULL;
	if ((vp = kmem_zalloc(sizeof(*vp))) == NULL)
		return ENOMEM;
	if (rw_init(&vp->v_lock) != 0) {
		kmem_free(vp, sizeof(*vp));
		return ENOMEM;
	}
	vp->v_type = VNON;
	vp->v_state = VS_LOADING;
	*vpp = vp;
	return 0;
}

static void
vnode_free(struct vnode *vp)
{

	rw_destroy(&vp->v_lock);
	kmem_free(vp, sizeof(*vp));
}

/* ---- reclaim ---- */

/*
 * Reclaim VP, which the caller moved to RECLAIMING (taking it off the
 * LRU).  vc_lock not held.  LOCKED: the caller holds the vnode lock
 * exclusively (it is released here).  FORCED: a forced vflush of a
 * referenced vnode, which took a mount reference for the vnode to keep
 * if it ends DEAD.
 */
static void
vnode_reclaim(struct vnode *vp, bool locked, bool forced)
{
	struct mount *mp = vp->v_mount;
	int error;

	KASSERT(!mutex_owned(&vc.vc_lock));
	if (!locked)
		rw_enter(&vp->v_lock, RW_WRITER);
	error = VOP_RECLAIM(vp);
	if (error != 0)
		klog(KLOG_WARN, "%s: inode %llu: reclaim failed: error %d",
		    mp->mnt_op->vfs_name, (unsigned long long)vp->v_ino,
		    error);
	vp->v_op = &dead_vnodeops;
	vp->v_data = NULL;

	mutex_enter(&vc.vc_lock);
	KASSERT(vp->v_state == VS_RECLAIMING);
	vc_hash_remove(vp);
	vc.vc_reclaims++;
	rw_exit(&vp->v_lock);
	if (vp->v_usecount > 0) {
		KASSERT(forced);
		vstate_set(vp, VS_DEAD);
		mutex_exit(&vc.vc_lock);
		return;
	}
	vnode_forget(vp);
	mutex_exit(&vc.vc_lock);
	vnode_free(vp);
	if (forced)
		vfs_mount_rele(mp);
}

/* The vdrain thread: keep the LRU within its bound. */
static void
vdrain_thread(void *arg __unused)
{
	struct vnode *vp;

	mutex_enter(&vc.vc_lock);
	while (!vc.vc_drainexit) {
		if (vc.vc_nstate[VS_INACTIVE] > vc.vc_lrumax) {
			vp = vc.vc_lru_first;
			KASSERT(vp != NULL && vp->v_state == VS_INACTIVE);
			lru_remove(vp);
			vstate_set(vp, VS_RECLAIMING);
			mutex_exit(&vc.vc_lock);
			vnode_reclaim(vp, false, false);
			mutex_enter(&vc.vc_lock);
			continue;
		}
		cv_wait(&vc.vc_draincv, &vc.vc_lock);
	}
	mutex_exit(&vc.vc_lock);
}

/* ---- references ---- */

/*
 * Take a reference on VP, found ACTIVE or INACTIVE under vc_lock.
 */
static void
vnode_hold_locked(struct vnode *vp)
{

	KASSERT(mutex_owned(&vc.vc_lock));
	if (vp->v_state == VS_INACTIVE) {
		KASSERT(vp->v_usecount == 0);
		lru_remove(vp);
		vstate_set(vp, VS_ACTIVE);
	}
	KASSERT(vp->v_state == VS_ACTIVE);
	vp->v_usecount++;
}

/*
 * Return the vnode for (MP, INO), referenced and unlocked; see vnode.h.
 * => Loads it with MP's vfs_loadvnode (no lock held) if not cached.
 * => ENOMEM if no vnode (or vnode lock) can be allocated; loadvnode's
 *    errors.
 */
int
vcache_get(struct mount *mp, ino64_t ino, void *hint, struct vnode **vpp)
{
	struct vnode *vp, *nvp = NULL;
	int error;

	*vpp = NULL;
	KASSERT(vc.vc_inited);
	mutex_enter(&vc.vc_lock);
	for (;;) {
		vp = vc_hash_lookup(mp, ino);
		if (vp == NULL) {
			if (nvp != NULL)
				break;
			/* Allocate without the mutex, then look again. */
			mutex_exit(&vc.vc_lock);
			if ((error = vnode_alloc(&nvp)) != 0)
				return error;
			mutex_enter(&vc.vc_lock);
			continue;
		}
		if (vp->v_state == VS_ACTIVE || vp->v_state == VS_INACTIVE) {
			vnode_hold_locked(vp);
			mutex_exit(&vc.vc_lock);
			if (nvp != NULL)
				vnode_free(nvp);
			*vpp = vp;
			return 0;
		}
		/* LOADING or RECLAIMING: wait for its owner, then retry. */
		vnode_wait(vp);
	}

	/* Not cached: we are the loader. */
	nvp->v_mount = mp;
	nvp->v_ino = ino;
	nvp->v_usecount = 1;
	nvp->v_state = VS_LOADING;
	vc.vc_nstate[VS_LOADING]++;
	vc_hash_insert(nvp);
	mntlist_insert(nvp);
	mutex_exit(&vc.vc_lock);

	error = mp->mnt_op->vfs_loadvnode(mp, nvp, ino, hint);

	mutex_enter(&vc.vc_lock);
	KASSERT(nvp->v_state == VS_LOADING && nvp->v_usecount == 1);
	if (error != 0) {
		vc_hash_remove(nvp);
		nvp->v_usecount = 0;
		vnode_forget(nvp);
		mutex_exit(&vc.vc_lock);
		vnode_free(nvp);
		return error;
	}
	KASSERTMSG(nvp->v_op != NULL,
	    "%s: loadvnode of inode %llu set no v_op", mp->mnt_op->vfs_name,
	    (unsigned long long)ino);
	vc.vc_loads++;
	vstate_set(nvp, VS_ACTIVE);
	mutex_exit(&vc.vc_lock);
	*vpp = nvp;
	return 0;
}

/* Take another reference; the caller holds one. */
void
vref(struct vnode *vp)
{

	mutex_enter(&vc.vc_lock);
	KASSERT(vp->v_usecount > 0);
	vp->v_usecount++;
	mutex_exit(&vc.vc_lock);
}

/*
 * Drop one reference, vc_lock held (released here), the vnode lock not
 * held by the caller.  Frees a DEAD vnode whose last reference this is.
 */
static void
vrele_drop(struct vnode *vp)
{
	struct mount *mp;

	KASSERT(vp->v_usecount > 0);
	vp->v_usecount--;
	if (vp->v_usecount > 0 || vp->v_state != VS_DEAD) {
		mutex_exit(&vc.vc_lock);
		return;
	}
	mp = vp->v_mount;
	vnode_forget(vp);
	mutex_exit(&vc.vc_lock);
	vnode_free(vp);
	vfs_mount_rele(mp);
}

/*
 * Drop a reference (see the design above, 4.).  The caller must not
 * hold VP's lock.  May block (VOP_INACTIVE, or waiting briefly for the
 * vnode lock).
 */
void
vrele(struct vnode *vp)
{
	bool locked = false, recycle;
	int error;

	mutex_enter(&vc.vc_lock);
	for (;;) {
		KASSERT(vp->v_usecount > 0);
		if (vp->v_usecount > 1 || vp->v_state != VS_ACTIVE)
			break;
		if (!locked) {
			/* Our reference is the last: lock for VOP_INACTIVE. */
			mutex_exit(&vc.vc_lock);
			if (!rw_tryenter(&vp->v_lock, RW_WRITER)) {
				/* Someone holds it, so has a reference... */
				mutex_enter(&vc.vc_lock);
				if (vp->v_usecount > 1 ||
				    vp->v_state != VS_ACTIVE)
					break;
				/* ...or is just letting go of it. */
				mutex_exit(&vc.vc_lock);
				rw_enter(&vp->v_lock, RW_WRITER);
			}
			locked = true;
			mutex_enter(&vc.vc_lock);
			continue;
		}
		mutex_exit(&vc.vc_lock);
		recycle = false;
		error = VOP_INACTIVE(vp, &recycle);
		if (error != 0)
			klog(KLOG_DEBUG, "inode %llu: inactive: error %d",
			    (unsigned long long)vp->v_ino, error);
		mutex_enter(&vc.vc_lock);
		if (vp->v_usecount > 1 || vp->v_state != VS_ACTIVE)
			break;	/* a new reference came: stay active */
		vp->v_usecount = 0;
		if (recycle) {
			vstate_set(vp, VS_RECLAIMING);
			mutex_exit(&vc.vc_lock);
			vnode_reclaim(vp, true, false);
			return;
		}
		vstate_set(vp, VS_INACTIVE);
		lru_insert(vp);
		rw_exit(&vp->v_lock);
		if (vc.vc_nstate[VS_INACTIVE] > vc.vc_lrumax)
			cv_signal(&vc.vc_draincv);
		mutex_exit(&vc.vc_lock);
		return;
	}
	if (locked)
		rw_exit(&vp->v_lock);	/* with vc_lock held: see 8. */
	vrele_drop(vp);
}

/* Unlock and drop a reference. */
void
vput(struct vnode *vp)
{

	vn_unlock(vp);
	vrele(vp);
}

/* Lock VP (the caller holds a reference).  May block. */
void
vn_lock(struct vnode *vp, krw_t op)
{

	rw_enter(&vp->v_lock, op);
}

void
vn_unlock(struct vnode *vp)
{

	rw_exit(&vp->v_lock);
}

/* ---- per-mount operations ---- */

/*
 * Reclaim the vnodes of MP; see vnode.h.
 * => 0, or EBUSY (without FORCE) if a vnode other than SKIP (with its
 *    one reference) is referenced; unreferenced vnodes are reclaimed
 *    either way.
 * => FORCE: referenced vnodes are reclaimed and become DEAD.
 * => Waits for vnodes being loaded or reclaimed by other threads.
 */
int
vflush(struct mount *mp, struct vnode *skip, bool force)
{
	struct vnode *vp;
	bool busy;

	mutex_enter(&vc.vc_lock);
again:
	busy = false;
	for (vp = mp->mnt_vnodes; vp != NULL; vp = vp->v_mnext) {
		switch (vp->v_state) {
		case VS_DEAD:
			continue;
		case VS_LOADING:
		case VS_RECLAIMING:
			vnode_wait(vp);
			goto again;
		case VS_INACTIVE:
			lru_remove(vp);
			vstate_set(vp, VS_RECLAIMING);
			mutex_exit(&vc.vc_lock);
			vnode_reclaim(vp, false, false);
			mutex_enter(&vc.vc_lock);
			goto again;
		case VS_ACTIVE:
			if (vp == skip && vp->v_usecount == 1)
				continue;
			if (!force) {
				busy = true;
				continue;
			}
			vstate_set(vp, VS_RECLAIMING);
			mutex_exit(&vc.vc_lock);
			vfs_mount_ref(mp);	/* kept by the DEAD vnode */
			vnode_reclaim(vp, false, true);
			mutex_enter(&vc.vc_lock);
			goto again;
		}
	}
	mutex_exit(&vc.vc_lock);
	return busy ? EBUSY : 0;
}

/* Can vfs_vnode_iterate hand VP out? */
static bool
vnode_iterable(const struct vnode *vp)
{

	return vp->v_state == VS_ACTIVE || vp->v_state == VS_INACTIVE;
}

/*
 * Call FN(vp, ARG) on every cached vnode of MP (ACTIVE or INACTIVE),
 * each referenced and unlocked for the call.  Vnodes added during the
 * walk may be missed.  Stops at the first non-zero return.
 */
int
vfs_vnode_iterate(struct mount *mp, int (*fn)(struct vnode *vp, void *arg),
    void *arg)
{
	struct vnode *vp, *next;
	int error = 0;

	mutex_enter(&vc.vc_lock);
	for (vp = mp->mnt_vnodes; vp != NULL && !vnode_iterable(vp);
	    vp = vp->v_mnext)
		continue;
	if (vp != NULL)
		vnode_hold_locked(vp);
	while (vp != NULL) {
		mutex_exit(&vc.vc_lock);
		error = fn(vp, arg);
		mutex_enter(&vc.vc_lock);
		/* vp is referenced, hence still on the list. */
		next = NULL;
		if (error == 0) {
			for (next = vp->v_mnext;
			    next != NULL && !vnode_iterable(next);
			    next = next->v_mnext)
				continue;
			if (next != NULL)
				vnode_hold_locked(next);
		}
		mutex_exit(&vc.vc_lock);
		vrele(vp);
		mutex_enter(&vc.vc_lock);
		vp = next;
	}
	mutex_exit(&vc.vc_lock);
	return error;
}

/*
 * Mark MP as being unmounted (or not any more).  mnt_unmounting is
 * written under vc_lock and with an atomic store, so the mount table
 * code may read it with an atomic load.
 */
void
vcache_mount_unmounting(struct mount *mp, bool on)
{

	mutex_enter(&vc.vc_lock);
	__atomic_store_n(&mp->mnt_unmounting, on, __ATOMIC_RELEASE);
	mutex_exit(&vc.vc_lock);
}

/* ---- tuning, statistics, start and stop ---- */

/* Keep at most N unreferenced vnodes cached (0: none). */
void
vcache_set_lrumax(unsigned n)
{

	KASSERT(vc.vc_inited);
	mutex_enter(&vc.vc_lock);
	vc.vc_lrumax = n;
	cv_signal(&vc.vc_draincv);
	mutex_exit(&vc.vc_lock);
}

void
vcache_stats(struct vcache_stats *st)
{

	memset(st, 0, sizeof(*st));
	if (!vc.vc_inited)
		return;
	mutex_enter(&vc.vc_lock);
	st->active = vc.vc_nstate[VS_ACTIVE];
	st->inactive = vc.vc_nstate[VS_INACTIVE];
	st->loads = vc.vc_loads;
	st->reclaims = vc.vc_reclaims;
	mutex_exit(&vc.vc_lock);
}

/*
 * Set up the cache and start the vdrain thread.  LRUMAX 0: the default.
 * => 0 or ENOMEM (or the thread-creation error); nothing left behind.
 */
int
vcache_init(unsigned lrumax)
{
	int error;

	if (vc.vc_inited) {
		/* Kept by vcache_fini (leftover vnodes): restart the drain. */
		KASSERT(vc.vc_drainthread == NULL);
		mutex_enter(&vc.vc_lock);
		vc.vc_drainexit = false;
		if (lrumax != 0)
			vc.vc_lrumax = lrumax;
		mutex_exit(&vc.vc_lock);
		return kthread_create(vdrain_thread, NULL, "vdrain",
		    &vc.vc_drainthread);
	}
	memset(&vc, 0, sizeof(vc));
	vc.vc_lrumax = lrumax != 0 ? lrumax : VC_LRUMAX_DEFAULT;
	vc.vc_lru_last = &vc.vc_lru_first;
	if ((error = mutex_init(&vc.vc_lock)) != 0)
		return error;
	if ((error = cv_init(&vc.vc_cv)) != 0)
		goto out_mutex;
	if ((error = cv_init(&vc.vc_draincv)) != 0)
		goto out_cv;
	vc.vc_hash = kmem_zalloc(VC_HASH_MINSIZE * sizeof(*vc.vc_hash));
	if (vc.vc_hash == NULL) {
		error = ENOMEM;
		goto out_draincv;
	}
	vc.vc_hashmask = VC_HASH_MINSIZE - 1;
	error = kthread_create(vdrain_thread, NULL, "vdrain",
	    &vc.vc_drainthread);
	if (error != 0)
		goto out_hash;
	vc.vc_inited = true;
	return 0;

out_hash:
	kmem_free(vc.vc_hash, VC_HASH_MINSIZE * sizeof(*vc.vc_hash));
	vc.vc_hash = NULL;
out_draincv:
	cv_destroy(&vc.vc_draincv);
out_cv:
	cv_destroy(&vc.vc_cv);
out_mutex:
	mutex_destroy(&vc.vc_lock);
	return error;
}

/*
 * Stop the vdrain thread and free the cache.  Every mount is gone, so
 * only DEAD vnodes someone forgot to release can remain; they are left
 * alone (and reported).
 */
void
vcache_fini(void)
{
	unsigned left;

	if (!vc.vc_inited)
		return;
	mutex_enter(&vc.vc_lock);
	vc.vc_drainexit = true;
	cv_signal(&vc.vc_draincv);
	mutex_exit(&vc.vc_lock);
	kthread_join(vc.vc_drainthread);
	vc.vc_drainthread = NULL;

	left = vc.vc_nstate[VS_ACTIVE] + vc.vc_nstate[VS_INACTIVE] +
	    vc.vc_nstate[VS_LOADING] + vc.vc_nstate[VS_RECLAIMING];
	if (left != 0 || vc.vc_nstate[VS_DEAD] != 0) {
		klog(KLOG_WARN, "vcache: %u vnodes and %u dead vnodes left "
		    "at shutdown", left, vc.vc_nstate[VS_DEAD]);
		/* Their mounts still point here: keep the cache. */
		return;
	}
	kmem_free(vc.vc_hash, (vc.vc_hashmask + 1) * sizeof(*vc.vc_hash));
	vc.vc_hash = NULL;
	cv_destroy(&vc.vc_draincv);
	cv_destroy(&vc.vc_cv);
	mutex_destroy(&vc.vc_lock);
	vc.vc_inited = false;
}
