/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msdosfs_conv.c -- conversions between what users see and what FAT
 * stores: names and times.  Pure functions: no locks, no I/O.
 *
 * Names.  Long names are UTF-16 on disk (up to 255 units) and UTF-8 to
 * the user.  Surrogate pairs become 4-byte sequences; a lone surrogate
 * (Windows allows them) becomes its 3-byte encoding and is accepted back
 * in that form, so every name on disk round-trips, but an encoded pair
 * of surrogates is refused (it would alias the 4-byte form).  Names are
 * compared case-insensitively after upper-casing each unit (ASCII,
 * Latin-1, Latin Extended-A, Greek, Cyrillic, full-width Latin) and keep
 * their case as written.  Trailing dots are not part of a name (as in
 * Linux's vfat and Windows).  Characters FAT forbids (controls and
 * "*+/:<>?\| as Windows lists them, less '+' which long names allow) are
 * EINVAL.
 *
 * Short names.  A name that fits 8.3 with a base and an extension that
 * are each all upper or all lower case is stored as a short entry alone,
 * with the NT lower-case flags (like Windows NT and Linux).  Any other
 * name gets long-name entries and a short alias made the way Windows
 * does: upper-cased, spaces and extra dots dropped, leading dots
 * dropped, characters outside the 8.3 set replaced by '_' (non-ASCII ones
 * are kept if the mount's code page, 437 or 850, has their upper case),
 * the base cut to 8 and the extension to 3; if anything was lost, a "~N"
 * tail makes it unique (msdosfs_short_tail; the directory code picks N).
 * Short names with bytes >= 0x80 are decoded with the same code page.
 *
 * Times.  DOS dates and times are local time; the mount's offset from
 * UTC (tz=) converts them.  Write times have 2-second resolution,
 * creation times 10 ms, access times a day.  Representable range is
 * 1980-01-01 to 2107-12-31; times outside are clamped.
 */
#include "kern/kern.h"

#include "msdosfs_fs.h"
#include "msdosfs_node.h"

/* ---- UTF-8 <-> UTF-16 ---- */

static bool
is_cont(uint8_t c)
{
	return (c & 0xc0) == 0x80;
}

/*
 * Decode the UTF-8 name S (LEN bytes) into U (room for LFN_MAXLEN units).
 * => EINVAL for a malformed sequence, ENAMETOOLONG past 255 units.
 */
int
msdosfs_utf8_to_utf16(const char *s, size_t len, uint16_t *u, size_t *ulenp)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + len;
	size_t n = 0;
	uint32_t cp;
	bool prevhigh = false;

	while (p < end) {
		if (p[0] < 0x80) {
			cp = p[0];
			p++;
		} else if (p[0] >= 0xc2 && p[0] <= 0xdf) {
			if (end - p < 2 || !is_cont(p[1]))
				return EINVAL;
			cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
			p += 2;
		} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
			if (end - p < 3 || !is_cont(p[1]) || !is_cont(p[2]))
				return EINVAL;
			cp = (uint32_t)(p[0] & 0x0f) << 12 |
			    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
			if (cp < 0x800)
				return EINVAL;
			p += 3;
		} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
			if (end - p < 4 || !is_cont(p[1]) || !is_cont(p[2]) ||
			    !is_cont(p[3]))
				return EINVAL;
			cp = (uint32_t)(p[0] & 0x07) << 18 |
			    (uint32_t)(p[1] & 0x3f) << 12 |
			    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
			if (cp < 0x10000 || cp > 0x10ffff)
				return EINVAL;
			p += 4;
		} else
			return EINVAL;
		/* An encoded high surrogate then an encoded low one: CESU. */
		if (cp >= 0xdc00 && cp <= 0xdfff && prevhigh)
			return EINVAL;
		prevhigh = cp >= 0xd800 && cp <= 0xdbff;
		if (cp >= 0x10000) {
			if (n + 2 > LFN_MAXLEN)
				return ENAMETOOLONG;
			cp -= 0x10000;
			u[n++] = (uint16_t)(0xd800 | (cp >> 10));
			u[n++] = (uint16_t)(0xdc00 | (cp & 0x3ff));
		} else {
			if (n + 1 > LFN_MAXLEN)
				return ENAMETOOLONG;
			u[n++] = (uint16_t)cp;
		}
	}
	*ulenp = n;
	return 0;
}

