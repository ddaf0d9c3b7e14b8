/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cd9660_session.c -- volume descriptor sets and the sessions of a
 * multisession image.
 *
 * A session starting at sector S has its volume descriptors from sector
 * S + 16 on: one "CD001" descriptor per sector up to the terminator.
 * The driver keeps the primary descriptor, a Joliet supplementary
 * descriptor (version 1, escape sequence %/@, %/C or %/E) and an
 * enhanced descriptor (ISO 9660:1999, version 2); boot records and
 * partition descriptors are passed by.
 *
 * An image file has no table of contents, so the sessions are found the
 * way libisoburn emulates one, which is also how xorriso lays out the
 * sessions it appends to a file: the first session at sector 32 and
 * each next one on the next 32-sector boundary after the end of the
 * previous one, with sector 16 holding a copy of the newest session's
 * descriptors.  A session's volume space size counts either from the
 * session's start (xorriso) or from sector 0 (mkisofs -C), so both ends
 * are tried, as they are and rounded up to 16 and 32 sectors.  A
 * candidate counts only if it has a valid primary descriptor whose root
 * directory lies inside the new session.  The chain from sector 32 is
 * used only when its last session is the one sector 16 describes;
 * otherwise the sessions are the chain from sector 0 (a single-session
 * image, or sessions appended mkisofs-style).  At most
 * CD9660_MAX_SESSIONS sessions.
 */
#include "kern/kern.h"
#include "kern/buf.h"

#include "cd9660_fs.h"
#include "cd9660_node.h"

/* Is the logical block size acceptable (512, 1024 or 2048)? */
static bool
bsize_ok(uint32_t bs)
{
	return bs >= 512 && bs <= ISO_SECTOR_SIZE && powerof2(bs);
}

/* Root directory record of descriptor VD: its extent, in bytes. */
static uint64_t
vd_root_extent(const struct iso_pvd *vd)
{
	const struct iso_dirrec *dr =
	    (const struct iso_dirrec *)vd->root_directory_record;

	return (uint64_t)iso_both32(dr->extent) *
	    iso_both16(vd->logical_block_size);
}

static bool
joliet_level(const struct iso_pvd *vd, uint32_t *levelp)
{
	const uint8_t *e = vd->escape_sequences;

	if (vd->version != 1 || e[0] != '%' || e[1] != '/')
		return false;
	switch (e[2]) {
	case '@':
		*levelp = 1;
		return true;
	case 'C':
		*levelp = 2;
		return true;
	case 'E':
		*levelp = 3;
		return true;
	default:
		return false;
	}
}

int
cd9660_vdset_read(struct cd9660_mount *imp, uint64_t session, bool quiet,
    struct cd9660_vdset *vs)
{
	const struct iso_pvd *vd;
	bool have_pvd = false;
	struct buf *bp;
	uint64_t sec, off;
	uint32_t i, level;
	int error;

	memset(vs, 0, sizeof(*vs));
	vs->vs_session = session;
	for (i = 0; i < ISO_VD_MAX; i++) {
		sec = session + ISO_VD_FIRST + i;
		off = sec << ISO_SECTOR_SHIFT;
		if (sec > (UINT64_MAX >> ISO_SECTOR_SHIFT) - 1 ||
		    !cd9660_range_ok(imp, off, ISO_SECTOR_SIZE))
			break;
		if ((error = cd9660_bread(imp, off, 0, "volume descriptor",
		    &bp)) != 0)
			return error;
		vd = bp->b_data;
		if (memcmp(vd->id, ISO_STANDARD_ID, 5) != 0) {
			brelse(bp);
			break;	/* no terminator: take what was found */
		}
		if (vd->type == ISO_VD_PRIMARY && !have_pvd) {
			memcpy(&vs->vs_pvd, vd, sizeof(vs->vs_pvd));
			have_pvd = true;
		} else if (vd->type == ISO_VD_SUPPLEMENTARY &&
		    vd->version == 2 && !vs->vs_have_evd) {
			memcpy(&vs->vs_evd, vd, sizeof(vs->vs_evd));
			vs->vs_have_evd = true;
		} else if (vd->type == ISO_VD_SUPPLEMENTARY &&
		    !vs->vs_have_joliet && joliet_level(vd, &level)) {
			memcpy(&vs->vs_svd, vd, sizeof(vs->vs_svd));
			vs->vs_have_joliet = true;
			vs->vs_joliet_level = level;
		}
		i = vd->type == ISO_VD_TERMINATOR ? ISO_VD_MAX : i;
		brelse(bp);
	}
	if (!have_pvd)
		return EINVAL;
	vd = &vs->vs_pvd;
	if (vd->version != 1 ||
	    !bsize_ok(iso_both16(vd->logical_block_size)) ||
	    iso_both32(vd->volume_space_size) == 0) {
		if (quiet)
			return EINVAL;
		return cd9660_corrupt(imp, "primary volume descriptor at "
		    "sector %llu: version %u, block size %u, %u blocks",
		    (unsigned long long)session + ISO_VD_FIRST, vd->version,
		    iso_both16(vd->logical_block_size),
		    iso_both32(vd->volume_space_size));
	}
	return 0;
}

