/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_help.c -- the command table (fsu_cmds: name, entry point, whether
 * the command writes, its help text) and the help output: fsu --help,
 * fsu help COMMAND, fsu IMAGE COMMAND --help, and the usage-error
 * helpers fsu_usage() / fsu_try_help().
 *
 * The manual page fsutils/fsu.1 says the same things at more length;
 * keep the two in step when a command or an option changes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fsu.h"

const struct fsu_cmd fsu_cmds[] = {
	{ "ls", cmd_ls, false, 2,
	  "ls [-1aAdFhilnrRStU] [--full-time] [PATH]...",
	  "List directory contents (default: the root), as ls(1).",
	  "  -l  long listing: mode, links, owner, group, size, time, name\n"
	  "  -a  include names starting with '.', and . and ..\n"
	  "  -A  like -a without . and ..\n"
	  "  -d  list directories themselves, not their contents\n"
	  "  -R  list subdirectories recursively\n"
	  "  -i  print inode numbers       -h  sizes as 1.5K, 23M, ...\n"
	  "  -n  numeric user and group ids\n"
	  "  -1  one name per line (always the case)\n"
	  "  -F  append an indicator: / * @ | =\n"
	  "  -t  sort by modification time, newest first\n"
	  "  -S  sort by size, largest first\n"
	  "  -U  do not sort: directory order    -r  reverse the sort\n"
	  "  --full-time  -l with complete timestamps\n"
	  "Owner and group names come from the host's user database;\n"
	  "ids without a name there are shown as numbers." },
	{ "cat", cmd_cat, false, 1,
	  "cat PATH...",
	  "Copy files to standard output.", NULL },
	{ "cp", cmd_cp, true, 1,
	  "cp [-adfHLnpPrRT] SOURCE DEST\n"
	  "cp [-adfHLnpPrR] SOURCE... DIRECTORY",
	  "Copy files inside the image, as cp(1).",
	  "  -r, -R  copy directories recursively (symbolic links are\n"
	  "          copied as links, special files recreated)\n"
	  "  -p      preserve mode, ownership and timestamps\n"
	  "  -a      -R -P -p, plus extended attributes and hard links\n"
	  "  -d, -P  never follow symbolic links in SOURCE\n"
	  "  -f      remove a destination that cannot be opened, and retry\n"
	  "  -n      do not overwrite an existing file" },
	{ "get", cmd_get, false, 1,
	  "get [-aprR] IMAGE_PATH HOST_PATH\n"
	  "get [-aprR] IMAGE_PATH... HOST_DIRECTORY",
	  "Copy files out of the image onto the host.",
	  "  -r, -R  copy directories recursively; symbolic links are\n"
	  "          copied as links, FIFOs and device nodes recreated\n"
	  "          (device nodes need privileges on the host)\n"
	  "  -p      preserve mode, ownership (where the host allows it),\n"
	  "          timestamps, extended attributes and hard links\n"
	  "  -a      same as -r -p\n"
	  "Sparse files stay sparse.  HOST_PATH '-' writes one file to\n"
	  "standard output." },
	{ "put", cmd_put, true, 1,
	  "put [-aprR] HOST_PATH IMAGE_PATH\n"
	  "put [-aprR] HOST_PATH... IMAGE_DIRECTORY",
	  "Copy files from the host into the image.",
	  "  -r, -R  copy directories recursively, with symbolic links,\n"
	  "          FIFOs and device nodes (sockets are skipped)\n"
	  "  -p      preserve mode, ownership, timestamps, extended\n"
	  "          attributes and hard links\n"
	  "  -a      same as -r -p\n"
	  "Without -p new files get the host file's mode less the umask\n"
	  "and belong to root (the kernel's credential)." },
	{ "mv", cmd_mv, true, 1,
	  "mv [-fnT] SOURCE DEST\n"
	  "mv [-fn] SOURCE... DIRECTORY",
	  "Rename or move files inside the image, as mv(1).",
	  "  -f  do not prompt (the default)\n"
	  "  -n  do not overwrite an existing file\n"
	  "  -T  treat DEST as a normal file, even if it is a directory" },
	{ "rm", cmd_rm, true, 1,
	  "rm [-dfrRv] [--no-preserve-root] PATH...",
	  "Remove files, as rm(1).",
	  "  -r, -R  remove directories and their contents\n"
	  "  -d      remove empty directories\n"
	  "  -f      ignore missing files, never fail for them\n"
	  "  -v      say what is removed\n"
	  "  --no-preserve-root  allow 'rm -r /' (empties the image)" },
	{ "rmdir", cmd_rmdir, true, 1,
	  "rmdir [-p] [--ignore-fail-on-non-empty] DIRECTORY...",
	  "Remove empty directories, as rmdir(1).",
	  "  -p  remove DIRECTORY and then its ancestors\n"
	  "  --ignore-fail-on-non-empty  keep quiet about non-empty ones" },
	{ "mkdir", cmd_mkdir, true, 1,
	  "mkdir [-pv] [-m MODE] DIRECTORY...",
	  "Make directories, as mkdir(1).",
	  "  -p       make parents as needed; no error if it exists\n"
	  "  -m MODE  set the mode (octal or symbolic, as chmod)\n"
	  "  -v       say what is made" },
	{ "ln", cmd_ln, true, 1,
	  "ln [-fsT] TARGET LINK_NAME\n"
	  "ln [-fs] TARGET... DIRECTORY",
	  "Make hard or (-s) symbolic links, as ln(1).",
	  "  -s  make symbolic links (TARGET is stored as given)\n"
	  "  -f  remove existing destination files\n"
	  "  -T  treat LINK_NAME as a normal file always" },
	{ "chmod", cmd_chmod, true, 1,
	  "chmod [-cfRv] MODE PATH...",
	  "Change modes: octal (0644) or symbolic (u+x,go-w, a=rX).",
	  "  -R  change files and directories recursively\n"
	  "  -f  suppress most error messages\n"
	  "  -v  say what is changed" },
	{ "chown", cmd_chown, true, 1,
	  "chown [-cfhRv] OWNER[:[GROUP]] PATH...\n"
	  "chown [-cfhRv] :GROUP PATH...",
	  "Change owner and/or group (names from the host's database,\n"
	  "or numbers), as chown(1).",
	  "  -R  operate recursively (symbolic links are changed, not\n"
	  "      followed)\n"
	  "  -h  change symbolic links themselves\n"
	  "  -f  suppress most error messages    -v  say what is changed" },
	{ "chgrp", cmd_chgrp, true, 1,
	  "chgrp [-cfhRv] GROUP PATH...",
	  "Change the group, as chgrp(1).",
	  "  Options as for chown." },
	{ "touch", cmd_touch, true, 1,
	  "touch [-acmh] [-d DATE | -t STAMP | -r REF] PATH...",
	  "Change timestamps; create missing files, as touch(1).",
	  "  -a        change the access time only\n"
	  "  -m        change the modification time only\n"
	  "  -c        do not create missing files\n"
	  "  -h        change a symbolic link itself\n"
	  "  -d DATE   'YYYY-MM-DD[ HH:MM[:SS[.NS]]][ +ZZZZ|Z|UTC]',\n"
	  "            '@SECONDS', 'now' (local time unless a zone is given)\n"
	  "  -t STAMP  [[CC]YY]MMDDhhmm[.ss]\n"
	  "  -r REF    use the times of the image file REF" },
	{ "stat", cmd_stat, false, 1,
	  "stat [-L] [-c FORMAT | --printf FORMAT] PATH...",
	  "Show file status, as stat(1).",
	  "  -L               follow symbolic links\n"
	  "  -c, --format F   print F and a newline per file\n"
	  "  --printf F       print F (with \\n-style escapes), no newline\n"
	  "  Sequences: %a %A %b %B %d %D %f %F %g %G %h %i %m %n %N %o\n"
	  "  %s %t %T %u %U %w %W %x %X %y %Y %z %Z %%, with printf-style\n"
	  "  flags and width (%-10s).  The device is always 0 (0,0)." },
	{ "find", cmd_find, false, 1,
	  "find [-H|-L|-P] [PATH...] [EXPRESSION]",
	  "Search for files, as find(1).",
	  "  Options: -maxdepth N  -mindepth N  -depth\n"
	  "  Tests: -name PAT  -iname PAT  -path PAT  -ipath PAT\n"
	  "         -type [fdlbcps][,...]  -size [+-]N[cwbkMG]  -empty\n"
	  "         -newer FILE  -perm [-/]MODE  -user U  -group G\n"
	  "         -links [+-]N  -inum N  -true  -false\n"
	  "  Actions: -print  -print0  -prune  -quit\n"
	  "  Operators: ( EXPR )  ! EXPR  -not  -a  -and  -o  -or  ,\n"
	  "  Without an action, -print is implied.  Entries come in\n"
	  "  directory order, as find(1) gives them." },
	{ "du", cmd_du, false, 1,
	  "du [-abchkmsS] [-d N] [PATH]...",
	  "Estimate space used, as du(1) (1024-byte units by default).",
	  "  -s     only a total for each argument\n"
	  "  -a     print files too, not only directories\n"
	  "  -h     sizes as 1.5K, 23M, ...   -k, -m  in KiB, MiB\n"
	  "  -b     apparent size in bytes\n"
	  "  -c     print a grand total\n"
	  "  -S     do not include subdirectories in a directory's size\n"
	  "  -d N   print only down to depth N\n"
	  "  Hard-linked files are counted once." },
	{ "df", cmd_df, false, 1,
	  "df [-hikT]",
	  "Show the filesystem's size and usage, as df(1).",
	  "  -h  sizes as 1.5K, 23M, ...   -k  1024-byte blocks (default)\n"
	  "  -i  inodes instead of blocks  -T  show the filesystem type" },
	{ "diff", cmd_diff, false, 2,
	  "diff [-rqu] [-U N] IMAGE_PATH HOST_PATH\n"
	  "diff [-rqu] [-U N] -I IMAGE_PATH IMAGE_PATH",
	  "Compare a file or tree in the image with one on the host (or,\n"
	  "with -I, two in the image), as diff(1).  Exit status 0 when\n"
	  "they are the same, 1 when they differ, 2 on trouble.",
	  "  -r      compare directories recursively\n"
	  "  -q      only say whether files differ\n"
	  "  -u, -U N  unified output with 3 (N) lines of context\n"
	  "  -I      the second path is in the image too" },
	{ "write", cmd_write, true, 1,
	  "write [-a] PATH",
	  "Copy standard input into PATH (created if needed).",
	  "  -a  append instead of truncating" },
	{ "mknod", cmd_mknod, true, 1,
	  "mknod [-m MODE] NAME TYPE [MAJOR MINOR]",
	  "Make a special file: TYPE b (block), c or u (character), or\n"
	  "p (FIFO; no MAJOR and MINOR), as mknod(1).",
	  "  -m MODE  set the mode (default 0666 less the umask)" },
	{ "mkfifo", cmd_mkfifo, true, 1,
	  "mkfifo [-m MODE] NAME...",
	  "Make FIFOs, as mkfifo(1).",
	  "  -m MODE  set the mode (default 0666 less the umask)" },
	{ "readlink", cmd_readlink, false, 1,
	  "readlink [-fnv] PATH...",
	  "Print the targets of symbolic links, as readlink(1).",
	  "  -f  canonicalize: follow every link (inside the image); all\n"
	  "      but the last component must exist\n"
	  "  -n  no newline after the (single) result" },
	{ "truncate", cmd_truncate, true, 1,
	  "truncate [-c] -s SIZE PATH...",
	  "Shrink or extend files to SIZE, as truncate(1).",
	  "  -c       do not create missing files\n"
	  "  -s SIZE  N[K|M|G|T] (powers of 1024) or N[KB|MB|GB|TB]\n"
	  "           (powers of 1000); +N, -N, <N, >N, /N, %N relative\n"
	  "           to the current size" },
	{ "getfattr", cmd_getfattr, false, 1,
	  "getfattr [-dhR] [-n NAME] [-m PATTERN] [-e ENC] [--only-values]\n"
	  "         [--absolute-names] PATH...",
	  "Show extended attributes, as getfattr(1).",
	  "  -d          dump values too        -n NAME  only NAME\n"
	  "  -m PATTERN  names matching the regular expression (default\n"
	  "              '^user\\\\.'; '-' for all)\n"
	  "  -e ENC      value encoding: text, hex or base64\n"
	  "  -h          do not follow symbolic links\n"
	  "  -R          recurse into directories\n"
	  "  --only-values      print the raw values only\n"
	  "  --absolute-names   keep leading '/' in file names" },
	{ "setfattr", cmd_setfattr, true, 1,
	  "setfattr [-h] -n NAME [-v VALUE] PATH...\n"
	  "setfattr [-h] -x NAME PATH...\n"
	  "setfattr --restore=HOST_FILE",
	  "Set or remove extended attributes, as setfattr(1).",
	  "  -n NAME   the attribute to set\n"
	  "  -v VALUE  its value: \"text\", 0xHEX or 0sBASE64 (default empty)\n"
	  "  -x NAME   remove the attribute\n"
	  "  -h        do not follow symbolic links\n"
	  "  --restore=FILE  apply a dump of getfattr -d (FILE on the\n"
	  "                  host, '-' for standard input)" },
	{ "batch", cmd_batch, false, 1,
	  "batch [-kx] [HOST_FILE]",
	  "Run several commands with one mount, one per line of HOST_FILE\n"
	  "(default: standard input), quoted as in the shell; blank lines\n"
	  "and lines starting with '#' are skipped.  The image is mounted\n"
	  "read-write if any command writes.  Stops at the first failing\n"
	  "command and exits with its status.",
	  "  -k  keep going after a failure (exit with the first failure)\n"
	  "  -x  print each command to standard error before running it" },
	{ NULL, NULL, false, 0, NULL, NULL, NULL },
};

