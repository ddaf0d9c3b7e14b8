/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_concurrency.c -- conformance cases with several threads in the
 * kernel at once: a mixed create/write/rename/delete workload in private
 * and shared directories, disjoint writers and a reader on one file,
 * racing exclusive creates/mkdirs/unlinks of the same names (exactly one
 * winner), directory moves in both directions (no deadlock, right link
 * counts), readdir while the directory churns.  Each worker runs with its
 * own conf_ctx (conf_sub_init) and may use the CHECK macros; the case
 * folds the workers' results back in after joining them.  Exports
 * conf_concurrency_cases.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "conf.h"

#define NTHREADS	4

struct worker {
	struct conf_ctx	ctx;
	pthread_t	tid;
	int		id;
	void		(*fn)(struct conf_ctx *t, struct worker *w);
	void		*shared;
	long		n[4];		/* per-worker counters */
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	w->fn(&w->ctx, w);
	return NULL;
}

/* Run FN in N threads and fold their results into T. */
static bool
run_workers(struct conf_ctx *t, struct worker *ws, int n,
    void (*fn)(struct conf_ctx *, struct worker *), void *shared)
{
	int i, started;

	for (i = 0; i < n; i++) {
		conf_sub_init(t, &ws[i].ctx);
		ws[i].id = i;
		ws[i].fn = fn;
		ws[i].shared = shared;
		memset(ws[i].n, 0, sizeof(ws[i].n));
	}
	for (started = 0; started < n; started++)
		if (pthread_create(&ws[started].tid, NULL, worker_main,
		    &ws[started]) != 0)
			break;
	for (i = 0; i < started; i++)
		pthread_join(ws[i].tid, NULL);
	for (i = 0; i < n; i++) {
		if (i >= started)
			conf_fail(&ws[i].ctx, CONF_LOC, "pthread_create failed");
		conf_sub_merge(t, &ws[i].ctx);
	}
	return !t->failed;
}

/* ---- mixed workload ---- */

#define MIX_ITERS	200

static size_t
mix_len(int id, int i)
{
	return (size_t)((i * 977 + id * 131) % 20000) + 1;
}

static void
mix_worker(struct conf_ctx *t, struct worker *w)
{
	char a[96], b[96];
	int i, fd;

	for (i = 0; i < MIX_ITERS; i++) {
		/* Private directory. */
		snprintf(a, sizeof(a), "/c/t%d/f%d", w->id, i);
		CHECK_OK(vfs_sys_open(a, O_RDWR | O_CREAT | O_EXCL, 0644,
		    &fd));
		WRITE_PAT(fd, w->id * 1000 + i, 0, mix_len(w->id, i));
		CLOSE(fd);
		if (i % 3 == 0) {
			snprintf(b, sizeof(b), "/c/t%d/r%d", w->id, i);
			CHECK_OK(vfs_sys_rename(a, b));
			strcpy(a, b);
		}
		if (i % 5 == 0)
			CHECK_OK(vfs_sys_unlink(a));
		/* Shared directory: create, rename, sometimes delete. */
		snprintf(a, sizeof(a), "/c/shared/k%d_%d", w->id, i);
		snprintf(b, sizeof(b), "/c/shared/k%d_%d.done", w->id, i);
		CHECK_OK(vfs_sys_open(a, O_RDWR | O_CREAT | O_EXCL, 0644,
		    &fd));
		WRITE_PAT(fd, 50000 + w->id * 1000 + i, 0, 3000 + i);
		CLOSE(fd);
		CHECK_OK(vfs_sys_rename(a, b));
		if (i % 4 == 0)
			CHECK_OK(vfs_sys_unlink(b));
		/* Directories come and go. */
		snprintf(a, sizeof(a), "/c/shared/dir%d_%d", w->id, i);
		MKDIR(a);
		if (i % 2 == 0)
			CHECK_OK(vfs_sys_rmdir(a));
		/* Moves between private directories (own names only). */
		if (i % 7 == 0 && i > 0 && (i - 1) % 3 != 0 &&
		    (i - 1) % 5 != 0) {
			snprintf(a, sizeof(a), "/c/t%d/f%d", w->id, i - 1);
			snprintf(b, sizeof(b), "/c/t%d/from%d_%d",
			    (w->id + 1) % NTHREADS, w->id, i);
			CHECK_OK(vfs_sys_rename(a, b));
		}
	}
}

/* Does mix_worker leave /c/tK/fI (as "f") in place? */
static bool
mix_f_survives(int i)
{
	if (i % 3 == 0 || i % 5 == 0)
		return false;
	/* Moved away by the i+1 iteration when i+1 is a multiple of 7. */
	return (i + 1) % 7 != 0;
}

