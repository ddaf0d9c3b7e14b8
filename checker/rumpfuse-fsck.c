/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpfuse-fsck.c -- check a filesystem image for consistency without
 * changing it, with the same driver code the FUSE daemon mounts it
 * with:
 *
 *   rumpfuse-fsck [-t TYPE] [-v] [-q] IMAGE
 *
 * The kernel mounts IMAGE read-only and runs the checker of its driver
 * (vfs_fsck); each problem is printed on standard output.  Exit status,
 * as fsck's: 0 the filesystem is consistent, 4 problems were found (and,
 * this being a read-only check, left as they are), 8 it could not be
 * checked (no such image, not a filesystem of a type with a checker,
 * too corrupt to mount), 16 usage.
 *
 * Kernel messages (RUMP_LOGLEVEL, default warnings) go to standard
 * error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfs_pub.h"
#include "vfs_types.h"

#define EXIT_CLEAN	0
#define EXIT_PROBLEMS	4
#define EXIT_FAILED	8
#define EXIT_USAGE	16

struct out {
	bool	quiet;
	unsigned nlines;
};

static void
report(void *arg, const char *line)
{
	struct out *o = arg;

	o->nlines++;
	if (!o->quiet)
		printf("%s\n", line);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: rumpfuse-fsck [-t TYPE] [-v] [-q] IMAGE\n"
	    "  -t TYPE  filesystem type (default: auto)\n"
	    "  -v       announce each pass and print a summary\n"
	    "  -q       print nothing; the exit status tells\n"
	    "exit status: 0 consistent, 4 problems found, 8 not checked\n");
}

int
main(int argc, char **argv)
{
	const char *fstype = "auto";
	struct out o = { false, 0 };
	unsigned nproblems = 0;
	int flags = 0, c, error, status;

	while ((c = getopt(argc, argv, "t:vqh")) != -1) {
		switch (c) {
		case 't':
			fstype = optarg;
			break;
		case 'v':
			flags |= VFS_FSCK_VERBOSE;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_CLEAN;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((error = vfs_init(NULL)) != 0) {
		fprintf(stderr, "rumpfuse-fsck: cannot start the kernel: %s\n",
		    strerror(error));
		return EXIT_FAILED;
	}
	error = vfs_fsck(fstype, argv[optind], flags, report, &o, &nproblems);
	vfs_shutdown();
	if (error != 0) {
		fprintf(stderr, "rumpfuse-fsck: %s: not checked: %s\n",
		    argv[optind], strerror(error));
		status = EXIT_FAILED;
	} else if (nproblems > 0) {
		if (!o.quiet)
			printf("%s: %u problem%s found\n", argv[optind],
			    nproblems, nproblems == 1 ? "" : "s");
		status = EXIT_PROBLEMS;
	} else {
		if (!o.quiet && (flags & VFS_FSCK_VERBOSE))
			printf("%s: clean\n", argv[optind]);
		status = EXIT_CLEAN;
	}
	fflush(stdout);
	return status;
}
