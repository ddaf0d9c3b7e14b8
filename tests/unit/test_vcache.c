/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_vcache.c -- unit tests of the vnode cache and life cycle
 * (vfs/vfs_vnode.c), below the public API.
 *
 * A tiny filesystem defined here, "fakefs" (no device, every inode
 * number exists), counts loadvnode / inactive / reclaim calls and can be
 * told to fail a load or to ask for recycling.  The cases cover
 * reference counting, identity of (mount, ino), the LRU bound, recycle
 * on inactive, load failure, vflush with and without force (dead
 * vnodes answer EIO), vfs_vnode_iterate, and a multi-threaded stress
 * run whose counts must balance.  Output is TAP through cunit_tap_run().
 */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"
#include "vfs_pub.h"
#include "cunit_tap.h"

/* ---- fakefs ---- */

#define FAKE_MAXLOG	4096

static struct {
	unsigned	loads, inactives, reclaims;	/* atomic */
	uint64_t	fail_ino;	/* loadvnode of this ino fails */
	bool		recycle;	/* inactive asks for recycling */
	unsigned	slow_ms;	/* loadvnode sleeps this long */
	unsigned	load_calls;	/* atomic: loadvnode calls */
	kmutex_t	loglock;
	uint64_t	reclaimlog[FAKE_MAXLOG];	/* loglock */
	unsigned	nreclaimlog;			/* loglock */
} fake;

static int fake_mountdata;

static int
fake_mount(struct mount *mp)
{

	mp->mnt_data = &fake_mountdata;
	return 0;
}

static int
fake_unmount(struct mount *mp, int flags __unused)
{

	mp->mnt_data = NULL;
	return 0;
}

static int
fake_root(struct mount *mp, struct vnode **vpp)
{

	return vcache_get(mp, 1, NULL, vpp);
}

static int
fake_statvfs(struct mount *mp __unused, struct vfs_statvfs *sv)
{

	memset(sv, 0, sizeof(*sv));
	return 0;
}

static int
fake_sync(struct mount *mp __unused, bool wait __unused)
{

	return 0;
}

static const struct vnodeops fake_vnodeops;

static int
fake_loadvnode(struct mount *mp, struct vnode *vp, ino64_t ino,
    void *hint __unused)
{

	CU_ASSERT_PTR_EQUAL(mp->mnt_data, &fake_mountdata);
	atomic_inc_uint(&fake.load_calls);
	if (__atomic_load_n(&fake.slow_ms, __ATOMIC_RELAXED) != 0)
		kpause_ms(__atomic_load_n(&fake.slow_ms, __ATOMIC_RELAXED));
	if (ino == __atomic_load_n(&fake.fail_ino, __ATOMIC_RELAXED))
		return ENOENT;
	atomic_inc_uint(&fake.loads);
	vp->v_type = ino == 1 ? VDIR : VREG;
	vp->v_op = &fake_vnodeops;
	vp->v_data = &fake_mountdata;
	return 0;
}

static int
fake_lookup(struct vnode *dvp __unused, const char *name __unused,
    size_t len __unused, struct vnode **vpp __unused)
{

	return ENOENT;
}

static int
fake_getattr(struct vnode *vp, struct vattr *va)
{

	memset(va, 0, sizeof(*va));
	va->va_mask = VA_ALL;
	va->va_type = vp->v_type;
	va->va_fileid = vp->v_ino;
	va->va_size = 12345;
	return 0;
}

static int
fake_read(struct vnode *vp __unused, struct uio *uio __unused,
    int ioflag __unused)
{

	return 0;
}

static int
fake_readdir(struct vnode *vp __unused, uint64_t *cookie __unused,
    vfs_filldir_t fill __unused, void *arg __unused)
{

	return 0;
}

static int
fake_inactive(struct vnode *vp, bool *recyclep)
{

	CU_ASSERT(VOP_XLOCKED(vp));
	atomic_inc_uint(&fake.inactives);
	*recyclep = __atomic_load_n(&fake.recycle, __ATOMIC_RELAXED);
	return 0;
}

