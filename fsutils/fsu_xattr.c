/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_xattr.c -- "getfattr" and "setfattr" with the attr package's
 * formats: "# file: NAME" blocks with name="value" lines sorted by
 * name, values as text when at most one byte in eight is unprintable
 * (a trailing NUL dropped; '"' and '\' escaped with a backslash, NUL,
 * CR and LF as \ooo), else base64 ("0s..."), or as asked with -e;
 * setfattr takes "text", 0xHEX and 0sBASE64 values and restores a
 * getfattr -d dump.  Leading '/' is dropped from names in the output
 * (every image path starts at the root anyway) unless --absolute-names.
 */
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsu.h"

/* ---- value encoding ---- */

static bool
printable_enough(const unsigned char *v, size_t len)
{
	size_t i, bad = 0;

	for (i = 0; i < len; i++)
		if (!g_ascii_isprint(v[i]))
			bad++;
	return len >= bad * 8;
}

/* ENC: NULL (choose), "text", "hex" or "base64". */
static void
encode_value(GString *out, const char *val, size_t len, const char *enc)
{
	const unsigned char *v = (const unsigned char *)val;
	size_t i, tlen = len;
	char *b64;

	if (tlen > 0 && v[tlen - 1] == '\0')
		tlen--;
	if (enc == NULL)
		enc = printable_enough(v, tlen) ? "text" : "base64";
	if (strcmp(enc, "hex") == 0) {
		g_string_append(out, "0x");
		for (i = 0; i < len; i++)
			g_string_append_printf(out, "%02x", v[i]);
	} else if (strcmp(enc, "base64") == 0) {
		b64 = g_base64_encode(v, len);
		g_string_append_printf(out, "0s%s", b64);
		g_free(b64);
	} else {
		g_string_append_c(out, '"');
		for (i = 0; i < tlen; i++) {
			if (v[i] == '"' || v[i] == '\\')
				g_string_append_printf(out, "\\%c", v[i]);
			else if (v[i] == '\0' || v[i] == '\n' || v[i] == '\r')
				g_string_append_printf(out, "\\%03o", v[i]);
			else
				g_string_append_c(out, (char)v[i]);
		}
		g_string_append_c(out, '"');
	}
}

/* Decode a setfattr value; false if malformed. */
static bool
decode_value(const char *s, GByteArray *out)
{
	guchar *bin;
	guint8 byte;
	gsize blen;
	unsigned v;
	int i, n;

	g_byte_array_set_size(out, 0);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (s += 2; *s != '\0'; s += 2) {
			if (!g_ascii_isxdigit(s[0]) || !g_ascii_isxdigit(s[1]))
				return false;
			byte = (guint8)(g_ascii_xdigit_value(s[0]) * 16 +
			    g_ascii_xdigit_value(s[1]));
			g_byte_array_append(out, &byte, 1);
		}
		return true;
	}
	if (s[0] == '0' && (s[1] == 's' || s[1] == 'S')) {
		bin = g_base64_decode(s + 2, &blen);
		g_byte_array_append(out, bin, (guint)blen);
		g_free(bin);
		return true;
	}
	if (s[0] != '"') {
		g_byte_array_append(out, (const guint8 *)s, (guint)strlen(s));
		return true;
	}
	for (s++; *s != '\0' && *s != '"'; s++) {
		guint8 c = (guint8)*s;

		if (*s == '\\' && s[1] >= '0' && s[1] <= '7') {
			for (i = 1, n = 0, v = 0; n < 3 && s[i] >= '0' &&
			    s[i] <= '7'; i++, n++)
				v = v * 8 + (unsigned)(s[i] - '0');
			c = (guint8)v;
			s += n;
		} else if (*s == '\\' && s[1] != '\0')
			c = (guint8)*++s;
		g_byte_array_append(out, &c, 1);
	}
	return *s == '"' && s[1] == '\0';
}

/* ---- getfattr ---- */

struct getf_ctx {
	const char	*name;		/* -n */
	regex_t		 re;		/* -m */
	bool		 all;		/* -m - */
	bool		 dump, nofollow, only_values, absolute;
	const char	*enc;
	int		 status;
};

