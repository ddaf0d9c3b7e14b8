/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_subr.c -- the kernel's basic services on top of the hypercalls:
 * panic, logging and kernel snprintf, corrupt-data reports, kmem, time,
 * random numbers, the current-thread record (curlwp) with its
 * credential, and the vnode-type <-> mode tables of kconst.h.
 *
 * Exports (kern.h): panic, klog, klog_enabled, ksnprintf, kvsnprintf,
 * vfs_corrupt, kmem_alloc, kmem_zalloc, kmem_free, kmem_strndup,
 * kmem_strfree, vfs_timestamp, getmonotime_ns, kpause_ms, karc4random,
 * curlwp, kauth_cred_get, kauth_cred_isroot, kauth_cred_groupmember;
 * (vfs_pub.h) vfs_pub_setcred, vfs_pub_setcred_root; (kconst.h)
 * vttoif_tab, iftovt_tab.
 *
 * Locks live in kern_lock.c, uio in kern_uio.c.  Nothing here may use a
 * kmutex: the lock code calls curlwp(), so the few shared structures in
 * this file (the lwp pool, the random pool) use tiny spin locks.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern/kern.h"
#include "kern/mount.h"
#include "vfs_pub.h"
#include "rumpuser.h"

/* ---- spin locks for this file only (never held across a call out) ---- */

