/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cd9660_dir.c -- directories: walking the records of a directory,
 * turning identifiers into names, gathering the sections of multi-extent
 * files, readdir, lookup and a per-directory name index.
 *
 * A directory is an extent of records.  A record never crosses a
 * 2048-byte sector boundary (ECMA-119 6.8.1.1); a zero length byte means
 * the rest of the sector is unused.  Before a record is used it is
 * checked: length at least 34 and inside both its sector and the
 * directory, a non-empty identifier inside the record.  The first two
 * records are "." and ".." (checked when the directory's node is loaded;
 * a "." or ".." record anywhere else is corrupt).  The sections of a
 * multi-extent file are consecutive records with the same identifier,
 * all but the last flagged ISO_FILE_MULTIEXTENT (at most
 * CD9660_MAX_SECTIONS of them).  Damage is EUCLEAN with one log line.
 * A damaged system use area spoils only its own entry: it is listed
 * with what could be decoded, and loading it fails with EUCLEAN.
 *
 * Names: a Rock Ridge NM name as recorded; else the Joliet identifier
 * (UCS-2) as UTF-8 without its ";1" version; else the ISO 9660
 * identifier without its version and a trailing '.', in lower case
 * when it has no lower-case letter (Linux's and NetBSD's default), or
 * as recorded in an ISO 9660:1999 tree.  '/' and NUL become '_'.
 * Hidden from listings and lookups: associated files, and directories
 * Rock Ridge relocated (RE; they are shown where their CL entry is).
 *
 * Readdir cookies are offsets in the directory: a record's start, or
 * the directory size at the end.
 *
 * The name index: a directory of CD9660_INDEX_MIN bytes or more gets,
 * at its first lookup, a sorted array of (name hash, record offset), so
 * a lookup decodes only the records whose hash matches rather than the
 * whole directory.  It is built without locks and published under
 * n_lock (a loser frees its copy); it never changes afterwards and is
 * freed with the node.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/lock.h"

#include "cd9660_fs.h"
#include "cd9660_node.h"

#define INDEX_MAX_DIR	(64ULL << 20)	/* bigger directories: no index */

struct cd9660_ixent {
	uint32_t	ie_hash;
	uint32_t	ie_off;		/* directory offset of the record */
};

struct cd9660_dirindex {
	uint32_t	ix_n;
	uint32_t	ix_cap;
	struct cd9660_ixent *ix_ents;
};

struct cd9660_dirent *
cd9660_dirent_alloc(void)
{
	struct cd9660_dirent *de;

	if ((de = kmem_zalloc(sizeof(*de))) == NULL)
		return NULL;
	if ((de->de_link = kmem_zalloc(SYMLINK_MAX + 1)) == NULL) {
		kmem_free(de, sizeof(*de));
		return NULL;
	}
	return de;
}

void
cd9660_dirent_free(struct cd9660_dirent *de)
{
	if (de == NULL)
		return;
	if (de->de_sects != NULL)
		kmem_free(de->de_sects, de->de_sectcap * sizeof(*de->de_sects));
	kmem_free(de->de_link, SYMLINK_MAX + 1);
	kmem_free(de, sizeof(*de));
}

/* Forget everything but the buffers. */
static void
dirent_reset(struct cd9660_dirent *de)
{
	struct cd9660_sect *sects = de->de_sects;
	uint32_t cap = de->de_sectcap;
	char *link = de->de_link;

	memset(de, 0, sizeof(*de));
	de->de_sects = sects;
	de->de_sectcap = cap;
	de->de_link = link;
	link[0] = '\0';
}

static int
dirent_addsect(struct cd9660_dirent *de, uint64_t off, uint64_t len)
{
	struct cd9660_sect *n;
	uint32_t cap;

	if (de->de_nsects == de->de_sectcap) {
		cap = de->de_sectcap == 0 ? 4 : de->de_sectcap * 2;
		if ((n = kmem_alloc(cap * sizeof(*n))) == NULL)
			return ENOMEM;
		if (de->de_sects != NULL) {
			memcpy(n, de->de_sects, de->de_nsects * sizeof(*n));
			kmem_free(de->de_sects,
			    de->de_sectcap * sizeof(*de->de_sects));
		}
		de->de_sects = n;
		de->de_sectcap = cap;
	}
	de->de_sects[de->de_nsects].s_off = off;
	de->de_sects[de->de_nsects].s_len = len;
	de->de_nsects++;
	de->de_size += len;
	return 0;
}

