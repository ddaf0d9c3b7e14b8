/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ll_ops.c -- the fuse_lowlevel_ops table and the connection setup
 * (init): which FUSE capabilities the daemon asks for, and the transfer
 * sizes.  The operations live in ll_entry.c, ll_attr.c, ll_dir.c,
 * ll_file.c and ll_xattr.c.
 *
 * Exports: rf_ll_ops.
 */
#include <syslog.h>

#include "bridge.h"

#define LL_WANT(conn, cap) do {						\
	if ((conn)->capable & (cap))					\
		(conn)->want |= (cap);					\
} while (0)

/*
 * Capabilities:
 *  - replies spliced (reads straight from the image, ll_read), requests
 *    read into memory: split_fuse.h's loop needs the header there, and
 *    libfuse's splice of a request wants a pipe of max_write plus a
 *    page, more than pipe-max-size allows once the sandbox is closed;
 *    after that one failure libfuse stops growing the thread's pipe,
 *    and every read reply after it was copied (3.3 s against 0.2 s for
 *    1 GiB read cold, sandbox=basic);
 *  - readdirplus for every directory read (readdirplus=always, the
 *    default; Linux's READDIRPLUS_AUTO uses it only for the first
 *    read of a directory, and a program that lists a whole directory
 *    before it stats the entries -- find -exec stat, du, rm -r -- then
 *    costs one LOOKUP per entry), only adaptively (auto), or never;
 *  - asynchronous and parallel reads, parallel directory operations;
 *  - atomic O_TRUNC: vfs_pub_open() truncates;
 *  - cached symlinks (a symlink's target never changes);
 *  - kill-priv is handled by the kernel (vfs_pub_write/setattr); libfuse
 *    before 3.16 does not pass this (nor PARALLEL_DIROPS) on to Linux,
 *    which then clears set-id bits itself: see ll_setattr();
 *  - no OPENDIR (Linux 5.1 and later, b_no_opendir): a directory listed
 *    costs its READDIRPLUS requests only, not two more to open and
 *    release it, and Linux caches the listing until the directory
 *    changes;
 *  - no export support, no POSIX ACLs, writeback caching only on request.
 */
static void
ll_init(void *userdata, struct fuse_conn_info *conn)
{
	struct rf_bridge *b = userdata;
	struct rf_opts *o = b->b_opts;

	conn->want &= ~(unsigned)FUSE_CAP_SPLICE_READ;
	LL_WANT(conn, FUSE_CAP_SPLICE_WRITE);
	LL_WANT(conn, FUSE_CAP_SPLICE_MOVE);
	conn->want &= ~(unsigned)(FUSE_CAP_READDIRPLUS |
	    FUSE_CAP_READDIRPLUS_AUTO);
	if (o->readdirplus != RF_RDPLUS_NO)
		LL_WANT(conn, FUSE_CAP_READDIRPLUS);
	if (o->readdirplus == RF_RDPLUS_AUTO)
		LL_WANT(conn, FUSE_CAP_READDIRPLUS_AUTO);
	/*
	 * No OPENDIR: a cached listing is then served to whoever opens the
	 * directory, so only where Linux checks permissions itself
	 * (default_permissions) or one user alone has the mount.
	 */
	b->b_no_opendir = (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) &&
	    (!o->multiuser || rf_opts_kernel_perms(o));
	LL_WANT(conn, FUSE_CAP_ASYNC_READ);
	LL_WANT(conn, FUSE_CAP_ASYNC_DIO);
	LL_WANT(conn, FUSE_CAP_PARALLEL_DIROPS);
	LL_WANT(conn, FUSE_CAP_ATOMIC_O_TRUNC);
	LL_WANT(conn, FUSE_CAP_AUTO_INVAL_DATA);
	LL_WANT(conn, FUSE_CAP_CACHE_SYMLINKS);
	LL_WANT(conn, FUSE_CAP_HANDLE_KILLPRIV);
	conn->want &= ~(unsigned)(FUSE_CAP_EXPORT_SUPPORT |
	    FUSE_CAP_POSIX_ACL | FUSE_CAP_WRITEBACK_CACHE);
	if (o->writeback_cache) {
		if (conn->capable & FUSE_CAP_WRITEBACK_CACHE)
			conn->want |= FUSE_CAP_WRITEBACK_CACHE;
		else
			rf_log(LOG_WARNING, "writeback_cache: not supported "
			    "by this kernel; ignored");
	}

	/* libfuse has already capped max_write to its buffer size. */
	if (o->max_write < conn->max_write)
		conn->max_write = o->max_write;
	conn->max_readahead = o->max_readahead;
	/* libfuse wants max_read both as mount option and here. */
	if (o->max_read != 0)
		conn->max_read = o->max_read;
	conn->max_background = 64;
	conn->congestion_threshold = 48;
	conn->time_gran = 1;
	if (rf_debug)
		rf_log(LOG_DEBUG, "init: want 0x%x of 0x%x, max_write %u, "
		    "max_readahead %u", conn->want, conn->capable,
		    conn->max_write, conn->max_readahead);
}

const struct fuse_lowlevel_ops rf_ll_ops = {
	.init		= ll_init,
	.lookup		= ll_lookup,
	.forget		= ll_forget,
	.forget_multi	= ll_forget_multi,
	.getattr	= ll_getattr,
	.setattr	= ll_setattr,
	.readlink	= ll_readlink,
	.mknod		= ll_mknod,
	.mkdir		= ll_mkdir,
	.unlink		= ll_unlink,
	.rmdir		= ll_rmdir,
	.symlink	= ll_symlink,
	.rename		= ll_rename,
	.link		= ll_link,
	.open		= ll_open,
	.read		= ll_read,
	.write_buf	= ll_write_buf,
	.flush		= ll_flush,
	.release	= ll_release,
	.fsync		= ll_fsync,
	.opendir	= ll_opendir,
	.readdir	= ll_readdir,
	.readdirplus	= ll_readdirplus,
	.releasedir	= ll_releasedir,
	.fsyncdir	= ll_fsyncdir,
	.statfs		= ll_statfs,
	.setxattr	= ll_setxattr,
	.getxattr	= ll_getxattr,
	.listxattr	= ll_listxattr,
	.removexattr	= ll_removexattr,
	.access		= ll_access,
	.create		= ll_create,
	.fallocate	= ll_fallocate,
	.lseek		= ll_lseek,
};
