/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_find.c -- "find": GNU find's expression language, the common
 * part of it: options -maxdepth -mindepth -depth, tests -name -iname
 * -path -ipath -type -size -empty -newer -perm -user -group -links
 * -inum -true -false, actions -print -print0 -prune -quit, operators
 * ( ) ! -not -a -and -o -or and ",", and -H -L -P before the paths.
 * Without an action the expression is "( EXPR ) -print", as in GNU.
 * Entries are visited in directory order.
 *
 * The expression is parsed by recursive descent into a tree of nodes
 * (comma < or < and < not < primary, with -a implied between adjacent
 * primaries) and evaluated for each entry fsu_walk() visits.
 */
#include <errno.h>
#include <fnmatch.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsu.h"

enum kind {
	K_AND, K_OR, K_NOT, K_COMMA,
	K_TRUE, K_FALSE, K_NAME, K_PATH, K_TYPE, K_SIZE, K_EMPTY, K_NEWER,
	K_PERM, K_USER, K_GROUP, K_LINKS, K_INUM,
	K_PRINT, K_PRINT0, K_PRUNE, K_QUIT,
};

struct node {
	enum kind	 kind;
	struct node	*l, *r;
	const char	*pat;		/* -name, -path */
	int		 fnflags;	/* FNM_CASEFOLD: -i* */
	char		 types[16];	/* -type */
	int		 cmp;		/* -1 "-N", 0 "N", +1 "+N" */
	uint64_t	 num;		/* -size, -links, ids */
	uint64_t	 unit;		/* -size */
	struct vfs_timespec ts;		/* -newer */
	int		 permhow;	/* 0 exact, '-' all, '/' any */
	uint32_t	 perm;
};

struct find_ctx {
	char		**argv;
	int		 argc, pos;	/* the expression tokens */
	int		 maxdepth, mindepth;
	bool		 depth_first;
	bool		 has_action;
	bool		 quit;
	bool		 parse_error;
	int		 status;
	GPtrArray	*nodes;		/* every node, for freeing */
};

/* ---- parsing ---- */

static struct node *
node_new(struct find_ctx *c, enum kind k)
{
	struct node *n = g_new0(struct node, 1);

	n->kind = k;
	g_ptr_array_add(c->nodes, n);
	return n;
}

static const char *
peek(const struct find_ctx *c)
{

	return c->pos < c->argc ? c->argv[c->pos] : NULL;
}

static int
perr(struct find_ctx *c, const char *fmt, const char *a, const char *b)
{

	fflush(stdout);
	fprintf(stderr, "%s: ", fsu.progname);
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	c->parse_error = true;
	return 0;
}

static const char *
need_arg(struct find_ctx *c, const char *opt)
{

	if (c->pos >= c->argc) {
		perr(c, "missing argument to `%s'%s", opt, "");
		return NULL;
	}
	return c->argv[c->pos++];
}

