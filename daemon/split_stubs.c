/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_stubs.c -- rf_kops_split, the kernel-call table of the FUSE
 * front end in -o sandbox=split (design: split_proto.h): each stub packs
 * its arguments into a request, has split_client.c carry it to the
 * sandboxed child, and unpacks the answer.  Handles are the child's
 * vnode pointers as opaque cookies (H()).
 *
 * Exports: rf_kops_split, rf_sc_cred.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "split_priv.h"

__thread struct rf_sc_cred rf_sc_cred;

#define H(vp)	((uint64_t)(uintptr_t)(vp))
#define SC_ARGS(o)	(struct rf_sc_args){ .op = (o) }

/* ---- the stubs ---- */

static void
sc_setcred(uint32_t uid, uint32_t gid, uint32_t ngroups,
    const uint32_t *groups)
{

	if (ngroups > RF_SP_NGROUPS)
		ngroups = RF_SP_NGROUPS;
	rf_sc_cred.uid = uid;
	rf_sc_cred.gid = gid;
	rf_sc_cred.ngroups = groups != NULL ? ngroups : 0;
	if (rf_sc_cred.ngroups > 0)
		memcpy(rf_sc_cred.groups, groups, ngroups * sizeof(uint32_t));
}

static void
sc_setcred_root(void)
{

	sc_setcred(0, 0, 0, NULL);
}

static void
sc_vref(struct vnode *vp)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_VREF);

	a.vp = H(vp);
	rf_sc_post(&a);
}

static void
sc_vrele(struct vnode *vp)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_VRELE);

	a.vp = H(vp);
	rf_sc_post(&a);
}

/*
 * Send A, asking for the attributes into VA too when VA is not NULL.
 * => the call's error with *REP filled; *BADVA set when the call
 *    succeeded but the attributes asked for did not come (the caller
 *    undoes what the call did and fails with EIO).
 */
static int
sc_call_attr(struct rf_sc_args *a, struct vattr *va, struct rf_sp_rep *rep,
    bool *badva)
{
	int error;

	if (va != NULL) {
		a->a[3] = 1;
		a->rbuf = va;
		a->rbufsz = sizeof(*va);
	}
	error = rf_sc_call(a, rep);
	*badva = error == 0 && va != NULL && rep->rep_datalen != sizeof(*va);
	return error;
}

/*
 * A call that answers with a new handle in *VPP and, if VA is not NULL,
 * its attributes.
 */
static int
sc_call_vp(struct rf_sc_args *a, struct vnode **vpp, struct vattr *va)
{
	struct rf_sp_rep rep;
	bool badva;
	int error;

	if ((error = sc_call_attr(a, va, &rep, &badva)) != 0)
		return error;
	if (rep.rep_vp == 0)
		return EIO;
	*vpp = (struct vnode *)(uintptr_t)rep.rep_vp;
	if (badva) {
		sc_vrele(*vpp);
		*vpp = NULL;
		return EIO;
	}
	return 0;
}

static int
sc_lookup(struct vnode *dvp, const char *name, struct vnode **vpp,
    struct vattr *va)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_LOOKUP);

	a.vp = H(dvp);
	a.name = name;
	return sc_call_vp(&a, vpp, va);
}

