/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_diff.c -- "diff": compare a file or a tree in the image with one
 * on the host (or, with -I, another in the image), with GNU diff's
 * output: normal format by default, unified with -u / -U N, "Only in",
 * "Binary files ... differ", "File X is a T while file Y is a U",
 * "Common subdirectories", a "diff OPTIONS A B" line before each pair
 * found inside directories, and its exit statuses (0 same, 1 different,
 * 2 trouble).  Symbolic links are followed, on each side in its own
 * name space.
 *
 * Lines are compared through integer ids (one per distinct line) with
 * Myers' O(ND) algorithm in its linear-space form: find where a forward
 * and a backward search meet, split the problem there, recurse.  The
 * result marks changed lines on each side, from which the hunks are
 * built.  Hunks may be placed differently from GNU diff's where several
 * minimal edit scripts exist.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsu.h"

#define BINARY_PROBE	32768

struct diff_ctx {
	const struct fsu_side *a, *b;
	bool		 recursive, brief, unified;
	int		 context;
	GString		*argline;	/* "diff -r", for headers */
	int		 status;	/* 0 same, 1 different, 2 trouble */
};

static void
differ(struct diff_ctx *c)
{

	if (c->status < 1)
		c->status = 1;
}

static void
trouble(struct diff_ctx *c)
{

	c->status = 2;
}

/* ---- reading ---- */

static int
read_all(const struct fsu_side *side, const char *path, GByteArray **outp)
{
	GByteArray *b = g_byte_array_new();
	char buf[65536];
	uint64_t off = 0;
	size_t n;
	int fd, error;

	*outp = NULL;
	if ((error = side->open(path, O_RDONLY, 0, &fd)) != 0) {
		g_byte_array_unref(b);
		return error;
	}
	for (;;) {
		if ((error = fsu_check_intr()) != 0)
			break;
		if ((error = side->pread(fd, buf, sizeof(buf), off, &n)) != 0 ||
		    n == 0)
			break;
		g_byte_array_append(b, (guint8 *)buf, (guint)n);
		off += n;
	}
	(void)side->close(fd);
	if (error != 0) {
		g_byte_array_unref(b);
		return error;
	}
	*outp = b;
	return 0;
}

/* ---- lines ---- */

struct lines {
	const char	*data;
	size_t		*start;		/* n + 1 offsets */
	int		 n;
	int		*id;		/* distinct-line ids */
	bool		*changed;
};

static void
split_lines(const GByteArray *b, struct lines *l)
{
	GArray *starts = g_array_new(FALSE, FALSE, sizeof(size_t));
	size_t i = 0, s;

	l->data = (const char *)b->data;
	while (i < b->len) {
		s = i;
		g_array_append_val(starts, s);
		while (i < b->len && b->data[i] != '\n')
			i++;
		if (i < b->len)
			i++;
	}
	s = b->len;
	g_array_append_val(starts, s);
	l->n = (int)starts->len - 1;
	l->start = (size_t *)g_array_free(starts, FALSE);
	l->id = g_new0(int, l->n + 1);
	l->changed = g_new0(bool, l->n + 1);
}

static void
lines_free(struct lines *l)
{

	g_free(l->start);
	g_free(l->id);
	g_free(l->changed);
}

static size_t
line_len(const struct lines *l, int i)
{

	return l->start[i + 1] - l->start[i];
}

/* Give equal lines of A and B equal ids. */
static void
assign_ids(struct lines *a, struct lines *b)
{
	GHashTable *h = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
	    (GDestroyNotify)g_bytes_unref, NULL);
	struct lines *ls[2] = { a, b };
	gpointer v;
	GBytes *key;
	int s, i, next = 1;

	for (s = 0; s < 2; s++) {
		for (i = 0; i < ls[s]->n; i++) {
			key = g_bytes_new_static(ls[s]->data +
			    ls[s]->start[i], line_len(ls[s], i));
			if (g_hash_table_lookup_extended(h, key, NULL, &v)) {
				ls[s]->id[i] = GPOINTER_TO_INT(v);
				g_bytes_unref(key);
			} else {
				ls[s]->id[i] = next;
				g_hash_table_insert(h, key,
				    GINT_TO_POINTER(next));
				next++;
			}
		}
	}
	g_hash_table_unref(h);
}

