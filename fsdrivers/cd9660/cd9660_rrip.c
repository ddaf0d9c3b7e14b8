/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cd9660_rrip.c -- the system use area of a directory record: SUSP
 * entries and continuation areas, and the Rock Ridge entries in them
 * (PX, PN, SL, NM, CL, PL, RE, TF) plus zisofs' ZF/Z2.
 *
 * A record's system use area starts after its name (and the pad byte of
 * an even-length name), skipping SP's len_skp bytes except in the root's
 * "." record, which holds SP itself; a CD-ROM XA block (14 bytes, "XA"
 * at offset 6) in front is skipped.  The area is a chain of entries
 * (signature, length, version, data) each at least 4 bytes and inside
 * the area; zero bytes after the last entry are padding, anything else
 * that does not fit is corrupt.  ST ends an area.  A CE entry names a
 * continuation area (block, offset, length) that is read once the
 * current area is done: its range must lie inside the image, it may not
 * be longer than CD9660_MAX_CE_LEN, a record may have at most
 * CD9660_MAX_CE of them and CD9660_MAX_SUSP bytes in all, and an area
 * seen twice is a loop.  Any of these is EUCLEAN with one log line.
 *
 * One writer bug is read as meant: genisoimage records SL entries of
 * more than 255 bytes with the length byte wrapped; an SL entry whose
 * components run past its length but end exactly 256, 512 or 768 bytes
 * later is taken to be that long.
 *
 * Rock Ridge entries are decoded into the struct cd9660_dirent being
 * built: NM pieces are concatenated (cut at NAME_MAX), SL components
 * are joined into the symlink target (at most SYMLINK_MAX bytes), TF
 * stamps go to birth, modification, access and change times.
 * Exports cd9660_susp_decode() and cd9660_rrip_detect().
 */
#include "kern/kern.h"

#include "cd9660_fs.h"
#include "cd9660_node.h"

/* The state of decoding one record's areas. */
struct susp_walk {
	struct cd9660_mount *sw_imp;
	struct cd9660_dirent *sw_de;
	uint64_t	sw_recoff;	/* the record, for messages */
	bool		sw_have_ce;	/* a CE was found in this area */
	uint64_t	sw_ce_off;	/* its device offset */
	uint32_t	sw_ce_len;
	uint32_t	sw_nce;
	uint64_t	sw_total;
	uint64_t	sw_seen[CD9660_MAX_CE];
	bool		sw_nm_done;	/* an NM without CONTINUE was seen */
};

#define susp_bad(w, ...)						\
	cd9660_corrupt((w)->sw_imp, "directory record at byte %llu: "	\
	    __VA_ARGS__)

static int
rrip_nm(struct susp_walk *w, const uint8_t *e, size_t elen)
{
	struct cd9660_dirent *de = w->sw_de;
	uint8_t flags;
	size_t i, n;

	if (elen < RRIP_NM_MIN)
		return susp_bad(w, "NM entry of %zu bytes",
		    (unsigned long long)w->sw_recoff, elen);
	flags = e[4];
	if (flags & (RRIP_NM_CURRENT | RRIP_NM_PARENT))
		return 0;	/* "." / "..": the ISO identifier says so */
	if (w->sw_nm_done)
		return 0;	/* a second name: keep the first */
	n = elen - RRIP_NM_MIN;
	for (i = 0; i < n; i++) {
		if (e[RRIP_NM_MIN + i] == '\0' || e[RRIP_NM_MIN + i] == '/')
			return susp_bad(w, "NM name holds a %s",
			    (unsigned long long)w->sw_recoff,
			    e[RRIP_NM_MIN + i] == '\0' ? "NUL" : "'/'");
	}
	/* Longer names are cut at NAME_MAX bytes (as Linux does). */
	n = MIN(n, NAME_MAX - de->de_namelen);
	memcpy(de->de_name + de->de_namelen, e + RRIP_NM_MIN, n);
	de->de_namelen += n;
	de->de_name[de->de_namelen] = '\0';
	de->de_rr |= RR_NM;
	if (!(flags & RRIP_NM_CONTINUE))
		w->sw_nm_done = true;
	return 0;
}