/* Up to RF_SP_MAXLKV names per request. */
static int
sc_lookupv_some(struct vnode *dvp, size_t n, const char *const *names,
    struct vnode **vps, struct vattr *vas, int *errors)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_LOOKUPV);
	struct rf_sp_rep rep;
	struct rf_sp_lkv *res;
	char *packed, *p;
	size_t i, len, total = 0;
	int error;

	for (i = 0; i < n; i++)
		total += strlen(names[i]) + 1;
	if (total > RF_SP_MAXDATA)
		return ENAMETOOLONG;
	packed = malloc(total);
	res = calloc(n, sizeof(*res));
	if (packed == NULL || res == NULL) {
		error = ENOMEM;
		goto out;
	}
	for (p = packed, i = 0; i < n; i++) {
		len = strlen(names[i]) + 1;
		memcpy(p, names[i], len);
		p += len;
	}
	a.vp = H(dvp);
	a.a[0] = n;
	a.a[3] = vas != NULL;
	a.data = packed;
	a.datalen = total;
	a.rbuf = res;
	a.rbufsz = n * sizeof(*res);
	if ((error = rf_sc_call(&a, &rep)) != 0)
		goto out;
	if (rep.rep_datalen != n * sizeof(*res)) {
		/* Give back what the child handed out, and fail. */
		for (i = 0; i < rep.rep_datalen / sizeof(*res); i++)
			if (res[i].l_error == 0 && res[i].l_vp != 0)
				sc_vrele((struct vnode *)(uintptr_t)
				    res[i].l_vp);
		error = EIO;
		goto out;
	}
	for (i = 0; i < n; i++) {
		errors[i] = res[i].l_error;
		vps[i] = NULL;
		if (errors[i] == 0 && res[i].l_vp == 0)
			errors[i] = EIO;
		if (errors[i] != 0)
			continue;
		vps[i] = (struct vnode *)(uintptr_t)res[i].l_vp;
		if (vas != NULL)
			vas[i] = res[i].l_va;
	}
out:
	free(packed);
	free(res);
	return error;
}

static int
sc_lookupv(struct vnode *dvp, size_t n, const char *const *names,
    struct vnode **vps, struct vattr *vas, int *errors)
{
	size_t i, k;
	int error;

	for (i = 0; i < n; i += k) {
		k = n - i < RF_SP_MAXLKV ? n - i : RF_SP_MAXLKV;
		error = sc_lookupv_some(dvp, k, names + i, vps + i,
		    vas != NULL ? vas + i : NULL, errors + i);
		if (error != 0) {
			/* All or nothing: give back the earlier batches. */
			while (i-- > 0)
				if (errors[i] == 0)
					sc_vrele(vps[i]);
			return error;
		}
	}
	return 0;
}

static int
sc_getattr(struct vnode *vp, struct vattr *va)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_GETATTR);
	struct rf_sp_rep rep;
	int error;

	a.vp = H(vp);
	a.rbuf = va;
	a.rbufsz = sizeof(*va);
	if ((error = rf_sc_call(&a, &rep)) != 0)
		return error;
	return rep.rep_datalen == sizeof(*va) ? 0 : EIO;
}

/*
 * The reply: the change as the kernel left it, then, when asked for
 * (a[3]) and the change succeeded, the attributes after it.
 */
static int
sc_setattr(struct vnode *vp, struct vattr *va, struct vattr *attrs)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_SETATTR);
	struct rf_sp_rep rep;
	struct vattr out[2];
	int error;

	a.vp = H(vp);
	a.data = va;
	a.datalen = sizeof(*va);
	a.a[3] = attrs != NULL;
	a.rbuf = out;
	a.rbufsz = sizeof(out);
	error = rf_sc_call(&a, &rep);
	if (rep.rep_datalen >= sizeof(out[0]) && error != EIO)
		*va = out[0];	/* as the kernel left it */
	if (error == 0 && attrs != NULL) {
		if (rep.rep_datalen != sizeof(out))
			return EIO;
		*attrs = out[1];
	}
	return error;
}

static int
sc_access(struct vnode *vp, int mode)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_ACCESS);
	struct rf_sp_rep rep;

	a.vp = H(vp);
	a.a[0] = (uint32_t)mode;
	return rf_sc_call(&a, &rep);
}

static int
sc_create(struct vnode *dvp, const char *name, uint32_t mode, int oflags,
    struct vnode **vpp, struct vattr *va)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_CREATE);

	a.vp = H(dvp);
	a.name = name;
	a.a[0] = mode;
	a.a[1] = oflags >= 0 ? (uint64_t)oflags + 1 : 0;
	return sc_call_vp(&a, vpp, va);
}

static int
sc_mknod(struct vnode *dvp, const char *name, uint32_t mode, uint64_t rdev,
    struct vnode **vpp, struct vattr *va)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_MKNOD);

	a.vp = H(dvp);
	a.name = name;
	a.a[0] = mode;
	a.a[1] = rdev;
	return sc_call_vp(&a, vpp, va);
}

