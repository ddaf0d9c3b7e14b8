/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_diff.c -- differential conformance: the same random sequence of
 * path operations (create, open, mkdir, rmdir, unlink, rename with every
 * flag, link, symlink, truncate, chmod, stat, lstat, readlink, access)
 * runs against the kernel under test and against the host's own Linux
 * tmpfs (/dev/shm), and every result must match: the error number, the
 * attributes, the data read, and at the end (and every 250 steps) the
 * whole tree.  Linux is the specification, so any difference is the
 * kernel's.  A third of the steps run as an unprivileged user (UID_A):
 * on the host through setfsuid/setfsgid in a thread of its own, so the
 * permission rules are compared too.  Seeds are fixed; a difference is
 * reported once per kind with the first step that showed it.  Exports
 * conf_diff_cases.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conf.h"

/* The mirrored area: kernel /c/x/y/w <-> host TMP/x/y/w. */
#define K_BASE	"/c/x/y/w"
#define MAXDIFF	12

/* The kinds of difference reported so far (each once per case). */
struct diffcls {
	char	c[MAXDIFF][128];
	int	n;
};

struct diff {
	struct conf_ctx	*t;
	char		host[256];	/* host directory standing for /c */
	uint64_t	rng;
	int		step;
	int		ndiff;
	bool		diverged;	/* the two trees may now differ */
	struct diffcls	*cls;		/* kinds already reported */
	int		nclass;		/* kinds met in this run */
	bool		user;		/* this step runs as UID_A */
	bool		ro;		/* this step changes nothing */
	bool		users_ok;	/* no host policy hides user rules */
	bool		user_links_ok;	/* fs.protected_hardlinks is 0 */
	char		op[600];	/* the current step, for messages */
};

static uint32_t
rnd(struct diff *d, uint32_t n)
{
	d->rng ^= d->rng << 13;
	d->rng ^= d->rng >> 7;
	d->rng ^= d->rng << 17;
	return (uint32_t)(d->rng % n);
}

/* A random relative path of 1-3 components, maybe with a trailing '/'. */
static void
rnd_path(struct diff *d, char *buf, size_t len)
{
	static const char *const comp[] = { "a", "b", "d", "e", "l", "m",
	    "a", "d", ".", ".." };
	int n = 1 + (int)rnd(d, 3), i, up = 0;
	const char *c;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		do
			c = comp[rnd(d, sizeof(comp) / sizeof(comp[0]))];
		while (strcmp(c, "..") == 0 && up == 2);
		if (strcmp(c, "..") == 0)
			up++;
		if (i > 0)
			strncat(buf, "/", len - strlen(buf) - 1);
		strncat(buf, c, len - strlen(buf) - 1);
	}
	if (rnd(d, 10) == 0)
		strncat(buf, "/", len - strlen(buf) - 1);
}

static void
kpath(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", K_BASE, rel);
}

static void
hpath(struct diff *d, char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/x/y/w/%s", d->host, rel);
}

static bool
differ(struct diff *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool
differ(struct diff *d, const char *fmt, ...)
{
	char msg[400], cls[128];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->ndiff++;
	/* One line per kind: the operation's name and the message. */
	snprintf(cls, sizeof(cls), "%.*s%s %.60s", (int)strcspn(d->op, "("),
	    d->op, d->user ? " as user" : "", msg);
	for (i = 0; i < d->cls->n; i++)
		if (strcmp(d->cls->c[i], cls) == 0)
			return false;
	d->nclass++;
	if (d->cls->n == MAXDIFF)
		return false;
	strcpy(d->cls->c[d->cls->n++], cls);
	conf_fail(d->t, CONF_LOC, "step %d%s: %s: %s", d->step,
	    d->user ? " (as uid 1000)" : "", d->op, msg);
	return false;
}

/* Compare the kernel's error KE with the host's HE (Linux). */
static bool
same_err(struct diff *d, int ke, int he)
{
	if (ke == he)
		return true;
	/* Both failed, or nothing changed: the trees are the same. */
	if ((ke == 0 || he == 0) && !d->ro)
		d->diverged = true;
	return differ(d, "expected %s (Linux) got %s", conf_errname(he),
	    conf_errname(ke));
}

static enum vtype
mode_vtype(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG:	return VREG;
	case S_IFDIR:	return VDIR;
	case S_IFLNK:	return VLNK;
	case S_IFIFO:	return VFIFO;
	case S_IFCHR:	return VCHR;
	case S_IFBLK:	return VBLK;
	case S_IFSOCK:	return VSOCK;
	}
	return VBAD;
}