/* ---- Myers, linear space ---- */

static void lcs(struct lines *a, struct lines *b, int a0, int a1, int b0,
    int b1);

/*
 * Find a point where a forward D-path from (a0,b0) and a backward one
 * from (a1,b1) overlap and recurse on both halves.  Both ranges are
 * non-empty and differ in their first and last lines.
 */
static void
bisect(struct lines *a, struct lines *b, int a0, int a1, int b0, int b1)
{
	const int *A = a->id + a0, *B = b->id + b0;
	int N = a1 - a0, M = b1 - b0;
	int maxd = (N + M + 1) / 2, off = maxd, vlen = 2 * maxd + 2;
	int delta = N - M, d, k1, k2, ko, x1, y1, x2, y2, i;
	int k1lo = 0, k1hi = 0, k2lo = 0, k2hi = 0;
	bool front = (delta % 2) != 0;
	int *vf = g_new(int, vlen), *vb = g_new(int, vlen);

	for (i = 0; i < vlen; i++)
		vf[i] = vb[i] = -1;
	vf[off + 1] = vb[off + 1] = 0;
	for (d = 0; d < maxd; d++) {
		for (k1 = -d + k1lo; k1 <= d - k1hi; k1 += 2) {
			ko = off + k1;
			if (k1 == -d || (k1 != d && vf[ko - 1] < vf[ko + 1]))
				x1 = vf[ko + 1];
			else
				x1 = vf[ko - 1] + 1;
			y1 = x1 - k1;
			while (x1 < N && y1 < M && A[x1] == B[y1]) {
				x1++;
				y1++;
			}
			vf[ko] = x1;
			if (x1 > N)
				k1hi += 2;	/* off the right edge */
			else if (y1 > M)
				k1lo += 2;	/* off the bottom */
			else if (front) {
				k2 = delta - k1;
				if (off + k2 >= 0 && off + k2 < vlen &&
				    vb[off + k2] != -1 &&
				    x1 >= N - vb[off + k2])
					goto split;
			}
		}
		for (k2 = -d + k2lo; k2 <= d - k2hi; k2 += 2) {
			ko = off + k2;
			if (k2 == -d || (k2 != d && vb[ko - 1] < vb[ko + 1]))
				x2 = vb[ko + 1];
			else
				x2 = vb[ko - 1] + 1;
			y2 = x2 - k2;
			while (x2 < N && y2 < M &&
			    A[N - 1 - x2] == B[M - 1 - y2]) {
				x2++;
				y2++;
			}
			vb[ko] = x2;
			if (x2 > N)
				k2hi += 2;
			else if (y2 > M)
				k2lo += 2;
			else if (!front) {
				k1 = delta - k2;
				if (off + k1 >= 0 && off + k1 < vlen &&
				    vf[off + k1] != -1) {
					x1 = vf[off + k1];
					y1 = x1 - k1;
					if (x1 >= N - x2)
						goto split;
				}
			}
		}
	}
	/* Not reached for valid input; mark everything as changed. */
	g_free(vf);
	g_free(vb);
	for (i = a0; i < a1; i++)
		a->changed[i] = true;
	for (i = b0; i < b1; i++)
		b->changed[i] = true;
	return;
split:
	g_free(vf);
	g_free(vb);
	lcs(a, b, a0, a0 + x1, b0, b0 + y1);
	lcs(a, b, a0 + x1, a1, b0 + y1, b1);
}

static void
lcs(struct lines *a, struct lines *b, int a0, int a1, int b0, int b1)
{
	int i;

	while (a0 < a1 && b0 < b1 && a->id[a0] == b->id[b0]) {
		a0++;
		b0++;
	}
	while (a0 < a1 && b0 < b1 && a->id[a1 - 1] == b->id[b1 - 1]) {
		a1--;
		b1--;
	}
	if (a0 == a1) {
		for (i = b0; i < b1; i++)
			b->changed[i] = true;
		return;
	}
	if (b0 == b1) {
		for (i = a0; i < a1; i++)
			a->changed[i] = true;
		return;
	}
	bisect(a, b, a0, a1, b0, b1);
}

