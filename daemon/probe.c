/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * probe.c -- the two commands that look at a source without mounting it:
 *
 *   rumpfuse --probe [-t TYPE] [-o part=NAME] SOURCE
 *       print the filesystem type found (the one an "auto" mount would
 *       use); exit 1, with what was tried, if none or several match;
 *   rumpfuse --list SOURCE
 *       a table of the partitions (MBR, GPT, BSD disklabel): name (as
 *       part= takes it), start, size, type, and the filesystem in each.
 *
 * The kernel does the work (vfs_probe, vfs_part_list in vfs_pub.h); the
 * source is opened read-only and not locked.
 *
 * Exports: rf_probe_main (probe.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfs_pub.h"
#include "probe.h"

struct list_state {
	const char	*source;
	unsigned	 rows;
};

static void
probe_usage(FILE *f)
{
	fputs("Usage: rumpfuse --probe [-t TYPE] [-o part=NAME] SOURCE\n"
	    "       rumpfuse --list SOURCE\n", f);
}

/* "512", "1.5K", "10M", "2.0G": like lsblk. */
static void
human(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTPE";
	double v = (double)bytes;
	unsigned u = 0;

	while (v >= 1024.0 && u + 1 < sizeof(units) - 1) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 "B", bytes);
	else if (v < 10.0 && v != (double)(uint64_t)v)
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f%c", v, units[u]);
}

static void
list_row(void *arg, const struct vfs_partinfo *pi)
{
	struct list_state *ls = arg;
	char size[16], note[200];
	uint64_t ss = pi->pi_secsize != 0 ? pi->pi_secsize : 512;

	human(pi->pi_size, size, sizeof(size));
	if (pi->pi_name[0] == '\0') {
		printf("%s: %s, %s (%" PRIu64 " bytes), %" PRIu64
		    "-byte sectors%s%s\n", ls->source,
		    strcmp(pi->pi_scheme, "none") == 0 ?
		    "no partition table" : pi->pi_scheme, size, pi->pi_size,
		    ss, pi->pi_fstype[0] != '\0' ? "; filesystem at start: " :
		    "", pi->pi_fstype);
		if (pi->pi_problem[0] != '\0')
			printf("%s: note: %s\n", ls->source, pi->pi_problem);
		printf("%-5s %12s %12s %7s  %-22s %-8s %s\n", "NAME", "START",
		    "SECTORS", "SIZE", "TYPE", "FSTYPE", "NOTE");
		return;
	}
	note[0] = '\0';
	if (pi->pi_container)
		snprintf(note, sizeof(note), "container");
	else if (pi->pi_problem[0] != '\0')
		snprintf(note, sizeof(note), "unusable: %s", pi->pi_problem);
	else if (pi->pi_label[0] != '\0')
		snprintf(note, sizeof(note), "\"%s\"", pi->pi_label);
	printf("%-5s %12" PRIu64 " %12" PRIu64 " %7s  %-22s %-8s %s\n",
	    pi->pi_name, pi->pi_start / ss, pi->pi_size / ss, size,
	    pi->pi_type, pi->pi_fstype[0] != '\0' ? pi->pi_fstype : "-",
	    note);
	ls->rows++;
}

static int
do_list(const char *source)
{
	struct list_state ls = { .source = source, .rows = 0 };
	char err[512];
	int error;

	error = vfs_part_list(source, list_row, &ls, err, sizeof(err));
	if (fflush(stdout) != 0) {
		fprintf(stderr, "rumpfuse: write error: %s\n",
		    strerror(errno));
		return 1;
	}
	if (error != 0) {
		fprintf(stderr, "rumpfuse: %s\n", err[0] != '\0' ? err :
		    strerror(error));
		return 1;
	}
	return 0;
}

static int
do_probe(const char *fstype, const char *source, const char *opts)
{
	char type[64], err[512];
	int error;

	error = vfs_probe(fstype, source, opts, type, sizeof(type), err,
	    sizeof(err));
	if (error != 0) {
		fprintf(stderr, "rumpfuse: %s\n", err[0] != '\0' ? err :
		    strerror(error));
		return 1;
	}
	printf("%s\n", type);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* See probe.h. */
int
rf_probe_main(int argc, char **argv)
{
	const char *fstype = "auto", *source;
	char *opts = NULL, *n;
	bool list;
	int c, rc;

	if (argc < 2 || (strcmp(argv[1], "--probe") != 0 &&
	    strcmp(argv[1], "--list") != 0)) {
		probe_usage(stderr);
		return 2;
	}
	list = strcmp(argv[1], "--list") == 0;
	optind = 2;
	opterr = 1;
	while ((c = getopt(argc, argv, "+t:o:h")) != -1) {
		switch (c) {
		case 't':
			fstype = optarg;
			break;
		case 'o':
			if (opts == NULL)
				n = strdup(optarg);
			else if (asprintf(&n, "%s,%s", opts, optarg) < 0)
				n = NULL;
			free(opts);
			if ((opts = n) == NULL) {
				fputs("rumpfuse: out of memory\n", stderr);
				return 1;
			}
			break;
		case 'h':
			probe_usage(stdout);
			free(opts);
			return 0;
		default:
			probe_usage(stderr);
			free(opts);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "rumpfuse: %s needs exactly one SOURCE\n",
		    argv[1]);
		probe_usage(stderr);
		free(opts);
		return 2;
	}
	source = argv[optind];
	if ((rc = vfs_init(NULL)) != 0) {
		fprintf(stderr, "rumpfuse: cannot start the kernel: %s\n",
		    strerror(rc));
		free(opts);
		return 1;
	}
	rc = list ? do_list(source) : do_probe(fstype, source, opts);
	vfs_shutdown();
	free(opts);
	return rc;
}