/* Compare a kernel vattr with a host stat of the same object. */
static bool
same_attr(struct diff *d, const struct vattr *va, const struct stat *st)
{
	if (va->va_type != mode_vtype(st->st_mode))
		return (d->diverged = true, differ(d, "type: expected %d got %d",
		    mode_vtype(st->st_mode), va->va_type));
	if (va->va_nlink != st->st_nlink)
		return (d->diverged = true, differ(d, "nlink: expected %lu got %u",
		    (unsigned long)st->st_nlink, va->va_nlink));
	if (va->va_type != VLNK && va->va_mode != (st->st_mode & 07777))
		return (d->diverged = true, differ(d, "mode: expected %04o got %04o",
		    st->st_mode & 07777, va->va_mode));
	if (va->va_uid != st->st_uid || va->va_gid != st->st_gid)
		return (d->diverged = true, differ(d, "owner: expected %u:%u "
		    "got %u:%u", st->st_uid, st->st_gid, va->va_uid,
		    va->va_gid));
	if (va->va_type != VDIR && va->va_size != (uint64_t)st->st_size)
		return (d->diverged = true, differ(d, "size: expected %lld got %llu",
		    (long long)st->st_size, (unsigned long long)va->va_size));
	return true;
}

/* Read all of FD (kernel) and HFD (host) and compare. */
static bool
same_data(struct diff *d, int fd, int hfd)
{
	static char kb[65536], hb[65536];
	size_t kn;
	ssize_t hn;
	int error;

	error = vfs_sys_pread(fd, kb, sizeof(kb), 0, &kn);
	hn = pread(hfd, hb, sizeof(hb), 0);
	if (!same_err(d, error, hn < 0 ? errno : 0))
		return false;
	if (hn < 0)
		return true;
	if (kn != (size_t)hn)
		return (d->diverged = true, differ(d, "read: expected %zd bytes got %zu", hn, kn));
	if (memcmp(kb, hb, kn) != 0)
		return (d->diverged = true, differ(d, "read: data differs"));
	return true;
}

#define HOST(call)	((call) < 0 ? errno : 0)

/*
 * Opening a fifo on the host blocks (or is ENXIO) where the kernel under
 * test has no fifo semantics to compare: such steps are left out.
 */
static bool
is_fifo(const char *hp)
{
	struct stat st;

	return stat(hp, &st) == 0 && S_ISFIFO(st.st_mode);
}

static void
step_create(struct diff *d, const char *rel)
{
	static const int extra[] = { 0, O_EXCL, O_TRUNC, O_APPEND,
	    O_EXCL | O_TRUNC, O_RDWR, O_DIRECTORY, O_NOFOLLOW };
	char kp[300], hp[600], data[3000];
	int fl = O_WRONLY | O_CREAT | extra[rnd(d, 8)], fd = -1, hfd;
	size_t len = rnd(d, sizeof(data)), kn;
	ssize_t hn;
	int ke, he;

	if (fl & O_RDWR)
		fl &= ~O_WRONLY;
	kpath(kp, sizeof(kp), rel);
	hpath(d, hp, sizeof(hp), rel);
	if (is_fifo(hp))
		return;
	snprintf(d->op, sizeof(d->op), "open(\"%s\", O_CREAT|0%o) + write %zu",
	    rel, fl & ~(O_CREAT | O_WRONLY), len);
	conf_fill(data, len, d->step, 0);
	ke = vfs_sys_open(kp, fl, 0644, &fd);
	hfd = open(hp, fl, 0644);
	he = hfd < 0 ? errno : 0;
	if (same_err(d, ke, he) && ke == 0) {
		ke = vfs_sys_write(fd, data, len, &kn);
		hn = write(hfd, data, len);
		if (same_err(d, ke, hn < 0 ? errno : 0) && ke == 0 &&
		    kn != (size_t)hn)
			differ(d, "write: expected %zd got %zu", hn, kn);
	}
	if (ke == 0 && fd >= 0)
		vfs_sys_close(fd);
	if (hfd >= 0)
		close(hfd);
}

