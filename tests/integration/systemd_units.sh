#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# systemd_units.sh -- rumpfuse in the system: mount(8), fstab, systemd.
#
#   - systemd-analyze verify accepts every unit (configured to point at
#     the built rumpfuse) and the example .mount/.automount pair;
#   - the udev rule names only the unit we ship;
#   - mount -t fuse.rumpfuse -o ro,type=ffs IMAGE DIR mounts an FFS
#     image read-only through mount.fuse.rumpfuse; umount(8) stops it;
#   - mount --fstab FILE --target DIR mounts a FAT image read-write from
#     a test fstab line full of mount(8)/systemd options (noauto, nofail,
#     x-systemd.*, comment=), the write lands (mtools reads it back) and
#     fsck.fat -n is clean;
#   - an unknown option and "loop" are refused by name;
#   - readiness: with NOTIFY_SOCKET set, rumpfuse -f sends READY=1 only
#     once the mount is live, and STOPPING=1 when it is unmounted.
# The helper is installed as /usr/sbin/mount.fuse.rumpfuse for the test
# (mount(8) looks only there) unless one is installed already, and
# removed afterwards.
#
# Environment: RUMPFUSE, MOUNT_HELPER, UNITS_SRC (systemd/), TOP.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/integration/lib.sh"
UNITS_SRC=${UNITS_SRC:-$TOP/systemd}

it_setup
[ -n "${MOUNT_HELPER:-}" ] && [ -x "$MOUNT_HELPER" ] ||
	it_skip_all "MOUNT_HELPER is not set"
HELPER_DST=/usr/sbin/mount.fuse.rumpfuse
installed_helper=false
cleanup_helper() {
	$installed_helper && rm -f "$HELPER_DST"
	it_cleanup
}
trap cleanup_helper EXIT

check() {	# NAME CMD...
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$name"
	else
		tap_fail "$name" "$(echo "$out" | head -30)"
	fi
}

# ---- units ----
if command -v systemd-analyze >/dev/null; then
	U=$WORK/units
	mkdir -p "$U"
	bindir=$(cd "$(dirname "$RUMPFUSE")" && pwd)
	for u in rumpfuse@.service rumpfuse-media@.service; do
		sed "s|@BINDIR@|$bindir|g" "$UNITS_SRC/$u.in" >"$U/$u"
	done
	cp "$UNITS_SRC/examples/mnt-netbsd.mount" \
	    "$UNITS_SRC/examples/mnt-netbsd.automount" "$U/"
	for u in rumpfuse@dev-sdb1.service rumpfuse@srv-images-disk.img.service \
	    rumpfuse-media@sdb1.service mnt-netbsd.mount mnt-netbsd.automount; do
		check "systemd-analyze verify $u" \
		    sh -c "cd '$U' && systemd-analyze verify --man=no ./$u 2>&1 |
		    { ! grep -v -e '^$' -e 'Failed to put bus name' \
		      -e 'Failed to connect to bus'; }"
	done
	check "rumpfuse@.service is Type=notify with hardening" \
	    grep -q -e '^Type=notify' -e '^NoNewPrivileges=yes' \
	    "$U/rumpfuse@.service"
else
	tap_skip "systemd-analyze verify" "no systemd-analyze"
fi
check "udev rule wants rumpfuse-media@%k.service" \
    grep -q 'SYSTEMD_WANTS}+="rumpfuse-media@%k.service"' \
    "$UNITS_SRC/90-rumpfuse-media.rules"

# ---- mount(8) ----
if [ -e "$HELPER_DST" ] && ! cmp -s "$HELPER_DST" "$MOUNT_HELPER"; then
	tap_skip "mount -t fuse.rumpfuse" "another $HELPER_DST is installed"
	SKIP_MOUNT=true
else
	SKIP_MOUNT=false
	if [ ! -e "$HELPER_DST" ]; then
		cp "$MOUNT_HELPER" "$HELPER_DST" && installed_helper=true
	fi
fi
export RUMPFUSE

wait_gone() {	# PATTERN: wait until no rumpfuse serves it
	local i=0
	while pgrep -f "$1" >/dev/null; do
		sleep 0.1
		i=$((i + 1))
		[ $i -gt 300 ] && return 1
	done
	return 0
}