/* ---- output ---- */

struct change {
	int	a0, a1, b0, b1;	/* [a0,a1) deleted, [b0,b1) added */
};

static GArray *
changes_of(const struct lines *a, const struct lines *b)
{
	GArray *ch = g_array_new(FALSE, FALSE, sizeof(struct change));
	struct change c;
	int i = 0, j = 0;

	while (i < a->n || j < b->n) {
		if (i < a->n && j < b->n && !a->changed[i] &&
		    !b->changed[j]) {
			i++;
			j++;
			continue;
		}
		c.a0 = i;
		c.b0 = j;
		while (i < a->n && a->changed[i])
			i++;
		while (j < b->n && b->changed[j])
			j++;
		c.a1 = i;
		c.b1 = j;
		if (c.a0 == c.a1 && c.b0 == c.b1) {
			/* Unbalanced marks; should not happen. */
			if (i < a->n)
				i++;
			if (j < b->n)
				j++;
			continue;
		}
		g_array_append_val(ch, c);
	}
	return ch;
}

static void
put_line(const char *prefix, const struct lines *l, int i)
{
	size_t len = line_len(l, i);
	const char *p = l->data + l->start[i];

	fputs(prefix, stdout);
	fwrite(p, 1, len, stdout);
	if (len == 0 || p[len - 1] != '\n')
		fputs("\n\\ No newline at end of file\n", stdout);
}

static void
put_range(int from, int to)
{

	/* 1-based inclusive [from, to]; "to < from" means after "to". */
	if (to <= from)
		printf("%d", to < from ? to : from);
	else
		printf("%d,%d", from, to);
}

static void
print_normal(const struct lines *a, const struct lines *b, GArray *ch)
{
	const struct change *c;
	guint k;
	int i;
	char op;

	for (k = 0; k < ch->len; k++) {
		c = &g_array_index(ch, struct change, k);
		op = c->a0 == c->a1 ? 'a' : c->b0 == c->b1 ? 'd' : 'c';
		put_range(op == 'a' ? c->a0 : c->a0 + 1,
		    op == 'a' ? c->a0 : c->a1);
		putchar(op);
		put_range(op == 'd' ? c->b0 : c->b0 + 1,
		    op == 'd' ? c->b0 : c->b1);
		putchar('\n');
		for (i = c->a0; i < c->a1; i++)
			put_line("< ", a, i);
		if (op == 'c')
			fputs("---\n", stdout);
		for (i = c->b0; i < c->b1; i++)
			put_line("> ", b, i);
	}
}

static void
uni_range(int start, int count)
{

	if (count == 0)
		printf("%d,0", start);
	else if (count == 1)
		printf("%d", start + 1);
	else
		printf("%d,%d", start + 1, count);
}

static void
print_unified(const struct lines *a, const struct lines *b, GArray *ch,
    int ctx)
{
	const struct change *first, *last, *c;
	guint k, e;
	int ha0, ha1, hb0, hb1, i, j;

	for (k = 0; k < ch->len; k = e) {
		first = &g_array_index(ch, struct change, k);
		for (e = k + 1; e < ch->len; e++) {
			const struct change *p = &g_array_index(ch,
			    struct change, e - 1);

			if (g_array_index(ch, struct change, e).a0 - p->a1 >
			    2 * ctx)
				break;
		}
		last = &g_array_index(ch, struct change, e - 1);
		ha0 = MAX(0, first->a0 - ctx);
		hb0 = first->b0 - (first->a0 - ha0);
		ha1 = MIN(a->n, last->a1 + ctx);
		hb1 = last->b1 + (ha1 - last->a1);
		fputs("@@ -", stdout);
		uni_range(ha0, ha1 - ha0);
		fputs(" +", stdout);
		uni_range(hb0, hb1 - hb0);
		fputs(" @@\n", stdout);
		i = ha0;
		j = hb0;
		for (; k < e; k++) {
			c = &g_array_index(ch, struct change, k);
			for (; i < c->a0; i++, j++)
				put_line(" ", a, i);
			for (; i < c->a1; i++)
				put_line("-", a, i);
			for (; j < c->b1; j++)
				put_line("+", b, j);
		}
		for (; i < ha1; i++)
			put_line(" ", a, i);
	}
}