int
cd9660_dirent_copy(struct cd9660_dirent *dst, const struct cd9660_dirent *src)
{
	struct cd9660_sect *sects = NULL;
	char *link = dst->de_link;
	uint32_t cap = src->de_nsects;

	KASSERT(dst != src);
	if (cap > 0 && (sects = kmem_alloc(cap * sizeof(*sects))) == NULL)
		return ENOMEM;
	if (dst->de_sects != NULL)
		kmem_free(dst->de_sects,
		    dst->de_sectcap * sizeof(*dst->de_sects));
	memcpy(dst, src, sizeof(*dst));
	dst->de_link = link;
	memcpy(link, src->de_link, src->de_linklen + 1);
	dst->de_sects = sects;
	dst->de_sectcap = cap;
	if (cap > 0)
		memcpy(sects, src->de_sects, cap * sizeof(*sects));
	return 0;
}

void
cd9660_diriter_init(struct cd9660_diriter *it, struct cd9660_mount *imp,
    uint64_t data, uint64_t size, uint32_t depth, uint64_t pos)
{
	it->di_imp = imp;
	it->di_data = data;
	it->di_size = size;
	it->di_pos = pos;
	it->di_depth = depth;
	it->di_secoff = UINT64_MAX;
}

#define dir_bad(it, ...)						\
	cd9660_corrupt((it)->di_imp, "directory at byte %llu: "		\
	    __VA_ARGS__)

/*
 * The record at di_pos, skipping unused sector tails: *RECP points into
 * di_sec (valid until the next call), *LENP its length, *OFFP its device
 * offset.  di_pos is not advanced.  => 0, ENOENT at the end, EUCLEAN.
 */
static int
diriter_rec(struct cd9660_diriter *it, const uint8_t **recp, size_t *lenp,
    uint64_t *offp)
{
	struct cd9660_mount *imp = it->di_imp;
	uint64_t abs, sec, left;
	size_t boff, len, nlen;
	struct buf *bp;
	int error, nra;

	for (;;) {
		if (it->di_pos >= it->di_size)
			return ENOENT;
		abs = it->di_data + it->di_pos;
		sec = abs & ~(uint64_t)(ISO_SECTOR_SIZE - 1);
		boff = (size_t)(abs - sec);
		if (sec != it->di_secoff) {
			left = (it->di_size - it->di_pos) >> ISO_SECTOR_SHIFT;
			nra = (int)MIN(left, 8);
			if ((error = cd9660_bread(imp, sec, nra, "directory",
			    &bp)) != 0)
				return error;
			memcpy(it->di_sec, bp->b_data, ISO_SECTOR_SIZE);
			brelse(bp);
			it->di_secoff = sec;
		}
		len = it->di_sec[boff];
		if (len == 0) {
			it->di_pos += ISO_SECTOR_SIZE - boff;
			continue;
		}
		if (len < ISO_DIRREC_MIN + 1)
			return dir_bad(it, "record at byte %llu has length %zu",
			    (unsigned long long)it->di_data,
			    (unsigned long long)abs, len);
		if (len > ISO_SECTOR_SIZE - boff)
			return dir_bad(it, "record at byte %llu crosses a "
			    "sector boundary", (unsigned long long)it->di_data,
			    (unsigned long long)abs);
		if (len > it->di_size - it->di_pos)
			return dir_bad(it, "record at byte %llu runs past the "
			    "directory's end", (unsigned long long)it->di_data,
			    (unsigned long long)abs);
		nlen = it->di_sec[boff + 32];
		if (nlen == 0 || ISO_DIRREC_MIN + nlen > len)
			return dir_bad(it, "record at byte %llu has a name of "
			    "%zu bytes in %zu", (unsigned long long)it->di_data,
			    (unsigned long long)abs, nlen, len);
		*recp = it->di_sec + boff;
		*lenp = len;
		*offp = abs;
		return 0;
	}
}

/* Strip a ";digits" version from NAME[0, *LENP) if a name remains. */
static void
strip_version(const char *name, size_t *lenp)
{
	size_t i = *lenp;

	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i >= 2 && name[i - 1] == ';')
		*lenp = i - 1;
}

