/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_io.c -- the commands that move file contents or names without
 * walking trees: "cat" (image files to stdout), "write" (stdin into an
 * image file), "truncate" (GNU truncate's SIZE syntax) and "readlink"
 * (-f canonicalises inside the image: absolute link targets start at
 * the image's root).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsu.h"

#define IO_CHUNK	(256 * 1024)

/* ---- cat ---- */

int
cmd_cat(int argc, char **argv)
{
	char *buf;
	size_t n;
	int c, i, fd, error, rc = 0;

	while ((c = getopt(argc, argv, "u")) != -1) {
		if (c != 'u')
			return fsu_try_help();
	}
	if (optind >= argc)
		return fsu_usage("missing operand (standard input is not "
		    "read; name files in the image)");
	buf = g_malloc(IO_CHUNK);
	for (i = optind; i < argc; i++) {
		if ((error = vfs_sys_open(argv[i], O_RDONLY, 0, &fd)) != 0) {
			fsu_err(error, "%s", argv[i]);
			rc = 1;
			continue;
		}
		for (;;) {
			if ((error = fsu_check_intr()) != 0)
				break;
			if ((error = vfs_sys_read(fd, buf, IO_CHUNK,
			    &n)) != 0 || n == 0)
				break;
			if (fwrite(buf, 1, n, stdout) != n) {
				fsu_err(errno, "write error");
				(void)vfs_sys_close(fd);
				g_free(buf);
				return 1;
			}
		}
		(void)vfs_sys_close(fd);
		if (error != 0) {
			fsu_err(error, "%s", argv[i]);
			rc = 1;
		}
	}
	g_free(buf);
	return rc;
}

/* ---- write ---- */

int
cmd_write(int argc, char **argv)
{
	bool append = false;
	char *buf;
	ssize_t n;
	int c, fd, error, cerr;

	while ((c = getopt(argc, argv, "a")) != -1) {
		if (c != 'a')
			return fsu_try_help();
		append = true;
	}
	if (optind >= argc)
		return fsu_usage("missing file operand");
	if (argc - optind > 1)
		return fsu_usage("extra operand %s",
		    fsu_quote(argv[optind + 1]));
	error = vfs_sys_open(argv[optind], O_WRONLY | O_CREAT |
	    (append ? O_APPEND : O_TRUNC), 0666 & ~fsu.umask, &fd);
	if (error != 0) {
		fsu_err(error, "%s", argv[optind]);
		return 1;
	}
	buf = g_malloc(IO_CHUNK);
	for (;;) {
		if ((error = fsu_check_intr()) != 0)
			break;
		n = read(STDIN_FILENO, buf, IO_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fsu_err(errno, "standard input");
			error = -1;
			break;
		}
		if (n == 0)
			break;
		if ((error = fsu_write_all(fd, buf, (size_t)n)) != 0)
			break;
	}
	g_free(buf);
	cerr = vfs_sys_close(fd);
	if (error == 0)
		error = cerr;
	if (error > 0)
		fsu_err(error, "%s", argv[optind]);
	return error != 0 ? 1 : 0;
}

/* ---- truncate ---- */

/* GNU truncate's SIZE: [+-<>/%]N[K|KB|KiB|M|...]. */
static bool
parse_size(const char *s, char *opp, uint64_t *np)
{
	static const char units[] = "KMGTPE";
	const char *u;
	char *end;
	uint64_t v, mult = 1, base = 1024;
	int i, pow;

	*opp = 0;
	if (*s != '\0' && strchr("+-<>/%", *s) != NULL)
		*opp = *s++;
	if (!g_ascii_isdigit(*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return false;
	if (*end != '\0') {
		if ((u = strchr(units, *end == 'k' ? 'K' : *end)) == NULL)
			return false;
		pow = (int)(u - units) + 1;
		end++;
		if (strcmp(end, "B") == 0)
			base = 1000;
		else if (strcmp(end, "iB") != 0 && *end != '\0')
			return false;
		for (i = 0; i < pow; i++) {
			if (mult > UINT64_MAX / base)
				return false;
			mult *= base;
		}
	}
	if (v > UINT64_MAX / mult)
		return false;
	*np = v * mult;
	return true;
}

int
cmd_truncate(int argc, char **argv)
{
	const char *sizearg = NULL;
	bool nocreate = false;
	struct vattr va;
	uint64_t n, size;
	char op;
	int c, i, fd, error, rc = 0;

	while ((c = getopt(argc, argv, "cs:")) != -1) {
		switch (c) {
		case 'c':	nocreate = true; break;
		case 's':	sizearg = optarg; break;
		default:	return fsu_try_help();
		}
	}
	if (sizearg == NULL)
		return fsu_usage("you must specify '-s SIZE'");
	if (!parse_size(sizearg, &op, &n) || ((op == '/' || op == '%') &&
	    n == 0)) {
		fsu_errx("Invalid number: %s", fsu_quote(sizearg));
		return 1;
	}
	if (optind >= argc)
		return fsu_usage("missing file operand");
	for (i = optind; i < argc; i++) {
		error = vfs_sys_stat(argv[i], &va);
		if (error == ENOENT && nocreate)
			continue;
		if (error == ENOENT) {
			error = vfs_sys_open(argv[i], O_WRONLY | O_CREAT,
			    0666 & ~fsu.umask, &fd);
			if (error == 0) {
				(void)vfs_sys_close(fd);
				error = vfs_sys_stat(argv[i], &va);
			}
		}
		if (error == 0 && va.va_type == VDIR)
			error = EISDIR;
		if (error != 0) {
			fsu_err(error, "cannot open %s for writing",
			    fsu_quote(argv[i]));
			rc = 1;
			continue;
		}
		switch (op) {
		case '+':	size = va.va_size + n; break;
		case '-':	size = va.va_size > n ? va.va_size - n : 0;
				break;
		case '<':	size = MIN(va.va_size, n); break;
		case '>':	size = MAX(va.va_size, n); break;
		case '/':	size = va.va_size / n * n; break;
		case '%':	size = (va.va_size + n - 1) / n * n; break;
		default:	size = n; break;
		}
		if ((error = vfs_sys_truncate(argv[i], size)) != 0) {
			fsu_err(error, "failed to truncate %s at %llu bytes",
			    fsu_quote(argv[i]), (unsigned long long)size);
			rc = 1;
		}
	}
	return rc;
}

/* ---- readlink ---- */

/*
 * Resolve every symlink in PATH inside the image; the last component
 * need not exist (readlink -f).  See fsu.h.
 */
int
fsu_canonicalize(const char *path, char **resultp)
{
	GPtrArray *todo;	/* components left, last first */
	GString *res;
	struct vattr va;
	char **parts, *comp, *cand, *target;
	int links = 0, error = 0, i;

	todo = g_ptr_array_new_with_free_func(g_free);
	parts = g_strsplit(path, "/", -1);
	for (i = (int)g_strv_length(parts) - 1; i >= 0; i--)
		if (*parts[i] != '\0')
			g_ptr_array_add(todo, g_strdup(parts[i]));
	g_strfreev(parts);
	res = g_string_new("");
	while (todo->len > 0) {
		comp = g_ptr_array_steal_index(todo, todo->len - 1);
		if (strcmp(comp, ".") == 0) {
			g_free(comp);
			continue;
		}
		if (strcmp(comp, "..") == 0) {
			char *slash = strrchr(res->str, '/');

			g_string_truncate(res, slash != NULL ?
			    (gsize)(slash - res->str) : 0);
			g_free(comp);
			continue;
		}
		cand = g_strconcat(res->str, "/", comp, NULL);
		g_free(comp);
		error = vfs_sys_lstat(cand, &va);
		if (error == ENOENT && todo->len == 0) {
			g_string_assign(res, cand);
			g_free(cand);
			error = 0;
			break;
		}
		if (error == 0 && va.va_type == VLNK) {
			if (++links > 40)
				error = ELOOP;
			else if ((error = fsu_readlink_str(cand,
			    &target)) == 0) {
				parts = g_strsplit(target, "/", -1);
				for (i = (int)g_strv_length(parts) - 1;
				    i >= 0; i--)
					if (*parts[i] != '\0')
						g_ptr_array_add(todo,
						    g_strdup(parts[i]));
				g_strfreev(parts);
				if (target[0] == '/')
					g_string_truncate(res, 0);
				g_free(target);
			}
			g_free(cand);
			if (error != 0)
				break;
			continue;
		}
		if (error == 0 && va.va_type != VDIR && todo->len > 0)
			error = ENOTDIR;
		if (error != 0) {
			g_free(cand);
			break;
		}
		g_string_assign(res, cand);
		g_free(cand);
	}
	g_ptr_array_unref(todo);
	if (error != 0) {
		g_string_free(res, TRUE);
		return error;
	}
	if (res->len == 0)
		g_string_assign(res, "/");
	*resultp = g_string_free(res, FALSE);
	return 0;
}

int
cmd_readlink(int argc, char **argv)
{
	bool canon = false, nonl = false, verbose = false;
	char *target;
	int c, i, error, rc = 0;

	while ((c = getopt(argc, argv, "fnqsv")) != -1) {
		switch (c) {
		case 'f':	canon = true; break;
		case 'n':	nonl = true; break;
		case 'q':
		case 's':	verbose = false; break;
		case 'v':	verbose = true; break;
		default:	return fsu_try_help();
		}
	}
	if (optind >= argc)
		return fsu_usage("missing operand");
	if (nonl && argc - optind > 1) {
		fsu_errx("ignoring --no-newline with multiple arguments");
		nonl = false;
	}
	for (i = optind; i < argc; i++) {
		error = canon ? fsu_canonicalize(argv[i], &target) :
		    fsu_readlink_str(argv[i], &target);
		if (error != 0) {
			if (verbose)
				fsu_err(error, "%s", argv[i]);
			rc = 1;
			continue;
		}
		fputs(target, stdout);
		if (!nonl)
			putchar('\n');
		g_free(target);
	}
	return rc;
}
