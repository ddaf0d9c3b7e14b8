#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tmpfs_tree.sh -- a real tree through FUSE: cp -a a few thousand files
# into a rumpfuse tmpfs, compare contents and metadata, then the everyday
# tools (mv, rm -r, ln, ln -s, chmod, chown, touch -d with nanoseconds,
# truncate, setfattr/getfattr, mkfifo, df), and a clean unmount.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup

# The source tree: /usr/share/doc when it is big enough, else headers.
SRC=""
for d in /usr/share/doc /usr/include/linux /usr/include; do
	if [ -d "$d" ] && [ "$(find "$d" 2>/dev/null | head -1500 | wc -l)" -ge 1000 ]; then
		SRC=$d
		break
	fi
done
[ -n "$SRC" ] || it_skip_all "no tree of 1000+ files to copy"

MNT=$WORK/mnt
if ! it_mount tree -t tmpfs -o size=1g none "$MNT"; then
	tap_fail "mount tmpfs" "$(cat "$WORK/tree.err")"
	tap_done
	exit 1
fi
tap_ok "mount tmpfs"

# Metadata listing of a tree: path, type, mode, owner, size, link, mtime.
meta() {
	(cd "$1" && find . \( -type d -printf '%p d %m %U %G %T@\n' \) -o \
	    -printf '%p %y %m %U %G %s %l %T@\n' | sort)
}

tap_check "cp -a $SRC ($(find "$SRC" | wc -l) entries)" cp -a "$SRC" "$MNT/tree"
tap_check "diff -r: contents identical" diff -r --no-dereference "$SRC" "$MNT/tree"
if out=$(diff <(meta "$SRC") <(meta "$MNT/tree")); then
	tap_ok "metadata identical (types, modes, owners, sizes, links, ns mtimes)"
else
	tap_fail "metadata identical (types, modes, owners, sizes, links, ns mtimes)" \
	    "$(printf '%s\n' "$out" | head -20)"
fi
it_check_out "entry count" "$(find "$SRC" | wc -l)" sh -c "find '$MNT/tree' | wc -l"

# A scratch area with the everyday tools.
S=$MNT/scratch
mkdir -p "$S/a/b/c" && echo "hello" >"$S/a/b/c/file" && cp -a "$MNT/tree" "$S/copy2" 2>/dev/null
tap_check "mv a directory" mv "$S/a" "$S/moved"
if [ ! -e "$S/a" ] && [ "$(cat "$S/moved/b/c/file")" = hello ]; then
	tap_ok "mv: old name gone, contents under the new"
else
	tap_fail "mv: old name gone, contents under the new" "$(ls -laR "$S" | head)"
fi
tap_check "rm -r a copied tree" rm -r "$S/copy2"
if [ ! -e "$S/copy2" ]; then tap_ok "rm -r: gone"; else tap_fail "rm -r: gone"; fi

echo "linked" >"$S/f"
tap_check "ln (hard link)" ln "$S/f" "$S/f2"
it_check_out "hard link: nlink 2, same inode" "2 $(stat -c %i "$S/f")" stat -c '%h %i' "$S/f2"
tap_check "ln -s" ln -s f "$S/sym"
it_check_out "readlink" "f" readlink "$S/sym"
it_check_out "read through symlink" "linked" cat "$S/sym"
tap_check "ln -s (dangling)" ln -s /nonexistent/target "$S/dangling"
it_check_out "readlink of a dangling link" "/nonexistent/target" readlink "$S/dangling"

tap_check "chmod 4751" chmod 4751 "$S/f"
it_check_out "stat shows mode 4751" "4751" stat -c %a "$S/f"
tap_check "chown 1234:5678" chown 1234:5678 "$S/f"
it_check_out "stat shows owner 1234:5678" "1234:5678" stat -c %u:%g "$S/f"
tap_check "chown -h on a symlink" chown -h 42:43 "$S/sym"
it_check_out "symlink owner changed, target's not" "42:43 1234:5678" \
    sh -c "echo \$(stat -c %u:%g '$S/sym') \$(stat -L -c %u:%g '$S/sym')"

tap_check "touch -d with nanoseconds" touch -d '2001-02-03 04:05:06.123456789' "$S/f"
it_check_out "stat shows the nanoseconds" "2001-02-03 04:05:06.123456789 +0000" \
    stat -c %y "$S/f"
tap_check "touch -a -d" touch -a -d '1999-12-31 23:59:59.5' "$S/f"
it_check_out "atime set, mtime kept" \
    "1999-12-31 23:59:59.500000000 +0000 2001-02-03 04:05:06.123456789 +0000" \
    stat -c '%x %y' "$S/f"

