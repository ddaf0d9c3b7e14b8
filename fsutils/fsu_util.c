/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_util.c -- helpers every fsu command uses: coreutils-style
 * messages and file name quoting, path joining, mode strings and type
 * names, human-readable sizes, host user/group names, timestamps,
 * reading image directories and whole image files.
 *
 * Exports: see fsu.h, sections "messages", "paths", "attributes and
 * formatting", "reading directories", "image file helpers".
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fsu.h"

/* ---- messages ---- */

const char *
fsu_strerror(int error)
{

	switch (error) {
	case ENODATA:
		return "No such attribute";
	default:
		return g_strerror(error);
	}
}

void
fsu_err(int error, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", fsu.progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", fsu_strerror(error));
}

void
fsu_errx(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", fsu.progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
fsu_check_intr(void)
{

	return fsu.interrupted ? EINTR : 0;
}

/*
 * Length of the character at P (LEN bytes left) and whether it prints:
 * ASCII 0x20..0x7e; beyond ASCII, a valid printable character of a
 * UTF-8 locale (in the C locale such bytes are escaped, as GNU does).
 */
static size_t
quote_unit(const char *p, size_t len, bool *printable)
{
	unsigned char c = (unsigned char)*p;
	const char *next;
	gunichar u;

	if (c < 0x80) {
		*printable = c >= 0x20 && c != 0x7f;
		return 1;
	}
	*printable = false;
	if (MB_CUR_MAX > 1) {
		u = g_utf8_get_char_validated(p, (gssize)len);
		if (u != (gunichar)-1 && u != (gunichar)-2) {
			next = g_utf8_next_char(p);
			*printable = g_unichar_isprint(u);
			if (*printable)
				return (size_t)(next - p);
		}
	}
	return 1;
}

static void
quote_escape(GString *s, unsigned char c)
{
	static const char letters[] = "abtnvfr";	/* \a (7) .. \r (13) */

	if (c >= 7 && c <= 13)
		g_string_append_printf(s, "\\%c", letters[c - 7]);
	else
		g_string_append_printf(s, "\\%03o", c);
}

/*
 * Shell-escape-always quoting, as coreutils' quoteaf(): 'x'; "x'y"
 * when a single quote is inside and nothing a double quote would
 * interpret; otherwise '...' runs, \' for quotes and $'...' groups of
 * escapes for unprintable bytes.
 */
const char *
fsu_quote(const char *name)
{
	static char *ring[8];
	static unsigned next;
	GString *s;
	size_t len = strlen(name), i, n;
	bool ctrl = false, squote = false, special = false, pr;
	int state = 0;		/* 0 outside, 1 in '...', 2 in $'...' */

	for (i = 0; i < len; i += n) {
		n = quote_unit(name + i, len - i, &pr);
		if (!pr)
			ctrl = true;
		else if (name[i] == '\'')
			squote = true;
		else if (strchr("\"$`\\", name[i]) != NULL)
			special = true;
	}
	s = g_string_new(NULL);
	if (!ctrl && !squote)
		g_string_append_printf(s, "'%s'", name);
	else if (!ctrl && !special)
		g_string_append_printf(s, "\"%s\"", name);
	else {
		for (i = 0; i < len; i += n) {
			n = quote_unit(name + i, len - i, &pr);
			if (pr && name[i] != '\'') {
				if (state == 2)
					g_string_append_c(s, '\'');
				if (state != 1)
					g_string_append_c(s, '\'');
				state = 1;
				g_string_append_len(s, name + i, (gssize)n);
			} else if (!pr) {
				if (state == 1)
					g_string_append_c(s, '\'');
				if (state != 2)
					g_string_append(s, "$'");
				state = 2;
				quote_escape(s, (unsigned char)name[i]);
			} else {
				if (state != 0)
					g_string_append_c(s, '\'');
				state = 0;
				g_string_append(s, "\\'");
			}
		}
		if (state != 0)
			g_string_append_c(s, '\'');
		if (s->len == 0)
			g_string_append(s, "''");
	}
	g_free(ring[next]);
	ring[next] = g_string_free(s, FALSE);
	next = (next + 1) % G_N_ELEMENTS(ring);
	return ring[(next + G_N_ELEMENTS(ring) - 1) % G_N_ELEMENTS(ring)];
}

/* ---- paths ---- */

char *
fsu_path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n == 0)
		return g_strdup(name);
	if (dir[n - 1] == '/')
		return g_strconcat(dir, name, NULL);
	return g_strconcat(dir, "/", name, NULL);
}