static int
fake_reclaim(struct vnode *vp)
{

	CU_ASSERT(VOP_XLOCKED(vp));
	CU_ASSERT_PTR_EQUAL(vp->v_data, &fake_mountdata);
	atomic_inc_uint(&fake.reclaims);
	mutex_enter(&fake.loglock);
	if (fake.nreclaimlog < FAKE_MAXLOG)
		fake.reclaimlog[fake.nreclaimlog++] = vp->v_ino;
	mutex_exit(&fake.loglock);
	vp->v_data = NULL;
	return 0;
}

static const struct vnodeops fake_vnodeops = {
	.vop_lookup = fake_lookup,
	.vop_create = genfs_erofs_create,
	.vop_mknod = genfs_erofs_mknod,
	.vop_mkdir = genfs_erofs_mkdir,
	.vop_symlink = genfs_erofs_symlink,
	.vop_link = genfs_erofs_link,
	.vop_remove = genfs_erofs_remove,
	.vop_rmdir = genfs_erofs_rmdir,
	.vop_rename = genfs_erofs_rename,
	.vop_open = genfs_nullop_open,
	.vop_close = genfs_nullop_open,
	.vop_getattr = fake_getattr,
	.vop_setattr = genfs_erofs_setattr,
	.vop_read = fake_read,
	.vop_write = genfs_erofs_write,
	.vop_fsync = genfs_nullop_fsync,
	.vop_readdir = fake_readdir,
	.vop_readlink = genfs_einval_readlink,
	.vop_inactive = fake_inactive,
	.vop_reclaim = fake_reclaim,
	.vop_bmap = genfs_eopnotsupp_bmap,
	.vop_getxattr = genfs_eopnotsupp_getxattr,
	.vop_setxattr = genfs_eopnotsupp_setxattr,
	.vop_listxattr = genfs_eopnotsupp_listxattr,
	.vop_removexattr = genfs_eopnotsupp_removexattr,
	.vop_fallocate = genfs_eopnotsupp_fallocate,
	.vop_seek = genfs_seek,
};

static const struct vfsops fake_vfsops = {
	.vfs_name = "fakefs",
	.vfs_aliases = NULL,
	.vfs_opts = NULL,
	.vfs_needdev = false,
	.vfs_mount = fake_mount,
	.vfs_unmount = fake_unmount,
	.vfs_root = fake_root,
	.vfs_statvfs = fake_statvfs,
	.vfs_sync = fake_sync,
	.vfs_loadvnode = fake_loadvnode,
	.vfs_probe = vfs_noprobe,
};

/* ---- helpers ---- */

static struct mount *
fake_mount_at(const char *target)
{
	struct mount *mp = NULL;
	char err[256];
	int error;

	error = vfs_mount("fakefs", NULL, target, NULL, &mp, err,
	    sizeof(err));
	CU_ASSERT_EQUAL_FATAL(error, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mp);
	return mp;
}

static void
fake_reset(void)
{

	__atomic_store_n(&fake.fail_ino, UINT64_MAX, __ATOMIC_RELAXED);
	__atomic_store_n(&fake.recycle, false, __ATOMIC_RELAXED);
	__atomic_store_n(&fake.slow_ms, 0, __ATOMIC_RELAXED);
	mutex_enter(&fake.loglock);
	fake.nreclaimlog = 0;
	mutex_exit(&fake.loglock);
}

