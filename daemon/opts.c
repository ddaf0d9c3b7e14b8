/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opts.c -- splitting -o options three ways:
 *
 *   FUSE / Linux mount   allow_other allow_root [no]default_permissions
 *                        fsname= subtype= auto_unmount max_read=
 *                        noexec exec dirsync norelatime strictatime
 *                        nostrictatime lazytime nolazytime
 *   both                 ro rw noatime atime relatime sync async
 *                        nosuid suid nodev dev (the kernel's generic
 *                        options, vfs_opts.c)
 *   the daemon           entry_timeout= attr_timeout= negative_timeout=
 *                        max_write= max_readahead= [no]writeback_cache
 *                        [no]keep_cache threads= max_threads= bufcache=
 *                        lrumax= [no]clone_fd
 *                        readdirplus= cpu_latency= busy_poll= sandbox= user=
 *                        memlimit= split_timeout= split_channel=
 *                        (sandbox.h, split_fuse.h)
 *   the kernel           everything else, verbatim, for vfs_mount(),
 *                        which rejects what its driver does not know
 *
 * Options are separated by commas; "\," is a comma inside a value and
 * "\\" a backslash.  Later options override earlier ones.
 *
 * Exports: rf_opts_init, rf_opts_fini, rf_opts_parse, rf_opts_kernel_perms,
 *          rf_opts_cache_defaults, rf_opts_fuse_args.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "bridge.h"
#include "sandbox.h"

void
rf_opts_init(struct rf_opts *o)
{

	memset(o, 0, sizeof(*o));
	o->fstype = "auto";
	o->entry_timeout = -1.0;	/* rf_opts_cache_defaults */
	o->attr_timeout = -1.0;
	o->negative_timeout = -1.0;
	o->max_write = RF_MAX_WRITE_LIMIT;
	o->max_readahead = RF_MAX_WRITE_LIMIT;
	o->writeback_cache = false;
	o->keep_cache = true;
	o->clone_fd = true;
	o->max_idle_threads = UINT32_MAX;	/* libfuse's: keep them all */
	o->max_threads = 0;
	o->default_perms = -1;
	o->sandbox = RF_SANDBOX_AUTO;
	o->user = NULL;
	o->memlimit = 0;		/* RF_SANDBOX_MEMLIMIT_DEFAULT */
	o->split_timeout = 0.0;		/* the split code's default */
	o->split_channel = RF_SPLIT_FUSE;
	o->cpu_latency = 0;
	o->busy_poll = -1;		/* rf_busy_poll() */
	o->readdirplus = RF_RDPLUS_ALWAYS;
	o->fuse_list = g_ptr_array_new_with_free_func(g_free);
	o->kern_o = g_string_new(NULL);
}

void
rf_opts_fini(struct rf_opts *o)
{

	if (o->fuse_list != NULL)
		g_ptr_array_free(o->fuse_list, TRUE);
	if (o->kern_o != NULL)
		g_string_free(o->kern_o, TRUE);
	free(o->mountpoint);
	g_free(o->user);
	o->fuse_list = NULL;
	o->kern_o = NULL;
	o->mountpoint = NULL;
	o->user = NULL;
}

/* "123", "64k", "1M", "2GiB": bytes.  => 0 or EINVAL. */
static int
opt_size(const char *s, uint64_t *vp)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (*s == '\0' || *s == '-')
		return EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return EINVAL;
	switch (*end) {
	case 'k': case 'K':
		shift = 10;
		end++;
		break;
	case 'm': case 'M':
		shift = 20;
		end++;
		break;
	case 'g': case 'G':
		shift = 30;
		end++;
		break;
	case 't': case 'T':
		shift = 40;
		end++;
		break;
	}
	if (shift != 0 && strcmp(end, "iB") == 0)
		end += 2;
	else if (strcmp(end, "B") == 0 || strcmp(end, "b") == 0)
		end++;
	if (*end != '\0')
		return EINVAL;
	if (shift != 0 && v > (UINT64_MAX >> shift))
		return EINVAL;
	*vp = (uint64_t)v << shift;
	return 0;
}

/* A count: "0".."4294967295".  => 0 or EINVAL. */
static int
opt_uint(const char *s, unsigned *vp)
{
	unsigned long long v;
	char *end;

	if (*s == '\0' || *s == '-')
		return EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > UINT32_MAX)
		return EINVAL;
	*vp = (unsigned)v;
	return 0;
}

/* Seconds, fractions allowed, >= 0.  => 0 or EINVAL. */
static int
opt_secs(const char *s, double *vp)
{
	double v;
	char *end;

	if (*s == '\0')
		return EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0)
		return EINVAL;
	*vp = v;
	return 0;
}