static void
step_open_read(struct diff *d, const char *rel)
{
	static const int fls[] = { O_RDONLY, O_RDONLY | O_DIRECTORY,
	    O_RDONLY | O_NOFOLLOW, O_WRONLY, O_RDWR | O_TRUNC };
	char kp[300], hp[600];
	int fl = fls[rnd(d, 5)], fd = -1, hfd, ke, he;
	struct vattr va;
	struct stat st;

	kpath(kp, sizeof(kp), rel);
	hpath(d, hp, sizeof(hp), rel);
	if (is_fifo(hp))
		return;
	snprintf(d->op, sizeof(d->op), "open(\"%s\", 0%o)", rel, fl);
	ke = vfs_sys_open(kp, fl, 0, &fd);
	hfd = open(hp, fl);
	he = hfd < 0 ? errno : 0;
	if (same_err(d, ke, he) && ke == 0) {
		if (vfs_sys_fstat(fd, &va) == 0 && fstat(hfd, &st) == 0 &&
		    same_attr(d, &va, &st) && va.va_type == VREG &&
		    (fl & O_ACCMODE) != O_WRONLY)
			same_data(d, fd, hfd);
	}
	if (ke == 0)
		vfs_sys_close(fd);
	if (hfd >= 0)
		close(hfd);
}

static void
step_stat(struct diff *d, const char *rel, bool follow)
{
	char kp[300], hp[600];
	struct vattr va;
	struct stat st;
	int ke, he;

	kpath(kp, sizeof(kp), rel);
	hpath(d, hp, sizeof(hp), rel);
	snprintf(d->op, sizeof(d->op), "%s(\"%s\")", follow ? "stat" :
	    "lstat", rel);
	d->ro = true;
	ke = follow ? vfs_sys_stat(kp, &va) : vfs_sys_lstat(kp, &va);
	he = HOST(follow ? stat(hp, &st) : lstat(hp, &st));
	if (same_err(d, ke, he) && ke == 0)
		same_attr(d, &va, &st);
}

static void
step_readlink(struct diff *d, const char *rel)
{
	char kp[300], hp[600], kb[256], hb[256];
	size_t kn;
	ssize_t hn;
	int ke;

	kpath(kp, sizeof(kp), rel);
	hpath(d, hp, sizeof(hp), rel);
	snprintf(d->op, sizeof(d->op), "readlink(\"%s\")", rel);
	d->ro = true;
	ke = vfs_sys_readlink(kp, kb, sizeof(kb), &kn);
	hn = readlink(hp, hb, sizeof(hb));
	if (same_err(d, ke, hn < 0 ? errno : 0) && ke == 0 &&
	    (kn != (size_t)hn || memcmp(kb, hb, kn) != 0))
		differ(d, "target: expected \"%.*s\" got \"%.*s\"", (int)hn,
		    hb, (int)kn, kb);
}

static void
step_two(struct diff *d, int op, const char *r1, const char *r2)
{
	static const char *const targets[] = { "a", "d", "d/b", "l", "m/a",
	    "nothing", ".", "e/" };
	static const unsigned rflags[] = { 0, 0, RENAME_NOREPLACE,
	    RENAME_EXCHANGE };
	char k1[300], k2[300], h1[600], h2[600];
	const char *tg;
	unsigned fl;
	int ke = 0, he = 0;

	kpath(k1, sizeof(k1), r1);
	kpath(k2, sizeof(k2), r2);
	hpath(d, h1, sizeof(h1), r1);
	hpath(d, h2, sizeof(h2), r2);
	switch (op) {
	case 0:
		fl = rflags[rnd(d, 4)];
		snprintf(d->op, sizeof(d->op), "renameat2(\"%s\", \"%s\", %u)",
		    r1, r2, fl);
		ke = vfs_sys_renameat2(k1, k2, fl);
		he = HOST(renameat2(AT_FDCWD, h1, AT_FDCWD, h2, fl));
		break;
	case 1:
		if (d->user && !d->user_links_ok)
			return;		/* fs.protected_hardlinks would decide */
		snprintf(d->op, sizeof(d->op), "link(\"%s\", \"%s\")", r1, r2);
		ke = vfs_sys_link(k1, k2);
		he = HOST(link(h1, h2));
		break;
	case 2:
		tg = targets[rnd(d, sizeof(targets) / sizeof(targets[0]))];
		snprintf(d->op, sizeof(d->op), "symlink(\"%s\", \"%s\")", tg,
		    r2);
		ke = vfs_sys_symlink(tg, k2);
		he = HOST(symlink(tg, h2));
		break;
	}
	same_err(d, ke, he);
}