static unsigned
fake_count(unsigned *p)
{

	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

/* Wait (up to 10 s) until the LRU holds at most N vnodes. */
static void
wait_inactive_le(unsigned n)
{
	struct vcache_stats st;
	int i;

	for (i = 0; i < 10000; i++) {
		vcache_stats(&st);
		if (st.inactive <= n)
			return;
		kpause_ms(1);
	}
	CU_FAIL("LRU did not shrink to its bound");
}

/* ---- cases ---- */

static void
test_get_ref_rele(void)
{
	struct mount *mp;
	struct vcache_stats st0, st;
	struct vnode *vp, *vp2;
	unsigned loads0, inact0;

	fake_reset();
	mp = fake_mount_at("/vc_refs");
	vcache_stats(&st0);
	loads0 = fake_count(&fake.loads);
	inact0 = fake_count(&fake.inactives);

	CU_ASSERT_EQUAL_FATAL(vcache_get(mp, 10, NULL, &vp), 0);
	CU_ASSERT_EQUAL(vp->v_usecount, 1);
	CU_ASSERT_EQUAL(vp->v_state, VS_ACTIVE);
	CU_ASSERT_EQUAL(vp->v_ino, 10);
	CU_ASSERT_PTR_EQUAL(vp->v_mount, mp);
	CU_ASSERT_EQUAL(fake_count(&fake.loads), loads0 + 1);
	vcache_stats(&st);
	CU_ASSERT_EQUAL(st.active, st0.active + 1);
	CU_ASSERT_EQUAL(st.loads, st0.loads + 1);

	vref(vp);
	CU_ASSERT_EQUAL(vp->v_usecount, 2);
	vrele(vp);
	CU_ASSERT_EQUAL(vp->v_usecount, 1);
	CU_ASSERT_EQUAL(fake_count(&fake.inactives), inact0);

	/* Lock, then vput. */
	vn_lock(vp, RW_WRITER);
	CU_ASSERT(VOP_XLOCKED(vp));
	vn_unlock(vp);
	vn_lock(vp, RW_READER);
	CU_ASSERT(VOP_LOCKED(vp));
	CU_ASSERT(!VOP_XLOCKED(vp));
	vref(vp);
	vput(vp);
	CU_ASSERT(!VOP_LOCKED(vp));
	CU_ASSERT_EQUAL(vp->v_usecount, 1);

	/* The last reference: inactive, onto the LRU. */
	vrele(vp);
	CU_ASSERT_EQUAL(fake_count(&fake.inactives), inact0 + 1);
	vcache_stats(&st);
	CU_ASSERT_EQUAL(st.active, st0.active);
	CU_ASSERT_EQUAL(st.inactive, st0.inactive + 1);

	/* Found again from the LRU, without a load. */
	CU_ASSERT_EQUAL_FATAL(vcache_get(mp, 10, NULL, &vp2), 0);
	CU_ASSERT_PTR_EQUAL(vp2, vp);
	CU_ASSERT_EQUAL(fake_count(&fake.loads), loads0 + 1);
	CU_ASSERT_EQUAL(vp2->v_state, VS_ACTIVE);
	vrele(vp2);

	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	vcache_stats(&st);
	CU_ASSERT_EQUAL(st.active, st0.active);
	CU_ASSERT_EQUAL(st.inactive, st0.inactive);
	CU_ASSERT_EQUAL(st.reclaims - st0.reclaims, st.loads - st0.loads);
}

static void
test_identity(void)
{
	struct mount *mp1, *mp2;
	struct vnode *a, *b, *c;

	fake_reset();
	mp1 = fake_mount_at("/vc_id1");
	mp2 = fake_mount_at("/vc_id2");
	CU_ASSERT_EQUAL_FATAL(vcache_get(mp1, 42, NULL, &a), 0);
	CU_ASSERT_EQUAL_FATAL(vcache_get(mp1, 42, NULL, &b), 0);
	CU_ASSERT_EQUAL_FATAL(vcache_get(mp2, 42, NULL, &c), 0);
	CU_ASSERT_PTR_EQUAL(a, b);
	CU_ASSERT_PTR_NOT_EQUAL(a, c);
	CU_ASSERT_EQUAL(a->v_usecount, 2);
	CU_ASSERT_EQUAL(c->v_usecount, 1);
	CU_ASSERT_PTR_EQUAL(c->v_mount, mp2);
	vrele(a);
	vrele(b);
	vrele(c);
	CU_ASSERT_EQUAL(vfs_unmount(mp1, 0), 0);
	CU_ASSERT_EQUAL(vfs_unmount(mp2, 0), 0);
}

static void
test_lru_bound(void)
{
	struct mount *mp;
	struct vcache_stats st;
	struct vnode *vp;
	unsigned recl0, i;
	uint64_t ino;

	fake_reset();
	mp = fake_mount_at("/vc_lru");
	/* Start from an empty LRU so that the order is ours. */
	vcache_set_lrumax(0);
	wait_inactive_le(0);
	fake_reset();
	vcache_set_lrumax(4);
	recl0 = fake_count(&fake.reclaims);
	for (ino = 100; ino < 110; ino++) {
		CU_ASSERT_EQUAL_FATAL(vcache_get(mp, ino, NULL, &vp), 0);
		vrele(vp);
	}
	wait_inactive_le(4);
	vcache_stats(&st);
	CU_ASSERT_EQUAL(st.inactive, 4);
	CU_ASSERT_EQUAL(fake_count(&fake.reclaims) - recl0, 6);
	mutex_enter(&fake.loglock);
	CU_ASSERT_EQUAL(fake.nreclaimlog, 6);
	for (i = 0; i < fake.nreclaimlog && i < 6; i++)
		CU_ASSERT_EQUAL(fake.reclaimlog[i], 100 + i);
	mutex_exit(&fake.loglock);

	/* The newest four are still cached: no load. */
	i = fake_count(&fake.loads);
	for (ino = 106; ino < 110; ino++) {
		CU_ASSERT_EQUAL_FATAL(vcache_get(mp, ino, NULL, &vp), 0);
		vrele(vp);
	}
	CU_ASSERT_EQUAL(fake_count(&fake.loads), i);
	/* An old one is loaded again. */
	CU_ASSERT_EQUAL_FATAL(vcache_get(mp, 100, NULL, &vp), 0);
	CU_ASSERT_EQUAL(fake_count(&fake.loads), i + 1);
	vrele(vp);

	vcache_set_lrumax(8192);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
}

static void
test_recycle(void)
{
	struct mount *mp;
	struct vcache_stats st0, st;
	struct vnode *vp;
	unsigned recl0, inact0;

	fake_reset();
	mp = fake_mount_at("/vc_recycle");
	vcache_stats(&st0);
	recl0 = fake_count(&fake.reclaims);
	inact0 = fake_count(&fake.inactives);
	__atomic_store_n(&fake.recycle, true, __ATOMIC_RELAXED);
	CU_ASSERT_EQUAL_FATAL(vcache_get(mp, 7, NULL, &vp), 0);
	vrele(vp);
	/* Reclaimed at once, synchronously, not cached. */
	CU_ASSERT_EQUAL(fake_count(&fake.inactives), inact0 + 1);
	CU_ASSERT_EQUAL(fake_count(&fake.reclaims), recl0 + 1);
	vcache_stats(&st);
	CU_ASSERT_EQUAL(st.inactive, st0.inactive);
	CU_ASSERT_EQUAL(st.active, st0.active);
	CU_ASSERT_EQUAL(st.reclaims, st0.reclaims + 1);
	fake_reset();
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
}

static void
test_load_failure(void)
{
	struct mount *mp;
	struct vcache_stats st0, st;
	struct vnode *vp = (struct vnode *)&fake;

	fake_reset();
	mp = fake_mount_at("/vc_fail");
	vcache_stats(&st0);
	__atomic_store_n(&fake.fail_ino, 77, __ATOMIC_RELAXED);
	CU_ASSERT_EQUAL(vcache_get(mp, 77, NULL, &vp), ENOENT);
	CU_ASSERT_PTR_NULL(vp);
	CU_ASSERT_EQUAL(vcache_get(mp, 77, NULL, &vp), ENOENT);
	vcache_stats(&st);
	CU_ASSERT_EQUAL(st.active, st0.active);
	CU_ASSERT_EQUAL(st.inactive, st0.inactive);
	CU_ASSERT_EQUAL(st.loads, st0.loads);
	/* Nothing left behind: the mount has no vnode. */
	CU_ASSERT_PTR_NULL(mp->mnt_vnodes);
	fake_reset();
	CU_ASSERT_EQUAL_FATAL(vcache_get(mp, 77, NULL, &vp), 0);
	CU_ASSERT_EQUAL(vp->v_ino, 77);
	vrele(vp);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
}

#define SAMEKEY_THREADS	8

struct samekey_arg {
	struct mount	*mp;
	struct vnode	*vp;
	int		 error;
};

static void
samekey_thread(void *v)
{
	struct samekey_arg *ka = v;

	ka->error = vcache_get(ka->mp, 500, NULL, &ka->vp);
}

/* Start the threads, one loads while the others wait for it. */
static void
samekey_run(struct mount *mp, struct samekey_arg *ka)
{
	struct kthread *kt[SAMEKEY_THREADS];
	unsigned i;

	for (i = 0; i < SAMEKEY_THREADS; i++) {
		ka[i].mp = mp;
		ka[i].vp = NULL;
		ka[i].error = -1;
		CU_ASSERT_EQUAL_FATAL(kthread_create(samekey_thread, &ka[i],
		    "samekey", &kt[i]), 0);
	}
	for (i = 0; i < SAMEKEY_THREADS; i++)
		kthread_join(kt[i]);
}

static void
test_concurrent_load(void)
{
	struct samekey_arg ka[SAMEKEY_THREADS];
	struct mount *mp;
	unsigned i, calls0;

	fake_reset();
	mp = fake_mount_at("/vc_samekey");
	__atomic_store_n(&fake.slow_ms, 30, __ATOMIC_RELAXED);

	/* One load; everyone gets the same vnode. */
	calls0 = fake_count(&fake.load_calls);
	samekey_run(mp, ka);
	CU_ASSERT_EQUAL(fake_count(&fake.load_calls), calls0 + 1);
	for (i = 0; i < SAMEKEY_THREADS; i++) {
		CU_ASSERT_EQUAL(ka[i].error, 0);
		CU_ASSERT_PTR_EQUAL(ka[i].vp, ka[0].vp);
	}
	CU_ASSERT_EQUAL(ka[0].vp->v_usecount, SAMEKEY_THREADS);
	for (i = 0; i < SAMEKEY_THREADS; i++)
		vrele(ka[i].vp);
	CU_ASSERT_EQUAL(vflush(mp, NULL, false), 0);

	/* A failing load: the waiters retry (and fail) themselves. */
	__atomic_store_n(&fake.fail_ino, 500, __ATOMIC_RELAXED);
	calls0 = fake_count(&fake.load_calls);
	samekey_run(mp, ka);
	for (i = 0; i < SAMEKEY_THREADS; i++) {
		CU_ASSERT_EQUAL(ka[i].error, ENOENT);
		CU_ASSERT_PTR_NULL(ka[i].vp);
	}
	CU_ASSERT_EQUAL(fake_count(&fake.load_calls),
	    calls0 + SAMEKEY_THREADS);
	CU_ASSERT_PTR_NULL(mp->mnt_vnodes);
	fake_reset();
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
}

static void
test_vflush(void)
{
	struct mount *mp;
	struct vnode *root, *vp, *vp2;
	struct vattr va;
	unsigned recl0;

	fake_reset();
	mp = fake_mount_at("/vc_flush");
	CU_ASSERT_EQUAL_FATAL(mp->mnt_op->vfs_root(mp, &root), 0);
	CU_ASSERT_EQUAL_FATAL(vcache_get(mp, 5, NULL, &vp), 0);
	CU_ASSERT_EQUAL_FATAL(vcache_get(mp, 6, NULL, &vp2), 0);
	vrele(vp2);		/* inactive */

	/* Referenced vnodes: EBUSY, but the inactive one is reclaimed. */
	recl0 = fake_count(&fake.reclaims);
	CU_ASSERT_EQUAL(vflush(mp, NULL, false), EBUSY);
	CU_ASSERT_EQUAL(fake_count(&fake.reclaims), recl0 + 1);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), EBUSY);
	/* The mount still works after a refused unmount. */
	CU_ASSERT_EQUAL_FATAL(vcache_get(mp, 6, NULL, &vp2), 0);
	vrele(vp2);

	/* SKIP may keep its one reference. */
	vrele(vp);
	CU_ASSERT_EQUAL(vflush(mp, root, false), 0);
	CU_ASSERT_EQUAL(root->v_state, VS_ACTIVE);
	CU_ASSERT_EQUAL(vflush(mp, NULL, false), EBUSY);

	/* Force: the referenced root is reclaimed and becomes dead. */
	CU_ASSERT_EQUAL_FATAL(vcache_get(mp, 5, NULL, &vp), 0);
	recl0 = fake_count(&fake.reclaims);
	CU_ASSERT_EQUAL(vfs_unmount(mp, VFS_UMOUNT_FORCE), 0);
	CU_ASSERT_EQUAL(fake_count(&fake.reclaims), recl0 + 2);
	CU_ASSERT_EQUAL(root->v_state, VS_DEAD);
	CU_ASSERT_PTR_EQUAL(root->v_op, &dead_vnodeops);
	CU_ASSERT_PTR_EQUAL(vp->v_op, &dead_vnodeops);
	vn_lock(root, RW_READER);
	CU_ASSERT_EQUAL(VOP_GETATTR(root, &va), EIO);
	CU_ASSERT_EQUAL(VOP_LOOKUP(root, ".", 1, &vp2), EIO);
	CU_ASSERT_EQUAL(VOP_READDIR(root, &(uint64_t){0}, NULL, NULL), EIO);
	vn_unlock(root);
	vn_lock(vp, RW_WRITER);
	CU_ASSERT_EQUAL(VOP_FSYNC(vp, 0), EIO);
	vn_unlock(vp);
	/* The mount is gone from the table but not freed yet. */
	CU_ASSERT_EQUAL(vfs_mount_lookup("/vc_flush", &mp), ENOENT);
	vref(root);
	vrele(root);
	vrele(root);	/* frees the dead vnode */
	vrele(vp);	/* frees it, and the mount */
}

