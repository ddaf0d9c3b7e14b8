/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hyp_fault.c -- fault injection for block I/O and hyp_malloc.
 *
 * Exports hyp_fault_reload() and hyp_fault_counts() (rumpuser.h) and the
 * decision points hyp_fault_io_fail() and hyp_fault_mem_fail()
 * (hyp_impl.h), called once per block transfer and once per hyp_malloc.
 *
 * Settings come from the environment (see rumpuser.h):
 *   RUMP_FAULT_IO=N, RUMP_FAULT_IO_RANDOM=K, RUMP_FAULT_IO_REPEAT=1,
 *   RUMP_FAULT_MEM=N, RUMP_FAULT_MEM_RANDOM=K, RUMP_FAULT_SEED=S.
 *
 * Design: every call takes an ordinal n (1, 2, ...) from an atomic
 * counter.  The "Nth" variants compare n with N.  The random variants
 * are a counter-based generator: call n fails when
 * mix64(seed, stream, n) % K == 0, where mix64 is a splitmix64-style
 * finaliser.  The decision thus depends only on (seed, n), never on
 * which thread asked first for a shared generator state, so the same
 * seed and the same sequence of calls give the same failures, and the
 * code needs no lock.  Settings and counters are atomics; a reload that
 * races with I/O only blurs the boundary between the old and new run.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "hyp_impl.h"

#define STREAM_IO	UINT64_C(0x696f5f6661756c74)	/* "io_fault" */
#define STREAM_MEM	UINT64_C(0x6d656d5f6661756c)	/* "mem_faul" */

/* Settings: written by hyp_fault_reload(), read by every decision. */
static _Atomic uint64_t	fault_io_nth;		/* 0 = off */
static _Atomic uint64_t	fault_io_random;	/* 1/K; 0 = off */
static _Atomic bool	fault_io_repeat;
static _Atomic uint64_t	fault_mem_nth;
static _Atomic uint64_t	fault_mem_random;
static _Atomic uint64_t	fault_seed = 1;

/* Counters since the last reload. */
static _Atomic uint64_t	fault_nio;
static _Atomic uint64_t	fault_nmem;

static uint64_t
mix64(uint64_t x)
{

	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/*
 * Parse the unsigned decimal variable NAME; 0 when unset, and 0 with a
 * warning when it is not a number.
 */
static uint64_t
env_u64(const char *name, uint64_t dflt)
{
	const char *s;
	char *end;
	unsigned long long v;

	if ((s = getenv(name)) == NULL || *s == '\0')
		return dflt;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || *s == '-') {
		hyp_log(HYP_LOG_WARN, "fault injection: ignoring %s=\"%s\"",
		    name, s);
		return dflt;
	}
	return (uint64_t)v;
}

void
hyp_fault_reload(void)
{
	uint64_t io_nth, io_random, mem_nth, mem_random, seed;
	bool io_repeat;

	io_nth = env_u64("RUMP_FAULT_IO", 0);
	io_random = env_u64("RUMP_FAULT_IO_RANDOM", 0);
	io_repeat = env_u64("RUMP_FAULT_IO_REPEAT", 0) != 0;
	mem_nth = env_u64("RUMP_FAULT_MEM", 0);
	mem_random = env_u64("RUMP_FAULT_MEM_RANDOM", 0);
	seed = env_u64("RUMP_FAULT_SEED", 1);

	atomic_store(&fault_io_nth, io_nth);
	atomic_store(&fault_io_random, io_random);
	atomic_store(&fault_io_repeat, io_repeat);
	atomic_store(&fault_mem_nth, mem_nth);
	atomic_store(&fault_mem_random, mem_random);
	atomic_store(&fault_seed, seed);
	atomic_store(&fault_nio, 0);
	atomic_store(&fault_nmem, 0);

	if (io_nth != 0 || io_random != 0 || mem_nth != 0 || mem_random != 0)
		hyp_log(HYP_LOG_INFO, "fault injection: io=%llu%s "
		    "io_random=%llu mem=%llu mem_random=%llu seed=%llu",
		    (unsigned long long)io_nth, io_repeat ? "+" : "",
		    (unsigned long long)io_random,
		    (unsigned long long)mem_nth,
		    (unsigned long long)mem_random,
		    (unsigned long long)seed);
}

void
hyp_fault_counts(uint64_t *nio, uint64_t *nmem)
{

	if (nio != NULL)
		*nio = atomic_load(&fault_nio);
	if (nmem != NULL)
		*nmem = atomic_load(&fault_nmem);
}

/*
 * Does call number N fail?  NTH and REPEAT select the deterministic
 * variant, K the random one (either may be off, both may be on).
 */
static bool
fault_decide(uint64_t n, uint64_t nth, bool repeat, uint64_t k,
    uint64_t stream)
{
	uint64_t seed;

	if (nth != 0 && (n == nth || (repeat && n > nth)))
		return true;
	if (k != 0) {
		seed = atomic_load_explicit(&fault_seed, memory_order_relaxed);
		if (mix64(seed ^ mix64(stream ^ mix64(n))) % k == 0)
			return true;
	}
	return false;
}

bool
hyp_fault_io_fail(void)
{
	uint64_t n;

	n = atomic_fetch_add(&fault_nio, 1) + 1;
	if (!fault_decide(n,
	    atomic_load_explicit(&fault_io_nth, memory_order_relaxed),
	    atomic_load_explicit(&fault_io_repeat, memory_order_relaxed),
	    atomic_load_explicit(&fault_io_random, memory_order_relaxed),
	    STREAM_IO))
		return false;
	hyp_log(HYP_LOG_DEBUG, "fault injection: failing block I/O #%llu",
	    (unsigned long long)n);
	return true;
}

bool
hyp_fault_mem_fail(void)
{
	uint64_t n;

	n = atomic_fetch_add(&fault_nmem, 1) + 1;
	if (!fault_decide(n,
	    atomic_load_explicit(&fault_mem_nth, memory_order_relaxed),
	    false,
	    atomic_load_explicit(&fault_mem_random, memory_order_relaxed),
	    STREAM_MEM))
		return false;
	hyp_log(HYP_LOG_DEBUG, "fault injection: failing allocation #%llu",
	    (unsigned long long)n);
	return true;
}
