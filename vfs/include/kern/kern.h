/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern.h -- the basics every kernel and driver file includes: freestanding
 * headers, kernel integer types, assertions, logging, kmem, time and the
 * current thread and its credential.  Implemented in vfs/kern_*.c.
 */
#ifndef KERN_KERN_H
#define KERN_KERN_H

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vfs_types.h"
#include "kern/kconst.h"

typedef int64_t		daddr_t;	/* device block, DEV_BSIZE units */
typedef uint64_t	ino64_t;
#define DEV_BSIZE	512
#define DEV_BSHIFT	9

#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))
#define howmany(x, y)	(((x) + ((y) - 1)) / (y))
#define roundup(x, y)	(howmany(x, y) * (y))
#define rounddown(x, y)	(((x) / (y)) * (y))
#define powerof2(x)	((((x) - 1) & (x)) == 0)
#define __arraycount(a)	(sizeof(a) / sizeof((a)[0]))
#define __unused	__attribute__((unused))
#define __printflike(a, b) __attribute__((format(printf, a, b)))
#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

/* ---- assertions and panic ---- */

void	panic(const char *fmt, ...) __attribute__((noreturn)) __printflike(1, 2);
#define KASSERT(e)							\
	do {								\
		if (__builtin_expect(!(e), 0))				\
			panic("kernel assertion \"%s\" failed: %s:%d",	\
			    #e, __FILE__, __LINE__);			\
	} while (0)
#define KASSERTMSG(e, ...)						\
	do {								\
		if (__builtin_expect(!(e), 0))				\
			panic(__VA_ARGS__);				\
	} while (0)
#define CTASSERT(e)	_Static_assert(e, #e)

/* ---- logging (levels as in rumpuser.h) ---- */

#define KLOG_ERR	0
#define KLOG_WARN	1
#define KLOG_INFO	2
#define KLOG_DEBUG	3
#define KLOG_TRACE	4
void	klog(int level, const char *fmt, ...) __printflike(2, 3);
bool	klog_enabled(int level);
/* snprintf for the kernel (no stdio): returns the length it wanted. */
int	ksnprintf(char *buf, size_t len, const char *fmt, ...) __printflike(3, 4);
int	kvsnprintf(char *buf, size_t len, const char *fmt, va_list ap);
/*
 * Report corrupt on-disk data: one log line "FSTYPE (SOURCE): WHAT" and
 * the value to return, EUCLEAN.  Use as
 * `return vfs_corrupt(mp, "inode %llu: bad extent header", ino);`.
 */
struct mount;
/* A short description of errno value ERROR, as strerror(3) (no stdio). */
const char *kstrerror(int error);
int	vfs_corrupt(struct mount *mp, const char *fmt, ...) __printflike(2, 3);

/* ---- kmem: NULL on failure (callers return ENOMEM) ---- */

void	*kmem_alloc(size_t len);
void	*kmem_zalloc(size_t len);
void	kmem_free(void *p, size_t len);
char	*kmem_strndup(const char *s, size_t len);	/* NUL-terminated */
void	kmem_strfree(char *s);

/* ---- time ---- */

/* Wall-clock time, for timestamps. */
void	vfs_timestamp(struct vfs_timespec *ts);
/* Monotonic nanoseconds. */
uint64_t getmonotime_ns(void);
/* Sleep; may block. */
void	kpause_ms(unsigned ms);

/* ---- random ---- */
uint32_t karc4random(void);

/* ---- current thread and credentials ---- */

#define KAUTH_NGROUPS	32
struct kauth_cred {
	uint32_t	cr_uid;
	uint32_t	cr_gid;
	uint32_t	cr_ngroups;
	uint32_t	cr_groups[KAUTH_NGROUPS];
};
typedef const struct kauth_cred *kauth_cred_t;

struct lwp {
	struct kauth_cred l_cred;	/* owned by this thread only */
	void		*l_private;	/* for kernel subsystems */
};
/* The calling thread's record, created (as root) on first use. */
struct lwp *curlwp(void);
/* The calling thread's credential. */
kauth_cred_t kauth_cred_get(void);
bool	kauth_cred_isroot(kauth_cred_t cred);
/* Is GID the credential's group or one of its supplementary groups? */
bool	kauth_cred_groupmember(kauth_cred_t cred, uint32_t gid);

#endif /* KERN_KERN_H */