/* "[+-]N" with an optional size unit when UNITS. */
static bool
parse_num(struct node *n, const char *s, bool units)
{
	char *end;
	unsigned long long v;

	n->cmp = 0;
	n->unit = 512;
	if (*s == '+' || *s == '-') {
		n->cmp = *s == '+' ? 1 : -1;
		s++;
	}
	if (!g_ascii_isdigit(*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return false;
	if (units && *end != '\0') {
		switch (*end++) {
		case 'b': n->unit = 512; break;
		case 'c': n->unit = 1; break;
		case 'w': n->unit = 2; break;
		case 'k': n->unit = 1024; break;
		case 'M': n->unit = 1024 * 1024; break;
		case 'G': n->unit = 1024 * 1024 * 1024; break;
		default: return false;
		}
	}
	n->num = v;
	return *end == '\0';
}

static bool
parse_id(const char *s, bool user, uint64_t *idp)
{
	char *end;
	unsigned long v;

	if (user) {
		struct passwd *pw = getpwnam(s);

		if (pw != NULL) {
			*idp = pw->pw_uid;
			return true;
		}
	} else {
		struct group *gr = getgrnam(s);

		if (gr != NULL) {
			*idp = gr->gr_gid;
			return true;
		}
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v > UINT32_MAX)
		return false;
	*idp = v;
	return true;
}

static struct node *parse_expr(struct find_ctx *c);

static struct node *
parse_primary(struct find_ctx *c)
{
	const char *tok = c->argv[c->pos++], *a;
	struct node *n;
	struct vattr va;
	struct fsu_mode *m;
	char *end;
	long v;
	int error;
	size_t i;

	if (strcmp(tok, "-maxdepth") == 0 || strcmp(tok, "-mindepth") == 0) {
		if ((a = need_arg(c, tok)) == NULL)
			return NULL;
		v = strtol(a, &end, 10);
		if (*a == '\0' || *end != '\0' || v < 0) {
			perr(c, "Expected a positive decimal integer argument "
			    "to %s, but got `%s'", tok, a);
			return NULL;
		}
		if (tok[2] == 'a')
			c->maxdepth = (int)v;
		else
			c->mindepth = (int)v;
		return node_new(c, K_TRUE);
	}
	if (strcmp(tok, "-depth") == 0 || strcmp(tok, "-d") == 0) {
		c->depth_first = true;
		return node_new(c, K_TRUE);
	}
	if (strcmp(tok, "-xdev") == 0 || strcmp(tok, "-mount") == 0 ||
	    strcmp(tok, "-noleaf") == 0 || strcmp(tok, "-true") == 0)
		return node_new(c, K_TRUE);
	if (strcmp(tok, "-false") == 0)
		return node_new(c, K_FALSE);
	if (strcmp(tok, "-name") == 0 || strcmp(tok, "-iname") == 0 ||
	    strcmp(tok, "-path") == 0 || strcmp(tok, "-ipath") == 0 ||
	    strcmp(tok, "-wholename") == 0 ||
	    strcmp(tok, "-iwholename") == 0) {
		if ((a = need_arg(c, tok)) == NULL)
			return NULL;
		n = node_new(c, strstr(tok, "name") != NULL &&
		    strstr(tok, "whole") == NULL ? K_NAME : K_PATH);
		n->pat = a;
		n->fnflags = tok[1] == 'i' ? FNM_CASEFOLD : 0;
		return n;
	}
	if (strcmp(tok, "-type") == 0) {
		if ((a = need_arg(c, tok)) == NULL)
			return NULL;
		n = node_new(c, K_TYPE);
		for (i = 0; a[i] != '\0'; i++) {
			bool sep = i % 2 == 1;

			if (sep ? a[i] != ',' :
			    strchr("fdlbcps", a[i]) == NULL ||
			    strlen(n->types) + 1 >= sizeof(n->types)) {
				perr(c, "Unknown argument to -type: %s%s", a,
				    "");
				return NULL;
			}
			if (!sep)
				n->types[strlen(n->types)] = a[i];
		}
		if (i == 0 || a[i - 1] == ',') {
			perr(c, "Unknown argument to -type: %s%s", a, "");
			return NULL;
		}
		return n;
	}
	if (strcmp(tok, "-size") == 0 || strcmp(tok, "-links") == 0 ||
	    strcmp(tok, "-inum") == 0) {
		if ((a = need_arg(c, tok)) == NULL)
			return NULL;
		n = node_new(c, tok[1] == 's' ? K_SIZE : tok[1] == 'l' ?
		    K_LINKS : K_INUM);
		if (!parse_num(n, a, n->kind == K_SIZE)) {
			perr(c, "invalid argument `%s' to `%s'", a, tok);
			return NULL;
		}
		return n;
	}
	if (strcmp(tok, "-empty") == 0)
		return node_new(c, K_EMPTY);
	if (strcmp(tok, "-newer") == 0) {
		if ((a = need_arg(c, tok)) == NULL)
			return NULL;
		if ((error = vfs_sys_stat(a, &va)) != 0) {
			fsu_err(error, "%s", fsu_quote(a));
			c->parse_error = true;
			return NULL;
		}
		n = node_new(c, K_NEWER);
		n->ts = va.va_mtime;
		return n;
	}
	if (strcmp(tok, "-perm") == 0) {
		if ((a = need_arg(c, tok)) == NULL)
			return NULL;
		n = node_new(c, K_PERM);
		if (*a == '-' || *a == '/')
			n->permhow = *a++;
		if ((m = fsu_mode_parse(a)) == NULL) {
			perr(c, "invalid mode `%s'%s", a, "");
			return NULL;
		}
		n->perm = fsu_mode_apply(m, 0, false, 0);
		fsu_mode_free(m);
		return n;
	}
	if (strcmp(tok, "-user") == 0 || strcmp(tok, "-group") == 0 ||
	    strcmp(tok, "-uid") == 0 || strcmp(tok, "-gid") == 0) {
		bool user = tok[1] == 'u';

		if ((a = need_arg(c, tok)) == NULL)
			return NULL;
		n = node_new(c, user ? K_USER : K_GROUP);
		if (!parse_id(a, user, &n->num)) {
			perr(c, user ?
			    "`%s' is not the name of a known user%s" :
			    "`%s' is not the name of an existing group%s", a,
			    "");
			return NULL;
		}
		return n;
	}
	if (strcmp(tok, "-print") == 0 || strcmp(tok, "-print0") == 0 ||
	    strcmp(tok, "-quit") == 0) {
		c->has_action = true;
		return node_new(c, tok[2] == 'q' ? K_QUIT :
		    tok[6] == '0' ? K_PRINT0 : K_PRINT);
	}
	if (strcmp(tok, "-prune") == 0)
		return node_new(c, K_PRUNE);
	if (tok[0] == '-')
		perr(c, "unknown predicate `%s'%s", tok, "");
	else
		perr(c, "paths must precede expression: `%s'%s", tok, "");
	return NULL;
}

static struct node *
parse_unary(struct find_ctx *c)
{
	const char *t = peek(c);
	struct node *n, *e;

	if (t == NULL) {
		perr(c, "invalid expression; expected a test after an "
		    "operator%s%s", "", "");
		return NULL;
	}
	if (strcmp(t, "!") == 0 || strcmp(t, "-not") == 0) {
		c->pos++;
		if ((e = parse_unary(c)) == NULL)
			return NULL;
		n = node_new(c, K_NOT);
		n->l = e;
		return n;
	}
	if (strcmp(t, "(") == 0) {
		c->pos++;
		if ((e = parse_expr(c)) == NULL)
			return NULL;
		if (peek(c) == NULL || strcmp(peek(c), ")") != 0) {
			perr(c, "invalid expression; I was expecting to find "
			    "a ')' somewhere%s%s", "", "");
			return NULL;
		}
		c->pos++;
		return e;
	}
	if (strcmp(t, ")") == 0 || strcmp(t, "-o") == 0 ||
	    strcmp(t, "-a") == 0 || strcmp(t, ",") == 0) {
		perr(c, "invalid expression; unexpected `%s'%s", t, "");
		return NULL;
	}
	return parse_primary(c);
}

static struct node *
parse_and(struct find_ctx *c)
{
	struct node *l, *r, *n;
	const char *t;

	if ((l = parse_unary(c)) == NULL)
		return NULL;
	while ((t = peek(c)) != NULL && strcmp(t, "-o") != 0 &&
	    strcmp(t, "-or") != 0 && strcmp(t, ")") != 0 &&
	    strcmp(t, ",") != 0) {
		if (strcmp(t, "-a") == 0 || strcmp(t, "-and") == 0)
			c->pos++;
		if ((r = parse_unary(c)) == NULL)
			return NULL;
		n = node_new(c, K_AND);
		n->l = l;
		n->r = r;
		l = n;
	}
	return l;
}

static struct node *
parse_or(struct find_ctx *c)
{
	struct node *l, *r, *n;
	const char *t;

	if ((l = parse_and(c)) == NULL)
		return NULL;
	while ((t = peek(c)) != NULL &&
	    (strcmp(t, "-o") == 0 || strcmp(t, "-or") == 0)) {
		c->pos++;
		if ((r = parse_and(c)) == NULL)
			return NULL;
		n = node_new(c, K_OR);
		n->l = l;
		n->r = r;
		l = n;
	}
	return l;
}

static struct node *
parse_expr(struct find_ctx *c)
{
	struct node *l, *r, *n;

	if ((l = parse_or(c)) == NULL)
		return NULL;
	while (peek(c) != NULL && strcmp(peek(c), ",") == 0) {
		c->pos++;
		if ((r = parse_or(c)) == NULL)
			return NULL;
		n = node_new(c, K_COMMA);
		n->l = l;
		n->r = r;
		l = n;
	}
	return l;
}

/* ---- evaluation ---- */

struct find_eval {
	struct find_ctx	*c;
	struct node	*root;
	bool		 prune;
};

static char
type_letter(enum vtype t)
{

	switch (t) {
	case VREG:	return 'f';
	case VDIR:	return 'd';
	case VLNK:	return 'l';
	case VBLK:	return 'b';
	case VCHR:	return 'c';
	case VFIFO:	return 'p';
	case VSOCK:	return 's';
	default:	return '?';
	}
}

static bool
num_match(const struct node *n, uint64_t v)
{

	return n->cmp > 0 ? v > n->num : n->cmp < 0 ? v < n->num :
	    v == n->num;
}

static bool
is_empty(const struct fsu_walk_ent *e)
{
	GPtrArray *ents;
	bool empty;

	if (e->va.va_type == VREG)
		return e->va.va_size == 0;
	if (e->va.va_type != VDIR || fsu_readdir(e->path, &ents) != 0)
		return false;
	empty = ents->len == 0;
	g_ptr_array_unref(ents);
	return empty;
}

static bool
eval(struct find_eval *ev, const struct node *n,
    const struct fsu_walk_ent *e)
{
	const struct vattr *va = &e->va;
	uint64_t units;

	switch (n->kind) {
	case K_AND:
		return eval(ev, n->l, e) && !ev->c->quit && eval(ev, n->r, e);
	case K_OR:
		return eval(ev, n->l, e) || (!ev->c->quit &&
		    eval(ev, n->r, e));
	case K_COMMA:
		(void)eval(ev, n->l, e);
		return !ev->c->quit && eval(ev, n->r, e);
	case K_NOT:
		return !eval(ev, n->l, e);
	case K_TRUE:
		return true;
	case K_FALSE:
		return false;
	case K_NAME:
		return fnmatch(n->pat, e->name, n->fnflags) == 0;
	case K_PATH:
		return fnmatch(n->pat, e->path, n->fnflags) == 0;
	case K_TYPE:
		return strchr(n->types, type_letter(va->va_type)) != NULL;
	case K_SIZE:
		units = (va->va_size + n->unit - 1) / n->unit;
		return num_match(n, units);
	case K_LINKS:
		return num_match(n, va->va_nlink);
	case K_INUM:
		return num_match(n, va->va_fileid);
	case K_EMPTY:
		return is_empty(e);
	case K_NEWER:
		return va->va_mtime.tv_sec > n->ts.tv_sec ||
		    (va->va_mtime.tv_sec == n->ts.tv_sec &&
		    va->va_mtime.tv_nsec > n->ts.tv_nsec);
	case K_PERM:
		if (n->permhow == '-')
			return (va->va_mode & n->perm) == n->perm;
		if (n->permhow == '/')
			return n->perm == 0 || (va->va_mode & n->perm) != 0;
		return (va->va_mode & 07777) == n->perm;
	case K_USER:
		return va->va_uid == n->num;
	case K_GROUP:
		return va->va_gid == n->num;
	case K_PRINT:
		fputs(e->path, stdout);
		putchar('\n');
		return true;
	case K_PRINT0:
		fputs(e->path, stdout);
		putchar('\0');
		return true;
	case K_PRUNE:
		ev->prune = true;
		return true;
	case K_QUIT:
		ev->c->quit = true;
		return true;
	}
	return false;
}

static int
find_visit(struct fsu_walk_ent *e, void *arg)
{
	struct find_eval *ev = arg;
	struct find_ctx *c = ev->c;
	bool isdir_pre;

	if (e->error != 0) {
		fsu_err(e->error, "%s", fsu_quote(e->path));
		c->status = 1;
		if (!e->readdir_error || !c->depth_first)
			return FSU_WALK_CONTINUE;
	}
	isdir_pre = e->va.va_type == VDIR && !e->post;
	/* With -depth a directory is judged after its contents. */
	if (c->depth_first && isdir_pre && !e->readdir_error &&
	    (c->maxdepth < 0 || e->depth < c->maxdepth))
		return FSU_WALK_CONTINUE;
	if (!c->depth_first && e->post)
		return FSU_WALK_CONTINUE;
	ev->prune = false;
	if (e->depth >= c->mindepth)
		(void)eval(ev, ev->root, e);
	if (c->quit)
		return FSU_WALK_STOP;
	return ev->prune && !c->depth_first ? FSU_WALK_PRUNE :
	    FSU_WALK_CONTINUE;
}

int
cmd_find(int argc, char **argv)
{
	struct find_ctx c;
	struct find_eval ev;
	struct node *expr, *pr, *and;
	int i, flags = 0, npaths, first;

	memset(&c, 0, sizeof(c));
	c.maxdepth = -1;
	c.nodes = g_ptr_array_new_with_free_func(g_free);
	/* Our own option scan: find's expression is not getopt-shaped. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-L") == 0)
			flags = FSU_WF_FOLLOW_ALL;
		else if (strcmp(argv[i], "-H") == 0)
			flags = FSU_WF_FOLLOW_ROOT;
		else if (strcmp(argv[i], "-P") == 0)
			flags = 0;
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else
			break;
	}
	first = i;
	for (; i < argc; i++) {
		const char *a = argv[i];

		if ((a[0] == '-' && a[1] != '\0') || strcmp(a, "(") == 0 ||
		    strcmp(a, "!") == 0 || strcmp(a, ",") == 0 ||
		    strcmp(a, ")") == 0)
			break;
	}
	npaths = i - first;
	c.argv = argv;
	c.argc = argc;
	c.pos = i;
	expr = NULL;
	if (c.pos < argc) {
		expr = parse_expr(&c);
		if (!c.parse_error && c.pos < argc)
			perr(&c, "invalid expression; unexpected `%s'%s",
			    argv[c.pos], "");
		if (c.parse_error) {
			g_ptr_array_unref(c.nodes);
			return 1;
		}
	}
	if (expr == NULL)
		expr = node_new(&c, K_TRUE);
	if (!c.has_action) {
		pr = node_new(&c, K_PRINT);
		and = node_new(&c, K_AND);
		and->l = expr;
		and->r = pr;
		expr = and;
	}
	ev.c = &c;
	ev.root = expr;
	if (c.depth_first)
		flags |= FSU_WF_POSTORDER;
	for (i = 0; i < MAX(npaths, 1) && !c.quit; i++) {
		if (fsu_walk(npaths > 0 ? argv[first + i] : ".", flags, false,
		    c.maxdepth, find_visit, &ev) != 0) {
			c.status = 1;
			break;
		}
	}
	g_ptr_array_unref(c.nodes);
	return c.status;
}