struct iter_ctx {
	unsigned	calls;
	unsigned	stop_after;
	uint64_t	seen;	/* bit per ino 0..63 */
};

static int
iter_fn(struct vnode *vp, void *arg)
{
	struct iter_ctx *ic = arg;

	CU_ASSERT(vp->v_usecount > 0);
	CU_ASSERT(!VOP_LOCKED(vp));
	if (vp->v_ino < 64)
		ic->seen |= 1ULL << vp->v_ino;
	if (++ic->calls == ic->stop_after)
		return 42;
	return 0;
}

static void
test_iterate(void)
{
	struct mount *mp, *other;
	struct vnode *vps[5], *ovp;
	struct iter_ctx ic;
	unsigned i;

	fake_reset();
	mp = fake_mount_at("/vc_iter");
	other = fake_mount_at("/vc_iter_other");
	CU_ASSERT_EQUAL_FATAL(vcache_get(other, 3, NULL, &ovp), 0);
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL_FATAL(vcache_get(mp, 10 + i, NULL, &vps[i]),
		    0);
	vrele(vps[1]);
	vrele(vps[3]);

	memset(&ic, 0, sizeof(ic));
	CU_ASSERT_EQUAL(vfs_vnode_iterate(mp, iter_fn, &ic), 0);
	CU_ASSERT_EQUAL(ic.calls, 5);
	CU_ASSERT_EQUAL(ic.seen, 0x1fULL << 10);
	/* The references were given back. */
	CU_ASSERT_EQUAL(vps[0]->v_usecount, 1);
	CU_ASSERT_EQUAL(vps[1]->v_state, VS_INACTIVE);

	memset(&ic, 0, sizeof(ic));
	ic.stop_after = 2;
	CU_ASSERT_EQUAL(vfs_vnode_iterate(mp, iter_fn, &ic), 42);
	CU_ASSERT_EQUAL(ic.calls, 2);

	vrele(vps[0]);
	vrele(vps[2]);
	vrele(vps[4]);
	vrele(ovp);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	CU_ASSERT_EQUAL(vfs_unmount(other, 0), 0);
}