/* Append S (N bytes) to the symlink target. */
static int
sl_put(struct susp_walk *w, const void *s, size_t n)
{
	struct cd9660_dirent *de = w->sw_de;

	if (n > SYMLINK_MAX - de->de_linklen)
		return susp_bad(w, "symbolic link target longer than %d "
		    "bytes", (unsigned long long)w->sw_recoff, SYMLINK_MAX);
	memcpy(de->de_link + de->de_linklen, s, n);
	de->de_linklen += n;
	de->de_link[de->de_linklen] = '\0';
	return 0;
}

/* The volume root as seen from a directory DEPTH levels below it. */
static int
sl_volroot(struct susp_walk *w)
{
	uint32_t i, depth = w->sw_de->de_depth;
	int error = 0;

	if (depth == 0)
		return sl_put(w, ".", 1);
	for (i = 0; i < depth && error == 0; i++)
		error = sl_put(w, i == 0 ? ".." : "/..", i == 0 ? 2 : 3);
	return error;
}

static int
rrip_sl(struct susp_walk *w, const uint8_t *e, size_t elen)
{
	struct cd9660_dirent *de = w->sw_de;
	size_t off = RRIP_SL_MIN, clen;
	uint8_t cflags;
	int error;

	if (elen < RRIP_SL_MIN)
		return susp_bad(w, "SL entry of %zu bytes",
		    (unsigned long long)w->sw_recoff, elen);
	/* Every SL entry of a record adds to the one target (as Linux). */
	de->de_rr |= RR_SL;
	while (off < elen) {
		if (elen - off < 2)
			return susp_bad(w, "SL component header cut short",
			    (unsigned long long)w->sw_recoff);
		cflags = e[off];
		clen = e[off + 1];
		if (clen > elen - off - 2)
			return susp_bad(w, "SL component of %zu bytes does "
			    "not fit", (unsigned long long)w->sw_recoff, clen);
		/* A separator unless the previous one continues or is "/". */
		if (de->de_linklen > 0 && !de->de_slc_cont &&
		    !(de->de_linklen == 1 && de->de_link[0] == '/') &&
		    (error = sl_put(w, "/", 1)) != 0)
			return error;
		switch (cflags & ~RRIP_SLC_CONTINUE) {
		case 0:
			if (memchr(e + off + 2, '\0', clen) != NULL)
				return susp_bad(w, "SL component holds a NUL",
				    (unsigned long long)w->sw_recoff);
			error = sl_put(w, e + off + 2, clen);
			break;
		case RRIP_SLC_CURRENT:
			error = sl_put(w, ".", 1);
			break;
		case RRIP_SLC_PARENT:
			error = sl_put(w, "..", 2);
			break;
		case RRIP_SLC_ROOT:
			error = de->de_linklen == 0 ? sl_put(w, "/", 1) : 0;
			break;
		case RRIP_SLC_VOLROOT:
			error = sl_volroot(w);
			break;
		case RRIP_SLC_HOST:
			/* No host name in the kernel: "." is harmless. */
			error = sl_put(w, ".", 1);
			break;
		default:
			return susp_bad(w, "SL component flags 0x%x",
			    (unsigned long long)w->sw_recoff, cflags);
		}
		if (error)
			return error;
		de->de_slc_cont = (cflags & RRIP_SLC_CONTINUE) != 0 &&
		    (cflags & ~RRIP_SLC_CONTINUE) == 0;
		off += 2 + clen;
	}
	return 0;
}

/* One TF stamp; a long one cut short of its zone byte is taken as UTC. */
static void
rrip_tf_stamp(const uint8_t *p, size_t size, size_t avail,
    struct vfs_timespec *ts, bool *okp)
{
	uint8_t tmp[ISO_DATE_LONG];

	memset(tmp, 0, sizeof(tmp));
	memcpy(tmp, p, MIN(size, avail));
	*okp = size == ISO_DATE_LONG ? cd9660_date17(tmp, ts) :
	    cd9660_date7(tmp, ts);
}