static void
spin_enter(bool *lk)
{

	while (__atomic_test_and_set(lk, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(lk, __ATOMIC_RELAXED))
			;
}

static void
spin_exit(bool *lk)
{

	__atomic_clear(lk, __ATOMIC_RELEASE);
}

/* ---- panic and logging ---- */

void
panic(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	(void)hyp_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	hyp_panic("panic: %s", buf);
}

void
klog(int level, const char *fmt, ...)
{
	va_list ap;

	if (!klog_enabled(level))
		return;
	va_start(ap, fmt);
	hyp_vlog(level, fmt, ap);
	va_end(ap);
}

bool
klog_enabled(int level)
{

	return level <= hyp_loglevel();
}

int
kvsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{

	return hyp_vsnprintf(buf, len, fmt, ap);
}

int
ksnprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hyp_vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * Report corrupt on-disk data of MP (NULL if not known yet) in one line
 * "FSTYPE (SOURCE): message" at KLOG_ERR.
 * => Returns EUCLEAN, for `return vfs_corrupt(mp, "...", ...);`.
 */
int
vfs_corrupt(struct mount *mp, const char *fmt, ...)
{
	char msg[384];
	const char *fstype = "?", *source = "?";
	va_list ap;

	va_start(ap, fmt);
	(void)hyp_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (mp != NULL) {
		if (mp->mnt_op != NULL && mp->mnt_op->vfs_name != NULL)
			fstype = mp->mnt_op->vfs_name;
		if (mp->mnt_source != NULL)
			source = mp->mnt_source;
	}
	klog(KLOG_ERR, "%s (%s): %s", fstype, source, msg);
	return EUCLEAN;
}

/* ---- kmem ---- */

/*
 * Allocate LEN bytes (0 is allowed and must still be freed).
 * => NULL when out of memory (or an injected failure).
 */
void *
kmem_alloc(size_t len)
{
	void *p;

	if (hyp_malloc(len, 0, &p) != 0)
		return NULL;
	return p;
}

void *
kmem_zalloc(size_t len)
{
	void *p;

	if ((p = kmem_alloc(len)) != NULL)
		memset(p, 0, len);
	return p;
}

void
kmem_free(void *p, size_t len)
{

	hyp_free(p, len);
}

/*
 * A NUL-terminated copy of at most LEN bytes of S (stopping at a NUL).
 * => Free with kmem_strfree().  NULL when out of memory.
 */
char *
kmem_strndup(const char *s, size_t len)
{
	size_t n;
	char *p;

	n = strnlen(s, len);
	if ((p = kmem_alloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
kmem_strfree(char *s)
{

	if (s != NULL)
		kmem_free(s, strlen(s) + 1);
}

/* ---- time ---- */

void
vfs_timestamp(struct vfs_timespec *ts)
{
	int64_t sec;
	long nsec;

	if (hyp_clock_gettime(HYP_CLOCK_REALTIME, &sec, &nsec) != 0) {
		sec = 0;
		nsec = 0;
	}
	ts->tv_sec = sec;
	ts->tv_nsec = nsec;
}

uint64_t
getmonotime_ns(void)
{
	int64_t sec;
	long nsec;

	if (hyp_clock_gettime(HYP_CLOCK_MONOTONIC, &sec, &nsec) != 0)
		return 0;
	return (uint64_t)sec * 1000000000ULL + (uint64_t)nsec;
}

void
kpause_ms(unsigned ms)
{

	(void)hyp_clock_sleep(ms / 1000, (long)(ms % 1000) * 1000000L);
}

/* ---- random: a pool refilled from hyp_getrandom() ---- */

#define RND_POOLWORDS	64

static bool	 rnd_lock;			/* spin lock for the pool */
static uint32_t	 rnd_pool[RND_POOLWORDS];	/* protected by rnd_lock */
static unsigned	 rnd_avail;			/* protected by rnd_lock */
static uint64_t	 rnd_fallback = 0x9e3779b97f4a7c15ULL; /* rnd_lock */

uint32_t
karc4random(void)
{
	uint32_t v;

	spin_enter(&rnd_lock);
	if (rnd_avail == 0) {
		if (hyp_getrandom(rnd_pool, sizeof(rnd_pool)) == 0) {
			rnd_avail = RND_POOLWORDS;
		} else {
			/* No entropy source: an xorshift, never a hang. */
			rnd_fallback ^= rnd_fallback << 13;
			rnd_fallback ^= rnd_fallback >> 7;
			rnd_fallback ^= rnd_fallback << 17;
			v = (uint32_t)(rnd_fallback >> 32);
			spin_exit(&rnd_lock);
			return v;
		}
	}
	v = rnd_pool[--rnd_avail];
	rnd_pool[rnd_avail] = 0;
	spin_exit(&rnd_lock);
	return v;
}

/* ---- the current thread: lwp records ---- */

/*
 * Every thread that enters the kernel gets a struct lwp on first use,
 * with the root credential.  curlwp() must not fail, and must not
 * disturb fault injection (a test failing "the Nth allocation" expects
 * the same N whichever thread runs first), so records come from a
 * static pool first and from hyp_malloc() only when the pool is empty,
 * retrying injected failures; only a host that is truly out of memory
 * panics.  A thread's record goes back to the pool (or is freed) by the
 * hypercall thread-exit destructor.
 */
#define LWP_POOLSIZE	256

static struct lwp lwp_pool[LWP_POOLSIZE];
static bool	lwp_pool_used[LWP_POOLSIZE];	/* protected by lwp_lock */
static bool	lwp_lock;

static void
lwp_setroot(struct lwp *l)
{

	memset(&l->l_cred, 0, sizeof(l->l_cred));
	l->l_private = NULL;
}

static void
lwp_dtor(void *v)
{
	struct lwp *l = v;
	size_t i;

	if (l >= &lwp_pool[0] && l < &lwp_pool[LWP_POOLSIZE]) {
		i = (size_t)(l - &lwp_pool[0]);
		spin_enter(&lwp_lock);
		lwp_pool_used[i] = false;
		spin_exit(&lwp_lock);
		return;
	}
	hyp_free(l, sizeof(*l));
}

static struct lwp *
lwp_alloc(void)
{
	void *p;
	size_t i;
	int tries;

	spin_enter(&lwp_lock);
	for (i = 0; i < LWP_POOLSIZE; i++) {
		if (!lwp_pool_used[i]) {
			lwp_pool_used[i] = true;
			spin_exit(&lwp_lock);
			return &lwp_pool[i];
		}
	}
	spin_exit(&lwp_lock);
	for (tries = 0; tries < 1000; tries++)
		if (hyp_malloc(sizeof(struct lwp), 0, &p) == 0)
			return p;
	hyp_panic("curlwp: cannot allocate a thread record");
}

/*
 * The calling thread's record, created with the root credential on
 * first use.  Never fails.
 */
struct lwp *
curlwp(void)
{
	struct lwp *l;

	if ((l = hyp_curlwp_get()) != NULL)
		return l;
	l = lwp_alloc();
	lwp_setroot(l);
	hyp_curlwp_set(l, lwp_dtor);
	return l;
}

/* ---- credentials ---- */

kauth_cred_t
kauth_cred_get(void)
{

	return &curlwp()->l_cred;
}

bool
kauth_cred_isroot(kauth_cred_t cred)
{

	return cred->cr_uid == 0;
}

bool
kauth_cred_groupmember(kauth_cred_t cred, uint32_t gid)
{
	uint32_t i;

	if (cred->cr_gid == gid)
		return true;
	for (i = 0; i < cred->cr_ngroups && i < KAUTH_NGROUPS; i++)
		if (cred->cr_groups[i] == gid)
			return true;
	return false;
}

/*
 * Set the calling thread's credential.  Supplementary groups beyond
 * KAUTH_NGROUPS are dropped.
 */
void
vfs_pub_setcred(uint32_t uid, uint32_t gid, uint32_t ngroups,
    const uint32_t *groups)
{
	struct kauth_cred *cr = &curlwp()->l_cred;
	uint32_t i;

	if (groups == NULL)
		ngroups = 0;
	if (ngroups > KAUTH_NGROUPS)
		ngroups = KAUTH_NGROUPS;
	cr->cr_uid = uid;
	cr->cr_gid = gid;
	cr->cr_ngroups = ngroups;
	for (i = 0; i < ngroups; i++)
		cr->cr_groups[i] = groups[i];
	for (; i < KAUTH_NGROUPS; i++)
		cr->cr_groups[i] = 0;
}

void
vfs_pub_setcred_root(void)
{

	vfs_pub_setcred(0, 0, 0, NULL);
}

/* ---- vnode type <-> S_IFMT ---- */

const uint32_t vttoif_tab[] = {
	[VNON] = 0,
	[VREG] = S_IFREG,
	[VDIR] = S_IFDIR,
	[VBLK] = S_IFBLK,
	[VCHR] = S_IFCHR,
	[VLNK] = S_IFLNK,
	[VSOCK] = S_IFSOCK,
	[VFIFO] = S_IFIFO,
	[VBAD] = S_IFMT,
};

const int iftovt_tab[16] = {
	[0] = VNON,
	[S_IFIFO >> 12] = VFIFO,
	[S_IFCHR >> 12] = VCHR,
	[3] = VNON,
	[S_IFDIR >> 12] = VDIR,
	[5] = VNON,
	[S_IFBLK >> 12] = VBLK,
	[7] = VNON,
	[S_IFREG >> 12] = VREG,
	[9] = VNON,
	[S_IFLNK >> 12] = VLNK,
	[11] = VNON,
	[S_IFSOCK >> 12] = VSOCK,
	[13] = VNON,
	[14] = VNON,
	[15] = VBAD,
};

/* ---- error names ---- */

static const struct {
	int		 e;
	const char	*s;
} kerrtab[] = {
	{ EPERM, "Operation not permitted" },
	{ ENOENT, "No such file or directory" },
	{ EIO, "Input/output error" },
	{ ENXIO, "No such device or address" },
	{ E2BIG, "Argument list too long" },
	{ EBADF, "Bad file descriptor" },
	{ EAGAIN, "Resource temporarily unavailable" },
	{ ENOMEM, "Cannot allocate memory" },
	{ EACCES, "Permission denied" },
	{ EBUSY, "Device or resource busy" },
	{ EEXIST, "File exists" },
	{ EXDEV, "Invalid cross-device link" },
	{ ENODEV, "No such device" },
	{ ENOTDIR, "Not a directory" },
	{ EISDIR, "Is a directory" },
	{ EINVAL, "Invalid argument" },
	{ EMFILE, "Too many open files" },
	{ EFBIG, "File too large" },
	{ ENOSPC, "No space left on device" },
	{ EROFS, "Read-only file system" },
	{ EMLINK, "Too many links" },
	{ ERANGE, "Numerical result out of range" },
	{ ENAMETOOLONG, "File name too long" },
	{ ENOSYS, "Function not implemented" },
	{ ENOTEMPTY, "Directory not empty" },
	{ ELOOP, "Too many levels of symbolic links" },
	{ ENODATA, "No data available" },
	{ EOPNOTSUPP, "Operation not supported" },
	{ ETIMEDOUT, "Connection timed out" },
	{ ESTALE, "Stale file handle" },
	{ EUCLEAN, "Structure needs cleaning (corrupt filesystem)" },
};

const char *
kstrerror(int error)
{
	size_t i;

	for (i = 0; i < __arraycount(kerrtab); i++)
		if (kerrtab[i].e == error)
			return kerrtab[i].s;
	return "Unknown error";
}
