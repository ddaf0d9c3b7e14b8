/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cd9660_subr.c -- helpers of the ISO 9660 driver: block reads, the map
 * from a file's data to the device, dates, and UCS-2 to UTF-8.
 *
 * Every read goes through the buffer cache in 2048-byte buffers at
 * 2048-byte device offsets (buf.h wants one size per block number), so
 * logical blocks of 512 or 1024 bytes are just offsets inside them.  A
 * range outside the device is refused here, with a log line naming the
 * structure, before it reaches the cache.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/uio.h"

#include "cd9660_fs.h"
#include "cd9660_node.h"

#define SECTOR_BLKS	(ISO_SECTOR_SIZE / DEV_BSIZE)

bool
cd9660_range_ok(const struct cd9660_mount *imp, uint64_t off, uint64_t len)
{
	return off <= imp->im_devsize && len <= imp->im_devsize - off;
}

int
cd9660_bread(struct cd9660_mount *imp, uint64_t off, int nra,
    const char *what, struct buf **bpp)
{
	daddr_t rablks[32];
	uint32_t rasizes[32];
	uint64_t sec = off >> ISO_SECTOR_SHIFT;
	int i, n = 0;

	*bpp = NULL;
	if (off >= imp->im_devsize ||
	    (sec + 1) << ISO_SECTOR_SHIFT > imp->im_devsize)
		return cd9660_corrupt(imp, "%s at byte %llu is beyond the end "
		    "of the image (%llu bytes; truncated?)", what,
		    (unsigned long long)off,
		    (unsigned long long)imp->im_devsize);
	for (i = 1; i <= nra && n < (int)__arraycount(rablks); i++) {
		if ((sec + (uint64_t)i + 1) << ISO_SECTOR_SHIFT >
		    imp->im_devsize)
			break;
		rablks[n] = (daddr_t)((sec + (uint64_t)i) * SECTOR_BLKS);
		rasizes[n] = ISO_SECTOR_SIZE;
		n++;
	}
	if (n == 0)
		return bread(imp->im_dev, (daddr_t)(sec * SECTOR_BLKS),
		    ISO_SECTOR_SIZE, bpp);
	return breadn(imp->im_dev, (daddr_t)(sec * SECTOR_BLKS),
	    ISO_SECTOR_SIZE, rablks, rasizes, n, bpp);
}

int
cd9660_devread(struct cd9660_mount *imp, uint64_t off, void *buf,
    size_t len, const char *what)
{
	uint8_t *p = buf;
	struct buf *bp;
	size_t n, boff;
	int error;

	if (!cd9660_range_ok(imp, off, len))
		return cd9660_corrupt(imp, "%s (%zu bytes at %llu) is beyond "
		    "the end of the image (%llu bytes; truncated?)", what, len,
		    (unsigned long long)off,
		    (unsigned long long)imp->im_devsize);
	while (len > 0) {
		boff = (size_t)(off & (ISO_SECTOR_SIZE - 1));
		n = MIN(len, ISO_SECTOR_SIZE - boff);
		if ((error = cd9660_bread(imp, off, 0, what, &bp)) != 0)
			return error;
		memcpy(p, (uint8_t *)bp->b_data + boff, n);
		brelse(bp);
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int
cd9660_sect_map(const struct cd9660_sect *sects, uint32_t n, uint64_t off,
    uint64_t *devoffp, uint64_t *runp)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (off < sects[i].s_len) {
			*devoffp = sects[i].s_off + off;
			*runp = sects[i].s_len - off;
			return 0;
		}
		off -= sects[i].s_len;
	}
	return EINVAL;
}