static const char *const fuse_flags[] = {
	"allow_other", "allow_root", "auto_unmount",
	"noexec", "exec", "dirsync", "norelatime", "strictatime",
	"nostrictatime", "lazytime", "nolazytime",
	NULL
};

static const char *const both_flags[] = {
	"noatime", "atime", "relatime", "sync", "async", "nosuid", "suid",
	"nodev", "dev",
	NULL
};

static bool
in_list(const char *const *list, const char *s)
{

	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static void
kern_add(struct rf_opts *o, const char *opt)
{

	if (o->kern_o->len > 0)
		g_string_append_c(o->kern_o, ',');
	g_string_append(o->kern_o, opt);
}

/*
 * One option.  => 0, or EINVAL with a message in err.
 */
static int
opt_one(struct rf_opts *o, const char *opt, char *err, size_t errlen)
{
	const char *eq = strchr(opt, '=');
	const char *val = eq != NULL ? eq + 1 : NULL;
	size_t klen = eq != NULL ? (size_t)(eq - opt) : strlen(opt);
	uint64_t sz;
	unsigned u;
	int error = 0;

#define KEY(k)	(klen == sizeof(k) - 1 && strncmp(opt, k, klen) == 0)
#define NEEDVAL() do {							\
	if (val == NULL || *val == '\0') {				\
		snprintf(err, errlen, "option '%.*s' needs a value",	\
		    (int)klen, opt);					\
		return EINVAL;						\
	}								\
} while (0)
#define NOVAL() do {							\
	if (val != NULL) {						\
		snprintf(err, errlen, "option '%.*s' takes no value",	\
		    (int)klen, opt);					\
		return EINVAL;						\
	}								\
} while (0)

	if (klen == 0) {
		snprintf(err, errlen, "empty option name in '%s'", opt);
		return EINVAL;
	}

	/* FUSE and Linux mount options. */
	if (val == NULL && in_list(fuse_flags, opt)) {
		if (KEY("allow_other") || KEY("allow_root"))
			o->multiuser = true;
		g_ptr_array_add(o->fuse_list, g_strdup(opt));
		return 0;
	}
	if (KEY("default_permissions") || KEY("nodefault_permissions") ||
	    KEY("no_default_permissions")) {
		NOVAL();
		o->default_perms = KEY("default_permissions") ? 1 : 0;
		return 0;		/* emitted by rf_opts_fuse_args */
	}
	if (KEY("fsname") || KEY("subtype")) {
		NEEDVAL();
		if (KEY("fsname"))
			o->have_fsname = true;
		else
			o->have_subtype = true;
		g_ptr_array_add(o->fuse_list, g_strdup(opt));
		return 0;
	}
	if (KEY("max_read")) {
		NEEDVAL();
		if ((error = opt_size(val, &sz)) != 0 || sz == 0 ||
		    sz > UINT32_MAX)
			goto out_bad;
		o->max_read = (unsigned)sz;
		g_ptr_array_add(o->fuse_list,
		    g_strdup_printf("max_read=%u", o->max_read));
		return 0;
	}

	/* Both sides. */
	if (KEY("ro") || KEY("rw")) {
		NOVAL();
		o->ro = KEY("ro");
		o->rw_given = true;
		return 0;		/* emitted by rf_opts_fuse_args */
	}
	if (val == NULL && in_list(both_flags, opt)) {
		g_ptr_array_add(o->fuse_list, g_strdup(opt));
		kern_add(o, opt);
		return 0;
	}

	/* The daemon's own. */
	if (KEY("entry_timeout") || KEY("attr_timeout") ||
	    KEY("negative_timeout")) {
		double *dp = KEY("entry_timeout") ? &o->entry_timeout :
		    KEY("attr_timeout") ? &o->attr_timeout :
		    &o->negative_timeout;

		NEEDVAL();
		if ((error = opt_secs(val, dp)) != 0)
			goto out_bad;
		return 0;
	}
	if (KEY("max_write") || KEY("max_readahead")) {
		NEEDVAL();
		if ((error = opt_size(val, &sz)) != 0)
			goto out_bad;
		if (KEY("max_readahead")) {
			if (sz > UINT32_MAX)
				sz = UINT32_MAX;
			o->max_readahead = (unsigned)sz;
			return 0;
		}
		if (sz > RF_MAX_WRITE_LIMIT) {
			rf_log(LOG_WARNING, "max_write=%s: Linux allows at "
			    "most %u; using that", val, RF_MAX_WRITE_LIMIT);
			sz = RF_MAX_WRITE_LIMIT;
		} else if (sz < RF_MAX_WRITE_MIN) {
			rf_log(LOG_WARNING, "max_write=%s: raised to %u",
			    val, RF_MAX_WRITE_MIN);
			sz = RF_MAX_WRITE_MIN;
		}
		o->max_write = (unsigned)sz;
		return 0;
	}
	if (KEY("writeback_cache") || KEY("no_writeback_cache") ||
	    KEY("nowriteback_cache")) {
		NOVAL();
		o->writeback_cache = KEY("writeback_cache");
		return 0;
	}
	if (KEY("keep_cache") || KEY("nokeep_cache") ||
	    KEY("no_keep_cache")) {
		NOVAL();
		o->keep_cache = KEY("keep_cache");
		return 0;
	}
	if (KEY("clone_fd") || KEY("noclone_fd") || KEY("no_clone_fd")) {
		NOVAL();
		o->clone_fd = KEY("clone_fd");
		return 0;
	}
	if (KEY("threads") || KEY("max_threads") || KEY("lrumax")) {
		NEEDVAL();
		if ((error = opt_uint(val, &u)) != 0)
			goto out_bad;
		if (KEY("threads"))
			o->max_idle_threads = u;
		else if (KEY("max_threads")) {
			if (u == 0)
				goto out_bad;
			o->max_threads = u;
		} else
			o->lrumax = u;
		return 0;
	}
	if (KEY("bufcache")) {
		NEEDVAL();
		if ((error = opt_size(val, &sz)) != 0)
			goto out_bad;
		o->bufcache_bytes = sz;
		return 0;
	}

	/* The sandbox (sandbox.h). */
	if (KEY("sandbox")) {
		static const struct {
			const char *name;
			enum rf_sandbox_mode mode;
		} modes[] = {
			{ "auto", RF_SANDBOX_AUTO },
			{ "none", RF_SANDBOX_NONE },
			{ "basic", RF_SANDBOX_BASIC },
			{ "split", RF_SANDBOX_SPLIT },
		};
		size_t i;

		NEEDVAL();
		for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
			if (strcmp(val, modes[i].name) == 0) {
				o->sandbox = (int)modes[i].mode;
				return 0;
			}
		snprintf(err, errlen, "invalid value for option 'sandbox': "
		    "'%s' (auto, none, basic or split)", val);
		return EINVAL;
	}
	if (KEY("user")) {
		char uerr[256];

		NEEDVAL();
		if (rf_sandbox_check_user(val, uerr, sizeof(uerr)) != 0) {
			snprintf(err, errlen, "invalid value for option "
			    "'user': %s", uerr);
			return EINVAL;
		}
		g_free(o->user);
		o->user = g_strdup(val);
		return 0;
	}
	if (KEY("memlimit")) {
		NEEDVAL();
		if (strcmp(val, "none") == 0 || strcmp(val, "0") == 0) {
			o->memlimit = RF_SANDBOX_MEMLIMIT_NONE;
			return 0;
		}
		/* Below 64 MiB the default buffer cache alone would fail. */
		if (opt_size(val, &sz) != 0 || sz < 64 * RF_MIB ||
		    sz == RF_SANDBOX_MEMLIMIT_NONE) {
			snprintf(err, errlen, "invalid value for option "
			    "'memlimit': '%s' (at least 64M, or none)", val);
			return EINVAL;
		}
		o->memlimit = sz;
		return 0;
	}
	if (KEY("readdirplus")) {
		NEEDVAL();
		if (strcmp(val, "always") == 0)
			o->readdirplus = RF_RDPLUS_ALWAYS;
		else if (strcmp(val, "auto") == 0)
			o->readdirplus = RF_RDPLUS_AUTO;
		else if (strcmp(val, "no") == 0)
			o->readdirplus = RF_RDPLUS_NO;
		else
			goto out_bad;
		return 0;
	}
	if (KEY("busy_poll")) {
		NEEDVAL();
		if (opt_uint(val, &u) != 0 || u > RF_BUSY_POLL_MAX)
			goto out_bad;
		o->busy_poll = (int)u;
		return 0;
	}
	if (KEY("cpu_latency")) {
		NEEDVAL();
		if (strcmp(val, "off") == 0) {
			o->cpu_latency = -1;
			return 0;
		}
		if (opt_uint(val, &u) != 0 || u > 1000000)
			goto out_bad;
		o->cpu_latency = (int)u;
		return 0;
	}
	if (KEY("split_channel")) {
		NEEDVAL();
		if (strcmp(val, "fuse") == 0)
			o->split_channel = RF_SPLIT_FUSE;
		else if (strcmp(val, "socket") == 0)
			o->split_channel = RF_SPLIT_SOCKET;
		else {
			snprintf(err, errlen, "invalid value for option "
			    "'split_channel': '%s' (fuse or socket)", val);
			return EINVAL;
		}
		return 0;
	}
	if (KEY("split_timeout")) {
		NEEDVAL();
		if ((error = opt_secs(val, &o->split_timeout)) != 0 ||
		    o->split_timeout == 0)
			goto out_bad;
		return 0;
	}

	/* The kernel's (checked by vfs_mount). */
	if (strchr(opt, ',') != NULL) {
		snprintf(err, errlen, "option '%s': a comma cannot be passed "
		    "to the filesystem", opt);
		return EINVAL;
	}
	kern_add(o, opt);
	return 0;

