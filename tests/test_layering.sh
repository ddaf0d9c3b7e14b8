#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The anykernel rule (DESIGN.md): vfs/ and fsdrivers/ include only the
# freestanding headers and kernel headers; fsdrivers/ never include the
# hypercall interface; only hypercalls/ touches the host.  One TAP case per
# rule and directory.
top=${1:-.}
. "$top/tests/lib/tap.sh"
allowed='^(stddef|stdint|stdbool|stdarg|limits|string|errno)\.h$'

check_angle() {	# DIR: every <...> include is freestanding
	bad=$(grep -rn --include='*.[ch]' '#[[:space:]]*include[[:space:]]*<' "$top/$1" |
	    while IFS= read -r line; do
		h=$(printf '%s' "$line" | sed -n 's/.*include[[:space:]]*<\([^>]*\)>.*/\1/p')
		printf '%s' "$h" | grep -Eq "$allowed" || printf '%s\n' "$line"
	    done)
	if [ -z "$bad" ]; then tap_ok "$1 includes no host header"
	else tap_fail "$1 includes no host header" "$bad"; fi
}
check_angle vfs
check_angle fsdrivers

bad=$(grep -rln --include='*.[ch]' 'rumpuser\.h\|hyp_[a-z_]*(' "$top/fsdrivers")
if [ -z "$bad" ]; then tap_ok "fsdrivers make no hypercall"
else tap_fail "fsdrivers make no hypercall" "$bad"; fi

bad=$(grep -rn --include='*.[ch]' 'include.*"\(kern/\|rumpuser\.h\)' \
    "$top/daemon" "$top/fsutils" 2>/dev/null)
if [ -z "$bad" ]; then tap_ok "daemon and fsutils use only the public API"
else tap_fail "daemon and fsutils use only the public API" "$bad"; fi

bad=$(grep -rln --include='*.[ch]' '#[[:space:]]*include[[:space:]]*"kern/\|vfs_pub\.h' \
    "$top/hypercalls")
if [ -z "$bad" ]; then tap_ok "hypercalls include no kernel header"
else tap_fail "hypercalls include no kernel header" "$bad"; fi
tap_done
