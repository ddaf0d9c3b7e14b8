/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ffs_xattr.c -- reading UFS2 extended attributes.
 *
 * A UFS2 inode may own an extended attribute area of di_extsize bytes
 * in up to two blocks (di_extb, the last one possibly a run of
 * fragments), as FreeBSD writes it and NetBSD reads it.  The area is a
 * sequence of records, each 8-byte aligned: a 32-bit record length, a
 * namespace (1 user, 2 system), the count of padding bytes after the
 * value, the name length, the name, padding to 8, the value, padding.
 * The user namespace appears as "user.NAME", the system namespace as
 * "system.NAME".  Every record is validated before use.
 *
 * Writing attributes is not supported (the vnode table says so).
 *
 * Exports ffs_getxattr, ffs_listxattr.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "ffs_fs.h"
#include "ffs_node.h"

struct ffs_ea {
	uint8_t		ea_ns;
	const char	*ea_name;
	uint32_t	ea_namelen;
	const uint8_t	*ea_value;
	uint32_t	ea_valuelen;
};

static const struct {
	uint8_t		ns;
	const char	*prefix;
} ffs_ea_prefixes[] = {
	{ FFS_EA_NS_USER, "user." },
	{ FFS_EA_NS_SYSTEM, "system." },
};

static const char *
ffs_ea_prefix(uint8_t ns)
{
	size_t i;

	for (i = 0; i < __arraycount(ffs_ea_prefixes); i++)
		if (ffs_ea_prefixes[i].ns == ns)
			return ffs_ea_prefixes[i].prefix;
	return NULL;
}

/* Read IP's attribute area into a new kmem buffer of i_extsize bytes. */
static int
ffs_ea_read(struct ffs_inode *ip, uint8_t **areap)
{
	struct ffs_mount *ump = ip->i_ump;
	uint32_t size = ip->i_extsize, done, n, bsz;
	uint8_t *area;
	struct buf *bp;
	int i, error;

	*areap = NULL;
	if ((area = kmem_alloc(size)) == NULL)
		return ENOMEM;
	for (i = 0, done = 0; done < size; i++, done += n) {
		KASSERT(i < FFS_NXADDR);
		bsz = ffs_sblksize(ump, size, i);
		n = MIN(bsz, size - done);
		if (ip->i_extb[i] == 0) {
			memset(area + done, 0, n);
			continue;
		}
		if ((error = ffs_bread(ump, ip->i_extb[i], bsz, "xattr block",
		    ip->i_number, &bp)) != 0) {
			kmem_free(area, size);
			return error;
		}
		memcpy(area + done, bp->b_data, n);
		brelse(bp);
	}
	*areap = area;
	return 0;
}

/*
 * The record at *OFFP of AREA (SIZE bytes): decoded into EA and *OFFP
 * advanced.  => 1 for a record, 0 at the end, or EUCLEAN.
 */
static int
ffs_ea_next(struct ffs_inode *ip, const uint8_t *area, uint32_t size,
    uint32_t *offp, struct ffs_ea *ea)
{
	struct ffs_mount *ump = ip->i_ump;
	uint32_t off = *offp, len, valoff, pad;
	uint32_t raw;

	if (size - off < 8)
		return 0;
	memcpy(&raw, area + off, sizeof(raw));
	len = FFS_RD32(ump, raw);
	if (len == 0)
		return 0;
	ea->ea_ns = area[off + 4];
	pad = area[off + 5];
	ea->ea_namelen = area[off + 6];
	valoff = roundup(FFS_EA_HDR + ea->ea_namelen, 8);
	if ((len & 7) != 0 || len > size - off || ea->ea_namelen == 0 ||
	    len < valoff + pad || pad > 7)
		return ffs_corrupt(ump, "inode %llu: bad xattr record at "
		    "offset %u", (unsigned long long)ip->i_number, off);
	ea->ea_name = (const char *)area + off + FFS_EA_HDR;
	ea->ea_value = area + off + valoff;
	ea->ea_valuelen = len - valoff - pad;
	*offp = off + len;
	return 1;
}

int
ffs_getxattr(struct vnode *vp, const char *name, void *buf, size_t size,
    size_t *lenp)
{
	struct ffs_inode *ip = VTOI(vp);
	const char *prefix = NULL, *attr;
	uint8_t *area = NULL, ns = 0;
	struct ffs_ea ea;
	uint32_t off = 0;
	size_t i, alen;
	int r, error;

	*lenp = 0;
	for (i = 0; i < __arraycount(ffs_ea_prefixes); i++) {
		prefix = ffs_ea_prefixes[i].prefix;
		if (strncmp(name, prefix, strlen(prefix)) == 0) {
			ns = ffs_ea_prefixes[i].ns;
			break;
		}
	}
	if (ns == 0)
		return ENODATA;
	attr = name + strlen(prefix);
	alen = strlen(attr);
	if (!ip->i_ump->um_ufs2 || ip->i_extsize == 0)
		return ENODATA;
	if ((error = ffs_ea_read(ip, &area)) != 0)
		return error;
	error = ENODATA;
	while ((r = ffs_ea_next(ip, area, ip->i_extsize, &off, &ea)) == 1) {
		if (ea.ea_ns != ns || ea.ea_namelen != alen ||
		    memcmp(ea.ea_name, attr, alen) != 0)
			continue;
		*lenp = ea.ea_valuelen;
		if (buf == NULL || size == 0)
			error = 0;
		else if (size < ea.ea_valuelen)
			error = ERANGE;
		else {
			memcpy(buf, ea.ea_value, ea.ea_valuelen);
			error = 0;
		}
		break;
	}
	if (r < 0 || r > 1)
		error = r;
	kmem_free(area, ip->i_extsize);
	return error;
}

int
ffs_listxattr(struct vnode *vp, char *buf, size_t size, size_t *lenp)
{
	struct ffs_inode *ip = VTOI(vp);
	uint8_t *area = NULL;
	const char *prefix;
	struct ffs_ea ea;
	uint32_t off = 0;
	size_t total = 0, plen, n;
	int r, error;

	*lenp = 0;
	if (!ip->i_ump->um_ufs2 || ip->i_extsize == 0)
		return 0;
	if ((error = ffs_ea_read(ip, &area)) != 0)
		return error;
	while ((r = ffs_ea_next(ip, area, ip->i_extsize, &off, &ea)) == 1) {
		if ((prefix = ffs_ea_prefix(ea.ea_ns)) == NULL)
			continue;
		plen = strlen(prefix);
		n = plen + ea.ea_namelen + 1;
		if (buf != NULL && size != 0) {
			if (total + n > size) {
				error = ERANGE;
				break;
			}
			memcpy(buf + total, prefix, plen);
			memcpy(buf + total + plen, ea.ea_name, ea.ea_namelen);
			buf[total + n - 1] = '\0';
		}
		total += n;
	}
	if (r > 1)
		error = r;
	kmem_free(area, ip->i_extsize);
	if (error == 0)
		*lenp = total;
	return error;
}
