/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split.h -- what main.c uses of -o sandbox=split (design and protocol:
 * split_proto.h).  split_client.c runs in the FUSE front end and holds
 * the one child of this process; split_server.c is the child's side.
 *
 * Exports: rf_split_start, rf_split_unmount, rf_split_dead,
 * rf_split_child_main (internal to the two).
 */
#ifndef RF_SPLIT_H
#define RF_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vfs_pub.h"

struct rf_split_conf {
	const char	*fstype;	/* as for vfs_mount() */
	const char	*source;
	const char	*kopts;
	uint64_t	 bufcache_bytes; /* struct vfs_config */
	uint32_t	 lrumax;
	uint32_t	 mount_uid;	/* vfs_mount()'s credential */
	uint32_t	 mount_gid;
	unsigned	 nworkers;	/* concurrent calls (channels) */
	double		 timeout;	/* seconds a request may take */
	bool		 detach;	/* child: stdio to /dev/null */
	/*
	 * Enter the sandbox in the child, after the mount, keeping the
	 * NKEEP descriptors in KEEP open (the channels and the kernel's).
	 * => 0, or an errno with a message in ERR.
	 */
	int		(*enter)(void *arg, const int *keep, unsigned nkeep,
			    char *err, size_t errlen);
	void		*enter_arg;
};

/* What the child reports once its kernel is mounted. */
struct rf_split_info {
	struct vnode	*root;		/* cookie; one reference */
	struct mount	*mp;		/* cookie */
	bool		 rdonly;	/* vfs_mount_rdonly */
	bool		 nocase;	/* vfs_mount_nocase */
	bool		 locked;	/* vfs_mount_locked */
	pid_t		 pid;		/* the child */
};

/*
 * Fork the child, which starts its kernel, mounts, enters the sandbox
 * and serves requests; wait for its report.  On success rf_k may be set
 * to &rf_kops_split.
 * => 0 and INFO filled, or an errno with a message in ERR (the child
 *    is gone then).
 */
int	rf_split_start(const struct rf_split_conf *c,
	    struct rf_split_info *info, char *err, size_t errlen);
/*
 * Ask the child to give up its handles, unmount (syncing) and exit;
 * reap it.  Call once, after every handle was released.
 * => 0 if everything was written back, EIO if the child died or failed.
 */
int	rf_split_unmount(void);
/* Has the child died (every request now fails with EIO)? */
bool	rf_split_dead(void);

/*
 * split_server.c: the child's life, after fork; SOCKS are its ends of
 * the NSOCK channels (socket pairs; the first carries the mount
 * report), SHMS their shared data windows (NULL: none; split_proto.h),
 * PPID the front end's pid.  Never returns.
 */
void	rf_split_child_main(const struct rf_split_conf *c, const int *socks,
	    void *const *shms, unsigned nsock, pid_t ppid)
	    __attribute__((noreturn));

#endif /* RF_SPLIT_H */
