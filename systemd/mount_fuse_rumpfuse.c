/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mount_fuse_rumpfuse.c -- mount.fuse.rumpfuse, the helper mount(8)
 * runs for filesystems of type fuse.rumpfuse (command lines and fstab
 * lines alike).  It turns mount(8)'s helper calling convention
 *
 *   mount.fuse.rumpfuse SOURCE DIR [-sfnvrw] [-N NS] [-o OPTS] [-t TYPE]
 *
 * into a rumpfuse command line and executes rumpfuse, which returns once
 * the filesystem is mounted, as mount(8) expects.
 *
 * Options are sorted into three kinds, so that nothing is dropped
 * without a reason:
 *   - mount(8)'s and systemd's own options, which mean nothing to the
 *     filesystem and are consumed here: defaults, auto, noauto, user,
 *     users, nouser, owner, group, nofail, _netdev, comment=..., x-...
 *     (x-systemd.*, x-mount.*, x-initrd.mount ...);
 *   - type=NAME, ours: becomes rumpfuse's -t NAME;
 *   - every other option goes to rumpfuse unchanged, which passes the
 *     FUSE mount options to the kernel, keeps its own, hands the rest
 *     to the filesystem driver, and refuses what nobody knows by name.
 * "loop" is refused: rumpfuse opens image files itself.
 *
 * The rumpfuse binary is $RUMPFUSE when set (tests), else the installed
 * one (RUMPFUSE_PATH, set by the build), else "rumpfuse" on PATH.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef RUMPFUSE_PATH
#define RUMPFUSE_PATH	"rumpfuse"
#endif

#define PROG	"mount.fuse.rumpfuse"

static void
usage(void)
{

	fprintf(stderr,
	    "usage: " PROG " SOURCE DIR [-sfnvrw] [-N NAMESPACE] "
	    "[-o OPTIONS] [-t TYPE]\n"
	    "Run by mount(8) for type fuse.rumpfuse; see "
	    PROG "(8).\n");
	exit(2);
}

/* Options that belong to mount(8), fstab or systemd, not to us. */
static bool
mount8_option(const char *o)
{
	static const char *const names[] = {
		"defaults", "auto", "noauto", "user", "users", "nouser",
		"owner", "group", "nofail", "_netdev", NULL
	};
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(o, names[i]) == 0)
			return true;
	return strncmp(o, "x-", 2) == 0 || strncmp(o, "comment=", 8) == 0;
}

/* Append option O to the comma-separated list *LISTP. */
static void
optlist_add(char **listp, const char *o)
{
	size_t old = *listp != NULL ? strlen(*listp) : 0;
	char *n = realloc(*listp, old + strlen(o) + 2);

	if (n == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(1);
	}
	if (old == 0)
		strcpy(n, o);
	else {
		n[old] = ',';
		strcpy(n + old + 1, o);
	}
	*listp = n;
}

/*
 * Sort the options of OPTS (comma-separated, as mount(8) gives them)
 * into *PASSP (for rumpfuse's -o) and *TYPEP; exit on a refused one.
 */
static void
sort_options(char *opts, char **passp, char **typep, bool verbose)
{
	char *o, *save = NULL;

	for (o = strtok_r(opts, ",", &save); o != NULL;
	    o = strtok_r(NULL, ",", &save)) {
		if (*o == '\0')
			continue;
		if (strncmp(o, "type=", 5) == 0) {
			if (o[5] == '\0') {
				fprintf(stderr, PROG ": type= needs a "
				    "filesystem type\n");
				exit(2);
			}
			*typep = o + 5;
		} else if (strcmp(o, "loop") == 0 ||
		    strncmp(o, "loop=", 5) == 0) {
			fprintf(stderr, PROG ": option '%s': rumpfuse reads "
			    "image files itself; remove it\n", o);
			exit(2);
		} else if (mount8_option(o)) {
			if (verbose)
				fprintf(stderr, PROG ": '%s' is for mount(8), "
				    "not passed on\n", o);
		} else
			optlist_add(passp, o);
	}
}

int
main(int argc, char **argv)
{
	char *pass = NULL, *type = NULL, *bin;
	const char *xargv[10];
	bool fake = false, verbose = false;
	int c, n;

	if (argc < 3 || argv[1][0] == '-' || argv[2][0] == '-')
		usage();
	/* SOURCE and DIR come first; options follow them. */
	optind = 3;
	opterr = 0;
	while ((c = getopt(argc, argv, ":sfnvrwo:t:N:")) != -1) {
		switch (c) {
		case 's':	/* sloppy: unknown options stay errors */
		case 'n':	/* no mtab: there is none to write */
			break;
		case 'f':
			fake = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'r':
			optlist_add(&pass, "ro");
			break;
		case 'w':
			optlist_add(&pass, "rw");
			break;
		case 'o':
			sort_options(optarg, &pass, &type, verbose);
			break;
		case 't':
			/* fuse.rumpfuse, or fuse with the subtype elsewhere */
			if (strcmp(optarg, "fuse.rumpfuse") != 0 &&
			    strcmp(optarg, "fuse") != 0 &&
			    strcmp(optarg, "rumpfuse") != 0) {
				fprintf(stderr, PROG ": unexpected type '%s' "
				    "(use -o type=NAME for the filesystem)\n",
				    optarg);
				exit(2);
			}
			break;
		case 'N':
			fprintf(stderr, PROG ": -N (mount namespaces) is "
			    "not supported\n");
			exit(2);
		case ':':
			fprintf(stderr, PROG ": option -%c needs an "
			    "argument\n", optopt);
			usage();
			break;
		default:
			fprintf(stderr, PROG ": unknown option -%c\n", optopt);
			usage();
		}
	}
	if (optind != argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n",
		    argv[optind]);
		usage();
	}

	if ((bin = getenv("RUMPFUSE")) == NULL || *bin == '\0')
		bin = RUMPFUSE_PATH;
	n = 0;
	xargv[n++] = bin;
	if (type != NULL) {
		xargv[n++] = "-t";
		xargv[n++] = type;
	}
	if (pass != NULL) {
		xargv[n++] = "-o";
		xargv[n++] = pass;
	}
	xargv[n++] = "--";
	xargv[n++] = argv[1];
	xargv[n++] = argv[2];
	xargv[n] = NULL;
	if (verbose || fake) {
		int i;

		fprintf(stderr, PROG ":%s", fake ? " (fake)" : "");
		for (i = 0; i < n; i++)
			fprintf(stderr, " %s", xargv[i]);
		fprintf(stderr, "\n");
	}
	if (fake) {
		free(pass);
		return 0;
	}
	(void)execvp(bin, (char *const *)xargv);
	/* An installed path that is gone: try PATH before giving up. */
	if (errno == ENOENT && strchr(bin, '/') != NULL) {
		xargv[0] = "rumpfuse";
		(void)execvp("rumpfuse", (char *const *)xargv);
	}
	fprintf(stderr, PROG ": cannot run %s: %s\n", bin, strerror(errno));
	free(pass);
	return 1;
}