/* ---- comparing ---- */

static void
unified_header(const char *mark, const char *path, const struct vattr *va)
{
	char t[64];

	fsu_fmt_fulltime(&va->va_mtime, t, sizeof(t));
	printf("%s %s\t%s\n", mark, path, t);
}

static void
compare_files(struct diff_ctx *c, const char *pa, const char *pb,
    const struct vattr *va, const struct vattr *vb, bool inside)
{
	GByteArray *da = NULL, *db = NULL;
	struct lines la, lb;
	GArray *ch;
	int error;

	if ((error = read_all(c->a, pa, &da)) != 0) {
		fsu_err(error, "%s", pa);
		trouble(c);
		return;
	}
	if ((error = read_all(c->b, pb, &db)) != 0) {
		fsu_err(error, "%s", pb);
		trouble(c);
		g_byte_array_unref(da);
		return;
	}
	if (da->len == db->len && memcmp(da->data, db->data, da->len) == 0)
		goto out;
	differ(c);
	if (c->brief) {
		printf("Files %s and %s differ\n", pa, pb);
		goto out;
	}
	if (memchr(da->data, 0, MIN(da->len, BINARY_PROBE)) != NULL ||
	    memchr(db->data, 0, MIN(db->len, BINARY_PROBE)) != NULL) {
		printf("Binary files %s and %s differ\n", pa, pb);
		goto out;
	}
	if (inside)
		printf("%s %s %s\n", c->argline->str, pa, pb);
	split_lines(da, &la);
	split_lines(db, &lb);
	assign_ids(&la, &lb);
	lcs(&la, &lb, 0, la.n, 0, lb.n);
	ch = changes_of(&la, &lb);
	if (c->unified) {
		unified_header("---", pa, va);
		unified_header("+++", pb, vb);
		print_unified(&la, &lb, ch, c->context);
	} else
		print_normal(&la, &lb, ch);
	g_array_unref(ch);
	lines_free(&la);
	lines_free(&lb);
out:
	g_byte_array_unref(da);
	g_byte_array_unref(db);
}

static void compare(struct diff_ctx *c, const char *pa, const char *pb,
    bool top);

static gint
dirent_cmp(gconstpointer x, gconstpointer y)
{

	return strcoll((*(struct fsu_dirent *const *)x)->name,
	    (*(struct fsu_dirent *const *)y)->name);
}

static void
compare_dirs(struct diff_ctx *c, const char *pa, const char *pb)
{
	GPtrArray *ea, *eb;
	guint i = 0, j = 0;
	char *ca, *cb;
	int r, error;

	if ((error = c->a->readdir(pa, &ea)) != 0) {
		fsu_err(error, "%s", pa);
		trouble(c);
		return;
	}
	if ((error = c->b->readdir(pb, &eb)) != 0) {
		fsu_err(error, "%s", pb);
		trouble(c);
		g_ptr_array_unref(ea);
		return;
	}
	g_ptr_array_sort(ea, dirent_cmp);
	g_ptr_array_sort(eb, dirent_cmp);
	while ((i < ea->len || j < eb->len) && !fsu.interrupted) {
		const struct fsu_dirent *x = i < ea->len ?
		    g_ptr_array_index(ea, i) : NULL;
		const struct fsu_dirent *y = j < eb->len ?
		    g_ptr_array_index(eb, j) : NULL;

		r = x == NULL ? 1 : y == NULL ? -1 : strcoll(x->name, y->name);
		if (r < 0) {
			printf("Only in %s: %s\n", pa, x->name);
			differ(c);
			i++;
		} else if (r > 0) {
			printf("Only in %s: %s\n", pb, y->name);
			differ(c);
			j++;
		} else {
			ca = fsu_path_join(pa, x->name);
			cb = fsu_path_join(pb, y->name);
			compare(c, ca, cb, false);
			g_free(ca);
			g_free(cb);
			i++;
			j++;
		}
	}
	g_ptr_array_unref(ea);
	g_ptr_array_unref(eb);
}