static int
rrip_tf(struct susp_walk *w, const uint8_t *e, size_t elen)
{
	static const uint8_t order[] = {
		RRIP_TF_CREATION, RRIP_TF_MODIFY, RRIP_TF_ACCESS,
		RRIP_TF_ATTRIBUTES, RRIP_TF_BACKUP, RRIP_TF_EXPIRATION,
		RRIP_TF_EFFECTIVE,
	};
	struct cd9660_dirent *de = w->sw_de;
	struct vfs_timespec ts;
	size_t size, off = RRIP_TF_MIN, i;
	uint8_t flags;
	bool ok;

	if (elen < RRIP_TF_MIN)
		return susp_bad(w, "TF entry of %zu bytes",
		    (unsigned long long)w->sw_recoff, elen);
	flags = e[4];
	size = (flags & RRIP_TF_LONG_FORM) ? ISO_DATE_LONG : ISO_DATE_SHORT;
	de->de_rr |= RR_TF;
	for (i = 0; i < __arraycount(order); i++) {
		if (!(flags & order[i]))
			continue;
		/*
		 * NetBSD's makefs writes TF one byte short (the last
		 * stamp's zone offset is missing): tolerate exactly that.
		 */
		if (elen - off + 1 < size)
			break;
		rrip_tf_stamp(e + off, size, elen - off, &ts, &ok);
		off += MIN(size, elen - off);
		if (!ok)
			continue;
		switch (order[i]) {
		case RRIP_TF_CREATION:
			de->de_btime = ts;
			de->de_times |= DE_T_BTIME;
			break;
		case RRIP_TF_MODIFY:
			de->de_mtime = ts;
			de->de_times |= DE_T_MTIME;
			break;
		case RRIP_TF_ACCESS:
			de->de_atime = ts;
			de->de_times |= DE_T_ATIME;
			break;
		case RRIP_TF_ATTRIBUTES:
			de->de_ctime = ts;
			de->de_times |= DE_T_CTIME;
			break;
		default:
			break;
		}
	}
	return 0;
}

/*
 * Device numbers: RRIP 1.10 says a 32-bit dev_t goes whole into the low
 * word with the high word 0; Linux's 32-bit encoding is what xorriso and
 * makefs write then.  genisoimage writes major and minor apart.
 */
static uint64_t
rrip_rdev(uint32_t high, uint32_t low)
{
	uint32_t major, minor;

	if (high == 0) {
		major = (low >> 8) & 0xfff;
		minor = (low & 0xff) | ((low >> 12) & 0xfff00);
	} else {
		major = high;
		minor = low;
	}
	return kmakedev(major, minor);
}

static bool
er_is_rrip(const uint8_t *e, size_t elen)
{
	static const char *const ids[] = {
		RRIP_ID_109, RRIP_ID_110, RRIP_ID_112,
	};
	size_t idlen, i;

	if (elen < SUSP_ER_MIN)
		return false;
	idlen = e[4];
	if (idlen > elen - SUSP_ER_MIN)
		return false;
	for (i = 0; i < __arraycount(ids); i++)
		if (idlen == strlen(ids[i]) &&
		    memcmp(e + SUSP_ER_MIN, ids[i], idlen) == 0)
			return true;
	return false;
}