/* Does a session with a sound descriptor set start at sector S? */
static bool
session_at(struct cd9660_mount *imp, uint64_t s, struct cd9660_vdset *vs)
{
	if (s > imp->im_devsize >> ISO_SECTOR_SHIFT)
		return false;
	if (!cd9660_range_ok(imp, (s + ISO_VD_FIRST) << ISO_SECTOR_SHIFT,
	    ISO_SECTOR_SIZE))
		return false;
	if (cd9660_vdset_read(imp, s, true, vs) != 0)
		return false;
	return vd_root_extent(&vs->vs_pvd) >= s << ISO_SECTOR_SHIFT;
}

/* The session after the one at S described by VS, or 0 for none. */
static uint64_t
session_next(struct cd9660_mount *imp, uint64_t s,
    const struct cd9660_vdset *vs, struct cd9660_vdset *next)
{
	uint64_t space, bs, ends[2], c, cand[6];
	uint32_t i, j, n = 0;

	bs = iso_both16(vs->vs_pvd.logical_block_size);
	space = iso_both32(vs->vs_pvd.volume_space_size) * bs /
	    ISO_SECTOR_SIZE;
	ends[0] = space;	/* counted from sector 0 */
	ends[1] = s + space;	/* counted from the session's start */
	for (i = 0; i < 2; i++) {
		cand[n++] = ends[i];
		cand[n++] = roundup(ends[i], 16);
		cand[n++] = roundup(ends[i], 32);
	}
	for (i = 0; i < n; i++) {
		c = cand[i];
		if (c <= s)
			continue;
		for (j = 0; j < i && cand[j] != c; j++)
			continue;
		if (j < i)
			continue;	/* tried already */
		if (session_at(imp, c, next))
			return c;
	}
	return 0;
}

/* Follow the chain of sessions from START into STARTS[*NP ..]. */
static int
session_chain(struct cd9660_mount *imp, uint64_t start, uint64_t *starts,
    uint32_t *np, struct cd9660_vdset *vs, struct cd9660_vdset *next)
{
	uint64_t s = start, n;
	int error;

	*np = 0;
	if ((error = cd9660_vdset_read(imp, s, true, vs)) != 0)
		return error;
	for (;;) {
		starts[(*np)++] = s;
		if (*np == CD9660_MAX_SESSIONS)
			break;
		if ((n = session_next(imp, s, vs, next)) == 0)
			break;
		s = n;
		memcpy(vs, next, sizeof(*vs));
	}
	return 0;
}

int
cd9660_sessions(struct cd9660_mount *imp, uint64_t *starts, uint32_t *np)
{
	struct cd9660_vdset *top, *vs, *next;
	uint64_t toproot;
	int error;

	*np = 0;
	top = kmem_alloc(sizeof(*top));
	vs = kmem_alloc(sizeof(*vs));
	next = kmem_alloc(sizeof(*next));
	if (top == NULL || vs == NULL || next == NULL) {
		error = ENOMEM;
		goto out;
	}
	if ((error = cd9660_vdset_read(imp, 0, false, top)) != 0)
		goto out;
	toproot = vd_root_extent(&top->vs_pvd);
	if (session_at(imp, 32, vs)) {
		error = session_chain(imp, 32, starts, np, vs, next);
		if (error == 0 && vd_root_extent(&vs->vs_pvd) == toproot)
			goto out;	/* xorriso's layout */
	}
	error = session_chain(imp, 0, starts, np, vs, next);
out:
	if (top != NULL)
		kmem_free(top, sizeof(*top));
	if (vs != NULL)
		kmem_free(vs, sizeof(*vs));
	if (next != NULL)
		kmem_free(next, sizeof(*next));
	return error;
}