/* TEXT's lines after INDENT; option notes (no leading blank) get 2 more. */
static void
print_indented(FILE *fp, const char *text, const char *indent)
{
	const char *p, *nl;

	for (p = text; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		fprintf(fp, "%s%s%.*s\n", indent,
		    *p != ' ' && *indent == ' ' && indent[4] == '\0' ? "  " :
		    "", (int)(nl - p), p);
		if (*nl == '\0')
			break;
	}
}

/* The synopsis lines of CMD, each after "Usage: fsu IMAGE " or so. */
static void
print_synopsis(FILE *fp, const struct fsu_cmd *cmd, bool usage)
{
	const char *p, *nl;
	bool first = true;
	bool islink = strncmp(fsu.progname, "fsu_", 4) == 0;

	for (p = cmd->synopsis; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (!usage)
			fprintf(fp, "  %.*s\n", (int)(nl - p), p);
		else if (islink)
			fprintf(fp, "%s fsu_%s [-t TYPE] [-o OPTS] IMAGE%.*s\n",
			    first ? "Usage:" : "      ", cmd->name,
			    (int)(nl - p - strlen(cmd->name)),
			    p + strlen(cmd->name));
		else
			fprintf(fp, "%s fsu [GLOBAL OPTIONS] IMAGE %.*s\n",
			    first ? "Usage:" : "      ", (int)(nl - p), p);
		first = false;
		if (*nl == '\0')
			break;
	}
}