/*
 * Encode U (ULEN units) as UTF-8 into S (SIZE bytes; 3 * ULEN + 1 is
 * always enough), NUL-terminated.  Returns the length without the NUL.
 */
size_t
msdosfs_utf16_to_utf8(const uint16_t *u, size_t ulen, char *s, size_t size)
{
	uint8_t *p = (uint8_t *)s;
	size_t i, n = 0;
	uint32_t cp;

	for (i = 0; i < ulen; i++) {
		cp = u[i];
		if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < ulen &&
		    u[i + 1] >= 0xdc00 && u[i + 1] <= 0xdfff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			    (u[i + 1] - 0xdc00);
			i++;
		}
		if (n + 5 > size)
			break;
		if (cp < 0x80)
			p[n++] = (uint8_t)cp;
		else if (cp < 0x800) {
			p[n++] = (uint8_t)(0xc0 | (cp >> 6));
			p[n++] = (uint8_t)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			p[n++] = (uint8_t)(0xe0 | (cp >> 12));
			p[n++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
			p[n++] = (uint8_t)(0x80 | (cp & 0x3f));
		} else {
			p[n++] = (uint8_t)(0xf0 | (cp >> 18));
			p[n++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
			p[n++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
			p[n++] = (uint8_t)(0x80 | (cp & 0x3f));
		}
	}
	if (size > 0)
		p[MIN(n, size - 1)] = '\0';
	return n;
}

/* ---- name rules ---- */

/* The length of U without its trailing dots. */
size_t
msdosfs_name_striplen(const uint16_t *u, size_t ulen)
{
	while (ulen > 0 && u[ulen - 1] == '.')
		ulen--;
	return ulen;
}

static bool
lfn_badchar(uint16_t c)
{
	if (c < 0x20)
		return true;
	switch (c) {
	case '"': case '*': case '/': case ':': case '<': case '>':
	case '?': case '\\': case '|':
		return true;
	default:
		return false;
	}
}

/*
 * May U (already stripped of trailing dots) name a file?
 * => EINVAL for an empty name or a forbidden character.
 */
int
msdosfs_name_check(const uint16_t *u, size_t ulen)
{
	size_t i;

	if (ulen == 0)
		return EINVAL;
	for (i = 0; i < ulen; i++)
		if (lfn_badchar(u[i]))
			return EINVAL;
	return 0;
}

/* ---- case ---- */

uint16_t
msdosfs_upcase(uint16_t c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') ? (uint16_t)(c - 0x20) : c;
	if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
		return (uint16_t)(c - 0x20);
	if (c == 0xff)
		return 0x178;
	if (c >= 0x100 && c <= 0x17f) {
		/* Latin Extended-A: pairs, upper case first or second. */
		if ((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
			return (uint16_t)(c & ~1u);
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return (c & 1) ? c : (uint16_t)(c - 1);
		return c;
	}
	if (c >= 0x3b1 && c <= 0x3c9)
		return c == 0x3c2 ? 0x3a3 : (uint16_t)(c - 0x20);
	if (c >= 0x430 && c <= 0x44f)
		return (uint16_t)(c - 0x20);
	if (c >= 0x450 && c <= 0x45f)
		return (uint16_t)(c - 0x50);
	if (c >= 0xff41 && c <= 0xff5a)
		return (uint16_t)(c - 0x20);
	return c;
}

/* Do the two names match, ignoring case? */
bool
msdosfs_name_eq(const uint16_t *a, size_t alen, const uint16_t *b,
    size_t blen)
{
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++)
		if (a[i] != b[i] &&
		    msdosfs_upcase(a[i]) != msdosfs_upcase(b[i]))
			return false;
	return true;
}

/* ---- short names ---- */

uint8_t
msdosfs_lfn_cksum(const uint8_t name[11])
{
	uint8_t sum = 0;
	int i;

	for (i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name[i]);
	return sum;
}

/* Code pages for short-name bytes 0x80..0xff. */
const uint16_t msdosfs_cp437[128] = {
	0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7,
	0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee, 0x00ec, 0x00c4, 0x00c5,
	0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9,
	0x00ff, 0x00d6, 0x00dc, 0x00a2, 0x00a3, 0x00a5, 0x20a7, 0x0192,
	0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa, 0x00ba,
	0x00bf, 0x2310, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb,
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
	0x2555, 0x2563, 0x2551, 0x2557, 0x255d, 0x255c, 0x255b, 0x2510,
	0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x255e, 0x255f,
	0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256c, 0x2567,
	0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256b,
	0x256a, 0x2518, 0x250c, 0x2588, 0x2584, 0x258c, 0x2590, 0x2580,
	0x03b1, 0x00df, 0x0393, 0x03c0, 0x03a3, 0x03c3, 0x00b5, 0x03c4,
	0x03a6, 0x0398, 0x03a9, 0x03b4, 0x221e, 0x03c6, 0x03b5, 0x2229,
	0x2261, 0x00b1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00f7, 0x2248,
	0x00b0, 0x2219, 0x00b7, 0x221a, 0x207f, 0x00b2, 0x25a0, 0x00a0,
};

const uint16_t msdosfs_cp850[128] = {
	0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7,
	0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee, 0x00ec, 0x00c4, 0x00c5,
	0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9,
	0x00ff, 0x00d6, 0x00dc, 0x00f8, 0x00a3, 0x00d8, 0x00d7, 0x0192,
	0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa, 0x00ba,
	0x00bf, 0x00ae, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb,
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00c1, 0x00c2, 0x00c0,
	0x00a9, 0x2563, 0x2551, 0x2557, 0x255d, 0x00a2, 0x00a5, 0x2510,
	0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x00e3, 0x00c3,
	0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256c, 0x00a4,
	0x00f0, 0x00d0, 0x00ca, 0x00cb, 0x00c8, 0x0131, 0x00cd, 0x00ce,
	0x00cf, 0x2518, 0x250c, 0x2588, 0x2584, 0x00a6, 0x00cc, 0x2580,
	0x00d3, 0x00df, 0x00d4, 0x00d2, 0x00f5, 0x00d5, 0x00b5, 0x00fe,
	0x00de, 0x00da, 0x00db, 0x00d9, 0x00fd, 0x00dd, 0x00af, 0x00b4,
	0x00ad, 0x00b1, 0x2017, 0x00be, 0x00b6, 0x00a7, 0x00f7, 0x00b8,
	0x00b0, 0x00a8, 0x00b7, 0x00b9, 0x00b3, 0x00b2, 0x25a0, 0x00a0,
};

/*
 * Decode the short name NAME with the case flags NTRES and code page CP
 * into U (room for 12 units).
 */
void
msdosfs_short_to_utf16(const uint8_t name[11], uint8_t ntres,
    const uint16_t *cp, uint16_t *u, size_t *ulenp)
{
	size_t n = 0, blen = 8, elen = 3, i;
	uint8_t c;

	while (blen > 0 && name[blen - 1] == ' ')
		blen--;
	while (elen > 0 && name[8 + elen - 1] == ' ')
		elen--;
	for (i = 0; i < blen + elen; i++) {
		if (i == blen)
			u[n++] = '.';
		c = name[i < blen ? i : 8 + (i - blen)];
		if (i == 0 && c == SLOT_E5)
			c = SLOT_DELETED;
		if (c >= 'A' && c <= 'Z' && (ntres & (i < blen ?
		    NTRES_LCASE_BASE : NTRES_LCASE_EXT)))
			c = (uint8_t)(c + 0x20);
		u[n++] = c < 0x80 ? c : cp[c - 0x80];
	}
	*ulenp = n;
}

/* Characters allowed in a short name besides letters and digits. */
static bool
short_special(uint16_t c)
{
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'':
	case '(': case ')': case '-': case '@': case '^': case '_':
	case '`': case '{': case '}': case '~':
		return true;
	default:
		return false;
	}
}

static bool
short_valid(uint16_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || short_special(c);
}

/* Case of a part of a name: bit 0 has upper, bit 1 has lower. */
static unsigned
name_case(const uint16_t *u, size_t n)
{
	unsigned cs = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (u[i] >= 'A' && u[i] <= 'Z')
			cs |= 1;
		else if (u[i] >= 'a' && u[i] <= 'z')
			cs |= 2;
	}
	return cs;
}

/* The code page byte for upper-case character C (>= 0x80), or 0. */
static uint8_t
oem_byte(const uint16_t *cp, uint16_t c)
{
	unsigned i;

	for (i = 0; i < 128; i++)
		if (cp[i] == c && msdosfs_upcase(c) == c)
			return (uint8_t)(0x80 + i);
	return 0;
}

/*
 * The part of U from I to END converted for 8.3 into OUT (MAX chars):
 * upper case, characters outside the 8.3 set and code page CP as '_'.
 */
static size_t
short_part(const uint16_t *u, size_t i, size_t end, uint8_t *out, size_t max,
    const uint16_t *cp, bool *lossyp)
{
	size_t n = 0;
	uint16_t c;
	uint8_t b;

	for (; i < end; i++) {
		c = u[i];
		if (c == ' ' || c == '.') {
			*lossyp = true;
			continue;
		}
		if (n == max) {
			*lossyp = true;
			break;
		}
		if (c >= 0x80) {
			b = oem_byte(cp, msdosfs_upcase(c));
			/* 0xE5 would read as a deleted entry in front. */
			if (b == 0 || (n == 0 && b == SLOT_DELETED)) {
				b = '_';
				*lossyp = true;
			}
			out[n++] = b;
			continue;
		}
		if (c >= 'a' && c <= 'z')
			c = (uint16_t)(c - 0x20);
		else if (!short_valid(c)) {
			c = '_';
			*lossyp = true;
		}
		out[n++] = (uint8_t)c;
	}
	return n;
}

/*
 * The short name to store for the long name U (stripped and checked):
 * BASIS (space padded, upper case) and *NTRESP.  Returns SN_EXACT,
 * SN_FITS or SN_LOSSY (see msdosfs_node.h).
 */
int
msdosfs_short_basis(const uint16_t *u, size_t ulen, const uint16_t *cp,
    uint8_t basis[11], uint8_t *ntresp)
{
	size_t i, dot = ulen, ndots = 0, blen, elen, start;
	unsigned bcase, ecase;
	bool lossy = false, valid = true;

	memset(basis, ' ', 11);
	*ntresp = 0;
	for (i = 0; i < ulen; i++) {
		if (u[i] == '.') {
			dot = i;
			ndots++;
		} else if (!short_valid(u[i]))
			valid = false;
	}
	/* Exact: one optional dot, 1..8 . 1..3, single-case parts. */
	blen = dot;
	elen = dot < ulen ? ulen - dot - 1 : 0;
	if (valid && ndots <= 1 && blen >= 1 && blen <= 8 && elen <= 3 &&
	    (dot == ulen || elen >= 1)) {
		bcase = name_case(u, blen);
		ecase = name_case(u + blen + 1, elen);
		for (i = 0; i < blen; i++)
			basis[i] = (uint8_t)msdosfs_upcase(u[i]);
		for (i = 0; i < elen; i++)
			basis[8 + i] = (uint8_t)msdosfs_upcase(u[blen + 1 + i]);
		if (bcase != 3 && ecase != 3) {
			if (bcase == 2)
				*ntresp |= NTRES_LCASE_BASE;
			if (ecase == 2)
				*ntresp |= NTRES_LCASE_EXT;
			return SN_EXACT;
		}
		return SN_FITS;
	}
	/* Leading dots are dropped; the last other dot starts the extension. */
	for (start = 0; start < ulen && u[start] == '.'; start++)
		lossy = true;
	if (dot < start)
		dot = ulen;
	blen = short_part(u, start, dot, basis, 8, cp, &lossy);
	if (dot < ulen)
		(void)short_part(u, dot + 1, ulen, basis + 8, 3, cp, &lossy);
	if (blen == 0) {
		basis[0] = '_';
		lossy = true;
	}
	return lossy ? SN_LOSSY : SN_FITS;
}

/* Number of decimal digits of N (N >= 1). */
static unsigned
ndigits(uint32_t n)
{
	unsigned d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* Base length of a short name (without trailing spaces). */
static size_t
short_blen(const uint8_t name[11])
{
	size_t n = 8;

	while (n > 0 && name[n - 1] == ' ')
		n--;
	return n;
}

/*
 * BASIS with the tail "~N" (1 <= N <= 999999) in OUT: the base is cut so
 * that base + tail fit 8 characters.  False if N is out of range.
 */
bool
msdosfs_short_tail(const uint8_t basis[11], uint32_t n, uint8_t out[11])
{
	unsigned d, i;
	size_t p;

	if (n < 1 || n > 999999)
		return false;
	d = ndigits(n);
	p = MIN(short_blen(basis), (size_t)(7 - d));
	memcpy(out, basis, 11);
	memset(out + p, ' ', 8 - p);
	out[p] = '~';
	for (i = 0; i < d; i++) {
		out[p + d - i] = (uint8_t)('0' + n % 10);
		n /= 10;
	}
	return true;
}

/*
 * If NAME is BASIS with some tail "~N", return 1 and N in *NP; else 0.
 */
int
msdosfs_short_tailnum(const uint8_t basis[11], const uint8_t name[11],
    uint32_t *np)
{
	size_t blen = short_blen(name), p, i;
	uint32_t n = 0;
	unsigned d;

	if (memcmp(basis + 8, name + 8, 3) != 0)
		return 0;
	for (p = blen; p > 0 && name[p - 1] != '~'; p--)
		;
	if (p == 0 || p == blen)
		return 0;
	p--;		/* the '~' */
	d = (unsigned)(blen - p - 1);
	if (d > 6 || name[p + 1] == '0')
		return 0;
	for (i = p + 1; i < blen; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		n = n * 10 + (uint32_t)(name[i] - '0');
	}
	if (p != MIN(short_blen(basis), (size_t)(7 - d)) ||
	    memcmp(basis, name, p) != 0)
		return 0;
	*np = n;
	return 1;
}

/* ---- times ---- */

/* Days from 1970-01-01 to Y-M-D (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse: Y-M-D of day Z since 1970-01-01. */
static void
civil_from_days(int64_t z, int64_t *yp, unsigned *mp, unsigned *dp)
{
	int64_t era, doe, yoe, y, doy, mp5;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp5 = (5 * doy + 2) / 153;
	*dp = (unsigned)(doy - (153 * mp5 + 2) / 5 + 1);
	*mp = (unsigned)(mp5 < 10 ? mp5 + 3 : mp5 - 9);
	*yp = y + (*mp <= 2);
}

/*
 * DOS DATE and TIME (local, TZOFF seconds east of UTC) plus CS
 * hundredths of a second (0..199) to a UTC timestamp.  Out-of-range
 * fields are clamped.
 */
void
msdosfs_dos2unix(uint16_t date, uint16_t time, uint8_t cs, int32_t tzoff,
    struct vfs_timespec *ts)
{
	unsigned d = date & DD_DAY_MASK;
	unsigned m = (date & DD_MONTH_MASK) >> DD_MONTH_SHIFT;
	int64_t y = DOS_EPOCH_YEAR + (date >> DD_YEAR_SHIFT), secs;
	unsigned hh = time >> DT_HOUR_SHIFT;
	unsigned mm = (time & DT_MIN_MASK) >> DT_MIN_SHIFT;
	unsigned ss = (time & DT_2SEC_MASK) * 2;

	if (m < 1)
		m = 1;
	if (m > 12)
		m = 12;
	if (d < 1)
		d = 1;
	if (hh > 23)
		hh = 23;
	if (mm > 59)
		mm = 59;
	if (cs > 199)
		cs = 199;
	secs = days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss +
	    cs / 100;
	ts->tv_sec = secs - tzoff;
	ts->tv_nsec = (long)(cs % 100) * 10000000L;
}

/*
 * A UTC timestamp to DOS DATE, TIME and CS (any may be NULL) in local
 * time TZOFF seconds east of UTC, clamped to 1980..2107.
 */
void
msdosfs_unix2dos(const struct vfs_timespec *ts, int32_t tzoff,
    uint16_t *datep, uint16_t *timep, uint8_t *csp)
{
	/* 1980-01-01 00:00:00 and 2107-12-31 23:59:59 local */
	const int64_t lo = 315532800LL, hi = 4354819199LL;
	int64_t t = ts->tv_sec + tzoff, days, y;
	unsigned m, d, sod;
	long nsec = ts->tv_nsec;

	if (nsec < 0 || nsec >= 1000000000L)
		nsec = 0;
	if (t < lo) {
		t = lo;
		nsec = 0;
	} else if (t > hi) {
		t = hi;
		nsec = 999999999L;
	}
	days = t / 86400;
	sod = (unsigned)(t % 86400);
	civil_from_days(days, &y, &m, &d);
	if (datep != NULL)
		*datep = (uint16_t)((y - DOS_EPOCH_YEAR) << DD_YEAR_SHIFT |
		    m << DD_MONTH_SHIFT | d);
	if (timep != NULL)
		*timep = (uint16_t)((sod / 3600) << DT_HOUR_SHIFT |
		    ((sod / 60) % 60) << DT_MIN_SHIFT | (sod % 60) / 2);
	if (csp != NULL)
		*csp = (uint8_t)((sod % 2) * 100 + nsec / 10000000L);
}
