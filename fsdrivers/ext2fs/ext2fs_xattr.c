/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_xattr.c -- reading extended attributes.
 *
 * Attributes live in the inode body (after i_extra_isize: a magic word,
 * then entries whose values are addressed from the first entry) and in
 * one external block (a 32-byte header, entries, values addressed from
 * the block start; checksummed under metadata_csum).  With ea_inode a
 * value may instead live in the data of a separate inode.  Every entry is
 * checked before use: it and its name inside the area, the list ends with
 * a zero word, the value inside the area (or a valid value inode).
 *
 * Names are shown as Linux shows them: the on-disk name index selects a
 * prefix ("user.", "trusted.", "security.", "gnu.") or a whole name
 * ("system.posix_acl_access", "system.posix_acl_default", whose values
 * are converted from ext4's compact ACL format to the Linux xattr ACL
 * format).  Internal attributes (system.data of inline_data, richacl,
 * lustre, encryption context) are hidden, as Linux hides them.
 *
 * Exports ext2fs_xattr_get, ext2fs_xattr_list, ext2fs_xattr_get_raw, and
 * for the write side (ext2fs_write.h) ext2fs_xattr_parse_name.
 */
#include "kern/kern.h"
#include "kern/buf.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

struct xattr_prefix {
	int		index;
	const char	*prefix;
	bool		whole;	/* the prefix is the whole name */
};

static const struct xattr_prefix xattr_prefixes[] = {
	{ EXT2_XATTR_INDEX_USER, "user.", false },
	{ EXT2_XATTR_INDEX_POSIX_ACL_ACCESS, "system.posix_acl_access", true },
	{ EXT2_XATTR_INDEX_POSIX_ACL_DEFAULT, "system.posix_acl_default",
	    true },
	{ EXT2_XATTR_INDEX_TRUSTED, "trusted.", false },
	{ EXT2_XATTR_INDEX_SECURITY, "security.", false },
	{ EXT2_XATTR_INDEX_HURD, "gnu.", false },
};

static const struct xattr_prefix *
xattr_prefix_of(int index)
{
	size_t i;

	for (i = 0; i < __arraycount(xattr_prefixes); i++)
		if (xattr_prefixes[i].index == index)
			return &xattr_prefixes[i];
	return NULL;
}

/* One entry as the walker hands it to its callback. */
struct xattr_ent {
	int		index;
	const char	*name;
	size_t		namelen;
	const uint8_t	*value;	/* NULL: the value is in an inode */
	uint32_t	value_inum;
	uint32_t	value_size;
};

/* 0: go on; 1: stop (found); else an error. */
typedef int (*xattr_cb_t)(void *arg, const struct xattr_ent *ent);

/*
 * Walk the entries starting at FIRST (AREA bytes to the end of the area);
 * values are at VBASE + e_value_offs with VMIN <= offs, offs + size <=
 * VLEN.
 */
static int
xattr_walk(struct ext2fs_node *np, const uint8_t *first, size_t area,
    const uint8_t *vbase, size_t vmin, size_t vlen, const char *where,
    xattr_cb_t cb, void *arg)
{
	struct ext2fs_mount *ump = np->n_ump;
	const struct ext2_xattr_entry *e;
	struct xattr_ent ent;
	size_t off = 0, elen;
	uint32_t voff;
	const char *why;
	int r;

	for (;;) {
		why = "entry list not terminated";
		if (area - off < 4)
			goto bad;
		if (e2_ld32(first + off) == 0)
			return 0;
		why = "entry past the end";
		if (area - off < sizeof(*e))
			goto bad;
		e = (const struct ext2_xattr_entry *)(first + off);
		elen = EXT2_XATTR_LEN(e->e_name_len);
		if (elen > area - off)
			goto bad;
		ent.index = e->e_name_index;
		ent.name = e->e_name;
		ent.namelen = e->e_name_len;
		ent.value_inum = e2_le32(e->e_value_inum);
		ent.value_size = e2_le32(e->e_value_size);
		ent.value = NULL;
		if (ent.value_inum != 0) {
			why = "value inode without ea_inode";
			if (!EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_EA_INODE) ||
			    ent.value_inum > ump->um_ninodes)
				goto bad;
			why = "value too large";
			if (ent.value_size > XATTR_SIZE_MAX)
				goto bad;
		} else {
			voff = e2_le16(e->e_value_offs);
			why = "value outside the area";
			if (voff < vmin || voff > vlen ||
			    ent.value_size > vlen - voff)
				goto bad;
			ent.value = vbase + voff;
		}
		if ((r = cb(arg, &ent)) != 0)
			return r == 1 ? 1 : r;
		off += elen;
	}