void
fsu_help_cmd(FILE *fp, const struct fsu_cmd *cmd)
{

	print_synopsis(fp, cmd, true);
	print_indented(fp, cmd->summary, "");
	if (cmd->options != NULL) {
		fputc('\n', fp);
		print_indented(fp, cmd->options, "");
	}
	fprintf(fp, "\nThe image is opened %s.  See fsu --help for the "
	    "global options.\n", cmd->writes ? "read-write" :
	    cmd->fn == cmd_batch ? "read-write if a command writes" :
	    "read-only");
}

static const char help_head[] =
"Usage: fsu [GLOBAL OPTIONS] IMAGE COMMAND [ARGUMENTS]\n"
"       fsu_COMMAND [GLOBAL OPTIONS] IMAGE [ARGUMENTS]\n"
"       fsu help [COMMAND]\n"
"       fsu --install-links DIRECTORY | --help | --version\n"
"\n"
"Work on the files inside a filesystem image without mounting it,\n"
"without FUSE and without privileges: the filesystem drivers run\n"
"inside this program.  Commands behave like the coreutils, findutils,\n"
"diffutils and attr programs of the same name, with the same output\n"
"formats, messages and exit statuses.  Paths inside the image are\n"
"absolute or relative to its root; symbolic links inside the image\n"
"resolve inside the image.  Commands that only read open the image\n"
"read-only; the others open it read-write and write every change back\n"
"before fsu exits.  Inside the image fsu acts as root.\n"
"\n"
"Global options (before IMAGE):\n"
"  -t TYPE     filesystem type: auto (default: detect), ext2fs (ext2,\n"
"              ext3, ext4), ffs, msdosfs, cd9660, tmpfs -- whichever\n"
"              drivers this build has.  Environment: FSU_TYPE\n"
"  -o OPTIONS  mount options, comma-separated (ro, rw, noatime, sync,\n"
"              and the driver's own).  Environment: FSU_MNTOPTS\n"
"  -p PART     partition of a whole-disk image: 1-4 MBR primary, 5...\n"
"              logical, GPT entry number, a.. BSD disklabel, 1a.. a\n"
"              disklabel inside MBR partition 1 (mount option part=)\n"
"  -v          report the mount; -vv also the kernel's log\n"
"  --install-links DIR   make DIR/fsu_ls etc., links to this program,\n"
"              which run the command of their name\n"
"\n"
"With -t tmpfs, IMAGE is ignored (say 'none'): an empty in-memory\n"
"filesystem that lives as long as the command, useful with batch.\n"
"\n"
"Commands:\n";