static void
step_one(struct diff *d, int op, const char *rel)
{
	static const uint32_t modes[] = { 0755, 0644, 0700, 01777, 0 };
	char kp[300], hp[600];
	uint64_t len;
	uint32_t m;
	int ke = 0, he = 0;

	kpath(kp, sizeof(kp), rel);
	hpath(d, hp, sizeof(hp), rel);
	switch (op) {
	case 0:
		snprintf(d->op, sizeof(d->op), "mkdir(\"%s\")", rel);
		ke = vfs_sys_mkdir(kp, 0755);
		he = HOST(mkdir(hp, 0755));
		break;
	case 1:
		snprintf(d->op, sizeof(d->op), "rmdir(\"%s\")", rel);
		ke = vfs_sys_rmdir(kp);
		he = HOST(rmdir(hp));
		break;
	case 2:
		snprintf(d->op, sizeof(d->op), "unlink(\"%s\")", rel);
		ke = vfs_sys_unlink(kp);
		he = HOST(unlink(hp));
		break;
	case 3:
		len = rnd(d, 3) == 0 ? 0 : rnd(d, 10000);
		snprintf(d->op, sizeof(d->op), "truncate(\"%s\", %llu)", rel,
		    (unsigned long long)len);
		ke = vfs_sys_truncate(kp, len);
		he = HOST(truncate(hp, (off_t)len));
		break;
	case 4:
		m = modes[rnd(d, 5)];
		snprintf(d->op, sizeof(d->op), "chmod(\"%s\", 0%o)", rel, m);
		ke = vfs_sys_chmod(kp, m);
		he = HOST(chmod(hp, m));
		break;
	case 5:
		m = (uint32_t)rnd(d, 8);
		snprintf(d->op, sizeof(d->op), "access(\"%s\", %u)", rel, m);
		ke = vfs_sys_access(kp, (int)m);
		/* AT_EACCESS: by the thread's fsuid, like the kernel's. */
		he = HOST(faccessat(AT_FDCWD, hp, (int)m, AT_EACCESS));
		d->ro = true;
		break;
	case 6:
		snprintf(d->op, sizeof(d->op), "mknod(\"%s\", S_IFIFO)", rel);
		ke = vfs_sys_mknod(kp, S_IFIFO | 0644, 0);
		he = HOST(mknod(hp, S_IFIFO | 0644, 0));
		break;
	case 7: {
		static const uint32_t ids[] = { 0, UID_A, (uint32_t)-1 };
		uint32_t u = ids[rnd(d, 3)], g = ids[rnd(d, 3)];

		snprintf(d->op, sizeof(d->op), "chown(\"%s\", %d, %d)", rel,
		    (int)u, (int)g);
		ke = vfs_sys_chown(kp, u, g, 0);
		he = HOST(chown(hp, u, g));
		break;
	}
	case 8:
		snprintf(d->op, sizeof(d->op), "utimens(\"%s\", NULL)", rel);
		ke = vfs_sys_utimens(kp, NULL, 0);
		he = HOST(utimensat(AT_FDCWD, hp, NULL, 0));
		break;
	}
	same_err(d, ke, he);
}

/* ---- whole-tree comparison ---- */

/* NAME is one of the filesystem's own root entries (lost+found)? */
static bool
own_root_entry(const struct diff *d, const char *krel, const char *name)
{
	const char *p;

	if (*krel != '\0' || d->t->fs->cf_rootnames == NULL)
		return false;
	for (p = d->t->fs->cf_rootnames; *p != '\0'; p += strlen(p) + 1)
		if (strcmp(p, name) == 0)
			return true;
	return false;
}

