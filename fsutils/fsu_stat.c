/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_stat.c -- "stat" (GNU stat's default output, -c/--format and
 * --printf with its % sequences, -L) and "df" (GNU df's columns and
 * widths, -h -i -k -T).
 *
 * The kernel has no device numbers for its mounts: %d and %D print 0,
 * the default output "Device: 0,0", and df's "Mounted on" is "/".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "fsu.h"

/* ---- stat ---- */

struct stat_file {
	const char	*name;		/* as given */
	struct vattr	 va;
	bool		 raw_names;	/* the default format's %N */
};

static void
append_escaped_name(GString *out, const char *s)
{

	g_string_append(out, fsu_quote(s));
}

/* %N: 'name' or 'name' -> 'target'. */
static void
fmt_N(GString *out, const struct stat_file *f)
{
	char *target = NULL;

	if (f->raw_names)
		g_string_append(out, f->name);
	else
		append_escaped_name(out, f->name);
	if (f->va.va_type == VLNK && fsu_readlink_str(f->name, &target) == 0) {
		g_string_append(out, " -> ");
		if (f->raw_names)
			g_string_append(out, target);
		else
			append_escaped_name(out, target);
		g_free(target);
	}
}

/* Seconds of TS with PREC digits of fraction ("%.3Y"). */
static char *
fmt_secs(const struct vfs_timespec *ts, int prec)
{
	char frac[16];

	if (prec <= 0)
		return g_strdup_printf("%lld", (long long)ts->tv_sec);
	if (prec > 9)
		prec = 9;
	snprintf(frac, sizeof(frac), "%09ld", ts->tv_nsec);
	frac[prec] = '\0';
	return g_strdup_printf("%lld.%s", (long long)ts->tv_sec, frac);
}

/*
 * Print one directive: SPEC holds the flags and width ("%-10"), CONV
 * the conversion, MOD 'H' or 'L' (or 0) before d/r.
 */
static void
stat_directive(GString *out, const char *spec, int prec, char mod,
    char conv, const struct stat_file *f)
{
	const struct vattr *va = &f->va;
	GString *sval = NULL;
	unsigned long long uval = 0;
	char numfmt = 0;	/* 'u', 'o', 'x' for numbers */
	char mode[11], buf[64];
	const char *name;
	char *fmt, *tmp;

	switch (conv) {
	case 'a':	uval = va->va_mode & 07777; numfmt = 'o'; break;
	case 'A':
		fsu_modestr(va->va_type, va->va_mode, mode);
		sval = g_string_new(mode);
		break;
	case 'b':	uval = (va->va_bytes + 511) / 512; numfmt = 'u'; break;
	case 'B':	uval = 512; numfmt = 'u'; break;
	case 'd':	uval = 0; numfmt = 'u'; break;
	case 'D':	uval = 0; numfmt = 'x'; break;
	case 'f':	uval = fsu_stmode(va); numfmt = 'x'; break;
	case 'F':	sval = g_string_new(fsu_type_name(va)); break;
	case 'g':	uval = va->va_gid; numfmt = 'u'; break;
	case 'G':
		name = fsu_group_name(va->va_gid);
		sval = g_string_new(name != NULL ? name : "UNKNOWN");
		break;
	case 'h':	uval = va->va_nlink; numfmt = 'u'; break;
	case 'i':	uval = va->va_fileid; numfmt = 'u'; break;
	case 'm':	sval = g_string_new("/"); break;
	case 'n':	sval = g_string_new(f->name); break;
	case 'N':	sval = g_string_new(NULL); fmt_N(sval, f); break;
	case 'o':
		uval = va->va_blocksize != 0 ? va->va_blocksize : 4096;
		numfmt = 'u';
		break;
	case 'r':
		uval = mod == 'H' ? major(va->va_rdev) :
		    mod == 'L' ? minor(va->va_rdev) : va->va_rdev;
		numfmt = 'u';
		break;
	case 's':	uval = va->va_size; numfmt = 'u'; break;
	case 't':	uval = major(va->va_rdev); numfmt = 'x'; break;
	case 'T':	uval = minor(va->va_rdev); numfmt = 'x'; break;
	case 'u':	uval = va->va_uid; numfmt = 'u'; break;
	case 'U':
		name = fsu_user_name(va->va_uid);
		sval = g_string_new(name != NULL ? name : "UNKNOWN");
		break;
	case 'w':
		if (!(va->va_mask & VA_BTIME)) {
			sval = g_string_new("-");
			break;
		}
		fsu_fmt_fulltime(&va->va_birthtime, buf, sizeof(buf));
		sval = g_string_new(buf);
		break;
	case 'W':
		tmp = (va->va_mask & VA_BTIME) ?
		    fmt_secs(&va->va_birthtime, prec) : g_strdup("0");
		sval = g_string_new(tmp);
		g_free(tmp);
		prec = -1;
		break;
	case 'x':
	case 'y':
	case 'z':
		fsu_fmt_fulltime(conv == 'x' ? &va->va_atime :
		    conv == 'y' ? &va->va_mtime : &va->va_ctime, buf,
		    sizeof(buf));
		sval = g_string_new(buf);
		break;
	case 'X':
	case 'Y':
	case 'Z':
		tmp = fmt_secs(conv == 'X' ? &va->va_atime :
		    conv == 'Y' ? &va->va_mtime : &va->va_ctime, prec);
		sval = g_string_new(tmp);
		g_free(tmp);
		prec = -1;
		break;
	default:
		g_string_append_c(out, '?');
		return;
	}
	if (sval != NULL) {
		fmt = prec >= 0 ? g_strdup_printf("%s.%ds", spec, prec) :
		    g_strdup_printf("%ss", spec);
		g_string_append_printf(out, fmt, sval->str);
		g_string_free(sval, TRUE);
	} else {
		fmt = g_strdup_printf("%sll%c", spec, numfmt);
		g_string_append_printf(out, fmt, uval);
	}
	g_free(fmt);
}

