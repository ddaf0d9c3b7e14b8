# SPDX-License-Identifier: BSD-2-Clause
# tap.sh -- tiny TAP helpers for the shell integration tests.
#   tap_plan N | tap_ok NAME | tap_fail NAME [DIAG] | tap_skip NAME WHY
#   tap_check NAME CMD...   runs CMD, ok if it exits 0 (output as diagnostics)
#   tap_done                prints the plan if none was given; exit status
_tap_n=0
_tap_failed=0
tap_plan() { echo "1..$1"; _tap_planned=1; }
tap_ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1"; }
tap_fail() {
	_tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'
	return 0
}
tap_skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP $2"; }
tap_check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then tap_ok "$name"; else tap_fail "$name" "$out"; fi
}
tap_done() {
	[ -n "${_tap_planned:-}" ] || echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}