static void
concurrent_mixed(struct conf_ctx *t)
{
	struct worker ws[NTHREADS];
	struct conf_dirlist dl;
	char name[96];
	size_t want;
	int k, i, fd, from;

	MKDIR("/c/shared");
	for (k = 0; k < NTHREADS; k++) {
		snprintf(name, sizeof(name), "/c/t%d", k);
		MKDIR(name);
	}
	TRY(run_workers(t, ws, NTHREADS, mix_worker, NULL));
	/* Verify every private directory. */
	for (k = 0; k < NTHREADS; k++) {
		snprintf(name, sizeof(name), "/c/t%d", k);
		LIST(name, &dl);
		want = 2;
		for (i = 0; i < MIX_ITERS; i++) {
			if (mix_f_survives(i)) {
				want++;
				snprintf(name, sizeof(name), "/c/t%d/f%d", k, i);
				OPEN(name, O_RDONLY, &fd);
				CHECK_PAT(fd, k * 1000 + i, 0, mix_len(k, i));
				CLOSE(fd);
			}
			if (i % 3 == 0 && i % 5 != 0) {
				want++;
				snprintf(name, sizeof(name), "/c/t%d/r%d", k, i);
				OPEN(name, O_RDONLY, &fd);
				CHECK_PAT(fd, k * 1000 + i, 0, mix_len(k, i));
				CLOSE(fd);
			}
			/* Files moved in from the previous worker. */
			from = (k + NTHREADS - 1) % NTHREADS;
			if (i % 7 == 0 && i > 0 && (i - 1) % 3 != 0 &&
			    (i - 1) % 5 != 0) {
				want++;
				snprintf(name, sizeof(name), "/c/t%d/from%d_%d",
				    k, from, i);
				OPEN(name, O_RDONLY, &fd);
				CHECK_PAT(fd, from * 1000 + i - 1, 0,
				    mix_len(from, i - 1));
				CLOSE(fd);
			}
		}
		CHECK_EQ(dl.n, want);
	}
	/* The shared directory. */
	LIST("/c/shared", &dl);
	want = 2;
	for (k = 0; k < NTHREADS; k++)
		for (i = 0; i < MIX_ITERS; i++) {
			if (i % 4 != 0) {
				want++;
				snprintf(name, sizeof(name),
				    "/c/shared/k%d_%d.done", k, i);
				OPEN(name, O_RDONLY, &fd);
				CHECK_PAT(fd, 50000 + k * 1000 + i, 0,
				    3000 + (size_t)i);
				CLOSE(fd);
			}
			if (i % 2 != 0) {
				want++;
				snprintf(name, sizeof(name),
				    "shared/dir%d_%d", k, i);
				CHECK(conf_dl_find(&dl, name + 7) != NULL);
			}
		}
	CHECK_EQ(dl.n, want);
}

/* ---- one file, disjoint writers and a reader ---- */

#define STRIPE		65536
#define NSTRIPES	64

static void
stripe_worker(struct conf_ctx *t, struct worker *w)
{
	atomic_int *done = w->shared;
	int s, fd, round;
	uint8_t buf[512];
	size_t n;

	if (w->id == NTHREADS) {	/* the reader */
		OPEN("/c/f", O_RDONLY, &fd);
		for (round = 0; atomic_load(done) < NTHREADS && round < 100000;
		    round++)
			CHECK_OK(vfs_sys_pread(fd, buf, sizeof(buf),
			    (uint64_t)(round * 7919) % (STRIPE * NSTRIPES),
			    &n));
		CLOSE(fd);
		return;
	}
	OPEN("/c/f", O_WRONLY, &fd);
	for (s = w->id; s < NSTRIPES; s += NTHREADS)
		WRITE_PAT(fd, 60, (uint64_t)s * STRIPE, STRIPE);
	CLOSE(fd);
	atomic_fetch_add(done, 1);
}

static void
concurrent_same_file(struct conf_ctx *t)
{
	struct worker ws[NTHREADS + 1];
	atomic_int done = 0;
	struct vattr va;
	int fd;

	PUTS("/c/f", "");
	TRY(run_workers(t, ws, NTHREADS + 1, stripe_worker, &done));
	STAT("/c/f", &va);
	CHECK_EQ(va.va_size, STRIPE * NSTRIPES);
	OPEN("/c/f", O_RDONLY, &fd);
	CHECK_PAT(fd, 60, 0, STRIPE * NSTRIPES);
	CLOSE(fd);
}

/* ---- racing for the same names ---- */

#define RACE_NAMES	100