/* The octal/hex/C escapes of --printf at *PP; advances *PP. */
static void
printf_escape(GString *out, const char **pp)
{
	const char *p = *pp;	/* at the character after '\' */
	unsigned v = 0;
	int n;

	switch (*p) {
	case 'a': g_string_append_c(out, '\a'); break;
	case 'b': g_string_append_c(out, '\b'); break;
	case 'e': g_string_append_c(out, 0x1b); break;
	case 'f': g_string_append_c(out, '\f'); break;
	case 'n': g_string_append_c(out, '\n'); break;
	case 'r': g_string_append_c(out, '\r'); break;
	case 't': g_string_append_c(out, '\t'); break;
	case 'v': g_string_append_c(out, '\v'); break;
	case '"': g_string_append_c(out, '"'); break;
	case '\\': g_string_append_c(out, '\\'); break;
	case 'x':
		for (n = 0; n < 2 && g_ascii_isxdigit(p[1]); n++, p++)
			v = v * 16 + (unsigned)g_ascii_xdigit_value(p[1]);
		if (n == 0) {
			g_string_append(out, "\\x");
			break;
		}
		g_string_append_c(out, (char)v);
		break;
	case '\0':
		g_string_append_c(out, '\\');
		*pp = p;
		return;
	default:
		if (*p >= '0' && *p <= '7') {
			for (n = 0; n < 3 && p[0] >= '0' && p[0] <= '7';
			    n++, p++)
				v = v * 8 + (unsigned)(p[0] - '0');
			g_string_append_c(out, (char)v);
			*pp = p;
			return;
		}
		g_string_append_c(out, '\\');
		g_string_append_c(out, *p);
		break;
	}
	*pp = p + 1;
}

static void
stat_format(GString *out, const char *format, const struct stat_file *f,
    bool escapes)
{
	const char *p = format;
	GString *spec;
	int prec;
	char mod;

	spec = g_string_new(NULL);
	while (*p != '\0') {
		if (*p == '\\' && escapes) {
			p++;
			printf_escape(out, &p);
			continue;
		}
		if (*p != '%') {
			g_string_append_c(out, *p++);
			continue;
		}
		p++;
		if (*p == '%') {
			g_string_append_c(out, '%');
			p++;
			continue;
		}
		g_string_assign(spec, "%");
		while (*p != '\0' && strchr("-#0 +'", *p) != NULL)
			g_string_append_c(spec, *p++);
		while (g_ascii_isdigit(*p))
			g_string_append_c(spec, *p++);
		prec = -1;
		if (*p == '.') {
			p++;
			prec = 0;
			while (g_ascii_isdigit(*p))
				prec = prec * 10 + (*p++ - '0');
		}
		mod = 0;
		if ((*p == 'H' || *p == 'L') && (p[1] == 'd' || p[1] == 'r'))
			mod = *p++;
		if (*p == '\0') {
			g_string_append(out, spec->str);
			break;
		}
		stat_directive(out, spec->str, prec, mod, *p, f);
		p++;
	}
	g_string_free(spec, TRUE);
}

static const char stat_default[] =
    "  File: %N\n"
    "  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\n";
static const char stat_default_dev[] =
    "Device: %Hd,%Ld\tInode: %-10i  Links: %-5h Device type: %Hr,%Lr\n";
static const char stat_default_nodev[] =
    "Device: %Hd,%Ld\tInode: %-10i  Links: %h\n";
static const char stat_default_tail[] =
    "Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\n"
    "Access: %x\n"
    "Modify: %y\n"
    "Change: %z\n"
    " Birth: %w\n";

