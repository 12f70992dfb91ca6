# shellcheck shell=bash
# Shared by the integration tests: real BPF, real filesystems on loop devices.
# Each test file sources this, defines test functions and calls run_test.
# Every mount and loop device made here is undone on exit, even on failure.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
DIOLOCK=$BUILD/diolock
DIOWORK=$BUILD/diowork
T=$(mktemp -d /tmp/diolock-test.XXXXXX)

cleanup() {
	local m img
	# deepest first; a test that failed with its filesystem frozen thaws it here
	for m in $(findmnt -rn -o TARGET | grep "^$T/" | sort -r); do
		fsfreeze -u "$m" 2>/dev/null
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	for img in "$T"/*.img; do
		[ -e "$img" ] || continue
		losetup -j "$img" -n -O NAME | xargs -r -n1 losetup -d
	done
	rm -rf "$T"
}
trap cleanup EXIT

# mkfs_mount FS NAME [mkfs args...] -> prints the mount point
mkfs_mount() {
	local fs=$1 name=$2 img=$T/$2.img mnt=$T/$2
	shift 2
	truncate -s 512M "$img"
	case $fs in
	ext4) mkfs.ext4 -q -F "$@" "$img" ;;
	xfs) mkfs.xfs -q -f "$@" "$img" ;;
	btrfs) mkfs.btrfs -q -f "$@" "$img" >/dev/null ;;
	esac || return 1
	mkdir -p "$mnt"
	mount -o loop "$img" "$mnt" || return 1
	echo "$mnt"
}

# kernel_at_least MAJ MIN: the running kernel is MAJ.MIN or newer.
kernel_at_least() {
	local v maj min
	v=$(uname -r)
	maj=${v%%.*}
	min=${v#*.}
	min=${min%%[.-]*}
	[ "$maj" -gt "$1" ] || { [ "$maj" -eq "$1" ] && [ "$min" -ge "$2" ]; }
}

# btrfs writes O_DIRECT to checksummed inodes through the page cache from
# v6.15 (968f19c5b1b7): 1 where the running kernel does, else 0.
btrfs_csum_falls_back() {
	if kernel_at_least 6 15; then echo 1; else echo 0; fi
}

# probe_tier HOOK: the tier diolock attaches HOOK with on this kernel when it
# chooses ("tp_btf", "fentry", ..., "unavailable"), from `diolock probe`.
probe_tier() {
	[ -s "$T/.probe.json" ] || "$DIOLOCK" probe --json >"$T/.probe.json"
	tier_expected "$T/.probe.json" "$1" auto
}

# The device number a file reports in stat(2), as MAJ:MIN.
stat_dev() {
	local d
	d=$(stat -c %d "$1")
	echo "$((d >> 8 & 0xfff)):$(((d & 0xff) | (d >> 12 & 0xfff00)))"
}

_failed=0
fail() {
	echo "    assertion failed: $*"
	_failed=1
}

# the expectations the VM layer shares (tests/expect/README.md)
# shellcheck source=../expect/common.sh
. "$ROOT/tests/expect/common.sh"

# expect_jq FILE EXPR MESSAGE: EXPR must be true on FILE
expect_jq() { expect_file_jq "$@"; }

expect_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

# The first JSON line diowork printed for a role: its pid.
role_pid() {
	grep "^{\"role\":\"$2\"" "$1" | head -1 | jq -r .pid
}

# wait_watching FILE PID: until the diolock PID wrote its "watching" line
# (every program attached) to FILE; a ceiling of 30 s turns a hang into a
# failure, never a timing. Fails when diolock exits or never says it (and
# then stops it).
wait_watching() {
	local i
	for i in $(seq 300); do
		grep -q "^diolock: watching" "$1" && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	fail "diolock never said it was watching: $(head -c 300 "$1")"
	# not left running behind the failed test
	kill "$2" 2>/dev/null && wait "$2" 2>/dev/null
	return 1
}

# serve_start NAME ARGS...: `diolock serve ARGS` on a random loopback port in
# the background (pid in $T/NAME.pid, stderr in $T/NAME.err, port in
# SERVE_PORT), waited for until it answers: a ceiling of 30 s, not a timing.
serve_start() {
	local name=$1 i
	shift
	SERVE_PORT=$((20000 + RANDOM % 20000))
	"$DIOLOCK" serve "$@" --listen "127.0.0.1:$SERVE_PORT" --timeout 120 2>"$T/$name.err" &
	echo $! >"$T/$name.pid"
	for i in $(seq 300); do
		curl -sf "http://127.0.0.1:$SERVE_PORT/metrics" >/dev/null && return 0
		sleep 0.1
	done
	fail "serve did not answer on port $SERVE_PORT: $(cat "$T/$name.err")"
}

# run_test NAME: runs function NAME in a subshell and prints PASS/FAIL.
# A test still running after TEST_LIMIT seconds (a ceiling, not a timing) has
# hung: its processes and their kernel stacks are printed, it is killed and
# it fails, and the file's other tests still run.
TEST_LIMIT=${TEST_LIMIT:-300}
run_test() {
	local name=$1 pid watchdog rc alive
	set -m # the test in a process group of its own, to be killed whole
	(
		_failed=0
		"$name"
		exit $_failed
	) &
	pid=$!
	set +m
	# The watchdog reads a FIFO that only this shell writes: EOF when the
	# test ends, a read timeout when it hangs (no sleeping child to clean up).
	rm -f "$T/.watchdog"
	mkfifo "$T/.watchdog"
	(
		read -r -t "$TEST_LIMIT" _ <"$T/.watchdog"
		[ $? -gt 128 ] || exit 0
		hang_report "$pid"
		kill -TERM -- -"$pid"
		read -r -t 5 _ <"$T/.watchdog"
		kill -KILL -- -"$pid"
	) 2>/dev/null &
	watchdog=$!
	exec {alive}>"$T/.watchdog"
	wait "$pid"
	rc=$?
	exec {alive}>&-
	wait "$watchdog"
	if [ $rc = 0 ]; then
		echo "PASS $name"
	else
		echo "FAIL $name"
	fi
}

# hang_report PGID: what a hung test's processes are doing, threads included.
hang_report() {
	local pg=$1 p t
	echo "    assertion failed: still running after ${TEST_LIMIT}s; its processes:"
	ps -e -o pgid=,pid=,stat=,wchan:24=,etimes=,args= | awk -v g="$pg" '$1 == g { $1 = ""; print "     " $0 }'
	for p in $(ps -e -o pgid=,pid= | awk -v g="$pg" '$1 == g { print $2 }'); do
		for t in /proc/"$p"/task/*; do
			[ -r "$t/stack" ] || continue
			echo "      kernel stack of $p/${t##*/} ($(cat "$t/comm" 2>/dev/null)):"
			sed 's/^/        /' "$t/stack" 2>/dev/null
		done
	done
}

require_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP $(basename "$0"): needs root (BPF and loop mounts)"
		exit 0
	fi
}