static void
compare(struct diff_ctx *c, const char *pa, const char *pb, bool top)
{
	struct vattr va, vb;
	char *base, *sub;
	int error;

	if ((error = c->a->stat(pa, &va)) != 0) {
		fsu_err(error, "%s", pa);
		trouble(c);
		return;
	}
	if ((error = c->b->stat(pb, &vb)) != 0) {
		fsu_err(error, "%s", pb);
		trouble(c);
		return;
	}
	if (top && (va.va_type == VDIR) != (vb.va_type == VDIR)) {
		/* diff DIR FILE compares DIR/basename(FILE) with FILE. */
		base = fsu_basename(va.va_type == VDIR ? pb : pa);
		sub = fsu_path_join(va.va_type == VDIR ? pa : pb, base);
		if (va.va_type == VDIR)
			compare(c, sub, pb, false);
		else
			compare(c, pa, sub, false);
		g_free(base);
		g_free(sub);
		return;
	}
	if (va.va_type == VDIR && vb.va_type == VDIR) {
		if (top || c->recursive)
			compare_dirs(c, pa, pb);
		else
			printf("Common subdirectories: %s and %s\n", pa, pb);
		return;
	}
	if (va.va_type == VREG && vb.va_type == VREG) {
		compare_files(c, pa, pb, &va, &vb, !top);
		return;
	}
	/*
	 * Special files: GNU diff calls two of them equal only when they
	 * look like the same file (same device, type, mode, owner, rdev);
	 * an image and the host never share a device.  At the top level
	 * devices with equal numbers are the same.
	 */
	if (va.va_type == vb.va_type && va.va_rdev == vb.va_rdev &&
	    ((top && (va.va_type == VCHR || va.va_type == VBLK)) ||
	    (c->a == c->b && va.va_mode == vb.va_mode &&
	    va.va_uid == vb.va_uid && va.va_gid == vb.va_gid)))
		return;
	printf("File %s is a %s while file %s is a %s\n", pa,
	    fsu_type_name(&va), pb, fsu_type_name(&vb));
	differ(c);
}

int
cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "recursive", no_argument, NULL, 'r' },
		{ "brief", no_argument, NULL, 'q' },
		{ "unified", optional_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct diff_ctx c;
	bool both_image = false;
	char *end;
	long v;
	int ch, i;

	memset(&c, 0, sizeof(c));
	c.context = 3;
	c.argline = g_string_new("diff");
	while ((ch = getopt_long(argc, argv, "IqrU:u", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'I':	both_image = true; break;
		case 'q':	c.brief = true; break;
		case 'r':	c.recursive = true; break;
		case 'U':
		case 'u':
			c.unified = true;
			if (optarg == NULL)
				break;
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 0 ||
			    v > INT_MAX / 4) {
				g_string_free(c.argline, TRUE);
				return fsu_usage("invalid context length %s",
				    fsu_quote(optarg));
			}
			c.context = (int)v;
			break;
		default:
			g_string_free(c.argline, TRUE);
			return fsu_try_help();
		}
	}
	/* The options as given, less -I, for "diff -r a/x b/x" lines. */
	for (i = 1; i < optind; i++) {
		GString *o;
		const char *p;

		if (argv[i][0] != '-' || strcmp(argv[i], "--") == 0)
			continue;
		o = g_string_new(NULL);
		for (p = argv[i]; *p != '\0'; p++)
			if (*p != 'I' || argv[i][1] == '-')
				g_string_append_c(o, *p);
		if (strcmp(o->str, "-") != 0)
			g_string_append_printf(c.argline, " %s", o->str);
		g_string_free(o, TRUE);
	}
	if (argc - optind != 2) {
		g_string_free(c.argline, TRUE);
		if (argc - optind < 2)
			return fsu_usage("missing operand");
		return fsu_usage("extra operand %s",
		    fsu_quote(argv[optind + 2]));
	}
	c.a = &fsu_image_side;
	c.b = both_image ? &fsu_image_side : &fsu_host_side;
	compare(&c, argv[optind], argv[optind + 1], true);
	g_string_free(c.argline, TRUE);
	return c.status;
}