int
cmd_stat(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'c' },
		{ "printf", required_argument, NULL, 'P' },
		{ "dereference", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = NULL;
	bool follow = false, escapes = false;
	struct stat_file f;
	GString *out;
	int c, i, error, rc = 0;

	while ((c = getopt_long(argc, argv, "c:L", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			format = optarg;
			escapes = false;
			break;
		case 'P':
			format = optarg;
			escapes = true;
			break;
		case 'L':
			follow = true;
			break;
		default:
			return fsu_try_help();
		}
	}
	if (optind >= argc)
		return fsu_usage("missing operand");
	out = g_string_new(NULL);
	for (i = optind; i < argc; i++) {
		memset(&f, 0, sizeof(f));
		f.name = argv[i];
		error = follow ? vfs_sys_stat(f.name, &f.va) :
		    vfs_sys_lstat(f.name, &f.va);
		if (error != 0) {
			fsu_err(error, "cannot statx %s", fsu_quote(f.name));
			rc = 1;
			continue;
		}
		g_string_truncate(out, 0);
		if (format != NULL) {
			stat_format(out, format, &f, escapes);
			if (!escapes)
				g_string_append_c(out, '\n');
		} else {
			f.raw_names = true;
			stat_format(out, stat_default, &f, false);
			f.raw_names = false;
			stat_format(out, f.va.va_type == VCHR ||
			    f.va.va_type == VBLK ? stat_default_dev :
			    stat_default_nodev, &f, false);
			stat_format(out, stat_default_tail, &f, false);
		}
		fwrite(out->str, 1, out->len, stdout);
	}
	g_string_free(out, TRUE);
	return rc;
}

/* ---- df ---- */

enum { DF_SRC, DF_TYPE, DF_SIZE, DF_USED, DF_AVAIL, DF_PCENT, DF_TARGET,
	DF_NCOLS };

int
cmd_df(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "human-readable", no_argument, NULL, 'h' },
		{ "inodes", no_argument, NULL, 'i' },
		{ "print-type", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	static const int minw[DF_NCOLS] = { 14, 4, 5, 5, 5, 4, 0 };
	bool human = false, inodes = false, showtype = false, left;
	const char *hdr[DF_NCOLS], *row[DF_NCOLS];
	char sbuf[3][32], pbuf[16];
	struct vfs_statvfs sv;
	struct mount *mp;
	uint64_t total, used, avail, unit;
	int c, i, w, error;

	while ((c = getopt_long(argc, argv, "hikT", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':	human = true; break;
		case 'i':	inodes = true; break;
		case 'k':	human = false; break;
		case 'T':	showtype = true; break;
		default:
			return fsu_try_help();
		}
	}
	if (optind < argc)
		return fsu_usage("extra operand %s", fsu_quote(argv[optind]));
	if ((error = vfs_sys_statvfs("/", &sv)) != 0) {
		fsu_err(error, "%s", fsu_quote(fsu.image));
		return 1;
	}
	unit = sv.f_frsize != 0 ? sv.f_frsize : sv.f_bsize;
	if (inodes) {
		total = sv.f_files;
		avail = sv.f_ffree;
		used = total >= sv.f_ffree ? total - sv.f_ffree : 0;
		unit = 1;
	} else {
		total = sv.f_blocks;
		used = total >= sv.f_bfree ? total - sv.f_bfree : 0;
		avail = sv.f_bavail;
	}
	hdr[DF_SRC] = "Filesystem";
	hdr[DF_TYPE] = "Type";
	hdr[DF_SIZE] = inodes ? "Inodes" : human ? "Size" : "1K-blocks";
	hdr[DF_USED] = inodes ? "IUsed" : "Used";
	hdr[DF_AVAIL] = inodes ? "IFree" : human ? "Avail" : "Available";
	hdr[DF_PCENT] = inodes ? "IUse%" : "Use%";
	hdr[DF_TARGET] = "Mounted on";
	row[DF_SRC] = fsu.image;
	row[DF_TYPE] = vfs_mount_lookup("/", &mp) == 0 ?
	    vfs_mount_fstype(mp) : "?";
	row[DF_SIZE] = fsu_human(total, unit, inodes ? 1 : 1024, human,
	    sbuf[0]);
	row[DF_USED] = fsu_human(used, unit, inodes ? 1 : 1024, human,
	    sbuf[1]);
	row[DF_AVAIL] = fsu_human(avail, unit, inodes ? 1 : 1024, human,
	    sbuf[2]);
	if (used + avail == 0)
		snprintf(pbuf, sizeof(pbuf), "-");
	else
		snprintf(pbuf, sizeof(pbuf), "%llu%%", (unsigned long long)
		    ((used * 100 + used + avail - 1) / (used + avail)));
	row[DF_PCENT] = pbuf;
	row[DF_TARGET] = "/";
	for (i = 0; i < DF_NCOLS; i++) {
		if (i == DF_TYPE && !showtype)
			continue;
		left = i == DF_SRC || i == DF_TYPE || i == DF_TARGET;
		w = MAX(minw[i], MAX((int)strlen(hdr[i]),
		    (int)strlen(row[i])));
		if (i == DF_TARGET)
			printf("%s\n", hdr[i]);
		else
			printf(left ? "%-*s " : "%*s ", w, hdr[i]);
	}
	for (i = 0; i < DF_NCOLS; i++) {
		if (i == DF_TYPE && !showtype)
			continue;
		left = i == DF_SRC || i == DF_TYPE || i == DF_TARGET;
		w = MAX(minw[i], MAX((int)strlen(hdr[i]),
		    (int)strlen(row[i])));
		if (i == DF_TARGET)
			printf("%s\n", row[i]);
		else
			printf(left ? "%-*s " : "%*s ", w, row[i]);
	}
	return 0;
}