static void
race_worker(struct conf_ctx *t, struct worker *w)
{
	char name[64];
	int i, fd, error;

	for (i = 0; i < RACE_NAMES; i++) {
		snprintf(name, sizeof(name), "/c/race/f%d", i);
		error = vfs_sys_open(name, O_WRONLY | O_CREAT | O_EXCL, 0644,
		    &fd);
		if (error == 0) {
			w->n[0]++;
			if ((error = vfs_sys_close(fd)) != 0)
				conf_fail(t, CONF_LOC, "close: %s",
				    conf_errname(error));
		} else if (error != EEXIST) {
			conf_fail(t, CONF_LOC, "O_EXCL create of %s: expected 0 "
			    "or EEXIST got %s", name, conf_errname(error));
		}
		snprintf(name, sizeof(name), "/c/race/d%d", i);
		error = vfs_sys_mkdir(name, 0755);
		if (error == 0)
			w->n[1]++;
		else if (error != EEXIST)
			conf_fail(t, CONF_LOC, "mkdir %s: expected 0 or EEXIST "
			    "got %s", name, conf_errname(error));
	}
	/* Everyone creates before anyone deletes. */
	pthread_barrier_wait(w->shared);
	for (i = 0; i < RACE_NAMES; i++) {
		snprintf(name, sizeof(name), "/c/race/f%d", i);
		error = vfs_sys_unlink(name);
		if (error == 0)
			w->n[2]++;
		else if (error != ENOENT)
			FAIL("unlink %s: expected 0 or ENOENT got %s", name,
			    conf_errname(error));
		snprintf(name, sizeof(name), "/c/race/d%d", i);
		error = vfs_sys_rmdir(name);
		if (error == 0)
			w->n[3]++;
		else if (error != ENOENT)
			FAIL("rmdir %s: expected 0 or ENOENT got %s", name,
			    conf_errname(error));
	}
}

static void
concurrent_same_names(struct conf_ctx *t)
{
	struct worker ws[NTHREADS];
	long sum[4] = { 0, 0, 0, 0 };
	pthread_barrier_t barrier;
	bool ok;
	int k, j;

	MKDIR("/c/race");
	pthread_barrier_init(&barrier, NULL, NTHREADS);
	ok = run_workers(t, ws, NTHREADS, race_worker, &barrier);
	pthread_barrier_destroy(&barrier);
	if (!ok)
		return;
	for (k = 0; k < NTHREADS; k++)
		for (j = 0; j < 4; j++)
			sum[j] += ws[k].n[j];
	/* Each name has exactly one winner of each race. */
	CHECK_EQ(sum[0], RACE_NAMES);	/* O_EXCL creates */
	CHECK_EQ(sum[1], RACE_NAMES);	/* mkdirs */
	CHECK_EQ(sum[2], RACE_NAMES);	/* unlinks */
	CHECK_EQ(sum[3], RACE_NAMES);	/* rmdirs */
	EXPECT_NAMES("/c/race", "");
}

/* ---- directory moves in both directions ---- */

#define MOVE_ROUNDS	300

static int
count_fill(void *arg, const char *name, size_t namelen, uint64_t ino,
    enum vtype type, uint64_t nextcookie)
{
	(void)name;
	(void)namelen;
	(void)ino;
	(void)type;
	(void)nextcookie;
	(*(int *)arg)++;
	return 0;
}

static void
move_worker(struct conf_ctx *t, struct worker *w)
{
	char a[64], b[64];
	int r;

	if (w->id == NTHREADS - 1) {	/* a watcher: stat and list */
		struct vattr va;
		int fd, n, i;

		for (r = 0; r < MOVE_ROUNDS / 3; r++) {
			CHECK_OK(vfs_sys_stat("/c/a", &va));
			CHECK_OK(vfs_sys_stat("/c/b", &va));
			/*
			 * Entries moving in and out may be seen twice or not
			 * at all (POSIX); the listing must just work and end.
			 */
			OPEN("/c/b", O_RDONLY | O_DIRECTORY, &fd);
			for (i = 0; i < 1000; i++) {
				n = 0;
				CHECK_OK(vfs_sys_getdents(fd, count_fill, &n));
				if (n == 0)
					break;
			}
			CLOSE(fd);
			CHECK(i < 1000);
		}
		return;
	}
	for (r = 0; r < MOVE_ROUNDS; r++) {
		/* Worker 0 moves a/dI to b and back; others b/... to a/p. */
		if (w->id % 2 == 0) {
			snprintf(a, sizeof(a), "/c/a/d%d", w->id);
			snprintf(b, sizeof(b), "/c/b/d%d", w->id);
		} else {
			snprintf(a, sizeof(a), "/c/b/d%d", w->id);
			snprintf(b, sizeof(b), "/c/a/p/d%d", w->id);
		}
		CHECK_OK(vfs_sys_rename(a, b));
		CHECK_OK(vfs_sys_rename(b, a));
	}
}

