/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_opts.c -- mount options: parsing the comma-separated option string
 * of a mount, and the driver's accessors for its own options.
 *
 * Exports (mount.h): vfs_getopt, vfs_getopt_uint64; (vfs_internal.h)
 * vfs_opts_parse, vfs_opts_free; (vfs_part.h) vfs_opts_kernel,
 * vfs_opts_iskernel.
 *
 * The kernel handles the generic options itself (table below) and turns
 * them into MNT_* flags.  Every other option must be declared in the
 * driver's vfs_opts table, as a flag ("name") or with a value
 * ("name=value"); anything else fails the mount with EINVAL and a
 * message naming the option.  Empty items (",,", a trailing ',') are
 * ignored.  A driver option given twice keeps the last value.
 *
 * A third kind, the kernel's own options, are used by vfs_mount before
 * the driver is involved and never reach it: part=NAME (mount that
 * partition of the device) and lock / lock=auto / lock=none / nolock
 * (the image lock: exclusive for a read-write mount, shared for a
 * read-only one, by default).  vfs_opts_kernel extracts them;
 * vfs_opts_parse skips them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern/kern.h"
#include "kern/mount.h"
#include "vfs_internal.h"
#include "vfs_part.h"

/* A generic option: sets SET and clears CLR in mnt_flags. */
struct genopt {
	const char	*g_name;
	uint32_t	 g_set;
	uint32_t	 g_clr;
};

static const struct genopt genopts[] = {
	{ "ro",		MNT_RDONLY,	0 },
	{ "rw",		0,		MNT_RDONLY },
	{ "noatime",	MNT_NOATIME,	0 },
	{ "atime",	0,		MNT_NOATIME },
	{ "relatime",	0,		MNT_NOATIME },	/* the default */
	{ "sync",	MNT_SYNCHRONOUS, 0 },
	{ "async",	0,		MNT_SYNCHRONOUS },
	{ "force",	MNT_FORCE,	0 },
	{ "nodev",	MNT_NODEV,	0 },
	{ "dev",	0,		MNT_NODEV },
	{ "nosuid",	MNT_NOSUID,	0 },
	{ "suid",	0,		MNT_NOSUID },
};

static const struct genopt *
genopt_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < __arraycount(genopts); i++)
		if (strlen(genopts[i].g_name) == len &&
		    memcmp(genopts[i].g_name, name, len) == 0)
			return &genopts[i];
	return NULL;
}

static const struct vfs_optdesc *
drvopt_find(const struct vfsops *ops, const char *name, size_t len)
{
	const struct vfs_optdesc *od;

	if (ops == NULL || ops->vfs_opts == NULL)
		return NULL;
	for (od = ops->vfs_opts; od->od_name != NULL; od++)
		if (strlen(od->od_name) == len &&
		    memcmp(od->od_name, name, len) == 0)
			return od;
	return NULL;
}

/* Free mnt_opts. */
void
vfs_opts_free(struct mount *mp)
{
	unsigned i;

	if (mp->mnt_opts == NULL)
		return;
	for (i = 0; i < mp->mnt_nopts; i++) {
		kmem_strfree(mp->mnt_opts[i].o_name);
		kmem_strfree(mp->mnt_opts[i].o_value);
	}
	kmem_free(mp->mnt_opts, mp->mnt_nopts * sizeof(*mp->mnt_opts));
	mp->mnt_opts = NULL;
	mp->mnt_nopts = 0;
}

/*
 * Record driver option NAME (LEN bytes) with VALUE (VLEN bytes, or NULL
 * for a flag) in mnt_opts, replacing an earlier one of the same name.
 */
static int
opt_store(struct mount *mp, const char *name, size_t len, const char *value,
    size_t vlen)
{
	struct vfs_opt *nopts;
	char *nname, *nvalue = NULL;
	unsigned i;

	if (value != NULL && (nvalue = kmem_strndup(value, vlen)) == NULL)
		return ENOMEM;
	for (i = 0; i < mp->mnt_nopts; i++) {
		if (strlen(mp->mnt_opts[i].o_name) == len &&
		    memcmp(mp->mnt_opts[i].o_name, name, len) == 0) {
			kmem_strfree(mp->mnt_opts[i].o_value);
			mp->mnt_opts[i].o_value = nvalue;
			return 0;
		}
	}
	if ((nname = kmem_strndup(name, len)) == NULL)
		goto out_value;
	nopts = kmem_alloc((mp->mnt_nopts + 1) * sizeof(*nopts));
	if (nopts == NULL)
		goto out_name;
	if (mp->mnt_nopts > 0)
		memcpy(nopts, mp->mnt_opts, mp->mnt_nopts * sizeof(*nopts));
	nopts[mp->mnt_nopts].o_name = nname;
	nopts[mp->mnt_nopts].o_value = nvalue;
	if (mp->mnt_opts != NULL)
		kmem_free(mp->mnt_opts, mp->mnt_nopts * sizeof(*nopts));
	mp->mnt_opts = nopts;
	mp->mnt_nopts++;
	return 0;

out_name:
	kmem_strfree(nname);
out_value:
	kmem_strfree(nvalue);
	return ENOMEM;
}

