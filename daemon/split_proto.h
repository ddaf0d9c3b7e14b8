/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_proto.h -- -o sandbox=split: the kernel and the filesystem
 * driver run in a sandboxed child process; the FUSE front end (the
 * parent) forwards every vnode operation to it over socket pairs.
 *
 * Design
 *
 *  Processes.  The parent is the FUSE server: it mounts, serves
 *  /dev/fuse with libfuse's multi-threaded loop and unmounts.  It holds
 *  no kernel (vfs_init is never called in it) and is not sandboxed, so it
 *  can always unmount (umount2 as root, fusermount3 otherwise), also
 *  after the child died.  The child (split_server.c) is forked before
 *  /dev/fuse is opened; it starts the kernel, mounts SOURCE, then enters
 *  the sandbox (rf_sandbox_enter with kernel_side: descriptors closed but
 *  the channels and the kernel's own, rlimits with the memory cap
 *  RLIMIT_AS = memlimit, no_new_privs, root dropped, Landlock, seccomp)
 *  and only then starts its worker threads and reads requests.
 *
 *  Wire format.  Both ends are the same executable (fork without exec),
 *  so structures travel in host layout; there is no versioning.  Each
 *  message is a struct rf_sp_hdr followed by h_len payload bytes on a
 *  channel, a SOCK_STREAM socket pair (messages exceed what
 *  SOCK_SEQPACKET takes in one piece).  A request's payload is a struct
 *  rf_sp_req (credential, handles, integer arguments), then req_namelen
 *  bytes of NAME, then req_name2len bytes of NAME2 (both NUL-terminated
 *  when present), then req_datalen bytes of data (write, setxattr,
 *  setattr's vattr).  A reply's payload is a struct rf_sp_rep then
 *  rep_datalen bytes.  No message is larger than RF_SP_MAXMSG (1 MiB of
 *  data plus headers); a larger one is a protocol error.
 *
 *  Concurrency.  There is one channel per concurrent caller
 *  (max_threads + 2, at most 128; 1 with -s) and one for one-way
 *  messages (the post channel), all made before the fork, and in the
 *  child one worker thread per channel.  A caller in the parent takes a
 *  free channel (waiting if none is), sends its request, reads the reply
 *  on the same channel itself and gives the channel back; the channel's
 *  worker reads the request, runs it in the kernel (which does its own
 *  locking) and sends the reply on it.  So a round trip wakes two
 *  threads, and no lock is held around a send or a read: each end of a
 *  channel has one user at a time.  One-way messages (VREF, VRELE) are
 *  sent on the post channel under a send lock, without waiting; its
 *  worker handles them in the order they were sent, so a handle's
 *  count never drops to zero early.  The mount report comes on the
 *  first channel.  Every request carries an id (h_id) and the reply
 *  echoes it, with h_op; a mismatch is a protocol error.
 *
 *  Handles.  A `struct vnode *` given to the parent is the child's
 *  pointer as a 64-bit cookie; the parent never dereferences it.  The
 *  child counts, per vnode, the references the parent holds, and only
 *  accepts cookies it gave out and that are still referenced (anything
 *  else: EBADF); while a request uses a handle the child holds a
 *  reference of its own, so even a wrong vrele from the parent cannot
 *  free a vnode under a running request.
 *
 *  Credentials.  vfs_pub_setcred in the parent only records the calling
 *  thread's credential (thread-local); every request carries it and the
 *  child's worker installs it before the call.
 *
 *  Reads.  The parent keeps its own read-only descriptor of SOURCE.
 *  BMAP is answered by the child with the device offset and run; the
 *  parent substitutes its own descriptor for the child's and splices
 *  from it exactly as in one process.  Other reads, and all writes, copy
 *  the data through the channel.
 *
 *  Round trips.  One FUSE request should cost one round trip: the calls
 *  that make or find a vnode answer with its attributes too, create
 *  opens in the same call, readdirplus looks up all its names in one
 *  LOOKUPV, and vref/vrele are one-way (see the rf_kops contract in
 *  split_kops.h).
 *
 *  Failure.  A request not answered within split_timeout seconds
 *  (default 30; the mount and the final unmount get ten times that), EOF
 *  on any channel (the child crashed or exited), a failed send or a
 *  malformed reply mark the child dead: it is killed (SIGKILL), every
 *  channel is shut down, every request waiting and every later one fails
 *  with EIO, and the front end keeps serving FUSE (with EIO) until it is
 *  unmounted, which works as usual (FUSE threads stuck in a call to a
 *  hung child return within the limit).  The child is not restarted (a
 *  read-only restart is possible but not built): changes it had not
 *  written back are lost, and rumpfuse exits with status 1.  If the
 *  parent dies, the child dies too, writing nothing more, as the
 *  one-process daemon would: PR_SET_PDEATHSIG where the seccomp filter
 *  allows it, else EOF on its channels; an orphan writing to SOURCE
 *  after rumpfuse is gone would race with what the user does next (fsck,
 *  another mount).  The child ignores SIGINT, SIGTERM, SIGHUP and
 *  SIGQUIT and has its own process group: stopping is the front end's
 *  decision (a ^C or a service manager's SIGTERM to the whole group must
 *  not lose unwritten data).
 *
 *  Test-only fault hooks (always compiled in; for the test suite, not
 *  for users): RUMPFUSE_TEST_SPLIT_CRASH=N makes the child abort() when
 *  it starts serving its Nth request (counting from 1 after the mount;
 *  only requests a caller waits for, not one-way messages),
 *  RUMPFUSE_TEST_SPLIT_HANG=N makes it sleep forever instead.
 *
 * Exports (split_proto.c): rf_sp_send, rf_sp_readn.
 */
#ifndef RF_SPLIT_PROTO_H
#define RF_SPLIT_PROTO_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vfs_pub.h"

/* Largest data part of a message: FUSE's largest write (max_write). */
#define RF_SP_MAXDATA	(1024U * 1024)
/* Largest message payload: data plus the fixed part and two names. */
#define RF_SP_MAXMSG	(RF_SP_MAXDATA + 16384U)
/* Groups carried with a credential (as struct rf_cred). */
#define RF_SP_NGROUPS	64
/* Readdir: entry bytes (struct rf_sp_dent plus name) per reply. */
#define RF_SP_DIRBUDGET	(32U * 1024)

enum rf_sp_op {
	RF_SP_HELLO = 1,	/* child -> parent, once: the mount result */
	RF_SP_VREF,
	RF_SP_VRELE,
	RF_SP_LOOKUP,
	RF_SP_GETATTR,
	RF_SP_SETATTR,
	RF_SP_ACCESS,
	RF_SP_CREATE,
	RF_SP_MKNOD,
	RF_SP_MKDIR,
	RF_SP_SYMLINK,
	RF_SP_LINK,
	RF_SP_UNLINK,
	RF_SP_RMDIR,
	RF_SP_RENAME,
	RF_SP_OPEN,
	RF_SP_CLOSE,
	RF_SP_READ,
	RF_SP_WRITE,
	RF_SP_FSYNC,
	RF_SP_FALLOCATE,
	RF_SP_SEEK,
	RF_SP_READDIR,
	RF_SP_READLINK,
	RF_SP_STATVFS,
	RF_SP_GETXATTR,
	RF_SP_SETXATTR,
	RF_SP_LISTXATTR,
	RF_SP_REMOVEXATTR,
	RF_SP_BMAP,
	RF_SP_UNMOUNT,		/* release the root, unmount, exit */
	RF_SP_LOOKUPV,		/* many names in one directory */
	RF_SP_NOPS
};

/*
 * One-way operations: the child answers nothing, so the sender does not
 * wait.  Reference counting, and close (which ends an open and drops
 * the reference it took; no driver's close does more): none can fail
 * but for a bad handle (the child logs that).  All go on the post
 * channel, in order.
 */
#define RF_SP_ONEWAY(op)	((op) == RF_SP_VREF || (op) == RF_SP_VRELE || \
				 (op) == RF_SP_CLOSE)

