# SPDX-License-Identifier: BSD-2-Clause
# fsu_lib.sh -- helpers for the fsu tests (sourced after tests/lib/tap.sh):
#   fsu_setup          skip all unless $FSU is set; make $WORK (TZ=UTC,
#                      LC_ALL=C); decide how fsu runs (see FSU_AS)
#   fsu ARGS...        run $FSU as the unprivileged user when we are root
#                      (setpriv to nobody), else as ourselves
#   fsu_give PATH...   hand PATH (recursively) to that user
#   fsu_have_type T    does this fsu have a driver for type T?
#   loop_mount IMG DIR mount IMG read-only through the host kernel (root
#                      only); unmounted by the EXIT trap
#   same NAME WANT GOT compare two files: ok, or not ok with a diff
#   check_out NAME WANT CMD...  CMD's stdout (and status 0) equals WANT
#   check_err NAME STATUS MSG CMD...  CMD fails with STATUS and prints
#                      exactly MSG on stderr

FSU_MOUNTS=""

fsu_skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

fsu_cleanup() {
	local m
	for m in $FSU_MOUNTS; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	[ -n "${WORK:-}" ] && [ -d "$WORK" ] && rm -rf "$WORK"
	return 0
}

fsu_setup() {
	[ -n "${FSU:-}" ] || fsu_skip_all "FSU is not set (fsu not built)"
	[ -x "$FSU" ] || fsu_skip_all "$FSU is not executable"
	export TZ=UTC LC_ALL=C
	unset FSU_TYPE FSU_MNTOPTS RUMP_LOGLEVEL
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/fsu-test.XXXXXX") ||
	    fsu_skip_all "cannot make a work directory"
	chmod 755 "$WORK"
	trap fsu_cleanup EXIT
	trap 'exit 130' INT TERM
	# As root, run fsu as nobody: it must need no privileges.
	FSU_AS=""
	if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
	    id nobody >/dev/null 2>&1; then
		FSU_AS="setpriv --reuid=$(id -u nobody) --regid=$(id -g nobody) --clear-groups --"
		if ! $FSU_AS "$FSU" --version >/dev/null 2>&1; then
			echo "# nobody cannot run $FSU; running fsu as root"
			FSU_AS=""
		fi
	fi
	FSU_USER=$(id -un)
	[ -n "$FSU_AS" ] && FSU_USER=nobody
	echo "# fsu runs as $FSU_USER"
}

fsu() {
	$FSU_AS "$FSU" "$@"
}

fsu_give() {
	[ -n "$FSU_AS" ] && chown -R nobody: "$@"
	return 0
}

fsu_have_type() {
	local out
	out=$("$FSU" -t "$1" /dev/null ls / 2>&1)
	case "$out" in
	*"unknown filesystem type"*) return 1 ;;
	esac
	return 0
}

loop_mount() {
	[ "$(id -u)" -eq 0 ] || return 1
	mkdir -p "$2"
	mount -o loop,ro "$1" "$2" 2>/dev/null || return 1
	FSU_MOUNTS="$FSU_MOUNTS $2"
	return 0
}

same() {
	# The inputs may be pipes (<(...)): read each once.
	cat "$2" >"$WORK/same.want" 2>/dev/null
	cat "$3" >"$WORK/same.got" 2>/dev/null
	if cmp -s "$WORK/same.want" "$WORK/same.got"; then
		tap_ok "$1"
	else
		tap_fail "$1" "$(diff -u "$WORK/same.want" "$WORK/same.got" |
		    tail -n +3 | head -40)"
	fi
}

check_out() {
	local name=$1 want=$2 got rc
	shift 2
	got=$("$@" 2>"$WORK/check.err")
	rc=$?
	if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "status $rc
expected: $want
got:      $got
stderr: $(head -5 "$WORK/check.err")"
	fi
}

check_err() {
	local name=$1 want_rc=$2 want_msg=$3 msg rc
	shift 3
	"$@" >/dev/null 2>"$WORK/check.err"
	rc=$?
	msg=$(cat "$WORK/check.err")
	if [ "$rc" -eq "$want_rc" ] && [ "$msg" = "$want_msg" ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "expected status $want_rc and: $want_msg
got status $rc and: $msg"
	fi
}