/*
 * Handle one item NAME[=VALUE] (ITEM, LEN bytes, not empty).
 */
static int
opt_one(struct mount *mp, const char *item, size_t len, uint32_t *flagsp,
    bool *rwexplicitp)
{
	const struct vfs_optdesc *od;
	const struct genopt *g;
	const char *eq, *value = NULL;
	const char *fstype;
	size_t nlen = len, vlen = 0;

	if ((eq = memchr(item, '=', len)) != NULL) {
		nlen = (size_t)(eq - item);
		value = eq + 1;
		vlen = len - nlen - 1;
	}
	fstype = mp->mnt_op != NULL ? mp->mnt_op->vfs_name : "auto";
	if ((g = genopt_find(item, nlen)) != NULL) {
		if (value != NULL) {
			vfs_mount_error(mp, "option '%.*s' takes no value",
			    (int)nlen, item);
			return EINVAL;
		}
		*flagsp = (*flagsp | g->g_set) & ~g->g_clr;
		if (strcmp(g->g_name, "rw") == 0)
			*rwexplicitp = true;
		else if (strcmp(g->g_name, "ro") == 0)
			*rwexplicitp = false;
		return 0;
	}
	if (vfs_opts_iskernel(item, nlen))
		return 0;	/* checked by vfs_opts_kernel */
	if (mp->mnt_op == NULL)
		return 0;	/* generic pre-scan: the driver is not known */
	if ((od = drvopt_find(mp->mnt_op, item, nlen)) == NULL) {
		vfs_mount_error(mp, "unknown mount option '%.*s' for %s",
		    (int)nlen, item, fstype);
		return EINVAL;
	}
	if (od->od_type == VFS_OPT_FLAG && value != NULL) {
		vfs_mount_error(mp, "option '%.*s' takes no value",
		    (int)nlen, item);
		return EINVAL;
	}
	if (od->od_type == VFS_OPT_VALUE && (value == NULL || vlen == 0)) {
		vfs_mount_error(mp, "option '%.*s' needs a value",
		    (int)nlen, item);
		return EINVAL;
	}
	return opt_store(mp, item, nlen, value, vlen);
}