struct rf_sp_hdr {
	uint32_t	h_len;		/* payload bytes after this */
	uint32_t	h_op;		/* enum rf_sp_op */
	uint64_t	h_id;		/* request tag, echoed */
};

struct rf_sp_req {
	uint32_t	req_uid;	/* the caller's credential */
	uint32_t	req_gid;
	uint32_t	req_ngroups;	/* <= RF_SP_NGROUPS */
	uint32_t	req_namelen;	/* bytes of NAME, NUL included */
	uint32_t	req_groups[RF_SP_NGROUPS];
	uint64_t	req_vp;		/* handle (vnode cookie) */
	uint64_t	req_vp2;	/* second handle (link, rename) */
	uint64_t	req_a[4];	/* integer arguments, per op */
	uint32_t	req_name2len;	/* bytes of NAME2, NUL included */
	uint32_t	req_datalen;	/* data bytes after the names */
	uint32_t	req_flags;	/* RF_SP_RQ_* */
	uint32_t	req_pad;
};

/*
 * Bulk data through shared memory.  Each call channel but the last of
 * many (RF_SP_SHMCHANS) has a window of RF_SP_MAXDATA bytes mapped
 * shared in both processes before the fork.  A request's data of
 * RF_SP_SHMMIN bytes or more is put there instead of in the message
 * (RF_SP_RQ_SHMDATA: req_datalen bytes at the window's start, none
 * after the names); a caller that can take RF_SP_SHMMIN bytes or more
 * of reply data allows the child to answer the same way
 * (RF_SP_RQ_SHMREPLY; the reply then says RF_SP_RP_SHMDATA, its
 * rep_datalen bytes are in the window and not in the message).  One
 * copy instead of two through the socket, and a 1 MiB write is one
 * message instead of several socket-buffer fulls.  The front end only
 * ever copies reply data out of the window (never parses it there):
 * the child is not trusted.
 */
