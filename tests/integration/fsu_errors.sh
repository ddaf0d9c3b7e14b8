#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# fsu_errors.sh -- error messages and exit statuses.
#  1. Each failing command, run by fsu on a tmpfs tree and by the GNU
#     tool in a host directory holding the same tree: the same message
#     (with "fsu" for the program name) and the same exit status.
#  2. Images fsu cannot use: missing, unreadable, not a filesystem,
#     empty, unknown type, partitions, read-only file for a writing
#     command, a corrupt ext4 directory; fsu fails with a message that
#     names the problem and never crashes.
#  3. Usage: --help, help COMMAND, unknown command, bad option, links
#     made by --install-links run their command.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/fsu_lib.sh"
fsu_setup

# ---- 1. the same failures as the GNU tools ----
H=$WORK/host
mkdir -p "$H/dir/sub" "$H/empty"
: > "$H/a"
: > "$H/b"
SETUP="mkdir -p /dir/sub /empty
truncate -s 0 /a /b"

# gnu_vs_fsu NAME COMMAND ARGS...: run in $H and in a tmpfs with the
# same tree; compare status and stderr (program names made equal).
gnu_vs_fsu() {
	local name=$1 gout grc fout frc tool
	shift
	tool=$1
	gout=$(cd "$H" && "$@" 2>&1 >/dev/null)
	grc=$?
	printf '%s\n' "$SETUP" >"$WORK/batch"
	printf '%q ' "$@" >>"$WORK/batch"
	echo >>"$WORK/batch"
	chmod 644 "$WORK/batch"
	fsu -t tmpfs none batch "$WORK/batch" >/dev/null 2>"$WORK/f.err" \
	    </dev/null
	frc=$?
	fout=$(sed "s/^fsu\\( $tool\\)\\?: /$tool: /; s/fsu help $tool/$tool --help/" \
	    "$WORK/f.err")
	if [ "$grc" = "$frc" ] && [ "$gout" = "$fout" ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "GNU ($grc): $gout
fsu ($frc): $fout"
	fi
}

gnu_vs_fsu "rm of a missing file" rm nonexist
gnu_vs_fsu "rm -f of a missing file is quiet" rm -f nonexist
gnu_vs_fsu "rm of a directory" rm dir
gnu_vs_fsu "rm -r ." rm -r .
gnu_vs_fsu "rm -r dir/.." rm -r dir/..
gnu_vs_fsu "rmdir of a non-empty directory" rmdir dir
gnu_vs_fsu "rmdir of a missing directory" rmdir nonexist
gnu_vs_fsu "rmdir of a file" rmdir a
gnu_vs_fsu "mkdir of an existing name" mkdir dir
gnu_vs_fsu "mkdir without its parent" mkdir no/such/dir
gnu_vs_fsu "mkdir -p through a file" mkdir -p a/b
gnu_vs_fsu "ls of a missing file (status 2)" ls nonexist
gnu_vs_fsu "ls of a missing and an existing file" ls nonexist a
gnu_vs_fsu "ls with a bad option" ls -Y
gnu_vs_fsu "cat of a directory" cat dir
gnu_vs_fsu "cat of a missing file" cat nonexist
gnu_vs_fsu "cp of a directory without -r" cp dir x
gnu_vs_fsu "cp of a file onto itself" cp a a
gnu_vs_fsu "cp -r of a directory into itself" cp -r dir dir/sub
gnu_vs_fsu "cp of a missing file" cp nonexist x
gnu_vs_fsu "cp of several files to a non-directory" cp a b a
gnu_vs_fsu "cp with one operand" cp a
gnu_vs_fsu "mv of a missing file" mv nonexist x
gnu_vs_fsu "mv of a directory into itself" mv dir dir/sub
gnu_vs_fsu "mv of a directory onto a file" mv dir a
gnu_vs_fsu "mv of a file onto a directory" mv -T a empty
gnu_vs_fsu "ln onto an existing name" ln a b
gnu_vs_fsu "ln -s onto an existing name" ln -s a b
gnu_vs_fsu "ln of a missing file" ln nonexist x
gnu_vs_fsu "ln of a directory" ln dir x
gnu_vs_fsu "chmod of a missing file" chmod 644 nonexist
gnu_vs_fsu "chmod with a bad mode" chmod xyz a
gnu_vs_fsu "chown to an unknown user" chown no_such_user_x a
gnu_vs_fsu "chown to an unknown group" chown :no_such_group_x a
gnu_vs_fsu "chown of a missing file" chown 0 nonexist
gnu_vs_fsu "touch in a missing directory" touch nodir/x
gnu_vs_fsu "touch with a bad date" touch -d 'not a date' a
gnu_vs_fsu "stat of a missing file" stat nonexist
gnu_vs_fsu "readlink of a file (status 1, quiet)" readlink a
gnu_vs_fsu "readlink -f of a missing path" readlink -f no/such/x
gnu_vs_fsu "truncate of a directory" truncate -s 10 dir
gnu_vs_fsu "truncate with a bad size" truncate -s 10Q a
gnu_vs_fsu "mkfifo onto an existing name" mkfifo a
gnu_vs_fsu "mknod onto an existing name" mknod a p
gnu_vs_fsu "du of a missing file" du nonexist
gnu_vs_fsu "find of a missing file" find nonexist
gnu_vs_fsu "find with an unknown predicate" find . -frob
gnu_vs_fsu "getfattr of a missing attribute" getfattr -n user.none a
gnu_vs_fsu "setfattr -x of a missing attribute" setfattr -x user.none a
gnu_vs_fsu "rm -r / is refused" rm -r /

# diff: the second path is on the host; -I puts both in the image.
check_err "diff with a missing image file: status 2" 2 \
    "fsu: /nonexist: No such file or directory" \
    fsu -t tmpfs none diff /nonexist "$H/a"
printf '%s\ndiff -I /a /nonexist\n' "$SETUP" >"$WORK/batch"
check_err "diff -I with a missing second file: status 2" 2 \
    "fsu: /nonexist: No such file or directory" \
    fsu -t tmpfs none batch "$WORK/batch"

# ---- 2. images fsu cannot use ----
IMGDIR=$WORK/img
mkdir "$IMGDIR"
head -c 1048576 /dev/urandom >"$IMGDIR/random"
: >"$IMGDIR/empty"
fsu_give "$IMGDIR"
out=$(fsu "$IMGDIR/random" ls 2>&1)
rc=$?
case "$out" in
"fsu: $IMGDIR/random: no filesystem recognised (tried: "*")")
	[ "$rc" = 2 ] && tap_ok "random bytes: no filesystem recognised (ls: 2)" ||
	    tap_fail "random bytes: no filesystem recognised (ls: 2)" "status $rc" ;;
