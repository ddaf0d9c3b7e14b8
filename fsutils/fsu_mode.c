/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_mode.c -- file mode specifications as chmod(1) takes them: octal
 * ("644", "4755") or symbolic ("u+x,go-w", "a=rX", "g=u", "+t"), for
 * chmod, mkdir -m, mknod -m, mkfifo -m and find -perm.
 *
 * Exports (fsu.h): fsu_mode_parse, fsu_mode_free, fsu_mode_apply.
 *
 * Symbolic rules (POSIX chmod): a clause is [ugoa]* followed by one or
 * more actions, each an operator (+ - =) and either permission letters
 * (r w x X s t) or one class letter (u g o) to copy from.  Without a
 * class letter the action applies to all classes but leaves the bits
 * that are set in the umask alone.  X means x if the file is a
 * directory or some x bit is already set.  s is set-user-ID for u and
 * set-group-ID for g; t (sticky) counts for o.  As in GNU chmod, a
 * directory keeps its set-user-ID and set-group-ID bits under an octal
 * mode of fewer than five digits and under "=" without 's'.
 */
#include <stdlib.h>
#include <string.h>

#include "fsu.h"

#define WHO_U	04700u
#define WHO_G	02070u
#define WHO_O	01007u
#define WHO_A	07777u

struct mode_action {
	char		 op;		/* + - = */
	uint32_t	 who;		/* WHO_* bits; 0 = none given */
	char		 perms[8];	/* letters of rwxXst */
	char		 copy;		/* u, g, o, or 0 */
};

struct fsu_mode {
	bool		 octal;
	uint32_t	 value;		/* octal */
	size_t		 digits;	/* octal: how many were given */
	GArray		*actions;	/* struct mode_action */
};

static struct fsu_mode *
parse_symbolic(const char *s)
{
	struct fsu_mode *m = g_new0(struct fsu_mode, 1);
	struct mode_action a;
	uint32_t who;
	size_t n;

	m->actions = g_array_new(FALSE, FALSE, sizeof(struct mode_action));
	for (;;) {
		who = 0;
		for (; *s != '\0' && strchr("ugoa", *s) != NULL; s++)
			who |= *s == 'u' ? WHO_U : *s == 'g' ? WHO_G :
			    *s == 'o' ? WHO_O : WHO_A;
		if (*s == '\0' || strchr("+-=", *s) == NULL)
			goto bad;
		while (*s != '\0' && strchr("+-=", *s) != NULL) {
			memset(&a, 0, sizeof(a));
			a.op = *s++;
			a.who = who;
			if (*s != '\0' && strchr("ugo", *s) != NULL) {
				a.copy = *s++;
			} else {
				for (n = 0; *s != '\0' &&
				    strchr("rwxXst", *s) != NULL; s++)
					if (strchr(a.perms, *s) == NULL)
						a.perms[n++] = *s;
			}
			g_array_append_val(m->actions, a);
		}
		if (*s == '\0')
			return m;
		if (*s != ',')
			goto bad;
		s++;
	}
bad:
	fsu_mode_free(m);
	return NULL;
}

struct fsu_mode *
fsu_mode_parse(const char *spec)
{
	struct fsu_mode *m;
	const char *p;
	uint32_t v = 0;

	if (*spec == '\0')
		return NULL;
	if (*spec >= '0' && *spec <= '7') {
		for (p = spec; *p != '\0'; p++) {
			if (*p < '0' || *p > '7' || v > 07777)
				return NULL;
			v = v * 8 + (uint32_t)(*p - '0');
		}
		if (v > 07777)
			return NULL;
		m = g_new0(struct fsu_mode, 1);
		m->octal = true;
		m->value = v;
		m->digits = strlen(spec);
		return m;
	}
	return parse_symbolic(spec);
}

void
fsu_mode_free(struct fsu_mode *m)
{

	if (m == NULL)
		return;
	if (m->actions != NULL)
		g_array_unref(m->actions);
	g_free(m);
}

/* The bits the letters of A stand for, given the current MODE. */
static uint32_t
action_bits(const struct mode_action *a, uint32_t mode, bool isdir)
{
	uint32_t bits = 0, src;
	const char *p;

	if (a->copy != 0) {
		src = a->copy == 'u' ? (mode >> 6) & 7 :
		    a->copy == 'g' ? (mode >> 3) & 7 : mode & 7;
		return src * 0111;
	}
	for (p = a->perms; *p != '\0'; p++) {
		switch (*p) {
		case 'r': bits |= 0444; break;
		case 'w': bits |= 0222; break;
		case 'x': bits |= 0111; break;
		case 'X':
			if (isdir || (mode & 0111))
				bits |= 0111;
			break;
		case 's': bits |= 06000; break;
		case 't': bits |= 01000; break;
		}
	}
	return bits;
}

uint32_t
fsu_mode_apply(const struct fsu_mode *m, uint32_t oldmode, bool isdir,
    mode_t umask)
{
	const struct mode_action *a;
	uint32_t mode = oldmode & 07777, who, bits, affected, clear;
	guint i;

	if (m->octal) {
		/* Directories keep set-id bits unless 5 digits say so. */
		if (isdir && m->digits < 5)
			return m->value | (oldmode & 06000);
		return m->value;
	}
	for (i = 0; i < m->actions->len; i++) {
		a = &g_array_index(m->actions, struct mode_action, i);
		bits = action_bits(a, mode, isdir);
		who = a->who != 0 ? a->who : WHO_A;
		affected = bits & who;
		if (a->who == 0)
			affected &= ~((uint32_t)umask & 0777);
		switch (a->op) {
		case '+':
			mode |= affected;
			break;
		case '-':
			mode &= ~affected;
			break;
		case '=':
			/*
			 * Clear the class's bits (the umask guards only
			 * against setting), then set.  Directories keep
			 * their set-id bits unless 's' is named, as GNU.
			 */
			clear = who;
			if (isdir && strchr(a->perms, 's') == NULL)
				clear &= ~06000u;
			mode = (mode & ~clear) | affected;
			break;
		}
	}
	return mode;
}