static bool
compare_tree(struct diff *d, const char *krel, int depth)
{
	struct conf_dirlist dl;
	char kp[1100], hp[1300], sub[1024];
	struct dirent *de;
	struct vattr va;
	struct stat st;
	size_t hcount = 0, own = 0, i;
	DIR *dir;
	int fd, hfd;

	snprintf(d->op, sizeof(d->op), "tree compare of \"%.500s\"", krel);
	snprintf(kp, sizeof(kp), "/c%s%s", *krel ? "/" : "", krel);
	snprintf(hp, sizeof(hp), "%s%s%s", d->host, *krel ? "/" : "", krel);
	if (!conf_list(d->t, CONF_LOC, kp, 0, &dl))
		return false;
	if ((dir = opendir(hp)) == NULL)
		return differ(d, "host opendir: %s", strerror(errno));
	while ((de = readdir(dir)) != NULL) {
		hcount++;
		if (conf_dl_find(&dl, de->d_name) == NULL) {
			closedir(dir);
			return differ(d, "entry \"%s\" missing", de->d_name);
		}
	}
	closedir(dir);
	for (i = 0; i < dl.n; i++)
		if (own_root_entry(d, krel, dl.ents[i].name))
			own++;
	if (hcount + own != dl.n)
		return differ(d, "expected %zu entries got %zu", hcount,
		    dl.n - own);
	for (i = 0; i < dl.n; i++) {
		if (strcmp(dl.ents[i].name, ".") == 0 ||
		    strcmp(dl.ents[i].name, "..") == 0 ||
		    own_root_entry(d, krel, dl.ents[i].name))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", krel, *krel ? "/" : "",
		    dl.ents[i].name);
		snprintf(kp, sizeof(kp), "/c/%s", sub);
		snprintf(hp, sizeof(hp), "%s/%s", d->host, sub);
		snprintf(d->op, sizeof(d->op), "tree compare of \"%.500s\"", sub);
		if (vfs_sys_lstat(kp, &va) != 0 || lstat(hp, &st) != 0)
			return differ(d, "lstat failed");
		if (!same_attr(d, &va, &st))
			return false;
		if (dl.ents[i].type != va.va_type)
			return differ(d, "readdir type %d, lstat type %d",
			    dl.ents[i].type, va.va_type);
		if (va.va_type == VREG) {
			if (vfs_sys_open(kp, O_RDONLY, 0, &fd) != 0)
				return differ(d, "cannot open");
			hfd = open(hp, O_RDONLY);
			same_data(d, fd, hfd);
			vfs_sys_close(fd);
			if (hfd >= 0)
				close(hfd);
		} else if (va.va_type == VDIR && depth < 8) {
			if (!compare_tree(d, sub, depth + 1))
				return false;
		}
	}
	return true;
}

/* Make the host tree removable again and remove it. */
static void
host_rm(const char *dir)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s' 2>/dev/null; "
	    "rm -rf '%s'", dir, dir);
	if (system(cmd) != 0)
		fprintf(stderr, "conformance: cannot remove %s\n", dir);
}