char *
fsu_basename(const char *path)
{
	size_t end = strlen(path), start;

	while (end > 1 && path[end - 1] == '/')
		end--;
	if (end == 1 && path[0] == '/')
		return g_strdup("/");
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	return g_strndup(path + start, end - start);
}

bool
fsu_is_dot_or_dotdot(const char *path)
{
	char *b = fsu_basename(path);
	bool r = strcmp(b, ".") == 0 || strcmp(b, "..") == 0;

	g_free(b);
	return r;
}

/* ---- attributes and formatting ---- */

uint32_t
fsu_vtype_ifmt(enum vtype type)
{

	switch (type) {
	case VREG:	return S_IFREG;
	case VDIR:	return S_IFDIR;
	case VLNK:	return S_IFLNK;
	case VCHR:	return S_IFCHR;
	case VBLK:	return S_IFBLK;
	case VFIFO:	return S_IFIFO;
	case VSOCK:	return S_IFSOCK;
	default:	return 0;
	}
}

char
fsu_vtype_char(enum vtype type)
{

	switch (type) {
	case VREG:	return '-';
	case VDIR:	return 'd';
	case VLNK:	return 'l';
	case VCHR:	return 'c';
	case VBLK:	return 'b';
	case VFIFO:	return 'p';
	case VSOCK:	return 's';
	default:	return '?';
	}
}

void
fsu_modestr(enum vtype type, uint32_t mode, char buf[11])
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	buf[0] = fsu_vtype_char(type);
	for (i = 0; i < 9; i++)
		buf[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
	if (mode & S_ISUID)
		buf[3] = (mode & S_IXUSR) ? 's' : 'S';
	if (mode & S_ISGID)
		buf[6] = (mode & S_IXGRP) ? 's' : 'S';
	if (mode & S_ISVTX)
		buf[9] = (mode & S_IXOTH) ? 't' : 'T';
	buf[10] = '\0';
}

uint32_t
fsu_stmode(const struct vattr *va)
{

	return fsu_vtype_ifmt(va->va_type) | (va->va_mode & 07777);
}

const char *
fsu_type_name(const struct vattr *va)
{

	switch (va->va_type) {
	case VREG:
		return va->va_size == 0 ? "regular empty file" :
		    "regular file";
	case VDIR:	return "directory";
	case VLNK:	return "symbolic link";
	case VCHR:	return "character special file";
	case VBLK:	return "block special file";
	case VFIFO:	return "fifo";
	case VSOCK:	return "socket";
	default:	return "weird file";
	}
}

char *
fsu_human(uint64_t n, uint64_t in_unit, uint64_t out_unit, bool human,
    char *buf)
{
	static const char suffix[] = "KMGTPEZY";
	unsigned __int128 total, d, v, tenths;
	int e;

	total = (unsigned __int128)n * in_unit;
	if (!human) {
		v = (total + out_unit - 1) / out_unit;
		if (v > UINT64_MAX)
			v = UINT64_MAX;
		snprintf(buf, 32, "%llu", (unsigned long long)v);
		return buf;
	}
	if (total < 1024) {
		snprintf(buf, 32, "%llu", (unsigned long long)total);
		return buf;
	}
	for (e = 1, d = 1024; total / d >= 1024 && e < 8; e++)
		d *= 1024;
	if (total < 10 * d) {
		tenths = (total * 10 + d - 1) / d;
		if (tenths < 100) {
			snprintf(buf, 32, "%u.%u%c", (unsigned)(tenths / 10),
			    (unsigned)(tenths % 10), suffix[e - 1]);
			return buf;
		}
		snprintf(buf, 32, "10%c", suffix[e - 1]);
		return buf;
	}
	v = (total + d - 1) / d;
	if (v >= 1024 && e < 8) {
		snprintf(buf, 32, "1.0%c", suffix[e]);
		return buf;
	}
	snprintf(buf, 32, "%llu%c", (unsigned long long)v, suffix[e - 1]);
	return buf;
}

static GHashTable *user_cache, *group_cache;

/* Cached host name lookups; "" stands for "no name". */
static const char *
name_lookup(GHashTable **cachep, uint32_t id, bool user)
{
	gpointer key = GUINT_TO_POINTER(id + 1), val;
	const char *name = NULL;

	if (*cachep == NULL)
		*cachep = g_hash_table_new_full(g_direct_hash,
		    g_direct_equal, NULL, g_free);
	/* id + 1 wraps for 0xffffffff: keep that one out of the cache. */
	if (id != UINT32_MAX &&
	    g_hash_table_lookup_extended(*cachep, key, NULL, &val))
		return *(char *)val != '\0' ? val : NULL;
	if (user) {
		struct passwd *pw = getpwuid((uid_t)id);

		if (pw != NULL)
			name = pw->pw_name;
	} else {
		struct group *gr = getgrgid((gid_t)id);

		if (gr != NULL)
			name = gr->gr_name;
	}
	if (id == UINT32_MAX)
		return NULL;
	val = g_strdup(name != NULL ? name : "");
	g_hash_table_insert(*cachep, key, val);
	return *(char *)val != '\0' ? val : NULL;
}