#define RF_SP_SHMMIN		(16U * 1024)
#define RF_SP_SHMCHANS		32
#define RF_SP_RQ_SHMDATA	0x1
#define RF_SP_RQ_SHMREPLY	0x2
#define RF_SP_RP_SHMDATA	0x1

struct rf_sp_rep {
	int32_t		rep_error;	/* 0 or a positive errno */
	uint32_t	rep_datalen;	/* data bytes after this struct */
	uint64_t	rep_vp;		/* new handle (lookup...) */
	uint64_t	rep_r[3];	/* integer results, per op */
	uint32_t	rep_flags;	/* RF_SP_RP_* */
	uint32_t	rep_pad;
};

/*
 * A readdir reply's data: entries, each a struct rf_sp_dent followed by
 * d_namelen name bytes (no NUL), padded to 8 bytes.  rep_r[0] is the
 * cookie after the last entry, rep_r[1] is 1 at the end of the
 * directory (the enumeration stopped by itself, not for lack of room).
 */
struct rf_sp_dent {
	uint64_t	d_ino;
	uint64_t	d_next;		/* cookie after this entry */
	uint32_t	d_type;		/* enum vtype */
	uint32_t	d_namelen;
};

/*
 * Attributes with the answer: LOOKUP, CREATE, MKNOD, MKDIR, SYMLINK,
 * LINK and OPEN with req_a[3] = 1 answer with the struct vattr of the
 * vnode found, made, linked or opened as the reply's data (the
 * rf_kops slots' VA).  CREATE with req_a[1] = OFLAGS + 1 also opens the
 * new file (0: it does not).
 *
 * SETATTR: the request's data is the struct vattr of the change; the
 * answer's data is that vattr as the kernel left it, followed, with
 * req_a[3] = 1 and success, by the vnode's attributes after the change.
 *
 * LOOKUPV: req_a[0] names (1 to RF_SP_MAXLKV) in the directory req_vp,
 * as the request's data, each NUL-terminated, one after the other;
 * req_a[3] as above.  The answer's data is one struct rf_sp_lkv per
 * name, in order.
 */
#define RF_SP_MAXLKV	256
struct rf_sp_lkv {
	int32_t		l_error;	/* 0 or a positive errno */
	uint32_t	l_pad;
	uint64_t	l_vp;		/* new handle if l_error is 0 */
	struct vattr	l_va;		/* if asked for and l_error is 0 */
};

/*
 * The child's first message (op RF_SP_HELLO, id 0): rep_error is the
 * mount's error, rep_vp the root handle, rep_r[0] the mount cookie,
 * rep_r[1] the mount's RF_SP_MNT_* bits, rep_r[2] the child's pid as it
 * sees itself; the data is the error message (no NUL) on failure.
 */
#define RF_SP_MNT_RDONLY	0x1	/* vfs_mount_rdonly */
#define RF_SP_MNT_NOCASE	0x2	/* vfs_mount_nocase */
#define RF_SP_MNT_LOCKED	0x4	/* vfs_mount_locked */

/*
 * Send one message: header (op, id, payload length = sum of IOV) then
 * IOV, whole, under LOCK (NULL: the caller is FD's only sender).
 * MSG_NOSIGNAL; interrupted sends resume.
 * => 0, or an errno (EPIPE, EAGAIN after SO_SNDTIMEO, ...).
 */
int	rf_sp_send(int fd, pthread_mutex_t *lock, uint32_t op, uint64_t id,
	    struct iovec *iov, int iovcnt);
/* Read exactly LEN bytes.  => 0, EPIPE at EOF, or an errno. */
int	rf_sp_readn(int fd, void *buf, size_t len);

#endif /* RF_SPLIT_PROTO_H */