out_bad:
	snprintf(err, errlen, "invalid value for option '%.*s': '%s'",
	    (int)klen, opt, val != NULL ? val : "");
	return EINVAL;
#undef KEY
#undef NEEDVAL
#undef NOVAL
}

int
rf_opts_parse(struct rf_opts *o, const char *arg, char *err, size_t errlen)
{
	GString *cur = g_string_new(NULL);
	const char *p;
	int error = 0;

	for (p = arg;; p++) {
		if (*p == '\\' && p[1] != '\0') {
			g_string_append_c(cur, *++p);
			continue;
		}
		if (*p == ',' || *p == '\0') {
			if (cur->len > 0 &&
			    (error = opt_one(o, cur->str, err, errlen)) != 0)
				break;
			g_string_truncate(cur, 0);
			if (*p == '\0')
				break;
			continue;
		}
		g_string_append_c(cur, *p);
	}
	g_string_free(cur, TRUE);
	return error;
}

bool
rf_opts_kernel_perms(const struct rf_opts *o)
{
	return o->default_perms == 1 ||
	    (o->default_perms == -1 && o->multiuser);
}

void
rf_opts_cache_defaults(struct rf_opts *o, bool stable)
{

	if (o->entry_timeout < 0)
		o->entry_timeout = stable ? RF_CACHE_LONG : 1.0;
	if (o->attr_timeout < 0)
		o->attr_timeout = stable ? RF_CACHE_LONG : 1.0;
	if (o->negative_timeout < 0)
		o->negative_timeout = stable ? RF_CACHE_LONG : 0.0;
}