static int
sc_mkdir(struct vnode *dvp, const char *name, uint32_t mode,
    struct vnode **vpp, struct vattr *va)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_MKDIR);

	a.vp = H(dvp);
	a.name = name;
	a.a[0] = mode;
	return sc_call_vp(&a, vpp, va);
}

static int
sc_symlink(struct vnode *dvp, const char *name, const char *target,
    struct vnode **vpp, struct vattr *va)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_SYMLINK);

	a.vp = H(dvp);
	a.name = name;
	a.name2 = target;
	return sc_call_vp(&a, vpp, va);
}

static int
sc_link(struct vnode *vp, struct vnode *dvp, const char *name,
    struct vattr *va)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_LINK);
	struct rf_sp_rep rep;
	bool badva;
	int error;

	a.vp = H(vp);
	a.vp2 = H(dvp);
	a.name = name;
	if ((error = sc_call_attr(&a, va, &rep, &badva)) != 0)
		return error;
	return badva ? EIO : 0;
}

static int
sc_name_op(uint32_t op, struct vnode *dvp, const char *name)
{
	struct rf_sc_args a = SC_ARGS(op);
	struct rf_sp_rep rep;

	a.vp = H(dvp);
	a.name = name;
	return rf_sc_call(&a, &rep);
}

static int
sc_unlink(struct vnode *dvp, const char *name)
{

	return sc_name_op(RF_SP_UNLINK, dvp, name);
}

static int
sc_rmdir(struct vnode *dvp, const char *name)
{

	return sc_name_op(RF_SP_RMDIR, dvp, name);
}

static int
sc_removexattr(struct vnode *vp, const char *name)
{

	return sc_name_op(RF_SP_REMOVEXATTR, vp, name);
}

static int
sc_rename(struct vnode *fdvp, const char *fname, struct vnode *tdvp,
    const char *tname, unsigned flags)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_RENAME);
	struct rf_sp_rep rep;

	a.vp = H(fdvp);
	a.vp2 = H(tdvp);
	a.name = fname;
	a.name2 = tname;
	a.a[0] = flags;
	return rf_sc_call(&a, &rep);
}

static int
sc_int_op(uint32_t op, struct vnode *vp, uint64_t a0, uint64_t a1,
    uint64_t a2)
{
	struct rf_sc_args a = SC_ARGS(op);
	struct rf_sp_rep rep;

	a.vp = H(vp);
	a.a[0] = a0;
	a.a[1] = a1;
	a.a[2] = a2;
	return rf_sc_call(&a, &rep);
}

static int sc_close(struct vnode *vp, int oflags);

/* MAP: the child's bmap of offset 0, in the front end's descriptor. */
static int
sc_open(struct vnode *vp, int oflags, struct vattr *va, struct rf_kmap *map)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_OPEN);
	struct rf_sp_rep rep;
	bool badva;
	int error;

	a.vp = H(vp);
	a.a[0] = (uint32_t)oflags;
	a.a[2] = map != NULL && rf_sc_imgfd() >= 0;
	if (map != NULL) {
		map->km_fd = -1;
		map->km_run = 0;
	}
	if ((error = sc_call_attr(&a, va, &rep, &badva)) != 0)
		return error;
	if (badva) {
		sc_close(vp, oflags);		/* it is open: end that */
		return EIO;
	}
	if (a.a[2] != 0 && rep.rep_r[1] != 0) {
		map->km_fd = rf_sc_imgfd();
		map->km_devoff = rep.rep_r[0];
		map->km_run = rep.rep_r[1];
	}
	return 0;
}

static int
sc_close(struct vnode *vp, int oflags)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_CLOSE);

	/* One-way: no driver's close can fail (split_kops.h). */
	a.vp = H(vp);
	a.a[0] = (uint32_t)oflags;
	rf_sc_post(&a);
	return 0;
}

static int
sc_fsync(struct vnode *vp, bool datasync)
{

	return sc_int_op(RF_SP_FSYNC, vp, datasync ? 1 : 0, 0, 0);
}

static int
sc_fallocate(struct vnode *vp, int mode, uint64_t off, uint64_t len)
{

	return sc_int_op(RF_SP_FALLOCATE, vp, (uint32_t)mode, off, len);
}

