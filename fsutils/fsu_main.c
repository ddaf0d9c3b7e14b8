/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_main.c -- the fsu program: global options, the multi-call
 * dispatch (fsu IMAGE COMMAND, or fsu_COMMAND IMAGE through a link),
 * mounting the image at "/" of the kernel's name space, running one
 * command or a batch of them, and leaving the image consistent (sync,
 * unmount) before exit.
 *
 * Exports: main, fsu (the global state), fsu_cmd_find.
 *
 * Session, in order:
 *   1. Parse the global options (-t -o -p -v; FSU_TYPE, FSU_MNTOPTS).
 *   2. Pick the command; "--help" after it prints help without mounting.
 *   3. Check on the host that IMAGE opens (read-only for commands that
 *      only read, read-write otherwise) so that a missing or unreadable
 *      file gets the usual message.
 *   4. vfs_init, vfs_mount(TYPE, IMAGE, "/", "ro|rw[,OPTIONS][,part=P]");
 *      the kernel locks the image (shared for ro, exclusive for rw)
 *      unless OPTIONS say nolock.
 *   5. Run the command(s).  While a read-write mount is up, SIGINT,
 *      SIGTERM and SIGHUP only set a flag that long loops check, so the
 *      image is still unmounted cleanly; a second signal kills.
 *   6. vfs_sync, vfs_unmount, vfs_shutdown; check stdout for write errors.
 * The exit status is the command's; a failure of steps 3-6 gives the
 * command's "trouble" status (2 for ls and diff, 1 for the others).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsu.h"

#ifndef FSU_VERSION
#define FSU_VERSION	"0"
#endif

struct fsu_state fsu;

/* A session: what to mount and what to run in it. */
struct session {
	const char	*fstype;
	const char	*mntopts;	/* user's options, or NULL */
	const char	*part;		/* -p PART, or NULL */
	bool		 rw;
	int		 trouble;
	/* either one command ... */
	int		 argc;
	char		**argv;
	/* ... or a batch */
	char		***lines;	/* NULL-terminated argv vectors */
	char		**texts;	/* the lines as read, for -x */
	bool		 keep_going;
	bool		 trace;
};