int
cd9660_rawread(struct cd9660_node *np, uint64_t off, void *buf, size_t len)
{
	struct cd9660_mount *imp = np->n_imp;
	uint64_t devoff, run;
	uint8_t *p = buf;
	size_t n;
	int error;

	if (np->n_interleaved)
		return EOPNOTSUPP;
	if (off > np->n_rawsize || len > np->n_rawsize - off)
		return cd9660_corrupt(imp, "inode %llu: read of %zu bytes at "
		    "%llu past its data (%llu bytes)",
		    (unsigned long long)np->n_ino, len,
		    (unsigned long long)off,
		    (unsigned long long)np->n_rawsize);
	while (len > 0) {
		if (cd9660_sect_map(np->n_sects, np->n_nsects, off, &devoff,
		    &run) != 0)
			return cd9660_corrupt(imp, "inode %llu: no section "
			    "holds byte %llu", (unsigned long long)np->n_ino,
			    (unsigned long long)off);
		n = (size_t)MIN((uint64_t)len, run);
		if ((error = cd9660_devread(imp, devoff, p, n,
		    "file data")) != 0)
			return error;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* Days from 1970-01-01 to Y-M-D (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * Y-M-D h:m:s local time at GMT offset TZ (15-minute units, -48..52;
 * out of range means 0), to seconds since the epoch.
 */
static bool
iso_mktime(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi,
    unsigned s, int tz, int64_t *secp)
{
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    s > 60)
		return false;
	if (tz < -48 || tz > 52)
		tz = 0;
	*secp = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s -
	    (int64_t)tz * 15 * 60;
	return true;
}

bool
cd9660_date7(const uint8_t *p, struct vfs_timespec *ts)
{
	int64_t sec;

	ts->tv_sec = 0;
	ts->tv_nsec = 0;
	if (p[0] == 0 && p[1] == 0 && p[2] == 0)
		return false;
	if (!iso_mktime(1900 + (int64_t)p[0], p[1], p[2], p[3], p[4], p[5],
	    (int8_t)p[6], &sec))
		return false;
	ts->tv_sec = sec;
	return true;
}

static bool
digits(const uint8_t *p, size_t n, unsigned *vp)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	*vp = v;
	return true;
}

bool
cd9660_date17(const uint8_t *p, struct vfs_timespec *ts)
{
	unsigned y, mo, d, h, mi, s, cs;
	int64_t sec;

	ts->tv_sec = 0;
	ts->tv_nsec = 0;
	if (!digits(p, 4, &y) || !digits(p + 4, 2, &mo) ||
	    !digits(p + 6, 2, &d) || !digits(p + 8, 2, &h) ||
	    !digits(p + 10, 2, &mi) || !digits(p + 12, 2, &s) ||
	    !digits(p + 14, 2, &cs))
		return false;
	if (y == 0 && mo == 0 && d == 0)
		return false;	/* "not specified" */
	if (!iso_mktime(y, mo, d, h, mi, s, (int8_t)p[16], &sec))
		return false;
	ts->tv_sec = sec;
	ts->tv_nsec = (long)cs * 10000000L;
	return true;
}

/* Append code point C as UTF-8 if it fits in OUTMAX - *LENP bytes. */
static bool
put_utf8(uint32_t c, char *out, size_t outmax, size_t *lenp)
{
	uint8_t b[4];
	size_t n;

	if (c < 0x80) {
		b[0] = (uint8_t)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (uint8_t)(0xc0 | c >> 6);
		b[1] = (uint8_t)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (uint8_t)(0xe0 | c >> 12);
		b[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | c >> 18);
		b[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
		b[3] = (uint8_t)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (outmax - *lenp < n)
		return false;
	memcpy(out + *lenp, b, n);
	*lenp += n;
	return true;
}

size_t
cd9660_ucs2_to_utf8(const uint8_t *name, size_t len, char *out,
    size_t outmax)
{
	size_t i, olen = 0;
	uint32_t c, c2;

	for (i = 0; i + 1 < len; i += 2) {
		c = (uint32_t)name[i] << 8 | name[i + 1];
		if (c >= 0xd800 && c < 0xdc00 && i + 3 < len) {
			c2 = (uint32_t)name[i + 2] << 8 | name[i + 3];
			if (c2 >= 0xdc00 && c2 < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) +
				    (c2 - 0xdc00);
				i += 2;
			} else
				c = 0xfffd;
		} else if (c >= 0xd800 && c < 0xe000)
			c = 0xfffd;
		else if (c == 0)
			c = 0xfffd;
		else if (c == '/')
			c = '_';
		if (!put_utf8(c, out, outmax, &olen))
			break;
	}
	return olen;
}