/* Read in pieces the protocol carries; stops at a short piece. */
static int
sc_read(struct vnode *vp, void *buf, size_t len, uint64_t off,
    size_t *donep)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_READ);
	struct rf_sp_rep rep;
	size_t n, done = 0;
	int error = 0;

	a.vp = H(vp);
	while (done < len) {
		n = len - done < RF_SP_MAXDATA ? len - done : RF_SP_MAXDATA;
		a.a[0] = n;
		a.a[1] = off + done;
		a.rbuf = (char *)buf + done;
		a.rbufsz = n;
		if ((error = rf_sc_call(&a, &rep)) != 0)
			break;
		done += rep.rep_datalen;
		if (rep.rep_datalen < n)
			break;
	}
	*donep = done;
	return done > 0 ? 0 : error;
}

static int
sc_write(struct vnode *vp, const void *buf, size_t len, uint64_t off,
    int ioflags, size_t *donep)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_WRITE);
	struct rf_sp_rep rep;
	size_t n, done = 0;
	int error = 0;

	a.vp = H(vp);
	a.a[2] = (uint32_t)ioflags;
	do {
		n = len - done < RF_SP_MAXDATA ? len - done : RF_SP_MAXDATA;
		a.a[1] = off + done;
		a.data = (const char *)buf + done;
		a.datalen = n;
		error = rf_sc_call(&a, &rep);
		if (rep.rep_r[0] > n) {
			error = EIO;
			break;
		}
		done += rep.rep_r[0];
		if (error != 0 || rep.rep_r[0] < n)
			break;
	} while (done < len);
	*donep = done;
	return error;
}

static int
sc_seek(struct vnode *vp, uint64_t off, int whence, uint64_t *resultp)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_SEEK);
	struct rf_sp_rep rep;
	int error;

	a.vp = H(vp);
	a.a[0] = off;
	a.a[1] = (uint32_t)whence;
	if ((error = rf_sc_call(&a, &rep)) == 0)
		*resultp = rep.rep_r[0];
	return error;
}

/*
 * Directory entries come in batches of at most RF_SP_DIRBUDGET bytes;
 * FILL sees them here, in order.  When FILL refuses an entry, *COOKIE
 * is left at that entry, as vfs_pub_readdir() does; otherwise the next
 * batch is asked for until the end of the directory.
 */
static int
sc_readdir(struct vnode *dvp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_READDIR);
	struct rf_sp_rep rep;
	struct rf_sp_dent de;
	uint64_t cur = *cookie;
	size_t pos, step;
	char *buf;
	int error;

	if ((buf = malloc(RF_SP_DIRBUDGET)) == NULL)
		return ENOMEM;
	a.vp = H(dvp);
	a.rbuf = buf;
	a.rbufsz = RF_SP_DIRBUDGET;
	for (;;) {
		a.a[0] = cur;
		error = rf_sc_call(&a, &rep);
		if (error == EIO && rf_split_dead())
			break;
		for (pos = 0; pos + sizeof(de) <= rep.rep_datalen;
		    pos += step) {
			memcpy(&de, buf + pos, sizeof(de));
			step = (sizeof(de) + de.d_namelen + 7) & ~(size_t)7;
			if (de.d_namelen == 0 || de.d_namelen > 4096 ||
			    pos + sizeof(de) + de.d_namelen >
			    rep.rep_datalen) {
				error = EIO;
				goto out;
			}
			if (fill(arg, buf + pos + sizeof(de), de.d_namelen,
			    de.d_ino, (enum vtype)de.d_type, de.d_next) != 0)
				goto out;	/* cur: this entry */
			cur = de.d_next;
		}
		cur = rep.rep_r[0];
		if (error != 0 || rep.rep_r[1] != 0 || rep.rep_datalen == 0)
			break;
	}
out:
	*cookie = cur;
	free(buf);
	return error;
}

static int
sc_readlink(struct vnode *vp, char *buf, size_t buflen, size_t *lenp)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_READLINK);
	struct rf_sp_rep rep;
	int error;

	a.vp = H(vp);
	a.a[0] = buflen < RF_SP_MAXDATA ? buflen : RF_SP_MAXDATA;
	a.rbuf = buf;
	a.rbufsz = a.a[0];
	if ((error = rf_sc_call(&a, &rep)) == 0)
		*lenp = rep.rep_r[0] < rep.rep_datalen ? rep.rep_datalen :
		    rep.rep_r[0];
	return error;
}