tap_check "truncate -s 10M" truncate -s 10M "$S/f"
it_check_out "size 10M, sparse" "10485760 yes" sh -c \
    "echo \$(stat -c %s '$S/f') \$([ \$(stat -c %b '$S/f') -lt 1024 ] && echo yes || echo no)"
it_check_out "head kept, rest zeros" "linked" sh -c "head -c 6 '$S/f'"
it_check_out "zeros past the head" "0" sh -c "tail -c +8 '$S/f' | tr -d '\\0' | wc -c"
tap_check "truncate -s 3" truncate -s 3 "$S/f"
it_check_out "truncated contents" "lin" cat "$S/f"

if command -v setfattr >/dev/null && command -v getfattr >/dev/null; then
	tap_check "setfattr" setfattr -n user.color -v blue "$S/f"
	it_check_out "getfattr" "blue" getfattr --absolute-names --only-values -n user.color "$S/f"
	tap_check "setfattr on a directory" setfattr -n user.d -v dv "$S/moved"
	it_check_out "getfattr -d lists it" "user.d=\"dv\"" sh -c \
	    "getfattr --absolute-names -d '$S/moved' 2>/dev/null | grep '^user'"
	tap_check "setfattr -x" setfattr -x user.color "$S/f"
	if getfattr --absolute-names -n user.color "$S/f" >/dev/null 2>&1; then
		tap_fail "removed attribute is gone"
	else
		tap_ok "removed attribute is gone"
	fi
else
	tap_skip "xattrs" "setfattr/getfattr missing"
fi

tap_check "mkfifo" mkfifo "$S/fifo"
it_check_out "stat shows a fifo" "fifo" stat -c %F "$S/fifo"
tap_check "mknod c" mknod "$S/null" c 1 3
it_check_out "device numbers kept" "character special file 1 3" \
    stat -c '%F %t %T' "$S/null"

if out=$(df -P "$MNT" 2>&1) && printf '%s\n' "$out" | grep -q " $MNT\$"; then
	tap_ok "df works"
else
	tap_fail "df works" "$out"
fi
it_check_out "stat -f: block size sane" "ok" sh -c \
    "[ \$(stat -f -c %S '$MNT') -gt 0 ] && echo ok"

# An unlinked file stays readable through an open descriptor.
printf 'still here\n' >"$S/open"
exec 3<"$S/open"
rm "$S/open"
it_check_out "unlinked open file readable through its fd" "still here" cat <&3
exec 3<&-
# A file replaced by rename while open keeps its old contents there.
printf 'old\n' >"$S/target" && printf 'new\n' >"$S/src"
exec 3<"$S/target"
mv "$S/src" "$S/target"
it_check_out "renamed-over open file keeps its data" "old" cat <&3
exec 3<&-
it_check_out "the new file under the name" "new" cat "$S/target"

# A big directory through readdir: every name once.
mkdir "$S/big"
(cd "$S/big" && seq -f 'entry-%05g' 1 5000 | xargs touch)
it_check_out "5000 entries listed" "5000" sh -c "ls -f '$S/big' | grep -c '^entry-'"
it_check_out "no entry listed twice" "" sh -c "ls -f '$S/big' | sort | uniq -d"
(cd "$S/big" && seq -f 'entry-%05g' 1 2 5000 | xargs rm)
it_check_out "2500 left after deleting every other" "2500" \
    sh -c "ls -f '$S/big' | grep -c '^entry-'"
tap_check "rm -r the big directory" rm -r "$S/big"

# Offsets past 4 GiB.
tap_check "write a byte at 5 GiB" sh -c \
    "printf Z | dd of='$S/huge' bs=1 seek=5368709120 conv=notrunc status=none"
it_check_out "size 5 GiB + 1" "5368709121" stat -c %s "$S/huge"
it_check_out "read it back" "Z" sh -c \
    "dd if='$S/huge' bs=1 skip=5368709120 count=1 status=none"
it_check_out "the hole reads zeros" "0" sh -c \
    "dd if='$S/huge' bs=1M skip=4095 count=2 status=none | tr -d '\\0' | wc -c"
rm -f "$S/huge"

# Everything still consistent after the churn.
tap_check "diff -r again after the scratch work" diff -r --no-dereference "$SRC" "$MNT/tree"
tap_check "rm -rf everything" rm -rf "$MNT/tree" "$S"
it_check_out "empty again" "" ls -A "$MNT"

it_umount tree "$MNT"
if it_is_mounted "$MNT"; then tap_fail "mount gone"; else tap_ok "mount gone"; fi
tap_done