static void
concurrent_rename_dirs(struct conf_ctx *t)
{
	struct worker ws[NTHREADS];
	struct vattr va;
	char name[64];
	int k;

	MKDIR("/c/a");
	MKDIR("/c/b");
	MKDIR("/c/a/p");
	for (k = 0; k < NTHREADS - 1; k++) {
		snprintf(name, sizeof(name), k % 2 == 0 ? "/c/a/d%d" :
		    "/c/b/d%d", k);
		MKDIR(name);
		snprintf(name + strlen(name), sizeof(name) - strlen(name),
		    "/inner");
		PUTS(name, "in");
	}
	TRY(run_workers(t, ws, NTHREADS, move_worker, NULL));
	for (k = 0; k < NTHREADS - 1; k++) {
		snprintf(name, sizeof(name), k % 2 == 0 ? "/c/a/d%d/inner" :
		    "/c/b/d%d/inner", k);
		EXPECTS(name, "in");
	}
	if (t->fs->cf_caps & CAP_DIRNLINK) {
		STAT("/c/a", &va);
		CHECK_EQ(va.va_nlink, 2 + 1 + (NTHREADS) / 2);
		STAT("/c/b", &va);
		CHECK_EQ(va.va_nlink, 2 + (NTHREADS - 1) / 2);
		STAT("/c/a/p", &va);
		CHECK_EQ(va.va_nlink, 2);
	}
}

/* ---- readdir while the directory churns ---- */

#define STABLE	200

struct churn_seen {
	int	counts[STABLE];
	int	taken;		/* entries in the last getdents call */
	bool	bad;
};

static int
churn_fill(void *arg, const char *name, size_t namelen, uint64_t ino,
    enum vtype type, uint64_t nextcookie)
{
	struct churn_seen *cs = arg;
	int n;

	(void)ino;
	(void)type;
	(void)nextcookie;
	cs->taken++;
	if (namelen == 4 && name[0] == 's') {
		n = (name[1] - '0') * 100 + (name[2] - '0') * 10 +
		    (name[3] - '0');
		if (n >= 0 && n < STABLE)
			cs->counts[n]++;
		else
			cs->bad = true;
	}
	return 0;
}

static void
churn_worker(struct conf_ctx *t, struct worker *w)
{
	atomic_int *stop = w->shared;
	struct churn_seen cs;
	char name[64];
	int i, r, fd;

	if (w->id == 0) {	/* the reader */
		for (r = 0; r < 60; r++) {
			memset(&cs, 0, sizeof(cs));
			OPEN("/c/d", O_RDONLY | O_DIRECTORY, &fd);
			for (i = 0; i < 100000; i++) {
				cs.taken = 0;
				CHECK_OK(vfs_sys_getdents(fd, churn_fill, &cs));
				if (cs.taken == 0)
					break;
			}
			CLOSE(fd);
			CHECK(!cs.bad);
			for (i = 0; i < STABLE; i++)
				if (cs.counts[i] != 1)
					FAIL("round %d: stable entry s%03d seen "
					    "%d times", r, i, cs.counts[i]);
		}
		atomic_store(stop, 1);
		return;
	}
	for (r = 0; !atomic_load(stop) && r < 100000; r++) {
		snprintf(name, sizeof(name), "/c/d/tmp%d_%d", w->id, r % 50);
		if (r % 100 < 50) {
			CHECK_OK(vfs_sys_open(name, O_WRONLY | O_CREAT, 0644,
			    &fd));
			CLOSE(fd);
		} else {
			CHECK_OK(vfs_sys_unlink(name));
		}
	}
}

static void
concurrent_readdir_churn(struct conf_ctx *t)
{
	struct worker ws[3];
	atomic_int stop = 0;
	char name[64];
	int i;

	MKDIR("/c/d");
	for (i = 0; i < STABLE; i++) {
		snprintf(name, sizeof(name), "/c/d/s%03d", i);
		PUTS(name, "");
	}
	TRY(run_workers(t, ws, 3, churn_worker, &stop));
}

const struct conf_case conf_concurrency_cases[] = {
	{ "concurrent_mixed", concurrent_mixed, CAP_WRITE },
	{ "concurrent_same_file", concurrent_same_file, CAP_WRITE },
	{ "concurrent_same_names", concurrent_same_names, CAP_WRITE },
	{ "concurrent_rename_dirs", concurrent_rename_dirs, CAP_WRITE },
	{ "concurrent_readdir_churn", concurrent_readdir_churn, CAP_WRITE },
	{ NULL, NULL, 0 }
};