bool
vfs_opts_iskernel(const char *name, size_t len)
{
	static const char *const names[] = { "part", "lock", "nolock" };
	size_t i;

	for (i = 0; i < __arraycount(names); i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return true;
	return false;
}

/* One kernel option ITEM (LEN bytes, NLEN of them the name). */
static int
kopt_one(const char *item, size_t len, size_t nlen, struct kopts *ko,
    char *msg, size_t msglen)
{
	const char *value = nlen < len ? item + nlen + 1 : NULL;
	size_t vlen = value != NULL ? len - nlen - 1 : 0;

	if (nlen == 4 && memcmp(item, "part", 4) == 0) {
		if (value == NULL || vlen == 0 || vlen >= sizeof(ko->ko_part))
			goto bad;
		memcpy(ko->ko_part, value, vlen);
		ko->ko_part[vlen] = '\0';
		if (!part_name_valid(ko->ko_part))
			goto bad;
		return 0;
	}
	if (nlen == 6 && memcmp(item, "nolock", 6) == 0) {
		if (value != NULL)
			goto bad;
		ko->ko_lock = KOPT_LOCK_NONE;
		return 0;
	}
	/* "lock" */
	if (value == NULL || (vlen == 4 && memcmp(value, "auto", 4) == 0))
		ko->ko_lock = KOPT_LOCK_AUTO;
	else if (vlen == 4 && memcmp(value, "none", 4) == 0)
		ko->ko_lock = KOPT_LOCK_NONE;
	else
		goto bad;
	return 0;
bad:
	(void)ksnprintf(msg, msglen, "bad option '%.*s' (part=N, part=a, "
	    "part=1a; lock, lock=auto, lock=none, nolock)", (int)len, item);
	return EINVAL;
}

/* See vfs_part.h. */
int
vfs_opts_kernel(const char *options, struct kopts *ko, char *msg,
    size_t msglen)
{
	const char *p, *end, *eq;
	size_t len, nlen;
	int error;

	memset(ko, 0, sizeof(*ko));
	ko->ko_lock = KOPT_LOCK_AUTO;
	if (options == NULL)
		return 0;
	for (p = options; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		eq = memchr(p, '=', len);
		nlen = eq != NULL ? (size_t)(eq - p) : len;
		if (len == 0 || !vfs_opts_iskernel(p, nlen))
			continue;
		if ((error = kopt_one(p, len, nlen, ko, msg, msglen)) != 0)
			return error;
	}
	return 0;
}

/*
 * Parse OPTIONS for MP; see vfs_internal.h.  With MP->mnt_op NULL only
 * the generic options are looked at (the others are skipped), for the
 * pre-scan of an "auto" mount.
 */
int
vfs_opts_parse(struct mount *mp, const char *options, uint32_t *flagsp,
    bool *rwexplicitp)
{
	const char *p, *end;
	int error;

	*rwexplicitp = false;
	if (options == NULL)
		return 0;
	for (p = options; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		if (end == p)
			continue;
		if ((error = opt_one(mp, p, (size_t)(end - p), flagsp,
		    rwexplicitp)) != 0) {
			vfs_opts_free(mp);
			return error;
		}
	}
	return 0;
}

/*
 * Is driver option NAME set?  *VALP (if VALP is not NULL) gets its value,
 * or NULL for a flag.
 */
bool
vfs_getopt(struct mount *mp, const char *name, const char **valp)
{
	unsigned i;

	for (i = 0; i < mp->mnt_nopts; i++) {
		if (strcmp(mp->mnt_opts[i].o_name, name) == 0) {
			if (valp != NULL)
				*valp = mp->mnt_opts[i].o_value;
			return true;
		}
	}
	if (valp != NULL)
		*valp = NULL;
	return false;
}

/* Multiply without overflow. */
static bool
mul_ok(uint64_t a, uint64_t b, uint64_t *resp)
{

	return !__builtin_mul_overflow(a, b, resp);
}

/*
 * Parse S: decimal or 0x-hex, then optionally one of k m g t (either
 * case; powers of 1024) or '%' (of PERCENT_OF, which must not be 0).
 */
static int
parse_size(const char *s, uint64_t percent_of, uint64_t *valp)
{
	uint64_t v = 0, mult = 1, d;
	unsigned base = 10;
	const char *p = s;
	bool any = false;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (;; p++) {
		if (*p >= '0' && *p <= '9')
			d = (uint64_t)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (uint64_t)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (uint64_t)(*p - 'A' + 10);
		else
			break;
		if (!mul_ok(v, base, &v) || __builtin_add_overflow(v, d, &v))
			return EINVAL;
		any = true;
	}
	if (!any)
		return EINVAL;
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1ULL << 10;
		p++;
		break;
	case 'm': case 'M':
		mult = 1ULL << 20;
		p++;
		break;
	case 'g': case 'G':
		mult = 1ULL << 30;
		p++;
		break;
	case 't': case 'T':
		mult = 1ULL << 40;
		p++;
		break;
	case '%':
		if (percent_of == 0 || p[1] != '\0')
			return EINVAL;
		/* v% of percent_of, exactly, without overflow */
		{
			unsigned __int128 r = (unsigned __int128)v *
			    percent_of / 100;

			if (r > UINT64_MAX)
				return EINVAL;
			*valp = (uint64_t)r;
		}
		return 0;
	default:
		return EINVAL;
	}
	if (*p != '\0')
		return EINVAL;
	if (!mul_ok(v, mult, &v))
		return EINVAL;
	*valp = v;
	return 0;
}

/*
 * The value of driver option NAME as a number or size; see mount.h.
 * => ENOENT if absent, EINVAL if malformed, a flag, or too large.
 */
int
vfs_getopt_uint64(struct mount *mp, const char *name, uint64_t percent_of,
    uint64_t *valp)
{
	const char *val;

	if (!vfs_getopt(mp, name, &val))
		return ENOENT;
	if (val == NULL)
		return EINVAL;
	return parse_size(val, percent_of, valp);
}