static const char help_tail[] =
"\n"
"Exit status: as the program of the same name (0 on success; 1 on\n"
"failure; ls and diff use 2 for serious trouble, diff 1 for\n"
"\"different\").  An image that cannot be opened, recognised or\n"
"written back gives the command's trouble status.\n"
"\n"
"Environment: FSU_TYPE, FSU_MNTOPTS (defaults for -t and -o);\n"
"RUMP_LOGLEVEL (0-4) overrides -v for the kernel's log; TZ and the\n"
"locale as for the coreutils.\n"
"\n"
"Examples:\n"
"  fsu disk.img ls -l /etc\n"
"  fsu -t ext4 disk.img get -rp /home ./home-backup\n"
"  fsu disk.img put -r ./rootfs/. /\n"
"  printf 'mkdir -p /a/b\\nput conf /a/b/conf\\n' | fsu disk.img batch\n"
"\n"
"See fsu(1) for the full manual.\n";

void
fsu_help_all(FILE *fp)
{
	const struct fsu_cmd *c;

	fputs(help_head, fp);
	for (c = fsu_cmds; c->name != NULL; c++) {
		print_synopsis(fp, c, false);
		print_indented(fp, c->summary, "      ");
		if (c->options != NULL)
			print_indented(fp, c->options, "    ");
		fputc('\n', fp);
	}
	fputs(help_tail, fp);
}

int
fsu_try_help(void)
{

	if (strncmp(fsu.progname, "fsu_", 4) == 0)
		fprintf(stderr, "Try '%s --help' for more information.\n",
		    fsu.progname);
	else
		fprintf(stderr, "Try '%s help %s' for more information.\n",
		    fsu.progname, fsu.cmd != NULL ? fsu.cmd->name : "");
	return fsu.cmd != NULL ? fsu.cmd->trouble : 1;
}

int
fsu_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", fsu.progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return fsu_try_help();
}

bool
fsu_want_help(int argc, char **argv)
{

	return argc == 2 && strcmp(argv[1], "--help") == 0;
}