/* ---- concurrency ---- */

#define STRESS_THREADS	8
#define STRESS_OPS	100000
#define STRESS_KEYS	48

struct stress_arg {
	struct mount	*mp;
	uint64_t	 seed;
	unsigned	 errors;
};

static uint64_t
xorshift(uint64_t *s)
{

	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
stress_thread(void *v)
{
	struct stress_arg *sa = v;
	struct vnode *vp;
	struct vattr va;
	uint64_t r, ino;
	int i;

	for (i = 0; i < STRESS_OPS; i++) {
		r = xorshift(&sa->seed);
		if (vcache_get(sa->mp, 2 + r % STRESS_KEYS, NULL, &vp) != 0) {
			sa->errors++;
			continue;
		}
		if (vp->v_ino != 2 + r % STRESS_KEYS)
			sa->errors++;
		switch ((r >> 16) % 4) {
		case 0:
			vref(vp);
			vrele(vp);
			break;
		case 1:
			vn_lock(vp, RW_READER);
			if (VOP_GETATTR(vp, &va) != 0 ||
			    va.va_fileid != vp->v_ino)
				sa->errors++;
			vn_unlock(vp);
			break;
		case 2:
			ino = vp->v_ino;
			vn_lock(vp, RW_WRITER);
			vput(vp);
			if (vcache_get(sa->mp, ino, NULL, &vp) != 0) {
				sa->errors++;
				continue;
			}
			break;
		default:
			break;
		}
		vrele(vp);
	}
}

static void
test_concurrent(void)
{
	struct stress_arg sa[STRESS_THREADS];
	struct kthread *kt[STRESS_THREADS];
	struct vcache_stats st0, st;
	struct mount *mp;
	unsigned i, loads0, recl0;

	fake_reset();
	vcache_set_lrumax(8);
	mp = fake_mount_at("/vc_stress");
	vcache_stats(&st0);
	loads0 = fake_count(&fake.loads);
	recl0 = fake_count(&fake.reclaims);
	for (i = 0; i < STRESS_THREADS; i++) {
		sa[i].mp = mp;
		sa[i].seed = 0x9e3779b97f4a7c15ULL * (i + 1);
		sa[i].errors = 0;
		CU_ASSERT_EQUAL_FATAL(kthread_create(stress_thread, &sa[i],
		    "stress", &kt[i]), 0);
	}
	for (i = 0; i < STRESS_THREADS; i++) {
		kthread_join(kt[i]);
		CU_ASSERT_EQUAL(sa[i].errors, 0);
	}
	wait_inactive_le(8);
	vcache_stats(&st);
	/* Small LRU, many keys: the cache must really have churned. */
	CU_ASSERT(st.loads - st0.loads > 1000);
	CU_ASSERT_EQUAL(st.active, st0.active);
	CU_ASSERT(st.inactive <= 8);
	CU_ASSERT_EQUAL((st.loads - st0.loads) - (st.reclaims - st0.reclaims),
	    st.inactive - st0.inactive);
	CU_ASSERT_EQUAL((fake_count(&fake.loads) - loads0) -
	    (fake_count(&fake.reclaims) - recl0), st.inactive - st0.inactive);

	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	vcache_stats(&st);
	CU_ASSERT_EQUAL(st.loads - st0.loads, st.reclaims - st0.reclaims);
	CU_ASSERT_EQUAL(fake_count(&fake.loads) - loads0,
	    fake_count(&fake.reclaims) - recl0);
	vcache_set_lrumax(8192);
}

/*
 * A forced unmount while other threads hold and use vnodes: the vnodes
 * turn dead under them, every operation then answers EIO, and the last
 * release frees them (and the mount) without a crash or a leak.
 */
#define RACE_THREADS	4
#define RACE_HELD	8

struct race_arg {
	struct vnode	*vps[RACE_HELD];
	unsigned	 go;		/* atomic: 1 when the unmount is done */
	unsigned	 errors;
	unsigned	 eio;
};

static void
race_thread(void *v)
{
	struct race_arg *ra = v;
	struct vattr va;
	unsigned i, n, done;
	bool after;
	int error;

	for (n = 0, done = 0; done < 2000; n++) {
		/* Once the unmount is over, every call must be EIO. */
		after = __atomic_load_n(&ra->go, __ATOMIC_ACQUIRE);
		i = n % RACE_HELD;
		vref(ra->vps[i]);
		vn_lock(ra->vps[i], n % 2 ? RW_WRITER : RW_READER);
		error = VOP_GETATTR(ra->vps[i], &va);
		if (error != 0 && error != EIO)
			ra->errors++;
		vn_unlock(ra->vps[i]);
		vrele(ra->vps[i]);
		if (after) {
			if (error == EIO)
				ra->eio++;
			done++;
		}
	}
	for (i = 0; i < RACE_HELD; i++)
		vrele(ra->vps[i]);
}

static void
test_forced_race(void)
{
	struct race_arg ra[RACE_THREADS];
	struct kthread *kt[RACE_THREADS];
	struct mount *mp;
	unsigned i, j;

	fake_reset();
	mp = fake_mount_at("/vc_race");
	memset(ra, 0, sizeof(ra));
	for (i = 0; i < RACE_THREADS; i++)
		for (j = 0; j < RACE_HELD; j++)
			CU_ASSERT_EQUAL_FATAL(vcache_get(mp, 2 + (i + j) % 10,
			    NULL, &ra[i].vps[j]), 0);
	for (i = 0; i < RACE_THREADS; i++)
		CU_ASSERT_EQUAL_FATAL(kthread_create(race_thread, &ra[i],
		    "race", &kt[i]), 0);
	kpause_ms(20);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), EBUSY);
	CU_ASSERT_EQUAL(vfs_unmount(mp, VFS_UMOUNT_FORCE), 0);
	for (i = 0; i < RACE_THREADS; i++)
		__atomic_store_n(&ra[i].go, 1, __ATOMIC_RELEASE);
	for (i = 0; i < RACE_THREADS; i++) {
		kthread_join(kt[i]);
		CU_ASSERT_EQUAL(ra[i].errors, 0);
		CU_ASSERT_EQUAL(ra[i].eio, 2000);
	}
}

int
main(void)
{
	CU_pSuite s;
	int rc;

	if (vfs_init(NULL) != 0)
		return 1;
	if (mutex_init(&fake.loglock) != 0)
		return 1;
	if (vfs_register(&fake_vfsops) != 0)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("vcache", NULL, NULL);
	CU_add_test(s, "get/ref/rele counts", test_get_ref_rele);
	CU_add_test(s, "identity of (mount, ino)", test_identity);
	CU_add_test(s, "LRU bound reclaims the oldest", test_lru_bound);
	CU_add_test(s, "inactive recycle reclaims at once", test_recycle);
	CU_add_test(s, "loadvnode failure", test_load_failure);
	CU_add_test(s, "concurrent loads of one key", test_concurrent_load);
	CU_add_test(s, "vflush EBUSY, skip, force -> dead", test_vflush);
	CU_add_test(s, "vfs_vnode_iterate", test_iterate);
	CU_add_test(s, "8 threads x 100k get/rele", test_concurrent);
	CU_add_test(s, "forced unmount under busy threads", test_forced_race);
	rc = cunit_tap_run();
	CU_cleanup_registry();
	vfs_shutdown();
	mutex_destroy(&fake.loglock);
	return rc;
}