int
rf_opts_fuse_args(struct rf_opts *o, const char *argv0, bool kernel_rdonly,
    struct fuse_args *args)
{
	char *fo = NULL, *tmp;
	unsigned i;
	int error = ENOMEM;

	if (o->max_read == 0) {		/* the default: what a splice carries */
		o->max_read = rf_file_max_read(o->max_write);
		g_ptr_array_add(o->fuse_list,
		    g_strdup_printf("max_read=%u", o->max_read));
	}
	for (i = 0; i < o->fuse_list->len; i++)
		if (fuse_opt_add_opt_escaped(&fo,
		    g_ptr_array_index(o->fuse_list, i)) != 0)
			goto out;
	if (!o->have_fsname) {
		tmp = g_strdup_printf("fsname=%s", o->source);
		i = (unsigned)fuse_opt_add_opt_escaped(&fo, tmp);
		g_free(tmp);
		if (i != 0)
			goto out;
	}
	/*
	 * Without default_permissions Linux never checks search permission
	 * on a directory whose entries it has cached, so on a mount other
	 * users can enter, a cached path would skip the filesystem's check.
	 */
	if (rf_opts_kernel_perms(o) &&
	    fuse_opt_add_opt(&fo, "default_permissions") != 0)
		goto out;
	if (!o->have_subtype &&
	    fuse_opt_add_opt_escaped(&fo, "subtype=rumpfuse") != 0)
		goto out;
	if (fuse_opt_add_opt(&fo, o->ro || kernel_rdonly ? "ro" : "rw") != 0)
		goto out;

	args->argc = 0;
	args->argv = NULL;
	args->allocated = 0;
	if (fuse_opt_add_arg(args, argv0) != 0 ||
	    fuse_opt_add_arg(args, "-o") != 0 ||
	    fuse_opt_add_arg(args, fo) != 0 ||
	    (o->debug && fuse_opt_add_arg(args, "-d") != 0)) {
		fuse_opt_free_args(args);
		goto out;
	}
	error = 0;
out:
	free(fo);
	return error;
}