const struct fsu_cmd *
fsu_cmd_find(const char *name)
{
	const struct fsu_cmd *c;

	for (c = fsu_cmds; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* ---- signals ---- */

static void
on_signal(int sig)
{

	(void)sig;
	fsu.interrupted = 1;
}

static void
signals_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;	/* a second signal kills */
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	/* A closed pipe must not kill us in the middle of a write. */
	signal(SIGPIPE, SIG_IGN);
}

/* ---- running commands ---- */

/* Run CMD with ARGV (argv[0] is replaced by "fsu NAME"). */
static int
run_cmd(const struct fsu_cmd *cmd, int argc, char **argv)
{
	char *name0, *saved;
	int rc;

	if (cmd->fn == cmd_batch)
		return cmd_batch(argc, argv);
	name0 = strncmp(fsu.progname, "fsu_", 4) == 0 ?
	    g_strdup(fsu.progname) :
	    g_strdup_printf("%s %s", fsu.progname, cmd->name);
	saved = argv[0];
	argv[0] = name0;
	fsu.cmd = cmd;
	optind = 0;		/* full getopt re-initialisation */
	opterr = 1;
	if (fsu_want_help(argc, argv)) {
		fsu_help_cmd(stdout, cmd);
		rc = 0;
	} else
		rc = cmd->fn(argc, argv);
	argv[0] = saved;
	g_free(name0);
	if (fflush(stdout) != 0 && rc == 0)
		rc = cmd->trouble;
	return rc;
}

/* A nested "batch" (inside a batch) is refused. */
int
cmd_batch(int argc, char **argv)
{

	(void)argc;
	(void)argv;
	fsu_errx("batch: batches cannot be nested");
	return 1;
}

static int
run_batch(struct session *s)
{
	const struct fsu_cmd *cmd;
	int i, argc, rc, first = 0;

	for (i = 0; s->lines[i] != NULL; i++) {
		if (fsu.interrupted) {
			fsu_err(EINTR, "batch");
			return first != 0 ? first : 1;
		}
		argc = (int)g_strv_length(s->lines[i]);
		cmd = fsu_cmd_find(s->lines[i][0]);
		if (s->trace)
			fprintf(stderr, "+ %s\n", s->texts[i]);
		fflush(stderr);
		rc = run_cmd(cmd, argc, s->lines[i]);
		if (rc != 0 && first == 0)
			first = rc;
		if (rc != 0 && !s->keep_going)
			break;
	}
	return first;
}

/* ---- the session ---- */

static void
set_loglevel(void)
{
	const char *lvl;

	if (getenv("RUMP_LOGLEVEL") != NULL)
		return;
	/* Quiet by default: corrupt-data reports (errors) still show. */
	lvl = fsu.verbose == 0 ? "0" : fsu.verbose == 1 ? "2" : "3";
	setenv("RUMP_LOGLEVEL", lvl, 1);
}

/* Step 3: can the image be opened at all? */
static int
image_check(const struct session *s)
{
	int fd;

	if (strcmp(s->fstype, "tmpfs") == 0)
		return 0;	/* needs no image */
	fd = open(fsu.image, (s->rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0 && s->rw && (errno == EACCES || errno == EROFS ||
	    errno == EPERM)) {
		fsu_err(errno, "cannot open %s for writing",
		    fsu_quote(fsu.image));
		return -1;
	}
	if (fd < 0) {
		fsu_err(errno, "cannot open %s", fsu_quote(fsu.image));
		return -1;
	}
	close(fd);
	return 0;
}

static int
session_run(struct session *s)
{
	struct mount *mp;
	char errbuf[256], *opts, *on, *p;
	int rc, error;

	if (image_check(s) != 0)
		return s->trouble;
	set_loglevel();
	if ((error = vfs_init(NULL)) != 0) {
		fsu_err(error, "cannot start the kernel");
		return s->trouble;
	}
	/* -p PART is the kernel's part= option; last, so it wins. */
	opts = g_strdup_printf("%s%s%s%s%s", s->rw ? "rw" : "ro",
	    s->mntopts != NULL && *s->mntopts != '\0' ? "," : "",
	    s->mntopts != NULL ? s->mntopts : "",
	    s->part != NULL ? ",part=" : "", s->part != NULL ? s->part : "");
	errbuf[0] = '\0';
	error = vfs_mount(s->fstype, fsu.image, "/", opts, &mp, errbuf,
	    sizeof(errbuf));
	g_free(opts);
	if (error != 0) {
		if (errbuf[0] != '\0') {
			/* The kernel names the image; we already did. */
			on = g_strconcat(" on ", fsu.image, NULL);
			if ((p = strstr(errbuf, on)) != NULL)
				memmove(p, p + strlen(on),
				    strlen(p + strlen(on)) + 1);
			g_free(on);
			fsu_errx("%s: %s", fsu.image, errbuf);
		} else
			fsu_err(error, "%s: cannot mount", fsu.image);
		vfs_shutdown();
		return s->trouble;
	}
	fsu.rdonly = vfs_mount_rdonly(mp);
	if (fsu.verbose > 0)
		fprintf(stderr, "%s: %s: %s filesystem, mounted %s\n",
		    fsu.progname, fsu.image, vfs_mount_fstype(mp),
		    fsu.rdonly ? "read-only" : "read-write");
	if (s->rw)
		signals_catch();

	rc = s->lines != NULL ? run_batch(s) : run_cmd(fsu.cmd, s->argc,
	    s->argv);

	if (!fsu.rdonly && (error = vfs_sync(mp)) != 0) {
		fsu_err(error, "%s: cannot write back changes", fsu.image);
		rc = s->trouble;
	}
	error = vfs_unmount(mp, 0);
	if (error == EBUSY) {
		/* Only a bug leaves something open; do not lose the data. */
		error = vfs_unmount(mp, VFS_UMOUNT_FORCE);
	}
	if (error != 0) {
		fsu_err(error, "%s: cannot unmount", fsu.image);
		rc = s->trouble;
	}
	vfs_shutdown();
	return rc;
}

/* ---- batch input ---- */

/* Read the batch from FILE (or stdin); fill S->lines.  0 or trouble. */
static int
batch_read(struct session *s, const char *file)
{
	GPtrArray *lines, *texts;
	GError *gerr = NULL;
	gchar *all = NULL, **raw, **argv, *t;
	gsize len;
	int i, argc;
	bool ok = true;

	if (file == NULL || strcmp(file, "-") == 0) {
		GString *in = g_string_new(NULL);
		char buf[8192];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
			g_string_append_len(in, buf, (gssize)n);
		if (ferror(stdin)) {
			fsu_err(errno, "batch: standard input");
			g_string_free(in, TRUE);
			return 1;
		}
		len = in->len;
		all = g_string_free(in, FALSE);
	} else if (!g_file_get_contents(file, &all, &len, &gerr)) {
		fsu_errx("batch: %s", gerr->message);
		g_error_free(gerr);
		return 1;
	}
	(void)len;
	lines = g_ptr_array_new();
	texts = g_ptr_array_new();
	raw = g_strsplit(all, "\n", -1);
	g_free(all);
	for (i = 0; raw[i] != NULL; i++) {
		t = g_strstrip(raw[i]);
		if (*t == '\0' || *t == '#')
			continue;
		if (!g_shell_parse_argv(t, &argc, &argv, &gerr)) {
			fsu_errx("batch: line %d: %s", i + 1, gerr->message);
			g_clear_error(&gerr);
			ok = false;
			continue;
		}
		if (fsu_cmd_find(argv[0]) == NULL) {
			fsu_errx("batch: line %d: unknown command %s", i + 1,
			    fsu_quote(argv[0]));
			g_strfreev(argv);
			ok = false;
			continue;
		}
		if (fsu_cmd_find(argv[0])->writes)
			s->rw = true;
		g_ptr_array_add(lines, argv);
		g_ptr_array_add(texts, g_strdup(t));
	}
	g_strfreev(raw);
	g_ptr_array_add(lines, NULL);
	g_ptr_array_add(texts, NULL);
	s->lines = (char ***)g_ptr_array_free(lines, FALSE);
	s->texts = (char **)g_ptr_array_free(texts, FALSE);
	return ok ? 0 : 1;
}

static void
batch_free(struct session *s)
{
	int i;

	if (s->lines == NULL)
		return;
	for (i = 0; s->lines[i] != NULL; i++)
		g_strfreev(s->lines[i]);
	g_free(s->lines);
	g_strfreev(s->texts);
}

/* Parse "batch [-k] [-x] [FILE]"; 0, or an exit status + 1000. */
static int
batch_setup(struct session *s, int argc, char **argv)
{
	int c;

	optind = 0;
	opterr = 1;
	while ((c = getopt(argc, argv, "+kx")) != -1) {
		switch (c) {
		case 'k':
			s->keep_going = true;
			break;
		case 'x':
			s->trace = true;
			break;
		default:
			return 1000 + fsu_try_help();
		}
	}
	if (argc - optind > 1)
		return 1000 + fsu_usage("extra operand %s",
		    fsu_quote(argv[optind + 1]));
	if (batch_read(s, optind < argc ? argv[optind] : NULL) != 0)
		return 1001;
	return 0;
}

/* ---- links ---- */

/* fsu --install-links DIR: DIR/fsu_NAME -> this program, per command. */
static int
install_links(const char *dir)
{
	const struct fsu_cmd *c;
	char *self, *link;
	struct stat st;
	int rc = 0;

	if ((self = g_file_read_link("/proc/self/exe", NULL)) == NULL) {
		fsu_errx("cannot find the path of this program");
		return 1;
	}
	for (c = fsu_cmds; c->name != NULL; c++) {
		link = g_strdup_printf("%s/fsu_%s", dir, c->name);
		if (lstat(link, &st) == 0 && S_ISLNK(st.st_mode))
			(void)unlink(link);
		if (symlink(self, link) != 0) {
			fsu_err(errno, "cannot create symbolic link %s",
			    fsu_quote(link));
			rc = 1;
		}
		g_free(link);
	}
	g_free(self);
	return rc;
}

/* ---- main ---- */

static void
try_help(void)
{

	fprintf(stderr, "Try '%s --help' for more information.\n",
	    fsu.progname);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'H' },
		{ "version", no_argument, NULL, 'V' },
		{ "install-links", required_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 },
	};
	struct session s;
	const char *linkcmd = NULL;
	const char *cmdname;
	char *base;
	int c, rc;

	setlocale(LC_ALL, "");
	base = g_path_get_basename(argv[0]);
	fsu.progname = base;
	fsu.umask = umask(0);
	umask(fsu.umask);
	if (strncmp(base, "fsu_", 4) == 0)
		linkcmd = base + 4;

	memset(&s, 0, sizeof(s));
	s.fstype = getenv("FSU_TYPE");
	if (s.fstype == NULL || *s.fstype == '\0')
		s.fstype = "auto";
	s.mntopts = getenv("FSU_MNTOPTS");
	opterr = 1;
	while ((c = getopt_long(argc, argv, "+t:o:p:v", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 't':
			s.fstype = optarg;
			break;
		case 'o':
			s.mntopts = optarg;
			break;
		case 'p':
			s.part = optarg;
			break;
		case 'v':
			fsu.verbose++;
			break;
		case 'H':
			if (linkcmd != NULL && fsu_cmd_find(linkcmd) != NULL)
				fsu_help_cmd(stdout, fsu_cmd_find(linkcmd));
			else
				fsu_help_all(stdout);
			return fflush(stdout) == 0 ? 0 : 1;
		case 'V':
			printf("fsu (rumpfuse) %s\n", FSU_VERSION);
			return 0;
		case 'I':
			return install_links(optarg);
		default:
			try_help();
			return 1;
		}
	}
	/* "fsu help [COMMAND]" needs no image. */
	if (linkcmd == NULL && optind < argc &&
	    strcmp(argv[optind], "help") == 0) {
		if (optind + 1 < argc) {
			if (fsu_cmd_find(argv[optind + 1]) == NULL) {
				fsu_errx("unknown command %s",
				    fsu_quote(argv[optind + 1]));
				return 1;
			}
			fsu_help_cmd(stdout, fsu_cmd_find(argv[optind + 1]));
		} else
			fsu_help_all(stdout);
		return 0;
	}
	if (optind >= argc) {
		fsu_errx("missing image operand");
		try_help();
		return 1;
	}
	fsu.image = argv[optind++];
	if (linkcmd != NULL)
		cmdname = linkcmd;
	else if (optind < argc)
		cmdname = argv[optind];
	else {
		fsu_errx("missing command after %s", fsu_quote(fsu.image));
		try_help();
		return 1;
	}
	if ((fsu.cmd = fsu_cmd_find(cmdname)) == NULL) {
		fsu_errx("unknown command %s", fsu_quote(cmdname));
		try_help();
		return 1;
	}
	/* The command's argv starts at the command name (argv[0]). */
	if (linkcmd != NULL)
		optind--;
	s.argc = argc - optind;
	s.argv = argv + optind;
	s.rw = fsu.cmd->writes;
	s.trouble = fsu.cmd->trouble;

	if (fsu.cmd->fn == cmd_batch) {
		if (fsu_want_help(s.argc, s.argv)) {
			fsu_help_cmd(stdout, fsu.cmd);
			return 0;
		}
		if ((rc = batch_setup(&s, s.argc, s.argv)) != 0)
			return rc - 1000;
	} else if (fsu_want_help(s.argc, s.argv)) {
		fsu_help_cmd(stdout, fsu.cmd);
		return 0;
	}
	rc = session_run(&s);
	batch_free(&s);
	if (fclose(stdout) != 0 && rc == 0) {
		fsu_err(errno, "write error");
		rc = s.trouble != 0 ? s.trouble : 1;
	}
	g_free(base);
	return rc;
}