*)	tap_fail "random bytes: no filesystem recognised (ls: 2)" "$out" ;;
esac
out=$(fsu "$IMGDIR/empty" cat /x 2>&1)
rc=$?
case "$out" in
"fsu: $IMGDIR/empty: no filesystem recognised (tried: "*")")
	[ "$rc" = 1 ] && tap_ok "empty file: no filesystem recognised (cat: 1)" ||
	    tap_fail "empty file: no filesystem recognised (cat: 1)" "status $rc" ;;
*)	tap_fail "empty file: no filesystem recognised (cat: 1)" "$out" ;;
esac
check_err "missing image" 1 \
    "fsu: cannot open '$IMGDIR/none': No such file or directory" \
    fsu "$IMGDIR/none" cat /x
check_err "unknown type" 2 \
    "fsu: $IMGDIR/random: unknown filesystem type 'nosuchfs'" \
    fsu -t nosuchfs "$IMGDIR/random" ls
check_err "partitions" 2 \
    "fsu: $IMGDIR/random: part=1: no partition table found" \
    fsu -p 1 "$IMGDIR/random" ls
check_err "unknown mount option" 1 \
    "fsu: none: unknown mount option 'frobnicate' for tmpfs" \
    fsu -t tmpfs -o frobnicate none mkdir /x
if [ -n "$FSU_AS" ]; then
	: >"$IMGDIR/secret"
	chown root: "$IMGDIR/secret"
	chmod 600 "$IMGDIR/secret"
	check_err "unreadable image" 2 \
	    "fsu: cannot open '$IMGDIR/secret': Permission denied" \
	    fsu "$IMGDIR/secret" ls