bad:
	return ext2fs_corrupt(ump, "inode %llu: %s xattr entry at %zu: %s",
	    (unsigned long long)np->n_ino, where, off, why);
}

/* Walk the in-inode entries, then the external block's. */
static int
xattr_iterate(struct ext2fs_node *np, xattr_cb_t cb, void *arg)
{
	struct ext2fs_mount *ump = np->n_ump;
	const struct ext2_xattr_header *h;
	size_t start, area;
	const uint8_t *blk;
	struct buf *bp;
	int r;

	start = EXT2_GOOD_OLD_INODE_SIZE + np->n_extra_isize;
	if (ump->um_isize > EXT2_GOOD_OLD_INODE_SIZE &&
	    start + 4 <= ump->um_isize &&
	    e2_ld32(np->n_raw + start) == EXT2_XATTR_MAGIC) {
		area = ump->um_isize - start - 4;
		r = xattr_walk(np, np->n_raw + start + 4, area,
		    np->n_raw + start + 4, 0, area, "in-inode", cb, arg);
		if (r != 0)
			return r;
	}
	if (np->n_file_acl == 0)
		return 0;
	if ((r = ext2fs_bread(ump, np->n_file_acl, 0, "xattr", np->n_ino,
	    &bp)) != 0)
		return r;
	blk = bp->b_data;
	h = (const struct ext2_xattr_header *)blk;
	if (e2_le32(h->h_magic) != EXT2_XATTR_MAGIC ||
	    e2_le32(h->h_blocks) != 1) {
		r = ext2fs_corrupt(ump, "inode %llu: xattr block %llu: bad "
		    "header", (unsigned long long)np->n_ino,
		    (unsigned long long)np->n_file_acl);
		goto out;
	}
	if (ump->um_metadata_csum &&
	    !ext2fs_xattr_csum_ok(ump, np->n_file_acl, blk)) {
		r = ext2fs_corrupt(ump, "inode %llu: xattr block %llu: "
		    "checksum mismatch", (unsigned long long)np->n_ino,
		    (unsigned long long)np->n_file_acl);
		goto out;
	}
	r = xattr_walk(np, blk + sizeof(*h), ump->um_bsize - sizeof(*h), blk,
	    sizeof(*h), ump->um_bsize, "block", cb, arg);
out:
	brelse(bp);
	return r;
}

/* Copy an entry's value into a new kmem buffer (reading a value inode). */
static int
xattr_value_copy(struct ext2fs_node *np, const struct xattr_ent *ent,
    uint8_t **valp, size_t *lenp)
{
	struct ext2fs_node *vnp;
	uint8_t *val;
	int error;

	*valp = NULL;
	*lenp = ent->value_size;
	if ((val = kmem_alloc(ent->value_size ? ent->value_size : 1)) == NULL)
		return ENOMEM;
	if (ent->value != NULL) {
		memcpy(val, ent->value, ent->value_size);
		*valp = val;
		return 0;
	}
	error = ext2fs_node_load(np->n_ump, ent->value_inum, &vnp);
	if (error == ENOENT || error == ESTALE)
		error = ext2fs_corrupt(np->n_ump,
		    "inode %llu: xattr value inode %u is free",
		    (unsigned long long)np->n_ino, ent->value_inum);
	if (error)
		goto out_free;
	if (!(vnp->n_flags & EXT2_EA_INODE_FL) ||
	    (vnp->n_mode & S_IFMT) != S_IFREG ||
	    vnp->n_size != ent->value_size)
		error = ext2fs_corrupt(np->n_ump,
		    "inode %llu: bad xattr value inode %u",
		    (unsigned long long)np->n_ino, ent->value_inum);
	else
		error = ext2fs_read_buf(vnp, 0, val, ent->value_size);
	ext2fs_node_free(vnp);
	if (error)
		goto out_free;
	*valp = val;
	return 0;
out_free:
	kmem_free(val, ent->value_size ? ent->value_size : 1);
	return error;
}