/* Decode one entry E of ELEN bytes (4 <= ELEN, inside the area). */
static int
susp_entry(struct susp_walk *w, const uint8_t *e, size_t elen, bool *stopp)
{
	struct cd9660_dirent *de = w->sw_de;
	uint16_t sig = SUSP_SIG(e[0], e[1]);
	const char *what = NULL;

	*stopp = false;
	switch (sig) {
	case SUSP_SIG('S', 'T'):
		*stopp = true;
		return 0;
	case SUSP_SIG('S', 'P'):
		if (elen >= SUSP_SP_LEN && e[4] == 0xbe && e[5] == 0xef)
			de->de_rr |= RR_SP;
		return 0;
	case SUSP_SIG('C', 'E'):
		if (elen < SUSP_CE_LEN)
			return susp_bad(w, "CE entry of %zu bytes",
			    (unsigned long long)w->sw_recoff, elen);
		if (w->sw_have_ce)
			return 0;	/* one per area; keep the first */
		w->sw_have_ce = true;
		w->sw_ce_off = (uint64_t)iso_both32(e + 4) <<
		    w->sw_imp->im_bshift;
		w->sw_ce_off += iso_both32(e + 12);
		w->sw_ce_len = iso_both32(e + 20);
		return 0;
	case SUSP_SIG('E', 'R'):
		if (er_is_rrip(e, elen))
			de->de_rr |= RR_ER;
		return 0;
	case SUSP_SIG('P', 'X'):
		if (elen < RRIP_PX_LEN_OLD) {
			what = "PX";
			break;
		}
		de->de_mode = iso_both32(e + 4);
		de->de_nlink = iso_both32(e + 12);
		de->de_uid = iso_both32(e + 20);
		de->de_gid = iso_both32(e + 28);
		de->de_rr |= RR_PX;
		if (elen >= RRIP_PX_LEN) {
			de->de_pxino = iso_both32(e + 36);
			de->de_rr |= RR_PXINO;
		}
		return 0;
	case SUSP_SIG('P', 'N'):
		if (elen < RRIP_PN_LEN) {
			what = "PN";
			break;
		}
		de->de_rdev = rrip_rdev(iso_both32(e + 4), iso_both32(e + 12));
		de->de_rr |= RR_PN;
		return 0;
	case SUSP_SIG('S', 'L'):
		return rrip_sl(w, e, elen);
	case SUSP_SIG('N', 'M'):
		return rrip_nm(w, e, elen);
	case SUSP_SIG('C', 'L'):
	case SUSP_SIG('P', 'L'):
		if (elen < RRIP_LINK_LEN) {
			what = sig == SUSP_SIG('C', 'L') ? "CL" : "PL";
			break;
		}
		if (sig == SUSP_SIG('C', 'L')) {
			de->de_cl = iso_both32(e + 4);
			de->de_rr |= RR_CL;
		} else {
			de->de_pl = iso_both32(e + 4);
			de->de_rr |= RR_PL;
		}
		return 0;
	case SUSP_SIG('R', 'E'):
		de->de_rr |= RR_RE;
		return 0;
	case SUSP_SIG('T', 'F'):
		return rrip_tf(w, e, elen);
	case SUSP_SIG('Z', 'F'):
	case SUSP_SIG('Z', '2'):
		if (elen < RRIP_ZF_LEN) {
			what = "ZF";
			break;
		}
		de->de_zf_version = sig == SUSP_SIG('Z', '2') ? 2 : e[3];
		de->de_zf_alg[0] = e[4];
		de->de_zf_alg[1] = e[5];
		de->de_zf_hdr4 = e[6];
		de->de_zf_bshift = e[7];
		de->de_zf_size = de->de_zf_version >= 2 ? iso_le64(e + 8) :
		    iso_both32(e + 8);
		de->de_rr |= RR_ZF;
		return 0;
	default:
		/* PD, ES, RR (1.09 flags), SF, AA/AL (AAIP), others */
		return 0;
	}
	return susp_bad(w, "%s entry of %zu bytes",
	    (unsigned long long)w->sw_recoff, what, elen);
}

/* Do the SL components of E end exactly at LEN? */
static bool
sl_fits(const uint8_t *e, size_t len)
{
	size_t pos = RRIP_SL_MIN;

	while (pos + 2 <= len)
		pos += 2 + (size_t)e[pos + 1];
	return pos == len;
}

/*
 * genisoimage (cdrkit 1.1.11) writes an SL entry longer than 255 bytes
 * with its length byte wrapped.  If ELEN + 256 * k (k = 1..3) bytes of
 * the AVAIL left in the area hold components ending exactly there, that
 * is the entry's real length; else 0.
 */
static size_t
sl_unwrap(const uint8_t *e, size_t elen, size_t avail)
{
	size_t k, want;

	for (k = 1; k <= 3; k++) {
		want = elen + 256 * k;
		if (want > avail)
			break;
		if (sl_fits(e, want))
			return want;
	}
	return 0;
}

/* Walk the entries of one area P[0, LEN). */
static int
susp_area(struct susp_walk *w, const uint8_t *p, size_t len)
{
	size_t off = 0, elen, i, n;
	bool stop;
	int error;

	w->sw_have_ce = false;
	while (len - off >= SUSP_HDR_LEN) {
		elen = p[off + 2];
		if (elen < SUSP_HDR_LEN || elen > len - off) {
			for (i = off; i < len && p[i] == 0; i++)
				continue;
			if (i == len)
				break;	/* zero padding */
			return susp_bad(w, "SUSP entry \"%c%c\" at area offset "
			    "%zu has length %zu (%zu bytes left)",
			    (unsigned long long)w->sw_recoff,
			    p[off] >= 0x20 && p[off] < 0x7f ? p[off] : '?',
			    p[off + 1] >= 0x20 && p[off + 1] < 0x7f ?
			    p[off + 1] : '?', off, elen, len - off);
		}
		if (p[off] == 'S' && p[off + 1] == 'L' &&
		    elen >= RRIP_SL_MIN && !sl_fits(p + off, elen) &&
		    (n = sl_unwrap(p + off, elen, len - off)) != 0) {
			klog(KLOG_DEBUG, "cd9660 (%s): record at byte %llu: SL "
			    "entry of %zu bytes recorded as %zu (genisoimage)",
			    w->sw_imp->im_mp->mnt_source,
			    (unsigned long long)w->sw_recoff, n, elen);
			elen = n;
		}
		if ((error = susp_entry(w, p + off, elen, &stop)) != 0)
			return error;
		if (stop)
			break;
		off += elen;
	}
	return 0;
}