static int
sc_statvfs(struct mount *mp, struct vfs_statvfs *sv)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_STATVFS);
	struct rf_sp_rep rep;
	int error;

	(void)mp;	/* the child has one mount */
	a.rbuf = sv;
	a.rbufsz = sizeof(*sv);
	if ((error = rf_sc_call(&a, &rep)) != 0)
		return error;
	return rep.rep_datalen == sizeof(*sv) ? 0 : EIO;
}

/* getxattr and listxattr: SIZE 0 asks for the size only. */
static int
sc_xattr_get(uint32_t op, struct vnode *vp, const char *name, void *buf,
    size_t size, size_t *lenp)
{
	struct rf_sc_args a = SC_ARGS(op);
	struct rf_sp_rep rep;
	int error;

	if (size > RF_SP_MAXDATA)
		size = RF_SP_MAXDATA;
	a.vp = H(vp);
	a.name = name;
	a.a[0] = size;
	a.rbuf = buf;
	a.rbufsz = buf != NULL ? size : 0;
	if ((error = rf_sc_call(&a, &rep)) == 0)
		*lenp = size == 0 ? rep.rep_r[0] : rep.rep_datalen;
	return error;
}

static int
sc_getxattr(struct vnode *vp, const char *name, void *buf, size_t size,
    size_t *lenp)
{

	return sc_xattr_get(RF_SP_GETXATTR, vp, name, buf, size, lenp);
}

static int
sc_listxattr(struct vnode *vp, char *buf, size_t size, size_t *lenp)
{

	return sc_xattr_get(RF_SP_LISTXATTR, vp, NULL, buf, size, lenp);
}

static int
sc_setxattr(struct vnode *vp, const char *name, const void *val,
    size_t len, int flags)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_SETXATTR);
	struct rf_sp_rep rep;

	a.vp = H(vp);
	a.name = name;
	a.data = val;
	a.datalen = len;
	a.a[0] = (uint32_t)flags;
	return rf_sc_call(&a, &rep);
}

/*
 * The child maps the range; the data is then spliced from the front
 * end's own descriptor of SOURCE (the child's means nothing here).
 */
static int
sc_bmap(struct vnode *vp, uint64_t off, int *hostfdp, uint64_t *devoffp,
    uint64_t *runp)
{
	struct rf_sc_args a = SC_ARGS(RF_SP_BMAP);
	struct rf_sp_rep rep;
	int error;

	if (rf_sc_imgfd() < 0)
		return EOPNOTSUPP;
	a.vp = H(vp);
	a.a[0] = off;
	if ((error = rf_sc_call(&a, &rep)) != 0)
		return error;
	*hostfdp = rf_sc_imgfd();
	*devoffp = rep.rep_r[0];
	*runp = rep.rep_r[1];
	return 0;
}

const struct rf_kops rf_kops_split = {
	.setcred	= sc_setcred,
	.setcred_root	= sc_setcred_root,
	.vref		= sc_vref,
	.vrele		= sc_vrele,
	.lookup		= sc_lookup,
	.lookupv	= sc_lookupv,
	.getattr	= sc_getattr,
	.setattr	= sc_setattr,
	.access		= sc_access,
	.create		= sc_create,
	.mknod		= sc_mknod,
	.mkdir		= sc_mkdir,
	.symlink	= sc_symlink,
	.link		= sc_link,
	.unlink		= sc_unlink,
	.rmdir		= sc_rmdir,
	.rename		= sc_rename,
	.open		= sc_open,
	.close		= sc_close,
	.read		= sc_read,
	.write		= sc_write,
	.fsync		= sc_fsync,
	.fallocate	= sc_fallocate,
	.seek		= sc_seek,
	.readdir	= sc_readdir,
	.readlink	= sc_readlink,
	.statvfs	= sc_statvfs,
	.getxattr	= sc_getxattr,
	.setxattr	= sc_setxattr,
	.listxattr	= sc_listxattr,
	.removexattr	= sc_removexattr,
	.bmap		= sc_bmap,
};