fi

if command -v mkfs.ext4 >/dev/null && fsu_have_type ext2fs; then
	mkdir -p "$WORK/src/dir" "$WORK/src/bad"
	echo x > "$WORK/src/dir/f"
	for i in 1 2 3; do echo "$i" > "$WORK/src/bad/f$i"; done
	E=$IMGDIR/e.img
	mkfs.ext4 -q -F -I 256 -d "$WORK/src" "$E" 16M >/dev/null 2>&1
	chmod 444 "$E"
	fsu_give "$E"
	# A read-only file and a writing command.
	if [ -n "$FSU_AS" ] || [ "$(id -u)" -ne 0 ]; then
		check_err "read-only image file, writing command" 1 \
		    "fsu: cannot open '$E' for writing: Permission denied" \
		    fsu "$E" mkdir /x
	fi
	check_out "read-only image file, reading command" "f" fsu "$E" ls /dir
	# Corrupt a directory's block pointer: listing it fails cleanly.
	chmod 644 "$E"
	if debugfs -w -R "sif /bad block[0] 999999999" "$E" >/dev/null 2>&1 ||
	    debugfs -w -R "sif /bad block[2] 999999999" "$E" >/dev/null 2>&1; then
		fsu "$E" ls /bad >"$WORK/c.out" 2>"$WORK/c.err"
		rc=$?
		if [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] &&
		    grep -q "^fsu: cannot open directory '/bad': \(Structure needs cleaning\|Input/output error\)" \
		    "$WORK/c.err"; then
			tap_ok "corrupt directory: clean failure (status $rc)"
		else
			tap_fail "corrupt directory: clean failure" \
			    "status $rc: $(cat "$WORK/c.err")"
		fi
		check_out "corrupt directory: the rest still reads" "f" \
		    fsu "$E" ls /dir
	else
		tap_skip "corrupt directory" "debugfs could not corrupt it"
	fi
fi

# ---- 3. usage ----
if fsu --help >"$WORK/help" 2>&1 && grep -q '^  ls ' "$WORK/help" &&
    grep -q '^  setfattr ' "$WORK/help"; then
	tap_ok "--help lists the commands"
else
	tap_fail "--help lists the commands" "$(head -5 "$WORK/help")"
fi
missing=""
for c in ls cat cp get put mv rm rmdir mkdir ln chmod chown chgrp touch \
    stat find du df diff write mknod mkfifo readlink truncate getfattr \
    setfattr batch; do
	fsu help "$c" | grep -q "^Usage: fsu \[GLOBAL OPTIONS\] IMAGE $c" ||
	    missing="$missing $c"
	grep -q "^  $c " "$WORK/help" || missing="$missing $c(--help)"
done
[ -z "$missing" ] && tap_ok "help for every command" ||
    tap_fail "help for every command" "missing:$missing"
check_err "unknown command" 1 "fsu: unknown command 'frob'
Try 'fsu --help' for more information." fsu "$IMGDIR/random" frob
check_err "no image" 1 "fsu: missing image operand
Try 'fsu --help' for more information." fsu
check_out "IMAGE COMMAND --help needs no image" \
    "$(fsu help rm)" fsu /nonexistent rm --help

# Links: fsu_ls IMAGE ARGS runs ls.
BIN=$WORK/bin
mkdir "$BIN"
if "$FSU" --install-links "$BIN" && [ -L "$BIN/fsu_ls" ]; then
	tap_ok "--install-links makes the links"
	printf 'mkdir /d\nls /\n' >"$WORK/lbatch"
	chmod 644 "$WORK/lbatch"
	check_out "fsu_batch through its link" "d" \
	    $FSU_AS "$BIN/fsu_batch" -t tmpfs none "$WORK/lbatch"
	check_err "fsu_ls names itself in messages" 2 \
	    "fsu_ls: cannot access '/nope': No such file or directory" \
	    $FSU_AS "$BIN/fsu_ls" -t tmpfs none /nope
else
	tap_fail "--install-links makes the links" ""
fi

tap_done