if ! $SKIP_MOUNT && command -v makefs >/dev/null; then
	mkdir -p "$WORK/tree/sub" "$WORK/m1"
	echo "hello from ffs" >"$WORK/tree/sub/greeting"
	makefs -t ffs -s 4m -o version=2 "$WORK/ffs.img" "$WORK/tree" \
	    >/dev/null
	check "mount -t fuse.rumpfuse -o ro,type=ffs" \
	    mount -t fuse.rumpfuse -o ro,type=ffs "$WORK/ffs.img" "$WORK/m1"
	it_check_out "the FFS file reads back" "hello from ffs" \
	    cat "$WORK/m1/sub/greeting"
	check "it is fuse.rumpfuse, read-only" sh -c \
	    "awk '\$2 == \"$WORK/m1\" { print \$3, \$4 }' /proc/mounts |
	    grep -q '^fuse.rumpfuse ro'"
	check "umount(8) unmounts it and the daemon exits" \
	    sh -c "umount '$WORK/m1' && exit 0"
	wait_gone "$WORK/ffs.img" || tap_fail "daemon exits" "still running"
else
	tap_skip "mount -t fuse.rumpfuse" "no makefs or no helper"
fi

if ! $SKIP_MOUNT && command -v mkfs.fat >/dev/null &&
    command -v mtype >/dev/null; then
	truncate -s 8M "$WORK/fat.img"
	mkfs.fat "$WORK/fat.img" >/dev/null
	mkdir -p "$WORK/m2"
	cat >"$WORK/fstab" <<EOT
# a test fstab
$WORK/fat.img $WORK/m2 fuse.rumpfuse rw,type=msdos,noauto,nofail,_netdev,x-systemd.automount,x-systemd.idle-timeout=60,comment=test 0 0
EOT
	check "mount --fstab FILE --target DIR" \
	    mount --fstab "$WORK/fstab" --target "$WORK/m2"
	check "write through the fstab mount" \
	    sh -c "echo fstab-data >'$WORK/m2/WRITTEN.TXT'"
	check "umount the fstab mount" umount "$WORK/m2"
	wait_gone "$WORK/fat.img" || tap_fail "daemon exits" "still running"
	it_check_out "mtools reads what was written" "fstab-data" \
	    mtype -i "$WORK/fat.img" ::/WRITTEN.TXT
	check "fsck.fat -n is clean" fsck.fat -n "$WORK/fat.img"
	out=$(mount -t fuse.rumpfuse -o bogus_option "$WORK/fat.img" \
	    "$WORK/m2" 2>&1)
	if [ $? != 0 ] && echo "$out" | grep -q bogus_option; then
		tap_ok "an unknown option is refused by name"
	else
		tap_fail "an unknown option is refused by name" "$out"
		umount "$WORK/m2" 2>/dev/null
	fi
	out=$("$MOUNT_HELPER" "$WORK/fat.img" "$WORK/m2" -o loop 2>&1)
	if [ $? = 2 ] && echo "$out" | grep -q loop; then
		tap_ok "loop is refused"
	else
		tap_fail "loop is refused" "$out"
	fi
	it_check_out "-f shows the rumpfuse command line" \
	    "mount.fuse.rumpfuse: (fake) $RUMPFUSE -t msdos -o ro,uid=0 -- SRC DIR" \
	    sh -c "'$MOUNT_HELPER' SRC DIR -f -o ro,type=msdos,noauto,x-foo,uid=0 2>&1"
else
	tap_skip "mount --fstab" "no mkfs.fat/mtools or no helper"
fi

# ---- readiness ----
mkdir -p "$WORK/m3"
check "READY=1 once live, STOPPING=1 at unmount" python3 - \
    "$RUMPFUSE" "$WORK/m3" "$WORK/notify.sock" <<'EOT'
import os, socket, subprocess, sys
rf, mnt, path = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(20)
env = dict(os.environ, NOTIFY_SOCKET=path)
p = subprocess.Popen([rf, "-f", "-t", "tmpfs", "none", mnt], env=env)
def mounted():
    with open("/proc/self/mountinfo") as f:
        return any(l.split()[4] == mnt for l in f)
msg = s.recv(4096).decode()
if "READY=1" not in msg:
    sys.exit("first message: %r" % msg)
if not mounted():
    sys.exit("READY=1 before the mount was live")
subprocess.run(["fusermount3", "-u", mnt], check=True)
msg = s.recv(4096).decode()
if "STOPPING=1" not in msg:
    sys.exit("second message: %r" % msg)
if p.wait(timeout=30) != 0:
    sys.exit("rumpfuse exited %d" % p.returncode)
EOT
tap_done