/* A host sysctl that changes permission rules; nonzero if set. */
static int
host_sysctl(const char *name)
{
	char path[128];
	FILE *f;
	int v = 0;

	snprintf(path, sizeof(path), "/proc/sys/fs/%s", name);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static void
run_seed(struct conf_ctx *t, struct diffcls *cls, uint64_t seed, int steps)
{
	struct diff d;
	char p1[200], p2[200], hp[600];
	const char *base;
	int op;

	memset(&d, 0, sizeof(d));
	d.t = t;
	d.cls = cls;
	d.rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	/*
	 * Users only where the host adds no policy of its own (and never
	 * when this thread cannot drop its supplementary groups).
	 */
	d.users_ok = geteuid() == 0 && host_sysctl("protected_symlinks") == 0 &&
	    host_sysctl("protected_regular") == 0 &&
	    host_sysctl("protected_fifos") == 0 &&
	    syscall(SYS_setgroups, 0, NULL) == 0;
	d.user_links_ok = host_sysctl("protected_hardlinks") == 0;
	if (!d.users_ok && seed == 1)
		conf_note(t, "the host's fs.protected_* settings or groups "
		    "keep the steps as a user out");
	base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(d.host, sizeof(d.host), "%s/conf-diff-XXXXXX", base);
	if (mkdtemp(d.host) == NULL)
		FAIL("mkdtemp: %s", strerror(errno));
	snprintf(hp, sizeof(hp), "%s/x", d.host);
	(void)mkdir(hp, 0755);
	snprintf(hp, sizeof(hp), "%s/x/y", d.host);
	(void)mkdir(hp, 0755);
	snprintf(hp, sizeof(hp), "%s/x/y/w", d.host);
	if (mkdir(hp, 0755) != 0 || chmod(d.host, 0755) != 0) {
		host_rm(d.host);
		FAIL("cannot make %s: %s", hp, strerror(errno));
	}
	if (vfs_sys_mkdir("/c/x", 0755) != 0 ||
	    vfs_sys_mkdir("/c/x/y", 0755) != 0 ||
	    vfs_sys_mkdir(K_BASE, 0755) != 0 || vfs_sys_chmod("/c", 0755)) {
		host_rm(d.host);
		FAIL("cannot make %s", K_BASE);
	}
	for (d.step = 0; d.step < steps && !d.diverged; d.step++) {
		rnd_path(&d, p1, sizeof(p1));
		rnd_path(&d, p2, sizeof(p2));
		op = (int)rnd(&d, 22);
		d.user = d.users_ok && rnd(&d, 3) == 0;
		d.ro = false;
		if (d.user) {
			AS_USER(UID_A, GID_A);
			(void)setfsgid(GID_A);
			(void)setfsuid(UID_A);
		}
		if (op < 3)
			step_create(&d, p1);
		else if (op < 5)
			step_open_read(&d, p1);
		else if (op < 7)
			step_stat(&d, p1, op == 5);
		else if (op < 8)
			step_readlink(&d, p1);
		else if (op < 12)
			step_two(&d, op < 10 ? 0 : op - 9, p1, p2);
		else if (op < 21)
			step_one(&d, op - 12, p1);
		else
			step_two(&d, 2, p1, p2);
		if (d.user) {
			(void)setfsuid(0);
			(void)setfsgid(0);
			AS_ROOT();
		}
		if (!d.diverged && (d.step % 250 == 249 || d.step == steps - 1) &&
		    !compare_tree(&d, "", 0))
			d.diverged = true;
	}
	if (d.ndiff > 0)
		conf_note(t, "seed %llu: %d differences (%d new kinds) in %d "
		    "steps%s", (unsigned long long)seed, d.ndiff, d.nclass,
		    d.step, d.diverged ? " (stopped: the trees diverged)" : "");
	host_rm(d.host);
}

struct seed_run {
	struct conf_ctx	ctx;
	struct diffcls	cls;
	uint64_t	seed;
	int		steps;
};

/*
 * A thread of its own: setfsuid() and the raw setgroups() change only
 * the calling thread on Linux, so the harness thread keeps its identity.
 */
static void *
seed_thread(void *arg)
{
	struct seed_run *r = arg;

	run_seed(&r->ctx, &r->cls, r->seed, r->steps);
	return NULL;
}

static void
diff_random_ops(struct conf_ctx *t)
{
	struct seed_run r;
	pthread_t tid;

	/* The host side must be able to act as root and as UID_A. */
	if (geteuid() != 0) {
		conf_note(t, "not run: the host side needs root");
		return;
	}
	memset(&r, 0, sizeof(r));
	for (r.seed = 1; r.seed <= 8; r.seed++) {
		r.steps = 4000;
		conf_sub_init(t, &r.ctx);
		if (pthread_create(&tid, NULL, seed_thread, &r) != 0)
			FAIL("pthread_create failed");
		pthread_join(tid, NULL);
		conf_sub_merge(t, &r.ctx);
		/* Next seed on a clean slate. */
		CHECK_OK(conf_remount_fresh(t));
	}
}

/*
 * File data: random pwrite/ftruncate/fallocate on one file, against the
 * host's tmpfs; sizes and whole contents compared every 64 steps.
 */
static void
diff_random_io(struct conf_ctx *t)
{
	enum { MAXOFF = 1 << 20, MAXLEN = 70000 };
	char hp[300], *kb, *hb, *data;
	struct diff d;
	struct vattr va;
	struct stat st;
	uint64_t off, len;
	size_t kn;
	ssize_t hn;
	int fd, hfd, op, ke, he, mode;

	memset(&d, 0, sizeof(d));
	d.t = t;
	d.cls = conf_alloc(t, sizeof(*d.cls));
	d.rng = 12345;
	kb = conf_alloc(t, 2 * MAXOFF);
	hb = conf_alloc(t, 2 * MAXOFF);
	data = conf_alloc(t, MAXLEN);
	snprintf(hp, sizeof(hp), "%s/conf-diff-io-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if ((hfd = mkstemp(hp)) < 0)
		FAIL("mkstemp: %s", strerror(errno));
	unlink(hp);
	if (vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd) != 0) {
		close(hfd);
		FAIL("cannot create /c/f");
	}
	for (d.step = 0; d.step < 3000 && !d.diverged; d.step++) {
		op = (int)rnd(&d, 10);
		off = rnd(&d, 4) == 0 ? rnd(&d, 4) * 4096 : rnd(&d, MAXOFF);
		len = rnd(&d, 3) == 0 ? rnd(&d, 10) : rnd(&d, MAXLEN);
		if (op < 6) {
			snprintf(d.op, sizeof(d.op), "pwrite(%llu, %llu)",
			    (unsigned long long)off, (unsigned long long)len);
			conf_fill(data, len, d.step, off);
			ke = vfs_sys_pwrite(fd, data, len, off, &kn);
			hn = pwrite(hfd, data, len, (off_t)off);
			if (same_err(&d, ke, hn < 0 ? errno : 0) && ke == 0 &&
			    kn != (size_t)hn)
				d.diverged = !differ(&d, "wrote %zu, Linux %zd",
				    kn, hn);
		} else if (op < 8) {
			off = rnd(&d, 3) == 0 ? 0 : off;
			snprintf(d.op, sizeof(d.op), "ftruncate(%llu)",
			    (unsigned long long)off);
			ke = vfs_sys_ftruncate(fd, off);
			he = HOST(ftruncate(hfd, (off_t)off));
			same_err(&d, ke, he);
		} else {
			static const int modes[] = { 0, FALLOC_FL_KEEP_SIZE,
			    FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE };

			mode = modes[rnd(&d, 3)];
			len = len == 0 ? 1 : len;
			snprintf(d.op, sizeof(d.op), "fallocate(%d, %llu, %llu)",
			    mode, (unsigned long long)off,
			    (unsigned long long)len);
			ke = vfs_sys_fallocate(fd, mode, off, len);
			he = HOST(fallocate(hfd, mode, (off_t)off, (off_t)len));
			same_err(&d, ke, he);
		}
		if (d.step % 64 != 63 || d.diverged)
			continue;
		snprintf(d.op, sizeof(d.op), "compare after step %d", d.step);
		if (vfs_sys_fstat(fd, &va) != 0 || fstat(hfd, &st) != 0) {
			differ(&d, "fstat failed");
			break;
		}
		if (va.va_size != (uint64_t)st.st_size) {
			differ(&d, "size: expected %lld got %llu",
			    (long long)st.st_size,
			    (unsigned long long)va.va_size);
			break;
		}
		if (vfs_sys_pread(fd, kb, 2 * MAXOFF, 0, &kn) != 0 ||
		    (hn = pread(hfd, hb, 2 * MAXOFF, 0)) < 0) {
			differ(&d, "read failed");
			break;
		}
		if (kn != (size_t)hn || memcmp(kb, hb, kn) != 0) {
			size_t i;

			for (i = 0; i < kn && i < (size_t)hn; i++)
				if (kb[i] != hb[i])
					break;
			differ(&d, "contents differ from byte %zu "
			    "(got 0x%02x, Linux 0x%02x)", i,
			    (uint8_t)kb[i], (uint8_t)hb[i]);
			break;
		}
	}
	vfs_sys_close(fd);
	close(hfd);
}

const struct conf_case conf_diff_cases[] = {
	{ "diff_random_ops", diff_random_ops, CAP_WRITE | CAP_SYMLINK |
	    CAP_HARDLINK | CAP_RENAME_EXCHANGE | CAP_DIRNLINK | CAP_PERMS |
	    CAP_MKNOD },
	{ "diff_random_io", diff_random_io,
	    CAP_WRITE | CAP_SPARSE | CAP_FALLOCATE },
	{ NULL, NULL, 0 }
};