/* Read and walk the continuation area the last area named. */
static int
susp_continue(struct susp_walk *w)
{
	struct cd9660_mount *imp = w->sw_imp;
	uint64_t off = w->sw_ce_off;
	uint32_t len = w->sw_ce_len, i;
	uint8_t *buf;
	int error;

	/* Consumed: an empty area names no further one (fuzzing found a
	   CE entry of length 0 that made the caller loop forever). */
	w->sw_have_ce = false;
	if (len == 0)
		return 0;
	if (w->sw_nce >= CD9660_MAX_CE)
		return susp_bad(w, "more than %d continuation areas",
		    (unsigned long long)w->sw_recoff, CD9660_MAX_CE);
	for (i = 0; i < w->sw_nce; i++)
		if (w->sw_seen[i] == off)
			return susp_bad(w, "continuation areas loop (byte "
			    "%llu again)", (unsigned long long)w->sw_recoff,
			    (unsigned long long)off);
	if (len > CD9660_MAX_CE_LEN || !cd9660_range_ok(imp, off, len))
		return susp_bad(w, "continuation area of %u bytes at byte %llu "
		    "outside the image", (unsigned long long)w->sw_recoff, len,
		    (unsigned long long)off);
	if (w->sw_total + len > CD9660_MAX_SUSP)
		return susp_bad(w, "more than %d bytes of system use data",
		    (unsigned long long)w->sw_recoff, CD9660_MAX_SUSP);
	w->sw_seen[w->sw_nce++] = off;
	w->sw_total += len;
	if ((buf = kmem_alloc(len)) == NULL)
		return ENOMEM;
	error = cd9660_devread(imp, off, buf, len, "continuation area");
	if (error == 0)
		error = susp_area(w, buf, len);
	kmem_free(buf, len);
	return error;
}

/* Where the system use area of REC starts (REC is a checked record). */
static size_t
susp_start(const struct cd9660_mount *imp, const uint8_t *rec, bool rootdot)
{
	size_t nlen = rec[32], start;

	start = ISO_DIRREC_MIN + nlen + ((nlen & 1) == 0 ? 1 : 0);
	if (!rootdot)
		start += imp->im_susp_skip;
	return start;
}

int
cd9660_susp_decode(struct cd9660_mount *imp, const uint8_t *rec, size_t len,
    uint64_t recoff, bool rootdot, struct cd9660_dirent *de)
{
	struct susp_walk w;
	size_t start = susp_start(imp, rec, rootdot);
	int error;

	if (start >= len)
		return 0;
	memset(&w, 0, sizeof(w));
	w.sw_imp = imp;
	w.sw_de = de;
	w.sw_recoff = recoff;
	rec += start;
	len -= start;
	if (len >= 14 && rec[6] == 'X' && rec[7] == 'A') {
		rec += 14;	/* CD-ROM XA system use information */
		len -= 14;
	}
	error = susp_area(&w, rec, len);
	while (error == 0 && w.sw_have_ce)
		error = susp_continue(&w);
	return error;
}

int
cd9660_rrip_detect(struct cd9660_mount *imp, const uint8_t *rec, size_t len,
    uint64_t recoff, bool *suspp, bool *rockp, uint32_t *skipp)
{
	struct cd9660_dirent *de;
	size_t start = susp_start(imp, rec, true);
	const uint8_t *sp = rec + start;
	int error;

	*suspp = *rockp = false;
	*skipp = 0;
	if (start + SUSP_SP_LEN > len || sp[0] != 'S' || sp[1] != 'P' ||
	    sp[2] < SUSP_SP_LEN || sp[4] != 0xbe || sp[5] != 0xef)
		return 0;
	*suspp = true;
	*skipp = sp[6];
	if ((de = cd9660_dirent_alloc()) == NULL)
		return ENOMEM;
	error = cd9660_susp_decode(imp, rec, len, recoff, true, de);
	if (error == 0)
		*rockp = (de->de_rr & (RR_ER | RR_ANY)) != 0;
	cd9660_dirent_free(de);
	return error;
}