/* The shown name of an entry without a Rock Ridge name. */
static void
dirent_isoname(const struct cd9660_mount *imp, struct cd9660_dirent *de)
{
	const uint8_t *raw = de->de_isoname;
	size_t i, n = de->de_isonamelen;
	bool lower = false;
	char c;

	if (imp->im_kind == CD9660_JOLIET) {
		n = cd9660_ucs2_to_utf8(raw, n & ~(size_t)1, de->de_name,
		    NAME_MAX);
		strip_version(de->de_name, &n);
	} else {
		n = MIN(n, (size_t)NAME_MAX);
		for (i = 0; i < n; i++)
			if ((raw[i] >= 'a' && raw[i] <= 'z') || imp->im_iso1999)
				lower = true;
		for (i = 0; i < n; i++) {
			c = (char)raw[i];
			if (c == '\0' || c == '/')
				c = '_';
			else if (!lower && c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			de->de_name[i] = c;
		}
		if (!imp->im_iso1999) {
			strip_version(de->de_name, &n);
			if (n >= 2 && de->de_name[n - 1] == '.')
				n--;
		}
	}
	if (n == 0)
		de->de_name[n++] = '_';
	/* Never "." or "..": those are the directory's own records. */
	if ((n == 1 && de->de_name[0] == '.') ||
	    (n == 2 && de->de_name[0] == '.' && de->de_name[1] == '.'))
		de->de_name[n++] = '_';
	de->de_name[n] = '\0';
	de->de_namelen = n;
}

/* Decode the fixed part of record REC into DE. */
static void
dirent_fixed(const uint8_t *rec, uint64_t recoff, struct cd9660_dirent *de)
{
	const struct iso_dirrec *dr = (const struct iso_dirrec *)rec;

	de->de_recoff = recoff;
	de->de_isoflags = dr->flags;
	de->de_funit = dr->file_unit_size;
	de->de_gap = dr->interleave;
	de->de_xar = dr->ext_attr_length;
	de->de_extent = iso_both32(dr->extent);
	(void)cd9660_date7(dr->date, &de->de_recdate);
	de->de_isonamelen = dr->name_len;
	memcpy(de->de_isoname, dr->name, dr->name_len);
	de->de_dot = dr->name_len == 1 && dr->name[0] == ISO_NAME_DOT;
	de->de_dotdot = dr->name_len == 1 && dr->name[0] == ISO_NAME_DOTDOT;
}

/* Device offset of the data of record REC (after its XAR). */
static uint64_t
rec_dataoff(const struct cd9660_mount *imp, const uint8_t *rec)
{
	const struct iso_dirrec *dr = (const struct iso_dirrec *)rec;

	return ((uint64_t)iso_both32(dr->extent) + dr->ext_attr_length) <<
	    imp->im_bshift;
}

/* The following sections of a multi-extent file whose first is in DE. */
static int
dirent_sections(struct cd9660_diriter *it, struct cd9660_dirent *de)
{
	const struct iso_dirrec *dr;
	const uint8_t *rec;
	uint64_t off;
	size_t len;
	int error;

	while (de->de_isoflags & ISO_FILE_MULTIEXTENT) {
		error = diriter_rec(it, &rec, &len, &off);
		if (error == ENOENT)
			return dir_bad(it, "multi-extent file at byte %llu has "
			    "no final section", (unsigned long long)it->di_data,
			    (unsigned long long)de->de_recoff);
		if (error)
			return error;
		dr = (const struct iso_dirrec *)rec;
		if (dr->name_len != de->de_isonamelen ||
		    memcmp(dr->name, de->de_isoname, dr->name_len) != 0 ||
		    (dr->flags & ISO_FILE_DIRECTORY))
			return dir_bad(it, "section at byte %llu does not "
			    "continue the file at byte %llu",
			    (unsigned long long)it->di_data,
			    (unsigned long long)off,
			    (unsigned long long)de->de_recoff);
		if (de->de_nsects >= CD9660_MAX_SECTIONS)
			return dir_bad(it, "file at byte %llu has more than "
			    "%d sections", (unsigned long long)it->di_data,
			    (unsigned long long)de->de_recoff,
			    CD9660_MAX_SECTIONS);
		if ((error = dirent_addsect(de, rec_dataoff(it->di_imp, rec),
		    iso_both32(dr->size))) != 0)
			return error;
		de->de_isoflags = dr->flags;
		it->di_pos += len;
	}
	return 0;
}

int
cd9660_dir_next(struct cd9660_diriter *it, struct cd9660_dirent *de)
{
	struct cd9660_mount *imp = it->di_imp;
	uint8_t first[ISO_DIRREC_MAX];
	const uint8_t *rec;
	uint64_t off;
	size_t len;
	bool rootdot;
	int error;

	for (;;) {
		dirent_reset(de);
		if ((error = diriter_rec(it, &rec, &len, &off)) != 0)
			return error;
		memcpy(first, rec, len);
		de->de_diroff = it->di_pos;
		de->de_depth = it->di_depth;
		dirent_fixed(first, off, de);
		it->di_pos += len;
		if ((de->de_isoflags & ISO_FILE_MULTIEXTENT) &&
		    (de->de_isoflags & ISO_FILE_DIRECTORY))
			return dir_bad(it, "directory record at byte %llu "
			    "claims more sections",
			    (unsigned long long)it->di_data,
			    (unsigned long long)off);
		if ((error = dirent_addsect(de, rec_dataoff(imp, first),
		    iso_both32(((const struct iso_dirrec *)first)->size))) !=
		    0)
			return error;
		if ((error = dirent_sections(it, de)) != 0)
			return error;
		if (imp->im_kind == CD9660_ROCK) {
			rootdot = de->de_dot && off == imp->im_root +
			    ((uint64_t)imp->im_root_xar << imp->im_bshift);
			error = cd9660_susp_decode(imp, first, len, off,
			    rootdot, de);
			if (error == EUCLEAN)
				de->de_error = error;	/* this entry only */
			else if (error != 0)
				return error;
		}
		de->de_nextoff = it->di_pos;
		if (de->de_dot || de->de_dotdot) {
			memcpy(de->de_name, "..", 3);
			de->de_namelen = de->de_dot ? 1 : 2;
			de->de_name[de->de_namelen] = '\0';
			return 0;
		}
		if ((de->de_isoflags & ISO_FILE_ASSOCIATED) ||
		    (de->de_rr & RR_RE))
			continue;
		if (!(de->de_rr & RR_NM) || de->de_namelen == 0)
			dirent_isoname(imp, de);
		return 0;
	}
}

enum vtype
cd9660_dirent_vtype(const struct cd9660_mount *imp,
    const struct cd9660_dirent *de)
{
	enum vtype vt;

	if (de->de_rr & RR_CL)
		return VDIR;
	if (de->de_isoflags & ISO_FILE_DIRECTORY)
		return VDIR;
	if (imp->im_kind != CD9660_ROCK || !(de->de_rr & RR_PX))
		return VREG;
	vt = IFTOVT(de->de_mode);
	if (vt == VDIR || vt == VNON || vt == VBAD)
		return VNON;	/* the two structures disagree */
	return vt;
}

ino64_t
cd9660_dirent_ino(const struct cd9660_mount *imp,
    const struct cd9660_dirent *de)
{
	if (de->de_rr & RR_CL)
		return (ino64_t)de->de_cl << imp->im_bshift;
	if (de->de_isoflags & ISO_FILE_DIRECTORY)
		return (ino64_t)de->de_extent << imp->im_bshift;
	if (imp->im_kind == CD9660_ROCK && (de->de_rr & RR_PX) &&
	    de->de_nlink > 1) {
		if (cd9660_dirent_vtype(imp, de) == VREG && de->de_size > 0 &&
		    de->de_nsects > 0)
			return de->de_sects[0].s_off;
		if ((de->de_rr & RR_PXINO) && de->de_pxino != 0)
			return CD9660_INO_PX | de->de_pxino;
	}
	return de->de_recoff;
}

/* "." and ".." are only the first two records. */
static int
dir_dots_ok(struct cd9660_node *dp, const struct cd9660_dirent *de,
    uint64_t dotdot_off)
{
	if ((de->de_dot && de->de_diroff != 0) ||
	    (de->de_dotdot && de->de_diroff != dotdot_off))
		return cd9660_corrupt(dp->n_imp, "directory inode %llu: "
		    "\"%s\" record at offset %llu",
		    (unsigned long long)dp->n_ino, de->de_name,
		    (unsigned long long)de->de_diroff);
	return 0;
}

int
cd9660_dir_readdir(struct cd9660_node *dp, uint64_t *cookie,
    vfs_filldir_t fill, void *arg)
{
	struct cd9660_mount *imp = dp->n_imp;
	struct cd9660_diriter *it;
	struct cd9660_dirent *de;
	ino64_t ino;
	enum vtype vt;
	int error = 0;

	if (*cookie >= dp->n_rawsize)
		return 0;
	it = kmem_alloc(sizeof(*it));
	de = cd9660_dirent_alloc();
	if (it == NULL || de == NULL) {
		error = ENOMEM;
		goto out;
	}
	cd9660_diriter_init(it, imp, dp->n_sects[0].s_off, dp->n_rawsize,
	    dp->n_depth, *cookie);
	for (;;) {
		error = cd9660_dir_next(it, de);
		if (error == ENOENT) {
			*cookie = dp->n_rawsize;
			error = 0;
			break;
		}
		if (error)
			break;
		if ((error = dir_dots_ok(dp, de, dp->n_dotdot)) != 0)
			break;
		if (de->de_dot) {
			ino = dp->n_ino;
			vt = VDIR;
		} else if (de->de_dotdot) {
			ino = dp->n_parent;
			vt = VDIR;
		} else {
			ino = cd9660_dirent_ino(imp, de);
			vt = cd9660_dirent_vtype(imp, de);
		}
		if (fill(arg, de->de_name, de->de_namelen, ino, vt,
		    de->de_nextoff) != 0)
			break;
		*cookie = de->de_nextoff;
	}
out:
	if (it != NULL)
		kmem_free(it, sizeof(*it));
	cd9660_dirent_free(de);
	return error;
}

int
cd9660_dir_count_subdirs(struct cd9660_node *dp, uint32_t *np)
{
	struct cd9660_diriter *it;
	struct cd9660_dirent *de;
	uint32_t n = 0;
	int error;

	it = kmem_alloc(sizeof(*it));
	de = cd9660_dirent_alloc();
	if (it == NULL || de == NULL) {
		error = ENOMEM;
		goto out;
	}
	cd9660_diriter_init(it, dp->n_imp, dp->n_sects[0].s_off,
	    dp->n_rawsize, dp->n_depth, 0);
	while ((error = cd9660_dir_next(it, de)) == 0) {
		if (!de->de_dot && !de->de_dotdot &&
		    cd9660_dirent_vtype(dp->n_imp, de) == VDIR &&
		    n < UINT32_MAX - 2)
			n++;
	}
	if (error == ENOENT)
		error = 0;
	*np = n;
out:
	if (it != NULL)
		kmem_free(it, sizeof(*it));
	cd9660_dirent_free(de);
	return error;
}

/* ---- the name index ---- */

static uint32_t
name_hash(const char *name, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)name[i];
		h *= 16777619u;
	}
	return h;
}