/* ---- raw lookup by (index, name) ---- */

struct xattr_find {
	struct ext2fs_node *np;
	int		index;
	const char	*name;
	size_t		namelen;
	uint8_t		*val;
	size_t		len;
};

static int
xattr_find_cb(void *arg, const struct xattr_ent *ent)
{
	struct xattr_find *f = arg;
	int error;

	if (ent->index != f->index || ent->namelen != f->namelen ||
	    memcmp(ent->name, f->name, f->namelen) != 0)
		return 0;
	if ((error = xattr_value_copy(f->np, ent, &f->val, &f->len)) != 0)
		return error;
	return 1;
}

/*
 * => On success *VALP is a kmem buffer of MAX(*LENP, 1) bytes: free it
 *    with kmem_free(*valp, *lenp ? *lenp : 1).
 */
int
ext2fs_xattr_get_raw(struct ext2fs_node *np, int index, const char *name,
    size_t namelen, uint8_t **valp, size_t *lenp)
{
	struct xattr_find f = { np, index, name, namelen, NULL, 0 };
	int r;

	*valp = NULL;
	*lenp = 0;
	r = xattr_iterate(np, xattr_find_cb, &f);
	if (r == 0)
		return ENODATA;
	if (r != 1)
		return r;
	*valp = f.val;
	*lenp = f.len;
	return 0;
}

/* ---- POSIX ACLs ---- */

/*
 * Convert ext4's ACL (version 1; 4-byte entries for the owner, group,
 * mask and other, 8-byte ones with an id for named users and groups)
 * into Linux's xattr form (version 2, 8-byte entries).  OUT may be NULL
 * to size it.
 */
static int
xattr_acl_convert(struct ext2fs_node *np, const uint8_t *in, size_t inlen,
    uint8_t *out, size_t *outlenp)
{
	size_t off = 4, n = 4;
	uint16_t tag, perm;
	uint32_t id;

	if (inlen < 4 || e2_ld32(in) != EXT2_ACL_VERSION)
		goto bad;
	if (out != NULL)
		memcpy(out, (e2le32_t[]){ e2_mkle32(LINUX_ACL_XATTR_VERSION) },
		    4);
	while (off < inlen) {
		if (inlen - off < 4)
			goto bad;
		tag = (uint16_t)(in[off] | in[off + 1] << 8);
		perm = (uint16_t)(in[off + 2] | in[off + 3] << 8);
		switch (tag) {
		case ACL_USER_OBJ:
		case ACL_GROUP_OBJ:
		case ACL_MASK:
		case ACL_OTHER:
			id = ACL_UNDEFINED_ID;
			off += 4;
			break;
		case ACL_USER:
		case ACL_GROUP:
			if (inlen - off < 8)
				goto bad;
			id = e2_ld32(in + off + 4);
			off += 8;
			break;
		default:
			goto bad;
		}
		if (out != NULL) {
			out[n] = (uint8_t)tag;
			out[n + 1] = (uint8_t)(tag >> 8);
			out[n + 2] = (uint8_t)perm;
			out[n + 3] = (uint8_t)(perm >> 8);
			memcpy(out + n + 4, (e2le32_t[]){ e2_mkle32(id) }, 4);
		}
		n += 8;
	}
	*outlenp = n;
	return 0;
bad:
	return ext2fs_corrupt(np->n_ump, "inode %llu: bad POSIX ACL",
	    (unsigned long long)np->n_ino);
}

/* ---- the VOP-level calls ---- */

/* Split a Linux name into (index, suffix); false if not ours. */
bool
ext2fs_xattr_parse_name(const char *name, int *indexp, const char **suffixp)
{
	size_t i, plen;

	for (i = 0; i < __arraycount(xattr_prefixes); i++) {
		plen = strlen(xattr_prefixes[i].prefix);
		if (xattr_prefixes[i].whole) {
			if (strcmp(name, xattr_prefixes[i].prefix) != 0)
				continue;
		} else if (strncmp(name, xattr_prefixes[i].prefix, plen) != 0 ||
		    name[plen] == '\0')
			continue;
		*indexp = xattr_prefixes[i].index;
		*suffixp = name + plen;	/* "" for whole names */
		return true;
	}
	return false;
}