static gint
str_cmp(gconstpointer a, gconstpointer b)
{

	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
getx(const char *path, const char *name, bool nofollow, char **valp,
    size_t *lenp)
{
	int flags = nofollow ? AT_SYMLINK_NOFOLLOW : 0;
	size_t len, got;
	char *buf;
	int error;

	*valp = NULL;
	if ((error = vfs_sys_getxattr(path, name, NULL, 0, &len,
	    flags)) != 0)
		return error;
	buf = g_malloc(len + 1);
	if ((error = vfs_sys_getxattr(path, name, buf, len + 1, &got,
	    flags)) != 0) {
		g_free(buf);
		return error;
	}
	*valp = buf;
	*lenp = got;
	return 0;
}

static const char *
shown_name(const struct getf_ctx *c, const char *path)
{

	if (c->absolute)
		return path;
	/* As getfattr: no leading '/', and one leading "./" dropped. */
	while (*path == '/')
		path++;
	if (path[0] == '.' && path[1] == '/')
		for (path++; *path == '/'; path++)
			continue;
	return *path != '\0' ? path : ".";
}

static void
getf_line(struct getf_ctx *c, GString *out, const char *path,
    const char *name, bool with_value)
{
	char *val;
	size_t len;
	int error;

	if (!with_value) {
		g_string_append_printf(out, "%s\n", name);
		return;
	}
	if ((error = getx(path, name, c->nofollow, &val, &len)) != 0) {
		/* getfattr says this one without its name. */
		fflush(stdout);
		fprintf(stderr, "%s: %s: %s\n", shown_name(c, path), name,
		    fsu_strerror(error));
		c->status = 1;
		return;
	}
	if (c->only_values)
		g_string_append_len(out, val, (gssize)len);
	else {
		g_string_append_printf(out, "%s=", name);
		encode_value(out, val, len, c->enc);
		g_string_append_c(out, '\n');
	}
	g_free(val);
}

static void
getf_file(struct getf_ctx *c, const char *path)
{
	GString *out = g_string_new(NULL);
	GPtrArray *names;
	char *list, *n;
	size_t len, got;
	guint i;
	int flags = c->nofollow ? AT_SYMLINK_NOFOLLOW : 0, error;

	if (c->name != NULL)
		getf_line(c, out, path, c->name, true);
	else {
		error = vfs_sys_listxattr(path, NULL, 0, &len, flags);
		list = g_malloc(len + 1);
		if (error == 0)
			error = vfs_sys_listxattr(path, list, len, &got,
			    flags);
		if (error != 0) {
			if (error != ENOTSUP && error != EOPNOTSUPP) {
				fsu_err(error, "%s", shown_name(c, path));
				c->status = 1;
			}
			g_free(list);
			g_string_free(out, TRUE);
			return;
		}
		names = g_ptr_array_new();
		for (n = list; n < list + got; n += strlen(n) + 1)
			if (*n != '\0' && (c->all ||
			    regexec(&c->re, n, 0, NULL, 0) == 0))
				g_ptr_array_add(names, n);
		g_ptr_array_sort(names, str_cmp);
		for (i = 0; i < names->len; i++)
			getf_line(c, out, path, g_ptr_array_index(names, i),
			    c->dump);
		g_ptr_array_unref(names);
		g_free(list);
	}
	if (out->len > 0) {
		if (!c->only_values)
			printf("# file: %s\n%s\n", shown_name(c, path),
			    out->str);
		else
			fwrite(out->str, 1, out->len, stdout);
	}
	g_string_free(out, TRUE);
}

static int
getf_visit(struct fsu_walk_ent *e, void *arg)
{
	struct getf_ctx *c = arg;

	if (e->error != 0) {
		fsu_err(e->error, "%s", shown_name(c, e->path));
		c->status = 1;
		return FSU_WALK_CONTINUE;
	}
	getf_file(c, e->path);
	return FSU_WALK_CONTINUE;
}

int
cmd_getfattr(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "dump", no_argument, NULL, 'd' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "match", required_argument, NULL, 'm' },
		{ "no-dereference", no_argument, NULL, 'h' },
		{ "recursive", no_argument, NULL, 'R' },
		{ "only-values", no_argument, NULL, 'V' },
		{ "absolute-names", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct getf_ctx c;
	const char *pattern = "^user\\.";
	bool recursive = false;
	struct vattr va;
	int ch, i, error;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "de:hm:n:R", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':	c.dump = true; break;
		case 'e':
			if (strcmp(optarg, "text") != 0 &&
			    strcmp(optarg, "hex") != 0 &&
			    strcmp(optarg, "base64") != 0)
				return fsu_usage("unrecognized encoding %s",
				    fsu_quote(optarg));
			c.enc = optarg;
			break;
		case 'h':	c.nofollow = true; break;
		case 'm':	pattern = optarg; break;
		case 'n':	c.name = optarg; break;
		case 'R':	recursive = true; break;
		case 'V':	c.only_values = true; break;
		case 'a':	c.absolute = true; break;
		default:	return fsu_try_help();
		}
	}
	if (optind >= argc)
		return fsu_usage("missing operand");
	if (strcmp(pattern, "-") == 0 || *pattern == '\0')
		c.all = true;
	else if (regcomp(&c.re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
		fsu_errx("invalid pattern %s", fsu_quote(pattern));
		return 1;
	}
	for (i = optind; i < argc; i++) {
		if (recursive) {
			if (fsu_walk(argv[i], c.nofollow ? 0 :
			    FSU_WF_FOLLOW_ROOT, true, -1, getf_visit,
			    &c) != 0) {
				c.status = 1;
				break;
			}
			continue;
		}
		error = c.nofollow ? vfs_sys_lstat(argv[i], &va) :
		    vfs_sys_stat(argv[i], &va);
		if (error != 0) {
			fsu_err(error, "%s", shown_name(&c, argv[i]));
			c.status = 1;
			continue;
		}
		getf_file(&c, argv[i]);
	}
	if (!c.all)
		regfree(&c.re);
	return c.status;
}

