/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_du.c -- "du": disk usage of image trees, as GNU du prints it
 * (post-order, "SIZE<TAB>PATH", 1024-byte units rounded up, hard-linked
 * files counted once across all arguments), with -a -b -c -d -h -k -m
 * -s -S.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsu.h"

struct du_ctx {
	bool		 all, apparent, human, separate;
	uint64_t	 unit;
	int		 maxdepth;	/* < 0: no limit */
	GArray		*acc;		/* bytes per depth */
	GHashTable	*seen;		/* inos of linked files */
	uint64_t	 last;		/* the root's total */
	int		 status;
};

static void
du_print(const struct du_ctx *c, uint64_t bytes, const char *path)
{
	char buf[32];

	printf("%s\t%s\n", fsu_human(bytes, 1, c->unit, c->human, buf),
	    path);
}

static uint64_t *
acc_at(struct du_ctx *c, int depth)
{

	if ((guint)depth >= c->acc->len)
		g_array_set_size(c->acc, (guint)depth + 1);
	return &g_array_index(c->acc, uint64_t, depth);
}

static int
du_visit(struct fsu_walk_ent *e, void *arg)
{
	struct du_ctx *c = arg;
	uint64_t size, *slot;
	gpointer key;
	bool isdir;

	if (e->error != 0 && !e->readdir_error) {
		fsu_err(e->error, "cannot access %s", fsu_quote(e->path));
		c->status = 1;
		return FSU_WALK_CONTINUE;
	}
	isdir = e->va.va_type == VDIR;
	size = c->apparent ? e->va.va_size : e->va.va_bytes;
	if (isdir && !e->post && !e->readdir_error) {
		*acc_at(c, e->depth) = size;
		return FSU_WALK_CONTINUE;
	}
	if (e->readdir_error) {
		fsu_err(e->error, "cannot read directory %s",
		    fsu_quote(e->path));
		c->status = 1;
	}
	if (isdir) {
		size = *acc_at(c, e->depth);
	} else if (e->va.va_nlink > 1) {
		key = g_memdup2(&e->va.va_fileid, sizeof(uint64_t));
		if (g_hash_table_contains(c->seen, key)) {
			g_free(key);
			return FSU_WALK_CONTINUE;
		}
		g_hash_table_add(c->seen, key);
	}
	if ((isdir || c->all || e->depth == 0) &&
	    (c->maxdepth < 0 || e->depth <= c->maxdepth))
		du_print(c, size, e->path);
	if (e->depth > 0) {
		slot = acc_at(c, e->depth - 1);
		if (!(isdir && c->separate))
			*slot += size;
	} else
		c->last = size;
	return FSU_WALK_CONTINUE;
}

int
cmd_du(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "apparent-size", no_argument, NULL, 'A' },
		{ "bytes", no_argument, NULL, 'b' },
		{ "total", no_argument, NULL, 'c' },
		{ "max-depth", required_argument, NULL, 'd' },
		{ "human-readable", no_argument, NULL, 'h' },
		{ "summarize", no_argument, NULL, 's' },
		{ "separate-dirs", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct du_ctx c;
	bool total = false, summarize = false;
	uint64_t grand = 0;
	char *end;
	long v;
	int ch, i, nargs;

	memset(&c, 0, sizeof(c));
	c.unit = 1024;
	c.maxdepth = -1;
	while ((ch = getopt_long(argc, argv, "abcd:hkmsS", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':	c.all = true; break;
		case 'A':	c.apparent = true; break;
		case 'b':	c.apparent = true; c.unit = 1;
				c.human = false; break;
		case 'c':	total = true; break;
		case 'd':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 0)
				return fsu_usage("invalid maximum depth %s",
				    fsu_quote(optarg));
			c.maxdepth = (int)v;
			break;
		case 'h':	c.human = true; break;
		case 'k':	c.unit = 1024; c.human = false; break;
		case 'm':	c.unit = 1024 * 1024; c.human = false; break;
		case 's':	summarize = true; break;
		case 'S':	c.separate = true; break;
		default:
			return fsu_try_help();
		}
	}
	if (summarize) {
		if (c.all)
			return fsu_usage("cannot both summarize and show "
			    "all entries");
		c.maxdepth = 0;
	}
	c.acc = g_array_new(FALSE, TRUE, sizeof(uint64_t));
	c.seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
	    NULL);
	nargs = argc - optind;
	for (i = 0; i < MAX(nargs, 1); i++) {
		c.last = 0;
		if (fsu_walk(nargs > 0 ? argv[optind + i] : ".",
		    FSU_WF_POSTORDER, false, -1, du_visit, &c) != 0) {
			c.status = 1;
			break;
		}
		grand += c.last;
	}
	if (total)
		du_print(&c, grand, "total");
	g_array_unref(c.acc);
	g_hash_table_unref(c.seen);
	return c.status;
}