int
ext2fs_xattr_get(struct ext2fs_node *np, const char *name, void *buf,
    size_t size, size_t *lenp)
{
	const char *suffix;
	uint8_t *val, *acl = NULL;
	size_t len, acllen = 0;
	int index, error;

	*lenp = 0;
	if (!ext2fs_xattr_parse_name(name, &index, &suffix))
		return ENODATA;
	error = ext2fs_xattr_get_raw(np, index, suffix, strlen(suffix), &val,
	    &len);
	if (error)
		return error;
	if (index == EXT2_XATTR_INDEX_POSIX_ACL_ACCESS ||
	    index == EXT2_XATTR_INDEX_POSIX_ACL_DEFAULT) {
		if ((error = xattr_acl_convert(np, val, len, NULL, &acllen)) !=
		    0)
			goto out;
		if (acllen == 4) {	/* no entries: no ACL */
			error = ENODATA;
			goto out;
		}
		if ((acl = kmem_alloc(acllen)) == NULL) {
			error = ENOMEM;
			goto out;
		}
		(void)xattr_acl_convert(np, val, len, acl, &acllen);
		kmem_free(val, len ? len : 1);
		val = acl;
		len = acllen;
	}
	*lenp = len;
	if (buf != NULL && size != 0) {
		if (size < len)
			error = ERANGE;
		else
			memcpy(buf, val, len);
	}
out:
	kmem_free(val, len ? len : 1);
	return error;
}

struct xattr_list {
	char	*buf;
	size_t	size;
	size_t	len;
};

static int
xattr_list_cb(void *arg, const struct xattr_ent *ent)
{
	struct xattr_list *l = arg;
	const struct xattr_prefix *p;
	size_t plen, n;

	if ((p = xattr_prefix_of(ent->index)) == NULL)
		return 0;
	if (p->whole && ent->namelen != 0)
		return 0;
	plen = strlen(p->prefix);
	n = plen + (p->whole ? 0 : ent->namelen) + 1;
	if (l->buf != NULL && l->len + n <= l->size) {
		memcpy(l->buf + l->len, p->prefix, plen);
		if (!p->whole)
			memcpy(l->buf + l->len + plen, ent->name, ent->namelen);
		l->buf[l->len + n - 1] = '\0';
	}
	l->len += n;
	return 0;
}

int
ext2fs_xattr_list(struct ext2fs_node *np, char *buf, size_t size,
    size_t *lenp)
{
	struct xattr_list l = { buf, buf != NULL ? size : 0, 0 };
	int error;

	*lenp = 0;
	if ((error = xattr_iterate(np, xattr_list_cb, &l)) != 0)
		return error;
	*lenp = l.len;
	if (buf != NULL && size != 0 && size < l.len)
		return ERANGE;
	return 0;
}

/* ---- inline data ---- */

/*
 * => On success *BUFP is a kmem buffer of *LENP >= 60 bytes.
 */
int
ext2fs_inline_get(struct ext2fs_node *np, uint8_t **bufp, size_t *lenp)
{
	uint8_t *val = NULL, *buf;
	size_t vlen = 0, len;
	int error;

	*bufp = NULL;
	*lenp = 0;
	error = ext2fs_xattr_get_raw(np, EXT2_XATTR_INDEX_SYSTEM, "data", 4,
	    &val, &vlen);
	if (error != 0 && error != ENODATA)
		return error;
	len = EXT2_IBLOCK_BYTES + vlen;
	if ((buf = kmem_alloc(len)) == NULL) {
		error = ENOMEM;
		goto out;
	}
	memcpy(buf, EXT2_DINODE(np)->i_block, EXT2_IBLOCK_BYTES);
	if (vlen != 0)
		memcpy(buf + EXT2_IBLOCK_BYTES, val, vlen);
	*bufp = buf;
	*lenp = len;
	error = 0;
out:
	if (val != NULL)
		kmem_free(val, vlen ? vlen : 1);
	return error;
}