static bool
ixent_less(const struct cd9660_ixent *a, const struct cd9660_ixent *b)
{
	return a->ie_hash < b->ie_hash ||
	    (a->ie_hash == b->ie_hash && a->ie_off < b->ie_off);
}

/* Heap sort (no libc here). */
static void
ix_sift(struct cd9660_ixent *v, size_t start, size_t end)
{
	struct cd9660_ixent t;
	size_t root = start, child;

	while ((child = 2 * root + 1) < end) {
		if (child + 1 < end && ixent_less(&v[child], &v[child + 1]))
			child++;
		if (!ixent_less(&v[root], &v[child]))
			return;
		t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

static void
ix_sort(struct cd9660_ixent *v, size_t n)
{
	struct cd9660_ixent t;
	size_t i;

	if (n < 2)
		return;
	for (i = n / 2; i-- > 0;)
		ix_sift(v, i, n);
	for (i = n - 1; i > 0; i--) {
		t = v[0];
		v[0] = v[i];
		v[i] = t;
		ix_sift(v, 0, i);
	}
}

void
cd9660_dirindex_free(struct cd9660_dirindex *ix)
{
	if (ix == NULL)
		return;
	if (ix->ix_ents != NULL)
		kmem_free(ix->ix_ents, ix->ix_cap * sizeof(*ix->ix_ents));
	kmem_free(ix, sizeof(*ix));
}

static int
ix_add(struct cd9660_dirindex *ix, uint32_t hash, uint32_t off)
{
	struct cd9660_ixent *n;
	uint32_t cap;

	if (ix->ix_n == ix->ix_cap) {
		cap = ix->ix_cap == 0 ? 64 : ix->ix_cap * 2;
		if ((n = kmem_alloc(cap * sizeof(*n))) == NULL)
			return ENOMEM;
		if (ix->ix_ents != NULL) {
			memcpy(n, ix->ix_ents, ix->ix_n * sizeof(*n));
			kmem_free(ix->ix_ents, ix->ix_cap * sizeof(*n));
		}
		ix->ix_ents = n;
		ix->ix_cap = cap;
	}
	ix->ix_ents[ix->ix_n].ie_hash = hash;
	ix->ix_ents[ix->ix_n].ie_off = off;
	ix->ix_n++;
	return 0;
}

static int
dir_index_build(struct cd9660_node *dp, struct cd9660_diriter *it,
    struct cd9660_dirent *de, struct cd9660_dirindex **ixp)
{
	struct cd9660_dirindex *ix;
	int error;

	*ixp = NULL;
	if ((ix = kmem_zalloc(sizeof(*ix))) == NULL)
		return ENOMEM;
	cd9660_diriter_init(it, dp->n_imp, dp->n_sects[0].s_off,
	    dp->n_rawsize, dp->n_depth, 0);
	while ((error = cd9660_dir_next(it, de)) == 0) {
		if (de->de_dot || de->de_dotdot)
			continue;
		if ((error = ix_add(ix, name_hash(de->de_name, de->de_namelen),
		    (uint32_t)de->de_diroff)) != 0)
			break;
	}
	if (error != ENOENT) {
		cd9660_dirindex_free(ix);
		return error;
	}
	ix_sort(ix->ix_ents, ix->ix_n);
	*ixp = ix;
	return 0;
}

/* DP's index, built on first use; NULL (and 0) for small directories. */
static int
dir_index_get(struct cd9660_node *dp, struct cd9660_diriter *it,
    struct cd9660_dirent *de, struct cd9660_dirindex **ixp)
{
	struct cd9660_dirindex *ix;
	int error;

	*ixp = NULL;
	if (dp->n_rawsize < CD9660_INDEX_MIN || dp->n_rawsize > INDEX_MAX_DIR)
		return 0;
	mutex_enter(&dp->n_lock);
	ix = dp->n_index;
	mutex_exit(&dp->n_lock);
	if (ix == NULL) {
		if ((error = dir_index_build(dp, it, de, &ix)) != 0)
			return error;
		mutex_enter(&dp->n_lock);
		if (dp->n_index == NULL) {
			dp->n_index = ix;
			ix = NULL;
		}
		mutex_exit(&dp->n_lock);
		cd9660_dirindex_free(ix);
		mutex_enter(&dp->n_lock);
		ix = dp->n_index;
		mutex_exit(&dp->n_lock);
	}
	*ixp = ix;
	return 0;
}

int
cd9660_dir_lookup(struct cd9660_node *dp, const char *name, size_t len,
    struct cd9660_dirent *de)
{
	struct cd9660_mount *imp = dp->n_imp;
	struct cd9660_dirindex *ix;
	struct cd9660_diriter *it;
	uint32_t hash, lo, hi, mid;
	int error;

	if ((it = kmem_alloc(sizeof(*it))) == NULL)
		return ENOMEM;
	if ((error = dir_index_get(dp, it, de, &ix)) != 0)
		goto out;
	if (ix != NULL) {
		hash = name_hash(name, len);
		lo = 0;
		hi = ix->ix_n;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (ix->ix_ents[mid].ie_hash < hash)
				lo = mid + 1;
			else
				hi = mid;
		}
		error = ENOENT;
		for (; lo < ix->ix_n && ix->ix_ents[lo].ie_hash == hash; lo++) {
			cd9660_diriter_init(it, imp, dp->n_sects[0].s_off,
			    dp->n_rawsize, dp->n_depth, ix->ix_ents[lo].ie_off);
			if ((error = cd9660_dir_next(it, de)) != 0) {
				if (error == ENOENT)
					error = cd9660_corrupt(imp,
					    "directory inode %llu changed "
					    "under its index",
					    (unsigned long long)dp->n_ino);
				break;
			}
			if (de->de_namelen == len &&
			    memcmp(de->de_name, name, len) == 0 &&
			    !de->de_dot && !de->de_dotdot)
				break;
			error = ENOENT;
		}
		goto out;
	}
	cd9660_diriter_init(it, imp, dp->n_sects[0].s_off, dp->n_rawsize,
	    dp->n_depth, 0);
	while ((error = cd9660_dir_next(it, de)) == 0) {
		if (de->de_dot || de->de_dotdot)
			continue;
		if (de->de_namelen == len &&
		    memcmp(de->de_name, name, len) == 0)
			break;
	}
out:
	kmem_free(it, sizeof(*it));
	return error;
}