const char *
fsu_user_name(uint32_t uid)
{

	return name_lookup(&user_cache, uid, true);
}

const char *
fsu_group_name(uint32_t gid)
{

	return name_lookup(&group_cache, gid, false);
}

void
fsu_fmt_fulltime(const struct vfs_timespec *ts, char *buf, size_t len)
{
	time_t t = (time_t)ts->tv_sec;
	struct tm tm;
	char a[64], z[16];

	if (localtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "%lld.%09ld", (long long)ts->tv_sec,
		    ts->tv_nsec);
		return;
	}
	strftime(a, sizeof(a), "%Y-%m-%d %H:%M:%S", &tm);
	strftime(z, sizeof(z), "%z", &tm);
	snprintf(buf, len, "%s.%09ld %s", a, ts->tv_nsec, z);
}

/* ---- reading directories ---- */

struct rd_ctx {
	GPtrArray	*ents;
	unsigned	 seen;	/* entries given in this call, dots too */
};

static void
dirent_free(gpointer p)
{
	struct fsu_dirent *d = p;

	g_free(d->name);
	g_free(d);
}

/* Called with the directory locked: no kernel calls in here. */
static int
rd_fill(void *arg, const char *name, size_t namelen, uint64_t ino,
    enum vtype type, uint64_t nextcookie)
{
	struct rd_ctx *c = arg;
	struct fsu_dirent *d;

	(void)nextcookie;
	c->seen++;
	if ((namelen == 1 && name[0] == '.') ||
	    (namelen == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	d = g_new(struct fsu_dirent, 1);
	d->name = g_strndup(name, namelen);
	d->ino = ino;
	d->type = type;
	g_ptr_array_add(c->ents, d);
	return 0;
}

int
fsu_readdir(const char *path, GPtrArray **entsp)
{
	struct rd_ctx c;
	int fd, error;

	*entsp = NULL;
	if ((error = vfs_sys_open(path, O_RDONLY | O_DIRECTORY, 0,
	    &fd)) != 0)
		return error;
	c.ents = g_ptr_array_new_with_free_func(dirent_free);
	do {
		c.seen = 0;
		error = vfs_sys_getdents(fd, rd_fill, &c);
	} while (error == 0 && c.seen > 0);
	(void)vfs_sys_close(fd);
	if (error != 0) {
		g_ptr_array_unref(c.ents);
		return error;
	}
	*entsp = c.ents;
	return 0;
}

/* ---- image file helpers ---- */

int
fsu_read_file(const char *path, char **bufp, size_t *lenp)
{
	GByteArray *b;
	char chunk[65536];
	size_t n;
	int fd, error;

	*bufp = NULL;
	*lenp = 0;
	if ((error = vfs_sys_open(path, O_RDONLY, 0, &fd)) != 0)
		return error;
	b = g_byte_array_new();
	for (;;) {
		if ((error = fsu_check_intr()) != 0)
			break;
		error = vfs_sys_read(fd, chunk, sizeof(chunk), &n);
		if (error != 0 || n == 0)
			break;
		g_byte_array_append(b, (const guint8 *)chunk, (guint)n);
	}
	(void)vfs_sys_close(fd);
	if (error != 0) {
		g_byte_array_unref(b);
		return error;
	}
	*lenp = b->len;
	g_byte_array_append(b, (const guint8 *)"", 1);	/* NUL guard */
	*bufp = (char *)g_byte_array_free(b, FALSE);
	return 0;
}

int
fsu_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t n;
	int error;

	while (len > 0) {
		if ((error = vfs_sys_write(fd, p, len, &n)) != 0)
			return error;
		if (n == 0)
			return EIO;
		p += n;
		len -= n;
	}
	return 0;
}

int
fsu_readlink_str(const char *path, char **targetp)
{
	char *buf;
	size_t len;
	int error;

	*targetp = NULL;
	buf = g_malloc(PATH_MAX + 1);
	error = vfs_sys_readlink(path, buf, PATH_MAX, &len);
	if (error != 0) {
		g_free(buf);
		return error;
	}
	buf[len] = '\0';
	*targetp = buf;
	return 0;
}