/* ---- setfattr ---- */

static int
setf_apply(const char *path, const char *name, const char *value,
    bool remove, bool nofollow)
{
	GByteArray *v;
	int flags = nofollow ? AT_SYMLINK_NOFOLLOW : 0, error;

	if (remove)
		error = vfs_sys_removexattr(path, name, flags);
	else {
		v = g_byte_array_new();
		if (!decode_value(value != NULL ? value : "", v)) {
			fsu_errx("%s: bad value %s", path, fsu_quote(value));
			g_byte_array_unref(v);
			return 1;
		}
		error = vfs_sys_setxattr(path, name, v->data, v->len, 0,
		    flags);
		g_byte_array_unref(v);
	}
	if (error != 0) {
		fsu_err(error, "%s", path);
		return 1;
	}
	return 0;
}

/* --restore=FILE: apply a getfattr -d dump. */
static int
setf_restore(const char *file, bool nofollow)
{
	GError *gerr = NULL;
	char *text = NULL, **lines, *cur = NULL, *eq, *path;
	size_t len;
	int i, rc = 0;

	if (strcmp(file, "-") == 0) {
		GString *in = g_string_new(NULL);
		char buf[4096];

		while ((len = fread(buf, 1, sizeof(buf), stdin)) > 0)
			g_string_append_len(in, buf, (gssize)len);
		text = g_string_free(in, FALSE);
	} else if (!g_file_get_contents(file, &text, &len, &gerr)) {
		fsu_errx("%s", gerr->message);
		g_error_free(gerr);
		return 1;
	}
	lines = g_strsplit(text, "\n", -1);
	g_free(text);
	for (i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], "# file: ")) {
			cur = lines[i] + 8;
			continue;
		}
		if (lines[i][0] == '\0' || lines[i][0] == '#')
			continue;
		if (cur == NULL) {
			fsu_errx("%s: line %d: no \"# file:\" line before it",
			    file, i + 1);
			rc = 1;
			break;
		}
		eq = strchr(lines[i], '=');
		if (eq != NULL)
			*eq = '\0';
		path = cur[0] == '/' ? g_strdup(cur) :
		    g_strconcat("/", cur, NULL);
		rc |= setf_apply(path, lines[i], eq != NULL ? eq + 1 : "",
		    false, nofollow);
		g_free(path);
	}
	g_strfreev(lines);
	return rc;
}

int
cmd_setfattr(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "value", required_argument, NULL, 'v' },
		{ "remove", required_argument, NULL, 'x' },
		{ "no-dereference", no_argument, NULL, 'h' },
		{ "restore", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *value = NULL, *restore = NULL;
	bool remove = false, nofollow = false;
	int ch, i, rc = 0;

	while ((ch = getopt_long(argc, argv, "hn:v:x:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':	nofollow = true; break;
		case 'n':	name = optarg; remove = false; break;
		case 'v':	value = optarg; break;
		case 'x':	name = optarg; remove = true; break;
		case 'r':	restore = optarg; break;
		default:	return fsu_try_help();
		}
	}
	if (restore != NULL)
		return setf_restore(restore, nofollow);
	if (name == NULL)
		return fsu_usage("-n NAME or -x NAME is needed");
	if (optind >= argc)
		return fsu_usage("missing operand");
	for (i = optind; i < argc; i++)
		rc |= setf_apply(argv[i], name, value, remove, nofollow);
	return rc;
}
